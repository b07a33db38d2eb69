/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wire_peer: the far side of the wire suite (tests/wire/wire.py).
 *
 *   wire_peer [EAL options] --vdev net_vhost0,iface=SOCK,queues=N -- [options]
 *
 * It owns the vhost-user side of weir's virtio-user port and plays every
 * host on that wire: the clients, the backends, and hosts that send what
 * weir must drop. For each flow it sends a packet, waits for the one packet
 * weir must send for it, and compares that packet byte for byte with an
 * expectation built here from scratch: addresses, ports, MACs, the MSS
 * clamp, the DSR outer header, and every checksum recomputed over the whole
 * header or pseudo-header (nothing of weir's code is used). Every received
 * frame is also checked on its own: its IPv4 header checksum, its TCP, UDP or
 * ICMP checksum, and for DSR the outer header and the inner packet's.
 *
 * The topology (weir's config, written by wire.py, must match it):
 *   weir's port          MAC 02:77:65:69:72:01, local addresses
 *                        198.18.0.1-2 and 2001:db8:0:1::1-2
 *   VIPs                 198.18.1.1 and 2001:db8:1::1
 *   backends             198.18.0.10-13 and 2001:db8:0:1::10-13, port 8080,
 *                        MAC 02:00:00:00:b0:0i (weir's static neighbours)
 *   clients              198.19.0.0 + c and 2001:db8:c:c::2 (c = 1..1000),
 *                        MAC 02:cc:00:0{4,6}:c/256:c%256
 *   services             tcp4 198.18.1.1:80 (mss_clamp 1400), udp4 :53,
 *                        tcp6 [2001:db8:1::1]:80 (mss_clamp 1380), udp6 :53:
 *                        FullNAT over both local addresses of the family;
 *                        dsr4, dsr6 on :443/tcp, dsr-ipip from the second
 *                        local address.
 *
 * Flows (one id each, below 65536; TCP sequence numbers carry it in their
 * top 16 bits, UDP and ICMP payloads in their first 4 bytes):
 *   FullNAT TCP  SYN (MSS and other options), SYN-ACK, data both ways, FIN
 *                both ways, last ACK: 7 packets, each forwarded. The first
 *                one to the backend tells which backend, local address and
 *                local port weir chose: the backend must be in the pool and
 *                the port free, >= 1024 and owned by the client's worker
 *                (port % workers).
 *   FullNAT UDP  --udp-rounds request/reply pairs, some IPv4 datagrams
 *                without a checksum (it must stay 0).
 *   DSR          SYN, ACK, data, FIN from the client, each encapsulated.
 *   DSR stray    one ACK of an unknown flow: forwarded without an entry.
 *   echo         an ICMP/ICMPv6 echo request to a VIP or local address.
 *   drops        no_service, no_conn (a reply from the wrong port or host, a
 *                client ACK without a connection), not_ours, ipv4_bad_csum,
 *                udp_bad_len: sent, never answered.
 *
 * Each packet goes out on a pseudo-random queue, so it reaches a random
 * worker; the peer computes the worker that owns it (weir's documented
 * rule: the client's address hash, the /64 for IPv6, or a reply's local
 * port), expects weir's answer on that worker's queue, and counts per
 * worker what weir's counters must say: rx, tx, steered_out/in, drops by
 * reason, connections, to_backend, to_client, stateless; and per service
 * and backend the connections opened and still active.
 *
 * At most --window flows are in flight. Any mismatch, any packet nobody
 * expects, or --stall seconds without progress while answers are awaited,
 * ends the run: "wire_peer: FAIL: ..." on stderr, exit 1. On success it
 * prints one JSON line on stdout, then waits for "quit" (or end of input)
 * on stdin, still failing on any packet that arrives, and exits 0.
 * Traffic starts when "go" arrives on stdin and the link is up.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#define NW_MAX 4
#define BURST 32
#define NB_MBUFS 8191
#define RING_DESC 1024
#define FRAME_MAX 1600
#define TXQ_MAX 1024
#define N_BK 4
#define N_LOCAL 2
#define NCLI 1000
#define ID_MAX 65535u
#define CPORT_BASE 1024u /* client source port = CPORT_BASE + id - 1: unique per flow */
#define BK_PORT 8080

enum kind {
	K_TCP,	 /* FullNAT TCP */
	K_UDP,	 /* FullNAT UDP */
	K_DSR,	 /* DSR TCP connection */
	K_DSRX,	 /* DSR, one ACK without a connection: stateless */
	K_ECHO,	 /* ICMP(v6) echo */
	K_NOSVC, /* drops */
	K_STRAY,
	K_MIDC,
	K_NOTOURS,
	K_BADCSUM,
	K_UDPLEN,
	K__MAX,
};

static const char *const kind_name[K__MAX] = {
	"fullnat_tcp",
	"fullnat_udp",
	"dsr",
	"dsr_stateless",
	"echo",
	"drop_no_service",
	"drop_stray_reply",
	"drop_no_conn_ack",
	"drop_not_ours",
	"drop_ipv4_bad_csum",
	"drop_udp_bad_len",
};

enum reason { R_NO_SERVICE, R_NO_CONN, R_NOT_OURS, R_IPV4_BAD_CSUM, R_UDP_BAD_LEN, R__MAX };
static const char *const reason_name[R__MAX] = {
	"no_service", "no_conn", "not_ours", "ipv4_bad_csum", "udp_bad_len",
};

/* Services, in the order of weir's config (wire.py). */
enum { S_TCP4, S_UDP4, S_TCP6, S_UDP6, S_DSR4, S_DSR6, S__MAX };
static const struct svc {
	const char *name;
	int v6;
	uint8_t proto;
	uint16_t port;
	int dsr;
	uint16_t clamp;
} svcs[S__MAX] = {
	{"tcp4", 0, 6, 80, 0, 1400}, {"udp4", 0, 17, 53, 0, 0}, {"tcp6", 1, 6, 80, 0, 1380},
	{"udp6", 1, 17, 53, 0, 0},   {"dsr4", 0, 6, 443, 1, 0}, {"dsr6", 1, 6, 443, 1, 0},
};

static const uint8_t weir_mac[6] = {0x02, 0x77, 0x65, 0x69, 0x72, 0x01};
/* IPv4 addresses take the first 4 bytes of 16. */
static const uint8_t vip4[16] = {198, 18, 1, 1};
static const uint8_t vip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t other4[16] = {198, 18, 1, 99}; /* nobody's: not_ours */
static const uint8_t other6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99};
/* A host that is no backend. */
static const uint8_t stranger6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1,
				      0,    0,	  0,	0,    0, 0, 0, 0x99};

struct spec {
	int v6;
	uint8_t dmac[6], smac[6];
	uint8_t src[16], dst[16];
	uint8_t proto; /* 6, 17, 1 or 58 */
	uint8_t tos, ttl;
	uint16_t ipid;
	int df;
	uint32_t flowlabel;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint8_t opts[40];
	uint8_t optlen;
	uint8_t icmp_type;
	uint16_t icmp_id, icmp_seq;
	uint8_t payload[FRAME_MAX];
	uint16_t plen;
	int udp_nocsum;
	int encap; /* DSR: an outer header of the same family */
	uint8_t osrc[16], odst[16];
	int pad; /* pad the frame to 60 bytes, as Ethernet does */
};

struct flow {
	uint8_t kind, v6, step, nsteps;
	uint8_t pending, done, learned, backend, local, exp_q, svc;
	uint16_t lport, client;
	uint64_t t_sent;
};

static struct {
	unsigned int nw;
	unsigned int n_tcp, n_udp, n_dsr, n_dsrx, n_echo, n_drop;
	unsigned int udp_rounds, window;
	uint64_t seed;
	double wait_s, timeout_s, stall_s;
	unsigned int idle_us;
	uint64_t mutate; /* 1-based index of a received packet whose expectation is corrupted */
} opt = {
	.nw = 2,
	.n_tcp = 10000,
	.n_udp = 8000,
	.n_dsr = 5000,
	.n_dsrx = 500,
	.n_echo = 500,
	.n_drop = 200,
	.udp_rounds = 3,
	.window = 192,
	.seed = 0x77697265,
	.wait_s = 30,
	.timeout_s = 120,
	.stall_s = 10,
	.idle_us = 20,
	.mutate = 0,
};

static volatile sig_atomic_t quit;
static uint16_t port;
static struct rte_mempool *pool;
static uint64_t hz;

static struct flow *flows; /* [1..n_flows] */
static uint32_t n_flows;
static uint32_t *order;

/* Expected counters, per worker (weir's `weirctl stats`). */
static struct {
	uint64_t rx, tx, steered_out, steered_in, conns, to_backend, to_client, stateless;
	uint64_t drops[R__MAX];
} exp_w[NW_MAX];
static uint64_t svc_new[S__MAX][N_BK], svc_active[S__MAX][N_BK];
static uint64_t n_sent, n_recv, n_compared, n_clamped, n_nocsum, n_flows_done;
static uint64_t kind_flows[K__MAX][2];
static uint8_t lport_used[2][2][N_LOCAL][65536 / 8]; /* [v6][udp][local] */

struct txq {
	struct rte_mbuf *pkts[TXQ_MAX];
	unsigned int n;
};
static struct txq txq[NW_MAX];

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void __attribute__((format(printf, 1, 2), noreturn)) fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "wire_peer: FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fflush(stderr);
	/* No clean-up: the driver removes the EAL runtime directory. */
	_exit(1);
}

/* ---- deterministic randomness: one value per (flow, step, purpose) ---- */

static inline uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline uint64_t
rnd(uint32_t id, uint32_t step, uint32_t salt)
{
	return mix64(opt.seed ^ mix64(((uint64_t)id << 32) | (uint64_t)step << 16 | salt));
}

/* ---- weir's documented owner rule (docs/architecture.md, Ownership) ---- */

static uint32_t
fmix64_32(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return (uint32_t)k;
}

static unsigned int
owner_of_addr(int v6, const uint8_t *a)
{
	uint64_t k = 0;
	int i;

	if (!v6) {
		k = (uint64_t)a[0] << 24 | (uint64_t)a[1] << 16 | (uint64_t)a[2] << 8 | a[3];
	} else {
		for (i = 0; i < 8; i++) /* the /64 prefix */
			k = k << 8 | a[i];
	}
	return fmix64_32(k) % opt.nw;
}

/* ---- addresses ---- */

static void
local_addr(int v6, unsigned int i, uint8_t *out)
{
	static const uint8_t l6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};

	if (!v6) {
		out[0] = 198, out[1] = 18, out[2] = 0, out[3] = (uint8_t)(1 + i);
	} else {
		memcpy(out, l6, 16);
		out[15] = (uint8_t)(1 + i);
	}
}

static int
is_local(int v6, const uint8_t *a)
{
	uint8_t l[16];
	unsigned int i;

	for (i = 0; i < N_LOCAL; i++) {
		local_addr(v6, i, l);
		if (memcmp(l, a, v6 ? 16 : 4) == 0)
			return 1;
	}
	return 0;
}

static void
backend_addr(int v6, unsigned int b, uint8_t *out)
{
	local_addr(v6, 0, out);
	if (!v6)
		out[3] = (uint8_t)(10 + b);
	else
		out[15] = (uint8_t)(0x10 + b);
}

static void
backend_mac(unsigned int b, uint8_t *out)
{
	const uint8_t m[6] = {0x02, 0, 0, 0, 0xb0, (uint8_t)b};

	memcpy(out, m, 6);
}

static void
client_addr(int v6, unsigned int c, uint8_t *out)
{
	if (!v6) {
		uint32_t a = (198u << 24 | 19u << 16) + c;

		out[0] = (uint8_t)(a >> 24), out[1] = (uint8_t)(a >> 16);
		out[2] = (uint8_t)(a >> 8), out[3] = (uint8_t)a;
	} else {
		const uint8_t p[16] = {0x20,	   0x01, 0x0d, 0xb8, 0, 0x0c, (uint8_t)(c >> 8),
				       (uint8_t)c, 0,	 0,    0,    0, 0,    0,
				       0,	   2};

		memcpy(out, p, 16);
	}
}

static void
client_mac(int v6, unsigned int c, uint8_t *out)
{
	const uint8_t m[6] = {0x02, 0xcc, 0, v6 ? 6 : 4, (uint8_t)(c >> 8), (uint8_t)c};

	memcpy(out, m, 6);
}

static const uint8_t *
vip(int v6)
{
	return v6 ? vip6 : vip4;
}

/* ---- checksums, from scratch ---- */

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint32_t
pseudo_sum(int v6, const uint8_t *src, const uint8_t *dst, uint8_t proto, uint32_t len)
{
	uint32_t s = 0;

	s = sum16(src, v6 ? 16 : 4, s);
	s = sum16(dst, v6 ? 16 : 4, s);
	s += proto;
	s += len >> 16;
	s += len & 0xffff;
	return s;
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- building frames ---- */

/* The IP packet of s (no L2, no outer header) at out; its length. */
static size_t
build_ip(const struct spec *s, uint8_t *out)
{
	size_t hl = s->v6 ? 40 : 20, l4len;
	uint8_t *l4 = out + hl;
	uint32_t ps;
	uint16_t c;

	switch (s->proto) {
	case 6:
		l4len = 20 + (size_t)s->optlen + s->plen;
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put32(l4 + 4, s->seq);
		put32(l4 + 8, s->ack);
		l4[12] = (uint8_t)(((20 + s->optlen) / 4) << 4);
		l4[13] = s->flags;
		put16(l4 + 14, s->win);
		put16(l4 + 16, 0);
		put16(l4 + 18, 0);
		memcpy(l4 + 20, s->opts, s->optlen);
		memcpy(l4 + 20 + s->optlen, s->payload, s->plen);
		break;
	case 17:
		l4len = 8 + (size_t)s->plen;
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, (uint16_t)l4len);
		put16(l4 + 6, 0);
		memcpy(l4 + 8, s->payload, s->plen);
		break;
	default: /* ICMP, ICMPv6 echo */
		l4len = 8 + (size_t)s->plen;
		l4[0] = s->icmp_type;
		l4[1] = 0;
		put16(l4 + 2, 0);
		put16(l4 + 4, s->icmp_id);
		put16(l4 + 6, s->icmp_seq);
		memcpy(l4 + 8, s->payload, s->plen);
		break;
	}
	if (!s->v6) {
		out[0] = 0x45;
		out[1] = s->tos;
		put16(out + 2, (uint16_t)(20 + l4len));
		put16(out + 4, s->ipid);
		put16(out + 6, s->df ? 0x4000 : 0);
		out[8] = s->ttl;
		out[9] = s->proto;
		put16(out + 10, 0);
		memcpy(out + 12, s->src, 4);
		memcpy(out + 16, s->dst, 4);
		put16(out + 10, (uint16_t)~fold(sum16(out, 20, 0)));
	} else {
		put32(out, 6u << 28 | (uint32_t)s->tos << 20 | (s->flowlabel & 0xfffff));
		put16(out + 4, (uint16_t)l4len);
		out[6] = s->proto;
		out[7] = s->ttl;
		memcpy(out + 8, s->src, 16);
		memcpy(out + 24, s->dst, 16);
	}
	/* L4 checksum: over the pseudo-header, except ICMPv4 (over the message). */
	ps = s->proto == 1 ? 0 : pseudo_sum(s->v6, s->src, s->dst, s->proto, (uint32_t)l4len);
	c = (uint16_t)~fold(sum16(l4, l4len, ps));
	if (s->proto == 6)
		put16(l4 + 16, c);
	else if (s->proto == 17)
		put16(l4 + 6, s->udp_nocsum ? 0 : c == 0 ? 0xffff : c);
	else
		put16(l4 + 2, c);
	return hl + l4len;
}

static size_t
build(const struct spec *s, uint8_t *out)
{
	size_t olen = s->encap ? (s->v6 ? 40 : 20) : 0, ilen, len;
	uint8_t *o = out + 14;

	memcpy(out, s->dmac, 6);
	memcpy(out + 6, s->smac, 6);
	put16(out + 12, s->v6 ? 0x86dd : 0x0800);
	ilen = build_ip(s, o + olen);
	if (s->encap) {
		memset(o, 0, olen);
		if (!s->v6) {
			/* docs/architecture.md, "To a backend": 20 bytes, protocol 4,
			 * TTL 64, the inner TOS, ID 0, header checksum. */
			o[0] = 0x45;
			o[1] = s->tos;
			put16(o + 2, (uint16_t)(20 + ilen));
			o[8] = 64;
			o[9] = 4;
			memcpy(o + 12, s->osrc, 4);
			memcpy(o + 16, s->odst, 4);
			put16(o + 10, (uint16_t)~fold(sum16(o, 20, 0)));
		} else {
			/* 40 bytes, next header 41, hop limit 64. */
			o[0] = 0x60;
			put16(o + 4, (uint16_t)ilen);
			o[6] = 41;
			o[7] = 64;
			memcpy(o + 8, s->osrc, 16);
			memcpy(o + 24, s->odst, 16);
		}
	}
	len = 14 + olen + ilen;
	if (s->pad && len < 60) {
		memset(out + len, 0, 60 - len);
		len = 60;
	}
	return len;
}

/* Lower an MSS option above clamp to clamp (our own walk of the options). */
static int
clamp_mss(struct spec *s, uint16_t clamp)
{
	unsigned int off = 0;

	while (off < s->optlen) {
		uint8_t k = s->opts[off];

		if (k == 0)
			return 0;
		if (k == 1) {
			off++;
			continue;
		}
		if (off + 1 >= s->optlen || s->opts[off + 1] < 2)
			return 0;
		if (k == 2 && s->opts[off + 1] == 4 && get16(s->opts + off + 2) > clamp) {
			put16(s->opts + off + 2, clamp);
			return 1;
		}
		off += s->opts[off + 1];
	}
	return 0;
}

/* TCP options of a SYN or SYN-ACK: four layouts, the MSS at even and odd offsets. */
static void
syn_options(struct spec *s, uint32_t id, unsigned int step)
{
	uint64_t r = rnd(id, step, 'o');
	uint16_t mss = (r >> 8) % 4 == 0 ? (s->v6 ? 1220 : 1200) : (s->v6 ? 1440 : 1460);
	uint8_t *o = s->opts;

	switch (r % 4) {
	case 0: /* MSS */
		o[0] = 2, o[1] = 4, put16(o + 2, mss);
		s->optlen = 4;
		break;
	case 1: /* NOP, MSS (odd offset), 3 x NOP */
		o[0] = 1, o[1] = 2, o[2] = 4, put16(o + 3, mss);
		o[5] = 1, o[6] = 1, o[7] = 1;
		s->optlen = 8;
		break;
	case 2: /* MSS, SACK permitted, timestamps, NOP, window scale */
		o[0] = 2, o[1] = 4, put16(o + 2, mss);
		o[4] = 4, o[5] = 2;
		o[6] = 8, o[7] = 10, put32(o + 8, (uint32_t)(r >> 16)), put32(o + 12, 0);
		o[16] = 1, o[17] = 3, o[18] = 3, o[19] = 7;
		s->optlen = 20;
		break;
	default: /* window scale, MSS (odd offset), end of options */
		o[0] = 3, o[1] = 3, o[2] = 9, o[3] = 2, o[4] = 4, put16(o + 5, mss), o[7] = 0;
		s->optlen = 8;
		break;
	}
}

static void
fill_payload(struct spec *s, uint32_t id, unsigned int step, unsigned int len, int tag)
{
	uint64_t r = rnd(id, step, 'p');
	unsigned int i;

	for (i = 0; i < len; i++) {
		if ((i & 7) == 0)
			r = mix64(r);
		s->payload[i] = (uint8_t)(r >> ((i & 7) * 8));
	}
	if (tag && len >= 8) {
		put32(s->payload, id);
		s->payload[4] = (uint8_t)step;
		memcpy(s->payload + 5, "wir", 3);
	}
	s->plen = (uint16_t)len;
}

static unsigned int
flow_svc(const struct flow *f)
{
	switch (f->kind) {
	case K_TCP:
		return f->v6 ? S_TCP6 : S_TCP4;
	case K_UDP:
		return f->v6 ? S_UDP6 : S_UDP4;
	default:
		return f->v6 ? S_DSR6 : S_DSR4;
	}
}

/* Does step s of a flow go from the client (1) or from the backend (0)? */
static int
from_client(const struct flow *f, unsigned int s)
{
	if (f->kind == K_TCP)
		return (s & 1) == 0;
	if (f->kind == K_UDP)
		return (s & 1) == 0;
	return f->kind != K_STRAY;
}

/* The packet the peer sends at step s of flow id. */
static void
in_spec(const struct flow *f, uint32_t id, unsigned int step, struct spec *s)
{
	uint64_t r = rnd(id, step, 'h');
	int v6 = f->v6, cl = from_client(f, step);
	uint32_t isn_c = id << 16, isn_b = id << 16 | 0x8000;
	unsigned int d1 = (unsigned int)(rnd(id, 2, 'l') % 1201);
	unsigned int d2 = (unsigned int)(rnd(id, 3, 'l') % 1401);
	uint8_t caddr[16] = {0};

	memset(s, 0, offsetof(struct spec, payload));
	s->plen = 0;
	s->udp_nocsum = 0;
	s->encap = 0;
	s->pad = 1;
	s->v6 = v6;
	s->tos = (uint8_t)(r >> 8);
	s->ttl = (uint8_t)(2 + (r >> 16) % 250);
	s->ipid = (uint16_t)(r >> 24);
	s->df = (r >> 40) & 1;
	s->flowlabel = (uint32_t)(r >> 41) & 0xfffff;
	s->win = (uint16_t)(r >> 20);
	client_addr(v6, f->client, caddr);
	if (cl) {
		client_mac(v6, f->client, s->smac);
		memcpy(s->dmac, weir_mac, 6);
		memcpy(s->src, caddr, 16);
		memcpy(s->dst, vip(v6), 16);
		s->sport = (uint16_t)(CPORT_BASE + id - 1);
	}
	switch (f->kind) {
	case K_TCP:
	case K_DSR:
		s->proto = 6;
		s->dport = svcs[flow_svc(f)].port;
		if (!cl) { /* the backend's segments, to the local address and port */
			backend_mac(f->backend, s->smac);
			memcpy(s->dmac, weir_mac, 6);
			backend_addr(v6, f->backend, s->src);
			local_addr(v6, f->local, s->dst);
			s->sport = BK_PORT;
			s->dport = f->lport;
		}
		if (f->kind == K_DSR) { /* SYN, ACK, data, FIN */
			static const uint8_t fl[4] = {0x02, 0x10, 0x18, 0x11};

			s->flags = fl[step];
			s->seq = step == 0 ? isn_c : step == 3 ? isn_c + 1 + d1 : isn_c + 1;
			s->ack = step == 0 ? 0 : isn_b + 1;
			if (step == 0)
				syn_options(s, id, step);
			if (step == 2)
				fill_payload(s, id, step, d1, 0);
			break;
		}
		switch (step) {
		case 0:
			s->flags = 0x02, s->seq = isn_c, s->ack = 0;
			syn_options(s, id, step);
			break;
		case 1:
			s->flags = 0x12, s->seq = isn_b, s->ack = isn_c + 1;
			syn_options(s, id, step);
			break;
		case 2:
			s->flags = d1 ? 0x18 : 0x10, s->seq = isn_c + 1, s->ack = isn_b + 1;
			fill_payload(s, id, step, d1, 0);
			break;
		case 3:
			s->flags = d2 ? 0x18 : 0x10, s->seq = isn_b + 1, s->ack = isn_c + 1 + d1;
			fill_payload(s, id, step, d2, 0);
			break;
		case 4:
			s->flags = 0x11, s->seq = isn_c + 1 + d1, s->ack = isn_b + 1 + d2;
			break;
		case 5:
			s->flags = 0x11, s->seq = isn_b + 1 + d2, s->ack = isn_c + 2 + d1;
			break;
		default:
			s->flags = 0x10, s->seq = isn_c + 2 + d1, s->ack = isn_b + 2 + d2;
			break;
		}
		break;
	case K_UDP:
		s->proto = 17;
		s->dport = svcs[flow_svc(f)].port;
		if (!cl) {
			backend_mac(f->backend, s->smac);
			memcpy(s->dmac, weir_mac, 6);
			backend_addr(v6, f->backend, s->src);
			local_addr(v6, f->local, s->dst);
			s->sport = BK_PORT;
			s->dport = f->lport;
		}
		fill_payload(s, id, step, 8 + (unsigned int)(rnd(id, step, 'l') % 1100), 1);
		/* Some IPv4 datagrams carry no checksum: it must stay 0. */
		s->udp_nocsum = !v6 && (r >> 60) == 0;
		break;
	case K_DSRX: /* an ACK of a flow weir never saw */
		s->proto = 6;
		s->dport = svcs[flow_svc(f)].port;
		s->flags = 0x10, s->seq = isn_c + 1, s->ack = (uint32_t)r;
		break;
	case K_ECHO:
		s->proto = v6 ? 58 : 1;
		s->icmp_type = v6 ? 128 : 8;
		s->icmp_id = (uint16_t)id;
		s->icmp_seq = (uint16_t)(r >> 32);
		s->tos = 0, s->df = 0, s->flowlabel = 0;
		if (id & 1)
			local_addr(v6, 0, s->dst);
		fill_payload(s, id, step, 8 + (unsigned int)(rnd(id, step, 'l') % 200), 1);
		break;
	case K_NOSVC: /* TCP to VIP4:8443, UDP to VIP6:54 */
		s->proto = v6 ? 17 : 6;
		s->dport = v6 ? 54 : 8443;
		s->flags = 0x02, s->seq = isn_c;
		if (v6)
			fill_payload(s, id, step, 16, 1);
		break;
	case K_STRAY: /* a "reply" to a local address: from the wrong port, or from a stranger */
		s->proto = v6 ? 17 : 6;
		backend_mac((unsigned int)(r % N_BK), s->smac);
		memcpy(s->dmac, weir_mac, 6);
		if (!v6) {
			backend_addr(0, (unsigned int)(r % N_BK), s->src);
			s->sport = BK_PORT + 1;
		} else {
			memcpy(s->src, stranger6, 16);
			s->sport = BK_PORT;
		}
		local_addr(v6, (unsigned int)(r >> 8) % N_LOCAL, s->dst);
		s->dport = (uint16_t)(1024 + (r >> 16) % 64512);
		s->flags = 0x10, s->seq = isn_b, s->ack = 1;
		if (v6)
			fill_payload(s, id, step, 16, 1);
		break;
	case K_MIDC: /* a client ACK to tcp4/tcp6 without a connection */
		s->proto = 6;
		s->dport = 80;
		s->flags = 0x10, s->seq = isn_c + 1, s->ack = 1;
		break;
	case K_NOTOURS:
		s->proto = 6;
		s->dport = 80;
		memcpy(s->dst, v6 ? other6 : other4, 16);
		s->flags = 0x02, s->seq = isn_c;
		break;
	case K_BADCSUM: /* a SYN to tcp4 whose IPv4 header checksum is wrong (set in send) */
		s->proto = 6;
		s->dport = 80;
		s->flags = 0x02, s->seq = isn_c;
		break;
	case K_UDPLEN: /* UDP to udp4/udp6 whose length field is wrong (set in send) */
		s->proto = 17;
		s->dport = 53;
		fill_payload(s, id, step, 24, 1);
		break;
	default:
		break;
	}
}

/* What weir must send for step s of flow f (whose mapping is learned). */
static void
out_spec(const struct flow *f, uint32_t id, unsigned int step, struct spec *s)
{
	const struct svc *sv = &svcs[flow_svc(f)];
	int v6 = f->v6;

	in_spec(f, id, step, s);
	s->pad = 0; /* weir forwards the IP packet, not the Ethernet padding */
	memcpy(s->smac, weir_mac, 6);
	if (f->kind == K_ECHO) {
		uint8_t t[16];

		client_mac(v6, f->client, s->dmac);
		memcpy(t, s->src, 16);
		memcpy(s->src, s->dst, 16);
		memcpy(s->dst, t, 16);
		s->ttl = 64;
		s->icmp_type = v6 ? 129 : 0;
		return;
	}
	if (from_client(f, step)) {
		backend_mac(f->backend, s->dmac);
		if (sv->dsr) {
			s->encap = 1;
			local_addr(v6, 1, s->osrc); /* the service's local_ips[0] */
			backend_addr(v6, f->backend, s->odst);
			return;
		}
		local_addr(v6, f->local, s->src);
		backend_addr(v6, f->backend, s->dst);
		s->sport = f->lport;
		s->dport = BK_PORT;
	} else {
		client_mac(v6, f->client, s->dmac);
		memcpy(s->src, vip(v6), 16);
		client_addr(v6, f->client, s->dst);
		s->sport = sv->port;
		s->dport = (uint16_t)(CPORT_BASE + id - 1);
	}
	if (sv->clamp && s->proto == 6 && (s->flags & 0x02))
		clamp_mss(s, sv->clamp);
}

/* ---- checking what weir sent, on its own ---- */

static const char *
verify_l4(int v6, const uint8_t *ip, size_t hl, size_t total, int depth)
{
	const uint8_t *l4 = ip + hl;
	size_t l4len = total - hl;
	uint8_t proto = v6 ? ip[6] : ip[9];
	const uint8_t *src = ip + (v6 ? 8 : 12), *dst = ip + (v6 ? 24 : 16);

	switch (proto) {
	case 6:
		if (l4len < 20 || (size_t)(l4[12] >> 4) * 4 < 20 ||
		    (size_t)(l4[12] >> 4) * 4 > l4len)
			return "TCP header length";
		if (fold(sum16(l4, l4len, pseudo_sum(v6, src, dst, 6, (uint32_t)l4len))) != 0xffff)
			return "TCP checksum";
		return NULL;
	case 17:
		if (l4len < 8 || get16(l4 + 4) != l4len)
			return "UDP length";
		if (!v6 && get16(l4 + 6) == 0)
			return NULL; /* IPv4 UDP without a checksum */
		if (fold(sum16(l4, l4len, pseudo_sum(v6, src, dst, 17, (uint32_t)l4len))) != 0xffff)
			return "UDP checksum";
		return NULL;
	case 1:
		if (v6 || l4len < 8 || fold(sum16(l4, l4len, 0)) != 0xffff)
			return "ICMP checksum";
		return NULL;
	case 58:
		if (!v6 || l4len < 8 ||
		    fold(sum16(l4, l4len, pseudo_sum(1, src, dst, 58, (uint32_t)l4len))) != 0xffff)
			return "ICMPv6 checksum";
		return NULL;
	case 4:
	case 41:
		if (depth > 0 || (proto == 4) == v6)
			return "IP-in-IP nesting";
		if (proto == 4) {
			if (l4len < 20 || (l4[0] >> 4) != 4 || (size_t)(l4[0] & 15) * 4 < 20 ||
			    get16(l4 + 2) != l4len ||
			    fold(sum16(l4, (size_t)(l4[0] & 15) * 4, 0)) != 0xffff)
				return "inner IPv4 header (length or checksum)";
			return verify_l4(0, l4, (size_t)(l4[0] & 15) * 4, l4len, 1);
		}
		if (l4len < 40 || (l4[0] >> 4) != 6 || get16(l4 + 4) + 40u != l4len)
			return "inner IPv6 header (length)";
		return verify_l4(1, l4, 40, l4len, 1);
	default:
		return "unexpected protocol";
	}
}

static const char *
verify_frame(const uint8_t *f, size_t len)
{
	size_t hl;

	if (len < 14 + 20)
		return "frame too short";
	if (get16(f + 12) == 0x0800) {
		hl = (size_t)(f[14] & 15) * 4;
		if ((f[14] >> 4) != 4 || hl < 20 || 14 + hl > len)
			return "IPv4 header";
		if (get16(f + 16) != len - 14)
			return "IPv4 total length is not the frame's (padding or truncation)";
		if (fold(sum16(f + 14, hl, 0)) != 0xffff)
			return "IPv4 header checksum";
		return verify_l4(0, f + 14, hl, len - 14, 0);
	}
	if (get16(f + 12) == 0x86dd) {
		if (len < 14 + 40 || (f[14] >> 4) != 6)
			return "IPv6 header";
		if (get16(f + 18) + 54u != len)
			return "IPv6 payload length is not the frame's";
		return verify_l4(1, f + 14, 40, len - 14, 0);
	}
	return "not IPv4 or IPv6";
}

/* The flow id a frame weir sent belongs to, or 0. */
static uint32_t
identify(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14, *l4;
	size_t hl, tot = len - 14;
	int v6 = get16(f + 12) == 0x86dd;
	uint8_t proto;

	hl = v6 ? 40 : (size_t)(ip[0] & 15) * 4;
	proto = v6 ? ip[6] : ip[9];
	if (proto == 4 || proto == 41) { /* DSR: the inner packet is the client's */
		ip += hl;
		tot -= hl;
		hl = v6 ? 40 : (size_t)(ip[0] & 15) * 4;
		proto = v6 ? ip[6] : ip[9];
	}
	l4 = ip + hl;
	if (hl + 8 > tot)
		return 0;
	if (proto == 6 && hl + 20 <= tot)
		return get32(l4 + 4) >> 16;
	if ((proto == 17 || proto == 1 || proto == 58) && hl + 16 <= tot &&
	    memcmp(l4 + 8 + 5, "wir", 3) == 0)
		return get32(l4 + 8);
	return 0;
}

/* ---- the port ---- */

static void
tx_flush(unsigned int q)
{
	struct txq *t = &txq[q];
	uint16_t sent;

	if (t->n == 0)
		return;
	sent = rte_eth_tx_burst(port, (uint16_t)q, t->pkts, (uint16_t)RTE_MIN(t->n, 512u));
	if (sent != 0 && sent < t->n)
		memmove(t->pkts, t->pkts + sent, (t->n - sent) * sizeof(t->pkts[0]));
	t->n -= sent;
}

static unsigned int
tx_pending(void)
{
	unsigned int q, n = 0;

	for (q = 0; q < opt.nw; q++)
		n += txq[q].n;
	return n;
}

static void
tx_frame(unsigned int q, const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m;

	while (txq[q].n == TXQ_MAX) {
		tx_flush(q);
		if (quit)
			fail("interrupted");
	}
	m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		fail("out of mbufs");
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), frame, len);
	txq[q].pkts[txq[q].n++] = m;
	n_sent++;
}

/* ---- flows ---- */

static enum reason
drop_reason(unsigned int kind)
{
	switch (kind) {
	case K_NOSVC:
		return R_NO_SERVICE;
	case K_STRAY:
	case K_MIDC:
		return R_NO_CONN;
	case K_NOTOURS:
		return R_NOT_OURS;
	case K_BADCSUM:
		return R_IPV4_BAD_CSUM;
	default:
		return R_UDP_BAD_LEN;
	}
}

/* Send the next step of flow id; account for it in the expected counters. */
static void
send_step(uint32_t id, uint64_t now)
{
	struct flow *f = &flows[id];
	static struct spec s;
	static uint8_t frame[FRAME_MAX];
	unsigned int q = (unsigned int)(rnd(id, f->step, 'q') % opt.nw), owner;
	size_t len;
	int parse_fail = f->kind == K_BADCSUM || f->kind == K_UDPLEN;

	in_spec(f, id, f->step, &s);
	len = build(&s, frame);
	if (f->kind == K_BADCSUM)
		frame[14 + 10] ^= 0x5a;
	if (f->kind == K_UDPLEN)
		put16(frame + 14 + (f->v6 ? 40 : 20) + 4, (uint16_t)(8 + s.plen + 2));
	if (s.udp_nocsum)
		n_nocsum++;
	/* The owner: a TCP/UDP packet to a local address by its destination
	 * port, anything else by the source address (IPv6: its /64). */
	if ((s.proto == 6 || s.proto == 17) && is_local(s.v6, s.dst))
		owner = s.dport % opt.nw;
	else
		owner = owner_of_addr(s.v6, s.src);
	tx_frame(q, frame, len);
	exp_w[q].rx++;
	if (parse_fail) { /* dropped by the worker it reached: nobody owns it */
		exp_w[q].drops[drop_reason(f->kind)]++;
		f->done = 1;
		return;
	}
	if (owner != q) {
		exp_w[q].steered_out++;
		exp_w[owner].steered_in++;
	}
	if (f->kind >= K_NOSVC) {
		exp_w[owner].drops[drop_reason(f->kind)]++;
		f->done = 1;
		return;
	}
	exp_w[owner].tx++;
	if (f->kind != K_ECHO) {
		if (from_client(f, f->step))
			exp_w[owner].to_backend++;
		else
			exp_w[owner].to_client++;
	}
	if (f->kind == K_DSRX)
		exp_w[owner].stateless++;
	if (f->step == 0 && (f->kind == K_TCP || f->kind == K_UDP || f->kind == K_DSR))
		exp_w[owner].conns++;
	f->pending = 1;
	f->exp_q = (uint8_t)owner;
	f->t_sent = now;
}

static void
hexdump(const char *what, const uint8_t *p, size_t len)
{
	size_t i;

	fprintf(stderr, "  %s (%zu bytes):", what, len);
	for (i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 32 == 0 ? "\n    " : i % 2 == 0 ? " " : "", p[i]);
	fprintf(stderr, "\n");
}

/* The first packet of a connection to a backend: which one, from where. */
static void
learn(struct flow *f, uint32_t id, const uint8_t *fr, size_t len)
{
	const struct svc *sv = &svcs[flow_svc(f)];
	int v6 = f->v6, alen = v6 ? 16 : 4;
	const uint8_t *ip = fr + 14;
	const uint8_t *dst = ip + (v6 ? 24 : 16), *src = ip + (v6 ? 8 : 12);
	uint8_t a[16], m[6];
	unsigned int b, l, owner;
	uint16_t lport;

	(void)len;
	for (b = 0; b < N_BK; b++) {
		backend_addr(v6, b, a);
		if (memcmp(a, dst, (size_t)alen) == 0)
			break;
	}
	if (b == N_BK)
		fail("flow %u (%s, %s): sent to a host that is no backend of the pool", id,
		     kind_name[f->kind], sv->name);
	backend_mac(b, m);
	if (memcmp(fr, m, 6) != 0)
		fail("flow %u (%s): Ethernet destination is not backend %u's MAC", id, sv->name, b);
	f->backend = (uint8_t)b;
	if (!sv->dsr) {
		for (l = 0; l < N_LOCAL; l++) {
			local_addr(v6, l, a);
			if (memcmp(a, src, (size_t)alen) == 0)
				break;
		}
		if (l == N_LOCAL)
			fail("flow %u (%s): source address is not one of the service's local IPs",
			     id, sv->name);
		lport = get16(ip + (v6 ? 40 : (size_t)(ip[0] & 15) * 4));
		client_addr(v6, f->client, a);
		owner = owner_of_addr(v6, a);
		if (lport < 1024 || lport % opt.nw != owner)
			fail("flow %u (%s): local port %u is not one of worker %u's (>= 1024, port "
			     "%% %u "
			     "== %u)",
			     id, sv->name, lport, owner, opt.nw, owner);
		if (lport_used[v6][sv->proto == 17][l][lport / 8] & (1u << (lport % 8)))
			fail("flow %u (%s): local port %u on local IP %u is already held by "
			     "another "
			     "connection",
			     id, sv->name, lport, l);
		lport_used[v6][sv->proto == 17][l][lport / 8] |= (uint8_t)(1u << (lport % 8));
		f->local = (uint8_t)l;
		f->lport = lport;
	}
	f->learned = 1;
	if (f->kind != K_DSRX) {
		svc_new[flow_svc(f)][b]++;
		/* Still active at the end: UDP and DSR (a DSR connection never sees
		 * the backend's FIN); FullNAT TCP ends closed. */
		if (f->kind != K_TCP)
			svc_active[flow_svc(f)][b]++;
	}
}

static void
on_packet(unsigned int q, const uint8_t *fr, size_t len)
{
	static struct spec s;
	static uint8_t exp[FRAME_MAX];
	const char *bad;
	struct flow *f;
	uint32_t id;
	size_t elen, i;

	n_recv++;
	if ((bad = verify_frame(fr, len)) != NULL) {
		hexdump("frame", fr, len);
		fail("queue %u: a frame from weir fails its own checks: %s", q, bad);
	}
	id = identify(fr, len);
	if (id == 0 || id > n_flows || !flows[id].pending) {
		hexdump("frame", fr, len);
		fail("queue %u: a packet nobody expects (flow id %u%s)", q, id,
		     id && id <= n_flows ? ", not awaiting an answer" : "");
	}
	f = &flows[id];
	if (q != f->exp_q)
		fail("flow %u (%s) step %u: answered by worker %u, expected its owner %u", id,
		     kind_name[f->kind], f->step, q, f->exp_q);
	if (!f->learned && f->kind != K_ECHO) {
		if (len < 14 || memcmp(fr + 6, weir_mac, 6) != 0)
			fail("flow %u: Ethernet source is not weir's MAC", id);
		learn(f, id, fr, len);
	}
	out_spec(f, id, f->step, &s);
	elen = build(&s, exp);
	if (f->kind == K_TCP && (s.flags & 0x02)) {
		struct spec t;

		in_spec(f, id, f->step, &t);
		n_clamped += memcmp(t.opts, s.opts, s.optlen) != 0;
	}
	if (++n_compared == opt.mutate) /* the check must be able to fail */
		exp[elen / 2] ^= 0x01;
	if (elen != len || memcmp(exp, fr, len) != 0) {
		for (i = 0; i < RTE_MIN(len, elen) && exp[i] == fr[i]; i++)
			;
		hexdump("got", fr, len);
		hexdump("want", exp, elen);
		fail("flow %u (%s, %s) step %u: weir's packet differs from the expectation at byte "
		     "%zu (lengths %zu, want %zu)",
		     id, kind_name[f->kind], f->v6 ? "IPv6" : "IPv4", f->step, i, len, elen);
	}
	f->pending = 0;
	if (++f->step == f->nsteps) {
		f->done = 1;
		n_flows_done++;
	}
}

static unsigned int
rx_poll(void)
{
	struct rte_mbuf *pkts[BURST];
	unsigned int q, got = 0;
	uint16_t n, i;

	for (q = 0; q < opt.nw; q++) {
		n = rte_eth_rx_burst(port, (uint16_t)q, pkts, BURST);
		for (i = 0; i < n; i++) {
			if (pkts[i]->nb_segs != 1)
				fail("queue %u: a chained mbuf from weir (%u segments)", q,
				     pkts[i]->nb_segs);
			on_packet(q, rte_pktmbuf_mtod(pkts[i], const uint8_t *), pkts[i]->data_len);
		}
		if (n)
			rte_pktmbuf_free_bulk(pkts, n);
		got += n;
	}
	return got;
}

/* Between phases nothing may arrive. */
static void
rx_silent(const char *phase)
{
	struct rte_mbuf *pkts[BURST];
	unsigned int q;
	uint16_t n;

	for (q = 0; q < opt.nw; q++) {
		n = rte_eth_rx_burst(port, (uint16_t)q, pkts, BURST);
		if (n != 0) {
			hexdump("frame", rte_pktmbuf_mtod(pkts[0], const uint8_t *),
				pkts[0]->data_len);
			fail("queue %u: %u packet(s) from weir %s", q, n, phase);
		}
	}
}

/* A line from stdin ("go", "quit"), without blocking; returns 1 on a line, -1 on EOF. */
static int
stdin_line(const char *want)
{
	struct pollfd p = {.fd = 0, .events = POLLIN};
	char buf[64];
	ssize_t n;

	if (poll(&p, 1, 0) <= 0)
		return 0;
	n = read(0, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strstr(buf, want) != NULL ? 1 : 0;
}

static void
add_flows(unsigned int kind, unsigned int n, uint8_t nsteps)
{
	unsigned int i, v6;

	for (v6 = 0; v6 < 2; v6++) {
		unsigned int count = n;

		/* IPv4 only: a bad IPv4 header checksum. */
		if (kind == K_BADCSUM && v6)
			count = 0;
		for (i = 0; i < count; i++) {
			struct flow *f;
			uint32_t id = ++n_flows;

			if (id > ID_MAX || CPORT_BASE + id - 1 > 65535)
				fail("too many flows (at most %u)", 65535 - CPORT_BASE + 1);
			f = &flows[id];
			memset(f, 0, sizeof(*f));
			f->kind = (uint8_t)kind;
			f->v6 = (uint8_t)v6;
			f->nsteps = nsteps;
			f->client = (uint16_t)(1 + rnd(id, 0, 'c') % NCLI);
			kind_flows[kind][v6]++;
		}
	}
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: wire_peer [EAL options] --vdev net_vhost0,iface=SOCK,queues=N -- "
		   "[options]\n"
		   "  --workers N      weir's workers = queue pairs (2)\n"
		   "  --tcp N          FullNAT TCP connections per family (10000)\n"
		   "  --udp N          FullNAT UDP flows per family (8000)\n"
		   "  --udp-rounds N   request/reply pairs per UDP flow (3)\n"
		   "  --dsr N          DSR connections per family (5000)\n"
		   "  --dsr-stateless N  DSR ACKs without a connection per family (500)\n"
		   "  --echo N         echo requests per family (500)\n"
		   "  --drops N        packets per drop kind and family (200)\n"
		   "  --window N       flows in flight (192)\n"
		   "  --seed N         randomness of the run (0x77697265)\n"
		   "  --wait S         seconds to wait for \"go\" and the link (30)\n"
		   "  --timeout S      seconds for the whole exchange (120)\n"
		   "  --stall S        seconds without an awaited answer before failing (10)\n"
		   "  --idle-sleep-us N  sleep when idle, for shared CPUs (20)\n"
		   "  --mutate K       corrupt the expectation of the K-th answer (must fail)\n");
}

static int
parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{"workers", required_argument, NULL, 'w'},
		{"tcp", required_argument, NULL, 't'},
		{"udp", required_argument, NULL, 'u'},
		{"udp-rounds", required_argument, NULL, 'r'},
		{"dsr", required_argument, NULL, 'd'},
		{"dsr-stateless", required_argument, NULL, 'x'},
		{"echo", required_argument, NULL, 'e'},
		{"drops", required_argument, NULL, 'D'},
		{"window", required_argument, NULL, 'W'},
		{"seed", required_argument, NULL, 's'},
		{"wait", required_argument, NULL, 'a'},
		{"timeout", required_argument, NULL, 'T'},
		{"stall", required_argument, NULL, 'S'},
		{"idle-sleep-us", required_argument, NULL, 'i'},
		{"mutate", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		char *end = NULL;
		unsigned long long v = 0;
		double d = 0;

		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == '?') {
			usage(stderr);
			return -1;
		}
		errno = 0;
		if (c == 'a' || c == 'T' || c == 'S')
			d = strtod(optarg, &end);
		else
			v = strtoull(optarg, &end, 0);
		if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-') {
			fprintf(stderr, "wire_peer: bad value '%s'\n", optarg);
			return -1;
		}
		switch (c) {
		case 'w':
			opt.nw = (unsigned int)v;
			break;
		case 't':
			opt.n_tcp = (unsigned int)v;
			break;
		case 'u':
			opt.n_udp = (unsigned int)v;
			break;
		case 'r':
			opt.udp_rounds = (unsigned int)v;
			break;
		case 'd':
			opt.n_dsr = (unsigned int)v;
			break;
		case 'x':
			opt.n_dsrx = (unsigned int)v;
			break;
		case 'e':
			opt.n_echo = (unsigned int)v;
			break;
		case 'D':
			opt.n_drop = (unsigned int)v;
			break;
		case 'W':
			opt.window = (unsigned int)v;
			break;
		case 's':
			opt.seed = v;
			break;
		case 'a':
			opt.wait_s = d;
			break;
		case 'T':
			opt.timeout_s = d;
			break;
		case 'S':
			opt.stall_s = d;
			break;
		case 'i':
			opt.idle_us = (unsigned int)v;
			break;
		case 'm':
			opt.mutate = v;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || opt.nw < 1 || opt.nw > NW_MAX || opt.window < 1 ||
	    opt.udp_rounds < 1 || opt.udp_rounds > 100) {
		fprintf(stderr,
			"wire_peer: bad arguments (workers 1-%d, window >= 1, udp-rounds "
			"1-100)\n",
			NW_MAX);
		return -1;
	}
	return 0;
}

static void
port_setup(void)
{
	struct rte_eth_conf conf = {0};
	uint16_t rxd = RING_DESC, txd = RING_DESC, q;
	int rc, sock = rte_eth_dev_socket_id(port);

	if (sock < 0)
		sock = (int)rte_socket_id();
	rc = rte_eth_dev_configure(port, (uint16_t)opt.nw, (uint16_t)opt.nw, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
	for (q = 0; rc == 0 && q < opt.nw; q++) {
		rc = rte_eth_rx_queue_setup(port, q, rxd, (unsigned int)sock, NULL, pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port, q, txd, (unsigned int)sock, NULL);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc != 0)
		fail("port %u setup: %s", port, rte_strerror(-rc));
}

static int
link_up(void)
{
	struct rte_eth_link link;

	memset(&link, 0, sizeof(link));
	return rte_eth_link_get_nowait(port, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}

static void
print_summary(double secs)
{
	unsigned int k, w, r, sv, b;
	uint64_t drops[R__MAX] = {0};

	printf("{\"packets_sent\": %" PRIu64 ", \"packets_received\": %" PRIu64
	       ", \"answers_compared\": %" PRIu64 ", \"flows\": %" PRIu32 ", \"seconds\": %.3f, "
	       "\"window\": %u, \"seed\": %" PRIu64 ", \"mss_clamped\": %" PRIu64
	       ", \"udp_without_checksum\": %" PRIu64 ", \"kinds\": {",
	       n_sent, n_recv, n_compared, n_flows, secs, opt.window, opt.seed, n_clamped,
	       n_nocsum);
	for (k = 0; k < K__MAX; k++)
		printf("%s\"%s\": [%" PRIu64 ", %" PRIu64 "]", k ? ", " : "", kind_name[k],
		       kind_flows[k][0], kind_flows[k][1]);
	printf("}, \"workers\": [");
	for (w = 0; w < opt.nw; w++) {
		printf("%s{\"rx\": %" PRIu64 ", \"tx\": %" PRIu64 ", \"steered_out\": %" PRIu64
		       ", \"steered_in\": %" PRIu64 ", \"conns\": %" PRIu64
		       ", \"conn_new\": %" PRIu64 ", \"to_backend\": %" PRIu64
		       ", \"to_client\": %" PRIu64 ", \"stateless\": %" PRIu64 ", \"drops\": {",
		       w ? ", " : "", exp_w[w].rx, exp_w[w].tx, exp_w[w].steered_out,
		       exp_w[w].steered_in, exp_w[w].conns, exp_w[w].conns, exp_w[w].to_backend,
		       exp_w[w].to_client, exp_w[w].stateless);
		for (r = 0; r < R__MAX; r++) {
			printf("%s\"%s\": %" PRIu64, r ? ", " : "", reason_name[r],
			       exp_w[w].drops[r]);
			drops[r] += exp_w[w].drops[r];
		}
		printf("}}");
	}
	printf("], \"drops\": {");
	for (r = 0; r < R__MAX; r++)
		printf("%s\"%s\": %" PRIu64, r ? ", " : "", reason_name[r], drops[r]);
	printf("}, \"services\": {");
	for (sv = 0; sv < S__MAX; sv++) {
		printf("%s\"%s\": {\"conns_total\": [", sv ? ", " : "", svcs[sv].name);
		for (b = 0; b < N_BK; b++)
			printf("%s%" PRIu64, b ? ", " : "", svc_new[sv][b]);
		printf("], \"conns_active\": [");
		for (b = 0; b < N_BK; b++)
			printf("%s%" PRIu64, b ? ", " : "", svc_active[sv][b]);
		printf("]}");
	}
	printf("}}\n");
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	uint64_t t0, t_go, now, last_progress, deadline;
	unsigned int i, n_active = 0, idle = 0, q;
	uint32_t *active, next = 0;
	int rc, go = 0;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "wire_peer: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	argv[0] = (char *)"wire_peer";
	if (parse_args(argc, argv) != 0)
		return 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	hz = rte_get_tsc_hz();

	if (rte_eth_dev_count_avail() != 1)
		fail("need exactly one port (--vdev net_vhost0,...), have %u",
		     rte_eth_dev_count_avail());
	port = (uint16_t)rte_eth_find_next_owned_by(0, RTE_ETH_DEV_NO_OWNER);
	pool = rte_pktmbuf_pool_create("peer_pool", NB_MBUFS, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (pool == NULL)
		fail("cannot create the mbuf pool: %s", rte_strerror(rte_errno));
	port_setup();

	/* The flows, in a shuffled order. */
	flows = calloc(ID_MAX + 1, sizeof(*flows));
	order = calloc(ID_MAX + 1, sizeof(*order));
	active = calloc(opt.window, sizeof(*active));
	if (flows == NULL || order == NULL || active == NULL)
		fail("out of memory");
	add_flows(K_TCP, opt.n_tcp, 7);
	add_flows(K_UDP, opt.n_udp, (uint8_t)(2 * opt.udp_rounds));
	add_flows(K_DSR, opt.n_dsr, 4);
	add_flows(K_DSRX, opt.n_dsrx, 1);
	add_flows(K_ECHO, opt.n_echo, 1);
	for (i = K_NOSVC; i < K__MAX; i++)
		add_flows(i, opt.n_drop, 1);
	for (i = 0; i < n_flows; i++)
		order[i] = i + 1;
	for (i = n_flows; i > 1; i--) {
		uint32_t j = (uint32_t)(rnd(i, 0, 's') % i), t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}

	/* Wait for the link (weir attached) and for "go". */
	t0 = rte_get_tsc_cycles();
	fprintf(stderr, "wire_peer: %u flows ready, waiting for the link and \"go\"\n", n_flows);
	while (!(go && link_up())) {
		if (!go) {
			rc = stdin_line("go");
			if (rc < 0)
				fail("end of input before \"go\"");
			go = rc;
		}
		rx_silent("before the traffic started");
		if (quit)
			fail("interrupted");
		if (rte_get_tsc_cycles() - t0 > (uint64_t)(opt.wait_s * (double)hz))
			fail("no %s within %.0f s", go ? "link" : "\"go\"", opt.wait_s);
		usleep(1000);
	}

	t_go = last_progress = rte_get_tsc_cycles();
	deadline = t_go + (uint64_t)(opt.timeout_s * (double)hz);
	while (next < n_flows || n_active > 0) {
		unsigned int did = 0;

		now = rte_get_tsc_cycles();
		/* Start new flows while the window and the TX queues have room. */
		while (n_active < opt.window && next < n_flows && tx_pending() < 256) {
			uint32_t id = order[next++];

			send_step(id, now);
			did++;
			if (!flows[id].done)
				active[n_active++] = id;
			else if (flows[id].kind >= K_NOSVC)
				n_flows_done++;
		}
		/* Each active flow whose answer came sends its next step. */
		for (i = 0; i < n_active;) {
			struct flow *f = &flows[active[i]];

			if (f->done) {
				active[i] = active[--n_active];
				continue;
			}
			if (!f->pending) {
				send_step(active[i], now);
				did++;
			}
			i++;
		}
		for (q = 0; q < opt.nw; q++)
			tx_flush(q);
		rc = (int)rx_poll();
		if (rc > 0)
			last_progress = now;
		did += (unsigned int)rc;
		if (quit)
			fail("interrupted");
		if (now - last_progress > (uint64_t)(opt.stall_s * (double)hz) || now > deadline) {
			unsigned int shown = 0;

			fprintf(stderr, "wire_peer: awaited answers (flow, kind, family, step, "
					"worker):\n");
			for (i = 0; i < n_active && shown < 20; i++) {
				struct flow *f = &flows[active[i]];

				if (!f->pending)
					continue;
				fprintf(stderr, "  %u %s %s step %u worker %u\n", active[i],
					kind_name[f->kind], f->v6 ? "IPv6" : "IPv4", f->step,
					f->exp_q);
				shown++;
			}
			fail("%s: %u flows in flight, %u not started, %" PRIu64 " sent, %" PRIu64
			     " received",
			     now > deadline ? "timeout" : "no answer for too long (lost packets)",
			     n_active, n_flows - next, n_sent, n_recv);
		}
		if (did == 0 && opt.idle_us && ++idle >= 64)
			usleep(opt.idle_us);
		else if (did != 0)
			idle = 0;
	}
	now = rte_get_tsc_cycles();
	/* Anything late (a duplicate, a packet for a finished flow) fails too. */
	while (rte_get_tsc_cycles() - now < hz / 2) {
		rx_poll();
		usleep(1000);
	}
	if (tx_pending() != 0)
		fail("%u packets never left the peer", tx_pending());
	print_summary((double)(now - t_go) / (double)hz);

	/* Until "quit": weir is checked and stopped; it must send nothing. */
	for (;;) {
		rc = stdin_line("quit");
		if (rc != 0)
			break;
		rx_silent("after the traffic ended");
		if (quit)
			break;
		usleep(1000);
	}
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	free(flows);
	free(order);
	free(active);
	return 0;
}
