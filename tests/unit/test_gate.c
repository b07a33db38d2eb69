/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/gate: credentials from real request heads (parsed by lib/http_lite),
 * a table of hostile cases each with its result or message; then the
 * gate's decision on a fake clock for routes without auth, with a token
 * (HS256, signed here), an API key or either, min_tier; revoked tokens
 * (the cached ones too); the revocation table against a reference model;
 * the limit keys. Limits are test_gate_limits.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate_fixture.h"

/* ---- 1. credentials ---- */

struct creds_case {
	const char *target, *hdrs;
	const char *token, *key, *bad; /* what must be found */
};

#define LONG64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct creds_case creds_cases[] = {
	{"/", "Authorization: Bearer abc.def.ghi\r\n", "abc.def.ghi", NULL, NULL},
	{"/", "authorization: bEaReR    a-b_c~d+e/f.g==\r\n", "a-b_c~d+e/f.g==", NULL, NULL},
	{"/", "Authorization: Basic dXNlcjpwYXNz\r\n", NULL, NULL, NULL},
	{"/", "Authorization: Bearerabc\r\n", NULL, NULL, NULL},
	{"/", "Authorization: Bearer\r\n", NULL, NULL, "malformed Bearer token"},
	{"/", "Authorization: Bearer    \r\n", NULL, NULL, "malformed Bearer token"},
	{"/", "Authorization: Bearer a b\r\n", NULL, NULL, "malformed Bearer token"},
	{"/", "Authorization: Bearer a=b\r\n", NULL, NULL, "malformed Bearer token"},
	{"/", "Authorization: Bearer =\r\n", NULL, NULL, "malformed Bearer token"},
	{"/", "Authorization: Bearer a\"b\r\n", NULL, NULL, "malformed Bearer token"},
	{"/", "Authorization: Bearer a,b\r\n", NULL, NULL, "malformed Bearer token"},
	{"/", "Authorization: Bearer a\tb\r\n", NULL, NULL, "malformed Bearer token"},
	{"/", "Authorization: Bearer a\r\nAUTHORIZATION: Bearer a\r\n", NULL, NULL,
	 "two Authorization fields"},
	{"/", "X-API-Key: " K_FREE "\r\n", NULL, K_FREE, NULL},
	{"/", "x-api-KEY: " K_FREE "\r\n", NULL, K_FREE, NULL},
	{"/", "X-API-Key: " K_FREE "\r\nX-API-Key: " K_FREE "\r\n", NULL, NULL,
	 "two API key fields"},
	{"/?api_key=" K_FREE, "", NULL, K_FREE, NULL},
	{"/p?a=1&api_key=" K_FREE "&b=2", "", NULL, K_FREE, NULL},
	{"/p?a=1&api_key=" K_FREE, "", NULL, K_FREE, NULL},
	{"/p?api_key=k1%2dfree%2D0123456789", "", NULL, K_FREE, NULL},
	{"/p?api_key=%6B1-free-0123456789%21", "", NULL, K_FREE "!", NULL},
	{"/p?api_key=", "", NULL, NULL, "malformed API key"},
	{"/p?api_key=&a=1", "", NULL, NULL, "malformed API key"},
	{"/p?api_key=" K_FREE "%zz", "", NULL, NULL, "malformed API key"},
	{"/p?api_key=" K_FREE "%4", "", NULL, NULL, "malformed API key"},
	{"/p?api_key=" K_FREE "%", "", NULL, NULL, "malformed API key"},
	{"/p?api_key=" K_FREE "%4&b=1", "", NULL, NULL, "malformed API key"},
	{"/p?api_key=" LONG64 LONG64, "", NULL, LONG64 LONG64, NULL},
	{"/p?api_key=" LONG64 LONG64 "x", "", NULL, NULL, "malformed API key"},
	{"/p?api_key=" LONG64 LONG64 "%41", "", NULL, NULL, "malformed API key"},
	{"/p?api_key=" K_FREE "&api_key=" K_FREE, "", NULL, NULL, "two API key parameters"},
	{"/p?api_key=" K_FREE "&x=1&api_key=", "", NULL, NULL, "two API key parameters"},
	{"/p?api_key=" K_BASIC, "X-API-Key: " K_FREE "\r\n", NULL, K_FREE, NULL},
	{"/p?api_key=%zz", "X-API-Key: " K_FREE "\r\n", NULL, K_FREE, NULL},
	{"/", "X-API-Key: k1,free-0123456789\r\n", NULL, NULL, "malformed API key"},
	{"/", "X-API-Key: short\r\n", NULL, NULL, "malformed API key"},
	{"/", "X-API-Key: k1 free 0123456789\r\n", NULL, NULL, "malformed API key"},
	{"/p?api_key=k1+free-0123456789", "", NULL, NULL, "malformed API key"},
	{"/p?api_key=k1%2Bfree-0123456789", "", NULL, "k1+free-0123456789", NULL},
	{"/p?api_key=k1%2Cfree-0123456789", "", NULL, NULL, "malformed API key"},
	{"/p?api_key=k1%00free-0123456789", "", NULL, NULL, "malformed API key"},
	{"/p?xapi_key=" K_FREE "&api_keyx=" K_FREE "&api_key", "", NULL, NULL, NULL},
	{"/p?API_KEY=" K_FREE, "", NULL, NULL, NULL},
	{"/p?api_key=" K_FREE, "Authorization: Bearer t.t.t\r\n", "t.t.t", K_FREE, NULL},
	/* Malformed: nothing found, not even the good token before the bad key. */
	{"/", "Authorization: Bearer t.t.t\r\nX-API-Key: short\r\n", NULL, NULL,
	 "malformed API key"},
	{"/p?api_key=%zz", "Authorization: Bearer t.t.t\r\n", NULL, NULL, "malformed API key"},
	{"/p?api_key=" K_FREE "&api_key=" K_FREE, "Authorization: Bearer t.t.t\r\n", NULL, NULL,
	 "two API key parameters"},
};

/* What case i found (what, at p, n bytes) against what it should have (want, or NULL). */
static void
check_view(size_t i, const char *what, const char *p, uint32_t n, const char *want)
{
	if (want == NULL) {
		if (p != NULL)
			fail_msg("case %zu: %s: found %.*s", i, what, (int)n, p);
		return;
	}
	if (p == NULL || n != strlen(want) || memcmp(p, want, n) != 0)
		fail_msg("case %zu: %s: want %s, got %.*s", i, what, want, p != NULL ? (int)n : 4,
			 p != NULL ? p : "NULL");
}

static void
test_creds(void **state)
{
	struct weir_gate_creds c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(creds_cases) / sizeof(creds_cases[0]); i++) {
		const struct creds_case *k = &creds_cases[i];
		int rc;

		parse(k->target, k->hdrs);
		memset(&c, 0x5a, sizeof(c));
		rc = weir_gate_creds(&req, head, "X-API-Key", "api_key", &c);
		if (k->bad != NULL) {
			if (rc != -1 || c.bad == NULL || strcmp(c.bad, k->bad) != 0)
				fail_msg("case %zu: want \"%s\", got %d \"%s\"", i, k->bad, rc,
					 rc == 0 && c.bad == NULL ? "" : c.bad);
			assert_null(c.token);
			assert_null(c.key);
			continue;
		}
		if (rc != 0 || c.bad != NULL)
			fail_msg("case %zu: refused: %s", i, c.bad != NULL ? c.bad : "?");
		check_view(i, "token", c.token, c.token_len, k->token);
		check_view(i, "key", c.key, c.key_len, k->key);
		/* A header's key is a view into the head; the query's is decoded into buf. */
		if (c.key != NULL && strcasestr(k->hdrs, "x-api-key:") == NULL)
			assert_ptr_equal(c.key, c.buf);
		else if (c.key != NULL)
			assert_true(c.key > (char *)head && c.key < (char *)head + sizeof(head));
	}
	/* Another header name, any case; no query parameter at all. */
	parse("/p?api_key=" K_BASIC, "x-my-key: " K_FREE "\r\n");
	assert_int_equal(weir_gate_creds(&req, head, "X-My-Key", "", &c), 0);
	check_view(i, "key", c.key, c.key_len, K_FREE);
	parse("/p?api_key=" K_BASIC, "X-API-Key: " K_FREE "\r\n");
	assert_int_equal(weir_gate_creds(&req, head, "X-My-Key", "", &c), 0);
	assert_null(c.key);
	parse("/p?key=" K_BASIC, "");
	assert_int_equal(weir_gate_creds(&req, head, "X-My-Key", "key", &c), 0);
	check_view(i, "key", c.key, c.key_len, K_BASIC);
}

/* ---- 2. authentication ---- */

static void
test_auth_none(void **state)
{
	struct weir_gate_out o;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		decide_at(&rg_none, p_none, "/", "Authorization: Bearer a b\r\n", 1, 0, &o);
		assert_int_equal(o.status, 0);
		assert_int_equal(o.tier, -1);
		assert_int_equal(o.n_rl, 1);
		assert_int_equal(o.rl[0].remaining, (uint64_t)(1 - i));
	}
	decide_at(&rg_none, p_none, "/", "", 1, 1, &o);
	assert_int_equal(o.status, 429);
	assert_int_equal(o.violated, 1);
	assert_string_equal(o.rl[0].policy, "anon");
	decide_at(&rg_none, p_none, "/", "", 2, 1, &o);
	assert_int_equal(o.status, 0);
	/* Without rules: no limit at all. */
	for (i = 0; i < 20; i++) {
		decide_at(&rg_none, -1, "/", "", 1, 1, &o);
		assert_int_equal(o.status, 0);
		assert_int_equal(o.n_rl, 0);
	}
	assert_int_equal(l.stats.anonymous, 24);
	assert_int_equal(l.stats.allowed, 23);
}

static void
test_jwt(void **state)
{
	struct weir_gate_out o;
	char tok[1024], h[1100];
	uint8_t a = 10;

	(void)state;
	decide_at(&rg_jwt, -1, "/", "", a++, 0, &o);
	expect(&o, 401, "Bearer token required");
	decide_at(&rg_jwt, -1, "/?api_key=" K_FREE, "", a++, 0, &o);
	expect(&o, 401, "Bearer token required");
	tok_for(tok, "alice", ",\"tier\":\"basic\",\"jti\":\"j-1\"", T0 + 3600);
	bearer(h, tok);
	decide_at(&rg_jwt, -1, "/", h, a++, 0, &o);
	expect(&o, 0, NULL);
	assert_string_equal(o.subject, "alice");
	assert_int_equal(o.tier, 1);
	assert_int_equal(o.how, WEIR_GATE_AUTH_JWT);
	assert_string_equal(o.key_id, "");
	assert_int_equal(l.stats.verified, 1);
	decide_at(&rg_jwt, -1, "/", h, a++, 1, &o);
	expect(&o, 0, NULL);
	assert_string_equal(o.subject, "alice");
	assert_int_equal(o.tier, 1);
	assert_int_equal(l.stats.cache_hits, 1);
	assert_int_equal(l.stats.verified, 1);
	assert_int_equal(l.stats.by_jwt, 2);
	assert_int_equal(o.rl[0].remaining, 18); /* basic: 20/min, the subject's */
	/* No tier claim, an unknown one: the default tier. */
	cfg.default_tier = 2;
	tok_for(tok, "bob", "", T0 + 3600);
	bearer(h, tok);
	decide_at(&rg_jwt, -1, "/", h, a++, 0, &o);
	expect(&o, 0, NULL);
	assert_int_equal(o.tier, 2);
	tok_for(tok, "carol", ",\"tier\":\"gold\"", T0 + 3600);
	bearer(h, tok);
	decide_at(&rg_jwt, -1, "/", h, a++, 0, &o);
	expect(&o, 0, NULL);
	assert_int_equal(o.tier, 2);
	/* Refused: expired, unsigned, no subject, a bad signature. */
	tok_for(tok, "alice", "", T0 - 10);
	bearer(h, tok);
	decide_at(&rg_jwt, -1, "/", h, a++, 0, &o);
	expect(&o, 401, "token expired");
	mk_tok(tok, "{\"alg\":\"none\"}", "{\"iss\":\"" ISS "\",\"sub\":\"x\",\"exp\":1800000000}",
	       0);
	bearer(h, tok);
	decide_at(&rg_jwt, -1, "/", h, a++, 0, &o);
	expect(&o, 401, "unsigned token (alg none)");
	tok_for(tok, NULL, ",\"tier\":\"basic\"", T0 + 3600);
	bearer(h, tok);
	decide_at(&rg_jwt, -1, "/", h, a++, 0, &o);
	expect(&o, 401, "token has no subject");
	tok_for(tok, "alice", "", T0 + 3600);
	tok[strlen(tok) - 2] ^= 1;
	bearer(h, tok);
	decide_at(&rg_jwt, -1, "/", h, a++, 0, &o);
	expect(&o, 401, NULL);
	assert_int_equal(l.stats.bad_token, 4);
	assert_int_equal(l.stats.no_creds, 2);
}

static void
test_revoked_tokens(void **state)
{
	struct weir_gate_out o;
	char tok[1024], h[1100], h2[1100];
	struct weir_gate_revoked *rv;

	(void)state;
	tok_for(tok, "alice", ",\"jti\":\"j-rev\"", T0 + 3600);
	bearer(h, tok);
	decide_at(&rg_jwt, -1, "/", h, 1, 0, &o);
	expect(&o, 0, NULL);
	decide_at(&rg_jwt, -1, "/", h, 2, 0, &o);
	expect(&o, 0, NULL);
	assert_int_equal(l.stats.cache_hits, 1);
	tok_for(tok, "alice", ",\"jti\":\"j-rev\",\"tier\":\"basic\"", T0 + 3600);
	bearer(h2, tok);
	/* Revoked: the cached token too (its jti is asked on a hit). */
	rv = weir_gate_revoke(NULL, "j-rev", T0 + 100, T0);
	assert_non_null(rv);
	g.revoked = rv;
	decide_at(&rg_jwt, -1, "/", h, 3, 1, &o);
	expect(&o, 401, "token revoked");
	decide_at(&rg_jwt, -1, "/", h2, 4, 1, &o);
	expect(&o, 401, "token revoked");
	assert_int_equal(l.stats.cache_hits, 2); /* h: a hit, refused by its jti */
	/* Past the revocation's end: good again. */
	decide_at(&rg_jwt, -1, "/", h, 5, 101, &o);
	expect(&o, 0, NULL);
}

static void
test_api_key(void **state)
{
	struct weir_gate_out o;
	char tok[1024], h[1100];
	uint8_t hash[32];

	(void)state;
	decide_at(&rg_key, -1, "/", "X-API-Key: k9-unknown-0123456789\r\n", 1, 0, &o);
	expect(&o, 401, "unknown API key");
	decide_at(&rg_key, -1, "/", "X-API-Key: " K_BLOCKED "\r\n", 2, 0, &o);
	expect(&o, 403, "API key blocked");
	decide_at(&rg_key, -1, "/?api_key=" K_BASIC, "", 3, 0, &o);
	expect(&o, 0, NULL);
	weir_apikey_hash((const uint8_t *)K_BASIC, strlen(K_BASIC), hash);
	assert_string_equal(o.key_id, weir_apikey_find(&keys, hash)->id);
	assert_int_equal(strlen(o.key_id), 16);
	assert_string_equal(o.subject, "owner-basic");
	assert_int_equal(o.tier, 1);
	assert_int_equal(o.how, WEIR_GATE_AUTH_API_KEY);
	/* A token on a key route is not looked at. */
	tok_for(tok, "alice", "", T0 + 3600);
	bearer(h, tok);
	decide_at(&rg_key, -1, "/", h, 4, 0, &o);
	expect(&o, 401, "API key required");
	assert_int_equal(l.stats.verified, 0);
	/* Malformed credentials: 401 with their message. */
	decide_at(&rg_key, -1, "/", "X-API-Key: short\r\n", 5, 0, &o);
	expect(&o, 401, "malformed API key");
	assert_int_equal(l.stats.by_key, 1);
	assert_int_equal(l.stats.blocked, 1);
	assert_int_equal(l.stats.unknown_key, 1);
}

static void
test_any_min_tier(void **state)
{
	struct weir_gate_out o;
	char tok[1024], h[1200];

	(void)state;
	tok_for(tok, "alice", ",\"tier\":\"basic\"", T0 + 3600);
	bearer(h, tok);
	decide_at(&rg_any, -1, "/", h, 1, 0, &o);
	expect(&o, 0, NULL);
	assert_int_equal(o.how, WEIR_GATE_AUTH_JWT);
	decide_at(&rg_any, -1, "/", "X-API-Key: " K_FREE "\r\n", 2, 0, &o);
	expect(&o, 0, NULL);
	assert_int_equal(o.how, WEIR_GATE_AUTH_API_KEY);
	assert_string_equal(o.subject, "owner-free");
	decide_at(&rg_any, -1, "/", "", 3, 0, &o);
	expect(&o, 401, "Bearer token or API key required");
	/* A token and a key: the token is tried first. */
	strcat(h, "X-API-Key: " K_FREE "\r\n");
	decide_at(&rg_any, -1, "/", h, 4, 0, &o);
	expect(&o, 0, NULL);
	assert_string_equal(o.subject, "alice");
	/* min_tier basic: free refused, basic and above let through. */
	decide_at(&rg_basic, -1, "/", "X-API-Key: " K_FREE "\r\n", 5, 0, &o);
	expect(&o, 403, "tier too low for this route");
	decide_at(&rg_basic, -1, "/", "X-API-Key: " K_BASIC "\r\n", 6, 0, &o);
	expect(&o, 0, NULL);
	assert_int_equal(l.stats.low_tier, 1);
}

/* ---- 3. the revocation table ---- */

static void
check_sorted(const struct weir_gate_revoked *rv)
{
	uint32_t i;

	for (i = 0; i + 1 < rv->n; i++)
		assert_true(rv->e[i].h <= rv->e[i + 1].h);
	for (i = 0; i < rv->n; i++)
		assert_int_equal(rv->e[i].h,
				 weir_gate_jti_hash(rv->e[i].jti, strlen(rv->e[i].jti)));
}

static void
test_revoke_table(void **state)
{
	static char jti[64][16];
	int64_t until[64], now = T0, u;
	struct weir_gate_revoked *rv = NULL, *nx;
	struct weir_test_rng rng;
	uint32_t live;
	int i, j, k;

	(void)state;
	assert_int_equal(weir_gate_is_revoked(NULL, "a", T0), 0);
	rv = weir_gate_revoke(NULL, "a", T0 + 10, T0);
	nx = weir_gate_revoke(rv, "b", T0 + 5, T0);
	free(rv);
	rv = weir_gate_revoke(nx, "a", T0 + 20, T0); /* replaces a */
	free(nx);
	assert_int_equal(rv->n, 2);
	check_sorted(rv);
	assert_int_equal(weir_gate_is_revoked(rv, "a", T0 + 20), 1);
	assert_int_equal(weir_gate_is_revoked(rv, "a", T0 + 21), 0);
	assert_int_equal(weir_gate_is_revoked(rv, "b", T0 + 5), 1);
	assert_int_equal(weir_gate_is_revoked(rv, "b", T0 + 6), 0);
	assert_int_equal(weir_gate_is_revoked(rv, "c", T0), 0);
	assert_int_equal(weir_gate_is_revoked(rv, "", T0), 0);
	nx = weir_gate_revoke(rv, "c", T0 + 30, T0 + 6); /* b expired: dropped */
	free(rv);
	rv = nx;
	assert_int_equal(rv->n, 2);
	assert_int_equal(weir_gate_is_revoked(rv, "b", T0), 0);
	/* Too long a jti: refused. */
	assert_null(weir_gate_revoke(rv, LONG64, T0 + 30, T0));
	free(rv);
	rv = NULL;
	/* A reference model: jti i revoked until until[i] (0: never). */
	weir_test_rng_init(&rng, "gate_revoke", 0);
	memset(until, 0, sizeof(until));
	for (i = 0; i < 64; i++)
		snprintf(jti[i], sizeof(jti[i]), "jti-%d", i);
	for (k = 0; k < 2000; k++) {
		i = (int)weir_test_rng_below(&rng, 64);
		now += (int64_t)weir_test_rng_below(&rng, 3);
		u = now + (int64_t)weir_test_rng_below(&rng, 100);
		nx = weir_gate_revoke(rv, jti[i], u, now);
		assert_non_null(nx);
		free(rv);
		rv = nx;
		for (j = 0, live = 0; j < 64; j++)
			if (until[j] != 0 && until[j] < now)
				until[j] = 0;
		until[i] = u;
		for (j = 0; j < 64; j++)
			live += until[j] != 0;
		assert_int_equal(rv->n, live);
		check_sorted(rv);
		for (j = 0; j < 64; j++) {
			assert_int_equal(weir_gate_is_revoked(rv, jti[j], now), until[j] != 0);
			if (until[j] != 0) {
				assert_int_equal(weir_gate_is_revoked(rv, jti[j], until[j]), 1);
				assert_int_equal(weir_gate_is_revoked(rv, jti[j], until[j] + 1), 0);
			}
		}
	}
	free(rv);
}

/* ---- 4. limit keys ---- */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
test_keys_of(void **state)
{
	static uint64_t k[5 * 256];
	uint8_t h[32], addr[16];
	char sub[8];
	unsigned int i, n = 0;

	(void)state;
	for (i = 0; i < 256; i++) {
		memset(h, 0, sizeof(h));
		memset(addr, 0, sizeof(addr));
		h[8] = (uint8_t)i;
		addr[0] = (uint8_t)i;
		snprintf(sub, sizeof(sub), "%u", i);
		k[n++] = weir_gate_key_of_hash(h);
		k[n++] = weir_gate_key_of_subject(0, i == 0 ? "" : sub);
		k[n++] = weir_gate_key_of_subject(1, i == 0 ? "" : sub);
		k[n++] = weir_gate_key_of_addr(addr, 4);
		k[n++] = weir_gate_key_of_addr(addr, 6);
	}
	qsort(k, n, sizeof(k[0]), cmp_u64);
	assert_true(k[0] != 0);
	for (i = 0; i + 1 < n; i++)
		assert_true(k[i] != k[i + 1]);
	/* An IPv4 key reads only the first 4 bytes; the family counts. */
	memset(addr, 0, sizeof(addr));
	k[0] = weir_gate_key_of_addr(addr, 4);
	addr[15] = 1;
	assert_int_equal(weir_gate_key_of_addr(addr, 4), k[0]);
	assert_true(weir_gate_key_of_addr(addr, 6) != k[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_creds),
		cmocka_unit_test_setup_teardown(test_auth_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jwt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoked_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_any_min_tier, setup, teardown),
		cmocka_unit_test(test_revoke_table),
		cmocka_unit_test(test_keys_of),
	};

	return weir_test_main(tests);
}
