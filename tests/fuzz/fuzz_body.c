/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for lib/http_lite's body tracker (body.c): a chunked
 * body is fed whole, in pieces of sizes the input picks, and a byte at a
 * time. Invariants: every feed returns at most what it was given, and all
 * of it while the body has not ended; the three feeds agree on the total,
 * on done and on a refusal (status and offset); after done nothing more is
 * taken; done and weir_http_body_eof() agree. The same bytes also go to
 * the response head parser, whole and grown a byte at a time: the same
 * result, views inside the head. Pieces are copied to buffers of exactly
 * their length, so ASan sees any read past one.
 *
 * The body bytes are also read as a RateLimit value
 * (weir_http_rl_parse(): -1, or 0 with r an sf-integer), and a response
 * head that parses gets weir's RateLimit fields (weir_http_rl_merge(), a
 * 384-byte buffer): 0, -ENOSPC or at most 384 bytes; when placed, the
 * region lies in the head, the buffer starts with weir's fields, and the
 * head spliced back together parses again with exactly one RateLimit and
 * one RateLimit-Policy field (weir's) and no X-RateLimit-* field.
 *
 * Input: byte 0 picks the direction (bit 0: response) and bytes 1..4 the
 * piece sizes (1..16, in turn); the rest is the body.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "weir_http_body.h"

struct outcome {
	long total; /* bytes taken, or the refusal */
	int done;
	uint64_t pos;
};

static void
start(struct weir_http_body *b, int resp)
{
	static struct weir_http_resp r;
	struct weir_http_req q;

	if (resp) {
		weir_http_resp_init(&r);
		r.status = 200;
		r.chunked = 1;
		weir_http_body_resp(b, WEIR_HTTP_GET, &r);
	} else {
		memset(&q, 0, sizeof(q));
		q.method = WEIR_HTTP_POST;
		q.chunked = 1;
		weir_http_body_req(b, &q);
	}
	assert(b->mode == WEIR_HTTP_BODY_CHUNKED);
}

/* Feed body[0..len) in pieces of the sizes sizes[] (in turn). */
static struct outcome
feed(const uint8_t *body, size_t len, int resp, const uint8_t *sizes, size_t n_sizes)
{
	struct weir_http_body b;
	struct outcome o = {0, 0, 0};
	size_t at = 0, k = 0;

	start(&b, resp);
	while (at < len) {
		size_t want = n_sizes != 0 ? (size_t)(sizes[k++ % n_sizes] % 16) + 1 : len - at;
		size_t take = want < len - at ? want : len - at;
		uint8_t *piece = malloc(take);
		long got;

		memcpy(piece, body + at, take);
		got = weir_http_body_feed(&b, piece, take, &o.done);
		free(piece);
		if (got < 0) {
			assert(got == (resp ? -502 : -400));
			assert(b.fault == WEIR_HTTP_F_CHUNK && o.done == 0);
			assert(b.pos >= at && b.pos < at + take);
			/* The refusal sticks. */
			assert(weir_http_body_feed(&b, body, len, &o.done) == got);
			o.total = got;
			o.pos = b.pos;
			return o;
		}
		assert((size_t)got <= take);
		o.total += got;
		assert(b.pos == (uint64_t)o.total);
		if (o.done) {
			assert(weir_http_body_eof(&b) == 1);
			/* Done is final: nothing more is taken. */
			assert(weir_http_body_feed(&b, body, len, &o.done) == 0 && o.done == 1);
			return o;
		}
		assert((size_t)got == take);
		assert(weir_http_body_eof(&b) == 0);
		at += take;
	}
	return o;
}

static const char rl_ours[] = "RateLimit-Policy: \"fz\";q=10;w=60\r\n"
			      "RateLimit: \"fz\";r=3;t=30\r\n";
#define RL_OURS_LEN (sizeof(rl_ours) - 1)
#define RL_CAP 384

/* Fields named name (any case) in a parsed head. */
static unsigned int
count_field(const struct weir_http_resp *r, const uint8_t *h, const char *name)
{
	unsigned int i, n = 0;

	for (i = 0; i < r->n_headers; i++)
		if (r->headers[i].name.len == strlen(name) &&
		    strncasecmp((const char *)h + r->headers[i].name.off, name,
				r->headers[i].name.len) == 0)
			n++;
	return n;
}

/* weir's RateLimit fields into the parsed response head head[0, hlen). */
static void
check_rl_merge(const struct weir_http_resp *r, const uint8_t *head, uint32_t hlen)
{
	static struct weir_http_resp again;
	const struct weir_http_limits lim = {WEIR_HTTP_HEAD_MAX_LIMIT, WEIR_HTTP_HEADERS_CAP, 0};
	uint8_t *buf = malloc(RL_CAP), *out;
	uint32_t first = 0, last = 0;
	size_t len;
	long n;
	int rc;

	memcpy(buf, rl_ours, RL_OURS_LEN);
	n = weir_http_rl_merge(r, head, hlen, buf, RL_OURS_LEN, RL_CAP, 3, 30, &first, &last);
	assert(n == 0 || n == -ENOSPC || (n > 0 && n <= RL_CAP));
	if (n <= 0) {
		free(buf);
		return;
	}
	assert(first <= last && last <= hlen);
	assert((size_t)n >= RL_OURS_LEN && memcmp(buf, rl_ours, RL_OURS_LEN) == 0);
	len = first + (size_t)n + (hlen - last);
	out = malloc(len);
	memcpy(out, head, first);
	memcpy(out + first, buf, (size_t)n);
	memcpy(out + first + n, head + last, hlen - last);
	weir_http_resp_init(&again);
	rc = weir_http_parse_resp(&again, out, len, &lim);
	assert(rc > 0 && (size_t)rc == len);
	assert(again.status == r->status);
	assert(count_field(&again, out, "RateLimit") == 1);
	assert(count_field(&again, out, "RateLimit-Policy") == 1);
	assert(count_field(&again, out, "X-RateLimit-Limit") == 0);
	assert(count_field(&again, out, "X-RateLimit-Remaining") == 0);
	assert(count_field(&again, out, "X-RateLimit-Reset") == 0);
	free(out);
	free(buf);
}

/* The bytes as a RateLimit value, from a buffer of exactly their length. */
static void
check_rl_parse(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size > 0 ? size : 1);
	uint64_t r = 0, t = 0;
	int rc;

	if (size > 0)
		memcpy(copy, data, size);
	rc = weir_http_rl_parse(copy, size, &r, &t);
	assert(rc == 0 || rc == -1);
	if (rc == 0)
		assert(r <= 999999999999999ULL && t <= 999999999999999ULL);
	free(copy);
}

static void
check_resp_head(const uint8_t *data, size_t size)
{
	static struct weir_http_resp whole, grown;
	int rc, rc2 = 0;
	size_t n, i;
	uint8_t *copy;

	if (size > 2048)
		size = 2048;
	copy = malloc(size);
	memcpy(copy, data, size);
	weir_http_resp_init(&whole);
	rc = weir_http_parse_resp(&whole, copy, size, NULL);
	assert(rc == 0 || rc == -502 || (rc > 0 && (size_t)rc <= size));
	weir_http_resp_init(&grown);
	for (n = 0; n <= size; n++) {
		rc2 = weir_http_parse_resp(&grown, copy, n, NULL);
		if (rc2 != 0)
			break;
	}
	assert(rc2 == rc);
	if (rc > 0) {
		assert(whole.status == grown.status && whole.n_headers == grown.n_headers);
		assert(whole.status >= 100 && whole.status <= 599);
		assert(whole.reason.off + whole.reason.len <= (uint32_t)rc);
		for (i = 0; i < whole.n_headers; i++) {
			assert(whole.headers[i].name.len > 0);
			assert(whole.headers[i].name.off + whole.headers[i].name.len <=
			       (uint32_t)rc);
			assert(whole.headers[i].value.off + whole.headers[i].value.len <=
			       (uint32_t)rc);
		}
		assert(!(whole.chunked && whole.has_cl));
		check_rl_merge(&whole, copy, (uint32_t)rc);
	} else if (rc < 0) {
		assert(whole.fault == grown.fault && whole.err_pos == grown.err_pos);
		assert(whole.fault != WEIR_HTTP_F_NONE && whole.err_pos <= size);
	}
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome once, pieces, bytes;
	static const uint8_t one[1] = {0};
	const uint8_t *body;
	size_t len;
	int resp;

	if (size < 5)
		return 0;
	resp = data[0] & 1;
	body = data + 5;
	len = size - 5;
	once = feed(body, len, resp, NULL, 0);
	pieces = feed(body, len, resp, data + 1, 4);
	bytes = feed(body, len, resp, one, 1);
	assert(once.total == pieces.total && once.done == pieces.done && once.pos == pieces.pos);
	assert(once.total == bytes.total && once.done == bytes.done && once.pos == bytes.pos);
	assert(once.total <= (long)len);
	check_resp_head(body, len);
	check_rl_parse(body, len);
	return 0;
}
