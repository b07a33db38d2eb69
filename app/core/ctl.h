/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_CTL_H
#define WEIR_CTL_H

/**
 * @file
 * The core's own admin commands, and services, which gathers every
 * stage's part of a service.
 */

#include <stddef.h>

#include <jansson.h>

/** @name Admin commands (control/weir_ctl_cmds.h). */
/** @{ */
json_t *weir_cmd_status(json_t *req, char *err, size_t errlen);
json_t *weir_cmd_stats(json_t *req, char *err, size_t errlen);
json_t *weir_cmd_ports(json_t *req, char *err, size_t errlen);
json_t *weir_cmd_services(json_t *req, char *err, size_t errlen);
json_t *weir_cmd_backend(json_t *req, char *err, size_t errlen);
json_t *weir_cmd_backends(json_t *req, char *err, size_t errlen);
/** @} */

#endif /* WEIR_CTL_H */
