/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What test_gate.c and test_gate_limits.c share: a gate over a
 * configuration made in C (one HS256 issuer, the four default tiers, three
 * API keys), HS256 tokens signed here, request heads parsed by lib/http_lite
 * and decided on a fake clock (T0 + t seconds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "gate_fixture.h"

struct weir_gate_config cfg;
struct weir_gate g;
struct weir_gate_local l;
struct weir_apikey_table keys;
static void *lim_mem;
int p_none, p_route;
struct weir_route_gate rg_none = {WEIR_GATE_AUTH_NONE, -1, 1, {1, {{"anon", 1, 2, 60, 2}}}};
struct weir_route_gate rg_jwt = {WEIR_GATE_AUTH_JWT, -1, 0, {0}};
struct weir_route_gate rg_key = {WEIR_GATE_AUTH_API_KEY, -1, 0, {0}};
struct weir_route_gate rg_any = {WEIR_GATE_AUTH_ANY, -1, 0, {0}};
struct weir_route_gate rg_basic = {WEIR_GATE_AUTH_ANY, 1, 0, {0}};
const struct weir_gate_rules route_rules = {1, {{"route-a", 1, 3, 60, 3}}};
const struct weir_gate_rules two_rules = {
	2, {{"per-minute", 1, 5, 60, 5}, {"per-hour", 1, 7, 3600, 7}}};

static void
tier(unsigned int t, const char *name, uint32_t per_min)
{
	snprintf(cfg.tiers[t].name, sizeof(cfg.tiers[t].name), "%s", name);
	cfg.tiers[t].rules.n = 1;
	cfg.tiers[t].rules.r[0] = (struct weir_gate_rule){"", 1, per_min, 60, per_min};
	snprintf(cfg.tiers[t].rules.r[0].name, WEIR_GATE_NAME_MAX, "%s", name);
}

static void
add_key(const char *key, uint8_t t, const char *owner, int blocked)
{
	uint8_t h[32];

	weir_apikey_hash((const uint8_t *)key, strlen(key), h);
	assert_int_equal(weir_apikey_add(&keys, h, t, owner), 0);
	weir_apikey_find(&keys, h)->blocked = (uint8_t)blocked;
}

int
setup(void **state)
{
	struct weir_jwt_issuer *is = &cfg.issuers[0].jwt;
	const char *why = NULL;
	size_t len;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.n_issuers = 1;
	snprintf(cfg.issuers[0].name, sizeof(cfg.issuers[0].name), "main");
	snprintf(is->iss, sizeof(is->iss), ISS);
	is->alg = WEIR_JWT_HS256;
	is->n_keys = 1;
	assert_int_equal(weir_jwt_key_hmac(&is->keys[0], WEIR_JWT_HS256, (const uint8_t *)SECRET,
					   32, NULL, &why),
			 0);
	cfg.n_tiers = 4;
	tier(0, "free", 5);
	tier(1, "basic", 20);
	tier(2, "premium", 100);
	tier(3, "enterprise", 1000);
	snprintf(cfg.key_header, sizeof(cfg.key_header), "X-API-Key");
	snprintf(cfg.key_query, sizeof(cfg.key_query), "api_key");
	cfg.token_cache = 64;
	cfg.limit_entries = 4096;
	cfg.cold_verify_per_s = 50;
	cfg.bad_auth_limit = 3;
	cfg.bad_auth_window_s = 60;
	len = weir_kl_table_size(cfg.limit_entries);
	lim_mem = aligned_alloc(64, len);
	assert_non_null(lim_mem);
	assert_int_equal(weir_gate_init(&g, &cfg, lim_mem, len, &why), 0);
	p_none = weir_gate_policy_add(&g, &rg_none.rules, 0);
	p_route = weir_gate_policy_add(&g, &route_rules, 1);
	assert_int_equal(p_none, 4);
	assert_int_equal(p_route, 5);
	assert_int_equal(weir_apikey_table_init(&keys, 16), 0);
	add_key(K_FREE, 0, "owner-free", 0);
	add_key(K_BASIC, 1, "owner-basic", 0);
	add_key(K_BLOCKED, 2, "owner-blocked", 1);
	g.keys = &keys;
	assert_int_equal(weir_gate_local_init(&l, &cfg, 42), 0);
	return 0;
}

int
teardown(void **state)
{
	(void)state;
	weir_gate_local_fini(&l);
	weir_apikey_table_free(&keys);
	free((void *)g.revoked);
	free(lim_mem);
	weir_jwt_key_free(&cfg.issuers[0].jwt.keys[0]);
	return 0;
}

/* ---- tokens: base64url and HMAC, independent of lib/jwt ---- */

/* An HS256 token of header hdr and payload pay, signed with SECRET (or unsigned). */
void
mk_tok(char *tok, const char *hdr, const char *pay, int sign)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int ml;
	size_t n = weir_test_b64url((const uint8_t *)hdr, strlen(hdr), tok);

	tok[n++] = '.';
	n += weir_test_b64url((const uint8_t *)pay, strlen(pay), tok + n);
	if (!sign) {
		strcpy(tok + n, ".");
		return;
	}
	assert_non_null(HMAC(EVP_sha256(), SECRET, 32, (uint8_t *)tok, n, mac, &ml));
	tok[n++] = '.';
	weir_test_b64url(mac, ml, tok + n);
}

/* A good token's payload: sub, then extra members (",\"tier\":\"basic\"", ...). */
void
tok_for(char *tok, const char *sub, const char *extra, int64_t exp)
{
	char pay[512];

	snprintf(pay, sizeof(pay), "{\"iss\":\"%s\"%s%s%s,\"exp\":%lld%s}", ISS,
		 sub != NULL ? ",\"sub\":\"" : "", sub != NULL ? sub : "", sub != NULL ? "\"" : "",
		 (long long)exp, extra);
	mk_tok(tok, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", pay, 1);
}

/* ---- requests ---- */

struct weir_http_req req;
uint8_t head[8192];

/* Parse "GET target" with the extra header lines hdrs ("Name: v\r\n" ...). */
void
parse(const char *target, const char *hdrs)
{
	int n = snprintf((char *)head, sizeof(head), "GET %s HTTP/1.1\r\nHost: h\r\n%s\r\n", target,
			 hdrs);

	weir_http_req_init(&req);
	assert_int_equal(weir_http_parse_req(&req, head, (size_t)n, NULL), n);
}

/* One request at T0 + t seconds from 192.0.2.<a>; its answer in *o. */
void
decide_at(const struct weir_route_gate *rc, int policy, const char *target, const char *hdrs,
	  uint8_t a, int64_t t, struct weir_gate_out *o)
{
	const struct weir_gate_route rt = {rc, policy};
	struct weir_gate_creds cr;
	uint8_t addr[16] = {192, 0, 2, a};

	parse(target, hdrs);
	weir_gate_creds(&req, head, cfg.key_header, cfg.key_query, &cr);
	weir_gate_decide(&g, &l, &rt, &cr, addr, 4, T0 + t, NS * (uint64_t)(1000 + t), o);
}

void
bearer(char *hdr, const char *tok)
{
	sprintf(hdr, "Authorization: Bearer %s\r\n", tok);
}

void
expect(const struct weir_gate_out *o, int status, const char *why)
{
	assert_int_equal(o->status, status);
	if (why != NULL)
		assert_string_equal(o->why, why);
}
