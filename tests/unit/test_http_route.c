/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/http_lite's route matcher: a table of requests against
 * one set of routes, each with the route that must win (host class before
 * path, longest suffix, longest path, fallback across host classes, ports,
 * case, trailing dots, IPv6 literals), the same without rules for any host,
 * and a table of rules add() must refuse with their error and message.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "weir_http_route.h"
#include "weir_test.h"

struct rule {
	const char *host, *path;
};

/* Indexes are the order of the table: the cases below name them. */
static const struct rule rules[] = {
	{"API.Example.com", "/v1/"},	    /* 0 exact, stored lower-cased */
	{"*.example.com", NULL},	    /* 1 suffix, path "/" */
	{"*.b.example.com", "/img/"},	    /* 2 longer suffix */
	{"", "/static/"},		    /* 3 any host */
	{"shop.example.com", "/cart/"},	    /* 4 exact without a root route */
	{"*.example.com", "/static/long/"}, /* 5 suffix, longer path */
	{NULL, NULL},			    /* 6 any host, "/" */
	{"*.com", "/x/"},		    /* 7 short suffix */
	{"198.18.1.1", "/"},		    /* 8 an IPv4 literal is a name */
};

struct match_case {
	const char *host, *path;
	int want;
};

static const struct match_case cases[] = {
	/* Exact before suffix, whatever the path lengths. */
	{"api.example.com", "/v1/users", 0},
	{"api.example.com", "/v1/", 0},
	/* The exact name has no route for the path: the suffix's. */
	{"api.example.com", "/v2/", 1},
	{"api.example.com", "/v1", 1},
	/* Paths are bytes: no case folding, no percent-decoding. */
	{"api.example.com", "/V1/", 1},
	{"api.example.com", "/v1%2Fx", 1},
	/* Case, port and one trailing dot of the host do not matter. */
	{"API.EXAMPLE.COM", "/v1/a", 0},
	{"api.example.com:8080", "/v1/a", 0},
	{"api.example.com.", "/v1/a", 0},
	{"Api.Example.Com.:443", "/v1/a", 0},
	{"api.example.com:", "/v1/a", 0},
	/* Two trailing dots: only one goes, and "api.example.com." matches
	 * neither the name nor a suffix. */
	{"api.example.com..", "/v1/a", 6},
	/* A longer name is not the exact one. */
	{"xapi.example.com", "/v1/a", 1},
	/* The longest suffix first; then the next shorter one. */
	{"a.b.example.com", "/img/1.png", 2},
	{"a.b.example.com", "/other", 1},
	{"x.y.b.example.com", "/img/", 2},
	/* "*.b.example.com" never matches "b.example.com" itself. */
	{"b.example.com", "/img/", 1},
	/* Nor "*.example.com" "example.com": the shorter "*.com" does. */
	{"example.com", "/x/y", 7},
	{"example.com", "/", 6},
	{".example.com", "/x/", 7},
	/* Within a host pattern the longest path prefix wins ... */
	{"x.example.com", "/static/long/f", 5},
	/* ... and the host class wins over a longer path of a lower class. */
	{"x.example.com", "/static/a", 1},
	{"other.org", "/static/a", 3},
	{"other.org", "/", 6},
	{"other.org", "", -1}, /* shorter than every prefix */
	/* Exact without a root route: its path, else the suffix's. */
	{"shop.example.com", "/cart/1", 4},
	{"Shop.Example.Com.", "/cart/", 4},
	{"shop.example.com", "/", 1},
	/* IPv6 literals have no name: rules for any host only. */
	{"[2001:db8::1]:80", "/static/x", 3},
	{"[2001:db8::1]", "/", 6},
	{"[api.example.com]", "/v1/", 6},
	{"::1", "/v1/", 6},
	{"198.18.1.1:80", "/a", 8},
	/* No host. */
	{"", "/v1/", 6},
	{":80", "/static/", 3},
};

static void
fill(struct weir_http_routes *t, size_t n)
{
	const char *why = NULL;
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		int rc = weir_http_route_add(t, rules[i].host, rules[i].path, &why);

		if (rc != (int)i)
			fail_msg("rule %zu: %d (%s)", i, rc, why != NULL ? why : "");
	}
}

static int
match(const struct weir_http_routes *t, const char *host, const char *path)
{
	return weir_http_route_match(t, (const uint8_t *)host, strlen(host), (const uint8_t *)path,
				     strlen(path));
}

static void
test_stored(void **state)
{
	static struct weir_http_routes t;

	(void)state;
	fill(&t, sizeof(rules) / sizeof(rules[0]));
	assert_int_equal(t.n, 9);
	assert_int_equal(t.r[0].host_kind, WEIR_HTTP_HOST_EXACT);
	assert_string_equal(t.r[0].host, "api.example.com");
	assert_int_equal(t.r[0].host_len, 15);
	assert_string_equal(t.r[0].path, "/v1/");
	assert_int_equal(t.r[0].path_len, 4);
	assert_int_equal(t.r[1].host_kind, WEIR_HTTP_HOST_SUFFIX);
	assert_string_equal(t.r[1].host, ".example.com");
	assert_int_equal(t.r[1].host_len, 12);
	assert_string_equal(t.r[1].path, "/");
	assert_int_equal(t.r[1].path_len, 1);
	assert_int_equal(t.r[3].host_kind, WEIR_HTTP_HOST_ANY);
	assert_int_equal(t.r[3].host_len, 0);
	assert_string_equal(t.r[3].host, "");
	assert_int_equal(t.r[6].host_kind, WEIR_HTTP_HOST_ANY);
	assert_string_equal(t.r[6].path, "/");
	assert_string_equal(t.r[7].host, ".com");
}

static void
test_match(void **state)
{
	static struct weir_http_routes t;
	char bad[4096];
	size_t i, n = 0;

	(void)state;
	fill(&t, sizeof(rules) / sizeof(rules[0]));
	bad[0] = '\0';
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct match_case *c = &cases[i];
		int want = c->want;
		int got = match(&t, c->host, c->path);

		if (got != want)
			n += (size_t)snprintf(bad + n, sizeof(bad) - n,
					      "\n  host \"%s\" path \"%s\": route %d, expected %d",
					      c->host, c->path, got, want);
	}
	if (n > 0)
		fail_msg("%s", bad);
	/* No host at all. */
	assert_int_equal(weir_http_route_match(&t, NULL, 0, (const uint8_t *)"/static/", 8), 3);
}

/* A host longer than a rule can be: a suffix still matches it. */
static void
test_long_host(void **state)
{
	static struct weir_http_routes t;
	char host[400];

	(void)state;
	fill(&t, sizeof(rules) / sizeof(rules[0]));
	memset(host, 'a', sizeof(host));
	memcpy(host + 300, ".b.example.com", 15);
	assert_int_equal(match(&t, host, "/img/"), 2);
	memcpy(host + 300, ".example.org", 13);
	assert_int_equal(match(&t, host, "/img/"), 6);
}

/* Without rules for any host, nothing else matches: -1. */
static void
test_no_default(void **state)
{
	static struct weir_http_routes t;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(match(&t, "a.example.com", "/"), -1);
	assert_int_equal(weir_http_route_add(&t, "a.example.com", "/p/", NULL), 0);
	assert_int_equal(weir_http_route_add(&t, "*.example.com", "/q/", NULL), 1);
	assert_int_equal(match(&t, "a.example.com", "/p/x"), 0);
	assert_int_equal(match(&t, "a.example.com", "/q/x"), 1);
	assert_int_equal(match(&t, "a.example.com", "/r/"), -1);
	assert_int_equal(match(&t, "b.example.com", "/p/"), -1);
	assert_int_equal(match(&t, "[::1]", "/p/"), -1);
	assert_int_equal(match(&t, "", "/q/"), -1);
}

struct add_case {
	const char *host, *path;
	int rc;
	const char *why;
};

#define BAD_HOST "expected a host name of letters, digits, '-' and '.'"
#define EMPTY_LABEL "empty label (a leading, trailing or double dot)"
#define STAR "'*' only as a leading \"*.\""
#define BAD_PATH "a path prefix holds no control byte, space, '?', '#' or byte beyond ASCII"

static char long_host[130], long_suffix[132], long_path[130];

static void
test_add_rejects(void **state)
{
	const struct add_case bad[] = {
		{"exa mple.com", NULL, -EINVAL, BAD_HOST},
		{"ex_ample.com", NULL, -EINVAL, BAD_HOST},
		{"[::1]", NULL, -EINVAL, BAD_HOST},
		{"caf\xc3\xa9.example", NULL, -EINVAL, BAD_HOST},
		{"example.com:80", NULL, -EINVAL, "a route's host has no port"},
		{"*.example.com:8080", NULL, -EINVAL, "a route's host has no port"},
		{"a.*.example.com", NULL, -EINVAL, STAR},
		{"*example.com", NULL, -EINVAL, STAR},
		{"*.*.example.com", NULL, -EINVAL, STAR},
		{"*", NULL, -EINVAL, STAR},
		{"example.*", NULL, -EINVAL, STAR},
		{"*.", NULL, -EINVAL, EMPTY_LABEL},
		{".example.com", NULL, -EINVAL, EMPTY_LABEL},
		{"example..com", NULL, -EINVAL, EMPTY_LABEL},
		{"example.com.", NULL, -EINVAL, EMPTY_LABEL},
		{"*..example.com", NULL, -EINVAL, EMPTY_LABEL},
		{".", NULL, -EINVAL, EMPTY_LABEL},
		{long_host, NULL, -EINVAL, "host longer than 127 bytes"},
		{long_suffix, NULL, -EINVAL, "host longer than 127 bytes"},
		{NULL, "v1/", -EINVAL, "a path prefix starts with '/'"},
		{NULL, "*", -EINVAL, "a path prefix starts with '/'"},
		{NULL, "/a b", -EINVAL, BAD_PATH},
		{NULL, "/a?b", -EINVAL, BAD_PATH},
		{NULL, "/a#b", -EINVAL, BAD_PATH},
		{NULL, "/a\tb", -EINVAL, BAD_PATH},
		{NULL, "/a\r\n", -EINVAL, BAD_PATH},
		{NULL, "/a\x7f", -EINVAL, BAD_PATH},
		{NULL, "/\xc3\xa9", -EINVAL, BAD_PATH},
		{NULL, long_path, -EINVAL, "path prefix longer than 127 bytes"},
		/* Duplicates of the rules added first (below). */
		{"API.EXAMPLE.COM", "/v1/", -EEXIST,
		 "same host and path prefix as an earlier route"},
		{"", "/", -EEXIST, "same host and path prefix as an earlier route"},
		{NULL, "", -EEXIST, "same host and path prefix as an earlier route"},
		{"*.Example.com", "/", -EEXIST, "same host and path prefix as an earlier route"},
	};
	static struct weir_http_routes t;
	char msg[8192];
	size_t i, n = 0;

	(void)state;
	memset(long_host, 'a', 128);
	long_host[128] = '\0';
	long_suffix[0] = '*';
	long_suffix[1] = '.';
	memset(long_suffix + 2, 'a', 127);
	long_suffix[129] = '\0';
	long_path[0] = '/';
	memset(long_path + 1, 'p', 127);
	long_path[128] = '\0';

	memset(&t, 0, sizeof(t));
	assert_int_equal(weir_http_route_add(&t, "api.example.com", "/v1/", NULL), 0);
	assert_int_equal(weir_http_route_add(&t, NULL, NULL, NULL), 1);
	assert_int_equal(weir_http_route_add(&t, "*.example.com", "/", NULL), 2);
	msg[0] = '\0';
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		int rc = weir_http_route_add(&t, bad[i].host, bad[i].path, &why);

		if (rc != bad[i].rc || why == NULL || strcmp(why, bad[i].why) != 0)
			n += (size_t)snprintf(msg + n, sizeof(msg) - n,
					      "\n  case %zu (host \"%s\" path \"%s\"): %d \"%s\", "
					      "expected %d \"%s\"",
					      i, bad[i].host ? bad[i].host : "(null)",
					      bad[i].path ? bad[i].path : "(null)", rc,
					      why ? why : "(null)", bad[i].rc, bad[i].why);
	}
	if (n > 0)
		fail_msg("%s", msg);
	/* A refused rule leaves the table as it was. */
	assert_int_equal(t.n, 3);

	/* The longest accepted: 127 bytes each. */
	long_host[127] = '\0';
	long_suffix[128] = '\0';
	long_path[127] = '\0';
	assert_int_equal(weir_http_route_add(&t, long_host, NULL, NULL), 3);
	assert_int_equal(t.r[3].host_len, 127);
	assert_int_equal(weir_http_route_add(&t, long_suffix, NULL, NULL), 4);
	assert_int_equal(t.r[4].host_len, 127);
	assert_int_equal(weir_http_route_add(&t, NULL, long_path, NULL), 5);
	assert_int_equal(t.r[5].path_len, 127);
	/* Same name, other kind or path: not duplicates. */
	assert_int_equal(weir_http_route_add(&t, "example.com", "/", NULL), 6);
	assert_int_equal(weir_http_route_add(&t, "*.api.example.com", "/v1/", NULL), 7);
	assert_int_equal(weir_http_route_add(&t, "api.example.com", "/v1", NULL), 8);
}

static void
test_full(void **state)
{
	static struct weir_http_routes t;
	const char *why = NULL;
	char host[32];
	int i;

	(void)state;
	memset(&t, 0, sizeof(t));
	for (i = 0; i < WEIR_HTTP_ROUTES_MAX; i++) {
		snprintf(host, sizeof(host), "h%d.example.com", i);
		assert_int_equal(weir_http_route_add(&t, host, NULL, &why), i);
	}
	assert_int_equal(weir_http_route_add(&t, "more.example.com", NULL, &why), -ENOSPC);
	assert_string_equal(why, "more than 64 routes");
	/* A duplicate is found even when full. */
	assert_int_equal(weir_http_route_add(&t, "h3.example.com", NULL, &why), -EEXIST);
	assert_int_equal(t.n, WEIR_HTTP_ROUTES_MAX);
	assert_int_equal(match(&t, "h63.example.com", "/a"), 63);
	assert_int_equal(match(&t, "h64.example.com", "/a"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stored),	    cmocka_unit_test(test_match),
		cmocka_unit_test(test_long_host),   cmocka_unit_test(test_no_default),
		cmocka_unit_test(test_add_rejects), cmocka_unit_test(test_full),
	};

	return weir_test_main(tests);
}
