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
