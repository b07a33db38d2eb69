#!/usr/bin/python3
"""End-to-end tests: real kernel clients in network namespaces the test
creates, joined to weir only through net_tap ports.

Usage: e2e.py SCENARIO
       e2e.py --list   the scenarios, one per line: meson registers one test each
                       (e2e-SCENARIO), so a scenario is added here only

  ping  one client namespace: ARP, ND and echo for VIPs and local addresses
  l4    a client and a backend namespace on two tap ports: HTTP through the
        FullNAT services (rr over IPv4, maglev over IPv6), next hops resolved
        by weir itself, backends disabled and drained while a transfer runs
  limits  the same topology; curl in a loop past a per-source limit
  synproxy  the same topology, web4 behind SYN cookies: curls that do not
        wait for a retransmission, and a download through a bottleneck
  admin-fairness  the admin socket under slow clients: 32 of uid nobody
        (silent, or a byte a second, reconnecting), then 32 of root; root's
        weirctl status answers within 3 s all along
  bans-pages  12,000 bans: weirctl bans lists every page, each ban once and
        in order, as a table and as one JSON answer; --limit/--after by hand
  cli-edges  weir --config naming a FIFO exits 2 at once; weirctl refuses an
        argument that is not UTF-8 (exit 2)
  reload  the l4 topology, web4 on b0 and b1 under a wrk keep-alive load
        for 10 s: weirctl reload with b2 added and b1 removed: no failed
        request; new connections go to b0 and b2; a broken file and a
        change of conn_table_size are refused naming the key; SIGHUP
  health  the l4 topology, web4 on Maglev with TCP checks: one of three
        backends killed under a wrk load of new connections (no error from
        1 s after the kill, and none of its connections), restarted (traffic
        again within rise x interval); api4 with HTTP checks: a backend
        answering 500 is out; every backend down: SYNs answered with an RST

  http  http services (tests/e2e/e2e_http.py, which says what it checks)
  gate  the API gate (tests/e2e/e2e_gate.py, which says what it checks)

Names (namespaces, tap interfaces, EAL prefix, socket) carry the test's PID so
runs never collide; namespaces are removed, and weir and the HTTP servers
stopped by PID, in every outcome.
"""
import collections
import contextlib
import hashlib
import ipaddress
import json
import os
import select
import signal
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import types

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import weirtest as wt  # noqa: E402

MAC = '02:77:65:69:72:01'
LOCAL4, LOCAL6 = '198.18.0.1', '2001:db8:0:1::1'
VIP4, VIP6 = '198.18.1.1', '2001:db8:1::1'
CLI4, CLI6 = '198.18.0.2', '2001:db8:0:1::2'


def sh(*argv, check=True, ns=None):
    if ns is not None:
        argv = ('ip', 'netns', 'exec', ns) + argv
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if check and r.returncode != 0:
        wt.fail('%s exited %d:\n%s%s' % (' '.join(argv), r.returncode, r.stdout, r.stderr))
    return r


def wait_for(pred, what, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    wt.fail('timed out waiting for ' + what)


def ping():
    pid = os.getpid()
    ns, tap = 'weir-e2e-%d' % pid, 'wt%d' % pid
    w = wt.Weir('e2e-ping')
    w.configure({
        'workers': [1],
        'idle_sleep_us': 20,
        'ports': [{'name': 'client', 'devargs': 'net_tap0,iface=' + tap, 'mac': MAC,
                   'addresses': [LOCAL4 + '/24', LOCAL6 + '/64']}],
        'vips': [VIP4, VIP6],
    })
    try:
        w.start()
        wait_for(lambda: sh('ip', 'link', 'show', tap, check=False).returncode == 0,
                 'tap interface %s' % tap)
        sh('ip', 'netns', 'add', ns)
        sh('ip', 'link', 'set', tap, 'netns', ns)
        # The kernel side keeps its own MAC: a neighbour entry with weir's MAC
        # can then only come from weir's ARP reply or neighbour advertisement.
        r = sh('ip', 'link', 'show', tap, ns=ns)
        wt.check(MAC not in r.stdout, 'tap kernel side carries weir\'s MAC:\n' + r.stdout)
        sh('ip', 'link', 'set', 'lo', 'up', ns=ns)
        sh('ip', 'link', 'set', tap, 'up', ns=ns)
        sh('ip', 'addr', 'add', CLI4 + '/24', 'dev', tap, ns=ns)
        sh('ip', '-6', 'addr', 'add', CLI6 + '/64', 'dev', tap, 'nodad', ns=ns)
        sh('ip', 'route', 'add', '198.18.1.0/24', 'via', LOCAL4, ns=ns)
        sh('ip', '-6', 'route', 'add', '2001:db8:1::/64', 'via', LOCAL6, ns=ns)

        for target, v6 in ((VIP4, False), (LOCAL4, False), (VIP6, True), (LOCAL6, True)):
            argv = ['ping'] + (['-6'] if v6 else []) + ['-c', '3', '-i', '0.2', '-W', '2',
                                                        target]
            r = sh(*argv, ns=ns, check=False)
            wt.check(r.returncode == 0 and ' 0% packet loss' in r.stdout,
                     'ping %s from %s:\n%s%s' % (target, ns, r.stdout, r.stderr))
        for addr in (LOCAL4, LOCAL6):
            r = sh('ip', 'neigh', 'show', addr, 'dev', tap, ns=ns)
            wt.check(MAC in r.stdout, 'ip neigh for %s shows %r, want lladdr %s' %
                     (addr, r.stdout.strip(), MAC))

        # 12 echo replies, plus at least one ARP reply and one neighbour advertisement.
        wt.expect_counters(w.ctl('stats'), {'total': {'tx': wt.at_least(14),
                                                      'rx': wt.at_least(14)}}, 'ping')
        stats_table = w.ctl('stats', json_out=False).stdout
        print(stats_table)
        w.stop()
        wt.check(sh('ip', 'link', 'show', tap, ns=ns, check=False).returncode != 0,
                 'tap %s still exists after weir stopped' % tap)
    finally:
        w.cleanup()
        sh('ip', 'netns', 'del', ns, check=False)
    wt.check(sh('ip', 'netns', 'list').stdout.find(ns) < 0, 'namespace %s left behind' % ns)
    print('ok: ping and ping -6 to VIPs and local addresses; neighbours resolved to weir')


# --- l4: FullNAT services over real kernel TCP ------------------------------

BMAC = '02:77:65:69:72:02'
BLOCAL4, BLOCAL6 = '198.18.2.1', '2001:db8:2::1'
NAMES = ('b0', 'b1', 'b2')
BK4 = ('198.18.2.10', '198.18.2.11', '198.18.2.12')
BK6 = ('2001:db8:2::10', '2001:db8:2::11', '2001:db8:2::12')
BPORT = 8080
BIG_SIZE = 40 << 20   # with --limit-rate 5M (MiB/s): 6-8 s
BIG_RATE = '5M'


def backend_id(addr):
    """weirctl's ADDRESS:PORT ([ADDRESS]:PORT for IPv6)."""
    return ('[%s]:%d' if ':' in addr else '%s:%d') % (addr, BPORT)


def ctl_args(w, *args):
    r = subprocess.run([w.weirctl, '--socket', w.sock, '--json'] + list(args),
                       capture_output=True, text=True, timeout=30)
    wt.check(r.returncode == 0, 'weirctl %s exited %d: %s%s' %
             (' '.join(args), r.returncode, r.stdout, r.stderr))
    return json.loads(r.stdout)


def services(w):
    """{service name: {backend address: backend json}}."""
    return {s['name']: {b['address']: b for b in s['backends']}
            for s in w.ctl('services')['services']}


def conns_total(w, svc, addrs):
    bk = services(w)[svc]
    return [bk[a]['conns_total'] for a in addrs]


def expect_conns_total(w, svc, addrs, counts, what):
    """Each backend's conns_total, as curl saw them."""
    wt.expect_counters(services(w), {svc: {a: {'conns_total': n} for a, n in zip(addrs, counts)}},
                       '%s conns_total against %s' % (svc, what))


# Client source ports for curl --local-port, each used once per run (below the
# kernel's ephemeral range), so every request is a fresh 5-tuple and the rr
# counts below are exact by construction. (A client that reuses the port of a
# connection the server closed first gets a new connection too: weir schedules
# a SYN on a closed entry afresh; dp-l4-expiry tests that.)
_next_port = [20000]


def curl_many(ns, url, n, parallel=3):
    """n curls of url from ns, in `parallel` shell loops (one process tree, so
    the count and the time stay bounded): the names that answered. Any failed
    request fails the test. Schedulers see one new connection per request
    whatever the interleaving, so rr counts stay exact."""
    loop = ('p=%d; end=%d; while [ $p -lt $end ]; do '
            'if out=$(curl -s --max-time 5 --local-port $p %s); then echo "ok $out"; '
            'else echo "fail $?"; fi; p=$((p + 1)); done')
    loops = []
    for k in range(parallel):
        count = n // parallel + (k < n % parallel)
        loops.append('(%s) &' % (loop % (_next_port[0], _next_port[0] + count, url)))
        _next_port[0] += count
    script = ' '.join(loops) + ' wait'
    t0 = time.time()
    try:
        r = subprocess.run(('ip', 'netns', 'exec', ns, 'sh', '-c', script), capture_output=True,
                           text=True, timeout=min(5 * n + 10, 60))
    except subprocess.TimeoutExpired as e:
        wt.fail('%d curls of %s took over %d s; output so far:\n%s' %
                (n, url, e.timeout, (e.stdout or b'')[-2000:].decode(errors='replace')))
    # Each answer is one short echo, a single atomic write to the pipe.
    lines = r.stdout.split('\n')[:-1]
    wt.check(r.returncode == 0 and len(lines) == n,
             '%d curls of %s: exit %d, %d lines:\n%s%s' % (n, url, r.returncode, len(lines),
                                                           r.stdout[-2000:], r.stderr))
    bad = [ln for ln in lines if ln not in ['ok ' + b for b in NAMES]]
    wt.check(not bad, '%d of %d curls of %s failed or got a wrong answer, first: %r' %
             (len(bad), n, url, bad[:5]))
    print('%d requests to %s in %.1f s' % (n, url, time.time() - t0), flush=True)
    return [ln[3:] for ln in lines]


def spread(names):
    c = collections.Counter(names)
    return [c[b] for b in NAMES]


def stop_proc(p):
    """SIGTERM by PID, SIGKILL that PID if it does not go."""
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def l4_config(tapc, tapb):
    """Two tap ports (client, backend) and services web4 (rr) and web6 (maglev)."""
    return {
        'workers': [1],
        'idle_sleep_us': 20,
        'conn_table_size': 65536,
        'ports': [
            {'name': 'client', 'devargs': 'net_tap0,iface=' + tapc, 'mac': MAC,
             'addresses': [LOCAL4 + '/24', LOCAL6 + '/64']},
            {'name': 'backend', 'devargs': 'net_tap1,iface=' + tapb, 'mac': BMAC,
             'addresses': [BLOCAL4 + '/24', BLOCAL6 + '/64']},
        ],
        'pools': [
            {'name': 'web4', 'backends': [{'address': a, 'port': BPORT} for a in BK4]},
            {'name': 'web6', 'backends': [{'address': a, 'port': BPORT} for a in BK6]},
        ],
        'services': [
            {'name': 'web4', 'vip': VIP4, 'port': 80, 'protocol': 'tcp', 'scheduler': 'rr',
             'pool': 'web4', 'local_ips': [BLOCAL4]},
            {'name': 'web6', 'vip': VIP6, 'port': 80, 'protocol': 'tcp', 'scheduler': 'maglev',
             'pool': 'web6', 'local_ips': [BLOCAL6]},
        ],
    }


def bring_up(w, nsc, nsb, tapc, tapb, web, servers, keep_alive=False, serve=None):
    """Start weir; move its taps into the client and backend namespaces; one
    http.server per backend address serving web/NAME (appended to servers,
    which the caller stops; keep_alive: HTTP/1.1 servers that keep
    connections open; serve(addr, name, log): another server's argv);
    wait until weir has resolved every backend."""
    t_start = time.time()
    w.start()
    for tap in (tapc, tapb):
        wait_for(lambda: sh('ip', 'link', 'show', tap, check=False).returncode == 0,
                 'tap interface %s' % tap)
    for ns, tap, addrs in ((nsc, tapc, [CLI4 + '/24']), (nsb, tapb, [a + '/24' for a in BK4])):
        sh('ip', 'netns', 'add', ns)
        sh('ip', 'link', 'set', tap, 'netns', ns)
        sh('ip', 'link', 'set', 'lo', 'up', ns=ns)
        sh('ip', 'link', 'set', tap, 'up', ns=ns)
        for a in addrs:
            sh('ip', 'addr', 'add', a, 'dev', tap, ns=ns)
    sh('ip', '-6', 'addr', 'add', CLI6 + '/64', 'dev', tapc, 'nodad', ns=nsc)
    for a in BK6:
        sh('ip', '-6', 'addr', 'add', a + '/64', 'dev', tapb, 'nodad', ns=nsb)
    sh('ip', 'route', 'add', '198.18.1.0/24', 'via', LOCAL4, ns=nsc)
    sh('ip', '-6', 'route', 'add', '2001:db8:1::/64', 'via', LOCAL6, ns=nsc)

    # One http.server per backend address (it binds one address).
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    for i, name in enumerate(NAMES):
        for addr in (BK4[i], BK6[i]):
            path = os.path.join(web, 'http-%s.log' % addr)
            log = open(path, 'w')
            argv = serve(addr, name, path + '.req') if serve else (
                ['/usr/bin/python3', '-m', 'http.server', '--bind', addr, str(BPORT),
                 '--directory', os.path.join(web, name)] +
                (['--protocol', 'HTTP/1.1'] if keep_alive else []))
            servers.append(subprocess.Popen(
                ['ip', 'netns', 'exec', nsb] + argv,
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env))
            log.close()
    # Each one answers on its own address (inside the backend namespace, not through weir).
    for i, name in enumerate(NAMES):
        for addr in (BK4[i], '[%s]' % BK6[i]):
            url = 'http://%s:%d/who' % (addr, BPORT)
            wait_for(lambda: sh('curl', '-s', '--max-time', '2', url, ns=nsb,
                                check=False).stdout == name, url + ' from ' + nsb, 10)

    # weir resolves every backend's MAC itself (ARP / neighbour solicitation).
    def resolved():
        return all(b['mac'] for s in w.ctl('services')['services'] for b in s['backends'])
    t0 = time.time()
    wait_for(resolved, 'weir to resolve every backend\'s MAC', 15)
    print('backends resolved %.1f s after the namespaces were up (%.1f s after start)' %
          (time.time() - t0, time.time() - t_start), flush=True)


@contextlib.contextmanager
def l4_topology(name, limits=None, synproxy=None, mutate=None, lcores=None):
    """weir on l4_config() (web4 gets `limits` and `synproxy` if given;
    mutate(cfg) changes anything else), its client and
    backend namespaces and tap names, a web directory, and a list of
    processes (servers, clients) stopped by PID: all removed on the way
    out, whatever happens; then no namespace may be left."""
    pid = os.getpid()
    t = types.SimpleNamespace(nsc='weir-e2e-c%d' % pid, nsb='weir-e2e-b%d' % pid,
                              tapc='wc%d' % pid, tapb='wb%d' % pid, procs=[])
    cfg = l4_config(t.tapc, t.tapb)
    if limits is not None:
        cfg['services'][0]['limits'] = limits
    if synproxy is not None:
        cfg['services'][0]['synproxy'] = synproxy
    if mutate is not None:
        mutate(cfg)
    t.w = wt.Weir(name) if lcores is None else wt.Weir(name, lcores=lcores)
    t.w.configure(cfg)
    t.web = tempfile.mkdtemp(prefix='weir-%s-web-' % name)
    try:
        yield t
    finally:
        for p in t.procs:
            stop_proc(p)
        t.w.cleanup()
        for ns in (t.nsc, t.nsb):
            sh('ip', 'netns', 'del', ns, check=False)
        shutil.rmtree(t.web, ignore_errors=True)
    listed = sh('ip', 'netns', 'list').stdout
    wt.check(t.nsc not in listed and t.nsb not in listed, 'namespaces left behind:\n' + listed)


def write_who(web):
    """web/NAME/who holds NAME, for each backend."""
    for name in NAMES:
        d = os.path.join(web, name)
        os.mkdir(d)
        with open(os.path.join(d, 'who'), 'w') as f:
            f.write(name)


def l4():
    vip_url4, vip_url6 = 'http://%s' % VIP4, 'http://[%s]' % VIP6
    with l4_topology('e2e-l4') as t:
        w, nsc, nsb, tapc, tapb, web = t.w, t.nsc, t.nsb, t.tapc, t.tapb, t.web
        # Content: each backend's name in 'who', and the same big random file.
        big = wt.rng('l4-big').randbytes(BIG_SIZE)
        big_sha = hashlib.sha256(big).hexdigest()
        with open(os.path.join(web, 'big'), 'wb') as f:
            f.write(big)
        del big
        write_who(web)
        for name in NAMES:
            os.link(os.path.join(web, 'big'), os.path.join(web, name, 'big'))
        bring_up(w, nsc, nsb, tapc, tapb, web, t.procs)
        # net_tap offers IPv4 header checksum offload: weir's FullNAT then
        # leaves that checksum to the port, and every IPv4 request below
        # depends on the offload being asked for correctly.
        for port in w.ctl('ports')['ports']:
            wt.check(port['tx_ip_cksum_offload'] is True,
                     'port %s: no IPv4 checksum offload' % port['name'])
        r = sh('ip', 'link', 'show', tapb, ns=nsb)
        kmac = r.stdout.split('link/ether ')[1].split()[0]
        for s in w.ctl('services')['services']:
            for b in s['backends']:
                wt.check(b['mac'] == kmac, '%s backend %s: mac %s, want %s' %
                         (s['name'], b['address'], b['mac'], kmac))
        seen4, seen6 = collections.Counter(), collections.Counter()

        # rr over three backends, one worker: exactly a third each.
        got = curl_many(nsc, vip_url4 + '/who', 300)
        seen4.update(got)
        wt.check(spread(got) == [100, 100, 100], 'rr spread over IPv4: %s' % spread(got))
        expect_conns_total(w, 'web4', BK4, spread(got), 'curl')

        # Maglev over IPv6: each backend gets a share ~ Binomial(300, 1/3), mean 100,
        # sd sqrt(300 * 1/3 * 2/3) ~ 8.2; [60, 140] is +-4.9 sd, so a fair table fails
        # it about once in a million runs, and a broken one (a backend left out, or
        # one getting half) fails it always.
        got = curl_many(nsc, vip_url6 + '/who', 300)
        seen6.update(got)
        wt.check(all(60 <= n <= 140 for n in spread(got)), 'maglev spread over IPv6: %s' %
                 spread(got))
        expect_conns_total(w, 'web6', BK6, spread(got), 'curl')
        print('IPv4 rr: %s, IPv6 maglev: %s' % (spread(seen4), spread(seen6)), flush=True)

        # A long transfer, then disable another backend while it runs.
        before = conns_total(w, 'web4', BK4)
        out = os.path.join(web, 'big.out')
        t_transfer = time.time()
        transfer = subprocess.Popen(
            ['ip', 'netns', 'exec', nsc, 'curl', '-s', '--max-time', '30', '--limit-rate',
             BIG_RATE, '-o', out, '-w', '%{http_code} %{size_download}', vip_url4 + '/big'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        t.procs.append(transfer)
        wait_for(lambda: sum(conns_total(w, 'web4', BK4)) == sum(before) + 1,
                 'the transfer\'s connection in web4 conns_total', 5)
        after = conns_total(w, 'web4', BK4)
        tb = [i for i in range(3) if after[i] == before[i] + 1][0]
        seen4[NAMES[tb]] += 1
        wt.expect_counters(services(w), {'web4': {BK4[tb]: {'conns_active': wt.at_least(1)}}},
                           'the transfer\'s backend')
        off = (tb + 1) % 3
        r = ctl_args(w, 'backend', 'disable', 'web4', backend_id(BK4[off]))
        wt.check(r['enabled'] is False and r['services'] == ['web4'], 'disable: %s' % r)
        wt.check(transfer.poll() is None, 'the transfer ended before the backend was disabled')
        print('transfer on %s; disabled %s' % (NAMES[tb], NAMES[off]), flush=True)
        got = curl_many(nsc, vip_url4 + '/who', 60)
        seen4.update(got)
        want = [0 if i == off else 30 for i in range(3)]
        wt.check(spread(got) == want, 'with %s disabled: %s, want %s' %
                 (NAMES[off], spread(got), want))
        bk = services(w)['web4'][BK4[off]]
        wt.check(not bk['enabled'] and bk['effective_weight'] == 0, 'disabled backend: %s' % bk)

        # Enable it again, and drain b0 with weight 0 (its established flows stay).
        r = ctl_args(w, 'backend', 'enable', 'web4', backend_id(BK4[off]))
        wt.check(r['enabled'] is True, 'enable: %s' % r)
        r = ctl_args(w, 'backend', 'weight', 'web4', backend_id(BK4[0]), '0')
        wt.check(r['weight'] == 0, 'weight 0: %s' % r)
        got = curl_many(nsc, vip_url4 + '/who', 30)
        seen4.update(got)
        wt.check(spread(got) == [0, 15, 15], 'with b0 drained: %s, want [0, 15, 15]' %
                 spread(got))
        expect_conns_total(w, 'web4', BK4, spread(seen4), 'curl and the transfer')
        still_running = transfer.poll() is None  # informational: it usually outlasts the drain

        # The transfer survived both changes, byte for byte.
        try:
            stdout, stderr = transfer.communicate(timeout=35)
        except subprocess.TimeoutExpired:
            wt.fail('the transfer did not end within 35 s')
        took = time.time() - t_transfer
        wt.check(transfer.returncode == 0 and stdout == '200 %d' % BIG_SIZE,
                 'transfer: curl exit %d, %r %r' % (transfer.returncode, stdout, stderr))
        h = hashlib.sha256()
        with open(out, 'rb') as f:
            for chunk in iter(lambda: f.read(1 << 20), b''):
                h.update(chunk)
        wt.check(os.path.getsize(out) == BIG_SIZE and h.hexdigest() == big_sha,
                 'transfer: %d bytes, sha256 %s, want %d bytes, %s' %
                 (os.path.getsize(out), h.hexdigest(), BIG_SIZE, big_sha))
        print('transfer of %d bytes from %s: %.1f s (%s the drain), sha256 ok' %
              (BIG_SIZE, NAMES[tb], took, 'outlasted' if still_running else 'ended before'),
              flush=True)

        # Disable over IPv6: maglev rebuilds its table without it.
        off = 1
        r = ctl_args(w, 'backend', 'disable', 'web6', backend_id(BK6[off]))
        wt.check(r['enabled'] is False and r['services'] == ['web6'], 'disable: %s' % r)
        got = curl_many(nsc, vip_url6 + '/who', 60)
        seen6.update(got)
        wt.check(spread(got)[off] == 0, 'IPv6 with %s disabled: %s' % (NAMES[off], spread(got)))
        expect_conns_total(w, 'web6', BK6, spread(seen6), 'curl')
        print('IPv6 with %s disabled: %s' % (NAMES[off], spread(got)), flush=True)

        st = w.ctl('stats')
        drops = {k: v for k, v in st['total']['drops'].items() if v}
        print('weir totals: rx %d tx %d dropped %d %s' % (st['total']['rx'], st['total']['tx'],
                                                           st['total']['dropped'], drops))
        wt.expect_counters(st, {'total': {'drops': {k: 0 for k in (
            'neigh_miss', 'no_backend', 'conn_table_full', 'lport_exhausted')}}}, 'drops')
        print(w.ctl('services', json_out=False).stdout)
        w.stop()
        for ns, tap in ((nsc, tapc), (nsb, tapb)):
            wt.check(sh('ip', 'link', 'show', tap, ns=ns, check=False).returncode != 0,
                     'tap %s still exists after weir stopped' % tap)
    print('ok: HTTP through FullNAT rr (IPv4) and maglev (IPv6); disable, enable and drain '
          'steer new connections only; a long transfer survives them intact')


LIMIT = 5          # new connections per source per minute on web4 (a burst of 5)
CLI4_B = '198.18.0.3'  # a second client address in the client namespace


def curl_status(ns, url, local_ip=None, max_time=5):
    """One curl: (exit code, body). Exit 7: the connection was refused (RST);
    28: no answer in max_time (the SYN was dropped)."""
    argv = ['curl', '-s', '--max-time', str(max_time)]
    if local_ip:
        argv += ['--interface', local_ip]
    r = sh(*argv, url, ns=ns, check=False)
    return r.returncode, r.stdout


def limits():
    """Per-source limits on a real client: web4 admits LIMIT new connections
    per minute per source and answers the rest with an RST; curl in a loop
    gets exactly LIMIT answers (the whole loop takes far less than one
    refill, 12 s), then 'connection refused'; a second address of the same
    client namespace is not affected; web6 (no limits) is not either. The
    LIMIT-th refusal earns a ban: silence; weirctl bans lists it, unban
    lifts it (the limit still holds). weirctl block/unblock and ban/unban
    on the second address take effect at once."""
    with l4_topology('e2e-limits', {'new_conns': {'rate': LIMIT, 'per_s': 60},
                                    'action': 'rst',
                                    'ban': {'after': LIMIT, 'first_s': 60}}) as t:
        w, nsc, tapc = t.w, t.nsc, t.tapc
        write_who(t.web)
        bring_up(w, nsc, t.nsb, tapc, t.tapb, t.web, t.procs)
        sh('ip', 'addr', 'add', CLI4_B + '/24', 'dev', tapc, ns=nsc)
        t0 = time.time()
        got = [curl_status(nsc, 'http://%s/who' % VIP4) for _ in range(2 * LIMIT)]
        took = time.time() - t0
        codes = [c for c, _ in got]
        wt.check(took < 12, 'the loop took %.1f s, more than one refill' % took)
        wt.check(codes == [0] * LIMIT + [7] * LIMIT and
                 all(body in NAMES for _, body in got[:LIMIT]),
                 'curl exit codes %s (want %d answers, then %d refused): %s' %
                 (codes, LIMIT, LIMIT, got))
        code, body = curl_status(nsc, 'http://%s/who' % VIP4, CLI4_B)
        wt.check(code == 0 and body in NAMES, 'second source: curl %d %r' % (code, body))
        code, body = curl_status(nsc, 'http://[%s]/who' % VIP6)
        wt.check(code == 0 and body in NAMES, 'web6 (no limits): curl %d %r' % (code, body))
        wt.expect_counters(w.ctl('stats'), {'workers': {0: {
            'rl_admitted': LIMIT + 1, 'rl_denied': LIMIT, 'rl_rst': LIMIT, 'sources': 2}}},
            'limit counters')
        print('%d curls in %.1f s: %s; second source and web6 answered' % (2 * LIMIT, took, codes))
        # The LIMIT-th refusal banned CLI4: its SYNs are dropped, no RST.
        code, _ = curl_status(nsc, 'http://%s/who' % VIP4, max_time=2)
        wt.check(code == 28, 'banned source: curl exit %d, want 28 (no answer)' % code)
        bans = wait_for(lambda: w.ctl('bans')['bans'], 'the ban to be listed')
        wt.check([(b['source'], b['by'], b['times']) for b in bans] == [(CLI4 + '/32', 'web4', 1)],
                 'bans: %s' % bans)
        print(w.ctl('bans', json_out=False).stdout)
        top = w.ctl('top')['top']
        wt.check(top[0]['source'] == CLI4 + '/32' and top[0]['banned'] and
                 top[0]['refused'] >= LIMIT + 1, 'top: %s' % top)
        print(w.ctl('top', json_out=False).stdout)
        w.ctl('unban', CLI4)
        code, _ = curl_status(nsc, 'http://%s/who' % VIP4)
        wt.check(code == 7, 'unbanned, still over its limit: curl exit %d, want 7 (RST)' % code)
        # Run-time deny and ban of the second address, and back.
        # The same for the client's IPv6 /64 on web6 (a service without limits).
        v6net = CLI6.rsplit(':', 1)[0] + ':/64'
        for on, off, url, src in (
                (('block', CLI4_B + '/32'), ('unblock', CLI4_B + '/32'), VIP4, CLI4_B),
                (('ban', CLI4_B, '30'), ('unban', CLI4_B), VIP4, CLI4_B),
                (('ban', v6net), ('unban', v6net), '[%s]' % VIP6, None)):
            w.ctl(*on)
            code, _ = curl_status(nsc, 'http://%s/who' % url, src, max_time=2)
            wt.check(code == 28, 'after weirctl %s: curl exit %d, want 28' % (' '.join(on), code))
            w.ctl(*off)
            code, body = curl_status(nsc, 'http://%s/who' % url, src)
            wt.check(code == 0 and body in NAMES,
                     'after weirctl %s: curl %d %r' % (' '.join(off), code, body))
        wt.expect_counters(w.ctl('stats'), {'workers': {0: {
            'rl_admitted': LIMIT + 3, 'rl_rst': LIMIT + 1, 'ban_reports': 1}}},
            'counters at the end')
        print(w.ctl('stats', json_out=False).stdout)
        w.stop()
    print('ok: a client looping past its limit gets exactly %d connections; others unaffected'
          % LIMIT)


SP_CURLS = 20
SP_BIG = 16 << 20


def tcp_mib(ns):
    """The namespace's TCP counters (/proc/net/snmp Tcp, /proc/net/netstat
    TcpExt): {name: value}."""
    lines = sh('cat', '/proc/net/snmp', '/proc/net/netstat', ns=ns).stdout.split('\n')
    mib = {}
    for names, values in zip(lines, lines[1:]):
        head, _, rest = names.partition(':')
        if head in ('Tcp', 'TcpExt') and values.startswith(head + ':') and \
                not rest.split()[0].lstrip('-').isdigit():
            mib.update(zip(rest.split(), (int(v) for v in values.split(':')[1].split())))
    return mib


def mib_delta(before, after, names):
    return {k: after.get(k, 0) - before.get(k, 0) for k in names}


def synproxy():
    """web4 with synproxy, syn_rate 0: every connection is a cookie
    handshake and a splice. SP_CURLS sequential curls all answer, and none
    waits for a retransmission (weir holds each request while it connects
    to the backend, and sends it after its ACK); a download of SP_BIG bytes
    through a tbf bottleneck on the backends' side loses segments and
    recovers (SACK and retransmissions through the splice), sha256 intact."""
    url = 'http://%s' % VIP4
    with l4_topology('e2e-synproxy', synproxy={'syn_rate': 0}) as t:
        w, nsc, nsb = t.w, t.nsc, t.nsb
        big = wt.rng('synproxy-big').randbytes(SP_BIG)
        big_sha = hashlib.sha256(big).hexdigest()
        with open(os.path.join(t.web, 'big'), 'wb') as f:
            f.write(big)
        del big
        write_who(t.web)
        for name in NAMES:
            os.link(os.path.join(t.web, 'big'), os.path.join(t.web, name, 'big'))
        bring_up(w, nsc, nsb, t.tapc, t.tapb, t.web, t.procs)

        # Sequential curls, each timed by curl itself. Without the held
        # segment each would wait for the client's RTO (200 ms at least on
        # Linux) to resend its request: SP_CURLS * 0.2 s in all.
        mib0 = tcp_mib(nsc)
        loop = ('for i in $(seq %d); do curl -s --max-time 5 -w " %%{time_total}\\n" %s/who '
                '|| echo "fail $?"; done' % (SP_CURLS, url))
        t0 = time.time()
        r = sh('sh', '-c', loop, ns=nsc)
        took = time.time() - t0
        lines = r.stdout.split('\n')[:-1]
        wt.check(len(lines) == SP_CURLS and all(ln.split()[0] in NAMES for ln in lines),
                 '%d curls through the synproxy:\n%s' % (SP_CURLS, r.stdout))
        times = sorted(float(ln.split()[1]) for ln in lines)
        retrans = mib_delta(mib0, tcp_mib(nsc), ('RetransSegs',))['RetransSegs']
        print('%d curls: %.2f s in all (curl time_total: sum %.3f s, median %.4f s, max %.4f s);'
              ' client retransmissions %d' % (SP_CURLS, took, sum(times),
                                               times[len(times) // 2], times[-1], retrans),
              flush=True)
        wt.check(retrans == 0, 'the client retransmitted %d segments' % retrans)
        # Generous: half of the least the retransmissions would cost.
        wt.check(sum(times) < SP_CURLS * 0.2 / 2,
                 'curls took %.3f s in all, want < %.1f s' % (sum(times), SP_CURLS * 0.1))
        wt.check(sum(conns_total(w, 'web4', BK4)) == SP_CURLS,
                 'web4 conns_total %s' % conns_total(w, 'web4', BK4))

        # The download, through a bottleneck: tbf on the backend namespace's
        # side of its tap drops what overflows its queue.
        sh('tc', 'qdisc', 'add', 'dev', t.tapb, 'root', 'tbf', 'rate', '200mbit', 'burst',
           '32kb', 'limit', '48kb', ns=nsb)
        mibc0, mibb0 = tcp_mib(nsc), tcp_mib(nsb)
        out = os.path.join(t.web, 'big.out')
        t0 = time.time()
        dl = subprocess.Popen(['ip', 'netns', 'exec', nsc, 'curl', '-s', '--max-time', '30', '-o',
                               out, '-w', '%{http_code} %{size_download}', url + '/big'],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        t.procs.append(dl)
        # Both legs' options, while it runs: the client's (to the VIP) and
        # the backend's (to weir's local address).
        legs = {}
        while dl.poll() is None and len(legs) < 2:
            for leg, ns, flt in (('client', nsc, 'dport = :80'), ('backend', nsb,
                                                                  'sport = :%d' % BPORT)):
                info = sh('ss', '-tinH', 'state', 'established', '( %s )' % flt, ns=ns,
                          check=False).stdout
                if 'wscale:' in info:
                    legs[leg] = ' '.join(info.split())
            time.sleep(0.05)
        try:
            stdout, stderr = dl.communicate(timeout=35)
        except subprocess.TimeoutExpired:
            wt.fail('the download did not end within 35 s')
        took = time.time() - t0
        wt.check(dl.returncode == 0 and stdout == '200 %d' % SP_BIG,
                 'download: curl exit %d, %r %r' % (dl.returncode, stdout, stderr))
        h = hashlib.sha256()
        with open(out, 'rb') as f:
            for chunk in iter(lambda: f.read(1 << 20), b''):
                h.update(chunk)
        wt.check(h.hexdigest() == big_sha, 'download: sha256 %s, want %s' %
                 (h.hexdigest(), big_sha))
        # (This ss prints no "sack" flag: the SACK evidence is the
        # backend's recoveries below.)
        for leg in ('client', 'backend'):
            info = legs.get(leg, '')
            wt.check('wscale:' in info, '%s leg of the download: ss -ti %r, want wscale' %
                     (leg, info))
            print('%s leg: %s' % (leg, ' '.join(x for x in info.split()
                                                if x.startswith(('wscale:', 'mss:')))))
        sack = ('RetransSegs', 'TCPSackRecovery', 'TCPSACKReorder', 'TCPSACKDiscard',
                'TCPDSACKIgnoredOld', 'TCPDSACKIgnoredNoUndo', 'TCPSackShifted',
                'TCPSackMerged')
        db = mib_delta(mibb0, tcp_mib(nsb), sack)
        dc = mib_delta(mibc0, tcp_mib(nsc), ('RetransSegs', 'TCPSACKDiscard', 'TCPDSACKRecv',
                                              'TCPOFOQueue'))
        print('download of %d bytes: %.1f s, sha256 ok; backend %s; client %s' %
              (SP_BIG, took, db, dc), flush=True)
        # The bottleneck made the backend lose segments, and it recovered by
        # the client's SACK blocks, moved into its sequence space by weir:
        # none of them was discarded as invalid.
        wt.check(db['RetransSegs'] > 0 and db['TCPSackRecovery'] > 0,
                 'the backend did no SACK recovery: %s' % db)
        wt.check(db['TCPSACKDiscard'] == 0, 'the backend discarded SACK blocks: %s' % db)

        st = w.ctl('stats')
        w0 = st['workers'][0]
        sp = {k: w0[k] for k in ('conn_new', 'syn_cookies_ok', 'syn_cookies_bad',
                                 'syn_early_held', 'syn_early_sent', 'syn_early_freed',
                                 'syn_early_full', 'syn_early_holding')}
        drops = {k: v for k, v in st['total']['drops'].items() if v}
        print('weir: %s; drops %s' % (sp, drops), flush=True)
        # Every connection by cookie; every segment held was sent.
        n = SP_CURLS + 1
        wt.expect_counters(st, {
            'workers': {0: {'conn_new': n, 'syn_cookies_ok': n, 'syn_cookies_bad': 0,
                            'syn_early_sent': w0['syn_early_held'], 'syn_early_freed': 0,
                            'syn_early_full': 0, 'syn_early_holding': 0}},
            'total': {'drops': {'synproxy_pending': 0, 'synproxy_rejected': 0}}}, 'synproxy')
        print(w.ctl('stats', json_out=False).stdout)
        w.stop()
    print('ok: %d curls and a %d MiB download through SYN cookies, no retransmitted request'
          % (SP_CURLS, SP_BIG >> 20))


# --- the admin socket and the command line (no namespaces) ------------------

def admin_weir(name):
    """A weir with one pcap port that receives nothing: an admin socket to talk to."""
    w = wt.Weir(name)
    wt.write_pcap(os.path.join(w.tmp, 'in.pcap'), [])
    w.configure({'workers': [1], 'idle_sleep_us': 100,
                 'ports': [{'name': 'p0', 'mac': MAC, 'addresses': [LOCAL4 + '/24'],
                            'devargs': 'net_pcap0,rx_pcap=%s/in.pcap,tx_pcap=%s/out.pcap' %
                            (w.tmp, w.tmp)}]})
    return w


def abuse(path, n, seconds, drip, reconnect=True):
    """n connections to path for `seconds`: each silent (drip False) or sending
    a byte of a request every second (drip True), and (reconnect) opened
    again whenever weir closes it, as a persistent attacker would. Returns
    (connections made, connections refused with an error line)."""
    made = refused = 0
    socks = {}
    end = time.time() + seconds
    next_drip = time.time() + 1
    while time.time() < end:
        while len(socks) < n and (reconnect or made < n):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
            except OSError:
                s.close()
                break
            made += 1
            socks[s.fileno()] = s
        ready = select.select(list(socks.values()), [], [], 0.1)[0]
        for s in ready:
            try:
                data = s.recv(4096)
            except OSError:
                data = b''
            refused += b'too many admin clients' in data
            del socks[s.fileno()]
            s.close()
        if ready:
            time.sleep(0.01)  # a persistent attacker, not a busy loop on 2 CPUs
        if drip and time.time() >= next_drip:
            next_drip += 1
            for s in list(socks.values()):
                try:
                    s.send(b'{')
                except OSError:
                    del socks[s.fileno()]
                    s.close()
    for s in socks.values():
        s.close()
    return made, refused


def status_times(w, seconds, limit_s):
    """weirctl status every 0.3 s for `seconds`: each must answer, within limit_s."""
    end, times = time.time() + seconds, []
    while time.time() < end:
        t0 = time.time()
        r = w.ctl('status', check=False)
        took = time.time() - t0
        wt.check(r.returncode == 0, 'weirctl status failed after %.1f s under slow admin '
                 'clients: %s' % (took, r.stderr.strip()))
        wt.check(took < limit_s, 'weirctl status took %.1f s under slow admin clients' % took)
        times.append(took)
        time.sleep(0.3)
    return times


def admin_fairness():
    w = admin_weir('e2e-adm')
    kids = []
    try:
        w.start()
        # Let uid 65534 (nobody) reach the socket, as a group given access would.
        os.chmod(w.tmp, 0o755)
        os.chmod(w.sock, 0o666)
        for drip in (False, True):
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    os.setgid(65534)
                    os.setuid(65534)
                    made, refused = abuse(w.sock, 16, 7, drip)
                    code = 0 if made > 0 else 3
                except BaseException as e:
                    print('nobody\'s clients: %r' % e, flush=True)
                finally:
                    os._exit(code)
            kids.append(pid)
        time.sleep(1)
        times = status_times(w, 5, 3)
        for pid in list(kids):
            _, st = os.waitpid(pid, 0)
            kids.remove(pid)
            wt.check(os.WEXITSTATUS(st) == 0, 'the nobody clients could not connect (%d)' % st)
        adm = w.ctl('status')['admin']
        print('uid nobody, 16 silent + 16 dripping: status in at most %.2f s; %s' %
              (max(times), adm), flush=True)
        wt.check(adm['refused'] > 0 and adm['deadline_closed'] > 0,
                 'nobody was neither refused nor closed late: %s' % adm)

        # Root's own connections, silent and dripping: they may take every
        # slot, and lose it 2 s after they connected; weirctl tries again.
        # (Root reconnecting in a loop could keep them: root is trusted.)
        out = {}
        ts = [threading.Thread(target=lambda d=d: out.__setitem__(d, abuse(w.sock, 16, 6, d,
                                                                           False)))
              for d in (False, True)]
        for t in ts:
            t.start()
        time.sleep(1)
        times = status_times(w, 4, 3.5)
        for t in ts:
            t.join()
        adm2 = w.ctl('status')['admin']
        print('root, 16 silent + 16 dripping: status in at most %.2f s; %s' %
              (max(times), adm2), flush=True)
        wt.check(adm2['deadline_closed'] > adm['deadline_closed'],
                 'root\'s slow clients were not closed: %s' % adm2)
        w.stop()
    finally:
        for pid in kids:
            try:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            except OSError:
                pass
        w.cleanup()
    print('ok: slow admin clients of nobody and of root never kept weirctl status out')


def bans_pages():
    n, conns = 12000, 4
    w = admin_weir('e2e-bans')
    try:
        w.start()
        want = ['10.%d.%d.%d/32' % (i >> 16, (i >> 8) & 255, i & 255) for i in range(n)]
        order = list(want)
        wt.rng('bans-pages').shuffle(order)
        socks = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(conns)]
        t0 = time.time()
        for s in socks:
            s.connect(w.sock)
        for i, a in enumerate(order):
            socks[i % conns].sendall(json.dumps({'v': 1, 'cmd': 'ban', 'address': a[:-3],
                                                 'seconds': 3600}).encode() + b'\n')
        for k, s in enumerate(socks):
            f = s.makefile('rb')
            for _ in range(len(range(k, n, conns))):
                line = f.readline()
                wt.check(b'"ok":true' in line, 'ban refused: %r' % line)
            s.close()
        print('%d bans in %.1f s' % (n, time.time() - t0), flush=True)
        # The daemon's order: by address.
        want.sort(key=ipaddress.ip_network)

        r = w.ctl('bans', json_out=False)
        rows = [ln.split()[0] for ln in r.stdout.splitlines()[1:]]
        wt.check(rows == want, 'weirctl bans: %d rows, want the %d bans once each, in order; '
                 'first rows %s' % (len(rows), n, rows[:3]))
        wt.check(r.stdout.splitlines()[0].split() ==
                 ['source', 'scope', 'remaining_s', 'duration_s', 'times', 'proven', 'by'],
                 'weirctl bans header: %s' % r.stdout.splitlines()[0])
        j = w.ctl('bans')
        wt.check([b['source'] for b in j['bans']] == want and j['next'] is None and
                 j['total'] == n, 'weirctl --json bans: %d bans, next %r, total %r' %
                 (len(j['bans']), j['next'], j['total']))

        # By hand: pages of 5000, each naming the next.
        got, after, pages = [], None, 0
        while True:
            args = ['--limit', '5000'] + (['--after', after] if after else [])
            r = w.ctl('bans', *args, json_out=False)
            lines = r.stdout.splitlines()
            pages += 1
            more = [ln for ln in lines if 'next page: --after ' in ln]
            got += [ln.split()[0] for ln in lines[1:len(lines) - len(more)]]
            if not more:
                break
            after = more[0].split('--after ')[1]
            wt.check(after == got[-1], 'next page after %s, last shown %s' % (after, got[-1]))
        wt.check(got == want and pages == 3, '--limit 5000: %d pages, %d rows, want 3 and %d'
                 % (pages, len(got), n))
        j = w.ctl('bans', '--limit', '7', '--after', want[100])
        wt.check([b['source'] for b in j['bans']] == want[101:108] and j['next'] == want[107],
                 '--limit 7 --after %s: %s' % (want[100], j))
        w.stop()
    finally:
        w.cleanup()
    print('ok: %d bans listed once each, in order, over every page' % n)


def cli_edges():
    w = admin_weir('e2e-cli')
    fifo = os.path.join(w.tmp, 'weir.fifo')
    try:
        os.mkfifo(fifo)
        t0 = time.time()
        try:
            r = subprocess.run(w.argv(fifo), capture_output=True, text=True, timeout=5)
        except subprocess.TimeoutExpired:
            wt.fail('weir --config FIFO still waiting after 5 s')
        took = time.time() - t0
        err = r.stderr.strip()
        wt.check(r.returncode == 2 and took < 1 and
                 err == 'weir: config %s: not a regular file' % fifo,
                 'weir --config FIFO: exit %d after %.1f s: %r' % (r.returncode, took, err))
        print('FIFO: exit 2 in %.2f s: %s' % (took, err), flush=True)

        # Arguments that are not UTF-8 are refused, not left out of the request.
        r = subprocess.run([w.weirctl, '--socket', w.sock, 'ban', b'198.18.0.\xff'],
                           capture_output=True, text=True)
        wt.check(r.returncode == 2 and r.stderr ==
                 'weirctl: ban: argument 1 (ADDRESS) is not valid UTF-8\n',
                 'weirctl ban <not UTF-8>: exit %d, %r' % (r.returncode, r.stderr))
        r = subprocess.run([w.weirctl, '--socket', w.sock, 'bans', '--after', b'\xc0\x80'],
                           capture_output=True, text=True)
        wt.check(r.returncode == 2 and 'argument 2 (--after) is not valid UTF-8' in r.stderr,
                 'weirctl bans --after <not UTF-8>: exit %d, %r' % (r.returncode, r.stderr))
    finally:
        w.cleanup()
    print('ok: a FIFO config is refused at once; arguments that are not UTF-8 are refused')


# A backend answering every GET with a fixed status (e2e-health's api4).
STATUS_SERVER = r"""
import http.server, sys
code = int(sys.argv[3])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(code)
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'ok')
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), H).serve_forever()
"""
APORT = 8081


def wrk(ns, url, seconds, conns=8):
    """wrk with a new connection per request: (requests, errors), where
    errors are socket errors plus answers other than 2xx/3xx."""
    r = sh('timeout', str(seconds + 30), 'wrk', '-t', '2', '-c', str(conns), '-d', '%ds' % seconds,
           '-H', 'Connection: close', url, ns=ns, check=False)
    wt.check(r.returncode == 0, 'wrk exited %d: %s%s' % (r.returncode, r.stdout, r.stderr))
    req = int(r.stdout.split(' requests in ')[0].split()[-1])
    err = 0
    for line in r.stdout.splitlines():
        if 'Socket errors:' in line:
            err += sum(int(x.split()[-1]) for x in line.split(':', 1)[1].split(','))
        if 'Non-2xx or 3xx responses:' in line:
            err += int(line.split(':')[1])
    return req, err


def served(web, addr):
    """Requests an http.server on addr logged."""
    with open(os.path.join(web, 'http-%s.log' % addr)) as f:
        return sum('"GET /who' in ln for ln in f)


def health():
    def mutate(cfg):
        cfg['services'][0]['scheduler'] = 'maglev'
        cfg['services'][0]['no_backend'] = 'rst'
        cfg['pools'][0]['health'] = {'interval_ms': 250, 'timeout_ms': 200, 'rise': 2,
                                     'fall': 3}
        cfg['pools'].append({'name': 'api4', 'backends': [{'address': a, 'port': APORT}
                                                          for a in BK4],
                             'health': {'type': 'http', 'interval_ms': 250, 'timeout_ms': 200,
                                        'http': {'path': '/health'}}})
        cfg['services'].append({'name': 'api4', 'vip': VIP4, 'port': 81, 'protocol': 'tcp',
                                'pool': 'api4', 'local_ips': [BLOCAL4], 'no_backend': 'rst'})

    url = 'http://%s/who' % VIP4
    with l4_topology('e2e-health', mutate=mutate) as t:
        w, nsc, nsb, web = t.w, t.nsc, t.nsb, t.web
        write_who(web)
        bring_up(w, nsc, nsb, t.tapc, t.tapb, web, t.procs)
        api = []
        for addr, code in zip(BK4, (200, 200, 500)):
            api.append(subprocess.Popen(['ip', 'netns', 'exec', nsb, '/usr/bin/python3', '-c',
                                         STATUS_SERVER, addr, str(APORT), str(code)],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL))
            t.procs.append(api[-1])

        def bk(svc, addr):
            return services(w)[svc][addr]

        def serving(svc, addr):
            return bk(svc, addr)['health']['serving']
        wait_for(lambda: all(serving('web4', a) for a in BK4), 'web4 backends up', 10)
        # api4: the backend answering 500 fails its checks; the others pass.
        wait_for(lambda: not serving('api4', BK4[2]) and serving('api4', BK4[0]) and
                 serving('api4', BK4[1]), 'api4: %s out for its 500s' % BK4[2], 10)
        wt.check(bk('api4', BK4[2])['health']['probe']['status'] == 500,
                 'api4 %s: %s' % (BK4[2], bk('api4', BK4[2])['health']))
        r = sh('sh', '-c', 'for i in $(seq 30); do curl -s -o /dev/null -w "%%{http_code}\\n" '
               '--max-time 3 http://%s:81/; done' % VIP4, ns=nsc)
        wt.check(r.stdout.split() == ['200'] * 30, 'api4 answers: %s' % r.stdout.split())
        wt.check(bk('api4', BK4[2])['conns_total'] == 0, 'connections to the 500 backend')

        # web4 under load; one of its servers is killed 1 s in.
        victim = 2 * 1  # t.procs: BK4[i]'s server at 2 i (BK6[i]'s at 2 i + 1)
        box = {}
        load = threading.Thread(target=lambda: box.update(a=wrk(nsc, url, 3)))
        load.start()
        time.sleep(1)
        stop_proc(t.procs[victim])
        t_kill = time.time()
        load.join()
        req_a, err_a = box['a']
        wait_for(lambda: not serving('web4', BK4[1]), '%s out after the kill' % BK4[1], 5)
        time.sleep(max(0, t_kill + 1 - time.time()))
        dead = bk('web4', BK4[1])['conns_total']
        logs = [served(web, BK4[0]), served(web, BK4[2])]
        req_b, err_b = wrk(nsc, url, 3)
        grown = served(web, BK4[0]) + served(web, BK4[2]) - sum(logs)
        wt.check(err_b == 0, 'wrk from 1 s after the kill: %d errors in %d requests' %
                 (err_b, req_b))
        wt.check(bk('web4', BK4[1])['conns_total'] == dead,
                 'connections to the dead backend after 1 s: %d' %
                 (bk('web4', BK4[1])['conns_total'] - dead))
        wt.check(req_b > 100 and req_b <= grown <= req_b + 16,
                 'the survivors logged %d requests, wrk completed %d' % (grown, req_b))
        h = bk('web4', BK4[1])['health']
        print('kill under load: %d requests, %d errors in the second of the kill; %d requests, '
              'no error after; %s: %s, breaker %s, last probe %s' %
              (req_a, err_a, req_b, BK4[1], h['state'], h['breaker'], h['probe']['last']),
              flush=True)

        # Restarted: back within rise x interval (plus one interval and a timeout).
        env = dict(os.environ, PYTHONUNBUFFERED='1')
        log = open(os.path.join(web, 'http-%s.log' % BK4[1]), 'a')
        t.procs[victim] = subprocess.Popen(
            ['ip', 'netns', 'exec', nsb, '/usr/bin/python3', '-m', 'http.server', '--bind',
             BK4[1], str(BPORT), '--directory', os.path.join(web, NAMES[1])],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        log.close()
        wait_for(lambda: sh('curl', '-s', '--max-time', '1', 'http://%s:%d/who' %
                            (BK4[1], BPORT), ns=nsb, check=False).stdout == NAMES[1],
                 'restarted server', 10)
        t_up = time.time()
        wait_for(lambda: serving('web4', BK4[1]), '%s back' % BK4[1], 5)
        back = time.time() - t_up
        wt.check(back < 2 * 0.25 + 0.25 + 0.2 + 0.3, 'back after %.2f s' % back)
        before = bk('web4', BK4[1])['conns_total']
        req_c, err_c = wrk(nsc, url, 2)
        wt.check(err_c == 0 and bk('web4', BK4[1])['conns_total'] > before + req_c // 6,
                 'after the restart: %d errors, %d of %d connections to %s' %
                 (err_c, bk('web4', BK4[1])['conns_total'] - before, req_c, BK4[1]))
        print('restarted: serving again %.2f s after it listened' % back, flush=True)

        # Every api4 backend down: a SYN gets an RST at once (curl: refused).
        for p in api:
            stop_proc(p)
        wait_for(lambda: not any(serving('api4', a) for a in BK4), 'api4 all down', 5)
        t0 = time.time()
        r = sh('curl', '-s', '--max-time', '3', 'http://%s:81/' % VIP4, ns=nsc, check=False)
        wt.check(r.returncode == 7 and time.time() - t0 < 1,
                 'curl with every api4 backend down: exit %d after %.1f s' %
                 (r.returncode, time.time() - t0))
        wt.check(w.ctl('stats')['total']['no_backend_rst'] >= 1, 'no_backend_rst')
    print('ok: failover within a second under load, back after restart, HTTP status checks, '
          'no backend answered with an RST')


def reload():
    def mutate(cfg):
        cfg['pools'][0]['backends'] = [{'address': a, 'port': BPORT} for a in BK4[:2]]
        cfg['services'][0]['limits'] = {'new_conns': {'rate': 1000, 'per_s': 10,
                                                      'burst': 1000}, 'action': 'rst'}

    url = 'http://%s/who' % VIP4
    with l4_topology('e2e-reload', mutate=mutate) as t:
        w, nsc, nsb, web = t.w, t.nsc, t.nsb, t.web
        write_who(web)
        bring_up(w, nsc, nsb, t.tapc, t.tapb, web, t.procs, keep_alive=True)
        gen0 = w.ctl('status')['config_load']['generation']
        wt.check(gen0 == 1, 'generation at start: %s' % gen0)

        def write(path, mut):
            cfg = json.loads(json.dumps(w.config))
            mut(cfg)
            with open(path, 'w') as f:
                json.dump(cfg, f)
            return path

        def swap(cfg):
            # b2 added, b1 removed; web4 to Maglev (replaced: a new entry,
            # the old one keeps its connections); web6 removed; web4b added.
            cfg['pools'][0]['backends'] = [{'address': a, 'port': BPORT}
                                           for a in (BK4[0], BK4[2])]
            cfg['services'][0]['scheduler'] = 'maglev'
            web4b = dict(cfg['services'][0], name='web4b', port=81)
            del web4b['limits']
            cfg['services'] = [cfg['services'][0], web4b]
        new = write(os.path.join(w.tmp, 'new.json'), swap)

        # Keep-alive load for 10 s (8 connections opened at the start,
        # spread over b0 and b1 by rr, kept: the servers speak HTTP/1.1);
        # the reload 3 s in.
        box = {}
        load = threading.Thread(target=lambda: box.update(
            r=sh('timeout', '40', 'wrk', '-t', '2', '-c', '8', '-d', '10s', url, ns=nsc,
                 check=False)))
        load.start()
        time.sleep(3)
        served_b1 = served(web, BK4[1])
        res = w.ctl('reload', new)
        changed = res['changed']
        wt.check(res['generation'] == gen0 + 1 and changed == [
            'pools[0] (web4): backend 2 added', 'pools[0] (web4): backend 1 removed (drained)',
            'services[0] (web4): removed (its connections go on)',
            'services[1] (web6): removed (its connections go on)',
            'services[2] (web4): added', 'services[3] (web4b): added'], 'reload: %s' % res)
        # New connections: b0 and b2 only (rr), while wrk's go on.
        got = curl_many(nsc, url, 30)
        wt.check(sorted(set(got)) == ['b0', 'b2'], 'new connections after the reload: %s' %
                 spread(got))
        got = curl_many(nsc, 'http://%s:81/who' % VIP4, 6)
        wt.check(sorted(set(got)) <= ['b0', 'b2'], 'web4b: %s' % got)
        r = sh('curl', '-s', '--max-time', '2', 'http://[%s]/who' % VIP6, ns=nsc, check=False)
        wt.check(r.returncode == 28, 'web6 removed: curl -6 exit %d' % r.returncode)
        svcs = w.ctl('services')['services']
        wt.check([(x['name'], x['removed']) for x in svcs] ==
                 [('web4', True), ('web6', True), ('web4', False), ('web4b', False)],
                 'services after the reload: %s' % [(x['name'], x['removed']) for x in svcs])
        load.join()
        out = box['r'].stdout
        wt.check(box['r'].returncode == 0 and 'Socket errors' not in out and
                 'Non-2xx' not in out, 'wrk across the reload:\n%s' % out)
        req = int(out.split(' requests in ')[0].split()[-1])
        wt.check(req > 300, 'wrk completed %d requests' % req)
        # b1's established connections went on serving after its removal.
        wt.check(served(web, BK4[1]) > served_b1 + 100,
                 'b1 served %d requests after the reload' % (served(web, BK4[1]) - served_b1))
        bk = {b['address']: b for b in svcs[2]['backends']}
        wt.check(bk[BK4[1]]['removed'] and bk[BK4[1]]['effective_weight'] == 0 and
                 not bk[BK4[2]]['removed'] and bk[BK4[2]]['conns_total'] >= 10,
                 'backends after the reload: %s' % {a: (b['removed'], b['effective_weight'],
                                                        b['conns_total']) for a, b in bk.items()})
        print('reload under keep-alive load: %d requests, no error; changed: %s' %
              (req, changed), flush=True)

        # A broken file, and a key that cannot change: refused, nothing changes.
        def broken(cfg):
            cfg['services'][0]['timeouts'] = {'syn': 0}
        def packets(cfg):  # as running, plus a kind of limit web4 did not have
            swap(cfg)
            cfg['services'][0]['limits']['packets'] = {'rate': 10, 'per_s': 1, 'burst': 10}
        for mut, key in ((broken, "key 'services[0].timeouts.syn'"),
                         (lambda c: c.update(conn_table_size=131072), "key 'conn_table_size'"),
                         (packets, "key 'services[0].limits': adding or removing a kind")):
            path = write(os.path.join(w.tmp, 'bad.json'), mut)
            r = w.ctl('reload', path, json_out=False, check=False)
            wt.check(r.returncode != 0 and key in r.stderr and 'unchanged' in r.stderr,
                     'reload of a bad file: exit %d: %s' % (r.returncode, r.stderr))
        wt.check(w.ctl('status')['config_load']['generation'] == gen0 + 1,
                 'generation moved on a refused reload')
        got = curl_many(nsc, url, 6)
        wt.check(sorted(set(got)) == ['b0', 'b2'], 'after refused reloads: %s' % spread(got))

        # SIGHUP reads the file weir started with: b1 back, b2 still listed
        # (weir now runs on new.json's origin, so rewrite that one).
        def back(cfg):
            cfg['pools'][0]['backends'] = [{'address': a, 'port': BPORT} for a in BK4]
        write(new, back)
        w.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: w.ctl('status')['config_load']['generation'] == gen0 + 2,
                 'generation after SIGHUP', 5)
        got = curl_many(nsc, url, 30)
        wt.check(spread(got) == [10, 10, 10], 'after SIGHUP: %s' % spread(got))
        wt.check(curl_many(nsc, 'http://[%s]/who' % VIP6, 3), 'web6 back')
        wt.check('SIGHUP: reloaded' in w.log(), 'no SIGHUP line in the log')

        # Limits' values change: 2 new connections per minute per source;
        # a new client address gets 2, then RSTs (curl: refused).
        def strict(cfg):
            back(cfg)
            cfg['services'][0]['limits']['new_conns'] = {'rate': 2, 'per_s': 60, 'burst': 2}
        res = w.ctl('reload', write(new, strict))
        wt.check(res['changed'] == ['services[4] (web4): limits'], 'limits reload: %s' % res)
        sh('ip', 'addr', 'add', '198.18.0.9/24', 'dev', t.tapc, ns=nsc)
        codes = [sh('curl', '-s', '-o', '/dev/null', '--max-time', '3', '--interface',
                    '198.18.0.9', url, ns=nsc, check=False).returncode for _ in range(4)]
        wt.check(codes == [0, 0, 7, 7], 'curls past the reloaded limit: %s' % codes)
    print('ok: reload under load without an error, refusals named, SIGHUP')


# Every scenario, by name: `e2e.py --list` gives meson these names (e2e-NAME).
SCENARIOS = {'admin-fairness': admin_fairness, 'bans-pages': bans_pages, 'cli-edges': cli_edges,
             'health': health, 'l4': l4, 'reload': reload, 'limits': limits, 'ping': ping, 'synproxy': synproxy}
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_http  # noqa: E402
import e2e_gate  # noqa: E402
SCENARIOS.update(e2e_http.scenarios(sys.modules[__name__]))
SCENARIOS.update(e2e_gate.scenarios(sys.modules[__name__]))

if __name__ == '__main__':
    if sys.argv[1:] == ['--list']:
        print('\n'.join(sorted(SCENARIOS)))
        sys.exit(0)
    if len(sys.argv) != 2 or sys.argv[1] not in SCENARIOS:
        print('usage: e2e.py {--list|%s}' % '|'.join(sorted(SCENARIOS)))
        sys.exit(2)
    if os.geteuid() != 0:
        print('SKIP: needs root for network namespaces and tap devices')
        sys.exit(77)
    SCENARIOS[sys.argv[1]]()
