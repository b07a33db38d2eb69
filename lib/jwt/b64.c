/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * base64url (RFC 4648 section 5) as JWS uses it: no padding, no line
 * breaks, no whitespace, canonical (the bits a last character carries
 * beyond the data are zero), so that a token has one spelling.
 *
 * A 256-entry table gives each byte's value; four characters make three
 * bytes, and a byte outside the alphabet reads as 0xff, whose high bits
 * are OR-ed into one word for the whole segment and tested once: no
 * branch per character.
 */
#include "jwt_priv.h"

/* Each character's value plus one: 0, the default, is a byte outside the alphabet. */
#define A(c, v) [(unsigned char)(c)] = (v) + 1
static const uint8_t b64_tab[256] = {
	A('A', 0),  A('B', 1),	A('C', 2),  A('D', 3),	A('E', 4),  A('F', 5),	A('G', 6),
	A('H', 7),  A('I', 8),	A('J', 9),  A('K', 10), A('L', 11), A('M', 12), A('N', 13),
	A('O', 14), A('P', 15), A('Q', 16), A('R', 17), A('S', 18), A('T', 19), A('U', 20),
	A('V', 21), A('W', 22), A('X', 23), A('Y', 24), A('Z', 25), A('a', 26), A('b', 27),
	A('c', 28), A('d', 29), A('e', 30), A('f', 31), A('g', 32), A('h', 33), A('i', 34),
	A('j', 35), A('k', 36), A('l', 37), A('m', 38), A('n', 39), A('o', 40), A('p', 41),
	A('q', 42), A('r', 43), A('s', 44), A('t', 45), A('u', 46), A('v', 47), A('w', 48),
	A('x', 49), A('y', 50), A('z', 51), A('0', 52), A('1', 53), A('2', 54), A('3', 55),
	A('4', 56), A('5', 57), A('6', 58), A('7', 59), A('8', 60), A('9', 61), A('-', 62),
	A('_', 63),
};
#undef A

/* 0-63, or 0xff outside the alphabet (its 0xc0 bits are the error). */
static inline uint32_t
val(const char *in, size_t i)
{
	return (uint8_t)(b64_tab[(unsigned char)in[i]] - 1);
}

/*
 * The one pass behind both functions below: checks in[0, len) and, if out
 * is not NULL, decodes it there (whatever the verdict, but for a length
 * of 4n+1: out must hold the decoded length, len / 4 * 3 + 2 at most).
 */
static inline long
b64url_pass(const char *in, size_t len, uint8_t *out)
{
	uint32_t bad = 0, v, a, b;
	size_t i, rem = len % 4, full = len - rem;

	if (rem == 1)
		return -1;
	for (i = 0; i < full; i += 4) {
		a = val(in, i);
		b = val(in, i + 1);
		v = val(in, i + 2);
		bad |= a | b | v;
		v = a << 18 | b << 12 | v << 6;
		a = val(in, i + 3);
		bad |= a;
		v |= a;
		if (out != NULL) {
			*out++ = (uint8_t)(v >> 16);
			*out++ = (uint8_t)(v >> 8);
			*out++ = (uint8_t)v;
		}
	}
	/* The last character of 2 (3) carries 4 (2) bits past the data: zero. */
	if (rem == 2) {
		a = val(in, i);
		b = val(in, i + 1);
		bad |= a | b;
		if (out != NULL)
			*out = (uint8_t)(a << 2 | b >> 4);
	} else if (rem == 3) {
		a = val(in, i);
		b = val(in, i + 1);
		v = val(in, i + 2);
		bad |= a | b | v;
		if (out != NULL) {
			out[0] = (uint8_t)(a << 2 | b >> 4);
			out[1] = (uint8_t)(b << 4 | v >> 2);
		}
	}
	if ((bad & 0xc0) != 0 || (rem == 2 && (b & 0x0f) != 0) || (rem == 3 && (v & 0x03) != 0))
		return -1;
	return (long)(full / 4 * 3 + (rem ? rem - 1 : 0));
}

long
jwt_b64url_check(const char *in, size_t len)
{
	return b64url_pass(in, len, NULL);
}

void
jwt_b64url_decode(const char *in, size_t len, uint8_t *out)
{
	b64url_pass(in, len, out);
}

long
jwt_b64url_check_decode(const char *in, size_t len, uint8_t *out)
{
	return b64url_pass(in, len, out);
}
