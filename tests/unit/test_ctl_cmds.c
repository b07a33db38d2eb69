/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin command table (control/weir_ctl_cmds.h): weirctl's command lines
 * and the daemon's request checks, both from the one table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "weir_ctl_cmds.h"

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
			/* "when" names a word of the first argument. */
			if (a->when != NULL)
				assert_non_null(strstr(c->args[0].choices, a->when));
		}
	}
	assert_null(weir_ctl_cmd_find("reboot"));
	assert_null(weir_ctl_cmd_find(NULL));
	assert_string_equal(weir_ctl_cmd_usage(weir_ctl_cmd_find("backend"), usage, sizeof(usage)),
			    "backend disable|enable|weight POOL ADDRESS:PORT [WEIGHT]");
	assert_string_equal(weir_ctl_cmd_usage(weir_ctl_cmd_find("top"), usage, sizeof(usage)),
			    "top [N]");
	assert_string_equal(weir_ctl_cmd_usage(weir_ctl_cmd_find("stats"), usage, sizeof(usage)),
			    "stats");
}

/* A command line, as weirctl takes it: 0 and the request's JSON, or -1 and
 * what is wrong. */
struct line_case {
	const char *line; /* words separated by single spaces */
	const char *want; /* the arguments as compact JSON, or a substring of the error */
	int ok;
};

static void
test_command_lines(void **state)
{
	static const struct line_case cases[] = {
		{"status", "{}", 1},
		{"status now", "'status' takes no arguments", 0},
		{"backend disable web 198.18.0.10:8080",
		 "{\"action\": \"disable\", \"pool\": \"web\", \"backend\": \"198.18.0.10:8080\"}", 1},
		{"backend weight web [2001:db8::1]:80 0",
		 "{\"action\": \"weight\", \"pool\": \"web\", \"backend\": \"[2001:db8::1]:80\", "
		 "\"weight\": 0}",
		 1},
		{"backend weight web a:1 65535", "{\"weight\": 65535}", 1},
		{"backend weight web a:1 65536", "expected an integer in [0, 65535]", 0},
		{"backend weight web a:1 -1", "expected an integer in [0, 65535]", 0},
		{"backend weight web a:1 1x", "expected an integer in [0, 65535]", 0},
		{"backend weight web a:1", "usage: backend", 0},     /* WEIGHT goes with weight */
		{"backend disable web a:1 5", "usage: backend", 0}, /* and only with weight */
		{"backend drain web a:1", "expected one of disable|enable|weight", 0},
		{"backend", "usage: backend", 0},
		{"ban 198.18.0.9", "{\"address\": \"198.18.0.9\"}", 1},
		{"ban 198.18.0.9 31536000", "{\"seconds\": 31536000}", 1},
		{"ban 198.18.0.9 0", "expected an integer in [1, 31536000]", 0},
		{"ban 198.18.0.9 60 more", "usage: ban ADDRESS [SECONDS]", 0},
		{"unban", "usage: unban ADDRESS", 0},
		{"top", "{}", 1},
		{"top 1000", "{\"n\": 1000}", 1},
		{"top 1001", "expected an integer in [1, 1000]", 0},
		{"block 198.18.5.0/24", "{\"prefix\": \"198.18.5.0/24\"}", 1},
		{"allow", "usage: allow PREFIX", 0},
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[256], *argv[8], *save = NULL, *w, err[256] = "";
		const struct weir_ctl_cmd *c;
		json_t *req = json_object();
		int argc = 0, rc;

		snprintf(buf, sizeof(buf), "%s", cases[i].line);
		for (w = strtok_r(buf, " ", &save); w != NULL && argc < 8;
		     w = strtok_r(NULL, " ", &save))
			argv[argc++] = w;
		c = weir_ctl_cmd_find(argv[0]);
		assert_non_null(c);
		rc = weir_ctl_cmd_args(c, argc - 1, argv + 1, req, err, sizeof(err));
		if (cases[i].ok) {
			char *got = json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER);
			json_t *want = json_loads(cases[i].want, 0, NULL);
			const char *k;
			json_t *v;

			if (rc != 0)
				fail_msg("'%s': refused: %s", cases[i].line, err);
			assert_non_null(want);
			/* Every expected member is there, with its value. */
			json_object_foreach(want, k, v)
				if (!json_equal(json_object_get(req, k), v))
					fail_msg("'%s': %s, want %s", cases[i].line, got, cases[i].want);
			/* And the daemon takes what weirctl built. */
			if (weir_ctl_cmd_check(c, req, err, sizeof(err)) != 0)
				fail_msg("'%s': the daemon refuses %s: %s", cases[i].line, got, err);
			free(got);
			json_decref(want);
		} else {
			if (rc == 0 || strstr(err, cases[i].want) == NULL)
				fail_msg("'%s': rc %d, error '%s', want '%s'", cases[i].line, rc, err,
					 cases[i].want);
		}
		json_decref(req);
	}
}

/* Requests from any client: the daemon checks them against the table. */
struct req_case {
	const char *cmd;
	const char *json;
	const char *want; /* NULL: accepted; else a substring of the error */
};

static void
test_requests(void **state)
{
	static const struct req_case cases[] = {
		{"stats", "{}", NULL},
		{"stats", "{\"extra\": [1]}", NULL}, /* a newer client's extras are ignored */
		{"backend", "{\"action\": \"weight\", \"pool\": \"p\", \"backend\": \"a:1\", "
			    "\"weight\": 3}",
		 NULL},
		{"backend", "{\"action\": \"weight\", \"pool\": \"p\", \"backend\": \"a:1\"}",
		 "backend: missing \"weight\" (WEIGHT)"},
		{"backend", "{\"action\": \"enable\", \"pool\": \"p\", \"backend\": \"a:1\", "
			    "\"weight\": 3}",
		 "backend: \"weight\" only goes with weight"},
		{"backend", "{\"action\": \"weight\", \"pool\": \"p\", \"backend\": \"a:1\", "
			    "\"weight\": 70000}",
		 "backend: \"weight\": expected an integer in [0, 65535]"},
		{"backend", "{\"action\": \"weight\", \"pool\": \"p\", \"backend\": \"a:1\", "
			    "\"weight\": \"3\"}",
		 "expected an integer"},
		{"backend", "{\"action\": \"drain\", \"pool\": \"p\", \"backend\": \"a:1\"}",
		 "backend: \"action\": expected one of disable|enable|weight"},
		{"backend", "{\"action\": \"\", \"pool\": \"p\", \"backend\": \"a:1\"}",
		 "expected one of"},
		{"backend", "{\"action\": \"disable\", \"pool\": 7, \"backend\": \"a:1\"}",
		 "backend: \"pool\": expected a string (POOL)"},
		{"backend", "{\"pool\": \"p\", \"backend\": \"a:1\"}", "backend: missing \"action\""},
		{"ban", "{\"address\": \"198.18.0.9\", \"seconds\": 0}", "expected an integer in [1,"},
		{"ban", "{\"address\": \"198.18.0.9\", \"seconds\": 1.5}", "expected an integer"},
		{"ban", "{\"address\": null}", "expected a string"},
		{"top", "{\"n\": 1000}", NULL},
		{"top", "{\"n\": 0}", "top: \"n\": expected an integer in [1, 1000]"},
		{"block", "{}", "block: missing \"prefix\""},
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct weir_ctl_cmd *c = weir_ctl_cmd_find(cases[i].cmd);
		json_t *req = json_loads(cases[i].json, 0, NULL);
		char err[256] = "";
		int rc;

		assert_non_null(c);
		assert_non_null(req);
		rc = weir_ctl_cmd_check(c, req, err, sizeof(err));
		if (cases[i].want == NULL && rc != 0)
			fail_msg("%s %s: refused: %s", cases[i].cmd, cases[i].json, err);
		if (cases[i].want != NULL && (rc == 0 || strstr(err, cases[i].want) == NULL))
			fail_msg("%s %s: rc %d '%s', want '%s'", cases[i].cmd, cases[i].json, rc, err,
				 cases[i].want);
		json_decref(req);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_command_lines),
		cmocka_unit_test(test_requests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
