/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "core/rcu.h"
#include "core/weir.h"

struct retired {
	void *p;
	weir_rcu_free_t fn;
	uint64_t token;
	struct retired *next;
};

/* Oldest first: tokens grow, so the grace periods end in this order. */
static struct retired *head, **tail = &head;
static unsigned int n_retired;

int
weir_rcu_init(unsigned int n)
{
	size_t sz = rte_rcu_qsbr_get_memsize(n);
	unsigned int i;

	weir.qs = rte_zmalloc("weir_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (weir.qs == NULL || rte_rcu_qsbr_init(weir.qs, n) != 0) {
		rte_free(weir.qs);
		weir.qs = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		rte_rcu_qsbr_thread_register(weir.qs, i);
	return 0;
}

static void
free_all(void)
{
	while (head != NULL) {
		struct retired *r = head;

		head = r->next;
		r->fn(r->p);
		free(r);
	}
	tail = &head;
	n_retired = 0;
}

void
weir_rcu_fini(void)
{
	free_all();
	rte_free(weir.qs);
	weir.qs = NULL;
}

void
weir_rcu_online(unsigned int w)
{
	rte_rcu_qsbr_thread_online(weir.qs, w);
}

void
weir_rcu_offline(unsigned int w)
{
	rte_rcu_qsbr_thread_offline(weir.qs, w);
}

void
weir_rcu_quiescent(unsigned int w)
{
	rte_rcu_qsbr_quiescent(weir.qs, w);
}

uint64_t
weir_rcu_start(void)
{
	return rte_rcu_qsbr_start(weir.qs);
}

int
weir_rcu_passed(uint64_t token)
{
	return rte_rcu_qsbr_check(weir.qs, token, false) == 1;
}

uint64_t
weir_rcu_publish(void **slot, void *next, weir_rcu_free_t fn)
{
	void *old = __atomic_exchange_n(slot, next, __ATOMIC_ACQ_REL);
	uint64_t token = weir_rcu_start();
	struct retired *r;

	if (old == NULL)
		return token;
	r = malloc(sizeof(*r));
	if (r == NULL) {
		/* No memory to remember it: wait here this once rather than leak. */
		rte_rcu_qsbr_synchronize(weir.qs, RTE_QSBR_THRID_INVALID);
		fn(old);
		return token;
	}
	r->p = old;
	r->fn = fn;
	r->token = token;
	r->next = NULL;
	*tail = r;
	tail = &r->next;
	n_retired++;
	return token;
}

void
weir_rcu_reclaim(void)
{
	while (head != NULL && weir_rcu_passed(head->token)) {
		struct retired *r = head;

		head = r->next;
		if (head == NULL)
			tail = &head;
		r->fn(r->p);
		free(r);
		n_retired--;
	}
}

unsigned int
weir_rcu_pending(void)
{
	return n_retired;
}
