/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_KEYLIMIT_H
#define WEIR_KEYLIMIT_H

/**
 * @file
 * Per-key rate limits exact across worker threads: one table shared by all
 * workers holds the state of every (key, rule) pair in a 32-byte entry, and
 * a decision on a key the table has is one 16-byte compare-and-swap of the
 * entry's tag and state (lock-free, retried when another worker changed the
 * key meanwhile), so N workers admit exactly what one would. A missing key
 * is inserted, or takes the place of a key whose limits are whole again
 * ("rested": evicting it loses nothing), under a per-set spinlock; when its
 * set of 4 entries has neither, the decision is -ENOSPC and the caller
 * chooses (admit, deny, or fall back to a per-worker limiter). Keys are
 * 64-bit hashes the caller makes (API key, JWT subject, client address).
 * Rules: GCRA, token bucket (the same admissions as GCRA with burst =
 * capacity) and the two-counter sliding window, each in 8 bytes of state.
 * Pure C (x86-64, cmpxchg16b), no DPDK, no clock reads (now_ns comes in:
 * a monotonic clock in ns, <= WEIR_RL_TIME_MAX), no allocation.
 */

#include <stddef.h>
#include <stdint.h>

#include "weir_ratelimit.h"

/** Algorithm of a rule. */
enum weir_kl_alg {
	WEIR_KL_GCRA = 1,	/**< GCRA: limit per window, bursts of burst */
	WEIR_KL_TOKEN_BUCKET,	/**< limit tokens per window, capacity burst */
	WEIR_KL_SLIDING_WINDOW, /**< two-counter sliding window: limit per window */
};

/** Rule ids are 0 .. WEIR_KL_RULE_IDS - 1. */
#define WEIR_KL_RULE_IDS 1024u
/** Largest limit of a sliding window rule (its counts are 20 bits). */
#define WEIR_KL_SW_LIMIT_MAX ((UINT64_C(1) << 20) - 1)
/** Shortest window of a sliding window rule (1 ms). */
#define WEIR_KL_SW_WINDOW_MIN UINT64_C(1000000)
/** Most rules one weir_kl_take() applies. */
#define WEIR_KL_RULES_MAX 16u
/** Largest number of entries of a table (2^30: 32 GiB). */
#define WEIR_KL_ENTRIES_MAX (UINT32_C(1) << 30)

/**
 * A rule: an algorithm, a limit per window and a burst, under an id that
 * names it in the table (one id, one rule, for the table's life). Fields
 * are private (set by weir_kl_rule_init()); rules are shared by workers,
 * read only.
 */
struct weir_kl_rule {
	uint64_t limit;		     /**< requests per window */
	uint64_t window_ns;	     /**< window */
	uint64_t t_ns;		     /**< GCRA, token bucket: emission interval */
	uint64_t burst;		     /**< GCRA, token bucket: burst (capacity) */
	struct weir_rl_sw_params sw; /**< sliding window */
	uint16_t id;		     /**< rule id, mixed into the entry's tag */
	uint8_t alg;		     /**< enum weir_kl_alg */
};

/** What one rule says about a request: what the RateLimit headers need. */
struct weir_kl_result {
	uint8_t allowed;    /**< this rule admits (admitted, or would admit) the request */
	uint64_t limit;	    /**< the quota: burst (GCRA, token bucket), limit (window) */
	uint64_t remaining; /**< requests that would still pass now, <= limit */
	uint64_t reset_ns;  /**< time until the quota is whole again */
	uint64_t retry_ns;  /**< not allowed: time until 1 request passes (<= reset_ns); else 0 */
};

/** Counters of a table. */
struct weir_kl_stats {
	uint64_t used;	      /**< entries holding a key */
	uint64_t evictions;   /**< rested keys replaced by new ones */
	uint64_t full;	      /**< decisions that returned -ENOSPC */
	uint64_t cas_retries; /**< compare-and-swaps lost to another worker */
};

/** A table (opaque), in memory the caller provides. */
struct weir_kl_table;

/**
 * Validate a rule.
 *
 * GCRA and token bucket: the emission interval T = window_ns / limit is
 * rounded up to the ns (integral for the usual tiers: 5/min is 12 s; 3/s
 * becomes 333333334 ns, a hair slower, so a rule never admits more than it
 * says). The token bucket holding burst tokens and earning one per T admits
 * exactly the requests GCRA with that T and burst admits (the ATM Forum's
 * GCRA is the "virtual scheduling" form of the leaky/token bucket; see
 * lib/ratelimit/bucket.c and test_tb_gcra_agree), so it is kept as GCRA.
 *
 * @param r
 *   Rule to fill.
 * @param id
 *   Rule id (< WEIR_KL_RULE_IDS), unique among the rules used with a table.
 * @param alg
 *   enum weir_kl_alg.
 * @param limit
 *   Requests per window (>= 1; <= window_ns; sliding window: <=
 *   WEIR_KL_SW_LIMIT_MAX).
 * @param window_ns
 *   Window (1 ns .. WEIR_RL_SPAN_MAX; sliding window: >= 1 ms).
 * @param burst
 *   GCRA, token bucket: requests a rested key admits at once (0: limit);
 *   sliding window: 0.
 * @param why
 *   If not NULL, set to a static message on error.
 * @return
 *   0, or -EINVAL.
 */
int weir_kl_rule_init(struct weir_kl_rule *r, uint16_t id, uint8_t alg, uint64_t limit,
		      uint64_t window_ns, uint64_t burst, const char **why);

/**
 * Bytes a table of entries entries needs: 32 per entry, 1 per set of 4
 * (its lock), a header and 8 KiB of rule ids.
 *
 * @param entries
 *   Entries wanted (1 .. WEIR_KL_ENTRIES_MAX), rounded up to a power of two
 *   (at least 4).
 * @return
 *   Size in bytes, or 0 if entries is out of range.
 */
size_t weir_kl_table_size(uint32_t entries);

/**
 * Make an empty table in caller-provided memory (zeroed here).
 *
 * @param mem
 *   At least weir_kl_table_size(entries) bytes, 64-byte aligned, shared by
 *   the workers.
 * @param len
 *   Bytes at mem.
 * @param entries
 *   Entries (rounded as weir_kl_table_size() says).
 * @return
 *   The table (at mem), or NULL with errno EINVAL (mem NULL or misaligned,
 *   entries out of range) or ENOSPC (len too small).
 */
struct weir_kl_table *weir_kl_table_init(void *mem, size_t len, uint32_t entries);

/**
 * Decide one request of a key against n rules: admitted only if every rule
 * admits it. The rules are taken in order; when rule i denies, what rules
 * 0 .. i-1 took is given back (see below), the rules after i are only read
 * (their res says whether they would admit) and every rule that denies
 * counts the request as limited. An admitted request counts as allowed on
 * every rule.
 *
 * Giving back undoes a take only while the key's state is still the one
 * that take wrote (no other decision on that key since): then restoring it
 * is exact. Otherwise nothing is given back and the key keeps the charge of
 * a request it did not serve until it replenishes. So giving back never
 * admits more than the quota; a concurrent decision can see a remaining
 * lower by one for a moment (conservative).
 *
 * @param t
 *   Table.
 * @param key
 *   Key (a hash of what is limited).
 * @param rules
 *   Rules.
 * @param n
 *   Number of rules (1 .. WEIR_KL_RULES_MAX).
 * @param now_ns
 *   Current time (monotonic ns).
 * @param res
 *   n results, or NULL. Limited: the taken rules' results are after the
 *   give-back, as if the request had not come.
 * @return
 *   1 admitted, 0 limited, -ENOSPC if a rule's key has no entry and its set
 *   has no free or rested one (what earlier rules took is given back
 *   as above; res is unspecified; the caller decides), -EINVAL if n is 0 or above
 * WEIR_KL_RULES_MAX.
 */
int weir_kl_take(struct weir_kl_table *t, uint64_t key, const struct weir_kl_rule *rules,
		 unsigned int n, uint64_t now_ns, struct weir_kl_result *res);

/**
 * Read a key's state under n rules without taking anything (weirctl usage).
 * A key the table does not hold reads as rested with 0 counts.
 *
 * @param t
 *   Table.
 * @param key
 *   Key.
 * @param rules
 *   Rules.
 * @param n
 *   Number of rules.
 * @param now_ns
 *   Current time.
 * @param res
 *   n results: allowed says whether 1 request would pass.
 * @param allowed
 *   n counts of admitted requests since the entry was made, or NULL.
 * @param limited
 *   n counts of limited requests since the entry was made, or NULL.
 * @return
 *   The number of rules whose key the table holds (0 .. n).
 */
int weir_kl_peek(const struct weir_kl_table *t, uint64_t key, const struct weir_kl_rule *rules,
		 unsigned int n, uint64_t now_ns, struct weir_kl_result *res, uint64_t *allowed,
		 uint64_t *limited);

/**
 * Read a table's counters (relaxed: each is exact, together a snapshot).
 * Control path: used is counted over the whole table.
 *
 * @param t
 *   Table.
 * @param s
 *   Counters to fill.
 */
void weir_kl_table_stats(const struct weir_kl_table *t, struct weir_kl_stats *s);

#endif /* WEIR_KEYLIMIT_H */
