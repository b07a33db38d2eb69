/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Microbenchmark of lib/http_lite's request head parser against Debian's
 * libhttp-parser (nodejs/http-parser 2.9), on the same typical API request:
 * about 400 bytes, 10 headers. Both parse the whole head and hand out the
 * header views (http-parser through its callbacks, storing offsets as
 * weir_http_parse_req() does). Then a request through weir's end of the
 * client's connection as a worker runs it, without frames: the endpoint
 * opened from a cookie, the ACK carrying the head taken into the head
 * buffer, the head parsed and either rewritten for the backend
 * (X-Forwarded-For, X-Forwarded-Proto, X-Request-Id, Via: "endpoint_route")
 * or answered 404 by weir with its close handshake ("endpoint_404").
 * Prints one JSON object per case on stdout (bench/run.sh collects them):
 * the median and best of the rounds, ns (and TSC cycles) per head.
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
#include "weir_http_out.h"
#include "weir_tcp_endpoint.h"

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

static double tsc_per_ns;

static void
report(const char *name, uint64_t *t, int rounds, size_t bytes, unsigned int headers)
{
	qsort(t, (size_t)rounds, sizeof(*t), cmp_u64);
	printf("{\"case\": \"%s\", \"bytes\": %zu, \"headers\": %u, \"heads\": %d, "
	       "\"ns_per_head\": %.1f, \"best_ns_per_head\": %.1f, \"cycles_per_head\": %.0f}\n",
	       name, bytes, headers, HEADS, (double)t[rounds / 2] / HEADS, (double)t[0] / HEADS,
	       (double)t[rounds / 2] / HEADS * tsc_per_ns);
}

/* TSC cycles per ns, measured against the monotonic clock over 50 ms. */
static double
tsc_rate(void)
{
	uint64_t t0 = now_ns(), c0 = __builtin_ia32_rdtsc(), t1;

	while ((t1 = now_ns()) - t0 < 50000000u)
		;
	return (double)(__builtin_ia32_rdtsc() - c0) / (double)(t1 - t0);
}

static uint8_t ep_buf[8192 + 2048];
static uint8_t rw_out[8192 + 1024];

/*
 * One request through weir's endpoint: open, the ACK with the head, parse,
 * then the rewrite for the backend (route) or weir's 404 with the client's
 * ACK of it and the FIN exchange (answer). Returns something to sink.
 */
static uint64_t
endpoint_request(struct weir_http_req *req, int answer)
{
	static const struct weir_http_edit e[] = {
		{WEIR_HTTP_EDIT_APPEND, "X-Forwarded-For", "198.18.0.2"},
		{WEIR_HTTP_EDIT_SET, "X-Forwarded-Proto", "http"},
		{WEIR_HTTP_EDIT_APPEND, "Via", "1.1 weir"},
		{WEIR_HTTP_EDIT_DEL, "Proxy-Connection", NULL},
	};
	struct weir_tcp_ep_params p = {
		.iss = 1000, .irs = 5000, .mss = 1460, .peer_wscale = 7, .wscale = 7};
	struct weir_tcp_ep_seg in = {WEIR_TCP_F_ACK | WEIR_TCP_F_PSH,
				     5001,
				     1001,
				     502,
				     (const uint8_t *)head,
				     sizeof(head) - 1};
	static struct weir_tcp_ep_out out;
	static struct weir_tcp_ep ep;
	uint8_t *resp = ep_buf + 8192;
	size_t n;
	int rc;

	weir_tcp_ep_open(&ep, &p, ep_buf, 8192, 1);
	out.n = 0;
	out.ev = 0;
	weir_tcp_ep_input(&ep, &in, 1, &out);
	weir_http_req_init(req);
	rc = weir_http_parse_req(req, ep_buf, ep.len, NULL);
	if (!answer)
		return rc +
		       weir_http_rewrite(req, ep_buf, (size_t)rc, e, 4, rw_out, sizeof(rw_out));
	n = weir_http_response(resp, 1024, 404, "no route", 1700000000, 1);
	out.n = 0;
	weir_tcp_ep_respond(&ep, resp, (uint32_t)n, 1, 1, &out);
	in.flags = WEIR_TCP_F_ACK;
	in.seq = ep.rcv_nxt;
	in.ack = 1001 + (uint32_t)n;
	in.data = NULL;
	in.len = 0;
	out.n = 0;
	weir_tcp_ep_input(&ep, &in, 2, &out); /* the answer ACKed: weir's FIN */
	in.flags = WEIR_TCP_F_ACK | WEIR_TCP_F_FIN;
	in.ack = 1001 + (uint32_t)n + 1;
	out.n = 0;
	weir_tcp_ep_input(&ep, &in, 3, &out); /* the client's FIN: TIME_WAIT */
	return (uint64_t)rc + n + ep.state;
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
	tsc_per_ns = tsc_rate();
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

	/* Checked once before timing: the rewrite happens, the 404 ends in TIME_WAIT. */
	if (endpoint_request(&req, 0) <= len ||
	    endpoint_request(&req, 1) < len + WEIR_TCP_EP_TIME_WAIT) {
		fprintf(stderr, "bench_http: the endpoint does not take the request\n");
		return 1;
	}
	for (i = 0; i < 2; i++) {
		for (r = 0; r < rounds; r++) {
			uint64_t t0 = now_ns();
			int k;

			for (k = 0; k < HEADS; k++)
				sink += endpoint_request(&req, i);
			t[r] = now_ns() - t0;
		}
		report(i == 0 ? "endpoint_route" : "endpoint_404", t, rounds, len, req.n_headers);
	}
	if (sink == 42)
		printf("\n");
	free(t);
	return 0;
}
