/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Microbenchmark of the per-worker connection table (app/conntrack.c):
 * cycles per key of a bulk lookup (bursts of 32 hits, each followed by a read
 * of the connection found, as a worker does) at several table fills, and the
 * cost of creating a connection and of removing it; then the same on a plain
 * rte_hash for comparison. One JSON line per case.
 *
 * Usage: bench_conn [EAL args] -- [ENTRIES ...]   (default 1024 1048576 4194304)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "conntrack.h"

#define BURST 32
#define LOOKUPS (1u << 24)

static void
make_key(struct weir_conn_key *k, uint32_t i)
{
	memset(k, 0, sizeof(*k));
	k->family = 4;
	k->proto = 6;
	k->sport = (uint16_t)(1024 + (i & 0xffff));
	k->dport = 80;
	k->src[0] = 198;
	k->src[1] = (uint8_t)(18 + ((i >> 31) & 1));
	k->src[2] = (uint8_t)(i >> 16);
	k->src[3] = (uint8_t)(i >> 24);
	memcpy(k->dst, "\xc6\x12\x01\x01", 4);
}

static int
run(uint32_t n)
{
	struct weir_conn_key *keys = malloc((size_t)n * sizeof(*keys));
	const struct weir_conn_key *kp[BURST];
	uint32_t idx[BURST], i, j, hits = 0;
	uint64_t t0, t_add, t_look, t_del, x = 88172645463325252ULL;
	struct weir_conntrack *ct;
	char name[32];

	snprintf(name, sizeof(name), "bench_ct_%u", n);
	ct = weir_ct_create(name, n, (int)rte_socket_id());
	if (ct == NULL || keys == NULL) {
		fprintf(stderr, "bench_conn: table of %u: %s (give EAL more memory, -m)\n", n,
			rte_strerror(rte_errno));
		return -1;
	}
	for (i = 0; i < n; i++)
		make_key(&keys[i], i);

	/* Create n connections (their replies need no key: app/lb4.c). */
	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i++)
		if (weir_ct_add(ct, &keys[i], 100) == WEIR_CONN_NONE)
			break;
	t_add = rte_rdtsc_precise() - t0;
	if (i != n) {
		fprintf(stderr, "bench_conn: table of %u took only %u connections\n", n, i);
		return -1;
	}

	/* Bulk lookups of random present keys. */
	t0 = rte_rdtsc_precise();
	for (i = 0; i < LOOKUPS; i += BURST) {
		for (j = 0; j < BURST; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			kp[j] = &keys[x % n];
		}
		weir_ct_lookup_bulk(ct, kp, BURST, idx);
		/* A worker reads every packet's connection after the lookup:
		 * count that too, so tables that keep keys apart from the
		 * connection are not flattered. */
		for (j = 0; j < BURST; j++)
			if (idx[j] != WEIR_CONN_NONE)
				hits += weir_ct_get(ct, idx[j])->client.dport == 80;
	}
	t_look = rte_rdtsc_precise() - t0;

	/* Remove them all. */
	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i++) {
		kp[0] = &keys[i];
		weir_ct_lookup_bulk(ct, kp, 1, idx);
		weir_ct_del(ct, idx[0]);
	}
	t_del = rte_rdtsc_precise() - t0;

	printf("{\"case\": \"conn_table\", \"entries\": %u, \"lookups\": %u, \"hits\": %u, "
	       "\"lookup_cycles_per_key\": %.1f, \"lookup_ns_per_key\": %.1f, "
	       "\"create_cycles\": %.1f, \"creates_per_s\": %.0f, \"delete_cycles\": %.1f, "
	       "\"tsc_hz\": %llu}\n",
	       n, LOOKUPS, hits, (double)t_look / LOOKUPS,
	       (double)t_look / LOOKUPS * 1e9 / (double)rte_get_tsc_hz(), (double)t_add / n,
	       (double)n * (double)rte_get_tsc_hz() / (double)t_add, (double)t_del / n,
	       (unsigned long long)rte_get_tsc_hz());
	fflush(stdout);
	weir_ct_free(ct);
	free(keys);
	return hits == LOOKUPS ? 0 : -1;
}

/*
 * The same measurements on a plain rte_hash (extendable buckets, 40-byte
 * keys stored in the table, CRC hash, data = slot of a connection array),
 * the index weir used before app/conntrack.c had its own: the comparison
 * behind that choice, in the same run. (weir then also kept a second key
 * per FullNAT connection for its replies, which doubled the creation cost.)
 */
static int
run_rte_hash(uint32_t n)
{
	struct weir_conn_key *keys = malloc((size_t)n * sizeof(*keys));
	struct weir_conn *conns = rte_zmalloc(NULL, (size_t)n * sizeof(*conns), 64);
	const void *kp[BURST];
	void *data[BURST];
	uint64_t t0, t_add, t_look, t_del, x = 88172645463325252ULL, hitmask;
	uint32_t i, j, hits = 0;
	char name[32];
	struct rte_hash *h;
	struct rte_hash_parameters hp = {
		.entries = n,
		.key_len = sizeof(struct weir_conn_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	snprintf(name, sizeof(name), "bench_rh_%u", n);
	hp.name = name;
	h = rte_hash_create(&hp);
	if (h == NULL || keys == NULL || conns == NULL) {
		fprintf(stderr, "bench_conn: rte_hash of %u: %s (give EAL more memory, -m)\n", n,
			rte_strerror(rte_errno));
		return -1;
	}
	for (i = 0; i < n; i++)
		make_key(&keys[i], i);
	/* A connection: its key, refused if present (as weir_ct_add does). */
	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i++) {
		conns[i].client = keys[i];
		if (rte_hash_lookup(h, &keys[i]) >= 0 ||
		    rte_hash_add_key_data(h, &keys[i], (void *)(uintptr_t)i) != 0)
			break;
	}
	t_add = rte_rdtsc_precise() - t0;
	if (i != n) {
		fprintf(stderr, "bench_conn: rte_hash of %u took only %u connections\n", n, i);
		return -1;
	}
	t0 = rte_rdtsc_precise();
	for (i = 0; i < LOOKUPS; i += BURST) {
		for (j = 0; j < BURST; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			kp[j] = &keys[x % n];
		}
		rte_hash_lookup_bulk_data(h, kp, BURST, &hitmask, data);
		for (j = 0; j < BURST; j++)
			if ((hitmask >> j) & 1)
				hits += conns[(uintptr_t)data[j]].client.dport == 80;
	}
	t_look = rte_rdtsc_precise() - t0;
	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i++)
		rte_hash_del_key(h, &keys[i]);
	t_del = rte_rdtsc_precise() - t0;

	printf("{\"case\": \"rte_hash\", \"entries\": %u, \"lookups\": %u, \"hits\": %u, "
	       "\"lookup_cycles_per_key\": %.1f, \"lookup_ns_per_key\": %.1f, "
	       "\"create_cycles\": %.1f, \"creates_per_s\": %.0f, \"delete_cycles\": %.1f, "
	       "\"tsc_hz\": %llu}\n",
	       n, LOOKUPS, hits, (double)t_look / LOOKUPS,
	       (double)t_look / LOOKUPS * 1e9 / (double)rte_get_tsc_hz(), (double)t_add / n,
	       (double)n * (double)rte_get_tsc_hz() / (double)t_add, (double)t_del / n,
	       (unsigned long long)rte_get_tsc_hz());
	fflush(stdout);
	rte_hash_free(h);
	rte_free(conns);
	free(keys);
	return hits == LOOKUPS ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static const uint32_t def[] = {1024, 1048576, 4194304};
	int n, i, rc = 0;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "bench_conn: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= n;
	argv += n;
	if (argc > 1 && strcmp(argv[1], "--") == 0) {
		argc--;
		argv++;
	}
	if (argc > 1) {
		for (i = 1; i < argc && rc == 0; i++)
			rc = run((uint32_t)strtoul(argv[i], NULL, 10));
		for (i = 1; i < argc && rc == 0; i++)
			rc = run_rte_hash((uint32_t)strtoul(argv[i], NULL, 10));
	} else {
		for (i = 0; i < 3 && rc == 0; i++)
			rc = run(def[i]);
		for (i = 0; i < 3 && rc == 0; i++)
			rc = run_rte_hash(def[i]);
	}
	rte_eal_cleanup();
	return rc == 0 ? 0 : 1;
}
