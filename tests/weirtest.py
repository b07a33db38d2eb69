"""Helpers shared by weir's data-plane (dp) and end-to-end (e2e) tests.

Run under Debian's /usr/bin/python3 (python3-scapy lives there). Every weir
process gets its own EAL --file-prefix and admin socket, runs with --no-huge,
is stopped by PID, and its files under /var/run/dpdk are removed afterwards.

Randomness comes from rng(): one seeded random.Random per named stream,
the same on every run unless WEIR_TEST_SEED says otherwise (as in the C
tests, tests/common/weir_test_rng.h).
"""
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

RUN_DIR = '/var/run/dpdk'


def _terminated(signum, frame):
    """meson stops a test that runs over its timeout with SIGTERM: leave as
    from a failure, so every finally (namespaces, weir, files) still runs."""
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _terminated)
signal.signal(signal.SIGINT, _terminated)


def fail(msg):
    print('FAIL: ' + msg, flush=True)
    if _seed is not None:
        print('(this run drew its numbers from seed %#x: WEIR_TEST_SEED=%#x repeats it)' %
              (_seed, _seed), flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


# --- the seeded PRNG -------------------------------------------------------

SEED_DEFAULT = 0x7765697274657374  # "weirtest", the C tests' default too
_seed = None


def seed():
    """The run's seed: WEIR_TEST_SEED (decimal, 0x... hex, or "random"), else
    SEED_DEFAULT. Printed at the first call; fail() prints it again."""
    global _seed
    if _seed is None:
        s = os.environ.get('WEIR_TEST_SEED', '')
        if s == '':
            v = SEED_DEFAULT
        elif s == 'random':
            v = int.from_bytes(os.urandom(8), 'big')
        else:
            try:
                v = int(s, 0)
            except ValueError:
                v = -1
            if not 0 <= v < 1 << 64:
                print('WEIR_TEST_SEED=%s: expected an unsigned number (0x for hex) or '
                      '"random"' % s, flush=True)
                sys.exit(99)
        _seed = v
        print('seed %#x (WEIR_TEST_SEED=%#x repeats this run)' % (v, v), flush=True)
    return _seed


def rng(stream):
    """A random.Random of its own for each named stream: its numbers depend on
    the run's seed and the name only."""
    return random.Random('%d:%s' % (seed(), stream))


def paths():
    """weir and weirctl from the build dir meson passes in the environment."""
    build = os.environ.get('WEIR_BUILD_DIR')
    if not build:
        fail('WEIR_BUILD_DIR is not set (run through meson test)')
    return os.path.join(build, 'app', 'weir'), os.path.join(build, 'control', 'weirctl')


# --- counters ---------------------------------------------------------------

class Want:
    """A counter's wanted value when it is not one number: at_least(n),
    between(lo, hi), or any test with a description."""

    def __init__(self, desc, test):
        self.desc, self.test = desc, test

    def __repr__(self):
        return self.desc


def at_least(n):
    return Want('>= %r' % n, lambda v: v >= n)


def between(lo, hi):
    return Want('in [%r, %r]' % (lo, hi), lambda v: lo <= v <= hi)


class only(dict):
    """In a want of expect_counters(): these counters with these values,
    and every other counter of the same object 0 (drop reasons, say)."""


def counter_diff(got, want, path=''):
    """The differences between counters and what is wanted, one line each
    (see expect_counters())."""
    out = []
    if isinstance(want, dict):
        keys = list(want)
        if isinstance(want, only) and isinstance(got, dict):
            keys += sorted(k for k in got if k not in want)
        for k in keys:
            where = '%s[%d]' % (path, k) if isinstance(k, int) else \
                '%s.%s' % (path, k) if path else k
            w = want.get(k, 0)
            if isinstance(k, int):
                there = isinstance(got, list) and -len(got) <= k < len(got)
            else:
                there = isinstance(got, dict) and k in got
            if not there:
                out.append('%s: missing, want %r' % (where, w))
            else:
                out += counter_diff(got[k], w, where)
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            out.append('%s: %d entries, want %d' % (path, len(got) if isinstance(got, list)
                                                     else -1, len(want)))
        else:
            for i, w in enumerate(want):
                out += counter_diff(got[i], w, '%s[%d]' % (path, i))
    elif isinstance(want, Want):
        if not want.test(got):
            out.append('%s: %r, want %r' % (path, got, want))
    elif got != want or type(got) is bool and type(want) is not bool:
        out.append('%s: %r, want %r' % (path, got, want))
    return out


def expect_counters(got, want, what):
    """Check counters: got is `weirctl stats --json` (or `services`, or any
    part of either), want the counters wanted, nested as in got:
        {'total': {'tx': 3, 'drops': only({'no_conn': 1})},
         'workers': {1: {'steered_in': 2}}}
    A str key names a member, an int key a list element (a worker); a list
    wants exactly that many elements; a value is a number, at_least(n),
    between(lo, hi), or only({...}). Fails listing every counter that
    differs; returns got."""
    diff = counter_diff(got, want)
    if diff:
        fail('%s:\n  %s' % (what, '\n  '.join(diff)))
    return got


# --- pcap files, written and read by hand so any frame (even empty) fits ----

def write_pcap(path, frames, times=None):
    """times: seconds after 1 s for each frame (default: 1 us apart)."""
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            us = 1000000 + (round(times[i] * 1000000) if times else i)
            f.write(struct.pack('<IIII', us // 1000000, us % 1000000, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    with open(path, 'rb') as f:
        data = f.read()
    check(len(data) >= 24, '%s: not a pcap file (%d bytes)' % (path, len(data)))
    magic = struct.unpack('<I', data[:4])[0]
    check(magic in (0xa1b2c3d4, 0xa1b23c4d), '%s: bad pcap magic %#x' % (path, magic))
    off, frames = 24, []
    while off < len(data):
        _, _, incl, _ = struct.unpack('<IIII', data[off:off + 16])
        off += 16
        frames.append(data[off:off + incl])
        off += incl
    return frames


# --- the daemon ----------------------------------------------------------

class Weir:
    """One weir process with its own config, socket, EAL prefix and temp dir."""

    def __init__(self, name, lcores='0@0,1@1'):
        self.weir, self.weirctl = paths()
        self.tmp = tempfile.mkdtemp(prefix='weir-%s-' % name)
        self.prefix = 'weir-%s-%d' % (name, os.getpid())
        self.sock = os.path.join(self.tmp, 'weir.sock')
        self.cfg_path = os.path.join(self.tmp, 'weir.json')
        self.log_path = os.path.join(self.tmp, 'weir.log')
        self.lcores = lcores
        self.proc = None

    def configure(self, config):
        """Write the config file; the admin socket defaults to one in our temp dir."""
        self.config = dict(config)
        self.config.setdefault('control', {'socket': self.sock})
        with open(self.cfg_path, 'w') as f:
            json.dump(self.config, f, indent=2)
        return self

    def argv(self, config_path=None):
        return [self.weir, '--lcores', self.lcores, '--no-huge', '-m', '256', '--no-pci',
                '--file-prefix', self.prefix, '--log-level', 'lib.eal:warning',
                '--', '--config', config_path or self.cfg_path]

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ''

    def start(self, timeout=30):
        self.logf = open(self.log_path, 'w')
        env = dict(os.environ)
        # DPDK keeps some memory until exit by design; leaks are checked in unit tests.
        env['ASAN_OPTIONS'] = 'detect_leaks=0:abort_on_error=1'
        self.proc = subprocess.Popen(self.argv(), stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                fail('weir exited with %d during start-up:\n%s' % (self.proc.returncode, self.log()))
            if os.path.exists(self.sock):
                r = subprocess.run([self.weirctl, '--socket', self.sock, '--json', 'status'],
                                   capture_output=True, text=True)
                if r.returncode == 0:
                    return self
            time.sleep(0.1)
        self.kill()
        fail('weir did not answer on %s within %d s:\n%s' % (self.sock, timeout, self.log()))

    def ctl(self, cmd, *cmd_args, json_out=True, check_rc=True, check=None):
        """weirctl CMD ARGS...; check=False (or check_rc=False) returns a failure as is."""
        if check is not None:
            check_rc = check
        args = ([self.weirctl, '--socket', self.sock] + (['--json'] if json_out else []) + [cmd] +
                list(cmd_args))
        r = subprocess.run(args, capture_output=True, text=True, timeout=30)
        if not check_rc:
            return r
        if r.returncode != 0:
            fail('weirctl %s exited %d: %s' % (' '.join([cmd] + list(cmd_args)), r.returncode,
                                                 r.stderr))
        return json.loads(r.stdout) if json_out else r

    def wait_stats(self, pred, what, timeout=20):
        deadline = time.time() + timeout
        st = None
        while time.time() < deadline:
            st = self.ctl('stats')
            if pred(st):
                return st
            time.sleep(0.05)
        fail('timed out waiting for %s; last stats: %s' % (what, json.dumps(st['total'])))

    def stop(self, timeout=20):
        """SIGTERM by PID; weir must exit 0 on its own."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            fail('weir did not stop within %d s of SIGTERM:\n%s' % (timeout, self.log()))
        check(rc == 0, 'weir exited %d after SIGTERM:\n%s' % (rc, self.log()))
        check(not os.path.exists(self.sock), 'admin socket %s left behind' % self.sock)
        # weir counts the packet pool's mbufs still out once all is down.
        log = self.log()
        check('mbufs still in use at exit' not in log, 'weir leaked mbufs:\n' + log[-2000:])
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def cleanup(self):
        self.kill()
        shutil.rmtree(os.path.join(RUN_DIR, self.prefix), ignore_errors=True)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


def murmur_fmix64(k):
    m = (1 << 64) - 1
    k ^= k >> 33
    k = (k * 0xff51afd7ed558ccd) & m
    k ^= k >> 33
    k = (k * 0xc4ceb9fe1a85ec53) & m
    k ^= k >> 33
    return k & 0xffffffff


def owner_of(ip, n_workers):
    """The worker that owns a client address: lib/pkt's weir_pkt_client_hash()."""
    import ipaddress
    a = ipaddress.ip_address(ip)
    if a.version == 4:
        k = int(a)
    else:
        k = int.from_bytes(a.packed[:8], 'big')  # the /64 prefix
    return murmur_fmix64(k) % n_workers


# --- a tap port driven frame by frame from a namespace ----------------------

CLONE_NEWNET = 0x40000000


def _setns(fd):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        fail('setns: %s' % os.strerror(ctypes.get_errno()))


class TapPeer:
    """The kernel side of weir's net_tap port, moved into a namespace of
    our own and made silent (no addresses, IPv6 off): every frame weir
    receives is one send() wrote, every frame weir sends is read back by
    recv(). A raw AF_PACKET socket, opened inside the namespace, does both.
    Use it as a context manager after weir has created the tap."""

    def __init__(self, tap, ns):
        self.tap, self.ns, self.sock = tap, ns, None

    def __enter__(self):
        import socket
        deadline = time.time() + 20
        while subprocess.run(['ip', 'link', 'show', self.tap],
                             capture_output=True).returncode != 0:
            if time.time() > deadline:
                fail('tap interface %s did not appear' % self.tap)
            time.sleep(0.1)
        subprocess.run(['ip', 'netns', 'add', self.ns], check=True)
        subprocess.run(['ip', 'link', 'set', self.tap, 'netns', self.ns], check=True)
        for argv in (['sysctl', '-qw', 'net.ipv6.conf.%s.disable_ipv6=1' % self.tap],
                     ['ip', 'link', 'set', self.tap, 'arp', 'off', 'multicast', 'off', 'up']):
            subprocess.run(['ip', 'netns', 'exec', self.ns] + argv, check=True)
        home = os.open('/proc/self/ns/net', os.O_RDONLY)
        there = os.open('/run/netns/' + self.ns, os.O_RDONLY)
        try:
            _setns(there)
            try:
                self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
                # A phase's answers wait here until it is accounted for.
                self.sock.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE
                self.sock.bind((self.tap, 0))
            finally:
                _setns(home)
        finally:
            os.close(home)
            os.close(there)
        return self

    def send(self, frames):
        for f in frames:
            self.sock.send(f)

    def recv(self, quiet=0.3, limit=100000):
        """The frames weir sent, until none came for quiet seconds."""
        import select
        got = []
        while len(got) < limit and select.select([self.sock], [], [], quiet)[0]:
            data, addr = self.sock.recvfrom(65535)
            if addr[2] != 4:  # PACKET_OUTGOING: our own send()
                got.append(data)
        return got

    def __exit__(self, *exc):
        if self.sock is not None:
            self.sock.close()
        subprocess.run(['ip', 'netns', 'del', self.ns], capture_output=True)
