/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/gate's limits: a tier's, a route's own, two rules at once, each 429
 * written by lib/http_lite and its RateLimit fields read back; failed
 * authentications per source; the cap on cold verifications per second;
 * exactness of the shared limit table through the gate with two workers.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate_fixture.h"

/* ---- 3. limits ---- */

/* A field of weir's answer; it must be there. */
static void
field(const char *resp, const char *name, char *out, size_t cap)
{
	assert_int_equal(weir_test_field(resp, name, out, cap), 0);
}

/* A 429 as weir writes it, read back: the policies, r <= q, 0 <= t <= w, Retry-After >= t. */
static void
check_429(const struct weir_gate_out *o)
{
	struct weir_test_sf_item it[WEIR_GATE_RULES_MAX], pol[WEIR_GATE_RULES_MAX];
	char out[2048], v[512];
	unsigned int i;
	size_t n;

	assert_int_equal(o->status, 429);
	n = weir_http_response_limited((uint8_t *)out, sizeof(out) - 1, o->rl, o->n_rl, o->violated,
				       T0, 0, 0);
	assert_true(n > 0);
	out[n] = '\0';
	field(out, "RateLimit-Policy", v, sizeof(v));
	assert_int_equal(weir_test_sf_list(v, pol, WEIR_GATE_RULES_MAX), (int)o->n_rl);
	field(out, "RateLimit", v, sizeof(v));
	assert_int_equal(weir_test_sf_list(v, it, WEIR_GATE_RULES_MAX), (int)o->n_rl);
	field(out, "Retry-After", v, sizeof(v));
	for (i = 0; i < o->n_rl; i++) {
		assert_string_equal(it[i].name, o->rl[i].policy);
		assert_string_equal(pol[i].name, o->rl[i].policy);
		assert_true(it[i].r >= 0 && it[i].r <= pol[i].q);
		assert_true(it[i].t >= 0 && it[i].t <= pol[i].w);
		if (o->violated & (1u << i))
			assert_true(atoll(v) >= it[i].t && it[i].t > 0);
	}
}

static void
test_limits(void **state)
{
	const char *hk = "X-API-Key: " K_FREE "\r\n", *hb = "X-API-Key: " K_BASIC "\r\n";
	struct weir_gate_out o;
	uint8_t h[32];
	int i, p2;

	(void)state;
	weir_apikey_hash((const uint8_t *)K_FREE, strlen(K_FREE), h);
	for (i = 0; i < 5; i++) {
		decide_at(&rg_key, -1, "/", hk, 1, 0, &o);
		expect(&o, 0, NULL);
		assert_int_equal(o.n_rl, 1);
		assert_int_equal(o.rl[0].remaining, (uint64_t)(4 - i));
		assert_int_equal(o.violated, 0);
	}
	decide_at(&rg_key, -1, "/", hk, 2, 0, &o);
	expect(&o, 429, "over the limit");
	assert_string_equal(o.rl[0].policy, "free");
	assert_int_equal(o.rl[0].quota, 5);
	assert_int_equal(o.rl[0].window_s, 60);
	assert_int_equal(o.rl[0].remaining, 0);
	assert_int_equal(o.rl[0].reset_s, 12);
	assert_int_equal(o.violated, 1);
	check_429(&o);
	/* Who was charged (weirctl top keys counts it): the key's limit key. */
	assert_int_equal(o.key, weir_gate_key_of_hash(h));
	assert_int_equal(o.issuer, -1);
	assert_int_equal(strlen(o.key_id), 16);
	decide_at(&rg_key, -1, "/", hk, 3, 11, &o);
	expect(&o, 429, NULL);
	assert_int_equal(o.rl[0].reset_s, 1);
	check_429(&o);
	/* The same answer area again: nothing of the 429 left in it. */
	decide_at(&rg_key, -1, "/", hk, 3, 12, &o);
	expect(&o, 0, NULL);
	assert_int_equal(o.violated, 0);
	assert_int_equal(o.rl[0].remaining, 0);
	decide_at(&rg_key, -1, "/", "", 3, 12, &o);
	expect(&o, 401, NULL);
	assert_int_equal(o.n_rl, 0);
	assert_int_equal(l.stats.tier_allowed[0], 6);
	assert_int_equal(l.stats.tier_limited[0], 2);
	/* A route's own rules instead of the tier's: basic (20/min) gets 3. */
	for (i = 0; i < 3; i++) {
		decide_at(&rg_key, p_route, "/", hb, 4, 0, &o);
		expect(&o, 0, NULL);
		assert_string_equal(o.rl[0].policy, "route-a");
		assert_int_equal(o.rl[0].quota, 3);
	}
	decide_at(&rg_key, p_route, "/", hb, 4, 0, &o);
	expect(&o, 429, NULL);
	check_429(&o);
	decide_at(&rg_key, -1, "/", hb, 4, 0, &o);
	expect(&o, 0, NULL);
	assert_int_equal(o.rl[0].remaining, 19);
	/* Two rules: which one is violated. */
	p2 = weir_gate_policy_add(&g, &two_rules, 2);
	assert_true(p2 > p_route);
	for (i = 0; i < 5; i++) {
		decide_at(&rg_key, p2, "/", hk, 5, 100, &o);
		expect(&o, 0, NULL);
		assert_int_equal(o.n_rl, 2);
		assert_int_equal(o.rl[1].remaining, (uint64_t)(6 - i));
	}
	decide_at(&rg_key, p2, "/", hk, 5, 100, &o);
	expect(&o, 429, NULL);
	assert_int_equal(o.violated, 1);
	check_429(&o);
	for (i = 0; i < 2; i++) {
		decide_at(&rg_key, p2, "/", hk, 5, 160, &o);
		expect(&o, 0, NULL);
	}
	decide_at(&rg_key, p2, "/", hk, 5, 220, &o);
	expect(&o, 429, NULL);
	assert_int_equal(o.violated, 2);
	assert_string_equal(o.rl[1].policy, "per-hour");
	assert_true(o.rl[0].remaining > 0);
	check_429(&o);
}

/* ---- failed authentications, the cold cap ---- */

static void
test_bad_auth(void **state)
{
	struct weir_gate_out o;
	char tok[1024], good[1100];
	int i;

	(void)state;
	tok_for(tok, "alice", "", T0 + 3600);
	bearer(good, tok);
	/* Three failures (a bad token, malformed creds, no creds): each its 401. */
	decide_at(&rg_jwt, -1, "/", "Authorization: Bearer a.b.c\r\n", 7, 0, &o);
	expect(&o, 401, NULL);
	assert_int_equal(o.ban_source, 0);
	decide_at(&rg_jwt, -1, "/", "Authorization: Bearer a b\r\n", 7, 0, &o);
	expect(&o, 401, "malformed Bearer token");
	decide_at(&rg_jwt, -1, "/", "", 7, 1, &o);
	expect(&o, 401, "Bearer token required");
	assert_int_equal(o.ban_source, 0);
	/* The fourth, even a good token: not heard. */
	for (i = 0; i < 2; i++) {
		decide_at(&rg_jwt, -1, "/", good, 7, 1, &o);
		expect(&o, 429, "too many failed authentications");
		assert_int_equal(o.ban_source, 1); /* the caller bans the source */
		assert_int_equal(o.n_rl, 1);
		assert_int_equal(o.violated, 1);
		assert_string_equal(o.rl[0].policy, "bad_auth");
		assert_int_equal(o.rl[0].quota, 3);
		assert_int_equal(o.rl[0].window_s, 60);
		assert_int_equal(o.rl[0].remaining, 0);
		check_429(&o);
		assert_int_equal(o.key, 0); /* no key charged: not one of top keys */
	}
	assert_int_equal(l.stats.bad_auth_limited, 2);
	assert_int_equal(l.stats.verified, 1);
	/* Another address is not affected; nor a route without auth. */
	decide_at(&rg_jwt, -1, "/", good, 8, 1, &o);
	expect(&o, 0, NULL);
	assert_int_equal(o.issuer, 0);
	assert_int_equal(o.key, weir_gate_key_of_subject(0, "alice"));
	decide_at(&rg_none, p_none, "/", "", 7, 1, &o);
	expect(&o, 0, NULL);
	{
		const uint8_t a7[16] = {192, 0, 2, 7};

		assert_int_equal(o.issuer, -1);
		assert_int_equal(o.key, weir_gate_key_of_addr(a7, 4));
	}
	/* A token the worker has verified already costs nothing: it passes. */
	decide_at(&rg_jwt, -1, "/", good, 7, 2, &o);
	expect(&o, 0, NULL);
	/* One failure's worth later (20 s, from the first at 0 s), a token not
	 * verified yet is heard again. */
	tok_for(tok, "bob", "", T0 + 3600);
	bearer(good, tok);
	decide_at(&rg_jwt, -1, "/", good, 7, 19, &o);
	expect(&o, 429, NULL);
	assert_int_equal(o.rl[0].reset_s, 1);
	decide_at(&rg_jwt, -1, "/", good, 7, 20, &o);
	expect(&o, 0, NULL);
}

static void
test_cold_cap(void **state)
{
	struct weir_gate_out o;
	char tok[3][1024], h[3][1100];
	int i;

	(void)state;
	cfg.cold_verify_per_s = 2;
	for (i = 0; i < 3; i++) {
		char sub[8];

		snprintf(sub, sizeof(sub), "u%d", i);
		tok_for(tok[i], sub, "", T0 + 3600);
		bearer(h[i], tok[i]);
	}
	decide_at(&rg_jwt, -1, "/", h[0], 1, 5, &o);
	expect(&o, 0, NULL);
	decide_at(&rg_jwt, -1, "/", h[1], 1, 5, &o);
	expect(&o, 0, NULL);
	decide_at(&rg_jwt, -1, "/", h[2], 1, 5, &o);
	expect(&o, 503, "token verification capacity exceeded");
	assert_int_equal(l.stats.cold_capped, 1);
	/* Cached tokens cost nothing; a 503 is no failed authentication. */
	for (i = 0; i < 5; i++) {
		decide_at(&rg_jwt, -1, "/", h[i & 1], 1, 5, &o);
		expect(&o, 0, NULL);
		decide_at(&rg_jwt, -1, "/", h[2], 1, 5, &o);
		expect(&o, 503, NULL);
	}
	decide_at(&rg_jwt, -1, "/", h[2], 1, 6, &o);
	expect(&o, 0, NULL);
	assert_string_equal(o.subject, "u2");
	assert_int_equal(l.stats.verified, 3);
	assert_int_equal(l.stats.cache_hits, 5);
}

/* ---- two workers, one key ---- */

#define DECISIONS 10000

struct worker {
	const struct weir_gate_creds *cr;
	struct weir_gate_local l;
	pthread_barrier_t *start;
};

/* A rule's algorithm reaches the shared table: 2 a minute lets a third
 * request through after 30 s as GCRA (and token bucket: the same
 * decisions), not as a sliding window (the window still holds both). */
static void
test_rule_algorithms(void **state)
{
	static const uint8_t algs[] = {WEIR_GATE_GCRA, WEIR_GATE_TOKEN_BUCKET,
				       WEIR_GATE_SLIDING_WINDOW};
	struct weir_gate_out o;
	unsigned int a;

	(void)state;
	/* At 1020 s (t 20) a 60 s window begins: t 51 is still in it. */
	for (a = 0; a < 3; a++) {
		struct weir_gate_rules rs = {1, {{"two", algs[a], 2, 60, 2}}};
		int p = weir_gate_policy_add(&g, &rs, (uint16_t)(10 + a));
		uint8_t addr = (uint8_t)(20 + a);

		assert_true(p >= 0);
		decide_at(&rg_none, p, "/", "", addr, 20, &o);
		expect(&o, 0, NULL);
		decide_at(&rg_none, p, "/", "", addr, 20, &o);
		expect(&o, 0, NULL);
		decide_at(&rg_none, p, "/", "", addr, 21, &o);
		expect(&o, 429, NULL);
		decide_at(&rg_none, p, "/", "", addr, 51, &o);
		expect(&o, algs[a] == WEIR_GATE_SLIDING_WINDOW ? 429 : 0, NULL);
	}
}

/* A key with limits of its own: they replace its tier's; a route's own
 * rules still come first; one rule set found again for the same rules. */
static void
test_key_limits(void **state)
{
	const char *hb = "X-API-Key: " K_BASIC "\r\n";
	struct weir_gate_out o;
	uint8_t h[32];
	int p, i;

	(void)state;
	p = weir_gate_policy_add(&g, &route_rules, 7);
	assert_true(p > p_route);
	/* The same rules as route_rules: found, not added again. */
	assert_int_equal(weir_gate_policy_find(&g, &route_rules), p_route);
	assert_int_equal(weir_gate_policy_find(&g, &two_rules), -1);
	weir_apikey_hash((const uint8_t *)K_BASIC, strlen(K_BASIC), h);
	weir_apikey_find(&keys, h)->extra = (uint16_t)(p + 1);
	/* basic is 20 a minute; the key's own rule 3 a minute. */
	for (i = 0; i < 4; i++) {
		decide_at(&rg_key, -1, "/", hb, 5, 0, &o);
		expect(&o, i < 3 ? 0 : 429, NULL);
		assert_string_equal(o.rl[0].policy, "route-a");
		assert_int_equal(o.rl[0].quota, 3);
		assert_int_equal(o.key_policy, p);
	}
	/* A route with its own rules (two_rules): those, not the key's. */
	p = weir_gate_policy_add(&g, &two_rules, 8);
	decide_at(&rg_key, p, "/", hb, 5, 0, &o);
	expect(&o, 0, NULL);
	assert_int_equal(o.n_rl, 2);
	assert_string_equal(o.rl[0].policy, "per-minute");
	/* Another key: its tier's. */
	decide_at(&rg_key, -1, "/", "X-API-Key: " K_FREE "\r\n", 5, 0, &o);
	expect(&o, 0, NULL);
	assert_string_equal(o.rl[0].policy, "free");
	assert_int_equal(o.key_policy, -1);
}

/* gate.key_bans: a key past `after` 429s in the window is to be banned; a
 * banned key (the published table) gets 403 before its limits. */
static void
test_key_bans(void **state)
{
	const char *hk = "X-API-Key: " K_FREE "\r\n", *why = NULL;
	struct weir_gate_kbans *t;
	struct weir_gate_out o;
	size_t len = weir_kl_table_size(cfg.limit_entries);
	void *mem = aligned_alloc(64, len);
	uint64_t tag;
	int i;

	(void)state;
	assert_non_null(mem);
	cfg.key_ban_after = 2;
	cfg.key_ban_window_s = 60;
	cfg.key_ban_first_s = 30;
	assert_int_equal(weir_gate_init(&g, &cfg, mem, len, &why), 0);
	g.keys = &keys;
	for (i = 0; i < 5; i++) {
		decide_at(&rg_key, -1, "/", hk, 9, 0, &o);
		expect(&o, 0, NULL);
	}
	/* Two 429s within the strikes; the third is one too many. */
	for (i = 0; i < 3; i++) {
		decide_at(&rg_key, -1, "/", hk, 9, 1, &o);
		expect(&o, 429, NULL);
		assert_int_equal(o.ban_key, i == 2);
	}
	assert_int_equal(l.stats.key_bans, 1);
	tag = o.key;
	assert_int_not_equal(tag, 0);
	/* Control publishes the ban: 403 for it, nothing for another key. */
	t = malloc(sizeof(*t) + 3 * sizeof(t->e[0]));
	assert_non_null(t);
	t->n = 3;
	t->e[0].tag = tag - 1;
	t->e[1].tag = tag;
	t->e[2].tag = tag + 1;
	for (i = 0; i < 3; i++)
		t->e[i].until_ns = (1000 + 31) * NS;
	g.kbans = t;
	decide_at(&rg_key, -1, "/", hk, 9, 2, &o);
	expect(&o, 403, "API key or subject banned for now: it kept going past its limits");
	assert_int_equal(l.stats.key_banned, 1);
	decide_at(&rg_key, -1, "/", "X-API-Key: " K_BASIC "\r\n", 9, 2, &o);
	expect(&o, 0, NULL);
	assert_int_equal(weir_gate_kban_left(t, tag, (1000 + 30) * NS), NS);
	assert_int_equal(weir_gate_kban_left(t, tag, (1000 + 31) * NS), 0);
	assert_int_equal(weir_gate_kban_left(t, tag + 2, 0), 0);
	assert_int_equal(weir_gate_kban_left(NULL, tag, 0), 0);
	/* Past the ban: its limits again (31 s: two requests regained). */
	decide_at(&rg_key, -1, "/", hk, 9, 31, &o);
	expect(&o, 0, NULL);
	g.kbans = NULL;
	free(t);
	free(mem);
}

static void *
worker(void *arg)
{
	struct worker *w = arg;
	const struct weir_gate_route rt = {&rg_key, -1};
	uint8_t addr[16] = {198, 51, 100, 1};
	struct weir_gate_out o;
	int i;

	pthread_barrier_wait(w->start);
	for (i = 0; i < DECISIONS; i++)
		weir_gate_decide(&g, &w->l, &rt, w->cr, addr, 4, T0, 1000 * NS + (uint64_t)i, &o);
	return NULL;
}

static void
test_two_workers(void **state)
{
	static struct worker w[2];
	struct weir_gate_creds cr;
	pthread_barrier_t start;
	pthread_t th[2];
	int i;

	(void)state;
	parse("/", "X-API-Key: " K_FREE "\r\n");
	assert_int_equal(weir_gate_creds(&req, head, cfg.key_header, cfg.key_query, &cr), 0);
	assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
	for (i = 0; i < 2; i++) {
		w[i].cr = &cr;
		w[i].start = &start;
		assert_int_equal(weir_gate_local_init(&w[i].l, &cfg, (uint64_t)i + 1), 0);
		assert_int_equal(pthread_create(&th[i], NULL, worker, &w[i]), 0);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&start);
	assert_int_equal(w[0].l.stats.allowed + w[1].l.stats.allowed, 5);
	assert_int_equal(w[0].l.stats.limited + w[1].l.stats.limited, 2 * DECISIONS - 5);
	assert_int_equal(w[0].l.stats.by_key + w[1].l.stats.by_key, 2 * DECISIONS);
	for (i = 0; i < 2; i++)
		weir_gate_local_fini(&w[i].l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cold_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_algorithms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_bans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_workers, setup, teardown),
	};

	return weir_test_main(tests);
}
