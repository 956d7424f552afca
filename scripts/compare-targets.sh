#!/usr/bin/env bash
# LocalStack on the host next to moto over real architectures (a script that prints figures; not a timed test).
#
# Mines ../shared/corpus's Terraform and CloudFormation architectures (CloudFormation normalized to Terraform by the
# built-in normalizer) into a fresh local artifact repository, picks a deterministic sample of at most
# COMPARE_TARGETS_MAX architectures (default 12) that use S3, SQS, SNS or IAM, whose every service both LocalStack
# community and moto offer (Lambda aside: LocalStack cannot fetch its runtimes offline), and that need only the
# hashicorp/aws provider at a version the offline mirror holds (LSQM_AWS_PROVIDER_VERSION, default 5.100.0) and no
# registry module (nothing else installs offline here) — fewest services first, then by name — generates their
# apps offline (rules), validates
# them in one run against two targets and prints the difference view (`lsqm compare --targets`) and a table of
# both verdicts per architecture.
#
# usage: scripts/compare-targets.sh
#   LSQM_BIN                  the lsqm binary (default: .build/release/lsqm, else .build/debug/lsqm)
#   LSQM_CORPUS               the corpus (default: ../shared/corpus next to the repository)
#   LSQM_LOCALSTACK_PYTHON    LocalStack's venv Python (.ci/localstack-venv makes it)
#   COMPARE_TARGETS_MAX       sample size (default 12)
#   COMPARE_TARGETS           the two targets (default "host:localstack host:moto")
#   COMPARE_TARGETS_CONFIRM   re-runs per gate candidate (default 0: the figures, not the gate)
#   COMPARE_TARGETS_KEEP=1    keep the work folder and print its path
#   LSQM_PARALLEL (default 2 here), LSQM_TIMEOUT, LSQM_TF_PLUGIN_MIRROR as for lsqm.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${LSQM_CORPUS:-$ROOT/../shared/corpus}
MAX=${COMPARE_TARGETS_MAX:-12}
read -r -a TARGETS <<<"${COMPARE_TARGETS:-host:localstack host:moto}"
[ "${#TARGETS[@]}" = 2 ] || { echo "compare-targets: COMPARE_TARGETS names two targets" >&2; exit 2; }
LSQM=${LSQM_BIN:-}
if [ -z "$LSQM" ]; then
    if [ -x "$ROOT/.build/release/lsqm" ]; then LSQM=$ROOT/.build/release/lsqm; else LSQM=$ROOT/.build/debug/lsqm; fi
fi
for tool in terraform moto_server python3 "$LSQM"; do
    command -v "$tool" >/dev/null || { echo "compare-targets: $tool not found" >&2; exit 2; }
done
[ -d "$CORPUS/terraform" ] && [ -d "$CORPUS/cloudformation" ] || { echo "compare-targets: no corpus at $CORPUS" >&2; exit 2; }
if [[ " ${TARGETS[*]} " == *" host:localstack "* ]] && [ -z "${LSQM_LOCALSTACK_PYTHON:-}" ]; then
    echo "compare-targets: set LSQM_LOCALSTACK_PYTHON (run .ci/localstack-venv)" >&2; exit 2
fi

WORK=$(mktemp -d /tmp/lsqm-targets-XXXXXX)
if [ "${COMPARE_TARGETS_KEEP:-0}" = 1 ]; then echo "work folder: $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi
# Copied, never linked (the scanner refuses links), with the local modules corpus Terraform reaches through ../../.
mkdir -p "$WORK/architectures"
cp -R "$CORPUS/terraform" "$CORPUS/cloudformation" "$WORK/architectures/"
[ -d "$CORPUS/_support" ] && cp -R "$CORPUS/_support" "$WORK/architectures/_support"

export ARTIFACT_REPO="$WORK/repo" LSQM_CACHE_DIR="${LSQM_CACHE_DIR:-$HOME/.cache/lsqm}" LSQM_PARALLEL="${LSQM_PARALLEL:-2}"
"$LSQM" sync --log-format json >/dev/null 2>"$WORK/sync.log"
"$LSQM" mine --local "$WORK/architectures" --ignore SOURCE.json --ignore _support --log-format json >/dev/null 2>"$WORK/mine.log"

python3 - "$WORK/repo" "$CORPUS" "$MAX" "$ROOT" "${LSQM_AWS_PROVIDER_VERSION:-5.100.0}" >"$WORK/sample.txt" <<'PY'
import glob, json, re, sys
repo, corpus, limit, root = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
mirrored = tuple(int(x) for x in sys.argv[5].split("."))

def allows(constraint):
    """Whether a Terraform version constraint admits the mirrored provider (=, !=, >, >=, <, <=, ~>)."""
    for part in constraint.split(","):
        match = re.match(r"\s*(~>|>=|<=|!=|=|>|<)?\s*v?([0-9.]+)", part)
        if not match:
            continue
        op, numbers = match.group(1) or "=", [int(x) for x in match.group(2).split(".") if x]
        version = tuple(numbers + [0] * (3 - len(numbers)))
        if op == "~>":
            upper = list(numbers[:-1]) if len(numbers) > 1 else [numbers[0]]
            upper[-1] += 1
            if not (mirrored >= version and mirrored < tuple(upper + [0] * (3 - len(upper)))):
                return False
        elif not {"=": mirrored == version, "!=": mirrored != version, ">": mirrored > version, ">=": mirrored >= version,
                  "<": mirrored < version, "<=": mirrored <= version}[op]:
            return False
    return True
# The services both emulators offer: LocalStack community's list (Sources/LSQMCore/EmulatorServices.swift) and
# moto's generated one.
swift = open(f"{root}/Sources/LSQMCore/EmulatorServices.swift").read()
community = set(re.findall(r'"([a-z0-9-]+)"', swift.split("public static let community")[1].split("]")[0]))
moto_swift = open(f"{root}/Sources/LSQMCore/MotoServices.generated.swift").read()
moto = set(re.findall(r'"([a-z0-9-]+)"', moto_swift))
both = community & moto
chosen = []
index = json.load(open(f"{repo}/architectures/index.json"))["architectures"]
for arch in sorted(index.values(), key=lambda a: (len(a["services"]), a["name"])):
    services = set(arch["services"])
    if arch.get("skip_reason") or not services & {"s3", "sqs", "sns", "iam"} or not services <= both - {"lambda"}:
        continue
    # Only what deploys as written: a CloudFormation template translated in full, needing no author's input.
    if (arch.get("normalization") or {}).get("status", "full") != "full":
        continue
    # What will be deployed: the Terraform as mined, or as normalized from CloudFormation.
    terraform = f"{repo}/architectures/{arch['id']}/terraform"
    text = "".join(open(f, errors="ignore").read() for f in glob.glob(f"{terraform}/**/*.tf", recursive=True))
    source = json.load(open(f"{corpus}/{arch['provenance']['folder']}/SOURCE.json"))
    other_providers = set(re.findall(r"hashicorp/(\w+)", text)) - {"aws"} or re.search(r'\b(random|archive|null|time|tls)_\w+"', text)
    if other_providers or source.get("registry_module_sources") or re.search(r'source\s*=\s*"terraform-aws-modules/', text):
        continue
    blocks = [b for b in re.findall(r'\baws\s*=\s*\{([^}]*)\}', text) if "hashicorp/aws" in b]
    constraints = [c for b in blocks for c in re.findall(r'version\s*=\s*"([^"]+)"', b)]
    if not all(allows(c) for c in constraints):
        continue
    chosen.append(arch)
    if len(chosen) == limit:
        break
for arch in chosen:
    print(arch["id"], arch["name"], ",".join(arch["services"]))
PY
echo "sample: $(wc -l <"$WORK/sample.txt") architectures from $CORPUS (S3/SQS/SNS/IAM, services both targets offer, aws provider only)"
ARCHS=()
while read -r id _; do ARCHS+=(--arch "$id"); done <"$WORK/sample.txt"

"$LSQM" generate --generator rules "${ARCHS[@]}" --log-format json >/dev/null 2>"$WORK/generate.log"
start=$(date +%s)
set +e
"$LSQM" validate "${ARCHS[@]}" --target "${TARGETS[0]}" --target "${TARGETS[1]}" --log-format json >"$WORK/validate.out" 2>"$WORK/validate.log"
code=$?
set -e
echo "lsqm validate: exit $code in $(( $(date +%s) - start )) s (log: $WORK/validate.log)"
[ "$code" = 0 ] || { tail -20 "$WORK/validate.log"; exit "$code"; }
set +e
"$LSQM" compare --targets "${TARGETS[0]}" "${TARGETS[1]}" --confirm "${COMPARE_TARGETS_CONFIRM:-0}" --log-format json 2>"$WORK/compare.log"
echo "lsqm compare --targets: exit $?"
set -e

python3 - "$WORK/repo" "${TARGETS[@]}" <<'PY'
import glob, json, sys
repo, a, b = sys.argv[1:4]
run = json.load(open(sorted(glob.glob(f"{repo}/runs/*/results.json"))[-1]))
parts = [{"target": run.get("target"), "emulator": run.get("emulator"), "results": run["results"], "not_run": run.get("not_run", [])}] + run.get("targets", [])
by_target = {p["target"]: p for p in parts}
def outcome(part, arch):
    for r in part["results"]:
        if r["arch"] == arch:
            c = r.get("cause") or {}
            api = ":".join(x for x in [c.get("service"), c.get("operation")] if x)
            return r["name"], r["status"] + (f" {c.get('class')}" if c else "") + (f" {api}" if api else "") + (f" {c.get('code')}" if c.get("code") else ""), r.get("durations", {})
    for n in part["not_run"]:
        if n["arch"] == arch:
            return n["name"], "NOT_RUN", {}
    return None, "-", {}
for t in (a, b):
    e = by_target[t]["emulator"] or {}
    print(f"{t}: {e.get('name')} {e.get('version')} {e.get('edition') or ''}")
archs = sorted({r["arch"] for p in parts for r in p["results"]} | {n["arch"] for p in parts for n in p["not_run"]})
rows = []
for arch in archs:
    name, sa, _ = outcome(by_target[a], arch)
    name_b, sb, _ = outcome(by_target[b], arch)
    rows.append((name or name_b, sa, sb))
print(f"\n| architecture | {a} | {b} |\n|---|---|---|")
for name, sa, sb in sorted(rows, key=lambda r: (r[1].split()[0] == r[2].split()[0], r[0])):
    short = name.replace("aws-samples__serverless-patterns__", "").replace("aws-cloudformation__aws-cloudformation-templates__", "cfn:")
    print(f"| {short} | {sa} | {sb} |")
PY
