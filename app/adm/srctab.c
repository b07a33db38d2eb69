/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_vect.h>

#include "srctab.h"

/*
 * Sets of 8 entries, and beside them one 32-bit tag per entry (hash bits
 * other than the set's; 0 for a free entry, never for a used one): the 8
 * tags of a set fill half a cache line, while its 8 entries span 11. A
 * lookup compares tags first and reads only the entry whose tag matches;
 * the full scan of the set (which decides where a new source goes) runs
 * only for sources that are not there. Whatever writes an entry's key
 * writes its tag.
 */
#define SET_WAYS 8

struct src_entry {
	struct weir_src_key key;
	struct weir_src_state st;
};

struct weir_srctab {
	struct src_entry *e;
	uint32_t *tag;
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
	t->tag = rte_malloc_socket(name, sets * SET_WAYS * sizeof(t->tag[0]), RTE_CACHE_LINE_SIZE,
				   socket);
	if (t->e == NULL || t->tag == NULL) {
		rte_free(t->e);
		rte_free(t->tag);
		rte_free(t);
		rte_errno = ENOMEM;
		return NULL;
	}
	/* Written now: pages in place before traffic. */
	memset(t->e, 0, sets * SET_WAYS * sizeof(t->e[0]));
	memset(t->tag, 0, sets * SET_WAYS * sizeof(t->tag[0]));
	t->set_mask = (uint32_t)(sets - 1);
	return t;
}

void
weir_srct_free(struct weir_srctab *t)
{
	if (t == NULL)
		return;
	rte_free(t->e);
	rte_free(t->tag);
	rte_free(t);
}

/* 64 hash bits: the high half picks the set, the low half is the tag. */
static inline uint64_t
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
	return x;
}

static inline uint32_t
src_base(const struct weir_srctab *t, uint64_t h)
{
	return ((uint32_t)(h >> 32) & t->set_mask) * SET_WAYS;
}

static inline uint32_t
src_tag(uint64_t h)
{
	return (uint32_t)h | 1; /* 0 is a free entry's */
}

/* Keys are 24 bytes at 8-byte offsets: three word compares, no call. */
static inline uint64_t
src_word(const struct weir_src_key *k, unsigned int i)
{
	uint64_t w;

	memcpy(&w, (const char *)k + 8 * i, sizeof(w));
	return w;
}

static inline bool
src_key_eq(const struct weir_src_key *a, const struct weir_src_key *b)
{
	return ((src_word(a, 0) ^ src_word(b, 0)) | (src_word(a, 1) ^ src_word(b, 1)) |
		(src_word(a, 2) ^ src_word(b, 2))) == 0;
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

/* The ways of the set at base whose tag is tag, as a bit mask: eight
 * compares without a branch (two vector compares on x86). */
static inline unsigned int
src_tag_match(const struct weir_srctab *t, uint32_t base, uint32_t tag)
{
	const uint32_t *g = &t->tag[base];
#ifdef RTE_ARCH_X86
	__m128i v = _mm_set1_epi32((int)tag);
	__m128i lo = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)g), v);
	__m128i hi = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(g + 4)), v);

	return (unsigned int)_mm_movemask_ps(_mm_castsi128_ps(lo)) |
	       (unsigned int)_mm_movemask_ps(_mm_castsi128_ps(hi)) << 4;
#else
	unsigned int w, m = 0;

	for (w = 0; w < SET_WAYS; w++)
		m |= (unsigned int)(g[w] == tag) << w;
	return m;
#endif
}

/* k, not found by its tag: its entry in the set (a tag can only be missed if
 * the table was written without one), else a free or reusable one made k's
 * (never one of held[0 .. n_held - 1]), else NULL. */
static struct weir_src_state *
src_insert(struct weir_srctab *t, uint32_t base, uint32_t tag, const struct weir_src_key *k,
	   uint64_t now_ns, struct weir_src_state *const *held, unsigned int n_held)
{
	struct src_entry *set = &t->e[base];
	struct src_entry *victim = NULL;
	unsigned int i;

	for (i = 0; i < SET_WAYS; i++) {
		struct src_entry *e = &set[i];

		if (e->key.family == 0) {
			if (victim == NULL || victim->key.family != 0)
				victim = e; /* a free entry beats a rested one */
			continue;
		}
		if (src_key_eq(&e->key, k))
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
	t->tag[victim - t->e] = tag;
	memset(&victim->st, 0, sizeof(victim->st)); /* full buckets */
	return &victim->st;
}

/* k's state: the entry among the ways in match whose key is k, else as
 * src_insert(). */
static inline struct weir_src_state *
src_resolve(struct weir_srctab *t, uint32_t base, uint32_t tag, unsigned int match,
	    const struct weir_src_key *k, uint64_t now_ns, struct weir_src_state *const *held,
	    unsigned int n_held)
{
	for (; match != 0; match &= match - 1) {
		struct src_entry *e = &t->e[base + (unsigned int)__builtin_ctz(match)];

		if (src_key_eq(&e->key, k))
			return &e->st;
	}
	return src_insert(t, base, tag, k, now_ns, held, n_held);
}

struct weir_src_state *
weir_srct_get(struct weir_srctab *t, const struct weir_src_key *k, uint64_t now_ns)
{
	uint64_t h = src_hash(k);
	uint32_t base = src_base(t, h), tag = src_tag(h);

	return src_resolve(t, base, tag, src_tag_match(t, base, tag), k, now_ns, NULL, 0);
}

unsigned int
weir_srct_get_bulk(struct weir_srctab *t, const struct weir_src_key *keys, unsigned int n,
		   uint64_t now_ns, struct weir_src_state **states)
{
	uint32_t base[WEIR_SRCT_BULK_MAX], tag[WEIR_SRCT_BULK_MAX];
	unsigned int match[WEIR_SRCT_BULK_MAX];
	unsigned int i, j, m, got = 0;

	for (i = 0; i < n; i += m) {
		m = RTE_MIN(n - i, (unsigned int)WEIR_SRCT_BULK_MAX);
		/* Three passes, so the misses of a burst overlap: hash and fetch the
		 * sets' tags; find the matching way and fetch its entry (88 bytes, on 2
		 * or 3 lines: admission reads all of it); confirm the key, in order
		 * (earlier keys may have changed a set). */
		for (j = 0; j < m; j++) {
			uint64_t h = src_hash(&keys[i + j]);

			base[j] = src_base(t, h);
			tag[j] = src_tag(h);
			rte_prefetch0(&t->tag[base[j]]);
		}
		for (j = 0; j < m; j++) {
			match[j] = src_tag_match(t, base[j], tag[j]);
			if (match[j] != 0) {
				const struct src_entry *e =
					&t->e[base[j] + (unsigned int)__builtin_ctz(match[j])];
				uintptr_t l = (uintptr_t)e & ~(uintptr_t)(RTE_CACHE_LINE_SIZE - 1);

				for (; l < (uintptr_t)(e + 1); l += RTE_CACHE_LINE_SIZE)
					rte_prefetch0((const void *)l);
			}
		}
		for (j = 0; j < m; j++) {
			states[i + j] = src_resolve(t, base[j], tag[j], match[j], &keys[i + j],
						    now_ns, states, i + j);
			got += states[i + j] != NULL;
		}
	}
	return got;
}

struct weir_src_state *
weir_srct_find(struct weir_srctab *t, const struct weir_src_key *k)
{
	uint64_t h = src_hash(k);
	uint32_t base = src_base(t, h);
	unsigned int m;

	for (m = src_tag_match(t, base, src_tag(h)); m != 0; m &= m - 1) {
		struct src_entry *e = &t->e[base + (unsigned int)__builtin_ctz(m)];

		if (src_key_eq(&e->key, k))
			return &e->st;
	}
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
