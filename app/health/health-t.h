/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_HEALTH_T_H
#define WEIR_HEALTH_T_H

/**
 * @file
 * Types of the health stage (app/health/health.h): its per-worker state,
 * embedded in struct weir_worker, and its counters.
 */

#include <stdint.h>

#include "core/counters.h"

struct rte_mbuf;
struct rte_ring;
struct weir_hprobe;

/** Per-worker health counters: X(name, table, label, unit, help) (app/core/counters.h). */
#define WEIR_HEALTH_COUNTERS(X)                                                                    \
	X(probes_started, NULL, NULL, "probes", "health probes this worker started")               \
	X(probe_segments, NULL, NULL, "packets", "probe segments sent (SYN, request, ACK, RST)")   \
	X(probe_replies, NULL, NULL, "packets", "segments from backends taken by a probe")         \
	X(probe_stray, NULL, NULL, "packets",                                                      \
	  "segments to a probe port that no probe of this worker was waiting for (freed)")         \
	X(probe_no_mac, NULL, NULL, "probes",                                                      \
	  "probes not sent: the backend's MAC is not resolved (reported as failed)")               \
	X(probe_no_mbuf, NULL, NULL, "packets", "probe segments not sent for want of an mbuf")     \
	X(probe_results_lost, NULL, NULL, "messages",                                              \
	  "probe results lost: the outbox to control was full (the next probe reports again)")

/** Per-worker health counters (written by the owner only). */
struct weir_health_stats {
	WEIR_HEALTH_COUNTERS(WEIR_CTR_FIELD)
};

/** Most frames one call may queue for sending (weir_hc_poll(), _input()). */
#define WEIR_HEALTH_OUT_MAX 16

/** Per-worker health state: the probes this worker owns. */
struct weir_health_worker {
	unsigned int n;	       /**< probes owned */
	unsigned int cap;      /**< room in p: every probe port the worker owns */
	unsigned int id;       /**< the worker's index */
	struct weir_hprobe *p; /**< n probes */
	int16_t *by_port;      /**< WEIR_PROBE_PORTS: port - WEIR_PROBE_PORT_MIN -> index, or -1 */
	struct rte_ring *outbox; /**< to control (results) */
	uint64_t next_ms;	 /**< when a probe next needs attention */
	unsigned int n_out;	 /**< frames queued for the core to send */
	struct rte_mbuf *out[WEIR_HEALTH_OUT_MAX];
	uint8_t out_port[WEIR_HEALTH_OUT_MAX]; /**< port index of each */
	struct weir_health_stats stats;
};

#endif /* WEIR_HEALTH_T_H */
