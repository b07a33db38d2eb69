-- syn-flood.lua: TCP SYNs (SYN flag only) to weir's VIP:80, source address
-- and source port stepping on every packet (Pktgen range mode); prints TX and
-- RX in Mpps. Pktgen-DPDK 24.x. How to run it: pktgen-scripts/README.md.

------------------------------------------------------------------ constants
local PORT           = 0                    -- Pktgen port id (the ".0" in -m "[1:2].0")
local DURATION_S     = 10                   -- measurement window, seconds
local WARMUP_S       = 2                    -- traffic before the window
local RATE_PCT       = 100                  -- TX rate, percent of the link speed
local PKT_SIZE       = 64                   -- frame size in bytes, FCS included
local WEIR_MAC       = "02:77:65:69:72:01"  -- weir's port MAC: destination MAC
local VIP            = "198.18.1.1"
local VIP_PORT       = 80
local SRC_IP_FIRST   = "198.18.128.1"       -- the whole client block 198.18.128.0/17:
local SRC_IP_COUNT   = 32766                -- 198.18.128.1 .. 198.18.255.254
local SRC_PORT_FIRST = 1024
local SRC_PORT_COUNT = 64511                -- 1024 .. 65534 (see README: not 65535)
-- Address and port step together, so the (address, port) sequence repeats
-- after lcm(32766, 64511) packets. 32766 = 2*3*43*127 and 64511 = 31*2081
-- share no factor: the period is 32766 * 64511 = 2,113,767,426 tuples.
local LINK_WAIT_S    = 60                   -- wait for link up (vhost-user: for weir to attach)
local QUIT_WHEN_DONE = true                 -- true: pktgen.quit(); false: stay at the Pktgen> prompt
local RESULT_FILE    = nil                  -- a path: also append the RESULT line to it

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

local function gcd(a, b)
    while b ~= 0 do a, b = b, a % b end
    return a
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

-- The range TCP flags have no Lua setter in 24.x: write CLI lines to a file
-- and run it with pktgen.load() (a command file when the name is not *.lua).
local function run_cli(lines)
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    for _, l in ipairs(lines) do f:write(l, "\n") end
    f:close()
    local ok, err = pcall(pktgen.load, path)
    os.remove(path)
    if not ok then say("pktgen.load: %s", tostring(err)) end
end

-- The range TCP flags as Pktgen saves them (pktgen.save writes CLI commands).
local function saved_range_flags()
    local path = os.tmpname()
    pktgen.save(path)
    local flags, set = nil, {}
    for line in io.lines(path) do
        flags = line:match("^range " .. P .. " tcp flags (%S+)") or flags     -- 24.x form
        set[#set + 1] = line:match("^range " .. P .. " tcp flag set (%S+)")   -- 23.x form
    end
    os.remove(path)
    return flags or (#set > 0 and table.concat(set, ",")) or "?"
end

local function report(m)
    local line = string.format(
        "RESULT syn-flood size=%d seconds=%d tx_pkts=%d rx_pkts=%d " ..
        "tx_mpps=%.3f rx_mpps=%.3f rx/tx=%.4f (mean of 1-s rates: tx %.3f rx %.3f Mpps)",
        PKT_SIZE, DURATION_S, m.tx, m.rx, m.tx / DURATION_S / 1e6, m.rx / DURATION_S / 1e6,
        m.tx > 0 and m.rx / m.tx or 0, m.tx_mean / 1e6, m.rx_mean / 1e6)
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
    local g = gcd(SRC_IP_COUNT, SRC_PORT_COUNT)
    say("tuple period: %d packets%s", SRC_IP_COUNT * SRC_PORT_COUNT // g,
        g ~= 1 and string.format(" (counts share the factor %d)", g) or "")

    local link = wait_link()
    say("link: %s", link or "still down, starting anyway")

    -- Single-packet settings: Pktgen paces range traffic with the single packet's size.
    pktgen.set_type(P, "ipv4")
    pktgen.set_proto(P, "tcp")
    pktgen.set(P, "size", PKT_SIZE)
    pktgen.set(P, "count", 0)               -- 0 = send until stopped
    pktgen.set(P, "rate", RATE_PCT)

    pktgen.range.set_type(P, "ipv4")
    pktgen.range.ip_proto(P, "tcp")
    for _, w in ipairs({"start", "min", "max"}) do
        pktgen.range.dst_mac(P, w, WEIR_MAC)
        if src_mac then pktgen.range.src_mac(P, w, src_mac) end
        pktgen.range.dst_ip(P, w, VIP)
        pktgen.range.dst_port(P, w, VIP_PORT)
        pktgen.range.pkt_size(P, w, PKT_SIZE)
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

    -- SYN only. Check what Pktgen saved; fall back to the older CLI form.
    run_cli({string.format("range %d tcp flags syn", PORT)})
    if saved_range_flags() ~= "syn" then
        run_cli({string.format("range %d tcp flag clr all", PORT),
                 string.format("range %d tcp flag set syn", PORT)})
    end
    local flags = saved_range_flags()
    if flags ~= "syn" then error("range TCP flags are '" .. flags .. "', not 'syn'") end
    pktgen.set_range(P, "on")

    say("syn-flood: %d-byte TCP SYN to %s:%d from %s-%s ports %d-%d, %d s warmup, %d s window",
        PKT_SIZE, VIP, VIP_PORT, n2ip(first), n2ip(last), SRC_PORT_FIRST, last_port, WARMUP_S,
        DURATION_S)
    pktgen.clr()
    pktgen.start(P)
    pktgen.delay(WARMUP_S * 1000)
    report(measure(DURATION_S))
end

local ok, err = pcall(main)
if not ok then say("syn-flood: error: %s", tostring(err)) end
finish()
