/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_L4_PRIV_H
#define WEIR_L4_PRIV_H

/*
 * Shared by the L4 stage's files only: control-side state and small
 * helpers.
 */

#include <stdint.h>
#include <string.h>

#include "core/drop.h"
#include "core/weir.h"
#include "l4/l4.h"

#define PROTO_TCP 6
#define PROTO_UDP 17
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/** Most distinct local (SNAT) addresses over all services. */
#define L4_MAX_LOCALS 64

/*
 * Control's view of one backend's next hop. A MAC is learned from an answer
 * to weir's own request, or from a request the backend sent to one of
 * weir's addresses; once resolved, a different MAC is only a candidate
 * until a fresh request (a confirming round) is answered by the candidate
 * and not by the MAC in use (app/l4/neigh.c).
 */
struct l4_neigh {
	uint8_t mac[6];
	uint8_t ok; /* resolved */
	uint8_t is_static;
	uint8_t pending;  /* a request is out: answers are taken until asked_ms + window */
	uint8_t has_cand; /* cand is a different MAC seen for a resolved entry */
	uint8_t round;	  /* the request out is the candidate's confirming round */
	uint8_t ans_old;  /* the MAC in use answered the request out */
	uint8_t ans_cand; /* the candidate answered it */
	uint8_t tries;	  /* confirming rounds nobody answered */
	uint8_t cand[6];
	uint64_t learned_ms;
	uint64_t asked_ms;
};

/* Control-side state (the control thread only, but for snap, which the
 * workers load). */
struct l4_control {
	/* Admin state of pools. */
	uint32_t weight[WEIR_MAX_POOLS][WEIR_MAX_BACKENDS];
	uint8_t enabled[WEIR_MAX_POOLS][WEIR_MAX_BACKENDS];
	/* Health (app/health, through the core): 0 = takes no new connections. */
	uint8_t serving[WEIR_MAX_POOLS][WEIR_MAX_BACKENDS];
	/* Next hop of each backend per service: a pool may serve several
	 * services, whose backends are reached through each one's port. */
	struct l4_neigh neigh[WEIR_MAX_SERVICES][WEIR_MAX_BACKENDS];
	uint64_t version;
	struct weir_l4_neigh_counters nc;
	int publish_due;	   /* a MAC changed: publish */
	struct weir_l4_snap *snap; /* current snapshot (published) */
	struct weir_svcmap *map;   /* services and local addresses */
	/* Distinct local addresses; each service maps its local IPs here. */
	unsigned int n_locals;
	struct weir_addr locals[L4_MAX_LOCALS];
	uint8_t svc_local[WEIR_MAX_SERVICES][WEIR_MAX_LOCAL_IPS];
};

extern struct l4_control weir_l4c;

static inline size_t
ip_len(uint8_t family)
{
	return family == 4 ? 4 : 16;
}

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint8_t
tcp_flags(const uint8_t *buf, const struct weir_pkt *p)
{
	return p->l4_proto == PROTO_TCP ? buf[p->l4_off + 13] : 0;
}

/* svcmap.c */
struct weir_svcmap *l4_svcmap_build(void);
int l4_svcmap_service(const struct weir_svcmap *m, uint8_t family, const uint8_t *ip, uint16_t port,
		      uint8_t proto);

/* snapshot.c */
struct weir_l4_snap *l4_snap_build(const struct weir_l4_snap *old);
void l4_snap_free(void *p);
uint64_t l4_snap_publish(void);

/* Service i's scheduler state in a worker, from the config. */
void l4_sched_init(struct weir_l4_worker *l4, unsigned int i);

/* Backend b of service i's next hop from the static neighbours (or none yet). */
void l4_neigh_init_one(unsigned int i, unsigned int b);

/* FullNAT UDP ports held per source: counters per hash of the source (a
 * collision shares a bound, 1 in 65536). */
#define L4_UDP_HELD_SLOTS 65536u
/* Pressure: fewer than 1/L4_PRESSURE_DIV of the local ports or connection
 * entries free (weir_l4_pressure()). */
#define L4_PRESSURE_DIV 8u
/* The half-open timeout of connections opened under pressure, at most. */
#define L4_PRESSURE_SYN_S 5u

static inline uint32_t
l4_udp_held_slot(const struct weir_conn_key *k)
{
	/* IPv6: per /64, as one client network. */
	return (uint32_t)weir_lb_hash64(k->src, k->family == 4 ? 4 : 8, k->family) &
	       (L4_UDP_HELD_SLOTS - 1);
}

/* lport.c */
int l4_lport_alloc(struct weir_l4_worker *l4, unsigned int svc, uint8_t proto, uint32_t hash,
		   uint32_t idx, unsigned int *li_out, uint16_t *port_out);
void l4_lport_free(struct weir_l4_worker *l4, const struct weir_conn *c);

/* neigh.c */
void l4_neigh_init(void);

#endif /* WEIR_L4_PRIV_H */
