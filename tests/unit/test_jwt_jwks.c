/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/jwt: weir_jwt_issuer_load_jwks(). RSA 2048 and EC P-256 keys made at
 * run time, their numbers written as a JWK Set, loaded, and tokens signed
 * here verified by kid; keys for other algorithms and uses skipped; a
 * table of hostile sets, each with the one message it must get, the
 * issuer unchanged after each and nothing left allocated.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "weir_jwt.h"
#include "weir_test.h"

#define NOW 1300819370
#define PAY "{\"iss\":\"joe\",\"exp\":1300819380}"

/* ---- helpers, independent of lib/jwt ---- */

/* "b64(hdr).b64(pay)" into out; returns its length. */
static size_t
signing_input(const char *hdr, const char *pay, char *out)
{
	size_t n = weir_test_b64url((const uint8_t *)hdr, strlen(hdr), out);

	out[n++] = '.';
	return n + weir_test_b64url((const uint8_t *)pay, strlen(pay), out + n);
}

/* RS256 (es 0) or ES256 (R || S) over hdr and PAY. */
static void
sign(EVP_PKEY *pkey, int es, const char *hdr, char *tok)
{
	uint8_t sig[1024], raw[64];
	size_t sl = sizeof(sig), n = signing_input(hdr, PAY, tok);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &sl, (uint8_t *)tok, n), 1);
	EVP_MD_CTX_free(ctx);
	tok[n++] = '.';
	if (es) {
		const uint8_t *p = sig;
		ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)sl);

		assert_non_null(s);
		assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(s), raw, 32), 32);
		assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(s), raw + 32, 32), 32);
		ECDSA_SIG_free(s);
		weir_test_b64url(raw, 64, tok + n);
		return;
	}
	weir_test_b64url(sig, sl, tok + n);
}

static void
sign_hmac(const uint8_t *key, size_t kl, const char *hdr, char *tok)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int ml;
	size_t n = signing_input(hdr, PAY, tok);

	assert_non_null(HMAC(EVP_sha256(), key, (int)kl, (uint8_t *)tok, n, mac, &ml));
	tok[n++] = '.';
	weir_test_b64url(mac, ml, tok + n);
}

/* A BIGNUM parameter of a key, big-endian in pad bytes (0: its own length),
 * base64url into out. */
static void
bn_param(EVP_PKEY *pkey, const char *name, int pad, char *out)
{
	uint8_t b[1024];
	BIGNUM *bn = NULL;
	int l;

	assert_int_equal(EVP_PKEY_get_bn_param(pkey, name, &bn), 1);
	l = pad ? BN_bn2binpad(bn, b, pad) : BN_bn2bin(bn, b);
	assert_true(l > 0);
	BN_free(bn);
	weir_test_b64url(b, (size_t)l, out);
}

/* Text built with printf, kept for freeing at the end of the test. */
static char *pool[64];
static unsigned int n_pool;

static const char *
fmt(const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	assert_true(vasprintf(&s, f, ap) > 0);
	va_end(ap);
	assert_true(n_pool < sizeof(pool) / sizeof(pool[0]));
	pool[n_pool++] = s;
	return s;
}

static void
pool_free(void)
{
	while (n_pool > 0)
		free(pool[--n_pool]);
}

/* The keys of the tests, made once. */
static EVP_PKEY *rsa1, *rsa2, *rsa1024, *ec1, *ec2, *p384;
/* Their JWK members: "n":"..","e":".." and "crv":"P-256","x":"..","y":"..". */
static char rsa1_j[1024], rsa2_j[1024], rsa1024_j[512], ec1_j[256], ec2_j[256], p384_j[256];

static void
rsa_members(EVP_PKEY *k, char *out)
{
	char n[1400], e[16];

	bn_param(k, OSSL_PKEY_PARAM_RSA_N, 0, n);
	bn_param(k, OSSL_PKEY_PARAM_RSA_E, 0, e);
	sprintf(out, "\"n\":\"%s\",\"e\":\"%s\"", n, e);
}

static void
ec_members(EVP_PKEY *k, const char *crv, int size, char *out)
{
	char x[80], y[80];

	bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, size, x);
	bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, size, y);
	sprintf(out, "\"crv\":\"%s\",\"x\":\"%s\",\"y\":\"%s\"", crv, x, y);
}

static int
keys_make(void)
{
	rsa1 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	rsa2 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	ec1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ec2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	if (!rsa1 || !rsa2 || !rsa1024 || !ec1 || !ec2 || !p384)
		return -1;
	rsa_members(rsa1, rsa1_j);
	rsa_members(rsa2, rsa2_j);
	rsa_members(rsa1024, rsa1024_j);
	ec_members(ec1, "P-256", 32, ec1_j);
	ec_members(ec2, "P-256", 32, ec2_j);
	ec_members(p384, "P-384", 48, p384_j);
	return 0;
}

static void
keys_free(void)
{
	EVP_PKEY_free(rsa1);
	EVP_PKEY_free(rsa2);
	EVP_PKEY_free(rsa1024);
	EVP_PKEY_free(ec1);
	EVP_PKEY_free(ec2);
	EVP_PKEY_free(p384);
}

static void
issuer(struct weir_jwt_issuer *is, uint8_t alg)
{
	memset(is, 0, sizeof(*is));
	strcpy(is->iss, "joe");
	is->alg = alg;
}

static void
free_keys(struct weir_jwt_issuer *is)
{
	unsigned int i;

	for (i = 0; i < is->n_keys; i++)
		weir_jwt_key_free(&is->keys[i]);
	is->n_keys = 0;
}

static int
load(struct weir_jwt_issuer *is, const char *s, struct weir_jwt_jwks_stats *st, const char **why)
{
	return weir_jwt_issuer_load_jwks(is, s, strlen(s), st, why);
}

static struct weir_jwt_claims claims; /* 8 KB: not on the stack */

static int
verify(const struct weir_jwt_issuer *is, const char *tok)
{
	const char *why = NULL;

	return weir_jwt_verify(is, tok, strlen(tok), NOW, &claims, &why);
}

/* ---- sets that load ---- */

static void
test_rs256(void **state)
{
	struct weir_jwt_issuer is;
	struct weir_jwt_jwks_stats st;
	const char *why = NULL;
	char tok[2048];

	(void)state;
	issuer(&is, WEIR_JWT_RS256);
	/* Two RSA keys by kid, the EC one and an oct one skipped, an OKP one
	 * (kty unknown here) skipped, one for encryption skipped. */
	assert_int_equal(
		load(&is,
		     fmt("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r1\",\"use\":\"sig\",\"alg\":"
			 "\"RS256\",%s},\n {\"kty\":\"EC\",\"kid\":\"e1\",%s},\n"
			 " {\"kty\":\"oct\",\"k\":\"AAAA\"},{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
			 "\"x\":\"AA\"},\n {\"kty\":\"RSA\",\"kid\":\"enc\",\"use\":\"enc\",%s},\n"
			 " {\"kty\":\"RSA\",\"kid\":\"r2\",\"key_ops\":[\"verify\"],%s}],"
			 "\"other\":1}",
			 rsa1_j, ec1_j, rsa1_j, rsa2_j),
		     &st, &why),
		0);
	assert_int_equal(st.added, 2);
	assert_int_equal(st.skipped, 4);
	assert_int_equal(st.bad_key, -1);
	assert_int_equal(is.n_keys, 2);
	assert_string_equal(is.keys[0].kid, "r1");
	assert_string_equal(is.keys[1].kid, "r2");

	sign(rsa1, 0, "{\"alg\":\"RS256\",\"kid\":\"r1\"}", tok);
	assert_int_equal(verify(&is, tok), 0);
	sign(rsa2, 0, "{\"alg\":\"RS256\",\"kid\":\"r2\"}", tok);
	assert_int_equal(verify(&is, tok), 0);
	sign(rsa1, 0, "{\"alg\":\"RS256\",\"kid\":\"r2\"}", tok);
	assert_int_equal(verify(&is, tok), WEIR_JWT_E_SIGNATURE);
	sign(rsa1, 0, "{\"alg\":\"RS256\",\"kid\":\"r3\"}", tok);
	assert_int_equal(verify(&is, tok), WEIR_JWT_E_KID);
	/* The key for encryption was not loaded under its kid. */
	sign(rsa1, 0, "{\"alg\":\"RS256\",\"kid\":\"enc\"}", tok);
	assert_int_equal(verify(&is, tok), WEIR_JWT_E_KID);
	sign(rsa1, 0, "{\"alg\":\"RS256\"}", tok);
	assert_int_equal(verify(&is, tok), WEIR_JWT_E_KID);
	free_keys(&is);

	/* One key: no kid needed, and then it takes tokens with or without one. */
	assert_int_equal(load(&is, fmt("{\"keys\":[{\"kty\":\"RSA\",%s}]}", rsa1_j), &st, &why), 0);
	assert_int_equal(is.n_keys, 1);
	assert_string_equal(is.keys[0].kid, "");
	sign(rsa1, 0, "{\"alg\":\"RS256\"}", tok);
	assert_int_equal(verify(&is, tok), 0);
	sign(rsa1, 0, "{\"alg\":\"RS256\",\"kid\":\"any\"}", tok);
	assert_int_equal(verify(&is, tok), 0);
	/* Appended after the keys there are, kids unique across them. */
	assert_int_equal(load(&is, fmt("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r2\",%s}]}", rsa2_j),
			      &st, &why),
			 0);
	assert_int_equal(is.n_keys, 2);
	sign(rsa2, 0, "{\"alg\":\"RS256\",\"kid\":\"r2\"}", tok);
	assert_int_equal(verify(&is, tok), 0);
	free_keys(&is);
	pool_free();
}

static void
test_es256(void **state)
{
	struct weir_jwt_issuer is;
	struct weir_jwt_jwks_stats st;
	const char *why = NULL;
	char tok[1024];

	(void)state;
	issuer(&is, WEIR_JWT_ES256);
	/* P-384 and alg ES384: another algorithm's keys, skipped. */
	assert_int_equal(
		load(&is,
		     fmt("{\"keys\":[{\"kty\":\"EC\",\"kid\":\"a\",%s},{\"kty\":\"EC\",\"kid\":"
			 "\"b\",\"alg\":\"ES256\",\"key_ops\":[\"sign\",\"verify\"],%s},"
			 "{\"kty\":\"EC\",\"kid\":\"c\",%s},{\"kty\":\"EC\",\"kid\":\"d\","
			 "\"alg\":\"ES384\",%s},{\"kty\":\"RSA\",%s}]}",
			 ec1_j, ec2_j, p384_j, ec1_j, rsa1_j),
		     &st, &why),
		0);
	assert_int_equal(st.added, 2);
	assert_int_equal(st.skipped, 3);
	sign(ec1, 1, "{\"alg\":\"ES256\",\"kid\":\"a\"}", tok);
	assert_int_equal(verify(&is, tok), 0);
	sign(ec2, 1, "{\"alg\":\"ES256\",\"kid\":\"b\"}", tok);
	assert_int_equal(verify(&is, tok), 0);
	sign(ec2, 1, "{\"alg\":\"ES256\",\"kid\":\"a\"}", tok);
	assert_int_equal(verify(&is, tok), WEIR_JWT_E_SIGNATURE);
	sign(ec1, 1, "{\"alg\":\"ES256\",\"kid\":\"c\"}", tok);
	assert_int_equal(verify(&is, tok), WEIR_JWT_E_KID);
	free_keys(&is);
	pool_free();
}

static void
test_hs256(void **state)
{
	/* 32 bytes: RFC 7515 A.1's key, cut; k spells them. */
	static const char k[] = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr8";
	static const uint8_t key[32] = {
		3,  35,	 53, 75,  43,  15, 165, 188, 131, 126, 6,   101, 119, 123, 166, 143,
		90, 179, 40, 230, 240, 84, 201, 40,  169, 15,  132, 178, 210, 80,  46,	191,
	};
	struct weir_jwt_issuer is;
	struct weir_jwt_jwks_stats st;
	const char *why = NULL;
	char tok[1024];

	(void)state;
	issuer(&is, WEIR_JWT_HS256);
	assert_int_equal(
		load(&is,
		     fmt("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"h\",\"k\":\"%s\"},{\"kty\":\"RSA\","
			 "%s},{\"kty\":\"oct\",\"kid\":\"h2\",\"alg\":\"HS512\",\"k\":\"%s\"}]}",
			 k, rsa1_j, k),
		     &st, &why),
		0);
	assert_int_equal(st.added, 1);
	assert_int_equal(st.skipped, 2);
	assert_int_equal(is.keys[0].secret_len, 32);
	sign_hmac(key, 32, "{\"alg\":\"HS256\",\"kid\":\"h\"}", tok);
	assert_int_equal(verify(&is, tok), 0);
	/* h2 was for HS512: not loaded. */
	sign_hmac(key, 32, "{\"alg\":\"HS256\",\"kid\":\"h2\"}", tok);
	assert_int_equal(verify(&is, tok), WEIR_JWT_E_KID);
	free_keys(&is);
	pool_free();
}

/* ---- sets refused ---- */

struct bad {
	uint8_t alg;
	const char *text;
	const char *why;
	int bad_key;
};

/* Eight oct keys with kids k0..k7 and then more_text. */
static const char *
many_oct(unsigned int n)
{
	static const char k[] = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr8";
	char buf[4096];
	size_t l = 0;
	unsigned int i;

	l += (size_t)sprintf(buf + l, "{\"keys\":[");
	for (i = 0; i < n; i++)
		l += (size_t)sprintf(buf + l, "%s{\"kty\":\"oct\",\"kid\":\"k%u\",\"k\":\"%s\"}",
				     i ? "," : "", i, k);
	sprintf(buf + l, "]}");
	return fmt("%s", buf);
}

/* ec1's members with a character of y changed: a point off the curve (that
 * x and the new y being on it has a chance of about 2^-256). */
static const char *
ec_off_curve(void)
{
	char *s = strdup(ec1_j), *y = strstr(s, "\"y\":\"") + 5, *end = strchr(y, '"');

	assert_non_null(s);
	end[-2] = end[-2] == 'A' ? 'B' : 'A';
	y = (char *)fmt("%s", s);
	free(s);
	return y;
}

static void
test_refused(void **state)
{
	static const char k31[] = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLg"; /* 31 bytes */
	char n0[1500];
	uint8_t b[300];
	struct weir_jwt_issuer is;
	struct weir_jwt_jwks_stats st;
	const char *why = NULL;
	size_t before = 0;
	unsigned int i, pass;
	BIGNUM *bn = NULL;
	char big[70000], pre_rs[1100], pre_es[300];
	uint8_t sixty4[64];

	(void)state;
	/* n with a zero octet in front. */
	assert_int_equal(EVP_PKEY_get_bn_param(rsa1, OSSL_PKEY_PARAM_RSA_N, &bn), 1);
	b[0] = 0;
	assert_int_equal(BN_bn2bin(bn, b + 1), 256);
	BN_free(bn);
	weir_test_b64url(b, 257, n0);
	snprintf(pre_rs, sizeof(pre_rs), "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"pre\",%s}]}",
		 rsa2_j);
	snprintf(pre_es, sizeof(pre_es), "{\"keys\":[{\"kty\":\"EC\",\"kid\":\"pre\",%s}]}", ec2_j);
	memset(sixty4, 7, sizeof(sixty4));
	memset(big, ' ', sizeof(big));
	memcpy(big, "{\"keys\":[]}", 11);

	for (pass = 0; pass < 2; pass++) {
		const struct bad cases[] = {
			{WEIR_JWT_RS256, "not json", "JWKS: not a JSON object", -1},
			{WEIR_JWT_RS256, "{\"keys\":[]", "JWKS: not a JSON object", -1},
			{WEIR_JWT_RS256, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"AA\"},]}",
			 "JWKS: not a JSON object", -1},
			{WEIR_JWT_RS256, "{\"keys\":[],\"keys\":[]}", "JWKS: a member twice", -1},
			{WEIR_JWT_RS256, "{\"keys\":{}}", "JWKS: keys missing or not an array", -1},
			{WEIR_JWT_RS256, "{\"kid\":\"x\"}", "JWKS: keys missing or not an array",
			 -1},
			{WEIR_JWT_RS256, "[]", "JWKS: not a JSON object", -1},
			{WEIR_JWT_RS256, "", "JWKS: empty or longer than 65535 bytes", -1},
			{WEIR_JWT_RS256, "{\"keys\":[]}", "JWKS: no key for the issuer's alg", -1},
			{WEIR_JWT_RS256, "{\"keys\":[1]}", "JWKS: a key is not a JSON object", 0},
			{WEIR_JWT_RS256,
			 "{\"keys\":[{\"kty\":\"OKP\"},{\"kty\":\"RSA\",\"kty\":\"RSA\"}]}",
			 "JWKS: a member twice in a key", 1},
			{WEIR_JWT_RS256, "{\"keys\":[{\"n\":\"AQAB\"}]}", "JWKS: a key without kty",
			 0},
			{WEIR_JWT_RS256, "{\"keys\":[{\"kty\":1}]}", "JWKS: a key without kty", 0},
			/* RSA's members. */
			{WEIR_JWT_RS256, fmt("{\"keys\":[{\"kty\":\"RSA\",%s}]}", rsa1024_j),
			 "JWKS: RSA key shorter than 2048 bits", 0},
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"%.342s\"}]}",
			     strstr(rsa1_j, ":") + 2),
			 "JWKS: RSA key without e", 0},
			{WEIR_JWT_RS256, "{\"keys\":[{\"kty\":\"RSA\",\"e\":\"AQAB\"}]}",
			 "JWKS: RSA key without n", 0},
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"%s=\",\"e\":\"AQAB\"}]}", n0),
			 "JWKS: n is not base64url", 0},
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"+%s\",\"e\":\"AQAB\"}]}", n0),
			 "JWKS: n is not base64url", 0},
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"}]}", n0),
			 "JWKS: n has a leading zero octet", 0},
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"%.342s\",\"e\":\"AAEAAQ\"}]}",
			     strstr(rsa1_j, ":") + 2),
			 "JWKS: e has a leading zero octet", 0},
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"%.342s\",\"e\":\"Ag\"}]}",
			     strstr(rsa1_j, ":") + 2),
			 "JWKS: not a valid RSA public key (n, e)", 0},
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"%s%s%s%s%s\",\"e\":\"AQAB\"}]}",
			     n0 + 4, n0 + 4, n0 + 4, n0 + 4, n0 + 4),
			 "JWKS: RSA key longer than 8192 bits", 0},
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",\"d\":\"AQAB\",%s}]}", rsa1_j),
			 "private key material in a JWKS", 0},
			/* Private material anywhere, even in a key that would be skipped. */
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",%s},{\"kty\":\"EC\",%s,\"d\":\"AA\"}]}",
			     rsa1_j, ec1_j),
			 "private key material in a JWKS", 1},
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",%s,\"p\":\"AQ\",\"q\":\"AQ\"}]}", rsa1_j),
			 "private key material in a JWKS", 0},
			/* Skipped, all of them: nothing left. */
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"RS384\",%s}]}", rsa1_j),
			 "JWKS: no key for the issuer's alg", -1},
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",\"use\":\"enc\",%s}]}", rsa1_j),
			 "JWKS: no key for the issuer's alg", -1},
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",\"key_ops\":[\"encrypt\"],%s}]}", rsa1_j),
			 "JWKS: no key for the issuer's alg", -1},
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",\"key_ops\":\"verify\",%s}]}", rsa1_j),
			 "JWKS: key_ops is not an array of strings", 0},
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",\"alg\":null,%s}]}", rsa1_j),
			 "JWKS: alg, use or kid is not a string", 0},
			/* Kids. */
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",%s},{\"kty\":\"RSA\",%s}]}", rsa1_j,
			     rsa2_j),
			 "JWKS: a key without kid in a set of several", 0},
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"a\",%s},{\"kty\":\"RSA\",%s}]}",
			     rsa1_j, rsa2_j),
			 "JWKS: a key without kid in a set of several", 1},
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"a\",%s},{\"kty\":\"RSA\","
			     "\"kid\":"
			     "\"a\",%s}]}",
			     rsa1_j, rsa2_j),
			 "JWKS: duplicate kid", 1},
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"pre\",%s}]}", rsa1_j),
			 "JWKS: duplicate kid", 0},
			{WEIR_JWT_RS256,
			 fmt("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"%064d\",%s}]}", 0, rsa1_j),
			 "JWKS: kid longer than 63 bytes", 0},
			/* EC. */
			{WEIR_JWT_ES256, fmt("{\"keys\":[{\"kty\":\"EC\",%s}]}", p384_j),
			 "JWKS: no key for the issuer's alg", -1},
			{WEIR_JWT_ES256, "{\"keys\":[{\"kty\":\"EC\",\"x\":\"AA\",\"y\":\"AA\"}]}",
			 "JWKS: EC key without crv", 0},
			{WEIR_JWT_ES256,
			 fmt("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%"
			     "s\"}]}",
			     k31, "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr8"),
			 "JWKS: x is not 32 bytes", 0},
			{WEIR_JWT_ES256,
			 "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":"
			 "\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr8\"}]}",
			 "JWKS: EC key without y", 0},
			{WEIR_JWT_ES256, fmt("{\"keys\":[{\"kty\":\"EC\",%s}]}", ec_off_curve()),
			 "JWKS: EC point not on P-256", 0},
			{WEIR_JWT_ES256,
			 fmt("{\"keys\":[{\"kty\":\"EC\",\"d\":\"AA\",%s}]}", ec1_j),
			 "private key material in a JWKS", 0},
			/* oct. */
			{WEIR_JWT_HS256, fmt("{\"keys\":[{\"kty\":\"oct\",\"k\":\"%s\"}]}", k31),
			 "JWKS: oct key shorter than the hash (32, 48, 64 bytes)", 0},
			{WEIR_JWT_HS512,
			 "{\"keys\":[{\"kty\":\"oct\",\"k\":"
			 "\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr8AyM1SysPpbyDfgZld3umj\"}]"
			 "}",
			 "JWKS: oct key shorter than the hash (32, 48, 64 bytes)", 0},
			{WEIR_JWT_HS256, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"A\"}]}",
			 "JWKS: k is not base64url", 0},
			{WEIR_JWT_HS256,
			 fmt("{\"keys\":[{\"kty\":\"oct\",\"k\":\"%.172s\"}]}", n0 + 4),
			 "JWKS: oct key longer than 128 bytes", 0},
			{WEIR_JWT_HS256, many_oct(8), "JWKS: more keys than an issuer holds (8)",
			 7},
		};
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const struct bad *c = &cases[i];
			const char *pre_why = NULL;
			int rc;

			if (pass == 1 && i == 0)
				before = weir_test_heap_bytes();
			/* Each issuer holds a key already, kid "pre": it must stay. */
			issuer(&is, c->alg);
			if (c->alg == WEIR_JWT_RS256)
				assert_int_equal(load(&is, pre_rs, NULL, &pre_why), 0);
			else if (c->alg == WEIR_JWT_ES256)
				assert_int_equal(load(&is, pre_es, NULL, &pre_why), 0);
			else
				assert_int_equal(weir_jwt_key_hmac(&is.keys[is.n_keys++], c->alg,
								   sixty4, 64, "pre", &pre_why),
						 0);
			assert_int_equal(is.n_keys, 1);
			why = NULL;
			rc = load(&is, c->text, &st, &why);
			if (rc != -EINVAL || why == NULL || strcmp(why, c->why) != 0 ||
			    st.bad_key != c->bad_key)
				fail_msg("case %u (%.60s...): rc %d, \"%s\", key %d; expected "
					 "\"%s\", key "
					 "%d",
					 i, c->text, rc, why ? why : "(null)", st.bad_key, c->why,
					 c->bad_key);
			assert_int_equal(st.added, 0);
			assert_int_equal(is.n_keys, 1);
			assert_true(is.keys[0].kid[0] != '\0');
			assert_int_equal(is.keys[1].alg, 0); /* freed and zeroed, or never set */
			free_keys(&is);
		}
		/* The same cases again: what they allocate they free (OpenSSL's
		 * lazily built tables were made in the first pass). */
		if (pass == 1)
			assert_int_equal(weir_test_heap_bytes(), before);
		pool_free();
	}

	/* At and past the size limit. */
	issuer(&is, WEIR_JWT_RS256);
	assert_int_equal(weir_jwt_issuer_load_jwks(&is, big, WEIR_JWT_JWKS_MAX, &st, &why),
			 -EINVAL);
	assert_string_equal(why, "JWKS: no key for the issuer's alg");
	assert_int_equal(weir_jwt_issuer_load_jwks(&is, big, WEIR_JWT_JWKS_MAX + 1, &st, &why),
			 -EINVAL);
	assert_string_equal(why, "JWKS: empty or longer than 65535 bytes");
	/* An issuer without its alg set. */
	issuer(&is, 0);
	assert_int_equal(load(&is, "{\"keys\":[]}", NULL, &why), -EINVAL);
	assert_string_equal(why, "JWKS: the issuer has no algorithm");
	/* Eight fit in an empty issuer, and verify. */
	issuer(&is, WEIR_JWT_HS256);
	assert_int_equal(load(&is, many_oct(8), &st, &why), 0);
	assert_int_equal(is.n_keys, 8);
	assert_string_equal(is.keys[7].kid, "k7");
	free_keys(&is);
	pool_free();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rs256),
		cmocka_unit_test(test_es256),
		cmocka_unit_test(test_hs256),
		cmocka_unit_test(test_refused),
	};

	int failed;

	if (keys_make() != 0) {
		fprintf(stderr, "test_jwt_jwks: no keys made\n");
		return 1;
	}
	failed = weir_test_main(tests);
	keys_free();
	return failed;
}
