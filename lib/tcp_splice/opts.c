/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP options (parse, SYN/SYN-ACK build) and RFC 1624 incremental checksum
 * deltas.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tcp_splice_priv.h"
#include "weir_tcp_splice.h"

static uint32_t
csum_fold(uint32_t a)
{
	a = (a & 0xffff) + (a >> 16);
	a = (a & 0xffff) + (a >> 16);
	return a;
}

void
weir_tcp_csum_add16(uint32_t *acc, uint16_t old_v, uint16_t new_v)
{
	/* Folding on every add keeps the accumulator from ever overflowing. */
	*acc = csum_fold(*acc + (uint16_t)~old_v + new_v);
}

void
weir_tcp_csum_add32(uint32_t *acc, uint32_t old_v, uint32_t new_v)
{
	weir_tcp_csum_add16(acc, (uint16_t)(old_v >> 16), (uint16_t)(new_v >> 16));
	weir_tcp_csum_add16(acc, (uint16_t)old_v, (uint16_t)new_v);
}

/* One's-complement sum of bytes whose first byte sits at offset parity odd. */
static uint32_t
csum_bytes(const uint8_t *p, size_t len, size_t odd)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum += ((i + odd) & 1) ? p[i] : (uint32_t)p[i] << 8;
	return csum_fold(sum);
}

void
weir_tcp_csum_add_bytes(uint32_t *acc, size_t offset, const uint8_t *old_b, const uint8_t *new_b,
			size_t len)
{
	weir_tcp_csum_add16(acc, (uint16_t)csum_bytes(old_b, len, offset & 1),
			    (uint16_t)csum_bytes(new_b, len, offset & 1));
}

uint16_t
weir_tcp_csum_apply(uint16_t csum, uint32_t acc)
{
	return (uint16_t)~csum_fold((uint16_t)~csum + csum_fold(acc));
}

int
weir_tcp_opts_parse(const uint8_t *opts, size_t len, struct weir_tcp_opts *out)
{
	size_t i = 0, olen, n, k;
	const uint8_t *p;

	memset(out, 0, sizeof(*out));
	if (len > WEIR_TCP_OPTS_MAX)
		return -EINVAL;
	while (i < len) {
		p = opts + i;
		if (p[0] == WEIR_TCP_OPT_EOL)
			break;
		if (p[0] == WEIR_TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return -EINVAL;
		olen = p[1];
		if (olen < 2 || olen > len - i)
			return -EINVAL;
		switch (p[0]) {
		case WEIR_TCP_OPT_MSS:
			if (olen != 4)
				return -EINVAL;
			out->mss = tcp_rd16(p + 2);
			out->present |= WEIR_TCP_HAS_MSS;
			break;
		case WEIR_TCP_OPT_WSCALE:
			if (olen != 3)
				return -EINVAL;
			out->wscale = p[2];
			out->present |= WEIR_TCP_HAS_WSCALE;
			break;
		case WEIR_TCP_OPT_SACK_PERM:
			if (olen != 2)
				return -EINVAL;
			out->present |= WEIR_TCP_HAS_SACK_PERM;
			break;
		case WEIR_TCP_OPT_SACK:
			/* olen <= 40 bounds n to WEIR_TCP_SACK_MAX. */
			if (olen < 10 || (olen - 2) % 8 != 0)
				return -EINVAL;
			n = (olen - 2) / 8;
			for (k = 0; k < n; k++) {
				out->sack[k].left = tcp_rd32(p + 2 + 8 * k);
				out->sack[k].right = tcp_rd32(p + 6 + 8 * k);
			}
			out->n_sack = (uint8_t)n;
			out->present |= WEIR_TCP_HAS_SACK;
			break;
		case WEIR_TCP_OPT_TS:
			if (olen != 10)
				return -EINVAL;
			out->ts_val = tcp_rd32(p + 2);
			out->ts_ecr = tcp_rd32(p + 6);
			out->present |= WEIR_TCP_HAS_TS;
			break;
		default:
			break;
		}
		i += olen;
	}
	return 0;
}

int
weir_tcp_opts_build_syn(uint8_t *buf, size_t cap, const struct weir_tcp_opts *o)
{
	uint8_t tmp[20];
	size_t n = 0;
	int sack = (o->present & WEIR_TCP_HAS_SACK_PERM) != 0;

	if (o->present & WEIR_TCP_HAS_MSS) {
		tmp[n++] = WEIR_TCP_OPT_MSS;
		tmp[n++] = 4;
		tcp_wr16(tmp + n, o->mss);
		n += 2;
	}
	if (o->present & WEIR_TCP_HAS_TS) {
		/* SACK-permitted fills the two bytes timestamps would pad with NOPs. */
		if (sack) {
			tmp[n++] = WEIR_TCP_OPT_SACK_PERM;
			tmp[n++] = 2;
			sack = 0;
		} else {
			tmp[n++] = WEIR_TCP_OPT_NOP;
			tmp[n++] = WEIR_TCP_OPT_NOP;
		}
		tmp[n++] = WEIR_TCP_OPT_TS;
		tmp[n++] = 10;
		tcp_wr32(tmp + n, o->ts_val);
		tcp_wr32(tmp + n + 4, o->ts_ecr);
		n += 8;
	}
	if (sack) {
		tmp[n++] = WEIR_TCP_OPT_NOP;
		tmp[n++] = WEIR_TCP_OPT_NOP;
		tmp[n++] = WEIR_TCP_OPT_SACK_PERM;
		tmp[n++] = 2;
	}
	if (o->present & WEIR_TCP_HAS_WSCALE) {
		tmp[n++] = WEIR_TCP_OPT_NOP;
		tmp[n++] = WEIR_TCP_OPT_WSCALE;
		tmp[n++] = 3;
		tmp[n++] = o->wscale;
	}
	if (n > cap)
		return -ENOSPC;
	if (n > 0)
		memcpy(buf, tmp, n);
	return (int)n;
}
