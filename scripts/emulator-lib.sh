# Shell functions shared by demo.sh and tftest.sh: sourced, not run.
# Callers set -euo pipefail and $root (the repository root) first.

# has_tool NAME: the CLI in .tools/bin has the version install-tools.sh pins.
# (Its output is read whole: a pipe into `grep -q` can end the CLI with
# SIGPIPE, which `pipefail` would turn into a false "missing".)
has_tool() {
  local var want out
  var=$(echo "$1" | tr '[:lower:]' '[:upper:]')_VERSION
  want=$(sed -n "s/^${var}=//p" "$root/scripts/install-tools.sh")
  out=$("$root/.tools/bin/$1" version 2>/dev/null) || return 1
  [[ $out =~ v${want//./\\.}([^0-9.]|$) ]]
}

# write_dev_overrides FILE DIR: a CLI configuration that makes Terraform and
# OpenTofu use the provider binary in DIR, so nothing is downloaded and no
# `init` is needed.
write_dev_overrides() {
  cat >"$1" <<TFRC
provider_installation {
  dev_overrides {
    "registry.terraform.io/tf-influxdb/influxdb" = "$2"
    "registry.opentofu.org/tf-influxdb/influxdb" = "$2"
  }
  direct {}
}
TFRC
}

# start_emulator BINARY LOGPREFIX [FLAG...]: starts the emulator on a free
# port of 127.0.0.1 in the background, with stdout in LOGPREFIX.out and its
# request log in LOGPREFIX.log. Sets emulator_pid and emulator_url; returns
# non-zero if it does not report its address within 10 seconds.
emulator_pid=""
emulator_url=""
start_emulator() {
  local bin=$1 prefix=$2 line
  shift 2
  # Port 0: the kernel picks a free port; the first line on stdout names it.
  "$bin" -addr 127.0.0.1:0 "$@" >"$prefix.out" 2>"$prefix.log" &
  emulator_pid=$!
  emulator_url=""
  for _ in $(seq 1 100); do
    if line=$(head -n1 "$prefix.out" 2>/dev/null) && [[ $line == "listening on "* ]]; then
      emulator_url=${line#listening on }
      return 0
    fi
    if ! kill -0 "$emulator_pid" 2>/dev/null; then
      cat "$prefix.log" >&2
      echo "the emulator exited" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "the emulator did not report its address within 10 seconds" >&2
  return 1
}

# stop_emulator: stops the emulator start_emulator started, if it runs.
stop_emulator() {
  if [ -n "$emulator_pid" ] && kill -0 "$emulator_pid" 2>/dev/null; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  emulator_pid=""
}

# emulator_leftovers: prints what the emulator still holds (scripts, tasks),
# as its list endpoints answer, and fails if it holds anything. Needs curl;
# without it, prints a note and succeeds.
emulator_leftovers() {
  local kind left
  if ! command -v curl >/dev/null 2>&1; then
    echo "(curl not found: not checking that the emulator is empty)"
    return 0
  fi
  for kind in scripts tasks; do
    left=$(curl -fsS -H "Authorization: Token $INFLUXDB_TOKEN" "$emulator_url/api/v2/$kind") || {
      echo "could not list the emulator's $kind"
      return 1
    }
    if [[ $left != *"\"$kind\":[]"* ]]; then
      echo "$kind: $left"
      return 1
    fi
  done
}
