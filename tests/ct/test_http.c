/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP stage (app/http) driven frame by frame, without ports: a cookie
 * connection collects and routes its head, opens the backend, sends the
 * rewritten head as weir's prefix and splices; then keep-alive requests
 * each add a shift. Every frame weir makes or rewrites is checked field by
 * field (sequence and ack numbers, payload, checksum), with the client's
 * and the backend's sequence numbers wrapping around 2^32 on the way.
 */
#include <stdio.h>
#include <string.h>

#include <rte_mbuf.h>

#include "core/drop.h"
#include "core/weir.h"
#include "eal_test.h"
#include "http/http.h"
#include "weir_pkt.h"

#define ETH_HLEN 14
#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

static const uint8_t CLI[4] = {198, 18, 0, 2}, VIP[4] = {198, 18, 1, 1};
static const uint8_t LOCAL[4] = {198, 18, 2, 1}, BACK[4] = {198, 18, 2, 10};
#define CPORT 40000
#define LPORT 1025
#define BPORT 8080

static struct weir_conn conn;
static struct weir_http_worker hw;

static struct weir_conn *
conn_of(void *arg, uint32_t idx)
{
	(void)arg;
	(void)idx;
	return &conn;
}

/* A TCP segment as weir would receive it, parsed. */
static struct rte_mbuf *
seg(int from_backend, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const uint8_t *opts,
    uint8_t opts_len, const char *data, struct weir_pkt *p)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(weir.pool);
	size_t dlen = data != NULL ? strlen(data) : 0;
	struct weir_pkt_tcp t = {
		.family = 4,
		.src = from_backend ? BACK : CLI,
		.dst = from_backend ? LOCAL : VIP,
		.sport = from_backend ? BPORT : CPORT,
		.dport = from_backend ? LPORT : 80,
		.seq = seq,
		.ack = ack,
		.win = win,
		.flags = flags,
		.opts = opts,
		.opts_len = opts_len,
		.data = (const uint8_t *)data,
		.data_len = (uint16_t)dlen,
	};
	uint8_t *b = rte_pktmbuf_mtod(m, uint8_t *);
	size_t n;

	memset(b, 0, ETH_HLEN);
	b[12] = 0x08;
	n = weir_pkt_tcp_build(b, rte_pktmbuf_tailroom(m), ETH_HLEN, &t);
	m->data_len = (uint16_t)n;
	m->pkt_len = (uint32_t)n;
	CHECK(weir_pkt_parse(b, n, p) == WEIR_PKT_DROP_NONE, "test frame does not parse");
	return m;
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The TCP checksum of an IPv4 frame, verified in full. */
static int
csum_ok(const uint8_t *b, size_t len)
{
	const uint8_t *ip = b + ETH_HLEN;
	size_t ihl = (size_t)(ip[0] & 15) * 4, tl = (size_t)(ip[2] << 8 | ip[3]);
	uint32_t sum = 0;
	size_t i;

	if (ETH_HLEN + tl > len)
		return 0;
	for (i = 12; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	sum += 6 + (uint32_t)(tl - ihl);
	for (i = ihl; i + 1 < tl; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	if (i < tl)
		sum += (uint32_t)(ip[i] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

struct out {
	uint8_t flags;
	uint32_t seq, ack;
	uint32_t len;
	const uint8_t *data;
	int to_backend;
};

/* Decode frame m (a queued one, or a rewritten input: check_addr 0). */
static struct out
decode(const struct rte_mbuf *m, int to_backend, int check_addr)
{
	const uint8_t *b = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = b + ETH_HLEN, *tcp = ip + (ip[0] & 15) * 4;
	unsigned int tl = (unsigned int)(ip[2] << 8 | ip[3]), doff = (tcp[12] >> 4) * 4u;
	struct out o = {tcp[13],       rd32(tcp + 4),
			rd32(tcp + 8), tl - (unsigned int)(tcp - ip) - doff,
			tcp + doff,    to_backend};

	CHECK(csum_ok(b, m->data_len), "bad TCP checksum (seq %u)", o.seq);
	CHECK(!check_addr || (memcmp(ip + 12, to_backend ? LOCAL : VIP, 4) == 0 &&
			      memcmp(ip + 16, to_backend ? BACK : CLI, 4) == 0),
	      "frame to the %s has the wrong addresses", to_backend ? "backend" : "client");
	return o;
}

/* Take the frames weir queued: at most max, decoded; the count. */
static unsigned int
take(struct out *o, unsigned int max)
{
	unsigned int i, n = hw.n_out;

	for (i = 0; i < n; i++) {
		if (i < max)
			o[i] = decode(hw.out[i].m, hw.out[i].to_backend, 1);
		rte_pktmbuf_free(hw.out[i].m);
	}
	hw.n_out = 0;
	hw.n_ev = 0;
	return n;
}

static int
has(const struct out *o, const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; i + n <= o->len; i++)
		if (memcmp(o->data + i, s, n) == 0)
			return 1;
	return 0;
}

/* The splice state a valid cookie ACK gives (weir_tcp_sp_accept()): no
 * window scaling, no SACK, MSS 1460. */
static void
cookie_splice(struct weir_tcp_splice *s, uint32_t c_isn, uint32_t w_isn)
{
	memset(s, 0, sizeof(*s));
	s->c_isn = c_isn;
	s->w_isn = w_isn;
	s->c_nxt = c_isn + 1;
	s->c_ack = w_isn + 1;
	s->b_ack = c_isn + 1;
	s->c_win = 65535;
	s->mss = 1460;
	s->c_ws_opt = WEIR_TCP_WSCALE_NONE;
	s->state = WEIR_TCP_SP_SYN_SENT;
}

#define REQ1 "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
#define REQ2 "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\n"
#define BODY2 "abcdef"
#define REQ3 "GET /c HTTP/1.1\r\nHost: h\r\n\r\n"
#define RESP "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

static void
test_connection(void)
{
	/* The client's and the backend's ISNs are 48 and 8 below 2^32. */
	const uint32_t c_isn = 0xffffffd0u, w_isn = 0x12345678u, b_isn = 0xfffffff8u;
	const uint32_t l1 = sizeof(REQ1) - 1, l2 = sizeof(REQ2) - 1, l3 = sizeof(REQ3) - 1;
	const uint32_t lr = sizeof(RESP) - 1;
	const uint8_t mss_opt[4] = {2, 4, 0x05, 0xb4};
	struct weir_tcp_splice s;
	struct weir_verdict v;
	struct weir_pkt p;
	struct rte_mbuf *m;
	struct out o[8];
	uint32_t p1, p2, p3, d1, d2, d3, cseq, bseq, bi;
	unsigned int n;

	cookie_splice(&s, c_isn, w_isn);
	memset(&conn, 0, sizeof(conn));
	conn.client.family = 4;
	conn.client.proto = 6;
	conn.client.sport = rte_cpu_to_be_16(CPORT);
	conn.client.dport = rte_cpu_to_be_16(80);
	memcpy(conn.client.src, CLI, 4);
	memcpy(conn.client.dst, VIP, 4);
	conn.backend = WEIR_CONN_UNBOUND;

	/* The cookie's ACK carries the whole head: ACKed, routed. */
	m = seg(0, F_ACK, c_isn + 1, w_isn + 1, 65535, NULL, 0, REQ1, &p);
	v = weir_http_accept(&hw, m, &p, 0, 0, &s);
	rte_pktmbuf_free(m);
	CHECK(v.kind == WEIR_V_CONSUMED && v.event == WEIR_EV_ROUTE, "accept: %u/%u", v.kind,
	      v.event);
	n = take(o, 8);
	CHECK(n == 1 && o[0].flags == F_ACK && o[0].seq == w_isn + 1 && o[0].ack == c_isn + 1 + l1,
	      "the head's ACK: %u frames, seq %u ack %u", n, o[0].seq, o[0].ack);

	/* Bound (what weir_l4_bind() does): the SYN carries the client's ISN. */
	memcpy(conn.local_ip, LOCAL, 4);
	memcpy(conn.backend_ip, BACK, 4);
	conn.lport = rte_cpu_to_be_16(LPORT);
	conn.bport = rte_cpu_to_be_16(BPORT);
	conn.backend = 0;
	weir_http_bound(&hw, 0, &conn, 0);
	n = take(o, 8);
	CHECK(n == 1 && o[0].to_backend && o[0].flags == F_SYN,
	      "SYN to the backend: %u frames, flags %x", n, o[0].flags);
	bi = o[0].seq; /* weir's own ISN (a clock and a hash) */

	/* The SYN-ACK: weir's prefix, the rewritten head, from the client's ISN + 1. */
	m = seg(1, F_SYN | F_ACK, b_isn, bi + 1, 65535, mss_opt, 4, NULL, &p);
	v = weir_http_from_backend(&hw, m, &p, 0, &conn);
	rte_pktmbuf_free(m);
	CHECK(v.kind == WEIR_V_CONSUMED && v.event == WEIR_EV_ESTABLISHED, "SYN-ACK: %u/%u", v.kind,
	      v.event);
	n = take(o, 8);
	p1 = o[0].len;
	CHECK(n == 1 && o[0].to_backend && o[0].seq == bi + 1 && o[0].ack == b_isn + 1 && p1 > l1 &&
		      memcmp(o[0].data, "GET /a HTTP/1.1\r\nHost: h\r\n", 26) == 0 &&
		      has(&o[0], "X-Forwarded-For: 198.18.0.2\r\n") &&
		      has(&o[0], "X-Forwarded-Proto: http\r\n") &&
		      has(&o[0], "Via: 1.1 weir\r\n") && has(&o[0], "X-Request-Id: ") &&
		      memcmp(o[0].data + p1 - 4, "\r\n\r\n", 4) == 0,
	      "prefix: %u frames, seq %u ack %u, %u bytes", n, o[0].seq, o[0].ack, o[0].len);
	d1 = bi - c_isn + p1 - l1; /* the ISNs' difference and the head's growth */

	/* The backend ACKs the prefix and answers: translated to the client. */
	m = seg(1, F_ACK | F_PSH, b_isn + 1, bi + 1 + p1, 65535, NULL, 0, RESP, &p);
	v = weir_http_from_backend(&hw, m, &p, 0, &conn);
	o[0] = decode(m, 0, 0); /* L4 addresses it */
	CHECK(v.kind == WEIR_V_CONTINUE, "response: verdict %u", v.kind);
	{
		const uint8_t *b = rte_pktmbuf_mtod(m, const uint8_t *) + ETH_HLEN + 20;

		CHECK(rd32(b + 4) == w_isn + 1 && rd32(b + 8) == c_isn + 1 + l1,
		      "response to the client: seq %u (want %u) ack %u (want %u)", rd32(b + 4),
		      w_isn + 1, rd32(b + 8), c_isn + 1 + l1);
	}
	rte_pktmbuf_free(m);
	CHECK(take(o, 8) == 0, "frames made for a plain backend segment");

	/* The client ACKs it: its seq moves by the head's growth. */
	cseq = c_isn + 1 + l1;
	m = seg(0, F_ACK, cseq, w_isn + 1 + lr, 65535, NULL, 0, NULL, &p);
	v = weir_http_from_client(&hw, m, &p, 0, &conn);
	CHECK(v.kind == WEIR_V_CONTINUE, "client ACK: verdict %u", v.kind);
	{
		const uint8_t *b = rte_pktmbuf_mtod(m, const uint8_t *) + ETH_HLEN + 20;

		CHECK(rd32(b + 4) == cseq + d1 && rd32(b + 8) == b_isn + 1 + lr,
		      "client ACK to the backend: seq %u ack %u", rd32(b + 4), rd32(b + 8));
		CHECK(csum_ok(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len), "its checksum");
	}
	rte_pktmbuf_free(m);
	bseq = b_isn + 1 + lr; /* the backend's next byte, past 2^32 */

	/* Request 2, a POST, its head alone: weir ACKs it at once (the backend
	 * has every byte before) and sends it rewritten with a second shift. */
	m = seg(0, F_ACK | F_PSH, cseq, w_isn + 1 + lr, 65535, NULL, 0, REQ2, &p);
	v = weir_http_from_client(&hw, m, &p, 0, &conn);
	rte_pktmbuf_free(m);
	n = take(o, 8);
	CHECK(v.kind == WEIR_V_CONSUMED && n == 2, "request 2: verdict %u, %u frames", v.kind, n);
	CHECK(!o[0].to_backend && o[0].flags == F_ACK && o[0].ack == cseq + l2 &&
		      o[0].seq == w_isn + 1 + lr,
	      "request 2 ACKed: seq %u ack %u", o[0].seq, o[0].ack);
	p2 = o[1].len;
	CHECK(o[1].to_backend && o[1].seq == cseq + d1 && o[1].ack == bseq &&
		      memcmp(o[1].data, "POST /p HTTP/1.1\r\n", 18) == 0 &&
		      has(&o[1], "X-Forwarded-For: 198.18.0.2\r\n"),
	      "request 2's prefix: seq %u (want %u) ack %u", o[1].seq, cseq + d1, o[1].ack);
	d2 = d1 + p2 - l2;
	/* Its body: forwarded with the new shift. */
	cseq += l2;
	m = seg(0, F_ACK | F_PSH, cseq, bseq + w_isn - b_isn, 65535, NULL, 0, BODY2, &p);
	v = weir_http_from_client(&hw, m, &p, 0, &conn);
	CHECK(v.kind == WEIR_V_CONTINUE &&
		      rd32(rte_pktmbuf_mtod(m, uint8_t *) + ETH_HLEN + 24) == cseq + d2,
	      "body 2: verdict %u, seq %u (want %u)", v.kind,
	      rd32(rte_pktmbuf_mtod(m, uint8_t *) + ETH_HLEN + 24), cseq + d2);
	rte_pktmbuf_free(m);
	/* The backend ACKs request 2's head (not its body yet). */
	m = seg(1, F_ACK, bseq, cseq + d1 + p2 - l2, 65535, NULL, 0, NULL, &p);
	weir_http_from_backend(&hw, m, &p, 0, &conn);
	rte_pktmbuf_free(m);
	take(o, 8);

	/* Request 3 while the body is not ACKed: taken, not ACKed by weir yet,
	 * sent rewritten with a third shift. */
	cseq += sizeof(BODY2) - 1;
	m = seg(0, F_ACK | F_PSH, cseq, bseq + w_isn - b_isn, 65535, NULL, 0, REQ3, &p);
	v = weir_http_from_client(&hw, m, &p, 0, &conn);
	rte_pktmbuf_free(m);
	n = take(o, 8);
	CHECK(v.kind == WEIR_V_CONSUMED && n == 1 && o[0].to_backend && o[0].seq == cseq + d2 &&
		      memcmp(o[0].data, "GET /c HTTP/1.1\r\n", 17) == 0,
	      "request 3: verdict %u, %u frames, seq %u (want %u)", v.kind, n, o[0].seq, cseq + d2);
	p3 = o[0].len;
	d3 = d2 + p3 - l3;
	/* The client sends the body again (its ACK is late): the shift it was
	 * sent under, not the new one. */
	m = seg(0, F_ACK | F_PSH, cseq - 6, bseq + w_isn - b_isn, 65535, NULL, 0, BODY2, &p);
	v = weir_http_from_client(&hw, m, &p, 0, &conn);
	CHECK(v.kind == WEIR_V_CONTINUE &&
		      rd32(rte_pktmbuf_mtod(m, uint8_t *) + ETH_HLEN + 24) == cseq - 6 + d2,
	      "body 2 again: verdict %u, seq %u (want %u, not %u)", v.kind,
	      rd32(rte_pktmbuf_mtod(m, uint8_t *) + ETH_HLEN + 24), cseq - 6 + d2, cseq - 6 + d3);
	rte_pktmbuf_free(m);
	CHECK(take(o, 8) == 0, "frames made for a retransmission");
	/* A segment beyond the next byte: dropped (requests are tracked in order). */
	m = seg(0, F_ACK | F_PSH, cseq + l3 + 5, bseq + w_isn - b_isn, 65535, NULL, 0, "x", &p);
	v = weir_http_from_client(&hw, m, &p, 0, &conn);
	rte_pktmbuf_free(m);
	CHECK(v.kind == WEIR_V_DROP && v.reason == WEIR_DROP_HTTP_OUT_OF_ORDER,
	      "out of order: verdict %u reason %u", v.kind, v.reason);
	/* The backend ACKs everything: weir ACKs request 3 to the client. */
	m = seg(1, F_ACK, bseq, cseq + d2 + p3, 65535, NULL, 0, NULL, &p);
	v = weir_http_from_backend(&hw, m, &p, 0, &conn);
	rte_pktmbuf_free(m);
	n = take(o, 8);
	CHECK(n == 1 && !o[0].to_backend && o[0].ack == cseq + l3,
	      "request 3 ACKed once the backend had the body: %u frames, ack %u (want %u)", n,
	      o[0].ack, cseq + l3);
	/* Body 2 once more, now that the backend has it: a duplicate whose
	 * shift is gone (translated with the newest it would land among new
	 * bytes): below what weir ACKed, so ACKed again, never forwarded. */
	m = seg(0, F_ACK | F_PSH, cseq - 6, bseq + w_isn - b_isn, 65535, NULL, 0, BODY2, &p);
	v = weir_http_from_client(&hw, m, &p, 0, &conn);
	rte_pktmbuf_free(m);
	n = take(o, 8);
	CHECK(v.kind == WEIR_V_CONSUMED && n == 1 && !o[0].to_backend && o[0].ack == cseq + l3,
	      "body 2, a duplicate: verdict %u, %u frames, ack %u (want %u)", v.kind, n, o[0].ack,
	      cseq + l3);
	/* Request 4, a POST whose body follows in a second segment before
	 * the backend ACKs anything; one ACK covers the head and the body:
	 * the prefix is done, its buffer given back. */
	cseq += l3;
	m = seg(0, F_ACK | F_PSH, cseq, bseq + w_isn - b_isn, 65535, NULL, 0, REQ2, &p);
	v = weir_http_from_client(&hw, m, &p, 0, &conn);
	rte_pktmbuf_free(m);
	n = take(o, 8);
	CHECK(v.kind == WEIR_V_CONSUMED && n == 2 && o[1].to_backend && o[1].seq == cseq + d3,
	      "request 4: verdict %u, %u frames, seq %u (want %u)", v.kind, n, o[1].seq, cseq + d3);
	p2 = o[1].len;
	m = seg(0, F_ACK | F_PSH, cseq + l2, bseq + w_isn - b_isn, 65535, NULL, 0, BODY2, &p);
	v = weir_http_from_client(&hw, m, &p, 0, &conn);
	rte_pktmbuf_free(m);
	CHECK(v.kind == WEIR_V_CONTINUE && hw.n_free == hw.n_bufs - 1,
	      "body 4: verdict %u, %u buffers free", v.kind, hw.n_free);
	m = seg(1, F_ACK, bseq, cseq + d3 + p2 + 6, 65535, NULL, 0, NULL, &p);
	v = weir_http_from_backend(&hw, m, &p, 0, &conn);
	rte_pktmbuf_free(m);
	take(o, 8);
	CHECK(hw.n_free == hw.n_bufs, "an ACK past the prefix: %u of %u buffers free", hw.n_free,
	      hw.n_bufs);
	CHECK(hw.stats.http_heads == 4 && hw.stats.http_heads_later == 3 &&
		      hw.stats.http_ooo == 1 && hw.n_free == hw.n_bufs,
	      "counters: heads %lu later %lu ooo %lu, buffers free %u of %u",
	      (unsigned long)hw.stats.http_heads, (unsigned long)hw.stats.http_heads_later,
	      (unsigned long)hw.stats.http_ooo, hw.n_free, hw.n_bufs);
	(void)d3;
}

/* The head and the client's FIN in one segment: weir ACKs both, and the
 * FIN follows the rewritten head to the backend. */
static void
test_fin_with_head(void)
{
	const uint32_t c_isn = 7000, w_isn = 0xfffffffeu, b_isn = 90000;
	const uint32_t l1 = sizeof(REQ1) - 1;
	struct weir_tcp_splice s;
	struct weir_verdict v;
	struct weir_pkt p;
	struct rte_mbuf *m;
	struct out o[8];
	unsigned int n;
	uint32_t bi;

	cookie_splice(&s, c_isn, w_isn);
	conn.backend = WEIR_CONN_UNBOUND;
	m = seg(0, F_ACK | F_PSH | F_FIN, c_isn + 1, w_isn + 1, 65535, NULL, 0, REQ1, &p);
	v = weir_http_accept(&hw, m, &p, 0, 1, &s);
	rte_pktmbuf_free(m);
	n = take(o, 8);
	CHECK(v.event == WEIR_EV_ROUTE && n == 1 && o[0].ack == c_isn + 1 + l1 + 1,
	      "head and FIN: event %u, %u frames, ack %u (want %u)", v.event, n, o[0].ack,
	      c_isn + 1 + l1 + 1);
	conn.backend = 0;
	weir_http_bound(&hw, 1, &conn, 0);
	take(o, 8);
	bi = o[0].seq;
	/* An old connection's ACK first (the backend's TIME-WAIT on this port):
	 * weir resets it and sends its SYN again at once. */
	m = seg(1, F_ACK, 12345, 67890, 65535, NULL, 0, NULL, &p);
	v = weir_http_from_backend(&hw, m, &p, 1, &conn);
	rte_pktmbuf_free(m);
	n = take(o, 8);
	CHECK(v.kind == WEIR_V_CONSUMED && n == 2 && o[0].flags == F_RST && o[0].seq == 67890 &&
		      o[1].flags == F_SYN && o[1].seq == bi,
	      "a TIME-WAIT's ACK: %u frames, %x seq %u, %x seq %u", n, o[0].flags, o[0].seq,
	      o[1].flags, o[1].seq);
	m = seg(1, F_SYN | F_ACK, b_isn, bi + 1, 65535, NULL, 0, NULL, &p);
	v = weir_http_from_backend(&hw, m, &p, 1, &conn);
	rte_pktmbuf_free(m);
	n = take(o, 8);
	CHECK(n == 2 && o[0].to_backend && o[0].seq == bi + 1 && o[1].to_backend &&
		      o[1].flags == (F_FIN | F_ACK) && o[1].seq == bi + 1 + o[0].len,
	      "the prefix then the client's FIN: %u frames, flags %x seq %u", n, o[1].flags,
	      o[1].seq);
	/* The backend ACKs both: the prefix is done. */
	m = seg(1, F_ACK, b_isn + 1, bi + 1 + o[0].len + 1, 65535, NULL, 0, NULL, &p);
	weir_http_from_backend(&hw, m, &p, 1, &conn);
	rte_pktmbuf_free(m);
	take(o, 8);
	CHECK(hw.n_free == hw.n_bufs, "after the FIN: %u of %u buffers free", hw.n_free, hw.n_bufs);
}

/* No backend serving (the loop could not bind): weir answers 503 itself,
 * from the ACK it gave the head on, and closes once it is ACKed. */
static void
test_no_backend(void)
{
	const uint32_t c_isn = 123456, w_isn = 654321, l1 = sizeof(REQ1) - 1;
	static const char status[] = "HTTP/1.1 503 Service Unavailable\r\n";
	struct weir_tcp_splice s;
	struct weir_verdict v;
	struct weir_pkt p;
	struct rte_mbuf *m;
	struct out o[8];
	unsigned int n;

	cookie_splice(&s, c_isn, w_isn);
	conn.backend = WEIR_CONN_UNBOUND;
	m = seg(0, F_ACK | F_PSH, c_isn + 1, w_isn + 1, 65535, NULL, 0, REQ1, &p);
	v = weir_http_accept(&hw, m, &p, 0, 2, &s);
	rte_pktmbuf_free(m);
	take(o, 8);
	CHECK(v.event == WEIR_EV_ROUTE, "no backend: event %u", v.event);
	weir_http_bound(&hw, 2, &conn, 503);
	n = take(o, 8);
	CHECK(n == 1 && !o[0].to_backend && o[0].seq == w_isn + 1 && o[0].ack == c_isn + 1 + l1 &&
		      o[0].len > sizeof(status) &&
		      memcmp(o[0].data, status, sizeof(status) - 1) == 0,
	      "the 503: %u frames, seq %u, %u bytes", n, o[0].seq, o[0].len);
	/* ACKed: weir's FIN. */
	m = seg(0, F_ACK, c_isn + 1 + l1, w_isn + 1 + o[0].len, 65535, NULL, 0, NULL, &p);
	weir_http_from_client(&hw, m, &p, 2, &conn);
	rte_pktmbuf_free(m);
	n = take(o, 8);
	CHECK(n == 1 && o[0].flags == (F_FIN | F_ACK), "after the 503: %u frames, flags %x", n,
	      o[0].flags);
	CHECK(hw.stats.http_503 == 1, "http_503 %lu", (unsigned long)hw.stats.http_503);
}

int
main(int argc, char **argv)
{
	char err[256] = "";

	eal_test_init(argc, argv, "weir-test-http");
	weir.cfg = weir_config_from_string(
		"{\"workers\": [1], \"ports\": [{\"name\": \"p0\", \"devargs\": \"net_null0\","
		" \"addresses\": [\"198.18.0.1/24\", \"198.18.2.1/24\"]}],"
		" \"pools\": [{\"name\": \"p\", \"backends\": [{\"address\": \"198.18.2.10\","
		" \"port\": 8080}]}],"
		" \"services\": [{\"name\": \"web\", \"vip\": \"198.18.1.1\", \"port\": 80,"
		" \"protocol\": \"http\", \"pool\": \"p\", \"local_ips\": [\"198.18.2.1\"]}],"
		" \"http_head_buffers\": 16}",
		"test_http", err, sizeof(err));
	CHECK(weir.cfg != NULL, "config: %s", err);
	if (weir.cfg == NULL)
		return 1;
	weir.pool = rte_pktmbuf_pool_create("test_http", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	CHECK(weir.pool != NULL, "mbuf pool");
	CHECK(weir_http_init(err, sizeof(err)) == 0, "init: %s", err);
	CHECK(weir_http_init_worker(&hw, 0, 0, 16, conn_of, NULL) == 0, "worker");
	weir_http_iteration(&hw, 1000);
	test_connection();
	test_fin_with_head();
	test_no_backend();
	weir_http_fini_worker(&hw);
	rte_mempool_free(weir.pool);
	weir_config_free(weir.cfg);
	if (failures == 0)
		printf("ok: an http connection through three requests, across 2^32\n");
	return failures != 0;
}
