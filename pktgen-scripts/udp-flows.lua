-- udp-flows.lua: UDP frames to weir's VIP:80 from a set of client
-- (address, port) pairs (Pktgen range mode); prints TX and RX in Mpps.
-- Pktgen-DPDK 24.x. How to run it: pktgen-scripts/README.md.

------------------------------------------------------------------ constants
local PORT           = 0                    -- Pktgen port id (the ".0" in -m "[1:2].0")
local DURATION_S     = 10                   -- measurement window, seconds
local WARMUP_S       = 2                    -- traffic before the window
local RATE_PCT       = 100                  -- TX rate, percent of the link speed
local PKT_SIZE       = 64                   -- frame size in bytes, FCS included
local WEIR_MAC       = "02:77:65:69:72:01"  -- weir's port MAC: destination MAC
local VIP            = "198.18.1.1"
local VIP_PORT       = 80
local SRC_IP_FIRST   = "198.18.128.1"       -- clients live in 198.18.128.0/17
local SRC_IP_COUNT   = 64                   -- 198.18.128.1 .. 198.18.128.64
local SRC_PORT_FIRST = 1024
local SRC_PORT_COUNT = 15625                -- 1024 .. 16648
-- Range mode steps the source address and the source port together, one
-- step per packet, so the (address, port) pairs repeat after
-- lcm(SRC_IP_COUNT, SRC_PORT_COUNT) packets. 64 = 2^6 and 15625 = 5^6 share
-- no factor: lcm = 64 * 15625 = 1,000,000 flows. (16 * 62500 would give only
-- lcm = 250,000: both are multiples of 4.)
local LINK_WAIT_S    = 60                   -- wait for link up (vhost-user: for weir to attach)
local QUIT_WHEN_DONE = true                 -- true: pktgen.quit(); false: stay at the Pktgen> prompt
local RESULT_FILE    = nil                  -- a path: also append the RESULT line to it

------------------------------------------------------------------- helpers
local DIR = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./"
local C = dofile(DIR .. "weir-common.lua"){
    port = PORT, link_wait_s = LINK_WAIT_S, rate_pct = RATE_PCT, weir_mac = WEIR_MAC,
    vip = VIP, vip_port = VIP_PORT, src_ip_first = SRC_IP_FIRST, src_ip_count = SRC_IP_COUNT,
    src_port_first = SRC_PORT_FIRST, src_port_count = SRC_PORT_COUNT,
    quit_when_done = QUIT_WHEN_DONE, result_file = RESULT_FILE,
}
local P, say, n2ip, gcd = C.P, C.say, C.n2ip, C.gcd

local function report(m)
    C.result(string.format(
        "RESULT udp-flows size=%d flows=%d seconds=%d tx_pkts=%d rx_pkts=%d " ..
        "tx_mpps=%.3f rx_mpps=%.3f rx/tx=%.4f (mean of 1-s rates: tx %.3f rx %.3f Mpps)",
        PKT_SIZE, SRC_IP_COUNT * SRC_PORT_COUNT // gcd(SRC_IP_COUNT, SRC_PORT_COUNT), DURATION_S,
        m.tx, m.rx, m.tx / DURATION_S / 1e6, m.rx / DURATION_S / 1e6,
        m.tx > 0 and m.rx / m.tx or 0, m.tx_mean / 1e6, m.rx_mean / 1e6), m)
end

---------------------------------------------------------------------- main
local function main()
    local g = gcd(SRC_IP_COUNT, SRC_PORT_COUNT)
    if g ~= 1 then
        say("warning: counts share the factor %d: only %d distinct flows", g,
            SRC_IP_COUNT * SRC_PORT_COUNT // g)
    end
    C.check_vhost("UDP", false)             -- the frames still parse: warn only
    local src_mac = C.begin()
    local first, last, last_port = C.setup_range("udp", src_mac)
    C.set_size(PKT_SIZE)
    pktgen.set_range(P, "on")

    say("udp-flows: %d-byte UDP to %s:%d from %s-%s ports %d-%d, %d s warmup, %d s window",
        PKT_SIZE, VIP, VIP_PORT, n2ip(first), n2ip(last), SRC_PORT_FIRST, last_port, WARMUP_S,
        DURATION_S)
    pktgen.clr()
    pktgen.start(P)
    pktgen.delay(WARMUP_S * 1000)
    report(C.measure(DURATION_S))
end

C.run("udp-flows", main)
