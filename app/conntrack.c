/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "conntrack.h"

/* One slot per second; longer timeouts go round the wheel (re-filed lazily). */
#define WHEEL_SLOTS 4096u
#define WHEEL_MASK (WHEEL_SLOTS - 1)

struct weir_conntrack {
	struct rte_hash *h;
	struct weir_conn *conns;
	uint32_t size, count;
	uint32_t free_head;
	uint32_t tick;   /* next tick the wheel processes */
	uint32_t cursor; /* next connection of tick's slot, WEIR_CONN_NONE = its head */
	int started;
	uint32_t wheel[WHEEL_SLOTS];
};

static void
wheel_link(struct weir_conntrack *ct, uint32_t idx, uint32_t tick)
{
	struct weir_conn *c = &ct->conns[idx];
	uint32_t *head = &ct->wheel[tick & WHEEL_MASK];

	c->wheel_tick = tick;
	c->wheel_prev = WEIR_CONN_NONE;
	c->wheel_next = *head;
	if (*head != WEIR_CONN_NONE)
		ct->conns[*head].wheel_prev = idx;
	*head = idx;
}

static void
wheel_unlink(struct weir_conntrack *ct, uint32_t idx)
{
	struct weir_conn *c = &ct->conns[idx];

	if (ct->cursor == idx)
		ct->cursor = c->wheel_next;
	if (c->wheel_prev != WEIR_CONN_NONE)
		ct->conns[c->wheel_prev].wheel_next = c->wheel_next;
	else
		ct->wheel[c->wheel_tick & WHEEL_MASK] = c->wheel_next;
	if (c->wheel_next != WEIR_CONN_NONE)
		ct->conns[c->wheel_next].wheel_prev = c->wheel_prev;
}

struct weir_conntrack *
weir_ct_create(const char *name, uint32_t size, int socket)
{
	struct rte_hash_parameters hp = {
		.name = name,
		/* Two keys per FullNAT connection; the extendable table means a
		 * full bucket never refuses a key while entries remain. */
		.entries = size * 2,
		.key_len = sizeof(struct weir_conn_key),
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct weir_conntrack *ct;
	uint32_t i;

	RTE_BUILD_BUG_ON(sizeof(struct weir_conn_key) != 40);
	ct = rte_zmalloc_socket("weir_ct", sizeof(*ct), RTE_CACHE_LINE_SIZE, socket);
	if (ct == NULL)
		return NULL;
	ct->conns = rte_malloc_socket("weir_ct_conns", (size_t)size * sizeof(ct->conns[0]),
				      RTE_CACHE_LINE_SIZE, socket);
	ct->h = rte_hash_create(&hp);
	if (ct->conns == NULL || ct->h == NULL) {
		weir_ct_free(ct);
		return NULL;
	}
	ct->size = size;
	for (i = 0; i < size; i++)
		ct->conns[i].wheel_next = i + 1 < size ? i + 1 : WEIR_CONN_NONE;
	ct->free_head = 0;
	ct->cursor = WEIR_CONN_NONE;
	for (i = 0; i < WHEEL_SLOTS; i++)
		ct->wheel[i] = WEIR_CONN_NONE;
	return ct;
}

void
weir_ct_free(struct weir_conntrack *ct)
{
	if (ct == NULL)
		return;
	rte_hash_free(ct->h);
	rte_free(ct->conns);
	rte_free(ct);
}

void
weir_ct_lookup_bulk(struct weir_conntrack *ct, const struct weir_conn_key **keys, unsigned int n,
		    uint32_t *idx)
{
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	uint64_t hits = 0;
	unsigned int i;

	if (n == 0)
		return;
	rte_hash_lookup_bulk_data(ct->h, (const void **)keys, n, &hits, data);
	for (i = 0; i < n; i++)
		idx[i] = (hits >> i) & 1 ? (uint32_t)(uintptr_t)data[i] : WEIR_CONN_NONE;
}

uint32_t
weir_ct_add(struct weir_conntrack *ct, const struct weir_conn_key *client, uint32_t expire)
{
	struct weir_conn *c;
	uint32_t idx = ct->free_head;

	if (idx == WEIR_CONN_NONE)
		return WEIR_CONN_NONE;
	/* rte_hash would overwrite an existing key's data: the same flow twice
	 * in one burst must not leak a slot. */
	if (rte_hash_lookup(ct->h, client) >= 0 ||
	    rte_hash_add_key_data(ct->h, client, (void *)(uintptr_t)idx) != 0)
		return WEIR_CONN_NONE;
	c = &ct->conns[idx];
	ct->free_head = c->wheel_next;
	memset(c, 0, sizeof(*c));
	c->client = *client;
	c->expire = expire;
	/* Never file behind the wheel's hand: it would wait a whole turn. */
	wheel_link(ct, idx, ct->started && expire < ct->tick ? ct->tick : expire);
	ct->count++;
	return idx;
}

int
weir_ct_add_backend(struct weir_conntrack *ct, uint32_t idx)
{
	struct weir_conn *c = &ct->conns[idx];
	struct weir_conn_key k;
	int rc;

	weir_conn_backend_key(c, &k);
	if (rte_hash_lookup(ct->h, &k) >= 0)
		return -EEXIST;
	rc = rte_hash_add_key_data(ct->h, &k, (void *)(uintptr_t)idx);
	if (rc != 0)
		return rc;
	c->flags |= WEIR_CONN_F_BKEY;
	return 0;
}

struct weir_conn *
weir_ct_get(struct weir_conntrack *ct, uint32_t idx)
{
	return &ct->conns[idx];
}

void
weir_ct_set_expire(struct weir_conntrack *ct, uint32_t idx, uint32_t expire)
{
	struct weir_conn *c = &ct->conns[idx];

	c->expire = expire;
	if (expire < c->wheel_tick) {
		wheel_unlink(ct, idx);
		wheel_link(ct, idx, expire < ct->tick ? ct->tick : expire);
	}
}

void
weir_ct_del(struct weir_conntrack *ct, uint32_t idx)
{
	struct weir_conn *c = &ct->conns[idx];

	wheel_unlink(ct, idx);
	rte_hash_del_key(ct->h, &c->client);
	if (c->flags & WEIR_CONN_F_BKEY) {
		struct weir_conn_key k;

		weir_conn_backend_key(c, &k);
		rte_hash_del_key(ct->h, &k);
	}
	c->wheel_next = ct->free_head;
	ct->free_head = idx;
	ct->count--;
}

unsigned int
weir_ct_expire(struct weir_conntrack *ct, uint32_t now, unsigned int budget,
	       void (*done)(void *arg, struct weir_conn *c), void *arg)
{
	unsigned int expired = 0;

	if (!ct->started) {
		ct->tick = now;
		ct->started = 1;
	}
	while (budget > 0 && ct->tick <= now) {
		uint32_t idx = ct->cursor == WEIR_CONN_NONE ? ct->wheel[ct->tick & WHEEL_MASK]
							     : ct->cursor;

		if (idx == WEIR_CONN_NONE) {
			ct->tick++;
			ct->cursor = WEIR_CONN_NONE;
			continue;
		}
		while (idx != WEIR_CONN_NONE && budget > 0) {
			struct weir_conn *c = &ct->conns[idx];
			uint32_t next = c->wheel_next;

			budget--;
			if (c->wheel_tick != ct->tick) {
				/* Filed for a later turn of the wheel: not due yet. */
			} else if (c->expire <= now) {
				if (done != NULL)
					done(arg, c);
				weir_ct_del(ct, idx);
				expired++;
			} else {
				/* Touched since it was filed: file it for its new time. */
				wheel_unlink(ct, idx);
				wheel_link(ct, idx, c->expire);
			}
			idx = next;
		}
		if (idx == WEIR_CONN_NONE) {
			ct->tick++;
			ct->cursor = WEIR_CONN_NONE;
		} else {
			ct->cursor = idx;
		}
	}
	return expired;
}

uint32_t
weir_ct_count(const struct weir_conntrack *ct)
{
	return ct->count;
}

uint32_t
weir_ct_capacity(const struct weir_conntrack *ct)
{
	return ct->size;
}
