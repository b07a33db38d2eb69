/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_TX_H
#define WEIR_TX_H

/**
 * @file
 * The one way out of a worker: weir_tx() buffers a packet for a port,
 * weir_drop() counts a drop under its reason and frees the packet. Every
 * packet a worker received ends in exactly one of them.
 */

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "core/worker-t.h"

/**
 * Send a worker's buffered packets for one port; what the queue does not
 * take is dropped as tx_full.
 *
 * @param w
 *   Worker.
 * @param pi
 *   Port index.
 */
void weir_tx_flush(struct weir_worker *w, unsigned int pi);

/** Drop m, counted under why (enum weir_drop). */
static inline void
weir_drop(struct weir_worker *w, struct rte_mbuf *m, unsigned int why)
{
	w->stats.drops[why]++;
	rte_pktmbuf_free(m);
}

/** Send m out of port index pi (buffered; a full buffer is flushed at once). */
static inline void
weir_tx(struct weir_worker *w, unsigned int pi, struct rte_mbuf *m)
{
	struct weir_txbuf *b = &w->tx[pi];

	b->pkts[b->n++] = m;
	if (unlikely(b->n == RTE_DIM(b->pkts)))
		weir_tx_flush(w, pi);
}

#endif /* WEIR_TX_H */
