#!/usr/bin/env bash
# Command (1) of the README: install what is missing, build, and run the default scenario.
# Writes out/default.h5 and prints a summary table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
cmake --preset release >/dev/null
cmake --build --preset release --target biocluster
mkdir -p out
./build/release/biocluster run scenarios/default.toml -o out/default.h5
echo
echo "Wrote out/default.h5 -- see docs/OUTPUT.md to read it with h5py, or make figures and a report:"
echo "  .venv/bin/biocluster-plot-run out/default.h5 -o out/default_report"
