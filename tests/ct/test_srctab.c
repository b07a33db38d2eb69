/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The source table's eviction policy (app/srctab.c), on EAL memory: a table
 * of one set of 8. A new source takes a free entry, else a rested one (its
 * bucket full again), else nothing: a source that is still paying for its
 * traffic is never forgotten early, and nobody gets a fresh bucket by
 * pushing it out.
 *
 * Usage: test_srctab [EAL args]   (it adds --file-prefix weir-test-src-PID
 * and removes that runtime directory on exit)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "eal_test.h"
#include "srctab.h"

static struct weir_src_key
key(uint8_t n)
{
	struct weir_src_key k;

	memset(&k, 0, sizeof(k));
	k.family = 4;
	k.addr[0] = 198;
	k.addr[1] = 18;
	k.addr[3] = n;
	return k;
}

int
main(int argc, char **argv)
{
	struct weir_src_state *st[9], *again;
	struct weir_srctab *t;
	struct weir_src_key k;
	int i;

	eal_test_init(argc, argv, "weir-test-src");
	t = weir_srct_create("test_src", 8, (int)rte_socket_id());
	CHECK(t != NULL, "create: %s", rte_strerror(rte_errno));
	if (t == NULL)
		return 1;

	/* Eight sources, each busy until t = 1000 + i. */
	for (i = 0; i < 8; i++) {
		k = key((uint8_t)i);
		st[i] = weir_srct_get(t, &k, 100);
		CHECK(st[i] != NULL, "source %d refused with free entries", i);
		if (st[i] == NULL)
			return 1;
		CHECK(st[i]->tb.debt == 0 && st[i]->rested_ns == 0, "source %d not fresh", i);
		st[i]->tb.debt = 5;
		st[i]->rested_ns = 1000 + (uint64_t)i;
	}
	CHECK(weir_srct_count(t) == 8, "count %u, want 8", weir_srct_count(t));
	/* Known sources are found with their state. */
	k = key(3);
	again = weir_srct_get(t, &k, 500);
	CHECK(again == st[3] && again->tb.debt == 5, "source 3 lost its state");
	/* A ninth while all eight are busy: refused, nobody evicted. */
	k = key(8);
	CHECK(weir_srct_get(t, &k, 999) == NULL, "a ninth source took a busy one's place");
	for (i = 0; i < 8; i++) {
		k = key((uint8_t)i);
		again = weir_srct_get(t, &k, 999);
		CHECK(again == st[i] && again->tb.debt == 5, "source %d changed by the refusal", i);
	}
	/* At 1000 source 0 is rested: the ninth takes its entry, fresh. */
	k = key(8);
	st[8] = weir_srct_get(t, &k, 1000);
	CHECK(st[8] == st[0] && st[8]->tb.debt == 0 && st[8]->rested_ns == 0,
	      "the ninth did not take the rested entry, fresh");
	CHECK(weir_srct_count(t) == 8, "count %u after reuse, want 8", weir_srct_count(t));
	/* Source 1 (busy until 1001) is still there with its debt. */
	k = key(1);
	again = weir_srct_get(t, &k, 1000);
	CHECK(again == st[1] && again->tb.debt == 5, "busy source 1 was evicted");
	printf("%s: %d failures\n", failures ? "FAIL" : "ok", failures);
	weir_srct_free(t);
	rte_eal_cleanup();
	return failures ? 1 : 0;
}
