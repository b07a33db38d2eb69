/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FullNAT local ports. Worker w owns the ports p with p % n_workers == w,
 * so a backend's reply (to local:p) is owned by the worker holding its
 * connection, and p names the connection: lport_slot[local IP, proto][p /
 * n_workers] is its slot, so replies need no key of their own.
 */
#include <errno.h>

#include <rte_byteorder.h>

#include "l4/l4-priv.h"

#define LPORT_TRIES 64 /* candidate ports scanned per local IP */

int
l4_lport_alloc(struct weir_l4_worker *l4, unsigned int svc, uint8_t proto, uint32_t hash,
	       uint32_t idx, unsigned int *li_out, uint16_t *port_out)
{
	const struct weir_service_config *sc = &weir.cfg->services[svc];
	unsigned int k, t;

	for (k = 0; k < sc->n_local_ips; k++) {
		unsigned int li = weir_l4c.svc_local[svc][(hash + k) % sc->n_local_ips];
		unsigned int slot = li * 2 + (proto == PROTO_UDP);
		uint32_t *slots = l4->lport_slot[slot];
		uint32_t cur = l4->lport_cursor[slot];

		if (l4->lport_used[slot] >= l4->lport_span)
			continue; /* every port of this local IP is held */
		/* From the cursor on: connections mostly end in the order they
		 * began, so the ports just ahead are the ones freed longest ago. */
		for (t = 0; t < LPORT_TRIES; t++) {
			uint32_t j = l4->lport_jmin + cur;

			if (++cur == l4->lport_span)
				cur = 0;
			if (slots[j] != WEIR_CONN_NONE)
				continue;
			slots[j] = idx;
			l4->lport_cursor[slot] = cur;
			l4->lport_used[slot]++;
			*li_out = li;
			*port_out = (uint16_t)(j * weir.n_workers + l4->id);
			return 0;
		}
		l4->lport_cursor[slot] = cur;
	}
	return -EADDRNOTAVAIL;
}

void
l4_lport_free(struct weir_l4_worker *l4, const struct weir_conn *c)
{
	int li = weir_l4_local(l4->snap, c->client.family, c->local_ip);

	if (li >= 0) {
		unsigned int slot = (unsigned int)li * 2 + (c->client.proto == PROTO_UDP);

		l4->lport_slot[slot][rte_be_to_cpu_16(c->lport) / weir.n_workers] = WEIR_CONN_NONE;
		l4->lport_used[slot]--;
	}
	if (c->client.proto == PROTO_UDP)
		l4->udp_held[l4_udp_held_slot(&c->client)]--;
}

int
weir_l4_pressure(const struct weir_l4_worker *l4, unsigned int svc)
{
	const struct weir_service_config *sc = &weir.cfg->services[svc];
	uint32_t cap = weir_ct_capacity(l4->ct), free_ports = 0;
	unsigned int k;

	if (cap - weir_ct_count(l4->ct) < cap / L4_PRESSURE_DIV)
		return 1;
	if (sc->forwarding != WEIR_FWD_FULLNAT)
		return 0;
	for (k = 0; k < sc->n_local_ips; k++) {
		unsigned int slot = weir_l4c.svc_local[svc][k] * 2 + (sc->proto == PROTO_UDP);

		free_ports += l4->lport_span - l4->lport_used[slot];
	}
	return free_ports < sc->n_local_ips * (l4->lport_span / L4_PRESSURE_DIV);
}

uint32_t
weir_l4_reply_lookup(const struct weir_l4_worker *l4, const struct weir_conn_key *k, int li)
{
	unsigned int nw = weir.n_workers;
	uint16_t port = rte_be_to_cpu_16(k->dport);
	const struct weir_conn *c;
	uint32_t idx;

	if (port % nw != l4->id)
		return WEIR_CONN_NONE;
	idx = l4->lport_slot[li * 2 + (k->proto == PROTO_UDP)][port / nw];
	if (idx == WEIR_CONN_NONE)
		return WEIR_CONN_NONE;
	c = weir_ct_get(l4->ct, idx);
	if (c->client.proto != k->proto || c->client.family != k->family || c->bport != k->sport ||
	    memcmp(c->backend_ip, k->src, sizeof(c->backend_ip)) != 0)
		return WEIR_CONN_NONE;
	return idx;
}
