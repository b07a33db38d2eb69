/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared key table: per-key limits exact across workers.
 *
 * Entries of 32 bytes, {tag, state, allowed, limited}, in sets of 4 (one
 * 128-byte pair of cache lines), the set chosen by the tag's high bits.
 * tag and state change together by one 16-byte compare-and-swap
 * (cmpxchg16b), so a decision is linearizable: it reads a state, computes
 * the next one and installs it only if nobody installed another meanwhile
 * (else it decides again on what is there). Two workers therefore admit
 * exactly what one worker would, for any interleaving.
 *
 * A missing key takes the first empty entry of its set by compare-and-swap,
 * without a lock: entries fill in order and never empty again, so two
 * workers inserting the same key race for the same entry and the loser
 * finds the key there. A full set changes its tags only under the set's
 * spinlock (a byte beside the sets): the key takes the place of a key
 * that is rested at now (its state decides exactly as a fresh one, so
 * replacing it loses nothing); that swap fails if a lock-free decision
 * changed the state between the rest test and the swap.
 *
 * The tag's low 10 bits are the rule id, so an evicting worker finds what
 * a rested state means for any entry (GCRA: TAT <= now; sliding window:
 * both counts 0 at now, which needs the window) in a table of rule ids,
 * written before a tag of that rule is first published.
 *
 * Give-back (a later rule denied): a take is undone only while the state is
 * still the one it wrote. Every admission moves the state up (TAT grows by
 * T, a count by 1, or the window on), and a give-back only restores the
 * state an admission wrote; so if the state equals what our take wrote,
 * every decision since was given back too and restoring ours is exact
 * (stack order). If not, the charge stays: never more than the quota.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rl_priv.h"
#include "weir_keylimit.h"

#define WAYS 4u
#define ID_BITS 10u
#define ID_MASK (WEIR_KL_RULE_IDS - 1)
#define SW_BITS 20u
#define SW_MASK ((UINT64_C(1) << SW_BITS) - 1)
#define WIN_MASK ((UINT64_C(1) << 24) - 1)

struct kl_entry {
	uint64_t tag;	  /**< 0: empty; low ID_BITS: the rule id */
	uint64_t state;	  /**< 8 bytes of rule state, 0 = fresh */
	uint64_t allowed; /**< admitted since the entry was made */
	uint64_t limited; /**< limited since the entry was made */
} __attribute__((aligned(16)));

struct kl_set {
	struct kl_entry e[WAYS];
} __attribute__((aligned(64)));

struct weir_kl_table {
	uint32_t nsets;
	struct kl_set *sets;
	uint8_t *locks;			 /**< one spinlock byte per set */
	uint64_t meta[WEIR_KL_RULE_IDS]; /**< per rule id: alg | window << 2, 0 unknown */
	uint64_t evictions __attribute__((aligned(64))); /* rare events only: shared lines */
	uint64_t full, cas_retries;
} __attribute__((aligned(64)));

#define HDR_SIZE ((sizeof(struct weir_kl_table) + 63) & ~(size_t)63)

/* ---- rules ---------------------------------------------------------------------- */

int
weir_kl_rule_init(struct weir_kl_rule *r, uint16_t id, uint8_t alg, uint64_t limit,
		  uint64_t window_ns, uint64_t burst, const char **why)
{
	struct weir_kl_rule q;
	const char *msg = NULL;

	memset(&q, 0, sizeof(q));
	if (r == NULL)
		msg = "no rule";
	else if (id >= WEIR_KL_RULE_IDS)
		msg = "rule id must be below 1024";
	else if (alg != WEIR_KL_GCRA && alg != WEIR_KL_TOKEN_BUCKET &&
		 alg != WEIR_KL_SLIDING_WINDOW)
		msg = "unknown algorithm";
	else if (limit == 0)
		msg = "limit must be at least 1";
	else if (window_ns == 0 || window_ns > WEIR_RL_SPAN_MAX)
		msg = "window out of range";
	else if (limit > window_ns)
		msg = "limit above 1 per ns";
	else if (alg == WEIR_KL_SLIDING_WINDOW) {
		if (limit > WEIR_KL_SW_LIMIT_MAX)
			msg = "sliding window limit above 1048575";
		else if (window_ns < WEIR_KL_SW_WINDOW_MIN)
			msg = "sliding window shorter than 1 ms";
		else if (window_ns >= WEIR_RL_SPAN_MAX)
			msg = "sliding window of 2^62 ns or more"; /* rule_meta() keeps window << 2
								    */
		else if (burst != 0)
			msg = "a sliding window has no burst";
		else if (weir_rl_sw_params_init(&q.sw, limit, window_ns, 0) != 0)
			msg = "sliding window out of range";
	} else {
		q.t_ns = rl_div_ceil(window_ns, limit);
		q.burst = burst != 0 ? burst : limit;
		if (q.burst > WEIR_RL_SPAN_MAX / q.t_ns)
			msg = "burst times interval above 2^62 ns";
	}
	if (msg != NULL) {
		if (why != NULL)
			*why = msg;
		return -EINVAL;
	}
	q.limit = limit;
	q.window_ns = window_ns;
	q.id = id;
	q.alg = alg;
	*r = q;
	return 0;
}

static inline uint64_t
rule_meta(const struct weir_kl_rule *r)
{
	return r->alg == WEIR_KL_SLIDING_WINDOW ? r->window_ns << 2 | r->alg : r->alg;
}

/* A rule's meta for eviction, written only when it changes: the line it
 * shares with the table's header is read by every decision, and a store
 * would take it from every other worker's cache. */
static inline void
meta_set(struct weir_kl_table *t, const struct weir_kl_rule *r)
{
	uint64_t m = rule_meta(r);

	if (__atomic_load_n(&t->meta[r->id], __ATOMIC_RELAXED) != m)
		__atomic_store_n(&t->meta[r->id], m, __ATOMIC_RELAXED);
}

/* ---- the 8-byte states ---------------------------------------------------------- */

static inline void
fill(struct weir_kl_result *res, bool allowed, uint64_t limit, uint64_t remaining,
     uint64_t reset_ns, uint64_t retry_ns)
{
	res->allowed = allowed;
	res->limit = limit;
	res->remaining = remaining;
	res->reset_ns = reset_ns;
	res->retry_ns = allowed ? 0 : retry_ns;
}

/*
 * Sliding window state: window index mod 2^24 (bits 40-63), count of that
 * window (bits 20-39), of the one before (bits 0-19). The full index is
 * recovered from now: the stored window is now's (d = 0), the one before
 * (d = 1) or, for a worker whose clock is a little behind another's, the
 * one after (d = -1); anything else is 2 or more windows old: both counts
 * are 0 at now. (A key idle for a multiple of 2^24 windows, 4.6 h with the
 * shortest window, gets its old counts back: conservative.)
 */
static void
sw_unpack(uint64_t st, uint64_t now, uint64_t w, struct weir_rl_sw *s)
{
	uint64_t idx = now / w, d = (idx - (st >> 40)) & WIN_MASK;

	s->curr = (uint32_t)(st >> SW_BITS & SW_MASK);
	s->prev = (uint32_t)(st & SW_MASK);
	s->window = idx;
	if ((s->curr | s->prev) == 0 || d == 0)
		return;
	if (d == 1 && idx >= 1)
		s->window = idx - 1;
	else if (d == WIN_MASK)
		s->window = idx + 1;
	else
		s->curr = s->prev = 0;
}

static inline uint64_t
sw_pack(const struct weir_rl_sw *s)
{
	return (s->window & WIN_MASK) << 40 | (uint64_t)s->curr << SW_BITS | s->prev;
}

/*
 * Decide n (0 or 1) requests on state st at now: true if admitted, with the
 * next state in *nst (st itself when denied or n is 0).
 */
static bool
decide(const struct weir_kl_rule *r, uint64_t st, uint64_t now, uint64_t n, uint64_t *nst,
       struct weir_kl_result *res)
{
	if (r->alg != WEIR_KL_SLIDING_WINDOW) {
		/* GCRA on TAT = st: conforms iff max(TAT, now) + n T - now <= burst T. */
		uint64_t t = r->t_ns, budget = r->burst * t, slack = (r->burst - n) * t;
		uint64_t ahead = st > now ? st - now : 0;

		if (ahead > slack) {
			*nst = st;
			fill(res, false, r->burst, ahead >= budget ? 0 : (budget - ahead) / t,
			     ahead, ahead - slack);
			return false;
		}
		ahead += n * t;
		*nst = n != 0 ? now + ahead : st;
		fill(res, true, r->burst, (budget - ahead) / t, ahead, 0);
		return true;
	}
	struct weir_rl_sw s;
	struct weir_rl_decision d;
	int rc;

	sw_unpack(st, now, r->window_ns, &s);
	rc = weir_rl_sw_take(&r->sw, &s, now, n, &d);
	*nst = rc == 0 && n != 0 ? sw_pack(&s) : st;
	fill(res, rc == 0, d.limit, d.remaining, d.reset_ns, d.retry_after_ns);
	return rc == 0;
}

/* Whether a state decides exactly as a fresh one at now (meta: its rule's). */
static bool
rested(uint64_t meta, uint64_t st, uint64_t now)
{
	struct weir_rl_sw s;
	uint64_t alg = meta & 3;

	if (alg == WEIR_KL_GCRA || alg == WEIR_KL_TOKEN_BUCKET)
		return st <= now;
	if (alg != WEIR_KL_SLIDING_WINDOW)
		return false; /* unknown rule: keep it */
	sw_unpack(st, now, meta >> 2, &s);
	if (s.window + 1 == now / (meta >> 2))
		return s.curr == 0; /* at now curr becomes prev, prev leaves */
	return s.curr == 0 && s.prev == 0;
}

/* ---- the table ------------------------------------------------------------------ */

typedef unsigned __int128 kl_u128;

static inline kl_u128
pack(uint64_t tag, uint64_t st)
{
	return (kl_u128)st << 64 | tag;
}

/* 16-byte compare-and-swap of {tag, state}; on failure *old is what is there. */
static inline bool
cas16(struct kl_entry *e, kl_u128 *old, kl_u128 nv)
{
	kl_u128 prev = __sync_val_compare_and_swap((kl_u128 *)(void *)e, *old, nv);

	if (prev == *old)
		return true;
	*old = prev;
	return false;
}

static inline uint64_t
load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void
count(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* The tag of (key, rule): a splitmix64 finalizer, low bits the rule id, never 0. */
static inline uint64_t
kl_tag(uint64_t key, uint16_t id)
{
	uint64_t z = key ^ ((uint64_t)id + 1) * UINT64_C(0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	z &= ~(uint64_t)ID_MASK;
	if (z == 0)
		z = WEIR_KL_RULE_IDS;
	return z | id;
}

static inline uint32_t
kl_set_index(const struct weir_kl_table *t, uint64_t tag)
{
	return (uint32_t)(((kl_u128)tag * t->nsets) >> 64);
}

static struct kl_entry *
find(const struct kl_set *set, uint64_t tag)
{
	for (unsigned int i = 0; i < WAYS; i++)
		if (load(&set->e[i].tag) == tag)
			return (struct kl_entry *)(uintptr_t)&set->e[i];
	return NULL;
}

static void
lock(uint8_t *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE) != 0)
		while (__atomic_load_n(l, __ATOMIC_RELAXED) != 0)
			__builtin_ia32_pause();
}

static void
unlock(uint8_t *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* Sets of a table of entries entries (a power of two >= 4 of them), 0 if out of range. */
static uint64_t
table_sets(uint32_t entries)
{
	uint64_t n = WAYS;

	if (entries == 0 || entries > WEIR_KL_ENTRIES_MAX)
		return 0;
	while (n < entries)
		n <<= 1;
	return n / WAYS;
}

size_t
weir_kl_table_size(uint32_t entries)
{
	uint64_t sets = table_sets(entries);

	if (sets == 0)
		return 0;
	return HDR_SIZE + sets * sizeof(struct kl_set) + ((sets + 63) & ~(uint64_t)63);
}

struct weir_kl_table *
weir_kl_table_init(void *mem, size_t len, uint32_t entries)
{
	size_t size = weir_kl_table_size(entries);
	struct weir_kl_table *t = mem;

	if (mem == NULL || ((uintptr_t)mem & 63) != 0 || size == 0) {
		errno = EINVAL;
		return NULL;
	}
	if (len < size) {
		errno = ENOSPC;
		return NULL;
	}
	memset(mem, 0, size);
	t->nsets = (uint32_t)table_sets(entries);
	t->sets = (struct kl_set *)(void *)((char *)mem + HDR_SIZE);
	t->locks = (uint8_t *)(t->sets + t->nsets);
	return t;
}

void
weir_kl_table_stats(const struct weir_kl_table *t, struct weir_kl_stats *s)
{
	/* Counted here, not per insert: a counter every insert bumps is one cache
	 * line all workers fight over (an insert is most decisions of a table
	 * filling up). */
	s->used = 0;
	for (uint32_t i = 0; i < t->nsets; i++)
		for (unsigned int j = 0; j < WAYS; j++)
			s->used += load(&t->sets[i].e[j].tag) != 0;
	s->evictions = __atomic_load_n(&t->evictions, __ATOMIC_RELAXED);
	s->full = __atomic_load_n(&t->full, __ATOMIC_RELAXED);
	s->cas_retries = __atomic_load_n(&t->cas_retries, __ATOMIC_RELAXED);
}

/*
 * A key its set lacks, the set full: under the set's lock, look again
 * (another worker may have put it in: -EAGAIN, decide lock-free), else put
 * the state of a first admitted request in place of a rested key.
 */
static int
evict(struct weir_kl_table *t, uint32_t si, const struct weir_kl_rule *r, uint64_t tag,
      uint64_t now, struct weir_kl_result *res, struct kl_entry **ep, uint64_t *wrote)
{
	struct kl_set *set = &t->sets[si];
	uint64_t nst;

	lock(&t->locks[si]);
	if (find(set, tag) != NULL) {
		unlock(&t->locks[si]);
		return -EAGAIN;
	}
	decide(r, 0, now, 1, &nst, res); /* a fresh key admits: limit, burst >= 1 */
	meta_set(t, r);
	for (unsigned int i = 0; i < WAYS; i++) {
		struct kl_entry *e = &set->e[i];
		uint64_t otag = load(&e->tag); /* stable: full sets change tags under this lock */
		kl_u128 old = pack(otag, load(&e->state));

		while (rested(load(&t->meta[otag & ID_MASK]), (uint64_t)(old >> 64), now)) {
			if (cas16(e, &old, pack(tag, nst))) {
				__atomic_store_n(&e->allowed, 0, __ATOMIC_RELAXED);
				__atomic_store_n(&e->limited, 0, __ATOMIC_RELAXED);
				count(&t->evictions);
				unlock(&t->locks[si]);
				*ep = e;
				*wrote = nst;
				return 1;
			}
			/* A decision changed the state meanwhile: test it again. */
		}
	}
	unlock(&t->locks[si]);
	return -ENOSPC;
}

/*
 * The entry of a tag, or a new one: the first empty entry of its set, taken
 * by compare-and-swap without the lock (admitting the request: *wrote).
 * Entries fill in order and never empty again, so a tag the set holds is
 * always before its first empty entry: two workers inserting the same tag
 * race for the same entry, and the loser finds the tag there. A full set
 * changes tags only under its lock (evict()), when no entry is empty.
 */
static struct kl_entry *
lookup(struct weir_kl_table *t, struct kl_set *set, const struct weir_kl_rule *r, uint64_t tag,
       uint64_t now, struct weir_kl_result *res, uint64_t *wrote)
{
	for (unsigned int i = 0; i < WAYS; i++) {
		struct kl_entry *e = &set->e[i];
		uint64_t tg = load(&e->tag), nst;
		kl_u128 old;

		if (tg == tag)
			return e;
		if (tg != 0)
			continue;
		decide(r, 0, now, 1, &nst, res);
		meta_set(t, r);
		old = pack(0, 0); /* an empty entry's state is never written */
		if (cas16(e, &old, pack(tag, nst))) {
			*wrote = nst;
			return e;
		}
		if ((uint64_t)old == tag)
			return e;
	}
	return NULL;
}

/* One rule's take: 1 admitted, 0 denied (*ep the entry), -ENOSPC. */
static int
take_one(struct weir_kl_table *t, const struct weir_kl_rule *r, uint64_t tag, uint64_t now,
	 struct weir_kl_result *res, struct kl_entry **ep, uint64_t *wrote)
{
	uint32_t si = kl_set_index(t, tag);
	struct kl_entry *e;
	uint64_t nst = 0;
	kl_u128 old;
	int rc;

	for (;;) {
		*wrote = 0;
		e = lookup(t, &t->sets[si], r, tag, now, res, wrote);
		if (e == NULL) {
			rc = evict(t, si, r, tag, now, res, ep, wrote);
			if (rc != -EAGAIN)
				return rc;
			continue;
		}
		*ep = e;
		if (*wrote != 0)
			return 1; /* inserted (a state written is never 0: TAT >= T, or a count) */
		old = pack(tag, load(&e->state));
		for (;;) {
			if (!decide(r, (uint64_t)(old >> 64), now, 1, &nst, res)) {
				/* Denied on a state read after its tag: valid if the tag
				 * is still ours (the entry was not given to another key). */
				if (load(&e->tag) != tag)
					break;
				return 0;
			}
			if (cas16(e, &old, pack(tag, nst))) {
				*wrote = nst;
				return 1;
			}
			count(&t->cas_retries);
			if ((uint64_t)old != tag)
				break; /* evicted meanwhile: look again */
		}
	}
}

/* Read one rule's state: res as weir_kl_peek() says; the entry or NULL. */
static struct kl_entry *
peek_one(const struct weir_kl_table *t, const struct weir_kl_rule *r, uint64_t tag, uint64_t now,
	 struct weir_kl_result *res)
{
	struct kl_entry *e = find(&t->sets[kl_set_index(t, tag)], tag);
	struct weir_kl_result one;
	uint64_t st = 0, nst;

	if (e != NULL) {
		st = load(&e->state);
		if (load(&e->tag) != tag) {
			e = NULL;
			st = 0;
		}
	}
	decide(r, st, now, 1, &nst, &one);
	decide(r, st, now, 0, &nst, res);
	res->allowed = one.allowed;
	res->retry_ns = one.retry_ns;
	return e;
}

/* Undo a take whose state is still what it wrote (see the top of the file). */
static void
give_back(const struct weir_kl_rule *r, struct kl_entry *e, uint64_t tag, uint64_t wrote)
{
	uint64_t undo = r->alg == WEIR_KL_SLIDING_WINDOW ? wrote - (UINT64_C(1) << SW_BITS)
							 : wrote - r->t_ns;
	kl_u128 old = pack(tag, wrote);

	while (!cas16(e, &old, pack(tag, undo)) && old == pack(tag, wrote))
		;
}

int
weir_kl_take(struct weir_kl_table *t, uint64_t key, const struct weir_kl_rule *rules,
	     unsigned int n, uint64_t now_ns, struct weir_kl_result *res)
{
	struct kl_entry *ent[WEIR_KL_RULES_MAX];
	uint64_t tags[WEIR_KL_RULES_MAX], wrote[WEIR_KL_RULES_MAX];
	struct weir_kl_result scratch;
	unsigned int i, k;
	int rc = 1;

	if (n == 0 || n > WEIR_KL_RULES_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		tags[i] = kl_tag(key, rules[i].id);
		rc = take_one(t, &rules[i], tags[i], now_ns, res != NULL ? &res[i] : &scratch,
			      &ent[i], &wrote[i]);
		if (rc != 1)
			break;
	}
	if (rc == 1) {
		for (i = 0; i < n; i++)
			count(&ent[i]->allowed);
		return 1;
	}
	for (k = 0; k < i; k++) {
		give_back(&rules[k], ent[k], tags[k], wrote[k]);
		if (res != NULL)
			peek_one(t, &rules[k], tags[k], now_ns, &res[k]);
	}
	if (rc == -ENOSPC) {
		count(&t->full);
		return -ENOSPC;
	}
	count(&ent[i]->limited);
	for (k = i + 1; k < n; k++) {
		struct weir_kl_result *rk = res != NULL ? &res[k] : &scratch;
		struct kl_entry *e = peek_one(t, &rules[k], kl_tag(key, rules[k].id), now_ns, rk);

		if (!rk->allowed && e != NULL)
			count(&e->limited);
	}
	return 0;
}

int
weir_kl_peek(const struct weir_kl_table *t, uint64_t key, const struct weir_kl_rule *rules,
	     unsigned int n, uint64_t now_ns, struct weir_kl_result *res, uint64_t *allowed,
	     uint64_t *limited)
{
	int found = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct kl_entry *e =
			peek_one(t, &rules[i], kl_tag(key, rules[i].id), now_ns, &res[i]);

		found += e != NULL;
		if (allowed != NULL)
			allowed[i] = e != NULL ? __atomic_load_n(&e->allowed, __ATOMIC_RELAXED) : 0;
		if (limited != NULL)
			limited[i] = e != NULL ? __atomic_load_n(&e->limited, __ATOMIC_RELAXED) : 0;
	}
	return found;
}
