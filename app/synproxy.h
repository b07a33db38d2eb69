/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_SYNPROXY_H
#define WEIR_SYNPROXY_H

/**
 * @file
 * SYN proxy of FullNAT TCP services (service.synproxy) in the data path,
 * over lib/tcp_splice. Under a SYN flood (more SYNs per second on a worker
 * than the service's syn_rate, or the worker's connection table full) weir
 * answers a SYN itself with a SYN-ACK whose ISN is a SYN cookie, and keeps
 * nothing. The client's ACK that carries a valid cookie creates the
 * connection: weir opens the backend connection from its local IP and port,
 * completes it, and from then on translates sequence numbers, SACK blocks
 * and windows both ways (the splice).
 *
 * app/lb4.c owns the connection table and the address rewriting; it calls
 * in here at four points of new_flow() and for segments of spliced
 * connections (WEIR_CONN_F_SPLICE). The splice state of connection slot i
 * lives in a side array (weir_sp_worker.slot[i]), allocated only when a
 * service has a synproxy, so struct weir_conn and the common path are
 * unchanged.
 */

#include <stdint.h>

#include <jansson.h>
#include <rte_common.h>
#include <rte_mbuf.h>

#include "conntrack.h"
#include "weir_pkt.h"
#include "weir_tcp_splice.h"

struct weir_worker;

/**
 * Client segments a worker holds at most at once, one per connection at most:
 * data (or a FIN) that arrives while weir's handshake with the backend runs,
 * sent right after weir's ACK to the backend (see weir_sp_from_client()).
 * A connection holds its segment for one backend round trip (longer only if
 * the backend does not answer), so 1024 covers a million cookie connections
 * per second and worker with a 1 ms backend RTT; past it, early segments are
 * dropped as before (synproxy_pending) and the client retransmits them. The
 * packet pool is sized with this many mbufs more per worker.
 */
#define WEIR_SP_HOLD_MAX 1024u

/** Splice state of one connection slot: one cache line. */
struct weir_sp_slot {
	struct weir_tcp_splice s;
	uint32_t held; /**< 1 + index in weir_sp_worker.hold[] of its held segment, or 0 */
} __rte_aligned(64);

/** A held client segment and its parse result. */
struct weir_sp_held {
	struct rte_mbuf *m; /**< NULL when the entry is free */
	struct weir_pkt p;
};

/** Per-worker SYN proxy counters (written by the owner only). */
struct weir_sp_stats {
	uint64_t cookies_sent; /**< SYN-ACKs with a cookie */
	uint64_t cookies_ok;   /**< ACKs with a valid cookie */
	uint64_t cookies_bad;  /**< ACKs without a connection and with a bad cookie */
	uint64_t early_held;   /**< client segments held during a backend handshake */
	uint64_t early_sent;   /**< of those, sent on after weir's ACK to the backend */
	uint64_t early_freed;  /**< of those, freed unsent (the connection went away) */
	uint64_t early_full;   /**< segments not held because hold[] was full (dropped) */
};

/** Per-worker SYN proxy state. */
struct weir_sp_worker {
	struct weir_sp_slot *slot;   /**< per connection slot; NULL without synproxy services */
	uint32_t *syn_sec;	     /**< per service: the second syn_count counts in */
	uint32_t *syn_count;	     /**< per service: SYNs seen in it (saturates at syn_rate + 1) */
	struct weir_sp_held *hold;   /**< WEIR_SP_HOLD_MAX held segments */
	uint32_t *hold_free;	     /**< indices of the free entries of hold[], a stack */
	uint32_t n_hold_free;	     /**< entries on that stack */
	struct weir_sp_stats stats;
};

/** A client's ACK with a valid cookie, from weir_sp_ack() to weir_sp_open(). */
struct weir_sp_accept {
	struct weir_tcp_splice s;
	struct weir_tcp_emit syn; /**< the SYN for the backend */
};

/**
 * Control: per-service keys (the configured secret, or 16 random bytes from
 * getrandom()) and settings, and the wall clock the cookie counter follows.
 *
 * @param err
 *   Receives the reason on failure.
 * @param errlen
 *   Size of err.
 * @return
 *   0, or -1.
 */
int weir_sp_init(char *err, size_t errlen);

/**
 * Allocate a worker's SYN proxy state (nothing if no service has a synproxy).
 *
 * @param w
 *   Worker, with its connection table created.
 * @param socket
 *   NUMA socket.
 * @return
 *   0, or -ENOMEM.
 */
int weir_sp_init_worker(struct weir_worker *w, int socket);

/** Free what weir_sp_init_worker() allocated. */
void weir_sp_fini_worker(struct weir_worker *w);

/**
 * Worker: a bare SYN to a synproxy service without a connection. Answers it
 * with a cookie SYN-ACK when cookies are on: always with table_full, else
 * when this SYN passes the service's syn_rate on this worker (every call
 * counts one SYN).
 *
 * @param w
 *   Worker.
 * @param m
 *   The SYN; rewritten into the SYN-ACK and sent, or dropped, when 1 is
 *   returned.
 * @param p
 *   Its parse result.
 * @param svc
 *   Service index.
 * @param table_full
 *   Non-zero if the connection table has no room for it.
 * @return
 *   1 if the packet was consumed, 0 to go on (a connection as usual).
 */
int weir_sp_syn(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p, int svc,
		int table_full);

/**
 * Worker: an ACK (no SYN, no RST) to a synproxy service without a
 * connection: check its cookie. A bad one is counted and dropped as
 * syn_cookie_invalid.
 *
 * @param w
 *   Worker.
 * @param m
 *   The ACK; freed when -1 is returned.
 * @param p
 *   Its parse result.
 * @param svc
 *   Service index.
 * @param a
 *   Filled when the cookie is valid.
 * @return
 *   0 if valid (the caller makes the connection, then weir_sp_open()), or -1.
 */
int weir_sp_ack(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p, int svc,
		struct weir_sp_accept *a);

/**
 * Worker: a new connection from a valid cookie. Stores its splice state,
 * marks it WEIR_CONN_F_SPLICE and turns the client's ACK into the SYN to
 * the backend (from the connection's local IP and port), which it sends.
 * Client data in that ACK is not forwarded (the client retransmits it);
 * data in the client's next segments is held (weir_sp_from_client()).
 *
 * @param w
 *   Worker.
 * @param m
 *   The client's ACK.
 * @param p
 *   Its parse result.
 * @param idx
 *   Connection slot.
 * @param c
 *   The connection, with backend, local IP and port filled in.
 * @param a
 *   From weir_sp_ack().
 */
void weir_sp_open(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p, uint32_t idx,
		  struct weir_conn *c, const struct weir_sp_accept *a);

/**
 * Worker: a client segment of a spliced connection. During the backend
 * handshake, the first one with data or a FIN is held (at most one per
 * connection, WEIR_SP_HOLD_MAX per worker) until weir_sp_held_take(); later
 * ones are dropped (synproxy_pending), or turn into a repeat of the SYN to
 * the backend when the last one is a second old.
 *
 * @param w
 *   Worker.
 * @param m
 *   Segment.
 * @param p
 *   Its parse result.
 * @param idx
 *   Connection slot.
 * @param c
 *   Connection.
 * @return
 *   1 if the segment was translated in place (the caller tracks it and
 *   forwards it to the backend as usual), 0 if it was consumed (answered,
 *   turned into another segment, or dropped).
 */
int weir_sp_from_client(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p,
			uint32_t idx, struct weir_conn *c);

/**
 * Worker: a backend segment of a spliced connection. Same contract as
 * weir_sp_from_client(), towards the client.
 */
int weir_sp_from_backend(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p,
			 uint32_t idx, struct weir_conn *c);

/**
 * Worker: the client segment held during the backend handshake of a
 * connection, once that handshake is done (weir_sp_from_backend() has sent
 * weir's ACK). The caller passes it through weir_sp_from_client() and on to
 * the backend like any client segment, so it follows the ACK.
 *
 * @param w
 *   Worker.
 * @param idx
 *   Connection slot (a spliced connection).
 * @param p
 *   Receives the segment's parse result.
 * @return
 *   The segment, now the caller's; NULL if none is held, or the backend
 *   handshake is still running.
 */
struct rte_mbuf *weir_sp_held_take(struct weir_worker *w, uint32_t idx, struct weir_pkt *p);

/**
 * Worker: a spliced connection goes away (expiry, reuse of its slot): free
 * its held segment, if any. Closes inside the splice (RSTs) do it already.
 *
 * @param w
 *   Worker.
 * @param idx
 *   Connection slot.
 */
void weir_sp_held_free(struct weir_worker *w, uint32_t idx);

/**
 * Control: add a worker's SYN proxy counters to its stats object.
 *
 * @param w
 *   Worker.
 * @param o
 *   The worker's JSON object.
 */
void weir_sp_worker_json(const struct weir_worker *w, json_t *o);

/**
 * Control: a service's synproxy settings for "services" (never the secret).
 *
 * @param svc
 *   Service index.
 * @return
 *   A new object, or NULL if the service has no synproxy.
 */
json_t *weir_sp_service_json(unsigned int svc);

#endif /* WEIR_SYNPROXY_H */
