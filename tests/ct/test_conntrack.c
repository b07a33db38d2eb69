/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table (app/conntrack.c) against a reference model: random
 * creations, deletions, expiries and bulk lookups
 * at full load, with hits checked slot for slot and misses for keys never
 * added or removed. It runs on EAL memory (--no-huge), so it is a dp-suite
 * program rather than a pure unit test.
 *
 * Built twice: as is, and "tight" (TIGHT defined, with app/conntrack.c
 * compiled in with 1 index entry per connection instead of 2), where the
 * index is full when the table is, so inserts need entries moved to their
 * other bucket, and may be refused before the table is full.
 *
 * Usage: test_conntrack [EAL args]   (it adds --file-prefix weir-test-ct-PID
 * and removes that runtime directory at the end)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "conntrack.h"
#include "eal_test.h"
#include "weir_test_rng.h"

#define SIZE 1792u /* 512 buckets of 7: the index is half full when the table is full */
#define OPS 400000u

/* The tests' seeded PRNG (tests/common/weir_test_rng.h). */
static struct weir_test_rng rng;

static uint32_t
rnd(void)
{
	return (uint32_t)weir_test_rng_u64(&rng);
}

/* Flow n: IPv4 or IPv6 by n's low bit, TCP or UDP by the next; keys that
 * differ in one port only (the hardest case for a weak hash). */
static void
client_key(struct weir_conn_key *k, uint32_t n)
{
	memset(k, 0, sizeof(*k));
	k->family = n & 1 ? 6 : 4;
	k->proto = n & 2 ? 17 : 6;
	k->sport = (uint16_t)(n >> 2);
	k->dport = 80;
	k->src[0] = 198;
	k->src[1] = 18;
	k->src[2] = (uint8_t)(n >> 18);
	memcpy(k->dst, "\xc6\x12\x01\x01", 4);
}

struct model {
	uint32_t flow; /* flow number while live */
	uint32_t slot; /* its slot */
	int live;
};

/* Connection data the test can check: the flow number, in lport. */
static void
fill(struct weir_conn *c, uint32_t n)
{
	c->lport = (uint16_t)n;
}

static void
expect_lookup(struct weir_conntrack *ct, const struct weir_conn_key *k, uint32_t want,
	      const char *what, uint32_t n)
{
	const struct weir_conn_key *kp[1] = {k};
	uint32_t got;

	weir_ct_lookup_bulk(ct, kp, 1, &got);
	CHECK(got == want, "%s key of flow %u: slot %u, want %u", what, n, got, want);
}

int
main(int argc, char **argv)
{
	static struct model m[SIZE * 4];
	struct weir_conntrack *ct;
	struct weir_conn_key k;
	const struct weir_conn_key *kp[WEIR_CT_BULK_MAX];
	struct weir_conn_key keys[WEIR_CT_BULK_MAX];
	uint32_t want[WEIR_CT_BULK_MAX], got[WEIR_CT_BULK_MAX];
	uint32_t live = 0, next_flow = 0, op, i, full = 0, index_full = 0;

	eal_test_init(argc, argv, "weir-test-ct");
#ifdef TIGHT
	weir_test_rng_init(&rng, "conntrack", 1);
#else
	weir_test_rng_init(&rng, "conntrack", 0);
#endif
	ct = weir_ct_create("test_ct", SIZE, (int)rte_socket_id());
	CHECK(ct != NULL, "create: %s", rte_strerror(rte_errno));
	if (ct == NULL)
		return 1;
	CHECK(weir_ct_capacity(ct) == SIZE, "capacity %u", weir_ct_capacity(ct));
	weir_ct_expire(ct, 0, 1, NULL, NULL); /* the wheel's hand starts at tick 0 */

	/* Random churn: mostly creations until full, then as many deletions. */
	for (op = 0; op < OPS; op++) {
		uint32_t r = rnd() % 100;

		if (r < 55) {
			uint32_t n = next_flow++, s;
			struct model *e = &m[n % (SIZE * 4)];

			if (e->live)
				continue; /* model slot busy: skip this flow number */
			client_key(&k, n);
			s = weir_ct_add(ct, &k, 10);
			if (live == SIZE) {
				CHECK(s == WEIR_CONN_NONE, "add to a full table gave slot %u", s);
				full++;
				continue;
			}
#ifdef TIGHT
			if (s == WEIR_CONN_NONE) {
				index_full++;
				expect_lookup(ct, &k, WEIR_CONN_NONE, "refused client", n);
				continue;
			}
#endif
			CHECK(s != WEIR_CONN_NONE, "add of flow %u failed with %u live", n, live);
			if (s == WEIR_CONN_NONE)
				continue;
			/* The same key again is refused. */
			CHECK(weir_ct_add(ct, &k, 10) == WEIR_CONN_NONE, "duplicate key of flow %u",
			      n);
			fill(weir_ct_get(ct, s), n);
			e->flow = n;
			e->slot = s;
			e->live = 1;
			live++;
		} else if (r < 95 && live > 0) {
			/* Delete a random live connection. */
			struct model *e;

			do
				e = &m[rnd() % (SIZE * 4)];
			while (!e->live);
			weir_ct_del(ct, e->slot);
			e->live = 0;
			live--;
			client_key(&k, e->flow);
			expect_lookup(ct, &k, WEIR_CONN_NONE, "deleted client", e->flow);
		} else {
			/* A bulk lookup of live and absent keys. */
			unsigned int nk = 1 + rnd() % WEIR_CT_BULK_MAX;

			for (i = 0; i < nk; i++) {
				struct model *e = &m[rnd() % (SIZE * 4)];

				kp[i] = &keys[i];
				if (e->live) {
					client_key(&keys[i], e->flow);
					want[i] = e->slot;
				} else {
					client_key(&keys[i], next_flow + 1 + rnd() % 1000);
					want[i] = WEIR_CONN_NONE;
				}
			}
			weir_ct_lookup_bulk(ct, kp, nk, got);
			for (i = 0; i < nk; i++)
				CHECK(got[i] == want[i], "bulk lookup %u of %u: slot %u, want %u",
				      i, nk, got[i], want[i]);
		}
		CHECK(weir_ct_count(ct) == live, "count %u, model %u", weir_ct_count(ct), live);
	}
#ifdef TIGHT
	CHECK(index_full > 0, "the tight index never refused: test too weak");
	CHECK(live > SIZE * 3 / 4, "only %u of %u live at the end", live, SIZE);
#else
	CHECK(full > 0, "the churn never filled the table: test too weak");
#endif

	/* Every live connection is found by its key, with its own data. */
	for (i = 0; i < SIZE * 4; i++) {
		if (!m[i].live)
			continue;
		client_key(&k, m[i].flow);
		expect_lookup(ct, &k, m[i].slot, "client", m[i].flow);
		CHECK(weir_ct_get(ct, m[i].slot)->lport == (uint16_t)m[i].flow, "flow %u data",
		      m[i].flow);
	}

	/* A bulk lookup of more keys than a chunk (WEIR_CT_BULK_MAX): every
	 * key answered as one by one, none past the chunk lost or overrun. */
	{
		enum { N = WEIR_CT_BULK_MAX * 3 + 5 };
		static struct weir_conn_key bk[N];
		const struct weir_conn_key *bp[N];
		uint32_t bi[N + 1], one, f;
		unsigned int n = 0;

		bi[N] = 0xdeadbeef; /* must stay */
		for (f = 0; f < SIZE * 4 && n < N; f++) {
			/* Live flows and, every third key, a flow never added. */
			client_key(&bk[n], n % 3 == 2 ? 0x40000000u + f : m[f].flow);
			if (n % 3 != 2 && !m[f].live)
				continue;
			bp[n] = &bk[n];
			n++;
		}
		CHECK(n == N, "only %u keys for the bulk lookup", n);
		weir_ct_lookup_bulk(ct, bp, n, bi);
		for (i = 0; i < n; i++) {
			weir_ct_lookup_bulk(ct, &bp[i], 1, &one);
			CHECK(bi[i] == one, "bulk of %u, key %u: slot %u, one by one %u", n, i,
			      bi[i], one);
			CHECK((i % 3 == 2) == (one == WEIR_CONN_NONE), "key %u: slot %u", i, one);
		}
		CHECK(bi[N] == 0xdeadbeef, "bulk lookup wrote past its %u results", n);
	}

	/* Expiry: everything idle at tick 10 goes; the table is empty after. */
	{
		unsigned int gone = 0, rounds;

		for (rounds = 0; rounds < 1000 && weir_ct_count(ct) > 0; rounds++)
			gone += weir_ct_expire(ct, 20, 1000, NULL, NULL);
		CHECK(gone == live, "expired %u, want %u", gone, live);
		CHECK(weir_ct_count(ct) == 0, "count %u after expiry", weir_ct_count(ct));
		for (i = 0; i < SIZE * 4; i++)
			if (m[i].live) {
				client_key(&k, m[i].flow);
				expect_lookup(ct, &k, WEIR_CONN_NONE, "expired", m[i].flow);
			}
	}
	printf("%s: %u operations, %u refusals at full load, %u by the index, %d failures\n",
	       failures ? "FAIL" : "ok", OPS, full, index_full, failures);
	weir_ct_free(ct);
	rte_eal_cleanup();
	return failures ? 1 : 0;
}
