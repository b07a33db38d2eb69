/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP connections in the workers (http.h): weir's end of the client's
 * connection until the head is read and routed, then the backend
 * handshake, weir's prefix (the rewritten head and the body bytes taken
 * meanwhile) and the splice.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "core/drop.h"
#include "core/weir.h"
#include "http/http-priv.h"
#include "weir_http_out.h"
#include "weir_tcp_endpoint.h"

#define ETH_HLEN 14
#define SYN_RTO_MS 1000u     /* the backend's SYN-ACK */
#define SYN_TRIES 4u	     /* SYNs before 503 */
#define PFX_RTO_MS 200u	     /* weir's prefix to the backend, doubling */
#define PFX_MAX_RTX 8u	     /* then both legs are reset */
#define NO_ROUTE 0xffffu     /* ctx.route: the service's own pool */
#define FRAME_DATA_MAX 1400u /* payload per frame weir makes (fits a 2 KiB mbuf) */

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline int
seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* The segment as the splice sees it; options stay in the mbuf. */
static void
seg_of(uint8_t *buf, const struct weir_pkt *p, struct weir_tcp_seg *s)
{
	uint8_t *tcp = buf + p->l4_off;
	unsigned int doff = (unsigned int)(tcp[12] >> 4) * 4;

	s->seq = rd32(tcp + 4);
	s->ack = rd32(tcp + 8);
	s->win = rd16(tcp + 14);
	s->flags = tcp[13];
	s->opts_len = (uint8_t)(doff - 20);
	s->opts = tcp + 20;
	s->len = p->l3_total - (uint32_t)(p->l4_off - p->l2_len) - doff;
}

static void
seg_store(uint8_t *buf, const struct weir_pkt *p, const struct weir_tcp_seg *s, uint32_t csum)
{
	uint8_t *tcp = buf + p->l4_off;

	wr32(tcp + 4, s->seq);
	wr32(tcp + 8, s->ack);
	wr16(tcp + 14, s->win);
	wr16(tcp + 16, weir_tcp_csum_apply(rd16(tcp + 16), csum));
}

static uint8_t *
buf_of(const struct weir_http_worker *hw, const struct weir_http_ctx *x)
{
	return hw->bufs + (size_t)(x->buf - 1) * hw->buf_size;
}

static void
buf_put(struct weir_http_worker *hw, struct weir_http_ctx *x)
{
	if (x->buf == 0)
		return;
	hw->buf_owner[x->buf - 1] = WEIR_CONN_NONE;
	hw->buf_free[hw->n_free++] = x->buf - 1;
	x->buf = 0;
}

static const struct weir_http_config *
conf_of(const struct weir_http_ctx *x)
{
	return weir.cfg->services[x->parent].http;
}

/* ---- frames weir makes --------------------------------------------------------- */

/* Queue a segment of connection idx to its backend or its client. */
static void
frame(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c, int to_backend,
      uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const uint8_t *data, uint32_t len,
      const uint8_t *opts, uint8_t opts_len)
{
	uint8_t family = c->client.family;
	struct weir_pkt_tcp t = {
		.family = family,
		.seq = seq,
		.ack = ack,
		.win = win,
		.flags = flags,
		.opts_len = opts_len,
		.opts = opts,
		.data = data,
		.data_len = (uint16_t)len,
	};
	struct rte_mbuf *m;
	uint8_t *b;
	size_t n;

	if (to_backend) {
		t.src = c->local_ip;
		t.dst = c->backend_ip;
		t.sport = rte_be_to_cpu_16(c->lport);
		t.dport = rte_be_to_cpu_16(c->bport);
	} else {
		t.src = c->client.dst;
		t.dst = c->client.src;
		t.sport = rte_be_to_cpu_16(c->client.dport);
		t.dport = rte_be_to_cpu_16(c->client.sport);
	}
	if (hw->n_out == WEIR_HTTP_OUT_MAX || (m = rte_pktmbuf_alloc(weir.pool)) == NULL) {
		hw->stats.http_no_mbuf++; /* as if lost: retransmitted */
		return;
	}
	b = rte_pktmbuf_mtod(m, uint8_t *);
	b[12] = family == 4 ? 0x08 : 0x86;
	b[13] = family == 4 ? 0x00 : 0xdd;
	n = weir_pkt_tcp_build(b, rte_pktmbuf_tailroom(m), ETH_HLEN, &t);
	if (n == 0) {
		rte_pktmbuf_free(m);
		hw->stats.http_no_mbuf++;
		return;
	}
	m->data_len = (uint16_t)n;
	m->pkt_len = (uint32_t)n;
	hw->out[hw->n_out].m = m;
	hw->out[hw->n_out].idx = idx;
	hw->out[hw->n_out].to_backend = (uint8_t)to_backend;
	hw->n_out++;
}

static void
event(struct weir_http_worker *hw, uint32_t idx, uint8_t ev)
{
	if (hw->n_ev < WEIR_HTTP_OUT_MAX) {
		hw->ev[hw->n_ev].idx = idx;
		hw->ev[hw->n_ev].ev = ev;
		hw->n_ev++;
	}
}

/* The endpoint's segments to the client, and its end. */
static void
ep_out(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
       struct weir_http_ctx *x, const struct weir_tcp_ep_out *o)
{
	unsigned int i;

	for (i = 0; i < o->n; i++) {
		const struct weir_tcp_ep_tx *t = &o->seg[i];

		frame(hw, idx, c, 0, t->flags, t->seq, t->ack, t->win, t->data, t->len, NULL, 0);
	}
	if (o->ev & WEIR_TCP_EP_EV_RESET)
		hw->stats.http_resets++;
	if (o->ev & WEIR_TCP_EP_EV_CLOSED) {
		buf_put(hw, x);
		event(hw, idx, WEIR_EV_CLOSED);
	}
}

/* ---- weir's answers -------------------------------------------------------------- */

static void
count_status(struct weir_http_worker *hw, int status)
{
	hw->stats.http_answers++;
	switch (status) {
	case 400:
		hw->stats.http_400++;
		break;
	case 404:
		hw->stats.http_404++;
		break;
	case 408:
		hw->stats.http_408++;
		break;
	case 414:
		hw->stats.http_414++;
		break;
	case 431:
		hw->stats.http_431++;
		break;
	case 501:
		hw->stats.http_501++;
		break;
	case 502:
		hw->stats.http_502++;
		break;
	case 503:
		hw->stats.http_503++;
		break;
	case 505:
		hw->stats.http_505++;
		break;
	default:
		break;
	}
}

/* Answer status with a JSON error and close (the endpoint sends it reliably). */
static void
answer(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
       struct weir_http_ctx *x, int status, const char *error)
{
	struct weir_tcp_ep_out o = {0};
	uint8_t *resp;
	size_t len;

	if (x->buf == 0 || x->ep.state != WEIR_TCP_EP_COLLECT)
		return;
	resp = buf_of(hw, x) + hw->buf_size - WEIR_HTTP_BUF_ANSWER;
	len = weir_http_response(resp, WEIR_HTTP_BUF_ANSWER, status, error, time(NULL), 1);
	x->phase = WEIR_HTTP_P_ANSWER;
	count_status(hw, status);
	if (weir_tcp_ep_respond(&x->ep, resp, (uint32_t)len, 1, hw->now_ms, &o) >= 0)
		ep_out(hw, idx, c, x, &o);
}

/* ---- the head ---------------------------------------------------------------------- */

static void
addr_str(const struct weir_conn *c, char *s, size_t n)
{
	inet_ntop(c->client.family == 4 ? AF_INET : AF_INET6, c->client.src, s, (socklen_t)n);
}

/*
 * The head is complete: route it, rewrite it in place (the body bytes taken
 * after it move with it) and ask for a backend. Returns 1 when routed.
 */
static int
head_done(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	  struct weir_http_ctx *x, const struct weir_http_req *r, uint32_t head_len)
{
	const struct weir_http_config *h = conf_of(x);
	uint8_t *buf = buf_of(hw, x);
	char client[64], rid[40];
	struct weir_http_edit e[6];
	unsigned int n = 0, svc = x->parent;
	uint32_t extra = x->ep.len - head_len;
	size_t rw;
	int route;

	hw->stats.http_heads++;
	if (r->method == WEIR_HTTP_CONNECT) {
		answer(hw, idx, c, x, 501, "CONNECT is not supported");
		return 0;
	}
	route = weir_http_route_match(&h->routes, buf + r->host.off, r->host.len, buf + r->path.off,
				      r->path.len);
	if (route < 0 && h->default_404) {
		hw->route_hits[x->parent * (WEIR_HTTP_ROUTES_MAX + 1) + WEIR_HTTP_ROUTES_MAX]++;
		answer(hw, idx, c, x, 404, "no route");
		return 0;
	}
	if (route >= 0)
		svc = h->route[route].service;
	x->route = route >= 0 ? (uint16_t)route : NO_ROUTE;
	hw->route_hits[x->parent * (WEIR_HTTP_ROUTES_MAX + 1) +
		       (route >= 0 ? (unsigned int)route : WEIR_HTTP_ROUTES_MAX)]++;

	addr_str(c, client, sizeof(client));
	e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_APPEND, "X-Forwarded-For", client};
	e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_SET, "X-Forwarded-Proto",
					 h->forwarded_proto};
	if (weir_http_header_find(r, buf, "x-request-id") < 0) {
		snprintf(rid, sizeof(rid), "%08x%08x%016llx",
			 (unsigned int)c->client.sport << 16 | c->client.dport, x->s.c_isn,
			 (unsigned long long)hw->stats.http_heads);
		e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_ADD, "X-Request-Id", rid};
	}
	e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_APPEND, "Via", weir_http_via[x->parent]};
	e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_DEL, "Proxy-Connection", NULL};
	rw = weir_http_rewrite(r, buf, head_len, e, n, hw->scratch,
			       hw->buf_size - WEIR_HTTP_BUF_ANSWER - extra);
	if (rw == 0) {
		answer(hw, idx, c, x, 431, "request head too large");
		return 0;
	}
	memmove(buf + rw, buf + head_len, extra);
	memcpy(buf, hw->scratch, rw);
	x->ep.len = (uint32_t)rw + extra;
	x->ep.cap = hw->buf_size - WEIR_HTTP_BUF_ANSWER;
	x->ep.hdr_deadline = UINT64_MAX;    /* the head is in */
	x->shift = (uint32_t)rw - head_len; /* the splice's d_c2b, once the backend answers */
	hw->bind_svc = svc;
	return 1;
}

/* Parse what the buffer holds; 1 when the head is routed (bind it). */
static int
parse(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c, struct weir_http_ctx *x)
{
	const struct weir_http_config *h = conf_of(x);
	struct weir_http_limits lim = {h->head_max, h->headers_max, h->target_max};
	struct weir_http_req *r = &hw->req;
	int rc;

	weir_http_req_init(r);
	r->scanned = x->scanned;
	rc = weir_http_parse_req(r, buf_of(hw, x), x->ep.len, &lim);
	x->scanned = r->scanned;
	if (rc == 0) {
		if (x->ep.len >= h->head_max) {
			hw->stats.http_head_full++;
			answer(hw, idx, c, x, 431, "request head too large");
		}
		return 0;
	}
	if (rc < 0) {
		answer(hw, idx, c, x, -rc, weir_http_fault_name((enum weir_http_fault)r->fault));
		return 0;
	}
	return head_done(hw, idx, c, x, r, (uint32_t)rc);
}

/* A client segment for the endpoint (before the splice). 1: routed. */
static int
collect(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	struct weir_http_ctx *x, const uint8_t *buf, const struct weir_pkt *p)
{
	struct weir_tcp_seg seg;
	struct weir_tcp_ep_seg in;
	struct weir_tcp_ep_out o = {0};
	uint8_t *tcp = (uint8_t *)buf + p->l4_off;

	seg_of((uint8_t *)buf, p, &seg);
	in.flags = seg.flags;
	in.seq = seg.seq;
	in.ack = seg.ack;
	in.win = seg.win;
	in.len = seg.len;
	in.data = tcp + 20 + seg.opts_len;
	weir_tcp_ep_input(&x->ep, &in, hw->now_ms, &o);
	ep_out(hw, idx, c, x, &o);
	if (x->ep.state == WEIR_TCP_EP_CLOSED) {
		if (x->phase == WEIR_HTTP_P_CONNECT) {
			/* The client reset while the backend handshake runs. */
			struct weir_tcp_emit rc, rb;

			weir_tcp_sp_abort(&x->s, &rc, &rb);
			frame(hw, idx, c, 1, rb.flags, rb.seq, rb.ack, 0, NULL, 0, NULL, 0);
		}
		x->phase = WEIR_HTTP_P_ANSWER;
		return 0;
	}
	if ((o.ev & WEIR_TCP_EP_EV_FIN) && x->phase == WEIR_HTTP_P_CONNECT)
		x->fin_in = 1;
	if (x->phase != WEIR_HTTP_P_COLLECT)
		return 0;
	if (o.ev & WEIR_TCP_EP_EV_DATA && parse(hw, idx, c, x))
		return 1;
	if ((o.ev & WEIR_TCP_EP_EV_FIN) && x->phase == WEIR_HTTP_P_COLLECT) {
		/* The client closed before its head ended: nothing to answer. */
		struct weir_tcp_ep_out f = {0};

		x->phase = WEIR_HTTP_P_ANSWER;
		if (weir_tcp_ep_respond(&x->ep, NULL, 0, 1, hw->now_ms, &f) >= 0)
			ep_out(hw, idx, c, x, &f);
	}
	return 0;
}

/* ---- the backend leg ------------------------------------------------------------- */

static uint32_t
pfx_total(const struct weir_http_ctx *x)
{
	return x->pfx_len + x->fin_in;
}

/* Send weir's prefix from pfx_nxt, as the backend's window allows. */
static void
send_prefix(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	    struct weir_http_ctx *x)
{
	const struct weir_tcp_splice *s = &x->s;
	uint32_t base = s->c_isn + 1, ack = s->c_ack - s->d_b2c;
	uint16_t win = weir_tcp_win_rescale(s->c_win, s->c_ws, s->cb_ws);
	uint32_t mss = x->b_mss < FRAME_DATA_MAX ? x->b_mss : FRAME_DATA_MAX;
	const uint8_t *buf = buf_of(hw, x);

	while (x->pfx_nxt < x->pfx_len && hw->n_out < WEIR_HTTP_OUT_MAX - 2) {
		uint32_t n = x->pfx_len - x->pfx_nxt, wnd_end = x->pfx_una + x->b_wnd;

		if (x->pfx_nxt >= wnd_end)
			break;
		if (n > wnd_end - x->pfx_nxt)
			n = wnd_end - x->pfx_nxt;
		if (n > mss)
			n = mss;
		frame(hw, idx, c, 1,
		      WEIR_TCP_F_ACK | (x->pfx_nxt + n == x->pfx_len ? WEIR_TCP_F_PSH : 0),
		      base + x->pfx_nxt, ack, win, buf + x->pfx_nxt, n, NULL, 0);
		x->pfx_nxt += n;
	}
	if (x->fin_in && x->pfx_nxt == x->pfx_len) {
		frame(hw, idx, c, 1, WEIR_TCP_F_FIN | WEIR_TCP_F_ACK, base + x->pfx_len, ack, win,
		      NULL, 0, NULL, 0);
		x->pfx_nxt++;
	}
	if (x->rtx_at == 0 && x->pfx_una < pfx_total(x))
		x->rtx_at = hw->now_ms + ((uint64_t)PFX_RTO_MS << x->rtx);
}

/* The backend's SYN-ACK was taken: splice, and send the prefix. */
static void
spliced(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	struct weir_http_ctx *x, const struct weir_tcp_seg *synack)
{
	struct weir_tcp_opts o;
	uint32_t cw;

	x->b_mss = 536;
	if (weir_tcp_opts_parse(synack->opts, synack->opts_len, &o) == 0 &&
	    (o.present & WEIR_TCP_HAS_MSS) && o.mss >= 64)
		x->b_mss = o.mss;
	x->b_wnd = synack->win; /* a SYN-ACK's window is never scaled */
	x->floor = x->ep.rcv_nxt;
	x->pfx_len = x->ep.len;
	x->pfx_nxt = x->pfx_una = 0;
	x->s.c_nxt = x->ep.rcv_nxt;
	x->s.d_c2b = x->shift;
	cw = x->ep.snd_wnd >> x->s.c_ws;
	x->s.c_win = (uint16_t)(cw > 65535u ? 65535u : cw);
	if (x->fin_in) {
		x->s.flags |= WEIR_TCP_SPF_FIN_C;
		x->s.fin_c = x->ep.rcv_nxt - 1;
	}
	x->phase = WEIR_HTTP_P_SEND;
	x->rtx = 0;
	x->rtx_at = 0;
	hw->stats.http_spliced++;
	send_prefix(hw, idx, c, x);
}

/* The backend ACKed up to ack (its view): the prefix's progress. */
static void
prefix_acked(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	     struct weir_http_ctx *x, uint32_t ack)
{
	uint32_t off = ack - (x->s.c_isn + 1);

	if (off > pfx_total(x) || off <= x->pfx_una)
		return;
	x->pfx_una = off;
	x->rtx = 0;
	x->rtx_at = 0;
	if (seq_lt(x->pfx_nxt, off))
		x->pfx_nxt = off;
	if (off == pfx_total(x)) {
		x->phase = WEIR_HTTP_P_SPLICED;
		buf_put(hw, x);
		return;
	}
	send_prefix(hw, idx, c, x);
}

/* ---- entry points ------------------------------------------------------------------ */

void
weir_http_iteration(struct weir_http_worker *hw, uint64_t now_ms)
{
	hw->now_ms = now_ms;
}

struct weir_verdict
weir_http_accept(struct weir_http_worker *hw, struct rte_mbuf *m, const struct weir_pkt *p,
		 unsigned int svc, uint32_t idx, const struct weir_tcp_splice *s)
{
	const struct weir_http_config *h = weir.cfg->services[svc].http;
	struct weir_http_ctx *x = &hw->ctx[idx];
	struct weir_tcp_ep_params prm = {0};
	const struct weir_conn *c;
	uint32_t b;

	if (hw->n_free == 0) {
		hw->stats.http_no_buffer++;
		return weir_v_drop(WEIR_DROP_HTTP_NO_BUFFER);
	}
	b = hw->buf_free[--hw->n_free];
	memset(x, 0, sizeof(*x));
	x->buf = b + 1;
	hw->buf_owner[b] = idx;
	x->s = *s;
	x->parent = (uint8_t)svc;
	x->route = NO_ROUTE;
	prm.iss = s->w_isn;
	prm.irs = s->c_isn;
	prm.mss = s->mss;
	prm.peer_wscale = s->c_ws_opt;
	prm.wscale = s->adv_ws;
	prm.sack_ok = (s->flags & WEIR_TCP_SPF_CLIENT_SACK) != 0;
	prm.header_timeout_ms = h->header_timeout_ms;
	weir_tcp_ep_open(&x->ep, &prm, buf_of(hw, x), h->head_max, hw->now_ms);
	x->phase = WEIR_HTTP_P_COLLECT;
	hw->stats.http_conns++;
	c = hw->conn(hw->conn_arg, idx);
	if (collect(hw, idx, c, x, rte_pktmbuf_mtod(m, uint8_t *), p))
		return (struct weir_verdict){.kind = WEIR_V_CONSUMED, .event = WEIR_EV_ROUTE};
	return weir_v(WEIR_V_CONSUMED, 0);
}

void
weir_http_bound(struct weir_http_worker *hw, uint32_t idx, struct weir_conn *c, int status)
{
	struct weir_http_ctx *x = &hw->ctx[idx];
	struct weir_tcp_emit e;

	if (status != 0) {
		answer(hw, idx, c, x, status, "no backend available");
		return;
	}
	hw->stats.http_routed++;
	x->phase = WEIR_HTTP_P_CONNECT;
	if (weir_tcp_sp_backend_syn(&x->s, &e) == 0)
		frame(hw, idx, c, 1, e.flags, e.seq, e.ack, e.win, NULL, 0, e.opts, e.opts_len);
	x->rtx = 0;
	x->rtx_at = hw->now_ms + SYN_RTO_MS;
}

struct weir_verdict
weir_http_from_client(struct weir_http_worker *hw, struct rte_mbuf *m, const struct weir_pkt *p,
		      uint32_t idx, struct weir_conn *c)
{
	struct weir_http_ctx *x = &hw->ctx[idx];
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	struct weir_tcp_seg seg;
	struct weir_tcp_emit out;
	uint32_t csum = 0, end;
	int rc;

	switch (x->phase) {
	case WEIR_HTTP_P_COLLECT:
	case WEIR_HTTP_P_ANSWER:
	case WEIR_HTTP_P_CONNECT:
		if (collect(hw, idx, c, x, buf, p))
			return (struct weir_verdict){.kind = WEIR_V_CONSUMED,
						     .event = WEIR_EV_ROUTE};
		return weir_v(WEIR_V_CONSUMED, 0);
	case WEIR_HTTP_P_SEND:
	case WEIR_HTTP_P_SPLICED:
		break;
	default:
		return weir_v_drop(WEIR_DROP_HTTP_SEGMENT);
	}
	seg_of(buf, p, &seg);
	end = seg.seq + seg.len + ((seg.flags & WEIR_TCP_F_FIN) ? 1 : 0);
	if (!(seg.flags & WEIR_TCP_F_RST) && end != seg.seq && seq_lt(seg.seq, x->floor)) {
		/* Bytes weir ACKed itself (its ACK was lost): ACK them again;
		 * one that straddles the mark is retransmitted by the client
		 * from it, once it has that ACK. */
		uint32_t b_ack = x->s.b_ack - x->s.d_c2b;

		hw->stats.http_old_segments++;
		frame(hw, idx, c, 0, WEIR_TCP_F_ACK, x->s.b_nxt + x->s.d_b2c,
		      seq_lt(b_ack, x->floor) ? x->floor : b_ack,
		      weir_tcp_win_rescale(x->s.b_win, x->s.b_ws, x->s.adv_ws), NULL, 0, NULL, 0);
		return weir_v(WEIR_V_CONSUMED, 0);
	}
	rc = weir_tcp_sp_from_client(&x->s, &seg, &csum, &out);
	if (rc < 0 || !(rc & WEIR_TCP_SP_FORWARD))
		return weir_v_drop(WEIR_DROP_HTTP_SEGMENT);
	seg_store(buf, p, &seg, csum);
	hw->stats.http_bytes_c2b += seg.len;
	return weir_v_continue();
}

struct weir_verdict
weir_http_from_backend(struct weir_http_worker *hw, struct rte_mbuf *m, const struct weir_pkt *p,
		       uint32_t idx, struct weir_conn *c)
{
	struct weir_http_ctx *x = &hw->ctx[idx];
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	struct weir_tcp_seg seg;
	struct weir_tcp_emit out;
	uint32_t csum = 0, raw_ack;
	uint8_t phase = x->phase;
	int rc;

	if (phase < WEIR_HTTP_P_CONNECT)
		return weir_v_drop(WEIR_DROP_HTTP_SEGMENT);
	seg_of(buf, p, &seg);
	raw_ack = seg.ack;
	rc = weir_tcp_sp_from_backend(&x->s, &seg, &csum, &out);
	if (rc < 0)
		return weir_v_drop(WEIR_DROP_HTTP_SEGMENT);
	if (phase == WEIR_HTTP_P_CONNECT) {
		if (rc & WEIR_TCP_SP_FLUSH) {
			spliced(hw, idx, c, x, &seg);
			return (struct weir_verdict){.kind = WEIR_V_CONSUMED,
						     .event = WEIR_EV_ESTABLISHED};
		}
		if (rc & WEIR_TCP_SP_EMIT_BACKEND) {
			frame(hw, idx, c, 1, out.flags, out.seq, out.ack, out.win, NULL, 0, NULL,
			      0);
			return weir_v(WEIR_V_CONSUMED, 0);
		}
		if (rc & WEIR_TCP_SP_EMIT_CLIENT) {
			/* The backend refused: weir answers instead of an RST. */
			x->rtx_at = 0;
			answer(hw, idx, c, x, 502, "the backend refused the connection");
			return (struct weir_verdict){.kind = WEIR_V_CONSUMED,
						     .event = WEIR_EV_REFUSED};
		}
		return weir_v_drop(WEIR_DROP_HTTP_SEGMENT);
	}
	if (rc & WEIR_TCP_SP_EMIT_BACKEND) {
		frame(hw, idx, c, 1, out.flags, out.seq, out.ack, out.win, NULL, 0, NULL, 0);
		return weir_v(WEIR_V_CONSUMED, 0);
	}
	if (!(rc & WEIR_TCP_SP_FORWARD))
		return weir_v_drop(WEIR_DROP_HTTP_SEGMENT);
	if (phase == WEIR_HTTP_P_SEND && (seg.flags & WEIR_TCP_F_ACK)) {
		x->b_wnd = (uint32_t)x->s.b_win << x->s.b_ws;
		prefix_acked(hw, idx, c, x, raw_ack);
		/* An ACK of weir's own bytes only: not the client's business. */
		if (x->phase == WEIR_HTTP_P_SEND && seg.len == 0 &&
		    !(seg.flags & (WEIR_TCP_F_FIN | WEIR_TCP_F_RST)))
			return weir_v(WEIR_V_CONSUMED, 0);
	}
	/* The client's bytes weir ACKed itself stay ACKed. */
	if ((seg.flags & WEIR_TCP_F_ACK) && seq_lt(seg.ack, x->floor)) {
		weir_tcp_csum_add32(&csum, seg.ack, x->floor);
		seg.ack = x->floor;
	}
	seg_store(buf, p, &seg, csum);
	hw->stats.http_bytes_b2c += seg.len;
	return weir_v_continue();
}

/* One connection's timers. */
static void
timers(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
       struct weir_http_ctx *x)
{
	struct weir_tcp_ep_out o = {0};
	struct weir_tcp_emit rc, rb;

	switch (x->phase) {
	case WEIR_HTTP_P_COLLECT:
	case WEIR_HTTP_P_ANSWER:
		if (weir_tcp_ep_next_ms(&x->ep) > hw->now_ms)
			return;
		weir_tcp_ep_timer(&x->ep, hw->now_ms, &o);
		for (unsigned int i = 0; i < o.n; i++)
			if (o.seg[i].len != 0)
				hw->stats.http_rtx_client++;
		ep_out(hw, idx, c, x, &o);
		if (o.ev & WEIR_TCP_EP_EV_HEADER_TIMEOUT) {
			hw->stats.http_header_timeouts++;
			answer(hw, idx, c, x, 408, "request head not complete in time");
		}
		return;
	case WEIR_HTTP_P_CONNECT:
		if (x->rtx_at == 0 || x->rtx_at > hw->now_ms)
			break;
		if (++x->rtx >= SYN_TRIES) {
			weir_tcp_sp_abort(&x->s, &rc, &rb);
			frame(hw, idx, c, 1, rb.flags, rb.seq, rb.ack, 0, NULL, 0, NULL, 0);
			x->rtx_at = 0;
			answer(hw, idx, c, x, 503, "the backend did not answer");
			event(hw, idx, WEIR_EV_REFUSED);
			return;
		}
		if (weir_tcp_sp_backend_syn(&x->s, &rb) == 0)
			frame(hw, idx, c, 1, rb.flags, rb.seq, rb.ack, rb.win, NULL, 0, rb.opts,
			      rb.opts_len);
		hw->stats.http_rtx_backend++;
		x->rtx_at = hw->now_ms + ((uint64_t)SYN_RTO_MS << x->rtx);
		break;
	case WEIR_HTTP_P_SEND:
		if (x->rtx_at == 0 || x->rtx_at > hw->now_ms)
			break;
		if (++x->rtx > PFX_MAX_RTX) {
			weir_tcp_sp_abort(&x->s, &rc, &rb);
			frame(hw, idx, c, 1, rb.flags, rb.seq, rb.ack, 0, NULL, 0, NULL, 0);
			frame(hw, idx, c, 0, rc.flags, rc.seq, rc.ack, 0, NULL, 0, NULL, 0);
			x->phase = WEIR_HTTP_P_SPLICED;
			buf_put(hw, x);
			event(hw, idx, WEIR_EV_CLOSED);
			return;
		}
		hw->stats.http_rtx_backend++;
		x->pfx_nxt = x->pfx_una; /* go back */
		x->rtx_at = 0;
		send_prefix(hw, idx, c, x);
		break;
	default:
		break;
	}
}

void
weir_http_poll(struct weir_http_worker *hw, unsigned int budget)
{
	unsigned int k;

	if (hw->n_bufs == 0 || hw->n_free == hw->n_bufs)
		return;
	for (k = 0; k < budget && hw->n_out < WEIR_HTTP_OUT_MAX / 2; k++) {
		uint32_t b = hw->scan, idx;

		hw->scan = b + 1 == hw->n_bufs ? 0 : b + 1;
		idx = hw->buf_owner[b];
		if (idx != WEIR_CONN_NONE)
			timers(hw, idx, hw->conn(hw->conn_arg, idx), &hw->ctx[idx]);
	}
}

void
weir_http_gone(struct weir_http_worker *hw, uint32_t idx)
{
	struct weir_http_ctx *x;

	if (hw->ctx == NULL)
		return;
	x = &hw->ctx[idx];
	buf_put(hw, x);
	x->phase = WEIR_HTTP_P_NONE;
}
