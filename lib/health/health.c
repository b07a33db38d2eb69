/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A pool's backend health: the active verdict (rise/fall), passive
 * detection and the circuit breaker with its share cap. The model is
 * described in weir_health.h. Every change goes through set_up() or
 * set_brk(), which keep why, transitions and last_change_ms; ejections go
 * through eject(), the only place the share cap is applied.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "weir_health.h"

static uint32_t
sat_add(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

static int
backend_serving(const struct weir_health_backend *be)
{
	return be->up && be->brk != WEIR_BRK_OPEN;
}

static void
set_up(struct weir_health_backend *be, uint8_t up, enum weir_health_why why, uint64_t now_ms)
{
	be->up = up;
	be->why = (uint8_t)why;
	be->transitions++;
	be->last_change_ms = now_ms;
}

static void
set_brk(struct weir_health_backend *be, enum weir_breaker brk, enum weir_health_why why,
	uint64_t now_ms)
{
	be->brk = (uint8_t)brk;
	be->why = (uint8_t)why;
	be->transitions++;
	be->last_change_ms = now_ms;
	be->consec = 0;
	be->trial_ok = 0;
	if (brk == WEIR_BRK_CLOSED)
		be->closed_since_ms = now_ms;
}

/*
 * One level off for each whole base_ms spent CLOSED; the part of a period
 * already spent is kept (closed_since_ms moves by whole periods only), so
 * decaying lazily at an ejection or at every tick gives the same levels.
 */
static void
decay(const struct weir_health_params *p, struct weir_health_backend *be, uint64_t now_ms)
{
	uint64_t periods;

	if (be->brk != WEIR_BRK_CLOSED || be->ejections == 0 || now_ms <= be->closed_since_ms)
		return;
	periods = (now_ms - be->closed_since_ms) / p->base_ms;
	if (periods > be->ejections)
		periods = be->ejections;
	be->ejections -= (uint32_t)periods;
	be->closed_since_ms += periods * p->base_ms;
}

/* base_ms * 2^(level-1), at most max_ms. */
static uint64_t
ejection_ms(const struct weir_health_params *p, uint32_t level)
{
	uint64_t ms = p->base_ms;
	uint32_t i;

	for (i = 1; i < level && ms < p->max_ms; i++)
		ms <<= 1;
	return ms < p->max_ms ? ms : p->max_ms;
}

/*
 * Would ejecting backend b leave more than max_pct percent of the pool not
 * serving? A backend that serves nothing already (DOWN) changes nothing by
 * being ejected, so it is never refused, unless max_pct is 0 (no ejection).
 */
static int
cap_refuses(const struct weir_health_pool *hp, uint32_t b)
{
	uint64_t out = 1;
	uint32_t i;

	if (hp->p.max_pct == 0)
		return 1;
	if (!backend_serving(&hp->b[b]))
		return 0;
	for (i = 0; i < hp->n; i++)
		if (i != b && !backend_serving(&hp->b[i]))
			out++;
	return out * 100 > (uint64_t)hp->p.max_pct * hp->n;
}

/* CLOSED or HALF_OPEN -> OPEN for the next level's time, if the cap lets it. */
static int
eject(struct weir_health_pool *hp, uint32_t b, enum weir_health_why why, uint64_t now_ms)
{
	struct weir_health_backend *be = &hp->b[b];

	if (cap_refuses(hp, b)) {
		/* Stays as it is; the next try needs a new run of failures. */
		hp->refused_ejections++;
		be->consec = 0;
		be->trial_ok = 0;
		return 0;
	}
	decay(&hp->p, be, now_ms);
	/* Once the time is max_ms a higher level would only decay longer
	 * (Envoy stops its backoff there too). */
	if (be->ejections == 0 || ejection_ms(&hp->p, be->ejections) < hp->p.max_ms)
		be->ejections++;
	be->ejections_total++;
	be->open_until_ms = now_ms + ejection_ms(&hp->p, be->ejections);
	set_brk(be, WEIR_BRK_OPEN, why, now_ms);
	return 1;
}

/* A success (good probe or connection) while HALF_OPEN. */
static int
trial_success(struct weir_health_pool *hp, struct weir_health_backend *be, uint32_t n,
	      uint64_t now_ms)
{
	be->trial_ok = sat_add(be->trial_ok, n);
	if (be->trial_ok < hp->p.trials)
		return 0;
	set_brk(be, WEIR_BRK_CLOSED, WEIR_HW_TRIAL_OK, now_ms);
	return 1;
}

static void
backend_init(struct weir_health_backend *be, uint64_t now_ms)
{
	memset(be, 0, sizeof(*be));
	be->up = 1;
	be->brk = WEIR_BRK_CLOSED;
	be->why = WEIR_HW_NONE;
	be->closed_since_ms = now_ms;
	be->last_change_ms = now_ms;
}

int
weir_health_add(struct weir_health_pool *hp, uint64_t now_ms)
{
	if (hp == NULL || hp->n >= WEIR_HEALTH_MAX_BACKENDS)
		return -1;
	backend_init(&hp->b[hp->n], now_ms);
	return (int)hp->n++;
}

int
weir_health_init(struct weir_health_pool *hp, const struct weir_health_params *p, uint32_t n,
		 uint64_t now_ms)
{
	uint32_t i;

	if (hp == NULL || p == NULL || p->rise == 0 || p->fall == 0 || p->base_ms == 0 ||
	    p->max_ms < p->base_ms || p->max_pct > 100 || p->trials == 0 ||
	    n > WEIR_HEALTH_MAX_BACKENDS)
		return -1;
	memset(hp, 0, sizeof(*hp));
	hp->p = *p;
	hp->n = n;
	for (i = 0; i < n; i++)
		backend_init(&hp->b[i], now_ms);
	return 0;
}

int
weir_health_probe(struct weir_health_pool *hp, uint32_t b, int ok, uint64_t now_ms)
{
	struct weir_health_backend *be;
	int changed = 0;

	if (hp == NULL || b >= hp->n)
		return 0;
	be = &hp->b[b];
	be->probes++;
	be->last_probe_ok = ok != 0;
	if (ok) {
		be->ok_run = sat_add(be->ok_run, 1);
		be->fail_run = 0;
		int was_open = be->brk == WEIR_BRK_OPEN;

		if (!be->up && be->ok_run >= hp->p.rise) {
			set_up(be, 1, WEIR_HW_PROBES_OK, now_ms);
			changed = 1;
			/* Recovered by its checks: the trial starts now, not when
			 * an ejection that began while it was dead ends. */
			if (was_open)
				set_brk(be, WEIR_BRK_HALF_OPEN, WEIR_HW_TRIAL, now_ms);
		}
		if (!was_open && be->brk == WEIR_BRK_HALF_OPEN)
			changed |= trial_success(hp, be, 1, now_ms);
	} else {
		be->fail_run = sat_add(be->fail_run, 1);
		be->ok_run = 0;
		if (be->up && be->fail_run >= hp->p.fall) {
			set_up(be, 0, WEIR_HW_PROBES_FAILED, now_ms);
			changed = 1;
		}
		/* A DOWN backend's failed probes do not lengthen its ejection:
		 * its checks keep it out already, and bring it back. */
		if (be->brk == WEIR_BRK_HALF_OPEN && be->up)
			changed |= eject(hp, b, WEIR_HW_TRIAL_FAILED, now_ms);
	}
	return changed;
}

int
weir_health_passive(struct weir_health_pool *hp, uint32_t b, uint32_t ok, uint32_t fail,
		    uint64_t now_ms)
{
	struct weir_health_backend *be;
	int changed = 0;

	if (hp == NULL || b >= hp->n)
		return 0;
	be = &hp->b[b];
	/* Outcomes of connections opened before the ejection say nothing new. */
	if (be->brk == WEIR_BRK_OPEN)
		return 0;
	if (ok > 0) {
		be->consec = 0;
		if (be->brk == WEIR_BRK_HALF_OPEN)
			changed = trial_success(hp, be, ok, now_ms);
	}
	if (fail == 0)
		return changed;
	if (be->brk == WEIR_BRK_HALF_OPEN)
		return changed | eject(hp, b, WEIR_HW_TRIAL_FAILED, now_ms);
	if (hp->p.consecutive == 0)
		return changed;
	be->consec = sat_add(be->consec, fail);
	if (be->consec >= hp->p.consecutive)
		changed |= eject(hp, b, WEIR_HW_EJECTED, now_ms);
	return changed;
}

uint32_t
weir_health_tick(struct weir_health_pool *hp, uint64_t now_ms)
{
	uint32_t i, changed = 0;

	if (hp == NULL)
		return 0;
	for (i = 0; i < hp->n; i++) {
		struct weir_health_backend *be = &hp->b[i];

		if (be->brk == WEIR_BRK_OPEN && now_ms >= be->open_until_ms) {
			set_brk(be, WEIR_BRK_HALF_OPEN, WEIR_HW_TRIAL, now_ms);
			changed++;
		} else {
			decay(&hp->p, be, now_ms);
		}
	}
	return changed;
}

int
weir_health_serving(const struct weir_health_pool *hp, uint32_t b)
{
	if (hp == NULL || b >= hp->n)
		return 0;
	return backend_serving(&hp->b[b]);
}

static const char *const breaker_names[] = {
	[WEIR_BRK_CLOSED] = "closed",
	[WEIR_BRK_OPEN] = "open",
	[WEIR_BRK_HALF_OPEN] = "half-open",
};

const char *
weir_breaker_name(enum weir_breaker s)
{
	if ((unsigned int)s >= sizeof(breaker_names) / sizeof(breaker_names[0]))
		return "unknown";
	return breaker_names[s];
}

static const char *const why_texts[] = {
	[WEIR_HW_NONE] = "none",	   [WEIR_HW_PROBES_FAILED] = "probes failed",
	[WEIR_HW_PROBES_OK] = "probes ok", [WEIR_HW_EJECTED] = "connections failed",
	[WEIR_HW_TRIAL] = "ejection over", [WEIR_HW_TRIAL_FAILED] = "trial failed",
	[WEIR_HW_TRIAL_OK] = "trial ok",
};

const char *
weir_health_why_text(enum weir_health_why w)
{
	if ((unsigned int)w >= sizeof(why_texts) / sizeof(why_texts[0]))
		return "unknown";
	return why_texts[w];
}
