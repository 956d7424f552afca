#!/usr/bin/env bash
# Benchmark of the CloudFormation, SAM and Serverless normalizers on ../shared/corpus:
#   1. normalizes every architecture (CorpusNormalizeTests with LSQM_NORMALIZE_OUT) and prints the time it took,
#   2. runs `terraform fmt -check` over the output,
#   3. runs `terraform validate` in every normalized folder against the offline AWS provider, reusing one
#      `terraform init` (its .terraform is symlinked, its lock file copied), BENCH_JOBS at a time (default 2),
#   4. prints pass rates per kind, the top unsupported resource types and the most common validate errors.
# Env: LSQM_NORMALIZE_OUT (output tree, default a temp dir), BENCH_JOBS, BENCH_SAMPLE=N (validate every Nth
# folder only), BENCH_SKIP_BUILD=1, TF_PLUGIN_MIRROR (default /opt/tf-plugins).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
out="${LSQM_NORMALIZE_OUT:-$work/normalized}"
jobs="${BENCH_JOBS:-2}"
sample="${BENCH_SAMPLE:-1}"
mirror="${TF_PLUGIN_MIRROR:-/opt/tf-plugins}"

cd "$root"
[ "${BENCH_SKIP_BUILD:-0}" = 1 ] || swift build --build-tests >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 2; }
rm -rf "$out"
LSQM_NORMALIZE_OUT="$out" swift test --skip-build --filter CorpusNormalizeTests >"$work/normalize.log" 2>&1 \
    || { grep -E "error|failed" "$work/normalize.log" | head -20; exit 1; }
grep '^normalize:' "$work/normalize.log" | grep -v unsupported

echo "== terraform fmt -check"
fmt_failures="$(terraform fmt -check -recursive "$out" || true)"
echo "fmt: $(printf '%s' "$fmt_failures" | grep -c . || true) files not fmt-clean"
printf '%s\n' "$fmt_failures" | head -5

echo "== terraform validate (one shared init, $jobs at a time)"
cat >"$work/cli.tfrc" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
TFRC
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_PLUGIN_CACHE_DIR="$work/plugin-cache" TF_IN_AUTOMATION=1
mkdir -p "$work/init" "$TF_PLUGIN_CACHE_DIR"
printf 'terraform {\n  required_providers {\n    aws = {\n      source = "hashicorp/aws"\n    }\n  }\n}\n' >"$work/init/main.tf"
terraform -chdir="$work/init" init -input=false >"$work/init.log" 2>&1 || { cat "$work/init.log"; exit 2; }

validate_one() {
    dir="$1"
    ln -sfn "$INIT_DIR/.terraform" "$dir/.terraform"
    cp "$INIT_DIR/.terraform.lock.hcl" "$dir/.terraform.lock.hcl"
    if terraform -chdir="$dir" validate -json -no-color >"$dir/validate.json" 2>"$dir/validate.err"; then
        echo "PASS $dir"
    else
        echo "FAIL $dir"
    fi
    rm -f "$dir/.terraform"
}
export -f validate_one
export INIT_DIR="$work/init"
start=$(date +%s)
find "$out" -mindepth 3 -maxdepth 3 -name main.tf -printf '%h\n' | sort | awk -v n="$sample" 'NR % n == 0' \
    | xargs -P "$jobs" -I{} bash -c 'validate_one "$1"' _ {} >"$work/results.txt"
echo "validate: $(( $(date +%s) - start )) s"

python3 - "$out" "$work/results.txt" <<'PY'
import collections, json, os, sys
out, results = sys.argv[1], sys.argv[2]
passed = collections.Counter(); total = collections.Counter(); errors = collections.Counter()
examples = {}
for line in open(results):
    verdict, path = line.split(" ", 1)
    path = path.strip()
    kind = os.path.relpath(path, out).split(os.sep)[0]
    total[kind] += 1
    if verdict == "PASS":
        passed[kind] += 1
        continue
    try:
        report = json.load(open(os.path.join(path, "validate.json")))
        for d in report.get("diagnostics", []):
            if d.get("severity") == "error":
                key = d.get("summary", "")
                errors[key] += 1
                examples.setdefault(key, f"{os.path.relpath(path, out)}: {d.get('detail', '')[:160]}")
    except Exception as error:
        errors[f"unreadable validate output ({error})"] += 1
for kind in sorted(total):
    print(f"validate: {kind}: {passed[kind]}/{total[kind]} pass ({100.0 * passed[kind] / total[kind]:.1f}%)")
unsupported = collections.Counter()
failed_normalize = 0
for kind in sorted(os.listdir(out)):
    for folder in os.listdir(os.path.join(out, kind)):
        record = json.load(open(os.path.join(out, kind, folder, "normalization.json")))
        failed_normalize += record["status"] == "failed"
        for item in record["unsupported"]:
            unsupported[item["type"] or "(whole template)"] += 1
print("top unsupported types:")
for name, count in unsupported.most_common(15):
    print(f"  {count:4d} {name}")
print("top validate errors:")
for name, count in errors.most_common(15):
    print(f"  {count:4d} {name}\n       e.g. {examples[name]}")
PY
echo "output kept in $out"
