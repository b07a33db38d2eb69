/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "weir_test_rng.h"

/* "weirtest": every run draws the same numbers unless WEIR_TEST_SEED says otherwise. */
#define SEED_DEFAULT UINT64_C(0x7765697274657374)

static uint64_t seed;
static int seeded;

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t
weir_test_seed(void)
{
	const char *s;
	char *end;

	if (seeded)
		return seed;
	s = getenv("WEIR_TEST_SEED");
	if (s == NULL || s[0] == '\0') {
		seed = SEED_DEFAULT;
	} else if (strcmp(s, "random") == 0) {
		if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
			fprintf(stderr, "weir-test: getrandom: %s\n", strerror(errno));
			exit(99);
		}
	} else {
		errno = 0;
		seed = strtoull(s, &end, 0);
		if (errno != 0 || *end != '\0' || strchr(s, '-') != NULL) {
			fprintf(stderr,
				"weir-test: WEIR_TEST_SEED=%s: expected an unsigned number (0x for "
				"hex) or \"random\"\n",
				s);
			exit(99);
		}
	}
	seeded = 1;
	fprintf(stderr, "weir-test: seed %#llx (WEIR_TEST_SEED=%#llx repeats this run)\n",
		(unsigned long long)seed, (unsigned long long)seed);
	return seed;
}

void
weir_test_seed_report(void)
{
	if (seeded)
		fprintf(stderr,
			"weir-test: this run drew its numbers from seed %#llx: "
			"WEIR_TEST_SEED=%#llx repeats it\n",
			(unsigned long long)seed, (unsigned long long)seed);
}

void
weir_test_rng_init(struct weir_test_rng *r, const char *stream, uint64_t n)
{
	/* FNV-1a of the name, then n, mixed into the seed. */
	uint64_t h = UINT64_C(0xcbf29ce484222325), x;
	unsigned int i;

	for (; *stream != '\0'; stream++)
		h = (h ^ (uint8_t)*stream) * UINT64_C(0x100000001b3);
	x = weir_test_seed() ^ h;
	x ^= splitmix64(&n);
	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

void
weir_test_rng_fill(struct weir_test_rng *r, void *buf, size_t len)
{
	uint8_t *p = buf;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (i % 8 == 0)
			v = weir_test_rng_u64(r);
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}
