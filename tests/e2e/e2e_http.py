"""End-to-end scenarios of http services (e2e.py runs them): real curl,
wrk and raw-socket clients in a client namespace, http_backend.py servers in
a backend namespace, weir between them on tap ports.

  http  http services h4 (VIP4:8000: three backends by default, routes by
        host and path to others) and h4x (:8001, 404 without a route): curl GET,
        HEAD, POST (small, and 2 MB with Expect: 100-continue), a chunked
        upload; the backend sees X-Forwarded-For, X-Forwarded-Proto,
        X-Request-Id and Via; a 20 MB upload and a 100 MB download spliced
        intact (sha256); hostile heads answered 400 by weir and never
        reaching a backend; a slow-loris client answered 408 and its state
        freed; keep-alive (curl), pipelining (a raw socket), later requests
        refused in order, wrk 10 s (weir's heads = the backends' requests),
        a websocket echo; a reload keeps the services, one changing routes
        is refused
"""
import hashlib
import json
import os
import subprocess

E = None  # the e2e module (scenarios())
HTTP_PORT = 8000
WS_PORT = 8081


def backend_argv(E):
    here = os.path.dirname(os.path.abspath(__file__))

    def argv(addr, name, log):
        return ['/usr/bin/python3', os.path.join(here, 'http_backend.py'), addr, str(E.BPORT),
                name, log]
    return argv


def pattern_sha(n):
    chunk = bytes(range(256)) * 256
    h = hashlib.sha256()
    full, rest = divmod(n, len(chunk))
    for _ in range(full):
        h.update(chunk)
    h.update(chunk[:rest])
    return h.hexdigest()


def http_config(cfg):
    """h4: the three backends by default, b2 alone for host api.example and
    /api/ (pool api4); h4x: no default pool (404), *.example to api4."""
    cfg['pools'].append({'name': 'api4', 'backends': [{'address': E.BK4[2], 'port': E.BPORT}]})
    cfg['pools'].append({'name': 'ws4', 'backends': [{'address': E.BK4[0], 'port': WS_PORT}]})
    common = {'vip': E.VIP4, 'protocol': 'http', 'scheduler': 'rr', 'local_ips': [E.BLOCAL4],
              'timeouts': {'closed': 1}, 'http': {'header_timeout_ms': 1000}}
    cfg['services'].append(dict(common, name='h4', port=HTTP_PORT, pool='web4', routes=[
        {'host': 'api.example', 'pool': 'api4'}, {'path_prefix': '/api/', 'pool': 'api4'},
        {'path_prefix': '/ws', 'pool': 'ws4'}]))
    cfg['services'].append(dict(common, name='h4x', port=HTTP_PORT + 1, routes=[
        {'host': '*.example', 'pool': 'api4'}]))


def curl(t, *args, timeout=30):
    r = E.sh('curl', '-sS', '--max-time', str(timeout), *args, ns=t.nsc, check=False)
    E.wt.check(r.returncode == 0, 'curl %s: exit %d %s' % (' '.join(args), r.returncode,
                                                           r.stderr))
    return r.stdout


def raw(t, data, wait=3.0):
    """Send data on a fresh connection from the client namespace; what came back."""
    code = ('import socket,sys\n'
            's=socket.create_connection((%r,%d),timeout=%f)\n'
            's.sendall(bytes.fromhex(%r))\n'
            'out=b""\n'
            'try:\n'
            '  while True:\n'
            '    b=s.recv(65536)\n'
            '    if not b: break\n'
            '    out+=b\n'
            'except socket.timeout: pass\n'
            'sys.stdout.write(out.hex())\n') % (E.VIP4, HTTP_PORT, wait, data.hex())
    r = E.sh('/usr/bin/python3', '-c', code, ns=t.nsc)
    return bytes.fromhex(r.stdout.strip())


def backend_lines(t):
    n = 0
    for f in os.listdir(t.web):
        if f.endswith('.req'):
            with open(os.path.join(t.web, f)) as fh:
                n += len(fh.readlines())
    return n


def http():
    with E.l4_topology('e2e-http', mutate=http_config) as t:
        E.write_who(t.web)
        E.bring_up(t.w, t.nsc, t.nsb, t.tapc, t.tapb, t.web, t.procs, serve=backend_argv(E))
        t.procs.append(subprocess.Popen(
            ['ip', 'netns', 'exec', t.nsb, '/usr/bin/python3',
             os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ws_echo.py'), E.BK4[0],
             str(WS_PORT)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        url = 'http://%s:%d/' % (E.VIP4, HTTP_PORT)
        # GET: each backend in turn (rr), through weir's HTTP termination.
        who = [curl(t, url + 'who') for _ in range(6)]
        E.wt.check(sorted(who) == sorted(E.NAMES * 2), 'GET /who answers: %s' % who)
        echo = json.loads(curl(t, url + 'echo'))
        hdr = {k.lower(): v for k, v in echo['headers']}
        E.wt.check(hdr.get('x-forwarded-for') == E.CLI4, 'X-Forwarded-For: %s' % hdr)
        E.wt.check(hdr.get('x-forwarded-proto') == 'http', 'X-Forwarded-Proto: %s' % hdr)
        E.wt.check(len(hdr.get('x-request-id', '')) == 32, 'X-Request-Id: %s' % hdr)
        E.wt.check(hdr.get('via') == '1.1 weir', 'Via: %s' % hdr)
        # HEAD
        out = curl(t, '-I', url + 'bytes/1000')
        E.wt.check('Content-Length: 1000' in out, 'HEAD: %s' % out)
        # POST, small; then 2 MB (curl sends Expect: 100-continue above 1 MiB).
        for n in (1000, 2 << 20):
            path = os.path.join(t.web, 'up-%d' % n)
            with open(path, 'wb') as f:
                f.write(os.urandom(n))
            with open(path, 'rb') as f:
                want = hashlib.sha256(f.read()).hexdigest()
            res = json.loads(curl(t, '--data-binary', '@' + path, url + 'post'))
            E.wt.check(res['length'] == n and res['sha256'] == want, 'POST %d: %s' % (n, res))
        # Chunked upload.
        res = json.loads(curl(t, '-H', 'Transfer-Encoding: chunked', '--data-binary',
                              '@' + os.path.join(t.web, 'up-1000'), url + 'post'))
        E.wt.check(res['length'] == 1000, 'chunked POST: %s' % res)
        print('ok: GET, HEAD, POST, 100-continue, chunked, injected headers', flush=True)

        # Hostile heads: 400 from weir, nothing reaches a backend.
        before = backend_lines(t)
        hostile = {
            'CL+TE': b'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n'
                     b'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
            'double CL': b'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n'
                         b'Content-Length: 6\r\n\r\nhello!',
            'obs-fold': b'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n',
            'bare LF': b'GET / HTTP/1.1\nHost: a\n\n',
        }
        for name, head in hostile.items():
            out = raw(t, head)
            E.wt.check(out.startswith(b'HTTP/1.1 400 Bad Request\r\n'),
                       '%s: answer %r' % (name, out[:200]))
        E.wt.check(backend_lines(t) == before, 'a hostile head reached a backend')
        print('ok: hostile heads answered 400 by weir, none reached a backend', flush=True)

        # Routes: by host, by path prefix, the default pool, and weir's 404.
        api = [curl(t, '-H', 'Host: api.example', url + 'who') for _ in range(3)]
        E.wt.check(api == ['b2'] * 3, 'Host: api.example went to %s' % api)
        api = [curl(t, url + 'api/who') for _ in range(2)]
        E.wt.check(all(json.loads(a)['name'] == 'b2' for a in api), '/api/ went to %s' % api)
        urlx = 'http://%s:%d/' % (E.VIP4, HTTP_PORT + 1)
        E.wt.check(curl(t, '-H', 'Host: x.api.example', urlx + 'who') == 'b2', '*.example')
        out = curl(t, '-i', '-H', 'Host: other.test', urlx + 'who')
        E.wt.check(out.startswith('HTTP/1.1 404 Not Found\n') and
                   out.endswith('{"error": "no route"}'), 'no route: %r' % out)
        routes = {r['service']: r['routes'] for r in t.w.ctl('routes')['services']}
        hits = [(r['host'], r['path_prefix'], r['hits']) for r in routes['h4']]
        E.wt.check(hits == [('api.example', '/', 3), ('*', '/api/', 2), ('*', '/ws', 0),
                           ('*', '/', 11)],
                   'h4 route hits: %s' % hits)
        hits = [(r['host'], r['hits'], r.get('answer')) for r in routes['h4x']]
        E.wt.check(hits == [('*.example', 1, None), ('*', 1, 404)], 'h4x hits: %s' % hits)
        print('ok: routes by host and path, default pool, 404 from weir, hits', flush=True)

        # Large bodies spliced intact both ways.
        n = 100 << 20
        got = E.sh('sh', '-c', 'curl -sS --max-time 60 %sbytes/%d | sha256sum' % (url, n),
                   ns=t.nsc).stdout.split()[0]
        E.wt.check(got == pattern_sha(n), '100 MB download: sha256 %s' % got)
        path = os.path.join(t.web, 'up-20m')
        with open(path, 'wb') as f:
            f.write(os.urandom(20 << 20))
        with open(path, 'rb') as f:
            want = hashlib.sha256(f.read()).hexdigest()
        res = json.loads(curl(t, '--data-binary', '@' + path, url + 'post', timeout=60))
        E.wt.check(res['length'] == 20 << 20 and res['sha256'] == want, '20 MB up: %s' % res)
        print('ok: 100 MB down and 20 MB up spliced intact', flush=True)

        # Slow loris: heads that never end get 408 after header_timeout, and
        # weir forgets them (conns back to 0 once the closed entries expire).
        out = raw(t, b'GET / HTTP/1.1\r\nHost: a\r\nX-Slow: 1', wait=3)
        E.wt.check(out.startswith(b'HTTP/1.1 408 Request Timeout\r\n'), '408: %r' % out[:100])
        E.wait_for(lambda: t.w.ctl('stats')['total']['conns'] == 0, 'conns back to 0', 10)
        tot = t.w.ctl('stats')['total']
        E.wt.check(tot['http_408'] == 1 and tot['http_header_timeouts'] == 1 and
                   tot['http_buffers_used'] == 0 and tot['http_collecting'] == 0,
                   'header timeouts: %s' % {k: v for k, v in tot.items() if 'http' in k})
        print('ok: slow loris answered 408 and freed', flush=True)
        keep_alive(t, url)
        websocket(t)
        reload(t, url)


def reload(t, url):
    """A reload keeps http services (and their internal ones) as they are;
    one that changes routes is refused naming the key, and nothing changes."""
    import copy
    res = t.w.ctl('reload')
    E.wt.check(res.get('changed') == [], 'reload of the same file: %s' % res)
    E.wt.check(curl(t, '-H', 'Host: api.example', url + 'who') == 'b2', 'after the reload')
    cfg = copy.deepcopy(t.w.config)
    cfg['services'][-2]['routes'][0]['pool'] = 'web4'
    path = os.path.join(t.w.tmp, 'routes.json')
    with open(path, 'w') as f:
        json.dump(cfg, f)
    r = t.w.ctl('reload', path, json_out=False, check=False)
    E.wt.check(r.returncode != 0 and 'routes' in r.stderr and 'unchanged' in r.stderr,
               'reload changing routes: exit %d: %s' % (r.returncode, r.stderr))
    E.wt.check(curl(t, '-H', 'Host: api.example', url + 'who') == 'b2', 'after a refusal')
    print('ok: reload keeps http services; a change of routes refused, naming the key',
          flush=True)


def requests_seen(t):
    return t.w.ctl('stats')['total']['http_heads']


def keep_alive(t, url):
    """Later requests on one connection: each head parsed, routed, rewritten."""
    # curl reuses its connection for the URLs of one command line.
    before = requests_seen(t)
    out = curl(t, url + 'echo', url + 'echo', url + 'echo')
    answers = [json.loads(x) for x in out.replace('}{', '}\n{').split('\n')]
    ids = [dict((k.lower(), v) for k, v in a['headers'])['x-request-id'] for a in answers]
    E.wt.check(len(set(ids)) == 3 and requests_seen(t) - before == 3,
               'keep-alive: request ids %s, heads %d' % (ids, requests_seen(t) - before))
    # Pipelining: three requests in one write, the second with a body.
    host = 'Host: %s\r\n' % E.VIP4
    reqs = ('GET /echo HTTP/1.1\r\n' + host + '\r\n' +
            'POST /post HTTP/1.1\r\n' + host + 'Content-Length: 5\r\n\r\nhello' +
            'GET /who HTTP/1.1\r\n' + host + 'Connection: close\r\n\r\n').encode()
    out = raw(t, reqs, wait=5)
    E.wt.check(out.count(b'HTTP/1.1 200 OK\r\n') == 3 and
               b'"sha256": "%s"' % hashlib.sha256(b'hello').hexdigest().encode() in out,
               'pipelined: %r' % out[-600:])
    # A later request weir refuses is answered in order, after the backend's
    # answer to the one before, and the connection closed; it never reaches
    # a backend.
    lines = backend_lines(t)
    for name, bad, status in (
            ('smuggling', b'GET /who HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n'
                          b'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n', b'400 Bad Request'),
            ('another pool', b'GET /who HTTP/1.1\r\nHost: api.example\r\n\r\n',
             b'503 Service Unavailable')):
        out = raw(t, b'GET /bytes/100000 HTTP/1.1\r\n' + host.encode() + b'\r\n' + bad, wait=5)
        first, _, rest = out.partition(b'\r\n\r\n')
        E.wt.check(first.startswith(b'HTTP/1.1 200 OK') and len(rest) > 100000 and
                   rest[100000:].startswith(b'HTTP/1.1 ' + status + b'\r\n') and
                   b'Connection: close' in rest[100000:],
                   '%s after a response: %r ... %r' % (name, out[:100], out[-300:]))
    E.wt.check(backend_lines(t) - lines == 2, 'refused later requests reached a backend')
    # wrk keep-alive: weir parses every request wrk sends (those in flight at
    # the end too), and the backends see exactly those.
    before, lines = requests_seen(t), backend_lines(t)
    r = E.sh('wrk', '-t', '2', '-c', '8', '-d', '10s', url + 'who', ns=t.nsc)
    total = int(r.stdout.split(' requests in ')[0].split()[-1])
    heads, seen = requests_seen(t) - before, backend_lines(t) - lines
    E.wt.check('Non-2xx' not in r.stdout and 'Socket errors' not in r.stdout and total > 100,
               'wrk:\n' + r.stdout)
    E.wt.check(total <= heads <= total + 8 and seen == heads,
               'wrk %d requests, weir parsed %d, backends saw %d' % (total, heads, seen))
    print('ok: keep-alive (curl), pipelining, wrk %d requests, weir %d heads' % (total, heads),
          flush=True)


def websocket(t):
    """Upgrade: after the 101 the stream passes untouched."""
    code = ('import asyncio, websockets\n'
            'async def go():\n'
            '    async with websockets.connect("ws://%s:%d/ws") as ws:\n'
            '        for i in range(50):\n'
            '            m = "message %%d " %% i * (i + 1)\n'
            '            await ws.send(m)\n'
            '            assert await ws.recv() == m\n'
            '    print("echoed")\n'
            'asyncio.run(go())\n') % (E.VIP4, HTTP_PORT)
    r = E.sh('/usr/bin/python3', '-c', code, ns=t.nsc, check=False)
    E.wt.check(r.stdout.strip() == 'echoed', 'websocket: %s%s' % (r.stdout, r.stderr[-800:]))
    print('ok: websocket echo through weir', flush=True)


def scenarios(module):
    global E
    E = module
    return {'http': http}
