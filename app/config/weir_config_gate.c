/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration of the API gate: the top-level "gate" object (issuers,
 * tiers, API keys, sizes) and the "auth", "min_tier" and "limits" of an
 * http service and its routes. Key files are read here, at load time, so
 * that a bad key is an error naming its key path and file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "weir_config_priv.h"

#define FILE_MAX 65536

static const struct weir_gate_tier default_tiers[] = {
	{"free", {1, {{"free", WEIR_GATE_GCRA, 5, 60, 5}}}},
	{"basic", {1, {{"basic", WEIR_GATE_GCRA, 20, 60, 20}}}},
	{"premium", {1, {{"premium", WEIR_GATE_GCRA, 100, 60, 100}}}},
	{"enterprise", {1, {{"enterprise", WEIR_GATE_GCRA, 1000, 60, 1000}}}},
};

/* The file at path (relative paths from the config file's directory), at
 * most FILE_MAX bytes, NUL-terminated, into a malloc'ed *out. */
static int
read_file(struct weir_cfg_ctx *c, const char *key, json_t *v, char **out, size_t *len)
{
	const char *p = json_string_value(v), *slash;
	char path[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	if (p == NULL || *p == '\0')
		return weir_cfg_fail(c, key, v, "expected a file path");
	slash = strrchr(c->origin, '/');
	if (p[0] != '/' && slash != NULL)
		snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - c->origin), c->origin, p);
	else
		snprintf(path, sizeof(path), "%s", p);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return weir_cfg_fail(c, key, v, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > FILE_MAX) {
		close(fd);
		return weir_cfg_fail(c, key, v, "%s: not a regular file of at most %d bytes", path,
				     FILE_MAX);
	}
	*out = malloc((size_t)st.st_size + 1);
	if (*out == NULL) {
		close(fd);
		return weir_cfg_fail(c, key, NULL, "out of memory");
	}
	n = read(fd, *out, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(*out);
		*out = NULL;
		return weir_cfg_fail(c, key, v, "%s: short read", path);
	}
	(*out)[n] = '\0';
	*len = (size_t)n;
	return 0;
}

static int
parse_alg(const char *s)
{
	static const char *const names[] = {NULL, "HS256", "HS384", "HS512", "RS256", "ES256"};
	int i;

	for (i = 1; i < 6; i++)
		if (s != NULL && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* One key of an issuer: "secret_file" (HS*) or "public_key_file" (RS256, ES256). */
static int
load_key(struct weir_cfg_ctx *c, const char *where, json_t *o, struct weir_jwt_issuer *is,
	 const char *kid)
{
	struct weir_jwt_key *k = &is->keys[is->n_keys];
	int hmac = is->alg <= WEIR_JWT_HS512;
	const char *name = hmac ? "secret_file" : "public_key_file", *why = "";
	char key[224], *text = NULL;
	size_t len = 0;
	json_t *v;
	int rc;

	snprintf(key, sizeof(key), "%s.%s", where, name);
	if ((v = json_object_get(o, hmac ? "public_key_file" : "secret_file")) != NULL) {
		snprintf(key, sizeof(key), "%s.%s", where,
			 hmac ? "public_key_file" : "secret_file");
		return weir_cfg_fail(c, key, v, "not for alg %s (use %s)",
				     weir_jwt_alg_name(is->alg), name);
	}
	if (hmac && (v = json_object_get(o, "secret")) != NULL) {
		/* Inline (the config file is then a secret itself): never shown. */
		snprintf(key, sizeof(key), "%s.secret", where);
		if (json_object_get(o, "secret_file") != NULL)
			return weir_cfg_fail(c, key, NULL,
					     "give \"secret\" or \"secret_file\", not both");
		if (!json_is_string(v))
			return weir_cfg_fail(c, key, NULL, "expected a string (value not shown)");
		rc = weir_jwt_key_hmac(k, is->alg, (const uint8_t *)json_string_value(v),
				       json_string_length(v), kid, &why);
		if (rc != 0)
			return weir_cfg_fail(c, key, NULL, "%s (value not shown)", why);
		is->n_keys++;
		return 0;
	}
	if ((v = json_object_get(o, name)) == NULL)
		return weir_cfg_fail(c, key, NULL, "missing (alg %s)", weir_jwt_alg_name(is->alg));
	if ((rc = read_file(c, key, v, &text, &len)) != 0)
		return rc;
	if (hmac) {
		/* The file's bytes are the secret; one final newline is not. */
		if (len > 0 && text[len - 1] == '\n')
			len--;
		rc = weir_jwt_key_hmac(k, is->alg, (const uint8_t *)text, len, kid, &why);
		memset(text, 0, len);
	} else {
		rc = weir_jwt_key_pem(k, is->alg, text, len, kid, &why);
	}
	free(text);
	if (rc != 0)
		return weir_cfg_fail(c, key, NULL, "%s: %s", json_string_value(v), why);
	is->n_keys++;
	return 0;
}

static int
load_issuer(struct weir_cfg_ctx *c, const char *where, json_t *o, struct weir_gate_issuer *gi)
{
	static const char *const keys[] = {"name",
					   "iss",
					   "aud",
					   "secret",
					   "alg",
					   "secret_file",
					   "public_key_file",
					   "keys",
					   "jwks_file",
					   "sub_claim",
					   "tier_claim",
					   "leeway_s",
					   "max_len",
					   "exp_optional",
					   NULL};
	struct weir_jwt_issuer *is = &gi->jwt;
	char key[224];
	unsigned long u;
	json_t *v, *e;
	size_t i;
	int rc;

	if (!json_is_object(o))
		return weir_cfg_fail(c, where, o, "expected an object {name, iss, alg, ...}");
	if ((rc = weir_cfg_check_keys(c, where, o, keys)) != 0)
		return rc;
	snprintf(key, sizeof(key), "%s.name", where);
	if ((v = json_object_get(o, "name")) == NULL)
		return weir_cfg_fail(c, key, NULL, "missing");
	if ((rc = weir_cfg_get_string(c, key, v, gi->name, sizeof(gi->name))) != 0)
		return rc;
	snprintf(key, sizeof(key), "%s.iss", where);
	if ((v = json_object_get(o, "iss")) == NULL)
		return weir_cfg_fail(c, key, NULL, "missing: the \"iss\" its tokens carry");
	if ((rc = weir_cfg_get_string(c, key, v, is->iss, sizeof(is->iss))) != 0)
		return rc;
	if (is->iss[0] == '\0')
		return weir_cfg_fail(c, key, v, "must not be empty");
	snprintf(key, sizeof(key), "%s.aud", where);
	if ((v = json_object_get(o, "aud")) != NULL &&
	    (rc = weir_cfg_get_string(c, key, v, is->aud, sizeof(is->aud))) != 0)
		return rc;
	snprintf(key, sizeof(key), "%s.alg", where);
	v = json_object_get(o, "alg");
	if (v == NULL)
		return weir_cfg_fail(c, key, NULL,
				     "missing: pin one of HS256, HS384, HS512, RS256, ES256");
	if ((rc = parse_alg(json_string_value(v))) < 0)
		return weir_cfg_fail(c, key, v, "expected HS256, HS384, HS512, RS256 or ES256");
	is->alg = (uint8_t)rc;
	snprintf(key, sizeof(key), "%s.sub_claim", where);
	if ((v = json_object_get(o, "sub_claim")) != NULL &&
	    (rc = weir_cfg_get_string(c, key, v, is->sub_claim, sizeof(is->sub_claim))) != 0)
		return rc;
	snprintf(key, sizeof(key), "%s.tier_claim", where);
	if ((v = json_object_get(o, "tier_claim")) != NULL &&
	    (rc = weir_cfg_get_string(c, key, v, is->tier_claim, sizeof(is->tier_claim))) != 0)
		return rc;
	u = 0;
	if ((rc = weir_cfg_member_uint(c, where, o, "leeway_s", 0, 0, 300, &u)) < 0)
		return rc;
	is->leeway_s = (uint32_t)u;
	u = WEIR_JWT_DEFAULT_MAX_LEN;
	if ((rc = weir_cfg_member_uint(c, where, o, "max_len", 0, 64, WEIR_JWT_MAX_TOKEN, &u)) < 0)
		return rc;
	is->max_len = (uint32_t)u;
	snprintf(key, sizeof(key), "%s.exp_optional", where);
	if ((v = json_object_get(o, "exp_optional")) != NULL) {
		if (!json_is_boolean(v))
			return weir_cfg_fail(c, key, v, "expected true or false");
		is->exp_optional = json_is_true(v);
	}

	/* The keys: one given inline (any kid), "keys" with a kid each, or a JWK Set. */
	if ((v = json_object_get(o, "jwks_file")) != NULL) {
		struct weir_jwt_jwks_stats st;
		const char *why = "";
		char *text = NULL;
		size_t len = 0;

		snprintf(key, sizeof(key), "%s.jwks_file", where);
		if (json_object_get(o, "secret_file") != NULL ||
		    json_object_get(o, "secret") != NULL ||
		    json_object_get(o, "public_key_file") != NULL ||
		    json_object_get(o, "keys") != NULL)
			return weir_cfg_fail(c, key, NULL,
					     "give one of \"jwks_file\", \"keys\" or a key file");
		if ((rc = read_file(c, key, v, &text, &len)) != 0)
			return rc;
		rc = weir_jwt_issuer_load_jwks(is, text, len, &st, &why);
		memset(text, 0, len); /* an "oct" set holds secrets */
		free(text);
		if (rc != 0 && st.bad_key >= 0)
			return weir_cfg_fail(c, key, NULL, "%s: key %d: %s", json_string_value(v),
					     st.bad_key, why);
		if (rc != 0)
			return weir_cfg_fail(c, key, NULL, "%s: %s", json_string_value(v), why);
		return 0;
	}
	if ((v = json_object_get(o, "keys")) != NULL) {
		snprintf(key, sizeof(key), "%s.keys", where);
		if (json_object_get(o, "secret_file") != NULL ||
		    json_object_get(o, "secret") != NULL ||
		    json_object_get(o, "public_key_file") != NULL)
			return weir_cfg_fail(c, key, NULL,
					     "give either \"keys\" or one key file, not both");
		if (!json_is_array(v) || json_array_size(v) == 0 ||
		    json_array_size(v) > WEIR_JWT_MAX_KEYS)
			return weir_cfg_fail(c, key, v, "expected an array of 1 to %d keys",
					     WEIR_JWT_MAX_KEYS);
		json_array_foreach(v, i, e)
		{
			static const char *const kkeys[] = {"kid", "secret", "secret_file",
							    "public_key_file", NULL};
			char sub[176], kid[64];
			unsigned int j;

			snprintf(sub, sizeof(sub), "%s.keys[%zu]", where, i);
			if (!json_is_object(e))
				return weir_cfg_fail(c, sub, e, "expected an object {kid, ...}");
			if ((rc = weir_cfg_check_keys(c, sub, e, kkeys)) != 0)
				return rc;
			snprintf(key, sizeof(key), "%s.kid", sub);
			if (json_object_get(e, "kid") == NULL)
				return weir_cfg_fail(c, key, NULL, "missing");
			if ((rc = weir_cfg_get_string(c, key, json_object_get(e, "kid"), kid,
						      sizeof(kid))) != 0)
				return rc;
			if (kid[0] == '\0')
				return weir_cfg_fail(c, key, NULL, "must not be empty");
			for (j = 0; j < is->n_keys; j++)
				if (strcmp(is->keys[j].kid, kid) == 0)
					return weir_cfg_fail(c, key, json_object_get(e, "kid"),
							     "same kid as keys[%u]", j);
			if ((rc = load_key(c, sub, e, is, kid)) != 0)
				return rc;
		}
		return 0;
	}
	return load_key(c, where, o, is, NULL);
}

static int
parse_rule_alg(const char *s)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "gcra") == 0)
		return WEIR_GATE_GCRA;
	if (strcmp(s, "token_bucket") == 0)
		return WEIR_GATE_TOKEN_BUCKET;
	if (strcmp(s, "sliding_window") == 0)
		return WEIR_GATE_SLIDING_WINDOW;
	return -1;
}

/* A policy name: what an sf-string may carry, without '"' and '\'. */
static int
policy_name_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			return 0;
	return 1;
}

int
weir_cfg_load_rules(struct weir_cfg_ctx *c, const char *where, json_t *v, const char *dflt,
		    struct weir_gate_rules *rs)
{
	static const char *const keys[] = {"name", "limit", "window_s", "algorithm", "burst", NULL};
	char key[192], sub[176];
	unsigned long u;
	unsigned int j;
	json_t *e, *n;
	size_t i;
	int rc;

	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > WEIR_GATE_RULES_MAX)
		return weir_cfg_fail(c, where, v, "expected an array of 1 to %d rules",
				     WEIR_GATE_RULES_MAX);
	rs->n = 0;
	json_array_foreach(v, i, e)
	{
		struct weir_gate_rule *r = &rs->r[i];

		snprintf(sub, sizeof(sub), "%s[%zu]", where, i);
		if (!json_is_object(e))
			return weir_cfg_fail(c, sub, e,
					     "expected an object {limit, window_s, ...}");
		if ((rc = weir_cfg_check_keys(c, sub, e, keys)) != 0)
			return rc;
		if ((rc = weir_cfg_member_uint(c, sub, e, "limit", 1, 1, 1000000000, &u)) < 0)
			return rc;
		r->limit = (uint32_t)u;
		if ((rc = weir_cfg_member_uint(c, sub, e, "window_s", 1, 1, 31 * 86400, &u)) < 0)
			return rc;
		r->window_s = (uint32_t)u;
		r->alg = WEIR_GATE_GCRA;
		snprintf(key, sizeof(key), "%s.algorithm", sub);
		if ((n = json_object_get(e, "algorithm")) != NULL) {
			if ((rc = parse_rule_alg(json_string_value(n))) < 0)
				return weir_cfg_fail(c, key, n,
						     "expected \"gcra\", \"token_bucket\" or "
						     "\"sliding_window\"");
			r->alg = (uint8_t)rc;
		}
		if (r->alg == WEIR_GATE_SLIDING_WINDOW && r->limit > 1048575)
			return weir_cfg_fail(c, key, n,
					     "a sliding window counts at most 1048575 requests");
		if ((uint64_t)r->window_s * 1000000000u < r->limit)
			return weir_cfg_fail(c, sub, NULL,
					     "more than one request per ns (limit / window_s)");
		u = r->limit;
		if ((rc = weir_cfg_member_uint(c, sub, e, "burst", 0, 1, 1000000000, &u)) < 0)
			return rc;
		if (r->alg == WEIR_GATE_SLIDING_WINDOW && u != r->limit) {
			snprintf(key, sizeof(key), "%s.burst", sub);
			return weir_cfg_fail(c, key, json_object_get(e, "burst"),
					     "a sliding window has no burst of its own");
		}
		r->burst = (uint32_t)u;
		snprintf(key, sizeof(key), "%s.name", sub);
		if ((n = json_object_get(e, "name")) != NULL) {
			if ((rc = weir_cfg_get_string(c, key, n, r->name, sizeof(r->name))) != 0)
				return rc;
			if (!policy_name_ok(r->name))
				return weir_cfg_fail(c, key, n,
						     "expected visible ASCII or spaces, no '\"' "
						     "or '\\'");
		} else if (i == 0) {
			snprintf(r->name, sizeof(r->name), "%s", dflt);
		} else {
			snprintf(r->name, sizeof(r->name), "%.20s-%us", dflt, r->window_s);
		}
		for (j = 0; j < i; j++)
			if (strcmp(rs->r[j].name, r->name) == 0)
				return weir_cfg_fail(c, key, n,
						     "\"%s\" names rules[%u] too (give each rule "
						     "its own \"name\")",
						     r->name, j);
		rs->n++;
	}
	return 0;
}

static int
load_tiers(struct weir_cfg_ctx *c, json_t *v, struct weir_gate_config *g)
{
	static const char *const keys[] = {"name", "limits", NULL};
	char key[96], sub[64];
	unsigned int j;
	json_t *e;
	size_t i;
	int rc;

	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > WEIR_GATE_TIERS_MAX)
		return weir_cfg_fail(c, "gate.tiers", v, "expected an array of 1 to %d tiers",
				     WEIR_GATE_TIERS_MAX);
	g->n_tiers = 0;
	json_array_foreach(v, i, e)
	{
		struct weir_gate_tier *t = &g->tiers[i];

		snprintf(sub, sizeof(sub), "gate.tiers[%zu]", i);
		if (!json_is_object(e))
			return weir_cfg_fail(c, sub, e, "expected an object {name, limits}");
		if ((rc = weir_cfg_check_keys(c, sub, e, keys)) != 0)
			return rc;
		snprintf(key, sizeof(key), "%s.name", sub);
		if (json_object_get(e, "name") == NULL)
			return weir_cfg_fail(c, key, NULL, "missing");
		if ((rc = weir_cfg_get_string(c, key, json_object_get(e, "name"), t->name,
					      sizeof(t->name))) != 0)
			return rc;
		if (!policy_name_ok(t->name))
			return weir_cfg_fail(c, key, json_object_get(e, "name"),
					     "expected visible ASCII or spaces, no '\"' or '\\'");
		for (j = 0; j < i; j++)
			if (strcmp(g->tiers[j].name, t->name) == 0)
				return weir_cfg_fail(c, key, json_object_get(e, "name"),
						     "same name as gate.tiers[%u]", j);
		snprintf(key, sizeof(key), "%s.limits", sub);
		if (json_object_get(e, "limits") == NULL)
			return weir_cfg_fail(c, key, NULL, "missing");
		if ((rc = weir_cfg_load_rules(c, key, json_object_get(e, "limits"), t->name,
					      &t->rules)) != 0)
			return rc;
		g->n_tiers++;
	}
	return 0;
}

int
weir_cfg_find_tier(struct weir_cfg_ctx *c, const char *key, json_t *v,
		   const struct weir_gate_config *g, uint8_t *out)
{
	const char *s = json_string_value(v);
	unsigned int i;

	for (i = 0; s != NULL && i < g->n_tiers; i++)
		if (strcmp(g->tiers[i].name, s) == 0) {
			*out = (uint8_t)i;
			return 0;
		}
	return weir_cfg_fail(c, key, v, "no such tier (gate.tiers: %s%s%s%s...)", g->tiers[0].name,
			     g->n_tiers > 1 ? ", " : "", g->n_tiers > 1 ? g->tiers[1].name : "",
			     g->n_tiers > 2 ? ", " : "");
}

/* FNV-1a over the canonical text of the "gate" object. */
static uint64_t
fingerprint(json_t *o)
{
	char *s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
	uint64_t h = 0xcbf29ce484222325ull;
	const char *p;

	for (p = s; p != NULL && *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	free(s);
	return h;
}

int
weir_cfg_load_gate(struct weir_cfg_ctx *c, json_t *root, struct weir_config *cfg)
{
	static const char *const keys[] = {"issuers",		"tiers",       "default_tier",
					   "api_keys",		"token_cache", "limit_entries",
					   "cold_verify_per_s", "bad_auth",    "legacy_headers",
					   "key_bans",		NULL};
	struct weir_gate_config *g;
	json_t *o, *v, *e;
	unsigned long u;
	unsigned int j;
	char key[64];
	size_t i;
	int rc;

	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return weir_cfg_fail(c, "gate", NULL, "out of memory");
	cfg->gate = g;
	memcpy(g->tiers, default_tiers, sizeof(default_tiers));
	g->n_tiers = sizeof(default_tiers) / sizeof(default_tiers[0]);
	strcpy(g->key_header, "X-API-Key");
	strcpy(g->key_query, "api_key");
	g->key_capacity = 65536;
	g->token_cache = 1024;
	g->limit_entries = 1u << 20;
	g->cold_verify_per_s = 20000;
	g->bad_auth_limit = 20;
	g->bad_auth_window_s = 60;
	g->bad_auth_ban_s = 300;
	g->legacy_headers = 1;
	if ((o = json_object_get(root, "gate")) == NULL)
		return 0;
	if (!json_is_object(o))
		return weir_cfg_fail(c, "gate", o,
				     "expected an object {issuers, api_keys, tiers, ...}");
	if ((rc = weir_cfg_check_keys(c, "gate", o, keys)) != 0)
		return rc;
	g->fingerprint = fingerprint(o);
	if ((v = json_object_get(o, "tiers")) != NULL && (rc = load_tiers(c, v, g)) != 0)
		return rc;
	if ((v = json_object_get(o, "default_tier")) != NULL &&
	    (rc = weir_cfg_find_tier(c, "gate.default_tier", v, g, &g->default_tier)) != 0)
		return rc;
	if ((v = json_object_get(o, "issuers")) != NULL) {
		if (!json_is_array(v) || json_array_size(v) > WEIR_GATE_ISSUERS_MAX)
			return weir_cfg_fail(c, "gate.issuers", v,
					     "expected an array of at most %d issuers",
					     WEIR_GATE_ISSUERS_MAX);
		json_array_foreach(v, i, e)
		{
			snprintf(key, sizeof(key), "gate.issuers[%zu]", i);
			g->n_issuers++; /* freed by weir_config_free() even if half-loaded */
			if ((rc = load_issuer(c, key, e, &g->issuers[i])) != 0)
				return rc;
			for (j = 0; j < i; j++)
				if (strcmp(g->issuers[j].name, g->issuers[i].name) == 0) {
					snprintf(key, sizeof(key), "gate.issuers[%zu].name", i);
					return weir_cfg_fail(c, key, NULL,
							     "same name as gate.issuers[%u]", j);
				}
		}
	}
	if ((v = json_object_get(o, "api_keys")) != NULL && (rc = weir_cfg_load_keys(c, v, g)) != 0)
		return rc;
	u = g->token_cache;
	if ((rc = weir_cfg_member_uint(c, "gate", o, "token_cache", 0, 0, 1u << 20, &u)) < 0)
		return rc;
	g->token_cache = (uint32_t)u;
	u = g->limit_entries;
	if ((rc = weir_cfg_member_uint(c, "gate", o, "limit_entries", 0, 1024, 1u << 26, &u)) < 0)
		return rc;
	g->limit_entries = (uint32_t)u;
	u = g->cold_verify_per_s;
	if ((rc = weir_cfg_member_uint(c, "gate", o, "cold_verify_per_s", 0, 1, 10000000, &u)) < 0)
		return rc;
	g->cold_verify_per_s = (uint32_t)u;
	if ((v = json_object_get(o, "bad_auth")) != NULL) {
		static const char *const bkeys[] = {"limit", "window_s", "ban_s", NULL};

		if (!json_is_object(v))
			return weir_cfg_fail(c, "gate.bad_auth", v,
					     "expected an object {limit, window_s}");
		if ((rc = weir_cfg_check_keys(c, "gate.bad_auth", v, bkeys)) != 0)
			return rc;
		u = g->bad_auth_limit;
		if ((rc = weir_cfg_member_uint(c, "gate.bad_auth", v, "limit", 0, 1, 1000000, &u)) <
		    0)
			return rc;
		g->bad_auth_limit = (uint32_t)u;
		u = g->bad_auth_window_s;
		if ((rc = weir_cfg_member_uint(c, "gate.bad_auth", v, "window_s", 0, 1, 86400,
					       &u)) < 0)
			return rc;
		g->bad_auth_window_s = (uint32_t)u;
		u = g->bad_auth_ban_s;
		if ((rc = weir_cfg_member_uint(c, "gate.bad_auth", v, "ban_s", 0, 0, 86400, &u)) <
		    0)
			return rc;
		g->bad_auth_ban_s = (uint32_t)u;
	}
	if ((v = json_object_get(o, "key_bans")) != NULL) {
		static const char *const kb[] = {"after", "window_s", "first_s", NULL};

		if (!json_is_object(v))
			return weir_cfg_fail(c, "gate.key_bans", v,
					     "expected an object {after, window_s, first_s}");
		if ((rc = weir_cfg_check_keys(c, "gate.key_bans", v, kb)) != 0)
			return rc;
		u = 0;
		if ((rc = weir_cfg_member_uint(c, "gate.key_bans", v, "after", 1, 1, 1000000, &u)) <
		    0)
			return rc;
		g->key_ban_after = (uint32_t)u;
		u = 60;
		if ((rc = weir_cfg_member_uint(c, "gate.key_bans", v, "window_s", 0, 1, 86400,
					       &u)) < 0)
			return rc;
		g->key_ban_window_s = (uint32_t)u;
		u = 300;
		if ((rc = weir_cfg_member_uint(c, "gate.key_bans", v, "first_s", 0, 1, 86400, &u)) <
		    0)
			return rc;
		g->key_ban_first_s = (uint32_t)u;
	}
	if ((v = json_object_get(o, "legacy_headers")) != NULL) {
		if (!json_is_boolean(v))
			return weir_cfg_fail(c, "gate.legacy_headers", v, "expected true or false");
		g->legacy_headers = json_is_true(v);
	}
	return 0;
}

int
weir_cfg_load_route_gate(struct weir_cfg_ctx *c, const char *where, json_t *o,
			 const struct weir_gate_config *g, const char *dflt,
			 struct weir_route_gate *rg)
{
	static const char *const names[] = {"none", "jwt", "api_key", "any"};
	char key[192];
	json_t *v;
	int i, rc;

	snprintf(key, sizeof(key), "%s.auth", where);
	if ((v = json_object_get(o, "auth")) != NULL) {
		for (i = 0; i < 4; i++)
			if (json_string_value(v) != NULL &&
			    strcmp(json_string_value(v), names[i]) == 0)
				break;
		if (i == 4)
			return weir_cfg_fail(c, key, v,
					     "expected \"none\", \"jwt\", \"api_key\" or \"any\"");
		rg->auth = (uint8_t)i;
	}
	if ((rg->auth == WEIR_GATE_AUTH_JWT || rg->auth == WEIR_GATE_AUTH_ANY) && g->n_issuers == 0)
		return weir_cfg_fail(c, key, v, "no JWT issuer in gate.issuers");
	snprintf(key, sizeof(key), "%s.min_tier", where);
	if ((v = json_object_get(o, "min_tier")) != NULL) {
		uint8_t t;

		if (rg->auth == WEIR_GATE_AUTH_NONE)
			return weir_cfg_fail(c, key, v, "a route without auth has no tier");
		if ((rc = weir_cfg_find_tier(c, key, v, g, &t)) != 0)
			return rc;
		rg->min_tier = (int8_t)t;
	}
	snprintf(key, sizeof(key), "%s.limits", where);
	if ((v = json_object_get(o, "limits")) != NULL) {
		if ((rc = weir_cfg_load_rules(c, key, v, dflt, &rg->rules)) != 0)
			return rc;
		rg->has_limits = 1;
	}
	return 0;
}
