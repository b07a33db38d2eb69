/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding: a client packet to its backend (FullNAT rewrite or DSR
 * encapsulation), a backend's packet to its client, and the L2 addressing
 * of segments other stages wrote. The byte work is lib/pkt's; here is the
 * mbuf handling (lengths, headroom, offload flags) and the next hops.
 */
#include <rte_mbuf.h>

#include "l4/l4-priv.h"

static inline void
set_l2(uint8_t *buf, const uint8_t *dst, unsigned int pi)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, weir.ports[pi].mac.addr_bytes, 6);
}

/* FullNAT rewrite, leaving the IPv4 header checksum to ports that compute it. */
static void
rewrite(struct rte_mbuf *m, const struct weir_pkt *p, const uint8_t *src, const uint8_t *dst,
	uint16_t sport, uint16_t dport, unsigned int out)
{
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);
	int offload = p->l3 == WEIR_L3_IPV4 && weir.ports[out].tx_ip_cksum;

	weir_pkt_nat_rewrite(buf, p, src, dst, (const uint8_t *)&sport, (const uint8_t *)&dport,
			     !offload);
	m->ol_flags = 0;
	if (offload) {
		m->l2_len = p->l2_len;
		m->l3_len = (uint64_t)(buf[p->l2_len] & 0x0f) * 4;
		m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	}
	/* Ethernet padding is not part of the packet: keep the IP length. */
	m->data_len = (uint16_t)(p->l2_len + p->l3_total);
	m->pkt_len = m->data_len;
}

/* DSR: the whole IP packet inside an outer header from the local IP. */
static int
encap(struct rte_mbuf *m, const struct weir_pkt *p, const uint8_t *src, const uint8_t *dst)
{
	uint16_t olen = p->l3 == WEIR_L3_IPV4 ? 20 : 40;
	uint8_t *buf;

	/* Drop Ethernet padding first: the outer length counts the IP packet only. */
	if (rte_pktmbuf_trim(m, (uint16_t)(m->data_len - p->l2_len - p->l3_total)) != 0)
		return -1;
	buf = (uint8_t *)rte_pktmbuf_prepend(m, olen);
	if (buf == NULL)
		return -1;
	weir_pkt_ipip_encap(buf, p->l2_len, p->l3_total, p->l3 == WEIR_L3_IPV4 ? 4 : 6, src, dst);
	/* The outer header's checksum is computed: no offload. */
	m->ol_flags = 0;
	return 0;
}

static inline void
clamp(uint8_t *buf, const struct weir_pkt *p, uint16_t mss)
{
	if (mss != 0 && p->l4_proto == PROTO_TCP && (tcp_flags(buf, p) & TCP_SYN))
		weir_pkt_tcp_mss_clamp(buf + p->l4_off, (size_t)(buf[p->l4_off + 12] >> 4) * 4,
				       mss);
}

struct weir_verdict
weir_l4_to_backend(struct weir_l4_worker *l4, struct rte_mbuf *m, const struct weir_pkt *p,
		   const struct weir_conn *c)
{
	const struct weir_service_config *sc = &weir.cfg->services[c->service];
	const struct weir_l4_svc_snap *v = &l4->snap->svc[c->service];
	unsigned int out = sc->out_port;

	/* Control asks for unresolved backends once a second by itself. */
	if (!v->mac_ok[c->backend])
		return weir_v_drop(WEIR_DROP_NEIGH_MISS);
	if (sc->forwarding == WEIR_FWD_DSR_IPIP) {
		if (encap(m, p, c->local_ip, c->backend_ip) != 0)
			return weir_v_drop(WEIR_DROP_NO_HEADROOM);
	} else {
		clamp(rte_pktmbuf_mtod(m, uint8_t *), p, sc->mss_clamp);
		rewrite(m, p, c->local_ip, c->backend_ip, c->lport, c->bport, out);
	}
	set_l2(rte_pktmbuf_mtod(m, uint8_t *), v->mac[c->backend], out);
	l4->stats.to_backend++;
	return weir_v_tx(out);
}

struct weir_verdict
weir_l4_to_client(struct weir_l4_worker *l4, struct rte_mbuf *m, const struct weir_pkt *p,
		  const struct weir_conn *c)
{
	const struct weir_service_config *sc = &weir.cfg->services[c->service];
	uint8_t *buf = rte_pktmbuf_mtod(m, uint8_t *);

	clamp(buf, p, sc->mss_clamp);
	rewrite(m, p, c->client.dst, c->client.src, c->client.dport, c->client.sport, c->in_port);
	set_l2(buf, c->client_mac, c->in_port);
	l4->stats.to_client++;
	return weir_v_tx(c->in_port);
}

struct weir_verdict
weir_l4_stateless(struct weir_l4_worker *l4, struct rte_mbuf *m, const struct weir_pkt *p,
		  unsigned int svc, const struct weir_conn_key *k, const struct weir_l4_pick *pick)
{
	const struct weir_pool_config *pl = &weir.cfg->pools[weir.cfg->services[svc].pool];
	const struct weir_backend_config *bc;
	struct weir_conn tmp;

	if (pick->b == WEIR_LB_NONE || !l4->snap->svc[svc].mac_ok[pick->b])
		return weir_v_drop(pick->b == WEIR_LB_NONE ? WEIR_DROP_NO_BACKEND
							   : WEIR_DROP_NEIGH_MISS);
	bc = &pl->backends[pick->b];
	memset(&tmp, 0, sizeof(tmp));
	tmp.client = *k;
	tmp.service = (uint8_t)svc;
	tmp.backend = (uint16_t)pick->b;
	memcpy(tmp.backend_ip, bc->addr.ip, ip_len(bc->addr.family));
	memcpy(tmp.local_ip, weir_l4c.locals[weir_l4c.svc_local[svc][0]].ip,
	       ip_len(bc->addr.family));
	l4->stats.stateless++;
	return weir_l4_to_backend(l4, m, p, &tmp);
}

struct weir_verdict
weir_l4_xmit_backend(struct weir_l4_worker *l4, struct rte_mbuf *m, const struct weir_conn *c,
		     int count)
{
	const struct weir_l4_svc_snap *v = &l4->snap->svc[c->service];
	unsigned int out = weir.cfg->services[c->service].out_port;

	if (!v->mac_ok[c->backend])
		return weir_v_drop(WEIR_DROP_NEIGH_MISS);
	set_l2(rte_pktmbuf_mtod(m, uint8_t *), v->mac[c->backend], out);
	if (count)
		l4->stats.to_backend++;
	return weir_v_tx(out);
}

struct weir_verdict
weir_l4_xmit_client(struct weir_l4_worker *l4, struct rte_mbuf *m, const struct weir_conn *c)
{
	(void)l4;
	set_l2(rte_pktmbuf_mtod(m, uint8_t *), c->client_mac, c->in_port);
	return weir_v_tx(c->in_port);
}
