/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weir's own end of a client's TCP connection (weir_tcp_endpoint.h): an
 * in-order-only receiver into the caller's head buffer and a go-back-N
 * sender of weir's answer and FIN, with the close handshake and RFC 5961's
 * RST and SYN checks.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "weir_tcp_endpoint.h"

#define EPF_FIN_RCVD 0x01u  /* the client's FIN is in (rcv_nxt is past it) */
#define EPF_CLOSE 0x02u	    /* a FIN follows the answer */
#define EPF_FIN_SENT 0x04u  /* weir's FIN is at resp_seq + resp_len */
#define EPF_FIN_ACKED 0x08u /* ... and ACKed */
#define EPF_HDR_DONE 0x10u  /* the header timeout is reported or moot */
#define EPF_SENT 0x20u	    /* EV_SENT reported for this answer */

#define NEVER UINT64_MAX

static int
seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static int
seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static uint32_t
room(const struct weir_tcp_ep *ep)
{
	return ep->cap - ep->len;
}

/* What is accepted beyond rcv_nxt: nothing once the client has closed. */
static uint32_t
rcv_wnd(const struct weir_tcp_ep *ep)
{
	return (ep->flags & EPF_FIN_RCVD) != 0 ? 0 : room(ep);
}

/* The room left, scaled down: rounding down never offers what would be dropped. */
static uint16_t
adv_win(const struct weir_tcp_ep *ep)
{
	uint32_t w = room(ep) >> ep->rcv_ws;

	return (uint16_t)(w > 65535u ? 65535u : w);
}

static uint32_t
data_end(const struct weir_tcp_ep *ep)
{
	return ep->resp_seq + ep->resp_len;
}

static void
emit(struct weir_tcp_ep *ep, struct weir_tcp_ep_out *out, uint8_t flags, uint32_t seq,
     const uint8_t *data, uint32_t len)
{
	struct weir_tcp_ep_tx *t = &out->seg[out->n++];

	t->flags = flags;
	t->seq = seq;
	t->ack = ep->rcv_nxt;
	t->win = (flags & WEIR_TCP_F_RST) != 0 ? 0 : adv_win(ep);
	t->data = len != 0 ? data : NULL;
	t->len = len;
}

static void
emit_ack(struct weir_tcp_ep *ep, struct weir_tcp_ep_out *out)
{
	emit(ep, out, WEIR_TCP_F_ACK, ep->snd_nxt, NULL, 0);
}

static void
set_closed(struct weir_tcp_ep *ep, struct weir_tcp_ep_out *out, uint32_t ev)
{
	ep->state = WEIR_TCP_EP_CLOSED;
	ep->hdr_deadline = ep->rtx_deadline = ep->close_deadline = NEVER;
	out->ev |= ev | WEIR_TCP_EP_EV_CLOSED;
}

/* weir aborts: an RST from the highest sequence number sent, then CLOSED. */
static void
abort_rst(struct weir_tcp_ep *ep, struct weir_tcp_ep_out *out, uint32_t ev)
{
	emit(ep, out, WEIR_TCP_F_RST | WEIR_TCP_F_ACK, ep->snd_max, NULL, 0);
	set_closed(ep, out, ev);
}

static void
bump_max(struct weir_tcp_ep *ep)
{
	if (seq_lt(ep->snd_max, ep->snd_nxt))
		ep->snd_max = ep->snd_nxt;
}

static void
send_fin(struct weir_tcp_ep *ep, struct weir_tcp_ep_out *out)
{
	emit(ep, out, WEIR_TCP_F_FIN | WEIR_TCP_F_ACK, ep->snd_nxt, NULL, 0);
	ep->snd_nxt++;
	bump_max(ep);
	ep->flags |= EPF_FIN_SENT;
	ep->state = WEIR_TCP_EP_FIN_WAIT;
}

/*
 * Send from snd_nxt what the window and out[] allow, then the FIN once
 * every answer byte is ACKed (it takes no window).
 */
static void
push(struct weir_tcp_ep *ep, struct weir_tcp_ep_out *out)
{
	uint32_t end = data_end(ep);

	if (ep->state != WEIR_TCP_EP_RESPOND && ep->state != WEIR_TCP_EP_FIN_WAIT)
		return;
	while (out->n < WEIR_TCP_EP_OUT_MAX && seq_lt(ep->snd_nxt, end)) {
		uint32_t wnd_end = ep->snd_una + ep->snd_wnd;
		uint32_t n = end - ep->snd_nxt;
		uint8_t flags = WEIR_TCP_F_ACK;

		if (!seq_lt(ep->snd_nxt, wnd_end))
			return;
		if (n > wnd_end - ep->snd_nxt)
			n = wnd_end - ep->snd_nxt;
		if (n > ep->mss)
			n = ep->mss;
		if (ep->snd_nxt + n == end)
			flags |= WEIR_TCP_F_PSH;
		emit(ep, out, flags, ep->snd_nxt, ep->resp + (ep->snd_nxt - ep->resp_seq), n);
		ep->snd_nxt += n;
		bump_max(ep);
	}
	if (out->n < WEIR_TCP_EP_OUT_MAX && (ep->flags & EPF_CLOSE) != 0 && ep->snd_nxt == end &&
	    ep->snd_una == end)
		send_fin(ep, out);
}

/*
 * The retransmission (or zero-window probe) timer: running while anything
 * is unACKed or waiting for the window. restart: from now, at the current
 * backoff; otherwise an armed timer is left alone.
 */
static void
arm_rtx(struct weir_tcp_ep *ep, uint64_t now_ms, int restart)
{
	int busy = ep->snd_una != ep->snd_max;

	if ((ep->state == WEIR_TCP_EP_RESPOND || ep->state == WEIR_TCP_EP_FIN_WAIT) &&
	    seq_lt(ep->snd_nxt, data_end(ep)))
		busy = 1;
	if (!busy) {
		ep->rtx_deadline = NEVER;
		return;
	}
	if (restart || ep->rtx_deadline == NEVER)
		ep->rtx_deadline = now_ms + ((uint64_t)ep->rto_ms << (ep->rtx < 20 ? ep->rtx : 20));
}

/* weir's FIN is ACKed: wait for the client's, or linger if it came. */
static void
fin_acked(struct weir_tcp_ep *ep, uint64_t now_ms)
{
	ep->flags |= EPF_FIN_ACKED;
	if ((ep->flags & EPF_FIN_RCVD) != 0) {
		ep->state = WEIR_TCP_EP_TIME_WAIT;
		ep->close_deadline = now_ms + ep->time_wait_ms;
	} else {
		ep->close_deadline = now_ms + ep->fin_timeout_ms;
	}
}

int
weir_tcp_ep_open(struct weir_tcp_ep *ep, const struct weir_tcp_ep_params *p, uint8_t *buf,
		 uint32_t cap, uint64_t now_ms)
{
	uint32_t hto;

	if (ep == NULL || p == NULL || (buf == NULL && cap != 0))
		return -EINVAL;
	memset(ep, 0, sizeof(*ep));
	ep->state = WEIR_TCP_EP_COLLECT;
	if (p->peer_wscale != WEIR_TCP_WSCALE_NONE) {
		ep->snd_ws =
			p->peer_wscale < WEIR_TCP_WSCALE_MAX ? p->peer_wscale : WEIR_TCP_WSCALE_MAX;
		ep->rcv_ws = p->wscale < WEIR_TCP_WSCALE_MAX ? p->wscale : WEIR_TCP_WSCALE_MAX;
	}
	ep->max_rtx = p->max_rtx != 0 ? p->max_rtx : WEIR_TCP_EP_MAX_RTX;
	ep->mss = p->mss != 0 ? p->mss : 536;
	ep->iss = p->iss;
	ep->irs = p->irs;
	ep->snd_una = ep->snd_nxt = ep->snd_max = p->iss + 1;
	ep->resp_seq = p->iss + 1;
	ep->rcv_nxt = p->irs + 1;
	ep->buf = buf;
	ep->cap = cap;
	ep->rto_ms = p->rto_ms != 0 ? p->rto_ms : WEIR_TCP_EP_RTO_MS;
	ep->fin_timeout_ms =
		p->fin_timeout_ms != 0 ? p->fin_timeout_ms : WEIR_TCP_EP_FIN_TIMEOUT_MS;
	ep->time_wait_ms = p->time_wait_ms != 0 ? p->time_wait_ms : WEIR_TCP_EP_TIME_WAIT_MS;
	hto = p->header_timeout_ms != 0 ? p->header_timeout_ms : WEIR_TCP_EP_HEADER_TIMEOUT_MS;
	ep->hdr_deadline = now_ms + hto;
	ep->rtx_deadline = ep->close_deadline = NEVER;
	return 0;
}

/* seq in [rcv_nxt, rcv_nxt + wnd), or exactly rcv_nxt when wnd is 0. */
static int
in_rcv_window(const struct weir_tcp_ep *ep, uint32_t seq)
{
	uint32_t wnd = rcv_wnd(ep);

	if (wnd == 0)
		return seq == ep->rcv_nxt;
	return seq - ep->rcv_nxt < wnd;
}

/*
 * The ACK field of a taken segment. Returns -1 if the segment must be
 * dropped (an ACK of bytes never sent: answered by an ACK).
 */
static int
take_ack(struct weir_tcp_ep *ep, const struct weir_tcp_ep_seg *in, uint64_t now_ms,
	 struct weir_tcp_ep_out *out)
{
	if (seq_lt(ep->snd_max, in->ack)) {
		emit_ack(ep, out);
		return -1;
	}
	if (seq_lt(in->ack, ep->snd_una))
		return 0; /* old: neither progress nor a window to trust */
	ep->snd_wnd = (uint32_t)in->win << ep->snd_ws;
	if (in->ack == ep->snd_una)
		return 0;
	ep->snd_una = in->ack;
	if (seq_lt(ep->snd_nxt, ep->snd_una))
		ep->snd_nxt = ep->snd_una; /* go-back-N overtaken by a late ACK */
	ep->rtx = 0;
	if ((ep->flags & EPF_SENT) == 0 &&
	    (ep->state == WEIR_TCP_EP_RESPOND || ep->state == WEIR_TCP_EP_FIN_WAIT) &&
	    seq_le(data_end(ep), ep->snd_una)) {
		ep->flags |= EPF_SENT;
		out->ev |= WEIR_TCP_EP_EV_SENT;
	}
	if ((ep->flags & (EPF_FIN_SENT | EPF_FIN_ACKED)) == EPF_FIN_SENT &&
	    ep->snd_una == data_end(ep) + 1)
		fin_acked(ep, now_ms);
	arm_rtx(ep, now_ms, 1);
	return 0;
}

int
weir_tcp_ep_input(struct weir_tcp_ep *ep, const struct weir_tcp_ep_seg *in, uint64_t now_ms,
		  struct weir_tcp_ep_out *out)
{
	const uint8_t *data = in->data;
	uint32_t seq = in->seq, len = in->len, seglen, take;
	int fin = (in->flags & WEIR_TCP_F_FIN) != 0, need_ack = 0;

	out->n = 0;
	out->ev = 0;
	if (ep->state == WEIR_TCP_EP_CLOSED)
		return 0;
	if (data == NULL)
		len = 0;
	if ((in->flags & WEIR_TCP_F_RST) != 0) {
		if (seq == ep->rcv_nxt)
			set_closed(ep, out, WEIR_TCP_EP_EV_RESET);
		else if (in_rcv_window(ep, seq))
			emit_ack(ep, out); /* challenge ACK: a blind RST must hit exactly */
		return (int)out->n;
	}
	if ((in->flags & WEIR_TCP_F_SYN) != 0) {
		if (ep->state == WEIR_TCP_EP_TIME_WAIT)
			set_closed(ep, out, 0); /* a new connection: the caller's cookie path */
		else
			emit_ack(ep, out);
		return (int)out->n;
	}
	if ((in->flags & WEIR_TCP_F_ACK) == 0)
		return 0;

	seglen = len + (fin ? 1u : 0u);
	if (seq_lt(seq, ep->rcv_nxt)) {
		uint32_t skip = ep->rcv_nxt - seq;

		if (skip >= seglen) {
			/* Wholly old (an old pure ACK too): ACK where the client stands. */
			if (ep->state == WEIR_TCP_EP_TIME_WAIT && seglen != 0)
				ep->close_deadline = now_ms + ep->time_wait_ms;
			emit_ack(ep, out);
			return (int)out->n;
		}
		data += skip;
		len -= skip;
		seq = ep->rcv_nxt;
	}
	if (seq != ep->rcv_nxt) {
		/* Beyond rcv_nxt: a pure ACK in the window is taken, data is not (no reassembly).
		 */
		if (seglen != 0 || !in_rcv_window(ep, seq)) {
			emit_ack(ep, out);
			return (int)out->n;
		}
		if (take_ack(ep, in, now_ms, out) == 0)
			push(ep, out);
		return (int)out->n;
	}
	if (take_ack(ep, in, now_ms, out) != 0)
		return (int)out->n;

	if (len != 0) {
		need_ack = 1;
		take = rcv_wnd(ep) < len ? rcv_wnd(ep) : len;
		if (take != 0) {
			memcpy(ep->buf + ep->len, data, take);
			ep->len += take;
			ep->rcv_nxt += take;
			out->ev |= WEIR_TCP_EP_EV_DATA;
		}
		if (take < len)
			fin = 0; /* the FIN is behind bytes not taken */
	}
	if (fin && (ep->flags & EPF_FIN_RCVD) == 0) {
		need_ack = 1;
		ep->rcv_nxt++;
		ep->flags |= EPF_FIN_RCVD;
		out->ev |= WEIR_TCP_EP_EV_FIN;
		if (ep->state == WEIR_TCP_EP_FIN_WAIT && (ep->flags & EPF_FIN_ACKED) != 0) {
			ep->state = WEIR_TCP_EP_TIME_WAIT;
			ep->close_deadline = now_ms + ep->time_wait_ms;
		}
	}
	push(ep, out);
	arm_rtx(ep, now_ms, 0);
	/* Segments pushed carry the ACK; otherwise a pure one. */
	if (need_ack && out->n == 0)
		emit_ack(ep, out);
	return (int)out->n;
}

int
weir_tcp_ep_respond(struct weir_tcp_ep *ep, const uint8_t *resp, uint32_t len, int close,
		    uint64_t now_ms, struct weir_tcp_ep_out *out)
{
	out->n = 0;
	out->ev = 0;
	if ((resp == NULL && len != 0) ||
	    (ep->state != WEIR_TCP_EP_COLLECT && ep->state != WEIR_TCP_EP_RESPOND))
		return -EINVAL;
	if ((ep->flags & EPF_CLOSE) != 0)
		return -EINVAL;
	if (ep->snd_una != ep->snd_max || seq_lt(ep->snd_nxt, data_end(ep)))
		return -EBUSY;
	ep->state = WEIR_TCP_EP_RESPOND;
	ep->flags |= EPF_HDR_DONE;
	ep->flags &= (uint8_t)~EPF_SENT;
	ep->hdr_deadline = NEVER;
	ep->resp = resp;
	ep->resp_seq = ep->snd_una;
	ep->resp_len = len;
	ep->rtx = 0;
	if (close)
		ep->flags |= EPF_CLOSE;
	if (len == 0)
		ep->flags |= EPF_SENT;
	push(ep, out);
	arm_rtx(ep, now_ms, 1);
	return (int)out->n;
}

int
weir_tcp_ep_timer(struct weir_tcp_ep *ep, uint64_t now_ms, struct weir_tcp_ep_out *out)
{
	out->n = 0;
	out->ev = 0;
	if (ep->state == WEIR_TCP_EP_CLOSED)
		return 0;
	if (ep->state == WEIR_TCP_EP_COLLECT && (ep->flags & EPF_HDR_DONE) == 0 &&
	    now_ms >= ep->hdr_deadline) {
		ep->flags |= EPF_HDR_DONE;
		ep->hdr_deadline = NEVER;
		out->ev |= WEIR_TCP_EP_EV_HEADER_TIMEOUT;
	}
	if (ep->close_deadline != NEVER && now_ms >= ep->close_deadline) {
		if (ep->state == WEIR_TCP_EP_TIME_WAIT)
			set_closed(ep, out, 0);
		else
			abort_rst(ep, out, WEIR_TCP_EP_EV_FIN_TIMEOUT);
		return (int)out->n;
	}
	if (ep->rtx_deadline != NEVER && now_ms >= ep->rtx_deadline) {
		if (ep->rtx >= ep->max_rtx) {
			abort_rst(ep, out, WEIR_TCP_EP_EV_GAVE_UP);
			return (int)out->n;
		}
		ep->rtx++;
		ep->snd_nxt = ep->snd_una;
		push(ep, out);
		if (out->n == 0 && seq_lt(ep->snd_nxt, data_end(ep))) {
			/* The window is shut: probe it with one byte. */
			emit(ep, out, WEIR_TCP_F_ACK, ep->snd_nxt,
			     ep->resp + (ep->snd_nxt - ep->resp_seq), 1);
			ep->snd_nxt++;
			bump_max(ep);
		}
		arm_rtx(ep, now_ms, 1);
	}
	return (int)out->n;
}

uint64_t
weir_tcp_ep_next_ms(const struct weir_tcp_ep *ep)
{
	uint64_t t = ep->rtx_deadline;

	if (ep->state == WEIR_TCP_EP_CLOSED)
		return NEVER;
	if (ep->state == WEIR_TCP_EP_COLLECT && (ep->flags & EPF_HDR_DONE) == 0 &&
	    ep->hdr_deadline < t)
		t = ep->hdr_deadline;
	if (ep->close_deadline < t)
		t = ep->close_deadline;
	return t;
}
