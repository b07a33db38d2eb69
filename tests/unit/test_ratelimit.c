/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/ratelimit: exact admission boundaries, bursts, the
 * absence of drift over 10^7 decisions, overflow safety up to 100 years and
 * beyond (the suite runs under ASan and UBSan), the sliding window's error
 * against an exact sliding log, exactness of remaining / retry_after /
 * reset, the concurrency cap and progressive bans.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_ratelimit.h"
#include "weir_test.h"

#define S WEIR_RL_NS_PER_S
#define MS (S / 1000)
#define YEAR (UINT64_C(31557600) * S) /* Julian year */

/* Traffic comes from the tests' seeded PRNG (tests/common/weir_test_rng.h):
 * the same on every machine, another with WEIR_TEST_SEED. */
static uint64_t
rnd(struct weir_test_rng *x)
{
	return weir_test_rng_u64(x);
}

/* Uniform in [lo, hi]. */
static uint64_t
rnd_range(struct weir_test_rng *x, uint64_t lo, uint64_t hi)
{
	return weir_test_rng_range(x, lo, hi);
}

/* ---- parameter validation ------------------------------------------------- */

static void
test_params_invalid(void **state)
{
	struct weir_rl_tb_params tb;
	struct weir_rl_gcra_params g;
	struct weir_rl_sw_params sw;
	struct weir_rl_conc_params c;
	struct weir_rl_ban_params b;

	(void)state;
	assert_int_equal(weir_rl_tb_params_init(&tb, 10, S, 10), 0);
	assert_int_equal(weir_rl_tb_params_init(NULL, 10, S, 10), -EINVAL);
	assert_int_equal(weir_rl_tb_params_init(&tb, 0, S, 10), -EINVAL);
	assert_int_equal(weir_rl_tb_params_init(&tb, 10, 0, 10), -EINVAL);
	assert_int_equal(weir_rl_tb_params_init(&tb, 10, S, 0), -EINVAL);
	assert_int_equal(weir_rl_tb_params_init(&tb, 1, WEIR_RL_SPAN_MAX + 1, 1), -EINVAL);
	/* burst * reduced period: 2^62 is the largest accepted. */
	assert_int_equal(weir_rl_tb_params_init(&tb, 1, WEIR_RL_SPAN_MAX, 1), 0);
	assert_int_equal(weir_rl_tb_params_init(&tb, 1, WEIR_RL_SPAN_MAX / 2, 2), 0);
	assert_int_equal(weir_rl_tb_params_init(&tb, 1, WEIR_RL_SPAN_MAX / 2, 3), -ERANGE);
	assert_int_equal(weir_rl_tb_params_init(&tb, 7, 86400 * S, UINT64_MAX), -ERANGE);
	/* The gcd reduction keeps realistic long periods in range: 10^6 a day with
	 * a burst of 10^6 is 10^6 * 86400 * 10^9 unreduced (> 2^64). */
	assert_int_equal(weir_rl_tb_params_init(&tb, 1000000, 86400 * S, 1000000), 0);
	assert_int_equal(tb.period_r, 86400000);
	assert_int_equal(tb.rate_r, 1);

	assert_int_equal(weir_rl_gcra_params_init(&g, 10, S, 10), 0);
	assert_int_equal(g.limit_r, 1);
	assert_int_equal(g.period_r, 100 * MS);
	assert_int_equal(weir_rl_gcra_params_init(&g, 3, S, 1), 0);
	assert_int_equal(g.limit_r, 3); /* non-integral interval, kept exactly */
	assert_int_equal(g.period_r, S);
	assert_int_equal(weir_rl_gcra_params_init(NULL, 10, S, 10), -EINVAL);
	assert_int_equal(weir_rl_gcra_params_init(&g, 0, S, 10), -EINVAL);
	assert_int_equal(weir_rl_gcra_params_init(&g, 10, 0, 10), -EINVAL);
	assert_int_equal(weir_rl_gcra_params_init(&g, 10, S, 0), -EINVAL);
	/* Faster than one per ns is refused. */
	assert_int_equal(weir_rl_gcra_params_init(&g, S, S, 1), 0);
	assert_int_equal(weir_rl_gcra_params_init(&g, S + 1, S, 1), -EINVAL);
	assert_int_equal(weir_rl_gcra_params_init(&g, 1, S, UINT64_C(1) << 40), -ERANGE);

	assert_int_equal(weir_rl_sw_params_init(&sw, 10, S, 0), 0);
	assert_int_equal(weir_rl_sw_params_init(NULL, 10, S, 0), -EINVAL);
	assert_int_equal(weir_rl_sw_params_init(&sw, 0, S, 0), -EINVAL);
	assert_int_equal(weir_rl_sw_params_init(&sw, 10, 0, 0), -EINVAL);
	assert_int_equal(weir_rl_sw_params_init(&sw, UINT32_MAX, S, 0), 0);
	assert_int_equal(weir_rl_sw_params_init(&sw, (uint64_t)UINT32_MAX + 1, S, 0), -EINVAL);
	assert_int_equal(weir_rl_sw_params_init(&sw, 1, WEIR_RL_SPAN_MAX + 1, 0), -EINVAL);
	assert_int_equal(weir_rl_sw_params_init(&sw, 10, S, WEIR_RL_SW_COUNT_DENIED), 0);
	assert_int_equal(weir_rl_sw_params_init(&sw, 10, S, 2), -EINVAL);

	assert_int_equal(weir_rl_conc_params_init(&c, 1), 0);
	assert_int_equal(weir_rl_conc_params_init(&c, 0), -EINVAL);
	assert_int_equal(weir_rl_conc_params_init(NULL, 1), -EINVAL);

	assert_int_equal(
		weir_rl_ban_params_init(&b, WEIR_RL_BAN_BASE_NS_DEFAULT, WEIR_RL_BAN_FACTOR_DEFAULT,
					WEIR_RL_BAN_MAX_NS_DEFAULT, WEIR_RL_BAN_DECAY_NS_DEFAULT),
		0);
	assert_int_equal(weir_rl_ban_params_init(NULL, 1, 2, 1, 0), -EINVAL);
	assert_int_equal(weir_rl_ban_params_init(&b, 0, 2, 1, 0), -EINVAL);
	assert_int_equal(weir_rl_ban_params_init(&b, 1, 0, 1, 0), -EINVAL);
	assert_int_equal(weir_rl_ban_params_init(&b, 2, 2, 1, 0), -EINVAL); /* max < base */
	assert_int_equal(weir_rl_ban_params_init(&b, 1, 2, WEIR_RL_SPAN_MAX + 1, 0), -EINVAL);
	assert_int_equal(weir_rl_ban_params_init(&b, 1, 2, 1, WEIR_RL_SPAN_MAX + 1), -EINVAL);
	assert_int_equal(weir_rl_ban_params_init(&b, 1, 1, 1, 0), 0);
}

/* ---- token bucket --------------------------------------------------------- */

static void
test_tb_boundaries(void **state)
{
	struct weir_rl_tb_params p;
	struct weir_rl_tb s = {0}, copy;
	struct weir_rl_decision d;
	int i;

	(void)state;
	assert_int_equal(weir_rl_tb_params_init(&p, 10, S, 10), 0);
	/* Exactly 10 at t = 0. */
	for (i = 0; i < 10; i++) {
		assert_int_equal(weir_rl_tb_take(&p, &s, 0, 1, &d), 0);
		assert_true(d.allowed);
		assert_int_equal(d.limit, 10);
		assert_int_equal(d.remaining, 9 - i);
		assert_int_equal(d.reset_ns, (uint64_t)(i + 1) * 100 * MS);
		assert_int_equal(d.retry_after_ns, 0);
	}
	/* The 11th waits exactly one emission interval. */
	assert_int_equal(weir_rl_tb_take(&p, &s, 0, 1, &d), -EAGAIN);
	assert_false(d.allowed);
	assert_int_equal(d.remaining, 0);
	assert_int_equal(d.retry_after_ns, 100 * MS);
	assert_int_equal(d.reset_ns, S);
	/* 1 ns early: denied, 1 ns to wait. */
	assert_int_equal(weir_rl_tb_take(&p, &s, 100 * MS - 1, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, 1);
	/* On time: admitted, and the next one is 100 ms off again. */
	copy = s;
	assert_int_equal(weir_rl_tb_take(&p, &s, 100 * MS, 1, &d), 0);
	assert_int_equal(d.remaining, 0);
	assert_int_equal(weir_rl_tb_take(&p, &s, 100 * MS, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, 100 * MS);
	/* A denial took nothing: the copy taken before admits the same. */
	assert_int_equal(weir_rl_tb_take(&p, &copy, 100 * MS, 1, NULL), 0);
	assert_memory_equal(&copy, &s, sizeof(s));

	/* 3 per second: the interval is 333333333.3 ns, so from an empty bucket
	 * a token is whole at 333333334 ns and not 1 ns before. */
	assert_int_equal(weir_rl_tb_params_init(&p, 3, S, 3), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(weir_rl_tb_take(&p, &s, 0, 3, NULL), 0);
	assert_int_equal(weir_rl_tb_take(&p, &s, 333333333, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, 1);
	assert_int_equal(weir_rl_tb_take(&p, &s, 333333334, 1, &d), 0);
	/* Three tokens take exactly 1 s, not 3 x the rounded interval. */
	assert_int_equal(weir_rl_tb_take(&p, &s, 666666666, 1, NULL), -EAGAIN);
	assert_int_equal(weir_rl_tb_take(&p, &s, 666666667, 1, NULL), 0);
	assert_int_equal(weir_rl_tb_take(&p, &s, S - 1, 1, NULL), -EAGAIN);
	assert_int_equal(weir_rl_tb_take(&p, &s, S, 1, NULL), 0);
}

static void
test_tb_burst(void **state)
{
	struct weir_rl_tb_params p;
	struct weir_rl_tb s = {0};
	struct weir_rl_decision d;

	(void)state;
	/* 1 per second, bursts of 5. */
	assert_int_equal(weir_rl_tb_params_init(&p, 1, S, 5), 0);
	assert_int_equal(weir_rl_tb_take(&p, &s, 0, 3, &d), 0);
	assert_int_equal(d.remaining, 2);
	/* 3 more do not fit; none of them is taken. */
	assert_int_equal(weir_rl_tb_take(&p, &s, 0, 3, &d), -EAGAIN);
	assert_int_equal(d.remaining, 2);
	assert_int_equal(d.retry_after_ns, S);
	assert_int_equal(weir_rl_tb_take(&p, &s, 0, 2, &d), 0);
	assert_int_equal(d.remaining, 0);
	assert_int_equal(d.reset_ns, 5 * S);
	/* More than the bucket holds is never admissible. */
	assert_int_equal(weir_rl_tb_take(&p, &s, 0, 6, &d), -EINVAL);
	assert_false(d.allowed);
	assert_int_equal(d.retry_after_ns, UINT64_MAX);
	/* n = 0 only reports. */
	assert_int_equal(weir_rl_tb_take(&p, &s, 2500 * MS, 0, &d), 0);
	assert_true(d.allowed);
	assert_int_equal(d.remaining, 2);
	assert_int_equal(d.reset_ns, 2500 * MS);
	/* Idle far longer than the bucket needs: full, never more. */
	assert_int_equal(weir_rl_tb_take(&p, &s, 3600 * S, 5, &d), 0);
	assert_int_equal(weir_rl_tb_take(&p, &s, 3600 * S, 1, &d), -EAGAIN);
	/* A clock step back refills nothing and does not move the refill point. */
	assert_int_equal(weir_rl_tb_take(&p, &s, 3000 * S, 1, &d), -EAGAIN);
	assert_int_equal(s.last_ns, 3600 * S);
	assert_int_equal(weir_rl_tb_take(&p, &s, 3601 * S, 1, &d), 0);
}

/* ---- GCRA ----------------------------------------------------------------- */

static void
test_gcra_boundaries(void **state)
{
	struct weir_rl_gcra_params p;
	struct weir_rl_gcra s = {0};
	struct weir_rl_decision d;
	uint64_t tat;
	int i;

	(void)state;
	assert_int_equal(weir_rl_gcra_params_init(&p, 10, S, 10), 0);
	for (i = 0; i < 10; i++) {
		assert_int_equal(weir_rl_gcra_take(&p, &s, 0, 1, &d), 0);
		assert_int_equal(d.limit, 10);
		assert_int_equal(d.remaining, 9 - i);
		assert_int_equal(d.reset_ns, (uint64_t)(i + 1) * 100 * MS);
	}
	assert_int_equal(s.tat_ns, S);
	assert_int_equal(weir_rl_gcra_take(&p, &s, 0, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, 100 * MS);
	assert_int_equal(d.remaining, 0);
	assert_int_equal(d.reset_ns, S);
	/* Denials do not move TAT: hammering does not push the client back. */
	tat = s.tat_ns;
	for (i = 0; i < 1000; i++)
		assert_int_equal(weir_rl_gcra_take(&p, &s, (uint64_t)i * 1000, 1, NULL), -EAGAIN);
	assert_int_equal(s.tat_ns, tat);
	assert_int_equal(weir_rl_gcra_take(&p, &s, 100 * MS - 1, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, 1);
	assert_int_equal(weir_rl_gcra_take(&p, &s, 100 * MS, 1, &d), 0);
	assert_int_equal(d.remaining, 0);
	assert_int_equal(s.tat_ns, 1100 * MS);
	/* Half way to the next token: 50 ms to wait, 950 ms to rest. */
	assert_int_equal(weir_rl_gcra_take(&p, &s, 150 * MS, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, 50 * MS);
	assert_int_equal(d.reset_ns, 950 * MS);
	/* A cost of 4 needs four intervals of room. */
	assert_int_equal(weir_rl_gcra_take(&p, &s, 400 * MS, 4, &d), -EAGAIN);
	assert_int_equal(d.remaining, 3);
	assert_int_equal(d.retry_after_ns, 100 * MS);
	assert_int_equal(weir_rl_gcra_take(&p, &s, 500 * MS, 4, &d), 0);
	assert_int_equal(d.remaining, 0);
	assert_int_equal(weir_rl_gcra_take(&p, &s, 500 * MS, 11, &d), -EINVAL);
	assert_int_equal(d.retry_after_ns, UINT64_MAX);
	/* n = 0 reports without moving TAT. */
	tat = s.tat_ns;
	assert_int_equal(weir_rl_gcra_take(&p, &s, 1000 * MS, 0, &d), 0);
	assert_int_equal(s.tat_ns, tat);
	assert_int_equal(d.remaining, 5);

	/* 3 per second: TAT keeps the thirds of a ns. With a burst of 3, a
	 * rested key at t = 100 ns admits 3 and TAT is 1000000100 exactly. */
	assert_int_equal(weir_rl_gcra_params_init(&p, 3, S, 3), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(weir_rl_gcra_take(&p, &s, 100, 1, NULL), 0);
	assert_int_equal(s.tat_ns, 333333433);
	assert_int_equal(s.tat_frac, 1); /* + 1/3 ns */
	assert_int_equal(weir_rl_gcra_take(&p, &s, 100, 1, NULL), 0);
	assert_int_equal(s.tat_ns, 666666766);
	assert_int_equal(s.tat_frac, 2);
	assert_int_equal(weir_rl_gcra_take(&p, &s, 100, 1, &d), 0);
	assert_int_equal(s.tat_ns, 1000000100);
	assert_int_equal(s.tat_frac, 0);
	assert_int_equal(d.reset_ns, S);
	assert_int_equal(weir_rl_gcra_take(&p, &s, 100, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, 333333334);

	/* No burst: a request admitted late is not credited for it (real-valued
	 * GCRA), so on-time requests at ceil(k x T) drift off the thirds. */
	assert_int_equal(weir_rl_gcra_params_init(&p, 3, S, 1), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(weir_rl_gcra_take(&p, &s, 0, 1, NULL), 0);
	assert_int_equal(weir_rl_gcra_take(&p, &s, 333333333, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, 1);
	assert_int_equal(weir_rl_gcra_take(&p, &s, 333333334, 1, NULL), 0);
	/* TAT = 333333334 + 333333333 1/3 = 666666667 1/3. */
	assert_int_equal(weir_rl_gcra_take(&p, &s, 666666667, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, 1);
	assert_int_equal(d.reset_ns, 1);
	assert_int_equal(weir_rl_gcra_take(&p, &s, 666666668, 1, NULL), 0);
	assert_int_equal(s.tat_ns, 1000000001);
	assert_int_equal(s.tat_frac, 1);
}

/* ceil(a / b) */
static uint64_t
div_ceil(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/*
 * GCRA bursts with a non-integral emission interval T, at arbitrary times
 * off the ns grid of T: a rested key admits exactly burst requests at once,
 * one at a time or all together, and not one more; the next one waits
 * exactly ceil(T); k x T later exactly k more pass. TAT rounded to the ns
 * once per step fails this: at 3/s with a burst of 3 and t = 100 ns, the
 * third request of the burst was denied.
 */
static void
check_gcra_offgrid(uint64_t limit, uint64_t period, uint64_t burst, uint64_t t)
{
	struct weir_rl_gcra_params p;
	struct weir_rl_gcra s, c;
	struct weir_rl_decision d;
	uint64_t i, k, pr, lr, step, later;

	assert_int_equal(weir_rl_gcra_params_init(&p, limit, period, burst), 0);
	pr = period / (period / p.period_r);
	lr = limit / (period / p.period_r);
	assert_int_equal(pr, p.period_r);
	assert_int_equal(lr, p.limit_r);
	step = div_ceil(pr, lr); /* ceil(T) */
	/* One at a time. */
	memset(&s, 0, sizeof(s));
	for (i = 0; i < burst; i++) {
		assert_int_equal(weir_rl_gcra_take(&p, &s, t, 1, &d), 0);
		assert_int_equal(d.remaining, burst - 1 - i);
		assert_int_equal(d.reset_ns, div_ceil((i + 1) * pr, lr));
	}
	assert_int_equal(weir_rl_gcra_take(&p, &s, t, 1, &d), -EAGAIN);
	assert_int_equal(d.remaining, 0);
	assert_int_equal(d.retry_after_ns, step);
	assert_int_equal(d.reset_ns, div_ceil(burst * pr, lr));
	c = s;
	assert_int_equal(weir_rl_gcra_take(&p, &c, t + step - 1, 1, NULL), -EAGAIN);
	assert_int_equal(weir_rl_gcra_take(&p, &c, t + step, 1, NULL), 0);
	/* ceil(k x T) later, exactly k more (T > 1 ns: ceil(k T) < (k + 1) T). */
	for (k = 1; k <= burst && k <= 8; k++) {
		c = s;
		later = t + div_ceil(k * pr, lr);
		for (i = 0; i < k; i++)
			assert_int_equal(weir_rl_gcra_take(&p, &c, later, 1, NULL), 0);
		assert_int_equal(weir_rl_gcra_take(&p, &c, later, 1, &d), -EAGAIN);
		/* ...and 1 ns earlier, one fewer. */
		c = s;
		for (i = 0; i + 1 < k; i++)
			assert_int_equal(weir_rl_gcra_take(&p, &c, later - 1, 1, NULL), 0);
		assert_int_equal(weir_rl_gcra_take(&p, &c, later - 1, 1, NULL), -EAGAIN);
	}
	/* Whole again at t + ceil(burst x T), and again at an odd time after. */
	later = t + div_ceil(burst * pr, lr);
	c = s;
	assert_int_equal(weir_rl_gcra_take(&p, &c, later, burst, &d), 0);
	assert_int_equal(d.remaining, 0);
	assert_int_equal(weir_rl_gcra_take(&p, &c, later, 1, NULL), -EAGAIN);
	c = s;
	assert_int_equal(weir_rl_gcra_take(&p, &c, later - 1, burst, NULL), -EAGAIN);
	later += 3 * step + 1;
	for (i = 0; i < burst; i++)
		assert_int_equal(weir_rl_gcra_take(&p, &s, later, 1, NULL), 0);
	assert_int_equal(weir_rl_gcra_take(&p, &s, later, 1, NULL), -EAGAIN);
	/* All at once. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(weir_rl_gcra_take(&p, &s, t, burst, &d), 0);
	assert_int_equal(d.remaining, 0);
	assert_int_equal(d.reset_ns, div_ceil(burst * pr, lr));
	assert_int_equal(weir_rl_gcra_take(&p, &s, t, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, step);
}

static void
test_gcra_offgrid_burst(void **state)
{
	static const uint64_t cfg[][3] = {
		{3, S, 3},	    /* 333333333.3 ns */
		{3, S, 1},	    /* no burst */
		{7, 10 * S, 5},	    /* 1428571428.57 ns */
		{999, S, 100},	    /* 1001001.001 ns */
		{700000000, S, 16}, /* 1.43 ns */
		{499999993, S, 50}, /* 2.000000028 ns */
		{2, 3, 4},	    /* 1.5 ns */
		{6, 7 * MS, 9},	    /* 1166666.67 ns */
	};
	struct weir_test_rng x;
	unsigned int c, i;
	uint64_t t;

	(void)state;
	weir_test_rng_init(&x, "gcra_offgrid_burst", 0);
	/* The case of the bug report. */
	check_gcra_offgrid(3, S, 3, 100);
	for (c = 0; c < sizeof(cfg) / sizeof(cfg[0]); c++) {
		check_gcra_offgrid(cfg[c][0], cfg[c][1], cfg[c][2], 0);
		for (i = 0; i < 300; i++) {
			/* Small times, and any time up to 146 years. */
			t = i < 100 ? rnd(&x) % (3 * cfg[c][1]) : rnd(&x) % WEIR_RL_SPAN_MAX;
			check_gcra_offgrid(cfg[c][0], cfg[c][1], cfg[c][2], t);
		}
	}
}

/* The token bucket and GCRA are the same algorithm kept two ways, and both
 * are exact: for any rate, integral emission interval or not, every decision
 * and every reported figure must agree. Traffic starts off the ns grid of
 * the interval. */
static void
test_tb_gcra_agree(void **state)
{
	static const uint64_t cfg[][3] = {
		{10, S, 10},	    {1000, S, 1},  {5, 60 * S, 20}, {S, S, 1000},
		{1, MS, 3},	    {3, S, 3},	   {3, S, 1},	    {7, 10 * S, 5},
		{700000000, S, 16}, {999, S, 100}, {2, 3, 4},	    {499999993, S, 7},
	};
	struct weir_rl_tb_params tp;
	struct weir_rl_gcra_params gp;
	struct weir_rl_decision dt, dg;
	struct weir_test_rng x;
	unsigned int c, i, admits = 0, denies = 0;

	(void)state;
	weir_test_rng_init(&x, "tb_gcra_agree", 0);
	for (c = 0; c < sizeof(cfg) / sizeof(cfg[0]); c++) {
		struct weir_rl_tb ts = {0};
		struct weir_rl_gcra gs = {0};
		uint64_t now = rnd(&x) % (1000 * S), t = cfg[c][1] / cfg[c][0];

		assert_int_equal(weir_rl_tb_params_init(&tp, cfg[c][0], cfg[c][1], cfg[c][2]), 0);
		assert_int_equal(weir_rl_gcra_params_init(&gp, cfg[c][0], cfg[c][1], cfg[c][2]), 0);
		for (i = 0; i < 200000; i++) {
			uint64_t n = rnd_range(&x, 0, cfg[c][2] + 1);
			int rt, rg;

			now += rnd(&x) % (2 * t + 1);
			rt = weir_rl_tb_take(&tp, &ts, now, n, &dt);
			rg = weir_rl_gcra_take(&gp, &gs, now, n, &dg);
			assert_int_equal(rt, rg);
			assert_int_equal(dt.allowed, dg.allowed);
			assert_int_equal(dt.limit, dg.limit);
			assert_int_equal(dt.remaining, dg.remaining);
			assert_int_equal(dt.reset_ns, dg.reset_ns);
			assert_int_equal(dt.retry_after_ns, dg.retry_after_ns);
			admits += rt == 0 && n > 0;
			denies += rt == -EAGAIN;
		}
	}
	/* The traffic exercised both outcomes. */
	assert_true(admits > 100000);
	assert_true(denies > 100000);
}

/* ---- no drift ------------------------------------------------------------- */

/* 10^7 decisions from a client that is always over the rate, starting at
 * an arbitrary time (off the ns grid of the interval), with gaps below one
 * emission interval so the bucket never fills again and no credit is lost:
 * both must admit exactly burst + floor(rate x time), time running from the
 * first decision to the last (the brief asks within 1; exact arithmetic
 * gives exactly). */
static void
check_no_drift(uint64_t rate, uint64_t period, uint64_t burst, uint64_t start, uint64_t max_gap)
{
	struct weir_rl_tb_params tp;
	struct weir_rl_gcra_params gp;
	struct weir_rl_tb ts = {0};
	struct weir_rl_gcra gs = {0};
	uint64_t now = start, tb = 0, gcra = 0, want, i;
	struct weir_test_rng x;

	weir_test_rng_init(&x, "no_drift", rate * 7919 + period);
	assert_int_equal(weir_rl_tb_params_init(&tp, rate, period, burst), 0);
	assert_int_equal(weir_rl_gcra_params_init(&gp, rate, period, burst), 0);
	for (i = 0; i < 10000000; i++) {
		tb += weir_rl_tb_take(&tp, &ts, now, 1, NULL) == 0;
		gcra += weir_rl_gcra_take(&gp, &gs, now, 1, NULL) == 0;
		now += rnd_range(&x, 1, max_gap);
	}
	/* Earned from the first decision to the last (last_ns), plus the initial bucket. */
	want = burst + (uint64_t)((unsigned __int128)(ts.last_ns - start) * rate / period);
	print_message("drift %llu/%llu ns burst %llu from %llu ns over %.3g s: want %llu, tb %llu, "
		      "gcra %llu\n",
		      (unsigned long long)rate, (unsigned long long)period,
		      (unsigned long long)burst, (unsigned long long)start,
		      (double)(ts.last_ns - start) / S, (unsigned long long)want,
		      (unsigned long long)tb, (unsigned long long)gcra);
	assert_int_equal(tb, want);
	assert_int_equal(gcra, want);
}

static void
test_no_drift(void **state)
{
	(void)state;
	check_no_drift(10, S, 10, 0, 99 * MS);		    /* integral interval */
	check_no_drift(3, S, 5, 0, 333 * MS);		    /* 333333333.3 ns */
	check_no_drift(3, S, 3, 100, 333 * MS);		    /* off the grid */
	check_no_drift(7, 10 * S, 2, 123456789, 1428 * MS); /* 1428571428.6 ns */
	check_no_drift(700000000, S, 16, 1, 1);	  /* 1.43 ns: rounding would be 43 % off */
	check_no_drift(499999993, S, 1000, 7, 1); /* a prime rate: 2.000000028 ns */
	check_no_drift(999, S, 100, 5 * YEAR + 17, 1001000); /* 1001001.001 ns, at 5 years */
}

/* GCRA with a non-integral interval against the real-valued GCRA, computed
 * in units of 1/limit_r ns (TAT x limit_r, 128 bits). Requests come 0-2
 * intervals apart, so many decisions sit on their boundary to the ns (and
 * closer, at rates near 1/ns). Every decision must agree, and TAT must be
 * the real-valued one exactly. */
static void
check_gcra_real(uint64_t limit, uint64_t period, uint64_t burst)
{
	struct weir_rl_gcra_params p;
	struct weir_rl_gcra s = {0};
	unsigned __int128 tat_x = 0, now_x, base_x;
	uint64_t now, i, n, lr, pr, admitted = 0, tight = 0;
	struct weir_test_rng x;

	weir_test_rng_init(&x, "gcra_real", limit);
	now = rnd(&x) % period;
	assert_int_equal(weir_rl_gcra_params_init(&p, limit, period, burst), 0);
	lr = p.limit_r;
	pr = p.period_r;
	for (i = 0; i < 200000; i++) {
		bool lib, ref;

		now += rnd(&x) % (2 * period / limit + 2);
		n = rnd_range(&x, 1, burst);
		now_x = (unsigned __int128)now * lr;
		base_x = tat_x > now_x ? tat_x : now_x;
		/* Real-valued: admitted iff base - now + n x T <= burst x T. */
		ref = base_x - now_x + n * pr <= burst * pr;
		/* Within 1 ns of the boundary: where rounding TAT goes wrong. */
		tight += base_x - now_x + n * pr + lr > burst * pr &&
			 base_x - now_x + n * pr < burst * pr + lr;
		lib = weir_rl_gcra_take(&p, &s, now, n, NULL) == 0;
		assert_int_equal(lib, ref);
		if (ref) {
			tat_x = base_x + n * pr;
			admitted++;
		}
		assert_true(s.tat_frac < lr);
		assert_true((unsigned __int128)s.tat_ns * lr + s.tat_frac == tat_x);
	}
	print_message("gcra %llu/%llu burst %llu vs real-valued: 200000 decisions agree (%llu "
		      "admitted, %llu within 1 ns of the boundary)\n",
		      (unsigned long long)limit, (unsigned long long)period,
		      (unsigned long long)burst, (unsigned long long)admitted,
		      (unsigned long long)tight);
	assert_true(admitted > 1000 && admitted < 199000);
}

static void
test_gcra_real(void **state)
{
	(void)state;
	check_gcra_real(3, S, 5);
	check_gcra_real(7, 10 * S, 3);
	check_gcra_real(700000000, S, 16);
	check_gcra_real(529336875, S, 12);
	check_gcra_real(499999993, S, 1000);
	check_gcra_real(999999937, S, 50);
	check_gcra_real(2, 3, 4);
}

/* ---- exactness of remaining / retry_after / reset ------------------------- */

enum algo { TB, GCRA, SW, SW_ALL };

struct lim {
	enum algo a;
	struct weir_rl_tb_params tp;
	struct weir_rl_gcra_params gp;
	struct weir_rl_sw_params sp;
	struct weir_rl_tb ts;
	struct weir_rl_gcra gs;
	struct weir_rl_sw ss;
};

static int
lim_take(struct lim *l, uint64_t now, uint64_t n, struct weir_rl_decision *d)
{
	switch (l->a) {
	case TB:
		return weir_rl_tb_take(&l->tp, &l->ts, now, n, d);
	case GCRA:
		return weir_rl_gcra_take(&l->gp, &l->gs, now, n, d);
	default:
		return weir_rl_sw_take(&l->sp, &l->ss, now, n, d);
	}
}

/* After every decision of random traffic: the request admitted exactly
 * retry_after later and not 1 ns sooner; exactly `remaining` more admitted
 * now; whole again at reset and not 1 ns sooner. */
static void
check_exact(enum algo a, uint64_t limit, uint64_t period, uint64_t burst)
{
	struct lim l = {.a = a}, c;
	struct weir_rl_decision d, e;
	uint64_t now = 5 * period + 12345, i, k, gap = period / limit * 2;
	struct weir_test_rng x;
	unsigned int denied = 0;

	weir_test_rng_init(&x, "exact_reports", limit ^ period ^ a);
	assert_int_equal(weir_rl_tb_params_init(&l.tp, limit, period, burst), 0);
	assert_int_equal(weir_rl_gcra_params_init(&l.gp, limit, period, burst), 0);
	assert_int_equal(weir_rl_sw_params_init(&l.sp, limit, period,
						a == SW_ALL ? WEIR_RL_SW_COUNT_DENIED : 0),
			 0);
	for (i = 0; i < 20000; i++) {
		uint64_t n = rnd_range(&x, 1, a >= SW ? 2 : burst);
		int rc = lim_take(&l, now, n, &d);

		assert_true(rc == 0 || rc == -EAGAIN);
		assert_int_equal(d.allowed, rc == 0);
		if (rc == -EAGAIN) {
			denied++;
			assert_true(d.retry_after_ns >= 1);
			c = l;
			assert_int_equal(lim_take(&c, now + d.retry_after_ns - 1, n, NULL),
					 -EAGAIN);
			c = l;
			assert_int_equal(lim_take(&c, now + d.retry_after_ns, n, NULL), 0);
		} else {
			assert_int_equal(d.retry_after_ns, 0);
		}
		/* remaining: that many single requests pass now, one more does not. */
		c = l;
		for (k = 0; k < d.remaining + 1; k++)
			if (lim_take(&c, now, 1, NULL) != 0)
				break;
		assert_int_equal(k, d.remaining);
		/* reset: the whole quota is back then, and not 1 ns before. */
		c = l;
		assert_int_equal(lim_take(&c, now + d.reset_ns, 0, &e), 0);
		assert_int_equal(e.remaining, d.limit);
		if (d.reset_ns > 0 && a < SW) {
			c = l;
			assert_int_equal(lim_take(&c, now + d.reset_ns - 1, 0, &e), 0);
			assert_true(e.remaining < d.limit);
		}
		now += rnd(&x) % (gap + 1);
	}
	assert_true(denied > 1000);
}

static void
test_exact_reports(void **state)
{
	(void)state;
	check_exact(TB, 10, S, 10);
	check_exact(TB, 3, S, 4);
	check_exact(TB, 999999937, S, 50);
	check_exact(GCRA, 10, S, 10);
	check_exact(GCRA, 100, 60 * S, 7);
	check_exact(GCRA, 3, S, 4);
	check_exact(GCRA, 3, S, 1);
	check_exact(GCRA, 7, 10 * S, 5);
	check_exact(GCRA, 999, S, 100);
	check_exact(GCRA, 700000000, S, 50);
	check_exact(SW, 10, S, 10);
	check_exact(SW, 3, S, 3);
	check_exact(SW, 1000, 60 * S, 1000);
	check_exact(SW_ALL, 10, S, 10);
	check_exact(SW_ALL, 1000, 60 * S, 1000);
}

/* ---- 100 years and beyond -------------------------------------------------- */

static void
test_overflow_safety(void **state)
{
	const uint64_t t100 = 100 * YEAR; /* 3.16e18 */
	struct weir_rl_tb_params tp;
	struct weir_rl_gcra_params gp;
	struct weir_rl_sw_params sp;
	struct weir_rl_ban_params bp;
	struct weir_rl_tb ts = {0};
	struct weir_rl_gcra gs = {0};
	struct weir_rl_sw ss = {0};
	struct weir_rl_ban bs = {0};
	struct weir_rl_decision d;
	uint64_t now, i, n;

	(void)state;
	/* 10^9/s with a burst of 10^9: a 100-year idle gap times the rate is
	 * 3e27; the bucket is simply full. */
	assert_int_equal(weir_rl_tb_params_init(&tp, S, S, S), 0);
	assert_int_equal(weir_rl_tb_take(&tp, &ts, t100, S, &d), 0);
	assert_int_equal(d.remaining, 0);
	assert_int_equal(d.reset_ns, S);
	assert_int_equal(weir_rl_tb_take(&tp, &ts, t100, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, 1);
	assert_int_equal(weir_rl_tb_take(&tp, &ts, t100 + 500 * MS, S, &d), -EAGAIN);
	assert_int_equal(d.remaining, 500 * MS);
	assert_int_equal(d.retry_after_ns, 500 * MS);
	/* To the end of the time domain, in 50-year strides. */
	for (now = t100 + 50 * YEAR; now <= WEIR_RL_TIME_MAX - 50 * YEAR; now += 50 * YEAR)
		assert_int_equal(weir_rl_tb_take(&tp, &ts, now, S, NULL), 0);
	assert_int_equal(weir_rl_tb_take(&tp, &ts, WEIR_RL_TIME_MAX, S, &d), 0);
	assert_int_equal(d.reset_ns, S);
	/* A prime rate does not reduce: credit grows 999999937 units per ns, and
	 * an idle gap of 18.4 s earns just over 2^64 units. A wrapping multiply
	 * would refill less than one token; the bucket must be full. */
	assert_int_equal(weir_rl_tb_params_init(&tp, 999999937, S, 10), 0);
	memset(&ts, 0, sizeof(ts));
	assert_int_equal(weir_rl_tb_take(&tp, &ts, t100, 10, &d), 0);
	assert_int_equal(weir_rl_tb_take(&tp, &ts, t100 + UINT64_MAX / 999999937 + 1, 10, &d), 0);
	assert_int_equal(d.remaining, 0);
	/* A bucket at the product limit: 2^62 credit units. */
	assert_int_equal(weir_rl_tb_params_init(&tp, 1, WEIR_RL_SPAN_MAX / 4, 4), 0);
	memset(&ts, 0, sizeof(ts));
	assert_int_equal(weir_rl_tb_take(&tp, &ts, WEIR_RL_TIME_MAX, 4, &d), 0);
	assert_int_equal(d.reset_ns, WEIR_RL_SPAN_MAX);
	assert_int_equal(weir_rl_tb_take(&tp, &ts, WEIR_RL_TIME_MAX, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, WEIR_RL_SPAN_MAX / 4);

	/* GCRA at 10^9/s near 100 years and at the end of time. */
	assert_int_equal(weir_rl_gcra_params_init(&gp, S, S, S), 0);
	assert_int_equal(weir_rl_gcra_take(&gp, &gs, t100, S, &d), 0);
	assert_int_equal(gs.tat_ns, t100 + S);
	assert_int_equal(weir_rl_gcra_take(&gp, &gs, t100, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, 1);
	assert_int_equal(weir_rl_gcra_take(&gp, &gs, WEIR_RL_TIME_MAX, S, &d), 0);
	assert_int_equal(gs.tat_ns, WEIR_RL_TIME_MAX + S);
	assert_int_equal(weir_rl_gcra_take(&gp, &gs, WEIR_RL_TIME_MAX, 1, &d), -EAGAIN);
	assert_int_equal(d.reset_ns, S);
	/* A non-integral interval at 100 years (t x limit_r would need 90 bits;
	 * only TAT - now is ever scaled). Over 1 ms at one try per ns (twice the rate),
	 * exactly burst + floor(rate x time) pass. */
	assert_int_equal(weir_rl_gcra_params_init(&gp, 499999999, S, 10), 0);
	memset(&gs, 0, sizeof(gs));
	for (i = 0, n = 0; i < 1000000; i++)
		n += weir_rl_gcra_take(&gp, &gs, t100 + i, 1, NULL) == 0;
	assert_int_equal(n, 10 + UINT64_C(999999) * 499999999 / S);
	/* The largest tolerance GCRA accepts, at the end of time. */
	assert_int_equal(weir_rl_gcra_params_init(&gp, 1, WEIR_RL_SPAN_MAX, 1), 0);
	memset(&gs, 0, sizeof(gs));
	assert_int_equal(weir_rl_gcra_take(&gp, &gs, WEIR_RL_TIME_MAX, 1, &d), 0);
	assert_int_equal(d.reset_ns, WEIR_RL_SPAN_MAX);
	assert_int_equal(weir_rl_gcra_take(&gp, &gs, WEIR_RL_TIME_MAX, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, WEIR_RL_SPAN_MAX);
	/* A state whose TAT is absurdly far ahead (corrupt, or from a config
	 * with a far larger tolerance) is denied, not overflowed into admission. */
	gs.tat_ns = UINT64_MAX;
	assert_int_equal(weir_rl_gcra_params_init(&gp, 3, S, 2), 0);
	assert_int_equal(weir_rl_gcra_take(&gp, &gs, 0, 1, &d), -EAGAIN);
	assert_int_equal(d.remaining, 0);
	/* (TAT - now) x 3 = 2^64 + 2: wrapped, it would look rested. */
	gs.tat_ns = UINT64_MAX / 3 + 1;
	gs.tat_frac = 0;
	assert_int_equal(weir_rl_gcra_take(&gp, &gs, 0, 1, &d), -EAGAIN);
	assert_int_equal(d.remaining, 0);
	assert_int_equal(gs.tat_ns, UINT64_MAX / 3 + 1);
	/* The waits are still exact (worked out in 128 bits): TAT - T x slack. */
	assert_int_equal(d.reset_ns, UINT64_MAX / 3 + 1);
	assert_int_equal(d.retry_after_ns, UINT64_MAX / 3 + 1 - S / 3);
	gs.tat_frac = 2;
	assert_int_equal(weir_rl_gcra_take(&gp, &gs, 0, 1, &d), -EAGAIN);
	assert_int_equal(d.reset_ns, UINT64_MAX / 3 + 2);
	assert_int_equal(d.retry_after_ns, UINT64_MAX / 3 + 2 - S / 3);

	/* Sliding window: the largest limit over the longest window, at 100 years. */
	assert_int_equal(weir_rl_sw_params_init(&sp, UINT32_MAX, WEIR_RL_SPAN_MAX, 0), 0);
	assert_int_equal(weir_rl_sw_take(&sp, &ss, t100, UINT32_MAX, &d), 0);
	assert_int_equal(d.remaining, 0);
	assert_int_equal(weir_rl_sw_take(&sp, &ss, t100, 1, &d), -EAGAIN);
	/* At 1 ns into the next window the old count weighs just under the limit. */
	assert_int_equal(d.retry_after_ns, WEIR_RL_SPAN_MAX - t100 + 1);
	assert_int_equal(weir_rl_sw_take(&sp, &ss, WEIR_RL_TIME_MAX, 1, &d), 0);
	/* Half way into the next window the full previous one weighs
	 * (2^32 - 1) x 2^61 / 2^62 (a product of 2^93): exactly 2^31 more pass. */
	memset(&ss, 0, sizeof(ss));
	assert_int_equal(weir_rl_sw_take(&sp, &ss, 0, UINT32_MAX, &d), 0);
	now = WEIR_RL_SPAN_MAX + WEIR_RL_SPAN_MAX / 2;
	assert_int_equal(weir_rl_sw_take(&sp, &ss, now, 0, &d), 0);
	assert_int_equal(d.remaining, UINT64_C(1) << 31);
	assert_int_equal(weir_rl_sw_take(&sp, &ss, now, (UINT64_C(1) << 31) + 1, &d), -EAGAIN);
	assert_int_equal(weir_rl_sw_take(&sp, &ss, now, UINT64_C(1) << 31, &d), 0);
	assert_int_equal(d.remaining, 0);
	assert_int_equal(weir_rl_sw_take(&sp, &ss, now, 1, &d), -EAGAIN);
	/* One more needs (2^32 - 1) x (W - e) / W < 2^31 - 1, i.e.
	 * e > W / 2 + W / (2 x (2^32 - 1)): 2^29 + 1/8 ns past the middle. */
	assert_int_equal(d.retry_after_ns, (UINT64_C(1) << 29) + 1);
	assert_int_equal(weir_rl_sw_params_init(&sp, UINT32_MAX, 1, 0), 0);
	memset(&ss, 0, sizeof(ss));
	assert_int_equal(weir_rl_sw_take(&sp, &ss, WEIR_RL_TIME_MAX, UINT32_MAX, &d), 0);
	/* 1 ns windows: the next one still weighs the full count, the one after
	 * is clear. */
	assert_int_equal(weir_rl_sw_take(&sp, &ss, WEIR_RL_TIME_MAX, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, 2);

	/* A ban as long as allowed, given at the end of time, from a factor that
	 * overflows 64 bits on the first repeat. */
	assert_int_equal(weir_rl_ban_params_init(&bp, WEIR_RL_SPAN_MAX / 2, UINT32_MAX,
						 WEIR_RL_SPAN_MAX, WEIR_RL_SPAN_MAX),
			 0);
	assert_int_equal(weir_rl_ban_trigger(&bp, &bs, t100, &d), 0);
	assert_int_equal(d.retry_after_ns, WEIR_RL_SPAN_MAX / 2);
	assert_int_equal(weir_rl_ban_trigger(&bp, &bs, t100 + WEIR_RL_SPAN_MAX / 2, &d), 0);
	assert_int_equal(d.retry_after_ns, WEIR_RL_SPAN_MAX);
	assert_int_equal(weir_rl_ban_unban(&bs, WEIR_RL_TIME_MAX - 1), 0);
	assert_int_equal(weir_rl_ban_trigger(&bp, &bs, WEIR_RL_TIME_MAX, &d), 0);
	assert_int_equal(weir_rl_ban_remaining(&bs, WEIR_RL_TIME_MAX), WEIR_RL_SPAN_MAX);
	/* 2^33 x 2^31 is 2^64 exactly: wrapped, the second ban would last 0 ns. */
	assert_int_equal(weir_rl_ban_params_init(&bp, UINT64_C(1) << 33, UINT32_C(1) << 31,
						 WEIR_RL_SPAN_MAX, WEIR_RL_SPAN_MAX),
			 0);
	memset(&bs, 0, sizeof(bs));
	assert_int_equal(weir_rl_ban_trigger(&bp, &bs, t100, &d), 0);
	assert_int_equal(weir_rl_ban_trigger(&bp, &bs, t100 + (UINT64_C(1) << 33), &d), 0);
	assert_int_equal(d.retry_after_ns, WEIR_RL_SPAN_MAX);
}

/* ---- sliding window ------------------------------------------------------- */

static void
test_sw_boundaries(void **state)
{
	struct weir_rl_sw_params p;
	struct weir_rl_sw s = {0};
	struct weir_rl_decision d;
	int i;

	(void)state;
	assert_int_equal(weir_rl_sw_params_init(&p, 10, S, 0), 0);
	for (i = 0; i < 10; i++) {
		assert_int_equal(weir_rl_sw_take(&p, &s, 0, 1, &d), 0);
		assert_int_equal(d.remaining, 9 - i);
		assert_int_equal(d.reset_ns, 2 * S);
	}
	/* Next window, e = 0: the previous 10 still weigh 10 x (W - 0) / W = 10.
	 * At e = 1 ns the estimate is just below 10. */
	assert_int_equal(weir_rl_sw_take(&p, &s, 0, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, S + 1);
	assert_int_equal(weir_rl_sw_take(&p, &s, S, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, 1);
	assert_int_equal(d.remaining, 0);
	assert_int_equal(d.reset_ns, S);
	assert_int_equal(weir_rl_sw_take(&p, &s, S + 1, 1, &d), 0);
	assert_int_equal(d.remaining, 0);
	/* At 1.1 s: 10 x 0.9 + 1 = 10, not < 10. 1 ns later, admitted. */
	assert_int_equal(weir_rl_sw_take(&p, &s, 1100 * MS, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, 1);
	assert_int_equal(weir_rl_sw_take(&p, &s, 1100 * MS + 1, 1, &d), 0);
	/* At 1.5 s: 10 x 0.5 + 2 = 7, room for exactly 3. */
	assert_int_equal(weir_rl_sw_take(&p, &s, 1500 * MS, 0, &d), 0);
	assert_int_equal(d.remaining, 3);
	assert_int_equal(weir_rl_sw_take(&p, &s, 1500 * MS, 4, &d), -EAGAIN);
	assert_int_equal(weir_rl_sw_take(&p, &s, 1500 * MS, 3, &d), 0);
	/* 10 x 0.5 + 5 = 10: any later instant admits one... */
	assert_int_equal(weir_rl_sw_take(&p, &s, 1500 * MS, 1, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, 1);
	/* ...and two once 10 x (W - e) / W < 4, after 1.6 s. */
	assert_int_equal(weir_rl_sw_take(&p, &s, 1500 * MS, 2, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, 100 * MS + 1);
	assert_int_equal(weir_rl_sw_take(&p, &s, 1600 * MS, 2, &d), -EAGAIN);
	assert_int_equal(d.retry_after_ns, 1);
	assert_int_equal(weir_rl_sw_take(&p, &s, 1500 * MS, 11, &d), -EINVAL);
	assert_int_equal(d.retry_after_ns, UINT64_MAX);
	/* Two idle windows forget everything. */
	assert_int_equal(weir_rl_sw_take(&p, &s, 3 * S, 0, &d), 0);
	assert_int_equal(d.remaining, 10);
	assert_int_equal(d.reset_ns, 0);
	assert_int_equal(s.prev, 0);
	assert_int_equal(s.curr, 0);
	/* A clock step back into an older window is judged in the stored one. */
	assert_int_equal(weir_rl_sw_take(&p, &s, 3 * S, 10, &d), 0);
	assert_int_equal(weir_rl_sw_take(&p, &s, 2 * S, 1, &d), -EAGAIN);
	assert_int_equal(s.window, 3);

	/* Counting denials: 10 at t = 0, then 5 refused at 1.5 s weigh as much
	 * as admitted ones: at 2.5 s the estimate is 5 x 0.5 + 0, not 0. */
	assert_int_equal(weir_rl_sw_params_init(&p, 10, S, WEIR_RL_SW_COUNT_DENIED), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(weir_rl_sw_take(&p, &s, 0, 10, &d), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(weir_rl_sw_take(&p, &s, 1000 * MS, 1, &d), -EAGAIN);
	assert_int_equal(s.curr, 5);
	/* The last refusal was counted before its retry_after: 10 x (W - e) / W +
	 * 5 < 10 needs e > W / 2. */
	assert_int_equal(d.retry_after_ns, 500 * MS + 1);
	assert_int_equal(weir_rl_sw_take(&p, &s, 2500 * MS, 0, &d), 0);
	assert_int_equal(d.remaining, 8);
	/* Saturating, not wrapping. */
	s.curr = UINT32_MAX - 1;
	assert_int_equal(weir_rl_sw_take(&p, &s, 2600 * MS, 5, &d), -EAGAIN);
	assert_int_equal(s.curr, UINT32_MAX);
	assert_int_equal(d.remaining, 0);
	assert_int_equal(d.reset_ns, 1400 * MS);
}

/* An exact sliding log: the times of the requests counted in the last window. */
struct exact_log {
	uint64_t *t;
	uint64_t head, len, cap;
};

static void
log_reset(struct exact_log *l)
{
	l->head = 0;
	l->len = 0;
}

/* Decide like the two-counter window (count + n - 1 < limit, n = 1) over the
 * exact count of (now - window, now]; count the request if admitted or if
 * count_all. */
static bool
log_take(struct exact_log *l, uint64_t now, uint64_t window, uint64_t limit, bool count_all)
{
	bool ok;

	while (l->len > 0 && l->t[l->head] + window <= now) {
		l->head = (l->head + 1) % l->cap;
		l->len--;
	}
	ok = l->len < limit;
	if (ok || count_all) {
		assert_true(l->len < l->cap);
		l->t[(l->head + l->len) % l->cap] = now;
		l->len++;
	}
	return ok;
}

/* -ln(u) for u in (0, 1), without libm: u = m * 2^-k with m in [0.5, 1),
 * ln(m) = 2 atanh((m - 1) / (m + 1)) by its series (|z| <= 1/3). */
static double
neg_ln(double u)
{
	double z, z2, term, sum = 0;
	int k = 0, i;

	while (u < 0.5) {
		u *= 2;
		k++;
	}
	z = (u - 1) / (u + 1);
	z2 = z * z;
	term = z;
	for (i = 1; i < 40; i += 2) {
		sum += term / i;
		term *= z2;
	}
	return k * 0.69314718055994530942 - 2 * sum;
}

/* Exponential inter-arrival time with the given mean (ns). */
static uint64_t
exp_gap(struct weir_test_rng *x, double mean)
{
	double u = ((double)(rnd(x) >> 11) + 0.5) / 9007199254740992.0;

	return (uint64_t)(neg_ln(u) * mean) + 1;
}

enum { BELOW, NEAR, ABOVE, N_CLASS };
static const char *const class_name[N_CLASS] = {"0.05-0.8x", "0.8-1.5x", "1.5-5x"};

/*
 * The two-counter window against an exact sliding log, on the same
 * pseudo-random traffic: 2000 clients for 120 s at 100 requests per 1 s
 * window. Each client sends Poisson traffic at a rate drawn for it: 70 % of
 * clients well below the limit (0.05-0.8 x), 20 % around it (0.8-1.5 x),
 * 10 % abusive (1.5-5 x); one client in five sends in on/off bursts (2 s at
 * 4 x its rate, 6 s off), which breaks the approximation's assumption that
 * the previous window's requests were spread evenly. This mix is harsh: 30 %
 * of the clients sit at or above the limit.
 *
 * Counting every request (WEIR_RL_SW_COUNT_DENIED, Cloudflare's semantics):
 * the history does not depend on the decisions, so the two see the same
 * counts and every disagreement is the approximation's. Measured with this
 * code and the default seed: 0.890 % of 21.1 M decisions differ (0.383 % false
 * denials, 0.507 % false admits); 0.127 % for clients below the limit (their
 * bursts cross it), 3.07 % for those at 0.8-1.5 x (they hover on the
 * threshold), 0.0065 % for abusive ones (far above it, both deny). Cloudflare reports
 * 0.003 % on their production traffic, most of which is far from any
 * threshold.
 *
 * Counting admitted requests only (the default, a quota): for a client over
 * the limit every request sits on the threshold, and which ones get in
 * depends on where in the window the previous ones fell; comparing single
 * decisions says little (~50 % differ for abusive clients). What matters is
 * how many get in. Measured: the two-counter window admits 0.012 % more than
 * the exact log below the limit, 1.32 % more at 0.8-1.5 x, 0.62 % more above.
 */
static void
test_sw_vs_exact_log(void **state)
{
	const uint64_t limit = 100, window = S, duration = 120 * S;
	struct weir_rl_sw_params p_all, p_adm;
	struct exact_log log_all, log_adm;
	uint64_t total[N_CLASS] = {0}, differ[N_CLASS] = {0}, false_deny = 0;
	uint64_t adm_sw[N_CLASS] = {0}, adm_log[N_CLASS] = {0}, t = 0, dt = 0;
	struct weir_test_rng x;
	unsigned int c, k;

	(void)state;
	weir_test_rng_init(&x, "sw_vs_exact_log", 0);
	assert_int_equal(weir_rl_sw_params_init(&p_all, limit, window, WEIR_RL_SW_COUNT_DENIED), 0);
	assert_int_equal(weir_rl_sw_params_init(&p_adm, limit, window, 0), 0);
	log_all.cap = 64 * limit; /* 5 x 4 x the limit in a burst, at most */
	log_all.t = calloc(log_all.cap, sizeof(*log_all.t));
	log_adm.cap = limit;
	log_adm.t = calloc(log_adm.cap, sizeof(*log_adm.t));
	assert_non_null(log_all.t);
	assert_non_null(log_adm.t);
	for (c = 0; c < 2000; c++) {
		uint64_t r = rnd(&x) % 10, now = rnd(&x) % window;
		unsigned int cls = r < 7 ? BELOW : r < 9 ? NEAR : ABOVE;
		bool bursty = rnd(&x) % 5 == 0;
		double lo = cls == BELOW ? 0.05 : cls == NEAR ? 0.8 : 1.5;
		double hi = cls == BELOW ? 0.8 : cls == NEAR ? 1.5 : 5;
		double rate = limit * (lo + (hi - lo) * (double)(rnd(&x) % 1000) / 1000.0);
		double mean = (double)window / (bursty ? 4 * rate : rate);
		struct weir_rl_sw s_all = {0}, s_adm = {0};

		log_reset(&log_all);
		log_reset(&log_adm);
		while (now < duration) {
			bool a = weir_rl_sw_take(&p_all, &s_all, now, 1, NULL) == 0;
			bool b = log_take(&log_all, now, window, limit, true);

			total[cls]++;
			differ[cls] += a != b;
			false_deny += b && !a;
			adm_sw[cls] += weir_rl_sw_take(&p_adm, &s_adm, now, 1, NULL) == 0;
			adm_log[cls] += log_take(&log_adm, now, window, limit, false);
			now += exp_gap(&x, mean);
			if (bursty && now % (8 * S) >= 2 * S)
				now += 8 * S - now % (8 * S); /* off phase */
		}
	}
	free(log_all.t);
	free(log_adm.t);
	for (k = 0; k < N_CLASS; k++) {
		t += total[k];
		dt += differ[k];
		print_message("  clients at %-9s: %8llu decisions, %.4f %% differ (counting all); "
			      "admitted %+.3f %% vs the log (counting admitted)\n",
			      class_name[k], (unsigned long long)total[k],
			      100.0 * differ[k] / total[k],
			      100.0 * ((double)adm_sw[k] - (double)adm_log[k]) / adm_log[k]);
	}
	print_message("sliding window vs exact log, counting all: %llu decisions, %.4f %% differ "
		      "(%.4f %% false denials)\n",
		      (unsigned long long)t, 100.0 * dt / t, 100.0 * false_deny / t);
	assert_true(t > 10000000);
	/* An approximation: some decisions differ, but few. The bounds hold
	 * whatever the seed: over 40 seeds 0.79-1.09 % differ in all (mean 0.93,
	 * sd 0.07), 0.13-0.20 % below the limit, 0.0045-0.0092 % above it. A
	 * window that weighs the previous one the wrong way round, or not at
	 * all, differs on 19 % and 25 % of the decisions. */
	assert_true(dt > 0);
	assert_true(dt * 1000 < t * 15);
	assert_true(differ[BELOW] * 1000 < total[BELOW] * 3);
	assert_true(differ[ABOVE] * 10000 < total[ABOVE] * 2);
	/* Counting admitted only: within 3 % of the exact count, per class. */
	for (k = 0; k < N_CLASS; k++)
		assert_true(adm_sw[k] * 100 <= adm_log[k] * 103 &&
			    adm_sw[k] * 100 >= adm_log[k] * 97);
}

/* ---- concurrency cap ------------------------------------------------------ */

static void
test_conc(void **state)
{
	struct weir_rl_conc_params p;
	struct weir_rl_conc s = {0};
	struct weir_rl_decision d;
	int i;

	(void)state;
	assert_int_equal(weir_rl_conc_params_init(&p, 3), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(weir_rl_conc_acquire(&p, &s, 1, &d), 0);
		assert_true(d.allowed);
		assert_int_equal(d.limit, 3);
		assert_int_equal(d.remaining, 2 - i);
	}
	assert_int_equal(weir_rl_conc_acquire(&p, &s, 1, &d), -EAGAIN);
	assert_false(d.allowed);
	assert_int_equal(d.remaining, 0);
	assert_int_equal(d.retry_after_ns, 0);
	assert_int_equal(s.active, 3);
	assert_int_equal(weir_rl_conc_release(&s, 1), 0);
	/* Two do not fit in one free slot; nothing is held for them. */
	assert_int_equal(weir_rl_conc_acquire(&p, &s, 2, &d), -EAGAIN);
	assert_int_equal(d.remaining, 1);
	assert_int_equal(s.active, 2);
	assert_int_equal(weir_rl_conc_acquire(&p, &s, 0, &d), 0);
	assert_int_equal(d.remaining, 1);
	assert_int_equal(weir_rl_conc_acquire(&p, &s, 1, NULL), 0);
	assert_int_equal(weir_rl_conc_acquire(&p, &s, 4, &d), -EINVAL);
	assert_false(d.allowed);
	/* Releasing more than is held is refused and changes nothing. */
	assert_int_equal(weir_rl_conc_release(&s, 4), -ERANGE);
	assert_int_equal(s.active, 3);
	assert_int_equal(weir_rl_conc_release(&s, 3), 0);
	assert_int_equal(s.active, 0);
	assert_int_equal(weir_rl_conc_release(&s, 1), -ERANGE);
	assert_int_equal(s.active, 0);
	assert_int_equal(weir_rl_conc_release(&s, 0), 0);
	/* A limit lowered under the count held: no room until enough release. */
	s.active = 5;
	assert_int_equal(weir_rl_conc_acquire(&p, &s, 1, &d), -EAGAIN);
	assert_int_equal(d.remaining, 0);
	assert_int_equal(weir_rl_conc_release(&s, 3), 0);
	assert_int_equal(weir_rl_conc_acquire(&p, &s, 1, &d), 0);
	/* Huge counts do not wrap. */
	assert_int_equal(weir_rl_conc_params_init(&p, UINT64_MAX), 0);
	s.active = UINT64_MAX - 1;
	assert_int_equal(weir_rl_conc_acquire(&p, &s, 2, &d), -EAGAIN);
	assert_int_equal(weir_rl_conc_acquire(&p, &s, 1, &d), 0);
	assert_int_equal(s.active, UINT64_MAX);
}

/* ---- progressive ban ------------------------------------------------------ */

static void
test_ban_escalation(void **state)
{
	static const uint64_t want[] = {300,   600,   1200,  2400,  4800,  9600,
					19200, 38400, 76800, 86400, 86400, 86400};
	struct weir_rl_ban_params p;
	struct weir_rl_ban s = {0};
	struct weir_rl_decision d;
	uint64_t now = 1000 * S, end;
	unsigned int i;

	(void)state;
	assert_int_equal(
		weir_rl_ban_params_init(&p, WEIR_RL_BAN_BASE_NS_DEFAULT, WEIR_RL_BAN_FACTOR_DEFAULT,
					WEIR_RL_BAN_MAX_NS_DEFAULT, WEIR_RL_BAN_DECAY_NS_DEFAULT),
		0);
	assert_int_equal(weir_rl_ban_check(&s, now, &d), 0);
	assert_true(d.allowed);
	assert_int_equal(weir_rl_ban_unban(&s, now), -ENOENT);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(weir_rl_ban_trigger(&p, &s, now, &d), 0);
		assert_false(d.allowed);
		assert_int_equal(d.retry_after_ns, want[i] * S);
		assert_int_equal(d.reset_ns, want[i] * S);
		end = now + want[i] * S;
		/* Violations while banned change nothing. */
		assert_int_equal(weir_rl_ban_trigger(&p, &s, now + S, &d), -EALREADY);
		assert_int_equal(d.retry_after_ns, want[i] * S - S);
		assert_int_equal(weir_rl_ban_remaining(&s, now + S), want[i] * S - S);
		assert_int_equal(weir_rl_ban_check(&s, end - 1, &d), -EAGAIN);
		assert_int_equal(d.retry_after_ns, 1);
		assert_int_equal(weir_rl_ban_check(&s, end, &d), 0);
		assert_int_equal(weir_rl_ban_remaining(&s, end), 0);
		/* The next violation comes 1 ns before the decay period is over. */
		now = end + WEIR_RL_BAN_DECAY_NS_DEFAULT - 1;
	}
	/* Quiet for exactly the decay period: back to the first level. */
	now = end + WEIR_RL_BAN_DECAY_NS_DEFAULT;
	assert_int_equal(weir_rl_ban_trigger(&p, &s, now, &d), 0);
	assert_int_equal(d.retry_after_ns, 300 * S);
	assert_int_equal(weir_rl_ban_trigger(&p, &s, now + 300 * S, &d), 0);
	assert_int_equal(d.retry_after_ns, 600 * S);

	/* Unban lifts the ban now; the decay period counts from the unban. */
	now += 400 * S;
	assert_int_equal(weir_rl_ban_unban(&s, now), 0);
	assert_int_equal(weir_rl_ban_check(&s, now, NULL), 0);
	assert_int_equal(weir_rl_ban_unban(&s, now), -ENOENT);
	assert_int_equal(weir_rl_ban_trigger(&p, &s, now + WEIR_RL_BAN_DECAY_NS_DEFAULT - 1, &d),
			 0);
	assert_int_equal(d.retry_after_ns, 1200 * S);
	/* Zero-filling forgets the history. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(weir_rl_ban_trigger(&p, &s, now, &d), 0);
	assert_int_equal(d.retry_after_ns, 300 * S);

	/* Factor 3, capped at 1 h; decay 0 never escalates. */
	assert_int_equal(weir_rl_ban_params_init(&p, 60 * S, 3, 3600 * S, 3600 * S), 0);
	memset(&s, 0, sizeof(s));
	for (i = 0, now = 0; i < 6; i++) {
		static const uint64_t w3[] = {60, 180, 540, 1620, 3600, 3600};

		assert_int_equal(weir_rl_ban_trigger(&p, &s, now, &d), 0);
		assert_int_equal(d.retry_after_ns, w3[i] * S);
		now += w3[i] * S;
	}
	assert_int_equal(weir_rl_ban_params_init(&p, 60 * S, 3, 3600 * S, 0), 0);
	assert_int_equal(weir_rl_ban_trigger(&p, &s, now, &d), 0);
	assert_int_equal(d.retry_after_ns, 60 * S);
	assert_int_equal(weir_rl_ban_trigger(&p, &s, now + 60 * S, &d), 0);
	assert_int_equal(d.retry_after_ns, 60 * S);
}

static void
test_seconds_ceil(void **state)
{
	(void)state;
	assert_int_equal(weir_rl_ns_to_s_ceil(0), 0);
	assert_int_equal(weir_rl_ns_to_s_ceil(1), 1);
	assert_int_equal(weir_rl_ns_to_s_ceil(S), 1);
	assert_int_equal(weir_rl_ns_to_s_ceil(S + 1), 2);
	assert_int_equal(weir_rl_ns_to_s_ceil(UINT64_MAX), UINT64_MAX / S + 1);
}

/* ---- heavy hitters (Space-Saving) ----------------------------------------- */

/* Key i: an IPv4 address, or (odd multiples of 7) an IPv6 one. */
static struct weir_rl_topk_key
tk_key(uint32_t i)
{
	struct weir_rl_topk_key k;

	memset(&k, 0, sizeof(k));
	if (i % 7 == 3) {
		k.family = 6;
		k.addr[0] = 0x20;
		k.addr[1] = 0x01;
		memcpy(&k.addr[12], &i, 4);
	} else {
		k.family = 4;
		memcpy(k.addr, &i, 4);
	}
	return k;
}

static uint32_t
tk_id(const struct weir_rl_topk_key *k)
{
	uint32_t i;

	memcpy(&i, k->family == 6 ? &k->addr[12] : k->addr, 4);
	return i;
}

static struct weir_rl_topk *
tk_new(uint32_t k, uint64_t seed)
{
	size_t len = weir_rl_topk_size(k);
	void *mem;
	struct weir_rl_topk *t;

	assert_true(len > 0);
	mem = malloc(len);
	assert_non_null(mem);
	t = weir_rl_topk_init(mem, len, k, seed);
	assert_ptr_equal(t, mem);
	return t;
}

/*
 * Check a summary against the exact counts of keys 0 .. n_keys - 1: every
 * counter bounds its key's true count (count - error <= true <= count),
 * the query is sorted and agrees with lookups, every key not tracked has
 * at most min_bound (the smallest count when full), and every key above
 * heavy is tracked. Returns the largest error.
 */
static void
tk_entry_equal(const struct weir_rl_topk_entry *a, const struct weir_rl_topk_entry *b)
{
	assert_memory_equal(&a->key, &b->key, sizeof(a->key));
	assert_int_equal(a->count, b->count);
	assert_int_equal(a->error, b->error);
}

static uint64_t
tk_check(const struct weir_rl_topk *t, const uint64_t *exact, uint32_t n_keys, uint64_t heavy,
	 uint64_t untracked_max)
{
	uint32_t n = weir_rl_topk_count(t), i, got;
	struct weir_rl_topk_entry *all = calloc(n + 1, sizeof(*all)), e;
	uint64_t max_err = 0, tracked = 0;

	assert_non_null(all);
	got = weir_rl_topk_query(t, all, n + 1);
	assert_int_equal(got, n);
	for (i = 0; i < n; i++) {
		uint32_t id = tk_id(&all[i].key);

		assert_true(id < n_keys);
		assert_true(all[i].count - all[i].error <= exact[id]);
		assert_true(exact[id] <= all[i].count);
		max_err = all[i].error > max_err ? all[i].error : max_err;
		if (i > 0)
			assert_true(all[i - 1].count > all[i].count ||
				    (all[i - 1].count == all[i].count &&
				     memcmp(&all[i - 1].key, &all[i].key, sizeof(e.key)) < 0));
		assert_int_equal(weir_rl_topk_lookup(t, &all[i].key, &e), 0);
		tk_entry_equal(&e, &all[i]);
	}
	for (i = 0; i < n_keys; i++) {
		struct weir_rl_topk_key k = tk_key(i);

		if (weir_rl_topk_lookup(t, &k, &e) == 0) {
			tracked++;
			continue;
		}
		assert_true(exact[i] <= untracked_max);
		assert_true(exact[i] <= heavy);
	}
	assert_int_equal(tracked, n);
	free(all);
	return max_err;
}

static uint64_t
tk_min(const struct weir_rl_topk *t)
{
	uint32_t n = weir_rl_topk_count(t);
	struct weir_rl_topk_entry *all = calloc(n + 1, sizeof(*all));
	uint64_t m;

	assert_non_null(all);
	assert_int_equal(weir_rl_topk_query(t, all, n), n);
	m = n > 0 ? all[n - 1].count : 0;
	free(all);
	return m;
}

static void
test_topk_params(void **state)
{
	static uint64_t mem[64];
	size_t len = weir_rl_topk_size(4);

	(void)state;
	assert_int_equal(weir_rl_topk_size(0), 0);
	assert_int_equal(weir_rl_topk_size(WEIR_RL_TOPK_MAX + 1), 0);
	assert_true(weir_rl_topk_size(WEIR_RL_TOPK_MAX) > 0);
	/* 4 counters: a 128-byte header, 4 x 48, 5 buckets x 24, 8 index entries x 8. */
	assert_int_equal(len, 128 + 4 * 48 + 5 * 24 + 8 * 8);
	assert_true(len <= sizeof(mem));
	errno = 0;
	assert_null(weir_rl_topk_init(NULL, len, 4, 1));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(weir_rl_topk_init((char *)mem + 4, len, 4, 1));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(weir_rl_topk_init(mem, len, 0, 1));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(weir_rl_topk_init(mem, len - 1, 4, 1));
	assert_int_equal(errno, ENOSPC);
	assert_non_null(weir_rl_topk_init(mem, len, 4, 1));
	assert_int_equal(weir_rl_topk_count((struct weir_rl_topk *)mem), 0);
}

/* At most k distinct keys: every count exact, no error, the top n in order. */
static void
test_topk_exact(void **state)
{
	enum { K = 64 };
	uint32_t distinct[] = {1, 17, 63, 64};
	struct weir_rl_topk_entry out[K + 1];
	uint64_t exact[K];
	struct weir_test_rng x;
	unsigned int c, i;

	(void)state;
	weir_test_rng_init(&x, "topk_exact", 0);
	for (c = 0; c < sizeof(distinct) / sizeof(distinct[0]); c++) {
		struct weir_rl_topk *t = tk_new(K, rnd(&x));
		uint32_t d = distinct[c], n;
		uint64_t total = 0;

		memset(exact, 0, sizeof(exact));
		for (i = 0; i < 100000; i++) {
			uint32_t id = (uint32_t)(rnd(&x) % d);
			/* Mostly single packets, some heavy weights. */
			uint64_t w = rnd(&x) % 8 == 0 ? rnd_range(&x, 2, 1000) : 1;
			struct weir_rl_topk_key k = tk_key(id);

			weir_rl_topk_add(t, &k, w);
			exact[id] += w;
			total += w;
		}
		assert_int_equal(weir_rl_topk_count(t), d);
		assert_int_equal(weir_rl_topk_total(t), total);
		assert_int_equal(tk_check(t, exact, K, UINT64_MAX, 0), 0);
		n = weir_rl_topk_query(t, out, K + 1);
		assert_int_equal(n, d);
		for (i = 0; i < n; i++) {
			assert_int_equal(out[i].count, exact[tk_id(&out[i].key)]);
			assert_int_equal(out[i].error, 0);
		}
		/* The top 5 are the first 5 of the full list. */
		if (d >= 5) {
			struct weir_rl_topk_entry top[5];

			assert_int_equal(weir_rl_topk_query(t, top, 5), 5);
			for (i = 0; i < 5; i++)
				tk_entry_equal(&top[i], &out[i]);
		}
		assert_int_equal(weir_rl_topk_query(t, out, 0), 0);
		free(t);
	}
}

/* Zipf(1) over n ranks: cumulative weights 1/1 + 1/2 + ... (no libm). */
struct zipf {
	double *cdf;
	uint32_t n;
};

static void
zipf_init(struct zipf *z, uint32_t n)
{
	double sum = 0;
	uint32_t i;

	z->n = n;
	z->cdf = malloc(n * sizeof(*z->cdf));
	assert_non_null(z->cdf);
	for (i = 0; i < n; i++)
		z->cdf[i] = sum += 1.0 / (i + 1);
	for (i = 0; i < n; i++)
		z->cdf[i] /= sum;
}

static uint32_t
zipf_draw(const struct zipf *z, struct weir_test_rng *x)
{
	double u = (double)(rnd(x) >> 11) / 9007199254740992.0;
	uint32_t lo = 0, hi = z->n - 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (z->cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* A stream of N weighted keys over D distinct ones (many more than k); rank
 * r is key (r * perm_mul + perm_add) % D, so heavy keys are spread over
 * the key space. Two streams share heavy keys when their perm_add differ
 * by a small multiple of perm_mul (the same keys, a few ranks apart). */
static uint64_t
zipf_stream(struct weir_rl_topk *t, const struct zipf *z, uint64_t *exact, uint32_t n,
	    struct weir_test_rng *x, uint32_t perm_mul, uint32_t perm_add, bool weighted)
{
	uint64_t total = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint32_t id = (uint32_t)(((uint64_t)zipf_draw(z, x) * perm_mul + perm_add) % z->n);
		uint64_t w = weighted ? rnd_range(x, 1, 4) : 1;
		struct weir_rl_topk_key k = tk_key(id);

		weir_rl_topk_add(t, &k, w);
		exact[id] += w;
		total += w;
	}
	return total;
}

/* Many more distinct keys than counters: every key above N / k is found,
 * every count bounds the truth, errors stay within N / k. */
static void
test_topk_zipf(void **state)
{
	enum { D = 200000, N = 2000000 };
	static const uint32_t ks[] = {50, 200, 1000};
	uint64_t *exact = malloc(D * sizeof(*exact));
	struct weir_test_rng x;
	struct zipf z;
	unsigned int c, w;

	(void)state;
	weir_test_rng_init(&x, "topk_zipf", 0);
	assert_non_null(exact);
	zipf_init(&z, D);
	for (c = 0; c < sizeof(ks) / sizeof(ks[0]); c++)
		for (w = 0; w <= 1; w++) {
			struct weir_rl_topk *t = tk_new(ks[c], rnd(&x));
			uint64_t total, heavy, max_err, min, above = 0;
			uint32_t i;

			memset(exact, 0, D * sizeof(*exact));
			total = zipf_stream(t, &z, exact, N, &x, 7919, 12345, w);
			heavy = total / ks[c];
			assert_int_equal(weir_rl_topk_total(t), total);
			assert_int_equal(weir_rl_topk_count(t), ks[c]);
			min = tk_min(t);
			/* Untracked keys have at most the smallest count, itself <= N / k. */
			assert_true(min <= heavy);
			max_err = tk_check(t, exact, D, heavy, min);
			assert_true(max_err <= heavy);
			for (i = 0; i < D; i++)
				above += exact[i] > heavy;
			print_message(
				"topk k %u over %u keys, N %llu%s: %llu keys above N/k = %llu "
				"all found, max error %llu, min count %llu\n",
				ks[c], D, (unsigned long long)total, w ? " (weights 1-4)" : "",
				(unsigned long long)above, (unsigned long long)heavy,
				(unsigned long long)max_err, (unsigned long long)min);
			/* The check meant something: heavy keys exist, and so do errors. */
			assert_true(above >= 3);
			assert_true(max_err > 0);
			free(t);
		}
	free(z.cdf);
	free(exact);
}

/* A small summary under heavy churn: the index stays consistent with the
 * counters through thousands of evictions (lookups of every key after every
 * add), and the sum of the counts is the total weight. */
static void
test_topk_churn(void **state)
{
	enum { U = 60 };
	static const uint32_t ks[] = {1, 2, 7, 16};
	uint64_t exact[U];
	struct weir_test_rng x;
	unsigned int c, i, j;

	(void)state;
	weir_test_rng_init(&x, "topk_churn", 0);
	for (c = 0; c < sizeof(ks) / sizeof(ks[0]); c++) {
		struct weir_rl_topk *t = tk_new(ks[c], rnd(&x));
		struct weir_rl_topk_entry out[16];

		memset(exact, 0, sizeof(exact));
		for (i = 0; i < 20000; i++) {
			/* A few heavy keys and a tail. */
			uint32_t id = (uint32_t)(rnd(&x) % 4 == 0 ? rnd(&x) % 3 : rnd(&x) % U);
			struct weir_rl_topk_key k = tk_key(id);
			uint64_t sum = 0, min;
			uint32_t n, found = 0;

			weir_rl_topk_add(t, &k, 1 + id % 3);
			exact[id] += 1 + id % 3;
			n = weir_rl_topk_query(t, out, ks[c]);
			assert_int_equal(n, weir_rl_topk_count(t));
			for (j = 0; j < n; j++)
				sum += out[j].count;
			assert_int_equal(sum, weir_rl_topk_total(t));
			min = n > 0 ? out[n - 1].count : 0;
			for (j = 0; j < U; j++) {
				struct weir_rl_topk_entry e;
				struct weir_rl_topk_key q = tk_key(j);

				if (weir_rl_topk_lookup(t, &q, &e) == 0) {
					found++;
					assert_true(e.count - e.error <= exact[j] &&
						    exact[j] <= e.count);
				} else {
					assert_true(exact[j] <= min);
				}
			}
			assert_int_equal(found, n);
		}
		free(t);
	}
}

static int
cmp_u64_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* The merge's definition, worked out from the sources' reports: each key's
 * merged count and error, and dst holds the k_dst largest counts. Returns
 * how many keys more than one source holds (the merge adds their counts). */
static uint32_t
tk_check_merge(const struct weir_rl_topk *dst, const struct weir_rl_topk *const *src,
	       unsigned int n_src)
{
	uint32_t n_all = 0, n_dst = weir_rl_topk_count(dst), a, i, b, shared = 0;
	struct weir_rl_topk_entry *e[8], got, other;
	uint64_t bound[8], *counts;

	assert_true(n_src <= 8);
	for (a = 0; a < n_src; a++) {
		uint32_t n = weir_rl_topk_count(src[a]);

		e[a] = calloc(n + 1, sizeof(*e[a]));
		assert_non_null(e[a]);
		assert_int_equal(weir_rl_topk_query(src[a], e[a], n), n);
		bound[a] = n == 0 ? 0 : e[a][n - 1].count; /* every source here is full or fresh */
		n_all += n;
	}
	counts = calloc(n_all + 1, sizeof(*counts));
	assert_non_null(counts);
	n_all = 0;
	for (a = 0; a < n_src; a++) {
		for (i = 0; i < weir_rl_topk_count(src[a]); i++) {
			uint64_t c = 0, err = 0;
			bool dup = false;

			for (b = 0; b < n_src; b++) {
				if (weir_rl_topk_lookup(src[b], &e[a][i].key, &other) == 0) {
					dup |= b < a;
					c += other.count;
					err += other.error;
				} else {
					c += bound[b];
					err += bound[b];
				}
			}
			if (dup) {
				shared++;
				continue;
			}
			counts[n_all++] = c;
			if (weir_rl_topk_lookup(dst, &e[a][i].key, &got) == 0) {
				assert_int_equal(got.count, c);
				assert_int_equal(got.error, err);
			}
		}
	}
	qsort(counts, n_all, sizeof(*counts), cmp_u64_desc);
	/* dst holds the largest: its smallest is the k_dst-th of all. */
	assert_int_equal(n_dst, n_all < n_dst ? n_all : n_dst);
	if (n_dst > 0)
		assert_int_equal(tk_min(dst), counts[n_dst - 1]);
	for (a = 0; a < n_src; a++)
		free(e[a]);
	free(counts);
	return shared;
}

/* Two workers' summaries merged, against the exact totals. */
static void
test_topk_merge(void **state)
{
	enum { D = 100000, N = 1000000, K = 200 };
	uint64_t *ea = calloc(D, sizeof(*ea)), *eb = calloc(D, sizeof(*eb));
	uint64_t *sum = calloc(D, sizeof(*sum)), na, nb, m, max_err, min;
	struct weir_rl_topk *a, *b, *dst, *big, *small;
	const struct weir_rl_topk *src[2];
	struct weir_rl_topk_entry e;
	struct weir_rl_topk_key k;
	struct weir_test_rng x;
	uint32_t i, shared;
	struct zipf z;

	(void)state;
	weir_test_rng_init(&x, "topk_merge", 0);
	assert_true(ea != NULL && eb != NULL && sum != NULL);
	zipf_init(&z, D);

	/* Exact: two summaries with free counters and shared keys. */
	a = tk_new(K, 1);
	b = tk_new(K, 2); /* another seed: the index layouts differ */
	dst = tk_new(K, 3);
	for (i = 0; i < 5000; i++) {
		uint32_t id = (uint32_t)(rnd(&x) % 150);

		k = tk_key(id);
		weir_rl_topk_add(i % 2 ? a : b, &k, 1 + i % 5);
		sum[id] += 1 + i % 5;
	}
	src[0] = a;
	src[1] = b;
	assert_int_equal(weir_rl_topk_merge(dst, src, 2), 0);
	assert_int_equal(weir_rl_topk_total(dst), weir_rl_topk_total(a) + weir_rl_topk_total(b));
	assert_int_equal(tk_check(dst, sum, 150, UINT64_MAX, 0), 0);
	assert_int_equal(weir_rl_topk_count(dst), 150);
	/* dst may not be a source; nothing changes then. */
	src[1] = dst;
	assert_int_equal(weir_rl_topk_merge(dst, src, 2), -EINVAL);
	assert_int_equal(weir_rl_topk_merge(dst, NULL, 1), -EINVAL);
	assert_int_equal(weir_rl_topk_count(dst), 150);
	assert_int_equal(weir_rl_topk_merge(dst, src, 0), 0);
	assert_int_equal(weir_rl_topk_count(dst), 0);
	assert_int_equal(weir_rl_topk_total(dst), 0);

	/* Zipf streams over partly the same heavy keys, full summaries: b's
	 * rank r is a's rank r + 3. */
	memset(sum, 0, D * sizeof(*sum));
	weir_rl_topk_reset(a);
	weir_rl_topk_reset(b);
	na = zipf_stream(a, &z, ea, N, &x, 7919, 0, false);
	nb = zipf_stream(b, &z, eb, N / 2, &x, 7919, 3 * 7919, true);
	for (i = 0; i < D; i++)
		sum[i] = ea[i] + eb[i];
	m = tk_min(a) + tk_min(b);
	assert_true(m <= (na + nb) / K);
	src[0] = a;
	src[1] = b;
	assert_int_equal(weir_rl_topk_merge(dst, src, 2), 0);
	shared = tk_check_merge(dst, src, 2);
	print_message("topk merge: %u keys in both summaries\n", shared);
	assert_true(shared >= K / 10);
	assert_int_equal(weir_rl_topk_total(dst), na + nb);
	assert_int_equal(weir_rl_topk_count(dst), K);
	min = tk_min(dst);
	max_err = tk_check(dst, sum, D, (na + nb) / K + m, min > m ? min : m);
	assert_true(max_err <= m);
	print_message("topk merge of two k %u summaries (N %llu + %llu): M %llu, max error %llu, "
		      "min count %llu\n",
		      K, (unsigned long long)na, (unsigned long long)nb, (unsigned long long)m,
		      (unsigned long long)max_err, (unsigned long long)min);
	/* The heaviest key of each stream survives with a tight count. */
	k = tk_key(0);
	assert_int_equal(weir_rl_topk_lookup(dst, &k, &e), 0);
	assert_true(e.count - e.error <= sum[0] && sum[0] <= e.count);
	/* The merged summary goes on counting: a known key grows... */
	weir_rl_topk_add(dst, &k, 10);
	sum[0] += 10;
	assert_int_equal(weir_rl_topk_lookup(dst, &k, &e), 0);
	assert_true(e.count - e.error <= sum[0] && sum[0] <= e.count);
	/* ...and a new one takes over the smallest counter. */
	min = tk_min(dst);
	k = tk_key(D + 5);
	weir_rl_topk_add(dst, &k, 2);
	assert_int_equal(weir_rl_topk_lookup(dst, &k, &e), 0);
	assert_int_equal(e.count, min + 2);
	assert_int_equal(e.error, min);
	assert_int_equal(weir_rl_topk_count(dst), K);
	k = tk_key(0);
	assert_int_equal(weir_rl_topk_lookup(dst, &k, &e), 0);

	/* Into a larger summary: everything fits, and a new key starts at M. */
	big = tk_new(4 * K, 4);
	assert_int_equal(weir_rl_topk_merge(big, src, 2), 0);
	assert_int_equal(tk_check_merge(big, src, 2), shared);
	assert_true(weir_rl_topk_count(big) > K && weir_rl_topk_count(big) <= 2 * K);
	tk_check(big, sum, D, UINT64_MAX, m);
	k = tk_key(D + 1);
	weir_rl_topk_add(big, &k, 3);
	assert_int_equal(weir_rl_topk_lookup(big, &k, &e), 0);
	assert_int_equal(e.count, m + 3);
	assert_int_equal(e.error, m);
	/* Into a smaller one: the bound on what is left out holds with k_dst. */
	small = tk_new(K / 4, 5);
	assert_int_equal(weir_rl_topk_merge(small, src, 2), 0);
	assert_int_equal(tk_check_merge(small, src, 2), shared);
	assert_int_equal(weir_rl_topk_count(small), K / 4);
	min = tk_min(small);
	tk_check(small, sum, D, (na + nb) / (K / 4) + m, min);

	free(a);
	free(b);
	free(dst);
	free(big);
	free(small);
	free(z.cdf);
	free(ea);
	free(eb);
	free(sum);
}

static void
test_topk_reset(void **state)
{
	struct weir_rl_topk *t = tk_new(8, 9);
	struct weir_rl_topk_entry out[8], e;
	struct weir_rl_topk_key k;
	uint64_t exact[40] = {0};
	uint32_t i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		k = tk_key(i % 40);
		weir_rl_topk_add(t, &k, 1);
	}
	assert_int_equal(weir_rl_topk_count(t), 8);
	weir_rl_topk_reset(t);
	assert_int_equal(weir_rl_topk_count(t), 0);
	assert_int_equal(weir_rl_topk_total(t), 0);
	assert_int_equal(weir_rl_topk_query(t, out, 8), 0);
	for (i = 0; i < 40; i++) {
		k = tk_key(i);
		assert_int_equal(weir_rl_topk_lookup(t, &k, &e), -ENOENT);
	}
	/* Fresh again: exact while at most 8 keys. */
	for (i = 0; i < 800; i++) {
		k = tk_key(i % 8 + 20);
		weir_rl_topk_add(t, &k, i % 8 + 1);
		exact[i % 8 + 20] += i % 8 + 1;
	}
	assert_int_equal(tk_check(t, exact, 40, UINT64_MAX, 0), 0);
	assert_int_equal(weir_rl_topk_query(t, out, 8), 8);
	assert_int_equal(tk_id(&out[0].key), 27);
	assert_int_equal(out[0].count, 800);
	assert_int_equal(tk_id(&out[7].key), 20);
	assert_int_equal(out[7].count, 100);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params_invalid),
		cmocka_unit_test(test_tb_boundaries),
		cmocka_unit_test(test_tb_burst),
		cmocka_unit_test(test_gcra_boundaries),
		cmocka_unit_test(test_gcra_offgrid_burst),
		cmocka_unit_test(test_tb_gcra_agree),
		cmocka_unit_test(test_no_drift),
		cmocka_unit_test(test_gcra_real),
		cmocka_unit_test(test_exact_reports),
		cmocka_unit_test(test_overflow_safety),
		cmocka_unit_test(test_sw_boundaries),
		cmocka_unit_test(test_sw_vs_exact_log),
		cmocka_unit_test(test_conc),
		cmocka_unit_test(test_ban_escalation),
		cmocka_unit_test(test_seconds_ceil),
		cmocka_unit_test(test_topk_params),
		cmocka_unit_test(test_topk_exact),
		cmocka_unit_test(test_topk_zipf),
		cmocka_unit_test(test_topk_churn),
		cmocka_unit_test(test_topk_merge),
		cmocka_unit_test(test_topk_reset),
	};

	return weir_test_main(tests);
}
