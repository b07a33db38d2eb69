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
local P = tostring(PORT)                    -- Pktgen port lists are strings: "0", "0-1", "all"

local function say(fmt, ...) print(string.format(fmt, ...)) end

local function ip2n(s)
    local a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
    assert(a, "not an IPv4 address: " .. s)
    return ((tonumber(a) * 256 + tonumber(b)) * 256 + tonumber(c)) * 256 + tonumber(d)
end

local function n2ip(n)
    return string.format("%d.%d.%d.%d", n // 16777216 % 256, n // 65536 % 256, n // 256 % 256,
                         n % 256)
end

local function stats(kind) return pktgen.portStats(P, kind)[PORT] end

local function wait_link()
    for _ = 1, LINK_WAIT_S * 10 do
        local s = pktgen.linkState(P)[PORT]
        if s and s:find("UP", 1, true) then return s end
        pktgen.delay(100)
    end
    return nil
end

-- Pktgen's stats thread refreshes the counters once a second. Return just
-- after the next refresh (the TX counter moves); false after 3 s without one.
local function next_tick()
    local before = stats("port").opackets
    for _ = 1, 150 do
        pktgen.delay(20)
        if stats("port").opackets ~= before then return true end
    end
    return false
end

-- Packets counted over `seconds` refreshes, plus the mean of the per-second rates.
local function measure(seconds)
    local synced = next_tick()
    local s0 = stats("port")
    local rx_sum, tx_sum = 0, 0
    for _ = 1, seconds do
        synced = next_tick() and synced
        local r = stats("rate")
        rx_sum, tx_sum = rx_sum + r.pkts_rx, tx_sum + r.pkts_tx
    end
    local s1 = stats("port")
    return {tx = s1.opackets - s0.opackets, rx = s1.ipackets - s0.ipackets,
            tx_mean = tx_sum / seconds, rx_mean = rx_sum / seconds, synced = synced}
end

local results = {}

local function report(size, m)
    local tx_pps, rx_pps = m.tx / DURATION_S, m.rx / DURATION_S
    -- On the wire every frame also takes 20 bytes: preamble, SFD, inter-frame gap.
    local r = {size = size, tx_mpps = tx_pps / 1e6, rx_mpps = rx_pps / 1e6,
               tx_gbps = tx_pps * (size + 20) * 8 / 1e9, rx_gbps = rx_pps * (size + 20) * 8 / 1e9}
    results[#results + 1] = r
    local line = string.format(
        "RESULT mixed-sizes size=%d seconds=%d tx_pkts=%d rx_pkts=%d tx_mpps=%.3f rx_mpps=%.3f " ..
        "tx_gbps=%.3f rx_gbps=%.3f (mean of 1-s rates: tx %.3f rx %.3f Mpps)", size, DURATION_S,
        m.tx, m.rx, r.tx_mpps, r.rx_mpps, r.tx_gbps, r.rx_gbps, m.tx_mean / 1e6, m.rx_mean / 1e6)
    say("%s", line)
    if not m.synced then say("warning: no stats refresh seen; the window length is approximate") end
    if RESULT_FILE then
        local f = assert(io.open(RESULT_FILE, "a"))
        f:write(line, "\n")
        f:close()
    end
end

local function finish()
    pktgen.stop(P)
    pktgen.delay(1500)                      -- drain, and let the counters refresh once more
    if #results > 0 then
        say("%6s %9s %9s %9s %9s", "size", "tx Mpps", "rx Mpps", "tx Gb/s", "rx Gb/s")
        for _, r in ipairs(results) do
            say("%6d %9.3f %9.3f %9.3f %9.3f", r.size, r.tx_mpps, r.rx_mpps, r.tx_gbps, r.rx_gbps)
        end
    end
    local s = stats("port")
    say("port %d since the last clear: rx %d pkts %d bytes, tx %d pkts %d bytes, " ..
        "ierrors %d, oerrors %d, imissed %d, rx_nombuf %d", PORT, s.ipackets, s.ibytes,
        s.opackets, s.obytes, s.ierrors, s.oerrors, s.imissed, s.rx_nombuf)
    if QUIT_WHEN_DONE then pktgen.quit() end
end

---------------------------------------------------------------------- main
local function main()
    pktgen.screen("off")                    -- keep the printed results readable
    pktgen.reset(P)                         -- defaults, range off, stats cleared
    local src_mac = pktgen.pktStats(P)[PORT].mac_addr
    say("%s, port %d MAC %s (weir's ports[].neighbors[].mac)", pktgen.info.Pktgen_Version,
        PORT, tostring(src_mac))

    local first = ip2n(SRC_IP_FIRST)
    local last = first + SRC_IP_COUNT - 1
    local last_port = SRC_PORT_FIRST + SRC_PORT_COUNT - 1
    assert(last_port <= 65534, "last source port must be <= 65534")

    local link = wait_link()
    say("link: %s", link or "still down, starting anyway")

    pktgen.set_type(P, "ipv4")
    pktgen.set_proto(P, "udp")
    pktgen.set(P, "count", 0)               -- 0 = send until stopped
    pktgen.set(P, "rate", RATE_PCT)

    pktgen.range.set_type(P, "ipv4")
    pktgen.range.ip_proto(P, "udp")
    for _, w in ipairs({"start", "min", "max"}) do
        pktgen.range.dst_mac(P, w, WEIR_MAC)
        if src_mac then pktgen.range.src_mac(P, w, src_mac) end
        pktgen.range.dst_ip(P, w, VIP)
        pktgen.range.dst_port(P, w, VIP_PORT)
        pktgen.range.ttl(P, w, 64)
    end
    pktgen.range.dst_mac(P, "inc", "00:00:00:00:00:00")
    pktgen.range.src_mac(P, "inc", "00:00:00:00:00:00")
    pktgen.range.dst_ip(P, "inc", "0.0.0.0")
    pktgen.range.dst_port(P, "inc", 0)
    pktgen.range.pkt_size(P, "inc", 0)
    pktgen.range.ttl(P, "inc", 0)
    pktgen.range.src_ip(P, "start", n2ip(first))
    pktgen.range.src_ip(P, "min", n2ip(first))
    pktgen.range.src_ip(P, "max", n2ip(last))
    pktgen.range.src_ip(P, "inc", "0.0.0.1")
    pktgen.range.src_port(P, "start", SRC_PORT_FIRST)
    pktgen.range.src_port(P, "min", SRC_PORT_FIRST)
    pktgen.range.src_port(P, "max", last_port)
    pktgen.range.src_port(P, "inc", 1)
    pktgen.set_range(P, "on")
    pktgen.clr()

    for _, size in ipairs(SIZES) do
        -- Pktgen paces range traffic with the single packet's size: keep both equal.
        pktgen.set(P, "size", size)
        for _, w in ipairs({"start", "min", "max"}) do pktgen.range.pkt_size(P, w, size) end
        say("mixed-sizes: %d-byte UDP to %s:%d from %s-%s ports %d-%d, %d s warmup, %d s window",
            size, VIP, VIP_PORT, n2ip(first), n2ip(last), SRC_PORT_FIRST, last_port, WARMUP_S,
            DURATION_S)
        pktgen.start(P)                     -- rebuilds the TX frames at the new size
        pktgen.delay(WARMUP_S * 1000)
        report(size, measure(DURATION_S))
        pktgen.stop(P)
        pktgen.delay(PAUSE_MS)
    end
end

local ok, err = pcall(main)
if not ok then say("mixed-sizes: error: %s", tostring(err)) end
finish()
