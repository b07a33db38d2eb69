/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_RCU_H
#define WEIR_RCU_H

/**
 * @file
 * Publication of immutable tables to the workers (every snapshot: L4
 * backends, prefix tables, bans), with deferred free: control stores the
 * new pointer (release) and retires the old one with a token of the
 * workers' quiescent-state counter (rte_rcu_qsbr); control's tick frees
 * each retired table once every worker has passed a quiescent state after
 * its retirement. Nothing waits (except once: without memory to remember a
 * retired table, weir_rcu_publish() waits for the grace period itself
 * rather than leak it): a command that must answer after the workers moved
 * on defers its answer (app/core/cmd.h).
 *
 * Workers report a quiescent state at the start of each loop iteration.
 * A grace period alone does not say a worker has taken a message posted to
 * its inbox (it may have drained an empty inbox just before the post, then
 * reported): waiting for that is a barrier's job (app/core/mailbox.h),
 * which also counts what each worker took. A worker is online only while
 * its loop runs; offline ones (not launched yet, stopped) hold no
 * reference, so publishing before the workers start never waits.
 */

#include <stdint.h>

/** Frees a retired table. */
typedef void (*weir_rcu_free_t)(void *p);

/**
 * Set up the quiescent-state variable for n workers (registered, offline).
 *
 * @param n
 *   Worker count.
 * @return
 *   0 or -ENOMEM.
 */
int weir_rcu_init(unsigned int n);

/** Free every retired table (the workers have stopped) and the variable. */
void weir_rcu_fini(void);

/** Worker w: entering its loop. */
void weir_rcu_online(unsigned int w);

/** Worker w: leaving its loop. */
void weir_rcu_offline(unsigned int w);

/** Worker w: a quiescent state (it holds no table pointer loaded before). */
void weir_rcu_quiescent(unsigned int w);

/**
 * Control: replace the table at *slot with next and retire the old one.
 *
 * @param slot
 *   Where the workers load the table from.
 * @param next
 *   The new table.
 * @param fn
 *   Frees the old table (called with NULL-checks done: never with NULL).
 * @return
 *   The grace-period token of this publication (weir_rcu_passed()).
 */
uint64_t weir_rcu_publish(void **slot, void *next, weir_rcu_free_t fn);

/**
 * Control: a token for "every worker has moved on from now" (to wait for
 * mailbox posts made before it).
 *
 * @return
 *   Token for weir_rcu_passed().
 */
uint64_t weir_rcu_start(void);

/**
 * Control: has every online worker passed a quiescent state since token?
 *
 * @param token
 *   From weir_rcu_publish() or weir_rcu_start().
 * @return
 *   1 or 0; never waits.
 */
int weir_rcu_passed(uint64_t token);

/** Control: free the retired tables whose grace period has passed. */
void weir_rcu_reclaim(void);

/** Tables retired and not freed yet. */
unsigned int weir_rcu_pending(void);

#endif /* WEIR_RCU_H */
