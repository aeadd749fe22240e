#!/usr/bin/env bash
# check_format.sh - every C source and header of the project is formatted
# as .clang-format says (the fuzz corpora are data, not code). Fails with
# the list of files to run `clang-format -i` on.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# Exit 77 is ctest's "skipped" for this test (SKIP_RETURN_CODE in tests/CMakeLists.txt).
command -v clang-format >/dev/null || { echo "check_format: SKIPPED: clang-format not installed (scripts/install-deps.sh installs it)"; exit 77; }
# Versions format some constructs differently: the tree follows Debian 12's clang-format 14.
ver=$(clang-format --version | grep -o 'version [0-9]*' | cut -d' ' -f2)
[[ $ver == 14 ]] || echo "check_format: warning: clang-format $ver, the tree is formatted with version 14 (Debian 12)"
mapfile -t files < <(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'scripts/*.c' 2>/dev/null ||
  find src tests scripts -name '*.[ch]' -not -path '*/corpus/*')
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [[ ${#bad[@]} -gt 0 ]]; then
  echo "check_format: ${#bad[@]} of ${#files[@]} files differ from .clang-format:"
  printf '  %s\n' "${bad[@]}"
  echo "fix: clang-format -i ${bad[*]}"
  exit 1
fi
echo "check_format: ${#files[@]} files formatted as .clang-format says"
