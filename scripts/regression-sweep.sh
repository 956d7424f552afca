#!/usr/bin/env bash
# Sweep of the regression scenario (issue 14): several seeds × weeks of validate + compare against moto behind
# the fault-injecting proxy (Tests/LSQMPipelineTests/RegressionScenarioTests.swift), each week notified through the
# real Slack and GitHub issue notifier plugins against fake servers. Prints a table of seeds × weeks whose cells are
# "false/missed" regressions open after that week, then per seed the false and missed regressions, the weeks whose
# alerts (Slack post, GitHub issue or comment) differed from the truth, the flaky decisions and the confirming
# re-runs, then the totals. A script that prints counts, not a timed test: each week costs a terraform
# apply/destroy (~30–60 s) plus its re-runs; one seed of 4 weeks takes 6–8 minutes on 2 busy cores.
#
# usage: scripts/regression-sweep.sh [SEEDS] [WEEKS]     (default: "1 2 3 4 5", 4)
#   LSQM_SCENARIO_HANG   probability of a hang past the per-test timeout per test-phase request (default 0;
#                        each hang costs a minute).
# Exit status: 0 when every seed had zero false and zero missed regressions, 1 otherwise, 2 on a build failure.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SEEDS=${1:-"1 2 3 4 5"}
WEEKS=${2:-4}
cd "$ROOT"
swift build --build-tests >/dev/null 2>&1 || { echo "regression-sweep: swift build --build-tests failed" >&2; exit 2; }
LOG=$(mktemp)
LSQM_SCENARIO_SEEDS="$SEEDS" LSQM_SCENARIO_WEEKS="$WEEKS" \
    swift test --skip-build --filter RegressionScenarioTests >"$LOG" 2>&1
status=$?
# The table: one row per seed, one false/missed cell per week.
awk -v weeks="$WEEKS" 'BEGIN { printf "%-8s", "seed"; for (w = 1; w <= weeks; w++) printf " %-8s", "week " w; printf "\n" }
     /^regression scenario table: seed / { seed = $5; sub(":", "", seed); printf "%-8s", seed
        for (i = 6; i <= NF; i++) printf " %-8s", $i; printf "\n" }' "$LOG"
echo "(cells: false/missed regressions open after that week)"
grep '^regression scenario: seed [0-9]*, ' "$LOG"
awk '/^regression scenario: seed [0-9]+ [0-9]+ weeks/ {
        runs += 1; f += $(NF-9)+0; m += $(NF-7)+0; a += $(NF-4)+0; fl += $(NF-2)+0; r += $NF+0
     }
     END { printf "total: %d seeds × %s weeks: false %d, missed %d, wrong alerts %d, flaky %d, re-runs %d\n", runs, weeks, f, m, a, fl, r }' weeks="$WEEKS" \
    <(sed -e 's/,//g' "$LOG")
if [ $status -ne 0 ]; then
    echo "regression-sweep: the scenario failed; details:" >&2
    grep -E 'error|regression scenario: seed [0-9]+ week' "$LOG" >&2 | tail -40
    exit 1
fi
