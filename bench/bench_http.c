/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Microbenchmark of lib/http_lite's request head parser against Debian's
 * libhttp-parser (nodejs/http-parser 2.9), on the same typical API request:
 * about 400 bytes, 10 headers. Both parse the whole head and hand out the
 * header views (http-parser through its callbacks, storing offsets as
 * weir_http_parse_req() does). Prints one JSON object per case on stdout
 * (bench/run.sh collects them): the median and best of the rounds, ns per
 * head.
 *
 * Usage: bench_http [ROUNDS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <http_parser.h>

#include "bench_util.h"
#include "weir_http.h"

#define HEADS 4096 /* heads per round */

static const char head[] = "POST /api/v1/orders?customer=42&expand=items HTTP/1.1\r\n"
			   "Host: api.example.com\r\n"
			   "User-Agent: curl/7.88.1\r\n"
			   "Accept: application/json\r\n"
			   "Content-Type: application/json\r\n"
			   "Content-Length: 128\r\n"
			   "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2ln\r\n"
			   "X-Request-Id: 7f9c2ba4-e88f-11ee-a951-0242ac120002\r\n"
			   "X-Forwarded-For: 198.18.0.2\r\n"
			   "Accept-Encoding: gzip, deflate\r\n"
			   "Connection: keep-alive\r\n"
			   "\r\n";

/* What the http-parser callbacks keep: views, as weir_http_req holds them. */
struct hp_views {
	const char *base;
	unsigned int n;
	struct weir_http_header h[WEIR_HTTP_HEADERS_CAP];
	struct weir_http_view url;
	int complete;
};

static int
on_url(http_parser *p, const char *at, size_t len)
{
	struct hp_views *v = p->data;

	v->url.off = (uint32_t)(at - v->base);
	v->url.len = (uint32_t)len;
	return 0;
}

static int
on_field(http_parser *p, const char *at, size_t len)
{
	struct hp_views *v = p->data;

	if (v->n < WEIR_HTTP_HEADERS_CAP) {
		v->h[v->n].name.off = (uint32_t)(at - v->base);
		v->h[v->n].name.len = (uint32_t)len;
	}
	return 0;
}

static int
on_value(http_parser *p, const char *at, size_t len)
{
	struct hp_views *v = p->data;

	if (v->n < WEIR_HTTP_HEADERS_CAP) {
		v->h[v->n].value.off = (uint32_t)(at - v->base);
		v->h[v->n].value.len = (uint32_t)len;
		v->n++;
	}
	return 0;
}

static int
on_headers_complete(http_parser *p)
{
	struct hp_views *v = p->data;

	v->complete = 1;
	return 1; /* the head only: skip the body */
}

static void
report(const char *name, uint64_t *t, int rounds, size_t bytes, unsigned int headers)
{
	qsort(t, (size_t)rounds, sizeof(*t), cmp_u64);
	printf("{\"case\": \"%s\", \"bytes\": %zu, \"headers\": %u, \"heads\": %d, "
	       "\"ns_per_head\": %.1f, \"best_ns_per_head\": %.1f}\n",
	       name, bytes, headers, HEADS, (double)t[rounds / 2] / HEADS, (double)t[0] / HEADS);
}

int
main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 200, r, i;
	size_t len = sizeof(head) - 1;
	uint64_t *t = calloc((size_t)(rounds > 0 ? rounds : 1), sizeof(*t)), sink = 0;
	static struct weir_http_req req;
	http_parser_settings s;
	static struct hp_views v;
	http_parser hp;

	if (rounds <= 0 || t == NULL)
		return 2;
	/* Both must read the head the same way before any timing. */
	weir_http_req_init(&req);
	if (weir_http_parse_req(&req, (const uint8_t *)head, len, NULL) != (int)len ||
	    req.n_headers != 10) {
		fprintf(stderr, "bench_http: weir_http_parse_req does not read the head\n");
		return 1;
	}
	memset(&s, 0, sizeof(s));
	s.on_url = on_url;
	s.on_header_field = on_field;
	s.on_header_value = on_value;
	s.on_headers_complete = on_headers_complete;
	http_parser_init(&hp, HTTP_REQUEST);
	hp.data = &v;
	v.base = head;
	http_parser_execute(&hp, &s, head, len);
	if (!v.complete || v.n != 10) {
		fprintf(stderr, "bench_http: http_parser does not read the head\n");
		return 1;
	}

	for (r = 0; r < rounds; r++) {
		uint64_t t0 = now_ns();

		for (i = 0; i < HEADS; i++) {
			weir_http_req_init(&req);
			sink += (uint64_t)weir_http_parse_req(&req, (const uint8_t *)head, len,
							      NULL);
			sink += req.headers[9].value.off;
		}
		t[r] = now_ns() - t0;
	}
	report("weir_http_parse_req", t, rounds, len, req.n_headers);

	for (r = 0; r < rounds; r++) {
		uint64_t t0 = now_ns();

		for (i = 0; i < HEADS; i++) {
			http_parser_init(&hp, HTTP_REQUEST);
			hp.data = &v;
			v.n = 0;
			v.complete = 0;
			sink += http_parser_execute(&hp, &s, head, len);
			sink += v.h[9].value.off;
		}
		t[r] = now_ns() - t0;
	}
	report("http_parser", t, rounds, len, v.n);
	if (sink == 42)
		printf("\n");
	free(t);
	return 0;
}
