/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP stage's request heads: collected by weir's endpoint, parsed,
 * routed and rewritten, or answered by weir (its own responses).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http/http-priv.h"
#include "weir_http_body.h"
#include "weir_http_out.h"

/* ---- weir's answers -------------------------------------------------------------- */

static void
count_status(struct weir_http_worker *hw, int status)
{
	hw->stats.http_answers++;
	switch (status) {
	case 400:
		hw->stats.http_400++;
		break;
	case 404:
		hw->stats.http_404++;
		break;
	case 408:
		hw->stats.http_408++;
		break;
	case 414:
		hw->stats.http_414++;
		break;
	case 431:
		hw->stats.http_431++;
		break;
	case 501:
		hw->stats.http_501++;
		break;
	case 502:
		hw->stats.http_502++;
		break;
	case 503:
		hw->stats.http_503++;
		break;
	case 505:
		hw->stats.http_505++;
		break;
	default:
		break;
	}
}

void
http_answer(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	    struct weir_http_ctx *x, int status, const char *error)
{
	struct weir_tcp_ep_out o = {0};
	uint8_t *resp;
	size_t len;

	if (x->buf == 0 || x->ep.state != WEIR_TCP_EP_COLLECT)
		return;
	resp = http_buf(hw, x) + hw->buf_size - WEIR_HTTP_BUF_ANSWER;
	len = x->pre_len != 0 ? x->pre_len
			      : weir_http_response(resp, WEIR_HTTP_BUF_ANSWER, status, error,
						   time(NULL), 1);
	x->pre_len = 0;
	x->phase = WEIR_HTTP_P_ANSWER;
	count_status(hw, status);
	if (weir_tcp_ep_respond(&x->ep, resp, (uint32_t)len, 1, hw->now_ms, &o) >= 0)
		http_ep_out(hw, idx, c, x, &o);
}

/* ---- the head ---------------------------------------------------------------------- */

static void
addr_str(const struct weir_conn *c, char *s, size_t n)
{
	inet_ntop(c->client.family == 4 ? AF_INET : AF_INET6, c->client.src, s, (socklen_t)n);
}

/*
 * Route request r and rewrite its head (region[0, head_len)) into hw->scratch
 * (at most room bytes): the rewritten length, with *svc the service to
 * pick the backend from; or -status for weir to answer (*why its message).
 */
int
http_route_rewrite(struct weir_http_worker *hw, const struct weir_conn *c, struct weir_http_ctx *x,
		   const struct weir_http_req *r, const uint8_t *region, uint32_t head_len,
		   uint32_t room, unsigned int *svc, const char **why)
{
	const struct weir_http_config *h = http_conf(x);
	uint64_t *hits = &hw->route_hits[x->parent * (WEIR_HTTP_ROUTES_MAX + 1)];
	char client[64], rid[40];
	struct weir_http_edit e[9];
	unsigned int n = 0;
	size_t rw;
	int route, g;

	hw->stats.http_heads++;
	if (r->method == WEIR_HTTP_CONNECT) {
		*why = "CONNECT is not supported";
		return -501;
	}
	route = weir_http_route_match(&h->routes, region + r->host.off, r->host.len,
				      region + r->path.off, r->path.len);
	if (route < 0 && h->default_404) {
		hits[WEIR_HTTP_ROUTES_MAX]++;
		*why = "no route";
		return -404;
	}
	*svc = route >= 0 ? h->route[route].service : x->parent;
	hits[route >= 0 ? (unsigned int)route : WEIR_HTTP_ROUTES_MAX]++;
	g = http_gate_request(hw, c, x, r, region, route, e, why);
	if (g < 0)
		return g;
	n = (unsigned int)g;

	addr_str(c, client, sizeof(client));
	e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_APPEND, "X-Forwarded-For", client};
	e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_SET, "X-Forwarded-Proto",
					 h->forwarded_proto};
	if (weir_http_header_find(r, region, "x-request-id") < 0) {
		/* 128 bits keyed by the worker's secret over what makes the
		 * request unique: not guessable, not repeated. */
		uint64_t in[3] = {(uint64_t)c->client.sport << 16 | c->client.dport,
				  (uint64_t)x->s.c_isn << 32 | hw->id, hw->stats.http_heads};

		snprintf(rid, sizeof(rid), "%016llx%016llx",
			 (unsigned long long)weir_tcp_siphash24(hw->rid_key, in, sizeof(in)),
			 (unsigned long long)weir_tcp_siphash24(hw->rid_key + 2, in, sizeof(in)));
		e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_ADD, "X-Request-Id", rid};
	}
	e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_APPEND, "Via", weir_http_via[x->parent]};
	e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_DEL, "Proxy-Connection", NULL};
	rw = weir_http_rewrite(r, region, head_len, e, n, hw->scratch, room);
	if (rw == 0) {
		*why = "request head too large";
		return -431;
	}
	weir_http_body_req(&x->rb, r);
	x->c2b = r->upgrade ? WEIR_HTTP_C2B_OPAQUE : WEIR_HTTP_C2B_BODY;
	http_rsp_sent(hw, x, r->method);
	return (int)rw;
}

/*
 * The first head is complete: route it, rewrite it in place (the body bytes
 * taken after it move with it) and ask for a backend. Returns 1 when routed.
 */
static int
head_done(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	  struct weir_http_ctx *x, const struct weir_http_req *r, uint32_t head_len)
{
	uint8_t *buf = http_buf(hw, x);
	uint32_t extra = x->ep.len - head_len;
	const char *why = NULL;
	unsigned int svc = 0;
	int rw;

	rw = http_route_rewrite(hw, c, x, r, buf, head_len,
				hw->buf_size - WEIR_HTTP_BUF_ANSWER - extra, &svc, &why);
	if (rw < 0) {
		http_answer(hw, idx, c, x, -rw, why);
		return 0;
	}
	memmove(buf + rw, buf + head_len, extra);
	memcpy(buf, hw->scratch, (size_t)rw);
	x->head_rw = (uint32_t)rw;
	x->ep.len = (uint32_t)rw + extra;
	x->ep.cap = hw->buf_size - WEIR_HTTP_BUF_ANSWER;
	x->ep.hdr_deadline = UINT64_MAX;    /* the head is in */
	x->shift = (uint32_t)rw - head_len; /* the splice's d_c2b, once the backend answers */
	hw->bind_svc = svc;
	return 1;
}

/* Parse what the buffer holds; 1 when the head is routed (bind it). */
static int
parse(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c, struct weir_http_ctx *x)
{
	const struct weir_http_config *h = http_conf(x);
	struct weir_http_limits lim = {h->head_max, h->headers_max, h->target_max};
	struct weir_http_req *r = &hw->req;
	int rc;

	weir_http_req_init(r);
	r->scanned = x->scanned;
	rc = weir_http_parse_req(r, http_buf(hw, x), x->ep.len, &lim);
	x->scanned = r->scanned;
	if (rc == 0) {
		if (x->ep.len >= h->head_max) {
			hw->stats.http_head_full++;
			http_answer(hw, idx, c, x, 431, "request head too large");
		}
		return 0;
	}
	if (rc < 0) {
		http_answer(hw, idx, c, x, -rc,
			    weir_http_fault_name((enum weir_http_fault)r->fault));
		return 0;
	}
	return head_done(hw, idx, c, x, r, (uint32_t)rc);
}

/* A client segment for the endpoint (before the splice). 1: routed. */
int
http_collect(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	     struct weir_http_ctx *x, const uint8_t *buf, const struct weir_pkt *p)
{
	struct weir_tcp_seg seg;
	struct weir_tcp_ep_seg in;
	struct weir_tcp_ep_out o = {0};
	uint8_t *tcp = (uint8_t *)buf + p->l4_off;

	http_seg_of((uint8_t *)buf, p, &seg);
	in.flags = seg.flags;
	in.seq = seg.seq;
	in.ack = seg.ack;
	in.win = seg.win;
	in.len = seg.len;
	in.data = tcp + 20 + seg.opts_len;
	weir_tcp_ep_input(&x->ep, &in, hw->now_ms, &o);
	http_ep_out(hw, idx, c, x, &o);
	if (x->ep.state == WEIR_TCP_EP_CLOSED) {
		if (x->phase == WEIR_HTTP_P_CONNECT) {
			/* The client reset while the backend handshake runs. */
			struct weir_tcp_emit rc, rb;

			weir_tcp_sp_abort(&x->s, &rc, &rb);
			http_frame(hw, idx, c, 1, rb.flags, rb.seq, rb.ack, 0, NULL, 0, NULL, 0);
		}
		x->phase = WEIR_HTTP_P_ANSWER;
		return 0;
	}
	if ((o.ev & WEIR_TCP_EP_EV_FIN) && x->phase == WEIR_HTTP_P_CONNECT)
		x->fin_in = 1;
	if (x->phase != WEIR_HTTP_P_COLLECT)
		return 0;
	if (o.ev & WEIR_TCP_EP_EV_DATA && parse(hw, idx, c, x)) {
		/* The client closed after its request (ACKed already): the
		 * FIN follows weir's prefix to the backend. */
		if (o.ev & WEIR_TCP_EP_EV_FIN)
			x->fin_in = 1;
		return 1;
	}
	if ((o.ev & WEIR_TCP_EP_EV_FIN) && x->phase == WEIR_HTTP_P_COLLECT) {
		/* The client closed before its head ended: nothing to answer. */
		struct weir_tcp_ep_out f = {0};

		x->phase = WEIR_HTTP_P_ANSWER;
		if (weir_tcp_ep_respond(&x->ep, NULL, 0, 1, hw->now_ms, &f) >= 0)
			http_ep_out(hw, idx, c, x, &f);
	}
	return 0;
}
