/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_EAL_TEST_H
#define WEIR_EAL_TEST_H

/*
 * What the tests on EAL memory (tests/ct) share: a CHECK that counts
 * failures (and gives up after 10), and an EAL start with a file prefix of
 * the test's own (NAME-PID) whose runtime directory is removed on every
 * exit, the early ones included; a failed run ends with the PRNG seed it
 * used (tests/common/weir_test_rng.h). Header-only: each test is one program.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "weir_test_rng.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			if (++failures > 10)                                                       \
				exit(1);                                                           \
		}                                                                                  \
	} while (0)

static char eal_test_rundir[128];

static int
eal_test_rm(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void
eal_test_cleanup(void)
{
	nftw(eal_test_rundir, eal_test_rm, 8, FTW_DEPTH | FTW_PHYS);
	if (failures > 0)
		weir_test_seed_report();
}

/* rte_eal_init() with --file-prefix NAME-PID added; exits 1 if it fails. */
static void
eal_test_init(int argc, char **argv, const char *name)
{
	static char prefix[64];
	char *eal_argv[64];
	int n = 0, i;

	snprintf(prefix, sizeof(prefix), "%s-%d", name, (int)getpid());
	snprintf(eal_test_rundir, sizeof(eal_test_rundir), "/var/run/dpdk/%s", prefix);
	atexit(eal_test_cleanup);
	for (i = 0; i < argc && i < 60; i++)
		eal_argv[n++] = argv[i];
	eal_argv[n++] = (char *)"--file-prefix";
	eal_argv[n++] = prefix;
	eal_argv[n] = NULL;
	if (rte_eal_init(n, eal_argv) < 0) {
		fprintf(stderr, "EAL: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
}

#endif /* WEIR_EAL_TEST_H */
