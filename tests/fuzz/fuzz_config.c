/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the config loader (app/config): any text is loaded
 * and validated; a refusal must leave one line of message and errno
 * EINVAL, an accepted config must hold its invariants (counts within their
 * arrays, every service's pool and port in range), and nothing may leak or
 * read outside the text (ASan, UBSan).
 *
 * Input: the config text.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weir_config.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weir_config *cfg;
	char err[512], *text;
	unsigned int i;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	errno = 0;
	err[0] = '\0';
	cfg = weir_config_from_string(text, "fuzz", err, sizeof(err));
	free(text);
	if (cfg == NULL) {
		assert(errno == EINVAL);
		assert(err[0] != '\0' && strchr(err, '\n') == NULL);
		return 0;
	}
	assert(cfg->n_ports >= 1 && cfg->n_ports <= WEIR_MAX_PORTS);
	assert(cfg->n_pools <= WEIR_MAX_POOLS && cfg->n_services <= WEIR_MAX_SERVICES);
	for (i = 0; i < cfg->n_services; i++) {
		assert(cfg->services[i].pool < cfg->n_pools);
		assert(cfg->services[i].out_port < cfg->n_ports);
		assert(cfg->services[i].n_local_ips >= 1);
	}
	for (i = 0; i < cfg->n_pools; i++)
		assert(cfg->pools[i].n_backends >= 1 &&
		       cfg->pools[i].n_backends <= WEIR_MAX_BACKENDS);
	weir_config_free(cfg);
	return 0;
}
