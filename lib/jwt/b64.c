/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * base64url (RFC 4648 section 5) as JWS uses it: no padding, no line
 * breaks, no whitespace, canonical (the bits a last character carries
 * beyond the data are zero), so that a token has one spelling.
 */
#include "jwt_priv.h"

/* 0-63, or 64 for a byte outside the alphabet. */
static uint8_t
b64_val(unsigned char c)
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

long
jwt_b64url_check(const char *in, size_t len)
{
	size_t i;
	uint8_t v = 0;

	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		v = b64_val((unsigned char)in[i]);
		if (v == 64)
			return -1;
	}
	/* The last character of 2 (3) carries 4 (2) bits past the data. */
	if (len % 4 == 2 && (v & 0x0f) != 0)
		return -1;
	if (len % 4 == 3 && (v & 0x03) != 0)
		return -1;
	return (long)(len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0));
}

void
jwt_b64url_decode(const char *in, size_t len, uint8_t *out)
{
	uint32_t acc = 0;
	unsigned int bits = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		acc = (acc << 6) | b64_val((unsigned char)in[i]);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*out++ = (uint8_t)(acc >> bits);
		}
	}
}
