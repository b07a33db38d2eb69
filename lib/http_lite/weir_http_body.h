/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_HTTP_BODY_H
#define WEIR_HTTP_BODY_H

/**
 * @file
 * lib/http_lite, body.c: the response head parser (a backend's answer,
 * checked as strictly as a client's request: weir answers 502 to what it
 * cannot frame) and the message-boundary tracker of both directions (RFC
 * 9112 6.3): after a head, how many of the stream's next bytes are the
 * message's body, through Content-Length, chunked coding (sizes,
 * extensions, trailers, parsed across any split of the bytes), the
 * server's close, or a tunnel (101, CONNECT). Nothing is buffered: the
 * tracker only counts, the caller forwards.
 */

#include <stddef.h>
#include <stdint.h>

#include "weir_http.h"

/** A parsed response head. */
struct weir_http_resp {
	uint8_t version;  /**< 10 or 11 (HTTP/1.2..1.9 are read as 11, RFC 9110 2.5) */
	uint16_t status;  /**< 100..599 */
	uint8_t chunked;  /**< Transfer-Encoding ends in chunked */
	uint8_t has_cl;	  /**< Content-Length given */
	uint8_t close;	  /**< Connection: close, 1.0 without keep-alive, or TE not chunked */
	uint8_t fault;	  /**< enum weir_http_fault of a refusal */
	uint32_t err_pos; /**< offset where the fault was found */
	uint64_t content_length;      /**< when has_cl */
	struct weir_http_view reason; /**< the reason phrase (may be empty) */
	uint16_t n_headers;
	struct weir_http_header headers[WEIR_HTTP_HEADERS_CAP];
	/* Resumption state (weir_http_parse_resp()): private. */
	uint32_t scanned; /**< bytes already searched for the end of the head */
};

/** Prepare r for a new head. */
void weir_http_resp_init(struct weir_http_resp *r);

/**
 * Parse a response head, resumably: call again with the same buffer grown
 * (its first bytes unchanged) after a 0, as weir_http_parse_req().
 *
 * Strict but practical: the status line is "HTTP/1.x SP 3DIGIT SP reason
 * CRLF", the status 100..599, the reason any of HTAB, SP, VCHAR, obs-text
 * and possibly empty; "HTTP/1.1 200 SP CRLF" (no reason) and "HTTP/1.1
 * 200 CRLF" (no SP either, as some servers send) are taken. Lines end in CRLF
 * (a bare CR or LF is refused); header names are tokens with no whitespace
 * before the colon; no obs-fold; values have no control byte but HTAB.
 * Content-Length: digits only, below 2^63; a list or repeats of one value
 * are taken, differing values refused. Transfer-Encoding: chunked, if
 * present, must be the last coding and only once; with codings but no
 * chunked the body runs until close (RFC 9112 6.3 item 4, close set);
 * with Content-Length too, or in an HTTP/1.0 response, it is refused
 * (framing a proxy cannot trust: response splitting).
 *
 * @param lim
 *   Limits (head_max, headers_max; target_max is unused), or NULL for the
 *   defaults.
 * @return
 *   0: the head is not complete yet; > 0: the head's length (through CRLF
 *   CRLF), r filled; < 0: -502 (the answer weir gives for a backend's
 *   malformed head), r->fault (WEIR_HTTP_F_STATUS, _VERSION, _LINE, _NAME,
 *   _VALUE, _FOLD, _HEAD_LARGE, _HEADERS_MANY, _CL_BAD, _CL_TE, _TE_BAD)
 *   and r->err_pos set.
 */
int weir_http_parse_resp(struct weir_http_resp *r, const uint8_t *buf, size_t len,
			 const struct weir_http_limits *lim);

/**
 * Whether a parsed response is interim: a 1xx other than 101 (100
 * Continue, 103 Early Hints): no body, and the final response's head
 * follows on the same stream.
 *
 * @return
 *   1 if interim, else 0.
 */
int weir_http_resp_interim(const struct weir_http_resp *r);

/** How a message's body ends. */
enum weir_http_body_mode {
	WEIR_HTTP_BODY_NONE = 0, /**< no body: the next message starts at once */
	WEIR_HTTP_BODY_LENGTH,	 /**< Content-Length bytes */
	WEIR_HTTP_BODY_CHUNKED,	 /**< chunked coding through its last chunk and trailers */
	WEIR_HTTP_BODY_CLOSE,	 /**< until the server closes (responses only) */
	WEIR_HTTP_BODY_OPAQUE,	 /**< a tunnel: every byte after the head, no message ends */
};

/** Longest line of a chunked body's framing (size + extensions, one trailer field), CRLF apart. */
#define WEIR_HTTP_CHUNK_LINE_MAX 4096

/** The boundary tracker of one message's body. */
struct weir_http_body {
	uint8_t mode;	     /**< enum weir_http_body_mode */
	uint8_t fault;	     /**< WEIR_HTTP_F_CHUNK once the chunked coding was refused */
	uint16_t err_status; /**< what a refusal returns: 400 (request), 502 (response) */
	/* Chunked parser state: private. */
	uint8_t state;	     /**< where in the chunked grammar */
	uint8_t size_digits; /**< hex digits of the current size so far (at most 255 counted) */
	uint32_t line_len;   /**< bytes of the current framing line */
	uint64_t remaining;  /**< LENGTH: bytes left; CHUNKED: of the current chunk's data */
	uint64_t pos;	     /**< body bytes taken so far (err_pos of a refusal) */
};

/**
 * Start the body of a request, after its head (weir_http_parse_req()):
 * chunked: CHUNKED; Content-Length: LENGTH (0: NONE); else NONE (a
 * request without either has no body, RFC 9112 6.3 item 7).
 *
 * CONNECT is always NONE: its bytes after the head are the tunnel's once
 * the backend answers 2xx (weir_http_body_resp() gives OPAQUE), and a
 * refused CONNECT's connection is closed rather than read on. An upgrade
 * request is framed as any other (its body, if any, comes before the
 * switch); the 101 makes the rest OPAQUE.
 *
 * @param b
 *   The tracker, overwritten.
 * @param r
 *   The request head (method, chunked, has_cl, content_length read).
 */
void weir_http_body_req(struct weir_http_body *b, const struct weir_http_req *r);

/**
 * Start the body of a response, after its head, by RFC 9112 6.3 in order:
 * to a HEAD request: NONE; 101: OPAQUE; another 1xx, 204, 304: NONE; 2xx
 * to CONNECT: OPAQUE; chunked: CHUNKED; Content-Length: LENGTH (0: NONE);
 * else CLOSE. After an interim response (weir_http_resp_interim()) the
 * next response head follows.
 *
 * @param b
 *   The tracker, overwritten.
 * @param req_method
 *   The request's enum weir_http_method.
 * @param r
 *   The response head.
 */
void weir_http_body_resp(struct weir_http_body *b, int req_method, const struct weir_http_resp *r);

/**
 * Take the stream's next bytes.
 *
 * @param buf
 *   The next len bytes of the stream after what was fed before.
 * @param done
 *   Set to 1 when the body ends within (or before) these bytes, else 0.
 * @return
 *   How many of the len bytes are the body's (the rest are the next
 *   message's); CLOSE and OPAQUE take everything and never end. < 0:
 *   -(b->err_status) on malformed chunked coding (a size not hex or of
 *   2^63 or more, no CRLF after the size line or the data, a control byte
 *   in an extension, a malformed trailer, a framing line over
 *   WEIR_HTTP_CHUNK_LINE_MAX), b->fault WEIR_HTTP_F_CHUNK and b->pos the
 *   offset in the body; every later call returns the same.
 */
long weir_http_body_feed(struct weir_http_body *b, const uint8_t *buf, size_t len, int *done);

/**
 * Whether the stream ending now (the peer closed) ends the message whole.
 *
 * @return
 *   1 for CLOSE, NONE, LENGTH with nothing left, CHUNKED after its last
 *   trailer; 0 otherwise (a truncated body, or a tunnel, which has no
 *   message to end).
 */
int weir_http_body_eof(const struct weir_http_body *b);

/**
 * The most restrictive item of a RateLimit field's value
 * (draft-ietf-httpapi-ratelimit-headers: a Structured Field list of items,
 * each with r, requests left, and t, seconds until the quota is back,
 * as sf-integers): the fewest left, then the longest wait. Items without
 * r count for nothing; other parameters and the items' names are skipped
 * (strings with their escapes, tokens).
 *
 * @return
 *   0 with *r and *t (0 when the item had no t); -1 if the value is not
 *   such a list or no item has r.
 */
int weir_http_rl_parse(const uint8_t *v, size_t n, uint64_t *r, uint64_t *t);

/**
 * Where weir's RateLimit fields go in a response head (r: head[0, hlen)
 * parsed by weir_http_parse_resp()), against the backend's own:
 * RateLimit (its most restrictive item, weir_http_rl_parse()), else
 * X-RateLimit-Remaining (a plain count; t 0). If the backend's leave at
 * most our_r requests (and at that, wait at least our_t), they stand.
 * Otherwise weir's replace every line of RateLimit, RateLimit-Policy and
 * X-RateLimit-Limit/-Remaining/-Reset: the head's bytes [*first, *last)
 * become buf[0, return): weir's fields, then the backend's other lines
 * found among those (in order); with none of those lines, [*first,
 * *last) is the head's final CRLF and a CRLF ends buf.
 *
 * @param buf
 *   Holds weir's fields at [0, ours_len) (weir_http_rl_fields()); room
 *   for cap bytes.
 * @return
 *   The bytes of buf; 0: the backend's fields stand (nothing to do);
 *   -ENOSPC: buf too small; -EINVAL: ours_len > cap or hlen < 4.
 */
long weir_http_rl_merge(const struct weir_http_resp *r, const uint8_t *head, uint32_t hlen,
			uint8_t *buf, size_t ours_len, size_t cap, uint64_t our_r, uint64_t our_t,
			uint32_t *first, uint32_t *last);

#endif /* WEIR_HTTP_BODY_H */
