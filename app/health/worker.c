/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Health probes on the workers: each worker runs the probes whose local
 * port it owns (p % n_workers), turns their segments (lib/health's
 * weir_probe) into frames for the core to send, takes the backends' answers
 * to probe ports, and posts each verdict to control.
 */
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "core/clock.h"
#include "core/mailbox.h"
#include "core/weir.h"
#include "health/health-priv.h"

#define ETH_HLEN 14

/* The probe's settings, from its pool's health and its backend. */
static void
probe_setup(struct weir_hprobe *h, unsigned int k)
{
	const struct hprobe_def *d = &weir_healthc.probe[k];
	const struct weir_service_config *sc = &weir.cfg->services[d->svc];
	const struct weir_pool_config *pl = &weir.cfg->pools[d->pool];
	const struct weir_health_check_config *hc = &pl->health;
	const struct weir_backend_config *bc = &pl->backends[d->b];
	struct weir_probe_cfg *c = &h->cfg;
	char host[INET6_ADDRSTRLEN + 8], ip[INET6_ADDRSTRLEN];
	unsigned int i;

	h->k = (uint16_t)k;
	h->dport = hc->port != 0 ? hc->port : bc->port;
	h->pi = (uint8_t)sc->out_port;
	h->family = bc->addr.family;
	memcpy(h->src, sc->local_ips[0].ip, 16);
	memcpy(h->dst, bc->addr.ip, 16);
	memset(c, 0, sizeof(*c));
	c->http = hc->http;
	c->timeout_ms = hc->timeout_ms;
	c->rto_ms = hc->timeout_ms / 4 > 10 ? hc->timeout_ms / 4 : 10;
	c->mss = h->family == 4 ? 1460 : 1440;
	if (c->http) {
		if (hc->host[0] != '\0') {
			snprintf(host, sizeof(host), "%s", hc->host);
		} else {
			inet_ntop(h->family == 4 ? AF_INET : AF_INET6, bc->addr.ip, ip, sizeof(ip));
			snprintf(host, sizeof(host), h->family == 4 ? "%s:%u" : "[%s]:%u", ip,
				 h->dport);
		}
		/* The config checked each field; what does not fit fails every probe. */
		if (weir_probe_http_request(c, hc->method, hc->path, host) != 0)
			c->req_len = 0;
		c->n_status = hc->n_status;
		for (i = 0; i < hc->n_status; i++) {
			c->status_lo[i] = hc->status_lo[i];
			c->status_hi[i] = hc->status_hi[i];
		}
		c->body_len = (uint8_t)strlen(hc->body);
		memcpy(c->body, hc->body, c->body_len);
	}
	/* Spread the pool's first probes over one interval (with the RX
	 * timestamp clock: all due at the first packet). */
	h->next_ms = (weir.cfg->clock_rx_timestamp ? 0 : weir_clock_ms(weir_clock_tsc())) +
		     (uint64_t)k * 7 % hc->interval_ms;
}

/* Take the probes of the table this worker owns and has not yet. */
static void
take_new(struct weir_health_worker *hw, unsigned int id)
{
	unsigned int k, n = __atomic_load_n(&weir_healthc.n_probes, __ATOMIC_ACQUIRE);

	for (k = 0; k < n && hw->n < hw->cap; k++)
		if ((WEIR_PROBE_PORT_MIN + k) % weir.n_workers == id && hw->by_port[k] < 0) {
			hw->by_port[k] = (int16_t)hw->n;
			probe_setup(&hw->p[hw->n], k);
			/* The probe is whole before weir_hc_port() and _poll() see it. */
			__atomic_store_n(&hw->n, hw->n + 1, __ATOMIC_RELEASE);
		}
}

int
weir_hc_init_worker(struct weir_health_worker *hw, unsigned int id, int socket,
		    struct rte_ring *outbox, char *err, size_t errlen)
{
	unsigned int k;

	memset(hw, 0, sizeof(*hw));
	hw->outbox = outbox;
	hw->id = id;
	/* Room for every probe port it owns: a reload may add probes. */
	if (!weir_healthc.ports_kept)
		return 0;
	for (k = 0; k < WEIR_PROBE_PORTS; k++)
		hw->cap += (WEIR_PROBE_PORT_MIN + k) % weir.n_workers == id;
	hw->p = rte_zmalloc_socket("weir_probes", sizeof(*hw->p) * hw->cap, RTE_CACHE_LINE_SIZE,
				   socket);
	hw->by_port = rte_malloc_socket("weir_probe_ports", sizeof(int16_t) * WEIR_PROBE_PORTS, 0,
					socket);
	if (hw->p == NULL || hw->by_port == NULL) {
		snprintf(err, errlen, "worker %u: cannot allocate its %u health probes: %s", id,
			 hw->cap, rte_strerror(rte_errno));
		weir_hc_fini_worker(hw);
		return -1;
	}
	for (k = 0; k < WEIR_PROBE_PORTS; k++)
		hw->by_port[k] = -1;
	take_new(hw, id);
	return 0;
}

void
weir_hc_fini_worker(struct weir_health_worker *hw)
{
	unsigned int i;

	for (i = 0; i < hw->n_out; i++)
		rte_pktmbuf_free(hw->out[i]);
	hw->n_out = 0;
	rte_free(hw->p);
	rte_free(hw->by_port);
	hw->p = NULL;
	hw->by_port = NULL;
	hw->n = 0;
}

/* Queue segments of probe h for the core to send to mac. */
static void
send_segs(struct weir_health_worker *hw, const struct weir_hprobe *h, const uint8_t *mac,
	  const struct weir_probe_seg *seg, unsigned int n)
{
	const struct weir_port *port = &weir.ports[h->pi];
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct weir_pkt_tcp t = {
			.family = h->family,
			.src = h->src,
			.dst = h->dst,
			.sport = (uint16_t)(WEIR_PROBE_PORT_MIN + h->k),
			.dport = h->dport,
			.seq = seg[i].seq,
			.ack = seg[i].ack,
			.win = seg[i].win,
			.flags = seg[i].flags,
			.opts_len = seg[i].opts_len,
			.opts = seg[i].opts,
			.data = seg[i].data,
			.data_len = seg[i].data_len,
		};
		struct rte_mbuf *m;
		uint8_t *b;
		size_t len;

		if (hw->n_out == WEIR_HEALTH_OUT_MAX ||
		    (m = rte_pktmbuf_alloc(weir.pool)) == NULL) {
			hw->stats.probe_no_mbuf++; /* as if lost on the wire: retransmitted */
			continue;
		}
		b = rte_pktmbuf_mtod(m, uint8_t *);
		memcpy(b, mac, 6);
		memcpy(b + 6, port->mac.addr_bytes, 6);
		b[12] = h->family == 4 ? 0x08 : 0x86;
		b[13] = h->family == 4 ? 0x00 : 0xdd;
		len = weir_pkt_tcp_build(b, rte_pktmbuf_tailroom(m), ETH_HLEN, &t);
		if (len == 0) {
			rte_pktmbuf_free(m);
			hw->stats.probe_no_mbuf++;
			continue;
		}
		m->data_len = (uint16_t)len;
		m->pkt_len = (uint32_t)len;
		m->port = port->port_id;
		hw->out[hw->n_out] = m;
		hw->out_port[hw->n_out++] = h->pi;
		hw->stats.probe_segments++;
	}
}

/* A verdict: to control, and the next exchange one interval after this one began. */
static void
finish(struct weir_health_worker *hw, struct weir_hprobe *h, unsigned int why, uint64_t tsc,
       uint64_t now_ms)
{
	const struct weir_health_check_config *hc =
		&weir.cfg->pools[weir_healthc.probe[h->k].pool].health;
	struct health_result r;

	memset(&r, 0, sizeof(r));
	r.k = h->k;
	r.ok = why == WEIR_PF_NONE;
	r.why = (uint8_t)why;
	r.status = why == HEALTH_FAIL_NO_MAC ? 0 : h->pr.status;
	r.latency_us = tsc != 0 ? (uint32_t)(weir_cycles_ns(tsc - h->start_tsc) / 1000)
				: (uint32_t)((now_ms - h->start_ms) * 1000);
	if (weir_mailbox_post(hw->outbox, WEIR_MSG_PROBE_RESULT, &r, sizeof(r)) != 0)
		hw->stats.probe_results_lost++;
	h->active = 0;
	if (h->resetup) {
		h->resetup = 0;
		probe_setup(h, h->k);
		return;
	}
	h->next_ms += hc->interval_ms;
	if (h->next_ms <= now_ms)
		h->next_ms = now_ms + hc->interval_ms;
}

/* When probe h next needs attention. */
static uint64_t
due(const struct weir_hprobe *h)
{
	uint64_t end;

	if (!h->active)
		return h->next_ms;
	end = h->pr.start_ms + h->cfg.timeout_ms;
	return h->pr.state == WEIR_PROBE_DONE ? 0 : h->pr.rtx_ms < end ? h->pr.rtx_ms : end;
}

/* The ISN of an exchange: random, or with the RX timestamp clock (tsc 0)
 * (k + 1) << 24 | exchange << 12, for captures that answer it. */
static uint32_t
isn_of(const struct weir_hprobe *h, uint64_t tsc)
{
	return tsc != 0 ? (uint32_t)rte_rand()
			: (uint32_t)(h->k + 1) << 24 | (h->exchanges & 0xfffu) << 12;
}

void
weir_hc_poll(struct weir_health_worker *hw, uint64_t now, uint64_t tsc, weir_hc_mac_fn mac,
	     void *arg)
{
	struct weir_probe_seg seg[WEIR_PROBE_OUT_MAX];
	uint64_t next = UINT64_MAX;
	unsigned int i, n;
	uint8_t nh[6];

	if (hw->n == 0 || now < hw->next_ms)
		return;
	for (i = 0; i < hw->n && hw->n_out + WEIR_PROBE_OUT_MAX <= WEIR_HEALTH_OUT_MAX; i++) {
		struct weir_hprobe *h = &hw->p[i];
		const struct hprobe_def *d = &weir_healthc.probe[h->k];

		if (!h->active && d->off) {
			h->now = 0; /* removed: not probed, not due */
			h->next_ms = UINT64_MAX;
		} else if (!h->active && (h->now || now >= h->next_ms)) {
			h->now = 0;
			h->start_tsc = tsc;
			h->start_ms = now;
			hw->stats.probes_started++;
			if (mac(arg, d->svc, d->b, nh) != 0) {
				hw->stats.probe_no_mac++;
				finish(hw, h, HEALTH_FAIL_NO_MAC, tsc, now);
			} else {
				h->active = 1;
				n = weir_probe_start(&h->pr, &h->cfg, isn_of(h, tsc), now, seg);
				h->exchanges++;
				send_segs(hw, h, nh, seg, n);
			}
		} else if (h->active && now >= due(h)) {
			n = weir_probe_timer(&h->pr, &h->cfg, now, seg);
			if (n > 0 && mac(arg, d->svc, d->b, nh) == 0)
				send_segs(hw, h, nh, seg, n);
			if (h->pr.state == WEIR_PROBE_DONE)
				finish(hw, h, h->pr.fail, tsc, now);
		}
		if (due(h) < next)
			next = due(h);
	}
	/* Probes not visited (the queue was full) are looked at next time. */
	hw->next_ms = i < hw->n ? now : next;
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct weir_verdict
weir_hc_input(struct weir_health_worker *hw, const uint8_t *buf, const struct weir_pkt *p,
	      uint64_t now_ms, uint64_t tsc, weir_hc_mac_fn mac, void *arg)
{
	const uint8_t *ip = buf + p->l2_len, *th = buf + p->l4_off;
	uint16_t dport = (uint16_t)(th[2] << 8 | th[3]);
	struct weir_probe_seg seg[WEIR_PROBE_OUT_MAX];
	struct weir_probe_in in;
	struct weir_hprobe *h;
	size_t doff;
	unsigned int n;
	uint8_t nh[6];
	int i;

	i = hw->by_port != NULL ? hw->by_port[dport - WEIR_PROBE_PORT_MIN] : -1;
	h = i >= 0 ? &hw->p[i] : NULL;
	/* Only the probed backend's answers, from the probed port, on the
	 * exchange in flight (a late answer to an old one is stray). */
	if (h == NULL || !h->active || p->l4_proto != 6 ||
	    (uint16_t)(th[0] << 8 | th[1]) != h->dport ||
	    memcmp(h->family == 4 ? ip + 12 : ip + 8, h->dst, h->family == 4 ? 4 : 16) != 0) {
		hw->stats.probe_stray++;
		return weir_v(WEIR_V_CONSUMED, 0);
	}
	doff = (size_t)(th[12] >> 4) * 4;
	in.flags = th[13];
	in.seq = rd32(th + 4);
	in.ack = rd32(th + 8);
	in.data = th + doff;
	in.data_len = p->l4_len > doff ? p->l4_len - doff : 0;
	hw->stats.probe_replies++;
	n = weir_probe_input(&h->pr, &h->cfg, &in, now_ms, seg);
	if (n > 0 && mac(arg, weir_healthc.probe[h->k].svc, weir_healthc.probe[h->k].b, nh) == 0)
		send_segs(hw, h, nh, seg, n);
	if (h->pr.state == WEIR_PROBE_DONE)
		finish(hw, h, h->pr.fail, tsc, now_ms);
	hw->next_ms = 0; /* deadlines moved: look again on the next poll */
	return weir_v(WEIR_V_CONSUMED, 0);
}

void
weir_hc_probe_now(struct weir_health_worker *hw, const void *payload)
{
	const struct health_now *msg = payload;
	int i = hw->by_port != NULL && msg->k < WEIR_PROBE_PORTS ? hw->by_port[msg->k] : -1;

	if (i >= 0) {
		hw->p[i].now = 1;
		hw->next_ms = 0;
	}
}

void
weir_hc_probe_setup(struct weir_health_worker *hw, const void *payload)
{
	const struct health_setup *msg = payload;
	unsigned int i, n = hw->n;

	if (hw->p == NULL)
		return;
	take_new(hw, hw->id);
	for (i = 0; i < n; i++) {
		struct weir_hprobe *h = &hw->p[i];

		if (weir_healthc.probe[h->k].pool != msg->pool)
			continue;
		if (h->active)
			h->resetup = 1; /* after the exchange in flight */
		else
			probe_setup(h, h->k);
	}
	hw->next_ms = 0;
}
