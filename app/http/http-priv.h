/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_HTTP_PRIV_H
#define WEIR_HTTP_PRIV_H

/* Shared by the HTTP stage's files only. */

#include "core/weir.h"
#include "http/http.h"

/* Per service: its Via element ("1.1 weir"), read-only once the workers run. */
extern char weir_http_via[WEIR_MAX_SERVICES][40];

#endif /* WEIR_HTTP_PRIV_H */
