/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The response head parser and the message-boundary tracker (RFC 9112 6.3,
 * 7.1). The head is first searched for its end, resumably and refusing a
 * bare CR or LF as soon as it arrives, then parsed once whole; the chunked
 * coding is a byte-at-a-time state machine (data is skipped in one step),
 * so any split of the stream gives the same boundary.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http_priv.h"
#include "weir_http_body.h"

/* The answer to a backend's head weir cannot frame. */
#define RESP_ERR (-502)

/* The largest Content-Length or chunk size: what fits in an int64_t. */
#define SIZE_MAX63 (UINT64_MAX >> 1)

/* field-vchar, SP and HTAB (RFC 9110 5.5); obs-text included. */
static int
is_field_byte(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int
hex_val(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
resp_fail(struct weir_http_resp *r, enum weir_http_fault f, size_t pos)
{
	r->fault = (uint8_t)f;
	r->err_pos = (uint32_t)pos;
	return RESP_ERR;
}

void
weir_http_resp_init(struct weir_http_resp *r)
{
	memset(r, 0, sizeof(*r));
}

int
weir_http_resp_interim(const struct weir_http_resp *r)
{
	return r->status >= 100 && r->status < 200 && r->status != 101;
}

/* The status line at buf[0..): returns the offset after its CRLF, or < 0. */
static long
status_line(struct weir_http_resp *r, const uint8_t *buf)
{
	size_t p;

	/* The prefix "HTTP/1." was checked while the head arrived. */
	if (buf[7] < '0' || buf[7] > '9')
		return resp_fail(r, WEIR_HTTP_F_VERSION, 7);
	r->version = buf[7] == '0' ? 10 : 11;
	if (buf[8] != ' ')
		return resp_fail(r,
				 buf[8] >= '0' && buf[8] <= '9' ? WEIR_HTTP_F_VERSION
								: WEIR_HTTP_F_STATUS,
				 8);
	if (buf[9] < '1' || buf[9] > '5')
		return resp_fail(r, WEIR_HTTP_F_STATUS, 9);
	if (buf[10] < '0' || buf[10] > '9')
		return resp_fail(r, WEIR_HTTP_F_STATUS, 10);
	if (buf[11] < '0' || buf[11] > '9')
		return resp_fail(r, WEIR_HTTP_F_STATUS, 11);
	r->status = (uint16_t)((buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0'));
	p = 12;
	/* No SP and no reason: not RFC 9112's grammar, but servers send it. */
	if (buf[p] == ' ')
		p++;
	else if (buf[p] != '\r')
		return resp_fail(r, WEIR_HTTP_F_STATUS, p);
	r->reason.off = (uint32_t)p;
	while (buf[p] != '\r') {
		if (!is_field_byte(buf[p]))
			return resp_fail(r, WEIR_HTTP_F_STATUS, p);
		p++;
	}
	r->reason.len = (uint32_t)(p - r->reason.off);
	return (long)p + 2;
}

/* The whole head buf[0..end), its end found and its line ends checked. */
static int
resp_head(struct weir_http_resp *r, const uint8_t *buf, size_t end, uint32_t headers_max)
{
	uint8_t te_seen = 0, te_chunked = 0, te_codings = 0;
	uint32_t te_pos = 0;
	unsigned int conn = 0;
	size_t p, q, v, ve, bad;
	long sl;

	r->n_headers = 0;
	r->has_cl = 0;
	r->chunked = 0;
	r->close = 0;
	r->content_length = 0;
	sl = status_line(r, buf);
	if (sl < 0)
		return (int)sl;
	for (p = (size_t)sl; buf[p] != '\r'; p = ve + 2) {
		struct weir_http_header *h;
		uint64_t cl = 0;

		if (r->n_headers >= headers_max)
			return resp_fail(r, WEIR_HTTP_F_HEADERS_MANY, p);
		if (weir_http_is_ows(buf[p]))
			return resp_fail(r, WEIR_HTTP_F_FOLD, p);
		for (q = p; weir_http_is_tchar(buf[q]); q++)
			;
		if (q == p || buf[q] != ':')
			return resp_fail(r, WEIR_HTTP_F_NAME, q);
		for (v = q + 1; weir_http_is_ows(buf[v]); v++)
			;
		for (ve = v; buf[ve] != '\r'; ve++)
			if (!is_field_byte(buf[ve]))
				return resp_fail(r, WEIR_HTTP_F_VALUE, ve);
		h = &r->headers[r->n_headers++];
		h->name.off = (uint32_t)p;
		h->name.len = (uint32_t)(q - p);
		h->value.off = (uint32_t)v;
		for (q = ve; q > v && weir_http_is_ows(buf[q - 1]); q--)
			;
		h->value.len = (uint32_t)(q - v);
		if (weir_http_name_is(buf + p, h->name.len, "content-length")) {
			bad = weir_http_cl_parse(buf + v, h->value.len, &cl);
			if (bad != 0 || (r->has_cl && cl != r->content_length))
				return resp_fail(r, WEIR_HTTP_F_CL_BAD, bad != 0 ? v + bad - 1 : v);
			r->has_cl = 1;
			r->content_length = cl;
		} else if (weir_http_name_is(buf + p, h->name.len, "transfer-encoding")) {
			if (!te_seen)
				te_pos = (uint32_t)v;
			te_seen = 1;
			bad = weir_http_te_resp(buf + v, h->value.len, &te_chunked, &te_codings);
			if (bad != 0)
				return resp_fail(r, WEIR_HTTP_F_TE_BAD, v + bad - 1);
		} else if (weir_http_name_is(buf + p, h->name.len, "connection")) {
			conn |= weir_http_conn_options(buf + v, h->value.len);
		}
	}
	if (te_seen) {
		/* RFC 9112 6.1: TE in HTTP/1.0 is faulty framing; with CL, smuggling's shape. */
		if (r->version == 10 || !te_codings)
			return resp_fail(r, WEIR_HTTP_F_TE_BAD, te_pos);
		if (r->has_cl)
			return resp_fail(r, WEIR_HTTP_F_CL_TE, te_pos);
		r->chunked = te_chunked;
		if (!te_chunked)
			conn |= WEIR_HTTP_CONN_CLOSE; /* RFC 9112 6.3 item 4: the body runs until
							 close */
	}
	r->close = (uint8_t)((conn & WEIR_HTTP_CONN_CLOSE) ||
			     (r->version == 10 && !(conn & WEIR_HTTP_CONN_KEEP_ALIVE)));
	return (int)end;
}

int
weir_http_parse_resp(struct weir_http_resp *r, const uint8_t *buf, size_t len,
		     const struct weir_http_limits *lim)
{
	static const char prefix[] = "HTTP/1.";
	uint32_t head_max = WEIR_HTTP_HEAD_MAX_DEFAULT, headers_max = WEIR_HTTP_HEADERS_MAX_DEFAULT;
	size_t i, top, end = 0;

	if (lim != NULL && lim->head_max != 0)
		head_max = lim->head_max;
	if (head_max > WEIR_HTTP_HEAD_MAX_LIMIT)
		head_max = WEIR_HTTP_HEAD_MAX_LIMIT;
	if (lim != NULL && lim->headers_max != 0)
		headers_max = lim->headers_max;
	if (headers_max > WEIR_HTTP_HEADERS_CAP)
		headers_max = WEIR_HTTP_HEADERS_CAP;
	/* Not HTTP/1.x at all: say so now, not after head_max bytes. */
	for (i = 0; i < len && i < sizeof(prefix) - 1; i++)
		if (buf[i] != (uint8_t)prefix[i])
			return resp_fail(r, i < 5 ? WEIR_HTTP_F_STATUS : WEIR_HTTP_F_VERSION, i);
	top = len < head_max ? len : head_max;
	for (i = r->scanned; i < top; i++) {
		if (buf[i] == '\r') {
			if (i + 1 < len && buf[i + 1] != '\n')
				return resp_fail(r, WEIR_HTTP_F_LINE, i);
		} else if (buf[i] == '\n') {
			if (i == 0 || buf[i - 1] != '\r')
				return resp_fail(r, WEIR_HTTP_F_LINE, i);
			/* buf[i - 2] is an LF checked to follow a CR: CRLF CRLF. */
			if (i >= 3 && buf[i - 2] == '\n') {
				end = i + 1;
				break;
			}
		}
	}
	if (end == 0) {
		if (len >= head_max)
			return resp_fail(r, WEIR_HTTP_F_HEAD_LARGE, head_max);
		/* A CR last is looked at again: the next byte may be a bare CR's proof. */
		if (top > 0 && buf[top - 1] == '\r')
			top--;
		r->scanned = (uint32_t)top;
		return 0;
	}
	r->scanned = (uint32_t)end;
	return resp_head(r, buf, end, headers_max);
}

/* The chunked coding's grammar (RFC 9112 7.1), one state per position. */
enum {
	CK_SIZE = 0, /* hex digits of the size */
	CK_SIZE_WS,  /* BWS after the size, before ';' or CR */
	CK_EXT,	     /* chunk extensions, until CR */
	CK_SIZE_LF,  /* LF of the size line */
	CK_DATA,     /* the chunk's data */
	CK_DATA_CR,  /* CRLF after the data */
	CK_DATA_LF,
	CK_TR_START, /* a trailer field's first byte, or CR of the last line */
	CK_TR_NAME,
	CK_TR_VALUE,
	CK_TR_LF,
	CK_FINAL_LF, /* LF of the empty line that ends the body */
	CK_DONE,
	CK_ERROR,
};

static void
body_start(struct weir_http_body *b, uint8_t mode, uint64_t len, uint16_t err_status)
{
	memset(b, 0, sizeof(*b));
	b->err_status = err_status;
	if (mode == WEIR_HTTP_BODY_LENGTH && len == 0)
		mode = WEIR_HTTP_BODY_NONE;
	b->mode = mode;
	b->remaining = mode == WEIR_HTTP_BODY_LENGTH ? len : 0;
	b->state = CK_SIZE;
}

void
weir_http_body_req(struct weir_http_body *b, const struct weir_http_req *r)
{
	uint8_t mode = WEIR_HTTP_BODY_NONE;

	if (r->method == WEIR_HTTP_CONNECT)
		mode = WEIR_HTTP_BODY_NONE;
	else if (r->chunked)
		mode = WEIR_HTTP_BODY_CHUNKED;
	else if (r->has_cl)
		mode = WEIR_HTTP_BODY_LENGTH;
	body_start(b, mode, r->content_length, 400);
}

void
weir_http_body_resp(struct weir_http_body *b, int req_method, const struct weir_http_resp *r)
{
	uint8_t mode;

	if (req_method == WEIR_HTTP_HEAD)
		mode = WEIR_HTTP_BODY_NONE;
	else if (r->status == 101)
		mode = WEIR_HTTP_BODY_OPAQUE;
	else if (r->status < 200 || r->status == 204 || r->status == 304)
		mode = WEIR_HTTP_BODY_NONE;
	else if (req_method == WEIR_HTTP_CONNECT && r->status < 300)
		mode = WEIR_HTTP_BODY_OPAQUE;
	else if (r->chunked)
		mode = WEIR_HTTP_BODY_CHUNKED;
	else if (r->has_cl)
		mode = WEIR_HTTP_BODY_LENGTH;
	else
		mode = WEIR_HTTP_BODY_CLOSE;
	body_start(b, mode, r->content_length, 502);
}

/* One byte of the chunked framing (not data): the next state, or CK_ERROR. */
static uint8_t
chunk_step(struct weir_http_body *b, uint8_t c)
{
	int h;

	switch (b->state) {
	case CK_SIZE:
		h = hex_val(c);
		if (h >= 0) {
			/* A size below 2^63 (long's range: what feed returns). */
			if (b->remaining >> 59 != 0)
				return CK_ERROR;
			b->remaining = b->remaining << 4 | (uint64_t)h;
			if (b->size_digits < UINT8_MAX)
				b->size_digits++;
			return CK_SIZE;
		}
		if (b->size_digits == 0)
			return CK_ERROR;
		if (c == '\r')
			return CK_SIZE_LF;
		if (c == ';')
			return CK_EXT;
		return weir_http_is_ows(c) ? CK_SIZE_WS : CK_ERROR;
	case CK_SIZE_WS:
		if (weir_http_is_ows(c))
			return CK_SIZE_WS;
		if (c == ';')
			return CK_EXT;
		return c == '\r' ? CK_SIZE_LF : CK_ERROR;
	case CK_EXT:
		if (c == '\r')
			return CK_SIZE_LF;
		return is_field_byte(c) ? CK_EXT : CK_ERROR;
	case CK_SIZE_LF:
		if (c != '\n')
			return CK_ERROR;
		return b->remaining != 0 ? CK_DATA : CK_TR_START;
	case CK_DATA_CR:
		return c == '\r' ? CK_DATA_LF : CK_ERROR;
	case CK_DATA_LF:
		if (c != '\n')
			return CK_ERROR;
		b->size_digits = 0;
		return CK_SIZE;
	case CK_TR_START:
		if (c == '\r')
			return CK_FINAL_LF;
		return weir_http_is_tchar(c) ? CK_TR_NAME : CK_ERROR;
	case CK_TR_NAME:
		if (c == ':')
			return CK_TR_VALUE;
		return weir_http_is_tchar(c) ? CK_TR_NAME : CK_ERROR;
	case CK_TR_VALUE:
		if (c == '\r')
			return CK_TR_LF;
		return is_field_byte(c) ? CK_TR_VALUE : CK_ERROR;
	case CK_TR_LF:
		return c == '\n' ? CK_TR_START : CK_ERROR;
	case CK_FINAL_LF:
		return c == '\n' ? CK_DONE : CK_ERROR;
	default:
		return CK_ERROR;
	}
}

static long
chunked_feed(struct weir_http_body *b, const uint8_t *buf, size_t len, int *done)
{
	size_t i = 0;
	uint8_t old;

	while (i < len && b->state != CK_DONE) {
		if (b->state == CK_DATA) {
			size_t n = len - i;

			if ((uint64_t)n > b->remaining)
				n = (size_t)b->remaining;
			b->remaining -= n;
			i += n;
			if (b->remaining == 0)
				b->state = CK_DATA_CR;
			continue;
		}
		old = b->state;
		/* Framing lines are bounded: extensions and trailers cannot run on forever. */
		if (old == CK_SIZE || old == CK_SIZE_WS || old == CK_EXT || old == CK_TR_START ||
		    old == CK_TR_NAME || old == CK_TR_VALUE) {
			/* The line's CRLF is not counted. */
			if (buf[i] != '\r' && ++b->line_len > WEIR_HTTP_CHUNK_LINE_MAX) {
				b->state = CK_ERROR;
				break;
			}
		}
		b->state = chunk_step(b, buf[i]);
		if (b->state == CK_ERROR)
			break;
		if (b->state == CK_SIZE || b->state == CK_TR_START)
			if (old == CK_DATA_LF || old == CK_SIZE_LF || old == CK_TR_LF)
				b->line_len = 0;
		i++;
	}
	if (b->state == CK_ERROR) {
		b->pos += i;
		b->fault = WEIR_HTTP_F_CHUNK;
		*done = 0;
		return -(long)b->err_status;
	}
	b->pos += i;
	*done = b->state == CK_DONE;
	return (long)i;
}

long
weir_http_body_feed(struct weir_http_body *b, const uint8_t *buf, size_t len, int *done)
{
	int dummy;
	size_t n;

	if (done == NULL)
		done = &dummy;
	if (len > LONG_MAX)
		len = LONG_MAX;
	if (b->fault != WEIR_HTTP_F_NONE) {
		*done = 0;
		return -(long)b->err_status;
	}
	switch (b->mode) {
	case WEIR_HTTP_BODY_LENGTH:
		n = (uint64_t)len < b->remaining ? len : (size_t)b->remaining;
		b->remaining -= n;
		b->pos += n;
		*done = b->remaining == 0;
		return (long)n;
	case WEIR_HTTP_BODY_CHUNKED:
		return chunked_feed(b, buf, len, done);
	case WEIR_HTTP_BODY_CLOSE:
	case WEIR_HTTP_BODY_OPAQUE:
		b->pos += len;
		*done = 0;
		return (long)len;
	default:
		*done = 1;
		return 0;
	}
}

int
weir_http_body_eof(const struct weir_http_body *b)
{
	switch (b->mode) {
	case WEIR_HTTP_BODY_NONE:
	case WEIR_HTTP_BODY_CLOSE:
		return 1;
	case WEIR_HTTP_BODY_LENGTH:
		return b->remaining == 0;
	case WEIR_HTTP_BODY_CHUNKED:
		return b->state == CK_DONE;
	default:
		return 0;
	}
}
