/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_CTL_SERVER_H
#define WEIR_CTL_SERVER_H

/**
 * @file
 * The admin socket server: non-blocking, one poll() loop, bounded buffers.
 * A client that sends an over-long line, stops reading its answers or stays
 * idle too long is disconnected; it can never block the daemon.
 */

#include <jansson.h>

struct weir_ctl_server;

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
 * Close every client, the listening socket, and remove the socket file.
 *
 * @param s
 *   Server or NULL.
 */
void weir_ctl_server_close(struct weir_ctl_server *s);

#endif /* WEIR_CTL_SERVER_H */
