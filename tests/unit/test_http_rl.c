/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/http_lite's rl.c: weir_http_rl_parse() on good RateLimit
 * values (the most restrictive item, exact r and t) and on a hostile table
 * that must be refused; weir_http_rl_merge() against a backend's own fields
 * (none, less or more restrictive, RateLimit-Policy and RateLimit apart,
 * legacy X-RateLimit-*, unparseable values, names in any case, buffers too
 * small), with the exact bytes and region, and the head spliced back
 * together parsed again with exactly weir's RateLimit in it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "weir_http_body.h"
#include "weir_test.h"

/* ------------------------------------------------------------------------ */
/* weir_http_rl_parse                                                        */

struct rl_good {
	const char *v;
	uint64_t r, t;
};

static void
test_parse_good(void **state)
{
	static const struct rl_good cases[] = {
		{"\"free\";r=0;t=41", 0, 41},
		{"\"free\";r=12", 12, 0},
		{"\"free\";t=9;r=12", 12, 9},
		/* The fewest requests left wins, wherever it is. */
		{"\"a\";r=10;t=5, \"b\";r=3;t=60, \"c\";r=7", 3, 60},
		{"\"a\";r=3;t=1, \"b\";r=10;t=500", 3, 1},
		{"\"a\";r=9, \"b\";r=8, \"c\";r=1;t=2", 1, 2},
		/* Equal r: the longest wait. */
		{"\"a\";r=2;t=10, \"b\";r=2;t=30, \"c\";r=2;t=20", 2, 30},
		{"\"a\";r=2, \"b\";r=2;t=1", 2, 1},
		/* Tokens as names. */
		{"free;r=5;t=1, premium;r=50", 5, 1},
		{"*day/api:v2;r=2;t=86400", 2, 86400},
		/* Other parameters: byte sequences, integers, tokens, strings. */
		{"\"free\";pk=:abc=:;r=4;q=5;t=9", 4, 9},
		{"\"free\";q=5;w=60;r=6;comment=\"x;r=0, y\"", 6, 0},
		{"\"free\";r1=0;tt=9;r=7", 7, 0},
		/* Boolean parameters, and a space after ';'. */
		{"\"free\";x;r=1;y;t=2;z", 1, 2},
		{"\"free\"; r=3; t=4", 3, 4},
		/* Spaces and tabs around commas; leading spaces. */
		{"\"a\";r=9 ,  \"b\";r=8;t=3", 8, 3},
		{"\"a\";r=9\t,\t\"b\";r=8", 8, 0},
		{"   \"a\";r=5", 5, 0},
		{"\"a\";r=5   ", 5, 0},
		/* Items without r count for nothing. */
		{"\"a\";t=100, \"b\";r=5;t=1, c", 5, 1},
		/* Escapes in strings. */
		{"\"a\\\"b,c;r=0\";r=3", 3, 0},
		{"\"a\\\\\";r=2", 2, 0},
		/* Leading zeros; the largest sf-integer; the last r wins. */
		{"\"a\";r=007;t=010", 7, 10},
		{"\"a\";r=999999999999999;t=999999999999999", 999999999999999ULL,
		 999999999999999ULL},
		{"\"a\";r=1;r=5", 5, 0},
		{"\"a\";r=5;t=1;t=0", 5, 0},
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t r = 77, t = 77;
		int rc =
			weir_http_rl_parse((const uint8_t *)cases[i].v, strlen(cases[i].v), &r, &t);

		if (rc != 0 || r != cases[i].r || t != cases[i].t)
			fail_msg("case %u `%s`: rc %d r %llu t %llu", i, cases[i].v, rc,
				 (unsigned long long)r, (unsigned long long)t);
	}
}

struct rl_bad {
	const char *v;
	size_t n; /* 0: strlen */
};

static void
test_parse_hostile(void **state)
{
	static const struct rl_bad cases[] = {
		{"", 0},
		{" ", 0},
		{"     \t ", 0},
		/* Unterminated string, a backslash at the end. */
		{"\"free;r=1", 0},
		{"\"free\";r=1, \"b", 0},
		{"\"free\\", 0},
		{"\"free\";r=1, \"x\\", 0},
		/* Commas: trailing, leading, doubled. */
		{"\"a\";r=1,", 0},
		{"\"a\";r=1, ", 0},
		{",\"a\";r=1", 0},
		{"\"a\";r=1,,\"b\";r=2", 0},
		/* r: no digits, a sign, too many digits, not an integer. */
		{"\"a\";r=", 0},
		{"\"a\";r=;t=1", 0},
		{"\"a\";r=-1", 0},
		{"\"a\";r=+1", 0},
		{"\"a\";r=1234567890123456", 0},
		{"\"a\";r=0000000000000001", 0},
		{"\"a\";r=1.5", 0},
		{"\"a\";r=\"1\"", 0},
		{"\"a\";r=1;t=", 0},
		{"\"a\";r=1;t=2.5", 0},
		{"\"a\";r=1;t=-2", 0},
		/* r without an item. */
		{"r=1", 0},
		{";r=1", 0},
		{"r=1;t=2", 0},
		/* Garbage after an item. */
		{"\"a\";r=1 x", 0},
		{"\"a\"x;r=1", 0},
		{"\"a\";r=1;", 0},
		{"\"a\";r=1;;t=2", 0},
		{"\"a\";r=1\t;t=2", 0},
		{"\"a\";R=1", 0},
		{"\"a\";r=1 \"b\";r=2", 0},
		/* No item with r. */
		{"\"a\"", 0},
		{"\"a\";t=5", 0},
		{"\"a\";q=1, b;w=60", 0},
		{"\"a\";r", 0},
		{"\"a\";rr=1", 0},
		/* NUL bytes. */
		{"\"a\";r=1\0", 8},
		{"\"a\";r=\0"
		 "1",
		 8},
		{"\"a\";\0r=1", 8},
		{"\"a\";r=1,\0\"b\";r=2", 16},
		{"\0\"a\";r=1", 8},
		{"a\0b;r=1", 7},
		{"\"a\0b\";r=1", 9},
		{"\"a\";q=x\0y;r=1", 13},
		{"\"a\";q=\"x\0\";r=1", 14},
		/* Other control bytes and bytes above 0x7e in names. */
		{"\"a\x01\";r=1", 0},
		{"\"a\x7f\";r=1", 0},
		{"\"caf\xc3\xa9\";r=1", 0},
		{"a\x1b;r=1", 0},
		{"caf\xc3\xa9;r=1", 0},
	};
	unsigned int i;
	uint64_t r, t;
	size_t big = 100000, k;
	uint8_t *v;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = cases[i].n != 0 ? cases[i].n : strlen(cases[i].v);
		int rc = weir_http_rl_parse((const uint8_t *)cases[i].v, n, &r, &t);

		if (rc != -1)
			fail_msg("hostile case %u `%s`: rc %d r %llu", i, cases[i].v, rc,
				 (unsigned long long)r);
	}
	/* n 0 with a NULL pointer. */
	assert_int_equal(weir_http_rl_parse(NULL, 0, &r, &t), -1);

	/* Very long inputs, in buffers of exactly their length (ASan). */
	v = malloc(big);
	assert_non_null(v);
	memset(v, 'a', big);
	assert_int_equal(weir_http_rl_parse(v, big, &r, &t), -1); /* one token, no r */
	v[0] = '"';
	assert_int_equal(weir_http_rl_parse(v, big, &r, &t), -1); /* unterminated */
	for (k = 1; k < big; k++)
		v[k] = (k & 1) ? '\\' : '"';
	assert_int_equal(weir_http_rl_parse(v, big, &r, &t), -1); /* escapes to the end */
	memset(v, '9', big);
	memcpy(v, "\"a\";r=", 6);
	assert_int_equal(weir_http_rl_parse(v, big, &r, &t), -1); /* a huge integer */
	memset(v, ' ', big);
	assert_int_equal(weir_http_rl_parse(v, big, &r, &t), -1);
	/* Many good items, the last one broken. */
	for (k = 0; k + 12 <= big; k += 12)
		memcpy(v + k, "\"a\";r=7;t=1,", 12);
	assert_int_equal(weir_http_rl_parse(v, k, &r, &t), -1);
	/* ... and whole: the fewest found among them. */
	memcpy(v + 12 * 400, "\"b\";r=3;t=2,", 12);
	assert_int_equal(weir_http_rl_parse(v, k - 1, &r, &t), 0);
	assert_int_equal(r, 3);
	assert_int_equal(t, 2);
	free(v);
}

/* ------------------------------------------------------------------------ */
/* weir_http_rl_merge                                                        */

static const char ours[] = "RateLimit-Policy: \"free\";q=5;w=60\r\n"
			   "RateLimit: \"free\";r=4;t=12\r\n";
#define OURS_LEN (sizeof(ours) - 1)
#define OUR_R 4
#define OUR_T 12

static struct weir_http_resp resp, again;

static int
parse_head(struct weir_http_resp *r, const char *h, size_t n)
{
	weir_http_resp_init(r);
	return weir_http_parse_resp(r, (const uint8_t *)h, n, NULL);
}

/* Fields named name (any case) in a parsed head, and the first's value. */
static unsigned int
count_field(const struct weir_http_resp *r, const char *h, const char *name,
	    struct weir_http_view *v)
{
	unsigned int i, n = 0;

	for (i = 0; i < r->n_headers; i++) {
		const struct weir_http_header *f = &r->headers[i];

		if (f->name.len == strlen(name) &&
		    strncasecmp(h + f->name.off, name, f->name.len) == 0) {
			if (n++ == 0 && v != NULL)
				*v = f->value;
		}
	}
	return n;
}

static long
merge(const char *head, size_t cap, uint8_t *buf, uint32_t *first, uint32_t *last, int *hlen)
{
	*hlen = parse_head(&resp, head, strlen(head));
	assert_true(*hlen > 0);
	assert_int_equal((size_t)*hlen, strlen(head));
	memset(buf, 0xee, 512);
	memcpy(buf, ours, OURS_LEN);
	*first = *last = 0xdeadbeef;
	return weir_http_rl_merge(&resp, (const uint8_t *)head, (uint32_t)*hlen, buf, OURS_LEN, cap,
				  OUR_R, OUR_T, first, last);
}

/* head[0, first) + buf[0, n) + head[last, hlen) parses, with exactly one
 * RateLimit (ours), one RateLimit-Policy (ours) and no X-RateLimit-*. */
static void
check_spliced(const char *head, uint32_t hlen, const uint8_t *buf, long n, uint32_t first,
	      uint32_t last)
{
	char out[2048];
	size_t len = 0;
	struct weir_http_view v;
	int rc;

	assert_true(first <= last && last <= hlen);
	memcpy(out, head, first);
	len += first;
	memcpy(out + len, buf, (size_t)n);
	len += (size_t)n;
	memcpy(out + len, head + last, hlen - last);
	len += hlen - last;
	out[len] = '\0';
	rc = parse_head(&again, out, len);
	assert_int_equal(rc, (int)len);
	assert_int_equal(again.status, resp.status);
	assert_int_equal(count_field(&again, out, "RateLimit", &v), 1);
	assert_int_equal(v.len, strlen("\"free\";r=4;t=12"));
	assert_memory_equal(out + v.off, "\"free\";r=4;t=12", v.len);
	assert_int_equal(count_field(&again, out, "RateLimit-Policy", &v), 1);
	assert_memory_equal(out + v.off, "\"free\";q=5;w=60", v.len);
	assert_int_equal(count_field(&again, out, "X-RateLimit-Limit", NULL), 0);
	assert_int_equal(count_field(&again, out, "X-RateLimit-Remaining", NULL), 0);
	assert_int_equal(count_field(&again, out, "X-RateLimit-Reset", NULL), 0);
}

/* Offset of marker in head (it must be there). */
static uint32_t
off_of(const char *head, const char *marker)
{
	const char *p = strstr(head, marker);

	assert_non_null(p);
	return (uint32_t)(p - head);
}

/*
 * A head whose backend fields weir's replace: the region runs from the
 * start of from_line to the end of to_line (both given whole, CRLF
 * included) and buf is ours then kept (the other lines inside, in order).
 */
static void
replaced(const char *head, const char *from_line, const char *to_line, const char *kept)
{
	uint8_t buf[512], want[512];
	uint32_t first, last;
	int hlen;
	long n = merge(head, sizeof(buf), buf, &first, &last, &hlen);

	assert_int_equal(n, (long)(OURS_LEN + strlen(kept)));
	assert_int_equal(first, off_of(head, from_line));
	assert_int_equal(last, off_of(head, to_line) + strlen(to_line));
	memcpy(want, ours, OURS_LEN);
	memcpy(want + OURS_LEN, kept, strlen(kept));
	assert_memory_equal(buf, want, (size_t)n);
	assert_int_equal(buf[n], 0xee); /* nothing written past */
	check_spliced(head, (uint32_t)hlen, buf, n, first, last);
}

/* A head whose backend fields stand. */
static void
stands(const char *head)
{
	uint8_t buf[512];
	uint32_t first, last;
	int hlen;

	if (merge(head, sizeof(buf), buf, &first, &last, &hlen) != 0)
		fail_msg("backend's fields should stand: %s", head);
	assert_memory_equal(buf, ours, OURS_LEN);
}

static void
test_merge_none(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\n"
				   "Content-Type: text/plain\r\n"
				   "Content-Length: 5\r\n"
				   "\r\n";
	static const char bare[] = "HTTP/1.1 204 No Content\r\n\r\n";
	uint8_t buf[512], want[512];
	uint32_t first, last;
	int hlen;
	long n;

	(void)state;
	n = merge(head, sizeof(buf), buf, &first, &last, &hlen);
	assert_int_equal(hlen, 64);
	assert_int_equal(n, (long)OURS_LEN + 2);
	assert_int_equal(first, 62);
	assert_int_equal(last, 64);
	memcpy(want, ours, OURS_LEN);
	memcpy(want + OURS_LEN, "\r\n", 2);
	assert_memory_equal(buf, want, OURS_LEN + 2);
	check_spliced(head, (uint32_t)hlen, buf, n, first, last);

	n = merge(bare, sizeof(buf), buf, &first, &last, &hlen);
	assert_int_equal(n, (long)OURS_LEN + 2);
	assert_int_equal(first, hlen - 2);
	assert_int_equal(last, hlen);
	check_spliced(bare, (uint32_t)hlen, buf, n, first, last);

	/* Exactly room for the CRLF; one byte short. */
	n = merge(head, OURS_LEN + 2, buf, &first, &last, &hlen);
	assert_int_equal(n, (long)OURS_LEN + 2);
	n = merge(head, OURS_LEN + 1, buf, &first, &last, &hlen);
	assert_int_equal(n, -ENOSPC);
	n = merge(head, OURS_LEN, buf, &first, &last, &hlen);
	assert_int_equal(n, -ENOSPC);
	/* ours_len > cap; a head too short to hold a final CRLF. */
	n = merge(head, OURS_LEN - 1, buf, &first, &last, &hlen);
	assert_int_equal(n, -EINVAL);
	assert_int_equal(weir_http_rl_merge(&resp, (const uint8_t *)head, 3, buf, OURS_LEN,
					    sizeof(buf), OUR_R, OUR_T, &first, &last),
			 -EINVAL);
}

static void
test_merge_ratelimit(void **state)
{
	uint8_t buf[512];
	uint32_t first, last;
	int hlen;
	long n;

	(void)state;
	/* Less restrictive (more left): ours in its place, exact offsets. */
	{
		static const char head[] = "HTTP/1.1 200 OK\r\n"
					   "RateLimit: \"b\";r=100;t=1\r\n"
					   "Content-Length: 5\r\n"
					   "\r\n";

		n = merge(head, sizeof(buf), buf, &first, &last, &hlen);
		assert_int_equal(n, (long)OURS_LEN);
		assert_int_equal(first, 17);
		assert_int_equal(last, 43);
		replaced(head, "RateLimit:", "RateLimit: \"b\";r=100;t=1\r\n", "");
	}
	replaced("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nRateLimit: \"b\";r=5\r\n\r\n",
		 "RateLimit:", "RateLimit: \"b\";r=5\r\n", "");
	/* More restrictive, or as restrictive and waiting as long or longer. */
	stands("HTTP/1.1 200 OK\r\nRateLimit: \"b\";r=3;t=1\r\n\r\n");
	stands("HTTP/1.1 200 OK\r\nRateLimit: \"b\";r=0\r\n\r\n");
	stands("HTTP/1.1 200 OK\r\nRateLimit: \"b\";r=4;t=12\r\n\r\n");
	stands("HTTP/1.1 200 OK\r\nRateLimit: \"b\";r=4;t=13\r\n\r\n");
	stands("HTTP/1.1 200 OK\r\nRateLimit: \"b\";r=100, \"c\";r=2;t=1\r\n\r\n");
	/* Equal r, shorter wait: replaced. */
	replaced("HTTP/1.1 200 OK\r\nRateLimit: \"b\";r=4;t=11\r\n\r\n",
		 "RateLimit:", "RateLimit: \"b\";r=4;t=11\r\n", "");
	replaced("HTTP/1.1 200 OK\r\nRateLimit: \"b\";r=4\r\n\r\n",
		 "RateLimit:", "RateLimit: \"b\";r=4\r\n", "");
	/* Two RateLimit lines: the more restrictive of them counts. */
	stands("HTTP/1.1 200 OK\r\nRateLimit: \"b\";r=50\r\nRateLimit: \"c\";r=1\r\n\r\n");
	replaced("HTTP/1.1 200 OK\r\nRateLimit: \"b\";r=50\r\nX-A: 1\r\nRateLimit: \"c\";r=9\r\n"
		 "\r\n",
		 "RateLimit: \"b\"", "RateLimit: \"c\";r=9\r\n", "X-A: 1\r\n");

	/* Policy and RateLimit apart: the region spans both, the line between
	 * is kept after ours; the lines around stay where they are. */
	replaced("HTTP/1.1 200 OK\r\n"
		 "Server: x\r\n"
		 "RateLimit-Policy: \"b\";q=100;w=60\r\n"
		 "Content-Type: text/html\r\n"
		 "RateLimit: \"b\";r=50;t=30\r\n"
		 "Content-Length: 3\r\n"
		 "\r\n",
		 "RateLimit-Policy:", "RateLimit: \"b\";r=50;t=30\r\n",
		 "Content-Type: text/html\r\n");
	replaced("HTTP/1.1 200 OK\r\n"
		 "RateLimit: \"b\";r=50;t=30\r\n"
		 "Vary: a\r\n"
		 "Cache-Control: no-store\r\n"
		 "RateLimit-Policy: \"b\";q=100;w=60\r\n"
		 "\r\n",
		 "RateLimit:", "RateLimit-Policy: \"b\";q=100;w=60\r\n",
		 "Vary: a\r\nCache-Control: no-store\r\n");
	/* Policy alone (nothing to compare): replaced. */
	replaced("HTTP/1.1 200 OK\r\nRateLimit-Policy: \"b\";q=1;w=1\r\n\r\n",
		 "RateLimit-Policy:", "RateLimit-Policy: \"b\";q=1;w=1\r\n", "");

	/* Unparseable RateLimit: ours replace it. */
	replaced("HTTP/1.1 200 OK\r\nRateLimit: garbage,\r\n\r\n",
		 "RateLimit:", "RateLimit: garbage,\r\n", "");
	replaced("HTTP/1.1 200 OK\r\nRateLimit: \"b\";r=-1\r\n\r\n",
		 "RateLimit:", "RateLimit: \"b\";r=-1\r\n", "");
	/* ... but a parseable one beside it still counts. */
	stands("HTTP/1.1 200 OK\r\nRateLimit: garbage,\r\nRateLimit: \"c\";r=1\r\n\r\n");

	/* Names in any case. */
	stands("HTTP/1.1 200 OK\r\nratelimit: \"b\";r=1\r\n\r\n");
	replaced("HTTP/1.1 200 OK\r\n"
		 "RATELIMIT-POLICY: \"b\";q=9\r\n"
		 "Date: now\r\n"
		 "ratelimit: \"b\";r=99\r\n"
		 "\r\n",
		 "RATELIMIT-POLICY:", "ratelimit: \"b\";r=99\r\n", "Date: now\r\n");
	/* Names that only look alike are other fields: as with none. */
	{
		static const char head[] = "HTTP/1.1 200 OK\r\n"
					   "RateLimits: \"b\";r=0\r\n"
					   "X-RateLimit: \"b\";r=0\r\n"
					   "\r\n";

		n = merge(head, sizeof(buf), buf, &first, &last, &hlen);
		assert_int_equal(n, (long)OURS_LEN + 2);
		assert_int_equal(first, hlen - 2);
		assert_int_equal(last, hlen);
		check_spliced(head, (uint32_t)hlen, buf, n, first, last);
	}
}

static void
test_merge_legacy(void **state)
{
	(void)state;
	/* X-RateLimit-Remaining counts as r (t 0). */
	stands("HTTP/1.1 200 OK\r\nX-RateLimit-Remaining: 2\r\n\r\n");
	stands("HTTP/1.1 200 OK\r\nX-RateLimit-Remaining: 0\r\n\r\n");
	replaced("HTTP/1.1 200 OK\r\nX-RateLimit-Remaining: 4\r\n\r\n",
		 "X-RateLimit-Remaining:", "X-RateLimit-Remaining: 4\r\n", "");
	replaced("HTTP/1.1 200 OK\r\n"
		 "X-RateLimit-Limit: 100\r\n"
		 "X-RateLimit-Remaining: 10\r\n"
		 "ETag: \"e\"\r\n"
		 "X-RateLimit-Reset: 30\r\n"
		 "\r\n",
		 "X-RateLimit-Limit:", "X-RateLimit-Reset: 30\r\n", "ETag: \"e\"\r\n");
	/* Not a number: ignored for the comparison, the line still replaced. */
	replaced("HTTP/1.1 200 OK\r\nX-RateLimit-Remaining: abc\r\n\r\n",
		 "X-RateLimit-Remaining:", "X-RateLimit-Remaining: abc\r\n", "");
	replaced("HTTP/1.1 200 OK\r\nX-RateLimit-Remaining: 1, 2\r\n\r\n",
		 "X-RateLimit-Remaining:", "X-RateLimit-Remaining: 1, 2\r\n", "");
	replaced("HTTP/1.1 200 OK\r\nX-RateLimit-Remaining: -1\r\n\r\n",
		 "X-RateLimit-Remaining:", "X-RateLimit-Remaining: -1\r\n", "");
	replaced("HTTP/1.1 200 OK\r\nx-ratelimit-remaining: 1234567890123456\r\n\r\n",
		 "x-ratelimit-remaining:", "x-ratelimit-remaining: 1234567890123456\r\n", "");
	/* Limit and Reset alone say nothing about what is left. */
	replaced("HTTP/1.1 200 OK\r\nX-RateLimit-Limit: 1\r\nX-RateLimit-Reset: 0\r\n\r\n",
		 "X-RateLimit-Limit:", "X-RateLimit-Reset: 0\r\n", "");
	/* A RateLimit field says more than the legacy count, in either order. */
	replaced("HTTP/1.1 200 OK\r\nRateLimit: \"b\";r=100\r\nX-RateLimit-Remaining: 1\r\n\r\n",
		 "RateLimit:", "X-RateLimit-Remaining: 1\r\n", "");
	stands("HTTP/1.1 200 OK\r\nRateLimit: \"b\";r=1\r\nX-RateLimit-Remaining: 100\r\n\r\n");
	replaced("HTTP/1.1 200 OK\r\nX-RateLimit-Remaining: 1\r\nRateLimit: \"b\";r=100\r\n\r\n",
		 "X-RateLimit-Remaining:", "RateLimit: \"b\";r=100\r\n", "");
	replaced("HTTP/1.1 200 OK\r\nX-RateLimit-Remaining: 4\r\nRateLimit: \"b\";r=4;t=1\r\n"
		 "\r\n",
		 "X-RateLimit-Remaining:", "RateLimit: \"b\";r=4;t=1\r\n", "");
	stands("HTTP/1.1 200 OK\r\nX-RateLimit-Remaining: 100\r\nRateLimit: \"b\";r=1\r\n\r\n");
}

static void
test_merge_nospace(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\n"
				   "RateLimit-Policy: \"b\";q=100;w=60\r\n"
				   "Content-Type: text/html\r\n"
				   "RateLimit: \"b\";r=50;t=30\r\n"
				   "\r\n";
	uint8_t buf[512];
	uint32_t first, last;
	int hlen;
	long n;

	(void)state;
	/* Ours and the 25-byte line kept: exactly enough, one short. */
	n = merge(head, OURS_LEN + 25, buf, &first, &last, &hlen);
	assert_int_equal(n, (long)OURS_LEN + 25);
	n = merge(head, OURS_LEN + 24, buf, &first, &last, &hlen);
	assert_int_equal(n, -ENOSPC);
	assert_int_equal(buf[OURS_LEN + 24], 0xee);
	n = merge(head, OURS_LEN, buf, &first, &last, &hlen);
	assert_int_equal(n, -ENOSPC);
	/* Nothing kept: ours alone fit. */
	n = merge("HTTP/1.1 200 OK\r\nRateLimit: \"b\";r=50\r\n\r\n", OURS_LEN, buf, &first, &last,
		  &hlen);
	assert_int_equal(n, (long)OURS_LEN);
	n = merge("HTTP/1.1 200 OK\r\nRateLimit: \"b\";r=50\r\n\r\n", OURS_LEN - 1, buf, &first,
		  &last, &hlen);
	assert_int_equal(n, -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),   cmocka_unit_test(test_parse_hostile),
		cmocka_unit_test(test_merge_none),   cmocka_unit_test(test_merge_ratelimit),
		cmocka_unit_test(test_merge_legacy), cmocka_unit_test(test_merge_nospace),
	};

	return weir_test_main(tests);
}
