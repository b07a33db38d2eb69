/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Admission (app/adm) decided in C, without ports or a worker loop: its
 * verdicts for prefixes, limits, RSTs, packet limits and bans; ban reports
 * through the outbox; weirctl ban/unban/bans, and unban with a worker's
 * inbox full (nothing changes, a retry works). The workers' part of the
 * mailbox is driven by hand (weir_worker_drain()).
 */
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "adm/adm.h"
#include "adm/srctab.h"
#include "config/weir_config.h"
#include "core/clock.h"
#include "core/mailbox.h"
#include "core/rcu.h"
#include "core/worker.h"
#include "eal_test.h"

static const char CONFIG[] =
	"{\"workers\": [1],"
	" \"ports\": [{\"name\": \"p0\", \"devargs\": \"net_null0\","
	"             \"addresses\": [\"198.18.0.1/24\", \"2001:db8:0:1::1/64\"]}],"
	" \"vips\": [\"198.18.1.1\"],"
	" \"acl\": {\"deny\": [\"198.18.5.0/24\"], \"allow\": [\"198.18.6.0/24\"]},"
	" \"pools\": [{\"name\": \"web\", \"backends\": [{\"address\": \"198.18.0.10\","
	"             \"port\": 8080}]}],"
	" \"services\": ["
	"  {\"name\": \"tcp4\", \"vip\": \"198.18.1.1\", \"port\": 80, \"protocol\": \"tcp\","
	"   \"pool\": \"web\", \"local_ips\": [\"198.18.0.1\"],"
	"   \"limits\": {\"new_conns\": {\"rate\": 2, \"per_s\": 1, \"burst\": 2},"
	"              \"action\": \"rst\", \"ban\": {\"after\": 2, \"first_s\": 10}}},"
	"  {\"name\": \"udp4\", \"vip\": \"198.18.1.1\", \"port\": 53, \"protocol\": \"udp\","
	"   \"pool\": \"web\", \"local_ips\": [\"198.18.0.1\"],"
	"   \"limits\": {\"packets\": {\"rate\": 3, \"per_s\": 1, \"burst\": 3},"
	"              \"concurrent\": 2}},"
	"  {\"name\": \"tcp5\", \"vip\": \"198.18.1.1\", \"port\": 81, \"protocol\": \"tcp\","
	"   \"pool\": \"web\", \"local_ips\": [\"198.18.0.1\"],"
	"   \"limits\": {\"packets\": {\"rate\": 2, \"per_s\": 1, \"burst\": 2},"
	"              \"ban\": {\"after\": 1, \"first_s\": 5}}}]}";

static struct weir_worker *w;
static struct rte_mempool *pool;

static void
key(struct weir_conn_key *k, const char *src4, uint8_t proto, uint16_t sport)
{
	unsigned int a, b, c, d;

	memset(k, 0, sizeof(*k));
	sscanf(src4, "%u.%u.%u.%u", &a, &b, &c, &d);
	k->family = 4;
	k->proto = proto;
	k->src[0] = (uint8_t)a;
	k->src[1] = (uint8_t)b;
	k->src[2] = (uint8_t)c;
	k->src[3] = (uint8_t)d;
	k->dst[0] = 198;
	k->dst[1] = 18;
	k->dst[2] = 1;
	k->dst[3] = 1;
	k->sport = (uint16_t)(sport >> 8 | sport << 8);
	k->dport = proto == 6 ? 0x5000 : 0x3500;
}

/* Gate, then limits, for a new connection of service svc from src at time
 * t (s); proven: its first packet is a cookie's ACK. */
static struct weir_verdict
admit_as(unsigned int svc, const char *src, uint16_t sport, double t, int proven, uint32_t ref[2])
{
	struct weir_pkt p = {.l3 = WEIR_L3_IPV4};
	struct weir_conn_key k;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct weir_verdict v;
	int allowed;

	key(&k, src, svc == 1 ? 17 : 6, sport);
	p.l4_proto = k.proto;
	weir_adm_iteration(&w->adm, weir_clock.tsc0 + (uint64_t)(t * (double)weir_clock.hz));
	v = weir_adm_gate(&w->adm, m, &k, svc, &allowed);
	if (v.kind == WEIR_V_CONTINUE)
		v = weir_adm_limits(&w->adm, &p, svc, &k, allowed, proven, ref);
	rte_pktmbuf_free(m);
	return v;
}

/* A SYN or a UDP datagram: nothing proves its source. */
static struct weir_verdict
admit(unsigned int svc, const char *src, uint16_t sport, double t, uint32_t ref[2])
{
	return admit_as(svc, src, sport, t, 0, ref);
}

static void
expect(struct weir_verdict v, uint8_t kind, unsigned int reason, const char *what)
{
	CHECK(v.kind == kind && (kind == WEIR_V_CONTINUE || v.reason == reason),
	      "%s: verdict %u reason %s, want %u %s", what, v.kind, weir_drop_name(v.reason), kind,
	      weir_drop_name(reason));
}

static void
setup(void)
{
	char err[512] = "";

	weir.cfg = weir_config_from_string(CONFIG, "test_adm", err, sizeof(err));
	CHECK(weir.cfg != NULL, "config: %s", err);
	if (weir.cfg == NULL)
		exit(1);
	weir.n_workers = 1;
	/* Control reads the TSC: the tests' times are seconds from now. */
	weir_clock_set(rte_get_tsc_cycles(), rte_get_tsc_hz(), 0);
	CHECK(weir_workers_init(err, sizeof(err)) == 0, "workers: %s", err);
	CHECK(weir_rcu_init(1) == 0, "rcu");
	CHECK(weir_adm_init(err, sizeof(err)) == 0, "adm: %s", err);
	w = weir.workers[0];
	CHECK(weir_adm_init_worker(&w->adm, 0, (int)rte_socket_id(), w->outbox, err, sizeof(err)) ==
		      0,
	      "adm worker: %s", err);
	pool = rte_pktmbuf_pool_create("test_adm", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	CHECK(pool != NULL, "pool");
}

static void
teardown(void)
{
	weir_adm_fini_worker(&w->adm);
	weir_adm_fini();
	weir_rcu_fini();
	weir_workers_fini();
	rte_mempool_free(pool);
	weir_config_free(weir.cfg);
}

static void
test_prefixes_and_limits(void)
{
	uint32_t ref[2];
	struct weir_verdict v;
	unsigned int i;

	expect(admit(0, "198.18.5.9", 1000, 0, ref), WEIR_V_DROP, WEIR_DROP_ACL_DENIED, "denied");
	/* Allow-listed: no limits at all. */
	for (i = 0; i < 5; i++)
		expect(admit(0, "198.18.6.9", (uint16_t)(1000 + i), 0, ref), WEIR_V_CONTINUE, 0,
		       "allow-listed");
	CHECK(w->adm.stats.acl_allowed == 5, "acl_allowed %lu", w->adm.stats.acl_allowed);
	/* Burst 2, then an RST (action rst, a TCP service). */
	expect(admit(0, "198.18.0.2", 1000, 0, ref), WEIR_V_CONTINUE, 0, "first");
	CHECK(ref[0] == WEIR_SRCT_NONE && ref[1] == WEIR_SRCT_NONE,
	      "new_conns alone pins no source");
	expect(admit(0, "198.18.0.2", 1001, 0, ref), WEIR_V_CONTINUE, 0, "second");
	v = admit(0, "198.18.0.2", 1002, 0, ref);
	expect(v, WEIR_V_RST, WEIR_DROP_RATE_LIMITED, "third: over the limit");
	/* A second later one token is back. */
	expect(admit(0, "198.18.0.2", 1003, 1.0, ref), WEIR_V_CONTINUE, 0, "a second later");
	CHECK(w->adm.stats.rl_admitted == 3 && w->adm.stats.rl_denied == 1,
	      "admitted %lu denied %lu", w->adm.stats.rl_admitted, w->adm.stats.rl_denied);
	/* Two open connections at most (udp4): the third is refused until one ends. */
	{
		uint32_t r1[2], r2[2];

		expect(admit(1, "198.18.0.3", 2000, 2, r1), WEIR_V_CONTINUE, 0, "udp 1");
		CHECK(r1[0] != WEIR_SRCT_NONE, "the concurrency limit pins the source");
		expect(admit(1, "198.18.0.3", 2001, 2, r2), WEIR_V_CONTINUE, 0, "udp 2");
		expect(admit(1, "198.18.0.3", 2002, 2, ref), WEIR_V_DROP,
		       WEIR_DROP_CONCURRENCY_LIMITED, "udp 3");
		weir_adm_release(&w->adm, r1);
		expect(admit(1, "198.18.0.3", 2003, 2, r1), WEIR_V_CONTINUE, 0, "udp 3 again");
		weir_adm_release(&w->adm, r1);
		weir_adm_release(&w->adm, r2);
	}
}

static void
test_packet_limit(void)
{
	struct weir_conn c;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint32_t ref[2];
	unsigned int i, passed = 0, limited = 0;

	memset(&c, 0, sizeof(c));
	/* The connection's first packet takes a token. */
	expect(admit(1, "198.18.0.4", 3000, 10, ref), WEIR_V_CONTINUE, 0, "udp flow");
	key(&c.client, "198.18.0.4", 17, 3000);
	c.service = 1;
	c.src_ref[0] = ref[0];
	c.src_ref[1] = ref[1];
	for (i = 0; i < 5; i++) {
		struct weir_verdict v = weir_adm_packet(&w->adm, m, &c);

		if (v.kind == WEIR_V_CONTINUE)
			passed++;
		else if (v.kind == WEIR_V_DROP && v.reason == WEIR_DROP_PACKET_LIMITED)
			limited++;
	}
	CHECK(passed == 2 && limited == 3, "packets: %u passed, %u limited, want 2, 3", passed,
	      limited);
	weir_adm_release(&w->adm, ref);
	rte_pktmbuf_free(m);
}

/* The ban of source in scope, as weirctl bans shows it. */
static void
check_ban(const char *source, const char *scope, int proven, int duration_s, int times)
{
	char err[256] = "";
	json_t *res = weir_cmd_bans(NULL, err, sizeof(err)), *b;
	size_t i;
	int found = 0;

	CHECK(res != NULL, "bans: %s", err);
	json_array_foreach(json_object_get(res, "bans"), i, b)
	{
		if (strcmp(json_string_value(json_object_get(b, "source")), source) != 0 ||
		    strcmp(json_string_value(json_object_get(b, "scope")), scope) != 0)
			continue;
		found = 1;
		CHECK(json_is_true(json_object_get(b, "proven")) == proven &&
			      json_integer_value(json_object_get(b, "duration_s")) == duration_s &&
			      json_integer_value(json_object_get(b, "times")) == times,
		      "ban of %s in %s: %s; want proven %d, %d s, %d times", source, scope,
		      json_dumps(b, 0), proven, duration_s, times);
	}
	CHECK(found, "no ban of %s in %s: %s", source, scope, json_dumps(res, 0));
	json_decref(res);
}

/* One message of type out of the outbox, or 0. */
static int
outbox_take(uint16_t type, void *payload, size_t len)
{
	struct weir_msg msg;

	while (rte_ring_dequeue_elem(w->outbox, &msg, sizeof(msg)) == 0)
		if (msg.type == type) {
			memcpy(payload, msg.data, len);
			return 1;
		}
	return 0;
}

static void
test_bans(void)
{
	uint8_t report[WEIR_MSG_PAYLOAD];
	char err[256] = "";
	uint32_t ref[2];
	json_t *req, *res;
	unsigned int i;

	/* Refusals under tcp4 (ban after 2): banned at once in this worker. */
	for (i = 0; i < 4; i++)
		admit(0, "198.18.0.7", (uint16_t)(4000 + i), 20, ref);
	CHECK(w->adm.stats.ban_reports == 1, "ban reports %lu", w->adm.stats.ban_reports);
	expect(admit(0, "198.18.0.7", 4010, 20, ref), WEIR_V_DROP, WEIR_DROP_BANNED,
	       "banned in its entry");
	/* Control publishes it from the report: SYNs prove nothing, so the ban
	 * is tcp4's alone, and the source's UDP flows to udp4 go on. */
	CHECK(outbox_take(WEIR_MSG_BAN_REPORT, report, sizeof(report)),
	      "no ban report in the outbox");
	weir_adm_ban_reported(report);
	weir_adm_control_tick();
	weir_adm_iteration(&w->adm, weir_clock.tsc0 + 20 * weir_clock.hz);
	CHECK(w->adm.n_bans == 1, "bans published: %u", w->adm.n_bans);
	check_ban("198.18.0.7/32", "tcp4", 0, 10, 1);
	expect(admit(1, "198.18.0.7", 4011, 20, ref), WEIR_V_CONTINUE, 0,
	       "an unproven ban stays within its service");
	weir_adm_release(&w->adm, ref);

	/* weirctl ban, then unban with the worker's inbox full: refused, and the
	 * ban stays in force (a retry must not say "not banned"). */
	req = json_pack("{s:s, s:i}", "address", "198.18.0.8", "seconds", 60);
	res = weir_cmd_ban(req, err, sizeof(err));
	CHECK(res != NULL, "ban: %s", err);
	json_decref(res);
	json_decref(req);
	for (i = 0; weir_control_room(0) > 0; i++)
		weir_control_post(0, WEIR_MSG_NONE, NULL, 0);
	req = json_pack("{s:s}", "address", "198.18.0.8");
	res = weir_cmd_unban(req, err, sizeof(err));
	CHECK(res == NULL && strstr(err, "inbox is full") != NULL, "unban, inbox full: %s", err);
	res = weir_cmd_bans(NULL, err, sizeof(err));
	CHECK(res != NULL && json_array_size(json_object_get(res, "bans")) == 2,
	      "after a refused unban: %s", res ? json_dumps(res, 0) : err);
	json_decref(res);
	weir_worker_drain(w); /* the worker takes its messages */
	CHECK(w->inbox_done == w->inbox_posted, "drained %lu of %lu", w->inbox_done,
	      w->inbox_posted);
	res = weir_cmd_unban(req, err, sizeof(err));
	CHECK(res != NULL, "unban retried: %s", err);
	json_decref(res);
	json_decref(req);
	res = weir_cmd_bans(NULL, err, sizeof(err));
	CHECK(res != NULL && json_array_size(json_object_get(res, "bans")) == 1, "after unban: %s",
	      res ? json_dumps(res, 0) : err);
	json_decref(res);

	/* Unbanning the source the worker banned lifts its own entry too. */
	req = json_pack("{s:s}", "address", "198.18.0.7");
	res = weir_cmd_unban(req, err, sizeof(err));
	CHECK(res != NULL, "unban 198.18.0.7: %s", err);
	json_decref(res);
	json_decref(req);
	weir_worker_drain(w);
	weir_adm_control_tick();
	expect(admit(0, "198.18.0.7", 4020, 21, ref), WEIR_V_CONTINUE, 0, "unbanned");
}

/* Every ban report in the outbox to control, then its tick and the worker's
 * next iteration at t. */
static void
control_takes_reports(double t)
{
	uint8_t report[WEIR_MSG_PAYLOAD];

	while (outbox_take(WEIR_MSG_BAN_REPORT, report, sizeof(report)))
		weir_adm_ban_reported(report);
	weir_adm_control_tick();
	weir_adm_iteration(&w->adm, weir_clock.tsc0 + (uint64_t)(t * (double)weir_clock.hz));
}

/*
 * Where a ban applies, by what earned it: refusals of a proven source (a
 * cookie's ACK, packets of a connection whose handshake it completed) ban
 * it from every service, progressively; of an unproven one (SYNs, UDP,
 * packets of a half-open connection) from that service only, for first_s
 * each time.
 */
static void
test_ban_scope(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct weir_conn c;
	uint32_t ref[2];
	unsigned int i;

	/* Over tcp4's limit with cookie ACKs: banned from udp4 too. */
	for (i = 0; i < 4; i++)
		admit_as(0, "198.18.0.21", (uint16_t)(5000 + i), 40, 1, ref);
	control_takes_reports(40);
	check_ban("198.18.0.21/32", "all", 1, 10, 1);
	expect(admit(1, "198.18.0.21", 5010, 40, ref), WEIR_V_DROP, WEIR_DROP_BANNED,
	       "a proven source's ban applies everywhere");
	/* The same with SYNs: tcp4 only. */
	for (i = 0; i < 4; i++)
		admit(0, "198.18.0.20", (uint16_t)(5100 + i), 40, ref);
	control_takes_reports(40);
	check_ban("198.18.0.20/32", "tcp4", 0, 10, 1);
	expect(admit(0, "198.18.0.20", 5110, 41, ref), WEIR_V_DROP, WEIR_DROP_BANNED,
	       "banned from tcp4");
	expect(admit(1, "198.18.0.20", 5111, 41, ref), WEIR_V_CONTINUE, 0, "not from udp4");
	weir_adm_release(&w->adm, ref);
	/* Again once the bans are over (at 50): the proven source's second ban
	 * is twice as long, the unproven one's as long as its first. */
	for (i = 0; i < 4; i++) {
		admit_as(0, "198.18.0.21", (uint16_t)(5200 + i), 51, 1, ref);
		admit(0, "198.18.0.20", (uint16_t)(5300 + i), 51, ref);
	}
	control_takes_reports(51);
	check_ban("198.18.0.21/32", "all", 1, 20, 2);
	check_ban("198.18.0.20/32", "tcp4", 0, 10, 2);

	/* Packets over tcp5's limit, on a connection whose handshake the client
	 * completed (proven) and on a half-open one (not). */
	for (i = 0; i < 2; i++) {
		const char *src = i == 0 ? "198.18.0.30" : "198.18.0.31";
		unsigned int n;

		expect(admit(2, src, 6000, 60, ref), WEIR_V_CONTINUE, 0, "tcp5 connection");
		memset(&c, 0, sizeof(c));
		key(&c.client, src, 6, 6000);
		c.service = 2;
		c.state = i == 0 ? WEIR_CONN_ESTABLISHED : WEIR_CONN_SYN;
		c.flags = i == 0 ? WEIR_CONN_F_PROVEN : 0;
		c.src_ref[0] = ref[0];
		c.src_ref[1] = ref[1];
		for (n = 0; n < 2; n++)
			weir_adm_packet(&w->adm, m, &c);
		expect(weir_adm_packet(&w->adm, m, &c), WEIR_V_DROP, WEIR_DROP_BANNED,
		       "banned in its entry after a packet over the limit");
		weir_adm_release(&w->adm, ref);
	}
	control_takes_reports(60);
	check_ban("198.18.0.30/32", "all", 1, 5, 1);
	check_ban("198.18.0.31/32", "tcp5", 0, 5, 1);
	expect(admit(0, "198.18.0.30", 6001, 60, ref), WEIR_V_DROP, WEIR_DROP_BANNED,
	       "proven by its handshake: banned from tcp4");
	expect(admit(0, "198.18.0.31", 6001, 60, ref), WEIR_V_CONTINUE, 0,
	       "half-open: not banned from tcp4");
	rte_pktmbuf_free(m);
}

static double
thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * 100,000 bans by hand: adding them is linear (the table of bans in force
 * grows in place, and is rebuilt only when half full: about log2 of the
 * count times), and a page of weirctl bans is quick whatever the count.
 * The pages, walked with their cursors, give every ban exactly once, in
 * order. The bounds are generous: quadratic adds took 193 s for 65,536.
 */
static void
test_ban_pages(void)
{
	enum { N = 100000, LIMIT = 10000 };
	char err[256] = "", addr[32], cursor[64] = "";
	unsigned int i, pages = 0, seen = 0;
	double t0, t_add, t_page;
	uint32_t last = 0;
	json_t *req, *res, *b;
	size_t j;

	t0 = thread_cpu_s();
	for (i = 0; i < N; i++) {
		/* 198.18.0.0 - 198.19.134.159, in an order unlike the addresses'. */
		uint32_t a = 0xc6120000u + (i * 40503u) % N;

		snprintf(addr, sizeof(addr), "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255,
			 a & 255);
		req = json_pack("{s:s, s:i}", "address", addr, "seconds", 600);
		res = weir_cmd_ban(req, err, sizeof(err));
		CHECK(res != NULL, "ban %s: %s", addr, err);
		json_decref(res);
		json_decref(req);
		if (res == NULL)
			return;
	}
	t_add = thread_cpu_s() - t0;
	CHECK(t_add < 20.0, "100,000 bans took %.1f s of CPU", t_add);
	weir_adm_iteration(&w->adm, weir_clock.tsc0 + 55 * weir_clock.hz);
	CHECK(w->adm.n_bans >= N, "bans published: %u", w->adm.n_bans);

	t0 = thread_cpu_s();
	req = json_pack("{s:i}", "limit", 100);
	res = weir_cmd_bans(req, err, sizeof(err));
	t_page = thread_cpu_s() - t0;
	CHECK(t_page < 1.0, "a page of 100 of 100,000 bans took %.2f s of CPU", t_page);
	CHECK(res != NULL && json_array_size(json_object_get(res, "bans")) == 100 &&
		      json_integer_value(json_object_get(res, "total")) >= N &&
		      json_is_string(json_object_get(res, "next")),
	      "first page: %s", res ? "wrong shape" : err);
	json_decref(res);
	json_decref(req);

	/* A source's bans never split over pages: 198.18.0.20 is banned from
	 * tcp4 (test_ban_scope) and from every service. */
	req = json_pack("{s:i, s:s}", "limit", 1, "after", "198.18.0.19/32");
	res = weir_cmd_bans(req, err, sizeof(err));
	CHECK(res != NULL && json_array_size(json_object_get(res, "bans")) == 2 &&
		      strcmp(json_string_value(json_object_get(res, "next")), "198.18.0.20/32") ==
			      0,
	      "page of a source in two scopes: %s", res ? json_dumps(res, 0) : err);
	json_decref(res);
	json_decref(req);

	/* Every page, as weirctl walks them. */
	for (;;) {
		req = cursor[0] ? json_pack("{s:i, s:s}", "limit", LIMIT, "after", cursor)
				: json_pack("{s:i}", "limit", LIMIT);
		res = weir_cmd_bans(req, err, sizeof(err));
		json_decref(req);
		CHECK(res != NULL, "page %u: %s", pages, err);
		if (res == NULL)
			return;
		pages++;
		json_array_foreach(json_object_get(res, "bans"), j, b)
		{
			unsigned int x[4];
			uint32_t a;

			sscanf(json_string_value(json_object_get(b, "source")), "%u.%u.%u.%u",
			       &x[0], &x[1], &x[2], &x[3]);
			a = x[0] << 24 | x[1] << 16 | x[2] << 8 | x[3];
			/* A source banned in two scopes (test_ban_scope's) shows twice,
			 * side by side. */
			if (a >= 0xc6120000u && a < 0xc6120000u + N && !(seen > 0 && a == last)) {
				CHECK(a > last, "page %u: %08x after %08x", pages, a, last);
				last = a;
				seen++;
			}
		}
		if (!json_is_string(json_object_get(res, "next"))) {
			json_decref(res);
			break;
		}
		snprintf(cursor, sizeof(cursor), "%s",
			 json_string_value(json_object_get(res, "next")));
		json_decref(res);
		if (pages > N / LIMIT + 2)
			break;
	}
	CHECK(seen == N, "pages gave %u of %u bans", seen, N);
	CHECK(pages == N / LIMIT + 1, "%u pages", pages);
	printf("100,000 bans: %.2f s to add, %.3f s for a page of 100 (CPU)\n", t_add, t_page);
}

int
main(int argc, char **argv)
{
	eal_test_init(argc, argv, "weir-test-adm");
	setup();
	test_prefixes_and_limits();
	test_packet_limit();
	test_bans();
	test_ban_scope();
	test_ban_pages();
	teardown();
	if (failures == 0)
		printf("ok: admission verdicts, packet limits, bans, unban all-or-none, ban "
		       "scopes\n");
	return failures != 0;
}
