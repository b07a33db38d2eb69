/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stages in order for the packets a worker owns (app/core/pipeline.h):
 *
 *   responder   ARP, ND and echo for our addresses (lib/pkt), neighbour
 *               observations (L4)
 *   reply       a backend's packet: its connection (L4), the splice (SP),
 *               state and rewrite (L4)
 *   client      a client's packet with a connection: packet limits and bans
 *               (ADM), the splice (SP), state and rewrite (L4)
 *   new flow    without one: prefixes and bans (ADM), SYN cookies (SP),
 *               limits (ADM), backend and connection (L4), the cookie's
 *               backend handshake (SP); for an http service, the
 *               connection without backend and its endpoint (HTTP)
 *   http        an http service's connection: the HTTP stage, which asks
 *               for a backend once the request is routed (L4 binds it)
 *
 * Stages decide and return verdicts; this file is the only one that sends,
 * drops or hands a packet from one stage to the next.
 */
#include <errno.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "adm/adm.h"
#include "adm/srctab.h"
#include "core/clock.h"
#include "core/mailbox.h"
#include "core/pipeline.h"
#include "core/rcu.h"
#include "core/tx.h"
#include "health/health.h"
#include "http/http.h"
#include "l4/l4.h"
#include "sp/sp.h"

#define EXPIRE_BUDGET 256    /* connections aged per loop iteration */
#define HTTP_TIMER_BUDGET 64 /* http connections' timers checked per loop iteration */
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* The TCP header, or NULL for UDP. */
static inline const uint8_t *
tcp_hdr(const struct rte_mbuf *m, const struct weir_pkt *p)
{
	return p->l4_proto == 6 ? rte_pktmbuf_mtod(m, const uint8_t *) + p->l4_off : NULL;
}

static inline uint8_t
tcp_flags(const struct rte_mbuf *m, const struct weir_pkt *p)
{
	return p->l4_proto == 6 ? tcp_hdr(m, p)[13] : 0;
}

unsigned int
weir_owner(const struct weir_worker *w, const uint8_t *buf, const struct weir_pkt *p)
{
	unsigned int nw = weir.n_workers;

	if ((p->l3 == WEIR_L3_IPV4 || p->l3 == WEIR_L3_IPV6) &&
	    (p->l4_proto == 6 || p->l4_proto == 17) && !(p->flags & WEIR_PKT_F_FRAG)) {
		const uint8_t *ip = buf + p->l2_len;
		uint8_t family = p->l3 == WEIR_L3_IPV4 ? 4 : 6;

		if (weir_l4_local(w->l4.snap, family, family == 4 ? ip + 16 : ip + 24) >= 0)
			return (unsigned int)(buf[p->l4_off + 2] << 8 | buf[p->l4_off + 3]) % nw;
	}
	return weir_pkt_client_hash(buf, p) % nw;
}

/* ---- acting on verdicts ---- */

/* A verdict that ends the packet's way: sent, kept by its stage, or
 * dropped (an RST that could not be made, too: its reason). */
static inline void
act(struct weir_worker *w, struct rte_mbuf *m, struct weir_verdict v)
{
	if (v.kind == WEIR_V_TX)
		weir_tx(w, v.reason, m);
	else if (v.kind == WEIR_V_CONSUMED)
		rte_pktmbuf_free(m);
	else if (v.kind != WEIR_V_KEPT)
		weir_drop(w, m, v.reason);
}

/* A refusal (admission's, or no backend serving): a drop, or an RST
 * answering the SYN if it can. */
static void
refused(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p, struct weir_verdict v)
{
	if (v.kind == WEIR_V_RST) {
		unsigned int pi = weir.port_index[m->port];
		size_t len = weir_pkt_tcp_rst_for_syn(rte_pktmbuf_mtod(m, uint8_t *),
						      m->data_len + rte_pktmbuf_tailroom(m), p,
						      weir.ports[pi].mac.addr_bytes);

		if (len != 0) {
			m->data_len = (uint16_t)len;
			m->pkt_len = (uint32_t)len;
			m->ol_flags = 0;
			if (v.reason == WEIR_DROP_NO_BACKEND)
				w->l4.stats.no_backend_rst++;
			else
				w->adm.stats.rl_rst++;
			weir_tx(w, pi, m);
			return;
		}
	}
	act(w, m, v);
}

/* A SYN proxy verdict about connection c (slot idx): its event, then the
 * packet. count: a segment towards the backend stands for a client's. */
static void
sp_act(struct weir_worker *w, struct rte_mbuf *m, uint32_t idx, struct weir_conn *c,
       struct weir_verdict v, int count)
{
	if (v.event == WEIR_EV_ESTABLISHED)
		weir_l4_established(&w->l4, c);
	else if (v.event == WEIR_EV_CLOSED || v.event == WEIR_EV_REFUSED)
		weir_l4_closed(&w->l4, idx, c, v.event == WEIR_EV_REFUSED);
	if (v.kind == WEIR_V_TO_BACKEND)
		v = weir_l4_xmit_backend(&w->l4, m, c, count);
	else if (v.kind == WEIR_V_TO_CLIENT)
		v = weir_l4_xmit_client(&w->l4, m, c);
	act(w, m, v);
}

/* Release what every stage holds for a connection going away. */
static void
conn_gone(void *arg, uint32_t idx, struct weir_conn *c)
{
	struct weir_worker *w = arg;

	if (c->flags & WEIR_CONN_F_SPLICE)
		weir_sp_held_free(&w->sp, idx);
	if (w->http.ctx != NULL)
		weir_http_gone(&w->http, idx);
	weir_adm_release(&w->adm, c->src_ref);
}

struct weir_conn *
weir_core_conn(void *arg, uint32_t idx)
{
	struct weir_worker *w = arg;

	return weir_l4_conn(&w->l4, idx);
}

/* ---- http ---- */

/* Send what the HTTP stage made up, and tell L4 what happened to its connections. */
static void
http_flush(struct weir_worker *w)
{
	struct weir_http_worker *hw = &w->http;
	unsigned int i;

	for (i = 0; i < hw->n_out; i++) {
		struct weir_conn *c = weir_l4_conn(&w->l4, hw->out[i].idx);
		struct rte_mbuf *m = hw->out[i].m;

		act(w, m,
		    hw->out[i].to_backend ? weir_l4_xmit_backend(&w->l4, m, c, 0)
					  : weir_l4_xmit_client(&w->l4, m, c));
	}
	hw->n_out = 0;
	for (i = 0; i < hw->n_ev; i++) {
		uint32_t idx = hw->ev[i].idx;
		struct weir_conn *c = weir_l4_conn(&w->l4, idx);

		if (hw->ev[i].ev == WEIR_EV_CLOSED || hw->ev[i].ev == WEIR_EV_REFUSED)
			weir_l4_closed(&w->l4, idx, c,
				       hw->ev[i].ev == WEIR_EV_REFUSED &&
					       c->backend != WEIR_CONN_UNBOUND);
	}
	hw->n_ev = 0;
}

/* An http verdict's event: a routed request gets its backend, a handshake's end is L4's. */
static void
http_event(struct weir_worker *w, uint32_t idx, struct weir_conn *c, struct weir_verdict v)
{
	if (v.event == WEIR_EV_ROUTE) {
		unsigned int svc = w->http.bind_svc;
		struct weir_l4_pick pick;
		int status = 503;

		if (weir_l4_pick(&w->l4, svc, &c->client, &pick).kind == WEIR_V_CONTINUE &&
		    weir_l4_bind(&w->l4, idx, c, svc, &pick) == 0)
			status = 0;
		weir_http_bound(&w->http, idx, c, status);
	} else if (v.event == WEIR_EV_ESTABLISHED) {
		weir_l4_established(&w->l4, c);
	} else if (v.event == WEIR_EV_REFUSED) {
		weir_l4_closed(&w->l4, idx, c, 1);
	}
	http_flush(w);
}

/* A segment of an http connection from its client (from_client 1) or its
 * backend: the HTTP stage's verdict, or tracked and forwarded as translated. */
static void
http_segment(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p, uint32_t idx,
	     struct weir_conn *c, int from_client)
{
	struct weir_verdict v = from_client ? weir_http_from_client(&w->http, m, p, idx, c)
					    : weir_http_from_backend(&w->http, m, p, idx, c);

	http_event(w, idx, c, v);
	if (v.kind != WEIR_V_CONTINUE) {
		act(w, m, v);
		return;
	}
	weir_l4_track(&w->l4, idx, c, tcp_hdr(m, p), from_client);
	act(w, m,
	    from_client ? weir_l4_to_backend(&w->l4, m, p, c) : weir_l4_to_client(&w->l4, m, p, c));
}

/*
 * A packet to an http service without a connection: SYNs get cookies, a
 * valid cookie's ACK a connection without backend (its request routes it).
 */
static void
http_new(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p, unsigned int svc,
	 const struct weir_conn_key *k)
{
	uint8_t flags = tcp_flags(m, p) & (TCP_SYN | TCP_ACK | TCP_RST);
	struct weir_sp_accept spa;
	struct weir_verdict v;
	uint32_t ref[2], idx;
	int allowed;

	if (flags == TCP_SYN) {
		v = weir_adm_gate(&w->adm, m, k, svc, &allowed);
		if (v.kind == WEIR_V_CONTINUE)
			v = weir_sp_syn(&w->sp, m, p, svc, WEIR_SP_HTTP);
		act(w, m, v);
		return;
	}
	if (flags != TCP_ACK) {
		weir_drop(w, m, WEIR_DROP_NO_CONN);
		return;
	}
	v = weir_sp_ack(&w->sp, m, p, svc, &spa);
	if (v.kind == WEIR_V_CONTINUE)
		v = weir_adm_gate(&w->adm, m, k, svc, &allowed);
	if (v.kind == WEIR_V_CONTINUE)
		v = weir_adm_limits(&w->adm, p, svc, k, allowed, 1, ref);
	if (v.kind != WEIR_V_CONTINUE) {
		act(w, m, v);
		return;
	}
	if (weir_l4_open_unbound(&w->l4, m, svc, k, ref, &idx) != 0) {
		weir_adm_release(&w->adm, ref);
		weir_drop(w, m, WEIR_DROP_CONN_TABLE_FULL);
		return;
	}
	v = weir_http_accept(&w->http, m, p, svc, idx, &spa.s);
	if (v.kind == WEIR_V_DROP) {
		struct weir_conn *c = weir_l4_conn(&w->l4, idx);

		conn_gone(w, idx, c);
		weir_l4_release(&w->l4, c);
		weir_l4_del(&w->l4, idx);
		act(w, m, v);
		return;
	}
	http_event(w, idx, weir_l4_conn(&w->l4, idx), v);
	act(w, m, v);
}

/* ---- the ways through ---- */

/* A client segment of a spliced or plain connection, on to its backend. */
static void
client_on(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p, uint32_t idx,
	  struct weir_conn *c)
{
	if (c->flags & WEIR_CONN_F_SPLICE) {
		struct weir_verdict v = weir_sp_from_client(&w->sp, m, p, idx, c);

		if (v.kind != WEIR_V_CONTINUE) {
			sp_act(w, m, idx, c, v, 1);
			return;
		}
	}
	weir_l4_track(&w->l4, idx, c, tcp_hdr(m, p), 1);
	act(w, m, weir_l4_to_backend(&w->l4, m, p, c));
}

/*
 * synproxy: weir has just ACKed the backend's SYN-ACK; the client segment
 * held meanwhile follows that ACK, translated and tracked like any client
 * segment of a spliced connection (its admission was checked on arrival).
 */
static void
send_held(struct weir_worker *w, uint32_t idx, struct weir_conn *c)
{
	struct weir_pkt p;
	struct rte_mbuf *m = weir_sp_held_take(&w->sp, idx, &p);

	if (m != NULL)
		client_on(w, m, &p, idx, c);
}

/* Send the frames the health stage queued. */
static void
health_flush(struct weir_worker *w)
{
	struct weir_health_worker *hw = &w->health;
	unsigned int i;

	for (i = 0; i < hw->n_out; i++)
		weir_tx(w, hw->out_port[i], hw->out[i]);
	hw->n_out = 0;
}

/* Probes at a packet's RX timestamp (clock "rx_timestamp"). */
static void
health_at(struct weir_worker *w, const struct rte_mbuf *m)
{
	uint64_t t = weir_adm_rx_ms(m);

	if (t != 0) {
		weir_hc_poll(&w->health, t, 0, weir_core_backend_mac, w);
		health_flush(w);
	}
}

static void
reply(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p,
      const struct weir_conn_key *k, int li)
{
	uint32_t idx = weir_l4_reply_lookup(&w->l4, k, li);
	struct weir_conn *c;

	if (idx == WEIR_CONN_NONE) {
		/* No connection holds a probe port: a probe's answer, or nothing. */
		if (weir_hc_port(&w->health, rte_be_to_cpu_16(k->dport)) && k->proto == 6) {
			int rx = weir.cfg->clock_rx_timestamp;

			act(w, m,
			    weir_hc_input(&w->health, rte_pktmbuf_mtod(m, uint8_t *), p,
					  rx ? weir_adm_rx_ms(m) : weir_clock_ms(w->now_tsc),
					  rx ? 0 : w->now_tsc, weir_core_backend_mac, w));
			health_flush(w);
			return;
		}
		weir_drop(w, m, WEIR_DROP_NO_CONN);
		return;
	}
	c = weir_l4_conn(&w->l4, idx);
	if (unlikely(weir_http_service(c->service))) {
		http_segment(w, m, p, idx, c, 0);
		return;
	}
	if (c->flags & WEIR_CONN_F_SPLICE) {
		struct weir_verdict v = weir_sp_from_backend(&w->sp, m, p, idx, c);

		if (v.kind != WEIR_V_CONTINUE) {
			sp_act(w, m, idx, c, v, 0);
			send_held(w, idx, c);
			return;
		}
	}
	weir_l4_track(&w->l4, idx, c, tcp_hdr(m, p), 0);
	act(w, m, weir_l4_to_client(&w->l4, m, p, c));
}

/* A packet to a service with no connection entry. */
static void
new_flow(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p, unsigned int svc,
	 const struct weir_conn_key *k)
{
	const struct weir_service_config *sc = &weir.cfg->services[svc];
	const struct weir_synproxy_config *spc = &sc->synproxy;
	uint8_t flags = tcp_flags(m, p) & (TCP_SYN | TCP_ACK | TCP_RST);
	struct weir_sp_accept spa;
	struct weir_l4_pick pick;
	struct weir_verdict v;
	struct weir_conn *c;
	int cookie = 0, allowed, rc;
	uint32_t ref[2], idx;

	if (unlikely(sc->http != NULL)) {
		http_new(w, m, p, svc, k);
		return;
	}
	if (p->l4_proto == 6 && flags != TCP_SYN) {
		/* Cookies: an ACK may end a cookie handshake (its SYN was
		 * admitted when it came); a bad cookie is dropped in there. */
		if (flags == TCP_ACK && weir_sp_takes_ack(&w->sp, svc)) {
			v = weir_sp_ack(&w->sp, m, p, svc, &spa);
			if (v.kind == WEIR_V_CONTINUE)
				v = weir_adm_gate(&w->adm, m, k, svc, &allowed);
			/* The source is proven now: admitted here, not at its
			 * SYN, so spoofed SYNs never take a source entry. */
			if (v.kind == WEIR_V_CONTINUE)
				v = weir_adm_limits(&w->adm, p, svc, k, allowed, 1, ref);
			if (v.kind != WEIR_V_CONTINUE) {
				refused(w, m, p, v);
				return;
			}
			cookie = 1;
			goto pick;
		}
		/* Mid-connection without state (after a restart, or the table
		 * was full when it began): DSR can forward it by Maglev. */
		v = weir_adm_gate(&w->adm, m, k, svc, &allowed);
		if (v.kind == WEIR_V_CONTINUE)
			v = weir_l4_stateless_pick(&w->l4, svc, k, &pick);
		if (v.kind != WEIR_V_CONTINUE) {
			act(w, m, v);
			return;
		}
		goto stateless;
	}
	v = weir_adm_gate(&w->adm, m, k, svc, &allowed);
	if (v.kind != WEIR_V_CONTINUE) {
		act(w, m, v);
		return;
	}
	/* Cookies: over a synproxy's SYN rate, or when local ports or entries
	 * run short, a cookie SYN-ACK and no state (limits wait for the
	 * cookie's ACK). */
	if (spc->on_pressure) {
		enum weir_sp_why why =
			weir_l4_pressure(&w->l4, svc) ? WEIR_SP_PRESSURE : WEIR_SP_RATE;

		if (spc->enabled || why == WEIR_SP_PRESSURE) {
			v = weir_sp_syn(&w->sp, m, p, svc, why);
			if (v.kind != WEIR_V_CONTINUE) {
				act(w, m, v);
				return;
			}
		}
	}
	v = weir_adm_limits(&w->adm, p, svc, k, allowed, 0, ref);
	if (v.kind != WEIR_V_CONTINUE) {
		refused(w, m, p, v);
		return;
	}
pick:
	v = weir_l4_pick(&w->l4, svc, k, &pick);
	if (v.kind != WEIR_V_CONTINUE) {
		weir_adm_release(&w->adm, ref);
		refused(w, m, p, v);
		return;
	}
	rc = weir_l4_open(&w->l4, m, p, svc, k, &pick, ref, &idx);
	if (rc != 0) {
		/* Not tracked, so it holds nothing. */
		weir_adm_release(&w->adm, ref);
		if (rc == -EDQUOT) {
			weir_drop(w, m, WEIR_DROP_UDP_SOURCE_PORTS);
			return;
		}
		/* No entry or no local port: a cookie costs neither. */
		if (spc->on_pressure && !cookie) {
			act(w, m,
			    weir_sp_syn(&w->sp, m, p, svc,
					rc == -ENOSPC ? WEIR_SP_FULL : WEIR_SP_PRESSURE));
			return;
		}
		if (rc == -EADDRNOTAVAIL) {
			weir_drop(w, m, WEIR_DROP_LPORT_EXHAUSTED);
			return;
		}
		if (sc->forwarding == WEIR_FWD_FULLNAT) {
			weir_drop(w, m, WEIR_DROP_CONN_TABLE_FULL);
			return;
		}
		goto stateless;
	}
	c = weir_l4_conn(&w->l4, idx);
	if (cookie) {
		c->flags |= WEIR_CONN_F_PROVEN; /* it answered the cookie */
		sp_act(w, m, idx, c, weir_sp_open(&w->sp, m, p, idx, c, &spa), 1);
	} else
		act(w, m, weir_l4_to_backend(&w->l4, m, p, c));
	return;
stateless:
	act(w, m, weir_l4_stateless(&w->l4, m, p, svc, k, &pick));
}

static void
respond(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p)
{
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	unsigned int pi = weir.port_index[m->port];
	enum weir_pkt_drop why;
	size_t out_len;

	weir_l4_neigh_observe(&w->l4, pi, buf, p);
	if (weir_pkt_respond(buf, m->data_len, m->data_len + rte_pktmbuf_tailroom(m), p,
			     &weir.addrs, weir.ports[pi].mac.addr_bytes, &out_len,
			     &why) != WEIR_VERDICT_TX) {
		weir_drop(w, m, why);
		return;
	}
	m->data_len = (uint16_t)out_len;
	m->pkt_len = (uint32_t)out_len;
	m->ol_flags = 0;
	weir_tx(w, pi, m);
}

void
weir_pipeline_burst(struct weir_worker *w, struct rte_mbuf **m, const struct weir_pkt *p,
		    unsigned int n)
{
	struct weir_conn_key keys[WEIR_BURST];
	const struct weir_conn_key *kp[WEIR_BURST];
	uint32_t idx[WEIR_BURST];
	uint8_t kind[WEIR_BURST], slot[WEIR_BURST];
	int where[WEIR_BURST]; /* the service of a client packet, the local IP of a reply */
	unsigned int i, nk = 0, nr = WEIR_BURST;
	uint64_t created, reused;

	/* Classify; client keys go together into one bulk lookup (from the
	 * front of keys[]), reply keys from the back. */
	for (i = 0; i < n; i++) {
		struct weir_conn_key *k = &keys[nk];

		kind[i] = (uint8_t)weir_l4_classify(&w->l4, rte_pktmbuf_mtod(m[i], uint8_t *),
						    &p[i], k, &where[i]);
		if (kind[i] == WEIR_L4_CLIENT) {
			slot[i] = (uint8_t)nk;
			kp[nk++] = k;
		} else if (kind[i] == WEIR_L4_REPLY) {
			keys[--nr] = *k;
			slot[i] = (uint8_t)nr;
		}
	}
	if (nk > 0) {
		weir_l4_lookup(&w->l4, kp, nk, idx);
		/* Connections that hold a source (packet limits): fetch the
		 * sources for the whole burst before deciding any. */
		if (w->adm.pins)
			for (i = 0; i < nk; i++)
				if (idx[i] != WEIR_CONN_NONE)
					weir_adm_prefetch(&w->adm, weir_l4_conn(&w->l4, idx[i]));
	}
	created = w->l4.stats.conn_new;
	reused = w->l4.stats.conn_reused;

	for (i = 0; i < n; i++) {
		struct weir_conn *c;
		uint8_t flags;
		uint32_t ci;

		/* Replays: probes run on the packets' time, before each. */
		if (unlikely(weir.cfg->clock_rx_timestamp))
			health_at(w, m[i]);
		if (kind[i] == WEIR_L4_OTHER) {
			respond(w, m[i], &p[i]);
			continue;
		}
		if (kind[i] == WEIR_L4_REPLY) {
			reply(w, m[i], &p[i], &keys[slot[i]], where[i]);
			continue;
		}
		ci = idx[slot[i]];
		/* A connection created earlier in this burst was not there for the
		 * bulk lookup: look again (only misses after a creation pay). After
		 * a closed entry was replaced in this burst, a hit may name its
		 * freed slot: look again (rare). */
		if ((ci == WEIR_CONN_NONE && created != w->l4.stats.conn_new) ||
		    (ci != WEIR_CONN_NONE && reused != w->l4.stats.conn_reused))
			weir_l4_lookup(&w->l4, &kp[slot[i]], 1, &ci);
		if (ci == WEIR_CONN_NONE) {
			new_flow(w, m[i], &p[i], (unsigned int)where[i], &keys[slot[i]]);
			continue;
		}
		c = weir_l4_conn(&w->l4, ci);
		flags = tcp_flags(m[i], &p[i]);
		if (c->state == WEIR_CONN_CLOSED &&
		    (flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN) {
			/* A new connection on the 5-tuple of one that closed (the
			 * client reused its port; it holds no TIME_WAIT when the
			 * server closed first): schedule it afresh, as a new flow. */
			conn_gone(w, ci, c);
			weir_l4_release(&w->l4, c);
			weir_l4_del(&w->l4, ci);
			w->l4.stats.conn_reused++;
			new_flow(w, m[i], &p[i], (unsigned int)where[i], &keys[slot[i]]);
			continue;
		}
		if (unlikely((c->src_ref[0] & c->src_ref[1]) != WEIR_SRCT_NONE ||
			     w->adm.n_bans != 0)) {
			struct weir_verdict v = weir_adm_packet(&w->adm, m[i], c);

			if (v.kind != WEIR_V_CONTINUE) {
				act(w, m[i], v);
				continue;
			}
		}
		if (unlikely(weir_http_service(c->service)))
			http_segment(w, m[i], &p[i], ci, c, 1);
		else
			client_on(w, m[i], &p[i], ci, c);
	}
}

unsigned int
weir_pipeline_iteration(struct weir_worker *w)
{
	uint64_t tsc;

	/* Messages first, then the quiescent state: nothing loaded before the
	 * messages (a table they name) is held past it. Whether a message was
	 * taken, barriers learn from inbox_done (app/core/mailbox.h). */
	weir_worker_drain(w);
	weir_rcu_quiescent(w->id);
	tsc = weir_clock_tsc();
	w->now_tsc = tsc;
	weir_l4_iteration(&w->l4, tsc);
	weir_adm_iteration(&w->adm, tsc);
	weir_sp_iteration(&w->sp, tsc);
	if (w->http.ctx != NULL) {
		weir_http_iteration(&w->http, weir_clock_ms(tsc));
		weir_http_poll(&w->http, HTTP_TIMER_BUDGET);
		http_flush(w);
	}
	/* With the RX timestamp clock, probes keep the packets' time
	 * (weir_pipeline_burst()). */
	if (w->health.n != 0 && !weir.cfg->clock_rx_timestamp) {
		weir_hc_poll(&w->health, weir_clock_ms(tsc), tsc, weir_core_backend_mac, w);
		health_flush(w);
	}
	return weir_l4_age(&w->l4, EXPIRE_BUDGET, conn_gone, w);
}
