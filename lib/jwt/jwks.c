/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weir_jwt_issuer_load_jwks(): an issuer's keys from a JWK Set (RFC 7517
 * section 5), public keys spelled as RFC 7518 section 6 says. This runs at
 * configuration time only, so it allocates: a copy of the text (the JSON
 * reader decodes in place) and OpenSSL's keys, built from their numbers
 * with EVP_PKEY_fromdata() and checked with EVP_PKEY_public_check().
 *
 * The line between "skipped" and "refused": a key that is not for this
 * issuer (another kty, curve, alg or use) is skipped, as an identity
 * provider's set commonly holds keys for several algorithms; a key that
 * is for this issuer but malformed or weak refuses the whole set, as does
 * private key material anywhere in it: a set that should be public and is
 * not was published by mistake, and loading part of it hides that.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "jwt_priv.h"

/* RSA moduli weir verifies with: 2048 to 8192 bits (jwt.c's SIG_MAX). */
#define RSA_MIN_BITS 2048
#define RSA_MAX_BYTES 1024
/* A public exponent above 2^256 is not one (SP 800-56B, OpenSSL's check). */
#define RSA_E_MAX_BYTES 32
#define EC_COORD 32

/* One base64url member and the messages for what can be wrong with it. */
struct b64_field {
	const char *name;
	const char *missing; /* absent or not a string */
	const char *bad;     /* not canonical base64url */
	const char *size;    /* decodes to more than the buffer (or, exact: another size) */
};

static const struct b64_field f_n = {"n", "JWKS: RSA key without n", "JWKS: n is not base64url",
				     "JWKS: RSA key longer than 8192 bits"};
static const struct b64_field f_e = {"e", "JWKS: RSA key without e", "JWKS: e is not base64url",
				     "JWKS: e longer than 32 bytes"};
static const struct b64_field f_x = {"x", "JWKS: EC key without x", "JWKS: x is not base64url",
				     "JWKS: x is not 32 bytes"};
static const struct b64_field f_y = {"y", "JWKS: EC key without y", "JWKS: y is not base64url",
				     "JWKS: y is not 32 bytes"};
static const struct b64_field f_k = {"k", "JWKS: oct key without k", "JWKS: k is not base64url",
				     "JWKS: oct key longer than 128 bytes"};

static const struct jwt_member *
get(const struct jwt_obj *o, const char *buf, const char *name)
{
	size_t l = strlen(name);
	unsigned int i;

	for (i = 0; i < o->n; i++)
		if (o->m[i].name_len == l && memcmp(buf + o->m[i].name_off, name, l) == 0)
			return &o->m[i];
	return NULL;
}

static int
str_is(const char *buf, const struct jwt_member *m, const char *s)
{
	size_t l = strlen(s);

	return m->type == JT_STRING && m->val_len == l && memcmp(buf + m->val_off, s, l) == 0;
}

/* Decode member f of o into out[cap] (exact: all of it): its length, or -1
 * and *why. */
static long
b64_member(const char *buf, const struct jwt_obj *o, const struct b64_field *f, uint8_t *out,
	   size_t cap, int exact, const char **why)
{
	const struct jwt_member *m = get(o, buf, f->name);
	long l;

	if (m == NULL || m->type != JT_STRING) {
		*why = f->missing;
		return -1;
	}
	l = jwt_b64url_check(buf + m->val_off, m->val_len);
	if (l <= 0) {
		*why = f->bad;
		return -1;
	}
	if ((size_t)l > cap || (exact && (size_t)l != cap)) {
		*why = f->size;
		return -1;
	}
	jwt_b64url_decode(buf + m->val_off, m->val_len, out);
	return l;
}

/* The public key of type ("RSA", "EC") that params describe, checked. */
static EVP_PKEY *
from_params(const char *type, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY_CTX *chk = NULL;
	EVP_PKEY *pkey = NULL;

	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto bad;
	/* EC: the point on the curve, not at infinity, of the group's order;
	 * RSA: n odd and without small factors, e odd in (2^16, 2^256). */
	chk = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (chk == NULL || EVP_PKEY_public_check(chk) != 1)
		goto bad;
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
bad:
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return NULL;
}

static int
rsa_key(const char *buf, const struct jwt_obj *o, EVP_PKEY **out, const char **why)
{
	uint8_t n[RSA_MAX_BYTES], e[RSA_E_MAX_BYTES];
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	long nl, el;
	unsigned int bits, b;
	int rc = -ENOMEM;

	nl = b64_member(buf, o, &f_n, n, sizeof(n), 0, why);
	if (nl < 0)
		return -EINVAL;
	el = b64_member(buf, o, &f_e, e, sizeof(e), 0, why);
	if (el < 0)
		return -EINVAL;
	/* RFC 7518 section 2, Base64urlUInt: the fewest octets (6.3.1.1:
	 * some libraries' extra zero octet must be left out). */
	if (n[0] == 0) {
		*why = "JWKS: n has a leading zero octet";
		return -EINVAL;
	}
	if (e[0] == 0) {
		*why = "JWKS: e has a leading zero octet";
		return -EINVAL;
	}
	bits = (unsigned int)nl * 8;
	for (b = 0x80; !(n[0] & b); b >>= 1)
		bits--;
	if (bits < RSA_MIN_BITS) {
		*why = "JWKS: RSA key shorter than 2048 bits";
		return -EINVAL;
	}
	*why = "out of memory";
	bn = BN_bin2bn(n, (int)nl, NULL);
	be = BN_bin2bn(e, (int)el, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (bn == NULL || be == NULL || bld == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1)
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL)
		goto out;
	*out = from_params("RSA", params);
	if (*out == NULL) {
		*why = "JWKS: not a valid RSA public key (n, e)";
		rc = -EINVAL;
		goto out;
	}
	rc = 0;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	ERR_clear_error();
	return rc;
}

static int
ec_key(const char *buf, const struct jwt_obj *o, EVP_PKEY **out, const char **why)
{
	/* SEC 1's uncompressed point: 0x04 || x || y. */
	uint8_t pub[1 + 2 * EC_COORD];
	char group[] = "prime256v1";
	OSSL_PARAM params[3];

	pub[0] = 0x04;
	if (b64_member(buf, o, &f_x, pub + 1, EC_COORD, 1, why) < 0 ||
	    b64_member(buf, o, &f_y, pub + 1 + EC_COORD, EC_COORD, 1, why) < 0)
		return -EINVAL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub));
	params[2] = OSSL_PARAM_construct_end();
	*out = from_params("EC", params);
	if (*out == NULL) {
		*why = "JWKS: EC point not on P-256";
		return -EINVAL;
	}
	return 0;
}

static int
oct_key(const char *buf, const struct jwt_obj *o, struct weir_jwt_key *k, uint8_t alg,
	const char *kid, const char **why)
{
	uint8_t s[WEIR_JWT_SECRET_MAX];
	size_t min = alg == WEIR_JWT_HS256 ? 32 : alg == WEIR_JWT_HS384 ? 48 : 64;
	long l = b64_member(buf, o, &f_k, s, sizeof(s), 0, why);
	int rc = -EINVAL;

	if (l < 0)
		goto out;
	if ((size_t)l < min) {
		*why = "JWKS: oct key shorter than the hash (32, 48, 64 bytes)";
		goto out;
	}
	rc = weir_jwt_key_hmac(k, alg, s, (size_t)l, kid, why);
out:
	OPENSSL_cleanse(s, sizeof(s));
	return rc;
}

/* Whether a key of this kty (a string member) can serve alg. */
static int
kty_fits(const char *buf, const struct jwt_member *kty, uint8_t alg)
{
	switch (alg) {
	case WEIR_JWT_RS256:
		return str_is(buf, kty, "RSA");
	case WEIR_JWT_ES256:
		return str_is(buf, kty, "EC");
	default:
		return str_is(buf, kty, "oct");
	}
}

/*
 * One element of "keys", in buf (decoded in place). Returns 0 (added or
 * skipped, counted in st) or an error with *why.
 */
static int
one_key(struct weir_jwt_issuer *is, char *buf, size_t len, struct jwt_obj *o,
	struct weir_jwt_jwks_stats *st, const char **why)
{
	/* RFC 7518 6.3.2 (RSA) and 6.2.2 (EC): the private members. */
	static const char *const private[] = {"d", "p", "q", "dp", "dq", "qi", "oth"};
	const struct jwt_member *kty, *alg, *use, *ops, *kid, *crv;
	struct weir_jwt_key *k;
	EVP_PKEY *pkey = NULL;
	char kid_s[sizeof(k->kid)] = "";
	int has_verify = 1, rc;
	unsigned int i;

	rc = jwt_json_object(buf, len, o);
	if (rc == JWT_JSON_DUP) {
		*why = "JWKS: a member twice in a key";
		return -EINVAL;
	}
	if (rc != 0) {
		*why = "JWKS: a key is not a JSON object";
		return -EINVAL;
	}
	for (i = 0; i < sizeof(private) / sizeof(private[0]); i++)
		if (get(o, buf, private[i]) != NULL) {
			*why = "private key material in a JWKS";
			return -EINVAL;
		}
	kty = get(o, buf, "kty");
	if (kty == NULL || kty->type != JT_STRING) {
		*why = "JWKS: a key without kty";
		return -EINVAL;
	}
	alg = get(o, buf, "alg");
	use = get(o, buf, "use");
	ops = get(o, buf, "key_ops");
	kid = get(o, buf, "kid");
	if ((alg != NULL && alg->type != JT_STRING) || (use != NULL && use->type != JT_STRING) ||
	    (kid != NULL && kid->type != JT_STRING)) {
		*why = "JWKS: alg, use or kid is not a string";
		return -EINVAL;
	}
	if (ops != NULL) {
		has_verify = ops->type != JT_ARRAY ? -1
						   : jwt_json_array_has(buf + ops->val_off,
									ops->val_len, "verify", 6);
		if (has_verify < 0) {
			*why = "JWKS: key_ops is not an array of strings";
			return -EINVAL;
		}
	}
	/* Keys for other algorithms, or other uses: not ours. */
	if (!kty_fits(buf, kty, is->alg) ||
	    (alg != NULL && !str_is(buf, alg, weir_jwt_alg_name(is->alg))) ||
	    (use != NULL && !str_is(buf, use, "sig")) || !has_verify)
		goto skip;
	if (is->alg == WEIR_JWT_ES256) {
		crv = get(o, buf, "crv");
		if (crv == NULL || crv->type != JT_STRING) {
			*why = "JWKS: EC key without crv";
			return -EINVAL;
		}
		/* A P-384 key is an ES384 key: not ours. */
		if (!str_is(buf, crv, "P-256"))
			goto skip;
	}

	if (kid != NULL) {
		if (kid->val_len >= sizeof(kid_s)) {
			*why = "JWKS: kid longer than 63 bytes";
			return -EINVAL;
		}
		memcpy(kid_s, buf + kid->val_off, kid->val_len);
		kid_s[kid->val_len] = '\0';
	}
	if (is->n_keys >= WEIR_JWT_MAX_KEYS) {
		*why = "JWKS: more keys than an issuer holds (8)";
		return -EINVAL;
	}
	for (i = 0; kid_s[0] != '\0' && i < is->n_keys; i++)
		if (strcmp(is->keys[i].kid, kid_s) == 0) {
			*why = "JWKS: duplicate kid";
			return -EINVAL;
		}
	k = &is->keys[is->n_keys];
	if (is->alg == WEIR_JWT_RS256 || is->alg == WEIR_JWT_ES256) {
		rc = is->alg == WEIR_JWT_RS256 ? rsa_key(buf, o, &pkey, why)
					       : ec_key(buf, o, &pkey, why);
		if (rc != 0)
			return rc;
		memset(k, 0, sizeof(*k));
		k->alg = is->alg;
		k->pkey = pkey;
		memcpy(k->kid, kid_s, sizeof(k->kid));
	} else {
		rc = oct_key(buf, o, k, is->alg, kid_s, why);
		if (rc != 0)
			return rc;
	}
	is->n_keys++;
	st->added++;
	return 0;
skip:
	st->skipped++;
	return 0;
}

int
weir_jwt_issuer_load_jwks(struct weir_jwt_issuer *is, const char *text, size_t len,
			  struct weir_jwt_jwks_stats *st, const char **why)
{
	struct weir_jwt_jwks_stats scratch;
	/* Where in "keys" each added key was, to name a kid-less one. */
	int idx_of[WEIR_JWT_MAX_KEYS];
	const struct jwt_member *keys;
	unsigned int n0 = is->n_keys, i;
	char *top = NULL, *el = NULL;
	const char *arr;
	struct jwt_obj *o = NULL;
	size_t pos = 0, off = 0, elen = 0, alen;
	int idx, r, rc = -EINVAL;

	if (st == NULL)
		st = &scratch;
	memset(st, 0, sizeof(*st));
	st->bad_key = -1;
	if (weir_jwt_alg_name(is->alg) == NULL || is->n_keys > WEIR_JWT_MAX_KEYS) {
		*why = "JWKS: the issuer has no algorithm";
		return -EINVAL;
	}
	if (text == NULL || len == 0 || len > WEIR_JWT_JWKS_MAX) {
		*why = "JWKS: empty or longer than 65535 bytes";
		return -EINVAL;
	}
	top = malloc(len);
	el = malloc(len);
	o = malloc(sizeof(*o));
	if (top == NULL || el == NULL || o == NULL) {
		*why = "out of memory";
		rc = -ENOMEM;
		goto out;
	}
	memcpy(top, text, len);
	r = jwt_json_object(top, len, o);
	if (r != 0) {
		*why = r == JWT_JSON_DUP ? "JWKS: a member twice" : "JWKS: not a JSON object";
		goto out;
	}
	keys = get(o, top, "keys");
	if (keys == NULL || keys->type != JT_ARRAY) {
		*why = "JWKS: keys missing or not an array";
		goto out;
	}
	/* o is read for the last time here: one_key() reuses it. */
	arr = top + keys->val_off;
	alen = keys->val_len;
	for (idx = 0; (r = jwt_json_array_next(arr, alen, &pos, &off, &elen)) == 1; idx++) {
		unsigned int before = is->n_keys;

		st->bad_key = idx;
		memcpy(el, arr + off, elen);
		rc = one_key(is, el, elen, o, st, why);
		if (rc != 0)
			goto drop;
		if (is->n_keys > before)
			idx_of[before - n0] = idx;
	}
	st->bad_key = -1;
	rc = -EINVAL;
	if (r < 0) {
		*why = "JWKS: keys is not an array";
		goto drop;
	}
	if (st->added == 0) {
		*why = "JWKS: no key for the issuer's alg";
		goto drop;
	}
	/* Which of several keys a token means must be said, not tried. */
	for (i = n0; st->added > 1 && i < is->n_keys; i++)
		if (is->keys[i].kid[0] == '\0') {
			st->bad_key = idx_of[i - n0];
			*why = "JWKS: a key without kid in a set of several";
			goto drop;
		}
	rc = 0;
	goto out;
drop:
	for (i = n0; i < is->n_keys; i++)
		weir_jwt_key_free(&is->keys[i]);
	is->n_keys = n0;
	st->added = 0;
out:
	/* An oct set's secrets were in both. */
	if (top != NULL)
		OPENSSL_cleanse(top, len);
	if (el != NULL)
		OPENSSL_cleanse(el, len);
	free(top);
	free(el);
	free(o);
	return rc;
}
