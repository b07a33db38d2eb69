/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weir_jwt_verify() and its keys. The order of the checks is the point:
 * nothing in the token picks the algorithm or the key material, and no
 * claim is read before the signature is good.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "jwt_priv.h"

/* Largest signature: RSA-8192. */
#define SIG_MAX 1024
/* Claims outside +-(2^53 - 1) are refused (I-JSON's interoperable integers),
 * which also keeps exp + leeway and nbf - leeway from overflowing. */
#define INT_CLAIM_MAX ((int64_t)9007199254740991)

struct jwt_work {
	char buf[WEIR_JWT_MAX_TOKEN / 4 * 3 + 16];
	uint8_t sig[SIG_MAX + 4]; /* room for jwt_b64url_check_decode()'s bound */
	struct jwt_obj obj;
};

_Static_assert(sizeof(struct jwt_work) <= sizeof(((struct weir_jwt_claims *)0)->work),
	       "WEIR_JWT_WORK_SIZE too small");

static const char *const alg_names[] = {
	[WEIR_JWT_HS256] = "HS256", [WEIR_JWT_HS384] = "HS384", [WEIR_JWT_HS512] = "HS512",
	[WEIR_JWT_RS256] = "RS256", [WEIR_JWT_ES256] = "ES256",
};

const char *
weir_jwt_alg_name(uint8_t alg)
{
	if (alg < WEIR_JWT_HS256 || alg > WEIR_JWT_ES256)
		return NULL;
	return alg_names[alg];
}

static int
is_hmac(uint8_t alg)
{
	return alg >= WEIR_JWT_HS256 && alg <= WEIR_JWT_HS512;
}

static int
set_kid(struct weir_jwt_key *k, const char *kid, const char **why)
{
	size_t l = kid != NULL ? strlen(kid) : 0;

	if (l >= sizeof(k->kid)) {
		*why = "kid longer than 63 bytes";
		return -EINVAL;
	}
	memcpy(k->kid, kid != NULL ? kid : "", l);
	k->kid[l] = '\0';
	return 0;
}

int
weir_jwt_key_hmac(struct weir_jwt_key *k, uint8_t alg, const uint8_t *secret, size_t len,
		  const char *kid, const char **why)
{
	size_t min;

	memset(k, 0, sizeof(*k));
	if (!is_hmac(alg)) {
		*why = "not an HMAC algorithm (HS256, HS384, HS512)";
		return -EINVAL;
	}
	/* RFC 7518 section 3.2: a key at least as long as the hash. */
	min = alg == WEIR_JWT_HS256 ? 32 : alg == WEIR_JWT_HS384 ? 48 : 64;
	if (secret == NULL || len < min) {
		*why = alg == WEIR_JWT_HS256   ? "HS256 secret shorter than 32 bytes"
		       : alg == WEIR_JWT_HS384 ? "HS384 secret shorter than 48 bytes"
					       : "HS512 secret shorter than 64 bytes";
		return -EINVAL;
	}
	if (len > sizeof(k->secret)) {
		*why = "HMAC secret longer than 128 bytes";
		return -EINVAL;
	}
	if (set_kid(k, kid, why) != 0)
		return -EINVAL;
	k->alg = alg;
	memcpy(k->secret, secret, len);
	k->secret_len = len;
	jwt_hmac_key(k);
	return 0;
}

int
weir_jwt_key_pem(struct weir_jwt_key *k, uint8_t alg, const char *pem, size_t len, const char *kid,
		 const char **why)
{
	EVP_PKEY *pkey;
	BIO *bio;
	char group[32];
	size_t gl = 0;

	memset(k, 0, sizeof(*k));
	if (alg != WEIR_JWT_RS256 && alg != WEIR_JWT_ES256) {
		*why = "not a public-key algorithm (RS256, ES256)";
		return -EINVAL;
	}
	if (set_kid(k, kid, why) != 0)
		return -EINVAL;
	if (pem == NULL || len == 0 || len > INT_MAX) {
		*why = "no PEM text";
		return -EINVAL;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL) {
		*why = "out of memory";
		return -ENOMEM;
	}
	pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (pkey == NULL) {
		*why = "not a PEM PUBLIC KEY";
		return -EINVAL;
	}
	if (alg == WEIR_JWT_RS256) {
		if (!EVP_PKEY_is_a(pkey, "RSA")) {
			*why = "RS256 needs an RSA public key";
			goto bad;
		}
		if (EVP_PKEY_get_bits(pkey) < 2048) {
			*why = "RSA key shorter than 2048 bits";
			goto bad;
		}
		if (EVP_PKEY_get_size(pkey) > SIG_MAX) {
			*why = "RSA key longer than 8192 bits";
			goto bad;
		}
	} else {
		if (!EVP_PKEY_is_a(pkey, "EC") ||
		    EVP_PKEY_get_group_name(pkey, group, sizeof(group), &gl) != 1 ||
		    strcmp(group, "prime256v1") != 0) {
			*why = "ES256 needs an EC public key on P-256";
			goto bad;
		}
	}
	k->alg = alg;
	k->pkey = pkey;
	return 0;
bad:
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return -EINVAL;
}

void
weir_jwt_key_free(struct weir_jwt_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	OPENSSL_cleanse(k, sizeof(*k));
}

/* One DER INTEGER of a 32-byte big-endian value; returns its length. */
static size_t
der_int(uint8_t *out, const uint8_t *v)
{
	size_t i = 0, n;

	while (i < 31 && v[i] == 0)
		i++;
	n = 32 - i;
	out[0] = 0x02;
	if (v[i] & 0x80) {
		out[1] = (uint8_t)(n + 1);
		out[2] = 0;
		memcpy(out + 3, v + i, n);
		return n + 3;
	}
	out[1] = (uint8_t)n;
	memcpy(out + 2, v + i, n);
	return n + 2;
}

static int
sig_ok(const struct weir_jwt_key *k, const uint8_t *in, size_t in_len, const uint8_t *sig,
       size_t sig_len)
{
	uint8_t mac[EVP_MAX_MD_SIZE], der[72];
	const uint8_t *s = sig;
	size_t mac_len;
	EVP_MD_CTX *ctx;
	size_t l;
	int ok;

	if (is_hmac(k->alg)) {
		/* From the key's pad states (hmac.c): no allocation, no lock. */
		mac_len = jwt_hmac(k, in, in_len, mac);
		if (mac_len == 0)
			return 0;
		/* The lengths are public; the bytes are compared in constant time. */
		ok = sig_len == mac_len && CRYPTO_memcmp(mac, sig, mac_len) == 0;
		OPENSSL_cleanse(mac, sizeof(mac));
		return ok;
	}
	if (k->pkey == NULL)
		return 0;
	if (k->alg == WEIR_JWT_RS256) {
		if (sig_len != (size_t)EVP_PKEY_get_size(k->pkey))
			return 0;
	} else {
		/* JWS ES256 is R || S, 32 bytes each (RFC 7518 section 3.4);
		 * OpenSSL wants an ECDSA-Sig-Value in DER. */
		if (sig_len != 64)
			return 0;
		l = der_int(der + 2, sig);
		l += der_int(der + 2 + l, sig + 32);
		der[0] = 0x30;
		der[1] = (uint8_t)l;
		s = der;
		sig_len = l + 2;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return 0;
	ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
	     EVP_DigestVerify(ctx, s, sig_len, in, in_len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		ERR_clear_error();
	return ok;
}

static const struct jwt_member *
member(const struct jwt_obj *o, const char *buf, const char *name)
{
	size_t l = strlen(name);
	unsigned int i;

	for (i = 0; i < o->n; i++)
		/* The first byte before memcmp(): most names differ there. */
		if (o->m[i].name_len == l && (l == 0 || buf[o->m[i].name_off] == name[0]) &&
		    memcmp(buf + o->m[i].name_off, name, l) == 0)
			return &o->m[i];
	return NULL;
}

static int
str_eq(const char *buf, const struct jwt_member *m, const char *s)
{
	size_t l = strlen(s);

	return m->type == JT_STRING && m->val_len == l && memcmp(buf + m->val_off, s, l) == 0;
}

/* An integer claim: 0, or -1 if it is not an integer in range. */
static int
int_claim(const char *buf, const struct jwt_member *m, int64_t *v)
{
	const char *p = buf + m->val_off, *end = p + m->val_len;
	int neg = 0;
	int64_t x = 0;

	if (m->type != JT_INT)
		return -1;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (; p < end; p++) {
		x = x * 10 + (*p - '0');
		if (x > INT_CLAIM_MAX)
			return -1;
	}
	*v = neg ? -x : x;
	return 0;
}

/* Copy a string claim out: 0, or an error (and *why). */
static int
copy_claim(const char *buf, const struct jwt_obj *o, const char *name, char *dst, size_t cap,
	   const char **why, const char *why_type, const char *why_long)
{
	const struct jwt_member *m = member(o, buf, name);

	dst[0] = '\0';
	if (m == NULL)
		return 0;
	if (m->type != JT_STRING) {
		*why = why_type;
		return WEIR_JWT_E_CLAIM_TYPE;
	}
	if (m->val_len >= cap) {
		*why = why_long;
		return WEIR_JWT_E_CLAIM_LONG;
	}
	memcpy(dst, buf + m->val_off, m->val_len);
	dst[m->val_len] = '\0';
	return 0;
}

static int
issuer_ok(const struct weir_jwt_issuer *is)
{
	unsigned int i;

	if (weir_jwt_alg_name(is->alg) == NULL || is->n_keys == 0 ||
	    is->n_keys > WEIR_JWT_MAX_KEYS || is->iss[0] == '\0' ||
	    memchr(is->iss, '\0', sizeof(is->iss)) == NULL ||
	    memchr(is->aud, '\0', sizeof(is->aud)) == NULL ||
	    memchr(is->sub_claim, '\0', sizeof(is->sub_claim)) == NULL ||
	    memchr(is->tier_claim, '\0', sizeof(is->tier_claim)) == NULL)
		return 0;
	for (i = 0; i < is->n_keys; i++)
		if (is->keys[i].alg != is->alg ||
		    memchr(is->keys[i].kid, '\0', sizeof(is->keys[i].kid)) == NULL)
			return 0;
	return 1;
}

#define FAIL(code, msg)                                                                            \
	do {                                                                                       \
		*why = (msg);                                                                      \
		return (code);                                                                     \
	} while (0)

int
weir_jwt_verify(const struct weir_jwt_issuer *is, const char *token, size_t len, int64_t now,
		struct weir_jwt_claims *out, const char **why)
{
	struct jwt_work *w = (struct jwt_work *)(void *)out->work;
	const struct jwt_member *m, *kid;
	const char *d1, *d2, *pay, *sig_b64;
	char *pb;
	size_t max, h_len, p_len, s_len, tried = 0, i;
	long hl, pl, sl;
	int64_t exp = 0, nbf = 0, iat = 0;
	uint8_t has_exp, has_nbf, has_iat;
	int rc;

	memset(out, 0, offsetof(struct weir_jwt_claims, work));
	if (!issuer_ok(is))
		FAIL(WEIR_JWT_E_CONFIG, "issuer misconfigured");
	max = is->max_len != 0 ? is->max_len : WEIR_JWT_DEFAULT_MAX_LEN;
	if (max > WEIR_JWT_MAX_TOKEN)
		max = WEIR_JWT_MAX_TOKEN;
	if (len > max)
		FAIL(WEIR_JWT_E_TOO_LONG, "token too long");

	/* Form: header.payload.signature, each base64url. An empty signature
	 * passes here so that "alg": "none" gets its own answer below. */
	d1 = token != NULL ? memchr(token, '.', len) : NULL;
	d2 = d1 != NULL ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
	if (d2 == NULL || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)) != NULL)
		FAIL(WEIR_JWT_E_FORMAT, "token is not three base64url segments");
	h_len = (size_t)(d1 - token);
	pay = d1 + 1;
	p_len = (size_t)(d2 - pay);
	sig_b64 = d2 + 1;
	s_len = len - (size_t)(sig_b64 - token);
	/* Checked and decoded in one pass each: the header to buf, the
	 * payload after it (read only once the signature is good), the
	 * signature to sig if it fits (if not, it is refused below). */
	hl = jwt_b64url_check_decode(token, h_len, (uint8_t *)w->buf);
	pl = hl < 0 ? -1 : jwt_b64url_check_decode(pay, p_len, (uint8_t *)w->buf + hl);
	if (s_len / 4 * 3 + 2 <= sizeof(w->sig))
		sl = jwt_b64url_check_decode(sig_b64, s_len, w->sig);
	else
		sl = jwt_b64url_check(sig_b64, s_len);
	if (h_len == 0 || p_len == 0 || hl < 0 || pl < 0 || sl < 0)
		FAIL(WEIR_JWT_E_FORMAT, "token is not three base64url segments");
	pb = w->buf + hl;

	/* Header. */
	rc = jwt_json_object(w->buf, (size_t)hl, &w->obj);
	if (rc == JWT_JSON_DUP)
		FAIL(WEIR_JWT_E_DUPLICATE, "duplicate member in header");
	if (rc != 0)
		FAIL(WEIR_JWT_E_HEADER, "header is not a JSON object");
	m = member(&w->obj, w->buf, "alg");
	if (m == NULL || m->type != JT_STRING)
		FAIL(WEIR_JWT_E_ALG, "alg missing");
	if (m->val_len == 4 && strncasecmp(w->buf + m->val_off, "none", 4) == 0)
		FAIL(WEIR_JWT_E_ALG_NONE, "unsigned token (alg none)");
	if (!str_eq(w->buf, m, weir_jwt_alg_name(is->alg)))
		FAIL(WEIR_JWT_E_ALG, "alg not accepted");
	if (member(&w->obj, w->buf, "crit") != NULL)
		FAIL(WEIR_JWT_E_CRIT, "crit header not supported");
	if (member(&w->obj, w->buf, "jku") != NULL || member(&w->obj, w->buf, "x5u") != NULL ||
	    member(&w->obj, w->buf, "jwk") != NULL || member(&w->obj, w->buf, "x5c") != NULL)
		FAIL(WEIR_JWT_E_KEY_REF, "key references in the header not accepted");
	m = member(&w->obj, w->buf, "typ");
	if (m != NULL &&
	    (m->type != JT_STRING || m->val_len != 3 || strncasecmp(w->buf + m->val_off, "JWT", 3)))
		FAIL(WEIR_JWT_E_TYP, "typ is not JWT");
	kid = member(&w->obj, w->buf, "kid");
	if (kid != NULL && kid->type != JT_STRING)
		FAIL(WEIR_JWT_E_KID, "kid is not a string");

	/* Signature, over the segments as sent, with the keys the kid allows:
	 * the key of that kid and those for any kid. */
	if ((size_t)sl > SIG_MAX)
		FAIL(WEIR_JWT_E_SIGNATURE, "invalid signature");
	for (i = 0; i < is->n_keys; i++) {
		const struct weir_jwt_key *k = &is->keys[i];

		if (k->kid[0] != '\0' && (kid == NULL || strlen(k->kid) != kid->val_len ||
					  memcmp(k->kid, w->buf + kid->val_off, kid->val_len) != 0))
			continue;
		tried++;
		if (sig_ok(k, (const uint8_t *)token, (size_t)(d2 - token), w->sig, (size_t)sl))
			break;
	}
	if (tried == 0)
		FAIL(WEIR_JWT_E_KID, kid != NULL ? "unknown kid" : "kid required");
	if (i == is->n_keys)
		FAIL(WEIR_JWT_E_SIGNATURE, "invalid signature");

	/* Payload: authentic from here on. */
	rc = jwt_json_object(pb, (size_t)pl, &w->obj);
	if (rc == JWT_JSON_DUP)
		FAIL(WEIR_JWT_E_DUPLICATE, "duplicate claim");
	if (rc != 0)
		FAIL(WEIR_JWT_E_PAYLOAD, "payload is not a JSON object");
	m = member(&w->obj, pb, "exp");
	if (m != NULL && int_claim(pb, m, &exp) != 0)
		FAIL(WEIR_JWT_E_CLAIM_TYPE, "non-integer exp");
	has_exp = m != NULL;
	m = member(&w->obj, pb, "nbf");
	if (m != NULL && int_claim(pb, m, &nbf) != 0)
		FAIL(WEIR_JWT_E_CLAIM_TYPE, "non-integer nbf");
	has_nbf = m != NULL;
	m = member(&w->obj, pb, "iat");
	if (m != NULL && int_claim(pb, m, &iat) != 0)
		FAIL(WEIR_JWT_E_CLAIM_TYPE, "non-integer iat");
	has_iat = m != NULL;
	if (!has_exp && !is->exp_optional)
		FAIL(WEIR_JWT_E_EXP_MISSING, "exp missing");
	if (has_exp && now > exp + (int64_t)is->leeway_s)
		FAIL(WEIR_JWT_E_EXPIRED, "token expired");
	if (has_nbf && now < nbf - (int64_t)is->leeway_s)
		FAIL(WEIR_JWT_E_NOT_YET, "token not yet valid");
	m = member(&w->obj, pb, "iss");
	if (m == NULL || !str_eq(pb, m, is->iss))
		FAIL(WEIR_JWT_E_ISS, "issuer not accepted");
	m = member(&w->obj, pb, "aud");
	if (is->aud[0] == '\0') {
		/* RFC 7519 section 4.1.3: an aud that does not name us is refused. */
		if (m != NULL)
			FAIL(WEIR_JWT_E_AUD, "audience not accepted");
	} else if (m == NULL) {
		FAIL(WEIR_JWT_E_AUD, "audience missing");
	} else if (m->type == JT_ARRAY) {
		if (jwt_json_array_has(pb + m->val_off, m->val_len, is->aud, strlen(is->aud)) != 1)
			FAIL(WEIR_JWT_E_AUD, "audience not accepted");
	} else if (!str_eq(pb, m, is->aud)) {
		FAIL(WEIR_JWT_E_AUD, "audience not accepted");
	}
	rc = copy_claim(pb, &w->obj, is->sub_claim[0] ? is->sub_claim : "sub", out->sub,
			sizeof(out->sub), why, "sub is not a string", "sub too long");
	if (rc == 0)
		rc = copy_claim(pb, &w->obj, is->tier_claim[0] ? is->tier_claim : "tier", out->tier,
				sizeof(out->tier), why, "tier is not a string", "tier too long");
	if (rc == 0)
		rc = copy_claim(pb, &w->obj, "jti", out->jti, sizeof(out->jti), why,
				"jti is not a string", "jti too long");
	if (rc != 0) {
		memset(out, 0, offsetof(struct weir_jwt_claims, work));
		return rc;
	}
	out->has_exp = has_exp;
	out->has_nbf = has_nbf;
	out->has_iat = has_iat;
	out->exp = exp;
	out->nbf = nbf;
	out->iat = iat;
	*why = "ok";
	return 0;
}
