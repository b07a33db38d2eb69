/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mailboxes between control and the workers (app/core/mailbox.h) and the
 * one table of what each message type does on arrival.
 */
#include <assert.h>

#include <rte_errno.h>
#include <rte_mbuf.h>

#include "adm/adm.h"
#include "core/mailbox.h"
#include "core/rcu.h"
#include "core/tx.h"
#include "health/health.h"
#include "http/http.h"
#include "l4/l4.h"

static_assert(sizeof(struct weir_msg) == 64, "a message is one cache line");
static_assert(WEIR_MAILBOX_MAX_WORKERS == WEIR_MAX_WORKERS, "a barrier covers every worker");

/* ---- what a message does where it arrives ---- */

static void
on_tx_frame(struct weir_worker *w, const void *d)
{
	struct rte_mbuf *m;

	memcpy(&m, d, sizeof(m));
	weir_tx(w, weir.port_index[m->port], m);
}

static void
on_unban(struct weir_worker *w, const void *d)
{
	weir_adm_unban(&w->adm, d);
}

static void
on_top_copy(struct weir_worker *w, const void *d)
{
	weir_adm_top_copy(&w->adm, d);
}

static void
on_topkeys_copy(struct weir_worker *w, const void *d)
{
	weir_http_top_copy(&w->http, d);
}

static void
on_probe_now(struct weir_worker *w, const void *d)
{
	weir_hc_probe_now(&w->health, d);
}

static void
on_probe_setup(struct weir_worker *w, const void *d)
{
	weir_hc_probe_setup(&w->health, d);
}

static void (*const at_worker[WEIR_MSG__MAX])(struct weir_worker *w, const void *d) = {
	[WEIR_MSG_TX_FRAME] = on_tx_frame,	 [WEIR_MSG_UNBAN] = on_unban,
	[WEIR_MSG_TOP_COPY] = on_top_copy,	 [WEIR_MSG_PROBE_NOW] = on_probe_now,
	[WEIR_MSG_PROBE_SETUP] = on_probe_setup, [WEIR_MSG_TOPKEYS_COPY] = on_topkeys_copy,
};

static void (*const at_control[WEIR_MSG__MAX])(const void *d) = {
	[WEIR_MSG_NEIGH] = weir_l4_neigh_learned,
	[WEIR_MSG_BAN_REPORT] = weir_adm_ban_reported,
	[WEIR_MSG_GATE_BAN] = weir_http_gate_ban_reported,
	[WEIR_MSG_PROBE_RESULT] = weir_hc_result,
};

/* ---- mailboxes ---- */

struct rte_ring *
weir_mailbox_create(const char *name, int socket)
{
	return rte_ring_create_elem(name, sizeof(struct weir_msg), WEIR_MAILBOX_SIZE, socket,
				    RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
}

void
weir_mailbox_free(struct rte_ring *mb)
{
	struct weir_msg m;

	if (mb == NULL)
		return;
	while (rte_ring_dequeue_elem(mb, &m, sizeof(m)) == 0)
		if (m.type == WEIR_MSG_TX_FRAME) {
			struct rte_mbuf *f;

			memcpy(&f, m.data, sizeof(f));
			rte_pktmbuf_free(f);
		}
	rte_ring_free(mb);
}

int
weir_control_post(unsigned int w, uint16_t type, const void *payload, size_t len)
{
	if (weir_mailbox_post(weir.workers[w]->inbox, type, payload, len) != 0)
		return -ENOBUFS;
	weir.workers[w]->inbox_posted++;
	return 0;
}

unsigned int
weir_control_room(unsigned int w)
{
	return weir_mailbox_room(weir.workers[w]->inbox);
}

int
weir_control_post_all(uint16_t type, const void *payload, size_t len)
{
	unsigned int i;

	/* Control is the only producer: room seen now is still there below. */
	for (i = 0; i < weir.n_workers; i++)
		if (weir_control_room(i) == 0)
			return -ENOBUFS;
	for (i = 0; i < weir.n_workers; i++)
		weir_control_post(i, type, payload, len);
	return 0;
}

/* Frames waiting in worker 0's inbox at most: the packet pool's slack
 * (app/core/main.c, pool_need()) covers them. */
#define TX_FRAMES_MAX 64

int
weir_control_tx(struct rte_mbuf *m)
{
	if (weir_control_room(0) + TX_FRAMES_MAX <= WEIR_MAILBOX_SIZE)
		return -ENOBUFS;
	return weir_control_post(0, WEIR_MSG_TX_FRAME, &m, sizeof(m));
}

void
weir_control_drain(void)
{
	struct weir_msg m[32];
	unsigned int i, n, k;

	for (i = 0; i < weir.n_workers; i++)
		do {
			n = rte_ring_dequeue_burst_elem(weir.workers[i]->outbox, m, sizeof(m[0]),
							RTE_DIM(m), NULL);
			for (k = 0; k < n; k++)
				if (m[k].type < WEIR_MSG__MAX && at_control[m[k].type] != NULL)
					at_control[m[k].type](m[k].data);
		} while (n == RTE_DIM(m));
}

void
weir_worker_drain(struct weir_worker *w)
{
	struct weir_msg m[8];
	unsigned int n, k, done = 0;

	/* Bounded: the inbox holds WEIR_MAILBOX_SIZE messages at most. */
	do {
		n = rte_ring_dequeue_burst_elem(w->inbox, m, sizeof(m[0]), RTE_DIM(m), NULL);
		for (k = 0; k < n; k++)
			if (m[k].type < WEIR_MSG__MAX && at_worker[m[k].type] != NULL)
				at_worker[m[k].type](w, m[k].data);
		done += n;
	} while (n == RTE_DIM(m) && done < WEIR_MAILBOX_SIZE);
	if (done != 0)
		__atomic_store_n(&w->inbox_done, w->inbox_done + done, __ATOMIC_RELEASE);
}

void
weir_barrier_now(struct weir_barrier *b)
{
	unsigned int i;

	b->rcu = weir_rcu_start();
	for (i = 0; i < weir.n_workers; i++)
		b->posted[i] = weir.workers[i]->inbox_posted;
}

int
weir_barrier_passed(const struct weir_barrier *b)
{
	unsigned int i;

	for (i = 0; i < weir.n_workers; i++)
		if (__atomic_load_n(&weir.workers[i]->inbox_done, __ATOMIC_ACQUIRE) < b->posted[i])
			return 0;
	return weir_rcu_passed(b->rcu);
}
