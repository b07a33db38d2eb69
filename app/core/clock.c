/* SPDX-License-Identifier: BSD-3-Clause */
#include <time.h>

#include "core/clock.h"

struct weir_clock weir_clock = {.hz = 1, .mult = 1000000000u};

void
weir_clock_set(uint64_t tsc0, uint64_t hz, uint64_t real0_ns)
{
	unsigned __int128 rem;

	weir_clock.tsc0 = tsc0;
	weir_clock.hz = hz != 0 ? hz : 1;
	weir_clock.mult = 1000000000u / weir_clock.hz;
	rem = (unsigned __int128)(1000000000u % weir_clock.hz) << 64;
	weir_clock.frac = (uint64_t)((rem + weir_clock.hz - 1) / weir_clock.hz);
	weir_clock.real0 = real0_ns;
}

void
weir_clock_init(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	weir_clock_set(rte_get_tsc_cycles(), rte_get_tsc_hz(),
		       (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}
