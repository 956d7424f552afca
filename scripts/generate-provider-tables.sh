#!/usr/bin/env bash
# Regenerates Plugins/Shared/LSQMCloudFormation/ProviderTables.generated.swift from the AWS provider schema.
# Works offline: the provider comes from the filesystem mirror (TF_PLUGIN_MIRROR, default /opt/tf-plugins).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/offline-tfrc.sh"
mirror="${TF_PLUGIN_MIRROR:-/opt/tf-plugins}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
write_offline_tfrc "$work/cli.tfrc" "$mirror"
cat >"$work/main.tf" <<'TF'
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
TF
export TF_CLI_CONFIG_FILE="$work/cli.tfrc"
terraform -chdir="$work" init -input=false >"$work/init.log" 2>&1 || { cat "$work/init.log" >&2; exit 2; }
terraform -chdir="$work" providers schema -json >"$work/schema.json"
version="$(terraform -chdir="$work" version -json | python3 -c 'import json,sys; print(json.load(sys.stdin)["provider_selections"]["registry.terraform.io/hashicorp/aws"])')"
python3 "$root/scripts/generate-provider-tables.py" "$work/schema.json" "$root/scripts/provider-table-types.txt" \
    "$root/Plugins/Shared/LSQMCloudFormation/ProviderTables.generated.swift" "$version"
echo "wrote Plugins/Shared/LSQMCloudFormation/ProviderTables.generated.swift (hashicorp/aws $version)"
