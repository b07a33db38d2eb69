#!/usr/bin/env bash
# The C sources against .clang-format (kernel/DPDK style: tabs, 100 columns,
# return type on its own line). Lists the files clang-format would change,
# with the first lines of the change, and exits 1 if there is any.
#
#   scripts/check-format.sh [SOURCE_ROOT]     (make test runs it as unit-format)
#   fix: clang-format -i FILE ...
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
command -v clang-format >/dev/null || { echo "check-format: clang-format not found (scripts/install-deps.sh installs it)"; exit 1; }
if [ -d .git ] || git rev-parse --git-dir >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files '*.c' '*.h')
else
    mapfile -t files < <(find app bench control lib tests -name '*.[ch]' | sort)
fi
[ ${#files[@]} -gt 0 ] || { echo "check-format: no C files found under $root"; exit 1; }
bad=0
for f in "${files[@]}"; do
    if ! out=$(clang-format --style=file "$f" | diff -u "$f" -); then
        echo "check-format: $f is not formatted (clang-format -i $f):"
        echo "$out" | head -12
        bad=$((bad + 1))
    fi
done
if [ $bad -ne 0 ]; then
    echo "check-format: $bad of ${#files[@]} files"
    exit 1
fi
echo "ok: ${#files[@]} C files as .clang-format says"
