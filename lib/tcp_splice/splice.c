/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Splice translation and the SYN proxy state machine. See the sequence-space
 * and window-scale notes in weir_tcp_splice.h.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tcp_splice_priv.h"
#include "weir_tcp_edit.h"
#include "weir_tcp_splice.h"

_Static_assert(sizeof(struct weir_tcp_splice) <= 64, "splice state grew past a cache line");

/* Offset of the option area in the TCP header: its parity is even. */
#define TCP_OPTS_OFF 20u
/* Lower bound of the window a RST's seq is checked against. */
#define RST_WIN_MIN 65535u

static unsigned int
ws_clamp(unsigned int ws)
{
	return ws > WEIR_TCP_WSCALE_MAX ? WEIR_TCP_WSCALE_MAX : ws;
}

uint16_t
weir_tcp_win_rescale(uint16_t win, unsigned int in_ws, unsigned int out_ws)
{
	uint32_t bytes;

	in_ws = ws_clamp(in_ws);
	out_ws = ws_clamp(out_ws);
	if (in_ws == out_ws)
		return win;
	/* Round down: never offer the sender more than the receiver offered. */
	bytes = ((uint32_t)win << in_ws) >> out_ws;
	return bytes > 0xffff ? 0xffff : (uint16_t)bytes;
}

/* An ack (or SACK edge) of the receiver's data in its own view: minus the
 * receiver's delta, or through the edit of its stream in force. */
static uint32_t
ack_map(const struct weir_tcp_splice *s, const struct weir_tcp_edit *e, uint32_t v, uint32_t sub)
{
	return e != NULL ? weir_tcp_edit_c2b_ack(s, e, v) : v - sub;
}

/*
 * Rewrite the SACK options of an already validated option area: every edge
 * mapped back (ack_map()), or the whole option turned into NOPs when the
 * receiver did not agree on SACK. Both changes go into the checksum delta
 * at their offsets.
 */
static void
sack_rewrite(uint8_t *opts, size_t len, const struct weir_tcp_splice *s,
	     const struct weir_tcp_edit *e, uint32_t sub, int strip, uint32_t *csum)
{
	uint8_t old[WEIR_TCP_OPTS_MAX];
	uint8_t nb[4];
	size_t i = 0, olen, j;
	uint32_t v;

	while (i < len) {
		if (opts[i] == WEIR_TCP_OPT_EOL)
			break;
		if (opts[i] == WEIR_TCP_OPT_NOP) {
			i++;
			continue;
		}
		olen = opts[i + 1];
		if (opts[i] == WEIR_TCP_OPT_SACK) {
			if (strip) {
				memcpy(old, opts + i, olen);
				memset(opts + i, WEIR_TCP_OPT_NOP, olen);
				weir_tcp_csum_add_bytes(csum, TCP_OPTS_OFF + i, old, opts + i,
							olen);
			} else if (sub != 0 || e != NULL) {
				for (j = i + 2; j < i + olen; j += 4) {
					v = ack_map(s, e, tcp_rd32(opts + j), sub);
					tcp_wr32(nb, v);
					weir_tcp_csum_add_bytes(csum, TCP_OPTS_OFF + j, opts + j,
								nb, 4);
					memcpy(opts + j, nb, 4);
				}
			}
		}
		i += olen;
	}
}

/* A window re-scaled, sub bytes smaller (not below 0). */
static uint16_t
win_less(uint16_t win, unsigned int in_ws, unsigned int out_ws, uint32_t sub)
{
	uint32_t bytes;

	if (sub == 0)
		return weir_tcp_win_rescale(win, in_ws, out_ws);
	bytes = (uint32_t)win << ws_clamp(in_ws);
	bytes = bytes > sub ? bytes - sub : 0;
	bytes >>= ws_clamp(out_ws);
	return bytes > 0xffff ? 0xffff : (uint16_t)bytes;
}

/* How much smaller the client's window is made for the backend while the
 * client has not ACKed (ack) the bytes of edit e. */
static uint32_t
c2b_win_sub(const struct weir_tcp_edit *e, uint32_t ack)
{
	return e != NULL && e->ins > e->del && !weir_tcp_edit_acked(e, ack) ? e->ins - e->del : 0;
}

uint16_t
weir_tcp_edit_c2b_win(const struct weir_tcp_splice *s, const struct weir_tcp_edit *e, uint32_t ack,
		      uint16_t win)
{
	return win_less(win, s->c_ws, s->cb_ws, c2b_win_sub(e, ack));
}

/*
 * The common part of both directions: seq moves by the sender's delta; ack
 * and SACK edges name the receiver's data, so they move back by the
 * receiver's delta (or through e, an edit of the receiver's stream; then
 * the window is win_sub bytes smaller).
 */
static int
translate(const struct weir_tcp_splice *s, struct weir_tcp_seg *seg, uint32_t seq_add,
	  uint32_t ack_sub, const struct weir_tcp_edit *e, uint32_t win_sub, unsigned int in_ws,
	  unsigned int out_ws, int strip_sack, uint32_t *csum)
{
	struct weir_tcp_opts o;
	uint32_t v;
	uint16_t w;

	if (seg->opts_len > 0) {
		if (seg->opts == NULL || weir_tcp_opts_parse(seg->opts, seg->opts_len, &o) < 0)
			return -EINVAL;
		if (o.present & WEIR_TCP_HAS_SACK)
			sack_rewrite(seg->opts, seg->opts_len, s, e, ack_sub, strip_sack, csum);
	}
	v = seg->seq + seq_add;
	weir_tcp_csum_add32(csum, seg->seq, v);
	seg->seq = v;
	if (seg->flags & WEIR_TCP_F_ACK) {
		v = ack_map(s, e, seg->ack, ack_sub);
		weir_tcp_csum_add32(csum, seg->ack, v);
		seg->ack = v;
	}
	w = win_less(seg->win, in_ws, out_ws, win_sub);
	weir_tcp_csum_add16(csum, seg->win, w);
	seg->win = w;
	return 0;
}

/* The client's segment with edit e of the backend's stream in force. */
static int
c2b_ed(const struct weir_tcp_splice *s, const struct weir_tcp_edit *e, struct weir_tcp_seg *seg,
       uint32_t *csum)
{
	return translate(s, seg, s->d_c2b, s->d_b2c, e, c2b_win_sub(e, seg->ack), s->c_ws, s->cb_ws,
			 !(s->flags & WEIR_TCP_SPF_BACKEND_SACK), csum);
}

static int
b2c_ed(const struct weir_tcp_splice *s, const struct weir_tcp_edit *e, struct weir_tcp_seg *seg,
       uint32_t *csum)
{
	uint32_t add = e != NULL ? weir_tcp_edit_b2c_seq(s, e, seg->seq) - seg->seq : s->d_b2c;

	return translate(s, seg, add, s->d_c2b, NULL, 0, s->b_ws, s->adv_ws,
			 !(s->flags & WEIR_TCP_SPF_CLIENT_SACK), csum);
}

int
weir_tcp_splice_c2b(const struct weir_tcp_splice *s, struct weir_tcp_seg *seg, uint32_t *csum)
{
	return c2b_ed(s, NULL, seg, csum);
}

int
weir_tcp_splice_b2c(const struct weir_tcp_splice *s, struct weir_tcp_seg *seg, uint32_t *csum)
{
	return b2c_ed(s, NULL, seg, csum);
}

/* ------------------------------------------------------------------------ */

static void
emit_init(struct weir_tcp_emit *out, uint32_t seq, uint32_t ack, uint16_t win, uint8_t flags)
{
	memset(out, 0, sizeof(*out));
	out->seq = seq;
	out->ack = ack;
	out->win = win;
	out->flags = flags;
}

static void
emit_opts(struct weir_tcp_emit *out, const struct weir_tcp_opts *o)
{
	/* At most 20 bytes: cannot fail with a 40-byte buffer. */
	int n = weir_tcp_opts_build_syn(out->opts, sizeof(out->opts), o);

	out->opts_len = n > 0 ? (uint8_t)n : 0;
}

/* The ACK that completes the backend's handshake (and answers its retransmits). */
static void
emit_backend_ack(const struct weir_tcp_splice *s, struct weir_tcp_emit *out)
{
	emit_init(out, s->c_isn + 1 + s->d_c2b, s->b_isn + 1,
		  weir_tcp_win_rescale(s->c_win, s->c_ws, s->cb_ws), WEIR_TCP_F_ACK);
}

static int
rst_acceptable(uint32_t seq, uint32_t nxt, uint32_t win)
{
	int64_t d = (int32_t)(seq - nxt);

	if (win < RST_WIN_MIN)
		win = RST_WIN_MIN;
	return d >= -(int64_t)win && d <= (int64_t)win;
}

/* Windows in bytes, for RST checks. */
static uint32_t
client_win_bytes(const struct weir_tcp_splice *s)
{
	return (uint32_t)s->c_win << s->c_ws;
}

static uint32_t
backend_win_bytes(const struct weir_tcp_splice *s)
{
	return (uint32_t)s->b_win << s->b_ws;
}

int
weir_tcp_sp_synack(const struct weir_tcp_sp_conf *conf, const struct weir_tcp_cookie_key *key,
		   const struct weir_tcp_flow *f, const struct weir_tcp_seg *syn, uint32_t now,
		   struct weir_tcp_emit *out)
{
	struct weir_tcp_opts o, a;
	unsigned int ws, idx;
	uint16_t mss;

	if ((syn->flags & (WEIR_TCP_F_SYN | WEIR_TCP_F_ACK | WEIR_TCP_F_RST | WEIR_TCP_F_FIN)) !=
	    WEIR_TCP_F_SYN)
		return -EINVAL;
	if (syn->opts_len > 0 && syn->opts == NULL)
		return -EINVAL;
	if (weir_tcp_opts_parse(syn->opts, syn->opts_len, &o) < 0)
		return -EINVAL;
	if (o.present & WEIR_TCP_HAS_MSS)
		mss = o.mss;
	else
		mss = f->family == 6 ? 1220 : 536;
	idx = weir_tcp_cookie_mss_index(f->family, mss);
	ws = (o.present & WEIR_TCP_HAS_WSCALE) ? o.wscale : WEIR_TCP_WSCALE_NONE;
	emit_init(out,
		  weir_tcp_cookie_make(key, f, syn->seq, now, idx, ws,
				       (o.present & WEIR_TCP_HAS_SACK_PERM) != 0),
		  syn->seq + 1, conf->syn_win, WEIR_TCP_F_SYN | WEIR_TCP_F_ACK);
	memset(&a, 0, sizeof(a));
	a.present = WEIR_TCP_HAS_MSS | (o.present & WEIR_TCP_HAS_SACK_PERM);
	a.mss = conf->mss;
	if (ws != WEIR_TCP_WSCALE_NONE) {
		a.present |= WEIR_TCP_HAS_WSCALE;
		a.wscale = (uint8_t)ws_clamp(conf->wscale);
	}
	emit_opts(out, &a);
	return 0;
}

int
weir_tcp_sp_backend_syn(const struct weir_tcp_splice *s, struct weir_tcp_emit *out)
{
	struct weir_tcp_opts a;
	uint32_t win;

	if (s->state != WEIR_TCP_SP_SYN_SENT)
		return -EINVAL;
	/* A SYN's window is never scaled: the client's window in bytes, capped. */
	win = client_win_bytes(s);
	emit_init(out, s->c_isn + s->d_c2b, 0, win > 0xffff ? 0xffff : (uint16_t)win,
		  WEIR_TCP_F_SYN);
	memset(&a, 0, sizeof(a));
	a.present = WEIR_TCP_HAS_MSS;
	a.mss = s->mss;
	if (s->flags & WEIR_TCP_SPF_CLIENT_SACK)
		a.present |= WEIR_TCP_HAS_SACK_PERM;
	if (s->c_ws_opt != WEIR_TCP_WSCALE_NONE) {
		a.present |= WEIR_TCP_HAS_WSCALE;
		a.wscale = s->c_ws_opt;
	}
	emit_opts(out, &a);
	return 0;
}

int
weir_tcp_sp_accept(struct weir_tcp_splice *s, const struct weir_tcp_sp_conf *conf,
		   const struct weir_tcp_cookie_key *key, const struct weir_tcp_flow *f,
		   const struct weir_tcp_seg *ack, uint32_t now, struct weir_tcp_emit *out)
{
	struct weir_tcp_cookie_opts co;
	uint32_t fin = (ack->flags & WEIR_TCP_F_FIN) ? 1 : 0;
	int ret = WEIR_TCP_SP_EMIT_BACKEND;

	if ((ack->flags & (WEIR_TCP_F_SYN | WEIR_TCP_F_ACK | WEIR_TCP_F_RST)) != WEIR_TCP_F_ACK)
		return -EINVAL;
	if (weir_tcp_cookie_check(key, f, ack->seq, ack->ack, now, &co) < 0)
		return -EACCES;
	memset(s, 0, sizeof(*s));
	s->c_isn = ack->seq - 1;
	s->w_isn = ack->ack - 1;
	s->c_nxt = ack->seq + ack->len + fin;
	s->c_ack = ack->ack;
	s->b_ack = s->c_isn + 1;
	s->c_win = ack->win;
	s->mss = co.mss;
	s->c_ws_opt = co.wscale;
	if (co.wscale != WEIR_TCP_WSCALE_NONE) {
		s->c_ws = co.wscale;
		s->adv_ws = (uint8_t)ws_clamp(conf->wscale);
	}
	if (co.sack_ok)
		s->flags |= WEIR_TCP_SPF_CLIENT_SACK;
	s->state = WEIR_TCP_SP_SYN_SENT;
	weir_tcp_sp_backend_syn(s, out);
	if (ack->len > 0 || fin)
		ret |= WEIR_TCP_SP_HOLD;
	return ret;
}

/* After a segment in ESTABLISHED or later: FINs seen and ACKed move the state. */
static int
fin_state(struct weir_tcp_splice *s)
{
	const uint8_t both = WEIR_TCP_SPF_FIN_C_ACKED | WEIR_TCP_SPF_FIN_B_ACKED;

	if (s->state == WEIR_TCP_SP_CLOSED)
		return 0;
	if ((s->flags & both) == both) {
		s->state = WEIR_TCP_SP_CLOSED;
		return WEIR_TCP_SP_CLOSED_NOW;
	}
	if ((s->flags & WEIR_TCP_SPF_FIN_C) && (s->flags & WEIR_TCP_SPF_FIN_B))
		s->state = WEIR_TCP_SP_CLOSING;
	else if (s->flags & (WEIR_TCP_SPF_FIN_C | WEIR_TCP_SPF_FIN_B))
		s->state = WEIR_TCP_SP_FIN_WAIT;
	return 0;
}

/* A RST in a synchronized state: translate, forward, close. */
static int
forward_rst(struct weir_tcp_splice *s, const struct weir_tcp_edit *e, struct weir_tcp_seg *seg,
	    uint32_t *csum, int c2b)
{
	int rc = c2b ? c2b_ed(s, e, seg, csum) : b2c_ed(s, e, seg, csum);

	if (rc < 0)
		return rc;
	if (s->state == WEIR_TCP_SP_CLOSED)
		return WEIR_TCP_SP_FORWARD;
	s->state = WEIR_TCP_SP_CLOSED;
	return WEIR_TCP_SP_FORWARD | WEIR_TCP_SP_CLOSED_NOW;
}

/*
 * A segment in a synchronized state (established or closing), from the
 * client (c2b) or the backend, SYNs already dealt with: RST checks, then
 * translation and the sender's side of the state (highest seq end, ack,
 * window, its FIN, whether the other side's FIN is acked).
 */
static int
synced(struct weir_tcp_splice *s, const struct weir_tcp_edit *e, struct weir_tcp_seg *seg,
       uint32_t *csum, int c2b)
{
	uint32_t seq = seg->seq, ack = seg->ack;
	uint32_t end = seq + seg->len + ((seg->flags & WEIR_TCP_F_FIN) ? 1 : 0);
	uint32_t *nxt = c2b ? &s->c_nxt : &s->b_nxt, *acked = c2b ? &s->c_ack : &s->b_ack;
	uint16_t win = seg->win;
	uint8_t fl = seg->flags;
	uint8_t fin = c2b ? WEIR_TCP_SPF_FIN_C : WEIR_TCP_SPF_FIN_B;
	uint8_t other = c2b ? WEIR_TCP_SPF_FIN_B : WEIR_TCP_SPF_FIN_C;
	uint8_t other_acked = c2b ? WEIR_TCP_SPF_FIN_B_ACKED : WEIR_TCP_SPF_FIN_C_ACKED;
	int rc;

	if (fl & WEIR_TCP_F_RST) {
		/* The window that matters is the receiver's. */
		if (s->state != WEIR_TCP_SP_CLOSED &&
		    !rst_acceptable(seq, *nxt, c2b ? backend_win_bytes(s) : client_win_bytes(s)))
			return -EACCES;
		return forward_rst(s, e, seg, csum, c2b);
	}
	/* RFC 793: in a synchronized state a segment without ACK is dropped. */
	if (!(fl & WEIR_TCP_F_ACK))
		return WEIR_TCP_SP_DROP;
	rc = c2b ? c2b_ed(s, e, seg, csum) : b2c_ed(s, e, seg, csum);
	if (rc < 0)
		return rc;
	if (tcp_seq_after(end, *nxt))
		*nxt = end;
	if (tcp_seq_after(ack, *acked))
		*acked = ack;
	if (c2b)
		s->c_win = win;
	else
		s->b_win = win;
	if ((fl & WEIR_TCP_F_FIN) && !(s->flags & fin)) {
		s->flags |= fin;
		if (c2b)
			s->fin_c = seq + seg->len;
		else
			s->fin_b = seq + seg->len;
	}
	/* seg->ack is now in the receiver's space, where its FIN lives. */
	if ((s->flags & other) && tcp_seq_after(seg->ack, c2b ? s->fin_b : s->fin_c))
		s->flags |= other_acked;
	return WEIR_TCP_SP_FORWARD | fin_state(s);
}

int
weir_tcp_sp_from_client(struct weir_tcp_splice *s, struct weir_tcp_seg *seg, uint32_t *csum,
			struct weir_tcp_emit *out)
{
	return weir_tcp_sp_from_client_ed(s, NULL, seg, csum, out);
}

int
weir_tcp_sp_from_client_ed(struct weir_tcp_splice *s, const struct weir_tcp_edit *e,
			   struct weir_tcp_seg *seg, uint32_t *csum, struct weir_tcp_emit *out)
{
	uint32_t seq = seg->seq, end;
	uint16_t win = seg->win;
	uint8_t fl = seg->flags;

	end = seq + seg->len + ((fl & WEIR_TCP_F_FIN) ? 1 : 0);
	switch (s->state) {
	case WEIR_TCP_SP_SYN_SENT:
		if (fl & WEIR_TCP_F_RST) {
			if (!rst_acceptable(seq, s->c_nxt, RST_WIN_MIN))
				return -EACCES;
			/* The backend is in SYN-RECEIVED: its RCV.NXT is the ISN + 1. */
			emit_init(out, s->b_ack, 0, 0, WEIR_TCP_F_RST);
			s->state = WEIR_TCP_SP_CLOSED;
			return WEIR_TCP_SP_EMIT_BACKEND | WEIR_TCP_SP_CLOSED_NOW;
		}
		if ((fl & (WEIR_TCP_F_SYN | WEIR_TCP_F_ACK)) != WEIR_TCP_F_ACK)
			return WEIR_TCP_SP_DROP;
		if (tcp_seq_after(end, s->c_nxt))
			s->c_nxt = end;
		s->c_win = win;
		if (end != seq)
			return WEIR_TCP_SP_HOLD;
		return WEIR_TCP_SP_DROP;
	case WEIR_TCP_SP_ESTABLISHED:
	case WEIR_TCP_SP_FIN_WAIT:
	case WEIR_TCP_SP_CLOSING:
	case WEIR_TCP_SP_CLOSED:
		break;
	default:
		return -EINVAL;
	}
	if (fl & WEIR_TCP_F_SYN)
		return WEIR_TCP_SP_DROP;
	return synced(s, e, seg, csum, 1);
}

int
weir_tcp_sp_from_backend(struct weir_tcp_splice *s, struct weir_tcp_seg *seg, uint32_t *csum,
			 struct weir_tcp_emit *out)
{
	return weir_tcp_sp_from_backend_ed(s, NULL, seg, csum, out);
}

int
weir_tcp_sp_from_backend_ed(struct weir_tcp_splice *s, const struct weir_tcp_edit *e,
			    struct weir_tcp_seg *seg, uint32_t *csum, struct weir_tcp_emit *out)
{
	struct weir_tcp_opts o;
	uint32_t seq = seg->seq, ack = seg->ack;
	uint16_t win = seg->win;
	uint8_t fl = seg->flags;

	switch (s->state) {
	case WEIR_TCP_SP_SYN_SENT:
		if (fl & WEIR_TCP_F_RST) {
			/* RFC 793 SYN-SENT: a RST counts only if it ACKs our SYN. */
			if (!(fl & WEIR_TCP_F_ACK) || ack != s->b_ack)
				return -EACCES;
			emit_init(out, s->c_ack, s->c_nxt, 0, WEIR_TCP_F_RST | WEIR_TCP_F_ACK);
			s->state = WEIR_TCP_SP_CLOSED;
			return WEIR_TCP_SP_EMIT_CLIENT | WEIR_TCP_SP_CLOSED_NOW;
		}
		if ((fl & (WEIR_TCP_F_SYN | WEIR_TCP_F_ACK)) != (WEIR_TCP_F_SYN | WEIR_TCP_F_ACK))
			return WEIR_TCP_SP_DROP;
		if (ack != s->b_ack) {
			/* RFC 793: an unacceptable ACK in SYN-SENT gets <SEQ=SEG.ACK><CTL=RST>. */
			emit_init(out, ack, 0, 0, WEIR_TCP_F_RST);
			return WEIR_TCP_SP_EMIT_BACKEND;
		}
		if (seg->opts_len > 0 && seg->opts == NULL)
			return -EINVAL;
		if (weir_tcp_opts_parse(seg->opts, seg->opts_len, &o) < 0)
			return -EINVAL;
		s->b_isn = seq;
		s->d_b2c = s->w_isn - s->b_isn;
		s->b_nxt = seq + 1;
		/* A window scale in a SYN-ACK to a SYN without one is ignored (RFC 7323). */
		if (s->c_ws_opt != WEIR_TCP_WSCALE_NONE && (o.present & WEIR_TCP_HAS_WSCALE)) {
			s->cb_ws = s->c_ws;
			s->b_ws = (uint8_t)ws_clamp(o.wscale);
		}
		if ((s->flags & WEIR_TCP_SPF_CLIENT_SACK) && (o.present & WEIR_TCP_HAS_SACK_PERM))
			s->flags |= WEIR_TCP_SPF_BACKEND_SACK;
		/* A SYN-ACK's window is unscaled: keep it in the leg's scale. */
		s->b_win = (uint16_t)(win >> s->b_ws);
		s->state = WEIR_TCP_SP_ESTABLISHED;
		emit_backend_ack(s, out);
		return WEIR_TCP_SP_EMIT_BACKEND | WEIR_TCP_SP_FLUSH;
	case WEIR_TCP_SP_ESTABLISHED:
	case WEIR_TCP_SP_FIN_WAIT:
	case WEIR_TCP_SP_CLOSING:
	case WEIR_TCP_SP_CLOSED:
		break;
	default:
		return -EINVAL;
	}
	if (fl & WEIR_TCP_F_SYN) {
		/* Our handshake ACK was lost and nothing else reached the backend. */
		if (s->state != WEIR_TCP_SP_CLOSED && (fl & WEIR_TCP_F_ACK) &&
		    !(fl & WEIR_TCP_F_RST) && seq == s->b_isn && ack == s->c_isn + 1 + s->d_c2b) {
			emit_backend_ack(s, out);
			return WEIR_TCP_SP_EMIT_BACKEND;
		}
		return WEIR_TCP_SP_DROP;
	}
	return synced(s, e, seg, csum, 0);
}

void
weir_tcp_sp_abort(struct weir_tcp_splice *s, struct weir_tcp_emit *to_client,
		  struct weir_tcp_emit *to_backend)
{
	/* Each RST carries the peer's own RCV.NXT, the only seq RFC 5961 takes at once. */
	emit_init(to_client, s->c_ack, s->c_nxt, 0, WEIR_TCP_F_RST | WEIR_TCP_F_ACK);
	if (s->state == WEIR_TCP_SP_SYN_SENT)
		emit_init(to_backend, s->b_ack, 0, 0, WEIR_TCP_F_RST);
	else
		emit_init(to_backend, s->b_ack, s->b_nxt, 0, WEIR_TCP_F_RST | WEIR_TCP_F_ACK);
	s->state = WEIR_TCP_SP_CLOSED;
}

void
weir_tcp_seg_read(uint8_t *tcp, uint32_t tcp_len, struct weir_tcp_seg *s)
{
	unsigned int doff = (unsigned int)(tcp[12] >> 4) * 4;

	s->seq = tcp_rd32(tcp + 4);
	s->ack = tcp_rd32(tcp + 8);
	s->win = tcp_rd16(tcp + 14);
	s->flags = tcp[13];
	s->opts_len = (uint8_t)(doff - 20);
	s->opts = tcp + 20;
	s->len = tcp_len - doff;
}

void
weir_tcp_seg_write(uint8_t *tcp, const struct weir_tcp_seg *s, uint32_t csum)
{
	tcp_wr32(tcp + 4, s->seq);
	tcp_wr32(tcp + 8, s->ack);
	tcp_wr16(tcp + 14, s->win);
	tcp_wr16(tcp + 16, weir_tcp_csum_apply(tcp_rd16(tcp + 16), csum));
}
