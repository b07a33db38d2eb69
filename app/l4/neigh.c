/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Backends' next hops. Workers pass to control (WEIR_MSG_NEIGH in their
 * outbox) only what may teach a MAC: answers addressed to weir and requests
 * for weir's addresses, never a group or zero MAC. Control keeps the
 * neighbour cache, asks for unresolved backends (at most once a second
 * each) and re-asks every minute, and publishes a snapshot when a MAC
 * changes. Control owns no TX queue: worker 0 sends its requests
 * (WEIR_MSG_TX_FRAME in its inbox).
 *
 * An answer counts only within NEIGH_ANSWER_MS of a request of weir's for
 * that backend. An unresolved backend takes the first MAC it is given. A
 * resolved backend's MAC changes only through a confirming round: a
 * different MAC becomes a candidate, weir asks afresh, and the candidate is
 * used if it answers and the MAC in use does not (a live backend outvotes a
 * neighbour answering in its name); after NEIGH_CONFIRM_TRIES rounds nobody
 * answers, or one the MAC in use answers, the candidate goes.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <stdio.h>

#include <rte_mbuf.h>

#include "core/clock.h"
#include "core/mailbox.h"
#include "l4/l4-priv.h"

#define NEIGH_REQUEST_GAP_MS 1000 /* at most one ARP/NS per backend per second */
#define NEIGH_REFRESH_S 60	  /* re-resolve learned neighbours this often */
#define NEIGH_ANSWER_MS 500	  /* answers to a request are taken this long */
#define NEIGH_CONFIRM_TRIES 3	  /* confirming rounds nobody answers before a candidate goes */

/* What an observation is. */
enum neigh_kind {
	NEIGH_ANSWER = 1, /* an ARP reply or solicited NA addressed to weir */
	NEIGH_ASKED,	  /* an ARP request or NS for one of weir's addresses */
};

/* An ARP/ND observation: a worker saw ip at mac on port. */
struct neigh_msg {
	uint8_t port;
	uint8_t family;
	uint8_t kind;
	uint8_t pad;
	uint8_t ip[16];
	uint8_t mac[6];
	uint8_t pad2[6];
};

static_assert(sizeof(struct neigh_msg) <= WEIR_MSG_PAYLOAD, "fits a message");

/* ---- worker ---- */

static void
notify(struct weir_l4_worker *l4, unsigned int pi, uint8_t family, enum neigh_kind kind,
       const uint8_t *ip, const uint8_t *mac)
{
	struct neigh_msg msg;

	/* A group or zero MAC is nobody's next hop. */
	if ((mac[0] & 1) != 0 || (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0) {
		l4->stats.neigh_ignored++;
		return;
	}
	memset(&msg, 0, sizeof(msg));
	msg.port = (uint8_t)pi;
	msg.family = family;
	msg.kind = (uint8_t)kind;
	memcpy(msg.ip, ip, ip_len(family));
	memcpy(msg.mac, mac, 6);
	/* Best effort: a full mailbox loses an observation that will come again. */
	if (weir_mailbox_post(l4->outbox, WEIR_MSG_NEIGH, &msg, sizeof(msg)) == 0)
		l4->stats.neigh_learned++;
	else
		l4->stats.neigh_lost++;
}

/* An ARP packet: a reply to weir (its target weir's address and MAC on
 * this port) or a request for one of weir's addresses. */
static void
observe_arp(struct weir_l4_worker *l4, unsigned int pi, const uint8_t *a)
{
	uint16_t op = rd16(a + 6);

	if (weir_addrs_find(&weir.addrs, 4, a + 24) == NULL ||
	    (op == 2 && memcmp(a + 18, weir.ports[pi].mac.addr_bytes, 6) != 0) ||
	    (op != 1 && op != 2)) {
		l4->stats.neigh_ignored++;
		return;
	}
	notify(l4, pi, 4, op == 2 ? NEIGH_ANSWER : NEIGH_ASKED, a + 14, a + 8);
}

/* The link-layer address option of type want in an ND message, or NULL. */
static const uint8_t *
nd_lladdr(const uint8_t *icmp, size_t len, uint8_t want)
{
	size_t off;

	for (off = 24; off + 8 <= len && icmp[off + 1] != 0; off += (size_t)icmp[off + 1] * 8)
		if (icmp[off] == want)
			return icmp + off + 2;
	return NULL;
}

/* A neighbour solicitation for one of weir's addresses (its sender's
 * address and option 1), or a solicited advertisement sent to one of
 * weir's addresses (its target and option 2). An unsolicited NA, override
 * flag or not, teaches nothing. */
static void
observe_nd(struct weir_l4_worker *l4, unsigned int pi, const uint8_t *buf, const struct weir_pkt *p)
{
	const uint8_t *ip6 = buf + p->l2_len, *icmp = buf + p->l4_off, *ll;

	if (icmp[0] != 135 && icmp[0] != 136)
		return;
	if (ip6[7] != 255 ||
	    weir_addrs_find(&weir.addrs, 6, icmp[0] == 135 ? icmp + 8 : ip6 + 24) == NULL) {
		l4->stats.neigh_ignored++;
		return;
	}
	if (icmp[0] == 135) {
		if ((ll = nd_lladdr(icmp, p->l4_len, 1)) != NULL)
			notify(l4, pi, 6, NEIGH_ASKED, ip6 + 8, ll);
		else
			l4->stats.neigh_ignored++; /* duplicate address detection, or no option */
	} else if ((icmp[4] & 0x40) != 0 && (ll = nd_lladdr(icmp, p->l4_len, 2)) != NULL)
		notify(l4, pi, 6, NEIGH_ANSWER, icmp + 8, ll);
	else
		l4->stats.neigh_ignored++;
}

void
weir_l4_neigh_observe(struct weir_l4_worker *l4, unsigned int pi, const uint8_t *buf,
		      const struct weir_pkt *p)
{
	if (p->l3 == WEIR_L3_ARP)
		observe_arp(l4, pi, buf + p->l2_len);
	else if (p->l3 == WEIR_L3_IPV6 && p->l4_proto == 58 && p->l4_len >= 24 &&
		 !(p->flags & WEIR_PKT_F_FRAG))
		observe_nd(l4, pi, buf, p);
}

/* ---- control ---- */

/* Backend b of service i's next hop, from its port's static neighbours. */
void
l4_neigh_init_one(unsigned int i, unsigned int b)
{
	const struct weir_config *cfg = weir.cfg;
	const struct weir_service_config *sc = &cfg->services[i];
	const struct weir_port_config *pc = weir.ports[sc->out_port].cfg;
	const struct weir_backend_config *bc = &cfg->pools[sc->pool].backends[b];
	struct l4_neigh *ne = &weir_l4c.neigh[i][b];
	unsigned int j;

	memset(ne, 0, sizeof(*ne));
	for (j = 0; j < pc->n_neighbors; j++)
		if (pc->neighbors[j].addr.family == bc->addr.family &&
		    memcmp(pc->neighbors[j].addr.ip, bc->addr.ip, 16) == 0) {
			memcpy(ne->mac, pc->neighbors[j].mac, 6);
			ne->ok = 1;
			ne->is_static = 1;
		}
}

void
l4_neigh_init(void)
{
	const struct weir_config *cfg = weir.cfg;
	unsigned int i, b;

	memset(weir_l4c.neigh, 0, sizeof(weir_l4c.neigh));
	for (i = 0; i < cfg->n_services; i++)
		for (b = 0; b < cfg->pools[cfg->services[i].pool].n_backends; b++)
			l4_neigh_init_one(i, b);
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
		weir_l4c.nc.requests_lost++;
	}
}

void
weir_l4_neigh_counters(struct weir_l4_neigh_counters *nc)
{
	*nc = weir_l4c.nc;
}

static void
mac_text(const uint8_t *mac, char *out, size_t len)
{
	snprintf(out, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

/* One observation of a backend's entry. */
static int
learn(struct l4_neigh *ne, const struct neigh_msg *msg, uint64_t now)
{
	int answer = msg->kind == NEIGH_ANSWER;

	if (answer && !(ne->pending && now - ne->asked_ms <= NEIGH_ANSWER_MS)) {
		weir_l4c.nc.unsolicited++;
		return 0;
	}
	if (!ne->ok) {
		memcpy(ne->mac, msg->mac, 6);
		ne->ok = 1;
		ne->learned_ms = now;
		return 1;
	}
	if (memcmp(ne->mac, msg->mac, 6) == 0) {
		if (answer) {
			ne->learned_ms = now;
			ne->ans_old = 1;
		}
		return 0;
	}
	/* A different MAC for a resolved backend: a candidate, to be confirmed. */
	if (!ne->has_cand || memcmp(ne->cand, msg->mac, 6) != 0) {
		memcpy(ne->cand, msg->mac, 6);
		ne->has_cand = 1;
		ne->round = 0;
		ne->tries = 0;
	} else if (answer && ne->round)
		ne->ans_cand = 1;
	return 0;
}

void
weir_l4_neigh_learned(const void *payload)
{
	const struct neigh_msg *msg = payload;
	const struct weir_config *cfg = weir.cfg;
	uint64_t now = weir_clock_ms(weir_clock_tsc());
	unsigned int i, b;

	if (msg->family != 4 && msg->family != 6)
		return;
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
			if (learn(ne, msg, now))
				weir_l4c.publish_due = 1;
		}
	}
}

/* The end of a request's answer window: settle a confirming round. */
static void
settle(struct l4_neigh *ne, const struct weir_addr *ip)
{
	char old[24], cand[24], addr[INET6_ADDRSTRLEN];

	ne->pending = 0;
	if (!ne->has_cand || !ne->round)
		return;
	if (ne->ans_cand && !ne->ans_old) {
		mac_text(ne->mac, old, sizeof(old));
		mac_text(ne->cand, cand, sizeof(cand));
		inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->ip, addr, sizeof(addr));
		fprintf(stderr, "weir: backend %s moved from %s to %s (confirmed by a fresh %s)\n",
			addr, old, cand,
			ip->family == 4 ? "ARP request" : "neighbour solicitation");
		memcpy(ne->mac, ne->cand, 6);
		weir_l4c.nc.changes++;
		weir_l4c.publish_due = 1;
		ne->has_cand = 0;
	} else if (ne->ans_old || ++ne->tries >= NEIGH_CONFIRM_TRIES) {
		weir_l4c.nc.changes_refused++;
		ne->has_cand = 0;
	}
}

void
weir_l4_control_tick(void)
{
	const struct weir_config *cfg = weir.cfg;
	uint64_t t = weir_clock_ms(weir_clock_tsc());
	unsigned int i, b;

	/* Settle answered requests; ask for what is unresolved or to be
	 * confirmed (at most once a second each), and refresh. */
	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_service_config *sc = &cfg->services[i];
		const struct weir_pool_config *pl = &cfg->pools[sc->pool];

		for (b = 0; b < pl->n_backends; b++) {
			struct l4_neigh *ne = &weir_l4c.neigh[i][b];

			if (ne->is_static)
				continue;
			if (ne->pending && t - ne->asked_ms > NEIGH_ANSWER_MS)
				settle(ne, &pl->backends[b].addr);
			if (ne->ok && !ne->has_cand && t - ne->learned_ms < NEIGH_REFRESH_S * 1000)
				continue;
			if (ne->pending ||
			    (ne->asked_ms != 0 && t - ne->asked_ms < NEIGH_REQUEST_GAP_MS))
				continue;
			ne->asked_ms = t;
			ne->pending = 1;
			ne->round = ne->has_cand;
			ne->ans_old = 0;
			ne->ans_cand = 0;
			ask(sc->out_port, &pl->backends[b].addr);
		}
	}
	if (weir_l4c.publish_due) {
		weir_l4c.publish_due = 0;
		l4_snap_publish();
	}
}
