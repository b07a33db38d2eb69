/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * L4 snapshots: control builds an immutable one from the pools' admin
 * state and the neighbour cache and publishes it (app/core/rcu.h); each
 * worker loads the current one at the start of a loop iteration and makes
 * its scheduler state follow it.
 */
#include <errno.h>

#include <rte_malloc.h>

#include "core/clock.h"
#include "core/rcu.h"
#include "l4/l4-priv.h"

struct l4_control weir_l4c;

static size_t
snap_size(unsigned int n)
{
	return sizeof(struct weir_l4_snap) + n * sizeof(struct weir_l4_svc_snap);
}

void
l4_snap_free(void *p)
{
	struct weir_l4_snap *s = p;
	unsigned int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_services; i++)
		if (s->svc[i].table_owned)
			weir_maglev_free(s->svc[i].table);
	if (s->map_owned)
		rte_free((void *)(uintptr_t)s->map);
	rte_free(s);
}

/*
 * The next snapshot from the admin state. Maglev tables are rebuilt only
 * for services whose effective weights changed; the others move over (the
 * old snapshot gives up owning them).
 */
struct weir_l4_snap *
l4_snap_build(const struct weir_l4_snap *old_c)
{
	struct weir_l4_snap *old = (struct weir_l4_snap *)(uintptr_t)old_c;
	const struct weir_config *cfg = weir.cfg;
	struct weir_l4_snap *s;
	unsigned int i, b;

	s = rte_zmalloc("weir_l4_snap", snap_size(cfg->n_services), RTE_CACHE_LINE_SIZE);
	if (s == NULL)
		return NULL;
	s->n_services = cfg->n_services;
	s->map = weir_l4c.map;
	/* The map goes with the last snapshot that uses it. */
	s->map_owned = 1;
	if (old != NULL && old->map == s->map)
		old->map_owned = 0;
	s->version = ++weir_l4c.version;
	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_service_config *sc = &cfg->services[i];
		const struct weir_pool_config *pl = &cfg->pools[sc->pool];
		struct weir_l4_svc_snap *v = &s->svc[i];
		struct weir_maglev_entry e[WEIR_MAX_BACKENDS];

		v->n_backends = pl->n_backends;
		for (b = 0; b < pl->n_backends; b++) {
			const struct l4_neigh *ne = &weir_l4c.neigh[i][b];
			uint32_t w =
				weir_l4c.enabled[sc->pool][b] ? weir_l4c.weight[sc->pool][b] : 0;

			v->serving[b] = weir_l4c.serving[sc->pool][b];
			v->weight[b] = v->serving[b] ? w : 0;
			memcpy(v->mac[b], ne->mac, 6);
			v->mac_ok[b] = ne->ok;
			e[b].id = weir_lb_backend_id(pl->backends[b].addr.family,
						     pl->backends[b].addr.ip, pl->backends[b].port);
			e[b].weight = w;
		}
		if (sc->scheduler != WEIR_SCHED_MAGLEV && sc->forwarding != WEIR_FWD_DSR_IPIP)
			continue;
		if (old != NULL && i < old->n_services && old->svc[i].table != NULL &&
		    memcmp(old->svc[i].weight, v->weight, sizeof(v->weight)) == 0 &&
		    memcmp(old->svc[i].serving, v->serving, sizeof(v->serving)) == 0) {
			v->table = old->svc[i].table;
			v->table_owned = 1;
			old->svc[i].table_owned = 0;
			continue;
		}
		/* Backends out of service give up only their own slots. */
		v->table =
			weir_maglev_build_failover(cfg->maglev_size, e, pl->n_backends, v->serving);
		if (v->table == NULL) {
			l4_snap_free(s);
			return NULL;
		}
		v->table_owned = 1;
	}
	return s;
}

/* Publish a new snapshot; the old one is freed once no worker can read it.
 * Returns the grace-period token, or 0 without memory (nothing changed). */
uint64_t
l4_snap_publish(void)
{
	struct weir_l4_snap *s = l4_snap_build(weir_l4c.snap);

	if (s == NULL)
		return 0;
	return weir_rcu_publish((void **)&weir_l4c.snap, s, l4_snap_free);
}

void
weir_l4_backend_added(unsigned int pool, unsigned int b)
{
	const struct weir_config *cfg = weir.cfg;
	unsigned int i;

	weir_l4c.weight[pool][b] = cfg->pools[pool].backends[b].weight;
	weir_l4c.enabled[pool][b] = 1;
	weir_l4c.serving[pool][b] = 1;
	for (i = 0; i < cfg->n_services; i++)
		if (cfg->services[i].pool == pool)
			l4_neigh_init_one(i, b);
	weir_l4c.publish_due = 1;
}

void
weir_l4_backend_weight(unsigned int pool, unsigned int b, uint32_t weight)
{
	weir_l4c.weight[pool][b] = weight;
	weir_l4c.publish_due = 1;
}

int
weir_l4_services_changed(void)
{
	struct weir_svcmap *m;

	m = l4_svcmap_build();
	if (m == NULL)
		return -1;
	/* The old map stays with the snapshots that use it. */
	weir_l4c.map = m;
	weir_l4c.publish_due = 1;
	return 0;
}

int
weir_l4_local_known(const struct weir_addr *a)
{
	unsigned int i;

	for (i = 0; i < weir_l4c.n_locals; i++)
		if (weir_l4c.locals[i].family == a->family &&
		    memcmp(weir_l4c.locals[i].ip, a->ip, ip_len(a->family)) == 0)
			return (int)i;
	return -1;
}

void
weir_l4_service_added(unsigned int svc)
{
	const struct weir_service_config *sc = &weir.cfg->services[svc];
	unsigned int j, b;

	for (j = 0; j < sc->n_local_ips; j++)
		weir_l4c.svc_local[svc][j] = (uint8_t)weir_l4_local_known(&sc->local_ips[j]);
	for (b = 0; b < weir.cfg->pools[sc->pool].n_backends; b++)
		l4_neigh_init_one(svc, b);
}

void
weir_l4_reload_publish(void)
{
	if (weir_l4c.publish_due || weir_l4c.snap->n_services != weir.cfg->n_services) {
		weir_l4c.publish_due = 0;
		l4_snap_publish();
	}
}

void
weir_l4_set_serving(unsigned int pool, unsigned int b, int serving)
{
	if (weir_l4c.serving[pool][b] == (serving != 0))
		return;
	weir_l4c.serving[pool][b] = serving != 0;
	weir_l4c.publish_due = 1; /* on this control tick (weir_l4_control_tick()) */
}

uint64_t
weir_l4_snapshot_version(void)
{
	return weir_l4c.snap->version;
}

/* The schedulers follow the snapshot's weights and Maglev tables. */
static void
sched_refresh(struct weir_l4_worker *l4, const struct weir_l4_snap *s)
{
	unsigned int i, b;

	/* Services a reload added: their schedulers from the config. */
	while (l4->n_sched < s->n_services)
		l4_sched_init(l4, l4->n_sched);
	for (i = 0; i < s->n_services; i++) {
		struct weir_sched *sc = &l4->sched[i];

		/* Backends a reload added (appended: the others keep their index). */
		for (b = sc->n; b < s->svc[i].n_backends; b++) {
			const struct weir_backend_config *bc =
				&weir.cfg->pools[weir.cfg->services[i].pool].backends[b];

			memset(&sc->b[b], 0, sizeof(sc->b[b]));
			sc->b[b].id = weir_lb_backend_id(bc->addr.family, bc->addr.ip, bc->port);
		}
		sc->n = s->svc[i].n_backends;
		for (b = 0; b < sc->n; b++)
			sc->b[b].weight = s->svc[i].weight[b];
		sc->table = s->svc[i].table;
	}
	l4->version = s->version;
}

void
weir_l4_iteration(struct weir_l4_worker *l4, uint64_t tsc)
{
	const struct weir_l4_snap *s = __atomic_load_n(&weir_l4c.snap, __ATOMIC_ACQUIRE);

	if (s->version != l4->version)
		sched_refresh(l4, s);
	l4->snap = s;
	l4->now_tsc = tsc;
	if (weir_clock_s(tsc) != l4->now && l4->ct != NULL) {
		unsigned int i;

		/* Once a second: which services run short (UDP leases). */
		for (i = 0; i < weir.cfg->n_services; i++)
			l4->short_s[i] = (uint8_t)weir_l4_pressure(l4, i);
	}
	l4->now = weir_clock_s(tsc);
}
