/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_L4_H
#define WEIR_L4_H

/**
 * @file
 * The L4 stage: services, the per-worker connection tables, FullNAT and
 * DSR (IP-in-IP) forwarding, local ports, backend state published by RCU,
 * and neighbour resolution for backends.
 *
 * Split of work:
 *  - control owns the admin view of pools (weights, enabled) and the
 *    neighbour cache, builds immutable snapshots (Maglev tables, effective
 *    weights and next-hop MAC per backend, per service) and publishes them
 *    (app/core/rcu.h).
 *  - each worker reads the current snapshot and owns its connection table,
 *    local ports and scheduler state; it never writes anything shared.
 *
 * Like every stage it is called by the worker loop only (app/core) and
 * calls no other stage: functions that decide a packet's fate return a
 * verdict (app/core/verdict.h) instead of sending or freeing it.
 *
 * FullNAT: client -> VIP:vport becomes local:lport -> backend:bport, and
 * the backend's reply local:lport <- backend:bport goes back as VIP:vport
 * -> client:cport. Local ports are partitioned by worker (lport %
 * n_workers is the worker), so the owner of a reply is a function of its
 * destination port alone.
 */

#include <stdint.h>

#include <jansson.h>
#include <rte_mbuf.h>

#include "core/conn-t.h"
#include "core/verdict.h"
#include "l4/conntrack.h"
#include "l4/l4-t.h"
#include "weir_pkt.h"

/** How a packet relates to the services (weir_l4_classify()). */
enum weir_l4_kind {
	WEIR_L4_OTHER = 0, /**< not for a service: ARP, ICMP, no service (the responder) */
	WEIR_L4_CLIENT,	   /**< TCP/UDP to a service's VIP, port and protocol */
	WEIR_L4_REPLY,	   /**< TCP/UDP to a service's local IP (a backend speaking) */
};

/** A backend chosen for a new connection. */
struct weir_l4_pick {
	uint32_t b;  /**< backend index in the service's pool */
	uint64_t fh; /**< the flow's hash (local port choice) */
};

/* ---- set-up (control thread) ---- */

/**
 * Set up the L4 stage: local addresses, the keyed table, pools' admin
 * state, static neighbours, each worker's connection table and state, and
 * the first snapshot. Called once the workers and ports exist.
 *
 * @param err
 *   Receives the reason on failure.
 * @param errlen
 *   Size of err.
 * @return
 *   0, or a negative exit code (-1 runtime, -2 config).
 */
int weir_l4_init(char *err, size_t errlen);

/** Undo weir_l4_init() (the workers have stopped). */
void weir_l4_fini(void);

/**
 * Set up a worker's L4 state: its connection table, scheduler state and
 * local ports.
 *
 * @param l4
 *   The state (in struct weir_worker).
 * @param id
 *   Worker index.
 * @param socket
 *   NUMA socket of its lcore.
 * @param outbox
 *   The worker's outbox to control.
 * @param err
 *   Receives the reason on failure.
 * @param errlen
 *   Size of err.
 * @return
 *   0 or -1.
 */
int weir_l4_init_worker(struct weir_l4_worker *l4, unsigned int id, int socket,
			struct rte_ring *outbox, char *err, size_t errlen);

/** Free a worker's L4 state. */
void weir_l4_fini_worker(struct weir_l4_worker *l4);

/* ---- worker: per iteration and per packet ---- */

/**
 * Start of a loop iteration (after the quiescent state): the current
 * snapshot, the scheduler state that follows it, the clock.
 *
 * @param l4
 *   Worker state.
 * @param tsc
 *   The iteration's TSC.
 */
void weir_l4_iteration(struct weir_l4_worker *l4, uint64_t tsc);

/**
 * Expire idle connections (at most budget visited). Before freeing each
 * one, gone(arg, idx, c) lets the caller release what other stages hold
 * for it.
 *
 * @return
 *   Connections expired.
 */
unsigned int weir_l4_age(struct weir_l4_worker *l4, unsigned int budget,
			 void (*gone)(void *arg, uint32_t idx, struct weir_conn *c), void *arg);

/**
 * Is ip one of the services' local (SNAT) addresses? Its index, or -1.
 *
 * @param snap
 *   Current snapshot.
 * @param family
 *   4 or 6.
 * @param ip
 *   Address, network order.
 */
int weir_l4_local(const struct weir_l4_snap *snap, uint8_t family, const uint8_t *ip);

/**
 * Classify a parsed packet and fill its flow key.
 *
 * @param l4
 *   Worker state.
 * @param buf
 *   Frame.
 * @param p
 *   Parse result.
 * @param k
 *   Receives the key (client -> VIP, or backend -> local IP).
 * @param where
 *   Receives the service index (WEIR_L4_CLIENT) or local index (WEIR_L4_REPLY).
 * @return
 *   enum weir_l4_kind.
 */
int weir_l4_classify(const struct weir_l4_worker *l4, const uint8_t *buf, const struct weir_pkt *p,
		     struct weir_conn_key *k, int *where);

/** Look up client keys in the connection table (weir_ct_lookup_bulk()). */
void weir_l4_lookup(struct weir_l4_worker *l4, const struct weir_conn_key **keys, unsigned int n,
		    uint32_t *idx);

/**
 * The FullNAT connection a backend's packet (key k, to local index li)
 * belongs to: its destination port names it, and it must be that
 * connection's backend speaking.
 *
 * @return
 *   Connection slot, or WEIR_CONN_NONE.
 */
uint32_t weir_l4_reply_lookup(const struct weir_l4_worker *l4, const struct weir_conn_key *k,
			      int li);

/** The connection in slot idx. */
static inline struct weir_conn *
weir_l4_conn(struct weir_l4_worker *l4, uint32_t idx)
{
	return weir_ct_get(l4->ct, idx);
}

/**
 * A backend for a new connection of service svc: the scheduler's pick
 * with a resolved next hop.
 *
 * @return
 *   WEIR_V_CONTINUE with *pick filled, or a drop (no_backend, neigh_miss).
 */
struct weir_verdict weir_l4_pick(struct weir_l4_worker *l4, unsigned int svc,
				 const struct weir_conn_key *k, struct weir_l4_pick *pick);

/**
 * A segment in the middle of a connection weir has no entry for: DSR can
 * still forward it by Maglev (the backend holds the connection); FullNAT
 * cannot (the reply mapping is gone).
 *
 * @return
 *   WEIR_V_CONTINUE with *pick filled (then weir_l4_stateless()), or a drop (no_conn).
 */
struct weir_verdict weir_l4_stateless_pick(struct weir_l4_worker *l4, unsigned int svc,
					   const struct weir_conn_key *k,
					   struct weir_l4_pick *pick);

/**
 * Create the connection of a new flow to pick: its entry, its local port
 * (FullNAT), its place in the scheduler.
 *
 * @param l4
 *   Worker state.
 * @param m
 *   Its first packet.
 * @param p
 *   Its parse result.
 * @param svc
 *   Service.
 * @param k
 *   Client key.
 * @param pick
 *   From weir_l4_pick().
 * @param ref
 *   The sources it holds (app/adm), stored in it.
 * @param idx
 *   Receives the connection slot.
 * @return
 *   0; -ENOSPC if the table has no room (nothing created); -EADDRNOTAVAIL if
 *   no local port is free (nothing created); -EDQUOT if the source holds
 *   udp_ports_per_source FullNAT UDP ports already (nothing created).
 */
int weir_l4_open(struct weir_l4_worker *l4, const struct rte_mbuf *m, const struct weir_pkt *p,
		 unsigned int svc, const struct weir_conn_key *k, const struct weir_l4_pick *pick,
		 const uint32_t ref[2], uint32_t *idx);

/**
 * Create an HTTP connection from a valid cookie ACK, before its request
 * says where it goes (delayed binding): established, proven, no backend
 * (WEIR_CONN_UNBOUND) and no local port until weir_l4_bind().
 *
 * @return
 *   0, or -ENOSPC if the table has no room.
 */
int weir_l4_open_unbound(struct weir_l4_worker *l4, const struct rte_mbuf *m, unsigned int svc,
			 const struct weir_conn_key *k, const uint32_t ref[2], uint32_t *idx);

/**
 * Bind an HTTP connection (slot idx) to pick's backend of service svc (the
 * route's: the HTTP service or one of its internal services): a local port,
 * the backend's address, the scheduler's load. c->service becomes svc.
 *
 * @return
 *   0, or -EADDRNOTAVAIL (no local port free; nothing changed).
 */
int weir_l4_bind(struct weir_l4_worker *l4, uint32_t idx, struct weir_conn *c, unsigned int svc,
		 const struct weir_l4_pick *pick);

/**
 * Does the worker run short for service svc: fewer than 1/8 of its
 * connection entries free, or (FullNAT) of the local ports of the
 * service's local IPs for its protocol? Then TCP SYNs get cookies (app/sp)
 * and half-open connections a shorter timeout.
 */
int weir_l4_pressure(const struct weir_l4_worker *l4, unsigned int svc);

/**
 * The TCP state after a segment (timeouts, the scheduler's load and RTT).
 * The handshake completes only with a client ACK of the backend's SYN-ACK
 * (its sequence number + 1): then the client is proven (WEIR_CONN_F_PROVEN).
 *
 * @param th
 *   The TCP header, or NULL for UDP.
 * @param from_client
 *   1 for client -> backend.
 */
void weir_l4_track(struct weir_l4_worker *l4, uint32_t idx, struct weir_conn *c, const uint8_t *th,
		   int from_client);

/** Forward a client packet of c to its backend (rewrite or encapsulate): TX or a drop. */
struct weir_verdict weir_l4_to_backend(struct weir_l4_worker *l4, struct rte_mbuf *m,
				       const struct weir_pkt *p, const struct weir_conn *c);

/** Forward a backend packet of c to its client: TX. */
struct weir_verdict weir_l4_to_client(struct weir_l4_worker *l4, struct rte_mbuf *m,
				      const struct weir_pkt *p, const struct weir_conn *c);

/** Forward a DSR packet without an entry to pick's backend: TX or a drop. */
struct weir_verdict weir_l4_stateless(struct weir_l4_worker *l4, struct rte_mbuf *m,
				      const struct weir_pkt *p, unsigned int svc,
				      const struct weir_conn_key *k,
				      const struct weir_l4_pick *pick);

/**
 * Address a segment weir wrote (IP and up) to c's backend.
 *
 * @param count
 *   1 to count it in to_backend (it stands for a client packet).
 * @return
 *   TX, or a drop (neigh_miss).
 */
struct weir_verdict weir_l4_xmit_backend(struct weir_l4_worker *l4, struct rte_mbuf *m,
					 const struct weir_conn *c, int count);

/** Address a segment weir wrote (IP and up) to c's client: TX. */
struct weir_verdict weir_l4_xmit_client(struct weir_l4_worker *l4, struct rte_mbuf *m,
					const struct weir_conn *c);

/** The backend completed c's handshake (a spliced connection): established. */
void weir_l4_established(struct weir_l4_worker *l4, struct weir_conn *c);

/**
 * c closed by a reset weir made up (a spliced connection).
 *
 * @param refused
 *   1 if the backend refused the handshake (counted against it).
 */
void weir_l4_closed(struct weir_l4_worker *l4, uint32_t idx, struct weir_conn *c, int refused);

/** Give back what c holds in this stage (local port, scheduler load). */
void weir_l4_release(struct weir_l4_worker *l4, struct weir_conn *c);

/** Remove c (slot idx) now, after weir_l4_release(). */
void weir_l4_del(struct weir_l4_worker *l4, uint32_t idx);

/**
 * Pass an ARP sender or ND link-layer option to control (backends' MACs),
 * if the frame may teach one: an ARP reply or solicited neighbour
 * advertisement addressed to weir (an answer to its own request), or an
 * ARP request or neighbour solicitation for one of weir's addresses; the
 * MAC neither group nor zero, an ND message's hop limit 255. Anything else
 * is counted in neigh_ignored.
 *
 * @param pi
 *   Port index it came in on.
 */
void weir_l4_neigh_observe(struct weir_l4_worker *l4, unsigned int pi, const uint8_t *buf,
			   const struct weir_pkt *p);

/* ---- control ---- */

/**
 * A worker's ARP/ND observation (WEIR_MSG_NEIGH).
 *
 * @param payload
 *   The message.
 */
void weir_l4_neigh_learned(const void *payload);

/** Periodic work: resolve backends, refresh, publish a snapshot if anything changed. */
void weir_l4_control_tick(void);

/**
 * The services and their backends (weirctl services) without the other
 * stages' settings.
 *
 * @return
 *   New array of service objects.
 */
json_t *weir_l4_services_json(void);

/**
 * Health's verdict on a backend of a pool (app/health, through the core):
 * one out of service takes no new connections (weight 0 for the
 * schedulers; Maglev gives its slots, and only those, to the others). The
 * snapshot is published on the next weir_l4_control_tick().
 */
void weir_l4_set_serving(unsigned int pool, unsigned int b, int serving);

/** Reload: backend b of pool was appended to the config (admin state, next hop). */
void weir_l4_backend_added(unsigned int pool, unsigned int b);

/** Reload: backend b of pool's configured weight (0: removed, drained). */
void weir_l4_backend_weight(unsigned int pool, unsigned int b, uint32_t weight);

/** Reload: the local index of address a, or -1 if no service used it at start. */
int weir_l4_local_known(const struct weir_addr *a);

/**
 * Reload: service svc was appended to the config (its local IPs known):
 * its local indexes and next hops. Workers set its scheduler up when a
 * snapshot names it.
 */
void weir_l4_service_added(unsigned int svc);

/**
 * Reload: services were added or removed: a new keyed table (the old one
 * goes with the snapshots that use it), published with the next snapshot.
 *
 * @return
 *   0, or -1 without memory (nothing changed).
 */
int weir_l4_services_changed(void);

/** Reload: publish what changed now, before the answer waits for the workers. */
void weir_l4_reload_publish(void);

/** Snapshot version in force. */
uint64_t weir_l4_snapshot_version(void);

/** Control's neighbour counters (weirctl services). */
struct weir_l4_neigh_counters {
	uint64_t requests_lost;	  /**< requests not sent: worker 0's inbox was full */
	uint64_t unsolicited;	  /**< answers with no request of weir's out (ignored) */
	uint64_t changes;	  /**< MAC changes confirmed by a fresh request (and used) */
	uint64_t changes_refused; /**< MAC changes the MAC in use or silence denied */
};

/** Control's neighbour counters. */
void weir_l4_neigh_counters(struct weir_l4_neigh_counters *nc);

/**
 * weirctl backend disable|enable|weight: change backend b of pool pi for
 * new connections; the answer comes once every worker uses the new tables.
 */
json_t *weir_l4_backend_change(json_t *req, unsigned int pi, unsigned int b, char *err,
			       size_t errlen);

#endif /* WEIR_L4_H */
