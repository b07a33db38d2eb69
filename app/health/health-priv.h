/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_HEALTH_PRIV_H
#define WEIR_HEALTH_PRIV_H

/*
 * Shared by the health stage's files only: the probe table (written by
 * control before the workers start, read-only after), the messages, and
 * control's state.
 */

#include <stdint.h>

#include "health/health.h"
#include "weir_health.h"
#include "weir_probe.h"

/** A probe's failure that is not the exchange's: no next hop to send to. */
#define HEALTH_FAIL_NO_MAC 100

/** Probe k of the table: backend b of pool, reached as service svc's. */
struct hprobe_def {
	uint16_t pool, b, svc;
	uint8_t off; /**< not probed: its backend was removed, or its pool's checks */
};

/** A worker's probe. */
struct weir_hprobe {
	uint16_t k;	/**< index in the probe table; port WEIR_PROBE_PORT_MIN + k */
	uint16_t dport; /**< the port probed, host order */
	uint8_t pi;	/**< port index it leaves by */
	uint8_t family;
	uint8_t active;	    /**< an exchange is in flight */
	uint8_t now;	    /**< weirctl backend check asked for one */
	uint8_t resetup;    /**< a reload changed its settings: set up after this exchange */
	uint8_t src[16];    /**< the service's first local IP */
	uint8_t dst[16];    /**< the backend */
	uint64_t next_ms;   /**< when the next exchange starts */
	uint64_t start_tsc; /**< when this one started (latency), or 0 */
	uint64_t start_ms;  /**< when this one started, on the probes' clock */
	uint32_t exchanges; /**< exchanges started (ISNs with the RX timestamp clock) */
	struct weir_probe pr;
	struct weir_probe_cfg cfg;
};

/** WEIR_MSG_PROBE_RESULT: a probe's verdict. */
struct health_result {
	uint16_t k;
	uint8_t ok;
	uint8_t why; /**< enum weir_probe_fail, or HEALTH_FAIL_NO_MAC */
	uint16_t status;
	uint16_t pad;
	uint32_t latency_us;
};

/** WEIR_MSG_PROBE_NOW: start probe k at once. */
struct health_now {
	uint16_t k;
};

/** WEIR_MSG_PROBE_SETUP: set the probes of pool up again. */
struct health_setup {
	uint16_t pool;
};

/** Control's view of one backend, next to its state machine. */
struct hbackend {
	uint64_t ok, fail;	/**< passive totals last seen */
	uint64_t probes_ok;	/**< good probes */
	uint64_t probes_failed; /**< bad probes */
	uint64_t last_probe_ms; /**< when the last verdict came (0: none yet) */
	uint32_t latency_us;	/**< of the last good probe */
	uint16_t status;	/**< HTTP status of the last probe (0: none) */
	uint8_t why;		/**< the last probe's failure (0: it passed) */
};

/** Control's state of a pool. */
struct hpool {
	struct weir_health_pool hp;
	struct hbackend b[WEIR_MAX_BACKENDS];
	int16_t probe_of[WEIR_MAX_BACKENDS]; /**< each backend's probe index, or -1 */
	uint8_t checked;		     /**< the pool has active checks now */
	uint16_t svc;			     /**< the first service using the pool */
};

/** The stage's shared state. */
struct health_control {
	unsigned int n_probes; /**< entries of probe[]: they are only ever appended */
	uint8_t ports_kept;    /**< some pool had checks at start: probe ports kept */
	struct hprobe_def probe[WEIR_PROBE_PORTS];
	struct hpool *pool[WEIR_MAX_POOLS]; /**< NULL: no service uses the pool */
	uint64_t transitions;
	uint64_t log_s, log_n, log_dropped; /**< transition log lines this second */
	uint64_t log_dropped_total;	    /**< lines not shown since start */
	uint64_t setup_lost;		    /**< reload messages a full inbox refused */
};

extern struct health_control weir_healthc;

/** The failure's name: weir_probe_fail_name(), or "no_mac". */
const char *health_fail_name(unsigned int why);

#endif /* WEIR_HEALTH_PRIV_H */
