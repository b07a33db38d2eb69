/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Concurrency cap: units (connections, requests in flight) a key holds at
 * once. A release of more than is held is refused rather than clamped, so
 * an accounting bug shows up as an error count instead of as a key that
 * quietly gains headroom.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_priv.h"
#include "weir_ratelimit.h"

int
weir_rl_conc_params_init(struct weir_rl_conc_params *p, uint64_t limit)
{
	if (p == NULL || limit == 0)
		return -EINVAL;
	p->limit = limit;
	return 0;
}

int
weir_rl_conc_acquire(const struct weir_rl_conc_params *p, struct weir_rl_conc *s, uint64_t n,
		     struct weir_rl_decision *d)
{
	uint64_t room;
	int rc = 0;

	RL_DEBUG_CHECK(p != NULL && s != NULL);
	/* active may exceed a limit lowered by a reload: no room then. */
	room = s->active < p->limit ? p->limit - s->active : 0;
	if (n > p->limit)
		rc = -EINVAL;
	else if (n > room)
		rc = -EAGAIN;
	else
		s->active += n;
	if (d != NULL)
		rl_decide(d, rc == 0, p->limit, rc == 0 ? room - n : room, 0, 0);
	return rc;
}

int
weir_rl_conc_release(struct weir_rl_conc *s, uint64_t n)
{
	RL_DEBUG_CHECK(s != NULL);
	if (n > s->active)
		return -ERANGE;
	s->active -= n;
	return 0;
}
