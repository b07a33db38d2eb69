#!/usr/bin/env bash
# make bench: the wire benchmark and the microbenchmarks.
#
#   bench/run.sh BUILD_DIR        (BENCH_SECONDS=10: each measurement window)
#
# weir-gen (BUILD_DIR/bench/weir-gen) owns a vhost-user socket; the device
# under test (DUT) attaches to it as a virtio-user port. Everything runs with
# --no-huge (virtio-user shares its EAL memory with the vhost side through a
# memfd, which --no-huge uses). The generator's poll loop runs on CPU 0, the
# DUT's worker lcore on CPU 1; the DUT's main lcore shares CPU 0 (it sleeps).
#
# Cases, one generator run each:
#   gen_ceiling   dpdk-testpmd rxonly: how fast the generator can send
#   baseline      dpdk-testpmd io forwarding (back out of the same port): udp, 1K flows
#   weir_udp_1k   weir: udp, 1K flows (connection entries established in the warmup)
#   weir_udp_1m   weir: udp, 1M flows, warmup until every flow was sent twice
#   weir_syn_new  weir: TCP SYNs, each a new 5-tuple (a DSR service)
#   weir_udp_1m_adm, weir_syn_new_adm
#                 the same two with per-source limits (new connections and
#                 packets) that never refuse: the cost of admission
# Each warmup lasts at least its seconds and until 1M (2M) packets went out.
# then BUILD_DIR/bench/bench_lb, BUILD_DIR/bench/bench_jwt (lib/jwt: the token
# cache's hit, cold HS256/384/512, RS256, ES256 verification, libjwt) and, if built,
# BUILD_DIR/bench/bench_pipeline (weir's worker path over prebuilt mbufs, no
# PMD: 1K and 1M flows), BUILD_DIR/bench/bench_conn and
# BUILD_DIR/bench/bench_rl (rate limiters; per-source admission: app/adm/srctab.c
# against a plain rte_hash at 64K, 1M and 4M sources), then bench/http_e2e.py
# (HTTP/1.1 proxying end to end: HAProxy, NGINX, weir's L4 service; wrk, the
# proxy and an nginx backend in network namespaces; HTTP_BENCH_SECONDS=5,
# HTTP_BENCH_WEIR=tcp: weir's services to run, tcp and/or http), then the
# same with --job jwt (the API gate's job: HAProxy's jwt_verify and a
# stick-table on the token's sub against weir's "auth": "jwt", NGINX plain).
#
# Results: BUILD_DIR/bench-results.jsonl (one JSON object per line) and a
# markdown report on stdout with the machine and the exact commands run.
# Every process is stopped by PID; the EAL runtime directories and the temp
# directory are removed, also on failure or Ctrl-C. Exit 1 if a case failed
# or the baseline did not forward.
set -euo pipefail

build=${1:?usage: bench/run.sh BUILD_DIR}
build=$(cd "$build" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
secs=${BENCH_SECONDS:-10}
gen=$build/bench/weir-gen
weir=$build/app/weir
weirctl=$build/control/weirctl
bench_lb=$build/bench/bench_lb
bench_http=$build/bench/bench_http
bench_jwt=$build/bench/bench_jwt
bench_conn=$build/bench/bench_conn
bench_rl=$build/bench/bench_rl
bench_pipeline=$build/bench/bench_pipeline
results=$build/bench-results.jsonl
report=$here/report.py
run_dir=/var/run/dpdk

die() { echo "bench: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (EAL runtime directories under $run_dir)"
case $secs in '' | *[!0-9]* | 0*) die "BENCH_SECONDS must be a positive integer, not '$secs'" ;; esac
testpmd=$(command -v dpdk-testpmd || true)
[ -n "$testpmd" ] || die "dpdk-testpmd not found: it is in Debian's dpdk-dev (scripts/install-deps.sh installs it)"
for f in "$gen" "$weir" "$weirctl" "$bench_lb" "$bench_jwt"; do
    [ -x "$f" ] || die "$f is not built (make build)"
done
command -v python3 >/dev/null || die "python3 not found"
for c in wrk nginx haproxy curl; do
    command -v "$c" >/dev/null || die "$c not found (bench/http_e2e.py): scripts/install-deps.sh installs it"
done
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (generator on CPU 0, DUT worker on CPU 1)"

tmp=$(mktemp -d /tmp/weir-bench.XXXXXX)
sock=$tmp/vhost.sock
weir_cfg=$tmp/weir.json
weir_cfg_adm=$tmp/weir-adm.json
weir_sock=$tmp/weir.sock
prefix_gen=weir-bench-gen-$$
prefix_dut=weir-bench-dut-$$
prefix_conn=weir-bench-conn-$$
prefix_rl=weir-bench-rl-$$
prefix_pipe=weir-bench-pipe-$$
pids=()
fifo_fd=
gen_pid=

# ---- processes: started in the background, stopped by PID ----------------

alive() { kill -0 "$1" 2>/dev/null; }

wait_exit() { # PID TIMEOUT_S: 0 once the process has ended, 1 on timeout
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        alive "$1" || return 0
        sleep 0.1
    done
    return 1
}

stop_pid() { # PID SIGNAL TIMEOUT_S: signal it, wait, SIGKILL if it stays; reap it
    if alive "$1"; then
        kill "-$2" "$1" 2>/dev/null || true
        if ! wait_exit "$1" "$3"; then
            echo "bench: PID $1 still running ${3} s after SIG$2; sending SIGKILL" >&2
            kill -KILL "$1" 2>/dev/null || true
        fi
    fi
    wait "$1" 2>/dev/null || true
    forget_pid "$1"
}

forget_pid() {
    local p keep=()
    for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    pids=("${keep[@]}")
}

clean_eal() {
    rm -rf "${run_dir:?}/$prefix_gen" "${run_dir:?}/$prefix_dut" "${run_dir:?}/$prefix_conn" \
        "${run_dir:?}/$prefix_rl" "${run_dir:?}/$prefix_pipe"
}

cleanup() {
    local p
    for p in "${pids[@]}"; do stop_pid "$p" TERM 10; done
    if [ -n "$fifo_fd" ]; then exec {fifo_fd}>&-; fi
    clean_eal
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

commands=()
note_cmd() { commands+=("$*"); }

# CPU share of the DUT's poll loop (its thread rte-worker-1) over the window.
# A poll loop that got clearly less than its whole CPU was preempted by other
# work on the machine, and the numbers of that case cannot be trusted.
clk_tck=$(getconf CLK_TCK)
dut_mark() { # PID: "wall_seconds cpu_ticks" of the DUT's worker thread, now
    local t ticks=x
    for t in /proc/"$1"/task/*; do
        if [ "$(cat "$t/comm" 2>/dev/null)" = rte-worker-1 ]; then
            ticks=$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null) || ticks=x
            break
        fi
    done
    echo "$(date +%s.%N) $ticks"
}
dut_share() { # MARK0 MARK1: percent of one CPU, or null
    awk -v a="$1" -v b="$2" -v hz="$clk_tck" 'BEGIN {
        split(a, x, " "); split(b, y, " ");
        if (x[2] == "x" || y[2] == "x" || y[1] <= x[1]) { print "null"; exit }
        printf "%.1f\n", 100 * (y[2] - x[2]) / hz / (y[1] - x[1]) }'
}

# ---- the generator ----------------------------------------------------------

gen_wait=60 # seconds weir-gen waits for the DUT to connect
eal_gen=(--lcores 0@0 --no-huge -m 1024 --no-pci --file-prefix "$prefix_gen"
    --log-level lib.eal:warning --vdev "net_vhost0,iface=$sock,queues=1")
eal_dut=(--lcores 0@0,1@1 --no-pci --file-prefix "$prefix_dut" --log-level lib.eal:warning)

start_gen() { # NAME GEN_ARGS...: start weir-gen, wait for its socket; sets gen_pid
    local name=$1 i
    shift
    rm -f "$sock"
    local cmd=("$gen" "${eal_gen[@]}" -- --wait "$gen_wait" --duration "$secs" "$@")
    note_cmd "[$name] ${cmd[*]}"
    "${cmd[@]}" >"$tmp/$name.gen.json" 2>"$tmp/$name.gen.log" </dev/null &
    gen_pid=$!
    pids+=("$gen_pid")
    for ((i = 0; i < 300; i++)); do
        [ -S "$sock" ] && return 0
        alive "$gen_pid" || break
        sleep 0.1
    done
    echo "bench: [$name] weir-gen did not create $sock:" >&2
    tail -20 "$tmp/$name.gen.log" >&2
    stop_pid "$gen_pid" INT 10
    return 1
}

wait_measuring() { # NAME TIMEOUT_S: until weir-gen's measurement window opens
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        grep -q '^weir-gen: measuring' "$tmp/$1.gen.log" 2>/dev/null && return 0
        alive "$gen_pid" || return 1
        sleep 0.1
    done
    return 1
}

finish_gen() { # NAME TIMEOUT_S: wait for weir-gen to end on its own; 0 if it printed its result
    local rc=0
    if ! wait_exit "$gen_pid" "$2"; then
        echo "bench: [$1] weir-gen still running after ${2} s; stopping it" >&2
        stop_pid "$gen_pid" INT 10
        return 1
    fi
    wait "$gen_pid" || rc=$?
    forget_pid "$gen_pid"
    if [ "$rc" -ne 0 ] || ! grep -q '^{' "$tmp/$1.gen.json"; then
        echo "bench: [$1] weir-gen exited $rc:" >&2
        tail -20 "$tmp/$1.gen.log" >&2
        return 1
    fi
}

# ---- the cases ----------------------------------------------------------------

case_testpmd() { # NAME FORWARD_MODE GEN_ARGS...
    local name=$1 mode=$2 tp_pid ok=0 m0="0 x" m1="0 x"
    shift 2
    start_gen "$name" "$@" || return 1
    # Non-interactive testpmd forwards until it reads a line from stdin:
    # give it a FIFO nobody writes to, and stop it by PID with SIGINT.
    mkfifo -m 600 "$tmp/testpmd.stdin"
    exec {fifo_fd}<>"$tmp/testpmd.stdin"
    local cmd=("$testpmd" "${eal_dut[@]}" --no-huge -m 1024 --vdev "net_virtio_user0,path=$sock"
        -- "--forward-mode=$mode" --port-topology=loop --auto-start --nb-cores=1 --rxq=1 --txq=1)
    note_cmd "[$name] ${cmd[*]} <FIFO"
    "${cmd[@]}" <&"$fifo_fd" >"$tmp/$name.dut.log" 2>&1 &
    tp_pid=$!
    pids+=("$tp_pid")
    wait_measuring "$name" $((gen_wait + 10)) && m0=$(dut_mark "$tp_pid")
    finish_gen "$name" $((gen_wait + secs + 60)) || ok=1
    m1=$(dut_mark "$tp_pid")
    # testpmd re-raises SIGINT after its own clean-up: its exit status is not ours to check.
    stop_pid "$tp_pid" INT 15
    exec {fifo_fd}>&-
    fifo_fd=
    rm -f "$tmp/testpmd.stdin"
    clean_eal
    if [ "$ok" -ne 0 ]; then
        echo "bench: [$name] testpmd's log:" >&2
        tail -20 "$tmp/$name.dut.log" >&2
        return 1
    fi
    python3 "$report" result "$tmp/$name.gen.json" "$tmp/$name.gen.log" "$(dut_share "$m0" "$m1")" \
        >"$tmp/$name.result.json"
}

weir_stats() { # FILE: weirctl --json stats, or {} if weir does not answer
    "$weirctl" --socket "$weir_sock" --json --timeout 5 stats >"$1" 2>/dev/null || echo '{}' >"$1"
}

case_weir() { # NAME WARMUP_MAX_S GEN_ARGS... (weir's config: $dut_cfg, else $weir_cfg)
    local name=$1 warm_max=$2 w_pid i ok=0 wrc=0 m0="0 x" m1="0 x"
    shift 2
    start_gen "$name" "$@" || return 1
    local cmd=("$weir" "${eal_dut[@]}" --no-huge -m 4096 -- --config "${dut_cfg:-$weir_cfg}")
    note_cmd "[$name] ${cmd[*]}"
    "${cmd[@]}" </dev/null >"$tmp/$name.dut.log" 2>&1 &
    w_pid=$!
    pids+=("$w_pid")
    for ((i = 0; ; i++)); do
        "$weirctl" --socket "$weir_sock" status >/dev/null 2>&1 && break
        if ! alive "$w_pid" || [ "$i" -ge $((gen_wait * 10)) ]; then
            ok=1
            break
        fi
        sleep 0.1
    done
    echo '{}' >"$tmp/$name.stats0.json"
    echo '{}' >"$tmp/$name.stats1.json"
    if [ "$ok" -eq 0 ]; then
        # weir's counters at the start and at the end of the measurement window.
        if wait_measuring "$name" $((gen_wait + warm_max + 10)); then
            m0=$(dut_mark "$w_pid")
            weir_stats "$tmp/$name.stats0.json"
        fi
        finish_gen "$name" $((gen_wait + warm_max + secs + 60)) || ok=1
        m1=$(dut_mark "$w_pid")
        weir_stats "$tmp/$name.stats1.json"
    else
        echo "bench: [$name] weir did not start:" >&2
        stop_pid "$gen_pid" INT 10
    fi
    if alive "$w_pid"; then
        kill -TERM "$w_pid"
        wait_exit "$w_pid" 20 || { echo "bench: [$name] weir still running 20 s after SIGTERM; killing it" >&2; kill -KILL "$w_pid" 2>/dev/null || true; }
    fi
    wait "$w_pid" || wrc=$?
    forget_pid "$w_pid"
    clean_eal
    if [ "$ok" -ne 0 ]; then
        tail -20 "$tmp/$name.dut.log" >&2
        return 1
    fi
    [ "$wrc" -eq 0 ] || echo "bench: [$name] weir exited $wrc after SIGTERM" >&2
    python3 "$report" result "$tmp/$name.gen.json" "$tmp/$name.gen.log" "$(dut_share "$m0" "$m1")" \
        "$tmp/$name.stats0.json" "$tmp/$name.stats1.json" >"$tmp/$name.result.json"
}

failed=()
run_case() { # NAME FUNCTION ARGS...
    local name=$1
    shift
    echo "bench: [$name] running (${secs} s window)" >&2
    "$@" || failed+=("$name")
}

# ---- run ----------------------------------------------------------------------

cpu_model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
kernel=$(uname -r)
dpdk_ver=$(dpkg-query -W -f='${Version}' libdpdk-dev 2>/dev/null || echo unknown)
rev=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
python3 "$report" config "$weir_cfg" "$sock" "$weir_sock"
python3 "$report" config "$weir_cfg_adm" "$sock" "$weir_sock" limits

# Every warmup also waits for a million packets to have gone out: the DUT's
# port is up (so weir-gen starts) before the DUT forwards, and weir can spend
# seconds writing its connection table first.
run_case gen_ceiling case_testpmd gen_ceiling rxonly --mode udp --flows 1000 --warmup 1 \
    --warmup-pkts 1000000 --warmup-max 60
run_case baseline case_testpmd baseline io --mode udp --flows 1000 --warmup 1 \
    --warmup-pkts 1000000 --warmup-max 60
run_case weir_udp_1k case_weir weir_udp_1k 60 --mode udp --flows 1000 --warmup 2 \
    --warmup-pkts 1000000 --warmup-max 60
run_case weir_udp_1m case_weir weir_udp_1m 120 --mode udp --flows 1000000 \
    --warmup 2 --warmup-pkts 2000000 --warmup-max 120
run_case weir_syn_new case_weir weir_syn_new 60 --mode syn --warmup 2 \
    --warmup-pkts 1000000 --warmup-max 60
dut_cfg=$weir_cfg_adm
run_case weir_udp_1m_adm case_weir weir_udp_1m_adm 120 --mode udp --flows 1000000 \
    --warmup 2 --warmup-pkts 2000000 --warmup-max 120
run_case weir_syn_new_adm case_weir weir_syn_new_adm 60 --mode syn --warmup 2 \
    --warmup-pkts 1000000 --warmup-max 60
dut_cfg=

# Microbenchmarks, on CPU 1.
pin=()
command -v taskset >/dev/null && pin=(taskset -c 1)
note_cmd "[bench_lb] ${pin[*]} $bench_lb"
echo "bench: [bench_lb] running" >&2
"${pin[@]}" "$bench_lb" >"$tmp/bench_lb.jsonl" || failed+=(bench_lb)
bench_keys=$build/bench/bench_keys
note_cmd "[bench_keys] $bench_keys"
echo "bench: [bench_keys] running (its two threads pin themselves to CPUs 0 and 1)" >&2
"$bench_keys" >"$tmp/bench_keys.jsonl" || failed+=(bench_keys)
if [ -x "$bench_http" ]; then
    note_cmd "[bench_http] ${pin[*]} $bench_http"
    echo "bench: [bench_http] running" >&2
    "${pin[@]}" "$bench_http" >"$tmp/bench_http.jsonl" || failed+=(bench_http)
else
    echo "bench: $bench_http is not built (libhttp-parser-dev missing?); skipped" >&2
fi
note_cmd "[bench_jwt] ${pin[*]} $bench_jwt"
echo "bench: [bench_jwt] running (about 20 s)" >&2
"${pin[@]}" "$bench_jwt" >"$tmp/bench_jwt.jsonl" || failed+=(bench_jwt)
# DPDK microbenchmarks (their tables live in EAL memory): CPU 1, each its
# own EAL prefix, removed afterwards. bench_rl's 4M-source case takes ~0.8 GB
# for weir's table, then ~0.35 GB for rte_hash.
run_micro() { # NAME BINARY PREFIX
    local name=$1 bin=$2 prefix=$3
    if [ ! -x "$bin" ]; then
        echo "bench: $bin is not built; skipped" >&2
        return
    fi
    local cmd=("$bin" --lcores 0@1 --no-huge -m 4096 --no-pci --file-prefix "$prefix"
        --log-level lib.eal:warning)
    note_cmd "[$name] ${cmd[*]}"
    echo "bench: [$name] running" >&2
    "${cmd[@]}" </dev/null >"$tmp/$name.jsonl" 2>"$tmp/$name.log" || {
        tail -5 "$tmp/$name.log" >&2
        failed+=("$name")
    }
    rm -rf "${run_dir:?}/$prefix"
}
run_micro bench_pipeline "$bench_pipeline" "$prefix_pipe"
run_micro bench_conn "$bench_conn" "$prefix_conn"
run_micro bench_rl "$bench_rl" "$prefix_rl"

# HTTP end to end (bench/http_e2e.py): HAProxy and NGINX as plain reverse
# proxies, weir's http service ("weir") and its L4 FullNAT service
# ("weir-l4", for reference), each on
# CPU 1 between wrk and an nginx backend in network namespaces;
# HTTP_BENCH_SECONDS (default 5) per wrk run, two runs (keep-alive, close) per
# proxy, each after a 1 s warm-up: about 40 s in all. Run in the background
# so that a signal to this script reaches it (it removes its namespaces).
http_secs=${HTTP_BENCH_SECONDS:-5}
case $http_secs in '' | *[!0-9]* | 0*) die "HTTP_BENCH_SECONDS must be a positive integer, not '$http_secs'" ;; esac
# HTTP_BENCH_WEIR: which of weir's services run (tcp, http, or tcp,http).
http_weir=${HTTP_BENCH_WEIR:-tcp,http}
# One bench/http_e2e.py job, NAME its label and file stem, in the background
# so that a signal to this script reaches it (it removes its namespaces).
http_job() {
    local name=$1 pid rc=0 c
    shift
    local cmd=(/usr/bin/python3 "$here/http_e2e.py" --build "$build" --proxies haproxy,nginx,weir
        --seconds "$http_secs" --out "$tmp/$name.jsonl" "$@")
    note_cmd "[$name] ${cmd[*]}"
    echo "bench: [$name] running (${http_secs} s per wrk run)" >&2
    "${cmd[@]}" </dev/null >"$tmp/$name.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    wait "$pid" || rc=$?
    forget_pid "$pid"
    if [ "$rc" -ne 0 ]; then
        tail -20 "$tmp/$name.log" >&2
        failed+=("$name")
    fi
    if [ -f "$tmp/$name.jsonl.commands" ]; then
        while IFS= read -r c; do note_cmd "[$name] $c"; done <"$tmp/$name.jsonl.commands"
    fi
}
http_job http_e2e --weir-protocol "$http_weir"
# The API gate's job (--job jwt): one HS256 token on every request; HAProxy
# verifies it (jwt_verify, iss, aud, exp) and tracks its sub in a
# stick-table, weir's http service has "auth": "jwt" and a tier limit, NGINX
# proxies without auth. Same wrk runs as above, about 30 s.
http_job http_e2e_jwt --job jwt

printf '%s\n' "${commands[@]}" >"$tmp/commands.txt"
python3 "$report" report "$tmp" "$results" "$secs" "$cpu_model" "$(nproc)" "$kernel" "$dpdk_ver" "$rev"
python3 "$report" check-baseline "$tmp/baseline.result.json" || failed+=(baseline-forwarding)
if [ ${#failed[@]} -ne 0 ]; then
    echo "bench: failed: ${failed[*]}" >&2
    exit 1
fi
