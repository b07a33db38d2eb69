/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_CONNTRACK_H
#define WEIR_CONNTRACK_H

/**
 * @file
 * Per-worker connection table: a slot array of connections, an index from
 * flow keys to slots (a two-choice bucketed hash of signatures; keys are
 * confirmed against the connection, see conntrack.c), and a hashed timer
 * wheel for aging. One per worker, never shared: no locks, no atomics.
 *
 * Only client-side keys (client -> VIP) are indexed: a FullNAT reply is
 * found by its destination local port (app/lb4.c). Aging is
 * lazy: a packet only moves the connection's expiry forward; the wheel visits
 * a connection when its old expiry comes, and re-files it if it was touched
 * meanwhile. So a tick costs the connections due in it, never a full scan.
 */

#include <stdint.h>
#include <string.h>

#include <rte_common.h>

/** A flow key: what a packet carries, in network order. 40 bytes. */
struct weir_conn_key {
	uint8_t family; /**< 4 or 6 */
	uint8_t proto;  /**< 6 or 17 */
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
	WEIR_CONN_FIN,         /**< a FIN was seen */
	WEIR_CONN_CLOSED,      /**< RST, or FINs both ways */
	WEIR_CONN_UDP,         /**< a UDP flow */
};

/** Slot value meaning "none". */
#define WEIR_CONN_NONE UINT32_MAX

/** One connection. */
struct weir_conn {
	struct weir_conn_key client; /**< client -> VIP, as received */
	uint8_t local_ip[16];        /**< our source towards the backend */
	uint8_t backend_ip[16];
	uint16_t lport;       /**< network order; 0 for DSR */
	uint16_t bport;       /**< network order */
	uint8_t client_mac[6]; /**< where replies go on the client side */
	uint8_t in_port;      /**< port index the client came in on */
	uint8_t state;        /**< enum weir_conn_state */
	uint8_t service;      /**< service index */
	uint8_t flags;        /**< WEIR_CONN_F_* */
	uint16_t backend;     /**< backend index in the service's pool */
	uint32_t expire;      /**< tick (second) after which it is idle */
	uint64_t syn_tsc;     /**< when the client's SYN passed, for the RTT sample */
	uint32_t wheel_next, wheel_prev;
	uint32_t wheel_tick; /**< the tick whose wheel slot holds it */
	uint32_t src_ref[2]; /**< sources it holds (service, global): app/admit.h */
} __rte_aligned(64); /* two cache lines; the key never straddles one */

#define WEIR_CONN_F_SYNACK 0x01 /**< the backend's SYN-ACK was seen */
#define WEIR_CONN_F_FIN_C 0x02  /**< FIN from the client */
#define WEIR_CONN_F_FIN_B 0x04  /**< FIN from the backend */
#define WEIR_CONN_F_LPORT 0x08  /**< holds a local port */
#define WEIR_CONN_F_SPLICE 0x10 /**< synproxy: seq/ack translated (app/synproxy.h) */

struct weir_conntrack;

/** Most keys per weir_ct_lookup_bulk() call. */
#define WEIR_CT_BULK_MAX 64

/**
 * Create a table.
 *
 * @param name
 *   Name of its memory (rte_malloc type, shown in memory dumps).
 * @param size
 *   Most connections.
 * @param socket
 *   NUMA socket for the memory.
 * @return
 *   The table, or NULL with rte_errno set.
 */
struct weir_conntrack *weir_ct_create(const char *name, uint32_t size, int socket);

/**
 * Free a table.
 *
 * @param ct
 *   Table or NULL.
 */
void weir_ct_free(struct weir_conntrack *ct);

/**
 * Look up n keys at once.
 *
 * @param ct
 *   Table.
 * @param keys
 *   n key pointers.
 * @param n
 *   At most WEIR_CT_BULK_MAX.
 * @param idx
 *   Receives each key's connection slot, or WEIR_CONN_NONE.
 */
void weir_ct_lookup_bulk(struct weir_conntrack *ct, const struct weir_conn_key **keys,
			 unsigned int n, uint32_t *idx);

/**
 * Add a connection under its client key.
 *
 * @param ct
 *   Table.
 * @param client
 *   Client-side key.
 * @param expire
 *   First expiry tick.
 * @return
 *   The slot, or WEIR_CONN_NONE if the table is full (no free slot, or both
 *   index buckets of the key full) or the key is present.
 */
uint32_t weir_ct_add(struct weir_conntrack *ct, const struct weir_conn_key *client,
		     uint32_t expire);

/**
 * The connection in a slot.
 *
 * @param ct
 *   Table.
 * @param idx
 *   Slot from weir_ct_add() or weir_ct_lookup_bulk().
 * @return
 *   The connection.
 */
struct weir_conn *weir_ct_get(struct weir_conntrack *ct, uint32_t idx);

/**
 * The slot of a connection (the inverse of weir_ct_get()), for callers that
 * keep per-slot state beside the table and get only the connection, as the
 * expiry callback does.
 *
 * @param ct
 *   Table.
 * @param c
 *   A connection of ct.
 * @return
 *   Its slot.
 */
uint32_t weir_ct_index(const struct weir_conntrack *ct, const struct weir_conn *c);

/**
 * Set when a connection goes idle. Later than before costs nothing (the
 * wheel re-files it when its old time comes); earlier re-files it now.
 *
 * @param ct
 *   Table.
 * @param idx
 *   Slot.
 * @param expire
 *   Tick after which it is idle.
 */
void weir_ct_set_expire(struct weir_conntrack *ct, uint32_t idx, uint32_t expire);

/**
 * Remove a connection now.
 *
 * @param ct
 *   Table.
 * @param idx
 *   Slot.
 */
void weir_ct_del(struct weir_conntrack *ct, uint32_t idx);

/**
 * Expire connections idle at tick now. Visits at most budget connections
 * (the rest wait for the next call), calling done(arg, conn) before freeing
 * each expired one.
 *
 * @param ct
 *   Table.
 * @param now
 *   Current tick (seconds).
 * @param budget
 *   Most connections visited.
 * @param done
 *   Called for each expired connection, or NULL.
 * @param arg
 *   Passed to done.
 * @return
 *   Connections expired.
 */
unsigned int weir_ct_expire(struct weir_conntrack *ct, uint32_t now, unsigned int budget,
			    void (*done)(void *arg, struct weir_conn *c), void *arg);

/**
 * Connections in the table.
 *
 * @param ct
 *   Table.
 * @return
 *   Count.
 */
uint32_t weir_ct_count(const struct weir_conntrack *ct);

/**
 * Capacity of the table.
 *
 * @param ct
 *   Table.
 * @return
 *   Most connections.
 */
uint32_t weir_ct_capacity(const struct weir_conntrack *ct);

#endif /* WEIR_CONNTRACK_H */
