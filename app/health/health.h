/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_HEALTH_STAGE_H
#define WEIR_HEALTH_STAGE_H

/**
 * @file
 * The health stage: active probes of the pools' backends, run by the
 * workers, and each backend's health (lib/health's state machine), kept by
 * control, which the core hands to the L4 stage (weir_l4_set_serving()).
 *
 * Who probes: the worker that owns the probe's local port. A probe k
 * speaks from WEIR_PROBE_PORT_MIN + k of its service's first local IP, so
 * the backend's answers are steered to the worker p % n_workers like any
 * FullNAT reply; that worker sends the probe's segments on its own TX
 * queues, times them with its own clock, and posts each verdict to control
 * (WEIR_MSG_PROBE_RESULT). Control owns no TX queue and ticks every 10 ms:
 * it keeps the state machines, the passive counts and the visibility.
 */

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config/weir_config.h"
#include "core/verdict.h"
#include "health/health-t.h"
#include "weir_pkt.h"

/** The next hop of backend b of service svc, or -1 if not resolved. */
typedef int (*weir_hc_mac_fn)(void *arg, unsigned int svc, unsigned int b, uint8_t mac[6]);

/* ---- workers ---- */

/**
 * Take the probes worker id owns.
 *
 * @return
 *   0, or -1 with err filled (no memory).
 */
int weir_hc_init_worker(struct weir_health_worker *hw, unsigned int id, int socket,
			struct rte_ring *outbox, char *err, size_t errlen);

/** Free the probes (and frames queued but not sent). */
void weir_hc_fini_worker(struct weir_health_worker *hw);

/**
 * Start, retransmit and time out probes due at now_ms; frames to send are
 * queued in hw->out (the core sends them). tsc: the TSC for latencies, or
 * 0 when now_ms comes from packets' RX timestamps (clock "rx_timestamp":
 * the ISNs are then a function of the probe and its exchange, so a
 * replayed capture can answer them, and latencies are in whole ms).
 */
void weir_hc_poll(struct weir_health_worker *hw, uint64_t now_ms, uint64_t tsc, weir_hc_mac_fn mac,
		  void *arg);

/** Is a reply to local port dport (host order) a probe's? */
static inline int
weir_hc_port(const struct weir_health_worker *hw, uint16_t dport)
{
	return hw->n != 0 && dport >= WEIR_PROBE_PORT_MIN;
}

/**
 * A TCP segment to a probe port (weir_hc_port()): taken by its probe;
 * its answers are queued in hw->out.
 *
 * @return
 *   WEIR_V_CONSUMED.
 */
struct weir_verdict weir_hc_input(struct weir_health_worker *hw, const uint8_t *buf,
				  const struct weir_pkt *p, uint64_t now_ms, uint64_t tsc,
				  weir_hc_mac_fn mac, void *arg);

/** WEIR_MSG_PROBE_SETUP: a reload changed a pool's checks: set its probes up again. */
void weir_hc_probe_setup(struct weir_health_worker *hw, const void *payload);

/** WEIR_MSG_PROBE_NOW: start a probe at once (weirctl backend check). */
void weir_hc_probe_now(struct weir_health_worker *hw, const void *payload);

/* ---- control ---- */

/**
 * Set up every pool's health and the probe table (after the L4 stage).
 *
 * @return
 *   0, or -1 with err filled.
 */
int weir_hc_init(char *err, size_t errlen);

/** Free control's state. */
void weir_hc_fini(void);

/**
 * Reload: pool's health and outlier settings changed in the config: the
 * state machine takes the new ones, the workers set the probes up again.
 */
void weir_hc_reload_pool(unsigned int pool);

/** Reload: a backend was appended to pool (before weir_hc_reload_pool()). */
void weir_hc_backend_added(unsigned int pool);

/**
 * Reload: service svc was appended: if its pool had no service, the pool's
 * health (and probes, if it has checks) from now on.
 *
 * @return
 *   0, or -1 without memory.
 */
int weir_hc_service_added(unsigned int svc);

/** Were probe ports kept at start (some pool had checks)? */
int weir_hc_ports_kept(void);

/** Probe ports a reload may still give out (0 if none were kept at start). */
unsigned int weir_hc_probes_free(void);

/** Probes pool would need for n_backends backends with checks (those it lacks). */
int weir_hc_probes_needed(unsigned int pool, unsigned int n_backends);

/** WEIR_MSG_PROBE_RESULT from a worker. */
void weir_hc_result(const void *payload);

/**
 * The data path's handshake outcomes for backend b of pool, as running
 * totals over every worker and service: ok and fail since start, and run,
 * the failures since each worker's last success, summed.
 */
void weir_hc_passive(unsigned int pool, unsigned int b, uint64_t ok, uint64_t fail, uint64_t run,
		     uint64_t now_ms);

/** Breakers' time: call on every control tick, after weir_hc_passive(). */
void weir_hc_control_tick(uint64_t now_ms);

/** May backend b of pool take new connections? */
int weir_hc_serving(unsigned int pool, unsigned int b);

/** Backend b of pool's health for weirctl (a new object), or NULL. */
json_t *weir_hc_backend_json(unsigned int pool, unsigned int b, uint64_t now_ms);

/** Transitions since start, and log lines not shown (over 20 a second). */
json_t *weir_hc_json(void);

/** A pool's health settings for weirctl (a new object). */
json_t *weir_hc_pool_json(unsigned int pool);

/**
 * weirctl backend check: probe backend b of pool now; the answer (through
 * weir_cmd_defer()) is the probe's result.
 *
 * @return
 *   NULL (answered later), or NULL with err filled.
 */
json_t *weir_hc_check(unsigned int pool, unsigned int b, char *err, size_t errlen);

#endif /* WEIR_HEALTH_STAGE_H */
