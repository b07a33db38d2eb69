/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/lb: Maglev balance, weights, minimal disruption and
 * determinism; every scheduler's choices.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weir_lb.h"
#include "weir_test.h"

#define M WEIR_MAGLEV_DEFAULT_SIZE

/* Backend i: 198.18.(2 + i / 250).(i % 250 + 1):8080. */
static uint64_t
backend_id(uint32_t i)
{
	uint8_t a[4] = {198, 18, (uint8_t)(2 + i / 250), (uint8_t)(i % 250 + 1)};

	return weir_lb_backend_id(4, a, 8080);
}

static struct weir_maglev_entry *
entries(uint32_t n, uint32_t weight)
{
	struct weir_maglev_entry *e = calloc(n, sizeof(*e));
	uint32_t i;

	assert_non_null(e);
	for (i = 0; i < n; i++) {
		e[i].id = backend_id(i);
		e[i].weight = weight;
	}
	return e;
}

static void
count_slots(const struct weir_maglev *m, uint32_t *count, uint32_t n)
{
	uint32_t s;

	memset(count, 0, n * sizeof(*count));
	for (s = 0; s < m->size; s++) {
		assert_true(m->slots[s] < n);
		count[m->slots[s]]++;
	}
}

static void
test_hash_fixed(void **state)
{
	static const uint8_t v4[4] = {198, 18, 2, 1};
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	uint64_t a, b;

	(void)state;
	/* Pinned values: instances of different versions behind one ECMP group
	 * must agree, so the hash is part of the table's definition. */
	assert_int_equal(weir_lb_hash64("", 0, 0), 0x0000000000000000ULL);
	assert_int_equal(weir_lb_hash64("weir", 4, 1), 0x2a2427b5320280a3ULL);
	a = weir_lb_backend_id(4, v4, 8080);
	b = weir_lb_backend_id(4, v4, 8081);
	assert_int_not_equal(a, b);
	assert_int_not_equal(weir_lb_backend_id(6, v6, 8080), a);
	assert_int_equal(weir_lb_backend_id(4, v4, 8080), a);
	/* Seeds give different hashes; every length path is used. */
	assert_int_not_equal(weir_lb_hash64("0123456789abcdef!", 17, 1),
			     weir_lb_hash64("0123456789abcdef!", 17, 2));
	assert_int_not_equal(weir_lb_hash64("0123456789abcdef!", 17, 1),
			     weir_lb_hash64("0123456789abcdef?", 17, 1));
	assert_int_not_equal(weir_lb_hash64("\0", 1, 0), weir_lb_hash64("\0\0", 2, 0));
}

static void
test_size_ok(void **state)
{
	(void)state;
	assert_true(weir_maglev_size_ok(3));
	assert_true(weir_maglev_size_ok(251));
	assert_true(weir_maglev_size_ok(65537));
	assert_true(weir_maglev_size_ok(WEIR_MAGLEV_MAX_SIZE));
	assert_false(weir_maglev_size_ok(0));
	assert_false(weir_maglev_size_ok(1));
	assert_false(weir_maglev_size_ok(2));
	assert_false(weir_maglev_size_ok(65536));
	assert_false(weir_maglev_size_ok(65539 * 3));
	assert_false(weir_maglev_size_ok(251 * 251));
	assert_false(weir_maglev_size_ok(16777259u + 2));
}

static void
test_build_errors(void **state)
{
	struct weir_maglev_entry e = {.id = 1, .weight = WEIR_LB_MAX_WEIGHT + 1};
	struct weir_maglev *m;
	uint32_t s;

	(void)state;
	errno = 0;
	assert_null(weir_maglev_build(65536, NULL, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(weir_maglev_build(M, &e, 1));
	assert_int_equal(errno, EINVAL);
	assert_null(weir_maglev_build(M, NULL, 3));

	/* No backend, or only drained ones: every slot says none. */
	m = weir_maglev_build(251, NULL, 0);
	assert_non_null(m);
	for (s = 0; s < 251; s++)
		assert_int_equal(m->slots[s], WEIR_LB_NONE);
	assert_int_equal(weir_maglev_lookup(m, 12345), WEIR_LB_NONE);
	weir_maglev_free(m);
	e.weight = 0;
	m = weir_maglev_build(251, &e, 1);
	assert_non_null(m);
	for (s = 0; s < 251; s++)
		assert_int_equal(m->slots[s], WEIR_LB_NONE);
	weir_maglev_free(m);
	weir_maglev_free(NULL);
}

static void
check_balance(uint32_t n, uint32_t size)
{
	struct weir_maglev_entry *e = entries(n, 1);
	struct weir_maglev *m = weir_maglev_build(size, e, n);
	uint32_t *count = calloc(n, sizeof(*count));
	uint32_t i, lo = UINT32_MAX, hi = 0;
	double mean = (double)size / n;

	assert_non_null(m);
	assert_non_null(count);
	count_slots(m, count, n);
	for (i = 0; i < n; i++) {
		lo = count[i] < lo ? count[i] : lo;
		hi = count[i] > hi ? count[i] : hi;
	}
	/* Within 1 % of the mean either way. */
	assert_true(hi <= mean * 1.01);
	assert_true(lo >= mean * 0.99);
	free(count);
	free(e);
	weir_maglev_free(m);
}

static void
test_balance(void **state)
{
	(void)state;
	check_balance(1, 251);
	check_balance(3, 65537);
	check_balance(100, 65537);
	check_balance(655, 65537);
	check_balance(1000, 100003);
}

static void
test_weights(void **state)
{
	static const uint32_t w[] = {1, 2, 3, 5, 8, 13, 21, 34, 55, 100, 100, 7};
	const uint32_t n = sizeof(w) / sizeof(w[0]);
	struct weir_maglev_entry *e = entries(n, 1);
	uint32_t count[sizeof(w) / sizeof(w[0])], i, total = 0;
	struct weir_maglev *m;

	(void)state;
	for (i = 0; i < n; i++) {
		e[i].weight = w[i];
		total += w[i];
	}
	/* M > 100 x (total / min weight): the smallest share is > 100 slots. */
	m = weir_maglev_build(1000003, e, n);
	assert_non_null(m);
	count_slots(m, count, n);
	for (i = 0; i < n; i++) {
		double want = (double)m->size * w[i] / total;

		assert_true(count[i] >= want * 0.99 && count[i] <= want * 1.01);
	}
	weir_maglev_free(m);

	/* A drained backend (weight 0) keeps no slot; the others share them. */
	e[3].weight = 0;
	m = weir_maglev_build(M, e, n);
	assert_non_null(m);
	count_slots(m, count, n);
	assert_int_equal(count[3], 0);
	weir_maglev_free(m);
	free(e);
}

/* Slots that moved although their backend is still there, over those slots. */
static double
disruption(const struct weir_maglev *a, const struct weir_maglev_entry *ea,
	   const struct weir_maglev *b, const struct weir_maglev_entry *eb, uint64_t gone)
{
	uint32_t s, kept = 0, moved = 0;

	for (s = 0; s < a->size; s++) {
		uint64_t before = ea[a->slots[s]].id;

		if (before == gone)
			continue;
		kept++;
		if (b->slots[s] == WEIR_LB_NONE || eb[b->slots[s]].id != before)
			moved++;
	}
	return (double)moved / kept;
}

static void
test_minimal_disruption(void **state)
{
	const uint32_t n = 100;
	struct weir_maglev_entry *e = entries(n, 1), *less = entries(n, 1);
	struct weir_maglev *full, *removed, *drained;
	uint32_t victim, i, j;

	(void)state;
	full = weir_maglev_build(M, e, n);
	assert_non_null(full);
	for (victim = 0; victim < n; victim += 33) {
		/* Removed from the list: later backends change index, not identity. */
		for (i = 0, j = 0; i < n; i++)
			if (i != victim)
				less[j++] = e[i];
		removed = weir_maglev_build(M, less, n - 1);
		assert_non_null(removed);
		assert_true(disruption(full, e, removed, less, e[victim].id) <= 0.02);
		weir_maglev_free(removed);

		/* Drained in place (weight 0): the same bound. */
		memcpy(less, e, n * sizeof(*e));
		less[victim].weight = 0;
		drained = weir_maglev_build(M, less, n);
		assert_non_null(drained);
		assert_true(disruption(full, e, drained, less, e[victim].id) <= 0.02);
		weir_maglev_free(drained);
	}
	weir_maglev_free(full);
	free(e);
	free(less);
}

/* Health failover: only the failed backends' slots move, evenly; all back
 * gives the home table exactly; all out gives no slot. */
static void
test_failover(void **state)
{
	const uint32_t n = 10;
	struct weir_maglev_entry *e = entries(n, 1);
	uint8_t serving[10];
	struct weir_maglev *home, *f;
	uint32_t count[10], s, i, moved = 0;

	(void)state;
	memset(serving, 1, sizeof(serving));
	home = weir_maglev_build(M, e, n);
	f = weir_maglev_build_failover(M, e, n, serving);
	assert_non_null(home);
	assert_non_null(f);
	assert_memory_equal(home->slots, f->slots, M * sizeof(uint32_t));
	weir_maglev_free(f);

	serving[3] = serving[7] = 0;
	f = weir_maglev_build_failover(M, e, n, serving);
	assert_non_null(f);
	for (s = 0; s < M; s++) {
		if (home->slots[s] == 3 || home->slots[s] == 7) {
			assert_true(f->slots[s] != 3 && f->slots[s] != 7);
			moved++;
		} else
			assert_int_equal(f->slots[s], home->slots[s]);
	}
	assert_true(moved > M / 10 * 2 * 0.98 && moved < M / 10 * 2 * 1.02);
	count_slots(f, count, n);
	assert_int_equal(count[3] + count[7], 0);
	for (i = 0; i < n; i++)
		if (i != 3 && i != 7)
			assert_true(count[i] >= M / 8 * 0.97 && count[i] <= M / 8 * 1.03);
	weir_maglev_free(f);

	/* A drained backend (weight 0) that also fails changes nothing. */
	e[5].weight = 0;
	weir_maglev_free(home);
	home = weir_maglev_build(M, e, n);
	memset(serving, 1, sizeof(serving));
	serving[5] = 0;
	f = weir_maglev_build_failover(M, e, n, serving);
	assert_memory_equal(home->slots, f->slots, M * sizeof(uint32_t));
	weir_maglev_free(f);

	memset(serving, 0, sizeof(serving));
	f = weir_maglev_build_failover(M, e, n, serving);
	for (s = 0; s < M; s++)
		assert_int_equal(f->slots[s], WEIR_LB_NONE);
	weir_maglev_free(f);
	weir_maglev_free(home);
	free(e);
}

static void
test_deterministic(void **state)
{
	const uint32_t n = 50;
	struct weir_maglev_entry *e = entries(n, 1), *rev = entries(n, 1);
	struct weir_maglev *a, *b, *c;
	uint32_t i, s;
	uint64_t fp = 0;

	(void)state;
	for (i = 0; i < n; i++) {
		e[i].weight = 1 + i % 4;
		rev[n - 1 - i] = e[i];
	}
	a = weir_maglev_build(M, e, n);
	b = weir_maglev_build(M, e, n);
	c = weir_maglev_build(M, rev, n);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_memory_equal(a->slots, b->slots, M * sizeof(a->slots[0]));
	/* Listing the backends in another order names the same backend per slot. */
	for (s = 0; s < M; s++) {
		assert_int_equal(e[a->slots[s]].id, rev[c->slots[s]].id);
		fp = fp * 31 + a->slots[s];
	}
	/* Pinned fingerprint: a change here means instances of this version and
	 * the previous one would send the same flow to different backends. */
	assert_int_equal(fp, 0xbc0f28fb1581e69aULL);
	weir_maglev_free(a);
	weir_maglev_free(b);
	weir_maglev_free(c);
	free(e);
	free(rev);
}

static void
test_lookup_spread(void **state)
{
	struct weir_maglev_entry *e = entries(4, 1);
	struct weir_maglev *m = weir_maglev_build(M, e, 4);
	uint32_t count[4] = {0}, i;
	struct weir_test_rng r;

	(void)state;
	assert_non_null(m);
	weir_test_rng_init(&r, "lookup_spread", 0);
	for (i = 0; i < 100000; i++)
		count[weir_maglev_lookup(m, weir_test_rng_u64(&r))]++;
	for (i = 0; i < 4; i++)
		assert_in_range(count[i], 24000, 26000);
	weir_maglev_free(m);
	free(e);
}

/* ---- schedulers ----------------------------------------------------------- */

static void
sched_init(struct weir_sched *s, struct weir_lb_backend *b, uint32_t n, enum weir_sched_kind k,
	   const uint32_t *weights)
{
	uint32_t i;

	memset(s, 0, sizeof(*s));
	memset(b, 0, n * sizeof(*b));
	for (i = 0; i < n; i++) {
		b[i].id = backend_id(i);
		b[i].weight = weights != NULL ? weights[i] : 1;
	}
	s->kind = k;
	s->n = n;
	s->b = b;
}

static void
test_sched_names(void **state)
{
	int k;

	(void)state;
	for (k = 0; k < WEIR_SCHED__MAX; k++)
		assert_int_equal(weir_sched_from_name(weir_sched_name(k)), k);
	assert_string_equal(weir_sched_name(WEIR_SCHED_LEAST_CONN), "least_conn");
	assert_string_equal(weir_sched_name(WEIR_SCHED__MAX), "unknown");
	assert_int_equal(weir_sched_from_name("roundrobin"), -1);
	assert_int_equal(weir_sched_from_name(""), -1);
}

static void
test_sched_none(void **state)
{
	static const uint32_t zero[3] = {0, 0, 0};
	struct weir_lb_backend b[3];
	struct weir_sched s;
	int k;

	(void)state;
	for (k = 0; k < WEIR_SCHED__MAX; k++) {
		sched_init(&s, b, 3, k, zero);
		assert_int_equal(weir_sched_pick(&s, 1, 2), WEIR_LB_NONE);
		sched_init(&s, b, 0, k, NULL);
		assert_int_equal(weir_sched_pick(&s, 1, 2), WEIR_LB_NONE);
	}
}

static void
test_sched_maglev(void **state)
{
	struct weir_maglev_entry *e = entries(3, 1);
	struct weir_maglev *m = weir_maglev_build(M, e, 3);
	struct weir_lb_backend b[3];
	struct weir_sched s;
	uint64_t h;

	(void)state;
	sched_init(&s, b, 3, WEIR_SCHED_MAGLEV, NULL);
	assert_int_equal(weir_sched_pick(&s, 7, 7), WEIR_LB_NONE); /* no table yet */
	s.table = m;
	for (h = 0; h < 1000; h++)
		assert_int_equal(weir_sched_pick(&s, h * 0x9e3779b97f4a7c15ULL, 0),
				 weir_maglev_lookup(m, h * 0x9e3779b97f4a7c15ULL));
	weir_maglev_free(m);
	free(e);
}

static void
test_sched_rr(void **state)
{
	static const uint32_t w[4] = {1, 0, 3, 1};
	static const uint32_t want[] = {0, 2, 3, 0, 2, 3, 0};
	struct weir_lb_backend b[4];
	struct weir_sched s;
	uint32_t i;

	(void)state;
	sched_init(&s, b, 4, WEIR_SCHED_RR, w);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(weir_sched_pick(&s, 0, 0), want[i]);
}

static void
test_sched_wrr(void **state)
{
	static const uint32_t w[3] = {5, 1, 1};
	static const uint32_t want[7] = {0, 0, 1, 0, 2, 0, 0}; /* a a b a c a a */
	static const uint32_t w2[4] = {3, 0, 2, 1};
	struct weir_lb_backend b[4];
	struct weir_sched s;
	uint32_t i, count[4] = {0};

	(void)state;
	sched_init(&s, b, 3, WEIR_SCHED_WRR, w);
	for (i = 0; i < 14; i++)
		assert_int_equal(weir_sched_pick(&s, 0, 0), want[i % 7]);
	sched_init(&s, b, 4, WEIR_SCHED_WRR, w2);
	for (i = 0; i < 600; i++)
		count[weir_sched_pick(&s, 0, 0)]++;
	assert_int_equal(count[0], 300);
	assert_int_equal(count[1], 0);
	assert_int_equal(count[2], 200);
	assert_int_equal(count[3], 100);
}

static void
test_sched_least_conn(void **state)
{
	static const uint32_t w[3] = {1, 2, 1};
	struct weir_lb_backend b[3];
	struct weir_sched s;
	uint32_t i, pick;

	(void)state;
	sched_init(&s, b, 3, WEIR_SCHED_LEAST_CONN, w);
	/* Open 400 connections, never closing: shares follow the weights. */
	for (i = 0; i < 400; i++) {
		pick = weir_sched_pick(&s, 0, 0);
		assert_true(pick < 3);
		weir_sched_conn_open(&s, pick);
	}
	assert_int_equal(b[0].active, 100);
	assert_int_equal(b[1].active, 200);
	assert_int_equal(b[2].active, 100);
	/* Backend 2 loses 10: the next 10 go there. */
	for (i = 0; i < 10; i++)
		weir_sched_conn_close(&s, 2);
	for (i = 0; i < 10; i++) {
		pick = weir_sched_pick(&s, 0, 0);
		assert_int_equal(pick, 2);
		weir_sched_conn_open(&s, pick);
	}
	/* Close never underflows; out-of-range indexes are ignored. */
	sched_init(&s, b, 3, WEIR_SCHED_LEAST_CONN, w);
	weir_sched_conn_close(&s, 0);
	assert_int_equal(b[0].active, 0);
	weir_sched_conn_open(&s, 7);
	weir_sched_conn_close(&s, WEIR_LB_NONE);
}

static void
test_sched_source_hash(void **state)
{
	static const uint32_t w[5] = {1, 1, 2, 1, 1};
	struct weir_lb_backend b[5];
	struct weir_sched s;
	uint32_t first[3000], count[5] = {0}, i, moved = 0, kept = 0;

	(void)state;
	sched_init(&s, b, 5, WEIR_SCHED_SOURCE_HASH, w);
	for (i = 0; i < 3000; i++) {
		uint64_t src = (uint64_t)i * 0x9e3779b97f4a7c15ULL;

		first[i] = weir_sched_pick(&s, 0, src);
		assert_int_equal(weir_sched_pick(&s, 99, src), first[i]); /* sticky */
		count[first[i]]++;
	}
	/* Weight 2 draws about twice the sources of weight 1 (1/3 vs 1/6). */
	assert_in_range(count[2], 850, 1150);
	for (i = 0; i < 5; i++)
		if (i != 2)
			assert_in_range(count[i], 400, 600);
	/* Drain backend 1: only its sources move. */
	b[1].weight = 0;
	for (i = 0; i < 3000; i++) {
		uint32_t now = weir_sched_pick(&s, 0, (uint64_t)i * 0x9e3779b97f4a7c15ULL);

		assert_int_not_equal(now, 1);
		if (first[i] != 1) {
			kept++;
			moved += now != first[i];
		}
	}
	assert_int_equal(moved, 0);
	assert_true(kept > 2000);
}

static void
test_sched_least_rtt(void **state)
{
	struct weir_lb_backend b[3];
	struct weir_sched s;

	(void)state;
	sched_init(&s, b, 3, WEIR_SCHED_LEAST_RTT, NULL);
	weir_sched_observe(&s, 0, 1, 800000);
	weir_sched_observe(&s, 1, 1, 200000);
	/* Backend 2 has no sample yet: it is tried first. */
	assert_int_equal(weir_sched_pick(&s, 0, 0), 2);
	weir_sched_observe(&s, 2, 1, 400000);
	assert_int_equal(weir_sched_pick(&s, 0, 0), 1);
	/* EWMA with gain 1/8: 200000 + (1000000 - 200000) / 8 = 300000. */
	weir_sched_observe(&s, 1, 1, 1000000);
	assert_int_equal(b[1].rtt_ewma_ns, 300000);
	weir_sched_observe(&s, 1, 1, 1000000);
	weir_sched_observe(&s, 1, 1, 1000000);
	/* 300000 -> 387500 -> 464062: now above backend 2's 400000. */
	assert_int_equal(b[1].rtt_ewma_ns, 464062);
	assert_int_equal(weir_sched_pick(&s, 0, 0), 2);
	/* Falling RTT moves down by 1/8 of the gap. */
	weir_sched_observe(&s, 0, 1, 0);
	assert_int_equal(b[0].rtt_ewma_ns, 700000);
	/* A drained backend is never picked however fast. */
	b[2].weight = 0;
	assert_int_equal(weir_sched_pick(&s, 0, 0), 1);
}

static void
test_sched_adaptive(void **state)
{
	struct weir_lb_backend b[3];
	struct weir_sched s;
	uint32_t i;

	(void)state;
	sched_init(&s, b, 3, WEIR_SCHED_ADAPTIVE, NULL);
	for (i = 0; i < 3; i++)
		weir_sched_observe(&s, i, 1, 1000000);
	/* Equal scores: they take turns. */
	assert_int_equal(weir_sched_pick(&s, 0, 0), 0);
	assert_int_equal(weir_sched_pick(&s, 0, 0), 1);
	assert_int_equal(weir_sched_pick(&s, 0, 0), 2);
	/* Failures on 0 and load on 1 send new flows to 2. */
	for (i = 0; i < 8; i++)
		weir_sched_observe(&s, 0, 0, 0);
	assert_true(b[0].fail_ewma > WEIR_LB_FAIL_ONE / 2);
	for (i = 0; i < 3; i++)
		weir_sched_conn_open(&s, 1);
	for (i = 0; i < 5; i++)
		assert_int_equal(weir_sched_pick(&s, 0, 0), 2);
	/* Backend 0 now scores (0+1) x 1 ms x (1 + 4 x 0.66) = 3.6 ms; backend 2
	 * with 2 connections scores 3 ms and still wins, with 3 it scores 4 ms
	 * and loses. */
	weir_sched_conn_open(&s, 2);
	weir_sched_conn_open(&s, 2);
	assert_int_equal(weir_sched_pick(&s, 0, 0), 2);
	weir_sched_conn_open(&s, 2);
	assert_int_equal(weir_sched_pick(&s, 0, 0), 0);
	/* Successes decay the failure rate by 1/8 each. */
	i = b[0].fail_ewma;
	weir_sched_observe(&s, 0, 1, 1000000);
	assert_int_equal(b[0].fail_ewma, i - i / 8);
	/* Weight divides the score: with 2 connections a weight-4 backend
	 * ((2+1) / 4) still beats an idle weight-1 one ((0+1) / 1). */
	sched_init(&s, b, 2, WEIR_SCHED_ADAPTIVE, (const uint32_t[]){1, 4});
	for (i = 0; i < 2; i++)
		weir_sched_conn_open(&s, 1);
	assert_int_equal(weir_sched_pick(&s, 0, 0), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_fixed),	 cmocka_unit_test(test_size_ok),
		cmocka_unit_test(test_build_errors),	 cmocka_unit_test(test_balance),
		cmocka_unit_test(test_weights),		 cmocka_unit_test(test_minimal_disruption),
		cmocka_unit_test(test_failover),	 cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_lookup_spread),	 cmocka_unit_test(test_sched_names),
		cmocka_unit_test(test_sched_none),	 cmocka_unit_test(test_sched_maglev),
		cmocka_unit_test(test_sched_rr),	 cmocka_unit_test(test_sched_wrr),
		cmocka_unit_test(test_sched_least_conn), cmocka_unit_test(test_sched_source_hash),
		cmocka_unit_test(test_sched_least_rtt),	 cmocka_unit_test(test_sched_adaptive),
	};

	return weir_test_main(tests);
}
