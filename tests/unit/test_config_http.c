/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the configuration of HTTP services: "protocol": "http",
 * the "http" settings, "routes", the internal services made for the
 * routes' pools, "http_head_buffers", and every rejection by its exact
 * message (key path, value, reason).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "weir_config.h"
#include "weir_test.h"

static char errbuf[512];
static char text[8192];

#define PORTS                                                                                      \
	"'workers':[1],'ports':[{'name':'c','devargs':'net_tap0','addresses':['198.18.0.1/24',"    \
	"'2001:db8:0:1::1/64']},{'name':'b','devargs':'net_tap1','addresses':['198.18.2.1/24',"    \
	"'2001:db8:2::1/64']}]"
#define POOLS                                                                                      \
	"'pools':[{'name':'site','backends':[{'address':'198.18.2.10','port':8080}]},"             \
	"{'name':'api','backends':[{'address':'198.18.2.20','port':8080}]},"                       \
	"{'name':'static','backends':[{'address':'198.18.2.30','port':80}]},"                      \
	"{'name':'w6','backends':[{'address':'2001:db8:2::10','port':80}]},"                       \
	"{'name':'far','backends':[{'address':'198.18.7.7','port':80}]}]"
/* An http service without pool and routes: give one of them in x. */
#define WEB(x)                                                                                     \
	"{" PORTS "," POOLS ",'services':[{'name':'web','vip':'198.18.1.1','port':80,"             \
	"'protocol':'http','local_ips':['198.18.2.1']" x "}]}"
#define TCP(x)                                                                                     \
	"{" PORTS "," POOLS ",'services':[{'name':'t','vip':'198.18.1.1','port':80,"               \
	"'protocol':'tcp','pool':'site','local_ips':['198.18.2.1']" x "}]}"

#define H0                                                                                         \
	"'header_timeout_ms':5000,'head_max':16384,'headers_max':64,'target_max':2048,"            \
	"'forwarded_proto':'https','via':'edge-1'"
#define R0                                                                                         \
	"{'host':'api.example.com','path_prefix':'/v1/','pool':'api'},"                            \
	"{'host':'*.Example.com','pool':'site'},{'path_prefix':'/static/','pool':'static'},"       \
	"{'host':'api.example.com','pool':'api'}"
#define WEBS(head, http, routes)                                                                   \
	"{'name':'web','vip':'198.18.1.1','port':80,'protocol':'http'," head                       \
	",'local_ips':['198.18.2.1'],'timeouts':{'established':60},'http':{" http                  \
	"},'routes':[" routes "]}"
#define TSVC                                                                                       \
	"{'name':'t','vip':'198.18.1.1','port':443,'protocol':'tcp','pool':'site',"                \
	"'local_ips':['198.18.2.1']}"
#define CFG(svcs) "{" PORTS "," POOLS ",'http_head_buffers':4096,'services':[" svcs "]}"
/* The example of docs/configuration.md, and a tcp service after it. */
#define EXAMPLE CFG(WEBS("'pool':'site','scheduler':'rr'", H0, R0) "," TSVC)

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
test_example(void **state)
{
	const struct weir_service_config *s, *t;
	const struct weir_http_config *h;
	struct weir_config *c;

	(void)state;
	c = load(EXAMPLE);
	if (c == NULL)
		fail_msg("rejected: %s", errbuf);
	assert_int_equal(c->http_head_buffers, 4096);
	/* web, t, then the internal services: web/api and web/static. */
	assert_int_equal(c->n_services, 4);
	s = &c->services[0];
	assert_string_equal(s->name, "web");
	assert_int_equal(s->proto, 6);
	assert_int_equal(s->forwarding, WEIR_FWD_FULLNAT);
	assert_int_equal(s->pool, 0);
	assert_int_equal(s->internal, 0);
	/* Cookies under pressure, as every TCP FullNAT service. */
	assert_int_equal(s->synproxy.enabled, 0);
	assert_int_equal(s->synproxy.on_pressure, 1);
	h = s->http;
	assert_non_null(h);
	assert_int_equal(h->header_timeout_ms, 5000);
	assert_int_equal(h->head_max, 16384);
	assert_int_equal(h->headers_max, 64);
	assert_int_equal(h->target_max, 2048);
	assert_string_equal(h->forwarded_proto, "https");
	assert_string_equal(h->via, "edge-1");
	assert_int_equal(h->default_404, 0);
	assert_int_equal(h->routes.n, 4);
	assert_int_equal(h->routes.r[0].host_kind, WEIR_HTTP_HOST_EXACT);
	assert_string_equal(h->routes.r[0].host, "api.example.com");
	assert_string_equal(h->routes.r[0].path, "/v1/");
	assert_int_equal(h->routes.r[1].host_kind, WEIR_HTTP_HOST_SUFFIX);
	assert_string_equal(h->routes.r[1].host, ".example.com");
	assert_string_equal(h->routes.r[1].path, "/");
	assert_int_equal(h->routes.r[2].host_kind, WEIR_HTTP_HOST_ANY);
	assert_string_equal(h->routes.r[2].path, "/static/");
	assert_int_equal(h->routes.r[3].host_kind, WEIR_HTTP_HOST_EXACT);
	assert_string_equal(h->routes.r[3].path, "/");
	/* Pools and the services whose schedulers pick from them. */
	assert_string_equal(h->route[0].pool_name, "api");
	assert_int_equal(h->route[0].pool, 1);
	assert_int_equal(h->route[0].service, 2);
	assert_string_equal(h->route[1].pool_name, "site");
	assert_int_equal(h->route[1].pool, 0);
	assert_int_equal(h->route[1].service, 0);
	assert_string_equal(h->route[2].pool_name, "static");
	assert_int_equal(h->route[2].pool, 2);
	assert_int_equal(h->route[2].service, 3);
	assert_int_equal(h->route[3].pool, 1);
	assert_int_equal(h->route[3].service, 2); /* one internal service per pool */
	/* The tcp service has no http. */
	assert_null(c->services[1].http);
	assert_int_equal(c->services[1].internal, 0);
	/* Internal services: copies of web with the route's pool. */
	t = &c->services[2];
	assert_string_equal(t->name, "web/api");
	assert_int_equal(t->internal, 1);
	assert_int_equal(t->pool, 1);
	assert_null(t->http);
	assert_memory_equal(&t->vip, &s->vip, sizeof(s->vip));
	assert_int_equal(t->port, 80);
	assert_int_equal(t->proto, 6);
	assert_int_equal(t->scheduler, WEIR_SCHED_RR);
	assert_int_equal(t->out_port, s->out_port);
	assert_int_equal(t->n_local_ips, 1);
	assert_memory_equal(t->local_ips, s->local_ips, sizeof(s->local_ips));
	assert_int_equal(t->timeouts.established, 60);
	assert_string_equal(c->services[3].name, "web/static");
	assert_int_equal(c->services[3].internal, 1);
	assert_int_equal(c->services[3].pool, 2);
	/* The matcher on the routes as loaded. */
	assert_int_equal(weir_http_route_match(&h->routes, (const uint8_t *)"API.example.com:80",
					       18, (const uint8_t *)"/v1/x", 5),
			 0);
	assert_int_equal(weir_http_route_match(&h->routes, (const uint8_t *)"www.example.com", 15,
					       (const uint8_t *)"/static/a", 9),
			 1);
	assert_int_equal(weir_http_route_match(&h->routes, (const uint8_t *)"other", 5,
					       (const uint8_t *)"/static/a", 9),
			 2);
	assert_int_equal(weir_http_route_match(&h->routes, (const uint8_t *)"other", 5,
					       (const uint8_t *)"/", 1),
			 -1);
	weir_config_free(c);
}

static void
test_defaults(void **state)
{
	const struct weir_http_config *h;
	struct weir_config *c;

	(void)state;
	/* Only "pool": every request goes there. */
	c = load(WEB(",'pool':'site'"));
	if (c == NULL)
		fail_msg("rejected: %s", errbuf);
	assert_int_equal(c->http_head_buffers, WEIR_HTTP_HEAD_BUFFERS_DEFAULT);
	assert_int_equal(c->n_services, 1);
	h = c->services[0].http;
	assert_non_null(h);
	assert_int_equal(h->header_timeout_ms, 10000);
	assert_int_equal(h->head_max, 8192);
	assert_int_equal(h->headers_max, 100);
	assert_int_equal(h->target_max, 4096);
	assert_string_equal(h->forwarded_proto, "http");
	assert_string_equal(h->via, "weir");
	assert_int_equal(h->default_404, 0);
	assert_int_equal(h->routes.n, 0);
	weir_config_free(c);

	/* Only routes: the first route's pool, and 404 for the rest. */
	c = load(WEB(",'routes':[{'host':'a.example','pool':'api'},{'pool':'site'}]"));
	if (c == NULL)
		fail_msg("rejected: %s", errbuf);
	h = c->services[0].http;
	assert_int_equal(c->services[0].pool, 1);
	assert_int_equal(h->default_404, 1);
	assert_int_equal(h->route[0].service, 0);
	assert_int_equal(c->n_services, 2);
	assert_string_equal(c->services[1].name, "web/site");
	assert_int_equal(h->route[1].service, 1);
	weir_config_free(c);

	/* tcp and udp services have no http. */
	c = load(TCP(""));
	assert_non_null(c);
	assert_null(c->services[0].http);
	weir_config_free(c);
}

/* Two http services; a long name is cut before the pool's. */
static void
test_internal_names(void **state)
{
	struct weir_config *c;

	(void)state;
	c = load("{" PORTS "," POOLS ",'services':[{'name':'a-very-long-service-name-of-31b',"
		 "'vip':'198.18.1.1','port':80,'protocol':'http','local_ips':['198.18.2.1'],"
		 "'routes':[{'pool':'site'},{'host':'x.y','pool':'static'},{'host':'y.y',"
		 "'pool':'api'}]},"
		 "{'name':'two','vip':'198.18.1.2','port':80,'protocol':'http','pool':'static',"
		 "'local_ips':['198.18.2.1'],'routes':[{'host':'x.y','pool':'site'}]}]}");
	if (c == NULL)
		fail_msg("rejected: %s", errbuf);
	assert_int_equal(strlen(c->services[0].name), 31);
	assert_int_equal(c->n_services, 5);
	assert_string_equal(c->services[2].name, "a-very-long-service-name/static");
	assert_int_equal(c->services[2].internal, 1);
	assert_int_equal(c->services[2].pool, 2);
	assert_string_equal(c->services[3].name, "a-very-long-service-name-of/api");
	assert_int_equal(c->services[3].pool, 1);
	assert_string_equal(c->services[4].name, "two/site");
	assert_int_equal(c->services[4].internal, 2);
	assert_int_equal(c->services[4].pool, 0);
	assert_int_equal(c->services[4].vip.ip[3], 2);
	assert_int_equal(c->services[0].http->route[1].service, 2);
	assert_int_equal(c->services[0].http->route[2].service, 3);
	assert_int_equal(c->services[1].http->route[0].service, 4);
	weir_config_free(c);
}

static void
test_rejects(void **state)
{
	static const struct weir_reject_case bad[] = {
		{WEB(""), "config t: key 'services[0].pool': missing: an http service needs "
			  "\"pool\" or at least one route"},
		{WEB(",'routes':[]"), "config t: key 'services[0].pool': missing: an http service "
				      "needs \"pool\" or at least one route"},
		{WEB(",'pool':'site','forwarding':'dsr-ipip'"),
		 "config t: key 'services[0].forwarding' = \"dsr-ipip\": http services are "
		 "fullnat (weir ends the client's connection)"},
		{WEB(",'pool':'site','synproxy':{}"),
		 "config t: key 'services[0].synproxy': http services always answer SYNs with "
		 "cookies"},
		{WEB(",'pool':'site','synproxy':false"),
		 "config t: key 'services[0].synproxy': http services always answer SYNs with "
		 "cookies"},
		{TCP(",'http':{}"), "config t: key 'services[0].http': only \"protocol\": \"http\" "
				    "services have it"},
		{TCP(",'routes':[]"), "config t: key 'services[0].routes': only \"protocol\": "
				      "\"http\" services have it"},
		{WEB(",'pool':'site','http':[]"),
		 "config t: key 'services[0].http' = []: expected an object {header_timeout_ms, "
		 "...}"},
		{WEB(",'pool':'site','http':{'keepalive':1}"),
		 "config t: key 'services[0].http.keepalive': unknown key"},
		{WEB(",'pool':'site','http':{'header_timeout_ms':99}"),
		 "config t: key 'services[0].http.header_timeout_ms' = 99: expected an integer in "
		 "[100, 600000]"},
		{WEB(",'pool':'site','http':{'head_max':65537}"),
		 "config t: key 'services[0].http.head_max' = 65537: expected an integer in "
		 "[1024, 65536]"},
		{WEB(",'pool':'site','http':{'headers_max':0}"),
		 "config t: key 'services[0].http.headers_max' = 0: expected an integer in [1, "
		 "128]"},
		{WEB(",'pool':'site','http':{'target_max':63}"),
		 "config t: key 'services[0].http.target_max' = 63: expected an integer in [64, "
		 "65536]"},
		{WEB(",'pool':'site','http':{'target_max':8192}"),
		 "config t: key 'services[0].http.target_max' = 8192: must be less than head_max "
		 "(8192)"},
		{WEB(",'pool':'site','http':{'head_max':2048}"),
		 "config t: key 'services[0].http.target_max': must be less than head_max (2048)"},
		{WEB(",'pool':'site','http':{'forwarded_proto':'ftp'}"),
		 "config t: key 'services[0].http.forwarded_proto' = \"ftp\": expected \"http\" "
		 "or \"https\""},
		{WEB(",'pool':'site','http':{'via':'a b'}"),
		 "config t: key 'services[0].http.via' = \"a b\": expected a token (letters, "
		 "digits and !#$%&'*+-.^_`|~)"},
		{WEB(",'pool':'site','http':{'via':''}"),
		 "config t: key 'services[0].http.via' = \"\": must not be empty"},
		{WEB(",'routes':{}"),
		 "config t: key 'services[0].routes' = {}: expected an array of routes"},
		{WEB(",'routes':['api']"), "config t: key 'services[0].routes[0]' = \"api\": "
					   "expected an object {host, path_prefix, pool}"},
		{WEB(",'routes':[{'pool':'api','weight':1}]"),
		 "config t: key 'services[0].routes[0].weight': unknown key"},
		{WEB(",'routes':[{'host':'a.example'}]"),
		 "config t: key 'services[0].routes[0].pool': missing"},
		{WEB(",'routes':[{'pool':'nope'}]"),
		 "config t: key 'services[0].routes[0].pool' = \"nope\": no pool of that name"},
		{WEB(",'routes':[{'pool':'w6'}]"),
		 "config t: key 'services[0].routes[0].pool' = \"w6\": backends are IPv6, the VIP "
		 "is IPv4"},
		{WEB(",'pool':'site','routes':[{'pool':'far'}]"),
		 "config t: key 'pools[4].backends[0].address': 198.18.7.7 is neither on a subnet "
		 "of port b nor one of its neighbors (service web)"},
		{WEB(",'routes':[{'pool':'api'},{'host':'a.example','pool':'site'},"
		     "{'host':'Example.com:80','pool':'api'}]"),
		 "config t: key 'services[0].routes[2].host' = \"Example.com:80\": a route's host "
		 "has no port"},
		{WEB(",'routes':[{'host':'a.*.example','pool':'api'}]"),
		 "config t: key 'services[0].routes[0].host' = \"a.*.example\": '*' only as a "
		 "leading \"*.\""},
		{WEB(",'routes':[{'host':'a_b','pool':'api'}]"),
		 "config t: key 'services[0].routes[0].host' = \"a_b\": expected a host name of "
		 "letters, digits, '-' and '.'"},
		{WEB(",'routes':[{'host':'example.com.','pool':'api'}]"),
		 "config t: key 'services[0].routes[0].host' = \"example.com.\": empty label (a "
		 "leading, trailing or double dot)"},
		{WEB(",'routes':[{'host':7,'pool':'api'}]"),
		 "config t: key 'services[0].routes[0].host' = 7: expected a host name or "
		 "\"*.suffix\""},
		{WEB(",'routes':[{'path_prefix':'v1','pool':'api'}]"),
		 "config t: key 'services[0].routes[0].path_prefix' = \"v1\": a path prefix starts "
		 "with '/'"},
		{WEB(",'routes':[{'path_prefix':'/a?b','pool':'api'}]"),
		 "config t: key 'services[0].routes[0].path_prefix' = \"/a?b\": a path prefix "
		 "holds no control byte, space, '?', '#' or byte beyond ASCII"},
		{WEB(",'routes':[{'path_prefix':['/'],'pool':'api'}]"),
		 "config t: key 'services[0].routes[0].path_prefix' = [\"/\"]: expected a path "
		 "starting with '/'"},
		{WEB(",'routes':[{'host':'A.example','pool':'api'},{'host':'a.example',"
		     "'path_prefix':'/','pool':'site'}]"),
		 "config t: key 'services[0].routes[1]': same host and path prefix as an earlier "
		 "route"},
		/* Internal names must not collide with a service of the file. */
		{"{" PORTS "," POOLS ",'services':[{'name':'web','vip':'198.18.1.1','port':80,"
		 "'protocol':'http','pool':'site','local_ips':['198.18.2.1'],'routes':[{'pool':"
		 "'api'}]},{'name':'web/api','vip':'198.18.1.1','port':81,'protocol':'tcp',"
		 "'pool':'api','local_ips':['198.18.2.1']}]}",
		 "config t: key 'services[0].routes[0].pool': the name of its internal service, "
		 "\"web/api\", is taken by services[1]"},
		/* An http service is TCP: same VIP and port as a tcp one. */
		{"{" PORTS "," POOLS ",'services':[{'name':'web','vip':'198.18.1.1','port':80,"
		 "'protocol':'http','pool':'site','local_ips':['198.18.2.1']},{'name':'t',"
		 "'vip':'198.18.1.1','port':80,'protocol':'tcp','pool':'api','local_ips':["
		 "'198.18.2.1']}]}",
		 "config t: key 'services[1]': same VIP, port and protocol as services[0]"},
		{"{" PORTS ",'http_head_buffers':15}",
		 "config t: key 'http_head_buffers' = 15: expected an integer in [16, 1048576]"},
		{"{" PORTS ",'http_head_buffers':1048577}",
		 "config t: key 'http_head_buffers' = 1048577: expected an integer in [16, "
		 "1048576]"},
	};

	(void)state;
	weir_test_rejects(bad, try_load, NULL);
}

/* 64 services of the file leave no room for an internal one. */
static void
test_too_many(void **state)
{
	static char big[sizeof(text)];
	size_t n;
	int i;

	(void)state;
	n = (size_t)snprintf(big, sizeof(big),
			     "{" PORTS "," POOLS ",'services':[{'name':'web','vip':'198.18.1.1',"
			     "'port':1,'protocol':'http','pool':'site','local_ips':["
			     "'198.18.2.1'],'routes':[{'host':'a.b','pool':'api'}]}");
	for (i = 2; i <= WEIR_MAX_SERVICES; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n,
				      ",{'name':'s%d','vip':'198.18.1.1','port':%d,'protocol':"
				      "'tcp','pool':'site','local_ips':['198.18.2.1']}",
				      i, i);
	snprintf(big + n, sizeof(big) - n, "]}");
	assert_true(n + 3 < sizeof(big));
	weir_test_reject_one(big,
			     "config t: key 'services[0].routes[0].pool': more than 64 services "
			     "with the internal ones (one per http service and route pool other "
			     "than its own)",
			     try_load, NULL);
}

/* weir_config_free() gives back the http settings too, and a refusal
 * after an http service was read leaks nothing. */
static void
test_http_free(void **state)
{
	struct weir_config *c;
	size_t before;

	(void)state;
	before = weir_test_heap_bytes();
	c = load(EXAMPLE);
	assert_non_null(c);
	assert_true(weir_test_heap_bytes() >= before + sizeof(*c) + sizeof(*c->services[0].http));
	weir_config_free(c);
	assert_int_equal(weir_test_heap_bytes(), before);
	assert_null(load(WEB(",'routes':[{'pool':'nope'}]")));
	assert_int_equal(weir_test_heap_bytes(), before);
}

/* What reload.c's loop does with weir_config_http_change_ok(): each new
 * service against the running one of its name; the first refusal. */
static const char *
try_reload(const struct weir_reject_case *rc, void *arg)
{
	static char msg[sizeof(errbuf) + 64];
	const struct weir_config *o = arg;
	struct weir_config *n;
	unsigned int i, j;

	n = load(rc->input);
	if (n == NULL) {
		snprintf(msg, sizeof(msg), "(the new config is refused) %s", errbuf);
		return msg;
	}
	for (j = 0; j < n->n_services; j++) {
		const struct weir_service_config *a = NULL, *b = &n->services[j];

		for (i = 0; i < o->n_services; i++)
			if (strcmp(o->services[i].name, b->name) == 0)
				a = &o->services[i];
		/* reload.c's same_place(), as far as these configs differ. */
		if (weir_config_http_change_ok(a, b, j,
					       a != NULL && a->scheduler == b->scheduler &&
						       a->pool == b->pool && a->port == b->port &&
						       a->proto == b->proto,
					       msg, sizeof(msg)) != 0) {
			weir_config_free(n);
			return msg;
		}
	}
	weir_config_free(n);
	return NULL;
}

#define HEAD "'pool':'site','scheduler':'rr'"

static void
test_reload(void **state)
{
	static const struct weir_reject_case refused[] = {
		{CFG(WEBS(HEAD,
			  "'header_timeout_ms':5000,'head_max':16384,'headers_max':64,"
			  "'target_max':2048,'forwarded_proto':'https','via':'edge-2'",
			  R0) "," TSVC),
		 "key 'services[0].http': http settings cannot change at a reload (restart weir)"},
		{CFG(WEBS(HEAD, H0,
			  "{'host':'api.example.com','path_prefix':'/v1/','pool':'api'}") "," TSVC),
		 "key 'services[0].routes': routes cannot change at a reload (restart weir)"},
		/* The gate's side of them: limits on the service, then on a route. */
		{CFG(WEBS(HEAD, H0 ",'limits':[{'limit':5,'window_s':60}]", R0) "," TSVC),
		 "key 'services[0].http': http settings cannot change at a reload (restart weir)"},
		{CFG(WEBS(HEAD, H0,
			  "{'host':'api.example.com','path_prefix':'/v1/','pool':'api',"
			  "'limits':[{'limit':5,'window_s':60}]},"
			  "{'host':'*.Example.com','pool':'site'},{'path_prefix':'/static/','pool':"
			  "'static'},{'host':'api.example.com','pool':'api'}") "," TSVC),
		 "key 'services[0].routes': routes cannot change at a reload (restart weir)"},
		/* Same rules, one to another pool. */
		{CFG(WEBS(HEAD, H0,
			  "{'host':'api.example.com','path_prefix':'/v1/','pool':'api'},"
			  "{'host':'*.Example.com','pool':'site'},{'path_prefix':'/static/','pool':"
			  "'static'},{'host':'api.example.com','pool':'static'}") "," TSVC),
		 "key 'services[0].routes': routes cannot change at a reload (restart weir)"},
		/* Same rules in another order. */
		{CFG(WEBS(HEAD, H0,
			  "{'host':'*.Example.com','pool':'site'},{'host':'api.example.com',"
			  "'path_prefix':'/v1/','pool':'api'},{'path_prefix':'/static/','pool':"
			  "'static'},{'host':'api.example.com','pool':'api'}") "," TSVC),
		 "key 'services[0].routes': routes cannot change at a reload (restart weir)"},
		{CFG(WEBS("'pool':'site','scheduler':'wrr'", H0, R0) "," TSVC),
		 "key 'services[0]': an http service's vip, port, scheduler, sticky, forwarding, "
		 "pool and local_ips cannot change at a reload (restart weir)"},
		/* No "pool" now, the first route's being the same. */
		{CFG(WEBS("'scheduler':'rr'", H0,
			  "{'host':'*.Example.com','pool':'site'},{'host':'api.example.com',"
			  "'path_prefix':'/v1/','pool':'api'},{'path_prefix':'/static/','pool':"
			  "'static'},{'host':'api.example.com','pool':'api'}") "," TSVC),
		 "key 'services[0].pool': giving or dropping an http service's pool cannot "
		 "change at a reload (restart weir)"},
		{CFG("{'name':'web','vip':'198.18.1.1','port':80,'protocol':'tcp','pool':'site',"
		     "'scheduler':'rr','local_ips':['198.18.2.1']}," TSVC),
		 "key 'services[0].protocol': changing to or from http cannot change at a reload "
		 "(restart weir)"},
		{CFG(WEBS(HEAD, H0, R0) "," TSVC ",{'name':'web2','vip':'198.18.1.2','port':80,"
					"'protocol':'http','pool':'site','local_ips':["
					"'198.18.2.1']}"),
		 "key 'services[2].protocol': an http service cannot be added at a reload "
		 "(restart weir)"},
		/* tcp to http. */
		{CFG(WEBS(HEAD, H0, R0) ",{'name':'t','vip':'198.18.1.1','port':443,'protocol':"
					"'http','pool':'site','local_ips':['198.18.2.1']}"),
		 "key 'services[1].protocol': changing to or from http cannot change at a reload "
		 "(restart weir)"},
		/* A service of the file named like a running internal one. */
		{CFG("{'name':'web/api','vip':'198.18.1.1','port':81,'protocol':'tcp','pool':"
		     "'api','local_ips':['198.18.2.1']}," TSVC),
		 "key 'services[0].name': \"web/api\" is an internal service of the running "
		 "config (an http route's pool) and cannot change at a reload (restart weir)"},
	};
	struct weir_config *o;

	(void)state;
	o = load(EXAMPLE);
	assert_non_null(o);
	/* The same file; what may change: timeouts, the backends of route
	 * pools, a route's host spelled in another case, tcp services. */
	assert_null(try_reload(&(struct weir_reject_case){EXAMPLE, ""}, o));
	assert_null(try_reload(
		&(struct weir_reject_case){
			"{" PORTS ",'pools':[{'name':'site','backends':[{'address':'198.18.2.10',"
			"'port':8080,'weight':5}]},{'name':'api','backends':[{'address':"
			"'198.18.2.21','port':8080}]},{'name':'static','backends':[{'address':"
			"'198.18.2.30','port':80}]},{'name':'w6','backends':[{'address':"
			"'2001:db8:2::10','port':80}]},{'name':'far','backends':[{'address':"
			"'198.18.7.7','port':80}]}],'services':[{'name':'web','vip':'198.18.1.1',"
			"'port':80,'protocol':'http','pool':'site','scheduler':'rr','local_ips':["
			"'198.18.2.1'],'timeouts':{'established':90},'http':{" H0 "},'routes':["
			"{'host':'API.example.com','path_prefix':'/v1/','pool':'api'},"
			"{'host':'*.example.COM','pool':'site'},{'path_prefix':'/static/','pool':"
			"'static'},{'host':'api.example.com','pool':'api'}]}," TSVC
			",{'name':'u','vip':'198.18.1.1','port':53,'protocol':'udp','pool':"
			"'site','local_ips':['198.18.2.1']}]}",
			""},
		o));
	weir_test_rejects(refused, try_reload, o);
	weir_config_free(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),	       cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_internal_names), cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_too_many),       cmocka_unit_test(test_reload),
		cmocka_unit_test(test_http_free),
	};

	return weir_test_main(tests);
}
