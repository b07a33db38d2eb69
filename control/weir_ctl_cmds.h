/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_CTL_CMDS_H
#define WEIR_CTL_CMDS_H

/**
 * @file
 * The admin commands, described once: name, what they do, and their
 * arguments (the JSON key each goes under, how weirctl shows it, its type
 * and range). weirctl builds requests, its --help and its shell completion
 * from this table; the daemon checks every request against it before the
 * command's handler runs (a handler sees only well-typed, in-range
 * arguments), and links one handler per entry, weir_cmd_<name>(), so a
 * command without a handler does not build.
 *
 * Adding a command is one X(...) line below, plus its handler.
 */

#include <jansson.h>
#include <stddef.h>

/** Argument types. */
enum weir_ctl_arg_type {
	WEIR_CTL_ARG_STR = 1, /**< any string */
	WEIR_CTL_ARG_INT,     /**< an integer in [min, max] */
	WEIR_CTL_ARG_CHOICE,  /**< one of the words in choices ("a|b|c") */
};

/** One argument: positional, in weirctl's order, or an option (--NAME VALUE). */
struct weir_ctl_arg {
	const char *key;     /**< JSON key of the request; NULL ends a list */
	const char *option;  /**< if set: given as --option VALUE, anywhere, and optional */
	const char *metavar; /**< shown in usage, e.g. ADDRESS:PORT */
	int type;	     /**< enum weir_ctl_arg_type */
	int optional;	     /**< may be left out (an optional choice: a word that is none of
			      * its choices is the next argument's) */
	long long min, max;  /**< WEIR_CTL_ARG_INT */
	const char *choices; /**< WEIR_CTL_ARG_CHOICE: "disable|enable|weight" */
	const char *when;    /**< if set: given exactly when the first argument is one of these
			      * words ("add|tier") */
};

/** One command. */
struct weir_ctl_cmd {
	const char *name;
	const char *summary;		 /**< one line for --help */
	const char *help;		 /**< further lines, or NULL */
	const struct weir_ctl_arg *args; /**< ended by an entry with key NULL */
};

/** @name Argument descriptions for WEIR_CTL_COMMANDS (each ends with a comma). */
/** @{ */
/* clang-format off */
#define WEIR_CTL_STR(k, m) {.key = k, .metavar = m, .type = WEIR_CTL_ARG_STR},
#define WEIR_CTL_CHOICE(k, c) {.key = k, .metavar = c, .type = WEIR_CTL_ARG_CHOICE, .choices = c},
#define WEIR_CTL_CHOICE_OPT(k, c)                                                                  \
	{.key = k, .metavar = c, .type = WEIR_CTL_ARG_CHOICE, .optional = 1, .choices = c},
#define WEIR_CTL_INT(k, m, lo, hi)                                                                 \
	{.key = k, .metavar = m, .type = WEIR_CTL_ARG_INT, .min = lo, .max = hi},
#define WEIR_CTL_INT_OPT(k, m, lo, hi)                                                             \
	{.key = k, .metavar = m, .type = WEIR_CTL_ARG_INT, .optional = 1, .min = lo, .max = hi},
#define WEIR_CTL_INT_WHEN(k, m, lo, hi, w)                                                         \
	{.key = k, .metavar = m, .type = WEIR_CTL_ARG_INT, .optional = 1, .min = lo, .max = hi,    \
	 .when = w},
#define WEIR_CTL_INT_OPTION(k, m, lo, hi)                                                          \
	{.key = k, .option = k, .metavar = m, .type = WEIR_CTL_ARG_INT, .optional = 1, .min = lo,  \
	 .max = hi},
#define WEIR_CTL_STR_OPT(k, m) {.key = k, .metavar = m, .type = WEIR_CTL_ARG_STR, .optional = 1},
#define WEIR_CTL_STR_WHEN(k, m, w)                                                                 \
	{.key = k, .metavar = m, .type = WEIR_CTL_ARG_STR, .optional = 1, .when = w},
#define WEIR_CTL_STR_OPTION(k, m)                                                                  \
	{.key = k, .option = k, .metavar = m, .type = WEIR_CTL_ARG_STR, .optional = 1},
/* clang-format on */
/** @} */

/**
 * Every command: X(name, summary, help, arguments...). The order is
 * weirctl --help's.
 */
#define WEIR_CTL_COMMANDS(X)                                                                       \
	X(status, "version, uptime, config source, workers and ports", NULL)                       \
	X(stats, "per-worker counters (rx/tx/steering, L4, limits, SYN cookies),",                 \
	  "drops by reason, port counters")                                                        \
	X(ports, "ports with driver, MAC, link, queues, steering and addresses; VIPs", NULL)       \
	X(services, "services with their backends: weight, state, next-hop MAC,",                  \
	  "connections opened and active")                                                         \
	X(backends, "a pool's backends: weight, health (state, breaker, last probe,",              \
	  "latency, failures, ejections), connections; the pool's health\n"                        \
	  "settings",                                                                              \
	  WEIR_CTL_STR("pool", "POOL"))                                                            \
	X(backend, "change a backend for new connections (established ones stay);",                \
	  "weight 0 or disable drains it; WEIGHT only with weight; check probes\n"                 \
	  "it now and prints the verdict. IPv6 as [ADDRESS]:PORT",                                 \
	  WEIR_CTL_CHOICE("action", "disable|enable|weight|check") WEIR_CTL_STR("pool", "POOL")    \
		  WEIR_CTL_STR("backend", "ADDRESS:PORT")                                          \
			  WEIR_CTL_INT_WHEN("weight", "WEIGHT", 0, 65535, "weight"))               \
	X(reload, "read the config again (FILE, or the one weir runs on) and apply",               \
	  "what changed; what cannot change at run time is refused, naming\n"                      \
	  "the key, and nothing changes (SIGHUP does the same)",                                   \
	  WEIR_CTL_STR_OPT("file", "FILE"))                                                        \
	X(routes, "http services' routes: host, path prefix -> pool (or weir's 404),",             \
	  "as configured, the default last, with the requests each one routed")                    \
	X(acl, "allow/deny prefixes in force (from the config and from weirctl)", NULL)            \
	X(block, "deny a source prefix (ADDRESS/LENGTH) from now on;",                             \
	  "the longest prefix decides", WEIR_CTL_STR("prefix", "PREFIX"))                          \
	X(allow, "allow a source prefix (ADDRESS/LENGTH): no limits, no bans", NULL,               \
	  WEIR_CTL_STR("prefix", "PREFIX"))                                                        \
	X(unblock, "remove a prefix from either list", NULL, WEIR_CTL_STR("prefix", "PREFIX"))     \
	X(ban, "refuse everything from a source for SECONDS (default 300):",                       \
	  "an IPv4 address, or an IPv6 prefix (ADDRESS/LENGTH, default /64)",                      \
	  WEIR_CTL_STR("address", "ADDRESS") WEIR_CTL_INT_OPT("seconds", "SECONDS", 1, 31536000))  \
	X(unban, "lift a ban (weirctl's or one earned under limits.ban)", NULL,                    \
	  WEIR_CTL_STR("address", "ADDRESS"))                                                      \
	X(bans, "sources banned now: time left, length, times banned, by what;",                   \
	  "every page, or one page of N after CURSOR (the source it prints last)",                 \
	  WEIR_CTL_INT_OPTION(WEIR_CTL_KEY_LIMIT, "N", 1, WEIR_CTL_PAGE_MAX)                       \
		  WEIR_CTL_STR_OPTION(WEIR_CTL_KEY_AFTER, "CURSOR"))                               \
	X(top, "the N (default 10) sources refused most (limits and bans), or with",               \
	  "keys the keys the gate limited most (429: API keys, JWT subjects,\n"                    \
	  "addresses on anonymous routes); merged over the workers, counts may\n"                  \
	  "over-estimate by 'error'",                                                              \
	  WEIR_CTL_CHOICE_OPT("what", "keys") WEIR_CTL_INT_OPT("n", "N", 1, 1000))                 \
	X(gate, "the API gate: tiers and their limits with requests allowed and",                  \
	  "limited, issuers, keys, revoked tokens, the shared limit table")                        \
	X(key, "change an API key at run time: add KEY TIER [--owner OWNER], rm,",                 \
	  "tier KEY TIER, block, unblock, show. KEY is the key itself, or\n"                       \
	  "id:ID (the id backends see in X-Weir-Key-Id); weir keeps only its SHA-256",             \
	  WEIR_CTL_CHOICE("action", "add|rm|tier|block|unblock|show") WEIR_CTL_STR("key", "KEY")   \
		  WEIR_CTL_STR_WHEN("tier", "TIER", "add|tier")                                    \
			  WEIR_CTL_STR_OPTION("owner", "OWNER"))                                   \
	X(keys, "API keys: id, tier, owner, blocked (never the key)", NULL)                        \
	X(usage, "a key's limits: per rule, requests allowed and limited, remaining,",             \
	  "seconds until the quota is whole (KEY or id:ID)", WEIR_CTL_STR("key", "KEY"))           \
	X(token, "revoke a JWT by its jti until UNTIL (seconds since the epoch;",                  \
	  "default: a day from now): tokens the workers cached are refused too",                   \
	  WEIR_CTL_CHOICE("action", "revoke") WEIR_CTL_STR("jti", "JTI")                           \
		  WEIR_CTL_INT_OPT("until", "UNTIL", 1, 253402300799))

/** Request members of a paged answer (the options of bans), and the most
 * entries of a page. */
#define WEIR_CTL_KEY_LIMIT "limit"
#define WEIR_CTL_KEY_AFTER "after"
#define WEIR_CTL_PAGE_MAX 10000

/** The table, in WEIR_CTL_COMMANDS order. */
extern const struct weir_ctl_cmd weir_ctl_cmds[];
/** Entries in weir_ctl_cmds. */
extern const unsigned int weir_ctl_n_cmds;

/**
 * Find a command by name.
 *
 * @param name
 *   Command name.
 * @return
 *   Its entry, or NULL.
 */
const struct weir_ctl_cmd *weir_ctl_cmd_find(const char *name);

/**
 * The usage line of a command: "backend disable|enable|weight POOL
 * ADDRESS:PORT [WEIGHT]".
 *
 * @param c
 *   Command.
 * @param buf
 *   Output.
 * @param len
 *   Size of buf.
 * @return
 *   buf.
 */
char *weir_ctl_cmd_usage(const struct weir_ctl_cmd *c, char *buf, size_t len);

/**
 * Check a request's arguments against the table: types, ranges, choices,
 * which must and which must not be there. Keys the table does not name are
 * ignored (a newer client's extras).
 *
 * @param c
 *   Command.
 * @param req
 *   The request object.
 * @param err
 *   Receives one line naming the argument on failure.
 * @param errlen
 *   Size of err.
 * @return
 *   0, or -1 with err filled.
 */
int weir_ctl_cmd_check(const struct weir_ctl_cmd *c, json_t *req, char *err, size_t errlen);

/**
 * Build a request from a command line's words after the command name:
 * positional arguments in order, options (--NAME VALUE or --NAME=VALUE)
 * anywhere. A word that is not valid UTF-8 is refused, naming its position.
 *
 * @param c
 *   Command.
 * @param argc
 *   Words.
 * @param argv
 *   The words.
 * @param req
 *   The request object the arguments are added to.
 * @param err
 *   Receives what is wrong with the command line.
 * @param errlen
 *   Size of err.
 * @return
 *   0, or -1 with err filled.
 */
int weir_ctl_cmd_args(const struct weir_ctl_cmd *c, int argc, char **argv, json_t *req, char *err,
		      size_t errlen);

#endif /* WEIR_CTL_CMDS_H */
