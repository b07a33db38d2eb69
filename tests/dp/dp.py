#!/usr/bin/python3
"""Packet-fixture tests: weir on net_pcap ports, input crafted by scapy.

Usage: dp.py SCENARIO
       dp.py --list       the scenarios, one per line: meson registers one test
                          each (dp-SCENARIO), so a scenario is added here only

Each fixture is a list of (input frame, expected answer or None, expected
drop reason or None). weir reads the input pcap, the test waits until every
frame is accounted for in `weirctl stats --json`, checks the counters exactly
(every reason not expected must be 0), stops weir with SIGTERM, and compares
the output pcap byte for byte with the expected answers, in order. The
expected answers are built independently by scapy, checksums included.
"""
import json
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import weirtest as wt  # noqa: E402

# `dp.py --list` runs at meson's configure time: quickly, and where scapy
# is missing. Only running a scenario needs scapy.
LISTING = __name__ == '__main__' and sys.argv[1:] == ['--list']
if not LISTING:
    from scapy.all import (ARP, ICMP, IP, UDP, TCP, Dot1Q, Ether, IPv6,  # noqa: E402
                           IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                           IPv6ExtHdrRouting, IPv6ExtHdrSegmentRouting, IPOption_LSRR,
                           IPOption_RR, IPOption_SSRR,
                           ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6ND_NS, ICMPv6ND_NA,
                           ICMPv6ND_RS, ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr, NoPayload,
                           Padding, in6_getnsma, in6_getnsmac, inet_pton, raw)

MAC = '02:77:65:69:72:01'      # weir's port
CMAC = '02:00:00:00:00:02'     # the client
LOCAL4, LOCAL6 = '198.18.0.1', '2001:db8:0:1::1'
VIP4, VIP6 = '198.18.1.1', '2001:db8:1::1'
CLI4, CLI6 = '198.18.0.2', '2001:db8:0:1::2'


def config(devargs):
    return {
        'workers': [1],
        'ports': [{'name': 'p0', 'devargs': devargs, 'mac': MAC,
                   'addresses': [LOCAL4 + '/24', LOCAL6 + '/64']}],
        'vips': [VIP4, VIP6],
    }


# --- frame builders ---------------------------------------------------------

def arp_req(tpa, psrc=CLI4, hwsrc=CMAC, vlan=None, op=1):
    l2 = Ether(dst='ff:ff:ff:ff:ff:ff', src=hwsrc)
    if vlan is not None:
        l2 = l2 / Dot1Q(vlan=vlan)
    return raw(l2 / ARP(op=op, hwsrc=hwsrc, psrc=psrc, hwdst='00:00:00:00:00:00', pdst=tpa))


def arp_rep(tpa, pdst=CLI4, hwdst=CMAC, vlan=None):
    l2 = Ether(dst=hwdst, src=MAC)
    if vlan is not None:
        l2 = l2 / Dot1Q(vlan=vlan)
    return raw(l2 / ARP(op=2, hwsrc=MAC, psrc=tpa, hwdst=hwdst, pdst=pdst))


def echo4(dst, src=CLI4, data=b'weir-echo', options=None, pad=0, icmp_id=7, seq=1):
    ip = IP(src=src, dst=dst, id=0x1234, ttl=61, options=options or [])
    f = Ether(dst=MAC, src=CMAC) / ip / ICMP(type=8, id=icmp_id, seq=seq) / data
    if pad:
        f = f / Padding(load=b'\0' * pad)
    return raw(f)


def echo4_rep(src, dst=CLI4, data=b'weir-echo', options=None, icmp_id=7, seq=1):
    ip = IP(src=src, dst=dst, id=0x1234, ttl=64, options=options or [])
    return raw(Ether(dst=CMAC, src=MAC) / ip / ICMP(type=0, id=icmp_id, seq=seq) / data)


def echo6(dst, src=CLI6, data=b'weir-echo6', ext=None):
    f = Ether(dst=MAC, src=CMAC) / IPv6(src=src, dst=dst, hlim=60)
    if ext is not None:
        f = f / ext
    return raw(f / ICMPv6EchoRequest(id=9, seq=2, data=data))


def echo6_rep(src, dst=CLI6, data=b'weir-echo6'):
    return raw(Ether(dst=CMAC, src=MAC) / IPv6(src=src, dst=dst, hlim=64) /
               ICMPv6EchoReply(id=9, seq=2, data=data))


def ns(target, src=CLI6, hlim=255, slla=CMAC):
    dst = in6_getnsma(inet_pton(socket.AF_INET6, target))
    dst = socket.inet_ntop(socket.AF_INET6, dst)
    f = (Ether(dst=in6_getnsmac(inet_pton(socket.AF_INET6, dst)), src=CMAC) /
         IPv6(src=src, dst=dst, hlim=hlim) / ICMPv6ND_NS(tgt=target))
    if slla is not None:
        f = f / ICMPv6NDOptSrcLLAddr(lladdr=slla)
    return raw(f)


def na(target, dst=CLI6, dmac=CMAC, solicited=1):
    return raw(Ether(dst=dmac, src=MAC) / IPv6(src=target, dst=dst, hlim=255) /
               ICMPv6ND_NA(R=0, S=solicited, O=1, tgt=target) / ICMPv6NDOptDstLLAddr(lladdr=MAC))


def patch(frame, off, data):
    b = bytearray(frame)
    b[off:off + len(data)] = data
    return bytes(b)


# --- scenarios --------------------------------------------------------------

def fx_arp():
    return [
        (arp_req(LOCAL4), arp_rep(LOCAL4), None),
        (arp_req(VIP4), arp_rep(VIP4), None),
        (arp_req(VIP4, vlan=10), arp_rep(VIP4, vlan=10), None),
        (arp_req(VIP4, psrc='0.0.0.0'), arp_rep(VIP4, pdst='0.0.0.0'), None),  # RFC 5227 probe
        (arp_req('198.18.0.77'), None, 'arp_not_ours'),
        (arp_req(VIP4, op=2), None, 'arp_ignored'),
        (arp_req(LOCAL4, psrc=LOCAL4), None, 'arp_ignored'),  # gratuitous
        (arp_req(VIP4)[:14 + 20], None, 'arp_malformed'),    # truncated
        (patch(arp_req(VIP4), 14, b'\x00\x06'), None, 'arp_malformed'),  # htype 6
    ]


def fx_nd():
    sol = socket.inet_ntop(socket.AF_INET6, in6_getnsma(inet_pton(socket.AF_INET6, VIP6)))
    return [
        (ns(LOCAL6), na(LOCAL6), None),
        (ns(VIP6), na(VIP6), None),
        (ns(VIP6, slla=None), na(VIP6), None),  # no option: answer the Ethernet source
        (ns(VIP6, src='::', slla=None), na(VIP6, dst='ff02::1', dmac='33:33:00:00:00:01',
                                          solicited=0), None),
        (ns('2001:db8:0:1::99'), None, 'not_ours'),
        (ns(VIP6, hlim=64), None, 'nd_malformed'),
        (ns(VIP6, src='::'), None, 'nd_malformed'),  # DAD must not carry a source LL option
        (patch(ns(VIP6), 14 + 40 + 24 + 1, b'\x00'), None, 'icmp_bad_csum'),
        (raw(Ether(dst='33:33:00:00:00:02', src=CMAC) /
             IPv6(src=CLI6, dst='ff02::2', hlim=255) / ICMPv6ND_RS()), None, 'not_ours'),
        (raw(Ether(dst=in6_getnsmac(inet_pton(socket.AF_INET6, sol)), src=CMAC) /
             IPv6(src=CLI6, dst=sol, hlim=255) / ICMPv6ND_NS(tgt='ff02::1')), None,
         'nd_malformed'),  # multicast target
    ]


def fx_echo():
    opts = [b'\x94\x04\x00\x00']  # router alert: IHL 6
    return [
        (echo4(VIP4), echo4_rep(VIP4), None),
        (echo4(LOCAL4), echo4_rep(LOCAL4), None),
        (echo4(VIP4, options=opts), echo4_rep(VIP4, options=opts), None),
        (echo4(VIP4, pad=20), echo4_rep(VIP4), None),  # Ethernet padding is not echoed
        (echo4(VIP4, data=bytes(range(256)) * 5), echo4_rep(VIP4, data=bytes(range(256)) * 5),
         None),
        (echo6(VIP6), echo6_rep(VIP6), None),
        (echo6(LOCAL6), echo6_rep(LOCAL6), None),
        (echo6(VIP6, ext=IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt()), echo6_rep(VIP6), None),
        (patch(echo4(VIP4), 14 + 20 + 2, b'\xde\xad'), None, 'icmp_bad_csum'),
        (patch(echo6(VIP6), 14 + 40 + 2, b'\xde\xad'), None, 'icmp_bad_csum'),
        (echo4(VIP4, data=b'x' * 2900), None, 'multiseg'),  # beyond one mbuf segment
    ]


def fx_foreign():
    return [
        (patch(echo4(VIP4), 0, b'\x02\x00\x00\x00\x00\x99'), None, 'l2_foreign'),
        (raw(Ether(dst='01:80:c2:00:00:0e', src=CMAC, type=0x88cc) / (b'\0' * 46)), None,
         'ethertype_unsupported'),
        (echo4('198.18.5.5'), None, 'not_ours'),
        (echo6('2001:db8:9::9'), None, 'not_ours'),
        (raw(Ether(dst=MAC, src=CMAC) / IP(src=CLI4, dst=VIP4) / TCP(sport=40000, dport=80,
                                                                  flags='S')), None, 'no_service'),
        (raw(Ether(dst=MAC, src=CMAC) / IP(src=CLI4, dst=VIP4) / UDP(sport=40000, dport=53) /
             b'q'), None, 'no_service'),
        (raw(Ether(dst=MAC, src=CMAC) / IPv6(src=CLI6, dst=VIP6) / TCP(dport=443, flags='S')),
         None, 'no_service'),
        (raw(Ether(dst=MAC, src=CMAC) / IP(src=CLI4, dst=VIP4) / ICMP(type=13)), None,
         'icmp_unhandled'),
        (raw(Ether(dst=MAC, src=CMAC) / IP(src=CLI4, dst=VIP4, flags='MF') / ICMP() / b'frag'),
         None, 'ipv4_fragment'),
        (raw(Ether(dst=MAC, src=CMAC) / IP(src=CLI4, dst=VIP4, frag=10) / b'later-fragment'),
         None, 'ipv4_fragment'),
        (raw(Ether(dst=MAC, src=CMAC) / IPv6(src=CLI6, dst=VIP6) / IPv6ExtHdrFragment(m=1) /
             ICMPv6EchoRequest()), None, 'ipv6_fragment'),
    ]


def fx_malformed():
    e4 = echo4(VIP4)
    e6 = echo6(VIP6)
    syn = raw(Ether(dst=MAC, src=CMAC) / IP(src=CLI4, dst=VIP4) / TCP(dport=80, flags='S'))
    udp = raw(Ether(dst=MAC, src=CMAC) / IP(src=CLI4, dst=VIP4) / UDP(dport=53) / b'abcd')

    def ip4(frame, ihl_ver=None, tot=None, csum=True):
        b = bytearray(frame)
        if ihl_ver is not None:
            b[14] = ihl_ver
        if tot is not None:
            b[16:18] = tot.to_bytes(2, 'big')
        if csum:
            b[24:26] = b'\0\0'
            s = sum(int.from_bytes(b[14 + i:16 + i], 'big') for i in range(0, (b[14] & 15) * 4, 2))
            while s >> 16:
                s = (s & 0xffff) + (s >> 16)
            b[24:26] = (~s & 0xffff).to_bytes(2, 'big')
        return bytes(b)

    hbh_chain = IPv6ExtHdrHopByHop()
    for _ in range(8):
        hbh_chain = hbh_chain / IPv6ExtHdrDestOpt()
    ext_off = raw(Ether(dst=MAC, src=CMAC) / IPv6(src=CLI6, dst=VIP6) /
                  IPv6ExtHdrHopByHop() / ICMPv6EchoRequest())
    # Claim the hop-by-hop header is 8*(1+9) bytes long: it runs off the packet.
    ext_off = patch(ext_off, 14 + 40 + 1, b'\x09')
    return [
        (b'', None, 'runt'),
        (b'\x02' * 10, None, 'runt'),
        (raw(Ether(dst=MAC, src=CMAC, type=0x8100))[:14] + b'\x00', None, 'vlan_trunc'),
        (raw(Ether(dst=MAC, src=CMAC) / Dot1Q(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) /
             IP(src=CLI4, dst=VIP4) / ICMP()), None, 'vlan_too_many'),
        (e4[:14 + 12], None, 'ipv4_trunc'),
        (ip4(e4, ihl_ver=0x44), None, 'ipv4_bad_ihl'),
        (ip4(e4, ihl_ver=0x4f), None, 'ipv4_trunc'),        # IHL 60 bytes > frame
        (ip4(e4, ihl_ver=0x55), None, 'ipv4_bad_version'),
        (ip4(e4, tot=500), None, 'ipv4_trunc'),             # total length beyond frame
        (ip4(e4, tot=12), None, 'ipv4_bad_len'),
        (ip4(e4, csum=False, tot=len(e4) - 14 - 1), None, 'ipv4_bad_csum'),
        (e6[:14 + 30], None, 'ipv6_trunc'),
        (patch(e6, 14 + 4, b'\x04\x00'), None, 'ipv6_trunc'),  # payload length 1024
        (patch(e6, 14, b'\x50'), None, 'ipv6_bad_version'),
        (ext_off, None, 'ipv6_ext_trunc'),
        (raw(Ether(dst=MAC, src=CMAC) / IPv6(src=CLI6, dst=VIP6) / hbh_chain /
             ICMPv6EchoRequest()), None, 'ipv6_ext_limit'),
        (ip4(syn, tot=20 + 10), None, 'l4_trunc'),           # TCP header cut by IP length
        (patch(syn, 14 + 20 + 12, b'\x40'), None, 'tcp_bad_doff'),
        (patch(syn, 14 + 20 + 12, b'\xf0'), None, 'tcp_bad_doff'),
        (patch(udp, 14 + 20 + 4, b'\x00\x30'), None, 'udp_bad_len'),
        (ip4(e4, tot=20 + 4), None, 'l4_trunc'),             # ICMP shorter than 8
    ]


def start_pcap(w, frames, extra=None, port_extra=None, times=None):
    """Start weir w on a net_pcap port reading frames (with times, as
    wt.write_pcap() takes them), config() updated by extra and its port by
    port_extra; the path of the output pcap (written when weir stops)."""
    inp, out = os.path.join(w.tmp, 'in.pcap'), os.path.join(w.tmp, 'out.pcap')
    wt.write_pcap(inp, frames, times)
    cfg = config('net_pcap0,rx_pcap=%s,tx_pcap=%s' % (inp, out))
    cfg.update(extra or {})
    cfg['ports'][0].update(port_extra or {})
    w.configure(cfg)
    w.start()
    return out


def run_fixture(name, fixture, extra=None, port_extra=None, after=None, times=None):
    with wt.Weir('dp-' + name) as w:
        out = start_pcap(w, [f for f, _, _ in fixture], extra, port_extra, times)
        n = len(fixture)
        # An answer is a frame, a tuple of acceptable frames, or a list of
        # answers sent in that order (a held segment leaves after another
        # frame's answer: its own input has none).
        want, want_drops = [], {}
        for _, exp, why in fixture:
            if isinstance(exp, list):
                want += exp
            elif exp is not None:
                want.append(exp)
            if why:
                want_drops[why] = want_drops.get(why, 0) + 1
        n_drops = sum(want_drops.values())
        st = w.wait_stats(lambda s: s['total']['rx'] == n and
                          s['total']['tx'] + s['total']['dropped'] == len(want) + n_drops,
                          'all %d frames to be answered or dropped' % n)
        # Every drop reason not expected is 0.
        wt.expect_counters(st, {'total': {'tx': len(want), 'drops': wt.only(want_drops)},
                                'ports': {0: {'ipackets': n}}}, 'counters of %d frames' % n)
        if after is not None:
            after(st, w)
        w.stop()
        got = wt.read_pcap(out)
        wt.check(len(got) == len(want), 'output pcap has %d frames, want %d' % (len(got), len(want)))
        for i, (g, e) in enumerate(zip(got, want)):
            # Checksums first: a wrong one is named, and caught even if the
            # expected answer had it too.
            verify_checksums(g)
            # A tuple lists the acceptable answers (a SYN cookie made at either
            # side of a tick of its time counter).
            alts = e if isinstance(e, tuple) else (e,)
            if g not in alts:
                wt.fail('answer %d differs:\n got  %s\n want %s\n got  %s\n want %s' %
                        (i, g.hex(), alts[0].hex(), Ether(g).summary(), Ether(alts[0]).summary()))
    print('ok: %d frames, %d answers, drops %s' % (n, len(want), want_drops))


def run_live(name, phases, extra=None, port_extra=None):
    """Fixtures in phases, on a tap port whose kernel side the test drives
    (weirtest.TapPeer): each phase's frames are sent, accounted for (rx, tx,
    drops by reason, as run_fixture()) and their answers compared in order;
    then its check(w), if any, runs before the next phase is sent, so a
    phase may wait for what the control thread publishes. phases: a list of
    (fixture, check or None). The clock is the TSC."""
    tap, ns = 'wdp%d' % os.getpid(), 'weir-dp-%d' % os.getpid()
    with wt.Weir('dp-' + name) as w:
        cfg = config('net_tap0,iface=' + tap)
        cfg.update(extra or {})
        cfg['ports'][0].update(port_extra or {})
        w.configure(cfg)
        w.start()
        with wt.TapPeer(tap, ns) as peer:
            peer.recv(quiet=0.3)  # whatever the tap said before it went quiet
            base = w.ctl('stats')['total']
            rx, tx, drops = base['rx'], base['tx'], dict(base['drops'])
            for i, (fixture, check) in enumerate(phases):
                want = [e for _, e, _ in fixture if e is not None]
                for _, _, why in fixture:
                    if why:
                        drops[why] = drops.get(why, 0) + 1
                rx += len(fixture)
                tx += len(want)
                peer.send([f for f, _, _ in fixture])
                n_drops = sum(drops.values())
                st = w.wait_stats(lambda s: s['total']['rx'] == rx and
                                  s['total']['tx'] + s['total']['dropped'] == tx + n_drops,
                                  'phase %d: %d frames answered or dropped' % (i, len(fixture)))
                wt.expect_counters(st, {'total': {'tx': tx, 'drops': wt.only(drops)}},
                                   'phase %d counters' % i)
                got = peer.recv()
                wt.check(len(got) == len(want), 'phase %d: %d frames out, want %d:\n%s' %
                         (i, len(got), len(want), '\n'.join(Ether(g).summary() for g in got)))
                for j, (g, e) in enumerate(zip(got, want)):
                    verify_checksums(g)
                    if g != e:
                        wt.fail('phase %d, answer %d differs:\n got  %s\n want %s' %
                                (i, j, Ether(g).summary(), Ether(e).summary()))
                if check is not None:
                    check(w)
        w.stop()
    print('ok: %d phases, %d frames' % (len(phases), sum(len(f) for f, _ in phases)))


# scapy's names for checksum fields: "chksum" (IPv4, TCP, UDP, ICMP),
# "cksum" (every ICMPv6 message). A field of any other layer whose name
# says checksum makes checksum_errors() fail rather than pass unchecked.
CSUM_FIELDS = ('chksum', 'cksum')


def layers_of(p):
    """Every layer of a dissected frame, outer to inner (both IP headers of
    IP-in-IP, say)."""
    out = []
    while p is not None and not isinstance(p, NoPayload):
        out.append(p)
        p = p.payload
    return out


def checksum_errors(frame):
    """Every checksum field of the frame, inner headers included, recomputed
    by scapy: ([(layer index, 'Layer.field') checked], [error messages])."""
    layers = layers_of(Ether(frame))
    checked, errors = [], []
    for i, layer in enumerate(layers):
        for f in layer.fields_desc:
            what = '%s.%s' % (type(layer).__name__, f.name)
            if f.name not in CSUM_FIELDS:
                if 'sum' in f.name.lower() or 'crc' in f.name.lower():
                    errors.append('%s: a checksum field verify_checksums() does not know' % what)
                continue
            value = getattr(layer, f.name)
            if value == 0 and isinstance(layer, UDP) and isinstance(layers[i - 1], IP):
                checked.append((i, what))  # IPv4 UDP without a checksum (RFC 768)
                continue
            q = Ether(frame)
            delattr(layers_of(q)[i], f.name)  # scapy computes a deleted checksum
            want = getattr(layers_of(Ether(raw(q)))[i], f.name)
            if value != want:
                errors.append('%s (layer %d) is %#x, scapy computes %#x' % (what, i, value, want))
            checked.append((i, what))
    return checked, errors


def verify_checksums(frame):
    """Independent check of an answer: scapy recomputes every checksum."""
    _, errors = checksum_errors(frame)
    if errors:
        wt.fail('checksums of %s:\n  %s' % (Ether(frame).summary(), '\n  '.join(errors)))


def check_the_checker():
    """checksum_errors() must see a wrong checksum in every field it knows,
    inner headers of IP-in-IP included: each of these frames is clean, and
    each of its checksums, spoilt in turn, is named."""
    inner4 = IP(src=CLI4, dst=VIP4) / TCP(sport=42000, dport=443, flags='S')
    inner6 = IPv6(src=CLI6, dst=VIP6) / UDP(sport=42000, dport=443) / b'x'
    frames = [echo4_rep(VIP4), echo6_rep(VIP6), na(VIP6),
              tcp(VIP6, CLI6, 80, 40000, 'SA', dmac=CMAC, smac=MAC),
              udp(VIP4, CLI4, 53, 5353, dmac=CMAC, smac=MAC),
              raw(Ether(dst=CMAC, src=MAC) / IP(src=LOCAL4, dst=CLI4, proto=4) / inner4),
              raw(Ether(dst=CMAC, src=MAC) / IP(src=LOCAL4, dst=CLI4, proto=4) /
                  IP(src=CLI4, dst=VIP4) / UDP(sport=1, dport=2) / b'y'),
              raw(Ether(dst=CMAC, src=MAC) / IPv6(src=LOCAL6, dst=CLI6, nh=41) / inner6)]
    seen = set()
    for frame in frames:
        checked, errors = checksum_errors(frame)
        wt.check(checked and not errors, 'checker: %s: checked %s, errors %s' %
                 (Ether(frame).summary(), checked, errors))
        for i, what in checked:
            q = Ether(frame)
            layer = layers_of(q)[i]
            name = what.split('.')[1]
            good = getattr(layer, name)
            setattr(layer, name, good ^ 0x00ff if good != 0x00ff else 0x1234)
            _, errors = checksum_errors(raw(q))
            wt.check(any(e.startswith('%s (layer %d)' % (what, i)) for e in errors),
                     'checker: a wrong %s (layer %d) of %s passes: %s' %
                     (what, i, Ether(frame).summary(), errors))
            # Inner: under two IP headers (or one, for an IP header).
            ips = sum(isinstance(x, (IP, IPv6)) for x in layers_of(Ether(frame))[:i])
            seen.add((what, ips >= (1 if isinstance(layer, IP) else 2)))
    want = {('IP.chksum', False), ('IP.chksum', True), ('TCP.chksum', False),
            ('TCP.chksum', True), ('UDP.chksum', False), ('UDP.chksum', True),
            ('ICMP.chksum', False), ('ICMPv6EchoReply.cksum', False),
            ('ICMPv6ND_NA.cksum', False)}
    wt.check(seen >= want, 'checker: never checked %s' % sorted(want - seen))


def steering():
    """Two workers, all frames arrive on worker 0's queue: the owner's answers
    leave through the owner's TX queue (its own tx_pcap). Martian sources
    are dropped by worker 0, which received them, whoever would own them:
    never steered."""
    n_workers = 2
    clients = ['198.18.0.%d' % i for i in range(10, 42)]
    frames, want = [], {0: [], 1: []}
    for c in clients:
        o = wt.owner_of(c, n_workers)
        frames.append(arp_req(VIP4, psrc=c))
        want[o].append(arp_rep(VIP4, pdst=c))
        frames.append(echo4(VIP4, src=c))
        want[o].append(echo4_rep(VIP4, dst=c))
    wt.check(want[0] and want[1], 'fixture clients all hash to one worker')
    martians = ['127.0.0.%d' % i for i in range(1, 9)]
    wt.check(any(wt.owner_of(m, n_workers) == 1 for m in martians),
             'no martian would be owned by worker 1')
    frames += [echo4(VIP4, src=m) for m in martians]
    n_answers = 2 * len(clients)
    with wt.Weir('dp-steer', lcores='0@0,1@0,2@1') as w:
        t = w.tmp
        files = [os.path.join(t, f) for f in ('in0.pcap', 'in1.pcap', 'out0.pcap', 'out1.pcap')]
        wt.write_pcap(files[0], frames)
        wt.write_pcap(files[1], [])
        cfg = config('net_pcap0,rx_pcap=%s,rx_pcap=%s,tx_pcap=%s,tx_pcap=%s' % tuple(files))
        cfg['workers'] = [1, 2]
        cfg['idle_sleep_us'] = 50  # two pollers share a CPU in this test
        w.configure(cfg)
        w.start()
        n = len(frames)
        st = w.wait_stats(lambda s: s['total']['rx'] == n and s['total']['tx'] == n_answers and
                          s['total']['dropped'] == len(martians),
                          'all %d frames answered or dropped' % n)
        wt.expect_counters(st, {'workers': [
            {'rx': n, 'steered_out': len(want[1]), 'tx': len(want[0]),
             'drops': wt.only({'src_loopback': len(martians)})},
            {'rx': 0, 'steered_in': len(want[1]), 'tx': len(want[1]), 'dropped': 0}]},
            'steering')
        ports = w.ctl('ports')['ports']
        wt.check(ports[0]['steering'] == 'software', 'steering mode %s' % ports[0]['steering'])
        # net_pcap computes no checksums: the dp fixtures check weir's own
        # incremental updates (e2e-l4 covers the offload, on net_tap).
        wt.check(ports[0]['tx_ip_cksum_offload'] is False,
                 'net_pcap offers IPv4 checksum offload?')
        w.stop()
        for q in (0, 1):
            got = wt.read_pcap(files[2 + q])
            for g in got:
                verify_checksums(g)
            wt.check(got == want[q], 'worker %d answers differ (%d got, %d want)' %
                     (q, len(got), len(want[q])))
    print('ok: %d frames, %d steered to worker 1, %d martians dropped by worker 0' %
          (n, len(want[1]), len(martians)))


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, **kw)


def bad_configs():
    """Bad configs and arguments: exit 2, one line naming the key and value."""
    weir, weirctl = wt.paths()
    cases = [
        ('{"workers": [1], "ports": [', 'line 1'),
        ('{"workers": [1], "ports": [{"name": "p", "devargs": "net_null0", "mac": "zz"}]}',
         "'ports[0].mac' = \"zz\""),
        ('{"workers": [1], "ports": [{"name": "p", "devargs": "net_null0"}], "vip": []}',
         "'vip': unknown key"),
        ('{"workers": [5], "ports": [{"name": "p", "devargs": "net_null0"}]}',
         "'workers[0]' = 5"),
        ('{"workers": [1], "ports": [{"name": "p", "devargs": "net_bogus0,x=1"}]}',
         "'ports[0].devargs' = \"net_bogus0,x=1\""),
        ('{"workers": [1], "ports": [{"name": "p", "devargs": "net_null0"}], '
         '"vips": ["198.18.1.1/32"]}', "'vips[0]' = \"198.18.1.1/32\""),
    ]
    for text, needle in cases:
        with wt.Weir('dp-badcfg') as w:
            with open(w.cfg_path, 'w') as f:
                f.write(text)
            r = run(w.argv())
            wt.check(r.returncode == 2, 'config %s: exit %d, want 2\n%s' % (text, r.returncode,
                                                                          r.stderr))
            errs = [ln for ln in r.stderr.splitlines() if ln.startswith('weir:')]
            wt.check(len(errs) == 1 and needle in errs[0],
                     'config %s: want one "weir:" line containing %r, got:\n%s' %
                     (text, needle, r.stderr))
            wt.check(not os.path.exists(w.sock), 'socket created by a failed start')
    with wt.Weir('dp-badcfg') as w:
        r = run(w.argv(config_path=os.path.join(w.tmp, 'missing.json')))
        wt.check(r.returncode == 2 and 'missing.json' in r.stderr, 'missing file: %d %s' %
                 (r.returncode, r.stderr))
        r = run([weir, '--', '--frobnicate'])
        wt.check(r.returncode == 2, 'unknown option: exit %d' % r.returncode)
        r = run([weir, '--', '--help'])
        wt.check(r.returncode == 0 and '--config' in r.stdout, 'weir -- --help')
        r = run([weirctl, '--socket', os.path.join(w.tmp, 'none.sock'), 'status'])
        wt.check(r.returncode == 1 and 'cannot connect' in r.stderr, 'weirctl without daemon: %d %s'
                 % (r.returncode, r.stderr))
        r = run([weirctl, 'frob'])
        wt.check(r.returncode == 2 and 'unknown command' in r.stderr, 'weirctl frob')
        r = run([weirctl, '--help'])
        wt.check(r.returncode == 0 and all(c in r.stdout for c in ('status', 'stats', 'ports')),
                 'weirctl --help')
    print('ok: %d bad configs refused with exit 2' % len(cases))


def admin():
    """The admin socket of a running daemon: errors answered, bad clients harmless."""
    with wt.Weir('dp-admin') as w:
        start_pcap(w, [])
        idle = socket.socket(socket.AF_UNIX)
        idle.connect(w.sock)  # connects, never speaks
        hog = socket.socket(socket.AF_UNIX)
        hog.connect(w.sock)
        hog.sendall(b'{"v":1,"cmd":"stats"}\n' * 2000)  # never reads its answers
        s = socket.socket(socket.AF_UNIX)
        s.connect(w.sock)
        s.settimeout(5)
        f = s.makefile('rwb')

        def ask(line):
            f.write(line + b'\n')
            f.flush()
            import json
            return json.loads(f.readline())

        r = ask(b'{"v":1,"cmd":"status"}')
        wt.check(r['ok'] is True and r['result']['version'] and r['result']['workers'] == 1,
                 'status: %s' % r)
        for bad, needle in ((b'not json', 'bad request'), (b'[1,2]', 'JSON object'),
                            (b'{"v":2,"cmd":"stats"}', 'version'),
                            (b'{"v":1}', 'cmd'), (b'{"v":1,"cmd":"reboot"}', 'unknown command')):
            r = ask(bad)
            wt.check(r['ok'] is False and needle in r['error'] and r['v'] == 1,
                     'request %r: %s' % (bad, r))
        t0 = time.time()
        st = w.ctl('stats')
        wt.check(time.time() - t0 < 5, 'weirctl stalled behind idle clients')
        wt.check(set(st['total']['drops']) >= {'runt', 'not_ours', 'ipv4_bad_ihl'},
                 'stats lacks drop reasons')
        table = w.ctl('stats', json_out=False).stdout
        wt.check('drops by reason' in table and 'total' in table, 'stats table:\n' + table)
        table = w.ctl('ports', json_out=False).stdout
        wt.check(MAC.lower() in table.lower() and 'net_pcap' in table and VIP6 in table, 'ports table:\n' + table)
        table = w.ctl('status', json_out=False).stdout
        wt.check('version' in table and 'uptime' in table, 'status table:\n' + table)
        for c in (idle, hog, s):
            c.close()
        w.stop()
    print('ok: admin socket')


# --- L4: services, FullNAT, DSR ---------------------------------------------
#
# One pcap port carries both sides: clients and backends share the link, so
# the output holds every rewritten frame in input order. Backends have
# static neighbour entries. With one worker, local ports are handed out from
# 1024 upwards per local IP and protocol (docs/architecture.md).

BMAC = '02:00:00:00:00:b1'
BK4, BK6 = '198.18.0.10', '2001:db8:0:1::10'


def l4_config(**over):
    cfg = {
        'conn_table_size': 4096,
        'pools': [{'name': 'web4', 'backends': [{'address': BK4, 'port': 8080}]},
                  {'name': 'web6', 'backends': [{'address': BK6, 'port': 8080}]},
                  {'name': 'zero', 'backends': [{'address': '198.18.0.11', 'port': 8080,
                                                 'weight': 0}]}],
        'services': [
            {'name': 'tcp4', 'vip': VIP4, 'port': 80, 'protocol': 'tcp', 'pool': 'web4',
             'local_ips': [LOCAL4], 'mss_clamp': 1400},
            {'name': 'udp4', 'vip': VIP4, 'port': 53, 'protocol': 'udp', 'pool': 'web4',
             'local_ips': [LOCAL4]},
            {'name': 'tcp6', 'vip': VIP6, 'port': 80, 'protocol': 'tcp', 'pool': 'web6',
             'local_ips': [LOCAL6]},
            {'name': 'udp6', 'vip': VIP6, 'port': 53, 'protocol': 'udp', 'pool': 'web6',
             'local_ips': [LOCAL6]},
            {'name': 'dsr4', 'vip': VIP4, 'port': 443, 'protocol': 'tcp', 'pool': 'web4',
             'local_ips': [LOCAL4], 'forwarding': 'dsr-ipip'},
            {'name': 'dsr6', 'vip': VIP6, 'port': 443, 'protocol': 'tcp', 'pool': 'web6',
             'local_ips': [LOCAL6], 'forwarding': 'dsr-ipip'},
            {'name': 'drained', 'vip': VIP4, 'port': 81, 'protocol': 'tcp', 'pool': 'zero',
             'local_ips': [LOCAL4]},
        ],
    }
    cfg.update(over)
    return cfg


L4_PORT = {'neighbors': [{'address': BK4, 'mac': BMAC}, {'address': BK6, 'mac': BMAC},
                         {'address': '198.18.0.11', 'mac': BMAC}]}


def ip_of(src, dst, **kw):
    return IP(src=src, dst=dst, **kw) if ':' not in src else IPv6(src=src, dst=dst, **kw)


def tcp(src, dst, sport, dport, flags, dmac=MAC, smac=CMAC, seq=1000, ack=0, data=b'',
        options=None, ttl=61, window=8192):
    ipl = (IP(src=src, dst=dst, ttl=ttl, id=0x4242) if ':' not in src
           else IPv6(src=src, dst=dst, hlim=ttl))
    f = Ether(dst=dmac, src=smac) / ipl / TCP(sport=sport, dport=dport, flags=flags, seq=seq,
                                              ack=ack, window=window, options=options or [])
    return raw(f / data) if data else raw(f)


def udp(src, dst, sport, dport, dmac=MAC, smac=CMAC, data=b'q', ttl=61, pad=0):
    ipl = (IP(src=src, dst=dst, ttl=ttl, id=0x4343) if ':' not in src
           else IPv6(src=src, dst=dst, hlim=ttl))
    f = Ether(dst=dmac, src=smac) / ipl / UDP(sport=sport, dport=dport) / data
    if pad:
        f = f / Padding(load=b'\0' * pad)
    return raw(f)


def fx_fullnat():
    fx = []
    for cli, vip, loc, bk in ((CLI4, VIP4, LOCAL4, BK4), (CLI6, VIP6, LOCAL6, BK6)):
        v4 = ':' not in cli
        # TCP: handshake, data both ways, FIN; the MSS is clamped on IPv4 (service tcp4).
        mss_in, mss_out = [('MSS', 1460)], [('MSS', 1400 if v4 else 1460)]
        fx += [
            (tcp(cli, vip, 40000, 80, 'S', options=mss_in),
             tcp(loc, bk, 1024, 8080, 'S', dmac=BMAC, smac=MAC, options=mss_out), None),
            (tcp(bk, loc, 8080, 1024, 'SA', smac=BMAC, seq=5000, ack=1001, options=mss_in),
             tcp(vip, cli, 80, 40000, 'SA', dmac=CMAC, smac=MAC, seq=5000, ack=1001,
                 options=mss_out), None),
            (tcp(cli, vip, 40000, 80, 'A', seq=1001, ack=5001, data=b'GET / HTTP/1.0\r\n\r\n'),
             tcp(loc, bk, 1024, 8080, 'A', dmac=BMAC, smac=MAC, seq=1001, ack=5001,
                 data=b'GET / HTTP/1.0\r\n\r\n'), None),
            (tcp(bk, loc, 8080, 1024, 'PA', smac=BMAC, seq=5001, ack=1019, data=b'HTTP/1.0 200 OK'),
             tcp(vip, cli, 80, 40000, 'PA', dmac=CMAC, smac=MAC, seq=5001, ack=1019,
                 data=b'HTTP/1.0 200 OK'), None),
            (tcp(cli, vip, 40000, 80, 'FA', seq=1019, ack=5016),
             tcp(loc, bk, 1024, 8080, 'FA', dmac=BMAC, smac=MAC, seq=1019, ack=5016), None),
            # A second client flow gets the next local port.
            (tcp(cli, vip, 40001, 80, 'S'),
             tcp(loc, bk, 1025, 8080, 'S', dmac=BMAC, smac=MAC), None),
            # UDP both ways; Ethernet padding is not forwarded as payload.
            (udp(cli, vip, 5353, 53, data=b'ab', pad=10 if v4 else 0),
             udp(loc, bk, 1024, 8080, dmac=BMAC, smac=MAC, data=b'ab'), None),
            (udp(bk, loc, 8080, 1024, smac=BMAC, data=b'answer'),
             udp(vip, cli, 53, 5353, dmac=CMAC, smac=MAC, data=b'answer'), None),
            # The same UDP flow again: the same local port.
            (udp(cli, vip, 5353, 53, data=b'cd'),
             udp(loc, bk, 1024, 8080, dmac=BMAC, smac=MAC, data=b'cd'), None),
        ]
    # An IPv4 UDP datagram without a checksum keeps it 0 when rewritten.
    nock = bytearray(udp(CLI4, VIP4, 6000, 53, data=b'zz'))
    nock[14 + 20 + 6:14 + 20 + 8] = b'\0\0'
    want = bytearray(udp(LOCAL4, BK4, 1025, 8080, dmac=BMAC, smac=MAC, data=b'zz'))
    want[14 + 20 + 6:14 + 20 + 8] = b'\0\0'
    fx.append((bytes(nock), bytes(want), None))
    # The MSS option at an odd offset (after a NOP): clamped, checksum right.
    fx.append((tcp(CLI4, VIP4, 40002, 80, 'S', options=[('NOP', None), ('MSS', 1460)]),
               tcp(LOCAL4, BK4, 1026, 8080, 'S', dmac=BMAC, smac=MAC,
                   options=[('NOP', None), ('MSS', 1400)]), None))
    return fx


def fx_l4_drops():
    return [
        # A reply to a local port nobody holds.
        (tcp(BK4, LOCAL4, 8080, 1099, 'SA', smac=BMAC), None, 'no_conn'),
        (udp(BK6, LOCAL6, 8080, 2000, smac=BMAC), None, 'no_conn'),
        # A connection holds local port 1024; only its backend's replies reach
        # it: not another source, not another source port, not UDP to it.
        (tcp(CLI4, VIP4, 40999, 80, 'S', options=[('MSS', 1460)]),
         tcp(LOCAL4, BK4, 1024, 8080, 'S', dmac=BMAC, smac=MAC, options=[('MSS', 1400)]), None),
        (tcp('198.18.0.99', LOCAL4, 8080, 1024, 'SA', smac=BMAC, seq=5000, ack=1001), None,
         'no_conn'),
        (tcp(BK4, LOCAL4, 8081, 1024, 'SA', smac=BMAC, seq=5000, ack=1001), None, 'no_conn'),
        (udp(BK4, LOCAL4, 8080, 1024, smac=BMAC), None, 'no_conn'),
        (tcp(BK4, LOCAL4, 8080, 1024, 'SA', smac=BMAC, seq=5000, ack=1001),
         tcp(VIP4, CLI4, 80, 40999, 'SA', dmac=CMAC, smac=MAC, seq=5000, ack=1001), None),
        # Mid-connection TCP without an entry (FullNAT cannot take it over).
        (tcp(CLI4, VIP4, 41000, 80, 'A', data=b'x'), None, 'no_conn'),
        # Every backend drained.
        (tcp(CLI4, VIP4, 41001, 81, 'S'), None, 'no_backend'),
        # No service on that port of a VIP (IPv4 TCP, IPv6 UDP).
        (tcp(CLI4, VIP4, 41002, 8443, 'S'), None, 'no_service'),
        (udp(CLI6, VIP6, 41003, 54), None, 'no_service'),
        # A source holds at most udp_ports_per_source (2 here) UDP local
        # ports: its third flow is refused, its flows go on, others open.
        (udp(CLI4, VIP4, 6000, 53), udp(LOCAL4, BK4, 1024, 8080, dmac=BMAC, smac=MAC), None),
        (udp(CLI4, VIP4, 6001, 53), udp(LOCAL4, BK4, 1025, 8080, dmac=BMAC, smac=MAC), None),
        (udp(CLI4, VIP4, 6002, 53), None, 'udp_source_ports'),
        (udp(CLI4, VIP4, 6000, 53), udp(LOCAL4, BK4, 1024, 8080, dmac=BMAC, smac=MAC), None),
        (udp('198.18.0.3', VIP4, 6002, 53),
         udp(LOCAL4, BK4, 1026, 8080, dmac=BMAC, smac=MAC), None),
    ]


def rst(src, dst, sport, dport, ack):
    """weir's RST+ACK to a refused SYN: fresh IP header, no options."""
    ipl = IP(src=src, dst=dst, ttl=64, id=0) if ':' not in src else IPv6(src=src, dst=dst, hlim=64)
    return raw(Ether(dst=CMAC, src=MAC) / ipl / TCP(sport=sport, dport=dport, flags='RA', seq=0,
                                                  ack=ack, window=0))


CLI6_B = '2001:db8:0:1::99'  # the same /64 as CLI6
LIMITS = {
    'tcp4': {'new_conns': {'rate': 3, 'burst': 3}, 'action': 'rst'},
    'udp4': {'new_conns': {'rate': 2, 'per_s': 10}},
    'tcp6': {'new_conns': {'rate': 1}, 'action': 'rst'},
    # Dry run: the refusal that would earn a ban is counted, nothing banned.
    'udp6': {'new_conns': {'rate': 1}, 'dry_run': True, 'ban': {'after': 1}},
}


def fx_limits():
    """Per-source limits on new connections, within one burst (far below a
    second, so nothing refills): tcp4 admits 3 then answers RSTs; another
    source is not affected; an established flow is never limited; udp4 drops
    its third new flow; tcp6 counts a /64 as one source; udp6 only counts
    (dry run)."""
    fx = []
    for i in range(5):
        fx.append((tcp(CLI4, VIP4, 41000 + i, 80, 'S'),
                   tcp(LOCAL4, BK4, 1024 + i, 8080, 'S', dmac=BMAC, smac=MAC) if i < 3 else
                   rst(VIP4, CLI4, 80, 41000 + i, 1001), None))
    fx += [
        (tcp('198.18.0.3', VIP4, 41005, 80, 'S'),
         tcp(LOCAL4, BK4, 1027, 8080, 'S', dmac=BMAC, smac=MAC), None),
        (tcp(CLI4, VIP4, 41000, 80, 'A', seq=1001, ack=1),
         tcp(LOCAL4, BK4, 1024, 8080, 'A', seq=1001, ack=1, dmac=BMAC, smac=MAC), None),
        (udp(CLI4, VIP4, 7000, 53), udp(LOCAL4, BK4, 1024, 8080, dmac=BMAC, smac=MAC), None),
        (udp(CLI4, VIP4, 7001, 53), udp(LOCAL4, BK4, 1025, 8080, dmac=BMAC, smac=MAC), None),
        (udp(CLI4, VIP4, 7002, 53), None, 'rate_limited'),
        (udp(CLI4, VIP4, 7000, 53), udp(LOCAL4, BK4, 1024, 8080, dmac=BMAC, smac=MAC), None),
        (tcp(CLI6, VIP6, 42000, 80, 'S'),
         tcp(LOCAL6, BK6, 1024, 8080, 'S', dmac=BMAC, smac=MAC), None),
        (tcp(CLI6_B, VIP6, 42001, 80, 'S', seq=77), rst(VIP6, CLI6_B, 80, 42001, 78), None),
        (udp(CLI6, VIP6, 5000, 53), udp(LOCAL6, BK6, 1024, 8080, dmac=BMAC, smac=MAC), None),
        (udp(CLI6, VIP6, 5001, 53), udp(LOCAL6, BK6, 1025, 8080, dmac=BMAC, smac=MAC), None),
        # acl (ACL below): denied prefixes stop before any limit or backend.
        (tcp('198.18.0.70', VIP4, 43000, 80, 'S'), None, 'acl_denied'),
        (udp('198.18.0.65', VIP4, 43001, 53), None, 'acl_denied'),
        (tcp('2001:db8:0:1:ffff::5', VIP6, 43002, 80, 'S'), None, 'acl_denied'),
    ]
    # An allowed /28 inside the denied /26 (the longer prefix wins) skips
    # tcp4's limit of 3: all 4 SYNs go through.
    for i in range(4):
        fx.append((tcp('198.18.0.81', VIP4, 43010 + i, 80, 'S'),
                   tcp(LOCAL4, BK4, 1028 + i, 8080, 'S', dmac=BMAC, smac=MAC), None))
    return fx


ACL = {'deny': ['198.18.0.64/26', '2001:db8:0:1:ffff::/80'], 'allow': ['198.18.0.80/28']}


def limits():
    cfg = l4_config(acl=ACL)
    for s in cfg['services']:
        if s['name'] in LIMITS:
            s['limits'] = LIMITS[s['name']]

    def counters(st, w):
        # admitted: tcp4 3 + 1, udp4 2, tcp6 1, udp6 1; denied: 2 + 1 + 1 + 1;
        # sources: CLI4 and 198.18.0.3 (tcp4), CLI4 (udp4), CLI6's /64 (tcp6, udp6).
        wt.expect_counters(st, {'workers': {0: {
            'rl_admitted': 8, 'rl_denied': 5, 'rl_rst': 3, 'rl_dry_run': 1, 'sources': 5,
            'acl_allowed': 4, 'ban_dry_run': 1, 'ban_reports': 0}}}, 'limit counters')
        svcs = {x['name']: x for x in w.ctl('services')['services']}
        wt.check(svcs['tcp4'].get('limits') == {'new_conns': {'rate': 3, 'per_s': 1, 'burst': 3},
                                                'action': 'rst', 'dry_run': False,
                                                'ipv6_prefix': 64} and
                 svcs['udp6']['limits']['dry_run'] is True and 'limits' not in svcs['dsr4'],
                 'services limits: %s' % {n: x.get('limits') for n, x in svcs.items()})
        text = w.ctl('services', json_out=False).stdout
        wt.check('limits: 3 new connections per 1 s per source, burst 3, then rst; IPv6 per /64'
                 in text and 'then drop (dry run)' in text, 'weirctl services:\n' + text)
        lines = w.ctl('stats', json_out=False).stdout.split('\n')
        head = [i for i, ln in enumerate(lines) if ln.split()[:3] == ['worker', 'sources',
                                                                     'rl_admitted']]
        wt.check(len(head) == 1 and lines[head[0] + 1].split() == ['0', '5', '8', '5', '3', '1', '0'],
                 'weirctl stats limits table:\n' + '\n'.join(lines))

    run_fixture('limits', fx_limits(), cfg, L4_PORT, after=counters)


def fx_dsr():
    fx = []
    inner4 = IP(src=CLI4, dst=VIP4, ttl=61, id=0x4242) / TCP(sport=42000, dport=443, flags='S',
                                                                seq=1000, window=8192)
    fx.append((raw(Ether(dst=MAC, src=CMAC) / inner4),
               raw(Ether(dst=BMAC, src=MAC) / IP(src=LOCAL4, dst=BK4, ttl=64, id=0, proto=4) /
                   inner4), None))
    inner6 = IPv6(src=CLI6, dst=VIP6, hlim=61) / TCP(sport=42000, dport=443, flags='S',
                                                     seq=1000, window=8192)
    fx.append((raw(Ether(dst=MAC, src=CMAC) / inner6),
               raw(Ether(dst=BMAC, src=MAC) / IPv6(src=LOCAL6, dst=BK6, hlim=64, nh=41) /
                   inner6), None))
    # Later segments of the flow follow the entry, data and all.
    inner4b = IP(src=CLI4, dst=VIP4, ttl=61, id=0x4242) / TCP(sport=42000, dport=443, flags='A',
                                                                 seq=1001, window=8192) / b'hello'
    fx.append((raw(Ether(dst=MAC, src=CMAC) / inner4b),
               raw(Ether(dst=BMAC, src=MAC) / IP(src=LOCAL4, dst=BK4, ttl=64, id=0, proto=4) /
                   inner4b), None))
    # Mid-connection without an entry: DSR still sends it where Maglev says.
    inner4c = IP(src=CLI4, dst=VIP4, ttl=61, id=0x4242) / TCP(sport=42001, dport=443, flags='A',
                                                                 seq=7, window=8192)
    fx.append((raw(Ether(dst=MAC, src=CMAC) / inner4c),
               raw(Ether(dst=BMAC, src=MAC) / IP(src=LOCAL4, dst=BK4, ttl=64, id=0, proto=4) /
                   inner4c), None))
    return fx


def fx_bans():
    """(time, input, expected answer, drop reason), in time order; the
    admission clock is each frame's pcap timestamp (clock rx_timestamp)."""
    fx, lp = [], iter(range(1024, 1100))

    def syn_a(t, sport, why=None):
        fx.append((t, tcp(CLI4, VIP4, sport, 80, 'S'),
                   None if why else tcp(LOCAL4, BK4, next(lp), 8080, 'S', dmac=BMAC, smac=MAC),
                   why))

    def dsr(t, sport, why=None):
        inner = IP(src=CLI_C, dst=VIP4, ttl=61, id=0x4242) / TCP(sport=sport, dport=443,
                                                                   flags='S', seq=1000,
                                                                   window=8192)
        fx.append((t, raw(Ether(dst=MAC, src=CMAC) / inner),
                   None if why else raw(Ether(dst=BMAC, src=MAC) /
                                        IP(src=LOCAL4, dst=BK4, ttl=64, id=0, proto=4) / inner),
                   why))

    def udp_b(t, sport, lport, why=None):
        fx.append((t, udp(CLI_B, VIP4, sport, 53),
                   None if why else udp(LOCAL4, BK4, lport, 8080, dmac=BMAC, smac=MAC), why))

    # A: tcp4 admits 2 per second; 2 refusals in a row earn a ban of 10 s.
    syn_a(0, 41000)
    syn_a(0, 41001)
    syn_a(0, 41002, 'rate_limited')
    syn_a(0, 41003, 'rate_limited')       # second strike: banned until t = 10
    syn_a(0, 41004, 'banned')
    # B: udp4 allows 3 packets per second and 2 open flows per source.
    udp_b(0, 7000, 1024)
    udp_b(0, 7000, 1024)
    udp_b(0, 7001, 1025)
    udp_b(0, 7002, None, 'concurrency_limited')
    udp_b(0, 7000, None, 'packet_limited')  # its bucket is empty
    # C: the global limit counts every service together: 3 new connections.
    fx.append((0, tcp(CLI_C, VIP4, 41100, 80, 'S'),
               tcp(LOCAL4, BK4, next(lp), 8080, 'S', dmac=BMAC, smac=MAC), None))
    dsr(0, 41101)
    dsr(0, 41102)
    dsr(0, 41103, 'rate_limited')
    # Two refusals: B is banned for 10 s, its open flows too.
    udp_b(1.0, 7000, None, 'banned')
    syn_a(5, 41005, 'banned')
    syn_a(10.5, 41006)                     # the ban is over, the bucket full
    syn_a(10.5, 41007)
    syn_a(10.5, 41008, 'rate_limited')
    # A repeat within decay_s, but SYNs prove no source (anyone may forge
    # A's address): first_s again, 10 s, not twice as long.
    syn_a(10.5, 41009, 'rate_limited')
    syn_a(15, 41010, 'banned')
    syn_a(21, 41011)
    udp_b(31, 7000, 1024)                  # B's ban is over, its flow goes on
    # A again, now on udp4: 2 flows, then 2 refusals: banned from udp4 for
    # 10 s, and from udp4 only (UDP proves nothing either): its SYN to tcp4
    # right after goes on.
    for sport, lport, why in ((7100, 1026, None), (7101, 1027, None),
                              (7102, None, 'concurrency_limited'),
                              (7103, None, 'concurrency_limited')):
        fx.append((32, udp(CLI4, VIP4, sport, 53),
                   None if why else udp(LOCAL4, BK4, lport, 8080, dmac=BMAC, smac=MAC), why))
    syn_a(32, 41012)
    return fx


CLI_B, CLI_C = '198.18.0.3', '198.18.0.4'
BAN_LIMITS = {
    'tcp4': {'new_conns': {'rate': 2, 'per_s': 1, 'burst': 2},
             'ban': {'after': 2, 'first_s': 10, 'factor': 2, 'decay_s': 100, 'max_s': 1000}},
    'udp4': {'packets': {'rate': 3, 'per_s': 1, 'burst': 3}, 'concurrent': 2,
             'ban': {'after': 2, 'first_s': 10}},
}


def bans():
    """Bans earned and expired in fixture time, escalation, packet and
    open-connection limits, the global limit; then weirctl's ban/unban/bans
    and block/allow/unblock/acl, and their errors."""
    cfg = l4_config(clock='rx_timestamp', acl={'deny': ['198.18.0.64/26']},
                    limits={'new_conns': {'rate': 3, 'per_s': 1, 'burst': 3}})
    for s in cfg['services']:
        if s['name'] in BAN_LIMITS:
            s['limits'] = BAN_LIMITS[s['name']]
    fx = fx_bans()

    def after(st, w):
        # admitted: A 6 + 2, B 2, C 3; denied: A 4 + 2, B 2, C 1; sources:
        # A (tcp4, udp4), B (udp4), C (tcp4), and A, B, C in the global rule.
        wt.expect_counters(st, {'workers': {0: {
            'rl_admitted': 13, 'rl_denied': 9, 'ban_reports': 4, 'ban_reports_lost': 0,
            'rl_dry_run': 0, 'sources': 7}}}, 'ban counters')
        # Refusals charged per source (limits and bans), merged by control.
        top = [(e['source'], e['refused'], e['error'], e['banned']) for e in w.ctl('top', '5')['top']]
        wt.check(top == [(CLI4 + '/32', 9, 0, True), (CLI_B + '/32', 3, 0, False),
                         (CLI_C + '/32', 1, 0, False)], 'top: %s' % top)
        text = w.ctl('top', '1', json_out=False).stdout.split('\n')
        wt.check(text[1].split() == [CLI4 + '/32', '9', '0', 'yes'], 'weirctl top 1:\n%s' % text)
        # Control's list (its clock is the last frame's, 32 s): B's ban and
        # A's tcp4 bans are over; A's udp4 ban is udp4's alone, unproven.
        want = [(CLI4 + '/32', 'udp4', 10, 10, 1, 'udp4', False)]
        deadline = time.time() + 5  # control drains the workers' reports every 100 ms
        while True:
            bl = [(b['source'], b['scope'], b['remaining_s'], b['duration_s'], b['times'],
                   b['by'], b['proven']) for b in w.ctl('bans')['bans']]
            if bl == want or time.time() > deadline:
                break
            time.sleep(0.05)
        wt.check(bl == want, 'bans at 32 s: %s, want %s' % (bl, want))
        w.ctl('unban', CLI4)
        r = w.ctl('ban', '198.18.0.99', '60')
        wt.check(r['source'] == '198.18.0.99/32' and r['remaining_s'] == 60, 'ban: %s' % r)
        w.ctl('ban', '2001:db8:7:7::1')
        text = w.ctl('bans', json_out=False).stdout
        wt.check('198.18.0.99/32' in text and '2001:db8:7:7::/64' in text and 'weirctl' in text,
                 'weirctl bans:\n' + text)
        w.ctl('unban', '198.18.0.99')
        left = [b['source'] for b in w.ctl('bans')['bans']]
        wt.check(left == ['2001:db8:7:7::/64'], 'bans after unban: %s' % left)
        for args, msg in ((('unban', '198.18.0.99'), "'198.18.0.99' is not banned"),
                          (('ban', '198.18.0.0/24'), 'IPv4 bans are per address'),
                          (('ban', 'nowhere'), "'nowhere': expected an address or ADDRESS/PREFIX"),
                          (('block', '198.18.0.1/24'), "'198.18.0.1/24': host bits set beyond /24"),
                          (('block', '198.18.0.1'), 'expected a prefix'),
                          (('unblock', '198.18.9.0/24'), 'is in neither list')):
            r = w.ctl(*args, json_out=False, check=False)
            wt.check(r.returncode == 1 and msg in r.stderr,
                     'weirctl %s: rc %d, %s' % (' '.join(args), r.returncode, r.stderr))
        w.ctl('block', '198.18.5.0/24')
        w.ctl('allow', '198.18.0.64/28')
        rules = {(x['prefix'], x['action'], x['origin']) for x in w.ctl('acl')['rules']}
        wt.check(rules == {('198.18.0.64/26', 'deny', 'config'),
                           ('198.18.5.0/24', 'deny', 'weirctl'),
                           ('198.18.0.64/28', 'allow', 'weirctl')}, 'acl: %s' % rules)
        w.ctl('unblock', '198.18.0.64/26')
        rules = {x['prefix'] for x in w.ctl('acl')['rules']}
        wt.check(rules == {'198.18.5.0/24', '198.18.0.64/28'}, 'acl after unblock: %s' % rules)
        text = w.ctl('services', json_out=False).stdout
        wt.check('ban after 2 refusals: 10 s, x2 per repeat within 100 s, at most 1000 s' in text
                 and '3 packets per 1 s per source, burst 3; 2 open connections per source'
                 in text and 'global limits (every service together): 3 new connections' in text,
                 'weirctl services:\n' + text)

    run_fixture('bans', [(f, e, why) for _, f, e, why in fx], cfg, L4_PORT, after=after,
                times=[t for t, _, _, _ in fx])


def wait_bans(w, want):
    """Until weirctl bans lists exactly want: {(source, scope, proven)}."""
    deadline = time.time() + 5  # control takes the workers' reports every 100 ms
    while True:
        got = {(b['source'], b['scope'], b['proven']) for b in w.ctl('bans')['bans']}
        if got == want or time.time() > deadline:
            break
        time.sleep(0.05)
    wt.check(got == want, 'bans: %s, want %s' % (sorted(got), sorted(want)))


def ban_scope():
    """Spoofable traffic cannot get a client banned beyond the service it
    flooded: a flood of UDP or SYNs with a victim's address, or packets of
    a half-open connection (a blind ACK), earn bans of that service only;
    the packets of a connection whose handshake the client completed earn
    a ban from every service. Checked on the published bans, across
    services, in a second phase."""
    victim, syns, blind, proven = '198.18.0.7', '198.18.0.6', '198.18.0.8', '198.18.0.5'
    cfg = l4_config()
    for svc in cfg['services']:
        if svc['name'] == 'udp4':
            svc['limits'] = {'new_conns': {'rate': 1, 'per_s': 60, 'burst': 1},
                             'ban': {'after': 1, 'first_s': 60}}
        if svc['name'] == 'tcp4':
            svc['limits'] = {'packets': {'rate': 3, 'per_s': 60, 'burst': 3},
                             'ban': {'after': 1, 'first_s': 60}}
    lp, up = iter(range(1024, 1100)), iter(range(1024, 1100))

    def fwd_udp(src, sport):
        return (udp(src, VIP4, sport, 53), udp(LOCAL4, BK4, next(up), 8080, dmac=BMAC, smac=MAC),
                None)

    def handshake(src, sport, ack):
        lport = next(lp)
        return [
            (tcp(src, VIP4, sport, 80, 'S'),
             tcp(LOCAL4, BK4, lport, 8080, 'S', dmac=BMAC, smac=MAC), None),
            (tcp(BK4, LOCAL4, 8080, lport, 'SA', smac=BMAC, seq=5000, ack=1001),
             tcp(VIP4, src, 80, sport, 'SA', dmac=CMAC, smac=MAC, seq=5000, ack=1001), None),
            (tcp(src, VIP4, sport, 80, 'A', seq=1001, ack=ack),
             tcp(LOCAL4, BK4, lport, 8080, 'A', dmac=BMAC, smac=MAC, seq=1001, ack=ack), None),
            (tcp(src, VIP4, sport, 80, 'PA', seq=1001, ack=ack, data=b'x'),
             tcp(LOCAL4, BK4, lport, 8080, 'PA', dmac=BMAC, smac=MAC, seq=1001, ack=ack,
                 data=b'x'), None),
            # The fourth packet: over tcp4's packet limit, a strike: banned.
            (tcp(src, VIP4, sport, 80, 'PA', seq=1002, ack=ack, data=b'y'), None,
             'packet_limited'),
        ]

    flood = [
        # UDP with the victim's address: over udp4's limit, banned from udp4.
        fwd_udp(victim, 7000),
        (udp(victim, VIP4, 7001, 53), None, 'rate_limited'),
        (udp(victim, VIP4, 7002, 53), None, 'banned'),
    ]
    # SYNs with another address: each takes a packet token; the fourth
    # is over tcp4's limit.
    for sport in range(41000, 41003):
        flood.append((tcp(syns, VIP4, sport, 80, 'S'),
                      tcp(LOCAL4, BK4, next(lp), 8080, 'S', dmac=BMAC, smac=MAC), None))
    flood.append((tcp(syns, VIP4, 41003, 80, 'S'), None, 'packet_limited'))
    flood += handshake(blind, 42000, 5002)   # a blind ACK: half-open
    flood += handshake(proven, 43000, 5001)  # the SYN-ACK acknowledged

    def published(w):
        wait_bans(w, {(victim + '/32', 'udp4', False), (syns + '/32', 'tcp4', False),
                      (blind + '/32', 'tcp4', False), (proven + '/32', 'all', True)})
        # The blind ACK and the data segment after it, both without the number.
        wt.expect_counters(w.ctl('stats'), {'workers': {0: {'blind_acks': 2}}}, 'blind ACKs')

    after = [
        # The victim still reaches tcp4, the flooders of tcp4 reach udp4;
        # the proven source is out of udp4 too.
        (tcp(victim, VIP4, 44000, 80, 'S'),
         tcp(LOCAL4, BK4, next(lp), 8080, 'S', dmac=BMAC, smac=MAC), None),
        (udp(victim, VIP4, 7003, 53), None, 'banned'),
        fwd_udp(syns, 7100),
        fwd_udp(blind, 7200),
        (udp(proven, VIP4, 7300, 53), None, 'banned'),
        (tcp(syns, VIP4, 41004, 80, 'S'), None, 'banned'),
    ]
    run_live('ban-scope', [(flood, published), (after, None)], cfg, L4_PORT)


EVIL, BMAC2 = '02:00:00:00:00:e1', '02:00:00:00:00:b2'


def neigh_arp(op, hwsrc, psrc=BK4, pdst=LOCAL4, hwdst=MAC, esrc=None):
    edst = 'ff:ff:ff:ff:ff:ff' if op == 1 else hwdst
    return raw(Ether(dst=edst, src=esrc or hwsrc) /
               ARP(op=op, hwsrc=hwsrc, psrc=psrc, hwdst=hwdst if op == 2 else '00:00:00:00:00:00',
                   pdst=pdst))


def neigh_na(lladdr, solicited=1, hlim=255, esrc=None, dst=LOCAL6):
    return raw(Ether(dst=MAC, src=esrc or lladdr) / IPv6(src=BK6, dst=dst, hlim=hlim) /
               ICMPv6ND_NA(R=0, S=solicited, O=1, tgt=BK6) / ICMPv6NDOptDstLLAddr(lladdr=lladdr))


def neigh_ns(lladdr, target=LOCAL6):
    dst = socket.inet_ntop(socket.AF_INET6, in6_getnsma(inet_pton(socket.AF_INET6, target)))
    return raw(Ether(dst=in6_getnsmac(inet_pton(socket.AF_INET6, dst)), src=lladdr) /
               IPv6(src=BK6, dst=dst, hlim=255) / ICMPv6ND_NS(tgt=target) /
               ICMPv6NDOptSrcLLAddr(lladdr=lladdr))


def neigh():
    """Backends' MACs come only from answers to weir's own requests and
    from requests for weir's addresses, never a group or zero MAC; a
    resolved backend's new MAC is used only once a fresh request confirms
    it (the MAC in use answering outvotes it). Live on a tap: weir asks
    for BK4 and BK6 itself (no static neighbours); the test answers as the
    backends and as a neighbour lying in their name."""
    cfg = l4_config(
        pools=[{'name': 'web4', 'backends': [{'address': BK4, 'port': 8080}]},
               {'name': 'web6', 'backends': [{'address': BK6, 'port': 8080}]}],
        services=[{'name': 'udp4', 'vip': VIP4, 'port': 53, 'protocol': 'udp', 'pool': 'web4',
                   'local_ips': [LOCAL4]},
                  {'name': 'udp6', 'vip': VIP6, 'port': 53, 'protocol': 'udp', 'pool': 'web6',
                   'local_ips': [LOCAL6]}])
    tap, ns_name = 'wdp%d' % os.getpid(), 'weir-dp-%d' % os.getpid()

    def is_ask(f, ip):
        e = Ether(f)
        if ARP in e:
            return e[ARP].op == 1 and e[ARP].pdst == ip and e.src == MAC
        return ICMPv6ND_NS in e and e[ICMPv6ND_NS].tgt == ip and e.src == MAC

    def wait_ask(peer, ip, timeout=8):
        """Wait for weir's next request for ip (frames before it are discarded)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for f in peer.recv(quiet=0.02, limit=1):
                if is_ask(f, ip):
                    return
        wt.fail('weir did not ask for %s within %d s' % (ip, timeout))

    def macs(w):
        return {b['address']: b['mac'] for s in w.ctl('services')['services']
                for b in s['backends']}

    base = {}

    def counters(w):
        """Since the peer took the tap (the kernel may have sent a duplicate
        address detection NS before: ignored, not ours to count)."""
        st, sv = w.ctl('stats'), w.ctl('services')
        now = dict(sv['neighbors'], ignored=st['workers'][0]['neigh_ignored'])
        return {k: v - base.get(k, 0) for k, v in now.items()}

    def expect(w, want, what):
        """Wait (bounded) until the counters reach want: workers and control
        run on their own; then every other neighbour counter is checked too."""
        deadline = time.time() + 5
        while True:
            got = counters(w)
            if all(got[k] == v for k, v in want.items()) or time.time() > deadline:
                break
            time.sleep(0.05)
        wt.check(got == want, '%s: neighbour counters %s, want %s' % (what, got, want))

    def forwarded(peer, cli_port, bmac):
        """A client datagram on flow cli_port leaves for the backend at bmac."""
        peer.recv(quiet=0.05)
        peer.send([udp(CLI4, VIP4, cli_port, 53)])
        got = [Ether(f) for f in peer.recv(quiet=0.3) if Ether(f).type == 0x0800]
        wt.check(len(got) == 1 and UDP in got[0] and got[0][IP].dst == BK4 and
                 got[0].dst == bmac, 'flow %d: forwarded %s, want one datagram to %s at %s' %
                 (cli_port, [g.summary() + ' to ' + g.dst for g in got], BK4, bmac))

    want = {'requests_lost': 0, 'unsolicited': 0, 'changes': 0, 'changes_refused': 0,
            'ignored': 0}
    with wt.Weir('dp-neigh') as w:
        c = config('net_tap0,iface=' + tap)
        c.update(cfg)
        w.configure(c)
        w.start()
        with wt.TapPeer(tap, ns_name) as peer:
            peer.recv(quiet=0.3)  # whatever the tap said before it went quiet
            base.update(counters(w))
            # 1. Unresolved: what must teach nothing, sent right after weir
            # asked (an answer would be taken).
            wait_ask(peer, BK4)
            hostile = [
                neigh_arp(1, EVIL, pdst='198.18.0.77'),      # a request for another address
                neigh_arp(2, 'ff:ff:ff:ff:ff:ff', esrc=EVIL),  # broadcast sender MAC
                neigh_arp(2, '01:00:5e:00:00:01', esrc=EVIL),  # multicast
                neigh_arp(2, '00:00:00:00:00:00', esrc=EVIL),  # zero
                neigh_arp(2, EVIL, pdst=CLI4, hwdst=CMAC),     # a reply to somebody else
                neigh_arp(2, EVIL, hwdst=CMAC),                # to weir's address, not its MAC
            ]
            peer.send(hostile)
            want['ignored'] += len(hostile)
            wait_ask(peer, BK6)
            hostile = [
                neigh_na(EVIL, solicited=0),                   # unsolicited, override set
                neigh_na('ff:ff:ff:ff:ff:ff', esrc=EVIL),      # broadcast
                neigh_na('33:33:00:00:00:01', esrc=EVIL),      # multicast
                neigh_na(EVIL, hlim=64),                       # not on the link
                neigh_na(EVIL, dst=CLI6),                      # to somebody else
                neigh_ns(EVIL, target='2001:db8:0:1::77'),     # a request for another address
            ]
            peer.send(hostile)
            want['ignored'] += len(hostile)
            expect(w, want, 'hostile frames while unresolved')
            wt.check(macs(w) == {BK4: None, BK6: None}, 'learned from hostile frames: %s' %
                     macs(w))

            # 2. The backends answer weir's requests.
            wait_ask(peer, BK4)
            peer.send([neigh_arp(2, BMAC)])
            wait_ask(peer, BK6)
            peer.send([neigh_na(BMAC)])
            deadline = time.time() + 5
            while macs(w) != {BK4: BMAC, BK6: BMAC} and time.time() < deadline:
                time.sleep(0.05)
            wt.check(macs(w) == {BK4: BMAC, BK6: BMAC}, 'resolved: %s' % macs(w))
            forwarded(peer, 6000, BMAC)

            # 3. Resolved, no request out: answers are unsolicited, and
            # requests for other addresses and unsolicited NAs teach nothing.
            time.sleep(0.7)
            peer.send([neigh_arp(2, EVIL), neigh_na(EVIL), neigh_arp(1, EVIL, pdst='198.18.0.77'),
                       neigh_na(EVIL, solicited=0)])
            want['unsolicited'] += 2
            want['ignored'] += 2
            expect(w, want, 'unsolicited answers')
            forwarded(peer, 6000, BMAC)

            # 4. A request for weir's address names a new MAC: a candidate
            # only. weir asks afresh; the backend at BMAC answers, so does
            # the liar: the MAC in use stays.
            for ip, lie, answer in ((BK4, neigh_arp(1, EVIL), [neigh_arp(2, BMAC),
                                                                neigh_arp(2, EVIL)]),
                                    (BK6, neigh_ns(EVIL), [neigh_na(BMAC), neigh_na(EVIL)])):
                peer.send([lie])
                wait_ask(peer, ip)
                if ip == BK4:
                    forwarded(peer, 6000, BMAC)  # not used before it is confirmed
                    wait_ask(peer, ip)
                peer.send(answer)
                want['changes_refused'] += 1
                expect(w, want, 'a lie about %s outvoted' % ip)
            wt.check(macs(w) == {BK4: BMAC, BK6: BMAC}, 'after lies: %s' % macs(w))

            # 5. The backends move to BMAC2 (a new NIC): they ask for weir's
            # address, and only the new MAC answers weir's fresh request.
            for ip, req, answer in ((BK4, neigh_arp(1, BMAC2), neigh_arp(2, BMAC2)),
                                    (BK6, neigh_ns(BMAC2), neigh_na(BMAC2))):
                peer.send([req])
                wait_ask(peer, ip)
                peer.send([answer])
                want['changes'] += 1
                expect(w, want, '%s moved' % ip)
            wt.check(macs(w) == {BK4: BMAC2, BK6: BMAC2}, 'after the move: %s' % macs(w))
            forwarded(peer, 6000, BMAC2)  # the established flow follows
        w.stop()
    print('ok: neighbours %s' % want)


BK4B, BMACB = '198.18.0.12', '02:00:00:00:00:b3'
PROBE0 = 65024  # WEIR_PROBE_PORT_MIN: probe k speaks from PROBE0 + k


class Backends:
    """The backends behind the tap, as the test plays them: for each
    (address, port), how to answer what weir sends there. 'tcp': SYN-ACK
    to a SYN; 'rst': RST to a SYN (refused); 'silent': nothing; a list of
    byte strings: SYN-ACK, then those segments as the response once the
    request came, then FIN. serve() answers for a while and keeps every
    frame weir sent."""

    def __init__(self, peer):
        self.peer, self.policy, self.seen, self.srv_isn = peer, {}, [], 7000
        self.arp = {}  # address -> MAC: weir's ARP requests answered

    def answer(self, e):
        if ARP in e and e[ARP].op == 1 and e[ARP].pdst in self.arp:
            mac = self.arp[e[ARP].pdst]
            return [raw(Ether(dst=e.src, src=mac) /
                        ARP(op=2, hwsrc=mac, psrc=e[ARP].pdst, hwdst=e[ARP].hwsrc,
                            pdst=e[ARP].psrc))]
        if (IP not in e and IPv6 not in e) or TCP not in e:
            return []
        ip, t = e[IP] if IP in e else e[IPv6], e[TCP]
        how = self.policy.get((ip.dst, t.dport), 'silent')
        mac = {BK4: BMAC, BK4B: BMACB}.get(ip.dst, BMAC)

        def seg(flags, seq, ack, data=b''):
            return raw(Ether(dst=MAC, src=mac) / ip_of(ip.dst, ip.src) /
                       TCP(sport=t.dport, dport=t.sport, flags=flags, seq=seq, ack=ack,
                           window=65535) / data)
        if t.flags == 'S':
            if how == 'rst':
                return [seg('RA', 0, t.seq + 1)]
            if how == 'silent':
                return []
            return [seg('SA', self.srv_isn, t.seq + 1)]
        if isinstance(how, list) and len(t.payload) > 0:
            out, seq = [], self.srv_isn + 1
            ack = t.seq + len(t.payload)
            for d in how:
                out.append(seg('PA', seq, ack, d))
                seq += len(d)
            out.append(seg('FA', seq, ack))
            return out
        return []

    def serve(self, seconds, until=None):
        """Answer for up to seconds, or until until() holds (checked after
        each frame and every 50 ms)."""
        end, look = time.time() + seconds, 0
        while time.time() < end:
            # One frame at a time: each answered at once, as a backend would.
            for f in self.peer.recv(quiet=0.01, limit=1):
                e = Ether(f)
                self.seen.append(e)
                self.peer.send(self.answer(e))
            if until is not None and time.time() >= look:
                if until():
                    return True
                look = time.time() + 0.05
        return until is None


def health():
    """Active checks and passive ejection, live on a tap with two workers
    (probe ports 65024, 65026 belong to worker 0, 65025 to worker 1: their
    answers, arriving on either queue, are steered to the prober). Pool
    web: TCP checks every 200 ms (timeout 180, rise 2, fall 3) of
    198.18.0.10 and .12:8080, ejection after 3 failed handshakes; pool api:
    an HTTP check of 198.18.0.10:8081 (GET /healthz, 2xx, rise 1, fall 1);
    pool web6: a TCP check over IPv6 (probe port 65027, worker 1)."""
    cfg = l4_config(
        pools=[{'name': 'web', 'backends': [{'address': BK4, 'port': 8080},
                                             {'address': BK4B, 'port': 8080}],
                'health': {'interval_ms': 200, 'timeout_ms': 180},
                'outlier': {'consecutive_failures': 3, 'base_ejection_ms': 60000}},
               {'name': 'api', 'backends': [{'address': BK4, 'port': 8081}],
                'health': {'type': 'http', 'interval_ms': 200, 'timeout_ms': 180, 'rise': 1,
                           'fall': 1, 'http': {'path': '/healthz',
                                               'expect_status': ['200-299']}}},
               {'name': 'web6', 'backends': [{'address': BK6, 'port': 8080}],
                'health': {'interval_ms': 200, 'timeout_ms': 180}}],
        services=[{'name': 'web', 'vip': VIP4, 'port': 80, 'protocol': 'tcp', 'pool': 'web',
                   'local_ips': [LOCAL4], 'no_backend': 'rst', 'synproxy': False},
                  {'name': 'api', 'vip': VIP4, 'port': 81, 'protocol': 'tcp', 'pool': 'api',
                   'local_ips': [LOCAL4]},
                  {'name': 'web6', 'vip': VIP6, 'port': 80, 'protocol': 'tcp', 'pool': 'web6',
                   'local_ips': [LOCAL6]}])
    cfg['workers'] = [1, 2]
    # Idle workers sleep 0.5 ms: the scapy backends share the two CPUs.
    cfg['idle_sleep_us'] = 500
    port = {'neighbors': [{'address': BK4, 'mac': BMAC}, {'address': BK4B, 'mac': BMACB},
                          {'address': BK6, 'mac': BMAC}]}
    tap, ns_name = 'wdp%d' % os.getpid(), 'weir-dp-%d' % os.getpid()
    request = (b'GET /healthz HTTP/1.1\r\nHost: 198.18.0.10:8081\r\n'
               b'User-Agent: weir-health\r\nConnection: close\r\n\r\n')

    def backends(w, svc):
        return {(b['address'], b['port']): b for s in w.ctl('services')['services']
                if s['name'] == svc for b in s['backends']}

    def health_of(w, svc, addr, port):
        return backends(w, svc)[(addr, port)]['health']

    def probes(seen, dst, dport, sport, flags):
        return [e for e in seen if TCP in e and (e[IP] if IP in e else e[IPv6]).dst == dst and
                e[TCP].dport == dport and e[TCP].sport == sport and e[TCP].flags == flags]

    with wt.Weir('dp-health', lcores='0@0,1@0,2@1') as w:
        c = config('net_tap0,iface=' + tap)
        c.update(cfg)
        c['ports'][0].update(port)
        w.configure(c)
        w.start()
        with wt.TapPeer(tap, ns_name) as peer:
            bk = Backends(peer)
            bk.policy = {(BK4, 8080): 'tcp', (BK4B, 8080): 'tcp', (BK6, 8080): 'tcp',
                         (BK4, 8081): [b'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']}
            bk.serve(1.0)
            # 1. The TCP probe on the wire: a SYN from the local address's
            # probe port with an MSS option, answered by the SYN-ACK, then
            # an RST with the next sequence number.
            syns = probes(bk.seen, BK4, 8080, PROBE0, 'S')
            wt.check(len(syns) >= 3, 'probes of %s:8080 in 1 s: %d' % (BK4, len(syns)))
            s0 = syns[0]
            wt.check(s0.src == MAC and s0.dst == BMAC and s0[IP].src == LOCAL4 and
                     s0[TCP].options == [('MSS', 1460)] and s0[TCP].window == 1024,
                     'probe SYN: %s %s' % (s0.summary(), s0[TCP].options))
            verify_checksums(raw(s0))
            rsts = probes(bk.seen, BK4, 8080, PROBE0, 'R')
            wt.check(any(r[TCP].seq == s0[TCP].seq + 1 for r in rsts),
                     'no RST with seq ISN+1 after the SYN-ACK: %s' % [r.summary() for r in rsts])
            wt.check(probes(bk.seen, BK4B, 8080, PROBE0 + 1, 'S'), 'no probe of %s' % BK4B)
            # Over IPv6: the same, from the IPv6 local address.
            s6 = probes(bk.seen, BK6, 8080, PROBE0 + 3, 'S')
            wt.check(s6 and s6[0][IPv6].src == LOCAL6 and s6[0][TCP].options == [('MSS', 1440)]
                     and any(r[TCP].seq == s6[0][TCP].seq + 1
                             for r in probes(bk.seen, BK6, 8080, PROBE0 + 3, 'R')),
                     'IPv6 probe: %s' % [e.summary() for e in s6[:2]])
            verify_checksums(raw(s6[0]))
            wt.check(health_of(w, 'web6', BK6, 8080)['probe']['last'] == 'ok', 'web6 probe')
            # 2. The HTTP probe: the request's bytes, then ACK and RST.
            req = [e for e in bk.seen if IP in e and TCP in e and e[TCP].dport == 8081 and
                   len(e[TCP].payload) > 0]
            wt.check(req and raw(req[0][TCP].payload) == request and
                     req[0][TCP].sport == PROBE0 + 2 and req[0][TCP].flags == 'PA',
                     'HTTP probe request: %r' % (raw(req[0][TCP].payload) if req else None))
            # Each worker took its own probes' answers (stray: answers to a
            # retransmitted SYN after the probe was done).
            st = w.ctl('stats')
            for i in (0, 1):
                wt.check(st['workers'][i]['probe_replies'] > 0 and
                         st['workers'][i]['probes_started'] > 0,
                         'worker %d: probes %d, replies %d' %
                         (i, st['workers'][i]['probes_started'],
                          st['workers'][i]['probe_replies']))
            # Probes go on while the checks above ran unanswered: answer
            # again until a probe of BK4B succeeds (or 2 s).
            bk.serve(2.0, until=lambda: health_of(w, 'web', BK4B, 8080)['probe']['last'] == 'ok')
            h = health_of(w, 'web', BK4B, 8080)
            wt.check(h['state'] == 'up' and h['serving'] and h['probe']['ok'] >= 2,
                     'web %s: %s' % (BK4B, h))
            # weirctl backends: the pool's backends with their health (served
            # again first: probes that came during the checks went unanswered).
            bk.serve(3.0, until=lambda: all(b['health']['serving'] and
                                            b['health']['probe']['last'] == 'ok'
                                            for b in w.ctl('backends', 'web')['backends']))
            r = w.ctl('backends', 'web')
            wt.check(r['services'] == ['web'] and r['health']['health']['interval_ms'] == 200 and
                     [(b['address'], b['health']['serving']) for b in r['backends']] ==
                     [(BK4, True), (BK4B, True)], 'backends web: %s' % r)
            # weirctl backend check: a probe now, answered with its verdict
            # (the backend answers while weirctl waits).
            started = w.ctl('stats')['total']['probes_started']
            chk = subprocess.Popen([w.weirctl, '--socket', w.sock, '--json', 'backend', 'check',
                                    'web', '%s:8080' % BK4], stdout=subprocess.PIPE, text=True)
            bk.serve(3, lambda: chk.poll() is not None)
            r = json.loads(chk.communicate(timeout=10)[0])
            wt.check(chk.returncode == 0 and r['ok'] and r['result'] == 'ok' and
                     r['health']['serving'] and
                     w.ctl('stats')['total']['probes_started'] > started,
                     'backend check: exit %d, %s' % (chk.returncode, r))
            r = w.ctl('backend', 'check', 'web', '198.18.0.99:8080', check=False, json_out=False)
            wt.check(r.returncode != 0 and 'has no backend' in r.stderr,
                     'check of an unknown backend: %s' % r.stderr)

            # 3. .12 stops answering: down after 3 missed probes (timeouts),
            # and new connections go to .10 only.
            bk.policy[(BK4B, 8080)] = 'silent'
            t0 = time.time()
            wt.check(bk.serve(5, lambda: not health_of(w, 'web', BK4B, 8080)['serving']),
                     '%s still serving 5 s after it went silent' % BK4B)
            took = time.time() - t0
            wt.check(took < 1.5, 'down after %.2f s (fall 3 x 200 ms + timeout)' % took)
            h = health_of(w, 'web', BK4B, 8080)
            wt.check(h['state'] == 'down' and h['probe']['last'] == 'timeout', 'down: %s' % h)
            mark = len(bk.seen)
            peer.send([tcp(CLI4, VIP4, sp, 80, 'S') for sp in range(30000, 30040)])
            bk.serve(1.0)
            fwd = [e for e in bk.seen[mark:] if IP in e and TCP in e and e[TCP].dport == 8080 and
                   e[TCP].sport < PROBE0 and e[TCP].flags == 'S']
            wt.check(len(fwd) == 40 and all(e[IP].dst == BK4 for e in fwd),
                     'client SYNs with %s down: %s' % (BK4B, [e[IP].dst for e in fwd]))
            # It answers again: up after 2 good probes.
            bk.policy[(BK4B, 8080)] = 'tcp'
            wt.check(bk.serve(5, lambda: health_of(w, 'web', BK4B, 8080)['serving']),
                     '%s not back 5 s after it answered again' % BK4B)

            # 4. HTTP: a 500 fails the check (fall 1); a 200 split inside the
            # status line passes it (rise 1); while down, no backend for api.
            bk.policy[(BK4, 8081)] = [b'HTTP/1.1 500 Internal Server Error\r\n\r\n']
            wt.check(bk.serve(5, lambda: not health_of(w, 'api', BK4, 8081)['serving']),
                     'api backend still serving after a 500')
            h = health_of(w, 'api', BK4, 8081)
            wt.check(h['probe']['last'] == 'bad-status' and h['probe']['status'] == 500,
                     'api after a 500: %s' % h)
            drops = w.ctl('stats')['total']['drops'].get('no_backend', 0)
            peer.send([tcp(CLI4, VIP4, 31000, 81, 'S')])
            bk.serve(0.5)
            wt.check(w.ctl('stats')['total']['drops'].get('no_backend', 0) == drops + 1,
                     'a SYN to api with its only backend down is not dropped as no_backend')
            bk.policy[(BK4, 8081)] = [b'HTTP/1.', b'1 204 No Content\r\n\r\n']
            wt.check(bk.serve(5, lambda: health_of(w, 'api', BK4, 8081)['serving']),
                     'api backend not back after a split 204')

            # 5. Passive: .12 refuses 3 handshakes in a row: ejected (one of
            # two is within the 50 % cap), for 60 s.
            bk.policy[(BK4B, 8080)] = 'rst'
            before = health_of(w, 'web', BK4B, 8080)['ejections']
            peer.send([tcp(CLI4, VIP4, sp, 80, 'S') for sp in range(32000, 32040)])
            wt.check(bk.serve(5, lambda: health_of(w, 'web', BK4B, 8080)['breaker'] == 'open'),
                     'not ejected after refused handshakes: %s' %
                     health_of(w, 'web', BK4B, 8080))
            h = health_of(w, 'web', BK4B, 8080)
            wt.check(h['ejections'] == before + 1 and not h['serving'] and
                     h['ejected_ms_left'] > 50000, 'ejected: %s' % h)
            # 6. .10 goes silent too: down by its probes (the cap does not
            # hold a backend that fails its checks): web has no backend
            # left, and answers SYNs with an RST (no_backend: rst).
            bk.policy[(BK4, 8080)] = 'silent'
            wt.check(bk.serve(5, lambda: not health_of(w, 'web', BK4, 8080)['serving']),
                     '%s still serving after it went silent' % BK4)
            mark = len(bk.seen)
            peer.send([tcp(CLI4, VIP4, 33000, 80, 'S', seq=5000)])
            bk.serve(0.5)
            # (Late answers to step 5's SYNs may still come: this SYN's only.)
            r = [e for e in bk.seen[mark:] if IP in e and TCP in e and e[IP].dst == CLI4 and
                 e[TCP].dport == 33000]
            wt.check(len(r) == 1 and r[0][TCP].flags == 'RA' and r[0][TCP].ack == 5001 and
                     r[0][IP].src == VIP4 and r[0][TCP].sport == 80,
                     'web with no backend: %s' % [e.summary() for e in r])
            st = w.ctl('stats')
            wt.check(st['total']['no_backend_rst'] == 1, 'no_backend_rst %d' %
                     st['total']['no_backend_rst'])
            # .12 down and up, api down and up, .12 ejected, .10 down.
            wt.check(w.ctl('services')['health']['transitions'] >= 6, 'transitions: %s' %
                     w.ctl('services')['health'])

            # 7. A reload that lets api's check take a 500: the workers set
            # their probes up again, and the backend serving 500s is back.
            bk.policy[(BK4, 8081)] = [b'HTTP/1.1 500 Internal Server Error\r\n\r\n']
            wt.check(bk.serve(5, lambda: not health_of(w, 'api', BK4, 8081)['serving']),
                     'api backend still serving after a 500')
            cfg2 = json.loads(json.dumps(w.config))
            cfg2['pools'][1]['health']['http']['expect_status'] = ['200-599']
            path = os.path.join(w.tmp, 'reload.json')
            with open(path, 'w') as f:
                json.dump(cfg2, f)
            res = w.ctl('reload', path)
            wt.check(res['changed'] == ['pools[1] (api): health settings'], 'reload: %s' % res)
            wt.check(bk.serve(5, lambda: health_of(w, 'api', BK4, 8081)['serving']),
                     'api backend not back after a reload accepting 500')

            # 8. A reload adding .13 to web (checked: a new probe, from port
            # 65028, after weir resolved it by ARP) and removing .12 (its
            # probes stop; drained).
            bk4c = '198.18.0.13'
            bk.arp[bk4c] = BMACB
            bk.policy[(bk4c, 8080)] = 'tcp'
            cfg3 = json.loads(json.dumps(cfg2))
            cfg3['pools'][0]['backends'] = [{'address': BK4, 'port': 8080},
                                            {'address': bk4c, 'port': 8080}]
            with open(path, 'w') as f:
                json.dump(cfg3, f)
            res = w.ctl('reload', path)
            wt.check(res['changed'] == ['pools[0] (web): backend 2 added',
                                        'pools[0] (web): backend 1 removed (drained)'],
                     'reload: %s' % res)
            wt.check(bk.serve(5, lambda: (health_of(w, 'web', bk4c, 8080).get('probe') or
                                          {}).get('last') == 'ok'),
                     'no good probe of the added backend: %s' % health_of(w, 'web', bk4c, 8080))
            wt.check(probes(bk.seen, bk4c, 8080, PROBE0 + 4, 'S'), 'no probe from port 65028')
            bk.serve(0.5)
            n12 = len(probes(bk.seen, BK4B, 8080, PROBE0 + 1, 'S'))
            bk.serve(1.0)
            wt.check(len(probes(bk.seen, BK4B, 8080, PROBE0 + 1, 'S')) == n12,
                     'the removed backend is still probed')
            h = backends(w, 'web')[(BK4B, 8080)]
            wt.check(h['removed'] and h['effective_weight'] == 0 and 'probe' not in h['health'],
                     'removed backend: %s' % h)
        w.stop()
    print('ok: probes on the wire, down and up, HTTP status, ejection, no backend')


def health_replay():
    """Probes on a capture's clock (clock "rx_timestamp": the probes run at
    each packet's timestamp, their ISNs are (k + 1) << 24 | exchange << 12,
    so the capture answers them): pools web (a TCP check of
    198.18.0.10:8080, probe 0) and api (an HTTP check of :8081, probe 1),
    every 200 ms, timeout 100 ms, rise 2, fall 2. ARP requests for the VIP
    are the clock's ticks (each answered). The exact SYN, the RST after the
    SYN-ACK, the request's bytes, a retransmission, two timeouts (down),
    two good exchanges with a response split in two (up): frame by frame."""
    req = (b'GET /healthz HTTP/1.1\r\nHost: 198.18.0.10:8081\r\n'
           b'User-Agent: weir-health\r\nConnection: close\r\n\r\n')
    chk = {'interval_ms': 200, 'timeout_ms': 100, 'rise': 2, 'fall': 2}
    cfg = l4_config(
        clock='rx_timestamp',
        pools=[{'name': 'web', 'backends': [{'address': BK4, 'port': 8080}], 'health': chk},
               {'name': 'api', 'backends': [{'address': BK4, 'port': 8081}],
                'health': dict(chk, type='http', http={'path': '/healthz'})}],
        services=[{'name': 'web', 'vip': VIP4, 'port': 80, 'protocol': 'tcp', 'pool': 'web',
                   'local_ips': [LOCAL4]},
                  {'name': 'api', 'vip': VIP4, 'port': 81, 'protocol': 'tcp', 'pool': 'api',
                   'local_ips': [LOCAL4]}])
    isn = [[(k + 1) << 24 | e << 12 for e in range(8)] for k in (0, 1)]
    S = 0x7000  # the backend's ISN

    def back(dport, sport, flags, seq, ack, data=b''):
        return tcp(BK4, LOCAL4, dport, sport, flags, dmac=MAC, smac=BMAC, seq=seq, ack=ack,
                   data=data)

    tick = arp_req(VIP4)
    frames, times, want = [], [], []  # want: per frame, what weir sends, as (k, kind, args)

    def add(t, frame, outs):
        frames.append(frame)
        times.append(t)
        want.append(outs)

    resp = b'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'

    def good(t, e, split=False):
        """Exchange e of both probes answered, from time t: TCP, then HTTP."""
        add(t, back(8080, PROBE0, 'SA', S, isn[0][e] + 1), [(0, 'rst', isn[0][e] + 1)])
        add(t + 0.001, back(8081, PROBE0 + 1, 'SA', S, isn[1][e] + 1), [(1, 'req', e)])
        a = isn[1][e] + 1 + len(req)
        if split:
            add(t + 0.002, back(8081, PROBE0 + 1, 'PA', S + 1, a, resp[:7]), [(1, 'ack', e)])
            add(t + 0.003, back(8081, PROBE0 + 1, 'PA', S + 8, a, resp[7:]),
                [(1, 'ack', e), (1, 'rst', a)])
        else:
            add(t + 0.002, back(8081, PROBE0 + 1, 'PA', S + 1, a, resp),
                [(1, 'ack', e), (1, 'rst', a)])
    syns = lambda e: [(0, 'syn', e), (1, 'syn', e)]  # noqa: E731
    add(0.000, tick, syns(0) + [('arp',)])
    good(0.001, 0)
    add(0.250, tick, syns(1) + [('arp',)])
    add(0.280, tick, syns(1) + [('arp',)])   # retransmitted (rto 25 ms)
    add(0.400, tick, [('arp',)])             # timeouts: failure 1
    add(0.450, tick, syns(2) + [('arp',)])
    add(0.600, tick, [('arp',)])             # failure 2: down
    add(0.650, tick, syns(3) + [('arp',)])
    good(0.651, 3, split=True)               # up 1
    add(0.850, tick, syns(4) + [('arp',)])
    good(0.851, 4)                           # up 2: up
    n_out = sum(len(o) for o in want)

    with wt.Weir('dp-health-replay') as w:
        out = start_pcap(w, frames, cfg, L4_PORT, times)
        st = w.wait_stats(lambda s: s['total']['rx'] == len(frames) and
                          s['total']['tx'] == n_out, '%d frames in, %d out' %
                          (len(frames), n_out))
        wt.expect_counters(st, {'total': {'drops': wt.only({})}}, 'no drop')
        hs = {s['name']: s['backends'][0]['health'] for s in w.ctl('services')['services']}
        for name in ('web', 'api'):
            h = hs[name]
            wt.check(h['state'] == 'up' and h['transitions'] == 2 and h['probe']['ok'] == 3 and
                     h['probe']['failed'] == 2 and h['probe']['last'] == 'ok',
                     '%s: %s' % (name, h))
        w.stop()
        log = w.log()
        for name, port in (('web', 8080), ('api', 8081)):
            down = log.find('pool %s backend %s:%d down' % (name, BK4, port))
            up = log.find('pool %s backend %s:%d up' % (name, BK4, port))
            wt.check(0 <= down < up, '%s: no "down" then "up" line in the log:\n%s' % (name, log))
        got = [Ether(f) for f in wt.read_pcap(out)]
    flat = [o for outs in want for o in outs]
    wt.check(len(got) == len(flat), '%d frames out, want %d' % (len(got), len(flat)))
    for i, (g, o) in enumerate(zip(got, flat)):
        verify_checksums(raw(g))
        if o[0] == 'arp':
            wt.check(raw(g) == arp_rep(VIP4), 'frame %d: %s, want the ARP reply' % (i, g.summary()))
            continue
        k, kind, arg = o
        t = g[TCP] if TCP in g else None
        wt.check(t is not None and g.src == MAC and g.dst == BMAC and g[IP].src == LOCAL4 and
                 g[IP].dst == BK4 and g[IP].ttl == 64 and t.sport == PROBE0 + k and
                 t.dport == 8080 + k, 'frame %d: %s, want probe %d' % (i, g.summary(), k))
        if kind == 'syn':
            ok = (t.flags == 'S' and t.seq == isn[k][arg] and t.ack == 0 and t.window == 1024 and
                  t.options == [('MSS', 1460)] and len(t.payload) == 0)
        elif kind == 'rst':
            ok = t.flags == 'R' and t.seq == arg and len(t.payload) == 0
        elif kind == 'req':
            ok = (t.flags == 'PA' and t.seq == isn[1][arg] + 1 and t.ack == S + 1 and
                  raw(t.payload) == req)
        else:  # the ACK of the response
            ok = t.flags == 'A' and t.seq == isn[1][arg] + 1 + len(req) and len(t.payload) == 0
        wt.check(ok, 'frame %d: %s %s seq %d ack %d, want %s' %
                 (i, g.summary(), t.flags, t.seq, t.ack, o))
    print('ok: %d frames in, %d out, each as expected; down after 2 timeouts, up after 2 answers' %
          (len(frames), len(got)))


def udp_pressure():
    """A UDP flow's lease once the backend has answered: timeouts.udp, or
    timeouts.udp_unreplied while the worker runs short. One flow answered
    first keeps 300 s; 900 flows (fewer than 1/8 of 1,024 entries left)
    answered once the worker knows it runs short get 8 s and expire."""
    cfg = l4_config(conn_table_size=1024)
    cfg['services'][1]['timeouts'] = {'udp': 300, 'udp_unreplied': 8}
    n = 900
    srcs = ['198.19.%d.%d' % (i // 200, 1 + i % 200) for i in range(n)]
    first = [(udp(CLI4, VIP4, 5000, 53), udp(LOCAL4, BK4, 1024, 8080, dmac=BMAC, smac=MAC),
              None),
             (udp(BK4, LOCAL4, 8080, 1024, smac=BMAC, data=b'r'),
              udp(VIP4, CLI4, 53, 5000, dmac=CMAC, smac=MAC, data=b'r'), None)]
    flows = [(udp(c, VIP4, 5000, 53), udp(LOCAL4, BK4, 1025 + i, 8080, dmac=BMAC, smac=MAC),
              None) for i, c in enumerate(srcs)]
    answers = [(udp(BK4, LOCAL4, 8080, 1025 + i, smac=BMAC, data=b'r'),
                udp(VIP4, c, 53, 5000, dmac=CMAC, smac=MAC, data=b'r'), None)
               for i, c in enumerate(srcs)]

    def short(w):
        wt.expect_counters(w.ctl('stats'), {'workers': {0: {'conns': n + 1}}}, 'flows')
        time.sleep(1.2)  # the worker looks at its ports and entries once a second

    def expired(w):
        st = w.wait_stats(lambda s: s['workers'][0]['conn_expired'] == n, '%d expiries' % n,
                          timeout=30)
        wt.expect_counters(st, {'workers': {0: {'conns': 1}}}, 'the flow answered first stays')

    run_live('udp-pressure', [(first, None), (flows, short), (answers, expired)], cfg, L4_PORT)


def top_sampling():
    """weirctl top under a flood: past 4,096 refusals in a second a worker
    adds one refusal in 64 to its summary, weighted 64. One source sends
    6,000 SYNs at once against a limit of 1: 1 forwarded, 5,999 refused;
    4,096 counted one by one, then 29 samples of 64 (1,903 more refusals)."""
    cfg = l4_config(clock='rx_timestamp')
    cfg['services'][0]['limits'] = {'new_conns': {'rate': 1, 'per_s': 60}}
    fx = [(tcp(CLI4, VIP4, 1024, 80, 'S'),
           tcp(LOCAL4, BK4, 1024, 8080, 'S', dmac=BMAC, smac=MAC), None)]
    fx += [(tcp(CLI4, VIP4, 1025 + i, 80, 'S'), None, 'rate_limited') for i in range(5999)]

    def after(st, w):
        wt.expect_counters(st, {'workers': {0: {'rl_denied': 5999, 'top_sampled': 29}}},
                           'top sampling')
        top = [(e['source'], e['refused'], e['error']) for e in w.ctl('top')['top']]
        wt.check(top == [(CLI4 + '/32', 4096 + 29 * 64, 0)], 'top: %s' % top)

    run_fixture('top', fx, cfg, L4_PORT, after=after)


def first_backends(w):
    """{service name: its first backend} from `weirctl services`."""
    return {s['name']: s['backends'][0] for s in w.ctl('services')['services']}


def l4_expiry():
    """Idle timeouts per state: a UDP flow the backend never answered
    (udp_unreplied 1 s), two half-open TCP flows (one with a blind ACK), a
    closing one (established 300 s, then a FIN: 1 s) and two closed ones
    expire; an established one and an answered UDP flow (udp 300 s) stay. A closed connection leaves the backend's active
    count at once; a new SYN on a closed connection's 5-tuple is a new
    connection (its own local port), not the old entry revived."""
    cfg = l4_config()
    cfg['services'][0]['timeouts'] = {'syn': 1, 'established': 300, 'fin': 1, 'closed': 1}
    # UDP: a short lease until the backend answers, then udp.
    cfg['services'][1]['timeouts'] = {'udp': 300, 'udp_unreplied': 1}
    frames = [
        udp(CLI4, VIP4, 7000, 53),
        udp(CLI4, VIP4, 7001, 53),
        udp(BK4, LOCAL4, 8080, 1025, smac=BMAC, data=b'r'),
        tcp(CLI4, VIP4, 40010, 80, 'S'),
        tcp(CLI4, VIP4, 40011, 80, 'S'),
        tcp(BK4, LOCAL4, 8080, 1025, 'SA', smac=BMAC, seq=5000, ack=1001),
        tcp(CLI4, VIP4, 40011, 80, 'A', seq=1001, ack=5001),
        tcp(CLI4, VIP4, 40012, 80, 'S'),
        tcp(BK4, LOCAL4, 8080, 1026, 'SA', smac=BMAC, seq=5000, ack=1001),
        tcp(CLI4, VIP4, 40012, 80, 'A', seq=1001, ack=5001),
        tcp(CLI4, VIP4, 40012, 80, 'FA', seq=1001, ack=5001),
    ]
    # 40013 and 40014 open and close (client FIN, then the backend's) on
    # local ports 1027 and 1028; then 40013 opens again: local port 1029.
    for sport, lport in ((40013, 1027), (40014, 1028)):
        frames += [
            tcp(CLI4, VIP4, sport, 80, 'S'),
            tcp(BK4, LOCAL4, 8080, lport, 'SA', smac=BMAC, seq=5000, ack=1001),
            tcp(CLI4, VIP4, sport, 80, 'A', seq=1001, ack=5001),
            tcp(CLI4, VIP4, sport, 80, 'FA', seq=1001, ack=5001),
            tcp(BK4, LOCAL4, 8080, lport, 'FA', smac=BMAC, seq=5001, ack=1002),
            tcp(CLI4, VIP4, sport, 80, 'A', seq=1002, ack=5002),
        ]
    frames += [
        tcp(CLI4, VIP4, 40013, 80, 'S', seq=9000),
        tcp(BK4, LOCAL4, 8080, 1029, 'SA', smac=BMAC, seq=7000, ack=9001),
        # A blind ACK (not the SYN-ACK's number + 1, as a spoofer must
        # guess it) completes nothing: 40015 stays half-open and expires.
        tcp(CLI4, VIP4, 40015, 80, 'S'),
        tcp(BK4, LOCAL4, 8080, 1030, 'SA', smac=BMAC, seq=5000, ack=1001),
        tcp(CLI4, VIP4, 40015, 80, 'A', seq=1001, ack=5002),
    ]
    with wt.Weir('dp-expiry') as w:
        out = start_pcap(w, frames, cfg, L4_PORT)
        n = len(frames)
        st = w.wait_stats(lambda s: s['total']['rx'] == n and s['total']['tx'] == n,
                          'all %d frames forwarded' % n)
        wt.expect_counters(st, {'workers': {0: {'conns': 8, 'conn_new': 9, 'conn_reused': 1,
                                                'blind_acks': 1}}}, 'connections')
        # 40014 closed: it left tcp4's backend at once.
        wt.expect_counters(first_backends(w), {'tcp4': {'conns_active': 5},
                                               'udp4': {'conns_active': 2}}, 'active')
        st = w.wait_stats(lambda s: s['workers'][0]['conn_expired'] == 6, 'six expiries',
                          timeout=10)
        wt.expect_counters(st, {'workers': {0: {'conns': 2}}},
                           'after expiry (established, answered UDP)')
        bk = first_backends(w)
        wt.expect_counters(bk, {'tcp4': {'conns_active': 1}, 'udp4': {'conns_active': 1}},
                           'active after expiry')
        # 40010's backend never answered: one failed handshake, when it expired.
        wt.expect_counters(bk, {n: {'handshake_failures': 1 if n == 'tcp4' else 0} for n in bk},
                           'handshake failures')
        w.stop()
    print('ok: 6 of 8 connections expired (a blind ACK established nothing, an unanswered UDP '
          'flow had a short lease), the established one and the answered UDP flow stay; a closed '
          '5-tuple reopened as a new connection')


def l4_steering():
    """Two workers, everything arrives on worker 0's queue. Each client's flow
    belongs to hash(client) % 2; its local port p has p % 2 == owner, so the
    backend's reply is steered to the same worker; each worker's output holds
    exactly its own rewritten frames."""
    nw = 2
    clients = ['198.18.0.%d' % i for i in range(40, 56)]
    frames, replies, want = [], [], {0: [], 1: []}
    nxt = {0: 0, 1: 0}
    later = {0: [], 1: []}
    for c in clients:
        o = wt.owner_of(c, nw)
        lport = 1024 + 2 * nxt[o] + o  # worker o's k-th port (docs/architecture.md)
        nxt[o] += 1
        frames.append(udp(c, VIP4, 9000, 53))
        want[o].append(udp(LOCAL4, BK4, lport, 8080, dmac=BMAC, smac=MAC))
        replies.append(udp(BK4, LOCAL4, 8080, lport, smac=BMAC, data=b'r'))
        later[o].append(udp(VIP4, c, 53, 9000, dmac=CMAC, smac=MAC, data=b'r'))
    for o in (0, 1):
        want[o] += later[o]
    frames += replies
    wt.check(want[0] and want[1], 'fixture clients all hash to one worker')
    with wt.Weir('dp-l4steer', lcores='0@0,1@0,2@1') as w:
        t = w.tmp
        files = [os.path.join(t, f) for f in ('in0.pcap', 'in1.pcap', 'out0.pcap', 'out1.pcap')]
        wt.write_pcap(files[0], frames)
        wt.write_pcap(files[1], [])
        cfg = config('net_pcap0,rx_pcap=%s,rx_pcap=%s,tx_pcap=%s,tx_pcap=%s' % tuple(files))
        cfg.update(l4_config())
        cfg['ports'][0].update(L4_PORT)
        cfg['workers'] = [1, 2]
        cfg['idle_sleep_us'] = 50
        w.configure(cfg)
        w.start()
        n = len(frames)
        st = w.wait_stats(lambda s: s['total']['rx'] == n and s['total']['tx'] == n,
                          'all %d frames forwarded' % n)
        n1 = len(want[1])
        wt.expect_counters(st, {'workers': [{'steered_out': n1, 'conns': len(want[0]) // 2},
                                            {'steered_in': n1, 'conns': n1 // 2}]},
                           'l4 steering')
        w.stop()
        for q in (0, 1):
            got = wt.read_pcap(files[2 + q])
            for g in got:
                verify_checksums(g)
            wt.check(got == want[q], 'worker %d output differs (%d got, %d want)' %
                     (q, len(got), len(want[q])))
    print('ok: %d frames, %d via worker 1' % (n, len(want[1])))


# --- synproxy: SYN cookies and the splice --------------------------------------
#
# The cookie is recomputed here from the configured secret (lib/tcp_splice's
# layout, weir_tcp_cookie_make()), with SipHash-2-4 written from its paper.
# Its time counter is wall-clock seconds / 64: the input pcap is written
# before weir starts, so a SYN-ACK may carry the counter t or t + 1 (both
# are accepted below), and a client's ACK made with t is valid at either.

SP_SECRET = '000102030405060708090a0b0c0d0e0f'
SP_MSS4 = [536, 1200, 1300, 1400, 1440, 1452, 1460, 8960]
SP_MSS6 = [1220, 1280, 1340, 1400, 1420, 1432, 1440, 8940]


def siphash24(key, data):
    m64 = (1 << 64) - 1
    k0 = int.from_bytes(key[:8], 'little')
    k1 = int.from_bytes(key[8:16], 'little')
    v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d,
         k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573]

    def rotl(x, b):
        return ((x << b) | (x >> (64 - b))) & m64

    def sipround():
        v[0] = (v[0] + v[1]) & m64
        v[1] = rotl(v[1], 13) ^ v[0]
        v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & m64
        v[3] = rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & m64
        v[3] = rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & m64
        v[1] = rotl(v[1], 17) ^ v[2]
        v[2] = rotl(v[2], 32)

    full = len(data) - len(data) % 8
    for i in range(0, full, 8):
        w = int.from_bytes(data[i:i + 8], 'little')
        v[3] ^= w
        sipround()
        sipround()
        v[0] ^= w
    last = ((len(data) & 0xff) << 56) | int.from_bytes(data[full:], 'little')
    v[3] ^= last
    sipround()
    sipround()
    v[0] ^= last
    v[2] ^= 0xff
    for _ in range(4):
        sipround()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def sp_cookie(src, dst, sport, dport, isn, t, mss, wscale, sack):
    """The ISN of weir's SYN-ACK to a SYN with these options, at counter t."""
    key = bytes.fromhex(SP_SECRET)
    v6 = ':' in src
    fam = 6 if v6 else 4
    tab = SP_MSS6 if v6 else SP_MSS4
    idx = max([i for i, x in enumerate(tab) if mss is not None and mss >= x] or [0])
    ws_code = 15 if wscale is None else min(wscale, 14)
    data = idx | ws_code << 3 | (0x80 if sack else 0)
    base = bytearray(38)
    base[1] = fam
    a, b = socket.inet_pton(socket.AF_INET6 if v6 else socket.AF_INET, src), \
        socket.inet_pton(socket.AF_INET6 if v6 else socket.AF_INET, dst)
    base[2:2 + len(a)] = a
    base[18:18 + len(b)] = b
    base[34:38] = sport.to_bytes(2, 'big') + dport.to_bytes(2, 'big')
    base[0] = 1
    h1 = siphash24(key, bytes(base)) & 0xffffffff
    base[0] = 2
    mac = siphash24(key, bytes(base) + t.to_bytes(4, 'little') + bytes([data])) & 0xffff
    return (h1 + isn + ((t & 0xff) << 24 | mac << 8 | data)) & 0xffffffff, tab[idx]


def sp_out(src, dst, sport, dport, flags, seq, ack, window, options=None, dmac=CMAC):
    """A segment weir makes up: fresh IP header (TTL 64, ID 0), no payload."""
    ipl = IP(src=src, dst=dst, ttl=64, id=0) if ':' not in src else IPv6(src=src, dst=dst,
                                                                         hlim=64)
    return raw(Ether(dst=dmac, src=MAC) / ipl / TCP(sport=sport, dport=dport, flags=flags,
                                                    seq=seq, ack=ack, window=window,
                                                    options=options or []))


def sp_syn_opts(mss, sack, ws):
    """Options in Linux's order, as weir writes them (weir_tcp_opts_build_syn())."""
    o = [('MSS', mss)]
    if sack:
        o += [('NOP', None), ('NOP', None), ('SAckOK', b'')]
    if ws is not None:
        o += [('NOP', None), ('WScale', ws)]
    return o


def sp_synack(cli, vip, sport, dport, isn, t, mss, ws, sack, adv_mss, adv_ws=7):
    """The cookie SYN-ACK weir answers a SYN with, for counters t and t + 1."""
    alts = []
    for tt in (t, t + 1):
        ck, _ = sp_cookie(cli, vip, sport, dport, isn, tt, mss, ws, sack)
        alts.append(sp_out(vip, cli, dport, sport, 'SA', ck, isn + 1, 65535,
                           sp_syn_opts(adv_mss, sack, adv_ws if ws is not None else None)))
    return tuple(alts)


def sp_t():
    return int(time.time()) // 64


def fx_synproxy_flood():
    """200 spoofed SYNs from 200 sources with assorted options: 200 cookie
    SYN-ACKs (MSS 1400 on tcp4: its mss_clamp), no state."""
    t = sp_t()
    variants = [
        ([], None, None, False),
        ([('MSS', 1460)], 1460, None, False),
        ([('MSS', 1460), ('SAckOK', b''), ('WScale', 7)], 1460, 7, True),
        ([('MSS', 1300), ('WScale', 15)], 1300, 15, False),   # a shift over 14 counts as 14
        ([('MSS', 9000), ('SAckOK', b'')], 9000, None, True),
    ]
    fx = []
    for i in range(200):
        src = '198.19.%d.%d' % (1 + i // 100, 1 + i % 100)
        opts, mss, ws, sack = variants[i % len(variants)]
        isn = (i * 2654435761) & 0xffffffff
        fx.append((tcp(src, VIP4, 1024 + i, 80, 'S', seq=isn, options=opts),
                   sp_synack(src, VIP4, 1024 + i, 80, isn, t, mss, ws, sack, 1400), None))
    # A denied prefix (the flood run's acl) gets no cookie: prefixes come first.
    fx.append((tcp('198.18.0.70', VIP4, 2000, 80, 'S'), None, 'acl_denied'))
    return fx


SP_REQ = b'GET / HTTP/1.1\r\nHost: weir\r\n\r\n'
SP_RESP = b'HTTP/1.1 204 No Content\r\n\r\n'


def fx_synproxy_flows():
    """Cookie handshakes that become spliced connections (IPv4 with SACK and
    window scaling on both legs, IPv6 without either), a forged and a stale
    cookie, the syn_rate threshold of another service, and a backend that
    refuses weir's SYN."""
    t = sp_t()
    fx = []
    # IPv4: the client scales by 7 and does SACK; the backend scales by 9.
    c, b = 1000000, 5000000
    k, mss = sp_cookie(CLI4, VIP4, 40000, 80, c, t, 1460, 7, True)
    bk = lambda *a, **kw: tcp(*a, dmac=BMAC, smac=MAC, **kw)  # noqa: E731
    cl = lambda *a, **kw: tcp(*a, dmac=CMAC, smac=MAC, **kw)  # noqa: E731
    fx += [
        (tcp(CLI4, VIP4, 40000, 80, 'S', seq=c, window=64240,
             options=[('MSS', 1460), ('SAckOK', b''), ('WScale', 7)]),
         sp_synack(CLI4, VIP4, 40000, 80, c, t, 1460, 7, True, 1400), None),
        # The ACK with the cookie: weir's SYN to the backend from local port
        # 1024, with the client's ISN, window (in bytes, at most 65535) and
        # options (MSS 1460 from the cookie, clamped to 1400).
        (tcp(CLI4, VIP4, 40000, 80, 'A', seq=c + 1, ack=k + 1, window=502),
         sp_out(LOCAL4, BK4, 1024, 8080, 'S', c, 0, 64256, sp_syn_opts(1400, True, 7),
                dmac=BMAC), None),
        # Data before the backend answered: held (no answer, no drop).
        (tcp(CLI4, VIP4, 40000, 80, 'PA', seq=c + 1, ack=k + 1, window=502, data=SP_REQ),
         None, None),
        # A second early segment (a retransmission, or more data): dropped.
        (tcp(CLI4, VIP4, 40000, 80, 'PA', seq=c + 1, ack=k + 1, window=502, data=SP_REQ),
         None, 'synproxy_pending'),
        # The backend's SYN-ACK: weir completes the backend's handshake, and
        # the held data follows its ACK, translated: ack from the cookie's
        # space to the backend's.
        (tcp(BK4, LOCAL4, 8080, 1024, 'SA', smac=BMAC, seq=b, ack=c + 1, window=65160,
             options=[('MSS', 1460), ('SAckOK', b''), ('WScale', 9)]),
         [sp_out(LOCAL4, BK4, 1024, 8080, 'A', c + 1, b + 1, 502, dmac=BMAC),
          bk(LOCAL4, BK4, 1024, 8080, 'PA', seq=c + 1, ack=b + 1, window=502, data=SP_REQ)],
         None),
        # Client data (its retransmission, here) passes as any spliced segment.
        (tcp(CLI4, VIP4, 40000, 80, 'PA', seq=c + 1, ack=k + 1, window=502, data=SP_REQ),
         bk(LOCAL4, BK4, 1024, 8080, 'PA', seq=c + 1, ack=b + 1, window=502, data=SP_REQ),
         None),
        # Backend data: seq moves to the cookie's space; its window (shift 9)
        # is re-scaled to weir's shift 7 towards the client (x 4); its SACK
        # block names client data, which keeps its numbers.
        (tcp(BK4, LOCAL4, 8080, 1024, 'PA', smac=BMAC, seq=b + 1, ack=c + 1 + len(SP_REQ),
             window=1000, data=SP_RESP,
             options=[('NOP', None), ('NOP', None), ('SAck', (c + 100, c + 200))]),
         cl(VIP4, CLI4, 80, 40000, 'PA', seq=k + 1, ack=c + 1 + len(SP_REQ), window=4000,
            data=SP_RESP, options=[('NOP', None), ('NOP', None), ('SAck', (c + 100, c + 200))]),
         None),
        # The client SACKs backend data: the edges move to the backend's space.
        (tcp(CLI4, VIP4, 40000, 80, 'A', seq=c + 1 + len(SP_REQ), ack=k + 1 + len(SP_RESP),
             window=502, options=[('NOP', None), ('NOP', None),
                                  ('SAck', (k + 1000, k + 2000, k + 3000, k + 4000))]),
         bk(LOCAL4, BK4, 1024, 8080, 'A', seq=c + 1 + len(SP_REQ), ack=b + 1 + len(SP_RESP),
            window=502, options=[('NOP', None), ('NOP', None),
                                 ('SAck', (b + 1000, b + 2000, b + 3000, b + 4000))]), None),
    ]
    # A forged cookie, and a stale one (made 3 counter ticks ago).
    stale, _ = sp_cookie(CLI4, VIP4, 40002, 80, 7000, t - 3, 1460, None, False)
    fx += [
        (tcp(CLI4, VIP4, 40001, 80, 'A', seq=c + 1, ack=k + 1), None, 'syn_cookie_invalid'),
        (tcp(CLI4, VIP4, 40002, 80, 'A', seq=7001, ack=stale + 1), None, 'syn_cookie_invalid'),
    ]
    # IPv6, no options but the MSS on the client's side: no SACK, no scaling.
    c6, b6 = 0xfffffff0, 123  # the client's sequence numbers wrap
    k6, _ = sp_cookie(CLI6, VIP6, 40000, 80, c6, t, 1440, None, False)
    fx += [
        (tcp(CLI6, VIP6, 40000, 80, 'S', seq=c6, options=[('MSS', 1440)]),
         sp_synack(CLI6, VIP6, 40000, 80, c6, t, 1440, None, False, 1440), None),
        (tcp(CLI6, VIP6, 40000, 80, 'A', seq=c6 + 1, ack=k6 + 1),
         sp_out(LOCAL6, BK6, 1024, 8080, 'S', c6, 0, 8192, sp_syn_opts(1440, False, None),
                dmac=BMAC), None),
        # The backend offers SACK and scaling; the client did not ask: neither.
        (tcp(BK6, LOCAL6, 8080, 1024, 'SA', smac=BMAC, seq=b6, ack=c6 + 1,
             options=[('MSS', 1440), ('SAckOK', b''), ('WScale', 7)]),
         sp_out(LOCAL6, BK6, 1024, 8080, 'A', c6 + 1, b6 + 1, 8192, dmac=BMAC), None),
        (tcp(CLI6, VIP6, 40000, 80, 'PA', seq=c6 + 1, ack=k6 + 1, data=SP_REQ),
         bk(LOCAL6, BK6, 1024, 8080, 'PA', seq=c6 + 1, ack=b6 + 1, data=SP_REQ), None),
        (tcp(BK6, LOCAL6, 8080, 1024, 'PA', smac=BMAC, seq=b6 + 1,
             ack=(c6 + 1 + len(SP_REQ)) & 0xffffffff, data=SP_RESP),
         cl(VIP6, CLI6, 80, 40000, 'PA', seq=k6 + 1, ack=(c6 + 1 + len(SP_REQ)) & 0xffffffff,
            data=SP_RESP), None),
    ]
    # rate4 (syn_rate 2): two SYNs in a second pass as usual (local ports 1025
    # and 1026), the third gets a cookie.
    for i in range(3):
        fx.append((tcp(CLI4, VIP4, 41000 + i, 8000, 'S', seq=9000 + i),
                   bk(LOCAL4, BK4, 1025 + i, 8080, 'S', seq=9000 + i) if i < 2 else
                   sp_synack(CLI4, VIP4, 41000 + i, 8000, 9000 + i, t, None, None, False, 1460),
                   None))
    # A backend that refuses weir's SYN (local port 1027): the client, which
    # believes it is connected, gets an RST from the VIP at its own RCV.NXT.
    k3, _ = sp_cookie(CLI4, VIP4, 40003, 80, 3000, t, 1460, None, False)
    fx += [
        (tcp(CLI4, VIP4, 40003, 80, 'A', seq=3001, ack=k3 + 1),
         sp_out(LOCAL4, BK4, 1027, 8080, 'S', 3000, 0, 8192, sp_syn_opts(1400, False, None),
                dmac=BMAC), None),
        (tcp(BK4, LOCAL4, 8080, 1027, 'RA', smac=BMAC, seq=0, ack=3001),
         sp_out(VIP4, CLI4, 80, 40003, 'RA', k3 + 1, 3001, 0), None),
    ]
    # A client that resets its connection while weir holds its data (local
    # port 1028): an RST to the backend at its RCV.NXT (the ISN + 1, no
    # ACK: the backend's ISN is unknown), and the held segment freed.
    k4, _ = sp_cookie(CLI4, VIP4, 40004, 80, 4000, t, 1460, None, False)
    fx += [
        (tcp(CLI4, VIP4, 40004, 80, 'A', seq=4001, ack=k4 + 1),
         sp_out(LOCAL4, BK4, 1028, 8080, 'S', 4000, 0, 8192, sp_syn_opts(1400, False, None),
                dmac=BMAC), None),
        (tcp(CLI4, VIP4, 40004, 80, 'PA', seq=4001, ack=k4 + 1, data=SP_REQ), None, None),
        (tcp(CLI4, VIP4, 40004, 80, 'R', seq=4001 + len(SP_REQ)),
         sp_out(LOCAL4, BK4, 1028, 8080, 'R', 4001, 0, 0, dmac=BMAC), None),
    ]
    # Data held when weir stops (local port 1029): freed at shutdown (the
    # leak check of Weir.stop() counts the pool's mbufs).
    k5, _ = sp_cookie(CLI4, VIP4, 40005, 80, 5000, t, 1460, None, False)
    fx += [
        (tcp(CLI4, VIP4, 40005, 80, 'A', seq=5001, ack=k5 + 1),
         sp_out(LOCAL4, BK4, 1029, 8080, 'S', 5000, 0, 8192, sp_syn_opts(1400, False, None),
                dmac=BMAC), None),
        (tcp(CLI4, VIP4, 40005, 80, 'FPA', seq=5001, ack=k5 + 1, data=SP_REQ), None, None),
    ]
    return fx


def sp_config():
    cfg = l4_config()
    sp = {'syn_rate': 0, 'secret': SP_SECRET}
    for s in cfg['services']:
        if s['name'] in ('tcp4', 'tcp6'):
            s['synproxy'] = dict(sp)
    cfg['services'].append({'name': 'rate4', 'vip': VIP4, 'port': 8000, 'protocol': 'tcp',
                            'pool': 'web4', 'local_ips': [LOCAL4],
                            'synproxy': {'syn_rate': 2, 'secret': SP_SECRET}})
    cfg['services'].append({'name': 'rnd4', 'vip': VIP4, 'port': 8001, 'protocol': 'tcp',
                            'pool': 'web4', 'local_ips': [LOCAL4], 'synproxy': {'wscale': 9}})
    return cfg


def synproxy():
    """Run 1: a spoofed flood leaves no state. Run 2: cookie handshakes become
    spliced connections; forged and stale cookies are dropped."""
    t0 = time.time()

    def flood_counters(st, w):
        # Limits charge proven sources only: the flood takes no source entry.
        wt.expect_counters(st, {'workers': {0: {
            'conns': 0, 'conn_new': 0, 'syn_cookies_sent': 200, 'syn_cookies_ok': 0,
            'syn_cookies_bad': 0, 'conn_capacity': 4096, 'sources': 0, 'rl_admitted': 0}}},
            'after the flood')

    cfg = sp_config()
    cfg['limits'] = {'new_conns': {'rate': 1000}}
    cfg['acl'] = {'deny': ['198.18.0.64/26']}
    run_fixture('synproxy-flood', fx_synproxy_flood(), cfg, L4_PORT, after=flood_counters)

    def flow_counters(st, w):
        # Every connection went through the limits: cookie ones at their ACK.
        # Held: 40000's (sent), 40004's (freed at its RST), 40005's (still).
        wt.expect_counters(st, {'workers': {0: {
            'conns': 7, 'conn_new': 7, 'syn_cookies_sent': 3, 'syn_cookies_ok': 5,
            'syn_cookies_bad': 2, 'rl_admitted': 7, 'syn_early_held': 3, 'syn_early_sent': 1,
            'syn_early_freed': 1, 'syn_early_full': 0, 'syn_early_holding': 1}}},
            'synproxy counters')
        svcs = {x['name']: x for x in w.ctl('services')['services']}
        wt.expect_counters(svcs, {'tcp4': {'backends': {0: {
            'conns_total': 4, 'conns_active': 2, 'handshake_failures': 1}}}}, 'tcp4 backend')
        rate = 'over syn_rate'
        wt.check(svcs['tcp4'].get('synproxy') == {'cookies': rate, 'syn_rate': 0, 'mss': 1400,
                                                  'wscale': 7, 'secret': 'configured'} and
                 svcs['rate4'].get('synproxy') == {'cookies': rate, 'syn_rate': 2, 'mss': 1460,
                                                   'wscale': 7, 'secret': 'configured'} and
                 svcs['rnd4'].get('synproxy') == {'cookies': rate, 'syn_rate': 0, 'mss': 1460,
                                                  'wscale': 9, 'secret': 'random'} and
                 # A TCP FullNAT service without synproxy: cookies under pressure.
                 svcs['drained'].get('synproxy') == {'cookies': 'under pressure', 'mss': 1460,
                                                     'wscale': 7, 'secret': 'random'} and
                 'synproxy' not in svcs['udp4'] and 'synproxy' not in svcs['dsr4'],
                 'services synproxy: %s' % {n: x.get('synproxy') for n, x in svcs.items()})
        text = w.ctl('services', json_out=False).stdout
        wt.check('synproxy: SYN cookies always; MSS 1400, wscale 7, secret configured' in text and
                 'synproxy: SYN cookies above 2 SYN/s per worker, or when local ports or '
                 'connection entries run short; MSS 1460' in text and
                 'synproxy: SYN cookies only when local ports or connection entries run short; '
                 'MSS 1460, wscale 7, secret random' in text and
                 SP_SECRET not in text, 'weirctl services:\n' + text)
        lines = w.ctl('stats', json_out=False).stdout.split('\n')
        head = [i for i, ln in enumerate(lines) if ln.split()[:2] == ['worker',
                                                                     'syn_cookies_sent']]
        wt.check(len(head) == 1 and
                 lines[head[0] + 1].split() == ['0', '3', '0', '5', '2', '3', '1', '1', '0'],
                 'weirctl stats synproxy table:\n' + '\n'.join(lines))

    cfg = sp_config()
    cfg['limits'] = {'new_conns': {'rate': 1000}}
    run_fixture('synproxy', fx_synproxy_flows(), cfg, L4_PORT, after=flow_counters)

    # Run 3: a backend that never answers; the connection expires
    # (timeouts.syn 2: 1-2 s later) with data held: the segment is freed.
    t = sp_t()
    k, _ = sp_cookie(CLI4, VIP4, 40006, 80, 6000, t, 1460, None, False)
    fx = [
        (tcp(CLI4, VIP4, 40006, 80, 'A', seq=6001, ack=k + 1),
         sp_out(LOCAL4, BK4, 1024, 8080, 'S', 6000, 0, 8192, sp_syn_opts(1400, False, None),
                dmac=BMAC), None),
        (tcp(CLI4, VIP4, 40006, 80, 'PA', seq=6001, ack=k + 1, data=SP_REQ), None, None),
    ]

    def expiry_counters(st, w):
        wt.expect_counters(st, {'workers': {0: {
            'syn_early_held': 1, 'syn_early_sent': 0, 'syn_early_freed': 0,
            'syn_early_holding': 1}}}, 'before expiry')
        st = w.wait_stats(lambda s: s['workers'][0]['conn_expired'] == 1, 'the expiry',
                          timeout=10)
        wt.expect_counters(st, {'workers': {0: {
            'syn_early_held': 1, 'syn_early_sent': 0, 'syn_early_freed': 1,
            'syn_early_holding': 0, 'conns': 0}}}, 'after expiry')

    cfg = sp_config()
    cfg['services'][0]['timeouts'] = {'syn': 2}
    wt.check(cfg['services'][0]['name'] == 'tcp4', 'services[0] is %s' % cfg['services'][0])
    run_fixture('synproxy-expiry', fx, cfg, L4_PORT, after=expiry_counters)
    print('ok: synproxy (%.1f s)' % (time.time() - t0))


def synproxy_full():
    """syn_rate far away, conn_table_size 1024: SYNs from 1100 clients take
    entries as usual until fewer than 1/8 of the table is free (897
    entries); the next 203 get cookies instead (pressure), and the cookie
    ACK of one of them opens its connection in the room left."""
    t = sp_t()
    cfg = sp_config()
    cfg['conn_table_size'] = 1024
    for s in cfg['services']:
        if s['name'] == 'tcp4':
            s['synproxy']['syn_rate'] = 100000000
    fx, n_usual = [], 1024 - 1024 // 8 + 1
    for i in range(1100):
        src = '198.19.%d.%d' % (i // 200, 1 + i % 200)
        if i < n_usual:
            out = tcp(LOCAL4, BK4, 1024 + i, 8080, 'S', dmac=BMAC, smac=MAC, seq=i)
        else:
            out = sp_synack(src, VIP4, 50000, 80, i, t, None, None, False, 1400)
        fx.append((tcp(src, VIP4, 50000, 80, 'S', seq=i), out, None))
    # The cookie's ACK: weir's SYN to the backend (no options in the
    # client's SYN: the cookie's smallest MSS, no SACK, no window scale).
    k, mss = sp_cookie('198.19.5.100', VIP4, 50000, 80, 1099, t, None, None, False)
    fx.append((tcp('198.19.5.100', VIP4, 50000, 80, 'A', seq=1100, ack=k + 1),
               sp_out(LOCAL4, BK4, 1024 + n_usual, 8080, 'S', 1099, 0, 8192,
                      sp_syn_opts(mss, False, None), dmac=BMAC), None))

    def counters(st, w):
        wt.expect_counters(st, {'workers': {0: {
            'conns': n_usual + 1, 'conn_new': n_usual + 1, 'conn_capacity': 1024,
            'syn_cookies_sent': 1100 - n_usual, 'syn_cookies_pressure': 1100 - n_usual,
            'syn_cookies_ok': 1, 'syn_cookies_bad': 0}}}, 'table under pressure')

    run_fixture('synproxy-full', fx, cfg, L4_PORT, after=counters)


# --- fast frames for large fixtures -------------------------------------------
#
# scapy takes a fraction of a millisecond per frame: too slow for 100,000.
# These build IPv4/TCP frames with struct; lport_pressure() checks them
# against scapy's on samples before relying on them.

def csum16(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def fast_tcp4(src, dst, sport, dport, flags, seq, ack=0, win=8192, opts=b'', ttl=61,
              ident=0x4242, smac=CMAC, dmac=MAC):
    """What tcp() (or, with ttl=64, ident=0, sp_out()) builds, without payload."""
    s4, d4 = socket.inet_aton(src), socket.inet_aton(dst)
    fl = sum({'F': 1, 'S': 2, 'R': 4, 'P': 8, 'A': 16}[c] for c in flags)
    n = 20 + len(opts)
    th = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, (n // 4) << 4, fl, win, 0, 0) + opts
    th = th[:16] + struct.pack('!H', csum16(s4 + d4 + struct.pack('!BBH', 0, 6, n) + th)) + th[18:]
    ih = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + n, ident, 0, ttl, 6, 0, s4, d4)
    ih = ih[:10] + struct.pack('!H', csum16(ih)) + ih[12:]
    return bytes.fromhex(dmac.replace(':', '')) + bytes.fromhex(smac.replace(':', '')) + \
        b'\x08\x00' + ih + th


def fast_csum_ok(frame):
    """IPv4 header and TCP checksums of a fast_tcp4()-shaped frame."""
    ih, th = frame[14:34], frame[34:]
    return csum16(ih) == 0 and csum16(ih[12:20] + struct.pack('!BBH', 0, 6, len(th)) + th) == 0


def lport_pressure():
    """100,000 spoofed SYNs to a plain FullNAT TCP service (no synproxy
    configured) with one local IP: the first 56,449 take local ports as
    usual, until fewer than 1/8 of the worker's 64,512 are free; every SYN
    after gets a cookie (weir's automatic defence), so ports stay free. A
    legitimate client's handshake in the middle of the flood completes
    through its cookie, and its data goes both ways."""
    t = sp_t()
    n_spoofed, span = 100000, 65536 - 1024
    n_usual = span - span // 8 + 1
    cfg = l4_config(cookie_secret=SP_SECRET, conn_table_size=131072)
    mss_opt = b'\x02\x04\x05\x78'  # MSS 1400: tcp4's mss_clamp

    # The fast builder against scapy, once for each shape used below.
    for mine, theirs in (
            (fast_tcp4('198.19.1.2', VIP4, 1024, 80, 'S', 77),
             tcp('198.19.1.2', VIP4, 1024, 80, 'S', seq=77)),
            (fast_tcp4(LOCAL4, BK4, 1024, 8080, 'S', 77, smac=MAC, dmac=BMAC),
             tcp(LOCAL4, BK4, 1024, 8080, 'S', seq=77, dmac=BMAC, smac=MAC)),
            (fast_tcp4(VIP4, '198.19.1.2', 80, 1024, 'SA', 5, 78, 65535, mss_opt, 64, 0, MAC,
                       CMAC),
             sp_out(VIP4, '198.19.1.2', 80, 1024, 'SA', 5, 78, 65535, [('MSS', 1400)]))):
        wt.check(mine == theirs, 'fast_tcp4:\n %s\n %s' % (mine.hex(), theirs.hex()))

    legit_at = {'syn': 70000, 'ack': 70001, 'synack': 80000, 'data': 80001, 'reply': 80002}
    lc, lb, lport = 1000000, 5000000, 1024 + n_usual
    k, mss = sp_cookie(CLI4, VIP4, 40000, 80, lc, t, 1460, None, False)
    legit = {
        'syn': (tcp(CLI4, VIP4, 40000, 80, 'S', seq=lc, options=[('MSS', 1460)]),
                sp_synack(CLI4, VIP4, 40000, 80, lc, t, 1460, None, False, 1400)),
        'ack': (tcp(CLI4, VIP4, 40000, 80, 'A', seq=lc + 1, ack=k + 1),
                sp_out(LOCAL4, BK4, lport, 8080, 'S', lc, 0, 8192,
                       sp_syn_opts(min(mss, 1400), False, None), dmac=BMAC)),
        'synack': (tcp(BK4, LOCAL4, 8080, lport, 'SA', smac=BMAC, seq=lb, ack=lc + 1,
                       options=[('MSS', 1460)]),
                   sp_out(LOCAL4, BK4, lport, 8080, 'A', lc + 1, lb + 1, 8192, dmac=BMAC)),
        'data': (tcp(CLI4, VIP4, 40000, 80, 'PA', seq=lc + 1, ack=k + 1, data=SP_REQ),
                 tcp(LOCAL4, BK4, lport, 8080, 'PA', seq=lc + 1, ack=lb + 1, data=SP_REQ,
                     dmac=BMAC, smac=MAC)),
        'reply': (tcp(BK4, LOCAL4, 8080, lport, 'PA', smac=BMAC, seq=lb + 1,
                      ack=lc + 1 + len(SP_REQ), data=SP_RESP),
                  tcp(VIP4, CLI4, 80, 40000, 'PA', seq=k + 1, ack=lc + 1 + len(SP_REQ),
                      data=SP_RESP, dmac=CMAC, smac=MAC)),
    }
    frames, want = [], []  # want: bytes, or (src, sport, isn) of a cookie SYN-ACK
    at = {v: n for n, v in legit_at.items()}
    i = 0
    while i < n_spoofed:
        if len(frames) in at:
            f, e = legit[at[len(frames)]]
            frames.append(f)
            want.append(e)
            continue
        src = '198.19.%d.%d' % (i // 256 % 256, i % 256)
        sport, isn = 1024 + i // 65536, (i * 2654435761) & 0xffffffff
        frames.append(fast_tcp4(src, VIP4, sport, 80, 'S', isn))
        if i < n_usual:
            want.append(fast_tcp4(LOCAL4, BK4, 1024 + i, 8080, 'S', isn, smac=MAC, dmac=BMAC))
        else:
            want.append((src, sport, isn))
        i += 1

    def cookie_synack(src, sport, isn, tt):
        ck, _ = sp_cookie(src, VIP4, sport, 80, isn, tt, None, None, False)
        return fast_tcp4(VIP4, src, 80, sport, 'SA', ck, isn + 1, 65535, mss_opt, 64, 0, MAC,
                         CMAC)

    with wt.Weir('dp-lport-pressure') as w:
        out = start_pcap(w, frames, cfg, L4_PORT)
        n = len(frames)
        st = w.wait_stats(lambda s: s['total']['rx'] == n and s['total']['tx'] == n,
                          'all %d frames answered' % n, timeout=120)
        n_cookies = n_spoofed - n_usual + 1
        wt.expect_counters(st, {'total': {'drops': wt.only({})}, 'workers': {0: {
            'conn_new': n_usual + 1, 'syn_cookies_sent': n_cookies,
            'syn_cookies_pressure': n_cookies, 'syn_cookies_ok': 1, 'syn_cookies_bad': 0}}},
            'under pressure')
        w.stop()
        got = wt.read_pcap(out)
    wt.check(len(got) == len(want), 'output pcap has %d frames, want %d' % (len(got), len(want)))
    for j, (g, e) in enumerate(zip(got, want)):
        if isinstance(e, tuple) and not isinstance(e[0], bytes):
            # A cookie SYN-ACK: every byte but the cookie (seq, and the TCP
            # checksum it moves) as built; the checksums right; the cookie
            # itself recomputed for one in 64.
            src, sport, isn = e
            ref = cookie_synack(src, sport, isn, t)
            same = g[:38] == ref[:38] and g[42:50] == ref[42:50] and g[52:] == ref[52:]
            if not same or not fast_csum_ok(g) or \
                    (j % 64 == 0 and g not in (ref, cookie_synack(src, sport, isn, t + 1))):
                wt.fail('answer %d (cookie SYN-ACK to %s:%d) differs:\n got  %s\n want %s' %
                        (j, src, sport, g.hex(), ref.hex()))
        else:
            alts = e if isinstance(e, tuple) else (e,)
            if g not in alts:
                wt.fail('answer %d differs:\n got  %s\n want %s\n got  %s\n want %s' %
                        (j, g.hex(), alts[0].hex(), Ether(g).summary(), Ether(alts[0]).summary()))
    for name in legit:  # the legitimate client's frames: scapy checks them too
        verify_checksums(got[legit_at[name]])
    print('ok: %d spoofed SYNs: %d local ports taken, %d cookies; the legitimate handshake '
          'completed' % (n_spoofed, n_usual, n_cookies))
# --- packet hygiene: IP options and headers that route, TCP flags no TCP sends

def fx_hygiene():
    """Refused by the parser whatever the destination: IPv4 options LSRR,
    SSRR and RR (and malformed options), IPv6 type 0 routing headers, and
    TCP flags no stack sends. Each on a frame that weir answers or forwards
    without them: an echo (answered with the route not reversed), a SYN or
    datagram to a FullNAT service (passed to a backend, a connection
    opened), a SYN to a synproxy service (a cookie SYN-ACK), a segment to a
    DSR service (forwarded without an entry). Then the same flows, clean:
    forwarded on the local ports the refused frames did not take."""
    lsrr = IPOption_LSRR(routers=['198.18.0.9'])
    ssrr = IPOption_SSRR(routers=['198.18.0.9'])
    rr = IPOption_RR(routers=['0.0.0.0'])
    ra = b'\x94\x04\x00\x00'  # router alert: kept
    rh0 = IPv6ExtHdrRouting(type=0, addresses=['2001:db8:9::9'], segleft=1)

    def tcp_o(src, dst, sport, dport, flags, opts=(), ext=None, dmac=MAC, smac=CMAC):
        ipl = (IP(src=src, dst=dst, ttl=61, id=0x4242, options=list(opts)) if ':' not in src
               else IPv6(src=src, dst=dst, hlim=61))
        if ext is not None:
            ipl = ipl / ext
        return raw(Ether(dst=dmac, src=smac) / ipl /
                   TCP(sport=sport, dport=dport, flags=flags, seq=1000, window=8192))

    e4 = lambda opts: echo4(VIP4, options=opts)  # noqa: E731
    return [
        (e4([lsrr]), None, 'ipv4_route_opt'),
        (e4([ssrr]), None, 'ipv4_route_opt'),
        (e4([rr]), None, 'ipv4_route_opt'),
        (e4([b'\x01\x94\x04\x00', b'\x00\x83\x03\x04']), None, 'ipv4_route_opt'),
        (e4([b'\x44\x00\x00\x00']), None, 'ipv4_bad_opt'),  # a timestamp of length 0
        (e4([b'\x01\x01\x01\x94']), None, 'ipv4_bad_opt'),  # a type without its length
        (tcp_o(CLI4, VIP4, 40000, 80, 'S', [lsrr]), None, 'ipv4_route_opt'),
        (raw(Ether(dst=MAC, src=CMAC) / IP(src=CLI4, dst=VIP4, options=[rr]) /
             UDP(sport=5353, dport=53) / b'q'), None, 'ipv4_route_opt'),
        (tcp_o(CLI6, VIP6, 40000, 80, 'S', ext=rh0), None, 'ipv6_rh0'),
        (echo6(VIP6, ext=IPv6ExtHdrRouting(type=0, addresses=[CLI6], segleft=0)), None,
         'ipv6_rh0'),
        (echo6(VIP6, ext=IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting(type=0, addresses=[CLI6],
                                                                 segleft=0)), None, 'ipv6_rh0'),
        (tcp_o(CLI4, VIP4, 40001, 80, 'SF'), None, 'tcp_bad_flags'),
        (tcp_o(CLI4, VIP4, 40001, 8000, 'SF'), None, 'tcp_bad_flags'),  # synproxy
        (tcp_o(CLI4, VIP4, 40001, 443, 'SR'), None, 'tcp_bad_flags'),   # DSR
        (tcp_o(CLI6, VIP6, 40001, 80, 'SFPU'), None, 'tcp_bad_flags'),
        (tcp_o(CLI4, VIP4, 40002, 443, ''), None, 'tcp_bad_flags'),     # NULL
        (tcp_o(CLI6, VIP6, 40002, 443, 'FPU'), None, 'tcp_bad_flags'),  # Xmas
        (tcp_o(CLI4, VIP4, 40003, 80, 'F'), None, 'tcp_bad_flags'),     # FIN without ACK
        (tcp_o(CLI4, VIP4, 40004, 80, 'RF'), None, 'tcp_bad_flags'),
        # Clean: a router alert is kept; ECN's SYN; a segment routing header
        # whose last segment is weir (answered, extension headers removed).
        (tcp_o(CLI4, VIP4, 40001, 80, 'S', [ra]),
         tcp_o(LOCAL4, BK4, 1024, 8080, 'S', [ra], dmac=BMAC, smac=MAC), None),
        (tcp_o(CLI6, VIP6, 40001, 80, 'SEC'),
         tcp_o(LOCAL6, BK6, 1024, 8080, 'SEC', dmac=BMAC, smac=MAC), None),
        (echo6(VIP6, ext=IPv6ExtHdrSegmentRouting(addresses=[VIP6], segleft=0)),
         echo6_rep(VIP6), None),
    ]


def refused_fixture(name, fixture, what):
    """run_fixture() on l4_config() plus sp4 (198.18.1.1:8000, synproxy);
    of the fixture's frames only its two usual SYNs may take state."""
    cfg = l4_config()
    cfg['services'].append({'name': 'sp4', 'vip': VIP4, 'port': 8000, 'protocol': 'tcp',
                            'pool': 'web4', 'local_ips': [LOCAL4],
                            'synproxy': {'syn_rate': 0, 'secret': SP_SECRET}})

    def after(st, w):
        wt.expect_counters(st, {'workers': {0: {
            'conns': 2, 'conn_new': 2, 'stateless': 0, 'syn_cookies_sent': 0}}}, what)

    run_fixture(name, fixture, cfg, L4_PORT, after=after)


def hygiene():
    refused_fixture('hygiene', fx_hygiene(), 'nothing refused took state')


# --- martian sources: no answer, connection or forwarded packet goes to them

def fx_martians():
    """Frames from sources no peer can have, each dropped before any state
    or answer with its reason: Ethernet sources that are groups, zero or
    weir's own MAC; IPv4 sources (and ARP senders) in 0/8, 127/8, 224/4,
    240/4, 255.255.255.255, the local /24's broadcast, weir's own addresses
    (land); IPv6 sources ::, ::1, ff00::/8, ::ffff:0:0/96, fe80::/10 on TCP
    and UDP to a VIP, weir's own. On echo (answered before), ARP (answered),
    SYNs to FullNAT (a connection), DSR (forwarded) and synproxy (a cookie
    SYN-ACK) services, UDP. Then what stays legitimate: an ARP probe from
    0.0.0.0, DAD from ::, echo and NS from a link-local address, and two
    clients' SYNs, forwarded on the first local ports: the martians took
    none."""
    def l2(frame, smac):
        return patch(frame, 6, bytes.fromhex(smac.replace(':', '')))

    syn4 = lambda src, dport=80, sport=40000: tcp(src, VIP4, sport, dport, 'S')  # noqa: E731
    syn6 = lambda src, dport=80: tcp(src, VIP6, 40000, dport, 'S')  # noqa: E731
    return [
        (l2(echo4(VIP4), 'ff:ff:ff:ff:ff:ff'), None, 'l2_src_invalid'),
        (arp_req(VIP4, hwsrc='ff:ff:ff:ff:ff:ff'), None, 'l2_src_invalid'),
        (l2(echo6(VIP6), '33:33:00:00:00:01'), None, 'l2_src_invalid'),
        (l2(syn4(CLI4), '01:00:5e:00:00:01'), None, 'l2_src_invalid'),
        (l2(echo4(VIP4), '00:00:00:00:00:00'), None, 'l2_src_invalid'),
        (l2(echo4(VIP4), MAC), None, 'l2_src_own'),
        (l2(udp(CLI4, VIP4, 5353, 53), MAC), None, 'l2_src_own'),
        (echo4(VIP4, src='255.255.255.255'), None, 'src_broadcast'),
        (echo4(VIP4, src='198.18.0.255'), None, 'src_broadcast'),
        (echo4(VIP4, src='0.0.0.0'), None, 'src_unspecified'),
        (echo4(VIP4, src='127.0.0.1'), None, 'src_loopback'),
        (echo4(VIP4, src='224.0.0.1'), None, 'src_multicast'),
        (echo4(VIP4, src='240.0.0.1'), None, 'src_reserved'),
        (echo4(VIP4, src=VIP4), None, 'src_own'),
        (echo4(LOCAL4, src=LOCAL4), None, 'src_own'),
        (syn4('127.0.0.1'), None, 'src_loopback'),
        (tcp(VIP4, VIP4, 80, 80, 'S'), None, 'src_own'),                # land
        (udp('224.0.0.5', VIP4, 5353, 53), None, 'src_multicast'),
        (syn4('255.255.255.255', dport=8000), None, 'src_broadcast'),  # synproxy
        (syn4('0.0.0.0', dport=443), None, 'src_unspecified'),         # DSR
        (arp_req(VIP4, psrc='127.0.0.1'), None, 'src_loopback'),
        (arp_req(VIP4, psrc='224.0.0.1'), None, 'src_multicast'),
        (arp_req(VIP4, psrc='198.18.0.255'), None, 'src_broadcast'),
        (echo6(VIP6, src='::'), None, 'src_unspecified'),
        (echo6(VIP6, src='::1'), None, 'src_loopback'),
        (echo6(VIP6, src='ff02::1'), None, 'src_multicast'),
        (echo6(VIP6, src='::ffff:198.18.0.2'), None, 'src_v4mapped'),
        (echo6(VIP6, src=VIP6), None, 'src_own'),
        (echo6(LOCAL6, src=LOCAL6), None, 'src_own'),
        (ns(VIP6, src=LOCAL6), None, 'src_own'),
        (syn6('fe80::1'), None, 'src_link_local'),
        (udp('fe80::1', VIP6, 5353, 53), None, 'src_link_local'),
        (syn6('::1', dport=443), None, 'src_loopback'),                # DSR
        (syn6(LOCAL6), None, 'src_own'),
        # Legitimate.
        (arp_req(VIP4, psrc='0.0.0.0'), arp_rep(VIP4, pdst='0.0.0.0'), None),  # RFC 5227
        (ns(VIP6, src='::', slla=None), na(VIP6, dst='ff02::1', dmac='33:33:00:00:00:01',
                                          solicited=0), None),       # DAD
        (echo6(VIP6, src='fe80::2'), echo6_rep(VIP6, dst='fe80::2'), None),
        (ns(VIP6, src='fe80::2'), na(VIP6, dst='fe80::2'), None),
        (syn4(CLI4), tcp(LOCAL4, BK4, 1024, 8080, 'S', dmac=BMAC, smac=MAC), None),
        (syn6(CLI6), tcp(LOCAL6, BK6, 1024, 8080, 'S', dmac=BMAC, smac=MAC), None),
    ]


def martians():
    refused_fixture('martians', fx_martians(), 'nothing from a martian took state')


# Every scenario, by name: `dp.py --list` gives meson these names (dp-NAME).
SCENARIOS = {
    'arp': lambda: run_fixture('arp', fx_arp()),
    'nd': lambda: run_fixture('nd', fx_nd()),
    'echo': lambda: run_fixture('echo', fx_echo()),
    'foreign': lambda: run_fixture('foreign', fx_foreign()),
    'malformed': lambda: run_fixture('malformed', fx_malformed()),
    'steering': steering,
    'config': bad_configs,
    'admin': admin,
    'fullnat': lambda: run_fixture('fullnat', fx_fullnat(), l4_config(), L4_PORT),
    'dsr': lambda: run_fixture('dsr', fx_dsr(), l4_config(), L4_PORT),
    'l4-drops': lambda: run_fixture('l4-drops', fx_l4_drops(), l4_config(udp_ports_per_source=2),
                                    L4_PORT),
    'limits': limits,
    'l4-expiry': l4_expiry,
    'bans': bans,
    'ban-scope': ban_scope,
    'top-sampling': top_sampling,
    'l4-steering': l4_steering,
    'synproxy': synproxy,
    'synproxy-full': synproxy_full,
    'lport-pressure': lport_pressure,
    'udp-pressure': udp_pressure,
    'hygiene': hygiene,
    'martians': martians,
    'neigh': neigh,
    'health': health,
    'health-replay': health_replay,
}
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dp_http  # noqa: E402
SCENARIOS.update(dp_http.scenarios(sys.modules[__name__]))
import dp_gate  # noqa: E402
SCENARIOS.update(dp_gate.scenarios(sys.modules[__name__]))

if __name__ == '__main__':
    if LISTING:
        print('\n'.join(sorted(SCENARIOS)))
        sys.exit(0)
    if len(sys.argv) != 2 or sys.argv[1] not in SCENARIOS:
        print('usage: dp.py {--list|%s}' % '|'.join(sorted(SCENARIOS)))
        sys.exit(2)
    check_the_checker()
    SCENARIOS[sys.argv[1]]()
