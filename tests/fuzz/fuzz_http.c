/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for lib/http_lite's request head parser. The input is
 * fed twice: in one call, and as a buffer growing at split points drawn
 * from the first byte (HAProxy's h1 contract). Invariants: both end in the
 * same answer with the same fields; a 0 leaves no fault; a refusal is one
 * of the statuses the header lists, with a fault and a position inside
 * what was read; an accepted head ends in CR LF CR LF within len and
 * head_max, holds at most headers_max headers, and every view lies inside
 * the head (the path and the query inside the target), with values
 * trimmed of OWS. The buffer is exactly the input's length: a read past
 * it is an ASan error.
 *
 * Input: byte 0 picks the split steps and, with bit 0x80, small limits
 * (head_max 512, headers_max 8, target_max 64); the rest is the buffer.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "weir_http.h"

static int
inside(struct weir_http_view v, size_t lo, size_t hi)
{
	return v.off >= lo && (size_t)v.off + v.len <= hi;
}

static int
ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static void
same(const struct weir_http_req *a, const struct weir_http_req *b)
{
	/* Everything before the headers array, then the headers used. */
	assert(a->method == b->method && a->form == b->form && a->version == b->version);
	assert(a->chunked == b->chunked && a->has_cl == b->has_cl && a->close == b->close);
	assert(a->expect_continue == b->expect_continue && a->upgrade == b->upgrade);
	assert(a->fault == b->fault && a->err_pos == b->err_pos);
	assert(a->content_length == b->content_length && a->n_headers == b->n_headers);
	assert(memcmp(&a->method_v, &b->method_v, sizeof(a->method_v)) == 0);
	assert(memcmp(&a->target, &b->target, sizeof(a->target)) == 0);
	assert(memcmp(&a->path, &b->path, sizeof(a->path)) == 0);
	assert(memcmp(&a->query, &b->query, sizeof(a->query)) == 0);
	assert(memcmp(&a->host, &b->host, sizeof(a->host)) == 0);
	if (a->fault == WEIR_HTTP_F_NONE)
		assert(memcmp(a->headers, b->headers, a->n_headers * sizeof(a->headers[0])) == 0);
}

static void
check_ok(const struct weir_http_req *r, const uint8_t *buf, size_t len, int rc,
	 const struct weir_http_limits *lim)
{
	size_t n = (size_t)rc,
	       hmax = lim->headers_max ? lim->headers_max : WEIR_HTTP_HEADERS_MAX_DEFAULT;
	size_t head_max = lim->head_max ? lim->head_max : WEIR_HTTP_HEAD_MAX_DEFAULT;
	size_t tmax = lim->target_max ? lim->target_max : WEIR_HTTP_TARGET_MAX_DEFAULT;
	uint16_t i;

	assert(n >= 4 && n <= len && n <= head_max);
	assert(memcmp(buf + n - 4, "\r\n\r\n", 4) == 0);
	assert(memmem(buf, n - 1, "\r\n\r\n", 4) == NULL); /* the first end */
	assert(r->fault == WEIR_HTTP_F_NONE);
	assert(r->version == 10 || r->version == 11);
	assert(r->method <= WEIR_HTTP_OTHER && r->form <= WEIR_HTTP_ASTERISK);
	assert(r->n_headers <= hmax && r->n_headers <= WEIR_HTTP_HEADERS_CAP);
	assert(r->method_v.off == 0 && r->method_v.len > 0 && buf[r->method_v.len] == ' ');
	assert(r->target.off == r->method_v.len + 1 && r->target.len > 0 && r->target.len <= tmax);
	assert(buf[r->target.off + r->target.len] == ' ');
	assert(inside(r->path, r->target.off, r->target.off + r->target.len));
	assert(inside(r->query, r->target.off, r->target.off + r->target.len));
	assert(r->path.len == 0 || buf[r->path.off] == '/');
	assert(r->query.len == 0 || buf[r->query.off - 1] == '?');
	assert(memchr(buf + r->path.off, '?', r->path.len) == NULL);
	assert(inside(r->host, 0, n));
	assert(r->chunked + r->has_cl <= 1);
	assert(r->version == 11 || (!r->upgrade && !r->expect_continue && !r->chunked));
	for (i = 0; i < r->n_headers; i++) {
		const struct weir_http_header *h = &r->headers[i];

		assert(h->name.len > 0 && inside(h->name, r->target.off, n - 2));
		assert(buf[h->name.off + h->name.len] == ':');
		assert(buf[h->name.off - 1] == '\n');
		assert(h->value.off > h->name.off + h->name.len && inside(h->value, 0, n - 2));
		if (h->value.len > 0)
			assert(!ows(buf[h->value.off]) &&
			       !ows(buf[h->value.off + h->value.len - 1]));
		assert(memchr(buf + h->value.off, '\r', h->value.len) == NULL);
		assert(memchr(buf + h->value.off, '\n', h->value.len) == NULL);
		assert(i == 0 || h->name.off > r->headers[i - 1].value.off);
	}
	/* weir_http_header_find() finds each name at or before its own line. */
	for (i = 0; i < r->n_headers; i++) {
		static char name[WEIR_HTTP_HEAD_MAX_LIMIT + 1];
		const struct weir_http_header *h = &r->headers[i];
		int k;

		memcpy(name, buf + h->name.off, h->name.len);
		name[h->name.len] = '\0';
		k = weir_http_header_find(r, buf, name);
		assert(k >= 0 && k <= i && r->headers[k].name.len == h->name.len);
		assert(strncasecmp((const char *)buf + r->headers[k].name.off, name, h->name.len) ==
		       0);
	}
	assert(weir_http_header_find(r, buf, "") == -1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct weir_http_req one, grown;
	struct weir_http_limits lim = {0, 0, 0};
	uint32_t seed;
	size_t len, l;
	uint8_t *buf;
	int rc1, rc2 = 0;

	if (size < 1)
		return 0;
	seed = data[0];
	if (seed & 0x80)
		lim = (struct weir_http_limits){512, 8, 64};
	len = size - 1;
	buf = malloc(len ? len : 1);
	memcpy(buf, data + 1, len);

	memset(&one, 0, sizeof(one));
	weir_http_req_init(&one);
	rc1 = weir_http_parse_req(&one, buf, len, &lim);

	/* Growing: steps of 1 to 16 bytes from a tiny PRNG seeded by byte 0. */
	memset(&grown, 0, sizeof(grown));
	weir_http_req_init(&grown);
	for (l = 0;;) {
		seed = seed * 1103515245u + 12345u;
		l += 1 + ((seed >> 16) & (seed & 1 ? 0x0f : 0x01));
		if (l > len)
			l = len;
		rc2 = weir_http_parse_req(&grown, buf, l, &lim);
		if (rc2 != 0) {
			/* The answer comes as soon as the bytes hold it. */
			assert(rc2 == rc1);
			break;
		}
		assert(grown.fault == WEIR_HTTP_F_NONE);
		if (l == len)
			break;
	}
	assert(rc2 == rc1);
	same(&one, &grown);
	/* Asked again, the same answer. */
	assert(weir_http_parse_req(&grown, buf, len, &lim) == rc1);
	same(&one, &grown);

	if (rc1 > 0) {
		check_ok(&one, buf, len, rc1, &lim);
	} else if (rc1 < 0) {
		assert(rc1 == -400 || rc1 == -414 || rc1 == -431 || rc1 == -501 || rc1 == -505);
		assert(one.fault != WEIR_HTTP_F_NONE && one.fault < WEIR_HTTP_F_STATUS);
		assert(one.err_pos <= len);
		assert((rc1 == -431) == (one.fault == WEIR_HTTP_F_HEAD_LARGE ||
					 one.fault == WEIR_HTTP_F_HEADERS_MANY));
		assert((rc1 == -414) == (one.fault == WEIR_HTTP_F_TARGET_LONG));
		assert((rc1 == -501) == (one.fault == WEIR_HTTP_F_TE_UNKNOWN));
		assert(rc1 != -505 || one.fault == WEIR_HTTP_F_VERSION);
	} else {
		assert(one.fault == WEIR_HTTP_F_NONE);
		assert(len <= (lim.head_max ? lim.head_max : WEIR_HTTP_HEAD_MAX_DEFAULT));
		assert(memmem(buf, len, "\r\n\r\n", 4) == NULL);
	}
	free(buf);
	return 0;
}
