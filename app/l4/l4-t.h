/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_L4_T_H
#define WEIR_L4_T_H

/**
 * @file
 * Types of the L4 stage (app/l4/l4.h): its per-worker state, embedded in
 * struct weir_worker, its counters and its snapshot, for the inline fast
 * path and the core's counter tables.
 */

#include <stdint.h>

#include <rte_common.h>

#include "config/weir_config.h"
#include "core/counters.h"
#include "weir_lb.h"

struct weir_conntrack;
struct rte_ring;

/** Per-worker L4 counters: X(name, table, label, unit, help) (app/core/counters.h). */
#define WEIR_L4_COUNTERS(X)                                                                        \
	X(conn_new, "l4", NULL, "connections", "connections created")                              \
	X(conn_expired, "l4", NULL, "connections", "connections removed by the idle timer")        \
	X(conn_reused, "l4", NULL, "connections",                                                  \
	  "closed connections replaced by a new SYN on their 5-tuple")                             \
	X(to_backend, "l4", NULL, "packets",                                                       \
	  "client packets sent on to a backend (as they came, or as the SYN proxy's segments)")    \
	X(to_client, "l4", NULL, "packets", "packets forwarded backend -> client")                 \
	X(stateless, NULL, NULL, "packets", "DSR packets forwarded without an entry")              \
	X(blind_acks, NULL, NULL, "packets",                                                       \
	  "client ACKs in a handshake that did not acknowledge the backend's SYN-ACK (forwarded; " \
	  "the connection stays half-open)")                                                       \
	X(no_backend_rst, NULL, NULL, "packets",                                                   \
	  "SYNs answered with an RST because no backend of the service serves (no_backend: rst)")  \
	X(neigh_learned, NULL, NULL, "messages", "ARP/ND observations passed to control")          \
	X(neigh_ignored, NULL, NULL, "packets",                                                    \
	  "ARP/ND packets not learned from: neither an answer to weir nor a request for its "      \
	  "address, a group or zero MAC, or an ND hop limit under 255")                            \
	X(neigh_lost, NULL, NULL, "messages",                                                      \
	  "ARP/ND observations lost: the outbox to control was full (they come again)")

/** Per-worker L4 counters (written by the owner only). */
struct weir_l4_stats {
	WEIR_L4_COUNTERS(WEIR_CTR_FIELD)
};

/** Per-worker counters of each service's backends. */
#define WEIR_L4_BACKEND_COUNTERS(X)                                                                \
	X(conns_total, NULL, NULL, "connections", "connections opened to the backend")             \
	X(handshake_failures, NULL, NULL, "connections",                                           \
	  "handshakes the backend refused (RST) or left unanswered")                               \
	X(handshakes_ok, NULL, NULL, "connections", "handshakes the backend completed (SYN-ACK)")

/** One backend's counters in one worker. */
struct weir_l4_backend_stats {
	WEIR_L4_BACKEND_COUNTERS(WEIR_CTR_FIELD)
	/** Handshakes failed since the last that succeeded (passive health). */
	uint64_t fail_run;
};

/** @name Kinds of keyed-table entries. */
/** @{ */
#define WEIR_SVCMAP_SERVICE 1 /**< VIP, port, protocol -> service index */
#define WEIR_SVCMAP_LOCAL 2   /**< local (SNAT) address -> local index */
/** @} */

/** An entry of the keyed table of services and local addresses. */
struct weir_svcmap_slot {
	uint8_t kind; /**< 0: free, WEIR_SVCMAP_* */
	uint8_t family;
	uint8_t proto; /**< services: 6 or 17; locals: 0 */
	uint8_t index; /**< service or local index */
	uint16_t port; /**< services: host order; locals: 0 */
	uint16_t pad;
	uint8_t addr[16];
};

/** Services and local addresses by key: open addressing, linear probing. */
struct weir_svcmap {
	uint32_t mask;
	uint32_t n;
	struct weir_svcmap_slot slot[];
};

/** What the data path needs of one service for one snapshot. */
struct weir_l4_svc_snap {
	struct weir_maglev *table;	    /**< for scheduler maglev (and DSR) */
	uint32_t weight[WEIR_MAX_BACKENDS]; /**< effective: 0 if disabled */
	uint8_t mac[WEIR_MAX_BACKENDS][6];  /**< next hop of each backend */
	uint8_t mac_ok[WEIR_MAX_BACKENDS];  /**< 1 if mac is resolved */
	uint8_t serving[WEIR_MAX_BACKENDS]; /**< 0: out of service (health), weight 0 */
	uint32_t n_backends;		    /**< the pool's, when this snapshot was built */
	uint8_t table_owned;		    /**< this snapshot frees table */
};

/** An immutable snapshot of everything control decides for the workers. */
struct weir_l4_snap {
	uint64_t version;
	const struct weir_svcmap *map; /**< services and local addresses */
	uint8_t map_owned;	       /**< this snapshot frees map */
	unsigned int n_services;
	struct weir_l4_svc_snap svc[];
};

/** Per-worker L4 state. */
struct weir_l4_worker {
	struct weir_conntrack *ct;
	const struct weir_l4_snap *snap;      /**< current for this loop iteration */
	uint64_t version;		      /**< snapshot the scheduler state follows */
	struct weir_sched *sched;	      /**< one per service */
	struct weir_lb_backend *backends;     /**< n_services x WEIR_MAX_BACKENDS */
	struct weir_l4_backend_stats *bstats; /**< n_services x WEIR_MAX_BACKENDS */
	uint32_t **lport_slot;		      /**< per local IP x proto: port / n_workers ->
					       *   connection slot or WEIR_CONN_NONE */
	uint32_t *lport_cursor;		      /**< per local IP x proto: next j - lport_jmin */
	uint32_t *lport_used;		      /**< per local IP x proto: ports held */
	uint32_t lport_jmin, lport_span;      /**< this worker's ports: j in [jmin, jmin + span) */
	uint16_t *udp_held;		      /**< FullNAT UDP ports held, per hash of the source */
	uint8_t short_s[WEIR_MAX_SERVICES];   /**< per service: weir_l4_pressure() this second */
	struct rte_ring *outbox;	      /**< to control (ARP/ND observations) */
	unsigned int id;		      /**< worker index: the local ports it owns */
	uint32_t now;			      /**< current tick (s) */
	unsigned int n_sched;		      /**< services whose scheduler is set up */
	uint64_t now_tsc;
	struct weir_l4_stats stats;
};

#endif /* WEIR_L4_T_H */
