/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-place answers (weir_pkt_respond()): ARP replies, neighbour
 * advertisements, ICMP and ICMPv6 echo replies to weir's addresses.
 */
#include <string.h>

#include "pkt_priv.h"

static void
eth_turn_around(uint8_t *buf, const uint8_t mac[6])
{
	memmove(buf, buf + 6, 6);
	memcpy(buf + 6, mac, 6);
}

static enum weir_pkt_drop
answer_arp(uint8_t *buf, const struct weir_pkt *p, const struct weir_addrs *set,
	   const uint8_t mac[6])
{
	uint8_t *a = buf + p->l2_len;
	uint8_t spa[4];

	if (rd16(a + 6) != 1)
		return WEIR_PKT_DROP_ARP_IGNORED;
	if (memcmp(a + 14, a + 24, 4) == 0) /* gratuitous: an announcement, not a question */
		return WEIR_PKT_DROP_ARP_IGNORED;
	if (weir_addrs_find(set, 4, a + 24) == NULL)
		return WEIR_PKT_DROP_ARP_NOT_OURS;

	memcpy(spa, a + 14, 4);
	wr16(a + 6, 2);
	memcpy(a + 18, a + 8, 6);  /* tha = requester's sha */
	memcpy(a + 14, a + 24, 4); /* spa = the address asked for */
	memcpy(a + 24, spa, 4);	   /* tpa = requester's spa */
	memcpy(a + 8, mac, 6);	   /* sha = us */
	memcpy(buf, a + 18, 6);
	memcpy(buf + 6, mac, 6);
	return WEIR_PKT_DROP_NONE;
}

static uint32_t
ipv6_pseudo_sum(const uint8_t *ip6, uint32_t l4_len, uint8_t proto)
{
	uint8_t tail[8] = {
		(uint8_t)(l4_len >> 24),
		(uint8_t)(l4_len >> 16),
		(uint8_t)(l4_len >> 8),
		(uint8_t)l4_len,
		0,
		0,
		0,
		proto,
	};

	return weir_csum_add(tail, sizeof(tail), weir_csum_add(ip6 + 8, 32, 0));
}

static enum weir_pkt_drop
answer_icmp4(uint8_t *buf, const struct weir_pkt *p, const struct weir_addrs *set,
	     const uint8_t mac[6])
{
	uint8_t *ip = buf + p->l2_len;
	uint8_t *icmp = buf + p->l4_off;
	uint8_t tmp[4];

	if (p->flags & WEIR_PKT_F_FRAG)
		return WEIR_PKT_DROP_IPV4_FRAGMENT;
	if (weir_addrs_find(set, 4, ip + 16) == NULL)
		return WEIR_PKT_DROP_NOT_OURS;
	if (p->l4_proto != PROTO_ICMP)
		return WEIR_PKT_DROP_NO_SERVICE;
	if (icmp[0] != ICMP_ECHO_REQUEST || icmp[1] != 0)
		return WEIR_PKT_DROP_ICMP_UNHANDLED;
	if (weir_csum_fold(weir_csum_add(icmp, p->l4_len, 0)) != 0)
		return WEIR_PKT_DROP_ICMP_BAD_CSUM;

	icmp[0] = ICMP_ECHO_REPLY;
	wr16(icmp + 2, 0);
	wr16(icmp + 2, weir_csum_fold(weir_csum_add(icmp, p->l4_len, 0)));
	memcpy(tmp, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, tmp, 4);
	ip[8] = REPLY_TTL;
	wr16(ip + 10, 0);
	wr16(ip + 10, weir_csum_fold(weir_csum_add(ip, p->l3_len, 0)));
	eth_turn_around(buf, mac);
	return WEIR_PKT_DROP_NONE;
}

static int
ipv6_is_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

static int
ipv6_is_solicited_node(const uint8_t *a)
{
	static const uint8_t pfx[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};

	return memcmp(a, pfx, sizeof(pfx)) == 0;
}

/* RFC 4861 section 7.1.1; returns the SLLA option's MAC or NULL, via *slla. */
static enum weir_pkt_drop
check_ns(const uint8_t *ip6, const uint8_t *icmp, size_t icmp_len, const uint8_t **slla)
{
	size_t off;

	*slla = NULL;
	if (ip6[7] != ND_HOP_LIMIT || icmp[1] != 0 || icmp_len < ND_NS_LEN || icmp[8] == 0xff)
		return WEIR_PKT_DROP_ND_MALFORMED;
	for (off = ND_NS_LEN; off < icmp_len;) {
		size_t olen;

		if (off + 2 > icmp_len)
			return WEIR_PKT_DROP_ND_MALFORMED;
		olen = (size_t)icmp[off + 1] * 8;
		if (olen == 0 || off + olen > icmp_len)
			return WEIR_PKT_DROP_ND_MALFORMED;
		if (icmp[off] == ND_OPT_SLLA && olen >= 8)
			*slla = icmp + off + 2;
		off += olen;
	}
	if (ipv6_is_unspecified(ip6 + 8) && (!ipv6_is_solicited_node(ip6 + 24) || *slla != NULL))
		return WEIR_PKT_DROP_ND_MALFORMED;
	return WEIR_PKT_DROP_NONE;
}

static enum weir_pkt_drop
answer_ns(uint8_t *buf, size_t cap, const struct weir_pkt *p, const struct weir_addrs *set,
	  const uint8_t mac[6], size_t *out_len)
{
	uint8_t *ip6 = buf + p->l2_len;
	uint8_t *icmp = buf + p->l4_off;
	const uint8_t *slla;
	uint8_t target[16], peer_ip[16], peer_mac[6];
	enum weir_pkt_drop why;
	int dad;
	uint8_t *na;

	why = check_ns(ip6, icmp, p->l4_len, &slla);
	if (why != WEIR_PKT_DROP_NONE)
		return why;
	memcpy(target, icmp + 8, 16);
	if (weir_addrs_find(set, 6, target) == NULL)
		return WEIR_PKT_DROP_NOT_OURS;
	if ((size_t)p->l2_len + IPV6_HLEN + ND_NA_LEN > cap)
		return WEIR_PKT_DROP_MULTISEG; /* no room to answer in this segment */

	dad = ipv6_is_unspecified(ip6 + 8);
	if (dad) {
		/* Answer duplicate address detection to all nodes (RFC 4861 7.2.4). */
		static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};

		memcpy(peer_ip, all_nodes, 16);
		memcpy(peer_mac, "\x33\x33\x00\x00\x00\x01", 6);
	} else {
		memcpy(peer_ip, ip6 + 8, 16);
		memcpy(peer_mac, slla != NULL ? slla : buf + 6, 6);
	}

	memcpy(buf, peer_mac, 6);
	memcpy(buf + 6, mac, 6);
	memset(ip6, 0, IPV6_HLEN);
	ip6[0] = 0x60;
	wr16(ip6 + 4, ND_NA_LEN);
	ip6[6] = PROTO_ICMPV6;
	ip6[7] = ND_HOP_LIMIT;
	memcpy(ip6 + 8, target, 16);
	memcpy(ip6 + 24, peer_ip, 16);

	na = ip6 + IPV6_HLEN;
	memset(na, 0, ND_NA_LEN);
	na[0] = ICMP6_NA;
	na[4] = dad ? 0x20 : 0x60; /* Solicited (unless DAD) | Override */
	memcpy(na + 8, target, 16);
	na[24] = ND_OPT_TLLA;
	na[25] = 1;
	memcpy(na + 26, mac, 6);
	wr16(na + 2, weir_csum_fold(weir_csum_add(na, ND_NA_LEN,
						  ipv6_pseudo_sum(ip6, ND_NA_LEN, PROTO_ICMPV6))));
	*out_len = (size_t)p->l2_len + IPV6_HLEN + ND_NA_LEN;
	return WEIR_PKT_DROP_NONE;
}

static enum weir_pkt_drop
answer_icmp6(uint8_t *buf, size_t cap, const struct weir_pkt *p, const struct weir_addrs *set,
	     const uint8_t mac[6], size_t *out_len)
{
	uint8_t *ip6 = buf + p->l2_len;
	uint8_t *icmp = buf + p->l4_off;
	uint8_t tmp[16];
	uint16_t icmp_len = p->l4_len;

	if (p->flags & WEIR_PKT_F_FRAG)
		return WEIR_PKT_DROP_IPV6_FRAGMENT;
	if (p->l4_proto == PROTO_ICMPV6 &&
	    weir_csum_fold(weir_csum_add(icmp, icmp_len,
					 ipv6_pseudo_sum(ip6, icmp_len, PROTO_ICMPV6))) != 0)
		return WEIR_PKT_DROP_ICMP_BAD_CSUM;
	if (p->l4_proto == PROTO_ICMPV6 && icmp[0] == ICMP6_NS)
		return answer_ns(buf, cap, p, set, mac, out_len);
	if (weir_addrs_find(set, 6, ip6 + 24) == NULL)
		return WEIR_PKT_DROP_NOT_OURS;
	if (p->l4_proto != PROTO_ICMPV6)
		return WEIR_PKT_DROP_NO_SERVICE;
	if (icmp[0] != ICMP6_ECHO_REQUEST || icmp[1] != 0)
		return WEIR_PKT_DROP_ICMP_UNHANDLED;

	/* The reply carries no extension headers: move the message up behind the header. */
	if (p->l3_len != IPV6_HLEN) {
		memmove(ip6 + IPV6_HLEN, icmp, icmp_len);
		icmp = ip6 + IPV6_HLEN;
		wr16(ip6 + 4, icmp_len);
		ip6[6] = PROTO_ICMPV6;
	}
	memcpy(tmp, ip6 + 8, 16);
	memcpy(ip6 + 8, ip6 + 24, 16);
	memcpy(ip6 + 24, tmp, 16);
	ip6[7] = REPLY_TTL;
	icmp[0] = ICMP6_ECHO_REPLY;
	wr16(icmp + 2, 0);
	wr16(icmp + 2, weir_csum_fold(weir_csum_add(icmp, icmp_len,
						    ipv6_pseudo_sum(ip6, icmp_len, PROTO_ICMPV6))));
	eth_turn_around(buf, mac);
	*out_len = (size_t)p->l2_len + IPV6_HLEN + icmp_len;
	return WEIR_PKT_DROP_NONE;
}

enum weir_pkt_verdict
weir_pkt_respond(uint8_t *buf, size_t len, size_t cap, const struct weir_pkt *p,
		 const struct weir_addrs *set, const uint8_t mac[6], size_t *out_len,
		 enum weir_pkt_drop *why)
{
	enum weir_pkt_drop d;

	if (!(p->flags & WEIR_PKT_F_L2_MCAST) && memcmp(buf, mac, 6) != 0) {
		*why = WEIR_PKT_DROP_L2_FOREIGN;
		return WEIR_VERDICT_DROP;
	}
	/* Answers are never longer than the question except a NA: that checks cap. */
	*out_len = p->l2_len + (size_t)p->l3_total;
	if (*out_len > len)
		*out_len = len;
	switch (p->l3) {
	case WEIR_L3_ARP:
		d = answer_arp(buf, p, set, mac);
		*out_len = len; /* keep the requester's padding: ARP has no length field */
		break;
	case WEIR_L3_IPV4:
		d = answer_icmp4(buf, p, set, mac);
		break;
	case WEIR_L3_IPV6:
		d = answer_icmp6(buf, cap, p, set, mac, out_len);
		break;
	default:
		d = WEIR_PKT_DROP_ETHERTYPE;
		break;
	}
	*why = d;
	return d == WEIR_PKT_DROP_NONE ? WEIR_VERDICT_TX : WEIR_VERDICT_DROP;
}
