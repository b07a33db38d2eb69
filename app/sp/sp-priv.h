/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_SP_PRIV_H
#define WEIR_SP_PRIV_H

/* Shared by the SYN proxy stage's files only. */

#include <string.h>

#include "core/weir.h"
#include "sp/sp.h"

/* Per service, read-only once the workers run. */
extern struct weir_tcp_cookie_key weir_sp_key[WEIR_MAX_SERVICES];
extern struct weir_tcp_sp_conf weir_sp_conf[WEIR_MAX_SERVICES];

#endif /* WEIR_SP_PRIV_H */
