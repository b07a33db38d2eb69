#!/usr/bin/python3
"""The wire suite: weir on a virtio-user port, wire_peer on the vhost-user side.

Usage: wire.py SCENARIO PEER_BINARY   (meson passes the peer it built)
       wire.py --list                  the scenarios, one per line (meson
                                       registers one test per name, wire-NAME)

  l4         weir with two workers and software steering; the
             peer sends a few hundred thousand packets over ~30,000 flows
             (FullNAT TCP and UDP, DSR, echo, and packets weir must drop),
             IPv4 and IPv6, and checks every answer byte for byte; then
             weir's counters must equal what the peer counted, worker by
             worker.
  selfcheck  the same exchange, smaller, with one byte of one expected
             packet corrupted (wire_peer --mutate): the peer must report that
             packet as a mismatch and exit 1. Proves the comparison bites.
             weir's port has no mac= in its devargs here: virtio-user cannot
             program ports[].mac, so weir keeps it in software.

Both sides run with --no-huge and their own --file-prefix. The peer owns
the vhost-user socket (server); weir attaches as a virtio-user client
(docs/testing.md, "wire"). Everything is stopped by PID; the EAL runtime
directories, the socket and the temp directory are removed, also on failure.
"""
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import weirtest as wt  # noqa: E402

N_WORKERS = 2
MAC = '02:77:65:69:72:01'
LOCAL4 = ['198.18.0.1', '198.18.0.2']
LOCAL6 = ['2001:db8:0:1::1', '2001:db8:0:1::2']
VIP4, VIP6 = '198.18.1.1', '2001:db8:1::1'
BK4 = ['198.18.0.%d' % (10 + i) for i in range(4)]
BK6 = ['2001:db8:0:1::%x' % (0x10 + i) for i in range(4)]
BMAC = ['02:00:00:00:b0:%02x' % i for i in range(4)]
# Nothing may expire or be reused while the test runs: the counters are exact.
TIMEOUTS = {'syn': 600, 'established': 600, 'fin': 600, 'closed': 600, 'udp': 600}
# The drop reasons the peer provokes; every other reason must stay 0.
REASONS = ['no_service', 'no_conn', 'not_ours', 'ipv4_bad_csum', 'udp_bad_len']


def config(sock, sw_mac=False):
    """weir's side of the topology wire_peer.c describes (keep them in step).
    sw_mac: no mac= in the devargs, so virtio-user cannot take ports[].mac
    and weir keeps the MAC in software (mac_in_software)."""
    def svc(name, vip, port, proto, pool, local_ips, **kw):
        s = {'name': name, 'vip': vip, 'port': port, 'protocol': proto, 'pool': pool,
             'local_ips': local_ips, 'timeouts': dict(TIMEOUTS)}
        s.update(kw)
        return s

    return {
        'workers': [1, 2],
        'idle_sleep_us': 20,  # the two workers and the peer share 2 CPUs
        'conn_table_size': 65536,
        'ports': [{
            'name': 'wire',
            # mac= in the devargs: virtio-user offers VIRTIO_NET_F_MAC only
            # then (bench/report.py). queues=2: one queue pair per worker.
            'devargs': 'net_virtio_user0,path=%s,queues=%d,queue_size=1024%s' % (
                sock, N_WORKERS, '' if sw_mac else ',mac=' + MAC),
            'mac': MAC,
            'addresses': [a + '/24' for a in LOCAL4] + [a + '/64' for a in LOCAL6],
            'neighbors': [{'address': a, 'mac': m} for a, m in zip(BK4 + BK6, BMAC + BMAC)],
        }],
        'vips': [VIP4, VIP6],
        'pools': [{'name': 'web4', 'backends': [{'address': a, 'port': 8080} for a in BK4]},
                  {'name': 'web6', 'backends': [{'address': a, 'port': 8080} for a in BK6]}],
        'services': [
            svc('tcp4', VIP4, 80, 'tcp', 'web4', LOCAL4, mss_clamp=1400),
            svc('udp4', VIP4, 53, 'udp', 'web4', LOCAL4),
            svc('tcp6', VIP6, 80, 'tcp', 'web6', LOCAL6, mss_clamp=1380),
            svc('udp6', VIP6, 53, 'udp', 'web6', LOCAL6),
            svc('dsr4', VIP4, 443, 'tcp', 'web4', LOCAL4[1:], forwarding='dsr-ipip'),
            svc('dsr6', VIP6, 443, 'tcp', 'web6', LOCAL6[1:], forwarding='dsr-ipip'),
        ],
    }


class Peer:
    """wire_peer on the vhost-user side: its own EAL prefix, stopped by PID."""

    def __init__(self, binary, tmp, sock):
        self.binary, self.tmp, self.sock = binary, tmp, sock
        self.prefix = 'weir-wire-peer-%d' % os.getpid()
        self.log_path = os.path.join(tmp, 'peer.log')
        self.proc = None

    def start(self, args):
        env = dict(os.environ)
        env['ASAN_OPTIONS'] = 'detect_leaks=0:abort_on_error=1'
        argv = [self.binary, '--lcores', '0@(0-1)', '--no-huge', '-m', '256', '--no-pci',
                '--file-prefix', self.prefix, '--log-level', 'lib.eal:warning',
                '--log-level', 'lib.vhost.config:warning', '--vdev', 'net_vhost0,iface=%s,queues=%d' % (self.sock, N_WORKERS),
                '--'] + args
        self.argv = argv
        self.logf = open(self.log_path, 'w')
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.logf, env=env, text=True)
        deadline = time.time() + 30
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None:
                wt.fail('wire_peer exited with %d at start:\n%s' % (self.proc.returncode,
                                                                   self.log()))
            if time.time() > deadline:
                wt.fail('wire_peer did not create %s within 30 s:\n%s' % (self.sock, self.log()))
            time.sleep(0.05)

    def say(self, line):
        self.proc.stdin.write(line + '\n')
        self.proc.stdin.flush()

    def result(self, timeout):
        """The peer's JSON line, or its failure (its exit code and log)."""
        import selectors
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if sel.select(timeout=0.2):
                line = self.proc.stdout.readline()
                if line:
                    return json.loads(line)
                self.proc.wait(timeout=10)
                return None
            if self.proc.poll() is not None:
                return None
        self.kill()
        wt.fail('wire_peer gave no result within %d s:\n%s' % (timeout, self.log()))

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ''

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def cleanup(self):
        self.kill()
        shutil.rmtree(os.path.join(wt.RUN_DIR, self.prefix), ignore_errors=True)
        try:
            os.unlink(self.sock)
        except OSError:
            pass


def expect_equal(what, got, want):
    wt.check(got == want, '%s: weir says %s, the peer counted %s' % (what, got, want))


def run(peer_bin, scenario):
    with wt.Weir('wire', lcores='0@0,1@0,2@1') as w:
        sock = os.path.join(w.tmp, 'vhost.sock')
        peer = Peer(peer_bin, w.tmp, sock)
        try:
            if scenario == 'selfcheck':
                # A small exchange; the 500th answer's expectation gets one bit flipped.
                args = ['--tcp', '300', '--udp', '300', '--dsr', '100', '--dsr-stateless', '20',
                        '--echo', '20', '--drops', '5', '--mutate', '500']
            else:
                args = []
            # The peer's --wait covers weir's start (up to 30 s) and our checks.
            peer.start(args + ['--workers', str(N_WORKERS), '--wait', '90'])
            # selfcheck also runs with the MAC in software (no mac= in the devargs).
            sw_mac = scenario == 'selfcheck'
            w.configure(config(sock, sw_mac))
            w.start()
            ports = w.ctl('ports')['ports']
            p = ports[0]
            wt.check(p['driver'] == 'net_virtio_user', 'driver %s' % p['driver'])
            wt.check(p['steering'] == 'software', 'steering mode %s, want software on '
                     'virtio-user' % p['steering'])
            wt.check((p['rx_queues'], p['tx_queues']) == (N_WORKERS, N_WORKERS),
                     'queues rx %d tx %d, want %d each' % (p['rx_queues'], p['tx_queues'],
                                                           N_WORKERS))
            wt.check(p['mac'].lower() == MAC and p['mac_in_software'] is sw_mac,
                     'port MAC %s (in software: %s)' % (p['mac'], p['mac_in_software']))
            offload = p['tx_ip_cksum_offload']
            t0 = time.time()
            peer.say('go')
            res = peer.result(timeout=240)
            if scenario == 'selfcheck':
                selfcheck(peer, res)
                w.stop()
                return
            if res is None:
                wt.fail('wire_peer failed (exit %s):\n%s\nweir log tail:\n%s' % (
                    peer.proc.returncode, peer.log()[-6000:], w.log()[-2000:]))
            check_counters(w, res)
            w.stop()
            peer.say('quit')
            rc = peer.proc.wait(timeout=30)
            wt.check(rc == 0, 'wire_peer exited %d after weir stopped:\n%s' % (rc, peer.log()))
            print('ok: %d packets to weir, %d from weir, all compared, over %d flows in %.1f s '
                  '(%.1f s with start and checks); drops %s; steered %s; clamped MSS %d, '
                  'IPv4 UDP without checksum %d; IPv4 header checksum offload %s' % (
                      res['packets_sent'], res['packets_received'], res['flows'], res['seconds'],
                      time.time() - t0, res['drops'],
                      [(x['steered_out'], x['steered_in']) for x in res['workers']],
                      res['mss_clamped'], res['udp_without_checksum'], offload))
        finally:
            peer.cleanup()


def selfcheck(peer, res):
    wt.check(res is None, 'wire_peer passed with a corrupted expectation: %s' % res)
    log = peer.log()
    fails = [ln for ln in log.splitlines() if ln.startswith('wire_peer: FAIL: ')]
    wt.check(peer.proc.returncode == 1 and len(fails) == 1 and
             'differs from the expectation' in fails[0], 'wire_peer (exit %s) did not report the corrupted expectation:\n%s' %
             (peer.proc.returncode, log[-4000:]))
    print('ok: a corrupted expectation is caught: %s' % fails[0])


def check_counters(w, res):
    n_in, n_out = res['packets_sent'], res['packets_received']
    st = w.wait_stats(lambda s: s['total']['rx'] >= n_in and
                      s['total']['tx'] + s['total']['dropped'] >= n_in,
                      'weir to count all %d packets' % n_in, timeout=10)
    tot = st['total']
    expect_equal('rx', tot['rx'], n_in)
    expect_equal('tx', tot['tx'], n_out)
    expect_equal('rx - tx', tot['dropped'], n_in - n_out)
    got_drops = {k: v for k, v in tot['drops'].items() if v}
    want_drops = {k: v for k, v in res['drops'].items() if v}
    expect_equal('drops by reason', got_drops, want_drops)
    wt.check(set(want_drops) == set(REASONS), 'the peer provoked %s, want every one of %s' %
             (sorted(want_drops), REASONS))
    keys = ['rx', 'tx', 'steered_out', 'steered_in', 'conns', 'conn_new', 'to_backend',
            'to_client', 'stateless']
    for i, (gw, pw) in enumerate(zip(st['workers'], res['workers'])):
        for k in keys:
            expect_equal('worker %d %s' % (i, k), gw[k], pw[k])
        expect_equal('worker %d drops' % i, {k: v for k, v in gw['drops'].items() if v},
                     {k: v for k, v in pw['drops'].items() if v})
        for k in ('conn_expired', 'conn_reused'):
            expect_equal('worker %d %s' % (i, k), gw[k], 0)
        wt.check(gw['steered_out'] > 0 and gw['steered_in'] > 0,
                 'worker %d steered %d out, %d in: both must be > 0' % (
                     i, gw['steered_out'], gw['steered_in']))
    port = st['ports'][0]
    expect_equal('port ipackets', port['ipackets'], n_in)
    expect_equal('port opackets', port['opackets'], n_out)
    for k in ('imissed', 'ierrors', 'oerrors', 'rx_nombuf'):
        expect_equal('port ' + k, port[k], 0)
    svcs = {s['name']: s for s in w.ctl('services')['services']}
    for name, want in res['services'].items():
        bks = svcs[name]['backends']
        expect_equal('%s conns_total per backend' % name, [b['conns_total'] for b in bks],
                     want['conns_total'])
        expect_equal('%s conns_active per backend' % name, [b['conns_active'] for b in bks],
                     want['conns_active'])
        wt.check(all(want['conns_total']), '%s: a backend got no connection: %s' % (
            name, want['conns_total']))


# Every scenario, by name: `wire.py --list` gives meson these names.
SCENARIOS = ('l4', 'selfcheck')


def main():
    if sys.argv[1:] == ['--list']:
        print('\n'.join(SCENARIOS))
        return
    if len(sys.argv) != 3 or sys.argv[1] not in SCENARIOS:
        wt.fail('usage: wire.py {--list|%s} PEER_BINARY' % '|'.join(SCENARIOS))
    if os.geteuid() != 0:
        print('wire tests need root (EAL runtime directories under /var/run/dpdk)')
        sys.exit(77)
    run(os.path.abspath(sys.argv[2]), sys.argv[1])


if __name__ == '__main__':
    main()
