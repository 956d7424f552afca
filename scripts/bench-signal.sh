#!/usr/bin/env bash
# How much of what lsqm says is about the emulator (a script that prints figures; not a timed test).
#
# Takes a deterministic sample of ../shared/corpus — every kind, BENCH_SIGNAL_PER_KIND architectures of each
# (default 11: 44 in all), the same ones on every machine (the folders whose sha256 of their name sorts first) —
# and runs one `lsqm run` over it: host moto, the offline rules generator, a fresh local artifact repository.
# Then prints verdicts by status and by cause class, the operations blamed, how many architectures were not
# run and why, and the share of non-passing verdicts that are the emulator's fault (target ≥ 9 in 10).
#
# usage: scripts/bench-signal.sh
#   LSQM_BIN               the lsqm binary (default: .build/release/lsqm, else .build/debug/lsqm)
#   LSQM_CORPUS            the corpus (default: ../shared/corpus next to the repository)
#   BENCH_SIGNAL_PER_KIND  architectures per kind (default 11)
#   BENCH_SIGNAL_EMULATOR  the --emulator choice (default host:moto)
#   BENCH_SIGNAL_KEEP=1    keep the work folder (artifact repository with every log) and print its path
#   LSQM_PARALLEL, LSQM_TIMEOUT, LSQM_TF_PLUGIN_MIRROR as for lsqm.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${LSQM_CORPUS:-$ROOT/../shared/corpus}
PER_KIND=${BENCH_SIGNAL_PER_KIND:-11}
EMULATOR=${BENCH_SIGNAL_EMULATOR:-host:moto}
LSQM=${LSQM_BIN:-}
if [ -z "$LSQM" ]; then
    if [ -x "$ROOT/.build/release/lsqm" ]; then LSQM=$ROOT/.build/release/lsqm; else LSQM=$ROOT/.build/debug/lsqm; fi
fi
for tool in terraform moto_server python3 git "$LSQM"; do
    command -v "$tool" >/dev/null || { echo "bench-signal: $tool not found" >&2; exit 2; }
done
[ -f "$CORPUS/MANIFEST.tsv" ] || { echo "bench-signal: no corpus at $CORPUS" >&2; exit 2; }

WORK=$(mktemp -d /tmp/lsqm-signal-XXXXXX)
if [ "${BENCH_SIGNAL_KEEP:-0}" = 1 ]; then echo "work folder: $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi

# The sample, copied (never linked: the scanner refuses links) in the corpus layout, with the local modules
# that corpus Terraform reaches through ../../ beside it.
python3 - "$CORPUS" "$PER_KIND" >"$WORK/sample.txt" <<'PY'
import csv, hashlib, sys
corpus, per_kind = sys.argv[1], int(sys.argv[2])
by_kind = {}
with open(f"{corpus}/MANIFEST.tsv") as handle:
    for row in csv.DictReader(handle, delimiter="\t"):
        by_kind.setdefault(row["kind"], []).append(row["folder"])
for kind in sorted(by_kind):
    for folder in sorted(by_kind[kind], key=lambda f: hashlib.sha256(f.encode()).hexdigest())[:per_kind]:
        print(folder)
PY
mkdir -p "$WORK/architectures"
while read -r folder; do
    mkdir -p "$WORK/architectures/$(dirname "$folder")"
    cp -R "$CORPUS/$folder" "$WORK/architectures/$folder"
done <"$WORK/sample.txt"
[ -d "$CORPUS/_support" ] && cp -R "$CORPUS/_support" "$WORK/architectures/_support"
echo "sample: $(wc -l <"$WORK/sample.txt") architectures ($PER_KIND per kind) from $CORPUS"

export ARTIFACT_REPO="$WORK/repo" LSQM_CACHE_DIR="${LSQM_CACHE_DIR:-$HOME/.cache/lsqm}"
start=$(date +%s)
set +e
"$LSQM" run --local "$WORK/architectures" --ignore _support --emulator "$EMULATOR" --generator rules \
    --log-format json >"$WORK/run.out" 2>"$WORK/run.log"
code=$?
set -e
echo "lsqm run: exit $code in $(( $(date +%s) - start )) s (log: $WORK/run.log)"
[ "$code" -le 1 ] || { tail -20 "$WORK/run.log"; exit "$code"; }

python3 - "$WORK/repo" <<'PY'
import collections, glob, json, os, sys
repo = sys.argv[1]
runs = sorted(glob.glob(f"{repo}/runs/*/results.json"))
if not runs:
    sys.exit("bench-signal: the run recorded no results")
run = json.load(open(runs[-1]))
results, not_run = run["results"], run.get("not_run", [])
index = json.load(open(f"{repo}/architectures/index.json"))
skipped_index = [a for a in index.get("architectures", {}).values() if a.get("skip_reason")] if isinstance(index.get("architectures"), dict) else []

print(f"\n== verdicts ({len(results)} validated)")
for status, n in sorted(collections.Counter(r["status"] for r in results).items()):
    print(f"  {status:8} {n}")
non_passing = [r for r in results if r["status"] != "PASSED"]
by_class = collections.Counter((r.get("cause") or {}).get("class", "none") for r in non_passing)
print(f"\n== causes of the {len(non_passing)} non-passing verdicts")
for cls, n in by_class.most_common():
    print(f"  {cls:12} {n}")
judged = [r for r in non_passing if r["status"] != "ERROR"]
emulator = sum(1 for r in judged if (r.get("cause") or {}).get("class") == "emulator")
if judged:
    print(f"\nnon-passing verdicts (ERROR aside) that are the emulator's fault: {emulator}/{len(judged)} = {emulator / len(judged):.0%} (target >= 90%)")
if non_passing:
    share = by_class.get("emulator", 0) / len(non_passing)
    print(f"all non-passing verdicts (ERROR included) that are the emulator's fault: {by_class.get('emulator', 0)}/{len(non_passing)} = {share:.0%}")

ops = collections.Counter()
for r in non_passing:
    cause = r.get("cause") or {}
    if cause.get("class") == "emulator":
        ops[f"{cause.get('service') or '?'}:{cause.get('operation') or '?'} ({cause.get('code') or '-'})"] += 1
print("\n== operations blamed (emulator causes)")
for op, n in ops.most_common(25):
    print(f"  {n:3}  {op}")

print(f"\n== not run: {len(not_run)}")
for reason, n in collections.Counter(x["reason"] for x in not_run).most_common(10):
    print(f"  {n:3}  {reason}")
print(f"\n== every non-passing verdict")
for r in sorted(non_passing, key=lambda r: ((r.get("cause") or {}).get("class", ""), r["name"])):
    cause = r.get("cause") or {}
    print(f"  {r['status']:8} {cause.get('class', 'none'):12} {r['name'][:60]:60} {cause.get('step') or ''}: "
          f"{(cause.get('service') or '')}:{cause.get('operation') or ''} {cause.get('code') or ''} — {(cause.get('message') or r.get('error') or '')[:140]}")
PY
