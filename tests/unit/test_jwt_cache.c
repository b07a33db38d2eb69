/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/jwt's per-worker cache of verified tokens (cache.c): a hit gives back
 * what was put; a token one byte away misses (also when every token has
 * the same hash: the bytes are compared); expiry and generation; LRU
 * replacement in a set of 4 ways; tokens over the maximum; and a seeded
 * random workload against a reference model of the same policy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "weir_jwt.h"
#include "weir_test.h"

#define NOW 1300819370
#define GEN 7

static const char secret[] = "0123456789abcdef0123456789abcdef";

/* An HS256 token of the test issuer for that payload; returns its length. */
static size_t
mk_token(const char *pay, char *tok)
{
	static const char hdr[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int ml;
	size_t n = weir_test_b64url((const uint8_t *)hdr, strlen(hdr), tok);

	tok[n++] = '.';
	n += weir_test_b64url((const uint8_t *)pay, strlen(pay), tok + n);
	assert_non_null(HMAC(EVP_sha256(), secret, 32, (uint8_t *)tok, n, mac, &ml));
	tok[n++] = '.';
	return n + weir_test_b64url(mac, ml, tok + n);
}

/* About 250 bytes, as an API gateway sees them. */
static size_t
real_token(char *tok, int i)
{
	char pay[256];

	snprintf(pay, sizeof(pay),
		 "{\"iss\":\"joe\",\"aud\":\"weir\",\"sub\":\"user-%06d\",\"tier\":\"gold\","
		 "\"exp\":1300819380,\"iat\":1300819300,\"jti\":\"9f86d081884c7d65-%d\"}",
		 i, i);
	return mk_token(pay, tok);
}

static struct weir_jwt_cache *
cache_new(uint32_t entries, uint64_t seed, void **mem)
{
	struct weir_jwt_cache *c = calloc(1, sizeof(*c));
	size_t sz = weir_jwt_cache_size(entries);

	assert_non_null(c);
	assert_true(sz > 0);
	*mem = malloc(sz);
	assert_non_null(*mem);
	assert_int_equal(weir_jwt_cache_init(c, *mem, sz, entries, seed), 0);
	return c;
}

static void
cache_free(struct weir_jwt_cache *c, void *mem)
{
	free(mem);
	free(c);
}

static struct weir_jwt_cached
value(uint32_t id)
{
	struct weir_jwt_cached v;

	memset(&v, 0, sizeof(v));
	v.issuer = id;
	v.tier = id * 3 + 1;
	v.exp = 1300819380 + id;
	snprintf(v.sub, sizeof(v.sub), "user-%u", id);
	snprintf(v.jti, sizeof(v.jti), "jti-%u", id);
	return v;
}

static void
test_init(void **state)
{
	struct weir_jwt_cache c;
	static char mem[8 * 4096];

	(void)state;
	assert_int_equal(weir_jwt_cache_size(0), 0);
	assert_int_equal(weir_jwt_cache_size(2), 0);
	assert_int_equal(weir_jwt_cache_size(12), 0);
	assert_true(weir_jwt_cache_size(4) > 4 * WEIR_JWT_CACHE_TOKEN_MAX);
	assert_true(weir_jwt_cache_size(8) > weir_jwt_cache_size(4));
	assert_int_equal(weir_jwt_cache_init(&c, mem, sizeof(mem), 12, 1), -EINVAL);
	assert_int_equal(weir_jwt_cache_init(&c, mem, weir_jwt_cache_size(8) - 1, 8, 1), -EINVAL);
	/* Any alignment of the caller's memory. */
	assert_int_equal(weir_jwt_cache_init(&c, mem + 1, weir_jwt_cache_size(8), 8, 1), 0);
	assert_int_equal(c.entries, 8);
	assert_int_equal(c.set_mask, 1);
}

/* A verified token, put with weir_jwt_cache_expiry(), gives back its value. */
static void
test_hit(void **state)
{
	struct weir_jwt_cached v, v2;
	const struct weir_jwt_cached *got;
	static struct weir_jwt_claims cl;
	struct weir_jwt_issuer is;
	struct weir_jwt_cache *c;
	const char *why = NULL;
	char tok[512];
	size_t n = real_token(tok, 1);
	void *mem;

	(void)state;
	assert_in_range(n, 240, 300);
	memset(&is, 0, sizeof(is));
	strcpy(is.iss, "joe");
	strcpy(is.aud, "weir");
	is.alg = WEIR_JWT_HS256;
	is.leeway_s = 30;
	is.n_keys = 1;
	assert_int_equal(weir_jwt_key_hmac(&is.keys[0], WEIR_JWT_HS256, (const uint8_t *)secret, 32,
					   NULL, &why),
			 0);
	assert_int_equal(weir_jwt_verify(&is, tok, n, NOW, &cl, &why), 0);
	assert_int_equal(weir_jwt_cache_expiry(&is, &cl, NOW, 600), 1300819380 + 30);
	cl.has_exp = 0;
	assert_int_equal(weir_jwt_cache_expiry(&is, &cl, NOW, 600), NOW + 600);
	cl.has_exp = 1;

	c = cache_new(1024, 42, &mem);
	assert_null(weir_jwt_cache_get(c, tok, n, NOW, GEN));
	v = value(1);
	strcpy(v.sub, cl.sub);
	weir_jwt_cache_put(c, tok, n, NOW, weir_jwt_cache_expiry(&is, &cl, NOW, 600), GEN, &v);
	got = weir_jwt_cache_get(c, tok, n, NOW, GEN);
	assert_non_null(got);
	assert_memory_equal(got, &v, sizeof(v));
	assert_string_equal(got->sub, "user-000001");
	/* Still a hit at the last second exp + leeway accepts. */
	assert_non_null(weir_jwt_cache_get(c, tok, n, 1300819380 + 30, GEN));
	assert_int_equal(c->hits, 2);
	assert_int_equal(c->misses, 1);
	assert_int_equal(c->puts, 1);
	/* Putting it again replaces the value, in the same entry. */
	v2 = value(2);
	weir_jwt_cache_put(c, tok, n, NOW, NOW + 5, GEN, &v2);
	got = weir_jwt_cache_get(c, tok, n, NOW, GEN);
	assert_non_null(got);
	assert_memory_equal(got, &v2, sizeof(v2));
	assert_int_equal(c->evictions, 0);
	cache_free(c, mem);
}

/* Each byte of a real token changed, one at a time: a miss. */
static void
one_byte_off(struct weir_jwt_cache *c)
{
	struct weir_jwt_cached v = value(5);
	char tok[512], other[512];
	size_t n = real_token(tok, 5), i;

	weir_jwt_cache_put(c, tok, n, NOW, NOW + 10, GEN, &v);
	for (i = 0; i < n; i++) {
		memcpy(other, tok, n);
		other[i] = tok[i] == 'A' ? 'B' : 'A';
		assert_null(weir_jwt_cache_get(c, other, n, NOW, GEN));
		other[i] = (char)(tok[i] ^ 0x80);
		assert_null(weir_jwt_cache_get(c, other, n, NOW, GEN));
	}
	/* A prefix, and the token with one more byte. */
	assert_null(weir_jwt_cache_get(c, tok, n - 1, NOW, GEN));
	memcpy(other, tok, n);
	other[n] = 'A';
	assert_null(weir_jwt_cache_get(c, other, n + 1, NOW, GEN));
	assert_int_equal(c->hits, 0);
	assert_non_null(weir_jwt_cache_get(c, tok, n, NOW, GEN));
	assert_int_equal(c->misses, 2 * n + 2);
}

static void
test_one_byte_off(void **state)
{
	struct weir_jwt_cache *c;
	void *mem;

	(void)state;
	c = cache_new(1024, 42, &mem);
	one_byte_off(c);
	cache_free(c, mem);
	/* Every token with the same hash: only the bytes tell them apart. */
	c = cache_new(1024, 42, &mem);
	c->hash_mask = 0;
	one_byte_off(c);
	cache_free(c, mem);
}

static void
test_expiry(void **state)
{
	struct weir_jwt_cached v = value(1);
	struct weir_jwt_cache *c;
	char tok[512];
	size_t n = real_token(tok, 1);
	void *mem;

	(void)state;
	c = cache_new(64, 42, &mem);
	weir_jwt_cache_put(c, tok, n, NOW, NOW + 100, GEN, &v);
	assert_non_null(weir_jwt_cache_get(c, tok, n, NOW + 100, GEN));
	assert_null(weir_jwt_cache_get(c, tok, n, NOW + 101, GEN));
	assert_int_equal(c->hits, 1);
	assert_int_equal(c->misses, 1);
	/* Already expired when put: not stored. */
	weir_jwt_cache_put(c, tok, n, NOW + 101, NOW + 100, GEN, &v);
	assert_null(weir_jwt_cache_get(c, tok, n, NOW + 100, GEN));
	assert_int_equal(c->puts, 1);
	/* Expiring this very second: stored. */
	weir_jwt_cache_put(c, tok, n, NOW + 100, NOW + 100, GEN, &v);
	assert_non_null(weir_jwt_cache_get(c, tok, n, NOW + 100, GEN));
	cache_free(c, mem);
}

static void
test_generation(void **state)
{
	struct weir_jwt_cached v = value(1);
	struct weir_jwt_cache *c;
	char tok[512];
	size_t n = real_token(tok, 1);
	void *mem;

	(void)state;
	c = cache_new(64, 42, &mem);
	weir_jwt_cache_put(c, tok, n, NOW, NOW + 100, GEN, &v);
	assert_non_null(weir_jwt_cache_get(c, tok, n, NOW, GEN));
	assert_null(weir_jwt_cache_get(c, tok, n, NOW, GEN + 1));
	/* Verified again under the new generation. */
	weir_jwt_cache_put(c, tok, n, NOW, NOW + 100, GEN + 1, &v);
	assert_non_null(weir_jwt_cache_get(c, tok, n, NOW, GEN + 1));
	assert_null(weir_jwt_cache_get(c, tok, n, NOW, GEN));
	assert_int_equal(c->hits, 2);
	assert_int_equal(c->misses, 2);
	cache_free(c, mem);
}

/* Five tokens of one set (found by their hash): the least recently used goes. */
static void
test_lru(void **state)
{
	char tok[5][512];
	size_t len[5];
	struct weir_jwt_cached v[5];
	struct weir_jwt_cache *c;
	uint64_t set = 0;
	void *mem;
	int i, k, found = 0;

	(void)state;
	c = cache_new(64, 42, &mem); /* 16 sets */
	for (i = 0; found < 5 && i < 10000; i++) {
		len[found] = real_token(tok[found], i);
		if (found == 0)
			set = weir_jwt_cache_hash(c, tok[0], len[0]) & c->set_mask;
		if ((weir_jwt_cache_hash(c, tok[found], len[found]) & c->set_mask) == set) {
			v[found] = value((uint32_t)found);
			found++;
		}
	}
	assert_int_equal(found, 5);
	for (k = 0; k < 4; k++)
		weir_jwt_cache_put(c, tok[k], len[k], NOW, NOW + 100, GEN, &v[k]);
	/* 0, 2, 3 used after 1: 1 is the least recently used. */
	assert_non_null(weir_jwt_cache_get(c, tok[0], len[0], NOW, GEN));
	assert_non_null(weir_jwt_cache_get(c, tok[2], len[2], NOW, GEN));
	assert_non_null(weir_jwt_cache_get(c, tok[3], len[3], NOW, GEN));
	weir_jwt_cache_put(c, tok[4], len[4], NOW, NOW + 100, GEN, &v[4]);
	assert_int_equal(c->evictions, 1);
	assert_null(weir_jwt_cache_get(c, tok[1], len[1], NOW, GEN));
	for (k = 0; k < 5; k++) {
		const struct weir_jwt_cached *g;

		if (k == 1)
			continue;
		g = weir_jwt_cache_get(c, tok[k], len[k], NOW, GEN);
		assert_non_null(g);
		assert_memory_equal(g, &v[k], sizeof(v[k]));
	}
	/* Now 0 is the least recently used, but 3 expires first: 3 goes, no eviction. */
	weir_jwt_cache_put(c, tok[3], len[3], NOW, NOW + 1, GEN, &v[3]);
	weir_jwt_cache_put(c, tok[1], len[1], NOW + 2, NOW + 100, GEN, &v[1]);
	assert_int_equal(c->evictions, 1);
	assert_null(weir_jwt_cache_get(c, tok[3], len[3], NOW + 2, GEN));
	for (k = 0; k < 3; k++)
		assert_non_null(weir_jwt_cache_get(c, tok[k], len[k], NOW + 2, GEN));
	assert_non_null(weir_jwt_cache_get(c, tok[4], len[4], NOW + 2, GEN));
	cache_free(c, mem);
}

static void
test_too_long(void **state)
{
	struct weir_jwt_cached v = value(1);
	struct weir_jwt_cache *c;
	static char tok[WEIR_JWT_CACHE_TOKEN_MAX + 1];
	void *mem;

	(void)state;
	memset(tok, 'a', sizeof(tok));
	c = cache_new(64, 42, &mem);
	weir_jwt_cache_put(c, tok, sizeof(tok), NOW, NOW + 100, GEN, &v);
	assert_null(weir_jwt_cache_get(c, tok, sizeof(tok), NOW, GEN));
	assert_int_equal(c->puts, 0);
	assert_int_equal(c->too_long, 1);
	assert_int_equal(c->misses, 0);
	/* Exactly the maximum is cached, and its one-shorter prefix is not it. */
	weir_jwt_cache_put(c, tok, WEIR_JWT_CACHE_TOKEN_MAX, NOW, NOW + 100, GEN, &v);
	assert_non_null(weir_jwt_cache_get(c, tok, WEIR_JWT_CACHE_TOKEN_MAX, NOW, GEN));
	assert_null(weir_jwt_cache_get(c, tok, WEIR_JWT_CACHE_TOKEN_MAX - 1, NOW, GEN));
	/* The empty token is never stored, nor found in a free way (length 0),
	 * even when its hash is every way's (hash_mask 0: all tags 0) and the
	 * time and generation those of a zeroed way. */
	weir_jwt_cache_put(c, tok, 0, NOW, NOW + 100, GEN, &v);
	assert_null(weir_jwt_cache_get(c, tok, 0, NOW, GEN));
	assert_int_equal(c->puts, 1);
	cache_free(c, mem);
	c = cache_new(64, 42, &mem);
	c->hash_mask = 0;
	assert_null(weir_jwt_cache_get(c, tok, 0, 0, 0));
	assert_int_equal(c->misses, 1);
	cache_free(c, mem);
}

/* ---- the model: each set a list, most recently used first ---- */

#define M_TOKENS 300
#define M_ENTRIES 64

struct m_ent {
	int id;
	int64_t expiry;
	uint32_t gen, version;
};

struct model {
	struct m_ent set[M_ENTRIES / 4][4];
	unsigned int n[M_ENTRIES / 4];
	uint64_t hits, misses, too_long, puts, evictions;
};

/* Drop what can never hit again: the cache frees or reuses those ways first. */
static void
m_prune(struct model *m, unsigned int s, int64_t now, uint32_t gen)
{
	unsigned int i, k = 0;

	for (i = 0; i < m->n[s]; i++)
		if (m->set[s][i].gen == gen && m->set[s][i].expiry >= now)
			m->set[s][k++] = m->set[s][i];
	m->n[s] = k;
}

static int
m_find(const struct model *m, unsigned int s, int id)
{
	unsigned int i;

	for (i = 0; i < m->n[s]; i++)
		if (m->set[s][i].id == id)
			return (int)i;
	return -1;
}

static void
m_front(struct model *m, unsigned int s, int i, struct m_ent e)
{
	memmove(&m->set[s][1], &m->set[s][0], (size_t)i * sizeof(e));
	m->set[s][0] = e;
}

static void
test_model(void **state)
{
	static char tok[M_TOKENS][1100];
	static size_t len[M_TOKENS];
	static unsigned int set_of[M_TOKENS];
	static struct model m;
	struct weir_test_rng r;
	struct weir_jwt_cache *c;
	uint32_t gen = 1, version = 0;
	int64_t now = NOW;
	void *mem;
	int op, i;

	(void)state;
	weir_test_rng_init(&r, "jwt_cache_model", 0);
	c = cache_new(M_ENTRIES, weir_test_rng_u64(&r), &mem);
	memset(&m, 0, sizeof(m));
	for (i = 0; i < M_TOKENS; i++) {
		size_t k;

		/* Mostly real tokens; some short, some over the maximum, some
		 * sharing all but their last byte. */
		if (i % 10 == 9) {
			len[i] = i % 30 == 9
					 ? WEIR_JWT_CACHE_TOKEN_MAX + 1 + weir_test_rng_u64(&r) % 70
					 : 1 + weir_test_rng_u64(&r) % WEIR_JWT_CACHE_TOKEN_MAX;
			for (k = 0; k < len[i]; k++)
				tok[i][k] = (char)('a' + weir_test_rng_u64(&r) % 26);
		} else if (i % 10 == 8) {
			len[i] = len[i - 1];
			memcpy(tok[i], tok[i - 1], len[i]);
			tok[i][len[i] - 1] ^= 1;
		} else {
			len[i] = real_token(tok[i], i);
		}
		set_of[i] = (unsigned int)(weir_jwt_cache_hash(c, tok[i], len[i]) & c->set_mask);
	}
	for (op = 0; op < 200000; op++) {
		/* A skewed pick: low ids far more often. */
		uint64_t x = weir_test_rng_u64(&r);
		int id = (int)((x % M_TOKENS) * ((x >> 32) % M_TOKENS) / M_TOKENS);
		unsigned int s = set_of[id];
		const struct weir_jwt_cached *got;
		int w;

		if (x % 97 == 0)
			now += 1 + (int64_t)(x >> 40) % 3;
		if (x % 4999 == 0)
			gen++;
		got = weir_jwt_cache_get(c, tok[id], len[id], now, gen);
		m_prune(&m, s, now, gen);
		w = m_find(&m, s, id);
		if (len[id] > WEIR_JWT_CACHE_TOKEN_MAX) {
			m.too_long++;
			assert_null(got);
		} else if (w >= 0) {
			struct m_ent e = m.set[s][w];

			m.hits++;
			m_front(&m, s, w, e);
			assert_non_null(got);
			assert_int_equal(got->issuer, id);
			assert_int_equal(got->tier, e.version);
		} else {
			m.misses++;
			assert_null(got);
		}
		/* Misses are verified and put; now and then a hit is put again. */
		if (got == NULL || x % 13 == 0) {
			struct weir_jwt_cached v = value((uint32_t)id);
			int64_t expiry = now - 1 + (int64_t)((x >> 20) % 40);
			struct m_ent e = {id, expiry, gen, ++version};

			v.tier = version;
			weir_jwt_cache_put(c, tok[id], len[id], now, expiry, gen, &v);
			if (len[id] > WEIR_JWT_CACHE_TOKEN_MAX || expiry < now)
				continue;
			m.puts++;
			w = m_find(&m, s, id);
			if (w < 0 && m.n[s] == 4) {
				m.evictions++;
				m.n[s]--;
			}
			if (w < 0)
				w = (int)m.n[s]++;
			m_front(&m, s, w, e);
		}
	}
	assert_int_equal(c->hits, m.hits);
	assert_int_equal(c->misses, m.misses);
	assert_int_equal(c->too_long, m.too_long);
	assert_int_equal(c->puts, m.puts);
	assert_int_equal(c->evictions, m.evictions);
	/* The workload reached every case. */
	assert_true(m.hits > 10000);
	assert_true(m.misses > 10000);
	assert_true(m.evictions > 1000);
	assert_true(m.too_long > 0);
	cache_free(c, mem);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),	     cmocka_unit_test(test_hit),
		cmocka_unit_test(test_one_byte_off), cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_generation),   cmocka_unit_test(test_lru),
		cmocka_unit_test(test_too_long),     cmocka_unit_test(test_model),
	};

	return weir_test_main(tests);
}
