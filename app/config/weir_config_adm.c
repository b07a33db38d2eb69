/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration of admission and the SYN proxy: allow/deny prefixes
 * ("acl"), per-source limits (a service's "limits" and the global ones)
 * with their bans, and a service's "synproxy".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_config_priv.h"

/* "A.B.C.D[/N]" or "X:Y::[/N]", host bits zero. */
int
weir_parse_prefix(const char *s, struct weir_acl_entry *e, int *has_len, char *why, size_t whylen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned int i, max;
	unsigned long len;

	memset(e, 0, sizeof(*e));
	if (s == NULL || strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, e->ip) == 1)
		e->family = 4;
	else if (inet_pton(AF_INET6, buf, e->ip) == 1)
		e->family = 6;
	else
		goto bad;
	max = e->family == 4 ? 32 : 128;
	len = max;
	*has_len = slash != NULL;
	if (slash != NULL) {
		errno = 0;
		len = strtoul(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || errno != 0 || len > max) {
			snprintf(why, whylen, "prefix length must be 0..%u", max);
			return -1;
		}
	}
	e->prefix = (uint8_t)len;
	for (i = 0; i < max / 8; i++) {
		unsigned int keep = len >= (i + 1) * 8 ? 8 : len > i * 8 ? len - i * 8 : 0;
		uint8_t mask = (uint8_t)(keep == 8 ? 0xff : 0xff << (8 - keep));

		if (e->ip[i] & (uint8_t)~mask) {
			snprintf(why, whylen, "host bits set beyond /%lu", len);
			return -1;
		}
	}
	return 0;
bad:
	snprintf(why, whylen, "expected an address or ADDRESS/PREFIX");
	return -1;
}

static int
parse_cidr(struct weir_cfg_ctx *c, const char *key, json_t *v, struct weir_acl_entry *e)
{
	char why[64];
	int has_len;

	if (weir_parse_prefix(json_string_value(v), e, &has_len, why, sizeof(why)) != 0)
		return weir_cfg_fail(c, key, v, "%s", why);
	return 0;
}

/* acl: {"allow": [CIDR...], "deny": [CIDR...]}; the longest prefix decides. */
int
weir_cfg_load_acl(struct weir_cfg_ctx *c, json_t *o, struct weir_config *cfg)
{
	static const char *const keys[] = {"allow", "deny", NULL};
	static const char *const lists[] = {"deny", "allow"};
	unsigned int l, k;
	char key[64];
	json_t *v, *e;
	size_t j;
	int rc;

	if (!json_is_object(o))
		return weir_cfg_fail(c, "acl", o, "expected {\"allow\": [...], \"deny\": [...]}");
	if ((rc = weir_cfg_check_keys(c, "acl", o, keys)) != 0)
		return rc;
	cfg->acl = calloc(WEIR_MAX_ACL, sizeof(cfg->acl[0]));
	if (cfg->acl == NULL)
		return weir_cfg_fail(c, "acl", NULL, "out of memory");
	for (l = 0; l < 2; l++) {
		if ((v = json_object_get(o, lists[l])) == NULL)
			continue;
		snprintf(key, sizeof(key), "acl.%s", lists[l]);
		if (!json_is_array(v))
			return weir_cfg_fail(c, key, v, "expected an array of prefixes");
		json_array_foreach(v, j, e)
		{
			struct weir_acl_entry *a = &cfg->acl[cfg->n_acl];

			snprintf(key, sizeof(key), "acl.%s[%zu]", lists[l], j);
			if (cfg->n_acl == WEIR_MAX_ACL)
				return weir_cfg_fail(c, key, NULL, "more than %d prefixes in acl",
						     WEIR_MAX_ACL);
			if ((rc = parse_cidr(c, key, e, a)) != 0)
				return rc;
			a->allow = (uint8_t)l;
			for (k = 0; k < cfg->n_acl; k++) {
				const struct weir_acl_entry *b = &cfg->acl[k];

				if (b->family == a->family && b->prefix == a->prefix &&
				    memcmp(b->ip, a->ip, 16) == 0)
					return weir_cfg_fail(c, key, e,
							     "listed twice (also in acl.%s)",
							     lists[b->allow]);
			}
			cfg->n_acl++;
		}
	}
	return 0;
}

/* A token bucket {"rate", "per_s", "burst"} at key. */
static int
load_bucket(struct weir_cfg_ctx *c, const char *key, json_t *n, struct weir_bucket_config *b)
{
	static const char *const keys[] = {"rate", "per_s", "burst", NULL};
	unsigned long u;
	int rc;

	if (!json_is_object(n))
		return weir_cfg_fail(c, key, n,
				     "expected {\"rate\": N[, \"per_s\": S, "
				     "\"burst\": B]}");
	if ((rc = weir_cfg_check_keys(c, key, n, keys)) != 0)
		return rc;
	if ((rc = weir_cfg_member_uint(c, key, n, "rate", 1, 1, 100000000, &u)) < 0)
		return rc;
	b->rate = (uint32_t)u;
	u = 1;
	if ((rc = weir_cfg_member_uint(c, key, n, "per_s", 0, 1, 86400, &u)) < 0)
		return rc;
	b->per_s = (uint32_t)u;
	u = b->rate;
	if ((rc = weir_cfg_member_uint(c, key, n, "burst", 0, 1, 100000000, &u)) < 0)
		return rc;
	b->burst = (uint32_t)u;
	return 0;
}

/* limits.ban: {"after", "first_s", "factor", "max_s", "decay_s", "scope"}. */
static int
load_ban(struct weir_cfg_ctx *c, const char *key, json_t *o, struct weir_ban_config *b)
{
	static const char *const keys[] = {"after",   "first_s", "factor", "max_s",
					   "decay_s", "scope",	 NULL};
	static const struct {
		const char *name;
		unsigned long lo, hi, def;
		size_t off;
	} f[] = {
		{"after", 1, 1000000, 0, offsetof(struct weir_ban_config, after)},
		{"first_s", 1, 31536000, 300, offsetof(struct weir_ban_config, first_s)},
		{"factor", 1, 1000, 2, offsetof(struct weir_ban_config, factor)},
		{"max_s", 1, 31536000, 86400, offsetof(struct weir_ban_config, max_s)},
		{"decay_s", 0, 31536000, 86400, offsetof(struct weir_ban_config, decay_s)},
	};
	char k[160];
	unsigned long u;
	unsigned int i;
	json_t *v;
	int rc;

	if (!json_is_object(o))
		return weir_cfg_fail(c, key, o, "expected {\"after\": N, ...}");
	if ((rc = weir_cfg_check_keys(c, key, o, keys)) != 0)
		return rc;
	snprintf(k, sizeof(k), "%s.after", key);
	if (json_object_get(o, "after") == NULL)
		return weir_cfg_fail(c, k, NULL, "missing: refusals that earn a ban");
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		u = f[i].def;
		if ((rc = weir_cfg_member_uint(c, key, o, f[i].name, 0, f[i].lo, f[i].hi, &u)) < 0)
			return rc;
		*(uint32_t *)((char *)b + f[i].off) = (uint32_t)u;
	}
	if ((v = json_object_get(o, "scope")) != NULL) {
		snprintf(k, sizeof(k), "%s.scope", key);
		if (json_is_string(v) && strcmp(json_string_value(v), "global") == 0)
			b->scope = WEIR_BAN_SCOPE_GLOBAL;
		else if (json_is_string(v) && strcmp(json_string_value(v), "service") == 0)
			b->scope = WEIR_BAN_SCOPE_SERVICE;
		else
			return weir_cfg_fail(c, k, v, "expected \"global\" or \"service\"");
	}
	if (b->max_s < b->first_s) {
		snprintf(k, sizeof(k), "%s.max_s", key);
		return weir_cfg_fail(c, k, json_object_get(o, "max_s"), "shorter than first_s (%u)",
				     b->first_s);
	}
	return 0;
}

/* service.limits and the global limits: {"new_conns", "packets", "concurrent",
 * "action", "dry_run", "ipv6_prefix", "ban"}. proto 0: any protocol (global). */
int
weir_cfg_load_limits(struct weir_cfg_ctx *c, const char *where, json_t *o, uint8_t proto,
		     struct weir_limits *l)
{
	static const char *const keys[] = {"new_conns", "packets",     "concurrent", "action",
					   "dry_run",	"ipv6_prefix", "ban",	     NULL};
	char key[128];
	unsigned long u;
	json_t *v;
	int rc;

	if (!json_is_object(o))
		return weir_cfg_fail(c, where, o, "expected an object");
	if ((rc = weir_cfg_check_keys(c, where, o, keys)) != 0)
		return rc;
	snprintf(key, sizeof(key), "%s.new_conns", where);
	if ((v = json_object_get(o, "new_conns")) != NULL &&
	    (rc = load_bucket(c, key, v, &l->new_conns)) != 0)
		return rc;
	snprintf(key, sizeof(key), "%s.packets", where);
	if ((v = json_object_get(o, "packets")) != NULL &&
	    (rc = load_bucket(c, key, v, &l->packets)) != 0)
		return rc;
	u = 0;
	if ((rc = weir_cfg_member_uint(c, where, o, "concurrent", 0, 1, 100000000, &u)) < 0)
		return rc;
	l->concurrent = (uint32_t)u;
	if (l->new_conns.rate == 0 && l->packets.rate == 0 && l->concurrent == 0)
		return weir_cfg_fail(c, where, NULL,
				     "no limit: give new_conns, packets or "
				     "concurrent");
	l->action = WEIR_LIMIT_DROP;
	snprintf(key, sizeof(key), "%s.action", where);
	if ((v = json_object_get(o, "action")) != NULL) {
		if (json_is_string(v) && strcmp(json_string_value(v), "drop") == 0)
			l->action = WEIR_LIMIT_DROP;
		else if (json_is_string(v) && strcmp(json_string_value(v), "rst") == 0)
			l->action = WEIR_LIMIT_RST;
		else
			return weir_cfg_fail(c, key, v, "expected \"drop\" or \"rst\"");
		if (l->action == WEIR_LIMIT_RST && proto != 0 && proto != 6)
			return weir_cfg_fail(c, key, v, "only TCP services can answer with an RST");
	}
	snprintf(key, sizeof(key), "%s.dry_run", where);
	if ((v = json_object_get(o, "dry_run")) != NULL) {
		if (!json_is_boolean(v))
			return weir_cfg_fail(c, key, v, "expected true or false");
		l->dry_run = json_is_true(v);
	}
	u = 64;
	if ((rc = weir_cfg_member_uint(c, where, o, "ipv6_prefix", 0, 16, 128, &u)) < 0)
		return rc;
	l->ipv6_prefix = (uint8_t)u;
	snprintf(key, sizeof(key), "%s.ban", where);
	if ((v = json_object_get(o, "ban")) != NULL && (rc = load_ban(c, key, v, &l->ban)) != 0)
		return rc;
	l->enabled = 1;
	return 0;
}

static int
hex_nibble(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* service.synproxy: {"syn_rate", "secret", "mss", "wscale"}, false, or
 * absent (o NULL: cookies under pressure, for TCP FullNAT). After protocol,
 * forwarding and mss_clamp are known. */
int
weir_cfg_load_synproxy(struct weir_cfg_ctx *c, const char *where, json_t *o,
		       struct weir_service_config *s)
{
	static const char *const keys[] = {"syn_rate", "secret", "mss", "wscale", NULL};
	struct weir_synproxy_config *p = &s->synproxy;
	char key[128];
	unsigned long u;
	json_t *v;
	int rc;

	/* Ethernet's MSS, or the clamp if the backends' path is narrower. */
	p->mss = s->vip.family == 4 ? 1460 : 1440;
	if (s->mss_clamp != 0 && s->mss_clamp < p->mss)
		p->mss = s->mss_clamp;
	p->wscale = 7;
	if (o == NULL || json_is_false(o)) {
		p->on_pressure = o == NULL && s->proto == 6 && s->forwarding == WEIR_FWD_FULLNAT;
		return 0;
	}
	if (!json_is_object(o))
		return weir_cfg_fail(c, where, o, "expected an object, or false (no cookies)");
	if ((rc = weir_cfg_check_keys(c, where, o, keys)) != 0)
		return rc;
	if (s->proto != 6)
		return weir_cfg_fail(c, where, NULL, "only TCP services have a SYN handshake");
	if (s->forwarding != WEIR_FWD_FULLNAT)
		return weir_cfg_fail(c, where, NULL,
				     "needs \"forwarding\": \"fullnat\" (with dsr-ipip the "
				     "backends' replies bypass weir)");
	p->on_pressure = 1;
	u = 0;
	if ((rc = weir_cfg_member_uint(c, where, o, "syn_rate", 0, 0, 100000000, &u)) < 0)
		return rc;
	p->syn_rate = (uint32_t)u;
	u = 7;
	if ((rc = weir_cfg_member_uint(c, where, o, "wscale", 0, 0, 14, &u)) < 0)
		return rc;
	p->wscale = (uint8_t)u;
	snprintf(key, sizeof(key), "%s.mss", where);
	if ((v = json_object_get(o, "mss")) != NULL) {
		if ((rc = weir_cfg_get_uint(c, key, v, 536, 9000, &u)) != 0)
			return rc;
		if (s->mss_clamp != 0 && u > s->mss_clamp)
			return weir_cfg_fail(c, key, v, "above the service's mss_clamp %u",
					     s->mss_clamp);
		p->mss = (uint16_t)u;
	}
	snprintf(key, sizeof(key), "%s.secret", where);
	if ((v = json_object_get(o, "secret")) != NULL) {
		if ((rc = weir_cfg_get_secret(c, key, v, p->secret)) != 0)
			return rc;
		p->has_secret = 1;
	}
	p->enabled = 1;
	return 0;
}

int
weir_cfg_get_secret(struct weir_cfg_ctx *c, const char *key, json_t *v, uint8_t out[16])
{
	/* The value is never echoed: a near-miss would put most of a key in a log. */
	const char *hex = json_string_value(v);
	unsigned int i;

	if (hex == NULL || strlen(hex) != 32)
		return weir_cfg_fail(c, key, NULL,
				     "expected a string of 32 hex digits (value not shown)");
	for (i = 0; i < 16; i++) {
		int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return weir_cfg_fail(
				c, key, NULL,
				"expected a string of 32 hex digits (value not shown)");
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
