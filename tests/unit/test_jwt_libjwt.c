/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/jwt against libjwt 1.10 (Debian 12): tokens that libjwt's
 * jwt_decode() accepts and weir_jwt_verify() refuses, each with the code
 * it must get (lib/jwt/README.md lists them). libjwt is only the foil
 * here: if a later libjwt refuses one, that case fails and the README's
 * list is out of date.
 */
#include <stdio.h>
#include <string.h>

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "weir_jwt.h"
#include "weir_test.h"

#define NOW 1300819370

static const char secret[] = "0123456789abcdef0123456789abcdef";
static const char rsa_pem[] = "-----BEGIN PUBLIC KEY-----\n"
			      "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAofgWCuLjybRlzo0tZWJj\n"
			      "NiuSfb4p4fAkd/wWJcyQoTbji9k0l8W26mPddxHmfHQp+Vaw+4qPCJrcS2mJPMEz\n"
			      "P1Pt0Bm4d4QlL+yRT+SFd2lZS+pCgNMsD1W/YpRPEwOWvG6b32690r2jZ47soMZo\n"
			      "9wGzjb/7OMg0LOL+bSf63kpaSHSXndS5z5rexMdbBYUsLA9e+KXBdQOS+UTo7WTB\n"
			      "EMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6/I5IhlJH7aGhyxX\n"
			      "FvUK+DWNmoudF8NAco9/h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXp\n"
			      "oQIDAQAB\n"
			      "-----END PUBLIC KEY-----\n";

/* md NULL: unsigned ("header.payload."). */
static void
mk(const EVP_MD *md, const void *key, size_t key_len, const char *hdr, const char *pay, char *tok)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int ml;
	size_t n = weir_test_b64url((const uint8_t *)hdr, strlen(hdr), tok);

	tok[n++] = '.';
	n += weir_test_b64url((const uint8_t *)pay, strlen(pay), tok + n);
	tok[n] = '.';
	tok[n + 1] = '\0';
	if (md == NULL)
		return;
	assert_non_null(HMAC(md, key, (int)key_len, (uint8_t *)tok, n, mac, &ml));
	weir_test_b64url(mac, ml, tok + n + 1);
}

struct lcase {
	const char *name;
	const EVP_MD *(*md)(void); /* NULL: unsigned */
	int pem_key;		   /* MAC key and libjwt key: the RSA PEM, else secret */
	const char *hdr;
	const char *pay;
	uint8_t weir_alg; /* the issuer's */
	int want;
};

#define P_OK "\"iss\":\"joe\",\"aud\":\"weir\",\"exp\":1300819380"

static const struct lcase cases[] = {
	{"HS256 MACed with the RS256 PEM", EVP_sha256, 1, "{\"alg\":\"HS256\"}",
	 "{" P_OK ",\"sub\":\"admin\"}", WEIR_JWT_RS256, WEIR_JWT_E_ALG},
	{"HS384 token, HS256 secret", EVP_sha384, 0, "{\"alg\":\"HS384\"}", "{" P_OK "}",
	 WEIR_JWT_HS256, WEIR_JWT_E_ALG},
	{"alg none, no key given to libjwt", NULL, 0, "{\"alg\":\"none\"}", "{" P_OK "}",
	 WEIR_JWT_HS256, WEIR_JWT_E_ALG_NONE},
	{"alg twice, none then HS256", EVP_sha256, 0, "{\"alg\":\"none\",\"alg\":\"HS256\"}",
	 "{" P_OK "}", WEIR_JWT_HS256, WEIR_JWT_E_DUPLICATE},
	{"sub twice", EVP_sha256, 0, "{\"alg\":\"HS256\"}",
	 "{" P_OK ",\"sub\":\"guest\",\"sub\":\"root\"}", WEIR_JWT_HS256, WEIR_JWT_E_DUPLICATE},
	{"crit", EVP_sha256, 0, "{\"alg\":\"HS256\",\"crit\":[\"x\"],\"x\":1}", "{" P_OK "}",
	 WEIR_JWT_HS256, WEIR_JWT_E_CRIT},
	{"jku", EVP_sha256, 0, "{\"alg\":\"HS256\",\"jku\":\"https://evil.example/\"}",
	 "{" P_OK "}", WEIR_JWT_HS256, WEIR_JWT_E_KEY_REF},
	{"expired long ago", EVP_sha256, 0, "{\"alg\":\"HS256\"}",
	 "{\"iss\":\"joe\",\"aud\":\"weir\",\"exp\":1}", WEIR_JWT_HS256, WEIR_JWT_E_EXPIRED},
	{"exp with an exponent", EVP_sha256, 0, "{\"alg\":\"HS256\"}",
	 "{\"iss\":\"joe\",\"aud\":\"weir\",\"exp\":1.5e12}", WEIR_JWT_HS256,
	 WEIR_JWT_E_CLAIM_TYPE},
	{"exp a string", EVP_sha256, 0, "{\"alg\":\"HS256\"}",
	 "{\"iss\":\"joe\",\"aud\":\"weir\",\"exp\":\"9999999999\"}", WEIR_JWT_HS256,
	 WEIR_JWT_E_CLAIM_TYPE},
	{"exp missing", EVP_sha256, 0, "{\"alg\":\"HS256\"}", "{\"iss\":\"joe\",\"aud\":\"weir\"}",
	 WEIR_JWT_HS256, WEIR_JWT_E_EXP_MISSING},
};

static struct weir_jwt_claims claims;

static void
test_libjwt_accepts_weir_refuses(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct lcase *c = &cases[i];
		const void *key = c->pem_key ? (const void *)rsa_pem : (const void *)secret;
		size_t key_len = c->pem_key ? strlen(rsa_pem) : 32;
		struct weir_jwt_issuer is;
		const char *why = NULL;
		char tok[2048];
		jwt_t *j = NULL;
		int lrc, rc;

		mk(c->md != NULL ? c->md() : NULL, key, key_len, c->hdr, c->pay, tok);
		lrc = jwt_decode(&j, tok, c->md != NULL ? key : NULL,
				 c->md != NULL ? (int)key_len : 0);
		jwt_free(j);
		memset(&is, 0, sizeof(is));
		strcpy(is.iss, "joe");
		strcpy(is.aud, "weir");
		is.alg = c->weir_alg;
		is.n_keys = 1;
		if (c->weir_alg == WEIR_JWT_RS256)
			assert_int_equal(weir_jwt_key_pem(&is.keys[0], WEIR_JWT_RS256, rsa_pem,
							  strlen(rsa_pem), NULL, &why),
					 0);
		else
			assert_int_equal(weir_jwt_key_hmac(&is.keys[0], WEIR_JWT_HS256,
							   (const uint8_t *)secret, 32, NULL, &why),
					 0);
		rc = weir_jwt_verify(&is, tok, strlen(tok), NOW, &claims, &why);
		weir_jwt_key_free(&is.keys[0]);
		if (lrc != 0 || rc != c->want) {
			print_error("case \"%s\": libjwt %d (want 0), weir %d %s (want %d)\n",
				    c->name, lrc, rc, why, c->want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* And both accept a plain good token (the harness is not what refuses). */
static void
test_both_accept(void **state)
{
	struct weir_jwt_issuer is;
	const char *why = NULL;
	char tok[1024];
	jwt_t *j = NULL;

	(void)state;
	memset(&is, 0, sizeof(is));
	strcpy(is.iss, "joe");
	strcpy(is.aud, "weir");
	is.alg = WEIR_JWT_HS256;
	is.n_keys = 1;
	assert_int_equal(weir_jwt_key_hmac(&is.keys[0], WEIR_JWT_HS256, (const uint8_t *)secret, 32,
					   NULL, &why),
			 0);
	mk(EVP_sha256(), secret, 32, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
	   "{" P_OK ",\"sub\":\"alice\"}", tok);
	assert_int_equal(jwt_decode(&j, tok, (const unsigned char *)secret, 32), 0);
	assert_string_equal(jwt_get_grant(j, "sub"), "alice");
	jwt_free(j);
	assert_int_equal(weir_jwt_verify(&is, tok, strlen(tok), NOW, &claims, &why), 0);
	assert_string_equal(claims.sub, "alice");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_accept),
		cmocka_unit_test(test_libjwt_accepts_weir_refuses),
	};

	return weir_test_main(tests);
}
