/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/apikey: SHA-256 known answers (FIPS 180-2's examples), the hex form
 * of a hash, what a key may be made of, the ids, and the table: sizes,
 * refusals, removal orders over runs that wrap around the end, thousands
 * of random adds, finds and removes against a reference model (with the
 * table's probing invariant checked as it goes), copy independence.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_apikey.h"
#include "weir_test.h"

/* ---- helpers ---- */

static void
unhex(const char *hex, uint8_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned int v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* A hash whose home slot (in any table of at most 2^32 slots) is h. */
static void
hash_home(uint8_t out[32], uint32_t h, uint32_t tag)
{
	memset(out, 0, 32);
	out[0] = (uint8_t)(h >> 24);
	out[1] = (uint8_t)(h >> 16);
	out[2] = (uint8_t)(h >> 8);
	out[3] = (uint8_t)h;
	out[4] = (uint8_t)(tag >> 24);
	out[5] = (uint8_t)(tag >> 16);
	out[6] = (uint8_t)(tag >> 8);
	out[7] = (uint8_t)tag;
	out[31] = 0x5a;
}

static uint32_t
home_of(const struct weir_apikey_table *t, const uint8_t *hash)
{
	return ((uint32_t)hash[0] << 24 | (uint32_t)hash[1] << 16 | (uint32_t)hash[2] << 8 |
		hash[3]) &
	       t->mask;
}

/*
 * The table's own invariant: n used slots; every key sits in the run that
 * starts at its home (no empty slot between home and it), so linear
 * probing reaches it; the id matches the hash.
 */
static void
check_table(const struct weir_apikey_table *t)
{
	uint32_t i, used = 0;

	for (i = 0; i <= t->mask; i++) {
		const struct weir_apikey *e = &t->slot[i];
		uint32_t j;
		char id[17];

		if (!e->used)
			continue;
		used++;
		for (j = home_of(t, e->hash); j != i; j = (j + 1) & t->mask)
			assert_true(t->slot[j].used);
		for (j = 0; j < 8; j++)
			snprintf(id + 2 * j, 3, "%02x", e->hash[j]);
		assert_string_equal(e->id, id);
	}
	assert_int_equal(used, t->n);
	assert_true(t->n <= (t->mask + 1) / 2);
}

/* ---- hashing ---- */

static void
test_sha256_vectors(void **state)
{
	static const struct {
		const char *in;
		const char *hex;
	} v[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	uint8_t got[32], want[32];
	uint8_t *million;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unhex(v[i].hex, want, 32);
		weir_apikey_hash((const uint8_t *)v[i].in, strlen(v[i].in), got);
		assert_memory_equal(got, want, 32);
	}
	/* NULL with length 0 is the empty string. */
	unhex(v[0].hex, want, 32);
	weir_apikey_hash(NULL, 0, got);
	assert_memory_equal(got, want, 32);
	/* One million 'a'. */
	million = malloc(1000000);
	assert_non_null(million);
	memset(million, 'a', 1000000);
	unhex("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", want, 32);
	weir_apikey_hash(million, 1000000, got);
	assert_memory_equal(got, want, 32);
	free(million);
}

static void
test_hash_hex(void **state)
{
	static const char abc_lower[] =
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	static const char abc_upper[] =
		"BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
	static const char abc_mixed[] =
		"Ba7816bF8f01CfEa414140De5dAe2223B00361A396177a9Cb410fF61F20015aD";
	static const struct {
		const char *in;
		int valid; /* 1: the hash of "abc" */
	} cases[] = {
		{abc_lower, 1},
		{abc_upper, 1},
		{abc_mixed, 1},
		{"0000000000000000000000000000000000000000000000000000000000000000", 2},
		{"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 3},
		{"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a", 0},	  /* 63 */
		{"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0", 0}, /* 65 */
		{"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015adba78", 0},
		{"", 0},
		{"ba", 0},
		{"ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 0},
		{"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ag", 0},
		{"ba7816bf8f01cfea414140de5dae2223 00361a396177a9cb410ff61f20015ad", 0},
		{"ba7816bf8f01cfea414140de5dae2223:00361a396177a9cb410ff61f20015ad", 0},
		{"ba7816bf8f01cfea414140de5dae2223@00361a396177a9cb410ff61f20015ad", 0},
		{"ba7816bf8f01cfea414140de5dae2223`00361a396177a9cb410ff61f20015ad", 0},
		{"ba7816bf8f01cfea414140de5dae2223/00361a396177a9cb410ff61f20015ad", 0},
		{"ba7816bf8f01cfea414140de5dae2223G00361a396177a9cb410ff61f20015ad", 0},
		{"0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a", 0},
		{" ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a", 0},
		{"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad ", 0},
		{"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n", 0},
		{"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a\xe0", 0},
		{"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015\xd9\xa0", 0},
	};
	/* A NUL inside: 64 digits follow it in memory, but the string ends there. */
	static const char nul_inside[] = "ba7816bf8f01cfea414140de5dae2223\0"
					 "00361a396177a9cb410ff61f20015ad";
	static const char nul_last[] =
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a\0d";
	uint8_t abc[32], out[32], want[32], sentinel[32];
	size_t i;

	(void)state;
	weir_apikey_hash((const uint8_t *)"abc", 3, abc);
	memset(sentinel, 0xa5, sizeof(sentinel));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		memcpy(out, sentinel, 32);
		rc = weir_apikey_hash_hex(cases[i].in, out);
		if (rc != (cases[i].valid ? 0 : -EINVAL))
			fail_msg("case %zu \"%s\": %d", i, cases[i].in, rc);
		switch (cases[i].valid) {
		case 0:
			/* Not written on error. */
			assert_memory_equal(out, sentinel, 32);
			break;
		case 1:
			assert_memory_equal(out, abc, 32);
			break;
		default:
			memset(want, cases[i].valid == 2 ? 0 : 0xff, 32);
			assert_memory_equal(out, want, 32);
		}
	}
	assert_int_equal(weir_apikey_hash_hex(nul_inside, out), -EINVAL);
	assert_int_equal(weir_apikey_hash_hex(nul_last, out), -EINVAL);
	assert_int_equal(weir_apikey_hash_hex(NULL, out), -EINVAL);
	/* Every byte value as the last digit: exactly the 22 hex digits pass. */
	for (i = 1; i < 256; i++) {
		char buf[65];
		int is_hex =
			(i >= '0' && i <= '9') || (i >= 'a' && i <= 'f') || (i >= 'A' && i <= 'F');

		memcpy(buf, abc_lower, 63);
		buf[63] = (char)i;
		buf[64] = '\0';
		assert_int_equal(weir_apikey_hash_hex(buf, out), is_hex ? 0 : -EINVAL);
	}
}

/* ---- keys ---- */

static void
test_key_valid(void **state)
{
	static const struct {
		const char *key;
		size_t len; /* 0: strlen */
		int valid;
	} cases[] = {
		{"0123456789abcdef", 0, 1},
		{"0123456789abcde", 0, 0}, /* 15 */
		{"", 0, 0},
		{"sk_live_4eC39HqLyjWDarjtT1zdp7dc", 0, 1},
		{"!#$%&'()*+-./:<=>?@[]^_`{|}~", 0, 1}, /* every punctuation allowed */
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 0, 1},
		{"0123456789abcdef,", 0, 0},
		{"0123456789abcdef;", 0, 0},
		{"0123456789abcdef\"", 0, 0},
		{"0123456789abcdef\\", 0, 0},
		{"0123456789 abcdef", 0, 0},
		{"0123456789abcdef\t", 0, 0},
		{"0123456789abcdef\r\n", 0, 0},
		{"0123456789abcdef\x7f", 0, 0},
		{"0123456789abcdef\x80", 0, 0},
		{"0123456789abcdef\xff", 0, 0},
		{"0123456789abcdef\xc3\xa9", 0, 0}, /* UTF-8 e-acute */
		{"0123456789abcdef\0gh", 19, 0},
	};
	uint8_t buf[WEIR_APIKEY_KEY_MAX + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].key);

		if (weir_apikey_key_valid((const uint8_t *)cases[i].key, len) != cases[i].valid)
			fail_msg("case %zu \"%s\": not %d", i, cases[i].key, cases[i].valid);
	}
	/* Lengths: 16 to 128. */
	memset(buf, 'k', sizeof(buf));
	for (i = 0; i < sizeof(buf); i++)
		assert_int_equal(weir_apikey_key_valid(buf, i),
				 i >= WEIR_APIKEY_KEY_MIN && i <= WEIR_APIKEY_KEY_MAX);
	assert_int_equal(weir_apikey_key_valid(NULL, 20), 0);
	/* Every byte value, first and last. */
	for (i = 0; i < 256; i++) {
		int want = i >= 0x21 && i <= 0x7e && i != ',' && i != ';' && i != '"' && i != '\\';

		memset(buf, 'k', 32);
		buf[0] = (uint8_t)i;
		assert_int_equal(weir_apikey_key_valid(buf, 32), want);
		buf[0] = 'k';
		buf[31] = (uint8_t)i;
		assert_int_equal(weir_apikey_key_valid(buf, 32), want);
	}
}

static void
test_id(void **state)
{
	struct weir_apikey_table t;
	struct weir_apikey *e;
	uint8_t h[32];

	(void)state;
	assert_int_equal(weir_apikey_table_init(&t, 8), 0);
	weir_apikey_hash((const uint8_t *)"abc", 3, h);
	assert_int_equal(weir_apikey_add(&t, h, 3, "acme"), 0);
	e = weir_apikey_find(&t, h);
	assert_non_null(e);
	assert_string_equal(e->id, "ba7816bf8f01cfea");
	assert_int_equal(strlen(e->id), 16);
	assert_int_equal(e->tier, 3);
	assert_int_equal(e->blocked, 0);
	assert_int_equal(e->used, 1);
	assert_string_equal(e->owner, "acme");
	memset(h, 0xff, 32);
	assert_int_equal(weir_apikey_add(&t, h, 0, NULL), 0);
	e = weir_apikey_find(&t, h);
	assert_non_null(e);
	assert_string_equal(e->id, "ffffffffffffffff");
	assert_string_equal(e->owner, "");
	memset(h, 0, 32);
	h[0] = 0x01;
	h[7] = 0xa0;
	h[8] = 0xff; /* not in the id */
	assert_int_equal(weir_apikey_add(&t, h, 0, NULL), 0);
	assert_string_equal(weir_apikey_find(&t, h)->id, "01000000000000a0");
	check_table(&t);
	weir_apikey_table_free(&t);
}

/* ---- the table ---- */

static void
test_init_sizes(void **state)
{
	static const struct {
		uint32_t capacity, slots;
	} cases[] = {
		{0, 2},	 {1, 2},       {2, 4},	     {3, 8},	   {4, 8},
		{5, 16}, {1000, 2048}, {1024, 2048}, {1025, 4096},
	};
	struct weir_apikey_table t, c;
	uint8_t h[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t k;

		assert_int_equal(weir_apikey_table_init(&t, cases[i].capacity), 0);
		assert_int_equal(t.mask + 1, cases[i].slots);
		assert_int_equal(t.n, 0);
		/* It holds capacity keys, and exactly slots / 2. */
		for (k = 0; k < cases[i].slots / 2; k++) {
			hash_home(h, k * 2654435761u, k);
			assert_int_equal(weir_apikey_add(&t, h, 0, NULL), 0);
		}
		assert_true(t.n >= cases[i].capacity);
		hash_home(h, 7, 0xffffffff);
		assert_int_equal(weir_apikey_add(&t, h, 0, NULL), -ENOSPC);
		check_table(&t);
		weir_apikey_table_free(&t);
		assert_null(t.slot);
		assert_int_equal(t.mask, 0);
	}
	/* Too large: refused, zeroed. */
	memset(&t, 0xa5, sizeof(t));
	assert_int_equal(weir_apikey_table_init(&t, WEIR_APIKEY_CAPACITY_MAX + 1), -ENOMEM);
	assert_null(t.slot);
	assert_int_equal(t.n, 0);
	assert_int_equal(weir_apikey_table_init(&t, UINT32_MAX), -ENOMEM);
	assert_null(t.slot);
	/* A zeroed table: finds nothing, refuses adds, copies and frees. */
	memset(&t, 0, sizeof(t));
	weir_apikey_hash((const uint8_t *)"abc", 3, h);
	assert_null(weir_apikey_find(&t, h));
	assert_int_equal(weir_apikey_add(&t, h, 0, "x"), -ENOSPC);
	assert_int_equal(weir_apikey_remove(&t, h), -ENOENT);
	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(weir_apikey_table_copy(&c, &t), 0);
	assert_null(c.slot);
	assert_int_equal(c.n, 0);
	weir_apikey_table_free(&t);
	weir_apikey_table_free(NULL);
}

static void
test_full(void **state)
{
	struct weir_apikey_table t;
	uint8_t h[8][32], more[32];
	int i;

	(void)state;
	assert_int_equal(weir_apikey_table_init(&t, 4), 0);
	assert_int_equal(t.mask, 7);
	for (i = 0; i < 8; i++)
		hash_home(h[i], 5, (uint32_t)i); /* all in one run, wrapping */
	for (i = 0; i < 4; i++)
		assert_int_equal(weir_apikey_add(&t, h[i], (uint8_t)i, "o"), 0);
	assert_int_equal(t.n, 4);
	/* Full: a fifth is refused, the table unchanged. */
	assert_int_equal(weir_apikey_add(&t, h[4], 0, "o"), -ENOSPC);
	assert_int_equal(t.n, 4);
	assert_null(weir_apikey_find(&t, h[4]));
	/* A key already there is -EEXIST, full or not; a bad owner -EINVAL first. */
	assert_int_equal(weir_apikey_add(&t, h[2], 0, "o"), -EEXIST);
	assert_int_equal(weir_apikey_add(&t, h[4], 0, "a\tb"), -EINVAL);
	/* Room again after a removal. */
	assert_int_equal(weir_apikey_remove(&t, h[0]), 0);
	assert_int_equal(weir_apikey_remove(&t, h[0]), -ENOENT);
	assert_int_equal(weir_apikey_add(&t, h[4], 4, "o"), 0);
	assert_int_equal(weir_apikey_add(&t, h[5], 0, "o"), -ENOSPC);
	for (i = 1; i < 5; i++)
		assert_int_equal(weir_apikey_find(&t, h[i])->tier, i);
	check_table(&t);
	weir_apikey_table_free(&t);

	/* Capacity 0 still holds one key. */
	assert_int_equal(weir_apikey_table_init(&t, 0), 0);
	weir_apikey_hash((const uint8_t *)"abc", 3, more);
	assert_int_equal(weir_apikey_add(&t, more, 0, NULL), 0);
	assert_int_equal(weir_apikey_add(&t, h[0], 0, NULL), -ENOSPC);
	assert_non_null(weir_apikey_find(&t, more));
	assert_null(weir_apikey_find(&t, h[0]));
	weir_apikey_table_free(&t);
}

static void
test_owner(void **state)
{
	struct weir_apikey_table t;
	char owner[WEIR_APIKEY_OWNER_MAX + 1];
	uint8_t h[32];
	uint32_t tag = 0;
	int c;

	(void)state;
	assert_int_equal(weir_apikey_table_init(&t, 512), 0);
	memset(owner, 'o', sizeof(owner));
	owner[WEIR_APIKEY_OWNER_MAX - 1] = '\0'; /* 47 bytes: the longest */
	hash_home(h, 1, tag++);
	assert_int_equal(weir_apikey_add(&t, h, 0, owner), 0);
	assert_string_equal(weir_apikey_find(&t, h)->owner, owner);
	owner[WEIR_APIKEY_OWNER_MAX - 1] = 'o';
	owner[WEIR_APIKEY_OWNER_MAX] = '\0'; /* 48 */
	hash_home(h, 1, tag++);
	assert_int_equal(weir_apikey_add(&t, h, 0, owner), -EINVAL);
	assert_null(weir_apikey_find(&t, h));
	/* Every byte value in the middle of an owner. */
	for (c = 1; c < 256; c++) {
		char o[] = "team-?-api";

		o[5] = (char)c;
		hash_home(h, 1, tag++);
		assert_int_equal(weir_apikey_add(&t, h, 0, o), c < 0x20 || c == 0x7f ? -EINVAL : 0);
	}
	/* UTF-8 passes through. */
	hash_home(h, 1, tag++);
	assert_int_equal(weir_apikey_add(&t, h, 0, "caf\xc3\xa9"), 0);
	assert_string_equal(weir_apikey_find(&t, h)->owner, "caf\xc3\xa9");
	check_table(&t);
	weir_apikey_table_free(&t);
}

/*
 * Every removal order of a set of keys whose runs wrap around the end of a
 * 16-slot table and merge: after each removal, every remaining key is
 * found, every removed one is not, and the probing invariant holds.
 */
#define PERM_N 7

static void
perm_check(uint8_t keys[PERM_N][32], const int *order)
{
	struct weir_apikey_table t;
	int gone[PERM_N] = {0};
	int i, k;

	assert_int_equal(weir_apikey_table_init(&t, 8), 0);
	for (i = 0; i < PERM_N; i++)
		assert_int_equal(weir_apikey_add(&t, keys[i], (uint8_t)i, NULL), 0);
	check_table(&t);
	for (i = 0; i < PERM_N; i++) {
		assert_int_equal(weir_apikey_remove(&t, keys[order[i]]), 0);
		gone[order[i]] = 1;
		check_table(&t);
		for (k = 0; k < PERM_N; k++) {
			struct weir_apikey *e = weir_apikey_find(&t, keys[k]);

			if (gone[k]) {
				assert_null(e);
			} else {
				assert_non_null(e);
				assert_int_equal(e->tier, k);
			}
		}
	}
	assert_int_equal(t.n, 0);
	weir_apikey_table_free(&t);
}

static void
remove_orders(const uint32_t homes[PERM_N])
{
	uint8_t keys[PERM_N][32];
	int order[PERM_N], c[PERM_N] = {0};
	int i, perms = 0;

	for (i = 0; i < PERM_N; i++) {
		hash_home(keys[i], homes[i], (uint32_t)i);
		order[i] = i;
	}
	/* Heap's algorithm: all 5040 orders. */
	perm_check(keys, order);
	perms++;
	i = 0;
	while (i < PERM_N) {
		if (c[i] < i) {
			int j = i % 2 ? c[i] : 0, tmp = order[j];

			order[j] = order[i];
			order[i] = tmp;
			perm_check(keys, order);
			perms++;
			c[i]++;
			i = 0;
		} else {
			c[i] = 0;
			i++;
		}
	}
	assert_int_equal(perms, 5040);
}

static void
test_remove_orders(void **state)
{
	/* Homes in a 16-slot table, added in this order. */
	/* Slots 14 15 0 1 2 3 13: two runs that merge across the end. */
	static const uint32_t merged[PERM_N] = {14, 14, 15, 0, 0, 1, 13};
	/* Slots 13 14 15 0 1 2 3: keys at their home (14, 15, 0) between keys
	 * that may move back past them (the shift must not stop there). */
	static const uint32_t interleaved[PERM_N] = {13, 14, 13, 15, 0, 14, 1};

	(void)state;
	remove_orders(merged);
	remove_orders(interleaved);
}

/* ---- against a reference model ---- */

struct model_key {
	uint8_t hash[32];
	int present;
	uint8_t tier;
	char owner[WEIR_APIKEY_OWNER_MAX];
};

static void
model_check(const struct weir_apikey_table *t, const struct model_key *m, size_t pool,
	    uint32_t count)
{
	size_t i;

	assert_int_equal(t->n, count);
	check_table(t);
	for (i = 0; i < pool; i++) {
		struct weir_apikey *e = weir_apikey_find(t, m[i].hash);

		if (!m[i].present) {
			assert_null(e);
			continue;
		}
		assert_non_null(e);
		assert_memory_equal(e->hash, m[i].hash, 32);
		assert_int_equal(e->tier, m[i].tier);
		assert_string_equal(e->owner, m[i].owner);
	}
}

/*
 * Random adds, removes and finds over a pool of keys, checked op by op
 * against the model, with every key of the pool checked every few ops.
 * window > 0: every home falls in the last window slots of the table, so
 * all the keys share a few long runs that wrap around the end.
 */
static void
model_run(const char *name, uint32_t capacity, size_t pool, uint32_t window, unsigned int ops,
	  unsigned int check_every)
{
	struct weir_apikey_table t;
	struct weir_test_rng r;
	struct model_key *m = calloc(pool, sizeof(*m));
	uint32_t count = 0, max, removed = 0, refused_full = 0;
	unsigned int op;
	size_t i;

	assert_non_null(m);
	weir_test_rng_init(&r, name, capacity);
	assert_int_equal(weir_apikey_table_init(&t, capacity), 0);
	max = (t.mask + 1) / 2;
	for (i = 0; i < pool; i++) {
		weir_test_rng_fill(&r, m[i].hash, 32);
		if (window) {
			uint32_t h = t.mask - (uint32_t)weir_test_rng_below(&r, window);

			/* High bits random too: only the masked ones pick the home. */
			h |= (uint32_t)weir_test_rng_u64(&r) & ~t.mask;
			m[i].hash[0] = (uint8_t)(h >> 24);
			m[i].hash[1] = (uint8_t)(h >> 16);
			m[i].hash[2] = (uint8_t)(h >> 8);
			m[i].hash[3] = (uint8_t)h;
		}
	}
	for (op = 0; op < ops; op++) {
		struct model_key *k = &m[weir_test_rng_below(&r, pool)];
		uint64_t what = weir_test_rng_below(&r, 10);
		struct weir_apikey *e;
		int rc;

		if (what < 5) { /* add (grows until full, then churns there) */
			uint8_t tier = (uint8_t)weir_test_rng_u64(&r);
			char owner[WEIR_APIKEY_OWNER_MAX];

			snprintf(owner, sizeof(owner), "owner-%u-%u", op, tier);
			rc = weir_apikey_add(&t, k->hash, tier, owner);
			if (k->present) {
				assert_int_equal(rc, -EEXIST);
			} else if (count == max) {
				assert_int_equal(rc, -ENOSPC);
				refused_full++;
			} else {
				assert_int_equal(rc, 0);
				k->present = 1;
				k->tier = tier;
				strcpy(k->owner, owner);
				count++;
			}
		} else if (what < 8) { /* remove */
			rc = weir_apikey_remove(&t, k->hash);
			if (k->present) {
				assert_int_equal(rc, 0);
				k->present = 0;
				count--;
				removed++;
			} else {
				assert_int_equal(rc, -ENOENT);
			}
		} else { /* find, and block it sometimes (a change in place) */
			e = weir_apikey_find(&t, k->hash);
			if (!k->present) {
				assert_null(e);
			} else {
				assert_non_null(e);
				assert_int_equal(e->tier, k->tier);
				assert_string_equal(e->owner, k->owner);
				e->blocked = !e->blocked;
			}
		}
		assert_int_equal(t.n, count);
		if (op % check_every == 0)
			model_check(&t, m, pool, count);
	}
	model_check(&t, m, pool, count);
	/* The run did what it is for: filled up, and removed a lot. */
	assert_true(refused_full > 0);
	assert_true(removed > ops / 10);
	/* Remove everything: every remaining key findable until its turn. */
	for (i = 0; i < pool; i++) {
		if (!m[i].present)
			continue;
		assert_int_equal(weir_apikey_remove(&t, m[i].hash), 0);
		m[i].present = 0;
		count--;
		if (i % 64 == 0)
			model_check(&t, m, pool, count);
	}
	model_check(&t, m, pool, 0);
	weir_apikey_table_free(&t);
	free(m);
}

static void
test_model_uniform(void **state)
{
	(void)state;
	/* 4096 slots, up to 2048 keys of a pool of 4000: thousands of keys. */
	model_run("model_uniform", 2048, 4000, 0, 40000, 500);
}

static void
test_model_small(void **state)
{
	(void)state;
	/* 16 slots, 8 keys of 16: every key collides, full most of the time. */
	model_run("model_small", 8, 16, 0, 20000, 1);
}

static void
test_model_wrap(void **state)
{
	(void)state;
	/* 1024 slots, homes in the last 48: one long run wrapping around. */
	model_run("model_wrap", 512, 1000, 48, 20000, 200);
	model_run("model_wrap", 32, 64, 5, 20000, 1);
}

/* ---- copy-on-write ---- */

static void
test_copy(void **state)
{
	struct weir_apikey_table a, b;
	uint8_t h[200][32];
	size_t before;
	int i;

	(void)state;
	before = weir_test_heap_bytes();
	assert_int_equal(weir_apikey_table_init(&a, 256), 0);
	for (i = 0; i < 200; i++)
		hash_home(h[i], (uint32_t)i * 3 / 4, (uint32_t)i); /* some collisions */
	for (i = 0; i < 100; i++)
		assert_int_equal(weir_apikey_add(&a, h[i], (uint8_t)i, "a"), 0);
	assert_int_equal(weir_apikey_table_copy(&b, &a), 0);
	assert_int_equal(b.mask, a.mask);
	assert_int_equal(b.n, 100);
	assert_ptr_not_equal(b.slot, a.slot);
	check_table(&b);

	/* Change a: b does not see it. */
	for (i = 0; i < 50; i++)
		assert_int_equal(weir_apikey_remove(&a, h[i]), 0);
	for (i = 100; i < 150; i++)
		assert_int_equal(weir_apikey_add(&a, h[i], 1, "a"), 0);
	weir_apikey_find(&a, h[60])->blocked = 1;
	weir_apikey_find(&a, h[61])->tier = 200;
	for (i = 0; i < 150; i++) {
		struct weir_apikey *e = weir_apikey_find(&b, h[i]);

		if (i >= 100) {
			assert_null(e);
			continue;
		}
		assert_non_null(e);
		assert_int_equal(e->tier, i);
		assert_int_equal(e->blocked, 0);
		assert_string_equal(e->owner, "a");
	}
	assert_int_equal(b.n, 100);

	/* Change b: a does not see it. */
	for (i = 50; i < 100; i++)
		assert_int_equal(weir_apikey_remove(&b, h[i]), 0);
	assert_int_equal(weir_apikey_add(&b, h[199], 9, "b"), 0);
	assert_null(weir_apikey_find(&a, h[199]));
	for (i = 50; i < 150; i++)
		assert_non_null(weir_apikey_find(&a, h[i]));
	assert_int_equal(weir_apikey_find(&a, h[60])->blocked, 1);
	assert_int_equal(weir_apikey_find(&a, h[61])->tier, 200);
	assert_int_equal(a.n, 100);
	check_table(&a);
	check_table(&b);

	weir_apikey_table_free(&a);
	weir_apikey_table_free(&b);
	assert_int_equal(weir_test_heap_bytes(), before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors), cmocka_unit_test(test_hash_hex),
		cmocka_unit_test(test_key_valid),      cmocka_unit_test(test_id),
		cmocka_unit_test(test_init_sizes),     cmocka_unit_test(test_full),
		cmocka_unit_test(test_owner),	       cmocka_unit_test(test_remove_orders),
		cmocka_unit_test(test_model_uniform),  cmocka_unit_test(test_model_small),
		cmocka_unit_test(test_model_wrap),     cmocka_unit_test(test_copy),
	};

	return weir_test_main(tests);
}
