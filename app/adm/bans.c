/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bans: control's ban list (what workers reported and weirctl asked for,
 * with each source's history while it may still escalate), published as
 * an open-addressing table of the bans in force; weirctl ban, unban, bans.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_hash.h>
#include <rte_malloc.h>

#include "adm/adm-priv.h"
#include "core/cmd.h"
#include "core/mailbox.h"
#include "core/rcu.h"
#include "weir_ctl_cmds.h"

/* The slot of k in b: its own, or the empty one where it would go. */
static struct ban_slot *
slot_of(struct weir_adm_bans *b, const struct ban_key *k)
{
	uint32_t i;

	for (i = ban_hash(k) & b->mask; b->slot[i].key.family != 0; i = (i + 1) & b->mask)
		if (memcmp(&b->slot[i].key, k, sizeof(*k)) == 0)
			break;
	return &b->slot[i];
}

/* Fill an empty slot s with a ban (in a published table: readers see the
 * key whole, or the slot empty). */
static void
slot_fill(struct weir_adm_bans *b, struct ban_slot *s, const struct ban_key *k, uint64_t until)
{
	uint8_t f = k->scope == BAN_ALL ? BAN_F_ALL : BAN_F_SVC;

	s->key.plen = k->plen;
	s->key.scope = k->scope;
	memcpy(s->key.addr, k->addr, sizeof(k->addr));
	__atomic_store_n(&s->until_ns, until, __ATOMIC_RELAXED);
	if (k->family == 4) {
		__atomic_fetch_or(&b->any4, f, __ATOMIC_RELEASE);
	} else {
		__atomic_fetch_or(&b->any6, f, __ATOMIC_RELEASE);
		__atomic_fetch_or(&b->v6_plen[k->plen / 64], 1ull << (k->plen % 64),
				  __ATOMIC_RELEASE);
	}
	__atomic_store_n(&s->key.family, k->family, __ATOMIC_RELEASE);
	__atomic_store_n(&b->used, b->used + 1, __ATOMIC_RELEASE);
	if (until < weir_adm.bans_next_expiry)
		weir_adm.bans_next_expiry = until;
}

/* A table of the bans in force, with room for as many again and extra more. */
static struct weir_adm_bans *
bans_build(uint64_t now, uint32_t extra)
{
	const void *key;
	void *data;
	uint32_t it = 0, n = extra, size = 64;
	struct weir_adm_bans *b;

	while (rte_hash_iterate(weir_adm.ban_index, &key, &data, &it) >= 0)
		if (((const struct ban_rec *)data)->st.until_ns > now)
			n++;
	while (size < n * 4)
		size *= 2;
	b = rte_zmalloc("weir_bans", sizeof(*b) + size * sizeof(b->slot[0]), RTE_CACHE_LINE_SIZE);
	if (b == NULL)
		return NULL;
	b->mask = size - 1;
	weir_adm.bans_next_expiry = UINT64_MAX;
	weir_adm.bans_built_ns = now;
	it = 0;
	while (rte_hash_iterate(weir_adm.ban_index, &key, &data, &it) >= 0) {
		const struct ban_rec *rec = data;

		if (rec->st.until_ns > now)
			slot_fill(b, slot_of(b, &rec->key), &rec->key, rec->st.until_ns);
	}
	return b;
}

/* Build and publish the table: 0, or -1 without memory (the old one stays). */
static int
bans_publish(uint64_t now, uint32_t extra)
{
	struct weir_adm_bans *b = bans_build(now, extra);

	if (b == NULL)
		return -1;
	weir_rcu_publish((void **)&weir_adm.bans_cur, b, rte_free);
	return 0;
}

/*
 * A ban record changed (new, longer, lifted): the table in force follows,
 * in place, or by a new table when the old one is half full. 0, or -1
 * without memory.
 */
static int
bans_put(const struct ban_rec *rec, uint64_t now)
{
	struct weir_adm_bans *b = weir_adm.bans_cur;
	struct ban_slot *s = slot_of(b, &rec->key);

	if (s->key.family != 0) {
		__atomic_store_n(&s->until_ns, rec->st.until_ns, __ATOMIC_RELAXED);
		if (rec->st.until_ns < weir_adm.bans_next_expiry && rec->st.until_ns > now)
			weir_adm.bans_next_expiry = rec->st.until_ns;
		return 0;
	}
	if (rec->st.until_ns <= now)
		return 0;
	if ((b->used + 1) * 2 > b->mask + 1)
		return bans_publish(now, 1); /* the record is in the list already */
	slot_fill(b, s, &rec->key, rec->st.until_ns);
	return 0;
}

static struct ban_rec *
ban_get(const struct ban_key *k, int create)
{
	struct ban_rec *rec;
	void *data;

	if (rte_hash_lookup_data(weir_adm.ban_index, k, &data) >= 0)
		return data;
	if (!create)
		return NULL;
	rec = calloc(1, sizeof(*rec));
	if (rec == NULL)
		return NULL;
	rec->key = *k;
	if (rte_hash_add_key_data(weir_adm.ban_index, k, rec) != 0) {
		free(rec);
		return NULL;
	}
	return rec;
}

unsigned int
adm_bans_of(const struct ban_key *k, uint64_t now, struct ban_rec **recs)
{
	struct ban_key q = *k;
	unsigned int n = 0, scope;

	for (scope = 0; scope <= weir.cfg->n_services; scope++) {
		struct ban_rec *rec;

		q.scope = scope == weir.cfg->n_services ? BAN_ALL : (uint8_t)scope;
		rec = ban_get(&q, 0);
		if (rec != NULL && rec->st.until_ns > now) {
			if (recs != NULL)
				recs[n] = rec;
			n++;
		}
	}
	return n;
}

static void
ban_forget(struct ban_rec *rec)
{
	rte_hash_del_key(weir_adm.ban_index, &rec->key);
	free(rec);
}

void
adm_bans_free_all(void)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	if (weir_adm.ban_index == NULL)
		return;
	while (rte_hash_iterate(weir_adm.ban_index, &key, &data, &it) >= 0)
		free(data);
	rte_hash_free(weir_adm.ban_index);
	weir_adm.ban_index = NULL;
}

/*
 * A worker's report: the source is banned in the report's scope, for what
 * the worker decided or longer if this list remembers more repeats (of a
 * proven source: an unproven one's ban is first_s each time).
 */
void
weir_adm_ban_reported(const void *payload)
{
	const struct ban_report *rep = payload;
	const struct rule *ru = &weir_adm.rules[rep->rule];
	struct ban_rec *rec = ban_get(&rep->key, 1);
	struct weir_rl_ban st;

	if (rec == NULL) {
		weir_adm.bans_lost++;
		return;
	}
	st = rec->st;
	if (weir_rl_ban_trigger(rep->proven ? &ru->ban : &ru->ban_flat, &st, rep->now_ns, NULL) !=
		    0 &&
	    rep->st.until_ns <= rec->st.until_ns)
		return; /* already banned as long: reports in flight */
	if (rep->st.until_ns > st.until_ns)
		st = rep->st;
	rec->st = st;
	rec->times++;
	rec->rule = rep->rule;
	rec->proven = rep->proven;
	rec->forget_ns = rec->st.until_ns + (rep->proven ? ru->l->ban.decay_s * SEC_NS : 0);
	if (bans_put(rec, adm_control_now()) != 0)
		weir_adm.bans_lost++;
}

void
weir_adm_control_tick(void)
{
	uint64_t now = adm_control_now();
	/* Bans that ended: a new table without them, at most once a second
	 * (they do no harm meanwhile), and records with nothing left to
	 * remember go (a few per tick) when the list fills with histories. */
	int built = 0;

	if (weir_adm.ban_index == NULL)
		return;
	if (now >= weir_adm.bans_next_expiry && now - weir_adm.bans_built_ns >= SEC_NS)
		built = bans_publish(now, 0) == 0;
	if (built || rte_hash_count(weir_adm.ban_index) > MAX_BANS / 2) {
		const void *key;
		void *data;
		uint32_t it = 0;
		struct ban_rec *gone[256];
		unsigned int ng = 0, i;

		while (rte_hash_iterate(weir_adm.ban_index, &key, &data, &it) >= 0 &&
		       ng < RTE_DIM(gone)) {
			struct ban_rec *rec = data;

			if (rec->st.until_ns <= now && rec->forget_ns <= now)
				gone[ng++] = rec;
		}
		for (i = 0; i < ng; i++)
			ban_forget(gone[i]);
	}
}

/* The ban key of "ADDR" or "ADDR/LEN": IPv4 /32; IPv6 /64 unless given. */
static int
ban_key_of(json_t *req, struct ban_key *k, char *err, size_t errlen)
{
	const char *s = adm_req_str(req, "address");
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
		snprintf(err, errlen, "'%s': IPv4 bans are per address (block a prefix instead)",
			 s);
		return -1;
	}
	if (e.family == 6 && plen < 16) {
		snprintf(err, errlen, "'%s': IPv6 bans are per /16 to /128", s);
		return -1;
	}
	k->family = e.family;
	k->plen = (uint8_t)plen;
	k->scope = BAN_ALL;
	mask_addr(k->addr, e.ip, plen);
	return 0;
}

static json_t *
ban_json(const struct ban_rec *rec, uint64_t now)
{
	const char *by, *scope;

	if (rec->rule == BAN_MANUAL)
		by = "weirctl";
	else if (rec->rule == BAN_GATE)
		by = "gate";
	else if (rec->rule == WEIR_ADM_GLOBAL)
		by = "limits";
	else
		by = weir.cfg->services[rec->rule].name;
	scope = rec->key.scope == BAN_ALL ? "all" : weir.cfg->services[rec->key.scope].name;
	return json_pack("{s:o, s:s, s:I, s:I, s:i, s:s, s:b}", "source",
			 adm_prefix_json(rec->key.family, rec->key.addr, rec->key.plen), "scope",
			 scope, "remaining_s",
			 (json_int_t)weir_rl_ns_to_s_ceil(weir_rl_ban_remaining(&rec->st, now)),
			 "duration_s", (json_int_t)weir_rl_ns_to_s_ceil(rec->st.dur_ns), "times",
			 (int)rec->times, "by", by, "proven", rec->proven);
}

json_t *
weir_cmd_ban(json_t *req, char *err, size_t errlen)
{
	json_t *v = json_object_get(req, "seconds");
	uint64_t now = adm_control_now(), secs = 300;
	struct ban_key k;
	struct ban_rec *rec;

	if (ban_key_of(req, &k, err, errlen) != 0)
		return NULL;
	if (v != NULL)
		secs = (uint64_t)json_integer_value(v); /* 1 to 31536000: the command table */
	rec = ban_get(&k, 1);
	if (rec == NULL) {
		snprintf(err, errlen, "ban list full (%d sources)", MAX_BANS);
		return NULL;
	}
	rec->st.until_ns = now + secs * SEC_NS;
	rec->st.dur_ns = secs * SEC_NS;
	rec->times++;
	rec->rule = BAN_MANUAL;
	rec->proven = 0;
	rec->forget_ns = rec->st.until_ns;
	if (bans_put(rec, now) != 0) {
		snprintf(err, errlen, "ban: out of memory");
		return NULL;
	}
	/* Answered once every worker uses the table with it. */
	return weir_cmd_after(ban_json(rec, now));
}

json_t *
weir_cmd_unban(json_t *req, char *err, size_t errlen)
{
	uint64_t now = adm_control_now();
	struct ban_rec *recs[WEIR_MAX_SERVICES + 1];
	unsigned int n, i;
	struct ban_key k;

	if (ban_key_of(req, &k, err, errlen) != 0)
		return NULL;
	/* Every ban of the source: for every service, and each service's own. */
	if ((n = adm_bans_of(&k, now, recs)) == 0) {
		snprintf(err, errlen, "'%s' is not banned (weirctl bans)",
			 adm_req_str(req, "address"));
		return NULL;
	}
	/*
	 * The workers hold their own copy of bans they decided: every worker
	 * is told first, and only then is the record cleared. If one cannot
	 * take it now, nothing changes and a retry finds the ban still there.
	 */
	k.scope = BAN_ALL;
	if (weir_control_post_all(WEIR_MSG_UNBAN, &k, sizeof(k)) != 0) {
		snprintf(err, errlen,
			 "unban: a worker's inbox is full; nothing changed, try again");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		weir_rl_ban_unban(&recs[i]->st, now);
		bans_put(recs[i], now); /* in place: the ban is in the table */
	}
	/* Answered once every worker has taken the unban and the table. */
	return weir_cmd_after(json_pack("{s:o, s:i}", "source",
					adm_prefix_json(k.family, k.addr, k.plen), "bans", (int)n));
}

/* Sources in the order weirctl bans pages through them: IPv4 first, then
 * by address, by prefix length; a source's bans by scope. */
static int
key_cmp(const struct ban_key *x, const struct ban_key *y)
{
	int c = x->family - y->family;

	if (c == 0)
		c = memcmp(x->addr, y->addr, sizeof(x->addr));
	return c != 0 ? c : x->plen - y->plen;
}

static int
ban_cmp(const void *a, const void *b)
{
	const struct ban_rec *x = *(const struct ban_rec *const *)a;
	const struct ban_rec *y = *(const struct ban_rec *const *)b;
	int c = key_cmp(&x->key, &y->key);

	return c != 0 ? c : x->key.scope - y->key.scope;
}

/* The cursor "after": a source as weirctl bans shows it (ADDRESS/LENGTH; an
 * address alone is its /32 or /128). */
static int
cursor_of(const char *s, struct ban_key *k, char *err, size_t errlen)
{
	struct weir_acl_entry e;
	char why[64];
	int has_len;

	memset(k, 0, sizeof(*k));
	if (weir_parse_prefix(s, &e, &has_len, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "after '%s': %s", s, why);
		return -1;
	}
	k->family = e.family;
	k->plen = (uint8_t)(has_len ? e.prefix : e.family == 4 ? 32 : 128);
	mask_addr(k->addr, e.ip, k->plen);
	return 0;
}

/*
 * weirctl bans: a page of the bans in force, in source order, after the
 * cursor "after" (exclusive), at most "limit" sources' worth (default and
 * most: WEIR_CTL_PAGE_MAX; a source's bans of several scopes never split
 * over two pages); "next": the cursor of the next page, or null; "total":
 * the bans in force.
 */
json_t *
weir_cmd_bans(json_t *req, char *err, size_t errlen)
{
	uint64_t now = adm_control_now();
	json_t *v = json_object_get(req, WEIR_CTL_KEY_LIMIT), *arr, *res;
	const char *after = adm_req_str(req, WEIR_CTL_KEY_AFTER);
	uint32_t it = 0, n = 0, total = 0, i, limit = WEIR_CTL_PAGE_MAX;
	struct ban_key cur;
	struct ban_rec **sel;
	const void *key;
	void *data;

	if (v != NULL)
		limit = (uint32_t)json_integer_value(v); /* 1 to WEIR_CTL_PAGE_MAX: the table */
	if (after != NULL && cursor_of(after, &cur, err, errlen) != 0)
		return NULL;
	sel = malloc((rte_hash_count(weir_adm.ban_index) + 1) * sizeof(*sel));
	if (sel == NULL) {
		snprintf(err, errlen, "bans: out of memory");
		return NULL;
	}
	while (rte_hash_iterate(weir_adm.ban_index, &key, &data, &it) >= 0) {
		struct ban_rec *rec = data;

		if (rec->st.until_ns <= now)
			continue;
		total++;
		if (after == NULL || key_cmp(&rec->key, &cur) > 0)
			sel[n++] = rec;
	}
	qsort(sel, n, sizeof(*sel), ban_cmp);
	arr = json_array();
	for (i = 0; i < n; i++) {
		/* Past the limit, only the rest of the last source's bans. */
		if (i >= limit && key_cmp(&sel[i]->key, &sel[i - 1]->key) != 0)
			break;
		json_array_append_new(arr, ban_json(sel[i], now));
	}
	res = json_pack("{s:o, s:o, s:I, s:I}", "bans", arr, "next",
			i < n ? adm_prefix_json(sel[i - 1]->key.family, sel[i - 1]->key.addr,
						sel[i - 1]->key.plen)
			      : json_null(),
			"total", (json_int_t)total, "lost", (json_int_t)weir_adm.bans_lost);
	free(sel);
	return res;
}
