/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weirctl top [N]: control gives every worker a buffer of its own
 * (WEIR_MSG_TOP_COPY) into which the worker copies its summary of refused
 * sources; once every worker has drained its inbox, control merges the
 * copies and answers. The control thread never waits for the workers (the
 * answer is deferred: app/core/cmd.h), and requests never share buffers.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_hash.h>
#include <rte_malloc.h>

#include "adm/adm-priv.h"
#include "core/cmd.h"
#include "core/mailbox.h"

/* The workers take this long at most to copy. */
#define TOP_TIMEOUT_MS 1000

struct top_req {
	unsigned int n;
	struct weir_rl_topk *copy[WEIR_MAX_WORKERS];
	struct top_req *next;
};

/* Requests a worker did not answer in time: a late worker may still write
 * their buffers, so they are freed only once the workers have stopped. */
static struct top_req *late;

static void
top_req_free(struct top_req *t)
{
	unsigned int i;

	for (i = 0; i < weir_adm.n_workers; i++)
		rte_free(t->copy[i]);
	free(t);
}

static json_t *
top_finish(void *ctx, int timed_out, char *err, size_t errlen)
{
	struct top_req *t = ctx;
	const struct weir_rl_topk *src[WEIR_MAX_WORKERS];
	uint64_t now = adm_control_now();
	struct weir_rl_topk_entry *e;
	unsigned int i, got;
	json_t *arr;

	if (timed_out) {
		snprintf(err, errlen, "top: a worker did not answer within %d ms", TOP_TIMEOUT_MS);
		t->next = late;
		late = t;
		return NULL;
	}
	for (i = 0; i < weir_adm.n_workers; i++)
		src[i] = t->copy[i];
	weir_rl_topk_merge(weir_adm.top_merged, src, weir_adm.n_workers);
	e = calloc(t->n, sizeof(*e));
	if (e == NULL) {
		snprintf(err, errlen, "top: out of memory");
		top_req_free(t);
		return NULL;
	}
	got = weir_rl_topk_query(weir_adm.top_merged, e, t->n);
	arr = json_array();
	for (i = 0; i < got; i++) {
		struct ban_key bk;
		int ban;

		memset(&bk, 0, sizeof(bk));
		bk.family = e[i].key.family;
		bk.plen = bk.family == 4 ? 32 : 64;
		memcpy(bk.addr, e[i].key.addr, 16);
		ban = adm_bans_of(&bk, now, NULL) != 0;
		json_array_append_new(arr, json_pack("{s:o, s:I, s:I, s:b}", "source",
						     adm_prefix_json(bk.family, bk.addr, bk.plen),
						     "refused", (json_int_t)e[i].count, "error",
						     (json_int_t)e[i].error, "banned", ban));
	}
	free(e);
	top_req_free(t);
	return json_pack("{s:o, s:I}", "top", arr, "refused_total",
			 (json_int_t)weir_rl_topk_total(weir_adm.top_merged));
}

void
adm_top_fini(void)
{
	while (late != NULL) {
		struct top_req *t = late;

		late = t->next;
		top_req_free(t);
	}
}

void
weir_adm_top_copy(struct weir_adm_worker *aw, const void *payload)
{
	struct weir_rl_topk *dst;
	const struct weir_rl_topk *cur = aw->top;

	memcpy(&dst, payload, sizeof(dst));
	weir_rl_topk_merge(dst, &cur, 1);
}

json_t *
weir_adm_cmd_top(json_t *req, char *err, size_t errlen)
{
	json_t *v = json_object_get(req, "n");
	struct top_req *t = calloc(1, sizeof(*t));
	size_t sz = weir_rl_topk_size(TOP_K);
	unsigned int i;

	if (t == NULL)
		goto nomem;
	t->n = v != NULL ? (unsigned int)json_integer_value(v) : 10; /* 1 to 1000: the table */
	for (i = 0; i < weir_adm.n_workers; i++) {
		t->copy[i] = rte_malloc("weir_top", sz, RTE_CACHE_LINE_SIZE);
		if (t->copy[i] == NULL || weir_rl_topk_init(t->copy[i], sz, TOP_K, i + 1) == NULL)
			goto nomem;
	}
	for (i = 0; i < weir_adm.n_workers; i++)
		if (weir_control_room(i) == 0) {
			snprintf(err, errlen, "top: worker %u's inbox is full; try again", i);
			top_req_free(t);
			return NULL;
		}
	for (i = 0; i < weir_adm.n_workers; i++)
		weir_control_post(i, WEIR_MSG_TOP_COPY, &t->copy[i], sizeof(t->copy[i]));
	return weir_cmd_defer(top_finish, t, TOP_TIMEOUT_MS);
nomem:
	snprintf(err, errlen, "top: out of memory");
	if (t != NULL)
		top_req_free(t);
	return NULL;
}
