/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_ADMIT_H
#define WEIR_ADMIT_H

/**
 * @file
 * Admission of clients, before any backend is chosen: allow/deny prefixes
 * (rte_lpm, rte_lpm6), temporary bans, and per-source limits (new
 * connections/s, packets/s, open connections) per service and global.
 *
 * Split of work, as for the L4 snapshots:
 *  - control owns the prefix lists and the ban list; it builds immutable
 *    tables from them (prefix tables; an open-addressing table of active
 *    bans) and publishes them by pointer swap, freeing the old ones after
 *    an rte_rcu_qsbr grace period. weirctl block/allow/unblock/ban/unban
 *    change them at run time.
 *  - each worker owns the sources it tracks (app/srctab), decides limits
 *    exactly for the clients it owns, and reports a source that keeps
 *    exceeding a limit to control through a ring; control bans it
 *    (progressively longer for repeat offenders) and publishes the ban.
 *  - each worker keeps a small heavy-hitter summary of refused sources;
 *    control merges them on request (weirctl top).
 */

#include <stdint.h>

#include <jansson.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "conntrack.h"
#include "srctab.h"
#include "weir_pkt.h"

struct weir_worker;
struct weir_rl_topk;

/** Index of the global limits among the rules (services come first). */
#define WEIR_ADM_GLOBAL WEIR_MAX_SERVICES

/** Per-worker admission counters (written by the owner only). */
struct weir_adm_stats {
	uint64_t rl_admitted; /**< new connections within every limit that applies */
	uint64_t rl_denied;   /**< refusals by a limit (or no room to track the source) */
	uint64_t rl_dry_run;  /**< of those, let through anyway (dry run) */
	uint64_t rl_rst;      /**< of those, answered with an RST */
	uint64_t acl_allowed; /**< new connections of allow-listed sources (limits skipped) */
	uint64_t ban_reports; /**< sources reported to control for a ban */
	uint64_t ban_reports_lost; /**< reports dropped because the ring was full */
	uint64_t ban_dry_run; /**< bans earned under a dry-run rule (not reported) */
	uint64_t top_sampled; /**< refusals added to the summary as a sample of 64 */
};

struct weir_adm_acl;
struct weir_adm_bans;

/** Per-worker admission state. */
struct weir_adm_worker {
	struct weir_srctab *src;          /**< tracked sources, or NULL without limits */
	struct rte_ring *reports;         /**< sources that earned a ban, to control */
	struct rte_ring *unbans;          /**< sources weirctl unbanned, from control */
	uint32_t unban_seen;              /**< unbans handled (control counts those sent) */
	const struct weir_adm_acl *acl;   /**< current prefix tables (this iteration) */
	const struct weir_adm_bans *bans; /**< current bans (this iteration) */
	uint32_t n_bans;                  /**< bans in force in that table */
	uint8_t pins;                     /**< some rule has connections hold sources */
	uint64_t now_ns;                  /**< admission clock */
	struct weir_rl_topk *top;         /**< refused sources (heavy hitters) */
	struct weir_rl_topk *top_out;     /**< copy of top for control */
	uint32_t top_req, top_ack;        /**< control asks, the worker answers */
	uint64_t top_sec, top_n;          /**< refusals in this second (sampling) */
	struct weir_adm_stats stats;
};

/**
 * Build the configured prefix tables, the rules and each worker's state.
 *
 * @param err
 *   Receives the reason on failure.
 * @param errlen
 *   Size of err.
 * @return
 *   0 or -1.
 */
int weir_adm_init(char *err, size_t errlen);

/** Undo weir_adm_init(). */
void weir_adm_fini(void);

/**
 * Worker: start of a loop iteration (after its quiescent state): current
 * tables, clock, answer control's requests.
 *
 * @param w
 *   Worker.
 */
void weir_adm_iteration(struct weir_worker *w);

/**
 * Worker: the first check of a client packet without a connection (a new
 * connection, a cookie ACK, a stray mid-connection segment): denied
 * prefixes, then bans.
 *
 * @param w
 *   Worker.
 * @param m
 *   Packet; dropped when refused.
 * @param k
 *   Its key.
 * @return
 *   -1 if m was dropped; else 1 if its source is allow-listed (no limits,
 *   no bans), 0 if not. Pass it to weir_adm_limits().
 */
int weir_adm_gate(struct weir_worker *w, struct rte_mbuf *m, const struct weir_conn_key *k);

/**
 * Worker: may a new connection (its first packet m, past weir_adm_gate())
 * of service svc from k go on? The service's limits, then the global ones.
 *
 * @param w
 *   Worker.
 * @param m
 *   First packet; consumed (dropped, or answered with an RST) when refused.
 * @param p
 *   Its parse result.
 * @param svc
 *   Service index.
 * @param k
 *   Its key.
 * @param allowed
 *   What weir_adm_gate() returned (1: allow-listed, limits skipped).
 * @param ref
 *   Receives the sources the connection holds (WEIR_SRCT_NONE if none):
 *   store them in the connection, and pass them to weir_adm_release()
 *   when it ends (or at once if it is not created after all).
 * @return
 *   1 to go on, 0 if m was consumed.
 */
int weir_adm_limits(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p,
		    unsigned int svc, const struct weir_conn_key *k, int allowed, uint32_t ref[2]);

/**
 * Worker: a packet from the client of an existing connection: bans and
 * packet limits. Needed only when the connection holds a source
 * (c->src_ref) or a ban is in force (n_bans).
 *
 * @param w
 *   Worker.
 * @param m
 *   Packet; dropped when refused.
 * @param c
 *   Its connection.
 * @return
 *   1 to go on, 0 if m was dropped.
 */
int weir_adm_packet(struct weir_worker *w, struct rte_mbuf *m, const struct weir_conn *c);

/**
 * Worker: start fetching the sources a connection holds (before a burst's
 * packets are decided).
 *
 * @param w
 *   Worker.
 * @param c
 *   Connection.
 */
void weir_adm_prefetch(struct weir_worker *w, const struct weir_conn *c);

/**
 * Worker: a connection ends: give back its hold on its sources.
 *
 * @param w
 *   Worker.
 * @param ref
 *   What weir_adm_limits() returned for it.
 */
void weir_adm_release(struct weir_worker *w, const uint32_t ref[2]);

/** Control: drain ban reports, expire bans, publish changes. Call every ~100 ms. */
void weir_adm_control_tick(void);

/**
 * Control: admin commands acl, block, allow, unblock, ban, unban, bans, top.
 *
 * @param cmd
 *   Command name.
 * @param req
 *   Request object.
 * @param err
 *   Error text when NULL is returned.
 * @param errlen
 *   Size of err.
 * @param handled
 *   Set to 1 if cmd is an admission command.
 * @return
 *   Result, or NULL with err filled.
 */
json_t *weir_adm_command(const char *cmd, json_t *req, char *err, size_t errlen, int *handled);

/**
 * Control: add a worker's admission counters to its stats object.
 *
 * @param w
 *   Worker.
 * @param o
 *   The worker's JSON object.
 */
void weir_adm_worker_json(const struct weir_worker *w, json_t *o);

/**
 * Control: the limits of a rule as JSON (weirctl services), or NULL if none.
 *
 * @param rule
 *   Service index, or WEIR_ADM_GLOBAL.
 * @return
 *   New object or NULL.
 */
json_t *weir_adm_limits_json(unsigned int rule);

#endif /* WEIR_ADMIT_H */
