/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_SP_T_H
#define WEIR_SP_T_H

/**
 * @file
 * Types of the SYN proxy stage (app/sp/sp.h): its per-worker state,
 * embedded in struct weir_worker, and its counters.
 */

#include <stdint.h>

#include <rte_common.h>

#include "core/counters.h"
#include "weir_pkt.h"
#include "weir_tcp_splice.h"

struct rte_mbuf;

/**
 * Client segments a worker holds at most at once, one per connection at most:
 * data (or a FIN) that arrives while weir's handshake with the backend runs,
 * sent right after weir's ACK to the backend (see weir_sp_from_client()).
 * A connection holds its segment for one backend round trip (longer only if
 * the backend does not answer), so 1024 covers a million cookie connections
 * per second and worker with a 1 ms backend RTT; past it, early segments are
 * dropped as before (synproxy_pending) and the client retransmits them. The
 * packet pool is sized with this many mbufs more per worker.
 */
#define WEIR_SP_HOLD_MAX 1024u

/** Splice state of one connection slot: one cache line. */
struct weir_sp_slot {
	struct weir_tcp_splice s;
	uint32_t held; /**< 1 + index in weir_sp_worker.hold[] of its held segment, or 0 */
} __rte_aligned(64);

/** A held client segment and its parse result. */
struct weir_sp_held {
	struct rte_mbuf *m; /**< NULL when the entry is free */
	struct weir_pkt p;
};

/** Per-worker SYN proxy counters: X(name, table, label, unit, help) (app/core/counters.h). */
#define WEIR_SP_COUNTERS(X)                                                                        \
	X(syn_cookies_sent, "synproxy", NULL, "segments", "SYN-ACKs with a cookie")                \
	X(syn_cookies_pressure, "synproxy", "pressure", "segments",                                \
	  "of those, because the worker ran short of local ports or connection entries")           \
	X(syn_cookies_ok, "synproxy", NULL, "segments", "ACKs with a valid cookie")                \
	X(syn_cookies_bad, "synproxy", NULL, "segments",                                           \
	  "ACKs without a connection and with a bad cookie")                                       \
	X(syn_early_held, "synproxy", "early_held", "segments",                                    \
	  "client segments held during a backend handshake")                                       \
	X(syn_early_sent, "synproxy", "early_sent", "segments",                                    \
	  "of those, sent on after weir's ACK to the backend")                                     \
	X(syn_early_freed, "synproxy", "early_freed", "segments",                                  \
	  "of those, freed unsent (the connection went away)")                                     \
	X(syn_early_full, "synproxy", "early_full", "segments",                                    \
	  "segments not held because the hold pool was full (dropped)")

/** Per-worker SYN proxy counters (written by the owner only). */
struct weir_sp_stats {
	WEIR_SP_COUNTERS(WEIR_CTR_FIELD)
};

/** Per-worker SYN proxy state. */
struct weir_sp_worker {
	struct weir_sp_slot *slot; /**< per connection slot; NULL without synproxy services */
	uint32_t *syn_sec;	   /**< per service: the second syn_count counts in */
	uint32_t *syn_count;	   /**< per service: SYNs seen in it (saturates at syn_rate + 1) */
	uint32_t *cookie_sec;	   /**< per service: the second of the last cookie sent */
	struct weir_sp_held *hold; /**< WEIR_SP_HOLD_MAX held segments */
	uint32_t *hold_free;	   /**< indices of the free entries of hold[], a stack */
	uint32_t n_hold_free;	   /**< entries on that stack */
	uint32_t now;		   /**< current second (tick) */
	uint64_t now_tsc;
	struct weir_sp_stats stats;
};

/** A client's ACK with a valid cookie, from weir_sp_ack() to weir_sp_open(). */
struct weir_sp_accept {
	struct weir_tcp_splice s;
	struct weir_tcp_emit syn; /**< the SYN for the backend */
};

#endif /* WEIR_SP_T_H */
