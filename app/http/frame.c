/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP stage's frames: segments weir makes up for a connection's
 * client or backend, the endpoint's output, events for the worker loop.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "http/http-priv.h"

#define ETH_HLEN 14

/* The segment as the splice sees it; options stay in the mbuf. */
void
http_seg_of(uint8_t *buf, const struct weir_pkt *p, struct weir_tcp_seg *s)
{
	weir_tcp_seg_read(buf + p->l4_off, p->l3_total - (uint32_t)(p->l4_off - p->l2_len), s);
}

void
http_seg_store(uint8_t *buf, const struct weir_pkt *p, const struct weir_tcp_seg *s, uint32_t csum)
{
	weir_tcp_seg_write(buf + p->l4_off, s, csum);
}

uint8_t *
http_buf(const struct weir_http_worker *hw, const struct weir_http_ctx *x)
{
	return hw->bufs + (size_t)(x->buf - 1) * hw->buf_size;
}

void
http_buf_put(struct weir_http_worker *hw, struct weir_http_ctx *x)
{
	if (x->buf == 0)
		return;
	hw->buf_owner[x->buf - 1] = WEIR_CONN_NONE;
	hw->buf_free[hw->n_free++] = x->buf - 1;
	x->buf = 0;
}

const struct weir_http_config *
http_conf(const struct weir_http_ctx *x)
{
	return weir.cfg->services[x->parent].http;
}

/* ---- frames weir makes --------------------------------------------------------- */

/* Queue a segment of connection idx to its backend or its client. */
void
http_frame(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c, int to_backend,
	   uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const uint8_t *data,
	   uint32_t len, const uint8_t *opts, uint8_t opts_len)
{
	uint8_t family = c->client.family;
	struct weir_pkt_tcp t = {
		.family = family,
		.seq = seq,
		.ack = ack,
		.win = win,
		.flags = flags,
		.opts_len = opts_len,
		.opts = opts,
		.data = data,
		.data_len = (uint16_t)len,
	};
	struct rte_mbuf *m;
	uint8_t *b;
	size_t n;

	if (to_backend) {
		t.src = c->local_ip;
		t.dst = c->backend_ip;
		t.sport = rte_be_to_cpu_16(c->lport);
		t.dport = rte_be_to_cpu_16(c->bport);
	} else {
		t.src = c->client.dst;
		t.dst = c->client.src;
		t.sport = rte_be_to_cpu_16(c->client.dport);
		t.dport = rte_be_to_cpu_16(c->client.sport);
	}
	if (hw->n_out == WEIR_HTTP_OUT_MAX || (m = rte_pktmbuf_alloc(weir.pool)) == NULL) {
		hw->stats.http_no_mbuf++; /* as if lost: retransmitted */
		return;
	}
	b = rte_pktmbuf_mtod(m, uint8_t *);
	b[12] = family == 4 ? 0x08 : 0x86;
	b[13] = family == 4 ? 0x00 : 0xdd;
	n = weir_pkt_tcp_build(b, rte_pktmbuf_tailroom(m), ETH_HLEN, &t);
	if (n == 0) {
		rte_pktmbuf_free(m);
		hw->stats.http_no_mbuf++;
		return;
	}
	m->data_len = (uint16_t)n;
	m->pkt_len = (uint32_t)n;
	hw->out[hw->n_out].m = m;
	hw->out[hw->n_out].idx = idx;
	hw->out[hw->n_out].to_backend = (uint8_t)to_backend;
	hw->n_out++;
}

void
http_event_q(struct weir_http_worker *hw, uint32_t idx, uint8_t ev)
{
	if (hw->n_ev < WEIR_HTTP_OUT_MAX) {
		hw->ev[hw->n_ev].idx = idx;
		hw->ev[hw->n_ev].ev = ev;
		hw->n_ev++;
	}
}

/* The endpoint's segments to the client, and its end. */
void
http_ep_out(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
	    struct weir_http_ctx *x, const struct weir_tcp_ep_out *o)
{
	unsigned int i;

	for (i = 0; i < o->n; i++) {
		const struct weir_tcp_ep_tx *t = &o->seg[i];

		http_frame(hw, idx, c, 0, t->flags, t->seq, t->ack, t->win, t->data, t->len, NULL,
			   0);
	}
	if (o->ev & WEIR_TCP_EP_EV_RESET)
		hw->stats.http_resets++;
	if (o->ev & WEIR_TCP_EP_EV_CLOSED) {
		http_buf_put(hw, x);
		http_event_q(hw, idx, WEIR_EV_CLOSED);
	}
}
