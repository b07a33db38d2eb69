#!/usr/bin/python3
"""End-to-end HTTP proxy benchmark: plain HTTP/1.1 reverse proxying through
HAProxy, NGINX and (behind a flag) weir, in the same namespaces, in one run.

  bench/http_e2e.py [--build DIR] [--proxies haproxy,nginx[,weir]]
                    [--weir-protocol http|tcp|tcp,http] [--job plain|jwt]
                    [--seconds N] [--conns N] [--rounds N] [--out FILE]

Topology (names carry this process's PID; addresses from 198.18.0.0/15):

  ns wb-cli-PID               ns wb-px-PID (HAProxy, NGINX)        ns wb-bk-PID
  wrk, taskset -c 0           proxy, taskset -c 1                  nginx, taskset -c 0
  198.18.0.2/24  <-- veth --> 198.18.0.1/24 | 198.18.2.1/24 <-- veth --> 198.18.2.2/24
  route 198.18.1.0/24         VIP 198.18.1.1/32 on lo                64-byte body,
        via 198.18.0.1                                                 keep-alive

For weir the proxy namespace and its veths are deleted first; weir's two
net_tap ports take their place, moved into the same client and backend
namespaces with the same addresses (weir owns 198.18.0.1 and 198.18.2.1;
VIP 198.18.1.1:80, local IP 198.18.2.1). weir's main lcore is on CPU 0, its
one worker on CPU 1. --weir-protocol tcp runs weir's L4 FullNAT service
(reported as "weir-l4"); http (the default) is weir's HTTP service ("weir");
tcp,http runs both, one after the other.

Per proxy, two modes, each after a 1 s warm-up: keep-alive (wrk's default)
and close (wrk -H 'Connection: close': a new client connection per request).
wrk -t 1 -c CONNS -d SECONDS, in the client namespace on CPU 0.

  rps          wrk's requests/s; non-2xx answers and socket errors reported
  cpu_us_req   the proxy's CPU time per request, in microseconds:
               HAProxy: utime+stime of its process (/proc/PID/stat);
               NGINX: the same summed over master and worker;
               weir: its worker's busy TSC cycles (weirctl stats busy_cycles,
               tsc_hz) -- a poll loop's /proc time is its whole CPU whether
               it works or not; weir's /proc time is recorded too
  cpu1_us_req  everything CPU 1 did (/proc/stat cpu1: user, nice, system,
               irq, softirq), per request: includes softirq work the
               process times miss
  cpu1_other_pct  CPU 1's busy time outside the proxy's processes, in % of
               the window; the report warns above 25 % (another program on
               the proxy's CPU: run on an otherwise idle machine)
  backend_conns_req  connections the backend accepted per request

With --rounds N each proxy and mode is measured N times (the kernel
proxies in turn, restarted each round; weir's N rounds last, restarted
each round too) and the table
shows the medians, each round's figures kept in the row's rounds_* lists.

--job jwt (default plain) measures the API gate's job instead: one HS256
token (sub "bench", iss and aud set, exp an hour ahead; its 40-byte secret
in a file of the run's temporary directory) in "Authorization: Bearer" on
every wrk request. HAProxy ("haproxy-jwt") takes the bearer token, checks
its alg is HS256, jwt_verify()s it with the secret, checks iss, aud and
exp (401 otherwise), then tracks its sub claim in a stick-table with
http_req_rate(60s) and denies 429 above 100000000 (never during a run: the
cost of tracking is what is measured). weir ("weir-jwt") runs its http
service with "auth": "jwt", an issuer with the same secret file, iss and
aud, and a default tier "bench" of 1000000000 requests per 60 s. NGINX
stays a plain proxy ("nginx"), the baseline of a proxy doing no auth.
Before measuring, each gating proxy must answer 401 to no token, a forged
one and an expired one, and 200 to the good token. Rows have suite "http_e2e_jwt" and
"job": "jwt"; weir's rows add its gate counters over the window.

Results: one JSON object per proxy and mode (suite "http_e2e") to --out,
and a markdown table on stdout. Every process is stopped by PID and the
namespaces are deleted in every outcome (SIGINT/SIGTERM/SIGHUP included).
Exit 1 if a proxy failed to run or a request failed.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import report  # noqa: E402  (bench/report.py: the table, shared with run.sh's report)

CLI4, PX_CLI4, PX_BK4, BK4, VIP4 = '198.18.0.2', '198.18.0.1', '198.18.2.1', '198.18.2.2', '198.18.1.1'
WEIR_MAC, WEIR_BMAC = '02:77:65:69:72:01', '02:77:65:69:72:02'
BODY = 'x' * 63 + '\n'  # the backend's 64-byte body
CLIENT_CPU, PROXY_CPU = 0, 1
URL = 'http://%s/' % VIP4
MODES = (('keepalive', []), ('close', ['-H', 'Connection: close']))
CLK_TCK = os.sysconf('SC_CLK_TCK')

WEIR_NAME = {'http': 'weir', 'tcp': 'weir-l4'}  # --weir-protocol: the row's name
WEIR_PROTOCOL = {v: k for k, v in WEIR_NAME.items()}

# --job jwt: the token, its secret and the claims both gating proxies check.
JWT_ISS, JWT_AUD, JWT_SUB = 'https://auth.bench.example', 'weir-bench', 'bench'
JWT_LIMIT = 100000000  # HAProxy's per-sub limit per 60 s: never reached in a run
WEIR_JWT_LIMIT = 1000000000  # weir's "bench" tier per 60 s (its maximum): the same
AUTH = []  # curl's and wrk's extra arguments: -H 'Authorization: Bearer ...' for --job jwt

PID = os.getpid()
NS_CLI, NS_BK, NS_PX = 'wb-cli-%d' % PID, 'wb-bk-%d' % PID, 'wb-px-%d' % PID


def log(msg):
    print('http_e2e: ' + msg, file=sys.stderr, flush=True)


class Failed(Exception):
    pass


def _terminated(signum, frame):
    # Leave through the finally blocks: processes stopped, namespaces deleted.
    raise SystemExit(128 + signum)


def sh(*argv, ns=None, check=True, timeout=60):
    if ns is not None:
        argv = ('ip', 'netns', 'exec', ns) + argv
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise Failed('%s exited %d: %s%s' % (' '.join(argv), r.returncode, r.stdout, r.stderr))
    return r


def wait_for(pred, what, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise Failed('timed out after %d s waiting for %s' % (timeout, what))


# ---- processes: started here, stopped by PID ----------------------------------

procs = []  # (Popen, name), stopped in reverse order


def start(name, argv, logpath, ns=None, cpu=None, env=None):
    if cpu is not None:
        argv = ['taskset', '-c', str(cpu)] + argv
    if ns is not None:
        argv = ['ip', 'netns', 'exec', ns] + argv  # ip netns exec and taskset exec the command
    with open(logpath, 'w') as f:
        p = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=env)
    procs.append((p, name))
    return p


def children(pid):
    out = []
    for d in os.listdir('/proc'):
        if d.isdigit():
            try:
                with open('/proc/%s/stat' % d) as f:
                    if int(f.read().rsplit(')', 1)[1].split()[1]) == pid:
                        out.append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return out


def stop(p, name, sig=signal.SIGTERM, timeout=10):
    """Signal the PID, wait, SIGKILL it (and children it left) if it stays."""
    kids = children(p.pid) if p.poll() is None else []
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log('%s (PID %d) still running %d s after signal %d; SIGKILL' % (name, p.pid, timeout, sig))
            p.kill()
            p.wait()
    for k in kids:  # e.g. nginx workers whose master was killed
        try:
            os.kill(k, signal.SIGKILL)
        except ProcessLookupError:
            pass
    procs[:] = [(q, n) for q, n in procs if q is not p]


# ---- CPU accounting --------------------------------------------------------------

def proc_ticks(pids):
    """utime + stime of these processes (all their threads), in clock ticks."""
    t = 0
    for pid in pids:
        with open('/proc/%d/stat' % pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        t += int(fields[11]) + int(fields[12])
    return t


def cpu_busy_ticks(cpu):
    with open('/proc/stat') as f:
        for line in f:
            if line.startswith('cpu%d ' % cpu):
                v = [int(x) for x in line.split()[1:]]
                return v[0] + v[1] + v[2] + v[5] + v[6]  # user nice system irq softirq
    raise Failed('cpu%d not in /proc/stat' % cpu)


def passive_opens(ns):
    """TCP connections accepted in the namespace so far (/proc/net/snmp PassiveOpens)."""
    lines = [l.split() for l in sh('cat', '/proc/net/snmp', ns=ns).stdout.splitlines()
             if l.startswith('Tcp:')]
    return int(lines[1][lines[0].index('PassiveOpens')])


# ---- wrk -----------------------------------------------------------------------------

def parse_wrk(out):
    m = re.search(r'(\d+) requests in ([0-9.]+)(us|ms|s|m)\b', out)
    if not m:
        raise Failed('no request count in wrk\'s output:\n' + out)
    unit = {'us': 1e-6, 'ms': 1e-3, 's': 1.0, 'm': 60.0}[m.group(3)]
    r = {'requests': int(m.group(1)), 'wrk_seconds': float(m.group(2)) * unit}
    m = re.search(r'Requests/sec:\s*([0-9.]+)', out)
    r['rps'] = float(m.group(1)) if m else r['requests'] / r['wrk_seconds']
    m = re.search(r'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)', out)
    r['socket_errors'] = dict(zip(('connect', 'read', 'write', 'timeout'),
                                  (int(x) for x in m.groups()))) if m else {}
    m = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    r['non_2xx_3xx'] = int(m.group(1)) if m else 0
    m = re.search(r'Latency\s+([0-9.]+)(us|ms|s)', out)
    if m:
        r['latency_avg_ms'] = round(float(m.group(1)) * {'us': 1e-3, 'ms': 1.0, 's': 1e3}[m.group(2)], 3)
    return r


def wrk(args, seconds, extra):
    argv = ['ip', 'netns', 'exec', NS_CLI, 'taskset', '-c', str(CLIENT_CPU), 'wrk', '-t', '1',
            '-c', str(args.conns), '-d', '%ds' % seconds] + AUTH + extra + [URL]
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        raise Failed('wrk did not end within %d s' % (seconds + 30))
    if r.returncode != 0:
        raise Failed('wrk exited %d: %s%s' % (r.returncode, r.stdout, r.stderr))
    return parse_wrk(r.stdout), ' '.join(argv)


def curl_ok():
    r = sh('curl', '-s', '--max-time', '2', *AUTH, URL, ns=NS_CLI, check=False)
    return r.returncode == 0 and r.stdout == BODY


def curl_status(*hdr):
    r = sh('curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', *hdr, URL,
           ns=NS_CLI, check=False)
    return r.stdout.strip()


def check_gate(name, job):
    """A gating proxy refuses no token, a forged one and an expired one (401), lets the
    good one through."""
    got = {'no token': curl_status()}
    for what, tok in (('forged token', job.forged), ('expired token', job.expired),
                      ('good token', job.token)):
        got[what] = curl_status('-H', 'Authorization: Bearer ' + tok)
    want = {'no token': '401', 'forged token': '401', 'expired token': '401', 'good token': '200'}
    if got != want:
        raise Failed('%s does not gate: %s (want %s)' % (name, got, want))
    log('%s gates: %s' % (name, ', '.join('%s %s' % kv for kv in got.items())))


# ---- --job jwt: one HS256 token ---------------------------------------------------------

def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode()


def make_jwt(secret, claims):
    head = b64url(json.dumps({'alg': 'HS256', 'typ': 'JWT'}, separators=(',', ':')).encode())
    body = b64url(json.dumps(claims, separators=(',', ':')).encode())
    signing = head + '.' + body
    return signing + '.' + b64url(hmac.new(secret, signing.encode(), hashlib.sha256).digest())


class Job:
    """What the proxies are asked to do: plain proxying, or --job jwt's gate."""

    def __init__(self, name, tmp):
        self.name, self.suite = name, 'http_e2e' if name == 'plain' else 'http_e2e_' + name
        self.secret_file = self.secret = self.token = self.forged = self.expired = None
        if name == 'jwt':
            # Letters and digits only: the secret is a quoted string in HAProxy's
            # configuration (its jwt_verify takes an HMAC secret as is).
            alphabet = string.ascii_letters + string.digits
            self.secret = ''.join(secrets.choice(alphabet) for _ in range(40))
            self.secret_file = os.path.join(tmp, 'jwt.secret')
            fd = os.open(self.secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, 'w') as f:
                f.write(self.secret)
            claims = {'iss': JWT_ISS, 'aud': JWT_AUD, 'sub': JWT_SUB,
                      'exp': int(time.time()) + 3600}
            self.token = make_jwt(self.secret.encode(), claims)
            self.forged = make_jwt(b'not-the-secret-' + b'x' * 32, claims)
            self.expired = make_jwt(self.secret.encode(), dict(claims, exp=int(time.time()) - 600))

    def label(self, proxy):
        """The row's proxy name: the gating proxies carry the job's name."""
        return proxy if self.name == 'plain' or proxy == 'nginx' else proxy + '-' + self.name

    def remove_secret(self):
        if self.secret_file is not None:
            try:
                os.unlink(self.secret_file)
            except FileNotFoundError:
                pass


# ---- topology --------------------------------------------------------------------------

def ns_add(ns):
    sh('ip', 'netns', 'add', ns)
    sh('ip', 'link', 'set', 'lo', 'up', ns=ns)
    # Many short connections: a wide port range, TIME_WAIT reuse, deep accept queues.
    for kv in ('net.ipv4.ip_local_port_range=1024 65000', 'net.ipv4.tcp_tw_reuse=1',
               'net.core.somaxconn=4096', 'net.ipv4.tcp_max_syn_backlog=4096'):
        sh('sysctl', '-q', '-w', kv, ns=ns)


def ns_del(ns):
    sh('ip', 'netns', 'del', ns, check=False)


def veths_up():
    """The proxy namespace, joined to the client and backend namespaces by veths."""
    ns_add(NS_PX)
    for far_ns, far, near, far_a, near_a in ((NS_CLI, 'wbc%d' % PID, 'wbcp%d' % PID, CLI4, PX_CLI4),
                                             (NS_BK, 'wbb%d' % PID, 'wbbp%d' % PID, BK4, PX_BK4)):
        sh('ip', 'link', 'add', far, 'netns', far_ns, 'type', 'veth', 'peer', 'name', near,
           'netns', NS_PX)
        sh('ip', 'addr', 'add', far_a + '/24', 'dev', far, ns=far_ns)
        sh('ip', 'link', 'set', far, 'up', ns=far_ns)
        sh('ip', 'addr', 'add', near_a + '/24', 'dev', near, ns=NS_PX)
        sh('ip', 'link', 'set', near, 'up', ns=NS_PX)
    sh('ip', 'addr', 'add', VIP4 + '/32', 'dev', 'lo', ns=NS_PX)
    sh('ip', 'route', 'add', '198.18.1.0/24', 'via', PX_CLI4, ns=NS_CLI)


def veths_down():
    ns_del(NS_PX)  # its veths go with it, and their peers with them
    for ns, dev in ((NS_CLI, 'wbc%d' % PID), (NS_BK, 'wbb%d' % PID)):
        sh('ip', 'link', 'del', dev, ns=ns, check=False)


# ---- the backend: nginx, a 64-byte body, keep-alive -------------------------------------

NGINX_COMMON = '''daemon off;
master_process on;
worker_processes 1;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log warn;
events { worker_connections 16384; }
http {
    access_log off;
    client_body_temp_path %(dir)s/body;
    proxy_temp_path %(dir)s/proxy;
    fastcgi_temp_path %(dir)s/fastcgi;
    uwsgi_temp_path %(dir)s/uwsgi;
    scgi_temp_path %(dir)s/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
%(server)s
}
'''

BACKEND_SERVER = '''    server {
        listen 80 backlog=4096;
        default_type text/plain;
        location / { return 200 "%s"; }
    }''' % BODY.replace('\n', '\\n')

PROXY_NGINX_SERVER = '''    # Backend connections kept and reused (HAProxy: http-reuse always).
    upstream site {
        server %s:80;
        keepalive 256;
    }
    server {
        listen %s:80 backlog=4096;
        location / {
            proxy_pass http://site;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering on;
        }
    }''' % (BK4, VIP4)

HAPROXY_CFG = '''global
    nbthread 1
    maxconn 4096
    log stdout format raw local0 err

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 30s

frontend fe
    bind %s:80
%%(gate)s    default_backend be

backend be
    # Idle server connections are shared between client connections, as
    # NGINX's upstream keepalive does: without it (http-reuse safe), a client
    # asking for Connection: close costs a backend connection too.
    http-reuse always
    server s1 %s:80
''' % (VIP4, BK4)

# --job jwt: what HAProxy 2.6's documentation gives for JWTs (its jwt_verify
# takes an HMAC secret as the string itself), with the claims weir checks
# too (iss, aud, exp), then a stick-table on the token's sub: the rate is
# tracked on every request, the limit never reached.
HAPROXY_JWT = '''    stick-table type string len 64 size 100k expire 60s store http_req_rate(60s)
    http-request set-var(txn.bearer) http_auth_bearer
    http-request set-var(txn.alg) var(txn.bearer),jwt_header_query('$.alg')
    http-request deny deny_status 401 unless { var(txn.alg) -m str HS256 }
    http-request deny deny_status 401 unless { var(txn.bearer),jwt_verify(txn.alg,"%(secret)s") 1 }
    http-request deny deny_status 401 unless { var(txn.bearer),jwt_payload_query('$.iss') -m str %(iss)s }
    http-request deny deny_status 401 unless { var(txn.bearer),jwt_payload_query('$.aud') -m str %(aud)s }
    http-request set-var(txn.now) date
    http-request set-var(txn.exp) var(txn.bearer),jwt_payload_query('$.exp','int')
    http-request deny deny_status 401 unless { var(txn.exp),sub(txn.now) gt 0 }
    http-request set-var(txn.sub) var(txn.bearer),jwt_payload_query('$.sub')
    http-request track-sc0 var(txn.sub)
    http-request deny deny_status 429 if { sc_http_req_rate(0) gt %(limit)d }
'''


def nginx_conf(tmp, name, server):
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, 'nginx.conf')
    with open(path, 'w') as f:
        f.write(NGINX_COMMON % {'dir': d, 'server': server})
    return d, path


def start_nginx(tmp, name, server, ns, cpu):
    d, conf = nginx_conf(tmp, name, server)
    cmd = ['nginx', '-e', os.path.join(d, 'error.log'), '-p', d, '-c', conf]
    p = start(name, cmd, os.path.join(d, 'out.log'), ns=ns, cpu=cpu)
    wait_for(lambda: p.poll() is not None or len(children(p.pid)) >= 1, name + '\'s worker')
    if p.poll() is not None:
        raise Failed('%s exited %d: %s' % (name, p.returncode, open(os.path.join(d, 'error.log')).read()))
    return p, 'ip netns exec %s taskset -c %d %s' % (ns, cpu, ' '.join(cmd))


# ---- the proxies under test -----------------------------------------------------------------

class Kernel:
    """HAProxy or NGINX in the proxy namespace: CPU time from /proc."""
    cpu_method = 'proc'

    def __init__(self, name, tmp, job):
        self.kind, self.tmp, self.job = name, tmp, job
        self.name = job.label(name)

    def up(self):
        if self.kind == 'haproxy':
            d = os.path.join(self.tmp, 'haproxy')
            os.makedirs(d, exist_ok=True)
            cfg = os.path.join(d, 'haproxy.cfg')
            gate = ''
            if self.job.name == 'jwt':
                gate = HAPROXY_JWT % {'secret': self.job.secret, 'iss': JWT_ISS, 'aud': JWT_AUD,
                                      'limit': JWT_LIMIT}
            with open(cfg, 'w') as f:
                f.write(HAPROXY_CFG % {'gate': gate})
            cmd = ['haproxy', '-db', '-f', cfg]
            self.log = os.path.join(d, 'out.log')
            self.p = start('haproxy', cmd, self.log, ns=NS_PX, cpu=PROXY_CPU)
            self.cmd = 'ip netns exec %s taskset -c %d %s' % (NS_PX, PROXY_CPU, ' '.join(cmd))
        else:
            self.p, self.cmd = start_nginx(self.tmp, 'nginx-proxy', PROXY_NGINX_SERVER, NS_PX,
                                           PROXY_CPU)
            self.log = os.path.join(self.tmp, 'nginx-proxy', 'error.log')
        wait_for(lambda: self.p.poll() is not None or curl_ok(), self.name + ' to proxy ' + URL)
        if self.p.poll() is not None:
            with open(self.log) as f:
                raise Failed('%s exited %d: %s' % (self.name, self.p.returncode, f.read()[-1000:]))
        self.pids = [self.p.pid] + children(self.p.pid)
        if self.job.name == 'jwt' and self.kind == 'haproxy':
            check_gate(self.name, self.job)

    def mark(self):
        t = proc_ticks(self.pids)
        return {'proc_ticks': t, 'cpu1_ticks': t}

    def cost(self, m0, m1, requests):
        us = (m1['proc_ticks'] - m0['proc_ticks']) / CLK_TCK * 1e6 / requests
        return {'cpu_us_req': round(us, 2), 'proxy_pids': len(self.pids)}

    def down(self):
        stop(self.p, self.name)


class Weir:
    """weir on two net_tap ports moved into the client and backend namespaces."""
    cpu_method = 'busy_cycles'

    def __init__(self, tmp, build, protocol, job):
        self.tmp, self.protocol, self.job = os.path.join(tmp, 'weir'), protocol, job
        self.name = job.label(WEIR_NAME[protocol])
        self.weir = os.path.join(build, 'app', 'weir')
        self.weirctl = os.path.join(build, 'control', 'weirctl')
        for f in (self.weir, self.weirctl):
            if not os.access(f, os.X_OK):
                raise Failed('%s is not built (make build-release)' % f)
        self.prefix = 'weir-http-e2e-%d' % PID
        self.sock = os.path.join(self.tmp, 'weir.sock')
        self.tapc, self.tapb = 'wbtc%d' % PID, 'wbtb%d' % PID
        self.p = None

    def config(self):
        cfg = {
            'workers': [1],
            'idle_sleep_us': 0,  # pure polling: CPU 1 is the worker's
            'conn_table_size': 262144,
            'ports': [
                {'name': 'client', 'devargs': 'net_tap0,iface=' + self.tapc, 'mac': WEIR_MAC,
                 'addresses': [PX_CLI4 + '/24']},
                {'name': 'backend', 'devargs': 'net_tap1,iface=' + self.tapb, 'mac': WEIR_BMAC,
                 'addresses': [PX_BK4 + '/24']},
            ],
            'pools': [{'name': 'site', 'backends': [{'address': BK4, 'port': 80}]}],
            'services': [{'name': 'web', 'vip': VIP4, 'port': 80, 'protocol': self.protocol,
                          'pool': 'site', 'scheduler': 'rr', 'local_ips': [PX_BK4]}],
            'control': {'socket': self.sock},
        }
        if self.job.name == 'jwt':
            # Every request through the gate: the token checked (from the worker's
            # cache after the first), then charged to the bench tier's limit.
            cfg['gate'] = {
                'issuers': [{'name': 'bench', 'iss': JWT_ISS, 'aud': JWT_AUD, 'alg': 'HS256',
                             'secret_file': self.job.secret_file}],
                'tiers': [{'name': 'bench', 'limits': [{'name': 'bench', 'limit': WEIR_JWT_LIMIT,
                                                        'window_s': 60}]}],
                'default_tier': 'bench',
            }
            cfg['services'][0]['http'] = {'auth': 'jwt'}
        return cfg

    def ctl(self, *args):
        r = subprocess.run([self.weirctl, '--socket', self.sock, '--json', '--timeout', '5'] +
                           list(args), capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise Failed('weirctl %s exited %d: %s' % (' '.join(args), r.returncode, r.stderr))
        return json.loads(r.stdout)

    def up(self):
        os.makedirs(self.tmp, exist_ok=True)
        cfg = os.path.join(self.tmp, 'weir.json')
        with open(cfg, 'w') as f:
            json.dump(self.config(), f, indent=2)
        cmd = [self.weir, '--lcores', '%d@%d,1@%d' % (0, CLIENT_CPU, PROXY_CPU), '--no-huge',
               '-m', '512', '--no-pci', '--file-prefix', self.prefix, '--log-level',
               'lib.eal:warning', '--', '--config', cfg]
        self.cmd = ' '.join(cmd)
        self.log = os.path.join(self.tmp, 'weir.log')
        self.p = start('weir', cmd, self.log)

        def answers():
            if self.p.poll() is not None:
                raise Failed('weir exited %d during start-up:\n%s' % (self.p.returncode,
                                                                   open(self.log).read()[-2000:]))
            return os.path.exists(self.sock) and subprocess.run(
                [self.weirctl, '--socket', self.sock, 'status'], capture_output=True).returncode == 0
        wait_for(answers, 'weir to answer on ' + self.sock, 60)
        for ns, tap, addr in ((NS_CLI, self.tapc, CLI4), (NS_BK, self.tapb, BK4)):
            wait_for(lambda: sh('ip', 'link', 'show', tap, check=False).returncode == 0, 'tap ' + tap)
            sh('ip', 'link', 'set', tap, 'netns', ns)
            sh('ip', 'addr', 'add', addr + '/24', 'dev', tap, ns=ns)
            sh('ip', 'link', 'set', tap, 'up', ns=ns)
        sh('ip', 'route', 'add', '198.18.1.0/24', 'via', PX_CLI4, ns=NS_CLI)
        wait_for(lambda: all(b.get('mac') for s in self.ctl('services')['services']
                             for b in s['backends']), 'weir to resolve the backend\'s MAC')
        wait_for(curl_ok, 'weir to proxy ' + URL)
        if self.job.name == 'jwt':
            check_gate(self.name, self.job)

    def mark(self):
        st = self.ctl('stats')
        ws = [w for w in st.get('workers', []) if isinstance(w, dict)]
        # The whole process, and its worker thread (the one on CPU 1).
        m = {'proc_ticks': proc_ticks([self.p.pid]), 'cpu1_ticks': self.worker_ticks()}
        if ws and all(isinstance(w.get('busy_cycles'), int) for w in ws):
            m['busy_cycles'] = sum(w['busy_cycles'] for w in ws)
            m['tsc_hz'] = report.weir_tsc_hz(st)
        tot = st.get('total') or {}
        m['rx'], m['tx'] = tot.get('rx'), tot.get('tx')
        m['drops'] = dict(tot.get('drops') or {})
        # The gate's counters, and the responses given its RateLimit fields.
        m['gate'] = {k: v for k, v in tot.items()
                     if k.startswith(('gate_', 'http_rl_fields')) and isinstance(v, int)}
        return m

    def worker_ticks(self):
        for t in os.listdir('/proc/%d/task' % self.p.pid):
            try:
                with open('/proc/%d/task/%s/comm' % (self.p.pid, t)) as f:
                    if f.read().strip() != 'rte-worker-1':
                        continue
                with open('/proc/%d/task/%s/stat' % (self.p.pid, t)) as f:
                    fields = f.read().rsplit(')', 1)[1].split()
                return int(fields[11]) + int(fields[12])
            except OSError:
                pass
        raise Failed('weir has no thread rte-worker-1')

    def cost(self, m0, m1, requests):
        out = {'proc_cpu_us_req': round((m1['proc_ticks'] - m0['proc_ticks']) / CLK_TCK * 1e6 /
                                        requests, 2)}
        # weir's threads other than the worker (main lcore, EAL's interrupt,
        # multi-process and telemetry threads), all on CPU 0 with wrk and the backend.
        out['weir_other_threads_us_req'] = round(
            ((m1['proc_ticks'] - m0['proc_ticks']) - (m1['cpu1_ticks'] - m0['cpu1_ticks'])) /
            CLK_TCK * 1e6 / requests, 2)
        if 'busy_cycles' in m0 and 'busy_cycles' in m1 and m1.get('tsc_hz'):
            out['cpu_us_req'] = round((m1['busy_cycles'] - m0['busy_cycles']) / m1['tsc_hz'] *
                                      1e6 / requests, 2)
        else:
            # No busy-cycle counters: /proc time, which for a poll loop is its whole CPU.
            out['cpu_us_req'] = out['proc_cpu_us_req']
            out['cpu_method'] = 'proc (poll loop: includes idle polling)'
        if isinstance(m0['rx'], int) and isinstance(m1['rx'], int):
            out['weir_pkts_req'] = round((m1['rx'] - m0['rx']) / requests, 2)
        drops = {k: v - m0['drops'].get(k, 0) for k, v in m1['drops'].items()
                 if isinstance(v, int) and v - m0['drops'].get(k, 0)}
        if drops:
            out['weir_drops'] = drops
        gate = {k: v - m0['gate'].get(k, 0) for k, v in m1['gate'].items()
                if v - m0['gate'].get(k, 0)}
        if gate:
            out['weir_gate'] = gate
        return out

    def down(self):
        if self.p is not None:
            running = self.p.poll() is None
            stop(self.p, 'weir', timeout=20)
            if running and self.p.returncode != 0:
                log('weir exited %d after SIGTERM' % self.p.returncode)
        shutil.rmtree(os.path.join('/var/run/dpdk', self.prefix), ignore_errors=True)
        sh('ip', 'route', 'del', '198.18.1.0/24', ns=NS_CLI, check=False)


# ---- the run --------------------------------------------------------------------------------

def measure(proxy, args, rows, commands):
    for mode, extra in MODES:
        wrk(args, 1, extra)  # warm-up
        b0, p0, c0 = passive_opens(NS_BK), proxy.mark(), cpu_busy_ticks(PROXY_CPU)
        t0 = time.monotonic()
        r, cmd = wrk(args, args.seconds, extra)
        t1 = time.monotonic()
        p1, c1, b1 = proxy.mark(), cpu_busy_ticks(PROXY_CPU), passive_opens(NS_BK)
        if args.job_.token:
            cmd = cmd.replace(args.job_.token, '$JWT')  # the run's token, long and useless later
        c = '[%s %s] %s' % (proxy.name, mode, cmd)
        if c not in commands:
            commands.append(c)
        row = {'suite': args.job_.suite, 'case': '%s_%s' % (proxy.name, mode),
               'proxy': proxy.name, 'mode': mode, 'conns': args.conns, 'seconds': args.seconds,
               'cpu_method': proxy.cpu_method}
        if args.job_.name != 'plain':
            row['job'] = args.job_.name
        row.update(r)
        if r['requests'] > 0:
            row.update(proxy.cost(p0, p1, r['requests']))
            row['cpu1_us_req'] = round((c1 - c0) / CLK_TCK * 1e6 / r['requests'], 2)
            # The backend connections the proxy opened per request (1 without reuse).
            row['backend_conns_req'] = round((b1 - b0) / r['requests'], 3)
        # CPU 1's busy time that was not the proxy's processes, as a share of
        # the window: the kernel's softirq work outside them, or another
        # program on the proxy's CPU (then the figures cannot be trusted).
        win = (t1 - t0) * CLK_TCK
        row['cpu1_busy_pct'] = round(100 * (c1 - c0) / win, 1)
        row['cpu1_other_pct'] = round(100 * ((c1 - c0) - (p1['cpu1_ticks'] - p0['cpu1_ticks'])) / win, 1)
        row['errors'] = r['non_2xx_3xx'] + sum(r['socket_errors'].values())
        rows.append(row)
        log('%-11s %-9s %10.0f req/s  %s us/req  errors %d' % (
            proxy.name, mode, r['rps'], row.get('cpu_us_req'), row['errors']))


MEDIANS = ('rps', 'latency_avg_ms', 'cpu_us_req', 'proc_cpu_us_req', 'weir_other_threads_us_req',
           'cpu1_us_req',
           'backend_conns_req', 'weir_pkts_req', 'cpu1_busy_pct', 'cpu1_other_pct')


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def aggregate(samples):
    """One row per proxy and mode: the median of its rounds for the rates and
    costs, sums for the counts; each round's rps, cost and CPU 1 other share
    kept in rounds_*."""
    rows = []
    for s in samples:
        k = (s['proxy'], s['mode'])
        if any((r['proxy'], r['mode']) == k for r in rows):
            continue
        rs = [x for x in samples if (x['proxy'], x['mode']) == k]
        row = dict(rs[0])
        row['rounds'] = len(rs)
        for f in MEDIANS:
            vals = [x[f] for x in rs if isinstance(x.get(f), (int, float))]
            if vals:
                row[f] = round(median(vals), 3 if f == 'backend_conns_req' else 2)
        for f in ('requests', 'non_2xx_3xx', 'errors'):
            row[f] = sum(x.get(f, 0) for x in rs)
        row['socket_errors'] = {e: sum(x['socket_errors'].get(e, 0) for x in rs)
                                for e in rs[0]['socket_errors']}
        drops = {}
        for x in rs:
            for d, n in (x.get('weir_drops') or {}).items():
                drops[d] = drops.get(d, 0) + n
        if drops:
            row['weir_drops'] = drops
        gate = {}
        for x in rs:
            for d, n in (x.get('weir_gate') or {}).items():
                gate[d] = gate.get(d, 0) + n
        if gate:
            row['weir_gate'] = gate
        row.pop('wrk_seconds', None)
        if len(rs) > 1:
            for f in ('rps', 'cpu_us_req', 'cpu1_other_pct'):
                row['rounds_' + f] = [x.get(f) for x in rs]
        rows.append(row)
    return rows


def ratios(rows):
    base = {r['mode']: r for r in rows
            if str(r.get('proxy', '')).split('-')[0] == 'haproxy' and 'rps' in r}
    for r in rows:
        b = base.get(r.get('mode'))
        if not b or 'rps' not in r:
            continue
        if b['rps']:
            r['rps_vs_haproxy'] = round(r['rps'] / b['rps'], 3)
        if b.get('cpu_us_req') and r.get('cpu_us_req') is not None:
            r['cpu_vs_haproxy'] = round(r['cpu_us_req'] / b['cpu_us_req'], 3)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default=os.path.join(os.path.dirname(HERE), 'build-release'),
                    help='weir\'s build directory (default: build-release)')
    ap.add_argument('--proxies', default='haproxy,nginx',
                    help='comma-separated, of haproxy, nginx, weir (default: haproxy,nginx)')
    ap.add_argument('--weir-protocol', default='http',
                    help='weir\'s service: http (HTTP proxy, row "weir"), tcp (L4 FullNAT, '
                    'row "weir-l4"), or both: tcp,http (default http)')
    ap.add_argument('--job', default='plain', choices=('plain', 'jwt'),
                    help='plain: plain proxying (suite http_e2e); jwt: the API gate\'s job, '
                    'HAProxy and weir verifying one HS256 token and tracking its sub, NGINX a '
                    'plain proxy (suite http_e2e_jwt) (default plain)')
    ap.add_argument('--seconds', type=int, default=5, help='wrk -d per measurement (default 5)')
    ap.add_argument('--conns', type=int, default=32, help='wrk -c (default 32)')
    ap.add_argument('--rounds', type=int, default=1,
                    help='measurements per proxy and mode; the table shows their median '
                    '(default 1)')
    ap.add_argument('--out', help='write the result rows here (JSON lines)')
    args = ap.parse_args()
    proxies = [p for p in args.proxies.split(',') if p]
    weir_protocols = [w for w in args.weir_protocol.split(',') if w]
    if not weir_protocols or any(w not in WEIR_NAME for w in weir_protocols) or \
            len(set(weir_protocols)) != len(weir_protocols):
        ap.error('--weir-protocol: http, tcp or both (tcp,http)')
    if args.job == 'jwt' and 'tcp' in weir_protocols:
        ap.error('--job jwt: weir\'s http service only (--weir-protocol http); L4 has no gate')
    bad = [p for p in proxies if p not in ('haproxy', 'nginx', 'weir')]
    if bad or not proxies or not 1 <= args.seconds <= 600 or not 1 <= args.conns <= 10000 or \
            not 1 <= args.rounds <= 50:
        ap.error('bad --proxies, --seconds, --conns or --rounds')
    if os.geteuid() != 0:
        ap.error('needs root (network namespaces)')
    if os.cpu_count() < 2:
        ap.error('needs 2 CPUs')
    need = {'wrk', 'nginx', 'taskset', 'curl', 'ip', 'sysctl'} | (
        {'haproxy'} if 'haproxy' in proxies else set())
    missing = [c for c in sorted(need) if shutil.which(c) is None and
               not os.path.exists('/usr/sbin/' + c)]
    if missing:
        ap.error('missing %s (scripts/install-deps.sh installs them)' % ', '.join(missing))
    os.environ['PATH'] = os.environ.get('PATH', '') + ':/usr/sbin:/sbin'
    # The kernel proxies first (they share the proxy namespace), weir last.
    proxies.sort(key=lambda p: p == 'weir')

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _terminated)
    tmp = tempfile.mkdtemp(prefix='weir-http-e2e-')
    samples, errors, commands, failed = [], [], [], []
    job = None
    try:
        job = args.job_ = Job(args.job, tmp)
        if job.token is not None:
            AUTH[:] = ['-H', 'Authorization: Bearer ' + job.token]
        ns_add(NS_CLI)
        ns_add(NS_BK)
        backend, cmd = start_nginx(tmp, 'nginx-backend', BACKEND_SERVER, NS_BK, CLIENT_CPU)
        commands.append('[backend] ' + cmd)
        veth = False
        # Rounds: the kernel proxies in turn, each started afresh per round
        # (interleaved, so a disturbance spreads over them); weir's rounds
        # last (its taps replace the veths), a new weir process each round.
        kernel = [p for p in proxies if p != 'weir']
        weirs = [WEIR_NAME[w] for w in weir_protocols] if 'weir' in proxies else []
        plan = [(kernel, r) for r in range(args.rounds)] + [
            ([w], r) for w in weirs for r in range(args.rounds)]
        for names, rnd in plan:
            for name in names:
                if name in failed:
                    continue
                try:
                    if name in weirs:
                        if veth:
                            veths_down()
                            veth = False
                        proxy = Weir(tmp, args.build, WEIR_PROTOCOL[name], job)
                    else:
                        if not veth:
                            try:
                                veths_up()
                            except Failed:
                                veths_down()  # the next proxy starts from scratch
                                raise
                            veth = True
                            wait_for(lambda: sh('curl', '-s', '--max-time', '2', 'http://%s/' % BK4,
                                                ns=NS_PX, check=False).stdout == BODY,
                                     'the backend from the proxy namespace')
                        proxy = Kernel(name, tmp, job)
                    try:
                        proxy.up()
                        if rnd == 0:
                            commands.append('[%s] %s' % (proxy.name, proxy.cmd))
                        measure(proxy, args, samples, commands)
                    finally:
                        proxy.down()
                except Failed as e:
                    log('%s failed: %s' % (name, e))
                    failed.append(name)
                    errors.append({'suite': job.suite, 'case': job.label(name),
                                   'proxy': job.label(name), 'error': str(e)[:500]})
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C does not cut the clean-up short
        for p, name in reversed(list(procs)):
            stop(p, name)
        for ns in (NS_PX, NS_CLI, NS_BK):
            ns_del(ns)
        if job is not None:
            job.remove_secret()
        shutil.rmtree(tmp, ignore_errors=True)
        for pfx in ('weir-http-e2e-%d' % PID,):
            shutil.rmtree(os.path.join('/var/run/dpdk', pfx), ignore_errors=True)
    listed = [l.split()[0] for l in sh('ip', 'netns', 'list').stdout.splitlines() if l.strip()]
    left = [ns for ns in (NS_PX, NS_CLI, NS_BK) if ns in listed]
    if left:
        log('namespaces left behind: ' + ', '.join(left))
        failed.append('cleanup')

    rows = aggregate(samples) + errors
    ratios(rows)
    if args.out:
        with open(args.out, 'w') as f:
            for r in rows:
                f.write(json.dumps(r) + '\n')
        with open(args.out + '.commands', 'w') as f:
            f.write('\n'.join(commands) + '\n')
    report.print_http_e2e(rows, commands, job=args.job)
    errs = [r['case'] for r in rows if r.get('errors')]
    if errs:
        log('failed requests in: ' + ', '.join(errs))
    return 1 if failed or errs else 0


if __name__ == '__main__':
    sys.exit(main())
