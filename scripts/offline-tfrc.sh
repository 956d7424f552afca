# Sourced by the scripts that run terraform offline. `write_offline_tfrc FILE MIRROR` writes the Terraform CLI
# config lsqm itself generates (TerraformSettings.cliConfig): hashicorp/* providers from the filesystem mirror
# MIRROR, every other provider downloaded directly. Point TF_CLI_CONFIG_FILE at FILE.
write_offline_tfrc() {
    cat >"$1" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$2"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
TFRC
}
