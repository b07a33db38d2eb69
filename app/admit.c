/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Admission: allow/deny prefixes, bans and per-source limits (app/admit.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>

#include "admit.h"
#include "weir.h"

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
	uint8_t any4;              /* an IPv4 ban exists (always /32) */
	uint8_t n_v6_plen;         /* IPv6 prefix lengths in use, */
	uint8_t v6_plen[129];      /* longest first */
	struct ban_slot slot[];
};

/* A report from a worker: a source that earned a ban under a rule. */
struct ban_report {
	struct ban_key key;
	uint8_t rule;
	uint8_t pad[3];
	uint64_t now_ns;   /* when it was earned */
	struct weir_rl_ban st; /* the ban the worker applied */
};

/* A rule: a service's limits, or the global ones (index WEIR_ADM_GLOBAL). */
struct rule {
	const struct weir_limits *l; /* NULL: no limits */
	struct weir_rl_tb_params nc, pk;
	struct weir_rl_ban_params ban;
	uint8_t pin; /* connections hold their source (packets or concurrent limit) */
};

static struct rule rules[WEIR_MAX_SERVICES + 1];

/* ---- control-side state ---- */

static struct weir_acl_entry *acl_rules; /* config first, then weirctl's */
static uint8_t *acl_from_ctl;
static unsigned int n_acl_rules;
static unsigned int acl_gen;
static struct weir_adm_acl *acl_cur;

/* The ban list, kept while a key is banned or may still escalate. */
struct ban_rec {
	struct ban_key key;
	struct weir_rl_ban st;
	uint32_t times;  /* bans so far */
	uint8_t rule;    /* rule of the last ban; WEIR_ADM_GLOBAL + 1: weirctl */
	uint64_t forget_ns; /* when the record may go */
};
#define BAN_MANUAL (WEIR_ADM_GLOBAL + 1)
#define MAX_BANS 65536
#define TOP_K 1024 /* counters per worker summary (about 100 KiB) */
#define REPORT_RING 1024

static struct rte_hash *ban_index; /* ban_key -> struct ban_rec * */
static struct weir_adm_bans *bans_cur;
static int bans_dirty;
static uint64_t bans_next_expiry = UINT64_MAX;
static uint64_t bans_lost; /* reports refused: ban list full */
static uint32_t unbans_sent; /* unbans put on the workers' rings */

static struct weir_rl_topk *top_merged; /* control: the workers' summaries merged */
static uint32_t top_seq;

/* RX timestamps (clock rx_timestamp). */
static int ts_off = -1;
static uint64_t ts_flag;

/* ---- helpers ---- */

static inline void
adm_drop(struct weir_worker *w, enum weir_pkt_drop why, struct rte_mbuf *m)
{
	w->stats.drops[why]++;
	rte_pktmbuf_free(m);
}

/*
 * A refusal charged to its source in the worker's heavy-hitter summary. An
 * add costs 45-55 ns with many distinct keys, too much for every packet of a
 * flood: past TOP_EXACT refusals in a second, one in TOP_SAMPLE is added,
 * with that weight (an unbiased estimate; the heavy hitters stay on top).
 */
#define TOP_EXACT 4096
#define TOP_SAMPLE 64

static inline void
top_add(struct weir_adm_worker *aw, uint8_t family, const uint8_t *src)
{
	struct weir_rl_topk_key k;
	uint64_t sec = aw->now_ns / SEC_NS, weight = 1;

	if (unlikely(sec != aw->top_sec)) {
		aw->top_sec = sec;
		aw->top_n = 0;
	}
	if (unlikely(++aw->top_n > TOP_EXACT)) {
		if ((aw->top_n - TOP_EXACT) % TOP_SAMPLE != 0)
			return;
		weight = TOP_SAMPLE;
		aw->stats.top_sampled++;
	}
	memset(&k, 0, sizeof(k));
	k.family = family;
	memcpy(k.addr, src, family == 4 ? 4 : 8); /* IPv6: the /64, as the owner */
	weir_rl_topk_add(aw->top, &k, weight);
}

/* A refused client packet: counted by reason and charged to its source. */
static inline void
refuse(struct weir_worker *w, enum weir_pkt_drop why, struct rte_mbuf *m, uint8_t family,
       const uint8_t *src)
{
	top_add(&w->lb.adm, family, src);
	adm_drop(w, why, m);
}

/* ns per TSC cycle in 32.32 fixed point: the clock costs a multiply per
 * loop iteration, not a division. */
static uint64_t tsc_mult;

static inline uint64_t
tsc_ns(uint64_t tsc)
{
	return (uint64_t)(((unsigned __int128)(tsc - weir.start_tsc) * tsc_mult) >> 32);
}

/* The admission clock as control sees it: the latest any worker has used. */
static uint64_t
control_now(void)
{
	uint64_t now = 0;
	unsigned int i;

	if (!weir.cfg->clock_rx_timestamp)
		return tsc_ns(rte_get_tsc_cycles());
	for (i = 0; i < weir.n_workers; i++) {
		uint64_t t = __atomic_load_n(&weir.workers[i]->lb.adm.now_ns, __ATOMIC_RELAXED);

		if (t > now)
			now = t;
	}
	return now;
}

static void
mask_addr(uint8_t *dst, const uint8_t *src, unsigned int bits)
{
	unsigned int i;

	for (i = 0; i < 16; i++, bits = bits > 8 ? bits - 8 : 0)
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

static inline const struct ban_slot *
ban_find(const struct weir_adm_bans *b, const struct ban_key *k)
{
	uint32_t i = ban_hash(k) & b->mask;

	for (;; i = (i + 1) & b->mask) {
		const struct ban_slot *s = &b->slot[i];

		if (s->key.family == 0)
			return NULL;
		if (memcmp(&s->key, k, sizeof(*k)) == 0)
			return s;
	}
}

/* Is this client address banned now? */
static int
banned(const struct weir_adm_worker *aw, uint8_t family, const uint8_t *src)
{
	const struct weir_adm_bans *b = aw->bans;
	struct ban_key k;
	const struct ban_slot *s;
	unsigned int plen, i;

	memset(&k, 0, sizeof(k));
	k.family = family;
	if (family == 4) {
		if (!b->any4)
			return 0;
		k.plen = 32;
		memcpy(k.addr, src, 4);
		s = ban_find(b, &k);
		return s != NULL && aw->now_ns < s->until_ns;
	}
	for (i = 0; i < b->n_v6_plen; i++) {
		plen = b->v6_plen[i];
		k.plen = (uint8_t)plen;
		mask_addr(k.addr, src, plen);
		s = ban_find(b, &k);
		if (s != NULL && aw->now_ns < s->until_ns)
			return 1;
	}
	return 0;
}

static inline int
acl_lookup(const struct weir_adm_acl *a, const struct weir_conn_key *k)
{
	uint32_t nh;

	if (k->family == 4) {
		uint32_t ip;

		memcpy(&ip, k->src, 4);
		if (a->v4 != NULL && rte_lpm_lookup(a->v4, rte_be_to_cpu_32(ip), &nh) == 0)
			return (int)nh;
		return a->def[0];
	}
	if (a->v6 != NULL && rte_lpm6_lookup(a->v6, k->src, &nh) == 0)
		return (int)nh;
	return a->def[1];
}

/* ---- worker ---- */

/* weirctl unban: lift the source's bans in this worker's entries too. */
static void
unbans_apply(struct weir_adm_worker *aw)
{
	struct ban_key k;
	unsigned int r;

	while (rte_ring_dequeue_elem(aw->unbans, &k, sizeof(k)) == 0)
		for (r = 0; r <= WEIR_ADM_GLOBAL; r++) {
			struct weir_src_key sk;
			struct weir_src_state *g;

			if (rules[r].l == NULL ||
			    (k.family == 6 && k.plen != rules[r].l->ipv6_prefix))
				continue;
			memset(&sk, 0, sizeof(sk));
			sk.family = k.family;
			sk.service = (uint8_t)r;
			memcpy(sk.addr, k.addr, 16);
			g = weir_srct_find(aw->src, &sk);
			if (g != NULL) {
				weir_rl_ban_unban(&g->ban, aw->now_ns);
				g->strikes = 0;
			}
		}
}

void
weir_adm_iteration(struct weir_worker *w)
{
	struct weir_adm_worker *aw = &w->lb.adm;

	if (unlikely(aw->unban_seen != __atomic_load_n(&unbans_sent, __ATOMIC_ACQUIRE)) &&
	    aw->unbans != NULL) {
		aw->unban_seen = __atomic_load_n(&unbans_sent, __ATOMIC_ACQUIRE);
		unbans_apply(aw);
	}

	if (unlikely(aw->top_ack != __atomic_load_n(&aw->top_req, __ATOMIC_ACQUIRE))) {
		/* weirctl top: a copy control may read until it asks again. */
		const struct weir_rl_topk *cur = aw->top;

		weir_rl_topk_merge(aw->top_out, &cur, 1);
		__atomic_store_n(&aw->top_ack, aw->top_req, __ATOMIC_RELEASE);
	}
	aw->acl = __atomic_load_n(&acl_cur, __ATOMIC_ACQUIRE);
	aw->bans = __atomic_load_n(&bans_cur, __ATOMIC_ACQUIRE);
	aw->n_bans = aw->bans->n;
	if (!weir.cfg->clock_rx_timestamp)
		__atomic_store_n(&aw->now_ns, tsc_ns(w->lb.now_tsc), __ATOMIC_RELAXED);
}

/* The clock for this packet: its RX timestamp when configured so, taken as
 * microseconds (net_pcap gives a capture's timestamps so). */
static inline void
adm_clock(struct weir_adm_worker *aw, const struct rte_mbuf *m)
{
	if (unlikely(weir.cfg->clock_rx_timestamp) && (m->ol_flags & ts_flag))
		__atomic_store_n(&aw->now_ns,
				 *RTE_MBUF_DYNFIELD(m, ts_off, const rte_mbuf_timestamp_t *) * 1000,
				 __ATOMIC_RELAXED);
}

static void
src_key(struct weir_src_key *sk, const struct weir_conn_key *k, unsigned int r)
{
	memset(sk, 0, sizeof(*sk));
	sk->family = k->family;
	sk->service = (uint8_t)r;
	if (k->family == 4)
		memcpy(sk->addr, k->src, 4);
	else
		mask_addr(sk->addr, k->src, rules[r].l->ipv6_prefix);
}

/* A refusal under rule r: count a strike; a source that keeps going is
 * banned at once under this rule, and reported to control, which bans it
 * everywhere (longer if it remembers more repeats than this entry). */
static void
strike(struct weir_adm_worker *aw, unsigned int r, struct weir_src_state *g,
       const struct weir_src_key *sk)
{
	const struct weir_limits *l = rules[r].l;
	struct ban_report rep;

	aw->stats.rl_denied++;
	if (g == NULL || l->ban.after == 0 || ++g->strikes < l->ban.after)
		return;
	g->strikes = 0;
	if (l->dry_run) {
		aw->stats.ban_dry_run++;
		return;
	}
	weir_rl_ban_trigger(&rules[r].ban, &g->ban, aw->now_ns, NULL);
	if (g->ban.until_ns > g->rested_ns)
		g->rested_ns = g->ban.until_ns;
	memset(&rep, 0, sizeof(rep));
	rep.key.family = sk->family;
	rep.key.plen = sk->family == 4 ? 32 : l->ipv6_prefix;
	memcpy(rep.key.addr, sk->addr, 16);
	rep.rule = (uint8_t)r;
	rep.now_ns = aw->now_ns;
	rep.st = g->ban;
	if (rte_ring_enqueue_elem(aw->reports, &rep, sizeof(rep)) == 0)
		aw->stats.ban_reports++;
	else
		aw->stats.ban_reports_lost++;
}

/* A bucket take; keeps rested_ns at the later of the buckets' full times. */
static inline int
take(const struct weir_rl_tb_params *pp, struct weir_rl_tb *tb, struct weir_src_state *g,
     uint64_t now)
{
	struct weir_rl_decision d;
	int rc = weir_rl_tb_take(pp, tb, now, 1, &d);

	if (now + d.reset_ns > g->rested_ns)
		g->rested_ns = now + d.reset_ns;
	return rc;
}

/* One rule for a new connection: WEIR_DROP_NONE, or why it is refused
 * (*over is set when it is over a limit but let through: dry run). */
static enum weir_pkt_drop
rule_conn(struct weir_adm_worker *aw, unsigned int r, const struct weir_conn_key *k,
	  uint32_t *ref, int *over)
{
	const struct rule *ru = &rules[r];
	const struct weir_limits *l = ru->l;
	uint64_t now = aw->now_ns;
	enum weir_pkt_drop why = WEIR_DROP_NONE;
	struct weir_src_key sk;
	struct weir_src_state *g;

	src_key(&sk, k, r);
	g = weir_srct_get(aw->src, &sk, now);
	if (g == NULL) {
		aw->stats.rl_denied++;
		return WEIR_DROP_SOURCE_TABLE_FULL;
	}
	if (now < g->ban.until_ns)
		return WEIR_DROP_BANNED;
	if (g->rested_ns <= now)
		g->strikes = 0;
	if (l->concurrent != 0 && g->conns >= l->concurrent)
		why = WEIR_DROP_CONCURRENCY_LIMITED;
	else if (l->new_conns.rate != 0 && take(&ru->nc, &g->tb, g, now) != 0)
		why = WEIR_DROP_RATE_LIMITED;
	else if (l->packets.rate != 0 && take(&ru->pk, &g->pk, g, now) != 0)
		why = WEIR_DROP_PACKET_LIMITED;
	if (why != WEIR_DROP_NONE) {
		strike(aw, r, g, &sk);
		if (!l->dry_run)
			return why;
		aw->stats.rl_dry_run++;
		*over = 1;
	}
	if (ru->pin) {
		g->conns++;
		*ref = weir_srct_index(aw->src, g);
	}
	return WEIR_DROP_NONE;
}

void
weir_adm_prefetch(struct weir_worker *w, const struct weir_conn *c)
{
	struct weir_adm_worker *aw = &w->lb.adm;
	unsigned int j;

	for (j = 0; j < 2; j++)
		if (c->src_ref[j] != WEIR_SRCT_NONE) {
			const char *g = (const char *)weir_srct_at(aw->src, c->src_ref[j]);

			/* 64 bytes of state: at most two cache lines. */
			rte_prefetch0(g);
			rte_prefetch0(g + sizeof(struct weir_src_state) - 1);
		}
}

void
weir_adm_release(struct weir_worker *w, const uint32_t ref[2])
{
	struct weir_adm_worker *aw = &w->lb.adm;
	unsigned int j;

	for (j = 0; j < 2; j++)
		if (ref[j] != WEIR_SRCT_NONE)
			weir_srct_at(aw->src, ref[j])->conns--;
}

int
weir_adm_gate(struct weir_worker *w, struct rte_mbuf *m, const struct weir_conn_key *k)
{
	struct weir_adm_worker *aw = &w->lb.adm;
	int acl;

	adm_clock(aw, m);
	acl = acl_lookup(aw->acl, k);
	if (acl == ACL_DENY) {
		adm_drop(w, WEIR_DROP_ACL_DENIED, m);
		return -1;
	}
	if (unlikely(aw->n_bans != 0) && acl != ACL_ALLOW && banned(aw, k->family, k->src)) {
		refuse(w, WEIR_DROP_BANNED, m, k->family, k->src);
		return -1;
	}
	return acl == ACL_ALLOW;
}

int
weir_adm_limits(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p,
		unsigned int svc, const struct weir_conn_key *k, int allowed, uint32_t ref[2])
{
	struct weir_adm_worker *aw = &w->lb.adm;
	unsigned int r[2] = {svc, WEIR_ADM_GLOBAL}, j;
	enum weir_pkt_drop why;
	int over = 0;

	ref[0] = ref[1] = WEIR_SRCT_NONE;
	if (rules[svc].l == NULL && rules[WEIR_ADM_GLOBAL].l == NULL)
		return 1;
	if (allowed) {
		aw->stats.acl_allowed++;
		return 1;
	}
	for (j = 0; j < 2; j++) {
		const struct weir_limits *l = rules[r[j]].l;

		if (l == NULL)
			continue;
		why = rule_conn(aw, r[j], k, &ref[j], &over);
		if (why == WEIR_DROP_NONE)
			continue;
		weir_adm_release(w, ref);
		ref[0] = ref[1] = WEIR_SRCT_NONE;
		top_add(aw, k->family, k->src);
		/* weir_lb_rst_reply() answers a SYN only (a cookie ACK is dropped). */
		if (l->action == WEIR_LIMIT_RST && why != WEIR_DROP_SOURCE_TABLE_FULL &&
		    why != WEIR_DROP_BANNED && p->l4_proto == PROTO_TCP &&
		    weir_lb_rst_reply(w, m, p) == 0) {
			aw->stats.rl_rst++;
			return 0;
		}
		adm_drop(w, why, m);
		return 0;
	}
	if (!over)
		aw->stats.rl_admitted++;
	return 1;
}

int
weir_adm_packet(struct weir_worker *w, struct rte_mbuf *m, const struct weir_conn *c)
{
	struct weir_adm_worker *aw = &w->lb.adm;
	unsigned int r[2] = {c->service, WEIR_ADM_GLOBAL}, j;

	adm_clock(aw, m);
	if (unlikely(aw->n_bans != 0) && banned(aw, c->client.family, c->client.src)) {
		refuse(w, WEIR_DROP_BANNED, m, c->client.family, c->client.src);
		return 0;
	}
	for (j = 0; j < 2; j++) {
		const struct rule *ru = &rules[r[j]];
		struct weir_src_state *g;

		if (c->src_ref[j] == WEIR_SRCT_NONE)
			continue;
		g = weir_srct_at(aw->src, c->src_ref[j]);
		if (aw->now_ns < g->ban.until_ns) {
			refuse(w, WEIR_DROP_BANNED, m, c->client.family, c->client.src);
			return 0;
		}
		if (ru->l->packets.rate == 0)
			continue;
		if (g->rested_ns <= aw->now_ns)
			g->strikes = 0;
		if (take(&ru->pk, &g->pk, g, aw->now_ns) == 0)
			continue;
		{
			struct weir_src_key sk;

			src_key(&sk, &c->client, r[j]);
			strike(aw, r[j], g, &sk);
		}
		if (ru->l->dry_run) {
			aw->stats.rl_dry_run++;
			continue;
		}
		refuse(w, WEIR_DROP_PACKET_LIMITED, m, c->client.family, c->client.src);
		return 0;
	}
	return 1;
}

/* ---- control: prefix tables ---- */

static void
acl_table_free(struct weir_adm_acl *a)
{
	if (a == NULL)
		return;
	rte_lpm_free(a->v4);
	rte_lpm6_free(a->v6);
	rte_free(a);
}

static struct weir_adm_acl *
acl_table_build(char *err, size_t errlen)
{
	struct rte_lpm_config c4 = {.max_rules = WEIR_MAX_ACL};
	struct rte_lpm6_config c6 = {.max_rules = WEIR_MAX_ACL};
	struct weir_adm_acl *a;
	char name[32];
	unsigned int i;
	int rc = 0;

	a = rte_zmalloc("weir_acl", sizeof(*a), 0);
	if (a == NULL)
		goto nomem;
	/* Sized for the rules: an IPv4 prefix longer than /24 takes a tbl8
	 * group, an IPv6 one up to 13 (one per byte past the first 3). */
	for (i = 0; i < n_acl_rules; i++) {
		if (acl_rules[i].family == 4)
			c4.number_tbl8s++;
		else
			c6.number_tbl8s += 13;
	}
	c4.number_tbl8s += 1;
	c6.number_tbl8s += 1;
	acl_gen++;
	for (i = 0; i < n_acl_rules; i++) {
		const struct weir_acl_entry *e = &acl_rules[i];
		uint32_t nh = e->allow ? ACL_ALLOW : ACL_DENY;

		if (e->prefix == 0) {
			a->def[e->family == 6] = (uint8_t)nh;
			continue;
		}
		if (e->family == 4) {
			uint32_t ip;

			snprintf(name, sizeof(name), "weir_acl4_%u", acl_gen);
			if (a->v4 == NULL && (a->v4 = rte_lpm_create(name, SOCKET_ID_ANY, &c4)) == NULL)
				goto nomem;
			memcpy(&ip, e->ip, 4);
			rc = rte_lpm_add(a->v4, rte_be_to_cpu_32(ip), e->prefix, nh);
		} else {
			snprintf(name, sizeof(name), "weir_acl6_%u", acl_gen);
			if (a->v6 == NULL &&
			    (a->v6 = rte_lpm6_create(name, SOCKET_ID_ANY, &c6)) == NULL)
				goto nomem;
			rc = rte_lpm6_add(a->v6, e->ip, e->prefix, nh);
		}
		if (rc != 0) {
			snprintf(err, errlen, "acl: cannot add a prefix: %s", rte_strerror(-rc));
			acl_table_free(a);
			return NULL;
		}
	}
	return a;
nomem:
	snprintf(err, errlen, "acl: cannot create the prefix tables: %s (give EAL more memory, -m)",
		 rte_strerror(rte_errno));
	acl_table_free(a);
	return NULL;
}

/* Publish a new table; the old one goes after every worker has moved on. */
static int
acl_publish(char *err, size_t errlen)
{
	struct weir_adm_acl *a = acl_table_build(err, errlen), *old = acl_cur;

	if (a == NULL)
		return -1;
	__atomic_store_n(&acl_cur, a, __ATOMIC_RELEASE);
	rte_rcu_qsbr_synchronize(weir.qs, RTE_QSBR_THRID_INVALID);
	acl_table_free(old);
	return 0;
}

/* ---- control: bans ---- */

static struct weir_adm_bans *
bans_build(uint64_t now)
{
	const void *key;
	void *data;
	uint32_t it = 0, n = 0, size = 8;
	uint8_t plens[129] = {0};
	struct weir_adm_bans *b;
	unsigned int p;

	while (rte_hash_iterate(ban_index, &key, &data, &it) >= 0) {
		const struct ban_rec *rec = data;

		if (rec->st.until_ns > now)
			n++;
	}
	while (size < n * 2)
		size *= 2;
	b = rte_zmalloc("weir_bans", sizeof(*b) + size * sizeof(b->slot[0]), RTE_CACHE_LINE_SIZE);
	if (b == NULL)
		return NULL;
	b->mask = size - 1;
	bans_next_expiry = UINT64_MAX;
	it = 0;
	while (rte_hash_iterate(ban_index, &key, &data, &it) >= 0) {
		const struct ban_rec *rec = data;
		uint32_t i;

		if (rec->st.until_ns <= now)
			continue;
		for (i = ban_hash(&rec->key) & b->mask; b->slot[i].key.family != 0;
		     i = (i + 1) & b->mask)
			;
		b->slot[i].key = rec->key;
		b->slot[i].until_ns = rec->st.until_ns;
		if (rec->key.family == 4)
			b->any4 = 1;
		else
			plens[rec->key.plen] = 1;
		if (rec->st.until_ns < bans_next_expiry)
			bans_next_expiry = rec->st.until_ns;
		b->n++;
	}
	for (p = 128; p > 0; p--)
		if (plens[p])
			b->v6_plen[b->n_v6_plen++] = (uint8_t)p;
	return b;
}

static int
bans_publish(uint64_t now)
{
	struct weir_adm_bans *b = bans_build(now), *old = bans_cur;

	if (b == NULL)
		return -1;
	__atomic_store_n(&bans_cur, b, __ATOMIC_RELEASE);
	rte_rcu_qsbr_synchronize(weir.qs, RTE_QSBR_THRID_INVALID);
	rte_free(old);
	bans_dirty = 0;
	return 0;
}

static struct ban_rec *
ban_get(const struct ban_key *k, int create)
{
	struct ban_rec *rec;
	void *data;

	if (rte_hash_lookup_data(ban_index, k, &data) >= 0)
		return data;
	if (!create)
		return NULL;
	rec = calloc(1, sizeof(*rec));
	if (rec == NULL)
		return NULL;
	rec->key = *k;
	if (rte_hash_add_key_data(ban_index, k, rec) != 0) {
		free(rec);
		return NULL;
	}
	return rec;
}

static void
ban_forget(struct ban_rec *rec)
{
	rte_hash_del_key(ban_index, &rec->key);
	free(rec);
}

/* A worker's report: the source is banned everywhere, for what the worker
 * decided or longer if this list remembers more repeats. */
static void
ban_reported(const struct ban_report *rep)
{
	const struct rule *ru = &rules[rep->rule];
	struct ban_rec *rec = ban_get(&rep->key, 1);
	struct weir_rl_ban st;

	if (rec == NULL) {
		bans_lost++;
		return;
	}
	st = rec->st;
	if (weir_rl_ban_trigger(&ru->ban, &st, rep->now_ns, NULL) != 0 &&
	    rep->st.until_ns <= rec->st.until_ns)
		return; /* already banned as long: reports in flight */
	if (rep->st.until_ns > st.until_ns)
		st = rep->st;
	rec->st = st;
	rec->times++;
	rec->rule = rep->rule;
	rec->forget_ns = rec->st.until_ns + ru->l->ban.decay_s * SEC_NS;
	bans_dirty = 1;
}

void
weir_adm_control_tick(void)
{
	uint64_t now = control_now();
	struct ban_report rep[64];
	unsigned int i, n;

	if (ban_index == NULL)
		return;
	for (i = 0; i < weir.n_workers; i++) {
		struct rte_ring *r = weir.workers[i]->lb.adm.reports;

		if (r == NULL)
			continue;
		do {
			unsigned int k;

			n = rte_ring_dequeue_burst_elem(r, rep, sizeof(rep[0]), RTE_DIM(rep), NULL);
			for (k = 0; k < n; k++)
				ban_reported(&rep[k]);
		} while (n == RTE_DIM(rep));
	}
	/* On an expiry, or when the list fills with histories: tidy up. */
	if (now >= bans_next_expiry || rte_hash_count(ban_index) > MAX_BANS / 2) {
		const void *key;
		void *data;
		uint32_t it = 0;
		struct ban_rec *gone[256];
		unsigned int ng = 0;

		if (now >= bans_next_expiry)
			bans_dirty = 1;
		/* Records with nothing left to remember go (a few per tick). */
		while (rte_hash_iterate(ban_index, &key, &data, &it) >= 0 && ng < RTE_DIM(gone)) {
			struct ban_rec *rec = data;

			if (rec->st.until_ns <= now && rec->forget_ns <= now)
				gone[ng++] = rec;
		}
		for (i = 0; i < ng; i++)
			ban_forget(gone[i]);
	}
	if (bans_dirty)
		bans_publish(now);
}

/* ---- control: commands ---- */

static json_t *
prefix_json(uint8_t family, const uint8_t *ip, unsigned int plen)
{
	char a[INET6_ADDRSTRLEN], out[INET6_ADDRSTRLEN + 8];

	inet_ntop(family == 4 ? AF_INET : AF_INET6, ip, a, sizeof(a));
	snprintf(out, sizeof(out), "%s/%u", a, plen);
	return json_string(out);
}

static const char *
req_str(json_t *req, const char *key)
{
	return json_string_value(json_object_get(req, key));
}

static json_t *
cmd_acl(void)
{
	json_t *arr = json_array();
	unsigned int i;

	for (i = 0; i < n_acl_rules; i++)
		json_array_append_new(
			arr, json_pack("{s:o, s:s, s:s}", "prefix",
				       prefix_json(acl_rules[i].family, acl_rules[i].ip,
						   acl_rules[i].prefix),
				       "action", acl_rules[i].allow ? "allow" : "deny", "origin",
				       acl_from_ctl[i] ? "weirctl" : "config"));
	return json_pack("{s:o}", "rules", arr);
}

/* block / allow / unblock PREFIX: change the lists, rebuild, publish. */
static json_t *
cmd_acl_change(const char *cmd, json_t *req, char *err, size_t errlen)
{
	const char *arg = req_str(req, "prefix") ? req_str(req, "prefix") : "";
	struct weir_acl_entry e, saved;
	int found = -1, has_len = 0;
	char why[64] = "";
	unsigned int i;

	if (weir_parse_prefix(arg, &e, &has_len, why, sizeof(why)) == 0 && !has_len)
		snprintf(why, sizeof(why), "expected a prefix, ADDRESS/LENGTH");
	if (why[0] != '\0') {
		snprintf(err, errlen, "'%s': %s", arg, why);
		return NULL;
	}
	e.allow = strcmp(cmd, "allow") == 0;
	for (i = 0; i < n_acl_rules; i++)
		if (acl_rules[i].family == e.family && acl_rules[i].prefix == e.prefix &&
		    memcmp(acl_rules[i].ip, e.ip, 16) == 0)
			found = (int)i;
	if (strcmp(cmd, "unblock") == 0) {
		if (found < 0) {
			snprintf(err, errlen, "'%s' is in neither list (weirctl acl)",
				 arg);
			return NULL;
		}
		saved = acl_rules[found];
		acl_rules[found] = acl_rules[n_acl_rules - 1];
		acl_from_ctl[found] = acl_from_ctl[n_acl_rules - 1];
		n_acl_rules--;
		if (acl_publish(err, errlen) != 0) {
			acl_rules[n_acl_rules] = acl_rules[found];
			acl_from_ctl[n_acl_rules] = acl_from_ctl[found];
			acl_rules[found] = saved;
			n_acl_rules++;
			return NULL;
		}
		return json_pack("{s:o, s:s}", "prefix", prefix_json(e.family, e.ip, e.prefix),
				 "removed", saved.allow ? "allow" : "deny");
	}
	if (found >= 0) {
		saved = acl_rules[found];
		acl_rules[found] = e;
		acl_from_ctl[found] = 1;
		if (acl_publish(err, errlen) != 0) {
			acl_rules[found] = saved;
			return NULL;
		}
	} else {
		if (n_acl_rules == WEIR_MAX_ACL) {
			snprintf(err, errlen, "acl full: %d prefixes", WEIR_MAX_ACL);
			return NULL;
		}
		acl_rules[n_acl_rules] = e;
		acl_from_ctl[n_acl_rules++] = 1;
		if (acl_publish(err, errlen) != 0) {
			n_acl_rules--;
			return NULL;
		}
	}
	return json_pack("{s:o, s:s}", "prefix", prefix_json(e.family, e.ip, e.prefix), "action",
			 e.allow ? "allow" : "deny");
}

/* The ban key of "ADDR" or "ADDR/LEN": IPv4 /32; IPv6 /64 unless given. */
static int
ban_key_of(json_t *req, struct ban_key *k, char *err, size_t errlen)
{
	const char *s = req_str(req, "address") ? req_str(req, "address") : "";
	struct weir_acl_entry e;
	unsigned int plen;
	char why[64];
	int has_len;

	memset(k, 0, sizeof(*k));
	if (weir_parse_prefix(s, &e, &has_len, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "'%s': %s", s, why);
		return -1;
	}
	plen = !has_len ? (e.family == 4 ? 32 : 64) : e.prefix;
	if (e.family == 4 && plen != 32) {
		snprintf(err, errlen, "'%s': IPv4 bans are per address (block a prefix instead)", s);
		return -1;
	}
	if (e.family == 6 && plen < 16) {
		snprintf(err, errlen, "'%s': IPv6 bans are per /16 to /128", s);
		return -1;
	}
	k->family = e.family;
	k->plen = (uint8_t)plen;
	mask_addr(k->addr, e.ip, plen);
	return 0;
}

static json_t *
ban_json(const struct ban_rec *rec, uint64_t now)
{
	const char *by;

	if (rec->rule == BAN_MANUAL)
		by = "weirctl";
	else if (rec->rule == WEIR_ADM_GLOBAL)
		by = "limits";
	else
		by = weir.cfg->services[rec->rule].name;
	return json_pack("{s:o, s:I, s:I, s:i, s:s}", "source",
			 prefix_json(rec->key.family, rec->key.addr, rec->key.plen), "remaining_s",
			 (json_int_t)weir_rl_ns_to_s_ceil(weir_rl_ban_remaining(&rec->st, now)),
			 "duration_s", (json_int_t)weir_rl_ns_to_s_ceil(rec->st.dur_ns), "times",
			 (int)rec->times, "by", by);
}

static json_t *
cmd_ban(json_t *req, char *err, size_t errlen)
{
	json_t *v = json_object_get(req, "seconds");
	uint64_t now = control_now(), secs = 300;
	struct ban_key k;
	struct ban_rec *rec;

	if (ban_key_of(req, &k, err, errlen) != 0)
		return NULL;
	if (v != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 31536000) {
			snprintf(err, errlen, "seconds: expected 1 to 31536000");
			return NULL;
		}
		secs = (uint64_t)json_integer_value(v);
	}
	rec = ban_get(&k, 1);
	if (rec == NULL) {
		snprintf(err, errlen, "ban list full (%d sources)", MAX_BANS);
		return NULL;
	}
	rec->st.until_ns = now + secs * SEC_NS;
	rec->st.dur_ns = secs * SEC_NS;
	rec->times++;
	rec->rule = BAN_MANUAL;
	rec->forget_ns = rec->st.until_ns;
	if (bans_publish(now) != 0) {
		snprintf(err, errlen, "ban: out of memory");
		return NULL;
	}
	return ban_json(rec, now);
}

static json_t *
cmd_unban(json_t *req, char *err, size_t errlen)
{
	uint64_t now = control_now();
	struct ban_key k;
	unsigned int i;
	struct ban_rec *rec;

	if (ban_key_of(req, &k, err, errlen) != 0)
		return NULL;
	rec = ban_get(&k, 0);
	if (rec == NULL || weir_rl_ban_unban(&rec->st, now) != 0) {
		snprintf(err, errlen, "'%s' is not banned (weirctl bans)", req_str(req, "address"));
		return NULL;
	}
	/* The workers hold their own copy of bans they decided. */
	for (i = 0; i < weir.n_workers; i++) {
		struct rte_ring *r = weir.workers[i]->lb.adm.unbans;

		if (r != NULL && rte_ring_enqueue_elem(r, &k, sizeof(k)) != 0) {
			snprintf(err, errlen, "unban: worker %u is not taking requests", i);
			return NULL;
		}
	}
	__atomic_fetch_add(&unbans_sent, 1, __ATOMIC_RELEASE);
	if (bans_publish(now) != 0) {
		snprintf(err, errlen, "unban: out of memory");
		return NULL;
	}
	return json_pack("{s:o}", "source", prefix_json(k.family, k.addr, k.plen));
}

static json_t *
cmd_bans(void)
{
	uint64_t now = control_now();
	json_t *arr = json_array();
	const void *key;
	void *data;
	uint32_t it = 0;

	while (rte_hash_iterate(ban_index, &key, &data, &it) >= 0) {
		const struct ban_rec *rec = data;

		if (rec->st.until_ns > now)
			json_array_append_new(arr, ban_json(rec, now));
	}
	return json_pack("{s:o, s:I}", "bans", arr, "lost", (json_int_t)bans_lost);
}

/* weirctl top [N]: each worker copies its summary; control merges them. */
static json_t *
cmd_top(json_t *req, char *err, size_t errlen)
{
	const struct weir_rl_topk *src[WEIR_MAX_WORKERS];
	struct weir_rl_topk_entry *e;
	json_t *v = json_object_get(req, "n"), *arr;
	uint64_t deadline, now = control_now();
	unsigned int i, n = 10, got;

	if (v != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000) {
			snprintf(err, errlen, "n: expected 1 to 1000");
			return NULL;
		}
		n = (unsigned int)json_integer_value(v);
	}
	top_seq++;
	for (i = 0; i < weir.n_workers; i++)
		__atomic_store_n(&weir.workers[i]->lb.adm.top_req, top_seq, __ATOMIC_RELEASE);
	deadline = rte_get_tsc_cycles() + rte_get_tsc_hz();
	for (i = 0; i < weir.n_workers; i++) {
		struct weir_adm_worker *aw = &weir.workers[i]->lb.adm;

		while (__atomic_load_n(&aw->top_ack, __ATOMIC_ACQUIRE) != top_seq) {
			if (rte_get_tsc_cycles() > deadline) {
				snprintf(err, errlen, "top: worker %u did not answer within 1 s", i);
				return NULL;
			}
			rte_delay_us_sleep(100);
		}
		src[i] = aw->top_out;
	}
	weir_rl_topk_merge(top_merged, src, weir.n_workers);
	e = calloc(n, sizeof(*e));
	if (e == NULL) {
		snprintf(err, errlen, "top: out of memory");
		return NULL;
	}
	got = weir_rl_topk_query(top_merged, e, n);
	arr = json_array();
	for (i = 0; i < got; i++) {
		struct ban_key bk;
		void *data;
		int ban = 0;

		memset(&bk, 0, sizeof(bk));
		bk.family = e[i].key.family;
		bk.plen = bk.family == 4 ? 32 : 64;
		memcpy(bk.addr, e[i].key.addr, 16);
		if (rte_hash_lookup_data(ban_index, &bk, &data) >= 0)
			ban = ((const struct ban_rec *)data)->st.until_ns > now;
		json_array_append_new(arr, json_pack("{s:o, s:I, s:I, s:b}", "source",
						     prefix_json(bk.family, bk.addr, bk.plen),
						     "refused", (json_int_t)e[i].count, "error",
						     (json_int_t)e[i].error, "banned", ban));
	}
	free(e);
	return json_pack("{s:o, s:I}", "top", arr, "refused_total",
			 (json_int_t)weir_rl_topk_total(top_merged));
}

json_t *
weir_adm_command(const char *cmd, json_t *req, char *err, size_t errlen, int *handled)
{
	*handled = 1;
	if (strcmp(cmd, "acl") == 0)
		return cmd_acl();
	if (strcmp(cmd, "block") == 0 || strcmp(cmd, "allow") == 0 || strcmp(cmd, "unblock") == 0)
		return cmd_acl_change(cmd, req, err, errlen);
	if (strcmp(cmd, "ban") == 0)
		return cmd_ban(req, err, errlen);
	if (strcmp(cmd, "unban") == 0)
		return cmd_unban(req, err, errlen);
	if (strcmp(cmd, "bans") == 0)
		return cmd_bans();
	if (strcmp(cmd, "top") == 0)
		return cmd_top(req, err, errlen);
	*handled = 0;
	return NULL;
}

static json_t *
bucket_json(const struct weir_bucket_config *b)
{
	return json_pack("{s:I, s:I, s:I}", "rate", (json_int_t)b->rate, "per_s",
			 (json_int_t)b->per_s, "burst", (json_int_t)b->burst);
}

json_t *
weir_adm_limits_json(unsigned int r)
{
	const struct weir_limits *l = r == WEIR_ADM_GLOBAL ? &weir.cfg->limits
							  : &weir.cfg->services[r].limits;
	json_t *o;

	if (!l->enabled)
		return NULL;
	o = json_pack("{s:s, s:b, s:i}", "action", l->action == WEIR_LIMIT_RST ? "rst" : "drop",
		      "dry_run", l->dry_run, "ipv6_prefix", l->ipv6_prefix);
	if (l->new_conns.rate)
		json_object_set_new(o, "new_conns", bucket_json(&l->new_conns));
	if (l->packets.rate)
		json_object_set_new(o, "packets", bucket_json(&l->packets));
	if (l->concurrent)
		json_object_set_new(o, "concurrent", json_integer(l->concurrent));
	if (l->ban.after)
		json_object_set_new(o, "ban",
				    json_pack("{s:I, s:I, s:I, s:I, s:I}", "after",
					      (json_int_t)l->ban.after, "first_s",
					      (json_int_t)l->ban.first_s, "factor",
					      (json_int_t)l->ban.factor, "max_s",
					      (json_int_t)l->ban.max_s, "decay_s",
					      (json_int_t)l->ban.decay_s));
	return o;
}

void
weir_adm_worker_json(const struct weir_worker *w, json_t *o)
{
	const struct weir_adm_worker *aw = &w->lb.adm;

#define ADM_STAT(f) json_integer((json_int_t)__atomic_load_n(&aw->stats.f, __ATOMIC_RELAXED))
	json_object_set_new(o, "rl_admitted", ADM_STAT(rl_admitted));
	json_object_set_new(o, "rl_denied", ADM_STAT(rl_denied));
	json_object_set_new(o, "rl_dry_run", ADM_STAT(rl_dry_run));
	json_object_set_new(o, "rl_rst", ADM_STAT(rl_rst));
	json_object_set_new(o, "acl_allowed", ADM_STAT(acl_allowed));
	json_object_set_new(o, "ban_reports", ADM_STAT(ban_reports));
	json_object_set_new(o, "ban_reports_lost", ADM_STAT(ban_reports_lost));
	json_object_set_new(o, "ban_dry_run", ADM_STAT(ban_dry_run));
	json_object_set_new(o, "top_sampled", ADM_STAT(top_sampled));
#undef ADM_STAT
	json_object_set_new(o, "sources",
			    json_integer(aw->src != NULL ? (json_int_t)weir_srct_count(aw->src) : 0));
}

/* ---- set-up ---- */

static int
rule_init(unsigned int r, const struct weir_limits *l, const char *name, char *err,
	  size_t errlen)
{
	struct rule *ru = &rules[r];

	memset(ru, 0, sizeof(*ru));
	if (!l->enabled)
		return 0;
	/* Validated at load: rates <= 1e8 per <= 1 day, bursts <= 1e8. */
	if ((l->new_conns.rate != 0 &&
	     weir_rl_tb_params_init(&ru->nc, l->new_conns.rate,
				    (uint64_t)l->new_conns.per_s * SEC_NS,
				    l->new_conns.burst) != 0) ||
	    (l->packets.rate != 0 &&
	     weir_rl_tb_params_init(&ru->pk, l->packets.rate, (uint64_t)l->packets.per_s * SEC_NS,
				    l->packets.burst) != 0) ||
	    (l->ban.after != 0 &&
	     weir_rl_ban_params_init(&ru->ban, (uint64_t)l->ban.first_s * SEC_NS, l->ban.factor,
				     (uint64_t)l->ban.max_s * SEC_NS,
				     (uint64_t)l->ban.decay_s * SEC_NS) != 0)) {
		snprintf(err, errlen, "%s: limits out of range", name);
		return -1;
	}
	ru->l = l;
	ru->pin = l->packets.rate != 0 || l->concurrent != 0;
	return 0;
}

static int
worker_init(struct weir_worker *w, int any_limits, char *err, size_t errlen)
{
	struct weir_adm_worker *aw = &w->lb.adm;
	int socket = (int)rte_lcore_to_socket_id(w->lcore);
	unsigned int r;
	char name[64];

	if (any_limits) {
		snprintf(name, sizeof(name), "weir_src_%u", w->id);
		aw->src = weir_srct_create(name, weir.cfg->source_table_size, socket);
		snprintf(name, sizeof(name), "weir_bans_%u", w->id);
		aw->reports = rte_ring_create_elem(name, sizeof(struct ban_report), REPORT_RING,
						   socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "weir_unbans_%u", w->id);
		aw->unbans = rte_ring_create_elem(name, sizeof(struct ban_key), 64, socket,
						  RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (aw->src == NULL || aw->reports == NULL || aw->unbans == NULL) {
			snprintf(err, errlen,
				 "worker %u: cannot allocate %u tracked sources (config key "
				 "'source_table_size'): %s (give EAL more memory, -m)",
				 w->id, weir.cfg->source_table_size, rte_strerror(rte_errno));
			return -1;
		}
	}
	/* Refused sources: counted whether or not a rule tracks them (bans). */
	aw->top = rte_malloc_socket("weir_top", weir_rl_topk_size(TOP_K), RTE_CACHE_LINE_SIZE,
				    socket);
	aw->top_out = rte_malloc_socket("weir_top", weir_rl_topk_size(TOP_K),
					RTE_CACHE_LINE_SIZE, socket);
	if (aw->top == NULL || aw->top_out == NULL ||
	    weir_rl_topk_init(aw->top, weir_rl_topk_size(TOP_K), TOP_K, rte_rand()) == NULL ||
	    weir_rl_topk_init(aw->top_out, weir_rl_topk_size(TOP_K), TOP_K, rte_rand()) == NULL) {
		snprintf(err, errlen, "worker %u: cannot allocate its top-k summary", w->id);
		return -1;
	}
	for (r = 0; r <= WEIR_ADM_GLOBAL; r++)
		aw->pins |= rules[r].pin;
	aw->acl = acl_cur;
	aw->bans = bans_cur;
	return 0;
}

int
weir_adm_init(char *err, size_t errlen)
{
	const struct weir_config *cfg = weir.cfg;
	struct rte_hash_parameters hp = {
		.name = "weir_ban_index",
		.entries = MAX_BANS,
		.key_len = sizeof(struct ban_key),
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
	};
	unsigned int i;
	int any = 0;

	tsc_mult = (uint64_t)(((unsigned __int128)SEC_NS << 32) / rte_get_tsc_hz());
	if (cfg->clock_rx_timestamp &&
	    rte_mbuf_dyn_rx_timestamp_register(&ts_off, &ts_flag) != 0) {
		snprintf(err, errlen, "clock rx_timestamp: cannot register the timestamp field: %s",
			 rte_strerror(rte_errno));
		return -1;
	}
	for (i = 0; i < cfg->n_services; i++) {
		if (rule_init(i, &cfg->services[i].limits, cfg->services[i].name, err, errlen) != 0)
			return -1;
		any |= cfg->services[i].limits.enabled;
	}
	if (rule_init(WEIR_ADM_GLOBAL, &cfg->limits, "limits", err, errlen) != 0)
		return -1;
	any |= cfg->limits.enabled;
	acl_rules = calloc(WEIR_MAX_ACL, sizeof(acl_rules[0]));
	acl_from_ctl = calloc(WEIR_MAX_ACL, 1);
	if (acl_rules == NULL || acl_from_ctl == NULL) {
		snprintf(err, errlen, "acl: out of memory");
		goto fail;
	}
	n_acl_rules = cfg->n_acl;
	if (cfg->n_acl > 0)
		memcpy(acl_rules, cfg->acl, cfg->n_acl * sizeof(acl_rules[0]));
	acl_cur = acl_table_build(err, errlen);
	if (acl_cur == NULL)
		goto fail;
	ban_index = rte_hash_create(&hp);
	bans_cur = rte_zmalloc("weir_bans", sizeof(*bans_cur) + sizeof(bans_cur->slot[0]),
			       RTE_CACHE_LINE_SIZE);
	if (ban_index == NULL || bans_cur == NULL) {
		snprintf(err, errlen, "bans: cannot allocate the ban list: %s",
			 rte_strerror(rte_errno));
		goto fail;
	}
	top_merged = rte_malloc("weir_top", weir_rl_topk_size(TOP_K), RTE_CACHE_LINE_SIZE);
	if (top_merged == NULL ||
	    weir_rl_topk_init(top_merged, weir_rl_topk_size(TOP_K), TOP_K, rte_rand()) == NULL) {
		snprintf(err, errlen, "top: cannot allocate its summary");
		goto fail;
	}
	for (i = 0; i < weir.n_workers; i++)
		if (worker_init(weir.workers[i], any, err, errlen) != 0)
			goto fail;
	return 0;
fail:
	weir_adm_fini();
	return -1;
}

void
weir_adm_fini(void)
{
	unsigned int i;

	for (i = 0; i < weir.n_workers; i++) {
		struct weir_adm_worker *aw;

		if (weir.workers[i] == NULL)
			continue;
		aw = &weir.workers[i]->lb.adm;
		weir_srct_free(aw->src);
		rte_ring_free(aw->reports);
		rte_ring_free(aw->unbans);
		rte_free(aw->top);
		rte_free(aw->top_out);
		memset(aw, 0, sizeof(*aw));
	}
	if (ban_index != NULL) {
		const void *key;
		void *data;
		uint32_t it = 0;

		while (rte_hash_iterate(ban_index, &key, &data, &it) >= 0)
			free(data);
		rte_hash_free(ban_index);
		ban_index = NULL;
	}
	rte_free(bans_cur);
	bans_cur = NULL;
	acl_table_free(acl_cur);
	acl_cur = NULL;
	rte_free(top_merged);
	top_merged = NULL;
	top_seq = 0;
	free(acl_rules);
	free(acl_from_ctl);
	acl_rules = NULL;
	acl_from_ctl = NULL;
	n_acl_rules = 0;
	bans_next_expiry = UINT64_MAX;
	bans_dirty = 0;
	unbans_sent = 0;
}
