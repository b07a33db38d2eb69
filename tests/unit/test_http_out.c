/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/http_lite's output side (out.c): the exact bytes of the
 * head rewriter for each edit and for edits together, its length agreeing
 * with what it writes, a cap one byte short, refused injections; weir's own
 * responses byte for byte (date, JSON escaping, Connection: close) and the
 * reason phrases. The request heads are described by hand here (not by the
 * parser): the tests do not depend on parse.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_http_out.h"
#include "weir_test.h"

#define OUT_CAP 4096

/*
 * Fill r with views into head, a well-formed head ("line\r\n" ... "\r\n"):
 * what the parser would give, written independently of it. Values lose the
 * whitespace around them, as the parser's do.
 */
static size_t
fill_req(struct weir_http_req *r, const char *head)
{
	const char *p = strstr(head, "\r\n");
	const char *end = strstr(head, "\r\n\r\n");

	assert_non_null(p);
	assert_non_null(end);
	memset(r, 0, sizeof(*r));
	r->method_v.off = 0;
	r->method_v.len = (uint32_t)strcspn(head, " ");
	for (p += 2; p < end + 2; p = strstr(p, "\r\n") + 2) {
		const char *colon = strchr(p, ':');
		const char *eol = strstr(p, "\r\n");
		const char *v = colon + 1;
		const char *ve = eol;
		struct weir_http_header *h = &r->headers[r->n_headers++];

		assert_true(colon != NULL && colon < eol);
		while (*v == ' ' || *v == '\t')
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		h->name.off = (uint32_t)(p - head);
		h->name.len = (uint32_t)(colon - p);
		h->value.off = (uint32_t)(v - head);
		h->value.len = (uint32_t)(ve - v);
	}
	return (size_t)(end - head) + 4;
}

/*
 * Rewrite head with the edits and compare with want, byte for byte; the
 * length must be what weir_http_rewrite_len() said, an exact cap must do
 * and a cap one byte short must give 0.
 */
static void
check_rewrite(const char *head, const struct weir_http_edit *e, unsigned int n, const char *want)
{
	static struct weir_http_req r;
	uint8_t out[OUT_CAP];
	size_t head_len = fill_req(&r, head);
	size_t want_len = strlen(want);
	size_t len;

	assert_int_equal(weir_http_rewrite_len(&r, (const uint8_t *)head, head_len, e, n),
			 want_len);
	memset(out, 0xaa, sizeof(out));
	len = weir_http_rewrite(&r, (const uint8_t *)head, head_len, e, n, out, sizeof(out));
	assert_int_equal(len, want_len);
	if (memcmp(out, want, want_len) != 0) {
		print_error("got:  %.*s\nwant: %s\n", (int)len, (const char *)out, want);
		fail();
	}
	assert_int_equal(out[len], 0xaa);
	assert_int_equal(
		weir_http_rewrite(&r, (const uint8_t *)head, head_len, e, n, out, want_len),
		want_len);
	assert_memory_equal(out, want, want_len);
	assert_int_equal(
		weir_http_rewrite(&r, (const uint8_t *)head, head_len, e, n, out, want_len - 1), 0);
	assert_int_equal(weir_http_rewrite(&r, (const uint8_t *)head, head_len, e, n, out, 0), 0);
}

#define EDITS(...) ((const struct weir_http_edit[]){__VA_ARGS__})
#define N_EDITS(...) (sizeof(EDITS(__VA_ARGS__)) / sizeof(struct weir_http_edit))
#define CHECK(head, want, ...) check_rewrite(head, EDITS(__VA_ARGS__), N_EDITS(__VA_ARGS__), want)

#define SET(n, v)                                                                                  \
	{                                                                                          \
		WEIR_HTTP_EDIT_SET, n, v                                                           \
	}
#define ADD(n, v)                                                                                  \
	{                                                                                          \
		WEIR_HTTP_EDIT_ADD, n, v                                                           \
	}
#define APPEND(n, v)                                                                               \
	{                                                                                          \
		WEIR_HTTP_EDIT_APPEND, n, v                                                        \
	}
#define DEL(n)                                                                                     \
	{                                                                                          \
		WEIR_HTTP_EDIT_DEL, n, NULL                                                        \
	}

static const char head3[] = "GET /a?b=c HTTP/1.1\r\n"
			    "Host: example.com\r\n"
			    "X-Tag: one\r\n"
			    "Accept: */*\r\n"
			    "\r\n";

static void
test_no_edit(void **state)
{
	(void)state;
	check_rewrite(head3, NULL, 0, head3);
	/* Spacing around the value is not kept: "Name: value". */
	check_rewrite("GET / HTTP/1.1\r\nHost:a\r\nX-A:   b c \t\r\n\r\n", NULL, 0,
		      "GET / HTTP/1.1\r\nHost: a\r\nX-A: b c\r\n\r\n");
	/* No header at all. */
	check_rewrite("GET / HTTP/1.0\r\n\r\n", NULL, 0, "GET / HTTP/1.0\r\n\r\n");
}

static void
test_set(void **state)
{
	(void)state;
	/* Existing: in the first one's place. */
	CHECK(head3,
	      "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Tag: two\r\nAccept: */*\r\n\r\n",
	      SET("X-Tag", "two"));
	/* Several: one left, in the first one's place. */
	CHECK("GET / HTTP/1.1\r\nX-A: 1\r\nHost: h\r\nX-A: 2\r\nX-A: 3\r\n\r\n",
	      "GET / HTTP/1.1\r\nX-A: v\r\nHost: h\r\n\r\n", SET("X-A", "v"));
	/* Absent: at the end. */
	CHECK(head3,
	      "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Tag: one\r\nAccept: */*\r\n"
	      "X-New: n\r\n\r\n",
	      SET("X-New", "n"));
	/* An empty value is a value. */
	CHECK(head3, "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Tag: \r\nAccept: */*\r\n\r\n",
	      SET("X-Tag", ""));
}

static void
test_add(void **state)
{
	(void)state;
	CHECK(head3,
	      "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Tag: one\r\nAccept: */*\r\n"
	      "X-Tag: two\r\n\r\n",
	      ADD("X-Tag", "two"));
	CHECK(head3,
	      "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Tag: one\r\nAccept: */*\r\n"
	      "X-B: b\r\nX-A: a\r\n\r\n",
	      ADD("X-B", "b"), ADD("X-A", "a"));
}

static void
test_append(void **state)
{
	(void)state;
	/* Existing: the first one only. */
	CHECK("GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 192.0.2.1\r\n"
	      "X-Forwarded-For: 192.0.2.2\r\n\r\n",
	      "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 192.0.2.1, 198.51.100.7\r\n"
	      "X-Forwarded-For: 192.0.2.2\r\n\r\n",
	      APPEND("X-Forwarded-For", "198.51.100.7"));
	/* Absent: added. */
	CHECK("GET / HTTP/1.1\r\nHost: h\r\n\r\n",
	      "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 198.51.100.7\r\n\r\n",
	      APPEND("X-Forwarded-For", "198.51.100.7"));
	/* Twice on an absent one: added, then appended to. */
	CHECK("GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET / HTTP/1.1\r\nHost: h\r\nX-F: a, b\r\n\r\n",
	      APPEND("X-F", "a"), APPEND("X-F", "b"));
}

static void
test_del(void **state)
{
	(void)state;
	/* One. */
	CHECK(head3, "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n",
	      DEL("X-Tag"));
	/* Several, the first and last lines among them. */
	CHECK("GET / HTTP/1.1\r\nX-A: 1\r\nHost: h\r\nX-A: 2\r\nAccept: a\r\nX-A: 3\r\n\r\n",
	      "GET / HTTP/1.1\r\nHost: h\r\nAccept: a\r\n\r\n", DEL("X-A"));
	/* Absent: nothing changes. */
	CHECK(head3, head3, DEL("X-None"));
	/* Everything. */
	CHECK(head3, "GET /a?b=c HTTP/1.1\r\n\r\n", DEL("Host"), DEL("X-Tag"), DEL("Accept"));
}

static void
test_case_insensitive(void **state)
{
	(void)state;
	/* The header keeps its own spelling. */
	CHECK("GET / HTTP/1.1\r\nhost: h\r\nx-forwarded-for: 192.0.2.1\r\n\r\n",
	      "GET / HTTP/1.1\r\nhost: h2\r\nx-forwarded-for: 192.0.2.1, 192.0.2.9\r\n\r\n",
	      SET("HOST", "h2"), APPEND("X-Forwarded-FOR", "192.0.2.9"));
	CHECK("GET / HTTP/1.1\r\nConnection: close\r\nHost: h\r\nCONNECTION: x\r\n\r\n",
	      "GET / HTTP/1.1\r\nHost: h\r\n\r\n", DEL("connection"));
	/* Edits name one header whatever their case. */
	CHECK("GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1, 2\r\n\r\n",
	      ADD("x-a", "1"), DEL("X-A"), ADD("X-A", "1"), APPEND("x-a", "2"));
}

static void
test_together(void **state)
{
	(void)state;
	/* What a proxy does: hop-by-hop out, Host set, XFF appended,
	 * X-Real-IP replaced. */
	CHECK("POST /up HTTP/1.1\r\n"
	      "Host: a.example\r\n"
	      "Connection: keep-alive, X-Hop\r\n"
	      "X-Hop: 1\r\n"
	      "X-Forwarded-For: 192.0.2.1\r\n"
	      "X-Real-IP: 10.0.0.1\r\n"
	      "Content-Length: 3\r\n"
	      "X-Real-IP: 10.0.0.2\r\n"
	      "\r\n",
	      "POST /up HTTP/1.1\r\n"
	      "Host: backend.internal\r\n"
	      "X-Forwarded-For: 192.0.2.1, 198.51.100.7\r\n"
	      "X-Real-IP: 198.51.100.7\r\n"
	      "Content-Length: 3\r\n"
	      "X-Forwarded-Proto: https\r\n"
	      "Via: 1.1 weir\r\n"
	      "\r\n",
	      DEL("Connection"), DEL("X-Hop"), SET("Host", "backend.internal"),
	      APPEND("X-Forwarded-For", "198.51.100.7"), SET("X-Real-IP", "198.51.100.7"),
	      SET("X-Forwarded-Proto", "https"), ADD("Via", "1.1 weir"));
	/* In order, each on the result of the ones before. */
	CHECK(head3,
	      "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Tag: three, four\r\nAccept: */*\r\n"
	      "\r\n",
	      APPEND("X-Tag", "two"), SET("X-Tag", "three"), APPEND("X-Tag", "four"));
	/* Deleted then added: at the end. */
	CHECK(head3,
	      "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nX-Tag: again\r\n\r\n",
	      DEL("X-Tag"), SET("X-Tag", "again"));
	/* Added then deleted: gone. */
	CHECK(head3, "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n",
	      ADD("X-Tag", "two"), ADD("X-New", "n"), DEL("X-Tag"), DEL("x-new"));
	/* An added one then SET: the first one keeps its place, the added goes. */
	CHECK(head3, "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Tag: s\r\nAccept: */*\r\n\r\n",
	      ADD("X-Tag", "two"), SET("X-Tag", "s"));
	/* SET then ADD: both. */
	CHECK(head3,
	      "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Tag: s\r\nAccept: */*\r\n"
	      "X-Tag: a\r\n\r\n",
	      SET("X-Tag", "s"), ADD("X-Tag", "a"));
	/* Added to an absent name, appended to, then SET over. */
	CHECK(head3,
	      "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Tag: one\r\nAccept: */*\r\n"
	      "X-N: 3, 4\r\n\r\n",
	      ADD("X-N", "1"), APPEND("X-N", "2"), ADD("X-N", "x"), SET("X-N", "3"),
	      APPEND("X-N", "4"));
}

/* Every refused edit: 0 from both calls, not a byte written. */
static void
check_refused(const struct weir_http_edit *e)
{
	static struct weir_http_req r;
	struct weir_http_edit two[2] = {SET("X-Ok", "fine"), *e};
	uint8_t out[OUT_CAP];
	size_t head_len = fill_req(&r, head3);
	size_t i;

	assert_int_equal(weir_http_rewrite_len(&r, (const uint8_t *)head3, head_len, e, 1), 0);
	assert_int_equal(weir_http_rewrite_len(&r, (const uint8_t *)head3, head_len, two, 2), 0);
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(
		weir_http_rewrite(&r, (const uint8_t *)head3, head_len, e, 1, out, sizeof(out)), 0);
	assert_int_equal(
		weir_http_rewrite(&r, (const uint8_t *)head3, head_len, two, 2, out, sizeof(out)),
		0);
	for (i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xaa);
}

static void
test_refused(void **state)
{
	static const struct weir_http_edit bad[] = {
		/* Values that would split the head. */
		SET("X-A", "v\r\nX-Injected: y"),
		ADD("X-A", "v\r\nX-Injected: y"),
		APPEND("X-Forwarded-For", "1.2.3.4\r\n\r\nGET /admin HTTP/1.1"),
		SET("X-A", "v\nX: y"),
		SET("X-A", "v\rX: y"),
		SET("X-A", "\x01"),
		SET("X-A", "a\x1f"),
		SET("X-A", "a\x7f"),
		/* Whitespace around a value. */
		SET("X-A", " v"),
		SET("X-A", "v\t"),
		/* Names that are not tokens. */
		SET("X A", "v"),
		SET("X-A:", "v"),
		SET("X:A", "v"),
		DEL("X A"),
		DEL("Host:"),
		SET("", "v"),
		SET("X-A\r\nY", "v"),
		SET("X-\xc3\xa9", "v"),
		{WEIR_HTTP_EDIT_SET, NULL, "v"},
		/* No value where one is needed. */
		{WEIR_HTTP_EDIT_SET, "X-A", NULL},
		{WEIR_HTTP_EDIT_APPEND, "X-A", NULL},
		/* No such op. */
		{WEIR_HTTP_EDIT_DEL + 1, "X-A", "v"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_refused(&bad[i]);
}

static void
test_allowed(void **state)
{
	(void)state;
	/* HTAB and SP inside a value, UTF-8, every tchar in a name. */
	CHECK("GET / HTTP/1.1\r\n\r\n",
	      "GET / HTTP/1.1\r\nX-A: a\tb c\r\nX-U: caf\xc3\xa9\r\n"
	      "!#$%&'*+-.^_`|~09azAZ: t\r\n\r\n",
	      ADD("X-A", "a\tb c"), ADD("X-U", "caf\xc3\xa9"), ADD("!#$%&'*+-.^_`|~09azAZ", "t"));
}

static void
test_bad_req(void **state)
{
	static struct weir_http_req r;
	uint8_t out[OUT_CAP];
	size_t head_len = fill_req(&r, head3);

	(void)state;
	/* A view past head_len. */
	r.headers[1].value.len = (uint32_t)head_len;
	assert_int_equal(weir_http_rewrite_len(&r, (const uint8_t *)head3, head_len, NULL, 0), 0);
	assert_int_equal(
		weir_http_rewrite(&r, (const uint8_t *)head3, head_len, NULL, 0, out, sizeof(out)),
		0);
	/* No line end in head_len. */
	fill_req(&r, head3);
	assert_int_equal(weir_http_rewrite_len(&r, (const uint8_t *)head3, 10, NULL, 0), 0);
	/* Edits NULL with n > 0. */
	assert_int_equal(weir_http_rewrite_len(&r, (const uint8_t *)head3, head_len, NULL, 1), 0);
	/* The request line from method_v (a leading empty line skipped). */
	{
		static const char lead[] = "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
		size_t len;

		fill_req(&r, head3);
		memset(&r, 0, sizeof(r));
		r.method_v.off = 2;
		r.method_v.len = 3;
		r.n_headers = 1;
		r.headers[0].name.off = 18;
		r.headers[0].name.len = 4;
		r.headers[0].value.off = 24;
		r.headers[0].value.len = 1;
		len = weir_http_rewrite(&r, (const uint8_t *)lead, sizeof(lead) - 1, NULL, 0, out,
					sizeof(out));
		assert_int_equal(len, sizeof(lead) - 3);
		assert_memory_equal(out, lead + 2, len);
	}
}

/* The response's bytes against want, with the length, a cap one short. */
static void
check_response(int status, const char *error, time_t now, int close, const char *want)
{
	uint8_t out[OUT_CAP];
	size_t want_len = strlen(want);
	size_t len;

	memset(out, 0xaa, sizeof(out));
	len = weir_http_response(out, sizeof(out), status, error, now, close);
	if (len != want_len || memcmp(out, want, want_len) != 0) {
		print_error("got:  %.*s\nwant: %s\n", (int)len, (const char *)out, want);
		fail();
	}
	assert_int_equal(out[len], 0xaa);
	assert_int_equal(weir_http_response(out, want_len, status, error, now, close), want_len);
	assert_memory_equal(out, want, want_len);
	assert_int_equal(weir_http_response(out, want_len - 1, status, error, now, close), 0);
}

static void
test_response(void **state)
{
	(void)state;
	check_response(404, "no route", 0, 0,
		       "HTTP/1.1 404 Not Found\r\n"
		       "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
		       "Content-Type: application/json\r\n"
		       "Content-Length: 21\r\n"
		       "\r\n"
		       "{\"error\": \"no route\"}");
	check_response(503, "no backend available", 1700000000, 1,
		       "HTTP/1.1 503 Service Unavailable\r\n"
		       "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
		       "Content-Type: application/json\r\n"
		       "Content-Length: 33\r\n"
		       "Connection: close\r\n"
		       "\r\n"
		       "{\"error\": \"no backend available\"}");
	/* A leap day; NULL error is empty. */
	check_response(429, NULL, 951782400, 0,
		       "HTTP/1.1 429 Too Many Requests\r\n"
		       "Date: Tue, 29 Feb 2000 00:00:00 GMT\r\n"
		       "Content-Type: application/json\r\n"
		       "Content-Length: 13\r\n"
		       "\r\n"
		       "{\"error\": \"\"}");
	/* No body for 204 (nor 1xx, 304). */
	check_response(204, "ignored", 0, 1,
		       "HTTP/1.1 204 No Content\r\n"
		       "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
		       "Connection: close\r\n"
		       "\r\n");
	/* A status weir does not name. */
	check_response(599, "x", 0, 0,
		       "HTTP/1.1 599 Unknown\r\n"
		       "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
		       "Content-Type: application/json\r\n"
		       "Content-Length: 14\r\n"
		       "\r\n"
		       "{\"error\": \"x\"}");
}

static void
test_response_escape(void **state)
{
	(void)state;
	/* " \ newline, a control byte, DEL; UTF-8 kept. */
	check_response(400, "bad \"q\" \\ a\nb\x01 \x1f\x7f caf\xc3\xa9", 0, 0,
		       "HTTP/1.1 400 Bad Request\r\n"
		       "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
		       "Content-Type: application/json\r\n"
		       "Content-Length: 59\r\n"
		       "\r\n"
		       "{\"error\": \"bad \\\"q\\\" \\\\ a\\u000ab\\u0001 \\u001f\\u007f "
		       "caf\xc3\xa9\"}");
}

static void
test_response_bad(void **state)
{
	uint8_t out[OUT_CAP];

	(void)state;
	assert_int_equal(weir_http_response(out, sizeof(out), 99, "x", 0, 0), 0);
	assert_int_equal(weir_http_response(out, sizeof(out), 1000, "x", 0, 0), 0);
	assert_int_equal(weir_http_response(NULL, sizeof(out), 404, "x", 0, 0), 0);
	assert_int_equal(weir_http_response(out, 0, 404, "x", 0, 0), 0);
	/* Year 10000 has no IMF-fixdate. */
	if (sizeof(time_t) > 4)
		assert_int_equal(
			weir_http_response(out, sizeof(out), 404, "x", (time_t)253402300800LL, 0),
			0);
}

static void
test_reasons(void **state)
{
	static const struct {
		int status;
		const char *reason;
	} t[] = {
		{100, "Continue"},
		{101, "Switching Protocols"},
		{200, "OK"},
		{204, "No Content"},
		{301, "Moved Permanently"},
		{302, "Found"},
		{304, "Not Modified"},
		{400, "Bad Request"},
		{401, "Unauthorized"},
		{403, "Forbidden"},
		{404, "Not Found"},
		{405, "Method Not Allowed"},
		{408, "Request Timeout"},
		{413, "Content Too Large"},
		{414, "URI Too Long"},
		{415, "Unsupported Media Type"},
		{429, "Too Many Requests"},
		{431, "Request Header Fields Too Large"},
		{500, "Internal Server Error"},
		{501, "Not Implemented"},
		{502, "Bad Gateway"},
		{503, "Service Unavailable"},
		{504, "Gateway Timeout"},
		{505, "HTTP Version Not Supported"},
		{0, "Unknown"},
		{-404, "Unknown"},
		{418, "Unknown"},
		{999, "Unknown"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_string_equal(weir_http_reason(t[i].status), t[i].reason);
}

/* ---- the API gate's answers ---- */

/* (The RateLimit fields are read back by tests/common's strict reader of
 * Structured Field lists, weir_test_sf_list().) */

static const struct weir_http_rl two[] = {
	{"free", 5, 60, 0, 41},
	{"free-day", 1000, 86400, 997, 3600},
};

static void
test_rl_fields(void **state)
{
	uint8_t out[512];
	struct weir_test_sf_item it[4], pol[4];
	char v[256];
	size_t n;
	int i;

	(void)state;
	n = weir_http_rl_fields(out, sizeof(out), two, 1, 0);
	out[n] = '\0';
	assert_string_equal((char *)out, "RateLimit-Policy: \"free\";q=5;w=60\r\n"
					 "RateLimit: \"free\";r=0;t=41\r\n");
	n = weir_http_rl_fields(out, sizeof(out), two, 2, 1);
	out[n] = '\0';
	assert_string_equal((char *)out,
			    "RateLimit-Policy: \"free\";q=5;w=60, \"free-day\";q=1000;w=86400\r\n"
			    "RateLimit: \"free\";r=0;t=41, \"free-day\";r=997;t=3600\r\n"
			    "X-RateLimit-Limit: 5\r\nX-RateLimit-Remaining: 0\r\n"
			    "X-RateLimit-Reset: 41\r\n");
	/* Parsed back as Structured Fields: r <= q, 0 <= t <= w, the same names. */
	memmove(out + 2, out, n + 1);
	memcpy(out, "\r\n", 2);
	assert_int_equal(weir_test_field((char *)out, "RateLimit-Policy", v, sizeof(v)), 0);
	assert_int_equal(weir_test_sf_list(v, pol, 4), 2);
	assert_int_equal(weir_test_field((char *)out, "RateLimit", v, sizeof(v)), 0);
	assert_int_equal(weir_test_sf_list(v, it, 4), 2);
	for (i = 0; i < 2; i++) {
		assert_string_equal(it[i].name, pol[i].name);
		assert_true(pol[i].q > 0 && pol[i].w > 0 && it[i].r >= 0 && it[i].t >= 0);
		assert_true(it[i].r <= pol[i].q && it[i].t <= pol[i].w);
	}
	/* No room: nothing. */
	assert_int_equal(weir_http_rl_fields(out, 20, two, 2, 1), 0);
}

static void
test_rl_refused(void **state)
{
	static const struct weir_http_rl bad[] = {
		{"quo\"te", 5, 60, 0, 1}, {"back\\slash", 5, 60, 0, 1}, {"ctl\t", 5, 60, 0, 1},
		{"", 5, 60, 0, 1},	  {NULL, 5, 60, 0, 1},		{"r>q", 5, 60, 6, 1},
		{"t>w", 5, 60, 0, 61},	  {"w0", 5, 0, 0, 0},		{"high\x80", 5, 60, 0, 1},
	};
	uint8_t out[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(weir_http_rl_fields(out, sizeof(out), &bad[i], 1, 1), 0);
		assert_int_equal(
			weir_http_response_limited(out, sizeof(out), &bad[i], 1, 1, 0, 1, 0), 0);
	}
	assert_int_equal(weir_http_rl_fields(out, sizeof(out), two, 0, 1), 0);
	assert_int_equal(weir_http_rl_fields(NULL, sizeof(out), two, 1, 1), 0);
}

static void
test_limited(void **state)
{
	static const char body[] =
		"{\"type\": \"https://iana.org/assignments/http-problem-types#quota-exceeded\", "
		"\"title\": \"Too Many Requests\", \"status\": 429, \"violated-policies\": "
		"[\"free\"]}";
	uint8_t out[1024];
	struct weir_test_sf_item it[4];
	char want[1024], v[256];
	size_t n;

	(void)state;
	n = weir_http_response_limited(out, sizeof(out), two, 2, 1, 1700000000, 1, 0);
	out[n] = '\0';
	snprintf(want, sizeof(want),
		 "HTTP/1.1 429 Too Many Requests\r\n"
		 "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
		 "Content-Type: application/problem+json\r\n"
		 "Content-Length: %zu\r\n"
		 "Retry-After: 41\r\n"
		 "RateLimit-Policy: \"free\";q=5;w=60, \"free-day\";q=1000;w=86400\r\n"
		 "RateLimit: \"free\";r=0;t=41, \"free-day\";r=997;t=3600\r\n"
		 "X-RateLimit-Limit: 5\r\nX-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: 41\r\n"
		 "\r\n%s",
		 sizeof(body) - 1, body);
	assert_string_equal((char *)out, want);
	/* Retry-After is never sooner than a violated policy's t. */
	assert_int_equal(weir_test_field((char *)out, "RateLimit", v, sizeof(v)), 0);
	assert_int_equal(weir_test_sf_list(v, it, 4), 2);
	assert_int_equal(weir_test_field((char *)out, "Retry-After", v, sizeof(v)), 0);
	assert_true(atoll(v) >= it[0].t);
	/* Both violated: the longer wait, both named; with close. */
	n = weir_http_response_limited(out, sizeof(out), two, 2, 3, 1700000000, 0, 1);
	out[n] = '\0';
	assert_non_null(strstr((char *)out, "Retry-After: 3600\r\n"));
	assert_non_null(strstr((char *)out, "\"violated-policies\": [\"free\", \"free-day\"]}"));
	assert_non_null(strstr((char *)out, "Connection: close\r\n\r\n"));
	assert_null(strstr((char *)out, "X-RateLimit"));
	/* None violated, or one beyond n: refused. */
	assert_int_equal(weir_http_response_limited(out, sizeof(out), two, 2, 0, 0, 1, 0), 0);
	assert_int_equal(weir_http_response_limited(out, sizeof(out), two, 2, 4, 0, 1, 0), 0);
	assert_int_equal(weir_http_response_limited(out, 100, two, 2, 1, 0, 1, 0), 0);
}

static void
test_unauthorized(void **state)
{
	uint8_t out[512];
	size_t n;

	(void)state;
	n = weir_http_response_unauthorized(out, sizeof(out), "the token expired", 1700000000, 0);
	out[n] = '\0';
	assert_string_equal((char *)out, "HTTP/1.1 401 Unauthorized\r\n"
					 "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
					 "WWW-Authenticate: Bearer error=\"invalid_token\", "
					 "error_description=\"the token expired\"\r\n"
					 "Content-Type: application/json\r\n"
					 "Content-Length: 26\r\n"
					 "\r\n"
					 "{\"error\": \"invalid_token\"}");
	/* What RFC 6750's error_description may not carry: refused. */
	assert_int_equal(weir_http_response_unauthorized(out, sizeof(out), "a \"quote\"", 0, 0), 0);
	assert_int_equal(weir_http_response_unauthorized(out, sizeof(out), "back\\slash", 0, 0), 0);
	assert_int_equal(weir_http_response_unauthorized(out, sizeof(out), "new\nline", 0, 0), 0);
	assert_int_equal(weir_http_response_unauthorized(out, sizeof(out), NULL, 0, 0), 0);
	assert_int_equal(weir_http_response_unauthorized(out, 50, "x", 0, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_edit),	     cmocka_unit_test(test_set),
		cmocka_unit_test(test_add),	     cmocka_unit_test(test_append),
		cmocka_unit_test(test_del),	     cmocka_unit_test(test_case_insensitive),
		cmocka_unit_test(test_together),     cmocka_unit_test(test_refused),
		cmocka_unit_test(test_allowed),	     cmocka_unit_test(test_bad_req),
		cmocka_unit_test(test_response),     cmocka_unit_test(test_response_escape),
		cmocka_unit_test(test_response_bad), cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_rl_fields),    cmocka_unit_test(test_rl_refused),
		cmocka_unit_test(test_limited),	     cmocka_unit_test(test_unauthorized),
	};

	return weir_test_main(tests);
}
