/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_ADM_T_H
#define WEIR_ADM_T_H

/**
 * @file
 * Types of the admission stage (app/adm/adm.h): its per-worker state,
 * embedded in struct weir_worker, and its counters.
 */

#include <stdint.h>

#include "config/weir_config.h"
#include "core/counters.h"

struct weir_srctab;
struct weir_rl_topk;
struct weir_adm_acl;
struct weir_adm_bans;
struct rte_ring;

/** Index of the global limits among the rules (services come first). */
#define WEIR_ADM_GLOBAL WEIR_MAX_SERVICES

/** Per-worker admission counters: X(name, table, label, unit, help) (app/core/counters.h). */
#define WEIR_ADM_COUNTERS(X)                                                                       \
	X(rl_admitted, "limits", NULL, "connections",                                              \
	  "new connections within every limit that applies")                                       \
	X(rl_denied, "limits", NULL, "refusals",                                                   \
	  "refusals by a limit (or no room to track the source)")                                  \
	X(rl_rst, "limits", NULL, "refusals", "of those, answered with an RST")                    \
	X(rl_dry_run, "limits", NULL, "refusals", "of those, let through anyway (dry run)")        \
	X(acl_allowed, NULL, NULL, "connections",                                                  \
	  "new connections of allow-listed sources (limits skipped)")                              \
	X(ban_reports, "limits", "bans", "sources", "sources reported to control for a ban")       \
	X(ban_reports_lost, NULL, NULL, "sources", "ban reports dropped: the outbox was full")     \
	X(ban_dry_run, NULL, NULL, "sources", "bans earned under a dry-run rule (not reported)")   \
	X(top_sampled, NULL, NULL, "refusals",                                                     \
	  "refusals added to the top-k summary as a sample of 64")

/** Per-worker admission counters (written by the owner only). */
struct weir_adm_stats {
	WEIR_ADM_COUNTERS(WEIR_CTR_FIELD)
};

/** Per-worker admission state. */
struct weir_adm_worker {
	struct weir_srctab *src;	  /**< tracked sources, or NULL without limits */
	struct rte_ring *outbox;	  /**< to control (ban reports) */
	const struct weir_adm_acl *acl;	  /**< current prefix tables (this iteration) */
	const struct weir_adm_bans *bans; /**< current bans (this iteration) */
	uint32_t n_bans;		  /**< bans in force in that table */
	uint8_t pins;			  /**< some rule has connections hold sources */
	uint64_t now_ns;		  /**< admission clock */
	struct weir_rl_topk *top;	  /**< refused sources (heavy hitters) */
	uint64_t top_sec, top_n;	  /**< refusals in this second (sampling) */
	struct weir_adm_stats stats;
};

#endif /* WEIR_ADM_T_H */
