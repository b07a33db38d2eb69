/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin command table (weir_ctl_cmds.h): lookup, usage lines, and the
 * argument checks shared by weirctl (command lines) and the daemon
 * (requests).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_ctl_cmds.h"

#define CMD_ENTRY(n, summary, help, ...)                                                           \
	{#n, summary, help, (const struct weir_ctl_arg[]){__VA_ARGS__{NULL}}},

const struct weir_ctl_cmd weir_ctl_cmds[] = {WEIR_CTL_COMMANDS(CMD_ENTRY)};
const unsigned int weir_ctl_n_cmds = sizeof(weir_ctl_cmds) / sizeof(weir_ctl_cmds[0]);

const struct weir_ctl_cmd *
weir_ctl_cmd_find(const char *name)
{
	unsigned int i;

	for (i = 0; name != NULL && i < weir_ctl_n_cmds; i++)
		if (strcmp(weir_ctl_cmds[i].name, name) == 0)
			return &weir_ctl_cmds[i];
	return NULL;
}

char *
weir_ctl_cmd_usage(const struct weir_ctl_cmd *c, char *buf, size_t len)
{
	const struct weir_ctl_arg *a;
	size_t n = (size_t)snprintf(buf, len, "%s", c->name);

	for (a = c->args; a->key != NULL && n < len; a++)
		if (a->option != NULL)
			n += (size_t)snprintf(buf + n, len - n, " [--%s %s]", a->option,
					      a->metavar);
		else
			n += (size_t)snprintf(buf + n, len - n, a->optional ? " [%s]" : " %s",
					      a->metavar);
	return buf;
}

/* Is word one of "a|b|c"? */
static int
is_choice(const char *choices, const char *word)
{
	size_t wl = strlen(word);
	const char *p = choices;

	while (p != NULL && *p != '\0') {
		const char *bar = strchr(p, '|');
		size_t l = bar != NULL ? (size_t)(bar - p) : strlen(p);

		if (l == wl && wl != 0 && strncmp(p, word, l) == 0)
			return 1;
		p = bar != NULL ? bar + 1 : NULL;
	}
	return 0;
}

/* Must a (not the first argument) be given, given the first argument's word? */
static int
wanted(const struct weir_ctl_arg *a, const char *first)
{
	if (a->when == NULL)
		return !a->optional;
	return first != NULL && is_choice(a->when, first);
}

/* May a be given at all? */
static int
allowed(const struct weir_ctl_arg *a, const char *first)
{
	return a->when == NULL || (first != NULL && is_choice(a->when, first));
}

int
weir_ctl_cmd_check(const struct weir_ctl_cmd *c, json_t *req, char *err, size_t errlen)
{
	const struct weir_ctl_arg *a;
	const char *first = NULL;

	for (a = c->args; a->key != NULL; a++) {
		json_t *v = json_object_get(req, a->key);

		if (v == NULL) {
			if (wanted(a, first)) {
				snprintf(err, errlen, "%s: missing \"%s\" (%s)", c->name, a->key,
					 a->metavar);
				return -1;
			}
			continue;
		}
		if (!allowed(a, first)) {
			snprintf(err, errlen, "%s: \"%s\" only goes with %s", c->name, a->key,
				 a->when);
			return -1;
		}
		switch (a->type) {
		case WEIR_CTL_ARG_INT:
			if (!json_is_integer(v) || json_integer_value(v) < a->min ||
			    json_integer_value(v) > a->max) {
				snprintf(err, errlen,
					 "%s: \"%s\": expected an integer in [%lld, %lld]", c->name,
					 a->key, a->min, a->max);
				return -1;
			}
			break;
		case WEIR_CTL_ARG_CHOICE:
			if (!json_is_string(v) || !is_choice(a->choices, json_string_value(v))) {
				snprintf(err, errlen, "%s: \"%s\": expected one of %s", c->name,
					 a->key, a->choices);
				return -1;
			}
			break;
		default:
			if (!json_is_string(v)) {
				snprintf(err, errlen, "%s: \"%s\": expected a string (%s)", c->name,
					 a->key, a->metavar);
				return -1;
			}
			break;
		}
		if (a == c->args && json_is_string(v))
			first = json_string_value(v);
	}
	return 0;
}

/* Add argument a, given as word w (the pos-th word), to req. */
static int
arg_value(const struct weir_ctl_cmd *c, const struct weir_ctl_arg *a, const char *w, int pos,
	  json_t *req, char *err, size_t errlen)
{
	const char *what = a->option != NULL ? "--" : "";
	const char *name = a->option != NULL ? a->option : a->metavar;
	json_t *v;

	if (a->type == WEIR_CTL_ARG_INT) {
		char *end;
		long long n;

		errno = 0;
		n = strtoll(w, &end, 10);
		if (*w == '\0' || *end != '\0' || errno != 0 || n < a->min || n > a->max) {
			snprintf(err, errlen, "%s %s%s '%s': expected an integer in [%lld, %lld]",
				 c->name, what, name, w, a->min, a->max);
			return -1;
		}
		v = json_integer(n);
	} else if (a->type == WEIR_CTL_ARG_CHOICE && !is_choice(a->choices, w)) {
		snprintf(err, errlen, "%s '%s': expected one of %s", c->name, w, a->choices);
		return -1;
	} else {
		/* jansson takes UTF-8 only: an argument must not vanish from the request. */
		v = json_string(w);
		if (v == NULL) {
			snprintf(err, errlen, "%s: argument %d (%s%s) is not valid UTF-8", c->name,
				 pos, what, name);
			return -1;
		}
	}
	json_object_set_new(req, a->key, v);
	return 0;
}

/* The option argument named by word w ("--NAME" or "--NAME=VALUE"), or NULL. */
static const struct weir_ctl_arg *
option_of(const struct weir_ctl_cmd *c, const char *w, const char **value)
{
	const struct weir_ctl_arg *a;
	size_t n = strcspn(w + 2, "=");

	for (a = c->args; a->key != NULL; a++)
		if (a->option != NULL && strlen(a->option) == n &&
		    strncmp(a->option, w + 2, n) == 0) {
			*value = w[2 + n] == '=' ? w + 3 + n : NULL;
			return a;
		}
	return NULL;
}

int
weir_ctl_cmd_args(const struct weir_ctl_cmd *c, int argc, char **argv, json_t *req, char *err,
		  size_t errlen)
{
	const struct weir_ctl_arg *a;
	const char *first = NULL;
	char usage[160], *words[16];
	int i, n = 0, pos[16], k = 0;

	weir_ctl_cmd_usage(c, usage, sizeof(usage));
	/* Options first, wherever they are; the other words are positional. */
	for (i = 0; i < argc; i++) {
		const char *value;

		if (strncmp(argv[i], "--", 2) != 0 || argv[i][2] == '\0') {
			if (n == (int)(sizeof(words) / sizeof(words[0])))
				goto usage;
			pos[n] = i + 1;
			words[n++] = argv[i];
			continue;
		}
		a = option_of(c, argv[i], &value);
		if (a == NULL) {
			snprintf(err, errlen, "%s: unknown option '%.32s' (usage: %s)", c->name,
				 argv[i], usage);
			return -1;
		}
		if (value == NULL) {
			if (i + 1 == argc) {
				snprintf(err, errlen, "%s: --%s needs a value (%s)", c->name,
					 a->option, a->metavar);
				return -1;
			}
			value = argv[++i];
		}
		if (arg_value(c, a, value, i + 1, req, err, errlen) != 0)
			return -1;
	}
	first = n > 0 ? words[0] : NULL;
	for (a = c->args; a->key != NULL; a++) {
		const char *w;

		if (a->option != NULL)
			continue;
		w = k < n && allowed(a, first) ? words[k] : NULL;
		/* An optional choice not given: the word is the next argument's. */
		if (w != NULL && a->type == WEIR_CTL_ARG_CHOICE && a->optional &&
		    !is_choice(a->choices, w))
			w = NULL;
		if (w == NULL) {
			if (wanted(a, first))
				goto usage;
			continue;
		}
		if (arg_value(c, a, w, pos[k], req, err, errlen) != 0)
			return -1;
		k++;
	}
	if (k == n)
		return 0;
usage:
	for (a = c->args; a->key != NULL && a->option != NULL; a++)
		;
	if (a->key == NULL) /* options only, if any */
		snprintf(err, errlen, "'%s' takes no arguments", c->name);
	else
		snprintf(err, errlen, "usage: %s", usage);
	return -1;
}
