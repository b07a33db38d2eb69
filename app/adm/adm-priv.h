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

/* A ban key: family, prefix length, the address with host bits zero. */
struct ban_key {
	uint8_t family;
	uint8_t plen;
	uint8_t pad[2];
	uint8_t addr[16];
};

struct ban_slot {
	struct ban_key key; /* family 0: empty */
	uint32_t pad;
	uint64_t until_ns;
};

/** Bans in force (immutable once published): open addressing, linear probing. */
struct weir_adm_bans {
	uint32_t n;
	uint32_t mask;
	uint8_t any4;	      /* an IPv4 ban exists (always /32) */
	uint8_t n_v6_plen;    /* IPv6 prefix lengths in use, */
	uint8_t v6_plen[129]; /* longest first */
	struct ban_slot slot[];
};

/* WEIR_MSG_BAN_REPORT: a source that earned a ban under a rule. */
struct ban_report {
	struct ban_key key;
	uint8_t rule;
	uint8_t pad[3];
	uint64_t now_ns;       /* when it was earned */
	struct weir_rl_ban st; /* the ban the worker applied */
};

/* A rule: a service's limits, or the global ones (index WEIR_ADM_GLOBAL). */
struct rule {
	const struct weir_limits *l; /* NULL: no limits */
	struct weir_rl_tb_params nc, pk;
	struct weir_rl_ban_params ban;
	uint8_t pin; /* connections hold their source (packets or concurrent limit) */
};

/* The ban list, kept while a key is banned or may still escalate. */
struct ban_rec {
	struct ban_key key;
	struct weir_rl_ban st;
	uint32_t times;	    /* bans so far */
	uint8_t rule;	    /* rule of the last ban; BAN_MANUAL: weirctl */
	uint64_t forget_ns; /* when the record may go */
};
#define BAN_MANUAL (WEIR_ADM_GLOBAL + 1)
#define MAX_BANS 65536
#define TOP_K 1024 /* counters per worker summary (about 100 KiB) */

/* The stage's shared state: rules (read-only once workers run), the
 * tables the workers load, and control's lists. */
struct adm_state {
	struct rule rules[WEIR_MAX_SERVICES + 1];
	struct weir_adm_acl *acl_cur;	/* published prefix tables */
	struct weir_adm_bans *bans_cur; /* published bans */
	struct weir_adm_worker *workers[WEIR_MAX_WORKERS];
	unsigned int n_workers;
	/* control */
	struct weir_acl_entry *acl_rules; /* config first, then weirctl's */
	uint8_t *acl_from_ctl;
	unsigned int n_acl_rules;
	unsigned int acl_gen;
	struct rte_hash *ban_index; /* ban_key -> struct ban_rec * */
	int bans_dirty;
	uint64_t bans_next_expiry;
	uint64_t bans_lost; /* reports refused: ban list full */
	struct weir_rl_topk *top_merged;
	int ts_off; /* RX timestamp field (clock rx_timestamp) */
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
	a ^= (uint64_t)k->family << 56 ^ (uint64_t)k->plen << 48;
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

void adm_bans_free_all(void);

/* top.c */
void adm_top_fini(void);

/* cmd helpers */
json_t *adm_prefix_json(uint8_t family, const uint8_t *ip, unsigned int plen);
const char *adm_req_str(json_t *req, const char *key);

#endif /* WEIR_ADM_PRIV_H */
