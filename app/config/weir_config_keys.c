/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration of the API gate's keys: "gate.api_keys" (the header and
 * query parameter they come in, the table's capacity, and the keys of the
 * file, each given as the key or as its SHA-256; neither is ever shown in
 * a message).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_apikey.h"
#include "weir_config_priv.h"

static int load_each(struct weir_cfg_ctx *c, json_t *v, struct weir_gate_config *g,
		     struct weir_apikey_table *seen);

int
weir_cfg_load_keys(struct weir_cfg_ctx *c, json_t *o, struct weir_gate_config *g)
{
	static const char *const keys[] = {"header", "query", "capacity", "keys", NULL};
	struct weir_apikey_table seen;
	unsigned long u;
	unsigned int j;
	json_t *v;
	int rc;

	if (!json_is_object(o))
		return weir_cfg_fail(c, "gate.api_keys", o, "expected an object {keys, ...}");
	if ((rc = weir_cfg_check_keys(c, "gate.api_keys", o, keys)) != 0)
		return rc;
	if ((v = json_object_get(o, "header")) != NULL) {
		if ((rc = weir_cfg_get_string(c, "gate.api_keys.header", v, g->key_header,
					      sizeof(g->key_header))) != 0)
			return rc;
		for (j = 0; g->key_header[j] != '\0'; j++)
			if (!(g->key_header[j] == '-' ||
			      (g->key_header[j] >= '0' && g->key_header[j] <= '9') ||
			      ((g->key_header[j] | 0x20) >= 'a' &&
			       (g->key_header[j] | 0x20) <= 'z')))
				break;
		if (j == 0 || g->key_header[j] != '\0')
			return weir_cfg_fail(c, "gate.api_keys.header", v,
					     "expected a header name (letters, digits, '-')");
	}
	if ((v = json_object_get(o, "query")) != NULL) {
		if ((rc = weir_cfg_get_string(c, "gate.api_keys.query", v, g->key_query,
					      sizeof(g->key_query))) != 0)
			return rc;
		for (j = 0; g->key_query[j] != '\0'; j++)
			if (strchr("&=#%+ ", g->key_query[j]) != NULL || g->key_query[j] < 0x21 ||
			    g->key_query[j] > 0x7e)
				return weir_cfg_fail(c, "gate.api_keys.query", v,
						     "expected a parameter name (\"\": none) "
						     "without '&', '=', '#', '%%', '+'");
	}
	u = g->key_capacity;
	if ((rc = weir_cfg_member_uint(c, "gate.api_keys", o, "capacity", 0, 1, 1u << 24, &u)) < 0)
		return rc;
	g->key_capacity = (uint32_t)u;
	if ((v = json_object_get(o, "keys")) == NULL)
		return 0;
	if (!json_is_array(v) || json_array_size(v) > WEIR_GATE_CONF_KEYS_MAX)
		return weir_cfg_fail(c, "gate.api_keys.keys", v,
				     "expected an array of at most %d keys",
				     WEIR_GATE_CONF_KEYS_MAX);
	if (json_array_size(v) > g->key_capacity)
		return weir_cfg_fail(c, "gate.api_keys.keys", NULL,
				     "%zu keys, more than gate.api_keys.capacity (%u)",
				     json_array_size(v), g->key_capacity);
	g->keys = calloc(json_array_size(v) + 1, sizeof(*g->keys));
	/* The keys so far by hash (each entry's extra: its index): a repeat is
	 * found in O(1), not by comparing every pair of 65536 keys. */
	if (g->keys == NULL || weir_apikey_table_init(&seen, (uint32_t)json_array_size(v)) != 0)
		return weir_cfg_fail(c, "gate.api_keys.keys", NULL, "out of memory");
	rc = load_each(c, v, g, &seen);
	weir_apikey_table_free(&seen);
	return rc;
}

static int
load_each(struct weir_cfg_ctx *c, json_t *v, struct weir_gate_config *g,
	  struct weir_apikey_table *seen)
{
	static const char *const kkeys[] = {"key",     "hash",	 "tier", "owner",
					    "blocked", "limits", NULL};
	char key[96], sub[64];
	json_t *e, *f;
	unsigned int j;
	size_t i;
	int rc;

	json_array_foreach(v, i, e)
	{
		struct weir_gate_key *k = &g->keys[i];
		const char *s;

		snprintf(sub, sizeof(sub), "gate.api_keys.keys[%zu]", i);
		if (!json_is_object(e))
			return weir_cfg_fail(c, sub, e,
					     "expected an object {key or hash, tier, ...}");
		if ((rc = weir_cfg_check_keys(c, sub, e, kkeys)) != 0)
			return rc;
		/* Neither a key nor its hash is ever shown in a message. */
		if ((f = json_object_get(e, "key")) != NULL) {
			snprintf(key, sizeof(key), "%s.key", sub);
			if (json_object_get(e, "hash") != NULL)
				return weir_cfg_fail(c, key, NULL,
						     "give \"key\" or \"hash\", not both");
			s = json_string_value(f);
			if (s == NULL || !weir_apikey_key_valid((const uint8_t *)s, strlen(s)))
				return weir_cfg_fail(c, key, NULL,
						     "expected %d to %d visible ASCII bytes but "
						     "',;\"\\' (value not shown)",
						     WEIR_APIKEY_KEY_MIN, WEIR_APIKEY_KEY_MAX);
			weir_apikey_hash((const uint8_t *)s, strlen(s), k->hash);
		} else if ((f = json_object_get(e, "hash")) != NULL) {
			snprintf(key, sizeof(key), "%s.hash", sub);
			if (weir_apikey_hash_hex(json_string_value(f), k->hash) != 0)
				return weir_cfg_fail(c, key, NULL,
						     "expected the key's SHA-256 as 64 hex digits "
						     "(value not shown)");
		} else {
			return weir_cfg_fail(c, sub, NULL, "missing \"key\" or \"hash\"");
		}
		if (weir_apikey_add(seen, k->hash, 0, NULL) == -EEXIST)
			return weir_cfg_fail(c, sub, NULL, "the same key as gate.api_keys.keys[%u]",
					     (unsigned int)weir_apikey_find(seen, k->hash)->extra);
		weir_apikey_find(seen, k->hash)->extra = (uint16_t)i;
		snprintf(key, sizeof(key), "%s.tier", sub);
		if ((f = json_object_get(e, "tier")) == NULL)
			return weir_cfg_fail(c, key, NULL, "missing");
		if ((rc = weir_cfg_find_tier(c, key, f, g, &k->tier)) != 0)
			return rc;
		snprintf(key, sizeof(key), "%s.owner", sub);
		if ((f = json_object_get(e, "owner")) != NULL) {
			if ((rc = weir_cfg_get_string(c, key, f, k->owner, sizeof(k->owner))) != 0)
				return rc;
			for (j = 0; k->owner[j] != '\0'; j++)
				if ((unsigned char)k->owner[j] < 0x20 || k->owner[j] == 0x7f)
					return weir_cfg_fail(c, key, NULL, "a control character");
		}
		snprintf(key, sizeof(key), "%s.limits", sub);
		if ((f = json_object_get(e, "limits")) != NULL &&
		    (rc = weir_cfg_load_rules(c, key, f, "key", &k->rules)) != 0)
			return rc;
		snprintf(key, sizeof(key), "%s.blocked", sub);
		if ((f = json_object_get(e, "blocked")) != NULL) {
			if (!json_is_boolean(f))
				return weir_cfg_fail(c, key, f, "expected true or false");
			k->blocked = json_is_true(f);
		}
		g->n_keys++;
	}
	return 0;
}
