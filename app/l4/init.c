/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Setting the L4 stage up and down: control's state and the first
 * snapshot (weir_l4_init()), each worker's state (weir_l4_init_worker()).
 */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "core/rcu.h"
#include "l4/l4-priv.h"

#define LPORT_MIN 1024

int
weir_l4_init(char *err, size_t errlen)
{
	const struct weir_config *cfg = weir.cfg;
	unsigned int i, j, b;

	memset(&weir_l4c, 0, sizeof(weir_l4c));
	for (i = 0; i < cfg->n_services; i++)
		for (j = 0; j < cfg->services[i].n_local_ips; j++) {
			const struct weir_addr *a = &cfg->services[i].local_ips[j];
			int li = weir_l4_local_known(a);

			if (li < 0) {
				if (weir_l4c.n_locals == L4_MAX_LOCALS) {
					snprintf(err, errlen, "more than %d distinct local_ips",
						 L4_MAX_LOCALS);
					return -2;
				}
				weir_l4c.locals[weir_l4c.n_locals] = *a;
				li = (int)weir_l4c.n_locals++;
			}
			weir_l4c.svc_local[i][j] = (uint8_t)li;
		}
	for (i = 0; i < cfg->n_pools; i++)
		for (b = 0; b < cfg->pools[i].n_backends; b++) {
			weir_l4c.weight[i][b] = cfg->pools[i].backends[b].weight;
			weir_l4c.enabled[i][b] = 1;
			weir_l4c.serving[i][b] = 1;
		}
	l4_neigh_init();
	weir_l4c.map = l4_svcmap_build();
	weir_l4c.snap = weir_l4c.map != NULL ? l4_snap_build(NULL) : NULL;
	if (weir_l4c.snap == NULL) {
		rte_free(weir_l4c.map);
		weir_l4c.map = NULL;
		snprintf(err, errlen, "cannot build the Maglev tables: %s", strerror(ENOMEM));
		weir_l4_fini();
		return -1;
	}
	return 0;
}

void
weir_l4_fini(void)
{
	/* The workers are gone: nothing reads the snapshot (it owns the map). */
	l4_snap_free(weir_l4c.snap);
	weir_l4c.snap = NULL;
	weir_l4c.map = NULL;
}

void
l4_sched_init(struct weir_l4_worker *l4, unsigned int i)
{
	const struct weir_service_config *sc = &weir.cfg->services[i];
	const struct weir_pool_config *pl = &weir.cfg->pools[sc->pool];
	struct weir_sched *s = &l4->sched[i];
	unsigned int b;

	s->kind = sc->scheduler;
	s->n = pl->n_backends;
	s->b = &l4->backends[i * WEIR_MAX_BACKENDS];
	/* Start each worker's round robin elsewhere, so N workers do not
	 * send their first connections to the same backend. */
	s->rr_next = l4->id % (pl->n_backends ? pl->n_backends : 1);
	for (b = 0; b < pl->n_backends; b++)
		s->b[b].id = weir_lb_backend_id(pl->backends[b].addr.family,
						pl->backends[b].addr.ip, pl->backends[b].port);
	l4->n_sched = i + 1;
}

int
weir_l4_init_worker(struct weir_l4_worker *l4, unsigned int id, int socket, struct rte_ring *outbox,
		    char *err, size_t errlen)
{
	const struct weir_config *cfg = weir.cfg;
	unsigned int n_slots = weir_l4c.n_locals * 2, i, top;
	char name[64];

	memset(l4, 0, sizeof(*l4));
	l4->id = id;
	l4->outbox = outbox;
	l4->snap = weir_l4c.snap;
	/* Without services there is nothing to track: no table, no memory. */
	snprintf(name, sizeof(name), "weir_ct_%u", id);
	if (cfg->n_services > 0) {
		l4->ct = weir_ct_create(name, cfg->conn_table_size, socket);
		if (l4->ct == NULL)
			goto nomem;
	}
	/* Room for every service index: a reload may add services. */
	l4->sched = rte_zmalloc_socket("weir_sched", sizeof(l4->sched[0]) * (WEIR_MAX_SERVICES + 1),
				       RTE_CACHE_LINE_SIZE, socket);
	l4->backends = rte_zmalloc_socket("weir_lb_backends",
					  sizeof(l4->backends[0]) * WEIR_MAX_BACKENDS *
						  (WEIR_MAX_SERVICES + 1),
					  RTE_CACHE_LINE_SIZE, socket);
	l4->bstats = rte_zmalloc_socket("weir_lb_counts",
					sizeof(l4->bstats[0]) * WEIR_MAX_BACKENDS *
						(WEIR_MAX_SERVICES + 1),
					RTE_CACHE_LINE_SIZE, socket);
	l4->lport_slot =
		rte_zmalloc_socket("weir_lport", sizeof(uint32_t *) * (n_slots + 1), 0, socket);
	l4->lport_cursor =
		rte_zmalloc_socket("weir_lport_cur", sizeof(uint32_t) * (n_slots + 1), 0, socket);
	l4->lport_used =
		rte_zmalloc_socket("weir_lport_used", sizeof(uint32_t) * (n_slots + 1), 0, socket);
	/* This worker's local ports: p = j * n_workers + id, p in [LPORT_MIN,
	 * 65535], or below WEIR_PROBE_PORT_MIN when health probes keep the rest. */
	top = weir_config_has_health(cfg) ? WEIR_PROBE_PORT_MIN - 1 : 65535;
	l4->lport_jmin = (LPORT_MIN - id + weir.n_workers - 1) / weir.n_workers;
	l4->lport_span = (top - id) / weir.n_workers - l4->lport_jmin + 1;
	l4->udp_held = rte_zmalloc_socket("weir_udp_held", sizeof(uint16_t) * L4_UDP_HELD_SLOTS, 0,
					  socket);
	if (l4->sched == NULL || l4->backends == NULL || l4->bstats == NULL ||
	    l4->lport_slot == NULL || l4->lport_cursor == NULL || l4->lport_used == NULL ||
	    l4->udp_held == NULL)
		goto nomem;
	for (i = 0; i < n_slots; i++) {
		/* This worker's ports p (p % n_workers == id), at p / n_workers. */
		size_t n = 65536 / weir.n_workers + 1;

		l4->lport_slot[i] =
			rte_malloc_socket("weir_lport_slot", n * sizeof(uint32_t), 0, socket);
		if (l4->lport_slot[i] == NULL)
			goto nomem;
		memset(l4->lport_slot[i], 0xff, n * sizeof(uint32_t)); /* WEIR_CONN_NONE */
	}
	for (i = 0; i < cfg->n_services; i++)
		l4_sched_init(l4, i);
	return 0;
nomem:
	snprintf(err, errlen,
		 "worker %u: cannot allocate the connection table of %u entries (config key "
		 "'conn_table_size') or its state: %s (give EAL more memory, -m)",
		 id, cfg->conn_table_size, rte_strerror(rte_errno));
	weir_l4_fini_worker(l4);
	return -1;
}

void
weir_l4_fini_worker(struct weir_l4_worker *l4)
{
	unsigned int i;

	weir_ct_free(l4->ct);
	if (l4->lport_slot != NULL)
		for (i = 0; i < weir_l4c.n_locals * 2; i++)
			rte_free(l4->lport_slot[i]);
	rte_free(l4->lport_slot);
	rte_free(l4->lport_cursor);
	rte_free(l4->lport_used);
	rte_free(l4->udp_held);
	rte_free(l4->bstats);
	rte_free(l4->backends);
	rte_free(l4->sched);
	memset(l4, 0, sizeof(*l4));
}
