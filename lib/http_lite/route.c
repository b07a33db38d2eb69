/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routes of an HTTP service: host patterns and path prefixes (see
 * weir_http_route.h for the precedence). A linear scan: a service has at
 * most 64 routes, and a scan reads them in one pass per host class, with
 * no allocation and no per-request state.
 */
#include <errno.h>
#include <string.h>

#include "weir_http_route.h"

static inline uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* Check the host pattern s (already without a leading "*.") and copy it
 * lower-cased to out (at off); 0, or -EINVAL with *why set. */
static int
host_check(const char *s, char *out, size_t off, const char **why)
{
	size_t i, n = strlen(s);
	uint8_t c, prev = '.';

	if (s[0] != '[' && strchr(s, ':') != NULL) {
		*why = "a route's host has no port";
		return -EINVAL;
	}
	if (strchr(s, '*') != NULL) {
		*why = "'*' only as a leading \"*.\"";
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		c = lower((uint8_t)s[i]);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
			*why = "expected a host name of letters, digits, '-' and '.'";
			return -EINVAL;
		}
		if (c == '.' && prev == '.') {
			*why = "empty label (a leading, trailing or double dot)";
			return -EINVAL;
		}
		prev = c;
	}
	if (n == 0 || prev == '.') {
		*why = "empty label (a leading, trailing or double dot)";
		return -EINVAL;
	}
	if (off + n >= WEIR_HTTP_ROUTE_HOST_MAX) {
		*why = "host longer than 127 bytes";
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		out[off + i] = (char)lower((uint8_t)s[i]);
	out[off + n] = '\0';
	return 0;
}

int
weir_http_route_add(struct weir_http_routes *t, const char *host, const char *path_prefix,
		    const char **why)
{
	struct weir_http_route r;
	const char *dummy;
	unsigned int i;
	size_t n;
	int rc;

	if (why == NULL)
		why = &dummy;
	memset(&r, 0, sizeof(r));
	if (host == NULL || host[0] == '\0') {
		r.host_kind = WEIR_HTTP_HOST_ANY;
	} else if (host[0] == '*' && host[1] == '.') {
		r.host_kind = WEIR_HTTP_HOST_SUFFIX;
		r.host[0] = '.';
		if ((rc = host_check(host + 2, r.host, 1, why)) != 0)
			return rc;
	} else {
		r.host_kind = WEIR_HTTP_HOST_EXACT;
		if ((rc = host_check(host, r.host, 0, why)) != 0)
			return rc;
	}
	r.host_len = (uint8_t)strlen(r.host);

	if (path_prefix == NULL || path_prefix[0] == '\0')
		path_prefix = "/";
	if (path_prefix[0] != '/') {
		*why = "a path prefix starts with '/'";
		return -EINVAL;
	}
	n = strlen(path_prefix);
	for (i = 0; i < n; i++) {
		uint8_t c = (uint8_t)path_prefix[i];

		if (c <= ' ' || c >= 0x7f || c == '?' || c == '#') {
			*why = "a path prefix holds no control byte, space, '?', '#' or byte "
			       "beyond "
			       "ASCII";
			return -EINVAL;
		}
	}
	if (n >= WEIR_HTTP_ROUTE_PATH_MAX) {
		*why = "path prefix longer than 127 bytes";
		return -EINVAL;
	}
	memcpy(r.path, path_prefix, n + 1);
	r.path_len = (uint16_t)n;

	for (i = 0; i < t->n; i++)
		if (t->r[i].host_kind == r.host_kind && strcmp(t->r[i].host, r.host) == 0 &&
		    strcmp(t->r[i].path, r.path) == 0) {
			*why = "same host and path prefix as an earlier route";
			return -EEXIST;
		}
	if (t->n >= WEIR_HTTP_ROUTES_MAX) {
		*why = "more than 64 routes";
		return -ENOSPC;
	}
	t->r[t->n] = r;
	return (int)t->n++;
}

/* Does the lower-case pattern p (n bytes) equal the request bytes h, any case? */
static int
same_lower(const char *p, const uint8_t *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((uint8_t)p[i] != lower(h[i]))
			return 0;
	return 1;
}

static int
host_matches(const struct weir_http_route *r, const uint8_t *h, size_t n)
{
	if (r->host_kind == WEIR_HTTP_HOST_EXACT)
		return n == r->host_len && same_lower(r->host, h, n);
	/* Strictly longer: ".example.com" never matches "example.com", and
	 * the byte before the dot makes a label of at least one byte. */
	return r->host_kind == WEIR_HTTP_HOST_SUFFIX && n > r->host_len &&
	       same_lower(r->host, h + n - r->host_len, r->host_len);
}

/* Among the routes of kind whose host is host_len long and matches h (all
 * of one pattern), the one with the longest path prefix of path; -1 if
 * none. */
static int
longest_path(const struct weir_http_routes *t, uint8_t kind, size_t host_len, const uint8_t *h,
	     size_t hn, const uint8_t *path, size_t path_len)
{
	const struct weir_http_route *r;
	unsigned int i;
	int best = -1;

	for (i = 0; i < t->n; i++) {
		r = &t->r[i];
		if (r->host_kind != kind || r->host_len != host_len)
			continue;
		if (kind != WEIR_HTTP_HOST_ANY && !host_matches(r, h, hn))
			continue;
		if (r->path_len > path_len || memcmp(r->path, path, r->path_len) != 0)
			continue;
		if (best < 0 || r->path_len > t->r[best].path_len)
			best = (int)i;
	}
	return best;
}

int
weir_http_route_match(const struct weir_http_routes *t, const uint8_t *host, size_t host_len,
		      const uint8_t *path, size_t path_len)
{
	size_t hn = host_len, i, limit = WEIR_HTTP_ROUTE_HOST_MAX, len;
	int best;

	/* The name alone: an IPv6 literal has none (only rules for any host
	 * apply), a port goes, and one trailing dot (the root) too. */
	if (hn > 0 && host[0] == '[') {
		hn = 0;
	} else {
		for (i = 0; i < hn; i++)
			if (host[i] == ':')
				break;
		hn = i;
		if (hn > 0 && host[hn - 1] == '.')
			hn--;
	}

	if (hn > 0) {
		if (hn < WEIR_HTTP_ROUTE_HOST_MAX &&
		    (best = longest_path(t, WEIR_HTTP_HOST_EXACT, hn, host, hn, path, path_len)) >=
			    0)
			return best;
		/* Suffixes from the longest down: the suffixes of one name that
		 * match differ in length, so a length is one pattern. */
		for (;;) {
			len = 0;
			for (i = 0; i < t->n; i++)
				if (t->r[i].host_kind == WEIR_HTTP_HOST_SUFFIX &&
				    t->r[i].host_len < limit && t->r[i].host_len > len &&
				    host_matches(&t->r[i], host, hn))
					len = t->r[i].host_len;
			if (len == 0)
				break;
			best = longest_path(t, WEIR_HTTP_HOST_SUFFIX, len, host, hn, path,
					    path_len);
			if (best >= 0)
				return best;
			limit = len;
		}
	}
	return longest_path(t, WEIR_HTTP_HOST_ANY, 0, NULL, 0, path, path_len);
}
