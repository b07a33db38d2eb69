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

#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define MAX_ANSWER (64u << 20)

static void
usage(FILE *f)
{
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
		if (c->help != NULL)
			fprintf(f, "           %s\n", c->help);
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

	fprintf(f, "# bash completion for weirctl (weirctl --completion)\n"
		   "_weirctl() {\n"
		   "    local cur=${COMP_WORDS[COMP_CWORD]} i cmd= pos=0\n"
		   "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
		   "        case ${COMP_WORDS[i]} in\n"
		   "            --socket|--timeout) ((i++)) ;;\n"
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

/* Send one request line, read one answer line. Returns the parsed answer. */
static json_t *
call(const char *path, json_t *req, double timeout_s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timespec deadline;
	size_t len = 0, cap = 65536, sent = 0;
	char *buf, *line;
	json_error_t jerr;
	json_t *ans;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "weirctl: socket path too long: %s\n", path);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "weirctl: cannot connect to %s: %s (is weir running?)\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)timeout_s;
	deadline.tv_nsec += (long)((timeout_s - (double)(time_t)timeout_s) * 1e9);
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}

	line = json_dumps(req, JSON_COMPACT);
	buf = malloc(cap);
	if (line == NULL || buf == NULL) {
		fprintf(stderr, "weirctl: out of memory\n");
		goto fail;
	}
	len = strlen(line);
	line[len++] = '\n'; /* json_dumps left room for the NUL we overwrite */
	while (sent < len) {
		ssize_t n = send(fd, line + sent, len - sent, MSG_NOSIGNAL);

		if (n < 0) {
			fprintf(stderr, "weirctl: send to %s: %s\n", path, strerror(errno));
			goto fail;
		}
		sent += (size_t)n;
	}
	len = 0;
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long left = ms_left(&deadline);
		ssize_t n;
		char *nl;

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			fprintf(stderr, "weirctl: no answer from %s within %.1f s\n", path,
				timeout_s);
			goto fail;
		}
		if (len + 1 >= cap) {
			char *grown = cap < MAX_ANSWER ? realloc(buf, cap * 2) : NULL;

			if (grown == NULL) {
				fprintf(stderr, "weirctl: answer too large\n");
				goto fail;
			}
			buf = grown;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "weirctl: %s closed the connection without answering\n",
				path);
			goto fail;
		}
		len += (size_t)n;
		buf[len] = '\0';
		nl = memchr(buf, '\n', len);
		if (nl != NULL) {
			*nl = '\0';
			break;
		}
	}
	ans = json_loads(buf, 0, &jerr);
	if (ans == NULL)
		fprintf(stderr, "weirctl: unreadable answer: %s\n", jerr.text);
	free(line);
	free(buf);
	close(fd);
	return ans;
fail:
	free(line);
	free(buf);
	close(fd);
	return NULL;
}

static json_int_t
geti(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *
gets_(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "-";
}

static void
print_status(json_t *r)
{
	json_t *lc, *v;
	size_t i;

	printf("version      %s (protocol %lld)\n", gets_(r, "version"), geti(r, "protocol"));
	printf("pid          %lld\n", geti(r, "pid"));
	printf("uptime       %lld s\n", geti(r, "uptime_s"));
	printf("config       %s\n", gets_(r, "config"));
	printf("socket       %s\n", gets_(r, "socket"));
	printf("main lcore   %lld\n", geti(r, "main_lcore"));
	printf("workers      %lld (lcores", geti(r, "workers"));
	lc = json_object_get(r, "worker_lcores");
	json_array_foreach(lc, i, v) printf(" %lld", json_integer_value(v));
	printf(")\nports        %lld\n", geti(r, "ports"));
}

/* A counter's value in a worker (or the total) as text. */
static void
counter_text(json_t *o, json_t *desc, char *buf, size_t len)
{
	json_t *v = json_object_get(o, gets_(desc, "name"));

	if (json_is_real(v))
		snprintf(buf, len, "%.1f", json_real_value(v));
	else
		snprintf(buf, len, "%lld", json_integer_value(v));
}

/* One table of counters: the daemon says which counters go in which table
 * ("counters", "tables"), so a new counter shows up here by itself. */
static int
print_table(json_t *r, json_t *t, int first)
{
	json_t *workers = json_object_get(r, "workers"), *total = json_object_get(r, "total");
	json_t *cols[64], *d, *w;
	const char *name = gets_(t, "name");
	int width[64], any = json_is_true(json_object_get(t, "always"));
	unsigned int n = 0, k;
	size_t i;
	char v[32];

	json_array_foreach(json_object_get(r, "counters"), i,
			   d) if (strcmp(gets_(d, "table"), name) == 0 && n < 64) cols[n++] = d;
	for (k = 0; k < n; k++) {
		json_t *label = json_object_get(cols[k], "label");

		width[k] = (int)strlen(json_is_string(label) ? json_string_value(label)
							     : gets_(cols[k], "name"));
		if (width[k] < 10)
			width[k] = 10;
		json_array_foreach(workers, i, w)
		{
			json_t *x = json_object_get(w, gets_(cols[k], "name"));

			any |= json_is_real(x) ? json_real_value(x) != 0
					       : json_integer_value(x) != 0;
		}
		counter_text(total, cols[k], v, sizeof(v));
		if ((int)strlen(v) > width[k])
			width[k] = (int)strlen(v);
	}
	if (n == 0 || !any)
		return 0;
	printf("%s%-8s", first ? "" : "\n", "worker");
	for (k = 0; k < n; k++) {
		json_t *label = json_object_get(cols[k], "label");

		printf(" %*s", width[k],
		       json_is_string(label) ? json_string_value(label) : gets_(cols[k], "name"));
	}
	printf("\n");
	json_array_foreach(workers, i, w)
	{
		printf("%-8lld", geti(w, "id"));
		for (k = 0; k < n; k++) {
			counter_text(w, cols[k], v, sizeof(v));
			printf(" %*s", width[k], v);
		}
		printf("\n");
	}
	printf("%-8s", "total");
	for (k = 0; k < n; k++) {
		counter_text(total, cols[k], v, sizeof(v));
		printf(" %*s", width[k], v);
	}
	printf("\n");
	return 1;
}

static void
print_stats(json_t *r)
{
	json_t *total = json_object_get(r, "total"), *t, *w, *drops, *v;
	const char *k;
	size_t i;
	int any = 0, shown = 0;

	json_array_foreach(json_object_get(r, "tables"), i, t) shown +=
		print_table(r, t, shown == 0);

	printf("\ndrops by reason\n");
	drops = json_object_get(total, "drops");
	json_object_foreach(drops, k, v)
	{
		if (json_integer_value(v) == 0)
			continue;
		printf("  %-24s %14lld\n", k, json_integer_value(v));
		any = 1;
	}
	if (!any)
		printf("  (none)\n");

	printf("\n%-12s %14s %14s %10s %10s %10s %10s\n", "port", "ipackets", "opackets", "imissed",
	       "ierrors", "oerrors", "rx_nombuf");
	json_array_foreach(json_object_get(r, "ports"), i, w)
		printf("%-12s %14lld %14lld %10lld %10lld %10lld %10lld\n", gets_(w, "name"),
		       geti(w, "ipackets"), geti(w, "opackets"), geti(w, "imissed"),
		       geti(w, "ierrors"), geti(w, "oerrors"), geti(w, "rx_nombuf"));
}

static void
print_bucket(const char *what, json_t *b)
{
	printf("%lld %s per %lld s per source, burst %lld", geti(b, "rate"), what, geti(b, "per_s"),
	       geti(b, "burst"));
}

/* "3 new connections per 1 s per source, burst 3, then rst; IPv6 per /64". */
static void
print_limits(const char *head, json_t *l)
{
	json_t *b;
	int n = 0;

	printf("%s", head);
	if ((b = json_object_get(l, "new_conns")) != NULL) {
		print_bucket("new connections", b);
		n++;
	}
	if ((b = json_object_get(l, "packets")) != NULL) {
		printf("%s", n++ ? "; " : "");
		print_bucket("packets", b);
	}
	if ((b = json_object_get(l, "concurrent")) != NULL)
		printf("%s%lld open connections per source", n++ ? "; " : "",
		       json_integer_value(b));
	printf(", then %s%s; IPv6 per /%lld", gets_(l, "action"),
	       json_is_true(json_object_get(l, "dry_run")) ? " (dry run)" : "",
	       geti(l, "ipv6_prefix"));
	if ((b = json_object_get(l, "ban")) != NULL)
		printf("; ban after %lld refusals: %lld s, x%lld per repeat within %lld s, at most "
		       "%lld s, %s",
		       geti(b, "after"), geti(b, "first_s"), geti(b, "factor"), geti(b, "decay_s"),
		       geti(b, "max_s"),
		       strcmp(gets_(b, "scope"), "service") == 0
			       ? "from this service only"
			       : "from every service if the source is proven (else this one, "
				 "first_s "
				 "each time)");
}

static void
print_services(json_t *r)
{
	json_t *s, *b, *a;
	size_t i, j;

	json_array_foreach(json_object_get(r, "services"), i, s)
	{
		json_t *t = json_object_get(s, "timeouts");

		printf("%s  %s:%lld/%s  %s%s  %s  pool %s  out %s  local", gets_(s, "name"),
		       gets_(s, "vip"), geti(s, "port"), gets_(s, "protocol"),
		       gets_(s, "scheduler"),
		       strcmp(gets_(s, "sticky"), "source") == 0 ? " (sticky source)" : "",
		       gets_(s, "forwarding"), gets_(s, "pool"), gets_(s, "port_out"));
		json_array_foreach(json_object_get(s, "local_ips"), j, a)
			printf(" %s", json_string_value(a));
		printf("\n  timeouts s: syn %lld, established %lld, fin %lld, closed %lld, udp "
		       "%lld",
		       geti(t, "syn"), geti(t, "established"), geti(t, "fin"), geti(t, "closed"),
		       geti(t, "udp"));
		if (geti(s, "mss_clamp"))
			printf("; mss clamp %lld", geti(s, "mss_clamp"));
		if (json_object_get(s, "limits") != NULL)
			print_limits("\n  limits: ", json_object_get(s, "limits"));
		{
			json_t *sp = json_object_get(s, "synproxy");

			if (sp != NULL) {
				printf("\n  synproxy: SYN cookies ");
				if (strcmp(gets_(sp, "cookies"), "under pressure") == 0)
					printf("only when local ports or connection entries run "
					       "short");
				else if (geti(sp, "syn_rate"))
					printf("above %lld SYN/s per worker, or when local ports "
					       "or "
					       "connection entries run short",
					       geti(sp, "syn_rate"));
				else
					printf("always");
				printf("; MSS %lld, wscale %lld, secret %s", geti(sp, "mss"),
				       geti(sp, "wscale"), gets_(sp, "secret"));
			}
		}
		printf("\n  %-28s %6s %7s %9s %-17s %-8s %12s %10s %10s\n", "backend", "weight",
		       "enabled", "effective", "mac", "dc", "conns_total", "active", "hs_failed");
		json_array_foreach(json_object_get(s, "backends"), j, b)
		{
			char addr[64];
			const char *ip = gets_(b, "address");

			snprintf(addr, sizeof(addr), strchr(ip, ':') ? "[%s]:%lld" : "%s:%lld", ip,
				 geti(b, "port"));
			printf("  %-28s %6lld %7s %9lld %-17s %-8s %12lld %10lld %10lld\n", addr,
			       geti(b, "weight"),
			       json_is_true(json_object_get(b, "enabled")) ? "yes" : "no",
			       geti(b, "effective_weight"), gets_(b, "mac"),
			       *gets_(b, "datacenter") ? gets_(b, "datacenter") : "-",
			       geti(b, "conns_total"), geti(b, "conns_active"),
			       geti(b, "handshake_failures"));
		}
		printf("\n");
	}
	if (json_array_size(json_object_get(r, "services")) == 0)
		printf("(no services configured)\n");
	if (json_object_get(r, "limits") != NULL) {
		print_limits("global limits (every service together): ",
			     json_object_get(r, "limits"));
		printf("\n");
	}
}

static void
print_acl(json_t *r)
{
	json_t *e;
	size_t i;

	printf("%-44s %-6s %s\n", "prefix", "action", "origin");
	json_array_foreach(json_object_get(r, "rules"), i, e) printf(
		"%-44s %-6s %s\n", gets_(e, "prefix"), gets_(e, "action"), gets_(e, "origin"));
	if (json_array_size(json_object_get(r, "rules")) == 0)
		printf("(no prefixes: every source is subject to the limits)\n");
}

static void
print_bans(json_t *r)
{
	json_t *b;
	size_t i;

	printf("%-44s %-16s %12s %12s %6s %-7s %s\n", "source", "scope", "remaining_s",
	       "duration_s", "times", "proven", "by");
	json_array_foreach(json_object_get(r, "bans"), i, b) printf(
		"%-44s %-16s %12lld %12lld %6lld %-7s %s\n", gets_(b, "source"), gets_(b, "scope"),
		geti(b, "remaining_s"), geti(b, "duration_s"), geti(b, "times"),
		json_is_true(json_object_get(b, "proven")) ? "yes" : "no", gets_(b, "by"));
	if (json_array_size(json_object_get(r, "bans")) == 0)
		printf("(no bans)\n");
	if (geti(r, "lost") != 0)
		printf("%lld ban reports lost (ban list full)\n", geti(r, "lost"));
}

static void
print_top(json_t *r)
{
	json_t *e;
	size_t i;

	printf("%-44s %14s %10s %s\n", "source", "refused", "error", "banned");
	json_array_foreach(json_object_get(r, "top"), i, e)
		printf("%-44s %14lld %10lld %s\n", gets_(e, "source"), geti(e, "refused"),
		       geti(e, "error"), json_is_true(json_object_get(e, "banned")) ? "yes" : "no");
	if (json_array_size(json_object_get(r, "top")) == 0)
		printf("(no source refused)\n");
}

static void
print_backend(json_t *r)
{
	json_t *v;
	size_t i;

	printf("pool %s backend %s: %s, weight %lld, %s; services:", gets_(r, "pool"),
	       gets_(r, "backend"), gets_(r, "action"), geti(r, "weight"),
	       json_is_true(json_object_get(r, "enabled")) ? "enabled" : "disabled");
	json_array_foreach(json_object_get(r, "services"), i, v)
		printf(" %s", json_string_value(v));
	printf("\n");
}

/* The request for COMMAND [ARGS], or NULL (message printed) on a bad command line. */
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
	if (req != NULL && weir_ctl_cmd_args(c, argc - 1, argv + 1, req, err, sizeof(err)) == 0)
		return req;
	fprintf(stderr, "weirctl: %s\n", req != NULL ? err : "out of memory");
	json_decref(req);
	return NULL;
}

static void
print_ports(json_t *r)
{
	json_t *p, *a;
	size_t i, j;

	printf("%-10s %-4s %-14s %-17s %-5s %-4s %-4s %-9s %s\n", "name", "id", "driver", "mac",
	       "link", "rxq", "txq", "steering", "addresses");
	json_array_foreach(json_object_get(r, "ports"), i, p)
	{
		printf("%-10s %-4lld %-14s %-17s %-5s %-4lld %-4lld %-9s", gets_(p, "name"),
		       geti(p, "port_id"), gets_(p, "driver"), gets_(p, "mac"),
		       json_is_true(json_object_get(p, "link_up")) ? "up" : "down",
		       geti(p, "rx_queues"), geti(p, "tx_queues"), gets_(p, "steering"));
		json_array_foreach(json_object_get(p, "addresses"), j, a)
			printf(" %s", json_string_value(a));
		printf("\n             devargs %s\n", gets_(p, "devargs"));
	}
	printf("\nVIPs:");
	json_array_foreach(json_object_get(r, "vips"), j, a) printf(" %s", json_string_value(a));
	printf("\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},  {"json", no_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
		{"completion", no_argument, NULL, 'C'},	   {NULL, 0, NULL, 0},
	};
	const char *path = getenv("WEIR_SOCKET"), *cmd;
	double timeout_s = 5.0;
	int json_out = 0, c, rc = EXIT_FAIL;
	json_t *ans, *res, *req;
	char *end;

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
	req = build_request(argc - optind, argv + optind);
	if (req == NULL)
		return EXIT_USAGE;
	ans = call(path, req, timeout_s);
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
		if (strcmp(cmd, "status") == 0)
			print_status(res);
		else if (strcmp(cmd, "stats") == 0)
			print_stats(res);
		else if (strcmp(cmd, "services") == 0)
			print_services(res);
		else if (strcmp(cmd, "backend") == 0)
			print_backend(res);
		else if (strcmp(cmd, "acl") == 0)
			print_acl(res);
		else if (strcmp(cmd, "bans") == 0)
			print_bans(res);
		else if (strcmp(cmd, "top") == 0)
			print_top(res);
		else if (strcmp(cmd, "block") == 0 || strcmp(cmd, "allow") == 0)
			printf("%s: %s\n", gets_(res, "prefix"), gets_(res, "action"));
		else if (strcmp(cmd, "unblock") == 0)
			printf("%s: removed (was %s)\n", gets_(res, "prefix"),
			       gets_(res, "removed"));
		else if (strcmp(cmd, "ban") == 0)
			printf("%s: banned for %lld s (ban %lld)\n", gets_(res, "source"),
			       geti(res, "remaining_s"), geti(res, "times"));
		else if (strcmp(cmd, "unban") == 0)
			printf("%s: unbanned\n", gets_(res, "source"));
		else
			print_ports(res);
		rc = 0;
	}
	json_decref(ans);
	return rc;
}
