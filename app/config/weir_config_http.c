/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration of HTTP services: a service's "http" settings, its
 * "routes" (host pattern and path prefix to a pool, matched by
 * lib/http_lite's route matcher), and the internal services that balance
 * over the routes' pools. An internal service is a copy of its http
 * service with another pool: it gives each route pool a scheduler, backend
 * state and counters of its own, while packets only ever reach the http
 * service (the keyed table skips internal services).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_config_priv.h"

#define DEFAULT_HEADER_TIMEOUT_MS 10000
#define DEFAULT_HEAD_MAX 8192
#define DEFAULT_HEADERS_MAX 100
#define DEFAULT_TARGET_MAX 4096

/* tchar, RFC 9110 5.6.2: Via's pseudonym is written as it is. */
static int
is_token(const char *s)
{
	const char *p;

	if (*s == '\0')
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || strchr("!#$%&'*+-.^_`|~", *p) != NULL))
			return 0;
	return 1;
}

static int
load_settings(struct weir_cfg_ctx *c, const char *where, json_t *o, struct weir_http_config *h)
{
	static const char *const keys[] = {"header_timeout_ms",
					   "head_max",
					   "headers_max",
					   "target_max",
					   "forwarded_proto",
					   "via",
					   "auth",
					   "min_tier",
					   "limits",
					   NULL};
	char key[128];
	unsigned long u;
	json_t *v;
	int rc;

	if (!json_is_object(o))
		return weir_cfg_fail(c, where, o, "expected an object {header_timeout_ms, ...}");
	if ((rc = weir_cfg_check_keys(c, where, o, keys)) != 0)
		return rc;
	u = h->header_timeout_ms;
	if ((rc = weir_cfg_member_uint(c, where, o, "header_timeout_ms", 0, 100, 600000, &u)) < 0)
		return rc;
	h->header_timeout_ms = (uint32_t)u;
	u = h->head_max;
	if ((rc = weir_cfg_member_uint(c, where, o, "head_max", 0, 1024, 65536, &u)) < 0)
		return rc;
	h->head_max = (uint32_t)u;
	u = h->headers_max;
	if ((rc = weir_cfg_member_uint(c, where, o, "headers_max", 0, 1, 128, &u)) < 0)
		return rc;
	h->headers_max = (uint32_t)u;
	u = h->target_max;
	if ((rc = weir_cfg_member_uint(c, where, o, "target_max", 0, 64, 65536, &u)) < 0)
		return rc;
	h->target_max = (uint32_t)u;
	if (h->target_max >= h->head_max) {
		snprintf(key, sizeof(key), "%s.target_max", where);
		return weir_cfg_fail(c, key, json_object_get(o, "target_max"),
				     "must be less than head_max (%u)", h->head_max);
	}
	snprintf(key, sizeof(key), "%s.forwarded_proto", where);
	if ((v = json_object_get(o, "forwarded_proto")) != NULL) {
		if (!json_is_string(v) || (strcmp(json_string_value(v), "http") != 0 &&
					   strcmp(json_string_value(v), "https") != 0))
			return weir_cfg_fail(c, key, v, "expected \"http\" or \"https\"");
		snprintf(h->forwarded_proto, sizeof(h->forwarded_proto), "%s",
			 json_string_value(v));
	}
	snprintf(key, sizeof(key), "%s.via", where);
	if ((v = json_object_get(o, "via")) != NULL) {
		if ((rc = weir_cfg_get_string(c, key, v, h->via, sizeof(h->via))) != 0)
			return rc;
		if (!is_token(h->via))
			return weir_cfg_fail(c, key, v,
					     "expected a token (letters, digits and "
					     "!#$%%&'*+-.^_`|~)");
	}
	return 0;
}

static int
load_route(struct weir_cfg_ctx *c, const char *where, json_t *o, const struct weir_config *cfg,
	   const struct weir_service_config *s, struct weir_http_config *h)
{
	static const char *const keys[] = {"host",     "path_prefix", "pool", "auth",
					   "min_tier", "limits",      NULL};
	struct weir_route_config *rc_;
	const char *host = NULL, *path = NULL, *why = "";
	char key[160];
	json_t *v, *hv, *pv;
	int rc;

	if (!json_is_object(o))
		return weir_cfg_fail(c, where, o, "expected an object {host, path_prefix, pool}");
	if ((rc = weir_cfg_check_keys(c, where, o, keys)) != 0)
		return rc;
	snprintf(key, sizeof(key), "%s.host", where);
	if ((hv = json_object_get(o, "host")) != NULL) {
		if (!json_is_string(hv))
			return weir_cfg_fail(c, key, hv, "expected a host name or \"*.suffix\"");
		host = json_string_value(hv);
	}
	snprintf(key, sizeof(key), "%s.path_prefix", where);
	if ((pv = json_object_get(o, "path_prefix")) != NULL) {
		if (!json_is_string(pv))
			return weir_cfg_fail(c, key, pv, "expected a path starting with '/'");
		path = json_string_value(pv);
	}
	rc = weir_http_route_add(&h->routes, host, path, &why);
	if (rc == -EINVAL) {
		/* The matcher's messages about the path say "path". */
		int is_path = strstr(why, "path") != NULL;

		snprintf(key, sizeof(key), "%s.%s", where, is_path ? "path_prefix" : "host");
		return weir_cfg_fail(c, key, is_path ? pv : hv, "%s", why);
	}
	if (rc < 0)
		return weir_cfg_fail(c, where, NULL, "%s", why);
	rc_ = &h->route[rc];
	snprintf(key, sizeof(key), "%s.pool", where);
	if ((v = json_object_get(o, "pool")) == NULL)
		return weir_cfg_fail(c, key, NULL, "missing");
	if ((rc = weir_cfg_find_pool(c, key, v, cfg, s->vip.family, &rc_->pool)) != 0)
		return rc;
	snprintf(rc_->pool_name, sizeof(rc_->pool_name), "%s", cfg->pools[rc_->pool].name);
	/* What the service says, unless the route says otherwise. */
	rc_->gate = h->gate;
	if ((rc = weir_cfg_load_route_gate(c, where, o, cfg->gate, rc_->pool_name, &rc_->gate)) !=
	    0)
		return rc;
	return weir_cfg_pool_reached(c, cfg, s, rc_->pool);
}

int
weir_cfg_load_http(struct weir_cfg_ctx *c, const char *where, json_t *o,
		   const struct weir_config *cfg, struct weir_service_config *s)
{
	struct weir_http_config *h;
	char key[64], sub[96];
	json_t *v, *e;
	size_t i;
	int rc;

	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return weir_cfg_fail(c, where, NULL, "out of memory");
	s->http = h;
	h->header_timeout_ms = DEFAULT_HEADER_TIMEOUT_MS;
	h->head_max = DEFAULT_HEAD_MAX;
	h->headers_max = DEFAULT_HEADERS_MAX;
	h->target_max = DEFAULT_TARGET_MAX;
	strcpy(h->forwarded_proto, "http");
	strcpy(h->via, "weir");
	snprintf(key, sizeof(key), "%s.http", where);
	h->gate.min_tier = -1;
	if ((v = json_object_get(o, "http")) != NULL &&
	    ((rc = load_settings(c, key, v, h)) != 0 ||
	     (rc = weir_cfg_load_route_gate(c, key, v, cfg->gate, s->name, &h->gate)) != 0))
		return rc;

	snprintf(key, sizeof(key), "%s.routes", where);
	if ((v = json_object_get(o, "routes")) != NULL) {
		if (!json_is_array(v))
			return weir_cfg_fail(c, key, v, "expected an array of routes");
		if (json_array_size(v) > WEIR_HTTP_ROUTES_MAX)
			return weir_cfg_fail(c, key, NULL, "more than %d routes",
					     WEIR_HTTP_ROUTES_MAX);
		json_array_foreach(v, i, e)
		{
			snprintf(sub, sizeof(sub), "%s[%zu]", key, i);
			if ((rc = load_route(c, sub, e, cfg, s, h)) != 0)
				return rc;
		}
	}
	if (json_object_get(o, "pool") == NULL) {
		if (h->routes.n == 0) {
			snprintf(key, sizeof(key), "%s.pool", where);
			return weir_cfg_fail(c, key, NULL,
					     "missing: an http service needs \"pool\" or at least "
					     "one route");
		}
		s->pool = h->route[0].pool;
		h->default_404 = 1;
	}
	return 0;
}

/* "SERVICE/POOL" in len bytes with the NUL: the service's name is cut
 * first, so that the internal services of one http service (whose pools
 * differ) keep different names; a clash left is refused by the caller. */
static void
internal_name(char *out, size_t len, const char *svc, const char *pool)
{
	size_t ns = strlen(svc), np = strlen(pool), n;

	if (ns + 1 + np > len - 1)
		ns = np + 1 < len - 1 ? len - 2 - np : 0;
	memcpy(out, svc, ns);
	out[ns] = '/';
	n = ns + 1 + np < len - 1 ? np : len - 2 - ns;
	memcpy(out + ns + 1, pool, n);
	out[ns + 1 + n] = '\0';
}

int
weir_cfg_http_internal(struct weir_cfg_ctx *c, struct weir_config *cfg)
{
	unsigned int i, r, k, n_file = cfg->n_services;
	char key[96];

	for (i = 0; i < n_file; i++) {
		struct weir_http_config *h = cfg->services[i].http;

		if (h == NULL)
			continue;
		for (r = 0; r < h->routes.n; r++) {
			struct weir_route_config *rt = &h->route[r];
			struct weir_service_config *t;

			if (rt->pool == cfg->services[i].pool) {
				rt->service = i;
				continue;
			}
			for (k = 0; k < r && h->route[k].pool != rt->pool; k++)
				;
			if (k < r) {
				rt->service = h->route[k].service;
				continue;
			}
			snprintf(key, sizeof(key), "services[%u].routes[%u].pool", i, r);
			if (cfg->n_services == WEIR_MAX_SERVICES)
				return weir_cfg_fail(c, key, NULL,
						     "more than %d services with the internal ones "
						     "(one per http service and route pool other "
						     "than its own)",
						     WEIR_MAX_SERVICES);
			t = &cfg->services[cfg->n_services];
			*t = cfg->services[i];
			t->http = NULL;
			t->pool = rt->pool;
			t->internal = (uint8_t)(i + 1);
			internal_name(t->name, sizeof(t->name), cfg->services[i].name,
				      rt->pool_name);
			for (k = 0; k < cfg->n_services; k++)
				if (strcmp(cfg->services[k].name, t->name) == 0) {
					memset(t, 0, sizeof(*t));
					return weir_cfg_fail(
						c, key, NULL,
						"the name of its internal service, \"%s\", is "
						"taken by services[%u]",
						cfg->services[k].name, k);
				}
			rt->service = cfg->n_services++;
		}
	}
	return 0;
}

static int
same_http_settings(const struct weir_http_config *a, const struct weir_http_config *b)
{
	return a->header_timeout_ms == b->header_timeout_ms && a->head_max == b->head_max &&
	       a->headers_max == b->headers_max && a->target_max == b->target_max &&
	       strcmp(a->forwarded_proto, b->forwarded_proto) == 0 && strcmp(a->via, b->via) == 0 &&
	       memcmp(&a->gate, &b->gate, sizeof(a->gate)) == 0;
}

/* Same rules in the same order, to the same pools (pools keep their
 * indexes at a reload). The services the routes name are not compared:
 * they follow from the rest, and their indexes differ between a running
 * config (services appended by reloads) and a file. */
static int
same_routes(const struct weir_http_config *a, const struct weir_http_config *b)
{
	unsigned int k;

	if (a->routes.n != b->routes.n)
		return 0;
	for (k = 0; k < a->routes.n; k++) {
		const struct weir_http_route *x = &a->routes.r[k], *y = &b->routes.r[k];

		if (x->host_kind != y->host_kind || strcmp(x->host, y->host) != 0 ||
		    strcmp(x->path, y->path) != 0 || a->route[k].pool != b->route[k].pool ||
		    memcmp(&a->route[k].gate, &b->route[k].gate, sizeof(a->route[k].gate)) != 0)
			return 0;
	}
	return 1;
}

#define FIXED "cannot change at a reload (restart weir)"
#define REFUSE(...)                                                                                \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return -1;                                                                         \
	} while (0)

int
weir_config_http_change_ok(const struct weir_service_config *a, const struct weir_service_config *b,
			   unsigned int j, int same_place, char *err, size_t errlen)
{
	if (b->internal != 0) {
		/* Made from its http service, which comes before it and was
		 * found unchanged: a difference here is one that check misses. */
		if (a == NULL || a->internal == 0 || !same_place)
			REFUSE("key 'services[%u].routes': routes %s", b->internal - 1u, FIXED);
		return 0;
	}
	if (a != NULL && a->internal != 0)
		REFUSE("key 'services[%u].name': \"%s\" is an internal service of the running "
		       "config (an http route's pool) and %s",
		       j, b->name, FIXED);
	if ((a == NULL || a->http == NULL) && b->http == NULL)
		return 0;
	if (a == NULL)
		REFUSE("key 'services[%u].protocol': an http service cannot be added at a reload "
		       "(restart weir)",
		       j);
	if (a->http == NULL || b->http == NULL)
		REFUSE("key 'services[%u].protocol': changing to or from http %s", j, FIXED);
	if (!same_place)
		REFUSE("key 'services[%u]': an http service's vip, port, scheduler, sticky, "
		       "forwarding, pool and local_ips %s",
		       j, FIXED);
	if (a->http->default_404 != b->http->default_404)
		REFUSE("key 'services[%u].pool': giving or dropping an http service's pool %s", j,
		       FIXED);
	if (!same_http_settings(a->http, b->http))
		REFUSE("key 'services[%u].http': http settings %s", j, FIXED);
	if (!same_routes(a->http, b->http))
		REFUSE("key 'services[%u].routes': routes %s", j, FIXED);
	return 0;
}
