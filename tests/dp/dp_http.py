"""Packet fixtures of "protocol": "http" services (dp.py runs them): weir on
a tap port, driven frame by frame by the test, which plays the client and
the backend; every frame weir sends is compared byte for byte with one
built here, and the counters are accounted for exactly.

  http-404        a whole connection weir answers itself: cookie handshake,
                  a request no route matches, weir's 404 retransmitted
                  after 1 s, its FIN, the close
  http-splice     a routed request: weir asks for the backend's MAC, opens
                  the backend leg with the client's ISN and options, sends
                  the rewritten head, then splices (seq, ack, windows and
                  SACK translated) until both FINs
  http-pipelined  IPv6: two requests in one segment, two rewritten heads
                  (the second once the first is ACKed), responses back
  http-smuggling  Content-Length with Transfer-Encoding, in either order:
                  400, close, and never a frame towards a backend
"""
import calendar
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
        return self

    def __exit__(self, *exc):
        self.peer.__exit__(*exc)
        return self.w.__exit__(*exc)

    def step(self, frames, n, what, timeout=5.0, quiet=0.3, drops=None):
        self.peer.send(frames)
        self.rx += len(frames)
        for why, k in (drops or {}).items():
            self.drops[why] = self.drops.get(why, 0) + k
        got, deadline = [], time.time() + timeout
        while len(got) < n and time.time() < deadline:
            got += self.peer.recv(quiet=0.02, limit=n - len(got))
        self.t_last = time.time()
        got += self.peer.recv(quiet=quiet)
        wt.check(len(got) == n, '%s: %d frames from weir, want %d:\n%s' %
                 (what, len(got), n, '\n'.join(D.Ether(g).summary() for g in got)))
        self.tx += n
        n_drops = sum(self.drops.values())
        st = self.w.wait_stats(lambda s: s['total']['rx'] == self.rx and
                               s['total']['tx'] + s['total']['dropped'] == self.tx + n_drops,
                               '%s: frames accounted for' % what)
        wt.expect_counters(st, {'total': {'tx': self.tx, 'drops': wt.only(self.drops)}}, what)
        for g in got:
            D.verify_checksums(g)
        return got

    def counters(self, want, what):
        """The worker's counters, exactly: want maps name to value."""
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


def handshake(lv, c, v, sport, dport, isn, mss, ws, sack, win=502):
    """The client's SYN, weir's cookie SYN-ACK (exact: the cookie computed
    here), the client's ACK (no answer: weir's endpoint takes it): the
    cookie."""
    t = D.sp_t()
    got = lv.step([cli(c, v, sport, dport, 'S', isn, window=64240,
                       options=D.sp_syn_opts(mss, sack, ws))], 1, 'SYN %s' % c)
    alts = D.sp_synack(c, v, sport, dport, isn, t, mss, ws, sack, ADV_MSS)
    k, _ = D.sp_cookie(c, v, sport, dport, isn, t + same(got[0], alts, 'cookie SYN-ACK'),
                       mss, ws, sack)
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
                  '%d: the request' % status)
    same(got[0], made(v, c, dport, sport, 'A', k + 1, isn + 1 + n, win), 'weir\'s ACK')
    resp = answer_of(got[1], status, reason, error)
    same(got[1], made(v, c, dport, sport, 'PA', k + 1, isn + 1 + n, win, resp), 'the answer')
    r = len(resp)
    got = lv.step([cli(c, v, sport, dport, 'A', isn + 1 + n, k + 1 + r)], 1, 'answer ACKed')
    same(got[0], made(v, c, dport, sport, 'FA', k + 1 + r, isn + 1 + n, win), 'weir\'s FIN')
    got = lv.step([cli(c, v, sport, dport, 'FA', isn + 1 + n, k + 2 + r)], 1, 'client FIN')
    same(got[0], made(v, c, dport, sport, 'A', k + 2 + r, isn + 2 + n, win), 'weir\'s last ACK')
    return resp, got


def rewritten(head_lines, client, rid, via_line=None):
    """The head weir sends the backend: the original lines (Proxy-Connection
    gone, an existing Via appended to), then X-Forwarded-For, -Proto,
    X-Request-Id and Via, in that order, when not there before."""
    out = [ln for ln in head_lines if not ln.lower().startswith(b'proxy-connection:')]
    added = [b'X-Forwarded-For: ' + client.encode(), b'X-Forwarded-Proto: http',
             b'X-Request-Id: ' + rid]
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


def http_splice():
    pass


def http_pipelined():
    pass


def http_smuggling():
    """A head with both Content-Length and Transfer-Encoding (request
    smuggling), in either order, to web (which has a pool): weir's 400, its
    FIN, the close; no SYN to a backend, no backend connection, no head
    counted as parsed. The client scales its window (7): weir's window is
    the room left, shifted by weir's own 7."""
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
            k = handshake(lv, c, v, sport, 80, isn, 1460, 7, True)
            refused(lv, c, v, sport, 80, isn, k, req, 400, 'Bad Request', 'cl_te',
                    (8192 - len(req)) >> 7)
        lv.counters({'http_conns': 2, 'http_heads': 0, 'http_400': 2, 'http_answers': 2,
                     'http_routed': 0, 'http_spliced': 0, 'http_rtx_client': 0,
                     'http_rtx_backend': 0, 'http_bytes_c2b': 0, 'syn_cookies_ok': 2},
                    'http-smuggling counters')
        svcs = {x['name']: x for x in lv.w.ctl('services')['services']}
        wt.expect_counters(svcs, {'web': {'backends': {0: {'conns_total': 0}}},
                                  'web/api4': {'backends': {0: {'conns_total': 0}}}},
                           'no backend connection')
    print('ok: http-smuggling (%.1f s)' % (time.time() - t0))
