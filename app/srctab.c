/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "srctab.h"

#define SET_WAYS 8

struct src_entry {
	struct weir_src_key key;
	struct weir_src_state st;
};

struct weir_srctab {
	struct src_entry *e;
	uint32_t set_mask;
	uint32_t count;
};

struct weir_srctab *
weir_srct_create(const char *name, uint32_t size, int socket)
{
	struct weir_srctab *t;
	uint64_t sets = 1;

	RTE_BUILD_BUG_ON(sizeof(struct weir_src_key) != 24);
	RTE_BUILD_BUG_ON(sizeof(struct src_entry) != 88);
	while (sets * SET_WAYS < size)
		sets *= 2;
	t = rte_zmalloc_socket(name, sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL)
		return NULL;
	t->e = rte_malloc_socket(name, sets * SET_WAYS * sizeof(t->e[0]), RTE_CACHE_LINE_SIZE,
				 socket);
	if (t->e == NULL) {
		rte_free(t);
		rte_errno = ENOMEM;
		return NULL;
	}
	/* Written now: pages in place before traffic. */
	memset(t->e, 0, sets * SET_WAYS * sizeof(t->e[0]));
	t->set_mask = (uint32_t)(sets - 1);
	return t;
}

void
weir_srct_free(struct weir_srctab *t)
{
	if (t == NULL)
		return;
	rte_free(t->e);
	rte_free(t);
}

static inline uint32_t
src_hash(const struct weir_src_key *k)
{
	const uint64_t *w = (const uint64_t *)(const void *)k;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		x = (x ^ w[i]) * 0xbf58476d1ce4e5b9ULL;
		x ^= x >> 31;
	}
	x *= 0x94d049bb133111ebULL;
	return (uint32_t)(x >> 32);
}

static inline struct src_entry *
src_set(const struct weir_srctab *t, uint32_t h)
{
	return &t->e[(h & t->set_mask) * SET_WAYS];
}

/* Whether e's state is among the n given to earlier keys of a bulk call. */
static inline bool
src_held(const struct src_entry *e, struct weir_src_state *const *held, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (held[i] == &e->st)
			return true;
	return false;
}

/* k's entry in its set, else a free or reusable one made k's (never one of
 * held[0 .. n_held - 1]), else NULL. */
static inline struct weir_src_state *
src_resolve(struct weir_srctab *t, struct src_entry *set, const struct weir_src_key *k,
	    uint64_t now_ns, struct weir_src_state *const *held, unsigned int n_held)
{
	struct src_entry *victim = NULL;
	unsigned int i;

	for (i = 0; i < SET_WAYS; i++) {
		struct src_entry *e = &set[i];

		if (e->key.family == 0) {
			if (victim == NULL || victim->key.family != 0)
				victim = e; /* a free entry beats a rested one */
			continue;
		}
		if (memcmp(&e->key, k, sizeof(*k)) == 0)
			return &e->st;
		if (victim == NULL && e->st.rested_ns <= now_ns && e->st.conns == 0 &&
		    !src_held(e, held, n_held))
			victim = e;
	}
	if (victim == NULL)
		return NULL;
	if (victim->key.family == 0)
		t->count++;
	victim->key = *k;
	memset(&victim->st, 0, sizeof(victim->st)); /* full buckets */
	return &victim->st;
}

struct weir_src_state *
weir_srct_get(struct weir_srctab *t, const struct weir_src_key *k, uint64_t now_ns)
{
	return src_resolve(t, src_set(t, src_hash(k)), k, now_ns, NULL, 0);
}

unsigned int
weir_srct_get_bulk(struct weir_srctab *t, const struct weir_src_key *keys, unsigned int n,
		   uint64_t now_ns, struct weir_src_state **states)
{
	struct src_entry *set[WEIR_SRCT_BULK_MAX];
	unsigned int i, j, m, got = 0;

	for (i = 0; i < n; i += m) {
		m = RTE_MIN(n - i, (unsigned int)WEIR_SRCT_BULK_MAX);
		/* Hash the burst and start fetching its sets, so their misses overlap. */
		for (j = 0; j < m; j++) {
			set[j] = src_set(t, src_hash(&keys[i + j]));
			rte_prefetch0(set[j]);
		}
		for (j = 0; j < m; j++) {
			states[i + j] = src_resolve(t, set[j], &keys[i + j], now_ns, states, i + j);
			got += states[i + j] != NULL;
		}
	}
	return got;
}

struct weir_src_state *
weir_srct_find(struct weir_srctab *t, const struct weir_src_key *k)
{
	struct src_entry *set = &t->e[(src_hash(k) & t->set_mask) * SET_WAYS];
	unsigned int i;

	for (i = 0; i < SET_WAYS; i++)
		if (set[i].key.family != 0 && memcmp(&set[i].key, k, sizeof(*k)) == 0)
			return &set[i].st;
	return NULL;
}

uint32_t
weir_srct_index(const struct weir_srctab *t, const struct weir_src_state *s)
{
	return (uint32_t)(container_of(s, const struct src_entry, st) - t->e);
}

struct weir_src_state *
weir_srct_at(struct weir_srctab *t, uint32_t idx)
{
	return &t->e[idx].st;
}

uint32_t
weir_srct_count(const struct weir_srctab *t)
{
	/* Control reads it while the owning worker writes it. */
	return __atomic_load_n(&t->count, __ATOMIC_RELAXED);
}
