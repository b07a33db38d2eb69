/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "weir_config.h"
#include "weir_config_priv.h"

#define DEFAULT_SOCKET "/run/weir/weir.sock"
#define DEFAULT_DESC 1024

/*
 * A message echoes keys and values of the file: its control bytes (a
 * newline would start a line the file chose, an ESC would reach the
 * terminal) and C1 controls (U+0080 - U+009F) are written as \xNN, so
 * that a message is always one line of text.
 */
static void
escape_line(char *s, size_t len)
{
	char out[1024];
	size_t i, n = 0;

	for (i = 0; s[i] != '\0' && n + 9 < sizeof(out); i++) {
		unsigned char b = (unsigned char)s[i];

		if (b < 0x20 || b == 0x7f) {
			n += (size_t)snprintf(out + n, sizeof(out) - n, "\\x%02x", b);
		} else if (b == 0xc2 && (unsigned char)s[i + 1] >= 0x80 &&
			   (unsigned char)s[i + 1] <= 0x9f) {
			n += (size_t)snprintf(out + n, sizeof(out) - n, "\\xc2\\x%02x",
					      (unsigned char)s[++i]);
		} else {
			out[n++] = s[i];
		}
	}
	out[n] = '\0';
	snprintf(s, len, "%s", out);
}

int
weir_cfg_fail(struct weir_cfg_ctx *c, const char *key, const json_t *val, const char *fmt, ...)
{
	char what[256], *shown = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (val != NULL)
		shown = json_dumps(val, JSON_ENCODE_ANY | JSON_COMPACT);
	if (shown != NULL && strlen(shown) > 80)
		strcpy(shown + 77, "...");
	snprintf(c->err, c->errlen, "config %s: key '%s'%s%s: %s", c->origin, key,
		 shown != NULL ? " = " : "", shown != NULL ? shown : "", what);
	escape_line(c->err, c->errlen);
	free(shown);
	errno = EINVAL;
	return -EINVAL;
}

/* Unknown keys are errors: a typo must not silently fall back to a default. */
int
weir_cfg_check_keys(struct weir_cfg_ctx *c, const char *where, json_t *obj,
		    const char *const *allowed)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v)
	{
		const char *const *a;
		char key[300];

		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, k) == 0)
				break;
		if (*a == NULL) {
			snprintf(key, sizeof(key), "%s%s%s", where, *where ? "." : "", k);
			return weir_cfg_fail(c, key, NULL, "unknown key");
		}
	}
	return 0;
}

static int
ipv6_unspecified(const uint8_t *ip)
{
	static const uint8_t zero[16];

	return memcmp(ip, zero, 16) == 0;
}

static int
ipv6_loopback(const uint8_t *ip)
{
	static const uint8_t one[16] = {[15] = 1};

	return memcmp(ip, one, 16) == 0;
}

static int
ipv6_v4mapped(const uint8_t *ip)
{
	static const uint8_t pfx[12] = {[10] = 0xff, [11] = 0xff};

	return memcmp(ip, pfx, 12) == 0;
}

int
weir_cfg_get_uint(struct weir_cfg_ctx *c, const char *key, json_t *v, unsigned long min,
		  unsigned long max, unsigned long *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)min ||
	    json_integer_value(v) > (json_int_t)max)
		return weir_cfg_fail(c, key, v, "expected an integer in [%lu, %lu]", min, max);
	*out = (unsigned long)json_integer_value(v);
	return 0;
}

int
weir_cfg_member_uint(struct weir_cfg_ctx *c, const char *where, json_t *obj, const char *name,
		     int required, unsigned long min, unsigned long max, unsigned long *out)
{
	json_t *v = json_object_get(obj, name);
	char key[160];

	if (*where != '\0')
		snprintf(key, sizeof(key), "%s.%s", where, name);
	else
		snprintf(key, sizeof(key), "%s", name);
	if (v == NULL)
		return required ? weir_cfg_fail(c, key, NULL, "missing") : 1;
	return weir_cfg_get_uint(c, key, v, min, max, out);
}

int
weir_cfg_get_string(struct weir_cfg_ctx *c, const char *key, json_t *v, char *out, size_t outlen)
{
	const char *s;

	if (!json_is_string(v))
		return weir_cfg_fail(c, key, v, "expected a string");
	s = json_string_value(v);
	if (*s == '\0')
		return weir_cfg_fail(c, key, v, "must not be empty");
	if (strlen(s) >= outlen)
		return weir_cfg_fail(c, key, v, "longer than %zu characters", outlen - 1);
	strcpy(out, s);
	return 0;
}

int
weir_cfg_parse_mac(const char *s, uint8_t mac[6])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	/* Exactly xx:xx:xx:xx:xx:xx; sscanf's %x would take signs and spaces. */
	if (strlen(s) != 17)
		return -1;
	for (i = 0; i < 6; i++) {
		const char *hi = memchr(hex, tolower((unsigned char)s[3 * i]), 16);
		const char *lo = memchr(hex, tolower((unsigned char)s[3 * i + 1]), 16);

		if (s[3 * i] == '\0' || s[3 * i + 1] == '\0' || hi == NULL || lo == NULL ||
		    (i < 5 && s[3 * i + 2] != ':'))
			return -1;
		mac[i] = (uint8_t)((hi - hex) << 4 | (lo - hex));
	}
	return 0;
}

int
weir_cfg_mac_zero(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return memcmp(mac, zero, 6) == 0;
}

/* "198.18.0.1", "198.18.0.1/24", "2001:db8::1/64"; prefix required when want_prefix. */
int
weir_cfg_parse_addr(struct weir_cfg_ctx *c, const char *key, json_t *v, int want_prefix,
		    struct weir_addr *a)
{
	char buf[64], *slash, *end;
	const char *s;
	long pfx;

	if (!json_is_string(v))
		return weir_cfg_fail(c, key, v, "expected an address string");
	s = json_string_value(v);
	if (strlen(s) >= sizeof(buf))
		return weir_cfg_fail(c, key, v, "not an IPv4 or IPv6 address");
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, a->ip) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, buf, a->ip) == 1)
		a->family = 6;
	else
		return weir_cfg_fail(c, key, v, "not an IPv4 or IPv6 address");
	if ((a->family == 4 && (a->ip[0] == 0 || a->ip[0] >= 224)) ||
	    (a->family == 6 && (a->ip[0] == 0xff || ipv6_unspecified(a->ip))))
		return weir_cfg_fail(c, key, v, "must be a unicast address");
	if ((a->family == 4 && a->ip[0] == 127) || (a->family == 6 && ipv6_loopback(a->ip)))
		return weir_cfg_fail(c, key, v, "must not be a loopback address");
	if (a->family == 6 && ipv6_v4mapped(a->ip))
		return weir_cfg_fail(c, key, v,
				     "IPv4-mapped IPv6 address: write the IPv4 address instead");
	if (want_prefix && slash == NULL)
		return weir_cfg_fail(c, key, v, "needs a prefix length, e.g. 198.18.0.1/24");
	if (!want_prefix && slash != NULL)
		return weir_cfg_fail(c, key, v, "takes no prefix length");
	if (slash != NULL) {
		errno = 0;
		pfx = strtol(slash, &end, 10);
		if (!isdigit((unsigned char)*slash) || *end != '\0' || errno != 0 || pfx < 1 ||
		    pfx > (a->family == 4 ? 32 : 128))
			return weir_cfg_fail(c, key, v, "bad prefix length");
		a->prefix = (uint8_t)pfx;
	} else {
		a->prefix = a->family == 4 ? 32 : 128;
	}
	return 0;
}

static int
load_port(struct weir_cfg_ctx *c, unsigned int i, json_t *o, struct weir_port_config *p)
{
	static const char *const keys[] = {"name",	"devargs",   "mac",
					   "addresses", "rx_desc",   "tx_desc",
					   "steering",	"neighbors", NULL};
	char where[32], key[96];
	unsigned long u;
	json_t *v;
	size_t j;
	int rc;

	snprintf(where, sizeof(where), "ports[%u]", i);
	if (!json_is_object(o))
		return weir_cfg_fail(c, where, o, "expected an object");
	rc = weir_cfg_check_keys(c, where, o, keys);
	if (rc != 0)
		return rc;

	snprintf(key, sizeof(key), "%s.name", where);
	if ((v = json_object_get(o, "name")) == NULL)
		return weir_cfg_fail(c, key, NULL, "missing");
	if ((rc = weir_cfg_get_string(c, key, v, p->name, sizeof(p->name))) != 0)
		return rc;

	snprintf(key, sizeof(key), "%s.devargs", where);
	if ((v = json_object_get(o, "devargs")) == NULL)
		return weir_cfg_fail(c, key, NULL, "missing");
	if ((rc = weir_cfg_get_string(c, key, v, p->devargs, sizeof(p->devargs))) != 0)
		return rc;

	snprintf(key, sizeof(key), "%s.mac", where);
	if ((v = json_object_get(o, "mac")) != NULL) {
		if (!json_is_string(v) || weir_cfg_parse_mac(json_string_value(v), p->mac) != 0)
			return weir_cfg_fail(c, key, v,
					     "expected a MAC address like 02:00:00:00:00:01");
		if (p->mac[0] & 1)
			return weir_cfg_fail(c, key, v, "must be a unicast MAC address");
		if (weir_cfg_mac_zero(p->mac))
			return weir_cfg_fail(c, key, v, "must not be 00:00:00:00:00:00");
		p->has_mac = 1;
	}

	p->rx_desc = p->tx_desc = DEFAULT_DESC;
	snprintf(key, sizeof(key), "%s.rx_desc", where);
	if ((v = json_object_get(o, "rx_desc")) != NULL) {
		if ((rc = weir_cfg_get_uint(c, key, v, 32, 16384, &u)) != 0)
			return rc;
		p->rx_desc = (uint16_t)u;
	}
	snprintf(key, sizeof(key), "%s.tx_desc", where);
	if ((v = json_object_get(o, "tx_desc")) != NULL) {
		if ((rc = weir_cfg_get_uint(c, key, v, 32, 16384, &u)) != 0)
			return rc;
		p->tx_desc = (uint16_t)u;
	}

	snprintf(key, sizeof(key), "%s.steering", where);
	if ((v = json_object_get(o, "steering")) != NULL) {
		const char *s = json_is_string(v) ? json_string_value(v) : "";

		if (strcmp(s, "auto") == 0)
			p->steering = WEIR_STEER_AUTO;
		else if (strcmp(s, "software") == 0)
			p->steering = WEIR_STEER_SOFTWARE;
		else
			return weir_cfg_fail(c, key, v, "expected \"auto\" or \"software\"");
	}

	snprintf(key, sizeof(key), "%s.addresses", where);
	if ((v = json_object_get(o, "addresses")) != NULL) {
		json_t *e;

		if (!json_is_array(v))
			return weir_cfg_fail(c, key, v,
					     "expected an array of addresses with prefixes");
		if (json_array_size(v) > sizeof(p->addrs) / sizeof(p->addrs[0]))
			return weir_cfg_fail(c, key, NULL, "more than %zu addresses",
					     sizeof(p->addrs) / sizeof(p->addrs[0]));
		json_array_foreach(v, j, e)
		{
			snprintf(key, sizeof(key), "%s.addresses[%zu]", where, j);
			rc = weir_cfg_parse_addr(c, key, e, 1, &p->addrs[j]);
			if (rc != 0)
				return rc;
			p->addrs[j].kind = WEIR_ADDR_LOCAL;
			p->n_addrs++;
		}
	}
	if ((v = json_object_get(o, "neighbors")) != NULL)
		return weir_cfg_load_neighbors(c, where, v, p);
	return 0;
}

static int
load(struct weir_cfg_ctx *c, json_t *root, struct weir_config *cfg)
{
	static const char *const keys[] = {"control",
					   "mbufs",
					   "idle_sleep_us",
					   "workers",
					   "ports",
					   "vips",
					   "pools",
					   "services",
					   "maglev_size",
					   "conn_table_size",
					   "udp_ports_per_source",
					   "cookie_secret",
					   "source_table_size",
					   "acl",
					   "limits",
					   "clock",
					   "http_head_buffers",
					   "gate",
					   NULL};
	char key[96];
	unsigned long u;
	json_t *v, *e;
	size_t i, j;
	int rc;

	if (!json_is_object(root))
		return weir_cfg_fail(c, "(top level)", NULL, "expected a JSON object");
	if ((rc = weir_cfg_check_keys(c, "", root, keys)) != 0)
		return rc;

	strcpy(cfg->socket_path, DEFAULT_SOCKET);
	if ((v = json_object_get(root, "control")) != NULL) {
		static const char *const ckeys[] = {"socket", NULL};
		json_t *s;

		if (!json_is_object(v))
			return weir_cfg_fail(c, "control", v, "expected an object");
		if ((rc = weir_cfg_check_keys(c, "control", v, ckeys)) != 0)
			return rc;
		if ((s = json_object_get(v, "socket")) != NULL) {
			rc = weir_cfg_get_string(c, "control.socket", s, cfg->socket_path,
						 sizeof(cfg->socket_path));
			if (rc != 0)
				return rc;
			if (cfg->socket_path[0] != '/')
				return weir_cfg_fail(c, "control.socket", s,
						     "must be an absolute path");
		}
	}

	/* 0: sized at start-up from ports, queues and workers. */
	if ((v = json_object_get(root, "mbufs")) != NULL) {
		if ((rc = weir_cfg_get_uint(c, "mbufs", v, 1023, 16u << 20, &u)) != 0)
			return rc;
		cfg->mbufs = (unsigned int)u;
	}
	if ((v = json_object_get(root, "idle_sleep_us")) != NULL) {
		if ((rc = weir_cfg_get_uint(c, "idle_sleep_us", v, 0, 100000, &u)) != 0)
			return rc;
		cfg->idle_sleep_us = (unsigned int)u;
	}

	if ((v = json_object_get(root, "workers")) == NULL)
		return weir_cfg_fail(c, "workers", NULL,
				     "missing: list the worker lcores, e.g. [1]");
	if (!json_is_array(v) || json_array_size(v) == 0)
		return weir_cfg_fail(c, "workers", v, "expected a non-empty array of lcore ids");
	if (json_array_size(v) > WEIR_MAX_WORKERS)
		return weir_cfg_fail(c, "workers", NULL, "more than %d workers", WEIR_MAX_WORKERS);
	json_array_foreach(v, i, e)
	{
		snprintf(key, sizeof(key), "workers[%zu]", i);
		if ((rc = weir_cfg_get_uint(c, key, e, 0, WEIR_MAX_LCORE, &u)) != 0)
			return rc;
		for (j = 0; j < cfg->n_workers; j++)
			if (cfg->workers[j] == u)
				return weir_cfg_fail(c, key, e, "lcore listed twice");
		cfg->workers[cfg->n_workers++] = (unsigned int)u;
	}

	if ((v = json_object_get(root, "ports")) == NULL)
		return weir_cfg_fail(c, "ports", NULL, "missing: declare at least one port");
	if (!json_is_array(v) || json_array_size(v) == 0)
		return weir_cfg_fail(c, "ports", v, "expected a non-empty array of ports");
	if (json_array_size(v) > WEIR_MAX_PORTS)
		return weir_cfg_fail(c, "ports", NULL, "more than %d ports", WEIR_MAX_PORTS);
	json_array_foreach(v, i, e)
	{
		if ((rc = load_port(c, (unsigned int)i, e, &cfg->ports[i])) != 0)
			return rc;
		cfg->n_ports++;
		for (j = 0; j < i; j++) {
			if (strcmp(cfg->ports[j].name, cfg->ports[i].name) == 0) {
				snprintf(key, sizeof(key), "ports[%zu].name", i);
				return weir_cfg_fail(c, key, json_object_get(e, "name"),
						     "same name as ports[%zu]", j);
			}
			if (strcmp(cfg->ports[j].devargs, cfg->ports[i].devargs) == 0) {
				snprintf(key, sizeof(key), "ports[%zu].devargs", i);
				return weir_cfg_fail(c, key, json_object_get(e, "devargs"),
						     "same device as ports[%zu]", j);
			}
		}
	}

	if ((v = json_object_get(root, "vips")) != NULL) {
		if (!json_is_array(v))
			return weir_cfg_fail(c, "vips", v, "expected an array of addresses");
		if (json_array_size(v) > sizeof(cfg->vips) / sizeof(cfg->vips[0]))
			return weir_cfg_fail(c, "vips", NULL, "more than %zu VIPs",
					     sizeof(cfg->vips) / sizeof(cfg->vips[0]));
		json_array_foreach(v, i, e)
		{
			snprintf(key, sizeof(key), "vips[%zu]", i);
			if ((rc = weir_cfg_parse_addr(c, key, e, 0, &cfg->vips[i])) != 0)
				return rc;
			cfg->vips[i].kind = WEIR_ADDR_VIP;
			cfg->n_vips++;
		}
	}

	/* One owner per address: a duplicate is a typo that would hide a port. */
	{
		struct weir_addrs all;
		unsigned int a, b;

		if (weir_config_addrs(cfg, &all) != 0)
			return weir_cfg_fail(
				c, "vips", NULL,
				"more than %d addresses in all (vips plus every port's addresses)",
				WEIR_ADDRS_MAX);
		for (a = 0; a < all.n; a++)
			for (b = 0; b < a; b++)
				if (all.a[a].family == all.a[b].family &&
				    memcmp(all.a[a].ip, all.a[b].ip, 16) == 0) {
					char ip[INET6_ADDRSTRLEN];

					inet_ntop(all.a[a].family == 4 ? AF_INET : AF_INET6,
						  all.a[a].ip, ip, sizeof(ip));
					return weir_cfg_fail(c, "vips/ports[].addresses", NULL,
							     "address %s is declared twice", ip);
				}
	}
	if ((rc = weir_cfg_load_gate(c, root, cfg)) != 0)
		return rc;
	return weir_cfg_load_l4(c, root, cfg);
}

int
weir_config_addrs(const struct weir_config *cfg, struct weir_addrs *set)
{
	unsigned int i, j;

	set->n = 0;
	for (i = 0; i < cfg->n_vips; i++) {
		if (set->n == WEIR_ADDRS_MAX)
			return -ENOSPC;
		set->a[set->n++] = cfg->vips[i];
	}
	for (i = 0; i < cfg->n_ports; i++)
		for (j = 0; j < cfg->ports[i].n_addrs; j++) {
			if (set->n == WEIR_ADDRS_MAX)
				return -ENOSPC;
			set->a[set->n++] = cfg->ports[i].addrs[j];
		}
	/* A service's VIP is a VIP even when "vips" does not list it. */
	for (i = 0; i < cfg->n_services; i++) {
		const struct weir_addr *v = &cfg->services[i].vip;

		if (weir_addrs_find(set, v->family, v->ip) != NULL)
			continue;
		if (set->n == WEIR_ADDRS_MAX)
			return -ENOSPC;
		set->a[set->n++] = *v;
	}
	weir_addrs_index(set);
	return 0;
}

/* The key of the first number in v whose value is beyond int64 (in a tree
 * read with JSON_DECODE_INT_AS_REAL), into key; 0 if found. */
static int
big_number_key(json_t *v, const char *where, char *key, size_t len)
{
	const char *k;
	json_t *e;
	size_t i;
	char sub[256];

	if (json_is_real(v) && (json_real_value(v) >= 0x1p63 || json_real_value(v) <= -0x1p63)) {
		snprintf(key, len, "%s", *where != '\0' ? where : "(top level)");
		return 0;
	}
	if (json_is_object(v))
		json_object_foreach(v, k, e)
		{
			snprintf(sub, sizeof(sub), "%s%s%s", where, *where ? "." : "", k);
			if (big_number_key(e, sub, key, len) == 0)
				return 0;
		}
	if (json_is_array(v))
		json_array_foreach(v, i, e)
		{
			snprintf(sub, sizeof(sub), "%s[%zu]", where, i);
			if (big_number_key(e, sub, key, len) == 0)
				return 0;
		}
	return -1;
}

struct weir_config *
weir_config_from_string(const char *text, const char *origin, char *err, size_t errlen)
{
	struct weir_cfg_ctx c = {.origin = origin, .err = err, .errlen = errlen};
	struct weir_config *cfg;
	json_error_t jerr;
	json_t *root;

	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		char key[256];
		json_t *again = NULL;

		/* jansson says where, not which key: read the file again with
		 * every integer as a double to find the key. */
		if (strncmp(jerr.text, "too big", 7) == 0)
			again = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL,
					   NULL);
		if (again != NULL && big_number_key(again, "", key, sizeof(key)) == 0)
			snprintf(err, errlen,
				 "config %s: key '%s': line %d column %d: integer out of range "
				 "(%s)",
				 origin, key, jerr.line, jerr.column, jerr.text);
		else
			snprintf(err, errlen, "config %s: line %d column %d: %s", origin, jerr.line,
				 jerr.column, jerr.text);
		json_decref(again);
		escape_line(err, errlen);
		errno = EINVAL;
		return NULL;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL) {
		json_decref(root);
		snprintf(err, errlen, "config %s: out of memory", origin);
		errno = ENOMEM;
		return NULL;
	}
	snprintf(cfg->origin, sizeof(cfg->origin), "%s", origin);
	if (load(&c, root, cfg) != 0) {
		json_decref(root);
		weir_config_free(cfg);
		errno = EINVAL;
		return NULL;
	}
	json_decref(root);
	return cfg;
}

struct weir_config *
weir_config_from_file(const char *path, char *err, size_t errlen)
{
	struct weir_config *cfg;
	struct stat st;
	char *text;
	long size;
	FILE *f;
	int fd;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then
	 * refuses anything but a regular file (a FIFO, a device, a socket). */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "config %s: cannot open: %s", path, strerror(errno));
		escape_line(err, errlen);
		errno = EINVAL;
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || fcntl(fd, F_SETFL, 0) != 0 ||
	    (f = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "config %s: not a regular file", path);
		escape_line(err, errlen);
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > (1 << 24) ||
	    fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "config %s: not a readable file of at most 16 MiB", path);
		escape_line(err, errlen);
		fclose(f);
		errno = EINVAL;
		return NULL;
	}
	text = malloc((size_t)size + 1);
	if (text == NULL || fread(text, 1, (size_t)size, f) != (size_t)size) {
		snprintf(err, errlen, "config %s: cannot read", path);
		escape_line(err, errlen);
		free(text);
		fclose(f);
		errno = EINVAL;
		return NULL;
	}
	fclose(f);
	text[size] = '\0';
	if (strlen(text) != (size_t)size) {
		snprintf(err, errlen, "config %s: contains a NUL byte", path);
		escape_line(err, errlen);
		free(text);
		errno = EINVAL;
		return NULL;
	}
	cfg = weir_config_from_string(text, path, err, errlen);
	free(text);
	return cfg;
}

void
weir_config_free(struct weir_config *cfg)
{
	unsigned int i;

	if (cfg == NULL)
		return;
	free(cfg->acl);
	if (cfg->gate != NULL) {
		for (i = 0; i < cfg->gate->n_issuers; i++) {
			unsigned int k;

			for (k = 0; k < WEIR_JWT_MAX_KEYS; k++)
				weir_jwt_key_free(&cfg->gate->issuers[i].jwt.keys[k]);
		}
		free(cfg->gate->keys);
		free(cfg->gate);
	}
	/* Every slot: a service refused half-loaded may hold its http. */
	for (i = 0; i < WEIR_MAX_SERVICES; i++)
		free(cfg->services[i].http);
	free(cfg);
}
