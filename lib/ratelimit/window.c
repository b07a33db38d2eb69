/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two-counter sliding window (the approximation Cloudflare describes in
 * "Counting things, a lot of different things...", 2017):
 * counts of the current fixed window and of the one before, the latter
 * weighted by the share of it still inside the sliding window.
 *
 * With W the window, e the time into the current window, K = limit + 1 -
 * curr - n, the rule estimate + n - 1 < limit reads prev * (W - e) / W < K,
 * tested as prev * (W - e) < K * W in 128 bits: a multiplication, no
 * division, no rounding. Reporting rounds the weighted term down, which
 * gives the same answers (the other terms are integers).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_priv.h"
#include "weir_ratelimit.h"

int
weir_rl_sw_params_init(struct weir_rl_sw_params *p, uint64_t limit, uint64_t window_ns,
		       uint32_t flags)
{
	if (p == NULL || limit == 0 || limit > UINT32_MAX || window_ns == 0 ||
	    window_ns > WEIR_RL_SPAN_MAX || (flags & ~WEIR_RL_SW_COUNT_DENIED) != 0)
		return -EINVAL;
	p->limit = limit;
	p->window_ns = window_ns;
	p->flags = flags;
	return 0;
}

/* The largest m with prev * m < k * w (prev, k >= 1), or w if that is larger. */
static uint64_t
below(uint64_t prev, uint64_t k, uint64_t w)
{
	rl_u128 kw = (rl_u128)k * w, m = (kw + prev - 1) / prev - 1;

	return m < w ? (uint64_t)m : w;
}

/* The earliest wait after which n requests pass, the key sending nothing meanwhile. */
static uint64_t
sw_retry_after(const struct weir_rl_sw_params *p, const struct weir_rl_sw *s, uint64_t left,
	       uint64_t n)
{
	uint64_t w = p->window_ns, m;

	if ((uint64_t)s->curr + n <= p->limit) {
		/* The previous window's weight is what denies (so prev > 0): wait
		 * until prev * (left - wait) < K * W, inside this window. */
		m = below(s->prev, p->limit + 1 - n - s->curr, w);
		return left - m;
	}
	/* This window alone is full (curr >= 1): at e' into the next one, curr is
	 * the previous count, weighted by (W - e') / W. */
	m = below(s->curr, p->limit + 1 - n, w);
	return left + (m >= w ? 0 : w - m);
}

static void
sw_report(const struct weir_rl_sw_params *p, const struct weir_rl_sw *s, uint64_t left,
	  bool allowed, uint64_t retry_after_ns, struct weir_rl_decision *d)
{
	uint64_t w = p->window_ns;
	uint64_t weighted = (uint64_t)((rl_u128)s->prev * left / w);
	uint64_t used = weighted + s->curr, reset = 0;

	if (s->curr != 0)
		reset = left + w;
	else if (s->prev != 0)
		reset = left;
	rl_decide(d, allowed, p->limit, used < p->limit ? p->limit - used : 0, reset,
		  retry_after_ns);
}

int
weir_rl_sw_take(const struct weir_rl_sw_params *p, struct weir_rl_sw *s, uint64_t now_ns,
		uint64_t n, struct weir_rl_decision *d)
{
	uint64_t w, idx, left;

	RL_DEBUG_CHECK(p != NULL && s != NULL && now_ns <= WEIR_RL_TIME_MAX);
	w = p->window_ns;
	idx = now_ns / w;
	left = w - now_ns % w;
	if (idx > s->window) {
		s->prev = idx == s->window + 1 ? s->curr : 0;
		s->curr = 0;
		s->window = idx;
	} else if (idx < s->window) {
		/* The clock stepped back a window: judge at the start of the stored
		 * one, where the previous window weighs most. */
		left = w;
	}
	if (n > p->limit) {
		if (d != NULL)
			sw_report(p, s, left, false, UINT64_MAX, d);
		return -EINVAL;
	}
	if (n == 0 || ((uint64_t)s->curr + n <= p->limit &&
		       (rl_u128)s->prev * left < (rl_u128)(p->limit + 1 - n - s->curr) * w)) {
		s->curr += (uint32_t)n; /* curr + n <= limit <= UINT32_MAX */
		if (d != NULL)
			sw_report(p, s, left, true, 0, d);
		return 0;
	}
	if (p->flags & WEIR_RL_SW_COUNT_DENIED)
		s->curr = (uint64_t)s->curr + n < UINT32_MAX ? s->curr + (uint32_t)n : UINT32_MAX;
	if (d != NULL)
		sw_report(p, s, left, false, sw_retry_after(p, s, left, n), d);
	return -EAGAIN;
}
