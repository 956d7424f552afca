#!/usr/bin/env bash
# Benchmark of the report stage at scale (issue 7): a 5,000 architectures x 52 runs history.
# Prints the report build time, the HTML file size and how long Chromium takes to load and render it.
# Targets: build <= 5 s, load < 1 s (requirement < 2 s). Prints figures; does not fail on them.
#
# Usage: scripts/bench-report.sh [ARCHITECTURES [RUNS]]
#   LSQM_BIN=path    use this lsqm binary instead of building a release one
#   BENCH_DIR=path   where the synthetic history lives (default /tmp/lsqm-bench-<A>x<R>-causes; reused when present)
set -euo pipefail
cd "$(dirname "$0")/.."
archs="${1:-5000}"
runs="${2:-52}"
# "-causes": histories generated before gen-history.py wrote causes (issue 12) are not reused.
dir="${BENCH_DIR:-/tmp/lsqm-bench-${archs}x${runs}-causes}"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

if [ -z "${LSQM_BIN:-}" ]; then
    echo "== building lsqm (release)"
    swift build -c release --product lsqm >/dev/null
    LSQM_BIN="$(swift build -c release --show-bin-path)/lsqm"
fi

if [ ! -f "$dir/.complete" ]; then
    echo "== generating $archs architectures x $runs runs in $dir"
    rm -rf "$dir"
    t0=$(now)
    python3 scripts/gen-history.py "$dir" "$archs" "$runs"
    touch "$dir/.complete"
    echo "generated in $(elapsed "$t0" "$(now)") s ($(du -sh "$dir" | cut -f1) of run data)"
fi

out="$dir/report.html"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (figures scale with contention)"
report() {
    local label="$1" t0 t1 cpu
    t0=$(now)
    cpu=$( { TIMEFORMAT='%U+%S'; time ARTIFACT_REPO="$dir" "$LSQM_BIN" report --out "$out" --log-format json >/dev/null 2>&1; } 2>&1 )
    t1=$(now)
    echo "$label: $(elapsed "$t0" "$t1") s wall, $(awk -v c="$cpu" 'BEGIN { split(c, p, "+"); printf "%.2f", p[1] + p[2] }') s CPU"
}
echo "== report build"
# The first report ever counts every kept run; later ones read the per-run tally cache (runs/<id>/tally.json)
# and decode only the two runs they show: that is the weekly case.
rm -f "$dir"/runs/*/tally.json
report "build 1 (cold: no tally cache, all $runs runs decoded)"
report "build 2 (weekly: cached tallies)"
report "build 3 (weekly: cached tallies)"
bytes=$(stat -c %s "$out")
echo "file size: $bytes bytes ($(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1048576 }') MiB)"

chromium_bin="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$chromium_bin" ]; then
    echo "chromium not installed: load time not measured (apt-get install chromium)"
    exit 0
fi
echo "== Chromium load (navigation start to the table rendered, measured by the page: data-render-ms)"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
for i in 1 2 3 4 5; do
    ms=$("$chromium_bin" --headless --no-sandbox --disable-gpu --user-data-dir="$profile" --dump-dom "file://$out" 2>/dev/null \
        | grep -o 'data-render-ms="[0-9]*"' | head -1 | tr -dc 0-9)
    echo "load $i: ${ms:-?} ms"
done
