/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The L4 stage's admin commands: services (its part) and backend.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/cmd.h"
#include "core/counters.h"
#include "l4/l4-priv.h"

static json_t *
ip_json(uint8_t family, const uint8_t *ip)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(family == 4 ? AF_INET : AF_INET6, ip, s, sizeof(s));
	return json_string(s);
}

static json_t *
backends_json(unsigned int svc)
{
	const struct weir_service_config *sc = &weir.cfg->services[svc];
	const struct weir_pool_config *pl = &weir.cfg->pools[sc->pool];
	const struct weir_l4_snap *s = weir_l4c.snap;
	json_t *arr = json_array();
	unsigned int b;

	for (b = 0; b < pl->n_backends; b++) {
		const struct weir_backend_config *bc = &pl->backends[b];
		char mac[24] = "";
		json_t *o;

		if (s->svc[svc].mac_ok[b])
			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
				 s->svc[svc].mac[b][0], s->svc[svc].mac[b][1],
				 s->svc[svc].mac[b][2], s->svc[svc].mac[b][3],
				 s->svc[svc].mac[b][4], s->svc[svc].mac[b][5]);
		o = json_pack("{s:o, s:i, s:I, s:b, s:I, s:s?, s:s, s:b}", "address",
			      ip_json(bc->addr.family, bc->addr.ip), "port", bc->port, "weight",
			      (json_int_t)weir_l4c.weight[sc->pool][b], "enabled",
			      weir_l4c.enabled[sc->pool][b], "effective_weight",
			      (json_int_t)s->svc[svc].weight[b], "mac", mac[0] ? mac : NULL,
			      "datacenter", bc->datacenter, "removed", bc->removed);
		weir_counters_backend_json(svc, b, o);
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *
weir_l4_services_json(void)
{
	const struct weir_config *cfg = weir.cfg;
	const struct weir_l4_snap *s = weir_l4c.snap;
	json_t *arr = json_array();
	unsigned int i, j;

	/* (A reload appends a service to the config before its snapshot.) */
	for (i = 0; i < cfg->n_services && i < s->n_services; i++) {
		const struct weir_service_config *sc = &cfg->services[i];
		const char *proto = sc->proto == PROTO_TCP ? "tcp" : "udp";
		json_t *locs = json_array(), *o;

		if (sc->http != NULL)
			proto = "http";
		for (j = 0; j < sc->n_local_ips; j++)
			json_array_append_new(
				locs, ip_json(sc->local_ips[j].family, sc->local_ips[j].ip));
		o = json_pack(
			"{s:s, s:o, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:i, s:I, "
			"s:{s:I, s:I, s:I, s:I, s:I}, s:o, s:b}",
			"name", sc->name, "vip", ip_json(sc->vip.family, sc->vip.ip), "port",
			sc->port, "protocol", proto, "scheduler", weir_sched_name(sc->scheduler),
			"sticky", sc->sticky_source ? "source" : "none", "forwarding",
			sc->forwarding == WEIR_FWD_FULLNAT ? "fullnat" : "dsr-ipip", "pool",
			cfg->pools[sc->pool].name, "port_out", weir.ports[sc->out_port].cfg->name,
			"local_ips", locs, "mss_clamp", sc->mss_clamp, "maglev_size",
			(json_int_t)(s->svc[i].table ? s->svc[i].table->size : 0), "timeouts",
			"syn", (json_int_t)sc->timeouts.syn, "established",
			(json_int_t)sc->timeouts.established, "fin", (json_int_t)sc->timeouts.fin,
			"closed", (json_int_t)sc->timeouts.closed, "udp",
			(json_int_t)sc->timeouts.udp, "backends", backends_json(i), "removed",
			sc->removed);
		/* An http route's pool: its backends' counters, under the http
		 * service's VIP and port. */
		if (o != NULL && sc->internal != 0)
			json_object_set_new(o, "internal_of",
					    json_string(cfg->services[sc->internal - 1].name));
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *
weir_l4_backend_change(json_t *req, unsigned int pi, unsigned int b, char *err, size_t errlen)
{
	const struct weir_config *cfg = weir.cfg;
	const char *action = json_string_value(json_object_get(req, "action"));
	const char *pool = cfg->pools[pi].name;
	const char *backend = json_string_value(json_object_get(req, "backend"));
	unsigned int i;
	uint64_t token;
	json_t *svcs;

	if (strcmp(action, "disable") == 0) {
		weir_l4c.enabled[pi][b] = 0;
	} else if (strcmp(action, "enable") == 0) {
		weir_l4c.enabled[pi][b] = 1;
	} else {
		json_int_t w = json_integer_value(json_object_get(req, "weight"));

		if (w > WEIR_LB_MAX_WEIGHT) {
			snprintf(err, errlen, "backend weight: expected \"weight\" in [0, %u]",
				 WEIR_LB_MAX_WEIGHT);
			return NULL;
		}
		weir_l4c.weight[pi][b] = (uint32_t)w;
	}
	token = l4_snap_publish();
	if (token == 0) {
		snprintf(err, errlen, "backend: out of memory building the new tables");
		return NULL;
	}
	svcs = json_array();
	for (i = 0; i < cfg->n_services; i++)
		if (cfg->services[i].pool == pi)
			json_array_append_new(svcs, json_string(cfg->services[i].name));
	/* Answered once every worker uses the new tables. */
	return weir_cmd_after(json_pack("{s:s, s:s, s:s, s:I, s:b, s:o, s:I}", "pool", pool,
					"backend", backend, "action", action, "weight",
					(json_int_t)weir_l4c.weight[pi][b], "enabled",
					weir_l4c.enabled[pi][b], "services", svcs, "snapshot",
					(json_int_t)weir_l4c.snap->version));
}
