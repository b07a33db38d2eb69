/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maglev lookup table (Eisenbud et al., "Maglev: A Fast and Reliable
 * Software Network Load Balancer", NSDI 2016, section 3.4), with weights.
 *
 * Each backend walks its own permutation of the slots, (offset + j * skip)
 * mod M, and claims the next free slot on its turn. Weights are honoured by
 * credit: every round a backend earns its weight and claims one slot per
 * max-weight of credit, so slot counts are proportional to weights and equal
 * weights reduce to the paper's one-slot-per-round.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "weir_lb.h"

/* Fixed seeds: part of the table's definition, never change them. */
#define SEED_ID 0x77656972u		  /* "weir" */
#define SEED_OFFSET 0x6d61676c65763031ULL /* "maglev01" */
#define SEED_SKIP 0x6d61676c65763032ULL	  /* "maglev02" */

static inline uint64_t
rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t
fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

uint64_t
weir_lb_hash64(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);
	size_t i;

	/* murmur3-style block mixing over little-endian 8-byte words. */
	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t k = 0;
		int b;

		for (b = 7; b >= 0; b--)
			k = k << 8 | p[i + (size_t)b];
		k *= 0x87c37b91114253d5ULL;
		k = rotl64(k, 31);
		k *= 0x4cf5ad432745937fULL;
		h ^= k;
		h = rotl64(h, 27) * 5 + 0x52dce729;
	}
	if (i < len) {
		uint64_t k = 0;
		size_t b;

		for (b = len; b > i; b--)
			k = k << 8 | p[b - 1];
		k *= 0x87c37b91114253d5ULL;
		k = rotl64(k, 31);
		k *= 0x4cf5ad432745937fULL;
		h ^= k;
	}
	return fmix64(h ^ len);
}

uint64_t
weir_lb_backend_id(int family, const uint8_t *addr, uint16_t port)
{
	uint8_t key[19];
	size_t n = family == 4 ? 4 : 16;

	key[0] = (uint8_t)family;
	memcpy(key + 1, addr, n);
	key[1 + n] = (uint8_t)(port >> 8);
	key[2 + n] = (uint8_t)port;
	return weir_lb_hash64(key, n + 3, SEED_ID);
}

int
weir_maglev_size_ok(uint32_t size)
{
	uint32_t d;

	if (size < 3 || size > WEIR_MAGLEV_MAX_SIZE || size % 2 == 0)
		return 0;
	for (d = 3; d <= size / d; d += 2)
		if (size % d == 0)
			return 0;
	return 1;
}

static uint64_t
id_hash(uint64_t id, uint64_t seed)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(id >> (8 * i));
	return weir_lb_hash64(b, sizeof(b), seed);
}

struct perm {
	uint32_t index; /* the backend's index in the caller's array */
	uint32_t next;	/* the backend's next candidate slot */
	uint32_t skip;
	uint32_t credit;
	uint32_t weight;
	uint64_t id;
};

static int
by_id(const void *a, const void *b)
{
	const struct perm *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

struct weir_maglev *
weir_maglev_build(uint32_t size, const struct weir_maglev_entry *e, uint32_t n)
{
	struct weir_maglev *m;
	struct perm *pm = NULL;
	uint32_t i, filled = 0, maxw = 0;

	if (!weir_maglev_size_ok(size) || n >= WEIR_LB_NONE || (n > 0 && e == NULL)) {
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (e[i].weight > WEIR_LB_MAX_WEIGHT) {
			errno = EINVAL;
			return NULL;
		}
		if (e[i].weight > maxw)
			maxw = e[i].weight;
	}
	m = malloc(sizeof(*m) + (size_t)size * sizeof(m->slots[0]));
	if (m == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	m->size = size;
	m->n_backends = n;
	memset(m->slots, 0xff, (size_t)size * sizeof(m->slots[0])); /* WEIR_LB_NONE */
	if (maxw == 0)
		return m;

	pm = calloc(n, sizeof(*pm));
	if (pm == NULL) {
		free(m);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		pm[i].next = (uint32_t)(id_hash(e[i].id, SEED_OFFSET) % size);
		pm[i].skip = (uint32_t)(id_hash(e[i].id, SEED_SKIP) % (size - 1)) + 1;
		pm[i].weight = e[i].weight;
		pm[i].id = e[i].id;
		pm[i].index = i;
	}
	/* Turns go in id order, not config order: two instances listing the same
	 * backends differently still build the same table. */
	qsort(pm, n, sizeof(*pm), by_id);
	for (;;) {
		for (i = 0; i < n; i++) {
			struct perm *p = &pm[i];

			p->credit += p->weight;
			while (p->credit >= maxw) {
				uint32_t c;

				p->credit -= maxw;
				/* M is prime and skip in [1, M-1]: the walk visits every slot. */
				do {
					c = p->next;
					p->next += p->skip;
					if (p->next >= size)
						p->next -= size;
				} while (m->slots[c] != WEIR_LB_NONE);
				m->slots[c] = p->index;
				if (++filled == size)
					goto done;
			}
		}
	}
done:
	free(pm);
	return m;
}

struct weir_maglev *
weir_maglev_build_failover(uint32_t size, const struct weir_maglev_entry *e, uint32_t n,
			   const uint8_t *serving)
{
	struct weir_maglev_entry *up;
	struct weir_maglev *home, *alt;
	uint32_t i, s, out = 0;

	home = weir_maglev_build(size, e, n);
	if (home == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		out += !serving[i] && e[i].weight > 0;
	if (out == 0)
		return home;
	up = malloc((n ? n : 1) * sizeof(*up));
	if (up == NULL) {
		weir_maglev_free(home);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		up[i] = e[i];
		if (!serving[i])
			up[i].weight = 0;
	}
	alt = weir_maglev_build(size, up, n);
	free(up);
	if (alt == NULL) {
		weir_maglev_free(home);
		return NULL;
	}
	for (s = 0; s < size; s++)
		if (home->slots[s] != WEIR_LB_NONE && !serving[home->slots[s]])
			home->slots[s] = alt->slots[s];
	weir_maglev_free(alt);
	return home;
}

void
weir_maglev_free(struct weir_maglev *m)
{
	free(m);
}
