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
 * expressed as time. With a non-integral emission interval T = period_r /
 * limit_r ns, TAT is a multiple of 1/limit_r ns away from the last time the
 * key was rested, so it is kept as an exact rational: whole ns plus a
 * remainder in units of 1/limit_r ns. The conformance test
 * (TAT - now) * limit_r <= (burst - n) * period_r is then exact, and so is
 * every figure reported: GCRA decides exactly as the token bucket does, for
 * any rate, at any time (the unit tests check both against each other and
 * against the real-valued GCRA). Rounding TAT to the ns instead loses up to
 * 1 ns per step: a rested key at a time off the grid of T would admit one
 * request less than its burst.
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
	int rc;

	if (p == NULL || limit > period_ns)
		return -EINVAL;
	rc = reduce(limit, period_ns, burst, &q.limit_r, &q.period_r, &q.budget);
	if (rc != 0)
		return rc;
	q.burst = burst;
	*p = q;
	return 0;
}

/* TAT - now in units of 1/limit_r ns (0 if rested), or UINT64_MAX if that
 * does not fit in 64 bits: far more than any budget (<= 2^62), so denied. */
static inline uint64_t
gcra_ahead(const struct weir_rl_gcra_params *p, const struct weir_rl_gcra *s, uint64_t now_ns)
{
	uint64_t a;

	/* tat_frac < limit_r: TAT < tat_ns + 1 <= now. */
	if (s->tat_ns < now_ns)
		return 0;
	if (__builtin_mul_overflow(s->tat_ns - now_ns, p->limit_r, &a) ||
	    __builtin_add_overflow(a, s->tat_frac, &a))
		return UINT64_MAX;
	return a;
}

/* Requests a key ahead units behind its rest point could still send now. */
static inline uint64_t
gcra_avail(const struct weir_rl_gcra_params *p, uint64_t ahead)
{
	return ahead >= p->budget ? 0 : (p->budget - ahead) / p->period_r;
}

/* TAT - now rounded up to the ns: when the key is whole again. */
static uint64_t
gcra_reset(const struct weir_rl_gcra_params *p, const struct weir_rl_gcra *s, uint64_t now_ns)
{
	uint64_t ahead = gcra_ahead(p, s, now_ns);

	if (ahead != UINT64_MAX)
		return rl_div_ceil(ahead, p->limit_r);
	return s->tat_ns - now_ns + (s->tat_frac != 0 && s->tat_ns - now_ns != UINT64_MAX);
}

/* Report a denial: the earliest admitting now' has TAT - now' <= slack / limit_r. */
static void
gcra_deny(const struct weir_rl_gcra_params *p, const struct weir_rl_gcra *s, uint64_t now_ns,
	  uint64_t ahead, uint64_t slack, struct weir_rl_decision *d)
{
	rl_u128 a = ahead, wait;

	if (ahead == UINT64_MAX) /* (TAT - now) * limit_r did not fit: redo it in 128 bits */
		a = (rl_u128)(s->tat_ns - now_ns) * p->limit_r + s->tat_frac;
	wait = (a - slack + p->limit_r - 1) / p->limit_r;
	rl_decide(d, false, p->burst, gcra_avail(p, ahead), gcra_reset(p, s, now_ns),
		  wait > UINT64_MAX ? UINT64_MAX : (uint64_t)wait);
}

int
weir_rl_gcra_take(const struct weir_rl_gcra_params *p, struct weir_rl_gcra *s, uint64_t now_ns,
		  uint64_t n, struct weir_rl_decision *d)
{
	uint64_t ahead, slack;

	RL_DEBUG_CHECK(p != NULL && s != NULL && now_ns <= WEIR_RL_TIME_MAX);
	ahead = gcra_ahead(p, s, now_ns);
	if (n > p->burst) {
		if (d != NULL) {
			rl_decide(d, false, p->burst, gcra_avail(p, ahead),
				  gcra_reset(p, s, now_ns), 0);
			d->retry_after_ns = UINT64_MAX;
		}
		return -EINVAL;
	}
	/* Conforms iff ahead + n * T <= burst * T, i.e. ahead <= (burst - n) * T. */
	slack = (p->burst - n) * p->period_r;
	if (ahead > slack) {
		if (d != NULL)
			gcra_deny(p, s, now_ns, ahead, slack, d);
		return -EAGAIN;
	}
	if (n != 0) {
		/* New TAT = max(TAT, now) + n * T = now + ahead / limit_r ns, exactly:
		 * ahead <= budget <= 2^62, so now + ahead / limit_r < 2^64. */
		ahead += n * p->period_r;
		if (p->limit_r == 1) {
			s->tat_ns = now_ns + ahead;
			s->tat_frac = 0;
		} else {
			s->tat_ns = now_ns + ahead / p->limit_r;
			s->tat_frac = ahead % p->limit_r;
		}
	}
	if (d != NULL)
		rl_decide(d, true, p->burst, gcra_avail(p, ahead), rl_div_ceil(ahead, p->limit_r),
			  0);
	return 0;
}
