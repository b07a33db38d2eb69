/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_RELOAD_H
#define WEIR_RELOAD_H

/**
 * @file
 * Hot reload (app/core/reload.c): weirctl reload and SIGHUP.
 */

#include <stddef.h>

#include <jansson.h>

/** Generation 1, loaded now (at start-up). */
void weir_reload_init(void);

/** The config's generation and load time (unix seconds), for status. */
json_t *weir_reload_json(void);

/**
 * Read the config again (file, or the one weir runs on when NULL), check
 * it, and apply what may change at run time.
 *
 * @return
 *   What changed ({config, generation, loaded_at, changed: [...]}), or NULL
 *   with err filled: the file is invalid, or changes what cannot change
 *   (the key is named); the running config is then untouched.
 */
json_t *weir_reload(const char *file, char *err, size_t errlen);

/** weirctl reload [FILE]. */
json_t *weir_cmd_reload(json_t *req, char *err, size_t errlen);

#endif /* WEIR_RELOAD_H */
