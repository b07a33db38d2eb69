-- weir-common.lua: what weir's Pktgen scripts share. Each script loads it
-- from its own directory and calls it with its settings:
--   local C = dofile(DIR .. "weir-common.lua"){port = 0, link_wait_s = 60, ...}
-- Pktgen-DPDK 24.x API (checked against 24.07.1): pktgen.set, pktgen.range.*,
-- pktgen.start/stop, pktgen.portStats. tests/pktgen/check.lua runs the
-- scripts on a mock of it that holds them to 24.07.1's arities and grammar.

return function(cfg)
    local C = {}
    local PORT = cfg.port
    local P = tostring(PORT)                -- Pktgen port lists are strings: "0", "0-1", "all"
    C.P = P

    function C.say(fmt, ...) print(string.format(fmt, ...)) end
    local say = C.say

    function C.ip2n(s)
        local a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
        assert(a, "not an IPv4 address: " .. s)
        return ((tonumber(a) * 256 + tonumber(b)) * 256 + tonumber(c)) * 256 + tonumber(d)
    end

    function C.n2ip(n)
        return string.format("%d.%d.%d.%d", n // 16777216 % 256, n // 65536 % 256,
                             n // 256 % 256, n % 256)
    end

    function C.gcd(a, b)
        while b ~= 0 do a, b = b, a % b end
        return a
    end

    function C.stats(kind) return pktgen.portStats(P, kind)[PORT] end
    local stats = C.stats

    local function wait_link()
        for _ = 1, cfg.link_wait_s * 10 do
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
    function C.measure(seconds)
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

    -- Pktgen 24.07.1 marks its TCP and UDP frames for L4 checksum offload
    -- whenever the port offers it, without the header lengths (mbuf l2_len and
    -- l3_len stay 0). A net_vhost port offers it unless started with
    -- legacy-ol-flags=1, and the vhost library then writes the pseudo-header
    -- sum at offset 16 of a TCP frame (the IPv4 total length: weir drops the
    -- frame as ipv4_trunc, ipv4_bad_len or ipv4_bad_csum) and at offset 6 of a
    -- UDP frame (the source MAC). The net_vhost devargs on Pktgen's command
    -- line that lack legacy-ol-flags=1 (Linux: /proc/self/cmdline).
    function C.vhost_offload_hazards()
        local bad = {}
        local f = io.open("/proc/self/cmdline", "rb")
        if not f then return bad end
        local argv = f:read("a") or ""
        f:close()
        for arg in argv:gmatch("[^\0]+") do
            local dev = arg:match("(net_vhost.*)$")
            if dev and not ("," .. dev .. ","):find(",legacy-ol-flags=1,", 1, true) then
                bad[#bad + 1] = dev
            end
        end
        return bad
    end

    -- Stop (fatal: raise) or warn when a net_vhost port would corrupt the frames.
    function C.check_vhost(what, fatal)
        for _, dev in ipairs(C.vhost_offload_hazards()) do
            local msg = string.format("--vdev %s: without legacy-ol-flags=1 the vhost port " ..
                                      "rewrites bytes of Pktgen's %s frames (see README.md)",
                                      dev, what)
            if fatal then error(msg, 0) end
            say("warning: %s", msg)
        end
    end

    -- Reset the port, say who we are, wait for the link: the port's MAC (or nil).
    function C.begin()
        pktgen.screen("off")                -- keep the printed results readable
        pktgen.reset(P)                     -- defaults, range off, stats cleared
        local src_mac = pktgen.pktStats(P)[PORT].mac_addr
        say("%s, port %d MAC %s (weir's ports[].neighbors[].mac)", pktgen.info.Pktgen_Version,
            PORT, tostring(src_mac))
        local link = wait_link()
        say("link: %s", link or "still down, starting anyway")
        return src_mac
    end

    -- IPv4 `proto` frames to cfg.weir_mac / cfg.vip:cfg.vip_port in range mode,
    -- the source address and port stepping together over cfg.src_ip_first ..
    -- + src_ip_count - 1 and cfg.src_port_first .. + src_port_count - 1.
    -- Returns the first and last source address (numbers) and the last port.
    function C.setup_range(proto, src_mac)
        local first = C.ip2n(cfg.src_ip_first)
        local last = first + cfg.src_ip_count - 1
        local last_port = cfg.src_port_first + cfg.src_port_count - 1
        assert(last_port <= 65534, "last source port must be <= 65534")
        pktgen.set_type(P, "ipv4")
        pktgen.set_proto(P, proto)
        pktgen.set(P, "count", 0)           -- 0 = send until stopped
        pktgen.set(P, "rate", cfg.rate_pct)
        pktgen.range.set_type(P, "ipv4")
        pktgen.range.ip_proto(P, proto)
        for _, w in ipairs({"start", "min", "max"}) do
            pktgen.range.dst_mac(P, w, cfg.weir_mac)
            if src_mac then pktgen.range.src_mac(P, w, src_mac) end
            pktgen.range.dst_ip(P, w, cfg.vip)
            pktgen.range.dst_port(P, w, cfg.vip_port)
            pktgen.range.ttl(P, w, 64)
        end
        pktgen.range.dst_mac(P, "inc", "00:00:00:00:00:00")
        pktgen.range.src_mac(P, "inc", "00:00:00:00:00:00")
        pktgen.range.dst_ip(P, "inc", "0.0.0.0")
        pktgen.range.dst_port(P, "inc", 0)
        pktgen.range.pkt_size(P, "inc", 0)
        pktgen.range.ttl(P, "inc", 0)
        pktgen.range.src_ip(P, "start", C.n2ip(first))
        pktgen.range.src_ip(P, "min", C.n2ip(first))
        pktgen.range.src_ip(P, "max", C.n2ip(last))
        pktgen.range.src_ip(P, "inc", "0.0.0.1")
        pktgen.range.src_port(P, "start", cfg.src_port_first)
        pktgen.range.src_port(P, "min", cfg.src_port_first)
        pktgen.range.src_port(P, "max", last_port)
        pktgen.range.src_port(P, "inc", 1)
        return first, last, last_port
    end

    -- Pktgen paces range traffic with the single packet's size: keep both equal.
    function C.set_size(size)
        pktgen.set(P, "size", size)
        for _, w in ipairs({"start", "min", "max"}) do pktgen.range.pkt_size(P, w, size) end
    end

    -- Print a RESULT line (and append it to cfg.result_file if set).
    function C.result(line, m)
        say("%s", line)
        if not m.synced then
            say("warning: no stats refresh seen; the window length is approximate")
        end
        if m.tx > 0 and m.rx < m.tx / 2 then
            say("warning: less than half of what was sent came back: see weir's drops " ..
                "by reason (weirctl stats)")
        end
        if cfg.result_file then
            local f = assert(io.open(cfg.result_file, "a"))
            f:write(line, "\n")
            f:close()
        end
    end

    -- Run main; whatever happens, stop, print the port's counters (after
    -- summary(), if given) and quit if cfg.quit_when_done.
    function C.run(name, main, summary)
        local ok, err = pcall(main)
        if not ok then say("%s: error: %s", name, tostring(err)) end
        pktgen.stop(P)
        pktgen.delay(1500)                  -- drain, and let the counters refresh once more
        if summary then summary() end
        local s = stats("port")
        say("port %d since the last clear: rx %d pkts %d bytes, tx %d pkts %d bytes, " ..
            "ierrors %d, oerrors %d, imissed %d, rx_nombuf %d", PORT, s.ipackets, s.ibytes,
            s.opackets, s.obytes, s.ierrors, s.oerrors, s.imissed, s.rx_nombuf)
        if cfg.quit_when_done then pktgen.quit() end
    end

    return C
end
