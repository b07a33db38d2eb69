#!/usr/bin/env bash
# Build tests/fuzz/fuzz_probe.c with clang's libFuzzer (and ASan, UBSan) and
# run it for SECONDS on the seed corpus tests/fuzz/corpus/probe/ (kept as it
# is: what the run finds goes to a scratch corpus). Exits non-zero if the
# build fails or the fuzzer finds a crash, which it leaves, with the input
# that caused it, in WORK_DIR.
#
#   tests/fuzz/run.sh SECONDS [WORK_DIR]     (meson test fuzz-probe: 10 s)
set -euo pipefail
secs=${1:?usage: run.sh SECONDS [WORK_DIR]}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ $# -ge 2 ]; then
    work=$2/fuzz-probe
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
cc=${CLANG:-clang}
command -v "$cc" >/dev/null || { echo "fuzz: $cc not found (scripts/install-deps.sh installs clang)"; exit 1; }

"$cc" -std=gnu11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$root/lib/health" \
    "$root/tests/fuzz/fuzz_probe.c" "$root/lib/health/probe.c" -o "$work/fuzz_probe"

rm -rf "$work/corpus" "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*
mkdir -p "$work/corpus"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# -jobs would take the machine's every CPU: one process.
if ! "$work/fuzz_probe" -max_total_time="$secs" -max_len=4096 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$here/corpus/probe"; then
    echo "fuzz: FAILED; the input is in $work:"
    ls "$work" | grep -E '^(crash|leak|timeout|oom)-' || true
    exit 1
fi
echo "ok: fuzz_probe ran ${secs} s"
