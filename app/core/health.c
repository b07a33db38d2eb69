/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The core between the health stage and the L4 stage: on every control
 * tick, the data path's handshake outcomes (L4's per-worker backend
 * counters) go to health, and health's verdicts go to L4's tables; on the
 * workers, probes learn their backends' next hops from L4's snapshot.
 */
#include <string.h>

#include "core/clock.h"
#include "core/pipeline.h"
#include "core/weir.h"
#include "core/worker-t.h"
#include "health/health.h"
#include "l4/l4.h"

int
weir_core_backend_mac(void *arg, unsigned int svc, unsigned int b, uint8_t mac[6])
{
	const struct weir_worker *w = arg;
	const struct weir_l4_svc_snap *v = &w->l4.snap->svc[svc];

	if (!v->mac_ok[b])
		return -1;
	memcpy(mac, v->mac[b], 6);
	return 0;
}

/* Handshake outcomes of every backend of every pool, summed over the
 * services using the pool and the workers (control thread only). */
static uint64_t sum_ok[WEIR_MAX_POOLS][WEIR_MAX_BACKENDS];
static uint64_t sum_fail[WEIR_MAX_POOLS][WEIR_MAX_BACKENDS];
static uint64_t sum_run[WEIR_MAX_POOLS][WEIR_MAX_BACKENDS];

void
weir_core_health_tick(void)
{
	const struct weir_config *cfg = weir.cfg;
	uint64_t now = weir_clock_ms(weir_clock_tsc());
	unsigned int p, s, b, i;

	for (p = 0; p < cfg->n_pools; p++) {
		size_t n = cfg->pools[p].n_backends * sizeof(uint64_t);

		memset(sum_ok[p], 0, n);
		memset(sum_fail[p], 0, n);
		memset(sum_run[p], 0, n);
	}
	for (s = 0; s < cfg->n_services; s++) {
		p = cfg->services[s].pool;
		for (i = 0; i < weir.n_workers; i++) {
			const struct weir_l4_backend_stats *bs =
				&weir.workers[i]->l4.bstats[s * WEIR_MAX_BACKENDS];

			for (b = 0; b < cfg->pools[p].n_backends; b++) {
				sum_ok[p][b] +=
					__atomic_load_n(&bs[b].handshakes_ok, __ATOMIC_RELAXED);
				sum_fail[p][b] += __atomic_load_n(&bs[b].handshake_failures,
								  __ATOMIC_RELAXED);
				sum_run[p][b] += __atomic_load_n(&bs[b].fail_run, __ATOMIC_RELAXED);
			}
		}
	}
	for (p = 0; p < cfg->n_pools; p++)
		for (b = 0; b < cfg->pools[p].n_backends; b++)
			weir_hc_passive(p, b, sum_ok[p][b], sum_fail[p][b], sum_run[p][b], now);
	weir_hc_control_tick(now);
	for (p = 0; p < cfg->n_pools; p++)
		for (b = 0; b < cfg->pools[p].n_backends; b++)
			weir_l4_set_serving(p, b, weir_hc_serving(p, b));
}
