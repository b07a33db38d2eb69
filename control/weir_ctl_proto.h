/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_CTL_PROTO_H
#define WEIR_CTL_PROTO_H

/**
 * @file
 * The admin socket protocol shared by the daemon and weirctl.
 *
 * A client connects to a unix stream socket and sends one JSON object per
 * line: {"v": 1, "cmd": "stats"}. The daemon answers each request with one
 * line: {"v": 1, "ok": true, "result": {...}} or
 * {"v": 1, "ok": false, "error": "message"}. A request with another "v" is
 * refused with an error naming the supported version, so old clients fail
 * loudly instead of misreading new answers.
 */

/** Protocol version spoken by this build. */
#define WEIR_CTL_VERSION 1

/** Where the daemon listens unless the config says otherwise. */
#define WEIR_CTL_DEFAULT_SOCKET "/run/weir/weir.sock"

/** Request buffer: a line of up to WEIR_CTL_MAX_REQUEST - 1 bytes plus its newline. */
#define WEIR_CTL_MAX_REQUEST 65536

/* Keys of the envelope. */
#define WEIR_CTL_KEY_VERSION "v"
#define WEIR_CTL_KEY_CMD "cmd"
#define WEIR_CTL_KEY_OK "ok"
#define WEIR_CTL_KEY_RESULT "result"
#define WEIR_CTL_KEY_ERROR "error"

#endif /* WEIR_CTL_PROTO_H */
