/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/jwt: weir_jwt_verify() on a fixed clock. RFC 7515's examples A.1
 * (HS256), A.2 (RS256) and A.3 (ES256) verify; a table of valid and
 * hostile HS256 tokens, each with the one error it must get; RS256 and
 * ES256 tokens signed here with keys made at run time; the key loaders;
 * the algorithm confusion of an HS256 token MACed with an RS256 issuer's
 * PEM text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "weir_jwt.h"
#include "weir_test.h"

/* RFC 7515 A.1's payload has exp 1300819380. */
#define NOW 1300819370

/* ---- helpers: base64url and signing, independent of lib/jwt ---- */

static size_t
unb64url(const char *in, uint8_t *out)
{
	uint32_t acc = 0;
	unsigned int bits = 0;
	size_t n = 0;

	for (; *in; in++) {
		const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

		acc = acc << 6 | (uint32_t)(strchr(a, *in) - a);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n;
}

/* "b64(hdr).b64(pay)" into out; returns its length. */
static size_t
signing_input(const char *hdr, const char *pay, char *out)
{
	size_t n = weir_test_b64url((const uint8_t *)hdr, strlen(hdr), out);

	out[n++] = '.';
	return n + weir_test_b64url((const uint8_t *)pay, strlen(pay), out + n);
}

static void
append_sig(char *tok, size_t n, const uint8_t *sig, size_t sig_len)
{
	tok[n++] = '.';
	weir_test_b64url(sig, sig_len, tok + n);
}

static void
mk_hmac(const EVP_MD *md, const void *key, size_t key_len, const char *hdr, const char *pay,
	char *tok)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int ml;
	size_t n = signing_input(hdr, pay, tok);

	assert_non_null(HMAC(md, key, (int)key_len, (uint8_t *)tok, n, mac, &ml));
	append_sig(tok, n, mac, ml);
}

/* RS256, or ES256 (DER turned into R || S unless der). */
static void
mk_pkey(EVP_PKEY *pkey, int es, int der, const char *hdr, const char *pay, char *tok)
{
	uint8_t sig[1024], raw[64];
	size_t sl = sizeof(sig), n = signing_input(hdr, pay, tok);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &sl, (uint8_t *)tok, n), 1);
	EVP_MD_CTX_free(ctx);
	if (es && !der) {
		const uint8_t *p = sig;
		ECDSA_SIG *es_sig = d2i_ECDSA_SIG(NULL, &p, (long)sl);

		assert_non_null(es_sig);
		assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es_sig), raw, 32), 32);
		assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es_sig), raw + 32, 32), 32);
		ECDSA_SIG_free(es_sig);
		append_sig(tok, n, raw, 64);
		return;
	}
	append_sig(tok, n, sig, sl);
}

static char *
pub_pem(EVP_PKEY *pkey)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *s;
	long l;

	assert_non_null(b);
	assert_int_equal(PEM_write_bio_PUBKEY(b, pkey), 1);
	l = BIO_get_mem_data(b, &data);
	s = malloc((size_t)l + 1);
	assert_non_null(s);
	memcpy(s, data, (size_t)l);
	s[l] = '\0';
	BIO_free(b);
	return s;
}

static int
verify_str(const struct weir_jwt_issuer *is, const char *tok, int64_t now,
	   struct weir_jwt_claims *c, const char **why)
{
	return weir_jwt_verify(is, tok, strlen(tok), now, c, why);
}

/* ---- RFC 7515 Appendix A ---- */

/* A.1: the JWK's "k", and the example JWS. */
static const char a1_k[] = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcg"
			   "UuTwjAzZr1Z9CAow";
static const char a1_jws[] =
	"eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
	".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0"
	"cnVlfQ"
	".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/* A.2: the RSA JWK's n and e as a PEM public key (converted here; the
 * signature checks with `openssl dgst -sha256 -verify`), and the JWS. */
static const char a2_pem[] = "-----BEGIN PUBLIC KEY-----\n"
			     "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAofgWCuLjybRlzo0tZWJj\n"
			     "NiuSfb4p4fAkd/wWJcyQoTbji9k0l8W26mPddxHmfHQp+Vaw+4qPCJrcS2mJPMEz\n"
			     "P1Pt0Bm4d4QlL+yRT+SFd2lZS+pCgNMsD1W/YpRPEwOWvG6b32690r2jZ47soMZo\n"
			     "9wGzjb/7OMg0LOL+bSf63kpaSHSXndS5z5rexMdbBYUsLA9e+KXBdQOS+UTo7WTB\n"
			     "EMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6/I5IhlJH7aGhyxX\n"
			     "FvUK+DWNmoudF8NAco9/h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXp\n"
			     "oQIDAQAB\n"
			     "-----END PUBLIC KEY-----\n";
static const char a2_jws[] =
	"eyJhbGciOiJSUzI1NiJ9"
	".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0"
	"cnVlfQ"
	".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2"
	"Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQ"
	"BMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6Ie"
	"YI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

/* A.3: the EC JWK's x and y (P-256) as a PEM public key, and the JWS. */
static const char a3_pem[] = "-----BEGIN PUBLIC KEY-----\n"
			     "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV7\n"
			     "6e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==\n"
			     "-----END PUBLIC KEY-----\n";
static const char a3_jws[] =
	"eyJhbGciOiJFUzI1NiJ9"
	".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0"
	"cnVlfQ"
	".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

/* An issuer "joe", no aud, exp required, one key. */
static void
rfc_issuer(struct weir_jwt_issuer *is, uint8_t alg)
{
	memset(is, 0, sizeof(*is));
	strcpy(is->iss, "joe");
	is->alg = alg;
	is->n_keys = 1;
}

static void
pem_issuer(struct weir_jwt_issuer *is, uint8_t alg, const char *pem, const char *kid)
{
	const char *why = NULL;

	rfc_issuer(is, alg);
	assert_int_equal(weir_jwt_key_pem(&is->keys[0], alg, pem, strlen(pem), kid, &why), 0);
}

static struct weir_jwt_claims claims; /* 8 KB: not on the stack */

static void
test_rfc7515_a1_hs256(void **state)
{
	struct weir_jwt_issuer is;
	uint8_t k[64];
	const char *why = NULL;
	char tok[512];

	(void)state;
	rfc_issuer(&is, WEIR_JWT_HS256);
	assert_int_equal(unb64url(a1_k, k), 64);
	assert_int_equal(weir_jwt_key_hmac(&is.keys[0], WEIR_JWT_HS256, k, 64, NULL, &why), 0);
	assert_int_equal(verify_str(&is, a1_jws, NOW, &claims, &why), 0);
	assert_string_equal(why, "ok");
	assert_true(claims.has_exp);
	assert_int_equal(claims.exp, 1300819380);
	assert_false(claims.has_nbf);
	assert_string_equal(claims.sub, "");
	/* The clock: good at exp, expired a second later. */
	assert_int_equal(verify_str(&is, a1_jws, 1300819380, &claims, &why), 0);
	assert_int_equal(verify_str(&is, a1_jws, 1300819381, &claims, &why), WEIR_JWT_E_EXPIRED);
	assert_string_equal(why, "token expired");
	/* Another audience: the token carries none. */
	strcpy(is.aud, "weir");
	assert_int_equal(verify_str(&is, a1_jws, NOW, &claims, &why), WEIR_JWT_E_AUD);
	is.aud[0] = '\0';
	/* One bit of the MAC ('k' is 36, 'g' 32: the last character of 43
	 * carries 4 bits of data and 2 that must be zero). */
	strcpy(tok, a1_jws);
	tok[strlen(tok) - 1] = 'g';
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_SIGNATURE);
	/* 'j' (35) sets one of those 2: another spelling, refused as such. */
	tok[strlen(tok) - 1] = 'j';
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_FORMAT);
	/* An HS384 issuer with the same secret: the token's alg is not its. */
	assert_int_equal(weir_jwt_key_hmac(&is.keys[0], WEIR_JWT_HS384, k, 64, NULL, &why), 0);
	is.alg = WEIR_JWT_HS384;
	assert_int_equal(verify_str(&is, a1_jws, NOW, &claims, &why), WEIR_JWT_E_ALG);
}

static void
test_rfc7515_a2_rs256(void **state)
{
	struct weir_jwt_issuer is;
	const char *why = NULL;
	char tok[1024];

	(void)state;
	pem_issuer(&is, WEIR_JWT_RS256, a2_pem, NULL);
	assert_int_equal(verify_str(&is, a2_jws, NOW, &claims, &why), 0);
	assert_int_equal(claims.exp, 1300819380);
	strcpy(tok, a2_jws);
	tok[strlen(tok) - 2] ^= 1;
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_SIGNATURE);
	/* The signature without its last byte (342 characters to 340). */
	strcpy(tok, a2_jws);
	tok[strlen(tok) - 2] = '\0';
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_SIGNATURE);
	/* A.3's ES256 token to this issuer. */
	assert_int_equal(verify_str(&is, a3_jws, NOW, &claims, &why), WEIR_JWT_E_ALG);
	weir_jwt_key_free(&is.keys[0]);
	assert_null(is.keys[0].pkey);
}

static void
test_rfc7515_a3_es256(void **state)
{
	struct weir_jwt_issuer is;
	const char *why = NULL;
	char tok[512];

	(void)state;
	pem_issuer(&is, WEIR_JWT_ES256, a3_pem, NULL);
	assert_int_equal(verify_str(&is, a3_jws, NOW, &claims, &why), 0);
	assert_int_equal(claims.exp, 1300819380);
	assert_int_equal(verify_str(&is, a3_jws, 1300819381, &claims, &why), WEIR_JWT_E_EXPIRED);
	strcpy(tok, a3_jws);
	tok[strlen(tok) - 5] ^= 1;
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_SIGNATURE);
	/* R || S must be 64 bytes: 65 is refused before OpenSSL sees it. */
	strcpy(tok, a3_jws);
	strcat(tok, "AA");
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_SIGNATURE);
	assert_int_equal(verify_str(&is, a2_jws, NOW, &claims, &why), WEIR_JWT_E_ALG);
	weir_jwt_key_free(&is.keys[0]);
}

/* The classic confusion: an RS256 issuer's public key is public, so an
 * attacker MACs a token with its PEM text as an HS256 secret, hoping the
 * verifier takes "alg" from the token (libjwt 1.x does, given the key). */
static void
test_alg_confusion(void **state)
{
	struct weir_jwt_issuer is;
	const char *why = NULL;
	char tok[1024];

	(void)state;
	pem_issuer(&is, WEIR_JWT_RS256, a2_pem, NULL);
	mk_hmac(EVP_sha256(), a2_pem, strlen(a2_pem), "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
		"{\"iss\":\"joe\",\"exp\":1300819380,\"sub\":\"admin\"}", tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_ALG);
	assert_string_equal(why, "alg not accepted");
	assert_string_equal(claims.sub, "");
	/* The same with "alg": "RS256" in the header and an HMAC as signature. */
	mk_hmac(EVP_sha256(), a2_pem, strlen(a2_pem), "{\"alg\":\"RS256\"}",
		"{\"iss\":\"joe\",\"exp\":1300819380}", tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_SIGNATURE);
	weir_jwt_key_free(&is.keys[0]);
}

/* ---- the HS256 table ---- */

static const char secret[] = "0123456789abcdef0123456789abcdef"; /* 32 bytes */

enum { SIGN, SIGN_NONE, SIGN_FLIP, SIGN_OTHER_KEY, SIGN_SHORT, RAW };

struct tcase {
	const char *name;
	const char *hdr; /* RAW: the whole token */
	const char *pay;
	int mode;
	int want;
};

#define H "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define P_BASE "\"iss\":\"joe\",\"aud\":\"weir\",\"exp\":1300819380"
#define P "{" P_BASE "}"
#define PX(x) "{" P_BASE "," x "}"
#define HX(x) "{\"alg\":\"HS256\"," x "}"
#define S_127                                                                                      \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"                          \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DEEP16 "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]"
#define DEEP15 "[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]"
#define OK 0

/* clang-format off */
static const struct tcase table[] = {
	/* Good tokens. */
	{"plain", H, PX("\"sub\":\"alice\",\"tier\":\"gold\",\"jti\":\"j-1\""), SIGN, OK},
	{"typ lower case", "{\"alg\":\"HS256\",\"typ\":\"jwt\"}", P, SIGN, OK},
	{"no typ", "{\"alg\":\"HS256\"}", P, SIGN, OK},
	{"any kid for a key without one", HX("\"kid\":\"whatever\""), P, SIGN, OK},
	{"aud array", H, "{\"iss\":\"joe\",\"aud\":[\"other\",\"weir\"],\"exp\":1300819380}", SIGN, OK},
	{"exp at the leeway's end", H, "{\"iss\":\"joe\",\"aud\":\"weir\",\"exp\":1300819340}", SIGN, OK},
	{"nbf within the leeway", H, PX("\"nbf\":1300819400"), SIGN, OK},
	{"iat", H, PX("\"iat\":1300819000"), SIGN, OK},
	{"whitespace", " \t\r\n{ \"alg\" :\t\"HS256\" \r\n} ",
	 "\n{ \"iss\" : \"joe\" , \"aud\" : \"weir\" , \"exp\" : 1300819380 }\n", SIGN, OK},
	{"other claims of every type", H,
	 PX("\"x\":{\"a\":[1,-2.5e-3,{\"b\":null}],\"c\":true},\"f\":false,\"n\":0,\"e\":1E+2,"
	    "\"s\":\"\\u00e9\",\"d\":" DEEP15), SIGN, OK},
	{"alg spelled with escapes", "{\"alg\":\"HS\\u00325\\u0036\"}", P, SIGN, OK},
	{"sub of 127 bytes", H, PX("\"sub\":\"" S_127 "\""), SIGN, OK},
	{"negative iat", H, PX("\"iat\":-1"), SIGN, OK},
	/* Form. */
	{"one segment", "eyJhbGciOiJIUzI1NiJ9", NULL, RAW, WEIR_JWT_E_FORMAT},
	{"two segments", "eyJhbGciOiJIUzI1NiJ9.e30", NULL, RAW, WEIR_JWT_E_FORMAT},
	{"four segments", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln.c2ln", NULL, RAW, WEIR_JWT_E_FORMAT},
	{"empty header", ".e30.c2ln", NULL, RAW, WEIR_JWT_E_FORMAT},
	{"empty payload", "eyJhbGciOiJIUzI1NiJ9..c2ln", NULL, RAW, WEIR_JWT_E_FORMAT},
	{"padding", "eyJhbGciOiJIUzI1NiJ9.e30=.c2ln", NULL, RAW, WEIR_JWT_E_FORMAT},
	{"base64 not url", "eyJhbGciOiJIUzI1NiJ9.e3+/.c2ln", NULL, RAW, WEIR_JWT_E_FORMAT},
	{"space", "eyJhbGciOiJIUzI1NiJ9. e30.c2ln", NULL, RAW, WEIR_JWT_E_FORMAT},
	{"4n+1 characters", "eyJhbGciOiJIUzI1NiJ9.e30aa.c2ln", NULL, RAW, WEIR_JWT_E_FORMAT},
	{"non-canonical last character", "eyJhbGciOiJIUzI1NiJ9.e31.c2ln", NULL, RAW, WEIR_JWT_E_FORMAT},
	{"bad byte in the signature", "eyJhbGciOiJIUzI1NiJ9.e30.c2l*", NULL, RAW, WEIR_JWT_E_FORMAT},
	{"Bearer prefix", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln", NULL, RAW, WEIR_JWT_E_FORMAT},
	/* Header JSON. */
	{"header empty", "", P, SIGN, WEIR_JWT_E_FORMAT},
	{"header only whitespace", " ", P, SIGN, WEIR_JWT_E_HEADER},
	{"header an array", "[\"HS256\"]", P, SIGN, WEIR_JWT_E_HEADER},
	{"header a string", "\"HS256\"", P, SIGN, WEIR_JWT_E_HEADER},
	{"header unterminated", "{\"alg\":\"HS256\"", P, SIGN, WEIR_JWT_E_HEADER},
	{"header trailing bytes", "{\"alg\":\"HS256\"}x", P, SIGN, WEIR_JWT_E_HEADER},
	{"header two objects", "{\"alg\":\"HS256\"}{}", P, SIGN, WEIR_JWT_E_HEADER},
	{"header trailing comma", "{\"alg\":\"HS256\",}", P, SIGN, WEIR_JWT_E_HEADER},
	{"header single quotes", "{'alg':'HS256'}", P, SIGN, WEIR_JWT_E_HEADER},
	{"header leading zero", HX("\"x\":01"), P, SIGN, WEIR_JWT_E_HEADER},
	{"header bad literal", HX("\"x\":tru"), P, SIGN, WEIR_JWT_E_HEADER},
	{"header NUL escape", HX("\"x\":\"a\\u0000b\""), P, SIGN, WEIR_JWT_E_HEADER},
	{"header lone high surrogate", HX("\"x\":\"\\ud800\""), P, SIGN, WEIR_JWT_E_HEADER},
	{"header lone low surrogate", HX("\"x\":\"\\udc00\""), P, SIGN, WEIR_JWT_E_HEADER},
	{"header overlong UTF-8", HX("\"x\":\"\xc0\xaf\""), P, SIGN, WEIR_JWT_E_HEADER},
	{"header UTF-8 surrogate", HX("\"x\":\"\xed\xa0\x80\""), P, SIGN, WEIR_JWT_E_HEADER},
	{"header control byte", HX("\"x\":\"\x01\""), P, SIGN, WEIR_JWT_E_HEADER},
	{"header bad escape", HX("\"x\":\"\\x41\""), P, SIGN, WEIR_JWT_E_HEADER},
	{"header too deep", HX("\"x\":" DEEP16), P, SIGN, WEIR_JWT_E_HEADER},
	/* Duplicates. */
	{"alg twice", "{\"alg\":\"HS256\",\"alg\":\"HS256\"}", P, SIGN, WEIR_JWT_E_DUPLICATE},
	{"alg twice, one escaped", "{\"alg\":\"HS256\",\"\\u0061lg\":\"none\"}", P, SIGN,
	 WEIR_JWT_E_DUPLICATE},
	{"exp twice", H, PX("\"exp\":1300819999"), SIGN, WEIR_JWT_E_DUPLICATE},
	{"sub twice, one escaped", H, PX("\"sub\":\"a\",\"s\\u0075b\":\"b\""), SIGN,
	 WEIR_JWT_E_DUPLICATE},
	/* alg. */
	{"alg none, no signature", "{\"alg\":\"none\"}", P, SIGN_NONE, WEIR_JWT_E_ALG_NONE},
	{"alg None", "{\"alg\":\"None\"}", P, SIGN, WEIR_JWT_E_ALG_NONE},
	{"alg NONE", "{\"alg\":\"NONE\"}", P, SIGN_NONE, WEIR_JWT_E_ALG_NONE},
	{"alg nOnE escaped", "{\"alg\":\"n\\u004fnE\"}", P, SIGN, WEIR_JWT_E_ALG_NONE},
	{"alg HS384", "{\"alg\":\"HS384\"}", P, SIGN, WEIR_JWT_E_ALG},
	{"alg RS256", "{\"alg\":\"RS256\"}", P, SIGN, WEIR_JWT_E_ALG},
	{"alg lower case", "{\"alg\":\"hs256\"}", P, SIGN, WEIR_JWT_E_ALG},
	{"alg with a space", "{\"alg\":\"HS256 \"}", P, SIGN, WEIR_JWT_E_ALG},
	{"alg missing", "{\"typ\":\"JWT\"}", P, SIGN, WEIR_JWT_E_ALG},
	{"alg a number", "{\"alg\":256}", P, SIGN, WEIR_JWT_E_ALG},
	{"alg an array", "{\"alg\":[\"HS256\"]}", P, SIGN, WEIR_JWT_E_ALG},
	/* Other header members. */
	{"crit", HX("\"crit\":[\"exp\"],\"exp\":1"), P, SIGN, WEIR_JWT_E_CRIT},
	{"crit empty", HX("\"crit\":[]"), P, SIGN, WEIR_JWT_E_CRIT},
	{"jku", HX("\"jku\":\"https://evil.example/jwks\""), P, SIGN, WEIR_JWT_E_KEY_REF},
	{"x5u", HX("\"x5u\":\"https://evil.example/cert\""), P, SIGN, WEIR_JWT_E_KEY_REF},
	{"jwk", HX("\"jwk\":{\"kty\":\"oct\",\"k\":\"AAAA\"}"), P, SIGN, WEIR_JWT_E_KEY_REF},
	{"x5c", HX("\"x5c\":[\"MIIB\"]"), P, SIGN, WEIR_JWT_E_KEY_REF},
	{"typ JOSE", HX("\"typ\":\"JOSE\""), P, SIGN, WEIR_JWT_E_TYP},
	{"typ application/jwt", HX("\"typ\":\"application/jwt\""), P, SIGN, WEIR_JWT_E_TYP},
	{"typ a number", HX("\"typ\":1"), P, SIGN, WEIR_JWT_E_TYP},
	{"kid a number", HX("\"kid\":1"), P, SIGN, WEIR_JWT_E_KID},
	/* Signature. */
	{"MAC one bit off", H, P, SIGN_FLIP, WEIR_JWT_E_SIGNATURE},
	{"MAC of another key", H, P, SIGN_OTHER_KEY, WEIR_JWT_E_SIGNATURE},
	{"MAC cut short", H, P, SIGN_SHORT, WEIR_JWT_E_SIGNATURE},
	{"no MAC", H, P, SIGN_NONE, WEIR_JWT_E_SIGNATURE},
	/* Payload JSON: signed, so these reach the claims. */
	{"payload an array", H, "[1]", SIGN, WEIR_JWT_E_PAYLOAD},
	{"payload trailing bytes", H, P "]", SIGN, WEIR_JWT_E_PAYLOAD},
	{"payload bare fraction", H, PX("\"x\":1."), SIGN, WEIR_JWT_E_PAYLOAD},
	{"payload bare minus", H, PX("\"x\":-"), SIGN, WEIR_JWT_E_PAYLOAD},
	{"payload NaN", H, PX("\"x\":NaN"), SIGN, WEIR_JWT_E_PAYLOAD},
	{"payload high surrogate then not low", H, PX("\"x\":\"\\ud83d\\u0041\""), SIGN,
	 WEIR_JWT_E_PAYLOAD},
	{"payload NUL in sub", H, PX("\"sub\":\"admin\\u0000x\""), SIGN, WEIR_JWT_E_PAYLOAD},
	{"payload truncated UTF-8", H, PX("\"x\":\"\xe2\x82\""), SIGN, WEIR_JWT_E_PAYLOAD},
	{"payload too deep", H, PX("\"x\":{\"a\":" DEEP16 "}"), SIGN, WEIR_JWT_E_PAYLOAD},
	/* Claim types. */
	{"exp a fraction", H, "{\"iss\":\"joe\",\"aud\":\"weir\",\"exp\":1300819380.0}", SIGN,
	 WEIR_JWT_E_CLAIM_TYPE},
	{"exp with an exponent", H, "{\"iss\":\"joe\",\"aud\":\"weir\",\"exp\":1.30081938e9}", SIGN,
	 WEIR_JWT_E_CLAIM_TYPE},
	{"exp a string", H, "{\"iss\":\"joe\",\"aud\":\"weir\",\"exp\":\"1300819380\"}", SIGN,
	 WEIR_JWT_E_CLAIM_TYPE},
	{"exp null", H, "{\"iss\":\"joe\",\"aud\":\"weir\",\"exp\":null}", SIGN,
	 WEIR_JWT_E_CLAIM_TYPE},
	{"exp 2^53", H, "{\"iss\":\"joe\",\"aud\":\"weir\",\"exp\":9007199254740992}", SIGN,
	 WEIR_JWT_E_CLAIM_TYPE},
	{"exp of 30 digits", H, "{\"iss\":\"joe\",\"aud\":\"weir\",\"exp\":100000000000000000000000000000}",
	 SIGN, WEIR_JWT_E_CLAIM_TYPE},
	{"nbf a fraction", H, PX("\"nbf\":1.5"), SIGN, WEIR_JWT_E_CLAIM_TYPE},
	{"iat a fraction", H, PX("\"iat\":1.5"), SIGN, WEIR_JWT_E_CLAIM_TYPE},
	{"sub a number", H, PX("\"sub\":1"), SIGN, WEIR_JWT_E_CLAIM_TYPE},
	{"tier an array", H, PX("\"tier\":[\"gold\"]"), SIGN, WEIR_JWT_E_CLAIM_TYPE},
	{"jti an object", H, PX("\"jti\":{}"), SIGN, WEIR_JWT_E_CLAIM_TYPE},
	/* Time. */
	{"exp missing", H, "{\"iss\":\"joe\",\"aud\":\"weir\"}", SIGN, WEIR_JWT_E_EXP_MISSING},
	{"expired past the leeway", H, "{\"iss\":\"joe\",\"aud\":\"weir\",\"exp\":1300819339}", SIGN,
	 WEIR_JWT_E_EXPIRED},
	{"exp negative", H, "{\"iss\":\"joe\",\"aud\":\"weir\",\"exp\":-9007199254740991}", SIGN,
	 WEIR_JWT_E_EXPIRED},
	{"nbf past the leeway", H, PX("\"nbf\":1300819401"), SIGN, WEIR_JWT_E_NOT_YET},
	{"nbf far", H, PX("\"nbf\":9007199254740991"), SIGN, WEIR_JWT_E_NOT_YET},
	/* iss, aud. */
	{"iss missing", H, "{\"aud\":\"weir\",\"exp\":1300819380}", SIGN, WEIR_JWT_E_ISS},
	{"iss another", H, "{\"iss\":\"jo\",\"aud\":\"weir\",\"exp\":1300819380}", SIGN, WEIR_JWT_E_ISS},
	{"iss upper case", H, "{\"iss\":\"JOE\",\"aud\":\"weir\",\"exp\":1300819380}", SIGN,
	 WEIR_JWT_E_ISS},
	{"iss longer", H, "{\"iss\":\"joe \",\"aud\":\"weir\",\"exp\":1300819380}", SIGN,
	 WEIR_JWT_E_ISS},
	{"iss in an array", H, "{\"iss\":[\"joe\"],\"aud\":\"weir\",\"exp\":1300819380}", SIGN,
	 WEIR_JWT_E_ISS},
	{"aud missing", H, "{\"iss\":\"joe\",\"exp\":1300819380}", SIGN, WEIR_JWT_E_AUD},
	{"aud another", H, "{\"iss\":\"joe\",\"aud\":\"weird\",\"exp\":1300819380}", SIGN,
	 WEIR_JWT_E_AUD},
	{"aud empty", H, "{\"iss\":\"joe\",\"aud\":\"\",\"exp\":1300819380}", SIGN, WEIR_JWT_E_AUD},
	{"aud array without us", H, "{\"iss\":\"joe\",\"aud\":[\"a\",\"b\"],\"exp\":1300819380}", SIGN,
	 WEIR_JWT_E_AUD},
	{"aud array empty", H, "{\"iss\":\"joe\",\"aud\":[],\"exp\":1300819380}", SIGN, WEIR_JWT_E_AUD},
	{"aud array with a number", H, "{\"iss\":\"joe\",\"aud\":[\"weir\",1],\"exp\":1300819380}",
	 SIGN, WEIR_JWT_E_AUD},
	{"aud a nested array", H, "{\"iss\":\"joe\",\"aud\":[[\"weir\"]],\"exp\":1300819380}", SIGN,
	 WEIR_JWT_E_AUD},
	{"aud a number", H, "{\"iss\":\"joe\",\"aud\":1,\"exp\":1300819380}", SIGN, WEIR_JWT_E_AUD},
	/* Lengths of what is copied out. */
	{"sub of 128 bytes", H, PX("\"sub\":\"" S_127 "a\""), SIGN, WEIR_JWT_E_CLAIM_LONG},
	{"tier of 32 bytes", H, PX("\"tier\":\"gggggggggggggggggggggggggggggggg\""), SIGN,
	 WEIR_JWT_E_CLAIM_LONG},
	{"jti of 64 bytes", H,
	 PX("\"jti\":\"jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj\""), SIGN,
	 WEIR_JWT_E_CLAIM_LONG},
};
/* clang-format on */

static void
table_issuer(struct weir_jwt_issuer *is)
{
	const char *why = NULL;

	memset(is, 0, sizeof(*is));
	strcpy(is->iss, "joe");
	strcpy(is->aud, "weir");
	is->alg = WEIR_JWT_HS256;
	is->leeway_s = 30;
	is->n_keys = 1;
	assert_int_equal(weir_jwt_key_hmac(&is->keys[0], WEIR_JWT_HS256, (const uint8_t *)secret,
					   32, NULL, &why),
			 0);
}

static void
build(const struct tcase *c, char *tok)
{
	size_t n, l;

	switch (c->mode) {
	case RAW:
		strcpy(tok, c->hdr);
		return;
	case SIGN_NONE:
		n = signing_input(c->hdr, c->pay, tok);
		tok[n] = '.';
		tok[n + 1] = '\0';
		return;
	case SIGN_OTHER_KEY:
		mk_hmac(EVP_sha256(), "another secret, of 32 bytes or m", 32, c->hdr, c->pay, tok);
		return;
	default:
		mk_hmac(EVP_sha256(), secret, 32, c->hdr, c->pay, tok);
		break;
	}
	l = strlen(tok);
	if (c->mode == SIGN_FLIP)
		tok[l - 2] = tok[l - 2] == 'A' ? 'B' : 'A';
	else if (c->mode == SIGN_SHORT)
		tok[l - 3] = '\0';
}

static void
test_table(void **state)
{
	struct weir_jwt_issuer is;
	char tok[2048];
	size_t i;
	int bad = 0;

	(void)state;
	table_issuer(&is);
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct tcase *c = &table[i];
		const char *why = NULL;
		int rc;

		build(c, tok);
		rc = verify_str(&is, tok, NOW, &claims, &why);
		if (rc != c->want || why == NULL || (rc != 0 && claims.sub[0] != '\0')) {
			print_error("case \"%s\": got %d (%s), want %d\n", c->name, rc,
				    why ? why : "no message", c->want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Every code the table expects is one of the table's, and every code but
 * CONFIG and TOO_LONG (tested below) is expected by some case. */
static void
test_table_covers_codes(void **state)
{
	int code, seen;
	size_t i;

	(void)state;
	for (code = WEIR_JWT_E_FORMAT; code >= WEIR_JWT_E_CLAIM_LONG; code--) {
		seen = 0;
		for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
			seen |= table[i].want == code;
		if (!seen)
			print_error("no case for code %d\n", code);
		assert_true(seen);
	}
}

static void
test_claims_out(void **state)
{
	struct weir_jwt_issuer is;
	const char *why = NULL;
	char tok[1024];

	(void)state;
	table_issuer(&is);
	mk_hmac(EVP_sha256(), secret, 32, H,
		PX("\"sub\":\"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\t\xc3\xa9\",\"tier\":\"gold\","
		   "\"jti\":\"j-1\",\"nbf\":1300819000,\"iat\":1300818999,\"uid\":\"u-7\","
		   "\"plan\":\"free\""),
		tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), 0);
	assert_string_equal(claims.sub, "\xc3\xa9\xf0\x9f\x98\x80\"\\/\t\xc3\xa9");
	assert_string_equal(claims.tier, "gold");
	assert_string_equal(claims.jti, "j-1");
	assert_int_equal(claims.exp, 1300819380);
	assert_int_equal(claims.nbf, 1300819000);
	assert_int_equal(claims.iat, 1300818999);
	assert_true(claims.has_exp && claims.has_nbf && claims.has_iat);
	/* Other claim names for sub and tier. */
	strcpy(is.sub_claim, "uid");
	strcpy(is.tier_claim, "plan");
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), 0);
	assert_string_equal(claims.sub, "u-7");
	assert_string_equal(claims.tier, "free");
	/* Absent: empty. */
	strcpy(is.sub_claim, "nope");
	strcpy(is.tier_claim, "nope");
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), 0);
	assert_string_equal(claims.sub, "");
	assert_string_equal(claims.tier, "");
}

static void
test_exp_optional(void **state)
{
	struct weir_jwt_issuer is;
	const char *why = NULL;
	char tok[1024];

	(void)state;
	table_issuer(&is);
	mk_hmac(EVP_sha256(), secret, 32, H, "{\"iss\":\"joe\",\"aud\":\"weir\"}", tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_EXP_MISSING);
	assert_string_equal(why, "exp missing");
	is.exp_optional = 1;
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), 0);
	assert_false(claims.has_exp);
	/* Optional is not ignored: a present exp is still checked. */
	mk_hmac(EVP_sha256(), secret, 32, H, "{\"iss\":\"joe\",\"aud\":\"weir\",\"exp\":1.5}", tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_CLAIM_TYPE);
	assert_string_equal(why, "non-integer exp");
}

static void
test_too_long(void **state)
{
	struct weir_jwt_issuer is;
	const char *why = NULL;
	static char tok[WEIR_JWT_MAX_TOKEN + 2];
	size_t l;

	(void)state;
	table_issuer(&is);
	mk_hmac(EVP_sha256(), secret, 32, H, P, tok);
	l = strlen(tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), 0);
	is.max_len = (uint32_t)l;
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), 0);
	is.max_len = (uint32_t)l - 1;
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_TOO_LONG);
	assert_string_equal(why, "token too long");
	/* Refused on length alone, before a byte is read: garbage of 4097. */
	is.max_len = 0;
	memset(tok, '!', 4097);
	assert_int_equal(weir_jwt_verify(&is, tok, 4097, NOW, &claims, &why), WEIR_JWT_E_TOO_LONG);
	assert_int_equal(weir_jwt_verify(&is, tok, 4096, NOW, &claims, &why), WEIR_JWT_E_FORMAT);
	/* max_len is capped at WEIR_JWT_MAX_TOKEN. */
	is.max_len = 100000;
	assert_int_equal(weir_jwt_verify(&is, tok, WEIR_JWT_MAX_TOKEN + 1, NOW, &claims, &why),
			 WEIR_JWT_E_TOO_LONG);
	/* A long good token: a large claim, at the cap. */
	{
		static char pay[WEIR_JWT_MAX_TOKEN];
		int n = snprintf(pay, sizeof(pay), "{" P_BASE ",\"pad\":\"");

		memset(pay + n, 'p', 5000);
		strcpy(pay + n + 5000, "\"}");
		mk_hmac(EVP_sha256(), secret, 32, H, pay, tok);
		assert_true(strlen(tok) <= WEIR_JWT_MAX_TOKEN);
		assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), 0);
	}
}

static void
test_nul_in_token(void **state)
{
	struct weir_jwt_issuer is;
	const char *why = NULL;
	char tok[1024];
	size_t l;

	(void)state;
	table_issuer(&is);
	mk_hmac(EVP_sha256(), secret, 32, H, P, tok);
	l = strlen(tok);
	tok[l] = '\0';
	/* The NUL as part of the signature segment. */
	assert_int_equal(weir_jwt_verify(&is, tok, l + 1, NOW, &claims, &why), WEIR_JWT_E_FORMAT);
	tok[5] = '\0';
	assert_int_equal(weir_jwt_verify(&is, tok, l, NOW, &claims, &why), WEIR_JWT_E_FORMAT);
	assert_int_equal(weir_jwt_verify(&is, NULL, 0, NOW, &claims, &why), WEIR_JWT_E_FORMAT);
}

static void
test_too_many_members(void **state)
{
	struct weir_jwt_issuer is;
	const char *why = NULL;
	static char pay[2048], tok[4096];
	int i, n;

	(void)state;
	table_issuer(&is);
	n = snprintf(pay, sizeof(pay), "{" P_BASE);
	for (i = 3; i < WEIR_JWT_MAX_MEMBERS; i++)
		n += snprintf(pay + n, sizeof(pay) - (size_t)n, ",\"m%d\":%d", i, i);
	strcpy(pay + n, "}");
	mk_hmac(EVP_sha256(), secret, 32, H, pay, tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), 0);
	strcpy(pay + n, ",\"one more\":1}");
	mk_hmac(EVP_sha256(), secret, 32, H, pay, tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_PAYLOAD);
}

static void
test_kids(void **state)
{
	struct weir_jwt_issuer is;
	const char *why = NULL;
	const char *s2 = "the second secret, 32 bytes long";
	char tok[1024];

	(void)state;
	table_issuer(&is);
	assert_int_equal(weir_jwt_key_hmac(&is.keys[0], WEIR_JWT_HS256, (const uint8_t *)secret, 32,
					   "k1", &why),
			 0);
	assert_int_equal(
		weir_jwt_key_hmac(&is.keys[1], WEIR_JWT_HS256, (const uint8_t *)s2, 32, "k2", &why),
		0);
	is.n_keys = 2;
	mk_hmac(EVP_sha256(), s2, 32, HX("\"kid\":\"k2\""), P, tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), 0);
	/* k1's kid with k2's MAC. */
	mk_hmac(EVP_sha256(), s2, 32, HX("\"kid\":\"k1\""), P, tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_SIGNATURE);
	mk_hmac(EVP_sha256(), s2, 32, HX("\"kid\":\"k3\""), P, tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_KID);
	assert_string_equal(why, "unknown kid");
	mk_hmac(EVP_sha256(), s2, 32, HX("\"kid\":\"k\""), P, tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_KID);
	mk_hmac(EVP_sha256(), s2, 32, "{\"alg\":\"HS256\"}", P, tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_KID);
	assert_string_equal(why, "kid required");
	/* A third key for any kid: tokens without a kid (or an unknown one) use it. */
	assert_int_equal(weir_jwt_key_hmac(&is.keys[2], WEIR_JWT_HS256,
					   (const uint8_t *)"a third secret for any kid......", 32,
					   "", &why),
			 0);
	is.n_keys = 3;
	mk_hmac(EVP_sha256(), "a third secret for any kid......", 32, "{\"alg\":\"HS256\"}", P,
		tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), 0);
	mk_hmac(EVP_sha256(), s2, 32, HX("\"kid\":\"k3\""), P, tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_SIGNATURE);
}

static void
test_hs384_hs512(void **state)
{
	static const uint8_t k64[64] =
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde";
	struct weir_jwt_issuer is;
	const char *why = NULL;
	char tok[1024];

	(void)state;
	table_issuer(&is);
	is.alg = WEIR_JWT_HS384;
	assert_int_equal(weir_jwt_key_hmac(&is.keys[0], WEIR_JWT_HS384, k64, 48, NULL, &why), 0);
	mk_hmac(EVP_sha384(), k64, 48, "{\"alg\":\"HS384\"}", P, tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), 0);
	mk_hmac(EVP_sha256(), k64, 48, "{\"alg\":\"HS384\"}", P, tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_SIGNATURE);
	is.alg = WEIR_JWT_HS512;
	assert_int_equal(weir_jwt_key_hmac(&is.keys[0], WEIR_JWT_HS512, k64, 64, NULL, &why), 0);
	mk_hmac(EVP_sha512(), k64, 64, "{\"alg\":\"HS512\"}", P, tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), 0);
	mk_hmac(EVP_sha512(), k64, 64, "{\"alg\":\"HS384\"}", P, tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_ALG);
}

/* RS256 and ES256 with keys made here. */
static void
test_generated_keys(void **state)
{
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *rsa2 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	char *rsa_pem, *rsa2_pem, *ec_pem;
	struct weir_jwt_issuer is;
	const char *why = NULL;
	char tok[2048];

	(void)state;
	assert_non_null(rsa);
	assert_non_null(rsa2);
	assert_non_null(ec);
	rsa_pem = pub_pem(rsa);
	rsa2_pem = pub_pem(rsa2);
	ec_pem = pub_pem(ec);

	/* RS256: two keys by kid, of two sizes. */
	table_issuer(&is);
	is.alg = WEIR_JWT_RS256;
	assert_int_equal(
		weir_jwt_key_pem(&is.keys[0], WEIR_JWT_RS256, rsa_pem, strlen(rsa_pem), "a", &why),
		0);
	assert_int_equal(weir_jwt_key_pem(&is.keys[1], WEIR_JWT_RS256, rsa2_pem, strlen(rsa2_pem),
					  "b", &why),
			 0);
	is.n_keys = 2;
	mk_pkey(rsa, 0, 0, "{\"alg\":\"RS256\",\"kid\":\"a\"}", PX("\"sub\":\"r\""), tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), 0);
	assert_string_equal(claims.sub, "r");
	mk_pkey(rsa2, 0, 0, "{\"alg\":\"RS256\",\"kid\":\"b\"}", P, tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), 0);
	mk_pkey(rsa2, 0, 0, "{\"alg\":\"RS256\",\"kid\":\"a\"}", P, tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_SIGNATURE);
	/* Signed, but expired: the claims are checked after the signature. */
	mk_pkey(rsa, 0, 0, "{\"alg\":\"RS256\",\"kid\":\"a\"}",
		"{\"iss\":\"joe\",\"aud\":\"weir\",\"exp\":1}", tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_EXPIRED);
	/* An ES256 signature to the RS256 issuer, alg lying. */
	mk_pkey(ec, 1, 0, "{\"alg\":\"RS256\",\"kid\":\"a\"}", P, tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_SIGNATURE);
	weir_jwt_key_free(&is.keys[0]);
	weir_jwt_key_free(&is.keys[1]);

	/* ES256. */
	table_issuer(&is);
	is.alg = WEIR_JWT_ES256;
	assert_int_equal(
		weir_jwt_key_pem(&is.keys[0], WEIR_JWT_ES256, ec_pem, strlen(ec_pem), NULL, &why),
		0);
	mk_pkey(ec, 1, 0, "{\"alg\":\"ES256\"}", PX("\"tier\":\"t\""), tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), 0);
	assert_string_equal(claims.tier, "t");
	/* The DER form OpenSSL makes is not JWS's R || S. */
	mk_pkey(ec, 1, 1, "{\"alg\":\"ES256\"}", P, tok);
	assert_int_equal(verify_str(&is, tok, NOW, &claims, &why), WEIR_JWT_E_SIGNATURE);
	/* The signature of one payload on another. */
	{
		char other[2048];
		char *d1, *d2;

		mk_pkey(ec, 1, 0, "{\"alg\":\"ES256\"}", PX("\"sub\":\"admin\""), other);
		mk_pkey(ec, 1, 0, "{\"alg\":\"ES256\"}", PX("\"sub\":\"guest\""), tok);
		d1 = strrchr(other, '.');
		d2 = strrchr(tok, '.');
		strcpy(d2, d1);
		strcpy(other, tok);
		mk_pkey(ec, 1, 0, "{\"alg\":\"ES256\"}", PX("\"sub\":\"admin\""), tok);
		d2 = strrchr(other, '.');
		strcpy(d2, strrchr(tok, '.'));
		/* other: guest's payload with admin's signature. */
		assert_int_equal(verify_str(&is, other, NOW, &claims, &why), WEIR_JWT_E_SIGNATURE);
	}
	weir_jwt_key_free(&is.keys[0]);

	free(rsa_pem);
	free(rsa2_pem);
	free(ec_pem);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(rsa2);
	EVP_PKEY_free(ec);
}

static void
test_keys(void **state)
{
	static const uint8_t s[129] = {1};
	EVP_PKEY *rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	struct weir_jwt_key k;
	const char *why = NULL;
	char *pem;
	char kid64[65];

	(void)state;
	assert_int_equal(weir_jwt_key_hmac(&k, WEIR_JWT_HS256, s, 31, NULL, &why), -EINVAL);
	assert_string_equal(why, "HS256 secret shorter than 32 bytes");
	assert_int_equal(weir_jwt_key_hmac(&k, WEIR_JWT_HS256, s, 32, NULL, &why), 0);
	assert_int_equal(weir_jwt_key_hmac(&k, WEIR_JWT_HS384, s, 47, NULL, &why), -EINVAL);
	assert_int_equal(weir_jwt_key_hmac(&k, WEIR_JWT_HS384, s, 48, NULL, &why), 0);
	assert_int_equal(weir_jwt_key_hmac(&k, WEIR_JWT_HS512, s, 63, NULL, &why), -EINVAL);
	assert_int_equal(weir_jwt_key_hmac(&k, WEIR_JWT_HS512, s, 128, NULL, &why), 0);
	assert_int_equal(weir_jwt_key_hmac(&k, WEIR_JWT_HS512, s, 129, NULL, &why), -EINVAL);
	assert_int_equal(weir_jwt_key_hmac(&k, WEIR_JWT_RS256, s, 64, NULL, &why), -EINVAL);
	assert_int_equal(weir_jwt_key_hmac(&k, 0, s, 64, NULL, &why), -EINVAL);
	memset(kid64, 'k', 64);
	kid64[64] = '\0';
	assert_int_equal(weir_jwt_key_hmac(&k, WEIR_JWT_HS256, s, 32, kid64, &why), -EINVAL);
	kid64[63] = '\0';
	assert_int_equal(weir_jwt_key_hmac(&k, WEIR_JWT_HS256, s, 32, kid64, &why), 0);
	assert_string_equal(k.kid, kid64);
	weir_jwt_key_free(&k);
	assert_int_equal(k.secret_len, 0);
	assert_int_equal(k.secret[0], 0);

	/* PEM: the right kind of key for the algorithm, public. */
	assert_int_equal(weir_jwt_key_pem(&k, WEIR_JWT_RS256, a2_pem, strlen(a2_pem), NULL, &why),
			 0);
	weir_jwt_key_free(&k);
	assert_int_equal(weir_jwt_key_pem(&k, WEIR_JWT_ES256, a2_pem, strlen(a2_pem), NULL, &why),
			 -EINVAL);
	assert_string_equal(why, "ES256 needs an EC public key on P-256");
	assert_int_equal(weir_jwt_key_pem(&k, WEIR_JWT_RS256, a3_pem, strlen(a3_pem), NULL, &why),
			 -EINVAL);
	assert_string_equal(why, "RS256 needs an RSA public key");
	assert_int_equal(weir_jwt_key_pem(&k, WEIR_JWT_HS256, a2_pem, strlen(a2_pem), NULL, &why),
			 -EINVAL);
	assert_int_equal(weir_jwt_key_pem(&k, WEIR_JWT_RS256, "garbage", 7, NULL, &why), -EINVAL);
	assert_string_equal(why, "not a PEM PUBLIC KEY");
	assert_int_equal(weir_jwt_key_pem(&k, WEIR_JWT_RS256, a2_pem, 100, NULL, &why), -EINVAL);
	assert_int_equal(weir_jwt_key_pem(&k, WEIR_JWT_RS256, NULL, 0, NULL, &why), -EINVAL);
	assert_non_null(rsa1024);
	pem = pub_pem(rsa1024);
	assert_int_equal(weir_jwt_key_pem(&k, WEIR_JWT_RS256, pem, strlen(pem), NULL, &why),
			 -EINVAL);
	assert_string_equal(why, "RSA key shorter than 2048 bits");
	free(pem);
	assert_non_null(p384);
	pem = pub_pem(p384);
	assert_int_equal(weir_jwt_key_pem(&k, WEIR_JWT_ES256, pem, strlen(pem), NULL, &why),
			 -EINVAL);
	free(pem);
	/* A private key's PEM is not taken for a public one. */
	{
		BIO *b = BIO_new(BIO_s_mem());
		char *data;
		long l;

		assert_int_equal(PEM_write_bio_PrivateKey(b, p384, NULL, NULL, 0, NULL, NULL), 1);
		l = BIO_get_mem_data(b, &data);
		assert_int_equal(weir_jwt_key_pem(&k, WEIR_JWT_ES256, data, (size_t)l, NULL, &why),
				 -EINVAL);
		BIO_free(b);
	}
	weir_jwt_key_free(NULL);
	EVP_PKEY_free(rsa1024);
	EVP_PKEY_free(p384);
}

static void
test_issuer_config(void **state)
{
	struct weir_jwt_issuer is;
	const char *why = NULL;

	(void)state;
	table_issuer(&is);
	assert_int_equal(verify_str(&is, a1_jws, NOW, &claims, &why), WEIR_JWT_E_SIGNATURE);
	is.n_keys = 0;
	assert_int_equal(verify_str(&is, a1_jws, NOW, &claims, &why), WEIR_JWT_E_CONFIG);
	is.n_keys = WEIR_JWT_MAX_KEYS + 1;
	assert_int_equal(verify_str(&is, a1_jws, NOW, &claims, &why), WEIR_JWT_E_CONFIG);
	is.n_keys = 1;
	is.iss[0] = '\0';
	assert_int_equal(verify_str(&is, a1_jws, NOW, &claims, &why), WEIR_JWT_E_CONFIG);
	assert_string_equal(why, "issuer misconfigured");
	strcpy(is.iss, "joe");
	is.alg = WEIR_JWT_HS384; /* the key is HS256's */
	assert_int_equal(verify_str(&is, a1_jws, NOW, &claims, &why), WEIR_JWT_E_CONFIG);
	is.alg = 0;
	assert_int_equal(verify_str(&is, a1_jws, NOW, &claims, &why), WEIR_JWT_E_CONFIG);
	is.alg = 9;
	assert_int_equal(verify_str(&is, a1_jws, NOW, &claims, &why), WEIR_JWT_E_CONFIG);
	assert_null(weir_jwt_alg_name(9));
	assert_string_equal(weir_jwt_alg_name(WEIR_JWT_ES256), "ES256");
}

/* What a verification allocates (OpenSSL's contexts) it frees. */
static void
test_no_leak(void **state)
{
	struct weir_jwt_issuer hs, rs, es;
	const char *why = NULL;
	size_t before;
	int i;

	(void)state;
	table_issuer(&hs);
	pem_issuer(&rs, WEIR_JWT_RS256, a2_pem, NULL);
	pem_issuer(&es, WEIR_JWT_ES256, a3_pem, NULL);
	/* Warm OpenSSL's lazily built tables first. */
	assert_int_equal(verify_str(&rs, a2_jws, NOW, &claims, &why), 0);
	assert_int_equal(verify_str(&es, a3_jws, NOW, &claims, &why), 0);
	before = weir_test_heap_bytes();
	for (i = 0; i < 50; i++) {
		assert_int_equal(verify_str(&rs, a2_jws, NOW, &claims, &why), 0);
		assert_int_equal(verify_str(&es, a3_jws, NOW, &claims, &why), 0);
		assert_int_equal(verify_str(&rs, a3_jws, NOW, &claims, &why), WEIR_JWT_E_ALG);
		assert_int_equal(verify_str(&hs, a1_jws, NOW, &claims, &why), WEIR_JWT_E_SIGNATURE);
	}
	assert_int_equal(weir_test_heap_bytes(), before);
	weir_jwt_key_free(&rs.keys[0]);
	weir_jwt_key_free(&es.keys[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7515_a1_hs256),
		cmocka_unit_test(test_rfc7515_a2_rs256),
		cmocka_unit_test(test_rfc7515_a3_es256),
		cmocka_unit_test(test_alg_confusion),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_covers_codes),
		cmocka_unit_test(test_claims_out),
		cmocka_unit_test(test_exp_optional),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_nul_in_token),
		cmocka_unit_test(test_too_many_members),
		cmocka_unit_test(test_kids),
		cmocka_unit_test(test_hs384_hs512),
		cmocka_unit_test(test_generated_keys),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_issuer_config),
		cmocka_unit_test(test_no_leak),
	};

	return weir_test_main(tests);
}
