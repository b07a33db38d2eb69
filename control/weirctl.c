/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weirctl: the operator's client for weir's admin socket. Sends one request,
 * prints the answer as a table (or as the daemon's JSON with --json).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "weir_ctl_cmds.h"
#include "weir_ctl_proto.h"
#include "weirctl_print.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define MAX_ANSWER (64u << 20)

static void
usage(FILE *f)
{
	const char *h, *e;
	char line[160];
	unsigned int i;

	fprintf(f, "usage: weirctl [--socket PATH] [--json] [--timeout SECONDS] COMMAND [ARGS]\n"
		   "\n"
		   "Talk to a running weir daemon over its admin socket.\n"
		   "\n"
		   "Commands:\n");
	for (i = 0; i < weir_ctl_n_cmds; i++) {
		const struct weir_ctl_cmd *c = &weir_ctl_cmds[i];

		weir_ctl_cmd_usage(c, line, sizeof(line));
		if (strlen(line) <= 8)
			fprintf(f, "  %-8s %s\n", line, c->summary);
		else
			fprintf(f, "  %s\n           %s\n", line, c->summary);
		/* Help lines: each under the summary, indented. */
		for (h = c->help; h != NULL && *h != '\0'; h = *e ? e + 1 : e) {
			e = strchr(h, '\n');
			if (e == NULL)
				e = h + strlen(h);
			fprintf(f, "           %.*s\n", (int)(e - h), h);
		}
	}
	fprintf(f,
		"\n"
		"Options:\n"
		"  --socket PATH    admin socket (default %s, or $WEIR_SOCKET)\n"
		"  --json           print the daemon's JSON answer (the \"result\" object)\n"
		"  --timeout SECS   give up after this long (default 5)\n"
		"  --completion     print a bash completion script for weirctl\n"
		"                   (e.g. weirctl --completion > /etc/bash_completion.d/weirctl)\n"
		"  --help           this text\n"
		"\n"
		"Exit status: 0 on success, 1 if the daemon cannot be reached or refuses,\n"
		"2 on a bad command line.\n",
		WEIR_CTL_DEFAULT_SOCKET);
}

/* Bash completion from the command table: command names, then the words of
 * a choice argument in its place. */
static void
completion(FILE *f)
{
	unsigned int i;

	const struct weir_ctl_arg *a;

	fprintf(f, "# bash completion for weirctl (weirctl --completion)\n"
		   "_weirctl() {\n"
		   "    local cur=${COMP_WORDS[COMP_CWORD]} i cmd= pos=0\n"
		   "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
		   "        case ${COMP_WORDS[i]} in\n"
		   "            --socket|--timeout");
	/* A command's option takes the next word too. */
	for (i = 0; i < weir_ctl_n_cmds; i++)
		for (a = weir_ctl_cmds[i].args; a->key != NULL; a++)
			if (a->option != NULL)
				fprintf(f, "|--%s", a->option);
	fprintf(f, ") ((i++)) ;;\n"
		   "            -*) ;;\n"
		   "            *) if [ -z \"$cmd\" ]; then cmd=${COMP_WORDS[i]}; else ((pos++)); "
		   "fi ;;\n"
		   "        esac\n"
		   "    done\n"
		   "    if [ -z \"$cmd\" ]; then\n"
		   "        if [[ $cur == -* ]]; then\n"
		   "            COMPREPLY=($(compgen -W '--socket --json --timeout --completion "
		   "--help'"
		   " -- \"$cur\"))\n"
		   "        else\n"
		   "            COMPREPLY=($(compgen -W '");
	for (i = 0; i < weir_ctl_n_cmds; i++)
		fprintf(f, "%s%s", i ? " " : "", weir_ctl_cmds[i].name);
	fprintf(f, "' -- \"$cur\"))\n"
		   "        fi\n"
		   "        return\n"
		   "    fi\n"
		   "    if [[ $cur == -* ]]; then\n"
		   "        case $cmd in\n");
	for (i = 0; i < weir_ctl_n_cmds; i++) {
		int any = 0;

		for (a = weir_ctl_cmds[i].args; a->key != NULL; a++)
			if (a->option != NULL && any++ == 0)
				fprintf(f, "            %s) COMPREPLY=($(compgen -W '",
					weir_ctl_cmds[i].name);
		any = 0;
		for (a = weir_ctl_cmds[i].args; a->key != NULL; a++)
			if (a->option != NULL)
				fprintf(f, "%s--%s", any++ ? " " : "", a->option);
		if (any)
			fprintf(f, "' -- \"$cur\")); return ;;\n");
	}
	fprintf(f, "        esac\n"
		   "    fi\n"
		   "    case $cmd:$pos in\n");
	for (i = 0; i < weir_ctl_n_cmds; i++) {
		const struct weir_ctl_arg *a;
		int pos = 0;

		for (a = weir_ctl_cmds[i].args; a->key != NULL; a++, pos++) {
			const char *p;

			if (a->type != WEIR_CTL_ARG_CHOICE)
				continue;
			fprintf(f, "        %s:%d) COMPREPLY=($(compgen -W '",
				weir_ctl_cmds[i].name, pos);
			for (p = a->choices; *p != '\0'; p++)
				fputc(*p == '|' ? ' ' : *p, f);
			fprintf(f, "' -- \"$cur\")) ;;\n");
		}
	}
	fprintf(f, "        *) COMPREPLY=() ;;\n"
		   "    esac\n"
		   "}\n"
		   "complete -F _weirctl weirctl\n");
}

static long
ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* A connection to the daemon, and what it has sent that was not read yet. */
struct conn {
	const char *path;
	int fd;
	struct timespec deadline;
	double timeout_s;
	char *buf;
	size_t len, cap;
};

/* The refusal of a full server (control/ctl_server.c): worth another try. */
#define REFUSED_FULL "too many admin clients"

static int
conn_open(struct conn *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (strlen(c->path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "weirctl: socket path too long: %s\n", c->path);
		return -1;
	}
	strcpy(sa.sun_path, c->path);
	c->len = 0;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "weirctl: cannot connect to %s: %s (is weir running?)\n", c->path,
			strerror(errno));
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Send one request line and read one answer line on c. */
static json_t *
conn_call(struct conn *c, json_t *req)
{
	size_t len, sent = 0;
	json_error_t jerr;
	char *line, *nl;
	json_t *ans;

	line = json_dumps(req, JSON_COMPACT);
	if (line == NULL) {
		fprintf(stderr, "weirctl: out of memory\n");
		return NULL;
	}
	len = strlen(line);
	line[len++] = '\n'; /* json_dumps left room for the NUL we overwrite */
	while (sent < len) {
		ssize_t n = send(c->fd, line + sent, len - sent, MSG_NOSIGNAL);

		if (n < 0 && errno == EPIPE)
			break; /* refused at once: its one line may be waiting */
		if (n < 0) {
			fprintf(stderr, "weirctl: send to %s: %s\n", c->path, strerror(errno));
			free(line);
			return NULL;
		}
		sent += (size_t)n;
	}
	free(line);
	while ((nl = memchr(c->buf, '\n', c->len)) == NULL) {
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		long left = ms_left(&c->deadline);
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			fprintf(stderr, "weirctl: no answer from %s within %.1f s\n", c->path,
				c->timeout_s);
			return NULL;
		}
		if (c->len + 1 >= c->cap) {
			char *grown = c->cap < MAX_ANSWER ? realloc(c->buf, c->cap * 2) : NULL;

			if (grown == NULL) {
				fprintf(stderr, "weirctl: answer too large\n");
				return NULL;
			}
			c->buf = grown;
			c->cap *= 2;
		}
		n = read(c->fd, c->buf + c->len, c->cap - c->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "weirctl: %s closed the connection without answering\n",
				c->path);
			return NULL;
		}
		c->len += (size_t)n;
	}
	*nl = '\0';
	ans = json_loads(c->buf, 0, &jerr);
	if (ans == NULL)
		fprintf(stderr, "weirctl: unreadable answer: %s\n", jerr.text);
	c->len -= (size_t)(nl + 1 - c->buf);
	memmove(c->buf, nl + 1, c->len);
	return ans;
}

/* Is ans the server's refusal for want of a slot? */
static int
refused_full(json_t *ans)
{
	const char *e = json_string_value(json_object_get(ans, WEIR_CTL_KEY_ERROR));

	return !json_is_true(json_object_get(ans, WEIR_CTL_KEY_OK)) && e != NULL &&
	       strncmp(e, REFUSED_FULL, strlen(REFUSED_FULL)) == 0;
}

/* Connect and send the first request: a server with every slot taken is
 * tried again every 100 ms until the deadline (its slow clients lose their
 * slots after a deadline of their own). */
static json_t *
conn_first(struct conn *c, json_t *req)
{
	json_t *ans;

	for (;;) {
		if (conn_open(c) != 0)
			return NULL;
		ans = conn_call(c, req);
		if (ans == NULL || !refused_full(ans) || ms_left(&c->deadline) <= 100)
			return ans;
		json_decref(ans);
		conn_close(c);
		poll(NULL, 0, 100);
	}
}

static json_t *
build_request(int argc, char **argv)
{
	const struct weir_ctl_cmd *c = weir_ctl_cmd_find(argv[0]);
	char err[256];
	json_t *req;
	unsigned int i;

	if (c == NULL) {
		fprintf(stderr, "weirctl: unknown command '%s' (known:", argv[0]);
		for (i = 0; i < weir_ctl_n_cmds; i++)
			fprintf(stderr, "%s %s", i ? "," : "", weir_ctl_cmds[i].name);
		fprintf(stderr, ")\n");
		return NULL;
	}
	req = json_pack("{s:i, s:s}", WEIR_CTL_KEY_VERSION, WEIR_CTL_VERSION, WEIR_CTL_KEY_CMD,
			c->name);
	if (req != NULL && weir_ctl_cmd_args(c, argc - 1, argv + 1, req, err, sizeof(err)) == 0) {
		const char *file = json_string_value(json_object_get(req, "file"));
		char *abs;

		/* The daemon's working directory is not ours: a FILE of reload
		 * goes as an absolute path (a missing one is the daemon's to say). */
		if (strcmp(c->name, "reload") == 0 && file != NULL && file[0] != '/' &&
		    (abs = realpath(file, NULL)) != NULL) {
			json_object_set_new(req, "file", json_string(abs));
			free(abs);
		}
		return req;
	}
	fprintf(stderr, "weirctl: %s\n", req != NULL ? err : "out of memory");
	json_decref(req);
	return NULL;
}

static void
set_deadline(struct conn *c)
{
	clock_gettime(CLOCK_MONOTONIC, &c->deadline);
	c->deadline.tv_sec += (time_t)c->timeout_s;
	c->deadline.tv_nsec += (long)((c->timeout_s - (double)(time_t)c->timeout_s) * 1e9);
	if (c->deadline.tv_nsec >= 1000000000) {
		c->deadline.tv_sec++;
		c->deadline.tv_nsec -= 1000000000;
	}
}

/* Every page of a paged answer (bans without --limit), on one connection:
 * each asks for the entries after the last one of the page before ("next").
 * The entries go into the first page's answer, which is returned. */
static json_t *
call_pages(struct conn *c, json_t *req, const char *list)
{
	json_t *ans = conn_first(c, req), *res, *page, *pres, *next;

	res = json_object_get(ans, WEIR_CTL_KEY_RESULT);
	while (json_is_true(json_object_get(ans, WEIR_CTL_KEY_OK)) && res != NULL &&
	       json_is_string(next = json_object_get(res, "next"))) {
		json_object_set(req, WEIR_CTL_KEY_AFTER, next);
		set_deadline(c);
		page = conn_call(c, req);
		pres = json_object_get(page, WEIR_CTL_KEY_RESULT);
		if (page == NULL || !json_is_true(json_object_get(page, WEIR_CTL_KEY_OK)) ||
		    pres == NULL) {
			json_decref(ans);
			return page; /* NULL, or the daemon's error */
		}
		json_array_extend(json_object_get(res, list), json_object_get(pres, list));
		json_object_set(res, "next", json_object_get(pres, "next"));
		json_object_set(res, "total", json_object_get(pres, "total"));
		json_object_set(res, "lost", json_object_get(pres, "lost"));
		json_decref(page);
	}
	return ans;
}

/* getopt_long's table: weirctl's options, then every command's (bans'
 * --limit and --after), which are passed on to the command's words. */
#define MAX_OPTS 24

static void
build_options(struct option *opts)
{
	static const struct option global[] = {
		{"socket", required_argument, NULL, 's'},  {"json", no_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
		{"completion", no_argument, NULL, 'C'},
	};
	unsigned int i, j, n = sizeof(global) / sizeof(global[0]);
	const struct weir_ctl_arg *a;

	memcpy(opts, global, sizeof(global));
	for (i = 0; i < weir_ctl_n_cmds; i++)
		for (a = weir_ctl_cmds[i].args; a->key != NULL; a++) {
			if (a->option == NULL)
				continue;
			for (j = 0; j < n; j++)
				if (strcmp(opts[j].name, a->option) == 0)
					break;
			if (j == n && n < MAX_OPTS - 1) {
				opts[n] = (struct option){a->option, required_argument, NULL,
							  256 + (int)n};
				n++;
			}
		}
	opts[n] = (struct option){NULL, 0, NULL, 0};
}

int
main(int argc, char **argv)
{
	struct option opts[MAX_OPTS];
	const char *path = getenv("WEIR_SOCKET"), *cmd;
	char *words[64], optword[MAX_OPTS][64];
	double timeout_s = 5.0;
	int json_out = 0, c, rc = EXIT_FAIL, n_words = 1, n_opt = 0, walk = 0, i;
	json_t *ans, *res, *req;
	struct conn conn;
	char *end;

	build_options(opts);
	if (path == NULL || *path == '\0')
		path = WEIR_CTL_DEFAULT_SOCKET;
	while ((c = getopt_long(argc, argv, "s:jt:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json_out = 1;
			break;
		case 't':
			timeout_s = strtod(optarg, &end);
			if (*end != '\0' || !(timeout_s > 0 && timeout_s <= 3600)) {
				fprintf(stderr,
					"weirctl: --timeout '%s': expected seconds in (0, 3600]\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'C':
			completion(stdout);
			return 0;
		default:
			if (c >= 256 && c < 256 + MAX_OPTS && n_opt + 2 <= 32) {
				/* A command's option: the command checks it, with its words. */
				snprintf(optword[c - 256], sizeof(optword[0]), "--%s",
					 opts[c - 256].name);
				words[1 + n_opt++] = optword[c - 256];
				words[1 + n_opt++] = optarg;
				break;
			}
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "weirctl: missing COMMAND\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	words[0] = argv[optind];
	n_words = 1 + n_opt;
	for (i = optind + 1; i < argc && n_words < 64; i++)
		words[n_words++] = argv[i];
	if (i < argc) {
		fprintf(stderr, "weirctl: too many arguments\n");
		return EXIT_USAGE;
	}
	req = build_request(n_words, words);
	if (req == NULL)
		return EXIT_USAGE;
	conn = (struct conn){.path = path, .fd = -1, .timeout_s = timeout_s, .cap = 65536};
	conn.buf = malloc(conn.cap);
	if (conn.buf == NULL) {
		fprintf(stderr, "weirctl: out of memory\n");
		json_decref(req);
		return EXIT_FAIL;
	}
	set_deadline(&conn);
	/* bans without --limit: every page. */
	walk = strcmp(cmd, "bans") == 0 && json_object_get(req, WEIR_CTL_KEY_LIMIT) == NULL;
	ans = walk ? call_pages(&conn, req, "bans") : conn_first(&conn, req);
	conn_close(&conn);
	free(conn.buf);
	json_decref(req);
	if (ans == NULL)
		return EXIT_FAIL;
	res = json_object_get(ans, WEIR_CTL_KEY_RESULT);
	if (!json_is_true(json_object_get(ans, WEIR_CTL_KEY_OK)) || res == NULL) {
		fprintf(stderr, "weirctl: weir refused '%s': %s\n", cmd,
			gets_(ans, WEIR_CTL_KEY_ERROR));
	} else if (json_out) {
		json_dumpf(res, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		printf("\n");
		rc = 0;
	} else {
		weirctl_print(cmd, res);
		rc = 0;
	}
	json_decref(ans);
	return rc;
}
