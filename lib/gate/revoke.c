/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Revoked token ids (jti): a sorted immutable array, published whole by
 * the control thread (weirctl token revoke), searched by the workers
 * after each cold verification (a cached token is verified again after a
 * revocation: the gate's generation changes).
 */
#include <stdlib.h>
#include <string.h>

#include "weir_gate.h"

uint64_t
weir_gate_jti_hash(const char *jti, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)jti[i]) * UINT64_C(0x100000001b3);
	return h;
}

int
weir_gate_is_revoked(const struct weir_gate_revoked *rv, const char *jti, int64_t now)
{
	uint64_t h;
	uint32_t lo = 0, hi;

	if (rv == NULL || rv->n == 0)
		return 0;
	h = weir_gate_jti_hash(jti, strlen(jti));
	hi = rv->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (rv->e[mid].h < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Equal hashes sit together: compare the ids themselves. */
	for (; lo < rv->n && rv->e[lo].h == h; lo++)
		if (strcmp(rv->e[lo].jti, jti) == 0)
			return now <= rv->e[lo].until;
	return 0;
}

struct weir_gate_revoked *
weir_gate_revoke(const struct weir_gate_revoked *rv, const char *jti, int64_t until, int64_t now)
{
	uint32_t n = rv != NULL ? rv->n : 0, i, k = 0;
	uint64_t h = weir_gate_jti_hash(jti, strlen(jti));
	struct weir_gate_revoked *out;
	int placed = 0;

	if (strlen(jti) >= sizeof(out->e[0].jti))
		return NULL;
	out = malloc(sizeof(*out) + (size_t)(n + 1) * sizeof(out->e[0]));
	if (out == NULL)
		return NULL;
	for (i = 0; i <= n; i++) {
		if (!placed && (i == n || rv->e[i].h >= h)) {
			out->e[k].h = h;
			out->e[k].until = until;
			memset(out->e[k].jti, 0, sizeof(out->e[k].jti));
			memcpy(out->e[k].jti, jti, strlen(jti));
			k++;
			placed = 1;
		}
		if (i == n)
			break;
		if (rv->e[i].until < now || (rv->e[i].h == h && strcmp(rv->e[i].jti, jti) == 0))
			continue; /* expired, or the one replaced */
		out->e[k++] = rv->e[i];
	}
	out->n = k;
	return out;
}
