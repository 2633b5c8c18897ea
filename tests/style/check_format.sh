#!/usr/bin/env bash
# Style test: every tracked C++ file is formatted as .clang-format says (clang-format --dry-run).
# Fix with: clang-format -i $(git ls-files '*.cpp' '*.hpp')
# Usage: check_format.sh SOURCE_DIR. Exit 77 (ctest: skipped) without clang-format or git.
set -euo pipefail
cd "$1"
command -v clang-format >/dev/null && command -v git >/dev/null && [ -d .git -o -f .git ] || { echo "clang-format or git missing: skipped"; exit 77; }
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
log=$(mktemp); trap 'rm -f "$log"' EXIT
if clang-format --dry-run --Werror "${files[@]}" 2> "$log"; then
  echo "clang-format: ${#files[@]} files formatted as .clang-format says"
else
  grep -m 20 'error:' "$log"
  echo "clang-format: $(grep -c 'error:' "$log") places differ; run: clang-format -i \$(git ls-files '*.cpp' '*.hpp')"
  exit 1
fi
