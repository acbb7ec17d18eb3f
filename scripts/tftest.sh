#!/usr/bin/env bash
# Runs the `terraform test` files of the example modules (examples/*/tests/
# *.tftest.hcl) against the emulator, with the provider built from this tree,
# once with Terraform and once with OpenTofu. Each CLI gets a fresh emulator
# on a free port of 127.0.0.1 and a copy of each module, so runs never depend
# on each other and nothing is written into examples/. The emulator is
# stopped on every exit path. Exits non-zero on any failure.
#
# Usage: scripts/tftest.sh [terraform|tofu ...]   (or: make tftest)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/emulator-lib.sh
source "$root/scripts/emulator-lib.sh"

fail() { echo "tftest: FAIL: $*" >&2; exit 1; }

clis=("$@")
[ ${#clis[@]} -gt 0 ] || clis=(terraform tofu)

modules=()
for f in examples/*/tests/*.tftest.hcl; do
  [ -e "$f" ] || continue
  m=${f%/tests/*}
  [[ " ${modules[*]} " == *" $m "* ]] || modules+=("$m")
done
[ ${#modules[@]} -gt 0 ] || fail "no examples/*/tests/*.tftest.hcl found"

work="$root/.tftest"
rm -rf "$work"
mkdir -p "$work/bin"
trap stop_emulator EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

go build -trimpath -ldflags "-s -w -X main.version=0.0.0-tftest" -o "$work/bin/terraform-provider-influxdb" .
go build -trimpath -o "$work/bin/influxdb-emulator" ./internal/cmd/influxdb-emulator

# With a development override, neither CLI needs `init` for `test`, and both
# skip it: before the first release it would look the provider up in a
# registry and fail.
write_dev_overrides "$work/cli.tfrc" "$work/bin"
export TF_CLI_CONFIG_FILE="$work/cli.tfrc"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
unset TF_LOG TF_WORKSPACE TF_DATA_DIR
# The emulator's built-in organization and token.
export INFLUXDB_TOKEN="emulator-token" INFLUXDB_ORG_ID="0a1b2c3d4e5f6071"

for cli in "${clis[@]}"; do
  case $cli in terraform | tofu) ;; *) fail "unknown CLI $cli (terraform or tofu)" ;; esac
  has_tool "$cli" || scripts/install-tools.sh "$cli" || has_tool "$cli" || fail "could not install $cli"
  for m in "${modules[@]}"; do
    name=$(basename "$m")
    dir="$work/$cli/$name"
    mkdir -p "$dir"
    cp -R "$m/." "$dir/"
    start_emulator "$work/bin/influxdb-emulator" "$work/$cli-$name-emulator" || fail "could not start the emulator"
    export INFLUXDB_URL="$emulator_url"
    echo "==> $cli test: $m (emulator at $emulator_url)"
    (cd "$dir" && "$root/.tools/bin/$cli" test -no-color) ||
      fail "$cli test of $m failed (emulator log: $work/$cli-$name-emulator.log)"
    # `test` destroys what its runs created; the emulator must be empty.
    left=$(emulator_leftovers) || fail "$cli test of $m left something on the emulator: $left"
    [ -z "$left" ] || echo "$left"
    stop_emulator
  done
done
echo "tftest: passed (${clis[*]})"
