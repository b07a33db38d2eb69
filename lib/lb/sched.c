/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Schedulers: choose a backend for a new flow. One struct weir_sched per
 * (service, worker), so the state here (cursors, active counts, RTT EWMAs)
 * is never shared and needs no atomics. Counts are per worker: with owner =
 * hash of the client, each worker sees a uniform share of the clients, so
 * per-worker least_conn approximates the global one without cross-core
 * traffic.
 */
#include <math.h>
#include <string.h>

#include "weir_lb.h"

static const char *const sched_names[WEIR_SCHED__MAX] = {
	[WEIR_SCHED_MAGLEV] = "maglev",
	[WEIR_SCHED_RR] = "rr",
	[WEIR_SCHED_WRR] = "wrr",
	[WEIR_SCHED_LEAST_CONN] = "least_conn",
	[WEIR_SCHED_SOURCE_HASH] = "source_hash",
	[WEIR_SCHED_LEAST_RTT] = "least_rtt",
	[WEIR_SCHED_ADAPTIVE] = "adaptive",
};

const char *
weir_sched_name(enum weir_sched_kind k)
{
	if ((unsigned int)k >= WEIR_SCHED__MAX)
		return "unknown";
	return sched_names[k];
}

int
weir_sched_from_name(const char *name)
{
	int k;

	for (k = 0; k < WEIR_SCHED__MAX; k++)
		if (strcmp(sched_names[k], name) == 0)
			return k;
	return -1;
}

static uint32_t
pick_rr(struct weir_sched *s)
{
	uint32_t k;

	for (k = 0; k < s->n; k++) {
		uint32_t i = (s->rr_next + k) % s->n;

		if (s->b[i].weight > 0) {
			s->rr_next = (i + 1) % s->n;
			return i;
		}
	}
	return WEIR_LB_NONE;
}

/* nginx's smooth weighted round robin: weights 5,1,1 give a a b a c a a. */
static uint32_t
pick_wrr(struct weir_sched *s)
{
	uint32_t i, best = WEIR_LB_NONE;
	int64_t total = 0;

	for (i = 0; i < s->n; i++) {
		struct weir_lb_backend *b = &s->b[i];

		if (b->weight == 0)
			continue;
		b->wrr_current += (int32_t)b->weight;
		total += b->weight;
		if (best == WEIR_LB_NONE || b->wrr_current > s->b[best].wrr_current)
			best = i;
	}
	if (best != WEIR_LB_NONE)
		s->b[best].wrr_current -= (int32_t)total;
	return best;
}

/*
 * Scan from a rotating start so equal scores take turns instead of piling
 * onto the first backend. better(a, b) says a beats b strictly.
 */
static uint32_t
pick_min(struct weir_sched *s,
	 int (*better)(const struct weir_lb_backend *, const struct weir_lb_backend *))
{
	uint32_t k, best = WEIR_LB_NONE;

	for (k = 0; k < s->n; k++) {
		uint32_t i = (s->rr_next + k) % s->n;

		if (s->b[i].weight == 0)
			continue;
		if (best == WEIR_LB_NONE || better(&s->b[i], &s->b[best]))
			best = i;
	}
	if (best != WEIR_LB_NONE)
		s->rr_next = (best + 1) % s->n;
	return best;
}

static int
fewer_conns(const struct weir_lb_backend *a, const struct weir_lb_backend *b)
{
	/* active_a / w_a < active_b / w_b without division. */
	return (uint64_t)a->active * b->weight < (uint64_t)b->active * a->weight;
}

static int
lower_rtt(const struct weir_lb_backend *a, const struct weir_lb_backend *b)
{
	/* No sample yet (0) sorts first: the backend gets measured. */
	if (a->rtt_ewma_ns != b->rtt_ewma_ns)
		return a->rtt_ewma_ns < b->rtt_ewma_ns;
	return a->active < b->active;
}

static double
adaptive_score(const struct weir_lb_backend *b)
{
	double rtt = b->rtt_ewma_ns ? (double)b->rtt_ewma_ns : (double)WEIR_LB_RTT_UNKNOWN_NS;
	double fail = (double)b->fail_ewma / WEIR_LB_FAIL_ONE;

	/* A backend failing every handshake costs 5x one that never fails. */
	return ((double)b->active + 1.0) * rtt * (1.0 + 4.0 * fail) / (double)b->weight;
}

static int
lower_adaptive(const struct weir_lb_backend *a, const struct weir_lb_backend *b)
{
	return adaptive_score(a) < adaptive_score(b);
}

/*
 * Weighted rendezvous hashing (highest random weight): the source keeps its
 * backend while the set is unchanged, and when a backend leaves only its
 * sources move. score = -w / ln(u), u uniform in (0, 1) from hash(src, id).
 */
static uint32_t
pick_source_hash(struct weir_sched *s, uint64_t src_hash)
{
	uint32_t i, best = WEIR_LB_NONE;
	double best_score = 0;

	for (i = 0; i < s->n; i++) {
		uint64_t key[2] = {src_hash, s->b[i].id};
		double u, score;

		if (s->b[i].weight == 0)
			continue;
		u = ((double)(weir_lb_hash64(key, sizeof(key), 0) >> 11) + 0.5) /
		    9007199254740992.0;
		score = -(double)s->b[i].weight / log(u);
		if (best == WEIR_LB_NONE || score > best_score) {
			best = i;
			best_score = score;
		}
	}
	return best;
}

uint32_t
weir_sched_pick(struct weir_sched *s, uint64_t flow_hash, uint64_t src_hash)
{
	if (s->n == 0)
		return WEIR_LB_NONE;
	switch (s->kind) {
	case WEIR_SCHED_MAGLEV:
		return s->table != NULL ? weir_maglev_lookup(s->table, flow_hash) : WEIR_LB_NONE;
	case WEIR_SCHED_RR:
		return pick_rr(s);
	case WEIR_SCHED_WRR:
		return pick_wrr(s);
	case WEIR_SCHED_LEAST_CONN:
		return pick_min(s, fewer_conns);
	case WEIR_SCHED_SOURCE_HASH:
		return pick_source_hash(s, src_hash);
	case WEIR_SCHED_LEAST_RTT:
		return pick_min(s, lower_rtt);
	case WEIR_SCHED_ADAPTIVE:
		return pick_min(s, lower_adaptive);
	default:
		return WEIR_LB_NONE;
	}
}

void
weir_sched_conn_open(struct weir_sched *s, uint32_t i)
{
	if (i < s->n)
		s->b[i].active++;
}

void
weir_sched_conn_close(struct weir_sched *s, uint32_t i)
{
	if (i < s->n && s->b[i].active > 0)
		s->b[i].active--;
}

void
weir_sched_observe(struct weir_sched *s, uint32_t i, int ok, uint64_t rtt_ns)
{
	struct weir_lb_backend *b;

	if (i >= s->n)
		return;
	b = &s->b[i];
	if (ok) {
		if (b->rtt_ewma_ns == 0)
			b->rtt_ewma_ns = rtt_ns > 0 ? rtt_ns : 1;
		else if (rtt_ns >= b->rtt_ewma_ns)
			b->rtt_ewma_ns += (rtt_ns - b->rtt_ewma_ns) / 8;
		else
			b->rtt_ewma_ns -= (b->rtt_ewma_ns - rtt_ns) / 8;
		b->fail_ewma -= b->fail_ewma / 8;
	} else {
		b->fail_ewma += (WEIR_LB_FAIL_ONE - b->fail_ewma) / 8;
	}
}
