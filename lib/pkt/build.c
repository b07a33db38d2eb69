/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames weir writes itself, and the rewrites of frames it forwards: TCP
 * segments (RST answers, SYN cookies, the synproxy's segments towards a
 * backend), ARP requests and neighbour solicitations, FullNAT address and
 * port rewrites with incremental checksums, IP-in-IP encapsulation and MSS
 * clamping. Plain buffers in, plain buffers out: the daemon keeps only the
 * mbuf handling (lengths, offload flags, headroom).
 */
#include <string.h>

#include "pkt_priv.h"

#define PROTO_IPIP 4
#define PROTO_IPV6 41
#define OWN_TTL 64

static inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

size_t
weir_pkt_tcp_build(uint8_t *buf, size_t cap, size_t l2_len, const struct weir_pkt_tcp *t)
{
	int v4 = t->family == 4;
	size_t alen = v4 ? 4 : 16, hlen = v4 ? 20 : 40;
	size_t tlen = 20 + (size_t)t->opts_len, total = l2_len + hlen + tlen + t->data_len;
	uint8_t src[16], dst[16], opts[WEIR_PKT_TCP_OPTS_MAX], ph[8] = {0};
	uint8_t *ip = buf + l2_len, *tcp = ip + hlen;
	uint32_t sum;

	if ((t->family != 4 && t->family != 6) || t->opts_len > WEIR_PKT_TCP_OPTS_MAX ||
	    (t->opts_len & 3) != 0 || total > cap || hlen + tlen + t->data_len > 65535)
		return 0;
	/* Addresses, options and data may point into the frame being rewritten. */
	memcpy(src, t->src, alen);
	memcpy(dst, t->dst, alen);
	if (t->opts_len != 0)
		memcpy(opts, t->opts, t->opts_len);
	if (t->data_len != 0)
		memmove(tcp + tlen, t->data, t->data_len);
	if (v4) {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		wr16(ip + 2, (uint16_t)(20 + tlen + t->data_len));
		ip[8] = OWN_TTL;
		ip[9] = PROTO_TCP;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		wr16(ip + 10, weir_csum_fold(weir_csum_add(ip, 20, 0)));
		wr16(ph + 2, (uint16_t)(tlen + t->data_len));
		ph[1] = PROTO_TCP;
	} else {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		wr16(ip + 4, (uint16_t)(tlen + t->data_len));
		ip[6] = PROTO_TCP;
		ip[7] = OWN_TTL;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		wr16(ph + 2, (uint16_t)(tlen + t->data_len));
		ph[7] = PROTO_TCP;
	}
	memset(tcp, 0, 20);
	wr16(tcp, t->sport);
	wr16(tcp + 2, t->dport);
	wr32(tcp + 4, t->seq);
	wr32(tcp + 8, t->ack);
	tcp[12] = (uint8_t)(tlen / 4) << 4;
	tcp[13] = t->flags;
	wr16(tcp + 14, t->win);
	if (t->opts_len != 0)
		memcpy(tcp + 20, opts, t->opts_len);
	sum = weir_csum_add(src, alen, 0);
	sum = weir_csum_add(dst, alen, sum);
	sum = weir_csum_add(ph, v4 ? 4 : 8, sum);
	sum = weir_csum_add(tcp, tlen + t->data_len, sum);
	wr16(tcp + 16, weir_csum_fold(sum));
	return total;
}

/* The L2 header turned back to where a frame came from, from mac. */
static void
eth_turn_around(uint8_t *buf, const uint8_t mac[6])
{
	memmove(buf, buf + 6, 6);
	memcpy(buf + 6, mac, 6);
}

size_t
weir_pkt_tcp_rst_for_syn(uint8_t *buf, size_t cap, const struct weir_pkt *p, const uint8_t mac[6])
{
	const uint8_t *ip = buf + p->l2_len, *tcp = buf + p->l4_off;
	int v4 = p->l3 == WEIR_L3_IPV4;
	size_t doff, data;
	struct weir_pkt_tcp t;

	if ((p->l3 != WEIR_L3_IPV4 && p->l3 != WEIR_L3_IPV6) || p->l4_proto != PROTO_TCP ||
	    (tcp[13] & (TCP_SYN | TCP_ACK)) != TCP_SYN || (!v4 && p->l4_off != p->l2_len + 40))
		return 0;
	doff = (size_t)(tcp[12] >> 4) * 4;
	data = p->l3_total - (size_t)(p->l4_off - p->l2_len) - doff;
	memset(&t, 0, sizeof(t));
	t.family = v4 ? 4 : 6;
	t.src = v4 ? ip + 16 : ip + 24;
	t.dst = v4 ? ip + 12 : ip + 8;
	t.sport = rd16(tcp + 2);
	t.dport = rd16(tcp);
	/* RFC 793: the SYN and its data are acknowledged; an RST+ACK carries seq 0. */
	t.ack = rd32(tcp + 4) + 1 + (uint32_t)data;
	t.flags = TCP_RST | TCP_ACK;
	cap = weir_pkt_tcp_build(buf, cap, p->l2_len, &t);
	if (cap != 0)
		eth_turn_around(buf, mac);
	return cap;
}

size_t
weir_pkt_arp_request(uint8_t *buf, size_t cap, const uint8_t mac[6], const uint8_t sip[4],
		     const uint8_t tip[4])
{
	if (cap < 60)
		return 0;
	memset(buf, 0, 60);
	memset(buf, 0xff, 6);
	memcpy(buf + 6, mac, 6);
	wr16(buf + 12, 0x0806);
	wr16(buf + 14, 1);	/* Ethernet */
	wr16(buf + 16, 0x0800); /* IPv4 */
	buf[18] = 6;
	buf[19] = 4;
	wr16(buf + 20, 1); /* request */
	memcpy(buf + 22, mac, 6);
	memcpy(buf + 28, sip, 4);
	memcpy(buf + 38, tip, 4);
	return 60;
}

size_t
weir_pkt_nd_solicit(uint8_t *buf, size_t cap, const uint8_t mac[6], const uint8_t src[16],
		    const uint8_t target[16])
{
	static const uint8_t tail[8] = {0, 0, 0, 32, 0, 0, 0, PROTO_ICMPV6};
	uint8_t *ip6 = buf + 14, *ns = buf + 54;
	uint32_t sum;

	if (cap < 86)
		return 0;
	memset(buf, 0, 86);
	/* To the target's solicited-node group (RFC 4291 2.7.1), from our link address. */
	buf[0] = 0x33;
	buf[1] = 0x33;
	buf[2] = 0xff;
	memcpy(buf + 3, target + 13, 3);
	memcpy(buf + 6, mac, 6);
	wr16(buf + 12, 0x86dd);
	ip6[0] = 0x60;
	wr16(ip6 + 4, 32);
	ip6[6] = PROTO_ICMPV6;
	ip6[7] = 255;
	memcpy(ip6 + 8, src, 16);
	ip6[24] = 0xff;
	ip6[25] = 0x02;
	ip6[35] = 0x01;
	ip6[36] = 0xff;
	memcpy(ip6 + 37, target + 13, 3);
	ns[0] = 135;
	memcpy(ns + 8, target, 16);
	ns[24] = 1; /* source link-layer address option, 8 bytes */
	ns[25] = 1;
	memcpy(ns + 26, mac, 6);
	sum = weir_csum_add(tail, 8, weir_csum_add(ip6 + 8, 32, 0));
	wr16(ns + 2, weir_csum_fold(weir_csum_add(ns, 32, sum)));
	return 86;
}

/* RFC 1624 (eqn. 3) over 32-bit words: the sum of ~old + new for n bytes
 * (a multiple of 4) that change; apply() folds it into a checksum field. */
static inline uint64_t
delta32(const uint8_t *old, const uint8_t *new, size_t n)
{
	uint64_t d = 0;
	size_t i;

	for (i = 0; i < n; i += 4)
		d += (uint64_t)(uint32_t)~rd32(old + i) + rd32(new + i);
	return d;
}

static inline void
apply(uint8_t *field, uint64_t d)
{
	uint64_t s = (uint16_t)~rd16(field) + d;

	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	wr16(field, (uint16_t)~s);
}

/* The rewrite for one family: alen is a constant in each call below, so
 * the loops and copies unroll. */
static inline __attribute__((always_inline)) void
nat_rewrite(uint8_t *ip, uint8_t *l4, uint8_t proto, size_t alen, const uint8_t *src,
	    const uint8_t *dst, const uint8_t sport[2], const uint8_t dport[2], int ip_csum)
{
	int v4 = alen == 4;
	uint8_t *saddr = v4 ? ip + 12 : ip + 8, *daddr = v4 ? ip + 16 : ip + 24;
	uint8_t *csum = proto == PROTO_TCP ? l4 + 16 : l4 + 6;
	uint8_t ports_new[4];
	uint64_t d;

	memcpy(ports_new, sport, 2);
	memcpy(ports_new + 2, dport, 2);
	/* The addresses change both checksums; the ports only the L4 one. */
	d = delta32(saddr, src, alen) + delta32(daddr, dst, alen);
	if (!(proto == PROTO_UDP && v4 && rd16(csum) == 0)) {
		apply(csum, d + delta32(l4, ports_new, 4));
		/* A UDP checksum that computes to 0 is sent as 0xffff (RFC 768). */
		if (proto == PROTO_UDP && rd16(csum) == 0)
			wr16(csum, 0xffff);
	}
	if (v4 && ip_csum)
		apply(ip + 10, d);
	else if (v4)
		wr16(ip + 10, 0); /* the port computes it */
	memcpy(saddr, src, alen);
	memcpy(daddr, dst, alen);
	memcpy(l4, ports_new, 4);
}

void
weir_pkt_nat_rewrite(uint8_t *buf, const struct weir_pkt *p, const uint8_t *src, const uint8_t *dst,
		     const uint8_t sport[2], const uint8_t dport[2], int ip_csum)
{
	uint8_t *ip = buf + p->l2_len, *l4 = buf + p->l4_off;

	if (p->l3 == WEIR_L3_IPV4)
		nat_rewrite(ip, l4, p->l4_proto, 4, src, dst, sport, dport, ip_csum);
	else
		nat_rewrite(ip, l4, p->l4_proto, 16, src, dst, sport, dport, ip_csum);
}

void
weir_pkt_ipip_encap(uint8_t *buf, size_t l2_len, size_t inner_len, int family, const uint8_t *src,
		    const uint8_t *dst)
{
	size_t olen = family == 4 ? 20 : 40;
	uint8_t *o = buf + l2_len;

	memmove(buf, buf + olen, l2_len);
	memset(o, 0, olen);
	if (family == 4) {
		o[0] = 0x45;
		o[1] = o[olen + 1]; /* keep the inner TOS */
		wr16(o + 2, (uint16_t)(inner_len + 20));
		o[8] = OWN_TTL;
		o[9] = PROTO_IPIP;
		memcpy(o + 12, src, 4);
		memcpy(o + 16, dst, 4);
		wr16(o + 10, weir_csum_fold(weir_csum_add(o, 20, 0)));
	} else {
		o[0] = 0x60;
		wr16(o + 4, (uint16_t)inner_len);
		o[6] = PROTO_IPV6;
		o[7] = OWN_TTL;
		memcpy(o + 8, src, 16);
		memcpy(o + 24, dst, 16);
	}
}

int
weir_pkt_tcp_mss_clamp(uint8_t *tcp, size_t hlen, uint16_t clamp)
{
	size_t off = 20;

	while (off + 1 < hlen) {
		uint8_t kind = tcp[off], len;

		if (kind == 0)
			return 0;
		if (kind == 1) {
			off++;
			continue;
		}
		len = tcp[off + 1];
		if (len < 2 || off + len > hlen)
			return 0;
		if (kind == 2 && len == 4 && rd16(tcp + off + 2) > clamp) {
			/* Update over the aligned words covering the option. */
			size_t a = off & ~(size_t)1;
			uint8_t old[6], new[6];

			/* 4 bytes at an even offset, else 6: constants, so that the
			 * compiler sees every byte read is written. */
			if (off & 1) {
				memcpy(old, tcp + a, 6);
				wr16(tcp + off + 2, clamp);
				memcpy(new, tcp + a, 6);
				weir_csum_update(tcp + 16, old, new, 6);
			} else {
				memcpy(old, tcp + a, 4);
				wr16(tcp + off + 2, clamp);
				memcpy(new, tcp + a, 4);
				weir_csum_update(tcp + 16, old, new, 4);
			}
			return 1;
		}
		off += len;
	}
	return 0;
}
