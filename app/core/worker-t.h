/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_WORKER_T_H
#define WEIR_WORKER_T_H

/**
 * @file
 * One poll-mode worker: everything it touches per packet, in one
 * cache-aligned struct per lcore. The core's own part (queues, TX buffers,
 * mailboxes, counters) and each stage's state, from the stages' types
 * headers.
 */

#include <stdint.h>

#include <rte_common.h>

#include "adm/adm-t.h"
#include "config/weir_config.h"
#include "health/health-t.h"
#include "http/http-t.h"
#include "core/counters.h"
#include "core/drop.h"
#include "core/weir.h"
#include "l4/l4-t.h"
#include "sp/sp-t.h"

struct rte_mbuf;
struct rte_ring;

/** The core's per-worker counters: X(name, table, label, unit, help) (app/core/counters.h). */
#define WEIR_CORE_COUNTERS(X)                                                                      \
	X(rx, "traffic", NULL, "packets", "packets received from ports")                           \
	X(tx, "traffic", NULL, "packets", "packets handed to ports")                               \
	X(steered_out, "traffic", NULL, "packets", "packets handed to their owner worker")         \
	X(steered_in, "traffic", NULL, "packets", "packets received from other workers")           \
	X(busy_cycles, NULL, NULL, "cycles",                                                       \
	  "TSC cycles of loop iterations that had packets or expired connections")                 \
	X(busy_pkts, NULL, NULL, "packets", "packets handled in those iterations")

/**
 * The core's per-worker counters. Only the owning worker writes them, with
 * plain stores; the control thread reads them with relaxed loads.
 */
struct weir_worker_stats {
	WEIR_CORE_COUNTERS(WEIR_CTR_FIELD)
	uint64_t drops[WEIR_DROP__MAX];
} __rte_cache_aligned;

/** TX buffer of one worker for one port. */
struct weir_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[WEIR_BURST * 2];
};

/** One poll-mode worker. */
struct weir_worker {
	unsigned int id;    /**< 0..n_workers-1, the owner index */
	unsigned int lcore; /**< lcore it runs on */
	struct weir_worker_stats stats;
	/** Steering rings: in[i] carries packets from worker i to this one. */
	struct rte_ring *steer_in[WEIR_MAX_WORKERS];
	/** Steering rings: out[j] carries packets from this worker to worker j. */
	struct rte_ring *steer_out[WEIR_MAX_WORKERS];
	struct rte_ring *inbox;	 /**< control -> worker (app/core/mailbox.h) */
	struct rte_ring *outbox; /**< worker -> control */
	uint64_t inbox_posted;	 /**< messages control posted to the inbox (control only) */
	uint64_t inbox_done;	 /**< messages the worker took from it (control reads it) */
	uint64_t now_tsc;	 /**< TSC at the start of this loop iteration */
	struct weir_txbuf tx[WEIR_MAX_PORTS];
	struct weir_l4_worker l4;
	struct weir_adm_worker adm;
	struct weir_sp_worker sp;
	struct weir_health_worker health;
	struct weir_http_worker http;
} __rte_cache_aligned;

#endif /* WEIR_WORKER_T_H */
