/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every counter's descriptor, from the stages' counter lists, and their
 * rendering into weirctl stats (app/core/counters.h).
 */
#include <rte_cycles.h>

#include "adm/srctab.h"
#include "core/counters.h"
#include "core/worker-t.h"
#include "http/http.h"
#include "l4/conntrack.h"

/* Descriptor tables are data: one entry a line, as written. */
/* clang-format off */
/* A plain per-worker counter at member.name of struct weir_worker. */
#define PLAIN(member, name, table, label, unit, help)                                             \
	{#name, table, label, unit, help, WEIR_CTR_COUNTER, WEIR_CTR_WORKER,                      \
	 offsetof(struct weir_worker, member.name), NULL, NULL, NULL},
#define CORE_CTR(...) PLAIN(stats, __VA_ARGS__)
#define L4_CTR(...) PLAIN(l4.stats, __VA_ARGS__)
#define ADM_CTR(...) PLAIN(adm.stats, __VA_ARGS__)
#define SP_CTR(...) PLAIN(sp.stats, __VA_ARGS__)
#define HEALTH_CTR(...) PLAIN(health.stats, __VA_ARGS__)
#define HTTP_CTR(...) PLAIN(http.stats, __VA_ARGS__)
#define GATE_CTR(name, table, label, help)                                                         \
	{"gate_" #name, table, label, "requests", help, WEIR_CTR_COUNTER, WEIR_CTR_WORKER,        \
	 offsetof(struct weir_worker, http.gate.stats.name), NULL, NULL, NULL},
#define BACKEND_CTR(name, table, label, unit, help)                                                \
	{#name, table, label, unit, help, WEIR_CTR_COUNTER, WEIR_CTR_BACKEND,                     \
	 offsetof(struct weir_l4_backend_stats, name), NULL, NULL, NULL},
/* A computed one. */
#define GAUGE(name, table, label, unit, help, fn)                                                  \
	{#name, table, label, unit, help, WEIR_CTR_GAUGE, WEIR_CTR_WORKER, 0, fn, NULL, NULL},
/* clang-format on */

static uint64_t
dropped(const struct weir_worker *w, unsigned int svc, unsigned int b)
{
	uint64_t n = 0;
	unsigned int r;

	(void)svc;
	(void)b;
	for (r = 1; r < WEIR_DROP__MAX; r++)
		n += __atomic_load_n(&w->stats.drops[r], __ATOMIC_RELAXED);
	return n;
}

static uint64_t
conns(const struct weir_worker *w, unsigned int svc, unsigned int b)
{
	(void)svc;
	(void)b;
	return w->l4.ct != NULL ? weir_ct_count(w->l4.ct) : 0;
}

static uint64_t
conn_capacity(const struct weir_worker *w, unsigned int svc, unsigned int b)
{
	(void)svc;
	(void)b;
	return w->l4.ct != NULL ? weir_ct_capacity(w->l4.ct) : 0;
}

static uint64_t
sources(const struct weir_worker *w, unsigned int svc, unsigned int b)
{
	(void)svc;
	(void)b;
	return w->adm.src != NULL ? weir_srct_count(w->adm.src) : 0;
}

static uint64_t
syn_early_holding(const struct weir_worker *w, unsigned int svc, unsigned int b)
{
	(void)svc;
	(void)b;
	return w->sp.hold == NULL
		       ? 0
		       : WEIR_SP_HOLD_MAX - __atomic_load_n(&w->sp.n_hold_free, __ATOMIC_RELAXED);
}

static uint64_t
tsc_hz(const struct weir_worker *w, unsigned int svc, unsigned int b)
{
	(void)w;
	(void)svc;
	(void)b;
	return rte_get_tsc_hz();
}

static uint64_t
conns_active(const struct weir_worker *w, unsigned int svc, unsigned int b)
{
	return __atomic_load_n(&w->l4.sched[svc].b[b].active, __ATOMIC_RELAXED);
}

/* http connections by phase: those holding a head buffer (every phase but
 * a plain splice). */
static uint64_t
http_in(const struct weir_worker *w, uint8_t a, uint8_t b)
{
	return weir_http_conns_in(&w->http, a, b);
}

static uint64_t
http_collecting(const struct weir_worker *w, unsigned int svc, unsigned int b)
{
	(void)svc;
	(void)b;
	return http_in(w, WEIR_HTTP_P_COLLECT, WEIR_HTTP_P_COLLECT);
}

static uint64_t
http_connecting(const struct weir_worker *w, unsigned int svc, unsigned int b)
{
	(void)svc;
	(void)b;
	return http_in(w, WEIR_HTTP_P_CONNECT, WEIR_HTTP_P_CONNECT);
}

static uint64_t
http_sending(const struct weir_worker *w, unsigned int svc, unsigned int b)
{
	(void)svc;
	(void)b;
	return http_in(w, WEIR_HTTP_P_SEND, WEIR_HTTP_P_SEND);
}

static uint64_t
http_answering(const struct weir_worker *w, unsigned int svc, unsigned int b)
{
	(void)svc;
	(void)b;
	return http_in(w, WEIR_HTTP_P_ANSWER, WEIR_HTTP_P_LATE);
}

static uint64_t
http_buffers_used(const struct weir_worker *w, unsigned int svc, unsigned int b)
{
	(void)svc;
	(void)b;
	return w->http.n_bufs - __atomic_load_n(&w->http.n_free, __ATOMIC_RELAXED);
}

/* In weirctl's column order within each table. */
/* clang-format off */
const struct weir_ctr_desc weir_ctrs[] = {
	WEIR_CORE_COUNTERS(CORE_CTR)
	GAUGE(dropped, "traffic", NULL, "packets", "packets dropped, every reason", dropped)
	GAUGE(conns, "l4", NULL, "connections", "connections in the table", conns)
	GAUGE(conn_capacity, NULL, NULL, "connections", "size of the connection table",
	      conn_capacity)
	WEIR_L4_COUNTERS(L4_CTR)
	GAUGE(sources, "limits", NULL, "sources", "sources tracked for limits", sources)
	WEIR_ADM_COUNTERS(ADM_CTR)
	WEIR_SP_COUNTERS(SP_CTR)
	WEIR_HTTP_COUNTERS(HTTP_CTR)
	GAUGE(http_collecting, NULL, NULL, "connections",
	      "http connections reading a request head (weir's endpoint)", http_collecting)
	GAUGE(http_connecting, NULL, NULL, "connections",
	      "http connections whose backend handshake runs", http_connecting)
	GAUGE(http_sending, NULL, NULL, "connections",
	      "http connections whose rewritten head is not ACKed by the backend yet", http_sending)
	GAUGE(http_answering, NULL, NULL, "connections",
	      "http connections weir answers itself (or will, in order)", http_answering)
	GAUGE(http_buffers_used, NULL, NULL, "buffers", "head buffers in use", http_buffers_used)
	WEIR_GATE_COUNTERS(GATE_CTR)
	GAUGE(syn_early_holding, NULL, NULL, "segments", "client segments held now",
	      syn_early_holding)
	WEIR_HEALTH_COUNTERS(HEALTH_CTR)
	GAUGE(tsc_hz, NULL, NULL, "hertz", "TSC frequency (cycles per second)", tsc_hz)
	{"cycles_per_pkt", "l4", "cyc/pkt", "cycles", "busy_cycles / busy_pkts", WEIR_CTR_RATIO,
	 WEIR_CTR_WORKER, 0, NULL, "busy_cycles", "busy_pkts"},
	WEIR_L4_BACKEND_COUNTERS(BACKEND_CTR)
	{"conns_active", NULL, NULL, "connections", "connections open now", WEIR_CTR_GAUGE,
	 WEIR_CTR_BACKEND, 0, conns_active, NULL, NULL},
};
/* clang-format on */
const unsigned int weir_n_ctrs = RTE_DIM(weir_ctrs);

/* weirctl's tables; "always": shown even when all zero. */
static const struct {
	const char *name;
	int always;
} tables[] = {
	{"traffic", 1}, {"l4", 1}, {"limits", 0}, {"synproxy", 0}, {"http", 0},
};

static uint64_t
ctr_get(const struct weir_ctr_desc *d, const struct weir_worker *w)
{
	if (d->get != NULL)
		return d->get(w, 0, 0);
	return __atomic_load_n((const uint64_t *)((const char *)w + d->off), __ATOMIC_RELAXED);
}

static const struct weir_ctr_desc *
find(const char *name)
{
	unsigned int i;

	for (i = 0; i < weir_n_ctrs; i++)
		if (strcmp(weir_ctrs[i].name, name) == 0)
			return &weir_ctrs[i];
	return NULL;
}

static const char *
kind_name(uint8_t k)
{
	return k == WEIR_CTR_COUNTER ? "counter" : k == WEIR_CTR_GAUGE ? "gauge" : "ratio";
}

json_t *
weir_counters_json(void)
{
	uint64_t sum[RTE_DIM(weir_ctrs)] = {0}, drops[WEIR_DROP__MAX] = {0};
	json_t *workers = json_array(), *total = json_object(), *descs = json_array(), *tabs;
	json_t *o, *dr;
	unsigned int i, k, r;

	for (i = 0; i < weir.n_workers; i++) {
		const struct weir_worker *w = weir.workers[i];

		o = json_pack("{s:i, s:i}", "id", (int)i, "lcore", (int)w->lcore);
		for (k = 0; k < weir_n_ctrs; k++) {
			const struct weir_ctr_desc *d = &weir_ctrs[k];

			if (d->scope != WEIR_CTR_WORKER || d->kind == WEIR_CTR_RATIO)
				continue;
			sum[k] += ctr_get(d, w);
			json_object_set_new(o, d->name, json_integer((json_int_t)ctr_get(d, w)));
		}
		dr = json_object();
		for (r = 1; r < WEIR_DROP__MAX; r++) {
			uint64_t v = __atomic_load_n(&w->stats.drops[r], __ATOMIC_RELAXED);

			drops[r] += v;
			json_object_set_new(dr, weir_drop_name(r), json_integer((json_int_t)v));
		}
		json_object_set_new(o, "drops", dr);
		json_array_append_new(workers, o);
	}
	for (k = 0; k < weir_n_ctrs; k++) {
		const struct weir_ctr_desc *d = &weir_ctrs[k];

		if (d->scope == WEIR_CTR_WORKER && d->kind != WEIR_CTR_RATIO)
			json_object_set_new(total, d->name, json_integer((json_int_t)sum[k]));
	}
	/* Ratios, per worker and of the sums. */
	for (k = 0; k < weir_n_ctrs; k++) {
		const struct weir_ctr_desc *d = &weir_ctrs[k], *num, *den;
		uint64_t n = 0, m = 0;

		if (d->kind != WEIR_CTR_RATIO || (num = find(d->num)) == NULL ||
		    (den = find(d->den)) == NULL)
			continue;
		for (i = 0; i < weir.n_workers; i++) {
			uint64_t a = ctr_get(num, weir.workers[i]);
			uint64_t b = ctr_get(den, weir.workers[i]);

			n += a;
			m += b;
			json_object_set_new(json_array_get(workers, i), d->name,
					    json_real(b ? (double)a / (double)b : 0.0));
		}
		json_object_set_new(total, d->name, json_real(m ? (double)n / (double)m : 0.0));
	}
	dr = json_object();
	for (r = 1; r < WEIR_DROP__MAX; r++)
		json_object_set_new(dr, weir_drop_name(r), json_integer((json_int_t)drops[r]));
	json_object_set_new(total, "drops", dr);
	for (k = 0; k < weir_n_ctrs; k++) {
		const struct weir_ctr_desc *d = &weir_ctrs[k];

		o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", d->name, "type",
			      kind_name(d->kind), "scope",
			      d->scope == WEIR_CTR_WORKER ? "worker" : "backend", "unit", d->unit,
			      "help", d->help);
		if (d->table != NULL)
			json_object_set_new(o, "table", json_string(d->table));
		if (d->label != NULL)
			json_object_set_new(o, "label", json_string(d->label));
		json_array_append_new(descs, o);
	}
	tabs = json_array();
	for (k = 0; k < RTE_DIM(tables); k++)
		json_array_append_new(tabs, json_pack("{s:s, s:b}", "name", tables[k].name,
						      "always", tables[k].always));
	return json_pack("{s:o, s:o, s:o, s:o}", "total", total, "workers", workers, "counters",
			 descs, "tables", tabs);
}

void
weir_counters_backend_json(unsigned int svc, unsigned int b, json_t *o)
{
	unsigned int i, k;

	for (k = 0; k < weir_n_ctrs; k++) {
		const struct weir_ctr_desc *d = &weir_ctrs[k];
		uint64_t sum = 0;

		if (d->scope != WEIR_CTR_BACKEND)
			continue;
		for (i = 0; i < weir.n_workers; i++) {
			const struct weir_worker *w = weir.workers[i];

			if (d->get != NULL)
				sum += d->get(w, svc, b);
			else
				sum += __atomic_load_n(
					(const uint64_t
						 *)((const char *)&w->l4
							    .bstats[svc * WEIR_MAX_BACKENDS + b] +
						    d->off),
					__ATOMIC_RELAXED);
		}
		json_object_set_new(o, d->name, json_integer((json_int_t)sum));
	}
}
