/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_MAILBOX_H
#define WEIR_MAILBOX_H

/**
 * @file
 * Typed mailboxes between control and the workers: each worker has an
 * inbox (control -> worker) and an outbox (worker -> control), SPSC rings
 * of fixed-size messages. A message is a type from enum weir_msg_type and
 * a payload of at most WEIR_MSG_PAYLOAD bytes whose struct belongs to the
 * stage that sends or handles it. The core dispatches them: a worker drains
 * its whole inbox at the start of every loop iteration, before its
 * quiescent state (app/core/rcu.h); control drains every outbox on its
 * tick. The handlers of each type are one table in app/core/msg.c.
 *
 * A full mailbox refuses a post (counted by the sender): nothing blocks.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

/** Message types (one place: the dispatch tables index by it). */
enum weir_msg_type {
	WEIR_MSG_NONE = 0,
	/* control -> worker */
	WEIR_MSG_TX_FRAME,     /**< an mbuf for the worker to send (control owns no TX queue) */
	WEIR_MSG_UNBAN,	       /**< adm: lift a ban in the worker's own source entries */
	WEIR_MSG_TOP_COPY,     /**< adm: copy the refused-sources summary for control */
	WEIR_MSG_TOPKEYS_COPY, /**< http: copy the limited-keys summary for control */
	/* worker -> control */
	WEIR_MSG_NEIGH,	       /**< l4: an ARP/ND observation (a backend's MAC) */
	WEIR_MSG_BAN_REPORT,   /**< adm: a source earned a ban */
	WEIR_MSG_PROBE_RESULT, /**< health: a probe's verdict */
	WEIR_MSG_PROBE_NOW,    /**< health: start a probe at once (weirctl backend check) */
	WEIR_MSG_PROBE_SETUP,  /**< health: a reload changed a pool's checks */
	WEIR_MSG_GATE_BAN,     /**< http: a key earned a ban (gate.key_bans) */
	WEIR_MSG__MAX,
};

/** Payload bytes of a message. */
#define WEIR_MSG_PAYLOAD 56

/** One message: 64 bytes. */
struct weir_msg {
	uint16_t type; /**< enum weir_msg_type */
	uint16_t len;  /**< payload bytes used */
	uint32_t pad;
	uint8_t data[WEIR_MSG_PAYLOAD];
};

/** Messages a mailbox holds. */
#define WEIR_MAILBOX_SIZE 1024
/** Workers a barrier covers (WEIR_MAX_WORKERS of the config). */
#define WEIR_MAILBOX_MAX_WORKERS 32

/**
 * Create a mailbox.
 *
 * @param name
 *   Ring name (unique).
 * @param socket
 *   NUMA socket.
 * @return
 *   The ring, or NULL with rte_errno set.
 */
struct rte_ring *weir_mailbox_create(const char *name, int socket);

/**
 * Free a mailbox; frames still in it (WEIR_MSG_TX_FRAME) are freed too.
 *
 * @param mb
 *   Mailbox or NULL.
 */
void weir_mailbox_free(struct rte_ring *mb);

/**
 * Post a message (single producer per mailbox).
 *
 * @param mb
 *   Mailbox.
 * @param type
 *   enum weir_msg_type.
 * @param payload
 *   len bytes.
 * @param len
 *   At most WEIR_MSG_PAYLOAD.
 * @return
 *   0, or -ENOBUFS if the mailbox is full.
 */
static inline int
weir_mailbox_post(struct rte_ring *mb, uint16_t type, const void *payload, size_t len)
{
	struct weir_msg m;

	m.type = type;
	m.len = (uint16_t)len;
	m.pad = 0;
	if (len != 0)
		__builtin_memcpy(m.data, payload, len);
	return rte_ring_enqueue_elem(mb, &m, sizeof(m)) == 0 ? 0 : -ENOBUFS;
}

/**
 * Room left: control checks it before posting to every worker, so a
 * message meant for all reaches all or none.
 *
 * @param mb
 *   Mailbox.
 * @return
 *   Messages that can still be posted.
 */
static inline unsigned int
weir_mailbox_room(const struct rte_ring *mb)
{
	return rte_ring_free_count(mb);
}

struct rte_mbuf;
struct weir_worker;

/**
 * Control: post a message to worker w's inbox.
 *
 * @return
 *   0, or -ENOBUFS if the inbox is full.
 */
int weir_control_post(unsigned int w, uint16_t type, const void *payload, size_t len);

/** Control: messages worker w's inbox can still take. */
unsigned int weir_control_room(unsigned int w);

/**
 * Control: post a message to every worker, or to none if one inbox is full.
 *
 * @return
 *   0, or -ENOBUFS (nothing posted).
 */
int weir_control_post_all(uint16_t type, const void *payload, size_t len);

/**
 * Control: have a frame sent (control owns no TX queue: worker 0 sends it,
 * out of port m->port).
 *
 * @param m
 *   The frame; the worker's once 0 is returned.
 * @return
 *   0, or -ENOBUFS if worker 0's inbox is full (m is still the caller's).
 */
int weir_control_tx(struct rte_mbuf *m);

/** Control: handle every message in the workers' outboxes. */
void weir_control_drain(void);

/** Worker: handle every message in its inbox (start of a loop iteration). */
void weir_worker_drain(struct weir_worker *w);

/**
 * "Every worker has moved past now": each has passed a quiescent state
 * (app/core/rcu.h) and taken every message posted to it before.
 */
struct weir_barrier {
	uint64_t rcu;
	uint64_t posted[WEIR_MAILBOX_MAX_WORKERS];
};

/** Control: a barrier at now. */
void weir_barrier_now(struct weir_barrier *b);

/** Control: has every worker moved past b? Never waits. */
int weir_barrier_passed(const struct weir_barrier *b);

#endif /* WEIR_MAILBOX_H */
