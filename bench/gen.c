/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weir-gen: the wire benchmark's traffic generator.
 *
 *   weir-gen [EAL options] --vdev net_vhost0,iface=SOCK,queues=1 -- [options]
 *
 * One port (the first one EAL created, normally a vhost-user vdev whose
 * peer is the device under test on virtio-user) and one lcore, the main
 * lcore, that both transmits and receives. Frames are 64 bytes on the wire
 * (60 in the mbuf; the 4-byte FCS is not carried over vhost-user):
 *
 *   udp  Ethernet/IPv4/UDP to VIP:80, cycling over FLOWS (src ip, src port)
 *        pairs: flow i has src ip 198.18.128.0/17 host (1 + i % 32766) and
 *        src port 1024 + i / 32766, so the source address varies fastest.
 *   syn  Ethernet/IPv4/TCP SYN to VIP:80, every frame a new 5-tuple: the
 *        src port goes 1024..65535, then the src ip moves to the next host
 *        of 198.18.128.0/17 (32766 × 64512 ≈ 2.1G tuples, i.e. minutes at
 *        the rates reachable here; a warning is printed if they run out).
 *
 * IPv4 header and L4 checksums are correct: the template's sums without the
 * varying fields are precomputed and the source address/port folded in per
 * frame. Transmit is a prebuilt template copied into bulk-allocated mbufs,
 * in bursts of 32.
 *
 * Timeline: wait for the link (the peer connecting), send for --warmup
 * seconds (at least --warmup-pkts packets, at most --warmup-max seconds),
 * reset the counters, measure for --duration seconds, print exactly one
 * JSON line on stdout and exit 0. "weir-gen: measuring" goes to stderr when
 * the measurement window opens. SIGINT/SIGTERM end the run early (the JSON
 * line still covers what was measured).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#define BURST 32
#define FRAME_LEN 60 /* + 4-byte FCS = a 64-byte Ethernet frame */
#define NB_MBUFS 16383
#define RING_DESC 1024
#define SRC_NET 0xc6128000u /* 198.18.128.0/17 */
#define SRC_HOSTS 32766u    /* .0.1 .. .127.254: no network or broadcast address */
#define SPORT_MIN 1024u
#define SPORT_N (65536u - SPORT_MIN)
#define DPORT 80

#define OFF_IP (sizeof(struct rte_ether_hdr))
#define OFF_IP_CSUM (OFF_IP + offsetof(struct rte_ipv4_hdr, hdr_checksum))
#define OFF_SRC_IP (OFF_IP + offsetof(struct rte_ipv4_hdr, src_addr))
#define OFF_L4 (OFF_IP + sizeof(struct rte_ipv4_hdr))
#define OFF_SPORT OFF_L4 /* same offset in the UDP and TCP headers */
#define OFF_UDP_CSUM (OFF_L4 + offsetof(struct rte_udp_hdr, dgram_cksum))
#define OFF_TCP_CSUM (OFF_L4 + offsetof(struct rte_tcp_hdr, cksum))

enum mode { MODE_UDP, MODE_SYN };

static volatile sig_atomic_t quit;

static struct {
	enum mode mode;
	uint64_t flows;
	double duration, warmup, warmup_max, wait;
	uint64_t warmup_pkts;
	uint64_t rate_pps;
	uint32_t vip; /* host order */
	struct rte_ether_addr dst_mac, src_mac;
} opt = {
	.mode = MODE_UDP,
	.flows = 1000,
	.duration = 10,
	.warmup = 0,
	.warmup_max = 120,
	.wait = 30,
	.vip = 0xc6120101u, /* 198.18.1.1 */
	.dst_mac = {{0x02, 0x77, 0x65, 0x69, 0x72, 0x01}},
	.src_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}},
};

/* The frame template and its checksums without src ip and src port. */
static uint8_t tmpl[FRAME_LEN];
static size_t off_l4_csum;
static uint32_t ip_base_sum, l4_base_sum;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: weir-gen [EAL options] --vdev net_vhost0,iface=SOCK,queues=1 -- [options]\n"
		"  --mode udp|syn      udp: FLOWS cycling flows; syn: a new 5-tuple per frame "
		"(udp)\n"
		"  --flows N           distinct (src ip, src port) pairs in udp mode (1000)\n"
		"  --duration SECONDS  measurement window (10)\n"
		"  --warmup SECONDS    send before measuring; counters reset after (0)\n"
		"  --warmup-pkts N     warm up until at least N packets were sent (0)\n"
		"  --warmup-max SECONDS  upper bound of the warmup (120)\n"
		"  --wait SECONDS      how long to wait for the link/peer (30)\n"
		"  --vip A.B.C.D       destination address (198.18.1.1), port 80\n"
		"  --dst-mac MAC       destination MAC (02:77:65:69:72:01)\n"
		"  --src-mac MAC       source MAC (02:00:00:00:00:02)\n"
		"  --rate-pps N        transmit rate, 0 = as fast as possible (0)\n"
		"Prints one JSON line: mode, flows, seconds, tx_pkts, rx_pkts, tx_mpps, "
		"rx_mpps.\n");
}

static int
parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= lo && v <= hi))
		return -1;
	*out = v;
	return 0;
}

static int
parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '-')
		return -1;
	v = strtoull(s, &end, 10);
	if (end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"mode", required_argument, NULL, 'm'},
		{"flows", required_argument, NULL, 'f'},
		{"duration", required_argument, NULL, 'd'},
		{"warmup", required_argument, NULL, 'w'},
		{"warmup-pkts", required_argument, NULL, 'P'},
		{"warmup-max", required_argument, NULL, 'M'},
		{"wait", required_argument, NULL, 'W'},
		{"vip", required_argument, NULL, 'v'},
		{"dst-mac", required_argument, NULL, 'D'},
		{"src-mac", required_argument, NULL, 'S'},
		{"rate-pps", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct in_addr a;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'm':
			if (strcmp(optarg, "udp") == 0)
				opt.mode = MODE_UDP;
			else if (strcmp(optarg, "syn") == 0)
				opt.mode = MODE_SYN;
			else
				bad = 1;
			break;
		case 'f':
			bad = parse_u64(optarg, 1, (uint64_t)SRC_HOSTS * SPORT_N, &opt.flows);
			break;
		case 'd':
			bad = parse_double(optarg, 0.001, 86400, &opt.duration);
			break;
		case 'w':
			bad = parse_double(optarg, 0, 86400, &opt.warmup);
			break;
		case 'P':
			bad = parse_u64(optarg, 0, UINT64_MAX, &opt.warmup_pkts);
			break;
		case 'M':
			bad = parse_double(optarg, 0, 86400, &opt.warmup_max);
			break;
		case 'W':
			bad = parse_double(optarg, 0, 86400, &opt.wait);
			break;
		case 'v':
			bad = inet_pton(AF_INET, optarg, &a) != 1;
			opt.vip = rte_be_to_cpu_32(a.s_addr);
			break;
		case 'D':
			bad = rte_ether_unformat_addr(optarg, &opt.dst_mac) != 0;
			break;
		case 'S':
			bad = rte_ether_unformat_addr(optarg, &opt.src_mac) != 0;
			break;
		case 'r':
			bad = parse_u64(optarg, 0, 1000000000, &opt.rate_pps);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
		if (bad) {
			const struct option *o = lopts;

			while (o->name != NULL && o->val != c)
				o++;
			fprintf(stderr, "weir-gen: bad value for --%s: '%s'\n",
				o->name != NULL ? o->name : "?", optarg);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "weir-gen: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (opt.warmup_max < opt.warmup)
		opt.warmup_max = opt.warmup;
	return 0;
}

/* Ones' complement sum of big-endian 16-bit words, unfolded. */
static uint32_t
sum16(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static inline uint16_t
fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Build the template with src ip and src port 0 and checksum fields 0. */
static void
build_template(void)
{
	uint8_t *p = tmpl, *ip = tmpl + OFF_IP, *l4 = tmpl + OFF_L4;
	uint8_t pseudo[12];
	size_t l4_len;

	memset(tmpl, 0, sizeof(tmpl));
	memcpy(p, opt.dst_mac.addr_bytes, 6);
	memcpy(p + 6, opt.src_mac.addr_bytes, 6);
	put16(p + 12, RTE_ETHER_TYPE_IPV4);

	if (opt.mode == MODE_UDP) {
		l4_len = FRAME_LEN - OFF_L4; /* 8-byte header + 18-byte payload */
		put16(l4 + 2, DPORT);
		put16(l4 + 4, (uint16_t)l4_len);
		memcpy(l4 + 8, "weir-gen udp bench", 18);
		off_l4_csum = OFF_UDP_CSUM;
	} else {
		l4_len = sizeof(struct rte_tcp_hdr); /* the rest is Ethernet padding */
		put16(l4 + 2, DPORT);
		put32(l4 + 4, 0x77656972); /* sequence number */
		l4[12] = 5 << 4;	   /* data offset: 20 bytes */
		l4[13] = RTE_TCP_SYN_FLAG;
		put16(l4 + 14, 65535); /* window */
		off_l4_csum = OFF_TCP_CSUM;
	}

	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(sizeof(struct rte_ipv4_hdr) + l4_len));
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = opt.mode == MODE_UDP ? IPPROTO_UDP : IPPROTO_TCP;
	put32(ip + 16, opt.vip);
	ip_base_sum = sum16(ip, sizeof(struct rte_ipv4_hdr));

	memset(pseudo, 0, sizeof(pseudo));
	put32(pseudo + 4, opt.vip);
	pseudo[9] = ip[9];
	put16(pseudo + 10, (uint16_t)l4_len);
	l4_base_sum = sum16(pseudo, sizeof(pseudo)) + sum16(l4, l4_len);
}

/* Fill one frame for source (sip, sport): copy the template, patch 4 fields. */
static inline void
fill(uint8_t *f, uint32_t sip, uint16_t sport)
{
	uint32_t a = (sip >> 16) + (sip & 0xffff);
	uint16_t c;

	memcpy(f, tmpl, FRAME_LEN);
	put32(f + OFF_SRC_IP, sip);
	put16(f + OFF_IP_CSUM, (uint16_t)~fold(ip_base_sum + a));
	put16(f + OFF_SPORT, sport);
	c = (uint16_t)~fold(l4_base_sum + a + sport);
	if (c == 0 && opt.mode == MODE_UDP)
		c = 0xffff; /* 0 means "no checksum" in UDP */
	put16(f + off_l4_csum, c);
}

/* CPU time of this thread: the poll loop's share of its CPU tells whether it was preempted. */
static double
thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
port_setup(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf = {0};
	uint16_t rxd = RING_DESC, txd = RING_DESC;
	int rc, socket = rte_eth_dev_socket_id(port);

	if (socket < 0)
		socket = (int)rte_socket_id();
	if ((rc = rte_eth_dev_configure(port, 1, 1, &conf)) != 0 ||
	    (rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd)) != 0 ||
	    (rc = rte_eth_rx_queue_setup(port, 0, rxd, (unsigned int)socket, NULL, pool)) != 0 ||
	    (rc = rte_eth_tx_queue_setup(port, 0, txd, (unsigned int)socket, NULL)) != 0 ||
	    (rc = rte_eth_dev_start(port)) != 0) {
		fprintf(stderr, "weir-gen: port %u setup failed: %s\n", port, rte_strerror(-rc));
		return -1;
	}
	rte_eth_promiscuous_enable(port); /* best effort; vhost takes everything anyway */
	return 0;
}

static int
wait_link(uint16_t port, uint64_t hz)
{
	uint64_t deadline = rte_rdtsc() + (uint64_t)(opt.wait * (double)hz);
	struct rte_eth_link link;

	while (!quit) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(port, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP)
			return 0;
		if (rte_rdtsc() > deadline)
			return -1;
		rte_delay_us_sleep(10000);
	}
	return 0;
}

struct run {
	uint16_t port;
	struct rte_mempool *pool;
	uint64_t hz;
	uint64_t tx, rx;   /* counted since the last reset */
	uint64_t refused;  /* frames the TX queue did not take, since the last reset */
	uint64_t tx_total; /* all sent in the run, for pacing and warmup */
	uint64_t seq;	   /* next flow index (udp) or tuple index (syn) */
	uint32_t flow_ip;  /* udp: host index and port of flow 'seq' */
	uint32_t flow_port;
	bool wrapped;
	uint64_t pace_t0;	      /* rate limiting: TSC when sending started */
	struct rte_mbuf *pend[BURST]; /* built, not yet taken by the TX queue */
	uint16_t n_pend;
};

/* Next source (ip, port) for the mode, advancing the sequence. */
static inline void
next_src(struct run *r, uint32_t *sip, uint16_t *sport)
{
	if (opt.mode == MODE_UDP) {
		/* flow i: host 1 + i % SRC_HOSTS, port SPORT_MIN + i / SRC_HOSTS */
		*sip = SRC_NET + 1 + r->flow_ip;
		*sport = (uint16_t)(SPORT_MIN + r->flow_port);
		if (++r->seq == opt.flows) {
			r->seq = 0;
			r->flow_ip = 0;
			r->flow_port = 0;
		} else if (++r->flow_ip == SRC_HOSTS) {
			r->flow_ip = 0;
			r->flow_port++;
		}
	} else {
		/* tuple i: port SPORT_MIN + i % SPORT_N, host 1 + i / SPORT_N */
		*sport = (uint16_t)(SPORT_MIN + r->flow_port);
		*sip = SRC_NET + 1 + r->flow_ip;
		r->seq++;
		if (++r->flow_port == SPORT_N) {
			r->flow_port = 0;
			if (++r->flow_ip == SRC_HOSTS) {
				r->flow_ip = 0;
				if (!r->wrapped)
					fprintf(stderr,
						"weir-gen: all %" PRIu64
						" syn tuples used; starting over\n",
						(uint64_t)SRC_HOSTS * SPORT_N);
				r->wrapped = true;
			}
		}
	}
}

static inline void
poll_once(struct run *r)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n, have, sent, i;

	/* Receive first: what came back is counted and freed at once. */
	n = rte_eth_rx_burst(r->port, 0, pkts, BURST);
	if (n != 0) {
		r->rx += n;
		rte_pktmbuf_free_bulk(pkts, n);
	}

	n = BURST;
	if (opt.rate_pps != 0) {
		uint64_t due = (uint64_t)((double)(rte_rdtsc() - r->pace_t0) *
					  (double)opt.rate_pps / (double)r->hz);

		if (due <= r->tx_total)
			return;
		if (due - r->tx_total < n)
			n = (uint16_t)(due - r->tx_total);
	}
	/*
	 * Frames the queue did not take last time (the peer's ring was full)
	 * wait in pend[] and go first, so no tuple is skipped or repeated;
	 * only the missing ones are built.
	 */
	have = r->n_pend;
	if (have < n && rte_pktmbuf_alloc_bulk(r->pool, r->pend + have, n - have) == 0) {
		for (i = have; i < n; i++) {
			struct rte_mbuf *m = r->pend[i];
			uint32_t sip;
			uint16_t sport;

			next_src(r, &sip, &sport);
			fill(rte_pktmbuf_mtod(m, uint8_t *), sip, sport);
			m->data_len = FRAME_LEN;
			m->pkt_len = FRAME_LEN;
		}
		have = n;
	}
	if (have == 0)
		return;
	n = RTE_MIN(n, have);
	sent = rte_eth_tx_burst(r->port, 0, r->pend, n);
	r->refused += n - sent;
	r->tx += sent;
	r->tx_total += sent;
	r->n_pend = (uint16_t)(have - sent);
	if (sent != 0 && r->n_pend != 0)
		memmove(r->pend, r->pend + sent, r->n_pend * sizeof(r->pend[0]));
}

int
main(int argc, char **argv)
{
	struct run r = {0};
	uint64_t t0, t_end, t_warm_min, t_warm_max, t_meas0, t_meas1, now, n_ports;
	uint64_t iter = 0;
	double secs, cpu0, cpu1;
	int rc;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "weir-gen: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	argv[0] = (char *)"weir-gen";
	if (parse_args(argc, argv) != 0) {
		rte_eal_cleanup();
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	n_ports = rte_eth_dev_count_avail();
	if (n_ports != 1) {
		fprintf(stderr,
			"weir-gen: need exactly one port (--vdev net_vhost0,...), have %" PRIu64
			"\n",
			n_ports);
		rte_eal_cleanup();
		return 1;
	}
	r.port = (uint16_t)rte_eth_find_next_owned_by(0, RTE_ETH_DEV_NO_OWNER);
	r.hz = rte_get_tsc_hz();
	r.pool = rte_pktmbuf_pool_create("gen_pool", NB_MBUFS, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					 (int)rte_socket_id());
	if (r.pool == NULL) {
		fprintf(stderr, "weir-gen: cannot create the mbuf pool: %s (more -m?)\n",
			rte_strerror(rte_errno));
		rte_eal_cleanup();
		return 1;
	}
	if (port_setup(r.port, r.pool) != 0) {
		rte_eal_cleanup();
		return 1;
	}
	build_template();

	if (wait_link(r.port, r.hz) != 0) {
		fprintf(stderr,
			"weir-gen: link of port %u not up after %.0f s (is the peer "
			"connected to the vhost-user socket?)\n",
			r.port, opt.wait);
		rte_eth_dev_stop(r.port);
		rte_eth_dev_close(r.port);
		rte_eal_cleanup();
		return 1;
	}

	/* Warmup: at least --warmup s and --warmup-pkts packets, at most --warmup-max s. */
	t0 = rte_rdtsc();
	r.pace_t0 = t0;
	t_warm_min = t0 + (uint64_t)(opt.warmup * (double)r.hz);
	t_warm_max = t0 + (uint64_t)(opt.warmup_max * (double)r.hz);
	if (opt.warmup > 0 || opt.warmup_pkts > 0) {
		fprintf(stderr, "weir-gen: warming up\n");
		for (;;) {
			poll_once(&r);
			if ((++iter & 15) != 0)
				continue;
			if (quit)
				break;
			now = rte_rdtsc();
			if ((now >= t_warm_min && r.tx_total >= opt.warmup_pkts) ||
			    now >= t_warm_max)
				break;
		}
		if (r.tx_total < opt.warmup_pkts)
			fprintf(stderr,
				"weir-gen: warmup stopped after %.0f s with %" PRIu64 " of %" PRIu64
				" packets sent\n",
				opt.warmup_max, r.tx_total, opt.warmup_pkts);
	}

	/* Measurement window. */
	r.tx = 0;
	r.rx = 0;
	r.refused = 0;
	cpu0 = thread_cpu_s();
	t_meas0 = rte_rdtsc();
	t_end = t_meas0 + (uint64_t)(opt.duration * (double)r.hz);
	if (!quit) {
		fprintf(stderr, "weir-gen: measuring\n");
		fflush(stderr);
	}
	while (!quit) {
		poll_once(&r);
		if ((++iter & 15) == 0 && rte_rdtsc() >= t_end)
			break;
	}
	t_meas1 = rte_rdtsc();
	cpu1 = thread_cpu_s();
	secs = (double)(t_meas1 - t_meas0) / (double)r.hz;
	if (secs <= 0)
		secs = 1e-9;

	printf("{\"mode\": \"%s\", \"flows\": %" PRIu64 ", \"seconds\": %.3f, \"tx_pkts\": %" PRIu64
	       ", \"rx_pkts\": %" PRIu64 ", \"tx_mpps\": %.3f, \"rx_mpps\": %.3f}\n",
	       opt.mode == MODE_UDP ? "udp" : "syn",
	       opt.mode == MODE_UDP ? opt.flows
				    : RTE_MIN(r.tx_total, (uint64_t)SRC_HOSTS * SPORT_N),
	       secs, r.tx, r.rx, (double)r.tx / secs / 1e6, (double)r.rx / secs / 1e6);
	fflush(stdout);
	/* Diagnostics: a refused frame means the peer's RX ring was full (it is the bottleneck). */
	fprintf(stderr,
		"weir-gen: measured %.3f s: tx %" PRIu64 ", refused (peer ring full) %" PRIu64
		", rx %" PRIu64 ", cpu %.1f%%\n",
		secs, r.tx, r.refused, r.rx, 100.0 * (cpu1 - cpu0) / secs);

	if (r.n_pend != 0)
		rte_pktmbuf_free_bulk(r.pend, r.n_pend);
	rte_eth_dev_stop(r.port);
	rte_eth_dev_close(r.port);
	rte_mempool_free(r.pool);
	rte_eal_cleanup();
	return 0;
}
