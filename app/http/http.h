/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_HTTP_STAGE_H
#define WEIR_HTTP_STAGE_H

/**
 * @file
 * The HTTP stage: connections of "protocol": "http" services, terminated
 * on the workers just far enough to read and route a request, then
 * spliced to the backend (docs/architecture.md, "An HTTP connection").
 *
 * - SYN: always a cookie SYN-ACK (app/sp), no state.
 * - The cookie's ACK: a connection without backend (weir_l4_open_unbound())
 *   and weir_http_accept(): a head buffer and weir's end of the client's
 *   connection (lib/tcp_splice's endpoint) collecting the head.
 * - The head complete: parsed (lib/http_lite), routed; the verdict's event
 *   WEIR_EV_ROUTE asks the loop to pick a backend of hw->bind_svc and bind
 *   (weir_l4_bind()), then weir_http_bound() sends the SYN. A refused head
 *   (400, 404, 408, 413, 414, 431, 501, 505, or 503 without a backend) is
 *   answered by weir and the connection closed.
 * - The backend's SYN-ACK: weir sends the rewritten head and the body bytes
 *   it took meanwhile (its prefix), retransmitted until ACKed; from then on
 *   the connection is a splice with the head's growth as the shift of the
 *   client's sequence numbers (lib/tcp_splice).
 *
 * Frames weir makes up are queued in hw->out[] for the loop to address
 * (weir_l4_xmit_*()) and send; events about connections in hw->ev[].
 */

#include <stdint.h>

#include <jansson.h>
#include <rte_mbuf.h>

#include "core/conn-t.h"
#include "core/verdict.h"
#include "http/http-t.h"
#include "weir_pkt.h"
#include "weir_tcp_splice.h"

/** Control: which services are http services (read by the workers). */
int weir_http_init(char *err, size_t errlen);

/** Per service: 1 for an http service and its internal services (set by
 * weir_http_init(); no reload adds or removes one). */
extern uint8_t weir_http_svc[];

/** Is service svc (or the service it serves) an http service? Per packet. */
static inline int
weir_http_service(unsigned int svc)
{
	return weir_http_svc[svc];
}

/**
 * Allocate a worker's HTTP state (nothing without http services).
 *
 * @param conn
 *   The worker's connection lookup (slot -> entry), with its argument:
 *   the timers need the addresses of the connections they send on.
 */
int weir_http_init_worker(struct weir_http_worker *hw, unsigned int id, int socket,
			  uint32_t conn_slots, struct weir_conn *(*conn)(void *arg, uint32_t idx),
			  void *arg);

/** Free it. */
void weir_http_fini_worker(struct weir_http_worker *hw);

/** Start of a loop iteration: the clock (ms). */
void weir_http_iteration(struct weir_http_worker *hw, uint64_t now_ms);

/**
 * A valid cookie ACK made connection idx of http service svc: take a head
 * buffer, open the endpoint and feed it the ACK.
 *
 * @param s
 *   The splice state weir_sp_ack() made from the cookie.
 * @return
 *   WEIR_V_CONSUMED, or a drop (http_no_buffer: the caller removes the
 *   connection).
 */
struct weir_verdict weir_http_accept(struct weir_http_worker *hw, struct rte_mbuf *m,
				     const struct weir_pkt *p, unsigned int svc, uint32_t idx,
				     const struct weir_tcp_splice *s);

/**
 * A client segment of an http connection.
 *
 * @return
 *   WEIR_V_CONTINUE (spliced: translated in place, track and forward it),
 *   WEIR_V_CONSUMED (taken; frames may be queued), or a drop; the event
 *   WEIR_EV_ROUTE asks for a backend (then weir_http_bound()), and
 *   WEIR_EV_CLOSED says the connection is over.
 */
struct weir_verdict weir_http_from_client(struct weir_http_worker *hw, struct rte_mbuf *m,
					  const struct weir_pkt *p, uint32_t idx,
					  struct weir_conn *c);

/**
 * After WEIR_EV_ROUTE: the loop bound the connection (status 0) or could
 * not (503: no backend serving, no local port): send the SYN, or answer.
 */
void weir_http_bound(struct weir_http_worker *hw, uint32_t idx, struct weir_conn *c, int status);

/**
 * A backend segment of an http connection.
 *
 * @return
 *   WEIR_V_CONTINUE (translated in place, track and forward it to the
 *   client), WEIR_V_CONSUMED, or a drop; events WEIR_EV_ESTABLISHED,
 *   WEIR_EV_REFUSED.
 */
struct weir_verdict weir_http_from_backend(struct weir_http_worker *hw, struct rte_mbuf *m,
					   const struct weir_pkt *p, uint32_t idx,
					   struct weir_conn *c);

/**
 * Timers (header timeout, weir's retransmissions) of at most budget
 * connections holding a buffer, in turn.
 */
void weir_http_poll(struct weir_http_worker *hw, unsigned int budget);

/** Connection slot idx goes away: give back its buffer. */
void weir_http_gone(struct weir_http_worker *hw, uint32_t idx);

/**
 * Control (stats): connections holding a head buffer whose phase is a or b
 * (answering: ANSWER or LATE), read while the worker runs: a gauge.
 */
uint64_t weir_http_conns_in(const struct weir_http_worker *hw, uint8_t a, uint8_t b);

/** weirctl routes: every http service's routes, with hits summed over the workers. */
json_t *weir_cmd_routes(json_t *req, char *err, size_t errlen);

/** Control: WEIR_MSG_GATE_BAN, a worker's report of a key that earned a ban. */
void weir_http_gate_ban_reported(const void *payload);

/** weirctl gate, key, keys, usage, token: the API gate (app/http/gate_cmd.c). */
json_t *weir_cmd_gate(json_t *req, char *err, size_t errlen);
json_t *weir_cmd_key(json_t *req, char *err, size_t errlen);
json_t *weir_cmd_keys(json_t *req, char *err, size_t errlen);
json_t *weir_cmd_usage(json_t *req, char *err, size_t errlen);
json_t *weir_cmd_token(json_t *req, char *err, size_t errlen);

/**
 * weirctl top keys [N]: the keys the gate limited most, merged over the
 * workers (app/http/top_keys.c; the core's weir_cmd_top() sends it here).
 */
json_t *weir_http_cmd_top_keys(json_t *req, char *err, size_t errlen);

/** WEIR_MSG_TOPKEYS_COPY: copy the limited-keys summary into control's buffers. */
void weir_http_top_copy(struct weir_http_worker *hw, const void *payload);

/** Control, once the workers have stopped: free what late workers could still write. */
void weir_http_fini(void);

#endif /* WEIR_HTTP_STAGE_H */
