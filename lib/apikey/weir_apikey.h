/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_APIKEY_H
#define WEIR_APIKEY_H

/**
 * @file
 * API keys for weir's API gate (lib/apikey): a key comes in X-API-Key or
 * ?api_key=, and is only ever stored as its SHA-256. The table maps such a
 * hash to its tier, owner and id (the first 8 bytes of the hash in hex,
 * what backends see in X-Weir-Key-Id; never the key). Pure: no DPDK, no
 * globals; OpenSSL's SHA256() does the hashing.
 *
 * The table is open addressing with linear probing, the home slot taken
 * from the hash's first 4 bytes (a SHA-256 is uniform), at most half full.
 * Removal is by backward-shift deletion: no tombstones, so a table that
 * saw many removals probes exactly as one built from its keys afresh.
 *
 * Threads: the table is built and changed by the control thread only
 * (weir_apikey_table_init(), weir_apikey_add(), weir_apikey_remove()
 * allocate or move entries). Workers only call weir_apikey_find() on a
 * table nobody changes any more: publish changes copy-on-write, with
 * weir_apikey_table_copy(), a change to the copy, and a pointer swap.
 */

#include <stddef.h>
#include <stdint.h>

/** Size of an owner, with its NUL (at most 47 bytes of text). */
#define WEIR_APIKEY_OWNER_MAX 48
/** Shortest key accepted by weir_apikey_key_valid(), bytes. */
#define WEIR_APIKEY_KEY_MIN 16
/** Longest key accepted by weir_apikey_key_valid(), bytes. */
#define WEIR_APIKEY_KEY_MAX 128
/** Largest capacity weir_apikey_table_init() takes (2^31 slots). */
#define WEIR_APIKEY_CAPACITY_MAX (UINT32_C(1) << 30)

/** One key, by its hash. A slot with used == 0 is empty. */
struct weir_apikey {
	uint8_t hash[32]; /**< SHA-256 of the key */
	uint8_t tier;	  /**< index into the gate's tiers */
	uint8_t blocked;  /**< 1: refused (the gate says so); 0 after weir_apikey_add() */
	uint8_t used;	  /**< 1: this slot holds a key */
	char owner[WEIR_APIKEY_OWNER_MAX]; /**< who the key is for, NUL-terminated */
	/** 16 lowercase hex digits: the first 8 bytes of the hash. What backends see in
	 * X-Weir-Key-Id, never the key. */
	char id[17];
	/** The caller's: 0 (weir_apikey_add()), or what the key's own settings are
	 * (the gate: 1 + the index of the key's own limit rules). */
	uint16_t extra;
};

/** The keys: a hash table. Zeroed: empty, finds nothing, refuses adds. */
struct weir_apikey_table {
	uint32_t mask;		  /**< slots - 1, slots a power of two */
	uint32_t n;		  /**< keys in the table (at most (mask + 1) / 2) */
	struct weir_apikey *slot; /**< mask + 1 slots */
};

/**
 * SHA-256 of a key.
 *
 * @param key
 *   The key's bytes (may be NULL if len is 0).
 * @param len
 *   Its length.
 * @param out
 *   The hash.
 */
void weir_apikey_hash(const uint8_t *key, size_t len, uint8_t out[32]);

/**
 * Read a hash written in hex (configuration stores hashes, not keys).
 *
 * @param hex
 *   Exactly 64 hex digits, either case, then the NUL.
 * @param out
 *   The hash; not written on error.
 * @return
 *   0, or -EINVAL (NULL, shorter, longer, or a byte not a hex digit).
 */
int weir_apikey_hash_hex(const char *hex, uint8_t out[32]);

/**
 * Whether bytes can be a key: WEIR_APIKEY_KEY_MIN to WEIR_APIKEY_KEY_MAX
 * bytes of visible ASCII (0x21 to 0x7e) other than ',' ';' '"' and '\\',
 * so that a key reads the same in a header value (no list or parameter
 * separators, no quoting) and in a query parameter after decoding.
 *
 * @param key
 *   The bytes (NULL: not a key).
 * @param len
 *   Their length.
 * @return
 *   1 if they can be a key, else 0.
 */
int weir_apikey_key_valid(const uint8_t *key, size_t len);

/**
 * Make an empty table for up to capacity keys: the smallest power of two
 * of slots >= 2 * capacity (at least 2). Allocates (control thread only):
 * free with weir_apikey_table_free().
 *
 * @param t
 *   The table to fill (overwritten; not freed first).
 * @param capacity
 *   Most keys it must hold, at most WEIR_APIKEY_CAPACITY_MAX.
 * @return
 *   0, or -ENOMEM (out of memory, or capacity above WEIR_APIKEY_CAPACITY_MAX);
 *   t is zeroed on error.
 */
int weir_apikey_table_init(struct weir_apikey_table *t, uint32_t capacity);

/**
 * Free a table's slots and zero it. A zeroed table may be freed.
 *
 * @param t
 *   The table (NULL: nothing).
 */
void weir_apikey_table_free(struct weir_apikey_table *t);

/**
 * Copy a table, slots and all, for copy-on-write publication: change the
 * copy, then publish it. Allocates.
 *
 * @param dst
 *   The copy (overwritten; not freed first). Same capacity as src.
 * @param src
 *   The table copied (a zeroed one gives a zeroed copy).
 * @return
 *   0, or -ENOMEM (dst zeroed).
 */
int weir_apikey_table_copy(struct weir_apikey_table *dst, const struct weir_apikey_table *src);

/**
 * Add a key by its hash, not blocked, its id made from the hash.
 *
 * @param t
 *   The table.
 * @param hash
 *   The key's SHA-256.
 * @param tier
 *   Its tier.
 * @param owner
 *   Who it is for: at most WEIR_APIKEY_OWNER_MAX - 1 bytes, no control
 *   bytes (0x00 to 0x1f, 0x7f); NULL is "".
 * @return
 *   0, or -EINVAL (owner too long or with a control byte), -EEXIST (that
 *   hash is in the table already), -ENOSPC (the table would be more than
 *   half full), checked in that order. The table is unchanged on error.
 */
int weir_apikey_add(struct weir_apikey_table *t, const uint8_t hash[32], uint8_t tier,
		    const char *owner);

/**
 * Remove a key by its hash (backward-shift deletion: the keys after it in
 * its probe run move back, so every other key stays findable; pointers
 * from weir_apikey_find() into the table are stale after it).
 *
 * @param t
 *   The table.
 * @param hash
 *   The key's SHA-256.
 * @return
 *   0, or -ENOENT.
 */
int weir_apikey_remove(struct weir_apikey_table *t, const uint8_t hash[32]);

/**
 * Find a key by its hash: no allocation, O(1) expected (linear probing
 * from the home slot to the first empty one).
 *
 * @param t
 *   The table.
 * @param hash
 *   The SHA-256 of the key presented.
 * @return
 *   Its entry (the caller may change tier, blocked and owner, on a table
 *   not yet published), or NULL.
 */
struct weir_apikey *weir_apikey_find(const struct weir_apikey_table *t, const uint8_t hash[32]);

#endif /* WEIR_APIKEY_H */
