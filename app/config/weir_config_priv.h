/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_CONFIG_PRIV_H
#define WEIR_CONFIG_PRIV_H

/**
 * @file
 * Helpers shared by the configuration loader's files (weir_config.c: the
 * daemon and ports; weir_config_l4.c: pools and services; weir_config_adm.c:
 * prefixes, limits, bans, SYN proxy). Each check that
 * fails fills the error as "config ORIGIN: key 'PATH' = VALUE: reason" and
 * returns -EINVAL.
 */

#include <jansson.h>

#include "weir_config.h"

struct weir_cfg_ctx {
	const char *origin;
	char *err;
	size_t errlen;
};

int weir_cfg_fail(struct weir_cfg_ctx *c, const char *key, const json_t *val, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int weir_cfg_check_keys(struct weir_cfg_ctx *c, const char *where, json_t *obj,
			const char *const *allowed);
int weir_cfg_get_uint(struct weir_cfg_ctx *c, const char *key, json_t *v, unsigned long min,
		      unsigned long max, unsigned long *out);
/**
 * Member name of obj (at path where; "" for the top level) as an integer in
 * [min, max]: 0 with *out set; 1 if it is absent and not required (*out
 * keeps its default); -EINVAL otherwise (missing and required, or out of
 * range), with the error filled.
 */
int weir_cfg_member_uint(struct weir_cfg_ctx *c, const char *where, json_t *obj, const char *name,
			 int required, unsigned long min, unsigned long max, unsigned long *out);
int weir_cfg_get_string(struct weir_cfg_ctx *c, const char *key, json_t *v, char *out,
			size_t outlen);
int weir_cfg_parse_mac(const char *s, uint8_t mac[6]);

/**
 * Is mac 00:00:00:00:00:00 (no station has it)?
 *
 * @param mac
 *   The address.
 * @return
 *   1 if so, else 0.
 */
int weir_cfg_mac_zero(const uint8_t mac[6]);
int weir_cfg_parse_addr(struct weir_cfg_ctx *c, const char *key, json_t *v, int want_prefix,
			struct weir_addr *a);

/** Load "maglev_size", "conn_table_size", "pools" and "services" (after ports). */
int weir_cfg_load_l4(struct weir_cfg_ctx *c, json_t *root, struct weir_config *cfg);

/** Load "acl" (allow and deny prefixes). */
int weir_cfg_load_acl(struct weir_cfg_ctx *c, json_t *o, struct weir_config *cfg);

/** Load a limits object at path where (proto: the service's, 0 for the global limits). */
int weir_cfg_load_limits(struct weir_cfg_ctx *c, const char *where, json_t *o, uint8_t proto,
			 struct weir_limits *l);

/** A 16-byte secret as 32 hex digits at key (its value is never shown). */
int weir_cfg_get_secret(struct weir_cfg_ctx *c, const char *key, json_t *v, uint8_t out[16]);
/** Load a service's "synproxy" at path where: an object, false, or NULL (absent). */
int weir_cfg_load_synproxy(struct weir_cfg_ctx *c, const char *where, json_t *o,
			   struct weir_service_config *s);

/** Load a pool's "health" and "outlier" (pool object o at path where), defaults included. */
int weir_cfg_load_health(struct weir_cfg_ctx *c, const char *where, json_t *o,
			 struct weir_pool_config *p);

/** The pool named by v (at key) into *pool, if its backends are of family. */
int weir_cfg_find_pool(struct weir_cfg_ctx *c, const char *key, json_t *v,
		       const struct weir_config *cfg, uint8_t family, unsigned int *pool);

/** Can service s (its out_port known) reach every backend of pool? */
int weir_cfg_pool_reached(struct weir_cfg_ctx *c, const struct weir_config *cfg,
			  const struct weir_service_config *s, unsigned int pool);

/**
 * Load an http service's "http" and "routes" (service object o at path
 * where; its vip, out_port and pool, if given, already loaded): allocates
 * s->http; without "pool", s->pool becomes the first route's.
 */
int weir_cfg_load_http(struct weir_cfg_ctx *c, const char *where, json_t *o,
		       const struct weir_config *cfg, struct weir_service_config *s);

/**
 * After every service of the file: append the internal services of the
 * http services' routes (one per http service and route pool other than
 * its own) and set each route's service.
 */
int weir_cfg_http_internal(struct weir_cfg_ctx *c, struct weir_config *cfg);

/** Load "gate" (always: defaults without it) into a new cfg->gate (before the services). */
int weir_cfg_load_gate(struct weir_cfg_ctx *c, json_t *root, struct weir_config *cfg);

/** Limit rules at key (an array), named dflt, dflt-<window>s... unless named. */
int weir_cfg_load_rules(struct weir_cfg_ctx *c, const char *key, json_t *v, const char *dflt,
			struct weir_gate_rules *rs);

/** Load "gate.api_keys" (object o) into g (its tiers loaded). */
int weir_cfg_load_keys(struct weir_cfg_ctx *c, json_t *o, struct weir_gate_config *g);

/** The tier named by v (at key) into *out. */
int weir_cfg_find_tier(struct weir_cfg_ctx *c, const char *key, json_t *v,
		       const struct weir_gate_config *g, uint8_t *out);

/** "auth", "min_tier" and "limits" of object o (at where) over *rg (its defaults). */
int weir_cfg_load_route_gate(struct weir_cfg_ctx *c, const char *where, json_t *o,
			     const struct weir_gate_config *g, const char *dflt,
			     struct weir_route_gate *rg);

/** Load ports[i].neighbors into p. */
int weir_cfg_load_neighbors(struct weir_cfg_ctx *c, const char *where, json_t *v,
			    struct weir_port_config *p);

#endif /* WEIR_CONFIG_PRIV_H */
