/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The martian source check (weir_pkt_check_source()) and the index of
 * the address set it uses (weir_addrs_index()).
 */
#include <string.h>

#include "pkt_priv.h"

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
