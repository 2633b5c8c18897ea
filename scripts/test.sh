#!/usr/bin/env bash
# Command (2) of the README (and what CI runs): install what is missing, build with warnings as
# errors, and run every test; then the whole suite again under AddressSanitizer + UBSan.
# Set BIOCLUSTER_SKIP_ASAN=1 to skip the sanitizer pass (e.g. for a quick local check).
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
