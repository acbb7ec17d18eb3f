#!/usr/bin/env bash
# Installs the CLIs the tests need into .tools/bin, from the Go module proxy
# only (no release binaries are downloaded). Each tool is built once and
# reused while its version matches. Usage: scripts/install-tools.sh [tool...]
# where tool is terraform, tofu or golangci-lint (default: all).
set -euo pipefail

TERRAFORM_VERSION=1.8.5
TOFU_VERSION=1.12.6
GOLANGCI_LINT_VERSION=2.15.0

root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.tools/bin"
mkdir -p "$bin"
# OpenTofu prints a warning on stdout when TF_CLI_CONFIG_FILE names a missing
# file, which breaks `tofu version -json`; the tests point at this empty one.
touch "$root/.tools/empty.tfrc"
export TF_CLI_CONFIG_FILE="$root/.tools/empty.tfrc" CHECKPOINT_DISABLE=1

log() { echo "install-tools: $*" >&2; }

has_version() { # binary, version
  # Capture first: piping into `head` could SIGPIPE the binary, which pipefail
  # would turn into a false "not installed".
  local out
  [ -x "$1" ] && out=$("$1" version 2>/dev/null) && grep -q "v$2\b" <<<"${out%%$'\n'*}"
}

install_terraform() {
  if has_version "$bin/terraform" "$TERRAFORM_VERSION"; then return; fi
  log "building Terraform $TERRAFORM_VERSION from the Go module proxy (about 2 minutes)"
  GOBIN="$bin" GOFLAGS=-mod=mod go install \
    -ldflags "-X github.com/hashicorp/terraform/version.dev=no" \
    "github.com/hashicorp/terraform@v$TERRAFORM_VERSION"
  has_version "$bin/terraform" "$TERRAFORM_VERSION"
}

install_tofu() {
  if has_version "$bin/tofu" "$TOFU_VERSION"; then return; fi
  log "building OpenTofu $TOFU_VERSION from the Go module proxy (about 3 minutes)"
  # `go install` refuses this module because its go.mod has a replace
  # directive; building inside the downloaded, unmodified module works.
  local dir
  dir=$(cd "$root" && GOFLAGS=-mod=mod go mod download -json "github.com/opentofu/opentofu@v$TOFU_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || { log "could not download OpenTofu"; exit 1; }
  (cd "$dir" && GOFLAGS=-mod=mod go build -ldflags "-X github.com/opentofu/opentofu/version.dev=no" -o "$bin/tofu" ./cmd/tofu)
  has_version "$bin/tofu" "$TOFU_VERSION"
}

install_golangci_lint() {
  local out
  if [ -x "$bin/golangci-lint" ] && out=$("$bin/golangci-lint" version 2>/dev/null) && grep -q "$GOLANGCI_LINT_VERSION" <<<"$out"; then return; fi
  log "building golangci-lint $GOLANGCI_LINT_VERSION from the Go module proxy"
  GOBIN="$bin" GOFLAGS=-mod=mod go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v$GOLANGCI_LINT_VERSION"
}

tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(terraform tofu golangci-lint)
for t in "${tools[@]}"; do
  case "$t" in
    terraform) install_terraform ;;
    tofu) install_tofu ;;
    golangci-lint) install_golangci_lint ;;
    *) log "unknown tool $t"; exit 2 ;;
  esac
done
