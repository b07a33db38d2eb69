/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_SRCTAB_H
#define WEIR_SRCTAB_H

/**
 * @file
 * Per-worker table of traffic sources for admission limits: a source (an
 * IPv4 address or an IPv6 prefix, per service) maps to its token buckets. One
 * per worker, never shared: the owner of a client's packets is a function
 * of its address, so its limits are exact without sharing. The state is a
 * token bucket (exact for any rate: lib/ratelimit), plus the time at which
 * that bucket is full again.
 *
 * Bounded: sets of 8 entries. A new source takes a free entry of its set or
 * one whose source is rested (its buckets are full again, which is exactly
 * what a fresh entry says) and holds no open connection, so evicting it
 * gives nobody more than it had. A set whose 8 sources are all still paying
 * for recent traffic takes no new one: weir_srct_get() returns NULL and the
 * caller refuses the new connection (counted). No source over its limit is
 * ever forgotten early.
 */

#include <stdint.h>

#include <weir_ratelimit.h>

/** A source: family, the address (IPv6 masked to its prefix), the service. */
struct weir_src_key {
	uint8_t family; /**< 4 or 6; 0 marks a free entry */
	uint8_t service;
	uint16_t pad;
	uint8_t addr[16];
	uint32_t pad2;
};

struct weir_srctab;

/**
 * Create a table of at least size sources (rounded up to a power of two).
 *
 * @param name
 *   Name of its memory.
 * @param size
 *   Sources tracked at most.
 * @param socket
 *   NUMA socket.
 * @return
 *   The table, or NULL with rte_errno set.
 */
struct weir_srctab *weir_srct_create(const char *name, uint32_t size, int socket);

/**
 * Free a table.
 *
 * @param t
 *   Table or NULL.
 */
void weir_srct_free(struct weir_srctab *t);

/**
 * A tracked source: its buckets (new connections, packets), when both are
 * full again (and any ban is over), its open connections, its refusals
 * since it last rested, and its ban.
 */
struct weir_src_state {
	struct weir_rl_tb tb;	/**< new connections */
	struct weir_rl_tb pk;	/**< packets */
	uint64_t rested_ns;	/**< the caller keeps it current after each take */
	uint32_t conns;		/**< open connections: the entry is kept while > 0 */
	uint32_t strikes;	/**< refusals since the source last rested (bans) */
	struct weir_rl_ban ban; /**< its ban under this rule (rested_ns covers it) */
};

/** No entry (weir_srct_index() of nothing). */
#define WEIR_SRCT_NONE UINT32_MAX

/**
 * The state of a source, created rested (full bucket) if it is new.
 *
 * @param t
 *   Table.
 * @param k
 *   Source (pad fields zero).
 * @param now_ns
 *   Current time: entries with rested_ns <= now_ns and no connections may
 *   be reused.
 * @return
 *   Its state, or NULL if its set holds 8 sources none of which is rested.
 */
struct weir_src_state *weir_srct_get(struct weir_srctab *t, const struct weir_src_key *k,
				     uint64_t now_ns);

/** Keys a bulk lookup hashes and prefetches at once (it takes any n, in such slices). */
#define WEIR_SRCT_BULK_MAX 32

/**
 * weir_srct_get() for a burst: hash every key and prefetch its set first,
 * then resolve the keys in order, so the cache misses of the burst overlap.
 *
 * The result is that of weir_srct_get() on keys[0], keys[1], ... in turn,
 * each state taken (made not rested, as the admission path does) before
 * the next key is looked up: an entry given to an earlier key of the call
 * is never reused for a later one, so every pointer in states stays valid
 * for the whole burst. A key that appears twice gets the same state.
 *
 * @param t
 *   Table.
 * @param keys
 *   n sources (pad fields zero).
 * @param n
 *   Number of keys.
 * @param now_ns
 *   Current time, as for weir_srct_get().
 * @param states
 *   Filled with n states; NULL where a new source found its set full of
 *   sources that are not rested (or hold connections, or were given to an
 *   earlier key of this call).
 * @return
 *   Number of non-NULL states.
 */
unsigned int weir_srct_get_bulk(struct weir_srctab *t, const struct weir_src_key *keys,
				unsigned int n, uint64_t now_ns, struct weir_src_state **states);

/**
 * The state of a source if it is tracked (nothing is created).
 *
 * @param t
 *   Table.
 * @param k
 *   Source (pad fields zero).
 * @return
 *   Its state, or NULL.
 */
struct weir_src_state *weir_srct_find(struct weir_srctab *t, const struct weir_src_key *k);

/**
 * Index of a state in its table (stable while the entry is kept: hold a
 * connection on it to keep it).
 *
 * @param t
 *   Table.
 * @param s
 *   A state weir_srct_get() returned.
 * @return
 *   Its index.
 */
uint32_t weir_srct_index(const struct weir_srctab *t, const struct weir_src_state *s);

/**
 * The state at an index.
 *
 * @param t
 *   Table.
 * @param idx
 *   From weir_srct_index().
 * @return
 *   The state.
 */
struct weir_src_state *weir_srct_at(struct weir_srctab *t, uint32_t idx);

/**
 * Sources in the table (rested ones included, until their entry is reused).
 *
 * @param t
 *   Table.
 * @return
 *   Entries in use.
 */
uint32_t weir_srct_count(const struct weir_srctab *t);

#endif /* WEIR_SRCTAB_H */
