/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_PIPELINE_H
#define WEIR_PIPELINE_H

/**
 * @file
 * The stages in order, for the packets a worker owns: the only caller of
 * the stages' per-packet entry points, and the one that acts on their
 * verdicts (app/core/verdict.h).
 */

#include <stdint.h>

#include <rte_mbuf.h>

#include "core/worker-t.h"
#include "weir_pkt.h"

/**
 * Which worker owns a parsed packet: the FullNAT local port for TCP/UDP to
 * a local IP (a backend's reply), the client address otherwise. A pure
 * function of the packet, so every worker computes the same owner.
 *
 * @param w
 *   The worker asking (its current snapshot holds the local addresses).
 * @param buf
 *   Frame.
 * @param p
 *   Parse result.
 * @return
 *   Owner index.
 */
unsigned int weir_owner(const struct weir_worker *w, const uint8_t *buf, const struct weir_pkt *p);

/**
 * Handle up to WEIR_BURST owned, parsed packets: every one is sent or
 * dropped (or kept by a stage) by the time this returns.
 *
 * @param w
 *   Worker.
 * @param m
 *   Packets.
 * @param p
 *   Their parse results.
 * @param n
 *   Count, at most WEIR_BURST.
 */
void weir_pipeline_burst(struct weir_worker *w, struct rte_mbuf **m, const struct weir_pkt *p,
			 unsigned int n);

/**
 * Start of a loop iteration: inbox, quiescent state, each stage's tables
 * and clock, aging.
 *
 * @param w
 *   Worker.
 * @return
 *   Connections expired (the iteration did work even without packets).
 */
unsigned int weir_pipeline_iteration(struct weir_worker *w);

/** A worker's (arg) connection in slot idx: the HTTP stage's timers' lookup. */
struct weir_conn *weir_core_conn(void *arg, uint32_t idx);

/** weir_hc_mac_fn for a worker (arg): backend b of service svc's next hop. */
int weir_core_backend_mac(void *arg, unsigned int svc, unsigned int b, uint8_t mac[6]);

/**
 * Control tick: the data path's handshake outcomes to health, health's
 * verdicts to L4 (app/core/health.c).
 */
void weir_core_health_tick(void);

#endif /* WEIR_PIPELINE_H */
