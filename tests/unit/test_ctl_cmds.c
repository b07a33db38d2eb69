/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin command table (control/weir_ctl_cmds.h): weirctl's command lines
 * and the daemon's request checks, both from the one table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "weir_ctl_cmds.h"
#include "weir_test.h"

static void
test_table(void **state)
{
	unsigned int i, j;
	char usage[160];

	(void)state;
	assert_true(weir_ctl_n_cmds >= 13);
	for (i = 0; i < weir_ctl_n_cmds; i++) {
		const struct weir_ctl_cmd *c = &weir_ctl_cmds[i];
		const struct weir_ctl_arg *a;

		assert_non_null(c->summary);
		assert_ptr_equal(weir_ctl_cmd_find(c->name), c);
		for (j = 0; j < i; j++)
			assert_string_not_equal(c->name, weir_ctl_cmds[j].name);
		for (a = c->args; a->key != NULL; a++) {
			assert_non_null(a->metavar);
			assert_true(a->type >= WEIR_CTL_ARG_STR && a->type <= WEIR_CTL_ARG_CHOICE);
			if (a->type == WEIR_CTL_ARG_INT)
				assert_true(a->min <= a->max);
			/* "when" names words of the first argument ("add|tier"). */
			if (a->when != NULL) {
				char w[64], *p, *save = NULL;

				snprintf(w, sizeof(w), "%s", a->when);
				for (p = strtok_r(w, "|", &save); p != NULL;
				     p = strtok_r(NULL, "|", &save))
					assert_non_null(strstr(c->args[0].choices, p));
			}
		}
	}
	assert_null(weir_ctl_cmd_find("reboot"));
	assert_null(weir_ctl_cmd_find(NULL));
	assert_string_equal(weir_ctl_cmd_usage(weir_ctl_cmd_find("backend"), usage, sizeof(usage)),
			    "backend disable|enable|weight|check POOL ADDRESS:PORT [WEIGHT]");
	assert_string_equal(weir_ctl_cmd_usage(weir_ctl_cmd_find("top"), usage, sizeof(usage)),
			    "top [keys] [N]");
	assert_string_equal(weir_ctl_cmd_usage(weir_ctl_cmd_find("stats"), usage, sizeof(usage)),
			    "stats");
	assert_string_equal(weir_ctl_cmd_usage(weir_ctl_cmd_find("bans"), usage, sizeof(usage)),
			    "bans [--limit N] [--after CURSOR]");
}

/* weirctl's words after the command: the request, or NULL with err filled. */
static json_t *
args_of(const char *line, char *err, size_t errlen)
{
	char buf[256], *argv[8], *save = NULL, *w;
	const struct weir_ctl_cmd *c;
	json_t *req;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (w = strtok_r(buf, " ", &save); w != NULL && argc < 8; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	c = weir_ctl_cmd_find(argv[0]);
	assert_non_null(c);
	req = json_object();
	if (weir_ctl_cmd_args(c, argc - 1, argv + 1, req, err, errlen) == 0)
		return req;
	json_decref(req);
	return NULL;
}

static const char *
try_line(const struct weir_reject_case *c, void *arg)
{
	static char err[256];
	json_t *req = args_of(c->input, err, sizeof(err));

	(void)arg;
	if (req == NULL)
		return err;
	json_decref(req);
	return NULL;
}

static void
test_command_lines(void **state)
{
	/* Accepted, with the request members they must give. */
	static const struct {
		const char *line, *want;
	} ok[] = {
		{"status", "{}"},
		{"backend disable web 198.18.0.10:8080",
		 "{\"action\": \"disable\", \"pool\": \"web\", \"backend\": \"198.18.0.10:8080\"}"},
		{"backend weight web [2001:db8::1]:80 0",
		 "{\"action\": \"weight\", \"pool\": \"web\", \"backend\": \"[2001:db8::1]:80\", "
		 "\"weight\": 0}"},
		{"backend weight web a:1 65535", "{\"weight\": 65535}"},
		{"ban 198.18.0.9", "{\"address\": \"198.18.0.9\"}"},
		{"ban 198.18.0.9 31536000", "{\"seconds\": 31536000}"},
		{"top", "{}"},
		{"top 1000", "{\"n\": 1000}"},
		/* An optional first word: a word that is not it is N's. */
		{"top keys", "{\"what\": \"keys\"}"},
		{"top keys 5", "{\"what\": \"keys\", \"n\": 5}"},
		{"block 198.18.5.0/24", "{\"prefix\": \"198.18.5.0/24\"}"},
		{"bans", "{}"},
		{"bans --limit 100", "{\"limit\": 100}"},
		{"bans --after 198.18.0.9/32 --limit 1",
		 "{\"limit\": 1, \"after\": \"198.18.0.9/32\"}"},
		{"bans --limit=10000 --after=2001:db8::/64",
		 "{\"limit\": 10000, \"after\": \"2001:db8::/64\"}"},
	};
	static const struct weir_reject_case bad_lines[] = {
		{"status now", "'status' takes no arguments"},
		{"backend weight web a:1 65536",
		 "backend WEIGHT '65536': expected an integer in [0, 65535]"},
		{"backend weight web a:1 -1",
		 "backend WEIGHT '-1': expected an integer in [0, 65535]"},
		{"backend weight web a:1 1x",
		 "backend WEIGHT '1x': expected an integer in [0, 65535]"},
		/* WEIGHT goes with weight, and only with it. */
		{"backend weight web a:1",
		 "usage: backend disable|enable|weight|check POOL ADDRESS:PORT [WEIGHT]"},
		{"backend disable web a:1 5",
		 "usage: backend disable|enable|weight|check POOL ADDRESS:PORT [WEIGHT]"},
		{"backend drain web a:1",
		 "backend 'drain': expected one of disable|enable|weight|check"},
		{"backend",
		 "usage: backend disable|enable|weight|check POOL ADDRESS:PORT [WEIGHT]"},
		{"ban 198.18.0.9 0", "ban SECONDS '0': expected an integer in [1, 31536000]"},
		{"ban 198.18.0.9 60 more", "usage: ban ADDRESS [SECONDS]"},
		{"unban", "usage: unban ADDRESS"},
		{"top 1001", "top N '1001': expected an integer in [1, 1000]"},
		{"top keys 0", "top N '0': expected an integer in [1, 1000]"},
		{"top sources", "top N 'sources': expected an integer in [1, 1000]"},
		{"top 5 keys", "usage: top [keys] [N]"},
		{"top keys keys", "top N 'keys': expected an integer in [1, 1000]"},
		{"allow", "usage: allow PREFIX"},
		{"bans --limit 0", "bans --limit '0': expected an integer in [1, 10000]"},
		{"bans --limit 10001", "bans --limit '10001': expected an integer in [1, 10000]"},
		{"bans --limit", "bans: --limit needs a value (N)"},
		{"bans --page 2", "bans: unknown option '--page' (usage: bans [--limit N] [--after "
				  "CURSOR])"},
		{"bans 5", "'bans' takes no arguments"},
		{"status --limit 5", "status: unknown option '--limit' (usage: status)"},
		/* Not valid UTF-8: refused, naming the argument, never left out. */
		{"ban \xff\xfe", "ban: argument 1 (ADDRESS) is not valid UTF-8"},
		{"backend disable w\xc3 a:1", "backend: argument 2 (POOL) is not valid UTF-8"},
		{"bans --after \xc0\x80", "bans: argument 2 (--after) is not valid UTF-8"},
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char err[256] = "";
		json_t *req = args_of(ok[i].line, err, sizeof(err)), *want, *v;
		const char *k;

		if (req == NULL)
			fail_msg("'%s': refused: %s", ok[i].line, err);
		want = json_loads(ok[i].want, 0, NULL);
		assert_non_null(want);
		json_object_foreach(want, k, v) if (!json_equal(json_object_get(req, k), v))
			fail_msg("'%s': %s is not %s", ok[i].line, k, ok[i].want);
		/* And the daemon takes what weirctl built. */
		{
			char buf[256];
			const struct weir_ctl_cmd *c;

			snprintf(buf, sizeof(buf), "%s", ok[i].line);
			c = weir_ctl_cmd_find(strtok(buf, " "));
			if (weir_ctl_cmd_check(c, req, err, sizeof(err)) != 0)
				fail_msg("'%s': the daemon refuses it: %s", ok[i].line, err);
		}
		json_decref(want);
		json_decref(req);
	}
	/* top N is the sources': no "what" in its request. */
	{
		char err[256] = "";
		json_t *req = args_of("top 5", err, sizeof(err));

		assert_non_null(req);
		assert_null(json_object_get(req, "what"));
		json_decref(req);
	}
	weir_test_rejects(bad_lines, try_line, NULL);
}

/* A request from any client, "CMD {json}": the daemon's check against the table. */
static const char *
try_request(const struct weir_reject_case *c, void *arg)
{
	static char err[256];
	char name[32];
	const char *sp = strchr(c->input, ' ');
	const struct weir_ctl_cmd *cmd;
	json_t *req;
	int rc;

	(void)arg;
	snprintf(name, sizeof(name), "%.*s", (int)(sp - c->input), c->input);
	cmd = weir_ctl_cmd_find(name);
	req = json_loads(sp + 1, 0, NULL);
	assert_non_null(cmd);
	assert_non_null(req);
	rc = weir_ctl_cmd_check(cmd, req, err, sizeof(err));
	json_decref(req);
	return rc == 0 ? NULL : err;
}

static void
test_requests(void **state)
{
	static const char *const accepted[] = {
		"stats {}",
		"stats {\"extra\": [1]}", /* a newer client's extras are ignored */
		"backend {\"action\": \"weight\", \"pool\": \"p\", \"backend\": \"a:1\", "
		"\"weight\": 3}",
		"top {\"n\": 1000}",
		"top {\"what\": \"keys\", \"n\": 3}",
		"bans {\"limit\": 10000, \"after\": \"198.18.0.9/32\"}",
		"key {\"action\": \"add\", \"key\": \"k\", \"tier\": \"free\", \"owner\": \"o\"}",
		"key {\"action\": \"tier\", \"key\": \"k\", \"tier\": \"free\"}",
		"key {\"action\": \"rm\", \"key\": \"k\"}",
		"token {\"action\": \"revoke\", \"jti\": \"j\", \"until\": 253402300799}",
	};
	static const struct weir_reject_case refused[] = {
		{"backend {\"action\": \"weight\", \"pool\": \"p\", \"backend\": \"a:1\"}",
		 "backend: missing \"weight\" (WEIGHT)"},
		{"backend {\"action\": \"enable\", \"pool\": \"p\", \"backend\": \"a:1\", "
		 "\"weight\": 3}",
		 "backend: \"weight\" only goes with weight"},
		{"backend {\"action\": \"weight\", \"pool\": \"p\", \"backend\": \"a:1\", "
		 "\"weight\": 70000}",
		 "backend: \"weight\": expected an integer in [0, 65535]"},
		{"backend {\"action\": \"weight\", \"pool\": \"p\", \"backend\": \"a:1\", "
		 "\"weight\": \"3\"}",
		 "backend: \"weight\": expected an integer in [0, 65535]"},
		{"backend {\"action\": \"drain\", \"pool\": \"p\", \"backend\": \"a:1\"}",
		 "backend: \"action\": expected one of disable|enable|weight|check"},
		{"backend {\"action\": \"\", \"pool\": \"p\", \"backend\": \"a:1\"}",
		 "backend: \"action\": expected one of disable|enable|weight|check"},
		{"backend {\"action\": \"disable\", \"pool\": 7, \"backend\": \"a:1\"}",
		 "backend: \"pool\": expected a string (POOL)"},
		{"backend {\"pool\": \"p\", \"backend\": \"a:1\"}",
		 "backend: missing \"action\" (disable|enable|weight|check)"},
		{"ban {\"address\": \"198.18.0.9\", \"seconds\": 0}",
		 "ban: \"seconds\": expected an integer in [1, 31536000]"},
		{"ban {\"address\": \"198.18.0.9\", \"seconds\": 1.5}",
		 "ban: \"seconds\": expected an integer in [1, 31536000]"},
		{"ban {\"address\": null}", "ban: \"address\": expected a string (ADDRESS)"},
		{"top {\"n\": 0}", "top: \"n\": expected an integer in [1, 1000]"},
		{"top {\"what\": \"sources\"}", "top: \"what\": expected one of keys"},
		{"block {}", "block: missing \"prefix\" (PREFIX)"},
		{"bans {\"limit\": 0}", "bans: \"limit\": expected an integer in [1, 10000]"},
		{"bans {\"limit\": 10001}", "bans: \"limit\": expected an integer in [1, 10000]"},
		{"bans {\"after\": 5}", "bans: \"after\": expected a string (CURSOR)"},
		{"key {\"action\": \"add\", \"key\": \"k\"}", "key: missing \"tier\" (TIER)"},
		{"key {\"action\": \"tier\", \"key\": \"k\"}", "key: missing \"tier\" (TIER)"},
		{"key {\"action\": \"block\", \"key\": \"k\", \"tier\": \"free\"}",
		 "key: \"tier\" only goes with add|tier"},
		{"token {\"action\": \"revoke\", \"jti\": \"j\", \"until\": 0}",
		 "token: \"until\": expected an integer in [1, 253402300799]"},
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		struct weir_reject_case c = {.input = accepted[i]};
		const char *why = try_request(&c, NULL);

		if (why != NULL)
			fail_msg("%s: refused: %s", accepted[i], why);
	}
	weir_test_rejects(refused, try_request, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_command_lines),
		cmocka_unit_test(test_requests),
	};

	return weir_test_main(tests);
}
