/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for lib/gate's credentials (weir_gate_creds()) over
 * request heads lib/http_lite accepts. Invariants: the answer is -1
 * exactly when bad is set, and then nothing else is; a token lies inside
 * the Authorization value of the head, is a b64token (checked here
 * independently) after "Bearer" and spaces; a key lies inside the head (a
 * header's) or is the decoded buf (the query's), at most its size, and is
 * weir_apikey_key_valid(); without a query parameter name no key comes
 * from the query, and the head's bytes are not changed. The head is a
 * buffer of exactly its length: a read past it is an ASan error.
 *
 * Input: byte 0 picks the key header and query parameter names; the rest
 * is the head.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "weir_gate.h"

static const char *const headers[] = {"X-API-Key", "Api-Key", "K", "Authorization2"};
static const char *const queries[] = {"api_key", "", "k", "key"};

static int
b64tok(const char *s, uint32_t n)
{
	uint32_t i = 0;

	while (i < n && (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
			 (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.' ||
			 s[i] == '_' || s[i] == '~' || s[i] == '+' || s[i] == '/'))
		i++;
	if (i == 0)
		return 0;
	while (i < n && s[i] == '=')
		i++;
	return i == n;
}

static void
check(const struct weir_http_req *r, const uint8_t *head, size_t len, const char *kh,
      const char *kq, struct weir_gate_creds *c)
{
	const char *lo = (const char *)head, *hi = (const char *)head + len;
	int rc = weir_gate_creds(r, head, kh, kq, c);

	assert(rc == 0 || rc == -1);
	assert((rc == -1) == (c->bad != NULL));
	if (c->bad != NULL) {
		assert(c->token == NULL && c->token_len == 0);
		assert(c->key == NULL && c->key_len == 0);
		return;
	}
	if (c->token != NULL) {
		int a = weir_http_header_find(r, head, "authorization");
		const char *v;

		assert(a >= 0 && c->token_len > 0);
		v = (const char *)head + r->headers[a].value.off;
		assert(c->token > v + 6 && c->token + c->token_len == v + r->headers[a].value.len);
		assert(strncasecmp(v, "bearer ", 7) == 0);
		for (v += 6; v < c->token; v++)
			assert(*v == ' ');
		assert(b64tok(c->token, c->token_len));
	} else {
		assert(c->token_len == 0);
	}
	if (c->key != NULL) {
		if (c->key == c->buf) {
			assert(c->key_len <= sizeof(c->buf) && kq[0] != '\0' && r->query.len > 0);
		} else {
			assert(c->key >= lo && c->key + c->key_len <= hi);
			assert(weir_http_header_find(r, head, kh) >= 0);
		}
		assert(weir_apikey_key_valid((const uint8_t *)c->key, c->key_len) == 1);
	} else {
		assert(c->key_len == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct weir_http_req r;
	struct weir_gate_creds c, c2;
	const char *kh, *kq;
	uint8_t *buf, *copy;
	size_t len;
	int rc;

	if (size < 1)
		return 0;
	kh = headers[data[0] & 3];
	kq = queries[(data[0] >> 2) & 3];
	len = size - 1;
	buf = malloc(len ? len : 1);
	copy = malloc(len ? len : 1);
	memcpy(buf, data + 1, len);
	memcpy(copy, data + 1, len);
	weir_http_req_init(&r);
	rc = weir_http_parse_req(&r, buf, len, NULL);
	if (rc > 0) {
		check(&r, buf, (size_t)rc, kh, kq, &c);
		/* Without a query name: the same token and header key, no query key. */
		check(&r, buf, (size_t)rc, kh, "", &c2);
		if (c.bad == NULL && c2.bad == NULL) {
			assert(c.token == c2.token && c.token_len == c2.token_len);
			assert(c2.key == NULL || c2.key == c.key);
			assert(c.key == NULL || c.key == c.buf || c.key == c2.key);
		}
		if (c2.bad != NULL)
			assert(c.bad != NULL);
		assert(memcmp(buf, copy, len) == 0);
	}
	free(buf);
	free(copy);
	return 0;
}
