/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Setting the SYN proxy up and down, and its settings as JSON.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>

#include <rte_malloc.h>

#include "sp/sp-priv.h"

/* The window field of the cookie SYN-ACK (never scaled). */
#define SYN_WIN 65535

struct weir_tcp_cookie_key weir_sp_key[WEIR_MAX_SERVICES];
struct weir_tcp_sp_conf weir_sp_conf[WEIR_MAX_SERVICES];
static int sp_any;

/* The held segment's index fits the spare bytes of the splice's cache line. */
static_assert(sizeof(struct weir_sp_slot) == 64, "one cache line per connection slot");

/* Service i's cookie key and settings (it has cookies). */
static int
service_setup(unsigned int i, char *err, size_t errlen)
{
	const struct weir_config *cfg = weir.cfg;
	const struct weir_synproxy_config *pc = &cfg->services[i].synproxy;
	uint8_t k[16];
	unsigned int b;

	if (pc->has_secret) {
		memcpy(k, pc->secret, sizeof(k));
	} else if (cfg->has_cookie_secret) {
		memcpy(k, cfg->cookie_secret, sizeof(k));
	} else if (getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k)) {
		snprintf(err, errlen, "service %s: no random synproxy secret: %s",
			 cfg->services[i].name, strerror(errno));
		return -1;
	}
	/* SipHash's key words are little-endian (weir_tcp_siphash24()). */
	weir_sp_key[i].k[0] = weir_sp_key[i].k[1] = 0;
	for (b = 0; b < 8; b++) {
		weir_sp_key[i].k[0] |= (uint64_t)k[b] << (8 * b);
		weir_sp_key[i].k[1] |= (uint64_t)k[8 + b] << (8 * b);
	}
	memset(k, 0, sizeof(k));
	weir_sp_conf[i].mss = pc->mss;
	weir_sp_conf[i].wscale = pc->wscale;
	weir_sp_conf[i].syn_win = SYN_WIN;
	return 0;
}

int
weir_sp_init(char *err, size_t errlen)
{
	const struct weir_config *cfg = weir.cfg;
	unsigned int i;

	sp_any = 0;
	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_synproxy_config *pc = &cfg->services[i].synproxy;

		if (!pc->enabled && !pc->on_pressure && cfg->services[i].http == NULL)
			continue;
		sp_any = 1;
		if (service_setup(i, err, errlen) != 0)
			return -1;
	}
	return 0;
}

int
weir_sp_service_added(unsigned int svc, char *err, size_t errlen)
{
	const struct weir_synproxy_config *pc = &weir.cfg->services[svc].synproxy;

	if (!pc->enabled && !pc->on_pressure)
		return 0;
	if (!sp_any) {
		snprintf(err, errlen,
			 "no service had SYN cookies at start, so the workers have no "
			 "state for them");
		return -1;
	}
	return service_setup(svc, err, errlen);
}

int
weir_sp_can_add(const struct weir_service_config *sc)
{
	return sp_any || (!sc->synproxy.enabled && !sc->synproxy.on_pressure);
}

int
weir_sp_init_worker(struct weir_sp_worker *sp, int socket, uint32_t conn_slots)
{
	unsigned int n = WEIR_MAX_SERVICES + 1, h; /* a reload may add services */

	memset(sp, 0, sizeof(*sp));
	if (!sp_any || conn_slots == 0)
		return 0;
	sp->slot = rte_zmalloc_socket("weir_sp_slot", sizeof(sp->slot[0]) * conn_slots,
				      RTE_CACHE_LINE_SIZE, socket);
	sp->syn_sec = rte_zmalloc_socket("weir_sp_rate", sizeof(uint32_t) * n, 0, socket);
	sp->syn_count = rte_zmalloc_socket("weir_sp_rate", sizeof(uint32_t) * n, 0, socket);
	sp->cookie_sec = rte_zmalloc_socket("weir_sp_rate", sizeof(uint32_t) * n, 0, socket);
	sp->hold = rte_zmalloc_socket("weir_sp_hold", sizeof(sp->hold[0]) * WEIR_SP_HOLD_MAX,
				      RTE_CACHE_LINE_SIZE, socket);
	sp->hold_free =
		rte_malloc_socket("weir_sp_hold", sizeof(uint32_t) * WEIR_SP_HOLD_MAX, 0, socket);
	if (sp->slot == NULL || sp->syn_sec == NULL || sp->syn_count == NULL ||
	    sp->cookie_sec == NULL || sp->hold == NULL || sp->hold_free == NULL) {
		weir_sp_fini_worker(sp);
		return -ENOMEM;
	}
	/* Entry 0 on top: the first segment held takes it. */
	for (h = 0; h < WEIR_SP_HOLD_MAX; h++)
		sp->hold_free[h] = WEIR_SP_HOLD_MAX - 1 - h;
	sp->n_hold_free = WEIR_SP_HOLD_MAX;
	return 0;
}

void
weir_sp_fini_worker(struct weir_sp_worker *sp)
{
	unsigned int h;

	/* Segments still held at shutdown: their connections end with weir. */
	if (sp->hold != NULL)
		for (h = 0; h < WEIR_SP_HOLD_MAX; h++)
			rte_pktmbuf_free(sp->hold[h].m);
	rte_free(sp->hold);
	rte_free(sp->hold_free);
	rte_free(sp->slot);
	rte_free(sp->syn_sec);
	rte_free(sp->syn_count);
	rte_free(sp->cookie_sec);
	memset(sp, 0, sizeof(*sp));
}

json_t *
weir_sp_service_json(unsigned int svc)
{
	const struct weir_synproxy_config *pc = &weir.cfg->services[svc].synproxy;

	const char *secret =
		pc->has_secret || weir.cfg->has_cookie_secret ? "configured" : "random";

	if (pc->enabled)
		return json_pack("{s:s, s:I, s:i, s:i, s:s}", "cookies", "over syn_rate",
				 "syn_rate", (json_int_t)pc->syn_rate, "mss", pc->mss, "wscale",
				 pc->wscale, "secret", secret);
	if (pc->on_pressure)
		return json_pack("{s:s, s:i, s:i, s:s}", "cookies", "under pressure", "mss",
				 pc->mss, "wscale", pc->wscale, "secret", secret);
	return NULL;
}
