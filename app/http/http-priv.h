/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_HTTP_PRIV_H
#define WEIR_HTTP_PRIV_H

/* Shared by the HTTP stage's files only. */

#include "core/weir.h"
#include "http/http.h"
#include "weir_http_out.h"

/* Per service: its Via element ("1.1 weir"), read-only once the workers run. */
extern char weir_http_via[WEIR_MAX_SERVICES][40];

static inline int
seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* ---- gate.c ---- */

/* The API gate's shared state (lib/gate). */
extern struct weir_gate weir_http_gate;

/* Per service: 1 if a route of it is gated (its responses may get fields). */
extern uint8_t http_gate_fields[WEIR_MAX_SERVICES];

/* Control: the gate from the config (keys published, routes' rule sets). */
int http_gate_init(char *err, size_t errlen);

/* A worker's part of the gate. */
int http_gate_init_worker(struct weir_http_worker *hw);
void http_gate_fini_worker(struct weir_http_worker *hw);

/* The gate on request r (routed to route, -1: the default): the number of
 * header edits written to e[] (at most 3: identity for the backend), or
 * -status with *why, weir's answer written (x->pre_len). */
int http_gate_request(struct weir_http_worker *hw, const struct weir_conn *c,
		      struct weir_http_ctx *x, const struct weir_http_req *r, const uint8_t *region,
		      int route, struct weir_http_edit *e, const char **why);

/* ---- top_keys.c ---- */

/* A worker's summary of the keys its gate limited, and its JWT subjects. */
int http_top_init_worker(struct weir_http_worker *hw, uint64_t seed);
void http_top_fini_worker(struct weir_http_worker *hw);

/* A 429 of the gate (o): charged to the key, subject or address it limited. */
void http_top_limited(struct weir_http_worker *hw, const struct weir_gate_out *o,
		      const uint8_t *addr, uint8_t family);

/* ---- gate_ban.c ---- */

/* What a worker reports of a key that earned a ban (a mailbox payload). */
#define WEIR_HTTP_KBAN_LABEL 48
struct weir_http_kban_report {
	uint64_t tag;			  /* its limit key */
	char label[WEIR_HTTP_KBAN_LABEL]; /* "id:<id>" or "jwt:<issuer>/<sub>", cut */
};

/* Worker: report o's key (its 429 took it past gate.key_bans). */
void http_gate_key_ban(struct weir_http_worker *hw, const struct weir_gate_out *o);

/* Control: the keys banned now (weirctl gate). */
json_t *http_gate_bans_json(void);

/* ---- frame.c ---- */

/* The segment as the splice sees it (options stay in the frame). */
void http_seg_of(uint8_t *buf, const struct weir_pkt *p, struct weir_tcp_seg *s);

/* Write a translated segment's fields back, with the checksum delta. */
void http_seg_store(uint8_t *buf, const struct weir_pkt *p, const struct weir_tcp_seg *s,
		    uint32_t csum);

/* The connection's head buffer (it holds one). */
uint8_t *http_buf(const struct weir_http_worker *hw, const struct weir_http_ctx *x);

/* Give the connection's head buffer back (if it holds one). */
void http_buf_put(struct weir_http_worker *hw, struct weir_http_ctx *x);

/* The connection's http service's settings. */
const struct weir_http_config *http_conf(const struct weir_http_ctx *x);

/* Queue a segment of connection idx (c) to its backend or its client. */
void http_frame(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
		int to_backend, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
		const uint8_t *data, uint32_t len, const uint8_t *opts, uint8_t opts_len);

/* Queue an event about connection idx for the worker loop. */
void http_event_q(struct weir_http_worker *hw, uint32_t idx, uint8_t ev);

/* The endpoint's segments to the client, and its end (buffer back, event). */
void http_ep_out(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
		 struct weir_http_ctx *x, const struct weir_tcp_ep_out *o);

/* ---- head.c ---- */

/* Answer status with a JSON error and close (the endpoint sends it reliably). */
void http_answer(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
		 struct weir_http_ctx *x, int status, const char *error);

/* Route request r and rewrite its head (region[0, head_len)) into hw->scratch
 * (at most room bytes), and start tracking its body: the rewritten length,
 * *svc the service to pick from; or -status for weir to answer (*why). */
int http_route_rewrite(struct weir_http_worker *hw, const struct weir_conn *c,
		       struct weir_http_ctx *x, const struct weir_http_req *r,
		       const uint8_t *region, uint32_t head_len, uint32_t room, unsigned int *svc,
		       const char **why);

/* A client segment for the endpoint (before the splice): 1 when the head is
 * routed (hw->bind_svc: bind it). */
int http_collect(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
		 struct weir_http_ctx *x, const uint8_t *buf, const struct weir_pkt *p);

/* ---- conn.c ---- */

/* Send weir's prefix (buf[0, pfx_len) at backend seq pfx_seq) from pfx_nxt,
 * as the backend's window allows. */
void http_send_prefix(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
		      struct weir_http_ctx *x);

/* ---- fields.c ---- */

/* The edit of the backend's stream in force (weir's fields), or NULL. */
const struct weir_tcp_edit *http_ed(const struct weir_http_worker *hw,
				    const struct weir_http_ctx *x);

/* A request goes to the backend (method: its enum weir_http_method); with
 * hw->gate_allowed, weir's RateLimit fields wait for its response. */
void http_rsp_sent(struct weir_http_worker *hw, struct weir_http_ctx *x, int method);

/* The last request sent was refused after all (another pool): forgotten. */
void http_rsp_unsent(struct weir_http_worker *hw, struct weir_http_ctx *x);

/* Spliced: the backend's responses are followed from its first byte. */
void http_rsp_start(struct weir_http_ctx *x);

/* A backend segment before translation (data: its payload): the responses
 * followed through it (an edit may start); the edit to translate it with. */
const struct weir_tcp_edit *http_rsp_track(struct weir_http_worker *hw, struct weir_http_ctx *x,
					   const struct weir_tcp_seg *seg, const uint8_t *data);

/* A translated backend segment (raw_seq: its backend seq): 1 if it overlaps
 * the edit and weir sent it rewritten (the caller drops the original). */
int http_rsp_rewrite(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
		     struct weir_http_ctx *x, const struct weir_tcp_seg *seg, uint32_t raw_seq,
		     const uint8_t *data);

/* Drop the edit once the client has ACKed its bytes. */
void http_fields_check(struct weir_http_worker *hw, struct weir_http_ctx *x);

/* The connection is gone: its field slot back. */
void http_fields_gone(struct weir_http_worker *hw, struct weir_http_ctx *x);

/* The client's ACK in the backend's view (through the edit in force). */
static inline uint32_t
http_c2b_ack(const struct weir_http_worker *hw, const struct weir_http_ctx *x, uint32_t ack)
{
	return weir_tcp_edit_c2b_ack(&x->s, http_ed(hw, x), ack);
}

/* The client's window win (with its ACK ack) for a segment weir makes to the
 * backend: re-scaled, and smaller while an edit's bytes are unACKed. */
static inline uint16_t
http_c2b_win(const struct weir_http_worker *hw, const struct weir_http_ctx *x, uint32_t ack,
	     uint16_t win)
{
	return weir_tcp_edit_c2b_win(&x->s, http_ed(hw, x), ack, win);
}

/* ---- stream.c ---- */

/* The first request spliced: count its body bytes taken with the head
 * (the prefix ends where it ends; what follows is the next head). */
void http_track_first(struct weir_http_ctx *x, const uint8_t *buf);

/* ACK what weir holds once the backend has every byte before it. */
void http_ack_taken(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
		    struct weir_http_ctx *x);

/* A later head collected: parse, route and send it once no prefix is out. */
void http_next_head(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
		    struct weir_http_ctx *x);

/* LATE: weir's FIN to the backend (again). */
void http_late_fin(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
		   struct weir_http_ctx *x);

/* LATE: a backend segment (its last response drains; its FIN is kept). */
struct weir_verdict http_late_backend(struct weir_http_worker *hw, struct rte_mbuf *m,
				      const struct weir_pkt *p, uint32_t idx, struct weir_conn *c,
				      struct weir_http_ctx *x);

/* LATE: a client segment (ACKs pass; the refused request's bytes do not). */
struct weir_verdict http_late_client(struct weir_http_worker *hw, struct rte_mbuf *m,
				     const struct weir_pkt *p, uint32_t idx, struct weir_conn *c,
				     struct weir_http_ctx *x);

/* A client segment of a spliced connection. */
struct weir_verdict http_spliced_client(struct weir_http_worker *hw, struct rte_mbuf *m,
					const struct weir_pkt *p, uint32_t idx, struct weir_conn *c,
					struct weir_http_ctx *x);

#endif /* WEIR_HTTP_PRIV_H */
