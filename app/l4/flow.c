/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flows: classification against the keyed table, connection lookup,
 * backend choice and connection creation, TCP state tracking and aging.
 */
#include <errno.h>

#include <rte_byteorder.h>

#include "core/clock.h"
#include "l4/l4-priv.h"

int
weir_l4_classify(const struct weir_l4_worker *l4, const uint8_t *buf, const struct weir_pkt *p,
		 struct weir_conn_key *k, int *where)
{
	const uint8_t *ip = buf + p->l2_len, *l4h = buf + p->l4_off;

	if ((p->l3 != WEIR_L3_IPV4 && p->l3 != WEIR_L3_IPV6) ||
	    (p->l4_proto != PROTO_TCP && p->l4_proto != PROTO_UDP) ||
	    (p->flags & WEIR_PKT_F_FRAG) || l4->snap->n_services == 0)
		return WEIR_L4_OTHER;
	k->proto = p->l4_proto;
	k->pad = 0;
	memcpy(&k->sport, l4h, 2);
	memcpy(&k->dport, l4h + 2, 2);
	if (p->l3 == WEIR_L3_IPV4) {
		k->family = 4;
		memcpy(k->src, ip + 12, 4);
		memset(k->src + 4, 0, 12);
		memcpy(k->dst, ip + 16, 4);
		memset(k->dst + 4, 0, 12);
	} else {
		k->family = 6;
		memcpy(k->src, ip + 8, 16);
		memcpy(k->dst, ip + 24, 16);
	}
	*where = l4_svcmap_service(l4->snap->map, k->family, k->dst, rte_be_to_cpu_16(k->dport),
				   k->proto);
	if (*where >= 0)
		return WEIR_L4_CLIENT;
	*where = weir_l4_local(l4->snap, k->family, k->dst);
	return *where >= 0 ? WEIR_L4_REPLY : WEIR_L4_OTHER;
}

void
weir_l4_lookup(struct weir_l4_worker *l4, const struct weir_conn_key **keys, unsigned int n,
	       uint32_t *idx)
{
	weir_ct_lookup_bulk(l4->ct, keys, n, idx);
}

static inline uint64_t
flow_hash(const struct weir_conn_key *k, int sticky_source)
{
	return sticky_source ? weir_lb_hash64(k->src, 16, k->family)
			     : weir_lb_hash64(k, sizeof(*k), 0);
}

struct weir_verdict
weir_l4_pick(struct weir_l4_worker *l4, unsigned int svc, const struct weir_conn_key *k,
	     struct weir_l4_pick *pick)
{
	const struct weir_service_config *sc = &weir.cfg->services[svc];
	uint64_t sh = weir_lb_hash64(k->src, 16, k->family);

	pick->fh = flow_hash(k, sc->sticky_source);
	pick->b = weir_sched_pick(&l4->sched[svc], pick->fh, sh);
	if (pick->b == WEIR_LB_NONE)
		return weir_v(sc->no_backend_rst ? WEIR_V_RST : WEIR_V_DROP, WEIR_DROP_NO_BACKEND);
	if (!l4->snap->svc[svc].mac_ok[pick->b])
		return weir_v_drop(WEIR_DROP_NEIGH_MISS);
	return weir_v_continue();
}

struct weir_verdict
weir_l4_stateless_pick(struct weir_l4_worker *l4, unsigned int svc, const struct weir_conn_key *k,
		       struct weir_l4_pick *pick)
{
	const struct weir_service_config *sc = &weir.cfg->services[svc];

	if (sc->forwarding != WEIR_FWD_DSR_IPIP || l4->snap->svc[svc].table == NULL)
		return weir_v_drop(WEIR_DROP_NO_CONN);
	pick->fh = flow_hash(k, sc->sticky_source);
	pick->b = weir_maglev_lookup(l4->snap->svc[svc].table, pick->fh);
	return weir_v_continue();
}

int
weir_l4_open(struct weir_l4_worker *l4, const struct rte_mbuf *m, const struct weir_pkt *p,
	     unsigned int svc, const struct weir_conn_key *k, const struct weir_l4_pick *pick,
	     const uint32_t ref[2], uint32_t *idx_out)
{
	const struct weir_service_config *sc = &weir.cfg->services[svc];
	const struct weir_backend_config *bc = &weir.cfg->pools[sc->pool].backends[pick->b];
	const uint8_t *buf = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned int li = 0;
	uint16_t lport = 0;
	struct weir_conn *c;
	uint32_t idx;

	uint32_t timeout, held = 0;
	uint8_t flags = 0;

	if (p->l4_proto == PROTO_TCP) {
		timeout = sc->timeouts.syn;
		if (timeout > L4_PRESSURE_SYN_S && weir_l4_pressure(l4, svc)) {
			/* Half-open entries go first when ports or entries run short. */
			timeout = L4_PRESSURE_SYN_S;
			flags = WEIR_CONN_F_PRESSURE;
		}
	} else {
		/* Until the backend answers (FullNAT sees it), a short lease. */
		timeout = sc->forwarding == WEIR_FWD_FULLNAT ? sc->timeouts.udp_unreplied
							     : sc->timeouts.udp;
		if (sc->forwarding == WEIR_FWD_FULLNAT) {
			held = l4_udp_held_slot(k);
			if (l4->udp_held[held] >= weir.cfg->udp_ports_per_source)
				return -EDQUOT;
		}
	}
	idx = weir_ct_add(l4->ct, k, l4->now + timeout);
	if (idx == WEIR_CONN_NONE)
		return -ENOSPC;
	if (sc->forwarding == WEIR_FWD_FULLNAT &&
	    l4_lport_alloc(l4, svc, p->l4_proto,
			   (uint32_t)(sc->sticky_source ? flow_hash(k, 0) : pick->fh), idx, &li,
			   &lport) != 0) {
		weir_ct_del(l4->ct, idx);
		return -EADDRNOTAVAIL;
	}
	if (sc->forwarding == WEIR_FWD_FULLNAT && p->l4_proto == PROTO_UDP)
		l4->udp_held[held]++;
	c = weir_ct_get(l4->ct, idx);
	c->flags = flags;
	c->src_ref[0] = ref[0];
	c->src_ref[1] = ref[1];
	c->service = (uint8_t)svc;
	c->backend = (uint16_t)pick->b;
	c->state = p->l4_proto == PROTO_TCP ? WEIR_CONN_SYN : WEIR_CONN_UDP;
	c->syn_tsc = l4->now_tsc;
	c->in_port = weir.port_index[m->port];
	memcpy(c->client_mac, buf + 6, 6);
	memcpy(c->backend_ip, bc->addr.ip, ip_len(bc->addr.family));
	c->bport = rte_cpu_to_be_16(bc->port);
	if (sc->forwarding == WEIR_FWD_FULLNAT) {
		memcpy(c->local_ip, weir_l4c.locals[li].ip, ip_len(weir_l4c.locals[li].family));
		c->lport = rte_cpu_to_be_16(lport);
		c->flags |= WEIR_CONN_F_LPORT;
	} else {
		memcpy(c->local_ip, weir_l4c.locals[weir_l4c.svc_local[svc][0]].ip,
		       ip_len(bc->addr.family));
	}
	weir_sched_conn_open(&l4->sched[svc], pick->b);
	l4->bstats[svc * WEIR_MAX_BACKENDS + pick->b].conns_total++;
	l4->stats.conn_new++;
	*idx_out = idx;
	return 0;
}

int
weir_l4_open_unbound(struct weir_l4_worker *l4, const struct rte_mbuf *m, unsigned int svc,
		     const struct weir_conn_key *k, const uint32_t ref[2], uint32_t *idx_out)
{
	const struct weir_service_config *sc = &weir.cfg->services[svc];
	const uint8_t *buf = rte_pktmbuf_mtod(m, const uint8_t *);
	struct weir_conn *c;
	uint32_t idx;

	idx = weir_ct_add(l4->ct, k, l4->now + sc->timeouts.established);
	if (idx == WEIR_CONN_NONE)
		return -ENOSPC;
	c = weir_ct_get(l4->ct, idx);
	c->flags = WEIR_CONN_F_PROVEN; /* it answered a cookie */
	c->src_ref[0] = ref[0];
	c->src_ref[1] = ref[1];
	c->service = (uint8_t)svc;
	c->backend = WEIR_CONN_UNBOUND;
	c->state = WEIR_CONN_ESTABLISHED;
	c->syn_tsc = l4->now_tsc;
	c->in_port = weir.port_index[m->port];
	memcpy(c->client_mac, buf + 6, 6);
	l4->stats.conn_new++;
	*idx_out = idx;
	return 0;
}

int
weir_l4_bind(struct weir_l4_worker *l4, uint32_t idx, struct weir_conn *c, unsigned int svc,
	     const struct weir_l4_pick *pick)
{
	const struct weir_service_config *sc = &weir.cfg->services[svc];
	const struct weir_backend_config *bc = &weir.cfg->pools[sc->pool].backends[pick->b];
	unsigned int li = 0;
	uint16_t lport = 0;

	if (l4_lport_alloc(l4, svc, PROTO_TCP, (uint32_t)pick->fh, idx, &li, &lport) != 0)
		return -EADDRNOTAVAIL;
	c->service = (uint8_t)svc;
	c->backend = (uint16_t)pick->b;
	c->syn_tsc = l4->now_tsc;
	memcpy(c->backend_ip, bc->addr.ip, ip_len(bc->addr.family));
	c->bport = rte_cpu_to_be_16(bc->port);
	memcpy(c->local_ip, weir_l4c.locals[li].ip, ip_len(weir_l4c.locals[li].family));
	c->lport = rte_cpu_to_be_16(lport);
	c->flags |= WEIR_CONN_F_LPORT;
	weir_sched_conn_open(&l4->sched[svc], pick->b);
	l4->bstats[svc * WEIR_MAX_BACKENDS + pick->b].conns_total++;
	return 0;
}

/* c no longer loads its backend (an HTTP connection before its binding has none). */
static void
sched_close(struct weir_l4_worker *l4, const struct weir_conn *c)
{
	if (c->backend != WEIR_CONN_UNBOUND)
		weir_sched_conn_close(&l4->sched[c->service], c->backend);
}

/* A backend refused (RST) or did not answer a handshake: the schedulers
 * that weigh failures (adaptive) learn it, and the count is shown. */
static void
handshake_failed(struct weir_l4_worker *l4, const struct weir_conn *c)
{
	struct weir_l4_backend_stats *bs = &l4->bstats[c->service * WEIR_MAX_BACKENDS + c->backend];

	weir_sched_observe(&l4->sched[c->service], c->backend, 0, 0);
	bs->handshake_failures++;
	bs->fail_run++;
}

/* The backend answered a handshake (passive health). */
static void
handshake_ok(struct weir_l4_worker *l4, const struct weir_conn *c)
{
	struct weir_l4_backend_stats *bs = &l4->bstats[c->service * WEIR_MAX_BACKENDS + c->backend];

	bs->handshakes_ok++;
	bs->fail_run = 0;
}

static uint32_t
state_timeout(const struct weir_l4_worker *l4, const struct weir_service_config *sc,
	      const struct weir_conn *c, uint8_t state)
{
	switch (state) {
	case WEIR_CONN_SYN:
		return (c->flags & WEIR_CONN_F_PRESSURE) && sc->timeouts.syn > L4_PRESSURE_SYN_S
			       ? L4_PRESSURE_SYN_S
			       : sc->timeouts.syn;
	case WEIR_CONN_ESTABLISHED:
		return sc->timeouts.established;
	case WEIR_CONN_FIN:
		return sc->timeouts.fin;
	case WEIR_CONN_CLOSED:
		return sc->timeouts.closed;
	default:
		/* FullNAT UDP: a short lease until the backend answers, and
		 * while the worker runs short of ports or entries. */
		return (c->flags & WEIR_CONN_F_LPORT) && (!(c->flags & WEIR_CONN_F_REPLIED) ||
							  l4->short_s[c->service])
			       ? sc->timeouts.udp_unreplied
			       : sc->timeouts.udp;
	}
}

static inline uint32_t
tcp_word(const uint8_t *th, unsigned int off)
{
	uint32_t v;

	memcpy(&v, th + off, 4);
	return rte_be_to_cpu_32(v);
}

void
weir_l4_track(struct weir_l4_worker *l4, uint32_t idx, struct weir_conn *c, const uint8_t *th,
	      int from_client)
{
	const struct weir_service_config *sc = &weir.cfg->services[c->service];
	uint8_t before = c->state, flags;

	if (c->state == WEIR_CONN_UDP) {
		if (!from_client)
			c->flags |= WEIR_CONN_F_REPLIED;
		c->expire = l4->now + state_timeout(l4, sc, c, WEIR_CONN_UDP);
		return;
	}
	flags = th[13];
	if (flags & TCP_RST) {
		if (!from_client && c->state == WEIR_CONN_SYN)
			handshake_failed(l4, c);
		c->state = WEIR_CONN_CLOSED;
	} else if (flags & TCP_FIN) {
		c->flags |= from_client ? WEIR_CONN_F_FIN_C : WEIR_CONN_F_FIN_B;
		if ((c->flags & (WEIR_CONN_F_FIN_C | WEIR_CONN_F_FIN_B)) ==
		    (WEIR_CONN_F_FIN_C | WEIR_CONN_F_FIN_B))
			c->state = WEIR_CONN_CLOSED;
		else if (c->state != WEIR_CONN_CLOSED)
			c->state = WEIR_CONN_FIN;
	} else if (!from_client && (flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK)) {
		if (!(c->flags & WEIR_CONN_F_SYNACK)) {
			c->flags |= WEIR_CONN_F_SYNACK;
			handshake_ok(l4, c);
			weir_sched_observe(&l4->sched[c->service], c->backend, 1,
					   weir_cycles_ns(l4->now_tsc - c->syn_tsc));
		}
		/* The backend's latest SYN-ACK (a retransmission may differ). */
		c->synack_ack = tcp_word(th, 4) + 1;
	} else if (from_client && c->state == WEIR_CONN_SYN && (flags & TCP_ACK) &&
		   !(flags & TCP_SYN) && (c->flags & WEIR_CONN_F_SYNACK)) {
		/* Only the client that saw the SYN-ACK knows its number: a blind
		 * ACK neither completes the handshake nor proves its source. */
		if (tcp_word(th, 8) == c->synack_ack) {
			c->state = WEIR_CONN_ESTABLISHED;
			c->flags |= WEIR_CONN_F_PROVEN;
		} else {
			l4->stats.blind_acks++;
		}
	}
	/* A closed connection no longer loads its backend (least_conn, adaptive),
	 * though its entry lingers for late segments. */
	if (c->state == WEIR_CONN_CLOSED && before != WEIR_CONN_CLOSED)
		sched_close(l4, c);
	if (c->state != before &&
	    state_timeout(l4, sc, c, c->state) < state_timeout(l4, sc, c, before))
		weir_ct_set_expire(l4->ct, idx, l4->now + state_timeout(l4, sc, c, c->state));
	else
		c->expire = l4->now + state_timeout(l4, sc, c, c->state);
}

void
weir_l4_established(struct weir_l4_worker *l4, struct weir_conn *c)
{
	const struct weir_service_config *sc = &weir.cfg->services[c->service];

	/* The RTT sample is weir's SYN to the backend's SYN-ACK. */
	c->flags |= WEIR_CONN_F_SYNACK | WEIR_CONN_F_PROVEN;
	handshake_ok(l4, c);
	weir_sched_observe(&l4->sched[c->service], c->backend, 1,
			   weir_cycles_ns(l4->now_tsc - c->syn_tsc));
	c->state = WEIR_CONN_ESTABLISHED;
	c->expire = l4->now + sc->timeouts.established;
}

void
weir_l4_closed(struct weir_l4_worker *l4, uint32_t idx, struct weir_conn *c, int refused)
{
	const struct weir_service_config *sc = &weir.cfg->services[c->service];

	if (refused)
		handshake_failed(l4, c);
	if (c->state != WEIR_CONN_CLOSED)
		sched_close(l4, c);
	c->state = WEIR_CONN_CLOSED;
	weir_ct_set_expire(l4->ct, idx, l4->now + sc->timeouts.closed);
}

void
weir_l4_release(struct weir_l4_worker *l4, struct weir_conn *c)
{
	if (c->flags & WEIR_CONN_F_LPORT)
		l4_lport_free(l4, c);
	if (c->state != WEIR_CONN_CLOSED)
		sched_close(l4, c);
}

void
weir_l4_del(struct weir_l4_worker *l4, uint32_t idx)
{
	weir_ct_del(l4->ct, idx);
}

struct age_ctx {
	struct weir_l4_worker *l4;
	void (*gone)(void *arg, uint32_t idx, struct weir_conn *c);
	void *arg;
};

static void
expired(void *arg, struct weir_conn *c)
{
	struct age_ctx *a = arg;

	/* A FullNAT handshake that timed out failed (DSR never sees the
	 * backend's SYN-ACK, so its half-open entries say nothing). */
	if (c->state == WEIR_CONN_SYN && (c->flags & WEIR_CONN_F_LPORT) &&
	    !(c->flags & WEIR_CONN_F_SYNACK))
		handshake_failed(a->l4, c);
	a->gone(a->arg, weir_ct_index(a->l4->ct, c), c);
	weir_l4_release(a->l4, c);
	a->l4->stats.conn_expired++;
}

unsigned int
weir_l4_age(struct weir_l4_worker *l4, unsigned int budget,
	    void (*gone)(void *arg, uint32_t idx, struct weir_conn *c), void *arg)
{
	struct age_ctx a = {l4, gone, arg};

	if (l4->ct == NULL)
		return 0;
	return weir_ct_expire(l4->ct, l4->now, budget, expired, &a);
}
