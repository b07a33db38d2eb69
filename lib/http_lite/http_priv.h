/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_HTTP_PRIV_H
#define WEIR_HTTP_PRIV_H

/* Shared by lib/http_lite's files only. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* tchar, RFC 9110 5.6.2: a token's byte (parse.c keeps a table of its own
 * for speed). */
static inline int
weir_http_is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* OWS: SP, HTAB. */
static inline int
weir_http_is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* s[0..n) is the lower-case name, ignoring case (the length first: a
 * literal's strlen() is a constant once inlined). */
static inline int
weir_http_name_is(const uint8_t *s, size_t n, const char *lower)
{
	size_t i;

	if (strlen(lower) != n)
		return 0;
	for (i = 0; i < n; i++) {
		uint8_t c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		if (c != (uint8_t)lower[i])
			return 0;
	}
	return 1;
}

/* ---- fields.c: what the header fields weir acts on mean ---- */

/* The next element [*s, *e) of a comma-separated value v[0..n) from *i,
 * OWS around it trimmed (an empty element is one); 0 after the last. */
int weir_http_list_next(const uint8_t *v, size_t n, size_t *i, size_t *s, size_t *e);

/* Content-Length: 1#(1*DIGIT), every element the same number below 2^63
 * (RFC 9110 8.6). 0 and *out, or 1 + the offset of the fault. */
size_t weir_http_cl_parse(const uint8_t *v, size_t n, uint64_t *out);

/* A request's Transfer-Encoding header, its codings in order (RFC 9112 6.1,
 * 7): chunked last and once (*chunked says it came, in an earlier header
 * too); chunked, [x-]gzip, deflate, [x-]compress pass, any other coding is
 * 501 (identity too); an empty value or element, a parameter, chunked not
 * last: 400. 0, or the status with *pos the offset of the fault. */
int weir_http_te_req(const uint8_t *v, size_t n, uint8_t *chunked, size_t *pos);

/* A response's Transfer-Encoding header: tokens, parameters allowed and not
 * read, empty elements skipped, chunked only last (*chunked: the last
 * coding so far is chunked; *codings: any coding came). 0, or 1 + the
 * offset of the fault. */
size_t weir_http_te_resp(const uint8_t *v, size_t n, uint8_t *chunked, uint8_t *codings);

/* Connection options weir reads (a bit each). */
#define WEIR_HTTP_CONN_CLOSE 0x1u
#define WEIR_HTTP_CONN_KEEP_ALIVE 0x2u
#define WEIR_HTTP_CONN_UPGRADE 0x4u
unsigned int weir_http_conn_options(const uint8_t *v, size_t n);

#endif /* WEIR_HTTP_PRIV_H */
