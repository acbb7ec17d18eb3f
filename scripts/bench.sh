#!/usr/bin/env bash
# Runs the benchmark harness (bench/cmd/tfbench) and regenerates
# BENCHMARKS.md from bench/cmd/tfbench/benchmarks.md.tmpl and the run's
# numbers: Terraform and OpenTofu against the null provider and
# terraform_data, with and without emulator latency, request counts, and
# the Go benchmarks of the result parsers.
#
# Usage: scripts/bench.sh [tfbench flags]   (or: make bench; -h lists them)
# Exits non-zero when a measurement could not be taken (the document then
# goes to bench/work/BENCHMARKS.failed.md); a missed target is reported in
# the document, not failed.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Terraform and OpenTofu are built from the Go module proxy once, then reused.
scripts/install-tools.sh terraform tofu

mkdir -p bench/work/bin
go build -o bench/work/bin/tfbench ./bench/cmd/tfbench
exec bench/work/bin/tfbench "$@"
