/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_CMD_H
#define WEIR_CMD_H

/**
 * @file
 * The daemon's admin commands: one handler per entry of the command table
 * (control/weir_ctl_cmds.h), json_t *weir_cmd_<name>(req, err, errlen),
 * which sees only arguments the table has checked. A handler answers at
 * once, or later: when the answer must wait for the workers (a table they
 * must all use, a message they must all have taken), weir_cmd_after() or
 * weir_cmd_defer() answers once every worker has passed a quiescent state
 * and drained its inbox since; the control thread never waits.
 */

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/** Builds a deferred answer; timed_out: the workers did not get there in time. */
typedef json_t *(*weir_cmd_finish_t)(void *ctx, int timed_out, char *err, size_t errlen);

/**
 * From a handler: answer res once every worker has moved past now (tables
 * published and messages posted so far are in use). Return its result.
 *
 * @param res
 *   The answer (a reference is taken over); NULL is an out-of-memory error.
 * @return
 *   NULL, for the handler to return.
 */
json_t *weir_cmd_after(json_t *res);

/**
 * What a finish function returns when its answer is not ready yet (and
 * not timed out): it is called again on the next poll, until timeout_ms.
 */
#define WEIR_CMD_AGAIN ((json_t *)(uintptr_t)1)

/**
 * From a handler: once every worker has moved past now, call finish for
 * the answer; if they have not within timeout_ms, call it with timed_out.
 * finish owns ctx; until it times out, it may answer WEIR_CMD_AGAIN to
 * wait for something else (a probe's verdict).
 *
 * @return
 *   NULL, for the handler to return.
 */
json_t *weir_cmd_defer(weir_cmd_finish_t finish, void *ctx, unsigned int timeout_ms);

/**
 * Open the admin socket.
 *
 * @return
 *   0 or -1 with err filled.
 */
int weir_cmd_open(const char *path, char *err, size_t errlen);

/**
 * The admin socket's clients, limits and counters, for status: clients,
 * max_clients, root_reserve, per_uid_max, line_deadline_ms,
 * idle_timeout_ms, accepted, refused, deadline_closed, idle_closed.
 *
 * @return
 *   A new object (empty before weir_cmd_open()).
 */
json_t *weir_cmd_admin_json(void);

/** Close the admin socket (deferred answers not sent are dropped). */
void weir_cmd_close(void);

/**
 * Serve the admin socket for up to timeout_ms (less while answers wait)
 * and send the deferred answers that are ready.
 */
void weir_cmd_poll(int timeout_ms);

#endif /* WEIR_CMD_H */
