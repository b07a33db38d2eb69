/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Microbenchmark of lib/ratelimit: decisions per second of each algorithm,
 * on one key (its state stays in L1) and on 1M keys picked at random (state
 * mostly out of cache, as on a busy worker), without and with the decision
 * report (remaining / reset / retry_after, which costs a few divisions).
 * Simulated time advances 50 ns per decision, so limits of 10^7/s are
 * crossed both ways. Prints one JSON object per case on stdout.
 *
 * Usage: bench_rl [DECISIONS]   (default 20000000 per case)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "weir_ratelimit.h"

#define NS_PER_DECISION 50
#define MANY_KEYS (1u << 20)

enum algo {
	TB,
	GCRA,      /* integral emission interval: no division */
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

int
main(int argc, char **argv)
{
	uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000000;
	int a, report;

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
	for (a = 0; a < ALGO__MAX; a++)
		for (report = 0; report <= 1; report++) {
			run(a, 1, report, count);
			run(a, MANY_KEYS, report, count);
		}
	return 0;
}
