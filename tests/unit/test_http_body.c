/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/http_lite's body.c: response heads, valid and hostile
 * (each refusal's status, fault and offset), resumed over every split;
 * every body mode of RFC 9112 6.3 for both directions; chunked bodies with
 * extensions and trailers fed at every split and a byte at a time;
 * pipelined messages; hostile chunked framing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weir_http_body.h"
#include "weir_test.h"

static struct weir_http_resp resp;

static int
parse_str(const char *s)
{
	weir_http_resp_init(&resp);
	return weir_http_parse_resp(&resp, (const uint8_t *)s, strlen(s), NULL);
}

static int
view_is(const char *buf, struct weir_http_view v, const char *want)
{
	return v.len == strlen(want) && memcmp(buf + v.off, want, v.len) == 0;
}

struct resp_ok {
	const char *head;
	uint16_t status;
	uint8_t version, chunked, has_cl, close;
	uint64_t cl;
	const char *reason;
	uint16_t n_headers;
};

static void
test_resp_valid(void **state)
{
	static const struct resp_ok cases[] = {
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 200, 11, 0, 1, 0, 5, "OK", 1},
		{"HTTP/1.0 200 OK\r\n\r\n", 200, 10, 0, 0, 1, 0, "OK", 0},
		{"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", 200, 10, 0, 0, 0, 0, "OK", 1},
		{"HTTP/1.1 204 No Content\r\nConnection: Close\r\n\r\n", 204, 11, 0, 0, 1, 0,
		 "No Content", 1},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 200, 11, 1, 0, 0, 0, "OK",
		 1},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", 200, 11, 1, 0, 0, 0,
		 "OK", 1},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
		 200, 11, 1, 0, 0, 0, "OK", 2},
		/* Codings without chunked: the body runs until close. */
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 200, 11, 0, 0, 1, 0, "OK",
		 1},
		{"HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\ncontent-length:7\r\n\r\n", 200, 11, 0,
		 1, 0, 7, "OK", 2},
		{"HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n", 200, 11, 0, 1, 0,
		 9223372036854775807ULL, "OK", 1},
		{"HTTP/1.1 200 \r\n\r\n", 200, 11, 0, 0, 0, 0, "", 0},
		{"HTTP/1.1 200\r\n\r\n", 200, 11, 0, 0, 0, 0, "", 0},
		{"HTTP/1.1 404 Not \tFound \xe2\x9c\x97\r\nX-A:\r\n\r\n", 404, 11, 0, 0, 0, 0,
		 "Not \tFound \xe2\x9c\x97", 1},
		{"HTTP/1.2 599 Whatever\r\nConnection: foo, close\r\n\r\n", 599, 11, 0, 0, 1, 0,
		 "Whatever", 1},
		{"HTTP/1.1 100 Continue\r\n\r\n", 100, 11, 0, 0, 0, 0, "Continue", 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct resp_ok *c = &cases[i];
		int rc = parse_str(c->head);

		if (rc != (int)strlen(c->head))
			fail_msg("case %zu: rc %d fault %u at %u", i, rc, resp.fault, resp.err_pos);
		assert_int_equal(resp.status, c->status);
		assert_int_equal(resp.version, c->version);
		assert_int_equal(resp.chunked, c->chunked);
		assert_int_equal(resp.has_cl, c->has_cl);
		assert_int_equal(resp.close, c->close);
		assert_int_equal(resp.content_length, c->cl);
		assert_int_equal(resp.n_headers, c->n_headers);
		assert_int_equal(resp.fault, WEIR_HTTP_F_NONE);
		if (!view_is(c->head, resp.reason, c->reason))
			fail_msg("case %zu: reason", i);
	}
	/* Views and trimming. */
	assert_int_equal(parse_str("HTTP/1.1 200 OK\r\nX-Foo: \t bar baz \t\r\nA:b\r\n\r\nBODY"),
			 44);
	assert_int_equal(resp.n_headers, 2);
	assert_true(view_is("HTTP/1.1 200 OK\r\nX-Foo: \t bar baz \t\r\n", resp.headers[0].name,
			    "X-Foo"));
	assert_true(view_is("HTTP/1.1 200 OK\r\nX-Foo: \t bar baz \t\r\n", resp.headers[0].value,
			    "bar baz"));
	assert_int_equal(resp.headers[1].value.len, 1);
}

/* Growing the buffer a byte at a time: 0 until the last byte, then the same head. */
static void
test_resp_resumable(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nX: y\r\n\r\nnext";
	size_t hl = strlen(head) - 4, n;
	int rc;

	(void)state;
	weir_http_resp_init(&resp);
	for (n = 0; n < hl; n++) {
		rc = weir_http_parse_resp(&resp, (const uint8_t *)head, n, NULL);
		assert_int_equal(rc, 0);
	}
	rc = weir_http_parse_resp(&resp, (const uint8_t *)head, hl, NULL);
	assert_int_equal(rc, (int)hl);
	assert_int_equal(resp.content_length, 12);
	/* Bytes after the head are not read. */
	weir_http_resp_init(&resp);
	assert_int_equal(weir_http_parse_resp(&resp, (const uint8_t *)head, strlen(head), NULL),
			 (int)hl);
	/* A bare LF is refused as soon as it comes, not at the end of the head. */
	weir_http_resp_init(&resp);
	assert_int_equal(
		weir_http_parse_resp(&resp, (const uint8_t *)"HTTP/1.1 200 OK\n", 16, NULL), -502);
	assert_int_equal(resp.fault, WEIR_HTTP_F_LINE);
	assert_int_equal(resp.err_pos, 15);
	/* A CR last in one call, a bare CR's proof in the next (found by fuzz_body). */
	weir_http_resp_init(&resp);
	assert_int_equal(
		weir_http_parse_resp(&resp, (const uint8_t *)"HTTP/1.1 200 OK\rX", 16, NULL), 0);
	assert_int_equal(
		weir_http_parse_resp(&resp, (const uint8_t *)"HTTP/1.1 200 OK\rX", 17, NULL), -502);
	assert_int_equal(resp.fault, WEIR_HTTP_F_LINE);
	assert_int_equal(resp.err_pos, 15);
	/* Not HTTP at all: refused at the first byte. */
	weir_http_resp_init(&resp);
	assert_int_equal(weir_http_parse_resp(&resp, (const uint8_t *)"SSH-", 4, NULL), -502);
	assert_int_equal(resp.fault, WEIR_HTTP_F_STATUS);
	assert_int_equal(resp.err_pos, 0);
}

struct resp_bad {
	const char *head;
	uint8_t fault;
	uint32_t pos;
};

static void
test_resp_hostile(void **state)
{
	static const struct resp_bad cases[] = {
		{"HTTX/1.1 200 OK\r\n\r\n", WEIR_HTTP_F_STATUS, 3},
		{"HTTP/2 200 OK\r\n\r\n", WEIR_HTTP_F_VERSION, 5},
		{"HTTP/1.x 200 OK\r\n\r\n", WEIR_HTTP_F_VERSION, 7},
		{"HTTP/1.10 200 OK\r\n\r\n", WEIR_HTTP_F_VERSION, 8},
		{"HTTP/1.1  200 OK\r\n\r\n", WEIR_HTTP_F_STATUS, 9},
		{"HTTP/1.1 099 OK\r\n\r\n", WEIR_HTTP_F_STATUS, 9},
		{"HTTP/1.1 600 OK\r\n\r\n", WEIR_HTTP_F_STATUS, 9},
		{"HTTP/1.1 20 OK\r\n\r\n", WEIR_HTTP_F_STATUS, 11},
		{"HTTP/1.1 2000 OK\r\n\r\n", WEIR_HTTP_F_STATUS, 12},
		{"HTTP/1.1 200 O\x01K\r\n\r\n", WEIR_HTTP_F_STATUS, 14},
		{"HTTP/1.1 200 OK\rX\r\n\r\n", WEIR_HTTP_F_LINE, 15},
		{"HTTP/1.1 200 OK\r\nA: b\n\r\n", WEIR_HTTP_F_LINE, 21},
		{"HTTP/1.1 200 OK\r\nA: b\r\n\n", WEIR_HTTP_F_LINE, 23},
		{"HTTP/1.1 200 OK\r\nA: b\r\n x\r\n\r\n", WEIR_HTTP_F_FOLD, 23},
		{"HTTP/1.1 200 OK\r\nA : b\r\n\r\n", WEIR_HTTP_F_NAME, 18},
		{"HTTP/1.1 200 OK\r\n: b\r\n\r\n", WEIR_HTTP_F_NAME, 17},
		{"HTTP/1.1 200 OK\r\nA(b: c\r\n\r\n", WEIR_HTTP_F_NAME, 18},
		{"HTTP/1.1 200 OK\r\nA\r\n\r\n", WEIR_HTTP_F_NAME, 18},
		{"HTTP/1.1 200 OK\r\nA: b\x7f\r\n\r\n", WEIR_HTTP_F_VALUE, 21},
		{"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", WEIR_HTTP_F_CL_BAD, 34},
		{"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", WEIR_HTTP_F_CL_BAD, 33},
		{"HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n", WEIR_HTTP_F_CL_BAD, 33},
		{"HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", WEIR_HTTP_F_CL_BAD, 32},
		{"HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n", WEIR_HTTP_F_CL_BAD, 34},
		{"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n", WEIR_HTTP_F_CL_BAD, 36},
		{"HTTP/1.1 200 OK\r\nContent-Length: 5,\r\n\r\n", WEIR_HTTP_F_CL_BAD, 35},
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
		 WEIR_HTTP_F_CL_BAD, 52},
		{"HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n",
		 WEIR_HTTP_F_CL_BAD, 51},
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
		 WEIR_HTTP_F_CL_TE, 55},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", WEIR_HTTP_F_TE_BAD,
		 45},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
		 "chunked\r\n\r\n",
		 WEIR_HTTP_F_TE_BAD, 64},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked x\r\n\r\n", WEIR_HTTP_F_TE_BAD, 44},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: ,\r\n\r\n", WEIR_HTTP_F_TE_BAD, 36},
		{"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", WEIR_HTTP_F_TE_BAD, 36},
		{"\r\n\r\n", WEIR_HTTP_F_STATUS, 0},
	};
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *h = cases[i].head;
		size_t len = strlen(h);

		weir_http_resp_init(&resp);
		rc = weir_http_parse_resp(&resp, (const uint8_t *)h, len, NULL);
		if (rc != -502 || resp.fault != cases[i].fault || resp.err_pos != cases[i].pos)
			fail_msg("case %zu: rc %d fault %u (want %u) at %u (want %u)", i, rc,
				 resp.fault, cases[i].fault, resp.err_pos, cases[i].pos);
	}
	/* NUL in a value. */
	weir_http_resp_init(&resp);
	rc = weir_http_parse_resp(&resp, (const uint8_t *)"HTTP/1.1 200 OK\r\nA: b\0c\r\n\r\n", 27,
				  NULL);
	assert_int_equal(rc, -502);
	assert_int_equal(resp.fault, WEIR_HTTP_F_VALUE);
	assert_int_equal(resp.err_pos, 21);
}

static void
test_resp_limits(void **state)
{
	struct weir_http_limits lim = {.head_max = 32, .headers_max = 2, .target_max = 0};
	static const char three[] = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
	static const char exact[] = "HTTP/1.1 200 OK\r\nAb: 12345678\r\n\r\n"; /* 33 bytes */
	char big[200];

	(void)state;
	weir_http_resp_init(&resp);
	assert_int_equal(weir_http_parse_resp(&resp, (const uint8_t *)three, strlen(three), NULL),
			 (int)strlen(three));
	lim.head_max = 0;
	weir_http_resp_init(&resp);
	assert_int_equal(weir_http_parse_resp(&resp, (const uint8_t *)three, strlen(three), &lim),
			 -502);
	assert_int_equal(resp.fault, WEIR_HTTP_F_HEADERS_MANY);
	assert_int_equal(resp.err_pos, 29);
	lim.headers_max = 0;
	lim.head_max = 33;
	weir_http_resp_init(&resp);
	assert_int_equal(weir_http_parse_resp(&resp, (const uint8_t *)exact, 33, &lim), 33);
	lim.head_max = 32;
	weir_http_resp_init(&resp);
	assert_int_equal(weir_http_parse_resp(&resp, (const uint8_t *)exact, 31, &lim), 0);
	assert_int_equal(weir_http_parse_resp(&resp, (const uint8_t *)exact, 32, &lim), -502);
	assert_int_equal(resp.fault, WEIR_HTTP_F_HEAD_LARGE);
	/* The default: 8192. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	weir_http_resp_init(&resp);
	assert_int_equal(weir_http_parse_resp(&resp, (const uint8_t *)big, sizeof(big), NULL), 0);
}

static void
req_head(struct weir_http_req *r, int method, int chunked, int has_cl, uint64_t cl)
{
	memset(r, 0, sizeof(*r));
	r->method = (uint8_t)method;
	r->version = 11;
	r->chunked = (uint8_t)chunked;
	r->has_cl = (uint8_t)has_cl;
	r->content_length = cl;
}

static void
test_req_modes(void **state)
{
	struct weir_http_req r;
	struct weir_http_body b;
	int done = -1;

	(void)state;
	req_head(&r, WEIR_HTTP_GET, 0, 0, 0);
	weir_http_body_req(&b, &r);
	assert_int_equal(b.mode, WEIR_HTTP_BODY_NONE);
	assert_int_equal(weir_http_body_feed(&b, (const uint8_t *)"GET", 3, &done), 0);
	assert_int_equal(done, 1);
	assert_int_equal(weir_http_body_eof(&b), 1);
	req_head(&r, WEIR_HTTP_POST, 0, 1, 0);
	weir_http_body_req(&b, &r);
	assert_int_equal(b.mode, WEIR_HTTP_BODY_NONE);
	req_head(&r, WEIR_HTTP_POST, 0, 1, 4);
	weir_http_body_req(&b, &r);
	assert_int_equal(b.mode, WEIR_HTTP_BODY_LENGTH);
	assert_int_equal(weir_http_body_eof(&b), 0);
	assert_int_equal(weir_http_body_feed(&b, (const uint8_t *)"ab", 2, &done), 2);
	assert_int_equal(done, 0);
	assert_int_equal(weir_http_body_feed(&b, (const uint8_t *)"cdGET /", 7, &done), 2);
	assert_int_equal(done, 1);
	assert_int_equal(weir_http_body_eof(&b), 1);
	assert_int_equal(weir_http_body_feed(&b, (const uint8_t *)"GET /", 5, &done), 0);
	assert_int_equal(done, 1);
	req_head(&r, WEIR_HTTP_PUT, 1, 0, 0);
	weir_http_body_req(&b, &r);
	assert_int_equal(b.mode, WEIR_HTTP_BODY_CHUNKED);
	assert_int_equal(b.err_status, 400);
	/* CONNECT: the response decides; the request itself has no body. */
	req_head(&r, WEIR_HTTP_CONNECT, 0, 1, 10);
	weir_http_body_req(&b, &r);
	assert_int_equal(b.mode, WEIR_HTTP_BODY_NONE);
	/* An upgrade request is framed as any other. */
	req_head(&r, WEIR_HTTP_GET, 0, 1, 3);
	r.upgrade = 1;
	weir_http_body_req(&b, &r);
	assert_int_equal(b.mode, WEIR_HTTP_BODY_LENGTH);
}

static uint8_t
resp_mode(int method, const char *head)
{
	struct weir_http_body b;

	assert_int_equal(parse_str(head), (int)strlen(head));
	weir_http_body_resp(&b, method, &resp);
	assert_int_equal(b.err_status, 502);
	return b.mode;
}

static void
test_resp_modes(void **state)
{
	(void)state;
	assert_int_equal(resp_mode(WEIR_HTTP_HEAD, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"),
			 WEIR_HTTP_BODY_NONE);
	assert_int_equal(resp_mode(WEIR_HTTP_HEAD, "HTTP/1.1 200 OK\r\n"
						   "Transfer-Encoding: chunked\r\n\r\n"),
			 WEIR_HTTP_BODY_NONE);
	assert_int_equal(resp_mode(WEIR_HTTP_GET, "HTTP/1.1 100 Continue\r\n\r\n"),
			 WEIR_HTTP_BODY_NONE);
	assert_true(weir_http_resp_interim(&resp));
	assert_int_equal(resp_mode(WEIR_HTTP_GET, "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"),
			 WEIR_HTTP_BODY_NONE);
	assert_true(weir_http_resp_interim(&resp));
	assert_int_equal(resp_mode(WEIR_HTTP_GET, "HTTP/1.1 204 No Content\r\n"
						  "Content-Length: 5\r\n\r\n"),
			 WEIR_HTTP_BODY_NONE);
	assert_false(weir_http_resp_interim(&resp));
	assert_int_equal(resp_mode(WEIR_HTTP_GET, "HTTP/1.1 304 Not Modified\r\n"
						  "Transfer-Encoding: chunked\r\n\r\n"),
			 WEIR_HTTP_BODY_NONE);
	assert_int_equal(resp_mode(WEIR_HTTP_GET,
				   "HTTP/1.1 101 Switching Protocols\r\n"
				   "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
			 WEIR_HTTP_BODY_OPAQUE);
	assert_false(weir_http_resp_interim(&resp));
	assert_int_equal(
		resp_mode(WEIR_HTTP_CONNECT, "HTTP/1.1 200 Connection established\r\n\r\n"),
		WEIR_HTTP_BODY_OPAQUE);
	assert_int_equal(resp_mode(WEIR_HTTP_CONNECT, "HTTP/1.1 204 OK\r\n\r\n"),
			 WEIR_HTTP_BODY_NONE);
	assert_int_equal(
		resp_mode(WEIR_HTTP_CONNECT, "HTTP/1.1 407 Auth\r\nContent-Length: 3\r\n\r\n"),
		WEIR_HTTP_BODY_LENGTH);
	assert_int_equal(resp_mode(WEIR_HTTP_GET, "HTTP/1.1 200 OK\r\n"
						  "Transfer-Encoding: chunked\r\n\r\n"),
			 WEIR_HTTP_BODY_CHUNKED);
	assert_int_equal(resp_mode(WEIR_HTTP_POST, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"),
			 WEIR_HTTP_BODY_LENGTH);
	assert_int_equal(resp_mode(WEIR_HTTP_POST, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
			 WEIR_HTTP_BODY_NONE);
	assert_int_equal(resp_mode(WEIR_HTTP_GET, "HTTP/1.1 200 OK\r\n\r\n"), WEIR_HTTP_BODY_CLOSE);
	assert_int_equal(
		resp_mode(WEIR_HTTP_GET, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
		WEIR_HTTP_BODY_CLOSE);
}

/* 100 Continue, then the final 200 and its body, then the next response, on one stream. */
static void
test_interim_then_final(void **state)
{
	static const char s[] = "HTTP/1.1 100 Continue\r\n\r\n"
				"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
				"HTTP/1.1 204 No Content\r\n\r\n";
	const uint8_t *p = (const uint8_t *)s;
	size_t off = 0, len = strlen(s);
	struct weir_http_body b;
	int rc, done = 0;
	long n;

	(void)state;
	weir_http_resp_init(&resp);
	rc = weir_http_parse_resp(&resp, p, len, NULL);
	assert_int_equal(rc, 25);
	assert_true(weir_http_resp_interim(&resp));
	weir_http_body_resp(&b, WEIR_HTTP_POST, &resp);
	assert_int_equal(weir_http_body_feed(&b, p + 25, len - 25, &done), 0);
	assert_int_equal(done, 1);
	off = 25;
	weir_http_resp_init(&resp);
	rc = weir_http_parse_resp(&resp, p + off, len - off, NULL);
	assert_int_equal(rc, 38);
	assert_int_equal(resp.status, 200);
	assert_false(weir_http_resp_interim(&resp));
	off += (size_t)rc;
	weir_http_body_resp(&b, WEIR_HTTP_POST, &resp);
	n = weir_http_body_feed(&b, p + off, len - off, &done);
	assert_int_equal(n, 3);
	assert_int_equal(done, 1);
	off += (size_t)n;
	weir_http_resp_init(&resp);
	rc = weir_http_parse_resp(&resp, p + off, len - off, NULL);
	assert_int_equal(rc, (int)(len - off));
	assert_int_equal(resp.status, 204);
}

static void
test_close_opaque(void **state)
{
	struct weir_http_body b;
	uint8_t junk[300];
	int done = -1;

	(void)state;
	memset(junk, 0, sizeof(junk));
	assert_int_equal(parse_str("HTTP/1.1 200 OK\r\n\r\n"), 19);
	weir_http_body_resp(&b, WEIR_HTTP_GET, &resp);
	assert_int_equal(b.mode, WEIR_HTTP_BODY_CLOSE);
	assert_int_equal(weir_http_body_feed(&b, junk, sizeof(junk), &done), 300);
	assert_int_equal(done, 0);
	assert_int_equal(weir_http_body_feed(&b, junk, 0, &done), 0);
	assert_int_equal(done, 0);
	assert_int_equal(weir_http_body_eof(&b), 1);
	assert_int_equal(parse_str("HTTP/1.1 101 Switching Protocols\r\n\r\n"), 36);
	weir_http_body_resp(&b, WEIR_HTTP_GET, &resp);
	assert_int_equal(b.mode, WEIR_HTTP_BODY_OPAQUE);
	assert_int_equal(weir_http_body_feed(&b, (const uint8_t *)"0\r\n\r\nHTTP", 9, &done), 9);
	assert_int_equal(done, 0);
	assert_int_equal(weir_http_body_eof(&b), 0);
	/* A truncated LENGTH or CHUNKED body is not a whole message. */
	assert_int_equal(parse_str("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"), 38);
	weir_http_body_resp(&b, WEIR_HTTP_GET, &resp);
	assert_int_equal(weir_http_body_feed(&b, junk, 3, &done), 3);
	assert_int_equal(weir_http_body_eof(&b), 0);
	assert_int_equal(weir_http_body_feed(&b, junk, 3, &done), 1);
	assert_int_equal(weir_http_body_eof(&b), 1);
}

/* A chunked request body; the result of one feed of s (its whole length). */
static long
chunked_once(const char *s, size_t len, int *done, struct weir_http_body *b)
{
	struct weir_http_req r;

	req_head(&r, WEIR_HTTP_POST, 1, 0, 0);
	weir_http_body_req(b, &r);
	return weir_http_body_feed(b, (const uint8_t *)s, len, done);
}

/* Feed s in pieces cut at the offsets cuts[0..n); the total taken, or the error. */
static long
chunked_pieces(const char *s, size_t len, const size_t *cuts, size_t n, int *done)
{
	struct weir_http_body b;
	struct weir_http_req r;
	size_t at = 0, k;
	long total = 0, got;

	req_head(&r, WEIR_HTTP_POST, 1, 0, 0);
	weir_http_body_req(&b, &r);
	*done = 0;
	for (k = 0; k <= n; k++) {
		size_t to = k < n ? cuts[k] : len;
		uint8_t *piece = malloc(to - at + 1); /* exact-size copy: ASan sees overreads */

		memcpy(piece, s + at, to - at);
		got = weir_http_body_feed(&b, piece, to - at, done);
		free(piece);
		if (got < 0)
			return got;
		assert_true((size_t)got <= to - at);
		total += got;
		if (*done) {
			assert_int_equal(at + (size_t)got, (size_t)total);
			return total;
		}
		/* Not done: every byte given was taken. */
		assert_int_equal((size_t)got, to - at);
		at = to;
	}
	return total;
}

static const char *const chunked_ok[] = {
	"0\r\n\r\n",
	"5\r\nhello\r\n0\r\n\r\n",
	"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nGET / HTTP/1.1\r\n",
	"A;name=value;flag\r\n0123456789\r\n000\r\n\r\n",
	"a ; ext=\"quoted \\\" x\"\t\r\nabcdefghij\r\n0 ;last\r\n\r\nnext",
	"00000003\r\nabc\r\n0\r\nExpires: never\r\nX-Sum:\t1 2 3 \r\n\r\n",
	"1\r\n\r\r\n1\r\n\n\r\n0\r\nA:\r\n\r\n\r\n",
	"3\r\n0\r\n\r\n0\r\n\r\n",
	"F\r\n0123456789ABCDE\r\n0\r\nt: \xff\r\n\r\nHTTP/1.1 200 OK\r\n",
};

static const long chunked_ok_len[] = {5, 15, 26, 38, 47, 51, 21, 13, 31};

static void
test_chunked_valid(void **state)
{
	struct weir_http_body b;
	size_t i;
	int done;

	(void)state;
	for (i = 0; i < sizeof(chunked_ok) / sizeof(chunked_ok[0]); i++) {
		long n = chunked_once(chunked_ok[i], strlen(chunked_ok[i]), &done, &b);

		if (n != chunked_ok_len[i] || !done)
			fail_msg("case %zu: %ld done %d (want %ld)", i, n, done, chunked_ok_len[i]);
		assert_int_equal(weir_http_body_eof(&b), 1);
		assert_int_equal(b.pos, (uint64_t)n);
		/* Once done, nothing more is taken. */
		assert_int_equal(weir_http_body_feed(&b, (const uint8_t *)"1\r\n", 3, &done), 0);
		assert_int_equal(done, 1);
	}
}

/* Every body at every single split, and a byte at a time: the same total and done point. */
static void
test_chunked_splits(void **state)
{
	size_t i, cut, len, *cuts;
	long want, got;
	int done, done1;
	struct weir_http_body b;

	(void)state;
	for (i = 0; i < sizeof(chunked_ok) / sizeof(chunked_ok[0]); i++) {
		len = strlen(chunked_ok[i]);
		want = chunked_once(chunked_ok[i], len, &done1, &b);
		for (cut = 0; cut <= len; cut++) {
			got = chunked_pieces(chunked_ok[i], len, &cut, 1, &done);
			if (got != want || done != done1)
				fail_msg("case %zu cut %zu: %ld (want %ld)", i, cut, got, want);
		}
		cuts = malloc(len * sizeof(*cuts));
		for (cut = 0; cut < len; cut++)
			cuts[cut] = cut + 1;
		got = chunked_pieces(chunked_ok[i], len, cuts, len > 0 ? len - 1 : 0, &done);
		free(cuts);
		if (got != want || done != done1)
			fail_msg("case %zu byte by byte: %ld (want %ld)", i, got, want);
	}
	/* A truncated body: not done, everything taken. */
	got = chunked_once("5\r\nhel", 6, &done, &b);
	assert_int_equal(got, 6);
	assert_int_equal(done, 0);
	assert_int_equal(weir_http_body_eof(&b), 0);
}

/* Pipelined messages: LENGTH and CHUNKED bodies leave the next head alone. */
static void
test_pipelined(void **state)
{
	static const char s[] = "4\r\nwxyz\r\n0\r\n\r\nPOST /b HTTP/1.1\r\n";
	struct weir_http_body b;
	struct weir_http_req r;
	int done;
	long n;

	(void)state;
	n = chunked_once(s, strlen(s), &done, &b);
	assert_int_equal(n, 14);
	assert_int_equal(done, 1);
	assert_memory_equal(s + n, "POST", 4);
	req_head(&r, WEIR_HTTP_POST, 0, 1, 5);
	weir_http_body_req(&b, &r);
	n = weir_http_body_feed(&b, (const uint8_t *)"12345GET / HTTP/1.1\r\n", 21, &done);
	assert_int_equal(n, 5);
	assert_int_equal(done, 1);
}

struct chunk_bad {
	const char *body;
	size_t len;
	uint64_t pos;
};

#define BAD(s, p)                                                                                  \
	{                                                                                          \
		(s), sizeof(s) - 1, (p)                                                            \
	}

static void
test_chunked_hostile(void **state)
{
	static char long_ext[WEIR_HTTP_CHUNK_LINE_MAX + 8];
	static const struct chunk_bad cases[] = {
		BAD("", 0),			 /* placeholder: the long extension, filled below */
		BAD("g\r\n", 0),		 /* not hex */
		BAD("\r\n", 0),			 /* no size */
		BAD(";a\r\n", 0),		 /* extension without size */
		BAD("0x5\r\n", 1),		 /* no 0x */
		BAD("-1\r\n", 0),		 /* no sign */
		BAD("5 5\r\n", 2),		 /* a space inside the size */
		BAD("5\n", 1),			 /* LF without CR */
		BAD("5\rx", 2),			 /* CR without LF */
		BAD("5\r\nhelloX", 8),		 /* no CRLF after the data */
		BAD("5\r\nhello\rX", 9),	 /* CR, no LF after the data */
		BAD("5\r\nhello\n", 8),		 /* LF alone after the data */
		BAD("5;a\x01\r\n", 3),		 /* a control byte in an extension */
		BAD("5;a\0b\r\n", 3),		 /* NUL in an extension */
		BAD("5;a\nb\r\n", 3),		 /* bare LF in an extension */
		BAD("8000000000000000\r\n", 15), /* 2^63 */
		BAD("ffffffffffffffffff\r\n", 15),
		BAD("0\r\nX\r\n\r\n", 4),	 /* a trailer without colon */
		BAD("0\r\nX : y\r\n\r\n", 4),	 /* whitespace before the colon */
		BAD("0\r\n: y\r\n\r\n", 3),	 /* an empty name */
		BAD("0\r\n x: y\r\n\r\n", 3),	 /* obs-fold in the trailers */
		BAD("0\r\nX: a\x01\r\n\r\n", 7), /* a control byte in a trailer */
		BAD("0\r\nX: a\nb\r\n\r\n", 7),	 /* bare LF in a trailer */
		BAD("0\r\nX: a\r\r\n", 8),	 /* CR without LF */
		BAD("0\r\n\rx", 4),		 /* the last line's CR without LF */
		BAD("0\r\n\n", 3),		 /* the last line without CR */
	};
	struct chunk_bad c;
	struct weir_http_body b;
	size_t i;
	long n;
	int done;

	(void)state;
	memset(long_ext, 'e', sizeof(long_ext));
	long_ext[0] = '1';
	long_ext[1] = ';';
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = cases[i];
		if (i == 0) {
			c.body = long_ext;
			c.len = sizeof(long_ext);
			c.pos = WEIR_HTTP_CHUNK_LINE_MAX;
		}
		n = chunked_once(c.body, c.len, &done, &b);
		if (n != -400 || b.fault != WEIR_HTTP_F_CHUNK || b.pos != c.pos || done != 0)
			fail_msg("case %zu: %ld fault %u pos %lu (want %lu)", i, n, b.fault,
				 (unsigned long)b.pos, (unsigned long)c.pos);
		/* The refusal sticks. */
		assert_int_equal(weir_http_body_feed(&b, (const uint8_t *)"0\r\n\r\n", 5, &done),
				 -400);
		/* Split at every byte: the same refusal, at the same offset. */
		{
			size_t cut;

			for (cut = 0; cut <= c.len; cut++) {
				size_t cuts[1] = {cut};

				assert_int_equal(chunked_pieces(c.body, c.len, cuts, 1, &done),
						 -400);
			}
		}
	}
	/* A trailer line over the limit. */
	{
		static char tr[WEIR_HTTP_CHUNK_LINE_MAX + 16];

		memset(tr, 'a', sizeof(tr));
		memcpy(tr, "0\r\nX:", 5);
		assert_int_equal(chunked_once(tr, sizeof(tr), &done, &b), -400);
		assert_int_equal(b.pos, 3 + WEIR_HTTP_CHUNK_LINE_MAX);
		/* At the limit exactly: taken. */
		memcpy(tr + 3 + WEIR_HTTP_CHUNK_LINE_MAX, "\r\n\r\n", 4);
		assert_int_equal(chunked_once(tr, 3 + WEIR_HTTP_CHUNK_LINE_MAX + 4, &done, &b),
				 3 + WEIR_HTTP_CHUNK_LINE_MAX + 4);
		assert_int_equal(done, 1);
	}
	/* The largest size taken: 2^63 - 1. */
	n = chunked_once("7fffffffffffffff\r\nab", 20, &done, &b);
	assert_int_equal(n, 20);
	assert_int_equal(b.remaining, 0x7fffffffffffffffULL - 2);
	/* A response's refusal is a 502. */
	assert_int_equal(parse_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), 47);
	weir_http_body_resp(&b, WEIR_HTTP_GET, &resp);
	assert_int_equal(weir_http_body_feed(&b, (const uint8_t *)"z\r\n", 3, &done), -502);
	assert_int_equal(b.fault, WEIR_HTTP_F_CHUNK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resp_valid),	   cmocka_unit_test(test_resp_resumable),
		cmocka_unit_test(test_resp_hostile),	   cmocka_unit_test(test_resp_limits),
		cmocka_unit_test(test_req_modes),	   cmocka_unit_test(test_resp_modes),
		cmocka_unit_test(test_interim_then_final), cmocka_unit_test(test_close_opaque),
		cmocka_unit_test(test_chunked_valid),	   cmocka_unit_test(test_chunked_splits),
		cmocka_unit_test(test_pipelined),	   cmocka_unit_test(test_chunked_hostile),
	};

	return weir_test_main(tests);
}
