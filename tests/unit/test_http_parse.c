/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/http_lite's request head parser: a table of valid heads
 * with the fields expected, a table of hostile heads (smuggling shapes,
 * malformed lines, limits) each with its exact status and fault, and every
 * case of both fed again as a buffer growing one byte at a time, which must
 * end in the same result as one call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_http.h"
#include "weir_test.h"

/* A string literal as (bytes, length): NULs inside count. */
#define S(x) x, sizeof(x) - 1

struct ok_case {
	const char *name;
	const char *head;
	size_t len;
	int n; /* the head's length; 0: all of len */
	uint8_t method, form, version;
	const char *path, *query, *host;
	uint16_t n_headers;
	int64_t cl; /* -1: no Content-Length */
	uint8_t chunked, close, expect, upgrade;
};

static const struct ok_case ok_cases[] = {
	{"minimal", S("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), 0, WEIR_HTTP_GET,
	 WEIR_HTTP_ORIGIN, 11, "/", "", "example.com", 1, -1, 0, 0, 0, 0},
	{"query and headers",
	 S("GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: h\r\nUser-Agent: t/1.0\r\nAccept: */*\r\n\r\n"), 0,
	 WEIR_HTTP_GET, WEIR_HTTP_ORIGIN, 11, "/a/b", "x=1&y=2", "h", 3, -1, 0, 0, 0, 0},
	{"empty query", S("HEAD /p? HTTP/1.1\r\nHost: h\r\n\r\n"), 0, WEIR_HTTP_HEAD,
	 WEIR_HTTP_ORIGIN, 11, "/p", "", "h", 1, -1, 0, 0, 0, 0},
	{"cl leading zero", S("POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 010\r\n\r\n"), 0,
	 WEIR_HTTP_POST, WEIR_HTTP_ORIGIN, 11, "/up", "", "h", 2, 10, 0, 0, 0, 0},
	{"cl identical list",
	 S("PUT /up HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\ncontent-length:5\r\n\r\n"), 0,
	 WEIR_HTTP_PUT, WEIR_HTTP_ORIGIN, 11, "/up", "", "h", 3, 5, 0, 0, 0, 0},
	{"cl max", S("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775807\r\n\r\n"),
	 0, WEIR_HTTP_POST, WEIR_HTTP_ORIGIN, 11, "/", "", "h", 2, INT64_MAX, 0, 0, 0, 0},
	{"cl zero", S("DELETE /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"), 0,
	 WEIR_HTTP_DELETE, WEIR_HTTP_ORIGIN, 11, "/x", "", "h", 2, 0, 0, 0, 0, 0},
	{"te gzip chunked",
	 S("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"), 0,
	 WEIR_HTTP_POST, WEIR_HTTP_ORIGIN, 11, "/", "", "h", 2, -1, 1, 0, 0, 0},
	{"te two headers",
	 S("PATCH / HTTP/1.1\r\nTransfer-Encoding: x-gzip\r\nHost: h\r\nTransfer-Encoding: "
	   "chunked\r\n\r\n"),
	 0, WEIR_HTTP_PATCH, WEIR_HTTP_ORIGIN, 11, "/", "", "h", 3, -1, 1, 0, 0, 0},
	{"1.0 without host", S("GET /x HTTP/1.0\r\n\r\n"), 0, WEIR_HTTP_GET, WEIR_HTTP_ORIGIN, 10,
	 "/x", "", "", 0, -1, 0, 1, 0, 0},
	{"1.0 keep-alive", S("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), 0, WEIR_HTTP_GET,
	 WEIR_HTTP_ORIGIN, 10, "/", "", "", 1, -1, 0, 0, 0, 0},
	{"1.0 expect and upgrade ignored",
	 S("GET / HTTP/1.0\r\nExpect: 100-continue\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n"),
	 0, WEIR_HTTP_GET, WEIR_HTTP_ORIGIN, 10, "/", "", "", 3, -1, 0, 1, 0, 0},
	{"connection close", S("GET / HTTP/1.1\r\nConnection: foo, CLOSE\r\nHost: h\r\n\r\n"), 0,
	 WEIR_HTTP_GET, WEIR_HTTP_ORIGIN, 11, "/", "", "h", 2, -1, 0, 1, 0, 0},
	{"expect",
	 S("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n"), 0,
	 WEIR_HTTP_PUT, WEIR_HTTP_ORIGIN, 11, "/", "", "h", 3, 3, 0, 0, 1, 0},
	{"upgrade",
	 S("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Upgrade\r\nUpgrade: "
	   "websocket\r\n\r\n"),
	 0, WEIR_HTTP_GET, WEIR_HTTP_ORIGIN, 11, "/ws", "", "h", 3, -1, 0, 0, 0, 1},
	{"upgrade without connection", S("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n"),
	 0, WEIR_HTTP_GET, WEIR_HTTP_ORIGIN, 11, "/", "", "h", 2, -1, 0, 0, 0, 0},
	{"absolute form",
	 S("GET HTTP://Example.com:8080/p?q HTTP/1.1\r\nHost: example.COM:8080\r\n\r\n"), 0,
	 WEIR_HTTP_GET, WEIR_HTTP_ABSOLUTE, 11, "/p", "q", "example.COM:8080", 1, -1, 0, 0, 0, 0},
	{"absolute form no path, 1.0", S("GET https://h.example HTTP/1.0\r\n\r\n"), 0,
	 WEIR_HTTP_GET, WEIR_HTTP_ABSOLUTE, 10, "", "", "h.example", 0, -1, 0, 1, 0, 0},
	{"absolute form query only", S("GET http://h?a=b HTTP/1.1\r\nHost: H\r\n\r\n"), 0,
	 WEIR_HTTP_GET, WEIR_HTTP_ABSOLUTE, 11, "", "a=b", "H", 1, -1, 0, 0, 0, 0},
	{"connect", S("CONNECT h.example:443 HTTP/1.1\r\nHost: h.example:443\r\n\r\n"), 0,
	 WEIR_HTTP_CONNECT, WEIR_HTTP_AUTHORITY, 11, "", "", "h.example:443", 1, -1, 0, 0, 0, 0},
	{"connect ipv6, 1.0", S("CONNECT [2001:db8::1]:443 HTTP/1.0\r\n\r\n"), 0, WEIR_HTTP_CONNECT,
	 WEIR_HTTP_AUTHORITY, 10, "", "", "[2001:db8::1]:443", 0, -1, 0, 1, 0, 0},
	{"options asterisk", S("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"), 0, WEIR_HTTP_OPTIONS,
	 WEIR_HTTP_ASTERISK, 11, "", "", "h", 1, -1, 0, 0, 0, 0},
	{"lowercase method is another token", S("get / HTTP/1.1\r\nHost: h\r\n\r\n"), 0,
	 WEIR_HTTP_OTHER, WEIR_HTTP_ORIGIN, 11, "/", "", "h", 1, -1, 0, 0, 0, 0},
	{"other method", S("PURGE /x HTTP/1.1\r\nHost: h\r\n\r\n"), 0, WEIR_HTTP_OTHER,
	 WEIR_HTTP_ORIGIN, 11, "/x", "", "h", 1, -1, 0, 0, 0, 0},
	{"trace", S("TRACE / HTTP/1.1\r\nHost: h\r\n\r\n"), 0, WEIR_HTTP_TRACE, WEIR_HTTP_ORIGIN,
	 11, "/", "", "h", 1, -1, 0, 0, 0, 0},
	{"high bytes, tab, empty values",
	 S("GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\xc3\xa9 \t\r\nX-Tab: "
	   "a\tb\r\nX-Empty:\r\nX-Ows: "
	   "\t \r\n\r\n"),
	 0, WEIR_HTTP_GET, WEIR_HTTP_ORIGIN, 11, "/", "", "h", 5, -1, 0, 0, 0, 0},
	{"empty host", S("GET / HTTP/1.1\r\nHost:\r\n\r\n"), 0, WEIR_HTTP_GET, WEIR_HTTP_ORIGIN, 11,
	 "/", "", "", 1, -1, 0, 0, 0, 0},
	{"pipelined", S("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"), 28,
	 WEIR_HTTP_GET, WEIR_HTTP_ORIGIN, 11, "/1", "", "h", 1, -1, 0, 0, 0, 0},
	{"body bytes after the head",
	 S("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nab\n\r"), 47, WEIR_HTTP_POST,
	 WEIR_HTTP_ORIGIN, 11, "/", "", "h", 2, 4, 0, 0, 0, 0},
};

struct bad_case {
	const char *name;
	const char *head;
	size_t len;
	int status;
	uint8_t fault;
	int err_pos; /* -1: not checked */
	struct weir_http_limits lim;
};

#define R11 "GET / HTTP/1.1\r\nHost: h\r\n"
#define P11 "POST / HTTP/1.1\r\nHost: h\r\n"

static const struct bad_case bad_cases[] = {
	{"cl then te",
	 S(P11 "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_CL_TE,
	 45,
	 {0}},
	{"te then cl",
	 S(P11 "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_CL_TE,
	 54,
	 {0}},
	{"two differing cl",
	 S(P11 "Content-Length: 5\r\nContent-Length: 6\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_CL_BAD,
	 61,
	 {0}},
	{"cl plus sign", S(P11 "Content-Length: +5\r\n\r\n"), 400, WEIR_HTTP_F_CL_BAD, 42, {0}},
	{"cl minus", S(P11 "Content-Length: -1\r\n\r\n"), 400, WEIR_HTTP_F_CL_BAD, 42, {0}},
	{"cl space inside", S(P11 "Content-Length: 5 5\r\n\r\n"), 400, WEIR_HTTP_F_CL_BAD, 42, {0}},
	{"cl differing list",
	 S(P11 "Content-Length: 1,2\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_CL_BAD,
	 42,
	 {0}},
	{"cl empty element", S(P11 "Content-Length: 5,\r\n\r\n"), 400, WEIR_HTTP_F_CL_BAD, 42, {0}},
	{"cl empty", S(P11 "Content-Length:\r\n\r\n"), 400, WEIR_HTTP_F_CL_BAD, 41, {0}},
	{"cl hex", S(P11 "Content-Length: 0x5\r\n\r\n"), 400, WEIR_HTTP_F_CL_BAD, 42, {0}},
	{"cl 2^63",
	 S(P11 "Content-Length: 9223372036854775808\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_CL_BAD,
	 42,
	 {0}},
	{"cl 2^64+1",
	 S(P11 "Content-Length: 18446744073709551617\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_CL_BAD,
	 42,
	 {0}},
	{"te gzip alone",
	 S(P11 "Transfer-Encoding: gzip\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_TE_BAD,
	 26,
	 {0}},
	{"te chunked then gzip",
	 S(P11 "Transfer-Encoding: chunked, gzip\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_TE_BAD,
	 54,
	 {0}},
	{"te chunked twice",
	 S(P11 "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_TE_BAD,
	 73,
	 {0}},
	{"te unknown",
	 S(P11 "Transfer-Encoding: foo, chunked\r\n\r\n"),
	 501,
	 WEIR_HTTP_F_TE_UNKNOWN,
	 45,
	 {0}},
	{"te identity",
	 S(P11 "Transfer-Encoding: identity\r\n\r\n"),
	 501,
	 WEIR_HTTP_F_TE_UNKNOWN,
	 45,
	 {0}},
	{"te parameter",
	 S(P11 "Transfer-Encoding: chunked;x=1\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_TE_BAD,
	 52,
	 {0}},
	{"te empty element",
	 S(P11 "Transfer-Encoding: gzip,,chunked\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_TE_BAD,
	 50,
	 {0}},
	{"te on 1.0",
	 S("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_TE_BAD,
	 17,
	 {0}},
	{"obs-fold", S(R11 "X-A: b\r\n c\r\n\r\n"), 400, WEIR_HTTP_F_FOLD, 33, {0}},
	{"first header folded",
	 S("GET / HTTP/1.1\r\n Host: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_FOLD,
	 16,
	 {0}},
	{"space before colon",
	 S("GET / HTTP/1.1\r\nHost : h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_NAME,
	 20,
	 {0}},
	{"tab before colon", S(R11 "X-A\t: b\r\n\r\n"), 400, WEIR_HTTP_F_NAME, 28, {0}},
	{"empty name", S(R11 ": b\r\n\r\n"), 400, WEIR_HTTP_F_NAME, 25, {0}},
	{"no colon", S(R11 "X-A\r\n\r\n"), 400, WEIR_HTTP_F_NAME, 28, {0}},
	{"del in name", S(R11 "X-\x7f: b\r\n\r\n"), 400, WEIR_HTTP_F_NAME, 27, {0}},
	{"nul in name", S(R11 "X\0A: b\r\n\r\n"), 400, WEIR_HTTP_F_NAME, 26, {0}},
	{"bare lf after the request line",
	 S("GET / HTTP/1.1\nHost: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_LINE,
	 14,
	 {0}},
	{"bare lf in a value", S(R11 "X-A: a\nb\r\n\r\n"), 400, WEIR_HTTP_F_LINE, 31, {0}},
	{"bare lf end", S(R11 "X-A: a\n\n"), 400, WEIR_HTTP_F_LINE, 31, {0}},
	{"lf first", S("\nGET / HTTP/1.1\r\n\r\n"), 400, WEIR_HTTP_F_LINE, 0, {0}},
	{"bare cr in a value", S(R11 "X-A: a\rb\r\n\r\n"), 400, WEIR_HTTP_F_LINE, 31, {0}},
	{"bare cr in a name", S(R11 "X-A\rb: c\r\n\r\n"), 400, WEIR_HTTP_F_LINE, 28, {0}},
	{"bare cr line start", S(R11 "\rX: c\r\n\r\n"), 400, WEIR_HTTP_F_LINE, 25, {0}},
	{"bare cr in the target",
	 S("GET /\r HTTP/1.1\r\nHost: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_LINE,
	 5,
	 {0}},
	{"bare cr after the version",
	 S("GET / HTTP/1.1\r\rHost: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_LINE,
	 14,
	 {0}},
	{"nul in a value", S(R11 "X-A: a\0b\r\n\r\n"), 400, WEIR_HTTP_F_VALUE, 31, {0}},
	{"nul deep in a long value",
	 S(R11 "X-A: 0123456789abcdef0\0b\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_VALUE,
	 47,
	 {0}},
	{"del in a value", S(R11 "X-A: 01234567\x7f\r\n\r\n"), 400, WEIR_HTTP_F_VALUE, 38, {0}},
	{"vt in a value", S(R11 "X-A: a\vb\r\n\r\n"), 400, WEIR_HTTP_F_VALUE, 31, {0}},
	{"nul in the target",
	 S("GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_LINE,
	 5,
	 {0}},
	{"high byte in the target",
	 S("GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_TARGET,
	 5,
	 {0}},
	{"tab after the method",
	 S("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_LINE,
	 3,
	 {0}},
	{"missing host",
	 S("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_HOST_MISSING,
	 29,
	 {0}},
	{"two hosts",
	 S("GET / HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_HOST_MANY,
	 25,
	 {0}},
	{"absolute form, other host",
	 S("GET http://a.example/ HTTP/1.1\r\nHost: b.example\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_HOST_MISMATCH,
	 38,
	 {0}},
	{"absolute form, host with port",
	 S("GET http://a.example/ HTTP/1.1\r\nHost: a.example:80\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_HOST_MISMATCH,
	 38,
	 {0}},
	{"absolute form, userinfo",
	 S("GET http://u@a.example/ HTTP/1.1\r\nHost: a.example\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_TARGET,
	 12,
	 {0}},
	{"absolute form, empty authority",
	 S("GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_TARGET,
	 11,
	 {0}},
	{"absolute form, other scheme",
	 S("GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_TARGET,
	 4,
	 {0}},
	{"asterisk with get",
	 S("GET * HTTP/1.1\r\nHost: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_TARGET,
	 4,
	 {0}},
	{"authority form with get",
	 S("GET h.example:443 HTTP/1.1\r\nHost: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_TARGET,
	 4,
	 {0}},
	{"connect with origin form",
	 S("CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_TARGET,
	 8,
	 {0}},
	{"connect without port",
	 S("CONNECT h.example HTTP/1.1\r\nHost: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_TARGET,
	 8,
	 {0}},
	{"connect with a letter port",
	 S("CONNECT h:44x HTTP/1.1\r\nHost: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_TARGET,
	 12,
	 {0}},
	{"http/2.0", S("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), 505, WEIR_HTTP_F_VERSION, 6, {0}},
	{"http/1.2", S("GET / HTTP/1.2\r\nHost: h\r\n\r\n"), 505, WEIR_HTTP_F_VERSION, 6, {0}},
	{"http/1.1x", S("GET / HTTP/1.1x\r\nHost: h\r\n\r\n"), 400, WEIR_HTTP_F_VERSION, 6, {0}},
	{"lowercase version",
	 S("GET / http/1.1\r\nHost: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_VERSION,
	 6,
	 {0}},
	{"http/2", S("GET / HTTP/2\r\nHost: h\r\n\r\n"), 400, WEIR_HTTP_F_VERSION, 6, {0}},
	{"no version", S("GET /\r\nHost: h\r\n\r\n"), 400, WEIR_HTTP_F_VERSION, 5, {0}},
	{"space after the version",
	 S("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_VERSION,
	 14,
	 {0}},
	{"two spaces", S("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), 400, WEIR_HTTP_F_TARGET, 4, {0}},
	{"empty method", S(" / HTTP/1.1\r\nHost: h\r\n\r\n"), 400, WEIR_HTTP_F_METHOD, 0, {0}},
	{"bad method byte",
	 S("GE(T / HTTP/1.1\r\nHost: h\r\n\r\n"),
	 400,
	 WEIR_HTTP_F_METHOD,
	 2,
	 {0}},
	{"empty request line", S("\r\n\r\n"), 400, WEIR_HTTP_F_METHOD, 0, {0}},
	{"target too long",
	 S("GET /0123456789 HTTP/1.1\r\nHost: h\r\n\r\n"),
	 414,
	 WEIR_HTTP_F_TARGET_LONG,
	 12,
	 {0, 0, 8}},
	{"head too large, no end",
	 S(R11 "X-Long: 0123456789012345678901234567890123456789\r\n"),
	 431,
	 WEIR_HTTP_F_HEAD_LARGE,
	 64,
	 {64, 0, 0}},
	{"head too large, end too far",
	 S(R11 "X-Long: 012345678901234567890123456789012\r\n\r\n"),
	 431,
	 WEIR_HTTP_F_HEAD_LARGE,
	 64,
	 {64, 0, 0}},
	{"too many headers",
	 S(R11 "A: 1\r\nB: 2\r\n\r\n"),
	 431,
	 WEIR_HTTP_F_HEADERS_MANY,
	 31,
	 {0, 2, 0}},
};

/* A copy of exactly len bytes: ASan sees any read past it. */
static uint8_t *
dup_exact(const char *s, size_t len)
{
	uint8_t *b = malloc(len ? len : 1);

	assert_non_null(b);
	memcpy(b, s, len);
	return b;
}

static int
view_is(const uint8_t *buf, struct weir_http_view v, const char *s)
{
	return v.len == strlen(s) && memcmp(buf + v.off, s, v.len) == 0;
}

/* The fields a caller reads, the same in two parses of the same bytes. */
static void
assert_same_req(const struct weir_http_req *a, const struct weir_http_req *b)
{
	assert_int_equal(a->method, b->method);
	assert_int_equal(a->form, b->form);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->chunked, b->chunked);
	assert_int_equal(a->has_cl, b->has_cl);
	assert_int_equal(a->close, b->close);
	assert_int_equal(a->expect_continue, b->expect_continue);
	assert_int_equal(a->upgrade, b->upgrade);
	assert_int_equal(a->fault, b->fault);
	assert_int_equal(a->err_pos, b->err_pos);
	assert_int_equal(a->content_length, b->content_length);
	assert_memory_equal(&a->method_v, &b->method_v, sizeof(a->method_v));
	assert_memory_equal(&a->target, &b->target, sizeof(a->target));
	assert_memory_equal(&a->path, &b->path, sizeof(a->path));
	assert_memory_equal(&a->query, &b->query, sizeof(a->query));
	assert_memory_equal(&a->host, &b->host, sizeof(a->host));
	assert_int_equal(a->n_headers, b->n_headers);
	if (a->fault == WEIR_HTTP_F_NONE && a->n_headers > 0)
		assert_memory_equal(a->headers, b->headers, a->n_headers * sizeof(a->headers[0]));
}

/*
 * buf[0..len) fed growing one byte at a time to a fresh request: 0 until
 * the final result, which must be one_rc with the same fields as one.
 * A bare LF is refused as soon as it is seen (documented), which is
 * where one call finds it too: no exception is needed.
 */
static void
check_split(const char *name, const uint8_t *buf, size_t len, const struct weir_http_limits *lim,
	    int one_rc, const struct weir_http_req *one)
{
	static struct weir_http_req r;
	size_t l;
	int rc = 0;

	weir_http_req_init(&r);
	for (l = 1; l <= len; l++) {
		rc = weir_http_parse_req(&r, buf, l, lim);
		if (rc != 0)
			break;
	}
	if (rc != one_rc)
		print_error("case '%s': split %d, one call %d\n", name, rc, one_rc);
	assert_int_equal(rc, one_rc);
	assert_same_req(&r, one);
	if (one_rc > 0)
		assert_int_equal(l, (size_t)one_rc); /* found the moment the head is whole */
}

static void
test_valid_heads(void **state)
{
	static struct weir_http_req r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *c = &ok_cases[i];
		uint8_t *buf = dup_exact(c->head, c->len);
		int want = c->n ? c->n : (int)c->len, rc;

		weir_http_req_init(&r);
		rc = weir_http_parse_req(&r, buf, c->len, NULL);
		if (rc != want)
			print_error("case '%s': %d (fault %s at %u), want %d\n", c->name, rc,
				    weir_http_fault_name(r.fault), r.err_pos, want);
		assert_int_equal(rc, want);
		assert_int_equal(r.fault, WEIR_HTTP_F_NONE);
		assert_int_equal(r.method, c->method);
		assert_int_equal(r.form, c->form);
		assert_int_equal(r.version, c->version);
		if (!view_is(buf, r.path, c->path) || !view_is(buf, r.query, c->query) ||
		    !view_is(buf, r.host, c->host))
			print_error("case '%s': path '%.*s' query '%.*s' host '%.*s'\n", c->name,
				    (int)r.path.len, buf + r.path.off, (int)r.query.len,
				    buf + r.query.off, (int)r.host.len, buf + r.host.off);
		assert_true(view_is(buf, r.path, c->path));
		assert_true(view_is(buf, r.query, c->query));
		assert_true(view_is(buf, r.host, c->host));
		assert_int_equal(r.method_v.off, 0);
		assert_int_equal(buf[r.method_v.len], ' ');
		assert_int_equal(r.target.off, r.method_v.len + 1);
		assert_int_equal(buf[r.target.off + r.target.len], ' ');
		assert_int_equal(r.n_headers, c->n_headers);
		assert_int_equal(r.has_cl, c->cl >= 0);
		if (c->cl >= 0)
			assert_int_equal(r.content_length, (uint64_t)c->cl);
		assert_int_equal(r.chunked, c->chunked);
		assert_int_equal(r.close, c->close);
		assert_int_equal(r.expect_continue, c->expect);
		assert_int_equal(r.upgrade, c->upgrade);
		/* Calling again on the same bytes gives the same head. */
		assert_int_equal(weir_http_parse_req(&r, buf, c->len, NULL), want);
		check_split(c->name, buf, c->len, NULL, want, &r);
		free(buf);
	}
}

static void
test_hostile_heads(void **state)
{
	static struct weir_http_req r;
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		uint8_t *buf = dup_exact(c->head, c->len);
		int rc;

		weir_http_req_init(&r);
		rc = weir_http_parse_req(&r, buf, c->len, &c->lim);
		if (rc != -c->status || r.fault != c->fault ||
		    (c->err_pos >= 0 && r.err_pos != (uint32_t)c->err_pos)) {
			print_error("case '%s': %d fault %s at %u, want %d %s at %d\n", c->name, rc,
				    weir_http_fault_name(r.fault), r.err_pos, -c->status,
				    weir_http_fault_name(c->fault), c->err_pos);
			failed++;
		}
		check_split(c->name, buf, c->len, &c->lim, rc, &r);
		free(buf);
	}
	assert_int_equal(failed, 0);
}

/* Values keep their bytes (obs-text, inner HTAB) and lose the OWS around. */
static void
test_header_values(void **state)
{
	static const char head[] = "GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\xc3\xa9 \t\r\n"
				   "x-tab:\ta\tb\t\r\nX-Empty:\r\n\r\n";
	static struct weir_http_req r;
	int i;

	(void)state;
	weir_http_req_init(&r);
	assert_int_equal(weir_http_parse_req(&r, (const uint8_t *)head, sizeof(head) - 1, NULL),
			 (int)sizeof(head) - 1);
	i = weir_http_header_find(&r, (const uint8_t *)head, "x-name");
	assert_int_equal(i, 1);
	assert_true(view_is((const uint8_t *)head, r.headers[i].value, "caf\xc3\xa9"));
	assert_true(view_is((const uint8_t *)head, r.headers[i].name, "X-Name"));
	i = weir_http_header_find(&r, (const uint8_t *)head, "X-TAB");
	assert_int_equal(i, 2);
	assert_true(view_is((const uint8_t *)head, r.headers[i].value, "a\tb"));
	i = weir_http_header_find(&r, (const uint8_t *)head, "x-empty");
	assert_int_equal(i, 3);
	assert_int_equal(r.headers[i].value.len, 0);
	assert_int_equal(weir_http_header_find(&r, (const uint8_t *)head, "host"), 0);
	assert_int_equal(weir_http_header_find(&r, (const uint8_t *)head, "x-nam"), -1);
	assert_int_equal(weir_http_header_find(&r, (const uint8_t *)head, "x-names"), -1);
}

/*
 * The 8-byte loops of values and targets stop at the first bad byte
 * whatever its place in a word: a control byte at every offset of a long
 * value (and an HTAB, kept) and a bad byte at every offset of a target.
 */
static void
test_word_loops(void **state)
{
	static const uint8_t ctl[] = {0x00, 0x01, 0x0b, 0x1f, 0x7f};
	static struct weir_http_req r;
	char head[256];
	size_t k, c, n, at;
	int rc;

	(void)state;
	for (k = 0; k < 40; k++) {
		for (c = 0; c < sizeof(ctl); c++) {
			n = (size_t)sprintf(head, R11 "X-V: ");
			at = n + k;
			memset(head + n, 'a', 48);
			head[at] = (char)ctl[c];
			n += 48;
			n += (size_t)sprintf(head + n, "\r\n\r\n");
			weir_http_req_init(&r);
			rc = weir_http_parse_req(&r, (uint8_t *)head, n, NULL);
			assert_int_equal(rc, -400);
			assert_int_equal(r.fault, WEIR_HTTP_F_VALUE);
			assert_int_equal(r.err_pos, at);
		}
		head[at] = '\t';
		weir_http_req_init(&r);
		assert_int_equal(weir_http_parse_req(&r, (uint8_t *)head, n, NULL), (int)n);
		assert_int_equal(r.headers[1].value.len, k == 0 || k == 47 ? 47 : 48);

		n = (size_t)sprintf(head, "GET /");
		at = n + k;
		memset(head + n, 'b', 48);
		head[at] = k & 1 ? '\x80' : '\x7f';
		n += 48;
		n += (size_t)sprintf(head + n, " HTTP/1.1\r\nHost: h\r\n\r\n");
		weir_http_req_init(&r);
		rc = weir_http_parse_req(&r, (uint8_t *)head, n, NULL);
		assert_int_equal(rc, -400);
		assert_int_equal(r.fault, k & 1 ? WEIR_HTTP_F_TARGET : WEIR_HTTP_F_LINE);
		assert_int_equal(r.err_pos, at);
	}
}

/* Zero fields take the defaults; headers_max is clamped to the cap. */
static void
test_limits(void **state)
{
	static struct weir_http_req r;
	static char head[WEIR_HTTP_HEAD_MAX_LIMIT + 64];
	struct weir_http_limits big = {0, 1000, 0}, zero = {0, 0, 0};
	size_t n, k;

	(void)state;
	/* 128 headers pass with headers_max 1000 (clamped to 128), 129 do not. */
	n = (size_t)sprintf(head, "GET / HTTP/1.0\r\n");
	for (k = 0; k < WEIR_HTTP_HEADERS_CAP; k++)
		n += (size_t)sprintf(head + n, "H%zu: v\r\n", k);
	n += (size_t)sprintf(head + n, "\r\n");
	weir_http_req_init(&r);
	assert_int_equal(weir_http_parse_req(&r, (uint8_t *)head, n, &big), (int)n);
	assert_int_equal(r.n_headers, WEIR_HTTP_HEADERS_CAP);
	/* ... but not with the default 100. */
	weir_http_req_init(&r);
	assert_int_equal(weir_http_parse_req(&r, (uint8_t *)head, n, &zero), -431);
	assert_int_equal(r.fault, WEIR_HTTP_F_HEADERS_MANY);
	n -= 2;
	n += (size_t)sprintf(head + n, "Host: h\r\n\r\n");
	weir_http_req_init(&r);
	assert_int_equal(weir_http_parse_req(&r, (uint8_t *)head, n, &big), -431);
	assert_int_equal(r.fault, WEIR_HTTP_F_HEADERS_MANY);

	/* The default head_max: 8192 bytes of head pass, 8193 do not. */
	n = (size_t)sprintf(head, "GET / HTTP/1.1\r\nHost: h\r\nX: ");
	memset(head + n, 'a', WEIR_HTTP_HEAD_MAX_DEFAULT - n - 4);
	memcpy(head + WEIR_HTTP_HEAD_MAX_DEFAULT - 4, "\r\n\r\n", 4);
	weir_http_req_init(&r);
	assert_int_equal(weir_http_parse_req(&r, (uint8_t *)head, WEIR_HTTP_HEAD_MAX_DEFAULT, NULL),
			 WEIR_HTTP_HEAD_MAX_DEFAULT);
	memset(head + n, 'a', WEIR_HTTP_HEAD_MAX_DEFAULT - n - 3);
	memcpy(head + WEIR_HTTP_HEAD_MAX_DEFAULT - 3, "\r\n\r\n", 4);
	weir_http_req_init(&r);
	assert_int_equal(weir_http_parse_req(&r, (uint8_t *)head, WEIR_HTTP_HEAD_MAX_DEFAULT, NULL),
			 0);
	assert_int_equal(
		weir_http_parse_req(&r, (uint8_t *)head, WEIR_HTTP_HEAD_MAX_DEFAULT + 1, NULL),
		-431);
	assert_int_equal(r.fault, WEIR_HTTP_F_HEAD_LARGE);
	assert_int_equal(r.err_pos, WEIR_HTTP_HEAD_MAX_DEFAULT);

	/* The default target_max: 4096. */
	n = (size_t)sprintf(head, "GET /");
	memset(head + n, 'a', WEIR_HTTP_TARGET_MAX_DEFAULT);
	n += WEIR_HTTP_TARGET_MAX_DEFAULT;
	n += (size_t)sprintf(head + n, " HTTP/1.1\r\nHost: h\r\n\r\n");
	weir_http_req_init(&r);
	assert_int_equal(weir_http_parse_req(&r, (uint8_t *)head, n, NULL), -414);
	assert_int_equal(r.fault, WEIR_HTTP_F_TARGET_LONG);
}

static void
test_fault_names(void **state)
{
	(void)state;
	assert_string_equal(weir_http_fault_name(WEIR_HTTP_F_NONE), "none");
	assert_string_equal(weir_http_fault_name(WEIR_HTTP_F_CL_TE), "cl_te");
	assert_string_equal(weir_http_fault_name(WEIR_HTTP_F_HOST_MISSING), "host_missing");
	assert_string_equal(weir_http_fault_name(WEIR_HTTP_F_TARGET_LONG), "target_long");
	assert_string_equal(weir_http_fault_name(WEIR_HTTP_F_CHUNK), "chunk");
	assert_string_equal(weir_http_fault_name(WEIR_HTTP_F__MAX), "unknown");
	assert_string_equal(weir_http_fault_name((enum weir_http_fault) - 1), "unknown");
	for (int f = 0; f < WEIR_HTTP_F__MAX; f++)
		assert_string_not_equal(weir_http_fault_name((enum weir_http_fault)f), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_heads),   cmocka_unit_test(test_hostile_heads),
		cmocka_unit_test(test_header_values), cmocka_unit_test(test_word_loops),
		cmocka_unit_test(test_limits),	      cmocka_unit_test(test_fault_names),
	};

	return weir_test_main(tests);
}
