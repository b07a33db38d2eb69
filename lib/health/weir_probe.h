/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_PROBE_H
#define WEIR_PROBE_H

/**
 * @file
 * One health probe's TCP exchange, client side, pure (no DPDK, no
 * allocation, no clock of its own: times in ms are given). The caller
 * turns the segments it asks for into frames (lib/pkt's
 * weir_pkt_tcp_build(): addresses and ports are the caller's) and hands
 * it the segments that come back for the probe's 4-tuple.
 *
 * - TCP probe: SYN (MSS option) -> a SYN-ACK acknowledging it is success;
 *   the probe then sends an RST (seq = ISN + 1) and is done. An RST is a
 *   failure ("refused"), so is the timeout.
 * - HTTP probe: SYN -> SYN-ACK -> ACK carrying the request (one segment,
 *   the request is at most WEIR_PROBE_REQ_MAX bytes) -> the response's
 *   bytes are taken in order (out-of-order segments are dropped and the
 *   expected one re-ACKed), ACKed, until the status line and, if
 *   expect_body is set, up to WEIR_PROBE_HEAD_MAX bytes of the response
 *   have been seen (or the server closed). The status must be in one of
 *   the expected ranges and the body must contain expect_body. Then an RST
 *   ends the connection (the probe never waits for a close handshake).
 * - Retransmission: the SYN and the request are sent again after
 *   rto_ms, doubling each time, until the probe's timeout_ms (measured from
 *   the start) fails it ("timeout"), after which an RST is sent if the
 *   handshake had completed. The request is not sent again once the
 *   server has ACKed it.
 * - The status line is checked as soon as a whole line (CRLF, or a bare
 *   LF) is in: "HTTP/1.0 " or "HTTP/1.1 ", three digits (100-999), then
 *   the line's end or SP and a reason phrase; anything else is
 *   "malformed". Without expect_body the verdict comes with the status
 *   line; with it, the body (after the first empty line, CRLF CRLF or LF LF)
 *   is searched in what head[] holds: a pass as soon as it is found,
 *   "bad-body" once head[] is full or the server closed without it.
 * - Sequence numbers are compared mod 2^32. The probe advertises the room
 *   left in head[] as its window. The RSTs it sends carry RST alone (no
 *   ACK) and seq = ISN + 1 + request bytes; the verdict given on a segment
 *   once the handshake is done comes with an ACK of what was received,
 *   then the RST. A segment to an IDLE or DONE probe is ignored.
 * - Not taken, as TCP says: an RST that does not ACK the SYN (SYN_SENT) or
 *   is outside the window (after the handshake), a segment without ACK.
 * Anything unexpected (an ACK for data never sent, a SYN-ACK acknowledging
 * something else) fails the probe with a reason, never crashes: the
 * response parser is fuzzed (tests/fuzz).
 */

#include <stddef.h>
#include <stdint.h>

#define WEIR_PROBE_REQ_MAX 512	 /**< most request bytes */
#define WEIR_PROBE_HEAD_MAX 1024 /**< response bytes kept to check */
#define WEIR_PROBE_STATUS_RANGES 8

#define WEIR_PROBE_FIN 0x01
#define WEIR_PROBE_SYN 0x02
#define WEIR_PROBE_RST 0x04
#define WEIR_PROBE_PSH 0x08
#define WEIR_PROBE_ACK 0x10

/** What a probe checks (per pool, built once from the config). */
struct weir_probe_cfg {
	uint8_t http;			 /**< 0: TCP handshake only; 1: HTTP request */
	uint32_t timeout_ms;		 /**< from the start to a verdict */
	uint32_t rto_ms;		 /**< first retransmission after this (doubles); 0: none */
	uint16_t mss;			 /**< MSS option in the SYN (0: 536 is sent) */
	uint16_t req_len;		 /**< request bytes */
	uint8_t req[WEIR_PROBE_REQ_MAX]; /**< the whole request, head and CRLF CRLF */
	uint8_t n_status;		 /**< expected status ranges (HTTP); 0: any status */
	uint16_t status_lo[WEIR_PROBE_STATUS_RANGES];
	uint16_t status_hi[WEIR_PROBE_STATUS_RANGES];
	uint8_t body_len; /**< expect_body bytes (at most 64); 0: no body check */
	char body[64];	  /**< expect_body_contains */
};

/** A probe's state. */
enum weir_probe_state {
	WEIR_PROBE_IDLE = 0,
	WEIR_PROBE_SYN_SENT,
	WEIR_PROBE_REQ_SENT, /**< HTTP: handshake done, request out, reading */
	WEIR_PROBE_DONE,
};

/** Why a probe failed (WEIR_PF_NONE: it passed). */
enum weir_probe_fail {
	WEIR_PF_NONE = 0,
	WEIR_PF_TIMEOUT,    /**< no verdict within timeout_ms */
	WEIR_PF_REFUSED,    /**< RST in answer to the SYN */
	WEIR_PF_RESET,	    /**< RST after the handshake, before a verdict */
	WEIR_PF_CLOSED,	    /**< FIN before a full status line */
	WEIR_PF_BAD_STATUS, /**< a status outside the expected ranges */
	WEIR_PF_BAD_BODY,   /**< the body does not contain expect_body */
	WEIR_PF_MALFORMED,  /**< not an HTTP/1.x status line */
	WEIR_PF_PROTOCOL,   /**< a segment no server sends here (bad ACK...) */
};

/** A segment the probe sends (the caller adds addresses and ports). */
struct weir_probe_seg {
	uint8_t flags;	   /**< WEIR_PROBE_* bits */
	uint32_t seq, ack; /**< host order */
	uint16_t win;	   /**< window, unscaled */
	uint8_t opts_len;  /**< option bytes (the SYN's MSS: 4) */
	uint8_t opts[4];
	const uint8_t *data; /**< payload (the request), or NULL */
	uint16_t data_len;
};

/** A segment that came back (parsed by the caller). */
struct weir_probe_in {
	uint8_t flags;
	uint32_t seq, ack; /**< host order */
	const uint8_t *data;
	size_t data_len;
};

/** Most segments one call asks to send. */
#define WEIR_PROBE_OUT_MAX 2

/** One probe exchange. */
struct weir_probe {
	uint8_t state;	   /**< enum weir_probe_state */
	uint8_t fail;	   /**< enum weir_probe_fail once DONE */
	uint8_t rtx;	   /**< retransmissions of the SYN, then of the request */
	uint16_t status;   /**< HTTP status seen, 0 if none */
	uint32_t isn;	   /**< our ISN */
	uint32_t irs;	   /**< the server's ISN */
	uint32_t snd_una;  /**< oldest byte of ours not ACKed */
	uint32_t snd_nxt;  /**< next byte of ours (after the request once it is out) */
	uint32_t rcv_nxt;  /**< next byte expected from the server */
	uint64_t start_ms; /**< when the SYN first left */
	uint64_t rtx_ms;   /**< next retransmission due */
	uint64_t done_ms;  /**< when the verdict came */
	uint16_t head_len; /**< response bytes kept */
	uint8_t head[WEIR_PROBE_HEAD_MAX];
};

/**
 * Start a probe: the SYN to send.
 *
 * @param isn
 *   Our initial sequence number (the caller's choice: random, or fixed in tests).
 * @param out
 *   Receives the SYN.
 * @return
 *   Number of segments in out (1).
 */
unsigned int weir_probe_start(struct weir_probe *pr, const struct weir_probe_cfg *cfg, uint32_t isn,
			      uint64_t now_ms, struct weir_probe_seg *out);

/**
 * A segment for this probe's 4-tuple came back.
 *
 * @param out
 *   Receives what to send in answer (at most WEIR_PROBE_OUT_MAX: e.g. the
 *   ACK carrying the request, or an ACK then an RST).
 * @return
 *   Number of segments in out. The probe may be DONE afterwards.
 */
unsigned int weir_probe_input(struct weir_probe *pr, const struct weir_probe_cfg *cfg,
			      const struct weir_probe_in *in, uint64_t now_ms,
			      struct weir_probe_seg *out);

/**
 * Time passes: retransmit, or fail on timeout.
 *
 * @return
 *   Number of segments in out. The probe may be DONE afterwards.
 */
unsigned int weir_probe_timer(struct weir_probe *pr, const struct weir_probe_cfg *cfg,
			      uint64_t now_ms, struct weir_probe_seg *out);

/**
 * Build cfg's HTTP request: "METHOD PATH HTTP/1.1\r\nHost: HOST\r\n
 * User-Agent: weir-health\r\nConnection: close\r\n\r\n".
 *
 * @return
 *   0, or -1 if it does not fit or a field holds a byte a request line or
 *   header may not (CR, LF, NUL, space in method or path).
 */
int weir_probe_http_request(struct weir_probe_cfg *cfg, const char *method, const char *path,
			    const char *host);

/** The text of a failure reason ("timeout", "refused", ...; "ok" for NONE). */
const char *weir_probe_fail_name(enum weir_probe_fail f);

#endif
