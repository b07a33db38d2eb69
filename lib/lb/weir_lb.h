/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_LB_H
#define WEIR_LB_H

/**
 * @file
 * Backend selection: the Maglev lookup table (Eisenbud et al., NSDI 2016)
 * and the schedulers a service can choose (maglev, rr, wrr, least_conn,
 * source_hash, least_rtt, adaptive), over a set of backends with their
 * weights and live state.
 *
 * Pure C: no DPDK, no clock reads, no allocation on the pick path. Time
 * comes in as now_ns. The Maglev build is a pure function of the backends'
 * identities and weights, with hash functions fixed here, so every weir
 * instance (behind ECMP, on any machine) builds the same table from the same
 * set. The data path only reads table[reduce(hash)].
 */

#include <stddef.h>
#include <stdint.h>

/** Default Maglev table size: a prime, > 100 x the backends of a large pool. */
#define WEIR_MAGLEV_DEFAULT_SIZE 65537u
/** Largest table size accepted. */
#define WEIR_MAGLEV_MAX_SIZE 16777259u
/** Slot value when no backend can take traffic. */
#define WEIR_LB_NONE UINT32_MAX
/** Largest backend weight. */
#define WEIR_LB_MAX_WEIGHT 65535u

/**
 * A 64-bit hash of bytes with a seed. Fixed here (not the platform's) so
 * tables agree across machines; byte order independent.
 *
 * @param data
 *   Bytes to hash.
 * @param len
 *   Number of bytes.
 * @param seed
 *   Seed; different seeds give independent hashes.
 * @return
 *   The hash.
 */
uint64_t weir_lb_hash64(const void *data, size_t len, uint64_t seed);

/**
 * A backend's identity for Maglev: its address family, address and port.
 * Two instances configured with the same backends derive the same ids.
 *
 * @param family
 *   4 or 6.
 * @param addr
 *   4 or 16 bytes, network order.
 * @param port
 *   Port in host order.
 * @return
 *   The identity.
 */
uint64_t weir_lb_backend_id(int family, const uint8_t *addr, uint16_t port);

/** One backend as the Maglev builder sees it. */
struct weir_maglev_entry {
	uint64_t id;	 /**< weir_lb_backend_id() */
	uint32_t weight; /**< 0 = takes no slots (disabled or draining) */
};

/** A built lookup table: slot -> backend index. */
struct weir_maglev {
	uint32_t size;	     /**< M, prime */
	uint32_t n_backends; /**< entries the table was built from */
	uint32_t slots[];    /**< M backend indexes, or WEIR_LB_NONE */
};

/**
 * Tell whether a table size is acceptable: prime, 3 <= size <=
 * WEIR_MAGLEV_MAX_SIZE.
 *
 * @param size
 *   Candidate M.
 * @return
 *   1 if acceptable, 0 otherwise.
 */
int weir_maglev_size_ok(uint32_t size);

/**
 * Build a lookup table. Backends with weight w take about M * w / sum(w)
 * slots; identical inputs give identical tables. Builders run on the
 * control thread; the result is published to workers by pointer.
 *
 * @param size
 *   M; see weir_maglev_size_ok().
 * @param e
 *   Backends, indexed as the slots will name them.
 * @param n
 *   Number of backends (may be 0: every slot WEIR_LB_NONE).
 * @return
 *   A new table (free with weir_maglev_free()), or NULL with errno EINVAL
 *   (bad size, weight above WEIR_LB_MAX_WEIGHT, n >= WEIR_LB_NONE) or ENOMEM.
 */
struct weir_maglev *weir_maglev_build(uint32_t size, const struct weir_maglev_entry *e, uint32_t n);

/**
 * Build the table of backends some of which are out of service (failed
 * health checks, ejected): each slot of the table of every backend
 * (weir_maglev_build(size, e, n), the "home" table) keeps its backend if
 * that backend serves; the slots of backends that do not serve go to the
 * backend that a table built without them gives the slot. So only the
 * failed backends' slots move (their connections have to go somewhere),
 * every other flow stays where it was, and the failed backends' slots are
 * shared as evenly as a table without them would share them; when they
 * serve again, the home table is back exactly. A pure function of (e,
 * serving): weirs with the same view build the same table.
 *
 * @param size
 *   M; see weir_maglev_size_ok().
 * @param e
 *   Backends with their configured weights (0: drained, no slots).
 * @param n
 *   Number of backends.
 * @param serving
 *   n flags: 1 if backend i may take new connections.
 * @return
 *   A new table, or NULL (as weir_maglev_build()).
 */
struct weir_maglev *weir_maglev_build_failover(uint32_t size, const struct weir_maglev_entry *e,
					       uint32_t n, const uint8_t *serving);

/**
 * Free a table.
 *
 * @param m
 *   Table or NULL.
 */
void weir_maglev_free(struct weir_maglev *m);

/**
 * The backend a flow hash maps to.
 *
 * @param m
 *   Table.
 * @param hash
 *   Flow hash (5-tuple, or source address for sticky services).
 * @return
 *   Backend index, or WEIR_LB_NONE if no backend takes traffic.
 */
static inline uint32_t
weir_maglev_lookup(const struct weir_maglev *m, uint64_t hash)
{
	/* Lemire's multiply-shift range reduction: no division on the fast path. */
	uint32_t h = (uint32_t)(hash ^ (hash >> 32));

	return m->slots[(uint32_t)(((uint64_t)h * m->size) >> 32)];
}

/** Schedulers, chosen per service. */
enum weir_sched_kind {
	WEIR_SCHED_MAGLEV = 0,	/**< Maglev over the flow hash (5-tuple or source) */
	WEIR_SCHED_RR,		/**< round robin over available backends */
	WEIR_SCHED_WRR,		/**< smooth weighted round robin */
	WEIR_SCHED_LEAST_CONN,	/**< fewest active connections per unit of weight */
	WEIR_SCHED_SOURCE_HASH, /**< weighted rendezvous hash of the source address */
	WEIR_SCHED_LEAST_RTT,	/**< lowest EWMA of handshake RTT */
	WEIR_SCHED_ADAPTIVE,	/**< active x response time x recent failures, per weight */
	WEIR_SCHED__MAX,
};

/**
 * Name of a scheduler as written in the config ("maglev", "least_conn", ...).
 *
 * @param k
 *   Scheduler.
 * @return
 *   Static string; "unknown" when out of range.
 */
const char *weir_sched_name(enum weir_sched_kind k);

/**
 * Scheduler by its config name.
 *
 * @param name
 *   Name.
 * @return
 *   The scheduler, or -1 if the name is unknown.
 */
int weir_sched_from_name(const char *name);

/** Live state of one backend, kept by the worker that schedules over it. */
struct weir_lb_backend {
	uint64_t id;	      /**< weir_lb_backend_id() */
	uint32_t weight;      /**< 0 = drain: no new flows */
	uint32_t active;      /**< connections this worker has open to it */
	uint64_t rtt_ewma_ns; /**< EWMA of handshake RTT, 0 until the first sample */
	uint32_t fail_ewma;   /**< EWMA of failures, 0..WEIR_LB_FAIL_ONE */
	int32_t wrr_current;  /**< smooth WRR state */
};

/** Fixed-point 1.0 of fail_ewma. */
#define WEIR_LB_FAIL_ONE 65536u
/** RTT assumed for a backend without samples in the adaptive score. */
#define WEIR_LB_RTT_UNKNOWN_NS 1000000u

/** A scheduler over a pool, one per (service, worker): never shared. */
struct weir_sched {
	enum weir_sched_kind kind;
	uint32_t n;			 /**< backends */
	struct weir_lb_backend *b;	 /**< n backends (caller's storage) */
	const struct weir_maglev *table; /**< WEIR_SCHED_MAGLEV only */
	uint32_t rr_next;		 /**< WEIR_SCHED_RR cursor */
};

/**
 * Choose a backend for a new flow. Established flows never come here: the
 * connection table keeps them where they are.
 *
 * @param s
 *   Scheduler.
 * @param flow_hash
 *   Hash of the flow (Maglev) or of the source address (sticky services).
 * @param src_hash
 *   Hash of the source address (source_hash).
 * @return
 *   Backend index, or WEIR_LB_NONE if every backend has weight 0.
 */
uint32_t weir_sched_pick(struct weir_sched *s, uint64_t flow_hash, uint64_t src_hash);

/**
 * Account a connection opened to backend i (after weir_sched_pick()).
 *
 * @param s
 *   Scheduler.
 * @param i
 *   Backend index.
 */
void weir_sched_conn_open(struct weir_sched *s, uint32_t i);

/**
 * Account a connection to backend i that ended.
 *
 * @param s
 *   Scheduler.
 * @param i
 *   Backend index.
 */
void weir_sched_conn_close(struct weir_sched *s, uint32_t i);

/**
 * Feed a handshake outcome: the RTT of a completed handshake, or a failure
 * (timeout, RST) when ok is 0. EWMA weight 1/8 (as TCP's SRTT).
 *
 * @param s
 *   Scheduler.
 * @param i
 *   Backend index.
 * @param ok
 *   1 if the handshake completed.
 * @param rtt_ns
 *   Measured RTT when ok.
 */
void weir_sched_observe(struct weir_sched *s, uint32_t i, int ok, uint64_t rtt_ns);

#endif /* WEIR_LB_H */
