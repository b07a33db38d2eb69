/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_TCP_EDIT_H
#define WEIR_TCP_EDIT_H

/**
 * @file
 * An edit of the backend's stream on a splice: the backend's bytes
 * [at, at + del) reach the client as ins bytes of the caller's (weir's
 * RateLimit fields in a response head), so the backend-to-client shift
 * changes at that point. One edit is in force at a time; the caller keeps
 * it until the client has ACKed the edited bytes (after that, nothing the
 * client still needs lies before them) and rewrites every backend data
 * segment that overlaps [at, at + del) itself: such a segment reaches the
 * client as the backend's bytes before at, the ins bytes whole, and the
 * backend's bytes from at + del on (weir_tcp_edit_b2c_seq() of its seq is
 * where it then starts), so a retransmission, however the backend cuts
 * it, carries the same bytes at the same client sequence numbers.
 *
 * Sequence numbers (backend space, b; client space, c):
 *
 *  - b before at: c = b + d_prev (the shift before the edit);
 *  - b in [at, at + del): c = at + d_prev (the edited bytes start there);
 *  - b from at + del on: c = b + d_b2c, where d_b2c = d_prev + ins - del.
 *
 * And the client's acknowledgments (and SACK edges) back: c up to at +
 * d_prev: b = c - d_prev; c inside the ins bytes: b = at (the backend
 * sends the edited range again: it is rewritten whole); c from at + d_prev
 * + ins on: b = c - d_b2c. While the client has not ACKed the ins bytes,
 * the window weir forwards to the backend is ins - del bytes smaller (the
 * backend does not know it sends that many more).
 */

#include <stdint.h>

#include "weir_tcp_splice.h"

/** One edit of the backend's stream. */
struct weir_tcp_edit {
	uint32_t at;	 /**< backend seq of the first byte replaced */
	uint32_t del;	 /**< backend bytes replaced (>= 1) */
	uint32_t ins;	 /**< bytes the client gets instead */
	uint32_t d_prev; /**< d_b2c before the edit */
};

/**
 * Put an edit in force: e filled, s->d_b2c moved by ins - del.
 *
 * @param s
 *   Splice (ESTABLISHED or later).
 * @param e
 *   The edit, written.
 * @param at
 *   Backend seq of the first byte replaced.
 * @param del
 *   Backend bytes replaced, >= 1.
 * @param ins
 *   Bytes the client gets instead.
 */
void weir_tcp_edit_start(struct weir_tcp_splice *s, struct weir_tcp_edit *e, uint32_t at,
			 uint32_t del, uint32_t ins);

/**
 * Whether a backend segment [seq, seq + len) overlaps the edited bytes
 * (then the caller rewrites it).
 * @return
 *   1 or 0 (always 0 for len 0).
 */
int weir_tcp_edit_overlaps(const struct weir_tcp_edit *e, uint32_t seq, uint32_t len);

/**
 * Whether the client has ACKed the edited bytes (the edit may be dropped).
 * @param ack
 *   The client's highest ACK (weir_tcp_splice.c_ack).
 */
int weir_tcp_edit_acked(const struct weir_tcp_edit *e, uint32_t ack);

/** A backend seq in the client's view (see the file comment). */
uint32_t weir_tcp_edit_b2c_seq(const struct weir_tcp_splice *s, const struct weir_tcp_edit *e,
			       uint32_t seq);

/** A client's ACK (or SACK edge) in the backend's view; e NULL: ack - d_b2c. */
uint32_t weir_tcp_edit_c2b_ack(const struct weir_tcp_splice *s, const struct weir_tcp_edit *e,
			       uint32_t ack);

/**
 * The client's window win (in its scale) in the backend's scale, ins - del
 * bytes smaller while ack (the client's) has not covered the edited bytes
 * (e NULL: weir_tcp_win_rescale()): for segments weir makes towards the
 * backend with the client's ACK and window (weir's prefix of a later
 * request, the client's bytes it forwards itself, its FIN), as the
 * client's own segments get it.
 */
uint16_t weir_tcp_edit_c2b_win(const struct weir_tcp_splice *s, const struct weir_tcp_edit *e,
			       uint32_t ack, uint16_t win);

/**
 * weir_tcp_sp_from_client() with an edit in force (e NULL: the same): the
 * ACK and SACK edges mapped back through it, the window made smaller until
 * the client ACKs the edited bytes.
 */
int weir_tcp_sp_from_client_ed(struct weir_tcp_splice *s, const struct weir_tcp_edit *e,
			       struct weir_tcp_seg *seg, uint32_t *csum, struct weir_tcp_emit *out);

/**
 * weir_tcp_sp_from_backend() with an edit in force (e NULL: the same): seq
 * mapped by weir_tcp_edit_b2c_seq(). seg->len stays the backend's (the
 * splice's state is in the backend's space); a segment that overlaps the
 * edit comes back translated, for the caller to rewrite.
 */
int weir_tcp_sp_from_backend_ed(struct weir_tcp_splice *s, const struct weir_tcp_edit *e,
				struct weir_tcp_seg *seg, uint32_t *csum,
				struct weir_tcp_emit *out);

#endif /* WEIR_TCP_EDIT_H */
