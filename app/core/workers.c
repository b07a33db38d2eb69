/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Setting the workers up: their structs on their lcores' sockets, the
 * steering rings between every ordered pair, the mailboxes, and each
 * stage's per-worker state.
 */
#include <stdio.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "adm/adm.h"
#include "core/mailbox.h"
#include "core/pipeline.h"
#include "core/worker.h"
#include "health/health.h"
#include "http/http.h"
#include "l4/l4.h"
#include "sp/sp.h"

#define EXIT_RUNTIME 1

void
weir_workers_fini(void)
{
	unsigned int i, j;

	for (i = 0; i < weir.n_workers; i++) {
		struct weir_worker *w = weir.workers[i];

		if (w == NULL)
			continue;
		for (j = 0; j < weir.n_workers; j++) {
			struct rte_mbuf *m;

			/* Packets still on their way to another worker. */
			while (w->steer_out[j] != NULL &&
			       rte_ring_dequeue(w->steer_out[j], (void **)&m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(w->steer_out[j]);
		}
		weir_mailbox_free(w->inbox);
		weir_mailbox_free(w->outbox);
		rte_free(w);
		weir.workers[i] = NULL;
	}
}

int
weir_workers_init(char *err, size_t errlen)
{
	unsigned int i, j;
	char name[64]; /* ids < WEIR_MAX_WORKERS: fits RTE_RING_NAMESIZE */

	for (i = 0; i < weir.n_workers; i++) {
		unsigned int lcore = weir.cfg->workers[i];
		int socket = (int)rte_lcore_to_socket_id(lcore);
		struct weir_worker *w;

		w = rte_zmalloc_socket("weir_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
		if (w == NULL)
			goto nomem;
		weir.workers[i] = w;
		w->id = i;
		w->lcore = lcore;
		snprintf(name, sizeof(name), "weir_in_%u", i);
		w->inbox = weir_mailbox_create(name, socket);
		snprintf(name, sizeof(name), "weir_out_%u", i);
		w->outbox = weir_mailbox_create(name, socket);
		if (w->inbox == NULL || w->outbox == NULL)
			goto nomem;
	}
	if (weir.n_workers == 1)
		return 0;
	for (i = 0; i < weir.n_workers; i++)
		for (j = 0; j < weir.n_workers; j++) {
			struct rte_ring *r;

			if (i == j)
				continue;
			snprintf(name, sizeof(name), "weir_steer_%u_%u", i, j);
			r = rte_ring_create(name, WEIR_STEER_RING_SIZE,
					    (int)rte_lcore_to_socket_id(weir.workers[j]->lcore),
					    RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (r == NULL)
				goto nomem;
			weir.workers[i]->steer_out[j] = r;
			weir.workers[j]->steer_in[i] = r;
		}
	return 0;
nomem:
	snprintf(err, errlen, "cannot allocate worker state: %s", rte_strerror(rte_errno));
	weir_workers_fini();
	return -EXIT_RUNTIME;
}

void
weir_workers_stages_fini(void)
{
	unsigned int i;

	for (i = 0; i < weir.n_workers; i++) {
		struct weir_worker *w = weir.workers[i];

		if (w == NULL)
			continue;
		weir_hc_fini_worker(&w->health);
		weir_http_fini_worker(&w->http);
		weir_sp_fini_worker(&w->sp);
		weir_adm_fini_worker(&w->adm);
		weir_l4_fini_worker(&w->l4);
	}
}

int
weir_workers_stages_init(char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; i < weir.n_workers; i++) {
		struct weir_worker *w = weir.workers[i];
		int socket = (int)rte_lcore_to_socket_id(w->lcore);

		if (weir_l4_init_worker(&w->l4, i, socket, w->outbox, err, errlen) != 0 ||
		    weir_adm_init_worker(&w->adm, i, socket, w->outbox, err, errlen) != 0)
			goto fail;
		if (weir_sp_init_worker(&w->sp, socket,
					w->l4.ct != NULL ? weir_ct_capacity(w->l4.ct) : 0) != 0) {
			snprintf(err, errlen, "worker %u: cannot allocate its SYN proxy state: %s",
				 i, rte_strerror(rte_errno));
			goto fail;
		}
		if (weir_http_init_worker(&w->http, i, socket,
					  w->l4.ct != NULL ? weir_ct_capacity(w->l4.ct) : 0,
					  weir_core_conn, w) != 0) {
			snprintf(err, errlen, "worker %u: cannot allocate its HTTP state: %s", i,
				 rte_strerror(rte_errno));
			goto fail;
		}
		if (weir_hc_init_worker(&w->health, i, socket, w->outbox, err, errlen) != 0)
			goto fail;
	}
	return 0;
fail:
	weir_workers_stages_fini();
	return -EXIT_RUNTIME;
}
