/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_LB4_H
#define WEIR_LB4_H

/**
 * @file
 * L4 load balancing in the daemon: services, per-worker connection tables,
 * FullNAT and DSR (IP-in-IP) forwarding, backend state changes published by
 * RCU, and neighbour resolution for backends.
 *
 * Split of work:
 *  - control thread: owns the admin view of pools (weights, enabled), the
 *    neighbour cache, and builds immutable snapshots (Maglev table, effective
 *    weights and next-hop MAC per backend, per service); publishes them by
 *    pointer swap and frees the old one after an rte_rcu_qsbr grace period.
 *  - workers: read the current snapshot, own their connection table, local
 *    port bitmaps and scheduler state; never write anything shared.
 */

#include <stdint.h>

#include <jansson.h>
#include <rte_mbuf.h>

#include "admit.h"
#include "conntrack.h"
#include "srctab.h"
#include "synproxy.h"
#include "weir_config.h"
#include "weir_lb.h"
#include "weir_pkt.h"

struct weir_worker;

/** What the data path needs of one service for one snapshot. */
struct weir_lb_svc_snap {
	struct weir_maglev *table;              /**< for scheduler maglev */
	uint32_t weight[WEIR_MAX_BACKENDS];     /**< effective: 0 if disabled */
	uint8_t mac[WEIR_MAX_BACKENDS][6];      /**< next hop of each backend */
	uint8_t mac_ok[WEIR_MAX_BACKENDS];      /**< 1 if mac is resolved */
	uint8_t table_owned;                    /**< this snapshot frees table */
};

/** An immutable snapshot of everything control decides for the workers. */
struct weir_lb_snap {
	uint64_t version;
	unsigned int n_services;
	struct weir_lb_svc_snap svc[];
};

/** Per-worker L4 counters (written by the owner only). */
struct weir_lb_stats {
	uint64_t conn_new;       /**< connections created */
	uint64_t conn_expired;   /**< connections removed by the idle timer */
	uint64_t conn_reused;    /**< closed connections replaced by a new SYN on their 5-tuple */
	uint64_t to_backend;     /**< packets forwarded client -> backend */
	uint64_t to_client;      /**< packets forwarded backend -> client */
	uint64_t stateless;      /**< DSR packets forwarded without an entry (table full/miss) */
	uint64_t neigh_learned;  /**< ARP/ND observations passed to control */
	uint64_t busy_cycles;    /**< TSC cycles spent on iterations that had packets */
	uint64_t busy_pkts;      /**< packets handled in those iterations */
};

/** Per-worker L4 state. */
struct weir_lb_worker {
	struct weir_conntrack *ct;
	uint64_t version;                  /**< snapshot the sched state follows */
	const struct weir_lb_snap *snap;   /**< current for this loop iteration */
	struct weir_sched *sched;          /**< one per service */
	struct weir_lb_backend *backends;  /**< n_services x WEIR_MAX_BACKENDS */
	uint64_t *backend_new;             /**< new connections per service x backend */
	uint64_t *backend_fail;            /**< failed handshakes per service x backend */
	uint32_t **lport_slot;             /**< per local IP x proto: port / n_workers ->
					    *   connection slot or WEIR_CONN_NONE */
	uint32_t *lport_cursor;            /**< per local IP x proto: next j - lport_jmin */
	uint32_t *lport_used;              /**< per local IP x proto: ports held */
	uint32_t lport_jmin, lport_span;   /**< this worker's ports: j in [jmin, jmin + span) */
	struct rte_ring *neigh;            /**< observations and requests to control */
	struct rte_ring *ctl_tx;           /**< worker 0 only: frames control wants sent */
	uint32_t now;                      /**< current tick (s) */
	uint64_t now_tsc;
	struct weir_lb_stats stats;
	struct weir_adm_worker adm;        /**< admission (app/admit.h) */
	struct weir_sp_worker sp;          /**< SYN proxy state (app/synproxy.c) */
};

/**
 * Set up L4 state: control-side pools and neighbours, the first snapshot,
 * RCU, and each worker's connection table and rings. Called after the
 * workers and ports exist.
 *
 * @param err
 *   Receives the reason on failure.
 * @param errlen
 *   Size of err.
 * @return
 *   0 or a negative exit code.
 */
int weir_lb_init(char *err, size_t errlen);

/** Undo weir_lb_init(). */
void weir_lb_fini(void);

/**
 * Worker: start of a loop iteration: quiescent state, snapshot refresh,
 * clock, aging.
 *
 * @param w
 *   Worker.
 * @return
 *   Connections expired (the iteration did work even without packets).
 */
unsigned int weir_lb_iteration(struct weir_worker *w);

/**
 * Worker: going offline for RCU (leaving the loop).
 *
 * @param w
 *   Worker.
 */
void weir_lb_offline(struct weir_worker *w);

/**
 * Which worker owns a parsed packet: the FullNAT local port for TCP/UDP to
 * a local IP (a backend's reply), the client address otherwise.
 *
 * @param buf
 *   Frame.
 * @param p
 *   Parse result.
 * @param n_workers
 *   Worker count.
 * @return
 *   Owner index.
 */
unsigned int weir_lb_owner(const uint8_t *buf, const struct weir_pkt *p, unsigned int n_workers);

/**
 * Worker: handle up to WEIR_BURST owned, parsed packets: L4 ones through
 * services and connection tables, the rest through the responder.
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
void weir_lb_handle_burst(struct weir_worker *w, struct rte_mbuf **m, const struct weir_pkt *p,
			  unsigned int n);

/**
 * Worker: answer a client's SYN (m, parsed as p) with an RST+ACK from the
 * address it was sent to, in place.
 *
 * @param w
 *   Worker.
 * @param m
 *   The segment; sent back on success.
 * @param p
 *   Its parse result.
 * @return
 *   0 if sent, -1 if m is not a SYN (without ACK) or cannot carry the
 *   answer (m untouched).
 */
int weir_lb_rst_reply(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p);

/**
 * Control: periodic work (drain neighbour observations, resolve backends,
 * publish a new snapshot if anything changed). Call every ~100 ms.
 */
void weir_lb_control_tick(void);

/**
 * Control: admin commands "services" and "backend".
 *
 * @param cmd
 *   Command name.
 * @param req
 *   The request object.
 * @param err
 *   Error text when NULL is returned.
 * @param errlen
 *   Size of err.
 * @param handled
 *   Set to 1 if cmd is an L4 command.
 * @return
 *   Result object, or NULL with err filled.
 */
json_t *weir_lb_command(const char *cmd, json_t *req, char *err, size_t errlen,
			       int *handled);

/**
 * Control: add this worker's L4 counters to a stats object.
 *
 * @param w
 *   Worker.
 * @param o
 *   The worker's JSON object.
 */
void weir_lb_worker_json(const struct weir_worker *w, json_t *o);

#endif /* WEIR_LB4_H */
