/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN proxy glue: see synproxy.h for the split with app/lb4.c and
 * lib/tcp_splice/weir_tcp_splice.h for the TCP arithmetic.
 *
 * Every segment weir makes up (the cookie SYN-ACK, the SYN and the ACK to
 * the backend, RSTs) is written over the mbuf of the segment that caused
 * it, as rst_reply() in lb4.c does: a fresh IP header (IPv4 without
 * options, IPv6 without extension headers), TCP header and options, full
 * checksums, the L2 header kept (VLAN tags included) with new MACs.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "synproxy.h"
#include "weir.h"

#define PROTO_TCP 6
/* The window field of the cookie SYN-ACK (never scaled). */
#define SYN_WIN 65535
/* A client segment during the backend handshake re-sends the SYN to the
 * backend, at most this often: the client's retransmissions are the timer. */
#define SYN_RESEND_MS 1000

/* Per service, read-only once the workers run. */
static struct weir_tcp_cookie_key sp_key[WEIR_MAX_SERVICES];
static struct weir_tcp_sp_conf sp_conf[WEIR_MAX_SERVICES];
/* The wall clock at sp_tsc0: cookies are checked against a time counter
 * every weir instance behind one ECMP group agrees on (not the uptime). */
static uint64_t sp_real0_ns, sp_tsc0;
static int sp_any;

/* The held segment's index fits the spare bytes of the splice's cache line. */
static_assert(sizeof(struct weir_sp_slot) == 64, "one cache line per connection slot");

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- set-up ---------------------------------------------------------------- */

int
weir_sp_init(char *err, size_t errlen)
{
	const struct weir_config *cfg = weir.cfg;
	struct timespec ts;
	unsigned int i, b;

	sp_any = 0;
	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_synproxy_config *pc = &cfg->services[i].synproxy;
		uint8_t k[16];

		if (!pc->enabled)
			continue;
		sp_any = 1;
		if (pc->has_secret) {
			memcpy(k, pc->secret, sizeof(k));
		} else if (getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k)) {
			snprintf(err, errlen, "service %s: no random synproxy secret: %s",
				 cfg->services[i].name, strerror(errno));
			return -1;
		}
		/* SipHash's key words are little-endian (weir_tcp_siphash24()). */
		sp_key[i].k[0] = sp_key[i].k[1] = 0;
		for (b = 0; b < 8; b++) {
			sp_key[i].k[0] |= (uint64_t)k[b] << (8 * b);
			sp_key[i].k[1] |= (uint64_t)k[8 + b] << (8 * b);
		}
		memset(k, 0, sizeof(k));
		sp_conf[i].mss = pc->mss;
		sp_conf[i].wscale = pc->wscale;
		sp_conf[i].syn_win = SYN_WIN;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	sp_tsc0 = rte_get_tsc_cycles();
	sp_real0_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return 0;
}

int
weir_sp_init_worker(struct weir_worker *w, int socket)
{
	struct weir_sp_worker *sp = &w->lb.sp;
	unsigned int n = weir.cfg->n_services + 1, h;

	if (!sp_any || w->lb.ct == NULL)
		return 0;
	sp->slot =
		rte_zmalloc_socket("weir_sp_slot", sizeof(sp->slot[0]) * weir_ct_capacity(w->lb.ct),
				   RTE_CACHE_LINE_SIZE, socket);
	sp->syn_sec = rte_zmalloc_socket("weir_sp_rate", sizeof(uint32_t) * n, 0, socket);
	sp->syn_count = rte_zmalloc_socket("weir_sp_rate", sizeof(uint32_t) * n, 0, socket);
	sp->hold = rte_zmalloc_socket("weir_sp_hold", sizeof(sp->hold[0]) * WEIR_SP_HOLD_MAX,
				      RTE_CACHE_LINE_SIZE, socket);
	sp->hold_free = rte_malloc_socket("weir_sp_hold", sizeof(uint32_t) * WEIR_SP_HOLD_MAX, 0,
					  socket);
	if (sp->slot == NULL || sp->syn_sec == NULL || sp->syn_count == NULL || sp->hold == NULL ||
	    sp->hold_free == NULL)
		return -ENOMEM;
	/* Entry 0 on top: the first segment held takes it. */
	for (h = 0; h < WEIR_SP_HOLD_MAX; h++)
		sp->hold_free[h] = WEIR_SP_HOLD_MAX - 1 - h;
	sp->n_hold_free = WEIR_SP_HOLD_MAX;
	return 0;
}

void
weir_sp_fini_worker(struct weir_worker *w)
{
	struct weir_sp_worker *sp = &w->lb.sp;
	unsigned int h;

	/* Segments still held at shutdown: their connections end with weir. */
	if (sp->hold != NULL)
		for (h = 0; h < WEIR_SP_HOLD_MAX; h++)
			rte_pktmbuf_free(sp->hold[h].m);
	rte_free(sp->hold);
	rte_free(sp->hold_free);
	rte_free(sp->slot);
	rte_free(sp->syn_sec);
	rte_free(sp->syn_count);
	memset(sp, 0, sizeof(*sp));
}

/* ---- worker: helpers --------------------------------------------------------- */

static inline void
sp_tx(struct weir_worker *w, unsigned int pi, struct rte_mbuf *m)
{
	struct weir_txbuf *b = &w->tx[pi];

	b->pkts[b->n++] = m;
	if (b->n == RTE_DIM(b->pkts))
		weir_worker_tx_flush(w, pi);
}

static inline void
sp_drop(struct weir_worker *w, enum weir_pkt_drop why, struct rte_mbuf *m)
{
	w->stats.drops[why]++;
	rte_pktmbuf_free(m);
}

/* The cookie time counter now: wall-clock seconds / 64. */
static uint32_t
sp_counter(const struct weir_worker *w)
{
	uint64_t ns = (uint64_t)((unsigned __int128)(w->lb.now_tsc - sp_tsc0) * 1000000000u /
				 rte_get_tsc_hz());

	return weir_tcp_cookie_counter(sp_real0_ns + ns);
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
	uint8_t *tcp = buf + p->l4_off;
	unsigned int doff = (unsigned int)(tcp[12] >> 4) * 4;

	s->seq = rd32(tcp + 4);
	s->ack = rd32(tcp + 8);
	s->win = rd16(tcp + 14);
	s->flags = tcp[13];
	s->opts_len = (uint8_t)(doff - 20);
	s->opts = tcp + 20;
	s->len = p->l3_total - (uint32_t)(p->l4_off - p->l2_len) - doff;
}

/* Write a translated segment's fields back and apply the checksum delta. */
static void
seg_store(uint8_t *buf, const struct weir_pkt *p, const struct weir_tcp_seg *s, uint32_t csum)
{
	uint8_t *tcp = buf + p->l4_off;

	wr32(tcp + 4, s->seq);
	wr32(tcp + 8, s->ack);
	wr16(tcp + 14, s->win);
	wr16(tcp + 16, weir_tcp_csum_apply(rd16(tcp + 16), csum));
}

/*
 * Rewrite the frame in m into a TCP segment without payload: src:sport ->
 * dst:dport (addresses 4 or 16 bytes as the frame's family, ports network
 * order) carrying e. 0, or -1 if the mbuf has no room for it.
 */
static int
build(struct rte_mbuf *m, const struct weir_pkt *p, const uint8_t *src, const uint8_t *dst,
      uint16_t sport, uint16_t dport, const struct weir_tcp_emit *e)
{
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *ip = buf + p->l2_len, *tcp;
	int v4 = p->l3 == WEIR_L3_IPV4;
	size_t alen = v4 ? 4 : 16, hlen = v4 ? 20 : 40, tlen = 20 + (size_t)e->opts_len;
	uint8_t ph[8] = {0};
	uint32_t sum;

	if (rte_pktmbuf_is_contiguous(m) == 0 ||
	    (size_t)m->buf_len - m->data_off < p->l2_len + hlen + tlen)
		return -1;
	/* src or dst may point into the header being rewritten. */
	{
		uint8_t s[16], d[16];

		memcpy(s, src, alen);
		memcpy(d, dst, alen);
		if (v4) {
			memset(ip, 0, 20);
			ip[0] = 0x45;
			wr16(ip + 2, (uint16_t)(20 + tlen));
			ip[8] = 64;
			ip[9] = PROTO_TCP;
			memcpy(ip + 12, s, 4);
			memcpy(ip + 16, d, 4);
			wr16(ip + 10, weir_csum_fold(weir_csum_add(ip, 20, 0)));
			ph[1] = PROTO_TCP;
			ph[3] = (uint8_t)tlen;
		} else {
			memset(ip, 0, 40);
			ip[0] = 0x60;
			wr16(ip + 4, (uint16_t)tlen);
			ip[6] = PROTO_TCP;
			ip[7] = 64;
			memcpy(ip + 8, s, 16);
			memcpy(ip + 24, d, 16);
			ph[3] = (uint8_t)tlen;
			ph[7] = PROTO_TCP;
		}
	}
	tcp = ip + hlen;
	memset(tcp, 0, 20);
	memcpy(tcp, &sport, 2);
	memcpy(tcp + 2, &dport, 2);
	wr32(tcp + 4, e->seq);
	wr32(tcp + 8, e->ack);
	tcp[12] = (uint8_t)(tlen / 4) << 4;
	tcp[13] = e->flags;
	wr16(tcp + 14, e->win);
	memcpy(tcp + 20, e->opts, e->opts_len);
	sum = weir_csum_add(ip + (v4 ? 12 : 8), 2 * alen, 0);
	sum = weir_csum_add(ph, v4 ? 4 : 8, sum);
	sum = weir_csum_add(tcp, tlen, sum);
	wr16(tcp + 16, weir_csum_fold(sum));
	m->data_len = (uint16_t)(p->l2_len + hlen + tlen);
	m->pkt_len = m->data_len;
	m->ol_flags = 0;
	return 0;
}

static inline void
set_l2(struct rte_mbuf *m, const uint8_t *dst, const uint8_t *src)
{
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);

	memmove(buf, dst, 6);
	memcpy(buf + 6, src, 6);
}

/* Send e to the connection's backend, from its local IP and port. */
static void
emit_backend(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p,
	     const struct weir_conn *c, const struct weir_tcp_emit *e)
{
	const struct weir_lb_svc_snap *v = &w->lb.snap->svc[c->service];
	unsigned int out = weir.cfg->services[c->service].out_port;

	if (!v->mac_ok[c->backend]) {
		sp_drop(w, WEIR_DROP_NEIGH_MISS, m);
		return;
	}
	if (build(m, p, c->local_ip, c->backend_ip, c->lport, c->bport, e) != 0) {
		sp_drop(w, WEIR_DROP_NO_HEADROOM, m);
		return;
	}
	set_l2(m, v->mac[c->backend], weir.ports[out].mac.addr_bytes);
	sp_tx(w, out, m);
}

/* Send e to the connection's client, from the VIP. */
static void
emit_client(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p,
	    const struct weir_conn *c, const struct weir_tcp_emit *e)
{
	if (build(m, p, c->client.dst, c->client.src, c->client.dport, c->client.sport, e) != 0) {
		sp_drop(w, WEIR_DROP_NO_HEADROOM, m);
		return;
	}
	set_l2(m, c->client_mac, weir.ports[c->in_port].mac.addr_bytes);
	sp_tx(w, c->in_port, m);
}

/* ---- worker: the held segment ------------------------------------------------ */

/* Hold m for connection slot idx: 0, or -1 if it holds one already or
 * hold[] is full. */
static int
sp_hold(struct weir_sp_worker *sp, uint32_t idx, struct rte_mbuf *m, const struct weir_pkt *p)
{
	uint32_t h;

	if (sp->slot[idx].held != 0)
		return -1;
	if (sp->n_hold_free == 0) {
		sp->stats.early_full++;
		return -1;
	}
	h = sp->hold_free[--sp->n_hold_free];
	sp->hold[h].m = m;
	sp->hold[h].p = *p;
	sp->slot[idx].held = h + 1;
	sp->stats.early_held++;
	return 0;
}

/* Take slot idx's held segment out of hold[]: the mbuf, or NULL. */
static struct rte_mbuf *
sp_unhold(struct weir_sp_worker *sp, uint32_t idx, struct weir_pkt *p)
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
weir_sp_held_take(struct weir_worker *w, uint32_t idx, struct weir_pkt *p)
{
	struct weir_sp_worker *sp = &w->lb.sp;
	struct rte_mbuf *m;

	if (sp->slot[idx].held == 0 || sp->slot[idx].s.state == WEIR_TCP_SP_SYN_SENT)
		return NULL;
	m = sp_unhold(sp, idx, p);
	sp->stats.early_sent++;
	return m;
}

void
weir_sp_held_free(struct weir_worker *w, uint32_t idx)
{
	struct weir_sp_worker *sp = &w->lb.sp;
	struct rte_mbuf *m = sp_unhold(sp, idx, NULL);

	if (m != NULL) {
		rte_pktmbuf_free(m);
		sp->stats.early_freed++;
	}
}

/* The connection closed from inside the splice (a RST weir made up). */
static void
conn_closed(struct weir_worker *w, uint32_t idx, struct weir_conn *c, int backend_refused)
{
	struct weir_lb_worker *lw = &w->lb;
	const struct weir_service_config *sc = &weir.cfg->services[c->service];

	/* A segment held for a backend that will never be connected. */
	weir_sp_held_free(w, idx);
	if (backend_refused) {
		weir_sched_observe(&lw->sched[c->service], c->backend, 0, 0);
		lw->backend_fail[c->service * WEIR_MAX_BACKENDS + c->backend]++;
	}
	if (c->state != WEIR_CONN_CLOSED)
		weir_sched_conn_close(&lw->sched[c->service], c->backend);
	c->state = WEIR_CONN_CLOSED;
	weir_ct_set_expire(lw->ct, idx, lw->now + sc->timeouts.closed);
}

/* ---- worker: entry points ------------------------------------------------------ */

int
weir_sp_syn(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p, int svc,
	    int table_full)
{
	const struct weir_synproxy_config *pc = &weir.cfg->services[svc].synproxy;
	struct weir_sp_worker *sp = &w->lb.sp;
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	struct weir_tcp_flow f;
	struct weir_tcp_seg seg;
	struct weir_tcp_emit out;
	unsigned int pi;

	if (!table_full && pc->syn_rate != 0) {
		/* SYNs in this second of the worker's clock, a fixed window. */
		if (sp->syn_sec[svc] != w->lb.now) {
			sp->syn_sec[svc] = w->lb.now;
			sp->syn_count[svc] = 0;
		}
		if (sp->syn_count[svc] <= pc->syn_rate)
			sp->syn_count[svc]++;
		if (sp->syn_count[svc] <= pc->syn_rate)
			return 0;
	}
	flow_of(buf, p, &f);
	seg_of(buf, p, &seg);
	if (weir_tcp_sp_synack(&sp_conf[svc], &sp_key[svc], &f, &seg, sp_counter(w), &out) < 0) {
		sp_drop(w, WEIR_DROP_SYNPROXY_REJECTED, m); /* malformed options */
		return 1;
	}
	/* From the VIP back to where the SYN came from, out of its port. */
	if (build(m, p, f.daddr, f.saddr, rte_cpu_to_be_16(f.dport), rte_cpu_to_be_16(f.sport),
		  &out) != 0) {
		sp_drop(w, WEIR_DROP_NO_HEADROOM, m);
		return 1;
	}
	pi = weir.port_index[m->port];
	set_l2(m, buf + 6, weir.ports[pi].mac.addr_bytes);
	sp->stats.cookies_sent++;
	sp_tx(w, pi, m);
	return 1;
}

int
weir_sp_ack(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p, int svc,
	    struct weir_sp_accept *a)
{
	const struct weir_service_config *sc = &weir.cfg->services[svc];
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	struct weir_tcp_flow f;
	struct weir_tcp_seg seg;

	flow_of(buf, p, &f);
	seg_of(buf, p, &seg);
	if (weir_tcp_sp_accept(&a->s, &sp_conf[svc], &sp_key[svc], &f, &seg, sp_counter(w),
			       &a->syn) < 0) {
		w->lb.sp.stats.cookies_bad++;
		sp_drop(w, WEIR_DROP_SYN_COOKIE_INVALID, m);
		return -1;
	}
	/* The backends' path may be narrower than the client's: the clamp holds. */
	if (sc->mss_clamp != 0 && a->s.mss > sc->mss_clamp) {
		a->s.mss = sc->mss_clamp;
		weir_tcp_sp_backend_syn(&a->s, &a->syn);
	}
	w->lb.sp.stats.cookies_ok++;
	return 0;
}

void
weir_sp_open(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p, uint32_t idx,
	     struct weir_conn *c, const struct weir_sp_accept *a)
{
	w->lb.sp.slot[idx].s = a->s;
	c->flags |= WEIR_CONN_F_SPLICE;
	w->lb.stats.to_backend++;
	emit_backend(w, m, p, c, &a->syn);
}

int
weir_sp_from_client(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p,
		    uint32_t idx, struct weir_conn *c)
{
	struct weir_tcp_splice *s = &w->lb.sp.slot[idx].s;
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	struct weir_tcp_seg seg;
	struct weir_tcp_emit out;
	uint32_t csum = 0;
	int rc;

	seg_of(buf, p, &seg);
	rc = weir_tcp_sp_from_client(s, &seg, &csum, &out);
	if (rc < 0) {
		sp_drop(w, WEIR_DROP_SYNPROXY_REJECTED, m);
		return 0;
	}
	if (rc & WEIR_TCP_SP_FORWARD) {
		seg_store(buf, p, &seg, csum);
		return 1;
	}
	if (rc & WEIR_TCP_SP_EMIT_BACKEND) {
		/* The client reset the connection before the backend answered. */
		conn_closed(w, idx, c, 0);
		emit_backend(w, m, p, c, &out);
		return 0;
	}
	if (s->state != WEIR_TCP_SP_SYN_SENT) {
		sp_drop(w, WEIR_DROP_SYNPROXY_REJECTED, m);
		return 0;
	}
	/*
	 * The backend has not answered yet. The first segment with data (or a
	 * FIN) waits for weir's ACK to the backend and follows it, so a client
	 * that speaks first does not wait for its retransmission timer.
	 */
	if ((rc & WEIR_TCP_SP_HOLD) && sp_hold(&w->lb.sp, idx, m, p) == 0)
		return 0;
	/*
	 * Later ones are dropped (the client retransmits them, after the held
	 * one), but a retransmission after the SYN was sent long enough ago
	 * means the SYN or its answer may be lost: send it again.
	 */
	if ((w->lb.now_tsc - c->syn_tsc) * 1000 >= SYN_RESEND_MS * rte_get_tsc_hz() &&
	    weir_tcp_sp_backend_syn(s, &out) == 0) {
		c->syn_tsc = w->lb.now_tsc;
		emit_backend(w, m, p, c, &out);
		return 0;
	}
	sp_drop(w, WEIR_DROP_SYNPROXY_PENDING, m);
	return 0;
}

int
weir_sp_from_backend(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p,
		     uint32_t idx, struct weir_conn *c)
{
	struct weir_tcp_splice *s = &w->lb.sp.slot[idx].s;
	struct weir_lb_worker *lw = &w->lb;
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	struct weir_tcp_seg seg;
	struct weir_tcp_emit out;
	uint32_t csum = 0;
	int rc;

	seg_of(buf, p, &seg);
	rc = weir_tcp_sp_from_backend(s, &seg, &csum, &out);
	if (rc < 0) {
		sp_drop(w, WEIR_DROP_SYNPROXY_REJECTED, m);
		return 0;
	}
	if (rc & WEIR_TCP_SP_FORWARD) {
		seg_store(buf, p, &seg, csum);
		return 1;
	}
	if ((rc & WEIR_TCP_SP_FLUSH) && !(c->flags & WEIR_CONN_F_SYNACK)) {
		/* The backend's SYN-ACK: the client is connected already, so the
		 * connection is established from here; the RTT sample is weir's
		 * SYN to this SYN-ACK. */
		const struct weir_service_config *sc = &weir.cfg->services[c->service];
		uint64_t ns = (lw->now_tsc - c->syn_tsc) * 1000000000ULL / rte_get_tsc_hz();

		c->flags |= WEIR_CONN_F_SYNACK;
		weir_sched_observe(&lw->sched[c->service], c->backend, 1, ns);
		c->state = WEIR_CONN_ESTABLISHED;
		c->expire = lw->now + sc->timeouts.established;
	}
	if (rc & WEIR_TCP_SP_EMIT_BACKEND) {
		emit_backend(w, m, p, c, &out);
		return 0;
	}
	if (rc & WEIR_TCP_SP_EMIT_CLIENT) {
		/* The backend refused the connection: tell the client. */
		conn_closed(w, idx, c, 1);
		emit_client(w, m, p, c, &out);
		return 0;
	}
	sp_drop(w, WEIR_DROP_SYNPROXY_REJECTED, m);
	return 0;
}

/* ---- control ---------------------------------------------------------------------- */

void
weir_sp_worker_json(const struct weir_worker *w, json_t *o)
{
	const struct weir_sp_stats *s = &w->lb.sp.stats;

#define SP_STAT(f) json_integer((json_int_t)__atomic_load_n(&s->f, __ATOMIC_RELAXED))
	json_object_set_new(o, "syn_cookies_sent", SP_STAT(cookies_sent));
	json_object_set_new(o, "syn_cookies_ok", SP_STAT(cookies_ok));
	json_object_set_new(o, "syn_cookies_bad", SP_STAT(cookies_bad));
	json_object_set_new(o, "syn_early_held", SP_STAT(early_held));
	json_object_set_new(o, "syn_early_sent", SP_STAT(early_sent));
	json_object_set_new(o, "syn_early_freed", SP_STAT(early_freed));
	json_object_set_new(o, "syn_early_full", SP_STAT(early_full));
#undef SP_STAT
	json_object_set_new(
		o, "syn_early_holding",
		json_integer(w->lb.sp.hold == NULL
				     ? 0
				     : (json_int_t)(WEIR_SP_HOLD_MAX -
						    __atomic_load_n(&w->lb.sp.n_hold_free,
								    __ATOMIC_RELAXED))));
}

json_t *
weir_sp_service_json(unsigned int svc)
{
	const struct weir_synproxy_config *pc = &weir.cfg->services[svc].synproxy;

	if (!pc->enabled)
		return NULL;
	return json_pack("{s:I, s:i, s:i, s:s}", "syn_rate", (json_int_t)pc->syn_rate, "mss",
			 pc->mss, "wscale", pc->wscale, "secret",
			 pc->has_secret ? "configured" : "random");
}
