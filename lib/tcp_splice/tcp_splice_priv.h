/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_TCP_SPLICE_PRIV_H
#define WEIR_TCP_SPLICE_PRIV_H

/*
 * Helpers shared by the files of lib/tcp_splice; not part of the API.
 */

#include <stdint.h>

/* Big-endian loads and stores on unaligned option bytes. */
static inline uint16_t
tcp_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
tcp_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
tcp_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
tcp_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* a comes after b in sequence space (RFC 793 arithmetic modulo 2^32). */
static inline int
tcp_seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

#endif /* WEIR_TCP_SPLICE_PRIV_H */
