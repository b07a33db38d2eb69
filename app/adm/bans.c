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

static struct weir_adm_bans *
bans_build(uint64_t now)
{
	const void *key;
	void *data;
	uint32_t it = 0, n = 0, size = 8;
	uint8_t plens[129] = {0};
	struct weir_adm_bans *b;
	unsigned int p;

	while (rte_hash_iterate(weir_adm.ban_index, &key, &data, &it) >= 0) {
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
	weir_adm.bans_next_expiry = UINT64_MAX;
	it = 0;
	while (rte_hash_iterate(weir_adm.ban_index, &key, &data, &it) >= 0) {
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
		if (rec->st.until_ns < weir_adm.bans_next_expiry)
			weir_adm.bans_next_expiry = rec->st.until_ns;
		b->n++;
	}
	for (p = 128; p > 0; p--)
		if (plens[p])
			b->v6_plen[b->n_v6_plen++] = (uint8_t)p;
	return b;
}

/* The token of the publication, or 0 without memory. */
static uint64_t
bans_publish(uint64_t now)
{
	struct weir_adm_bans *b = bans_build(now);

	if (b == NULL)
		return 0;
	weir_adm.bans_dirty = 0;
	return weir_rcu_publish((void **)&weir_adm.bans_cur, b, rte_free);
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

/* A worker's report: the source is banned everywhere, for what the worker
 * decided or longer if this list remembers more repeats. */
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
	if (weir_rl_ban_trigger(&ru->ban, &st, rep->now_ns, NULL) != 0 &&
	    rep->st.until_ns <= rec->st.until_ns)
		return; /* already banned as long: reports in flight */
	if (rep->st.until_ns > st.until_ns)
		st = rep->st;
	rec->st = st;
	rec->times++;
	rec->rule = rep->rule;
	rec->forget_ns = rec->st.until_ns + ru->l->ban.decay_s * SEC_NS;
	weir_adm.bans_dirty = 1;
}

void
weir_adm_control_tick(void)
{
	uint64_t now = adm_control_now();

	if (weir_adm.ban_index == NULL)
		return;
	/* On an expiry, or when the list fills with histories: tidy up. */
	if (now >= weir_adm.bans_next_expiry || rte_hash_count(weir_adm.ban_index) > MAX_BANS / 2) {
		const void *key;
		void *data;
		uint32_t it = 0;
		struct ban_rec *gone[256];
		unsigned int ng = 0, i;

		if (now >= weir_adm.bans_next_expiry)
			weir_adm.bans_dirty = 1;
		/* Records with nothing left to remember go (a few per tick). */
		while (rte_hash_iterate(weir_adm.ban_index, &key, &data, &it) >= 0 &&
		       ng < RTE_DIM(gone)) {
			struct ban_rec *rec = data;

			if (rec->st.until_ns <= now && rec->forget_ns <= now)
				gone[ng++] = rec;
		}
		for (i = 0; i < ng; i++)
			ban_forget(gone[i]);
	}
	if (weir_adm.bans_dirty)
		bans_publish(now);
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
			 adm_prefix_json(rec->key.family, rec->key.addr, rec->key.plen),
			 "remaining_s",
			 (json_int_t)weir_rl_ns_to_s_ceil(weir_rl_ban_remaining(&rec->st, now)),
			 "duration_s", (json_int_t)weir_rl_ns_to_s_ceil(rec->st.dur_ns), "times",
			 (int)rec->times, "by", by);
}

json_t *
weir_cmd_ban(json_t *req, char *err, size_t errlen)
{
	json_t *v = json_object_get(req, "seconds");
	uint64_t now = adm_control_now(), secs = 300, token;
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
	rec->forget_ns = rec->st.until_ns;
	if ((token = bans_publish(now)) == 0) {
		snprintf(err, errlen, "ban: out of memory");
		return NULL;
	}
	return weir_cmd_after(ban_json(rec, now));
}

json_t *
weir_cmd_unban(json_t *req, char *err, size_t errlen)
{
	uint64_t now = adm_control_now(), token;
	struct ban_key k;
	struct ban_rec *rec;

	if (ban_key_of(req, &k, err, errlen) != 0)
		return NULL;
	rec = ban_get(&k, 0);
	if (rec == NULL || rec->st.until_ns <= now) {
		snprintf(err, errlen, "'%s' is not banned (weirctl bans)",
			 adm_req_str(req, "address"));
		return NULL;
	}
	/*
	 * The workers hold their own copy of bans they decided: every worker
	 * is told first, and only then is the record cleared. If one cannot
	 * take it now, nothing changes and a retry finds the ban still there.
	 */
	if (weir_control_post_all(WEIR_MSG_UNBAN, &k, sizeof(k)) != 0) {
		snprintf(err, errlen,
			 "unban: a worker's inbox is full; nothing changed, try again");
		return NULL;
	}
	weir_rl_ban_unban(&rec->st, now);
	if ((token = bans_publish(now)) == 0) {
		snprintf(err, errlen, "unban: out of memory");
		return NULL;
	}
	/* Answered once every worker has taken the unban and the new table. */
	return weir_cmd_after(
		json_pack("{s:o}", "source", adm_prefix_json(k.family, k.addr, k.plen)));
}

json_t *
weir_cmd_bans(json_t *req, char *err, size_t errlen)
{
	uint64_t now = adm_control_now();
	json_t *arr = json_array();
	const void *key;
	void *data;
	uint32_t it = 0;

	(void)req;
	(void)err;
	(void)errlen;
	while (rte_hash_iterate(weir_adm.ban_index, &key, &data, &it) >= 0) {
		const struct ban_rec *rec = data;

		if (rec->st.until_ns > now)
			json_array_append_new(arr, ban_json(rec, now));
	}
	return json_pack("{s:o, s:I}", "bans", arr, "lost", (json_int_t)weir_adm.bans_lost);
}
