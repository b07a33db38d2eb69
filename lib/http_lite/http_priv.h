/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_HTTP_PRIV_H
#define WEIR_HTTP_PRIV_H

/* Shared by lib/http_lite's files only. */

#include <stdint.h>
#include <string.h>

/* tchar, RFC 9110 5.6.2: a token's byte (parse.c keeps a table of its own
 * for speed). */
static inline int
weir_http_is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

#endif /* WEIR_HTTP_PRIV_H */
