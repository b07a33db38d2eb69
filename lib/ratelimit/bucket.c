/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Token bucket and GCRA: the same conformance rule kept two ways.
 *
 * Both reduce rate/period by their gcd so the credit of one ns and the cost
 * of one token are both integers: after t ns the key has earned
 * t * rate_r units and a token costs period_r units. The token bucket
 * never divides on its admit path, so nothing is rounded and nothing drifts.
 *
 * The token bucket keeps that credit explicitly (as debt below a full
 * bucket, so a zeroed state is full) plus the time of the last refill.
 *
 * GCRA keeps only the theoretical arrival time: TAT - now is the debt
 * expressed as time. TAT has ns resolution, so with a non-integral emission
 * interval T = period / limit it cannot hold the exact value; it moves on
 * the fixed grid G(j) = ceil(j * T) instead. From a TAT at or after grid
 * point j, n requests advance it by G(j + n) - G(j): each step is floor or
 * ceil of n * T, and a chain of steps telescopes, so the long-run rate is
 * exact and TAT stays within 2 ns of the real-valued GCRA (the unit tests
 * check both). The conformance test itself is exact for the TAT held:
 * (TAT - now) * limit_r <= (burst - n) * period_r.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_priv.h"
#include "weir_ratelimit.h"

/* Reduce rate/period and check burst * period_r stays within the span. */
static int
reduce(uint64_t rate, uint64_t period_ns, uint64_t burst, uint64_t *rate_r, uint64_t *period_r,
       uint64_t *cap)
{
	uint64_t g;

	if (rate == 0 || period_ns == 0 || period_ns > WEIR_RL_SPAN_MAX || burst == 0)
		return -EINVAL;
	g = rl_gcd(rate, period_ns);
	*rate_r = rate / g;
	*period_r = period_ns / g;
	if (__builtin_mul_overflow(burst, *period_r, cap) || *cap > WEIR_RL_SPAN_MAX)
		return -ERANGE;
	return 0;
}

/* ---- token bucket --------------------------------------------------------- */

int
weir_rl_tb_params_init(struct weir_rl_tb_params *p, uint64_t rate, uint64_t period_ns,
		       uint64_t burst)
{
	struct weir_rl_tb_params q;
	int rc;

	if (p == NULL)
		return -EINVAL;
	rc = reduce(rate, period_ns, burst, &q.rate_r, &q.period_r, &q.cap);
	if (rc != 0)
		return rc;
	q.burst = burst;
	*p = q;
	return 0;
}

static void
tb_report(const struct weir_rl_tb_params *p, const struct weir_rl_tb *s, bool allowed,
	  uint64_t short_by, struct weir_rl_decision *d)
{
	uint64_t debt = s->debt < p->cap ? s->debt : p->cap;

	rl_decide(d, allowed, p->burst, (p->cap - debt) / p->period_r,
		  rl_div_ceil(s->debt, p->rate_r), rl_div_ceil(short_by, p->rate_r));
}

int
weir_rl_tb_take(const struct weir_rl_tb_params *p, struct weir_rl_tb *s, uint64_t now_ns,
		uint64_t n, struct weir_rl_decision *d)
{
	uint64_t earned, cost;

	RL_DEBUG_CHECK(p != NULL && s != NULL && now_ns <= WEIR_RL_TIME_MAX);
	if (now_ns > s->last_ns) {
		/* A long idle period overflows the product: the bucket is full anyway. */
		if (__builtin_mul_overflow(now_ns - s->last_ns, p->rate_r, &earned) ||
		    earned >= s->debt)
			s->debt = 0;
		else
			s->debt -= earned;
		s->last_ns = now_ns;
	}
	if (n > p->burst) {
		if (d != NULL) {
			tb_report(p, s, false, 0, d);
			d->retry_after_ns = UINT64_MAX;
		}
		return -EINVAL;
	}
	/* n <= burst: cost <= cap <= 2^62, and debt <= 2^62 (a cap, maybe an older
	 * and larger one): the sum cannot wrap. */
	cost = n * p->period_r;
	if (s->debt + cost <= p->cap) {
		s->debt += cost;
		if (d != NULL)
			tb_report(p, s, true, 0, d);
		return 0;
	}
	if (d != NULL)
		tb_report(p, s, false, s->debt + cost - p->cap, d);
	return -EAGAIN;
}

/* ---- GCRA ----------------------------------------------------------------- */

int
weir_rl_gcra_params_init(struct weir_rl_gcra_params *p, uint64_t limit, uint64_t period_ns,
			 uint64_t burst)
{
	struct weir_rl_gcra_params q;
	uint64_t cap;
	int rc;

	if (p == NULL || limit > period_ns)
		return -EINVAL;
	rc = reduce(limit, period_ns, burst, &q.limit_r, &q.period_r, &cap);
	if (rc != 0)
		return rc;
	q.burst = burst;
	/* limit divides period exactly when the reduced limit is 1. */
	q.t_ns = q.limit_r == 1 ? q.period_r : 0;
	*p = q;
	return 0;
}

/* How far n requests move a TAT of t: G(j + n) - G(j), j the last grid point <= t. */
static uint64_t
gcra_step(const struct weir_rl_gcra_params *p, uint64_t t, uint64_t n)
{
	rl_u128 j, g0, g1;

	if (p->t_ns != 0)
		return n * p->t_ns; /* <= burst * T <= 2^62 */
	/* limit_r <= period_r: j <= t; (j + n) * period_r < 2^65 * 2^62. */
	j = (rl_u128)t * p->limit_r / p->period_r;
	g0 = (j * p->period_r + p->limit_r - 1) / p->limit_r;
	g1 = ((j + n) * p->period_r + p->limit_r - 1) / p->limit_r;
	return (uint64_t)(g1 - g0);
}

/* Requests a key ahead_ns behind its rest point could still send now. */
static uint64_t
gcra_avail(const struct weir_rl_gcra_params *p, uint64_t ahead_ns)
{
	uint64_t used, budget = p->burst * p->period_r;

	if (__builtin_mul_overflow(ahead_ns, p->limit_r, &used) || used > budget)
		return 0;
	return (budget - used) / p->period_r;
}

int
weir_rl_gcra_take(const struct weir_rl_gcra_params *p, struct weir_rl_gcra *s, uint64_t now_ns,
		  uint64_t n, struct weir_rl_decision *d)
{
	uint64_t base, ahead, used, slack;

	RL_DEBUG_CHECK(p != NULL && s != NULL && now_ns <= WEIR_RL_TIME_MAX);
	base = s->tat_ns > now_ns ? s->tat_ns : now_ns;
	ahead = base - now_ns;
	if (n > p->burst) {
		if (d != NULL) {
			rl_decide(d, false, p->burst, gcra_avail(p, ahead), ahead, 0);
			d->retry_after_ns = UINT64_MAX;
		}
		return -EINVAL;
	}
	/* Conforms iff ahead + n * T <= burst * T, i.e. ahead <= (burst - n) * T. */
	slack = (p->burst - n) * p->period_r;
	if (!__builtin_mul_overflow(ahead, p->limit_r, &used) && used <= slack) {
		s->tat_ns = base + gcra_step(p, base, n);
		if (d != NULL) {
			ahead = s->tat_ns - now_ns;
			rl_decide(d, true, p->burst, gcra_avail(p, ahead), ahead, 0);
		}
		return 0;
	}
	/* Denied: TAT stays. The earliest admitting now' has base - now' <= slack / limit_r. */
	if (d != NULL)
		rl_decide(d, false, p->burst, gcra_avail(p, ahead), ahead,
			  ahead - slack / p->limit_r);
	return -EAGAIN;
}
