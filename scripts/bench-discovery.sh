#!/usr/bin/env bash
# Discovery figures: the four remote source plugins against the fake GitHub and Terraform Registry (repositories
# rebuilt from ../shared/corpus), a first run and a second one over unchanged upstreams. Prints, per source and
# in total, architectures found, requests, full downloads against 304s, retries and rate-limit waits, and the
# wall time of the whole test. Needs ../shared/corpus; CDK synthesis needs `pip install aws-cdk-lib` and node.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests >/dev/null
start=$(date +%s)
swift test --skip-build --filter 'DiscoveryEndToEndTests' 2>&1 | grep -E '^run [0-9]|Executed|error:' || true
echo "wall time: $(( $(date +%s) - start )) s"
