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

#include "weir_ctl_proto.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define MAX_ANSWER (64u << 20)

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: weirctl [--socket PATH] [--json] [--timeout SECONDS] COMMAND [ARGS]\n"
		"\n"
		"Talk to a running weir daemon over its admin socket.\n"
		"\n"
		"Commands:\n"
		"  status   version, uptime, config source, workers and ports\n"
		"  stats    per-worker rx/tx/steering counters, drops by reason, port counters\n"
		"  ports    ports with driver, MAC, link, queues, steering and addresses; VIPs\n"
		"  services services with their backends: weight, state, next-hop MAC,\n"
		"           connections opened and active\n"
		"  backend disable|enable POOL ADDRESS:PORT\n"
		"  backend weight POOL ADDRESS:PORT WEIGHT\n"
		"           change a backend for new connections (established ones stay);\n"
		"           weight 0 or disable drains it. IPv6 as [ADDRESS]:PORT\n"
		"  acl      allow/deny prefixes in force (from the config and from weirctl)\n"
		"  block PREFIX | allow PREFIX | unblock PREFIX\n"
		"           deny or allow a source prefix (ADDRESS/LENGTH) from now on, or\n"
		"           remove a prefix from either list; the longest prefix decides\n"
		"  ban ADDRESS [SECONDS]\n"
		"           refuse everything from a source for SECONDS (default 300):\n"
		"           an IPv4 address, or an IPv6 prefix (ADDRESS/LENGTH, default /64)\n"
		"  unban ADDRESS\n"
		"           lift a ban (weirctl's or one earned under limits.ban)\n"
		"  bans     sources banned now: time left, length, times banned, by what\n"
		"  top [N]  the N (default 10) sources refused most (limits and bans),\n"
		"           merged over the workers; counts may over-estimate by 'error'\n"
		"\n"
		"Options:\n"
		"  --socket PATH    admin socket (default %s, or $WEIR_SOCKET)\n"
		"  --json           print the daemon's JSON answer (the \"result\" object)\n"
		"  --timeout SECS   give up after this long (default 5)\n"
		"  --help           this text\n"
		"\n"
		"Exit status: 0 on success, 1 if the daemon cannot be reached or refuses,\n"
		"2 on a bad command line.\n",
		WEIR_CTL_DEFAULT_SOCKET);
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
	json_array_foreach(lc, i, v)
		printf(" %lld", json_integer_value(v));
	printf(")\nports        %lld\n", geti(r, "ports"));
}

static void
print_stats(json_t *r)
{
	json_t *workers = json_object_get(r, "workers"), *total = json_object_get(r, "total");
	json_t *w, *drops, *v;
	const char *k;
	size_t i;
	int any = 0;

	printf("%-8s %-6s %14s %14s %12s %12s %12s\n", "worker", "lcore", "rx", "tx",
	       "steered_out", "steered_in", "dropped");
	json_array_foreach(workers, i, w)
		printf("%-8lld %-6lld %14lld %14lld %12lld %12lld %12lld\n", geti(w, "id"),
		       geti(w, "lcore"), geti(w, "rx"), geti(w, "tx"), geti(w, "steered_out"),
		       geti(w, "steered_in"), geti(w, "dropped"));
	printf("%-8s %-6s %14lld %14lld %12lld %12lld %12lld\n", "total", "", geti(total, "rx"),
	       geti(total, "tx"), geti(total, "steered_out"), geti(total, "steered_in"),
	       geti(total, "dropped"));

	printf("\n%-8s %10s %12s %12s %11s %14s %14s %10s\n", "worker", "conns", "conn_new",
	       "conn_expired", "conn_reused", "to_backend", "to_client", "cyc/pkt");
	json_array_foreach(workers, i, w)
		printf("%-8lld %10lld %12lld %12lld %11lld %14lld %14lld %10.1f\n", geti(w, "id"),
		       geti(w, "conns"), geti(w, "conn_new"), geti(w, "conn_expired"),
		       geti(w, "conn_reused"), geti(w, "to_backend"), geti(w, "to_client"),
		       json_real_value(json_object_get(w, "cycles_per_pkt")));

	/* Per-source limits, when some service has them. */
	any = 0;
	json_array_foreach(workers, i, w)
		any |= geti(w, "sources") != 0 || geti(w, "rl_denied") != 0;
	if (any) {
		printf("\n%-8s %10s %12s %12s %10s %10s %8s\n", "worker", "sources", "rl_admitted",
		       "rl_denied", "rl_rst", "rl_dry_run", "bans");
		json_array_foreach(workers, i, w)
			printf("%-8lld %10lld %12lld %12lld %10lld %10lld %8lld\n", geti(w, "id"),
			       geti(w, "sources"), geti(w, "rl_admitted"), geti(w, "rl_denied"),
			       geti(w, "rl_rst"), geti(w, "rl_dry_run"), geti(w, "ban_reports"));
		any = 0;
	}

	/* SYN cookies, when some service has used them. */
	json_array_foreach(workers, i, w)
		any |= geti(w, "syn_cookies_sent") != 0 || geti(w, "syn_cookies_bad") != 0;
	if (any) {
		/* early_*: client segments held during backend handshakes. */
		printf("\n%-8s %16s %16s %16s %10s %10s %11s %10s\n", "worker", "syn_cookies_sent",
		       "syn_cookies_ok", "syn_cookies_bad", "early_held", "early_sent", "early_freed",
		       "early_full");
		json_array_foreach(workers, i, w)
			printf("%-8lld %16lld %16lld %16lld %10lld %10lld %11lld %10lld\n",
			       geti(w, "id"), geti(w, "syn_cookies_sent"), geti(w, "syn_cookies_ok"),
			       geti(w, "syn_cookies_bad"), geti(w, "syn_early_held"),
			       geti(w, "syn_early_sent"), geti(w, "syn_early_freed"),
			       geti(w, "syn_early_full"));
		any = 0;
	}

	printf("\ndrops by reason\n");
	drops = json_object_get(total, "drops");
	json_object_foreach(drops, k, v) {
		if (json_integer_value(v) == 0)
			continue;
		printf("  %-24s %14lld\n", k, json_integer_value(v));
		any = 1;
	}
	if (!any)
		printf("  (none)\n");

	printf("\n%-12s %14s %14s %10s %10s %10s %10s\n", "port", "ipackets", "opackets",
	       "imissed", "ierrors", "oerrors", "rx_nombuf");
	json_array_foreach(json_object_get(r, "ports"), i, w)
		printf("%-12s %14lld %14lld %10lld %10lld %10lld %10lld\n", gets_(w, "name"),
		       geti(w, "ipackets"), geti(w, "opackets"), geti(w, "imissed"),
		       geti(w, "ierrors"), geti(w, "oerrors"), geti(w, "rx_nombuf"));
}

static void
print_bucket(const char *what, json_t *b)
{
	printf("%lld %s per %lld s per source, burst %lld", geti(b, "rate"), what,
	       geti(b, "per_s"), geti(b, "burst"));
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
		       "%lld s",
		       geti(b, "after"), geti(b, "first_s"), geti(b, "factor"), geti(b, "decay_s"),
		       geti(b, "max_s"));
}

static void
print_services(json_t *r)
{
	json_t *s, *b, *a;
	size_t i, j;

	json_array_foreach(json_object_get(r, "services"), i, s) {
		json_t *t = json_object_get(s, "timeouts");

		printf("%s  %s:%lld/%s  %s%s  %s  pool %s  out %s  local",
		       gets_(s, "name"), gets_(s, "vip"), geti(s, "port"), gets_(s, "protocol"),
		       gets_(s, "scheduler"),
		       strcmp(gets_(s, "sticky"), "source") == 0 ? " (sticky source)" : "",
		       gets_(s, "forwarding"), gets_(s, "pool"), gets_(s, "port_out"));
		json_array_foreach(json_object_get(s, "local_ips"), j, a)
			printf(" %s", json_string_value(a));
		printf("\n  timeouts s: syn %lld, established %lld, fin %lld, closed %lld, udp %lld",
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
				if (geti(sp, "syn_rate"))
					printf("above %lld SYN/s per worker or with the table full",
					       geti(sp, "syn_rate"));
				else
					printf("always");
				printf("; MSS %lld, wscale %lld, secret %s", geti(sp, "mss"),
				       geti(sp, "wscale"), gets_(sp, "secret"));
			}
		}
		printf("\n  %-28s %6s %7s %9s %-17s %-8s %12s %10s %10s\n", "backend", "weight",
		       "enabled", "effective", "mac", "dc", "conns_total", "active", "hs_failed");
		json_array_foreach(json_object_get(s, "backends"), j, b) {
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
	json_array_foreach(json_object_get(r, "rules"), i, e)
		printf("%-44s %-6s %s\n", gets_(e, "prefix"), gets_(e, "action"), gets_(e, "origin"));
	if (json_array_size(json_object_get(r, "rules")) == 0)
		printf("(no prefixes: every source is subject to the limits)\n");
}

static void
print_bans(json_t *r)
{
	json_t *b;
	size_t i;

	printf("%-44s %12s %12s %6s %s\n", "source", "remaining_s", "duration_s", "times", "by");
	json_array_foreach(json_object_get(r, "bans"), i, b)
		printf("%-44s %12lld %12lld %6lld %s\n", gets_(b, "source"), geti(b, "remaining_s"),
		       geti(b, "duration_s"), geti(b, "times"), gets_(b, "by"));
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
	const char *cmd = argv[0];
	json_t *req = json_pack("{s:i, s:s}", WEIR_CTL_KEY_VERSION, WEIR_CTL_VERSION,
				WEIR_CTL_KEY_CMD, cmd);

	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "stats") == 0 ||
	    strcmp(cmd, "ports") == 0 || strcmp(cmd, "services") == 0) {
		if (argc == 1)
			return req;
		fprintf(stderr, "weirctl: '%s' takes no arguments\n", cmd);
	} else if (strcmp(cmd, "backend") == 0) {
		char *end;
		long w;

		if (argc == 4 && (strcmp(argv[1], "disable") == 0 || strcmp(argv[1], "enable") == 0)) {
			json_object_set_new(req, "action", json_string(argv[1]));
			json_object_set_new(req, "pool", json_string(argv[2]));
			json_object_set_new(req, "backend", json_string(argv[3]));
			return req;
		}
		if (argc == 5 && strcmp(argv[1], "weight") == 0) {
			errno = 0;
			w = strtol(argv[4], &end, 10);
			if (*argv[4] != '\0' && *end == '\0' && errno == 0 && w >= 0 && w <= 65535) {
				json_object_set_new(req, "action", json_string("weight"));
				json_object_set_new(req, "pool", json_string(argv[2]));
				json_object_set_new(req, "backend", json_string(argv[3]));
				json_object_set_new(req, "weight", json_integer(w));
				return req;
			}
			fprintf(stderr, "weirctl: backend weight '%s': expected an integer in [0, 65535]\n",
				argv[4]);
		} else {
			fprintf(stderr, "weirctl: usage: backend disable|enable POOL ADDRESS:PORT, "
					"or backend weight POOL ADDRESS:PORT WEIGHT\n");
		}
	} else if (strcmp(cmd, "acl") == 0 || strcmp(cmd, "bans") == 0) {
		if (argc == 1)
			return req;
		fprintf(stderr, "weirctl: '%s' takes no arguments\n", cmd);
	} else if (strcmp(cmd, "block") == 0 || strcmp(cmd, "allow") == 0 ||
		   strcmp(cmd, "unblock") == 0) {
		if (argc == 2) {
			json_object_set_new(req, "prefix", json_string(argv[1]));
			return req;
		}
		fprintf(stderr, "weirctl: usage: %s ADDRESS/LENGTH\n", cmd);
	} else if (strcmp(cmd, "ban") == 0 || strcmp(cmd, "unban") == 0) {
		char *end;
		long v;

		if (argc == 2 || (argc == 3 && strcmp(cmd, "ban") == 0)) {
			json_object_set_new(req, "address", json_string(argv[1]));
			if (argc == 2)
				return req;
			errno = 0;
			v = strtol(argv[2], &end, 10);
			if (*argv[2] != '\0' && *end == '\0' && errno == 0 && v >= 1 &&
			    v <= 31536000) {
				json_object_set_new(req, "seconds", json_integer(v));
				return req;
			}
			fprintf(stderr, "weirctl: ban SECONDS '%s': expected an integer in [1, "
					"31536000]\n",
				argv[2]);
		} else {
			fprintf(stderr, "weirctl: usage: %s\n",
				strcmp(cmd, "ban") == 0 ? "ban ADDRESS[/LENGTH] [SECONDS]"
							: "unban ADDRESS[/LENGTH]");
		}
	} else if (strcmp(cmd, "top") == 0) {
		char *end;
		long v;

		if (argc == 1)
			return req;
		errno = 0;
		v = strtol(argv[1], &end, 10);
		if (argc == 2 && *argv[1] != '\0' && *end == '\0' && errno == 0 && v >= 1 &&
		    v <= 1000) {
			json_object_set_new(req, "n", json_integer(v));
			return req;
		}
		fprintf(stderr, "weirctl: usage: top [N], N in [1, 1000]\n");
	} else {
		fprintf(stderr,
			"weirctl: unknown command '%s' (known: status, stats, ports, services, "
			"backend, acl, block, allow, unblock, ban, unban, bans, top)\n",
			cmd);
	}
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
	json_array_foreach(json_object_get(r, "ports"), i, p) {
		printf("%-10s %-4lld %-14s %-17s %-5s %-4lld %-4lld %-9s", gets_(p, "name"),
		       geti(p, "port_id"), gets_(p, "driver"), gets_(p, "mac"),
		       json_is_true(json_object_get(p, "link_up")) ? "up" : "down",
		       geti(p, "rx_queues"), geti(p, "tx_queues"), gets_(p, "steering"));
		json_array_foreach(json_object_get(p, "addresses"), j, a)
			printf(" %s", json_string_value(a));
		printf("\n             devargs %s\n", gets_(p, "devargs"));
	}
	printf("\nVIPs:");
	json_array_foreach(json_object_get(r, "vips"), j, a)
		printf(" %s", json_string_value(a));
	printf("\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
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
				fprintf(stderr, "weirctl: --timeout '%s': expected seconds in (0, 3600]\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
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
			printf("%s: removed (was %s)\n", gets_(res, "prefix"), gets_(res, "removed"));
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
