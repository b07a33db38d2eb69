-- mixed-sizes.lua: UDP to weir's VIP:80, one run per frame size (64 .. 1518
-- bytes), each run from the same set of client (address, port) pairs (Pktgen
-- range mode); prints TX and RX Mpps and Gbit/s per size.
-- Pktgen-DPDK 24.x. How to run it: pktgen-scripts/README.md.
--
-- One size per run rather than one run stepping the size: Pktgen's range
-- pkt_size steps by a fixed increment, and 64, 128, ... 1518 is not an
-- arithmetic series.

------------------------------------------------------------------ constants
local PORT           = 0                    -- Pktgen port id (the ".0" in -m "[1:2].0")
local SIZES          = {64, 128, 256, 512, 1024, 1518}  -- frame sizes, FCS included
local DURATION_S     = 10                   -- measurement window per size, seconds
local WARMUP_S       = 2                    -- traffic before each window
local PAUSE_MS       = 1000                 -- idle time between sizes
local RATE_PCT       = 100                  -- TX rate, percent of the link speed
local WEIR_MAC       = "02:77:65:69:72:01"  -- weir's port MAC: destination MAC
local VIP            = "198.18.1.1"
local VIP_PORT       = 80
local SRC_IP_FIRST   = "198.18.128.1"       -- clients live in 198.18.128.0/17
local SRC_IP_COUNT   = 64                   -- 198.18.128.1 .. 198.18.128.64
local SRC_PORT_FIRST = 1024
local SRC_PORT_COUNT = 15625                -- 1024 .. 16648: lcm(64, 15625) = 1,000,000 flows
local LINK_WAIT_S    = 60                   -- wait for link up (vhost-user: for weir to attach)
local QUIT_WHEN_DONE = true                 -- true: pktgen.quit(); false: stay at the Pktgen> prompt
local RESULT_FILE    = nil                  -- a path: also append the RESULT lines to it

------------------------------------------------------------------- helpers
local DIR = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./"
local C = dofile(DIR .. "weir-common.lua"){
    port = PORT, link_wait_s = LINK_WAIT_S, rate_pct = RATE_PCT, weir_mac = WEIR_MAC,
    vip = VIP, vip_port = VIP_PORT, src_ip_first = SRC_IP_FIRST, src_ip_count = SRC_IP_COUNT,
    src_port_first = SRC_PORT_FIRST, src_port_count = SRC_PORT_COUNT,
    quit_when_done = QUIT_WHEN_DONE, result_file = RESULT_FILE,
}
local P, say, n2ip, gcd = C.P, C.say, C.n2ip, C.gcd

local results = {}

local function report(size, m)
    local tx_pps, rx_pps = m.tx / DURATION_S, m.rx / DURATION_S
    -- On the wire every frame also takes 20 bytes: preamble, SFD, inter-frame gap.
    local r = {size = size, tx_mpps = tx_pps / 1e6, rx_mpps = rx_pps / 1e6,
               tx_gbps = tx_pps * (size + 20) * 8 / 1e9, rx_gbps = rx_pps * (size + 20) * 8 / 1e9}
    results[#results + 1] = r
    C.result(string.format(
        "RESULT mixed-sizes size=%d seconds=%d tx_pkts=%d rx_pkts=%d tx_mpps=%.3f rx_mpps=%.3f " ..
        "tx_gbps=%.3f rx_gbps=%.3f (mean of 1-s rates: tx %.3f rx %.3f Mpps)", size, DURATION_S,
        m.tx, m.rx, r.tx_mpps, r.rx_mpps, r.tx_gbps, r.rx_gbps, m.tx_mean / 1e6, m.rx_mean / 1e6),
        m)
end

local function summary()
    if #results == 0 then return end
    say("%6s %9s %9s %9s %9s", "size", "tx Mpps", "rx Mpps", "tx Gb/s", "rx Gb/s")
    for _, r in ipairs(results) do
        say("%6d %9.3f %9.3f %9.3f %9.3f", r.size, r.tx_mpps, r.rx_mpps, r.tx_gbps, r.rx_gbps)
    end
end

---------------------------------------------------------------------- main
local function main()
    C.check_vhost("UDP", false)             -- the frames still parse: warn only
    local src_mac = C.begin()
    local first, last, last_port = C.setup_range("udp", src_mac)
    pktgen.set_range(P, "on")
    pktgen.clr()

    for _, size in ipairs(SIZES) do
        C.set_size(size)
        say("mixed-sizes: %d-byte UDP to %s:%d from %s-%s ports %d-%d, %d s warmup, %d s window",
            size, VIP, VIP_PORT, n2ip(first), n2ip(last), SRC_PORT_FIRST, last_port, WARMUP_S,
            DURATION_S)
        pktgen.start(P)                     -- rebuilds the TX frames at the new size
        pktgen.delay(WARMUP_S * 1000)
        report(size, C.measure(DURATION_S))
        pktgen.stop(P)
        pktgen.delay(PAUSE_MS)
    end
end

C.run("mixed-sizes", main, summary)
