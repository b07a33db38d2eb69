#!/usr/bin/env python3
"""JSON plumbing for bench/run.sh (standard library only).

  report.py config FILE VHOST_SOCK CTL_SOCK [limits]
      write weir's benchmark configuration; with "limits", both services
      get per-source limits that never refuse (admission on, every packet
      through the source table)
  report.py result GEN_JSON GEN_LOG DUT_CPU_PCT [WEIR_STATS0 WEIR_STATS1]
      one case's result line: the generator's JSON line, the CPU shares of
      both poll loops and, for weir, the counter deltas over the window
  report.py report TMP RESULTS SECONDS CPU NPROC KERNEL DPDK REV
      write RESULTS (JSON lines) and print the markdown report
  report.py check-baseline RESULT_JSON
      exit 1 unless the baseline forwarded what it received (rx >= 95% of tx)
"""
import json
import os
import re
import sys

# The cases run.sh runs, in order, with their description.
CASES = [
    ('gen_ceiling', 'generator ceiling: testpmd rxonly, udp 1K flows'),
    ('baseline', 'baseline: testpmd io fwd, udp 1K flows'),
    ('weir_udp_1k', 'weir: udp 1K flows, established'),
    ('weir_udp_1m', 'weir: udp 1M flows, established'),
    ('weir_udp_1m_adm', 'weir: udp 1M flows, established, per-source limits on'),
    ('weir_syn_new', 'weir: TCP SYN, every 5-tuple new (DSR)'),
    ('weir_syn_new_adm', 'weir: TCP SYN, every 5-tuple new (DSR), per-source limits on'),
]
CPU_WARN_PCT = 95.0  # a poll loop with less than this share of its CPU was preempted
VHOST_PEER_MAC = '02:00:00:00:00:02'  # the generator's MAC: backends are reached through it


def last_json(path):
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if l.startswith('{')]
    if not lines:
        raise ValueError('%s: no JSON line' % path)
    return json.loads(lines[-1])


def cmd_config(path, vhost, ctl, limits=None):
    backends = ['198.18.2.10', '198.18.2.11', '198.18.2.12', '198.18.2.13']
    # FullNAT holds one local port per connection: 64512 per local IP and
    # protocol. 16 local IPs (the most a service takes) carry 1,032,192
    # concurrent connections, enough for the 1M-flow case. The table holds
    # the SYN case's entries: a few million SYNs a second, each living 1-2 s
    # (timeouts.syn 1 on a 1 s wheel).
    local_ips = ['198.18.0.%d' % i for i in range(1, 17)]
    cfg = {
        'workers': [1],
        'conn_table_size': 8388608,
        'ports': [{
            'name': 'p0',
            # mac= in the devargs: virtio-user offers VIRTIO_NET_F_MAC only
            # then, and without it weir cannot set the port's MAC (ENOTSUP).
            'devargs': 'net_virtio_user0,path=%s,mac=02:77:65:69:72:01' % vhost,
            'mac': '02:77:65:69:72:01',
            'addresses': [a + '/15' for a in local_ips],
            'neighbors': [{'address': b, 'mac': VHOST_PEER_MAC} for b in backends],
        }],
        'vips': ['198.18.1.1'],
        'pools': [{'name': 'bench',
                   'backends': [{'address': b, 'port': 8080} for b in backends]}],
        'services': [
            {'name': 'udp80', 'vip': '198.18.1.1', 'port': 80, 'protocol': 'udp',
             'pool': 'bench', 'local_ips': local_ips},
            # The SYN case: every SYN a new entry. DSR, because FullNAT
            # holds a local port per connection and at this rate the 1M
            # ports of 16 local IPs would be gone within a second (then new
            # connections are dropped as lport_exhausted: docs/benchmarks.md).
            {'name': 'tcp80', 'vip': '198.18.1.1', 'port': 80, 'protocol': 'tcp',
             'pool': 'bench', 'local_ips': local_ips[:1], 'forwarding': 'dsr-ipip',
             'timeouts': {'syn': 1}},
        ],
        'control': {'socket': ctl},
    }
    if limits is not None:
        if limits != 'limits':
            raise SystemExit('report.py config: 4th argument must be "limits"')
        big = {'rate': 100000000, 'burst': 100000000}
        for svc in cfg['services']:
            svc['limits'] = {'new_conns': dict(big), 'packets': dict(big)}
    with open(path, 'w') as f:
        json.dump(cfg, f, indent=2)
        f.write('\n')


def weir_workers(s):
    w = s.get('workers')
    return w if isinstance(w, list) else []


def weir_sum(s, key):
    vals = [w.get(key) for w in weir_workers(s)]
    if not vals or any(not isinstance(v, int) for v in vals):
        return None
    return sum(vals)


def weir_tsc_hz(s):
    for w in weir_workers(s):
        if isinstance(w.get('tsc_hz'), (int, float)) and w['tsc_hz'] > 0:
            return w['tsc_hz']
    v = s.get('tsc_hz')
    return v if isinstance(v, (int, float)) and v > 0 else None


def cmd_result(gen_json, gen_log, dut_cpu, st0=None, st1=None):
    out = last_json(gen_json)
    with open(gen_log) as f:
        m = re.search(r'refused[^0-9]*(\d+).*cpu ([0-9.]+)%', f.read())
    if m:
        out['gen_refused'] = int(m.group(1))
        out['gen_cpu_pct'] = float(m.group(2))
    out['dut_cpu_pct'] = None if dut_cpu in ('', 'null', 'n/a') else float(dut_cpu)
    if st0 is not None:
        s0, s1 = ({} if not os.path.exists(p) else json.load(open(p)) for p in (st0, st1))
        if not s0 or not s1:
            out['weir_stats'] = 'unavailable'
        c0, c1 = weir_sum(s0, 'busy_cycles'), weir_sum(s1, 'busy_cycles')
        p0, p1 = weir_sum(s0, 'busy_pkts'), weir_sum(s1, 'busy_pkts')
        hz = weir_tsc_hz(s1)
        if None not in (c0, c1, p0, p1) and p1 > p0:
            cpp = (c1 - c0) / (p1 - p0)
            out['weir_busy_pkts'] = p1 - p0
            out['weir_cycles_per_pkt'] = round(cpp, 1)
            if hz:
                out['tsc_hz'] = hz
                out['weir_ns_per_pkt'] = round(cpp / hz * 1e9, 2)
        t0, t1 = s0.get('total') or {}, s1.get('total') or {}
        for k in ('rx', 'tx', 'dropped'):
            if isinstance(t1.get(k), int) and isinstance(t0.get(k), int):
                out['weir_' + k] = t1[k] - t0[k]
        conns = weir_sum(s1, 'conns')
        if conns is not None:
            out['weir_conns'] = conns  # entries in the tables at the end of the window
        n0, n1 = weir_sum(s0, 'conn_new'), weir_sum(s1, 'conn_new')
        if n0 is not None and n1 is not None:
            out['weir_conn_new'] = n1 - n0  # connections created in the window
        d0, d1 = t0.get('drops') or {}, t1.get('drops') or {}
        drops = {k: v - d0.get(k, 0) for k, v in d1.items()
                 if isinstance(v, int) and v - d0.get(k, 0) != 0}
        if drops:
            out['weir_drops'] = drops
    print(json.dumps(out))


MICRO = ('bench_lb', 'bench_http', 'bench_jwt', 'bench_keys', 'bench_pipeline', 'bench_conn',
         'bench_rl')
HTTP_E2E = 'http_e2e'  # bench/http_e2e.py's rows
HTTP_E2E_JWT = 'http_e2e_jwt'  # bench/http_e2e.py --job jwt's rows
HTTP_OTHER_WARN_PCT = 25  # CPU 1 busy outside the proxy's processes, % of the window


def print_http_e2e(rows, commands=None, job='plain'):
    """The table of bench/http_e2e.py's rows (suite http_e2e, or http_e2e_jwt for --job jwt)."""
    if job == 'jwt':
        print('\n### HTTP end to end, the API gate\'s job (bench/http_e2e.py --job jwt)\n')
        print('wrk (CPU 0) -> proxy (CPU 1) -> nginx backend, 64-byte body (CPU 0); '
              'one proxy at a time, same namespaces; one HS256 JWT in Authorization: Bearer '
              'on every request. haproxy-jwt: jwt_verify + iss/aud/exp + a stick-table on '
              'sub (http_req_rate(60s)); weir-jwt: "auth": "jwt" + a tier limit on sub; '
              'nginx: plain proxy, no auth (the baseline).\n')
    else:
        print('\n### HTTP end to end (plain proxying, bench/http_e2e.py)\n')
        print('wrk (CPU 0) -> proxy (CPU 1) -> nginx backend, 64-byte body (CPU 0); '
              'one proxy at a time, same namespaces.\n')
    print('| proxy | mode | req/s | ÷ HAProxy | proxy CPU µs/req | ÷ HAProxy | CPU 1 µs/req '
          '| backend conns/req | errors | CPU time from |')
    print('|---|---|---:|---:|---:|---:|---:|---:|---:|---|')
    for r in rows:
        if 'error' in r:
            err = ' '.join(r['error'].split()).replace('|', '\\|')
            print('| %s | failed | | | | | | | | %s |' % (r.get('proxy'), err[:160]))
            continue
        print('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |' % (
            r['proxy'], r['mode'], fmt(r.get('rps'), '%.0f'), fmt(r.get('rps_vs_haproxy'), '%.2f'),
            fmt(r.get('cpu_us_req'), '%.2f'), fmt(r.get('cpu_vs_haproxy'), '%.2f'),
            fmt(r.get('cpu1_us_req'), '%.2f'), fmt(r.get('backend_conns_req'), '%.3f'),
            r.get('errors', 'n/a'), r.get('cpu_method')))
    errs = ['%s %s: non-2xx %d, socket errors %s' % (r['proxy'], r['mode'], r['non_2xx_3xx'],
                                                    r['socket_errors'])
            for r in rows if r.get('errors')]
    if errs:
        print('\n**Failed requests**: ' + '; '.join(errs) + '.')
    busy = []
    for r in rows:
        shares = r.get('rounds_cpu1_other_pct') or [r.get('cpu1_other_pct')]
        bad = [v for v in shares if isinstance(v, (int, float)) and v > HTTP_OTHER_WARN_PCT]
        if bad:
            busy.append('%s %s: %s%s' % (r['proxy'], r['mode'],
                                         ', '.join('%.0f%%' % v for v in bad),
                                         ' (%d of %d rounds)' % (len(bad), len(shares))
                                         if len(shares) > 1 else ''))
    if busy:
        print('\n**Warning: CPU 1 was busy outside the proxy for more than %d%% of the window '
              '(another program on the proxy\'s CPU?); those measurements are not '
              'trustworthy:** %s.' % (HTTP_OTHER_WARN_PCT, '; '.join(busy)))
    multi = [r for r in rows if r.get('rounds', 1) > 1]
    if multi:
        print('\nMedians of %d rounds; each round\'s req/s and proxy CPU µs/req:\n'
              % max(r['rounds'] for r in multi))
        for r in multi:
            print('- %s %s: %s; %s' % (
                r['proxy'], r['mode'], ', '.join(fmt(v, '%.0f') for v in r['rounds_rps']),
                ', '.join(fmt(v, '%.2f') for v in r['rounds_cpu_us_req'])))
    weir = [r for r in rows if str(r.get('proxy', '')).startswith('weir') and 'error' not in r]
    for r in weir:
        extra = ['/proc time %s µs/req (the poll loop: its whole CPU), of which %s µs/req in its '
                 'threads other than the worker (on CPU 0)'
                 % (fmt(r.get('proc_cpu_us_req'), '%.2f'),
                    fmt(r.get('weir_other_threads_us_req'), '%.2f'))]
        if 'weir_pkts_req' in r:
            extra.append('%s packets received per request' % fmt(r['weir_pkts_req'], '%.1f'))
        if r.get('weir_drops'):
            extra.append('drops ' + ', '.join('%s %d' % kv for kv in sorted(r['weir_drops'].items())))
        if r.get('weir_gate'):
            extra.append('gate ' + ', '.join('%s %d' % (k[5:] if k.startswith('gate_') else k, v)
                                             for k, v in sorted(r['weir_gate'].items())))
        print('- %s %s: %s' % (r['proxy'], r['mode'], '; '.join(extra)))
    if job == 'jwt':
        goal = []
        for mode in ('keepalive', 'close'):
            h = [r for r in rows if r.get('proxy') == 'haproxy-jwt' and r.get('mode') == mode]
            w = [r for r in rows if r.get('proxy') == 'weir-jwt' and r.get('mode') == mode]
            if h and w and 'cpu_vs_haproxy' in w[0]:
                goal.append('%s %s µs against %s µs: %.2f' % (
                    mode, fmt(w[0].get('cpu_us_req'), '%.2f'), fmt(h[0].get('cpu_us_req'), '%.2f'),
                    w[0]['cpu_vs_haproxy']))
        if goal:
            print('\nweir-jwt ÷ haproxy-jwt, proxy CPU per request (the issue\'s goal: 0.10 or '
                  'less): ' + '; '.join(goal) + '.')
    print('\nproxy CPU: utime+stime from /proc/PID/stat (HAProxy: its process, nbthread 1; '
          'NGINX: master + 1 worker) over the window, per request; weir: its worker\'s '
          'busy_cycles (weirctl stats) / tsc_hz. CPU 1: /proc/stat cpu1 user+nice+system+irq+'
          'softirq over the window, per request (everything on the proxy\'s CPU, the kernel\'s '
          'network work included; for weir\'s poll loop, all of it). backend conns/req: '
          'connections the backend accepted (its namespace\'s TCP PassiveOpens) per request.')
    if commands:
        print('\n    ' + '\n    '.join(commands))


def fmt(v, f):
    return f % v if isinstance(v, (int, float)) and not isinstance(v, bool) else 'n/a'


def cmd_report(tmp, results, secs, cpu, nproc, kernel, dpdk, rev):
    lines = [{'suite': 'machine', 'cpu': cpu, 'nproc': int(nproc), 'kernel': kernel,
              'dpdk': dpdk, 'weir_rev': rev, 'seconds': int(secs)}]
    rows = {}
    for name, _ in CASES:
        p = os.path.join(tmp, name + '.result.json')
        try:
            rows[name] = last_json(p)
        except (OSError, ValueError):
            rows[name] = {'error': 'failed'}
    base = rows['baseline'].get('rx_mpps')
    for name, _ in CASES:
        r = rows[name]
        if base and isinstance(r.get('rx_mpps'), (int, float)):
            r['rx_vs_baseline'] = round(r['rx_mpps'] / base, 4)
        lines.append(dict({'suite': 'wire', 'case': name}, **r))
    for suite in MICRO:
        p = os.path.join(tmp, suite + '.jsonl')
        if os.path.exists(p):
            for l in open(p):
                l = l.strip()
                if l.startswith('{'):
                    lines.append(dict({'suite': suite}, **json.loads(l)))
    p = os.path.join(tmp, HTTP_E2E + '.jsonl')
    http_rows = []
    if os.path.exists(p):
        http_rows = [json.loads(l) for l in open(p) if l.startswith('{')]
        lines.extend(http_rows)
    p = os.path.join(tmp, HTTP_E2E_JWT + '.jsonl')
    jwt_rows = []
    if os.path.exists(p):
        jwt_rows = [json.loads(l) for l in open(p) if l.startswith('{')]
        lines.extend(jwt_rows)
    with open(results, 'w') as f:
        for l in lines:
            f.write(json.dumps(l) + '\n')

    print('\n## weir wire benchmark\n')
    print('Machine: %s, %s CPUs, kernel %s; DPDK %s (Debian); weir %s.' % (cpu, nproc, kernel, dpdk, rev))
    print('%s s per measurement window; 64-byte frames (60 + FCS); weir-gen on vhost-user '
          '(CPU 0) <-> DUT on virtio-user (worker on CPU 1); all --no-huge.\n' % secs)
    print('| case | gen tx Mpps | rx Mpps | rx / baseline rx | weir cycles/pkt | weir ns/pkt '
          '| CPU gen / DUT % |')
    print('|---|---:|---:|---:|---:|---:|---:|')
    warn = []
    for name, desc in CASES:
        r = rows[name]
        if 'error' in r:
            print('| %s | failed | | | | | |' % desc)
            continue
        weir = name.startswith('weir')
        print('| %s | %s | %s | %s | %s | %s | %s / %s |' % (
            desc, fmt(r.get('tx_mpps'), '%.3f'), fmt(r.get('rx_mpps'), '%.3f'),
            fmt(r.get('rx_vs_baseline'), '%.3f'),
            fmt(r.get('weir_cycles_per_pkt'), '%.1f') if weir else '-',
            fmt(r.get('weir_ns_per_pkt'), '%.2f') if weir else '-',
            fmt(r.get('gen_cpu_pct'), '%.0f'), fmt(r.get('dut_cpu_pct'), '%.0f')))
        for who in ('gen', 'dut'):
            v = r.get(who + '_cpu_pct')
            if isinstance(v, (int, float)) and v < CPU_WARN_PCT:
                warn.append('%s: the %s poll loop got only %.0f%% of its CPU' % (name, who, v))
    if warn:
        print('\n**Warning: other processes took CPU time from the poll loops; these numbers '
              'are not trustworthy. Run on an otherwise idle machine.** ' + '; '.join(warn) + '.')
    details = []
    for n, _ in CASES:
        r = rows[n]
        if not n.startswith('weir') or 'error' in r:
            continue
        d = ['rx %s, tx %s' % (r.get('weir_rx', 'n/a'), r.get('weir_tx', 'n/a'))]
        if 'weir_conn_new' in r:
            d.append('%d new connections, %d in the tables at the end'
                     % (r['weir_conn_new'], r.get('weir_conns', 0)))
        if r.get('weir_drops'):
            d.append('drops ' + ', '.join('%s %d' % kv for kv in sorted(r['weir_drops'].items())))
        details.append('- %s: %s' % (n, '; '.join(d)))
    if details:
        print('\nweir\'s counters over the window:\n')
        print('\n'.join(details))
    pipe = [l for l in lines if l['suite'] == 'bench_pipeline' and l.get('case') == 'pipeline']
    if pipe:
        print('\n### weir\'s worker path without a PMD (bench_pipeline)\n')
        print('| flows | cycles/pkt (median of rounds) | ns/pkt | best round | new flow '
              'cycles/pkt |')
        print('|---:|---:|---:|---:|---:|')
        for l in pipe:
            print('| %s | %.1f | %.2f | %.1f | %.1f |' % (
                '{:,}'.format(l['flows']), l['cycles_per_pkt'], l['ns_per_pkt'],
                l['min_cycles_per_pkt'], l['new_cycles_per_pkt']))
    micro = [l for l in lines if l['suite'] in MICRO]
    if micro:
        print('\n### microbenchmarks\n')
        for l in micro:
            print('    ' + json.dumps(l))
    if http_rows:
        print_http_e2e(http_rows)
    if jwt_rows:
        print_http_e2e(jwt_rows, job='jwt')
    print('\n### commands\n')
    with open(os.path.join(tmp, 'commands.txt')) as f:
        for c in f:
            print('    ' + c.rstrip())
    print('\nweir cycles/pkt: the worker\'s busy TSC cycles over the packets it handled in the '
          'window (weirctl stats "busy_cycles", "busy_pkts", "tsc_hz"); n/a when weir does not '
          'report them. Mpps are counted by weir-gen over the window.')
    print('Results: ' + results)


def cmd_check_baseline(path):
    try:
        r = last_json(path)
    except (OSError, ValueError):
        r = {'error': 'no result'}
    if 'error' in r or not r.get('tx_pkts') or r['rx_pkts'] < 0.95 * r['tx_pkts']:
        print('bench: the baseline does not forward: rx %s of tx %s'
              % (r.get('rx_pkts'), r.get('tx_pkts')), file=sys.stderr)
        return 1
    return 0


def main(argv):
    cmds = {'config': (cmd_config, 3, 4), 'result': (cmd_result, 3, 5),
            'report': (cmd_report, 8, 8), 'check-baseline': (cmd_check_baseline, 1, 1)}
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    fn, lo, hi = cmds[argv[1]]
    args = argv[2:]
    if not lo <= len(args) <= hi:
        print(__doc__, file=sys.stderr)
        return 2
    return fn(*args) or 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
