/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_WORKER_H
#define WEIR_WORKER_H

/**
 * @file
 * The worker loop and the workers' set-up.
 */

#include <stdbool.h>
#include <stdint.h>

#include "core/worker-t.h"

/**
 * Worker main loop, launched on each worker lcore: online for RCU while it
 * runs, iterations until weir.quit, then its TX buffers flushed.
 *
 * @param arg
 *   The struct weir_worker of this lcore.
 * @return
 *   0 when the daemon stops.
 */
int weir_worker_loop(void *arg);

/**
 * The HTTP stage's gate found a source failing authentication past
 * gate.bad_auth: the admission stage reports its ban (stages reach each
 * other through the core only).
 * @param hw
 *   The worker's HTTP state (inside its struct weir_worker).
 * @param addr
 *   The source (16 bytes, IPv4 in the first 4).
 * @param family
 *   4 or 6.
 */
void weir_worker_gate_ban(struct weir_http_worker *hw, const uint8_t *addr, uint8_t family);

/**
 * The HTTP stage posts a message to control (its worker's outbox).
 * @return
 *   0, or -ENOBUFS (outbox full: dropped).
 */
int weir_worker_post(struct weir_http_worker *hw, uint16_t type, const void *payload, size_t len);

/**
 * Parse a burst; the packets this worker owns go through the stages
 * together (one bulk connection lookup), the others to their owner through
 * the SPSC ring between the two. The owner is a pure function of the
 * packet, so every worker agrees.
 *
 * @param w
 *   Worker.
 * @param pkts
 *   Packets.
 * @param n
 *   Count, at most WEIR_BURST.
 * @param steer
 *   false for packets that came off a ring: ours by construction.
 */
void weir_worker_rx(struct weir_worker *w, struct rte_mbuf **pkts, uint16_t n, bool steer);

/**
 * Start-up: one struct weir_worker per worker lcore on its socket, the
 * steering rings and the mailboxes; then each stage's per-worker state.
 *
 * @return
 *   0, or a negative exit code with err filled.
 */
int weir_workers_init(char *err, size_t errlen);

/** Undo weir_workers_init(): packets still in rings are freed. */
void weir_workers_fini(void);

/** Start-up: each stage's state in every worker (after the stages' own init). */
int weir_workers_stages_init(char *err, size_t errlen);

/** Undo weir_workers_stages_init(). */
void weir_workers_stages_fini(void);

#endif /* WEIR_WORKER_H */
