/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Space-Saving heavy hitters (Metwally, Agrawal, El Abbadi: "Efficient
 * computation of frequent and top-k elements in data streams", ICDT 2005).
 *
 * k counters, each a key with its count and error. A tracked key's counter
 * grows; a new key takes over the smallest counter (count min) and starts
 * at min + weight with error min: its true count cannot exceed that, since
 * a key that is not tracked has been counted at most min times (the
 * counter it last lost had reached at most the current min).
 *
 * The counters are kept in the paper's stream summary: a list of buckets in
 * ascending count, each holding the counters with that count, so the
 * smallest counter is the first bucket's and a unit increment moves a
 * counter to the next bucket (or renames its bucket): O(1). A heap would
 * do O(log k) work per miss whatever the traffic, because on heavy-tailed
 * traffic most counters tie at the minimum and a replaced minimum sinks to
 * the bottom. A weight w > 1 walks past the buckets with counts between
 * (at most k of them; a packet weighs 1).
 *
 * Layout, all in the caller's block, after a 128-byte header:
 *   slot[k]      48 B  counter: key, its hash, error, its bucket, siblings
 *                      in that bucket; a slot never moves, so the index can
 *                      point at it
 *   bucket[k+1]  24 B  count, a first counter, neighbours by count; unused
 *                      ones on a free list (one more than k: a move takes its
 *                      new bucket before it frees the old one)
 *   index[2^b]    8 B  open addressing (linear probing, at most half full)
 *                      from key to slot: {hash low 32 bits, slot + 1},
 *                      0 = empty; removal shifts the chain back (no
 *                      tombstones, so probes stay short however many keys
 *                      pass through)
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "weir_ratelimit.h"

#define TOPK_ALIGN 8u
#define TOPK_HDR 128u
#define NIL UINT32_MAX

struct topk_slot {
	struct weir_rl_topk_key key;
	uint32_t hash; /* low 32 bits of the key's hash: its index home and tag */
	uint64_t error;
	uint32_t bucket;
	uint32_t prev; /* counters of the same bucket, NIL-terminated */
	uint32_t next;
	uint32_t pad;
};

struct topk_bucket {
	uint64_t count;
	uint32_t first; /* a counter with this count */
	uint32_t prev;	/* buckets in ascending count, NIL-terminated */
	uint32_t next;
	uint32_t pad;
};

struct topk_index {
	uint32_t hash;
	uint32_t slot1; /* slot + 1; 0: empty */
};

struct weir_rl_topk {
	struct topk_slot *slot;
	struct topk_bucket *bucket;
	struct topk_index *index;
	uint64_t seed;
	uint64_t total; /* weight added (or merged) */
	uint64_t floor; /* the most an untracked key can have, while counters are free */
	uint32_t k;	/* counters */
	uint32_t used;	/* counters in use: slot[0 .. used - 1] */
	uint32_t imask; /* index entries - 1 */
	uint32_t min;	/* the bucket with the smallest count, NIL when empty */
	uint32_t free;	/* free buckets, linked by next */
};

_Static_assert(sizeof(struct weir_rl_topk_key) == 20, "topk key is 20 bytes");
_Static_assert(sizeof(struct topk_slot) == 48, "topk slot is 48 bytes");
_Static_assert(sizeof(struct topk_bucket) == 24, "topk bucket is 24 bytes");
_Static_assert(sizeof(struct weir_rl_topk) <= TOPK_HDR, "topk header fits");

static inline uint64_t
sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* Index entries for k counters: a power of two >= 2k. */
static uint64_t
index_size(uint32_t k)
{
	uint64_t n = 2;

	while (n < 2 * (uint64_t)k)
		n *= 2;
	return n;
}

size_t
weir_rl_topk_size(uint32_t k)
{
	if (k == 0 || k > WEIR_RL_TOPK_MAX)
		return 0;
	return TOPK_HDR + (size_t)k * sizeof(struct topk_slot) +
	       ((size_t)k + 1) * sizeof(struct topk_bucket) +
	       (size_t)index_size(k) * sizeof(struct topk_index);
}

struct weir_rl_topk *
weir_rl_topk_init(void *mem, size_t len, uint32_t k, uint64_t seed)
{
	struct weir_rl_topk *t = mem;
	size_t need = weir_rl_topk_size(k);
	char *p = mem;

	if (mem == NULL || (uintptr_t)mem % TOPK_ALIGN != 0 || need == 0) {
		errno = EINVAL;
		return NULL;
	}
	if (len < need) {
		errno = ENOSPC;
		return NULL;
	}
	memset(t, 0, sizeof(*t));
	p += TOPK_HDR;
	t->slot = (struct topk_slot *)(void *)p;
	p += (size_t)k * sizeof(struct topk_slot);
	t->bucket = (struct topk_bucket *)(void *)p;
	p += ((size_t)k + 1) * sizeof(struct topk_bucket);
	t->index = (struct topk_index *)(void *)p;
	t->k = k;
	t->imask = (uint32_t)(index_size(k) - 1);
	t->seed = seed;
	weir_rl_topk_reset(t);
	return t;
}

/* Buckets from..k free. */
static void
bucket_free_from(struct weir_rl_topk *t, uint32_t from)
{
	uint32_t j;

	for (j = from; j <= t->k; j++)
		t->bucket[j].next = j < t->k ? j + 1 : NIL;
	t->free = from <= t->k ? from : NIL;
}

void
weir_rl_topk_reset(struct weir_rl_topk *t)
{
	memset(t->index, 0, ((size_t)t->imask + 1) * sizeof(t->index[0]));
	bucket_free_from(t, 0);
	t->min = NIL;
	t->used = 0;
	t->total = 0;
	t->floor = 0;
}

uint64_t
weir_rl_topk_total(const struct weir_rl_topk *t)
{
	return t->total;
}

uint32_t
weir_rl_topk_count(const struct weir_rl_topk *t)
{
	return t->used;
}

/* Keyed mix of the 20 key bytes (multiply-xorshift rounds from a secret
 * start): cheap enough per packet; the seed keeps the index layout unknown
 * to senders. Not a cryptographic PRF. */
static inline uint32_t
topk_hash(const struct weir_rl_topk *t, const struct weir_rl_topk_key *key)
{
	uint64_t a, b, x;
	uint32_t c;

	memcpy(&a, key, 8);
	memcpy(&b, (const char *)key + 8, 8);
	memcpy(&c, (const char *)key + 16, 4);
	x = (t->seed ^ a) * 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 29) ^ b) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 32) ^ c) * 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (uint32_t)x;
}

static inline bool
key_eq(const struct weir_rl_topk_key *a, const struct weir_rl_topk_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* ---- index ---------------------------------------------------------------- */

/* The index position holding key, or of the empty entry ending its chain. */
static inline uint32_t
index_find(const struct weir_rl_topk *t, const struct weir_rl_topk_key *key, uint32_t h)
{
	uint32_t i = h & t->imask;

	for (;; i = (i + 1) & t->imask) {
		const struct topk_index *e = &t->index[i];

		if (e->slot1 == 0 || (e->hash == h && key_eq(&t->slot[e->slot1 - 1].key, key)))
			return i;
	}
}

/* Remove the entry at i and close the gap: later entries of the run move
 * back unless that would put them before their home (Knuth's Algorithm R). */
static void
index_remove(struct weir_rl_topk *t, uint32_t i)
{
	uint32_t j = i, home;

	for (;;) {
		t->index[i].slot1 = 0;
		for (;;) {
			j = (j + 1) & t->imask;
			if (t->index[j].slot1 == 0)
				return;
			home = t->index[j].hash & t->imask;
			/* j stays if its home lies cyclically in (i, j]. */
			if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
				continue;
			break;
		}
		t->index[i] = t->index[j];
		i = j;
	}
}

/* The index position of slot s (which is in the index). */
static uint32_t
index_of_slot(const struct weir_rl_topk *t, uint32_t s)
{
	uint32_t i = t->slot[s].hash & t->imask;

	while (t->index[i].slot1 != s + 1)
		i = (i + 1) & t->imask;
	return i;
}

/* ---- stream summary ------------------------------------------------------- */

/* A new bucket of this count, after bucket p (NIL: first). */
static inline uint32_t
bucket_new(struct weir_rl_topk *t, uint64_t count, uint32_t p)
{
	struct topk_bucket *bk = t->bucket;
	uint32_t j = t->free, n = p == NIL ? t->min : bk[p].next;

	t->free = bk[j].next;
	bk[j].count = count;
	bk[j].first = NIL;
	bk[j].prev = p;
	bk[j].next = n;
	if (p == NIL)
		t->min = j;
	else
		bk[p].next = j;
	if (n != NIL)
		bk[n].prev = j;
	return j;
}

static inline void
bucket_drop(struct weir_rl_topk *t, uint32_t b)
{
	struct topk_bucket *bk = t->bucket;

	if (bk[b].prev == NIL)
		t->min = bk[b].next;
	else
		bk[bk[b].prev].next = bk[b].next;
	if (bk[b].next != NIL)
		bk[bk[b].next].prev = bk[b].prev;
	bk[b].next = t->free;
	t->free = b;
}

static inline void
slot_attach(struct weir_rl_topk *t, uint32_t s, uint32_t b)
{
	uint32_t f = t->bucket[b].first;

	t->slot[s].bucket = b;
	t->slot[s].prev = NIL;
	t->slot[s].next = f;
	if (f != NIL)
		t->slot[f].prev = s;
	t->bucket[b].first = s;
}

/* Take s out of its bucket; drop the bucket if that empties it. */
static inline void
slot_detach(struct weir_rl_topk *t, uint32_t s)
{
	struct topk_slot *sl = &t->slot[s];

	if (sl->prev != NIL)
		t->slot[sl->prev].next = sl->next;
	else
		t->bucket[sl->bucket].first = sl->next;
	if (sl->next != NIL)
		t->slot[sl->next].prev = sl->prev;
	if (t->bucket[sl->bucket].first == NIL)
		bucket_drop(t, sl->bucket);
}

/* Raise counter s (in a bucket) to count, which is larger than its own. */
static inline void
counter_raise(struct weir_rl_topk *t, uint32_t s, uint64_t count)
{
	struct topk_bucket *bk = t->bucket;
	uint32_t b = t->slot[s].bucket, p = b, n;

	/* p: the last bucket below count. */
	while ((n = bk[p].next) != NIL && bk[n].count < count)
		p = n;
	if (n == NIL || bk[n].count != count) {
		if (p == b && t->slot[s].prev == NIL && t->slot[s].next == NIL) {
			bk[b].count = count; /* alone, and no bucket in between: rename */
			return;
		}
		n = bucket_new(t, count, p);
	}
	slot_detach(t, s);
	slot_attach(t, s, n);
}

/* Put counter s (in no bucket) at count. */
static void
counter_place(struct weir_rl_topk *t, uint32_t s, uint64_t count)
{
	struct topk_bucket *bk = t->bucket;
	uint32_t p = NIL, n = t->min;

	while (n != NIL && bk[n].count < count) {
		p = n;
		n = bk[n].next;
	}
	if (n == NIL || bk[n].count != count)
		n = bucket_new(t, count, p);
	slot_attach(t, s, n);
}

static inline void
slot_set_key(struct weir_rl_topk *t, uint32_t s, const struct weir_rl_topk_key *key, uint32_t h,
	     uint32_t i, uint64_t error)
{
	t->slot[s].key = *key;
	t->slot[s].hash = h;
	t->slot[s].error = error;
	t->index[i].hash = h;
	t->index[i].slot1 = s + 1;
}

void
weir_rl_topk_add(struct weir_rl_topk *t, const struct weir_rl_topk_key *key, uint64_t count)
{
	uint32_t h, i, s;
	uint64_t c;

	if (count == 0)
		return;
	t->total = sat_add(t->total, count);
	h = topk_hash(t, key);
	i = index_find(t, key, h);
	if (t->index[i].slot1 != 0) {
		s = t->index[i].slot1 - 1;
		c = t->bucket[t->slot[s].bucket].count;
		if (c != UINT64_MAX)
			counter_raise(t, s, sat_add(c, count));
		return;
	}
	if (t->used < t->k) {
		/* A free counter: the key had at most floor (0 unless merged). */
		s = t->used++;
		slot_set_key(t, s, key, h, i, t->floor);
		counter_place(t, s, sat_add(t->floor, count));
		return;
	}
	/* The smallest counter changes hands. */
	s = t->bucket[t->min].first;
	c = t->bucket[t->min].count;
	index_remove(t, index_of_slot(t, s));
	/* The removal may have moved the chain: find the key's place again. */
	i = index_find(t, key, h);
	slot_set_key(t, s, key, h, i, c);
	if (c != UINT64_MAX)
		counter_raise(t, s, sat_add(c, count));
}

int
weir_rl_topk_lookup(const struct weir_rl_topk *t, const struct weir_rl_topk_key *key,
		    struct weir_rl_topk_entry *e)
{
	uint32_t i = index_find(t, key, topk_hash(t, key)), s;

	if (t->index[i].slot1 == 0)
		return -ENOENT;
	s = t->index[i].slot1 - 1;
	e->key = t->slot[s].key;
	e->count = t->bucket[t->slot[s].bucket].count;
	e->error = t->slot[s].error;
	return 0;
}

/* ---- query ---------------------------------------------------------------- */

/* Order of the report: larger count first, then smaller key. */
static inline bool
entry_before(const struct weir_rl_topk_entry *a, const struct weir_rl_topk_entry *b)
{
	if (a->count != b->count)
		return a->count > b->count;
	return memcmp(&a->key, &b->key, sizeof(a->key)) < 0;
}

/* Sift down in a heap whose root is the entry that comes last in the report. */
static void
out_down(struct weir_rl_topk_entry *o, uint32_t n, uint32_t pos)
{
	struct weir_rl_topk_entry e = o[pos];
	uint32_t c;

	for (;;) {
		c = 2 * pos + 1;
		if (c >= n)
			break;
		if (c + 1 < n && entry_before(&o[c], &o[c + 1]))
			c++;
		if (!entry_before(&e, &o[c]))
			break;
		o[pos] = o[c];
		pos = c;
	}
	o[pos] = e;
}

uint32_t
weir_rl_topk_query(const struct weir_rl_topk *t, struct weir_rl_topk_entry *out, uint32_t n)
{
	struct weir_rl_topk_entry e, tmp;
	uint32_t m = 0, s, i;

	if (n == 0)
		return 0;
	/* Keep the best n seen in out[], a heap whose root is the worst of them. */
	for (s = 0; s < t->used; s++) {
		e.key = t->slot[s].key;
		e.count = t->bucket[t->slot[s].bucket].count;
		e.error = t->slot[s].error;
		if (m < n) {
			out[m++] = e;
			if (m == n)
				for (i = n / 2; i-- > 0;)
					out_down(out, n, i);
		} else if (entry_before(&e, &out[0])) {
			out[0] = e;
			out_down(out, n, 0);
		}
	}
	if (m < n)
		for (i = m / 2; i-- > 0;)
			out_down(out, m, i);
	/* Heap sort: the worst goes to the end, then the next worst... */
	for (i = m; i > 1; i--) {
		tmp = out[0];
		out[0] = out[i - 1];
		out[i - 1] = tmp;
		out_down(out, i - 1, 0);
	}
	return m;
}

/* ---- merge ---------------------------------------------------------------- */

/* The most a key that t does not track can have been counted in t. */
static uint64_t
untracked_bound(const struct weir_rl_topk *t)
{
	return t->used < t->k ? t->floor : t->bucket[t->min].count;
}

/*
 * While merging, dst holds its candidates in slot[0 .. m - 1] as a min-heap
 * on count, the count of slot i parked in bucket[i].count (the buckets are
 * all free then): the k best candidates are kept without memory of their
 * own, then sorted and linked into buckets in one pass.
 */
static void
cand_swap(struct weir_rl_topk *t, uint32_t a, uint32_t b)
{
	struct topk_slot s = t->slot[a];
	uint64_t c = t->bucket[a].count;

	t->slot[a] = t->slot[b];
	t->bucket[a].count = t->bucket[b].count;
	t->slot[b] = s;
	t->bucket[b].count = c;
}

static void
cand_down(struct weir_rl_topk *t, uint32_t pos, uint32_t m)
{
	uint32_t c;

	for (;;) {
		c = 2 * pos + 1;
		if (c >= m)
			return;
		if (c + 1 < m && t->bucket[c + 1].count < t->bucket[c].count)
			c++;
		if (t->bucket[c].count >= t->bucket[pos].count)
			return;
		cand_swap(t, pos, c);
		pos = c;
	}
}

static void
cand_offer(struct weir_rl_topk *t, uint32_t *m, const struct weir_rl_topk_key *key, uint64_t count,
	   uint64_t error)
{
	uint32_t pos;

	if (*m == t->k) {
		/* Full: the candidate replaces the smallest if it is larger. */
		if (t->bucket[0].count >= count)
			return;
		t->slot[0].key = *key;
		t->slot[0].error = error;
		t->bucket[0].count = count;
		cand_down(t, 0, *m);
		return;
	}
	pos = (*m)++;
	t->slot[pos].key = *key;
	t->slot[pos].error = error;
	t->bucket[pos].count = count;
	while (pos > 0 && t->bucket[(pos - 1) / 2].count > count) {
		cand_swap(t, pos, (pos - 1) / 2);
		pos = (pos - 1) / 2;
	}
}

/* Candidates in slot[0 .. m - 1] (a min-heap) become the summary. */
static void
cand_commit(struct weir_rl_topk *t, uint32_t m)
{
	uint32_t i, last = NIL, nb = 0;

	/* Heap sort (descending), then reverse: ascending counts. */
	for (i = m; i > 1; i--) {
		cand_swap(t, 0, i - 1);
		cand_down(t, 0, i - 1);
	}
	for (i = 0; i < m / 2; i++)
		cand_swap(t, i, m - 1 - i);
	/* Bucket j is written only after slot j's parked count was read (j <= i). */
	t->min = NIL;
	for (i = 0; i < m; i++) {
		uint64_t count = t->bucket[i].count;
		uint32_t h = topk_hash(t, &t->slot[i].key);

		if (last == NIL || t->bucket[last].count != count) {
			t->bucket[nb].count = count;
			t->bucket[nb].first = NIL;
			t->bucket[nb].prev = last;
			t->bucket[nb].next = NIL;
			if (last == NIL)
				t->min = nb;
			else
				t->bucket[last].next = nb;
			last = nb++;
		}
		slot_attach(t, i, last);
		slot_set_key(t, i, &t->slot[i].key, h, index_find(t, &t->slot[i].key, h),
			     t->slot[i].error);
	}
	bucket_free_from(t, nb);
	t->used = m;
}

int
weir_rl_topk_merge(struct weir_rl_topk *dst, const struct weir_rl_topk *const *src,
		   unsigned int n_src)
{
	uint64_t bound = 0, total = 0;
	unsigned int a, b;
	uint32_t s, m = 0;

	if (n_src > 0 && src == NULL)
		return -EINVAL;
	for (a = 0; a < n_src; a++)
		if (src[a] == NULL || src[a] == dst)
			return -EINVAL;
	weir_rl_topk_reset(dst);
	for (a = 0; a < n_src; a++) {
		bound = sat_add(bound, untracked_bound(src[a]));
		total = sat_add(total, src[a]->total);
	}
	/* Each key once: at the first source that tracks it. */
	for (a = 0; a < n_src; a++) {
		for (s = 0; s < src[a]->used; s++) {
			const struct weir_rl_topk_key *key = &src[a]->slot[s].key;
			uint64_t count = 0, error = 0;
			struct weir_rl_topk_entry e;
			bool seen = false;

			for (b = 0; b < n_src && !seen; b++) {
				if (weir_rl_topk_lookup(src[b], key, &e) == 0) {
					seen = b < a;
				} else {
					e.count = untracked_bound(src[b]);
					e.error = e.count;
				}
				count = sat_add(count, e.count);
				error = sat_add(error, e.error);
			}
			if (!seen)
				cand_offer(dst, &m, key, count, error);
		}
	}
	cand_commit(dst, m);
	dst->total = total;
	/* Every merged count is at least bound. While dst has free counters all
	 * candidates fit, and a key in no source has at most bound; once full, a
	 * key that did not fit has at most the smallest count, as always. */
	dst->floor = bound;
	return 0;
}
