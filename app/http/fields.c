/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The API gate's RateLimit fields in the backend's responses (issue 13,
 * docs/architecture.md "RateLimit fields in responses"). A request the gate
 * let through with limits leaves its fields pending on the connection; the
 * backend's stream is followed response by response (lib/http_lite's
 * response parser and body tracker, the methods of the requests out), and
 * when the response to that request begins with its whole head in one
 * segment, weir edits the head: its fields go before the final CRLF, or
 * replace the backend's own RateLimit lines unless those are at least as
 * restrictive (lib/http_lite's weir_http_rl_merge()) (a segment grown past the client's MSS goes in
 * two). The edit moves the backend-to-client shift at that point (lib/tcp_splice's weir_tcp_edit);
 * every backend segment overlapping the edited bytes, the first and any retransmission, is
 * rewritten with the same bytes from the connection's field slot, kept until the client ACKs them.
 * One edit at a time: a later response gets fields once the client has ACKed the last ones (a
 * client that waits for each response always has). Where any of this cannot hold, the response goes
 * without weir's fields and http_rl_fields_skipped counts it.
 */
#include <string.h>

#include <rte_mbuf.h>

#include "http/http-priv.h"

/* Largest payload of a segment weir rewrites (a 2 KiB mbuf with headers). */
#define FIELDS_FRAME_MAX 1900u

static struct weir_http_fld *
slot(const struct weir_http_worker *hw, const struct weir_http_ctx *x)
{
	return &hw->flds[x->fld - 1];
}

/* Give the slot back; no edit in force any more. */
static void
slot_put(struct weir_http_worker *hw, struct weir_http_ctx *x)
{
	if (x->fld != 0)
		hw->fld_free[hw->n_fld_free++] = x->fld - 1;
	x->fld = 0;
	x->fld_state = WEIR_HTTP_FLD_NONE;
}

/* Fields pending for a response that will not get them. */
static void
skip_pending(struct weir_http_worker *hw, struct weir_http_ctx *x)
{
	if (x->fld_state != WEIR_HTTP_FLD_PENDING)
		return;
	hw->stats.http_rl_fields_skipped++;
	slot_put(hw, x);
}

static void
lose(struct weir_http_worker *hw, struct weir_http_ctx *x)
{
	x->rsp = WEIR_HTTP_B2C_LOST;
	skip_pending(hw, x);
}

const struct weir_tcp_edit *
http_ed(const struct weir_http_worker *hw, const struct weir_http_ctx *x)
{
	return x->fld_state == WEIR_HTTP_FLD_LIVE ? &slot(hw, x)->ed : NULL;
}

void
http_fields_check(struct weir_http_worker *hw, struct weir_http_ctx *x)
{
	if (x->fld_state == WEIR_HTTP_FLD_LIVE && weir_tcp_edit_acked(&slot(hw, x)->ed, x->s.c_ack))
		slot_put(hw, x);
}

void
http_fields_gone(struct weir_http_worker *hw, struct weir_http_ctx *x)
{
	if (x->fld != 0)
		slot_put(hw, x);
}

/* weir's fields for the request about to be sent (its limits o). */
static void
pending(struct weir_http_worker *hw, struct weir_http_ctx *x, const struct weir_gate_out *o)
{
	struct weir_http_fld *f;
	unsigned int k;
	size_t n;

	http_fields_check(hw, x);
	if (x->fld_state != WEIR_HTTP_FLD_NONE || x->rq_sent != x->rq_done || hw->n_fld_free == 0) {
		/* The last fields not ACKed yet, pipelined, no slot. */
		hw->stats.http_rl_fields_skipped++;
		return;
	}
	x->fld = hw->fld_free[--hw->n_fld_free] + 1;
	f = slot(hw, x);
	n = weir_http_rl_fields(f->text, WEIR_HTTP_FIELDS_SLOT - 2, o->rl, o->n_rl,
				weir.cfg->gate->legacy_headers);
	if (n == 0) {
		hw->stats.http_rl_fields_skipped++;
		slot_put(hw, x);
		return;
	}
	/* The most restrictive of weir's policies, as the legacy fields name it. */
	k = weir_http_rl_most(o->rl, o->n_rl);
	f->r = o->rl[k].remaining;
	f->t = o->rl[k].reset_s;
	f->len = (uint16_t)n;
	f->req = x->rq_sent;
	x->fld_state = WEIR_HTTP_FLD_PENDING;
}

void
http_rsp_sent(struct weir_http_worker *hw, struct weir_http_ctx *x, int method)
{
	const struct weir_gate_out *o = hw->gate_allowed;

	hw->gate_allowed = NULL;
	if (x->rsp == WEIR_HTTP_B2C_LOST) {
		if (o != NULL)
			hw->stats.http_rl_fields_skipped++;
		return;
	}
	if ((uint8_t)(x->rq_sent - x->rq_done) >= WEIR_HTTP_RQ_MAX) {
		lose(hw, x); /* more out than weir remembers: their ends are not known */
		return;
	}
	if (o != NULL)
		pending(hw, x, o);
	x->rq_meth[x->rq_sent & (WEIR_HTTP_RQ_MAX - 1)] = (uint8_t)method;
	x->rq_sent++;
}

void
http_rsp_unsent(struct weir_http_worker *hw, struct weir_http_ctx *x)
{
	if (x->rsp == WEIR_HTTP_B2C_LOST || x->rq_sent == x->rq_done)
		return;
	x->rq_sent--;
	if (x->fld_state == WEIR_HTTP_FLD_PENDING && slot(hw, x)->req == x->rq_sent)
		slot_put(hw, x); /* not counted: the request was refused, not answered */
}

void
http_rsp_start(struct weir_http_ctx *x)
{
	x->rsp_nxt = x->s.b_nxt;
	/* A service none of whose routes the gate decides: nothing to follow. */
	if (!http_gate_fields[x->parent])
		x->rsp = WEIR_HTTP_B2C_LOST;
}

/*
 * The response to the pending request begins at backend seq hseq with its head
 * (head[0, hlen), parsed in hw->resp): put weir's fields in force as an
 * edit of it, unless the backend's own are at least as restrictive.
 */
static void
fields_at(struct weir_http_worker *hw, struct weir_http_ctx *x, uint32_t hseq, const uint8_t *head,
	  uint32_t hlen)
{
	struct weir_http_fld *f = slot(hw, x);
	uint32_t first, last;
	long ins = weir_http_rl_merge(&hw->resp, head, hlen, f->text, f->len, WEIR_HTTP_FIELDS_SLOT,
				      f->r, f->t, &first, &last);

	if (ins <= 0) {
		if (ins == 0)
			hw->stats.http_rl_fields_backend++;
		else
			hw->stats.http_rl_fields_skipped++;
		slot_put(hw, x);
		return;
	}
	weir_tcp_edit_start(&x->s, &f->ed, hseq + first, last - first, (uint32_t)ins);
	x->fld_state = WEIR_HTTP_FLD_LIVE;
	hw->stats.http_rl_fields++;
}

/* ---- following the responses -------------------------------------------------------- */

/* The backend's bytes [seq, seq + n) at data, in order. */
static void
follow(struct weir_http_worker *hw, struct weir_http_ctx *x, uint32_t seq, const uint8_t *data,
       uint32_t n)
{
	const struct weir_http_config *h = http_conf(x);
	struct weir_http_limits lim = {h->head_max, h->headers_max, h->target_max};
	struct weir_http_resp *r = &hw->resp;
	uint32_t off = 0;
	int done, rc;
	long k;

	while (off < n && x->rsp != WEIR_HTTP_B2C_LOST) {
		if (x->rsp == WEIR_HTTP_B2C_BODY) {
			k = weir_http_body_feed(&x->rsp_body, data + off, n - off, &done);
			if (k < 0) {
				lose(hw, x);
				break;
			}
			off += (uint32_t)k;
			if (done)
				x->rsp = WEIR_HTTP_B2C_HEAD;
			continue;
		}
		if (x->rq_sent == x->rq_done) {
			lose(hw, x); /* a response to no request (an early 408, say) */
			break;
		}
		weir_http_resp_init(r);
		rc = weir_http_parse_resp(r, data + off, n - off, &lim);
		if (rc <= 0) {
			/* A head cut across segments (or malformed): not followed. */
			lose(hw, x);
			break;
		}
		if (!weir_http_resp_interim(r)) {
			if (x->fld_state == WEIR_HTTP_FLD_PENDING && slot(hw, x)->req == x->rq_done)
				fields_at(hw, x, seq + off, data + off, (uint32_t)rc);
			weir_http_body_resp(&x->rsp_body,
					    x->rq_meth[x->rq_done & (WEIR_HTTP_RQ_MAX - 1)], r);
			x->rq_done++;
			if (x->rsp_body.mode == WEIR_HTTP_BODY_CLOSE ||
			    x->rsp_body.mode == WEIR_HTTP_BODY_OPAQUE)
				lose(hw, x); /* nothing follows that weir could frame */
			else if (x->rsp_body.mode != WEIR_HTTP_BODY_NONE)
				x->rsp = WEIR_HTTP_B2C_BODY;
		}
		off += (uint32_t)rc;
	}
}

const struct weir_tcp_edit *
http_rsp_track(struct weir_http_worker *hw, struct weir_http_ctx *x, const struct weir_tcp_seg *seg,
	       const uint8_t *data)
{
	uint32_t skip;

	/* Only what the splice forwards: data with an ACK, no SYN or RST. */
	if (x->rsp != WEIR_HTTP_B2C_LOST && seg->len != 0 &&
	    (seg->flags & (WEIR_TCP_F_ACK | WEIR_TCP_F_SYN | WEIR_TCP_F_RST)) == WEIR_TCP_F_ACK &&
	    seq_lt(x->rsp_nxt, seg->seq + seg->len)) {
		if (seq_lt(x->rsp_nxt, seg->seq)) {
			lose(hw, x); /* a gap: the bytes in it were never seen */
		} else {
			skip = x->rsp_nxt - seg->seq;
			follow(hw, x, x->rsp_nxt, data + skip, seg->len - skip);
			x->rsp_nxt = seg->seq + seg->len;
		}
	}
	return http_ed(hw, x);
}

/* n bytes from offset off of the three pieces p[] (lengths l[]) into out. */
static void
gather(uint8_t *out, const uint8_t *const p[3], const uint32_t l[3], uint32_t off, uint32_t n)
{
	unsigned int i;

	for (i = 0; i < 3 && n != 0; i++) {
		uint32_t k;

		if (off >= l[i]) {
			off -= l[i];
			continue;
		}
		k = l[i] - off < n ? l[i] - off : n;
		memcpy(out, p[i] + off, k);
		out += k;
		n -= k;
		off = 0;
	}
}

int
http_rsp_rewrite(struct weir_http_worker *hw, uint32_t idx, const struct weir_conn *c,
		 struct weir_http_ctx *x, const struct weir_tcp_seg *seg, uint32_t raw_seq,
		 const uint8_t *data)
{
	const struct weir_tcp_edit *e = http_ed(hw, x);
	uint32_t a, b, n, off, mss = x->s.mss < FIELDS_FRAME_MAX ? x->s.mss : FIELDS_FRAME_MAX;
	const uint8_t *p[3];
	uint32_t l[3];
	uint8_t fl;

	if (e == NULL || !weir_tcp_edit_overlaps(e, raw_seq, seg->len))
		return 0;
	/* The backend's bytes before the edit, weir's, the backend's after it. */
	a = seq_lt(raw_seq, e->at) ? e->at - raw_seq : 0;
	b = seq_lt(e->at + e->del, raw_seq + seg->len) ? raw_seq + seg->len - (e->at + e->del) : 0;
	p[0] = data;
	l[0] = a;
	p[1] = slot(hw, x)->text;
	l[1] = e->ins;
	p[2] = data + seg->len - b;
	l[2] = b;
	n = a + e->ins + b;
	/* Grown past the client's MSS: in two (or more) segments, the FIN on the last. */
	for (off = 0; off < n; off += mss) {
		uint32_t len = n - off < mss ? n - off : mss;

		fl = off + len < n ? (uint8_t)(seg->flags & ~(WEIR_TCP_F_FIN | WEIR_TCP_F_PSH))
				   : seg->flags;
		gather(hw->scratch, p, l, off, len);
		http_frame(hw, idx, c, 0, fl, seg->seq + off, seg->ack, seg->win, hw->scratch, len,
			   seg->opts, seg->opts_len);
	}
	hw->stats.http_bytes_b2c += n;
	return 1;
}
