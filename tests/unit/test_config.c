/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration loader: the embedded default, defaults, every validation
 * error (exact text: origin, key path, value as printed, reason), files, and
 * the address set handed to the responders.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "weir_config.h"
#include "weir_test.h"

/* Mirrors of private constants of weir_config.c. */
#define DEFAULT_SOCKET "/run/weir/weir.sock"
#define DEFAULT_DESC 1024

static char errbuf[512];
static char textbuf[65536];
static char gen[65536];
static size_t gen_len;

/* The tests write JSON with single quotes; this turns them into double quotes. */
static const char *
dq(const char *s)
{
	size_t i;

	assert_true(strlen(s) < sizeof(textbuf));
	for (i = 0; s[i] != '\0'; i++)
		textbuf[i] = s[i] == '\'' ? '"' : s[i];
	textbuf[i] = '\0';
	return textbuf;
}

static struct weir_config *
load_raw(const char *text)
{
	memset(errbuf, 0, sizeof(errbuf));
	return weir_config_from_string(text, "test", errbuf, sizeof(errbuf));
}

/* Load single-quoted JSON. */
static struct weir_config *
load(const char *sq)
{
	return load_raw(dq(sq));
}

/* Load, expect success, and say why not if it fails. */
static struct weir_config *
load_ok(const char *sq)
{
	struct weir_config *cfg = load(sq);

	if (cfg == NULL)
		fail_msg("rejected: %s", errbuf);
	assert_string_equal(errbuf, "");
	return cfg;
}

static void
gen_reset(void)
{
	gen_len = 0;
	gen[0] = '\0';
}

static void gen_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Append to gen. */
static void
gen_add(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(gen + gen_len, sizeof(gen) - gen_len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(gen) - gen_len);
	gen_len += (size_t)n;
}

/*
 * The loader, for weir_test_rejects(): NULL if it accepted the text, else
 * its message; a refusal must also set errno to EINVAL. try_load takes the
 * tests' single-quoted JSON, try_load_raw the text as is, try_load_file a
 * path.
 */
static const char *
refused(struct weir_config *cfg)
{
	static char msg[sizeof(errbuf) + 64];

	if (cfg != NULL) {
		weir_config_free(cfg);
		return NULL;
	}
	if (errno != EINVAL) {
		snprintf(msg, sizeof(msg), "(errno %d, not EINVAL) %s", errno, errbuf);
		return msg;
	}
	return errbuf;
}

static const char *
try_load(const struct weir_reject_case *c, void *arg)
{
	(void)arg;
	errno = 0;
	return refused(load(c->input));
}

static const char *
try_load_raw(const struct weir_reject_case *c, void *arg)
{
	(void)arg;
	errno = 0;
	return refused(load_raw(c->input));
}

static struct weir_config *load_file(const char *path);

static const char *
try_load_file(const struct weir_reject_case *c, void *arg)
{
	(void)arg;
	errno = 0;
	return refused(load_file(c->input));
}

/* A table of bad values for one key, run as one table: the input is
 * input_fmt with the value for its %s, the message error_fmt with the value
 * and the reason for its two. */
struct bad_value {
	const char *value;
	const char *why;
};

static void
reject_values(const char *table, const char *input_fmt, const char *error_fmt,
	      const struct bad_value *v, size_t n)
{
	static struct weir_reject_case cases[64];
	static char text[64][2][256];
	size_t i;

	assert_true(n <= 64);
	for (i = 0; i < n; i++) {
		snprintf(text[i][0], sizeof(text[i][0]), input_fmt, v[i].value);
		snprintf(text[i][1], sizeof(text[i][1]), error_fmt, v[i].value, v[i].why);
		cases[i] = (struct weir_reject_case){.input = text[i][0], .error = text[i][1]};
	}
	weir_test_rejects_at(cases, n, try_load, NULL, table, __FILE__, __LINE__);
}

/* A config with one port whose keys are P. */
#define ONE_PORT(p) "{'workers':[1],'ports':[{" p "}]}"
/* The required keys of a port. */
#define P0 "'name':'p0','devargs':'net_null0'"
#define PKEY "config test: key 'ports[0]"

static void
assert_addr(const struct weir_addr *a, int family, const char *ip, unsigned int prefix,
	    unsigned int kind)
{
	uint8_t want[16] = {0};

	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, ip, want), 1);
	assert_int_equal(a->family, family);
	assert_memory_equal(a->ip, want, 16);
	assert_int_equal(a->prefix, prefix);
	assert_int_equal(a->kind, kind);
}

static void
test_default_config(void **state)
{
	static const uint8_t mac[6] = {0x02, 0x77, 0x65, 0x69, 0x72, 0x01};
	static const uint8_t bmac[6] = {0x02, 0x77, 0x65, 0x69, 0x72, 0x02};
	struct weir_config *cfg;
	const struct weir_port_config *p;
	unsigned int i, b;

	(void)state;
	cfg = weir_config_from_string(weir_default_config, "embedded", errbuf, sizeof(errbuf));
	if (cfg == NULL)
		fail_msg("embedded config rejected: %s", errbuf);
	assert_string_equal(cfg->origin, "embedded");
	assert_string_equal(cfg->socket_path, "/run/weir/weir.sock");
	assert_int_equal(cfg->mbufs, 0); /* sized at start-up */
	assert_int_equal(cfg->idle_sleep_us, 0);
	assert_int_equal(cfg->n_workers, 1);
	assert_int_equal(cfg->workers[0], 1);
	assert_int_equal(cfg->n_ports, 2);
	p = &cfg->ports[0];
	assert_string_equal(p->name, "client");
	assert_string_equal(p->devargs, "net_tap0,iface=weir-c0");
	assert_int_equal(p->has_mac, 1);
	assert_memory_equal(p->mac, mac, 6);
	assert_int_equal(p->rx_desc, DEFAULT_DESC);
	assert_int_equal(p->tx_desc, DEFAULT_DESC);
	assert_int_equal(p->steering, WEIR_STEER_AUTO);
	assert_int_equal(p->n_addrs, 2);
	assert_addr(&p->addrs[0], 4, "198.18.0.1", 24, WEIR_ADDR_LOCAL);
	assert_addr(&p->addrs[1], 6, "2001:db8:0:1::1", 64, WEIR_ADDR_LOCAL);
	assert_int_equal(cfg->n_ports, 2);
	p = &cfg->ports[1];
	assert_string_equal(p->name, "backend");
	assert_string_equal(p->devargs, "net_tap1,iface=weir-b0");
	assert_int_equal(p->has_mac, 1);
	assert_memory_equal(p->mac, bmac, 6);
	assert_int_equal(p->steering, WEIR_STEER_AUTO);
	assert_int_equal(p->n_addrs, 2);
	assert_addr(&p->addrs[0], 4, "198.18.2.1", 24, WEIR_ADDR_LOCAL);
	assert_addr(&p->addrs[1], 6, "2001:db8:2::1", 64, WEIR_ADDR_LOCAL);
	assert_int_equal(p->n_neighbors, 0); /* weir resolves the backends itself */
	assert_int_equal(cfg->n_vips, 2);
	assert_addr(&cfg->vips[0], 4, "198.18.1.1", 32, WEIR_ADDR_VIP);
	assert_addr(&cfg->vips[1], 6, "2001:db8:1::1", 128, WEIR_ADDR_VIP);

	/* L4: two pools of three backends, an rr service over IPv4, maglev over IPv6;
	 * and the http service site with its routes (api4: one backend). */
	assert_int_equal(cfg->conn_table_size, 65536);
	assert_int_equal(cfg->maglev_size, WEIR_MAGLEV_DEFAULT_SIZE);
	assert_int_equal(cfg->n_pools, 3);
	assert_string_equal(cfg->pools[2].name, "api4");
	assert_int_equal(cfg->pools[2].n_backends, 1);
	for (i = 0; i < 2; i++) {
		const struct weir_pool_config *pl = &cfg->pools[i];

		assert_string_equal(pl->name, i == 0 ? "web4" : "web6");
		assert_int_equal(pl->n_backends, 3);
		for (b = 0; b < 3; b++) {
			char ip[32];

			if (i == 0)
				snprintf(ip, sizeof(ip), "198.18.2.%u", 10 + b);
			else
				snprintf(ip, sizeof(ip), "2001:db8:2::%u", 10 + b);
			assert_addr(&pl->backends[b].addr, i == 0 ? 4 : 6, ip, i == 0 ? 32 : 128,
				    0);
			assert_int_equal(pl->backends[b].port, 8080);
			assert_int_equal(pl->backends[b].weight, 1);
			assert_string_equal(pl->backends[b].datacenter, "");
		}
	}
	/* web4, web6, site, api (the gate's), and site's internal service for
	 * api4 (the route pool other than its default). */
	assert_int_equal(cfg->n_services, 5);
	assert_string_equal(cfg->services[2].name, "site");
	assert_non_null(cfg->services[2].http);
	assert_int_equal(cfg->services[2].http->default_404, 1);
	assert_int_equal(cfg->services[2].http->routes.n, 3);
	assert_string_equal(cfg->services[3].name, "api");
	assert_int_equal(cfg->services[3].http->gate.auth, WEIR_GATE_AUTH_ANY);
	assert_int_equal(cfg->services[3].http->route[0].gate.min_tier, 2);
	assert_string_equal(cfg->services[4].name, "site/api4");
	assert_int_equal(cfg->services[4].internal, 3);
	/* The demo's issuer and keys. */
	assert_int_equal(cfg->gate->n_issuers, 1);
	assert_int_equal(cfg->gate->n_keys, 3);
	assert_int_equal(cfg->gate->keys[2].blocked, 1);
	for (i = 0; i < 2; i++) {
		const struct weir_service_config *s = &cfg->services[i];

		assert_string_equal(s->name, i == 0 ? "web4" : "web6");
		assert_addr(&s->vip, i == 0 ? 4 : 6, i == 0 ? "198.18.1.1" : "2001:db8:1::1",
			    i == 0 ? 32 : 128, WEIR_ADDR_VIP);
		assert_int_equal(s->port, 80);
		assert_int_equal(s->proto, 6);
		assert_int_equal(s->scheduler, i == 0 ? WEIR_SCHED_RR : WEIR_SCHED_MAGLEV);
		assert_int_equal(s->sticky_source, 0);
		assert_int_equal(s->forwarding, WEIR_FWD_FULLNAT);
		assert_int_equal(s->mss_clamp, 0);
		assert_int_equal(s->pool, i);
		assert_int_equal(s->out_port, 1); /* the backend port */
		assert_int_equal(s->n_local_ips, 1);
		assert_addr(&s->local_ips[0], i == 0 ? 4 : 6,
			    i == 0 ? "198.18.2.1" : "2001:db8:2::1", i == 0 ? 32 : 128,
			    WEIR_ADDR_LOCAL);
		assert_int_equal(s->timeouts.syn, 30);
		assert_int_equal(s->timeouts.established, 900);
		assert_int_equal(s->timeouts.fin, 60);
		assert_int_equal(s->timeouts.closed, 10);
		assert_int_equal(s->timeouts.udp, 300);
	}
	weir_config_free(cfg);
}

static void
test_minimal_defaults(void **state)
{
	struct weir_config *cfg;
	const struct weir_port_config *p;

	(void)state;
	cfg = load_ok(ONE_PORT(P0));
	assert_string_equal(cfg->origin, "test");
	assert_string_equal(cfg->socket_path, DEFAULT_SOCKET);
	assert_int_equal(cfg->mbufs, 0);
	assert_int_equal(cfg->idle_sleep_us, 0);
	assert_int_equal(cfg->n_workers, 1);
	assert_int_equal(cfg->workers[0], 1);
	assert_int_equal(cfg->n_ports, 1);
	assert_int_equal(cfg->n_vips, 0);
	p = &cfg->ports[0];
	assert_string_equal(p->name, "p0");
	assert_string_equal(p->devargs, "net_null0");
	assert_int_equal(p->has_mac, 0);
	assert_int_equal(p->rx_desc, DEFAULT_DESC);
	assert_int_equal(p->tx_desc, DEFAULT_DESC);
	assert_int_equal(p->steering, WEIR_STEER_AUTO);
	assert_int_equal(p->n_addrs, 0);
	weir_config_free(cfg);

	/* An empty control object keeps the default socket. */
	cfg = load_ok("{'control':{},'workers':[0],'ports':[{" P0 "}]}");
	assert_string_equal(cfg->socket_path, DEFAULT_SOCKET);
	assert_int_equal(cfg->workers[0], 0);
	weir_config_free(cfg);
}

static void
test_full_config(void **state)
{
	static const uint8_t mac[6] = {0x02, 0xab, 0xcd, 0xef, 0x00, 0x01};
	struct weir_config *cfg;
	const struct weir_port_config *p;

	(void)state;
	cfg = load_ok("{'control':{'socket':'/tmp/w/ctl.sock'},'mbufs':8191,'idle_sleep_us':50,"
		      "'workers':[3,1,2],"
		      "'ports':[{'name':'a','devargs':'0000:01:00.0','mac':'02:AB:cd:EF:00:01',"
		      "'rx_desc':512,'tx_desc':2048,'steering':'software',"
		      "'addresses':['10.0.0.1/8','fe80::1/10']},"
		      "{'name':'b','devargs':'net_null1','steering':'auto'}],"
		      "'vips':['203.0.113.7','2001:db8::7']}");
	assert_string_equal(cfg->socket_path, "/tmp/w/ctl.sock");
	assert_int_equal(cfg->mbufs, 8191);
	assert_int_equal(cfg->idle_sleep_us, 50);
	assert_int_equal(cfg->n_workers, 3);
	assert_int_equal(cfg->workers[0], 3);
	assert_int_equal(cfg->workers[1], 1);
	assert_int_equal(cfg->workers[2], 2);
	assert_int_equal(cfg->n_ports, 2);
	p = &cfg->ports[0];
	assert_string_equal(p->name, "a");
	assert_string_equal(p->devargs, "0000:01:00.0");
	assert_int_equal(p->has_mac, 1);
	assert_memory_equal(p->mac, mac, 6);
	assert_int_equal(p->rx_desc, 512);
	assert_int_equal(p->tx_desc, 2048);
	assert_int_equal(p->steering, WEIR_STEER_SOFTWARE);
	assert_int_equal(p->n_addrs, 2);
	assert_addr(&p->addrs[0], 4, "10.0.0.1", 8, WEIR_ADDR_LOCAL);
	assert_addr(&p->addrs[1], 6, "fe80::1", 10, WEIR_ADDR_LOCAL);
	p = &cfg->ports[1];
	assert_string_equal(p->name, "b");
	assert_string_equal(p->devargs, "net_null1");
	assert_int_equal(p->has_mac, 0);
	assert_int_equal(p->rx_desc, DEFAULT_DESC);
	assert_int_equal(p->tx_desc, DEFAULT_DESC);
	assert_int_equal(p->steering, WEIR_STEER_AUTO);
	assert_int_equal(p->n_addrs, 0);
	assert_int_equal(cfg->n_vips, 2);
	assert_addr(&cfg->vips[0], 4, "203.0.113.7", 32, WEIR_ADDR_VIP);
	assert_addr(&cfg->vips[1], 6, "2001:db8::7", 128, WEIR_ADDR_VIP);
	weir_config_free(cfg);
}

/* Every limit's edge is accepted. */
static void
test_limits_accepted(void **state)
{
	struct weir_config *cfg;
	char sock[108], name[32], dev[256];
	unsigned int i, j;

	(void)state;
	memset(sock, 'a', sizeof(sock) - 1);
	sock[0] = '/';
	sock[sizeof(sock) - 1] = '\0';
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memset(dev, 'd', sizeof(dev) - 1);
	dev[sizeof(dev) - 1] = '\0';

	/* 32 workers (lcores 127..96), 8 ports, 32 VIPs, and 2 ports with 16
	 * addresses each: 64 addresses in all, the most the responders hold. */
	gen_reset();
	gen_add("{'control':{'socket':'%s'},'mbufs':16777216,'idle_sleep_us':100000,'workers':[",
		sock);
	for (i = 0; i < WEIR_MAX_WORKERS; i++)
		gen_add("%s%u", i ? "," : "", WEIR_MAX_LCORE - i);
	gen_add("],'ports':[");
	for (i = 0; i < WEIR_MAX_PORTS; i++) {
		gen_add("%s{'name':'p%u','devargs':'net_null%u'", i ? "," : "", i, i);
		if (i < 2) {
			gen_add(",'rx_desc':%d,'tx_desc':%d,'addresses':[", i ? 32 : 16384,
				i ? 16384 : 32);
			for (j = 0; j < 16; j++)
				gen_add("%s'10.%u.0.%u/%u'", j ? "," : "", i, j + 1, j + 1);
			gen_add("]");
		}
		gen_add("}");
	}
	gen_add("],'vips':[");
	for (i = 0; i < 31; i++)
		gen_add("%s'198.18.1.%u'", i ? "," : "", i + 1);
	gen_add(",'2001:db8::1']}");
	cfg = load_ok(gen);
	assert_int_equal(strlen(cfg->socket_path), sizeof(cfg->socket_path) - 1);
	assert_int_equal(cfg->mbufs, 16u << 20);
	assert_int_equal(cfg->idle_sleep_us, 100000);
	assert_int_equal(cfg->n_workers, WEIR_MAX_WORKERS);
	assert_int_equal(cfg->workers[0], WEIR_MAX_LCORE);
	assert_int_equal(cfg->workers[31], WEIR_MAX_LCORE - 31);
	assert_int_equal(cfg->n_ports, WEIR_MAX_PORTS);
	assert_string_equal(cfg->ports[7].name, "p7");
	assert_int_equal(cfg->ports[0].rx_desc, 16384);
	assert_int_equal(cfg->ports[0].tx_desc, 32);
	assert_int_equal(cfg->ports[1].rx_desc, 32);
	assert_int_equal(cfg->ports[1].tx_desc, 16384);
	assert_int_equal(cfg->ports[0].n_addrs, 16);
	assert_addr(&cfg->ports[0].addrs[0], 4, "10.0.0.1", 1, WEIR_ADDR_LOCAL);
	assert_addr(&cfg->ports[1].addrs[15], 4, "10.1.0.16", 16, WEIR_ADDR_LOCAL);
	assert_int_equal(cfg->n_vips, 32);
	weir_config_free(cfg);

	/* Longest name, devargs; lowest mbufs; prefix lengths /1, /32, /128. */
	gen_reset();
	gen_add("{'mbufs':1023,'workers':[0],'ports':[{'name':'%s','devargs':'%s',"
		"'addresses':['1.2.3.4/1','1.2.3.5/32','2001:db8::5/128','2001:db8::6/1']}]}",
		name, dev);
	cfg = load_ok(gen);
	assert_string_equal(cfg->ports[0].name, name);
	assert_string_equal(cfg->ports[0].devargs, dev);
	assert_int_equal(cfg->mbufs, 1023);
	assert_int_equal(cfg->ports[0].addrs[0].prefix, 1);
	assert_int_equal(cfg->ports[0].addrs[1].prefix, 32);
	assert_int_equal(cfg->ports[0].addrs[2].prefix, 128);
	assert_int_equal(cfg->ports[0].addrs[3].prefix, 1);
	weir_config_free(cfg);
}

static void
test_not_json(void **state)
{
	static const struct weir_reject_case not_json[] = {
		{"", "config test: line 1 column 0: '[' or '{' expected near end of file"},
		{"not json", "config test: line 1 column 3: '[' or '{' expected near 'not'"},
		{"{\n  \"workers\": [1],\n  oops\n}",
		 "config test: line 3 column 6: string or '}' expected near 'oops'"},
		{"{\"workers\":[1]} x",
		 "config test: line 1 column 17: end of file expected near 'x'"},
		/* A bare scalar is not a document. */
		{"1", "config test: line 1 column 1: '[' or '{' expected near '1'"},
	};

	(void)state;
	weir_test_rejects(not_json, try_load_raw, NULL);
}

static void
test_root_not_object(void **state)
{
	static const struct weir_reject_case root_not_object[] = {
		{"[]", "config test: key '(top level)': expected a JSON object"},
		{"[{'workers':[1]}]", "config test: key '(top level)': expected a JSON object"},
	};

	(void)state;
	weir_test_rejects(root_not_object, try_load, NULL);
}

static void
test_unknown_keys(void **state)
{
	static const struct weir_reject_case unknown_keys[] = {
		{"{'workers':[1],'ports':[{" P0 "}],'bogus':1}",
		 "config test: key 'bogus': unknown key"},
		/* Reported before anything else is checked. */
		{"{'worker':[1]}", "config test: key 'worker': unknown key"},
		/* Keys are case-sensitive. */
		{"{'Workers':[1],'ports':[{" P0 "}]}", "config test: key 'Workers': unknown key"},
		{ONE_PORT(P0 ",'speed':100"), PKEY ".speed': unknown key"},
		{"{'workers':[1],'ports':[{" P0 "},{'name':'p1','devargs':'d1','rx_descs':64}]}",
		 "config test: key 'ports[1].rx_descs': unknown key"},
		{"{'control':{'path':'/x'},'workers':[1],'ports':[{" P0 "}]}",
		 "config test: key 'control.path': unknown key"},
	};

	(void)state;
	weir_test_rejects(unknown_keys, try_load, NULL);
}

/* What the file puts in a key or a value reaches the message escaped: one
 * line, no terminal escape. */
static void
test_keys_escaped(void **state)
{
	static const struct weir_reject_case keys_escaped[] = {
		{"{'workers':[1],'ports':[{" P0 "}],'a\\nweir: config ok':1}",
		 "config test: key 'a\\x0aweir: config ok': unknown key"},
		{"{'workers':[1],'ports':[{" P0 "}],'\\u001b[31mred':1}",
		 "config test: key '\\x1b[31mred': unknown key"},
		{"{'workers':[1],'ports':[{" P0 "}],'del\\u007f\\u009b2J\\r\\t':1}",
		 "config test: key 'del\\x7f\\xc2\\x9b2J\\x0d\\x09': unknown key"},
		/* Printable UTF-8 stays as it is. */
		{"{'workers':[1],'ports':[{" P0 "}],'caf\\u00e9':1}",
		 "config test: key 'caf\xc3\xa9': unknown key"},
		{ONE_PORT("'name':'p\\n0','devargs':'net_null0','mac':'\\u001b'"),
		 PKEY ".mac' = \"\\u001B\": expected a MAC address like 02:00:00:00:00:01"},
	};

	(void)state;
	weir_test_rejects(keys_escaped, try_load, NULL);
}

/* An integer jansson cannot hold (beyond int64) is reported with its key. */
static void
test_big_integers(void **state)
{
	static const struct weir_reject_case big_integers[] = {
		{"{'workers':[1],'mbufs':99999999999999999999,'ports':[{" P0 "}]}",
		 "config test: key 'mbufs': line 1 column 43: integer out of range (too big "
		 "integer "
		 "near '99999999999999999999')"},
		{ONE_PORT(P0 ",'rx_desc':9223372036854775808"),
		 "config test: key 'ports[0].rx_desc': line 1 column 88: integer out of range (too "
		 "big integer near '9223372036854775808')"},
		{"{'workers':[1,-9223372036854775809],'ports':[{" P0 "}]}",
		 "config test: key 'workers[1]': line 1 column 34: integer out of range (too big "
		 "negative integer near '-9223372036854775809')"},
	};

	(void)state;
	weir_test_rejects(big_integers, try_load, NULL);
}

static void
test_duplicate_keys(void **state)
{
	static const struct weir_reject_case duplicate_keys[] = {
		{"{'workers':[1],'workers':[2],'ports':[{" P0 "}]}",
		 "config test: line 1 column 24: duplicate object key near '\"workers\"'"},
		{ONE_PORT(P0 ",'name':'p1'"),
		 "config test: line 1 column 65: duplicate object key near '\"name\"'"},
	};

	(void)state;
	weir_test_rejects(duplicate_keys, try_load, NULL);
}

static void
test_control(void **state)
{
	static const struct weir_reject_case control[] = {
		{"{'control':'/x','workers':[1],'ports':[{" P0 "}]}",
		 "config test: key 'control' = \"/x\": expected an object"},
		{"{'control':{'socket':5},'workers':[1],'ports':[{" P0 "}]}",
		 "config test: key 'control.socket' = 5: expected a string"},
		{"{'control':{'socket':null},'workers':[1],'ports':[{" P0 "}]}",
		 "config test: key 'control.socket' = null: expected a string"},
		{"{'control':{'socket':''},'workers':[1],'ports':[{" P0 "}]}",
		 "config test: key 'control.socket' = \"\": must not be empty"},
		{"{'control':{'socket':'run/weir.sock'},'workers':[1],'ports':[{" P0 "}]}",
		 "config test: key 'control.socket' = \"run/weir.sock\": must be an absolute path"},
	};
	char sock[109], expected[256];

	(void)state;
	weir_test_rejects(control, try_load, NULL);

	/* 108 characters: one too many for sun_path; the value is cut at 80. */
	memset(sock, 'a', sizeof(sock) - 1);
	sock[0] = '/';
	sock[sizeof(sock) - 1] = '\0';
	gen_reset();
	gen_add("{'control':{'socket':'%s'},'workers':[1],'ports':[{" P0 "}]}", sock);
	snprintf(expected, sizeof(expected),
		 "config test: key 'control.socket' = \"%.76s...: longer than 107 characters",
		 sock);
	weir_test_reject_one(gen, expected, try_load, NULL);
}

static void
test_mbufs_idle(void **state)
{
	static const struct weir_reject_case mbufs_idle[] = {
		{"{'mbufs':1022,'workers':[1],'ports':[{" P0 "}]}",
		 "config test: key 'mbufs' = 1022: expected an integer in [1023, 16777216]"},
		{"{'mbufs':16777217,'workers':[1],'ports':[{" P0 "}]}",
		 "config test: key 'mbufs' = 16777217: expected an integer in [1023, 16777216]"},
		{"{'mbufs':0,'workers':[1],'ports':[{" P0 "}]}",
		 "config test: key 'mbufs' = 0: expected an integer in [1023, 16777216]"},
		{"{'mbufs':-1,'workers':[1],'ports':[{" P0 "}]}",
		 "config test: key 'mbufs' = -1: expected an integer in [1023, 16777216]"},
		{"{'mbufs':4096.0,'workers':[1],'ports':[{" P0 "}]}",
		 "config test: key 'mbufs' = 4096.0: expected an integer in [1023, 16777216]"},
		{"{'mbufs':'4096','workers':[1],'ports':[{" P0 "}]}",
		 "config test: key 'mbufs' = \"4096\": expected an integer in [1023, 16777216]"},
		{"{'idle_sleep_us':100001,'workers':[1],'ports':[{" P0 "}]}",
		 "config test: key 'idle_sleep_us' = 100001: expected an integer in [0, 100000]"},
		{"{'idle_sleep_us':-1,'workers':[1],'ports':[{" P0 "}]}",
		 "config test: key 'idle_sleep_us' = -1: expected an integer in [0, 100000]"},
		{"{'idle_sleep_us':true,'workers':[1],'ports':[{" P0 "}]}",
		 "config test: key 'idle_sleep_us' = true: expected an integer in [0, 100000]"},
	};

	(void)state;
	weir_test_rejects(mbufs_idle, try_load, NULL);
}

static void
test_workers(void **state)
{
	static const struct weir_reject_case workers[] = {
		{"{'ports':[{" P0 "}]}",
		 "config test: key 'workers': missing: list the worker lcores, e.g. [1]"},
		{"{'workers':[],'ports':[{" P0 "}]}",
		 "config test: key 'workers' = []: expected a non-empty array of lcore ids"},
		{"{'workers':1,'ports':[{" P0 "}]}",
		 "config test: key 'workers' = 1: expected a non-empty array of lcore ids"},
		{"{'workers':{},'ports':[{" P0 "}]}",
		 "config test: key 'workers' = {}: expected a non-empty array of lcore ids"},
		{"{'workers':[128],'ports':[{" P0 "}]}",
		 "config test: key 'workers[0]' = 128: expected an integer in [0, 127]"},
		{"{'workers':[1,-1],'ports':[{" P0 "}]}",
		 "config test: key 'workers[1]' = -1: expected an integer in [0, 127]"},
		{"{'workers':['1'],'ports':[{" P0 "}]}",
		 "config test: key 'workers[0]' = \"1\": expected an integer in [0, 127]"},
		{"{'workers':[1,2,1],'ports':[{" P0 "}]}",
		 "config test: key 'workers[2]' = 1: lcore listed twice"},
	};
	unsigned int i;

	(void)state;
	weir_test_rejects(workers, try_load, NULL);

	gen_reset();
	gen_add("{'workers':[");
	for (i = 0; i <= WEIR_MAX_WORKERS; i++)
		gen_add("%s%u", i ? "," : "", i);
	gen_add("],'ports':[{" P0 "}]}");
	weir_test_reject_one(gen, "config test: key 'workers': more than 32 workers", try_load,
			     NULL);
}

static void
test_ports(void **state)
{
	static const struct weir_reject_case ports[] = {
		{"{'workers':[1]}", "config test: key 'ports': missing: declare at least one port"},
		{"{'workers':[1],'ports':[]}",
		 "config test: key 'ports' = []: expected a non-empty array of ports"},
		{"{'workers':[1],'ports':{" P0 "}}",
		 "config test: key 'ports' = {\"name\":\"p0\",\"devargs\":\"net_null0\"}: "
		 "expected a non-empty array of ports"},
		{"{'workers':[1],'ports':['p0']}",
		 "config test: key 'ports[0]' = \"p0\": expected an object"},
		{"{'workers':[1],'ports':[{" P0 "},null]}",
		 "config test: key 'ports[1]' = null: expected an object"},
	};
	unsigned int i;

	(void)state;
	weir_test_rejects(ports, try_load, NULL);

	gen_reset();
	gen_add("{'workers':[1],'ports':[");
	for (i = 0; i <= WEIR_MAX_PORTS; i++)
		gen_add("%s{'name':'p%u','devargs':'net_null%u'}", i ? "," : "", i, i);
	gen_add("]}");
	weir_test_reject_one(gen, "config test: key 'ports': more than 8 ports", try_load, NULL);
}

static void
test_port_name_devargs(void **state)
{
	static const struct weir_reject_case port_name_devargs_1[] = {
		{ONE_PORT("'devargs':'net_null0'"), PKEY ".name': missing"},
		{ONE_PORT("'name':7,'devargs':'net_null0'"), PKEY ".name' = 7: expected a string"},
		{ONE_PORT("'name':'','devargs':'net_null0'"),
		 PKEY ".name' = \"\": must not be empty"},
		{ONE_PORT("'name':'0123456789abcdef0123456789abcdef','devargs':'d'"),
		 PKEY ".name' = \"0123456789abcdef0123456789abcdef\": longer than 31 characters"},
		{ONE_PORT("'name':'p0'"), PKEY ".devargs': missing"},
		{ONE_PORT("'name':'p0','devargs':['a']"),
		 PKEY ".devargs' = [\"a\"]: expected a string"},
		{ONE_PORT("'name':'p0','devargs':''"), PKEY ".devargs' = \"\": must not be empty"},
	};
	static const struct weir_reject_case port_name_devargs_2[] = {
		{"{'workers':[1],'ports':[{" P0 "},{'name':'p1','devargs':'d1'},{'name':'p0',"
		 "'devargs':'d2'}]}",
		 "config test: key 'ports[2].name' = \"p0\": same name as ports[0]"},
		{"{'workers':[1],'ports':[{" P0 "},{'name':'p1','devargs':'d1'},{'name':'p2',"
		 "'devargs':'d1'}]}",
		 "config test: key 'ports[2].devargs' = \"d1\": same device as ports[1]"},
	};
	char expected[256];

	(void)state;
	weir_test_rejects(port_name_devargs_1, try_load, NULL);

	gen_reset();
	gen_add(ONE_PORT("'name':'p0','devargs':'%0256d'"), 0);
	snprintf(expected, sizeof(expected), "%s.devargs' = \"%076d...: longer than 255 characters",
		 PKEY, 0);
	weir_test_reject_one(gen, expected, try_load, NULL);

	weir_test_rejects(port_name_devargs_2, try_load, NULL);
}

static void
test_port_mac(void **state)
{
	static const struct weir_reject_case port_mac[] = {
		{ONE_PORT(P0 ",'mac':2"),
		 PKEY ".mac' = 2: expected a MAC address like 02:00:00:00:00:01"},
		{ONE_PORT(P0 ",'mac':'01:00:5e:00:00:01'"),
		 PKEY ".mac' = \"01:00:5e:00:00:01\": must be a unicast MAC address"},
		{ONE_PORT(P0 ",'mac':'ff:ff:ff:ff:ff:ff'"),
		 PKEY ".mac' = \"ff:ff:ff:ff:ff:ff\": must be a unicast MAC address"},
		{ONE_PORT(P0 ",'mac':'00:00:00:00:00:00'"),
		 PKEY ".mac' = \"00:00:00:00:00:00\": must not be 00:00:00:00:00:00"},
		/* And a static neighbour's: no station has it, nor a group. */
		{ONE_PORT(P0 ",'addresses':['198.18.0.1/24'],'neighbors':[{'address':'198.18.0.10',"
			     "'mac':'00:00:00:00:00:00'}]"),
		 PKEY ".neighbors[0].mac' = \"00:00:00:00:00:00\": must not be 00:00:00:00:00:00"},
		{ONE_PORT(P0 ",'addresses':['198.18.0.1/24'],'neighbors':[{'address':'198.18.0.10',"
			     "'mac':'ff:ff:ff:ff:ff:ff'}]"),
		 PKEY ".neighbors[0].mac' = \"ff:ff:ff:ff:ff:ff\": must be a unicast MAC address"},
		{ONE_PORT(P0 ",'addresses':['198.18.0.1/24'],'neighbors':[{'address':'198.18.0.10',"
			     "'mac':'33:33:00:00:00:01'}]"),
		 PKEY ".neighbors[0].mac' = \"33:33:00:00:00:01\": must be a unicast MAC address"},
	};
	static const struct bad_value bad[] = {
		{"zz", NULL},
		{"02:00:00:00:00", NULL},
		{"2:00:00:00:00:01", NULL},
		{"2:0:0:0:0:1", NULL},
		{"02:00:00:00:00:01:02", NULL},
		{"02:00:00:00:00:01 ", NULL},
		{"02-00-00-00-00-01", NULL},
		{"02:00:00:00:00:0g", NULL},
		{"020000000001", NULL},
		{"", NULL},
		{"-2:00:00:00:00:01", NULL},
		{"+2:00:00:00:00:01", NULL},
		{" 2:00:00:00:00:01", NULL},
		{"02:00:00:00:00:1 ", NULL},
	};

	(void)state;
	reject_values("port_mac_values", ONE_PORT(P0 ",'mac':'%s'"),
		      PKEY ".mac' = \"%s\": expected a MAC address like 02:00:00:00:00:01", bad,
		      sizeof(bad) / sizeof(bad[0]));
	weir_test_rejects(port_mac, try_load, NULL);
}

static void
test_port_desc(void **state)
{
	static const struct weir_reject_case port_desc[] = {
		{ONE_PORT(P0 ",'rx_desc':31"),
		 PKEY ".rx_desc' = 31: expected an integer in [32, 16384]"},
		{ONE_PORT(P0 ",'rx_desc':16385"),
		 PKEY ".rx_desc' = 16385: expected an integer in [32, 16384]"},
		{ONE_PORT(P0 ",'rx_desc':'1024'"),
		 PKEY ".rx_desc' = \"1024\": expected an integer in [32, 16384]"},
		{ONE_PORT(P0 ",'tx_desc':31"),
		 PKEY ".tx_desc' = 31: expected an integer in [32, 16384]"},
		{ONE_PORT(P0 ",'tx_desc':65536"),
		 PKEY ".tx_desc' = 65536: expected an integer in [32, 16384]"},
	};

	(void)state;
	weir_test_rejects(port_desc, try_load, NULL);
}

static void
test_port_steering(void **state)
{
	static const struct weir_reject_case port_steering[] = {
		{ONE_PORT(P0 ",'steering':'rss'"),
		 PKEY ".steering' = \"rss\": expected \"auto\" or \"software\""},
		{ONE_PORT(P0 ",'steering':'Auto'"),
		 PKEY ".steering' = \"Auto\": expected \"auto\" or \"software\""},
		{ONE_PORT(P0 ",'steering':1"),
		 PKEY ".steering' = 1: expected \"auto\" or \"software\""},
		{ONE_PORT(P0 ",'steering':null"),
		 PKEY ".steering' = null: expected \"auto\" or \"software\""},
	};

	(void)state;
	weir_test_rejects(port_steering, try_load, NULL);
}

static void
test_port_addresses(void **state)
{
	static const struct weir_reject_case port_addresses[] = {
		{ONE_PORT(P0 ",'addresses':[24]"),
		 PKEY ".addresses[0]' = 24: expected an address string"},
		{ONE_PORT(P0 ",'addresses':'198.18.0.1/24'"),
		 PKEY ".addresses' = \"198.18.0.1/24\": expected an array of addresses with "
		      "prefixes"},
		{"{'workers':[1],'ports':[{" P0 "},{'name':'p1','devargs':'d1',"
		 "'addresses':['10.0.0.1/8','10.0.0.2']}]}",
		 "config test: key 'ports[1].addresses[1]' = \"10.0.0.2\": needs a prefix "
		 "length, e.g. 198.18.0.1/24"},
	};
	static const struct bad_value bad[] = {
		{"198.18.0.1", "needs a prefix length, e.g. 198.18.0.1/24"},
		{"2001:db8::1", "needs a prefix length, e.g. 198.18.0.1/24"},
		{"198.18.0.1/33", "bad prefix length"},
		{"198.18.0.1/0", "bad prefix length"},
		{"198.18.0.1/-8", "bad prefix length"},
		{"198.18.0.1/", "bad prefix length"},
		{"198.18.0.1/24x", "bad prefix length"},
		{"198.18.0.1/ 24", "bad prefix length"},
		{"198.18.0.1/+24", "bad prefix length"},
		{"198.18.0.1/99999999999999999999", "bad prefix length"},
		{"2001:db8::1/129", "bad prefix length"},
		{"2001:db8::1/0", "bad prefix length"},
		{"198.18.0.256/24", "not an IPv4 or IPv6 address"},
		{"198.18.0/24", "not an IPv4 or IPv6 address"},
		{"port0/24", "not an IPv4 or IPv6 address"},
		{"/24", "not an IPv4 or IPv6 address"},
		{"2001:db8::g/64", "not an IPv4 or IPv6 address"},
		{"", "not an IPv4 or IPv6 address"},
		{"224.0.0.1/24", "must be a unicast address"},
		{"255.255.255.255/32", "must be a unicast address"},
		{"0.1.2.3/8", "must be a unicast address"},
		{"ff02::1/64", "must be a unicast address"},
		{"::/64", "must be a unicast address"},
		{"0::0/128", "must be a unicast address"},
		{"127.0.0.1/8", "must not be a loopback address"},
		{"::1/128", "must not be a loopback address"},
		{"::ffff:198.18.0.1/120",
		 "IPv4-mapped IPv6 address: write the IPv4 address instead"},
		{"::ffff:224.0.0.1/120",
		 "IPv4-mapped IPv6 address: write the IPv4 address instead"},
	};
	char text[256], expected[256], longaddr[65];
	unsigned int i;

	(void)state;
	reject_values("port_addresses_values", ONE_PORT(P0 ",'addresses':['10.0.0.1/8','%s']"),
		      PKEY ".addresses[1]' = \"%s\": %s", bad, sizeof(bad) / sizeof(bad[0]));

	/* 64 characters: longer than any address, refused before parsing. */
	memset(longaddr, '1', sizeof(longaddr) - 1);
	longaddr[sizeof(longaddr) - 1] = '\0';
	snprintf(text, sizeof(text), ONE_PORT(P0 ",'addresses':['%s']"), longaddr);
	snprintf(expected, sizeof(expected),
		 "%s.addresses[0]' = \"%s\": not an IPv4 or IPv6 address", PKEY, longaddr);
	weir_test_reject_one(text, expected, try_load, NULL);

	weir_test_rejects(port_addresses, try_load, NULL);

	gen_reset();
	gen_add("{'workers':[1],'ports':[{" P0 ",'addresses':[");
	for (i = 0; i < 17; i++)
		gen_add("%s'10.0.0.%u/24'", i ? "," : "", i + 1);
	gen_add("]}]}");
	weir_test_reject_one(gen, PKEY ".addresses': more than 16 addresses", try_load, NULL);
}

static void
test_vips(void **state)
{
	static const struct weir_reject_case vips[] = {
		{"{'workers':[1],'ports':[{" P0 "}],'vips':'198.18.1.1'}",
		 "config test: key 'vips' = \"198.18.1.1\": expected an array of addresses"},
		{"{'workers':[1],'ports':[{" P0 "}],'vips':[1]}",
		 "config test: key 'vips[0]' = 1: expected an address string"},
		{"{'workers':[1],'ports':[{" P0 "}],'vips':['198.18.1.1/32']}",
		 "config test: key 'vips[0]' = \"198.18.1.1/32\": takes no prefix length"},
		{"{'workers':[1],'ports':[{" P0 "}],'vips':['198.18.1.1','vip']}",
		 "config test: key 'vips[1]' = \"vip\": not an IPv4 or IPv6 address"},
		{"{'workers':[1],'ports':[{" P0 "}],'vips':['239.1.1.1']}",
		 "config test: key 'vips[0]' = \"239.1.1.1\": must be a unicast address"},
		{"{'workers':[1],'ports':[{" P0 "}],'vips':['ff05::2']}",
		 "config test: key 'vips[0]' = \"ff05::2\": must be a unicast address"},
		{"{'workers':[1],'ports':[{" P0 "}],'vips':['::']}",
		 "config test: key 'vips[0]' = \"::\": must be a unicast address"},
	};
	unsigned int i;

	(void)state;
	weir_test_rejects(vips, try_load, NULL);

	gen_reset();
	gen_add("{'workers':[1],'ports':[{" P0 "}],'vips':[");
	for (i = 0; i < 33; i++)
		gen_add("%s'198.18.1.%u'", i ? "," : "", i + 1);
	gen_add("]}");
	weir_test_reject_one(gen, "config test: key 'vips': more than 32 VIPs", try_load, NULL);
}

static void
test_duplicate_addresses(void **state)
{
	static const struct weir_reject_case duplicate_addresses[] = {
		{"{'workers':[1],'ports':[{" P0 ",'addresses':['198.18.0.1/24']}],"
		 "'vips':['198.18.0.1']}",
		 "config test: key 'vips/ports[].addresses': address 198.18.0.1 is declared twice"},
		{"{'workers':[1],'ports':[{" P0 "}],'vips':['2001:db8::1','2001:DB8:0:0::1']}",
		 "config test: key 'vips/ports[].addresses': address 2001:db8::1 is declared "
		 "twice"},
		/* Same address on two ports, whatever the prefix. */
		{"{'workers':[1],'ports':[{" P0 ",'addresses':['10.0.0.1/8']},{'name':'p1',"
		 "'devargs':'d1','addresses':['10.0.0.1/24']}]}",
		 "config test: key 'vips/ports[].addresses': address 10.0.0.1 is declared twice"},
	};

	(void)state;
	weir_test_rejects(duplicate_addresses, try_load, NULL);
}

static void
test_too_many_addresses(void **state)
{
	struct weir_addrs set;
	struct weir_config *cfg;
	unsigned int i, j;

	(void)state;
	/* 32 VIPs and 2 x 16 port addresses: exactly WEIR_ADDRS_MAX. */
	gen_reset();
	gen_add("{'workers':[1],'ports':[");
	for (i = 0; i < 3; i++) {
		gen_add("%s{'name':'p%u','devargs':'d%u','addresses':[", i ? "," : "", i, i);
		for (j = 0; j < (i < 2 ? 16u : 1u); j++)
			gen_add("%s'10.%u.0.%u/24'", j ? "," : "", i, j + 1);
		gen_add("]}");
	}
	gen_add("],'vips':[");
	for (i = 0; i < 32; i++)
		gen_add("%s'198.18.1.%u'", i ? "," : "", i + 1);
	gen_add("]}");
	/* ... plus the third port's one address is one too many. */
	weir_test_reject_one(gen,
			     "config test: key 'vips': more than 64 addresses in all (vips plus "
			     "every port's addresses)",
			     try_load, NULL);

	/* Without the third port it fits. */
	gen_reset();
	gen_add("{'workers':[1],'ports':[");
	for (i = 0; i < 2; i++) {
		gen_add("%s{'name':'p%u','devargs':'d%u','addresses':[", i ? "," : "", i, i);
		for (j = 0; j < 16; j++)
			gen_add("%s'10.%u.0.%u/24'", j ? "," : "", i, j + 1);
		gen_add("]}");
	}
	gen_add("],'vips':[");
	for (i = 0; i < 32; i++)
		gen_add("%s'198.18.1.%u'", i ? "," : "", i + 1);
	gen_add("]}");
	cfg = load_ok(gen);
	assert_int_equal(weir_config_addrs(cfg, &set), 0);
	assert_int_equal(set.n, WEIR_ADDRS_MAX);
	assert_addr(&set.a[0], 4, "198.18.1.1", 32, WEIR_ADDR_VIP);
	assert_addr(&set.a[31], 4, "198.18.1.32", 32, WEIR_ADDR_VIP);
	assert_addr(&set.a[32], 4, "10.0.0.1", 24, WEIR_ADDR_LOCAL);
	assert_addr(&set.a[63], 4, "10.1.0.16", 24, WEIR_ADDR_LOCAL);
	weir_config_free(cfg);
}

static void
test_addrs_order_and_kinds(void **state)
{
	struct weir_addrs set;
	struct weir_config *cfg;

	(void)state;
	cfg = load_ok("{'workers':[1],'ports':[{'name':'a','devargs':'da','addresses':"
		      "['10.0.0.1/8','2001:db8:a::1/64']},{'name':'b','devargs':'db'},"
		      "{'name':'c','devargs':'dc','addresses':['192.0.2.1/24']}],"
		      "'vips':['203.0.113.1','2001:db8:f::1']}");
	memset(&set, 0xa5, sizeof(set));
	assert_int_equal(weir_config_addrs(cfg, &set), 0);
	assert_int_equal(set.n, 5);
	assert_addr(&set.a[0], 4, "203.0.113.1", 32, WEIR_ADDR_VIP);
	assert_addr(&set.a[1], 6, "2001:db8:f::1", 128, WEIR_ADDR_VIP);
	assert_addr(&set.a[2], 4, "10.0.0.1", 8, WEIR_ADDR_LOCAL);
	assert_addr(&set.a[3], 6, "2001:db8:a::1", 64, WEIR_ADDR_LOCAL);
	assert_addr(&set.a[4], 4, "192.0.2.1", 24, WEIR_ADDR_LOCAL);
	weir_config_free(cfg);

	/* No addresses at all: an empty set. */
	cfg = load_ok(ONE_PORT(P0));
	set.n = 99;
	assert_int_equal(weir_config_addrs(cfg, &set), 0);
	assert_int_equal(set.n, 0);
	weir_config_free(cfg);
}

/* The loader refuses more than WEIR_ADDRS_MAX, so build such a config by hand. */
static void
test_addrs_enospc(void **state)
{
	struct weir_config *cfg;
	struct weir_addrs set;
	unsigned int i;

	(void)state;
	cfg = calloc(1, sizeof(*cfg));
	assert_non_null(cfg);
	cfg->n_vips = 32;
	for (i = 0; i < 32; i++) {
		cfg->vips[i].family = 4;
		cfg->vips[i].ip[3] = (uint8_t)i;
	}
	cfg->n_ports = 2;
	cfg->ports[0].n_addrs = 16;
	cfg->ports[1].n_addrs = 16;
	assert_int_equal(weir_config_addrs(cfg, &set), 0);
	assert_int_equal(set.n, WEIR_ADDRS_MAX);

	cfg->n_ports = 3;
	cfg->ports[2].n_addrs = 1;
	assert_int_equal(weir_config_addrs(cfg, &set), -ENOSPC);

	/* VIPs alone can overflow only a hand-made config. */
	cfg->n_ports = 0;
	cfg->n_vips = 32;
	assert_int_equal(weir_config_addrs(cfg, &set), 0);
	assert_int_equal(set.n, 32);
	weir_config_free(cfg);
}

/* A small error buffer gets a cut, terminated message. */
static void
test_small_err_buffer(void **state)
{
	char small[20];
	struct weir_config *cfg;

	(void)state;
	memset(small, 'x', sizeof(small));
	errno = 0;
	cfg = weir_config_from_string("{\"workers\":[1]}", "test", small, sizeof(small));
	assert_null(cfg);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(small, "config test: key 'p");

	memset(small, 'x', sizeof(small));
	cfg = weir_config_from_string("{", "test", small, sizeof(small));
	assert_null(cfg);
	assert_string_equal(small, "config test: line 1");
}

static void
expect_heap(size_t before, const char *what)
{
	size_t now = weir_test_heap_bytes();

	if (now != before)
		fail_msg("%s: %zd bytes of heap not given back", what, (ssize_t)(now - before));
}

/* weir_config_free() gives back all the loader took, the acl (allocated
 * apart) included; a config refused after its acl was read leaks nothing;
 * and NULL, what a refusal returns to be freed, is a no-op. */
static void
test_config_free(void **state)
{
	static const char *const refused[] = {
		/* In the acl, and after it (the clock is read later). */
		"{'workers':[1],'ports':[{" P0 "}],'acl':{'deny':['198.18.0.0/16','nowhere']}}",
		"{'workers':[1],'ports':[{" P0 "}],'acl':{'deny':['198.18.0.0/16']},"
		"'clock':'wall'}",
	};
	struct weir_config *cfg;
	size_t before, loaded;
	unsigned int i;

	(void)state;
	before = weir_test_heap_bytes();
	cfg = load_ok("{'workers':[1],'ports':[{" P0 "}],'acl':{'deny':['198.18.0.0/16'],"
		      "'allow':['198.18.0.1']}}");
	loaded = weir_test_heap_bytes();
	assert_int_equal(cfg->n_acl, 2);
	assert_true(loaded >= before + sizeof(*cfg) + 2 * sizeof(cfg->acl[0]));
	weir_config_free(cfg);
	expect_heap(before, "a config with an acl, freed");

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		errno = 0;
		assert_null(load(refused[i]));
		assert_int_equal(errno, EINVAL);
		expect_heap(before, refused[i]);
		weir_config_free(NULL);
		assert_int_equal(errno, EINVAL);
		expect_heap(before, "weir_config_free(NULL)");
	}
}

/* Files: each test gets its own directory. */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
dir_setup(void **state)
{
	char *dir = strdup("/tmp/weir-test-config-XXXXXX");

	if (dir == NULL || mkdtemp(dir) == NULL) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int
dir_teardown(void **state)
{
	char *dir = *state;
	int rc = nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(dir);
	return rc;
}

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static struct weir_config *
load_file(const char *path)
{
	memset(errbuf, 0, sizeof(errbuf));
	return weir_config_from_file(path, errbuf, sizeof(errbuf));
}

static void
test_file_valid(void **state)
{
	const char *dir = *state;
	char path[256];
	struct weir_config *cfg;

	snprintf(path, sizeof(path), "%s/weir.json", dir);
	write_file(path, weir_default_config, strlen(weir_default_config));
	cfg = load_file(path);
	if (cfg == NULL)
		fail_msg("rejected: %s", errbuf);
	assert_string_equal(cfg->origin, path);
	assert_int_equal(cfg->n_ports, 2);
	assert_string_equal(cfg->ports[0].name, "client");
	assert_string_equal(cfg->ports[1].name, "backend");
	assert_int_equal(cfg->n_vips, 2);
	assert_int_equal(cfg->n_services, 5);
	weir_config_free(cfg);
}

static void
test_file_missing(void **state)
{
	const char *dir = *state;
	char path[256], expected[512];

	snprintf(path, sizeof(path), "%s/nope.json", dir);
	snprintf(expected, sizeof(expected), "config %s: cannot open: No such file or directory",
		 path);
	weir_test_reject_one(path, expected, try_load_file, NULL);

	snprintf(path, sizeof(path), "%s/nodir/weir.json", dir);
	snprintf(expected, sizeof(expected), "config %s: cannot open: No such file or directory",
		 path);
	weir_test_reject_one(path, expected, try_load_file, NULL);
}

static void
test_file_directory(void **state)
{
	const char *dir = *state;
	char expected[512];
	struct weir_config *cfg;

	errno = 0;
	cfg = load_file(dir);
	if (cfg != NULL) {
		weir_config_free(cfg);
		fail_msg("a directory was accepted");
	}
	assert_int_equal(errno, EINVAL);
	snprintf(expected, sizeof(expected), "config %s: not a regular file", dir);
	assert_string_equal(errbuf, expected);
}

/* A FIFO (or a device) is refused at once: opening it must not wait for a
 * writer. SIGALRM ends the test if it does. */
static void
test_file_fifo(void **state)
{
	const char *dir = *state;
	char path[256], expected[512];

	snprintf(path, sizeof(path), "%s/weir.fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(expected, sizeof(expected), "config %s: not a regular file", path);
	alarm(5);
	weir_test_reject_one(path, expected, try_load_file, NULL);
	weir_test_reject_one("/dev/null", "config /dev/null: not a regular file", try_load_file,
			     NULL);
	alarm(0);
}

static void
test_file_nul_byte(void **state)
{
	static const char text[] = "{\"workers\":[1],\0\"ports\":[]}";
	const char *dir = *state;
	char path[256], expected[512];

	snprintf(path, sizeof(path), "%s/nul.json", dir);
	write_file(path, text, sizeof(text) - 1);
	snprintf(expected, sizeof(expected), "config %s: contains a NUL byte", path);
	weir_test_reject_one(path, expected, try_load_file, NULL);
}

static void
test_file_errors_name_the_file(void **state)
{
	const char *dir = *state;
	char path[256], expected[512];
	const char *text;
	int fd;

	snprintf(path, sizeof(path), "%s/empty.json", dir);
	write_file(path, "", 0);
	snprintf(expected, sizeof(expected),
		 "config %s: line 1 column 0: '[' or '{' expected near end of file", path);
	weir_test_reject_one(path, expected, try_load_file, NULL);

	snprintf(path, sizeof(path), "%s/bad.json", dir);
	text = dq("{'workers':[1],'ports':[{'name':'a'}]}\n");
	write_file(path, text, strlen(text));
	snprintf(expected, sizeof(expected), "config %s: key 'ports[0].devargs': missing", path);
	weir_test_reject_one(path, expected, try_load_file, NULL);

	/* Over 16 MiB (sparse: costs no disk). */
	snprintf(path, sizeof(path), "%s/huge.json", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (16 << 20) + 1), 0);
	close(fd);
	snprintf(expected, sizeof(expected), "config %s: not a readable file of at most 16 MiB",
		 path);
	weir_test_reject_one(path, expected, try_load_file, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_config),
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_limits_accepted),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_root_not_object),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_keys_escaped),
		cmocka_unit_test(test_big_integers),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_mbufs_idle),
		cmocka_unit_test(test_workers),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_port_name_devargs),
		cmocka_unit_test(test_port_mac),
		cmocka_unit_test(test_port_desc),
		cmocka_unit_test(test_port_steering),
		cmocka_unit_test(test_port_addresses),
		cmocka_unit_test(test_vips),
		cmocka_unit_test(test_duplicate_addresses),
		cmocka_unit_test(test_too_many_addresses),
		cmocka_unit_test(test_addrs_order_and_kinds),
		cmocka_unit_test(test_addrs_enospc),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_config_free),
		cmocka_unit_test_setup_teardown(test_file_valid, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_file_missing, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_file_directory, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_file_fifo, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_file_nul_byte, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_file_errors_name_the_file, dir_setup,
						dir_teardown),
	};

	return weir_test_main(tests);
}
