/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_GATE_H
#define WEIR_GATE_H

/**
 * @file
 * weir's API gate (lib/gate): what a request's credentials are, whether
 * they are good, whose they are, which tier, and whether the limits of
 * that tier (or of the route) let the request through. Pure: no DPDK; the
 * HTTP stage (app/http) calls it with a parsed request head and answers
 * what it says.
 *
 * Threads. A struct weir_gate is shared by every worker: its settings and
 * rule sets are set before the workers start and only read afterwards;
 * its key table and revocations are published by the control thread as
 * whole immutable tables (a pointer swap: the caller frees an old one
 * once every worker has moved on, by RCU); its limit table is shared and
 * updated by compare-and-swap (lib/ratelimit's key table: exact across
 * workers). A struct weir_gate_local is one worker's own: its cache of
 * verified tokens, its budget of signature checks, its counters.
 */

#include <stddef.h>
#include <stdint.h>

#include "weir_apikey.h"
#include "weir_gate_config.h"
#include "weir_http.h"
#include "weir_http_out.h"
#include "weir_jwt.h"
#include "weir_keylimit.h"

/** Most rule sets (tiers, then the routes' own). */
#define WEIR_GATE_POLICIES_MAX 512

/** The credentials a request carries (pointers into its head, or into buf). */
struct weir_gate_creds {
	const char *token; /**< Authorization: Bearer <token>, or NULL */
	uint32_t token_len;
	const char *key; /**< the API key (header, else query, percent-decoded), or NULL */
	uint32_t key_len;
	const char *bad; /**< NULL, or why the credentials are malformed (a static message) */
	char buf[WEIR_APIKEY_KEY_MAX]; /**< a key taken from the query, decoded */
};

/**
 * Find a request's credentials: an "Authorization: Bearer" token, an API
 * key in the header named key_header, else in the query parameter named
 * key_query ("" for none). Malformed ones (two Authorization fields,
 * another scheme than Bearer is not malformed, a Bearer without token,
 * bytes a token68 may not hold, two key fields, a key that cannot be a
 * key) set c->bad and nothing else.
 *
 * @param r
 *   The parsed head.
 * @param head
 *   Its bytes.
 * @return
 *   0, or -1 when c->bad is set.
 */
int weir_gate_creds(const struct weir_http_req *r, const uint8_t *head, const char *key_header,
		    const char *key_query, struct weir_gate_creds *c);

/** Revoked token ids (jti), until when: an immutable table, published whole. */
struct weir_gate_revoked {
	uint32_t n;
	struct {
		uint64_t h;    /**< weir_gate_jti_hash() of the jti */
		int64_t until; /**< seconds since the epoch */
		char jti[64];
	} e[]; /**< sorted by h */
};

/** The 64-bit hash of a jti that revocations are sorted by. */
uint64_t weir_gate_jti_hash(const char *jti, size_t len);

/** Is jti revoked at now? */
int weir_gate_is_revoked(const struct weir_gate_revoked *rv, const char *jti, int64_t now);

/**
 * A copy of rv (NULL: none) with jti revoked until until (replacing its
 * earlier entry), without the entries expired at now. malloc'ed.
 */
struct weir_gate_revoked *weir_gate_revoke(const struct weir_gate_revoked *rv, const char *jti,
					   int64_t until, int64_t now);

/** Banned keys (a key's limit key, until when: monotonic ns): immutable, sorted by tag. */
struct weir_gate_kbans {
	uint32_t n;
	struct {
		uint64_t tag;
		uint64_t until_ns;
	} e[];
};

/** ns left of a key's ban at now_ns, or 0. */
uint64_t weir_gate_kban_left(const struct weir_gate_kbans *t, uint64_t tag, uint64_t now_ns);

/** A rule set as the limit table takes it. */
struct weir_gate_policy {
	unsigned int n;
	struct weir_kl_rule kl[WEIR_GATE_RULES_MAX];
	const struct weir_gate_rule *rule[WEIR_GATE_RULES_MAX];
};

/** The gate, shared by the workers. */
struct weir_gate {
	const struct weir_gate_config *cfg;
	const struct weir_apikey_table *keys;	 /**< published (atomic pointer) */
	const struct weir_gate_revoked *revoked; /**< published; NULL: none */
	struct weir_kl_table *lim;
	unsigned int n_policies; /**< tiers first, in order */
	struct weir_gate_policy policy[WEIR_GATE_POLICIES_MAX];
	struct weir_gate_policy bad_auth; /**< failed authentications per source */
	struct weir_gate_rule bad_rule;	  /**< its rule (gate.bad_auth) */
	struct weir_gate_policy strikes;  /**< 429s of a key (gate.key_bans); n 0: off */
	struct weir_gate_rule strike_rule;
	const struct weir_gate_kbans *kbans; /**< published; NULL: none */
};

/**
 * Per-worker counters of the gate: X(name, table, label, help), the shape
 * of the daemon's counter lists (app/core/counters.h: the table and label
 * of weirctl stats, NULL for JSON only); their JSON names are "gate_" name.
 */
#define WEIR_GATE_COUNTERS(X)                                                                      \
	X(allowed, "gate", "allowed", "requests the gate let through")                             \
	X(anonymous, NULL, NULL, "of those, on routes without auth")                               \
	X(by_jwt, "gate", "jwt", "of those, with a good token")                                    \
	X(by_key, "gate", "key", "of those, with a good API key")                                  \
	X(no_creds, "gate", "401_none", "401: no credentials where the route needs them")          \
	X(bad_creds, NULL, NULL, "401: malformed credentials")                                     \
	X(bad_token, "gate", "401_token", "401: a token refused (signature, claims, revoked)")     \
	X(unknown_key, "gate", "401_key", "401: an API key not in the table")                      \
	X(blocked, "gate", "403_blocked", "403: a blocked key")                                    \
	X(low_tier, "gate", "403_tier", "403: a tier below the route's min_tier")                  \
	X(limited, "gate", "429", "429: over a limit")                                             \
	X(bad_auth_limited, "gate", "429_bad_auth",                                                \
	  "429: a source over gate.bad_auth (its credentials not even checked)")                   \
	X(bans, "gate", "bans", "sources that went past gate.bad_auth (banned ban_s)")             \
	X(key_bans, "gate", "key_bans", "keys that went past gate.key_bans (reported for a ban)")  \
	X(key_banned, "gate", "403_banned", "403: a banned key (gate.key_bans)")                   \
	X(cold_capped, NULL, NULL, "503: over cold_verify_per_s this second")                      \
	X(table_full, NULL, NULL, "503: no room in the limit table")                               \
	X(cache_hits, "gate", "cached", "tokens found in the worker's cache")                      \
	X(verified, "gate", "verified", "tokens verified (signature checked)")

#define WEIR_GATE_CTR_FIELD(name, table, label, help) uint64_t name;

/** Counters per tier (limited, allowed) and outcome. */
struct weir_gate_stats {
	WEIR_GATE_COUNTERS(WEIR_GATE_CTR_FIELD)
	uint64_t tier_allowed[WEIR_GATE_TIERS_MAX];
	uint64_t tier_limited[WEIR_GATE_TIERS_MAX];
};

/** One worker's part. */
struct weir_gate_local {
	struct weir_jwt_cache cache;
	void *cache_mem;
	void *md; /**< EVP_MD_CTX for the keys' SHA-256, reused */
	void *sha256;
	int64_t cold_second;
	uint32_t cold_left;
	struct weir_gate_stats stats;
	struct weir_jwt_claims claims;
};

/** What a route asks of the gate. */
struct weir_gate_route {
	const struct weir_route_gate *cfg;
	int policy; /**< its own rule set (weir_gate_policy_add()), or -1: the tier's */
};

/** The gate's answer. */
struct weir_gate_out {
	/* Scalars first: weir_gate_decide() clears them at once (up to subject). */
	int status;	    /**< 0: let through; 401, 403, 429, 503 */
	const char *why;    /**< for weir's answer (WWW-Authenticate's error_description) */
	uint8_t how;	    /**< enum weir_gate_auth the request passed by */
	int tier;	    /**< its tier, or -1 */
	int issuer;	    /**< JWT: the issuer's index (cfg->issuers), else -1 */
	uint64_t key;	    /**< the limit key charged (weir_gate_key_of_*()), 0: none */
	unsigned int n_rl;  /**< rl[] in use */
	uint32_t violated;  /**< 429: bit i, rl[i] was exceeded */
	uint8_t ban_source; /**< this failure took the source past gate.bad_auth: ban it */
	uint8_t ban_key;    /**< this 429 took the key past gate.key_bans: ban it */
	int key_policy;	    /**< API key: its own rule set (weir_apikey.extra - 1), else -1 */
	char subject[128];  /**< JWT: sub; API key: the owner */
	char key_id[17];    /**< API key: its id */
	struct weir_http_rl rl[WEIR_GATE_RULES_MAX];
};

/**
 * Set up the gate over a loaded configuration (its tiers become rule sets
 * 0..n_tiers-1). The limit table's memory is the caller's (shared by the
 * workers; weir_kl_table_size(cfg->limit_entries) bytes, 64-byte aligned).
 *
 * @return
 *   0, or -EINVAL with *why.
 */
int weir_gate_init(struct weir_gate *g, const struct weir_gate_config *cfg, void *lim_mem,
		   size_t lim_len, const char **why);

/** Add a route's own rules: the rule set's index, or -ENOSPC. id: unique per route. */
int weir_gate_policy_add(struct weir_gate *g, const struct weir_gate_rules *rs, uint16_t id);

/** The index of a rule set (not a tier's) with the same rules as rs, or -1. */
int weir_gate_policy_find(const struct weir_gate *g, const struct weir_gate_rules *rs);

/** One worker's part (allocates: its token cache). 0 or -ENOMEM. */
int weir_gate_local_init(struct weir_gate_local *l, const struct weir_gate_config *cfg,
			 uint64_t seed);

/** Free it. */
void weir_gate_local_fini(struct weir_gate_local *l);

/**
 * Decide a request.
 *
 * @param addr
 *   The client's address (16 bytes, IPv4 in the first 4) and family (4, 6).
 * @param now_s
 *   Wall clock, seconds (tokens' exp, nbf).
 * @param now_ns
 *   Monotonic ns (limits).
 */
void weir_gate_decide(struct weir_gate *g, struct weir_gate_local *l,
		      const struct weir_gate_route *rt, const struct weir_gate_creds *cr,
		      const uint8_t *addr, uint8_t family, int64_t now_s, uint64_t now_ns,
		      struct weir_gate_out *o);

/** The limit key of an API key (from its hash), of a JWT subject, of an address. */
uint64_t weir_gate_key_of_hash(const uint8_t hash[32]);
uint64_t weir_gate_key_of_subject(unsigned int issuer, const char *sub);
uint64_t weir_gate_key_of_addr(const uint8_t *addr, uint8_t family);

#endif /* WEIR_GATE_H */
