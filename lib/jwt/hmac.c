/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HMAC-SHA-256/384/512 (RFC 2104) from states computed once per key: the
 * hash states after absorbing key^ipad and key^opad are kept in the key,
 * and a MAC copies them to the stack and finishes both hashes. Nothing is
 * allocated, no lock is taken, the key is only read: every lcore may
 * verify with one key at once. OpenSSL's one-shot HMAC() fetches HMAC and
 * the digest by name under locks, allocates 13 times and hashes the pads
 * again on every call: about 60 % of a cold HS256 verification.
 *
 * OpenSSL 3 has no non-deprecated way to copy a keyed state without an
 * allocation: EVP_MD_CTX and EVP_MAC_CTX are heap objects, and their
 * copies (EVP_MD_CTX_copy_ex(), EVP_MAC_CTX_dup()) allocate. The
 * low-level SHA256_Init/Update/Final and SHA384/SHA512 ones are
 * deprecated in OpenSSL 3 but still shipped, and their contexts are plain
 * structs: so this file, and only it, suppresses the deprecation.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "jwt_priv.h"

union hmac_state {
	SHA256_CTX s256;
	SHA512_CTX s512;
};

_Static_assert(sizeof(union hmac_state) <= sizeof(((struct weir_jwt_key *)0)->hmac_pads[0]),
	       "struct weir_jwt_key's hmac_pads too small for a SHA512_CTX");

static void
st_init(uint8_t alg, union hmac_state *s)
{
	if (alg == WEIR_JWT_HS256)
		SHA256_Init(&s->s256);
	else if (alg == WEIR_JWT_HS384)
		SHA384_Init(&s->s512);
	else
		SHA512_Init(&s->s512);
}

static void
st_update(uint8_t alg, union hmac_state *s, const void *p, size_t n)
{
	if (alg == WEIR_JWT_HS256)
		SHA256_Update(&s->s256, p, n);
	else /* SHA384_Update is SHA512_Update */
		SHA512_Update(&s->s512, p, n);
}

static void
st_final(uint8_t alg, union hmac_state *s, uint8_t *md)
{
	if (alg == WEIR_JWT_HS256)
		SHA256_Final(md, &s->s256);
	else if (alg == WEIR_JWT_HS384)
		SHA384_Final(md, &s->s512);
	else
		SHA512_Final(md, &s->s512);
}

size_t
jwt_hmac_len(uint8_t alg)
{
	return alg == WEIR_JWT_HS256 ? 32 : alg == WEIR_JWT_HS384 ? 48 : 64;
}

void
jwt_hmac_key(struct weir_jwt_key *k)
{
	uint8_t key[SHA512_CBLOCK], pad[SHA512_CBLOCK];
	size_t block = k->alg == WEIR_JWT_HS256 ? SHA256_CBLOCK : SHA512_CBLOCK, i;
	union hmac_state s;

	/* RFC 2104: a key longer than the block is its hash (an HS256
	 * secret of 65 to 128 bytes), then zeros up to the block. */
	memset(key, 0, sizeof(key));
	if (k->secret_len > block) {
		st_init(k->alg, &s);
		st_update(k->alg, &s, k->secret, k->secret_len);
		st_final(k->alg, &s, key);
	} else {
		memcpy(key, k->secret, k->secret_len);
	}
	for (i = 0; i < block; i++)
		pad[i] = key[i] ^ 0x36;
	st_init(k->alg, &s);
	st_update(k->alg, &s, pad, block);
	memcpy(k->hmac_pads[0], &s, sizeof(s));
	for (i = 0; i < block; i++)
		pad[i] = key[i] ^ 0x5c;
	st_init(k->alg, &s);
	st_update(k->alg, &s, pad, block);
	memcpy(k->hmac_pads[1], &s, sizeof(s));
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(&s, sizeof(s));
}

size_t
jwt_hmac(const struct weir_jwt_key *k, const uint8_t *in, size_t len, uint8_t *mac)
{
	size_t n = jwt_hmac_len(k->alg);
	uint8_t inner[SHA512_DIGEST_LENGTH];
	union hmac_state s;

	/* Copies: the key is shared by every thread and only read. */
	memcpy(&s, k->hmac_pads[0], sizeof(s));
	/* A key not made by weir_jwt_key_hmac() (zeroed, or a secret set by
	 * hand) has no states: its MAC would be anyone's to compute. */
	if ((k->alg == WEIR_JWT_HS256 ? s.s256.md_len : s.s512.md_len) != n)
		return 0;
	st_update(k->alg, &s, in, len);
	st_final(k->alg, &s, inner);
	memcpy(&s, k->hmac_pads[1], sizeof(s));
	st_update(k->alg, &s, inner, n);
	st_final(k->alg, &s, mac);
	/* The stack keeps nothing of the key or the MAC once we return. */
	OPENSSL_cleanse(&s, sizeof(s));
	OPENSSL_cleanse(inner, sizeof(inner));
	return n;
}
