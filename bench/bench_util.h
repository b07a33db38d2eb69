/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_BENCH_UTIL_H
#define WEIR_BENCH_UTIL_H

/* What the microbenchmarks share: a monotonic clock and a qsort order. */

#include <stdint.h>
#include <time.h>

static inline uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* qsort() order of uint64_t values, ascending. */
static inline int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#endif /* WEIR_BENCH_UTIL_H */
