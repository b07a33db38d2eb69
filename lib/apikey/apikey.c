/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * API keys by their SHA-256: hashing, the hex form of a hash, what a key
 * may be made of, and the table (open addressing, linear probing, at most
 * half full, backward-shift deletion).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "weir_apikey.h"

void
weir_apikey_hash(const uint8_t *key, size_t len, uint8_t out[32])
{
	static const uint8_t empty[1];

	SHA256(len ? key : empty, len, out);
}

static int
hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
weir_apikey_hash_hex(const char *hex, uint8_t out[32])
{
	uint8_t h[32];
	size_t i;

	if (hex == NULL)
		return -EINVAL;
	/* A NUL before the 64th digit is not a hex digit: the loop stops there. */
	for (i = 0; i < 32; i++) {
		int hi = hex_val(hex[2 * i]), lo;

		if (hi < 0)
			return -EINVAL;
		lo = hex_val(hex[2 * i + 1]);
		if (lo < 0)
			return -EINVAL;
		h[i] = (uint8_t)(hi << 4 | lo);
	}
	if (hex[64] != '\0')
		return -EINVAL;
	memcpy(out, h, sizeof(h));
	return 0;
}

int
weir_apikey_key_valid(const uint8_t *key, size_t len)
{
	size_t i;

	if (key == NULL || len < WEIR_APIKEY_KEY_MIN || len > WEIR_APIKEY_KEY_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		uint8_t c = key[i];

		if (c < 0x21 || c > 0x7e || c == ',' || c == ';' || c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

/* The home slot: the hash's first 4 bytes, big-endian, masked. */
static uint32_t
home(const struct weir_apikey_table *t, const uint8_t hash[32])
{
	uint32_t v = (uint32_t)hash[0] << 24 | (uint32_t)hash[1] << 16 | (uint32_t)hash[2] << 8 |
		     (uint32_t)hash[3];

	return v & t->mask;
}

int
weir_apikey_table_init(struct weir_apikey_table *t, uint32_t capacity)
{
	uint32_t slots = 2;

	memset(t, 0, sizeof(*t));
	if (capacity > WEIR_APIKEY_CAPACITY_MAX)
		return -ENOMEM;
	while (slots < 2 * capacity)
		slots <<= 1;
	t->slot = calloc(slots, sizeof(*t->slot));
	if (t->slot == NULL)
		return -ENOMEM;
	t->mask = slots - 1;
	return 0;
}

void
weir_apikey_table_free(struct weir_apikey_table *t)
{
	if (t == NULL)
		return;
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

int
weir_apikey_table_copy(struct weir_apikey_table *dst, const struct weir_apikey_table *src)
{
	size_t slots = (size_t)src->mask + 1;

	memset(dst, 0, sizeof(*dst));
	if (src->slot == NULL)
		return 0;
	dst->slot = malloc(slots * sizeof(*dst->slot));
	if (dst->slot == NULL)
		return -ENOMEM;
	memcpy(dst->slot, src->slot, slots * sizeof(*dst->slot));
	dst->mask = src->mask;
	dst->n = src->n;
	return 0;
}

struct weir_apikey *
weir_apikey_find(const struct weir_apikey_table *t, const uint8_t hash[32])
{
	uint32_t i, probes;

	if (t->slot == NULL)
		return NULL;
	/* At most half full, so an empty slot ends every run; the bound on
	 * probes only guards a table broken from outside. */
	i = home(t, hash);
	for (probes = 0; probes <= t->mask; probes++) {
		struct weir_apikey *e = &t->slot[i];

		if (!e->used)
			return NULL;
		if (memcmp(e->hash, hash, sizeof(e->hash)) == 0)
			return e;
		i = (i + 1) & t->mask;
	}
	return NULL;
}

static int
owner_ok(const char *owner)
{
	size_t i;

	for (i = 0; owner[i] != '\0'; i++) {
		unsigned char c = (unsigned char)owner[i];

		if (i >= WEIR_APIKEY_OWNER_MAX - 1 || c < 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

int
weir_apikey_add(struct weir_apikey_table *t, const uint8_t hash[32], uint8_t tier,
		const char *owner)
{
	static const char digits[] = "0123456789abcdef";
	struct weir_apikey *e;
	uint32_t i;

	if (owner == NULL)
		owner = "";
	if (!owner_ok(owner))
		return -EINVAL;
	if (weir_apikey_find(t, hash) != NULL)
		return -EEXIST;
	if (t->slot == NULL || t->n + 1 > (t->mask + 1) / 2)
		return -ENOSPC;
	i = home(t, hash);
	while (t->slot[i].used)
		i = (i + 1) & t->mask;
	e = &t->slot[i];
	memset(e, 0, sizeof(*e));
	memcpy(e->hash, hash, sizeof(e->hash));
	e->tier = tier;
	e->used = 1;
	strcpy(e->owner, owner);
	for (i = 0; i < 8; i++) {
		e->id[2 * i] = digits[hash[i] >> 4];
		e->id[2 * i + 1] = digits[hash[i] & 15];
	}
	e->id[16] = '\0';
	t->n++;
	return 0;
}

int
weir_apikey_remove(struct weir_apikey_table *t, const uint8_t hash[32])
{
	struct weir_apikey *e = weir_apikey_find(t, hash);
	uint32_t hole, j;

	if (e == NULL)
		return -ENOENT;
	/*
	 * Backward shift: walk the run after the hole; an entry whose home is
	 * not cyclically in (hole, j] may move back into the hole (its probe
	 * from home still reaches it, with no empty slot on the way), which
	 * makes a new hole where it was. The run ends at an empty slot.
	 */
	hole = (uint32_t)(e - t->slot);
	j = hole;
	for (;;) {
		uint32_t k;

		j = (j + 1) & t->mask;
		if (!t->slot[j].used)
			break;
		k = home(t, t->slot[j].hash);
		if (((j - k) & t->mask) >= ((j - hole) & t->mask)) {
			t->slot[hole] = t->slot[j];
			hole = j;
		}
	}
	memset(&t->slot[hole], 0, sizeof(t->slot[hole]));
	t->n--;
	return 0;
}
