/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_COUNTERS_H
#define WEIR_COUNTERS_H

/**
 * @file
 * Counters, described once. Each stage lists its per-worker counters in an
 * X-macro of its types header (WEIR_L4_COUNTERS, ...):
 *
 *   X(name, table, label, unit, help)
 *
 * which declares the field of its stats struct and its descriptor: name
 * (the JSON key, and the metric name), the weirctl stats table it shows in
 * (NULL: JSON only) and its column label there (NULL: the name), its unit
 * and a help line. The core renders every descriptor into weirctl
 * stats/--json (and the descriptors travel in the answer, so weirctl draws
 * its tables from them). Adding a counter is one line in one list.
 *
 * Only the owning worker writes its counters, with plain increments of
 * aligned 64-bit words; control reads them with relaxed loads (never torn
 * on the CPUs DPDK supports): no atomics on the fast path.
 */

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct weir_worker;

/** A stats struct member from a counter list. */
#define WEIR_CTR_FIELD(name, table, label, unit, help) uint64_t name;

/** Kinds. */
enum weir_ctr_kind {
	WEIR_CTR_COUNTER = 1, /**< only goes up */
	WEIR_CTR_GAUGE,	      /**< a level (connections held, ...) */
	WEIR_CTR_RATIO,	      /**< a quotient of two counters (a real) */
};

/** Scopes. */
enum weir_ctr_scope {
	WEIR_CTR_WORKER = 1, /**< one value per worker */
	WEIR_CTR_BACKEND,    /**< one value per worker, service and backend */
};

/** A counter's descriptor. */
struct weir_ctr_desc {
	const char *name;
	const char *table; /**< weirctl stats table, or NULL */
	const char *label; /**< column label, or NULL for the name */
	const char *unit;
	const char *help;
	uint8_t kind;  /**< enum weir_ctr_kind */
	uint8_t scope; /**< enum weir_ctr_scope */
	/** WEIR_CTR_WORKER: a uint64_t at this offset of struct weir_worker;
	 *  WEIR_CTR_BACKEND: of struct weir_l4_backend_stats. Unused with get. */
	size_t off;
	/** Computed values (gauges; NULL for a plain field); svc and b for WEIR_CTR_BACKEND. */
	uint64_t (*get)(const struct weir_worker *w, unsigned int svc, unsigned int b);
	/** WEIR_CTR_RATIO: numerator and denominator counters. */
	const char *num, *den;
};

/** Every descriptor, in weirctl's column order. */
extern const struct weir_ctr_desc weir_ctrs[];
/** Entries of weir_ctrs. */
extern const unsigned int weir_n_ctrs;

/**
 * The stats answer: per worker and in total, every worker-scope counter
 * and the drops by reason; the descriptors and the tables of weirctl.
 *
 * @return
 *   New object {"total", "workers", "counters", "tables"}.
 */
json_t *weir_counters_json(void);

/**
 * A backend's counters summed over the workers, added to its object.
 *
 * @param svc
 *   Service index.
 * @param b
 *   Backend index in the service's pool.
 * @param o
 *   The backend's object.
 */
void weir_counters_backend_json(unsigned int svc, unsigned int b, json_t *o);

#endif /* WEIR_COUNTERS_H */
