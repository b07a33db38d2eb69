/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/health's probe exchange (weir_probe.h) on crafted
 * segments and a simulated clock: the SYN and the request byte for byte,
 * every verdict and the segments that come with it, retransmission times,
 * reordering, duplicates, sequence wraparound, the request builder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "weir_probe.h"
#include "weir_test.h"

#define ISN 1000u
#define IRS 70000u
#define T0 5000u /* the clock when the probe starts */

static const char req_text[] = "GET /health HTTP/1.1\r\nHost: backend\r\n"
			       "User-Agent: weir-health\r\nConnection: close\r\n\r\n";
#define REQ_LEN ((uint32_t)(sizeof(req_text) - 1))

static struct weir_probe_cfg
cfg_tcp(void)
{
	struct weir_probe_cfg c;

	memset(&c, 0, sizeof(c));
	c.timeout_ms = 1000;
	c.rto_ms = 100;
	c.mss = 1460;
	return c;
}

/* HTTP, status in [200-399], expect_body if body is not NULL. */
static struct weir_probe_cfg
cfg_http(const char *body)
{
	struct weir_probe_cfg c = cfg_tcp();

	c.http = 1;
	assert_int_equal(weir_probe_http_request(&c, "GET", "/health", "backend"), 0);
	c.n_status = 1;
	c.status_lo[0] = 200;
	c.status_hi[0] = 399;
	if (body != NULL) {
		c.body_len = (uint8_t)strlen(body);
		memcpy(c.body, body, c.body_len);
	}
	return c;
}

static struct weir_probe_in
seg_in(uint8_t flags, uint32_t seq, uint32_t ack, const char *data)
{
	struct weir_probe_in in;

	memset(&in, 0, sizeof(in));
	in.flags = flags;
	in.seq = seq;
	in.ack = ack;
	in.data = (const uint8_t *)data;
	in.data_len = data != NULL ? strlen(data) : 0;
	return in;
}

static void
assert_seg(const struct weir_probe_seg *s, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
	   uint16_t data_len)
{
	assert_int_equal(s->flags, flags);
	assert_int_equal(s->seq, seq);
	assert_int_equal(s->ack, ack);
	assert_int_equal(s->win, win);
	assert_int_equal(s->data_len, data_len);
	if (data_len == 0)
		assert_null(s->data);
}

static void
assert_rst(const struct weir_probe_seg *s, uint32_t seq)
{
	assert_seg(s, WEIR_PROBE_RST, seq, 0, 0, 0);
	assert_int_equal(s->opts_len, 0);
}

static void
assert_request(const struct weir_probe_seg *s, uint32_t isn, uint32_t ack, uint16_t win)
{
	assert_seg(s, WEIR_PROBE_ACK | WEIR_PROBE_PSH, isn + 1, ack, win, REQ_LEN);
	assert_int_equal(s->opts_len, 0);
	assert_memory_equal(s->data, req_text, REQ_LEN);
}

/* Start an HTTP probe and complete the handshake: the request is out, unACKed. */
static void
http_open(struct weir_probe *pr, const struct weir_probe_cfg *c, uint32_t isn, uint32_t irs)
{
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];
	struct weir_probe_in in;

	assert_int_equal(weir_probe_start(pr, c, isn, T0, out), 1);
	in = seg_in(WEIR_PROBE_SYN | WEIR_PROBE_ACK, irs, isn + 1, NULL);
	assert_int_equal(weir_probe_input(pr, c, &in, T0 + 3, out), 1);
	assert_request(&out[0], isn, irs + 1, WEIR_PROBE_HEAD_MAX);
	assert_int_equal(pr->state, WEIR_PROBE_REQ_SENT);
}

/* The server's bytes at offset off of its stream, with our request ACKed. */
static unsigned int
feed(struct weir_probe *pr, const struct weir_probe_cfg *c, uint32_t off, const char *data,
     uint8_t extra_flags, uint64_t now, struct weir_probe_seg *out)
{
	struct weir_probe_in in = seg_in(WEIR_PROBE_ACK | extra_flags, pr->irs + 1 + off,
					 pr->isn + 1 + REQ_LEN, data);

	return weir_probe_input(pr, c, &in, now, out);
}

/* After a verdict given on a segment: the ACK of everything received, then the RST. */
static void
assert_ack_rst(const struct weir_probe *pr, const struct weir_probe_seg *out, uint32_t rcv_nxt)
{
	assert_seg(&out[0], WEIR_PROBE_ACK, pr->isn + 1 + REQ_LEN, rcv_nxt,
		   WEIR_PROBE_HEAD_MAX - pr->head_len, 0);
	assert_rst(&out[1], pr->isn + 1 + REQ_LEN);
}

static void
test_syn_exact(void **state)
{
	struct weir_probe_cfg c = cfg_tcp();
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];

	(void)state;
	memset(&pr, 0xa5, sizeof(pr));
	assert_int_equal(weir_probe_start(&pr, &c, ISN, T0, out), 1);
	assert_seg(&out[0], WEIR_PROBE_SYN, ISN, 0, WEIR_PROBE_HEAD_MAX, 0);
	assert_int_equal(out[0].opts_len, 4);
	assert_int_equal(out[0].opts[0], 0x02);
	assert_int_equal(out[0].opts[1], 0x04);
	assert_int_equal(out[0].opts[2], 0x05); /* 1460 = 0x05b4 */
	assert_int_equal(out[0].opts[3], 0xb4);
	assert_int_equal(pr.state, WEIR_PROBE_SYN_SENT);
	assert_int_equal(pr.fail, WEIR_PF_NONE);
	assert_int_equal(pr.rtx, 0);
	assert_int_equal(pr.status, 0);
	assert_int_equal(pr.head_len, 0);
	assert_int_equal(pr.start_ms, T0);
	assert_int_equal(pr.rtx_ms, T0 + 100);

	c.mss = 0;
	assert_int_equal(weir_probe_start(&pr, &c, ISN, T0, out), 1);
	assert_int_equal(out[0].opts[2], 0x02); /* 536 = 0x0218 */
	assert_int_equal(out[0].opts[3], 0x18);
}

static void
test_tcp_ok(void **state)
{
	struct weir_probe_cfg c = cfg_tcp();
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];
	struct weir_probe_in in;

	(void)state;
	weir_probe_start(&pr, &c, ISN, T0, out);
	in = seg_in(WEIR_PROBE_SYN | WEIR_PROBE_ACK, IRS, ISN + 1, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 7, out), 1);
	assert_rst(&out[0], ISN + 1);
	assert_int_equal(pr.state, WEIR_PROBE_DONE);
	assert_int_equal(pr.fail, WEIR_PF_NONE);
	assert_int_equal(pr.irs, IRS);
	assert_int_equal(pr.done_ms - pr.start_ms, 7);
	assert_string_equal(weir_probe_fail_name(pr.fail), "ok");
}

static void
test_tcp_refused(void **state)
{
	struct weir_probe_cfg c = cfg_tcp();
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];
	struct weir_probe_in in;

	(void)state;
	weir_probe_start(&pr, &c, ISN, T0, out);
	/* Not ours: an RST without ACK, one ACKing something else, a bare ACK. */
	in = seg_in(WEIR_PROBE_RST, 0, 0, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 1, out), 0);
	in = seg_in(WEIR_PROBE_RST | WEIR_PROBE_ACK, 0, ISN + 2, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 1, out), 0);
	in = seg_in(WEIR_PROBE_ACK, IRS, ISN + 1, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 1, out), 0);
	assert_int_equal(pr.state, WEIR_PROBE_SYN_SENT);

	in = seg_in(WEIR_PROBE_RST | WEIR_PROBE_ACK, 0, ISN + 1, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 2, out), 0);
	assert_int_equal(pr.state, WEIR_PROBE_DONE);
	assert_int_equal(pr.fail, WEIR_PF_REFUSED);
	assert_int_equal(pr.done_ms, T0 + 2);
	assert_string_equal(weir_probe_fail_name(pr.fail), "refused");
}

static void
test_syn_retransmit_timeout(void **state)
{
	struct weir_probe_cfg c = cfg_tcp();
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];
	/* Intervals rto, 2 rto, 4 rto: at 100, 300, 700; the timeout at 1000. */
	static const struct {
		uint32_t at;
		unsigned int n;
	} steps[] = {{0, 0},   {99, 0},	 {100, 1}, {101, 0}, {299, 0},
		     {300, 1}, {699, 0}, {700, 1}, {999, 0}};
	unsigned int i, rtx = 0;

	(void)state;
	weir_probe_start(&pr, &c, ISN, T0, out);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		memset(out, 0, sizeof(out));
		assert_int_equal(weir_probe_timer(&pr, &c, T0 + steps[i].at, out), steps[i].n);
		if (steps[i].n == 1) {
			rtx++;
			assert_seg(&out[0], WEIR_PROBE_SYN, ISN, 0, WEIR_PROBE_HEAD_MAX, 0);
			assert_int_equal(out[0].opts_len, 4);
		}
		assert_int_equal(pr.rtx, rtx);
		assert_int_equal(pr.state, WEIR_PROBE_SYN_SENT);
	}
	/* The timeout: no RST, nothing was established. */
	assert_int_equal(weir_probe_timer(&pr, &c, T0 + 1000, out), 0);
	assert_int_equal(pr.state, WEIR_PROBE_DONE);
	assert_int_equal(pr.fail, WEIR_PF_TIMEOUT);
	assert_int_equal(pr.done_ms, T0 + 1000);
	assert_int_equal(weir_probe_timer(&pr, &c, T0 + 5000, out), 0);
	assert_int_equal(pr.done_ms, T0 + 1000);
}

static void
test_http_request_segment(void **state)
{
	struct weir_probe_cfg c = cfg_http(NULL);
	struct weir_probe pr;

	(void)state;
	assert_int_equal(c.req_len, REQ_LEN);
	assert_memory_equal(c.req, req_text, REQ_LEN);
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(pr.rcv_nxt, IRS + 1);
	assert_int_equal(pr.snd_una, ISN + 1);
	assert_int_equal(pr.snd_nxt, ISN + 1 + REQ_LEN);
	assert_int_equal(pr.rtx_ms, T0 + 3 + 100);
}

static void
test_http_200_ok(void **state)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct weir_probe_cfg c = cfg_http(NULL);
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];

	(void)state;
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 0, resp, WEIR_PROBE_PSH, T0 + 12, out), 2);
	assert_int_equal(pr.state, WEIR_PROBE_DONE);
	assert_int_equal(pr.fail, WEIR_PF_NONE);
	assert_int_equal(pr.status, 200);
	assert_int_equal(pr.head_len, strlen(resp));
	assert_int_equal(pr.done_ms - pr.start_ms, 12);
	assert_ack_rst(&pr, out, IRS + 1 + strlen(resp));
	assert_int_equal(out[0].win, WEIR_PROBE_HEAD_MAX - strlen(resp));
}

static void
test_http_500_bad_status(void **state)
{
	struct weir_probe_cfg c = cfg_http(NULL);
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];
	static const struct {
		const char *resp;
		uint8_t fail;
		uint16_t status;
	} cases[] = {
		{"HTTP/1.1 500 Internal Server Error\r\n", WEIR_PF_BAD_STATUS, 500},
		{"HTTP/1.1 199 x\r\n", WEIR_PF_BAD_STATUS, 199},
		{"HTTP/1.1 200 OK\r\n", WEIR_PF_NONE, 200},
		{"HTTP/1.1 399 x\r\n", WEIR_PF_NONE, 399},
		{"HTTP/1.1 400 Bad Request\r\n", WEIR_PF_BAD_STATUS, 400},
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		http_open(&pr, &c, ISN, IRS);
		assert_int_equal(feed(&pr, &c, 0, cases[i].resp, 0, T0 + 9, out), 2);
		assert_int_equal(pr.state, WEIR_PROBE_DONE);
		assert_int_equal(pr.fail, cases[i].fail);
		assert_int_equal(pr.status, cases[i].status);
		assert_ack_rst(&pr, out, IRS + 1 + strlen(cases[i].resp));
	}
	assert_string_equal(weir_probe_fail_name(WEIR_PF_BAD_STATUS), "bad-status");

	/* No ranges: any status. A second range counts as well as the first. */
	c.n_status = 0;
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 0, "HTTP/1.1 503 x\r\n", 0, T0 + 9, out), 2);
	assert_int_equal(pr.fail, WEIR_PF_NONE);
	c.n_status = 2;
	c.status_lo[1] = 503;
	c.status_hi[1] = 503;
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 0, "HTTP/1.1 503 x\r\n", 0, T0 + 9, out), 2);
	assert_int_equal(pr.fail, WEIR_PF_NONE);
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 0, "HTTP/1.1 504 x\r\n", 0, T0 + 9, out), 2);
	assert_int_equal(pr.fail, WEIR_PF_BAD_STATUS);
}

/* Feed parts one after the other; every part but the last gets an ACK and no verdict. */
static void
feed_parts(struct weir_probe *pr, const struct weir_probe_cfg *c, const char *const *parts,
	   unsigned int n, struct weir_probe_seg *out)
{
	uint32_t off = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		unsigned int got = feed(pr, c, off, parts[i], 0, T0 + 20 + i, out);

		off += (uint32_t)strlen(parts[i]);
		if (i + 1 < n) {
			assert_int_equal(got, 1);
			assert_seg(&out[0], WEIR_PROBE_ACK, ISN + 1 + REQ_LEN, IRS + 1 + off,
				   WEIR_PROBE_HEAD_MAX - off, 0);
			assert_int_equal(pr->state, WEIR_PROBE_REQ_SENT);
			assert_int_equal(pr->status, 0);
			assert_int_equal(pr->head_len, off);
		} else {
			assert_int_equal(got, 2);
			assert_ack_rst(pr, out, IRS + 1 + off);
		}
	}
}

static void
test_status_split(void **state)
{
	static const char *const two[] = {"HT", "TP/1.1 200 OK\r\n"};
	static const char *const three[] = {"HTTP/1.1 2", "04 No Content\r", "\n"};
	static const char *const lf[] = {"HTTP/1.0 301", "\n"};
	static const char *const no_reason[] = {"HTTP/1.1 200\r", "\nServer: x\r\n\r\n"};
	struct weir_probe_cfg c = cfg_http(NULL);
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];

	(void)state;
	http_open(&pr, &c, ISN, IRS);
	feed_parts(&pr, &c, two, 2, out);
	assert_int_equal(pr.fail, WEIR_PF_NONE);
	assert_int_equal(pr.status, 200);

	http_open(&pr, &c, ISN, IRS);
	feed_parts(&pr, &c, three, 3, out);
	assert_int_equal(pr.fail, WEIR_PF_NONE);
	assert_int_equal(pr.status, 204);
	assert_int_equal(pr.done_ms, T0 + 22);

	http_open(&pr, &c, ISN, IRS);
	feed_parts(&pr, &c, lf, 2, out);
	assert_int_equal(pr.fail, WEIR_PF_NONE);
	assert_int_equal(pr.status, 301);

	http_open(&pr, &c, ISN, IRS);
	feed_parts(&pr, &c, no_reason, 2, out);
	assert_int_equal(pr.fail, WEIR_PF_NONE);
	assert_int_equal(pr.status, 200);
}

static void
test_body_found(void **state)
{
	static const char *const parts[] = {"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n",
					    "\r\nsystem re", "ady\n"};
	static const char *const lf[] = {"HTTP/1.1 200 OK\nX: y\n\nready"};
	struct weir_probe_cfg c = cfg_http("ready");
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];

	(void)state;
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 0, parts[0], 0, T0 + 10, out), 1);
	/* The status line is in and good: still waiting for the body. */
	assert_int_equal(pr.status, 200);
	assert_int_equal(pr.state, WEIR_PROBE_REQ_SENT);
	assert_int_equal(feed(&pr, &c, strlen(parts[0]), parts[1], 0, T0 + 11, out), 1);
	assert_int_equal(pr.state, WEIR_PROBE_REQ_SENT);
	assert_int_equal(
		feed(&pr, &c, strlen(parts[0]) + strlen(parts[1]), parts[2], 0, T0 + 12, out), 2);
	assert_int_equal(pr.state, WEIR_PROBE_DONE);
	assert_int_equal(pr.fail, WEIR_PF_NONE);
	assert_int_equal(pr.done_ms, T0 + 12);
	assert_ack_rst(&pr, out, IRS + 1 + pr.head_len);
	assert_int_equal(pr.head_len, strlen(parts[0]) + strlen(parts[1]) + strlen(parts[2]));

	http_open(&pr, &c, ISN, IRS);
	feed_parts(&pr, &c, lf, 1, out);
	assert_int_equal(pr.fail, WEIR_PF_NONE);

	/* A bad status is the verdict whatever the body holds. */
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 0, "HTTP/1.1 500 x\r\n\r\nready", 0, T0 + 10, out), 2);
	assert_int_equal(pr.fail, WEIR_PF_BAD_STATUS);
}

static void
test_body_not_found(void **state)
{
	/* "ready" in a header is not in the body. */
	static const char resp[] = "HTTP/1.1 200 OK\r\nX-State: ready\r\n\r\nnot yet";
	struct weir_probe_cfg c = cfg_http("ready");
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];
	char big[WEIR_PROBE_HEAD_MAX + 100];
	size_t hl;

	(void)state;
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 0, resp, 0, T0 + 10, out), 1);
	assert_int_equal(pr.state, WEIR_PROBE_REQ_SENT);
	assert_int_equal(feed(&pr, &c, strlen(resp), NULL, WEIR_PROBE_FIN, T0 + 11, out), 2);
	assert_int_equal(pr.state, WEIR_PROBE_DONE);
	assert_int_equal(pr.fail, WEIR_PF_BAD_BODY);
	assert_int_equal(pr.status, 200);
	/* The ACK covers the FIN. */
	assert_ack_rst(&pr, out, IRS + 1 + strlen(resp) + 1);
	assert_string_equal(weir_probe_fail_name(pr.fail), "bad-body");

	/* Data and FIN in one segment. */
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 0, resp, WEIR_PROBE_FIN, T0 + 10, out), 2);
	assert_int_equal(pr.fail, WEIR_PF_BAD_BODY);
	assert_ack_rst(&pr, out, IRS + 1 + strlen(resp) + 1);

	/* head[] full without it; the bytes past the window are not taken (nor ACKed). */
	hl = strlen("HTTP/1.1 200 OK\r\n\r\n");
	memset(big, 'x', sizeof(big));
	memcpy(big, "HTTP/1.1 200 OK\r\n\r\n", hl);
	big[sizeof(big) - 1] = '\0';
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 0, big, 0, T0 + 10, out), 2);
	assert_int_equal(pr.fail, WEIR_PF_BAD_BODY);
	assert_int_equal(pr.head_len, WEIR_PROBE_HEAD_MAX);
	assert_ack_rst(&pr, out, IRS + 1 + WEIR_PROBE_HEAD_MAX);
	assert_int_equal(out[0].win, 0);

	/* The body's last byte is head[]'s last: found. */
	memcpy(big + WEIR_PROBE_HEAD_MAX - 5, "ready", 5);
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 0, big, 0, T0 + 10, out), 2);
	assert_int_equal(pr.fail, WEIR_PF_NONE);
}

static void
test_out_of_order(void **state)
{
	struct weir_probe_cfg c = cfg_http(NULL);
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];

	(void)state;
	http_open(&pr, &c, ISN, IRS);
	/* The second part first: dropped, rcv_nxt asked for again. */
	assert_int_equal(feed(&pr, &c, 9, "200 OK\r\n", 0, T0 + 10, out), 1);
	assert_seg(&out[0], WEIR_PROBE_ACK, ISN + 1 + REQ_LEN, IRS + 1, WEIR_PROBE_HEAD_MAX, 0);
	assert_int_equal(pr.head_len, 0);
	assert_int_equal(pr.rcv_nxt, IRS + 1);
	assert_int_equal(pr.state, WEIR_PROBE_REQ_SENT);
	/* The first: taken. */
	assert_int_equal(feed(&pr, &c, 0, "HTTP/1.1 ", 0, T0 + 11, out), 1);
	assert_seg(&out[0], WEIR_PROBE_ACK, ISN + 1 + REQ_LEN, IRS + 10, WEIR_PROBE_HEAD_MAX - 9,
		   0);
	assert_int_equal(pr.head_len, 9);
	assert_memory_equal(pr.head, "HTTP/1.1 ", 9);
	/* The second again, in order now. */
	assert_int_equal(feed(&pr, &c, 9, "200 OK\r\n", 0, T0 + 12, out), 2);
	assert_int_equal(pr.fail, WEIR_PF_NONE);
	assert_int_equal(pr.status, 200);
	assert_ack_rst(&pr, out, IRS + 18);

	/* A FIN after a hole is not taken either. */
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 4, "x", WEIR_PROBE_FIN, T0 + 10, out), 1);
	assert_seg(&out[0], WEIR_PROBE_ACK, ISN + 1 + REQ_LEN, IRS + 1, WEIR_PROBE_HEAD_MAX, 0);
	assert_int_equal(pr.state, WEIR_PROBE_REQ_SENT);
}

static void
test_duplicate(void **state)
{
	struct weir_probe_cfg c = cfg_http(NULL);
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];
	struct weir_probe_in in;

	(void)state;
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 0, "HTTP/1.1", 0, T0 + 10, out), 1);
	assert_int_equal(feed(&pr, &c, 0, "HTTP/1.1", 0, T0 + 11, out), 1);
	assert_seg(&out[0], WEIR_PROBE_ACK, ISN + 1 + REQ_LEN, IRS + 9, WEIR_PROBE_HEAD_MAX - 8, 0);
	assert_int_equal(pr.head_len, 8);
	assert_int_equal(pr.rcv_nxt, IRS + 9);
	/* An overlap: only the new bytes are taken. */
	assert_int_equal(feed(&pr, &c, 5, "1.1 200 OK\r\n", 0, T0 + 12, out), 2);
	assert_int_equal(pr.head_len, 17);
	assert_memory_equal(pr.head, "HTTP/1.1 200 OK\r\n", 17);
	assert_int_equal(pr.fail, WEIR_PF_NONE);

	/* The SYN-ACK again: the request goes again while unACKed, then a bare ACK. */
	http_open(&pr, &c, ISN, IRS);
	in = seg_in(WEIR_PROBE_SYN | WEIR_PROBE_ACK, IRS, ISN + 1, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 50, out), 1);
	assert_request(&out[0], ISN, IRS + 1, WEIR_PROBE_HEAD_MAX);
	in = seg_in(WEIR_PROBE_ACK, IRS + 1, ISN + 1 + REQ_LEN, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 51, out), 0);
	in = seg_in(WEIR_PROBE_SYN | WEIR_PROBE_ACK, IRS, ISN + 1, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 52, out), 1);
	assert_seg(&out[0], WEIR_PROBE_ACK, ISN + 1 + REQ_LEN, IRS + 1, WEIR_PROBE_HEAD_MAX, 0);
	assert_int_equal(pr.state, WEIR_PROBE_REQ_SENT);
}

static void
test_request_retransmit(void **state)
{
	struct weir_probe_cfg c = cfg_http(NULL);
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];
	struct weir_probe_in in;

	(void)state;
	http_open(&pr, &c, ISN, IRS); /* the request left at T0 + 3 */
	assert_int_equal(weir_probe_timer(&pr, &c, T0 + 102, out), 0);
	assert_int_equal(weir_probe_timer(&pr, &c, T0 + 103, out), 1);
	assert_request(&out[0], ISN, IRS + 1, WEIR_PROBE_HEAD_MAX);
	assert_int_equal(pr.rtx, 1);
	assert_int_equal(weir_probe_timer(&pr, &c, T0 + 302, out), 0);
	assert_int_equal(weir_probe_timer(&pr, &c, T0 + 303, out), 1);
	assert_request(&out[0], ISN, IRS + 1, WEIR_PROBE_HEAD_MAX);
	assert_int_equal(pr.rtx, 2);
	/* Part of it ACKed: still due. */
	in = seg_in(WEIR_PROBE_ACK, IRS + 1, ISN + 11, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 400, out), 0);
	assert_int_equal(pr.snd_una, ISN + 11);
	assert_int_equal(weir_probe_timer(&pr, &c, T0 + 703, out), 1);
	assert_request(&out[0], ISN, IRS + 1, WEIR_PROBE_HEAD_MAX);
	/* All of it: never again. */
	in = seg_in(WEIR_PROBE_ACK, IRS + 1, ISN + 1 + REQ_LEN, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 710, out), 0);
	assert_int_equal(pr.snd_una, ISN + 1 + REQ_LEN);
	assert_int_equal(weir_probe_timer(&pr, &c, T0 + 999, out), 0);
	assert_int_equal(pr.rtx, 3);
	assert_int_equal(pr.state, WEIR_PROBE_REQ_SENT);
}

static void
test_request_acked_timeout(void **state)
{
	struct weir_probe_cfg c = cfg_http(NULL);
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];
	struct weir_probe_in in;
	uint32_t t;

	(void)state;
	http_open(&pr, &c, ISN, IRS);
	in = seg_in(WEIR_PROBE_ACK, IRS + 1, ISN + 1 + REQ_LEN, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 5, out), 0);
	for (t = 6; t < 1000; t += 7)
		assert_int_equal(weir_probe_timer(&pr, &c, T0 + t, out), 0);
	assert_int_equal(pr.rtx, 0);
	assert_int_equal(weir_probe_timer(&pr, &c, T0 + 1000, out), 1);
	assert_rst(&out[0], ISN + 1 + REQ_LEN);
	assert_int_equal(pr.state, WEIR_PROBE_DONE);
	assert_int_equal(pr.fail, WEIR_PF_TIMEOUT);
	assert_int_equal(pr.done_ms, T0 + 1000);
	assert_string_equal(weir_probe_fail_name(pr.fail), "timeout");
}

static void
test_reset_after_handshake(void **state)
{
	struct weir_probe_cfg c = cfg_http(NULL);
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];
	struct weir_probe_in in;

	(void)state;
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 0, "HTTP/1.1 2", 0, T0 + 10, out), 1);
	/* Outside the window (before rcv_nxt, or past it): not taken. */
	in = seg_in(WEIR_PROBE_RST, IRS + 1, 0, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 11, out), 0);
	in = seg_in(WEIR_PROBE_RST, IRS + 11 + WEIR_PROBE_HEAD_MAX - 10, 0, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 11, out), 0);
	assert_int_equal(pr.state, WEIR_PROBE_REQ_SENT);
	in = seg_in(WEIR_PROBE_RST | WEIR_PROBE_ACK, IRS + 11, ISN + 1 + REQ_LEN, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 12, out), 0);
	assert_int_equal(pr.state, WEIR_PROBE_DONE);
	assert_int_equal(pr.fail, WEIR_PF_RESET);
	assert_int_equal(pr.done_ms, T0 + 12);
	assert_string_equal(weir_probe_fail_name(pr.fail), "reset");
}

static void
test_fin_before_status(void **state)
{
	struct weir_probe_cfg c = cfg_http(NULL);
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];

	(void)state;
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 0, "HTTP/1.1 2", 0, T0 + 10, out), 1);
	assert_int_equal(feed(&pr, &c, 10, NULL, WEIR_PROBE_FIN, T0 + 11, out), 2);
	assert_int_equal(pr.state, WEIR_PROBE_DONE);
	assert_int_equal(pr.fail, WEIR_PF_CLOSED);
	assert_int_equal(pr.status, 0);
	assert_ack_rst(&pr, out, IRS + 12);
	assert_string_equal(weir_probe_fail_name(pr.fail), "closed");

	/* A FIN with nothing before it. */
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 0, NULL, WEIR_PROBE_FIN, T0 + 10, out), 2);
	assert_int_equal(pr.fail, WEIR_PF_CLOSED);
	assert_ack_rst(&pr, out, IRS + 2);

	/* The status line with the FIN: its verdict, not "closed". */
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 0, "HTTP/1.0 200 OK\r\n", WEIR_PROBE_FIN, T0 + 10, out), 2);
	assert_int_equal(pr.fail, WEIR_PF_NONE);
	assert_ack_rst(&pr, out, IRS + 1 + 17 + 1);
}

static void
test_malformed(void **state)
{
	static const char *const lines[] = {
		"SSH-2.0-OpenSSH_9.2\r\n",
		"HTTP/1.1 20 OK\r\n",
		"HTTP/1.1 2000 OK\r\n",
		"HTTP/1.1 200OK\r\n",
		"HTTP/2 200\r\n",
		"HTTP/1.2 200 OK\r\n",
		"http/1.1 200 OK\r\n",
		"HTTP/1.1  200 OK\r\n",
		"HTTP/1.1 2x0 OK\r\n",
		"HTTP/1.1 099 x\r\n",
		"HTTP/1.1 200\rOK\r\n",
		" HTTP/1.1 200 OK\r\n",
		"\r\n",
		"\n",
	};
	struct weir_probe_cfg c = cfg_http(NULL);
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];
	char big[WEIR_PROBE_HEAD_MAX + 1];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		http_open(&pr, &c, ISN, IRS);
		assert_int_equal(feed(&pr, &c, 0, lines[i], 0, T0 + 10, out), 2);
		if (pr.fail != WEIR_PF_MALFORMED)
			fail_msg("'%s': %s, want malformed", lines[i],
				 weir_probe_fail_name(pr.fail));
		assert_int_equal(pr.status, 0);
		assert_ack_rst(&pr, out, IRS + 1 + strlen(lines[i]));
	}
	assert_string_equal(weir_probe_fail_name(WEIR_PF_MALFORMED), "malformed");

	/* No line end in all of head[]. */
	memset(big, 'H', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 0, big, 0, T0 + 10, out), 2);
	assert_int_equal(pr.fail, WEIR_PF_MALFORMED);
	assert_int_equal(pr.head_len, WEIR_PROBE_HEAD_MAX);
}

static void
test_protocol(void **state)
{
	struct weir_probe_cfg c = cfg_http(NULL);
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];
	struct weir_probe_in in;

	(void)state;
	/* A SYN-ACK of something else (an earlier probe's, late): the RST TCP
	 * would send, seq = its ack, and nothing else changes (RFC 793); the
	 * right SYN-ACK then completes the handshake. */
	weir_probe_start(&pr, &c, ISN, T0, out);
	in = seg_in(WEIR_PROBE_SYN | WEIR_PROBE_ACK, IRS, ISN + 77, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 4, out), 1);
	assert_rst(&out[0], ISN + 77);
	assert_int_equal(pr.state, WEIR_PROBE_SYN_SENT);
	assert_int_equal(pr.fail, WEIR_PF_NONE);
	in = seg_in(WEIR_PROBE_SYN | WEIR_PROBE_ACK, IRS, ISN + 1, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 5, out), 1);
	assert_int_equal(pr.state, WEIR_PROBE_REQ_SENT);
	assert_string_equal(weir_probe_fail_name(WEIR_PF_PROTOCOL), "protocol");

	/* An ACK of bytes never sent. */
	http_open(&pr, &c, ISN, IRS);
	in = seg_in(WEIR_PROBE_ACK, IRS + 1, ISN + 2 + REQ_LEN, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 5, out), 2);
	assert_int_equal(pr.fail, WEIR_PF_PROTOCOL);
	assert_ack_rst(&pr, out, IRS + 1);

	/* A SYN-ACK with another ISN once established. */
	http_open(&pr, &c, ISN, IRS);
	in = seg_in(WEIR_PROBE_SYN | WEIR_PROBE_ACK, IRS + 5000, ISN + 1, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 5, out), 2);
	assert_int_equal(pr.fail, WEIR_PF_PROTOCOL);
}

static void
test_wraparound(void **state)
{
	const uint32_t isn = 0xfffffffe, irs = 0xfffffff8;
	struct weir_probe_cfg c = cfg_http("ok");
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];
	struct weir_probe_in in;

	(void)state;
	assert_int_equal(weir_probe_start(&pr, &c, isn, T0, out), 1);
	assert_int_equal(out[0].seq, 0xfffffffe);
	in = seg_in(WEIR_PROBE_SYN | WEIR_PROBE_ACK, irs, 0xffffffff, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 1, out), 1);
	assert_seg(&out[0], WEIR_PROBE_ACK | WEIR_PROBE_PSH, 0xffffffff, 0xfffffff9,
		   WEIR_PROBE_HEAD_MAX, REQ_LEN);
	assert_int_equal(pr.snd_nxt, REQ_LEN - 1);
	/* The ACK of the request wraps: it is not "data never sent". */
	in = seg_in(WEIR_PROBE_ACK, 0xfffffff9, REQ_LEN - 1, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 2, out), 0);
	assert_int_equal(pr.state, WEIR_PROBE_REQ_SENT);
	assert_int_equal(pr.snd_una, REQ_LEN - 1);
	assert_int_equal(weir_probe_timer(&pr, &c, T0 + 150, out), 0);
	/* The response crosses 2^32: its second part first, then the first twice. */
	in = seg_in(WEIR_PROBE_ACK, 2, REQ_LEN - 1, "200 OK\r\n\r\nok");
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 160, out), 1);
	assert_int_equal(out[0].ack, 0xfffffff9);
	assert_int_equal(pr.head_len, 0);
	in = seg_in(WEIR_PROBE_ACK, 0xfffffff9, REQ_LEN - 1, "HTTP/1.1 ");
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 161, out), 1);
	assert_seg(&out[0], WEIR_PROBE_ACK, REQ_LEN - 1, 2, WEIR_PROBE_HEAD_MAX - 9, 0);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 162, out), 1);
	assert_int_equal(out[0].ack, 2);
	assert_int_equal(pr.head_len, 9);
	in = seg_in(WEIR_PROBE_ACK, 2, REQ_LEN - 1, "200 OK\r\n\r\nok");
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 163, out), 2);
	assert_int_equal(pr.fail, WEIR_PF_NONE);
	assert_int_equal(pr.status, 200);
	assert_seg(&out[0], WEIR_PROBE_ACK, REQ_LEN - 1, 14, WEIR_PROBE_HEAD_MAX - 21, 0);
	assert_rst(&out[1], REQ_LEN - 1);
}

static void
test_done_idle_ignore(void **state)
{
	struct weir_probe_cfg c = cfg_http(NULL);
	struct weir_probe pr;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];
	struct weir_probe_in in;

	(void)state;
	memset(&pr, 0, sizeof(pr));
	in = seg_in(WEIR_PROBE_SYN | WEIR_PROBE_ACK, IRS, ISN + 1, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0, out), 0);
	assert_int_equal(weir_probe_timer(&pr, &c, T0 + 10000, out), 0);
	assert_int_equal(pr.state, WEIR_PROBE_IDLE);

	http_open(&pr, &c, ISN, IRS);
	assert_int_equal(feed(&pr, &c, 0, "HTTP/1.1 200 OK\r\n", 0, T0 + 10, out), 2);
	assert_int_equal(feed(&pr, &c, 17, "more", WEIR_PROBE_FIN, T0 + 11, out), 0);
	in = seg_in(WEIR_PROBE_RST, IRS + 18, 0, NULL);
	assert_int_equal(weir_probe_input(&pr, &c, &in, T0 + 12, out), 0);
	assert_int_equal(weir_probe_timer(&pr, &c, T0 + 5000, out), 0);
	assert_int_equal(pr.state, WEIR_PROBE_DONE);
	assert_int_equal(pr.fail, WEIR_PF_NONE);
	assert_int_equal(pr.done_ms, T0 + 10);
	assert_int_equal(pr.head_len, 17);
}

static void
test_http_request_builder(void **state)
{
	static const struct {
		const char *method, *path, *host;
	} bad[] = {
		{"GET", "/a\rb", "h"}, {"GET", "/a\nb", "h"}, {"GET", "/", "h\r\nX: y"},
		{"G ET", "/", "h"},    {"GET", "/a b", "h"},  {"", "/", "h"},
		{"GET", "", "h"},      {"GET", "/", ""},      {"GET", "/\x01", "h"},
		{"GET", "/", "h\x7f"}, {"G\tET", "/", "h"},   {"GET", "/", "h\x1b[0m"},
		{NULL, "/", "h"},      {"GET", NULL, "h"},    {"GET", "/", NULL},
	};
	static const char fixed[] = "GET  HTTP/1.1\r\nHost: h\r\nUser-Agent: weir-health\r\n"
				    "Connection: close\r\n\r\n";
	struct weir_probe_cfg c;
	char path[WEIR_PROBE_REQ_MAX + 2];
	size_t fit = WEIR_PROBE_REQ_MAX - (sizeof(fixed) - 1);
	unsigned int i;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(weir_probe_http_request(&c, "HEAD", "/status?full=1", "api.example:8080"),
			 0);
	assert_int_equal(c.req_len, strlen("HEAD /status?full=1 HTTP/1.1\r\n"
					   "Host: api.example:8080\r\n"
					   "User-Agent: weir-health\r\nConnection: close\r\n\r\n"));
	assert_memory_equal(c.req,
			    "HEAD /status?full=1 HTTP/1.1\r\nHost: api.example:8080\r\n"
			    "User-Agent: weir-health\r\nConnection: close\r\n\r\n",
			    c.req_len);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&c, 0x5a, sizeof(c));
		if (weir_probe_http_request(&c, bad[i].method, bad[i].path, bad[i].host) != -1)
			fail_msg("case %u accepted", i);
		assert_int_equal(c.req_len, 0x5a5a); /* untouched */
	}

	/* The longest path that fits, and one byte more. */
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[fit] = '\0';
	memset(&c, 0, sizeof(c));
	assert_int_equal(weir_probe_http_request(&c, "GET", path, "h"), 0);
	assert_int_equal(c.req_len, WEIR_PROBE_REQ_MAX);
	assert_memory_equal(c.req + WEIR_PROBE_REQ_MAX - 4, "\r\n\r\n", 4);
	path[fit] = 'p';
	path[fit + 1] = '\0';
	memset(&c, 0, sizeof(c));
	assert_int_equal(weir_probe_http_request(&c, "GET", path, "h"), -1);
	assert_int_equal(c.req_len, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn_exact),
		cmocka_unit_test(test_tcp_ok),
		cmocka_unit_test(test_tcp_refused),
		cmocka_unit_test(test_syn_retransmit_timeout),
		cmocka_unit_test(test_http_request_segment),
		cmocka_unit_test(test_http_200_ok),
		cmocka_unit_test(test_http_500_bad_status),
		cmocka_unit_test(test_status_split),
		cmocka_unit_test(test_body_found),
		cmocka_unit_test(test_body_not_found),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_request_retransmit),
		cmocka_unit_test(test_request_acked_timeout),
		cmocka_unit_test(test_reset_after_handshake),
		cmocka_unit_test(test_fin_before_status),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_protocol),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_done_idle_ignore),
		cmocka_unit_test(test_http_request_builder),
	};

	return weir_test_main(tests);
}
