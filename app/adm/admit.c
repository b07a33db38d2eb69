/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Admission in the workers: prefixes, bans and per-source limits decide a
 * client's packet before any backend is chosen (app/adm/adm.h).
 */
#include <rte_lpm.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>

#include "adm/adm-priv.h"
#include "core/clock.h"
#include "core/mailbox.h"

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

/* A refused client packet: charged to its source. */
static inline struct weir_verdict
refuse(struct weir_adm_worker *aw, unsigned int why, uint8_t family, const uint8_t *src)
{
	top_add(aw, family, src);
	return weir_v_drop(why);
}

static inline int
ban_in_force(const struct weir_adm_bans *b, const struct ban_key *k, uint64_t now)
{
	uint32_t i = ban_hash(k) & b->mask;

	for (;; i = (i + 1) & b->mask) {
		const struct ban_slot *s = &b->slot[i];
		uint8_t family = __atomic_load_n(&s->key.family, __ATOMIC_ACQUIRE);

		if (family == 0)
			return 0;
		if (family == k->family && memcmp(&s->key, k, sizeof(*k)) == 0)
			return now < __atomic_load_n(&s->until_ns, __ATOMIC_RELAXED);
	}
}

/* Is this client address banned now, for every service or for svc? */
static int
banned(const struct weir_adm_worker *aw, uint8_t family, const uint8_t *src, unsigned int svc)
{
	const struct weir_adm_bans *b = aw->bans;
	struct ban_key k;
	unsigned int w;
	uint8_t any;

	memset(&k, 0, sizeof(k));
	k.family = family;
	if (family == 4) {
		any = __atomic_load_n(&b->any4, __ATOMIC_ACQUIRE);
		k.plen = 32;
		memcpy(k.addr, src, 4);
		k.scope = BAN_ALL;
		if ((any & BAN_F_ALL) && ban_in_force(b, &k, aw->now_ns))
			return 1;
		k.scope = (uint8_t)svc;
		return (any & BAN_F_SVC) && ban_in_force(b, &k, aw->now_ns);
	}
	any = __atomic_load_n(&b->any6, __ATOMIC_ACQUIRE);
	for (w = 3; w-- > 0;) {
		uint64_t bits = __atomic_load_n(&b->v6_plen[w], __ATOMIC_ACQUIRE);

		while (bits != 0) {
			unsigned int bit = 63 - (unsigned int)__builtin_clzll(bits);

			bits &= ~(1ull << bit);
			k.plen = (uint8_t)(w * 64 + bit);
			mask_addr(k.addr, src, k.plen);
			k.scope = BAN_ALL;
			if ((any & BAN_F_ALL) && ban_in_force(b, &k, aw->now_ns))
				return 1;
			k.scope = (uint8_t)svc;
			if ((any & BAN_F_SVC) && ban_in_force(b, &k, aw->now_ns))
				return 1;
		}
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
	if (a->v6 != NULL && adm_lpm6_lookup(a->v6, k->src, &nh) == 0)
		return (int)nh;
	return a->def[1];
}

void
weir_adm_unban(struct weir_adm_worker *aw, const void *payload)
{
	const struct ban_key *k = payload;
	unsigned int r;

	if (aw->src == NULL)
		return;
	for (r = 0; r <= WEIR_ADM_GLOBAL; r++) {
		struct weir_src_key sk;
		struct weir_src_state *g;

		if (weir_adm.rules[r].l == NULL ||
		    (k->family == 6 && k->plen != weir_adm.rules[r].l->ipv6_prefix))
			continue;
		memset(&sk, 0, sizeof(sk));
		sk.family = k->family;
		sk.service = (uint8_t)r;
		memcpy(sk.addr, k->addr, 16);
		g = weir_srct_find(aw->src, &sk);
		if (g != NULL) {
			weir_rl_ban_unban(&g->ban, aw->now_ns);
			g->strikes = 0;
		}
	}
}

void
weir_adm_iteration(struct weir_adm_worker *aw, uint64_t tsc)
{
	aw->acl = __atomic_load_n(&weir_adm.acl_cur, __ATOMIC_ACQUIRE);
	aw->bans = __atomic_load_n(&weir_adm.bans_cur, __ATOMIC_ACQUIRE);
	aw->n_bans = __atomic_load_n(&aw->bans->used, __ATOMIC_ACQUIRE);
	if (!weir.cfg->clock_rx_timestamp)
		__atomic_store_n(&aw->now_ns, weir_clock_ns(tsc), __ATOMIC_RELAXED);
}

/* The clock for this packet: its RX timestamp when configured so, taken as
 * microseconds (net_pcap gives a capture's timestamps so). */
static inline void
adm_clock(struct weir_adm_worker *aw, const struct rte_mbuf *m)
{
	if (unlikely(weir.cfg->clock_rx_timestamp) && (m->ol_flags & weir_adm.ts_flag))
		__atomic_store_n(
			&aw->now_ns,
			*RTE_MBUF_DYNFIELD(m, weir_adm.ts_off, const rte_mbuf_timestamp_t *) * 1000,
			__ATOMIC_RELAXED);
}

uint64_t
weir_adm_rx_ms(const struct rte_mbuf *m)
{
	if (!(m->ol_flags & weir_adm.ts_flag))
		return 0;
	return *RTE_MBUF_DYNFIELD(m, weir_adm.ts_off, const rte_mbuf_timestamp_t *) / 1000;
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
		mask_addr(sk->addr, k->src, weir_adm.rules[r].l->ipv6_prefix);
}

/*
 * A refusal under rule r of a packet of service svc: count a strike; a
 * source that keeps going is banned, and reported to control, which
 * publishes the ban (longer if it remembers more repeats). Where it applies
 * depends on what the source proved (WEIR_CONN_F_PROVEN): a proven
 * source's ban applies to every service (unless the rule's ban.scope is
 * "service") and grows with repeats; an unproven one (UDP, a SYN: anyone
 * may forge its address) is banned from svc only, for first_s each time.
 * This worker applies it at once in the rule's own entry when that entry
 * covers no more than the ban: a service's entry, or the global rule's for
 * a ban of every service.
 */
static void
strike(struct weir_adm_worker *aw, unsigned int r, struct weir_src_state *g,
       const struct weir_src_key *sk, unsigned int svc, int proven)
{
	const struct rule *ru = &weir_adm.rules[r];
	const struct weir_limits *l = ru->l;
	struct ban_report rep;
	struct weir_rl_ban tmp = {0, 0}, *st;
	uint8_t scope;

	aw->stats.rl_denied++;
	if (g == NULL || l->ban.after == 0 || ++g->strikes < l->ban.after)
		return;
	g->strikes = 0;
	if (l->dry_run) {
		aw->stats.ban_dry_run++;
		return;
	}
	scope = proven && l->ban.scope == WEIR_BAN_SCOPE_GLOBAL ? BAN_ALL : (uint8_t)svc;
	/* The global rule's entry must not ban from every service what is a
	 * ban from svc: control publishes that one. */
	st = scope != BAN_ALL && r != svc ? &tmp : &g->ban;
	weir_rl_ban_trigger(proven ? &ru->ban : &ru->ban_flat, st, aw->now_ns, NULL);
	if (st->until_ns > g->rested_ns)
		g->rested_ns = st->until_ns;
	memset(&rep, 0, sizeof(rep));
	rep.key.family = sk->family;
	rep.key.plen = sk->family == 4 ? 32 : l->ipv6_prefix;
	rep.key.scope = scope;
	memcpy(rep.key.addr, sk->addr, 16);
	rep.rule = (uint8_t)r;
	rep.proven = (uint8_t)proven;
	rep.now_ns = aw->now_ns;
	rep.st = *st;
	if (weir_mailbox_post(aw->outbox, WEIR_MSG_BAN_REPORT, &rep, sizeof(rep)) == 0)
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
static unsigned int
rule_conn(struct weir_adm_worker *aw, unsigned int r, const struct weir_conn_key *k,
	  unsigned int svc, int proven, uint32_t *ref, int *over)
{
	const struct rule *ru = &weir_adm.rules[r];
	const struct weir_limits *l = ru->l;
	uint64_t now = aw->now_ns;
	unsigned int why = WEIR_DROP_NONE;
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
		strike(aw, r, g, &sk, svc, proven);
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
weir_adm_prefetch(struct weir_adm_worker *aw, const struct weir_conn *c)
{
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
weir_adm_release(struct weir_adm_worker *aw, const uint32_t ref[2])
{
	unsigned int j;

	for (j = 0; j < 2; j++)
		if (ref[j] != WEIR_SRCT_NONE)
			weir_srct_at(aw->src, ref[j])->conns--;
}

struct weir_verdict
weir_adm_gate(struct weir_adm_worker *aw, const struct rte_mbuf *m, const struct weir_conn_key *k,
	      unsigned int svc, int *allowed)
{
	int acl;

	adm_clock(aw, m);
	acl = acl_lookup(aw->acl, k);
	*allowed = acl == ACL_ALLOW;
	if (acl == ACL_DENY)
		return weir_v_drop(WEIR_DROP_ACL_DENIED);
	if (unlikely(aw->n_bans != 0) && acl != ACL_ALLOW && banned(aw, k->family, k->src, svc))
		return refuse(aw, WEIR_DROP_BANNED, k->family, k->src);
	return weir_v_continue();
}

struct weir_verdict
weir_adm_limits(struct weir_adm_worker *aw, const struct weir_pkt *p, unsigned int svc,
		const struct weir_conn_key *k, int allowed, int proven, uint32_t ref[2])
{
	unsigned int r[2] = {svc, WEIR_ADM_GLOBAL}, j, why;
	int over = 0;

	ref[0] = ref[1] = WEIR_SRCT_NONE;
	if (weir_adm.rules[svc].l == NULL && weir_adm.rules[WEIR_ADM_GLOBAL].l == NULL)
		return weir_v_continue();
	if (allowed) {
		aw->stats.acl_allowed++;
		return weir_v_continue();
	}
	for (j = 0; j < 2; j++) {
		const struct weir_limits *l = weir_adm.rules[r[j]].l;

		if (l == NULL)
			continue;
		why = rule_conn(aw, r[j], k, svc, proven, &ref[j], &over);
		if (why == WEIR_DROP_NONE)
			continue;
		weir_adm_release(aw, ref);
		ref[0] = ref[1] = WEIR_SRCT_NONE;
		top_add(aw, k->family, k->src);
		/* An RST answers a SYN only (the worker loop drops a cookie ACK). */
		if (l->action == WEIR_LIMIT_RST && why != WEIR_DROP_SOURCE_TABLE_FULL &&
		    why != WEIR_DROP_BANNED && p->l4_proto == PROTO_TCP)
			return weir_v(WEIR_V_RST, (uint16_t)why);
		return weir_v_drop(why);
	}
	if (!over)
		aw->stats.rl_admitted++;
	return weir_v_continue();
}

struct weir_verdict
weir_adm_packet(struct weir_adm_worker *aw, const struct rte_mbuf *m, const struct weir_conn *c)
{
	unsigned int r[2] = {c->service, WEIR_ADM_GLOBAL}, j;

	adm_clock(aw, m);
	/* As at the gate: an allow-listed source is never banned. */
	if (unlikely(aw->n_bans != 0) && banned(aw, c->client.family, c->client.src, c->service) &&
	    acl_lookup(aw->acl, &c->client) != ACL_ALLOW)
		return refuse(aw, WEIR_DROP_BANNED, c->client.family, c->client.src);
	for (j = 0; j < 2; j++) {
		const struct rule *ru = &weir_adm.rules[r[j]];
		struct weir_src_key sk;
		struct weir_src_state *g;

		if (c->src_ref[j] == WEIR_SRCT_NONE)
			continue;
		g = weir_srct_at(aw->src, c->src_ref[j]);
		if (aw->now_ns < g->ban.until_ns)
			return refuse(aw, WEIR_DROP_BANNED, c->client.family, c->client.src);
		if (ru->l->packets.rate == 0)
			continue;
		if (g->rested_ns <= aw->now_ns)
			g->strikes = 0;
		if (take(&ru->pk, &g->pk, g, aw->now_ns) == 0)
			continue;
		src_key(&sk, &c->client, r[j]);
		strike(aw, r[j], g, &sk, c->service, (c->flags & WEIR_CONN_F_PROVEN) != 0);
		if (ru->l->dry_run) {
			aw->stats.rl_dry_run++;
			continue;
		}
		return refuse(aw, WEIR_DROP_PACKET_LIMITED, c->client.family, c->client.src);
	}
	return weir_v_continue();
}

void
weir_adm_gate_ban(struct weir_adm_worker *aw, const uint8_t *addr, uint8_t family)
{
	const struct rule *ru = &weir_adm.rules[BAN_GATE];
	struct ban_report rep;
	uint64_t now = aw->now_ns;

	if (ru->l == NULL)
		return;
	memset(&rep, 0, sizeof(rep));
	rep.key.family = family;
	rep.key.plen = family == 4 ? 32 : 64;
	rep.key.scope = BAN_ALL;
	memcpy(rep.key.addr, addr, family == 4 ? 4 : 8); /* the /64 */
	rep.rule = BAN_GATE;
	rep.proven = 1; /* its handshake was completed: a real source */
	rep.now_ns = now;
	weir_rl_ban_trigger(&ru->ban, &rep.st, now, NULL);
	if (weir_mailbox_post(aw->outbox, WEIR_MSG_BAN_REPORT, &rep, sizeof(rep)) == 0)
		aw->stats.ban_reports++;
	else
		aw->stats.ban_reports_lost++;
}
