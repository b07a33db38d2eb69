/* SPDX-License-Identifier: BSD-3-Clause */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_test.h"

/* Print an input readably: a control byte as \xNN, at most 1000 bytes. */
static void
print_input(const char *input)
{
	size_t len = strlen(input), i, o = 0;
	char out[1024];

	for (i = 0; i < len && o + 5 < sizeof(out); i++) {
		unsigned char ch = (unsigned char)input[i];

		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
	print_error("    input: %s%s\n", out, i < len ? "..." : "");
}

void
weir_test_rejects_at(const struct weir_reject_case *cases, size_t n, weir_reject_try *try,
		     void *arg, const char *table, const char *file, int line)
{
	size_t i, bad = 0;

	if (n == 0) {
		print_error("%s: an empty table checks nothing\n", table);
		_fail(file, line);
	}
	for (i = 0; i < n; i++) {
		const struct weir_reject_case *c = &cases[i];
		const char *got;

		if (c->input == NULL || c->error == NULL) {
			print_error("%s[%zu]: a case needs an input and a message\n", table, i);
			_fail(file, line);
		}
		got = try(c, arg);
		if (got != NULL && strcmp(got, c->error) == 0)
			continue;
		bad++;
		print_error("%s[%zu] (%s:%d):\n", table, i, file, line);
		print_input(c->input);
		print_error("    want: %s\n", c->error);
		print_error("    got:  %s\n", got != NULL ? got : "(accepted)");
	}
	if (bad > 0) {
		print_error("%s: %zu of %zu cases not refused as expected\n", table, bad, n);
		_fail(file, line);
	}
}

int
weir_test_run(const char *name, const struct CMUnitTest *tests, size_t n)
{
	const char *only = getenv("WEIR_TEST_FILTER");
	int failed;

	/* cmocka's pattern: test names, * and ? as in a shell. */
	if (only != NULL && only[0] != '\0')
		cmocka_set_test_filter(only);
	failed = _cmocka_run_group_tests(name, tests, n, NULL, NULL);

	if (failed > 0)
		weir_test_seed_report();
	return failed;
}

#if defined(__SANITIZE_ADDRESS__)
/* libasan's; GCC 12 ships no header for it. */
size_t __sanitizer_get_current_allocated_bytes(void);

size_t
weir_test_heap_bytes(void)
{
	return __sanitizer_get_current_allocated_bytes();
}
#else
size_t
weir_test_heap_bytes(void)
{
	return mallinfo2().uordblks;
}
#endif

size_t
weir_test_b64url(const void *in_, size_t len, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const uint8_t *in = in_;
	uint32_t acc = 0;
	unsigned int bits = 0;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[n++] = a[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[n++] = a[(acc << (6 - bits)) & 63];
	out[n] = '\0';
	return n;
}

int
weir_test_sf_list(const char *v, struct weir_test_sf_item *it, int max)
{
	int n = 0;

	for (;;) {
		size_t k = 0;

		if (n == max || *v++ != '"')
			return -1;
		memset(&it[n], 0, sizeof(it[n]));
		it[n].q = it[n].w = it[n].r = it[n].t = -1;
		while (*v != '"') {
			if (*v < 0x20 || *v > 0x7e || *v == '\\' || k + 1 == sizeof(it[n].name))
				return -1;
			it[n].name[k++] = *v++;
		}
		v++;
		while (*v == ';') {
			char key = *++v;
			long long x = 0;

			if (v[1] != '=' || v[2] < '0' || v[2] > '9')
				return -1;
			for (v += 2; *v >= '0' && *v <= '9'; v++)
				x = x * 10 + (*v - '0');
			if (key == 'q')
				it[n].q = x;
			else if (key == 'w')
				it[n].w = x;
			else if (key == 'r')
				it[n].r = x;
			else if (key == 't')
				it[n].t = x;
			else
				return -1;
		}
		n++;
		if (*v == '\0')
			return n;
		if (v[0] != ',' || v[1] != ' ')
			return -1;
		v += 2;
	}
}

int
weir_test_field(const char *resp, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name);
	const char *p = resp, *e;

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncmp(p, name, n) == 0 && p[n] == ':' && p[n + 1] == ' ') {
			e = strstr(p, "\r\n");
			if (e == NULL || (size_t)(e - p - n - 2) >= cap)
				return -1;
			memcpy(out, p + n + 2, (size_t)(e - p - n - 2));
			out[e - p - n - 2] = '\0';
			return 0;
		}
	}
	return -1;
}
