/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_TEST_H
#define WEIR_TEST_H

/**
 * @file
 * What weir's cmocka tests (tests/unit) share: one runner for tables of
 * inputs that must be refused with a given message (bad configs, bad admin
 * requests), the main() of a test program, which prints the PRNG seed when
 * a test failed, and the heap in use, for tests that check a function frees
 * what it should. The seeded PRNG is weir_test_rng.h.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "weir_test_rng.h"

/** One input that must be refused, and the whole message it must give. */
struct weir_reject_case {
	const char *input; /**< what is tried (JSON, a request line, ...) */
	const char *error; /**< the message expected, exactly */
};

/**
 * Try one input.
 *
 * @param c
 *   The case.
 * @param arg
 *   What weir_test_rejects() was given.
 * @return
 *   NULL if the input was accepted, else the error text (valid until the
 *   next call). A try that finds something else wrong (errno, say) returns
 *   a message saying so, which then differs from the one expected.
 */
typedef const char *weir_reject_try(const struct weir_reject_case *c, void *arg);

/**
 * Try every case of a table; fail, listing every case that was accepted or
 * refused with another message, if any was. An empty table, or a case
 * without an input or a message, fails too: a table that checks nothing is
 * a bug of the test.
 */
void weir_test_rejects_at(const struct weir_reject_case *cases, size_t n, weir_reject_try *try,
			  void *arg, const char *table, const char *file, int line);

#define weir_test_rejects(cases, try, arg)                                                         \
	weir_test_rejects_at((cases), sizeof(cases) / sizeof((cases)[0]), (try), (arg), #cases,    \
			     __FILE__, __LINE__)

/** One input and its message: a table of one (generated inputs). */
#define weir_test_reject_one(input_, error_, try, arg)                                             \
	do {                                                                                       \
		const struct weir_reject_case one_[] = {{.input = (input_), .error = (error_)}};   \
		weir_test_rejects_at(one_, 1, (try), (arg), #input_, __FILE__, __LINE__);          \
	} while (0)

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

/**
 * base64url without padding (RFC 4648 section 5), independent of the code
 * under test: out gets ceil(4 len / 3) characters and a NUL.
 *
 * @return
 *   The characters written (without the NUL).
 */
size_t weir_test_b64url(const void *in, size_t len, char *out);

/** One item of a RateLimit or RateLimit-Policy field: its name and q, w, r, t (-1: absent). */
struct weir_test_sf_item {
	char name[64];
	long long q, w, r, t;
};

/**
 * Read a RateLimit or RateLimit-Policy value as a Structured Field list
 * (RFC 8941) of strings with integer parameters q, w, r, t, strictly:
 * '"name";q=5;w=60, "other";...'.
 *
 * @return
 *   The items read, or -1 (malformed, an unknown parameter, more than max).
 */
int weir_test_sf_list(const char *v, struct weir_test_sf_item *it, int max);

/**
 * The value of field name in a response head (CRLF lines), into out.
 *
 * @return
 *   0, or -1 (absent, or longer than cap - 1).
 */
int weir_test_field(const char *resp, const char *name, char *out, size_t cap);

#endif /* WEIR_TEST_H */
