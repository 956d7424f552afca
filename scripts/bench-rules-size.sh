#!/usr/bin/env bash
# Benchmark of the rule generator on one large architecture: writes a synthetic Terraform of N resource blocks
# (default 2,000: the rule generator's limit) mixing named and counted queues, topics, buckets and tables, mines
# it into a scratch artifact repository and runs `lsqm generate --generator rules` once (generation plus the
# app's checks: compile + pytest --collect-only). Prints the test_app.py size, tests collected, wall time and
# the peak memory of lsqm and of its largest child (pytest). No network, no secrets.
#
#   scripts/bench-rules-size.sh [RESOURCES]
set -euo pipefail
cd "$(dirname "$0")/.."
resources="${1:-2000}"
swift build >/dev/null
lsqm="$PWD/.build/debug/lsqm"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/lsqm-bench-rules-XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/arch/big"
python3 - "$resources" "$scratch/arch/big/main.tf" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
kinds = [("aws_sqs_queue", "name"), ("aws_sns_topic", "name"), ("aws_s3_bucket", "bucket"), ("aws_dynamodb_table", "name")]
blocks = ['terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n']
for i in range(n):
    kind, attribute = kinds[i % len(kinds)]
    if i % 2 == 0:   # named: listing must skip it when locating the unnamed ones
        body = '  %s = "bench-%d"\n' % (attribute, i)
    else:            # counted: located by listing
        body = "  count = 1\n"
    if kind == "aws_dynamodb_table":
        body += '  name = "table-%d"\n  hash_key = "id"\n  billing_mode = "PAY_PER_REQUEST"\n  attribute {\n    name = "id"\n    type = "S"\n  }\n' % i if i % 2 else '  hash_key = "id"\n  billing_mode = "PAY_PER_REQUEST"\n  attribute {\n    name = "id"\n    type = "S"\n  }\n'
    blocks.append('resource "%s" "r%d" {\n%s}\n' % (kind, i, body))
open(path, "w").write("".join(blocks))
PY
export ARTIFACT_REPO="$scratch/repo"
unset ANTHROPIC_API_KEY
"$lsqm" mine --local "$scratch/arch" --log-format json >/dev/null 2>&1
/usr/bin/time -v -o "$scratch/time.txt" "$lsqm" generate --generator rules --json --log-format json >"$scratch/out.json" 2>"$scratch/log.txt" || true
python3 - "$scratch" "$resources" <<'PY'
import json, os, re, sys, glob
scratch, n = sys.argv[1], sys.argv[2]
out = json.load(open(os.path.join(scratch, "out.json")))
timing = open(os.path.join(scratch, "time.txt")).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", timing).group(1)
peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", timing).group(1))
print("resources: %s" % n)
for app in out["apps"]:
    print("status: %s%s" % (app["status"], (" — " + app["reason"]) if app.get("reason") else ""))
    if app.get("tests"): print("tests collected: %d" % app["tests"])
files = glob.glob(os.path.join(scratch, "repo", "apps", "*", "test_app.py"))
for path in files:
    print("test_app.py: %.1f KB" % (os.path.getsize(path) / 1024))
print("wall time: %s" % wall)
print("peak memory (largest of lsqm and its children): %.0f MB" % (peak / 1024))
PY
