/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP connections in the workers (http.h): weir's end of the client's
 * connection until the head is read and routed, then the backend
 * handshake, weir's prefix (the rewritten head and the body bytes taken
 * meanwhile) and the splice.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "core/drop.h"
#include "core/weir.h"
#include "http/http-priv.h"
#include "weir_tcp_endpoint.h"

#define SYN_RTO_MS 1000u     /* the backend's SYN-ACK */
#define SYN_TRIES 4u	     /* SYNs before 503 */
#define PFX_RTO_MS 200u	     /* weir's prefix to the backend, doubling */
#define PFX_MAX_RTX 8u	     /* then both legs are reset */
#define FRAME_DATA_MAX 1400u /* payload per frame weir makes (fits a 2 KiB mbuf) */

/* ---- the backend leg ------------------------------------------------------------- */

static uint32_t
pfx_total(const struct weir_http_ctx *x)
{
	return x->pfx_len + x->fin_in;
}

/* Send weir's prefix from pfx_nxt, as the backend's window allows. */
void
http_send_prefix(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
		 struct weir_http_ctx *x)
{
	const struct weir_tcp_splice *s = &x->s;
	uint32_t base = x->pfx_seq, ack = http_c2b_ack(hw, x, s->c_ack);
	uint16_t win = http_c2b_win(hw, x, s->c_ack, s->c_win);
	uint32_t mss = x->b_mss < FRAME_DATA_MAX ? x->b_mss : FRAME_DATA_MAX;
	const uint8_t *buf = http_buf(hw, x);

	while (x->pfx_nxt < x->pfx_len && hw->n_out < WEIR_HTTP_OUT_MAX - 2) {
		uint32_t n = x->pfx_len - x->pfx_nxt, wnd_end = x->pfx_una + x->b_wnd;

		if (x->pfx_nxt >= wnd_end)
			break;
		if (n > wnd_end - x->pfx_nxt)
			n = wnd_end - x->pfx_nxt;
		if (n > mss)
			n = mss;
		http_frame(hw, idx, c, 1,
			   WEIR_TCP_F_ACK | (x->pfx_nxt + n == x->pfx_len ? WEIR_TCP_F_PSH : 0),
			   base + x->pfx_nxt, ack, win, buf + x->pfx_nxt, n, NULL, 0);
		x->pfx_nxt += n;
	}
	if (x->fin_in && x->pfx_nxt == x->pfx_len) {
		http_frame(hw, idx, c, 1, WEIR_TCP_F_FIN | WEIR_TCP_F_ACK, base + x->pfx_len, ack,
			   win, NULL, 0, NULL, 0);
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
	x->pfx_nxt = x->pfx_una = 0;
	x->s.c_nxt = x->ep.rcv_nxt;
	x->s.d_c2b = x->base + x->shift;
	http_track_first(x, http_buf(hw, x));
	http_rsp_start(x);
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
	http_send_prefix(hw, idx, c, x);
}

/* The backend ACKed up to ack (its view): the prefix's progress. */
static void
prefix_acked(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	     struct weir_http_ctx *x, uint32_t ack)
{
	uint32_t off;

	if (!seq_lt(x->pfx_seq + x->pfx_una, ack))
		return; /* nothing new */
	/* An ACK past the prefix covers client bytes forwarded after it too. */
	off = seq_lt(ack, x->pfx_seq + pfx_total(x)) ? ack - x->pfx_seq : pfx_total(x);
	x->pfx_una = off;
	x->rtx = 0;
	x->rtx_at = 0;
	if (seq_lt(x->pfx_nxt, off))
		x->pfx_nxt = off;
	if (off == pfx_total(x)) {
		/* Done: the buffer holds only the next head, if one came. */
		x->phase = WEIR_HTTP_P_SPLICED;
		/* The client's bytes in it, ACKed by weir only now if the
		 * backend lacked earlier ones when they came. */
		http_ack_taken(hw, idx, c, x);
		if (x->col_len == 0) {
			http_buf_put(hw, x);
			return;
		}
		x->hold_seq = x->col_seq + x->col_d;
		http_next_head(hw, idx, c, x);
		return;
	}
	http_send_prefix(hw, idx, c, x);
}

/* RFC 6528's ISN for the backend leg: a 4 us clock plus a keyed hash of
 * the connection (the worker's secret). */
static uint32_t
backend_isn(const struct weir_http_worker *hw, const struct weir_conn *c)
{
	uint8_t in[40];

	memcpy(in, c->local_ip, 16);
	memcpy(in + 16, c->backend_ip, 16);
	memcpy(in + 32, &c->lport, 2);
	memcpy(in + 34, &c->bport, 2);
	memset(in + 36, 0, 4);
	return (uint32_t)(hw->now_ms * 250u) + (uint32_t)weir_tcp_siphash24(hw->rid_key, in, 36);
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
	prm.iss = s->w_isn;
	prm.irs = s->c_isn;
	prm.mss = s->mss;
	prm.peer_wscale = s->c_ws_opt;
	prm.wscale = s->adv_ws;
	prm.sack_ok = (s->flags & WEIR_TCP_SPF_CLIENT_SACK) != 0;
	prm.header_timeout_ms = h->header_timeout_ms;
	weir_tcp_ep_open(&x->ep, &prm, http_buf(hw, x), h->head_max, hw->now_ms);
	x->phase = WEIR_HTTP_P_COLLECT;
	hw->stats.http_conns++;
	c = hw->conn(hw->conn_arg, idx);
	if (http_collect(hw, idx, c, x, rte_pktmbuf_mtod(m, uint8_t *), p))
		return (struct weir_verdict){.kind = WEIR_V_CONSUMED, .event = WEIR_EV_ROUTE};
	return weir_v(WEIR_V_CONSUMED, 0);
}

void
weir_http_bound(struct weir_http_worker *hw, uint32_t idx, struct weir_conn *c, int status)
{
	struct weir_http_ctx *x = &hw->ctx[idx];
	struct weir_tcp_emit e;

	if (status != 0) {
		http_answer(hw, idx, c, x, status, "no backend available");
		return;
	}
	hw->stats.http_routed++;
	x->phase = WEIR_HTTP_P_CONNECT;
	/* weir's own ISN towards the backend, from a clock (RFC 6528): the local
	 * port may have served a connection the backend still holds in
	 * TIME-WAIT, which takes a new SYN only above its old sequence
	 * numbers. The client's bytes move by the difference. */
	x->base = backend_isn(hw, c) - x->s.c_isn;
	x->s.d_c2b = x->base;
	x->s.b_ack = x->s.c_isn + 1 + x->base;
	if (weir_tcp_sp_backend_syn(&x->s, &e) == 0)
		http_frame(hw, idx, c, 1, e.flags, e.seq, e.ack, e.win, NULL, 0, e.opts,
			   e.opts_len);
	x->rtx = 0;
	x->rtx_at = hw->now_ms + SYN_RTO_MS;
}

struct weir_verdict
weir_http_from_client(struct weir_http_worker *hw, struct rte_mbuf *m, const struct weir_pkt *p,
		      uint32_t idx, struct weir_conn *c)
{
	struct weir_http_ctx *x = &hw->ctx[idx];
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	struct weir_verdict v;

	switch (x->phase) {
	case WEIR_HTTP_P_COLLECT:
	case WEIR_HTTP_P_ANSWER:
	case WEIR_HTTP_P_CONNECT:
		if (http_collect(hw, idx, c, x, buf, p))
			return (struct weir_verdict){.kind = WEIR_V_CONSUMED,
						     .event = WEIR_EV_ROUTE};
		return weir_v(WEIR_V_CONSUMED, 0);
	case WEIR_HTTP_P_SEND:
	case WEIR_HTTP_P_SPLICED:
		break;
	case WEIR_HTTP_P_LATE:
		v = http_late_client(hw, m, p, idx, c, x);
		http_fields_check(hw, x);
		return v;
	default:
		return weir_v_drop(WEIR_DROP_HTTP_SEGMENT);
	}
	v = http_spliced_client(hw, m, p, idx, c, x);
	http_fields_check(hw, x);
	return v;
}

struct weir_verdict
weir_http_from_backend(struct weir_http_worker *hw, struct rte_mbuf *m, const struct weir_pkt *p,
		       uint32_t idx, struct weir_conn *c)
{
	struct weir_http_ctx *x = &hw->ctx[idx];
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	struct weir_tcp_seg seg;
	struct weir_tcp_emit out;
	uint32_t csum = 0, raw_ack, raw_seq;
	uint8_t phase = x->phase;
	const uint8_t *data;
	int rc;

	if (phase < WEIR_HTTP_P_CONNECT)
		return weir_v_drop(WEIR_DROP_HTTP_SEGMENT);
	if (phase == WEIR_HTTP_P_LATE)
		return http_late_backend(hw, m, p, idx, c, x);
	http_seg_of(buf, p, &seg);
	raw_ack = seg.ack;
	raw_seq = seg.seq;
	data = buf + p->l4_off + 20 + seg.opts_len;
	rc = weir_tcp_sp_from_backend_ed(
		&x->s, phase == WEIR_HTTP_P_CONNECT ? NULL : http_rsp_track(hw, x, &seg, data),
		&seg, &csum, &out);
	if (rc < 0)
		return weir_v_drop(WEIR_DROP_HTTP_SEGMENT);
	if (phase == WEIR_HTTP_P_CONNECT) {
		if (rc & WEIR_TCP_SP_FLUSH) {
			spliced(hw, idx, c, x, &seg);
			return (struct weir_verdict){.kind = WEIR_V_CONSUMED,
						     .event = WEIR_EV_ESTABLISHED};
		}
		if (rc & WEIR_TCP_SP_EMIT_BACKEND) {
			http_frame(hw, idx, c, 1, out.flags, out.seq, out.ack, out.win, NULL, 0,
				   NULL, 0);
			return weir_v(WEIR_V_CONSUMED, 0);
		}
		if (!(seg.flags & (WEIR_TCP_F_SYN | WEIR_TCP_F_RST)) &&
		    (seg.flags & WEIR_TCP_F_ACK) && x->rtx < SYN_TRIES) {
			/* An old connection's ACK (the backend's TIME-WAIT): RFC 793's
			 * reset for it, and the SYN again at once. */
			http_frame(hw, idx, c, 1, WEIR_TCP_F_RST, raw_ack, 0, 0, NULL, 0, NULL, 0);
			if (weir_tcp_sp_backend_syn(&x->s, &out) == 0)
				http_frame(hw, idx, c, 1, out.flags, out.seq, out.ack, out.win,
					   NULL, 0, out.opts, out.opts_len);
			x->rtx++;
			hw->stats.http_rtx_backend++;
			return weir_v(WEIR_V_CONSUMED, 0);
		}
		if (rc & WEIR_TCP_SP_EMIT_CLIENT) {
			/* The backend refused: weir answers instead of an RST. */
			x->rtx_at = 0;
			http_answer(hw, idx, c, x, 502, "the backend refused the connection");
			return (struct weir_verdict){.kind = WEIR_V_CONSUMED,
						     .event = WEIR_EV_REFUSED};
		}
		return weir_v_drop(WEIR_DROP_HTTP_SEGMENT);
	}
	if (rc & WEIR_TCP_SP_EMIT_BACKEND) {
		http_frame(hw, idx, c, 1, out.flags, out.seq, out.ack, out.win, NULL, 0, NULL, 0);
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
	if (x->col_len != 0)
		http_ack_taken(hw, idx, c, x);
	/* The client's bytes weir ACKed itself stay ACKed. */
	if ((seg.flags & WEIR_TCP_F_ACK) && seq_lt(seg.ack, x->floor)) {
		weir_tcp_csum_add32(&csum, seg.ack, x->floor);
		seg.ack = x->floor;
	}
	if (http_rsp_rewrite(hw, idx, c, x, &seg, raw_seq, data))
		return weir_v(WEIR_V_CONSUMED, 0);
	http_seg_store(buf, p, &seg, csum);
	hw->stats.http_bytes_b2c += seg.len;
	return weir_v_continue();
}

/* weir gives up on a spliced connection: an RST to each side, closed. */
static void
reset_both(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	   struct weir_http_ctx *x)
{
	struct weir_tcp_emit rc, rb;

	weir_tcp_sp_abort(&x->s, &rc, &rb);
	http_frame(hw, idx, c, 1, rb.flags, rb.seq, rb.ack, 0, NULL, 0, NULL, 0);
	http_frame(hw, idx, c, 0, rc.flags, rc.seq, rc.ack, 0, NULL, 0, NULL, 0);
	x->phase = WEIR_HTTP_P_SPLICED;
	http_buf_put(hw, x);
	http_event_q(hw, idx, WEIR_EV_CLOSED);
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
		http_ep_out(hw, idx, c, x, &o);
		if (o.ev & WEIR_TCP_EP_EV_HEADER_TIMEOUT) {
			hw->stats.http_header_timeouts++;
			http_answer(hw, idx, c, x, 408, "request head not complete in time");
		}
		return;
	case WEIR_HTTP_P_CONNECT:
		if (x->rtx_at == 0 || x->rtx_at > hw->now_ms)
			break;
		if (++x->rtx >= SYN_TRIES) {
			weir_tcp_sp_abort(&x->s, &rc, &rb);
			http_frame(hw, idx, c, 1, rb.flags, rb.seq, rb.ack, 0, NULL, 0, NULL, 0);
			x->rtx_at = 0;
			http_answer(hw, idx, c, x, 503, "the backend did not answer");
			http_event_q(hw, idx, WEIR_EV_REFUSED);
			return;
		}
		if (weir_tcp_sp_backend_syn(&x->s, &rb) == 0)
			http_frame(hw, idx, c, 1, rb.flags, rb.seq, rb.ack, rb.win, NULL, 0,
				   rb.opts, rb.opts_len);
		hw->stats.http_rtx_backend++;
		x->rtx_at = hw->now_ms + ((uint64_t)SYN_RTO_MS << x->rtx);
		break;
	case WEIR_HTTP_P_LATE:
		if (hw->now_ms >= x->late_until) {
			reset_both(hw, idx, c, x); /* the backend never closed */
			return;
		}
		if (x->rtx_at != 0 && x->rtx_at <= hw->now_ms &&
		    seq_lt(x->s.b_ack, x->late_fin + 1) && x->rtx < PFX_MAX_RTX) {
			x->rtx++;
			hw->stats.http_rtx_backend++;
			http_late_fin(hw, idx, c, x);
		}
		break;
	case WEIR_HTTP_P_SEND:
		if (x->rtx_at == 0 || x->rtx_at > hw->now_ms)
			break;
		if (++x->rtx > PFX_MAX_RTX) {
			reset_both(hw, idx, c, x); /* the backend does not take the prefix */
			return;
		}
		hw->stats.http_rtx_backend++;
		x->pfx_nxt = x->pfx_una; /* go back */
		x->rtx_at = 0;
		http_send_prefix(hw, idx, c, x);
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
	http_buf_put(hw, x);
	http_fields_gone(hw, x);
	x->phase = WEIR_HTTP_P_NONE;
}
