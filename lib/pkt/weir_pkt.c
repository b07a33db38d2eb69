/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet parsing: the frame parser, drop reasons' names, the Internet
 * checksum, TCP flag rules, the address set's lookup and the owner hash.
 * (The martian source check is in source.c, the in-place answers in
 * respond.c, the frames weir writes in build.c.) Multi-byte fields are
 * read and written byte by byte or through memcpy, so the code is correct
 * at any alignment (mbuf data after a VLAN tag is not 4-byte aligned) and
 * clean under UBSan.
 */
#include <string.h>

#include "pkt_priv.h"

static const char *const drop_names[WEIR_PKT_DROP__MAX] = {
	[WEIR_PKT_DROP_NONE] = "none",
	[WEIR_PKT_DROP_RUNT] = "runt",
	[WEIR_PKT_DROP_VLAN_TRUNC] = "vlan_trunc",
	[WEIR_PKT_DROP_VLAN_TOO_MANY] = "vlan_too_many",
	[WEIR_PKT_DROP_L2_FOREIGN] = "l2_foreign",
	[WEIR_PKT_DROP_ETHERTYPE] = "ethertype_unsupported",
	[WEIR_PKT_DROP_ARP_MALFORMED] = "arp_malformed",
	[WEIR_PKT_DROP_ARP_IGNORED] = "arp_ignored",
	[WEIR_PKT_DROP_ARP_NOT_OURS] = "arp_not_ours",
	[WEIR_PKT_DROP_IPV4_TRUNC] = "ipv4_trunc",
	[WEIR_PKT_DROP_IPV4_BAD_VERSION] = "ipv4_bad_version",
	[WEIR_PKT_DROP_IPV4_BAD_IHL] = "ipv4_bad_ihl",
	[WEIR_PKT_DROP_IPV4_BAD_LEN] = "ipv4_bad_len",
	[WEIR_PKT_DROP_IPV4_BAD_CSUM] = "ipv4_bad_csum",
	[WEIR_PKT_DROP_IPV4_FRAGMENT] = "ipv4_fragment",
	[WEIR_PKT_DROP_IPV4_BAD_OPT] = "ipv4_bad_opt",
	[WEIR_PKT_DROP_IPV4_ROUTE_OPT] = "ipv4_route_opt",
	[WEIR_PKT_DROP_IPV6_TRUNC] = "ipv6_trunc",
	[WEIR_PKT_DROP_IPV6_BAD_VERSION] = "ipv6_bad_version",
	[WEIR_PKT_DROP_IPV6_EXT_TRUNC] = "ipv6_ext_trunc",
	[WEIR_PKT_DROP_IPV6_EXT_LIMIT] = "ipv6_ext_limit",
	[WEIR_PKT_DROP_IPV6_FRAGMENT] = "ipv6_fragment",
	[WEIR_PKT_DROP_IPV6_RH0] = "ipv6_rh0",
	[WEIR_PKT_DROP_L4_TRUNC] = "l4_trunc",
	[WEIR_PKT_DROP_TCP_BAD_DOFF] = "tcp_bad_doff",
	[WEIR_PKT_DROP_TCP_BAD_FLAGS] = "tcp_bad_flags",
	[WEIR_PKT_DROP_UDP_BAD_LEN] = "udp_bad_len",
	[WEIR_PKT_DROP_ICMP_BAD_CSUM] = "icmp_bad_csum",
	[WEIR_PKT_DROP_ICMP_UNHANDLED] = "icmp_unhandled",
	[WEIR_PKT_DROP_ND_MALFORMED] = "nd_malformed",
	[WEIR_PKT_DROP_NOT_OURS] = "not_ours",
	[WEIR_PKT_DROP_NO_SERVICE] = "no_service",
	[WEIR_PKT_DROP_MULTISEG] = "multiseg",
	[WEIR_PKT_DROP_L2_SRC_INVALID] = "l2_src_invalid",
	[WEIR_PKT_DROP_L2_SRC_OWN] = "l2_src_own",
	[WEIR_PKT_DROP_SRC_UNSPECIFIED] = "src_unspecified",
	[WEIR_PKT_DROP_SRC_LOOPBACK] = "src_loopback",
	[WEIR_PKT_DROP_SRC_MULTICAST] = "src_multicast",
	[WEIR_PKT_DROP_SRC_BROADCAST] = "src_broadcast",
	[WEIR_PKT_DROP_SRC_RESERVED] = "src_reserved",
	[WEIR_PKT_DROP_SRC_V4MAPPED] = "src_v4mapped",
	[WEIR_PKT_DROP_SRC_LINK_LOCAL] = "src_link_local",
	[WEIR_PKT_DROP_SRC_OWN] = "src_own",
};

const char *
weir_pkt_drop_name(enum weir_pkt_drop reason)
{
	if ((unsigned int)reason >= WEIR_PKT_DROP__MAX)
		return "unknown";
	return drop_names[reason];
}

uint32_t
weir_csum_add(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t s = sum;
	size_t i = 0;

	/*
	 * Big-endian 32-bit words: their sum folds to the same checksum as
	 * that of the 16-bit words (2^16 = 1 modulo 0xffff), in half the
	 * additions; 64 bits cannot overflow below 2^34 bytes.
	 */
	for (; i + 4 <= len; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		w = __builtin_bswap32(w);
#endif
		s += w;
	}
	if (i + 2 <= len) {
		s += rd16(p + i);
		i += 2;
	}
	if (i < len)
		s += (uint32_t)p[i] << 8;
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

uint16_t
weir_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int
weir_pkt_tcp_flags_valid(uint8_t flags)
{
	/* nf_conntrack_proto_tcp.c's tcp_valid_flags. */
	static const uint8_t valid[(TCP_FIN | TCP_SYN | TCP_RST | TCP_ACK | TCP_URG) + 1] = {
		[TCP_SYN] = 1,
		[TCP_SYN | TCP_URG] = 1,
		[TCP_SYN | TCP_ACK] = 1,
		[TCP_RST] = 1,
		[TCP_RST | TCP_ACK] = 1,
		[TCP_FIN | TCP_ACK] = 1,
		[TCP_FIN | TCP_ACK | TCP_URG] = 1,
		[TCP_ACK] = 1,
		[TCP_ACK | TCP_URG] = 1,
	};

	return valid[flags & (uint8_t) ~(TCP_PSH | TCP_ECE | TCP_CWR)];
}

static enum weir_pkt_drop
parse_l4(const uint8_t *buf, struct weir_pkt *p)
{
	const uint8_t *l4 = buf + p->l4_off;

	switch (p->l4_proto) {
	case PROTO_TCP:
		if (p->l4_len < 20)
			return WEIR_PKT_DROP_L4_TRUNC;
		if ((l4[12] >> 4) < 5 || (size_t)(l4[12] >> 4) * 4 > p->l4_len)
			return WEIR_PKT_DROP_TCP_BAD_DOFF;
		if (!weir_pkt_tcp_flags_valid(l4[13]))
			return WEIR_PKT_DROP_TCP_BAD_FLAGS;
		break;
	case PROTO_UDP:
		if (p->l4_len < 8)
			return WEIR_PKT_DROP_L4_TRUNC;
		if (rd16(l4 + 4) != p->l4_len)
			return WEIR_PKT_DROP_UDP_BAD_LEN;
		break;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		if (p->l4_len < 8)
			return WEIR_PKT_DROP_L4_TRUNC;
		break;
	default:
		break;
	}
	return WEIR_PKT_DROP_NONE;
}

/*
 * Is an IPv4 header's checksum right? Summed in native byte order, 32 bits
 * at a time (ihl is a multiple of 4): a right header sums to 0xffff, which
 * reads the same in both byte orders (RFC 1071).
 */
static inline int
ipv4_csum_ok(const uint8_t *ip, size_t ihl)
{
	uint64_t s = 0;
	uint32_t w;
	size_t i;

	for (i = 0; i < ihl; i += 4) {
		memcpy(&w, ip + i, 4);
		s += w;
	}
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

/*
 * Walk IPv4 options (RFC 791) as a receiving host does (Linux's
 * ip_options_compile()): a malformed list, or an option that records the
 * route or has the packet routed by the sender (LSRR, SSRR, RR), is
 * refused; the first such option decides.
 */
static enum weir_pkt_drop
check_ipv4_opts(const uint8_t *o, size_t n)
{
	size_t i = 0, olen;

	while (i < n && o[i] != IPOPT_EOL) {
		if (o[i] == IPOPT_NOP) {
			i++;
			continue;
		}
		if (o[i] == IPOPT_LSRR || o[i] == IPOPT_SSRR || o[i] == IPOPT_RR)
			return WEIR_PKT_DROP_IPV4_ROUTE_OPT;
		if (i + 2 > n)
			return WEIR_PKT_DROP_IPV4_BAD_OPT;
		olen = o[i + 1];
		if (olen < 2 || i + olen > n)
			return WEIR_PKT_DROP_IPV4_BAD_OPT;
		i += olen;
	}
	return WEIR_PKT_DROP_NONE;
}

static enum weir_pkt_drop
parse_ipv4(const uint8_t *buf, size_t len, struct weir_pkt *p)
{
	const uint8_t *ip = buf + p->l2_len;
	size_t avail = len - p->l2_len;
	size_t ihl, total;

	if (avail < IPV4_HLEN)
		return WEIR_PKT_DROP_IPV4_TRUNC;
	if ((ip[0] >> 4) != 4)
		return WEIR_PKT_DROP_IPV4_BAD_VERSION;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	if (ihl < IPV4_HLEN)
		return WEIR_PKT_DROP_IPV4_BAD_IHL;
	if (ihl > avail)
		return WEIR_PKT_DROP_IPV4_TRUNC;
	total = rd16(ip + 2);
	if (total < ihl)
		return WEIR_PKT_DROP_IPV4_BAD_LEN;
	if (total > avail)
		return WEIR_PKT_DROP_IPV4_TRUNC;
	if (!ipv4_csum_ok(ip, ihl))
		return WEIR_PKT_DROP_IPV4_BAD_CSUM;
	if (ihl > IPV4_HLEN) {
		enum weir_pkt_drop why = check_ipv4_opts(ip + IPV4_HLEN, ihl - IPV4_HLEN);

		if (why != WEIR_PKT_DROP_NONE)
			return why;
	}

	p->l3 = WEIR_L3_IPV4;
	p->l3_len = (uint16_t)ihl;
	p->l3_total = (uint16_t)total;
	p->l4_proto = ip[9];
	p->l4_off = (uint16_t)(p->l2_len + ihl);
	p->l4_len = (uint16_t)(total - ihl);
	if (ihl > IPV4_HLEN)
		p->flags |= WEIR_PKT_F_IPV4_OPTS;
	if (rd16(ip + 6) & 0x3fff) { /* MF set or offset != 0 */
		p->flags |= WEIR_PKT_F_FRAG;
		return WEIR_PKT_DROP_NONE; /* later fragments have no L4 header to check */
	}
	return parse_l4(buf, p);
}

static enum weir_pkt_drop
parse_ipv6(const uint8_t *buf, size_t len, struct weir_pkt *p)
{
	const uint8_t *ip = buf + p->l2_len;
	size_t avail = len - p->l2_len;
	size_t total, off;
	uint8_t nh;
	unsigned int n;

	if (avail < IPV6_HLEN)
		return WEIR_PKT_DROP_IPV6_TRUNC;
	if ((ip[0] >> 4) != 6)
		return WEIR_PKT_DROP_IPV6_BAD_VERSION;
	total = IPV6_HLEN + (size_t)rd16(ip + 4);
	if (total > avail)
		return WEIR_PKT_DROP_IPV6_TRUNC;

	p->l3 = WEIR_L3_IPV6;
	p->l3_total = (uint16_t)total;
	nh = ip[6];
	off = IPV6_HLEN;
	for (n = 0;; n++) {
		size_t hlen;

		if (nh != PROTO_V6_HOPOPTS && nh != PROTO_V6_ROUTING && nh != PROTO_V6_DSTOPTS &&
		    nh != PROTO_V6_FRAGMENT && nh != PROTO_V6_AH)
			break;
		if (n == WEIR_PKT_MAX_IPV6_EXT)
			return WEIR_PKT_DROP_IPV6_EXT_LIMIT;
		p->flags |= WEIR_PKT_F_IPV6_EXT;
		if (off + 2 > total)
			return WEIR_PKT_DROP_IPV6_EXT_TRUNC;
		if (nh == PROTO_V6_FRAGMENT)
			hlen = 8;
		else if (nh == PROTO_V6_AH)
			hlen = ((size_t)ip[off + 1] + 2) * 4;
		else
			hlen = ((size_t)ip[off + 1] + 1) * 8;
		if (off + hlen > total)
			return WEIR_PKT_DROP_IPV6_EXT_TRUNC;
		/* RFC 5095: never act on a type 0 routing header, nor pass it on. */
		if (nh == PROTO_V6_ROUTING && ip[off + 2] == V6_RH_TYPE0)
			return WEIR_PKT_DROP_IPV6_RH0;
		if (nh == PROTO_V6_FRAGMENT) {
			p->flags |= WEIR_PKT_F_FRAG;
			if (rd16(ip + off + 2) & 0xfff8) { /* offset != 0: no L4 header here */
				p->l4_proto = ip[off];
				p->l3_len = (uint16_t)(off + hlen);
				p->l4_off = (uint16_t)(p->l2_len + off + hlen);
				p->l4_len = (uint16_t)(total - off - hlen);
				return WEIR_PKT_DROP_NONE;
			}
		}
		nh = ip[off];
		off += hlen;
	}
	p->l3_len = (uint16_t)off;
	p->l4_proto = nh;
	p->l4_off = (uint16_t)(p->l2_len + off);
	p->l4_len = (uint16_t)(total - off);
	if (p->flags & WEIR_PKT_F_FRAG)
		return WEIR_PKT_DROP_NONE;
	return parse_l4(buf, p);
}

enum weir_pkt_drop
weir_pkt_parse(const uint8_t *buf, size_t len, struct weir_pkt *p)
{
	uint16_t type;
	size_t off;

	memset(p, 0, sizeof(*p));
	if (len < ETH_HLEN)
		return WEIR_PKT_DROP_RUNT;
	/* Frames beyond 64 KiB cannot come out of one mbuf segment. */
	if (len > UINT16_MAX)
		len = UINT16_MAX;
	if (buf[0] & 1) {
		p->flags |= WEIR_PKT_F_L2_MCAST;
		if (memcmp(buf, "\xff\xff\xff\xff\xff\xff", 6) == 0)
			p->flags |= WEIR_PKT_F_L2_BCAST;
	}
	type = rd16(buf + 12);
	off = ETH_HLEN;
	while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
		if (p->vlan_count == WEIR_PKT_MAX_VLAN)
			return WEIR_PKT_DROP_VLAN_TOO_MANY;
		if (off + 4 > len)
			return WEIR_PKT_DROP_VLAN_TRUNC;
		if (p->vlan_count == 0)
			p->vlan_tci = rd16(buf + off);
		p->vlan_count++;
		type = rd16(buf + off + 2);
		off += 4;
	}
	p->l2_len = (uint16_t)off;
	p->ether_type = type;

	switch (type) {
	case ETHERTYPE_ARP: {
		const uint8_t *a = buf + off;

		if (len - off < ARP_LEN || rd16(a) != 1 || rd16(a + 2) != ETHERTYPE_IPV4 ||
		    a[4] != 6 || a[5] != 4)
			return WEIR_PKT_DROP_ARP_MALFORMED;
		p->l3 = WEIR_L3_ARP;
		p->l3_len = ARP_LEN;
		p->l3_total = ARP_LEN;
		return WEIR_PKT_DROP_NONE;
	}
	case ETHERTYPE_IPV4:
		return parse_ipv4(buf, len, p);
	case ETHERTYPE_IPV6:
		return parse_ipv6(buf, len, p);
	default:
		return WEIR_PKT_DROP_ETHERTYPE;
	}
}

const struct weir_addr *
weir_addrs_find(const struct weir_addrs *set, int family, const uint8_t *ip)
{
	size_t n = family == 4 ? 4 : 16;
	unsigned int i;

	/* A handful of addresses for now: services bring a hash table. */
	for (i = 0; i < set->n; i++)
		if (set->a[i].family == family && memcmp(set->a[i].ip, ip, n) == 0)
			return &set->a[i];
	return NULL;
}

uint32_t
weir_pkt_client_hash(const uint8_t *buf, const struct weir_pkt *p)
{
	uint64_t k;

	switch (p->l3) {
	case WEIR_L3_ARP:
		k = (uint64_t)rd16(buf + p->l2_len + 14) << 16 | rd16(buf + p->l2_len + 16);
		break;
	case WEIR_L3_IPV4:
		k = (uint64_t)rd16(buf + p->l2_len + 12) << 16 | rd16(buf + p->l2_len + 14);
		break;
	case WEIR_L3_IPV6:
		/* The /64 prefix: one client network, one owner (per-prefix limits). */
		k = (uint64_t)rd16(buf + p->l2_len + 8) << 48 |
		    (uint64_t)rd16(buf + p->l2_len + 10) << 32 |
		    (uint64_t)rd16(buf + p->l2_len + 12) << 16 | rd16(buf + p->l2_len + 14);
		break;
	default:
		return 0;
	}
	/* murmur3's 64-bit finaliser: every input bit reaches every output bit. */
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return (uint32_t)k;
}
