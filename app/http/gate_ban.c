/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bans of keys (gate.key_bans): a key (an API key, a token's subject) that
 * keeps going past its limits earns a ban, as a source does under
 * limits.ban. The worker whose 429 took the key past key_bans.after in
 * key_bans.window_s reports it; control keeps each banned key's history
 * (progressive: first_s, doubling per repeat within a day, at most a day)
 * and publishes the keys banned now as one sorted table (RCU), which every
 * worker reads after authenticating a request: a banned key gets 403.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/mailbox.h"
#include "core/rcu.h"
#include "core/worker.h"
#include "http/http-priv.h"
#include "weir_ratelimit.h"

#define SEC_NS UINT64_C(1000000000)
#define MAX_KEY_BANS 4096 /* keys remembered; past it the oldest ended one goes */

struct kban_rec {
	uint64_t tag;
	struct weir_rl_ban st;
	uint32_t times;
	char label[WEIR_HTTP_KBAN_LABEL];
};

static struct kban_rec *recs;
static unsigned int n_recs;
static struct weir_rl_ban_params params;
static int params_ok;

void
http_gate_key_ban(struct weir_http_worker *hw, const struct weir_gate_out *o)
{
	const struct weir_gate_config *gc = weir.cfg->gate;
	struct weir_http_kban_report rep;

	memset(&rep, 0, sizeof(rep));
	rep.tag = o->key;
	if (o->key_id[0] != '\0')
		snprintf(rep.label, sizeof(rep.label), "id:%s", o->key_id);
	else if (o->issuer >= 0)
		snprintf(rep.label, sizeof(rep.label), "jwt:%.16s/%.26s",
			 gc->issuers[o->issuer].name, o->subject);
	weir_worker_post(hw, WEIR_MSG_GATE_BAN, &rep, sizeof(rep));
}

static void
kban_free(void *p)
{
	free(p);
}

static int
by_tag(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The keys banned now, as the workers' table. */
static void
publish(uint64_t now)
{
	struct weir_gate_kbans *t;
	unsigned int i, n = 0;

	t = malloc(sizeof(*t) + (size_t)n_recs * sizeof(t->e[0]));
	if (t == NULL)
		return; /* the last table stays: a ban is late, nothing is lost */
	for (i = 0; i < n_recs; i++)
		if (recs[i].st.until_ns > now) {
			t->e[n].tag = recs[i].tag;
			t->e[n].until_ns = recs[i].st.until_ns;
			n++;
		}
	t->n = n;
	qsort(t->e, n, sizeof(t->e[0]), by_tag);
	weir_rcu_publish((void **)&weir_http_gate.kbans, t, kban_free);
}

void
weir_http_gate_ban_reported(const void *payload)
{
	const struct weir_gate_config *gc = weir.cfg->gate;
	const struct weir_http_kban_report *rep = payload;
	uint64_t now = weir_clock_ns(weir_clock_tsc());
	struct kban_rec *r = NULL;
	unsigned int i;

	if (!params_ok) {
		uint64_t first = (uint64_t)gc->key_ban_first_s * SEC_NS;

		if (weir_rl_ban_params_init(&params, first, 2,
					    first > 86400 * SEC_NS ? first : 86400 * SEC_NS,
					    86400 * SEC_NS) != 0)
			return;
		params_ok = 1;
	}
	if (recs == NULL && (recs = calloc(MAX_KEY_BANS, sizeof(*recs))) == NULL)
		return;
	for (i = 0; i < n_recs && r == NULL; i++)
		if (recs[i].tag == rep->tag)
			r = &recs[i];
	if (r == NULL) {
		if (n_recs == MAX_KEY_BANS) {
			/* The one whose ban ended longest ago goes. */
			unsigned int old = 0;

			for (i = 1; i < n_recs; i++)
				if (recs[i].st.until_ns < recs[old].st.until_ns)
					old = i;
			if (recs[old].st.until_ns > now)
				return; /* every one banned now: this key is not */
			recs[old] = recs[--n_recs];
		}
		r = &recs[n_recs++];
		memset(r, 0, sizeof(*r));
		r->tag = rep->tag;
	}
	if (weir_rl_ban_trigger(&params, &r->st, now, NULL) != 0)
		return; /* banned already: reports of other workers in flight */
	r->times++;
	memcpy(r->label, rep->label, sizeof(r->label));
	r->label[sizeof(r->label) - 1] = '\0';
	publish(now);
}

json_t *
http_gate_bans_json(void)
{
	uint64_t now = weir_clock_ns(weir_clock_tsc());
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; i < n_recs; i++) {
		char hex[24];
		json_t *label;

		if (recs[i].st.until_ns <= now)
			continue;
		/* A subject cut inside a UTF-8 character is no JSON string: its hash then. */
		label = json_string(recs[i].label);
		if (label == NULL) {
			snprintf(hex, sizeof(hex), "#%016llx", (unsigned long long)recs[i].tag);
			label = json_string(hex);
		}
		json_array_append_new(
			a,
			json_pack("{s:o, s:I, s:I}", "key", label, "remaining_s",
				  (json_int_t)((recs[i].st.until_ns - now + SEC_NS - 1) / SEC_NS),
				  "times", (json_int_t)recs[i].times));
	}
	return a;
}
