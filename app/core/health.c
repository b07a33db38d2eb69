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

void
weir_core_health_tick(void)
{
	const struct weir_config *cfg = weir.cfg;
	uint64_t now = weir_clock_ms(weir_clock_tsc());
	unsigned int p, s, b, i;

	for (p = 0; p < cfg->n_pools; p++) {
		const struct weir_pool_config *pl = &cfg->pools[p];

		for (b = 0; b < pl->n_backends; b++) {
			uint64_t ok = 0, fail = 0, run = 0;

			for (s = 0; s < cfg->n_services; s++) {
				if (cfg->services[s].pool != p)
					continue;
				for (i = 0; i < weir.n_workers; i++) {
					const struct weir_l4_backend_stats *bs =
						&weir.workers[i]
							 ->l4.bstats[s * WEIR_MAX_BACKENDS + b];

					ok += __atomic_load_n(&bs->handshakes_ok, __ATOMIC_RELAXED);
					fail += __atomic_load_n(&bs->handshake_failures,
								__ATOMIC_RELAXED);
					run += __atomic_load_n(&bs->fail_run, __ATOMIC_RELAXED);
				}
			}
			weir_hc_passive(p, b, ok, fail, run, now);
		}
	}
	weir_hc_control_tick(now);
	for (p = 0; p < cfg->n_pools; p++)
		for (b = 0; b < cfg->pools[p].n_backends; b++)
			weir_l4_set_serving(p, b, weir_hc_serving(p, b));
}
