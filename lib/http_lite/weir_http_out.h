/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_HTTP_OUT_H
#define WEIR_HTTP_OUT_H

/**
 * @file
 * What weir writes in HTTP (lib/http_lite, out.c): a request head rewritten
 * with header edits on its way to a backend (X-Forwarded-For, removing
 * hop-by-hop headers, ...), and weir's own short responses (404, 503, ...)
 * with a JSON body. Pure: no allocation, no globals, no clock of its own
 * (the time comes in), no locale (day and month names are written here).
 *
 * The rewriter takes a head already parsed (struct weir_http_req and its
 * buffer) and writes a new one into a buffer the caller owns, which must
 * not overlap the input. The request line is copied as it came; each header
 * line is written as "Name: value\r\n" from its views (so the spacing the
 * client used around the colon is not kept); the head ends with an empty
 * line. Edits apply in order, each to the result of the ones before it:
 *
 * - SET: the first header of that name (if any) takes the value in its
 *   place, every other one of that name goes; absent, it is added at the
 *   end.
 * - ADD: a header is added at the end (after the others added before).
 * - APPEND: the first header of that name gets ", value" appended to its
 *   value (X-Forwarded-For); absent, it is added at the end.
 * - DEL: every header of that name goes.
 *
 * Names are compared case-insensitively; a header kept keeps its spelling.
 * An edit's name must be a token (RFC 9110 5.6.2) and its value must hold no
 * control byte but HTAB (no CR, LF, NUL, DEL) and neither start nor end with
 * SP or HTAB: anything else is refused before a byte is written, so an edit
 * can never inject a header or split the head.
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "weir_http.h"

/** What an edit does (struct weir_http_edit's op). */
enum weir_http_edit_op {
	WEIR_HTTP_EDIT_SET = 0, /**< replace every header of the name by one (or add it) */
	WEIR_HTTP_EDIT_ADD,	/**< add a header at the end */
	WEIR_HTTP_EDIT_APPEND,	/**< append ", value" to the first one (or add it) */
	WEIR_HTTP_EDIT_DEL,	/**< remove every header of the name */
};

/** One header edit; the strings are NUL-terminated and the caller's. */
struct weir_http_edit {
	uint8_t op;	   /**< enum weir_http_edit_op */
	const char *name;  /**< a token, compared case-insensitively */
	const char *value; /**< ignored by DEL (may be NULL there) */
};

/**
 * The exact length weir_http_rewrite() will write for the same arguments.
 *
 * @param r
 *   The parsed head: the request line starts at r->method_v.off and ends at
 *   the first LF after it; r->headers[0 .. n_headers - 1] are the headers.
 * @param buf
 *   The buffer r was parsed from.
 * @param head_len
 *   Bytes of the head in buf (every view must lie within it).
 * @param e
 *   The edits, applied in order (NULL if n is 0).
 * @param n
 *   How many edits.
 * @return
 *   The head's length (CRLF CRLF included), or 0 if an edit is invalid (see
 *   the file comment), an op is unknown or r does not fit in head_len.
 */
size_t weir_http_rewrite_len(const struct weir_http_req *r, const uint8_t *buf, size_t head_len,
			     const struct weir_http_edit *e, unsigned int n);

/**
 * Write the head with the edits applied.
 *
 * @param r, buf, head_len, e, n
 *   As weir_http_rewrite_len().
 * @param out
 *   Where to write; must not overlap buf.
 * @param cap
 *   Room in out.
 * @return
 *   The length written, or 0: cap too small (out's content is then
 *   undefined) or as weir_http_rewrite_len(). An invalid edit is found
 *   before anything is written.
 */
size_t weir_http_rewrite(const struct weir_http_req *r, const uint8_t *buf, size_t head_len,
			 const struct weir_http_edit *e, unsigned int n, uint8_t *out, size_t cap);

/**
 * A status's reason phrase ("Not Found"), "Unknown" for one weir does not
 * name (100, 101, 200, 204, 301, 302, 304, 400, 401, 403, 404, 405, 408,
 * 413, 414, 415, 429, 431, 500, 501, 502, 503, 504 and 505 are named).
 */
const char *weir_http_reason(int status);

/**
 * Write one of weir's own responses:
 *
 *     HTTP/1.1 <status> <reason>\r\n
 *     Date: <IMF-fixdate of now>\r\n
 *     Content-Type: application/json\r\n
 *     Content-Length: <N>\r\n
 *     [Connection: close\r\n]
 *     \r\n
 *     {"error": "<error>"}
 *
 * The error is JSON-escaped: '"' and '\' get a backslash, control bytes
 * (below 0x20, and DEL) become \u00xx (lowercase hex); bytes from 0x80 up
 * are copied as they are, so UTF-8 passes through (and invalid UTF-8 is the
 * caller's). A 1xx, 204 or 304 response has no body, so neither
 * Content-Type nor Content-Length (RFC 9110 8.6, 15.4.5).
 *
 * @param out
 *   Where to write.
 * @param cap
 *   Room in out.
 * @param status
 *   100 to 999.
 * @param error
 *   The message (NULL: empty).
 * @param now
 *   The time for the Date header (seconds since the epoch), years 0-9999.
 * @param close
 *   Non-zero: add "Connection: close".
 * @return
 *   The response's length, or 0 if it does not fit in cap or status or now
 *   is out of range.
 */
size_t weir_http_response(uint8_t *out, size_t cap, int status, const char *error, time_t now,
			  int close);

/**
 * One limit policy's state for the RateLimit header fields
 * (draft-ietf-httpapi-ratelimit-headers: RateLimit-Policy and RateLimit,
 * Structured Field lists of strings with parameters).
 */
struct weir_http_rl {
	const char *policy; /**< its name: SP and visible ASCII but '"' and '\\' */
	uint64_t quota;	    /**< q: requests per window */
	uint32_t window_s;  /**< w: the window, seconds (> 0) */
	uint64_t remaining; /**< r: requests left now, <= quota */
	uint32_t reset_s;   /**< t: seconds until the quota is back, <= window_s */
};

/** The most restrictive of n >= 1 policies: the fewest left, then the longest wait. */
unsigned int weir_http_rl_most(const struct weir_http_rl *rl, unsigned int n);

/**
 * The RateLimit fields of n policies, for a backend's response (weir inserts
 * them into its head):
 *
 *     RateLimit-Policy: "free";q=5;w=60[, ...]\r\n
 *     RateLimit: "free";r=0;t=41[, ...]\r\n
 *     [X-RateLimit-Limit: 5\r\nX-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: 41\r\n]
 *
 * The legacy three (legacy set) name the most restrictive policy: the
 * fewest requests left, then the longest wait.
 *
 * @return
 *   Bytes written, or 0: no room, no policy, a name weir cannot write as
 *   an sf-string, remaining > quota, reset_s > window_s or window_s 0.
 */
size_t weir_http_rl_fields(uint8_t *out, size_t cap, const struct weir_http_rl *rl, unsigned int n,
			   int legacy);

/**
 * weir's 429 Too Many Requests: Date, Content-Type
 * application/problem+json, Retry-After (integer seconds: the longest
 * reset_s of the violated policies, so never sooner than any of their t),
 * the RateLimit fields of every policy (weir_http_rl_fields()), and a body
 * of problem details (RFC 9457) naming the violated ones:
 *
 *     {"type": "https://iana.org/assignments/http-problem-types#quota-exceeded",
 *      "title": "Too Many Requests", "status": 429, "violated-policies": ["free"]}
 *
 * @param violated
 *   Bit i: policy i is exceeded (at least one, none beyond n; n <= 32).
 * @return
 *   Bytes written, or 0 (as weir_http_rl_fields(), or a bad violated).
 */
size_t weir_http_response_limited(uint8_t *out, size_t cap, const struct weir_http_rl *rl,
				  unsigned int n, uint32_t violated, time_t now, int legacy,
				  int close);

/**
 * weir's 401 Unauthorized for a missing or bad token (RFC 6750 3):
 *
 *     WWW-Authenticate: Bearer error="invalid_token", error_description="<description>"
 *
 * and a JSON body {"error": "invalid_token"}.
 *
 * @param description
 *   SP and visible ASCII but '"' and '\\' (RFC 6750's error_description).
 * @return
 *   Bytes written, or 0 (no room, a description it may not carry).
 */
size_t weir_http_response_unauthorized(uint8_t *out, size_t cap, const char *description,
				       time_t now, int close);

#endif /* WEIR_HTTP_OUT_H */
