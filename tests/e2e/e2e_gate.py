"""End-to-end scenarios of the API gate (e2e.py runs them): curl and wrk in a
client namespace, http_backend.py servers in a backend namespace, weir
between them on tap ports, with two workers.

  gate  an http service whose routes (by host) need a JWT (jwt.example), an
        API key (key.example), either with min_tier basic (any.example), or
        nothing but a per-address limit (open.example): a good token reaches
        the backend, which sees X-Weir-Subject and X-Weir-Tier (and not what
        the client claimed); no token, an expired one, alg none -> 401 with
        WWW-Authenticate; a blocked key -> 403; a free key's 5 admitted
        requests carry weir's RateLimit fields in the backend's answers (r
        counting down 4..0) and its 6th request in
        a minute -> 429 with Retry-After, RateLimit-Policy, RateLimit, the
        legacy X-RateLimit trio and problem+json; a key in the query; a free
        key below min_tier -> 403; weirctl key add, tier, block, usage, keys,
        token revoke take effect at run time; exactness across workers: one
        key from 24 client addresses spread over both workers, exactly its
        quota admitted; wrk keep-alive with one key: admitted = the quota,
        admitted + limited = what weir answered, >= wrk's count; weirctl top keys:
        the keys limited most, in order, with exact counts (error 0: fewer keys
        than counters), owners, tiers, a JWT subject by name and an address;
        one keep-alive connection (keepalive_client.py) with a premium key:
        weir's fields in each response head, never in a body, through chunked
        bodies holding a response head's text, HEAD, 100-continue, 204, 304,
        the backend's own RateLimit fields (more restrictive: they stand;
        less: weir's replace them) and a large body, exact bodies and counters
"""
import base64
import concurrent.futures
import hashlib
import hmac
import json
import os
import re
import subprocess
import time

E = None  # the e2e module
PORT = 8000
SECRET = b'e2e-gate-secret-0123456789abcdef!'
ISS = 'https://auth.e2e.example'
AUD = 'weir-e2e'
K_FREE = 'k-free-0123456789abcdef'
K_FREE2 = 'k-free2-0123456789abcdef'
K_BASIC = 'k-basic-0123456789abcdef'
K_BLOCKED = 'k-blocked-0123456789abcdef'
K_NEW = 'k-new-0123456789abcdef'
K_WRK = 'k-wrk-0123456789abcdef'
K_SPREAD = 'k-spread-0123456789abcdef'
K_OWN = 'k-own-0123456789abcdef'
K_TOP7 = 'k-top7-0123456789abcdef'
K_TOP3 = 'k-top3-0123456789abcdef'
K_KA = 'k-ka-0123456789abcdef'
N_ADDRS = 24  # client addresses of the exactness check


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode()


def jwt(claims, alg='HS256', key=SECRET):
    head = b64(json.dumps({'alg': alg, 'typ': 'JWT'}).encode())
    body = b64(json.dumps(claims).encode())
    signing = (head + '.' + body).encode()
    sig = b64(hmac.new(key, signing, hashlib.sha256).digest()) if alg == 'HS256' else ''
    return head + '.' + body + '.' + sig


def claims(**kw):
    c = {'iss': ISS, 'aud': AUD, 'sub': 'alice', 'exp': int(time.time()) + 3600}
    c.update(kw)
    return c


def gate_config(web):
    def mutate(cfg):
        with open(os.path.join(web, 'jwt.secret'), 'wb') as f:
            f.write(SECRET)
        cfg['workers'] = [1, 2]
        cfg['gate'] = {
            'issuers': [{'name': 'e2e', 'iss': ISS, 'aud': AUD, 'alg': 'HS256',
                         'secret_file': os.path.join(web, 'jwt.secret')}],
            'api_keys': {'keys': [
                {'key': K_FREE, 'tier': 'free', 'owner': 'fred'},
                {'key': K_FREE2, 'tier': 'free', 'owner': 'fran'},
                {'key': K_BASIC, 'tier': 'basic', 'owner': 'bob'},
                # 100 a day in place of premium's 100 a minute: GCRA gives one
                # back every 864 s (60 / 100 = 0.6 s for premium's), so r counts
                # down by exactly one per request however slowly keepalive() runs.
                {'key': K_KA, 'tier': 'premium', 'owner': 'kim',
                 'limits': [{'name': 'ka', 'limit': 100, 'window_s': 86400}]},
                {'key': K_OWN, 'tier': 'enterprise', 'owner': 'own',
                 'limits': [{'name': 'own', 'limit': 2, 'window_s': 60}]},
                {'hash': hashlib.sha256(K_BLOCKED.encode()).hexdigest(), 'tier': 'premium',
                 'owner': 'mallory', 'blocked': True}]},
            'limit_entries': 65536, 'token_cache': 256,
            'bad_auth': {'limit': 10, 'window_s': 60, 'ban_s': 30},
            'key_bans': {'after': 50, 'window_s': 60, 'first_s': 30},
        }
        cfg['services'].append({
            'name': 'api', 'vip': E.VIP4, 'port': PORT, 'protocol': 'http', 'scheduler': 'rr',
            'local_ips': [E.BLOCAL4], 'pool': 'web4', 'timeouts': {'closed': 1},
            'routes': [
                {'host': 'jwt.example', 'pool': 'web4', 'auth': 'jwt'},
                {'host': 'key.example', 'pool': 'web4', 'auth': 'api_key'},
                {'host': 'any.example', 'pool': 'web4', 'auth': 'any', 'min_tier': 'basic'},
                {'host': 'open.example', 'pool': 'web4',
                 'limits': [{'name': 'open', 'limit': 3, 'window_s': 60}]}]})
    return mutate


def curl(t, host, path, *args, src=None):
    """(status, headers dict lowercased, body) of one request from the client namespace."""
    argv = ['curl', '-sS', '--max-time', '20', '-D', '-', '-H', 'Host: ' + host]
    if src is not None:
        argv += ['--interface', src]
    r = E.sh(*argv, *args, 'http://%s:%d%s' % (E.VIP4, PORT, path), ns=t.nsc, check=False)
    E.wt.check(r.returncode == 0, 'curl %s %s: exit %d %s' % (host, path, r.returncode,
                                                              r.stderr))
    # (text mode: CR LF reads as LF)
    head, _, body = r.stdout.partition('\n\n')
    lines = head.split('\n')
    status = int(lines[0].split()[1])
    hdr = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(':')
        hdr[k.strip().lower()] = v.strip()
    return status, hdr, body


def echo_headers(body):
    try:
        return {k.lower(): v for k, v in json.loads(body)['headers']}
    except ValueError:
        E.wt.fail('not the backend\'s echo: %r' % body)


def stats_total(t):
    return t.w.ctl('stats')['total']


def check_401(t, name, *args):
    st, h, body = curl(t, 'jwt.example', '/echo', *args)
    E.wt.check(st == 401 and h.get('www-authenticate', '').startswith(
        'Bearer error="invalid_token", error_description="'),
               '%s: %d %s %s' % (name, st, h, body))
    return h['www-authenticate']


def check_429(t, h, body, policy, q, w):
    E.wt.check(h.get('content-type') == 'application/problem+json', '429 type: %s' % h)
    pb = json.loads(body)
    E.wt.check(pb.get('type') == 'https://iana.org/assignments/http-problem-types#quota-exceeded'
               and pb.get('status') == 429 and pb.get('violated-policies') == [policy],
               '429 body: %s' % body)
    E.wt.check(h.get('ratelimit-policy') == '"%s";q=%d;w=%d' % (policy, q, w),
               'RateLimit-Policy: %s' % h)
    rl = h.get('ratelimit', '')
    E.wt.check(rl.startswith('"%s";r=0;t=' % policy), 'RateLimit: %s' % h)
    t_s = int(rl.split(';t=')[1])
    E.wt.check(0 <= t_s <= w and int(h.get('retry-after', '-1')) >= t_s,
               'Retry-After %s, t %d' % (h.get('retry-after'), t_s))
    E.wt.check(h.get('x-ratelimit-limit') == str(q) and h.get('x-ratelimit-remaining') == '0'
               and int(h.get('x-ratelimit-reset', '-1')) == t_s, 'legacy trio: %s' % h)


def gate():
    import tempfile
    web = tempfile.mkdtemp(prefix='weir-e2e-gate-secret-')
    try:
        with E.l4_topology('e2e-gate', mutate=gate_config(web),
                           lcores='0@0,1@1,2@0') as t:
            E.write_who(t.web)
            E.bring_up(t.w, t.nsc, t.nsb, t.tapc, t.tapb, t.web, t.procs,
                       serve=backend_argv())
            run(t)
    finally:
        for f in os.listdir(web):
            os.unlink(os.path.join(web, f))
        os.rmdir(web)


def backend_argv():
    here = os.path.dirname(os.path.abspath(__file__))

    def argv(addr, name, log):
        return ['/usr/bin/python3', os.path.join(here, 'http_backend.py'), addr, str(E.BPORT),
                name, log]
    return argv


def run(t):
    # A good token: through, and the backend learns who (not what the client says).
    tok = jwt(claims(tier='basic'))
    st, h, body = curl(t, 'jwt.example', '/echo', '-H', 'Authorization: Bearer ' + tok,
                       '-H', 'X-Weir-Subject: root', '-H', 'X-Weir-Key-Id: 0000')
    E.wt.check(st == 200, 'good token: %d %s' % (st, body))
    eh = echo_headers(body)
    E.wt.check(eh.get('x-weir-subject') == 'alice' and eh.get('x-weir-tier') == 'basic' and
               'x-weir-key-id' not in eh, 'identity seen by the backend: %s' % eh)
    before = stats_total(t)
    curl(t, 'jwt.example', '/echo', '-H', 'Authorization: Bearer ' + tok)
    E.wt.check(stats_total(t)['gate_cache_hits'] >= before['gate_cache_hits'],
               'gate counters')
    # Refusals: 401 with RFC 6750's challenge.
    check_401(t, 'no token')
    w = check_401(t, 'expired', '-H', 'Authorization: Bearer ' +
                  jwt(claims(exp=int(time.time()) - 100)))
    E.wt.check('expired' in w, 'expired: %s' % w)
    check_401(t, 'alg none', '-H', 'Authorization: Bearer ' + jwt(claims(), alg='none'))
    check_401(t, 'forged', '-H', 'Authorization: Bearer ' + jwt(claims(), key=b'x' * 40))
    print('ok: JWT through with X-Weir-Subject/-Tier; no token, expired, alg none, forged: 401',
          flush=True)

    # API keys: blocked 403; a free key's 6th request in a minute 429.
    st, _, body = curl(t, 'key.example', '/echo', '-H', 'X-API-Key: ' + K_BLOCKED)
    E.wt.check(st == 403, 'blocked key: %d %s' % (st, body))
    for i in range(5):
        st, h, body = curl(t, 'key.example', '/echo', '-H', 'X-API-Key: ' + K_FREE)
        E.wt.check(st == 200, 'free key request %d: %d %s' % (i + 1, st, body))
        eh = echo_headers(body)
        E.wt.check(eh.get('x-weir-subject') == 'fred' and eh.get('x-weir-tier') == 'free' and
                   len(eh.get('x-weir-key-id', '')) == 16 and
                   K_FREE not in ''.join(v for k, v in eh.items() if k.startswith('x-weir')),
                   'key identity: %s' % eh)
        # weir's RateLimit fields in the backend's answer: what is left after this one.
        m = re.fullmatch(r'"free";r=(\d+);t=(\d+)', h.get('ratelimit', ''))
        E.wt.check(h.get('ratelimit-policy') == '"free";q=5;w=60' and m is not None and
                   int(m.group(1)) == 4 - i and 0 < int(m.group(2)) <= 60 and
                   h.get('x-ratelimit-limit') == '5' and
                   h.get('x-ratelimit-remaining') == str(4 - i) and
                   h.get('x-ratelimit-reset') == m.group(2),
                   'RateLimit fields of allowed request %d: %s' % (i + 1, h))
    st, h, body = curl(t, 'key.example', '/echo', '-H', 'X-API-Key: ' + K_FREE)
    E.wt.check(st == 429, '6th free request: %d %s' % (st, body))
    check_429(t, h, body, 'free', 5, 60)
    # In the query; a free key below min_tier basic; a basic one passes.
    st, _, body = curl(t, 'key.example', '/echo?x=1&api_key=' + K_FREE2)
    E.wt.check(st == 200 and echo_headers(body).get('x-weir-subject') == 'fran',
               'key in the query: %d %s' % (st, body))
    st, _, body = curl(t, 'any.example', '/echo', '-H', 'X-API-Key: ' + K_FREE2)
    E.wt.check(st == 403, 'free key on a basic route: %d %s' % (st, body))
    st, _, body = curl(t, 'any.example', '/echo', '-H', 'X-API-Key: ' + K_BASIC)
    E.wt.check(st == 200, 'basic key on a basic route: %d %s' % (st, body))
    # A key with limits of its own (2 a minute) in place of its tier's (enterprise).
    codes = [curl(t, 'key.example', '/who', '-H', 'X-API-Key: ' + K_OWN) for _ in range(3)]
    E.wt.check([c[0] for c in codes] == [200, 200, 429] and
               codes[2][1].get('ratelimit-policy') == '"own";q=2;w=60',
               'a key\'s own limits: %s' % [(c[0], c[1].get('ratelimit-policy')) for c in codes])
    own = t.w.ctl('usage', K_OWN)['rules']
    E.wt.check([(u['rule'], u['scope'], u['allowed'], u['limited']) for u in own] ==
               [('own', 'key', 2, 1)], 'usage of a key with its own limits: %s' % own)
    # A route nobody authenticates: what the client claims never reaches the backend.
    st, _, body = curl(t, 'other.example', '/echo', '-H', 'X-Weir-Subject: root', '-H',
                       'X-Weir-Tier: enterprise', '-H', 'X-Weir-Key-Id: 0123456789abcdef')
    E.wt.check(st == 200 and not any(k.startswith('x-weir-') for k in echo_headers(body)),
               'X-Weir-* on a route without auth: %d %s' % (st, body))
    # No auth, a per-address limit of 3 a minute.
    codes = [curl(t, 'open.example', '/who')[0] for _ in range(4)]
    E.wt.check(codes == [200, 200, 200, 429], 'open route, 3 a minute: %s' % codes)
    print('ok: blocked 403, free 6th 429 with its headers, key in the query, min_tier 403, '
          'per-address limit', flush=True)

    # Run time: add a key, use up its quota, re-tier it, block it; usage; revoke a token.
    st, _, _ = curl(t, 'key.example', '/who', '-H', 'X-API-Key: ' + K_NEW)
    E.wt.check(st == 401, 'unknown key: %d' % st)
    added = t.w.ctl('key', 'add', K_NEW, 'free', '--owner', 'newbie')
    E.wt.check(added.get('tier') == 'free' and added.get('owner') == 'newbie', str(added))
    codes = [curl(t, 'key.example', '/who', '-H', 'X-API-Key: ' + K_NEW)[0] for _ in range(6)]
    E.wt.check(codes == [200] * 5 + [429], 'added key: %s' % codes)
    use = t.w.ctl('usage', K_NEW)
    r0 = use['rules'][0]
    E.wt.check(r0['rule'] == 'free' and r0['allowed'] == 5 and r0['limited'] == 1 and
               r0['remaining'] == 0 and 0 < r0['reset_s'] <= 60, 'usage: %s' % use)
    t.w.ctl('key', 'tier', K_NEW, 'enterprise')
    st, _, body = curl(t, 'key.example', '/echo', '-H', 'X-API-Key: ' + K_NEW)
    E.wt.check(st == 200 and echo_headers(body).get('x-weir-tier') == 'enterprise',
               're-tiered key: %d %s' % (st, body))
    t.w.ctl('key', 'block', 'id:' + added['id'])
    E.wt.check(curl(t, 'key.example', '/who', '-H', 'X-API-Key: ' + K_NEW)[0] == 403,
               'blocked at run time')
    keys = t.w.ctl('keys')
    E.wt.check(keys['count'] == 7 and not any(K_NEW in json.dumps(k) for k in keys['keys']),
               'keys: %s' % keys)
    tok = jwt(claims(sub='carol', jti='logout-1'))
    E.wt.check(curl(t, 'jwt.example', '/who', '-H', 'Authorization: Bearer ' + tok)[0] == 200,
               'token before revocation')
    t.w.ctl('token', 'revoke', 'logout-1')
    w = check_401(t, 'revoked', '-H', 'Authorization: Bearer ' + tok)
    E.wt.check('revoked' in w, 'revoked: %s' % w)
    print('ok: weirctl key add/tier/block, usage, keys, token revoke at run time', flush=True)

    keepalive(t)
    bad_auth(t)
    spread(t)
    wrk(t)
    top_keys(t)


FAKE_HEAD = b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n'  # as http_backend.py's
RL_NAMES = ('ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-ratelimit-remaining',
            'x-ratelimit-reset')


def pattern(n):
    """http_backend.py's /bytes/N."""
    return (bytes(range(256)) * (n // 256 + 1))[:n]


def chunked_body(n):
    """http_backend.py's /chunked/N: /bytes/N's with a response head at offset 101."""
    b = bytearray(pattern(n))
    b[101:101 + len(FAKE_HEAD)] = FAKE_HEAD
    return bytes(b)


def sha(b):
    return hashlib.sha256(b).hexdigest()


def keepalive(t):
    """One keep-alive connection with a premium key (its own 100 a day), each request
    after the whole response to the one before (keepalive_client.py parses
    them strictly): every response is framed as the backend sent it, bodies
    exact (a chunked one whose bytes hold a response head, so a tracker out of
    step would put fields into it), and each final head carries weir's fields
    with r counting down 99..90 (one per admitted request), but the one where
    the backend's own are more restrictive: those stand, alone. The client
    waits for (and so ACKs) each response before the next request goes, so
    every response is one to the only request out with the last fields ACKed:
    none is skipped."""
    names = {sha(n.encode()): n for n in E.NAMES}
    key = [['Host', 'key.example'], ['X-API-Key', K_KA]]
    post = 'the body of a POST that waited for 100 Continue\n' * 20
    # (request, status, backend's header names without RateLimit ones, bodies' sha256s
    # (several: the backend's name in them), length)
    steps = [
        ({'method': 'GET', 'path': '/who'}, 200,
         ['Server', 'Date', 'Content-Type', 'Content-Length'], names, None),
        ({'method': 'GET', 'path': '/chunked/70000'}, 200,
         ['Server', 'Date', 'Content-Type', 'Transfer-Encoding'],
         {sha(chunked_body(70000))}, 70000),
        ({'method': 'HEAD', 'path': '/who'}, 200,
         ['Server', 'Date', 'Content-Type', 'Content-Length'], {sha(b'')}, 0),
        ({'method': 'POST', 'path': '/echo', 'body': post, 'expect_100': True}, 200,
         ['Server', 'Date', 'Content-Type', 'Content-Length'],
         {sha(json.dumps({'name': n, 'length': len(post),
                          'sha256': sha(post.encode())}).encode()) for n in E.NAMES}, None),
        ({'method': 'GET', 'path': '/status/204'}, 204, ['Server', 'Date'], {sha(b'')}, 0),
        ({'method': 'GET', 'path': '/status/304'}, 304, ['Server', 'Date'], {sha(b'')}, 0),
        ({'method': 'GET', 'path': '/own-ratelimit?r=0&t=50'}, 200,
         ['Server', 'Date', 'Content-Type', 'X-Between', 'Content-Length'], {sha(b'own')}, 3),
        ({'method': 'GET', 'path': '/own-ratelimit?r=999&t=1'}, 200,
         ['Server', 'Date', 'Content-Type', 'X-Between', 'Content-Length'], {sha(b'own')}, 3),
        ({'method': 'GET', 'path': '/bytes/200000'}, 200,
         ['Server', 'Date', 'Content-Type', 'Content-Length'], {sha(pattern(200000))}, 200000),
        ({'method': 'GET', 'path': '/who'}, 200,
         ['Server', 'Date', 'Content-Type', 'Content-Length'], names, None),
    ]
    backend_wins = 6  # the index of /own-ratelimit?r=0: the backend's r=0 < weir's 93
    reqs = [dict(rq, headers=key) for rq, *_ in steps]
    before = stats_total(t)
    here = os.path.dirname(os.path.abspath(__file__))
    r = E.sh('/usr/bin/python3', os.path.join(here, 'keepalive_client.py'), E.VIP4, str(PORT),
             json.dumps(reqs), ns=t.nsc, check=False)
    E.wt.check(r.returncode == 0, 'keepalive_client exited %d:\n%s%s' %
               (r.returncode, r.stderr, r.stdout))
    got = json.loads(r.stdout)
    E.wt.check(len(got) == len(steps), 'keep-alive: %d answers of %d' % (len(got), len(steps)))
    for i, ((rq, status, names_want, digests, length), a) in enumerate(zip(steps, got)):
        what = 'keep-alive request %d (%s %s): %s' % (i + 1, rq['method'], rq['path'],
                                                      json.dumps(a))
        hs = a['headers']

        def vals(name):
            return [v for k, v in hs if k.lower() == name]
        E.wt.check(a['status'] == status, what)
        E.wt.check(a['interim'] == ([100] if rq.get('expect_100') else []) and
                   not any(k.lower() in RL_NAMES for ih in a['interim_headers'] for k, _ in ih),
                   'interim responses: ' + what)
        E.wt.check(a['sha256'] in digests and (length is None or a['length'] == length),
                   'body: ' + what)
        E.wt.check([k for k, _ in hs if k.lower() not in RL_NAMES] == names_want,
                   'the backend\'s header lines: ' + what)
        if rq['path'].startswith('/own-ratelimit'):
            E.wt.check(vals('x-between') == ['1'], 'X-Between: ' + what)
        if i == backend_wins:
            # The backend's own, more restrictive, stand as it sent them, and weir's
            # none: not even its legacy trio.
            E.wt.check([[k, v] for k, v in hs if k.lower() in RL_NAMES + ('x-between',)] ==
                       [['RateLimit-Policy', '"backend";q=1000;w=60'], ['X-Between', '1'],
                        ['RateLimit', '"backend";r=0;t=50']], 'the backend\'s fields: ' + what)
            continue
        # weir's, each once: what is left after this request (q 100, the i+1-th).
        rl = vals('ratelimit')
        m = re.fullmatch(r'"ka";r=(\d+);t=(\d+)', rl[0]) if len(rl) == 1 else None
        E.wt.check(vals('ratelimit-policy') == ['"ka";q=100;w=86400'] and m is not None and
                   int(m.group(1)) == 99 - i and 0 < int(m.group(2)) <= 86400 and
                   vals('x-ratelimit-limit') == ['100'] and
                   vals('x-ratelimit-remaining') == [str(99 - i)] and
                   vals('x-ratelimit-reset') == [m.group(2)], 'weir\'s fields: ' + what)
    E.wt.check(got[0]['sha256'] == got[-1]['sha256'], 'one backend for one connection')
    # The counters: 9 responses with weir's fields, 1 with the backend's, none skipped.
    want = {'http_rl_fields': 9, 'http_rl_fields_backend': 1, 'http_rl_fields_skipped': 0,
            'gate_allowed': 10, 'gate_limited': 0}

    def moved():
        cur = stats_total(t)
        return {k: cur[k] - before[k] for k in want}
    d = moved()
    for _ in range(10):  # (read at most 3 s, should a worker's counters lag)
        if d == want:
            break
        time.sleep(0.3)
        d = moved()
    E.wt.check(d == want, 'keep-alive counters moved %s, want %s' % (d, want))
    print('ok: one keep-alive connection, 10 requests (chunked with a head inside, HEAD, '
          '100-continue, 204, 304, the backend\'s own fields standing and replaced, 200 KB): '
          'bodies exact, weir\'s fields r 99..90 in 9 heads, counters %s' % d, flush=True)


def bad_auth(t):
    """A source failing authentication 10 times in a minute (bad_auth 10): its
    next request is refused 429 and the source banned from every service by
    'gate' (weirctl bans); another source is not."""
    src = '198.18.0.99'
    E.sh('ip', 'addr', 'add', src + '/24', 'dev', t.tapc, ns=t.nsc)
    forged = 'Authorization: Bearer ' + jwt(claims(), key=b'y' * 40)
    codes = [curl(t, 'jwt.example', '/who', '-H', forged, src=src)[0] for _ in range(11)]
    E.wt.check(codes == [401] * 10 + [429], 'bad tokens: %s' % codes)
    E.wait_for(lambda: any(b['source'] == src + '/32' and b['by'] == 'gate'
                              for b in t.w.ctl('bans')['bans']), 'the gate\'s ban of ' + src)
    r = E.sh('curl', '-sS', '-o', '/dev/null', '--max-time', '2', '--interface', src,
             '-H', 'Host: jwt.example', '-H', 'Authorization: Bearer ' + jwt(claims()),
             'http://%s:%d/who' % (E.VIP4, PORT), ns=t.nsc, check=False)
    E.wt.check(r.returncode != 0, 'a banned source was answered: %s' % r.stdout)
    E.wt.check(curl(t, 'jwt.example', '/who', '-H', 'Authorization: Bearer ' +
                    jwt(claims()))[0] == 200, 'another source')
    E.wt.check(stats_total(t)['gate_bans'] == 1, 'gate_bans')
    print('ok: 10 failed authentications from one source, then 429 and a ban by the gate',
          flush=True)


def spread(t):
    """One free key from many addresses over both workers: exactly 5 pass."""
    addrs = ['198.18.0.%d' % (100 + i) for i in range(N_ADDRS)]
    for a in addrs:
        E.sh('ip', 'addr', 'add', a + '/24', 'dev', t.tapc, ns=t.nsc)
    t.w.ctl('key', 'add', K_SPREAD, 'free')
    before = t.w.ctl('stats')['workers']

    def one(a):
        return curl(t, 'key.example', '/who', '-H', 'X-API-Key: ' + K_SPREAD, src=a)[0]
    with concurrent.futures.ThreadPoolExecutor(max_workers=N_ADDRS) as ex:
        codes = list(ex.map(one, addrs * 2))
    after = t.w.ctl('stats')['workers']
    per = [(a['gate_allowed'] + a['gate_limited']) - (b['gate_allowed'] + b['gate_limited'])
           for a, b in zip(after, before)]
    E.wt.check(codes.count(200) == 5 and codes.count(429) == len(codes) - 5,
               'one key from %d addresses: %s' % (N_ADDRS, codes))
    E.wt.check(len(per) == 2 and min(per) > 0, 'requests per worker: %s' % per)
    print('ok: one key over both workers (%s requests each): exactly 5 of %d admitted' %
          (per, len(codes)), flush=True)


def settled(t):
    """The total counters once the gate's have not moved for 0.3 s (at most 3 s)."""
    prev = stats_total(t)
    for _ in range(10):
        time.sleep(0.3)
        cur = stats_total(t)
        if all(cur[k] == prev[k] for k in ('gate_allowed', 'gate_limited')):
            return cur
        prev = cur
    return prev


def wrk(t):
    """wrk keep-alive for 5 s with one free key (5 a minute: one more every 12 s, so
    none within the run): admitted = 5; weir's answers >= wrk's count; past 50
    429s (gate.key_bans) the key is banned: 403 from then on, weirctl gate
    lists it."""
    t.w.ctl('key', 'add', K_WRK, 'free')
    before = stats_total(t)
    r = E.sh('wrk', '-t', '2', '-c', '8', '-d', '5s', '-H', 'Host: key.example', '-H',
             'X-API-Key: ' + K_WRK, 'http://%s:%d/who' % (E.VIP4, PORT), ns=t.nsc)
    total = int(r.stdout.split(' requests in ')[0].split()[-1])
    non2xx = 0
    for ln in r.stdout.splitlines():
        if 'Non-2xx or 3xx responses:' in ln:
            non2xx = int(ln.split(':')[1])
    # wrk stops with a request in flight on each connection: weir may still
    # answer them; read the counters and the key's usage once they are still.
    after = settled(t)
    allowed = after['gate_allowed'] - before['gate_allowed']
    limited = after['gate_limited'] - before['gate_limited']
    banned = after['gate_key_banned'] - before['gate_key_banned']
    usage = t.w.ctl('usage', K_WRK)
    use = usage['rules'][0]
    E.wt.check(total - non2xx == 5 and allowed == 5 and use['allowed'] == 5,
               'wrk: %d requests, %d non-2xx, weir allowed %d, usage %s\n%s' %
               (total, non2xx, allowed, use, r.stdout))
    E.wt.check(total <= allowed + limited + banned <= total + 8 and use['limited'] == limited,
               'wrk %d, weir allowed %d + limited %d + banned %d' %
               (total, allowed, limited, banned))
    gate = t.w.ctl('gate')
    E.wt.check(limited > 50 and banned > 0 and after['gate_key_bans'] >= 1 and
               any(b['key'] == 'id:' + usage['id'] and b['times'] >= 1 and
                   0 < b['remaining_s'] <= 30 for b in gate['banned_keys']),
               'key ban: limited %d, banned %d, %s' % (limited, banned, gate['banned_keys']))
    print('ok: wrk %d requests with one key: %d admitted, %d limited, then banned: %d 403' %
          (total, allowed, limited, banned), flush=True)


def top_keys(t):
    """weirctl top keys: two new keys limited 7 and 3 times, a JWT subject once,
    after the keys of the checks above (wrk's, the spread one's 43, 1s)."""
    ids = {}
    for k, owner, n in ((K_TOP7, 'seven', 12), (K_TOP3, 'three', 8)):
        ids[k] = t.w.ctl('key', 'add', k, 'free', '--owner', owner)['id']
        codes = [curl(t, 'key.example', '/who', '-H', 'X-API-Key: ' + k)[0] for _ in range(n)]
        E.wt.check(codes == [200] * 5 + [429] * (n - 5), '%s: %s' % (owner, codes))
    tok = jwt(claims(sub='dave', tier='free'))
    codes = [curl(t, 'jwt.example', '/who', '-H', 'Authorization: Bearer ' + tok)[0]
             for _ in range(6)]
    E.wt.check(codes == [200] * 5 + [429], 'dave (free): %s' % codes)
    wrk_use = t.w.ctl('usage', K_WRK)
    top = t.w.ctl('top', 'keys', '20')
    rows = top['keys']
    want = [('id:' + wrk_use['id'], wrk_use['rules'][0]['limited']),
            ('id:' + t.w.ctl('usage', K_SPREAD)['id'], N_ADDRS * 2 - 5),
            ('id:' + ids[K_TOP7], 7), ('id:' + ids[K_TOP3], 3)]
    E.wt.check([(r['key'], r['limited']) for r in rows[:4]] == want and
               all(r['error'] == 0 for r in rows), 'top keys: want %s first\n%s' %
               (want, json.dumps(top, indent=1)))
    by = {r['key']: r for r in rows}
    r7 = by['id:' + ids[K_TOP7]]
    E.wt.check(r7['owner'] == 'seven' and r7['tier'] == 'free' and r7['kind'] == 'api_key',
               'top keys row: %s' % r7)
    d = by.get('jwt:e2e/dave')
    E.wt.check(d is not None and d['limited'] == 1 and d['tier'] == 'free' and
               d['subject'] == 'dave' and d['issuer'] == 'e2e', 'dave: %s' % rows)
    E.wt.check(any(r['kind'] == 'address' and r['limited'] == 1 and r['tier'] is None
                   for r in rows), 'the open route\'s address: %s' % rows)
    E.wt.check(top['limited_total'] == sum(r['limited'] for r in rows),
               'limited_total: %s' % top)
    E.wt.check(t.w.ctl('top', 'keys', '2')['keys'] == rows[:2] and
               'top' in t.w.ctl('top', '3'), 'top keys 2, top 3')
    text = subprocess.run([t.w.weirctl, '--socket', t.w.sock, 'top', 'keys', '4'],
                          capture_output=True, text=True, timeout=30).stdout.splitlines()
    E.wt.check(len(text) == 6 and text[0].split() == ['rank', 'key', 'tier', 'limited', 'error',
                                                        'owner'] and
               text[3].split() == ['3', 'id:' + ids[K_TOP7], 'free', '7', '0', 'seven'],
               'weirctl top keys 4:\n%s' % '\n'.join(text))
    print('ok: weirctl top keys: %s' % ', '.join('%s %d' % (r['key'], r['limited'])
                                                 for r in rows), flush=True)


def scenarios(module):
    global E
    E = module
    return {'gate': gate}
