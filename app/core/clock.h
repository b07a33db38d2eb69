/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_CLOCK_H
#define WEIR_CLOCK_H

/**
 * @file
 * The one clock of the daemon: the TSC, read once per loop iteration by a
 * worker, converted to nanoseconds, milliseconds and seconds since start,
 * to wall-clock time and to the SYN cookie counter. Conversions multiply
 * by ns per cycle as a 64.64 fixed-point number (its fraction rounded up)
 * in 128 bits: no division, no overflow for any TSC difference (a product
 * of cycles and 10^9 in 64 bits wraps after ~6 s at 3 GHz; cycles times
 * 1000 after ~71 days), and exact to the nanosecond for differences below
 * 2^64 / 10^9 cycles' worth of rounding (centuries).
 */

#include <stdint.h>

#include <rte_cycles.h>

#include "weir_tcp_splice.h"

/** Set once by weir_clock_init(), read-only after. */
struct weir_clock {
	uint64_t tsc0;	/**< TSC at start */
	uint64_t hz;	/**< TSC frequency */
	uint64_t mult;	/**< ns per cycle: integer part */
	uint64_t frac;	/**< ns per cycle: fraction, in 2^-64, rounded up */
	uint64_t real0; /**< CLOCK_REALTIME at tsc0, ns */
};

extern struct weir_clock weir_clock;

/** Anchor the clock: the TSC and the wall clock now. Call once, after EAL init. */
void weir_clock_init(void);

/** Set the clock from given values (tests and benchmarks: no EAL needed). */
void weir_clock_set(uint64_t tsc0, uint64_t hz, uint64_t real0_ns);

/**
 * A TSC difference in nanoseconds.
 *
 * @param cycles
 *   Any difference of TSC readings.
 * @return
 *   Nanoseconds (saturating at UINT64_MAX, centuries away).
 */
static inline uint64_t
weir_cycles_ns(uint64_t cycles)
{
	unsigned __int128 ns = (unsigned __int128)cycles * weir_clock.mult +
			       (((unsigned __int128)cycles * weir_clock.frac) >> 64);

	return ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
}

/** Nanoseconds since start at TSC reading tsc. */
static inline uint64_t
weir_clock_ns(uint64_t tsc)
{
	return weir_cycles_ns(tsc - weir_clock.tsc0);
}

/** Milliseconds since start at tsc. */
static inline uint64_t
weir_clock_ms(uint64_t tsc)
{
	return weir_clock_ns(tsc) / 1000000u;
}

/** Whole seconds since start at tsc: the connection tables' tick. */
static inline uint32_t
weir_clock_s(uint64_t tsc)
{
	return (uint32_t)(weir_clock_ns(tsc) / 1000000000u);
}

/** Wall-clock time (CLOCK_REALTIME) at tsc, ns: the same on every weir instance. */
static inline uint64_t
weir_clock_real_ns(uint64_t tsc)
{
	return weir_clock.real0 + weir_clock_ns(tsc);
}

/** The SYN cookie time counter at tsc (wall-clock seconds / 64). */
static inline uint32_t
weir_clock_cookie(uint64_t tsc)
{
	return weir_tcp_cookie_counter(weir_clock_real_ns(tsc));
}

/** Read the TSC. */
static inline uint64_t
weir_clock_tsc(void)
{
	return rte_get_tsc_cycles();
}

#endif /* WEIR_CLOCK_H */
