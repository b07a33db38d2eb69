/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The core's clock, publication and mailboxes (app/core), on EAL memory
 * without ports or worker lcores.
 */
#include <string.h>

#include <rte_malloc.h>

#include "config/weir_config.h"
#include "core/clock.h"
#include "core/mailbox.h"
#include "core/rcu.h"
#include "core/worker.h"
#include "eal_test.h"

/* ---- clock: no overflow for any TSC difference ---- */

static void
test_clock(void)
{
	const uint64_t hz = 3000000000ull; /* 3 GHz */
	const uint64_t day = 86400ull;

	weir_clock_set(12345, hz, 1700000000ull * 1000000000ull);
	/* A 10 s handshake: cycles * 1e9 in 64 bits wrapped at ~6 s. */
	CHECK(weir_cycles_ns(10 * hz) == 10000000000ull, "10 s: %lu ns", weir_cycles_ns(10 * hz));
	CHECK(weir_cycles_ns(hz / 1000) == 1000000, "1 ms: %lu ns", weir_cycles_ns(hz / 1000));
	/* 100 days of uptime: the TSC times 1000 wrapped after ~71 days. */
	CHECK(weir_clock_ms(12345 + 100 * day * hz) == 100 * day * 1000, "100 days: %lu ms",
	      weir_clock_ms(12345 + 100 * day * hz));
	CHECK(weir_clock_s(12345 + 100 * day * hz) == 100 * day, "100 days: %u s",
	      weir_clock_s(12345 + 100 * day * hz));
	/* 20 years of TSC (1.9e18 cycles): still exact to the second. */
	CHECK(weir_clock_s(12345 + 7305 * day * hz) == 7305 * day, "20 years: %u s",
	      weir_clock_s(12345 + 7305 * day * hz));
	CHECK(weir_clock_real_ns(12345 + hz) == 1700000001ull * 1000000000ull, "wall clock");
	CHECK(weir_clock_cookie(12345) == (uint32_t)(1700000000ull / 64) &&
		      weir_clock_cookie(12345 + 64 * hz) == (uint32_t)(1700000000ull / 64) + 1,
	      "cookie counter");
	/* An odd frequency: the error stays below a microsecond per second. */
	weir_clock_set(0, 2099999873ull, 0);
	{
		uint64_t ns = weir_cycles_ns(3600ull * 2099999873ull);

		CHECK(ns > 3600ull * 1000000000ull - 3600000 && ns <= 3600ull * 1000000000ull,
		      "1 h at 2.099999873 GHz: %lu ns", ns);
	}
}

/* ---- publication: deferred free, never waiting ---- */

static unsigned int freed;

static void
count_free(void *p)
{
	freed++;
	rte_free(p);
}

static void
test_rcu(void)
{
	void *slot = NULL;
	uint64_t token;

	CHECK(weir_rcu_init(2) == 0, "rcu init");
	slot = rte_malloc("t", 8, 0);
	/* Workers registered but not running (before launch): a publication
	 * neither waits nor keeps the old table past the next reclaim. */
	token = weir_rcu_publish(&slot, rte_malloc("t", 8, 0), count_free);
	CHECK(weir_rcu_passed(token), "offline workers hold up a grace period");
	weir_rcu_reclaim();
	CHECK(freed == 1 && weir_rcu_pending() == 0, "freed %u, pending %u", freed,
	      weir_rcu_pending());
	/* A running worker that has not passed a quiescent state holds it. */
	weir_rcu_online(0);
	weir_rcu_online(1);
	token = weir_rcu_publish(&slot, rte_malloc("t", 8, 0), count_free);
	weir_rcu_reclaim();
	CHECK(!weir_rcu_passed(token) && freed == 1 && weir_rcu_pending() == 1,
	      "freed before the grace period: %u", freed);
	weir_rcu_quiescent(0);
	weir_rcu_reclaim();
	CHECK(freed == 1, "freed with one worker still inside");
	weir_rcu_quiescent(1);
	weir_rcu_reclaim();
	CHECK(weir_rcu_passed(token) && freed == 2 && weir_rcu_pending() == 0,
	      "not freed after the grace period: %u", freed);
	/* Retired before shutdown: freed by fini. */
	weir_rcu_publish(&slot, rte_malloc("t", 8, 0), count_free);
	weir_rcu_offline(0);
	weir_rcu_offline(1);
	weir_rcu_fini();
	CHECK(freed == 3, "fini freed %u", freed);
	rte_free(slot);
}

/* ---- mailboxes: all or none, and barriers ---- */

static void
test_mailboxes(void)
{
	char err[256] = "";
	struct weir_barrier b;
	unsigned int i;

	weir.cfg = weir_config_from_string(
		"{\"workers\": [1, 2], \"ports\": [{\"name\": \"p0\", \"devargs\": \"net_null0\","
		" \"addresses\": [\"198.18.0.1/24\"]}]}",
		"test_core", err, sizeof(err));
	CHECK(weir.cfg != NULL, "config: %s", err);
	if (weir.cfg == NULL)
		return;
	weir.n_workers = 2;
	CHECK(weir_workers_init(err, sizeof(err)) == 0, "workers: %s", err);
	CHECK(weir_rcu_init(2) == 0, "rcu");
	weir_rcu_online(0);
	weir_rcu_online(1);
	CHECK(weir_control_post_all(WEIR_MSG_NONE, NULL, 0) == 0, "post to all");
	weir_barrier_now(&b);
	CHECK(!weir_barrier_passed(&b), "barrier passed before the workers took anything");
	weir_worker_drain(weir.workers[0]);
	weir_rcu_quiescent(0);
	weir_rcu_quiescent(1); /* a quiescent state alone does not take messages */
	CHECK(!weir_barrier_passed(&b), "barrier passed with worker 1's inbox full");
	weir_worker_drain(weir.workers[1]);
	weir_rcu_quiescent(1);
	CHECK(weir_barrier_passed(&b), "barrier not passed once both took their messages");
	/* One inbox full: a message for all reaches none. */
	for (i = 0; weir_control_room(1) > 0; i++)
		weir_control_post(1, WEIR_MSG_NONE, NULL, 0);
	CHECK(weir_control_post_all(WEIR_MSG_NONE, NULL, 0) == -ENOBUFS,
	      "post_all with a full inbox");
	CHECK(weir_control_room(0) == WEIR_MAILBOX_SIZE, "worker 0 got %u messages anyway",
	      WEIR_MAILBOX_SIZE - weir_control_room(0));
	/* Frames for worker 0 to send are bounded (the pool's slack). */
	for (i = 0; i < 100; i++)
		if (weir_control_tx((struct rte_mbuf *)(uintptr_t)0x1000) != 0)
			break;
	CHECK(i == 64, "control queued %u frames, want 64", i);
	while (rte_ring_count(weir.workers[0]->inbox) > 0) {
		struct weir_msg m;

		rte_ring_dequeue_elem(weir.workers[0]->inbox, &m, sizeof(m));
	}
	weir_rcu_offline(0);
	weir_rcu_offline(1);
	weir_rcu_fini();
	weir_workers_fini();
	weir_config_free(weir.cfg);
}

int
main(int argc, char **argv)
{
	eal_test_init(argc, argv, "weir-test-core");
	test_clock();
	test_rcu();
	test_mailboxes();
	if (failures == 0)
		printf("ok: clock, deferred free, mailboxes and barriers\n");
	return failures != 0;
}
