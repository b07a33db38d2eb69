/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_PORT_H
#define WEIR_PORT_H

/**
 * @file
 * Start-up steps of the ports (app/core/main.c runs them in order).
 */

#include <stddef.h>

/**
 * Find or hot-plug every configured port and configure it (not started).
 *
 * @return
 *   0, or a negative exit code with err filled.
 */
int weir_ports_init(char *err, size_t errlen);

/** Stop and close every configured port, in reverse. */
void weir_ports_fini(void);

/**
 * Start every port: last, once every table is in place, because a port
 * whose link is up forwards.
 *
 * @return
 *   0, or a negative exit code with err filled.
 */
int weir_ports_start(char *err, size_t errlen);

/** Stop every port, in reverse, before the tables are freed. */
void weir_ports_stop(void);

#endif /* WEIR_PORT_H */
