/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The poll-mode worker: RX burst -> parse -> owner (software steering) ->
 * the stages (app/core/pipeline.c) -> TX burst. No locks, no allocation,
 * no syscalls and no logging per packet.
 */
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "core/clock.h"
#include "core/pipeline.h"
#include "core/rcu.h"
#include "core/tx.h"
#include "core/mailbox.h"
#include "core/worker.h"
#include "adm/adm.h"

void
weir_tx_flush(struct weir_worker *w, unsigned int pi)
{
	struct weir_txbuf *b = &w->tx[pi];
	uint16_t sent, i;

	if (b->n == 0)
		return;
	sent = rte_eth_tx_burst(weir.ports[pi].port_id, (uint16_t)w->id, b->pkts, b->n);
	w->stats.tx += sent;
	for (i = sent; i < b->n; i++)
		weir_drop(w, b->pkts[i], WEIR_DROP_TX_FULL);
	b->n = 0;
}

/*
 * Headers and answers need the frame in one segment. A chained mbuf (a
 * jumbo frame on a PMD that scatters) is refused before parsing, so it is
 * counted as what it is rather than as a truncated IP packet. Then the
 * sources (lib/pkt's martian filter): a frame from a group MAC or our own,
 * or from an address no peer can have, is refused where it landed, before
 * it has an owner or any stage sees it. Steered-in frames (check_src
 * false) passed it on the worker that received them.
 */
static inline unsigned int
parse_mbuf(struct rte_mbuf *m, struct weir_pkt *p, bool check_src)
{
	const uint8_t *buf = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned int why;

	if (unlikely(m->nb_segs > 1))
		return WEIR_PKT_DROP_MULTISEG;
	why = weir_pkt_parse(buf, m->data_len, p);
	if (why != WEIR_PKT_DROP_NONE || !check_src)
		return why;
	return weir_pkt_check_source(buf, p, &weir.addrs,
				     weir.ports[weir.port_index[m->port]].mac.addr_bytes);
}

void
weir_worker_rx(struct weir_worker *w, struct rte_mbuf **pkts, uint16_t n, bool steer)
{
	struct rte_mbuf *out[WEIR_MAX_WORKERS][WEIR_BURST];
	uint16_t n_out[WEIR_MAX_WORKERS] = {0};
	struct rte_mbuf *mine[WEIR_BURST];
	struct weir_pkt p[WEIR_BURST];
	unsigned int nw = weir.n_workers, i, owner, n_mine = 0, why;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		why = parse_mbuf(m, &p[n_mine], steer);
		/* Unparseable packets are dropped where they land: nobody owns them. */
		if (unlikely(why != WEIR_DROP_NONE)) {
			weir_drop(w, m, why);
			continue;
		}
		owner = steer && nw > 1 ? weir_owner(w, rte_pktmbuf_mtod(m, uint8_t *), &p[n_mine])
					: w->id;
		if (owner == w->id)
			mine[n_mine++] = m;
		else
			out[owner][n_out[owner]++] = m;
	}
	if (n_mine > 0)
		weir_pipeline_burst(w, mine, p, n_mine);
	if (!steer || nw == 1)
		return;
	for (owner = 0; owner < nw; owner++) {
		unsigned int done, k;

		if (n_out[owner] == 0)
			continue;
		done = rte_ring_enqueue_burst(w->steer_out[owner], (void **)out[owner],
					      n_out[owner], NULL);
		w->stats.steered_out += done;
		for (k = done; k < n_out[owner]; k++)
			weir_drop(w, out[owner][k], WEIR_DROP_STEER_FULL);
	}
}

/* One loop iteration: packets received plus connections expired (0: idle). */
static unsigned int
worker_iteration(struct weir_worker *w)
{
	struct rte_mbuf *pkts[WEIR_BURST];
	unsigned int pi, i, got = 0, aged;
	uint16_t n;

	aged = weir_pipeline_iteration(w);
	for (pi = 0; pi < weir.n_ports; pi++) {
		const struct weir_port *port = &weir.ports[pi];

		if (w->id >= port->n_rxq)
			continue;
		n = rte_eth_rx_burst(port->port_id, (uint16_t)w->id, pkts, WEIR_BURST);
		if (n == 0)
			continue;
		got += n;
		w->stats.rx += n;
		/* Even with RSS the owner is computed: a FullNAT reply is owned
		 * by its local port, which no NIC hash knows about. */
		weir_worker_rx(w, pkts, n, true);
	}
	for (i = 0; i < weir.n_workers; i++) {
		if (w->steer_in[i] == NULL)
			continue;
		n = (uint16_t)rte_ring_dequeue_burst(w->steer_in[i], (void **)pkts, WEIR_BURST,
						     NULL);
		if (n == 0)
			continue;
		got += n;
		w->stats.steered_in += n;
		weir_worker_rx(w, pkts, n, false);
	}
	for (pi = 0; pi < weir.n_ports; pi++)
		weir_tx_flush(w, pi);
	if (got > 0 || aged > 0) {
		/* Aging belongs to the packets' cost even when it runs in an
		 * iteration that received none. */
		w->stats.busy_cycles += weir_clock_tsc() - w->now_tsc;
		w->stats.busy_pkts += got;
	}
	return got + aged;
}

int
weir_worker_loop(void *arg)
{
	struct weir_worker *w = arg;
	unsigned int pi, idle = 0;

	weir_rcu_online(w->id);
	while (!weir.quit) {
		if (worker_iteration(w) > 0)
			idle = 0;
		else if (weir.cfg->idle_sleep_us != 0 && ++idle >= 64)
			/* Optional back-off for shared CPUs (tests, demos); 0 keeps pure polling.
			 */
			usleep(weir.cfg->idle_sleep_us);
	}
	for (pi = 0; pi < weir.n_ports; pi++)
		weir_tx_flush(w, pi);
	weir_rcu_offline(w->id);
	return 0;
}

void
weir_worker_gate_ban(struct weir_http_worker *hw, const uint8_t *addr, uint8_t family)
{
	struct weir_worker *w = container_of(hw, struct weir_worker, http);

	weir_adm_gate_ban(&w->adm, addr, family);
}

int
weir_worker_post(struct weir_http_worker *hw, uint16_t type, const void *payload, size_t len)
{
	struct weir_worker *w = container_of(hw, struct weir_worker, http);

	return weir_mailbox_post(w->outbox, type, payload, len);
}
