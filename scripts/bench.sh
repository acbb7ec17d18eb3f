#!/usr/bin/env bash
# Runs the benchmark suite (bench/cmd/tfbench) against the local emulator:
# Terraform overhead per resource, request discipline, invocation results,
# provider start-up and scale, each against a fixed floor in the same run.
# Prints a Markdown table and writes it to bench/results/latest.md.
#
# Usage: scripts/bench.sh [tfbench flags]   (or: make bench)
#   scripts/bench.sh -update-doc BENCHMARKS.md   also refresh BENCHMARKS.md
#   scripts/bench.sh -only csv,startup            a subset of the figures
#   scripts/bench.sh -h                           every flag
# Exits non-zero when a measurement could not be taken; a ratio that misses
# its target is reported in the table, not failed.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Terraform and OpenTofu are built from the Go module proxy once, then reused.
scripts/install-tools.sh terraform tofu

mkdir -p bench/work/bin
go build -o bench/work/bin/tfbench ./bench/cmd/tfbench
exec bench/work/bin/tfbench "$@"
