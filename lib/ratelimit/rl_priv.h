/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_RL_PRIV_H
#define WEIR_RL_PRIV_H

/* Helpers shared by the rate limiters; not part of the public API. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "weir_ratelimit.h"

typedef unsigned __int128 rl_u128;

/* Hot-path argument checks: only in -DWEIR_DEBUG builds (CONVENTIONS.md). */
#ifdef WEIR_DEBUG
#define RL_DEBUG_CHECK(cond)                                                                       \
	do {                                                                                       \
		if (!(cond))                                                                       \
			return -EINVAL;                                                            \
	} while (0)
#else
#define RL_DEBUG_CHECK(cond)                                                                       \
	do {                                                                                       \
	} while (0)
#endif

static inline uint64_t
rl_gcd(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* ceil(a / b), b != 0, without the a + b - 1 overflow. */
static inline uint64_t
rl_div_ceil(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

static inline void
rl_decide(struct weir_rl_decision *d, bool allowed, uint64_t limit, uint64_t remaining,
	  uint64_t reset_ns, uint64_t retry_after_ns)
{
	d->allowed = allowed;
	d->limit = limit;
	d->remaining = remaining;
	d->reset_ns = reset_ns;
	d->retry_after_ns = allowed ? 0 : retry_after_ns;
}

#endif /* WEIR_RL_PRIV_H */
