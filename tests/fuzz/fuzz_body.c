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
 * Input: byte 0 picks the direction (bit 0: response) and bytes 1..4 the
 * piece sizes (1..16, in turn); the rest is the body.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	return 0;
}
