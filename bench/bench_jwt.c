/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Microbenchmark of lib/jwt: what a request carrying a token costs weir's
 * gate. The per-worker cache's hit (a 1024-entry cache holding 1000
 * HS256 tokens of about 250 bytes, looked up in a random order; one token
 * over and over; a token not in it), a cold weir_jwt_verify() of the same
 * kind of token for HS256 (HS384, HS512), RS256 (2048-bit) and ES256 (keys made here,
 * tokens signed here), libjwt 1.10's jwt_decode() of the HS256 token, and
 * OpenSSL's HMAC() over its signing input alone (one-shot; with a
 * pre-keyed EVP_MAC_CTX re-initialised each time: what a per-thread key
 * context would cost; and from SHA-256 states of the key's inner and outer
 * pads computed once, copied per operation: what lib/jwt does since
 * weir_jwt_key_hmac() keeps those states, shareable by every thread since
 * they are only read).
 *
 * Each case: rounds of at least 100k operations or 1 s, whichever comes
 * first; the median and the best round, ns per operation (wall clock;
 * cpu_ns_per_op: the thread's CPU time, the ratios' basis), and OpenSSL's
 * allocations per operation (counted with CRYPTO_set_mem_functions(), set
 * before anything else touches OpenSSL; libjwt's jansson allocates with
 * malloc() directly and is not counted). Prints one JSON object per case
 * on stdout (bench/run.sh collects them), then one of ratios.
 *
 * Usage: bench_jwt [ROUNDS]   (default 5)
 */
/* SHA256_Init() and friends (deprecated in OpenSSL 3): the HMAC midstate case. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "bench_util.h"
#include "weir_jwt.h"

#define NOW 1300819370
#define GEN 1
#define N_TOKENS 1000
#define CACHE_ENTRIES 1024
#define SEQ_LEN (1u << 20) /* the random lookup order */
#define MIN_OPS 100000
#define MIN_NS 1000000000ull

/* 64 bytes: HS256 uses the first 32, HS384 48, HS512 all. */
static const char secret[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static size_t
secret_len(uint8_t alg)
{
	return alg == WEIR_JWT_HS256 ? 32 : alg == WEIR_JWT_HS384 ? 48 : 64;
}

/* ---- OpenSSL's allocations, counted ---- */

static uint64_t n_alloc;

static void *
count_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	n_alloc++;
	return malloc(n);
}

static void *
count_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	n_alloc++;
	return realloc(p, n);
}

static void
count_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

/* ---- tokens ---- */

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
	out[n] = '\0';
	return n;
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_jwt: %s\n", what);
	exit(1);
}

/* "b64(header).b64(payload)" for token i of alg; returns its length. */
static size_t
signing_input(const char *alg, int i, char *out)
{
	char hdr[64], pay[256];
	size_t n;

	snprintf(hdr, sizeof(hdr), "{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg);
	snprintf(pay, sizeof(pay),
		 "{\"iss\":\"joe\",\"aud\":\"weir\",\"sub\":\"user-%06d\",\"tier\":\"gold\","
		 "\"exp\":1300819380,\"iat\":1300819300,\"jti\":\"9f86d081884c7d65-%d\"}",
		 i, i);
	n = b64url((const uint8_t *)hdr, strlen(hdr), out);
	out[n++] = '.';
	return n + b64url((const uint8_t *)pay, strlen(pay), out + n);
}

static size_t
append_sig(char *tok, size_t n, const uint8_t *sig, size_t sig_len)
{
	tok[n++] = '.';
	return n + b64url(sig, sig_len, tok + n);
}

static size_t
mk_hs(uint8_t alg, int i, char *tok)
{
	const EVP_MD *md = alg == WEIR_JWT_HS256   ? EVP_sha256()
			   : alg == WEIR_JWT_HS384 ? EVP_sha384()
						   : EVP_sha512();
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int ml;
	size_t n = signing_input(weir_jwt_alg_name(alg), i, tok);

	if (HMAC(md, secret, (int)secret_len(alg), (uint8_t *)tok, n, mac, &ml) == NULL)
		die("HMAC failed");
	return append_sig(tok, n, mac, ml);
}

static size_t
mk_hs256(int i, char *tok)
{
	return mk_hs(WEIR_JWT_HS256, i, tok);
}

/* RS256, or ES256 with OpenSSL's DER signature turned into JWS's R || S. */
static size_t
mk_pkey(EVP_PKEY *pkey, int es, char *tok)
{
	uint8_t sig[1024], raw[64];
	size_t sl = sizeof(sig), n = signing_input(es ? "ES256" : "RS256", 0, tok);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey) != 1 ||
	    EVP_DigestSign(ctx, sig, &sl, (uint8_t *)tok, n) != 1)
		die("signing failed");
	EVP_MD_CTX_free(ctx);
	if (es) {
		const uint8_t *p = sig;
		ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)sl);

		if (s == NULL || BN_bn2binpad(ECDSA_SIG_get0_r(s), raw, 32) != 32 ||
		    BN_bn2binpad(ECDSA_SIG_get0_s(s), raw + 32, 32) != 32)
			die("ECDSA signature conversion failed");
		ECDSA_SIG_free(s);
		return append_sig(tok, n, raw, 64);
	}
	return append_sig(tok, n, sig, sl);
}

static void
issuer(struct weir_jwt_issuer *is, uint8_t alg, EVP_PKEY *pkey)
{
	const char *why = NULL;
	char *pem;
	long len;
	BIO *bio;

	memset(is, 0, sizeof(*is));
	strcpy(is->iss, "joe");
	strcpy(is->aud, "weir");
	is->alg = alg;
	is->leeway_s = 30;
	is->n_keys = 1;
	if (pkey == NULL) {
		if (weir_jwt_key_hmac(&is->keys[0], alg, (const uint8_t *)secret, secret_len(alg),
				      NULL, &why))
			die(why);
		return;
	}
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || PEM_write_bio_PUBKEY(bio, pkey) != 1)
		die("PEM export failed");
	len = BIO_get_mem_data(bio, &pem);
	if (weir_jwt_key_pem(&is->keys[0], alg, pem, (size_t)len, NULL, &why) != 0)
		die(why);
	BIO_free(bio);
}

/* ---- timing ---- */

static double tsc_per_ns;
static int rounds = 5;
static uint64_t sink;

/* TSC cycles per ns, measured against the monotonic clock over 50 ms. */
static double
tsc_rate(void)
{
	uint64_t t0 = now_ns(), c0 = __builtin_ia32_rdtsc(), t1;

	while ((t1 = now_ns()) - t0 < 50000000u)
		;
	return (double)(__builtin_ia32_rdtsc() - c0) / (double)(t1 - t0);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One operation of a case: returns something to sink. */
typedef uint64_t op_fn(void *arg, uint64_t i);

/* This thread's CPU time: what the rounds cost when other work preempts them. */
static uint64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Rounds of at least MIN_OPS operations or MIN_NS; prints the case and
 * returns the median of its CPU time per operation (on an idle CPU the same
 * as the wall clock's; on a shared one, it leaves out the time the thread
 * was not running).
 */
static double
run(const char *name, op_fn *fn, void *arg, size_t bytes)
{
	double ns[64], cpu[64], allocs;
	uint64_t ops_min = UINT64_MAX, ops_all = 0, a0, i;
	int r;

	for (i = 0; i < 1000; i++) /* warm: lazily built tables, caches */
		sink += fn(arg, i);
	a0 = n_alloc;
	for (r = 0; r < rounds; r++) {
		uint64_t ops = 0, c0 = cpu_ns(), t0 = now_ns(), t;

		do {
			for (i = 0; i < 64; i++)
				sink += fn(arg, ops++);
			t = now_ns() - t0;
		} while (ops < MIN_OPS && t < MIN_NS);
		cpu[r] = (double)(cpu_ns() - c0) / (double)ops;
		ns[r] = (double)t / (double)ops;
		ops_all += ops;
		if (ops < ops_min)
			ops_min = ops;
	}
	allocs = (double)(n_alloc - a0) / (double)ops_all;
	qsort(ns, (size_t)rounds, sizeof(ns[0]), cmp_double);
	qsort(cpu, (size_t)rounds, sizeof(cpu[0]), cmp_double);
	printf("{\"case\": \"%s\", \"bytes\": %zu, \"rounds\": %d, \"min_ops_per_round\": %llu, "
	       "\"ns_per_op\": %.1f, \"best_ns_per_op\": %.1f, \"cpu_ns_per_op\": %.1f, "
	       "\"cycles_per_op\": %.0f, \"openssl_allocs_per_op\": %.2f}\n",
	       name, bytes, rounds, (unsigned long long)ops_min, ns[rounds / 2], ns[0],
	       cpu[rounds / 2], ns[rounds / 2] * tsc_per_ns, allocs);
	fflush(stdout);
	return cpu[rounds / 2];
}

/* ---- the cases ---- */

struct cache_case {
	struct weir_jwt_cache c;
	char (*tok)[320];
	size_t *len;
	uint32_t *seq; /* indices of tokens present, in a random order */
	char miss[320];
	size_t miss_len;
	void *mem;
};

static uint64_t
op_cache_hit(void *arg, uint64_t i)
{
	struct cache_case *k = arg;
	uint32_t t = k->seq[i & (SEQ_LEN - 1)];
	const struct weir_jwt_cached *v = weir_jwt_cache_get(&k->c, k->tok[t], k->len[t], NOW, GEN);

	return v->tier;
}

static uint64_t
op_cache_hit_one(void *arg, uint64_t i)
{
	struct cache_case *k = arg;
	uint32_t t = k->seq[0];

	(void)i;
	return weir_jwt_cache_get(&k->c, k->tok[t], k->len[t], NOW, GEN)->tier;
}

static uint64_t
op_cache_miss(void *arg, uint64_t i)
{
	struct cache_case *k = arg;

	(void)i;
	return weir_jwt_cache_get(&k->c, k->miss, k->miss_len, NOW, GEN) == NULL;
}

struct verify_case {
	const struct weir_jwt_issuer *is;
	const char *tok;
	size_t len;
	struct weir_jwt_claims *cl;
};

static uint64_t
op_verify(void *arg, uint64_t i)
{
	struct verify_case *v = arg;
	const char *why;

	(void)i;
	if (weir_jwt_verify(v->is, v->tok, v->len, NOW, v->cl, &why) != 0)
		die(why);
	return (uint64_t)v->cl->exp;
}

static uint64_t
op_libjwt(void *arg, uint64_t i)
{
	struct verify_case *v = arg;
	jwt_t *j = NULL;
	uint64_t r;

	(void)i;
	if (jwt_decode(&j, v->tok, (const unsigned char *)secret, 32) != 0)
		die("jwt_decode refused the token");
	r = (uint64_t)jwt_get_alg(j);
	jwt_free(j);
	return r;
}

static uint64_t
op_hmac(void *arg, uint64_t i)
{
	struct verify_case *v = arg;
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int ml = 0;

	(void)i;
	HMAC(EVP_sha256(), secret, 32, (const uint8_t *)v->tok, v->len, mac, &ml);
	return mac[0] + ml;
}

struct mac_case {
	EVP_MAC_CTX *ctx;
	const char *in;
	size_t len;
};

static uint64_t
op_hmac_prekeyed(void *arg, uint64_t i)
{
	struct mac_case *m = arg;
	uint8_t mac[EVP_MAX_MD_SIZE];
	size_t ml = 0;

	(void)i;
	/* A NULL key keeps the one set before: the pads are not recomputed. */
	if (EVP_MAC_init(m->ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(m->ctx, (const uint8_t *)m->in, m->len) != 1 ||
	    EVP_MAC_final(m->ctx, mac, &ml, sizeof(mac)) != 1)
		die("EVP_MAC failed");
	return mac[0] + ml;
}

/* HMAC-SHA256 (RFC 2104) from the pads' SHA-256 states: no allocation, no lock. */
struct midstate_case {
	SHA256_CTX in, out;
	const char *msg;
	size_t len;
};

static void
midstate_key(struct midstate_case *m, const uint8_t *key, size_t len)
{
	uint8_t ipad[64], opad[64];
	size_t i;

	for (i = 0; i < 64; i++) {
		ipad[i] = (uint8_t)((i < len ? key[i] : 0) ^ 0x36);
		opad[i] = (uint8_t)((i < len ? key[i] : 0) ^ 0x5c);
	}
	SHA256_Init(&m->in);
	SHA256_Update(&m->in, ipad, 64);
	SHA256_Init(&m->out);
	SHA256_Update(&m->out, opad, 64);
}

static void
midstate_mac(const struct midstate_case *m, uint8_t mac[32])
{
	SHA256_CTX c = m->in;
	uint8_t inner[32];

	SHA256_Update(&c, m->msg, m->len);
	SHA256_Final(inner, &c);
	c = m->out;
	SHA256_Update(&c, inner, 32);
	SHA256_Final(mac, &c);
}

static uint64_t
op_hmac_midstate(void *arg, uint64_t i)
{
	uint8_t mac[32];

	(void)i;
	midstate_mac(arg, mac);
	return mac[0];
}

static uint64_t
op_cache_hash(void *arg, uint64_t i)
{
	struct cache_case *k = arg;

	(void)i;
	return weir_jwt_cache_hash(&k->c, k->tok[0], k->len[0]);
}

static struct cache_case *
cache_setup(void)
{
	struct cache_case *k = calloc(1, sizeof(*k));
	size_t sz = weir_jwt_cache_size(CACHE_ENTRIES);
	uint32_t *present, n_present = 0, i;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	void *mem = aligned_alloc(64, (sz + 63) & ~(size_t)63);

	if (k == NULL || mem == NULL)
		die("out of memory");
	k->mem = mem;
	k->tok = calloc(N_TOKENS, sizeof(*k->tok));
	k->len = calloc(N_TOKENS, sizeof(*k->len));
	k->seq = calloc(SEQ_LEN, sizeof(*k->seq));
	present = calloc(N_TOKENS, sizeof(*present));
	if (k->tok == NULL || k->len == NULL || k->seq == NULL || present == NULL ||
	    weir_jwt_cache_init(&k->c, mem, sz, CACHE_ENTRIES, 0x5eed5eed) != 0)
		die("cache setup failed");
	for (i = 0; i < N_TOKENS; i++) {
		struct weir_jwt_cached v = {.issuer = 0, .tier = i, .exp = 1300819380};

		k->len[i] = mk_hs256((int)i, k->tok[i]);
		snprintf(v.sub, sizeof(v.sub), "user-%06u", i);
		weir_jwt_cache_put(&k->c, k->tok[i], k->len[i], NOW, 1300819380 + 30, GEN, &v);
	}
	/* Some sets got more than 4 of the 1000: those evicted are not looked up. */
	for (i = 0; i < N_TOKENS; i++) {
		const struct weir_jwt_cached *v =
			weir_jwt_cache_get(&k->c, k->tok[i], k->len[i], NOW, GEN);

		if (v != NULL) {
			if (v->tier != i)
				die("cache returned another token's value");
			present[n_present++] = i;
		}
	}
	for (i = 0; i < SEQ_LEN; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k->seq[i] = present[x % n_present];
	}
	k->miss_len = mk_hs256(N_TOKENS + 1, k->miss);
	fprintf(stderr, "bench_jwt: cache of %u entries, %u of %u tokens present, %zu bytes each\n",
		CACHE_ENTRIES, n_present, N_TOKENS, k->len[0]);
	free(present);
	return k;
}

int
main(int argc, char **argv)
{
	static struct weir_jwt_claims cl;
	struct weir_jwt_issuer hs, rs, es;
	struct verify_case vhs, vrs, ves;
	char hs_tok[512], rs_tok[1024], es_tok[512];
	double hit, hit_one, cold, libjwt, hmac, hmac_pre, hmac_mid, rs256, es256;
	EVP_PKEY *rsa, *ec;
	struct cache_case *k;
	struct mac_case m;
	OSSL_PARAM params[2];
	EVP_MAC *mac;

	/* Before anything makes OpenSSL allocate. */
	if (CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free) != 1)
		die("CRYPTO_set_mem_functions failed");
	if (argc > 1)
		rounds = atoi(argv[1]);
	if (rounds < 1 || rounds > 64)
		die("ROUNDS must be 1 to 64");
	tsc_per_ns = tsc_rate();

	k = cache_setup();
	hit = run("cache_hit", op_cache_hit, k, k->len[0]);
	hit_one = run("cache_hit_one_token", op_cache_hit_one, k, k->len[0]);
	run("cache_miss", op_cache_miss, k, k->miss_len);
	run("cache_hash_only", op_cache_hash, k, k->len[0]);

	issuer(&hs, WEIR_JWT_HS256, NULL);
	vhs = (struct verify_case){&hs, hs_tok, mk_hs256(0, hs_tok), &cl};
	cold = run("verify_hs256", op_verify, &vhs, vhs.len);
	{
		struct weir_jwt_issuer h2;
		struct verify_case v2;
		char tok[512];

		issuer(&h2, WEIR_JWT_HS384, NULL);
		v2 = (struct verify_case){&h2, tok, mk_hs(WEIR_JWT_HS384, 0, tok), &cl};
		run("verify_hs384", op_verify, &v2, v2.len);
		issuer(&h2, WEIR_JWT_HS512, NULL);
		v2 = (struct verify_case){&h2, tok, mk_hs(WEIR_JWT_HS512, 0, tok), &cl};
		run("verify_hs512", op_verify, &v2, v2.len);
	}

	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (rsa == NULL || ec == NULL)
		die("key generation failed");
	issuer(&rs, WEIR_JWT_RS256, rsa);
	issuer(&es, WEIR_JWT_ES256, ec);
	vrs = (struct verify_case){&rs, rs_tok, mk_pkey(rsa, 0, rs_tok), &cl};
	ves = (struct verify_case){&es, es_tok, mk_pkey(ec, 1, es_tok), &cl};
	rs256 = run("verify_rs256", op_verify, &vrs, vrs.len);
	es256 = run("verify_es256", op_verify, &ves, ves.len);

	libjwt = run("libjwt_jwt_decode_hs256", op_libjwt, &vhs, vhs.len);

	/* The signing input: the token up to its last dot. */
	vhs.len = (size_t)(strrchr(hs_tok, '.') - hs_tok);
	hmac = run("hmac_sha256_oneshot", op_hmac, &vhs, vhs.len);
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	m.ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (m.ctx == NULL || EVP_MAC_init(m.ctx, (const uint8_t *)secret, 32, params) != 1)
		die("EVP_MAC setup failed");
	m.in = hs_tok;
	m.len = vhs.len;
	hmac_pre = run("hmac_sha256_prekeyed_ctx", op_hmac_prekeyed, &m, m.len);

	{
		struct midstate_case ms = {.msg = hs_tok, .len = vhs.len};
		uint8_t a[EVP_MAX_MD_SIZE], b[32];
		unsigned int al = 0;

		midstate_key(&ms, (const uint8_t *)secret, 32);
		midstate_mac(&ms, b);
		HMAC(EVP_sha256(), secret, 32, (const uint8_t *)hs_tok, vhs.len, a, &al);
		if (al != 32 || memcmp(a, b, 32) != 0)
			die("HMAC from the midstates differs from HMAC()");
		hmac_mid = run("hmac_sha256_midstate", op_hmac_midstate, &ms, ms.len);
	}
	printf("{\"case\": \"ratios\", \"verify_hs256_over_cache_hit\": %.1f, "
	       "\"libjwt_over_verify_hs256\": %.2f, \"verify_hs256_over_hmac_oneshot\": %.2f, "
	       "\"hmac_oneshot_over_prekeyed\": %.2f, \"hmac_oneshot_over_midstate\": %.2f, "
	       "\"verify_rs256_us\": %.2f, "
	       "\"verify_es256_us\": %.2f, \"cache_hit_one_token_ns\": %.1f}\n",
	       cold / hit, libjwt / cold, cold / hmac, hmac / hmac_pre, hmac / hmac_mid,
	       rs256 / 1000, es256 / 1000, hit_one);
	EVP_MAC_CTX_free(m.ctx);
	EVP_MAC_free(mac);
	weir_jwt_key_free(&rs.keys[0]);
	weir_jwt_key_free(&es.keys[0]);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	free(k->mem);
	free(k->tok);
	free(k->len);
	free(k->seq);
	free(k);
	if (sink == 42)
		printf("\n");
	return 0;
}
