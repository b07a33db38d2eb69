#!/usr/bin/python3
"""End-to-end tests: real kernel clients in a network namespace the test
creates, joined to weir only through a net_tap port.

Usage: e2e.py SCENARIO

Names (namespace, tap interface, EAL prefix, socket) carry the test's PID so
runs never collide; the namespace is removed and weir stopped by PID in every
outcome.
"""
import os
import subprocess
import sys
import time

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
        if pred():
            return
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

        st = w.ctl('stats')['total']
        # 12 echo replies, plus at least one ARP reply and one neighbour advertisement.
        wt.check(st['tx'] >= 14 and st['rx'] >= 14, 'stats total: %s' % st)
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


SCENARIOS = {'ping': ping}

if __name__ == '__main__':
    if len(sys.argv) != 2 or sys.argv[1] not in SCENARIOS:
        print('usage: e2e.py {%s}' % '|'.join(SCENARIOS))
        sys.exit(2)
    if os.geteuid() != 0:
        print('SKIP: needs root for network namespaces and tap devices')
        sys.exit(77)
    SCENARIOS[sys.argv[1]]()
