/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/jwt's fast paths against references: the HMAC computed from the
 * key's pad states (hmac.c) against OpenSSL's one-shot HMAC() over random
 * keys and messages, for HS256/384/512; the table base64url (b64.c)
 * against the byte-by-byte reader it replaced; JSON strings decoded in
 * place around escapes; and two threads verifying
 * with one shared key, which must stay as it was (the key is only read).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "jwt_priv.h"
#include "weir_jwt.h"
#include "weir_test.h"

#define NOW 1300819370
#define N_TOKENS 64
#define THREAD_ROUNDS 20000

static const EVP_MD *
md_of(uint8_t alg)
{
	return alg == WEIR_JWT_HS256   ? EVP_sha256()
	       : alg == WEIR_JWT_HS384 ? EVP_sha384()
				       : EVP_sha512();
}

/* HS256/384/512 from the pad states equal HMAC()'s, keys from the hash's
 * length to 128 bytes (an HS256 key over 64 bytes is hashed first),
 * messages of 0 to 2000 bytes (block boundaries included). */
static void
test_hmac_vs_oneshot(void **state)
{
	static const size_t edges[] = {0, 1, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 2000};
	uint8_t key[WEIR_JWT_SECRET_MAX], msg[2000], a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
	struct weir_test_rng r;
	uint8_t alg;
	int i;

	(void)state;
	weir_test_rng_init(&r, "hmac_vs_oneshot", 0);
	for (alg = WEIR_JWT_HS256; alg <= WEIR_JWT_HS512; alg++) {
		size_t hlen = jwt_hmac_len(alg);

		for (i = 0; i < 600; i++) {
			struct weir_jwt_key k;
			const char *why = NULL;
			unsigned int al = 0;
			size_t kl, ml;

			/* The edges first: the shortest key, the shortest an
			 * HS256 key that is hashed first, the longest, each with
			 * every message length edge; then random lengths. */
			if (i < 3 * 13) {
				const size_t kedge[] = {hlen, 65, WEIR_JWT_SECRET_MAX};

				kl = kedge[i / 13];
				ml = edges[i % 13];
			} else {
				kl = (size_t)weir_test_rng_range(&r, hlen, WEIR_JWT_SECRET_MAX);
				ml = (size_t)weir_test_rng_range(&r, 0, sizeof(msg));
			}
			weir_test_rng_fill(&r, key, kl);
			weir_test_rng_fill(&r, msg, ml);
			assert_int_equal(weir_jwt_key_hmac(&k, alg, key, kl, NULL, &why), 0);
			memset(b, 0xaa, sizeof(b));
			assert_int_equal(jwt_hmac(&k, msg, ml, b), hlen);
			assert_non_null(HMAC(md_of(alg), key, (int)kl, msg, ml, a, &al));
			assert_int_equal(al, hlen);
			if (memcmp(a, b, hlen) != 0)
				fail_msg("alg %s, key %zu bytes, message %zu bytes: MACs differ",
					 weir_jwt_alg_name(alg), kl, ml);
			if (hlen < sizeof(b)) /* nothing written past the MAC */
				assert_int_equal(b[hlen], 0xaa);
			weir_jwt_key_free(&k);
		}
	}
}

/* A key not made by weir_jwt_key_hmac() has no states: it MACs nothing.
 * weir_jwt_key_free() wipes the states with the secret. */
static void
test_hmac_key_states(void **state)
{
	static const uint8_t s[33] = "0123456789abcdef0123456789abcdef";
	static const uint8_t zero[sizeof(((struct weir_jwt_key *)0)->hmac_pads)];
	struct weir_jwt_key k;
	const char *why = NULL;
	uint8_t mac[EVP_MAX_MD_SIZE];

	(void)state;
	memset(&k, 0, sizeof(k));
	k.alg = WEIR_JWT_HS256;
	memcpy(k.secret, s, 32);
	k.secret_len = 32;
	assert_int_equal(jwt_hmac(&k, s, sizeof(s), mac), 0);
	assert_int_equal(weir_jwt_key_hmac(&k, WEIR_JWT_HS256, s, 32, NULL, &why), 0);
	assert_int_equal(jwt_hmac(&k, s, sizeof(s), mac), 32);
	assert_memory_not_equal(k.hmac_pads, zero, sizeof(zero));
	weir_jwt_key_free(&k);
	assert_memory_equal(k.hmac_pads, zero, sizeof(zero));
	assert_int_equal(k.secret_len, 0);
	assert_int_equal(jwt_hmac(&k, s, sizeof(s), mac), 0);
}

/* ---- base64url: the reader this library had before the table ---- */

static int
ref_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return 64;
}

static long
ref_check(const char *in, size_t len)
{
	int v = 0;
	size_t i;

	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++)
		if ((v = ref_val((unsigned char)in[i])) == 64)
			return -1;
	if (len % 4 == 2 && (v & 0x0f) != 0)
		return -1;
	if (len % 4 == 3 && (v & 0x03) != 0)
		return -1;
	return (long)(len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0));
}

static void
ref_decode(const char *in, size_t len, uint8_t *out)
{
	uint32_t acc = 0;
	unsigned int bits = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		acc = (acc << 6) | (uint32_t)ref_val((unsigned char)in[i]);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*out++ = (uint8_t)(acc >> bits);
		}
	}
}

static void
b64_same(const char *in, size_t len)
{
	uint8_t a[64], b[64], c[64];
	long want = ref_check(in, len), got = jwt_b64url_check(in, len);

	if (got != want)
		fail_msg("'%.*s' (%zu bytes): check %ld, the reference %ld", (int)len, in, len, got,
			 want);
	assert_int_equal(jwt_b64url_check_decode(in, len, c), want);
	if (want < 0)
		return;
	ref_decode(in, len, a);
	jwt_b64url_decode(in, len, b);
	assert_memory_equal(a, b, (size_t)want);
	assert_memory_equal(a, c, (size_t)want);
}

/* Every byte at every place of 1 to 8 characters, then random strings
 * mostly of the alphabet, with a stray byte now and then. */
static void
test_b64_vs_reference(void **state)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	static const char stray[] = "=+/. \n\t\"\x80\xff";
	struct weir_test_rng r;
	char s[80];
	size_t len, pos, i;
	int c;

	(void)state;
	weir_test_rng_init(&r, "b64_vs_reference", 0);
	b64_same("", 0);
	for (len = 1; len <= 8; len++)
		for (pos = 0; pos < len; pos++)
			for (c = 0; c < 256; c++) {
				for (i = 0; i < len; i++)
					s[i] = al[weir_test_rng_below(&r, 64)];
				s[pos] = (char)c;
				b64_same(s, len);
			}
	for (i = 0; i < 200000; i++) {
		len = (size_t)weir_test_rng_range(&r, 0, sizeof(s));
		for (pos = 0; pos < len; pos++)
			s[pos] = al[weir_test_rng_below(&r, 64)];
		if (len > 0 && weir_test_rng_below(&r, 4) == 0)
			s[weir_test_rng_below(&r, len)] =
				stray[weir_test_rng_below(&r, sizeof(stray) - 1)];
		b64_same(s, len);
	}
}

/* JSON strings decoded in place, plain ASCII runs before and after
 * escapes (moved at once since the run is shifted left by each escape). */
static void
test_json_ascii_runs(void **state)
{
	static const struct {
		const char *json, *name, *val;
	} cases[] = {
		{"{\"abc\":\"plain text\"}", "abc", "plain text"},
		{"{\"a\\u0062c\":\"x\\ny z\"}", "abc", "x\ny z"},
		{"{\"\\u00e9t\\u00e9 long\":\"ab\\\"cd ef\\\\gh\"}", "\xc3\xa9t\xc3\xa9 long",
		 "ab\"cd ef\\gh"},
		{"{\"k\":\"\\ud83d\\ude00 and \xc3\xa9 then ascii\"}", "k",
		 "\xf0\x9f\x98\x80 and \xc3\xa9 then ascii"},
		{"{\"\":\"\"}", "", ""},
	};
	struct jwt_obj o;
	char buf[128];
	size_t i, l;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		l = strlen(cases[i].json);
		memcpy(buf, cases[i].json, l);
		assert_int_equal(jwt_json_object(buf, l, &o), 0);
		assert_int_equal(o.n, 1);
		assert_int_equal(o.m[0].type, JT_STRING);
		assert_int_equal(o.m[0].name_len, strlen(cases[i].name));
		assert_memory_equal(buf + o.m[0].name_off, cases[i].name, o.m[0].name_len);
		assert_int_equal(o.m[0].val_len, strlen(cases[i].val));
		assert_memory_equal(buf + o.m[0].val_off, cases[i].val, o.m[0].val_len);
	}
	/* Two empty names are one name twice; a control byte ends a run badly. */
	strcpy(buf, "{\"\":1,\"\":2}");
	assert_int_equal(jwt_json_object(buf, strlen(buf), &o), JWT_JSON_DUP);
	strcpy(buf, "{\"ab\tc\":1}");
	assert_int_equal(jwt_json_object(buf, strlen(buf), &o), JWT_JSON_BAD);
}

/* ---- two threads, one key ---- */

struct shared {
	const struct weir_jwt_issuer *is;
	char tok[N_TOKENS][512];
	size_t len[N_TOKENS];
	int good[N_TOKENS]; /* odd tokens carry a MAC by another key */
};

struct worker {
	const struct shared *sh;
	unsigned int start;
	unsigned long ok, refused, wrong;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct weir_jwt_claims *cl = malloc(sizeof(*cl));
	const char *why;
	char sub[32];
	unsigned int i, t;
	int rc;

	if (cl == NULL)
		return NULL;
	for (i = 0; i < THREAD_ROUNDS; i++) {
		t = (w->start + i * 7) % N_TOKENS;
		rc = weir_jwt_verify(w->sh->is, w->sh->tok[t], w->sh->len[t], NOW, cl, &why);
		snprintf(sub, sizeof(sub), "user-%u", t);
		if (w->sh->good[t] && rc == 0 && strcmp(cl->sub, sub) == 0)
			w->ok++;
		else if (!w->sh->good[t] && rc == WEIR_JWT_E_SIGNATURE)
			w->refused++;
		else
			w->wrong++;
	}
	free(cl);
	return NULL;
}

static void
shared_issuer_run(uint8_t alg)
{
	static uint8_t secret[64] = "shared by every thread, only ever read by verify!!";
	static uint8_t other[64] = "another key, whose MACs the issuer must refuse......";
	struct weir_jwt_issuer is, copy;
	struct shared *sh = calloc(1, sizeof(*sh));
	struct worker w[2];
	pthread_t th[2];
	const char *why = NULL;
	char hdr[64], pay[160];
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int ml, t, i;
	size_t n;

	assert_non_null(sh);
	memset(&is, 0, sizeof(is));
	strcpy(is.iss, "joe");
	is.alg = alg;
	is.n_keys = 1;
	assert_int_equal(weir_jwt_key_hmac(&is.keys[0], alg, secret, 64, NULL, &why), 0);
	sh->is = &is;
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"%s\",\"typ\":\"JWT\"}", weir_jwt_alg_name(alg));
	for (t = 0; t < N_TOKENS; t++) {
		snprintf(pay, sizeof(pay), "{\"iss\":\"joe\",\"exp\":%d,\"sub\":\"user-%u\"}",
			 NOW + 100, t);
		n = weir_test_b64url((const uint8_t *)hdr, strlen(hdr), sh->tok[t]);
		sh->tok[t][n++] = '.';
		n += weir_test_b64url((const uint8_t *)pay, strlen(pay), sh->tok[t] + n);
		sh->good[t] = t % 2 == 0;
		assert_non_null(HMAC(md_of(alg), sh->good[t] ? secret : other, 64,
				     (const uint8_t *)sh->tok[t], n, mac, &ml));
		sh->tok[t][n++] = '.';
		n += weir_test_b64url(mac, ml, sh->tok[t] + n);
		sh->len[t] = n;
	}
	memcpy(&copy, &is, sizeof(is));
	for (i = 0; i < 2; i++) {
		w[i] = (struct worker){.sh = sh, .start = i * 13};
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(w[i].wrong, 0);
		assert_int_equal(w[i].ok + w[i].refused, THREAD_ROUNDS);
		assert_int_equal(w[i].ok, THREAD_ROUNDS / 2);
	}
	/* The key, its states included, is as it was. */
	assert_memory_equal(&copy, &is, sizeof(is));
	weir_jwt_key_free(&is.keys[0]);
	free(sh);
}

static void
test_threads_share_key(void **state)
{
	(void)state;
	shared_issuer_run(WEIR_JWT_HS256);
	shared_issuer_run(WEIR_JWT_HS512);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_vs_oneshot),	  cmocka_unit_test(test_hmac_key_states),
		cmocka_unit_test(test_b64_vs_reference),  cmocka_unit_test(test_json_ascii_runs),
		cmocka_unit_test(test_threads_share_key),
	};

	return weir_test_main(tests);
}
