/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The API gate in the HTTP stage: lib/gate's shared state (set up from
 * the config before the workers start; its key table and revocations
 * published by RCU afterwards), each worker's part, and the call for a
 * routed request: the gate's answer (401, 403, 429, 503) written into the
 * connection's answer area, or the identity headers for the backend.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/clock.h"
#include "core/rcu.h"
#include "core/worker.h"
#include "http/http-priv.h"
#include "weir_http_out.h"

struct weir_gate weir_http_gate;
uint8_t http_gate_fields[WEIR_MAX_SERVICES];
/* Per service and route (the last: requests no route matches). */
static struct weir_gate_route routes[WEIR_MAX_SERVICES][WEIR_HTTP_ROUTES_MAX + 1];
static void *lim_mem;

static int
route_gated(const struct weir_gate_route *gr)
{
	return gr->cfg->auth != WEIR_GATE_AUTH_NONE || gr->policy >= 0;
}

int
http_gate_init(char *err, size_t errlen)
{
	const struct weir_config *cfg = weir.cfg;
	const struct weir_gate_config *gc = cfg->gate;
	struct weir_apikey_table *t;
	const char *why = "";
	unsigned int i, r, k;
	uint16_t id = 0;
	size_t len;

	len = (weir_kl_table_size(gc->limit_entries) + 63) & ~(size_t)63;
	lim_mem = aligned_alloc(64, len);
	t = calloc(1, sizeof(*t));
	if (lim_mem == NULL || t == NULL || weir_apikey_table_init(t, gc->key_capacity) != 0) {
		snprintf(err, errlen, "gate: out of memory (limit_entries %u, key capacity %u)",
			 gc->limit_entries, gc->key_capacity);
		free(t);
		return -ENOMEM;
	}
	if (weir_gate_init(&weir_http_gate, gc, lim_mem, len, &why) != 0) {
		snprintf(err, errlen, "gate: %s", why);
		return -EINVAL;
	}
	for (k = 0; k < gc->n_keys; k++) {
		const struct weir_gate_key *gk = &gc->keys[k];

		if (weir_apikey_add(t, gk->hash, gk->tier, gk->owner) != 0) {
			snprintf(err, errlen, "gate.api_keys.keys[%u]: cannot be added", k);
			return -EINVAL;
		}
		if (gk->blocked)
			weir_apikey_find(t, gk->hash)->blocked = 1;
	}
	weir_http_gate.keys = t;
	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_http_config *h = cfg->services[i].http;

		if (h == NULL)
			continue;
		for (r = 0; r <= h->routes.n; r++) {
			const struct weir_route_gate *rg =
				r < h->routes.n ? &h->route[r].gate : &h->gate;
			struct weir_gate_route *gr =
				&routes[i][r < h->routes.n ? r : WEIR_HTTP_ROUTES_MAX];
			int p = -1;

			if (rg->has_limits &&
			    (p = weir_gate_policy_add(&weir_http_gate, &rg->rules, id++)) < 0) {
				snprintf(err, errlen, "gate: too many routes with limits");
				return -ENOSPC;
			}
			gr->cfg = rg;
			gr->policy = p;
			if (route_gated(gr))
				http_gate_fields[i] = 1;
		}
	}
	/* Keys with limits of their own (the same rules: one rule set). */
	for (k = 0; k < gc->n_keys; k++) {
		const struct weir_gate_key *gk = &gc->keys[k];
		int p;

		if (gk->rules.n == 0)
			continue;
		p = weir_gate_policy_find(&weir_http_gate, &gk->rules);
		if (p < 0 && (p = weir_gate_policy_add(&weir_http_gate, &gk->rules, id++)) < 0) {
			snprintf(err, errlen,
				 "gate.api_keys.keys[%u].limits: too many different rule sets "
				 "(routes' and keys')",
				 k);
			return -ENOSPC;
		}
		weir_apikey_find(t, gk->hash)->extra = (uint16_t)(p + 1);
	}
	return 0;
}

int
http_gate_init_worker(struct weir_http_worker *hw)
{
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		return -EIO;
	if (http_top_init_worker(hw, seed ^ UINT64_C(0x746f70)) != 0)
		return -ENOMEM;
	return weir_gate_local_init(&hw->gate, weir.cfg->gate, seed);
}

void
http_gate_fini_worker(struct weir_http_worker *hw)
{
	weir_gate_local_fini(&hw->gate);
	http_top_fini_worker(hw);
}

/* A header value from any bytes: visible ASCII but '%' as it is, the rest %XX. */
static void
field_value(const char *in, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *in != '\0' && o + 4 <= cap; in++) {
		uint8_t b = (uint8_t)*in;

		if (b > 0x20 && b < 0x7f && b != '%') {
			out[o++] = (char)b;
		} else {
			out[o++] = '%';
			out[o++] = hex[b >> 4];
			out[o++] = hex[b & 15];
		}
	}
	out[o] = '\0';
}

int
http_gate_request(struct weir_http_worker *hw, const struct weir_conn *c, struct weir_http_ctx *x,
		  const struct weir_http_req *r, const uint8_t *region, int route,
		  struct weir_http_edit *e, const char **why)
{
	const struct weir_gate_route *gr =
		&routes[x->parent][route >= 0 ? (unsigned int)route : WEIR_HTTP_ROUTES_MAX];
	const struct weir_gate_config *gc = weir.cfg->gate;
	struct weir_gate_out *o = &hw->gate_out;
	struct weir_gate_creds *cr = &hw->gate_creds;
	unsigned int n = 0;
	uint64_t tsc;
	int64_t now_s;

	hw->gate_allowed = NULL;
	if (!route_gated(gr)) {
		/* Nobody is vouched for: whatever the client says is removed. */
		e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_DEL, "X-Weir-Subject", NULL};
		e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_DEL, "X-Weir-Tier", NULL};
		e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_DEL, "X-Weir-Key-Id", NULL};
		return (int)n;
	}
	/* A route without auth reads no credentials (its limits count per address). */
	if (gr->cfg->auth != WEIR_GATE_AUTH_NONE)
		weir_gate_creds(r, region, gc->key_header, gc->key_query, cr);
	tsc = weir_clock_tsc();
	now_s = (int64_t)(weir_clock_real_ns(tsc) / 1000000000u);
	weir_gate_decide(&weir_http_gate, &hw->gate, gr, cr, c->client.src, c->client.family, now_s,
			 weir_clock_ns(tsc), o);
	if (o->ban_source)
		weir_worker_gate_ban(hw, c->client.src, c->client.family);
	if (o->ban_key)
		http_gate_key_ban(hw, o);
	if (o->status != 0) {
		uint8_t *ans = http_buf(hw, x) + hw->buf_size - WEIR_HTTP_BUF_ANSWER;
		time_t now = (time_t)now_s;
		size_t len;

		*why = o->why;
		if (o->status == 429)
			http_top_limited(hw, o, c->client.src, c->client.family);
		if (o->status == 401)
			len = weir_http_response_unauthorized(ans, WEIR_HTTP_BUF_ANSWER, o->why,
							      now, 1);
		else if (o->status == 429)
			len = weir_http_response_limited(ans, WEIR_HTTP_BUF_ANSWER, o->rl, o->n_rl,
							 o->violated, now, gc->legacy_headers, 1);
		else
			len = weir_http_response(ans, WEIR_HTTP_BUF_ANSWER, o->status, o->why, now,
						 1);
		x->pre_len = (uint16_t)len; /* 0: http_answer() writes a plain one */
		return -o->status;
	}
	if (o->n_rl != 0)
		hw->gate_allowed = o; /* its RateLimit fields go into the response */
	field_value(o->subject, hw->gate_subject, sizeof(hw->gate_subject));
	e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_SET, "X-Weir-Subject", hw->gate_subject};
	if (o->tier >= 0)
		e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_SET, "X-Weir-Tier",
						 gc->tiers[o->tier].name};
	else
		e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_DEL, "X-Weir-Tier", NULL};
	if (o->key_id[0] != '\0')
		e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_SET, "X-Weir-Key-Id", o->key_id};
	else
		e[n++] = (struct weir_http_edit){WEIR_HTTP_EDIT_DEL, "X-Weir-Key-Id", NULL};
	if (o->subject[0] == '\0')
		e[0] = (struct weir_http_edit){WEIR_HTTP_EDIT_DEL, "X-Weir-Subject", NULL};
	return (int)n;
}
