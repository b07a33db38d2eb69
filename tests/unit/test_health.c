/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/health's state machine on a simulated clock (a plain
 * ms count the tests advance): rise and fall, passive ejection, the
 * breaker's ejection times, back-off, decay and trials, the share cap, the
 * serving verdict of each state, parameter checks, the bookkeeping fields
 * and the names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "weir_health.h"
#include "weir_test.h"

/* rise 2, fall 3, 5 failed connections eject, 1 s doubling up to 5 s, half
 * the pool at most, 2 successes close a trial. */
static const struct weir_health_params defp = {
	.rise = 2,
	.fall = 3,
	.consecutive = 5,
	.base_ms = 1000,
	.max_ms = 5000,
	.max_pct = 50,
	.trials = 2,
};

/* ~18 KiB: static rather than on the test's stack. */
static struct weir_health_pool pool;

static struct weir_health_pool *
pool_init(const struct weir_health_params *p, uint32_t n, uint64_t now_ms)
{
	assert_int_equal(weir_health_init(&pool, p, n, now_ms), 0);
	return &pool;
}

/* `consecutive` failures in one report: the backend must be ejected. */
static void
eject(struct weir_health_pool *hp, uint32_t b, uint64_t now_ms)
{
	assert_int_equal(weir_health_passive(hp, b, 0, hp->p.consecutive, now_ms), 1);
	assert_int_equal(hp->b[b].brk, WEIR_BRK_OPEN);
	assert_int_equal(hp->b[b].why, WEIR_HW_EJECTED);
}

/* `fall` bad probes: the backend must be DOWN after the last one. */
static void
take_down(struct weir_health_pool *hp, uint32_t b, uint64_t now_ms)
{
	uint32_t i;

	for (i = 1; i < hp->p.fall; i++)
		assert_int_equal(weir_health_probe(hp, b, 0, now_ms), 0);
	assert_int_equal(weir_health_probe(hp, b, 0, now_ms), 1);
	assert_int_equal(hp->b[b].up, 0);
}

/* ------------------------------------------------------------------------ */
/* Parameters                                                                */

static void
test_init(void **state)
{
	struct weir_health_params p;
	struct weir_health_pool *hp;
	uint32_t i;

	(void)state;
	memset(&pool, 0xa5, sizeof(pool));
	hp = pool_init(&defp, 4, 12345);
	assert_int_equal(hp->n, 4);
	assert_int_equal(hp->refused_ejections, 0);
	assert_memory_equal(&hp->p, &defp, sizeof(defp));
	for (i = 0; i < 4; i++) {
		const struct weir_health_backend *be = &hp->b[i];

		assert_int_equal(be->up, 1);
		assert_int_equal(be->brk, WEIR_BRK_CLOSED);
		assert_int_equal(be->why, WEIR_HW_NONE);
		assert_int_equal(be->ok_run, 0);
		assert_int_equal(be->fail_run, 0);
		assert_int_equal(be->consec, 0);
		assert_int_equal(be->ejections, 0);
		assert_int_equal(be->ejections_total, 0);
		assert_int_equal(be->probes, 0);
		assert_int_equal(be->transitions, 0);
		assert_int_equal(be->closed_since_ms, 12345);
		assert_int_equal(be->last_change_ms, 12345);
		assert_int_equal(weir_health_serving(hp, i), 1);
	}
	/* Nothing beyond the pool serves or counts. */
	assert_int_equal(weir_health_serving(hp, 4), 0);
	assert_int_equal(weir_health_probe(hp, 4, 0, 12345), 0);
	assert_int_equal(weir_health_passive(hp, 4, 0, 100, 12345), 0);
	assert_int_equal(hp->b[4].probes, 0);

	/* The edges of every range are accepted. */
	p = defp;
	p.max_ms = p.base_ms;
	p.max_pct = 100;
	p.rise = p.fall = p.trials = p.base_ms = p.max_ms = 1;
	p.consecutive = 0;
	assert_int_equal(weir_health_init(&pool, &p, WEIR_HEALTH_MAX_BACKENDS, 0), 0);
	assert_int_equal(pool.n, WEIR_HEALTH_MAX_BACKENDS);
	assert_int_equal(weir_health_serving(&pool, WEIR_HEALTH_MAX_BACKENDS - 1), 1);
	assert_int_equal(weir_health_init(&pool, &defp, 0, 0), 0);
	assert_int_equal(weir_health_tick(&pool, 1000), 0);
}

static void
test_init_refuses(void **state)
{
	struct weir_health_params p;

	(void)state;
#define REFUSED(field, value)                                                                      \
	do {                                                                                       \
		p = defp;                                                                          \
		p.field = (value);                                                                 \
		assert_int_equal(weir_health_init(&pool, &p, 4, 0), -1);                           \
	} while (0)
	REFUSED(rise, 0);
	REFUSED(fall, 0);
	REFUSED(base_ms, 0);
	REFUSED(max_ms, defp.base_ms - 1);
	REFUSED(max_pct, 101);
	REFUSED(trials, 0);
#undef REFUSED
	assert_int_equal(weir_health_init(&pool, &defp, WEIR_HEALTH_MAX_BACKENDS + 1, 0), -1);
	assert_int_equal(weir_health_init(&pool, NULL, 4, 0), -1);
	assert_int_equal(weir_health_init(NULL, &defp, 4, 0), -1);
}

/* ------------------------------------------------------------------------ */
/* Active checks                                                             */

static void
test_rise_fall(void **state)
{
	struct weir_health_pool *hp = pool_init(&defp, 4, 0);
	struct weir_health_backend *be = &hp->b[1];

	(void)state;
	/* Two bad, a good one resets the run, then fall (3) bad: DOWN at the
	 * third, not before. */
	assert_int_equal(weir_health_probe(hp, 1, 0, 10), 0);
	assert_int_equal(weir_health_probe(hp, 1, 0, 20), 0);
	assert_int_equal(be->fail_run, 2);
	assert_int_equal(weir_health_probe(hp, 1, 1, 30), 0);
	assert_int_equal(be->fail_run, 0);
	assert_int_equal(be->ok_run, 1);
	assert_int_equal(weir_health_probe(hp, 1, 0, 40), 0);
	assert_int_equal(weir_health_probe(hp, 1, 0, 50), 0);
	assert_int_equal(be->up, 1);
	assert_int_equal(weir_health_serving(hp, 1), 1);
	assert_int_equal(be->transitions, 0);
	assert_int_equal(be->last_change_ms, 0);
	assert_int_equal(weir_health_probe(hp, 1, 0, 60), 1);
	assert_int_equal(be->up, 0);
	assert_int_equal(be->brk, WEIR_BRK_CLOSED);
	assert_int_equal(weir_health_serving(hp, 1), 0);
	assert_int_equal(be->why, WEIR_HW_PROBES_FAILED);
	assert_int_equal(be->last_change_ms, 60);
	assert_int_equal(be->transitions, 1);
	assert_int_equal(be->fail_run, 3);
	assert_int_equal(be->ok_run, 0);
	assert_int_equal(be->last_probe_ok, 0);
	assert_int_equal(be->probes, 6);

	/* More bad probes change nothing. */
	assert_int_equal(weir_health_probe(hp, 1, 0, 70), 0);
	assert_int_equal(be->transitions, 1);
	assert_int_equal(be->last_change_ms, 60);

	/* rise (2) good in a row bring it UP; a bad one between resets. */
	assert_int_equal(weir_health_probe(hp, 1, 1, 80), 0);
	assert_int_equal(be->last_probe_ok, 1);
	assert_int_equal(weir_health_probe(hp, 1, 0, 90), 0);
	assert_int_equal(be->ok_run, 0);
	assert_int_equal(weir_health_probe(hp, 1, 1, 100), 0);
	assert_int_equal(be->up, 0);
	assert_int_equal(weir_health_probe(hp, 1, 1, 110), 1);
	assert_int_equal(be->up, 1);
	assert_int_equal(weir_health_serving(hp, 1), 1);
	assert_int_equal(be->why, WEIR_HW_PROBES_OK);
	assert_int_equal(be->last_change_ms, 110);
	assert_int_equal(be->transitions, 2);
	assert_int_equal(be->ok_run, 2);
	assert_int_equal(be->probes, 11);
	assert_int_equal(weir_health_probe(hp, 1, 1, 120), 0);
	assert_int_equal(be->transitions, 2);

	/* The other backends saw nothing; probes never touch the breaker. */
	assert_int_equal(hp->b[0].probes, 0);
	assert_int_equal(hp->b[0].transitions, 0);
	assert_int_equal(hp->b[2].probes, 0);
	assert_int_equal(be->brk, WEIR_BRK_CLOSED);
	assert_int_equal(be->ejections_total, 0);
}

static void
test_fall_one(void **state)
{
	struct weir_health_params p = defp;
	struct weir_health_pool *hp;

	(void)state;
	p.rise = 1;
	p.fall = 1;
	hp = pool_init(&p, 1, 0);
	assert_int_equal(weir_health_probe(hp, 0, 0, 5), 1);
	assert_int_equal(weir_health_serving(hp, 0), 0);
	assert_int_equal(weir_health_probe(hp, 0, 1, 6), 1);
	assert_int_equal(weir_health_serving(hp, 0), 1);
	assert_int_equal(hp->b[0].transitions, 2);
}

/* ------------------------------------------------------------------------ */
/* Passive detection                                                         */

static void
test_passive_consecutive(void **state)
{
	struct weir_health_pool *hp = pool_init(&defp, 4, 0);
	struct weir_health_backend *be = &hp->b[0];

	(void)state;
	/* 4 failures, a success resets the run. */
	assert_int_equal(weir_health_passive(hp, 0, 0, 4, 100), 0);
	assert_int_equal(be->consec, 4);
	assert_int_equal(weir_health_passive(hp, 0, 1, 0, 200), 0);
	assert_int_equal(be->consec, 0);
	/* 4, then a report of successes then 4 failures: the run is 4, not 8. */
	assert_int_equal(weir_health_passive(hp, 0, 0, 4, 300), 0);
	assert_int_equal(weir_health_passive(hp, 0, 3, 4, 400), 0);
	assert_int_equal(be->consec, 4);
	assert_int_equal(be->brk, WEIR_BRK_CLOSED);
	assert_int_equal(weir_health_serving(hp, 0), 1);
	assert_int_equal(be->transitions, 0);
	/* Nothing at all: nothing changes. */
	assert_int_equal(weir_health_passive(hp, 0, 0, 0, 450), 0);
	assert_int_equal(be->consec, 4);
	/* The fifth in a row ejects, exactly. */
	assert_int_equal(weir_health_passive(hp, 0, 0, 1, 500), 1);
	assert_int_equal(be->brk, WEIR_BRK_OPEN);
	assert_int_equal(be->up, 1);
	assert_int_equal(weir_health_serving(hp, 0), 0);
	assert_int_equal(be->why, WEIR_HW_EJECTED);
	assert_int_equal(be->ejections, 1);
	assert_int_equal(be->ejections_total, 1);
	assert_int_equal(be->open_until_ms, 1500);
	assert_int_equal(be->last_change_ms, 500);
	assert_int_equal(be->transitions, 1);
	assert_int_equal(be->consec, 0);

	/* While OPEN, late outcomes are ignored. */
	assert_int_equal(weir_health_passive(hp, 0, 10, 0, 600), 0);
	assert_int_equal(weir_health_passive(hp, 0, 0, 100, 700), 0);
	assert_int_equal(be->brk, WEIR_BRK_OPEN);
	assert_int_equal(be->consec, 0);
	assert_int_equal(be->ejections_total, 1);
	assert_int_equal(be->open_until_ms, 1500);

	/* One report: successes first, then `consecutive` failures at the end. */
	assert_int_equal(weir_health_passive(hp, 1, 7, 5, 800), 1);
	assert_int_equal(hp->b[1].brk, WEIR_BRK_OPEN);
	assert_int_equal(hp->b[1].open_until_ms, 1800);
	/* One fewer does not. */
	assert_int_equal(weir_health_passive(hp, 2, 7, 4, 800), 0);
	assert_int_equal(hp->b[2].brk, WEIR_BRK_CLOSED);
	assert_int_equal(hp->refused_ejections, 0);
}

static void
test_passive_consecutive_zero(void **state)
{
	struct weir_health_params p = defp;
	struct weir_health_pool *hp;

	(void)state;
	p.consecutive = 0;
	hp = pool_init(&p, 4, 0);
	assert_int_equal(weir_health_passive(hp, 0, 0, 1000000, 10), 0);
	assert_int_equal(weir_health_passive(hp, 0, 0, UINT32_MAX, 20), 0);
	assert_int_equal(hp->b[0].brk, WEIR_BRK_CLOSED);
	assert_int_equal(weir_health_serving(hp, 0), 1);
	assert_int_equal(hp->b[0].ejections_total, 0);
	assert_int_equal(hp->b[0].transitions, 0);
	assert_int_equal(hp->refused_ejections, 0);
}

/* ------------------------------------------------------------------------ */
/* The breaker                                                               */

static void
test_ejection_backoff(void **state)
{
	struct weir_health_pool *hp = pool_init(&defp, 4, 0);
	struct weir_health_backend *be = &hp->b[0];

	(void)state;
	/* 1 s */
	eject(hp, 0, 100);
	assert_int_equal(be->open_until_ms, 1100);
	assert_int_equal(weir_health_tick(hp, 1099), 0);
	assert_int_equal(be->brk, WEIR_BRK_OPEN);
	assert_int_equal(weir_health_tick(hp, 1100), 1);
	assert_int_equal(be->brk, WEIR_BRK_HALF_OPEN);
	assert_int_equal(be->why, WEIR_HW_TRIAL);
	assert_int_equal(be->last_change_ms, 1100);
	assert_int_equal(weir_health_serving(hp, 0), 1);
	assert_int_equal(weir_health_tick(hp, 1150), 0);

	/* A failed connection on trial: 2 s. */
	assert_int_equal(weir_health_passive(hp, 0, 0, 1, 1200), 1);
	assert_int_equal(be->brk, WEIR_BRK_OPEN);
	assert_int_equal(be->why, WEIR_HW_TRIAL_FAILED);
	assert_int_equal(be->ejections, 2);
	assert_int_equal(be->ejections_total, 2);
	assert_int_equal(be->open_until_ms, 3200);
	assert_int_equal(weir_health_tick(hp, 3199), 0);
	assert_int_equal(weir_health_tick(hp, 3200), 1);

	/* A bad probe on trial: 4 s (one bad probe is not `fall`: still UP). */
	assert_int_equal(weir_health_probe(hp, 0, 0, 3300), 1);
	assert_int_equal(be->brk, WEIR_BRK_OPEN);
	assert_int_equal(be->why, WEIR_HW_TRIAL_FAILED);
	assert_int_equal(be->up, 1);
	assert_int_equal(be->ejections, 3);
	assert_int_equal(be->open_until_ms, 7300);
	assert_int_equal(weir_health_tick(hp, 7299), 0);
	assert_int_equal(weir_health_tick(hp, 7300), 1);

	/* 8 s capped at 5 s. */
	assert_int_equal(weir_health_passive(hp, 0, 0, 1, 7400), 1);
	assert_int_equal(be->ejections, 4);
	assert_int_equal(be->open_until_ms, 12400);
	assert_int_equal(weir_health_tick(hp, 12400), 1);

	/* Still 5 s; the level stops growing at the cap. */
	assert_int_equal(weir_health_passive(hp, 0, 0, 1, 12500), 1);
	assert_int_equal(be->ejections, 4);
	assert_int_equal(be->ejections_total, 5);
	assert_int_equal(be->open_until_ms, 17500);
	assert_int_equal(be->last_change_ms, 12500);
	/* 5 ejections and 4 trials. */
	assert_int_equal(be->transitions, 9);
	assert_int_equal(hp->refused_ejections, 0);
}

static void
test_half_open_trials(void **state)
{
	struct weir_health_pool *hp = pool_init(&defp, 4, 0);
	struct weir_health_backend *be = &hp->b[0];

	(void)state;
	/* Two ejected at different times: one tick turns both. */
	eject(hp, 0, 0);
	eject(hp, 1, 500);
	assert_int_equal(weir_health_tick(hp, 1000), 1);
	assert_int_equal(hp->b[1].brk, WEIR_BRK_OPEN);
	assert_int_equal(weir_health_tick(hp, 1499), 0);
	assert_int_equal(weir_health_tick(hp, 1500), 1);
	assert_int_equal(hp->b[1].brk, WEIR_BRK_HALF_OPEN);
	eject(hp, 2, 1500);
	eject(hp, 3, 1700);
	/* b0, b1 serve again: two more fit under the cap. */
	assert_int_equal(weir_health_tick(hp, 2700), 2);
	assert_int_equal(hp->b[2].why, WEIR_HW_TRIAL);
	assert_int_equal(hp->b[3].last_change_ms, 2700);

	/* b0: a good probe then a good connection close it (trials 2). */
	assert_int_equal(weir_health_probe(hp, 0, 1, 3000), 0);
	assert_int_equal(be->trial_ok, 1);
	assert_int_equal(be->brk, WEIR_BRK_HALF_OPEN);
	assert_int_equal(weir_health_passive(hp, 0, 1, 0, 3100), 1);
	assert_int_equal(be->brk, WEIR_BRK_CLOSED);
	assert_int_equal(be->why, WEIR_HW_TRIAL_OK);
	assert_int_equal(be->closed_since_ms, 3100);
	assert_int_equal(be->last_change_ms, 3100);
	assert_int_equal(be->ejections, 1);
	assert_int_equal(be->transitions, 3);
	assert_int_equal(weir_health_serving(hp, 0), 1);

	/* b1: two good connections in one report. */
	assert_int_equal(weir_health_passive(hp, 1, 2, 0, 3200), 1);
	assert_int_equal(hp->b[1].brk, WEIR_BRK_CLOSED);
	assert_int_equal(hp->b[1].why, WEIR_HW_TRIAL_OK);

	/* b2: one success then a failure in one report: OPEN again, 2 s. */
	assert_int_equal(weir_health_passive(hp, 2, 1, 1, 3300), 1);
	assert_int_equal(hp->b[2].brk, WEIR_BRK_OPEN);
	assert_int_equal(hp->b[2].why, WEIR_HW_TRIAL_FAILED);
	assert_int_equal(hp->b[2].open_until_ms, 5300);

	/* b3: successes close the trial, then `consecutive` failures at the
	 * end of the same report eject it again from CLOSED. */
	assert_int_equal(weir_health_passive(hp, 3, 2, 5, 3400), 1);
	assert_int_equal(hp->b[3].brk, WEIR_BRK_OPEN);
	assert_int_equal(hp->b[3].why, WEIR_HW_EJECTED);
	assert_int_equal(hp->b[3].ejections, 2);
	assert_int_equal(hp->b[3].open_until_ms, 5400);
	assert_int_equal(hp->b[3].transitions, 4);
	assert_int_equal(hp->refused_ejections, 0);
}

static void
test_decay(void **state)
{
	struct weir_health_pool *hp = pool_init(&defp, 4, 0);
	struct weir_health_backend *be = &hp->b[0];

	(void)state;
	/* Level 2, closed at 3000. */
	eject(hp, 0, 0);
	assert_int_equal(weir_health_tick(hp, 1000), 1);
	assert_int_equal(weir_health_passive(hp, 0, 0, 1, 1000), 1);
	assert_int_equal(be->open_until_ms, 3000);
	assert_int_equal(weir_health_tick(hp, 3000), 1);
	assert_int_equal(weir_health_passive(hp, 0, 2, 0, 3000), 1);
	assert_int_equal(be->brk, WEIR_BRK_CLOSED);
	assert_int_equal(be->ejections, 2);

	/* One level per whole second CLOSED. */
	assert_int_equal(weir_health_tick(hp, 3999), 0);
	assert_int_equal(be->ejections, 2);
	assert_int_equal(weir_health_tick(hp, 4000), 0);
	assert_int_equal(be->ejections, 1);
	assert_int_equal(weir_health_tick(hp, 4999), 0);
	assert_int_equal(be->ejections, 1);
	assert_int_equal(weir_health_tick(hp, 5000), 0);
	assert_int_equal(be->ejections, 0);
	assert_int_equal(weir_health_tick(hp, 9000), 0);
	assert_int_equal(be->ejections, 0);
	/* Back to the base time. */
	eject(hp, 0, 9000);
	assert_int_equal(be->ejections, 1);
	assert_int_equal(be->open_until_ms, 10000);
	assert_int_equal(be->transitions, 6);

	/* Without ticks, the level decays at the ejection: b1 at level 2
	 * closed at 3000, ejected 1.5 s later: level 1 + 1, 2 s. */
	hp = pool_init(&defp, 4, 0);
	eject(hp, 1, 0);
	assert_int_equal(weir_health_tick(hp, 1000), 1);
	assert_int_equal(weir_health_passive(hp, 1, 0, 1, 1000), 1);
	assert_int_equal(weir_health_tick(hp, 3000), 1);
	assert_int_equal(weir_health_passive(hp, 1, 2, 0, 3000), 1);
	assert_int_equal(hp->b[1].ejections, 2);
	eject(hp, 1, 4500);
	assert_int_equal(hp->b[1].ejections, 2);
	assert_int_equal(hp->b[1].open_until_ms, 6500);

	/* Not CLOSED, no decay: b1 OPEN long after its time keeps its level. */
	assert_int_equal(weir_health_tick(hp, 60000), 1);
	assert_int_equal(hp->b[1].ejections, 2);
	assert_int_equal(hp->b[1].brk, WEIR_BRK_HALF_OPEN);
	assert_int_equal(weir_health_tick(hp, 120000), 0);
	assert_int_equal(hp->b[1].ejections, 2);
}

/* ------------------------------------------------------------------------ */
/* The share cap                                                             */

static void
test_max_pct(void **state)
{
	struct weir_health_pool *hp = pool_init(&defp, 4, 0);

	(void)state;
	/* 4 backends, 50 %: two may be out, the third is refused. */
	eject(hp, 0, 100);
	eject(hp, 1, 100);
	assert_int_equal(weir_health_passive(hp, 2, 0, 5, 200), 0);
	assert_int_equal(hp->refused_ejections, 1);
	assert_int_equal(hp->b[2].brk, WEIR_BRK_CLOSED);
	assert_int_equal(weir_health_serving(hp, 2), 1);
	assert_int_equal(hp->b[2].consec, 0);
	assert_int_equal(hp->b[2].ejections, 0);
	assert_int_equal(hp->b[2].ejections_total, 0);
	assert_int_equal(hp->b[2].transitions, 0);
	assert_int_equal(hp->b[2].why, WEIR_HW_NONE);
	/* The next try takes a new run of `consecutive`. */
	assert_int_equal(weir_health_passive(hp, 2, 0, 4, 300), 0);
	assert_int_equal(hp->refused_ejections, 1);
	assert_int_equal(weir_health_passive(hp, 2, 0, 1, 300), 0);
	assert_int_equal(hp->refused_ejections, 2);

	/* b0, b1 on trial (serving): b2, b3 may go. */
	assert_int_equal(weir_health_tick(hp, 1100), 2);
	eject(hp, 2, 1100);
	eject(hp, 3, 1100);
	/* A failure of b0's trial would make three out: refused, b0 stays
	 * HALF_OPEN and its trial starts over. */
	assert_int_equal(weir_health_passive(hp, 0, 1, 0, 1200), 0);
	assert_int_equal(hp->b[0].trial_ok, 1);
	assert_int_equal(weir_health_passive(hp, 0, 0, 1, 1300), 0);
	assert_int_equal(hp->refused_ejections, 3);
	assert_int_equal(hp->b[0].brk, WEIR_BRK_HALF_OPEN);
	assert_int_equal(hp->b[0].trial_ok, 0);
	assert_int_equal(weir_health_serving(hp, 0), 1);
	assert_int_equal(weir_health_passive(hp, 0, 1, 0, 1400), 0);
	assert_int_equal(hp->b[0].brk, WEIR_BRK_HALF_OPEN);
	assert_int_equal(weir_health_passive(hp, 0, 1, 0, 1500), 1);
	assert_int_equal(hp->b[0].brk, WEIR_BRK_CLOSED);
}

static void
test_max_pct_down(void **state)
{
	struct weir_health_pool *hp = pool_init(&defp, 4, 0);

	(void)state;
	/* b0 DOWN counts as out: one ejection fits, the second does not. */
	take_down(hp, 0, 10);
	eject(hp, 1, 100);
	assert_int_equal(weir_health_passive(hp, 2, 0, 5, 200), 0);
	assert_int_equal(hp->refused_ejections, 1);
	assert_int_equal(weir_health_serving(hp, 2), 1);
	/* b0 itself is never refused: ejecting it takes nothing away. */
	eject(hp, 0, 300);
	assert_int_equal(hp->refused_ejections, 1);
	assert_int_equal(hp->b[0].up, 0);
	assert_int_equal(hp->b[0].ejections_total, 1);
	assert_int_equal(weir_health_serving(hp, 0), 0);
	/* Even with three of four DOWN. */
	take_down(hp, 2, 400);
	take_down(hp, 3, 400);
	assert_int_equal(weir_health_tick(hp, 1300), 2);
	eject(hp, 2, 1300);
	assert_int_equal(hp->refused_ejections, 1);
	/* b0 on trial and DOWN: its bad probes change nothing (its checks
	 * keep it out, and will bring it back). */
	assert_int_equal(hp->b[0].brk, WEIR_BRK_HALF_OPEN);
	assert_int_equal(weir_health_probe(hp, 0, 0, 1400), 0);
	assert_int_equal(hp->b[0].brk, WEIR_BRK_HALF_OPEN);
	assert_int_equal(weir_health_serving(hp, 0), 0);
	assert_int_equal(hp->refused_ejections, 1);
}

/* A backend a reload appends: UP, CLOSED, serving, counted in the cap. */
static void
test_add(void **state)
{
	struct weir_health_pool *hp = pool_init(&defp, 2, 0);

	(void)state;
	eject(hp, 0, 100);
	assert_int_equal(weir_health_add(hp, 500), 2);
	assert_int_equal(hp->n, 3);
	assert_int_equal(hp->b[2].up, 1);
	assert_int_equal(hp->b[2].brk, WEIR_BRK_CLOSED);
	assert_int_equal(hp->b[2].last_change_ms, 500);
	assert_int_equal(weir_health_serving(hp, 2), 1);
	/* One of three out: a second ejection would be two of three (> 50 %). */
	assert_int_equal(weir_health_passive(hp, 2, 0, 5, 600), 0);
	assert_int_equal(hp->refused_ejections, 1);
	hp = pool_init(&defp, WEIR_HEALTH_MAX_BACKENDS, 0);
	assert_int_equal(weir_health_add(hp, 0), -1);
	assert_int_equal(weir_health_add(NULL, 0), -1);
}

/* A backend ejected, then DOWN by its checks (dead), that passes `rise`
 * probes again: on trial at once, whatever time its ejection had left. */
static void
test_recovered_while_open(void **state)
{
	struct weir_health_pool *hp = pool_init(&defp, 4, 0);
	struct weir_health_backend *be = &hp->b[0];

	(void)state;
	eject(hp, 0, 100);
	assert_int_equal(be->open_until_ms, 1100);
	take_down(hp, 0, 200);
	assert_int_equal(weir_health_probe(hp, 0, 1, 300), 0);
	assert_int_equal(be->brk, WEIR_BRK_OPEN);
	assert_int_equal(weir_health_probe(hp, 0, 1, 400), 1);
	assert_int_equal(be->up, 1);
	assert_int_equal(be->brk, WEIR_BRK_HALF_OPEN);
	assert_int_equal(be->why, WEIR_HW_TRIAL);
	assert_int_equal(be->trial_ok, 0);
	assert_int_equal(weir_health_serving(hp, 0), 1);
	/* Then a trial as any: `trials` good probes close it. */
	assert_int_equal(weir_health_probe(hp, 0, 1, 500), 0);
	assert_int_equal(weir_health_probe(hp, 0, 1, 600), 1);
	assert_int_equal(be->brk, WEIR_BRK_CLOSED);

	/* Ejected while its probes pass: good probes do not shorten the ejection. */
	eject(hp, 1, 100);
	assert_int_equal(weir_health_probe(hp, 1, 1, 200), 0);
	assert_int_equal(weir_health_probe(hp, 1, 1, 300), 0);
	assert_int_equal(weir_health_probe(hp, 1, 1, 400), 0);
	assert_int_equal(hp->b[1].brk, WEIR_BRK_OPEN);
	assert_int_equal(weir_health_serving(hp, 1), 0);
}

static void
test_max_pct_zero(void **state)
{
	struct weir_health_params p = defp;
	struct weir_health_pool *hp;

	(void)state;
	p.max_pct = 0;
	hp = pool_init(&p, 4, 0);
	assert_int_equal(weir_health_passive(hp, 0, 0, 5, 100), 0);
	assert_int_equal(weir_health_passive(hp, 0, 0, 50, 200), 0);
	assert_int_equal(hp->refused_ejections, 2);
	assert_int_equal(hp->b[0].brk, WEIR_BRK_CLOSED);
	assert_int_equal(hp->b[0].ejections_total, 0);
	assert_int_equal(weir_health_serving(hp, 0), 1);
	/* Not even a DOWN backend. */
	take_down(hp, 1, 300);
	assert_int_equal(weir_health_passive(hp, 1, 0, 5, 400), 0);
	assert_int_equal(hp->refused_ejections, 3);
	assert_int_equal(hp->b[1].brk, WEIR_BRK_CLOSED);
	assert_int_equal(hp->b[1].ejections_total, 0);
}

static void
test_max_pct_hundred(void **state)
{
	struct weir_health_params p = defp;
	struct weir_health_pool *hp;
	uint32_t i;

	(void)state;
	p.max_pct = 100;
	hp = pool_init(&p, 4, 0);
	for (i = 0; i < 4; i++)
		eject(hp, i, 100);
	assert_int_equal(hp->refused_ejections, 0);
	/* 3 of 4 (75 %) fit under 75, not under 74. */
	p.max_pct = 75;
	hp = pool_init(&p, 4, 0);
	for (i = 0; i < 3; i++)
		eject(hp, i, 100);
	assert_int_equal(weir_health_passive(hp, 3, 0, 5, 100), 0);
	assert_int_equal(hp->refused_ejections, 1);
	p.max_pct = 74;
	hp = pool_init(&p, 4, 0);
	for (i = 0; i < 2; i++)
		eject(hp, i, 100);
	assert_int_equal(weir_health_passive(hp, 2, 0, 5, 100), 0);
	assert_int_equal(hp->refused_ejections, 1);
}

/* ------------------------------------------------------------------------ */
/* Serving, the combinations                                                 */

static void
test_serving(void **state)
{
	struct weir_health_params p = defp;
	struct weir_health_pool *hp;
	struct weir_health_backend *be;

	(void)state;
	/* No cap here: it has its own tests. */
	p.max_pct = 100;
	hp = pool_init(&p, 4, 0);
	/* UP + CLOSED */
	assert_int_equal(weir_health_serving(hp, 0), 1);
	/* DOWN + CLOSED */
	take_down(hp, 0, 10);
	assert_int_equal(hp->b[0].brk, WEIR_BRK_CLOSED);
	assert_int_equal(weir_health_serving(hp, 0), 0);
	/* UP + OPEN */
	eject(hp, 1, 20);
	assert_int_equal(hp->b[1].up, 1);
	assert_int_equal(weir_health_serving(hp, 1), 0);
	/* DOWN + OPEN: bad probes while OPEN only take it DOWN. */
	take_down(hp, 1, 30);
	assert_int_equal(hp->b[1].brk, WEIR_BRK_OPEN);
	assert_int_equal(hp->b[1].open_until_ms, 1020);
	assert_int_equal(weir_health_serving(hp, 1), 0);
	/* UP + HALF_OPEN; b3 takes fall - 1 bad probes while OPEN. */
	eject(hp, 2, 40);
	eject(hp, 3, 40);
	assert_int_equal(weir_health_probe(hp, 3, 0, 50), 0);
	assert_int_equal(weir_health_probe(hp, 3, 0, 50), 0);
	assert_int_equal(weir_health_tick(hp, 1040), 3);
	assert_int_equal(hp->b[2].brk, WEIR_BRK_HALF_OPEN);
	assert_int_equal(hp->b[2].up, 1);
	assert_int_equal(weir_health_serving(hp, 2), 1);
	/* DOWN + HALF_OPEN */
	be = &hp->b[1];
	assert_int_equal(be->brk, WEIR_BRK_HALF_OPEN);
	assert_int_equal(be->up, 0);
	assert_int_equal(weir_health_serving(hp, 1), 0);

	/* b1: the rise-th good probe is also the trials-th: UP and CLOSED in
	 * one call, two transitions, the last reason kept. */
	assert_int_equal(weir_health_probe(hp, 1, 1, 1100), 0);
	assert_int_equal(be->trial_ok, 1);
	assert_int_equal(be->transitions, 3);
	assert_int_equal(weir_health_probe(hp, 1, 1, 1200), 1);
	assert_int_equal(be->up, 1);
	assert_int_equal(be->brk, WEIR_BRK_CLOSED);
	assert_int_equal(be->why, WEIR_HW_TRIAL_OK);
	assert_int_equal(be->transitions, 5);
	assert_int_equal(be->last_change_ms, 1200);
	assert_int_equal(weir_health_serving(hp, 1), 1);

	/* b2: the first bad probe on trial re-opens it; fall of them take it
	 * DOWN. */
	assert_int_equal(weir_health_probe(hp, 2, 0, 1300), 1);
	assert_int_equal(hp->b[2].brk, WEIR_BRK_OPEN);
	assert_int_equal(hp->b[2].up, 1);
	assert_int_equal(hp->b[2].why, WEIR_HW_TRIAL_FAILED);
	assert_int_equal(weir_health_probe(hp, 2, 0, 1300), 0);
	assert_int_equal(weir_health_probe(hp, 2, 0, 1300), 1);
	assert_int_equal(hp->b[2].up, 0);
	assert_int_equal(hp->b[2].why, WEIR_HW_PROBES_FAILED);
	assert_int_equal(hp->b[2].transitions, 4);
	assert_int_equal(weir_health_serving(hp, 2), 0);

	/* b3: the fall-th bad probe on trial takes it DOWN; being DOWN, it is
	 * not ejected on top (its checks keep it out and bring it back). */
	assert_int_equal(hp->b[3].transitions, 2);
	assert_int_equal(weir_health_probe(hp, 3, 0, 1400), 1);
	assert_int_equal(hp->b[3].up, 0);
	assert_int_equal(hp->b[3].brk, WEIR_BRK_HALF_OPEN);
	assert_int_equal(hp->b[3].why, WEIR_HW_PROBES_FAILED);
	assert_int_equal(hp->b[3].transitions, 3);
	assert_int_equal(hp->b[3].last_change_ms, 1400);
	assert_int_equal(hp->b[3].probes, 3);
	assert_int_equal(weir_health_serving(hp, 3), 0);
	assert_int_equal(hp->refused_ejections, 0);
}

/* ------------------------------------------------------------------------ */
/* Names                                                                     */

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(weir_breaker_name(WEIR_BRK_CLOSED), "closed");
	assert_string_equal(weir_breaker_name(WEIR_BRK_OPEN), "open");
	assert_string_equal(weir_breaker_name(WEIR_BRK_HALF_OPEN), "half-open");
	assert_string_equal(weir_breaker_name((enum weir_breaker)3), "unknown");
	assert_string_equal(weir_breaker_name((enum weir_breaker) - 1), "unknown");

	assert_string_equal(weir_health_why_text(WEIR_HW_NONE), "none");
	assert_string_equal(weir_health_why_text(WEIR_HW_PROBES_FAILED), "probes failed");
	assert_string_equal(weir_health_why_text(WEIR_HW_PROBES_OK), "probes ok");
	assert_string_equal(weir_health_why_text(WEIR_HW_EJECTED), "connections failed");
	assert_string_equal(weir_health_why_text(WEIR_HW_TRIAL), "ejection over");
	assert_string_equal(weir_health_why_text(WEIR_HW_TRIAL_FAILED), "trial failed");
	assert_string_equal(weir_health_why_text(WEIR_HW_TRIAL_OK), "trial ok");
	assert_string_equal(weir_health_why_text((enum weir_health_why)7), "unknown");
	assert_string_equal(weir_health_why_text((enum weir_health_why) - 1), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_init_refuses),
		cmocka_unit_test(test_rise_fall),
		cmocka_unit_test(test_fall_one),
		cmocka_unit_test(test_passive_consecutive),
		cmocka_unit_test(test_passive_consecutive_zero),
		cmocka_unit_test(test_ejection_backoff),
		cmocka_unit_test(test_half_open_trials),
		cmocka_unit_test(test_decay),
		cmocka_unit_test(test_max_pct),
		cmocka_unit_test(test_max_pct_down),
		cmocka_unit_test(test_recovered_while_open),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_max_pct_zero),
		cmocka_unit_test(test_max_pct_hundred),
		cmocka_unit_test(test_serving),
		cmocka_unit_test(test_names),
	};

	return weir_test_main(tests);
}
