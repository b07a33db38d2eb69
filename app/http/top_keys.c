/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weirctl top keys [N]: the keys the gate answered 429 most. Each worker
 * counts what its gate charged (an API key, a JWT subject, a client
 * address) in a Space-Saving summary of its own (lib/ratelimit topk), as
 * app/adm/top.c does for refused sources; control gives every worker a
 * buffer (WEIR_MSG_TOPKEYS_COPY), the worker copies its summary into it,
 * and control merges the copies once every worker has drained its inbox.
 *
 * Every 429 is counted (no sampling, unlike refused packets): a request
 * the gate refuses has cost a parsed head and a written answer, microseconds
 * against the summary's 50 ns, so the counts stay exact while fewer keys
 * than counters were limited.
 *
 * A summary key is 20 bytes; what goes in it (family says which):
 *   'k'   an API key: addr holds its 16-hex id (owner and tier are looked
 *         up by id when asked, in the key table then in force);
 *   'j'   a JWT subject: addr[0..7] the subject's limit key (a 64-bit hash
 *         of issuer and sub), pad[1] the issuer; the sub itself cannot fit,
 *         so each worker keeps the text of the subjects it limited in a
 *         small direct-mapped table by that hash (NAMES slots, the last
 *         one limited wins a slot) copied along with the summary. A subject
 *         that lost its slot to another is shown by its hash ("#<16 hex>");
 *         a heavy hitter is limited again and again, and so takes its slot
 *         back, and any worker's table may name it;
 *   4, 6  a client address (anonymous routes), as the gate keys it.
 * pad[0] is the tier + 1 (0: none), so that a key is counted per tier.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "core/cmd.h"
#include "core/mailbox.h"
#include "http/http-priv.h"
#include "weir_ratelimit.h"

/* Counters of a worker's summary (about 25 KiB), and JWT subjects it names. */
#define TOPKEYS_K 256
#define NAMES 256
/* The workers take this long at most to copy. */
#define TOPKEYS_TIMEOUT_MS 1000

#define KIND_KEY 'k'
#define KIND_JWT 'j'

struct weir_http_top_name {
	uint64_t key; /* the subject's limit key; 0: empty */
	char sub[sizeof(((struct weir_gate_out *)0)->subject)];
};

/* What a worker copies into: control's buffers for it (the message's payload). */
struct topkeys_copy {
	struct weir_rl_topk *top;
	struct weir_http_top_name *names;
};

struct topkeys_req {
	unsigned int n;
	struct topkeys_copy copy[WEIR_MAX_WORKERS];
	struct topkeys_req *next;
};

/* Requests a worker did not answer in time: a late worker may still write
 * their buffers, so they are freed only once the workers have stopped. */
static struct topkeys_req *late;

int
http_top_init_worker(struct weir_http_worker *hw, uint64_t seed)
{
	size_t sz = weir_rl_topk_size(TOPKEYS_K);

	hw->top_keys = rte_malloc("weir_top_keys", sz, RTE_CACHE_LINE_SIZE);
	hw->top_names = rte_zmalloc("weir_top_keys", sizeof(*hw->top_names) * NAMES, 0);
	if (hw->top_keys == NULL || hw->top_names == NULL ||
	    weir_rl_topk_init(hw->top_keys, sz, TOPKEYS_K, seed) == NULL)
		return -ENOMEM;
	return 0;
}

void
http_top_fini_worker(struct weir_http_worker *hw)
{
	rte_free(hw->top_keys);
	rte_free(hw->top_names);
	hw->top_keys = NULL;
	hw->top_names = NULL;
}

static unsigned int
name_slot(uint64_t key)
{
	return (unsigned int)((key >> 32) % NAMES);
}

void
http_top_limited(struct weir_http_worker *hw, const struct weir_gate_out *o, const uint8_t *addr,
		 uint8_t family)
{
	struct weir_rl_topk_key k;

	if (o->key == 0) /* a 429 of gate.bad_auth: no key charged */
		return;
	memset(&k, 0, sizeof(k));
	k.pad[0] = (uint8_t)(o->tier + 1);
	if (o->key_id[0] != '\0') {
		k.family = KIND_KEY;
		memcpy(k.addr, o->key_id, sizeof(k.addr));
	} else if (o->issuer >= 0) {
		struct weir_http_top_name *nm = &hw->top_names[name_slot(o->key)];

		k.family = KIND_JWT;
		k.pad[1] = (uint8_t)o->issuer;
		memcpy(k.addr, &o->key, sizeof(o->key));
		if (nm->key != o->key) {
			nm->key = o->key;
			snprintf(nm->sub, sizeof(nm->sub), "%s", o->subject);
		}
	} else {
		k.family = family;
		memcpy(k.addr, addr, family == 4 ? 4 : 16);
	}
	weir_rl_topk_add(hw->top_keys, &k, 1);
}

void
weir_http_top_copy(struct weir_http_worker *hw, const void *payload)
{
	struct topkeys_copy c;
	const struct weir_rl_topk *cur = hw->top_keys;

	memcpy(&c, payload, sizeof(c));
	/* A worker without http services has nothing to tell. */
	weir_rl_topk_merge(c.top, &cur, cur != NULL ? 1 : 0);
	if (hw->top_names != NULL)
		memcpy(c.names, hw->top_names, sizeof(*c.names) * NAMES);
}

static void
req_free(struct topkeys_req *t)
{
	unsigned int i;

	for (i = 0; i < WEIR_MAX_WORKERS; i++) {
		free(t->copy[i].top);
		free(t->copy[i].names);
	}
	free(t);
}

void
weir_http_fini(void)
{
	while (late != NULL) {
		struct topkeys_req *t = late;

		late = t->next;
		req_free(t);
	}
}

/* An API key's row: owner and tier from the key table in force. */
static void
key_row(json_t *row, const struct weir_rl_topk_key *k)
{
	const struct weir_apikey_table *t = weir_http_gate.keys;
	char id[17], s[24];
	uint32_t i;

	memcpy(id, k->addr, 16);
	id[16] = '\0';
	snprintf(s, sizeof(s), "id:%s", id);
	json_object_set_new(row, "kind", json_string("api_key"));
	json_object_set_new(row, "key", json_string(s));
	json_object_set_new(row, "id", json_string(id));
	for (i = 0; t != NULL && t->slot != NULL && i <= t->mask; i++)
		if (t->slot[i].used && strcmp(t->slot[i].id, id) == 0) {
			json_object_set_new(row, "owner", json_string(t->slot[i].owner));
			return;
		}
	json_object_set_new(row, "owner", json_null()); /* removed since */
}

static void
jwt_row(json_t *row, const struct weir_rl_topk_key *k, const struct topkeys_req *t)
{
	const struct weir_gate_config *gc = weir_http_gate.cfg;
	const char *iss = k->pad[1] < gc->n_issuers ? gc->issuers[k->pad[1]].name : "?";
	char sub[sizeof(t->copy[0].names[0].sub) + 20], *s;
	uint64_t key;
	unsigned int w;

	memcpy(&key, k->addr, sizeof(key));
	snprintf(sub, sizeof(sub), "#%016llx", (unsigned long long)key);
	for (w = 0; w < weir.n_workers; w++) {
		const struct weir_http_top_name *nm = &t->copy[w].names[name_slot(key)];

		if (nm->key == key) {
			snprintf(sub, sizeof(sub), "%s", nm->sub);
			break;
		}
	}
	s = malloc(strlen(iss) + strlen(sub) + 6);
	if (s != NULL)
		sprintf(s, "jwt:%s/%s", iss, sub);
	json_object_set_new(row, "kind", json_string("jwt"));
	/* A sub cut at its 127th byte may end in half a character: then its hash. */
	if (s == NULL || json_object_set_new(row, "key", json_string(s)) != 0) {
		snprintf(sub, sizeof(sub), "#%016llx", (unsigned long long)key);
		json_object_set_new(row, "key", json_string(sub));
	}
	json_object_set_new(row, "issuer", json_string(iss));
	json_object_set_new(row, "subject", json_string(sub));
	free(s);
}

static void
addr_row(json_t *row, const struct weir_rl_topk_key *k)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(k->family == 4 ? AF_INET : AF_INET6, k->addr, a, sizeof(a));
	json_object_set_new(row, "kind", json_string("address"));
	json_object_set_new(row, "key", json_string(a));
}

static json_t *
finish(void *ctx, int timed_out, char *err, size_t errlen)
{
	struct topkeys_req *t = ctx;
	const struct weir_gate_config *gc = weir_http_gate.cfg;
	const struct weir_rl_topk *src[WEIR_MAX_WORKERS];
	size_t sz = weir_rl_topk_size(TOPKEYS_K);
	struct weir_rl_topk_entry *e = calloc(t->n, sizeof(*e));
	struct weir_rl_topk *merged = malloc(sz);
	json_t *arr = NULL, *res = NULL;
	unsigned int i, got;

	if (timed_out) {
		snprintf(err, errlen, "top keys: a worker did not answer within %d ms",
			 TOPKEYS_TIMEOUT_MS);
		t->next = late;
		late = t;
		goto out;
	}
	if (e == NULL || merged == NULL || weir_rl_topk_init(merged, sz, TOPKEYS_K, 1) == NULL) {
		snprintf(err, errlen, "top keys: out of memory");
		goto done;
	}
	for (i = 0; i < weir.n_workers; i++)
		src[i] = t->copy[i].top;
	weir_rl_topk_merge(merged, src, weir.n_workers);
	got = weir_rl_topk_query(merged, e, t->n);
	arr = json_array();
	for (i = 0; i < got; i++) {
		const struct weir_rl_topk_key *k = &e[i].key;
		json_t *row = json_object();

		if (k->family == KIND_KEY)
			key_row(row, k);
		else if (k->family == KIND_JWT)
			jwt_row(row, k, t);
		else
			addr_row(row, k);
		json_object_set_new(row, "tier",
				    k->pad[0] != 0 && k->pad[0] <= gc->n_tiers
					    ? json_string(gc->tiers[k->pad[0] - 1].name)
					    : json_null());
		json_object_set_new(row, "limited", json_integer((json_int_t)e[i].count));
		json_object_set_new(row, "error", json_integer((json_int_t)e[i].error));
		json_array_append_new(arr, row);
	}
	res = json_pack("{s:o, s:I}", "keys", arr, "limited_total",
			(json_int_t)weir_rl_topk_total(merged));
done:
	req_free(t);
out:
	free(e);
	free(merged);
	return res;
}

json_t *
weir_http_cmd_top_keys(json_t *req, char *err, size_t errlen)
{
	json_t *v = json_object_get(req, "n");
	struct topkeys_req *t;
	size_t sz = weir_rl_topk_size(TOPKEYS_K);
	unsigned int i;

	if (weir_http_gate.cfg == NULL) {
		snprintf(err, errlen, "no http service: the gate is off");
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto nomem;
	t->n = v != NULL ? (unsigned int)json_integer_value(v) : 10; /* 1 to 1000: the table */
	for (i = 0; i < weir.n_workers; i++) {
		t->copy[i].top = aligned_alloc(64, (sz + 63) & ~(size_t)63);
		t->copy[i].names = calloc(NAMES, sizeof(*t->copy[i].names));
		if (t->copy[i].top == NULL || t->copy[i].names == NULL ||
		    weir_rl_topk_init(t->copy[i].top, sz, TOPKEYS_K, i + 1) == NULL)
			goto nomem;
	}
	for (i = 0; i < weir.n_workers; i++)
		if (weir_control_room(i) == 0) {
			snprintf(err, errlen, "top keys: worker %u's inbox is full; try again", i);
			req_free(t);
			return NULL;
		}
	for (i = 0; i < weir.n_workers; i++)
		weir_control_post(i, WEIR_MSG_TOPKEYS_COPY, &t->copy[i], sizeof(t->copy[i]));
	return weir_cmd_defer(finish, t, TOPKEYS_TIMEOUT_MS);
nomem:
	snprintf(err, errlen, "top keys: out of memory");
	if (t != NULL)
		req_free(t);
	return NULL;
}
