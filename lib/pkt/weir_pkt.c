/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet parsing and in-place answers. All multi-byte fields are read and
 * written through memcpy so the code is correct at any alignment (mbuf data
 * after a VLAN tag is not 4-byte aligned) and clean under UBSan.
 */
#include <string.h>

#include "weir_pkt.h"

#define ETH_HLEN 14
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ARP_LEN 28
#define IPV4_HLEN 20
#define IPV6_HLEN 40

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define PROTO_V6_HOPOPTS 0
#define PROTO_V6_ROUTING 43
#define PROTO_V6_FRAGMENT 44
#define PROTO_V6_AH 51
#define PROTO_V6_DSTOPTS 60

#define IPOPT_EOL 0
#define IPOPT_NOP 1
#define IPOPT_RR 7
#define IPOPT_LSRR 131
#define IPOPT_SSRR 137
#define V6_RH_TYPE0 0

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ICMP6_NS 135
#define ICMP6_NA 136
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ND_NS_LEN 24	   /* type, code, csum, reserved, target */
#define ND_NA_LEN (24 + 8) /* with a target link-layer address option */

#define REPLY_TTL 64
#define ND_HOP_LIMIT 255

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

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
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

/* ---- martian sources ---- */

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

/* Six bytes (a MAC) in native order: for equality only. */
static inline uint64_t
ld48(const uint8_t *p)
{
	uint32_t a;
	uint16_t b;

	memcpy(&a, p, 4);
	memcpy(&b, p + 4, 2);
	return (uint64_t)b << 32 | a;
}

/* The filter bit of an IPv4 (family 4) or IPv6 address: a hash of its
 * bytes in native order (built and checked on the same machine). */
static inline uint32_t
filter_bit(int family, const uint8_t *ip)
{
	uint32_t h, w[3];

	memcpy(&h, ip, 4);
	if (family == 6) {
		memcpy(w, ip + 4, 12);
		h ^= w[0] * 0x85ebca6bu ^ w[1] * 0xc2b2ae35u ^ w[2] * 0x27d4eb2fu;
	}
	return (h * 0x9e3779b1u) >> (32 - 11);
}

static inline void
filter_set(struct weir_addrs *set, int family, const uint8_t *ip)
{
	uint32_t b = filter_bit(family, ip);

	set->filter[b / 64] |= (uint64_t)1 << (b % 64);
}

/* May ip be one of set's addresses or a local subnet's broadcast? */
static inline int
filter_may(const struct weir_addrs *set, int family, const uint8_t *ip)
{
	uint32_t b = filter_bit(family, ip);

	return !set->indexed || (set->filter[b / 64] >> (b % 64) & 1);
}

/* A local IPv4 subnet's broadcast address into *bcast: 0 if it has none. */
static inline int
subnet_bcast(const struct weir_addr *e, uint32_t *bcast)
{
	/* A subnet with hosts (/30 and shorter) has one: x.x.x.255 of a /24. */
	if (e->family != 4 || e->kind != WEIR_ADDR_LOCAL || e->prefix < 1 || e->prefix > 30)
		return 0;
	*bcast = rd32(e->ip) | UINT32_MAX >> e->prefix;
	return 1;
}

void
weir_addrs_index(struct weir_addrs *set)
{
	unsigned int i;
	uint32_t bcast;
	uint8_t b[4];

	memset(set->filter, 0, sizeof(set->filter));
	for (i = 0; i < set->n && i < WEIR_ADDRS_MAX; i++) {
		filter_set(set, set->a[i].family, set->a[i].ip);
		if (subnet_bcast(&set->a[i], &bcast)) {
			b[0] = (uint8_t)(bcast >> 24);
			b[1] = (uint8_t)(bcast >> 16);
			b[2] = (uint8_t)(bcast >> 8);
			b[3] = (uint8_t)bcast;
			filter_set(set, 4, b);
		}
	}
	set->indexed = 1;
}

/*
 * An IPv4 source (or ARP sender) by class, then against weir's addresses:
 * one of them (own), or a local subnet's broadcast address. The filter
 * spares nearly every source the pass over the set.
 */
static enum weir_pkt_drop
check_src4(const uint8_t *ip, const struct weir_addrs *set, int arp)
{
	uint32_t a = rd32(ip), bcast;
	unsigned int i;

	if ((a >> 24) == 0)
		return arp && a == 0 ? WEIR_PKT_DROP_NONE : WEIR_PKT_DROP_SRC_UNSPECIFIED;
	if ((a >> 24) == 127)
		return WEIR_PKT_DROP_SRC_LOOPBACK;
	if ((a >> 28) == 0xe)
		return WEIR_PKT_DROP_SRC_MULTICAST;
	if (a == UINT32_MAX)
		return WEIR_PKT_DROP_SRC_BROADCAST;
	if ((a >> 28) == 0xf)
		return WEIR_PKT_DROP_SRC_RESERVED;
	if (!filter_may(set, 4, ip))
		return WEIR_PKT_DROP_NONE;
	for (i = 0; i < set->n; i++) {
		const struct weir_addr *e = &set->a[i];

		if (e->family != 4)
			continue;
		/* An ARP sender that is ours: the responder's (a gratuitous ARP). */
		if (a == rd32(e->ip) && !arp)
			return WEIR_PKT_DROP_SRC_OWN;
		if (subnet_bcast(e, &bcast) && a == bcast)
			return WEIR_PKT_DROP_SRC_BROADCAST;
	}
	return WEIR_PKT_DROP_NONE;
}

static enum weir_pkt_drop
check_src6(const uint8_t *ip6, const struct weir_pkt *p, const struct weir_addrs *set)
{
	const uint8_t *a = ip6 + 8, *dst = ip6 + 24;
	uint64_t hi = rd64(a), lo = rd64(a + 8);

	if (hi == 0 && lo == 1)
		return WEIR_PKT_DROP_SRC_LOOPBACK;
	/* :: is the source of duplicate address detection (an NS to a
	 * solicited-node group) and of MLD reports (RFC 4862, 3810). */
	if (hi == 0 && lo == 0 && !(p->l4_proto == PROTO_ICMPV6 && dst[0] == 0xff))
		return WEIR_PKT_DROP_SRC_UNSPECIFIED;
	if (a[0] == 0xff)
		return WEIR_PKT_DROP_SRC_MULTICAST;
	if (hi == 0 && lo >> 32 == 0xffff)
		return WEIR_PKT_DROP_SRC_V4MAPPED;
	/* fe80::/10 never crosses a router: to a global address it is on-link
	 * traffic at most. Neighbour discovery and echo (ICMPv6) pass. */
	if (hi >> 54 == 0x3fa && p->l4_proto != PROTO_ICMPV6 && rd16(dst) >> 6 != 0x3fa &&
	    dst[0] != 0xff)
		return WEIR_PKT_DROP_SRC_LINK_LOCAL;
	if (filter_may(set, 6, a) && weir_addrs_find(set, 6, a) != NULL)
		return WEIR_PKT_DROP_SRC_OWN;
	return WEIR_PKT_DROP_NONE;
}

enum weir_pkt_drop
weir_pkt_check_source(const uint8_t *buf, const struct weir_pkt *p, const struct weir_addrs *set,
		      const uint8_t mac[6])
{
	uint64_t src = ld48(buf + 6);
	const uint8_t *l3 = buf + p->l2_len;

	if ((buf[6] & 1) || src == 0)
		return WEIR_PKT_DROP_L2_SRC_INVALID;
	if (src == ld48(mac))
		return WEIR_PKT_DROP_L2_SRC_OWN;
	switch (p->l3) {
	case WEIR_L3_ARP:
		return check_src4(l3 + 14, set, 1);
	case WEIR_L3_IPV4:
		return check_src4(l3 + 12, set, 0);
	case WEIR_L3_IPV6:
		return check_src6(l3, p, set);
	default:
		return WEIR_PKT_DROP_NONE;
	}
}

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
