/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weir's own cost per packet, apart from any PMD: the worker path of the
 * daemon (app/core: parse, owner, the stages, rewrite, TX buffering) over
 * prebuilt mbufs in memory, one burst of 32 at a time, as the worker loop
 * runs it (one loop iteration per burst: inbox, quiescent state, tables,
 * clock, aging). Nothing is received or sent: before each burst its frames
 * are written as received (outside the timed part: a PMD's RX burst leaves
 * the mbufs and frames in cache so), and after it the packets are taken
 * back from the TX buffer. The connection table and the rest of weir's
 * state are as cold or warm as the number of flows makes them.
 *
 * The service is the wire benchmark's udp80 (bench/report.py): FullNAT over
 * 16 local IPs, Maglev over 4 backends with static neighbours. A case
 * creates its flows' connections in a first round (timed apart: new flows),
 * then times ROUNDS more (established), the packets in a shuffled order
 * (the connections are not visited in the order they sit in memory).
 * Frames are 60-byte Ethernet/IPv4/UDP to 198.18.1.1:80, flow i from
 * 198.18.128.0/17 host 1 + i % 32766, port 1024 + i / 32766, as weir-gen
 * sends them.
 *
 * Usage: bench_pipeline [EAL args] -- [FLOWS ...]   (default 1024 1000000; 16 local IPs
 * hold 1,032,192 FullNAT connections at most)
 * One JSON line per case: cycles and ns per packet of established flows
 * (the median over the rounds; also the best round and the mean), and of
 * new flows (the first round).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "bench_util.h"
#include "adm/adm.h"
#include "config/weir_config.h"
#include "core/clock.h"
#include "core/pipeline.h"
#include "core/rcu.h"
#include "core/worker.h"
#include "l4/l4.h"
#include "sp/sp.h"

#define BURST 32
#define FRAME 60
#define SRC_HOSTS 32766u
#define MIN_PKTS (1u << 24) /* packets timed per case at least (env WEIR_BENCH_PACKETS) */

static const char CONFIG[] =
	"{\"workers\": [1], \"conn_table_size\": %u,"
	" \"ports\": [{\"name\": \"p0\", \"devargs\": \"net_null0\","
	"   \"mac\": \"02:77:65:69:72:01\", \"addresses\": [%s],"
	"   \"neighbors\": [{\"address\": \"198.18.2.10\", \"mac\": \"02:00:00:00:00:01\"},"
	"                   {\"address\": \"198.18.2.11\", \"mac\": \"02:00:00:00:00:01\"},"
	"                   {\"address\": \"198.18.2.12\", \"mac\": \"02:00:00:00:00:01\"},"
	"                   {\"address\": \"198.18.2.13\", \"mac\": \"02:00:00:00:00:01\"}]}],"
	" \"vips\": [\"198.18.1.1\"],"
	" \"pools\": [{\"name\": \"bench\", \"backends\": ["
	"   {\"address\": \"198.18.2.10\", \"port\": 8080}, {\"address\": \"198.18.2.11\", "
	"\"port\": 8080},"
	"   {\"address\": \"198.18.2.12\", \"port\": 8080}, {\"address\": \"198.18.2.13\", "
	"\"port\": 8080}]}],"
	" \"services\": [{\"name\": \"udp80\", \"vip\": \"198.18.1.1\", \"port\": 80,"
	"   \"protocol\": \"udp\", \"pool\": \"bench\", \"local_ips\": [%s]}]}";

static void
frame(uint8_t *b, uint32_t i)
{
	static const uint8_t head[] = {0x02, 0x77, 0x65, 0x69, 0x72,
				       0x01, 0x02, 0x00, 0x00, 0x00,
				       0x00, 0x01, 0x08, 0x00, /* IPv4: */ 0x45,
				       0x00, 0x00, 46,	 0x00, 0x00,
				       0x00, 0x00, 64,	 17,   0,
				       0,    198,  18,	 0,    0,
				       198,  18,   1,	 1};
	uint32_t host = 1 + i % SRC_HOSTS, port = 1024 + i / SRC_HOSTS;
	uint16_t sum;

	memset(b, 0, FRAME);
	memcpy(b, head, sizeof(head));
	b[28] = (uint8_t)(128 + (host >> 8));
	b[29] = (uint8_t)host;
	sum = weir_csum_fold(weir_csum_add(b + 14, 20, 0));
	b[24] = (uint8_t)(sum >> 8);
	b[25] = (uint8_t)sum;
	b[34] = (uint8_t)(port >> 8);
	b[35] = (uint8_t)port;
	b[37] = 80;
	b[39] = 26; /* UDP length; checksum 0 (none) */
}

static int
start(uint32_t flows, char *err, size_t errlen)
{
	char locals[16 * 20] = "", addrs[16 * 24] = "";
	char text[sizeof(CONFIG) + sizeof(locals) + sizeof(addrs) + 16];
	uint32_t tbl = 1024;
	unsigned int i;

	for (i = 0; i < 16; i++) {
		snprintf(locals + strlen(locals), sizeof(locals) - strlen(locals),
			 "%s\"198.18.0.%u\"", i ? ", " : "", 1 + i);
		snprintf(addrs + strlen(addrs), sizeof(addrs) - strlen(addrs),
			 "%s\"198.18.0.%u/15\"", i ? ", " : "", 1 + i);
	}
	while (tbl < flows * 2)
		tbl *= 2;
	snprintf(text, sizeof(text), CONFIG, tbl, addrs, locals);
	weir.cfg = weir_config_from_string(text, "bench_pipeline", err, errlen);
	if (weir.cfg == NULL || weir_config_addrs(weir.cfg, &weir.addrs) != 0)
		return -1;
	weir.n_workers = 1;
	/* One port, never started: TX buffers are read back, not sent. */
	weir.n_ports = 1;
	weir.ports[0].cfg = &weir.cfg->ports[0];
	memcpy(weir.ports[0].mac.addr_bytes, weir.cfg->ports[0].mac, 6);
	weir_clock_init();
	if (weir_workers_init(err, errlen) != 0 || weir_rcu_init(1) != 0 ||
	    weir_l4_init(err, errlen) != 0 || weir_adm_init(err, errlen) != 0 ||
	    weir_sp_init(err, errlen) != 0 || weir_workers_stages_init(err, errlen) != 0)
		return -1;
	weir_rcu_online(0);
	return 0;
}

static void
stop(void)
{
	weir_rcu_offline(0);
	weir_workers_stages_fini();
	weir_adm_fini();
	weir_l4_fini();
	weir_rcu_fini();
	weir_workers_fini();
	weir_config_free(weir.cfg);
	memset(&weir, 0, sizeof(weir));
}

/* Put the frames of a burst back as they were received: written just
 * before they are handled, as a PMD's RX burst leaves them (in cache). */
static void
restore(struct rte_mbuf **m, const uint8_t *orig, uint32_t from, uint16_t n)
{
	uint32_t k;

	for (k = from; k < from + n; k++) {
		struct rte_mbuf *p = m[k];

		p->data_off = RTE_PKTMBUF_HEADROOM;
		p->data_len = p->pkt_len = FRAME;
		p->ol_flags = 0;
		memcpy(rte_pktmbuf_mtod(p, uint8_t *), orig + (size_t)k * FRAME, FRAME);
	}
}

/* One round over every flow; returns the TSC cycles of the worker path. */
static uint64_t
round_trip(struct weir_worker *w, struct rte_mbuf **m, const uint8_t *orig, uint32_t flows,
	   uint64_t *sent)
{
	uint64_t cycles = 0;
	uint32_t i;

	for (i = 0; i < flows; i += BURST) {
		uint16_t n = (uint16_t)RTE_MIN((uint32_t)BURST, flows - i);
		uint64_t t0;

		restore(m, orig, i, n);
		t0 = rte_rdtsc();
		weir_pipeline_iteration(w);
		weir_worker_rx(w, m + i, n, true);
		cycles += rte_rdtsc() - t0;
		/* Take the packets back from the TX buffer: nothing is sent. */
		*sent += w->tx[0].n;
		w->tx[0].n = 0;
	}
	return cycles;
}

/* Fisher-Yates with xorshift64*: the same order on every run. */
static void
shuffle(struct rte_mbuf **m, uint8_t *orig, uint32_t n)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint8_t tmp[FRAME];
	uint32_t i, j;

	for (i = n - 1; i > 0; i--) {
		struct rte_mbuf *t;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		j = (uint32_t)((x * 0x2545f4914f6cdd1dull) % (i + 1));
		t = m[i];
		m[i] = m[j];
		m[j] = t;
		memcpy(tmp, orig + (size_t)i * FRAME, FRAME);
		memcpy(orig + (size_t)i * FRAME, orig + (size_t)j * FRAME, FRAME);
		memcpy(orig + (size_t)j * FRAME, tmp, FRAME);
	}
}

static int
run(uint32_t flows)
{
	struct rte_mempool *pool;
	struct rte_mbuf **m;
	uint8_t *orig;
	struct weir_worker *w;
	uint64_t hz = rte_get_tsc_hz(), c_new, c_est = 0, sent = 0, pkts = 0, drops = 0;
	const char *env = getenv("WEIR_BENCH_PACKETS");
	uint64_t want = env != NULL ? strtoull(env, NULL, 0) : MIN_PKTS;
	unsigned int rounds = (unsigned int)((want + flows - 1) / flows), r;
	uint64_t *per_round = calloc(rounds < 15 ? 15 : rounds, sizeof(uint64_t));
	double med, best;
	char err[512] = "";
	uint32_t i;

	if (start(flows, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_pipeline: %s\n", err[0] ? err : rte_strerror(rte_errno));
		return -1;
	}
	w = weir.workers[0];
	/* Frames fit a 128-byte data room: more flows fit in memory. */
	pool = rte_pktmbuf_pool_create("bench_pipe", flows, 0, 0, RTE_PKTMBUF_HEADROOM + 128,
				       (int)rte_socket_id());
	m = malloc(sizeof(*m) * flows);
	orig = malloc((size_t)flows * FRAME);
	if (pool == NULL || m == NULL || orig == NULL ||
	    rte_pktmbuf_alloc_bulk(pool, m, flows) != 0) {
		fprintf(stderr, "bench_pipeline: %u mbufs: %s (give EAL more memory, -m)\n", flows,
			rte_strerror(rte_errno));
		return -1;
	}
	weir.pool = pool;
	for (i = 0; i < flows; i++) {
		frame(orig + (size_t)i * FRAME, i);
		m[i]->port = 0;
	}
	c_new = round_trip(w, m, orig, flows, &sent);
	if (w->l4.stats.conn_new != flows || sent != flows) {
		fprintf(stderr, "bench_pipeline: %u flows: %lu connections, %lu packets through\n",
			flows, w->l4.stats.conn_new, sent);
		return -1;
	}
	/*
	 * The flows were created in order, so their connections sit in order
	 * in the table: packets in that order would let the CPU's prefetcher
	 * guess every connection. Traffic does not arrive so: shuffle the
	 * packets (with their frames) once, with a fixed seed.
	 */
	shuffle(m, orig, flows);
	sent = 0;
	/* At least 15 rounds: the median of the rounds is the figure (a VM's
	 * neighbours and interrupts land in a few of them). */
	if (rounds < 15)
		rounds = 15;
	for (r = 0; r < rounds; r++) {
		per_round[r] = round_trip(w, m, orig, flows, &sent);
		c_est += per_round[r];
		pkts += flows;
	}
	qsort(per_round, rounds, sizeof(per_round[0]), cmp_u64);
	med = (double)per_round[rounds / 2] / flows;
	best = (double)per_round[0] / flows;
	for (i = 1; i < WEIR_DROP__MAX; i++)
		drops += w->stats.drops[i];
	if (sent != pkts || drops != 0) {
		fprintf(stderr, "bench_pipeline: %lu of %lu packets through, %lu dropped\n", sent,
			pkts, drops);
		return -1;
	}
	printf("{\"case\": \"pipeline\", \"flows\": %u, \"packets\": %lu, \"rounds\": %u, "
	       "\"cycles_per_pkt\": %.1f, \"ns_per_pkt\": %.2f, \"min_cycles_per_pkt\": %.1f, "
	       "\"mean_cycles_per_pkt\": %.1f, \"new_cycles_per_pkt\": %.1f, "
	       "\"new_ns_per_pkt\": %.2f, \"tsc_hz\": %lu}\n",
	       flows, pkts, rounds, med, med * 1e9 / (double)hz, best, (double)c_est / (double)pkts,
	       (double)c_new / flows, (double)c_new * 1e9 / (double)hz / flows, hz);
	free(per_round);
	fflush(stdout);
	rte_pktmbuf_free_bulk(m, flows);
	free(m);
	free(orig);
	stop();
	rte_mempool_free(pool);
	return 0;
}

int
main(int argc, char **argv)
{
	uint32_t def[] = {1024, 1000000};
	int n = rte_eal_init(argc, argv), i, rc = 0;

	if (n < 0) {
		fprintf(stderr, "bench_pipeline: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= n;
	argv += n;
	if (argc > 1 && strcmp(argv[1], "--") == 0) {
		argc--;
		argv++;
	}
	if (argc <= 1) {
		for (i = 0; i < 2 && rc == 0; i++)
			rc = run(def[i]);
	} else {
		for (i = 1; i < argc && rc == 0; i++)
			rc = run((uint32_t)strtoul(argv[i], NULL, 0));
	}
	rte_eal_cleanup();
	return rc != 0;
}
