/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The API gate's admin commands: API keys (weirctl key, keys), a key's
 * usage of its limits (weirctl usage), revoked tokens (weirctl token) and
 * the gate's state (weirctl gate). Changes are copy-on-write: a new key
 * table (or revocation list) is made, published by RCU, and the answer
 * sent once every worker uses it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/cmd.h"
#include "core/rcu.h"
#include "core/worker-t.h"
#include "http/http-priv.h"

static const char *
req_str(json_t *req, const char *k)
{
	const char *s = json_string_value(json_object_get(req, k));

	return s != NULL ? s : "";
}

static int
gate_on(char *err, size_t errlen)
{
	if (weir_http_gate.cfg == NULL) {
		snprintf(err, errlen, "no http service: the gate is off");
		return -1;
	}
	return 0;
}

/* KEY: the key itself, or "id:" and its 16-hex id (as backends see it). */
static struct weir_apikey *
find_key(const struct weir_apikey_table *t, const char *arg, uint8_t hash[32], char *err,
	 size_t errlen)
{
	uint32_t i;

	if (strncmp(arg, "id:", 3) == 0) {
		for (i = 0; t->slot != NULL && i <= t->mask; i++)
			if (t->slot[i].used && strcmp(t->slot[i].id, arg + 3) == 0) {
				memcpy(hash, t->slot[i].hash, 32);
				return &t->slot[i];
			}
		snprintf(err, errlen, "no key with id '%s' (weirctl keys)", arg + 3);
		return NULL;
	}
	if (!weir_apikey_key_valid((const uint8_t *)arg, strlen(arg))) {
		snprintf(err, errlen,
			 "not a key: %d to %d visible ASCII bytes but ',;\"\\' (or id:ID)",
			 WEIR_APIKEY_KEY_MIN, WEIR_APIKEY_KEY_MAX);
		return NULL;
	}
	weir_apikey_hash((const uint8_t *)arg, strlen(arg), hash);
	return weir_apikey_find(t, hash);
}

static json_t *
key_json(const struct weir_apikey *k)
{
	const struct weir_gate_config *gc = weir_http_gate.cfg;

	return json_pack("{s:s, s:s, s:s, s:b}", "id", k->id, "tier", gc->tiers[k->tier].name,
			 "owner", k->owner, "blocked", k->blocked);
}

static void
table_free(void *p)
{
	weir_apikey_table_free(p);
	free(p);
}

static int
tier_arg(json_t *req, uint8_t *tier, char *err, size_t errlen)
{
	const struct weir_gate_config *gc = weir_http_gate.cfg;
	const char *name = req_str(req, "tier");
	unsigned int t;

	for (t = 0; t < gc->n_tiers; t++)
		if (strcmp(gc->tiers[t].name, name) == 0) {
			*tier = (uint8_t)t;
			return 0;
		}
	snprintf(err, errlen, "no tier '%s' (weirctl gate lists them)", name);
	return -1;
}

json_t *
weir_cmd_key(json_t *req, char *err, size_t errlen)
{
	const char *action = req_str(req, "action"), *arg = req_str(req, "key");
	const struct weir_apikey_table *cur;
	struct weir_apikey_table *t;
	struct weir_apikey *k;
	uint8_t hash[32], tier = 0;
	json_t *res;
	int rc;

	if (gate_on(err, errlen) != 0)
		return NULL;
	cur = weir_http_gate.keys;
	k = find_key(cur, arg, hash, err, errlen);
	if (k == NULL && err[0] != '\0')
		return NULL;
	if (strcmp(action, "show") == 0) {
		if (k == NULL) {
			snprintf(err, errlen, "no such key");
			return NULL;
		}
		return key_json(k);
	}
	if (strcmp(action, "add") == 0 ? k != NULL : k == NULL) {
		snprintf(err, errlen,
			 k != NULL ? "the key is there already (id %s)" : "no such key",
			 k != NULL ? k->id : "");
		return NULL;
	}
	if ((strcmp(action, "add") == 0 || strcmp(action, "tier") == 0) &&
	    tier_arg(req, &tier, err, errlen) != 0)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL || weir_apikey_table_copy(t, cur) != 0) {
		free(t);
		snprintf(err, errlen, "key: out of memory");
		return NULL;
	}
	if (strcmp(action, "add") == 0) {
		rc = weir_apikey_add(t, hash, tier, req_str(req, "owner"));
		if (rc != 0) {
			table_free(t);
			snprintf(err, errlen, "%s",
				 rc == -ENOSPC ? "the key table is full (gate.api_keys.capacity)"
					       : "owner: at most 47 bytes, no control characters");
			return NULL;
		}
	} else if (strcmp(action, "rm") == 0) {
		res = key_json(k);
		weir_apikey_remove(t, hash);
		weir_rcu_publish((void **)&weir_http_gate.keys, t, table_free);
		json_object_set_new(res, "removed", json_true());
		return weir_cmd_after(res);
	}
	k = weir_apikey_find(t, hash);
	if (strcmp(action, "tier") == 0)
		k->tier = tier;
	else if (strcmp(action, "block") == 0)
		k->blocked = 1;
	else if (strcmp(action, "unblock") == 0)
		k->blocked = 0;
	res = key_json(k);
	weir_rcu_publish((void **)&weir_http_gate.keys, t, table_free);
	/* Answered once every worker uses the new table. */
	return weir_cmd_after(res);
}

json_t *
weir_cmd_keys(json_t *req, char *err, size_t errlen)
{
	const struct weir_apikey_table *t;
	json_t *a;
	uint32_t i;

	(void)req;
	if (gate_on(err, errlen) != 0)
		return NULL;
	t = weir_http_gate.keys;
	a = json_array();
	for (i = 0; t->slot != NULL && i <= t->mask; i++)
		if (t->slot[i].used)
			json_array_append_new(a, key_json(&t->slot[i]));
	return json_pack("{s:o, s:I, s:I}", "keys", a, "count", (json_int_t)t->n, "capacity",
			 (json_int_t)((t->mask + 1) / 2));
}

/* One rule set's state for a limit key: the rules the table holds it under. */
static void
usage_of(json_t *out, const struct weir_gate_policy *p, uint64_t key, uint64_t now_ns,
	 const char *scope)
{
	struct weir_kl_result res[WEIR_GATE_RULES_MAX];
	uint64_t allowed[WEIR_GATE_RULES_MAX], limited[WEIR_GATE_RULES_MAX];
	unsigned int i;

	if (p->n == 0 ||
	    weir_kl_peek(weir_http_gate.lim, key, p->kl, p->n, now_ns, res, allowed, limited) == 0)
		return;
	for (i = 0; i < p->n; i++)
		json_array_append_new(
			out, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "rule",
				       p->rule[i]->name, "scope", scope, "limit",
				       (json_int_t)res[i].limit, "window_s",
				       (json_int_t)p->rule[i]->window_s, "allowed",
				       (json_int_t)allowed[i], "limited", (json_int_t)limited[i],
				       "remaining", (json_int_t)res[i].remaining, "reset_s",
				       (json_int_t)((res[i].reset_ns + 999999999u) / 1000000000u)));
}

json_t *
weir_cmd_usage(json_t *req, char *err, size_t errlen)
{
	const struct weir_gate *g = &weir_http_gate;
	uint64_t now = weir_clock_ns(weir_clock_tsc()), key;
	struct weir_apikey *k;
	uint8_t hash[32];
	unsigned int p;
	json_t *rules, *res;

	if (gate_on(err, errlen) != 0)
		return NULL;
	k = find_key(g->keys, req_str(req, "key"), hash, err, errlen);
	if (k == NULL) {
		if (err[0] == '\0')
			snprintf(err, errlen, "no such key");
		return NULL;
	}
	key = weir_gate_key_of_hash(hash);
	rules = json_array();
	usage_of(rules, &g->policy[k->tier], key, now, "tier");
	/* Its own rules (api_keys.keys[i].limits), then those of routes. */
	for (p = g->cfg->n_tiers; p < g->n_policies; p++)
		usage_of(rules, &g->policy[p], key, now,
			 k->extra != 0 && p == (unsigned int)k->extra - 1 ? "key" : "route");
	res = key_json(k);
	json_object_set_new(res, "rules", rules);
	return res;
}

static void
revoked_free(void *p)
{
	free(p);
}

json_t *
weir_cmd_token(json_t *req, char *err, size_t errlen)
{
	const char *jti = req_str(req, "jti");
	json_t *u = json_object_get(req, "until");
	int64_t now = (int64_t)time(NULL), until;
	struct weir_gate_revoked *rv;

	if (gate_on(err, errlen) != 0)
		return NULL;
	if (jti[0] == '\0' || strlen(jti) > 63) {
		snprintf(err, errlen, "jti: 1 to 63 bytes");
		return NULL;
	}
	/* Until a given time (seconds since the epoch), else a day: no token
	 * an issuer means to revoke should live longer than its exp allows. */
	until = u != NULL ? (int64_t)json_integer_value(u) : now + 86400;
	if (until <= now) {
		snprintf(err, errlen, "until %lld is in the past (now %lld)", (long long)until,
			 (long long)now);
		return NULL;
	}
	rv = weir_gate_revoke(weir_http_gate.revoked, jti, until, now);
	if (rv == NULL) {
		snprintf(err, errlen, "token: out of memory");
		return NULL;
	}
	weir_rcu_publish((void **)&weir_http_gate.revoked, rv, revoked_free);
	return weir_cmd_after(json_pack("{s:s, s:I, s:I}", "jti", jti, "until", (json_int_t)until,
					"revoked", (json_int_t)rv->n));
}

json_t *
weir_cmd_gate(json_t *req, char *err, size_t errlen)
{
	const struct weir_gate *g = &weir_http_gate;
	struct weir_kl_stats ks;
	json_t *tiers, *iss;
	unsigned int t, i, w;

	(void)req;
	if (gate_on(err, errlen) != 0)
		return NULL;
	tiers = json_array();
	for (t = 0; t < g->cfg->n_tiers; t++) {
		uint64_t a = 0, l = 0;
		json_t *rules = json_array();

		for (w = 0; w < weir.n_workers; w++) {
			const struct weir_gate_stats *s = &weir.workers[w]->http.gate.stats;

			a += __atomic_load_n(&s->tier_allowed[t], __ATOMIC_RELAXED);
			l += __atomic_load_n(&s->tier_limited[t], __ATOMIC_RELAXED);
		}
		for (i = 0; i < g->cfg->tiers[t].rules.n; i++) {
			const struct weir_gate_rule *r = &g->cfg->tiers[t].rules.r[i];

			json_array_append_new(rules,
					      json_pack("{s:s, s:I, s:I}", "name", r->name, "limit",
							(json_int_t)r->limit, "window_s",
							(json_int_t)r->window_s));
		}
		json_array_append_new(tiers,
				      json_pack("{s:s, s:o, s:I, s:I}", "name",
						g->cfg->tiers[t].name, "limits", rules, "allowed",
						(json_int_t)a, "limited", (json_int_t)l));
	}
	iss = json_array();
	for (i = 0; i < g->cfg->n_issuers; i++)
		json_array_append_new(
			iss, json_pack("{s:s, s:s, s:s, s:I}", "name", g->cfg->issuers[i].name,
				       "iss", g->cfg->issuers[i].jwt.iss, "alg",
				       weir_jwt_alg_name(g->cfg->issuers[i].jwt.alg), "keys",
				       (json_int_t)g->cfg->issuers[i].jwt.n_keys));
	weir_kl_table_stats(g->lim, &ks);
	return json_pack("{s:o, s:o, s:I, s:o, s:I, s:{s:I, s:I, s:I, s:I}}", "tiers", tiers,
			 "issuers", iss, "keys", (json_int_t)g->keys->n, "banned_keys",
			 http_gate_bans_json(), "revoked",
			 (json_int_t)(g->revoked != NULL ? g->revoked->n : 0), "limit_table",
			 "used", (json_int_t)ks.used, "evictions", (json_int_t)ks.evictions, "full",
			 (json_int_t)ks.full, "cas_retries", (json_int_t)ks.cas_retries);
}
