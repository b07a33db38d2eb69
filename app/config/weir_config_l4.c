/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration of L4 load balancing: static neighbours, pools of backends,
 * services. Cross-checks that need the whole file (a service's pool exists,
 * its local IPs belong to one port, its backends are reachable from that
 * port) run here, so a config that loads is one the data path can serve.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "weir_config_priv.h"

#define DEFAULT_TIMEOUT_SYN 30
#define DEFAULT_TIMEOUT_ESTABLISHED 900
#define DEFAULT_TIMEOUT_FIN 60
#define DEFAULT_TIMEOUT_CLOSED 10
#define DEFAULT_TIMEOUT_UDP 300
#define DEFAULT_TIMEOUT_UDP_UNREPLIED 10
#define DEFAULT_UDP_PORTS_PER_SOURCE 4096
#define MAX_TIMEOUT 86400

static int
same_ip(const struct weir_addr *a, const struct weir_addr *b)
{
	return a->family == b->family && memcmp(a->ip, b->ip, a->family == 4 ? 4 : 16) == 0;
}

/* Is ip inside the subnet of the port address a? */
static int
in_prefix(const struct weir_addr *a, const struct weir_addr *ip)
{
	unsigned int bits = a->prefix, i;

	if (a->family != ip->family)
		return 0;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (a->ip[i] != ip->ip[i])
			return 0;
	return bits == 0 || ((a->ip[i] ^ ip->ip[i]) >> (8 - bits)) == 0;
}

static void
addr_str(const struct weir_addr *a, char *buf, size_t len)
{
	inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->ip, buf, (socklen_t)len);
}

int
weir_cfg_load_neighbors(struct weir_cfg_ctx *c, const char *where, json_t *v,
			struct weir_port_config *p)
{
	static const char *const keys[] = {"address", "mac", NULL};
	char key[96];
	json_t *e, *f;
	size_t j, k;
	int rc;

	snprintf(key, sizeof(key), "%s.neighbors", where);
	if (!json_is_array(v))
		return weir_cfg_fail(c, key, v, "expected an array of {address, mac}");
	if (json_array_size(v) > WEIR_MAX_NEIGHBORS)
		return weir_cfg_fail(c, key, NULL, "more than %d neighbors", WEIR_MAX_NEIGHBORS);
	json_array_foreach(v, j, e)
	{
		struct weir_neighbor_config *n = &p->neighbors[j];

		snprintf(key, sizeof(key), "%s.neighbors[%zu]", where, j);
		if (!json_is_object(e))
			return weir_cfg_fail(c, key, e, "expected an object {address, mac}");
		if ((rc = weir_cfg_check_keys(c, key, e, keys)) != 0)
			return rc;
		snprintf(key, sizeof(key), "%s.neighbors[%zu].address", where, j);
		if ((f = json_object_get(e, "address")) == NULL)
			return weir_cfg_fail(c, key, NULL, "missing");
		if ((rc = weir_cfg_parse_addr(c, key, f, 0, &n->addr)) != 0)
			return rc;
		for (k = 0; k < j; k++)
			if (same_ip(&p->neighbors[k].addr, &n->addr))
				return weir_cfg_fail(c, key, f, "same address as neighbors[%zu]",
						     k);
		snprintf(key, sizeof(key), "%s.neighbors[%zu].mac", where, j);
		if ((f = json_object_get(e, "mac")) == NULL)
			return weir_cfg_fail(c, key, NULL, "missing");
		if (!json_is_string(f) || weir_cfg_parse_mac(json_string_value(f), n->mac) != 0)
			return weir_cfg_fail(c, key, f,
					     "expected a MAC address like 02:00:00:00:00:01");
		if (n->mac[0] & 1)
			return weir_cfg_fail(c, key, f, "must be a unicast MAC address");
		if (weir_cfg_mac_zero(n->mac))
			return weir_cfg_fail(c, key, f, "must not be 00:00:00:00:00:00");
		p->n_neighbors++;
	}
	return 0;
}

static int
load_backend(struct weir_cfg_ctx *c, const char *where, json_t *o, struct weir_backend_config *b)
{
	static const char *const keys[] = {"address", "port", "weight", "datacenter", NULL};
	char key[128];
	unsigned long u;
	json_t *v;
	int rc;

	if (!json_is_object(o))
		return weir_cfg_fail(c, where, o, "expected an object {address, port, ...}");
	if ((rc = weir_cfg_check_keys(c, where, o, keys)) != 0)
		return rc;
	snprintf(key, sizeof(key), "%s.address", where);
	if ((v = json_object_get(o, "address")) == NULL)
		return weir_cfg_fail(c, key, NULL, "missing");
	if ((rc = weir_cfg_parse_addr(c, key, v, 0, &b->addr)) != 0)
		return rc;
	if ((rc = weir_cfg_member_uint(c, where, o, "port", 1, 1, 65535, &u)) < 0)
		return rc;
	b->port = (uint16_t)u;
	u = 1;
	if ((rc = weir_cfg_member_uint(c, where, o, "weight", 0, 0, WEIR_LB_MAX_WEIGHT, &u)) < 0)
		return rc;
	b->weight = (uint32_t)u;
	snprintf(key, sizeof(key), "%s.datacenter", where);
	if ((v = json_object_get(o, "datacenter")) != NULL)
		return weir_cfg_get_string(c, key, v, b->datacenter, sizeof(b->datacenter));
	return 0;
}

static int
load_pools(struct weir_cfg_ctx *c, json_t *v, struct weir_config *cfg)
{
	static const char *const keys[] = {"name", "backends", "health", "outlier", NULL};
	char where[32], key[96];
	json_t *o, *f, *e;
	size_t i, j, k, probes = 0;
	int rc;

	if (!json_is_array(v))
		return weir_cfg_fail(c, "pools", v, "expected an array of pools");
	if (json_array_size(v) > WEIR_MAX_POOLS)
		return weir_cfg_fail(c, "pools", NULL, "more than %d pools", WEIR_MAX_POOLS);
	json_array_foreach(v, i, o)
	{
		struct weir_pool_config *p = &cfg->pools[i];

		snprintf(where, sizeof(where), "pools[%zu]", i);
		if (!json_is_object(o))
			return weir_cfg_fail(c, where, o, "expected an object {name, backends}");
		if ((rc = weir_cfg_check_keys(c, where, o, keys)) != 0)
			return rc;
		snprintf(key, sizeof(key), "%s.name", where);
		if ((f = json_object_get(o, "name")) == NULL)
			return weir_cfg_fail(c, key, NULL, "missing");
		if ((rc = weir_cfg_get_string(c, key, f, p->name, sizeof(p->name))) != 0)
			return rc;
		for (k = 0; k < i; k++)
			if (strcmp(cfg->pools[k].name, p->name) == 0)
				return weir_cfg_fail(c, key, f, "same name as pools[%zu]", k);
		snprintf(key, sizeof(key), "%s.backends", where);
		if ((f = json_object_get(o, "backends")) == NULL)
			return weir_cfg_fail(c, key, NULL, "missing");
		if (!json_is_array(f) || json_array_size(f) == 0)
			return weir_cfg_fail(c, key, f, "expected a non-empty array of backends");
		if (json_array_size(f) > WEIR_MAX_BACKENDS)
			return weir_cfg_fail(c, key, NULL, "more than %d backends",
					     WEIR_MAX_BACKENDS);
		json_array_foreach(f, j, e)
		{
			struct weir_backend_config *b = &p->backends[j];

			snprintf(key, sizeof(key), "%s.backends[%zu]", where, j);
			if ((rc = load_backend(c, key, e, b)) != 0)
				return rc;
			if (b->addr.family != p->backends[0].addr.family) {
				snprintf(key, sizeof(key), "%s.backends[%zu].address", where, j);
				return weir_cfg_fail(c, key, json_object_get(e, "address"),
						     "a pool's backends are all IPv4 or all IPv6");
			}
			for (k = 0; k < j; k++)
				if (same_ip(&p->backends[k].addr, &b->addr) &&
				    p->backends[k].port == b->port)
					return weir_cfg_fail(c, key, e,
							     "same backend as %s.backends[%zu]",
							     where, k);
			p->n_backends++;
		}
		if ((rc = weir_cfg_load_health(c, where, o, p)) != 0)
			return rc;
		if (p->health.enabled)
			probes += p->n_backends;
		if (probes > WEIR_PROBE_PORTS) {
			snprintf(key, sizeof(key), "%s.health", where);
			return weir_cfg_fail(c, key, NULL,
					     "more than %d backends with health checks in all",
					     WEIR_PROBE_PORTS);
		}
		cfg->n_pools++;
	}
	return 0;
}

static int
load_timeouts(struct weir_cfg_ctx *c, const char *where, json_t *v, struct weir_timeouts *t)
{
	static const char *const keys[] = {"syn", "established",   "fin", "closed",
					   "udp", "udp_unreplied", NULL};
	uint32_t *fields[] = {&t->syn,	  &t->established, &t->fin,
			      &t->closed, &t->udp,	   &t->udp_unreplied};
	char key[160];
	unsigned long u;
	unsigned int i;
	json_t *f;
	int rc;

	if (!json_is_object(v))
		return weir_cfg_fail(c, where, v, "expected an object of seconds");
	if ((rc = weir_cfg_check_keys(c, where, v, keys)) != 0)
		return rc;
	for (i = 0; keys[i] != NULL; i++) {
		if ((f = json_object_get(v, keys[i])) == NULL)
			continue;
		snprintf(key, sizeof(key), "%s.%s", where, keys[i]);
		if ((rc = weir_cfg_get_uint(c, key, f, 1, MAX_TIMEOUT, &u)) != 0)
			return rc;
		*fields[i] = (uint32_t)u;
	}
	return 0;
}

/* The port whose addresses include ip, or -1. */
static int
port_of_local(const struct weir_config *cfg, const struct weir_addr *ip)
{
	unsigned int i, j;

	for (i = 0; i < cfg->n_ports; i++)
		for (j = 0; j < cfg->ports[i].n_addrs; j++)
			if (same_ip(&cfg->ports[i].addrs[j], ip))
				return (int)i;
	return -1;
}

/* Can the port send to ip: on one of its subnets, or a static neighbour? */
static int
port_reaches(const struct weir_port_config *p, const struct weir_addr *ip)
{
	unsigned int j;

	for (j = 0; j < p->n_addrs; j++)
		if (in_prefix(&p->addrs[j], ip))
			return 1;
	for (j = 0; j < p->n_neighbors; j++)
		if (same_ip(&p->neighbors[j].addr, ip))
			return 1;
	return 0;
}

static int
load_service(struct weir_cfg_ctx *c, const char *where, json_t *o, struct weir_config *cfg,
	     struct weir_service_config *s)
{
	static const char *const keys[] = {
		"name",	    "vip",	  "port",     "protocol",   "scheduler", "sticky",
		"pool",	    "local_ips",  "timeouts", "forwarding", "mss_clamp", "limits",
		"synproxy", "no_backend", "http",     "routes",	    NULL};
	char key[96];
	unsigned long u;
	unsigned int k;
	json_t *v, *e;
	size_t j;
	int rc, sched, is_http = 0;

	if (!json_is_object(o))
		return weir_cfg_fail(c, where, o, "expected an object");
	if ((rc = weir_cfg_check_keys(c, where, o, keys)) != 0)
		return rc;

	snprintf(key, sizeof(key), "%s.name", where);
	if ((v = json_object_get(o, "name")) == NULL)
		return weir_cfg_fail(c, key, NULL, "missing");
	if ((rc = weir_cfg_get_string(c, key, v, s->name, sizeof(s->name))) != 0)
		return rc;

	snprintf(key, sizeof(key), "%s.vip", where);
	if ((v = json_object_get(o, "vip")) == NULL)
		return weir_cfg_fail(c, key, NULL, "missing");
	if ((rc = weir_cfg_parse_addr(c, key, v, 0, &s->vip)) != 0)
		return rc;
	s->vip.kind = WEIR_ADDR_VIP;
	if (port_of_local(cfg, &s->vip) >= 0)
		return weir_cfg_fail(c, key, v, "is a port's local address, not a VIP");

	if ((rc = weir_cfg_member_uint(c, where, o, "port", 1, 1, 65535, &u)) < 0)
		return rc;
	s->port = (uint16_t)u;

	snprintf(key, sizeof(key), "%s.protocol", where);
	if ((v = json_object_get(o, "protocol")) == NULL)
		return weir_cfg_fail(c, key, NULL, "missing: \"tcp\", \"udp\" or \"http\"");
	if (json_is_string(v) && strcmp(json_string_value(v), "tcp") == 0) {
		s->proto = 6;
	} else if (json_is_string(v) && strcmp(json_string_value(v), "udp") == 0) {
		s->proto = 17;
	} else if (json_is_string(v) && strcmp(json_string_value(v), "http") == 0) {
		/* TCP that weir ends itself, reading the requests. */
		s->proto = 6;
		is_http = 1;
	} else {
		return weir_cfg_fail(c, key, v, "expected \"tcp\", \"udp\" or \"http\"");
	}
	if (!is_http) {
		static const char *const http_only[] = {"http", "routes"};

		for (k = 0; k < 2; k++)
			if ((v = json_object_get(o, http_only[k])) != NULL) {
				snprintf(key, sizeof(key), "%s.%s", where, http_only[k]);
				return weir_cfg_fail(
					c, key, NULL,
					"only \"protocol\": \"http\" services have it");
			}
	}

	s->scheduler = WEIR_SCHED_MAGLEV;
	snprintf(key, sizeof(key), "%s.scheduler", where);
	if ((v = json_object_get(o, "scheduler")) != NULL) {
		sched = json_is_string(v) ? weir_sched_from_name(json_string_value(v)) : -1;
		if (sched < 0)
			return weir_cfg_fail(c, key, v,
					     "expected one of maglev, rr, wrr, least_conn, "
					     "source_hash, least_rtt, adaptive");
		s->scheduler = (uint8_t)sched;
	}
	snprintf(key, sizeof(key), "%s.sticky", where);
	if ((v = json_object_get(o, "sticky")) != NULL) {
		if (json_is_string(v) && strcmp(json_string_value(v), "source") == 0)
			s->sticky_source = 1;
		else if (!json_is_string(v) || strcmp(json_string_value(v), "none") != 0)
			return weir_cfg_fail(c, key, v, "expected \"none\" or \"source\"");
		if (s->sticky_source && s->scheduler != WEIR_SCHED_MAGLEV)
			return weir_cfg_fail(c, key, v,
					     "only the maglev scheduler hashes; use "
					     "\"scheduler\": \"source_hash\" for others");
	}

	snprintf(key, sizeof(key), "%s.forwarding", where);
	if ((v = json_object_get(o, "forwarding")) != NULL) {
		if (json_is_string(v) && strcmp(json_string_value(v), "fullnat") == 0)
			s->forwarding = WEIR_FWD_FULLNAT;
		else if (json_is_string(v) && strcmp(json_string_value(v), "dsr-ipip") == 0)
			s->forwarding = WEIR_FWD_DSR_IPIP;
		else
			return weir_cfg_fail(c, key, v, "expected \"fullnat\" or \"dsr-ipip\"");
		if (is_http && s->forwarding != WEIR_FWD_FULLNAT)
			return weir_cfg_fail(c, key, v,
					     "http services are fullnat (weir ends the client's "
					     "connection)");
	}

	snprintf(key, sizeof(key), "%s.mss_clamp", where);
	if ((v = json_object_get(o, "mss_clamp")) != NULL) {
		if (!json_is_integer(v) ||
		    (json_integer_value(v) != 0 &&
		     (json_integer_value(v) < 536 || json_integer_value(v) > 9000)))
			return weir_cfg_fail(c, key, v, "expected 0 (off) or 536..9000");
		if (s->proto != 6)
			return weir_cfg_fail(c, key, v, "only TCP services carry an MSS");
		s->mss_clamp = (uint16_t)json_integer_value(v);
	}

	s->timeouts = (struct weir_timeouts){DEFAULT_TIMEOUT_SYN, DEFAULT_TIMEOUT_ESTABLISHED,
					     DEFAULT_TIMEOUT_FIN, DEFAULT_TIMEOUT_CLOSED,
					     DEFAULT_TIMEOUT_UDP, DEFAULT_TIMEOUT_UDP_UNREPLIED};
	snprintf(key, sizeof(key), "%s.timeouts", where);
	if ((v = json_object_get(o, "timeouts")) != NULL &&
	    (rc = load_timeouts(c, key, v, &s->timeouts)) != 0)
		return rc;
	/* Never longer once answered than before. */
	if (s->timeouts.udp_unreplied > s->timeouts.udp)
		s->timeouts.udp_unreplied = s->timeouts.udp;

	snprintf(key, sizeof(key), "%s.limits", where);
	if ((v = json_object_get(o, "limits")) != NULL &&
	    (rc = weir_cfg_load_limits(c, key, v, s->proto, &s->limits)) != 0)
		return rc;

	snprintf(key, sizeof(key), "%s.synproxy", where);
	if (is_http && json_object_get(o, "synproxy") != NULL)
		return weir_cfg_fail(c, key, NULL, "http services always answer SYNs with cookies");
	if ((rc = weir_cfg_load_synproxy(c, key, json_object_get(o, "synproxy"), s)) != 0)
		return rc;

	snprintf(key, sizeof(key), "%s.no_backend", where);
	if ((v = json_object_get(o, "no_backend")) != NULL) {
		const char *t = json_is_string(v) ? json_string_value(v) : "";

		if (strcmp(t, "drop") != 0 && strcmp(t, "rst") != 0)
			return weir_cfg_fail(c, key, v, "expected \"drop\" or \"rst\"");
		if (strcmp(t, "rst") == 0 && s->proto != 6)
			return weir_cfg_fail(c, key, v, "only TCP services can answer with an RST");
		s->no_backend_rst = strcmp(t, "rst") == 0;
	}

	snprintf(key, sizeof(key), "%s.pool", where);
	if ((v = json_object_get(o, "pool")) == NULL && !is_http)
		return weir_cfg_fail(c, key, NULL, "missing");
	if (v != NULL && (rc = weir_cfg_find_pool(c, key, v, cfg, s->vip.family, &s->pool)) != 0)
		return rc;

	snprintf(key, sizeof(key), "%s.local_ips", where);
	if ((v = json_object_get(o, "local_ips")) == NULL)
		return weir_cfg_fail(c, key, NULL,
				     "missing: the port addresses weir sends to backends from");
	if (!json_is_array(v) || json_array_size(v) == 0)
		return weir_cfg_fail(c, key, v, "expected a non-empty array of addresses");
	if (json_array_size(v) > WEIR_MAX_LOCAL_IPS)
		return weir_cfg_fail(c, key, NULL, "more than %d addresses", WEIR_MAX_LOCAL_IPS);
	json_array_foreach(v, j, e)
	{
		struct weir_addr *a = &s->local_ips[j];
		int port;

		snprintf(key, sizeof(key), "%s.local_ips[%zu]", where, j);
		if ((rc = weir_cfg_parse_addr(c, key, e, 0, a)) != 0)
			return rc;
		a->kind = WEIR_ADDR_LOCAL;
		if (a->family != s->vip.family)
			return weir_cfg_fail(c, key, e, "must be IPv%d like the VIP",
					     s->vip.family);
		port = port_of_local(cfg, a);
		if (port < 0)
			return weir_cfg_fail(c, key, e, "not an address of any port");
		if (j > 0 && (unsigned int)port != s->out_port)
			return weir_cfg_fail(c, key, e, "on port %s; local_ips[0] is on port %s",
					     cfg->ports[port].name, cfg->ports[s->out_port].name);
		for (k = 0; k < j; k++)
			if (same_ip(&s->local_ips[k], a))
				return weir_cfg_fail(c, key, e, "listed twice");
		s->out_port = (unsigned int)port;
		s->n_local_ips++;
	}
	if (is_http && (rc = weir_cfg_load_http(c, where, o, cfg, s)) != 0)
		return rc;
	return weir_cfg_pool_reached(c, cfg, s, s->pool);
}

int
weir_cfg_find_pool(struct weir_cfg_ctx *c, const char *key, json_t *v,
		   const struct weir_config *cfg, uint8_t family, unsigned int *pool)
{
	const struct weir_pool_config *pl;
	char name[32];
	unsigned int k;
	int rc;

	if ((rc = weir_cfg_get_string(c, key, v, name, sizeof(name))) != 0)
		return rc;
	for (k = 0; k < cfg->n_pools; k++)
		if (strcmp(cfg->pools[k].name, name) == 0)
			break;
	if (k == cfg->n_pools)
		return weir_cfg_fail(c, key, v, "no pool of that name");
	pl = &cfg->pools[k];
	if (pl->backends[0].addr.family != family)
		return weir_cfg_fail(c, key, v, "backends are IPv%d, the VIP is IPv%d",
				     pl->backends[0].addr.family, family);
	*pool = k;
	return 0;
}

int
weir_cfg_pool_reached(struct weir_cfg_ctx *c, const struct weir_config *cfg,
		      const struct weir_service_config *s, unsigned int pool)
{
	const struct weir_pool_config *pl = &cfg->pools[pool];
	char key[96], ip[INET6_ADDRSTRLEN];
	unsigned int k;

	for (k = 0; k < pl->n_backends; k++)
		if (!port_reaches(&cfg->ports[s->out_port], &pl->backends[k].addr)) {
			addr_str(&pl->backends[k].addr, ip, sizeof(ip));
			snprintf(key, sizeof(key), "pools[%u].backends[%u].address", pool, k);
			return weir_cfg_fail(c, key, NULL,
					     "%s is neither on a subnet of port %s nor one of its "
					     "neighbors (service %s)",
					     ip, cfg->ports[s->out_port].name, s->name);
		}
	return 0;
}

int
weir_cfg_load_l4(struct weir_cfg_ctx *c, json_t *root, struct weir_config *cfg)
{
	char where[32];
	struct weir_addrs all;
	unsigned long u;
	json_t *v, *o;
	size_t i, k;
	int rc;

	cfg->maglev_size = WEIR_MAGLEV_DEFAULT_SIZE;
	if ((v = json_object_get(root, "maglev_size")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > UINT32_MAX ||
		    !weir_maglev_size_ok((uint32_t)json_integer_value(v)))
			return weir_cfg_fail(c, "maglev_size", v, "expected a prime in [3, %u]",
					     WEIR_MAGLEV_MAX_SIZE);
		cfg->maglev_size = (uint32_t)json_integer_value(v);
	}
	u = WEIR_DEFAULT_CONN_TABLE;
	if ((rc = weir_cfg_member_uint(c, "", root, "conn_table_size", 0, 1024, 1u << 26, &u)) < 0)
		return rc;
	cfg->conn_table_size = (uint32_t)u;
	u = DEFAULT_UDP_PORTS_PER_SOURCE;
	if ((rc = weir_cfg_member_uint(c, "", root, "udp_ports_per_source", 0, 1, 65535, &u)) < 0)
		return rc;
	cfg->udp_ports_per_source = (uint32_t)u;
	if ((v = json_object_get(root, "cookie_secret")) != NULL) {
		if ((rc = weir_cfg_get_secret(c, "cookie_secret", v, cfg->cookie_secret)) != 0)
			return rc;
		cfg->has_cookie_secret = 1;
	}
	if ((v = json_object_get(root, "acl")) != NULL && (rc = weir_cfg_load_acl(c, v, cfg)) != 0)
		return rc;
	if ((v = json_object_get(root, "limits")) != NULL &&
	    (rc = weir_cfg_load_limits(c, "limits", v, 0, &cfg->limits)) != 0)
		return rc;
	if ((v = json_object_get(root, "clock")) != NULL) {
		if (json_is_string(v) && strcmp(json_string_value(v), "tsc") == 0)
			cfg->clock_rx_timestamp = 0;
		else if (json_is_string(v) && strcmp(json_string_value(v), "rx_timestamp") == 0)
			cfg->clock_rx_timestamp = 1;
		else
			return weir_cfg_fail(c, "clock", v, "expected \"tsc\" or \"rx_timestamp\"");
	}
	u = WEIR_DEFAULT_SOURCE_TABLE;
	if ((rc = weir_cfg_member_uint(c, "", root, "source_table_size", 0, 1024, 1u << 26, &u)) <
	    0)
		return rc;
	cfg->source_table_size = (uint32_t)u;
	u = WEIR_HTTP_HEAD_BUFFERS_DEFAULT;
	if ((rc = weir_cfg_member_uint(c, "", root, "http_head_buffers", 0, 16, 1048576, &u)) < 0)
		return rc;
	cfg->http_head_buffers = (uint32_t)u;
	if ((v = json_object_get(root, "pools")) != NULL && (rc = load_pools(c, v, cfg)) != 0)
		return rc;
	if ((v = json_object_get(root, "services")) == NULL)
		return 0;
	if (!json_is_array(v))
		return weir_cfg_fail(c, "services", v, "expected an array of services");
	if (json_array_size(v) > WEIR_MAX_SERVICES)
		return weir_cfg_fail(c, "services", NULL, "more than %d services",
				     WEIR_MAX_SERVICES);
	json_array_foreach(v, i, o)
	{
		struct weir_service_config *s = &cfg->services[i];

		snprintf(where, sizeof(where), "services[%zu]", i);
		if ((rc = load_service(c, where, o, cfg, s)) != 0)
			return rc;
		for (k = 0; k < i; k++) {
			const struct weir_service_config *t = &cfg->services[k];

			if (strcmp(t->name, s->name) == 0)
				return weir_cfg_fail(c, where, json_object_get(o, "name"),
						     "same name as services[%zu]", k);
			if (same_ip(&t->vip, &s->vip) && t->port == s->port && t->proto == s->proto)
				return weir_cfg_fail(c, where, NULL,
						     "same VIP, port and protocol as services[%zu]",
						     k);
		}
		cfg->n_services++;
	}
	if ((rc = weir_cfg_http_internal(c, cfg)) != 0)
		return rc;
	if (weir_config_addrs(cfg, &all) != 0)
		return weir_cfg_fail(c, "services", NULL,
				     "more than %d addresses in all (vips, port addresses and "
				     "service VIPs)",
				     WEIR_ADDRS_MAX);
	return 0;
}
