/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Microbenchmark of lib/lb: Maglev table build time and lookup cost.
 * Prints one JSON object per case on stdout (bench/run.sh collects them).
 *
 * Usage: bench_lb [ROUNDS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_util.h"
#include "weir_lb.h"

static void
bench_build(uint32_t n, uint32_t m, int rounds)
{
	struct weir_maglev_entry *e = calloc(n, sizeof(*e));
	uint64_t *t = calloc((size_t)rounds, sizeof(*t));
	uint32_t i;
	int r;

	if (e == NULL || t == NULL)
		exit(1);
	for (i = 0; i < n; i++) {
		uint8_t a[4] = {198, 18, (uint8_t)(2 + i / 250), (uint8_t)(i % 250 + 1)};

		e[i].id = weir_lb_backend_id(4, a, 8080);
		e[i].weight = 1;
	}
	for (r = 0; r < rounds; r++) {
		uint64_t t0 = now_ns();
		struct weir_maglev *tab = weir_maglev_build(m, e, n);

		t[r] = now_ns() - t0;
		if (tab == NULL)
			exit(1);
		weir_maglev_free(tab);
	}
	qsort(t, (size_t)rounds, sizeof(*t), cmp_u64);
	printf("{\"case\": \"maglev_build\", \"backends\": %u, \"size\": %u, \"rounds\": %d, "
	       "\"median_ms\": %.3f, \"min_ms\": %.3f}\n",
	       n, m, rounds, t[rounds / 2] / 1e6, t[0] / 1e6);
	free(t);
	free(e);
}

static void
bench_lookup(uint32_t n, uint32_t m, uint32_t count)
{
	struct weir_maglev_entry *e = calloc(n, sizeof(*e));
	struct weir_maglev *tab;
	uint64_t h = 88172645463325252ULL, t0, dt, sink = 0;
	uint32_t i;

	if (e == NULL)
		exit(1);
	for (i = 0; i < n; i++) {
		e[i].id = i + 1;
		e[i].weight = 1;
	}
	tab = weir_maglev_build(m, e, n);
	if (tab == NULL)
		exit(1);
	t0 = now_ns();
	for (i = 0; i < count; i++) {
		h ^= h << 13;
		h ^= h >> 7;
		h ^= h << 17;
		sink += weir_maglev_lookup(tab, h);
	}
	dt = now_ns() - t0;
	printf("{\"case\": \"maglev_lookup\", \"backends\": %u, \"size\": %u, \"lookups\": %u, "
	       "\"ns_per_lookup\": %.2f, \"checksum\": %llu}\n",
	       n, m, count, (double)dt / count, (unsigned long long)sink);
	weir_maglev_free(tab);
	free(e);
}

int
main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 21;

	if (rounds < 1)
		rounds = 1;
	bench_build(100, WEIR_MAGLEV_DEFAULT_SIZE, rounds);
	bench_build(1000, WEIR_MAGLEV_DEFAULT_SIZE, rounds);
	bench_build(1000, 655373, rounds > 5 ? 5 : rounds);
	bench_lookup(1000, WEIR_MAGLEV_DEFAULT_SIZE, 50000000);
	return 0;
}
