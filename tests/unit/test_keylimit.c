/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/ratelimit/keylimit.c, the key table shared by workers:
 * exact answers of each algorithm (against lib/ratelimit's GCRA and a
 * plain sliding window model), several rules per request and the
 * give-back, a full set and eviction of rested keys only, and exactness
 * with two threads deciding on the same keys at once (inserts racing).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_keylimit.h"
#include "weir_ratelimit.h"
#include "weir_test.h"

#define S WEIR_RL_NS_PER_S
#define T0 (1000 * S)

static struct weir_kl_table *
mk_table(uint32_t entries)
{
	size_t size = weir_kl_table_size(entries);
	void *mem;
	struct weir_kl_table *t;

	assert_true(size > 0);
	mem = aligned_alloc(64, (size + 63) & ~(size_t)63);
	assert_non_null(mem);
	t = weir_kl_table_init(mem, size, entries);
	assert_ptr_equal(t, mem);
	return t;
}

static struct weir_kl_rule
mk_rule(uint16_t id, uint8_t alg, uint64_t limit, uint64_t window_ns, uint64_t burst)
{
	struct weir_kl_rule r;
	const char *why = NULL;

	assert_int_equal(weir_kl_rule_init(&r, id, alg, limit, window_ns, burst, &why), 0);
	return r;
}

/* What every answer must satisfy for the headers. */
static void
check_res(const struct weir_kl_result *r)
{
	assert_true(r->remaining <= r->limit);
	assert_true(r->retry_ns <= r->reset_ns);
	if (r->allowed)
		assert_int_equal(r->retry_ns, 0);
	else
		assert_true(r->retry_ns > 0);
}

static void
res_equal(const struct weir_kl_result *a, const struct weir_kl_result *b)
{
	assert_int_equal(a->allowed, b->allowed);
	assert_int_equal(a->limit, b->limit);
	assert_int_equal(a->remaining, b->remaining);
	assert_int_equal(a->reset_ns, b->reset_ns);
	assert_int_equal(a->retry_ns, b->retry_ns);
}

static void
test_rule_init(void **state)
{
	struct weir_kl_rule r;
	const char *why = NULL;

	(void)state;
	assert_int_equal(weir_kl_rule_init(&r, 0, WEIR_KL_GCRA, 0, S, 0, &why), -EINVAL);
	assert_string_equal(why, "limit must be at least 1");
	assert_int_equal(weir_kl_rule_init(&r, 1024, WEIR_KL_GCRA, 1, S, 0, &why), -EINVAL);
	assert_int_equal(weir_kl_rule_init(&r, 0, 0, 1, S, 0, &why), -EINVAL);
	assert_int_equal(weir_kl_rule_init(&r, 0, WEIR_KL_GCRA, 10, 9, 0, &why), -EINVAL);
	assert_int_equal(
		weir_kl_rule_init(&r, 0, WEIR_KL_SLIDING_WINDOW, 1u << 20, 60 * S, 0, &why),
		-EINVAL);
	assert_string_equal(why, "sliding window limit above 1048575");
	assert_int_equal(weir_kl_rule_init(&r, 0, WEIR_KL_SLIDING_WINDOW, 5, 999999, 0, &why),
			 -EINVAL);
	assert_int_equal(weir_kl_rule_init(&r, 0, WEIR_KL_GCRA, 1, WEIR_RL_SPAN_MAX, 2, &why),
			 -EINVAL);
	/* T rounds up: 3/s is 333333334 ns. */
	assert_int_equal(weir_kl_rule_init(&r, 3, WEIR_KL_GCRA, 3, S, 0, NULL), 0);
	assert_int_equal(r.t_ns, 333333334);
	assert_int_equal(r.burst, 3);
	assert_int_equal(weir_kl_table_size(0), 0);
	assert_int_equal(weir_kl_table_size(5), weir_kl_table_size(8));
	assert_null(weir_kl_table_init((char *)NULL, 1 << 20, 8));
}

/* ---- 1. single thread ----------------------------------------------------------- */

static void
five_per_minute(uint8_t alg)
{
	struct weir_kl_table *t = mk_table(64);
	struct weir_kl_rule r = mk_rule(7, alg, 5, 60 * S, 0);
	struct weir_kl_result res;
	uint64_t allowed, limited;

	for (uint64_t i = 1; i <= 5; i++) {
		assert_int_equal(weir_kl_take(t, 42, &r, 1, T0, &res), 1);
		check_res(&res);
		assert_int_equal(res.limit, 5);
		assert_int_equal(res.remaining, 5 - i);
		assert_int_equal(res.reset_ns, i * 12 * S);
	}
	assert_int_equal(weir_kl_take(t, 42, &r, 1, T0, &res), 0);
	check_res(&res);
	assert_int_equal(res.remaining, 0);
	assert_int_equal(res.retry_ns, 12 * S);
	assert_int_equal(res.reset_ns, 60 * S);
	assert_int_equal(weir_kl_take(t, 42, &r, 1, T0 + 12 * S - 1, &res), 0);
	assert_int_equal(res.retry_ns, 1);
	assert_int_equal(weir_kl_take(t, 42, &r, 1, T0 + 12 * S, &res), 1);
	assert_int_equal(res.remaining, 0);
	assert_int_equal(weir_kl_take(t, 42, &r, 1, T0 + 12 * S, &res), 0);
	/* Another key is untouched; the counts are per entry. */
	assert_int_equal(weir_kl_take(t, 43, &r, 1, T0 + 12 * S, &res), 1);
	assert_int_equal(res.remaining, 4);
	assert_int_equal(weir_kl_peek(t, 42, &r, 1, T0 + 12 * S, &res, &allowed, &limited), 1);
	assert_int_equal(allowed, 6);
	assert_int_equal(limited, 3);
	assert_int_equal(res.allowed, 0);
	/* Missing: rested, 0 counts. */
	assert_int_equal(weir_kl_peek(t, 44, &r, 1, T0, &res, &allowed, &limited), 0);
	assert_int_equal(res.allowed, 1);
	assert_int_equal(res.remaining, 5);
	assert_int_equal(res.reset_ns, 0);
	assert_int_equal(allowed + limited, 0);
	free(t);
}

static void
test_gcra_5_per_min(void **state)
{
	(void)state;
	five_per_minute(WEIR_KL_GCRA);
	five_per_minute(WEIR_KL_TOKEN_BUCKET);
}

/* A plain two-counter sliding window: full window index, no packing. */
struct sw_model {
	uint64_t window, prev, curr;
};

static bool
sw_model_take(struct sw_model *m, uint64_t limit, uint64_t w, uint64_t now, uint64_t *remaining)
{
	uint64_t idx = now / w, e = now % w, weighted;
	bool ok;

	if (idx != m->window) {
		m->prev = idx == m->window + 1 ? m->curr : 0;
		m->curr = 0;
		m->window = idx;
	}
	ok = m->curr + 1 <= limit &&
	     (unsigned __int128)m->prev * (w - e) < (unsigned __int128)(limit - m->curr) * w;
	if (ok)
		m->curr++;
	weighted = (uint64_t)((unsigned __int128)m->prev * (w - e) / w);
	*remaining = weighted + m->curr < limit ? limit - weighted - m->curr : 0;
	return ok;
}

static void
test_sw_model(void **state)
{
	const uint64_t w = 60 * S, wrap = UINT64_C(1) << 24;
	const uint64_t jumps[] = {0, 1, 2, 3, 7};
	struct weir_kl_table *t = mk_table(16);
	struct weir_kl_rule r = mk_rule(1, WEIR_KL_SLIDING_WINDOW, 5, w, 0);
	struct weir_test_rng rng;
	struct weir_kl_result res;
	struct sw_model m = {0, 0, 0};
	uint64_t now = (wrap - 3) * w, rem, admitted = 0, crossed = 0;

	(void)state;
	weir_test_rng_init(&rng, "keylimit-sw", 0);
	for (int i = 0; i < 6000; i++) {
		uint64_t pick = weir_test_rng_below(&rng, 100);
		uint64_t before = now / w;

		if (i % 1000 == 999) /* 5 times 2^24 + 2 windows: 32 years each */
			now += (wrap + 2) * w + weir_test_rng_below(&rng, w);
		else if (pick < 80)
			now += weir_test_rng_below(&rng, w / 8);
		else
			now += jumps[weir_test_rng_below(&rng, 5)] * w +
			       weir_test_rng_below(&rng, w);
		crossed += before / wrap != now / wrap;
		bool want = sw_model_take(&m, 5, w, now, &rem);
		int rc = weir_kl_take(t, 9, &r, 1, now, &res);

		assert_int_equal(rc, want ? 1 : 0);
		assert_int_equal(res.remaining, rem);
		check_res(&res);
		admitted += want;
	}
	assert_true(crossed >= 3);    /* the window index wrapped past 2^24 */
	assert_true(admitted > 1000); /* and the sequence admitted and denied */
	assert_true(admitted < 5000);
	free(t);
}

/* 5. GCRA against lib/ratelimit's weir_rl_gcra_take(), integral T. */
static void
test_gcra_vs_lib(void **state)
{
	struct weir_test_rng rng;

	(void)state;
	weir_test_rng_init(&rng, "keylimit-gcra", 0);
	for (uint16_t round = 0; round < 40; round++) {
		struct weir_kl_table *t = mk_table(64);
		uint64_t limit = weir_test_rng_range(&rng, 1, 10);
		uint64_t tns = weir_test_rng_range(&rng, 1, 1000000);
		uint64_t burst = weir_test_rng_range(&rng, 1, 12);
		struct weir_kl_rule r = mk_rule(round, WEIR_KL_GCRA, limit, limit * tns, burst);
		struct weir_rl_gcra_params p;
		struct weir_rl_gcra g[4] = {{0, 0}};
		uint64_t now = T0;

		assert_int_equal(weir_rl_gcra_params_init(&p, limit, limit * tns, burst), 0);
		for (int i = 0; i < 500; i++) {
			unsigned int k = (unsigned int)weir_test_rng_below(&rng, 4);
			struct weir_rl_decision d;
			struct weir_kl_result res;

			now += weir_test_rng_below(&rng, 2 * tns);
			int want = weir_rl_gcra_take(&p, &g[k], now, 1, &d);
			int rc = weir_kl_take(t, (uint64_t)round << 8 | k, &r, 1, now, &res);

			assert_int_equal(rc, want == 0);
			assert_int_equal(res.allowed, d.allowed);
			assert_int_equal(res.limit, d.limit);
			assert_int_equal(res.remaining, d.remaining);
			assert_int_equal(res.reset_ns, d.reset_ns);
			assert_int_equal(res.retry_ns, d.retry_after_ns);
		}
		free(t);
	}
}

/* ---- 2. several rules ----------------------------------------------------------- */

static void
test_multi_rule(void **state)
{
	struct weir_kl_table *t = mk_table(64);
	struct weir_kl_rule rules[2] = {mk_rule(1, WEIR_KL_GCRA, 3, S, 0),
					mk_rule(2, WEIR_KL_GCRA, 5, 60 * S, 0)};
	struct weir_kl_result res[2], before[2], after[2];
	uint64_t allowed[2], limited[2];
	const uint64_t tr = 333333334; /* 1 s / 3 rounded up */

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(weir_kl_take(t, 5, rules, 2, T0, res), 1);
	assert_int_equal(res[0].remaining, 0);
	assert_int_equal(res[1].remaining, 2);
	/* Rule 1 denies; rule 2 is only read. */
	assert_int_equal(weir_kl_take(t, 5, rules, 2, T0, res), 0);
	assert_int_equal(res[0].allowed, 0);
	assert_int_equal(res[0].retry_ns, tr);
	assert_int_equal(res[0].reset_ns, 3 * tr);
	assert_int_equal(res[1].allowed, 1);
	assert_int_equal(res[1].remaining, 2);
	for (int i = 0; i < 2; i++)
		assert_int_equal(weir_kl_take(t, 5, rules, 2, T0 + S, res), 1);
	/* Rule 2 has its 5: rule 1 admits, then gives it back. */
	weir_kl_peek(t, 5, rules, 2, T0 + 2 * S, before, NULL, NULL);
	assert_int_equal(before[0].remaining, 3);
	assert_int_equal(weir_kl_take(t, 5, rules, 2, T0 + 2 * S, res), 0);
	weir_kl_peek(t, 5, rules, 2, T0 + 2 * S, after, allowed, limited);
	res_equal(&before[0], &after[0]);
	res_equal(&res[0], &after[0]);
	assert_int_equal(res[0].allowed, 1);
	assert_int_equal(res[0].remaining, 3);
	assert_int_equal(res[1].allowed, 0);
	assert_int_equal(res[1].limit, 5);
	assert_int_equal(res[1].remaining, 0);
	assert_int_equal(res[1].retry_ns, 10 * S); /* TAT = T0 + 60 s, now T0 + 2 s */
	assert_int_equal(res[1].reset_ns, 58 * S);
	check_res(&res[0]);
	check_res(&res[1]);
	/* Rule 1 can still take 3 at T0 + 2 s: the give-back was whole. */
	assert_int_equal(weir_kl_take(t, 5, &rules[0], 1, T0 + 2 * S, res), 1);
	assert_int_equal(res[0].remaining, 2);
	assert_int_equal(allowed[0], 5);
	assert_int_equal(allowed[1], 5);
	assert_int_equal(limited[0], 1);
	assert_int_equal(limited[1], 1);
	/* Sliding window give-back: the count goes back down. */
	struct weir_kl_rule sw[2] = {mk_rule(3, WEIR_KL_SLIDING_WINDOW, 10, 60 * S, 0),
				     mk_rule(4, WEIR_KL_GCRA, 1, 60 * S, 0)};

	assert_int_equal(weir_kl_take(t, 6, sw, 2, T0, res), 1);
	assert_int_equal(res[0].remaining, 9);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(weir_kl_take(t, 6, sw, 2, T0, res), 0);
		assert_int_equal(res[0].remaining, 9);
	}
	assert_int_equal(weir_kl_take(t, 6, sw, 1, T0, res), 1);
	assert_int_equal(res[0].remaining, 8);
	assert_int_equal(weir_kl_take(t, 6, sw, 0, T0, res), -EINVAL);
	free(t);
}

/* ---- 3. a full set -------------------------------------------------------------- */

static void
test_set_full(void **state)
{
	struct weir_kl_table *t = mk_table(4); /* one set: every key collides */
	struct weir_kl_rule r = mk_rule(0, WEIR_KL_GCRA, 1, 60 * S, 0);
	struct weir_kl_rule sw = mk_rule(1, WEIR_KL_SLIDING_WINDOW, 2, 60 * S, 0);
	struct weir_kl_result res;
	struct weir_kl_stats st;

	(void)state;
	for (uint64_t k = 1; k <= 4; k++)
		assert_int_equal(weir_kl_take(t, k, &r, 1, T0, &res), 1);
	assert_int_equal(weir_kl_take(t, 5, &r, 1, T0, &res), -ENOSPC);
	assert_int_equal(weir_kl_take(t, 5, &r, 1, T0 + 60 * S - 1, &res), -ENOSPC);
	/* Keys 1-3 take again at T0 + 60 s: only key 4 is rested. */
	for (uint64_t k = 1; k <= 3; k++)
		assert_int_equal(weir_kl_take(t, k, &r, 1, T0 + 60 * S, &res), 1);
	assert_int_equal(weir_kl_take(t, 5, &r, 1, T0 + 60 * S, &res), 1);
	assert_int_equal(weir_kl_peek(t, 4, &r, 1, T0 + 60 * S, &res, NULL, NULL), 0);
	for (uint64_t k = 1; k <= 3; k++) {
		assert_int_equal(weir_kl_peek(t, k, &r, 1, T0 + 60 * S, &res, NULL, NULL), 1);
		assert_int_equal(res.remaining, 0);
	}
	assert_int_equal(weir_kl_take(t, 6, &r, 1, T0 + 60 * S, &res), -ENOSPC);
	weir_kl_table_stats(t, &st);
	assert_int_equal(st.used, 4);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.full, 3);
	/* Sliding windows rest two windows after their last count. */
	for (uint64_t k = 11; k <= 14; k++)
		assert_int_equal(weir_kl_take(t, k, &sw, 1, T0 + 120 * S, &res), 1);
	/* Stored in window 18 (1080-1140 s): rested from window 20 (1200 s) on. */
	assert_int_equal(weir_kl_take(t, 15, &sw, 1, T0 + 200 * S - 1, &res), -ENOSPC);
	assert_int_equal(weir_kl_take(t, 15, &sw, 1, T0 + 200 * S, &res), 1);
	assert_int_equal(weir_kl_take(t, 16, &sw, 1, T0 + 200 * S, &res), 1);
	weir_kl_table_stats(t, &st);
	assert_int_equal(st.evictions, 7);
	free(t);
}

/* ---- 4. two threads ------------------------------------------------------------- */

/*
 * Two threads take the same keys in the same order at the same time: in
 * round r both walk keys r * keys .. (r + 1) * keys - 1 passes times, after
 * a spin barrier (else one thread would use up a key's quota before the
 * other starts). Each round starts 2 h later than the last: earlier keys
 * are rested, so a small table evicts them while the other thread inserts.
 */
struct race {
	struct weir_kl_table *t;
	const struct weir_kl_rule *rules;
	unsigned int nrules;
	uint64_t rounds, keys, passes;
	unsigned int *arrived;
	uint32_t *admitted; /* per key, this thread's */
	uint64_t total, full;
};

static void
spin_barrier(unsigned int *arrived, unsigned int target)
{
	__atomic_add_fetch(arrived, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(arrived, __ATOMIC_ACQUIRE) < target)
		sched_yield(); /* the other thread may share this CPU */
}

static void *
race_run(void *arg)
{
	struct race *r = arg;

	for (uint64_t round = 0; round < r->rounds; round++) {
		uint64_t now = T0 + round * 7200 * S;

		spin_barrier(r->arrived, 2 * (unsigned int)(round + 1));
		for (uint64_t p = 0; p < r->passes; p++)
			for (uint64_t k = round * r->keys; k < (round + 1) * r->keys; k++) {
				int rc = weir_kl_take(r->t, k * 7919 + 1, r->rules, r->nrules,
						      now++, NULL);

				if (rc == 1) {
					r->admitted[k]++;
					r->total++;
				} else if (rc == -ENOSPC) {
					r->full++;
				}
			}
	}
	return NULL;
}

/* Every key must have admitted per_key requests in all, no more, no less. */
static void
race(uint32_t entries, const struct weir_kl_rule *rules, unsigned int nrules, uint64_t rounds,
     uint64_t keys, uint64_t passes, uint64_t per_key)
{
	struct weir_kl_table *t = mk_table(entries);
	struct weir_kl_stats st;
	unsigned int arrived = 0;
	struct race a[2];
	pthread_t th[2];
	uint64_t n = rounds * keys;

	for (int i = 0; i < 2; i++) {
		a[i] = (struct race){.t = t,
				     .rules = rules,
				     .nrules = nrules,
				     .rounds = rounds,
				     .keys = keys,
				     .passes = passes,
				     .arrived = &arrived};
		a[i].admitted = calloc(n, sizeof(uint32_t));
		assert_non_null(a[i].admitted);
		assert_int_equal(pthread_create(&th[i], NULL, race_run, &a[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(a[0].full + a[1].full, 0);
	for (uint64_t k = 0; k < n; k++)
		if (a[0].admitted[k] + a[1].admitted[k] != per_key)
			fail_msg("key %llu: %u + %u admitted, %llu expected", (unsigned long long)k,
				 a[0].admitted[k], a[1].admitted[k], (unsigned long long)per_key);
	assert_int_equal(a[0].total + a[1].total, n * per_key);
	weir_kl_table_stats(t, &st);
	print_message("%llu x %llu keys x %llu passes x 2 threads: %llu/%llu admitted by thread "
		      "1, %llu CAS retries, %llu evictions\n",
		      (unsigned long long)rounds, (unsigned long long)keys,
		      (unsigned long long)passes, (unsigned long long)a[1].total,
		      (unsigned long long)(n * per_key), (unsigned long long)st.cas_retries,
		      (unsigned long long)st.evictions);
	free(a[0].admitted);
	free(a[1].admitted);
	free(t);
}

static void
test_threads_one_key(void **state)
{
	struct weir_kl_rule g = mk_rule(0, WEIR_KL_GCRA, 1000, 3600 * S, 0);
	struct weir_kl_rule sw = mk_rule(1, WEIR_KL_SLIDING_WINDOW, 1000, 3600 * S, 0);

	(void)state;
	/* One key, 200000 decisions a thread (the quota goes in the first few
	 * microseconds: little racing), then 200 keys one after the other,
	 * started together, 1000 decisions a thread each (racing throughout). */
	race(64, &g, 1, 1, 1, 200000, 1000);
	race(64, &g, 1, 200, 1, 1000, 1000);
	race(64, &sw, 1, 200, 1, 1000, 1000);
}

static void
test_threads_inserts(void **state)
{
	struct weir_kl_rule g = mk_rule(2, WEIR_KL_GCRA, 3, 3600 * S, 0);

	(void)state;
	race(4, &g, 1, 2000, 4, 5, 3);	       /* one set: 4 keys, evicted each round */
	race(1u << 18, &g, 1, 100, 100, 5, 3); /* 10000 new keys at once */
}

static void
test_threads_two_rules(void **state)
{
	struct weir_kl_rule r[2] = {mk_rule(3, WEIR_KL_GCRA, 1000, 3600 * S, 0),
				    mk_rule(4, WEIR_KL_SLIDING_WINDOW, 500, 3600 * S, 0)};
	struct weir_kl_rule many[2] = {mk_rule(5, WEIR_KL_GCRA, 5, 3600 * S, 0),
				       mk_rule(6, WEIR_KL_GCRA, 3, 3600 * S, 0)};

	(void)state;
	race(64, r, 2, 100, 1, 1000, 500);
	race(1u << 18, many, 2, 100, 50, 8, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_init),	  cmocka_unit_test(test_gcra_5_per_min),
		cmocka_unit_test(test_sw_model),	  cmocka_unit_test(test_gcra_vs_lib),
		cmocka_unit_test(test_multi_rule),	  cmocka_unit_test(test_set_full),
		cmocka_unit_test(test_threads_one_key),	  cmocka_unit_test(test_threads_inserts),
		cmocka_unit_test(test_threads_two_rules),
	};

	return weir_test_main(tests);
}
