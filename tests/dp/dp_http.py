"""Packet fixtures of "protocol": "http" services (dp.py runs them): weir on
a tap port, driven frame by frame by the test, which plays the client and
the backend; every frame weir sends is compared byte for byte with one
built here, and the counters are accounted for exactly.

  http-404        a whole connection weir answers itself: cookie handshake,
                  a request no route matches, weir's 404 retransmitted
                  after 1 s, its FIN, the close
  http-splice     a routed request: weir asks for the backend's MAC, opens
                  the backend leg with weir's own ISN and the client's options, sends
                  the rewritten head, then splices (seq, ack, windows and
                  SACK translated) until both FINs; an old segment re-ACKed
  http-pipelined  IPv6: two requests in one segment, two rewritten heads
                  (the second once the first is ACKed), responses back
  http-smuggling  Content-Length with Transfer-Encoding, in either order:
                  400, close, and never a frame towards a backend
"""
import calendar
import json
import os
import re
import time

D = None  # the dp module (scenarios())
wt = None

ADV_MSS = 1460   # the MSS of weir's cookie SYN-ACK (no mss_clamp)
BK_API = '198.18.0.11'
API_HOST = 'api.example'


def scenarios(dp):
    global D, wt
    D, wt = dp, dp.wt
    return {'http-404': http_404, 'http-splice': http_splice,
            'http-pipelined': http_pipelined, 'http-smuggling': http_smuggling}


def http_config(neighbors=True):
    """web (VIP4:80, pool web4), web6 (VIP6:80, pool web6), noroute
    (VIP4:81, no pool: 404 unless the host is api.example); one cookie
    secret for all (sp_cookie() computes their cookies)."""
    common = {'protocol': 'http', 'scheduler': 'rr'}
    cfg = D.l4_config(
        cookie_secret=D.SP_SECRET,
        pools=[{'name': 'web4', 'backends': [{'address': D.BK4, 'port': 8080}]},
               {'name': 'web6', 'backends': [{'address': D.BK6, 'port': 8080}]},
               {'name': 'api4', 'backends': [{'address': BK_API, 'port': 8080}]}],
        services=[dict(common, name='web', vip=D.VIP4, port=80, pool='web4',
                       local_ips=[D.LOCAL4], routes=[{'host': API_HOST, 'pool': 'api4'}]),
                  dict(common, name='web6', vip=D.VIP6, port=80, pool='web6',
                       local_ips=[D.LOCAL6]),
                  dict(common, name='noroute', vip=D.VIP4, port=81, local_ips=[D.LOCAL4],
                       routes=[{'host': API_HOST, 'pool': 'api4'}])])
    port = dict(D.L4_PORT)
    if not neighbors:
        port = {'neighbors': [n for n in D.L4_PORT['neighbors'] if n['address'] != D.BK4]}
    return cfg, port


# --- the live driver ------------------------------------------------------------

class Live:
    """weir on a tap port, as run_live(), driven step by step: step() sends
    frames and returns weir's next n frames, after a quiet spell that shows
    nothing more comes, with rx, tx and drops accounted for (every drop
    reason not expected is 0) and every checksum recomputed by scapy."""

    def __init__(self, name, cfg, port_extra):
        self.name, self.cfg, self.port_extra = name, cfg, port_extra

    def __enter__(self):
        tap, ns = 'wdp%d' % os.getpid(), 'weir-dp-%d' % os.getpid()
        self.w = wt.Weir('dp-' + self.name)
        self.w.__enter__()
        cfg = D.config('net_tap0,iface=' + tap)
        cfg.update(self.cfg)
        cfg['ports'][0].update(self.port_extra)
        self.w.configure(cfg)
        self.w.start()
        self.peer = wt.TapPeer(tap, ns)
        self.peer.__enter__()
        self.peer.recv(quiet=0.3)
        base = self.w.ctl('stats')['total']
        self.rx, self.tx, self.drops = base['rx'], base['tx'], dict(base['drops'])
        self.t_last = None
        self.again, self.bmac = set(), bytes.fromhex(D.BMAC.replace(':', ''))
        self.rtx = {'http_rtx_backend': 0, 'http_rtx_client': 0}
        return self

    def unacked(self, *frames):
        """These frames are unACKed from now: their copies are retransmissions
        (see step()); none of them once nothing is."""
        self.again = set(frames)

    def __exit__(self, *exc):
        self.peer.__exit__(*exc)
        try:
            if exc[0] is None:
                self.w.stop()  # exit 0 on SIGTERM, no mbuf left out
        finally:
            self.w.__exit__(*exc)

    def step(self, frames, n, what, timeout=5.0, quiet=0.3, drops=None, rtx=False):
        self.peer.send(frames)
        self.rx += len(frames)
        for why, k in (drops or {}).items():
            self.drops[why] = self.drops.get(why, 0) + k
        # A segment weir still retransmits (its timer may beat the test's
        # answer) is taken out and counted: only exact copies are. With
        # rtx, a copy of a frame of this step is one too.
        got, again, deadline = [], [], time.time() + timeout

        def take(frames):
            for g in frames:
                (again if g in self.again or (rtx and g in got) else got).append(g)

        while len(got) < n and time.time() < deadline:
            take(self.peer.recv(quiet=0.02, limit=1))
        self.t_last = time.time()
        take(self.peer.recv(quiet=quiet))
        wt.check(len(got) == n, '%s: %d frames from weir, want %d:\n%s' %
                 (what, len(got), n, '\n'.join(D.Ether(g).summary() for g in got)))
        self.tx += n
        n_drops = sum(self.drops.values())
        deadline = time.time() + 20
        while True:
            for g in again:
                self.rtx['http_rtx_backend' if g[:6] == self.bmac else 'http_rtx_client'] += 1
            self.tx += len(again)
            st = self.w.ctl('stats')
            t = st['total']
            if t['rx'] == self.rx and t['tx'] + t['dropped'] == self.tx + n_drops:
                break
            wt.check(time.time() < deadline, '%s: frames not accounted for; stats %s' %
                     (what, json.dumps(t)))
            # A retransmission weir sent after the quiet spell (a loaded
            # machine read the counters late): taken if it is one.
            got_late, again = [], []
            for g in self.peer.recv(quiet=0.05):
                (again if g in self.again or (rtx and g in got) else got_late).append(g)
            wt.check(not got_late, '%s: more frames from weir:\n%s' %
                     (what, '\n'.join(D.Ether(g).summary() for g in got_late)))
            time.sleep(0.02)
        wt.expect_counters(st, {'total': {'tx': self.tx, 'drops': wt.only(self.drops)}}, what)
        for g in got:
            D.verify_checksums(g)
        return got

    def resolve(self, ip, mac):
        """weir asks for backend ip by itself (control, once a second while
        unresolved): its request is exact (from the local address, padded
        to 60 bytes); answered as the backend at mac, which weir then uses.
        Counters are taken afresh (how many requests went before the peer
        listened is not the test's)."""
        want = D.raw(D.Ether(dst='ff:ff:ff:ff:ff:ff', src=D.MAC) /
                     D.ARP(op=1, hwsrc=D.MAC, psrc=D.LOCAL4, hwdst='00:00:00:00:00:00', pdst=ip) /
                     D.Padding(load=b'\0' * 18))
        got, deadline = [], time.time() + 5
        while not got and time.time() < deadline:
            got = self.peer.recv(quiet=0.02, limit=1)
        wt.check(len(got) == 1, 'weir did not ask for %s' % ip)
        same(got[0], want, 'weir\'s ARP request for %s' % ip)
        self.peer.send([D.neigh_arp(2, mac, psrc=ip)])
        deadline = time.time() + 5
        while time.time() < deadline:
            macs = {b['address']: b['mac'] for x in self.w.ctl('services')['services']
                    for b in x['backends']}
            if (macs.get(ip) or '').lower() == mac:
                break
            time.sleep(0.05)
        wt.check((macs.get(ip) or '').lower() == mac, '%s at %s, want %s' % (ip, macs.get(ip), mac))
        wt.check(self.peer.recv(quiet=0.3) == [], 'weir sent more than its ARP request')
        # A reply is no frame to answer: dropped as arp_ignored once its
        # news went to control.
        self.drops['arp_ignored'] = self.drops.get('arp_ignored', 0) + 1
        st = self.w.ctl('stats')
        wt.expect_counters(st, {'total': {'drops': wt.only(self.drops)}}, 'ARP reply taken')
        self.rx, self.tx = st['total']['rx'], st['total']['tx']

    def counters(self, want, what):
        """The worker's counters, exactly: want maps name to value;
        retransmissions are the ones step() saw, unless want names them."""
        want = dict(self.rtx, **want)
        st = self.w.ctl('stats')
        wt.expect_counters(st, {'workers': {0: want}}, what)
        return st


def same(got, want, what):
    """got must be want (or one of a tuple of wants), byte for byte."""
    alts = want if isinstance(want, tuple) else (want,)
    if got in alts:
        return alts.index(got)
    w = alts[0]
    at = next((i for i in range(min(len(got), len(w))) if got[i] != w[i]), min(len(got), len(w)))
    wt.fail('%s differs (first at byte %d of %d/%d):\n got  %s\n want %s\n got  %s\n want %s' %
            (what, at, len(got), len(w), D.Ether(got).summary(), D.Ether(w).summary(),
             got.hex(), w.hex()))


# --- frames ---------------------------------------------------------------------

def made(src, dst, sport, dport, flags, seq, ack, win, data=b'', options=None, dmac=None):
    """A segment weir makes up: fresh IP header (TTL 64, ID 0)."""
    ipl = D.ip_of(src, dst, **({'ttl': 64, 'id': 0} if ':' not in src else {'hlim': 64}))
    f = D.Ether(dst=dmac or D.CMAC, src=D.MAC) / ipl / D.TCP(
        sport=sport, dport=dport, flags=flags, seq=seq & 0xffffffff, ack=ack & 0xffffffff,
        window=win, options=options or [])
    return D.raw(f / data) if data else D.raw(f)


def cli(src, dst, sport, dport, flags, seq, ack=0, **kw):
    """A segment of the client (or the backend, smac=BMAC) to weir."""
    return D.tcp(src, dst, sport, dport, flags, seq=seq & 0xffffffff, ack=ack & 0xffffffff, **kw)


def fwd(src, dst, sport, dport, flags, seq, ack, to_backend, **kw):
    """A segment weir forwards: the sender's IP header, addresses rewritten."""
    return D.tcp(src, dst, sport, dport, flags, seq=seq & 0xffffffff, ack=ack & 0xffffffff,
                 dmac=D.BMAC if to_backend else D.CMAC, smac=D.MAC, **kw)


def payload(frame):
    p = D.Ether(frame)[D.TCP].payload
    return bytes(p) if not isinstance(p, D.NoPayload) else b''


def handshake(lv, c, v, sport, dport, isn, mss, ws, sack, win=502, adv=ADV_MSS, ack=True):
    """The client's SYN, weir's cookie SYN-ACK (exact: the cookie computed
    here), the client's ACK (no answer: weir's endpoint takes it; with
    ack False, the caller's next segment is the cookie's ACK): the
    cookie."""
    t = D.sp_t()
    got = lv.step([cli(c, v, sport, dport, 'S', isn, window=64240,
                       options=D.sp_syn_opts(mss, sack, ws))], 1, 'SYN %s' % c)
    alts = D.sp_synack(c, v, sport, dport, isn, t, mss, ws, sack, adv)
    k, _ = D.sp_cookie(c, v, sport, dport, isn, t + same(got[0], alts, 'cookie SYN-ACK'),
                       mss, ws, sack)
    if ack:
        lv.step([cli(c, v, sport, dport, 'A', isn + 1, k + 1, window=win)], 0, 'cookie ACK')
    return k


IMF = re.compile(rb'^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug'
                 rb'|Sep|Oct|Nov|Dec) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$')


def answer(status, reason, error, date):
    body = b'{"error": "%s"}' % error.encode()
    return (b'HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: application/json\r\n'
            b'Content-Length: %d\r\nConnection: close\r\n\r\n' % (status, reason.encode(), date,
                                                                 len(body))) + body


def answer_of(frame, status, reason, error):
    """weir's answer as it must be, with the Date weir wrote, which must be
    an IMF-fixdate (RFC 9110 5.6.7) within a few seconds of now."""
    data = payload(frame)
    m = re.search(rb'\r\nDate: ([^\r]*)\r\n', data)
    wt.check(m is not None, 'no Date in weir\'s answer %r' % data)
    date = m.group(1)
    f = IMF.match(date)
    wt.check(f is not None, 'Date %r is not an IMF-fixdate' % date)
    tm = time.strptime(date.decode(), '%a, %d %b %Y %H:%M:%S GMT')
    when = calendar.timegm(tm)
    wt.check(abs(when - time.time()) < 5 and time.strftime('%a', time.gmtime(when)) ==
             f.group(1).decode(), 'Date %r: %d s from now, or a wrong weekday' %
             (date, when - time.time()))
    return answer(status, reason, error, date)


def refused(lv, c, v, sport, dport, isn, k, req, status, reason, error, win):
    """A request weir answers itself, after its handshake: weir's ACK and its
    answer (window win: the head buffer's room), the client's ACK, weir's
    FIN, the client's FIN and weir's last ACK. The answer's length."""
    n = len(req)
    got = lv.step([cli(c, v, sport, dport, 'PA', isn + 1, k + 1, data=req)], 2,
                  '%d: the request' % status, rtx=True)
    same(got[0], made(v, c, dport, sport, 'A', k + 1, isn + 1 + n, win), 'weir\'s ACK')
    resp = answer_of(got[1], status, reason, error)
    same(got[1], made(v, c, dport, sport, 'PA', k + 1, isn + 1 + n, win, resp), 'the answer')
    lv.unacked(got[1])
    r = len(resp)
    got = lv.step([cli(c, v, sport, dport, 'A', isn + 1 + n, k + 1 + r)], 1, 'answer ACKed')
    lv.unacked()
    same(got[0], made(v, c, dport, sport, 'FA', k + 1 + r, isn + 1 + n, win), 'weir\'s FIN')
    got = lv.step([cli(c, v, sport, dport, 'FA', isn + 1 + n, k + 2 + r)], 1, 'client FIN')
    same(got[0], made(v, c, dport, sport, 'A', k + 2 + r, isn + 2 + n, win), 'weir\'s last ACK')
    return resp, got


def rewritten(head_lines, client, rid, via_line=None):
    """The head weir sends the backend: the original lines (Proxy-Connection
    gone, an existing Via appended to), then X-Forwarded-For, -Proto,
    X-Request-Id and Via, in that order, when not there before."""
    out = [ln for ln in head_lines if not ln.lower().startswith(b'proxy-connection:')]
    added = [b'X-Forwarded-For: ' + client.encode(), b'X-Forwarded-Proto: http']
    if rid is not None:  # None: the client's own
        added.append(b'X-Request-Id: ' + rid)
    if via_line is None:
        added.append(b'Via: 1.1 weir')
    else:
        out = [ln + b', 1.1 weir' if ln == via_line else ln for ln in out]
    return b'\r\n'.join(out + added) + b'\r\n\r\n'


def request_id(frame):
    m = re.search(rb'\r\nX-Request-Id: ([^\r]*)\r\n', payload(frame))
    wt.check(m is not None and re.fullmatch(rb'[0-9a-f]{32}', m.group(1)) is not None,
             'X-Request-Id of the prefix: %r' % (m and m.group(1)))
    return m.group(1)


# --- scenarios ------------------------------------------------------------------

def http_404():
    """noroute (no pool): a request for another host gets weir's 404; not
    ACKed, it goes again 1 s later, the same bytes; ACKed, weir's FIN; the
    client's FIN gets weir's last ACK, and then nothing. The client offers
    only an MSS: weir's window is the head buffer's room, unscaled."""
    t0 = time.time()
    cfg, port = http_config()
    c, v, sport, isn = D.CLI4, D.VIP4, 40404, 0x11223344
    req = b'GET /x HTTP/1.1\r\nHost: www.example\r\nAccept: */*\r\n\r\n'
    win = 8192 - len(req)  # head_max less what the buffer holds
    with Live('http-404', cfg, port) as lv:
        k = handshake(lv, c, v, sport, 81, isn, 1460, None, False)
        n = len(req)
        got = lv.step([cli(c, v, sport, 81, 'PA', isn + 1, k + 1, data=req)], 2, 'the request')
        t_ans = lv.t_last
        same(got[0], made(v, c, 81, sport, 'A', k + 1, isn + 1 + n, win), 'weir\'s ACK')
        resp = answer_of(got[1], 404, 'Not Found', 'no route')
        want = made(v, c, 81, sport, 'PA', k + 1, isn + 1 + n, win, resp)
        same(got[1], want, 'the 404')
        lv.counters({'http_conns': 1, 'http_heads': 1, 'http_404': 1, 'http_answers': 1,
                     'http_rtx_client': 0, 'http_routed': 0}, 'after the 404')
        # Not ACKed: the same segment again after the RTO (1 s).
        got = lv.step([], 1, 'the retransmission', timeout=3)
        dt = lv.t_last - t_ans
        wt.check(0.8 <= dt <= 1.6, 'the 404 went again %.2f s after, want 1 s' % dt)
        same(got[0], want, 'the 404 retransmitted')
        r = len(resp)
        got = lv.step([cli(c, v, sport, 81, 'A', isn + 1 + n, k + 1 + r)], 1, 'answer ACKed')
        same(got[0], made(v, c, 81, sport, 'FA', k + 1 + r, isn + 1 + n, win), 'weir\'s FIN')
        got = lv.step([cli(c, v, sport, 81, 'FA', isn + 1 + n, k + 2 + r)], 1, 'client FIN',
                      quiet=2.5)  # then silence: no retransmission, no RST
        same(got[0], made(v, c, 81, sport, 'A', k + 2 + r, isn + 2 + n, win), 'weir\'s last ACK')
        lv.counters({'http_conns': 1, 'http_heads': 1, 'http_404': 1, 'http_answers': 1,
                     'http_rtx_client': 1, 'http_routed': 0, 'http_spliced': 0, 'http_400': 0,
                     'http_resets': 0, 'http_header_timeouts': 0, 'http_rtx_backend': 0,
                     'syn_cookies_sent': 1, 'syn_cookies_ok': 1, 'syn_cookies_bad': 0},
                    'http-404 counters')
        hits = {(s['service'], r['host'], r.get('answer')): r['hits']
                for s in lv.w.ctl('routes')['services'] for r in s['routes']}
        wt.check(hits[('noroute', '*', 404)] == 1 and hits[('noroute', API_HOST, None)] == 0,
                 'weirctl routes: %s' % hits)
    print('ok: http-404 (%.1f s)' % (time.time() - t0))


def sack(*edges):
    return [('NOP', None), ('NOP', None), ('SAck', tuple(e & 0xffffffff for e in edges))]


RESP = b'HTTP/1.1 200 OK\r\nContent-Length: 12\r\nContent-Type: text/plain\r\n\r\nhello, weir\n'


def http_splice():
    """A routed request on web (pool web4), BK4 without a static
    neighbour: weir's ACK of the head and its request for BK4's MAC; once
    answered, the SYN to the backend (local IP, a local port weir owns,
    weir's own ISN (RFC 6528), the client's window in bytes, MSS/SACK/wscale
    from the cookie);
    the backend's SYN-ACK brings weir's prefix, the rewritten head (exact,
    its X-Request-Id read from the frame); then the splice both ways: seq
    and ack moved by the head's growth and the ISNs' difference, windows
    re-scaled (backend 9, weir 7), SACK edges moved; the request sent
    again is ACKed by weir itself; FINs both ways."""
    t0 = time.time()
    cfg, port = http_config(neighbors=False)
    c, v, sport, c0, b0 = D.CLI4, D.VIP4, 40000, 1000000, 0xfffff000
    lines = [b'GET /index.html?q=1 HTTP/1.1', b'Host: web.example', b'User-Agent: dp',
             b'Proxy-Connection: keep-alive', b'Via: 1.0 edge', b'Accept: */*']
    req = b'\r\n'.join(lines) + b'\r\n\r\n'
    n, R = len(req), len(RESP)
    win = (8192 - n) >> 7
    with Live('http-splice', cfg, port) as lv:
        lv.resolve(D.BK4, D.BMAC)
        k = handshake(lv, c, v, sport, 80, c0, 1460, 7, True)
        got = lv.step([cli(c, v, sport, 80, 'PA', c0 + 1, k + 1, window=502, data=req)], 2,
                      'the request', rtx=True)
        same(got[0], made(v, c, 80, sport, 'A', k + 1, c0 + 1 + n, win), 'weir\'s ACK')
        lport = D.Ether(got[1])[D.TCP].sport
        # One worker: every local port from 1024 up is its own (probes speak
        # from PROBE0 up).
        wt.check(1024 <= lport < D.PROBE0, 'local port %d' % lport)
        # weir's own ISN to the backend (RFC 6528: a clock and a hash), so
        # that a port the backend still holds in TIME-WAIT takes the SYN.
        s0 = D.Ether(got[1])[D.TCP].seq
        same(got[1], made(D.LOCAL4, D.BK4, lport, 8080, 'S', s0, 0, 502 << 7,
                          options=D.sp_syn_opts(1460, True, 7), dmac=D.BMAC),
             'the SYN to the backend')
        lv.unacked(got[1])
        bk = lambda *a, **kw: cli(D.BK4, D.LOCAL4, 8080, lport, *a, smac=D.BMAC, **kw)  # noqa
        got = lv.step([bk('SA', b0, s0 + 1, window=65160,
                          options=[('MSS', 1460), ('SAckOK', b''), ('WScale', 9)])],
                      1, 'the backend\'s SYN-ACK', rtx=True)
        rw = rewritten(lines, c, request_id(got[0]), via_line=b'Via: 1.0 edge')
        same(got[0], made(D.LOCAL4, D.BK4, lport, 8080, 'PA', s0 + 1, b0 + 1, 502, rw,
                          dmac=D.BMAC), 'weir\'s prefix')
        lv.unacked(got[0])  # weir sends it again 200 ms later, 400 ms after...
        # The ISNs' difference and the head's growth: client seq + g = the backend's.
        g = s0 - c0 + len(rw) - n
        d = k - b0       # backend seq + d = the client's view
        # The response ACKs the prefix and SACKs bytes beyond it (backend's view).
        got = lv.step([bk('PA', b0 + 1, c0 + 1 + n + g, window=1000, data=RESP,
                          options=sack(c0 + 1 + n + g + 100, c0 + 1 + n + g + 200))],
                      1, 'the response')
        same(got[0], fwd(v, c, 80, sport, 'PA', b0 + 1 + d, c0 + 1 + n, False, window=4000,
                         data=RESP, options=sack(c0 + 1 + n + 100, c0 + 1 + n + 200)),
             'the response to the client')
        lv.unacked()
        # The request again (as if weir's ACK were lost): weir ACKs it
        # itself, at the backend's next byte in the client's space.
        got = lv.step([cli(c, v, sport, 80, 'PA', c0 + 1, k + 1, window=502, data=req)], 1,
                      'the request again')
        same(got[0], made(v, c, 80, sport, 'A', k + 1 + R, c0 + 1 + n, 4000),
             'weir\'s ACK of an old segment')
        got = lv.step([cli(c, v, sport, 80, 'A', c0 + 1 + n, k + 1 + R, window=502,
                           options=sack(k + 1000, k + 2000))], 1, 'the client\'s ACK')
        same(got[0], fwd(D.LOCAL4, D.BK4, lport, 8080, 'A', c0 + 1 + n + g, b0 + 1 + R, True,
                         window=502, options=sack(b0 + 1000, b0 + 2000)),
             'the client\'s ACK to the backend')
        got = lv.step([bk('FA', b0 + 1 + R, c0 + 1 + n + g, window=1000)], 1, 'backend FIN')
        same(got[0], fwd(v, c, 80, sport, 'FA', k + 1 + R, c0 + 1 + n, False, window=4000),
             'the backend\'s FIN to the client')
        got = lv.step([cli(c, v, sport, 80, 'FA', c0 + 1 + n, k + 2 + R, window=502)], 1,
                      'client FIN')
        same(got[0], fwd(D.LOCAL4, D.BK4, lport, 8080, 'FA', c0 + 1 + n + g, b0 + 2 + R, True,
                         window=502), 'the client\'s FIN to the backend')
        got = lv.step([bk('A', b0 + 2 + R, c0 + 2 + n + g, window=1000)], 1, 'last ACK')
        same(got[0], fwd(v, c, 80, sport, 'A', k + 2 + R, c0 + 2 + n, False, window=4000),
             'the backend\'s last ACK to the client')
        lv.counters({'http_conns': 1, 'http_heads': 1, 'http_heads_later': 0, 'http_routed': 1,
                     'http_spliced': 1, 'http_answers': 0, 'http_bytes_b2c': R,
                     'http_bytes_c2b': 0,
                     'http_ooo': 0, 'http_old_segments': 1}, 'http-splice counters')
        svcs = {x['name']: x for x in lv.w.ctl('services')['services']}
        wt.expect_counters(svcs, {'web': {'backends': {0: {'conns_total': 1}}}},
                           'the backend connection')
        rtx = dict(lv.rtx)
    print('ok: http-splice (%.1f s, retransmissions %s)' % (time.time() - t0, rtx))


def http_pipelined():
    """IPv6, no SACK, no window scaling: two requests in one segment. weir
    ACKs both, sends the first rewritten head, and the second (which keeps
    the client's X-Request-Id) once the backend has ACKed the first: the
    backend's seq runs on, each head moving the client's bytes by its
    growth. A response ACKing only the first head reaches the client with
    its ACK raised to what weir ACKed; the second's, translated."""
    t0 = time.time()
    cfg, port = http_config()
    c, v, sport, c0, b0 = D.CLI6, D.VIP6, 42000, 0x7ffffff0, 0x10
    lines1 = [b'GET /a HTTP/1.1', b'Host: web.example']
    lines2 = [b'GET /b HTTP/1.1', b'Host: web.example', b'X-Request-Id: client-chosen-1',
              b'Connection: close']
    h1, h2 = (b'\r\n'.join(x) + b'\r\n\r\n' for x in (lines1, lines2))
    n = len(h1) + len(h2)
    r1, r2 = RESP, RESP.replace(b'hello', b'again')
    R = len(r1) + len(r2)
    with Live('http-pipelined', cfg, port) as lv:
        k = handshake(lv, c, v, sport, 80, c0, 1440, None, False, win=8192, adv=1440)
        got = lv.step([cli(c, v, sport, 80, 'PA', c0 + 1, k + 1, data=h1 + h2)], 2,
                      'two requests', rtx=True)
        same(got[0], made(v, c, 80, sport, 'A', k + 1, c0 + 1 + n, 8192 - n), 'weir\'s ACK')
        lport = D.Ether(got[1])[D.TCP].sport
        wt.check(1024 <= lport < D.PROBE0, 'local port %d' % lport)
        s0 = D.Ether(got[1])[D.TCP].seq  # weir's ISN to the backend
        same(got[1], made(D.LOCAL6, D.BK6, lport, 8080, 'S', s0, 0, 8192,
                          options=D.sp_syn_opts(1440, False, None), dmac=D.BMAC),
             'the SYN to the backend')
        lv.unacked(got[1])
        bk = lambda *a, **kw: cli(D.BK6, D.LOCAL6, 8080, lport, *a, smac=D.BMAC, **kw)  # noqa
        to_bk = lambda *a, **kw: fwd(D.LOCAL6, D.BK6, lport, 8080, *a, True, **kw)  # noqa
        to_c = lambda *a, **kw: fwd(v, c, 80, sport, *a, False, **kw)  # noqa
        got = lv.step([bk('SA', b0, s0 + 1, window=65535, options=[('MSS', 1440)])], 1,
                      'the backend\'s SYN-ACK', rtx=True)
        rw1 = rewritten(lines1, c, request_id(got[0]))
        same(got[0], made(D.LOCAL6, D.BK6, lport, 8080, 'PA', s0 + 1, b0 + 1, 8192, rw1,
                          dmac=D.BMAC), 'the first prefix')
        lv.unacked(got[0])
        g1 = s0 - c0 + len(rw1) - len(h1)
        got = lv.step([bk('A', b0 + 1, s0 + 1 + len(rw1), window=65535)], 1,
                      'the first prefix ACKed', rtx=True)
        rw2 = rewritten(lines2, c, None)
        same(got[0], made(D.LOCAL6, D.BK6, lport, 8080, 'PA', c0 + 1 + len(h1) + g1, b0 + 1,
                          8192, rw2, dmac=D.BMAC), 'the second prefix')
        lv.unacked(got[0])
        G = g1 + len(rw2) - len(h2)
        got = lv.step([bk('PA', b0 + 1, s0 + 1 + len(rw1), window=65535, data=r1)], 1,
                      'the first response')
        same(got[0], to_c('PA', k + 1, c0 + 1 + n, window=65535, data=r1),
             'the first response to the client (its ACK raised)')
        got = lv.step([bk('PA', b0 + 1 + len(r1), c0 + 1 + n + G, window=65535, data=r2)], 1,
                      'the second response')
        same(got[0], to_c('PA', k + 1 + len(r1), c0 + 1 + n, window=65535, data=r2),
             'the second response to the client')
        lv.unacked()
        got = lv.step([cli(c, v, sport, 80, 'A', c0 + 1 + n, k + 1 + R)], 1, 'client ACK')
        same(got[0], to_bk('A', c0 + 1 + n + G, b0 + 1 + R), 'the client\'s ACK')
        got = lv.step([cli(c, v, sport, 80, 'FA', c0 + 1 + n, k + 1 + R)], 1, 'client FIN')
        same(got[0], to_bk('FA', c0 + 1 + n + G, b0 + 1 + R), 'the client\'s FIN')
        got = lv.step([bk('FA', b0 + 1 + R, c0 + 2 + n + G, window=65535)], 1, 'backend FIN')
        same(got[0], to_c('FA', k + 1 + R, c0 + 2 + n, window=65535), 'the backend\'s FIN')
        got = lv.step([cli(c, v, sport, 80, 'A', c0 + 2 + n, k + 2 + R)], 1, 'last ACK')
        same(got[0], to_bk('A', c0 + 2 + n + G, b0 + 2 + R), 'the client\'s last ACK')
        lv.counters({'http_conns': 1, 'http_heads': 2, 'http_heads_later': 1, 'http_routed': 2,
                     'http_spliced': 1, 'http_answers': 0, 'http_bytes_b2c': R,
                     'http_bytes_c2b': 0, 'http_ooo': 0, 'http_later_refused': 0},
                    'http-pipelined counters')
        svcs = {x['name']: x for x in lv.w.ctl('services')['services']}
        wt.expect_counters(svcs, {'web6': {'backends': {0: {'conns_total': 1}}}},
                           'one backend connection')
        rtx = dict(lv.rtx)
    print('ok: http-pipelined (%.1f s, retransmissions %s)' % (time.time() - t0, rtx))


def http_smuggling():
    """A head with both Content-Length and Transfer-Encoding (request
    smuggling), in either order, to web (which has a pool): weir's 400, its
    FIN, the close; no SYN to a backend, no backend connection, no head
    counted as parsed. The client scales its window (7): weir's window is
    the room left, shifted by weir's own 7. The second request rides on
    the cookie's ACK."""
    t0 = time.time()
    cfg, port = http_config()
    c, v = D.CLI4, D.VIP4
    heads = [b'POST /upload HTTP/1.1\r\nHost: web.example\r\nContent-Length: 5\r\n'
             b'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
             b'POST /upload HTTP/1.1\r\nHost: web.example\r\nTransfer-Encoding: chunked\r\n'
             b'Content-Length: 5\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: web.example\r\n\r\n']
    with Live('http-smuggling', cfg, port) as lv:
        for i, req in enumerate(heads):
            sport, isn = 41000 + i, 0xfffffff0 + i  # the second ISN wraps at once
            # The second request comes in the cookie's ACK itself.
            k = handshake(lv, c, v, sport, 80, isn, 1460, 7, True, ack=i == 0)
            refused(lv, c, v, sport, 80, isn, k, req, 400, 'Bad Request', 'cl_te',
                    (8192 - len(req)) >> 7)
        lv.counters({'http_conns': 2, 'http_heads': 0, 'http_400': 2, 'http_answers': 2,
                     'http_routed': 0, 'http_spliced': 0, 'http_bytes_c2b': 0,
                     'syn_cookies_ok': 2},
                    'http-smuggling counters')
        svcs = {x['name']: x for x in lv.w.ctl('services')['services']}
        wt.expect_counters(svcs, {'web': {'backends': {0: {'conns_total': 0}}},
                                  'web/api4': {'backends': {0: {'conns_total': 0}}}},
                           'no backend connection')
    print('ok: http-smuggling (%.1f s)' % (time.time() - t0))
