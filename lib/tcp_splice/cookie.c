/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash-2-4 and the SYN cookie. The layout is documented at
 * weir_tcp_cookie_make() in weir_tcp_splice.h.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "weir_tcp_splice.h"

#define ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND(v0, v1, v2, v3)                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = ROTL64(v1, 13);                                                               \
		v1 ^= v0;                                                                          \
		v0 = ROTL64(v0, 32);                                                               \
		v2 += v3;                                                                          \
		v3 = ROTL64(v3, 16);                                                               \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = ROTL64(v3, 21);                                                               \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = ROTL64(v1, 17);                                                               \
		v1 ^= v2;                                                                          \
		v2 = ROTL64(v2, 32);                                                               \
	} while (0)

static uint64_t
rd64le(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t
weir_tcp_siphash24(const uint64_t key[2], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v0 = key[0] ^ 0x736f6d6570736575ULL;
	uint64_t v1 = key[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = key[0] ^ 0x6c7967656e657261ULL;
	uint64_t v3 = key[1] ^ 0x7465646279746573ULL;
	uint64_t m, b = (uint64_t)len << 56;
	size_t i, tail = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = rd64le(p + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	while (tail-- > 0)
		b |= (uint64_t)p[i + tail] << (8 * tail);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * MSS values clients commonly send: Ethernet (1460, 1440 for v6), PPPoE
 * (1452, 1432), tunnels and VPNs (1400 and below), the protocol minimums
 * (536, 1220) and jumbo frames. Ascending: a client gets the largest entry
 * not above its own MSS, so weir never tells the backend more than the
 * client can take.
 */
static const uint16_t mss_v4[WEIR_TCP_COOKIE_MSS_N] = {
	536, 1200, 1300, 1400, 1440, 1452, 1460, 8960,
};
static const uint16_t mss_v6[WEIR_TCP_COOKIE_MSS_N] = {
	1220, 1280, 1340, 1400, 1420, 1432, 1440, 8940,
};

/* x = cookie - H1 - ISN = counter:8 | MAC:16 | data:8 */
#define COOKIE_T_SHIFT 24
#define COOKIE_MAC_SHIFT 8
#define COOKIE_MAC_MASK 0xffffu
#define COOKIE_DATA_MASK 0xffu
#define WS_CODE_NONE 15u

uint32_t
weir_tcp_cookie_counter(uint64_t now_ns)
{
	return (uint32_t)(now_ns / (WEIR_TCP_COOKIE_PERIOD_S * 1000000000ULL));
}

unsigned int
weir_tcp_cookie_mss_index(uint8_t family, uint16_t mss)
{
	const uint16_t *tab = family == 6 ? mss_v6 : mss_v4;
	unsigned int i;

	for (i = WEIR_TCP_COOKIE_MSS_N - 1; i > 0; i--)
		if (mss >= tab[i])
			break;
	return i;
}

uint16_t
weir_tcp_cookie_mss(uint8_t family, unsigned int index)
{
	const uint16_t *tab = family == 6 ? mss_v6 : mss_v4;

	return tab[index & (WEIR_TCP_COOKIE_MSS_N - 1)];
}

/*
 * The hash input: domain byte, family, both addresses (4 or 16 bytes each,
 * zero-padded so v4 and v6 never share an input), both ports big-endian,
 * then the counter for the MAC (whose caller appends the data byte). buf
 * has room for 43 bytes. Returns the length written.
 */
static size_t
flow_input(uint8_t *buf, const struct weir_tcp_flow *f, uint8_t domain, uint32_t t)
{
	size_t alen = f->family == 6 ? 16 : 4;

	memset(buf, 0, 42);
	buf[0] = domain;
	buf[1] = f->family;
	memcpy(buf + 2, f->saddr, alen);
	memcpy(buf + 18, f->daddr, alen);
	buf[34] = (uint8_t)(f->sport >> 8);
	buf[35] = (uint8_t)f->sport;
	buf[36] = (uint8_t)(f->dport >> 8);
	buf[37] = (uint8_t)f->dport;
	if (domain == 1)
		return 38;
	buf[38] = (uint8_t)t;
	buf[39] = (uint8_t)(t >> 8);
	buf[40] = (uint8_t)(t >> 16);
	buf[41] = (uint8_t)(t >> 24);
	return 42;
}

static uint32_t
cookie_h1(const struct weir_tcp_cookie_key *key, const struct weir_tcp_flow *f)
{
	uint8_t buf[42];
	size_t n = flow_input(buf, f, 1, 0);

	return (uint32_t)weir_tcp_siphash24(key->k, buf, n);
}

static uint32_t
cookie_mac(const struct weir_tcp_cookie_key *key, const struct weir_tcp_flow *f, uint32_t t,
	   uint32_t data)
{
	uint8_t buf[43];
	size_t n = flow_input(buf, f, 2, t);

	buf[n++] = (uint8_t)data;
	return (uint32_t)weir_tcp_siphash24(key->k, buf, n) & COOKIE_MAC_MASK;
}

uint32_t
weir_tcp_cookie_make(const struct weir_tcp_cookie_key *key, const struct weir_tcp_flow *f,
		     uint32_t client_isn, uint32_t t, unsigned int mss_index, unsigned int wscale,
		     int sack_ok)
{
	unsigned int ws_code;
	uint32_t data;

	if (wscale == WEIR_TCP_WSCALE_NONE)
		ws_code = WS_CODE_NONE;
	else if (wscale > WEIR_TCP_WSCALE_MAX)
		ws_code = WEIR_TCP_WSCALE_MAX;
	else
		ws_code = wscale;
	data = (mss_index & (WEIR_TCP_COOKIE_MSS_N - 1)) | ws_code << 3 | (sack_ok ? 1u : 0u) << 7;
	return cookie_h1(key, f) + client_isn +
	       ((t << COOKIE_T_SHIFT) | cookie_mac(key, f, t, data) << COOKIE_MAC_SHIFT | data);
}

int
weir_tcp_cookie_check(const struct weir_tcp_cookie_key *key, const struct weir_tcp_flow *f,
		      uint32_t seq, uint32_t ack_seq, uint32_t now,
		      struct weir_tcp_cookie_opts *out)
{
	uint32_t x, age, t, data, ws_code;

	x = (ack_seq - 1) - cookie_h1(key, f) - (seq - 1);
	/* Counters live mod 256 in the cookie; a future one shows as a large age. */
	age = (now - (x >> COOKIE_T_SHIFT)) & 0xff;
	if (age > WEIR_TCP_COOKIE_MAX_AGE)
		return -EACCES;
	t = now - age;
	data = x & COOKIE_DATA_MASK;
	if (((x >> COOKIE_MAC_SHIFT) & COOKIE_MAC_MASK) != cookie_mac(key, f, t, data))
		return -EACCES;
	if (out != NULL) {
		ws_code = (data >> 3) & 0xf;
		out->mss_index = (uint8_t)(data & (WEIR_TCP_COOKIE_MSS_N - 1));
		out->mss = weir_tcp_cookie_mss(f->family, out->mss_index);
		out->wscale = ws_code == WS_CODE_NONE ? WEIR_TCP_WSCALE_NONE : (uint8_t)ws_code;
		out->sack_ok = (uint8_t)(data >> 7);
	}
	return 0;
}
