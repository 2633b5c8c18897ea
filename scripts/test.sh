#!/usr/bin/env bash
# Command (2) of the README (and what CI runs): install what is missing, build with warnings as
# errors, and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release
