/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SYN proxy in the workers: see sp.h for its place in the worker loop
 * and lib/tcp_splice/weir_tcp_splice.h for the TCP arithmetic.
 */
#include <rte_malloc.h>

#include "core/clock.h"
#include "core/drop.h"
#include "sp/sp-priv.h"

/* A client segment during the backend handshake re-sends the SYN to the
 * backend, at most this often: the client's retransmissions are the timer. */
#define SYN_RESEND_NS 1000000000ull
/* A cookie's life: its time counter's current and previous ticks, and a
 * second to spare. */
#define COOKIE_LIFE_S (2 * WEIR_TCP_COOKIE_PERIOD_S + 1)

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

void
weir_sp_iteration(struct weir_sp_worker *sp, uint64_t tsc)
{
	sp->now_tsc = tsc;
	sp->now = weir_clock_s(tsc);
}

static void
flow_of(const uint8_t *buf, const struct weir_pkt *p, struct weir_tcp_flow *f)
{
	const uint8_t *ip = buf + p->l2_len, *tcp = buf + p->l4_off;

	memset(f, 0, sizeof(*f));
	if (p->l3 == WEIR_L3_IPV4) {
		f->family = 4;
		memcpy(f->saddr, ip + 12, 4);
		memcpy(f->daddr, ip + 16, 4);
	} else {
		f->family = 6;
		memcpy(f->saddr, ip + 8, 16);
		memcpy(f->daddr, ip + 24, 16);
	}
	f->sport = rd16(tcp);
	f->dport = rd16(tcp + 2);
}

/* The segment as the splice sees it; its options stay in the mbuf. */
static void
seg_of(uint8_t *buf, const struct weir_pkt *p, struct weir_tcp_seg *s)
{
	weir_tcp_seg_read(buf + p->l4_off, p->l3_total - (uint32_t)(p->l4_off - p->l2_len), s);
}

/* Write a translated segment's fields back and apply the checksum delta. */
static void
seg_store(uint8_t *buf, const struct weir_pkt *p, const struct weir_tcp_seg *s, uint32_t csum)
{
	weir_tcp_seg_write(buf + p->l4_off, s, csum);
}

/*
 * Rewrite the frame in m into a segment without payload: src:sport ->
 * dst:dport (addresses 4 or 16 bytes as the frame's family, ports host
 * order) carrying e; the L2 header stays for the caller to address.
 */
static int
build(struct rte_mbuf *m, const struct weir_pkt *p, const uint8_t *src, const uint8_t *dst,
      uint16_t sport, uint16_t dport, const struct weir_tcp_emit *e)
{
	struct weir_pkt_tcp t = {
		.family = p->l3 == WEIR_L3_IPV4 ? 4 : 6,
		.src = src,
		.dst = dst,
		.sport = sport,
		.dport = dport,
		.seq = e->seq,
		.ack = e->ack,
		.win = e->win,
		.flags = e->flags,
		.opts_len = e->opts_len,
		.opts = e->opts,
	};
	size_t len;

	if (!rte_pktmbuf_is_contiguous(m))
		return -1;
	len = weir_pkt_tcp_build(rte_pktmbuf_mtod(m, uint8_t *), (size_t)m->buf_len - m->data_off,
				 p->l2_len, &t);
	if (len == 0)
		return -1;
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	m->ol_flags = 0;
	return 0;
}

/* e to the connection's backend, from its local IP and port. */
static struct weir_verdict
to_backend(struct rte_mbuf *m, const struct weir_pkt *p, const struct weir_conn *c,
	   const struct weir_tcp_emit *e)
{
	if (build(m, p, c->local_ip, c->backend_ip, rte_be_to_cpu_16(c->lport),
		  rte_be_to_cpu_16(c->bport), e) != 0)
		return weir_v_drop(WEIR_DROP_NO_HEADROOM);
	return weir_v(WEIR_V_TO_BACKEND, 0);
}

/* e to the connection's client, from the VIP. */
static struct weir_verdict
to_client(struct rte_mbuf *m, const struct weir_pkt *p, const struct weir_conn *c,
	  const struct weir_tcp_emit *e)
{
	if (build(m, p, c->client.dst, c->client.src, rte_be_to_cpu_16(c->client.dport),
		  rte_be_to_cpu_16(c->client.sport), e) != 0)
		return weir_v_drop(WEIR_DROP_NO_HEADROOM);
	return weir_v(WEIR_V_TO_CLIENT, 0);
}

static inline struct weir_verdict
with_event(struct weir_verdict v, uint8_t ev)
{
	v.event = ev;
	return v;
}

/* ---- the held segment ---------------------------------------------------------- */

/* Hold m for connection slot idx: 0, or -1 if it holds one already or
 * hold[] is full. */
static int
hold(struct weir_sp_worker *sp, uint32_t idx, struct rte_mbuf *m, const struct weir_pkt *p)
{
	uint32_t h;

	if (sp->slot[idx].held != 0)
		return -1;
	if (sp->n_hold_free == 0) {
		sp->stats.syn_early_full++;
		return -1;
	}
	h = sp->hold_free[--sp->n_hold_free];
	sp->hold[h].m = m;
	sp->hold[h].p = *p;
	sp->slot[idx].held = h + 1;
	sp->stats.syn_early_held++;
	return 0;
}

/* Take slot idx's held segment out of hold[]: the mbuf, or NULL. */
static struct rte_mbuf *
unhold(struct weir_sp_worker *sp, uint32_t idx, struct weir_pkt *p)
{
	uint32_t h = sp->slot[idx].held;
	struct rte_mbuf *m;

	if (h == 0)
		return NULL;
	h--;
	m = sp->hold[h].m;
	if (p != NULL)
		*p = sp->hold[h].p;
	sp->hold[h].m = NULL;
	sp->hold_free[sp->n_hold_free++] = h;
	sp->slot[idx].held = 0;
	return m;
}

struct rte_mbuf *
weir_sp_held_take(struct weir_sp_worker *sp, uint32_t idx, struct weir_pkt *p)
{
	struct rte_mbuf *m;

	if (sp->slot[idx].held == 0 || sp->slot[idx].s.state == WEIR_TCP_SP_SYN_SENT)
		return NULL;
	m = unhold(sp, idx, p);
	sp->stats.syn_early_sent++;
	return m;
}

void
weir_sp_held_free(struct weir_sp_worker *sp, uint32_t idx)
{
	struct rte_mbuf *m = unhold(sp, idx, NULL);

	if (m != NULL) {
		rte_pktmbuf_free(m);
		sp->stats.syn_early_freed++;
	}
}

/* ---- entry points ------------------------------------------------------------------ */

int
weir_sp_takes_ack(const struct weir_sp_worker *sp, unsigned int svc)
{
	const struct weir_synproxy_config *pc = &weir.cfg->services[svc].synproxy;

	return pc->enabled || weir.cfg->services[svc].http != NULL ||
	       (pc->on_pressure && sp->cookie_sec != NULL && sp->cookie_sec[svc] != 0 &&
		sp->now + 1 - sp->cookie_sec[svc] <= COOKIE_LIFE_S);
}

struct weir_verdict
weir_sp_syn(struct weir_sp_worker *sp, struct rte_mbuf *m, const struct weir_pkt *p,
	    unsigned int svc, enum weir_sp_why why)
{
	const struct weir_synproxy_config *pc = &weir.cfg->services[svc].synproxy;
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	struct weir_tcp_flow f;
	struct weir_tcp_seg seg;
	struct weir_tcp_emit out;

	if (why == WEIR_SP_RATE && pc->syn_rate != 0) {
		/* SYNs in this second of the worker's clock, a fixed window. */
		if (sp->syn_sec[svc] != sp->now) {
			sp->syn_sec[svc] = sp->now;
			sp->syn_count[svc] = 0;
		}
		if (sp->syn_count[svc] <= pc->syn_rate)
			sp->syn_count[svc]++;
		if (sp->syn_count[svc] <= pc->syn_rate)
			return weir_v_continue();
	}
	flow_of(buf, p, &f);
	seg_of(buf, p, &seg);
	if (weir_tcp_sp_synack(&weir_sp_conf[svc], &weir_sp_key[svc], &f, &seg,
			       weir_clock_cookie(sp->now_tsc), &out) < 0)
		return weir_v_drop(WEIR_DROP_SYNPROXY_REJECTED); /* malformed options */
	/* From the VIP back to where the SYN came from, out of its port. */
	if (build(m, p, f.daddr, f.saddr, f.dport, f.sport, &out) != 0)
		return weir_v_drop(WEIR_DROP_NO_HEADROOM);
	memmove(buf, buf + 6, 6);
	memcpy(buf + 6, weir.ports[weir.port_index[m->port]].mac.addr_bytes, 6);
	sp->stats.syn_cookies_sent++;
	if (why == WEIR_SP_PRESSURE)
		sp->stats.syn_cookies_pressure++;
	sp->cookie_sec[svc] = sp->now + 1;
	return weir_v_tx(weir.port_index[m->port]);
}

struct weir_verdict
weir_sp_ack(struct weir_sp_worker *sp, struct rte_mbuf *m, const struct weir_pkt *p,
	    unsigned int svc, struct weir_sp_accept *a)
{
	const struct weir_service_config *sc = &weir.cfg->services[svc];
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	struct weir_tcp_flow f;
	struct weir_tcp_seg seg;

	flow_of(buf, p, &f);
	seg_of(buf, p, &seg);
	if (weir_tcp_sp_accept(&a->s, &weir_sp_conf[svc], &weir_sp_key[svc], &f, &seg,
			       weir_clock_cookie(sp->now_tsc), &a->syn) < 0) {
		sp->stats.syn_cookies_bad++;
		return weir_v_drop(WEIR_DROP_SYN_COOKIE_INVALID);
	}
	/* The backends' path may be narrower than the client's: the clamp holds. */
	if (sc->mss_clamp != 0 && a->s.mss > sc->mss_clamp) {
		a->s.mss = sc->mss_clamp;
		weir_tcp_sp_backend_syn(&a->s, &a->syn);
	}
	sp->stats.syn_cookies_ok++;
	return weir_v_continue();
}

struct weir_verdict
weir_sp_open(struct weir_sp_worker *sp, struct rte_mbuf *m, const struct weir_pkt *p, uint32_t idx,
	     struct weir_conn *c, const struct weir_sp_accept *a)
{
	sp->slot[idx].s = a->s;
	c->flags |= WEIR_CONN_F_SPLICE;
	return to_backend(m, p, c, &a->syn);
}

struct weir_verdict
weir_sp_from_client(struct weir_sp_worker *sp, struct rte_mbuf *m, const struct weir_pkt *p,
		    uint32_t idx, struct weir_conn *c)
{
	struct weir_tcp_splice *s = &sp->slot[idx].s;
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	struct weir_tcp_seg seg;
	struct weir_tcp_emit out;
	uint32_t csum = 0;
	int rc;

	seg_of(buf, p, &seg);
	rc = weir_tcp_sp_from_client(s, &seg, &csum, &out);
	if (rc < 0)
		return weir_v_drop(WEIR_DROP_SYNPROXY_REJECTED);
	if (rc & WEIR_TCP_SP_FORWARD) {
		seg_store(buf, p, &seg, csum);
		return weir_v_continue();
	}
	if (rc & WEIR_TCP_SP_EMIT_BACKEND) {
		/* The client reset the connection before the backend answered; a
		 * segment held for it will never be sent. */
		weir_sp_held_free(sp, idx);
		return with_event(to_backend(m, p, c, &out), WEIR_EV_CLOSED);
	}
	if (s->state != WEIR_TCP_SP_SYN_SENT)
		return weir_v_drop(WEIR_DROP_SYNPROXY_REJECTED);
	/*
	 * The backend has not answered yet. The first segment with data (or a
	 * FIN) waits for weir's ACK to the backend and follows it, so a client
	 * that speaks first does not wait for its retransmission timer.
	 */
	if ((rc & WEIR_TCP_SP_HOLD) && hold(sp, idx, m, p) == 0)
		return weir_v(WEIR_V_KEPT, 0);
	/*
	 * Later ones are dropped (the client retransmits them, after the held
	 * one), but a retransmission after the SYN was sent long enough ago
	 * means the SYN or its answer may be lost: send it again.
	 */
	if (weir_cycles_ns(sp->now_tsc - c->syn_tsc) >= SYN_RESEND_NS &&
	    weir_tcp_sp_backend_syn(s, &out) == 0) {
		c->syn_tsc = sp->now_tsc;
		return to_backend(m, p, c, &out);
	}
	return weir_v_drop(WEIR_DROP_SYNPROXY_PENDING);
}

struct weir_verdict
weir_sp_from_backend(struct weir_sp_worker *sp, struct rte_mbuf *m, const struct weir_pkt *p,
		     uint32_t idx, struct weir_conn *c)
{
	struct weir_tcp_splice *s = &sp->slot[idx].s;
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	struct weir_tcp_seg seg;
	struct weir_tcp_emit out;
	uint8_t ev = WEIR_EV_NONE;
	uint32_t csum = 0;
	int rc;

	seg_of(buf, p, &seg);
	rc = weir_tcp_sp_from_backend(s, &seg, &csum, &out);
	if (rc < 0)
		return weir_v_drop(WEIR_DROP_SYNPROXY_REJECTED);
	if (rc & WEIR_TCP_SP_FORWARD) {
		seg_store(buf, p, &seg, csum);
		return weir_v_continue();
	}
	/* The backend's SYN-ACK: the client is connected already, so the
	 * connection is established from here. */
	if ((rc & WEIR_TCP_SP_FLUSH) && !(c->flags & WEIR_CONN_F_SYNACK))
		ev = WEIR_EV_ESTABLISHED;
	if (rc & WEIR_TCP_SP_EMIT_BACKEND)
		return with_event(to_backend(m, p, c, &out), ev);
	if (rc & WEIR_TCP_SP_EMIT_CLIENT) {
		/* The backend refused the connection: tell the client. */
		weir_sp_held_free(sp, idx);
		return with_event(to_client(m, p, c, &out), WEIR_EV_REFUSED);
	}
	return with_event(weir_v_drop(WEIR_DROP_SYNPROXY_REJECTED), ev);
}
