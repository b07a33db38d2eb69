/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_TCP_SPLICE_H
#define WEIR_TCP_SPLICE_H

/**
 * @file
 * TCP arithmetic of a SYN proxy (the job of DPVS's synproxy): SYN cookies,
 * TCP option parsing and building, and a splice that joins a client
 * connection answered by weir's cookie to a backend connection opened by
 * weir, by translating every later segment (sequence and ack numbers, SACK
 * edges, window field) and handing back the RFC 1624 checksum delta of what
 * it changed. A small state machine says what to emit at each step.
 *
 * Pure C: no DPDK, no clock reads, no allocation, no randomness. Secrets and
 * the cookie time counter come in as arguments; segments come in as
 * host-order header fields plus the raw option bytes, which are rewritten in
 * place and never read or written outside [opts, opts + opts_len). Functions
 * return 0 or a non-negative result, or -errno.
 *
 * Sequence spaces. Three ISNs exist: the client's (c_isn), weir's cookie
 * given to the client (w_isn) and the backend's (b_isn). weir opens the
 * backend connection with the client's own ISN, so client->backend sequence
 * numbers pass unchanged (d_c2b = 0) unless an L7 caller has inserted or
 * removed bytes; backend->client sequence numbers move by d_b2c = w_isn -
 * b_isn. Every number a segment carries is translated into its receiver's
 * view: seq by the sender's delta, ack and SACK edges (which name the
 * receiver's own data) by minus the receiver's delta.
 */

#include <stddef.h>
#include <stdint.h>

/** @name TCP header flags (the low byte of the flags word). */
/** @{ */
#define WEIR_TCP_F_FIN 0x01u
#define WEIR_TCP_F_SYN 0x02u
#define WEIR_TCP_F_RST 0x04u
#define WEIR_TCP_F_PSH 0x08u
#define WEIR_TCP_F_ACK 0x10u
#define WEIR_TCP_F_URG 0x20u
/** @} */

/** @name TCP option kinds handled here. */
/** @{ */
#define WEIR_TCP_OPT_EOL 0u
#define WEIR_TCP_OPT_NOP 1u
#define WEIR_TCP_OPT_MSS 2u
#define WEIR_TCP_OPT_WSCALE 3u
#define WEIR_TCP_OPT_SACK_PERM 4u
#define WEIR_TCP_OPT_SACK 5u
#define WEIR_TCP_OPT_TS 8u
/** @} */

/** Longest TCP option area (data offset 15 words minus the 20-byte header). */
#define WEIR_TCP_OPTS_MAX 40u
/** Most SACK blocks that fit an option area. */
#define WEIR_TCP_SACK_MAX 4u
/** Largest window shift (RFC 7323 2.3); larger received values mean this. */
#define WEIR_TCP_WSCALE_MAX 14u
/** "No window scale option" wherever a shift is expected. */
#define WEIR_TCP_WSCALE_NONE 0xffu

/** Seconds per cookie time counter tick. */
#define WEIR_TCP_COOKIE_PERIOD_S 64u
/** Oldest accepted cookie, in counter ticks: current and previous (<= 128 s). */
#define WEIR_TCP_COOKIE_MAX_AGE 1u
/** Entries in each family's cookie MSS table (3 bits of the cookie). */
#define WEIR_TCP_COOKIE_MSS_N 8u

/* ------------------------------------------------------------------------ */
/* Keyed hash and checksum helpers                                          */

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012).
 *
 * @param key
 *   128-bit key as two 64-bit words: key[0] is bytes 0-7 of the key in
 *   little-endian order, key[1] bytes 8-15.
 * @param data
 *   Bytes to hash.
 * @param len
 *   Number of bytes.
 * @return
 *   The 64-bit MAC.
 */
uint64_t weir_tcp_siphash24(const uint64_t key[2], const void *data, size_t len);

/**
 * Add the change of a 16-bit field to an RFC 1624 checksum delta. Values are
 * the field as a number (host order of the big-endian wire word), and the
 * field sits at an even offset of the TCP header, as every fixed field does.
 *
 * @param acc
 *   Running delta, 0 to start; pass it to weir_tcp_csum_apply().
 * @param old_v
 *   Value before.
 * @param new_v
 *   Value after.
 */
void weir_tcp_csum_add16(uint32_t *acc, uint16_t old_v, uint16_t new_v);

/**
 * Add the change of a 32-bit field at an even offset (seq, ack, an address
 * of the pseudo-header) to a checksum delta.
 *
 * @param acc
 *   Running delta.
 * @param old_v
 *   Value before (host order).
 * @param new_v
 *   Value after (host order).
 */
void weir_tcp_csum_add32(uint32_t *acc, uint32_t old_v, uint32_t new_v);

/**
 * Add the change of a byte range at any offset to a checksum delta; the
 * offset's parity decides which byte of each 16-bit word a byte lands in.
 *
 * @param acc
 *   Running delta.
 * @param offset
 *   Offset of the range from the start of the TCP header (any even base
 *   works: only offset & 1 matters).
 * @param old_b
 *   Bytes before.
 * @param new_b
 *   Bytes after.
 * @param len
 *   Length of both ranges.
 */
void weir_tcp_csum_add_bytes(uint32_t *acc, size_t offset, const uint8_t *old_b,
			     const uint8_t *new_b, size_t len);

/**
 * Apply a delta to a checksum field: HC' = ~(~HC + sum(~m + m')), RFC 1624
 * equation 3.
 *
 * @param csum
 *   Checksum field before, host order.
 * @param acc
 *   Delta from the weir_tcp_csum_add*() functions.
 * @return
 *   Checksum field after, host order.
 */
uint16_t weir_tcp_csum_apply(uint16_t csum, uint32_t acc);

/* ------------------------------------------------------------------------ */
/* Options                                                                  */

/** @name weir_tcp_opts.present bits. */
/** @{ */
#define WEIR_TCP_HAS_MSS (1u << 0)
#define WEIR_TCP_HAS_WSCALE (1u << 1)
#define WEIR_TCP_HAS_SACK_PERM (1u << 2)
#define WEIR_TCP_HAS_SACK (1u << 3)
#define WEIR_TCP_HAS_TS (1u << 4)
/** @} */

/** One SACK block, host order: [left, right) of the sender's peer's data. */
struct weir_tcp_sack_block {
	uint32_t left;
	uint32_t right;
};

/** Decoded TCP options (a later duplicate option overrides an earlier one). */
struct weir_tcp_opts {
	uint32_t present; /**< WEIR_TCP_HAS_* */
	uint16_t mss;	  /**< MSS option value */
	uint8_t wscale;	  /**< shift as received, may exceed WEIR_TCP_WSCALE_MAX */
	uint8_t n_sack;	  /**< SACK blocks in sack[] */
	uint32_t ts_val;  /**< TSval */
	uint32_t ts_ecr;  /**< TSecr */
	struct weir_tcp_sack_block sack[WEIR_TCP_SACK_MAX]; /**< blocks of the last SACK option */
};

/**
 * Parse a TCP option area. EOL ends the area (what follows is padding);
 * NOP is skipped; unknown kinds are skipped by their length. Malformed:
 * an area longer than WEIR_TCP_OPTS_MAX, a kind with no room for its length
 * byte, a length below 2 or running past len, or a known kind with the
 * wrong length (MSS 4, window scale 3, SACK-permitted 2, timestamps 10,
 * SACK 2 + 8n with n >= 1).
 *
 * @param opts
 *   Option bytes (may be NULL when len is 0).
 * @param len
 *   Their length: TCP data offset * 4 - 20.
 * @param out
 *   Decoded options; fully written on success.
 * @return
 *   0, or -EINVAL if the area is malformed.
 */
int weir_tcp_opts_parse(const uint8_t *opts, size_t len, struct weir_tcp_opts *out);

/**
 * Build the option area of a SYN or SYN-ACK, in Linux's order and padding:
 * MSS; SACK-permitted packed with timestamps (or NOP NOP SACK-permitted, or
 * NOP NOP timestamps); NOP window scale. SACK blocks are never written.
 *
 * @param buf
 *   Destination.
 * @param cap
 *   Room in buf.
 * @param o
 *   What to write: MSS, WSCALE, SACK_PERM and TS bits of o->present.
 * @return
 *   Bytes written (a multiple of 4, at most 20), or -ENOSPC.
 */
int weir_tcp_opts_build_syn(uint8_t *buf, size_t cap, const struct weir_tcp_opts *o);

/* ------------------------------------------------------------------------ */
/* SYN cookies                                                              */

/**
 * SYN cookie secret: one SipHash-2-4 key. Generated at start-up from a
 * random source by the caller; the same on every worker (any worker may see
 * the ACK).
 */
struct weir_tcp_cookie_key {
	uint64_t k[2];
};

/**
 * A connection as the client sees it: client address and port first
 * (saddr/sport), weir's VIP and port second. Addresses are network order;
 * an IPv4 address is bytes 0-3 (the rest is ignored).
 */
struct weir_tcp_flow {
	uint8_t family; /**< 4 or 6 */
	uint8_t saddr[16];
	uint8_t daddr[16];
	uint16_t sport; /**< host order */
	uint16_t dport; /**< host order */
};

/** What a valid cookie says about the client's SYN. */
struct weir_tcp_cookie_opts {
	uint16_t mss;	   /**< MSS from the table, <= the client's MSS */
	uint8_t mss_index; /**< index into the family's table */
	uint8_t wscale;	   /**< client's shift 0..14, or WEIR_TCP_WSCALE_NONE */
	uint8_t sack_ok;   /**< 1 if the client sent SACK-permitted */
};

/**
 * The cookie time counter: seconds since any fixed epoch / 64, truncated.
 *
 * @param now_ns
 *   Monotonic or wall time in ns; all workers must use the same clock.
 * @return
 *   The counter.
 */
uint32_t weir_tcp_cookie_counter(uint64_t now_ns);

/**
 * Index into the cookie MSS table: the largest entry not above mss. The
 * tables are
 * IPv4 {536, 1200, 1300, 1400, 1440, 1452, 1460, 8960} and
 * IPv6 {1220, 1280, 1340, 1400, 1420, 1432, 1440, 8940}.
 * An MSS below the first entry (or no MSS option: RFC 1122 536, RFC 8200
 * 1220) maps to index 0, as Linux does.
 *
 * @param family
 *   4 or 6.
 * @param mss
 *   The client's MSS.
 * @return
 *   Index < WEIR_TCP_COOKIE_MSS_N.
 */
unsigned int weir_tcp_cookie_mss_index(uint8_t family, uint16_t mss);

/**
 * MSS of a table entry.
 *
 * @param family
 *   4 or 6.
 * @param index
 *   Index; only its low 3 bits are used.
 * @return
 *   The MSS.
 */
uint16_t weir_tcp_cookie_mss(uint8_t family, unsigned int index);

/**
 * Make the ISN of weir's SYN-ACK, which carries the client's SYN options so
 * that no state is kept before the client's ACK. Layout (Linux's
 * cookie_v4_init_sequence() shape, with the options that Linux can only keep
 * in timestamps, and a MAC over them):
 *
 *     data   = mss_index | wscale_code << 3 | sack_ok << 7            (8 bits)
 *     mac    = SipHash(key; 2, flow, t, data) mod 2^16
 *     cookie = H1 + client_isn + ((t mod 256) << 24 | mac << 8 | data)  (mod 2^32)
 *
 * where H1 = SipHash(key; 1, flow) mod 2^32 and wscale_code is the shift
 * 0..14, or 15 for "no window scale option". H1 hides the layout from
 * anyone without the key; once H1 and the ISN are subtracted, the top byte
 * is the counter (2 of 256 values accepted) and the MAC covers counter,
 * flow and data, so changing any bit of a cookie, or a blind ACK, passes
 * with probability 2^-16, resp. 2^-23.
 *
 * @param key
 *   Secret.
 * @param f
 *   The client's connection (client -> VIP).
 * @param client_isn
 *   Sequence number of the client's SYN.
 * @param t
 *   weir_tcp_cookie_counter() now.
 * @param mss_index
 *   weir_tcp_cookie_mss_index() of the client's MSS; low 3 bits used.
 * @param wscale
 *   Client's window scale option, or WEIR_TCP_WSCALE_NONE; values above
 *   WEIR_TCP_WSCALE_MAX are recorded as WEIR_TCP_WSCALE_MAX.
 * @param sack_ok
 *   Non-zero if the client sent SACK-permitted.
 * @return
 *   The cookie: the sequence number of weir's SYN-ACK.
 */
uint32_t weir_tcp_cookie_make(const struct weir_tcp_cookie_key *key, const struct weir_tcp_flow *f,
			      uint32_t client_isn, uint32_t t, unsigned int mss_index,
			      unsigned int wscale, int sack_ok);

/**
 * Check the ACK that completes a cookie handshake: seq - 1 is the client's
 * ISN, ack_seq - 1 the cookie. Accepted cookies were made at counter now or
 * now - WEIR_TCP_COOKIE_MAX_AGE (counters from the future are refused).
 *
 * @param key
 *   Secret the cookie was made with.
 * @param f
 *   The connection, same orientation as for weir_tcp_cookie_make().
 * @param seq
 *   The ACK's sequence number.
 * @param ack_seq
 *   The ACK's acknowledgment number.
 * @param now
 *   weir_tcp_cookie_counter() now.
 * @param out
 *   Decoded client options, written only on success (may be NULL).
 * @return
 *   0 if the cookie is valid, -EACCES otherwise.
 */
int weir_tcp_cookie_check(const struct weir_tcp_cookie_key *key, const struct weir_tcp_flow *f,
			  uint32_t seq, uint32_t ack_seq, uint32_t now,
			  struct weir_tcp_cookie_opts *out);

/* ------------------------------------------------------------------------ */
/* Splice translation                                                       */

/** A segment as the splice sees it: host-order header fields, raw options. */
struct weir_tcp_seg {
	uint32_t seq;	  /**< sequence number */
	uint32_t ack;	  /**< acknowledgment number (meaningful with ACK) */
	uint32_t len;	  /**< payload bytes */
	uint16_t win;	  /**< window field as on the wire (scaled) */
	uint8_t flags;	  /**< WEIR_TCP_F_* */
	uint8_t opts_len; /**< option bytes: data offset * 4 - 20 */
	uint8_t *opts;	  /**< option bytes, at offset 20 of the TCP header */
};

/**
 * Read a segment's header fields from its TCP header.
 *
 * @param tcp
 *   The TCP header (its data offset already checked by the caller's parser).
 * @param tcp_len
 *   Bytes from the TCP header's start to the segment's end.
 * @param s
 *   Filled: seq, ack, win, flags, the options (pointing into tcp) and the
 *   payload length.
 */
void weir_tcp_seg_read(uint8_t *tcp, uint32_t tcp_len, struct weir_tcp_seg *s);

/**
 * Write a translated segment's seq, ack and window back into its TCP
 * header and apply the checksum delta of what changed (the options are
 * rewritten in place by the translation already).
 *
 * @param tcp
 *   The TCP header.
 * @param s
 *   The segment as translated.
 * @param csum
 *   The delta (weir_tcp_csum_add*()).
 */
void weir_tcp_seg_write(uint8_t *tcp, const struct weir_tcp_seg *s, uint32_t csum);

/** @name struct weir_tcp_splice flags. */
/** @{ */
#define WEIR_TCP_SPF_CLIENT_SACK (1u << 0)  /**< client and weir agreed on SACK */
#define WEIR_TCP_SPF_BACKEND_SACK (1u << 1) /**< backend agreed on SACK */
#define WEIR_TCP_SPF_FIN_C (1u << 2)	    /**< client sent FIN (at fin_c) */
#define WEIR_TCP_SPF_FIN_C_ACKED (1u << 3)  /**< backend ACKed the client's FIN */
#define WEIR_TCP_SPF_FIN_B (1u << 4)	    /**< backend sent FIN (at fin_b) */
#define WEIR_TCP_SPF_FIN_B_ACKED (1u << 5)  /**< client ACKed the backend's FIN */
/** @} */

/** Splice states. LISTEN holds no state: its SYN-ACKs are cookies. */
enum weir_tcp_sp_state {
	WEIR_TCP_SP_LISTEN = 0,	 /**< no connection (cookie SYN-ACKs only) */
	WEIR_TCP_SP_SYN_SENT,	 /**< client's ACK validated, SYN sent to the backend */
	WEIR_TCP_SP_ESTABLISHED, /**< backend SYN-ACK received and ACKed: splicing */
	WEIR_TCP_SP_FIN_WAIT,	 /**< one side has sent FIN */
	WEIR_TCP_SP_CLOSING,	 /**< both sides have sent FIN */
	WEIR_TCP_SP_CLOSED,	 /**< both FINs ACKed, or a RST passed */
};

/**
 * Per-connection splice state; embedded in the caller's connection entry
 * (60 bytes, no pointers). Sequence numbers are each in their sender's own
 * space (c_ack is what the client acknowledged, in the client's view; b_ack
 * what the backend acknowledged, in the backend's: each is its sender's
 * RCV.NXT, which weir's own RSTs must hit). Window shifts are the effective ones (0 when scaling is
 * off on that leg):
 *
 *  - client leg: on iff the client's SYN had a window scale option (weir
 *    then echoes one). The client shifts its window field by c_ws; weir's
 *    fields to the client are read with adv_ws (weir_tcp_sp_conf.wscale).
 *  - backend leg: on iff the client's leg is (weir's SYN to the backend
 *    repeats the client's option) and the backend's SYN-ACK has one. The
 *    backend reads fields weir forwards with cb_ws (= c_ws), and shifts its
 *    own by b_ws.
 *
 * d_c2b is 0 from weir_tcp_sp_accept(); an L7 caller that adds or removes
 * bytes in the client's stream before the backend sees them moves it.
 *
 * A window is re-scaled only when the two shifts of a direction differ:
 * bytes = field << in; field' = min(bytes >> out, 65535). Rounding down
 * advertises less than the receiver offers, never more, so a sender never
 * overruns the real receive buffer; the cost is up to 2^out - 1 bytes of
 * window, or a 65535 << out cap when the backend scales more than weir told
 * the client.
 */
struct weir_tcp_splice {
	uint32_t c_isn;	  /**< client's ISN */
	uint32_t w_isn;	  /**< weir's ISN towards the client (the cookie) */
	uint32_t b_isn;	  /**< backend's ISN (from ESTABLISHED) */
	uint32_t d_c2b;	  /**< added to client seqs to get the backend's view */
	uint32_t d_b2c;	  /**< added to backend seqs to get the client's view: w_isn - b_isn */
	uint32_t c_nxt;	  /**< highest sequence end seen from the client */
	uint32_t b_nxt;	  /**< highest sequence end seen from the backend */
	uint32_t c_ack;	  /**< highest ack seen from the client */
	uint32_t b_ack;	  /**< highest ack seen from the backend */
	uint32_t fin_c;	  /**< sequence number of the client's FIN */
	uint32_t fin_b;	  /**< sequence number of the backend's FIN */
	uint16_t c_win;	  /**< client's last window field (client leg scale) */
	uint16_t b_win;	  /**< backend's last window field (backend leg scale) */
	uint16_t mss;	  /**< client's MSS from the cookie */
	uint8_t state;	  /**< enum weir_tcp_sp_state */
	uint8_t flags;	  /**< WEIR_TCP_SPF_* */
	uint8_t c_ws;	  /**< client's shift on the client leg */
	uint8_t adv_ws;	  /**< weir's shift on the client leg */
	uint8_t cb_ws;	  /**< shift the backend applies to weir's (the client's) fields */
	uint8_t b_ws;	  /**< backend's shift on the backend leg */
	uint8_t c_ws_opt; /**< client's option as decoded (WEIR_TCP_WSCALE_NONE if none) */
	uint8_t pad[3];
};

/**
 * Re-scale a window field from one shift to another (see struct
 * weir_tcp_splice).
 *
 * @param win
 *   Field as received.
 * @param in_ws
 *   Shift the sender applied.
 * @param out_ws
 *   Shift the receiver applies.
 * @return
 *   The field to forward.
 */
uint16_t weir_tcp_win_rescale(uint16_t win, unsigned int in_ws, unsigned int out_ws);

/**
 * Translate a client->backend segment in place: seq += d_c2b; with ACK,
 * ack -= d_b2c; every SACK edge -= d_b2c (the client SACKs the backend's
 * data); window re-scaled from c_ws to cb_ws; SACK options replaced by NOPs
 * if the backend did not agree on SACK. The caller writes seq, ack and win
 * back to the header; options are already rewritten.
 *
 * @param s
 *   Splice (ESTABLISHED or later: b_isn known).
 * @param seg
 *   Segment; fields and option bytes are updated.
 * @param csum
 *   Checksum delta to add to (see weir_tcp_csum_apply()).
 * @return
 *   0, or -EINVAL if the options are malformed (nothing changed).
 */
int weir_tcp_splice_c2b(const struct weir_tcp_splice *s, struct weir_tcp_seg *seg, uint32_t *csum);

/**
 * Translate a backend->client segment in place: seq += d_b2c; with ACK,
 * ack -= d_c2b; every SACK edge -= d_c2b; window re-scaled from b_ws to
 * adv_ws.
 *
 * @param s
 *   Splice.
 * @param seg
 *   Segment; fields and option bytes are updated.
 * @param csum
 *   Checksum delta to add to.
 * @return
 *   0, or -EINVAL if the options are malformed (nothing changed).
 */
int weir_tcp_splice_b2c(const struct weir_tcp_splice *s, struct weir_tcp_seg *seg, uint32_t *csum);

/* ------------------------------------------------------------------------ */
/* Proxy state machine                                                      */

/**
 * Service settings for the proxy. The cookie has no room for weir's own
 * window shift, so wscale must be the value the SYN-ACK carried when the ACK
 * comes back (up to 128 s later): a service constant. Raising it at a reload
 * is safe for cookies in flight (their clients read windows as smaller than
 * they are); lowering it is not (they would read them as larger), so a
 * reload that lowers it should keep the old value for 128 s. 7 matches
 * Linux backends with default buffers, which then need no re-scaling.
 */
struct weir_tcp_sp_conf {
	uint16_t mss;	  /**< MSS weir advertises to clients (its backend leg's MTU - 40/60) */
	uint16_t syn_win; /**< window field of weir's SYN-ACK (never scaled) */
	uint8_t wscale;	  /**< shift weir advertises to clients that scale, <= 14 */
};

/**
 * A segment for the caller to build and send: addresses and ports are the
 * caller's (the client's 4-tuple, or the FullNAT local address towards the
 * backend), and so is the checksum, computed in full over a new packet.
 */
struct weir_tcp_emit {
	uint32_t seq;
	uint32_t ack;
	uint16_t win;
	uint8_t flags;	  /**< WEIR_TCP_F_* */
	uint8_t opts_len; /**< bytes of opts[] used (multiple of 4) */
	uint8_t opts[WEIR_TCP_OPTS_MAX];
};

/** @name Actions: the non-negative result of the state machine functions. */
/** @{ */
#define WEIR_TCP_SP_DROP 0u		   /**< nothing to do: drop the segment */
#define WEIR_TCP_SP_FORWARD (1u << 0)	   /**< segment translated: send it on */
#define WEIR_TCP_SP_EMIT_BACKEND (1u << 1) /**< send *out to the backend */
#define WEIR_TCP_SP_EMIT_CLIENT (1u << 2)  /**< send *out to the client */
#define WEIR_TCP_SP_HOLD (1u << 3)	   /**< keep this client segment untranslated */
#define WEIR_TCP_SP_FLUSH (1u << 4)	   /**< pass held segments to ..._from_client() now */
#define WEIR_TCP_SP_CLOSED_NOW (1u << 5)   /**< the splice reached CLOSED with this segment */
/** @} */

/**
 * Answer a client's SYN with a cookie SYN-ACK (stateless: LISTEN).
 * Options echo the client's: MSS conf->mss; SACK-permitted if the client
 * sent it; window scale conf->wscale if the client sent one. No timestamps
 * (the cookie has no room for TSval), so none are used on either leg.
 *
 * @param conf
 *   Service settings.
 * @param key
 *   Cookie secret.
 * @param f
 *   The connection (client -> VIP).
 * @param syn
 *   The client's SYN (SYN set, ACK and RST clear).
 * @param now
 *   weir_tcp_cookie_counter() now.
 * @param out
 *   The SYN-ACK to send to the client.
 * @return
 *   0, or -EINVAL if syn is not a SYN or its options are malformed.
 */
int weir_tcp_sp_synack(const struct weir_tcp_sp_conf *conf, const struct weir_tcp_cookie_key *key,
		       const struct weir_tcp_flow *f, const struct weir_tcp_seg *syn, uint32_t now,
		       struct weir_tcp_emit *out);

/**
 * Validate the client's ACK (no connection entry) and, if its cookie is
 * good, start a splice: state SYN_SENT, *out the SYN for the backend (the
 * client's ISN, and its MSS, window scale and SACK-permitted as decoded
 * from the cookie). An ACK carrying data or FIN also gets HOLD.
 *
 * @param s
 *   Splice to initialise (the caller's new connection entry).
 * @param conf
 *   Service settings, as given to weir_tcp_sp_synack().
 * @param key
 *   Cookie secret.
 * @param f
 *   The connection (client -> VIP).
 * @param ack
 *   The client's segment: ACK set, SYN and RST clear.
 * @param now
 *   weir_tcp_cookie_counter() now.
 * @param out
 *   The SYN for the backend.
 * @return
 *   WEIR_TCP_SP_EMIT_BACKEND (| WEIR_TCP_SP_HOLD); -EINVAL if the flags are
 *   wrong; -EACCES if the cookie is invalid (forged, stale): count and drop.
 */
int weir_tcp_sp_accept(struct weir_tcp_splice *s, const struct weir_tcp_sp_conf *conf,
		       const struct weir_tcp_cookie_key *key, const struct weir_tcp_flow *f,
		       const struct weir_tcp_seg *ack, uint32_t now, struct weir_tcp_emit *out);

/**
 * The SYN to the backend again (the caller's retransmit timer in SYN_SENT).
 *
 * @param s
 *   Splice in SYN_SENT.
 * @param out
 *   The SYN.
 * @return
 *   0, or -EINVAL if the splice is not in SYN_SENT.
 */
int weir_tcp_sp_backend_syn(const struct weir_tcp_splice *s, struct weir_tcp_emit *out);

/**
 * A segment from the client on a spliced connection.
 *
 * - SYN_SENT: data or FIN -> HOLD (the client believes it is connected;
 *   the caller keeps what it can and replays it on FLUSH); a pure ACK ->
 *   DROP; an acceptable RST -> a RST to the backend, CLOSED.
 * - ESTABLISHED and later: translated (weir_tcp_splice_c2b()) -> FORWARD;
 *   FINs and their ACKs move the state; an acceptable RST is forwarded and
 *   closes. A SYN is dropped (in CLOSED, a new SYN on the same 4-tuple is
 *   the caller's to treat as a new connection).
 *
 * A RST is acceptable when its seq is within the larger of 65535 and the
 * receiver's window of the sender's highest sequence seen (RFC 5961's
 * concern: a blind RST must not tear down the splice).
 *
 * @param s
 *   Splice.
 * @param seg
 *   Segment; translated in place when FORWARD is returned.
 * @param csum
 *   Checksum delta to add to.
 * @param out
 *   A segment to emit, when EMIT_* is returned.
 * @return
 *   Actions (WEIR_TCP_SP_*), -EINVAL for malformed options, -EACCES for an
 *   unacceptable RST (count and drop).
 */
int weir_tcp_sp_from_client(struct weir_tcp_splice *s, struct weir_tcp_seg *seg, uint32_t *csum,
			    struct weir_tcp_emit *out);

/**
 * A segment from the backend on a spliced connection.
 *
 * - SYN_SENT: SYN-ACK acking the client's ISN + 1 -> record the backend's
 *   ISN, window scale and SACK, *out the ACK that completes the backend's
 *   handshake, ESTABLISHED, EMIT_BACKEND | FLUSH. A SYN-ACK with another
 *   ack -> a RST (seq = its ack) to the backend, state unchanged. A RST
 *   acking the SYN (port closed) -> a RST to the client, CLOSED. Anything
 *   else -> DROP.
 * - ESTABLISHED and later: a retransmitted SYN-ACK (same ISN: weir's ACK
 *   was lost) -> the ACK again; other SYNs dropped; segments translated
 *   (weir_tcp_splice_b2c()) -> FORWARD; FIN/RST as from the client.
 *
 * @param s
 *   Splice.
 * @param seg
 *   Segment; translated in place when FORWARD is returned.
 * @param csum
 *   Checksum delta to add to.
 * @param out
 *   A segment to emit, when EMIT_* is returned.
 * @return
 *   Actions, -EINVAL for malformed options, -EACCES for an unacceptable
 *   RST.
 */
int weir_tcp_sp_from_backend(struct weir_tcp_splice *s, struct weir_tcp_seg *seg, uint32_t *csum,
			     struct weir_tcp_emit *out);

/**
 * Abort a splice from weir's side (policy: a rate limit, a timeout): RSTs
 * for both peers from the highest sequence numbers seen, state CLOSED.
 * In SYN_SENT the backend's ISN is unknown; its RST carries no ACK.
 *
 * @param s
 *   Splice.
 * @param to_client
 *   RST for the client.
 * @param to_backend
 *   RST for the backend.
 */
void weir_tcp_sp_abort(struct weir_tcp_splice *s, struct weir_tcp_emit *to_client,
		       struct weir_tcp_emit *to_backend);

#endif /* WEIR_TCP_SPLICE_H */
