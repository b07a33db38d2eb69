/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gate's decision for one request: authenticate (a cached token, a
 * token verified against the issuers, an API key looked up by its
 * SHA-256), check the key's state and tier, then charge the request to
 * the limits of its tier or route in the shared limit table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "weir_gate.h"

#define NS UINT64_C(1000000000)
/* Rule ids in the limit table: tiers, routes, the failed-authentication rule. */
#define ID_TIER(t, i) ((uint16_t)((t)*WEIR_GATE_RULES_MAX + (i)))
#define ID_ROUTE_BASE ((uint16_t)(WEIR_GATE_TIERS_MAX * WEIR_GATE_RULES_MAX))
#define ID_BAD_AUTH ((uint16_t)(WEIR_KL_RULE_IDS - 1))
#define ID_STRIKES ((uint16_t)(WEIR_KL_RULE_IDS - 2))
/* How long a token without exp stays cached (it is checked again then). */
#define NO_EXP_CACHE_S 300

/* splitmix64's finalizer: keys of different kinds stay apart by their seed. */
static uint64_t
mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static uint64_t
hash_bytes(uint64_t h, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * UINT64_C(0x100000001b3);
	return mix(h);
}

uint64_t
weir_gate_key_of_hash(const uint8_t hash[32])
{
	uint64_t k;

	memcpy(&k, hash + 8, 8); /* the id shows bytes 0..7; the key's limits use others */
	return mix(k ^ UINT64_C(0x6b6579)) | 1;
}

uint64_t
weir_gate_key_of_subject(unsigned int issuer, const char *sub)
{
	return hash_bytes(UINT64_C(0xcbf29ce484222325) ^ ((uint64_t)issuer + 1) << 56,
			  (const uint8_t *)sub, strlen(sub)) |
	       1;
}

uint64_t
weir_gate_key_of_addr(const uint8_t *addr, uint8_t family)
{
	return hash_bytes(UINT64_C(0x84222325cbf29ce4) ^ family, addr, family == 4 ? 4 : 16) | 1;
}

static int
policy_set(struct weir_gate_policy *p, const struct weir_gate_rules *rs, uint16_t id0,
	   const char **why)
{
	unsigned int i;

	p->n = 0;
	for (i = 0; i < rs->n; i++) {
		const struct weir_gate_rule *r = &rs->r[i];
		uint8_t alg = r->alg == WEIR_GATE_SLIDING_WINDOW ? WEIR_KL_SLIDING_WINDOW
			      : r->alg == WEIR_GATE_TOKEN_BUCKET ? WEIR_KL_TOKEN_BUCKET
								 : WEIR_KL_GCRA;

		if (weir_kl_rule_init(&p->kl[i], (uint16_t)(id0 + i), alg, r->limit,
				      (uint64_t)r->window_s * NS,
				      alg == WEIR_KL_SLIDING_WINDOW ? 0 : r->burst, why) != 0)
			return -EINVAL;
		p->rule[i] = r;
		p->n++;
	}
	return 0;
}

int
weir_gate_init(struct weir_gate *g, const struct weir_gate_config *cfg, void *lim_mem,
	       size_t lim_len, const char **why)
{
	struct weir_gate_rule *bad = &g->bad_rule;
	struct weir_gate_rules rs;
	unsigned int t;

	memset(g, 0, sizeof(*g));
	g->cfg = cfg;
	g->lim = weir_kl_table_init(lim_mem, lim_len, cfg->limit_entries);
	if (g->lim == NULL) {
		*why = "limit table: no memory";
		return -EINVAL;
	}
	for (t = 0; t < cfg->n_tiers; t++)
		if (policy_set(&g->policy[t], &cfg->tiers[t].rules, ID_TIER(t, 0), why) != 0)
			return -EINVAL;
	g->n_policies = cfg->n_tiers;
	snprintf(bad->name, sizeof(bad->name), "bad_auth");
	bad->alg = WEIR_GATE_GCRA;
	bad->limit = cfg->bad_auth_limit;
	bad->window_s = cfg->bad_auth_window_s;
	bad->burst = cfg->bad_auth_limit;
	rs.n = 1;
	rs.r[0] = *bad;
	if (policy_set(&g->bad_auth, &rs, ID_BAD_AUTH, why) != 0)
		return -EINVAL;
	g->bad_auth.rule[0] = bad;
	if (cfg->key_ban_after != 0 && cfg->key_ban_first_s != 0) {
		struct weir_gate_rule *st = &g->strike_rule;

		snprintf(st->name, sizeof(st->name), "key_bans");
		st->alg = WEIR_GATE_GCRA;
		st->limit = cfg->key_ban_after;
		st->window_s = cfg->key_ban_window_s;
		st->burst = cfg->key_ban_after;
		rs.r[0] = *st;
		if (policy_set(&g->strikes, &rs, ID_STRIKES, why) != 0)
			return -EINVAL;
		g->strikes.rule[0] = st;
	}
	return 0;
}

uint64_t
weir_gate_kban_left(const struct weir_gate_kbans *t, uint64_t tag, uint64_t now_ns)
{
	uint32_t lo = 0, hi;

	if (t == NULL)
		return 0;
	hi = t->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->e[mid].tag < tag)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->n && t->e[lo].tag == tag && t->e[lo].until_ns > now_ns)
		return t->e[lo].until_ns - now_ns;
	return 0;
}

int
weir_gate_policy_add(struct weir_gate *g, const struct weir_gate_rules *rs, uint16_t id)
{
	const char *why;
	uint32_t id0 = ID_ROUTE_BASE + (uint32_t)id * WEIR_GATE_RULES_MAX;

	if (g->n_policies == WEIR_GATE_POLICIES_MAX || id0 + WEIR_GATE_RULES_MAX > ID_STRIKES)
		return -ENOSPC;
	if (policy_set(&g->policy[g->n_policies], rs, (uint16_t)id0, &why) != 0)
		return -EINVAL;
	return (int)g->n_policies++;
}

int
weir_gate_policy_find(const struct weir_gate *g, const struct weir_gate_rules *rs)
{
	unsigned int p, i;

	for (p = g->cfg->n_tiers; p < g->n_policies; p++) {
		const struct weir_gate_policy *q = &g->policy[p];

		if (q->n != rs->n)
			continue;
		for (i = 0; i < q->n; i++) {
			const struct weir_gate_rule *a = q->rule[i], *b = &rs->r[i];

			if (strcmp(a->name, b->name) != 0 || a->alg != b->alg ||
			    a->limit != b->limit || a->window_s != b->window_s ||
			    a->burst != b->burst)
				break;
		}
		if (i == q->n)
			return (int)p;
	}
	return -1;
}

int
weir_gate_local_init(struct weir_gate_local *l, const struct weir_gate_config *cfg, uint64_t seed)
{
	uint32_t n = 4;
	size_t len;

	memset(l, 0, sizeof(*l));
	while (n < cfg->token_cache)
		n <<= 1;
	len = weir_jwt_cache_size(n);
	l->cache_mem = malloc(len);
	l->md = EVP_MD_CTX_new();
	l->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (l->cache_mem == NULL || l->md == NULL || l->sha256 == NULL ||
	    weir_jwt_cache_init(&l->cache, l->cache_mem, len, n, seed) != 0) {
		weir_gate_local_fini(l);
		return -ENOMEM;
	}
	l->cold_second = -1;
	return 0;
}

void
weir_gate_local_fini(struct weir_gate_local *l)
{
	free(l->cache_mem);
	EVP_MD_CTX_free(l->md);
	EVP_MD_free(l->sha256);
	l->cache_mem = NULL;
	l->md = NULL;
	l->sha256 = NULL;
}

/* SHA-256 with the worker's context: no allocation per request. */
static int
sha256(struct weir_gate_local *l, const char *key, size_t len, uint8_t out[32])
{
	unsigned int n = 32;

	return EVP_DigestInit_ex2(l->md, l->sha256, NULL) == 1 &&
			       EVP_DigestUpdate(l->md, key, len) == 1 &&
			       EVP_DigestFinal_ex(l->md, out, &n) == 1
		       ? 0
		       : -1;
}

static int
tier_of(const struct weir_gate_config *cfg, const char *name)
{
	unsigned int t;

	for (t = 0; t < cfg->n_tiers; t++)
		if (strcmp(cfg->tiers[t].name, name) == 0)
			return (int)t;
	return cfg->default_tier;
}

static int
cold_budget(struct weir_gate *g, struct weir_gate_local *l, int64_t now_s)
{
	if (l->cold_second != now_s) {
		l->cold_second = now_s;
		l->cold_left = g->cfg->cold_verify_per_s;
	}
	if (l->cold_left == 0)
		return -1;
	l->cold_left--;
	return 0;
}

static uint32_t
ceil_s(uint64_t ns)
{
	return (uint32_t)((ns + NS - 1) / NS);
}

/* A token's jti revoked now (weirctl token revoke): 401. Cached tokens are
 * asked too: a revocation empties no cache. */
static int
revoked(struct weir_gate *g, const char *jti, int64_t now_s, struct weir_gate_out *o,
	struct weir_gate_local *l)
{
	if (jti[0] == '\0' ||
	    !weir_gate_is_revoked(__atomic_load_n(&g->revoked, __ATOMIC_ACQUIRE), jti, now_s))
		return 0;
	l->stats.bad_token++;
	o->status = 401;
	o->why = "token revoked";
	return 1;
}

/*
 * A source past gate.bad_auth: answered 429 before its credentials cost a
 * verification or a hash (a cached token costs neither: it is not asked),
 * and reported for a ban. 1 if so.
 */
static int
bad_source(struct weir_gate *g, struct weir_gate_local *l, uint64_t src, uint64_t now_ns,
	   struct weir_gate_out *o)
{
	struct weir_kl_result r;

	if (weir_kl_peek(g->lim, src, g->bad_auth.kl, 1, now_ns, &r, NULL, NULL) == 0 || r.allowed)
		return 0;
	l->stats.bad_auth_limited++;
	/* The one too many: the caller bans the source (control ignores the
	 * reports of a source banned already). */
	o->ban_source = 1;
	o->status = 429;
	o->why = "too many failed authentications";
	o->n_rl = 1;
	o->violated = 1;
	o->rl[0] = (struct weir_http_rl){g->bad_auth.rule[0]->name, r.limit,
					 g->bad_auth.rule[0]->window_s, 0, ceil_s(r.retry_ns)};
	return 1;
}

/* A token: cached, or verified against each issuer (its alg first). 0 or -1 (o set). */
static int
by_token(struct weir_gate *g, struct weir_gate_local *l, const struct weir_gate_creds *cr,
	 int64_t now_s, uint64_t now_ns, uint64_t src, struct weir_gate_out *o, uint64_t *key)
{
	const struct weir_gate_config *cfg = g->cfg;
	const struct weir_jwt_cached *hit;
	struct weir_jwt_cached v;
	const char *why = "no issuer takes this token", *w;
	unsigned int i, best = 0;
	int rc = -1;

	hit = weir_jwt_cache_get(&l->cache, cr->token, cr->token_len, now_s, 0);
	if (hit != NULL) {
		l->stats.cache_hits++;
		if (revoked(g, hit->jti, now_s, o, l))
			return -1;
		o->tier = (int)hit->tier;
		o->issuer = (int)hit->issuer;
		snprintf(o->subject, sizeof(o->subject), "%s", hit->sub);
		*key = weir_gate_key_of_subject(hit->issuer, hit->sub);
		return 0;
	}
	if (bad_source(g, l, src, now_ns, o))
		return -1;
	if (cold_budget(g, l, now_s) != 0) {
		l->stats.cold_capped++;
		o->status = 503;
		o->why = "token verification capacity exceeded";
		return -1;
	}
	for (i = 0; i < cfg->n_issuers; i++) {
		int e = weir_jwt_verify(&cfg->issuers[i].jwt, cr->token, cr->token_len, now_s,
					&l->claims, &w);

		if (e == 0) {
			rc = 0;
			break;
		}
		/* The most telling refusal: past the algorithm check of an issuer of that alg. */
		if (best == 0 && e != WEIR_JWT_E_ALG) {
			why = w;
			best = 1;
		} else if (best == 0 && i == 0) {
			why = w;
		}
	}
	l->stats.verified++;
	if (rc != 0) {
		l->stats.bad_token++;
		o->status = 401;
		o->why = why;
		return -1;
	}
	if (l->claims.sub[0] == '\0') {
		l->stats.bad_token++;
		o->status = 401;
		o->why = "token has no subject";
		return -1;
	}
	if (revoked(g, l->claims.jti, now_s, o, l))
		return -1;
	memset(&v, 0, sizeof(v));
	v.issuer = i;
	v.tier = (uint32_t)tier_of(cfg, l->claims.tier);
	v.exp = l->claims.exp;
	memcpy(v.sub, l->claims.sub, sizeof(v.sub));
	memcpy(v.jti, l->claims.jti, sizeof(v.jti));
	weir_jwt_cache_put(
		&l->cache, cr->token, cr->token_len, now_s,
		weir_jwt_cache_expiry(&cfg->issuers[i].jwt, &l->claims, now_s, NO_EXP_CACHE_S), 0,
		&v);
	o->tier = (int)v.tier;
	o->issuer = (int)i;
	snprintf(o->subject, sizeof(o->subject), "%s", v.sub);
	*key = weir_gate_key_of_subject(i, v.sub);
	return 0;
}

/* An API key. 0 or -1 (o set). */
static int
by_key(struct weir_gate *g, struct weir_gate_local *l, const struct weir_gate_creds *cr,
       uint64_t now_ns, uint64_t src, struct weir_gate_out *o, uint64_t *key)
{
	const struct weir_apikey_table *t = __atomic_load_n(&g->keys, __ATOMIC_ACQUIRE);
	const struct weir_apikey *k;
	uint8_t h[32];

	if (bad_source(g, l, src, now_ns, o))
		return -1;
	if (sha256(l, cr->key, cr->key_len, h) != 0 || t == NULL ||
	    (k = weir_apikey_find(t, h)) == NULL) {
		l->stats.unknown_key++;
		o->status = 401;
		o->why = "unknown API key";
		return -1;
	}
	memcpy(o->key_id, k->id, sizeof(o->key_id));
	o->key_policy = k->extra != 0 ? (int)k->extra - 1 : -1;
	snprintf(o->subject, sizeof(o->subject), "%s", k->owner);
	o->tier = k->tier;
	if (k->blocked) {
		l->stats.blocked++;
		o->status = 403;
		o->why = "API key blocked";
		return -1;
	}
	*key = weir_gate_key_of_hash(h);
	return 0;
}

/* 401s cost a source: over gate.bad_auth it is not even heard (and the
 * caller bans it: 1 when this failure is the one too many). */
static int
charge_bad(struct weir_gate *g, uint64_t src, uint64_t now_ns)
{
	return weir_kl_take(g->lim, src, g->bad_auth.kl, 1, now_ns, NULL) == 0;
}

static void
limits(struct weir_gate *g, struct weir_gate_local *l, const struct weir_gate_policy *p,
       uint64_t key, uint64_t now_ns, struct weir_gate_out *o)
{
	struct weir_kl_result res[WEIR_GATE_RULES_MAX];
	unsigned int i;
	int rc;

	if (p->n == 0)
		return;
	o->key = key;
	rc = weir_kl_take(g->lim, key, p->kl, p->n, now_ns, res);
	if (rc < 0) {
		l->stats.table_full++;
		o->status = 503;
		o->why = "limit table full";
		return;
	}
	o->n_rl = p->n;
	for (i = 0; i < p->n; i++) {
		struct weir_http_rl *rl = &o->rl[i];
		uint32_t w = p->rule[i]->window_s;

		rl->policy = p->rule[i]->name;
		rl->quota = res[i].limit;
		rl->window_s = w;
		rl->remaining = res[i].remaining;
		rl->reset_s = ceil_s(res[i].allowed ? res[i].reset_ns : res[i].retry_ns);
		if (rl->reset_s > w)
			rl->reset_s = w;
		if (!res[i].allowed)
			o->violated |= 1u << i;
	}
	if (rc == 0) {
		/* A key that keeps going past its limits earns a ban (gate.key_bans). */
		if (g->strikes.n != 0 && o->how != WEIR_GATE_AUTH_NONE &&
		    weir_kl_take(g->lim, key, g->strikes.kl, 1, now_ns, NULL) == 0) {
			o->ban_key = 1;
			l->stats.key_bans++;
		}
		l->stats.limited++;
		if (o->tier >= 0)
			l->stats.tier_limited[o->tier]++;
		o->status = 429;
		o->why = "over the limit";
	}
}

void
weir_gate_decide(struct weir_gate *g, struct weir_gate_local *l, const struct weir_gate_route *rt,
		 const struct weir_gate_creds *cr, const uint8_t *addr, uint8_t family,
		 int64_t now_s, uint64_t now_ns, struct weir_gate_out *o)
{
	const struct weir_route_gate *rg = rt->cfg;
	uint64_t src = weir_gate_key_of_addr(addr, family), key = 0;
	int rc = -1;

	/* Not the whole answer: the strings are emptied, rl[] is read up to n_rl. */
	memset(o, 0, offsetof(struct weir_gate_out, subject));
	o->subject[0] = '\0';
	o->key_id[0] = '\0';
	o->key_policy = -1;
	o->tier = -1;
	o->issuer = -1;
	o->how = rg->auth;
	if (rg->auth == WEIR_GATE_AUTH_NONE) {
		l->stats.anonymous++;
		key = src;
		goto limit;
	}
	if (cr->bad != NULL) {
		l->stats.bad_creds++;
		o->status = 401;
		o->why = cr->bad;
		goto bad;
	}
	if (cr->token != NULL && rg->auth != WEIR_GATE_AUTH_API_KEY) {
		o->how = WEIR_GATE_AUTH_JWT;
		rc = by_token(g, l, cr, now_s, now_ns, src, o, &key);
		if (rc == 0)
			l->stats.by_jwt++;
	} else if (cr->key != NULL && rg->auth != WEIR_GATE_AUTH_JWT) {
		o->how = WEIR_GATE_AUTH_API_KEY;
		rc = by_key(g, l, cr, now_ns, src, o, &key);
		if (rc == 0)
			l->stats.by_key++;
	} else {
		l->stats.no_creds++;
		o->status = 401;
		o->why = rg->auth == WEIR_GATE_AUTH_API_KEY ? "API key required"
			 : rg->auth == WEIR_GATE_AUTH_JWT   ? "Bearer token required"
							    : "Bearer token or API key required";
	}
	if (rc != 0)
		goto bad;
	if (weir_gate_kban_left(__atomic_load_n(&g->kbans, __ATOMIC_ACQUIRE), key, now_ns) != 0) {
		l->stats.key_banned++;
		o->status = 403;
		o->why = "API key or subject banned for now: it kept going past its limits";
		return;
	}
	if (rg->min_tier >= 0 && o->tier < rg->min_tier) {
		l->stats.low_tier++;
		o->status = 403;
		o->why = "tier too low for this route";
		return;
	}
limit:
	/* The route's rules, else the key's own, else its tier's; anonymous
	 * without rules: none. */
	if (rt->policy >= 0)
		limits(g, l, &g->policy[rt->policy], key, now_ns, o);
	else if (o->key_policy >= 0)
		limits(g, l, &g->policy[o->key_policy], key, now_ns, o);
	else if (o->tier >= 0)
		limits(g, l, &g->policy[o->tier], key, now_ns, o);
	if (o->status == 0) {
		l->stats.allowed++;
		if (o->tier >= 0)
			l->stats.tier_allowed[o->tier]++;
	}
	return;
bad:
	if (o->status == 401)
		o->ban_source = (uint8_t)charge_bad(g, src, now_ns);
	l->stats.bans += o->ban_source;
}
