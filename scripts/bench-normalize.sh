#!/usr/bin/env bash
# Benchmark of the CloudFormation, SAM and Serverless normalizers on ../shared/corpus:
#   1. normalizes every architecture (CorpusNormalizeTests with LSQM_NORMALIZE_OUT) and prints the time it took,
#   2. runs `terraform fmt -check` over the output,
#   3. runs `terraform validate` on every normalized folder against the offline AWS provider, with one shared
#      plugin cache and lock file, in batches of folders called as modules (BENCH_BATCH, default 40; 1 = one
#      folder per validate), BENCH_JOBS batches at a time (default 2),
#   4. prints per kind the normalization statuses (full/partial/needs_input/failed), how many folders still hold an
#      invented marker (lsqm-placeholder, lsqm-unsupported, an unresolved {{resolve:…}}; target 0), the validate pass
#      rate, the top unsupported resource types and the most common validate errors.
# Env: LSQM_NORMALIZE_OUT (output tree, default a temp dir), BENCH_JOBS, BENCH_SAMPLE=N (validate every Nth
# folder only), BENCH_SKIP_BUILD=1, TF_PLUGIN_MIRROR (default /opt/tf-plugins).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/offline-tfrc.sh"
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
fmt_failures="$(terraform fmt -check -recursive "$out" 2>&1 | grep -v -e 'CLI configuration' -e '^[│╷╵]' -e '^$' || true)"
echo "fmt: $(printf '%s' "$fmt_failures" | grep -c . || true) files not fmt-clean"
printf '%s\n' "$fmt_failures" | head -5

echo "== terraform validate (shared plugin cache, batches of ${BENCH_BATCH:-40} folders as modules, $jobs at a time)"
write_offline_tfrc "$work/cli.tfrc" "$mirror"
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_PLUGIN_CACHE_DIR="$work/plugin-cache" TF_IN_AUTOMATION=1
mkdir -p "$work/init" "$TF_PLUGIN_CACHE_DIR"
printf 'terraform {\n  required_providers {\n    aws = {\n      source = "hashicorp/aws"\n    }\n  }\n}\n' >"$work/init/main.tf"
terraform -chdir="$work/init" init -input=false >"$work/init.log" 2>&1 || { cat "$work/init.log"; exit 2; }

start=$(date +%s)
# The provider launch (~5 s, ~600 MB) is the cost of `terraform validate`, so folders are validated in
# batches: one root module per batch calls every folder of the batch as a child module, and each
# diagnostic is attributed to its folder by file name. A variable without a default (needs_input) gets an empty
# value in the module call; otherwise a folder validates the same as a child module as it does as a root.
# BENCH_BATCH=1 validates folder by folder.
python3 - "$out" "$work" "$jobs" "${BENCH_BATCH:-40}" "$sample" >"$work/results.txt" <<'PY'
import concurrent.futures, json, os, re, shutil, subprocess, sys
out, work, jobs, batch_size, sample = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
folders = sorted(os.path.dirname(os.path.join(out, k, f, "main.tf")) for k in os.listdir(out) for f in os.listdir(os.path.join(out, k))
                 if os.path.exists(os.path.join(out, k, f, "main.tf")))
folders = [f for i, f in enumerate(folders, 1) if i % sample == 0]
batches = [folders[i:i + batch_size] for i in range(0, len(folders), batch_size)]

# A needs_input folder declares variables without a default (what only the template's author can give); as a
# child module each needs an argument, so the module call passes an empty value of the variable's type. Our
# printer writes `variable "x" {` … `}` at column 0, which keeps this parse simple.
def required_variables(folder):
    arguments = []
    for name in sorted(f for f in os.listdir(folder) if f.endswith(".tf")):
        text = open(os.path.join(folder, name)).read()
        for variable, body in re.findall(r'^variable "([^"]+)" \{\n(.*?)^\}', text, re.S | re.M):
            if re.search(r"^  default\s*=", body, re.M):
                continue
            kind = (re.search(r"^  type\s*=\s*(\S+)", body, re.M) or [None, "string"])[1]
            empty = "0" if kind == "number" else "false" if kind == "bool" else "[]" if kind.startswith(("list", "set")) else '""'
            arguments.append(f"  {variable} = {empty}\n")
    return "".join(arguments)

def run_batch(index, batch):
    root = os.path.join(work, f"batch-{index}")
    os.makedirs(root, exist_ok=True)
    names = {}
    with open(os.path.join(root, "main.tf"), "w") as main:
        main.write('terraform {\n  required_providers {\n    aws = {\n      source = "hashicorp/aws"\n    }\n  }\n}\n')
        for i, folder in enumerate(batch):
            names[f"m{i}"] = folder
            main.write(f'\nmodule "m{i}" {{\n  source = "{os.path.relpath(folder, root)}"\n{required_variables(folder)}}}\n')
    shutil.copy(os.path.join(work, "init", ".terraform.lock.hcl"), root)
    init = subprocess.run(["terraform", "init", "-input=false", "-no-color"], cwd=root, capture_output=True, text=True)
    if init.returncode != 0:
        return [(folder, False, [("terraform init failed", init.stderr[-300:])]) for folder in batch]
    result = subprocess.run(["terraform", "validate", "-json", "-no-color"], cwd=root, capture_output=True, text=True)
    try:
        report = json.loads(result.stdout)
    except ValueError:
        return [(folder, False, [("unreadable validate output", result.stderr[-300:])]) for folder in batch]
    errors = {folder: [] for folder in batch}
    unattributed = []
    for d in report.get("diagnostics", []):
        if d.get("severity") != "error":
            continue
        filename = d.get("range", {}).get("filename", "")
        path = os.path.normpath(os.path.join(root, filename)) if filename else ""
        owner = next((f for f in batch if path.startswith(f + os.sep)), None)
        item = (d.get("summary", ""), f"{filename}:{d.get('range', {}).get('start', {}).get('line', '?')}: {d.get('detail', '')[:200]}")
        (errors[owner] if owner else unattributed).append(item)
    if unattributed and len(batch) > 1:
        # An error no folder owns (a module call, say): validate this batch's folders one by one.
        return [r for i, folder in enumerate(batch) for r in run_batch(f"{index}-{i}", [folder])]
    return [(folder, not errors[folder] and not unattributed, errors[folder] + unattributed) for folder in batch]

with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
    for results in pool.map(lambda item: run_batch(*item), enumerate(batches)):
        for folder, ok, errors in results:
            print(json.dumps({"folder": folder, "pass": ok, "errors": errors}), flush=True)
PY
echo "validate: $(( $(date +%s) - start )) s"

python3 - "$out" "$work/results.txt" "$sample" <<'PY'
import collections, json, os, re, sys
out, results, sample = sys.argv[1], sys.argv[2], int(sys.argv[3])
passed = collections.Counter(); total = collections.Counter(); errors = collections.Counter()
# What a normalizer must never write: stand-ins that `terraform validate` cannot see and AWS would reject.
marker = re.compile(r"lsqm-placeholder|lsqm-unsupported|lsqm_unresolvable|\{\{resolve:")
statuses = collections.defaultdict(collections.Counter); marked = collections.defaultdict(list)
examples = {}
with open(os.path.join(out, "validate-results.jsonl"), "w") as kept:
    for line in open(results):
        record = json.loads(line)
        kept.write(line)
        kind = os.path.relpath(record["folder"], out).split(os.sep)[0]
        total[kind] += 1
        passed[kind] += record["pass"]
        for summary, detail in record["errors"]:
            errors[summary] += 1
            examples.setdefault(summary, f"{os.path.relpath(record['folder'], out)}: {detail}")
# A folder whose normalization failed (no main.tf) counts as a failure of its kind (when not sampling).
for kind in sorted(d for d in os.listdir(out) if os.path.isdir(os.path.join(out, d))):
    for folder in sorted(os.listdir(os.path.join(out, kind))):
        path = os.path.join(out, kind, folder)
        statuses[kind][json.load(open(os.path.join(path, "normalization.json")))["status"]] += 1
        if any(marker.search(open(os.path.join(path, f), errors="replace").read()) for f in os.listdir(path) if f.endswith(".tf")):
            marked[kind].append(folder)
        if sample == 1 and not os.path.exists(os.path.join(out, kind, folder, "main.tf")):
            total[kind] += 1
            errors["normalization failed"] += 1
            examples.setdefault("normalization failed", f"{kind}/{folder}: {json.load(open(os.path.join(out, kind, folder, 'normalization.json')))['unsupported'][0]['reason'][:200]}")
for kind in sorted(total):
    print(f"validate: {kind}: {passed[kind]}/{total[kind]} pass ({100.0 * passed[kind] / total[kind]:.1f}%), failed normalizations counted as failures")
    counts = ", ".join(f"{s} {statuses[kind][s]}" for s in ["full", "partial", "needs_input", "failed"])
    print(f"status:   {kind}: {counts}; folders with invented markers: {len(marked[kind])} (target 0)")
    for folder in marked[kind][:3]:
        print(f"  e.g. {folder}")
unsupported = collections.Counter()
for kind in sorted(d for d in os.listdir(out) if os.path.isdir(os.path.join(out, d))):
    for folder in os.listdir(os.path.join(out, kind)):
        record = json.load(open(os.path.join(out, kind, folder, "normalization.json")))
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
