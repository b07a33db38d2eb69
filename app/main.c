/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weir: start-up, shutdown and the control loop on the main lcore.
 *
 *   weir [EAL args] [-- --config FILE]
 *
 * The configuration is loaded and validated before EAL starts, so a bad
 * config costs nothing and exits 2 with one line naming the key and value.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "ctl_server.h"
#include "weir.h"
#include "weir_ctl_proto.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

struct weir weir;
static struct weir_ctl_server *ctl;

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: weir [EAL options] [-- [--config FILE]]\n"
		"\n"
		"Kernel-bypass L4/L7 load balancer and API gate.\n"
		"\n"
		"  --config FILE  JSON configuration (docs/configuration.md); without it\n"
		"                 the embedded default configuration is used\n"
		"  --help         this text\n"
		"  --version      print the version\n"
		"\n"
		"Exit status: 0 after a clean stop (SIGINT/SIGTERM), 1 on a runtime\n"
		"failure (including EAL refusing its options), 2 on a bad weir option\n"
		"or configuration.\n");
}

static void
on_signal(int sig)
{
	(void)sig;
	weir.quit = true;
}

/* ---- start-up steps: an ordered table of {name, init, fini} ---- */

static int
pool_need(void)
{
	unsigned int i, need = 0;

	for (i = 0; i < weir.cfg->n_ports; i++)
		need += weir.n_workers *
			(weir.cfg->ports[i].rx_desc + weir.cfg->ports[i].tx_desc + WEIR_BURST * 2);
	need += weir.n_workers * (weir.n_workers - 1) * WEIR_STEER_RING_SIZE;
	need += weir.n_workers * 256 + 1024; /* per-lcore caches, bursts in flight */
	for (i = 0; i < weir.cfg->n_services; i++)
		if (weir.cfg->services[i].synproxy.enabled) {
			/* Client segments held during backend handshakes. */
			need += weir.n_workers * WEIR_SP_HOLD_MAX;
			break;
		}
	return (int)need;
}

static int
init_pool(char *err, size_t errlen)
{
	unsigned int n = weir.cfg->mbufs;
	unsigned int need = (unsigned int)pool_need();

	if (n == 0) {
		/* 2^k - 1 is the mempool's most memory-efficient size. */
		for (n = 1023; n < need + need / 2; n = n * 2 + 1)
			;
	} else if (n < need) {
		snprintf(err, errlen,
			 "config %s: key 'mbufs' = %u: the ports and workers need at least %u",
			 weir.cfg->origin, n, need);
		return -EXIT_USAGE;
	}
	weir.pool = rte_pktmbuf_pool_create("weir_pkts", n, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					    (int)rte_socket_id());
	if (weir.pool == NULL) {
		snprintf(err, errlen, "cannot create a pool of %u mbufs: %s (give EAL more memory, -m)",
			 n, rte_strerror(rte_errno));
		return -EXIT_RUNTIME;
	}
	return 0;
}

static void
fini_pool(void)
{
	/* Everything else is down: ports closed, rings and held segments
	 * freed. An mbuf still out now was leaked (the tests look for this). */
	if (weir.pool != NULL && rte_mempool_in_use_count(weir.pool) != 0)
		fprintf(stderr, "weir: %u mbufs still in use at exit\n",
			rte_mempool_in_use_count(weir.pool));
	rte_mempool_free(weir.pool);
	weir.pool = NULL;
}

static int
find_port(const char *devargs, uint16_t *pid)
{
	struct rte_dev_iterator it;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t id;

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(devargs, ","), devargs);
	if (rte_eth_dev_get_port_by_name(name, pid) == 0)
		return 0;
	RTE_ETH_FOREACH_MATCHING_DEV(id, devargs, &it) {
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
	 * can compute it (app/lb4.c); elsewhere it is updated in software. */
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
		 */
		if (rc == -ENOTSUP && rte_eth_promiscuous_enable(port->port_id) == 0) {
			port->sw_mac = true;
			port->mac = mac;
			rc = 0;
		}
		if (rc != 0) {
			snprintf(err, errlen, "port %s (%s): cannot set MAC from 'ports[%u].mac': %s",
				 pc->name, port->driver, i, rte_strerror(-rc));
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

static void
fini_ports(void)
{
	unsigned int i;

	for (i = weir.n_ports; i-- > 0;) {
		rte_eth_dev_stop(weir.ports[i].port_id);
		rte_eth_dev_close(weir.ports[i].port_id);
	}
	weir.n_ports = 0;
}

static int
init_ports(char *err, size_t errlen)
{
	unsigned int i;
	int rc;

	for (i = 0; i < weir.cfg->n_ports; i++) {
		rc = init_one_port(i, err, errlen);
		if (rc != 0) {
			/* A probed but unstarted port is still closed by EAL cleanup. */
			fini_ports();
			return rc;
		}
		weir.n_ports++;
	}
	return 0;
}

/* Ports start last, once every table is in place: a link that is up is a
 * port that forwards (the connection tables can take seconds to allocate). */
static int
start_ports(char *err, size_t errlen)
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

static void
stop_ports(void)
{
	unsigned int i;

	for (i = weir.n_ports; i-- > 0;)
		rte_eth_dev_stop(weir.ports[i].port_id);
}

static void
fini_workers(void)
{
	unsigned int i, j;

	for (i = 0; i < weir.n_workers; i++) {
		if (weir.workers[i] == NULL)
			continue;
		for (j = 0; j < weir.n_workers; j++)
			rte_ring_free(weir.workers[i]->steer_out[j]);
		rte_free(weir.workers[i]);
		weir.workers[i] = NULL;
	}
}

static int
init_workers(char *err, size_t errlen)
{
	unsigned int i, j;

	for (i = 0; i < weir.n_workers; i++) {
		unsigned int lcore = weir.cfg->workers[i];

		weir.workers[i] = rte_zmalloc_socket("weir_worker", sizeof(struct weir_worker),
						     RTE_CACHE_LINE_SIZE,
						     (int)rte_lcore_to_socket_id(lcore));
		if (weir.workers[i] == NULL)
			goto nomem;
		weir.workers[i]->id = i;
		weir.workers[i]->lcore = lcore;
	}
	if (weir.n_workers == 1)
		return 0;
	for (i = 0; i < weir.n_workers; i++)
		for (j = 0; j < weir.n_workers; j++) {
			char name[64]; /* ids < WEIR_MAX_WORKERS: fits RTE_RING_NAMESIZE */
			struct rte_ring *r;

			if (i == j)
				continue;
			snprintf(name, sizeof(name), "weir_steer_%u_%u", i, j);
			r = rte_ring_create(name, WEIR_STEER_RING_SIZE,
					    (int)rte_lcore_to_socket_id(weir.workers[j]->lcore),
					    RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (r == NULL)
				goto nomem;
			weir.workers[i]->steer_out[j] = r;
			weir.workers[j]->steer_in[i] = r;
		}
	return 0;
nomem:
	snprintf(err, errlen, "cannot allocate worker state: %s", rte_strerror(rte_errno));
	fini_workers();
	return -EXIT_RUNTIME;
}

static json_t *ctl_handle(const char *cmd, json_t *req, void *arg, char *err, size_t errlen);

static int
init_control(char *err, size_t errlen)
{
	char why[256];

	ctl = weir_ctl_server_open(weir.cfg->socket_path, ctl_handle, NULL, why, sizeof(why));
	if (ctl == NULL) {
		snprintf(err, errlen, "admin socket (config key 'control.socket'): %s", why);
		return -EXIT_RUNTIME;
	}
	return 0;
}

static void
fini_control(void)
{
	weir_ctl_server_close(ctl);
	ctl = NULL;
}

static const struct {
	const char *name;
	int (*init)(char *err, size_t errlen);
	void (*fini)(void);
} steps[] = {
	{"packet pool", init_pool, fini_pool},
	{"workers", init_workers, fini_workers},
	{"ports", init_ports, fini_ports},
	{"load balancing", weir_lb_init, weir_lb_fini},
	{"port start", start_ports, stop_ports},
	{"admin socket", init_control, fini_control},
};

/* ---- admin commands ---- */

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

static uint64_t
rd(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static json_t *
worker_json(const struct weir_worker_stats *s, uint64_t *totals)
{
	json_t *o, *drops = json_object();
	uint64_t v, dropped = 0;
	unsigned int r;

	for (r = 1; r < WEIR_DROP__MAX; r++) {
		v = rd(&s->drops[r]);
		dropped += v;
		totals[4 + r] += v;
		json_object_set_new(drops, weir_pkt_drop_name(r), json_integer((json_int_t)v));
	}
	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:o}", "rx", (json_int_t)rd(&s->rx), "tx",
		      (json_int_t)rd(&s->tx), "steered_out", (json_int_t)rd(&s->steered_out),
		      "steered_in", (json_int_t)rd(&s->steered_in), "dropped",
		      (json_int_t)dropped, "drops", drops);
	totals[0] += rd(&s->rx);
	totals[1] += rd(&s->tx);
	totals[2] += rd(&s->steered_out);
	totals[3] += rd(&s->steered_in);
	return o;
}

static json_t *
cmd_stats(void)
{
	uint64_t t[4 + WEIR_DROP__MAX] = {0}, dropped = 0;
	json_t *workers = json_array(), *ports = json_array(), *drops = json_object(), *o;
	unsigned int i, r;

	for (i = 0; i < weir.n_workers; i++) {
		o = worker_json(&weir.workers[i]->stats, t);
		weir_lb_worker_json(weir.workers[i], o);
		json_object_set_new(o, "id", json_integer(i));
		json_object_set_new(o, "lcore", json_integer(weir.workers[i]->lcore));
		json_array_append_new(workers, o);
	}
	for (r = 1; r < WEIR_DROP__MAX; r++) {
		dropped += t[4 + r];
		json_object_set_new(drops, weir_pkt_drop_name(r), json_integer((json_int_t)t[4 + r]));
	}
	for (i = 0; i < weir.n_ports; i++) {
		struct rte_eth_stats es = {0};

		rte_eth_stats_get(weir.ports[i].port_id, &es);
		json_array_append_new(
			ports, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "name",
					 weir.ports[i].cfg->name, "ipackets", (json_int_t)es.ipackets,
					 "opackets", (json_int_t)es.opackets, "ibytes",
					 (json_int_t)es.ibytes, "obytes", (json_int_t)es.obytes,
					 "imissed", (json_int_t)es.imissed, "ierrors",
					 (json_int_t)es.ierrors, "oerrors", (json_int_t)es.oerrors,
					 "rx_nombuf", (json_int_t)es.rx_nombuf));
	}
	return json_pack("{s:{s:I, s:I, s:I, s:I, s:I, s:o}, s:o, s:o}", "total", "rx",
			 (json_int_t)t[0], "tx", (json_int_t)t[1], "steered_out", (json_int_t)t[2],
			 "steered_in", (json_int_t)t[3], "dropped", (json_int_t)dropped, "drops",
			 drops, "workers", workers, "ports", ports);
}

static json_t *
cmd_status(void)
{
	json_t *lcores = json_array();
	unsigned int i;

	for (i = 0; i < weir.n_workers; i++)
		json_array_append_new(lcores, json_integer(weir.workers[i]->lcore));
	return json_pack("{s:s, s:i, s:i, s:I, s:s, s:s, s:i, s:o, s:i, s:i}", "version",
			 WEIR_VERSION, "protocol", WEIR_CTL_VERSION, "pid", (int)getpid(),
			 "uptime_s",
			 (json_int_t)((rte_get_tsc_cycles() - weir.start_tsc) / rte_get_tsc_hz()),
			 "config", weir.cfg->origin, "socket", weir.cfg->socket_path, "workers",
			 (int)weir.n_workers, "worker_lcores", lcores, "main_lcore",
			 (int)rte_get_main_lcore(), "ports", (int)weir.n_ports);
}

static json_t *
cmd_ports(void)
{
	json_t *ports = json_array(), *vips = json_array();
	unsigned int i, j;

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
			json_pack("{s:s, s:i, s:s, s:s, s:s, s:b, s:b, s:b, s:I, s:i, s:i, s:s, s:o}",
				  "name", p->cfg->name, "port_id", p->port_id, "devargs",
				  p->cfg->devargs, "driver", p->driver, "mac", mac, "mac_in_software",
				  p->sw_mac, "tx_ip_cksum_offload", p->tx_ip_cksum, "link_up",
				  link.link_status == RTE_ETH_LINK_UP, "speed_mbps",
				  (json_int_t)link.link_speed, "rx_queues", p->n_rxq, "tx_queues",
				  (int)weir.n_workers, "steering",
				  weir.n_workers == 1 ? "none" : p->rss ? "rss" : "software",
				  "addresses", addrs));
	}
	for (i = 0; i < weir.cfg->n_vips; i++)
		json_array_append_new(vips, addr_json(&weir.cfg->vips[i], 0));
	return json_pack("{s:o, s:o}", "ports", ports, "vips", vips);
}

static json_t *
ctl_handle(const char *cmd, json_t *req, void *arg, char *err, size_t errlen)
{
	json_t *r;
	int handled;

	(void)arg;
	if (strcmp(cmd, "status") == 0)
		return cmd_status();
	if (strcmp(cmd, "stats") == 0)
		return cmd_stats();
	if (strcmp(cmd, "ports") == 0)
		return cmd_ports();
	r = weir_lb_command(cmd, req, err, errlen, &handled);
	if (handled)
		return r;
	snprintf(err, errlen,
		 "unknown command \"%.64s\" (known: status, stats, ports, services, backend)", cmd);
	return NULL;
}

/* ---- main ---- */

static int
parse_app_args(int argc, char **argv, const char **config)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			*config = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("weir %s\n", WEIR_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "weir: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

static int
check_lcores(char *err, size_t errlen)
{
	unsigned int i, lc;

	for (i = 0; i < weir.cfg->n_workers; i++) {
		lc = weir.cfg->workers[i];
		if (!rte_lcore_is_enabled(lc) || lc == rte_get_main_lcore()) {
			snprintf(err, errlen,
				 "config %s: key 'workers[%u]' = %u: not a worker lcore of this "
				 "process (EAL has %u lcores, main lcore %u runs the control "
				 "loop; pass e.g. -l 0,%u)",
				 weir.cfg->origin, i, lc, rte_lcore_count(), rte_get_main_lcore(),
				 lc);
			return -EXIT_USAGE;
		}
	}
	weir.n_workers = weir.cfg->n_workers;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *config = NULL;
	char err[512] = "";
	int eal_argc = argc, i, rc, n_done = 0, status = 0;
	unsigned int w;

	/* Our options follow "--"; EAL sees only what precedes it. */
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			eal_argc = i;
			break;
		}
	for (i = 1; i < eal_argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
	if (eal_argc < argc) {
		argv[eal_argc] = argv[0];
		if (parse_app_args(argc - eal_argc, argv + eal_argc, &config) != 0)
			return EXIT_USAGE;
		argv[eal_argc] = (char *)"--";
	}

	weir.cfg = config != NULL ? weir_config_from_file(config, err, sizeof(err))
				  : weir_config_from_string(weir_default_config, "embedded", err,
							    sizeof(err));
	if (weir.cfg == NULL) {
		fprintf(stderr, "weir: %s\n", err);
		return EXIT_USAGE;
	}
	if (weir_config_addrs(weir.cfg, &weir.addrs) != 0) {
		fprintf(stderr, "weir: config %s: too many addresses\n", weir.cfg->origin);
		return EXIT_USAGE;
	}

	rc = rte_eal_init(eal_argc, argv);
	if (rc < 0) {
		fprintf(stderr, "weir: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		weir_config_free(weir.cfg);
		return EXIT_RUNTIME;
	}
	weir.start_tsc = rte_get_tsc_cycles();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	rc = check_lcores(err, sizeof(err));
	while (rc == 0 && n_done < (int)RTE_DIM(steps)) {
		rc = steps[n_done].init(err, sizeof(err));
		if (rc == 0)
			n_done++;
	}
	if (rc != 0) {
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "%s: start-up failed", steps[n_done].name);
		fprintf(stderr, "weir: %s\n", err);
		status = -rc;
		goto out;
	}

	for (w = 0; w < weir.n_workers; w++) {
		rc = rte_eal_remote_launch(weir_worker_loop, weir.workers[w],
					   weir.workers[w]->lcore);
		if (rc != 0) {
			fprintf(stderr, "weir: cannot launch worker on lcore %u: %s\n",
				weir.workers[w]->lcore, rte_strerror(-rc));
			weir.quit = true;
			status = EXIT_RUNTIME;
			break;
		}
	}
	if (status == 0)
		printf("weir %s: %u worker(s), %u port(s), admin socket %s\n", WEIR_VERSION,
		       weir.n_workers, weir.n_ports, weir.cfg->socket_path);
	fflush(stdout);

	while (!weir.quit) {
		weir_ctl_server_poll(ctl, 100);
		weir_lb_control_tick();
	}
	rte_eal_mp_wait_lcore();
	if (status == 0)
		printf("weir: stopped\n");

out:
	while (n_done-- > 0)
		steps[n_done].fini();
	rte_eal_cleanup();
	weir_config_free(weir.cfg);
	return status;
}
