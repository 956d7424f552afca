#!/usr/bin/env bash
# Benchmark of the validate stage (a script that prints figures; not a timed test).
#
# Terraform architectures that need only hashicorp/aws and apply on moto_server (see ARCHS below) are
# validated twice:
#   1. `lsqm validate --emulator host:moto` (default --parallel 4, shared plugin cache), deploy-only;
#   2. a plain shell loop doing the same steps one after another: start moto, init, apply, destroy, stop
#      (BENCH_LOOP_ENDPOINTS=env, the default, points the provider at moto as lsqm does; =block as tflocal does).
# Printed: wall time of each, the ratio, the median of each step, and terraform init time with the cache.
# Targets: lsqm ≤ 0.5× the loop; init ≤ 1 s with the cache.
#
# usage: scripts/bench-validate.sh [ARCH_FOLDER ...]
#   LSQM_BIN     the lsqm binary (default: .build/release/lsqm, else .build/debug/lsqm)
#   LSQM_CORPUS  the corpus (default: ../shared/corpus next to the repository)
#   LSQM_PARALLEL, LSQM_TF_PLUGIN_MIRROR as for lsqm.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/offline-tfrc.sh"
CORPUS=${LSQM_CORPUS:-$ROOT/../shared/corpus}
LSQM=${LSQM_BIN:-}
if [ -z "$LSQM" ]; then
    if [ -x "$ROOT/.build/release/lsqm" ]; then LSQM=$ROOT/.build/release/lsqm; else LSQM=$ROOT/.build/debug/lsqm; fi
fi
MIRROR=${LSQM_TF_PLUGIN_MIRROR:-/opt/tf-plugins}
for tool in terraform moto_server python3 curl "$LSQM"; do
    command -v "$tool" >/dev/null || { echo "bench-validate: $tool not found" >&2; exit 2; }
done
[ -d "$CORPUS/terraform" ] || { echo "bench-validate: no corpus at $CORPUS" >&2; exit 2; }

# The six corpus architectures that apply on moto 5.2.1 with only hashicorp/aws 5.100.0 offline (of 108:
# 66 need another provider, most of the rest pin aws >= 6 or ~> 4, need a file or variable they do not ship,
# or hit a moto gap that makes the provider retry until LSQM_TIMEOUT), plus the three example architectures.
# Pass folder names (under corpus/terraform) or absolute paths to choose others.
ARCHS=("$@")
if [ ${#ARCHS[@]} -eq 0 ]; then
    ARCHS=(
        aws-samples__serverless-patterns__apigw-rest-api-http-integration-terraform
        aws-samples__serverless-patterns__eventbridge-pipes-sqs-to-eventbus-terraform
        aws-samples__serverless-patterns__eventbridge-schedule-to-cloudwatch-alarm-terraform
        aws-samples__serverless-patterns__eventbridge-schedule-to-cloudwatch-terraform
        aws-samples__serverless-patterns__eventbridge-schedule-to-ec2-terraform
        aws-samples__serverless-patterns__eventbridge-schedule-to-sns-tf
        "$ROOT/Examples/architectures/s3-sqs"
        "$ROOT/Examples/architectures/sns-sqs"
        "$ROOT/Examples/architectures/dynamodb-lambda"
    )
fi

WORK=$(mktemp -d /tmp/lsqm-bench-XXXXXX)
MOTO_PID=
cleanup() {
    [ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }

# An artifact repository holding the architectures, laid out as the mine stage does (files + index entry).
python3 - "$CORPUS/terraform" "$WORK/repo" "${ARCHS[@]}" <<'PY'
import hashlib, json, os, sys
corpus, repo, names = sys.argv[1], sys.argv[2], sys.argv[3:]
index = {"version": 1, "architectures": {}, "skipped": {}}
for entry in names:
    src = entry if os.path.isabs(entry) else os.path.join(corpus, entry)
    name = os.path.basename(entry.rstrip("/"))
    files = []
    for dirpath, _, filenames in os.walk(src):
        for f in filenames:
            # Everything the templates may read (ASL JSON, zips); not the corpus's own bookkeeping.
            if f not in ("SOURCE.json", "example-pattern.json", "README.md"):
                path = os.path.relpath(os.path.join(dirpath, f), src)
                files.append((path, open(os.path.join(dirpath, f), "rb").read()))
    files.sort()
    h = hashlib.sha256()
    for path, content in files:
        h.update(path.encode() + b"\0" + str(len(content)).encode() + b"\0" + content)
    arch = h.hexdigest()
    for sub in ("files", "terraform"):
        for path, content in files:
            target = os.path.join(repo, "architectures", arch, sub, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            open(target, "wb").write(content)
    text = b"".join(c for p, c in files if p.endswith(".tf")).decode("utf-8", "replace")
    services = sorted({t.split("_")[1] for t in __import__("re").findall(r'resource\s+"(aws_[a-z0-9_]+)"', text)})
    index["architectures"][arch] = {
        "id": arch, "name": name, "kind": "terraform", "source_url": "corpus://terraform/" + name, "source": "bench",
        "services": services, "resource_count": text.count('resource "'), "files": [p for p, _ in files],
        "discovered_at": "2026-01-01T00:00:00Z",
    }
for d in ("apps", "runs", "reports/latest", "trends"):
    os.makedirs(os.path.join(repo, d), exist_ok=True)
json.dump(index, open(os.path.join(repo, "architectures", "index.json"), "w"), sort_keys=True, indent=2)
PY

echo "== lsqm validate (${#ARCHS[@]} architectures, parallel ${LSQM_PARALLEL:-4}, $("$LSQM" --version))"
start=$(now_ms)
ARTIFACT_REPO=$WORK/repo LSQM_CACHE_DIR=$WORK/cache "$LSQM" validate --emulator host:moto --json --log-format json \
    >"$WORK/lsqm.json" 2>"$WORK/lsqm.log" || { echo "lsqm validate failed:"; tail -20 "$WORK/lsqm.log"; exit 2; }
LSQM_MS=$(( $(now_ms) - start ))

# The offline installation both terraform runs outside lsqm use (lsqm writes the same from the mirror).
write_offline_tfrc "$WORK/loop.tfrc" "$MIRROR"
echo "== terraform init alone with lsqm's shared plugin cache (3 fresh directories, one at a time)"
: > "$WORK/init.txt"
for i in 1 2 3; do
    mkdir -p "$WORK/init$i"
    printf 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n' > "$WORK/init$i/main.tf"
    t0=$(now_ms)
    (cd "$WORK/init$i" && TF_CLI_CONFIG_FILE=$WORK/loop.tfrc \
        TF_PLUGIN_CACHE_DIR=$WORK/cache/terraform-plugins TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE=1 \
        terraform init -input=false -no-color >/dev/null 2>&1) || echo "init $i failed"
    echo $(( $(now_ms) - t0 )) >> "$WORK/init.txt"
done

# How the loop points the provider at the emulator: "env" (default) as lsqm does, AWS_ENDPOINT_URL and no
# endpoints block, so the ratio measures lsqm's scheduling and shared provider alone; "block" as tflocal does,
# an endpoints block naming every service (much more provider CPU: see ProviderOverride in Terraform.swift).
LOOP_ENDPOINTS=${BENCH_LOOP_ENDPOINTS:-env}
echo "== plain shell loop (one after another; endpoints: $LOOP_ENDPOINTS)"
# Every endpoint name of the provider, from lsqm's generated list (for the "block" style).
python3 - "$ROOT/Sources/LSQMValidate/AWSEndpointNames.swift" > "$WORK/endpoints.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
print("\n".join(re.findall(r'"([a-z0-9]+)"', text[text.index("all: [String] = ["):])))
PY
: > "$WORK/loop.tsv"
start=$(now_ms)
for entry in "${ARCHS[@]}"; do
    case "$entry" in /*) src=$entry ;; *) src=$CORPUS/terraform/$entry ;; esac
    name=$(basename "$entry")
    dir=$WORK/loop/$name
    mkdir -p "$dir"
    cp -r "$src/." "$dir/"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    {
        printf 'provider "aws" {\n  region = "us-east-1"\n  profile = ""\n  access_key = "test"\n  secret_key = "test"\n'
        printf '  skip_credentials_validation = true\n  skip_requesting_account_id = true\n  skip_metadata_api_check = true\n'
        printf '  s3_use_path_style = true\n'
        if [ "$LOOP_ENDPOINTS" = block ]; then
            printf '  endpoints {\n'
            sed "s|.*|    & = \"http://127.0.0.1:$port\"|" "$WORK/endpoints.txt"
            printf '  }\n'
        fi
        printf '}\n'
    } > "$dir/bench_providers.tf"
    # An override file when the architecture has its own provider block, a plain file when it does not.
    grep -qsE '^\s*provider\s+"aws"' "$dir"/*.tf && mv "$dir/bench_providers.tf" "$dir/bench_providers_override.tf"
    t0=$(now_ms)
    moto_server -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
    MOTO_PID=$!
    for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/moto-api/" >/dev/null && break; sleep 0.1; done
    t1=$(now_ms)
    export TF_CLI_CONFIG_FILE=$WORK/loop.tfrc AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
    if [ "$LOOP_ENDPOINTS" = env ]; then export AWS_ENDPOINT_URL=http://127.0.0.1:$port; else unset AWS_ENDPOINT_URL; fi
    (cd "$dir" && terraform init -input=false -no-color >init.log 2>&1) && rc_init=0 || rc_init=$?
    t2=$(now_ms)
    (cd "$dir" && terraform apply -auto-approve -input=false -no-color >apply.log 2>&1) && rc_apply=0 || rc_apply=$?
    t3=$(now_ms)
    (cd "$dir" && terraform destroy -auto-approve -input=false -no-color >destroy.log 2>&1) || true
    t4=$(now_ms)
    kill "$MOTO_PID"; wait "$MOTO_PID" 2>/dev/null || true
    MOTO_PID=
    t5=$(now_ms)
    printf '%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n' "$name" $((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t4 - t3)) $((t5 - t4)) "$rc_init" "$rc_apply" >> "$WORK/loop.tsv"
done
LOOP_MS=$(( $(now_ms) - start ))

python3 - "$WORK/lsqm.json" "$WORK/loop.tsv" "$LSQM_MS" "$LOOP_MS" "$WORK/init.txt" "$WORK/repo" "$LOOP_ENDPOINTS" <<'PY'
import glob, json, statistics, sys
results = json.load(open(sys.argv[1]))
loop = [line.rstrip("\n").split("\t") for line in open(sys.argv[2]) if line.strip()]
lsqm_ms, loop_ms = int(sys.argv[3]), int(sys.argv[4])
def med(values): return "%6.2f" % (statistics.median(values) / 1000) if values else "   n/a"
print()
print("architectures: %d" % len(results))
print("lsqm statuses: " + ", ".join("%s %d" % (s, sum(r["status"] == s for r in results)) for s in ("PASSED", "FAILED", "TIMEOUT", "ERROR")))
print("loop applies ok: %d of %d (endpoints: %s)" % (sum(row[7] == "0" for row in loop), len(loop), sys.argv[7]))
logs = glob.glob(sys.argv[6] + "/runs/*/logs/*.log")
print("lsqm validations sharing one provider process: %d of %d" % (sum("one shared process" in open(l).read() for l in logs), len(logs)))
print()
print("wall time   lsqm validate: %7.1f s" % (lsqm_ms / 1000))
print("            shell loop:    %7.1f s" % (loop_ms / 1000))
print("            ratio lsqm/loop: %.2f (target <= 0.50)" % (lsqm_ms / loop_ms))
print()
print("median per step (s)        lsqm    loop")
steps = [("emulator start+health", ["emulator_start", "health"], [1]), ("init", ["init"], [2]), ("apply", ["apply"], [3]),
         ("destroy", ["destroy"], [4]), ("emulator stop", [], [5])]
for label, keys, columns in steps:
    ours = [sum(r["durations"].get(k, 0) for k in keys) for r in results if all(k in r["durations"] for k in keys)] if keys else []
    theirs = [sum(int(row[c]) for c in columns) for row in loop]
    print("  %-24s %s  %s" % (label, med(ours), med(theirs)))
inits = sorted(r["durations"]["init"] for r in results if "init" in r["durations"])
print()
alone = [int(line) for line in open(sys.argv[5]) if line.strip()]
print("terraform init with the shared plugin cache, alone: median %s s (target <= 1 s)" % med(alone).strip())
print("terraform init inside lsqm's parallel run: median %s s, min %.2f s, max %.2f s"
      % (med(inits).strip(), inits[0] / 1000, inits[-1] / 1000))
failed = [r for r in results if r["status"] != "PASSED"]
for r in failed:
    print("  not passed: %s %s: %s" % (r["name"], r["status"], (r["error"] or "")[:200]))
PY
