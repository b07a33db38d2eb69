/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The source table's eviction policy (app/srctab.c), on EAL memory: a table
 * of one set of 8. A new source takes a free entry, else a rested one (its
 * bucket full again), else nothing: a source that is still paying for its
 * traffic is never forgotten early, and nobody gets a fresh bucket by
 * pushing it out.
 *
 * weir_srct_get_bulk() decides as weir_srct_get() one key at a time (each
 * state taken before the next key), on random traffic, and never reuses an
 * entry it already returned in the same call.
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
#include "weir_test_rng.h"

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

/* Key i of a universe: IPv4 addresses, every fifth an IPv6 prefix. */
static struct weir_src_key
ukey(uint32_t i)
{
	struct weir_src_key k;

	memset(&k, 0, sizeof(k));
	k.family = i % 5 == 4 ? 6 : 4;
	k.service = (uint8_t)(i % 3);
	memcpy(&k.addr[k.family == 6 ? 8 : 0], &i, sizeof(i));
	return k;
}

/* The tests' seeded PRNG (tests/common/weir_test_rng.h). */
static uint64_t
rnd(struct weir_test_rng *x)
{
	return weir_test_rng_u64(x);
}

/* What the admission path does with a state: one token, and rested_ns kept. */
static int
take(const struct weir_rl_tb_params *p, struct weir_src_state *g, uint64_t now)
{
	struct weir_rl_decision d;
	int rc = weir_rl_tb_take(p, &g->tb, now, 1, &d);

	if (now + d.reset_ns > g->rested_ns)
		g->rested_ns = now + d.reset_ns;
	return rc;
}

/*
 * weir_srct_get_bulk() against weir_srct_get() one key at a time, each
 * followed by its take (as admission does), on two identical tables and the
 * same traffic: bursts of 1-40 keys from 100 sources (duplicates included)
 * into 64 entries, time moving so that sources rest and entries are reused,
 * some sources holding connections. Every key must get the same entry (or
 * none), every take the same outcome, and the tables the same counts.
 */
static void
check_bulk_vs_single(void)
{
	struct weir_srctab *a = weir_srct_create("test_src_a", 64, (int)rte_socket_id());
	struct weir_srctab *b = weir_srct_create("test_src_b", 64, (int)rte_socket_id());
	struct weir_src_key keys[40];
	struct weir_src_state *bulk[40], *one;
	struct weir_rl_tb_params p;
	struct weir_test_rng x;
	uint64_t now = 1000;
	unsigned int round, j, n, got, null = 0, reused = 0, admitted = 0, denied = 0, dup = 0;
	uint32_t prev_count;

	CHECK(a != NULL && b != NULL, "create: %s", rte_strerror(rte_errno));
	if (a == NULL || b == NULL)
		return;
	weir_test_rng_init(&x, "srctab_bulk_vs_single", 0);
	/* One new connection per 10 us, bursts of 3. */
	CHECK(weir_rl_tb_params_init(&p, 1, 10000, 3) == 0, "tb params");
	for (round = 0; round < 20000; round++) {
		n = (unsigned int)(rnd(&x) % 8 == 0 ? 33 + rnd(&x) % 8 : 1 + rnd(&x) % 32);
		for (j = 0; j < n; j++)
			keys[j] = ukey((uint32_t)(rnd(&x) % 100));
		prev_count = weir_srct_count(a);
		got = weir_srct_get_bulk(b, keys, n, now, bulk);
		for (j = 0; j < n; j++) {
			uint32_t ia, ib;
			int ra = 0, rb = 0;

			one = weir_srct_get(a, &keys[j], now);
			ia = one == NULL ? WEIR_SRCT_NONE : weir_srct_index(a, one);
			ib = bulk[j] == NULL ? WEIR_SRCT_NONE : weir_srct_index(b, bulk[j]);
			CHECK(ia == ib, "round %u key %u: entry %u one by one, %u in bulk", round,
			      j, ia, ib);
			if (one != NULL && bulk[j] != NULL) {
				CHECK(memcmp(&one->tb, &bulk[j]->tb, sizeof(one->tb)) == 0 &&
					      one->rested_ns == bulk[j]->rested_ns &&
					      one->conns == bulk[j]->conns,
				      "round %u key %u: states differ", round, j);
				ra = take(&p, one, now);
				rb = take(&p, bulk[j], now);
				CHECK(ra == rb, "round %u key %u: take %d vs %d", round, j, ra, rb);
				admitted += ra == 0;
				denied += ra != 0;
				/* Some admitted sources hold a connection for a while. */
				if (ra == 0 && rnd(&x) % 16 == 0) {
					one->conns++;
					bulk[j]->conns++;
				}
			}
			null += one == NULL;
			got -= bulk[j] != NULL;
			if (j > 0 && bulk[j] != NULL && bulk[j] == bulk[j - 1])
				dup++;
		}
		CHECK(got == 0, "round %u: bulk returned a wrong count", round);
		CHECK(weir_srct_count(a) == weir_srct_count(b), "round %u: counts %u vs %u", round,
		      weir_srct_count(a), weir_srct_count(b));
		reused += weir_srct_count(a) == prev_count;
		/* Connections end now and then. */
		if (rnd(&x) % 4 == 0) {
			struct weir_src_key k = ukey((uint32_t)(rnd(&x) % 100));
			struct weir_src_state *ga = weir_srct_find(a, &k),
					      *gb = weir_srct_find(b, &k);

			CHECK((ga == NULL) == (gb == NULL), "round %u: find differs", round);
			if (ga != NULL && gb != NULL && ga->conns > 0) {
				ga->conns--;
				gb->conns--;
			}
		}
		now += rnd(&x) % 12000;
		if (failures > 0)
			break;
	}
	printf("bulk vs one by one: %u rounds, %u admitted, %u denied, %u refused (set full), "
	       "%u adjacent duplicates\n",
	       round, admitted, denied, null, dup);
	/* The traffic reached every case. */
	CHECK(admitted > 1000 && denied > 1000 && null > 1000 && dup > 100,
	      "traffic too tame: %u admitted, %u denied, %u refused, %u duplicates", admitted,
	      denied, null, dup);
	weir_srct_free(a);
	weir_srct_free(b);
}

/* A bulk call never gives an entry it returned to a later key of the same
 * call, even a rested one: the pointers it returned stay valid. */
static void
check_bulk_holds(void)
{
	struct weir_srctab *t = weir_srct_create("test_src_hold", 8, (int)rte_socket_id());
	struct weir_src_state *st[8], *out[9];
	struct weir_src_key keys[9];
	int i;

	CHECK(t != NULL, "create: %s", rte_strerror(rte_errno));
	if (t == NULL)
		return;
	/* Nine new sources into eight free entries: the ninth finds them all held. */
	for (i = 0; i < 9; i++)
		keys[i] = key((uint8_t)(20 + i));
	CHECK(weir_srct_get_bulk(t, keys, 9, 100, out) == 8, "nine into eight");
	CHECK(out[8] == NULL, "the ninth took an entry given to an earlier key");
	for (i = 0; i < 8; i++) {
		st[i] = out[i];
		CHECK(st[i] != NULL && st[i]->rested_ns == 0, "source %d not fresh", i);
	}
	/* All eight rested (never taken); a burst of source 0 and a new one: the
	 * new one takes the first rested entry that is not source 0's. */
	keys[0] = key(20);
	keys[1] = key(40);
	keys[2] = key(20);
	CHECK(weir_srct_get_bulk(t, keys, 3, 200, out) == 3, "burst of three");
	CHECK(out[0] == st[0] && out[2] == st[0], "source 0 not found twice");
	CHECK(out[1] == st[1] && out[1] != out[0], "the new source took a held entry");
	CHECK(weir_srct_count(t) == 8, "count %u, want 8", weir_srct_count(t));
	weir_srct_free(t);
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
	/* A rested source that holds a connection keeps its entry; index and
	 * find name it; once its connection is gone it may be reused. */
	st[1]->conns = 1;
	k = key(9);
	CHECK(weir_srct_get(t, &k, 1001) != st[1], "a source with a connection was evicted");
	CHECK(weir_srct_at(t, weir_srct_index(t, st[1])) == st[1], "index/at do not round-trip");
	k = key(1);
	CHECK(weir_srct_find(t, &k) == st[1], "find does not name source 1");
	k = key(42);
	CHECK(weir_srct_find(t, &k) == NULL && weir_srct_count(t) == 8,
	      "find of an unknown source found or created one");
	st[1]->conns = 0;
	for (i = 0; i < 8; i++) {
		/* New sources stay busy, so each takes the next reusable entry. */
		k = key((uint8_t)(10 + i));
		again = weir_srct_get(t, &k, 5000);
		if (again == NULL || again == st[1])
			break;
		again->rested_ns = 10000;
	}
	CHECK(i < 8 && again == st[1],
	      "source 1, rested and without connections, was never reused");
	weir_srct_free(t);
	check_bulk_holds();
	check_bulk_vs_single();
	printf("%s: %d failures\n", failures ? "FAIL" : "ok", failures);
	rte_eal_cleanup();
	return failures ? 1 : 0;
}
