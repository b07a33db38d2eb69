/* SPDX-License-Identifier: BSD-3-Clause */
#include <malloc.h>
#include <stdlib.h>

#include "weir_test.h"

int
weir_test_run(const char *name, const struct CMUnitTest *tests, size_t n)
{
	const char *only = getenv("WEIR_TEST_FILTER");
	int failed;

	/* cmocka's pattern: test names, * and ? as in a shell. */
	if (only != NULL && only[0] != '\0')
		cmocka_set_test_filter(only);
	failed = _cmocka_run_group_tests(name, tests, n, NULL, NULL);

	if (failed > 0)
		weir_test_seed_report();
	return failed;
}

#if defined(__SANITIZE_ADDRESS__)
/* libasan's; GCC 12 ships no header for it. */
size_t __sanitizer_get_current_allocated_bytes(void);

size_t
weir_test_heap_bytes(void)
{
	return __sanitizer_get_current_allocated_bytes();
}
#else
size_t
weir_test_heap_bytes(void)
{
	return mallinfo2().uordblks;
}
#endif
