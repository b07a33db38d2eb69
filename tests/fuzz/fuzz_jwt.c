/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: lib/jwt's weir_jwt_verify() on arbitrary tokens, for
 * an HS256 issuer, an RS256 one (RFC 7515 A.2's key) and an ES256 one
 * (A.3's), on a fixed clock.
 *
 * Byte 0 says what the rest is, so that most inputs get past the
 * signature and reach the payload's reader (tests/fuzz/corpus/jwt/):
 *   0: a whole token, given to the three issuers;
 *   1: "header.payload" as sent: the HS256 MAC is appended here;
 *   2: header JSON, a '\n', payload JSON: both base64url-encoded and the
 *      HS256 MAC appended here;
 *   3: JSON for the object reader alone (jwt_priv.h), in a heap copy of
 *      exactly its length: inside weir_jwt_verify() the decoded bytes sit
 *      in the larger work area, where ASan cannot see a read past them;
 *   4: a JWK Set for weir_jwt_issuer_load_jwks(), loaded by an RS256, an
 *      ES256 and an HS256 issuer: an error leaves the issuer empty, a
 *      success gives keys of the issuer's alg with unique kids, each
 *      then used on a token.
 * Checked after every call: a known code and a message, the claims
 * NUL-terminated within their fields and empty unless the token is good,
 * and a good HS256 token in modes 1 and 2 verifying again the same way.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "jwt_priv.h"
#include "weir_jwt.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

#define NOW 1300819370

static const char a2_pem[] = "-----BEGIN PUBLIC KEY-----\n"
			     "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAofgWCuLjybRlzo0tZWJj\n"
			     "NiuSfb4p4fAkd/wWJcyQoTbji9k0l8W26mPddxHmfHQp+Vaw+4qPCJrcS2mJPMEz\n"
			     "P1Pt0Bm4d4QlL+yRT+SFd2lZS+pCgNMsD1W/YpRPEwOWvG6b32690r2jZ47soMZo\n"
			     "9wGzjb/7OMg0LOL+bSf63kpaSHSXndS5z5rexMdbBYUsLA9e+KXBdQOS+UTo7WTB\n"
			     "EMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6/I5IhlJH7aGhyxX\n"
			     "FvUK+DWNmoudF8NAco9/h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXp\n"
			     "oQIDAQAB\n"
			     "-----END PUBLIC KEY-----\n";
static const char a3_pem[] = "-----BEGIN PUBLIC KEY-----\n"
			     "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV7\n"
			     "6e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==\n"
			     "-----END PUBLIC KEY-----\n";
/* RFC 7515 A.1's key. */
static const uint8_t a1_key[64] = {
	3,   35,  53, 75,  43,	15, 165, 188, 131, 126, 6,   101, 119, 123, 166, 143,
	90,  179, 40, 230, 240, 84, 201, 40,  169, 15,	132, 178, 210, 80,  46,	 191,
	211, 251, 90, 146, 210, 6,  71,	 239, 150, 138, 180, 195, 119, 98,  61,	 34,
	61,  46,  33, 114, 5,	46, 79,	 8,   192, 205, 154, 245, 103, 208, 128, 163,
};

static struct weir_jwt_issuer hs, rs, es;
static struct weir_jwt_claims claims;
static char tok[WEIR_JWT_MAX_TOKEN * 2 + 256];

static void
init(void)
{
	static int done;
	const char *why;

	if (done)
		return;
	done = 1;
	strcpy(hs.iss, "joe");
	hs.alg = WEIR_JWT_HS256;
	hs.n_keys = 1;
	hs.leeway_s = 30;
	CHECK(weir_jwt_key_hmac(&hs.keys[0], WEIR_JWT_HS256, a1_key, 64, NULL, &why) == 0);
	strcpy(rs.iss, "joe");
	strcpy(rs.aud, "weir");
	rs.alg = WEIR_JWT_RS256;
	rs.n_keys = 1;
	CHECK(weir_jwt_key_pem(&rs.keys[0], WEIR_JWT_RS256, a2_pem, strlen(a2_pem), "k", &why) ==
	      0);
	strcpy(es.iss, "joe");
	es.alg = WEIR_JWT_ES256;
	es.n_keys = 1;
	es.exp_optional = 1;
	CHECK(weir_jwt_key_pem(&es.keys[0], WEIR_JWT_ES256, a3_pem, strlen(a3_pem), NULL, &why) ==
	      0);
}

static size_t
b64url(const uint8_t *in, size_t len, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint32_t acc = 0;
	unsigned int bits = 0;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[n++] = a[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[n++] = a[(acc << (6 - bits)) & 63];
	return n;
}

static int
check(const struct weir_jwt_issuer *is, const char *t, size_t len)
{
	const char *why = NULL;
	int rc = weir_jwt_verify(is, t, len, NOW, &claims, &why);

	CHECK(why != NULL && why[0] != '\0');
	CHECK(rc <= 0 && rc >= WEIR_JWT_E_CLAIM_LONG && rc != WEIR_JWT_E_CONFIG);
	CHECK(memchr(claims.sub, '\0', sizeof(claims.sub)) != NULL);
	CHECK(memchr(claims.tier, '\0', sizeof(claims.tier)) != NULL);
	CHECK(memchr(claims.jti, '\0', sizeof(claims.jti)) != NULL);
	if (rc != 0)
		CHECK(claims.sub[0] == '\0' && claims.tier[0] == '\0' && claims.jti[0] == '\0' &&
		      !claims.has_exp);
	else
		CHECK(strcmp(why, "ok") == 0 && (claims.has_exp || is->exp_optional));
	return rc;
}

static void
mac_and_check(size_t n)
{
	uint8_t mac[32];
	unsigned int ml;
	char sub[sizeof(claims.sub)];
	int rc;

	CHECK(HMAC(EVP_sha256(), a1_key, 64, (uint8_t *)tok, n, mac, &ml) != NULL);
	tok[n++] = '.';
	n += b64url(mac, ml, tok + n);
	rc = check(&hs, tok, n);
	if (rc == 0) {
		/* Same answer twice: nothing depends on what the last call left. */
		memcpy(sub, claims.sub, sizeof(sub));
		CHECK(check(&hs, tok, n) == 0 && memcmp(sub, claims.sub, sizeof(sub)) == 0);
	}
	/* The other issuers pin other algorithms. */
	rc = check(&rs, tok, n);
	CHECK(rc != 0);
}

/* The reader on its own: members inside the buffer, names unique. */
static void
json_only(const uint8_t *data, size_t size)
{
	static struct jwt_obj o;
	char *buf;
	unsigned int i, j;
	int rc;

	if (size > UINT16_MAX)
		return;
	buf = malloc(size + (size == 0));
	CHECK(buf != NULL);
	memcpy(buf, data, size);
	rc = jwt_json_object(buf, size, &o);
	CHECK(rc == 0 || rc == JWT_JSON_BAD || rc == JWT_JSON_DUP);
	if (rc == 0) {
		CHECK(o.n <= WEIR_JWT_MAX_MEMBERS);
		for (i = 0; i < o.n; i++) {
			const struct jwt_member *m = &o.m[i];

			CHECK((size_t)m->name_off + m->name_len <= size);
			CHECK((size_t)m->val_off + m->val_len <= size);
			CHECK(m->type >= JT_STRING && m->type <= JT_ARRAY);
			for (j = 0; j < i; j++)
				CHECK(o.m[j].name_len != m->name_len ||
				      memcmp(buf + o.m[j].name_off, buf + m->name_off,
					     m->name_len) != 0);
			if (m->type == JT_ARRAY)
				(void)jwt_json_array_has(buf + m->val_off, m->val_len, "weir", 4);
		}
	}
	free(buf);
}

/* Mode 4. The tokens carry signatures of the right length, never good:
 * what is checked is that keys of any shape the loader accepts can be used. */
static void
jwks(const uint8_t *data, size_t size)
{
	static const uint8_t algs[] = {WEIR_JWT_RS256, WEIR_JWT_ES256, WEIR_JWT_HS256};
	static const size_t sig_len[] = {0, 64, 32};
	static struct weir_jwt_issuer is;
	uint8_t sig[1024];
	unsigned int a, i, j;

	memset(sig, 0x5a, sizeof(sig));
	for (a = 0; a < sizeof(algs); a++) {
		struct weir_jwt_jwks_stats st;
		const char *why = NULL;
		size_t n;
		int rc;

		memset(&is, 0, sizeof(is));
		strcpy(is.iss, "joe");
		is.alg = algs[a];
		is.exp_optional = 1;
		rc = weir_jwt_issuer_load_jwks(&is, (const char *)data, size, &st, &why);
		CHECK(why != NULL || rc == 0);
		if (rc != 0) {
			CHECK(rc == -EINVAL || rc == -ENOMEM);
			CHECK(is.n_keys == 0 && st.added == 0 && st.bad_key >= -1);
			CHECK(strncmp(why, "JWKS: ", 6) == 0 || strcmp(why, "out of memory") == 0 ||
			      strcmp(why, "private key material in a JWKS") == 0);
			continue;
		}
		CHECK(st.added >= 1 && st.added == is.n_keys && is.n_keys <= WEIR_JWT_MAX_KEYS);
		CHECK(st.bad_key == -1);
		for (i = 0; i < is.n_keys; i++) {
			const struct weir_jwt_key *k = &is.keys[i];

			CHECK(k->alg == is.alg && memchr(k->kid, '\0', sizeof(k->kid)) != NULL);
			CHECK((k->pkey != NULL) == (is.alg != WEIR_JWT_HS256));
			CHECK(is.alg != WEIR_JWT_HS256 ||
			      (k->secret_len >= 32 && k->secret_len <= 128));
			CHECK(is.n_keys == 1 || k->kid[0] != '\0');
			for (j = 0; j < i; j++)
				CHECK(strcmp(k->kid, is.keys[j].kid) != 0);
			/* One token naming this key's kid. */
			n = (size_t)sprintf(tok, "%s.e30.",
					    a == 0   ? "eyJhbGciOiJSUzI1NiJ9"
					    : a == 1 ? "eyJhbGciOiJFUzI1NiJ9"
						     : "eyJhbGciOiJIUzI1NiJ9");
			if (k->kid[0] != '\0') {
				/* {"alg":"..","kid":"<kid>"}: kids are any UTF-8 but '"' and '\\'
				 * need escapes; those keys are tried without a kid. */
				char hdr[128];
				size_t hl;

				if (strpbrk(k->kid, "\"\\") == NULL) {
					hl = (size_t)snprintf(hdr, sizeof(hdr),
							      "{\"alg\":\"%s\",\"kid\":\"%s\"}",
							      weir_jwt_alg_name(is.alg), k->kid);
					n = b64url((const uint8_t *)hdr, hl, tok);
					memcpy(tok + n, ".e30.", 5);
					n += 5;
				}
			}
			n += b64url(sig, a == 0 ? (size_t)EVP_PKEY_get_size(k->pkey) : sig_len[a],
				    tok + n);
			CHECK(check(&is, tok, n) != 0);
		}
		for (i = 0; i < is.n_keys; i++)
			weir_jwt_key_free(&is.keys[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl;
	size_t n;

	init();
	if (size < 1)
		return 0;
#ifdef FUZZ_JWT_MODE
	/* One mode alone (cc -DFUZZ_JWT_MODE=4 ...): every input goes to it. */
	if (data[0] != FUZZ_JWT_MODE)
		return 0;
#endif
	switch (data[0]) {
	case 0:
		check(&hs, (const char *)data + 1, size - 1);
		check(&rs, (const char *)data + 1, size - 1);
		check(&es, (const char *)data + 1, size - 1);
		break;
	case 1:
		if (size - 1 > WEIR_JWT_MAX_TOKEN)
			return 0;
		memcpy(tok, data + 1, size - 1);
		mac_and_check(size - 1);
		break;
	case 2:
		if (size - 1 > WEIR_JWT_MAX_TOKEN)
			return 0;
		nl = memchr(data + 1, '\n', size - 1);
		if (nl == NULL)
			return 0;
		n = b64url(data + 1, (size_t)(nl - data - 1), tok);
		tok[n++] = '.';
		n += b64url(nl + 1, size - (size_t)(nl + 1 - data), tok + n);
		mac_and_check(n);
		break;
	case 3:
		json_only(data + 1, size - 1);
		break;
	case 4:
		jwks(data + 1, size - 1);
		break;
	default:
		break;
	}
	return 0;
}
