/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_CONN_T_H
#define WEIR_CONN_T_H

/**
 * @file
 * A connection as every stage sees it: the L4 stage creates, finds and
 * ages them (app/l4/conntrack.h: a table per worker), admission records
 * the sources one holds, the SYN proxy marks the ones it splices. The type
 * lives in the core so that stages share it without calling each other.
 */

#include <stdint.h>

#include <rte_common.h>

/** A flow key: what a packet carries, in network order. 40 bytes. */
struct weir_conn_key {
	uint8_t family; /**< 4 or 6 */
	uint8_t proto;	/**< 6 or 17 */
	uint16_t sport;
	uint16_t dport;
	uint16_t pad;
	uint8_t src[16]; /**< IPv4 in the first 4 bytes, rest zero */
	uint8_t dst[16];
};

/** TCP states tracked for timeouts. */
enum weir_conn_state {
	WEIR_CONN_SYN = 0,     /**< handshake in progress */
	WEIR_CONN_ESTABLISHED, /**< handshake completed */
	WEIR_CONN_FIN,	       /**< a FIN was seen */
	WEIR_CONN_CLOSED,      /**< RST, or FINs both ways */
	WEIR_CONN_UDP,	       /**< a UDP flow */
};

/** Slot value meaning "none". */
#define WEIR_CONN_NONE UINT32_MAX
/** weir_conn.backend of an HTTP connection not bound to a backend yet (app/http). */
#define WEIR_CONN_UNBOUND 0xffffu

/** One connection. */
struct weir_conn {
	struct weir_conn_key client; /**< client -> VIP, as received */
	uint8_t local_ip[16];	     /**< our source towards the backend */
	uint8_t backend_ip[16];
	uint16_t lport;	       /**< network order; 0 for DSR */
	uint16_t bport;	       /**< network order */
	uint8_t client_mac[6]; /**< where replies go on the client side */
	uint8_t in_port;       /**< port index the client came in on */
	uint8_t state;	       /**< enum weir_conn_state */
	uint8_t service;       /**< service index */
	uint8_t flags;	       /**< WEIR_CONN_F_* */
	uint16_t backend;      /**< backend index in the service's pool */
	uint32_t expire;       /**< tick (second) after which it is idle */
	uint64_t syn_tsc;      /**< when the client's SYN passed, for the RTT sample */
	uint32_t wheel_next, wheel_prev;
	uint32_t wheel_tick; /**< the tick whose wheel slot holds it */
	uint32_t src_ref[2]; /**< sources it holds (service, global): app/adm */
	uint32_t synack_ack; /**< TCP: the ACK that completes the handshake (host order) */
} __rte_aligned(64);	     /* two cache lines; the key never straddles one */

#define WEIR_CONN_F_SYNACK 0x01 /**< the backend's SYN-ACK was seen */
#define WEIR_CONN_F_FIN_C 0x02	/**< FIN from the client */
#define WEIR_CONN_F_FIN_B 0x04	/**< FIN from the backend */
#define WEIR_CONN_F_LPORT 0x08	/**< holds a local port */
#define WEIR_CONN_F_SPLICE 0x10 /**< synproxy: seq/ack translated (app/sp) */
/** The client is proven to receive what is sent to its address: it
 * acknowledged the backend's SYN-ACK, or it answered a SYN cookie. A spoofer
 * that cannot see those answers never gets there (app/adm: bans). */
#define WEIR_CONN_F_PROVEN 0x20
#define WEIR_CONN_F_REPLIED 0x40 /**< UDP: the backend has answered */
/** Opened while the worker ran short of local ports or entries: a shorter
 * half-open timeout (app/l4: weir_l4_pressure()). */
#define WEIR_CONN_F_PRESSURE 0x80

#endif /* WEIR_CONN_T_H */
