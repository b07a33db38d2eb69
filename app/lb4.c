/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * L4 load balancing: see lb4.h for the split between control and workers.
 *
 * FullNAT, client -> VIP:vport becomes local:lport -> backend:bport, and the
 * backend's reply local:lport <- backend:bport goes back as VIP:vport ->
 * client:cport. Local ports are partitioned by worker (lport % n_workers is
 * the worker), so the owner of a reply is a function of its destination
 * port alone and replies reach the worker holding the connection through
 * the ordinary steering rings.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "lb4.h"
#include "weir.h"

#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_IPIP 4
#define PROTO_IPV6 41
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

#define LPORT_MIN 1024
#define LPORT_TRIES 64       /* candidate ports scanned per local IP */
#define EXPIRE_BUDGET 256    /* connections aged per loop iteration */
#define NEIGH_RING_SIZE 256
#define NEIGH_REQUEST_GAP_MS 1000 /* at most one ARP/NS per backend per second */
#define NEIGH_REFRESH_S 60        /* re-resolve learned neighbours this often */
#define MAX_LOCALS 64

/* An ARP/ND observation: a worker saw ip at mac on port. */
struct neigh_msg {
	uint8_t port;
	uint8_t family;
	uint8_t pad[2];
	uint8_t ip[16];
	uint8_t mac[6];
	uint8_t pad2[6];
};

/* Control-side view of one backend's next hop. */
struct neigh_entry {
	uint8_t mac[6];
	uint8_t ok;      /* resolved */
	uint8_t is_static;
	uint64_t learned_ms;
	uint64_t asked_ms;
};

static struct {
	/* Admin state of pools (control thread only). */
	uint32_t weight[WEIR_MAX_POOLS][WEIR_MAX_BACKENDS];
	uint8_t enabled[WEIR_MAX_POOLS][WEIR_MAX_BACKENDS];
	/* Next hop of each backend, per pool (a pool may serve several services
	 * but its backends are reached through each service's port; we keep one
	 * entry per service and backend). */
	struct neigh_entry neigh[WEIR_MAX_SERVICES][WEIR_MAX_BACKENDS];
	uint64_t version;
	uint64_t ctl_tx_dropped; /* requests lost to a full ring */
} lbc;


/* Distinct local (SNAT) addresses; each service maps its local IPs here. */
static unsigned int n_locals;
static struct weir_addr locals[MAX_LOCALS];
static uint8_t svc_local[WEIR_MAX_SERVICES][WEIR_MAX_LOCAL_IPS];

static uint64_t
now_ms(void)
{
	return rte_get_tsc_cycles() * 1000 / rte_get_tsc_hz();
}

static inline size_t
ip_len(uint8_t family)
{
	return family == 4 ? 4 : 16;
}

/* ---- checksums (RFC 1624 incremental updates) ---------------------------- */

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ---- services and local addresses -------------------------------------- */

static int
find_service(uint8_t family, const uint8_t *dst, uint16_t dport_be, uint8_t proto)
{
	const struct weir_config *cfg = weir.cfg;
	uint16_t dport = rte_be_to_cpu_16(dport_be);
	unsigned int i;

	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_service_config *s = &cfg->services[i];

		if (s->port == dport && s->proto == proto && s->vip.family == family &&
		    memcmp(s->vip.ip, dst, ip_len(family)) == 0)
			return (int)i;
	}
	return -1;
}

static int
find_local(uint8_t family, const uint8_t *ip)
{
	unsigned int i;

	for (i = 0; i < n_locals; i++)
		if (locals[i].family == family && memcmp(locals[i].ip, ip, ip_len(family)) == 0)
			return (int)i;
	return -1;
}

unsigned int
weir_lb_owner(const uint8_t *buf, const struct weir_pkt *p, unsigned int n_workers)
{
	if ((p->l3 == WEIR_L3_IPV4 || p->l3 == WEIR_L3_IPV6) &&
	    (p->l4_proto == PROTO_TCP || p->l4_proto == PROTO_UDP) &&
	    !(p->flags & WEIR_PKT_F_FRAG)) {
		const uint8_t *ip = buf + p->l2_len;
		uint8_t family = p->l3 == WEIR_L3_IPV4 ? 4 : 6;

		if (find_local(family, family == 4 ? ip + 16 : ip + 24) >= 0)
			return rd16(buf + p->l4_off + 2) % n_workers;
	}
	return weir_pkt_client_hash(buf, p) % n_workers;
}

/* ---- snapshots ----------------------------------------------------------- */

static size_t
snap_size(unsigned int n)
{
	return sizeof(struct weir_lb_snap) + n * sizeof(struct weir_lb_svc_snap);
}

static void
snap_free(struct weir_lb_snap *s)
{
	unsigned int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_services; i++)
		if (s->svc[i].table_owned)
			weir_maglev_free(s->svc[i].table);
	rte_free(s);
}

/*
 * Build the next snapshot from the admin state. Maglev tables are rebuilt
 * only for services whose effective weights changed; the others move over.
 */
static struct weir_lb_snap *
snap_build(struct weir_lb_snap *old)
{
	const struct weir_config *cfg = weir.cfg;
	struct weir_lb_snap *s;
	unsigned int i, b;

	s = rte_zmalloc("weir_lb_snap", snap_size(cfg->n_services), RTE_CACHE_LINE_SIZE);
	if (s == NULL)
		return NULL;
	s->n_services = cfg->n_services;
	s->version = ++lbc.version;
	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_service_config *sc = &cfg->services[i];
		const struct weir_pool_config *pl = &cfg->pools[sc->pool];
		struct weir_lb_svc_snap *v = &s->svc[i];
		struct weir_maglev_entry e[WEIR_MAX_BACKENDS];

		for (b = 0; b < pl->n_backends; b++) {
			const struct neigh_entry *ne = &lbc.neigh[i][b];

			v->weight[b] = lbc.enabled[sc->pool][b] ? lbc.weight[sc->pool][b] : 0;
			memcpy(v->mac[b], ne->mac, 6);
			v->mac_ok[b] = ne->ok;
			e[b].id = weir_lb_backend_id(pl->backends[b].addr.family,
						     pl->backends[b].addr.ip, pl->backends[b].port);
			e[b].weight = v->weight[b];
		}
		if (sc->scheduler != WEIR_SCHED_MAGLEV && sc->forwarding != WEIR_FWD_DSR_IPIP)
			continue;
		if (old != NULL && old->svc[i].table != NULL &&
		    memcmp(old->svc[i].weight, v->weight, sizeof(v->weight)) == 0) {
			v->table = old->svc[i].table;
			v->table_owned = 1;
			old->svc[i].table_owned = 0;
			continue;
		}
		v->table = weir_maglev_build(cfg->maglev_size, e, pl->n_backends);
		if (v->table == NULL) {
			snap_free(s);
			return NULL;
		}
		v->table_owned = 1;
	}
	return s;
}

/* Publish a new snapshot; the old one is freed after every worker passed a
 * quiescent state, so none can still be reading it. */
static int
snap_publish(void)
{
	struct weir_lb_snap *old = weir.lb_snap, *s = snap_build(old);

	if (s == NULL)
		return -ENOMEM;
	__atomic_store_n(&weir.lb_snap, s, __ATOMIC_RELEASE);
	rte_rcu_qsbr_synchronize(weir.qs, RTE_QSBR_THRID_INVALID);
	snap_free(old);
	return 0;
}

/* ---- worker: per-iteration work ----------------------------------------- */

static inline void tx_enqueue(struct weir_worker *w, unsigned int pi, struct rte_mbuf *m);

static void
sched_refresh(struct weir_worker *w, const struct weir_lb_snap *s)
{
	struct weir_lb_worker *lw = &w->lb;
	unsigned int i, b;

	for (i = 0; i < s->n_services; i++) {
		struct weir_sched *sc = &lw->sched[i];

		for (b = 0; b < sc->n; b++)
			sc->b[b].weight = s->svc[i].weight[b];
		sc->table = s->svc[i].table;
	}
	lw->version = s->version;
}

/* A backend refused (RST) or did not answer a handshake: the schedulers
 * that weigh failures (adaptive) learn it, and the count is shown. */
static void
handshake_failed(struct weir_worker *w, const struct weir_conn *c)
{
	weir_sched_observe(&w->lb.sched[c->service], c->backend, 0, 0);
	w->lb.backend_fail[c->service * WEIR_MAX_BACKENDS + c->backend]++;
}

/* Give back what a connection holds: its local port, its place in the
 * backend's active count unless it already closed, and a client segment
 * held by the synproxy. */
static void
conn_release(struct weir_worker *w, struct weir_conn *c)
{
	struct weir_lb_worker *lw = &w->lb;

	if (c->flags & WEIR_CONN_F_SPLICE)
		weir_sp_held_free(w, weir_ct_index(lw->ct, c));
	if (c->flags & WEIR_CONN_F_LPORT) {
		int li = find_local(c->client.family, c->local_ip);

		if (li >= 0) {
			unsigned int slot = (unsigned int)li * 2 + (c->client.proto == PROTO_UDP);

			lw->lport_slot[slot][rte_be_to_cpu_16(c->lport) / weir.n_workers] =
				WEIR_CONN_NONE;
			lw->lport_used[slot]--;
		}
	}
	if (c->state != WEIR_CONN_CLOSED)
		weir_sched_conn_close(&lw->sched[c->service], c->backend);
	weir_adm_release(w, c->src_ref);
}

static void
conn_done(void *arg, struct weir_conn *c)
{
	struct weir_worker *w = arg;

	/* A FullNAT handshake that timed out failed (DSR never sees the
	 * backend's SYN-ACK, so its half-open entries say nothing). */
	if (c->state == WEIR_CONN_SYN && (c->flags & WEIR_CONN_F_LPORT) &&
	    !(c->flags & WEIR_CONN_F_SYNACK))
		handshake_failed(w, c);

	conn_release(w, c);
	w->lb.stats.conn_expired++;
}

unsigned int
weir_lb_iteration(struct weir_worker *w)
{
	struct weir_lb_worker *lw = &w->lb;
	const struct weir_lb_snap *s;
	unsigned int aged = 0;

	rte_rcu_qsbr_quiescent(weir.qs, w->id);
	s = __atomic_load_n(&weir.lb_snap, __ATOMIC_ACQUIRE);
	if (s->version != lw->version)
		sched_refresh(w, s);
	lw->snap = s;
	lw->now_tsc = rte_get_tsc_cycles();
	lw->now = (uint32_t)((lw->now_tsc - weir.start_tsc) / rte_get_tsc_hz());
	weir_adm_iteration(w);
	if (lw->ct != NULL)
		aged = weir_ct_expire(lw->ct, lw->now, EXPIRE_BUDGET, conn_done, w);
	if (lw->ctl_tx != NULL) {
		struct rte_mbuf *m[8];
		unsigned int n, k;

		n = rte_ring_dequeue_burst(lw->ctl_tx, (void **)m, RTE_DIM(m), NULL);
		for (k = 0; k < n; k++)
			tx_enqueue(w, weir.port_index[m[k]->port], m[k]);
	}
	return aged;
}

void
weir_lb_offline(struct weir_worker *w)
{
	rte_rcu_qsbr_thread_offline(weir.qs, w->id);
}

/* ---- worker: packet path -------------------------------------------------- */

static inline void
tx_enqueue(struct weir_worker *w, unsigned int pi, struct rte_mbuf *m)
{
	struct weir_txbuf *b = &w->tx[pi];

	b->pkts[b->n++] = m;
	if (b->n == RTE_DIM(b->pkts))
		weir_worker_tx_flush(w, pi);
}

static inline void
drop(struct weir_worker *w, enum weir_pkt_drop why, struct rte_mbuf *m)
{
	w->stats.drops[why]++;
	rte_pktmbuf_free(m);
}

static void
neigh_notify(struct weir_worker *w, unsigned int pi, uint8_t family, const uint8_t *ip,
	     const uint8_t *mac)
{
	struct neigh_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.port = (uint8_t)pi;
	msg.family = family;
	memcpy(msg.ip, ip, ip_len(family));
	memcpy(msg.mac, mac, 6);
	/* Best effort: a full ring loses an observation that will come again. */
	if (rte_ring_enqueue_elem(w->lb.neigh, &msg, sizeof(msg)) == 0)
		w->lb.stats.neigh_learned++;
}

/* Pass ARP senders and ND link-layer options to control (backends' MACs). */
static void
neigh_observe(struct weir_worker *w, unsigned int pi, const uint8_t *buf,
	      const struct weir_pkt *p)
{
	if (p->l3 == WEIR_L3_ARP) {
		const uint8_t *a = buf + p->l2_len;

		if (rd16(a + 6) == 1 || rd16(a + 6) == 2)
			neigh_notify(w, pi, 4, a + 14, a + 8);
	} else if (p->l3 == WEIR_L3_IPV6 && p->l4_proto == 58 && p->l4_len >= 24 &&
		   !(p->flags & WEIR_PKT_F_FRAG)) {
		const uint8_t *icmp = buf + p->l4_off;
		size_t off;

		if (icmp[0] != 135 && icmp[0] != 136)
			return;
		for (off = 24; off + 8 <= p->l4_len && icmp[off + 1] != 0;
		     off += (size_t)icmp[off + 1] * 8) {
			/* NS carries the sender's address (option 1), NA the target's (2). */
			if (icmp[0] == 135 && icmp[off] == 1)
				neigh_notify(w, pi, 6, buf + p->l2_len + 8, icmp + off + 2);
			else if (icmp[0] == 136 && icmp[off] == 2)
				neigh_notify(w, pi, 6, icmp + 8, icmp + off + 2);
		}
	}
}

/*
 * A free local port of this worker for connection slot idx, on one of the
 * service's local IPs: the reply's destination port names its connection
 * (lport_slot), so replies need no key of their own in the table.
 */
static int
lport_alloc(struct weir_worker *w, unsigned int svc, uint8_t proto, uint32_t hash, uint32_t idx,
	    unsigned int *li_out, uint16_t *port_out)
{
	const struct weir_service_config *sc = &weir.cfg->services[svc];
	struct weir_lb_worker *lw = &w->lb;
	unsigned int k, t;

	for (k = 0; k < sc->n_local_ips; k++) {
		unsigned int li = svc_local[svc][(hash + k) % sc->n_local_ips];
		unsigned int slot = li * 2 + (proto == PROTO_UDP);
		uint32_t *slots = lw->lport_slot[slot];
		uint32_t cur = lw->lport_cursor[slot];

		if (lw->lport_used[slot] >= lw->lport_span)
			continue; /* every port of this local IP is held */
		/* From the cursor on: connections mostly end in the order they
		 * began, so the ports just ahead are the ones freed longest ago. */
		for (t = 0; t < LPORT_TRIES; t++) {
			uint32_t j = lw->lport_jmin + cur;

			if (++cur == lw->lport_span)
				cur = 0;
			if (slots[j] != WEIR_CONN_NONE)
				continue;
			slots[j] = idx;
			lw->lport_cursor[slot] = cur;
			lw->lport_used[slot]++;
			*li_out = li;
			*port_out = (uint16_t)(j * weir.n_workers + w->id);
			return 0;
		}
		lw->lport_cursor[slot] = cur;
	}
	return -ENOSPC;
}

/* Clamp the MSS option of a SYN or SYN-ACK. */
static void
mss_clamp(uint8_t *tcp, size_t hlen, uint16_t clamp, uint8_t *csum)
{
	size_t off = 20;

	while (off + 1 < hlen) {
		uint8_t kind = tcp[off], len;

		if (kind == 0)
			return;
		if (kind == 1) {
			off++;
			continue;
		}
		len = tcp[off + 1];
		if (len < 2 || off + len > hlen)
			return;
		if (kind == 2 && len == 4 && rd16(tcp + off + 2) > clamp) {
			/* Update over the aligned words covering the option. */
			size_t a = off & ~(size_t)1;
			uint8_t old[6], new[6];

			/* 4 bytes at an even offset, else 6: constants, so that the
			 * compiler sees every byte read is written. */
			if (off & 1) {
				memcpy(old, tcp + a, 6);
				wr16(tcp + off + 2, clamp);
				memcpy(new, tcp + a, 6);
				weir_csum_update(csum, old, new, 6);
			} else {
				memcpy(old, tcp + a, 4);
				wr16(tcp + off + 2, clamp);
				memcpy(new, tcp + a, 4);
				weir_csum_update(csum, old, new, 4);
			}
			return;
		}
		off += len;
	}
}

/*
 * Rewrite addresses and ports in place and fix checksums incrementally.
 * src/dst are 4 or 16 bytes; sport/dport network order.
 */
static void
rewrite(struct rte_mbuf *m, const struct weir_pkt *p, const uint8_t *src, const uint8_t *dst,
	uint16_t sport, uint16_t dport, unsigned int out)
{
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *ip = buf + p->l2_len, *l4 = buf + p->l4_off;
	int v4 = p->l3 == WEIR_L3_IPV4;
	size_t alen = v4 ? 4 : 16;
	uint8_t *saddr = v4 ? ip + 12 : ip + 8, *daddr = v4 ? ip + 16 : ip + 24;
	uint8_t *csum = p->l4_proto == PROTO_TCP ? l4 + 16 : l4 + 6;
	int l4csum = !(p->l4_proto == PROTO_UDP && v4 && rd16(csum) == 0);
	uint8_t ports_old[4], ports_new[4];

	memcpy(ports_old, l4, 4);
	memcpy(ports_new, &sport, 2);
	memcpy(ports_new + 2, &dport, 2);
	if (l4csum) {
		weir_csum_update(csum, saddr, src, alen);
		weir_csum_update(csum, daddr, dst, alen);
		weir_csum_update(csum, ports_old, ports_new, 4);
		/* A UDP checksum that computes to 0 is sent as 0xffff (RFC 768). */
		if (p->l4_proto == PROTO_UDP && rd16(csum) == 0)
			wr16(csum, 0xffff);
	}
	m->ol_flags = 0;
	if (v4 && weir.ports[out].tx_ip_cksum) {
		/* The port computes it (the IPv4 header checksum offload). */
		wr16(ip + 10, 0);
		m->l2_len = p->l2_len;
		m->l3_len = (uint64_t)(ip[0] & 0x0f) * 4;
		m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	} else if (v4) {
		weir_csum_update(ip + 10, saddr, src, 4);
		weir_csum_update(ip + 10, daddr, dst, 4);
	}
	memcpy(saddr, src, alen);
	memcpy(daddr, dst, alen);
	memcpy(l4, ports_new, 4);
}

/* Encapsulate for DSR: outer IPv4 (proto 4) or IPv6 (next header 41). */
static int
encap(struct rte_mbuf *m, const struct weir_pkt *p, const uint8_t *src, const uint8_t *dst)
{
	int v4 = p->l3 == WEIR_L3_IPV4;
	uint16_t olen = v4 ? 20 : 40;
	uint16_t inner = p->l3_total;
	uint8_t *buf, *o;

	/* Drop Ethernet padding first: the outer length counts the IP packet only. */
	if (rte_pktmbuf_trim(m, (uint16_t)(m->data_len - p->l2_len - inner)) != 0)
		return -EINVAL;
	buf = (uint8_t *)rte_pktmbuf_prepend(m, olen);
	if (buf == NULL)
		return -ENOSPC;
	memmove(buf, buf + olen, p->l2_len);
	o = buf + p->l2_len;
	memset(o, 0, olen);
	if (v4) {
		o[0] = 0x45;
		o[1] = buf[p->l2_len + olen + 1]; /* keep the inner TOS */
		wr16(o + 2, (uint16_t)(inner + 20));
		o[8] = 64;
		o[9] = PROTO_IPIP;
		memcpy(o + 12, src, 4);
		memcpy(o + 16, dst, 4);
		wr16(o + 10, weir_csum_fold(weir_csum_add(o, 20, 0)));
	} else {
		o[0] = 0x60;
		wr16(o + 4, inner);
		o[6] = PROTO_IPV6;
		o[7] = 64;
		memcpy(o + 8, src, 16);
		memcpy(o + 24, dst, 16);
	}
	return 0;
}

static inline void
set_l2(uint8_t *buf, const uint8_t *dst, const uint8_t *src)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
}

static uint32_t
state_timeout(const struct weir_service_config *sc, uint8_t state)
{
	switch (state) {
	case WEIR_CONN_SYN:
		return sc->timeouts.syn;
	case WEIR_CONN_ESTABLISHED:
		return sc->timeouts.established;
	case WEIR_CONN_FIN:
		return sc->timeouts.fin;
	case WEIR_CONN_CLOSED:
		return sc->timeouts.closed;
	default:
		return sc->timeouts.udp;
	}
}

/* TCP state after a segment; from_client tells the direction. */
static void
track(struct weir_worker *w, uint32_t idx, struct weir_conn *c, uint8_t flags, int from_client)
{
	const struct weir_service_config *sc = &weir.cfg->services[c->service];
	struct weir_lb_worker *lw = &w->lb;
	uint8_t before = c->state;

	if (c->state == WEIR_CONN_UDP) {
		c->expire = lw->now + sc->timeouts.udp;
		return;
	}
	if (flags & TCP_RST) {
		if (!from_client && c->state == WEIR_CONN_SYN)
			handshake_failed(w, c);
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
			uint64_t ns = (lw->now_tsc - c->syn_tsc) * 1000000000ULL / rte_get_tsc_hz();

			c->flags |= WEIR_CONN_F_SYNACK;
			weir_sched_observe(&lw->sched[c->service], c->backend, 1, ns);
		}
	} else if (from_client && c->state == WEIR_CONN_SYN && (flags & TCP_ACK) &&
		   !(flags & TCP_SYN) && (c->flags & WEIR_CONN_F_SYNACK)) {
		c->state = WEIR_CONN_ESTABLISHED;
	}
	/* A closed connection no longer loads its backend (least_conn, adaptive),
	 * though its entry lingers for late segments. */
	if (c->state == WEIR_CONN_CLOSED && before != WEIR_CONN_CLOSED)
		weir_sched_conn_close(&lw->sched[c->service], c->backend);
	if (c->state != before && state_timeout(sc, c->state) < state_timeout(sc, before))
		weir_ct_set_expire(lw->ct, idx, lw->now + state_timeout(sc, c->state));
	else
		c->expire = lw->now + state_timeout(sc, c->state);
}

static inline uint8_t
tcp_flags(const uint8_t *buf, const struct weir_pkt *p)
{
	return p->l4_proto == PROTO_TCP ? buf[p->l4_off + 13] : 0;
}

/* Client -> backend for an existing (or just created) connection. */
static void
to_backend(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p,
	   struct weir_conn *c)
{
	const struct weir_service_config *sc = &weir.cfg->services[c->service];
	const struct weir_lb_svc_snap *v = &w->lb.snap->svc[c->service];
	unsigned int out = sc->out_port;
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);

	if (!v->mac_ok[c->backend]) {
		/* Control asks for unresolved backends once a second by itself. */
		drop(w, WEIR_DROP_NEIGH_MISS, m);
		return;
	}
	if (sc->forwarding == WEIR_FWD_DSR_IPIP) {
		if (encap(m, p, c->local_ip, c->backend_ip) != 0) {
			drop(w, WEIR_DROP_NO_HEADROOM, m);
			return;
		}
		/* The outer header's checksum is computed in encap(). */
		m->ol_flags = 0;
		buf = rte_pktmbuf_mtod(m, uint8_t *);
	} else {
		if (sc->mss_clamp && p->l4_proto == PROTO_TCP && (tcp_flags(buf, p) & TCP_SYN))
			mss_clamp(buf + p->l4_off, (size_t)(buf[p->l4_off + 12] >> 4) * 4,
				  sc->mss_clamp, buf + p->l4_off + 16);
		rewrite(m, p, c->local_ip, c->backend_ip, c->lport, c->bport, out);
		/* Ethernet padding is not part of the packet: keep the IP length. */
		m->data_len = m->pkt_len = (uint32_t)(p->l2_len + p->l3_total);
	}
	set_l2(buf, v->mac[c->backend], weir.ports[out].mac.addr_bytes);
	w->lb.stats.to_backend++;
	tx_enqueue(w, out, m);
}

/* Backend -> client through the connection's client side. */
static void
to_client(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p,
	  struct weir_conn *c)
{
	const struct weir_service_config *sc = &weir.cfg->services[c->service];
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);

	if (sc->mss_clamp && p->l4_proto == PROTO_TCP && (tcp_flags(buf, p) & TCP_SYN))
		mss_clamp(buf + p->l4_off, (size_t)(buf[p->l4_off + 12] >> 4) * 4, sc->mss_clamp,
			  buf + p->l4_off + 16);
	rewrite(m, p, c->client.dst, c->client.src, c->client.dport, c->client.sport, c->in_port);
	m->data_len = m->pkt_len = (uint32_t)(p->l2_len + p->l3_total);
	set_l2(buf, c->client_mac, weir.ports[c->in_port].mac.addr_bytes);
	w->lb.stats.to_client++;
	tx_enqueue(w, c->in_port, m);
}

/*
 * synproxy: weir has just ACKed the backend's SYN-ACK; the client segment
 * held meanwhile follows that ACK, translated and tracked like any client
 * segment of a spliced connection (its admission was checked on arrival).
 */
static void
sp_send_held(struct weir_worker *w, uint32_t idx, struct weir_conn *c)
{
	struct weir_pkt p;
	struct rte_mbuf *m = weir_sp_held_take(w, idx, &p);

	if (m == NULL || !weir_sp_from_client(w, m, &p, idx, c))
		return;
	track(w, idx, c, tcp_flags(rte_pktmbuf_mtod(m, uint8_t *), &p), 1);
	to_backend(w, m, &p, c);
}

static uint64_t
flow_hash(const struct weir_conn_key *k, int sticky_source)
{
	return sticky_source ? weir_lb_hash64(k->src, 16, k->family)
			     : weir_lb_hash64(k, sizeof(*k), 0);
}

/* A packet to a service with no connection entry. */
/*
 * Answer a client's SYN with an RST+ACK, in place, out of the port it came
 * in on: the RFC 793 answer to a SYN nobody will take. 0, or -1 when it is
 * not a SYN or the frame cannot carry the answer (IPv6 extension headers).
 */
int
weir_lb_rst_reply(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p)
{
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *ip = buf + p->l2_len, *tcp = buf + p->l4_off;
	int v4 = p->l3 == WEIR_L3_IPV4;
	size_t alen = v4 ? 4 : 16, hlen = v4 ? 20 : 40;
	uint8_t src[16], dst[16], sport[2], dport[2], ph[8] = {0};
	uint32_t seq, ack, sum;
	size_t doff = (size_t)(tcp[12] >> 4) * 4, data;
	unsigned int pi = weir.port_index[m->port];

	if ((tcp[13] & (TCP_SYN | TCP_ACK)) != TCP_SYN || (!v4 && p->l4_off != p->l2_len + 40))
		return -1;
	data = p->l3_total - (p->l4_off - p->l2_len) - doff;
	memcpy(src, v4 ? ip + 12 : ip + 8, alen);
	memcpy(dst, v4 ? ip + 16 : ip + 24, alen);
	memcpy(sport, tcp, 2);
	memcpy(dport, tcp + 2, 2);
	memcpy(&seq, tcp + 4, 4);
	ack = rte_cpu_to_be_32(rte_be_to_cpu_32(seq) + 1 + (uint32_t)data);
	tcp = ip + hlen;
	if (v4) {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		wr16(ip + 2, 40);
		ip[8] = 64;
		ip[9] = PROTO_TCP;
		memcpy(ip + 12, dst, 4);
		memcpy(ip + 16, src, 4);
		wr16(ip + 10, weir_csum_fold(weir_csum_add(ip, 20, 0)));
		ph[1] = PROTO_TCP;
		ph[3] = 20;
	} else {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		wr16(ip + 4, 20);
		ip[6] = PROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, dst, 16);
		memcpy(ip + 24, src, 16);
		ph[3] = 20;
		ph[7] = PROTO_TCP;
	}
	memset(tcp, 0, 20);
	memcpy(tcp, dport, 2);
	memcpy(tcp + 2, sport, 2);
	memcpy(tcp + 8, &ack, 4);
	tcp[12] = 5 << 4;
	tcp[13] = TCP_RST | TCP_ACK;
	sum = weir_csum_add(dst, alen, 0);
	sum = weir_csum_add(src, alen, sum);
	sum = weir_csum_add(ph, v4 ? 4 : 8, sum);
	sum = weir_csum_add(tcp, 20, sum);
	wr16(tcp + 16, weir_csum_fold(sum));
	m->data_len = m->pkt_len = (uint32_t)(p->l2_len + hlen + 20);
	m->ol_flags = 0;
	set_l2(buf, buf + 6, weir.ports[pi].mac.addr_bytes);
	tx_enqueue(w, pi, m);
	return 0;
}

static void
new_flow(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p, int svc,
	 const struct weir_conn_key *k)
{
	const struct weir_service_config *sc = &weir.cfg->services[svc];
	const struct weir_pool_config *pl = &weir.cfg->pools[sc->pool];
	struct weir_lb_worker *lw = &w->lb;
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t flags = tcp_flags(buf, p);
	uint64_t fh = flow_hash(k, sc->sticky_source);
	uint64_t sh = weir_lb_hash64(k->src, 16, k->family);
	const struct weir_backend_config *bc;
	unsigned int li = 0;
	uint16_t lport = 0;
	struct weir_conn *c, tmp;
	struct weir_sp_accept spa;
	int cookie = 0, allowed;
	uint32_t b, idx, ref[2];

	/* A client without a connection: allow/deny prefixes, bans, and for a
	 * new connection the limits, before any backend is chosen. */
	if (p->l4_proto == PROTO_TCP && (flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN) {
		/* synproxy: an ACK may end a cookie handshake (its SYN was
		 * admitted when it came); a bad cookie is dropped in there. */
		if (sc->synproxy.enabled && (flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_ACK) {
			if (weir_sp_ack(w, m, p, svc, &spa) != 0)
				return;
			/* The source is proven now: admitted here, not at its
			 * SYN, so spoofed SYNs never take a source entry. */
			if ((allowed = weir_adm_gate(w, m, k)) < 0 ||
			    !weir_adm_limits(w, m, p, (unsigned int)svc, k, allowed, ref))
				return;
			cookie = 1;
			goto pick;
		}
		/* Mid-connection without state (after a restart, or table full when
		 * it began). DSR can still forward it consistently by Maglev: the
		 * backend has the connection. FullNAT cannot: the reply mapping is
		 * gone. */
		if (weir_adm_gate(w, m, k) < 0)
			return;
		if (sc->forwarding != WEIR_FWD_DSR_IPIP || lw->snap->svc[svc].table == NULL) {
			drop(w, WEIR_DROP_NO_CONN, m);
			return;
		}
		b = weir_maglev_lookup(lw->snap->svc[svc].table, fh);
		goto stateless;
	}
	if ((allowed = weir_adm_gate(w, m, k)) < 0)
		return;
	/* synproxy: over the SYN rate, a cookie SYN-ACK and no state (limits
	 * wait for the cookie's ACK). */
	if (sc->synproxy.enabled && weir_sp_syn(w, m, p, svc, 0))
		return;
	if (!weir_adm_limits(w, m, p, (unsigned int)svc, k, allowed, ref))
		return;
pick:
	b = weir_sched_pick(&lw->sched[svc], fh, sh);
	if (b == WEIR_LB_NONE || !lw->snap->svc[svc].mac_ok[b]) {
		weir_adm_release(w, ref);
		drop(w, b == WEIR_LB_NONE ? WEIR_DROP_NO_BACKEND : WEIR_DROP_NEIGH_MISS, m);
		return;
	}
	bc = &pl->backends[b];
	idx = weir_ct_add(lw->ct, k, lw->now + (p->l4_proto == PROTO_TCP ? sc->timeouts.syn
									     : sc->timeouts.udp));
	if (idx == WEIR_CONN_NONE) {
		/* Not tracked, so it holds nothing. */
		weir_adm_release(w, ref);
		if (sc->synproxy.enabled && !cookie && weir_sp_syn(w, m, p, svc, 1))
			return; /* table full: a cookie costs no entry */
		if (sc->forwarding == WEIR_FWD_FULLNAT) {
			drop(w, WEIR_DROP_CONN_TABLE_FULL, m);
			return;
		}
		goto stateless;
	}
	if (sc->forwarding == WEIR_FWD_FULLNAT &&
	    lport_alloc(w, (unsigned int)svc, p->l4_proto,
			(uint32_t)(sc->sticky_source ? flow_hash(k, 0) : fh), idx, &li, &lport) != 0) {
		weir_ct_del(lw->ct, idx);
		weir_adm_release(w, ref);
		drop(w, WEIR_DROP_LPORT_EXHAUSTED, m);
		return;
	}
	c = weir_ct_get(lw->ct, idx);
	c->src_ref[0] = ref[0];
	c->src_ref[1] = ref[1];
	c->service = (uint8_t)svc;
	c->backend = (uint16_t)b;
	c->state = p->l4_proto == PROTO_TCP ? WEIR_CONN_SYN : WEIR_CONN_UDP;
	c->syn_tsc = lw->now_tsc;
	c->in_port = weir.port_index[m->port];
	memcpy(c->client_mac, buf + 6, 6);
	memcpy(c->backend_ip, bc->addr.ip, ip_len(bc->addr.family));
	c->bport = rte_cpu_to_be_16(bc->port);
	if (sc->forwarding == WEIR_FWD_FULLNAT) {
		memcpy(c->local_ip, locals[li].ip, ip_len(locals[li].family));
		c->lport = rte_cpu_to_be_16(lport);
		c->flags |= WEIR_CONN_F_LPORT;
	} else {
		memcpy(c->local_ip, locals[svc_local[svc][0]].ip, ip_len(bc->addr.family));
	}
	weir_sched_conn_open(&lw->sched[svc], b);
	lw->backend_new[svc * WEIR_MAX_BACKENDS + b]++;
	lw->stats.conn_new++;
	if (cookie) {
		weir_sp_open(w, m, p, idx, c, &spa);
		return;
	}
	to_backend(w, m, p, c);
	return;

stateless:
	if (b == WEIR_LB_NONE || !lw->snap->svc[svc].mac_ok[b]) {
		drop(w, b == WEIR_LB_NONE ? WEIR_DROP_NO_BACKEND : WEIR_DROP_NEIGH_MISS, m);
		return;
	}
	bc = &pl->backends[b];
	memset(&tmp, 0, sizeof(tmp));
	tmp.client = *k;
	tmp.service = (uint8_t)svc;
	tmp.backend = (uint16_t)b;
	memcpy(tmp.backend_ip, bc->addr.ip, ip_len(bc->addr.family));
	memcpy(tmp.local_ip, locals[svc_local[svc][0]].ip, ip_len(bc->addr.family));
	lw->stats.stateless++;
	to_backend(w, m, p, &tmp);
}

static void
key_from(const uint8_t *buf, const struct weir_pkt *p, struct weir_conn_key *k)
{
	const uint8_t *ip = buf + p->l2_len, *l4 = buf + p->l4_off;

	memset(k, 0, sizeof(*k));
	k->proto = p->l4_proto;
	memcpy(&k->sport, l4, 2);
	memcpy(&k->dport, l4 + 2, 2);
	if (p->l3 == WEIR_L3_IPV4) {
		k->family = 4;
		memcpy(k->src, ip + 12, 4);
		memcpy(k->dst, ip + 16, 4);
	} else {
		k->family = 6;
		memcpy(k->src, ip + 8, 16);
		memcpy(k->dst, ip + 24, 16);
	}
}

enum kind { K_RESPOND, K_CLIENT, K_REPLY };

/* The FullNAT connection a backend's packet (k, to local IP li) belongs
 * to: its destination port names it, and it must be that connection's
 * backend speaking. */
static inline uint32_t
reply_lookup(struct weir_worker *w, const struct weir_conn_key *k, int li)
{
	unsigned int nw = weir.n_workers;
	uint16_t port = rte_be_to_cpu_16(k->dport);
	const struct weir_conn *c;
	uint32_t idx;

	if (port % nw != w->id)
		return WEIR_CONN_NONE;
	idx = w->lb.lport_slot[li * 2 + (k->proto == PROTO_UDP)][port / nw];
	if (idx == WEIR_CONN_NONE)
		return WEIR_CONN_NONE;
	c = weir_ct_get(w->lb.ct, idx);
	if (c->client.proto != k->proto || c->client.family != k->family || c->bport != k->sport ||
	    memcmp(c->backend_ip, k->src, sizeof(c->backend_ip)) != 0)
		return WEIR_CONN_NONE;
	return idx;
}

void
weir_lb_handle_burst(struct weir_worker *w, struct rte_mbuf **m, const struct weir_pkt *p,
		     unsigned int n)
{
	struct weir_conn_key keys[WEIR_BURST], rkeys[WEIR_BURST];
	const struct weir_conn_key *kp[WEIR_BURST];
	uint32_t idx[WEIR_BURST];
	uint8_t kind[WEIR_BURST], slot[WEIR_BURST];
	int svc[WEIR_BURST]; /* the service of a client packet, the local IP of a reply */
	unsigned int i, nk = 0;
	uint64_t created, reused;

	/* Classify, and gather the keys of L4 packets for one bulk lookup. */
	for (i = 0; i < n; i++) {
		const uint8_t *buf = rte_pktmbuf_mtod(m[i], const uint8_t *);
		const struct weir_pkt *q = &p[i];

		kind[i] = K_RESPOND;
		if ((q->l3 != WEIR_L3_IPV4 && q->l3 != WEIR_L3_IPV6) ||
		    (q->l4_proto != PROTO_TCP && q->l4_proto != PROTO_UDP) ||
		    (q->flags & WEIR_PKT_F_FRAG) || weir.cfg->n_services == 0)
			continue;
		key_from(buf, q, &keys[nk]);
		slot[i] = (uint8_t)nk;
		svc[i] = find_service(keys[nk].family, keys[nk].dst, keys[nk].dport, keys[nk].proto);
		if (svc[i] >= 0) {
			/* Client packets: one bulk lookup in the table. */
			kind[i] = K_CLIENT;
			kp[nk] = &keys[nk];
			nk++;
			continue;
		}
		svc[i] = find_local(keys[nk].family, keys[nk].dst);
		if (svc[i] < 0)
			continue;
		/* Replies: found by local port (reply_lookup), in order. */
		kind[i] = K_REPLY;
		rkeys[i] = keys[nk];
	}
	if (nk > 0) {
		weir_ct_lookup_bulk(w->lb.ct, kp, nk, idx);
		/* Connections that hold a source (packet limits): fetch the
		 * sources for the whole burst before deciding any. */
		if (w->lb.adm.pins)
			for (i = 0; i < nk; i++)
				if (idx[i] != WEIR_CONN_NONE)
					weir_adm_prefetch(w, weir_ct_get(w->lb.ct, idx[i]));
	}
	created = w->lb.stats.conn_new;
	reused = w->lb.stats.conn_reused;

	for (i = 0; i < n; i++) {
		struct weir_conn *c;
		uint8_t flags;
		uint32_t ci;

		if (kind[i] == K_RESPOND) {
			neigh_observe(w, weir.port_index[m[i]->port],
				      rte_pktmbuf_mtod(m[i], const uint8_t *), &p[i]);
			weir_worker_respond(w, m[i], &p[i]);
			continue;
		}
		if (kind[i] == K_REPLY) {
			ci = reply_lookup(w, &rkeys[i], svc[i]);
			if (ci == WEIR_CONN_NONE) {
				drop(w, WEIR_DROP_NO_CONN, m[i]);
				continue;
			}
			c = weir_ct_get(w->lb.ct, ci);
			if ((c->flags & WEIR_CONN_F_SPLICE) &&
			    !weir_sp_from_backend(w, m[i], &p[i], ci, c)) {
				sp_send_held(w, ci, c);
				continue;
			}
			track(w, ci, c, tcp_flags(rte_pktmbuf_mtod(m[i], uint8_t *), &p[i]), 0);
			to_client(w, m[i], &p[i], c);
			continue;
		}
		ci = idx[slot[i]];
		/* A connection created earlier in this burst was not there for the
		 * bulk lookup: look again (only misses after a creation pay). */
		if (ci == WEIR_CONN_NONE && created != w->lb.stats.conn_new)
			weir_ct_lookup_bulk(w->lb.ct, &kp[slot[i]], 1, &ci);
		/* After a closed entry was replaced in this burst, a hit from the
		 * bulk lookup may name its freed slot: look again (rare). */
		else if (ci != WEIR_CONN_NONE && reused != w->lb.stats.conn_reused)
			weir_ct_lookup_bulk(w->lb.ct, &kp[slot[i]], 1, &ci);
		if (ci == WEIR_CONN_NONE) {
			new_flow(w, m[i], &p[i], svc[i], &keys[slot[i]]);
			continue;
		}
		c = weir_ct_get(w->lb.ct, ci);
		flags = tcp_flags(rte_pktmbuf_mtod(m[i], uint8_t *), &p[i]);
		if (c->state == WEIR_CONN_CLOSED && (flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN) {
			/* A new connection on the 5-tuple of one that closed (the
			 * client reused its port; it holds no TIME_WAIT when the
			 * server closed first): schedule it afresh, as a new flow. */
			conn_release(w, c);
			weir_ct_del(w->lb.ct, ci);
			w->lb.stats.conn_reused++;
			new_flow(w, m[i], &p[i], svc[i], &keys[slot[i]]);
			continue;
		}
		if (unlikely((c->src_ref[0] & c->src_ref[1]) != WEIR_SRCT_NONE ||
			     w->lb.adm.n_bans != 0) &&
		    !weir_adm_packet(w, m[i], c))
			continue;
		if ((c->flags & WEIR_CONN_F_SPLICE) && !weir_sp_from_client(w, m[i], &p[i], ci, c))
			continue;
		track(w, ci, c, flags, 1);
		to_backend(w, m[i], &p[i], c);
	}
}

/* ---- control: neighbours ------------------------------------------------- */

/* The port address to speak from when asking for ip: one on ip's subnet. */
static const struct weir_addr *
port_source(const struct weir_port_config *pc, const struct weir_addr *ip)
{
	unsigned int j;

	for (j = 0; j < pc->n_addrs; j++) {
		const struct weir_addr *a = &pc->addrs[j];
		unsigned int bits = a->prefix, i;
		int in = a->family == ip->family;

		for (i = 0; in && bits >= 8; i++, bits -= 8)
			in = a->ip[i] == ip->ip[i];
		if (in && bits > 0)
			in = ((a->ip[i] ^ ip->ip[i]) >> (8 - bits)) == 0;
		if (in)
			return a;
	}
	return NULL;
}

/* Send an ARP request or a neighbour solicitation for ip out of port pi. */
static void
neigh_ask(unsigned int pi, const struct weir_addr *ip)
{
	const struct weir_port *port = &weir.ports[pi];
	const struct weir_addr *src = port_source(port->cfg, ip);
	struct rte_mbuf *m;
	uint8_t *b;
	uint16_t len;

	if (src == NULL)
		return;
	m = rte_pktmbuf_alloc(weir.pool);
	if (m == NULL)
		return;
	b = rte_pktmbuf_mtod(m, uint8_t *);
	memset(b, 0, 86);
	memcpy(b + 6, port->mac.addr_bytes, 6);
	if (ip->family == 4) {
		memset(b, 0xff, 6);
		wr16(b + 12, 0x0806);
		wr16(b + 14, 1);
		wr16(b + 16, 0x0800);
		b[18] = 6;
		b[19] = 4;
		wr16(b + 20, 1);
		memcpy(b + 22, port->mac.addr_bytes, 6);
		memcpy(b + 28, src->ip, 4);
		memcpy(b + 38, ip->ip, 4);
		len = 60;
	} else {
		uint8_t *ip6 = b + 14, *ns = b + 54;
		uint8_t tail[8] = {0, 0, 0, 32, 0, 0, 0, 58};
		uint32_t sum;

		b[0] = 0x33;
		b[1] = 0x33;
		b[2] = 0xff;
		memcpy(b + 3, ip->ip + 13, 3);
		wr16(b + 12, 0x86dd);
		ip6[0] = 0x60;
		wr16(ip6 + 4, 32);
		ip6[6] = 58;
		ip6[7] = 255;
		memcpy(ip6 + 8, src->ip, 16);
		ip6[24] = 0xff;
		ip6[25] = 0x02;
		ip6[35] = 0x01;
		ip6[36] = 0xff;
		memcpy(ip6 + 37, ip->ip + 13, 3);
		ns[0] = 135;
		memcpy(ns + 8, ip->ip, 16);
		ns[24] = 1;
		ns[25] = 1;
		memcpy(ns + 26, port->mac.addr_bytes, 6);
		sum = weir_csum_add(tail, 8, weir_csum_add(ip6 + 8, 32, 0));
		wr16(ns + 2, weir_csum_fold(weir_csum_add(ns, 32, sum)));
		len = 86;
	}
	m->data_len = m->pkt_len = len;
	m->port = port->port_id;
	/* Control owns no TX queue: worker 0 sends for it. */
	if (rte_ring_enqueue(weir.workers[0]->lb.ctl_tx, m) != 0) {
		rte_pktmbuf_free(m);
		lbc.ctl_tx_dropped++;
	}
}

/* Apply one observation: does it resolve a backend of a service on that port? */
static int
neigh_apply(const struct neigh_msg *msg)
{
	const struct weir_config *cfg = weir.cfg;
	unsigned int i, b;
	int changed = 0;

	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_service_config *sc = &cfg->services[i];
		const struct weir_pool_config *pl = &cfg->pools[sc->pool];

		if (sc->out_port != msg->port)
			continue;
		for (b = 0; b < pl->n_backends; b++) {
			struct neigh_entry *ne = &lbc.neigh[i][b];

			if (ne->is_static || pl->backends[b].addr.family != msg->family ||
			    memcmp(pl->backends[b].addr.ip, msg->ip, ip_len(msg->family)) != 0)
				continue;
			if (!ne->ok || memcmp(ne->mac, msg->mac, 6) != 0)
				changed = 1;
			memcpy(ne->mac, msg->mac, 6);
			ne->ok = 1;
			ne->learned_ms = now_ms();
		}
	}
	return changed;
}

void
weir_lb_control_tick(void)
{
	const struct weir_config *cfg = weir.cfg;
	struct neigh_msg msg[32];
	uint64_t t = now_ms();
	unsigned int wi, i, b, n, k;
	int changed = 0;

	weir_adm_control_tick();
	if (cfg->n_services == 0)
		return;
	for (wi = 0; wi < weir.n_workers; wi++)
		while ((n = rte_ring_dequeue_burst_elem(weir.workers[wi]->lb.neigh, msg,
							sizeof(msg[0]), RTE_DIM(msg), NULL)) > 0)
			for (k = 0; k < n; k++)
				changed |= neigh_apply(&msg[k]);
	/* Ask for what is unresolved (at most once a second each), and refresh. */
	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_service_config *sc = &cfg->services[i];
		const struct weir_pool_config *pl = &cfg->pools[sc->pool];

		for (b = 0; b < pl->n_backends; b++) {
			struct neigh_entry *ne = &lbc.neigh[i][b];

			if (ne->is_static)
				continue;
			if (ne->ok && t - ne->learned_ms < NEIGH_REFRESH_S * 1000)
				continue;
			if (t - ne->asked_ms < NEIGH_REQUEST_GAP_MS)
				continue;
			ne->asked_ms = t;
			neigh_ask(sc->out_port, &pl->backends[b].addr);
		}
	}
	if (changed)
		snap_publish();
}

/* ---- control: admin commands -------------------------------------------- */

static json_t *
ip_json(uint8_t family, const uint8_t *ip)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(family == 4 ? AF_INET : AF_INET6, ip, s, sizeof(s));
	return json_string(s);
}

static json_t *
pool_backends_json(unsigned int svc)
{
	const struct weir_service_config *sc = &weir.cfg->services[svc];
	const struct weir_pool_config *pl = &weir.cfg->pools[sc->pool];
	const struct weir_lb_snap *s = weir.lb_snap;
	json_t *arr = json_array();
	unsigned int b, wi;

	for (b = 0; b < pl->n_backends; b++) {
		const struct weir_backend_config *bc = &pl->backends[b];
		uint64_t conns = 0, active = 0, fails = 0;
		char mac[24] = "";

		for (wi = 0; wi < weir.n_workers; wi++) {
			const struct weir_lb_worker *lw = &weir.workers[wi]->lb;

			conns += __atomic_load_n(&lw->backend_new[svc * WEIR_MAX_BACKENDS + b],
						 __ATOMIC_RELAXED);
			fails += __atomic_load_n(&lw->backend_fail[svc * WEIR_MAX_BACKENDS + b],
						 __ATOMIC_RELAXED);
			active += __atomic_load_n(&lw->sched[svc].b[b].active, __ATOMIC_RELAXED);
		}
		if (s->svc[svc].mac_ok[b])
			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
				 s->svc[svc].mac[b][0], s->svc[svc].mac[b][1],
				 s->svc[svc].mac[b][2], s->svc[svc].mac[b][3],
				 s->svc[svc].mac[b][4], s->svc[svc].mac[b][5]);
		json_array_append_new(
			arr, json_pack("{s:o, s:i, s:I, s:b, s:I, s:s?, s:s, s:I, s:I, s:I}", "address",
				       ip_json(bc->addr.family, bc->addr.ip), "port", bc->port,
				       "weight", (json_int_t)lbc.weight[sc->pool][b], "enabled",
				       lbc.enabled[sc->pool][b], "effective_weight",
				       (json_int_t)s->svc[svc].weight[b], "mac",
				       mac[0] ? mac : NULL, "datacenter", bc->datacenter,
				       "conns_total", (json_int_t)conns, "conns_active",
				       (json_int_t)active, "handshake_failures", (json_int_t)fails));
	}
	return arr;
}

static json_t *
cmd_services(void)
{
	const struct weir_config *cfg = weir.cfg;
	json_t *arr = json_array();
	unsigned int i, j;

	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_service_config *sc = &cfg->services[i];
		json_t *locs = json_array(), *svc, *lim;
		const struct weir_lb_snap *s = weir.lb_snap;

		for (j = 0; j < sc->n_local_ips; j++)
			json_array_append_new(locs, ip_json(sc->local_ips[j].family,
							    sc->local_ips[j].ip));
		svc = json_pack("{s:s, s:o, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:i, s:I, "
				  "s:{s:I, s:I, s:I, s:I, s:I}, s:o}",
				  "name", sc->name, "vip", ip_json(sc->vip.family, sc->vip.ip), "port",
				  sc->port, "protocol", sc->proto == PROTO_TCP ? "tcp" : "udp",
				  "scheduler", weir_sched_name(sc->scheduler), "sticky",
				  sc->sticky_source ? "source" : "none", "forwarding",
				  sc->forwarding == WEIR_FWD_FULLNAT ? "fullnat" : "dsr-ipip",
				  "pool", cfg->pools[sc->pool].name, "port_out",
				  weir.ports[sc->out_port].cfg->name, "local_ips", locs, "mss_clamp",
				  sc->mss_clamp, "maglev_size",
				  (json_int_t)(s->svc[i].table ? s->svc[i].table->size : 0),
				  "timeouts", "syn", (json_int_t)sc->timeouts.syn, "established",
				  (json_int_t)sc->timeouts.established, "fin",
				  (json_int_t)sc->timeouts.fin, "closed",
				  (json_int_t)sc->timeouts.closed, "udp", (json_int_t)sc->timeouts.udp,
				  "backends", pool_backends_json(i));
		if ((lim = weir_adm_limits_json(i)) != NULL)
			json_object_set_new(svc, "limits", lim);
		if (sc->synproxy.enabled)
			json_object_set_new(svc, "synproxy", weir_sp_service_json(i));
		json_array_append_new(arr, svc);
	}
	return json_pack("{s:o, s:I, s:o*}", "services", arr, "snapshot",
			 (json_int_t)weir.lb_snap->version, "limits",
			 weir_adm_limits_json(WEIR_ADM_GLOBAL));
}

/* "198.18.2.10:8080" or "[2001:db8::10]:8080" */
static int
parse_backend(const char *s, struct weir_addr *a, uint16_t *port)
{
	char buf[64], *colon, *host = buf, *end;
	unsigned long p;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	colon = strrchr(buf, ':');
	if (colon == NULL)
		return -1;
	*colon = '\0';
	if (buf[0] == '[') {
		if (colon[-1] != ']')
			return -1;
		colon[-1] = '\0';
		host = buf + 1;
	}
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || colon[1] == '\0' || errno != 0 || p == 0 || p > 65535)
		return -1;
	*port = (uint16_t)p;
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, host, a->ip) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, host, a->ip) == 1)
		a->family = 6;
	else
		return -1;
	return 0;
}

static json_t *
cmd_backend(json_t *req, char *err, size_t errlen)
{
	const struct weir_config *cfg = weir.cfg;
	const char *action = NULL, *pool = NULL, *backend = NULL;
	json_int_t weight = -1;
	struct weir_addr a;
	uint16_t port;
	unsigned int pi, b, i;
	json_t *svcs;

	if (json_unpack(req, "{s:s, s:s, s:s, s?I}", "action", &action, "pool", &pool, "backend",
			&backend, "weight", &weight) != 0) {
		snprintf(err, errlen,
			 "backend: expected {\"action\": \"disable|enable|weight\", \"pool\": NAME, "
			 "\"backend\": \"ADDRESS:PORT\"[, \"weight\": N]}");
		return NULL;
	}
	for (pi = 0; pi < cfg->n_pools; pi++)
		if (strcmp(cfg->pools[pi].name, pool) == 0)
			break;
	if (pi == cfg->n_pools) {
		snprintf(err, errlen, "backend: no pool \"%.64s\"", pool);
		return NULL;
	}
	if (parse_backend(backend, &a, &port) != 0) {
		snprintf(err, errlen,
			 "backend: \"%.64s\" is not ADDRESS:PORT (IPv6 as [ADDRESS]:PORT)", backend);
		return NULL;
	}
	for (b = 0; b < cfg->pools[pi].n_backends; b++) {
		const struct weir_backend_config *bc = &cfg->pools[pi].backends[b];

		if (bc->port == port && bc->addr.family == a.family &&
		    memcmp(bc->addr.ip, a.ip, ip_len(a.family)) == 0)
			break;
	}
	if (b == cfg->pools[pi].n_backends) {
		snprintf(err, errlen, "backend: pool %s has no backend %.64s", pool, backend);
		return NULL;
	}
	if (strcmp(action, "disable") == 0) {
		lbc.enabled[pi][b] = 0;
	} else if (strcmp(action, "enable") == 0) {
		lbc.enabled[pi][b] = 1;
	} else if (strcmp(action, "weight") == 0) {
		if (weight < 0 || weight > WEIR_LB_MAX_WEIGHT) {
			snprintf(err, errlen, "backend weight: expected \"weight\" in [0, %u]",
				 WEIR_LB_MAX_WEIGHT);
			return NULL;
		}
		lbc.weight[pi][b] = (uint32_t)weight;
	} else {
		snprintf(err, errlen, "backend: unknown action \"%.32s\" (disable, enable, weight)",
			 action);
		return NULL;
	}
	if (snap_publish() != 0) {
		snprintf(err, errlen, "backend: out of memory building the new tables");
		return NULL;
	}
	svcs = json_array();
	for (i = 0; i < cfg->n_services; i++)
		if (cfg->services[i].pool == pi)
			json_array_append_new(svcs, json_string(cfg->services[i].name));
	return json_pack("{s:s, s:s, s:s, s:I, s:b, s:o, s:I}", "pool", pool, "backend", backend,
			 "action", action, "weight", (json_int_t)lbc.weight[pi][b], "enabled",
			 lbc.enabled[pi][b], "services", svcs, "snapshot",
			 (json_int_t)weir.lb_snap->version);
}

json_t *
weir_lb_command(const char *cmd, json_t *req, char *err, size_t errlen, int *handled)
{
	*handled = 1;
	if (strcmp(cmd, "services") == 0)
		return cmd_services();
	if (strcmp(cmd, "backend") == 0)
		return cmd_backend(req, err, errlen);
	return weir_adm_command(cmd, req, err, errlen, handled);
}

void
weir_lb_worker_json(const struct weir_worker *w, json_t *o)
{
	const struct weir_lb_worker *lw = &w->lb;
	const struct weir_lb_stats *s = &lw->stats;
	uint64_t cyc = __atomic_load_n(&s->busy_cycles, __ATOMIC_RELAXED);
	uint64_t pk = __atomic_load_n(&s->busy_pkts, __ATOMIC_RELAXED);

/* The worker writes these without atomics; control reads them relaxed. */
#define LB_STAT(f) json_integer((json_int_t)__atomic_load_n(&s->f, __ATOMIC_RELAXED))
	json_object_set_new(o, "conns",
			    json_integer(lw->ct ? (json_int_t)weir_ct_count(lw->ct) : 0));
	json_object_set_new(o, "conn_capacity",
			    json_integer(lw->ct ? (json_int_t)weir_ct_capacity(lw->ct) : 0));
	json_object_set_new(o, "conn_new", LB_STAT(conn_new));
	json_object_set_new(o, "conn_expired", LB_STAT(conn_expired));
	json_object_set_new(o, "conn_reused", LB_STAT(conn_reused));
	weir_adm_worker_json(w, o);
	json_object_set_new(o, "to_backend", LB_STAT(to_backend));
	json_object_set_new(o, "to_client", LB_STAT(to_client));
	json_object_set_new(o, "stateless", LB_STAT(stateless));
	json_object_set_new(o, "neigh_learned", LB_STAT(neigh_learned));
#undef LB_STAT
	weir_sp_worker_json(w, o);
	json_object_set_new(o, "busy_cycles", json_integer((json_int_t)cyc));
	json_object_set_new(o, "busy_pkts", json_integer((json_int_t)pk));
	json_object_set_new(o, "tsc_hz", json_integer((json_int_t)rte_get_tsc_hz()));
	json_object_set_new(o, "cycles_per_pkt", json_real(pk ? (double)cyc / (double)pk : 0.0));
}

/* ---- set-up ---------------------------------------------------------------- */

static int
init_worker(struct weir_worker *w, char *err, size_t errlen)
{
	const struct weir_config *cfg = weir.cfg;
	struct weir_lb_worker *lw = &w->lb;
	int socket = (int)rte_lcore_to_socket_id(w->lcore);
	char name[64];
	unsigned int i, b;

	/* Without services there is nothing to track: no table, no memory. */
	snprintf(name, sizeof(name), "weir_ct_%u", w->id);
	if (cfg->n_services > 0) {
		lw->ct = weir_ct_create(name, cfg->conn_table_size, socket);
		if (lw->ct == NULL)
			goto nomem;
	}
	if (w->id == 0) {
		lw->ctl_tx = rte_ring_create("weir_ctl_tx", 64, socket,
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (lw->ctl_tx == NULL)
			goto nomem;
	}
	snprintf(name, sizeof(name), "weir_neigh_%u", w->id);
	lw->neigh = rte_ring_create_elem(name, sizeof(struct neigh_msg), NEIGH_RING_SIZE, socket,
					 RING_F_SP_ENQ | RING_F_SC_DEQ);
	lw->sched = rte_zmalloc_socket("weir_sched", sizeof(lw->sched[0]) * (cfg->n_services + 1),
				       RTE_CACHE_LINE_SIZE, socket);
	lw->backends = rte_zmalloc_socket(
		"weir_lb_backends",
		sizeof(lw->backends[0]) * WEIR_MAX_BACKENDS * (cfg->n_services + 1),
		RTE_CACHE_LINE_SIZE, socket);
	lw->backend_new = rte_zmalloc_socket(
		"weir_lb_counts", sizeof(uint64_t) * WEIR_MAX_BACKENDS * (cfg->n_services + 1),
		RTE_CACHE_LINE_SIZE, socket);
	lw->backend_fail = rte_zmalloc_socket(
		"weir_lb_fails", sizeof(uint64_t) * WEIR_MAX_BACKENDS * (cfg->n_services + 1),
		RTE_CACHE_LINE_SIZE, socket);
	lw->lport_slot = rte_zmalloc_socket("weir_lport", sizeof(uint32_t *) * (n_locals * 2 + 1),
					    0, socket);
	lw->lport_cursor = rte_zmalloc_socket("weir_lport_cur",
					      sizeof(uint32_t) * (n_locals * 2 + 1), 0, socket);
	lw->lport_used = rte_zmalloc_socket("weir_lport_used",
					    sizeof(uint32_t) * (n_locals * 2 + 1), 0, socket);
	/* This worker's local ports: p = j * n_workers + id, p in [LPORT_MIN, 65535]. */
	lw->lport_jmin = (LPORT_MIN - w->id + weir.n_workers - 1) / weir.n_workers;
	lw->lport_span = (65535 - w->id) / weir.n_workers - lw->lport_jmin + 1;
	if (lw->neigh == NULL || lw->sched == NULL || lw->backends == NULL ||
	    lw->backend_new == NULL || lw->backend_fail == NULL || lw->lport_slot == NULL || lw->lport_cursor == NULL ||
	    lw->lport_used == NULL)
		goto nomem;
	for (i = 0; i < n_locals * 2; i++) {
		/* This worker's ports p (p % n_workers == id), at p / n_workers. */
		size_t n = 65536 / weir.n_workers + 1;

		lw->lport_slot[i] = rte_malloc_socket("weir_lport_slot", n * sizeof(uint32_t), 0,
						      socket);
		if (lw->lport_slot[i] == NULL)
			goto nomem;
		memset(lw->lport_slot[i], 0xff, n * sizeof(uint32_t)); /* WEIR_CONN_NONE */
		lw->lport_cursor[i] = 0;
	}
	if (weir_sp_init_worker(w, socket) != 0)
		goto nomem;
	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_service_config *sc = &cfg->services[i];
		const struct weir_pool_config *pl = &cfg->pools[sc->pool];
		struct weir_sched *s = &lw->sched[i];

		s->kind = sc->scheduler;
		s->n = pl->n_backends;
		s->b = &lw->backends[i * WEIR_MAX_BACKENDS];
		/* Start each worker's round robin elsewhere, so N workers do not
		 * send their first connections to the same backend. */
		s->rr_next = w->id % (pl->n_backends ? pl->n_backends : 1);
		for (b = 0; b < pl->n_backends; b++)
			s->b[b].id = weir_lb_backend_id(pl->backends[b].addr.family,
							pl->backends[b].addr.ip,
							pl->backends[b].port);
	}
	return 0;
nomem:
	snprintf(err, errlen,
		 "worker %u: cannot allocate the connection table of %u entries (config key "
		 "'conn_table_size') or its state: %s (give EAL more memory, -m)",
		 w->id, cfg->conn_table_size, rte_strerror(rte_errno));
	return -1;
}

static void
fini_worker(struct weir_worker *w)
{
	struct weir_lb_worker *lw = &w->lb;
	unsigned int i;

	weir_ct_free(lw->ct);
	rte_ring_free(lw->neigh);
	if (lw->ctl_tx != NULL) {
		struct rte_mbuf *m;

		while (rte_ring_dequeue(lw->ctl_tx, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(lw->ctl_tx);
	}
	if (lw->lport_slot != NULL)
		for (i = 0; i < n_locals * 2; i++)
			rte_free(lw->lport_slot[i]);
	rte_free(lw->lport_slot);
	rte_free(lw->lport_cursor);
	rte_free(lw->lport_used);
	rte_free(lw->backend_new);
	rte_free(lw->backend_fail);
	weir_sp_fini_worker(w);
	rte_free(lw->backends);
	rte_free(lw->sched);
	memset(lw, 0, sizeof(*lw));
}

int
weir_lb_init(char *err, size_t errlen)
{
	const struct weir_config *cfg = weir.cfg;
	unsigned int i, j, b;
	size_t sz;

	if (weir_sp_init(err, errlen) != 0)
		return -1;
	n_locals = 0;
	for (i = 0; i < cfg->n_services; i++)
		for (j = 0; j < cfg->services[i].n_local_ips; j++) {
			const struct weir_addr *a = &cfg->services[i].local_ips[j];
			int li = find_local(a->family, a->ip);

			if (li < 0) {
				if (n_locals == MAX_LOCALS) {
					snprintf(err, errlen, "more than %d distinct local_ips",
						 MAX_LOCALS);
					return -2;
				}
				locals[n_locals] = *a;
				li = (int)n_locals++;
			}
			svc_local[i][j] = (uint8_t)li;
		}
	for (i = 0; i < cfg->n_pools; i++)
		for (b = 0; b < cfg->pools[i].n_backends; b++) {
			lbc.weight[i][b] = cfg->pools[i].backends[b].weight;
			lbc.enabled[i][b] = 1;
		}
	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_service_config *sc = &cfg->services[i];
		const struct weir_port_config *pc = weir.ports[sc->out_port].cfg;
		const struct weir_pool_config *pl = &cfg->pools[sc->pool];

		for (b = 0; b < pl->n_backends; b++)
			for (j = 0; j < pc->n_neighbors; j++)
				if (pc->neighbors[j].addr.family == pl->backends[b].addr.family &&
				    memcmp(pc->neighbors[j].addr.ip, pl->backends[b].addr.ip,
					   16) == 0) {
					memcpy(lbc.neigh[i][b].mac, pc->neighbors[j].mac, 6);
					lbc.neigh[i][b].ok = 1;
					lbc.neigh[i][b].is_static = 1;
				}
	}

	sz = rte_rcu_qsbr_get_memsize(weir.n_workers);
	weir.qs = rte_zmalloc("weir_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (weir.qs == NULL || rte_rcu_qsbr_init(weir.qs, weir.n_workers) != 0) {
		snprintf(err, errlen, "cannot set up RCU: %s", rte_strerror(rte_errno));
		weir_lb_fini();
		return -1;
	}
	for (i = 0; i < weir.n_workers; i++) {
		if (init_worker(weir.workers[i], err, errlen) != 0) {
			weir_lb_fini();
			return -1;
		}
		rte_rcu_qsbr_thread_register(weir.qs, i);
		rte_rcu_qsbr_thread_online(weir.qs, i);
	}
	if (weir_adm_init(err, errlen) != 0) {
		weir_lb_fini();
		return -1;
	}
	weir.lb_snap = snap_build(NULL);
	if (weir.lb_snap == NULL) {
		snprintf(err, errlen, "cannot build the Maglev tables: %s", strerror(errno));
		weir_lb_fini();
		return -1;
	}
	return 0;
}

void
weir_lb_fini(void)
{
	unsigned int i;

	weir_adm_fini();
	for (i = 0; i < weir.n_workers; i++)
		if (weir.workers[i] != NULL)
			fini_worker(weir.workers[i]);
	snap_free(weir.lb_snap);
	weir.lb_snap = NULL;
	rte_free(weir.qs);
	weir.qs = NULL;
}
