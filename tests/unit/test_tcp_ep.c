/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/tcp_splice's server-side endpoint (weir_tcp_endpoint.h)
 * on crafted segments and a simulated clock: the head taken in order,
 * duplicates and out-of-order segments re-ACKed, the window closing as the
 * buffer fills, the header timeout, weir's answer cut by MSS and window,
 * retransmission and giving up, the close handshake both ways, RSTs and
 * SYNs in every state, zero-window probes, sequence wraparound.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "weir_tcp_endpoint.h"
#include "weir_test.h"

#define ISS 1000u
#define IRS 70000u
#define T0 5000u

#define F_A WEIR_TCP_F_ACK
#define F_AP (WEIR_TCP_F_ACK | WEIR_TCP_F_PSH)
#define F_FA (WEIR_TCP_F_FIN | WEIR_TCP_F_ACK)
#define F_RA (WEIR_TCP_F_RST | WEIR_TCP_F_ACK)

static uint8_t resp[4096];

struct fx {
	struct weir_tcp_ep ep;
	struct weir_tcp_ep_params p;
	struct weir_tcp_ep_out out;
	uint8_t buf[4096];
};

static void
params_default(struct weir_tcp_ep_params *p, uint32_t iss, uint32_t irs)
{
	memset(p, 0, sizeof(*p));
	p->iss = iss;
	p->irs = irs;
	p->mss = 100;
	p->peer_wscale = WEIR_TCP_WSCALE_NONE;
	p->rto_ms = 100;
	p->max_rtx = 3;
	p->fin_timeout_ms = 2000;
	p->time_wait_ms = 500;
}

static void
fx_open(struct fx *f, uint32_t cap)
{
	int i;

	for (i = 0; i < (int)sizeof(resp); i++)
		resp[i] = (uint8_t)('a' + i % 26);
	assert_int_equal(weir_tcp_ep_open(&f->ep, &f->p, f->buf, cap, T0), 0);
	assert_int_equal(f->ep.state, WEIR_TCP_EP_COLLECT);
}

static int
feed(struct fx *f, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const void *data,
     uint32_t len, uint64_t now)
{
	struct weir_tcp_ep_seg s = {
		.flags = flags, .seq = seq, .ack = ack, .win = win, .data = data, .len = len};

	return weir_tcp_ep_input(&f->ep, &s, now, &f->out);
}

static void
seg_is(const struct weir_tcp_ep_tx *t, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
       uint32_t len)
{
	assert_int_equal(t->flags, flags);
	assert_int_equal(t->seq, seq);
	assert_int_equal(t->ack, ack);
	assert_int_equal(t->win, win);
	assert_int_equal(t->len, len);
	if (len == 0)
		assert_null(t->data);
}

/* A response segment's bytes are resp[off, off + len). */
static void
data_is(const struct weir_tcp_ep_tx *t, uint32_t off)
{
	assert_ptr_equal(t->data, resp + off);
}

/* The ACK that completes the handshake (no data), client window win. */
static void
handshake(struct fx *f, uint16_t win)
{
	assert_int_equal(feed(f, F_A, f->p.irs + 1, f->p.iss + 1, win, NULL, 0, T0), 0);
	assert_int_equal(f->out.ev, 0);
}

static void
test_open_params(void **state)
{
	struct weir_tcp_ep ep;
	struct weir_tcp_ep_params p;
	uint8_t b[8];

	(void)state;
	memset(&p, 0, sizeof(p));
	p.iss = 7;
	p.irs = 9;
	p.peer_wscale = 20;
	p.wscale = 7;
	assert_int_equal(weir_tcp_ep_open(&ep, &p, b, sizeof(b), 100), 0);
	assert_int_equal(ep.mss, 536);
	assert_int_equal(ep.snd_ws, 14);
	assert_int_equal(ep.rcv_ws, 7);
	assert_int_equal(ep.max_rtx, WEIR_TCP_EP_MAX_RTX);
	assert_int_equal(ep.rto_ms, WEIR_TCP_EP_RTO_MS);
	assert_int_equal(ep.snd_una, 8);
	assert_int_equal(ep.snd_nxt, 8);
	assert_int_equal(ep.rcv_nxt, 10);
	assert_int_equal(weir_tcp_ep_next_ms(&ep), 100 + WEIR_TCP_EP_HEADER_TIMEOUT_MS);
	p.peer_wscale = WEIR_TCP_WSCALE_NONE;
	assert_int_equal(weir_tcp_ep_open(&ep, &p, b, sizeof(b), 100), 0);
	assert_int_equal(ep.snd_ws, 0);
	assert_int_equal(ep.rcv_ws, 0);
	assert_int_equal(weir_tcp_ep_open(&ep, &p, NULL, 1, 100), -EINVAL);
	assert_int_equal(weir_tcp_ep_open(&ep, NULL, b, 1, 100), -EINVAL);
	assert_int_equal(weir_tcp_ep_open(&ep, &p, NULL, 0, 100), 0);
}

static void
test_data_one_segment(void **state)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	/* The cookie ACK itself carries the request. */
	assert_int_equal(feed(&f, F_AP, IRS + 1, ISS + 1, 500, req, 27, T0), 1);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_DATA);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 1 + 27, 1000 - 27, 0);
	assert_int_equal(f.ep.len, 27);
	assert_memory_equal(f.buf, req, 27);
	assert_int_equal(f.ep.snd_wnd, 500);
}

static void
test_data_several_segments(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 500);
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 1, 500, "GET ", 4, T0 + 1), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 5, 996, 0);
	assert_int_equal(feed(&f, F_A, IRS + 5, ISS + 1, 500, "/x HTTP/1.1\r\n", 13, T0 + 2), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 18, 983, 0);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_DATA);
	assert_int_equal(feed(&f, F_AP, IRS + 18, ISS + 1, 500, "\r\n", 2, T0 + 3), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 20, 981, 0);
	assert_int_equal(f.ep.len, 19);
	assert_memory_equal(f.buf, "GET /x HTTP/1.1\r\n\r\n", 19);
	/* A pure ACK in order asks for nothing. */
	assert_int_equal(feed(&f, F_A, IRS + 20, ISS + 1, 500, NULL, 0, T0 + 4), 0);
	assert_int_equal(f.out.ev, 0);
}

static void
test_duplicate_reacked(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 500);
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 1, 500, "abcdef", 6, T0), 1);
	/* The same segment again: re-ACKed, nothing taken. */
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 1, 500, "abcdef", 6, T0), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 7, 994, 0);
	assert_int_equal(f.out.ev, 0);
	assert_int_equal(f.ep.len, 6);
	/* Overlapping: only the new bytes taken. */
	assert_int_equal(feed(&f, F_A, IRS + 4, ISS + 1, 500, "defghi", 6, T0), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 10, 991, 0);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_DATA);
	assert_int_equal(f.ep.len, 9);
	assert_memory_equal(f.buf, "abcdefghi", 9);
	/* An old pure ACK is answered too (RFC 793: unacceptable segment). */
	assert_int_equal(feed(&f, F_A, IRS + 3, ISS + 1, 500, NULL, 0, T0), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 10, 991, 0);
}

static void
test_out_of_order(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 500);
	/* Second segment first: dropped, dup ACK of rcv_nxt. */
	assert_int_equal(feed(&f, F_A, IRS + 5, ISS + 1, 500, "5678", 4, T0), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 1, 1000, 0);
	assert_int_equal(f.out.ev, 0);
	assert_int_equal(f.ep.len, 0);
	/* Beyond the window too. */
	assert_int_equal(feed(&f, F_A, IRS + 5000, ISS + 1, 500, "x", 1, T0), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 1, 1000, 0);
	/* In order: taken; then the dropped one again. */
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 1, 500, "1234", 4, T0), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 5, 996, 0);
	assert_int_equal(feed(&f, F_A, IRS + 5, ISS + 1, 500, "5678", 4, T0), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 9, 992, 0);
	assert_memory_equal(f.buf, "12345678", 8);
	/* A pure ACK beyond rcv_nxt but in the window is taken silently. */
	assert_int_equal(feed(&f, F_A, IRS + 20, ISS + 1, 700, NULL, 0, T0), 0);
	assert_int_equal(f.ep.snd_wnd, 700);
}

static void
test_window_fills(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 16);
	handshake(&f, 500);
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 1, 500, "0123456789", 10, T0), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 11, 6, 0);
	/* 10 more: 6 fit, ACKed; window 0. */
	assert_int_equal(feed(&f, F_A, IRS + 11, ISS + 1, 500, "abcdefghij", 10, T0), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 17, 0, 0);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_DATA);
	assert_int_equal(f.ep.len, 16);
	assert_memory_equal(f.buf, "0123456789abcdef", 16);
	/* Full: the rest (and a FIN behind it) is not taken, window 0 again. */
	assert_int_equal(feed(&f, F_FA, IRS + 17, ISS + 1, 500, "ghij", 4, T0), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 17, 0, 0);
	assert_int_equal(f.out.ev, 0);
	assert_int_equal(f.ep.len, 16);
	/* A RST one byte on is now outside the (empty) window. */
	assert_int_equal(feed(&f, WEIR_TCP_F_RST, IRS + 18, 0, 0, NULL, 0, T0), 0);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_COLLECT);
}

static void
test_window_scaled(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	f.p.peer_wscale = 3;
	f.p.wscale = 2;
	fx_open(&f, 4096);
	handshake(&f, 100);
	assert_int_equal(f.ep.snd_wnd, 800);
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 1, 100, resp, 101, T0), 1);
	/* (4096 - 101) >> 2 = 998: rounded down. */
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 102, 998, 0);
}

static void
test_header_timeout(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 500);
	assert_int_equal(weir_tcp_ep_next_ms(&f.ep), T0 + 10000);
	assert_int_equal(weir_tcp_ep_timer(&f.ep, T0 + 9999, &f.out), 0);
	assert_int_equal(f.out.ev, 0);
	assert_int_equal(weir_tcp_ep_timer(&f.ep, T0 + 10000, &f.out), 0);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_HEADER_TIMEOUT);
	/* Reported once. */
	assert_int_equal(weir_tcp_ep_timer(&f.ep, T0 + 20000, &f.out), 0);
	assert_int_equal(f.out.ev, 0);
	assert_int_equal(weir_tcp_ep_next_ms(&f.ep), UINT64_MAX);
	/* The caller answers 408 and closes. */
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 50, 1, T0 + 20000, &f.out), 1);
	seg_is(&f.out.seg[0], F_AP, ISS + 1, IRS + 1, 1000, 50);
	assert_int_equal(weir_tcp_ep_next_ms(&f.ep), T0 + 20100);

	/* A configured timeout, and none once the answer has started. */
	params_default(&f.p, ISS, IRS);
	f.p.header_timeout_ms = 300;
	fx_open(&f, 1000);
	assert_int_equal(weir_tcp_ep_timer(&f.ep, T0 + 299, &f.out), 0);
	assert_int_equal(f.out.ev, 0);
	assert_int_equal(weir_tcp_ep_timer(&f.ep, T0 + 300, &f.out), 0);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_HEADER_TIMEOUT);
	fx_open(&f, 1000);
	handshake(&f, 500);
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 10, 0, T0 + 1, &f.out), 1);
	/* T0 + 300: the retransmission (due at T0 + 101), no header timeout. */
	assert_int_equal(weir_tcp_ep_timer(&f.ep, T0 + 300, &f.out), 1);
	assert_int_equal(f.out.ev, 0);
}

static void
test_respond_segmentation(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 250);
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 600, 1, T0 + 10, &f.out), 3);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_RESPOND);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 1, 1000, 100);
	data_is(&f.out.seg[0], 0);
	seg_is(&f.out.seg[1], F_A, ISS + 101, IRS + 1, 1000, 100);
	data_is(&f.out.seg[1], 100);
	seg_is(&f.out.seg[2], F_A, ISS + 201, IRS + 1, 1000, 50);
	data_is(&f.out.seg[2], 200);
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 10, 1, T0 + 10, &f.out), -EINVAL);
	/* ACK of 100, window 250: up to ISS + 351, one MSS. */
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 101, 250, NULL, 0, T0 + 20), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 251, IRS + 1, 1000, 100);
	data_is(&f.out.seg[0], 250);
	/* A smaller window (ACK of 250, window 60): ISS + 311 is the edge, all sent. */
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 251, 60, NULL, 0, T0 + 25), 0);
	assert_int_equal(f.ep.snd_wnd, 60);
	/* Everything sent ACKed, the window grows: the rest, PSH on the last. */
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 351, 1000, NULL, 0, T0 + 30), 3);
	seg_is(&f.out.seg[0], F_A, ISS + 351, IRS + 1, 1000, 100);
	seg_is(&f.out.seg[1], F_A, ISS + 451, IRS + 1, 1000, 100);
	seg_is(&f.out.seg[2], F_AP, ISS + 551, IRS + 1, 1000, 50);
	data_is(&f.out.seg[2], 550);
	assert_int_equal(f.out.ev, 0);
	/* All ACKed: EV_SENT and the FIN. */
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 601, 1000, NULL, 0, T0 + 40), 1);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_SENT);
	seg_is(&f.out.seg[0], F_FA, ISS + 601, IRS + 1, 1000, 0);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_FIN_WAIT);
}

/* At most WEIR_TCP_EP_OUT_MAX per call; the rest as ACKs come. */
static void
test_respond_out_max(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	f.p.mss = 10;
	fx_open(&f, 1000);
	handshake(&f, 60000);
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 100, 0, T0, &f.out), 8);
	seg_is(&f.out.seg[7], F_A, ISS + 71, IRS + 1, 1000, 10);
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 11, 60000, NULL, 0, T0 + 1), 2);
	seg_is(&f.out.seg[0], F_A, ISS + 81, IRS + 1, 1000, 10);
	seg_is(&f.out.seg[1], F_AP, ISS + 91, IRS + 1, 1000, 10);
	/* No FIN asked: EV_SENT, nothing more; then an empty answer with close: the FIN. */
	assert_int_equal(weir_tcp_ep_respond(&f.ep, NULL, 0, 1, T0 + 2, &f.out), -EBUSY);
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 101, 60000, NULL, 0, T0 + 3), 0);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_SENT);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_RESPOND);
	assert_int_equal(weir_tcp_ep_next_ms(&f.ep), UINT64_MAX);
	assert_int_equal(weir_tcp_ep_respond(&f.ep, NULL, 0, 1, T0 + 4, &f.out), 1);
	seg_is(&f.out.seg[0], F_FA, ISS + 101, IRS + 1, 1000, 0);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_FIN_WAIT);
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 1, 1, T0 + 4, &f.out), -EINVAL);
}

static void
test_retransmit_backoff_give_up(void **state)
{
	struct fx f;
	uint64_t t = T0 + 50;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 500);
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 150, 1, t, &f.out), 2);
	assert_int_equal(weir_tcp_ep_timer(&f.ep, t + 99, &f.out), 0);
	/* rto: everything from snd_una again. */
	assert_int_equal(weir_tcp_ep_timer(&f.ep, t + 100, &f.out), 2);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 1, 1000, 100);
	data_is(&f.out.seg[0], 0);
	seg_is(&f.out.seg[1], F_AP, ISS + 101, IRS + 1, 1000, 50);
	assert_int_equal(weir_tcp_ep_next_ms(&f.ep), t + 300);
	assert_int_equal(weir_tcp_ep_timer(&f.ep, t + 299, &f.out), 0);
	/* 2 rto later */
	assert_int_equal(weir_tcp_ep_timer(&f.ep, t + 300, &f.out), 2);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 1, 1000, 100);
	assert_int_equal(weir_tcp_ep_timer(&f.ep, t + 699, &f.out), 0);
	/* 4 rto later */
	assert_int_equal(weir_tcp_ep_timer(&f.ep, t + 700, &f.out), 2);
	assert_int_equal(f.ep.rtx, 3);
	assert_int_equal(weir_tcp_ep_timer(&f.ep, t + 1499, &f.out), 0);
	/* 8 rto later, after max_rtx = 3: RST, CLOSED. */
	assert_int_equal(weir_tcp_ep_timer(&f.ep, t + 1500, &f.out), 1);
	seg_is(&f.out.seg[0], F_RA, ISS + 151, IRS + 1, 0, 0);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_GAVE_UP | WEIR_TCP_EP_EV_CLOSED);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_CLOSED);
	/* CLOSED is final. */
	assert_int_equal(weir_tcp_ep_timer(&f.ep, t + 100000, &f.out), 0);
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 151, 500, "x", 1, t + 2000), 0);
	assert_int_equal(f.out.ev, 0);
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 1, 1, t, &f.out), -EINVAL);
	assert_int_equal(weir_tcp_ep_next_ms(&f.ep), UINT64_MAX);
}

static void
test_partial_ack(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 5000);
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 300, 1, T0, &f.out), 3);
	/* Retransmission at rto. */
	assert_int_equal(weir_tcp_ep_timer(&f.ep, T0 + 100, &f.out), 3);
	assert_int_equal(f.ep.rtx, 1);
	/* A partial ACK (inside a segment): backoff reset, timer restarted. */
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 151, 5000, NULL, 0, T0 + 120), 0);
	assert_int_equal(f.ep.rtx, 0);
	assert_int_equal(f.ep.snd_una, ISS + 151);
	assert_int_equal(weir_tcp_ep_next_ms(&f.ep), T0 + 220);
	/* A duplicate ACK changes nothing. */
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 151, 5000, NULL, 0, T0 + 130), 0);
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 101, 5000, NULL, 0, T0 + 130), 0);
	assert_int_equal(f.ep.snd_una, ISS + 151);
	assert_int_equal(weir_tcp_ep_timer(&f.ep, T0 + 220, &f.out), 2);
	seg_is(&f.out.seg[0], F_A, ISS + 151, IRS + 1, 1000, 100);
	data_is(&f.out.seg[0], 150);
	seg_is(&f.out.seg[1], F_AP, ISS + 251, IRS + 1, 1000, 50);
	data_is(&f.out.seg[1], 250);
	/* An ACK of bytes never sent: answered, dropped with its data. */
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 302, 5000, "zz", 2, T0 + 230), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 301, IRS + 1, 1000, 0);
	assert_int_equal(f.ep.len, 0);
	assert_int_equal(f.ep.snd_una, ISS + 151);
}

static void
test_fin_after_response(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 500);
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 1, 500, "GET", 3, T0), 1);
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 80, 1, T0 + 10, &f.out), 1);
	seg_is(&f.out.seg[0], F_AP, ISS + 1, IRS + 4, 997, 80);
	/* Partly ACKed: no FIN yet. */
	assert_int_equal(feed(&f, F_A, IRS + 4, ISS + 41, 500, NULL, 0, T0 + 20), 0);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_RESPOND);
	assert_int_equal(feed(&f, F_A, IRS + 4, ISS + 81, 500, NULL, 0, T0 + 30), 1);
	seg_is(&f.out.seg[0], F_FA, ISS + 81, IRS + 4, 997, 0);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_SENT);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_FIN_WAIT);
	/* The FIN is retransmitted like data. */
	assert_int_equal(weir_tcp_ep_next_ms(&f.ep), T0 + 130);
	assert_int_equal(weir_tcp_ep_timer(&f.ep, T0 + 130, &f.out), 1);
	seg_is(&f.out.seg[0], F_FA, ISS + 81, IRS + 4, 997, 0);
	/* FIN ACKed: the client has fin_timeout_ms for its own. */
	assert_int_equal(feed(&f, F_A, IRS + 4, ISS + 82, 500, NULL, 0, T0 + 140), 0);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_FIN_WAIT);
	assert_int_equal(weir_tcp_ep_next_ms(&f.ep), T0 + 2140);
	/* The client's FIN: ACKed, TIME_WAIT. */
	assert_int_equal(feed(&f, F_FA, IRS + 4, ISS + 82, 500, NULL, 0, T0 + 150), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 82, IRS + 5, 997, 0);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_FIN);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_TIME_WAIT);
	assert_int_equal(weir_tcp_ep_next_ms(&f.ep), T0 + 650);
	/* Its FIN again (our ACK lost): re-ACKed, the linger restarted. */
	assert_int_equal(feed(&f, F_FA, IRS + 4, ISS + 82, 500, NULL, 0, T0 + 400), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 82, IRS + 5, 997, 0);
	assert_int_equal(f.out.ev, 0);
	assert_int_equal(weir_tcp_ep_timer(&f.ep, T0 + 899, &f.out), 0);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_TIME_WAIT);
	assert_int_equal(weir_tcp_ep_timer(&f.ep, T0 + 900, &f.out), 0);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_CLOSED);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_CLOSED);
}

static void
test_fin_timeout(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 500);
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 0, 1, T0, &f.out), 1);
	seg_is(&f.out.seg[0], F_FA, ISS + 1, IRS + 1, 1000, 0);
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 2, 500, NULL, 0, T0 + 10), 0);
	assert_int_equal(weir_tcp_ep_timer(&f.ep, T0 + 2009, &f.out), 0);
	assert_int_equal(weir_tcp_ep_timer(&f.ep, T0 + 2010, &f.out), 1);
	seg_is(&f.out.seg[0], F_RA, ISS + 2, IRS + 1, 0, 0);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_FIN_TIMEOUT | WEIR_TCP_EP_EV_CLOSED);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_CLOSED);
}

static void
test_client_fin_first(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 500);
	/* Data and FIN in one segment: a half-close in COLLECT. */
	assert_int_equal(feed(&f, F_FA, IRS + 1, ISS + 1, 500, "GET /", 5, T0), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 7, 995, 0);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_DATA | WEIR_TCP_EP_EV_FIN);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_COLLECT);
	/* Data after the FIN is not taken. */
	assert_int_equal(feed(&f, F_A, IRS + 7, ISS + 1, 500, "x", 1, T0), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 7, 995, 0);
	assert_int_equal(f.ep.len, 5);
	/* The caller still answers (400), then FIN; its ACK ends in TIME_WAIT at once. */
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 30, 1, T0 + 5, &f.out), 1);
	seg_is(&f.out.seg[0], F_AP, ISS + 1, IRS + 7, 995, 30);
	assert_int_equal(feed(&f, F_A, IRS + 7, ISS + 31, 500, NULL, 0, T0 + 10), 1);
	seg_is(&f.out.seg[0], F_FA, ISS + 31, IRS + 7, 995, 0);
	assert_int_equal(feed(&f, F_A, IRS + 7, ISS + 32, 500, NULL, 0, T0 + 20), 0);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_TIME_WAIT);
	assert_int_equal(weir_tcp_ep_next_ms(&f.ep), T0 + 520);
	/* A SYN in TIME_WAIT: CLOSED at once, nothing sent (a new connection). */
	assert_int_equal(feed(&f, WEIR_TCP_F_SYN, IRS + 90000, 0, 500, NULL, 0, T0 + 30), 0);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_CLOSED);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_CLOSED);
}

/* The client's FIN while weir's answer is in flight. */
static void
test_client_fin_during_response(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 500);
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 150, 1, T0, &f.out), 2);
	/* Bytes while responding are still taken (the caller may ignore them). */
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 1, 500, "xy", 2, T0 + 1), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 151, IRS + 3, 998, 0);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_DATA);
	/* FIN with a partial ACK: ACKed, nothing new to send. */
	assert_int_equal(feed(&f, F_FA, IRS + 3, ISS + 101, 500, NULL, 0, T0 + 2), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 151, IRS + 4, 998, 0);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_FIN);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_RESPOND);
	/* A retransmission now carries the new ACK. */
	assert_int_equal(weir_tcp_ep_timer(&f.ep, T0 + 102, &f.out), 1);
	seg_is(&f.out.seg[0], F_AP, ISS + 101, IRS + 4, 998, 50);
	assert_int_equal(feed(&f, F_A, IRS + 4, ISS + 151, 500, NULL, 0, T0 + 110), 1);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_SENT);
	seg_is(&f.out.seg[0], F_FA, ISS + 151, IRS + 4, 998, 0);
	assert_int_equal(feed(&f, F_A, IRS + 4, ISS + 152, 500, NULL, 0, T0 + 120), 0);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_TIME_WAIT);
	assert_int_equal(weir_tcp_ep_next_ms(&f.ep), T0 + 620);
}

/* The client's FIN and its ACK of weir's FIN in one segment. */
static void
test_simultaneous_fin_ack(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 500);
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 10, 1, T0, &f.out), 1);
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 11, 500, NULL, 0, T0 + 1), 1);
	seg_is(&f.out.seg[0], F_FA, ISS + 11, IRS + 1, 1000, 0);
	assert_int_equal(feed(&f, F_FA, IRS + 1, ISS + 12, 500, NULL, 0, T0 + 2), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 12, IRS + 2, 1000, 0);
	assert_int_equal(f.out.ev, WEIR_TCP_EP_EV_FIN);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_TIME_WAIT);
	assert_int_equal(weir_tcp_ep_next_ms(&f.ep), T0 + 502);
}

/* RSTs: exact seq closes, in the window challenge ACK, outside ignored. */
static void
rst_checks(struct fx *f, uint32_t snd, uint16_t win)
{
	uint32_t rcv = f->ep.rcv_nxt;
	uint8_t st = f->ep.state;

	assert_int_equal(feed(f, WEIR_TCP_F_RST, rcv + 1, 0, 0, NULL, 0, T0 + 60), 1);
	seg_is(&f->out.seg[0], F_A, snd, rcv, win, 0);
	assert_int_equal(f->out.ev, 0);
	assert_int_equal(feed(f, F_RA, rcv + win - 1, snd, 0, NULL, 0, T0 + 60), 1);
	seg_is(&f->out.seg[0], F_A, snd, rcv, win, 0);
	assert_int_equal(feed(f, WEIR_TCP_F_RST, rcv + win, 0, 0, NULL, 0, T0 + 60), 0);
	assert_int_equal(feed(f, WEIR_TCP_F_RST, rcv - 1, 0, 0, NULL, 0, T0 + 60), 0);
	assert_int_equal(f->ep.state, st);
	assert_int_equal(feed(f, WEIR_TCP_F_RST, rcv, 0, 0, NULL, 0, T0 + 60), 0);
	assert_int_equal(f->out.ev, WEIR_TCP_EP_EV_RESET | WEIR_TCP_EP_EV_CLOSED);
	assert_int_equal(f->ep.state, WEIR_TCP_EP_CLOSED);
	assert_int_equal(weir_tcp_ep_timer(&f->ep, T0 + 1000000, &f->out), 0);
	assert_int_equal(f->out.ev, 0);
}

static void
test_rst_collect(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 500);
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 1, 500, "ab", 2, T0), 1);
	rst_checks(&f, ISS + 1, 998);
}

static void
test_rst_respond(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 500);
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 150, 1, T0, &f.out), 2);
	/* A SYN: challenge ACK, no change. */
	assert_int_equal(feed(&f, WEIR_TCP_F_SYN, IRS + 500, 0, 500, NULL, 0, T0 + 50), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 151, IRS + 1, 1000, 0);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_RESPOND);
	rst_checks(&f, ISS + 151, 1000);
}

static void
test_rst_fin_wait(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 500);
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 0, 1, T0, &f.out), 1);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_FIN_WAIT);
	rst_checks(&f, ISS + 2, 1000);
}

static void
test_rst_after_client_fin(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 500);
	assert_int_equal(feed(&f, F_FA, IRS + 1, ISS + 1, 500, NULL, 0, T0), 1);
	/* The client has closed: the window is empty, only exact RSTs count. */
	assert_int_equal(feed(&f, WEIR_TCP_F_RST, IRS + 3, 0, 0, NULL, 0, T0), 0);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_COLLECT);
	assert_int_equal(feed(&f, WEIR_TCP_F_RST, IRS + 2, 0, 0, NULL, 0, T0), 0);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_CLOSED);
}

static void
test_no_ack_ignored(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 500);
	assert_int_equal(feed(&f, WEIR_TCP_F_PSH, IRS + 1, 0, 500, "ab", 2, T0), 0);
	assert_int_equal(f.out.ev, 0);
	assert_int_equal(f.ep.len, 0);
}

static void
test_zero_window_probe(void **state)
{
	struct fx f;

	(void)state;
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 0);
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 150, 1, T0, &f.out), 0);
	assert_int_equal(weir_tcp_ep_next_ms(&f.ep), T0 + 100);
	assert_int_equal(weir_tcp_ep_timer(&f.ep, T0 + 100, &f.out), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 1, 1000, 1);
	data_is(&f.out.seg[0], 0);
	/* The probe ACKed, the window open: the rest. */
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 2, 500, NULL, 0, T0 + 110), 2);
	seg_is(&f.out.seg[0], F_A, ISS + 2, IRS + 1, 1000, 100);
	data_is(&f.out.seg[0], 1);
	seg_is(&f.out.seg[1], F_AP, ISS + 102, IRS + 1, 1000, 49);
	/* A window update without progress opens it too. */
	params_default(&f.p, ISS, IRS);
	fx_open(&f, 1000);
	handshake(&f, 0);
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 50, 0, T0, &f.out), 0);
	assert_int_equal(feed(&f, F_A, IRS + 1, ISS + 1, 20, NULL, 0, T0 + 1), 1);
	seg_is(&f.out.seg[0], F_A, ISS + 1, IRS + 1, 1000, 20);
}

static void
test_wraparound(void **state)
{
	struct fx f;
	const uint32_t iss = 0xffffffe0u, irs = 0xfffffff8u;

	(void)state;
	params_default(&f.p, iss, irs);
	fx_open(&f, 1000);
	assert_int_equal(f.ep.snd_una, 0xffffffe1u);
	assert_int_equal(feed(&f, F_A, irs + 1, iss + 1, 500, NULL, 0, T0), 0);
	/* 20 bytes from 0xfffffff9 to 0x0000000c. */
	assert_int_equal(feed(&f, F_A, irs + 1, iss + 1, 500, resp, 20, T0), 1);
	seg_is(&f.out.seg[0], F_A, iss + 1, 0x0000000du, 980, 0);
	assert_int_equal(f.ep.len, 20);
	/* The old segment across the wrap is a duplicate. */
	assert_int_equal(feed(&f, F_A, 0xfffffffcu, iss + 1, 500, resp + 3, 8, T0), 1);
	seg_is(&f.out.seg[0], F_A, iss + 1, 0x0000000du, 980, 0);
	assert_int_equal(f.out.ev, 0);
	/* Out of order past the wrap. */
	assert_int_equal(feed(&f, F_A, 0x00000010u, iss + 1, 500, resp, 4, T0), 1);
	seg_is(&f.out.seg[0], F_A, iss + 1, 0x0000000du, 980, 0);
	/* Overlapping the wrap: trimmed. */
	assert_int_equal(feed(&f, F_A, 0x00000009u, iss + 1, 500, resp + 16, 8, T0), 1);
	seg_is(&f.out.seg[0], F_A, iss + 1, 0x00000011u, 976, 0);
	assert_memory_equal(f.buf, resp, 24);
	/* weir's answer crosses the wrap too: 0xffffffe1 + 100 = 0x45. */
	assert_int_equal(weir_tcp_ep_respond(&f.ep, resp, 100, 1, T0, &f.out), 1);
	seg_is(&f.out.seg[0], F_AP, 0xffffffe1u, 0x00000011u, 976, 100);
	assert_int_equal(feed(&f, F_A, 0x11u, 0x10u, 500, NULL, 0, T0 + 1), 0);
	assert_int_equal(f.ep.snd_una, 0x10u);
	assert_int_equal(weir_tcp_ep_timer(&f.ep, T0 + 101, &f.out), 1);
	seg_is(&f.out.seg[0], F_AP, 0x10u, 0x11u, 976, 53);
	data_is(&f.out.seg[0], 47);
	assert_int_equal(feed(&f, F_A, 0x11u, 0x45u, 500, NULL, 0, T0 + 102), 1);
	seg_is(&f.out.seg[0], F_FA, 0x45u, 0x11u, 976, 0);
	assert_int_equal(feed(&f, F_FA, 0x11u, 0x46u, 500, NULL, 0, T0 + 103), 1);
	seg_is(&f.out.seg[0], F_A, 0x46u, 0x12u, 976, 0);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_TIME_WAIT);
	/* A RST exactly at rcv_nxt across the wrap. */
	assert_int_equal(feed(&f, WEIR_TCP_F_RST, 0x12u, 0, 0, NULL, 0, T0 + 104), 0);
	assert_int_equal(f.ep.state, WEIR_TCP_EP_CLOSED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_params),
		cmocka_unit_test(test_data_one_segment),
		cmocka_unit_test(test_data_several_segments),
		cmocka_unit_test(test_duplicate_reacked),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_window_fills),
		cmocka_unit_test(test_window_scaled),
		cmocka_unit_test(test_header_timeout),
		cmocka_unit_test(test_respond_segmentation),
		cmocka_unit_test(test_respond_out_max),
		cmocka_unit_test(test_retransmit_backoff_give_up),
		cmocka_unit_test(test_partial_ack),
		cmocka_unit_test(test_fin_after_response),
		cmocka_unit_test(test_fin_timeout),
		cmocka_unit_test(test_client_fin_first),
		cmocka_unit_test(test_client_fin_during_response),
		cmocka_unit_test(test_simultaneous_fin_ack),
		cmocka_unit_test(test_rst_collect),
		cmocka_unit_test(test_rst_respond),
		cmocka_unit_test(test_rst_fin_wait),
		cmocka_unit_test(test_rst_after_client_fin),
		cmocka_unit_test(test_no_ack_ignored),
		cmocka_unit_test(test_zero_window_probe),
		cmocka_unit_test(test_wraparound),
	};

	return weir_test_main(tests);
}
