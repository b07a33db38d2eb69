/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A request's credentials: the Bearer token of its Authorization field
 * (RFC 6750 2.1: "Bearer" 1*SP b64token, the scheme case-insensitive,
 * RFC 9110 11.1), and an API key from a header or a query parameter.
 * Everything found is a view into the head; a key from the query is
 * percent-decoded into the caller's buffer.
 */
#include <string.h>
#include <strings.h>

#include "weir_gate.h"

/* b64token (RFC 6750 2.1): ALPHA DIGIT "-" "." "_" "~" "+" "/", then "=". */
static int
b64token(const char *s, uint32_t n)
{
	uint32_t i = 0;

	while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			 (s[i] >= '0' && s[i] <= '9') || strchr("-._~+/", s[i]) != NULL))
		i++;
	if (i == 0)
		return 0;
	while (i < n && s[i] == '=')
		i++;
	return i == n;
}

static int
hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The value of query parameter name in q[0, n), percent-decoded into out
 * (cap bytes): its length, -1 if absent, -2 if malformed or too long,
 * -3 if the parameter is there twice. */
static int
query_param(const char *q, uint32_t n, const char *name, char *out, uint32_t cap)
{
	size_t nl = strlen(name);
	uint32_t i = 0, j, len = 0;
	int found = -1;

	while (i < n) {
		uint32_t end = i;

		while (end < n && q[end] != '&')
			end++;
		if (end - i > nl && memcmp(q + i, name, nl) == 0 && q[i + nl] == '=') {
			if (found >= 0)
				return -3;
			len = 0;
			for (j = i + (uint32_t)nl + 1; j < end; j++) {
				int c = (uint8_t)q[j];

				if (c == '%') {
					int hi, lo;

					if (j + 2 >= end)
						return -2;
					hi = hex(q[j + 1]);
					lo = hex(q[j + 2]);
					if (hi < 0 || lo < 0)
						return -2;
					c = hi << 4 | lo;
					j += 2;
				} else if (c == '+') {
					c = ' '; /* form encoding; a key cannot hold one: refused */
				}
				if (len == cap)
					return -2;
				out[len++] = (char)c;
			}
			found = (int)len;
		}
		i = end + 1;
	}
	return found;
}

/* Malformed: the message, and nothing found (a token seen before the key is dropped too). */
static int
refuse(struct weir_gate_creds *c, const char *why)
{
	c->token = NULL;
	c->token_len = 0;
	c->key = NULL;
	c->key_len = 0;
	c->bad = why;
	return -1;
}

int
weir_gate_creds(const struct weir_http_req *r, const uint8_t *head, const char *key_header,
		const char *key_query, struct weir_gate_creds *c)
{
	int auth = -1, key = -1;
	unsigned int i;

	c->token = NULL;
	c->token_len = 0;
	c->key = NULL;
	c->key_len = 0;
	c->bad = NULL;
	for (i = 0; i < r->n_headers; i++) {
		const struct weir_http_header *h = &r->headers[i];
		const char *name = (const char *)head + h->name.off;

		if (h->name.len == 13 && strncasecmp(name, "authorization", 13) == 0) {
			if (auth >= 0)
				return refuse(c, "two Authorization fields");
			auth = (int)i;
		} else if (h->name.len == strlen(key_header) &&
			   strncasecmp(name, key_header, h->name.len) == 0) {
			if (key >= 0)
				return refuse(c, "two API key fields");
			key = (int)i;
		}
	}
	if (auth >= 0) {
		const char *v = (const char *)head + r->headers[auth].value.off;
		uint32_t n = r->headers[auth].value.len, k = 6;

		/* Another scheme is someone else's business: no token. */
		if (n >= 6 && strncasecmp(v, "bearer", 6) == 0 && (n == 6 || v[6] == ' ')) {
			while (k < n && v[k] == ' ')
				k++;
			if (k == n || !b64token(v + k, n - k))
				return refuse(c, "malformed Bearer token");
			c->token = v + k;
			c->token_len = n - k;
		}
	}
	if (key >= 0) {
		const struct weir_http_header *h = &r->headers[key];

		c->key = (const char *)head + h->value.off;
		c->key_len = h->value.len;
	} else if (key_query[0] != '\0' && r->query.len > 0) {
		int n = query_param((const char *)head + r->query.off, r->query.len, key_query,
				    c->buf, sizeof(c->buf));

		if (n == -3)
			return refuse(c, "two API key parameters");
		if (n == -2)
			return refuse(c, "malformed API key");
		if (n >= 0) {
			c->key = c->buf;
			c->key_len = (uint32_t)n;
		}
	}
	if (c->key != NULL && !weir_apikey_key_valid((const uint8_t *)c->key, c->key_len))
		return refuse(c, "malformed API key");
	return 0;
}
