"""Packet fixtures of the API gate (dp.py runs them): an http service whose
routes need a JWT (jwt.example) or an API key (key.example), weir on a tap
port driven frame by frame (dp_http's Live), every frame weir sends compared
byte for byte with one built here, the counters accounted for exactly.

  gate-token      a valid HS256 token: the head the backend receives, exact
                  (X-Weir-Subject replacing the client's own in place, its
                  second copy and X-Weir-Key-Id gone, X-Weir-Tier added before
                  X-Forwarded-For...), then the splice's sequence translation
                  of the response and both FINs
  gate-answers    401 (no token; a forged one; an expired one: RFC 6750's
                  WWW-Authenticate with lib/jwt's message), 403 (a blocked
                  key), 429 (a free key's 6th request in a minute: Retry-After,
                  RateLimit-Policy, RateLimit, the X-RateLimit trio and the
                  problem+json body), each exact but the Date (an IMF-fixdate
                  of now), with Connection: close and weir's FIN after it; the
                  backend sees a SYN for each of the 5 admitted requests only
  gate-pipelined  three requests in one segment with a key of a tier of 2 a
                  minute: the first two spliced and answered by the backend,
                  the third answered 429 by weir in order, after the second
                  response, from the sequence number where the backend's ended
  gate-fields     weir's RateLimit fields in the backend's responses on one
                  keep-alive connection: the edit's seqs exact, the response
                  sent again whole and cut (each cut re-made or forwarded by
                  the rules), client ACKs/SACK edges inside the fields, the
                  window smaller until ACKed, a second response's fields, the
                  backend's own fields kept or replaced, a segment grown past
                  the client's MSS, a head cut in two (not followed)
"""
import base64
import hashlib
import hmac
import json
import math
import os
import re
import shutil
import tempfile
import time

import dp_http as H

D = None  # the dp module (scenarios())
wt = None

SECRET = b'dp-gate-secret-0123456789abcdef!'
ISS = 'https://auth.dp.example'
AUD = 'weir-dp'
K_FREE = 'k-free-0123456789abcdef'
K_BLOCKED = 'k-blocked-0123456789abcdef'
K_TWO = 'k-two-0123456789abcdef'


def scenarios(dp):
    global D, wt
    D, wt = dp, dp.wt
    H.scenarios(dp)  # dp_http's helpers use the same module
    return {'gate-token': gate_token, 'gate-answers': gate_answers,
            'gate-pipelined': gate_pipelined, 'gate-fields': gate_fields}


# --- tokens and configuration ---------------------------------------------------

def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode()


def jwt(claims, key=SECRET):
    head = b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())
    body = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(key, (head + '.' + body).encode(), hashlib.sha256).digest())
    return head + '.' + body + '.' + sig


def claims(**kw):
    c = {'iss': ISS, 'aud': AUD, 'sub': 'alice', 'exp': int(time.time()) + 3600}
    c.update(kw)
    return c


def key_id(key):
    """What backends see in X-Weir-Key-Id: the first 8 bytes of the SHA-256."""
    return hashlib.sha256(key.encode()).hexdigest()[:16].encode()


class GateConfig:
    """The service api (VIP4:80, pool web4): jwt.example needs a token,
    key.example an API key, anything else passes untouched. Tiers free (5 a
    minute), basic (20), two (2); keys: a free one, a blocked one, a "two"
    one. The secret lives in a directory of its own, removed on exit."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix='weir-dp-gate-')
        secret = os.path.join(self.dir, 'jwt.secret')
        with open(secret, 'wb') as f:
            f.write(SECRET)
        cfg = D.l4_config(
            cookie_secret=D.SP_SECRET,
            pools=[{'name': 'web4', 'backends': [{'address': D.BK4, 'port': 8080}]}],
            services=[{'name': 'api', 'vip': D.VIP4, 'port': 80, 'protocol': 'http',
                       'scheduler': 'rr', 'pool': 'web4', 'local_ips': [D.LOCAL4],
                       'routes': [{'host': 'jwt.example', 'pool': 'web4', 'auth': 'jwt'},
                                  {'host': 'key.example', 'pool': 'web4',
                                   'auth': 'api_key'}]}])
        cfg['gate'] = {
            'issuers': [{'name': 'dp', 'iss': ISS, 'aud': AUD, 'alg': 'HS256',
                         'secret_file': secret}],
            'tiers': [{'name': 'free', 'limits': [{'limit': 5, 'window_s': 60}]},
                      {'name': 'basic', 'limits': [{'limit': 20, 'window_s': 60}]},
                      {'name': 'two', 'limits': [{'limit': 2, 'window_s': 60}]}],
            'api_keys': {'keys': [
                {'key': K_FREE, 'tier': 'free', 'owner': 'fred'},
                {'key': K_TWO, 'tier': 'two', 'owner': 'tom'},
                {'hash': hashlib.sha256(K_BLOCKED.encode()).hexdigest(), 'tier': 'basic',
                 'owner': 'mallory', 'blocked': True}]},
            'bad_auth': {'limit': 1000, 'window_s': 60},
        }
        self.cfg = cfg
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)


# --- weir's answers, exact ------------------------------------------------------

def date_of(frame):
    """The Date of weir's answer in frame: an IMF-fixdate within a few
    seconds of now (dp_http.answer_of() checks it)."""
    data = H.payload(frame)
    m = re.search(rb'\r\nDate: ([^\r]*)\r\n', data)
    wt.check(m is not None, 'no Date in weir\'s answer %r' % data)
    H.answer_of(frame, 0, '', '')  # checks the Date alone
    return m.group(1)


def unauthorized(date, why):
    body = b'{"error": "invalid_token"}'
    return (b'HTTP/1.1 401 Unauthorized\r\nDate: ' + date + b'\r\n'
            b'WWW-Authenticate: Bearer error="invalid_token", error_description="' +
            why.encode() + b'"\r\nContent-Type: application/json\r\n'
            b'Content-Length: %d\r\nConnection: close\r\n\r\n' % len(body) + body)


def forbidden(date, why):
    return H.answer(403, 'Forbidden', why, date)


def limited(date, policy, q, w, t):
    """A 429 of one policy, over: r=0, t seconds until one more."""
    body = (b'{"type": "https://iana.org/assignments/http-problem-types#quota-exceeded", '
            b'"title": "Too Many Requests", "status": 429, "violated-policies": ["' +
            policy.encode() + b'"]}')
    return (b'HTTP/1.1 429 Too Many Requests\r\nDate: ' + date + b'\r\n'
            b'Content-Type: application/problem+json\r\nContent-Length: %d\r\n'
            b'Retry-After: %d\r\n'
            b'RateLimit-Policy: "%s";q=%d;w=%d\r\n'
            b'RateLimit: "%s";r=0;t=%d\r\n'
            b'X-RateLimit-Limit: %d\r\nX-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: %d\r\n'
            b'Connection: close\r\n\r\n' % (len(body), t, policy.encode(), q, w,
                                            policy.encode(), t, q, t)) + body


def limited_alts(date, policy, q, w, elapsed):
    """Every 429 possible when the policy's quota was used up within elapsed
    seconds before the refusal: t is the emission interval (w / q) less the
    time gone by, rounded up (t = w / q when under a second went by)."""
    T = w // q
    lo = max(0, T - int(math.ceil(elapsed)))
    return tuple(limited(date, policy, q, w, t) for t in range(T, lo - 1, -1))


def refused(lv, c, sport, isn, k, req, want_of, win, what):
    """A request on a fresh connection (its handshake done: k the cookie) that
    weir answers itself: weir's ACK and its answer (want_of(date): the bytes
    it must be), the client's ACK, weir's FIN, the client's FIN, weir's last
    ACK; not a frame towards a backend (step() counts every frame). The
    request may ride on the cookie's ACK."""
    v, n = D.VIP4, len(req)
    got = lv.step([H.cli(c, v, sport, 80, 'PA', isn + 1, k + 1, data=req)], 2, what, rtx=True)
    H.same(got[0], H.made(v, c, 80, sport, 'A', k + 1, isn + 1 + n, win), what + ': weir\'s ACK')
    want = want_of(date_of(got[1]))
    alts = want if isinstance(want, tuple) else (want,)
    i = H.same(got[1], tuple(H.made(v, c, 80, sport, 'PA', k + 1, isn + 1 + n, win, a)
                             for a in alts), what + ': the answer')
    resp = alts[i]
    lv.unacked(got[1])
    r = len(resp)
    got = lv.step([H.cli(c, v, sport, 80, 'A', isn + 1 + n, k + 1 + r)], 1, what + ': ACKed')
    lv.unacked()
    H.same(got[0], H.made(v, c, 80, sport, 'FA', k + 1 + r, isn + 1 + n, win),
           what + ': weir\'s FIN')
    got = lv.step([H.cli(c, v, sport, 80, 'FA', isn + 1 + n, k + 2 + r)], 1, what + ': FIN')
    H.same(got[0], H.made(v, c, 80, sport, 'A', k + 2 + r, isn + 2 + n, win),
           what + ': weir\'s last ACK')
    return resp


def head(*lines):
    return b'\r\n'.join(lines) + b'\r\n\r\n'


def fields(policy, q, w, r, t, legacy=True):
    """weir's RateLimit fields for an admitted request (one policy)."""
    f = b'RateLimit-Policy: "%s";q=%d;w=%d\r\nRateLimit: "%s";r=%d;t=%d\r\n' % (
        policy, q, w, policy, r, t)
    if legacy:
        f += b'X-RateLimit-Limit: %d\r\nX-RateLimit-Remaining: %d\r\nX-RateLimit-Reset: %d\r\n' % (
            q, r, t)
    return f


def with_fields(resp, f):
    """A response with weir's fields before its head's final CRLF."""
    i = resp.index(b'\r\n\r\n') + 2
    return resp[:i] + f + resp[i:]


# --- scenarios ------------------------------------------------------------------

def gate_token():
    """jwt.example with a good token (tier basic) and what the client claims
    itself: x-weir-subject (lower case: replaced in place, its name as the
    client wrote it), a second X-Weir-Subject and an X-Weir-Key-Id (both
    gone); X-Weir-Tier added, then X-Forwarded-For, -Proto, X-Request-Id,
    Via. The Authorization field goes on as it came. Then the splice as in
    dp-http-splice: the response's seq moved by the ISNs' difference, its
    ACK by the head's growth, windows re-scaled; FINs both ways."""
    t0 = time.time()
    c, v, sport, c0, b0 = D.CLI4, D.VIP4, 43000, 2000000, 0xffffff00
    tok = jwt(claims(tier='basic')).encode()
    lines = [b'GET /v1/orders?id=7 HTTP/1.1', b'Host: jwt.example',
             b'x-weir-subject: root', b'Authorization: Bearer ' + tok,
             b'X-Weir-Key-Id: 0000000000000000', b'Accept: */*',
             b'X-Weir-Subject: second']
    req = head(*lines)
    n, R = len(req), len(H.RESP)
    win = (8192 - n) >> 7
    with GateConfig() as gc, H.Live('gate-token', gc.cfg, D.L4_PORT) as lv:
        k = H.handshake(lv, c, v, sport, 80, c0, 1460, 7, True)
        got = lv.step([H.cli(c, v, sport, 80, 'PA', c0 + 1, k + 1, window=502, data=req)], 2,
                      'the request', rtx=True)
        H.same(got[0], H.made(v, c, 80, sport, 'A', k + 1, c0 + 1 + n, win), 'weir\'s ACK')
        lport = D.Ether(got[1])[D.TCP].sport
        wt.check(1024 <= lport < D.PROBE0, 'local port %d' % lport)
        s0 = D.Ether(got[1])[D.TCP].seq
        H.same(got[1], H.made(D.LOCAL4, D.BK4, lport, 8080, 'S', s0, 0, 502 << 7,
                              options=D.sp_syn_opts(1460, True, 7), dmac=D.BMAC),
               'the SYN to the backend')
        lv.unacked(got[1])
        bk = lambda *a, **kw: H.cli(D.BK4, D.LOCAL4, 8080, lport, *a, smac=D.BMAC, **kw)  # noqa
        got = lv.step([bk('SA', b0, s0 + 1, window=65160,
                          options=[('MSS', 1460), ('SAckOK', b''), ('WScale', 9)])],
                      1, 'the backend\'s SYN-ACK', rtx=True)
        # The head the backend must see, built from the gate's rules.
        vouched = [b'GET /v1/orders?id=7 HTTP/1.1', b'Host: jwt.example',
                   b'x-weir-subject: alice', b'Authorization: Bearer ' + tok, b'Accept: */*',
                   b'X-Weir-Tier: basic']
        rw = H.rewritten(vouched, c, H.request_id(got[0]))
        H.same(got[0], H.made(D.LOCAL4, D.BK4, lport, 8080, 'PA', s0 + 1, b0 + 1, 502, rw,
                              dmac=D.BMAC), 'weir\'s prefix (the vouched head)')
        lv.unacked(got[0])
        g = s0 - c0 + len(rw) - n  # client seq + g = the backend's
        d = k - b0                 # backend seq + d = the client's
        # weir's RateLimit fields in the response's head (basic: 20 a
        # minute, one taken, the quota whole again in 3 s); the client's
        # bytes from there on move by their length.
        F = fields(b'basic', 20, 60, 19, 3)
        got = lv.step([bk('PA', b0 + 1, c0 + 1 + n + g, window=1000, data=H.RESP)], 1,
                      'the response')
        H.same(got[0], H.made(v, c, 80, sport, 'PA', b0 + 1 + d, c0 + 1 + n, 4000,
                              with_fields(H.RESP, F)), 'the response to the client, with fields')
        lv.unacked()
        d += len(F)
        got = lv.step([H.cli(c, v, sport, 80, 'A', c0 + 1 + n, k + 1 + R + len(F), window=502)],
                      1, 'the client\'s ACK')
        H.same(got[0], H.fwd(D.LOCAL4, D.BK4, lport, 8080, 'A', c0 + 1 + n + g, b0 + 1 + R,
                             True, window=502), 'the client\'s ACK to the backend')
        got = lv.step([bk('FA', b0 + 1 + R, c0 + 1 + n + g, window=1000)], 1, 'backend FIN')
        H.same(got[0], H.fwd(v, c, 80, sport, 'FA', b0 + 1 + R + d, c0 + 1 + n, False,
                             window=4000), 'the backend\'s FIN to the client')
        got = lv.step([H.cli(c, v, sport, 80, 'FA', c0 + 1 + n, b0 + 2 + R + d, window=502)], 1,
                      'client FIN')
        H.same(got[0], H.fwd(D.LOCAL4, D.BK4, lport, 8080, 'FA', c0 + 1 + n + g, b0 + 2 + R,
                             True, window=502), 'the client\'s FIN to the backend')
        got = lv.step([bk('A', b0 + 2 + R, c0 + 2 + n + g, window=1000)], 1, 'last ACK')
        H.same(got[0], H.fwd(v, c, 80, sport, 'A', b0 + 2 + R + d, c0 + 2 + n, False,
                             window=4000), 'the backend\'s last ACK to the client')
        lv.counters({'http_conns': 1, 'http_heads': 1, 'http_routed': 1, 'http_spliced': 1,
                     'http_answers': 0, 'http_bytes_b2c': R + len(F), 'http_bytes_c2b': 0,
                     'http_rl_fields': 1, 'http_rl_fields_skipped': 0,
                     'gate_allowed': 1, 'gate_by_jwt': 1, 'gate_verified': 1,
                     'gate_cache_hits': 0, 'gate_bad_token': 0, 'gate_limited': 0},
                    'gate-token counters')
        svcs = {x['name']: x for x in lv.w.ctl('services')['services']}
        wt.expect_counters(svcs, {'api': {'backends': {0: {'conns_total': 1}}}},
                           'one backend connection')
        rtx = dict(lv.rtx)
    print('ok: gate-token (%.1f s, retransmissions %s)' % (time.time() - t0, rtx))


def gate_answers():
    """Each refusal on a connection of its own, the request riding on the
    cookie's ACK, weir's window the head buffer's room (no scaling): 401
    without a token, with a forged one (lib/jwt: "invalid signature"), with
    an expired one ("token expired"); 403 for a blocked key ({"error": "API
    key blocked"}); then a free key (5 a minute): five requests on five
    connections in one burst, each sent to the backend (a SYN each, which
    the backend refuses: weir's 502), and the sixth answered 429 exactly:
    Retry-After = t = X-RateLimit-Reset, 12 s (60 / 5) less what went by.
    No SYN to the backend but the five (step() accounts for every frame)."""
    t0 = time.time()
    c, v = D.CLI4, D.VIP4
    with GateConfig() as gc, H.Live('gate-answers', gc.cfg, D.L4_PORT) as lv:
        cases = [
            ('no token', 'jwt.example', [],
             lambda dt: unauthorized(dt, 'Bearer token required')),
            ('forged token', 'jwt.example',
             [b'Authorization: Bearer ' + jwt(claims(), key=b'x' * 40).encode()],
             lambda dt: unauthorized(dt, 'invalid signature')),
            ('expired token', 'jwt.example',
             [b'Authorization: Bearer ' + jwt(claims(exp=int(time.time()) - 100)).encode()],
             lambda dt: unauthorized(dt, 'token expired')),
            ('blocked key', 'key.example', [b'X-API-Key: ' + K_BLOCKED.encode()],
             lambda dt: forbidden(dt, 'API key blocked')),
        ]
        for i, (what, host, extra, want_of) in enumerate(cases):
            sport, isn = 44000 + i, 0x01000000 * (i + 1)
            req = head(b'GET /v1/x HTTP/1.1', b'Host: ' + host.encode(), *extra)
            k = H.handshake(lv, c, v, sport, 80, isn, 1460, None, False, ack=False)
            refused(lv, c, sport, isn, k, req, want_of, 8192 - len(req), what)
        lv.counters({'http_conns': 4, 'http_heads': 4, 'http_answers': 4, 'http_routed': 0,
                     'gate_no_creds': 1, 'gate_bad_token': 2, 'gate_blocked': 1,
                     'gate_verified': 2, 'gate_allowed': 0, 'gate_limited': 0},
                    'after the 401s and the 403')

        # The free key: five connections' SYNs in one burst, their requests in
        # another (the quota used up within moments), then a sixth request.
        free = head(b'GET /v1/x HTTP/1.1', b'Host: key.example', b'X-API-Key: ' +
                    K_FREE.encode())
        n = len(free)
        conns = [(45000 + i, 0x20000000 + 0x1000 * i) for i in range(6)]
        t_sp = D.sp_t()
        got = lv.step([H.cli(c, v, sport, 80, 'S', isn, window=64240,
                             options=D.sp_syn_opts(1460, False, None))
                       for sport, isn in conns[:5]], 5, 'five SYNs')
        cookies = {}
        for sport, isn in conns[:5]:
            g = [f for f in got if D.Ether(f)[D.TCP].dport == sport]
            wt.check(len(g) == 1, 'SYN-ACKs for port %d: %d' % (sport, len(g)))
            alts = D.sp_synack(c, v, sport, 80, isn, t_sp, 1460, None, False, H.ADV_MSS)
            cookies[sport], _ = D.sp_cookie(c, v, sport, 80, isn,
                                            t_sp + H.same(g[0], alts, 'cookie SYN-ACK'),
                                            1460, None, False)
        t_first = time.time()
        got = lv.step([H.cli(c, v, sport, 80, 'PA', isn + 1, cookies[sport] + 1, data=free)
                       for sport, isn in conns[:5]], 10, 'five requests', rtx=True)
        to_c = [f for f in got if f[:6] != lv.bmac]
        syns = [f for f in got if f[:6] == lv.bmac]
        wt.check(len(to_c) == 5 and len(syns) == 5, 'five ACKs and five SYNs: %d, %d' %
                 (len(to_c), len(syns)))
        for sport, isn in conns[:5]:
            g = [f for f in to_c if D.Ether(f)[D.TCP].dport == sport]
            wt.check(len(g) == 1, 'ACKs for port %d: %d' % (sport, len(g)))
            H.same(g[0], H.made(v, c, 80, sport, 'A', cookies[sport] + 1, isn + 1 + n, 8192 - n),
                   'weir\'s ACK of request %d' % sport)
        lports = []
        for f in syns:
            t = D.Ether(f)[D.TCP]
            lports.append((t.sport, t.seq))
            H.same(f, H.made(D.LOCAL4, D.BK4, t.sport, 8080, 'S', t.seq, 0, 8192,
                             options=D.sp_syn_opts(1460, False, None), dmac=D.BMAC),
                   'a SYN to the backend')
        wt.check(len({p for p, _ in lports}) == 5, 'five local ports: %s' % lports)
        lv.unacked(*syns)
        # The backend refuses each: weir answers 502 on its client's connection.
        got = lv.step([H.cli(D.BK4, D.LOCAL4, 8080, p, 'RA', 0, s + 1, smac=D.BMAC)
                       for p, s in lports], 5, 'the backend refuses')
        lv.unacked()
        bad = H.answer_of(got[0], 502, 'Bad Gateway', 'the backend refused the connection')
        r = len(bad)
        # Routed, the buffer holds the rewritten head (its X-Request-Id 32
        # digits) in a room of head_max and the growth allowed (1024): the
        # window of weir's answer is what is left, a check of the head's
        # length, gate headers included.
        rw = H.rewritten([b'GET /v1/x HTTP/1.1', b'Host: key.example',
                          b'X-API-Key: ' + K_FREE.encode(), b'X-Weir-Subject: fred',
                          b'X-Weir-Tier: free', b'X-Weir-Key-Id: ' + key_id(K_FREE)],
                         c, b'0' * 32)
        aw = 8192 + 1024 - len(rw)
        for sport, isn in conns[:5]:
            g = [f for f in got if D.Ether(f)[D.TCP].dport == sport]
            wt.check(len(g) == 1, '502s for port %d: %d' % (sport, len(g)))
            bad = H.answer_of(g[0], 502, 'Bad Gateway', 'the backend refused the connection')
            H.same(g[0], H.made(v, c, 80, sport, 'PA', cookies[sport] + 1, isn + 1 + n, aw,
                                bad), 'the 502 on port %d' % sport)
        lv.unacked(*got)
        got = lv.step([H.cli(c, v, sport, 80, 'A', isn + 1 + n, cookies[sport] + 1 + r)
                       for sport, isn in conns[:5]], 5, 'the 502s ACKed')
        lv.unacked()
        for sport, isn in conns[:5]:
            g = [f for f in got if D.Ether(f)[D.TCP].dport == sport]
            wt.check(len(g) == 1, 'FINs for port %d: %d' % (sport, len(g)))
            H.same(g[0], H.made(v, c, 80, sport, 'FA', cookies[sport] + 1 + r, isn + 1 + n, aw),
                   'weir\'s FIN on port %d' % sport)
        got = lv.step([H.cli(c, v, sport, 80, 'FA', isn + 1 + n, cookies[sport] + 2 + r)
                       for sport, isn in conns[:5]], 5, 'the clients\' FINs')
        for sport, isn in conns[:5]:
            g = [f for f in got if D.Ether(f)[D.TCP].dport == sport]
            wt.check(len(g) == 1, 'last ACKs for port %d: %d' % (sport, len(g)))
            H.same(g[0], H.made(v, c, 80, sport, 'A', cookies[sport] + 2 + r, isn + 2 + n, aw),
                   'weir\'s last ACK on port %d' % sport)

        # The sixth: 429, exactly.
        sport, isn = conns[5]
        k = H.handshake(lv, c, v, sport, 80, isn, 1460, None, False, ack=False)
        refused(lv, c, sport, isn, k, free,
                lambda dt: limited_alts(dt, 'free', 5, 60, time.time() - t_first),
                8192 - n, 'the sixth free request')
        lv.counters({'http_conns': 10, 'http_heads': 10, 'http_answers': 10, 'http_routed': 5,
                     'http_502': 5, 'http_spliced': 0,
                     'gate_no_creds': 1, 'gate_bad_token': 2, 'gate_blocked': 1,
                     'gate_by_key': 6, 'gate_verified': 2, 'gate_allowed': 5,
                     'gate_limited': 1, 'gate_unknown_key': 0},
                    'gate-answers counters')
        svcs = {x['name']: x for x in lv.w.ctl('services')['services']}
        wt.expect_counters(svcs, {'api': {'backends': {0: {'conns_total': 5}}}},
                           'a backend connection for each admitted request only')
        rtx = dict(lv.rtx)
    print('ok: gate-answers (%.1f s, retransmissions %s)' % (time.time() - t0, rtx))


def gate_pipelined():
    """key.example, one connection, a key of tier two (2 a minute), three
    requests in one segment. weir ACKs all three; the first head goes to the
    backend (X-Weir-Subject tom, X-Weir-Tier two, X-Weir-Key-Id), the
    second once the backend has ACKed the first; when the backend ACKs the
    second, the third is over the limit: weir sends the backend its FIN
    where the third would have begun. The backend's two responses reach the
    client (its FIN kept back); once the client has ACKed the second, weir
    resets the backend and answers 429 from the very next byte, then closes."""
    t0 = time.time()
    c, v, sport, c0, b0 = D.CLI4, D.VIP4, 46000, 0x7ffffff0, 0x30
    kh = b'X-API-Key: ' + K_TWO.encode()
    hs = [[b'GET /v1/%s HTTP/1.1' % p, b'Host: key.example', kh] for p in (b'a', b'b', b'c')]
    h1, h2, h3 = (head(*x) for x in hs)
    n = len(h1) + len(h2) + len(h3)
    r1, r2 = H.RESP, H.RESP.replace(b'hello', b'again')
    # The first response carries weir's fields (two: 2 a minute, one
    # taken, whole again in 30 s); the second request was pipelined behind
    # it, so its response goes without (http_rl_fields_skipped).
    F = fields(b'two', 2, 60, 1, 30)
    R = len(r1) + len(r2) + len(F)

    def vouched(lines):
        return lines + [b'X-Weir-Subject: tom', b'X-Weir-Tier: two',
                        b'X-Weir-Key-Id: ' + key_id(K_TWO)]

    with GateConfig() as gc, H.Live('gate-pipelined', gc.cfg, D.L4_PORT) as lv:
        k = H.handshake(lv, c, v, sport, 80, c0, 1460, None, False, win=8192)
        t_first = time.time()
        got = lv.step([H.cli(c, v, sport, 80, 'PA', c0 + 1, k + 1, data=h1 + h2 + h3)], 2,
                      'three requests', rtx=True)
        H.same(got[0], H.made(v, c, 80, sport, 'A', k + 1, c0 + 1 + n, 8192 - n), 'weir\'s ACK')
        lport = D.Ether(got[1])[D.TCP].sport
        s0 = D.Ether(got[1])[D.TCP].seq
        H.same(got[1], H.made(D.LOCAL4, D.BK4, lport, 8080, 'S', s0, 0, 8192,
                              options=D.sp_syn_opts(1460, False, None), dmac=D.BMAC),
               'the SYN to the backend')
        lv.unacked(got[1])
        bk = lambda *a, **kw: H.cli(D.BK4, D.LOCAL4, 8080, lport, *a, smac=D.BMAC, **kw)  # noqa
        to_c = lambda *a, **kw: H.fwd(v, c, 80, sport, *a, False, **kw)  # noqa
        got = lv.step([bk('SA', b0, s0 + 1, window=65535, options=[('MSS', 1460)])], 1,
                      'the backend\'s SYN-ACK', rtx=True)
        rw1 = H.rewritten(vouched(hs[0]), c, H.request_id(got[0]))
        H.same(got[0], H.made(D.LOCAL4, D.BK4, lport, 8080, 'PA', s0 + 1, b0 + 1, 8192, rw1,
                              dmac=D.BMAC), 'the first prefix')
        lv.unacked(got[0])
        g1 = s0 - c0 + len(rw1) - len(h1)
        got = lv.step([bk('A', b0 + 1, s0 + 1 + len(rw1), window=65535)], 1,
                      'the first prefix ACKed', rtx=True)
        rw2 = H.rewritten(vouched(hs[1]), c, H.request_id(got[0]))
        p2 = c0 + 1 + len(h1) + g1
        H.same(got[0], H.made(D.LOCAL4, D.BK4, lport, 8080, 'PA', p2, b0 + 1, 8192, rw2,
                              dmac=D.BMAC), 'the second prefix')
        lv.unacked(got[0])
        G = g1 + len(rw2) - len(h2)
        fin = c0 + 1 + len(h1) + len(h2) + G  # where the third would have begun
        # The second ACKed: the third is refused; weir's FIN to the backend.
        # The ACK, which covers client bytes now, goes on to the client (its
        # ACK raised to what weir ACKed).
        got = lv.step([bk('A', b0 + 1, p2 + len(rw2), window=65535)], 2,
                      'the second prefix ACKed', rtx=True)
        t_refused = time.time()
        bks = [f for f in got if f[:6] == lv.bmac]
        cs = [f for f in got if f[:6] != lv.bmac]
        wt.check(len(bks) == 1 and len(cs) == 1, 'a frame to each side: %s' %
                 [D.Ether(f).summary() for f in got])
        H.same(bks[0], H.made(D.LOCAL4, D.BK4, lport, 8080, 'FA', fin, b0 + 1, 8192,
                              dmac=D.BMAC), 'weir\'s FIN to the backend')
        H.same(cs[0], to_c('A', k + 1, c0 + 1 + n, window=65535), 'the backend\'s ACK')
        # weir sends its FIN again until the backend ACKs it; once the first
        # response's fields are out, with the window len(F) smaller (the
        # client has not ACKed them).
        lv.unacked(bks[0], H.made(D.LOCAL4, D.BK4, lport, 8080, 'FA', fin, b0 + 1, 8192 - len(F),
                                  dmac=D.BMAC))
        got = lv.step([bk('PA', b0 + 1, fin, window=65535, data=r1)], 1, 'the first response')
        H.same(got[0], H.made(v, c, 80, sport, 'PA', k + 1, c0 + 1 + n, 65535,
                              with_fields(r1, F)), 'the first response to the client, with fields')
        # The second response with the backend's FIN: the FIN is kept back.
        got = lv.step([bk('FPA', b0 + 1 + len(r1), fin + 1, window=65535, data=r2)], 1,
                      'the second response and the backend\'s FIN')
        lv.unacked()
        H.same(got[0], to_c('PA', k + 1 + len(r1) + len(F), c0 + 1 + n, window=65535, data=r2),
               'the second response to the client, without the FIN')
        # The client has both: weir resets the backend and answers.
        got = lv.step([H.cli(c, v, sport, 80, 'A', c0 + 1 + n, k + 1 + R)], 2,
                      'both responses ACKed', rtx=True)
        bks = [f for f in got if f[:6] == lv.bmac]
        cs = [f for f in got if f[:6] != lv.bmac]
        wt.check(len(bks) == 1 and len(cs) == 1, 'a frame to each side: %s' %
                 [D.Ether(f).summary() for f in got])
        H.same(bks[0], H.made(D.LOCAL4, D.BK4, lport, 8080, 'RA', fin + 1, b0 + 2 + R - len(F), 0,
                              dmac=D.BMAC), 'weir\'s RST to the backend')
        alts = limited_alts(date_of(cs[0]), 'two', 2, 60, t_refused - t_first)
        # weir's window: the head buffer's room (head_max), as on a first request.
        i = H.same(cs[0], tuple(H.made(v, c, 80, sport, 'PA', k + 1 + R, c0 + 1 + n, 8192, a)
                                for a in alts), 'the 429, in order')
        resp = alts[i]
        lv.unacked(cs[0])
        A = R + len(resp)
        got = lv.step([H.cli(c, v, sport, 80, 'A', c0 + 1 + n, k + 1 + A)], 1, 'the 429 ACKed')
        lv.unacked()
        H.same(got[0], H.made(v, c, 80, sport, 'FA', k + 1 + A, c0 + 1 + n, 8192),
               'weir\'s FIN')
        got = lv.step([H.cli(c, v, sport, 80, 'FA', c0 + 1 + n, k + 2 + A)], 1, 'client FIN')
        H.same(got[0], H.made(v, c, 80, sport, 'A', k + 2 + A, c0 + 2 + n, 8192),
               'weir\'s last ACK')
        lv.counters({'http_conns': 1, 'http_heads': 3, 'http_heads_later': 1, 'http_routed': 2,
                     'http_spliced': 1, 'http_answers': 1, 'http_later_refused': 1,
                     'http_bytes_b2c': R, 'http_bytes_c2b': 0, 'http_ooo': 0,
                     'http_rl_fields': 1, 'http_rl_fields_skipped': 1, 'gate_by_key': 3, 'gate_allowed': 2, 'gate_limited': 1},
                    'gate-pipelined counters')
        svcs = {x['name']: x for x in lv.w.ctl('services')['services']}
        wt.expect_counters(svcs, {'api': {'backends': {0: {'conns_total': 1}}}},
                           'one backend connection')
        rtx = dict(lv.rtx)
    print('ok: gate-pipelined (%.1f s, retransmissions %s)' % (time.time() - t0, rtx))


def rl_alts(q, w, times, i):
    """Every (r, t) weir's fields may carry for the i-th admission of a
    fresh key under a GCRA of q a window w (T = w / q): times holds a
    (lo, hi) of each admission (when the request went, when weir's frames
    for it were in). TAT = max(TAT, a) + T; ahead = TAT - a; r = the
    requests left, floor((q T - ahead) / T); t = ahead rounded up. ahead
    grows with the earlier admissions' times and shrinks with this one's:
    the two corners bound it, every value between is possible."""
    T = w / q

    def ahead(ts):
        tat = None
        for a in ts:
            tat = (a if tat is None else max(tat, a)) + T
        return tat - ts[-1]
    lo = ahead([x[0] for x in times[:i]] + [times[i][1]])
    hi = ahead([x[1] for x in times[:i]] + [times[i][0]])
    out = []
    for j in range(401):
        a = lo + (hi - lo) * j / 400
        rt = (int(math.floor((q * T - a) / T + 1e-9)), min(w, int(math.ceil(a - 1e-9))))
        if rt not in out:
            out.append(rt)
    return out


def gate_fields():
    """jwt.example, a good token (tier basic: 20 a minute), one keep-alive
    connection (client MSS 536, wscale 7, SACK), seven requests, the
    backend's stream edited for weir's RateLimit fields, every frame exact:
    1. the first response gets weir's fields before its head's final CRLF
       (an edit: 2 backend bytes, the CRLF, become the fields and the
       CRLF); the backend sends it again whole (the same frame again),
       then cut: its first 20 bytes (forwarded, before the edit), the rest
       (re-made from byte 20: the fields whole), a segment starting inside
       the CRLF (re-made at the edit's client seq, the fields whole and the
       body), one starting after it (the body, shifted by the fields), one
       ending inside it (the head up to the edit, the fields whole);
    2. a client ACK inside the fields reaches the backend as the edit's
       start, a SACK edge inside them too and one after them moved by the
       shift, the window len(F) smaller; the full ACK exact, window whole;
    3. the second request's response gets fields again (r and t of the
       GCRA after two: r one less), the shift now len(F1) more; a request
       that comes before the client ACKs them: weir's prefix of it carries
       the backend's view of the client's ACK and a window len(F2)
       smaller, its response no fields (http_rl_fields_skipped);
    4. a backend's own RateLimit more restrictive than weir's: forwarded
       as it is (http_rl_fields_backend); a less restrictive RateLimit and
       RateLimit-Policy with a header between them: replaced by weir's
       fields, the header between kept after them; that response sent
       again from inside the replaced lines (re-made from the edit's
       start); client ACKs at the start (the edit's start, the window
       ins - del smaller) and at the end of weir's bytes (window whole);
    5. a head segment of 500 bytes grown past the client's MSS: two
       segments (PSH on the last), the same two when it comes again; then
       a head cut over two backend segments: forwarded as is, no fields (http_rl_fields_skipped), the
       responses no longer followed. FINs both ways, counters exact
       (http_bytes_b2c: every byte weir sent the client from the backend's
       stream, retransmissions and fields included)."""
    t0 = time.time()
    c, v, sport, c0, b0 = D.CLI4, D.VIP4, 43100, 0x5000000, 0xfffffe00
    mss = 536
    tok = jwt(claims(tier='basic')).encode()
    reqs = [head(b'GET /v1/f?n=%d HTTP/1.1' % i, b'Host: jwt.example',
                 b'Authorization: Bearer ' + tok) for i in range(7)]
    vouched = [[b'GET /v1/f?n=%d HTTP/1.1' % i, b'Host: jwt.example',
                b'Authorization: Bearer ' + tok, b'X-Weir-Subject: alice',
                b'X-Weir-Tier: basic'] for i in range(7)]
    times = []  # when each request was admitted: (lo, hi)
    # The first response's steps quickly (weir answers each segment at
    # once; a late frame would still show in the next step's accounting):
    # the second request comes well within 3 s (basic's emission interval)
    # of the first, its r one less.
    Q = 0.05
    b2c = 0     # bytes of the backend's stream weir sent the client

    def pick(got, mk, what):
        """got against the frames mk(F) for every F possible for the
        latest admission: the F it carries."""
        alts = [fields(b'basic', 20, 60, r, t) for r, t in rl_alts(20, 60, times,
                                                                   len(times) - 1)]
        i = H.same(got, tuple(mk(f) for f in alts), what)
        return alts[i]

    with GateConfig() as gc, H.Live('gate-fields', gc.cfg, D.L4_PORT) as lv:
        k = H.handshake(lv, c, v, sport, 80, c0, mss, 7, True)
        n = len(reqs[0])
        win = (8192 - n) >> 7
        ta = time.time()
        got = lv.step([H.cli(c, v, sport, 80, 'PA', c0 + 1, k + 1, window=502, data=reqs[0])], 2,
                      'the first request', rtx=True, quiet=Q)
        times.append((ta, time.time()))
        H.same(got[0], H.made(v, c, 80, sport, 'A', k + 1, c0 + 1 + n, win), 'weir\'s ACK')
        lport = D.Ether(got[1])[D.TCP].sport
        s0 = D.Ether(got[1])[D.TCP].seq
        H.same(got[1], H.made(D.LOCAL4, D.BK4, lport, 8080, 'S', s0, 0, 502 << 7,
                              options=D.sp_syn_opts(mss, True, 7), dmac=D.BMAC),
               'the SYN to the backend')
        lv.unacked(got[1])
        bk = lambda *a, **kw: H.cli(D.BK4, D.LOCAL4, 8080, lport, *a, smac=D.BMAC, **kw)  # noqa
        to_c = lambda *a, **kw: H.made(v, c, 80, sport, *a, **kw)  # noqa
        fwd_c = lambda *a, **kw: H.fwd(v, c, 80, sport, *a, False, **kw)  # noqa
        fwd_b = lambda *a, **kw: H.fwd(D.LOCAL4, D.BK4, lport, 8080, *a, True, **kw)  # noqa
        got = lv.step([bk('SA', b0, s0 + 1, window=65160,
                          options=[('MSS', 1460), ('SAckOK', b''), ('WScale', 9)])],
                      1, 'the backend\'s SYN-ACK', rtx=True)
        rw = H.rewritten(vouched[0], c, H.request_id(got[0]))
        H.same(got[0], H.made(D.LOCAL4, D.BK4, lport, 8080, 'PA', s0 + 1, b0 + 1, 502, rw,
                              dmac=D.BMAC), 'weir\'s prefix (the vouched head)')
        lv.unacked(got[0])
        cn = c0 + 1 + n          # the client's next byte
        g = s0 - c0 + len(rw) - n  # client seq + g = the backend's (from cn on)
        bn = b0 + 1              # the backend's next byte
        d = k - b0               # backend seq + d = the client's

        # 1. The first response, with fields; then sent again, whole and cut.
        r1 = H.RESP
        hl = r1.index(b'\r\n\r\n') + 4
        body = r1[hl:]
        got = lv.step([bk('PA', bn, cn + g, window=1000, data=r1)], 1, 'the first response',
                      quiet=Q)
        F1 = pick(got[0], lambda f: to_c('PA', bn + d, cn, 4000, with_fields(r1, f)),
                  'the first response to the client, with fields')
        lv.unacked()
        first = got[0]
        w1 = with_fields(r1, F1)
        b2c += len(w1)
        at = bn + hl - 2  # the edit: the head's final CRLF (backend seq)
        got = lv.step([bk('PA', bn, cn + g, window=1000, data=r1)], 1, 'the response again',
                      quiet=Q)
        H.same(got[0], first, 'the response again to the client: the same frame')
        b2c += len(w1)
        got = lv.step([bk('PA', bn, cn + g, window=1000, data=r1[:20])], 1,
                      'its first 20 bytes again', quiet=Q)
        H.same(got[0], fwd_c('PA', bn + d, cn, window=4000, data=r1[:20]),
               'the first 20 bytes, before the edit: forwarded')
        b2c += 20
        got = lv.step([bk('PA', bn + 20, cn + g, window=1000, data=r1[20:])], 1,
                      'the rest again', quiet=Q)
        H.same(got[0], to_c('PA', bn + 20 + d, cn, 4000, w1[20:]),
               'the rest: re-made, the fields whole')
        b2c += len(w1) - 20
        got = lv.step([bk('PA', at + 1, cn + g, window=1000, data=r1[hl - 1:])], 1,
                      'a segment from inside the edited CRLF', quiet=Q)
        H.same(got[0], to_c('PA', at + d, cn, 4000, F1 + b'\r\n' + body),
               'from the edit\'s start: the fields whole, the body')
        b2c += len(F1) + 2 + len(body)
        got = lv.step([bk('PA', at + 2, cn + g, window=1000, data=body)], 1, 'the body again',
                      quiet=Q)
        H.same(got[0], fwd_c('PA', at + 2 + d + len(F1), cn, window=4000, data=body),
               'the body, after the edit: forwarded, shifted')
        b2c += len(body)
        got = lv.step([bk('PA', bn, cn + g, window=1000, data=r1[:hl - 1])], 1,
                      'a segment ending inside the edited CRLF', quiet=Q)
        H.same(got[0], to_c('PA', bn + d, cn, 4000, r1[:hl - 2] + F1 + b'\r\n'),
               'up to the edit, the fields whole')
        b2c += hl + len(F1)

        # 2. The client's ACKs: inside the fields, then of everything.
        start, ins = at + d, len(F1) + 2
        got = lv.step([H.cli(c, v, sport, 80, 'A', cn, start + 5, window=502,
                             options=H.sack(start + 10, start + ins + 5))], 1,
                      'an ACK inside the fields', quiet=Q)
        H.same(got[0], fwd_b('A', cn + g, at, window=((502 << 7) - len(F1)) >> 7,
                             options=H.sack(at, at + 2 + 5)),
               'the ACK to the backend: the edit\'s start, the window len(F) smaller')
        bn += len(r1)
        d += len(F1)
        got = lv.step([H.cli(c, v, sport, 80, 'A', cn, bn + d, window=502)], 1,
                      'the client\'s ACK of all', quiet=Q)
        H.same(got[0], fwd_b('A', cn + g, bn, window=502), 'the full ACK to the backend')

        def request(i, what, ack=None, b_ack=None, pwin=502):
            """Request i on the connection (the client's ACK ack, all by
            default): weir's ACK, its prefix (ACK b_ack, window pwin); the
            backend's ACK of it comes with the response."""
            nonlocal cn, g
            q = reqs[i]
            ta = time.time()
            got = lv.step([H.cli(c, v, sport, 80, 'PA', cn, bn + d if ack is None else ack,
                                 window=502, data=q)], 2, what, rtx=True, quiet=Q)
            times.append((ta, time.time()))
            bks = [f for f in got if f[:6] == lv.bmac]
            cs = [f for f in got if f[:6] != lv.bmac]
            wt.check(len(bks) == 1 and len(cs) == 1, '%s: a frame to each side: %s' %
                     (what, [D.Ether(f).summary() for f in got]))
            H.same(cs[0], to_c('A', bn + d, cn + len(q), 4000), what + ': weir\'s ACK')
            rwi = H.rewritten(vouched[i], c, H.request_id(bks[0]))
            H.same(bks[0], H.made(D.LOCAL4, D.BK4, lport, 8080, 'PA', cn + g,
                                  bn if b_ack is None else b_ack, pwin, rwi, dmac=D.BMAC),
                   what + ': weir\'s prefix')
            lv.unacked(bks[0])
            cn += len(q)
            g += len(rwi) - len(q)

        def acked(what):
            got = lv.step([H.cli(c, v, sport, 80, 'A', cn, bn + d, window=502)], 1, what)
            H.same(got[0], fwd_b('A', cn + g, bn, window=502), what + ' to the backend')

        # 3. The second request: fields again, after the first's shift.
        request(1, 'the second request')
        r2 = H.RESP.replace(b'hello', b'again')
        got = lv.step([bk('PA', bn, cn + g, window=1000, data=r2)], 1, 'the second response')
        lv.unacked()
        F2 = pick(got[0], lambda f: to_c('PA', bn + d, cn, 4000, with_fields(r2, f)),
                  'the second response to the client, with fields')
        # Within 3 s of the first (pick() checked it against the GCRA
        # whatever the time): the second of the minute, r one less, t the
        # two emission intervals less the time gone by, rounded up.
        e = times[1][1] - times[0][0]
        if e < 3:
            wt.check(F2 in [fields(b'basic', 20, 60, 18, t) for t in (6, 5, 4)],
                     'the second fields: %r' % F2)
        else:
            print('note: the second request %.2f s after the first: r and t checked '
                  'against the GCRA only' % e)
        b2c += len(r2) + len(F2)
        # A request while the second response's fields are unACKed (the
        # client's ACK from before the response): the prefix's ACK is the
        # backend's seq of it, its window len(F2) smaller; its response
        # gets no fields (http_rl_fields_skipped), shifted by them.
        bn += len(r2)
        d += len(F2)
        request(2, 'a request, the second response unACKed', ack=bn - len(r2) + d - len(F2),
                b_ack=bn - len(r2), pwin=((502 << 7) - len(F2)) >> 7)
        r2b = H.RESP.replace(b'hello', b'plain')
        got = lv.step([bk('PA', bn, cn + g, window=1000, data=r2b)], 1,
                      'the response to it')
        lv.unacked()
        H.same(got[0], fwd_c('PA', bn + d, cn, window=4000, data=r2b),
               'the response to it: no fields (the last ones unACKed)')
        b2c += len(r2b)
        bn += len(r2b)
        acked('the second response and the next ACKed')

        # 4. The backend's own RateLimit: more restrictive, then less.
        request(3, 'the third request')
        r3 = (b'HTTP/1.1 200 OK\r\nRateLimit: "backend";r=0;t=50\r\nContent-Length: 5\r\n\r\n'
              b'third')
        got = lv.step([bk('PA', bn, cn + g, window=1000, data=r3)], 1, 'the third response')
        lv.unacked()
        H.same(got[0], fwd_c('PA', bn + d, cn, window=4000, data=r3),
               'the third response: the backend\'s own fields stand')
        b2c += len(r3)
        bn += len(r3)
        acked('the third response ACKed')
        request(4, 'the fourth request')
        own = (b'RateLimit: "backend";r=999;t=1\r\nX-Between: kept\r\n'
               b'RateLimit-Policy: "backend";q=1000;w=60\r\n')
        r4 = (b'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n' + own + b'Server: dp\r\n\r\nfourth')
        got = lv.step([bk('PA', bn, cn + g, window=1000, data=r4)], 1, 'the fourth response')
        lv.unacked()
        F4 = pick(got[0], lambda f: to_c('PA', bn + d, cn, 4000,
                                         r4.replace(own, f + b'X-Between: kept\r\n')),
                  'the fourth response: weir\'s fields instead of the backend\'s')
        w4 = r4.replace(own, F4 + b'X-Between: kept\r\n')
        b2c += len(w4)
        # Sent again from inside the backend's lines weir replaced: re-made
        # from the edit's start, the fields and X-Between whole.
        at4 = bn + r4.index(own)
        ins4, del4 = len(F4) + len(b'X-Between: kept\r\n'), len(own)
        got = lv.step([bk('PA', at4 + 10, cn + g, window=1000, data=r4[at4 + 10 - bn:])], 1,
                      'the fourth response again, from inside the edit')
        H.same(got[0], to_c('PA', at4 + d, cn, 4000, w4[at4 - bn:]),
               'from inside the replaced lines: from the edit\'s start')
        b2c += len(w4) - (at4 - bn)
        # ACKs at the edges of weir's bytes: at their start (the backend's
        # edit start, the window ins - del smaller), at their end (the
        # backend's bytes after the edit, the window whole).
        got = lv.step([H.cli(c, v, sport, 80, 'A', cn, at4 + d, window=502)], 1,
                      'an ACK at the start of the fields', quiet=Q)
        H.same(got[0], fwd_b('A', cn + g, at4, window=((502 << 7) - (ins4 - del4)) >> 7),
               'the ACK at the fields\' start to the backend')
        got = lv.step([H.cli(c, v, sport, 80, 'A', cn, at4 + d + ins4, window=502)], 1,
                      'an ACK at the end of the fields', quiet=Q)
        H.same(got[0], fwd_b('A', cn + g, at4 + del4, window=502),
               'the ACK at the fields\' end to the backend')
        bn += len(r4)
        d += len(w4) - len(r4)
        acked('the fourth response ACKed')

        # 5. Grown past the client's MSS: two segments.
        request(5, 'the fifth request')
        pad = b'X-Pad: ' + b'p' * 400
        r5 = b'HTTP/1.1 200 OK\r\n' + pad + b'\r\nContent-Length: 40\r\n\r\n' + b'5' * 40
        wt.check(len(r5) <= mss < len(r5) + 100, 'r5 is %d bytes' % len(r5))
        got = lv.step([bk('PA', bn, cn + g, window=1000, data=r5)], 2, 'the fifth response')
        lv.unacked()
        F5 = pick(got[0], lambda f: to_c('A', bn + d, cn, 4000, with_fields(r5, f)[:mss]),
                  'the fifth response\'s first segment (the client\'s MSS, no PSH)')
        w5 = with_fields(r5, F5)
        H.same(got[1], to_c('PA', bn + d + mss, cn, 4000, w5[mss:]),
               'the fifth response\'s second segment')
        b2c += len(w5)
        got = lv.step([bk('PA', bn, cn + g, window=1000, data=r5)], 2,
                      'the fifth response again')
        wt.check(got == [w for w in (to_c('A', bn + d, cn, 4000, w5[:mss]),
                                     to_c('PA', bn + d + mss, cn, 4000, w5[mss:]))],
                 'the fifth response again: not the same two segments:\n%s' %
                 '\n'.join(D.Ether(f).summary() for f in got))
        b2c += len(w5)
        bn += len(r5)
        d += len(F5)
        acked('the fifth response ACKed')
        # A head cut over two segments: not followed any more.
        request(6, 'the sixth request')
        r6 = H.RESP.replace(b'hello', b'sixth')
        cut = 30
        got = lv.step([bk('PA', bn, cn + g, window=1000, data=r6[:cut])], 1,
                      'the sixth response\'s head, part 1')
        lv.unacked()
        H.same(got[0], fwd_c('PA', bn + d, cn, window=4000, data=r6[:cut]),
               'part 1, as it is')
        got = lv.step([bk('PA', bn + cut, cn + g, window=1000, data=r6[cut:])], 1,
                      'the sixth response\'s head, part 2')
        H.same(got[0], fwd_c('PA', bn + cut + d, cn, window=4000, data=r6[cut:]),
               'part 2, as it is')
        b2c += len(r6)
        bn += len(r6)
        acked('the sixth response ACKed')

        # FINs both ways.
        got = lv.step([bk('FA', bn, cn + g, window=1000)], 1, 'backend FIN')
        H.same(got[0], fwd_c('FA', bn + d, cn, window=4000), 'the backend\'s FIN to the client')
        got = lv.step([H.cli(c, v, sport, 80, 'FA', cn, bn + 1 + d, window=502)], 1, 'client FIN')
        H.same(got[0], fwd_b('FA', cn + g, bn + 1, window=502), 'the client\'s FIN to the backend')
        got = lv.step([bk('A', bn + 1, cn + 1 + g, window=1000)], 1, 'last ACK')
        H.same(got[0], fwd_c('A', bn + 1 + d, cn + 1, window=4000),
               'the backend\'s last ACK to the client')
        lv.counters({'http_conns': 1, 'http_heads': 7, 'http_heads_later': 6, 'http_routed': 7,
                     'http_spliced': 1, 'http_answers': 0, 'http_bytes_b2c': b2c,
                     'http_bytes_c2b': 0, 'http_ooo': 0,
                     'http_rl_fields': 4, 'http_rl_fields_backend': 1,
                     'http_rl_fields_skipped': 2,
                     'gate_allowed': 7, 'gate_by_jwt': 7, 'gate_limited': 0},
                    'gate-fields counters')
        svcs = {x['name']: x for x in lv.w.ctl('services')['services']}
        wt.expect_counters(svcs, {'api': {'backends': {0: {'conns_total': 1}}}},
                           'one backend connection')
        rtx = dict(lv.rtx)
    print('ok: gate-fields (%.1f s, retransmissions %s, the second request %.2f s after the '
          'first, fields %r)' % (time.time() - t0, rtx, e, [F1, F2, F4, F5]))
