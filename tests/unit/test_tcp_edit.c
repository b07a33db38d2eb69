/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/tcp_splice's edit of the backend's stream
 * (weir_tcp_edit.h): the sequence arithmetic on both sides of an edit
 * (start, backend seq to client, client ack back, overlap, acked), across
 * the 2^32 wrap; whole segments through an established splice with an edit
 * in force (seq, b_nxt, ack and SACK edges, the window until the inserted
 * bytes are ACKed, with and without window scaling); checksum deltas
 * against a recomputation from scratch in both directions; and the _ed
 * entry points with no edit giving exactly what the plain ones give.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weir_tcp_edit.h"
#include "tcp_fixture.h"
#include "weir_tcp_splice.h"
#include "weir_test.h"

static const struct weir_tcp_cookie_key key_a = {{0x0123456789abcdefULL, 0xfedcba9876543210ULL}};

static void
wr32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24), b[1] = (uint8_t)(v >> 16), b[2] = (uint8_t)(v >> 8),
	b[3] = (uint8_t)v;
}

static uint32_t
rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* NOP NOP SACK with two blocks [l0, r0) [l1, r1). */
static void
sack2(uint8_t o[20], uint32_t l0, uint32_t r0, uint32_t l1, uint32_t r1)
{
	o[0] = 0x01, o[1] = 0x01, o[2] = 0x05, o[3] = 18;
	wr32(o + 4, l0);
	wr32(o + 8, r0);
	wr32(o + 12, l1);
	wr32(o + 16, r1);
}

/* ------------------------------------------------------------------------ */
/* The arithmetic                                                            */

static void
test_edit_start(void **state)
{
	struct weir_tcp_splice s = splice_manual(7, 0x1000);
	struct weir_tcp_edit e;

	(void)state;
	/* More bytes in than out: the shift grows by ins - del. */
	weir_tcp_edit_start(&s, &e, 5000, 10, 50);
	assert_int_equal(e.at, 5000);
	assert_int_equal(e.del, 10);
	assert_int_equal(e.ins, 50);
	assert_int_equal(e.d_prev, 0x1000);
	assert_int_equal(s.d_b2c, 0x1028);
	assert_int_equal(s.d_c2b, 7);
	/* Fewer: it shrinks. */
	s = splice_manual(0, 0x1000);
	weir_tcp_edit_start(&s, &e, 5000, 50, 10);
	assert_int_equal(e.d_prev, 0x1000);
	assert_int_equal(s.d_b2c, 0xfd8);
	/* Across 2^32 both ways. */
	s = splice_manual(0, 0xfffffff0u);
	weir_tcp_edit_start(&s, &e, 0xfffffffeu, 0x10, 0x30);
	assert_int_equal(e.at, 0xfffffffeu);
	assert_int_equal(e.d_prev, 0xfffffff0u);
	assert_int_equal(s.d_b2c, 0x10);
	s = splice_manual(0, 5);
	weir_tcp_edit_start(&s, &e, 1, 20, 0);
	assert_int_equal(e.d_prev, 5);
	assert_int_equal(s.d_b2c, 0xfffffff1u);
	/* A second edit starts from the first's shift. */
	weir_tcp_edit_start(&s, &e, 100, 1, 3);
	assert_int_equal(e.d_prev, 0xfffffff1u);
	assert_int_equal(s.d_b2c, 0xfffffff3u);
}

static void
test_edit_b2c_seq(void **state)
{
	struct weir_tcp_splice s = splice_manual(0, 4096);
	struct weir_tcp_edit e;

	(void)state;
	/* d_prev 4096, d_b2c 4136; the ins bytes are client [9096, 9146). */
	weir_tcp_edit_start(&s, &e, 5000, 10, 50);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 4000), 8096);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 4999), 9095);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 5000), 9096);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 5001), 9096);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 5005), 9096);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 5009), 9096);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 5010), 9146);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 5011), 9147);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 6000), 10136);

	/* The edited range crosses 2^32: backend [0xfffffff0, 0x10), d_prev
	 * 0x100, d_b2c 0x120; the ins bytes are client [0xf0, 0x130). */
	s = splice_manual(0, 0x100);
	weir_tcp_edit_start(&s, &e, 0xfffffff0u, 0x20, 0x40);
	assert_int_equal(s.d_b2c, 0x120);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 0xffffffe0u), 0xe0);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 0xffffffefu), 0xef);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 0xfffffff0u), 0xf0);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 0xffffffffu), 0xf0);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 0), 0xf0);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 0xf), 0xf0);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 0x10), 0x130);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 0x20), 0x140);

	/* Client space wraps instead: d_prev puts at just below 2^32. */
	s = splice_manual(0, 0xfffff000u);
	weir_tcp_edit_start(&s, &e, 0xff0, 0x8, 0x20);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 0xfef), 0xffffffefu);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 0xff4), 0xfffffff0u);
	assert_int_equal(weir_tcp_edit_b2c_seq(&s, &e, 0xff8), 0x10);
}

static void
test_edit_c2b_ack(void **state)
{
	struct weir_tcp_splice s = splice_manual(0, 4096);
	struct weir_tcp_edit e;

	(void)state;
	weir_tcp_edit_start(&s, &e, 5000, 10, 50);
	/* Up to the region's start: minus d_prev. */
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 9000), 4904);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 9095), 4999);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 9096), 5000);
	/* Inside the ins bytes: at. */
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 9097), 5000);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 9120), 5000);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 9145), 5000);
	/* Their end and after: minus d_b2c. */
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 9146), 5010);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 9200), 5064);
	/* No edit: ack - d_b2c, whatever the region would have said. */
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, NULL, 9000), 4864);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, NULL, 9120), 4984);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, NULL, 9200), 5064);

	/* Fewer bytes in: the ins bytes are [9096, 9106). */
	s = splice_manual(0, 4096);
	weir_tcp_edit_start(&s, &e, 5000, 50, 10);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 9096), 5000);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 9105), 5000);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 9106), 5050);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 9110), 5054);

	/* Across the wrap (the edit of test_edit_b2c_seq). */
	s = splice_manual(0, 0x100);
	weir_tcp_edit_start(&s, &e, 0xfffffff0u, 0x20, 0x40);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 0xe0), 0xffffffe0u);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 0xf0), 0xfffffff0u);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 0xf1), 0xfffffff0u);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 0x12f), 0xfffffff0u);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 0x130), 0x10);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, &e, 0x140), 0x20);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, NULL, 0x140), 0x20);
	assert_int_equal(weir_tcp_edit_c2b_ack(&s, NULL, 0xe0), 0xffffffc0u);
}

static void
test_edit_overlaps_acked(void **state)
{
	struct weir_tcp_splice s = splice_manual(0, 4096);
	struct weir_tcp_edit e;

	(void)state;
	weir_tcp_edit_start(&s, &e, 5000, 10, 50);
	/* len 0 never. */
	assert_int_equal(weir_tcp_edit_overlaps(&e, 5000, 0), 0);
	assert_int_equal(weir_tcp_edit_overlaps(&e, 5005, 0), 0);
	/* Ends at at; one byte more. */
	assert_int_equal(weir_tcp_edit_overlaps(&e, 4990, 10), 0);
	assert_int_equal(weir_tcp_edit_overlaps(&e, 4990, 11), 1);
	/* Starts at at + del; one byte earlier. */
	assert_int_equal(weir_tcp_edit_overlaps(&e, 5010, 5), 0);
	assert_int_equal(weir_tcp_edit_overlaps(&e, 5009, 1), 1);
	assert_int_equal(weir_tcp_edit_overlaps(&e, 5000, 1), 1);
	assert_int_equal(weir_tcp_edit_overlaps(&e, 5003, 2), 1);
	/* Spans it. */
	assert_int_equal(weir_tcp_edit_overlaps(&e, 4000, 2000), 1);
	assert_int_equal(weir_tcp_edit_overlaps(&e, 100, 200), 0);
	assert_int_equal(weir_tcp_edit_overlaps(&e, 6000, 200), 0);
	/* acked: from at + d_prev + ins = 9146 on. */
	assert_int_equal(weir_tcp_edit_acked(&e, 9000), 0);
	assert_int_equal(weir_tcp_edit_acked(&e, 9096), 0);
	assert_int_equal(weir_tcp_edit_acked(&e, 9145), 0);
	assert_int_equal(weir_tcp_edit_acked(&e, 9146), 1);
	assert_int_equal(weir_tcp_edit_acked(&e, 9200), 1);

	/* Across the wrap: backend [0xfffffff0, 0x10), client end 0x130. */
	s = splice_manual(0, 0x100);
	weir_tcp_edit_start(&s, &e, 0xfffffff0u, 0x20, 0x40);
	assert_int_equal(weir_tcp_edit_overlaps(&e, 0xffffffe0u, 0x10), 0);
	assert_int_equal(weir_tcp_edit_overlaps(&e, 0xffffffe0u, 0x11), 1);
	assert_int_equal(weir_tcp_edit_overlaps(&e, 0xfffffff8u, 0x10), 1);
	assert_int_equal(weir_tcp_edit_overlaps(&e, 0xf, 1), 1);
	assert_int_equal(weir_tcp_edit_overlaps(&e, 0x10, 5), 0);
	assert_int_equal(weir_tcp_edit_overlaps(&e, 0xffffff00u, 0x200), 1);
	assert_int_equal(weir_tcp_edit_acked(&e, 0x12f), 0);
	assert_int_equal(weir_tcp_edit_acked(&e, 0x130), 1);
	assert_int_equal(weir_tcp_edit_acked(&e, 0xfffffff0u), 0);
}

/* ------------------------------------------------------------------------ */
/* Segments through an established splice                                   */

static const struct weir_tcp_sp_conf conf = {.mss = 1400, .syn_win = 64240, .wscale = 9};

struct hs {
	struct weir_tcp_flow f;
	struct weir_tcp_splice s;
	uint32_t c_isn, w_isn, b_isn;
};

/* MSS 1460, SACK-permitted, timestamps, wscale 7 (Linux). */
static uint8_t client_syn_ws[20] = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x01,
				    0x02, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
/* MSS 1460, SACK-permitted, no window scale. */
static uint8_t client_syn_nows[8] = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x01, 0x01};
/* MSS, NOP NOP SACK-permitted, wscale 7. */
static uint8_t backend_synack_opts[12] = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x01,
					  0x04, 0x02, 0x01, 0x03, 0x03, 0x07};

/* A splice in ESTABLISHED, as weir gets one: cookie handshake with the
 * client, SYN-ACK from the backend. */
static void
hs_establish(struct hs *h, uint8_t *syn_opts, uint8_t syn_opts_len)
{
	struct weir_tcp_emit e;
	struct weir_tcp_seg g;
	struct weir_tcp_flow f;
	uint32_t acc = 0;

	memset(h, 0, sizeof(*h));
	memset(&f, 0, sizeof(f));
	f.family = 4;
	f.saddr[0] = 198, f.saddr[1] = 51, f.saddr[2] = 100, f.saddr[3] = 7;
	f.daddr[0] = 203, f.daddr[1] = 0, f.daddr[2] = 113, f.daddr[3] = 10;
	f.sport = 40001;
	f.dport = 443;
	h->f = f;
	h->c_isn = 0xfffffff0u;
	g = seg_mk(h->c_isn, 0, 65535, WEIR_TCP_F_SYN, 0, syn_opts, syn_opts_len);
	assert_int_equal(weir_tcp_sp_synack(&conf, &key_a, &h->f, &g, 777, &e), 0);
	h->w_isn = e.seq;
	g = seg_mk(h->c_isn + 1, h->w_isn + 1, 1000, WEIR_TCP_F_ACK, 0, NULL, 0);
	assert_int_equal(weir_tcp_sp_accept(&h->s, &conf, &key_a, &h->f, &g, 778, &e),
			 WEIR_TCP_SP_EMIT_BACKEND);
	h->b_isn = 0x7ffffff8u;
	g = seg_mk(h->b_isn, h->c_isn + 1, 65160, WEIR_TCP_F_SYN | WEIR_TCP_F_ACK, 0,
		   backend_synack_opts, sizeof(backend_synack_opts));
	assert_int_equal(weir_tcp_sp_from_backend(&h->s, &g, &acc, &e),
			 WEIR_TCP_SP_EMIT_BACKEND | WEIR_TCP_SP_FLUSH);
	assert_int_equal(h->s.state, WEIR_TCP_SP_ESTABLISHED);
	assert_int_equal(h->s.d_b2c, h->w_isn - h->b_isn);
	assert_true(h->s.flags & WEIR_TCP_SPF_BACKEND_SACK);
}

/*
 * The edit used below: the backend's bytes b_isn + [101, 121) reach the
 * client as 404 bytes, client w_isn + [101, 505); ins - del = 384 = 3 << 7.
 */
#define AT_OFF 101u
#define DEL 20u
#define INS 404u

static void
test_seg_backend(void **state)
{
	struct weir_tcp_emit out;
	struct weir_tcp_seg g;
	struct weir_tcp_edit e;
	struct hs h;
	uint32_t acc = 0, d0;

	(void)state;
	hs_establish(&h, client_syn_ws, sizeof(client_syn_ws));
	d0 = h.s.d_b2c;
	weir_tcp_edit_start(&h.s, &e, h.b_isn + AT_OFF, DEL, INS);
	assert_int_equal(e.d_prev, d0);
	assert_int_equal(h.s.d_b2c, d0 + 384);

	/* Before the edit: the old shift. */
	g = seg_mk(h.b_isn + 1, h.c_isn + 1, 100, WEIR_TCP_F_ACK, 100, NULL, 0);
	assert_int_equal(weir_tcp_edit_overlaps(&e, g.seq, g.len), 0);
	assert_int_equal(weir_tcp_sp_from_backend_ed(&h.s, &e, &g, &acc, &out),
			 WEIR_TCP_SP_FORWARD);
	assert_int_equal(g.seq, h.w_isn + 1);
	assert_int_equal(g.ack, h.c_isn + 1);
	assert_int_equal(g.len, 100);
	assert_int_equal(g.win, 25); /* 100 << 7 >> 9 */
	assert_int_equal(h.s.b_nxt, h.b_isn + 101);

	/* Overlapping, from at: starts where the ins bytes start. */
	g = seg_mk(h.b_isn + 101, h.c_isn + 1, 100, WEIR_TCP_F_ACK, 50, NULL, 0);
	assert_int_equal(weir_tcp_edit_overlaps(&e, g.seq, g.len), 1);
	assert_int_equal(weir_tcp_sp_from_backend_ed(&h.s, &e, &g, &acc, &out),
			 WEIR_TCP_SP_FORWARD);
	assert_int_equal(g.seq, h.w_isn + 101);
	assert_int_equal(g.len, 50);
	assert_int_equal(h.s.b_nxt, h.b_isn + 151);
	/* A retransmission cut inside the edited bytes: the same place. */
	g = seg_mk(h.b_isn + 111, h.c_isn + 1, 100, WEIR_TCP_F_ACK, 30, NULL, 0);
	assert_int_equal(weir_tcp_edit_overlaps(&e, g.seq, g.len), 1);
	assert_int_equal(weir_tcp_sp_from_backend_ed(&h.s, &e, &g, &acc, &out),
			 WEIR_TCP_SP_FORWARD);
	assert_int_equal(g.seq, h.w_isn + 101);
	assert_int_equal(g.len, 30);
	assert_int_equal(h.s.b_nxt, h.b_isn + 151); /* not moved back */
	/* A segment that ends at at: before, untouched by the edit. */
	g = seg_mk(h.b_isn + 91, h.c_isn + 1, 100, WEIR_TCP_F_ACK, 10, NULL, 0);
	assert_int_equal(weir_tcp_edit_overlaps(&e, g.seq, g.len), 0);
	assert_int_equal(weir_tcp_sp_from_backend_ed(&h.s, &e, &g, &acc, &out),
			 WEIR_TCP_SP_FORWARD);
	assert_int_equal(g.seq, h.w_isn + 91);

	/* After: from at + del on, the new shift. */
	g = seg_mk(h.b_isn + 121, h.c_isn + 1, 100, WEIR_TCP_F_ACK, 40, NULL, 0);
	assert_int_equal(weir_tcp_edit_overlaps(&e, g.seq, g.len), 0);
	assert_int_equal(weir_tcp_sp_from_backend_ed(&h.s, &e, &g, &acc, &out),
			 WEIR_TCP_SP_FORWARD);
	assert_int_equal(g.seq, h.w_isn + 505);
	assert_int_equal(g.len, 40);
	assert_int_equal(h.s.b_nxt, h.b_isn + 161);
	g = seg_mk(h.b_isn + 161, h.c_isn + 1, 100, WEIR_TCP_F_ACK | WEIR_TCP_F_FIN, 10, NULL, 0);
	assert_int_equal(weir_tcp_sp_from_backend_ed(&h.s, &e, &g, &acc, &out),
			 WEIR_TCP_SP_FORWARD);
	assert_int_equal(g.seq, h.w_isn + 545);
	assert_int_equal(h.s.b_nxt, h.b_isn + 172);
	assert_int_equal(h.s.fin_b, h.b_isn + 171);
	assert_int_equal(h.s.state, WEIR_TCP_SP_FIN_WAIT);
}

static void
test_seg_client_ack_sack(void **state)
{
	uint8_t o[20];
	struct weir_tcp_emit out;
	struct weir_tcp_seg g;
	struct weir_tcp_edit e;
	struct hs h;
	uint32_t acc = 0;

	(void)state;
	hs_establish(&h, client_syn_ws, sizeof(client_syn_ws));
	weir_tcp_edit_start(&h.s, &e, h.b_isn + AT_OFF, DEL, INS);

	/* ACK up to the region's start; SACKs the bytes after it and part of
	 * the ins bytes up to their end. */
	sack2(o, h.w_isn + 505, h.w_isn + 545, h.w_isn + 300, h.w_isn + 505);
	g = seg_mk(h.c_isn + 1, h.w_isn + 101, 1000, WEIR_TCP_F_ACK, 0, o, sizeof(o));
	assert_int_equal(weir_tcp_sp_from_client_ed(&h.s, &e, &g, &acc, &out), WEIR_TCP_SP_FORWARD);
	assert_int_equal(g.seq, h.c_isn + 1);
	assert_int_equal(g.ack, h.b_isn + 101);
	assert_int_equal(rd32(o + 4), h.b_isn + 121);
	assert_int_equal(rd32(o + 8), h.b_isn + 161);
	assert_int_equal(rd32(o + 12), h.b_isn + 101);
	assert_int_equal(rd32(o + 16), h.b_isn + 121);
	assert_int_equal(o[2], 0x05);
	assert_int_equal(o[3], 18);
	assert_int_equal(h.s.c_ack, h.w_isn + 101); /* kept in the client's space */

	/* ACK before the region, SACK edges before it and inside it. */
	sack2(o, h.w_isn + 50, h.w_isn + 101, h.w_isn + 102, h.w_isn + 504);
	g = seg_mk(h.c_isn + 1, h.w_isn + 40, 1000, WEIR_TCP_F_ACK, 0, o, sizeof(o));
	assert_int_equal(weir_tcp_sp_from_client_ed(&h.s, &e, &g, &acc, &out), WEIR_TCP_SP_FORWARD);
	assert_int_equal(g.ack, h.b_isn + 40);
	assert_int_equal(rd32(o + 4), h.b_isn + 50);
	assert_int_equal(rd32(o + 8), h.b_isn + 101);
	assert_int_equal(rd32(o + 12), h.b_isn + 101);
	assert_int_equal(rd32(o + 16), h.b_isn + 101);

	/* ACK inside the ins bytes: at. */
	g = seg_mk(h.c_isn + 1, h.w_isn + 300, 1000, WEIR_TCP_F_ACK, 0, NULL, 0);
	assert_int_equal(weir_tcp_sp_from_client_ed(&h.s, &e, &g, &acc, &out), WEIR_TCP_SP_FORWARD);
	assert_int_equal(g.ack, h.b_isn + 101);
	/* At their end and after: the new shift. */
	g = seg_mk(h.c_isn + 1, h.w_isn + 505, 1000, WEIR_TCP_F_ACK, 0, NULL, 0);
	assert_int_equal(weir_tcp_sp_from_client_ed(&h.s, &e, &g, &acc, &out), WEIR_TCP_SP_FORWARD);
	assert_int_equal(g.ack, h.b_isn + 121);
	assert_true(weir_tcp_edit_acked(&e, h.s.c_ack));
	g = seg_mk(h.c_isn + 1, h.w_isn + 545, 1000, WEIR_TCP_F_ACK, 0, NULL, 0);
	assert_int_equal(weir_tcp_sp_from_client_ed(&h.s, &e, &g, &acc, &out), WEIR_TCP_SP_FORWARD);
	assert_int_equal(g.ack, h.b_isn + 161);
}

/* The edit brings d_b2c to 0: the SACK edges are still mapped through it. */
static void
test_seg_sack_zero_shift(void **state)
{
	uint8_t o[20];
	struct weir_tcp_splice s = splice_manual(0, (uint32_t)-384);
	struct weir_tcp_emit out;
	struct weir_tcp_seg g;
	struct weir_tcp_edit e;
	uint32_t acc = 0;

	(void)state;
	weir_tcp_edit_start(&s, &e, 1000, DEL, INS);
	assert_int_equal(s.d_b2c, 0);
	/* The ins bytes are client [616, 1020); backend [1000, 1020). */
	sack2(o, 700, 1020, 1020, 1100);
	g = seg_mk(50, 616, 1000, WEIR_TCP_F_ACK, 0, o, sizeof(o));
	assert_int_equal(weir_tcp_sp_from_client_ed(&s, &e, &g, &acc, &out), WEIR_TCP_SP_FORWARD);
	assert_int_equal(g.ack, 1000);
	assert_int_equal(rd32(o + 4), 1000);
	assert_int_equal(rd32(o + 8), 1020);
	assert_int_equal(rd32(o + 12), 1020);
	assert_int_equal(rd32(o + 16), 1100);
	assert_int_equal(g.win, 616);
	/* Without the edit nothing would move: d_b2c is 0. */
	sack2(o, 700, 1020, 1020, 1100);
	g = seg_mk(50, 616, 1000, WEIR_TCP_F_ACK, 0, o, sizeof(o));
	assert_int_equal(weir_tcp_sp_from_client_ed(&s, NULL, &g, &acc, &out), WEIR_TCP_SP_FORWARD);
	assert_int_equal(g.ack, 616);
	assert_int_equal(rd32(o + 4), 700);
}

/* One client ACK (ack in the client's space) through the splice: the
 * window forwarded. */
static uint16_t
c_win(struct hs *h, const struct weir_tcp_edit *e, uint32_t ack, uint16_t win)
{
	struct weir_tcp_emit out;
	struct weir_tcp_seg g;
	uint32_t acc = 0;

	g = seg_mk(h->c_isn + 1, ack, win, WEIR_TCP_F_ACK, 0, NULL, 0);
	assert_int_equal(weir_tcp_sp_from_client_ed(&h->s, e, &g, &acc, &out), WEIR_TCP_SP_FORWARD);
	return g.win;
}

static void
test_seg_window(void **state)
{
	struct weir_tcp_edit e;
	struct hs h;

	(void)state;
	/* Scaled: c_ws 7, cb_ws 7; 384 bytes are 3 units. */
	hs_establish(&h, client_syn_ws, sizeof(client_syn_ws));
	assert_int_equal(h.s.c_ws, 7);
	assert_int_equal(h.s.cb_ws, 7);
	assert_int_equal(c_win(&h, NULL, h.w_isn + 1, 1000), 1000);
	weir_tcp_edit_start(&h.s, &e, h.b_isn + AT_OFF, DEL, INS);
	assert_int_equal(c_win(&h, &e, h.w_isn + 1, 1000), 997);
	assert_int_equal(c_win(&h, &e, h.w_isn + 101, 1000), 997);
	assert_int_equal(c_win(&h, &e, h.w_isn + 504, 1000), 997);
	/* 2 or 3 units minus 384 bytes: nothing left (not a wrap); 4: one. */
	assert_int_equal(c_win(&h, &e, h.w_isn + 504, 2), 0);
	assert_int_equal(c_win(&h, &e, h.w_isn + 504, 3), 0);
	assert_int_equal(c_win(&h, &e, h.w_isn + 504, 4), 1);
	/* ACKed: the window as it is. */
	assert_int_equal(c_win(&h, &e, h.w_isn + 505, 1000), 1000);
	assert_int_equal(c_win(&h, &e, h.w_isn + 900, 1000), 1000);

	/* Unscaled: 384 bytes off the field itself. */
	hs_establish(&h, client_syn_nows, sizeof(client_syn_nows));
	assert_int_equal(h.s.c_ws, 0);
	assert_int_equal(h.s.cb_ws, 0);
	weir_tcp_edit_start(&h.s, &e, h.b_isn + AT_OFF, DEL, INS);
	assert_int_equal(c_win(&h, &e, h.w_isn + 1, 1000), 616);
	assert_int_equal(c_win(&h, &e, h.w_isn + 300, 65535), 65151);
	assert_int_equal(c_win(&h, &e, h.w_isn + 300, 384), 0);
	assert_int_equal(c_win(&h, &e, h.w_isn + 300, 100), 0);
	assert_int_equal(c_win(&h, &e, h.w_isn + 505, 1000), 1000);

	/* Fewer bytes in than out: never reduced. */
	hs_establish(&h, client_syn_ws, sizeof(client_syn_ws));
	weir_tcp_edit_start(&h.s, &e, h.b_isn + AT_OFF, INS, DEL);
	assert_int_equal(c_win(&h, &e, h.w_isn + 1, 1000), 1000);
	assert_int_equal(c_win(&h, &e, h.w_isn + 101, 1000), 1000);
}

/* ------------------------------------------------------------------------ */
/* Checksums                                                                 */

/* RFC 1071: the ones' complement sum of 16-bit words (a last odd byte
 * padded with zero), added to sum. */
static uint32_t
sum1071(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

struct tcpkt {
	uint8_t ph[12];		 /* IPv4 pseudo-header */
	uint8_t t[20 + 20 + 33]; /* header, options, payload */
	size_t len;
};

/* The checksum field from scratch: over the pseudo-header and the segment
 * with the field zero. */
static uint16_t
csum_scratch(const struct tcpkt *p)
{
	uint8_t t[sizeof(p->t)];

	memcpy(t, p->t, p->len);
	t[16] = t[17] = 0;
	return (uint16_t)~sum1071(t, p->len, sum1071(p->ph, sizeof(p->ph), 0));
}

static void
tcpkt_init(struct tcpkt *p, const struct weir_tcp_seg *g, const uint8_t *opts, size_t opts_len,
	   size_t pay)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->len = 20 + opts_len + pay;
	p->ph[0] = 10, p->ph[1] = 1, p->ph[2] = 2, p->ph[3] = 3;
	p->ph[4] = 10, p->ph[5] = 9, p->ph[6] = 8, p->ph[7] = 7;
	p->ph[9] = 6;
	p->ph[10] = (uint8_t)(p->len >> 8);
	p->ph[11] = (uint8_t)p->len;
	p->t[0] = 0x01, p->t[1] = 0xbb, p->t[2] = 0x9c, p->t[3] = 0x41;
	wr32(p->t + 4, g->seq);
	wr32(p->t + 8, g->ack);
	p->t[12] = (uint8_t)(((20 + opts_len) / 4) << 4);
	p->t[13] = g->flags;
	p->t[14] = (uint8_t)(g->win >> 8);
	p->t[15] = (uint8_t)g->win;
	if (opts_len > 0)
		memcpy(p->t + 20, opts, opts_len);
	for (i = 0; i < pay; i++)
		p->t[20 + opts_len + i] = (uint8_t)(i * 37 + 11);
	{
		uint16_t c = csum_scratch(p);

		p->t[16] = (uint8_t)(c >> 8);
		p->t[17] = (uint8_t)c;
	}
}

/* Translate pkt's segment (read back from its bytes) with edit e in force,
 * apply the delta and compare with the checksum from scratch. */
static void
csum_check(struct hs *h, const struct weir_tcp_edit *e, struct tcpkt *p, int c2b, uint32_t want_seq,
	   uint32_t want_ack, uint16_t want_win)
{
	struct weir_tcp_emit out;
	struct weir_tcp_seg g;
	uint32_t acc = 0;
	uint16_t old, fixed;

	weir_tcp_seg_read(p->t, (uint32_t)p->len, &g);
	old = (uint16_t)(p->t[16] << 8 | p->t[17]);
	assert_int_equal(old, csum_scratch(p));
	if (c2b)
		assert_int_equal(weir_tcp_sp_from_client_ed(&h->s, e, &g, &acc, &out),
				 WEIR_TCP_SP_FORWARD);
	else
		assert_int_equal(weir_tcp_sp_from_backend_ed(&h->s, e, &g, &acc, &out),
				 WEIR_TCP_SP_FORWARD);
	assert_int_equal(g.seq, want_seq);
	assert_int_equal(g.ack, want_ack);
	assert_int_equal(g.win, want_win);
	/* Write the fields by hand, the field with the delta applied. */
	wr32(p->t + 4, g.seq);
	wr32(p->t + 8, g.ack);
	p->t[14] = (uint8_t)(g.win >> 8);
	p->t[15] = (uint8_t)g.win;
	fixed = weir_tcp_csum_apply(old, acc);
	assert_int_not_equal(fixed, old);
	assert_int_equal(fixed, csum_scratch(p));
	p->t[16] = (uint8_t)(fixed >> 8);
	p->t[17] = (uint8_t)fixed;
	assert_int_equal(sum1071(p->t, p->len, sum1071(p->ph, sizeof(p->ph), 0)), 0xffff);
}

static void
test_seg_csum(void **state)
{
	uint8_t o[20];
	struct weir_tcp_seg g;
	struct weir_tcp_edit e;
	struct tcpkt p;
	struct hs h;

	(void)state;
	hs_establish(&h, client_syn_ws, sizeof(client_syn_ws));
	weir_tcp_edit_start(&h.s, &e, h.b_isn + AT_OFF, DEL, INS);

	/* Client ACK before the ins bytes are ACKed: ack, both SACK blocks and
	 * the window change. */
	sack2(o, h.w_isn + 505, h.w_isn + 545, h.w_isn + 300, h.w_isn + 505);
	g = seg_mk(h.c_isn + 1, h.w_isn + 300, 1000, WEIR_TCP_F_ACK, 0, NULL, 0);
	tcpkt_init(&p, &g, o, sizeof(o), 0);
	csum_check(&h, &e, &p, 1, h.c_isn + 1, h.b_isn + 101, 997);
	assert_int_equal(rd32(p.t + 24), h.b_isn + 121);
	assert_int_equal(rd32(p.t + 36), h.b_isn + 121);
	/* With data (odd length) and a window that is not reduced. */
	sack2(o, h.w_isn + 600, h.w_isn + 700, h.w_isn + 40, h.w_isn + 90);
	g = seg_mk(h.c_isn + 1, h.w_isn + 505, 777, WEIR_TCP_F_ACK | WEIR_TCP_F_PSH, 0, NULL, 0);
	tcpkt_init(&p, &g, o, sizeof(o), 33);
	csum_check(&h, &e, &p, 1, h.c_isn + 1, h.b_isn + 121, 777);
	assert_int_equal(rd32(p.t + 24), h.b_isn + 216);
	assert_int_equal(rd32(p.t + 32), h.b_isn + 40);

	/* Backend segments: overlapping (seq to the region's start), after,
	 * before; the window rescaled 7 -> 9. */
	g = seg_mk(h.b_isn + 111, h.c_isn + 1, 4000, WEIR_TCP_F_ACK | WEIR_TCP_F_PSH, 0, NULL, 0);
	tcpkt_init(&p, &g, NULL, 0, 33);
	csum_check(&h, &e, &p, 0, h.w_isn + 101, h.c_isn + 1, 1000);
	g = seg_mk(h.b_isn + 130, h.c_isn + 1, 4001, WEIR_TCP_F_ACK, 0, NULL, 0);
	tcpkt_init(&p, &g, NULL, 0, 32);
	csum_check(&h, &e, &p, 0, h.w_isn + 514, h.c_isn + 1, 1000);
	g = seg_mk(h.b_isn + 11, h.c_isn + 1, 8, WEIR_TCP_F_ACK, 0, NULL, 0);
	tcpkt_init(&p, &g, NULL, 0, 1);
	csum_check(&h, &e, &p, 0, h.w_isn + 11, h.c_isn + 1, 2);
}

/* ------------------------------------------------------------------------ */
/* No edit: the plain entry points                                           */

static void
same_as_plain(const struct hs *h0, const struct weir_tcp_seg *g0, const uint8_t *opts,
	      size_t opts_len, int c2b)
{
	uint8_t o1[40], o2[40];
	struct weir_tcp_splice s1 = h0->s, s2 = h0->s;
	struct weir_tcp_emit e1, e2;
	struct weir_tcp_seg g1 = *g0, g2 = *g0;
	uint32_t a1 = 0, a2 = 0;
	int r1, r2;

	memset(&e1, 0, sizeof(e1));
	memset(&e2, 0, sizeof(e2));
	memset(o1, 0, sizeof(o1));
	memset(o2, 0, sizeof(o2));
	if (opts_len > 0) {
		memcpy(o1, opts, opts_len);
		memcpy(o2, opts, opts_len);
	}
	g1.opts = opts_len ? o1 : NULL;
	g2.opts = opts_len ? o2 : NULL;
	g1.opts_len = g2.opts_len = (uint8_t)opts_len;
	if (c2b) {
		r1 = weir_tcp_sp_from_client(&s1, &g1, &a1, &e1);
		r2 = weir_tcp_sp_from_client_ed(&s2, NULL, &g2, &a2, &e2);
	} else {
		r1 = weir_tcp_sp_from_backend(&s1, &g1, &a1, &e1);
		r2 = weir_tcp_sp_from_backend_ed(&s2, NULL, &g2, &a2, &e2);
	}
	assert_int_equal(r1, r2);
	assert_int_equal(g1.seq, g2.seq);
	assert_int_equal(g1.ack, g2.ack);
	assert_int_equal(g1.win, g2.win);
	assert_int_equal(g1.len, g2.len);
	assert_int_equal(g1.flags, g2.flags);
	assert_int_equal(a1, a2);
	assert_memory_equal(o1, o2, sizeof(o1));
	assert_memory_equal(&s1, &s2, sizeof(s1));
	assert_memory_equal(&e1, &e2, sizeof(e1));
}

static void
test_no_edit_same(void **state)
{
	uint8_t o[20], bad[3] = {0x02, 0x04, 0x05};
	struct weir_tcp_seg g;
	struct hs h;
	int ws, c2b;

	(void)state;
	for (ws = 0; ws < 2; ws++) {
		if (ws)
			hs_establish(&h, client_syn_ws, sizeof(client_syn_ws));
		else
			hs_establish(&h, client_syn_nows, sizeof(client_syn_nows));
		/* Move d_c2b and d_b2c off their handshake values, as an
		 * earlier edit would. */
		h.s.d_b2c += 384;
		h.s.d_c2b = 0x10;
		for (c2b = 0; c2b < 2; c2b++) {
			uint32_t b = c2b ? h.c_isn : h.b_isn, a = c2b ? h.w_isn : h.c_isn;

			sack2(o, a + 505, a + 545, a + 300, a + 505);
			g = seg_mk(b + 1, a + 300, 1000, WEIR_TCP_F_ACK, 0, NULL, 0);
			same_as_plain(&h, &g, o, sizeof(o), c2b);
			g = seg_mk(b + 1, a + 1, 3, WEIR_TCP_F_ACK | WEIR_TCP_F_PSH, 100, NULL, 0);
			same_as_plain(&h, &g, NULL, 0, c2b);
			g = seg_mk(b + 101, a + 1, 65535, WEIR_TCP_F_ACK | WEIR_TCP_F_FIN, 7, NULL,
				   0);
			same_as_plain(&h, &g, NULL, 0, c2b);
			g = seg_mk(b + 1, 0, 0, WEIR_TCP_F_RST, 0, NULL, 0);
			same_as_plain(&h, &g, NULL, 0, c2b);
			g = seg_mk(b + 1, a + 1, 10, WEIR_TCP_F_PSH, 5, NULL, 0);
			same_as_plain(&h, &g, NULL, 0, c2b);
			g = seg_mk(b + 1, a + 1, 10, WEIR_TCP_F_ACK, 5, NULL, 0);
			same_as_plain(&h, &g, bad, sizeof(bad), c2b);
		}
	}
	/* The SACK stripped when the backend did not agree on it. */
	hs_establish(&h, client_syn_ws, sizeof(client_syn_ws));
	h.s.flags &= (uint8_t)~WEIR_TCP_SPF_BACKEND_SACK;
	sack2(o, h.w_isn + 5, h.w_isn + 9, h.w_isn + 20, h.w_isn + 30);
	g = seg_mk(h.c_isn + 1, h.w_isn + 1, 1000, WEIR_TCP_F_ACK, 0, NULL, 0);
	same_as_plain(&h, &g, o, sizeof(o), 1);
	/* SYN_SENT too. */
	hs_establish(&h, client_syn_ws, sizeof(client_syn_ws));
	h.s.state = WEIR_TCP_SP_SYN_SENT;
	g = seg_mk(h.c_isn + 1, h.w_isn + 1, 1000, WEIR_TCP_F_ACK, 10, NULL, 0);
	same_as_plain(&h, &g, NULL, 0, 1);
	g = seg_mk(h.b_isn, h.c_isn + 1, 1000, WEIR_TCP_F_ACK | WEIR_TCP_F_SYN, 0, NULL, 0);
	same_as_plain(&h, &g, NULL, 0, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edit_start),
		cmocka_unit_test(test_edit_b2c_seq),
		cmocka_unit_test(test_edit_c2b_ack),
		cmocka_unit_test(test_edit_overlaps_acked),
		cmocka_unit_test(test_seg_backend),
		cmocka_unit_test(test_seg_client_ack_sack),
		cmocka_unit_test(test_seg_sack_zero_shift),
		cmocka_unit_test(test_seg_window),
		cmocka_unit_test(test_seg_csum),
		cmocka_unit_test(test_no_edit_same),
	};

	return weir_test_main(tests);
}
