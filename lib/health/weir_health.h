/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_HEALTH_H
#define WEIR_HEALTH_H

/**
 * @file
 * A pool's backend health, pure (no DPDK, no allocation, no clock of its
 * own: every call is given the time in ms). Three inputs decide whether a
 * backend may take new connections ("serving"):
 *
 * - active checks (weir_health_probe()): a backend is UP after `rise`
 *   consecutive good probes and DOWN after `fall` consecutive bad ones.
 *   A backend starts UP (traffic flows from start-up; the first `fall`
 *   probes can take it down). A DOWN backend serves nothing whatever the
 *   breaker says; the share cap below does not apply to it (a backend that
 *   does not answer probes is down).
 * - passive detection (weir_health_passive()): the data path's outcomes of
 *   new connections (handshake failures, later HTTP 5xx): `consecutive`
 *   failures in a row eject the backend.
 * - the circuit breaker, per backend: CLOSED (serving) -> OPEN (ejected:
 *   no new connections) for base_ms * 2^(ejections-1), at most max_ms ->
 *   HALF_OPEN (serving again, on trial) -> CLOSED after `trials`
 *   successes (good probes or good connections), or OPEN again (for longer)
 *   at the first failure (a bad probe or a failed connection) while UP. A
 *   backend DOWN by its checks is not ejected further by its bad probes
 *   (its checks keep it out); when `rise` good probes bring it UP while
 *   OPEN, it turns HALF_OPEN at once (recovered: the trial starts now, not
 *   when an ejection that began while it was dead ends). The ejection
 *   count decays by one for each base_ms spent CLOSED without an ejection
 *   (Envoy's outlier detection model); like Envoy's backoff it stops growing
 *   once the ejection time is max_ms. Only weir_health_tick() ends an
 *   ejection; while OPEN the data path's outcomes (connections opened before
 *   the ejection) are ignored.
 *   An ejection that would leave more than max_pct percent of the pool's
 *   backends not serving is refused (counted in refused_ejections) and the
 *   backend stays CLOSED (a HALF_OPEN one stays HALF_OPEN and starts its
 *   trial over), so noise on the data path cannot empty a pool. Ejecting a
 *   DOWN backend leaves no fewer backends serving, so it is never refused;
 *   max_pct 0 refuses every ejection. A refused ejection needs a new run of
 *   `consecutive` failures before the next try.
 *
 * A backend's state is its active verdict (UP/DOWN) and its breaker;
 * "serving" follows from them (weir_health_serving()). Every change of
 * either is a transition: reported by the call that makes it (return
 * value) and remembered (last_change_ms, why, transitions) so the caller
 * can log it and republish its tables when serving changed.
 */

#include <stdint.h>

/** Most backends in one pool. */
#define WEIR_HEALTH_MAX_BACKENDS 256

/** The breaker's states. */
enum weir_breaker {
	WEIR_BRK_CLOSED = 0,
	WEIR_BRK_OPEN,
	WEIR_BRK_HALF_OPEN,
};

/** Why a backend's state last changed. */
enum weir_health_why {
	WEIR_HW_NONE = 0,
	WEIR_HW_PROBES_FAILED, /**< `fall` bad probes in a row: DOWN */
	WEIR_HW_PROBES_OK,     /**< `rise` good probes in a row: UP */
	WEIR_HW_EJECTED,       /**< `consecutive` failed connections: OPEN */
	WEIR_HW_TRIAL,	       /**< ejection time over: HALF_OPEN */
	WEIR_HW_TRIAL_FAILED,  /**< a failure while HALF_OPEN: OPEN again */
	WEIR_HW_TRIAL_OK,      /**< `trials` successes while HALF_OPEN: CLOSED */
};

/** A pool's settings. */
struct weir_health_params {
	uint32_t rise;	      /**< good probes in a row to come UP (>= 1) */
	uint32_t fall;	      /**< bad probes in a row to go DOWN (>= 1) */
	uint32_t consecutive; /**< failed connections in a row that eject; 0: no ejection */
	uint32_t base_ms;     /**< first ejection's length (>= 1) */
	uint32_t max_ms;      /**< longest ejection (>= base_ms) */
	uint32_t max_pct;     /**< most of the pool (percent, 0-100) out at once by ejection */
	uint32_t trials;      /**< successes that close a HALF_OPEN breaker (>= 1) */
};

/** One backend's state. */
struct weir_health_backend {
	uint8_t up;		  /**< active verdict: 1 UP, 0 DOWN */
	uint8_t brk;		  /**< enum weir_breaker */
	uint8_t why;		  /**< enum weir_health_why of the last change */
	uint8_t last_probe_ok;	  /**< the last probe's result (if probes > 0) */
	uint32_t ok_run;	  /**< good probes in a row */
	uint32_t fail_run;	  /**< bad probes in a row */
	uint32_t consec;	  /**< failed connections in a row (passive) */
	uint32_t trial_ok;	  /**< successes while HALF_OPEN */
	uint32_t ejections;	  /**< ejection level: grows with each, decays while CLOSED */
	uint64_t ejections_total; /**< ejections since start */
	uint64_t probes;	  /**< probes reported */
	uint64_t transitions;	  /**< state changes (UP/DOWN, breaker), each one */
	uint64_t open_until_ms;	  /**< OPEN: when it turns HALF_OPEN */
	uint64_t closed_since_ms; /**< CLOSED: since when (decay of ejections) */
	uint64_t last_change_ms;  /**< the last transition's time (init's time before any) */
};

/** A pool's health. */
struct weir_health_pool {
	struct weir_health_params p;
	uint32_t n;		    /**< backends */
	uint64_t refused_ejections; /**< ejections the share cap refused */
	struct weir_health_backend b[WEIR_HEALTH_MAX_BACKENDS];
};

/**
 * Set a pool up: every backend UP and CLOSED.
 *
 * @param hp
 *   The pool.
 * @param p
 *   Its settings, copied.
 * @param n
 *   Its backends, 0 to WEIR_HEALTH_MAX_BACKENDS.
 * @param now_ms
 *   The time.
 * @return
 *   0, or -1 if a parameter is out of its range or n is too large.
 */
int weir_health_init(struct weir_health_pool *hp, const struct weir_health_params *p, uint32_t n,
		     uint64_t now_ms);

/**
 * One more backend (a reload appended it to the pool): UP and CLOSED, as at
 * weir_health_init().
 *
 * @return
 *   Its index, or -1 if the pool is full.
 */
int weir_health_add(struct weir_health_pool *hp, uint64_t now_ms);

/**
 * A probe's result: counts toward rise or fall, and toward the trial of a
 * HALF_OPEN breaker (a bad probe re-opens it while the backend is UP); the
 * good probe that brings a backend UP while OPEN starts its trial.
 *
 * @param hp
 *   The pool.
 * @param b
 *   The backend (an index beyond the pool is ignored).
 * @param ok
 *   Nonzero if the probe succeeded.
 * @param now_ms
 *   The time.
 * @return
 *   1 if backend b's state changed, else 0.
 */
int weir_health_probe(struct weir_health_pool *hp, uint32_t b, int ok, uint64_t now_ms);

/**
 * The data path's outcomes for backend b since the last call: ok
 * successes, then (or only) fail failures in a row at the end (the caller
 * reads a per-backend "failures since the last success" counter). Either
 * may be 0. The successes reset the run of failures and count toward a
 * HALF_OPEN trial (they may close it, after which the failures count
 * toward a new ejection); failures while HALF_OPEN re-open the breaker.
 *
 * @param hp
 *   The pool.
 * @param b
 *   The backend (an index beyond the pool is ignored).
 * @param ok
 *   Successful new connections.
 * @param fail
 *   Failed new connections after the last success.
 * @param now_ms
 *   The time.
 * @return
 *   1 if backend b's state changed, else 0.
 */
int weir_health_passive(struct weir_health_pool *hp, uint32_t b, uint32_t ok, uint32_t fail,
			uint64_t now_ms);

/**
 * Time passes: OPEN breakers whose time is over turn HALF_OPEN; ejection
 * levels decay.
 *
 * @param hp
 *   The pool.
 * @param now_ms
 *   The time.
 * @return
 *   The number of backends whose state changed.
 */
uint32_t weir_health_tick(struct weir_health_pool *hp, uint64_t now_ms);

/**
 * May backend b take new connections (UP and not OPEN)?
 *
 * @return
 *   1 if so, 0 if not or if b is beyond the pool.
 */
int weir_health_serving(const struct weir_health_pool *hp, uint32_t b);

/** The name of a breaker state ("closed", "open", "half-open"; "unknown"). */
const char *weir_breaker_name(enum weir_breaker s);

/**
 * The text of a reason: "none", "probes failed", "probes ok", "connections
 * failed", "ejection over", "trial failed", "trial ok" ("unknown").
 */
const char *weir_health_why_text(enum weir_health_why w);

#endif
