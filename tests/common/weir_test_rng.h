/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_TEST_RNG_H
#define WEIR_TEST_RNG_H

/**
 * @file
 * The one pseudo-random generator of weir's C tests (tests/unit, tests/ct):
 * xoshiro256** (Blackman and Vigna), its state drawn by splitmix64 from the
 * run's seed and the name of a stream.
 *
 * The run's seed is WEIR_TEST_SEED from the environment (decimal, or hex
 * with 0x; "random" draws one), else a fixed default, so that every run
 * sees the same numbers unless asked otherwise. It is printed on stderr the
 * first time a test asks for it, and again by weir_test_run() when a test
 * failed: WEIR_TEST_SEED=<that value> repeats the run. Each test draws from
 * its own named stream, so adding or reordering tests changes no other
 * test's numbers.
 */

#include <stddef.h>
#include <stdint.h>

/** The generator's state: one per stream. */
struct weir_test_rng {
	uint64_t s[4];
};

/**
 * The run's seed: WEIR_TEST_SEED, or the default. Printed on stderr at the
 * first call; exits 99 (a hard error for meson) if WEIR_TEST_SEED is not a
 * number.
 *
 * @return
 *   The seed.
 */
uint64_t weir_test_seed(void);

/**
 * Print the seed again (stderr), with how to repeat the run, if a test
 * drew any number; nothing otherwise. For the end of a failed run.
 */
void weir_test_seed_report(void);

/**
 * Start a stream: its state depends on the run's seed, the name and n only.
 *
 * @param r
 *   The state to fill.
 * @param stream
 *   A name, usually the test's.
 * @param n
 *   A sub-stream number (a helper called with several parameter sets), or 0.
 */
void weir_test_rng_init(struct weir_test_rng *r, const char *stream, uint64_t n);

static inline uint64_t
weir_test_rotl_(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/**
 * The next 64 random bits.
 *
 * @param r
 *   A stream.
 * @return
 *   Uniform over [0, 2^64).
 */
static inline uint64_t
weir_test_rng_u64(struct weir_test_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = weir_test_rotl_(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = weir_test_rotl_(s[3], 45);
	return out;
}

/**
 * A number below n (Lemire's multiply-shift: no modulo bias worth the name).
 *
 * @param r
 *   A stream.
 * @param n
 *   The bound, > 0.
 * @return
 *   Uniform over [0, n).
 */
static inline uint64_t
weir_test_rng_below(struct weir_test_rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)weir_test_rng_u64(r) * n) >> 64);
}

/**
 * A number in [lo, hi].
 *
 * @param r
 *   A stream.
 * @param lo
 *   Lowest value.
 * @param hi
 *   Highest value, >= lo.
 * @return
 *   Uniform over [lo, hi].
 */
static inline uint64_t
weir_test_rng_range(struct weir_test_rng *r, uint64_t lo, uint64_t hi)
{
	if (hi - lo == UINT64_MAX)
		return weir_test_rng_u64(r);
	return lo + weir_test_rng_below(r, hi - lo + 1);
}

/**
 * A real number in [0, 1), 53 bits.
 *
 * @param r
 *   A stream.
 * @return
 *   Uniform over [0, 1).
 */
static inline double
weir_test_rng_unit(struct weir_test_rng *r)
{
	return (double)(weir_test_rng_u64(r) >> 11) / 9007199254740992.0;
}

/**
 * Fill a buffer with random bytes.
 *
 * @param r
 *   A stream.
 * @param buf
 *   Where.
 * @param len
 *   How many bytes.
 */
void weir_test_rng_fill(struct weir_test_rng *r, void *buf, size_t len);

#endif /* WEIR_TEST_RNG_H */
