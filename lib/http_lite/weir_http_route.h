/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_HTTP_ROUTE_H
#define WEIR_HTTP_ROUTE_H

/**
 * @file
 * Routes of an HTTP service (lib/http_lite, route.c): rules of a host
 * pattern and a path prefix, and the matcher that picks the rule for a
 * request's Host and path. Pure: no allocation, no globals; the table is a
 * fixed array the caller owns (the config holds one per HTTP service).
 *
 * Precedence, host first: the exact host name, then the longest suffix
 * ("*.example.com") that matches, then the rules for any host. Within the
 * rules of the host pattern chosen, the longest path prefix that matches
 * wins; if none of that pattern's rules has a matching path, the next host
 * class is tried (the next shorter suffix, then any host). Paths are
 * compared byte for byte, as sent (not percent-decoded): "/v1" is a prefix
 * of "/v1x" too, so write "/v1/" to mean the directory.
 */

#include <stddef.h>
#include <stdint.h>

/** Most routes of one service. */
#define WEIR_HTTP_ROUTES_MAX 64
/** Size of a route's host pattern with its NUL (so at most 127 bytes). */
#define WEIR_HTTP_ROUTE_HOST_MAX 128
/** Size of a route's path prefix with its NUL (so at most 127 bytes). */
#define WEIR_HTTP_ROUTE_PATH_MAX 128

/** What a route's host pattern matches. */
enum weir_http_host_kind {
	WEIR_HTTP_HOST_ANY = 0, /**< every host (no "host" given) */
	WEIR_HTTP_HOST_EXACT,	/**< this name only */
	WEIR_HTTP_HOST_SUFFIX,	/**< names ending in ".suffix", not "suffix" itself */
};

/** One route: a host pattern and a path prefix. */
struct weir_http_route {
	uint8_t host_kind; /**< enum weir_http_host_kind */
	/** Length of host: EXACT, the name; SUFFIX, ".example.com" (the '*'
	 * dropped, the dot kept); ANY, 0. */
	uint8_t host_len;
	uint16_t path_len;		     /**< length of path (>= 1) */
	char host[WEIR_HTTP_ROUTE_HOST_MAX]; /**< lower case, NUL-terminated */
	char path[WEIR_HTTP_ROUTE_PATH_MAX]; /**< prefix, starts with '/' ("/" when not given) */
};

/** A service's routes, in the order they were added (zero it to start). */
struct weir_http_routes {
	unsigned int n;
	struct weir_http_route r[WEIR_HTTP_ROUTES_MAX];
};

/**
 * Add a route.
 *
 * @param t
 *   The table (zeroed before the first call).
 * @param host
 *   NULL or "": any host; "name": that name (any case; lower-cased); a
 *   leading "*.": "*.suffix" matches "a.suffix" and "a.b.suffix", never
 *   "suffix" itself. A name is labels of [a-z0-9-] separated by single
 *   dots, without a port.
 * @param path_prefix
 *   NULL or "": "/". Otherwise it starts with '/' and holds no control
 *   byte, space, '?', '#' or byte beyond ASCII.
 * @param why
 *   Receives a static message on failure (may be NULL).
 * @return
 *   The route's index; -EINVAL (bad host or path), -ENOSPC (already
 *   WEIR_HTTP_ROUTES_MAX routes) or -EEXIST (a route of the same host
 *   pattern and path exists), with *why set.
 */
int weir_http_route_add(struct weir_http_routes *t, const char *host, const char *path_prefix,
			const char **why);

/**
 * The route of a request.
 *
 * @param t
 *   The table.
 * @param host
 *   The Host value as sent: any case, maybe with ":port" (ignored), maybe
 *   an IPv6 literal "[...]" (which only rules for any host match), maybe
 *   with one trailing dot (ignored). NULL with host_len 0: no host, only
 *   rules for any host match.
 * @param host_len
 *   Its length.
 * @param path
 *   The path, raw bytes (no query; a query would only make it longer).
 * @param path_len
 *   Its length.
 * @return
 *   The index of the route that wins (see the precedence above), or -1.
 */
int weir_http_route_match(const struct weir_http_routes *t, const uint8_t *host, size_t host_len,
			  const uint8_t *path, size_t path_len);

#endif /* WEIR_HTTP_ROUTE_H */
