/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-worker cache of verified tokens (weir_jwt.h). Set-associative:
 * 4 ways per set, the sets a power of two. A set's metadata (the ways'
 * hashes, generations, lengths and LRU ranks) is one cache line; each way's
 * entry (expiry, the caller's value, the token's bytes) is apart, read only
 * when the hash and the length match. A hit costs the hash of the token,
 * that line, and one memcmp() of the token against the stored bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "weir_jwt.h"

#define WAYS WEIR_JWT_CACHE_WAYS

struct weir_jwt_cache_set {
	uint64_t tag[WAYS]; /* the token's hash */
	uint32_t gen[WAYS];
	uint16_t len[WAYS]; /* 0: free */
	/* 0 (most recently used) to 3 (least): always a permutation of 0-3,
	 * so the victim is the way ranked 3. */
	uint8_t rank[WAYS];
	uint8_t pad[4];
} __attribute__((aligned(64)));

struct weir_jwt_cache_entry {
	int64_t expiry;
	struct weir_jwt_cached v;
	char tok[WEIR_JWT_CACHE_TOKEN_MAX];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct weir_jwt_cache_set) == 64, "a set is one cache line");
_Static_assert(WEIR_JWT_CACHE_TOKEN_MAX < UINT16_MAX, "lengths are stored in 16 bits");

/* wyhash's constants (odd, half their bits set). */
#define P0 0xa0761d6478bd642full
#define P1 0xe7037ed1a0b428dbull
#define P2 0x8ebc6af09c88c6e3ull

/* 64x64 -> 128-bit multiply, the halves folded: the mixing step. */
static inline uint64_t
mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t
load64(const char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t
load32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Two 8-byte words per multiply, the running state in one of them (as
 * wyhash does): a 250-byte token is 16 dependent multiplies, about 30 ns.
 * Both words are keyed (k1 and the state, itself from k0), so a word cannot
 * zero a product without knowing the per-worker keys. Not a PRF, and it
 * need not be: see weir_jwt.h.
 */
static inline uint64_t
token_hash(const struct weir_jwt_cache *c, const char *p, size_t len)
{
	uint64_t h = c->k0 ^ (len * P2), a, b;
	size_t n = len;

	for (; n > 16; n -= 16, p += 16)
		h = mix(load64(p) ^ c->k1, load64(p + 8) ^ h);
	/* The last 1-16 bytes, as two (possibly overlapping) words. */
	if (n > 8) {
		a = load64(p);
		b = load64(p + n - 8);
	} else if (n >= 4) {
		a = load32(p);
		b = load32(p + n - 4);
	} else if (n > 0) {
		a = (uint64_t)(uint8_t)p[0] << 16 | (uint64_t)(uint8_t)p[n / 2] << 8 |
		    (uint8_t)p[n - 1];
		b = 0;
	} else {
		a = b = 0;
	}
	h = mix(a ^ c->k1, b ^ h);
	return mix(h ^ P0, len ^ P1) & c->hash_mask;
}

uint64_t
weir_jwt_cache_hash(const struct weir_jwt_cache *c, const char *tok, size_t len)
{
	return token_hash(c, tok, len);
}

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

size_t
weir_jwt_cache_size(uint32_t entries)
{
	if (entries < WAYS || (entries & (entries - 1)) != 0)
		return 0;
	return (size_t)(entries / WAYS) * sizeof(struct weir_jwt_cache_set) +
	       (size_t)entries * sizeof(struct weir_jwt_cache_entry) + 63;
}

int
weir_jwt_cache_init(struct weir_jwt_cache *c, void *mem, size_t len, uint32_t entries,
		    uint64_t seed)
{
	size_t need = weir_jwt_cache_size(entries), sets = entries / WAYS, i;
	uintptr_t p = ((uintptr_t)mem + 63) & ~(uintptr_t)63;

	if (need == 0 || mem == NULL || len < need)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	memset(mem, 0, need);
	c->sets = (struct weir_jwt_cache_set *)p;
	c->ent = (struct weir_jwt_cache_entry *)(p + sets * sizeof(struct weir_jwt_cache_set));
	c->set_mask = (uint32_t)(sets - 1);
	c->entries = entries;
	c->k0 = splitmix64(&seed);
	c->k1 = splitmix64(&seed);
	c->hash_mask = ~(uint64_t)0;
	for (i = 0; i < sets; i++) {
		unsigned int w;

		for (w = 0; w < WAYS; w++)
			c->sets[i].rank[w] = (uint8_t)w;
	}
	return 0;
}

/* Way w becomes the most recently used; those more recent than it age by one. */
static inline void
touch(struct weir_jwt_cache_set *s, unsigned int w)
{
	uint8_t r = s->rank[w];
	unsigned int i;

	for (i = 0; i < WAYS; i++)
		s->rank[i] = (uint8_t)(s->rank[i] + (s->rank[i] < r));
	s->rank[w] = 0;
}

/* The way holding exactly these bytes, or -1. */
static inline int
find(const struct weir_jwt_cache *c, const struct weir_jwt_cache_set *s, size_t si, uint64_t h,
     const char *tok, size_t len)
{
	unsigned int w;

	for (w = 0; w < WAYS; w++)
		if (s->tag[w] == h && s->len[w] == len &&
		    memcmp(c->ent[si * WAYS + w].tok, tok, len) == 0)
			return (int)w;
	return -1;
}

const struct weir_jwt_cached *
weir_jwt_cache_get(struct weir_jwt_cache *c, const char *tok, size_t len, int64_t now_s,
		   uint32_t gen)
{
	struct weir_jwt_cache_set *s;
	struct weir_jwt_cache_entry *e;
	uint64_t h;
	size_t si;
	int w;

	if (len > WEIR_JWT_CACHE_TOKEN_MAX) {
		c->too_long++;
		return NULL;
	}
	if (len == 0) { /* never stored; a free way has length 0 */
		c->misses++;
		return NULL;
	}
	h = token_hash(c, tok, len);
	si = h & c->set_mask;
	s = &c->sets[si];
	w = find(c, s, si, h, tok, len);
	if (w < 0) {
		c->misses++;
		return NULL;
	}
	e = &c->ent[si * WAYS + (size_t)w];
	if (s->gen[w] != gen || e->expiry < now_s) {
		/* It can never hit again (generations only move on, time too):
		 * free the way for the next put. */
		s->len[w] = 0;
		c->misses++;
		return NULL;
	}
	touch(s, (unsigned int)w);
	c->hits++;
	return &e->v;
}

void
weir_jwt_cache_put(struct weir_jwt_cache *c, const char *tok, size_t len, int64_t now_s,
		   int64_t expiry_s, uint32_t gen, const struct weir_jwt_cached *v)
{
	struct weir_jwt_cache_set *s;
	struct weir_jwt_cache_entry *e;
	unsigned int i;
	uint64_t h;
	size_t si;
	int w;

	if (len == 0 || len > WEIR_JWT_CACHE_TOKEN_MAX || expiry_s < now_s)
		return;
	h = token_hash(c, tok, len);
	si = h & c->set_mask;
	s = &c->sets[si];
	e = &c->ent[si * WAYS];
	/* The same token again (it missed for its generation or expiry): one
	 * entry per token. */
	w = find(c, s, si, h, tok, len);
	for (i = 0; w < 0 && i < WAYS; i++)
		if (s->len[i] == 0 || s->gen[i] != gen || e[i].expiry < now_s)
			w = (int)i;
	for (i = 0; w < 0 && i < WAYS; i++)
		if (s->rank[i] == WAYS - 1) {
			w = (int)i;
			c->evictions++;
		}
	e += w;
	e->expiry = expiry_s;
	e->v = *v;
	memcpy(e->tok, tok, len);
	s->tag[w] = h;
	s->gen[w] = gen;
	s->len[w] = (uint16_t)len;
	touch(s, (unsigned int)w);
	c->puts++;
}

int64_t
weir_jwt_cache_expiry(const struct weir_jwt_issuer *is, const struct weir_jwt_claims *cl,
		      int64_t now_s, uint32_t cap_s)
{
	/* weir_jwt_verify() keeps exp within +-(2^53 - 1): no overflow. */
	if (cl->has_exp)
		return cl->exp + (int64_t)is->leeway_s;
	return now_s + (int64_t)cap_s;
}
