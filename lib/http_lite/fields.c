/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/http_lite: what the header fields weir acts on mean, shared by the
 * request parser (parse.c) and the response parser (body.c): the elements
 * of a comma-separated value, Content-Length, Transfer-Encoding (strict for
 * requests, as a proxy must be where smuggling hides; as RFC 9112 allows
 * for responses) and the Connection options.
 */
#include <stddef.h>
#include <stdint.h>

#include "http_priv.h"

int
weir_http_list_next(const uint8_t *v, size_t n, size_t *i, size_t *s, size_t *e)
{
	size_t k = *i, b;

	if (k > n)
		return 0;
	while (k < n && weir_http_is_ows(v[k]))
		k++;
	*s = k;
	while (k < n && v[k] != ',')
		k++;
	b = k;
	while (b > *s && weir_http_is_ows(v[b - 1]))
		b--;
	*e = b;
	*i = k + 1;
	return 1;
}

size_t
weir_http_cl_parse(const uint8_t *v, size_t n, uint64_t *out)
{
	size_t i = 0, s, e;
	uint64_t first = 0;
	int have = 0;

	while (weir_http_list_next(v, n, &i, &s, &e)) {
		uint64_t x = 0;
		size_t k;

		if (s == e)
			return s + 1;
		for (k = s; k < e; k++) {
			unsigned int d = (unsigned int)v[k] - '0';

			if (d > 9 || x > (uint64_t)(INT64_MAX - d) / 10)
				return k + 1;
			x = x * 10 + d;
		}
		if (have && x != first)
			return s + 1;
		first = x;
		have = 1;
	}
	*out = first;
	return 0;
}

int
weir_http_te_req(const uint8_t *v, size_t n, uint8_t *chunked, size_t *pos)
{
	size_t i = 0, s, e, k;

	*pos = 0;
	if (n == 0)
		return 400;
	while (weir_http_list_next(v, n, &i, &s, &e)) {
		size_t len = e - s;

		*pos = s;
		if (len == 0)
			return 400;
		for (k = s; k < e; k++)
			if (!weir_http_is_tchar(v[k])) {
				*pos = k;
				return 400;
			}
		if (*chunked)
			return 400;
		if (weir_http_name_is(v + s, len, "chunked"))
			*chunked = 1;
		else if (!weir_http_name_is(v + s, len, "gzip") &&
			 !weir_http_name_is(v + s, len, "x-gzip") &&
			 !weir_http_name_is(v + s, len, "deflate") &&
			 !weir_http_name_is(v + s, len, "compress") &&
			 !weir_http_name_is(v + s, len, "x-compress"))
			return 501;
	}
	return 0;
}

size_t
weir_http_te_resp(const uint8_t *v, size_t n, uint8_t *chunked, uint8_t *codings)
{
	size_t i = 0, s, e, k, tok;

	while (weir_http_list_next(v, n, &i, &s, &e)) {
		if (e == s)
			continue; /* empty list elements are allowed (RFC 9110 5.6.1) */
		for (k = s; k < e && weir_http_is_tchar(v[k]); k++)
			;
		tok = k;
		if (k == s)
			return k + 1;
		while (k < e && weir_http_is_ows(v[k]))
			k++;
		if (k < e && v[k] != ';')
			return k + 1; /* parameters after ';' are not read */
		/* chunked only once, and last (RFC 9112 6.1). */
		if (*chunked)
			return s + 1;
		*chunked = (uint8_t)weir_http_name_is(v + s, tok - s, "chunked");
		*codings = 1;
	}
	return 0;
}

unsigned int
weir_http_conn_options(const uint8_t *v, size_t n)
{
	size_t i = 0, s, e;
	unsigned int o = 0;

	while (weir_http_list_next(v, n, &i, &s, &e)) {
		if (weir_http_name_is(v + s, e - s, "close"))
			o |= WEIR_HTTP_CONN_CLOSE;
		else if (weir_http_name_is(v + s, e - s, "keep-alive"))
			o |= WEIR_HTTP_CONN_KEEP_ALIVE;
		else if (weir_http_name_is(v + s, e - s, "upgrade"))
			o |= WEIR_HTTP_CONN_UPGRADE;
	}
	return o;
}
