/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Microbenchmark of rate limiting.
 *
 * Algorithms (lib/ratelimit): decisions per second of each, on one key (its
 * state stays in L1) and on 1M keys picked at random (state mostly out of
 * cache, as on a busy worker), without and with the decision report
 * (remaining / reset / retry_after, which costs a few divisions).
 * Simulated time advances 50 ns per decision, so limits of 10^7/s are
 * crossed both ways.
 *
 * Admission (built with DPDK): decisions per second per core of a worker's
 * per-source admission, with S tracked sources (distinct IPv4 addresses
 * from a bijection of 0 .. S - 1, so in no particular order), the key
 * stream uniform over them, in bursts of 32:
 *   admission_srctab    weir: app/srctab.c weir_srct_get_bulk() (24-byte
 *                       source keys), then per key weir_rl_tb_take() on the
 *                       state's bucket with the report, rested_ns kept, as
 *                       app/admit.c does; table of F x S entries
 *                       (--srctab-factor, default 2: sets of 8 fill
 *                       unevenly, and at S entries about 1 source in 7
 *                       finds its set full; "resident" says how many got in)
 *   admission_rte_hash  baseline: a plain rte_hash (the same 24-byte keys, CRC
 *                       hash, extendable buckets, S entries),
 *                       rte_hash_lookup_bulk_data() to a GCRA state
 *                       (lib/ratelimit, 16 bytes, in an array), then
 *                       weir_rl_gcra_take() without report;
 *                       rte_hash_add_key_data() for a miss
 * Every source is inserted first (not timed). Limit 100/s, burst 20;
 * simulated time advances 100 ns per decision (10^7 per simulated second),
 * so with 64K sources most are over the limit and with 1M+ most are not.
 * A case runs until it has used --seconds of CPU time. Rates are per second
 * of the thread's CPU time (the machine may be shared: cpu_share is CPU
 * time over wall time, < 0.95 means the thread was preempted; wall-clock
 * rates are given too). Memory is measured as the growth of the EAL heap
 * (rte_malloc_get_socket_stats) while the structure is made and filled.
 *
 * Prints one JSON object per case on stdout.
 *
 * Usage: bench_rl [EAL args --] [DECISIONS] [--sources S[,S...]]
 *                 [--seconds N] [--srctab-factor F] [--only algos|admission]
 *   DECISIONS  per algorithm case (default 20000000)
 *   --sources  admission cases (default 65536,1048576,4194304)
 *   --seconds  CPU seconds per admission case, at least (default 1)
 *   --srctab-factor  weir's table size over the sources (1 .. 8, default 2)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef WEIR_BENCH_DPDK
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "srctab.h"
#endif

#include "weir_ratelimit.h"

#define NS_PER_DECISION 50
#define MANY_KEYS (1u << 20)

enum algo {
	TB,
	GCRA,	   /* integral emission interval: no division */
	GCRA_FRAC, /* non-integral interval: TAT keeps a fraction (one division per admit) */
	SW,
	CONC,
	BAN,
	ALGO__MAX,
};

static const char *const algo_name[ALGO__MAX] = {
	"token_bucket", "gcra", "gcra_nonintegral", "sliding_window", "concurrency", "ban_check",
};

/* Per-key state, one array per algorithm (16 bytes or less each). */
union key_state {
	struct weir_rl_tb tb;
	struct weir_rl_gcra gcra;
	struct weir_rl_sw sw;
	struct weir_rl_conc conc;
	struct weir_rl_ban ban;
};

static struct weir_rl_tb_params tbp;
static struct weir_rl_gcra_params gp, gfp;
static struct weir_rl_sw_params swp;
static struct weir_rl_conc_params cp;
static struct weir_rl_ban_params bp;

static uint64_t
clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline int
decide(enum algo a, union key_state *k, uint64_t now, struct weir_rl_decision *d)
{
	int rc;

	switch (a) {
	case TB:
		return weir_rl_tb_take(&tbp, &k->tb, now, 1, d);
	case GCRA:
		return weir_rl_gcra_take(&gp, &k->gcra, now, 1, d);
	case GCRA_FRAC:
		return weir_rl_gcra_take(&gfp, &k->gcra, now, 1, d);
	case SW:
		return weir_rl_sw_take(&swp, &k->sw, now, 1, d);
	case CONC:
		/* A request that starts and ends: acquire, then release if held. */
		rc = weir_rl_conc_acquire(&cp, &k->conc, 1, d);
		if (rc == 0)
			rc = weir_rl_conc_release(&k->conc, 1);
		return rc;
	default:
		return weir_rl_ban_check(&k->ban, now, d);
	}
}

static void
run(enum algo a, uint32_t keys, int report, uint64_t count)
{
	union key_state *st = calloc(keys, sizeof(*st));
	struct weir_rl_decision d, *dp = report ? &d : NULL;
	uint64_t x = 88172645463325252ULL, now = 1000000000, t0, dt, i, admitted = 0, sink = 0;
	uint32_t mask = keys - 1;

	if (st == NULL)
		exit(1);
	/* Touch every key once so page faults stay out of the timing; one key
	 * in 8 of the many is banned (a single key is not). */
	for (i = 0; i < keys; i++) {
		decide(a, &st[i], now, NULL);
		if (a == BAN && keys > 1 && i % 8 == 0)
			weir_rl_ban_trigger(&bp, &st[i].ban, now, NULL);
	}
	t0 = clock_ns();
	for (i = 0; i < count; i++) {
		uint32_t k = 0;

		if (keys > 1) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			k = (uint32_t)x & mask;
		}
		admitted += decide(a, &st[k], now, dp) == 0;
		if (report)
			sink += d.remaining + d.retry_after_ns;
		now += NS_PER_DECISION;
	}
	dt = clock_ns() - t0;
	printf("{\"case\": \"rl_%s\", \"keys\": %u, \"report\": %s, \"decisions\": %llu, "
	       "\"ns_per_decision\": %.2f, \"mdecisions_per_s\": %.1f, \"admitted_pct\": %.1f, "
	       "\"checksum\": %llu}\n",
	       algo_name[a], keys, report ? "true" : "false", (unsigned long long)count,
	       (double)dt / count, count * 1e3 / dt, 100.0 * admitted / count,
	       (unsigned long long)sink);
	free(st);
}

#ifdef WEIR_BENCH_DPDK
/* ---- admission: per-source table + limiter --------------------------------- */

#define BURST 32
#define ADM_NS_PER_DECISION 100
#define ADM_LIMIT 100 /* per second */
#define ADM_BURST 20

static uint32_t adm_factor = 2;
static struct weir_rl_tb_params adm_tb;
static struct weir_rl_gcra_params adm_gcra;

/* Distinct addresses for 0 .. 2^32 - 1: odd multiplies and xor-shifts are
 * bijections of 32-bit words. */
static inline uint32_t
src_addr(uint32_t i)
{
	i *= 0x9e3779b1u;
	i ^= i >> 16;
	i *= 0x85ebca6bu;
	i ^= i >> 13;
	return i;
}

static inline void
src_key(struct weir_src_key *k, uint32_t i)
{
	uint32_t a = src_addr(i);

	memset(k, 0, sizeof(*k));
	k->family = 4;
	memcpy(k->addr, &a, 4);
}

/* A uniform source index in [0, n). */
static inline uint32_t
pick(uint64_t *x, uint32_t n)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (uint32_t)(((*x >> 32) * n) >> 32);
}

static size_t
heap_bytes(void)
{
	struct rte_malloc_socket_stats st;

	if (rte_malloc_get_socket_stats((int)rte_socket_id(), &st) != 0)
		return 0;
	return st.heap_allocsz_bytes;
}

static uint64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The admission path for one state, as app/admit.c's take(). */
static inline int
adm_take(struct weir_src_state *g, uint64_t now)
{
	struct weir_rl_decision d;
	int rc = weir_rl_tb_take(&adm_tb, &g->tb, now, 1, &d);

	if (now + d.reset_ns > g->rested_ns)
		g->rested_ns = now + d.reset_ns;
	return rc;
}

struct adm_result {
	uint64_t decisions, admitted, refused, cpu_ns, tsc;
	size_t bytes;
	uint32_t capacity, resident;
};

static void
adm_print(const char *name, uint32_t sources, const struct adm_result *r, const char *extra)
{
	double cpu_s = (double)r->cpu_ns / 1e9, wall_s = (double)r->tsc / (double)rte_get_tsc_hz();

	printf("{\"case\": \"%s\", \"sources\": %u, \"burst\": %d, \"decisions\": %llu, "
	       "\"cpu_s\": %.3f, \"wall_s\": %.3f, \"cpu_share\": %.3f, "
	       "\"mdecisions_per_s\": %.2f, \"mdecisions_per_s_wall\": %.2f, "
	       "\"ns_per_decision\": %.2f, \"admitted_pct\": %.1f, \"refused_pct\": %.2f, "
	       "\"capacity\": %u, \"resident\": %u, \"table_bytes\": %zu, "
	       "\"bytes_per_entry\": %.1f, \"bytes_per_source\": %.1f%s}\n",
	       name, sources, BURST, (unsigned long long)r->decisions, cpu_s, wall_s,
	       cpu_s / wall_s, r->decisions / cpu_s / 1e6, r->decisions / wall_s / 1e6,
	       cpu_s * 1e9 / r->decisions, 100.0 * r->admitted / r->decisions,
	       100.0 * r->refused / r->decisions, r->capacity, r->resident, r->bytes,
	       (double)r->bytes / r->capacity, (double)r->bytes / sources, extra);
	fflush(stdout);
}

static int
adm_srctab(uint32_t sources, uint64_t min_cpu_ns, struct adm_result *r)
{
	struct weir_src_key keys[BURST];
	struct weir_src_state *st[BURST];
	uint64_t x = 88172645463325252ULL, now = WEIR_RL_NS_PER_S, t0, c0, i;
	size_t before = heap_bytes();
	struct weir_srctab *t;
	unsigned int j, n;

	memset(r, 0, sizeof(*r));
	t = weir_srct_create("bench_rl_src", adm_factor * sources, (int)rte_socket_id());
	if (t == NULL) {
		fprintf(stderr, "bench_rl: source table of %u: %s (give EAL more memory, -m)\n",
			adm_factor * sources, rte_strerror(rte_errno));
		return -1;
	}
	r->bytes = heap_bytes() - before;
	for (r->capacity = 8; r->capacity < adm_factor * sources; r->capacity *= 2)
		;
	/* Every source in once, in bursts, as traffic would bring them. */
	for (i = 0; i < sources; i += n) {
		n = sources - i < BURST ? (unsigned int)(sources - i) : BURST;
		for (j = 0; j < n; j++)
			src_key(&keys[j], (uint32_t)(i + j));
		weir_srct_get_bulk(t, keys, n, now, st);
		for (j = 0; j < n; j++)
			if (st[j] != NULL)
				adm_take(st[j], now);
	}
	r->resident = weir_srct_count(t);
	c0 = cpu_ns();
	t0 = rte_rdtsc();
	do {
		for (i = 0; i < 4096; i++) {
			for (j = 0; j < BURST; j++)
				src_key(&keys[j], pick(&x, sources));
			weir_srct_get_bulk(t, keys, BURST, now, st);
			for (j = 0; j < BURST; j++) {
				if (st[j] == NULL)
					r->refused++;
				else
					r->admitted += adm_take(st[j], now) == 0;
			}
			now += BURST * ADM_NS_PER_DECISION;
		}
		r->decisions += 4096 * BURST;
	} while (cpu_ns() - c0 < min_cpu_ns);
	r->tsc = rte_rdtsc() - t0;
	r->cpu_ns = cpu_ns() - c0;
	weir_srct_free(t);
	return 0;
}

static int
adm_rte_hash(uint32_t sources, uint64_t min_cpu_ns, struct adm_result *r)
{
	struct weir_src_key keys[BURST];
	const void *kp[BURST];
	void *data[BURST];
	uint64_t x = 88172645463325252ULL, now = WEIR_RL_NS_PER_S, t0, c0, i, hits;
	size_t before = heap_bytes();
	struct weir_rl_gcra *gs;
	uint32_t used = 0;
	unsigned int j;
	struct rte_hash *h;
	struct rte_hash_parameters hp = {
		.name = "bench_rl_rh",
		.entries = sources,
		.key_len = sizeof(struct weir_src_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	memset(r, 0, sizeof(*r));
	h = rte_hash_create(&hp);
	gs = rte_zmalloc("bench_rl_gcra", (size_t)sources * sizeof(*gs), RTE_CACHE_LINE_SIZE);
	if (h == NULL || gs == NULL) {
		fprintf(stderr, "bench_rl: rte_hash of %u: %s (give EAL more memory, -m)\n",
			sources, rte_strerror(rte_errno));
		rte_hash_free(h);
		rte_free(gs);
		return -1;
	}
	for (j = 0; j < BURST; j++)
		kp[j] = &keys[j];
	for (i = 0; i < sources; i++) {
		src_key(&keys[0], (uint32_t)i);
		if (rte_hash_add_key_data(h, &keys[0], &gs[used]) != 0) {
			fprintf(stderr, "bench_rl: rte_hash of %u took only %llu sources\n",
				sources, (unsigned long long)i);
			rte_hash_free(h);
			rte_free(gs);
			return -1;
		}
		weir_rl_gcra_take(&adm_gcra, &gs[used++], now, 1, NULL);
	}
	r->bytes = heap_bytes() - before;
	r->capacity = sources;
	r->resident = (uint32_t)rte_hash_count(h);
	c0 = cpu_ns();
	t0 = rte_rdtsc();
	do {
		for (i = 0; i < 4096; i++) {
			for (j = 0; j < BURST; j++)
				src_key(&keys[j], pick(&x, sources));
			rte_hash_lookup_bulk_data(h, kp, BURST, &hits, data);
			for (j = 0; j < BURST; j++) {
				if (!((hits >> j) & 1)) {
					/* Not met before (never here: all were added). */
					if (used == sources ||
					    rte_hash_add_key_data(h, kp[j], &gs[used]) != 0) {
						r->refused++;
						continue;
					}
					data[j] = &gs[used++];
				}
				r->admitted +=
					weir_rl_gcra_take(&adm_gcra, data[j], now, 1, NULL) == 0;
			}
			now += BURST * ADM_NS_PER_DECISION;
		}
		r->decisions += 4096 * BURST;
	} while (cpu_ns() - c0 < min_cpu_ns);
	r->tsc = rte_rdtsc() - t0;
	r->cpu_ns = cpu_ns() - c0;
	rte_hash_free(h);
	rte_free(gs);
	return 0;
}

static int
run_admission(const uint32_t *sources, unsigned int n, double seconds)
{
	uint64_t min_cpu = (uint64_t)(seconds * 1e9);
	struct adm_result w, b;
	char extra[64];
	unsigned int i;

	if (weir_rl_tb_params_init(&adm_tb, ADM_LIMIT, WEIR_RL_NS_PER_S, ADM_BURST) != 0 ||
	    weir_rl_gcra_params_init(&adm_gcra, ADM_LIMIT, WEIR_RL_NS_PER_S, ADM_BURST) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		double rw, rb;

		if (adm_srctab(sources[i], min_cpu, &w) != 0 ||
		    adm_rte_hash(sources[i], min_cpu, &b) != 0)
			return -1;
		snprintf(extra, sizeof(extra), ", \"key_bytes\": 24, \"srctab_factor\": %u",
			 adm_factor);
		adm_print("admission_srctab", sources[i], &w, extra);
		adm_print("admission_rte_hash", sources[i], &b, ", \"key_bytes\": 24");
		rw = (double)w.decisions / (double)w.cpu_ns;
		rb = (double)b.decisions / (double)b.cpu_ns;
		printf("{\"case\": \"admission_ratio\", \"sources\": %u, "
		       "\"srctab_vs_rte_hash\": %.3f, \"srctab_vs_rte_hash_wall\": %.3f}\n",
		       sources[i], rw / rb,
		       ((double)w.decisions / (double)w.tsc) /
			       ((double)b.decisions / (double)b.tsc));
		fflush(stdout);
	}
	return 0;
}
#endif /* WEIR_BENCH_DPDK */

static int
usage(void)
{
	fprintf(stderr, "usage: bench_rl [EAL args --] [DECISIONS] [--sources S[,S...]] "
			"[--seconds N] [--srctab-factor F] [--only algos|admission]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	uint32_t sources[8] = {65536, 1048576, 4194304};
	unsigned int n_sources = 3;
	uint64_t count = 20000000;
	double seconds = 1;
	int a, report, algos = 1, admission = 1, i;

#ifdef WEIR_BENCH_DPDK
	i = rte_eal_init(argc, argv);
	if (i < 0) {
		fprintf(stderr, "bench_rl: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= i;
	argv += i;
	if (argc > 1 && strcmp(argv[1], "--") == 0) {
		argc--;
		argv++;
	}
#endif
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--sources") == 0 && i + 1 < argc) {
			char *p = argv[++i], *end;

			for (n_sources = 0; *p != '\0' && n_sources < 8; p = end + (*end == ',')) {
				unsigned long v = strtoul(p, &end, 10);

				if (end == p || v == 0 || v > (1ul << 26))
					return usage();
				sources[n_sources++] = (uint32_t)v;
			}
		} else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			seconds = strtod(argv[++i], NULL);
			if (!(seconds > 0))
				return usage();
		} else if (strcmp(argv[i], "--srctab-factor") == 0 && i + 1 < argc) {
#ifdef WEIR_BENCH_DPDK
			adm_factor = (uint32_t)strtoul(argv[++i], NULL, 10);
			if (adm_factor < 1 || adm_factor > 8)
				return usage();
#else
			i++;
#endif
		} else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			i++;
			algos = strcmp(argv[i], "algos") == 0;
			admission = strcmp(argv[i], "admission") == 0;
			if (!algos && !admission)
				return usage();
		} else if (argv[i][0] >= '0' && argv[i][0] <= '9') {
			count = strtoull(argv[i], NULL, 10);
		} else {
			return usage();
		}
	}
#ifndef WEIR_BENCH_DPDK
	if (admission && !algos) {
		fprintf(stderr, "bench_rl: built without DPDK: no admission cases\n");
		return 2;
	}
	admission = 0;
#endif
	if (count == 0)
		count = 1;
	/* 10^7/s with bursts of 100 on one key: half the decisions are denied.
	 * GCRA_FRAC: 10^7 - 1 per second, interval 100.00001 ns. */
	if (weir_rl_tb_params_init(&tbp, 10000000, WEIR_RL_NS_PER_S, 100) != 0 ||
	    weir_rl_gcra_params_init(&gp, 10000000, WEIR_RL_NS_PER_S, 100) != 0 ||
	    weir_rl_gcra_params_init(&gfp, 9999999, WEIR_RL_NS_PER_S, 100) != 0 ||
	    weir_rl_sw_params_init(&swp, 1000000, WEIR_RL_NS_PER_S / 10, 0) != 0 ||
	    weir_rl_conc_params_init(&cp, 1) != 0 ||
	    weir_rl_ban_params_init(&bp, WEIR_RL_BAN_BASE_NS_DEFAULT, WEIR_RL_BAN_FACTOR_DEFAULT,
				    WEIR_RL_BAN_MAX_NS_DEFAULT,
				    WEIR_RL_BAN_DECAY_NS_DEFAULT) != 0) {
		fprintf(stderr, "bench_rl: bad parameters\n");
		return 1;
	}
	for (a = 0; algos && a < ALGO__MAX; a++)
		for (report = 0; report <= 1; report++) {
			run(a, 1, report, count);
			run(a, MANY_KEYS, report, count);
		}
#ifdef WEIR_BENCH_DPDK
	if (admission && run_admission(sources, n_sources, seconds) != 0) {
		rte_eal_cleanup();
		return 1;
	}
	rte_eal_cleanup();
#else
	(void)seconds;
	(void)sources;
	(void)n_sources;
	(void)admission;
#endif
	return 0;
}
