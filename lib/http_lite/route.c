/* SPDX-License-Identifier: BSD-3-Clause */
/* Interim: no routes yet (route.c lands separately). */
#include <errno.h>

#include "weir_http_route.h"

int
weir_http_route_add(struct weir_http_routes *t, const char *host, const char *path_prefix,
		    const char **why)
{
	(void)t;
	(void)host;
	(void)path_prefix;
	*why = "routes are not supported yet";
	return -EINVAL;
}

int
weir_http_route_match(const struct weir_http_routes *t, const uint8_t *host, size_t host_len,
		      const uint8_t *path, size_t path_len)
{
	(void)t;
	(void)host;
	(void)host_len;
	(void)path;
	(void)path_len;
	return -1;
}
