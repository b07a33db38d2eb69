/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Progressive bans: base, base * factor, base * factor^2, ... up to max,
 * while each violation comes less than decay after the previous ban ended;
 * a key that stayed quiet for decay starts again at base. The quiet time
 * counts from the end of the last ban, not its start, so a long ban does not
 * use up the key's probation.
 *
 * The state keeps the last ban's length rather than a level, so the next
 * one is one saturating multiplication away.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_priv.h"
#include "weir_ratelimit.h"

int
weir_rl_ban_params_init(struct weir_rl_ban_params *p, uint64_t base_ns, uint32_t factor,
			uint64_t max_ns, uint64_t decay_ns)
{
	if (p == NULL || base_ns == 0 || factor == 0 || max_ns < base_ns ||
	    max_ns > WEIR_RL_SPAN_MAX || decay_ns > WEIR_RL_SPAN_MAX)
		return -EINVAL;
	p->base_ns = base_ns;
	p->factor = factor;
	p->max_ns = max_ns;
	p->decay_ns = decay_ns;
	return 0;
}

uint64_t
weir_rl_ban_remaining(const struct weir_rl_ban *s, uint64_t now_ns)
{
	return now_ns < s->until_ns ? s->until_ns - now_ns : 0;
}

static void
ban_report(uint64_t left, struct weir_rl_decision *d)
{
	rl_decide(d, left == 0, 0, 0, left, left);
}

int
weir_rl_ban_trigger(const struct weir_rl_ban_params *p, struct weir_rl_ban *s, uint64_t now_ns,
		    struct weir_rl_decision *d)
{
	uint64_t dur;

	RL_DEBUG_CHECK(p != NULL && s != NULL && now_ns <= WEIR_RL_TIME_MAX);
	if (now_ns < s->until_ns) {
		if (d != NULL)
			ban_report(s->until_ns - now_ns, d);
		return -EALREADY;
	}
	if (s->dur_ns != 0 && now_ns - s->until_ns < p->decay_ns) {
		if (__builtin_mul_overflow(s->dur_ns, p->factor, &dur) || dur > p->max_ns)
			dur = p->max_ns;
	} else {
		dur = p->base_ns;
	}
	s->dur_ns = dur;
	s->until_ns = now_ns + dur; /* <= 2^63 + 2^62 */
	if (d != NULL)
		ban_report(dur, d);
	return 0;
}

int
weir_rl_ban_check(const struct weir_rl_ban *s, uint64_t now_ns, struct weir_rl_decision *d)
{
	uint64_t left;

	RL_DEBUG_CHECK(s != NULL);
	left = weir_rl_ban_remaining(s, now_ns);
	if (d != NULL)
		ban_report(left, d);
	return left == 0 ? 0 : -EAGAIN;
}

int
weir_rl_ban_unban(struct weir_rl_ban *s, uint64_t now_ns)
{
	RL_DEBUG_CHECK(s != NULL);
	if (now_ns >= s->until_ns)
		return -ENOENT;
	s->until_ns = now_ns;
	return 0;
}
