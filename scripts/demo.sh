#!/usr/bin/env bash
# make demo: start weir on its embedded default config (config/weir.json)
# with a client network namespace behind its tap port, show the VIPs
# answering ping and ping -6, show the counters, and stop cleanly.
# DEMO_HOLD=1 keeps weir running until Ctrl-C.
set -euo pipefail
build=${1:-build}
weir=$build/app/weir
weirctl=$build/control/weirctl

# Names and addresses from the embedded config.
ns=weir-demo
tap=weir-c0
sock=/run/weir/weir.sock
prefix=weir-demo
vip4=198.18.1.1 vip6=2001:db8:1::1
local4=198.18.0.1 local6=2001:db8:0:1::1
cli4=198.18.0.2 cli6=2001:db8:0:1::2

if [ "$(id -u)" -ne 0 ]; then
    echo "demo: needs root (network namespaces, tap devices)" >&2
    exit 1
fi

pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/var/run/dpdk/$prefix"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns del "$ns" 2>/dev/null || true  # left by an interrupted demo

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "starting weir (embedded default config, worker on lcore 1, --no-huge)"
echo "$weir --lcores 0@0,1@1 --no-huge -m 256 --no-pci --file-prefix $prefix"
"$weir" --lcores 0@0,1@1 --no-huge -m 256 --no-pci --file-prefix "$prefix" \
    --log-level lib.eal:warning &
pid=$!
for _ in $(seq 100); do
    "$weirctl" --socket "$sock" status >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { echo "demo: weir exited during start-up" >&2; exit 1; }
    sleep 0.1
done
"$weirctl" --socket "$sock" status
step "weirctl ports"
"$weirctl" --socket "$sock" ports

step "client namespace $ns behind tap $tap"
for _ in $(seq 100); do ip link show "$tap" >/dev/null 2>&1 && break; sleep 0.1; done
ip netns add "$ns"
ip link set "$tap" netns "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link set "$tap" up
ip -n "$ns" addr add "$cli4/24" dev "$tap"
ip -n "$ns" -6 addr add "$cli6/64" dev "$tap" nodad
ip -n "$ns" route add 198.18.1.0/24 via "$local4"
ip -n "$ns" -6 route add 2001:db8:1::/64 via "$local6"
ip -n "$ns" addr show dev "$tap"

step "ping the IPv4 VIP $vip4 from $ns"
ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 "$vip4"
step "ping -6 the IPv6 VIP $vip6 from $ns"
ip netns exec "$ns" ping -6 -c 3 -i 0.2 -W 2 "$vip6"
step "the client's neighbour table: weir's MAC answers ARP and NS"
ip -n "$ns" neigh show dev "$tap"

step "weirctl stats"
"$weirctl" --socket "$sock" stats

if [ "${DEMO_HOLD:-0}" = 1 ]; then
    step "weir keeps running (socket $sock, namespace $ns); Ctrl-C stops it"
    wait "$pid" || true
fi

step "stopping weir (SIGTERM to pid $pid)"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
if [ "$rc" -ne 0 ]; then
    echo "demo: weir exited with $rc" >&2
    exit 1
fi
echo "weir stopped cleanly (exit 0)"
