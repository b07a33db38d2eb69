/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Backend health on the control thread: one lib/health state machine per
 * pool that a service uses, fed by the workers' probe verdicts
 * (WEIR_MSG_PROBE_RESULT) and by the data path's handshake outcomes (the
 * core sums them every tick); transitions logged and counted; weirctl's
 * views and backend check.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/cmd.h"
#include "core/mailbox.h"
#include "core/weir.h"
#include "health/health-priv.h"

#define LOG_PER_S 20 /* transition lines per second at most; the rest counted */

struct health_control weir_healthc;

const char *
health_fail_name(unsigned int why)
{
	return why == HEALTH_FAIL_NO_MAC ? "no_mac" : weir_probe_fail_name(why);
}

static uint64_t
ms_now(void)
{
	return weir_clock_ms(weir_clock_tsc());
}

/* The state machine's parameters from pool i's config. */
static struct weir_health_params
params_of(unsigned int i)
{
	const struct weir_pool_config *pl = &weir.cfg->pools[i];
	const struct weir_outlier_config *o = &pl->outlier;
	struct weir_health_params hp = {
		.rise = pl->health.rise,
		.fall = pl->health.fall,
		.consecutive = o->consecutive,
		.base_ms = o->base_ms,
		.max_ms = o->max_ms,
		.max_pct = o->max_pct,
		.trials = o->trials,
	};

	return hp;
}

/* A probe for backend b of pool (the config loader and reloads keep them
 * within WEIR_PROBE_PORTS). Written whole before any worker looks. */
static void
probe_add(struct hpool *h, unsigned int pool, unsigned int b)
{
	struct hprobe_def *d = &weir_healthc.probe[weir_healthc.n_probes];

	d->pool = (uint16_t)pool;
	d->b = (uint16_t)b;
	d->svc = h->svc;
	d->off = 0;
	h->probe_of[b] = (int16_t)weir_healthc.n_probes;
	__atomic_store_n(&weir_healthc.n_probes, weir_healthc.n_probes + 1, __ATOMIC_RELEASE);
}

int
weir_hc_ports_kept(void)
{
	return weir_healthc.ports_kept;
}

unsigned int
weir_hc_probes_free(void)
{
	return weir_healthc.ports_kept ? WEIR_PROBE_PORTS - weir_healthc.n_probes : 0;
}

int
weir_hc_probes_needed(unsigned int pool, unsigned int n_backends)
{
	const struct hpool *h = weir_healthc.pool[pool];
	unsigned int b, need = 0;

	if (h == NULL) /* no service used it: all of them, if one comes */
		return (int)n_backends;
	for (b = 0; b < n_backends; b++)
		need += b >= WEIR_MAX_BACKENDS || h->probe_of[b] < 0;
	return (int)need;
}

/* Pool i's health, spoken for by service s. */
static struct hpool *
pool_new(unsigned int i, unsigned int s, uint64_t now)
{
	const struct weir_pool_config *pl = &weir.cfg->pools[i];
	struct weir_health_params hp = params_of(i);
	struct hpool *h = calloc(1, sizeof(*h));
	unsigned int b;

	if (h == NULL || weir_health_init(&h->hp, &hp, pl->n_backends, now) != 0) {
		free(h);
		return NULL;
	}
	h->svc = (uint16_t)s;
	h->checked = pl->health.enabled;
	for (b = 0; b < WEIR_MAX_BACKENDS; b++)
		h->probe_of[b] = -1;
	return h;
}

int
weir_hc_init(char *err, size_t errlen)
{
	const struct weir_config *cfg = weir.cfg;
	unsigned int i, s, b;
	uint64_t now = ms_now();

	memset(&weir_healthc, 0, sizeof(weir_healthc));
	for (i = 0; i < cfg->n_pools; i++) {
		struct hpool *h;

		/* The first service using the pool: its out port and local IP speak. */
		for (s = 0; s < cfg->n_services && cfg->services[s].pool != i; s++)
			;
		if (s == cfg->n_services)
			continue;
		h = pool_new(i, s, now);
		if (h == NULL) {
			snprintf(err, errlen, "pools[%u]: cannot set up its health", i);
			weir_hc_fini();
			return -1;
		}
		if (h->checked) {
			weir_healthc.ports_kept = 1;
			for (b = 0; b < cfg->pools[i].n_backends; b++)
				probe_add(h, i, b);
		}
		weir_healthc.pool[i] = h;
	}
	return 0;
}

int
weir_hc_service_added(unsigned int svc)
{
	unsigned int p = weir.cfg->services[svc].pool, b;
	struct hpool *h;

	if (weir_healthc.pool[p] != NULL)
		return 0;
	h = pool_new(p, svc, ms_now());
	if (h == NULL)
		return -1;
	if (h->checked)
		for (b = 0; b < weir.cfg->pools[p].n_backends; b++)
			probe_add(h, p, b);
	weir_healthc.pool[p] = h;
	return 0;
}

void
weir_hc_reload_pool(unsigned int pool)
{
	const struct weir_pool_config *pl = &weir.cfg->pools[pool];
	struct hpool *h = weir_healthc.pool[pool];
	struct health_setup msg = {.pool = (uint16_t)pool};
	unsigned int w, b;

	if (h == NULL)
		return;
	h->hp.p = params_of(pool); /* checked by the config loader */
	if (!pl->health.enabled && !h->checked)
		return;
	/* Probes follow the pool: one per backend listed, none for removed
	 * ones or when the checks are gone (their verdicts no longer count). */
	for (b = 0; b < pl->n_backends; b++) {
		int on = pl->health.enabled && !pl->backends[b].removed;

		if (h->probe_of[b] < 0 && on)
			probe_add(h, pool, b);
		if (h->probe_of[b] >= 0)
			weir_healthc.probe[h->probe_of[b]].off = !on;
		if (!pl->health.enabled && h->hp.b[b].up == 0) {
			/* Down by checks that are no more: up, as without checks. */
			h->hp.b[b].up = 1;
			h->hp.b[b].ok_run = h->hp.b[b].fail_run = 0;
		}
	}
	h->checked = pl->health.enabled;
	/* Best effort: a worker whose inbox is full keeps the old settings
	 * until the next reload (counted). */
	for (w = 0; w < weir.n_workers; w++)
		if (weir_control_post(w, WEIR_MSG_PROBE_SETUP, &msg, sizeof(msg)) != 0)
			weir_healthc.setup_lost++;
}

void
weir_hc_backend_added(unsigned int pool)
{
	struct hpool *h = weir_healthc.pool[pool];

	if (h != NULL)
		weir_health_add(&h->hp, ms_now());
}

void
weir_hc_fini(void)
{
	unsigned int i;

	for (i = 0; i < WEIR_MAX_POOLS; i++) {
		free(weir_healthc.pool[i]);
		weir_healthc.pool[i] = NULL;
	}
}

/* One line per transition, at most LOG_PER_S a second. */
static void
log_change(unsigned int pool, unsigned int b, const char *detail)
{
	const struct weir_pool_config *pl = &weir.cfg->pools[pool];
	const struct weir_backend_config *bc = &pl->backends[b];
	const struct weir_health_backend *hb = &weir_healthc.pool[pool]->hp.b[b];
	char ip[INET6_ADDRSTRLEN];
	uint64_t s = ms_now() / 1000;

	weir_healthc.transitions++;
	if (s != weir_healthc.log_s) {
		if (weir_healthc.log_dropped > 0)
			fprintf(stderr, "weir: health: %lu transition lines not shown\n",
				(unsigned long)weir_healthc.log_dropped);
		weir_healthc.log_s = s;
		weir_healthc.log_n = 0;
		weir_healthc.log_dropped = 0;
	}
	if (weir_healthc.log_n++ >= LOG_PER_S) {
		weir_healthc.log_dropped++;
		weir_healthc.log_dropped_total++;
		return;
	}
	inet_ntop(bc->addr.family == 4 ? AF_INET : AF_INET6, bc->addr.ip, ip, sizeof(ip));
	fprintf(stderr,
		"weir: health: pool %s backend %s%s%s:%u %s, breaker %s (%s%s%s): %s new "
		"connections\n",
		pl->name, bc->addr.family == 6 ? "[" : "", ip, bc->addr.family == 6 ? "]" : "",
		bc->port, hb->up ? "up" : "down", weir_breaker_name(hb->brk),
		weir_health_why_text(hb->why), detail[0] ? ", " : "", detail,
		weir_health_serving(&weir_healthc.pool[pool]->hp, b) ? "takes" : "takes no");
}

void
weir_hc_result(const void *payload)
{
	const struct health_result *r = payload;
	const struct hprobe_def *d;
	struct hbackend *hb;
	struct hpool *h;
	char detail[48] = "";

	if (r->k >= weir_healthc.n_probes || weir_healthc.probe[r->k].off)
		return;
	d = &weir_healthc.probe[r->k];
	h = weir_healthc.pool[d->pool];
	hb = &h->b[d->b];
	hb->last_probe_ms = ms_now();
	hb->why = r->why;
	hb->status = r->status;
	if (r->ok) {
		hb->probes_ok++;
		hb->latency_us = r->latency_us;
	} else {
		hb->probes_failed++;
	}
	if (weir_health_probe(&h->hp, d->b, r->ok, hb->last_probe_ms)) {
		snprintf(detail, sizeof(detail), "last probe %s", health_fail_name(r->why));
		log_change(d->pool, d->b, detail);
	}
}

void
weir_hc_passive(unsigned int pool, unsigned int b, uint64_t ok, uint64_t fail, uint64_t run,
		uint64_t now_ms)
{
	struct hpool *h = weir_healthc.pool[pool];
	struct hbackend *hb;
	uint64_t d_ok, d_fail;

	if (h == NULL || b >= h->hp.n)
		return;
	hb = &h->b[b];
	d_ok = ok - hb->ok;
	d_fail = fail - hb->fail;
	hb->ok = ok;
	hb->fail = fail;
	if (d_ok == 0 && d_fail == 0)
		return;
	/* Successes first, then the failures since each worker's last one. */
	if (d_ok > 0 && run < d_fail)
		d_fail = run;
	if (weir_health_passive(&h->hp, b, (uint32_t)(d_ok > UINT32_MAX ? UINT32_MAX : d_ok),
				(uint32_t)(d_fail > UINT32_MAX ? UINT32_MAX : d_fail), now_ms))
		log_change(pool, b, "");
}

void
weir_hc_control_tick(uint64_t now_ms)
{
	unsigned int i, b;

	for (i = 0; i < WEIR_MAX_POOLS; i++) {
		struct hpool *h = weir_healthc.pool[i];
		uint8_t was[WEIR_MAX_BACKENDS];

		if (h == NULL)
			continue;
		for (b = 0; b < h->hp.n; b++)
			was[b] = h->hp.b[b].brk;
		if (weir_health_tick(&h->hp, now_ms) == 0)
			continue;
		for (b = 0; b < h->hp.n; b++)
			if (h->hp.b[b].brk != was[b])
				log_change(i, b, "");
	}
}

int
weir_hc_serving(unsigned int pool, unsigned int b)
{
	const struct hpool *h = weir_healthc.pool[pool];

	return h == NULL || b >= h->hp.n || weir_health_serving(&h->hp, b);
}

json_t *
weir_hc_backend_json(unsigned int pool, unsigned int b, uint64_t now_ms)
{
	const struct hpool *h = weir_healthc.pool[pool];
	const struct weir_health_backend *s;
	const struct hbackend *hb;
	json_t *o;

	if (h == NULL || b >= h->hp.n)
		return NULL;
	s = &h->hp.b[b];
	hb = &h->b[b];
	o = json_pack("{s:b, s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "serving",
		      weir_health_serving(&h->hp, b), "state", s->up ? "up" : "down", "breaker",
		      weir_breaker_name(s->brk), "reason", weir_health_why_text(s->why),
		      "consecutive_failures", (json_int_t)s->consec, "ejections",
		      (json_int_t)s->ejections_total, "ejected_ms_left",
		      (json_int_t)(s->brk == WEIR_BRK_OPEN && s->open_until_ms > now_ms
					   ? s->open_until_ms - now_ms
					   : 0),
		      "transitions", (json_int_t)s->transitions);
	if (o != NULL && h->checked && h->probe_of[b] >= 0 &&
	    !weir_healthc.probe[h->probe_of[b]].off)
		json_object_set_new(
			o, "probe",
			json_pack("{s:s?, s:I, s:I, s:I, s:I, s:I}", "last",
				  hb->last_probe_ms == 0 ? NULL : health_fail_name(hb->why),
				  "status", (json_int_t)hb->status, "latency_us",
				  (json_int_t)hb->latency_us, "age_ms",
				  (json_int_t)(hb->last_probe_ms ? now_ms - hb->last_probe_ms : 0),
				  "ok", (json_int_t)hb->probes_ok, "failed",
				  (json_int_t)hb->probes_failed));
	return o;
}

json_t *
weir_hc_json(void)
{
	return json_pack("{s:I, s:I, s:I}", "transitions", (json_int_t)weir_healthc.transitions,
			 "log_lines_dropped", (json_int_t)weir_healthc.log_dropped_total,
			 "reload_setups_lost", (json_int_t)weir_healthc.setup_lost);
}

json_t *
weir_hc_pool_json(unsigned int pool)
{
	const struct weir_pool_config *pl = &weir.cfg->pools[pool];
	const struct weir_health_check_config *hc = &pl->health;
	const struct weir_outlier_config *o = &pl->outlier;
	const struct hpool *h = weir_healthc.pool[pool];
	json_t *r, *st;
	unsigned int i;

	r = json_pack("{s:{s:I, s:I, s:I, s:I, s:I}, s:I}", "outlier", "consecutive_failures",
		      (json_int_t)o->consecutive, "base_ejection_ms", (json_int_t)o->base_ms,
		      "max_ejection_ms", (json_int_t)o->max_ms, "max_ejection_percent",
		      (json_int_t)o->max_pct, "half_open_trials", (json_int_t)o->trials,
		      "refused_ejections", (json_int_t)(h != NULL ? h->hp.refused_ejections : 0));
	if (r == NULL || !hc->enabled)
		return r;
	st = json_array();
	for (i = 0; i < hc->n_status; i++)
		json_array_append_new(st, json_pack("[i, i]", hc->status_lo[i], hc->status_hi[i]));
	json_object_set_new(r, "health",
			    json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:o, s:s}",
				      "type", hc->http ? "http" : "tcp", "interval_ms",
				      (json_int_t)hc->interval_ms, "timeout_ms",
				      (json_int_t)hc->timeout_ms, "rise", (json_int_t)hc->rise,
				      "fall", (json_int_t)hc->fall, "port", (json_int_t)hc->port,
				      "method", hc->method, "path", hc->path, "host", hc->host,
				      "expect_status", st, "expect_body_contains", hc->body));
	return r;
}

/* weirctl backend check: the answer waits for the probe's next verdict. */
struct check {
	unsigned int pool, b;
	uint64_t seen; /* verdicts before the check */
};

static json_t *
check_done(void *ctx, int timed_out, char *err, size_t errlen)
{
	struct check *c = ctx;
	const struct hbackend *hb = &weir_healthc.pool[c->pool]->b[c->b];
	json_t *res;

	if (hb->probes_ok + hb->probes_failed == c->seen) {
		if (!timed_out)
			return WEIR_CMD_AGAIN;
		snprintf(err, errlen, "no probe verdict in time (is the worker running?)");
		free(c);
		return NULL;
	}
	res = json_pack("{s:b, s:s, s:I, s:I, s:o*}", "ok", hb->why == 0, "result",
			health_fail_name(hb->why), "status", (json_int_t)hb->status, "latency_us",
			(json_int_t)(hb->why == 0 ? hb->latency_us : 0), "health",
			weir_hc_backend_json(c->pool, c->b, ms_now()));
	free(c);
	return res;
}

json_t *
weir_hc_check(unsigned int pool, unsigned int b, char *err, size_t errlen)
{
	const struct hpool *h = weir_healthc.pool[pool];
	struct health_now msg = {0};
	struct check *c;
	unsigned int k, owner;

	if (h == NULL || !h->checked || h->probe_of[b] < 0 ||
	    weir_healthc.probe[h->probe_of[b]].off) {
		snprintf(err, errlen,
			 "pool '%s' has no health checks of that backend (pools[].health)",
			 weir.cfg->pools[pool].name);
		return NULL;
	}
	k = (unsigned int)h->probe_of[b];
	owner = (WEIR_PROBE_PORT_MIN + k) % weir.n_workers;
	msg.k = (uint16_t)k;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->pool = pool;
	c->b = b;
	c->seen = h->b[b].probes_ok + h->b[b].probes_failed;
	if (weir_control_post(owner, WEIR_MSG_PROBE_NOW, &msg, sizeof(msg)) != 0) {
		free(c);
		snprintf(err, errlen, "worker %u's inbox is full: try again", owner);
		return NULL;
	}
	/* The probe's own timeout, and the time for the verdict to come back. */
	return weir_cmd_defer(check_done, c, weir.cfg->pools[pool].health.timeout_ms + 1000);
}
