/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_TEST_H
#define WEIR_TEST_H

/**
 * @file
 * What weir's cmocka tests (tests/unit) share: the main() of a test
 * program, which prints the PRNG seed when a test failed, and the heap in
 * use, for tests that check a function frees what it should. The seeded
 * PRNG is weir_test_rng.h.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "weir_test_rng.h"

/**
 * Run a group of cmocka tests (only those whose name matches
 * WEIR_TEST_FILTER, a cmocka pattern, if it is set); if any failed, print
 * the PRNG seed the run used (if it used one).
 *
 * @return
 *   The number of tests that failed: main()'s exit status.
 */
int weir_test_run(const char *name, const struct CMUnitTest *tests, size_t n);

#define weir_test_main(tests) weir_test_run(#tests, (tests), sizeof(tests) / sizeof((tests)[0]))

/**
 * Bytes of heap in use now (the sanitizer's count under ASan, malloc's
 * otherwise): compare before and after to check what a function frees.
 *
 * @return
 *   Bytes allocated and not freed.
 */
size_t weir_test_heap_bytes(void);

#endif /* WEIR_TEST_H */
