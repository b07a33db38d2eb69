/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_HTTP_ROUTE_H
#define WEIR_HTTP_ROUTE_H
/* Interim: the route matcher's interface (route.c lands separately). */
#include <stddef.h>
#include <stdint.h>

#define WEIR_HTTP_ROUTES_MAX 64
#define WEIR_HTTP_ROUTE_HOST_MAX 128
#define WEIR_HTTP_ROUTE_PATH_MAX 128
enum weir_http_host_kind { WEIR_HTTP_HOST_ANY = 0, WEIR_HTTP_HOST_EXACT, WEIR_HTTP_HOST_SUFFIX };
struct weir_http_route {
	uint8_t host_kind;
	uint8_t host_len;
	uint16_t path_len;
	char host[WEIR_HTTP_ROUTE_HOST_MAX];
	char path[WEIR_HTTP_ROUTE_PATH_MAX];
};
struct weir_http_routes {
	unsigned int n;
	struct weir_http_route r[WEIR_HTTP_ROUTES_MAX];
};
int weir_http_route_add(struct weir_http_routes *t, const char *host, const char *path_prefix,
			const char **why);
int weir_http_route_match(const struct weir_http_routes *t, const uint8_t *host, size_t host_len,
			  const uint8_t *path, size_t path_len);
#endif
