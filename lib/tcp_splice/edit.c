/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An edit of the backend's stream (weir_tcp_edit.h): the sequence number
 * arithmetic on both sides of it. The segments are translated by splice.c.
 */
#include "tcp_splice_priv.h"
#include "weir_tcp_edit.h"

/* a is before b (RFC 793 arithmetic). */
static int
before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

void
weir_tcp_edit_start(struct weir_tcp_splice *s, struct weir_tcp_edit *e, uint32_t at, uint32_t del,
		    uint32_t ins)
{
	e->at = at;
	e->del = del;
	e->ins = ins;
	e->d_prev = s->d_b2c;
	s->d_b2c = s->d_b2c + ins - del;
}

int
weir_tcp_edit_overlaps(const struct weir_tcp_edit *e, uint32_t seq, uint32_t len)
{
	return len != 0 && before(seq, e->at + e->del) && before(e->at, seq + len);
}

int
weir_tcp_edit_acked(const struct weir_tcp_edit *e, uint32_t ack)
{
	return !before(ack, e->at + e->d_prev + e->ins);
}

uint32_t
weir_tcp_edit_b2c_seq(const struct weir_tcp_splice *s, const struct weir_tcp_edit *e, uint32_t seq)
{
	if (before(seq, e->at))
		return seq + e->d_prev;
	if (tcp_seq_after(seq, e->at + e->del))
		return seq + s->d_b2c;
	/* Inside, or at its end: a segment from here carries the ins bytes
	 * whole (one that starts at the end is empty, or its data starts
	 * after them, where at + d_prev + ins = at + del + d_b2c). */
	return seq == e->at + e->del ? seq + s->d_b2c : e->at + e->d_prev;
}

uint32_t
weir_tcp_edit_c2b_ack(const struct weir_tcp_splice *s, const struct weir_tcp_edit *e, uint32_t ack)
{
	uint32_t start;

	if (e == NULL)
		return ack - s->d_b2c;
	start = e->at + e->d_prev;
	if (!tcp_seq_after(ack, start))
		return ack - e->d_prev;
	if (before(ack, start + e->ins))
		return e->at;
	return ack - s->d_b2c;
}
