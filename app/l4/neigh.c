/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Backends' next hops. Workers pass what they see in ARP and neighbour
 * discovery to control (WEIR_MSG_NEIGH in their outbox); control keeps
 * the neighbour cache, asks for unresolved backends (at most once a second
 * each) and re-asks every minute, and publishes a snapshot when a MAC
 * changes. Control owns no TX queue: worker 0 sends its requests
 * (WEIR_MSG_TX_FRAME in its inbox).
 */
#include <assert.h>

#include <rte_mbuf.h>

#include "core/clock.h"
#include "core/mailbox.h"
#include "l4/l4-priv.h"

#define NEIGH_REQUEST_GAP_MS 1000 /* at most one ARP/NS per backend per second */
#define NEIGH_REFRESH_S 60	  /* re-resolve learned neighbours this often */

/* An ARP/ND observation: a worker saw ip at mac on port. */
struct neigh_msg {
	uint8_t port;
	uint8_t family;
	uint8_t pad[2];
	uint8_t ip[16];
	uint8_t mac[6];
	uint8_t pad2[6];
};

static_assert(sizeof(struct neigh_msg) <= WEIR_MSG_PAYLOAD, "fits a message");

/* ---- worker ---- */

static void
notify(struct weir_l4_worker *l4, unsigned int pi, uint8_t family, const uint8_t *ip,
       const uint8_t *mac)
{
	struct neigh_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.port = (uint8_t)pi;
	msg.family = family;
	memcpy(msg.ip, ip, ip_len(family));
	memcpy(msg.mac, mac, 6);
	/* Best effort: a full mailbox loses an observation that will come again. */
	if (weir_mailbox_post(l4->outbox, WEIR_MSG_NEIGH, &msg, sizeof(msg)) == 0)
		l4->stats.neigh_learned++;
	else
		l4->stats.neigh_lost++;
}

void
weir_l4_neigh_observe(struct weir_l4_worker *l4, unsigned int pi, const uint8_t *buf,
		      const struct weir_pkt *p)
{
	if (p->l3 == WEIR_L3_ARP) {
		const uint8_t *a = buf + p->l2_len;

		if (rd16(a + 6) == 1 || rd16(a + 6) == 2)
			notify(l4, pi, 4, a + 14, a + 8);
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
				notify(l4, pi, 6, buf + p->l2_len + 8, icmp + off + 2);
			else if (icmp[0] == 136 && icmp[off] == 2)
				notify(l4, pi, 6, icmp + 8, icmp + off + 2);
		}
	}
}

/* ---- control ---- */

void
l4_neigh_init(void)
{
	const struct weir_config *cfg = weir.cfg;
	unsigned int i, j, b;

	memset(weir_l4c.neigh, 0, sizeof(weir_l4c.neigh));
	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_service_config *sc = &cfg->services[i];
		const struct weir_port_config *pc = weir.ports[sc->out_port].cfg;
		const struct weir_pool_config *pl = &cfg->pools[sc->pool];

		for (b = 0; b < pl->n_backends; b++)
			for (j = 0; j < pc->n_neighbors; j++)
				if (pc->neighbors[j].addr.family == pl->backends[b].addr.family &&
				    memcmp(pc->neighbors[j].addr.ip, pl->backends[b].addr.ip, 16) ==
					    0) {
					memcpy(weir_l4c.neigh[i][b].mac, pc->neighbors[j].mac, 6);
					weir_l4c.neigh[i][b].ok = 1;
					weir_l4c.neigh[i][b].is_static = 1;
				}
	}
}

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
ask(unsigned int pi, const struct weir_addr *ip)
{
	const struct weir_port *port = &weir.ports[pi];
	const struct weir_addr *src = port_source(port->cfg, ip);
	struct rte_mbuf *m;
	uint8_t *b;
	size_t len;

	if (src == NULL)
		return;
	m = rte_pktmbuf_alloc(weir.pool);
	if (m == NULL)
		return;
	b = rte_pktmbuf_mtod(m, uint8_t *);
	len = ip->family == 4 ? weir_pkt_arp_request(b, rte_pktmbuf_tailroom(m),
						     port->mac.addr_bytes, src->ip, ip->ip)
			      : weir_pkt_nd_solicit(b, rte_pktmbuf_tailroom(m),
						    port->mac.addr_bytes, src->ip, ip->ip);
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	m->port = port->port_id;
	if (len == 0 || weir_control_tx(m) != 0) {
		rte_pktmbuf_free(m);
		weir_l4c.requests_lost++;
	}
}

uint64_t
weir_l4_neigh_requests_lost(void)
{
	return weir_l4c.requests_lost;
}

void
weir_l4_neigh_learned(const void *payload)
{
	const struct neigh_msg *msg = payload;
	const struct weir_config *cfg = weir.cfg;
	uint64_t now = weir_clock_ms(weir_clock_tsc());
	unsigned int i, b;
	int changed = 0;

	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_service_config *sc = &cfg->services[i];
		const struct weir_pool_config *pl = &cfg->pools[sc->pool];

		if (sc->out_port != msg->port)
			continue;
		for (b = 0; b < pl->n_backends; b++) {
			struct l4_neigh *ne = &weir_l4c.neigh[i][b];

			if (ne->is_static || pl->backends[b].addr.family != msg->family ||
			    memcmp(pl->backends[b].addr.ip, msg->ip, ip_len(msg->family)) != 0)
				continue;
			if (!ne->ok || memcmp(ne->mac, msg->mac, 6) != 0)
				changed = 1;
			memcpy(ne->mac, msg->mac, 6);
			ne->ok = 1;
			ne->learned_ms = now;
		}
	}
	if (changed)
		weir_l4c.neigh_changed = 1;
}

void
weir_l4_control_tick(void)
{
	const struct weir_config *cfg = weir.cfg;
	uint64_t t = weir_clock_ms(weir_clock_tsc());
	unsigned int i, b;

	/* Ask for what is unresolved (at most once a second each), and refresh. */
	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_service_config *sc = &cfg->services[i];
		const struct weir_pool_config *pl = &cfg->pools[sc->pool];

		for (b = 0; b < pl->n_backends; b++) {
			struct l4_neigh *ne = &weir_l4c.neigh[i][b];

			if (ne->is_static)
				continue;
			if (ne->ok && t - ne->learned_ms < NEIGH_REFRESH_S * 1000)
				continue;
			if (ne->asked_ms != 0 && t - ne->asked_ms < NEIGH_REQUEST_GAP_MS)
				continue;
			ne->asked_ms = t;
			ask(sc->out_port, &pl->backends[b].addr);
		}
	}
	if (weir_l4c.neigh_changed) {
		weir_l4c.neigh_changed = 0;
		l4_snap_publish();
	}
}
