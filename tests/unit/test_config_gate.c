/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the API gate's configuration: the top-level "gate" (JWT
 * issuers with their key files, tiers and their limit rules, API keys,
 * sizes), the "auth", "min_tier" and "limits" of an http service and its
 * routes, what a reload may not change, and every rejection by its exact
 * message. The key files are made at run time in a directory of their own
 * (relative paths are read from the current directory when the config's
 * origin has no directory).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "weir_apikey.h"
#include "weir_config.h"
#include "weir_test.h"

static char errbuf[512];
static char text[16384];
static char dir[64];

#define BASE                                                                                       \
	"'workers':[1],'ports':[{'name':'c','devargs':'net_tap0','addresses':['198.18.0.1/24']},"  \
	"{'name':'b','devargs':'net_tap1','addresses':['198.18.2.1/24']}],"                        \
	"'pools':[{'name':'site','backends':[{'address':'198.18.2.10','port':8080}]},"             \
	"{'name':'api','backends':[{'address':'198.18.2.20','port':8080}]}]"
#define SVC(http, routes)                                                                          \
	"'services':[{'name':'web','vip':'198.18.1.1','port':80,'protocol':'http','pool':'site',"  \
	"'local_ips':['198.18.2.1'],'http':{" http "},'routes':[" routes "]}]"
#define HS                                                                                         \
	"{'name':'hs','iss':'https://"                                                             \
	"auth.example','aud':'api','alg':'HS256','secret_file':'hs.key'}"
/* A config with gate g, the service's http settings h and routes r. */
#define CFG(g, h, r) "{" BASE ",'gate':{" g "}," SVC(h, r) "}"
#define KEY1 "k-0123456789abcdef"
#define GATE0                                                                                      \
	"'issuers':[" HS ",{'name':'rs','iss':'rs-iss','alg':'RS256','keys':[{'kid':'a',"          \
	"'public_key_file':'rsa.pem'},{'kid':'b','public_key_file':'rsa.pem'}],"                   \
	"'sub_claim':'uid','tier_claim':'plan','leeway_s':30,'max_len':2048,'exp_optional':true}," \
	"{'name':'es','iss':'es-iss','alg':'ES256','public_key_file':'ec.pem'},"                   \
	"{'name':'jw','iss':'jw-iss','alg':'HS256','jwks_file':'oct.jwks'}],"                      \
	"'tiers':[{'name':'free','limits':[{'limit':5,'window_s':60},{'limit':100,'window_s':"     \
	"86400,'algorithm':'sliding_window'}]},{'name':'gold','limits':[{'name':'gold-min',"       \
	"'limit':1000,'window_s':60,'algorithm':'token_bucket','burst':50}]}],"                    \
	"'default_tier':'free','api_keys':{'header':'X-Key','query':'key','capacity':100,"         \
	"'keys':[{'key':'" KEY1 "','tier':'gold','owner':'alice','limits':[{'limit':2,"            \
	"'window_s':60}]},{'hash':"                                                                \
	"'ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789','tier':'free',"        \
	"'blocked':true}]},'token_cache':64,'limit_entries':4096,'cold_verify_per_s':500,"         \
	"'bad_auth':{'limit':3,'window_s':10,'ban_s':0},'key_bans':{'after':20,'first_s':120},'"   \
	"legacy_headers':false"
#define EXAMPLE                                                                                    \
	CFG(GATE0, "'auth':'jwt','min_tier':'free'",                                               \
	    "{'path_prefix':'/v1/','pool':'api','auth':'any','min_tier':'gold'},"                  \
	    "{'path_prefix':'/open/','pool':'site','auth':'none','limits':[{'limit':10,"           \
	    "'window_s':1}]},{'path_prefix':'/keys/','pool':'api','auth':'api_key'}")

static struct weir_config *
load(const char *sq)
{
	size_t i;

	assert_true(strlen(sq) < sizeof(text));
	for (i = 0; sq[i] != '\0'; i++)
		text[i] = sq[i] == '\'' ? '"' : sq[i];
	text[i] = '\0';
	memset(errbuf, 0, sizeof(errbuf));
	return weir_config_from_string(text, "t", errbuf, sizeof(errbuf));
}

static const char *
try_load(const struct weir_reject_case *c, void *arg)
{
	static char msg[sizeof(errbuf) + 64];
	struct weir_config *cfg;

	(void)arg;
	errno = 0;
	cfg = load(c->input);
	if (cfg != NULL) {
		weir_config_free(cfg);
		return NULL;
	}
	if (errno != EINVAL) {
		snprintf(msg, sizeof(msg), "(errno %d, not EINVAL) %s", errno, errbuf);
		return msg;
	}
	return errbuf;
}

static void
put(const char *name, const void *data, size_t len)
{
	FILE *f = fopen(name, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void
put_pubkey(const char *name, EVP_PKEY *k)
{
	FILE *f = fopen(name, "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, k), 1);
	fclose(f);
	EVP_PKEY_free(k);
}

/* The key files, in a directory of their own made the current one. */
static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/weir-unit-gate-XXXXXX");
	if (mkdtemp(dir) == NULL || chdir(dir) != 0)
		return -1;
	put("hs.key", "0123456789abcdef0123456789abcdef\n", 33);
	put("short.key", "0123456789abcdef0123456789abcde\n", 32);
	put("oct.jwks",
	    "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"k1\",\"k\":"
	    "\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY\"},{\"kty\":\"RSA\",\"n\":\"AQAB\","
	    "\"e\":\"AQAB\"}]}",
	    strlen("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"k1\",\"k\":"
		   "\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY\"},{\"kty\":\"RSA\",\"n\":"
		   "\"AQAB\","
		   "\"e\":\"AQAB\"}]}"));
	put("private.jwks", "{\"keys\":[{\"kty\":\"oct\",\"k\":\"AA\",\"d\":\"AA\"}]}",
	    strlen("{\"keys\":[{\"kty\":\"oct\",\"k\":\"AA\",\"d\":\"AA\"}]}"));
	put_pubkey("rsa.pem", EVP_RSA_gen(2048));
	put_pubkey("ec.pem", EVP_EC_gen("P-256"));
	put_pubkey("rsa1024.pem", EVP_RSA_gen(1024));
	return 0;
}

static int
teardown(void **state)
{
	static const char *const files[] = {"hs.key",	   "short.key",	   "rsa.pem", "ec.pem",
					    "rsa1024.pem", "private.jwks", "oct.jwks"};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(files[i]);
	return chdir("/") == 0 && rmdir(dir) == 0 ? 0 : -1;
}

static void
test_example(void **state)
{
	const struct weir_gate_config *g;
	const struct weir_http_config *h;
	struct weir_config *c;
	uint8_t hash[32];

	(void)state;
	c = load(EXAMPLE);
	if (c == NULL)
		fail_msg("rejected: %s", errbuf);
	g = c->gate;
	assert_non_null(g);
	assert_int_equal(g->n_issuers, 4);
	/* The JWK Set's oct key for HS256 (its RSA key is for another alg: skipped). */
	assert_int_equal(g->issuers[3].jwt.n_keys, 1);
	assert_string_equal(g->issuers[3].jwt.keys[0].kid, "k1");
	assert_int_equal(g->issuers[3].jwt.keys[0].secret_len, 32);
	assert_string_equal(g->issuers[0].name, "hs");
	assert_string_equal(g->issuers[0].jwt.iss, "https://auth.example");
	assert_string_equal(g->issuers[0].jwt.aud, "api");
	assert_int_equal(g->issuers[0].jwt.alg, WEIR_JWT_HS256);
	assert_int_equal(g->issuers[0].jwt.n_keys, 1);
	/* The file's final newline is not part of the secret. */
	assert_int_equal(g->issuers[0].jwt.keys[0].secret_len, 32);
	assert_memory_equal(g->issuers[0].jwt.keys[0].secret, "0123456789abcdef0123456789abcdef",
			    32);
	assert_int_equal(g->issuers[0].jwt.max_len, WEIR_JWT_DEFAULT_MAX_LEN);
	assert_int_equal(g->issuers[0].jwt.exp_optional, 0);
	assert_int_equal(g->issuers[1].jwt.alg, WEIR_JWT_RS256);
	assert_int_equal(g->issuers[1].jwt.n_keys, 2);
	assert_string_equal(g->issuers[1].jwt.keys[1].kid, "b");
	assert_non_null(g->issuers[1].jwt.keys[1].pkey);
	assert_string_equal(g->issuers[1].jwt.sub_claim, "uid");
	assert_string_equal(g->issuers[1].jwt.tier_claim, "plan");
	assert_int_equal(g->issuers[1].jwt.leeway_s, 30);
	assert_int_equal(g->issuers[1].jwt.max_len, 2048);
	assert_int_equal(g->issuers[1].jwt.exp_optional, 1);
	assert_int_equal(g->issuers[2].jwt.alg, WEIR_JWT_ES256);
	assert_string_equal(g->issuers[2].jwt.keys[0].kid, "");

	assert_int_equal(g->n_tiers, 2);
	assert_string_equal(g->tiers[0].name, "free");
	assert_int_equal(g->tiers[0].rules.n, 2);
	assert_string_equal(g->tiers[0].rules.r[0].name, "free");
	assert_int_equal(g->tiers[0].rules.r[0].alg, WEIR_GATE_GCRA);
	assert_int_equal(g->tiers[0].rules.r[0].limit, 5);
	assert_int_equal(g->tiers[0].rules.r[0].window_s, 60);
	assert_int_equal(g->tiers[0].rules.r[0].burst, 5);
	assert_string_equal(g->tiers[0].rules.r[1].name, "free-86400s");
	assert_int_equal(g->tiers[0].rules.r[1].alg, WEIR_GATE_SLIDING_WINDOW);
	assert_string_equal(g->tiers[1].rules.r[0].name, "gold-min");
	assert_int_equal(g->tiers[1].rules.r[0].alg, WEIR_GATE_TOKEN_BUCKET);
	assert_int_equal(g->tiers[1].rules.r[0].burst, 50);
	assert_int_equal(g->default_tier, 0);

	assert_string_equal(g->key_header, "X-Key");
	assert_string_equal(g->key_query, "key");
	assert_int_equal(g->key_capacity, 100);
	assert_int_equal(g->n_keys, 2);
	weir_apikey_hash((const uint8_t *)KEY1, strlen(KEY1), hash);
	assert_memory_equal(g->keys[0].hash, hash, 32);
	assert_int_equal(g->keys[0].tier, 1);
	assert_string_equal(g->keys[0].owner, "alice");
	assert_int_equal(g->keys[0].rules.n, 1);
	assert_string_equal(g->keys[0].rules.r[0].name, "key");
	assert_int_equal(g->keys[0].rules.r[0].limit, 2);
	assert_int_equal(g->keys[1].rules.n, 0);
	assert_int_equal(g->keys[0].blocked, 0);
	assert_int_equal(g->keys[1].hash[0], 0xab);
	assert_int_equal(g->keys[1].hash[31], 0x89);
	assert_int_equal(g->keys[1].blocked, 1);
	assert_int_equal(g->token_cache, 64);
	assert_int_equal(g->limit_entries, 4096);
	assert_int_equal(g->cold_verify_per_s, 500);
	assert_int_equal(g->bad_auth_limit, 3);
	assert_int_equal(g->bad_auth_window_s, 10);
	assert_int_equal(g->bad_auth_ban_s, 0);
	assert_int_equal(g->key_ban_after, 20);
	assert_int_equal(g->key_ban_window_s, 60);
	assert_int_equal(g->key_ban_first_s, 120);
	assert_int_equal(g->legacy_headers, 0);
	assert_int_not_equal(g->fingerprint, 0);

	h = c->services[0].http;
	assert_int_equal(h->gate.auth, WEIR_GATE_AUTH_JWT);
	assert_int_equal(h->gate.min_tier, 0);
	assert_int_equal(h->gate.has_limits, 0);
	assert_int_equal(h->route[0].gate.auth, WEIR_GATE_AUTH_ANY);
	assert_int_equal(h->route[0].gate.min_tier, 1);
	assert_int_equal(h->route[1].gate.auth, WEIR_GATE_AUTH_NONE);
	assert_int_equal(h->route[1].gate.has_limits, 1);
	assert_int_equal(h->route[1].gate.rules.n, 1);
	assert_string_equal(h->route[1].gate.rules.r[0].name, "site");
	assert_int_equal(h->route[1].gate.rules.r[0].limit, 10);
	/* What the route does not say, it takes from the service. */
	assert_int_equal(h->route[2].gate.auth, WEIR_GATE_AUTH_API_KEY);
	assert_int_equal(h->route[2].gate.min_tier, 0);
	weir_config_free(c);
}

static void
test_defaults(void **state)
{
	static const char *const names[] = {"free", "basic", "premium", "enterprise"};
	static const uint32_t limits[] = {5, 20, 100, 1000};
	const struct weir_gate_config *g;
	struct weir_config *c;
	unsigned int i;

	(void)state;
	c = load("{" BASE "," SVC("", "") "}");
	if (c == NULL)
		fail_msg("rejected: %s", errbuf);
	g = c->gate;
	assert_non_null(g);
	assert_int_equal(g->n_issuers, 0);
	/* The old system's tiers, per minute. */
	assert_int_equal(g->n_tiers, 4);
	for (i = 0; i < 4; i++) {
		assert_string_equal(g->tiers[i].name, names[i]);
		assert_int_equal(g->tiers[i].rules.n, 1);
		assert_string_equal(g->tiers[i].rules.r[0].name, names[i]);
		assert_int_equal(g->tiers[i].rules.r[0].limit, limits[i]);
		assert_int_equal(g->tiers[i].rules.r[0].window_s, 60);
		assert_int_equal(g->tiers[i].rules.r[0].burst, limits[i]);
		assert_int_equal(g->tiers[i].rules.r[0].alg, WEIR_GATE_GCRA);
	}
	assert_string_equal(g->key_header, "X-API-Key");
	assert_string_equal(g->key_query, "api_key");
	assert_int_equal(g->key_capacity, 65536);
	assert_int_equal(g->token_cache, 1024);
	assert_int_equal(g->limit_entries, 1u << 20);
	assert_int_equal(g->legacy_headers, 1);
	assert_int_equal(g->bad_auth_ban_s, 300);
	assert_int_equal(g->key_ban_after, 0); /* no key bans unless asked */
	assert_int_equal(g->fingerprint, 0);
	assert_int_equal(c->services[0].http->gate.auth, WEIR_GATE_AUTH_NONE);
	assert_int_equal(c->services[0].http->gate.min_tier, -1);
	assert_int_equal(c->services[0].http->gate.has_limits, 0);
	weir_config_free(c);
}

#define E "config t: key '"
static void
test_rejects(void **state)
{
	static const struct weir_reject_case bad[] = {
		{"{" BASE ",'gate':[]," SVC("", "") "}",
		 E "gate' = []: expected an object {issuers, api_keys, tiers, ...}"},
		{CFG("'keys':[]", "", ""), E "gate.keys': unknown key"},
		{CFG("'issuers':[{'name':'x','iss':'i','alg':'none','secret_file':'hs.key'}]", "",
		     ""),
		 E "gate.issuers[0].alg' = \"none\": expected HS256, HS384, HS512, RS256 or ES256"},
		{CFG("'issuers':[{'name':'x','iss':'i','secret_file':'hs.key'}]", "", ""),
		 E "gate.issuers[0].alg': missing: pin one of HS256, HS384, HS512, RS256, ES256"},
		{CFG("'issuers':[{'name':'x','iss':'','alg':'HS256','secret_file':'hs.key'}]", "",
		     ""),
		 E "gate.issuers[0].iss' = \"\": must not be empty"},
		{CFG("'issuers':[{'name':'x','alg':'HS256','secret_file':'hs.key'}]", "", ""),
		 E "gate.issuers[0].iss': missing: the \"iss\" its tokens carry"},
		{CFG("'issuers':[{'name':'x','iss':'i','alg':'HS256','secret_file':'short.key'}]",
		     "", ""),
		 E "gate.issuers[0].secret_file': short.key: HS256 secret shorter than 32 bytes"},
		{CFG("'issuers':[{'name':'x','iss':'i','alg':'HS256','secret_file':'nope.key'}]",
		     "", ""),
		 E
		 "gate.issuers[0].secret_file' = \"nope.key\": cannot open nope.key: No such file "
		 "or directory"},
		{CFG("'issuers':[{'name':'x','iss':'i','alg':'HS256','public_key_file':'rsa.pem'}]",
		     "", ""),
		 E "gate.issuers[0].public_key_file' = \"rsa.pem\": not for alg HS256 (use "
		   "secret_file)"},
		{CFG("'issuers':[{'name':'x','iss':'i','alg':'RS256','public_key_file':'ec.pem'}]",
		     "", ""),
		 E "gate.issuers[0].public_key_file': ec.pem: RS256 needs an RSA public key"},
		{CFG("'issuers':[{'name':'x','iss':'i','alg':'RS256','public_key_file':"
		     "'rsa1024.pem'}]",
		     "", ""),
		 E "gate.issuers[0].public_key_file': rsa1024.pem: RSA key shorter than 2048 bits"},
		{CFG("'issuers':[{'name':'x','iss':'i','alg':'ES256','public_key_file':'hs.key'}]",
		     "", ""),
		 E "gate.issuers[0].public_key_file': hs.key: not a PEM PUBLIC KEY"},
		{CFG("'issuers':[{'name':'x','iss':'i','alg':'HS256','keys':[{'kid':'a','secret_"
		     "file':"
		     "'hs.key'},{'kid':'a','secret_file':'hs.key'}]}]",
		     "", ""),
		 E "gate.issuers[0].keys[1].kid' = \"a\": same kid as keys[0]"},
		{CFG("'issuers':[{'name':'x','iss':'i','alg':'HS256','keys':[{'secret_file':"
		     "'hs.key'}]}]",
		     "", ""),
		 E "gate.issuers[0].keys[0].kid': missing"},
		{CFG("'issuers':[{'name':'x','iss':'i','alg':'HS256','keys':[],'secret_file':"
		     "'hs.key'}]",
		     "", ""),
		 E "gate.issuers[0].keys': give either \"keys\" or one key file, not both"},
		{CFG("'issuers':[{'name':'x','iss':'i','alg':'HS256','jwks_file':'private.jwks'}]",
		     "", ""),
		 E
		 "gate.issuers[0].jwks_file': private.jwks: key 0: private key material in a JWKS"},
		{CFG("'issuers':[{'name':'x','iss':'i','alg':'HS256','jwks_file':'oct.jwks',"
		     "'secret_file':'hs.key'}]",
		     "", ""),
		 E "gate.issuers[0].jwks_file': give one of \"jwks_file\", \"keys\" or a key file"},
		{CFG("'issuers':[{'name':'x','iss':'i','alg':'HS256','secret':'s3cr3t'}]", "", ""),
		 E "gate.issuers[0].secret': HS256 secret shorter than 32 bytes (value not shown)"},
		{CFG("'issuers':[{'name':'x','iss':'i','alg':'HS256','secret':'s3cr3t','secret_"
		     "file':"
		     "'hs.key'}]",
		     "", ""),
		 E "gate.issuers[0].secret': give \"secret\" or \"secret_file\", not both"},
		{CFG("'issuers':[{'name':'x','iss':'i','alg':'HS256','secret':7}]", "", ""),
		 E "gate.issuers[0].secret': expected a string (value not shown)"},
		{CFG("'issuers':[" HS "," HS "]", "", ""),
		 E "gate.issuers[1].name': same name as gate.issuers[0]"},
		{CFG("'issuers':[{'name':'x','iss':'i','alg':'HS256','secret_file':'hs.key',"
		     "'leeway_s':301}]",
		     "", ""),
		 E "gate.issuers[0].leeway_s' = 301: expected an integer in [0, 300]"},
		{CFG("'issuers':[{'name':'x','iss':'i','alg':'HS256','secret_file':'hs.key',"
		     "'max_len':8193}]",
		     "", ""),
		 E "gate.issuers[0].max_len' = 8193: expected an integer in [64, 8192]"},
		{CFG("'tiers':[]", "", ""),
		 E "gate.tiers' = []: expected an array of 1 to 16 tiers"},
		{CFG("'tiers':[{'name':'a','limits':[]}]", "", ""),
		 E "gate.tiers[0].limits' = []: expected an array of 1 to 4 rules"},
		{CFG("'tiers':[{'name':'a'}]", "", ""), E "gate.tiers[0].limits': missing"},
		{CFG("'tiers':[{'name':'a','limits':[{'limit':1,'window_s':1}]},{'name':'a','"
		     "limits':"
		     "[{'limit':1,'window_s':1}]}]",
		     "", ""),
		 E "gate.tiers[1].name' = \"a\": same name as gate.tiers[0]"},
		{CFG("'tiers':[{'name':'a\\\"b','limits':[{'limit':1,'window_s':1}]}]", "", ""),
		 E "gate.tiers[0].name' = \"a\\\"b\": expected visible ASCII or spaces, no '\"' or "
		   "'\\'"},
		{CFG("'tiers':[{'name':'a','limits':[{'limit':0,'window_s':1}]}]", "", ""),
		 E "gate.tiers[0].limits[0].limit' = 0: expected an integer in [1, 1000000000]"},
		{CFG("'tiers':[{'name':'a','limits':[{'limit':1}]}]", "", ""),
		 E "gate.tiers[0].limits[0].window_s': missing"},
		{CFG("'tiers':[{'name':'a','limits':[{'limit':1,'window_s':1,'algorithm':'leaky'}]}"
		     "]",
		     "", ""),
		 E "gate.tiers[0].limits[0].algorithm' = \"leaky\": expected \"gcra\", "
		   "\"token_bucket\" or \"sliding_window\""},
		{CFG("'tiers':[{'name':'a','limits':[{'limit':2000000,'window_s':1,'algorithm':"
		     "'sliding_window'}]}]",
		     "", ""),
		 E
		 "gate.tiers[0].limits[0].algorithm' = \"sliding_window\": a sliding window counts "
		 "at most 1048575 requests"},
		{CFG("'tiers':[{'name':'a','limits':[{'limit':5,'window_s':1,'algorithm':"
		     "'sliding_window','burst':9}]}]",
		     "", ""),
		 E "gate.tiers[0].limits[0].burst' = 9: a sliding window has no burst of its own"},
		{CFG("'tiers':[{'name':'a','limits':[{'limit':5,'window_s':60},{'limit':9,"
		     "'window_s':60},{'limit':10,'window_s':60}]}]",
		     "", ""),
		 E
		 "gate.tiers[0].limits[2].name': \"a-60s\" names rules[1] too (give each rule its "
		 "own \"name\")"},
		{CFG("'default_tier':'gold'", "", ""),
		 E "gate.default_tier' = \"gold\": no such tier (gate.tiers: free, basic, ...)"},
		{CFG("'api_keys':{'keys':[{'key':'short','tier':'free'}]}", "", ""), E
		 "gate.api_keys.keys[0].key': expected 16 to 128 visible ASCII bytes but ',;\"\\' "
		 "(value not shown)"},
		{CFG("'api_keys':{'keys':[{'hash':'abc','tier':'free'}]}", "", ""), E
		 "gate.api_keys.keys[0].hash': expected the key's SHA-256 as 64 hex digits (value "
		 "not shown)"},
		{CFG("'api_keys':{'keys':[{'key':'" KEY1 "','hash':'ab','tier':'free'}]}", "", ""),
		 E "gate.api_keys.keys[0].key': give \"key\" or \"hash\", not both"},
		{CFG("'api_keys':{'keys':[{'tier':'free'}]}", "", ""),
		 E "gate.api_keys.keys[0]': missing \"key\" or \"hash\""},
		{CFG("'api_keys':{'keys':[{'key':'" KEY1 "','tier':'free'},{'key':'" KEY1
		     "','tier':'basic'}]}",
		     "", ""),
		 E "gate.api_keys.keys[1]': the same key as gate.api_keys.keys[0]"},
		{CFG("'api_keys':{'keys':[{'key':'" KEY1 "'}]}", "", ""),
		 E "gate.api_keys.keys[0].tier': missing"},
		{CFG("'api_keys':{'keys':[{'key':'" KEY1 "','tier':'gold'}]}", "", ""),
		 E "gate.api_keys.keys[0].tier' = \"gold\": no such tier (gate.tiers: free, basic, "
		   "...)"},
		{CFG("'api_keys':{'capacity':1,'keys':[{'key':'" KEY1 "','tier':'free'},{'key':'"
		     "k-abcdefabcdefabcdef','tier':'free'}]}",
		     "", ""),
		 E "gate.api_keys.keys': 2 keys, more than gate.api_keys.capacity (1)"},
		{CFG("'api_keys':{'header':'X Key'}", "", ""),
		 E "gate.api_keys.header' = \"X Key\": expected a header name (letters, digits, "
		   "'-')"},
		{CFG("'api_keys':{'query':'a=b'}", "", ""),
		 E "gate.api_keys.query' = \"a=b\": expected a parameter name (\"\": none) without "
		   "'&', '=', '#', '%', '+'"},
		{CFG("'limit_entries':10", "", ""),
		 E "gate.limit_entries' = 10: expected an integer in [1024, 67108864]"},
		{CFG("'bad_auth':{'limit':0}", "", ""),
		 E "gate.bad_auth.limit' = 0: expected an integer in [1, 1000000]"},
		{CFG("'key_bans':{'after':0}", "", ""),
		 E "gate.key_bans.after' = 0: expected an integer in [1, 1000000]"},
		{CFG("'key_bans':{'window_s':5}", "", ""), E "gate.key_bans.after': missing"},
		{CFG("'legacy_headers':1", "", ""),
		 E "gate.legacy_headers' = 1: expected true or false"},
		{CFG("", "'auth':'jwt'", ""),
		 E "services[0].http.auth' = \"jwt\": no JWT issuer in gate.issuers"},
		{CFG("", "'auth':'basic'", ""),
		 E "services[0].http.auth' = \"basic\": expected \"none\", \"jwt\", \"api_key\" or "
		   "\"any\""},
		{CFG("", "'min_tier':'free'", ""),
		 E "services[0].http.min_tier' = \"free\": a route without auth has no tier"},
		{CFG("", "'auth':'api_key','min_tier':'gold'", ""),
		 E "services[0].http.min_tier' = \"gold\": no such tier (gate.tiers: free, basic, "
		   "...)"},
		{CFG("", "", "{'path_prefix':'/a/','pool':'api','auth':'any'}"),
		 E "services[0].routes[0].auth' = \"any\": no JWT issuer in gate.issuers"},
		{CFG("", "", "{'path_prefix':'/a/','pool':'api','limits':{}}"),
		 E "services[0].routes[0].limits' = {}: expected an array of 1 to 4 rules"},
	};

	(void)state;
	weir_test_rejects(bad, try_load, NULL);
}

/* Key files are read whole: a bad one names the file, never its bytes. */
static void
test_secret_not_shown(void **state)
{
	struct weir_config *c;

	(void)state;
	put("leak.key", "s3cr3t-s3cr3t", 13);
	c = load(CFG("'issuers':[{'name':'x','iss':'i','alg':'HS256','secret_file':'leak.key'}]",
		     "", ""));
	assert_null(c);
	assert_null(strstr(errbuf, "s3cr3t"));
	c = load(CFG("'api_keys':{'keys':[{'key':'s3cr3t,s3cr3t-s3cr3t','tier':'free'}]}", "", ""));
	assert_null(c);
	assert_null(strstr(errbuf, "s3cr3t"));
	/* An inline secret: taken as it is (no newline to strip), never shown. */
	c = load(
		CFG("'issuers':[{'name':'x','iss':'i','alg':'HS256','secret':'s3cr3t-s3cr3t-s3cr3t-"
		    "s3cr3t-s3cr3t\\n'}]",
		    "", ""));
	if (c == NULL)
		fail_msg("rejected: %s", errbuf);
	assert_int_equal(c->gate->issuers[0].jwt.keys[0].secret_len, 35);
	weir_config_free(c);
	c = load(
		CFG("'issuers':[{'name':'x','iss':'i','alg':'HS512','secret':'s3cr3t-s3cr3t-s3cr3t-"
		    "s3cr3t-s3cr3t'}]",
		    "", ""));
	assert_null(c);
	assert_null(strstr(errbuf, "s3cr3t"));
	unlink("leak.key");
}

/* A reload compares the gate by a fingerprint of its canonical text. */
static void
test_fingerprint(void **state)
{
	struct weir_config *a, *b;

	(void)state;
	a = load(CFG("'token_cache':64,'legacy_headers':false", "", ""));
	b = load(CFG("'legacy_headers':false,  'token_cache':64", "", ""));
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->gate->fingerprint, b->gate->fingerprint);
	weir_config_free(b);
	b = load(CFG("'token_cache':128,'legacy_headers':false", "", ""));
	assert_non_null(b);
	assert_int_not_equal(a->gate->fingerprint, b->gate->fingerprint);
	weir_config_free(a);
	weir_config_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),	    cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_rejects),	    cmocka_unit_test(test_secret_not_shown),
		cmocka_unit_test(test_fingerprint),
	};

	int failed;

	if (setup(NULL) != 0) {
		perror("key files");
		return 1;
	}
	failed = weir_test_main(tests);
	return teardown(NULL) == 0 ? failed : failed + 1;
}
