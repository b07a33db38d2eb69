/* SPDX-License-Identifier: BSD-3-Clause */
#include "weir_test.h"

int
weir_test_run(const char *name, const struct CMUnitTest *tests, size_t n)
{
	int failed = _cmocka_run_group_tests(name, tests, n, NULL, NULL);

	if (failed > 0)
		weir_test_seed_report();
	return failed;
}
