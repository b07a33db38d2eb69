/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Setting the HTTP stage up and down, and its routes as JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>

#include <rte_malloc.h>

#include "core/worker-t.h"
#include "http/http-priv.h"

char weir_http_via[WEIR_MAX_SERVICES][40];
static int http_any;
static uint32_t head_max_all; /* largest head_max of the http services */

uint8_t weir_http_svc[WEIR_MAX_SERVICES];

int
weir_http_init(char *err, size_t errlen)
{
	const struct weir_config *cfg = weir.cfg;
	unsigned int i;

	http_any = 0;
	head_max_all = 0;
	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_service_config *sc = &cfg->services[i];
		const struct weir_http_config *h = sc->http;

		weir_http_svc[i] = h != NULL || (sc->internal != 0 &&
						 cfg->services[sc->internal - 1].http != NULL);
		if (h == NULL)
			continue;
		http_any = 1;
		if (h->head_max > head_max_all)
			head_max_all = h->head_max;
		snprintf(weir_http_via[i], sizeof(weir_http_via[i]), "1.1 %s", h->via);
	}
	return http_any ? http_gate_init(err, errlen) : 0;
}

int
weir_http_init_worker(struct weir_http_worker *hw, unsigned int id, int socket, uint32_t conn_slots,
		      struct weir_conn *(*conn)(void *arg, uint32_t idx), void *arg)
{
	uint32_t n = weir.cfg->http_head_buffers != 0 ? weir.cfg->http_head_buffers
						      : WEIR_HTTP_HEAD_BUFFERS_DEFAULT;
	uint32_t b;

	memset(hw, 0, sizeof(*hw));
	if (!http_any || conn_slots == 0)
		return 0;
	hw->conn = conn;
	hw->conn_arg = arg;
	hw->id = id;
	if (getrandom(hw->rid_key, sizeof(hw->rid_key), 0) != (ssize_t)sizeof(hw->rid_key))
		return -EIO;
	hw->buf_size = head_max_all + WEIR_HTTP_BUF_GROWTH + WEIR_HTTP_BUF_ANSWER;
	hw->n_bufs = n;
	hw->ctx = rte_zmalloc_socket("weir_http_ctx", sizeof(hw->ctx[0]) * conn_slots,
				     RTE_CACHE_LINE_SIZE, socket);
	hw->bufs = rte_malloc_socket("weir_http_buf", (size_t)hw->buf_size * n, RTE_CACHE_LINE_SIZE,
				     socket);
	hw->buf_free = rte_malloc_socket("weir_http_buf", sizeof(uint32_t) * n, 0, socket);
	hw->buf_owner = rte_malloc_socket("weir_http_buf", sizeof(uint32_t) * n, 0, socket);
	hw->scratch = rte_malloc_socket("weir_http_scratch", hw->buf_size, 0, socket);
	hw->flds = rte_malloc_socket("weir_http_fld", sizeof(hw->flds[0]) * n, 0, socket);
	hw->fld_free = rte_malloc_socket("weir_http_fld", sizeof(uint32_t) * n, 0, socket);
	hw->route_hits = rte_zmalloc_socket(
		"weir_http_hits", sizeof(uint64_t) * WEIR_MAX_SERVICES * (WEIR_HTTP_ROUTES_MAX + 1),
		RTE_CACHE_LINE_SIZE, socket);
	if (hw->ctx == NULL || hw->bufs == NULL || hw->buf_free == NULL || hw->buf_owner == NULL ||
	    hw->scratch == NULL || hw->route_hits == NULL || hw->flds == NULL ||
	    hw->fld_free == NULL || http_gate_init_worker(hw) != 0) {
		weir_http_fini_worker(hw);
		return -ENOMEM;
	}
	for (b = 0; b < n; b++) {
		hw->buf_free[b] = n - 1 - b;
		hw->buf_owner[b] = WEIR_CONN_NONE;
		hw->fld_free[b] = b;
	}
	hw->n_free = n;
	hw->n_fld_free = n;
	return 0;
}

void
weir_http_fini_worker(struct weir_http_worker *hw)
{
	rte_free(hw->ctx);
	rte_free(hw->bufs);
	rte_free(hw->buf_free);
	rte_free(hw->buf_owner);
	rte_free(hw->scratch);
	rte_free(hw->flds);
	rte_free(hw->fld_free);
	rte_free(hw->route_hits);
	http_gate_fini_worker(hw);
	memset(hw, 0, sizeof(*hw));
}

uint64_t
weir_http_conns_in(const struct weir_http_worker *hw, uint8_t a, uint8_t b)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < hw->n_bufs; i++) {
		uint32_t idx = __atomic_load_n(&hw->buf_owner[i], __ATOMIC_RELAXED);
		uint8_t ph;

		if (idx == WEIR_CONN_NONE)
			continue;
		ph = __atomic_load_n(&hw->ctx[idx].phase, __ATOMIC_RELAXED);
		n += ph == a || ph == b;
	}
	return n;
}

static json_t *
route_json(const struct weir_config *cfg, const struct weir_http_config *h, unsigned int svc,
	   unsigned int r)
{
	uint64_t hits = 0;
	unsigned int w, pool;
	json_t *o;

	for (w = 0; w < weir.n_workers; w++) {
		const uint64_t *hh = weir.workers[w]->http.route_hits;

		if (hh != NULL)
			hits += __atomic_load_n(&hh[svc * (WEIR_HTTP_ROUTES_MAX + 1) + r],
						__ATOMIC_RELAXED);
	}
	if (r == WEIR_HTTP_ROUTES_MAX) {
		o = json_pack("{s:s, s:s}", "host", "*", "path_prefix", "/");
		if (h->default_404)
			json_object_set_new(o, "answer", json_integer(404));
		else
			json_object_set_new(o, "pool",
					    json_string(cfg->pools[cfg->services[svc].pool].name));
		json_object_set_new(o, "default", json_true());
	} else {
		const struct weir_http_route *rt = &h->routes.r[r];
		char host[WEIR_HTTP_ROUTE_HOST_MAX + 2];

		pool = h->route[r].pool;
		if (rt->host_kind == WEIR_HTTP_HOST_ANY)
			snprintf(host, sizeof(host), "*");
		else if (rt->host_kind == WEIR_HTTP_HOST_SUFFIX)
			snprintf(host, sizeof(host), "*%s", rt->host);
		else
			snprintf(host, sizeof(host), "%s", rt->host);
		o = json_pack("{s:s, s:s, s:s}", "host", host, "path_prefix", rt->path, "pool",
			      cfg->pools[pool].name);
	}
	json_object_set_new(o, "hits", json_integer((json_int_t)hits));
	return o;
}

json_t *
weir_cmd_routes(json_t *req, char *err, size_t errlen)
{
	const struct weir_config *cfg = weir.cfg;
	json_t *out = json_array();
	unsigned int i, r;

	(void)req;
	(void)err;
	(void)errlen;
	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_http_config *h = cfg->services[i].http;
		json_t *routes;

		if (h == NULL)
			continue;
		routes = json_array();
		for (r = 0; r < h->routes.n; r++)
			json_array_append_new(routes, route_json(cfg, h, i, r));
		json_array_append_new(routes, route_json(cfg, h, i, WEIR_HTTP_ROUTES_MAX));
		json_array_append_new(out, json_pack("{s:s, s:o}", "service", cfg->services[i].name,
						     "routes", routes));
	}
	return json_pack("{s:o}", "services", out);
}
