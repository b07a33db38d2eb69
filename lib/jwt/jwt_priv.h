/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_JWT_PRIV_H
#define WEIR_JWT_PRIV_H

/*
 * lib/jwt's insides, shared by jwt.c, b64.c and json.c (and the tests of
 * the JSON reader through the verifier only): base64url without padding,
 * and a strict reader of one JSON object that decodes the top-level names
 * and string values in place.
 */

#include <stddef.h>
#include <stdint.h>

#include "weir_jwt.h"

/*
 * Check a base64url segment (RFC 7515 section 2: no padding, no other
 * bytes, no length of 4n+1, the unused low bits of the last character
 * zero so that one value has one encoding). Returns its decoded length,
 * or -1.
 */
long jwt_b64url_check(const char *in, size_t len);

/* Decode a segment jwt_b64url_check() accepted; out holds its length. */
void jwt_b64url_decode(const char *in, size_t len, uint8_t *out);

/*
 * Both in one pass: check as jwt_b64url_check() and decode to out, which
 * holds len / 4 * 3 + 2 bytes (written even when the segment is refused).
 * Returns the decoded length, or -1.
 */
long jwt_b64url_check_decode(const char *in, size_t len, uint8_t *out);

/*
 * HMAC (hmac.c). jwt_hmac_key() computes k->hmac_pads from k->alg and
 * k->secret (RFC 2104's inner and outer hash states); jwt_hmac() writes
 * the MAC of in[0, len) by a key so prepared to mac (64 bytes of room)
 * and returns its length (jwt_hmac_len(): 32, 48 or 64), or 0 if the key
 * has no states (not made by weir_jwt_key_hmac()). No allocation, no
 * lock; the key is only read.
 */
size_t jwt_hmac_len(uint8_t alg);
void jwt_hmac_key(struct weir_jwt_key *k);
size_t jwt_hmac(const struct weir_jwt_key *k, const uint8_t *in, size_t len, uint8_t *mac);

/* The JSON value types the reader reports. */
enum jwt_json_type {
	JT_STRING = 1,
	JT_INT, /* a number without fraction or exponent */
	JT_NUM, /* any other number */
	JT_TRUE,
	JT_FALSE,
	JT_NULL,
	JT_OBJECT,
	JT_ARRAY,
};

/* A member of the top-level object: offsets into the buffer read. */
struct jwt_member {
	uint16_t name_off, name_len; /* decoded */
	uint16_t val_off, val_len;   /* strings: decoded; others: the raw text */
	uint8_t type;		     /* enum jwt_json_type */
};

struct jwt_obj {
	unsigned int n;
	struct jwt_member m[WEIR_JWT_MAX_MEMBERS];
};

#define JWT_JSON_BAD (-1)
#define JWT_JSON_DUP (-2)

/*
 * Read buf[0, len) as one JSON object (RFC 8259, strictly: UTF-8, no
 * trailing bytes but whitespace, no "\u0000", no lone surrogates, at most
 * WEIR_JWT_MAX_MEMBERS members and WEIR_JWT_MAX_DEPTH levels). The names
 * and the string values of its members are decoded in place. len must be
 * below 65536. Returns 0, JWT_JSON_BAD or JWT_JSON_DUP (a name twice).
 */
int jwt_json_object(char *buf, size_t len, struct jwt_obj *o);

/*
 * Whether a JSON array (the raw text jwt_json_object() left, validated)
 * holds the string s. Returns 1 if it does, 0 if not, -1 if an element is
 * not a string.
 */
int jwt_json_array_has(const char *arr, size_t len, const char *s, size_t slen);

/*
 * The elements of a JSON array (raw text starting with '[', such as an
 * array member jwt_json_object() left): set *pos to 0 before the first
 * call; each call gives the next element's raw text as buf[*off, *off +
 * *elen) and moves *pos past it. Nothing is decoded. Returns 1 (an
 * element), 0 (the end), or -1 (not a well-formed array).
 */
int jwt_json_array_next(const char *arr, size_t len, size_t *pos, size_t *off, size_t *elen);

#endif /* WEIR_JWT_PRIV_H */
