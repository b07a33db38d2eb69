/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: lib/tcp_splice's server-side endpoint
 * (weir_tcp_endpoint.h) driven by random segments, answers and clock steps.
 *
 * The input is 4 bytes of set-up then the client's byte stream:
 *   byte 0: bit 0 ISNs near 2^32, bit 1 window scaling (client 0-7, weir 2),
 *           bits 2-3 the head buffer (0, 16, 256, 1024 bytes), bit 4 a FIN
 *           at the stream's end, bits 5-7 the MSS (1, 7, 100, 536, ...);
 *   bytes 1-3: the seed of the PRNG that picks each step: a client segment
 *           (a slice of the stream at its own offset, near where the
 *           endpoint stands, with an ACK near snd_una, sometimes RST, SYN,
 *           no ACK or any numbers), a clock step and timer call, an answer
 *           (with or without close), an ACK of everything sent.
 * Checked after every call: the count returned is out.n <= OUT_MAX; the
 * buffer holds a prefix of the stream, len <= cap, rcv_nxt is irs + 1 +
 * len (+ 1 after the FIN); snd_una <= snd_nxt <= snd_max <= the answer's
 * end + 1 (mod 2^32, from resp_seq); every segment's data lies inside the
 * answer at its own sequence number and within the MSS, ACKs carry
 * rcv_nxt; EV_DATA exactly when the buffer grew, EV_RESET only for an RST
 * at rcv_nxt; weir's aborts are one RST from snd_max (the FIN timeout only
 * from FIN_WAIT); TIME_WAIT ends time_wait_ms after the last FIN, FIN_WAIT
 * within fin_timeout_ms; after a timer call nothing is due any more;
 * CLOSED is final (nothing out, no event, nothing changes). Shown to catch
 * an answer not cut by the MSS on retransmission, a TIME_WAIT without its
 * own deadline and an inexact RST taken, each within seconds.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weir_tcp_endpoint.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static const uint16_t mss_tab[8] = {1, 7, 100, 536, 1200, 1460, 0, 9000};
static const uint32_t cap_tab[4] = {0, 16, 256, 1024};

struct fz {
	struct weir_tcp_ep ep;
	struct weir_tcp_ep_params p;
	struct weir_tcp_ep_out out;
	uint8_t buf[1024];
	uint8_t resp[2048];
	const uint8_t *stream;
	uint32_t stream_len;
	int stream_fin;
	uint64_t now;
	uint32_t rng;
	int closed;
	uint8_t prev_state;
	uint32_t prev_len;
	int rst_exact; /* the last call was an RST at rcv_nxt */
	struct weir_tcp_ep snap;
};

static uint32_t
rnd(struct fz *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 17;
	f->rng ^= f->rng << 5;
	return f->rng;
}

static void
check(struct fz *f, int ret, int timer)
{
	const struct weir_tcp_ep *ep = &f->ep;
	uint32_t i, taken, end = ep->resp_seq + ep->resp_len;

	if (f->closed) {
		CHECK(ret == 0 || ret == -EINVAL);
		CHECK(f->out.n == 0 && f->out.ev == 0);
		CHECK(memcmp(&f->snap, ep, sizeof(*ep)) == 0);
		return;
	}
	if (ret >= 0)
		CHECK((unsigned int)ret == f->out.n);
	else
		CHECK((ret == -EINVAL || ret == -EBUSY) && f->out.n == 0);
	CHECK(f->out.n <= WEIR_TCP_EP_OUT_MAX);
	CHECK(ep->len <= ep->cap);
	CHECK(ep->len <= f->stream_len);
	CHECK(memcmp(ep->buf, f->stream, ep->len) == 0);
	taken = ep->rcv_nxt - (f->p.irs + 1);
	CHECK(taken == ep->len ||
	      (taken == ep->len + 1 && f->stream_fin && ep->len == f->stream_len));
	CHECK(ep->snd_una - ep->resp_seq <= ep->snd_nxt - ep->resp_seq);
	CHECK(ep->snd_nxt - ep->resp_seq <= ep->snd_max - ep->resp_seq);
	CHECK(ep->snd_max - ep->resp_seq <= ep->resp_len + 1);
	CHECK(ep->resp_seq - (f->p.iss + 1) <= sizeof(f->resp) * 64);
	for (i = 0; i < f->out.n; i++) {
		const struct weir_tcp_ep_tx *t = &f->out.seg[i];

		CHECK((t->flags & WEIR_TCP_F_ACK) != 0);
		CHECK((t->flags & WEIR_TCP_F_SYN) == 0);
		if ((t->flags & WEIR_TCP_F_RST) == 0)
			CHECK(t->ack == ep->rcv_nxt || (f->out.ev & WEIR_TCP_EP_EV_CLOSED) != 0);
		if (t->len == 0) {
			CHECK(t->data == NULL);
			if ((t->flags & WEIR_TCP_F_FIN) != 0)
				CHECK(t->seq == end);
			continue;
		}
		CHECK((t->flags & (WEIR_TCP_F_FIN | WEIR_TCP_F_RST)) == 0);
		CHECK(t->len <= (f->p.mss != 0 ? f->p.mss : 536u));
		CHECK(t->data >= ep->resp && t->data + t->len <= ep->resp + ep->resp_len);
		CHECK(t->seq == ep->resp_seq + (uint32_t)(t->data - ep->resp));
	}
	if ((f->out.ev & WEIR_TCP_EP_EV_CLOSED) != 0)
		CHECK(ep->state == WEIR_TCP_EP_CLOSED);
	/* weir's aborts: one RST, from FIN_WAIT for the FIN timeout. */
	if ((f->out.ev & (WEIR_TCP_EP_EV_GAVE_UP | WEIR_TCP_EP_EV_FIN_TIMEOUT)) != 0)
		CHECK(f->out.n == 1 && f->out.seg[0].flags == (WEIR_TCP_F_RST | WEIR_TCP_F_ACK) &&
		      f->out.seg[0].seq == ep->snd_max);
	if ((f->out.ev & WEIR_TCP_EP_EV_FIN_TIMEOUT) != 0)
		CHECK(f->prev_state == WEIR_TCP_EP_FIN_WAIT);
	/* The linger starts at the last FIN and lasts time_wait_ms. */
	if (ep->state == WEIR_TCP_EP_TIME_WAIT) {
		CHECK(ep->close_deadline <= f->now + f->p.time_wait_ms);
		if (f->prev_state != WEIR_TCP_EP_TIME_WAIT)
			CHECK(ep->close_deadline == f->now + f->p.time_wait_ms);
	}
	if (ep->state == WEIR_TCP_EP_FIN_WAIT && ep->close_deadline != UINT64_MAX)
		CHECK(ep->close_deadline <= f->now + f->p.fin_timeout_ms);
	/* EV_DATA exactly when bytes came; EV_RESET only for an exact RST. */
	CHECK(((f->out.ev & WEIR_TCP_EP_EV_DATA) != 0) == (ep->len != f->prev_len));
	if ((f->out.ev & WEIR_TCP_EP_EV_RESET) != 0)
		CHECK(f->rst_exact && f->out.n == 0);
	f->prev_state = ep->state;
	f->prev_len = ep->len;
	f->rst_exact = 0;
	if (ep->state == WEIR_TCP_EP_CLOSED) {
		CHECK(weir_tcp_ep_next_ms(ep) == UINT64_MAX);
		f->closed = 1;
		f->snap = *ep;
	} else if (timer) {
		/* The timer did what was due: nothing is left at or before now. */
		CHECK(weir_tcp_ep_next_ms(ep) > f->now);
	}
}

/* A client segment: a slice of the stream near rcv_nxt, or anything. */
static int
client_seg(struct fz *f)
{
	struct weir_tcp_ep_seg s;
	uint32_t r = rnd(f), off, len, pos = f->ep.rcv_nxt - (f->p.irs + 1);
	uint32_t inflight = f->ep.snd_max - f->ep.snd_una;

	memset(&s, 0, sizeof(s));
	if (pos > f->stream_len)
		pos = f->stream_len;
	off = pos + (rnd(f) % 64) - 32;
	if ((int32_t)off < 0)
		off = 0;
	if (off > f->stream_len)
		off = f->stream_len;
	len = rnd(f) % 80;
	if (len > f->stream_len - off)
		len = f->stream_len - off;
	s.seq = f->p.irs + 1 + off;
	s.data = len != 0 ? f->stream + off : NULL;
	s.len = len;
	s.flags = WEIR_TCP_F_ACK;
	if (f->stream_fin && off + len == f->stream_len && (r & 3) != 0)
		s.flags |= WEIR_TCP_F_FIN;
	s.ack = f->ep.snd_una + (inflight != 0 ? rnd(f) % (inflight + 1) : 0);
	s.win = (uint16_t)(r >> 16);
	if ((r & 0x70) == 0x10)
		s.win = 0;
	switch ((r >> 8) & 15) {
	case 0:
		s.flags = WEIR_TCP_F_RST;
		s.seq = f->ep.rcv_nxt + (rnd(f) % 3 == 0 ? 0 : rnd(f) % 2048);
		s.data = NULL;
		s.len = 0;
		break;
	case 1:
		s.flags = WEIR_TCP_F_SYN;
		break;
	case 2:
		s.flags &= (uint8_t)~WEIR_TCP_F_ACK;
		break;
	case 3:
		s.ack = rnd(f);
		break;
	case 4:
		/* Numbers anywhere: data must not be taken out of place. */
		s.seq = rnd(f);
		s.flags = (uint8_t)(rnd(f) & ~WEIR_TCP_F_FIN);
		s.data = NULL;
		s.len = 0;
		break;
	default:
		break;
	}
	f->rst_exact = (s.flags & WEIR_TCP_F_RST) != 0 && s.seq == f->ep.rcv_nxt;
	return weir_tcp_ep_input(&f->ep, &s, f->now, &f->out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz f;
	unsigned int step;
	uint32_t i;
	int ret;

	if (size < 4)
		return 0;
	memset(&f, 0, sizeof(f));
	for (i = 0; i < sizeof(f.resp); i++)
		f.resp[i] = (uint8_t)i;
	f.stream = data + 4;
	f.stream_len = (uint32_t)(size - 4);
	f.stream_fin = (data[0] & 0x10) != 0;
	f.rng = ((uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3]) | 1u;
	f.p.iss = (data[0] & 1) != 0 ? 0xffffff00u + data[1] : 1000u;
	f.p.irs = (data[0] & 1) != 0 ? 0xfffffff0u + (data[2] & 15) : 5000u;
	f.p.peer_wscale = (data[0] & 2) != 0 ? (uint8_t)(data[3] & 7) : WEIR_TCP_WSCALE_NONE;
	f.p.wscale = 2;
	f.p.mss = mss_tab[data[0] >> 5];
	f.p.rto_ms = 100;
	f.p.max_rtx = 1 + data[1] % 4;
	f.p.header_timeout_ms = 3000;
	f.p.fin_timeout_ms = 1000;
	f.p.time_wait_ms = 500;
	f.now = 1000000;
	CHECK(weir_tcp_ep_open(&f.ep, &f.p, f.buf, cap_tab[(data[0] >> 2) & 3], f.now) == 0);
	f.out.n = 0;
	f.out.ev = 0;
	check(&f, 0, 0);

	for (step = 0; step < 400; step++) {
		uint32_t r = rnd(&f);

		switch (r % 10) {
		case 0:
		case 1:
		case 2:
		case 3:
		case 4:
			ret = client_seg(&f);
			break;
		case 5:
		case 6:
			f.now += (r >> 8) % 900;
			ret = weir_tcp_ep_timer(&f.ep, f.now, &f.out);
			break;
		case 7:
			ret = weir_tcp_ep_respond(&f.ep, f.resp, (r >> 8) % sizeof(f.resp),
						  (r >> 20) & 1, f.now, &f.out);
			break;
		default: {
			struct weir_tcp_ep_seg s = {.flags = WEIR_TCP_F_ACK,
						    .seq = f.ep.rcv_nxt,
						    .ack = f.ep.snd_max,
						    .win = (uint16_t)(r >> 8)};

			ret = weir_tcp_ep_input(&f.ep, &s, f.now, &f.out);
			break;
		}
		}
		check(&f, ret, (r % 10) == 5 || (r % 10) == 6);
		if (f.closed && step > 20)
			break;
	}
	return 0;
}
