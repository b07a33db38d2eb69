-- check.lua: run one of weir's Pktgen scripts on a mock of Pktgen's Lua API
-- (no Pktgen, no DPDK) and check what it asked Pktgen for and what it
-- printed. Pktgen is not a Debian package; this at least proves the scripts
-- run to the end, program the ranges weir's benchmark needs, and report.
--
-- Usage: lua5.4 check.lua SCRIPT NAME   (NAME: udp-flows, syn-flood, mixed-sizes)

local script, name = arg[1], arg[2]
local failures = 0
local function check(cond, fmt, ...)
    if not cond then
        io.stderr:write("FAIL: ", string.format(fmt, ...), "\n")
        failures = failures + 1
    end
end

-- The mock: a port sending RATE packets a second while started, all of them
-- coming back; counters refreshed once a simulated second, as Pktgen does.
local RATE = 1000000
local t_ms, sending, quit = 0, false, false
local live = {tx = 0, rx = 0}          -- what the port did
local shown = {opackets = 0, ipackets = 0, tx_rate = 0, rx_rate = 0}
local last_refresh, last_tx = 0, 0
local single, range, range_on, tcp_flags, calls = {}, {}, false, "", {}

local function refresh()
    while t_ms - last_refresh >= 1000 do
        last_refresh = last_refresh + 1000
        shown.tx_rate = live.tx - last_tx
        shown.rx_rate = shown.tx_rate
        last_tx = live.tx
        shown.opackets, shown.ipackets = live.tx, live.rx
    end
end

local function port_of(p) check(p == "0", "port list %s, want \"0\"", tostring(p)) end

local function range_setter(field)
    return function(p, which, v)
        port_of(p)
        range[field] = range[field] or {}
        range[field][which] = v
    end
end

pktgen = {
    info = {Pktgen_Version = "Pktgen 24.x (mock)"},
    screen = function() end,
    reset = function(p) port_of(p); single, range, range_on = {}, {}, false end,
    pktStats = function() return {[0] = {mac_addr = "02:00:00:00:00:02"}} end,
    linkState = function() return {[0] = "<UP-10000-FD>"} end,
    set_type = function(p, v) port_of(p); single.type = v end,
    set_proto = function(p, v) port_of(p); single.proto = v end,
    set = function(p, k, v) port_of(p); single[k] = v end,
    set_range = function(p, v) port_of(p); range_on = v == "on" end,
    clr = function() live.tx, live.rx, last_tx = 0, 0, 0; shown.opackets, shown.ipackets = 0, 0 end,
    start = function(p) port_of(p); sending = true; calls[#calls + 1] = "start" end,
    stop = function(p) port_of(p); sending = false; calls[#calls + 1] = "stop" end,
    quit = function() quit = true end,
    delay = function(ms)
        t_ms = t_ms + ms
        if sending then
            live.tx = live.tx + RATE * ms // 1000
            live.rx = live.tx
        end
        refresh()
    end,
    portStats = function(p, kind)
        port_of(p)
        if kind == "rate" then return {[0] = {pkts_tx = shown.tx_rate, pkts_rx = shown.rx_rate}} end
        return {[0] = {opackets = shown.opackets, ipackets = shown.ipackets, obytes = 0,
                       ibytes = 0, ierrors = 0, oerrors = 0, imissed = 0, rx_nombuf = 0}}
    end,
    load = function(path)
        for line in io.lines(path) do
            tcp_flags = line:match("^range 0 tcp flags (%S+)$") or tcp_flags
        end
    end,
    save = function(path)
        local f = assert(io.open(path, "w"))
        f:write("range 0 tcp flags ", tcp_flags, "\n")
        f:close()
    end,
    range = {},
}
for _, f in ipairs({"set_type", "ip_proto"}) do
    pktgen.range[f] = function(p, v) port_of(p); range[f] = v end
end
for _, f in ipairs({"dst_mac", "src_mac", "dst_ip", "src_ip", "dst_port", "src_port",
                    "pkt_size", "ttl"}) do
    pktgen.range[f] = range_setter(f)
end

local out = {}
local real_print = print
print = function(...) out[#out + 1] = table.concat({...}, "\t") end
local ok, err = pcall(dofile, script)
print = real_print
local text = table.concat(out, "\n")
io.write(text, "\n")
check(ok, "the script raised: %s", tostring(err))
check(not text:find("error:", 1, true), "the script reported an error")
check(quit, "pktgen.quit() was not called")
check(not sending, "the port was left sending")
check(range_on, "range mode not on")

-- What weir's benchmark needs from every script.
local function want(field, which, v)
    local got = range[field] and range[field][which]
    check(got == v, "range %s %s = %s, want %s", field, which, tostring(got), tostring(v))
end
want("dst_mac", "start", "02:77:65:69:72:01")
want("dst_ip", "start", "198.18.1.1")
want("dst_port", "start", 80)
want("src_ip", "start", "198.18.128.1")
want("src_ip", "inc", "0.0.0.1")
want("src_port", "min", 1024)
want("src_port", "inc", 1)
want("src_mac", "start", "02:00:00:00:00:02")
check(single.count == 0, "single count %s, want 0 (until stopped)", tostring(single.count))

local results = {}
for line in text:gmatch("[^\n]+") do
    if line:find("RESULT " .. name .. " ", 1, true) == 1 then results[#results + 1] = line end
end
if name == "udp-flows" then
    check(#results == 1, "%d RESULT lines, want 1", #results)
    want("src_ip", "max", "198.18.128.64")
    want("src_port", "max", 16648)
    check(range.ip_proto == "udp", "range proto %s", tostring(range.ip_proto))
    check(results[1] and results[1]:find("flows=1000000 ", 1, true), "flows: %s",
          tostring(results[1]))
elseif name == "syn-flood" then
    check(#results == 1, "%d RESULT lines, want 1", #results)
    want("src_ip", "max", "198.18.255.254")
    want("src_port", "max", 65534)
    check(range.ip_proto == "tcp", "range proto %s", tostring(range.ip_proto))
    check(tcp_flags == "syn", "range tcp flags '%s', want 'syn'", tcp_flags)
elseif name == "mixed-sizes" then
    check(#results == 6, "%d RESULT lines, want 6", #results)
    want("pkt_size", "max", 1518)
    for i, size in ipairs({64, 128, 256, 512, 1024, 1518}) do
        check(results[i] and results[i]:find("size=" .. size .. " ", 1, true),
              "RESULT %d: %s", i, tostring(results[i]))
    end
else
    check(false, "unknown script name %s", tostring(name))
end
-- The mock forwards everything at 1 Mpps: every window measures it.
for _, r in ipairs(results) do
    check(r:find("tx_mpps=1.000 rx_mpps=1.000", 1, true), "rates: %s", r)
end

if failures > 0 then os.exit(1) end
print("ok: " .. name)
