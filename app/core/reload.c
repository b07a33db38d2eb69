/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weirctl reload and SIGHUP: read the config again, validate it whole,
 * refuse what cannot change while weir runs (one line naming the key; the
 * running config stays as it was), and apply the rest in place, so that no
 * established connection is touched:
 *
 * - backend weights; backends added (appended: indexes of existing ones
 *   never move; probed if the pool has checks) and removed ones (drained:
 *   weight 0 and marked removed, kept until a restart, so their
 *   established connections run on; listed again, they come back);
 * - services, matched by name: a service's timeouts, no_backend and
 *   mss_clamp and the values of its limits (rates, bursts, caps, bans,
 *   action, dry run; not which kinds of limit, nor ipv6_prefix) change in
 *   place; a service added is appended; one removed is marked so (out of
 *   the keyed table: no new connections; its connections go on); one whose
 *   VIP, port, protocol, scheduler, forwarding, pool, local IPs or synproxy
 *   changed is replaced: removed, and appended anew; the global limits'
 *   values;
 * - http services (and the internal services of their routes' pools,
 *   matched by name) as far as they are L4 services: timeouts, limits,
 *   no_backend; an http service cannot be added, removed or replaced, nor
 *   its protocol, "http" settings, "pool" or routes changed (the http
 *   stage's tables and the internal services are made at start);
 * - the allow/deny prefix lists (prefixes weirctl added stay);
 * - a pool's health checks (added, changed, removed: probe ports are kept
 *   at start only if some pool had checks) and its outlier settings.
 *
 * Each is a store of a word the workers read as a whole, or a table
 * published by RCU (L4's snapshot, admission's prefix tables); probes are
 * set up again by their workers (WEIR_MSG_PROBE_SETUP).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "adm/adm.h"
#include "core/cmd.h"
#include "core/reload.h"
#include "core/weir.h"
#include "health/health.h"
#include "l4/l4.h"
#include "sp/sp.h"

static struct {
	uint64_t generation;
	time_t loaded_at;
} gen = {1, 0};

void
weir_reload_init(void)
{
	gen.generation = 1;
	gen.loaded_at = time(NULL);
}

json_t *
weir_reload_json(void)
{
	return json_pack("{s:I, s:I}", "generation", (json_int_t)gen.generation, "loaded_at",
			 (json_int_t)gen.loaded_at);
}

#define REFUSE(...)                                                                                \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return -1;                                                                         \
	} while (0)

#define FIXED "cannot change while weir runs (restart it)"

static int
same_backend(const struct weir_backend_config *a, const struct weir_backend_config *b)
{
	return a->port == b->port && a->addr.family == b->addr.family &&
	       memcmp(a->addr.ip, b->addr.ip, 16) == 0;
}

/* The backend of pool p like b, or -1. */
static int
find_backend(const struct weir_pool_config *p, const struct weir_backend_config *b)
{
	unsigned int j;

	for (j = 0; j < p->n_backends; j++)
		if (same_backend(&p->backends[j], b))
			return (int)j;
	return -1;
}

static int
check_pools(const struct weir_config *o, const struct weir_config *n, char *err, size_t errlen)
{
	unsigned int i, j, slots, probes = 0;

	if (o->n_pools != n->n_pools)
		REFUSE("key 'pools': adding or removing a pool %s", FIXED);
	for (i = 0; i < o->n_pools; i++) {
		const struct weir_pool_config *a = &o->pools[i], *b = &n->pools[i];

		if (strcmp(a->name, b->name) != 0)
			REFUSE("key 'pools[%u].name': renaming or reordering pools %s", i, FIXED);
		/* Removed backends keep their slot until a restart. */
		slots = a->n_backends;
		for (j = 0; j < b->n_backends; j++)
			if (find_backend(a, &b->backends[j]) < 0)
				slots++;
		if (slots > WEIR_MAX_BACKENDS)
			REFUSE("key 'pools[%u].backends': more than %d backends with those removed "
			       "since start (restart weir)",
			       i, WEIR_MAX_BACKENDS);
		if (b->health.enabled) {
			if (!weir_hc_ports_kept() && weir_hc_probes_needed(i, slots) > 0)
				REFUSE("key 'pools[%u].health': no probe ports were kept at start "
				       "(no "
				       "pool had health checks) %s",
				       i, FIXED);
			probes += (unsigned int)weir_hc_probes_needed(i, slots);
			if (probes > weir_hc_probes_free())
				REFUSE("key 'pools[%u].health': more than %d backends with health "
				       "checks since start (restart weir)",
				       i, WEIR_PROBE_PORTS);
		}
		if (b->n_backends > 0 && a->n_backends > 0 &&
		    b->backends[0].addr.family != a->backends[0].addr.family)
			REFUSE("key 'pools[%u].backends': changing the family %s", i, FIXED);
	}
	return 0;
}

/* What places a service in the data path: a change of it replaces the
 * service (a new entry; the old one goes on carrying its connections). */
static int
same_place(const struct weir_service_config *a, const struct weir_service_config *b)
{
	return memcmp(&a->vip, &b->vip, sizeof(a->vip)) == 0 && a->port == b->port &&
	       a->proto == b->proto && a->scheduler == b->scheduler &&
	       a->sticky_source == b->sticky_source && a->forwarding == b->forwarding &&
	       a->pool == b->pool && a->out_port == b->out_port &&
	       a->n_local_ips == b->n_local_ips &&
	       memcmp(a->local_ips, b->local_ips, sizeof(a->local_ips)) == 0 &&
	       memcmp(&a->synproxy, &b->synproxy, sizeof(a->synproxy)) == 0;
}

/* The running service of that name (not removed), or -1. */
static int
find_service(const struct weir_config *o, const char *name)
{
	unsigned int i;

	for (i = 0; i < o->n_services; i++)
		if (!o->services[i].removed && strcmp(o->services[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* For each service of the new config, the running one it updates in place,
 * or -1: it is appended (new, or replacing one). Set by check_services(). */
static int plan[WEIR_MAX_SERVICES];

static int
check_services(const struct weir_config *o, const struct weir_config *n, char *err, size_t errlen)
{
	unsigned int j, k, added = 0;
	char why[96];
	int i;

	if (o->n_services == 0 && n->n_services > 0)
		REFUSE("key 'services': weir started without services (so without connection "
		       "tables) %s",
		       FIXED);
	for (j = 0; j < n->n_services; j++) {
		const struct weir_service_config *b = &n->services[j];

		i = find_service(o, b->name);
		if (weir_config_http_change_ok(i >= 0 ? &o->services[i] : NULL, b, j,
					       i >= 0 && same_place(&o->services[i], b), err,
					       errlen) != 0)
			return -1;
		if (i >= 0 && same_place(&o->services[i], b)) {
			if (weir_adm_limits_change_ok(&o->services[i].limits, &b->limits, why,
						      sizeof(why)) != 0)
				REFUSE("key 'services[%u].limits': %s %s", j, why, FIXED);
			plan[j] = i;
			continue;
		}
		plan[j] = -1;
		added++;
		if (weir_addrs_find(&weir.addrs, b->vip.family, b->vip.ip) == NULL)
			REFUSE("key 'services[%u].vip': weir did not answer for this address at "
			       "start "
			       "(list it in vips) %s",
			       j, FIXED);
		for (k = 0; k < b->n_local_ips; k++)
			if (weir_l4_local_known(&b->local_ips[k]) < 0)
				REFUSE("key 'services[%u].local_ips[%u]': no service used this "
				       "local IP "
				       "at start %s",
				       j, k, FIXED);
		if (!weir_sp_can_add(b))
			REFUSE("key 'services[%u].synproxy': no service had SYN cookies at start "
			       "%s",
			       j, FIXED);
		if (!weir_adm_can_add(b))
			REFUSE("key 'services[%u].limits': no rule had limits at start %s", j,
			       FIXED);
	}
	/* After the new services: a change of an http service is refused
	 * above by its key in the file; here are those gone from it. */
	for (i = 0; i < (int)o->n_services; i++) {
		const struct weir_service_config *a = &o->services[i];

		if (!a->removed && (a->http != NULL || a->internal != 0) &&
		    find_service(n, a->name) < 0)
			REFUSE("key 'services': the http service \"%s\" cannot be removed at a "
			       "reload (restart weir)",
			       a->internal != 0 ? o->services[a->internal - 1].name : a->name);
	}
	if (o->n_services + added > WEIR_MAX_SERVICES)
		REFUSE("key 'services': more than %d services with those removed or replaced since "
		       "start (restart weir)",
		       WEIR_MAX_SERVICES);
	return 0;
}

/* What cannot change: the first difference, by key. */
static int
check(const struct weir_config *o, const struct weir_config *n, char *err, size_t errlen)
{
	unsigned int i;
	char why[96];

	if (strcmp(o->socket_path, n->socket_path) != 0)
		REFUSE("key 'control.socket': %s", FIXED);
	if (o->mbufs != n->mbufs)
		REFUSE("key 'mbufs': %s", FIXED);
	if (o->idle_sleep_us != n->idle_sleep_us)
		REFUSE("key 'idle_sleep_us': %s", FIXED);
	if (o->n_workers != n->n_workers ||
	    memcmp(o->workers, n->workers, sizeof(o->workers[0]) * o->n_workers) != 0)
		REFUSE("key 'workers': %s", FIXED);
	if (o->n_ports != n->n_ports)
		REFUSE("key 'ports': %s", FIXED);
	for (i = 0; i < o->n_ports; i++)
		if (memcmp(&o->ports[i], &n->ports[i], sizeof(o->ports[i])) != 0)
			REFUSE("key 'ports[%u]': %s", i, FIXED);
	if (o->n_vips != n->n_vips || memcmp(o->vips, n->vips, sizeof(o->vips)) != 0)
		REFUSE("key 'vips': %s", FIXED);
	if (o->maglev_size != n->maglev_size)
		REFUSE("key 'maglev_size': %s", FIXED);
	if (o->conn_table_size != n->conn_table_size)
		REFUSE("key 'conn_table_size': %s", FIXED);
	if (o->udp_ports_per_source != n->udp_ports_per_source)
		REFUSE("key 'udp_ports_per_source': %s", FIXED);
	if (o->has_cookie_secret != n->has_cookie_secret ||
	    memcmp(o->cookie_secret, n->cookie_secret, sizeof(o->cookie_secret)) != 0)
		REFUSE("key 'cookie_secret': %s", FIXED);
	if (o->gate->fingerprint != n->gate->fingerprint)
		REFUSE("key 'gate': %s (keys change at run time: weirctl key)", FIXED);
	if (o->source_table_size != n->source_table_size)
		REFUSE("key 'source_table_size': %s", FIXED);
	if (o->clock_rx_timestamp != n->clock_rx_timestamp)
		REFUSE("key 'clock': %s", FIXED);
	if (weir_adm_limits_change_ok(&o->limits, &n->limits, why, sizeof(why)) != 0)
		REFUSE("key 'limits': %s %s", why, FIXED);
	if (check_pools(o, n, err, errlen) != 0 || check_services(o, n, err, errlen) != 0)
		return -1;
	return 0;
}

static void
store32(uint32_t *dst, uint32_t v)
{
	__atomic_store_n(dst, v, __ATOMIC_RELAXED);
}

/* Apply pool p of n to the running config; changes are listed in ch. */
/* Apply pool p of n to the running config; changes are listed in ch. */
static void
apply_pool(struct weir_config *o, const struct weir_config *n, unsigned int p, json_t *ch)
{
	struct weir_pool_config *a = &o->pools[p];
	const struct weir_pool_config *b = &n->pools[p];
	int changed = 0;
	unsigned int j;
	int k;

	if (memcmp(&a->health, &b->health, sizeof(a->health)) != 0 ||
	    memcmp(&a->outlier, &b->outlier, sizeof(a->outlier)) != 0) {
		/* Workers read interval_ms as they finish a probe; the rest only
		 * when they set their probes up again, after this. */
		store32(&a->health.interval_ms, b->health.interval_ms);
		a->health = b->health;
		a->outlier = b->outlier;
		changed = 1;
		json_array_append_new(ch,
				      json_sprintf("pools[%u] (%s): health settings", p, a->name));
	}
	/* Weights of backends still listed, and backends back or new. */
	for (j = 0; j < b->n_backends; j++) {
		const struct weir_backend_config *nb = &b->backends[j];

		k = find_backend(a, nb);
		if (k < 0) {
			k = (int)a->n_backends;
			a->backends[k] = *nb;
			a->backends[k].removed = 0;
			/* The entry is whole before the workers may index it. */
			__atomic_store_n(&a->n_backends, a->n_backends + 1, __ATOMIC_RELEASE);
			weir_l4_backend_added(p, (unsigned int)k);
			weir_hc_backend_added(p);
			changed = 1;
			json_array_append_new(ch, json_sprintf("pools[%u] (%s): backend %u added",
							       p, a->name, k));
		} else if (a->backends[k].removed || a->backends[k].weight != nb->weight) {
			json_array_append_new(
				ch,
				json_sprintf("pools[%u] (%s): backend %d %s", p, a->name, k,
					     a->backends[k].removed ? "listed again" : "weight"));
			changed |= a->backends[k].removed;
			a->backends[k].removed = 0;
			a->backends[k].weight = nb->weight;
			weir_l4_backend_weight(p, (unsigned int)k, nb->weight);
		}
		if (strcmp(a->backends[k].datacenter, nb->datacenter) != 0)
			memcpy(a->backends[k].datacenter, nb->datacenter, sizeof(nb->datacenter));
	}
	/* Backends no longer listed: drained, kept. */
	for (j = 0; j < a->n_backends; j++)
		if (!a->backends[j].removed && find_backend(b, &a->backends[j]) < 0) {
			a->backends[j].removed = 1;
			weir_l4_backend_weight(p, j, 0);
			changed = 1;
			json_array_append_new(ch, json_sprintf("pools[%u] (%s): backend %u removed "
							       "(drained)",
							       p, a->name, j));
		}
	/* Checks and outlier settings follow: probes for new backends, none
	 * for removed ones, none at all if the checks are gone. */
	if (changed)
		weir_hc_reload_pool(p);
}

/* A service updated in place: what may change at run time. */
static void
apply_service(struct weir_service_config *a, unsigned int i, const struct weir_service_config *b,
	      json_t *ch)
{
	if (memcmp(&a->timeouts, &b->timeouts, sizeof(a->timeouts)) != 0) {
		store32(&a->timeouts.syn, b->timeouts.syn);
		store32(&a->timeouts.established, b->timeouts.established);
		store32(&a->timeouts.fin, b->timeouts.fin);
		store32(&a->timeouts.closed, b->timeouts.closed);
		store32(&a->timeouts.udp, b->timeouts.udp);
		store32(&a->timeouts.udp_unreplied, b->timeouts.udp_unreplied);
		json_array_append_new(ch, json_sprintf("services[%u] (%s): timeouts", i, a->name));
	}
	if (memcmp(&a->limits, &b->limits, sizeof(a->limits)) != 0) {
		weir_adm_reload_rule(i, &a->limits, &b->limits);
		json_array_append_new(ch, json_sprintf("services[%u] (%s): limits", i, a->name));
	}
	if (a->no_backend_rst != b->no_backend_rst || a->mss_clamp != b->mss_clamp) {
		__atomic_store_n(&a->no_backend_rst, b->no_backend_rst, __ATOMIC_RELAXED);
		__atomic_store_n(&a->mss_clamp, b->mss_clamp, __ATOMIC_RELAXED);
		json_array_append_new(
			ch, json_sprintf("services[%u] (%s): no_backend, mss_clamp", i, a->name));
	}
}

/* Services: updated in place, removed (kept for their connections), added. */
static void
apply_services(struct weir_config *o, const struct weir_config *n, json_t *ch)
{
	uint8_t kept[WEIR_MAX_SERVICES] = {0};
	unsigned int i, j, k, old_n = o->n_services;
	char why[160];
	int moved = 0;

	for (j = 0; j < n->n_services; j++)
		if (plan[j] >= 0) {
			kept[plan[j]] = 1;
			apply_service(&o->services[plan[j]], (unsigned int)plan[j], &n->services[j],
				      ch);
		}
	for (i = 0; i < old_n; i++)
		if (!o->services[i].removed && !kept[i]) {
			__atomic_store_n(&o->services[i].removed, 1, __ATOMIC_RELAXED);
			moved = 1;
			json_array_append_new(ch, json_sprintf("services[%u] (%s): removed (its "
							       "connections go on)",
							       i, o->services[i].name));
		}
	for (j = 0; j < n->n_services; j++) {
		if (plan[j] >= 0)
			continue;
		k = o->n_services;
		/* Never an http service (weir_config_http_change_ok() refuses to
		 * add or replace one): no http settings to copy or to own twice. */
		o->services[k] = n->services[j];
		o->services[k].removed = 0;
		weir_l4_service_added(k);
		if (weir_adm_service_added(k, why, sizeof(why)) != 0 ||
		    weir_sp_service_added(k, why, sizeof(why)) != 0 ||
		    weir_hc_service_added(k) != 0)
			json_array_append_new(ch, json_sprintf("services[%u] (%s): %s", k,
							       o->services[k].name, why));
		/* The entry is whole before any table names it. */
		__atomic_store_n(&o->n_services, k + 1, __ATOMIC_RELEASE);
		weir_hc_reload_pool(o->services[k].pool);
		moved = 1;
		json_array_append_new(
			ch, json_sprintf("services[%u] (%s): added", k, o->services[k].name));
	}
	if (moved && weir_l4_services_changed() != 0)
		json_array_append_new(ch, json_string("services: out of memory for the new keyed "
						      "table: new services not reached yet"));
}

static void
apply(struct weir_config *o, const struct weir_config *n, json_t *ch)
{
	unsigned int i;

	if (memcmp(&o->limits, &n->limits, sizeof(o->limits)) != 0) {
		weir_adm_reload_rule(WEIR_ADM_GLOBAL, &o->limits, &n->limits);
		json_array_append_new(ch, json_string("limits (global)"));
	}
	for (i = 0; i < o->n_pools; i++)
		apply_pool(o, n, i, ch);
	apply_services(o, n, ch);
	if (o->n_acl != n->n_acl ||
	    (n->n_acl > 0 && memcmp(o->acl, n->acl, n->n_acl * sizeof(n->acl[0])) != 0))
		json_array_append_new(ch, json_string("acl"));
}

json_t *
weir_reload(const char *file, char *err, size_t errlen)
{
	struct weir_config *o = weir.cfg, *n;
	const char *path = file != NULL ? file : o->origin;
	char why[512];
	json_t *ch;

	n = strcmp(path, "embedded") == 0 && file == NULL
		    ? weir_config_from_string(weir_default_config, "embedded", why, sizeof(why))
		    : weir_config_from_file(path, why, sizeof(why));
	if (n == NULL) {
		snprintf(err, errlen, "%s (the running config is unchanged)", why);
		return NULL;
	}
	if (check(o, n, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "config %s: %s (the running config is unchanged)", n->origin,
			 why);
		weir_config_free(n);
		return NULL;
	}
	/* The prefix lists first: the only step that can fail (memory). */
	if (weir_adm_reload_acl(n, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s (the running config is unchanged)", why);
		weir_config_free(n);
		return NULL;
	}
	ch = json_array();
	apply(o, n, ch);
	weir_config_take_acl(o, n);
	snprintf(o->origin, sizeof(o->origin), "%s", n->origin);
	weir_config_free(n);
	gen.generation++;
	gen.loaded_at = time(NULL);
	weir_l4_reload_publish();
	return json_pack("{s:s, s:I, s:I, s:o}", "config", o->origin, "generation",
			 (json_int_t)gen.generation, "loaded_at", (json_int_t)gen.loaded_at,
			 "changed", ch);
}

json_t *
weir_cmd_reload(json_t *req, char *err, size_t errlen)
{
	json_t *res = weir_reload(json_string_value(json_object_get(req, "file")), err, errlen);

	/* Answered once every worker uses the new tables. */
	return res != NULL ? weir_cmd_after(res) : NULL;
}
