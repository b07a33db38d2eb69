/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_ADM_PRIV_H
#define WEIR_ADM_PRIV_H

/*
 * Shared by the admission stage's files only.
 */

#include <stdint.h>
#include <string.h>

#include <rte_lpm6.h>
#include <rte_version.h>

#include "adm/adm.h"
#include "adm/srctab.h"
#include "core/drop.h"
#include "core/weir.h"
#include "weir_ratelimit.h"

#define PROTO_TCP 6
#define SEC_NS 1000000000ull

/* Prefix table results; a /0 lives in def[] (an LPM has no /0 rule). */
enum { ACL_NONE = 0, ACL_DENY = 1, ACL_ALLOW = 2 };

/** Prefix tables (immutable once published). */
struct weir_adm_acl {
	struct rte_lpm *v4;
	struct rte_lpm6 *v6;
	uint8_t def[2]; /* [0] IPv4, [1] IPv6 */
};

/*
 * A ban key: family, prefix length, scope, the address with host bits zero.
 * The scope is a service index (the ban applies to that service), or
 * BAN_ALL (every service).
 */
struct ban_key {
	uint8_t family;
	uint8_t plen;
	uint8_t scope;
	uint8_t pad;
	uint8_t addr[16];
};
#define BAN_ALL 0xff

struct ban_slot {
	struct ban_key key; /* family 0: empty; written last, with release */
	uint32_t pad;
	uint64_t until_ns; /* changed in place (atomic) */
};

/* weir_adm_bans.any4, any6: bans of these scopes exist. */
#define BAN_F_ALL 1
#define BAN_F_SVC 2

/*
 * Bans in force: open addressing, linear probing. Control is its only
 * writer: a new ban fills an empty slot in place (the key's family last,
 * with release, so a reader sees a whole key or an empty slot), a ban's
 * end changes until_ns in place; readers compare until_ns with their
 * clock, so ended bans do no harm until the next build drops them. When
 * half the slots are taken, control builds a bigger table from its list
 * and publishes it (app/core/rcu.h): adding a ban costs O(1), amortised.
 */
struct weir_adm_bans {
	uint32_t used; /* slots taken; 0: no ban (workers skip every check) */
	uint32_t mask;
	uint8_t any4, any6; /* BAN_F_* */
	uint8_t pad[6];
	uint64_t v6_plen[3]; /* IPv6 prefix lengths in use: bit p of word p / 64 */
	struct ban_slot slot[];
};

/* WEIR_MSG_BAN_REPORT: a source that earned a ban under a rule. */
struct ban_report {
	struct ban_key key; /* with the scope of the ban */
	uint8_t rule;
	uint8_t proven; /* earned by a proven source (WEIR_CONN_F_PROVEN) */
	uint8_t pad[2];
	uint64_t now_ns;       /* when it was earned */
	struct weir_rl_ban st; /* the ban the worker applied */
};

/* A rule: a service's limits, or the global ones (index WEIR_ADM_GLOBAL). */
struct rule {
	const struct weir_limits *l; /* NULL: no limits */
	struct weir_rl_tb_params nc, pk;
	struct weir_rl_ban_params ban;	    /* proven sources: progressive */
	struct weir_rl_ban_params ban_flat; /* unproven ones: first_s each time */
	uint8_t pin; /* connections hold their source (packets or concurrent limit) */
};

/* The ban list, kept while a key is banned or may still escalate. */
struct ban_rec {
	struct ban_key key;
	struct weir_rl_ban st;
	uint32_t times;	    /* bans so far */
	uint8_t rule;	    /* rule of the last ban; BAN_MANUAL: weirctl */
	uint8_t proven;	    /* the last ban's source was proven */
	uint64_t forget_ns; /* when the record may go */
};
#define BAN_MANUAL (WEIR_ADM_GLOBAL + 1)
#define BAN_GATE (WEIR_ADM_GLOBAL + 2) /* failed authentications (gate.bad_auth) */
#define MAX_BANS 262144
#define TOP_K 1024 /* counters per worker summary (about 100 KiB) */

/* The stage's shared state: rules (read-only once workers run), the
 * tables the workers load, and control's lists. */
struct adm_state {
	struct rule rules[WEIR_MAX_SERVICES + 3]; /* services, global, (manual), gate */
	struct weir_adm_acl *acl_cur;		  /* published prefix tables */
	struct weir_adm_bans *bans_cur;		  /* published bans */
	struct weir_adm_worker *workers[WEIR_MAX_WORKERS];
	unsigned int n_workers;
	/* control */
	struct weir_acl_entry *acl_rules; /* config first, then weirctl's */
	uint8_t *acl_from_ctl;
	unsigned int n_acl_rules;
	unsigned int acl_gen;
	struct rte_hash *ban_index; /* ban_key -> struct ban_rec * */
	uint64_t bans_next_expiry;  /* the earliest end of a ban in the table */
	uint64_t bans_built_ns;	    /* when the table was last built */
	uint64_t bans_lost;	    /* reports refused: ban list full */
	struct weir_rl_topk *top_merged;
	int ts_off;		 /* RX timestamp field (clock rx_timestamp) */
	uint8_t limits_at_start; /* some rule had limits at start: workers have source tables */
	uint64_t ts_flag;
};

extern struct adm_state weir_adm;

static inline void
mask_addr(uint8_t *dst, const uint8_t *src, unsigned int bits)
{
	unsigned int i;

	for (i = 0; i<16; i++, bits = bits> 8 ? bits - 8 : 0)
		dst[i] = (uint8_t)(src[i] & (bits >= 8 ? 0xff : (0xff00 >> bits) & 0xff));
}

static inline uint32_t
ban_hash(const struct ban_key *k)
{
	uint64_t a, b;

	memcpy(&a, k->addr, 8);
	memcpy(&b, k->addr + 8, 8);
	a ^= (uint64_t)k->family << 56 ^ (uint64_t)k->plen << 48 ^ (uint64_t)k->scope << 40;
	a = (a ^ (b * 0x9e3779b97f4a7c15ULL)) * 0xbf58476d1ce4e5b9ULL;
	a ^= a >> 31;
	a *= 0x94d049bb133111ebULL;
	return (uint32_t)(a >> 32);
}

/*
 * rte_lpm6 takes an IPv6 address as uint8_t[16] up to DPDK 24.07 and as a
 * struct rte_ipv6_addr * (the same 16 bytes) from 24.11 on: these two are
 * the only calls that know.
 */
static inline int
adm_lpm6_lookup(const struct rte_lpm6 *lpm, const uint8_t ip[16], uint32_t *nh)
{
#if RTE_VERSION >= RTE_VERSION_NUM(24, 11, 0, 0)
	return rte_lpm6_lookup(lpm, (const struct rte_ipv6_addr *)ip, nh);
#else
	return rte_lpm6_lookup(lpm, ip, nh);
#endif
}

static inline int
adm_lpm6_add(struct rte_lpm6 *lpm, const uint8_t ip[16], uint8_t depth, uint32_t nh)
{
#if RTE_VERSION >= RTE_VERSION_NUM(24, 11, 0, 0)
	return rte_lpm6_add(lpm, (const struct rte_ipv6_addr *)ip, depth, nh);
#else
	return rte_lpm6_add(lpm, ip, depth, nh);
#endif
}

/* init.c: the admission clock as control sees it. */
uint64_t adm_control_now(void);

/* acl.c */
struct weir_adm_acl *adm_acl_build(char *err, size_t errlen);
void adm_acl_free(void *p);

/* bans.c */
/* The bans in force of k's source (every scope; k->scope is ignored),
 * stored in recs[WEIR_MAX_SERVICES + 1] if not NULL: their number. */
unsigned int adm_bans_of(const struct ban_key *k, uint64_t now, struct ban_rec **recs);

void adm_bans_free_all(void);

/* top.c */
void adm_top_fini(void);

/* cmd helpers */
json_t *adm_prefix_json(uint8_t family, const uint8_t *ip, unsigned int plen);
const char *adm_req_str(json_t *req, const char *key);

#endif /* WEIR_ADM_PRIV_H */
