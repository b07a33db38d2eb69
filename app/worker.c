/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The poll-mode worker: RX burst -> parse -> owner check (software
 * steering) -> services and connection table, or the responder -> TX burst.
 * No locks, no allocation, no syscalls and no logging per packet.
 */
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "weir.h"

static inline void
count_drop(struct weir_worker *w, enum weir_pkt_drop why, struct rte_mbuf *m)
{
	w->stats.drops[why]++;
	rte_pktmbuf_free(m);
}

void
weir_worker_tx_flush(struct weir_worker *w, unsigned int pi)
{
	struct weir_txbuf *b = &w->tx[pi];
	uint16_t sent, i;

	if (b->n == 0)
		return;
	sent = rte_eth_tx_burst(weir.ports[pi].port_id, (uint16_t)w->id, b->pkts, b->n);
	w->stats.tx += sent;
	for (i = sent; i < b->n; i++)
		count_drop(w, WEIR_DROP_TX_FULL, b->pkts[i]);
	b->n = 0;
}

/*
 * Headers and answers need the frame in one segment. A chained mbuf (a
 * jumbo frame on a PMD that scatters) is refused before parsing, so it is
 * counted as what it is rather than as a truncated IP packet.
 */
static inline enum weir_pkt_drop
parse_mbuf(struct rte_mbuf *m, struct weir_pkt *p)
{
	if (unlikely(m->nb_segs > 1))
		return WEIR_DROP_MULTISEG;
	return weir_pkt_parse(rte_pktmbuf_mtod(m, uint8_t *), m->data_len, p);
}

void
weir_worker_respond(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p)
{
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	unsigned int pi = weir.port_index[m->port];
	const struct weir_port *port = &weir.ports[pi];
	enum weir_pkt_drop why;
	size_t out_len;

	if (weir_pkt_respond(buf, m->data_len, m->data_len + rte_pktmbuf_tailroom(m), p,
			     &weir.addrs, port->mac.addr_bytes, &out_len,
			     &why) != WEIR_VERDICT_TX) {
		count_drop(w, why, m);
		return;
	}
	m->data_len = (uint16_t)out_len;
	m->pkt_len = (uint32_t)out_len;
	m->ol_flags = 0;
	w->tx[pi].pkts[w->tx[pi].n++] = m;
	if (w->tx[pi].n == RTE_DIM(w->tx[pi].pkts))
		weir_worker_tx_flush(w, pi);
}

/*
 * Parse a burst; packets this worker owns are handled together (one bulk
 * connection lookup), the others go to their owner through the SPSC ring
 * between the two of us. The owner is a pure function of the packet, so
 * every worker agrees. steer is false for packets that came off a ring:
 * they are ours by construction.
 */
static void
rx_burst(struct weir_worker *w, struct rte_mbuf **pkts, uint16_t n, bool steer)
{
	struct rte_mbuf *out[WEIR_MAX_WORKERS][WEIR_BURST];
	uint16_t n_out[WEIR_MAX_WORKERS] = {0};
	struct rte_mbuf *mine[WEIR_BURST];
	struct weir_pkt p[WEIR_BURST];
	unsigned int nw = weir.n_workers, i, owner, n_mine = 0;
	enum weir_pkt_drop why;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		why = parse_mbuf(m, &p[n_mine]);
		/* Unparseable packets are dropped where they land: nobody owns them. */
		if (unlikely(why != WEIR_DROP_NONE)) {
			count_drop(w, why, m);
			continue;
		}
		owner = steer && nw > 1
				? weir_lb_owner(rte_pktmbuf_mtod(m, uint8_t *), &p[n_mine], nw)
				: w->id;
		if (owner == w->id)
			mine[n_mine++] = m;
		else
			out[owner][n_out[owner]++] = m;
	}
	if (n_mine > 0)
		weir_lb_handle_burst(w, mine, p, n_mine);
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
			count_drop(w, WEIR_DROP_STEER_FULL, out[owner][k]);
	}
}

int
weir_worker_loop(void *arg)
{
	struct weir_worker *w = arg;
	struct rte_mbuf *pkts[WEIR_BURST];
	unsigned int pi, i, idle = 0;
	uint16_t n;

	while (!weir.quit) {
		unsigned int got = 0, aged;

		aged = weir_lb_iteration(w);
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
			rx_burst(w, pkts, n, true);
		}
		for (i = 0; i < weir.n_workers; i++) {
			if (w->steer_in[i] == NULL)
				continue;
			n = (uint16_t)rte_ring_dequeue_burst(w->steer_in[i], (void **)pkts,
							     WEIR_BURST, NULL);
			if (n == 0)
				continue;
			got += n;
			w->stats.steered_in += n;
			rx_burst(w, pkts, n, false);
		}
		for (pi = 0; pi < weir.n_ports; pi++)
			weir_worker_tx_flush(w, pi);

		if (got > 0 || aged > 0) {
			/* Aging belongs to the packets' cost even when it runs in
			 * an iteration that received none. */
			w->lb.stats.busy_cycles += rte_get_tsc_cycles() - w->lb.now_tsc;
			w->lb.stats.busy_pkts += got;
			idle = 0;
		} else if (weir.cfg->idle_sleep_us != 0 && ++idle >= 64) {
			/* Optional back-off for shared CPUs (tests, demos); 0 keeps pure polling. */
			usleep(weir.cfg->idle_sleep_us);
		}
	}
	for (pi = 0; pi < weir.n_ports; pi++)
		weir_worker_tx_flush(w, pi);
	weir_lb_offline(w);
	return 0;
}
