/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A backend's own RateLimit fields against weir's (weir_http_body.h): the
 * RateLimit value read as a Structured Field list of items with r and t
 * parameters (draft-ietf-httpapi-ratelimit-headers), and where weir's
 * fields go in a response head.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "weir_http_body.h"

enum { RL_NONE = 0, RL_STRUCT, RL_POLICY, RL_LIMIT, RL_REMAINING, RL_RESET };

static int
rl_kind(const uint8_t *name, uint32_t len)
{
	static const struct {
		const char *n;
		uint32_t len;
		int kind;
	} k[] = {{"ratelimit", 9, RL_STRUCT},
		 {"ratelimit-policy", 16, RL_POLICY},
		 {"x-ratelimit-limit", 17, RL_LIMIT},
		 {"x-ratelimit-remaining", 21, RL_REMAINING},
		 {"x-ratelimit-reset", 17, RL_RESET}};
	unsigned int i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (k[i].len == len && strncasecmp(k[i].n, (const char *)name, len) == 0)
			return k[i].kind;
	return RL_NONE;
}

/* An sf-integer at v[*i]: 1 to 15 digits (RFC 8941 3.3.1; no sign here). */
static int
sf_uint(const uint8_t *v, size_t n, size_t *i, uint64_t *out)
{
	uint64_t x = 0;
	unsigned int d = 0;

	while (*i < n && v[*i] >= '0' && v[*i] <= '9') {
		if (++d > 15)
			return -1;
		x = x * 10 + (uint64_t)(v[*i] - '0');
		(*i)++;
	}
	*out = x;
	return d == 0 ? -1 : 0;
}

static void
ows(const uint8_t *v, size_t n, size_t *i)
{
	while (*i < n && (v[*i] == ' ' || v[*i] == '\t'))
		(*i)++;
}

/* A bare item other than an integer we need: an sf-string (SP and VCHAR
 * only) or a token (VCHAR only; RFC 8941 3.3.3, 3.3.4). */
static int
skip_item(const uint8_t *v, size_t n, size_t *i)
{
	if (*i < n && v[*i] == '"') {
		for ((*i)++; *i < n && v[*i] != '"'; (*i)++) {
			if (v[*i] == '\\' && ++(*i) == n)
				return -1;
			if (v[*i] < 0x20 || v[*i] > 0x7e)
				return -1;
		}
		if (*i == n)
			return -1;
		(*i)++;
		return 0;
	}
	if (*i == n || v[*i] == ';' || v[*i] == ',' || v[*i] == ' ' || v[*i] == '\t')
		return -1;
	while (*i < n && v[*i] != ';' && v[*i] != ',' && v[*i] != ' ' && v[*i] != '\t') {
		if (v[*i] < 0x21 || v[*i] > 0x7e)
			return -1;
		(*i)++;
	}
	return 0;
}

int
weir_http_rl_parse(const uint8_t *v, size_t n, uint64_t *r, uint64_t *t)
{
	size_t i = 0;
	int any = 0;

	*r = UINT64_MAX;
	*t = 0;
	ows(v, n, &i);
	while (i < n) {
		uint64_t ir = UINT64_MAX, it = 0, x;
		int has_r = 0;

		if (skip_item(v, n, &i) != 0)
			return -1;
		while (i < n && v[i] == ';') {
			size_t key;

			i++;
			while (i < n && v[i] == ' ')
				i++;
			key = i;
			while (i < n &&
			       ((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') ||
				v[i] == '_' || v[i] == '-' || v[i] == '.' || v[i] == '*'))
				i++;
			if (i == key)
				return -1;
			if (i == n || v[i] != '=')
				continue; /* a boolean true parameter */
			i++;
			if (i - key == 2 && (v[key] == 'r' || v[key] == 't')) {
				if (sf_uint(v, n, &i, &x) != 0)
					return -1;
				if (v[key] == 'r') {
					ir = x;
					has_r = 1;
				} else {
					it = x;
				}
			} else if (skip_item(v, n, &i) != 0) {
				return -1;
			}
		}
		if (has_r && (ir < *r || (ir == *r && it > *t))) {
			*r = ir;
			*t = it;
			any = 1;
		}
		ows(v, n, &i);
		if (i == n)
			break;
		if (v[i] != ',')
			return -1;
		i++;
		ows(v, n, &i);
		if (i == n)
			return -1; /* a trailing comma */
	}
	return any ? 0 : -1;
}

/* Where header line h of a head ends (after its CRLF). */
static uint32_t
line_end(const uint8_t *head, uint32_t len, const struct weir_http_header *h)
{
	uint32_t i = h->value.off + h->value.len;

	while (i + 1 < len && !(head[i] == '\r' && head[i + 1] == '\n'))
		i++;
	return i + 2;
}

long
weir_http_rl_merge(const struct weir_http_resp *r, const uint8_t *head, uint32_t hlen, uint8_t *buf,
		   size_t ours_len, size_t cap, uint64_t our_r, uint64_t our_t, uint32_t *first,
		   uint32_t *last)
{
	uint64_t br = UINT64_MAX, bt = 0, sr, st;
	size_t ins = ours_len;
	int lo = -1, hi = -1, have = 0;
	unsigned int i;

	if (hlen < 4 || ours_len > cap)
		return -EINVAL;
	for (i = 0; i < r->n_headers; i++) {
		const struct weir_http_header *h = &r->headers[i];
		int k = rl_kind(head + h->name.off, h->name.len);
		size_t vi = 0;

		if (k == RL_NONE)
			continue;
		if (lo < 0)
			lo = (int)i;
		hi = (int)i;
		if (k == RL_STRUCT &&
		    weir_http_rl_parse(head + h->value.off, h->value.len, &sr, &st) == 0) {
			/* A RateLimit field outranks a legacy count seen before it. */
			if (have < 2 || sr < br || (sr == br && st > bt)) {
				br = sr;
				bt = st;
			}
			have = 2;
		} else if (k == RL_REMAINING && have < 2 &&
			   sf_uint(head + h->value.off, h->value.len, &vi, &sr) == 0 &&
			   vi == h->value.len) {
			/* The legacy count, when no RateLimit field says more. */
			br = sr;
			bt = 0;
			have = 1;
		}
	}
	if (have && (br < our_r || (br == our_r && bt >= our_t)))
		return 0; /* the backend's are at least as restrictive: they stand */
	if (lo < 0) {
		/* None: weir's go before the head's final CRLF. */
		if (ins + 2 > cap)
			return -ENOSPC;
		memcpy(buf + ins, "\r\n", 2);
		*first = hlen - 2;
		*last = hlen;
		return (long)(ins + 2);
	}
	/* weir's replace the backend's lines; the others among them stay. */
	*first = r->headers[lo].name.off;
	*last = line_end(head, hlen, &r->headers[hi]);
	for (i = (unsigned int)lo; i <= (unsigned int)hi; i++) {
		const struct weir_http_header *h = &r->headers[i];
		uint32_t s = h->name.off, e = line_end(head, hlen, h);

		if (rl_kind(head + s, h->name.len) != RL_NONE)
			continue;
		if (ins + (e - s) > cap)
			return -ENOSPC;
		memcpy(buf + ins, head + s, e - s);
		ins += e - s;
	}
	return (long)ins;
}
