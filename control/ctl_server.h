/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_CTL_SERVER_H
#define WEIR_CTL_SERVER_H

/**
 * @file
 * The admin socket server: non-blocking, one poll() loop, bounded buffers.
 * A client that sends an over-long line, stops reading its answers, takes
 * too long over a request line or stays idle too long is disconnected; it
 * can never block the daemon. Connections are capped per peer uid
 * (SO_PEERCRED), and a few slots are kept for uid 0, so that other users'
 * connections never lock root out.
 */

#include <stdint.h>

#include <jansson.h>

struct weir_ctl_server;

/** What the server has done with its clients, and its limits. */
struct weir_ctl_server_stats {
	uint64_t accepted;	       /**< connections given a slot */
	uint64_t refused;	       /**< connections refused at once: no slot for their uid */
	uint64_t deadline_closed;      /**< closed: a request line not complete in time */
	uint64_t idle_closed;	       /**< closed: idle too long */
	unsigned int clients;	       /**< connected now */
	unsigned int max_clients;      /**< slots in all */
	unsigned int root_reserve;     /**< of those, slots only uid 0 may take */
	unsigned int per_uid_max;      /**< slots one uid other than 0 may hold */
	unsigned int line_deadline_ms; /**< to complete a request line */
	unsigned int idle_timeout_ms;  /**< with nothing sent or read */
};

/**
 * Answers one command. Returns a new JSON result, or NULL with err filled
 * (the client gets {"ok": false, "error": err}).
 */
typedef json_t *(*weir_ctl_handler_t)(const char *cmd, json_t *req, void *arg, char *err,
				      size_t errlen);

/**
 * Listen on a unix socket, creating its directory if needed. A stale socket
 * file is replaced; a live one (another daemon answering) is an error.
 *
 * @param path
 *   Socket path.
 * @param handler
 *   Called for every well-formed request.
 * @param arg
 *   Passed to handler.
 * @param err
 *   Receives the reason on failure.
 * @param errlen
 *   Size of err.
 * @return
 *   The server, or NULL with errno set and err filled.
 */
struct weir_ctl_server *weir_ctl_server_open(const char *path, weir_ctl_handler_t handler,
					     void *arg, char *err, size_t errlen);

/**
 * Serve clients for up to timeout_ms milliseconds.
 *
 * @param s
 *   Server.
 * @param timeout_ms
 *   Longest wait in poll().
 */
void weir_ctl_server_poll(struct weir_ctl_server *s, int timeout_ms);

/**
 * Read the server's counters and limits.
 *
 * @param s
 *   Server.
 * @param st
 *   Receives them.
 */
void weir_ctl_server_get_stats(const struct weir_ctl_server *s, struct weir_ctl_server_stats *st);

/**
 * Answer the request being handled later: call from inside the handler,
 * which then returns NULL (ignored). The client's later requests wait, so
 * answers stay in order; weir_ctl_server_answer() sends the answer. A
 * command that waits for the workers (a grace period, their copies of a
 * table) never blocks the control thread this way.
 *
 * @param s
 *   Server.
 * @return
 *   A ticket for weir_ctl_server_answer(), or 0 if no request is being
 *   handled.
 */
uint64_t weir_ctl_server_defer(struct weir_ctl_server *s);

/**
 * Send a deferred answer.
 *
 * @param s
 *   Server.
 * @param ticket
 *   From weir_ctl_server_defer().
 * @param res
 *   The result (a reference is taken over), or NULL for an error.
 * @param err
 *   The error text when res is NULL.
 * @return
 *   0, or -ENOENT if the client has gone (res is released).
 */
int weir_ctl_server_answer(struct weir_ctl_server *s, uint64_t ticket, json_t *res,
			   const char *err);

/**
 * Close every client, the listening socket, and remove the socket file.
 *
 * @param s
 *   Server or NULL.
 */
void weir_ctl_server_close(struct weir_ctl_server *s);

#endif /* WEIR_CTL_SERVER_H */
