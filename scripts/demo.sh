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

emulator_pid=""
cleanup() {
  local rc=$?
  if [ -n "$emulator_pid" ] && kill -0 "$emulator_pid" 2>/dev/null; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  if [ "$rc" -ne 0 ]; then
    echo >&2
    echo "demo: FAILED (exit $rc). Emulator log: $demo/emulator.log" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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

# A CLI configuration that points Terraform at the provider built below,
# so nothing is downloaded and no `terraform init` is needed.
cat >"$demo/terraformrc" <<EOF
provider_installation {
  dev_overrides {
    "registry.terraform.io/tf-influxdb/influxdb" = "$demo/bin"
  }
  direct {}
}
EOF
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
# Port 0: the kernel picks a free port; the first line on stdout names it.
"$demo/bin/influxdb-emulator" -addr 127.0.0.1:0 -data "$demo/emulator.json" \
  >"$demo/emulator.out" 2>"$demo/emulator.log" &
emulator_pid=$!
url=""
for _ in $(seq 1 100); do
  if line=$(head -n1 "$demo/emulator.out" 2>/dev/null) && [[ $line == "listening on "* ]]; then
    url=${line#listening on }
    break
  fi
  kill -0 "$emulator_pid" 2>/dev/null || { cat "$demo/emulator.log" >&2; fail "the emulator exited"; }
  sleep 0.1
done
[ -n "$url" ] || fail "the emulator did not report its address within 10 seconds"
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

# The emulator must be empty again (curl is optional on a fresh machine).
if command -v curl >/dev/null 2>&1; then
  left=$(curl -fsS -H "Authorization: Token $INFLUXDB_TOKEN" "$url/api/v2/scripts") || fail "could not list the emulator's scripts"
  [[ $left == *'"scripts":[]'* ]] || fail "scripts are left on the emulator after destroy: $left"
  left=$(curl -fsS -H "Authorization: Token $INFLUXDB_TOKEN" "$url/api/v2/tasks") || fail "could not list the emulator's tasks"
  [[ $left == *'"tasks":[]'* ]] || fail "tasks are left on the emulator after destroy: $left"
  echo "The emulator holds no scripts and no tasks any more."
fi

step "Demo passed"
echo "The same module runs against InfluxDB Cloud: set INFLUXDB_URL, INFLUXDB_TOKEN"
echo "and INFLUXDB_ORG_ID, then terraform apply in examples/quickstart (until the first"
echo "release, with the provider installed from source: see \"Install from source\" in README.md)."
