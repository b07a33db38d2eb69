/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_GATE_CONFIG_H
#define WEIR_GATE_CONFIG_H

/**
 * @file
 * Configuration of the API gate (docs/configuration.md, "The API gate"):
 * the top-level "gate" object (JWT issuers, API keys, tiers and their
 * limits, the gate's sizes) and what an http service and its routes say
 * about authentication ("auth", "min_tier", "limits").
 */

#include <stdint.h>

#include "weir_jwt.h"

/** Most JWT issuers. */
#define WEIR_GATE_ISSUERS_MAX 8
/** Most tiers. */
#define WEIR_GATE_TIERS_MAX 16
/** Most limit rules of one tier, route or key. */
#define WEIR_GATE_RULES_MAX 4
/** Most API keys the configuration file may list. */
#define WEIR_GATE_CONF_KEYS_MAX 65536
/** Length of a tier, rule or issuer name, with its NUL. */
#define WEIR_GATE_NAME_MAX 32

/** How a route authenticates its requests ("auth"). */
enum weir_gate_auth {
	WEIR_GATE_AUTH_NONE = 0, /**< nobody: limits (if any) per client address */
	WEIR_GATE_AUTH_JWT,	 /**< a Bearer token of one of the issuers */
	WEIR_GATE_AUTH_API_KEY,	 /**< an API key */
	WEIR_GATE_AUTH_ANY,	 /**< either (a token is tried first) */
};

/** The algorithm of a limit rule. */
enum weir_gate_alg {
	WEIR_GATE_GCRA = 1,	  /**< "gcra" (the default) */
	WEIR_GATE_TOKEN_BUCKET,	  /**< "token_bucket" */
	WEIR_GATE_SLIDING_WINDOW, /**< "sliding_window" */
};

/** One limit rule: limit requests per window_s, the policy name of the headers. */
struct weir_gate_rule {
	char name[WEIR_GATE_NAME_MAX]; /**< the RateLimit policy's name */
	uint8_t alg;		       /**< enum weir_gate_alg */
	uint32_t limit;		       /**< requests per window (the quota q) */
	uint32_t window_s;	       /**< the window w, seconds */
	uint32_t burst;		       /**< gcra/token_bucket: at once (default: limit) */
};

/** Limit rules (a tier's, a route's). */
struct weir_gate_rules {
	uint8_t n;
	struct weir_gate_rule r[WEIR_GATE_RULES_MAX];
};

/** A tier: its name and limits; tiers rank by their order (min_tier). */
struct weir_gate_tier {
	char name[WEIR_GATE_NAME_MAX];
	struct weir_gate_rules rules;
};

/** A JWT issuer (its keys loaded: weir_config_free() frees them). */
struct weir_gate_issuer {
	char name[WEIR_GATE_NAME_MAX];
	struct weir_jwt_issuer jwt;
};

/** An API key of the configuration file, by its SHA-256. */
struct weir_gate_key {
	uint8_t hash[32];
	uint8_t tier; /**< index into tiers */
	uint8_t blocked;
	char owner[48];
	struct weir_gate_rules rules; /**< its own limits (n 0: its tier's) */
};

/** The top-level "gate" object (always present: defaults without one). */
struct weir_gate_config {
	unsigned int n_issuers;
	struct weir_gate_issuer issuers[WEIR_GATE_ISSUERS_MAX];
	unsigned int n_tiers;
	struct weir_gate_tier tiers[WEIR_GATE_TIERS_MAX];
	uint8_t default_tier;  /**< a token without (or with an unknown) tier claim */
	char key_header[64];   /**< "X-API-Key" */
	char key_query[32];    /**< "api_key"; "" takes no key from the query */
	uint32_t key_capacity; /**< API keys the table holds (file's and weirctl's) */
	unsigned int n_keys;
	struct weir_gate_key *keys; /**< n_keys, owned */
	uint32_t token_cache;	    /**< verified tokens cached per worker */
	uint32_t limit_entries;	    /**< shared limit states (all workers) */
	uint32_t cold_verify_per_s; /**< signature checks per worker per second */
	uint32_t bad_auth_limit;    /**< failed authentications per source per window... */
	uint32_t bad_auth_window_s; /**< ...before the source is refused (429), and... */
	uint32_t bad_auth_ban_s;    /**< ...banned this long (progressive; 0: not banned) */
	uint32_t
		key_ban_after; /**< 429s of one key in key_ban_window_s that earn a ban (0: none) */
	uint32_t key_ban_window_s;
	uint32_t key_ban_first_s; /**< its first ban; doubling per repeat within a day, at most a
				     day */
	uint8_t legacy_headers;	  /**< also X-RateLimit-Limit/-Remaining/-Reset */
	uint64_t fingerprint;	  /**< of the "gate" object: a reload must not change it */
};

/** What a service (requests no route matches) or a route says. */
struct weir_route_gate {
	uint8_t auth;		      /**< enum weir_gate_auth */
	int8_t min_tier;	      /**< -1: any tier; else the lowest tier admitted */
	uint8_t has_limits;	      /**< 1: rules replace the tier's */
	struct weir_gate_rules rules; /**< auth none: per client address */
};

#endif /* WEIR_GATE_CONFIG_H */
