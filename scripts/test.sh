#!/usr/bin/env bash
# Command (2) of the README (and what CI runs): install what is missing, build with warnings as
# errors, and run every test; then the whole suite again under AddressSanitizer + UBSan; then a
# 60-second libFuzzer run of the scenario loader (docs/FUZZING.md).
# BIOCLUSTER_SKIP_ASAN=1 / BIOCLUSTER_SKIP_FUZZ=1 skip those passes (e.g. for a quick local check).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release
if [ "${BIOCLUSTER_SKIP_ASAN:-0}" != "1" ]; then
  echo "== the same suite under ASan + UBSan =="
  cmake --preset asan >/dev/null
  cmake --build --preset asan
  ctest --preset asan
fi
if [ "${BIOCLUSTER_SKIP_FUZZ:-0}" != "1" ]; then
  echo "== 60 s of libFuzzer on the scenario, sweep and experiment/targets readers (concurrently) =="
  bash scripts/fuzz.sh 60
fi
