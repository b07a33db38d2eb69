/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_VERDICT_H
#define WEIR_VERDICT_H

/**
 * @file
 * What a stage says about a packet. Stages never send or free a packet
 * themselves (nor call another stage): they return a verdict, and the
 * worker loop (app/core/pipeline.c) acts on it.
 */

#include <stdint.h>

/** Verdict kinds. */
enum weir_verdict_kind {
	WEIR_V_CONTINUE = 0, /**< go on with the packet's next step */
	WEIR_V_TX,	     /**< the frame is complete: send it out of port */
	WEIR_V_DROP,	     /**< drop it, counted under reason */
	WEIR_V_RST,	     /**< answer the SYN with an RST; if it cannot be, drop for reason */
	WEIR_V_TO_BACKEND,   /**< L3 and up are written: address it to the connection's backend */
	WEIR_V_TO_CLIENT,    /**< L3 and up are written: address it to the connection's client */
	WEIR_V_KEPT,	     /**< the stage keeps the packet (held for later) */
	WEIR_V_CONSUMED,     /**< the stage took what it needed: free it (not a drop) */
};

/** Events a verdict may carry about the packet's connection. */
enum weir_verdict_event {
	WEIR_EV_NONE = 0,
	WEIR_EV_ESTABLISHED, /**< the backend completed its handshake (RTT in the stage) */
	WEIR_EV_CLOSED,	     /**< the connection closed (an RST made up by the stage) */
	WEIR_EV_REFUSED,     /**< closed: the backend refused the handshake */
	WEIR_EV_ROUTE,	     /**< an HTTP request is routed: bind it (app/http) */
};

/** A verdict: 4 bytes, returned in a register. */
struct weir_verdict {
	uint8_t kind;	 /**< enum weir_verdict_kind */
	uint8_t event;	 /**< enum weir_verdict_event */
	uint16_t reason; /**< WEIR_V_DROP / WEIR_V_RST: enum weir_drop; WEIR_V_TX: port index */
};

/** A verdict without event. */
static inline struct weir_verdict
weir_v(uint8_t kind, uint16_t reason)
{
	struct weir_verdict v = {.kind = kind, .reason = reason};

	return v;
}

/** Go on. */
static inline struct weir_verdict
weir_v_continue(void)
{
	return weir_v(WEIR_V_CONTINUE, 0);
}

/** Drop, counted under why. */
static inline struct weir_verdict
weir_v_drop(unsigned int why)
{
	return weir_v(WEIR_V_DROP, (uint16_t)why);
}

/** Send the frame out of port index pi. */
static inline struct weir_verdict
weir_v_tx(unsigned int pi)
{
	return weir_v(WEIR_V_TX, (uint16_t)pi);
}

#endif /* WEIR_VERDICT_H */
