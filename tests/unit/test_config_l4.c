/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the L4 part of the configuration: static neighbours, pools,
 * services, maglev_size and conn_table_size. Every rejection is checked by
 * its exact message (key path, value, reason).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "weir_config.h"
#include "weir_test.h"

static char errbuf[512];
static char text[8192];

/* A port with two subnets and a static neighbour outside them. */
#define PORTS                                                                                      \
	"'workers':[1],'ports':[{'name':'c','devargs':'net_tap0','addresses':['198.18.0.1/24',"    \
	"'2001:db8:0:1::1/64']},{'name':'b','devargs':'net_tap1','addresses':['198.18.2.1/24',"    \
	"'2001:db8:2::1/64'],'neighbors':[{'address':'198.18.9.9','mac':'02:00:00:00:00:99'}]}]"
#define POOLS                                                                                      \
	"'pools':[{'name':'w4','backends':[{'address':'198.18.2.10','port':8080},"                 \
	"{'address':'198.18.2.11','port':8080,'weight':3,'datacenter':'dc1'},"                     \
	"{'address':'198.18.9.9','port':80,'weight':0}]},"                                         \
	"{'name':'w6','backends':[{'address':'2001:db8:2::10','port':8080}]}]"
#define SVC4                                                                                       \
	"{'name':'s4','vip':'198.18.1.1','port':80,'protocol':'tcp','pool':'w4','local_ips':['"    \
	"198.18.2.1']"

/* A service with every field given, as SVC4 writes them. */
#define SVC(name, vip, port, proto, pool, locals)                                                  \
	"{'name':'" name "','vip':'" vip "','port':" port ",'protocol':'" proto "','pool':'" pool  \
	"','local_ips':" locals

/* Load single-quoted JSON. */
static struct weir_config *
load(const char *sq)
{
	size_t i;

	assert_true(strlen(sq) < sizeof(text));
	for (i = 0; sq[i] != '\0'; i++)
		text[i] = sq[i] == '\'' ? '"' : sq[i];
	text[i] = '\0';
	memset(errbuf, 0, sizeof(errbuf));
	return weir_config_from_string(text, "t", errbuf, sizeof(errbuf));
}

/* The loader, for weir_test_rejects(): NULL if it accepted the text, else
 * its message; a refusal must also set errno to EINVAL. */
static const char *
try_load(const struct weir_reject_case *c, void *arg)
{
	static char msg[sizeof(errbuf) + 64];
	struct weir_config *cfg;

	(void)arg;
	errno = 0;
	cfg = load(c->input);
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

static void
test_full_l4(void **state)
{
	struct weir_config *c;
	const struct weir_service_config *s;

	(void)state;
	c = load("{" PORTS "," POOLS ",'maglev_size':251,'conn_table_size':2048,'services':[" SVC4
		 ",'scheduler':'least_conn','timeouts':{'syn':5,'udp':9},'mss_clamp':1400},"
		 "{'name':'s6','vip':'2001:db8:1::1','port':53,'protocol':'udp','pool':'w6',"
		 "'local_ips':['2001:db8:2::1'],'forwarding':'dsr-ipip'},"
		 "{'name':'s4b','vip':'198.18.1.1','port':443,'protocol':'tcp','pool':'w4',"
		 "'local_ips':['198.18.2.1'],'sticky':'source'}]}");
	if (c == NULL)
		fail_msg("rejected: %s", errbuf);
	assert_int_equal(c->maglev_size, 251);
	assert_int_equal(c->conn_table_size, 2048);
	assert_int_equal(c->n_pools, 2);
	assert_string_equal(c->pools[0].name, "w4");
	assert_int_equal(c->pools[0].n_backends, 3);
	assert_int_equal(c->pools[0].backends[0].weight, 1);
	assert_int_equal(c->pools[0].backends[1].weight, 3);
	assert_string_equal(c->pools[0].backends[1].datacenter, "dc1");
	assert_int_equal(c->pools[0].backends[2].weight, 0);
	assert_int_equal(c->pools[0].backends[2].port, 80);
	assert_int_equal(c->ports[1].n_neighbors, 1);
	assert_memory_equal(c->ports[1].neighbors[0].mac, "\x02\0\0\0\0\x99", 6);
	assert_int_equal(c->n_services, 3);
	s = &c->services[0];
	assert_string_equal(s->name, "s4");
	assert_int_equal(s->port, 80);
	assert_int_equal(s->proto, 6);
	assert_int_equal(s->scheduler, WEIR_SCHED_LEAST_CONN);
	assert_int_equal(s->forwarding, WEIR_FWD_FULLNAT);
	assert_int_equal(s->pool, 0);
	assert_int_equal(s->out_port, 1);
	assert_int_equal(s->n_local_ips, 1);
	assert_int_equal(s->mss_clamp, 1400);
	/* Timeouts given override, the others keep their defaults. */
	assert_int_equal(s->timeouts.syn, 5);
	assert_int_equal(s->timeouts.udp, 9);
	assert_int_equal(s->timeouts.established, 900);
	assert_int_equal(s->timeouts.fin, 60);
	assert_int_equal(s->timeouts.closed, 10);
	/* Never longer than udp (9 here): 10 by default. */
	assert_int_equal(s->timeouts.udp_unreplied, 9);
	s = &c->services[1];
	assert_int_equal(s->proto, 17);
	assert_int_equal(s->scheduler, WEIR_SCHED_MAGLEV);
	assert_int_equal(s->forwarding, WEIR_FWD_DSR_IPIP);
	assert_int_equal(s->vip.family, 6);
	assert_int_equal(c->services[2].sticky_source, 1);
	weir_config_free(c);
}

static void
test_defaults_and_addrs(void **state)
{
	struct weir_addrs set;
	struct weir_config *c;

	(void)state;
	c = load("{" PORTS "," POOLS ",'services':[" SVC4 "}]}");
	assert_non_null(c);
	assert_int_equal(c->maglev_size, WEIR_MAGLEV_DEFAULT_SIZE);
	assert_int_equal(c->conn_table_size, WEIR_DEFAULT_CONN_TABLE);
	assert_int_equal(c->services[0].timeouts.udp, 300);
	assert_int_equal(c->services[0].timeouts.udp_unreplied, 10);
	assert_int_equal(c->services[0].timeouts.syn, 30);
	assert_int_equal(c->udp_ports_per_source, 4096);
	assert_int_equal(c->has_cookie_secret, 0);
	/* The service's VIP is answered for although "vips" does not list it. */
	assert_int_equal(weir_config_addrs(c, &set), 0);
	assert_int_equal(set.n, 5);
	assert_int_equal(set.a[4].kind, WEIR_ADDR_VIP);
	assert_memory_equal(set.a[4].ip, "\xc6\x12\x01\x01", 4);
	weir_config_free(c);

	/* Listed in vips too: not twice in the set. */
	c = load("{" PORTS ",'vips':['198.18.1.1']," POOLS ",'services':[" SVC4 "}]}");
	assert_non_null(c);
	assert_int_equal(weir_config_addrs(c, &set), 0);
	assert_int_equal(set.n, 5);
	weir_config_free(c);

	/* No pools nor services: fine, nothing to balance. */
	c = load("{" PORTS "}");
	assert_non_null(c);
	assert_int_equal(c->n_services, 0);
	weir_config_free(c);
}

static void
test_top_level_l4(void **state)
{
	static const struct weir_reject_case top_level_l4[] = {
		{"{" PORTS ",'maglev_size':65536}",
		 "config t: key 'maglev_size' = 65536: expected a prime in [3, 16777259]"},
		{"{" PORTS ",'maglev_size':'x'}",
		 "config t: key 'maglev_size' = \"x\": expected a prime in [3, 16777259]"},
		{"{" PORTS ",'conn_table_size':1000}",
		 "config t: key 'conn_table_size' = 1000: expected an integer in [1024, 67108864]"},
		{"{" PORTS ",'pools':{}}",
		 "config t: key 'pools' = {}: expected an array of pools"},
		{"{" PORTS ",'services':1}",
		 "config t: key 'services' = 1: expected an array of services"},
	};

	(void)state;
	weir_test_rejects(top_level_l4, try_load, NULL);
}

static void
test_neighbors(void **state)
{
	static const struct weir_reject_case neighbors[] = {
		{"{'workers':[1],'ports':[{'name':'a','devargs':'x','neighbors':1}]}",
		 "config t: key 'ports[0].neighbors' = 1: expected an array of {address, mac}"},
		{"{'workers':[1],'ports':[{'name':'a','devargs':'x',"
		 "'neighbors':[{'address':'198.18.0.5'}]}]}",
		 "config t: key 'ports[0].neighbors[0].mac': missing"},
		{"{'workers':[1],'ports':[{'name':'a','devargs':'x',"
		 "'neighbors':[{'mac':'02:00:00:00:00:01'}]}]}",
		 "config t: key 'ports[0].neighbors[0].address': missing"},
		{"{'workers':[1],'ports':[{'name':'a','devargs':'x',"
		 "'neighbors':[{'address':'198.18.0.5','mac':'01:00:00:00:00:01'}]}]}",
		 "config t: key 'ports[0].neighbors[0].mac' = \"01:00:00:00:00:01\": must be a "
		 "unicast MAC address"},
		{"{'workers':[1],'ports':[{'name':'a','devargs':'x',"
		 "'neighbors':[{'address':'198.18.0.5','mac':'02:00:00:00:00:01'},"
		 "{'address':'198.18.0.5','mac':'02:00:00:00:00:02'}]}]}",
		 "config t: key 'ports[0].neighbors[1].address' = \"198.18.0.5\": same address "
		 "as neighbors[0]"},
		{"{'workers':[1],'ports':[{'name':'a','devargs':'x',"
		 "'neighbors':[{'address':'198.18.0.5','mac':'02:00:00:00:00:01','ttl':1}]}]}",
		 "config t: key 'ports[0].neighbors[0].ttl': unknown key"},
	};

	(void)state;
	weir_test_rejects(neighbors, try_load, NULL);
}

static void
test_pools(void **state)
{
	static const struct weir_reject_case pools[] = {
		{"{" PORTS ",'pools':[{'name':'p','backends':[]}]}",
		 "config t: key 'pools[0].backends' = []: expected a non-empty array of backends"},
		{"{" PORTS ",'pools':[{'backends':[]}]}", "config t: key 'pools[0].name': missing"},
		{"{" PORTS ",'pools':[{'name':'p','backends':[{'address':'198.18.2.10',"
		 "'port':1}]},{'name':'p','backends':[{'address':'198.18.2.10','port':1}]}]}",
		 "config t: key 'pools[1].name' = \"p\": same name as pools[0]"},
		{"{" PORTS ",'pools':[{'name':'p','backends':[{'address':'198.18.2.10',"
		 "'port':0}]}]}",
		 "config t: key 'pools[0].backends[0].port' = 0: expected an integer in [1, "
		 "65535]"},
		{"{" PORTS ",'pools':[{'name':'p','backends':[{'address':'198.18.2.10'}]}]}",
		 "config t: key 'pools[0].backends[0].port': missing"},
		{"{" PORTS ",'pools':[{'name':'p','backends':[{'address':'198.18.2.10','port':1,"
		 "'weight':65536}]}]}",
		 "config t: key 'pools[0].backends[0].weight' = 65536: expected an integer in "
		 "[0, 65535]"},
		{"{" PORTS ",'pools':[{'name':'p','backends':[{'address':'198.18.2.10/24',"
		 "'port':1}]}]}",
		 "config t: key 'pools[0].backends[0].address' = \"198.18.2.10/24\": takes no "
		 "prefix length"},
		{"{" PORTS ",'pools':[{'name':'p','backends':[{'address':'198.18.2.10','port':1},"
		 "{'address':'2001:db8::1','port':1}]}]}",
		 "config t: key 'pools[0].backends[1].address' = \"2001:db8::1\": a pool's "
		 "backends are all IPv4 or all IPv6"},
		{"{" PORTS ",'pools':[{'name':'p','backends':[{'address':'198.18.2.10','port':1},"
		 "{'address':'198.18.2.10','port':1}]}]}",
		 "config t: key 'pools[0].backends[1]' = "
		 "{\"address\":\"198.18.2.10\",\"port\":1}: same backend as pools[0].backends[0]"},
		{"{" PORTS ",'pools':[{'name':'p','backends':[{'address':'198.18.2.10','port':1,"
		 "'zone':1}]}]}",
		 "config t: key 'pools[0].backends[0].zone': unknown key"},
	};

	(void)state;
	weir_test_rejects(pools, try_load, NULL);
}

static void
test_services(void **state)
{
	static const struct weir_reject_case services[] = {
		{"{" PORTS "," POOLS ",'services':[" SVC("s4", "198.18.1.1", "80", "sctp", "w4",
							 "['198.18.2.1']") "}]}",
		 "config t: key 'services[0].protocol' = \"sctp\": expected \"tcp\", \"udp\" or "
		 "\"http\""},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'scheduler':'fastest'}]}",
		 "config t: key 'services[0].scheduler' = \"fastest\": expected one of maglev, "
		 "rr, wrr, least_conn, source_hash, least_rtt, adaptive"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'scheduler':'rr','sticky':'source'}]}",
		 "config t: key 'services[0].sticky' = \"source\": only the maglev scheduler "
		 "hashes; use \"scheduler\": \"source_hash\" for others"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'forwarding':'nat'}]}",
		 "config t: key 'services[0].forwarding' = \"nat\": expected \"fullnat\" or "
		 "\"dsr-ipip\""},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'mss_clamp':100}]}",
		 "config t: key 'services[0].mss_clamp' = 100: expected 0 (off) or 536..9000"},
		{"{" PORTS "," POOLS ",'services':[" SVC("s4", "198.18.1.1", "80", "tcp", "nope",
							 "['198.18.2.1']") "}]}",
		 "config t: key 'services[0].pool' = \"nope\": no pool of that name"},
		{"{" PORTS "," POOLS
		 ",'services':[" SVC("s4", "198.18.1.1", "80", "tcp", "w6", "['198.18.2.1']") "}]}",
		 "config t: key 'services[0].pool' = \"w6\": backends are IPv6, the VIP is IPv4"},
		{"{" PORTS "," POOLS
		 ",'services':[" SVC("s4", "198.18.1.1", "80", "tcp", "w4", "['198.18.3.1']") "}]}",
		 "config t: key 'services[0].local_ips[0]' = \"198.18.3.1\": not an address of "
		 "any port"},
		{"{" PORTS "," POOLS ",'services':[" SVC("s4", "198.18.1.1", "80", "tcp", "w4",
							 "['198.18.2.1','198.18.0.1']") "}]}",
		 "config t: key 'services[0].local_ips[1]' = \"198.18.0.1\": on port c; "
		 "local_ips[0] is on port b"},
		{"{" PORTS "," POOLS ",'services':[" SVC("s4", "198.18.1.1", "80", "tcp", "w4",
							 "['2001:db8:2::1']") "}]}",
		 "config t: key 'services[0].local_ips[0]' = \"2001:db8:2::1\": must be IPv4 "
		 "like the VIP"},
		{"{" PORTS "," POOLS ",'services':[{'name':'s','vip':'198.18.1.1','port':80,"
		 "'protocol':'tcp','pool':'w4'}]}",
		 "config t: key 'services[0].local_ips': missing: the port addresses weir sends "
		 "to backends from"},
		{"{" PORTS "," POOLS
		 ",'services':[" SVC("s4", "198.18.0.1", "80", "tcp", "w4", "['198.18.2.1']") "}]}",
		 "config t: key 'services[0].vip' = \"198.18.0.1\": is a port's local address, "
		 "not a VIP"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'timeouts':{'fin':0}}]}",
		 "config t: key 'services[0].timeouts.fin' = 0: expected an integer in [1, 86400]"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'timeouts':{'idle':5}}]}",
		 "config t: key 'services[0].timeouts.idle': unknown key"},
		/* Backends out of the port's subnets need a static neighbour. */
		{"{" PORTS ",'pools':[{'name':'w4','backends':[{'address':'198.18.7.7',"
		 "'port':1}]}],'services':[" SVC4 "}]}",
		 "config t: key 'pools[0].backends[0].address': 198.18.7.7 is neither on a "
		 "subnet of port b nor one of its neighbors (service s4)"},
		{"{" PORTS "," POOLS ",'services':[" SVC4
		 "}," SVC("s4", "198.18.1.1", "81", "tcp", "w4", "['198.18.2.1']") "}]}",
		 "config t: key 'services[1]' = \"s4\": same name as services[0]"},
		{"{" PORTS "," POOLS ",'services':[" SVC4
		 "}," SVC("x", "198.18.1.1", "80", "tcp", "w4", "['198.18.2.1']") "}]}",
		 "config t: key 'services[1]': same VIP, port and protocol as services[0]"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'proto':'tcp'}]}",
		 "config t: key 'services[0].proto': unknown key"},
	};

	(void)state;
	weir_test_rejects(services, try_load, NULL);
}

static void
test_limits(void **state)
{
	static const struct weir_reject_case limits[] = {
		{"{" PORTS ",'source_table_size':10}",
		 "config t: key 'source_table_size' = 10: expected an integer in [1024, 67108864]"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'limits':5}]}",
		 "config t: key 'services[0].limits' = 5: expected an object"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'limits':{'action':'drop'}}]}",
		 "config t: key 'services[0].limits': no limit: give new_conns, packets or "
		 "concurrent"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'limits':{'new_conns':3}}]}",
		 "config t: key 'services[0].limits.new_conns' = 3: expected {\"rate\": N[, "
		 "\"per_s\": S, \"burst\": B]}"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'limits':{'new_conns':{'rate':0}}}]}",
		 "config t: key 'services[0].limits.new_conns.rate' = 0: expected an integer in "
		 "[1, 100000000]"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'limits':{'new_conns':{'rate':1,"
		 "'per_s':0}}}]}",
		 "config t: key 'services[0].limits.new_conns.per_s' = 0: expected an integer in "
		 "[1, 86400]"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'limits':{'new_conns':{'rate':1,"
		 "'size':2}}}]}",
		 "config t: key 'services[0].limits.new_conns.size': unknown key"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'limits':{'new_conns':{'rate':1},"
		 "'action':'ban'}}]}",
		 "config t: key 'services[0].limits.action' = \"ban\": expected \"drop\" or "
		 "\"rst\""},
		{"{" PORTS "," POOLS ",'services':[" SVC(
			 "s4", "198.18.1.1", "80", "udp", "w4",
			 "['198.18.2.1']") ","
					   "'limits':{'new_conns':{'rate':1},'action':'rst'}}]}",
		 "config t: key 'services[0].limits.action' = \"rst\": only TCP services can "
		 "answer with an RST"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'limits':{'new_conns':{'rate':1},"
		 "'dry_run':1}}]}",
		 "config t: key 'services[0].limits.dry_run' = 1: expected true or false"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'limits':{'new_conns':{'rate':1},"
		 "'ipv6_prefix':8}}]}",
		 "config t: key 'services[0].limits.ipv6_prefix' = 8: expected an integer in "
		 "[16, 128]"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'limits':{'packets':{'per_s':5}}}]}",
		 "config t: key 'services[0].limits.packets.rate': missing"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'limits':{'concurrent':0}}]}",
		 "config t: key 'services[0].limits.concurrent' = 0: expected an integer in [1, "
		 "100000000]"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'limits':{'concurrent':2,"
		 "'ban':{'first_s':5}}}]}",
		 "config t: key 'services[0].limits.ban.after': missing: refusals that earn a ban"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'limits':{'concurrent':2,"
		 "'ban':{'after':3,'factor':0}}}]}",
		 "config t: key 'services[0].limits.ban.factor' = 0: expected an integer in [1, "
		 "1000]"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'limits':{'concurrent':2,"
		 "'ban':{'after':3,'max_s':10}}}]}",
		 "config t: key 'services[0].limits.ban.max_s' = 10: shorter than first_s (300)"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'limits':{'concurrent':2,"
		 "'ban':{'after':3,'length':10}}}]}",
		 "config t: key 'services[0].limits.ban.length': unknown key"},
		{"{" PORTS ",'limits':{'packets':{'rate':5,'burst':0}}}",
		 "config t: key 'limits.packets.burst' = 0: expected an integer in [1, 100000000]"},
		{"{" PORTS ",'clock':'wall'}",
		 "config t: key 'clock' = \"wall\": expected \"tsc\" or \"rx_timestamp\""},
	};
	struct weir_config *c;
	const struct weir_limits *l;

	(void)state;
	/* Defaults: per 1 s, burst = rate, drop, enforced, IPv6 per /64. */
	c = load("{" PORTS "," POOLS ",'services':[" SVC4 ",'limits':{'new_conns':{'rate':5}}}]}");
	if (c == NULL)
		fail_msg("rejected: %s", errbuf);
	l = &c->services[0].limits;
	assert_int_equal(l->enabled, 1);
	assert_int_equal(l->new_conns.rate, 5);
	assert_int_equal(l->new_conns.per_s, 1);
	assert_int_equal(l->new_conns.burst, 5);
	assert_int_equal(l->action, WEIR_LIMIT_DROP);
	assert_int_equal(l->dry_run, 0);
	assert_int_equal(l->ipv6_prefix, 64);
	assert_int_equal(c->source_table_size, WEIR_DEFAULT_SOURCE_TABLE);
	weir_config_free(c);
	/* Everything given; a service without limits has none. */
	c = load("{" PORTS "," POOLS ",'source_table_size':4096,'services':[" SVC4 ",'limits':"
		 "{'new_conns':{'rate':100,'per_s':60,'burst':20},'action':'rst','dry_run':true,"
		 "'ipv6_prefix':56}}," SVC("t", "198.18.1.1", "81", "tcp", "w4",
					   "['198.18.2.1']") "}]}");
	if (c == NULL)
		fail_msg("rejected: %s", errbuf);
	l = &c->services[0].limits;
	assert_int_equal(l->new_conns.rate, 100);
	assert_int_equal(l->new_conns.per_s, 60);
	assert_int_equal(l->new_conns.burst, 20);
	assert_int_equal(l->action, WEIR_LIMIT_RST);
	assert_int_equal(l->dry_run, 1);
	assert_int_equal(l->ipv6_prefix, 56);
	assert_int_equal(c->services[1].limits.enabled, 0);
	assert_int_equal(c->source_table_size, 4096);
	weir_config_free(c);

	weir_test_rejects(limits, try_load, NULL);
}

/* Packet and open-connection limits, bans, and the global rule. */
static void
test_limits_more(void **state)
{
	struct weir_config *c;
	const struct weir_limits *l;

	(void)state;
	c = load("{" PORTS "," POOLS ",'clock':'rx_timestamp','limits':{'packets':{'rate':1000,"
		 "'per_s':2,'burst':50},'action':'rst'},'services':[" SVC4 ",'limits':"
		 "{'concurrent':4,'ban':{'after':3,'first_s':60,'factor':3,'max_s':600,"
		 "'decay_s':0}}}]}");
	if (c == NULL)
		fail_msg("rejected: %s", errbuf);
	l = &c->services[0].limits;
	assert_int_equal(l->enabled, 1);
	assert_int_equal(l->new_conns.rate, 0);
	assert_int_equal(l->packets.rate, 0);
	assert_int_equal(l->concurrent, 4);
	assert_int_equal(l->ban.after, 3);
	assert_int_equal(l->ban.first_s, 60);
	assert_int_equal(l->ban.factor, 3);
	assert_int_equal(l->ban.max_s, 600);
	assert_int_equal(l->ban.decay_s, 0);
	l = &c->limits;
	assert_int_equal(l->enabled, 1);
	assert_int_equal(l->packets.rate, 1000);
	assert_int_equal(l->packets.per_s, 2);
	assert_int_equal(l->packets.burst, 50);
	assert_int_equal(l->concurrent, 0);
	assert_int_equal(l->ban.after, 0);
	/* The global rule may answer TCP with RSTs whatever the services are. */
	assert_int_equal(l->action, WEIR_LIMIT_RST);
	assert_int_equal(c->clock_rx_timestamp, 1);
	weir_config_free(c);
	/* Ban defaults. */
	c = load("{" PORTS ",'limits':{'new_conns':{'rate':5},'ban':{'after':2}}}");
	if (c == NULL)
		fail_msg("rejected: %s", errbuf);
	l = &c->limits;
	assert_int_equal(l->ban.after, 2);
	assert_int_equal(l->ban.first_s, 300);
	assert_int_equal(l->ban.factor, 2);
	assert_int_equal(l->ban.max_s, 86400);
	assert_int_equal(l->ban.decay_s, 86400);
	assert_int_equal(c->clock_rx_timestamp, 0);
	weir_config_free(c);
}

static void
test_synproxy(void **state)
{
	static const struct weir_reject_case synproxy[] = {
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'synproxy':true}]}",
		 "config t: key 'services[0].synproxy' = true: expected an object, or false (no "
		 "cookies)"},
		{"{" PORTS "," POOLS ",'cookie_secret':'0011','services':[" SVC4 "}]}",
		 "config t: key 'cookie_secret': expected a string of 32 hex digits (value not "
		 "shown)"},
		{"{" PORTS "," POOLS ",'udp_ports_per_source':0,'services':[" SVC4 "}]}",
		 "config t: key 'udp_ports_per_source' = 0: expected an integer in [1, 65535]"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'timeouts':{'udp_unreplied':0}}]}",
		 "config t: key 'services[0].timeouts.udp_unreplied' = 0: expected an integer in "
		 "[1, 86400]"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'synproxy':{'rate':5}}]}",
		 "config t: key 'services[0].synproxy.rate': unknown key"},
		{"{" PORTS "," POOLS ",'services':[" SVC("s4", "198.18.1.1", "80", "udp", "w4",
							 "['198.18.2.1']") ",'synproxy':{}}]}",
		 "config t: key 'services[0].synproxy': only TCP services have a SYN handshake"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'forwarding':'dsr-ipip',"
		 "'synproxy':{'syn_rate':10}}]}",
		 "config t: key 'services[0].synproxy': needs \"forwarding\": \"fullnat\" (with "
		 "dsr-ipip the backends' replies bypass weir)"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'synproxy':{'syn_rate':-1}}]}",
		 "config t: key 'services[0].synproxy.syn_rate' = -1: expected an integer in [0, "
		 "100000000]"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'synproxy':{'syn_rate':'10'}}]}",
		 "config t: key 'services[0].synproxy.syn_rate' = \"10\": expected an integer in "
		 "[0, 100000000]"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'synproxy':{'wscale':15}}]}",
		 "config t: key 'services[0].synproxy.wscale' = 15: expected an integer in [0, "
		 "14]"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'synproxy':{'mss':100}}]}",
		 "config t: key 'services[0].synproxy.mss' = 100: expected an integer in [536, "
		 "9000]"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'mss_clamp':1400,"
		 "'synproxy':{'mss':1460}}]}",
		 "config t: key 'services[0].synproxy.mss' = 1460: above the service's mss_clamp "
		 "1400"},
		/* A bad secret is never echoed. */
		{"{" PORTS "," POOLS ",'services':[" SVC4 ","
		 "'synproxy':{'secret':'00112233445566778899aabbccddeef'}}]}",
		 "config t: key 'services[0].synproxy.secret': expected a string of 32 hex "
		 "digits (value not shown)"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ","
		 "'synproxy':{'secret':'00112233445566778899aabbccddeeff0'}}]}",
		 "config t: key 'services[0].synproxy.secret': expected a string of 32 hex "
		 "digits (value not shown)"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ","
		 "'synproxy':{'secret':'00112233445566778899aabbccddeefg'}}]}",
		 "config t: key 'services[0].synproxy.secret': expected a string of 32 hex "
		 "digits (value not shown)"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'synproxy':{'secret':12}}]}",
		 "config t: key 'services[0].synproxy.secret': expected a string of 32 hex "
		 "digits (value not shown)"},
	};
	const struct weir_synproxy_config *p;
	struct weir_config *c;

	(void)state;
	/* Defaults: cookies always, random secret, wscale 7, MSS 1460 (IPv4), 1440
	 * (IPv6), or the clamp when it is lower; a service without it has none. */
	/* One service a line. */
	/* clang-format off */
	c = load("{" PORTS "," POOLS ",'services':["
		 SVC4 ",'synproxy':{}},"
		 SVC("v6", "2001:db8:1::1", "80", "tcp", "w6", "['2001:db8:2::1']")
		 ",'synproxy':{}},"
		 SVC("cl", "198.18.1.1", "81", "tcp", "w4", "['198.18.2.1']")
		 ",'mss_clamp':1400,'synproxy':{}},"
		 SVC("no", "198.18.1.1", "82", "tcp", "w4", "['198.18.2.1']") "}]}");
	/* clang-format on */
	if (c == NULL)
		fail_msg("rejected: %s", errbuf);
	p = &c->services[0].synproxy;
	assert_int_equal(p->enabled, 1);
	assert_int_equal(p->syn_rate, 0);
	assert_int_equal(p->has_secret, 0);
	assert_int_equal(p->wscale, 7);
	assert_int_equal(p->mss, 1460);
	assert_int_equal(c->services[1].synproxy.mss, 1440);
	assert_int_equal(c->services[2].synproxy.mss, 1400);
	/* Without synproxy, a TCP FullNAT service has cookies under pressure. */
	assert_int_equal(c->services[3].synproxy.enabled, 0);
	assert_int_equal(c->services[3].synproxy.on_pressure, 1);
	assert_int_equal(c->services[3].synproxy.mss, 1460);
	assert_int_equal(c->services[0].synproxy.on_pressure, 1);
	weir_config_free(c);
	/* false: none; UDP and DSR services: none; cookie_secret for all. */
	/* clang-format off */
	c = load("{" PORTS "," POOLS ",'cookie_secret':'000102030405060708090a0b0c0d0e0f',"
		 "'udp_ports_per_source':7,'services':["
		 SVC4 ",'synproxy':false},"
		 SVC("u", "198.18.1.1", "53", "udp", "w4", "['198.18.2.1']") "},"
		 SVC("d", "198.18.1.1", "443", "tcp", "w4", "['198.18.2.1']")
		 ",'forwarding':'dsr-ipip'}]}");
	/* clang-format on */
	if (c == NULL)
		fail_msg("rejected: %s", errbuf);
	assert_int_equal(c->services[0].synproxy.on_pressure, 0);
	assert_int_equal(c->services[1].synproxy.on_pressure, 0);
	assert_int_equal(c->services[2].synproxy.on_pressure, 0);
	assert_int_equal(c->has_cookie_secret, 1);
	assert_memory_equal(c->cookie_secret,
			    "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 16);
	assert_int_equal(c->udp_ports_per_source, 7);
	weir_config_free(c);
	/* Everything given; the secret is 16 bytes in the order written. */
	c = load("{" PORTS "," POOLS ",'services':[" SVC4 ",'mss_clamp':1400,'synproxy':"
		 "{'syn_rate':1000,'secret':'00112233445566778899aAbBcCdDeEfF','mss':1300,"
		 "'wscale':14}}]}");
	if (c == NULL)
		fail_msg("rejected: %s", errbuf);
	p = &c->services[0].synproxy;
	assert_int_equal(p->syn_rate, 1000);
	assert_int_equal(p->has_secret, 1);
	assert_memory_equal(p->secret,
			    "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16);
	assert_int_equal(p->mss, 1300);
	assert_int_equal(p->wscale, 14);
	weir_config_free(c);

	weir_test_rejects(synproxy, try_load, NULL);
}

static void
test_acl(void **state)
{
	static const struct weir_reject_case acl[] = {
		{"{" PORTS ",'acl':[]}",
		 "config t: key 'acl' = []: expected {\"allow\": [...], \"deny\": [...]}"},
		{"{" PORTS ",'acl':{'block':[]}}", "config t: key 'acl.block': unknown key"},
		{"{" PORTS ",'acl':{'deny':'198.18.0.0/16'}}",
		 "config t: key 'acl.deny' = \"198.18.0.0/16\": expected an array of prefixes"},
		{"{" PORTS ",'acl':{'deny':['198.18.0.1/24']}}",
		 "config t: key 'acl.deny[0]' = \"198.18.0.1/24\": host bits set beyond /24"},
		{"{" PORTS ",'acl':{'deny':['198.18.0.0/33']}}",
		 "config t: key 'acl.deny[0]' = \"198.18.0.0/33\": prefix length must be 0..32"},
		{"{" PORTS ",'acl':{'allow':['2001:db8::/']}}",
		 "config t: key 'acl.allow[0]' = \"2001:db8::/\": prefix length must be 0..128"},
		{"{" PORTS ",'acl':{'allow':['nowhere']}}",
		 "config t: key 'acl.allow[0]' = \"nowhere\": expected an address or "
		 "ADDRESS/PREFIX"},
		{"{" PORTS ",'acl':{'deny':['198.18.0.0/16'],'allow':['198.18.0.0/16']}}",
		 "config t: key 'acl.allow[0]' = \"198.18.0.0/16\": listed twice (also in "
		 "acl.deny)"},
	};
	struct weir_config *c;

	(void)state;
	c = load("{" PORTS ",'acl':{'deny':['198.18.0.64/26','2001:db8::/32','0.0.0.0/0'],"
		 "'allow':['198.18.0.80/28','198.18.9.9']}}");
	if (c == NULL)
		fail_msg("rejected: %s", errbuf);
	assert_int_equal(c->n_acl, 5);
	/* Deny first, then allow, each in order. */
	assert_int_equal(c->acl[0].family, 4);
	assert_int_equal(c->acl[0].prefix, 26);
	assert_int_equal(c->acl[0].allow, 0);
	assert_memory_equal(c->acl[0].ip, "\xc6\x12\x00\x40", 4);
	assert_int_equal(c->acl[1].family, 6);
	assert_int_equal(c->acl[1].prefix, 32);
	assert_int_equal(c->acl[2].prefix, 0);
	assert_int_equal(c->acl[3].allow, 1);
	assert_int_equal(c->acl[3].prefix, 28);
	assert_int_equal(c->acl[4].prefix, 32); /* no prefix: one address */
	weir_config_free(c);

	weir_test_rejects(acl, try_load, NULL);
}

/* A pool of one IPv4 backend with health and outlier settings x. */
#define HPOOL(x)                                                                                   \
	"{" PORTS ",'pools':[{'name':'p','backends':[{'address':'198.18.2.10','port':80}]" x "}]}"

static void
test_health(void **state)
{
	static const struct weir_reject_case bad[] = {
		{HPOOL(",'health':1"), "config t: key 'pools[0].health' = 1: expected an object "
				       "{type, interval_ms, ...}"},
		{HPOOL(",'health':{'type':'icmp'}"),
		 "config t: key 'pools[0].health.type' = \"icmp\": expected \"tcp\" or \"http\""},
		{HPOOL(",'health':{'interval_ms':5}"),
		 "config t: key 'pools[0].health.interval_ms' = 5: expected an integer in [10, "
		 "3600000]"},
		{HPOOL(",'health':{'interval_ms':100,'timeout_ms':101}"),
		 "config t: key 'pools[0].health.timeout_ms' = 101: expected an integer in [1, "
		 "100]"},
		{HPOOL(",'health':{'rise':0}"),
		 "config t: key 'pools[0].health.rise' = 0: expected an integer in [1, 100]"},
		{HPOOL(",'health':{'fall':101}"),
		 "config t: key 'pools[0].health.fall' = 101: expected an integer in [1, 100]"},
		{HPOOL(",'health':{'every':1}"),
		 "config t: key 'pools[0].health.every': unknown key"},
		{HPOOL(",'health':{'http':{'path':'/'}}"),
		 "config t: key 'pools[0].health.http': only with \"type\": \"http\""},
		{HPOOL(",'health':{'type':'http','http':{'path':'x'}}"),
		 "config t: key 'pools[0].health.http.path' = \"x\": expected a path starting with "
		 "'/', without spaces or control characters"},
		{HPOOL(",'health':{'type':'http','http':{'path':'/a b'}}"),
		 "config t: key 'pools[0].health.http.path' = \"/a b\": expected a path starting "
		 "with '/', without spaces or control characters"},
		{HPOOL(",'health':{'type':'http','http':{'method':'GE T'}}"),
		 "config t: key 'pools[0].health.http.method' = \"GE T\": expected an HTTP method "
		 "(a token)"},
		{HPOOL(",'health':{'type':'http','http':{'host':'a\\u0001'}}"),
		 "config t: key 'pools[0].health.http.host' = \"a\\u0001\": expected a host "
		 "without spaces or control characters"},
		{HPOOL(",'health':{'type':'http','http':{'expect_status':[]}}"),
		 "config t: key 'pools[0].health.http.expect_status' = []: expected an array of 1 "
		 "to "
		 "8 statuses or ranges"},
		{HPOOL(",'health':{'type':'http','http':{'expect_status':['300-200']}}"),
		 "config t: key 'pools[0].health.http.expect_status[0]' = \"300-200\": expected a "
		 "status 100..599 or a range like \"200-399\""},
		{HPOOL(",'health':{'type':'http','http':{'expect_status':[200,'2xx']}}"),
		 "config t: key 'pools[0].health.http.expect_status[1]' = \"2xx\": expected a "
		 "status 100..599 or a range like \"200-399\""},
		{HPOOL(",'health':{'type':'http','http':{'expect_status':[600]}}"),
		 "config t: key 'pools[0].health.http.expect_status[0]' = 600: expected an integer "
		 "in [100, 599]"},
		{HPOOL(",'health':{'type':'http','http':{'expect_body_contains':''}}"),
		 "config t: key 'pools[0].health.http.expect_body_contains' = \"\": must not be "
		 "empty"},
		{HPOOL(",'outlier':[]"),
		 "config t: key 'pools[0].outlier' = []: expected an object {consecutive_failures, "
		 "...}"},
		{HPOOL(",'outlier':{'max_ejection_percent':101}"),
		 "config t: key 'pools[0].outlier.max_ejection_percent' = 101: expected an integer "
		 "in [0, 100]"},
		{HPOOL(",'outlier':{'half_open_trials':0}"),
		 "config t: key 'pools[0].outlier.half_open_trials' = 0: expected an integer in "
		 "[1, "
		 "1000]"},
		{HPOOL(",'outlier':{'base_ejection_ms':2000,'max_ejection_ms':1000}"),
		 "config t: key 'pools[0].outlier.max_ejection_ms' = 1000: must be at least "
		 "base_ejection_ms (2000)"},
		{HPOOL(",'outlier':{'eject':1}"),
		 "config t: key 'pools[0].outlier.eject': unknown key"},
		{"{" PORTS "," POOLS ",'services':[" SVC4 ",'no_backend':'503'}]}",
		 "config t: key 'services[0].no_backend' = \"503\": expected \"drop\" or \"rst\""},
		{"{" PORTS "," POOLS ",'services':[" SVC("u", "198.18.1.1", "53", "udp", "w4",
							 "['198.18.2.1']") ",'no_backend':'rst'}]}",
		 "config t: key 'services[0].no_backend' = \"rst\": only TCP services can answer "
		 "with an RST"},
	};
	const struct weir_health_check_config *h;
	const struct weir_outlier_config *o;
	struct weir_config *c;

	(void)state;
	/* Defaults: no checks, outlier detection on. */
	c = load(HPOOL(""));
	assert_non_null(c);
	h = &c->pools[0].health;
	o = &c->pools[0].outlier;
	assert_int_equal(h->enabled, 0);
	assert_int_equal(h->interval_ms, 250);
	assert_int_equal(h->timeout_ms, 200);
	assert_int_equal(h->rise, 2);
	assert_int_equal(h->fall, 3);
	assert_string_equal(h->method, "GET");
	assert_string_equal(h->path, "/");
	assert_string_equal(h->host, "");
	assert_int_equal(h->n_status, 1);
	assert_int_equal(h->status_lo[0], 200);
	assert_int_equal(h->status_hi[0], 399);
	assert_int_equal(o->consecutive, 5);
	assert_int_equal(o->base_ms, 5000);
	assert_int_equal(o->max_ms, 300000);
	assert_int_equal(o->max_pct, 50);
	assert_int_equal(o->trials, 3);
	weir_config_free(c);

	/* Every key, read back; a short interval lowers the default timeout. */
	c = load(HPOOL(",'health':{'type':'http','interval_ms':100,'rise':1,'fall':4,"
		       "'http':{'method':'HEAD','path':'/healthz?full=1','host':'api.example',"
		       "'expect_status':[204,'200-202'],'expect_body_contains':'ok'}},"
		       "'outlier':{'consecutive_failures':0,'base_ejection_ms':400000,"
		       "'max_ejection_percent':100,'half_open_trials':7}"));
	assert_non_null(c);
	h = &c->pools[0].health;
	o = &c->pools[0].outlier;
	assert_int_equal(h->enabled, 1);
	assert_int_equal(h->http, 1);
	assert_int_equal(h->interval_ms, 100);
	assert_int_equal(h->timeout_ms, 100);
	assert_int_equal(h->rise, 1);
	assert_int_equal(h->fall, 4);
	assert_string_equal(h->method, "HEAD");
	assert_string_equal(h->path, "/healthz?full=1");
	assert_string_equal(h->host, "api.example");
	assert_int_equal(h->n_status, 2);
	assert_int_equal(h->status_lo[0], 204);
	assert_int_equal(h->status_hi[0], 204);
	assert_int_equal(h->status_lo[1], 200);
	assert_int_equal(h->status_hi[1], 202);
	assert_string_equal(h->body, "ok");
	assert_int_equal(o->consecutive, 0);
	assert_int_equal(o->base_ms, 400000);
	assert_int_equal(o->max_ms, 400000); /* raised to the base when not given */
	assert_int_equal(o->max_pct, 100);
	assert_int_equal(o->trials, 7);
	weir_config_free(c);

	c = load("{" PORTS "," POOLS ",'services':[" SVC4 ",'no_backend':'rst'}]}");
	assert_non_null(c);
	assert_int_equal(c->services[0].no_backend_rst, 1);
	weir_config_free(c);
	c = load("{" PORTS "," POOLS ",'services':[" SVC4 "}]}");
	assert_non_null(c);
	assert_int_equal(c->services[0].no_backend_rst, 0);
	weir_config_free(c);

	weir_test_rejects(bad, try_load, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_l4),	     cmocka_unit_test(test_defaults_and_addrs),
		cmocka_unit_test(test_top_level_l4), cmocka_unit_test(test_neighbors),
		cmocka_unit_test(test_pools),	     cmocka_unit_test(test_services),
		cmocka_unit_test(test_limits),	     cmocka_unit_test(test_limits_more),
		cmocka_unit_test(test_synproxy),     cmocka_unit_test(test_acl),
		cmocka_unit_test(test_health),
	};

	return weir_test_main(tests);
}
