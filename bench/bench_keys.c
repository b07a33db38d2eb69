/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-key limits exact across workers (issue 13): the two designs measured
 * on this machine, two threads on its two CPUs as two workers.
 *
 * - cas: lib/ratelimit's shared key table (weir_keylimit.h): one GCRA
 *   rule (an 8-byte TAT per key, integral emission interval), each decision
 *   a 16-byte compare-and-swap of the key's {tag, state}, retried if the
 *   other worker changed the key meanwhile. cas2: two rules per request
 *   (the GCRA one and a sliding window of about the same rate), two
 *   entries per key, all-or-nothing.
 * - ring: every key has an owner worker; a request for a key the other
 *   worker owns goes over a single-producer ring, the owner decides
 *   (lib/ratelimit's weir_rl_gcra_take(), no atomics) and answers over
 *   another ring; the requester counts the answers.
 *
 * Cases: one key both workers hammer (the worst contention: a free tier's
 * key from many addresses), and 1 M keys chosen at random (cache misses,
 * no contention). Each case runs for 1 s. Prints one JSON object per case:
 * decisions per second in all, ns of CPU per decision (two CPUs busy for
 * the run's time; thread_cpu_: the two threads' CPU time, which stays
 * meaningful when other work shares the CPUs), CAS retries, decisions the
 * table had no room for (full: -ENOSPC, counted as not admitted), and for
 * the one-key cases the admitted count against its bound, the burst plus one per emission interval
 * of the run (exact decisions never pass it; under a load above the key's rate they come close to
 * it).
 *
 * Usage: bench_keys [SECONDS]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setaffinity_np */
#endif
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "bench_util.h"
#include "weir_keylimit.h"
#include "weir_ratelimit.h"

#define KEYS (1u << 20)
#define RING 1024u /* entries of each ring (a power of two) */
#define T_NS 1000u /* emission interval: 1 M decisions/s per key */
#define BURST 100u
#define HUGE ((size_t)2 << 20)

static uint64_t run_ns = 1000000000u;
static volatile int go, stop;

/* ---- cas ------------------------------------------------------------------------- */

static struct weir_kl_table *table; /* 2 KEYS entries (4 KEYS for cas2) */
static void *table_mem;
static size_t table_len;
static struct weir_kl_rule rules[2]; /* GCRA T_NS, BURST; sliding window ~ the same rate */
static unsigned int nrules;

struct worker {
	int cpu, id, one_key;
	uint64_t decisions, admitted, full, t0, t1, cpu_ns; /* cpu_ns: the thread's CPU time */
	uint32_t rng;
};

/* CPU time of this thread: the cost per decision on a machine others use too. */
static uint64_t
thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t
next(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *
cas_worker(void *arg)
{
	struct worker *w = arg;
	uint64_t now;
	int i;

	pin(w->cpu);
	while (!go)
		;
	w->t0 = now_ns();
	w->cpu_ns = thread_cpu_ns();
	do {
		for (i = 0; i < 64; i++) {
			uint32_t k = w->one_key ? 0 : next(&w->rng) & (KEYS - 1);

			int rc;

			now = now_ns();
			rc = weir_kl_take(table, k, rules, nrules, now, NULL);
			w->admitted += rc == 1;
			w->full += rc < 0;
			w->decisions++;
		}
	} while (!stop);
	w->t1 = now_ns();
	w->cpu_ns = thread_cpu_ns() - w->cpu_ns;
	return NULL;
}

/* ---- ring ------------------------------------------------------------------------ */

/* A single-producer single-consumer ring of 32-bit entries. */
struct ring {
	uint32_t head __attribute__((aligned(64))); /* written by the producer */
	uint32_t tail __attribute__((aligned(64))); /* written by the consumer */
	uint32_t e[RING] __attribute__((aligned(64)));
};

static int
ring_put(struct ring *r, uint32_t v)
{
	uint32_t h = r->head;

	if (h - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) == RING)
		return -1;
	r->e[h & (RING - 1)] = v;
	__atomic_store_n(&r->head, h + 1, __ATOMIC_RELEASE);
	return 0;
}

static int
ring_get(struct ring *r, uint32_t *v)
{
	uint32_t t = r->tail;

	if (t == __atomic_load_n(&r->head, __ATOMIC_ACQUIRE))
		return -1;
	*v = r->e[t & (RING - 1)];
	__atomic_store_n(&r->tail, t + 1, __ATOMIC_RELEASE);
	return 0;
}

static struct ring *req, *ans;	   /* requester -> owner, owner -> requester */
static struct weir_rl_gcra *owned; /* the owner's states, no atomics */
static struct weir_rl_gcra_params params;

/* The requester: asks for decisions (up to RING in flight), counts answers. */
static void *
ring_requester(void *arg)
{
	struct worker *w = arg;
	uint32_t a;
	uint64_t sent = 0;

	pin(w->cpu);
	while (!go)
		;
	w->t0 = now_ns();
	w->cpu_ns = thread_cpu_ns();
	while (!stop) {
		uint32_t k = w->one_key ? 0 : next(&w->rng) & (KEYS - 1);

		if (ring_put(req, k) == 0)
			sent++;
		while (ring_get(ans, &a) == 0) {
			w->decisions++;
			w->admitted += a;
		}
	}
	/* The answers still in flight. */
	while (w->decisions < sent)
		if (ring_get(ans, &a) == 0) {
			w->decisions++;
			w->admitted += a;
		}
	w->t1 = now_ns();
	w->cpu_ns = thread_cpu_ns() - w->cpu_ns;
	return NULL;
}

/* The owner: decides what it is asked, as its loop would. */
static void *
ring_owner(void *arg)
{
	struct worker *w = arg;
	uint32_t k;

	pin(w->cpu);
	while (!go)
		;
	w->t0 = now_ns();
	w->cpu_ns = thread_cpu_ns();
	while (!stop || req->tail != __atomic_load_n(&req->head, __ATOMIC_ACQUIRE)) {
		while (ring_get(req, &k) == 0) {
			uint32_t ok = weir_rl_gcra_take(&params, &owned[k], now_ns(), 1, NULL) == 0;

			while (ring_put(ans, ok) != 0)
				;
			w->decisions++;
		}
	}
	w->t1 = now_ns();
	w->cpu_ns = thread_cpu_ns() - w->cpu_ns;
	return NULL;
}

/* ---- running and reporting ------------------------------------------------------- */

static void
report(const char *name, int one_key, const struct worker *a, const struct worker *b,
       uint64_t decisions, uint64_t admitted, uint64_t retries, uint64_t full)
{
	uint64_t t0 = a->t0 < b->t0 ? a->t0 : b->t0, t1 = a->t1 > b->t1 ? a->t1 : b->t1;
	double secs = (double)(t1 - t0) / 1e9;
	/* One key, loaded above its rate: exactly the burst plus one per interval. */
	uint64_t want = BURST + (t1 - t0) / T_NS;

	printf("{\"case\": \"%s\", \"keys\": %u, \"seconds\": %.3f, \"decisions\": %llu, "
	       "\"mdecisions_per_s\": %.2f, \"cpu_ns_per_decision\": %.1f, "
	       "\"thread_cpu_ns_per_decision\": %.1f, \"cas_retries\": %llu, "
	       "\"full\": %llu, \"admitted\": %llu",
	       name, one_key ? 1 : KEYS, secs, (unsigned long long)decisions,
	       (double)decisions / secs / 1e6, 2.0 * (double)(t1 - t0) / (double)decisions,
	       (double)(a->cpu_ns + b->cpu_ns) / (double)decisions, (unsigned long long)retries,
	       (unsigned long long)full, (unsigned long long)admitted);
	if (one_key)
		printf(", \"admitted_bound\": %llu, \"over_bound\": %s", (unsigned long long)want,
		       admitted > want ? "true" : "false");
	printf("}\n");
}

static void
run(const char *name, void *(*fa)(void *), void *(*fb)(void *), int one_key, unsigned int nr)
{
	struct weir_kl_stats st = {0};
	struct worker a = {.cpu = 0, .id = 0, .one_key = one_key, .rng = 2463534242u};
	struct worker b = {.cpu = 1, .id = 1, .one_key = one_key, .rng = 88675123u};
	pthread_t ta, tb;

	nrules = nr;
	table = weir_kl_table_init(table_mem, table_len, 2 * nr * KEYS);
	if (table == NULL)
		abort();
	memset(owned, 0, sizeof(owned[0]) * KEYS);
	memset(req, 0, sizeof(*req));
	memset(ans, 0, sizeof(*ans));
	go = stop = 0;
	pthread_create(&ta, NULL, fa, &a);
	pthread_create(&tb, NULL, fb, &b);
	go = 1;
	{
		/* Asleep: the two workers have the two CPUs. */
		struct timespec ts = {(time_t)(run_ns / 1000000000u), (long)(run_ns % 1000000000u)};

		nanosleep(&ts, NULL);
	}
	stop = 1;
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	if (fb == ring_owner) /* the requester counted every decision */
		report(name, one_key, &a, &b, a.decisions, a.admitted, 0, 0);
	else {
		weir_kl_table_stats(table, &st);
		report(name, one_key, &a, &b, a.decisions + b.decisions, a.admitted + b.admitted,
		       st.cas_retries, a.full + b.full);
	}
}

int
main(int argc, char **argv)
{
	if (argc > 1)
		run_ns = (uint64_t)(atof(argv[1]) * 1e9);
	table_len = weir_kl_table_size(4 * KEYS);
	/* 2 MB pages, as DPDK's hugepage memory would give the workers. */
	table_len = (table_len + HUGE - 1) & ~(HUGE - 1);
	table_mem = aligned_alloc(HUGE, table_len);
	if (table_mem != NULL)
		madvise(table_mem, table_len, MADV_HUGEPAGE);
	owned = calloc(KEYS, sizeof(*owned));
	req = aligned_alloc(64, sizeof(*req));
	ans = aligned_alloc(64, sizeof(*ans));
	if (table_mem == NULL || owned == NULL || req == NULL || ans == NULL ||
	    weir_rl_gcra_params_init(&params, 1, T_NS, BURST) != 0 ||
	    weir_kl_rule_init(&rules[0], 0, WEIR_KL_GCRA, 1000, 1000 * T_NS, BURST, NULL) != 0 ||
	    weir_kl_rule_init(&rules[1], 1, WEIR_KL_SLIDING_WINDOW, 1000000, 1000000 * T_NS, 0,
			      NULL) != 0)
		return 1;
	run("cas_one_key", cas_worker, cas_worker, 1, 1);
	run("cas_many_keys", cas_worker, cas_worker, 0, 1);
	run("cas2_one_key", cas_worker, cas_worker, 1, 2);
	run("cas2_many_keys", cas_worker, cas_worker, 0, 2);
	run("ring_one_key", ring_requester, ring_owner, 1, 1);
	run("ring_many_keys", ring_requester, ring_owner, 0, 1);
	free(table_mem);
	free(owned);
	free(req);
	free(ans);
	return 0;
}
