#!/usr/bin/env bash
# Build tests/fuzz/fuzz_TARGET.c with clang's libFuzzer (and ASan, UBSan)
# and run it for SECONDS on the seed corpus tests/fuzz/corpus/TARGET/ (kept
# as it is: what the run finds goes to a scratch corpus). Exits non-zero if
# the build fails or the fuzzer finds a crash, which it leaves, with the
# input that caused it, in WORK_DIR.
#
#   tests/fuzz/run.sh TARGET SECONDS [WORK_DIR]   (meson test fuzz-TARGET: 10 s)
#   TARGET: probe (lib/health's probe exchange), pkt (lib/pkt's parser,
#   source check and responder), config (the config loader; needs jansson),
#   http (lib/http_lite's request head parser, one call against a growing
#   buffer), body (lib/http_lite's chunked body tracker, response head
#   parser and RateLimit fields), tcp_ep (lib/tcp_splice's server-side TCP endpoint on random
#   segments, answers and clock steps), jwt (lib/jwt's verifier: raw tokens
#   for HS256, RS256 and ES256 issuers, header/payload pairs it signs, JWK Sets),
#   gate (lib/gate's credentials: Bearer token, API key header or query, over
#   heads lib/http_lite accepts)
set -euo pipefail
target=${1:?usage: run.sh TARGET SECONDS [WORK_DIR]}
shift
secs=${1:?usage: run.sh TARGET SECONDS [WORK_DIR]}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ $# -ge 2 ]; then
    work=$2/fuzz-$target
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
cc=${CLANG:-clang}
command -v "$cc" >/dev/null || { echo "fuzz: $cc not found (scripts/install-deps.sh installs clang)"; exit 1; }

case $target in
    body) srcs=("$root/lib/http_lite/body.c" "$root/lib/http_lite/fields.c" "$root/lib/http_lite/rl.c"); inc=$root/lib/http_lite ;;
    probe) srcs=("$root/lib/health/probe.c"); inc=$root/lib/health ;;
    http) srcs=("$root/lib/http_lite/parse.c" "$root/lib/http_lite/fields.c"); inc=$root/lib/http_lite ;;
    tcp_ep) srcs=("$root/lib/tcp_splice/endpoint.c"); inc=$root/lib/tcp_splice ;;
    jwt) srcs=("$root"/lib/jwt/*.c -lcrypto); inc=$root/lib/jwt ;;
    gate)
        srcs=("$root/lib/gate/creds.c" "$root/lib/http_lite/parse.c" "$root/lib/http_lite/fields.c"
            "$root/lib/apikey/apikey.c" -I"$root/lib/apikey" -I"$root/lib/http_lite"
            -I"$root/lib/jwt" -I"$root/lib/ratelimit" -lcrypto)
        inc=$root/lib/gate ;;
    pkt) srcs=("$root"/lib/pkt/*.c); inc=$root/lib/pkt ;;
    config)
        srcs=("$root"/app/config/weir_config*.c "$root"/lib/lb/*.c "$root"/lib/pkt/*.c
            "$root/lib/http_lite/route.c" "$root"/lib/jwt/*.c "$root/lib/apikey/apikey.c"
            -I"$root/lib/http_lite" -I"$root/lib/lb" -I"$root/lib/pkt" -I"$root/lib/gate"
            -I"$root/lib/jwt" -I"$root/lib/apikey" -ljansson -lcrypto -lm)
        inc=$root/app/config ;;
    *) echo "fuzz: unknown target $target (probe, pkt, config, http, body, tcp_ep, jwt, gate)"; exit 2 ;;
esac
"$cc" -std=gnu11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$inc" \
    "$here/fuzz_$target.c" "${srcs[@]}" -o "$work/fuzz_$target"

rm -rf "$work/corpus" "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*
mkdir -p "$work/corpus"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# -jobs would take the machine's every CPU: one process.
if ! "$work/fuzz_$target" -max_total_time="$secs" -max_len=4096 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$here/corpus/$target"; then
    echo "fuzz: FAILED; the input is in $work:"
    ls "$work" | grep -E '^(crash|leak|timeout|oom)-' || true
    exit 1
fi
echo "ok: fuzz_$target ran ${secs} s"
