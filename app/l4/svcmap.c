/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The keyed table of services (VIP, port, protocol) and local addresses
 * that every packet to weir is looked up in: built by control from the
 * config, held by the snapshot, read by the workers. Open addressing with
 * linear probing at most half full, so a lookup reads one or two slots.
 */
#include <stdlib.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "l4/l4-priv.h"

static inline uint32_t
key_hash(uint8_t family, const uint8_t *ip, uint16_t port, uint8_t proto)
{
	uint64_t a = 0, b = 0;
	uint32_t a4;

	if (family == 6) {
		memcpy(&a, ip, 8);
		memcpy(&b, ip + 8, 8);
	} else {
		memcpy(&a4, ip, 4);
		a = a4;
	}
	a ^= (b * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)port << 16 | (uint64_t)proto << 8 | family);
	a *= 0xbf58476d1ce4e5b9ull;
	a ^= a >> 31;
	return (uint32_t)(a >> 32);
}

static inline int
slot_is(const struct weir_svcmap_slot *s, uint8_t kind, uint8_t family, const uint8_t *ip,
	uint16_t port, uint8_t proto)
{
	if (s->kind != kind || s->family != family || s->port != port || s->proto != proto)
		return 0;
	/* Constant lengths: compared inline, no call. */
	return family == 4 ? memcmp(s->addr, ip, 4) == 0 : memcmp(s->addr, ip, 16) == 0;
}

static inline int
lookup(const struct weir_svcmap *m, uint8_t kind, uint8_t family, const uint8_t *ip, uint16_t port,
       uint8_t proto)
{
	uint32_t i = key_hash(family, ip, port, proto) & m->mask;

	for (;; i = (i + 1) & m->mask) {
		const struct weir_svcmap_slot *s = &m->slot[i];

		if (s->kind == 0)
			return -1;
		if (slot_is(s, kind, family, ip, port, proto))
			return s->index;
	}
}

int
l4_svcmap_service(const struct weir_svcmap *m, uint8_t family, const uint8_t *ip, uint16_t port,
		  uint8_t proto)
{
	return lookup(m, WEIR_SVCMAP_SERVICE, family, ip, port, proto);
}

int
weir_l4_local(const struct weir_l4_snap *snap, uint8_t family, const uint8_t *ip)
{
	return lookup(snap->map, WEIR_SVCMAP_LOCAL, family, ip, 0, 0);
}

static void
insert(struct weir_svcmap *m, uint8_t kind, const struct weir_addr *a, uint16_t port, uint8_t proto,
       unsigned int index)
{
	uint32_t i = key_hash(a->family, a->ip, port, proto) & m->mask;

	for (;; i = (i + 1) & m->mask) {
		struct weir_svcmap_slot *s = &m->slot[i];

		if (s->kind == 0)
			break;
		if (slot_is(s, kind, a->family, a->ip, port, proto))
			return; /* the first one stays, as a linear scan would find it */
	}
	m->slot[i].kind = kind;
	m->slot[i].family = a->family;
	m->slot[i].port = port;
	m->slot[i].proto = proto;
	m->slot[i].index = (uint8_t)index;
	memcpy(m->slot[i].addr, a->ip, ip_len(a->family));
	m->n++;
}

struct weir_svcmap *
l4_svcmap_build(void)
{
	const struct weir_config *cfg = weir.cfg;
	unsigned int n = cfg->n_services + weir_l4c.n_locals, size = 16, i;
	struct weir_svcmap *m;

	while (size < n * 2)
		size *= 2;
	m = rte_zmalloc("weir_svcmap", sizeof(*m) + size * sizeof(m->slot[0]), RTE_CACHE_LINE_SIZE);
	if (m == NULL)
		return NULL;
	m->mask = size - 1;
	/* Internal services share their http service's VIP and port: packets
	 * reach the http service, whose routes pick them. */
	for (i = 0; i < cfg->n_services; i++)
		if (!cfg->services[i].removed && cfg->services[i].internal == 0)
			insert(m, WEIR_SVCMAP_SERVICE, &cfg->services[i].vip, cfg->services[i].port,
			       cfg->services[i].proto, i);
	for (i = 0; i < weir_l4c.n_locals; i++)
		insert(m, WEIR_SVCMAP_LOCAL, &weir_l4c.locals[i], 0, 0, i);
	return m;
}
