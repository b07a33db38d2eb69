/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Setting admission up and down, its settings as JSON, its clock as
 * control sees it.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_random.h>

#include "adm/adm-priv.h"
#include "core/clock.h"

struct adm_state weir_adm = {.ts_off = -1};

uint64_t
adm_control_now(void)
{
	uint64_t now = 0;
	unsigned int i;

	if (!weir.cfg->clock_rx_timestamp)
		return weir_clock_ns(weir_clock_tsc());
	/* Replayed time: the latest any worker has seen. */
	for (i = 0; i < weir_adm.n_workers; i++) {
		uint64_t t = __atomic_load_n(&weir_adm.workers[i]->now_ns, __ATOMIC_RELAXED);

		if (t > now)
			now = t;
	}
	return now;
}

/* The rule of the gate's bans: its ban settings only. */
static struct weir_limits gate_limits;

static int
rule_init(unsigned int r, const struct weir_limits *l, const char *name, char *err, size_t errlen)
{
	struct rule *ru = &weir_adm.rules[r];

	memset(ru, 0, sizeof(*ru));
	if (!l->enabled)
		return 0;
	/* Validated at load: rates <= 1e8 per <= 1 day, bursts <= 1e8. */
	if ((l->new_conns.rate != 0 && weir_rl_tb_params_init(&ru->nc, l->new_conns.rate,
							      (uint64_t)l->new_conns.per_s * SEC_NS,
							      l->new_conns.burst) != 0) ||
	    (l->packets.rate != 0 &&
	     weir_rl_tb_params_init(&ru->pk, l->packets.rate, (uint64_t)l->packets.per_s * SEC_NS,
				    l->packets.burst) != 0) ||
	    (l->ban.after != 0 &&
	     (weir_rl_ban_params_init(&ru->ban, (uint64_t)l->ban.first_s * SEC_NS, l->ban.factor,
				      (uint64_t)l->ban.max_s * SEC_NS,
				      (uint64_t)l->ban.decay_s * SEC_NS) != 0 ||
	      weir_rl_ban_params_init(&ru->ban_flat, (uint64_t)l->ban.first_s * SEC_NS, 1,
				      (uint64_t)l->ban.first_s * SEC_NS, 0) != 0))) {
		snprintf(err, errlen, "%s: limits out of range", name);
		return -1;
	}
	ru->l = l;
	ru->pin = l->packets.rate != 0 || l->concurrent != 0;
	return 0;
}

int
weir_adm_limits_change_ok(const struct weir_limits *o, const struct weir_limits *n, char *why,
			  size_t len)
{
	/* What sources hold (pins, per-kind state), and how they are keyed,
	 * stays: values may change, kinds of limit may not. */
	if (o->enabled != n->enabled || (o->new_conns.rate != 0) != (n->new_conns.rate != 0) ||
	    (o->packets.rate != 0) != (n->packets.rate != 0) ||
	    (o->concurrent != 0) != (n->concurrent != 0) ||
	    (o->ban.after != 0) != (n->ban.after != 0)) {
		snprintf(why, len,
			 "adding or removing a kind of limit (new_conns, packets, "
			 "concurrent, ban)");
		return -1;
	}
	if (o->ipv6_prefix != n->ipv6_prefix) {
		snprintf(why, len, "ipv6_prefix (sources are keyed by it)");
		return -1;
	}
	return 0;
}

int
weir_adm_reload_rule(unsigned int r, struct weir_limits *l, const struct weir_limits *n)
{
	struct rule ru = weir_adm.rules[r], fresh;
	char err[128];

	/* The new values into the config the rule points at, then the
	 * rule's derived parameters: a worker may see a mix of the two sets
	 * of values for a packet or two, never an invalid one. */
	memcpy(l, n, sizeof(*l));
	if (rule_init(r, l, "limits", err, sizeof(err)) != 0) {
		weir_adm.rules[r] = ru;
		return -1;
	}
	fresh = weir_adm.rules[r];
	weir_adm.rules[r] = ru;
	weir_adm.rules[r].nc = fresh.nc;
	weir_adm.rules[r].pk = fresh.pk;
	weir_adm.rules[r].ban = fresh.ban;
	weir_adm.rules[r].ban_flat = fresh.ban_flat;
	return 0;
}

int
weir_adm_service_added(unsigned int svc, char *err, size_t errlen)
{
	const struct weir_service_config *sc = &weir.cfg->services[svc];

	if (sc->limits.enabled && !weir_adm.limits_at_start) {
		snprintf(err, errlen,
			 "no rule had limits at start, so the workers have no source "
			 "tables");
		return -1;
	}
	return rule_init(svc, &sc->limits, sc->name, err, errlen);
}

int
weir_adm_can_add(const struct weir_service_config *sc)
{
	return !sc->limits.enabled || weir_adm.limits_at_start;
}

static int
any_limits(void)
{
	unsigned int r;

	for (r = 0; r <= WEIR_ADM_GLOBAL; r++)
		if (weir_adm.rules[r].l != NULL)
			return 1;
	return 0;
}

int
weir_adm_init_worker(struct weir_adm_worker *aw, unsigned int id, int socket,
		     struct rte_ring *outbox, char *err, size_t errlen)
{
	size_t sz = weir_rl_topk_size(TOP_K);
	unsigned int r;
	char name[64];

	memset(aw, 0, sizeof(*aw));
	aw->outbox = outbox;
	if (any_limits()) {
		snprintf(name, sizeof(name), "weir_src_%u", id);
		aw->src = weir_srct_create(name, weir.cfg->source_table_size, socket);
		if (aw->src == NULL) {
			snprintf(err, errlen,
				 "worker %u: cannot allocate %u tracked sources (config key "
				 "'source_table_size'): %s (give EAL more memory, -m)",
				 id, weir.cfg->source_table_size, rte_strerror(rte_errno));
			return -1;
		}
	}
	/* Refused sources: counted whether or not a rule tracks them (bans). */
	aw->top = rte_malloc_socket("weir_top", sz, RTE_CACHE_LINE_SIZE, socket);
	if (aw->top == NULL || weir_rl_topk_init(aw->top, sz, TOP_K, rte_rand()) == NULL) {
		snprintf(err, errlen, "worker %u: cannot allocate its top-k summary", id);
		weir_adm_fini_worker(aw);
		return -1;
	}
	for (r = 0; r <= WEIR_ADM_GLOBAL; r++)
		aw->pins |= weir_adm.rules[r].pin;
	aw->acl = weir_adm.acl_cur;
	aw->bans = weir_adm.bans_cur;
	weir_adm.workers[id] = aw;
	if (id + 1 > weir_adm.n_workers)
		weir_adm.n_workers = id + 1;
	return 0;
}

void
weir_adm_fini_worker(struct weir_adm_worker *aw)
{
	unsigned int i;

	for (i = 0; i < weir_adm.n_workers; i++)
		if (weir_adm.workers[i] == aw)
			weir_adm.workers[i] = NULL;
	weir_srct_free(aw->src);
	rte_free(aw->top);
	memset(aw, 0, sizeof(*aw));
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

	weir_adm.bans_next_expiry = UINT64_MAX;
	weir_adm.bans_built_ns = 0;
	if (cfg->clock_rx_timestamp &&
	    rte_mbuf_dyn_rx_timestamp_register(&weir_adm.ts_off, &weir_adm.ts_flag) != 0) {
		snprintf(err, errlen, "clock rx_timestamp: cannot register the timestamp field: %s",
			 rte_strerror(rte_errno));
		return -1;
	}
	for (i = 0; i < cfg->n_services; i++)
		if (rule_init(i, &cfg->services[i].limits, cfg->services[i].name, err, errlen) != 0)
			return -1;
	if (rule_init(WEIR_ADM_GLOBAL, &cfg->limits, "limits", err, errlen) != 0)
		return -1;
	/* The gate's bans (its bad_auth): progressive, for every service. */
	memset(&gate_limits, 0, sizeof(gate_limits));
	if (cfg->gate != NULL && cfg->gate->bad_auth_ban_s != 0) {
		gate_limits.enabled = 1;
		gate_limits.ban.after = 1;
		gate_limits.ban.first_s = cfg->gate->bad_auth_ban_s;
		gate_limits.ban.factor = 2;
		gate_limits.ban.max_s =
			86400 > gate_limits.ban.first_s ? 86400 : gate_limits.ban.first_s;
		gate_limits.ban.decay_s = 86400;
		gate_limits.ban.scope = WEIR_BAN_SCOPE_GLOBAL;
	}
	if (rule_init(BAN_GATE, &gate_limits, "gate.bad_auth", err, errlen) != 0)
		return -1;
	weir_adm.limits_at_start = (uint8_t)any_limits();
	weir_adm.acl_rules = calloc(WEIR_MAX_ACL, sizeof(weir_adm.acl_rules[0]));
	weir_adm.acl_from_ctl = calloc(WEIR_MAX_ACL, 1);
	if (weir_adm.acl_rules == NULL || weir_adm.acl_from_ctl == NULL) {
		snprintf(err, errlen, "acl: out of memory");
		goto fail;
	}
	weir_adm.n_acl_rules = cfg->n_acl;
	if (cfg->n_acl > 0)
		memcpy(weir_adm.acl_rules, cfg->acl, cfg->n_acl * sizeof(weir_adm.acl_rules[0]));
	weir_adm.acl_cur = adm_acl_build(err, errlen);
	if (weir_adm.acl_cur == NULL)
		goto fail;
	weir_adm.ban_index = rte_hash_create(&hp);
	weir_adm.bans_cur = rte_zmalloc(
		"weir_bans", sizeof(*weir_adm.bans_cur) + sizeof(weir_adm.bans_cur->slot[0]),
		RTE_CACHE_LINE_SIZE);
	if (weir_adm.ban_index == NULL || weir_adm.bans_cur == NULL) {
		snprintf(err, errlen, "bans: cannot allocate the ban list: %s",
			 rte_strerror(rte_errno));
		goto fail;
	}
	weir_adm.top_merged = rte_malloc("weir_top", weir_rl_topk_size(TOP_K), RTE_CACHE_LINE_SIZE);
	if (weir_adm.top_merged == NULL ||
	    weir_rl_topk_init(weir_adm.top_merged, weir_rl_topk_size(TOP_K), TOP_K, rte_rand()) ==
		    NULL) {
		snprintf(err, errlen, "top: cannot allocate its summary");
		goto fail;
	}
	return 0;
fail:
	weir_adm_fini();
	return -1;
}

void
weir_adm_fini(void)
{
	adm_top_fini();
	adm_bans_free_all();
	rte_free(weir_adm.bans_cur);
	adm_acl_free(weir_adm.acl_cur);
	rte_free(weir_adm.top_merged);
	free(weir_adm.acl_rules);
	free(weir_adm.acl_from_ctl);
	memset(&weir_adm, 0, sizeof(weir_adm));
	weir_adm.ts_off = -1;
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
	const struct weir_limits *l =
		r == WEIR_ADM_GLOBAL ? &weir.cfg->limits : &weir.cfg->services[r].limits;
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
		json_object_set_new(
			o, "ban",
			json_pack("{s:I, s:I, s:I, s:I, s:I, s:s}", "after",
				  (json_int_t)l->ban.after, "first_s", (json_int_t)l->ban.first_s,
				  "factor", (json_int_t)l->ban.factor, "max_s",
				  (json_int_t)l->ban.max_s, "decay_s", (json_int_t)l->ban.decay_s,
				  "scope",
				  l->ban.scope == WEIR_BAN_SCOPE_SERVICE ? "service" : "global"));
	return o;
}
