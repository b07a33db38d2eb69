/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration of backend health: a pool's active checks ("health") and
 * its passive detection and circuit breaker ("outlier").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_config_priv.h"

#define MAX_INTERVAL_MS 3600000u
#define MAX_RUN 100u

/* key = where.name */
static void
member_key(char *key, size_t len, const char *where, const char *name)
{
	if ((size_t)snprintf(key, len, "%s.%s", where, name) >= len)
		key[len - 1] = '\0';
}

/* A method is a token (RFC 9110 5.6.2): letters, digits and !#$%&'*+-.^_`|~. */
static int
is_token(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || strchr("!#$%&'*+-.^_`|~", *s) != NULL))
			return 0;
	return 1;
}

/* Visible ASCII only: no space, control byte or byte above 0x7e. */
static int
is_visible(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* One expected status: 200, or "200-399". */
static int
load_status(struct weir_cfg_ctx *c, const char *key, json_t *v, uint16_t *lo, uint16_t *hi)
{
	unsigned long a, b;
	char *end;

	if (json_is_integer(v)) {
		if (weir_cfg_get_uint(c, key, v, 100, 599, &a) != 0)
			return -1;
		*lo = *hi = (uint16_t)a;
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);

		a = strtoul(s, &end, 10);
		if (end != s + 3 || *end != '-')
			goto bad;
		s = end + 1;
		b = strtoul(s, &end, 10);
		if (end != s + 3 || *end != '\0' || a < 100 || b > 599 || a > b)
			goto bad;
		*lo = (uint16_t)a;
		*hi = (uint16_t)b;
		return 0;
	}
bad:
	return weir_cfg_fail(c, key, v, "expected a status 100..599 or a range like \"200-399\"");
}

static int
load_http(struct weir_cfg_ctx *c, const char *where, json_t *o, struct weir_health_check_config *h)
{
	static const char *const keys[] = {
		"method", "path", "host", "expect_status", "expect_body_contains", NULL};
	char key[256];
	json_t *v, *e;
	size_t i;
	int rc;

	if (!json_is_object(o))
		return weir_cfg_fail(c, where, o, "expected an object");
	if ((rc = weir_cfg_check_keys(c, where, o, keys)) != 0)
		return rc;
	member_key(key, sizeof(key), where, "method");
	if ((v = json_object_get(o, "method")) != NULL &&
	    ((rc = weir_cfg_get_string(c, key, v, h->method, sizeof(h->method))) != 0 ||
	     (!is_token(h->method) &&
	      (rc = weir_cfg_fail(c, key, v, "expected an HTTP method (a token)")) != 0)))
		return rc;
	member_key(key, sizeof(key), where, "path");
	if ((v = json_object_get(o, "path")) != NULL &&
	    ((rc = weir_cfg_get_string(c, key, v, h->path, sizeof(h->path))) != 0 ||
	     ((h->path[0] != '/' || !is_visible(h->path)) &&
	      (rc = weir_cfg_fail(c, key, v,
				  "expected a path starting with '/', without spaces or "
				  "control characters")) != 0)))
		return rc;
	member_key(key, sizeof(key), where, "host");
	if ((v = json_object_get(o, "host")) != NULL &&
	    ((rc = weir_cfg_get_string(c, key, v, h->host, sizeof(h->host))) != 0 ||
	     (!is_visible(h->host) &&
	      (rc = weir_cfg_fail(c, key, v,
				  "expected a host without spaces or control "
				  "characters")) != 0)))
		return rc;
	member_key(key, sizeof(key), where, "expect_status");
	if ((v = json_object_get(o, "expect_status")) != NULL) {
		if (!json_is_array(v) || json_array_size(v) == 0 ||
		    json_array_size(v) > WEIR_HEALTH_STATUS_RANGES)
			return weir_cfg_fail(c, key, v,
					     "expected an array of 1 to %d statuses or ranges",
					     WEIR_HEALTH_STATUS_RANGES);
		h->n_status = 0;
		json_array_foreach(v, i, e)
		{
			if ((size_t)snprintf(key, sizeof(key), "%s.expect_status[%zu]", where, i) >=
			    sizeof(key))
				key[sizeof(key) - 1] = '\0';
			if (load_status(c, key, e, &h->status_lo[i], &h->status_hi[i]) != 0)
				return -1;
			h->n_status++;
		}
	}
	member_key(key, sizeof(key), where, "expect_body_contains");
	if ((v = json_object_get(o, "expect_body_contains")) != NULL &&
	    (rc = weir_cfg_get_string(c, key, v, h->body, sizeof(h->body))) != 0)
		return rc;
	return 0;
}

static int
load_check(struct weir_cfg_ctx *c, const char *where, json_t *o, struct weir_health_check_config *h)
{
	static const char *const keys[] = {"type", "interval_ms", "timeout_ms", "rise",
					   "fall", "port",	  "http",	NULL};
	char key[256];
	unsigned long u;
	json_t *v;
	int rc;

	if (!json_is_object(o))
		return weir_cfg_fail(c, where, o, "expected an object {type, interval_ms, ...}");
	if ((rc = weir_cfg_check_keys(c, where, o, keys)) != 0)
		return rc;
	h->enabled = 1;
	member_key(key, sizeof(key), where, "type");
	if ((v = json_object_get(o, "type")) != NULL) {
		const char *t = json_is_string(v) ? json_string_value(v) : "";

		if (strcmp(t, "tcp") != 0 && strcmp(t, "http") != 0)
			return weir_cfg_fail(c, key, v, "expected \"tcp\" or \"http\"");
		h->http = strcmp(t, "http") == 0;
	}
	if ((rc = weir_cfg_member_uint(c, where, o, "interval_ms", 0, 10, MAX_INTERVAL_MS, &u)) < 0)
		return rc;
	if (rc == 0)
		h->interval_ms = (uint32_t)u;
	if (h->timeout_ms > h->interval_ms)
		h->timeout_ms = h->interval_ms;
	if ((rc = weir_cfg_member_uint(c, where, o, "timeout_ms", 0, 1, h->interval_ms, &u)) < 0)
		return rc;
	if (rc == 0)
		h->timeout_ms = (uint32_t)u;
	if ((rc = weir_cfg_member_uint(c, where, o, "rise", 0, 1, MAX_RUN, &u)) < 0)
		return rc;
	if (rc == 0)
		h->rise = (uint32_t)u;
	if ((rc = weir_cfg_member_uint(c, where, o, "fall", 0, 1, MAX_RUN, &u)) < 0)
		return rc;
	if (rc == 0)
		h->fall = (uint32_t)u;
	if ((rc = weir_cfg_member_uint(c, where, o, "port", 0, 1, 65535, &u)) < 0)
		return rc;
	if (rc == 0)
		h->port = (uint16_t)u;
	member_key(key, sizeof(key), where, "http");
	if ((v = json_object_get(o, "http")) != NULL) {
		if (!h->http)
			return weir_cfg_fail(c, key, NULL, "only with \"type\": \"http\"");
		return load_http(c, key, v, h);
	}
	return 0;
}

static int
load_outlier(struct weir_cfg_ctx *c, const char *where, json_t *o, struct weir_outlier_config *d)
{
	static const char *const keys[] = {"consecutive_failures", "base_ejection_ms",
					   "max_ejection_ms",	   "max_ejection_percent",
					   "half_open_trials",	   NULL};
	static const struct {
		const char *name;
		unsigned long min, max;
		size_t off;
	} f[] = {
		{"consecutive_failures", 0, 1000,
		 offsetof(struct weir_outlier_config, consecutive)},
		{"base_ejection_ms", 10, MAX_INTERVAL_MS,
		 offsetof(struct weir_outlier_config, base_ms)},
		{"max_ejection_ms", 10, 86400000, offsetof(struct weir_outlier_config, max_ms)},
		{"max_ejection_percent", 0, 100, offsetof(struct weir_outlier_config, max_pct)},
		{"half_open_trials", 1, 1000, offsetof(struct weir_outlier_config, trials)},
	};
	unsigned long u;
	unsigned int i;
	char key[256];
	int rc;

	if (!json_is_object(o))
		return weir_cfg_fail(c, where, o, "expected an object {consecutive_failures, ...}");
	if ((rc = weir_cfg_check_keys(c, where, o, keys)) != 0)
		return rc;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if ((rc = weir_cfg_member_uint(c, where, o, f[i].name, 0, f[i].min, f[i].max, &u)) <
		    0)
			return rc;
		if (rc == 0)
			*(uint32_t *)(void *)((char *)d + f[i].off) = (uint32_t)u;
	}
	if (d->max_ms < d->base_ms && json_object_get(o, "max_ejection_ms") == NULL)
		d->max_ms = d->base_ms;
	if (d->max_ms < d->base_ms) {
		member_key(key, sizeof(key), where, "max_ejection_ms");
		return weir_cfg_fail(c, key, json_object_get(o, "max_ejection_ms"),
				     "must be at least base_ejection_ms (%u)", d->base_ms);
	}
	return 0;
}

int
weir_cfg_load_health(struct weir_cfg_ctx *c, const char *where, json_t *o,
		     struct weir_pool_config *p)
{
	struct weir_health_check_config *h = &p->health;
	struct weir_outlier_config *d = &p->outlier;
	char key[256];
	json_t *v;
	int rc;

	memset(h, 0, sizeof(*h));
	h->interval_ms = 250;
	h->timeout_ms = 200;
	h->rise = 2;
	h->fall = 3;
	strcpy(h->method, "GET");
	strcpy(h->path, "/");
	h->n_status = 1;
	h->status_lo[0] = 200;
	h->status_hi[0] = 399;
	d->consecutive = 5;
	d->base_ms = 5000;
	d->max_ms = 300000;
	d->max_pct = 50;
	d->trials = 3;
	member_key(key, sizeof(key), where, "health");
	if ((v = json_object_get(o, "health")) != NULL && (rc = load_check(c, key, v, h)) != 0)
		return rc;
	member_key(key, sizeof(key), where, "outlier");
	if ((v = json_object_get(o, "outlier")) != NULL && (rc = load_outlier(c, key, v, d)) != 0)
		return rc;
	return 0;
}

int
weir_config_has_health(const struct weir_config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->n_pools; i++)
		if (cfg->pools[i].health.enabled)
			return 1;
	return 0;
}

/* "198.18.2.10:8080" or "[2001:db8::10]:8080" */
static int
parse_backend(const char *s, struct weir_addr *a, uint16_t *port)
{
	char buf[64], *colon, *host = buf, *end;
	unsigned long p;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	colon = strrchr(buf, ':');
	if (colon == NULL)
		return -1;
	*colon = '\0';
	if (buf[0] == '[') {
		if (colon[-1] != ']')
			return -1;
		colon[-1] = '\0';
		host = buf + 1;
	}
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || colon[1] == '\0' || errno != 0 || p == 0 || p > 65535)
		return -1;
	*port = (uint16_t)p;
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, host, a->ip) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, host, a->ip) == 1)
		a->family = 6;
	else
		return -1;
	return 0;
}

int
weir_config_find_backend(const struct weir_config *cfg, const char *pool, const char *backend,
			 unsigned int *pool_out, unsigned int *b_out, char *err, size_t errlen)
{
	struct weir_addr a;
	uint16_t port;
	unsigned int pi, b;

	for (pi = 0; pi < cfg->n_pools; pi++)
		if (strcmp(cfg->pools[pi].name, pool) == 0)
			break;
	if (pi == cfg->n_pools) {
		snprintf(err, errlen, "no pool \"%.64s\"", pool);
		return -1;
	}
	if (parse_backend(backend, &a, &port) != 0) {
		snprintf(err, errlen, "\"%.64s\" is not ADDRESS:PORT (IPv6 as [ADDRESS]:PORT)",
			 backend);
		return -1;
	}
	for (b = 0; b < cfg->pools[pi].n_backends; b++) {
		const struct weir_backend_config *bc = &cfg->pools[pi].backends[b];

		if (bc->port == port && bc->addr.family == a.family &&
		    memcmp(bc->addr.ip, a.ip, a.family == 4 ? 4 : 16) == 0)
			break;
	}
	if (b == cfg->pools[pi].n_backends) {
		snprintf(err, errlen, "pool %s has no backend %.64s", pool, backend);
		return -1;
	}
	*pool_out = pi;
	*b_out = b;
	return 0;
}

void
weir_config_take_acl(struct weir_config *dst, struct weir_config *src)
{
	struct weir_acl_entry *acl = dst->acl;
	unsigned int n = dst->n_acl;

	dst->acl = src->acl;
	dst->n_acl = src->n_acl;
	src->acl = acl;
	src->n_acl = n;
}
