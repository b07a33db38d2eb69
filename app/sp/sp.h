/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_SP_H
#define WEIR_SP_H

/**
 * @file
 * The SYN proxy stage of FullNAT TCP services (service.synproxy), over
 * lib/tcp_splice. Under a SYN flood (more SYNs per second on a worker than
 * the service's syn_rate, or the worker's connection table full) weir
 * answers a SYN itself with a SYN-ACK whose ISN is a SYN cookie, and keeps
 * nothing. The client's ACK that carries a valid cookie creates the
 * connection: weir opens the backend connection from its local IP and
 * port, completes it, and from then on translates sequence numbers, SACK
 * blocks and windows both ways (the splice).
 *
 * The worker loop (app/core/pipeline.c) calls in here at four points of a
 * new flow and for segments of spliced connections (WEIR_CONN_F_SPLICE).
 * Every segment weir makes up (the cookie SYN-ACK, the SYN and the ACK to
 * the backend, RSTs) is written over the mbuf of the segment that caused
 * it (lib/pkt's weir_pkt_tcp_build()); the verdict says where it goes
 * (WEIR_V_TX back out, WEIR_V_TO_BACKEND, WEIR_V_TO_CLIENT) and what
 * happened to the connection (WEIR_EV_*), which the loop passes to the L4
 * stage. The splice state of connection slot i lives in a side array
 * (weir_sp_worker.slot[i]), allocated only when a service has a synproxy,
 * so struct weir_conn and the common path are unchanged.
 */

#include <stdint.h>

#include <jansson.h>
#include <rte_mbuf.h>

#include "core/conn-t.h"
#include "core/verdict.h"
#include "sp/sp-t.h"

/**
 * Control: per-service keys (the configured secret, or 16 random bytes
 * from getrandom()) and settings.
 *
 * @param err
 *   Receives the reason on failure.
 * @param errlen
 *   Size of err.
 * @return
 *   0, or -1.
 */
int weir_sp_init(char *err, size_t errlen);

/**
 * Reload: could a service of config sc be added: its cookies need the
 * workers' splice state, allocated at start only if a service had cookies.
 */
int weir_sp_can_add(const struct weir_service_config *sc);

/**
 * Reload: service svc was appended to the config: its cookie key and
 * settings.
 *
 * @return
 *   0, or -1 with err filled.
 */
int weir_sp_service_added(unsigned int svc, char *err, size_t errlen);

/**
 * Allocate a worker's SYN proxy state (nothing if no service has one).
 *
 * @param sp
 *   The state (in struct weir_worker).
 * @param socket
 *   NUMA socket.
 * @param conn_slots
 *   Capacity of the worker's connection table (0: none).
 * @return
 *   0, or -ENOMEM.
 */
int weir_sp_init_worker(struct weir_sp_worker *sp, int socket, uint32_t conn_slots);

/** Free what weir_sp_init_worker() allocated, held segments included. */
void weir_sp_fini_worker(struct weir_sp_worker *sp);

/** Start of a loop iteration: the clock. */
void weir_sp_iteration(struct weir_sp_worker *sp, uint64_t tsc);

/** Why weir_sp_syn() is asked. */
enum weir_sp_why {
	WEIR_SP_RATE = 0, /**< a synproxy service: a cookie if over its syn_rate */
	WEIR_SP_FULL,	  /**< the connection table is full: a cookie */
	WEIR_SP_PRESSURE, /**< local ports or entries run short (weir_l4_pressure()): a cookie */
	WEIR_SP_HTTP,	  /**< an http service: always a cookie (app/http) */
};

/**
 * A bare SYN without a connection to a service with cookies (synproxy
 * given, or cookies on pressure). Answered with a cookie SYN-ACK when why
 * says so, or with WEIR_SP_RATE when this SYN passes the service's
 * syn_rate on this worker (every such call counts one SYN).
 *
 * @return
 *   WEIR_V_CONTINUE (a connection as usual), WEIR_V_TX (the SYN-ACK, out of
 *   the port it came in on) or a drop.
 */
struct weir_verdict weir_sp_syn(struct weir_sp_worker *sp, struct rte_mbuf *m,
				const struct weir_pkt *p, unsigned int svc, enum weir_sp_why why);

/**
 * Is an ACK without a connection to service svc a cookie's ACK for
 * weir_sp_ack()? Always for a synproxy service; for one with cookies on
 * pressure only, while a cookie this worker sent for it may be answered
 * (about two minutes). Otherwise it is a stray mid-connection segment.
 */
int weir_sp_takes_ack(const struct weir_sp_worker *sp, unsigned int svc);

/**
 * An ACK (no SYN, no RST) without a connection, to a service that takes
 * cookie ACKs now (weir_sp_takes_ack()): check its cookie.
 *
 * @return
 *   WEIR_V_CONTINUE with a filled (make the connection, then
 *   weir_sp_open()), or a drop (syn_cookie_invalid).
 */
struct weir_verdict weir_sp_ack(struct weir_sp_worker *sp, struct rte_mbuf *m,
				const struct weir_pkt *p, unsigned int svc,
				struct weir_sp_accept *a);

/**
 * A new connection from a valid cookie: store its splice state, mark it
 * WEIR_CONN_F_SPLICE and turn the client's ACK into the SYN to the backend
 * (from the connection's local IP and port). Client data in that ACK is
 * not forwarded (the client retransmits it); data in the client's next
 * segments is held (weir_sp_from_client()).
 *
 * @return
 *   WEIR_V_TO_BACKEND, or a drop.
 */
struct weir_verdict weir_sp_open(struct weir_sp_worker *sp, struct rte_mbuf *m,
				 const struct weir_pkt *p, uint32_t idx, struct weir_conn *c,
				 const struct weir_sp_accept *a);

/**
 * A client segment of a spliced connection. During the backend handshake,
 * the first one with data or a FIN is held (at most one per connection,
 * WEIR_SP_HOLD_MAX per worker) until weir_sp_held_take(); later ones are
 * dropped (synproxy_pending), or turn into a repeat of the SYN to the
 * backend when the last one is a second old.
 *
 * @return
 *   WEIR_V_CONTINUE (translated in place: track and forward it as usual),
 *   WEIR_V_KEPT (held), WEIR_V_TO_BACKEND (a repeated SYN, or the client's
 *   RST: event WEIR_EV_CLOSED), or a drop.
 */
struct weir_verdict weir_sp_from_client(struct weir_sp_worker *sp, struct rte_mbuf *m,
					const struct weir_pkt *p, uint32_t idx,
					struct weir_conn *c);

/**
 * A backend segment of a spliced connection.
 *
 * @return
 *   WEIR_V_CONTINUE (translated), WEIR_V_TO_BACKEND (weir's ACK to the
 *   backend's SYN-ACK: event WEIR_EV_ESTABLISHED), WEIR_V_TO_CLIENT (an RST:
 *   the backend refused, event WEIR_EV_REFUSED), or a drop.
 */
struct weir_verdict weir_sp_from_backend(struct weir_sp_worker *sp, struct rte_mbuf *m,
					 const struct weir_pkt *p, uint32_t idx,
					 struct weir_conn *c);

/**
 * The client segment held during the backend handshake of a connection,
 * once that handshake is done: the caller passes it through
 * weir_sp_from_client() and on like any client segment, so it follows
 * weir's ACK.
 *
 * @param p
 *   Receives the segment's parse result.
 * @return
 *   The segment, now the caller's; NULL if none is held, or the backend
 *   handshake still runs.
 */
struct rte_mbuf *weir_sp_held_take(struct weir_sp_worker *sp, uint32_t idx, struct weir_pkt *p);

/** A spliced connection goes away (expiry, reuse of its slot): free its held segment. */
void weir_sp_held_free(struct weir_sp_worker *sp, uint32_t idx);

/**
 * A service's synproxy settings for weirctl services (never the secret).
 *
 * @return
 *   A new object, or NULL if the service has no synproxy.
 */
json_t *weir_sp_service_json(unsigned int svc);

#endif /* WEIR_SP_H */
