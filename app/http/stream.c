/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client's stream once spliced (keep-alive, pipelining): request
 * bodies are counted as they pass (lib/http_lite's boundary tracker) and
 * forwarded untouched; where one ends, the bytes that follow are the next
 * request's head, collected into the buffer, parsed, routed and rewritten
 * before any of it reaches the backend, then sent as weir's prefix with a
 * new shift. Segments are tracked in order: one beyond the next byte is
 * dropped (the client sends it again), one from before is forwarded with
 * the shift its bytes were sent under.
 *
 * weir ACKs bytes it holds only once the backend has ACKed every byte
 * before them (hold_seq): until then the client keeps those earlier bytes,
 * which it may have to send again.
 */
#include <string.h>

#include <rte_mbuf.h>

#include "core/drop.h"
#include "http/http-priv.h"

#define LATE_WAIT_MS 10000u /* the backend's FIN after weir's, at most */
#define LATE_RTO_MS 200u    /* weir's FIN again, doubling */

/* The shift of the client's byte seq. */
static uint32_t
d_for(const struct weir_http_ctx *x, uint32_t seq)
{
	return seq_lt(seq, x->shift_seq) ? x->d_prev : x->s.d_c2b;
}

/* How many of the n bytes at b are the current request's body (the head
 * of the next one follows: c2b HEAD); -1 for a malformed chunked body. */
static long
track(struct weir_http_ctx *x, const uint8_t *b, uint32_t n)
{
	int done = 0;
	long k;

	if (x->c2b == WEIR_HTTP_C2B_OPAQUE || n == 0)
		return n;
	k = weir_http_body_feed(&x->rb, b, n, &done);
	if (k >= 0 && done)
		x->c2b = WEIR_HTTP_C2B_HEAD;
	return k;
}

void
http_track_first(struct weir_http_ctx *x, const uint8_t *buf)
{
	uint32_t body = x->ep.len - x->head_rw;
	long k = track(x, buf + x->head_rw, body);

	if (k < 0)
		k = body; /* the backend sees the malformed coding, and refuses it */
	x->pfx_seq = x->s.c_isn + 1 + x->base;
	x->hold_seq = x->pfx_seq;
	x->pfx_len = x->head_rw + (uint32_t)k;
	x->col_off = x->pfx_len;
	x->col_len = body - (uint32_t)k;
	x->col_seq = x->ep.rcv_nxt - x->col_len - x->fin_in;
	x->col_d = x->s.d_c2b;
	x->d_prev = x->s.d_c2b;
	x->shift_seq = x->col_seq;
	x->scanned = 0;
	if (x->col_len != 0)
		x->fin_in = 0; /* a FIN after a pipelined head: the head is refused, FIN or not */
}

/* ACK the client again: what the backend has (in the client's view), or
 * what weir ACKed itself if that is more. */
static void
http_reack(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	   const struct weir_http_ctx *x)
{
	uint32_t b_ack = x->s.b_ack - x->s.d_c2b;

	http_frame(hw, idx, c, 0, WEIR_TCP_F_ACK, x->s.b_nxt + x->s.d_b2c,
		   seq_lt(b_ack, x->floor) ? x->floor : b_ack,
		   weir_tcp_win_rescale(x->s.b_win, x->s.b_ws, x->s.adv_ws), NULL, 0, NULL, 0);
}

/* weir may ACK what it holds once the backend has ACKed every byte before it. */
void
http_ack_taken(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	       struct weir_http_ctx *x)
{
	uint32_t end = x->col_seq + x->col_len;

	if (!seq_lt(x->floor, end) || seq_lt(x->s.b_ack, x->hold_seq))
		return;
	x->floor = end;
	http_frame(hw, idx, c, 0, WEIR_TCP_F_ACK, x->s.b_nxt + x->s.d_b2c, x->floor,
		   weir_tcp_win_rescale(x->s.b_win, x->s.b_ws, x->s.adv_ws), NULL, 0, NULL, 0);
}

/*
 * A later request weir refuses (malformed, no route, another pool): it is
 * answered in order. weir sends the backend a FIN where the refused
 * request would have begun; the backend finishes the response before it
 * and closes; its FIN is kept from the client (http_late_backend()), and
 * once the client has ACKed the last byte before it, weir resets the
 * backend and answers from that very sequence number, then closes.
 */
static void
refuse_later(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	     struct weir_http_ctx *x, int status, const char *why)
{
	hw->stats.http_later_refused++;
	x->late_status = (uint16_t)status;
	x->late_why = why;
	x->late_fin = x->col_seq + x->col_d;
	x->late_until = hw->now_ms + LATE_WAIT_MS;
	x->col_len = 0;
	x->phase = WEIR_HTTP_P_LATE;
	x->c2b = WEIR_HTTP_C2B_OPAQUE;
	x->rtx = 0;
	http_late_fin(hw, idx, c, x);
}

void
http_late_fin(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	      struct weir_http_ctx *x)
{
	const struct weir_tcp_splice *s = &x->s;

	http_frame(hw, idx, c, 1, WEIR_TCP_F_FIN | WEIR_TCP_F_ACK, x->late_fin,
		   http_c2b_ack(hw, x, s->c_ack), http_c2b_win(hw, x, s->c_ack, s->c_win), NULL, 0,
		   NULL, 0);
	x->rtx_at = hw->now_ms + ((uint64_t)LATE_RTO_MS << x->rtx);
}

/* The backend's FIN came and the client has every byte before it: answer. */
static void
late_check(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	   struct weir_http_ctx *x)
{
	struct weir_tcp_splice *s = &x->s;
	struct weir_tcp_ep_params prm = {0};

	if (x->phase != WEIR_HTTP_P_LATE || !(s->flags & WEIR_TCP_SPF_FIN_B) ||
	    seq_lt(s->c_ack, s->fin_b + s->d_b2c))
		return;
	http_frame(hw, idx, c, 1, WEIR_TCP_F_RST | WEIR_TCP_F_ACK, x->late_fin + 1, s->fin_b + 1, 0,
		   NULL, 0, NULL, 0);
	if (x->buf == 0 && hw->n_free != 0) {
		x->buf = hw->buf_free[--hw->n_free] + 1;
		hw->buf_owner[x->buf - 1] = idx;
		x->pre_len = 0; /* an answer written in the buffer given back is gone */
	}
	if (x->buf == 0) {
		/* No buffer for the answer: the client is reset instead. */
		hw->stats.http_no_buffer++;
		http_frame(hw, idx, c, 0, WEIR_TCP_F_RST | WEIR_TCP_F_ACK, s->fin_b + s->d_b2c,
			   s->c_nxt, 0, NULL, 0, NULL, 0);
		x->phase = WEIR_HTTP_P_SPLICED;
		http_event_q(hw, idx, WEIR_EV_CLOSED);
		return;
	}
	/* weir's end of the client's connection, from where the backend's ended. */
	prm.iss = s->fin_b + s->d_b2c - 1;
	prm.irs = s->c_nxt - 1;
	prm.mss = s->mss;
	prm.peer_wscale = s->c_ws_opt;
	prm.wscale = s->adv_ws;
	/* The head buffer's room, as for a first request: behind a zero window
	 * the client's FIN waits (a sender keeps even a FIN within the window). */
	weir_tcp_ep_open(&x->ep, &prm, http_buf(hw, x), http_conf(x)->head_max, hw->now_ms);
	x->ep.snd_wnd = (uint32_t)s->c_win << s->c_ws;
	x->ep.hdr_deadline = UINT64_MAX;
	x->rtx_at = 0;
	http_answer(hw, idx, c, x, x->late_status, x->late_why);
}

struct weir_verdict
http_late_backend(struct weir_http_worker *hw, struct rte_mbuf *m, const struct weir_pkt *p,
		  uint32_t idx, struct weir_conn *c, struct weir_http_ctx *x)
{
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *tcp = buf + p->l4_off;
	struct weir_tcp_seg seg;
	struct weir_tcp_emit out;
	uint32_t csum = 0, raw_seq;
	const uint8_t *data;
	int rc;

	http_seg_of(buf, p, &seg);
	raw_seq = seg.seq;
	data = tcp + 20 + seg.opts_len;
	rc = weir_tcp_sp_from_backend_ed(&x->s, http_rsp_track(hw, x, &seg, data), &seg, &csum,
					 &out);
	if (rc < 0 || !(rc & WEIR_TCP_SP_FORWARD) || (seg.flags & WEIR_TCP_F_RST)) {
		/* A reset backend: nothing more comes from it; answer now. */
		if (rc >= 0 && (seg.flags & WEIR_TCP_F_RST) && !(x->s.flags & WEIR_TCP_SPF_FIN_B)) {
			x->s.flags |= WEIR_TCP_SPF_FIN_B;
			x->s.fin_b = x->s.b_nxt;
			x->s.c_ack = x->s.fin_b + x->s.d_b2c;
			late_check(hw, idx, c, x);
		}
		return weir_v(WEIR_V_CONSUMED, 0);
	}
	if (seg.flags & WEIR_TCP_F_FIN) {
		/* The client sees weir's answer, not this end. */
		uint16_t w = (uint16_t)(tcp[12] << 8 | tcp[13]); /* data offset, flags */

		weir_tcp_csum_add16(&csum, w, (uint16_t)(w & ~WEIR_TCP_F_FIN));
		tcp[13] &= (uint8_t)~WEIR_TCP_F_FIN;
		seg.flags &= (uint8_t)~WEIR_TCP_F_FIN;
	}
	if ((seg.flags & WEIR_TCP_F_ACK) && seq_lt(seg.ack, x->floor)) {
		weir_tcp_csum_add32(&csum, seg.ack, x->floor);
		seg.ack = x->floor;
	}
	if (http_rsp_rewrite(hw, idx, c, x, &seg, raw_seq, data)) {
		late_check(hw, idx, c, x);
		return weir_v(WEIR_V_CONSUMED, 0);
	}
	http_seg_store(buf, p, &seg, csum);
	hw->stats.http_bytes_b2c += seg.len;
	late_check(hw, idx, c, x);
	return weir_v_continue();
}

struct weir_verdict
http_late_client(struct weir_http_worker *hw, struct rte_mbuf *m, const struct weir_pkt *p,
		 uint32_t idx, struct weir_conn *c, struct weir_http_ctx *x)
{
	struct weir_tcp_seg seg;
	struct weir_verdict v;

	http_seg_of(rte_pktmbuf_mtod(m, uint8_t *), p, &seg);
	if (!(seg.flags & WEIR_TCP_F_RST) && (seg.len != 0 || (seg.flags & WEIR_TCP_F_FIN)) &&
	    !seq_lt(seg.seq, x->late_fin - x->col_d)) {
		/* The refused request's bytes, and anything after: never forwarded. */
		if ((seg.flags & WEIR_TCP_F_ACK) && seq_lt(x->s.c_ack, seg.ack))
			x->s.c_ack = seg.ack;
		if (seq_lt(x->s.c_nxt, seg.seq + seg.len))
			x->s.c_nxt = seg.seq + seg.len;
		late_check(hw, idx, c, x);
		return weir_v(WEIR_V_CONSUMED, 0);
	}
	v = http_spliced_client(hw, m, p, idx, c, x);
	late_check(hw, idx, c, x);
	/* Answered now: the backend was just reset, this segment (an ACK of its
	 * last bytes) would reach it after the RST. */
	if (x->phase != WEIR_HTTP_P_LATE && v.kind == WEIR_V_CONTINUE)
		return weir_v(WEIR_V_CONSUMED, 0);
	return v;
}

void
http_next_head(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	       struct weir_http_ctx *x)
{
	const struct weir_http_config *h = http_conf(x);
	struct weir_http_limits lim = {h->head_max, h->headers_max, h->target_max};
	struct weir_http_req *r = &hw->req;
	const char *why = NULL;
	unsigned int svc = 0;
	uint32_t head_len, extra, left, d;
	uint8_t *buf;
	long k;
	int rc, rw;

	if (x->c2b != WEIR_HTTP_C2B_HEAD || x->phase != WEIR_HTTP_P_SPLICED || x->col_len == 0)
		return;
	buf = http_buf(hw, x);
	if (x->col_off != 0) {
		memmove(buf, buf + x->col_off, x->col_len);
		x->col_off = 0;
	}
	weir_http_req_init(r);
	r->scanned = x->scanned;
	rc = weir_http_parse_req(r, buf, x->col_len, &lim);
	x->scanned = r->scanned;
	if (rc == 0) {
		if (x->col_len >= h->head_max) {
			hw->stats.http_head_full++;
			refuse_later(hw, idx, c, x, 431, "request head too large");
		}
		return;
	}
	if (rc < 0) {
		refuse_later(hw, idx, c, x, -rc,
			     weir_http_fault_name((enum weir_http_fault)r->fault));
		return;
	}
	head_len = (uint32_t)rc;
	extra = x->col_len - head_len;
	rw = http_route_rewrite(hw, c, x, r, buf, head_len,
				hw->buf_size - WEIR_HTTP_BUF_ANSWER - extra, &svc, &why);
	if (rw >= 0 && svc != c->service)
		http_rsp_unsent(hw, x);
	if (rw < 0 || svc != c->service) {
		refuse_later(hw, idx, c, x, rw < 0 ? -rw : 503,
			     rw < 0 ? why
				    : "the request routes to another pool than the connection's: "
				      "send it on a new connection");
		return;
	}
	hw->stats.http_heads_later++;
	memmove(buf + rw, buf + head_len, extra);
	memcpy(buf, hw->scratch, (size_t)rw);
	k = track(x, buf + rw, extra);
	if (k < 0)
		k = extra;
	left = extra - (uint32_t)k;
	/* weir's prefix: the rewritten head and the body bytes after it; the
	 * client's bytes from here on move by the head's growth too. */
	d = x->col_d + (uint32_t)rw - head_len;
	x->pfx_seq = x->col_seq + x->col_d;
	x->pfx_len = (uint32_t)rw + (uint32_t)k;
	x->pfx_nxt = x->pfx_una = 0;
	x->d_prev = x->col_d;
	x->shift_seq = x->col_seq;
	x->s.d_c2b = d;
	x->col_seq += head_len + (uint32_t)k;
	x->col_off = x->pfx_len;
	x->col_len = left;
	x->col_d = d;
	x->scanned = 0;
	x->phase = WEIR_HTTP_P_SEND;
	x->rtx = 0;
	x->rtx_at = 0;
	hw->stats.http_routed++;
	http_send_prefix(hw, idx, c, x);
}

/* Take the n client bytes at data (client seq seq) into the head being
 * collected: 0, or -1 if there is no room (the client sends them again). */
static int
take(struct weir_http_worker *hw, uint32_t idx, struct weir_http_ctx *x, const uint8_t *data,
     uint32_t n, uint32_t seq)
{
	uint32_t room;

	if (x->buf == 0) {
		if (hw->n_free == 0) {
			hw->stats.http_no_buffer++;
			return -1;
		}
		x->buf = hw->buf_free[--hw->n_free] + 1;
		hw->buf_owner[x->buf - 1] = idx;
		x->col_off = 0;
	}
	if (x->col_len == 0) {
		/* A new head starts: hold from here (unless a prefix is out,
		 * which holds from earlier). */
		x->col_seq = seq;
		x->col_d = x->s.d_c2b;
		if (x->phase == WEIR_HTTP_P_SPLICED)
			x->hold_seq = seq + x->col_d;
		x->scanned = 0;
	}
	room = hw->buf_size - WEIR_HTTP_BUF_ANSWER - x->col_off - x->col_len;
	if (n > room)
		return -1;
	memcpy(http_buf(hw, x) + x->col_off + x->col_len, data, n);
	x->col_len += n;
	return 0;
}

/* Forward the client's bytes [seq, seq + n) at data as a segment weir makes,
 * translated like seg (the rest of seg is weir's now). */
static void
forward_part(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	     struct weir_http_ctx *x, const struct weir_tcp_seg *seg, const uint8_t *data,
	     uint32_t n)
{
	if (n == 0)
		return;
	http_frame(hw, idx, c, 1, WEIR_TCP_F_ACK | WEIR_TCP_F_PSH, seg->seq + d_for(x, seg->seq),
		   http_c2b_ack(hw, x, seg->ack), http_c2b_win(hw, x, seg->ack, seg->win), data, n,
		   NULL, 0);
	hw->stats.http_bytes_c2b += n;
}

struct weir_verdict
http_spliced_client(struct weir_http_worker *hw, struct rte_mbuf *m, const struct weir_pkt *p,
		    uint32_t idx, struct weir_conn *c, struct weir_http_ctx *x)
{
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	struct weir_tcp_seg seg;
	struct weir_tcp_emit out;
	uint32_t csum = 0, end, expected = x->s.c_nxt, skip = 0, saved;
	const uint8_t *data;
	long k;
	int rc;

	http_seg_of(buf, p, &seg);
	data = buf + p->l4_off + 20 + seg.opts_len;
	end = seg.seq + seg.len + ((seg.flags & WEIR_TCP_F_FIN) ? 1 : 0);
	if (!(seg.flags & WEIR_TCP_F_RST) && end != seg.seq && seq_lt(seg.seq, x->floor)) {
		/* Bytes weir ACKed itself (its ACK was lost): ACK them again. */
		hw->stats.http_old_segments++;
		http_reack(hw, idx, c, x);
		return weir_v(WEIR_V_CONSUMED, 0);
	}
	if (seg.len != 0 && !(seg.flags & WEIR_TCP_F_RST) && x->c2b != WEIR_HTTP_C2B_OPAQUE) {
		if (seq_lt(expected, seg.seq)) {
			hw->stats.http_ooo++;
			return weir_v_drop(WEIR_DROP_HTTP_OUT_OF_ORDER);
		}
		if (seq_lt(seg.seq, expected)) {
			/* Bytes seen before: held by weir from col_seq on; before it,
			 * forwarded again with the shift they went under. */
			if (x->col_len != 0 && !seq_lt(seg.seq, x->col_seq))
				return weir_v(WEIR_V_CONSUMED, 0);
			/* From before the last shift: the backend lacks them (once
			 * it has them, weir's floor is past them, above), so d_prev,
			 * which changes only once the backend has ACKed a prefix,
			 * is still the shift they went under. */
			if (x->col_len != 0 && seq_lt(x->col_seq, end)) {
				forward_part(hw, idx, c, x, &seg, data, x->col_seq - seg.seq);
				return weir_v(WEIR_V_CONSUMED, 0);
			}
			if (!seq_lt(expected, end))
				goto forward;
			skip = expected - seg.seq; /* the rest is new */
		}
		if (x->c2b == WEIR_HTTP_C2B_BODY) {
			k = track(x, data + skip, seg.len - skip);
			if (k < 0 || (uint32_t)k == seg.len - skip)
				goto forward; /* the backend refuses a malformed body itself */
			/* The body ends inside: its bytes go on, the rest is a head. */
			forward_part(hw, idx, c, x, &seg, data, skip + (uint32_t)k);
			skip += (uint32_t)k;
		}
		/* A head: collected. */
		if (take(hw, idx, x, data + skip, seg.len - skip, seg.seq + skip) != 0)
			return weir_v_drop(WEIR_DROP_HTTP_NO_BUFFER);
		x->s.c_nxt = seg.seq + seg.len;
		if (seq_lt(x->s.c_ack, seg.ack))
			x->s.c_ack = seg.ack;
		http_ack_taken(hw, idx, c, x);
		http_next_head(hw, idx, c, x);
		return weir_v(WEIR_V_CONSUMED, 0);
	}
forward:
	saved = x->s.d_c2b;
	x->s.d_c2b = d_for(x, seg.seq);
	rc = weir_tcp_sp_from_client_ed(&x->s, http_ed(hw, x), &seg, &csum, &out);
	x->s.d_c2b = saved;
	if (rc < 0 || !(rc & WEIR_TCP_SP_FORWARD))
		return weir_v_drop(WEIR_DROP_HTTP_SEGMENT);
	http_seg_store(buf, p, &seg, csum);
	hw->stats.http_bytes_c2b += seg.len;
	return weir_v_continue();
}
