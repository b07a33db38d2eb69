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
	printf("config       %s", gets_(r, "config"));
	if ((v = json_object_get(r, "config_load")) != NULL) {
		time_t t = (time_t)geti(v, "loaded_at");
		char when[32] = "";

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
		printf(" (generation %lld, loaded %s)", geti(v, "generation"), when);
	}
	printf("\n");
	printf("socket       %s\n", gets_(r, "socket"));
	printf("main lcore   %lld\n", geti(r, "main_lcore"));
	printf("workers      %lld (lcores", geti(r, "workers"));
	lc = json_object_get(r, "worker_lcores");
	json_array_foreach(lc, i, v) printf(" %lld", json_integer_value(v));
	printf(")\nports        %lld\n", geti(r, "ports"));
	if ((v = json_object_get(r, "admin")) != NULL)
		printf("admin        %lld of %lld clients (%lld kept for root, %lld per other "
		       "user); refused %lld, closed: late request %lld, idle %lld\n",
		       geti(v, "clients"), geti(v, "max_clients"), geti(v, "root_reserve"),
		       geti(v, "per_uid_max"), geti(v, "refused"), geti(v, "deadline_closed"),
		       geti(v, "idle_closed"));
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

/* A backend's health in a few words: "up", "down", "ejected 4.2s", "trial". */
static void
health_word(json_t *h, char *out, size_t len)
{
	const char *brk = gets_(h, "breaker");

	if (h == NULL)
		snprintf(out, len, "-");
	else if (strcmp(gets_(h, "state"), "down") == 0)
		snprintf(out, len, "down");
	else if (strcmp(brk, "open") == 0)
		snprintf(out, len, "ejected %.1fs", (double)geti(h, "ejected_ms_left") / 1000);
	else if (strcmp(brk, "half-open") == 0)
		snprintf(out, len, "trial");
	else
		snprintf(out, len, "up");
}

/* The backends table of services and backends. */
static void
print_backend_rows(json_t *backends)
{
	json_t *b;
	size_t j;

	printf("  %-28s %6s %7s %9s %-17s %-8s %-13s %-16s %5s %12s %10s %10s\n", "backend",
	       "weight", "enabled", "effective", "mac", "dc", "health", "last probe", "ejct",
	       "conns_total", "active", "hs_failed");
	json_array_foreach(backends, j, b)
	{
		json_t *h = json_object_get(b, "health"), *pr = json_object_get(h, "probe");
		char addr[64], hw[32], probe[32] = "-";
		const char *ip = gets_(b, "address");

		snprintf(addr, sizeof(addr), strchr(ip, ':') ? "[%s]:%lld" : "%s:%lld", ip,
			 geti(b, "port"));
		health_word(h, hw, sizeof(hw));
		if (pr != NULL && json_is_string(json_object_get(pr, "last"))) {
			if (strcmp(gets_(pr, "last"), "ok") == 0)
				snprintf(probe, sizeof(probe), "ok %.2fms",
					 (double)geti(pr, "latency_us") / 1000);
			else
				snprintf(probe, sizeof(probe), "%s", gets_(pr, "last"));
		}
		printf("  %-28s %6lld %7s %9lld %-17s %-8s %-13s %-16s %5lld %12lld %10lld "
		       "%10lld\n",
		       addr, geti(b, "weight"),
		       json_is_true(json_object_get(b, "enabled")) ? "yes" : "no",
		       geti(b, "effective_weight"), gets_(b, "mac"),
		       *gets_(b, "datacenter") ? gets_(b, "datacenter") : "-", hw, probe,
		       geti(h, "ejections"), geti(b, "conns_total"), geti(b, "conns_active"),
		       geti(b, "handshake_failures"));
	}
}

/* A pool's health settings, one line each. */
static void
print_pool_health(json_t *ph)
{
	json_t *h = json_object_get(ph, "health"), *o = json_object_get(ph, "outlier");

	if (h != NULL)
		printf("  health: %s every %lld ms, timeout %lld ms, rise %lld, fall %lld%s%s%s\n",
		       gets_(h, "type"), geti(h, "interval_ms"), geti(h, "timeout_ms"),
		       geti(h, "rise"), geti(h, "fall"),
		       strcmp(gets_(h, "type"), "http") == 0 ? "; " : "",
		       strcmp(gets_(h, "type"), "http") == 0 ? gets_(h, "method") : "",
		       strcmp(gets_(h, "type"), "http") == 0 ? " request" : "");
	else
		printf("  health: no active checks\n");
	if (geti(o, "consecutive_failures"))
		printf("  outlier: eject after %lld failed handshakes in a row, %lld ms (doubling, "
		       "at most %lld ms), at most %lld%% of the pool, %lld trials; %lld "
		       "ejections refused by the cap\n",
		       geti(o, "consecutive_failures"), geti(o, "base_ejection_ms"),
		       geti(o, "max_ejection_ms"), geti(o, "max_ejection_percent"),
		       geti(o, "half_open_trials"), geti(ph, "refused_ejections"));
	else
		printf("  outlier: no ejection\n");
}

static void
print_backends(json_t *r)
{
	json_t *v;
	size_t i;

	printf("pool %s  services", gets_(r, "pool"));
	json_array_foreach(json_object_get(r, "services"), i, v)
		printf(" %s", json_string_value(v));
	printf("\n");
	print_pool_health(json_object_get(r, "health"));
	print_backend_rows(json_object_get(r, "backends"));
}

static void
print_reload(json_t *r)
{
	json_t *v;
	size_t i;

	printf("reloaded %s: generation %lld, ", gets_(r, "config"), geti(r, "generation"));
	if (json_array_size(json_object_get(r, "changed")) == 0)
		printf("nothing changed\n");
	else
		printf("changed:\n");
	json_array_foreach(json_object_get(r, "changed"), i, v)
		printf("  %s\n", json_string_value(v));
}

static void
print_services(json_t *r)
{
	json_t *s, *a;
	size_t i, j;

	json_array_foreach(json_object_get(r, "services"), i, s)
	{
		json_t *t = json_object_get(s, "timeouts");

		printf("%s%s  %s:%lld/%s  %s%s  %s  pool %s  out %s  local", gets_(s, "name"),
		       json_is_true(json_object_get(s, "removed"))
			       ? " (removed: no new connections)"
			       : "",
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
		printf("\n");
		if (json_object_get(s, "pool_health") != NULL)
			print_pool_health(json_object_get(s, "pool_health"));
		print_backend_rows(json_object_get(s, "backends"));
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
	if (json_is_string(json_object_get(r, "next")))
		printf("%zu of %lld shown; next page: --after %s\n",
		       json_array_size(json_object_get(r, "bans")), geti(r, "total"),
		       gets_(r, "next"));
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

	if (json_object_get(r, "result") != NULL) {
		/* backend check */
		printf("probe %s", gets_(r, "result"));
		if (geti(r, "status"))
			printf(", status %lld", geti(r, "status"));
		if (json_is_true(json_object_get(r, "ok")))
			printf(", %.2f ms", (double)geti(r, "latency_us") / 1000);
		printf("; backend %s\n",
		       json_is_true(json_object_get(json_object_get(r, "health"), "serving"))
			       ? "takes new connections"
			       : "takes no new connections");
		return;
	}

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
		if (strcmp(cmd, "status") == 0)
			print_status(res);
		else if (strcmp(cmd, "stats") == 0)
			print_stats(res);
		else if (strcmp(cmd, "services") == 0)
			print_services(res);
		else if (strcmp(cmd, "backend") == 0)
			print_backend(res);
		else if (strcmp(cmd, "backends") == 0)
			print_backends(res);
		else if (strcmp(cmd, "reload") == 0)
			print_reload(res);
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
