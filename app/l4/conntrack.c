/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "conntrack.h"

/* One slot per second; longer timeouts go round the wheel (re-filed lazily). */
#define WHEEL_SLOTS 4096u
#define WHEEL_MASK (WHEEL_SLOTS - 1)

/*
 * The key index: a bucketed hash with two choices. A key lives
 * in its first bucket (7 entries, one cache line) or, when that was full, in
 * its second; the first bucket then counts it in `overflow`, so a lookup
 * reads the second bucket only for keys whose first bucket has overflowed
 * (rare: the index has at least 2 entries per connection, one key each, so
 * buckets stay at most half full). A FullNAT reply needs no key here: its
 * destination port names its connection (app/l4/lport.c). When both are full, an entry of either
 * moves to its own other bucket (b2 = b1 ^ f(sig), so that needs no key);
 * only if none can does the insert fail. Entries hold a 32-bit signature (never 0: 0 marks a free
 * entry) and the slot of the connection; the key itself is not stored: a signature match is
 * confirmed against the client key the connection holds, which the packet needs next anyway. So a
 * lookup touches one bucket line and the connection. bench/bench_conn compares it with rte_hash
 * (keys stored, extendable buckets), which weir used first: docs/benchmarks.md.
 */
#define BUCKET_ENTRIES 7
/* Index entries per connection; tests/ct builds a tight variant with 1. */
#ifndef WEIR_CT_INDEX_PER_CONN
#define WEIR_CT_INDEX_PER_CONN 2
#endif
#define ENTRIES_MASK 0x7fu
#define IN_SECOND 0x80000000u /* the entry is in its key's second bucket */
#define SLOT_MASK 0x7fffffffu

struct ct_bucket {
	uint32_t sig[BUCKET_ENTRIES];
	uint32_t overflow;	      /* keys whose first bucket this is, living in their second */
	uint32_t val[BUCKET_ENTRIES]; /* slot [| IN_SECOND] */
	uint32_t pad;
} __rte_cache_aligned;

struct weir_conntrack {
	struct ct_bucket *buckets;
	uint32_t bucket_mask;
	struct weir_conn *conns;
	uint32_t size, count;
	uint32_t free_head;
	uint32_t tick;	 /* next tick the wheel processes */
	uint32_t cursor; /* next connection of tick's slot, WEIR_CONN_NONE = its head */
	int started;
	uint32_t wheel[WHEEL_SLOTS];
};

struct ct_hash {
	uint32_t b1, b2, sig;
};

/* The other bucket of an entry in bucket b: symmetric, so an entry can move
 * between its two buckets without its key. */
static inline uint32_t
alt_bucket(const struct weir_conntrack *ct, uint32_t b, uint32_t sig)
{
	uint32_t f = (sig * 0x9e3779b1u) & ct->bucket_mask;

	return b ^ (f != 0 ? f : 1);
}

static inline void
ct_hash(const struct weir_conntrack *ct, const struct weir_conn_key *k, struct ct_hash *h)
{
	const uint64_t *w = (const uint64_t *)(const void *)k;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	unsigned int i;

	RTE_BUILD_BUG_ON(sizeof(*k) != 5 * sizeof(uint64_t));
	/* A multiply-xorshift chain over the five words. Not CRC-32C: its low
	 * bits are a linear map of the key, and keys that differ in one port
	 * only fell into a few buckets (tests/ct has such keys). */
	for (i = 0; i < 5; i++) {
		x = (x ^ w[i]) * 0xbf58476d1ce4e5b9ULL;
		x ^= x >> 31;
	}
	x ^= x >> 29;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 32;
	h->b1 = (uint32_t)x & ct->bucket_mask;
	h->sig = (uint32_t)(x >> 32) | 1;
	h->b2 = alt_bucket(ct, h->b1, h->sig);
}

/* Bit i set when entry i of b holds sig. */
static inline unsigned int
sig_match(const struct ct_bucket *b, uint32_t sig)
{
#ifdef __SSE2__
	__m128i s = _mm_set1_epi32((int)sig);
	__m128i lo = _mm_cmpeq_epi32(_mm_load_si128((const __m128i *)(const void *)&b->sig[0]), s);
	__m128i hi = _mm_cmpeq_epi32(_mm_load_si128((const __m128i *)(const void *)&b->sig[4]), s);

	/* Lane 7 is `overflow`, not an entry. */
	return ((unsigned int)_mm_movemask_ps(_mm_castsi128_ps(lo)) |
		(unsigned int)_mm_movemask_ps(_mm_castsi128_ps(hi)) << 4) &
	       ENTRIES_MASK;
#else
	unsigned int m = 0, i;

	for (i = 0; i < BUCKET_ENTRIES; i++)
		m |= (unsigned int)(b->sig[i] == sig) << i;
	return m;
#endif
}

/* Does the connection behind entry value v carry key k? */
static inline int
key_is(const struct weir_conntrack *ct, uint32_t v, const struct weir_conn_key *k)
{
	return memcmp(&ct->conns[v & SLOT_MASK].client, k, sizeof(*k)) == 0;
}

/* The entry value for k in bucket b, or WEIR_CONN_NONE. */
static inline uint32_t
bucket_find(const struct weir_conntrack *ct, const struct ct_bucket *b, uint32_t sig,
	    const struct weir_conn_key *k)
{
	unsigned int m = sig_match(b, sig);

	while (m != 0) {
		unsigned int i = (unsigned int)__builtin_ctz(m);

		if (key_is(ct, b->val[i], k))
			return b->val[i];
		m &= m - 1;
	}
	return WEIR_CONN_NONE;
}

static inline void
entry_set(struct ct_bucket *b, unsigned int i, uint32_t sig, uint32_t val)
{
	b->sig[i] = sig;
	b->val[i] = val;
}

/* Make room in bucket b (full) by moving one of its entries to that
 * entry's other bucket: the index of the entry freed, or -1. */
static int
make_room(struct weir_conntrack *ct, uint32_t bi)
{
	struct ct_bucket *b = &ct->buckets[bi];
	unsigned int i;

	for (i = 0; i < BUCKET_ENTRIES; i++) {
		uint32_t ai = alt_bucket(ct, bi, b->sig[i]);
		struct ct_bucket *a = &ct->buckets[ai];
		unsigned int f = sig_match(a, 0);

		if (f == 0)
			continue;
		if (b->val[i] & IN_SECOND) {
			/* Back to its first bucket. */
			entry_set(a, (unsigned int)__builtin_ctz(f), b->sig[i],
				  b->val[i] & ~IN_SECOND);
			a->overflow--;
		} else {
			entry_set(a, (unsigned int)__builtin_ctz(f), b->sig[i],
				  b->val[i] | IN_SECOND);
			b->overflow++;
		}
		b->sig[i] = 0;
		return (int)i;
	}
	return -1;
}

static int
index_add(struct weir_conntrack *ct, const struct weir_conn_key *k, uint32_t val)
{
	struct ct_hash h;
	struct ct_bucket *b1, *b2;
	unsigned int f;
	int i;

	ct_hash(ct, k, &h);
	b1 = &ct->buckets[h.b1];
	b2 = &ct->buckets[h.b2];
	if (bucket_find(ct, b1, h.sig, k) != WEIR_CONN_NONE ||
	    (b1->overflow != 0 && bucket_find(ct, b2, h.sig, k) != WEIR_CONN_NONE))
		return -EEXIST;
	/* The first bucket if it has room, else the second (counted in the
	 * first's overflow), else move one entry of either to its other bucket. */
	f = sig_match(b1, 0);
	if (f != 0) {
		entry_set(b1, (unsigned int)__builtin_ctz(f), h.sig, val);
		return 0;
	}
	f = sig_match(b2, 0);
	if (f != 0) {
		entry_set(b2, (unsigned int)__builtin_ctz(f), h.sig, val | IN_SECOND);
		b1->overflow++;
		return 0;
	}
	i = make_room(ct, h.b1);
	if (i >= 0) {
		entry_set(b1, (unsigned int)i, h.sig, val);
		return 0;
	}
	i = make_room(ct, h.b2);
	if (i >= 0) {
		entry_set(b2, (unsigned int)i, h.sig, val | IN_SECOND);
		b1->overflow++;
		return 0;
	}
	return -ENOSPC;
}

static void
index_del(struct weir_conntrack *ct, const struct weir_conn_key *k, uint32_t val)
{
	struct ct_bucket *b[2];
	struct ct_hash h;
	unsigned int j, i;

	ct_hash(ct, k, &h);
	b[0] = &ct->buckets[h.b1];
	b[1] = &ct->buckets[h.b2];
	for (j = 0; j < 2; j++)
		for (i = 0; i < BUCKET_ENTRIES; i++)
			if (b[j]->sig[i] == h.sig && (b[j]->val[i] & ~IN_SECOND) == val) {
				b[j]->sig[i] = 0;
				if (b[j]->val[i] & IN_SECOND)
					b[0]->overflow--;
				return;
			}
}

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
	struct weir_conntrack *ct;
	uint64_t nb = 2;
	uint32_t i;

	RTE_BUILD_BUG_ON(sizeof(struct weir_conn_key) != 40);
	RTE_BUILD_BUG_ON(sizeof(struct ct_bucket) != RTE_CACHE_LINE_SIZE);
	if (size == 0 || size > SLOT_MASK) {
		rte_errno = EINVAL;
		return NULL;
	}
	/* Entries >= 2 x size: one key per connection, at most half full. */
	while (nb * BUCKET_ENTRIES < (uint64_t)size * WEIR_CT_INDEX_PER_CONN)
		nb *= 2;
	ct = rte_zmalloc_socket(name, sizeof(*ct), RTE_CACHE_LINE_SIZE, socket);
	if (ct == NULL)
		return NULL;
	ct->buckets =
		rte_malloc_socket(name, nb * sizeof(struct ct_bucket), RTE_CACHE_LINE_SIZE, socket);
	ct->conns = rte_malloc_socket(name, (size_t)size * sizeof(ct->conns[0]),
				      RTE_CACHE_LINE_SIZE, socket);
	if (ct->conns == NULL || ct->buckets == NULL) {
		weir_ct_free(ct);
		rte_errno = ENOMEM;
		return NULL;
	}
	/* Written here, not left to rte_zmalloc (which skips memory it knows
	 * is zero): the pages are faulted in at start-up rather than by the
	 * first connections, a page fault each on a virtual machine. */
	memset(ct->buckets, 0, nb * sizeof(struct ct_bucket));
	ct->bucket_mask = (uint32_t)(nb - 1);
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
	rte_free(ct->buckets);
	rte_free(ct->conns);
	rte_free(ct);
}

static void
lookup_chunk(struct weir_conntrack *ct, const struct weir_conn_key **keys, unsigned int n,
	     uint32_t *idx)
{
	struct ct_hash h[WEIR_CT_BULK_MAX];
	uint32_t v;
	unsigned int i;

	/* Three passes so the cache misses of a burst overlap: hash and fetch
	 * the first bucket; match signatures and fetch the candidate connection
	 * (or the second bucket); confirm the key. */
	for (i = 0; i < n; i++) {
		ct_hash(ct, keys[i], &h[i]);
		rte_prefetch0(&ct->buckets[h[i].b1]);
	}
	for (i = 0; i < n; i++) {
		const struct ct_bucket *b = &ct->buckets[h[i].b1];
		unsigned int m = sig_match(b, h[i].sig);

		idx[i] = m != 0 ? b->val[__builtin_ctz(m)] : WEIR_CONN_NONE;
		if (idx[i] != WEIR_CONN_NONE) {
			/* Both lines: the key, then the state the packet updates. */
			rte_prefetch0(&ct->conns[idx[i] & SLOT_MASK]);
			rte_prefetch0((const char *)&ct->conns[idx[i] & SLOT_MASK] + 64);
		} else if (b->overflow != 0)
			rte_prefetch0(&ct->buckets[h[i].b2]);
	}
	for (i = 0; i < n; i++) {
		const struct ct_bucket *b1 = &ct->buckets[h[i].b1];

		v = idx[i];
		if (v != WEIR_CONN_NONE && likely(key_is(ct, v, keys[i]))) {
			idx[i] = v & SLOT_MASK;
			continue;
		}
		/* Not the first signature match: walk the buckets fully. */
		v = bucket_find(ct, b1, h[i].sig, keys[i]);
		if (v == WEIR_CONN_NONE && b1->overflow != 0)
			v = bucket_find(ct, &ct->buckets[h[i].b2], h[i].sig, keys[i]);
		idx[i] = v == WEIR_CONN_NONE ? WEIR_CONN_NONE : v & SLOT_MASK;
	}
}

void
weir_ct_lookup_bulk(struct weir_conntrack *ct, const struct weir_conn_key **keys, unsigned int n,
		    uint32_t *idx)
{
	unsigned int done;

	/* The passes keep per-key state on the stack: at most a chunk at once. */
	for (done = 0; done < n; done += WEIR_CT_BULK_MAX)
		lookup_chunk(ct, keys + done, RTE_MIN(n - done, (unsigned int)WEIR_CT_BULK_MAX),
			     idx + done);
}

uint32_t
weir_ct_add(struct weir_conntrack *ct, const struct weir_conn_key *client, uint32_t expire)
{
	struct weir_conn *c;
	uint32_t idx = ct->free_head;

	if (idx == WEIR_CONN_NONE)
		return WEIR_CONN_NONE;
	c = &ct->conns[idx];
	/* The key is confirmed against the connection: fill it first. Adding
	 * a key already present (the same flow twice in one burst) fails. */
	c->client = *client;
	if (index_add(ct, client, idx) != 0)
		return WEIR_CONN_NONE;
	ct->free_head = c->wheel_next;
	memset((uint8_t *)c + sizeof(c->client), 0, sizeof(*c) - sizeof(c->client));
	c->expire = expire;
	/* Never file behind the wheel's hand: it would wait a whole turn. */
	wheel_link(ct, idx, ct->started && expire < ct->tick ? ct->tick : expire);
	ct->count++;
	return idx;
}

struct weir_conn *
weir_ct_get(struct weir_conntrack *ct, uint32_t idx)
{
	return &ct->conns[idx];
}

uint32_t
weir_ct_index(const struct weir_conntrack *ct, const struct weir_conn *c)
{
	return (uint32_t)(c - ct->conns);
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
	index_del(ct, &c->client, idx);
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
	/* Control reads it while the owning worker writes it. */
	return __atomic_load_n(&ct->count, __ATOMIC_RELAXED);
}

uint32_t
weir_ct_capacity(const struct weir_conntrack *ct)
{
	return ct->size;
}
