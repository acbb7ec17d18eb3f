#!/usr/bin/env bash
# End-to-end demo: applies examples/quickstart with Terraform against a local
# InfluxDB scripts emulator, prints the outputs, and destroys everything
# again. Needs only Go: Terraform is built from the Go module proxy on the
# first run (scripts/install-tools.sh), the provider and the emulator from
# this repository. Exits non-zero on any failure.
#
# Usage: scripts/demo.sh   (or: make demo)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

step() { printf '\n==> %s\n' "$*"; }
fail() { echo "demo: FAIL: $*" >&2; exit 1; }

# All scratch files live in .demo/ (git-ignored, removed by make clean);
# every run starts from an empty one, so runs never depend on each other.
demo="$root/.demo"
rm -rf "$demo"
mkdir -p "$demo/bin" "$demo/work"

# shellcheck source=scripts/emulator-lib.sh
source "$root/scripts/emulator-lib.sh"

cleanup() {
  local rc=$?
  stop_emulator
  if [ "$rc" -ne 0 ]; then
    echo >&2
    echo "demo: FAILED (exit $rc). Emulator log: $demo/emulator.log" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A CLI configuration that points Terraform at the provider built below,
# so nothing is downloaded and no `terraform init` is needed.
write_dev_overrides "$demo/terraformrc" "$demo/bin"
export TF_CLI_CONFIG_FILE="$demo/terraformrc"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
unset TF_LOG TF_WORKSPACE TF_DATA_DIR

step "Terraform"
has_tool terraform || scripts/install-tools.sh terraform || has_tool terraform || fail "could not install Terraform"
terraform="$root/.tools/bin/terraform"
version=$("$terraform" version)
echo "${version%%$'\n'*}"

step "Building the provider and the emulator"
go build -trimpath -ldflags "-s -w -X main.version=0.0.0-demo" -o "$demo/bin/terraform-provider-influxdb" .
go build -trimpath -o "$demo/bin/influxdb-emulator" ./internal/cmd/influxdb-emulator
echo "built $demo/bin/terraform-provider-influxdb and $demo/bin/influxdb-emulator"

step "Starting the emulator"
start_emulator "$demo/bin/influxdb-emulator" "$demo/emulator" -data "$demo/emulator.json" || fail "could not start the emulator"
url=$emulator_url
echo "emulator listening on $url"

# The quickstart reads its settings from the environment, exactly as it
# would for InfluxDB Cloud. These are the emulator's built-in defaults.
export INFLUXDB_URL="$url"
export INFLUXDB_TOKEN="emulator-token"
export INFLUXDB_ORG_ID="0a1b2c3d4e5f6071"


cp "$root"/examples/quickstart/*.tf "$demo/work/"
cd "$demo/work"

step "terraform apply"
"$terraform" apply -auto-approve -input=false -no-color -compact-warnings

step "Outputs"
"$terraform" output -no-color

step "A second plan finds nothing to change"
set +e
"$terraform" plan -detailed-exitcode -input=false -no-color -compact-warnings >"$demo/plan2.log" 2>&1
plan_rc=$?
set -e
case "$plan_rc" in
  0) echo "No changes." ;;
  2) cat "$demo/plan2.log"; fail "the second plan wants to change something" ;;
  *) cat "$demo/plan2.log"; fail "the second plan failed" ;;
esac

step "terraform destroy"
"$terraform" destroy -auto-approve -input=false -no-color -compact-warnings

# The emulator must be empty again.
left=$(emulator_leftovers) || fail "the emulator still holds something after destroy: $left"
echo "${left:-The emulator holds no scripts and no tasks any more.}"

step "Demo passed"
echo "The same module runs against InfluxDB Cloud: set INFLUXDB_URL, INFLUXDB_TOKEN"
echo "and INFLUXDB_ORG_ID, then terraform apply in examples/quickstart (until the first"
echo "release, with the provider installed from source: see \"Install from source\" in README.md)."
