#!/usr/bin/env bash
# make demo: start weir on its embedded default config (config/weir.json)
# with a client network namespace behind its "client" tap port and three
# HTTP backends in a backend namespace behind its "backend" tap port. Show
# the VIPs answering ping and ping -6, weir resolving its backends by ARP and
# neighbour solicitation, HTTP requests to both VIPs spread over the backends
# (round robin over IPv4, Maglev over IPv6), a second client address
# looping past web4's per-source limit until it is banned (weirctl bans,
# weirctl top), the API gate (a JWT and API keys let through, the
# backend's answer with weir's RateLimit fields, 401, 403,
# a free key's 429 with its RateLimit headers, weirctl usage and gate), a
# backend killed and routed around within a second, then
# brought back, the services and the counters, and stop cleanly. DEMO_HOLD=1 keeps everything running until Ctrl-C.
set -euo pipefail
build=${1:-build}
weir=$build/app/weir
weirctl=$build/control/weirctl

# Names and addresses from the embedded config.
ns=weir-demo
bns=weir-demo-b
tap=weir-c0
btap=weir-b0
sock=/run/weir/weir.sock
prefix=weir-demo
vip4=198.18.1.1 vip6=2001:db8:1::1
local4=198.18.0.1 local6=2001:db8:0:1::1
cli4=198.18.0.2 cli6=2001:db8:0:1::2
greedy=198.18.0.3
cli4b=198.18.0.4 cli4c=198.18.0.5
names=(b0 b1 b2)
back4=(198.18.2.10 198.18.2.11 198.18.2.12)
back6=(2001:db8:2::10 2001:db8:2::11 2001:db8:2::12)
bport=8080
requests=30

if [ "$(id -u)" -ne 0 ]; then
    echo "demo: needs root (network namespaces, tap devices)" >&2
    exit 1
fi

pid=
servers=()
web=
cleanup() {
    local p
    for p in "${servers[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${servers[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    ip netns del "$ns" 2>/dev/null || true
    ip netns del "$bns" 2>/dev/null || true
    rm -rf "/var/run/dpdk/$prefix"
    if [ -n "$web" ]; then rm -rf "$web"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns del "$ns" 2>/dev/null || true  # left by an interrupted demo
ip netns del "$bns" 2>/dev/null || true

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Up to 10 s for a condition (a command line) to hold.
wait_until() {
    local _
    for _ in $(seq 100); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

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
wait_until ip link show "$tap" || { echo "demo: no tap $tap" >&2; exit 1; }
ip netns add "$ns"
ip link set "$tap" netns "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link set "$tap" up
ip -n "$ns" addr add "$cli4/24" dev "$tap"
ip -n "$ns" -6 addr add "$cli6/64" dev "$tap" nodad
ip -n "$ns" route add 198.18.1.0/24 via "$local4"
ip -n "$ns" -6 route add 2001:db8:1::/64 via "$local6"
ip -n "$ns" addr show dev "$tap"

step "backend namespace $bns behind tap $btap: ${names[*]} on ${back4[*]} and ${back6[*]}"
wait_until ip link show "$btap" || { echo "demo: no tap $btap" >&2; exit 1; }
ip netns add "$bns"
ip link set "$btap" netns "$bns"
ip -n "$bns" link set lo up
ip -n "$bns" link set "$btap" up
for i in 0 1 2; do
    ip -n "$bns" addr add "${back4[i]}/24" dev "$btap"
    ip -n "$bns" -6 addr add "${back6[i]}/64" dev "$btap" nodad
done
web=$(mktemp -d /tmp/weir-demo-web.XXXXXX)
for i in 0 1 2; do
    mkdir -p "$web/${names[i]}/api" "$web/${names[i]}/files"
    printf '%s' "${names[i]}" >"$web/${names[i]}/who"
    printf '%s (api)' "${names[i]}" >"$web/${names[i]}/api/who"
    mkdir -p "$web/${names[i]}/premium"
    printf '%s (premium)' "${names[i]}" >"$web/${names[i]}/premium/who"
    # http.server binds one address: one server per backend address.
    for a in "${back4[i]}" "${back6[i]}"; do
        ip netns exec "$bns" /usr/bin/python3 -m http.server --bind "$a" "$bport" \
            --directory "$web/${names[i]}" >"$web/http-$a.log" 2>&1 &
        servers+=($!)
        echo "${names[i]}: python3 -m http.server --bind $a $bport (pid $!)"
    done
done
for i in 0 1 2; do
    for url in "http://${back4[i]}:$bport/who" "http://[${back6[i]}]:$bport/who"; do
        wait_until ip netns exec "$bns" curl -sf --max-time 1 "$url" ||
            { echo "demo: backend $url does not answer" >&2; exit 1; }
    done
done

step "weir resolves its backends' MACs (ARP, neighbour solicitation)"
resolved() {
    "$weirctl" --socket "$sock" --json services | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if all(b["mac"] for s in d["services"] for b in s["backends"]) else 1)'
}
t0=$(date +%s%N)
wait_until resolved || { echo "demo: weir did not resolve every backend" >&2; exit 1; }
echo "every backend resolved in $((($(date +%s%N) - t0) / 1000000)) ms"

step "ping the IPv4 VIP $vip4 from $ns"
ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 "$vip4"
step "ping -6 the IPv6 VIP $vip6 from $ns"
ip netns exec "$ns" ping -6 -c 3 -i 0.2 -W 2 "$vip6"
step "the client's neighbour table: weir's MAC answers ARP and NS"
ip -n "$ns" neigh show dev "$tap"

# $requests requests to a URL from the client namespace: who answered each, then a tally.
failed=0
http_round() {
    local url=$1 out answers=()
    shift
    for _ in $(seq "$requests"); do
        out=$(ip netns exec "$ns" curl -s --max-time 5 "$@" "$url") || { out=failed; failed=1; }
        answers+=("$out")
    done
    echo "${answers[*]}"
    printf '%s\n' "${answers[@]}" | sort | uniq -c |
        awk '{ printf "%s%s: %s", (NR > 1 ? ", " : ""), $2, $1 } END { print "" }'
}
step "$requests x curl http://$vip4/who (service web4: rr)"
http_round "http://$vip4/who"
step "$requests x curl http://[$vip6]/who (service web6: maglev)"
http_round "http://[$vip6]/who"

step "http service site ($vip4:8000): weir reads each request and routes it by host and path"
"$weirctl" --socket "$sock" routes
step "$requests x curl -H 'Host: www.example' http://$vip4:8000/who (route www.example -> web4, rr)"
http_round "http://$vip4:8000/who" -H 'Host: www.example'
step "$requests x curl -H 'Host: shop.example' http://$vip4:8000/api/who (route *.example /api/ -> api4)"
http_round "http://$vip4:8000/api/who" -H 'Host: shop.example'
step "curl -i -H 'Host: other.test' http://$vip4:8000/who: no route, so weir answers 404 itself"
ip netns exec "$ns" curl -s -i --max-time 5 -H 'Host: other.test' "http://$vip4:8000/who" || failed=1
echo
step "a 64 MiB download through the http service, spliced (route /files/ -> web4)"
head -c $((64 << 20)) /dev/urandom >"$web/big.bin"
for i in 0 1 2; do ln "$web/big.bin" "$web/${names[i]}/files/big.bin"; done
want=$(sha256sum <"$web/big.bin" | cut -d' ' -f1)
got=$(ip netns exec "$ns" curl -s --max-time 60 -w '%{size_download} bytes in %{time_total} s\n' \
    -o >(sha256sum | cut -d' ' -f1 >"$web/got.sha") "http://$vip4:8000/files/big.bin") || failed=1
sleep 0.5
echo "$got; sha256 $(cat "$web/got.sha") (sent $want)"
[ "$(cat "$web/got.sha")" = "$want" ] || { echo "demo: the download differs" >&2; failed=1; }
"$weirctl" --socket "$sock" routes

step "the API gate (service api, $vip4:8001): every request needs a JWT or an API key"
api="http://$vip4:8001/who"
# A token of the demo issuer (config/weir.json's gate.issuers: HS256, its secret inline).
jwt=$(/usr/bin/python3 - <<'PY'
import base64, hashlib, hmac, json, time
b = lambda x: base64.urlsafe_b64encode(x).rstrip(b'=').decode()
h = b(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())
p = b(json.dumps({'iss': 'https://auth.demo.example', 'aud': 'weir-demo', 'sub': 'demo-user',
                  'tier': 'basic', 'exp': int(time.time()) + 600}).encode())
key = b'weir-demo-secret: replace before production!'
print(h + '.' + p + '.' + b(hmac.new(key, (h + '.' + p).encode(), hashlib.sha256).digest()))
PY
)
show() {  # the status line and the gate's headers of one answer, then its body
    ip netns exec "$ns" curl -s -i --max-time 5 "$@" |
        grep -iE '^(HTTP/|www-authenticate|retry-after|ratelimit|x-ratelimit)|^\{' ||
        failed=1
}
gate_code() { ip netns exec "$ns" curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
echo "curl -H 'Authorization: Bearer <JWT sub demo-user, tier basic>' $api"
echo "(the backend's answer, with weir's RateLimit fields in its head: 19 of 20 left this minute)"
out=$(ip netns exec "$ns" curl -s -i --max-time 5 -H "Authorization: Bearer $jwt" "$api" | tr -d '\r')
echo "$out" | grep -iE '^(HTTP/|ratelimit|x-ratelimit|content-type)' || failed=1
echo "$out" | grep -qE '^HTTP/1\.[01] 200' && echo "$out" | grep -qi '^ratelimit: "basic";r=19;' ||
    failed=1
echo "curl -H 'X-API-Key: demo-premium-key-0001' http://$vip4:8001/premium/who (route min_tier premium)"
code=$(gate_code -H 'X-API-Key: demo-premium-key-0001' "http://$vip4:8001/premium/who"); echo "-> $code"
[ "$code" = 200 ] || failed=1
echo "curl '$api?api_key=demo-free-key-0001' (the key in the query)"
code=$(gate_code "$api?api_key=demo-free-key-0001"); echo "-> $code"
[ "$code" = 200 ] || failed=1
echo "curl $api (no credentials):"
show "$api"
echo "curl -H 'X-API-Key: demo-blocked-key-0001' $api (a blocked key):"
show -H 'X-API-Key: demo-blocked-key-0001' "$api"
echo "curl -H 'X-API-Key: demo-free-key-0001' http://$vip4:8001/premium/who (free below min_tier premium):"
show -H 'X-API-Key: demo-free-key-0001' "http://$vip4:8001/premium/who"
echo "the free key (5 a minute, one used above) 4 more times, then once more: 429"
codes=""
for _ in 1 2 3 4; do codes="$codes $(gate_code -H 'X-API-Key: demo-free-key-0001' "$api")"; done
echo "->$codes"
[ "$codes" = " 200 200 200 200" ] || failed=1
show -H 'X-API-Key: demo-free-key-0001' "$api"
[ "$(gate_code -H 'X-API-Key: demo-free-key-0001' "$api")" = 429 ] || failed=1
step "weirctl usage demo-free-key-0001; weirctl gate"
"$weirctl" --socket "$sock" usage demo-free-key-0001
"$weirctl" --socket "$sock" gate

step "a greedy client ($greedy): web4 admits 50 new connections per 10 s per source, answers the rest with an RST, and bans a source for 60 s after 20 refusals"
ip -n "$ns" addr add "$greedy/24" dev "$tap"
ok=0 refused=0 silent=0
for _ in $(seq 200); do
    code=0
    ip netns exec "$ns" curl -s -o /dev/null --max-time 1 --interface "$greedy" \
        "http://$vip4/who" || code=$?
    case $code in
        0) ok=$((ok + 1)) ;;
        7) refused=$((refused + 1)) ;;
        *) silent=1; break ;;
    esac
done
echo "$ok answered, $refused refused with an RST, then $([ "$silent" = 1 ] && echo "silence: banned" || echo "no ban")"
if [ "$silent" != 1 ] || [ "$refused" -ne 20 ]; then
    echo "demo: the greedy client was not limited and then banned" >&2
    failed=1
fi
code=0
ip netns exec "$ns" curl -s -o /dev/null --max-time 5 "http://$vip4/who" || code=$?
echo "meanwhile $cli4: curl exit $code (0: answered)"
[ "$code" -eq 0 ] || failed=1
step "weirctl bans"
wait_until sh -c "\"$weirctl\" --socket \"$sock\" bans | grep -q \"$greedy/32\"" || failed=1
"$weirctl" --socket "$sock" bans
step "weirctl top (sources refused most)"
"$weirctl" --socket "$sock" top 5
"$weirctl" --socket "$sock" top 1 | grep -q "^$greedy/32 " || { echo "demo: top does not name $greedy" >&2; failed=1; }

# Client addresses of their own: web4's limits count per source.
ip -n "$ns" addr add "$cli4b/24" dev "$tap"
ip -n "$ns" addr add "$cli4c/24" dev "$tap"
step "failover: kill ${names[1]}'s IPv4 server (pid ${servers[2]}); weir's HTTP checks (every 250 ms, fall 3) and the refused handshakes take it out"
kill -TERM "${servers[2]}"
wait "${servers[2]}" 2>/dev/null || true
t0=$(date +%s%N)
serving() {
    "$weirctl" --socket "$sock" --json backends web4 | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
b = [b for b in d["backends"] if b["address"] == sys.argv[1]][0]
sys.exit(0 if b["health"]["serving"] == (sys.argv[2] == "yes") else 1)' "$1" "$2"
}
wait_until serving "${back4[1]}" no || { echo "demo: ${back4[1]} still serving" >&2; failed=1; }
echo "weir stopped sending new connections to ${back4[1]} $((($(date +%s%N) - t0) / 1000000)) ms after the kill"
"$weirctl" --socket "$sock" backends web4
step "$requests x curl http://$vip4/who from $cli4b: ${names[1]} is skipped"
out=$(http_round "http://$vip4/who" --interface "$cli4b")
echo "$out"
if echo "$out" | grep -q "${names[1]}"; then
    echo "demo: ${names[1]} still answered" >&2
    failed=1
fi
step "bring ${names[1]} back: it takes traffic again after 2 good checks (rise 2 x 250 ms)"
ip netns exec "$bns" /usr/bin/python3 -m http.server --bind "${back4[1]}" "$bport" \
    --directory "$web/${names[1]}" >>"$web/http-${back4[1]}.log" 2>&1 &
servers[2]=$!
wait_until ip netns exec "$bns" curl -sf --max-time 1 "http://${back4[1]}:$bport/who" ||
    { echo "demo: ${names[1]} does not answer" >&2; exit 1; }
t0=$(date +%s%N)
wait_until serving "${back4[1]}" yes || { echo "demo: ${back4[1]} not back" >&2; failed=1; }
echo "${back4[1]} serving again $((($(date +%s%N) - t0) / 1000000)) ms after its server listened"
"$weirctl" --socket "$sock" backend check web4 "${back4[1]}:$bport"
step "$requests x curl http://$vip4/who from $cli4c: ${names[1]} is back"
http_round "http://$vip4/who" --interface "$cli4c"

step "weirctl services"
"$weirctl" --socket "$sock" services
step "weirctl stats"
"$weirctl" --socket "$sock" stats

if [ "$failed" -ne 0 ]; then
    echo "demo: some HTTP requests through weir, or the limits, did not behave" >&2
    exit 1
fi

if [ "${DEMO_HOLD:-0}" = 1 ]; then
    step "weir keeps running (socket $sock, namespaces $ns and $bns); Ctrl-C stops it"
    echo "try: ip netns exec $ns curl http://$vip4/who"
    echo "     $weirctl backend disable web4 ${back4[0]}:$bport"
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
