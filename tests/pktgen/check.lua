-- check.lua: run one of weir's Pktgen scripts on a mock of Pktgen-DPDK
-- 24.07.1's Lua API (no Pktgen, no DPDK) and check what it asked Pktgen for
-- and what it printed. Pktgen is not a Debian package; this proves the
-- scripts run to the end, program the ranges weir's benchmark needs, and
-- report. The mock holds them to what 24.07.1 accepts (read from its
-- app/lpktgenlib.c, app/cli-functions.c and app/pktgen-cmds.c, and tried on a
-- real 24.07.1: pktgen-scripts/README.md):
--   * every function takes exactly the number of arguments 24.07.1 takes
--     (it raises "wrong number of arguments" otherwise), integer arguments
--     must be integers, MACs and IPv4 addresses must parse;
--   * the range setters take start|min|max|inc (or minimum|maximum|
--     increment): 24.07.1 silently ignores any other word, the mock fails;
--     src_port inc is capped at 64 and range sizes are clamped to 64..1518,
--     as 24.07.1 does;
--   * pktgen.load() of a command file feeds each line to the CLI grammar:
--     the range TCP flags are "range <ports> tcp flag set|clr <flag>" and
--     start as ACK after pktgen.reset(); a line the grammar refuses is
--     printed as "Invalid line" and skipped, and pktgen.load() still returns
--     normally, as 24.07.1 does (the check fails on it);
--   * pktgen.save() writes the range TCP flags as 24.07.1 does: "range 0 tcp
--     flag clr all", then "range 0 tcp flag set <flag>" per flag (into a
--     *.lua path, a Lua form without them);
--   * /proc/self/cmdline reads as Pktgen's command line with the --vdev given
--     as VDEV (default: the README's net_vhost0 with legacy-ol-flags=1).
--
-- Usage: lua5.4 check.lua SCRIPT NAME [VDEV]   (NAME: udp-flows, syn-flood, mixed-sizes)

local script, name = arg[1], arg[2]
local vdev = arg[3] or "net_vhost0,iface=/tmp/pg.sock,queues=1,legacy-ol-flags=1"
local vhost_hazard = not ("," .. vdev .. ","):find(",legacy-ol-flags=1,", 1, true)
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
local single, range, range_on, calls = {}, {}, false, {}

-- Range TCP flags: 24.07.1's bits, ACK after a reset (DEFAULT_TCP_FLAGS).
local FLAG = {urg = 0x20, ack = 0x10, psh = 0x08, rst = 0x04, syn = 0x02, fin = 0x01}
FLAG.all = 0x3f
local FLAG_ORDER = {"urg", "ack", "psh", "rst", "syn", "fin"}  -- pktgen.save() order
local tcp_flags = FLAG.ack

local out = {}
local real_print = print
local function say(fmt, ...) out[#out + 1] = string.format(fmt, ...) end

local function refresh()
    while t_ms - last_refresh >= 1000 do
        last_refresh = last_refresh + 1000
        shown.tx_rate = live.tx - last_tx
        shown.rx_rate = shown.tx_rate
        last_tx = live.tx
        shown.opackets, shown.ipackets = live.tx, live.rx
    end
end

-- What 24.07.1 raises on (luaL_error / luaL_check*): the script sees an error.
local function args(fname, n, ...)
    local got = select("#", ...)
    if got ~= n then
        error(string.format("%s, wrong number of arguments (%d, 24.07.1 takes %d)", fname, got, n),
              3)
    end
end
local function integer(fname, v)
    local i = math.tointeger(tonumber(v))
    if i == nil then error(string.format("%s: number has no integer representation: %s", fname,
                                         tostring(v)), 3) end
    return i
end
local function port_of(fname, p)
    check(p == "0", "%s: port list %s, want \"0\"", fname, tostring(p))
end
local function is_mac(s)
    return type(s) == "string" and s:match("^%x%x:%x%x:%x%x:%x%x:%x%x:%x%x$") ~= nil
end
local function is_ip4(s)
    if type(s) ~= "string" then return false end
    local a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
    for _, x in ipairs({a, b, c, d}) do
        if not x or tonumber(x) > 255 then return false end
    end
    return true
end

-- start|min|max|inc as 24.07.1 spells them; anything else it ignores.
local WHICH = {start = "start", min = "min", minimum = "min", max = "max", maximum = "max",
               inc = "inc", increment = "inc"}

local function range_setter(field, valid)
    return function(...)
        args("range." .. field, 3, ...)
        local p, which, v = ...
        port_of("range." .. field, p)
        local w = WHICH[which]
        check(w, "range.%s: '%s' is not start|min|max|inc (24.07.1 ignores it)", field,
              tostring(which))
        if not w then return end
        v = valid(v, w)
        range[field] = range[field] or {}
        range[field][w] = v
    end
end

local function mac_value(v)
    check(is_mac(v), "range: '%s' is not a MAC address", tostring(v))
    return v
end
local function ip_value(v)
    check(is_ip4(v), "range: '%s' is not an IPv4 address", tostring(v))
    return v
end
local function port_value(v, w)
    local i = integer("range port", v) & 0xffff
    if w == "inc" and i > 64 then i = 64 end     -- 24.07.1 caps the port increment
    return i
end
local function ttl_value(v) return integer("range.ttl", v) & 0xff end
local function size_value(v, w)
    local i = integer("range.pkt_size", v)
    if w ~= "inc" then i = math.max(64, math.min(1518, i)) end
    return i
end

-- The CLI lines of a command file (pktgen.load): the mock knows the range
-- TCP flag commands; every other line is refused, as anything 24.07.1 does
-- not parse is. Comments (#) and blank lines are skipped.
local invalid_lines = {}
local function cli_line(line)
    if line:match("^%s*$") or line:match("^%s*#") then return end
    local p, op, flag = line:match("^range (%S+) tcp flag (%a+) (%a+)$")
    if p and (op == "set" or op == "clr") and FLAG[flag] then
        port_of("range tcp flag", p)
        if op == "set" then tcp_flags = tcp_flags | FLAG[flag]
        else tcp_flags = tcp_flags & ~FLAG[flag] end
        return
    end
    local words = {}
    for w in line:gmatch("%S+") do words[#words + 1] = w end
    say("%s command error:", words[1] == "range" and "Range" or "CLI")
    say("  Invalid line: <%s >", table.concat(words, " "))
    invalid_lines[#invalid_lines + 1] = line
end

pktgen = {
    info = {Pktgen_Version = "Pktgen 24.07.1 (mock)"},
    screen = function(...) args("screen", 1, ...) end,
    reset = function(...)
        args("reset", 1, ...)
        port_of("reset", ...)
        single, range, range_on, tcp_flags = {}, {}, false, FLAG.ack
        sending = false
    end,
    pktStats = function(...)
        args("pktStats", 1, ...)
        return {[0] = {mac_addr = "56:48:4F:53:54:00"}, n = 1}
    end,
    linkState = function(...)
        args("linkState", 1, ...)
        return {[0] = "<UP-10000-FD>", n = 1}
    end,
    set_type = function(...)
        args("set_type", 2, ...)
        local p, v = ...
        port_of("set_type", p)
        check(v == "ipv4" or v == "ipv6", "set_type '%s'", tostring(v))
        single.type = v
    end,
    set_proto = function(...)
        args("set_proto", 2, ...)
        local p, v = ...
        port_of("set_proto", p)
        check(v == "udp" or v == "tcp" or v == "icmp", "set_proto '%s' (24.07.1 makes it TCP)",
              tostring(v))
        single.proto = v
    end,
    set = function(...)
        args("set", 3, ...)
        local p, k, v = ...
        port_of("set", p)
        local known = {count = 1, size = 1, rate = 1, burst = 1, txburst = 1, rxburst = 1,
                       cycles = 1, sport = 1, dport = 1, ttl = 1, seq_cnt = 1, seqCnt = 1,
                       prime = 1, dump = 1}
        if not known[k] then error("set does not support " .. tostring(k), 2) end
        if tonumber(v) == nil then error("set: bad argument #3 (number expected)", 2) end
        if k == "size" then v = math.max(64, math.min(1518, integer("set size", v))) end
        single[k] = tonumber(v)
    end,
    set_range = function(...)
        args("set_range", 2, ...)
        local p, v = ...
        port_of("set_range", p)
        local on = ({on = true, enable = true, start = true})[tostring(v):lower()] or false
        if on and sending then
            say("Cannot enable the range settings while sending packets!")
            check(false, "set_range on while sending: 24.07.1 refuses")
            return
        end
        range_on = on
    end,
    clr = function() live.tx, live.rx, last_tx = 0, 0, 0; shown.opackets, shown.ipackets = 0, 0 end,
    start = function(...)
        args("start", 1, ...)
        port_of("start", ...)
        sending = true
        calls[#calls + 1] = "start"
    end,
    stop = function(...)
        args("stop", 1, ...)
        port_of("stop", ...)
        sending = false
        calls[#calls + 1] = "stop"
    end,
    quit = function() quit = true end,
    delay = function(...)
        args("delay", 1, ...)
        local ms = integer("delay", ...)
        t_ms = t_ms + ms
        if sending then
            live.tx = live.tx + RATE * ms // 1000
            live.rx = live.tx
        end
        refresh()
    end,
    portStats = function(...)
        args("portStats", 2, ...)
        local p, kind = ...
        port_of("portStats", p)
        if kind == "rate" then
            return {[0] = {pkts_tx = shown.tx_rate, pkts_rx = shown.rx_rate, opackets = 0,
                           ipackets = 0}, n = 1}
        end
        return {[0] = {opackets = shown.opackets, ipackets = shown.ipackets, obytes = 0,
                       ibytes = 0, ierrors = 0, oerrors = 0, imissed = 0, rx_nombuf = 0}, n = 1}
    end,
    load = function(...)
        args("load", 1, ...)
        local path = ...
        say("")
        say("Executing '%s'", path)
        if path:find(".lua", 1, true) or path:find(".LUA", 1, true) then
            local ok, err = pcall(dofile, path)
            if not ok then error("load command failed for " .. path .. ": " .. tostring(err), 2) end
            return
        end
        local f = io.open(path, "r")
        if not f then error("load command failed for " .. path, 2) end
        for line in f:lines() do cli_line(line) end
        f:close()
    end,
    save = function(...)
        args("save", 1, ...)
        local path = ...
        local f = assert(io.open(path, "w"))
        if path:lower():find(".lua", 1, true) then
            f:write("-- Lua form of pktgen.save(): it holds no range TCP flags\n")
        else
            f:write("range 0 proto ", range.ip_proto or "tcp", "\n")
            f:write("range 0 tcp flag clr all\n")
            for _, fl in ipairs(FLAG_ORDER) do
                if tcp_flags & FLAG[fl] ~= 0 then f:write("range 0 tcp flag set ", fl, "\n") end
            end
        end
        f:close()
    end,
    range = {
        set_type = function(...)
            args("range.set_type", 2, ...)
            local p, v = ...
            port_of("range.set_type", p)
            check(v == "ipv4" or v == "ipv6", "range.set_type '%s'", tostring(v))
            range.set_type = v
        end,
        ip_proto = function(...)
            args("range.ip_proto", 2, ...)
            local p, v = ...
            port_of("range.ip_proto", p)
            check(v == "udp" or v == "tcp" or v == "icmp",
                  "range.ip_proto '%s' (24.07.1 makes it TCP)", tostring(v))
            range.ip_proto = v
        end,
        dst_mac = range_setter("dst_mac", mac_value),
        src_mac = range_setter("src_mac", mac_value),
        dst_ip = range_setter("dst_ip", ip_value),
        src_ip = range_setter("src_ip", ip_value),
        dst_port = range_setter("dst_port", port_value),
        src_port = range_setter("src_port", port_value),
        ttl = range_setter("ttl", ttl_value),
        pkt_size = range_setter("pkt_size", size_value),
    },
}

-- /proc/self/cmdline: Pktgen's command line as the recipe gives it.
local real_open = io.open
local cmdline = table.concat({"pktgen", "-l", "0-2", "-n", "4", "--no-pci", "--file-prefix", "pg",
                              "--vdev", vdev, "--", "-P", "-m", "[1:2].0", "-f", script}, "\0")
    .. "\0"
io.open = function(path, mode)
    if path == "/proc/self/cmdline" then
        local tmp = os.tmpname()
        local f = assert(real_open(tmp, "wb"))
        f:write(cmdline)
        f:close()
        f = real_open(tmp, mode)
        os.remove(tmp)
        return f
    end
    return real_open(path, mode)
end

print = function(...) out[#out + 1] = table.concat({...}, "\t") end
local ok, err = pcall(dofile, script)
print = real_print
io.open = real_open
local text = table.concat(out, "\n")
io.write(text, "\n")
check(ok, "the script raised: %s", tostring(err))
check(quit, "pktgen.quit() was not called")
check(not sending, "the port was left sending")
check(#invalid_lines == 0, "Pktgen 24.07.1 refuses %d CLI line(s): %s", #invalid_lines,
      table.concat(invalid_lines, " | "))

local results = {}
for line in text:gmatch("[^\n]+") do
    if line:find("RESULT " .. name .. " ", 1, true) == 1 then results[#results + 1] = line end
end

if vhost_hazard and name == "syn-flood" then
    -- Without legacy-ol-flags=1 every SYN would reach weir with a bad IPv4
    -- length: the script must stop before sending.
    check(text:find("syn-flood: error:", 1, true) and text:find("legacy-ol-flags=1", 1, true),
          "syn-flood did not refuse --vdev %s", vdev)
    check(#calls == 0 or calls[1] ~= "start", "syn-flood started the port anyway")
    check(#results == 0, "%d RESULT lines, want none", #results)
    if failures > 0 then os.exit(1) end
    print("ok: " .. name .. " refuses " .. vdev)
    return
end

check(not text:find(name .. ": error:", 1, true), "the script reported an error")
check(range_on, "range mode not on")
if vhost_hazard then
    check(text:find("warning: --vdev " .. vdev, 1, true), "no warning about --vdev %s", vdev)
end

-- What weir's benchmark needs from every script.
local function want(field, which, v)
    local got = range[field] and range[field][which]
    check(got == v, "range %s %s = %s, want %s", field, which, tostring(got), tostring(v))
end
want("dst_mac", "start", "02:77:65:69:72:01")
want("dst_ip", "start", "198.18.1.1")
want("dst_ip", "inc", "0.0.0.0")
want("dst_port", "start", 80)
want("dst_port", "inc", 0)
want("src_ip", "start", "198.18.128.1")
want("src_ip", "inc", "0.0.0.1")
want("src_port", "min", 1024)
want("src_port", "inc", 1)
want("src_mac", "start", "56:48:4F:53:54:00")
want("pkt_size", "inc", 0)
check(single.count == 0, "single count %s, want 0 (until stopped)", tostring(single.count))

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
    check(tcp_flags == FLAG.syn, "range tcp flags 0x%02x, want SYN only (0x02)", tcp_flags)
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
