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
 * found by its destination local port (app/l4/lport.c). The connection
 * itself (struct weir_conn) is a core type: app/core/conn-t.h. Aging is
 * lazy: a packet only moves the connection's expiry forward; the wheel visits
 * a connection when its old expiry comes, and re-files it if it was touched
 * meanwhile. So a tick costs the connections due in it, never a full scan.
 */

#include <stdint.h>
#include <string.h>

#include <rte_common.h>

#include "core/conn-t.h"

struct weir_conntrack;

/** Keys weir_ct_lookup_bulk() looks up together (more are taken in chunks of this many). */
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
 *   Number of keys (any; WEIR_CT_BULK_MAX at a time overlap their cache misses).
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
