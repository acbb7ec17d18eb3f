#!/usr/bin/env bash
# Regenerates docs/ from the provider schema, templates/ and examples/, and
# formats the examples. With --check it changes nothing and fails when docs/
# or the formatting of examples/ is out of date, or when the docs do not
# validate.
#
# The schema comes from OpenTofu (`tofu providers schema -json`): it is the
# newest CLI that can be built offline that knows ephemeral resources and
# functions. tfplugindocs then renders the pages from that file, so it never
# looks for or downloads a CLI of its own.
#
# Usage: scripts/generate-docs.sh [--check]
set -euo pipefail

mode=generate
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

log() { echo "generate-docs: $*" >&2; }
fail() { echo "generate-docs: FAIL: $*" >&2; exit 1; }

# has_tool NAME: the CLI in .tools/bin has the version install-tools.sh pins.
# (Its output is read whole: a pipe into `grep -q` can end the CLI with
# SIGPIPE, which `pipefail` would turn into a false "missing".)
has_tool() {
  local var want out
  var=$(echo "$1" | tr '[:lower:]' '[:upper:]')_VERSION
  want=$(sed -n "s/^${var}=//p" scripts/install-tools.sh)
  out=$("$root/.tools/bin/$1" version 2>/dev/null) || return 1
  [[ $out =~ v${want//./\\.}([^0-9.]|$) ]]
}
for t in tofu terraform; do
  has_tool "$t" || scripts/install-tools.sh "$t" || has_tool "$t" || fail "could not install $t"
done
tofu="$root/.tools/bin/tofu"
terraform="$root/.tools/bin/terraform"
# An existing, empty CLI configuration: OpenTofu prints a warning on stdout
# (into the schema JSON) when TF_CLI_CONFIG_FILE names a missing file.
export TF_CLI_CONFIG_FILE="$root/.tools/empty.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
unset TF_LOG

work=$(mktemp -d "${TMPDIR:-/tmp}/influxdb-docs.XXXXXX")
trap 'rm -rf "$work"' EXIT

tfplugindocs() { go tool -modfile="$root/tools/go.mod" tfplugindocs "$@"; }

# Runs a command quietly; shows its output only when it fails.
quiet() {
  local out="$work/quiet.log"
  if ! "$@" >"$out" 2>&1; then
    cat "$out" >&2
    return 1
  fi
}

# 1. Example formatting.
if [ "$mode" = check ]; then
  log "checking the formatting of examples/"
  if ! "$terraform" fmt -check -recursive -diff examples/; then
    fail "examples/ is not formatted; run 'make generate' (or terraform fmt -recursive examples/)"
  fi
else
  log "formatting examples/"
  "$terraform" fmt -recursive examples/ >/dev/null
fi

# 2. The provider schema, through OpenTofu. tfplugindocs looks the schema up
#    under registry.terraform.io/hashicorp/<name>, whatever the real address.
tofu_version=$("$tofu" version)
log "building the provider and reading its schema with ${tofu_version%%$'\n'*}"
goos=$(go env GOOS)
goarch=$(go env GOARCH)
plugin_dir="$work/schema/plugins/registry.terraform.io/hashicorp/influxdb/0.0.1/${goos}_${goarch}"
mkdir -p "$plugin_dir"
go build -o "$plugin_dir/terraform-provider-influxdb" .
cat >"$work/schema/main.tf" <<'EOF'
terraform {
  required_providers {
    influxdb = {
      source = "registry.terraform.io/hashicorp/influxdb"
    }
  }
}
EOF
(cd "$work/schema" && quiet "$tofu" init -input=false -plugin-dir=./plugins)
(cd "$work/schema" && "$tofu" providers schema -json >schema.json)
schema="$work/schema/schema.json"

generate_args=(--provider-name influxdb --providers-schema "$schema" --rendered-provider-name "InfluxDB Scripts")

# 3. Render the pages: in place, or in a copy that is compared with docs/.
if [ "$mode" = check ]; then
  log "rendering docs into a temporary copy"
  site="$work/site"
  mkdir -p "$site"
  cp -R templates examples "$site/"
  [ -d docs ] && cp -R docs "$site/"
  quiet tfplugindocs generate --provider-dir "$site" "${generate_args[@]}"
  if ! diff -ru docs "$site/docs" >"$work/docs.diff"; then
    cat "$work/docs.diff" >&2
    fail "docs/ is out of date with the schema, templates/ or examples/ (diff above); run 'make generate' and commit the result"
  fi
else
  log "rendering docs/"
  quiet tfplugindocs generate --provider-dir "$root" "${generate_args[@]}"
fi

# 4. Validate the pages (layout, front matter, one page per type).
log "validating docs/"
quiet tfplugindocs validate --provider-dir "$root" --provider-name influxdb --providers-schema "$schema"

if [ "$mode" = check ]; then
  log "OK: docs/ is up to date and valid, examples/ is formatted"
else
  log "OK: docs/ regenerated and validated, examples/ formatted"
fi
