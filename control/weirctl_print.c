/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weirctl's tables: each command's answer printed for a person (--json
 * prints the answer as it is).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "weirctl_print.h"

json_int_t
geti(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

const char *
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
print_key(json_t *k)
{
	printf("%-16s %-12s %-5s %s%s\n", gets_(k, "id"), gets_(k, "tier"),
	       json_is_true(json_object_get(k, "blocked")) ? "yes" : "no", gets_(k, "owner"),
	       json_is_true(json_object_get(k, "removed")) ? "  (removed)" : "");
}

static void
print_keys(json_t *r)
{
	json_t *k;
	size_t i;

	printf("%-16s %-12s %-5s %s\n", "id", "tier", "block", "owner");
	json_array_foreach(json_object_get(r, "keys"), i, k) print_key(k);
	printf("%lld keys (capacity %lld)\n", geti(r, "count"), geti(r, "capacity"));
}

static void
print_usage(json_t *r)
{
	json_t *u;
	size_t i;

	printf("%-16s %-12s %-5s %s\n", "id", "tier", "block", "owner");
	print_key(r);
	printf("%-20s %-6s %10s %10s %10s %10s %10s %8s\n", "rule", "scope", "limit", "window_s",
	       "allowed", "limited", "remaining", "reset_s");
	json_array_foreach(json_object_get(r, "rules"), i, u)
		printf("%-20s %-6s %10lld %10lld %10lld %10lld %10lld %8lld\n", gets_(u, "rule"),
		       gets_(u, "scope"), geti(u, "limit"), geti(u, "window_s"), geti(u, "allowed"),
		       geti(u, "limited"), geti(u, "remaining"), geti(u, "reset_s"));
	if (json_array_size(json_object_get(r, "rules")) == 0)
		printf("(no request of this key in the limit table: every quota whole)\n");
}

static void
print_gate(json_t *r)
{
	json_t *t, *l, *lt = json_object_get(r, "limit_table");
	size_t i, j;

	printf("%-16s %-40s %12s %12s\n", "tier", "limits", "allowed", "limited");
	json_array_foreach(json_object_get(r, "tiers"), i, t)
	{
		char lim[128] = "";
		size_t n = 0;

		json_array_foreach(json_object_get(t, "limits"), j, l) if (n < sizeof(lim)) n +=
			(size_t)snprintf(lim + n, sizeof(lim) - n, "%s%lld/%llds", j ? ", " : "",
					 geti(l, "limit"), geti(l, "window_s"));
		printf("%-16s %-40s %12lld %12lld\n", gets_(t, "name"), lim, geti(t, "allowed"),
		       geti(t, "limited"));
	}
	json_array_foreach(json_object_get(r, "issuers"), i, t)
		printf("issuer %s: iss %s, %s, %lld key(s)\n", gets_(t, "name"), gets_(t, "iss"),
		       gets_(t, "alg"), geti(t, "keys"));
	json_array_foreach(json_object_get(r, "banned_keys"), i, t)
		printf("banned key %s: %lld s left (ban %lld)\n", gets_(t, "key"),
		       geti(t, "remaining_s"), geti(t, "times"));
	printf("API keys: %lld; revoked tokens: %lld; limit table: %lld entries used, %lld "
	       "evictions, %lld full, %lld CAS retries\n",
	       geti(r, "keys"), geti(r, "revoked"), geti(lt, "used"), geti(lt, "evictions"),
	       geti(lt, "full"), geti(lt, "cas_retries"));
}

static void
print_routes(json_t *r)
{
	json_t *s, *e;
	size_t i, j;

	printf("%-16s %-32s %-24s %-16s %12s\n", "service", "host", "path_prefix", "pool", "hits");
	json_array_foreach(json_object_get(r, "services"), i, s)
	{
		json_array_foreach(json_object_get(s, "routes"), j, e)
		{
			const char *pool = gets_(e, "pool");
			char where[32];

			if (json_object_get(e, "answer") != NULL)
				snprintf(where, sizeof(where), "(weir answers %lld)",
					 geti(e, "answer"));
			else
				snprintf(where, sizeof(where), "%s", pool);
			printf("%-16s %-32s %-24s %-16s %12lld%s\n", gets_(s, "service"),
			       gets_(e, "host"), gets_(e, "path_prefix"), where, geti(e, "hits"),
			       json_is_true(json_object_get(e, "default")) ? "  (default)" : "");
		}
	}
	if (json_array_size(json_object_get(r, "services")) == 0)
		printf("(no http services)\n");
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

/* weirctl top keys: the key, then its owner (an API key's). */
static void
print_top_keys(json_t *r)
{
	json_t *e;
	size_t i;

	printf("%4s %-40s %-12s %12s %10s %s\n", "rank", "key", "tier", "limited", "error",
	       "owner");
	json_array_foreach(json_object_get(r, "keys"), i, e)
		printf("%4zu %-40s %-12s %12lld %10lld %s\n", i + 1, gets_(e, "key"),
		       gets_(e, "tier"), geti(e, "limited"), geti(e, "error"),
		       json_is_string(json_object_get(e, "owner")) ? gets_(e, "owner") : "");
	if (json_array_size(json_object_get(r, "keys")) == 0)
		printf("(no key limited)\n");
	else
		printf("%lld requests limited in all\n", geti(r, "limited_total"));
}

static void
print_top(json_t *r)
{
	json_t *e;
	size_t i;

	if (json_object_get(r, "keys") != NULL) {
		print_top_keys(r);
		return;
	}

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

void
weirctl_print(const char *cmd, json_t *res)
{
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
	else if (strcmp(cmd, "routes") == 0)
		print_routes(res);
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
	else if (strcmp(cmd, "key") == 0)
		print_key(res);
	else if (strcmp(cmd, "keys") == 0)
		print_keys(res);
	else if (strcmp(cmd, "usage") == 0)
		print_usage(res);
	else if (strcmp(cmd, "gate") == 0)
		print_gate(res);
	else if (strcmp(cmd, "token") == 0)
		printf("%s: revoked until %lld (%lld revoked)\n", gets_(res, "jti"),
		       geti(res, "until"), geti(res, "revoked"));
	else
		print_ports(res);
}
