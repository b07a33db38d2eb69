/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_TEST_TCP_FIXTURE_H
#define WEIR_TEST_TCP_FIXTURE_H

/* Splices and segments made by hand, for the tests of lib/tcp_splice. */

#include <stdint.h>
#include <string.h>

#include "weir_tcp_splice.h"

/* An established splice with these shifts, SACK on both legs. */
static inline struct weir_tcp_splice
splice_manual(uint32_t d_c2b, uint32_t d_b2c)
{
	struct weir_tcp_splice s;

	memset(&s, 0, sizeof(s));
	s.state = WEIR_TCP_SP_ESTABLISHED;
	s.d_c2b = d_c2b;
	s.d_b2c = d_b2c;
	s.flags = WEIR_TCP_SPF_CLIENT_SACK | WEIR_TCP_SPF_BACKEND_SACK;
	return s;
}

static inline struct weir_tcp_seg
seg_mk(uint32_t seq, uint32_t ack, uint16_t win, uint8_t flags, uint32_t len, uint8_t *opts,
       uint8_t opts_len)
{
	struct weir_tcp_seg g;

	memset(&g, 0, sizeof(g));
	g.seq = seq;
	g.ack = ack;
	g.win = win;
	g.flags = flags;
	g.len = len;
	g.opts = opts;
	g.opts_len = opts_len;
	return g;
}

#endif /* WEIR_TEST_TCP_FIXTURE_H */
