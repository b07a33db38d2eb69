/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_JWT_H
#define WEIR_JWT_H

/**
 * @file
 * JSON Web Token verification for weir's API gate (lib/jwt): a compact
 * JWS (RFC 7515) with a JWT claims set (RFC 7519), checked against one
 * issuer's settings. Pure: no DPDK, no globals, no allocation by weir per
 * verification (the decoded header and payload go to the caller's
 * struct weir_jwt_claims; an HMAC is computed from states kept in the key,
 * OpenSSL allocates its own contexts inside an RS256 or ES256 check). Keys are loaded once, at
 * configuration time (weir_jwt_key_hmac(), weir_jwt_key_pem()); weir_jwt_verify() only reads them,
 * so one issuer may be shared by every lcore.
 *
 * The algorithm is the issuer's, pinned: the token's "alg" must be that
 * one exactly, never chosen by the token. The order of the checks is
 * fixed: length, form (three base64url segments), header (JSON, no
 * duplicates, alg, crit, key URLs, typ, kid), signature, and only then
 * the payload (JSON, no duplicates, types, exp, nbf, iss, aud, lengths):
 * no claim is read before the signature is good. Each refusal has its own
 * code and a static message fit for a WWW-Authenticate error_description
 * (lib/jwt/README.md lists them and why).
 */

#include <stddef.h>
#include <stdint.h>

/** Longest token any issuer accepts (an issuer's max_len is capped to it). */
#define WEIR_JWT_MAX_TOKEN 8192
/** An issuer's max_len when it gives 0. */
#define WEIR_JWT_DEFAULT_MAX_LEN 4096
/** Most keys of one issuer. */
#define WEIR_JWT_MAX_KEYS 8
/** Largest HMAC secret, bytes. */
#define WEIR_JWT_SECRET_MAX 128
/** Most members of the header or payload object (more: refused). */
#define WEIR_JWT_MAX_MEMBERS 64
/** Deepest nesting of arrays and objects inside the header or payload. */
#define WEIR_JWT_MAX_DEPTH 16
/** Size of the work area in struct weir_jwt_claims. */
#define WEIR_JWT_WORK_SIZE (WEIR_JWT_MAX_TOKEN / 4 * 3 + 16 + 1024 + WEIR_JWT_MAX_MEMBERS * 12)

/** The algorithms (JWA names: HS256, HS384, HS512, RS256, ES256). */
enum weir_jwt_alg {
	WEIR_JWT_HS256 = 1,
	WEIR_JWT_HS384,
	WEIR_JWT_HS512,
	WEIR_JWT_RS256,
	WEIR_JWT_ES256,
};

/** Why a token was refused: weir_jwt_verify()'s negative returns. */
enum weir_jwt_err {
	WEIR_JWT_E_CONFIG = -1,	     /**< the issuer itself is unusable (no key, no iss, bad alg) */
	WEIR_JWT_E_TOO_LONG = -2,    /**< longer than the issuer's max_len */
	WEIR_JWT_E_FORMAT = -3,	     /**< not three base64url segments (padding, stray bytes) */
	WEIR_JWT_E_HEADER = -4,	     /**< header not a strict JSON object */
	WEIR_JWT_E_DUPLICATE = -5,   /**< a member name twice in header or payload */
	WEIR_JWT_E_ALG_NONE = -6,    /**< "alg": "none", in any case */
	WEIR_JWT_E_ALG = -7,	     /**< alg missing or not the issuer's */
	WEIR_JWT_E_CRIT = -8,	     /**< "crit" present: no extension is understood */
	WEIR_JWT_E_KEY_REF = -9,     /**< "jku", "x5u", "jwk" or "x5c": keys from the token */
	WEIR_JWT_E_TYP = -10,	     /**< "typ" present and not "JWT" */
	WEIR_JWT_E_KID = -11,	     /**< no key of the issuer for this kid (or a kid needed) */
	WEIR_JWT_E_SIGNATURE = -12,  /**< signature wrong (or of the wrong length) */
	WEIR_JWT_E_PAYLOAD = -13,    /**< payload not a strict JSON object */
	WEIR_JWT_E_CLAIM_TYPE = -14, /**< exp/nbf/iat not an integer, a string claim not a string */
	WEIR_JWT_E_EXP_MISSING = -15, /**< no exp and the issuer requires one */
	WEIR_JWT_E_EXPIRED = -16,     /**< now > exp + leeway */
	WEIR_JWT_E_NOT_YET = -17,     /**< now + leeway < nbf */
	WEIR_JWT_E_ISS = -18,	      /**< iss missing or not the issuer's */
	WEIR_JWT_E_AUD = -19,	      /**< aud missing, not ours, or present when we have none */
	WEIR_JWT_E_CLAIM_LONG = -20,  /**< sub, tier or jti longer than its field */
};

/** One verification key of an issuer. Fill with weir_jwt_key_hmac() or weir_jwt_key_pem(). */
struct weir_jwt_key {
	uint8_t alg;  /**< enum weir_jwt_alg this key is for */
	char kid[64]; /**< the token's kid must equal it; "" takes any kid (or none) */
	uint8_t secret[WEIR_JWT_SECRET_MAX]; /**< HS*: the secret */
	size_t secret_len;
	/**
	 * HS*: the hash states after the secret's inner and outer pads (RFC
	 * 2104), set by weir_jwt_key_hmac(): a MAC copies them, so no
	 * verification hashes the pads again. Opaque (OpenSSL's SHA256_CTX or
	 * SHA512_CTX); as secret as the secret.
	 */
	uint64_t hmac_pads[2][28];
	void *pkey; /**< RS256, ES256: the public key (EVP_PKEY *), owned */
};

/** An issuer: who signs, for whom, how. Zero it, set the fields, add keys. */
struct weir_jwt_issuer {
	char iss[128];	     /**< the "iss" tokens must carry (required, non-empty) */
	char aud[128];	     /**< an "aud" tokens must carry; "": tokens must carry none */
	uint8_t alg;	     /**< enum weir_jwt_alg: the only one accepted */
	unsigned int n_keys; /**< keys in use (1 to WEIR_JWT_MAX_KEYS) */
	struct weir_jwt_key keys[WEIR_JWT_MAX_KEYS]; /**< all for alg */
	char sub_claim[32];			     /**< claim copied to sub; "" means "sub" */
	char tier_claim[32];			     /**< claim copied to tier; "" means "tier" */
	uint32_t leeway_s;    /**< clock skew allowed on exp and nbf, seconds */
	uint32_t max_len;     /**< longest token; 0: WEIR_JWT_DEFAULT_MAX_LEN */
	uint8_t exp_optional; /**< 0 (default): a token without exp is refused */
};

/** What a good token says, and the work area of the verification. */
struct weir_jwt_claims {
	char sub[128];	       /**< the sub claim (issuer's sub_claim), "" if absent */
	char tier[32];	       /**< the tier claim (issuer's tier_claim), "" if absent */
	char jti[64];	       /**< the jti claim, "" if absent */
	int64_t exp, nbf, iat; /**< 0 when absent */
	uint8_t has_exp, has_nbf, has_iat;
	/** Scratch: the decoded header and payload. Not for the caller. */
	uint64_t work[WEIR_JWT_WORK_SIZE / 8];
};

/**
 * Make an HMAC key (HS256, HS384, HS512). The secret must be at least as
 * long as the hash (32, 48, 64 bytes: RFC 7518 section 3.2's MUST) and at
 * most WEIR_JWT_SECRET_MAX bytes.
 *
 * @param k
 *   The key to fill (overwritten).
 * @param alg
 *   WEIR_JWT_HS256, WEIR_JWT_HS384 or WEIR_JWT_HS512.
 * @param secret
 *   The secret's bytes.
 * @param len
 *   Its length.
 * @param kid
 *   Key id the tokens name it by, NULL or "" for any (at most 63 bytes).
 * @param why
 *   On error, set to a static message.
 * @return
 *   0, or -EINVAL.
 */
int weir_jwt_key_hmac(struct weir_jwt_key *k, uint8_t alg, const uint8_t *secret, size_t len,
		      const char *kid, const char **why);

/**
 * Make a public key (RS256: RSA of 2048 bits or more; ES256: EC on P-256)
 * from a PEM "PUBLIC KEY" (SubjectPublicKeyInfo). Allocates: free with
 * weir_jwt_key_free().
 *
 * @param k
 *   The key to fill (overwritten; not freed first).
 * @param alg
 *   WEIR_JWT_RS256 or WEIR_JWT_ES256.
 * @param pem
 *   The PEM text.
 * @param len
 *   Its length.
 * @param kid
 *   Key id the tokens name it by, NULL or "" for any (at most 63 bytes).
 * @param why
 *   On error, set to a static message.
 * @return
 *   0, or -EINVAL (not a public key of that kind), -ENOMEM.
 */
int weir_jwt_key_pem(struct weir_jwt_key *k, uint8_t alg, const char *pem, size_t len,
		     const char *kid, const char **why);

/**
 * Free what a key holds and zero it (the secret and its HMAC states too).
 * NULL is a no-op.
 *
 * @param k
 *   The key.
 */
void weir_jwt_key_free(struct weir_jwt_key *k);

/**
 * Verify a token for an issuer.
 *
 * @param is
 *   The issuer (only read).
 * @param token
 *   The token (no "Bearer "), not NUL-terminated.
 * @param len
 *   Its length.
 * @param now
 *   The time, seconds since the epoch.
 * @param out
 *   Filled with the claims when the token is good (its work area is used
 *   in any case).
 * @param why
 *   Set to a static message (on success too: "ok").
 * @return
 *   0, or a negative enum weir_jwt_err.
 */
int weir_jwt_verify(const struct weir_jwt_issuer *is, const char *token, size_t len, int64_t now,
		    struct weir_jwt_claims *out, const char **why);

/**
 * The JWA name of an algorithm.
 *
 * @param alg
 *   An enum weir_jwt_alg.
 * @return
 *   "HS256" ... "ES256", or NULL.
 */
const char *weir_jwt_alg_name(uint8_t alg);

/*
 * ---- The per-worker cache of verified tokens (cache.c) ----
 *
 * One per worker thread: no locks, no allocation after
 * weir_jwt_cache_init() (the caller gives the memory). A hit is the exact
 * bytes of a token verified before, with the same generation and not past
 * its expiry; the caller keeps what its gate needs from the claims
 * (struct weir_jwt_cached) and skips weir_jwt_verify() on a hit. The
 * cache does not know issuers: a token verified for one issuer is found
 * again wherever it is presented, so the caller checks the hit's issuer
 * against the one the request's route expects (a miss if they differ).
 *
 * The hash that picks a set and tags a way is seeded (per worker) but is
 * not a PRF and needs not be: a hit compares the stored bytes, so two
 * tokens with the same hash are never confused; a collision only costs
 * an eviction. Only tokens that verified are put, so nobody without the
 * issuer's key can fill a set.
 */

/** Longest token cached; longer ones are verified every time (and counted in too_long). */
#define WEIR_JWT_CACHE_TOKEN_MAX 1024
/** Ways per set. */
#define WEIR_JWT_CACHE_WAYS 4

/** What the gate keeps of a verified token: a copy, stored with it. */
struct weir_jwt_cached {
	uint32_t issuer; /**< the caller's issuer index */
	uint32_t tier;	 /**< the caller's tier number */
	int64_t exp;	 /**< the token's exp (0: none) */
	char sub[128];
	char jti[64];
};

struct weir_jwt_cache_set;
struct weir_jwt_cache_entry;

/** A cache: fill with weir_jwt_cache_init(); the counters are the caller's to read. */
struct weir_jwt_cache {
	struct weir_jwt_cache_set *sets;
	struct weir_jwt_cache_entry *ent;
	uint32_t set_mask; /**< sets - 1 */
	uint32_t entries;
	uint64_t k0, k1; /**< hash keys, from the seed */
	/**
	 * ~0 (set by init). Tests set 0 to give every token the same hash
	 * (one set, one tag): the cache must then still tell them apart.
	 */
	uint64_t hash_mask;
	uint64_t hits;	    /**< get: found */
	uint64_t misses;    /**< get: not found, expired or of another generation */
	uint64_t too_long;  /**< get: longer than WEIR_JWT_CACHE_TOKEN_MAX (not looked up) */
	uint64_t puts;	    /**< put: stored */
	uint64_t evictions; /**< put: a live entry (this generation, not expired) replaced */
};

/**
 * Bytes of memory a cache of that many entries needs (alignment slack
 * included).
 *
 * @param entries
 *   A power of two, at least WEIR_JWT_CACHE_WAYS.
 * @return
 *   The size, or 0 if entries is not acceptable.
 */
size_t weir_jwt_cache_size(uint32_t entries);

/**
 * Set up a cache in the caller's memory (zeroed here: empty).
 *
 * @param c
 *   The cache.
 * @param mem
 *   At least weir_jwt_cache_size(entries) bytes, any alignment; owned by
 *   the caller, used until the cache is dropped.
 * @param len
 *   Its size.
 * @param entries
 *   A power of two, at least WEIR_JWT_CACHE_WAYS.
 * @param seed
 *   Random bits, one draw per worker.
 * @return
 *   0, or -EINVAL (entries not a power of two >= 4, or len too small).
 */
int weir_jwt_cache_init(struct weir_jwt_cache *c, void *mem, size_t len, uint32_t entries,
			uint64_t seed);

/**
 * Look a token up.
 *
 * @param c
 *   The cache.
 * @param tok
 *   The token (no "Bearer ").
 * @param len
 *   Its length.
 * @param now_s
 *   The time, seconds: an entry whose expiry is below it is a miss.
 * @param gen
 *   The current generation: an entry of another one is a miss.
 * @return
 *   What was put with the token, valid until the next put; NULL on a miss.
 */
const struct weir_jwt_cached *weir_jwt_cache_get(struct weir_jwt_cache *c, const char *tok,
						 size_t len, int64_t now_s, uint32_t gen);

/**
 * Store a token that weir_jwt_verify() accepted. A token longer than
 * WEIR_JWT_CACHE_TOKEN_MAX, empty, or already expired is not stored. It
 * replaces the same token, else a free, expired or old-generation way of
 * its set, else the least recently used one.
 *
 * @param c
 *   The cache.
 * @param tok
 *   The token.
 * @param len
 *   Its length.
 * @param now_s
 *   The time, seconds (which entries are expired).
 * @param expiry_s
 *   Last second the entry may hit: weir_jwt_cache_expiry().
 * @param gen
 *   The generation it was verified under.
 * @param v
 *   What to return on a hit (copied).
 */
void weir_jwt_cache_put(struct weir_jwt_cache *c, const char *tok, size_t len, int64_t now_s,
			int64_t expiry_s, uint32_t gen, const struct weir_jwt_cached *v);

/**
 * The expiry of a verified token's entry: exp + the issuer's leeway (the
 * last second weir_jwt_verify() accepts it), or now + cap_s for a token
 * without exp.
 *
 * @param is
 *   The issuer it verified for.
 * @param cl
 *   Its claims.
 * @param now_s
 *   The time of the verification, seconds.
 * @param cap_s
 *   How long a token without exp stays cached.
 * @return
 *   The expiry, seconds.
 */
int64_t weir_jwt_cache_expiry(const struct weir_jwt_issuer *is, const struct weir_jwt_claims *cl,
			      int64_t now_s, uint32_t cap_s);

/**
 * The cache's hash of a token (which set: hash & set_mask). For tests
 * and benchmarks that want tokens of one set.
 *
 * @param c
 *   The cache.
 * @param tok
 *   The token.
 * @param len
 *   Its length.
 * @return
 *   The 64-bit hash (with hash_mask applied).
 */
uint64_t weir_jwt_cache_hash(const struct weir_jwt_cache *c, const char *tok, size_t len);

/* ---- JWK Sets (lib/jwt/jwks.c) ---- */

/** Largest JWK Set text weir_jwt_issuer_load_jwks() reads, bytes. */
#define WEIR_JWT_JWKS_MAX 65535

/** What weir_jwt_issuer_load_jwks() did with a set. */
struct weir_jwt_jwks_stats {
	unsigned int added;   /**< keys added to the issuer */
	unsigned int skipped; /**< keys not for the issuer (kty, crv, alg, use, key_ops) */
	int bad_key;	      /**< on error: the index in "keys" of the key at fault, else -1 */
};

/**
 * Add to an issuer the keys of a JWK Set (RFC 7517 section 5,
 * {"keys": [...]}) usable for its algorithm (is->alg, set first): "RSA"
 * keys (n, e; 2048 to 8192 bits) for RS256, "EC" keys on "P-256" (x, y)
 * for ES256, "oct" keys (k) for HS256/384/512. A key whose kty or crv is
 * another, whose "alg" is another algorithm, whose "use" is not "sig" or
 * whose "key_ops" lacks "verify" is skipped. A set holding private key
 * members ("d", "p", "q", "dp", "dq", "qi", "oth") is refused whole; an
 * "oct" set is a secret in itself (lib/jwt/README.md, JWKS). When more
 * than one key is added, each needs a "kid", unique in the issuer.
 * Allocates (configuration time only): free the keys with
 * weir_jwt_key_free().
 *
 * @param is
 *   The issuer: keys are appended after its is->n_keys; on error it is
 *   left as it was.
 * @param text
 *   The JWK Set's JSON text, not NUL-terminated.
 * @param len
 *   Its length, at most WEIR_JWT_JWKS_MAX.
 * @param st
 *   Filled with what was added and skipped, and the key at fault; may be
 *   NULL.
 * @param why
 *   On error, set to a static message ("JWKS: ...").
 * @return
 *   0, or -EINVAL (malformed, unusable, or no key for the issuer's alg),
 *   -ENOMEM.
 */
int weir_jwt_issuer_load_jwks(struct weir_jwt_issuer *is, const char *text, size_t len,
			      struct weir_jwt_jwks_stats *st, const char **why);

#endif /* WEIR_JWT_H */
