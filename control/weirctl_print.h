/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIRCTL_PRINT_H
#define WEIRCTL_PRINT_H

/*
 * weirctl's tables (weirctl_print.c): one function per command's answer,
 * and the JSON accessors both files use.
 */

#include <jansson.h>

/** Member k of o as an integer (0 if absent). */
json_int_t geti(json_t *o, const char *k);

/** Member k of o as a string ("-" if absent). */
const char *gets_(json_t *o, const char *k);

/** Print command cmd's answer res as tables. */
void weirctl_print(const char *cmd, json_t *res);

#endif /* WEIRCTL_PRINT_H */
