/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_TCP_ENDPOINT_H
#define WEIR_TCP_ENDPOINT_H

/**
 * @file
 * weir's own end of a client's TCP connection, server side, pure (no DPDK,
 * no allocation, no globals, no clock of its own: times in ms are given),
 * in the way of lib/health's weir_probe.h: segments in as fields, segments
 * out as fields; addresses, ports, checksums and frames are the caller's.
 *
 * An HTTP service answers every SYN with a cookie (weir_tcp_sp_synack());
 * the ACK whose cookie is valid (weir_tcp_cookie_check()) creates the
 * endpoint with weir_tcp_ep_open(), and that ACK is then fed to
 * weir_tcp_ep_input() like any later segment (it carries the client's
 * first window, and maybe data).
 *
 * - COLLECT: the client's bytes are taken in order into the caller's head
 *   buffer (pointer and capacity given at open), ACKed at once. Each call
 *   that appends sets WEIR_TCP_EP_EV_DATA so that the caller parses the
 *   head again. A segment that starts beyond rcv_nxt (out of order) is
 *   dropped and answered with a duplicate ACK of rcv_nxt: a head is a few
 *   hundred bytes, the client retransmits from rcv_nxt at once on the dup
 *   ACKs, and no reassembly state is kept per connection. Bytes before
 *   rcv_nxt are trimmed (a wholly old segment is re-ACKed). Of new bytes,
 *   what fits is taken and ACKed; the rest is not. The window advertised
 *   is the room left (scaled down by weir's shift, at most 65535), so 0
 *   once the buffer is full: the caller then answers 431 (or 413).
 * - The head must be complete within header_timeout_ms (10 s default) of
 *   the open: weir_tcp_ep_timer() reports WEIR_TCP_EP_EV_HEADER_TIMEOUT
 *   once, at the deadline, and the caller answers 408 (slow-loris).
 * - RESPOND: weir_tcp_ep_respond() sends weir's own answer, bytes the
 *   caller keeps stable until WEIR_TCP_EP_EV_SENT: cut by the client's MSS
 *   and window, at most WEIR_TCP_EP_OUT_MAX segments per call (later ones
 *   go as ACKs come). Unacknowledged bytes are sent again from snd_una
 *   (go-back-N) after rto_ms, 2 rto_ms, 4 rto_ms... (doubling, the count
 *   reset whenever an ACK moves snd_una); when the next timeout comes
 *   after max_rtx retransmissions, an RST is sent and the endpoint is
 *   CLOSED (WEIR_TCP_EP_EV_GAVE_UP). A zero window is probed the same way
 *   with one byte, under the same count: a client that keeps its window
 *   shut is given up on like a silent one.
 * - FIN_WAIT: with close set, weir's FIN follows once every response byte
 *   is ACKed; it is retransmitted like data. Once it is ACKed: if the
 *   client's FIN came, TIME_WAIT; otherwise the client has fin_timeout_ms
 *   (5 s default) to send its FIN, then an RST ends it (EV_FIN_TIMEOUT).
 * - TIME_WAIT: both FINs exchanged and weir's ACKed. It lasts
 *   time_wait_ms (1 s default; restarted by a retransmitted client FIN,
 *   which is ACKed again) so that a lost last ACK is repaired instead of
 *   being answered by the caller's no-connection path; then CLOSED. Not
 *   2 MSL: the 4-tuple's next SYN is answered by a cookie anyway, and a
 *   SYN in TIME_WAIT ends the endpoint at once (CLOSED, no segment) so
 *   that the caller treats it as a new connection.
 * - A client FIN (any state) moves rcv_nxt past it, is ACKed and reported
 *   once (WEIR_TCP_EP_EV_FIN): a half-close; the caller may still respond.
 *   Data after the FIN is never taken.
 * - RST (RFC 5961 3): seq exactly rcv_nxt -> CLOSED (EV_RESET); inside the
 *   receive window but not exact -> a challenge ACK, nothing else; outside
 *   -> ignored. A SYN in any state but TIME_WAIT -> a challenge ACK (RFC
 *   5961 4). Challenge ACKs are not rate limited here (the caller's
 *   limiter does). A segment without ACK is ignored. An ACK of bytes
 *   never sent is answered by an ACK and the segment dropped (RFC 793).
 * - A pure ACK is taken when its seq is in [rcv_nxt, rcv_nxt + window)
 *   (or exactly rcv_nxt when the window is 0); any other pure ACK is
 *   answered by an ACK. The peer's window is taken from every taken
 *   segment whose ACK is not older than snd_una.
 * - CLOSED is final: every call then returns 0 and changes nothing.
 * Sequence numbers are compared mod 2^32. No timestamps (the cookie has
 * no room for them), no SACK blocks sent or read (sack_ok is recorded).
 */

#include <stddef.h>
#include <stdint.h>

#include "weir_tcp_splice.h"

/** Most segments one call asks to send. */
#define WEIR_TCP_EP_OUT_MAX 8u

/** @name Defaults taken when a parameter is 0. */
/** @{ */
#define WEIR_TCP_EP_HEADER_TIMEOUT_MS 10000u
#define WEIR_TCP_EP_RTO_MS 1000u /**< RFC 6298's initial RTO */
#define WEIR_TCP_EP_MAX_RTX 5u
#define WEIR_TCP_EP_FIN_TIMEOUT_MS 5000u
#define WEIR_TCP_EP_TIME_WAIT_MS 1000u
/** @} */

/** Endpoint states. */
enum weir_tcp_ep_state {
	WEIR_TCP_EP_CLOSED = 0, /**< final (also a zeroed struct) */
	WEIR_TCP_EP_COLLECT,	/**< reading the request head */
	WEIR_TCP_EP_RESPOND,	/**< weir's answer being sent (or sent, no FIN asked) */
	WEIR_TCP_EP_FIN_WAIT,	/**< weir's FIN sent: waiting for its ACK and the client's FIN */
	WEIR_TCP_EP_TIME_WAIT,	/**< both FINs done: lingering to re-ACK the client's FIN */
};

/** @name Events: struct weir_tcp_ep_out.ev bits. */
/** @{ */
#define WEIR_TCP_EP_EV_DATA (1u << 0)		/**< new in-order bytes in the buffer */
#define WEIR_TCP_EP_EV_FIN (1u << 1)		/**< the client's FIN came (half-close) */
#define WEIR_TCP_EP_EV_HEADER_TIMEOUT (1u << 2) /**< header_timeout_ms passed in COLLECT */
#define WEIR_TCP_EP_EV_SENT (1u << 3)		/**< every response byte is ACKed */
#define WEIR_TCP_EP_EV_RESET (1u << 4)		/**< an acceptable RST came */
#define WEIR_TCP_EP_EV_GAVE_UP (1u << 5)	/**< max_rtx retransmissions, RST sent */
#define WEIR_TCP_EP_EV_FIN_TIMEOUT (1u << 6)	/**< no client FIN in fin_timeout_ms, RST sent */
#define WEIR_TCP_EP_EV_CLOSED (1u << 7)		/**< the endpoint became CLOSED in this call */
/** @} */

/** What a valid cookie ACK gives, and the service's timers. */
struct weir_tcp_ep_params {
	uint32_t iss;		    /**< weir's ISN: the cookie, seq of its SYN-ACK */
	uint32_t irs;		    /**< the client's ISN, seq of its SYN */
	uint16_t mss;		    /**< the client's MSS from the cookie (0: 536) */
	uint8_t peer_wscale;	    /**< client's shift, or WEIR_TCP_WSCALE_NONE */
	uint8_t wscale;		    /**< shift weir's SYN-ACK carried (used if the client's is) */
	uint8_t sack_ok;	    /**< recorded only */
	uint8_t max_rtx;	    /**< retransmissions before giving up (0: default) */
	uint32_t header_timeout_ms; /**< 0: default */
	uint32_t rto_ms;	    /**< first retransmission timeout (0: default) */
	uint32_t fin_timeout_ms;    /**< 0: default */
	uint32_t time_wait_ms;	    /**< 0: default */
};

/** A segment from the client (parsed by the caller). */
struct weir_tcp_ep_seg {
	uint8_t flags;	   /**< WEIR_TCP_F_* */
	uint32_t seq, ack; /**< host order */
	uint16_t win;	   /**< window field as on the wire */
	const uint8_t *data;
	uint32_t len;
};

/** A segment to send to the client (the caller adds addresses and ports). */
struct weir_tcp_ep_tx {
	uint8_t flags;	     /**< WEIR_TCP_F_* */
	uint32_t seq, ack;   /**< host order */
	uint16_t win;	     /**< window field (already scaled down) */
	const uint8_t *data; /**< inside the response given to respond(), or NULL */
	uint32_t len;
};

/** What one call asks for. */
struct weir_tcp_ep_out {
	unsigned int n; /**< segments in seg[] */
	uint32_t ev;	/**< WEIR_TCP_EP_EV_* */
	struct weir_tcp_ep_tx seg[WEIR_TCP_EP_OUT_MAX];
};

/** One endpoint; embedded in the caller's connection entry. */
struct weir_tcp_ep {
	uint8_t state;	     /**< enum weir_tcp_ep_state */
	uint8_t flags;	     /**< private WEIR_TCP_EPF_* bits (endpoint.c) */
	uint8_t snd_ws;	     /**< shift of the client's window fields (0: none) */
	uint8_t rcv_ws;	     /**< shift of weir's window fields (0: none) */
	uint8_t rtx;	     /**< retransmissions since snd_una last moved */
	uint8_t max_rtx;     /**< give up after this many */
	uint16_t mss;	     /**< most bytes per segment */
	uint32_t iss;	     /**< weir's ISN */
	uint32_t irs;	     /**< the client's ISN */
	uint32_t snd_una;    /**< oldest byte of weir's not ACKed */
	uint32_t snd_nxt;    /**< next byte to send (back to snd_una on a timeout) */
	uint32_t snd_max;    /**< highest byte sent + 1 */
	uint32_t snd_wnd;    /**< the client's window, bytes */
	uint32_t rcv_nxt;    /**< next byte expected from the client */
	const uint8_t *resp; /**< weir's answer, seq resp_seq */
	uint32_t resp_seq;
	uint32_t resp_len;
	uint8_t *buf; /**< the head buffer (the caller's) */
	uint32_t cap;
	uint32_t len; /**< bytes in buf */
	uint32_t rto_ms;
	uint32_t fin_timeout_ms;
	uint32_t time_wait_ms;
	uint64_t hdr_deadline;	 /**< COLLECT: header timeout (UINT64_MAX: none) */
	uint64_t rtx_deadline;	 /**< next retransmission (UINT64_MAX: none) */
	uint64_t close_deadline; /**< FIN_WAIT (FIN ACKed) or TIME_WAIT end (UINT64_MAX: none) */
};

/**
 * Create the endpoint for a connection whose cookie ACK was valid: state
 * COLLECT, snd_una = snd_nxt = iss + 1, rcv_nxt = irs + 1, the header
 * deadline now_ms + header_timeout_ms. Feed the ACK itself to
 * weir_tcp_ep_input() right after.
 *
 * @param ep
 *   Endpoint to initialise.
 * @param p
 *   Cookie options and timers.
 * @param buf
 *   The head buffer, the caller's, kept until the endpoint is CLOSED.
 * @param cap
 *   Its size.
 * @param now_ms
 *   The clock.
 * @return
 *   0, or -EINVAL (NULL ep or p, NULL buf with cap > 0).
 */
int weir_tcp_ep_open(struct weir_tcp_ep *ep, const struct weir_tcp_ep_params *p, uint8_t *buf,
		     uint32_t cap, uint64_t now_ms);

/**
 * A segment from the client for this endpoint's 4-tuple.
 *
 * @param ep
 *   Endpoint.
 * @param in
 *   The segment.
 * @param now_ms
 *   The clock.
 * @param out
 *   Receives the segments to send (ACKs, challenge ACKs, more of the
 *   response as the window opens, the FIN) and events (EV_DATA, EV_FIN,
 *   EV_SENT, EV_RESET, EV_CLOSED).
 * @return
 *   out->n.
 */
int weir_tcp_ep_input(struct weir_tcp_ep *ep, const struct weir_tcp_ep_seg *in, uint64_t now_ms,
		      struct weir_tcp_ep_out *out);

/**
 * Send weir's answer (400, 404, 408, 413, 414, 431, 501, 503, 505...), then
 * a FIN once it is ACKed if close is set. Allowed in COLLECT, or in
 * RESPOND once the previous answer is ACKed and no FIN was asked (len 0
 * with close then just closes).
 *
 * @param ep
 *   Endpoint.
 * @param resp
 *   The bytes; the caller keeps them unchanged until EV_SENT or CLOSED.
 * @param len
 *   Their length.
 * @param close
 *   Non-zero: FIN after the answer.
 * @param now_ms
 *   The clock.
 * @param out
 *   Receives the first segments.
 * @return
 *   out->n, -EINVAL (NULL resp with len > 0, CLOSED, or a FIN already
 *   asked), -EBUSY (the previous answer is not ACKed yet).
 */
int weir_tcp_ep_respond(struct weir_tcp_ep *ep, const uint8_t *resp, uint32_t len, int close,
			uint64_t now_ms, struct weir_tcp_ep_out *out);

/**
 * Time passes: header timeout (reported, nothing sent), retransmission or
 * zero-window probe, giving up (RST, CLOSED), FIN_WAIT timeout (RST,
 * CLOSED), end of TIME_WAIT (CLOSED). Calling it early does nothing.
 *
 * @param ep
 *   Endpoint.
 * @param now_ms
 *   The clock.
 * @param out
 *   Receives segments and events.
 * @return
 *   out->n.
 */
int weir_tcp_ep_timer(struct weir_tcp_ep *ep, uint64_t now_ms, struct weir_tcp_ep_out *out);

/**
 * When weir_tcp_ep_timer() has something to do next.
 *
 * @param ep
 *   Endpoint.
 * @return
 *   The earliest deadline in ms, or UINT64_MAX (none, or CLOSED).
 */
uint64_t weir_tcp_ep_next_ms(const struct weir_tcp_ep *ep);

#endif /* WEIR_TCP_ENDPOINT_H */
