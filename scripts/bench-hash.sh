#!/usr/bin/env bash
# Hashing throughput of lsqm's SHA256 (LSQMBasics) over ../shared/corpus: builds the LSQMHashBench driver in release
# and prints files, MB, the read time, the hashing wall time (BENCH_ROUNDS passes over the files held in memory),
# MB/s and a checksum over every digest (the same checksum from two implementations = identical digests).
# BENCH_HASH_REV=<git rev>: measure that revision's Sources/LSQMBasics/SHA256.swift instead, in a throwaway
# package with the same driver (6d44f6c is the hand-written SHA-256 that swift-crypto replaced, issue 18).
# Env: BENCH_CORPUS (default ../shared/corpus), BENCH_ROUNDS (default 10), BENCH_SKIP_BUILD=1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${BENCH_CORPUS:-$root/../shared/corpus}"
rounds="${BENCH_ROUNDS:-10}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -n "${BENCH_HASH_REV:-}" ]; then
    package="$work/package"
    mkdir -p "$package/Sources/LSQMBasics" "$package/Sources/LSQMHashBench"
    git -C "$root" show "$BENCH_HASH_REV:Sources/LSQMBasics/SHA256.swift" >"$package/Sources/LSQMBasics/SHA256.swift"
    cp "$root/Sources/LSQMHashBench/main.swift" "$package/Sources/LSQMHashBench/"
    dependencies='' basics=''
    if grep -q '^import Crypto' "$package/Sources/LSQMBasics/SHA256.swift"; then
        dependencies='.package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0")'
        basics='.product(name: "Crypto", package: "swift-crypto")'
    fi
    cat >"$package/Package.swift" <<SWIFT
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
    name: "hashbench", dependencies: [$dependencies],
    targets: [
        .target(name: "LSQMBasics", dependencies: [$basics]),
        .executableTarget(name: "LSQMHashBench", dependencies: ["LSQMBasics"]),
    ])
SWIFT
else
    package="$root"
fi

cd "$package"
echo "== SHA256 of ${BENCH_HASH_REV:-the working tree}"
[ "${BENCH_SKIP_BUILD:-0}" = 1 ] && [ "$package" = "$root" ] || swift build -c release --product LSQMHashBench >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 2; }
/usr/bin/time -f "process: %e s wall, %U s user, %S s sys" "$(swift build -c release --show-bin-path)/LSQMHashBench" "$corpus" "$rounds"
