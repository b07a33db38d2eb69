/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Admin commands of the core: status, stats, ports; services and
 * backends, which gather each stage's part of a service (L4, limits, SYN
 * proxy, health); backend, which goes to L4 or to health.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "adm/adm.h"
#include "core/clock.h"
#include "core/cmd.h"
#include "core/counters.h"
#include "core/reload.h"
#include "core/ctl.h"
#include "core/worker-t.h"
#include "health/health.h"
#include "l4/l4.h"
#include "sp/sp.h"
#include "weir_ctl_proto.h"

static json_t *
addr_json(const struct weir_addr *a, int with_prefix)
{
	char ip[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN + 8];

	inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->ip, ip, sizeof(ip));
	if (with_prefix)
		snprintf(s, sizeof(s), "%s/%u", ip, a->prefix);
	else
		snprintf(s, sizeof(s), "%s", ip);
	return json_string(s);
}

json_t *
weir_cmd_status(json_t *req, char *err, size_t errlen)
{
	json_t *lcores = json_array();
	unsigned int i;

	(void)req;
	(void)err;
	(void)errlen;
	for (i = 0; i < weir.n_workers; i++)
		json_array_append_new(lcores, json_integer(weir.workers[i]->lcore));
	return json_pack("{s:s, s:i, s:i, s:I, s:s, s:o, s:s, s:i, s:o, s:i, s:i, s:o}", "version",
			 WEIR_VERSION, "protocol", WEIR_CTL_VERSION, "pid", (int)getpid(),
			 "uptime_s", (json_int_t)weir_clock_s(weir_clock_tsc()), "config",
			 weir.cfg->origin, "config_load", weir_reload_json(), "socket",
			 weir.cfg->socket_path, "workers", (int)weir.n_workers, "worker_lcores",
			 lcores, "main_lcore", (int)rte_get_main_lcore(), "ports",
			 (int)weir.n_ports, "admin", weir_cmd_admin_json());
}

json_t *
weir_cmd_stats(json_t *req, char *err, size_t errlen)
{
	json_t *o = weir_counters_json(), *ports = json_array();
	unsigned int i;

	(void)req;
	(void)err;
	(void)errlen;
	for (i = 0; i < weir.n_ports; i++) {
		struct rte_eth_stats es = {0};

		rte_eth_stats_get(weir.ports[i].port_id, &es);
		json_array_append_new(
			ports,
			json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "name",
				  weir.ports[i].cfg->name, "ipackets", (json_int_t)es.ipackets,
				  "opackets", (json_int_t)es.opackets, "ibytes",
				  (json_int_t)es.ibytes, "obytes", (json_int_t)es.obytes, "imissed",
				  (json_int_t)es.imissed, "ierrors", (json_int_t)es.ierrors,
				  "oerrors", (json_int_t)es.oerrors, "rx_nombuf",
				  (json_int_t)es.rx_nombuf));
	}
	json_object_set_new(o, "ports", ports);
	return o;
}

json_t *
weir_cmd_ports(json_t *req, char *err, size_t errlen)
{
	json_t *ports = json_array(), *vips = json_array();
	unsigned int i, j;

	(void)req;
	(void)err;
	(void)errlen;
	for (i = 0; i < weir.n_ports; i++) {
		const struct weir_port *p = &weir.ports[i];
		struct rte_eth_link link = {0};
		char mac[RTE_ETHER_ADDR_FMT_SIZE];
		json_t *addrs = json_array();

		rte_eth_link_get_nowait(p->port_id, &link);
		rte_ether_format_addr(mac, sizeof(mac), &p->mac);
		for (j = 0; j < p->cfg->n_addrs; j++)
			json_array_append_new(addrs, addr_json(&p->cfg->addrs[j], 1));
		json_array_append_new(
			ports,
			json_pack(
				"{s:s, s:i, s:s, s:s, s:s, s:b, s:b, s:b, s:I, s:i, s:i, s:s, s:o}",
				"name", p->cfg->name, "port_id", p->port_id, "devargs",
				p->cfg->devargs, "driver", p->driver, "mac", mac, "mac_in_software",
				p->sw_mac, "tx_ip_cksum_offload", p->tx_ip_cksum, "link_up",
				link.link_status == RTE_ETH_LINK_UP, "speed_mbps",
				(json_int_t)link.link_speed, "rx_queues", p->n_rxq, "tx_queues",
				(int)weir.n_workers, "steering",
				weir.n_workers == 1 ? "none"
				: p->rss	    ? "rss"
						    : "software",
				"addresses", addrs));
	}
	for (i = 0; i < weir.cfg->n_vips; i++)
		json_array_append_new(vips, addr_json(&weir.cfg->vips[i], 0));
	return json_pack("{s:o, s:o}", "ports", ports, "vips", vips);
}

/* A service's (or pool's) backends with their health, and the pool's settings. */
static void
add_health(json_t *svc, unsigned int pool)
{
	uint64_t now = weir_clock_ms(weir_clock_tsc());
	json_t *b, *o;
	size_t k;

	json_array_foreach(json_object_get(svc, "backends"), k, b)
	{
		if ((o = weir_hc_backend_json(pool, (unsigned int)k, now)) != NULL)
			json_object_set_new(b, "health", o);
	}
	json_object_set_new(svc, "pool_health", weir_hc_pool_json(pool));
}

json_t *
weir_cmd_backend(json_t *req, char *err, size_t errlen)
{
	const char *action = json_string_value(json_object_get(req, "action"));
	char why[160];
	unsigned int pi, b;

	if (weir_config_find_backend(weir.cfg, json_string_value(json_object_get(req, "pool")),
				     json_string_value(json_object_get(req, "backend")), &pi, &b,
				     why, sizeof(why)) != 0) {
		snprintf(err, errlen, "backend: %s", why);
		return NULL;
	}
	if (strcmp(action, "check") == 0)
		return weir_hc_check(pi, b, err, errlen);
	return weir_l4_backend_change(req, pi, b, err, errlen);
}

json_t *
weir_cmd_backends(json_t *req, char *err, size_t errlen)
{
	const char *pool = json_string_value(json_object_get(req, "pool"));
	json_t *arr, *svc, *names, *res = NULL;
	unsigned int pi;
	size_t i;

	for (pi = 0; pi < weir.cfg->n_pools; pi++)
		if (strcmp(weir.cfg->pools[pi].name, pool) == 0)
			break;
	if (pi == weir.cfg->n_pools) {
		snprintf(err, errlen, "backends: no pool \"%.64s\"", pool);
		return NULL;
	}
	/* The backends as the first service using the pool sees them (next
	 * hops are per service), with health. */
	arr = weir_l4_services_json();
	names = json_array();
	json_array_foreach(arr, i, svc)
	{
		/* Services a reload removed keep their entries: not theirs. */
		if (weir.cfg->services[i].pool != pi || weir.cfg->services[i].removed)
			continue;
		json_array_append_new(names, json_string(weir.cfg->services[i].name));
		if (res == NULL) {
			add_health(svc, pi);
			res = json_pack("{s:s, s:O, s:O}", "pool", pool, "backends",
					json_object_get(svc, "backends"), "health",
					json_object_get(svc, "pool_health"));
		}
	}
	json_decref(arr);
	if (res == NULL) {
		json_decref(names);
		snprintf(err, errlen, "backends: no service uses pool %s", pool);
		return NULL;
	}
	json_object_set_new(res, "services", names);
	return res;
}

json_t *
weir_cmd_services(json_t *req, char *err, size_t errlen)
{
	json_t *arr = weir_l4_services_json(), *svc, *o;
	struct weir_l4_neigh_counters nc;
	size_t i;

	(void)req;
	(void)err;
	(void)errlen;
	/* Each stage's settings of a service, under its key. */
	json_array_foreach(arr, i, svc)
	{
		if ((o = weir_adm_limits_json((unsigned int)i)) != NULL)
			json_object_set_new(svc, "limits", o);
		if ((o = weir_sp_service_json((unsigned int)i)) != NULL)
			json_object_set_new(svc, "synproxy", o);
		add_health(svc, weir.cfg->services[i].pool);
	}
	weir_l4_neigh_counters(&nc);
	return json_pack("{s:o, s:I, s:o, s:{s:I, s:I, s:I, s:I}, s:o*}", "services", arr,
			 "snapshot", (json_int_t)weir_l4_snapshot_version(), "health",
			 weir_hc_json(), "neighbors", "requests_lost", (json_int_t)nc.requests_lost,
			 "unsolicited", (json_int_t)nc.unsolicited, "changes",
			 (json_int_t)nc.changes, "changes_refused", (json_int_t)nc.changes_refused,
			 "limits", weir_adm_limits_json(WEIR_ADM_GLOBAL));
}
