/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_RATELIMIT_H
#define WEIR_RATELIMIT_H

/**
 * @file
 * Rate limiting: token bucket, GCRA, two-counter sliding window, concurrency
 * cap and progressive bans, and a heavy-hitter summary (Space-Saving) to
 * report the sources that are denied most. Each algorithm has a params struct, validated
 * once by its *_params_init() and shared by the keys with that limit, and a
 * per-key state of 8-16 bytes that the caller stores; a zero-filled state is
 * a fresh key. Pure C: no DPDK, no clock reads (time comes in as now_ns, up
 * to WEIR_RL_TIME_MAX; a step back grants nothing), no allocation, no
 * floating point, exact integer arithmetic with 128-bit intermediates where
 * products can exceed 64 bits. Decisions return 0 (admitted) or -EAGAIN
 * (denied) and, unless d is NULL, fill a struct weir_rl_decision with what
 * the RateLimit, Retry-After and X-RateLimit-* headers need; n == 0 asks
 * without taking. Built with -DWEIR_DEBUG, they also return -EINVAL for a
 * NULL params or state pointer or now_ns > WEIR_RL_TIME_MAX.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Largest now_ns accepted by every function (2^63 - 1 ns, 292 years). */
#define WEIR_RL_TIME_MAX ((uint64_t)INT64_MAX)
/** Largest duration, and bound on burst x reduced period (2^62 ns, 146 years). */
#define WEIR_RL_SPAN_MAX (UINT64_C(1) << 62)
/** One second in ns. */
#define WEIR_RL_NS_PER_S UINT64_C(1000000000)

/** The outcome of one decision, with what the HTTP rate-limit headers need. */
struct weir_rl_decision {
	bool allowed;		 /**< the request may proceed */
	uint64_t limit;		 /**< quota: burst (bucket, GCRA), limit (window, cap) */
	uint64_t remaining;	 /**< units that would still be admitted now */
	uint64_t reset_ns;	 /**< time until the quota is whole again */
	uint64_t retry_after_ns; /**< 0 when allowed; else the earliest admitting wait */
};

/**
 * Round a duration up to whole seconds, as Retry-After and RateLimit-Reset
 * want it: rounding down would invite a client to retry too early.
 *
 * @param ns
 *   Duration in ns.
 * @return
 *   ceil(ns / 1 s).
 */
static inline uint64_t
weir_rl_ns_to_s_ceil(uint64_t ns)
{
	return ns / WEIR_RL_NS_PER_S + (ns % WEIR_RL_NS_PER_S != 0);
}

/* ---- token bucket --------------------------------------------------------- */

/**
 * Token bucket parameters: rate tokens per period_ns, at most burst stored.
 * Fields are private (set by weir_rl_tb_params_init()). Both are reduced by
 * their gcd so that one ns earns rate_r credit units and one token costs
 * period_r: refills are exact for any rate and period.
 */
struct weir_rl_tb_params {
	uint64_t rate_r;   /**< rate / gcd(rate, period): credit units per ns */
	uint64_t period_r; /**< period / gcd(rate, period): credit units per token */
	uint64_t burst;	   /**< bucket size in tokens */
	uint64_t cap;	   /**< burst * period_r: bucket size in credit units */
};

/**
 * Token bucket state of one key (16 bytes). debt counts missing credit in
 * units of 1/rate_r ns, so a refill of dt ns is exactly dt * rate_r units and
 * never rounds. Zero-filled: a full bucket.
 */
struct weir_rl_tb {
	uint64_t debt;	  /**< cap - credit, 0..cap */
	uint64_t last_ns; /**< time of the last refill */
};

/**
 * Validate token bucket parameters: rate tokens per period_ns, burst tokens
 * at most (the burst a full bucket admits at once).
 *
 * @param p
 *   Parameters to fill.
 * @param rate
 *   Tokens added per period (>= 1).
 * @param period_ns
 *   Period in ns (1 .. WEIR_RL_SPAN_MAX).
 * @param burst
 *   Bucket size in tokens (>= 1).
 * @return
 *   0, -EINVAL if p is NULL or a value is 0 or period_ns is out of range,
 *   -ERANGE if burst * period_ns / gcd(rate, period_ns) > WEIR_RL_SPAN_MAX.
 */
int weir_rl_tb_params_init(struct weir_rl_tb_params *p, uint64_t rate, uint64_t period_ns,
			   uint64_t burst);

/**
 * Refill a key's bucket to now_ns and take n tokens if they are all there.
 * Nothing is taken on denial.
 *
 * @param p
 *   Parameters.
 * @param s
 *   State of the key.
 * @param now_ns
 *   Current time (<= WEIR_RL_TIME_MAX).
 * @param n
 *   Tokens to take (0: only report).
 * @param d
 *   Decision to fill, or NULL. limit is the burst.
 * @return
 *   0 if admitted, -EAGAIN if denied, -EINVAL if n > burst (never admissible;
 *   d says denied with retry_after_ns UINT64_MAX).
 */
int weir_rl_tb_take(const struct weir_rl_tb_params *p, struct weir_rl_tb *s, uint64_t now_ns,
		    uint64_t n, struct weir_rl_decision *d);

/* ---- GCRA ----------------------------------------------------------------- */

/**
 * GCRA parameters: limit requests per period_ns, burst at once.
 * Fields are private (set by weir_rl_gcra_params_init()). limit and period
 * are reduced by their gcd, so the emission interval T = period_r / limit_r
 * ns is kept exactly, integral or not.
 */
struct weir_rl_gcra_params {
	uint64_t limit_r;  /**< limit / gcd(limit, period) */
	uint64_t period_r; /**< period / gcd(limit, period) */
	uint64_t burst;	   /**< requests a rested key admits at once */
	uint64_t budget;   /**< burst * period_r: burst * T in units of 1/limit_r ns */
};

/**
 * GCRA state of one key (16 bytes): its theoretical arrival time (TAT) as an
 * exact rational, tat_ns + tat_frac / limit_r ns. With a non-integral
 * emission interval TAT falls between ns; keeping the fraction makes every
 * decision and report exact (GCRA then decides exactly as the token bucket
 * with the same rate and burst). tat_frac stays below limit_r (0 when the
 * interval is integral). Zero-filled: a rested key.
 */
struct weir_rl_gcra {
	uint64_t tat_ns;   /**< TAT rounded down to the ns */
	uint64_t tat_frac; /**< TAT - tat_ns, in units of 1/limit_r ns */
};

/**
 * Validate GCRA parameters: limit requests per period_ns, with bursts of up
 * to burst requests. The emission interval period_ns / limit must be at least
 * 1 ns; it need not be integral.
 *
 * @param p
 *   Parameters to fill.
 * @param limit
 *   Requests per period (1 .. period_ns).
 * @param period_ns
 *   Period in ns (1 .. WEIR_RL_SPAN_MAX).
 * @param burst
 *   Requests a rested key admits at once (>= 1).
 * @return
 *   0, -EINVAL if p is NULL, a value is 0, period_ns is out of range or
 *   limit > period_ns, -ERANGE if burst * period_ns / gcd(limit, period_ns) >
 *   WEIR_RL_SPAN_MAX.
 */
int weir_rl_gcra_params_init(struct weir_rl_gcra_params *p, uint64_t limit, uint64_t period_ns,
			     uint64_t burst);

/**
 * Admit n requests of a key if they conform, moving its TAT by n emission
 * intervals. A denial leaves TAT where it was, so a client retrying in a
 * loop is not pushed further back.
 *
 * @param p
 *   Parameters.
 * @param s
 *   State of the key.
 * @param now_ns
 *   Current time (<= WEIR_RL_TIME_MAX).
 * @param n
 *   Requests (cost) to admit (0: only report).
 * @param d
 *   Decision to fill, or NULL. limit is the burst; reset_ns is TAT - now
 *   rounded up to the ns (1 ns sooner the key is not whole); remaining is
 *   exact; retry_after_ns is exact (1 ns sooner is denied).
 * @return
 *   0 if admitted, -EAGAIN if denied, -EINVAL if n > burst (never admissible;
 *   d says denied with retry_after_ns UINT64_MAX).
 */
int weir_rl_gcra_take(const struct weir_rl_gcra_params *p, struct weir_rl_gcra *s, uint64_t now_ns,
		      uint64_t n, struct weir_rl_decision *d);

/* ---- two-counter sliding window ------------------------------------------- */

/**
 * Count denied requests too (flag of weir_rl_sw_params_init()). By default
 * only admitted requests count, which makes the window a quota: limit
 * requests pass per window whatever the client sends. With this flag every
 * request counts, as in Cloudflare's rate limiting: a client that keeps
 * sending above the limit stays blocked until its own rate drops below it.
 */
#define WEIR_RL_SW_COUNT_DENIED 1u

/**
 * Sliding window parameters: limit requests per window_ns.
 * Fields are private (set by weir_rl_sw_params_init()).
 */
struct weir_rl_sw_params {
	uint64_t limit;	    /**< requests per window */
	uint64_t window_ns; /**< window length */
	uint32_t flags;	    /**< WEIR_RL_SW_* */
};

/**
 * Sliding window state of one key (16 bytes): admitted requests in the
 * current fixed window (number now_ns / window_ns) and in the one before.
 * Zero-filled: nothing admitted.
 */
struct weir_rl_sw {
	uint64_t window; /**< index of the current window */
	uint32_t prev;	 /**< admitted in window - 1 */
	uint32_t curr;	 /**< admitted in window */
};

/**
 * Validate sliding window parameters.
 *
 * @param p
 *   Parameters to fill.
 * @param limit
 *   Requests per window (1 .. UINT32_MAX).
 * @param window_ns
 *   Window in ns (1 .. WEIR_RL_SPAN_MAX).
 * @param flags
 *   0 or WEIR_RL_SW_COUNT_DENIED.
 * @return
 *   0, or -EINVAL if p is NULL, a value is out of range or a flag unknown.
 */
int weir_rl_sw_params_init(struct weir_rl_sw_params *p, uint64_t limit, uint64_t window_ns,
			   uint32_t flags);

/**
 * Admit n requests of a key if the estimated count over the last window_ns
 * leaves room. With e = now_ns % window_ns and W = window_ns, the estimate is
 * prev * (W - e) / W + curr (the previous window's requests assumed spread
 * evenly), and n requests are admitted when estimate + n - 1 < limit. The
 * weighted term is rounded down, which decides exactly like the real-valued
 * estimate because curr, n and limit are integers. Only admitted requests
 * count, unless the params have WEIR_RL_SW_COUNT_DENIED (a denied request
 * is then counted before retry_after_ns is worked out; counts saturate at
 * UINT32_MAX).
 *
 * @param p
 *   Parameters.
 * @param s
 *   State of the key.
 * @param now_ns
 *   Current time (<= WEIR_RL_TIME_MAX).
 * @param n
 *   Requests to admit (0: only report).
 * @param d
 *   Decision to fill, or NULL. reset_ns is when the estimate reaches 0.
 * @return
 *   0 if admitted, -EAGAIN if denied, -EINVAL if n > limit (never admissible;
 *   d says denied with retry_after_ns UINT64_MAX).
 */
int weir_rl_sw_take(const struct weir_rl_sw_params *p, struct weir_rl_sw *s, uint64_t now_ns,
		    uint64_t n, struct weir_rl_decision *d);

/* ---- concurrency cap ------------------------------------------------------ */

/** Concurrency cap parameters. Fields are private. */
struct weir_rl_conc_params {
	uint64_t limit; /**< units held at once */
};

/** Concurrency state of one key. Zero-filled: nothing held. */
struct weir_rl_conc {
	uint64_t active; /**< units held */
};

/**
 * Validate concurrency cap parameters.
 *
 * @param p
 *   Parameters to fill.
 * @param limit
 *   Units (connections, requests in flight) a key may hold at once (>= 1).
 * @return
 *   0, or -EINVAL if p is NULL or limit is 0.
 */
int weir_rl_conc_params_init(struct weir_rl_conc_params *p, uint64_t limit);

/**
 * Hold n more units if they fit under the cap. reset_ns and retry_after_ns
 * are always 0: when room frees up depends on releases, not on time.
 *
 * @param p
 *   Parameters.
 * @param s
 *   State of the key.
 * @param n
 *   Units to hold (0: only report).
 * @param d
 *   Decision to fill, or NULL.
 * @return
 *   0 if held, -EAGAIN if they do not fit, -EINVAL if n > limit.
 */
int weir_rl_conc_acquire(const struct weir_rl_conc_params *p, struct weir_rl_conc *s, uint64_t n,
			 struct weir_rl_decision *d);

/**
 * Give back n units.
 *
 * @param s
 *   State of the key.
 * @param n
 *   Units to release.
 * @return
 *   0, or -ERANGE if fewer than n are held (nothing is released: the count
 *   never goes below zero, and the caller has an accounting bug to count).
 */
int weir_rl_conc_release(struct weir_rl_conc *s, uint64_t n);

/* ---- progressive ban ------------------------------------------------------ */

/** Default first ban: 300 s. */
#define WEIR_RL_BAN_BASE_NS_DEFAULT (300 * WEIR_RL_NS_PER_S)
/** Default growth of each repeat ban. */
#define WEIR_RL_BAN_FACTOR_DEFAULT 2u
/** Default longest ban: 24 h. */
#define WEIR_RL_BAN_MAX_NS_DEFAULT (86400 * WEIR_RL_NS_PER_S)
/** Default forgiveness: a violation 24 h after the last ban ended starts over. */
#define WEIR_RL_BAN_DECAY_NS_DEFAULT (86400 * WEIR_RL_NS_PER_S)

/** Ban parameters. Fields are private (set by weir_rl_ban_params_init()). */
struct weir_rl_ban_params {
	uint64_t base_ns;  /**< first ban */
	uint64_t max_ns;   /**< longest ban */
	uint64_t decay_ns; /**< quiet time after a ban that resets the level */
	uint32_t factor;   /**< growth per repeat */
};

/**
 * Ban state of one key (16 bytes). Zero-filled: never banned.
 */
struct weir_rl_ban {
	uint64_t until_ns; /**< end of the current or last ban */
	uint64_t dur_ns;   /**< length of the last ban; 0 = no history */
};

/**
 * Validate ban parameters.
 *
 * @param p
 *   Parameters to fill.
 * @param base_ns
 *   First ban (WEIR_RL_BAN_BASE_NS_DEFAULT), 1 .. max_ns.
 * @param factor
 *   Multiplier per repeat (WEIR_RL_BAN_FACTOR_DEFAULT), >= 1.
 * @param max_ns
 *   Longest ban (WEIR_RL_BAN_MAX_NS_DEFAULT), base_ns .. WEIR_RL_SPAN_MAX.
 * @param decay_ns
 *   A violation at least this long after the last ban ended gets base_ns
 *   again (WEIR_RL_BAN_DECAY_NS_DEFAULT), <= WEIR_RL_SPAN_MAX; 0 never
 *   escalates.
 * @return
 *   0, or -EINVAL if p is NULL or a value is out of range.
 */
int weir_rl_ban_params_init(struct weir_rl_ban_params *p, uint64_t base_ns, uint32_t factor,
			    uint64_t max_ns, uint64_t decay_ns);

/**
 * Record a violation: ban the key for base_ns, or for factor times its last
 * ban (at most max_ns) if the last ban ended less than decay_ns ago. A key
 * already banned is left as it is (its violations while banned are expected
 * and do not extend the ban).
 *
 * @param p
 *   Parameters.
 * @param s
 *   State of the key.
 * @param now_ns
 *   Current time (<= WEIR_RL_TIME_MAX).
 * @param d
 *   Decision to fill, or NULL: denied, retry_after_ns = reset_ns = time
 *   left in the ban, limit = remaining = 0.
 * @return
 *   0 if a new ban starts, -EALREADY if the key was already banned.
 */
int weir_rl_ban_trigger(const struct weir_rl_ban_params *p, struct weir_rl_ban *s, uint64_t now_ns,
			struct weir_rl_decision *d);

/**
 * Time left in a key's ban.
 *
 * @param s
 *   State of the key.
 * @param now_ns
 *   Current time.
 * @return
 *   ns until the ban ends; 0 if the key is not banned.
 */
uint64_t weir_rl_ban_remaining(const struct weir_rl_ban *s, uint64_t now_ns);

/**
 * Decide whether a key's traffic may pass the ban.
 *
 * @param s
 *   State of the key.
 * @param now_ns
 *   Current time.
 * @param d
 *   Decision to fill, or NULL (as weir_rl_ban_trigger() when banned; all
 *   zero but allowed when not).
 * @return
 *   0 if not banned, -EAGAIN if banned.
 */
int weir_rl_ban_check(const struct weir_rl_ban *s, uint64_t now_ns, struct weir_rl_decision *d);

/**
 * Lift a key's ban now. Its history stays: the decay period counts from
 * now, so a repeat offender still escalates. Zero-fill the state to forget
 * the history as well.
 *
 * @param s
 *   State of the key.
 * @param now_ns
 *   Current time.
 * @return
 *   0 if a ban was lifted, -ENOENT if the key was not banned.
 */
int weir_rl_ban_unban(struct weir_rl_ban *s, uint64_t now_ns);

/* ---- heavy hitters (Space-Saving) ---------------------------------------- */

/**
 * A key of the heavy-hitter summary: an address family and up to 16 bytes
 * of address (an IPv4 address in the first 4). 20 bytes, compared as bytes:
 * pad and the unused address bytes must be zero.
 */
struct weir_rl_topk_key {
	uint8_t family;	  /**< 4 or 6 (any value: the summary does not interpret it) */
	uint8_t pad[3];	  /**< zero */
	uint8_t addr[16]; /**< the address, zero-padded */
};

/** One key of a summary, as reported by weir_rl_topk_query(). */
struct weir_rl_topk_entry {
	struct weir_rl_topk_key key;
	uint64_t count; /**< upper bound of the key's true count */
	uint64_t error; /**< overestimation bound: count - error <= true count <= count */
};

/** Largest number of counters of a summary. */
#define WEIR_RL_TOPK_MAX (UINT32_C(1) << 24)

/**
 * A Space-Saving summary (Metwally, Agrawal, El Abbadi, 2005): k counters
 * over a stream of weighted keys. Opaque; it lives in memory the caller
 * provides (weir_rl_topk_size() bytes), and adds never allocate.
 *
 * Guarantees, with N the total weight added (weir_rl_topk_total()): every
 * tracked key has count - error <= true <= count; error <= N / k; a key
 * whose true count exceeds N / k is tracked; while at most k distinct keys
 * were seen, counts are exact (error 0). A summary is owned by one thread
 * (a worker); control reads one that no worker writes any more (a worker
 * can flip between two).
 */
struct weir_rl_topk;

/**
 * Bytes a summary of k counters needs: 88 to 104 bytes per counter (a
 * 48-byte counter with its key, a 24-byte bucket of the stream summary and
 * 2 to 4 8-byte hash index entries: a power of two >= 2k of them), plus a
 * 128-byte header and one more bucket.
 *
 * @param k
 *   Counters (1 .. WEIR_RL_TOPK_MAX).
 * @return
 *   Size in bytes, or 0 if k is out of range.
 */
size_t weir_rl_topk_size(uint32_t k);

/**
 * Make an empty summary of k counters in caller-provided memory (from
 * malloc, rte_malloc or a static array; nothing in it points outside it
 * except to itself, so it must not be moved once made).
 *
 * @param mem
 *   At least weir_rl_topk_size(k) bytes, 8-byte aligned.
 * @param len
 *   Bytes at mem.
 * @param k
 *   Counters (1 .. WEIR_RL_TOPK_MAX).
 * @param seed
 *   Secret for the index hash: keys are chosen by the traffic, so a random
 *   seed keeps a sender from aiming many keys at one index bucket.
 * @return
 *   The summary (at mem), or NULL with errno EINVAL (mem NULL or not
 *   aligned, k out of range) or ENOSPC (len too small).
 */
struct weir_rl_topk *weir_rl_topk_init(void *mem, size_t len, uint32_t k, uint64_t seed);

/**
 * Count a key count more times. A tracked key's counter grows; a new key
 * takes a free counter, else the smallest one (count min): it starts at
 * min + count with error min. O(1) for count 1 (a hash probe and a move to
 * the next bucket of the stream summary); a larger count also steps over
 * the distinct counts it passes (at most k). No allocation. Counts
 * saturate at UINT64_MAX; count 0 changes nothing.
 *
 * @param t
 *   Summary.
 * @param key
 *   Key (pad and unused bytes zero).
 * @param count
 *   Weight (a packet: 1).
 */
void weir_rl_topk_add(struct weir_rl_topk *t, const struct weir_rl_topk_key *key, uint64_t count);

/**
 * The counter of one key.
 *
 * @param t
 *   Summary.
 * @param key
 *   Key.
 * @param e
 *   Filled with the key, its count and error if it is tracked.
 * @return
 *   0, or -ENOENT if the key is not tracked (its true count is then at
 *   most the smallest count if all k counters are in use, else 0; after
 *   weir_rl_topk_merge(), see there).
 */
int weir_rl_topk_lookup(const struct weir_rl_topk *t, const struct weir_rl_topk_key *key,
			struct weir_rl_topk_entry *e);

/**
 * The n keys with the largest counts, largest first (equal counts by key
 * bytes, ascending). Control path: O(k log n).
 *
 * @param t
 *   Summary.
 * @param out
 *   Room for n entries.
 * @param n
 *   Entries wanted.
 * @return
 *   Entries written: min(n, keys tracked).
 */
uint32_t weir_rl_topk_query(const struct weir_rl_topk *t, struct weir_rl_topk_entry *out,
			    uint32_t n);

/**
 * Merge summaries (one per worker) into dst, which is emptied first and may
 * have any number of counters. A key's merged count is the sum, over the
 * sources, of its count where it is tracked and, where it is not, of the
 * most it can have had there (that source's smallest count if all its
 * counters are in use, else 0); the same for its error. Counts stay upper
 * bounds and count - error stays a lower bound of the key's true total.
 * dst keeps the k largest merged counts.
 *
 * Error bound after the merge, for sources filled by weir_rl_topk_add()
 * alone: let N be the total weight of all sources and M the sum of their
 * smallest counts (0 for a source with free counters; M <= N / k when
 * every source has k counters). Every error is at most M; a key dst does
 * not track has a true total of at most M while dst has free counters,
 * else at most dst's smallest count; every key whose true total exceeds
 * N / k_dst + M is in dst. With k counters everywhere: errors <= N / k and
 * every key above 2 N / k is found. dst can go on counting: a new key
 * takes a free counter at M + weight with error M, or the smallest one.
 *
 * @param dst
 *   Summary to fill; not one of src.
 * @param src
 *   Summaries to merge.
 * @param n_src
 *   Number of them (0 empties dst).
 * @return
 *   0, or -EINVAL if dst is one of src or src is NULL with n_src > 0.
 */
int weir_rl_topk_merge(struct weir_rl_topk *dst, const struct weir_rl_topk *const *src,
		       unsigned int n_src);

/**
 * Empty a summary (control path: O(k)).
 *
 * @param t
 *   Summary.
 */
void weir_rl_topk_reset(struct weir_rl_topk *t);

/**
 * Total weight added since the summary was made or reset (merged: the
 * sources' totals).
 *
 * @param t
 *   Summary.
 * @return
 *   N (saturating at UINT64_MAX).
 */
uint64_t weir_rl_topk_total(const struct weir_rl_topk *t);

/**
 * Keys tracked.
 *
 * @param t
 *   Summary.
 * @return
 *   Counters in use (at most k).
 */
uint32_t weir_rl_topk_count(const struct weir_rl_topk *t);

#endif /* WEIR_RATELIMIT_H */
