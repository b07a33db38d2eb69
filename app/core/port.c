/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: found or hot-plugged, configured (queues, RSS, offloads, MAC),
 * started once every table is in place, stopped and closed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>

#include "core/port.h"
#include "core/weir.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

static int
find_port(const char *devargs, uint16_t *pid)
{
	struct rte_dev_iterator it;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t id;

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(devargs, ","), devargs);
	if (rte_eth_dev_get_port_by_name(name, pid) == 0)
		return 0;
	RTE_ETH_FOREACH_MATCHING_DEV(id, devargs, &it)
	{
		*pid = id;
		rte_eth_iterator_cleanup(&it);
		return 0;
	}
	return -ENODEV;
}

static int
init_one_port(unsigned int i, char *err, size_t errlen)
{
	const struct weir_port_config *pc = &weir.cfg->ports[i];
	struct weir_port *port = &weir.ports[i];
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	uint16_t q, rxd = pc->rx_desc, txd = pc->tx_desc;
	int rc, socket;

	port->cfg = pc;
	if (find_port(pc->devargs, &port->port_id) != 0) {
		rc = rte_dev_probe(pc->devargs);
		if (rc != 0 || find_port(pc->devargs, &port->port_id) != 0) {
			snprintf(err, errlen,
				 "config %s: key 'ports[%u].devargs' = \"%s\": cannot probe the "
				 "device: %s",
				 weir.cfg->origin, i, pc->devargs,
				 rc != 0 ? rte_strerror(-rc) : "no ethernet port appeared");
			return -EXIT_USAGE;
		}
	}
	rc = rte_eth_dev_info_get(port->port_id, &info);
	if (rc != 0)
		goto fail;
	snprintf(port->driver, sizeof(port->driver), "%s", info.driver_name);
	if (info.max_tx_queues < weir.n_workers) {
		snprintf(err, errlen,
			 "port %s (%s) has %u TX queues; %u workers need one each "
			 "(lower 'workers' or, for net_pcap, give one tx_pcap per worker)",
			 pc->name, port->driver, info.max_tx_queues, weir.n_workers);
		return -EXIT_USAGE;
	}
	port->n_rxq = (uint16_t)RTE_MIN(weir.n_workers, info.max_rx_queues);
	/*
	 * Trust RSS only where it is done by the NIC on the IP pair. A tap's
	 * kernel side and virtio-user pick queues by their own rules, so for
	 * them the owner is computed in software and packets are steered.
	 */
	if (pc->steering == WEIR_STEER_AUTO && weir.n_workers > 1 &&
	    port->n_rxq == weir.n_workers && (info.flow_type_rss_offloads & RTE_ETH_RSS_IP) &&
	    strcmp(info.driver_name, "net_tap") != 0) {
		port->rss = true;
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
	}
	/* FullNAT rewrites leave the IPv4 header checksum to the port when it
	 * can compute it (app/l4/xmit.c); elsewhere it is updated in software. */
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
		port->tx_ip_cksum = true;
	}
	/* clock rx_timestamp: admission time is each packet's RX timestamp. */
	if (weir.cfg->clock_rx_timestamp && (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	rc = rte_eth_dev_configure(port->port_id, port->n_rxq, (uint16_t)weir.n_workers, &conf);
	if (rc != 0)
		goto fail;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port->port_id, &rxd, &txd);
	if (rc != 0)
		goto fail;
	socket = rte_eth_dev_socket_id(port->port_id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (q = 0; q < port->n_rxq; q++) {
		rc = rte_eth_rx_queue_setup(port->port_id, q, rxd, (unsigned int)socket, NULL,
					    weir.pool);
		if (rc != 0)
			goto fail;
	}
	for (q = 0; q < weir.n_workers; q++) {
		rc = rte_eth_tx_queue_setup(port->port_id, q, txd, (unsigned int)socket, NULL);
		if (rc != 0)
			goto fail;
	}
	if (pc->has_mac) {
		struct rte_ether_addr mac;

		memcpy(mac.addr_bytes, pc->mac, 6);
		/*
		 * Setting a tap's MAC also renames its kernel side, so weir and
		 * its peer would share one address: keep ours in software.
		 */
		rc = strcmp(port->driver, "net_tap") == 0
			     ? -ENOTSUP
			     : rte_eth_dev_default_mac_addr_set(port->port_id, &mac);
		/*
		 * Drivers that cannot program a MAC (net_pcap) still see every
		 * frame in promiscuous mode; the MAC is then ours in software.
		 * virtio-user without cq=1 in its devargs has no control queue:
		 * it can neither set a MAC (only with mac= in its devargs) nor
		 * turn promiscuous mode on, and it filters nothing either (its
		 * backend hands it every frame): software too.
		 */
		if (rc == -ENOTSUP && (rte_eth_promiscuous_enable(port->port_id) == 0 ||
				       strcmp(port->driver, "net_virtio_user") == 0)) {
			port->sw_mac = true;
			port->mac = mac;
			rc = 0;
		}
		if (rc != 0) {
			snprintf(err, errlen,
				 "port %s (%s): cannot set MAC from 'ports[%u].mac': %s", pc->name,
				 port->driver, i, rte_strerror(-rc));
			return -EXIT_RUNTIME;
		}
	}
	/* Neighbour solicitations go to solicited-node multicast groups. */
	rc = rte_eth_allmulticast_enable(port->port_id);
	if (rc != 0 && rc != -ENOTSUP)
		goto fail;
	if (!port->sw_mac) {
		rc = rte_eth_macaddr_get(port->port_id, &port->mac);
		if (rc != 0)
			goto fail;
	}
	weir.port_index[port->port_id] = (uint8_t)i;
	return 0;
fail:
	snprintf(err, errlen, "port %s (%s): setup failed: %s", pc->name, pc->devargs,
		 rte_strerror(-rc));
	return -EXIT_RUNTIME;
}

void
weir_ports_fini(void)
{
	unsigned int i;

	for (i = weir.n_ports; i-- > 0;) {
		rte_eth_dev_stop(weir.ports[i].port_id);
		rte_eth_dev_close(weir.ports[i].port_id);
	}
	weir.n_ports = 0;
}

int
weir_ports_init(char *err, size_t errlen)
{
	unsigned int i;
	int rc;

	for (i = 0; i < weir.cfg->n_ports; i++) {
		rc = init_one_port(i, err, errlen);
		if (rc != 0) {
			/* A probed but unstarted port is still closed by EAL cleanup. */
			weir_ports_fini();
			return rc;
		}
		weir.n_ports++;
	}
	return 0;
}

/* Ports start last, once every table is in place: a link that is up is a
 * port that forwards (the connection tables can take seconds to allocate). */
int
weir_ports_start(char *err, size_t errlen)
{
	unsigned int i;
	int rc;

	for (i = 0; i < weir.n_ports; i++) {
		rc = rte_eth_dev_start(weir.ports[i].port_id);
		if (rc != 0) {
			snprintf(err, errlen, "port %s (%s): cannot start: %s",
				 weir.ports[i].cfg->name, weir.ports[i].cfg->devargs,
				 rte_strerror(-rc));
			return -EXIT_RUNTIME;
		}
	}
	return 0;
}

void
weir_ports_stop(void)
{
	unsigned int i;

	for (i = weir.n_ports; i-- > 0;)
		rte_eth_dev_stop(weir.ports[i].port_id);
}
