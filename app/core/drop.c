/* SPDX-License-Identifier: BSD-3-Clause */
#include "core/drop.h"

#define DROP_NAME(c, n, h) [WEIR_DROP_##c] = n,

static const char *const names[WEIR_DROP__MAX] = {WEIR_DROPS(DROP_NAME)};

const char *
weir_drop_name(unsigned int reason)
{
	if (reason < WEIR_PKT_DROP__MAX)
		return weir_pkt_drop_name((enum weir_pkt_drop)reason);
	return reason < WEIR_DROP__MAX ? names[reason] : "unknown";
}
