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
local DIR = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./"
local C = dofile(DIR .. "weir-common.lua"){
    port = PORT, link_wait_s = LINK_WAIT_S, rate_pct = RATE_PCT, weir_mac = WEIR_MAC,
    vip = VIP, vip_port = VIP_PORT, src_ip_first = SRC_IP_FIRST, src_ip_count = SRC_IP_COUNT,
    src_port_first = SRC_PORT_FIRST, src_port_count = SRC_PORT_COUNT,
    quit_when_done = QUIT_WHEN_DONE, result_file = RESULT_FILE,
}
local P, say, n2ip, gcd = C.P, C.say, C.n2ip, C.gcd

-- The range TCP flags have no Lua setter in 24.x: write CLI lines to a file
-- and run it with pktgen.load() (a command file when the name has no ".lua").
-- Pktgen feeds each line to its CLI, prints "Invalid line" for one it does
-- not parse and goes on: pktgen.load() succeeds all the same, so what the
-- lines did is read back from pktgen.save() below.
local function run_cli(lines)
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    for _, l in ipairs(lines) do f:write(l, "\n") end
    f:close()
    local ok, err = pcall(pktgen.load, path)
    os.remove(path)
    if not ok then error("pktgen.load: " .. tostring(err), 0) end
end

-- The range TCP flags as Pktgen saves them (pktgen.save writes CLI commands:
-- "range 0 tcp flag clr all", then one "range 0 tcp flag set F" per flag).
local function saved_range_flags()
    local path = os.tmpname()
    pktgen.save(path)
    local set = {}
    for line in io.lines(path) do
        if line == "range " .. P .. " tcp flag clr all" then set = {} end
        set[#set + 1] = line:match("^range " .. P .. " tcp flag set (%a+)$")
    end
    os.remove(path)
    table.sort(set)
    return table.concat(set, ",")
end

local function report(m)
    C.result(string.format(
        "RESULT syn-flood size=%d seconds=%d tx_pkts=%d rx_pkts=%d " ..
        "tx_mpps=%.3f rx_mpps=%.3f rx/tx=%.4f (mean of 1-s rates: tx %.3f rx %.3f Mpps)",
        PKT_SIZE, DURATION_S, m.tx, m.rx, m.tx / DURATION_S / 1e6, m.rx / DURATION_S / 1e6,
        m.tx > 0 and m.rx / m.tx or 0, m.tx_mean / 1e6, m.rx_mean / 1e6), m)
end

---------------------------------------------------------------------- main
local function main()
    local g = gcd(SRC_IP_COUNT, SRC_PORT_COUNT)
    say("tuple period: %d packets%s", SRC_IP_COUNT * SRC_PORT_COUNT // g,
        g ~= 1 and string.format(" (counts share the factor %d)", g) or "")
    C.check_vhost("TCP", true)              -- every SYN would arrive with a bad IPv4 length
    local src_mac = C.begin()
    local first, last, last_port = C.setup_range("tcp", src_mac)
    C.set_size(PKT_SIZE)

    -- SYN only: the range packet starts with ACK (Pktgen's default), so clear
    -- all flags first (24.07.1 grammar: range <ports> tcp flag set|clr <flag>).
    run_cli({string.format("range %s tcp flag clr all", P),
             string.format("range %s tcp flag set syn", P)})
    local flags = saved_range_flags()
    if flags ~= "syn" then error("range TCP flags are '" .. flags .. "', not 'syn'", 0) end
    pktgen.set_range(P, "on")

    say("syn-flood: %d-byte TCP SYN to %s:%d from %s-%s ports %d-%d, %d s warmup, %d s window",
        PKT_SIZE, VIP, VIP_PORT, n2ip(first), n2ip(last), SRC_PORT_FIRST, last_port, WARMUP_S,
        DURATION_S)
    pktgen.clr()
    pktgen.start(P)
    pktgen.delay(WARMUP_S * 1000)
    report(C.measure(DURATION_S))
end

C.run("syn-flood", main)
