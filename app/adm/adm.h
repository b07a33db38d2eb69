/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_ADM_H
#define WEIR_ADM_H

/**
 * @file
 * The admission stage: before any backend is chosen, allow/deny prefixes
 * (rte_lpm, rte_lpm6), temporary bans, and per-source limits (new
 * connections/s, packets/s, open connections) per service and global.
 *
 * Split of work, as for the L4 snapshots:
 *  - control owns the prefix lists and the ban list; it builds immutable
 *    tables from them (prefix tables; an open-addressing table of active
 *    bans) and publishes them (app/core/rcu.h). weirctl
 *    block/allow/unblock/ban/unban change them at run time.
 *  - each worker owns the sources it tracks (app/adm/srctab.h), decides
 *    limits exactly for the clients it owns, and reports a source that
 *    keeps exceeding a limit to control (WEIR_MSG_BAN_REPORT); control bans
 *    it and publishes the ban. A ban's scope follows what the source
 *    proved: one that completed a handshake (or answered a SYN cookie) is
 *    banned from every service, progressively longer for repeat offenders;
 *    one that did not (UDP, SYNs: its address may be forged) only from the
 *    service its traffic went to, for the rule's first ban each time.
 *  - each worker keeps a small heavy-hitter summary of refused sources;
 *    control merges copies of them on request (weirctl top).
 *
 * The worker functions decide and return a verdict (app/core/verdict.h):
 * continue, drop with a reason, or answer with an RST. They never send or
 * free a packet, so admission is tested on its own (tests/ct/test_adm.c).
 */

#include <stdint.h>

#include <jansson.h>
#include <rte_mbuf.h>

#include "adm/adm-t.h"
#include "core/conn-t.h"
#include "core/verdict.h"
#include "weir_pkt.h"

/* ---- set-up (control thread) ---- */

/**
 * Build the configured prefix tables, the rules and the ban list.
 *
 * @param err
 *   Receives the reason on failure.
 * @param errlen
 *   Size of err.
 * @return
 *   0 or -1.
 */
int weir_adm_init(char *err, size_t errlen);

/** Undo weir_adm_init() (the workers have stopped). */
void weir_adm_fini(void);

/**
 * Set up a worker's admission state.
 *
 * @param aw
 *   The state (in struct weir_worker).
 * @param id
 *   Worker index.
 * @param socket
 *   NUMA socket.
 * @param outbox
 *   The worker's outbox to control.
 * @param err
 *   Receives the reason on failure.
 * @param errlen
 *   Size of err.
 * @return
 *   0 or -1.
 */
int weir_adm_init_worker(struct weir_adm_worker *aw, unsigned int id, int socket,
			 struct rte_ring *outbox, char *err, size_t errlen);

/** Free a worker's admission state. */
void weir_adm_fini_worker(struct weir_adm_worker *aw);

/* ---- worker ---- */

/**
 * Start of a loop iteration (after its quiescent state): current tables
 * and clock.
 *
 * @param aw
 *   Worker state.
 * @param tsc
 *   The iteration's TSC.
 */
void weir_adm_iteration(struct weir_adm_worker *aw, uint64_t tsc);

/**
 * The first check of a client packet without a connection (a new
 * connection, a cookie ACK, a stray mid-connection segment): denied
 * prefixes, then bans.
 *
 * @param aw
 *   Worker state.
 * @param m
 *   Packet (its RX timestamp may be the clock).
 * @param k
 *   Its key.
 * @param svc
 *   Its service (bans of that service apply, and those of every service).
 * @param allowed
 *   Set to 1 if its source is allow-listed (no limits, no bans), 0 if not:
 *   pass it to weir_adm_limits().
 * @return
 *   WEIR_V_CONTINUE, or a drop (acl_denied, banned).
 */
struct weir_verdict weir_adm_gate(struct weir_adm_worker *aw, const struct rte_mbuf *m,
				  const struct weir_conn_key *k, unsigned int svc, int *allowed);

/**
 * May a new connection (its first packet, past weir_adm_gate()) of
 * service svc from k go on? The service's limits, then the global ones.
 *
 * @param aw
 *   Worker state.
 * @param p
 *   Its parse result.
 * @param svc
 *   Service index.
 * @param k
 *   Its key.
 * @param allowed
 *   From weir_adm_gate().
 * @param proven
 *   1 if the packet proves its source (a valid SYN cookie's ACK): a ban it
 *   earns may apply to every service. 0 for a SYN or UDP.
 * @param ref
 *   Receives the sources the connection holds (WEIR_SRCT_NONE if none):
 *   store them in the connection, and pass them to weir_adm_release() when
 *   it ends (or at once if it is not created after all).
 * @return
 *   WEIR_V_CONTINUE; a drop (the reason names the limit); or WEIR_V_RST
 *   (the rule answers refused SYNs with an RST; its reason is the drop if
 *   the packet cannot be answered so). On a refusal ref holds nothing.
 */
struct weir_verdict weir_adm_limits(struct weir_adm_worker *aw, const struct weir_pkt *p,
				    unsigned int svc, const struct weir_conn_key *k, int allowed,
				    int proven, uint32_t ref[2]);

/**
 * A packet from the client of an existing connection: bans and packet
 * limits (a ban it earns may apply to every service when the connection
 * is WEIR_CONN_F_PROVEN). Needed only when the connection holds a source
 * (c->src_ref) or a ban is in force (n_bans).
 *
 * @return
 *   WEIR_V_CONTINUE, or a drop (banned, packet_limited).
 */
struct weir_verdict weir_adm_packet(struct weir_adm_worker *aw, const struct rte_mbuf *m,
				    const struct weir_conn *c);

/** Start fetching the sources a connection holds (before a burst's packets are decided). */
void weir_adm_prefetch(struct weir_adm_worker *aw, const struct weir_conn *c);

/** A connection ends (or is not created): give back its hold on its sources. */
void weir_adm_release(struct weir_adm_worker *aw, const uint32_t ref[2]);

/** WEIR_MSG_UNBAN: lift a ban in this worker's own source entries. */
void weir_adm_unban(struct weir_adm_worker *aw, const void *payload);

/** WEIR_MSG_TOP_COPY: copy the refused-sources summary into control's buffer. */
void weir_adm_top_copy(struct weir_adm_worker *aw, const void *payload);

/**
 * Worker: the API gate found a source failing authentication past
 * gate.bad_auth: report a ban of every service (progressive, from
 * gate.bad_auth.ban_s) to control, which publishes it. Nothing without
 * ban_s.
 *
 * @param addr
 *   The source (16 bytes, IPv4 in the first 4).
 * @param family
 *   4 or 6 (IPv6 sources are banned per /64).
 */
void weir_adm_gate_ban(struct weir_adm_worker *aw, const uint8_t *addr, uint8_t family);

/* ---- control ---- */

/** WEIR_MSG_BAN_REPORT from a worker. */
void weir_adm_ban_reported(const void *payload);

/** Expire bans, publish changes. Call every ~100 ms. */
void weir_adm_control_tick(void);

/**
 * The limits of a rule as JSON (weirctl services), or NULL if none.
 *
 * @param rule
 *   Service index, or WEIR_ADM_GLOBAL.
 */
json_t *weir_adm_limits_json(unsigned int rule);

/** @name Admin commands (control/weir_ctl_cmds.h). */
/** @{ */
json_t *weir_cmd_acl(json_t *req, char *err, size_t errlen);
json_t *weir_cmd_block(json_t *req, char *err, size_t errlen);
json_t *weir_cmd_allow(json_t *req, char *err, size_t errlen);
json_t *weir_cmd_unblock(json_t *req, char *err, size_t errlen);
json_t *weir_cmd_ban(json_t *req, char *err, size_t errlen);
json_t *weir_cmd_unban(json_t *req, char *err, size_t errlen);
json_t *weir_cmd_bans(json_t *req, char *err, size_t errlen);
/* weirctl top [N] (the core's weir_cmd_top() sends it here without "keys"). */
json_t *weir_adm_cmd_top(json_t *req, char *err, size_t errlen);
/** @} */

/**
 * A packet's RX timestamp in ms (clock "rx_timestamp": microseconds, as
 * net_pcap gives a capture's), or 0 if it has none.
 */
uint64_t weir_adm_rx_ms(const struct rte_mbuf *m);

/** Reload: could a service of config sc be added (its limits need source tables)? */
int weir_adm_can_add(const struct weir_service_config *sc);

/**
 * Reload: service svc was appended to the config: its rule.
 *
 * @return
 *   0, or -1 with err filled.
 */
int weir_adm_service_added(unsigned int svc, char *err, size_t errlen);

/**
 * Reload: may a rule's limits change from o to n at run time? Values may;
 * the kinds of limit (and so what sources hold) and ipv6_prefix may not.
 *
 * @return
 *   0, or -1 with why filled.
 */
int weir_adm_limits_change_ok(const struct weir_limits *o, const struct weir_limits *n, char *why,
			      size_t len);

/**
 * Reload: rule r (a service's index, or WEIR_ADM_GLOBAL) takes the limits n
 * (checked by weir_adm_limits_change_ok()), written into l, the config's
 * limits it points at.
 *
 * @return
 *   0, or -1 if out of range (nothing changed but l).
 */
int weir_adm_reload_rule(unsigned int r, struct weir_limits *l, const struct weir_limits *n);

/**
 * Reload: the prefix lists become the config n's, plus the prefixes
 * weirctl added that n does not list; the new tables are published.
 *
 * @return
 *   0, or -1 with err filled (the lists in force stay).
 */
int weir_adm_reload_acl(const struct weir_config *n, char *err, size_t errlen);

#endif /* WEIR_ADM_H */
