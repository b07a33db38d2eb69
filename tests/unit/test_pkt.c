/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/pkt: the parser's verdict for every drop reason, a
 * truncation sweep run on exact-length heap copies (so ASan catches any read
 * past the frame), random frames (most of them close to well formed, so
 * that many parse) whose parse must agree with what was written, the
 * answers built by the responder byte by byte with their checksums, the
 * owner hash and the Internet checksum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weir_pkt.h"
#include "weir_test.h"

static const uint8_t MAC[6] = {0x02, 0x77, 0x65, 0x69, 0x72, 0x01};
static const uint8_t CMAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t VIP4[4] = {198, 18, 1, 1};
static const uint8_t LOCAL4[4] = {198, 18, 0, 1};
static const uint8_t CLI4[4] = {198, 18, 0, 2};
static const uint8_t OTHER4[4] = {198, 18, 9, 9};
static const uint8_t VIP6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1};
static const uint8_t LOCAL6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, [15] = 1};
static const uint8_t CLI6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, [15] = 2};
static const uint8_t OTHER6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 9, [15] = 9};

/* ---- frame builder -------------------------------------------------------- */

struct frame {
	uint8_t b[2048];
	size_t len;
	size_t l3; /* offset of the IP header */
	size_t l4; /* offset of the L4 header */
};

static void
put(struct frame *f, const void *d, size_t n)
{
	assert_true(f->len + n <= sizeof(f->b));
	memcpy(f->b + f->len, d, n);
	f->len += n;
}

static void
put8(struct frame *f, uint8_t v)
{
	put(f, &v, 1);
}

static void
put16(struct frame *f, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	put(f, b, 2);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
eth(struct frame *f, const uint8_t *dst, const uint8_t *src, int vlans, uint16_t type)
{
	int i;

	memset(f, 0, sizeof(*f));
	put(f, dst, 6);
	put(f, src, 6);
	for (i = 0; i < vlans; i++) {
		put16(f, i == 0 && vlans > 1 ? 0x88a8 : 0x8100);
		put16(f, (uint16_t)(100 + i));
	}
	put16(f, type);
	f->l3 = f->len;
}

static void
arp(struct frame *f, const uint8_t *dst, uint16_t op, const uint8_t *spa, const uint8_t *tpa)
{
	static const uint8_t zero[6];

	eth(f, dst, CMAC, 0, 0x0806);
	put16(f, 1);
	put16(f, 0x0800);
	put8(f, 6);
	put8(f, 4);
	put16(f, op);
	put(f, CMAC, 6);
	put(f, spa, 4);
	put(f, zero, 6);
	put(f, tpa, 4);
}

/* IPv4 header with nopt bytes of options (multiple of 4); total set later. */
static void
ipv4(struct frame *f, const uint8_t *dst_mac, const uint8_t *src, const uint8_t *dst, uint8_t proto,
     size_t nopt)
{
	size_t i;

	eth(f, dst_mac, CMAC, 0, 0x0800);
	put8(f, (uint8_t)(0x40 | (5 + nopt / 4)));
	put8(f, 0);
	put16(f, 0);	  /* total length: ipv4_finish() */
	put16(f, 0x1234); /* id */
	put16(f, 0);	  /* flags, fragment offset */
	put8(f, 61);
	put8(f, proto);
	put16(f, 0);
	put(f, src, 4);
	put(f, dst, 4);
	for (i = 0; i < nopt; i++)
		put8(f, i + 1 == nopt ? 0 : 1); /* NOPs, then end of options */
	f->l4 = f->len;
}

static void
ipv4_csum(struct frame *f)
{
	uint8_t *ip = f->b + f->l3;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;

	set16(ip + 10, 0);
	set16(ip + 10, weir_csum_fold(weir_csum_add(ip, ihl, 0)));
}

static void
ipv4_finish(struct frame *f)
{
	set16(f->b + f->l3 + 2, (uint16_t)(f->len - f->l3));
	ipv4_csum(f);
}

static void
icmp_csum(struct frame *f)
{
	uint8_t *icmp = f->b + f->l4;

	set16(icmp + 2, 0);
	set16(icmp + 2, weir_csum_fold(weir_csum_add(icmp, f->len - f->l4, 0)));
}

static void
echo4(struct frame *f, const uint8_t *dst_mac, const uint8_t *dst, size_t nopt)
{
	ipv4(f, dst_mac, CLI4, dst, 1, nopt);
	put8(f, 8);
	put8(f, 0);
	put16(f, 0);
	put16(f, 7);
	put16(f, 1);
	put(f, "weir-echo", 9);
	icmp_csum(f);
	ipv4_finish(f);
}

/* IPv6 header; payload length set by ipv6_finish(). */
static void
ipv6(struct frame *f, const uint8_t *dst_mac, const uint8_t *src, const uint8_t *dst, uint8_t nh,
     uint8_t hop)
{
	eth(f, dst_mac, CMAC, 0, 0x86dd);
	put16(f, 0x6000);
	put16(f, 0);
	put16(f, 0);
	put8(f, nh);
	put8(f, hop);
	put(f, src, 16);
	put(f, dst, 16);
	f->l4 = f->len;
}

/* An extension header of 8 * (1 + hlen8) bytes. */
static void
ipv6_ext(struct frame *f, uint8_t next, uint8_t hlen8)
{
	size_t i;

	put8(f, next);
	put8(f, hlen8);
	for (i = 2; i < 8 * (1 + (size_t)hlen8); i++)
		put8(f, i == 2 ? 1 : 0); /* PadN option then zeros (Pad1) */
	f->l4 = f->len;
}

static uint32_t
pseudo6(const uint8_t *ip6, size_t l4len, uint8_t proto)
{
	uint8_t tail[8] = {0, 0, (uint8_t)(l4len >> 8), (uint8_t)l4len, 0, 0, 0, proto};

	return weir_csum_add(tail, 8, weir_csum_add(ip6 + 8, 32, 0));
}

static void
ipv6_finish(struct frame *f)
{
	set16(f->b + f->l3 + 4, (uint16_t)(f->len - f->l3 - 40));
}

static void
icmp6_csum(struct frame *f)
{
	uint8_t *icmp = f->b + f->l4;
	size_t n = f->len - f->l4;

	set16(icmp + 2, 0);
	set16(icmp + 2, weir_csum_fold(weir_csum_add(icmp, n, pseudo6(f->b + f->l3, n, 58))));
}

static void
echo6_body(struct frame *f)
{
	put8(f, 128);
	put8(f, 0);
	put16(f, 0);
	put16(f, 7);
	put16(f, 1);
	put(f, "weir-echo6", 10);
	ipv6_finish(f);
	icmp6_csum(f);
}

static void
echo6(struct frame *f, const uint8_t *dst)
{
	ipv6(f, MAC, CLI6, dst, 58, 64);
	echo6_body(f);
}

static const uint8_t SOLICITED_VIP6[16] = {0xff, 0x02, [11] = 0x01, 0xff, 0x00, 0x00, 0x01};
static const uint8_t UNSPEC6[16];

/* A neighbour solicitation for target; slla adds the source link-layer option. */
static void
ns(struct frame *f, const uint8_t *src, const uint8_t *dst, const uint8_t *target, int slla,
   uint8_t hop)
{
	static const uint8_t mmac[6] = {0x33, 0x33, 0xff, 0x00, 0x00, 0x01};

	ipv6(f, mmac, src, dst, 58, hop);
	put8(f, 135);
	put8(f, 0);
	put16(f, 0);
	put16(f, 0);
	put16(f, 0);
	put(f, target, 16);
	if (slla) {
		put8(f, 1);
		put8(f, 1);
		put(f, CMAC, 6);
	}
	ipv6_finish(f);
	icmp6_csum(f);
}

static void
tcp4(struct frame *f, const uint8_t *dst, uint8_t doff, size_t payload)
{
	size_t i;

	ipv4(f, MAC, CLI4, dst, 6, 0);
	put16(f, 40000);
	put16(f, 80);
	put16(f, 0);
	put16(f, 1);
	put16(f, 0);
	put16(f, 0);
	put8(f, (uint8_t)(doff << 4));
	put8(f, 0x02);
	put16(f, 65535);
	put16(f, 0);
	put16(f, 0);
	for (i = 0; i < payload; i++)
		put8(f, (uint8_t)i);
	ipv4_finish(f);
}

static void
udp4(struct frame *f, const uint8_t *dst, size_t payload, int len_delta)
{
	size_t i;

	ipv4(f, MAC, CLI4, dst, 17, 0);
	put16(f, 40000);
	put16(f, 53);
	put16(f, (uint16_t)((int)(8 + payload) + len_delta));
	put16(f, 0);
	for (i = 0; i < payload; i++)
		put8(f, (uint8_t)i);
	ipv4_finish(f);
}

static struct weir_addrs
owned(void)
{
	struct weir_addrs s;

	memset(&s, 0, sizeof(s));
	s.a[0] = (struct weir_addr){.family = 4, .kind = WEIR_ADDR_VIP};
	memcpy(s.a[0].ip, VIP4, 4);
	s.a[1] = (struct weir_addr){.family = 6, .kind = WEIR_ADDR_VIP};
	memcpy(s.a[1].ip, VIP6, 16);
	s.a[2] = (struct weir_addr){.family = 4, .kind = WEIR_ADDR_LOCAL, .prefix = 24};
	memcpy(s.a[2].ip, LOCAL4, 4);
	s.a[3] = (struct weir_addr){.family = 6, .kind = WEIR_ADDR_LOCAL, .prefix = 64};
	memcpy(s.a[3].ip, LOCAL6, 16);
	s.n = 4;
	return s;
}

/* Parse an exact-length heap copy: any read past the frame is an ASan error. */
static enum weir_pkt_drop
parse_exact(const uint8_t *b, size_t len, struct weir_pkt *p)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum weir_pkt_drop d;

	assert_non_null(copy);
	memcpy(copy, b, len);
	d = weir_pkt_parse(copy, len, p);
	free(copy);
	return d;
}

static enum weir_pkt_drop
parse_frame(const struct frame *f, struct weir_pkt *p)
{
	return parse_exact(f->b, f->len, p);
}

/* Parse and answer in a heap buffer of exactly cap bytes; returns the verdict. */
static enum weir_pkt_verdict
respond(struct frame *f, size_t cap, size_t *out_len, enum weir_pkt_drop *why)
{
	struct weir_addrs set = owned();
	struct weir_pkt p;
	enum weir_pkt_verdict v;
	uint8_t *buf;

	assert_true(cap >= f->len && cap <= sizeof(f->b));
	buf = malloc(cap);
	assert_non_null(buf);
	memcpy(buf, f->b, f->len);
	assert_int_equal(weir_pkt_parse(buf, f->len, &p), WEIR_PKT_DROP_NONE);
	*out_len = 0;
	*why = WEIR_PKT_DROP__MAX;
	v = weir_pkt_respond(buf, f->len, cap, &p, &set, MAC, out_len, why);
	if (v == WEIR_VERDICT_TX) {
		assert_true(*out_len <= cap);
		memcpy(f->b, buf, *out_len);
		f->len = *out_len;
	}
	free(buf);
	return v;
}

static enum weir_pkt_drop
respond_drop(struct frame *f)
{
	enum weir_pkt_drop why;
	size_t out;

	assert_int_equal(respond(f, f->len, &out, &why), WEIR_VERDICT_DROP);
	return why;
}

/* ---- checksum ------------------------------------------------------------- */

static void
test_csum_rfc1071(void **state)
{
	/* RFC 1071 section 3's example: the sum of these words is 0xddf2. */
	static const uint8_t d[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	uint8_t odd[3] = {0x12, 0x34, 0x56};
	uint8_t big[70000];

	(void)state;
	assert_int_equal(weir_csum_fold(weir_csum_add(d, 8, 0)), (uint16_t)~0xddf2);
	/* Split anywhere on an even boundary: same sum. */
	assert_int_equal(weir_csum_fold(weir_csum_add(d + 4, 4, weir_csum_add(d, 4, 0))),
			 (uint16_t)~0xddf2);
	/* An odd tail is padded with a zero byte. */
	assert_int_equal(weir_csum_fold(weir_csum_add(odd, 3, 0)), (uint16_t) ~(0x1234 + 0x5600));
	/* No 32-bit overflow on a long run of 0xffff words. */
	memset(big, 0xff, sizeof(big));
	assert_int_equal(weir_csum_fold(weir_csum_add(big, sizeof(big), 0)), 0);
	assert_int_equal(weir_csum_fold(0), 0xffff);
}

/* Incremental updates against a full recomputation: random 40-byte headers
 * (an IPv6-sized pseudo header's worth), random even runs rewritten. */
static void
test_csum_update(void **state)
{
	struct weir_test_rng r;
	unsigned int round;
	uint64_t x;

	(void)state;
	weir_test_rng_init(&r, "csum_update", 0);
	for (round = 0; round < 100000; round++) {
		uint8_t d[40], old[16];
		size_t off, n, i;
		uint16_t want, got;

		weir_test_rng_fill(&r, d, sizeof(d));
		/* Runs of 0x00 and 0xff now and then: the one's-complement edges. */
		if (round % 7 == 0 || round % 11 == 0)
			memset(d, round % 7 == 0 ? 0xff : 0, sizeof(d));
		d[10] = d[11] = 0;
		set16(d + 10, weir_csum_fold(weir_csum_add(d, sizeof(d), 0)));
		x = weir_test_rng_u64(&r);
		off = 12 + 2 * (x % 8);
		n = 2 * (1 + (x >> 8) % 6);
		memcpy(old, d + off, n);
		for (i = 0; i < n; i++)
			d[off + i] = (uint8_t)(x >> (i % 4 * 8)) ^ (uint8_t)round;
		weir_csum_update(d + 10, old, d + off, n);
		got = (uint16_t)(d[10] << 8 | d[11]);
		/* The updated header verifies, and matches a full recomputation
		 * (up to the two encodings of zero, 0x0000 and 0xffff). */
		assert_int_equal(weir_csum_fold(weir_csum_add(d, sizeof(d), 0)), 0);
		d[10] = d[11] = 0;
		want = weir_csum_fold(weir_csum_add(d, sizeof(d), 0));
		if (got != want)
			assert_true((got == 0 && want == 0xffff) || (got == 0xffff && want == 0));
	}
}

/* ---- names ---------------------------------------------------------------- */

static void
test_drop_names(void **state)
{
	unsigned int i, j;

	(void)state;
	assert_string_equal(weir_pkt_drop_name(WEIR_PKT_DROP_NONE), "none");
	assert_string_equal(weir_pkt_drop_name(WEIR_PKT_DROP_IPV6_EXT_TRUNC), "ipv6_ext_trunc");
	assert_string_equal(weir_pkt_drop_name(WEIR_PKT_DROP__MAX), "unknown");
	assert_string_equal(weir_pkt_drop_name((enum weir_pkt_drop) - 1), "unknown");
	for (i = 0; i < WEIR_PKT_DROP__MAX; i++) {
		const char *n = weir_pkt_drop_name(i);

		assert_non_null(n);
		assert_string_not_equal(n, "unknown");
		assert_true(strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(n));
		for (j = 0; j < i; j++)
			assert_string_not_equal(n, weir_pkt_drop_name(j));
	}
}

/* ---- Ethernet and VLAN ---------------------------------------------------- */

static void
test_runt(void **state)
{
	struct frame f;
	struct weir_pkt p;
	size_t n;

	(void)state;
	echo4(&f, MAC, VIP4, 0);
	for (n = 0; n < 14; n++)
		assert_int_equal(parse_exact(f.b, n, &p), WEIR_PKT_DROP_RUNT);
	assert_int_not_equal(parse_exact(f.b, 14, &p), WEIR_PKT_DROP_RUNT);
}

static void
test_vlan(void **state)
{
	struct frame f;
	struct weir_pkt p;

	(void)state;
	eth(&f, BCAST, CMAC, 1, 0x0806);
	put(&f, (uint8_t[28]){0, 1, 8, 0, 6, 4, 0, 1}, 28);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_int_equal(p.vlan_count, 1);
	assert_int_equal(p.vlan_tci, 100);
	assert_int_equal(p.l2_len, 18);
	assert_int_equal(p.ether_type, 0x0806);
	assert_int_equal(p.l3, WEIR_L3_ARP);
	assert_true(p.flags & WEIR_PKT_F_L2_BCAST);
	assert_true(p.flags & WEIR_PKT_F_L2_MCAST);

	eth(&f, MAC, CMAC, 2, 0x0806); /* 802.1ad outer, 802.1Q inner */
	put(&f, (uint8_t[28]){0, 1, 8, 0, 6, 4, 0, 1}, 28);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_int_equal(p.vlan_count, 2);
	assert_int_equal(p.vlan_tci, 100);
	assert_int_equal(p.l2_len, 22);
	assert_int_equal(p.flags & (WEIR_PKT_F_L2_BCAST | WEIR_PKT_F_L2_MCAST), 0);

	eth(&f, MAC, CMAC, 3, 0x0806);
	put(&f, (uint8_t[28]){0, 1, 8, 0, 6, 4, 0, 1}, 28);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_VLAN_TOO_MANY);

	/* A tag announced but cut: 14 bytes saying 0x8100, then 3 of the 4 tag bytes. */
	eth(&f, MAC, CMAC, 1, 0x0800);
	assert_int_equal(parse_exact(f.b, 17, &p), WEIR_PKT_DROP_VLAN_TRUNC);
	assert_int_equal(parse_exact(f.b, 14, &p), WEIR_PKT_DROP_VLAN_TRUNC);
	/* Tag complete, payload empty: the IPv4 parser refuses it, not the VLAN one. */
	assert_int_equal(parse_exact(f.b, 18, &p), WEIR_PKT_DROP_IPV4_TRUNC);
}

static void
test_ethertype(void **state)
{
	struct frame f;
	struct weir_pkt p;

	(void)state;
	eth(&f, MAC, CMAC, 0, 0x88cc); /* LLDP */
	put(&f, (uint8_t[46]){0}, 46);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_ETHERTYPE);
	assert_int_equal(p.ether_type, 0x88cc);
	eth(&f, MAC, CMAC, 0, 0x05dc); /* 802.3 length field */
	put(&f, (uint8_t[46]){0}, 46);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_ETHERTYPE);
}

/* ---- ARP ------------------------------------------------------------------ */

static void
test_arp_parse(void **state)
{
	struct frame f;
	struct weir_pkt p;
	static const size_t fields[] = {0, 2, 4, 5};
	size_t i;

	(void)state;
	arp(&f, BCAST, 1, CLI4, VIP4);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_int_equal(p.l3, WEIR_L3_ARP);
	assert_int_equal(p.l3_len, 28);
	assert_int_equal(parse_exact(f.b, 14 + 27, &p), WEIR_PKT_DROP_ARP_MALFORMED);
	/* htype, ptype, hlen, plen each checked. */
	for (i = 0; i < 4; i++) {
		arp(&f, BCAST, 1, CLI4, VIP4);
		f.b[14 + fields[i] + (i < 2 ? 1 : 0)] ^= 0x40;
		assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_ARP_MALFORMED);
	}
}

static void
test_arp_reply(void **state)
{
	static const uint8_t *targets[] = {VIP4, LOCAL4};
	struct frame f, req;
	enum weir_pkt_drop why;
	size_t out, i;

	(void)state;
	for (i = 0; i < 2; i++) {
		arp(&f, BCAST, 1, CLI4, targets[i]);
		put(&f, (uint8_t[18]){0}, 18); /* Ethernet padding to 60 bytes */
		req = f;
		assert_int_equal(respond(&f, f.len, &out, &why), WEIR_VERDICT_TX);
		assert_int_equal(why, WEIR_PKT_DROP_NONE);
		assert_int_equal(out, 60); /* padding kept */
		assert_memory_equal(f.b, CMAC, 6);
		assert_memory_equal(f.b + 6, MAC, 6);
		assert_int_equal(get16(f.b + 12), 0x0806);
		assert_memory_equal(f.b + 14, req.b + 14, 6); /* htype, ptype, hlen, plen */
		assert_int_equal(get16(f.b + 20), 2);
		assert_memory_equal(f.b + 22, MAC, 6);
		assert_memory_equal(f.b + 28, targets[i], 4);
		assert_memory_equal(f.b + 32, CMAC, 6);
		assert_memory_equal(f.b + 38, CLI4, 4);
	}
}

static void
test_arp_drops(void **state)
{
	struct frame f;

	(void)state;
	arp(&f, BCAST, 1, CLI4, OTHER4);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ARP_NOT_OURS);
	arp(&f, MAC, 2, CLI4, VIP4); /* a reply */
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ARP_IGNORED);
	arp(&f, BCAST, 1, VIP4, VIP4); /* gratuitous: spa == tpa */
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ARP_IGNORED);
	arp(&f, CMAC, 1, CLI4, VIP4); /* unicast to someone else */
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_L2_FOREIGN);
}

/* ---- IPv4 ----------------------------------------------------------------- */

static void
test_ipv4_parse_ok(void **state)
{
	struct frame f;
	struct weir_pkt p;

	(void)state;
	echo4(&f, MAC, VIP4, 8);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_int_equal(p.l3, WEIR_L3_IPV4);
	assert_int_equal(p.l3_len, 28);
	assert_int_equal(p.l3_total, f.len - 14);
	assert_int_equal(p.l4_off, 14 + 28);
	assert_int_equal(p.l4_len, f.len - 14 - 28);
	assert_int_equal(p.l4_proto, 1);
	assert_int_equal(p.flags, WEIR_PKT_F_IPV4_OPTS);

	/* Ethernet padding after the IP packet is not part of it. */
	tcp4(&f, VIP4, 5, 0);
	put(&f, (uint8_t[6]){0}, 6);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_int_equal(p.l3_total, 40);
	assert_int_equal(p.l4_len, 20);
	assert_int_equal(p.l4_proto, 6);
	assert_int_equal(p.flags, 0);

	/* TCP options inside data offset; UDP with exact length. */
	tcp4(&f, VIP4, 8, 12);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	udp4(&f, VIP4, 0, 0);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_int_equal(p.l4_len, 8);
}

static void
test_ipv4_bad(void **state)
{
	struct frame f;
	struct weir_pkt p;

	(void)state;
	echo4(&f, MAC, VIP4, 0);
	assert_int_equal(parse_exact(f.b, 14 + 19, &p), WEIR_PKT_DROP_IPV4_TRUNC);

	echo4(&f, MAC, VIP4, 0);
	f.b[14] = 0x65; /* version 6 under EtherType IPv4 */
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV4_BAD_VERSION);

	echo4(&f, MAC, VIP4, 0);
	f.b[14] = 0x44; /* IHL 4 */
	ipv4_csum(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV4_BAD_IHL);

	echo4(&f, MAC, VIP4, 0);
	f.b[14] = 0x40; /* IHL 0 */
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV4_BAD_IHL);

	/* IHL 15 (60 bytes) in a 37-byte IP packet. */
	echo4(&f, MAC, VIP4, 0);
	f.b[14] = 0x4f;
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV4_TRUNC);

	echo4(&f, MAC, VIP4, 0);
	set16(f.b + 16, 19);
	ipv4_csum(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV4_BAD_LEN);

	echo4(&f, MAC, VIP4, 0);
	set16(f.b + 16, (uint16_t)(f.len - 14 + 1));
	ipv4_csum(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV4_TRUNC);

	echo4(&f, MAC, VIP4, 0);
	f.b[14 + 8] ^= 1; /* TTL changed, checksum not */
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV4_BAD_CSUM);
}

static void
test_ipv4_fragments(void **state)
{
	struct frame f;
	struct weir_pkt p;

	(void)state;
	/* First fragment (MF): flagged, not refused by the parser. */
	echo4(&f, MAC, VIP4, 0);
	set16(f.b + 14 + 6, 0x2000);
	ipv4_csum(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_true(p.flags & WEIR_PKT_F_FRAG);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_IPV4_FRAGMENT);

	/* A later fragment carries no L4 header: a 1-byte payload is no L4 error. */
	ipv4(&f, MAC, CLI4, VIP4, 6, 0);
	put8(&f, 0xaa);
	ipv4_finish(&f);
	set16(f.b + 14 + 6, 185);
	ipv4_csum(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_true(p.flags & WEIR_PKT_F_FRAG);
	assert_int_equal(p.l4_len, 1);

	/* DF alone is not a fragment. */
	echo4(&f, MAC, VIP4, 0);
	set16(f.b + 14 + 6, 0x4000);
	ipv4_csum(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_false(p.flags & WEIR_PKT_F_FRAG);
}

/* Options as a receiving host reads them: well formed, and none that
 * records or chooses the route. */
static void
test_ipv4_options(void **state)
{
	static const struct {
		const char *what;
		uint8_t opt[12];
		size_t n; /* a multiple of 4 */
		enum weir_pkt_drop want;
	} cases[] = {
		{"router alert", {148, 4, 0, 0}, 4, WEIR_PKT_DROP_NONE},
		{"NOPs and the end of the list", {1, 1, 1, 0}, 4, WEIR_PKT_DROP_NONE},
		{"timestamp", {68, 12, 5, 0}, 12, WEIR_PKT_DROP_NONE},
		{"anything after the end of the list",
		 {0, 131, 7, 4, 1, 2, 3, 4},
		 8,
		 WEIR_PKT_DROP_NONE},
		{"LSRR", {131, 7, 4, 198, 18, 0, 1, 0}, 8, WEIR_PKT_DROP_IPV4_ROUTE_OPT},
		{"SSRR", {137, 7, 4, 198, 18, 0, 1, 0}, 8, WEIR_PKT_DROP_IPV4_ROUTE_OPT},
		{"RR", {7, 7, 4, 0, 0, 0, 0, 0}, 8, WEIR_PKT_DROP_IPV4_ROUTE_OPT},
		{"LSRR behind a NOP and a router alert",
		 {1, 148, 4, 0, 0, 131, 3, 4},
		 8,
		 WEIR_PKT_DROP_IPV4_ROUTE_OPT},
		{"LSRR's type in the last byte", {1, 1, 1, 131}, 4, WEIR_PKT_DROP_IPV4_ROUTE_OPT},
		{"length 0", {148, 0, 0, 0}, 4, WEIR_PKT_DROP_IPV4_BAD_OPT},
		{"length 1", {148, 1, 0, 0}, 4, WEIR_PKT_DROP_IPV4_BAD_OPT},
		{"length beyond the header", {148, 8, 0, 0}, 4, WEIR_PKT_DROP_IPV4_BAD_OPT},
		{"a type without its length", {1, 1, 1, 148}, 4, WEIR_PKT_DROP_IPV4_BAD_OPT},
		{"a bad length before an LSRR",
		 {68, 0, 131, 3, 4, 0, 0, 0},
		 8,
		 WEIR_PKT_DROP_IPV4_BAD_OPT},
	};
	struct frame f;
	struct weir_pkt p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		echo4(&f, MAC, VIP4, cases[i].n);
		memcpy(f.b + f.l3 + 20, cases[i].opt, cases[i].n);
		ipv4_csum(&f);
		if (parse_frame(&f, &p) != cases[i].want)
			fail_msg("%s: %s, want %s", cases[i].what,
				 weir_pkt_drop_name(parse_frame(&f, &p)),
				 weir_pkt_drop_name(cases[i].want));
	}

	/* On a TCP SYN (it would go to a backend) and on a first fragment too. */
	ipv4(&f, MAC, CLI4, VIP4, 6, 8);
	memcpy(f.b + f.l3 + 20, (uint8_t[]){131, 7, 4, 198, 18, 0, 1, 0}, 8);
	put(&f, (uint8_t[20]){0, 1, 0, 80, [12] = 0x50, [13] = 0x02}, 20);
	ipv4_finish(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV4_ROUTE_OPT);
	set16(f.b + f.l3 + 6, 0x2000);
	ipv4_csum(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV4_ROUTE_OPT);
}

static void
test_l4_checks(void **state)
{
	struct frame f;
	struct weir_pkt p;

	(void)state;
	/* TCP header shorter than 20 bytes inside a well-formed IP packet. */
	ipv4(&f, MAC, CLI4, VIP4, 6, 0);
	put(&f, (uint8_t[19]){0}, 19);
	ipv4_finish(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_L4_TRUNC);

	tcp4(&f, VIP4, 4, 0);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_TCP_BAD_DOFF);
	tcp4(&f, VIP4, 6, 3); /* 24-byte header claimed, 23 bytes present */
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_TCP_BAD_DOFF);
	tcp4(&f, VIP4, 6, 4);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);

	ipv4(&f, MAC, CLI4, VIP4, 17, 0);
	put(&f, (uint8_t[7]){0}, 7);
	ipv4_finish(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_L4_TRUNC);
	udp4(&f, VIP4, 4, 1);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_UDP_BAD_LEN);
	udp4(&f, VIP4, 4, -1);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_UDP_BAD_LEN);

	ipv4(&f, MAC, CLI4, VIP4, 1, 0);
	put(&f, (uint8_t[7]){8}, 7);
	ipv4_finish(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_L4_TRUNC);

	/* Protocols without a parser pass: the responder decides. */
	ipv4(&f, MAC, CLI4, VIP4, 47, 0);
	ipv4_finish(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_int_equal(p.l4_len, 0);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_NO_SERVICE);
}

/* The valid combinations written as rules, apart from the library's table. */
static int
tcp_flags_model(uint8_t b)
{
	int fin = b & 0x01, syn = b & 0x02, rst = b & 0x04, ack = b & 0x10, urg = b & 0x20;

	if (syn)
		return !fin && !rst && !(ack && urg);
	if (rst)
		return !fin && !urg;
	return ack != 0;
}

static void
test_tcp_flags(void **state)
{
	static const struct {
		const char *what;
		uint8_t flags;
		enum weir_pkt_drop want;
	} cases[] = {
		{"SYN", 0x02, WEIR_PKT_DROP_NONE},
		{"SYN with ECE and CWR (ECN setup)", 0xc2, WEIR_PKT_DROP_NONE},
		{"SYN+PSH", 0x0a, WEIR_PKT_DROP_NONE},
		{"SYN+URG", 0x22, WEIR_PKT_DROP_NONE},
		{"SYN+ACK", 0x12, WEIR_PKT_DROP_NONE},
		{"PSH+ACK", 0x18, WEIR_PKT_DROP_NONE},
		{"FIN+PSH+ACK", 0x19, WEIR_PKT_DROP_NONE},
		{"RST", 0x04, WEIR_PKT_DROP_NONE},
		{"RST+ACK", 0x14, WEIR_PKT_DROP_NONE},
		{"SYN+FIN", 0x03, WEIR_PKT_DROP_TCP_BAD_FLAGS},
		{"SYN+FIN+PSH+URG", 0x2b, WEIR_PKT_DROP_TCP_BAD_FLAGS},
		{"SYN+RST", 0x06, WEIR_PKT_DROP_TCP_BAD_FLAGS},
		{"SYN+ACK+URG", 0x32, WEIR_PKT_DROP_TCP_BAD_FLAGS},
		{"NULL", 0x00, WEIR_PKT_DROP_TCP_BAD_FLAGS},
		{"FIN alone", 0x01, WEIR_PKT_DROP_TCP_BAD_FLAGS},
		{"FIN+PSH+URG (Xmas)", 0x29, WEIR_PKT_DROP_TCP_BAD_FLAGS},
		{"RST+FIN+ACK", 0x15, WEIR_PKT_DROP_TCP_BAD_FLAGS},
		{"URG alone", 0x20, WEIR_PKT_DROP_TCP_BAD_FLAGS},
		{"every flag", 0xff, WEIR_PKT_DROP_TCP_BAD_FLAGS},
	};
	struct frame f;
	struct weir_pkt p;
	unsigned int b, n_valid = 0;
	size_t i;

	(void)state;
	for (b = 0; b < 256; b++) {
		if (weir_pkt_tcp_flags_valid((uint8_t)b) != tcp_flags_model((uint8_t)b))
			fail_msg("flags %#04x: valid %d, want %d", b,
				 weir_pkt_tcp_flags_valid((uint8_t)b), tcp_flags_model((uint8_t)b));
		n_valid += (unsigned int)tcp_flags_model((uint8_t)b);
	}
	/* 9 combinations, each with any of PSH, ECE and CWR. */
	assert_int_equal(n_valid, 9 * 8);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tcp4(&f, VIP4, 5, 0);
		f.b[f.l4 + 13] = cases[i].flags;
		if (parse_frame(&f, &p) != cases[i].want)
			fail_msg("%s: %s, want %s", cases[i].what,
				 weir_pkt_drop_name(parse_frame(&f, &p)),
				 weir_pkt_drop_name(cases[i].want));
	}
	/* Over IPv6 too. */
	ipv6(&f, MAC, CLI6, VIP6, 6, 64);
	put(&f, (uint8_t[20]){0x9c, 0x40, 0, 80, [12] = 0x50, [13] = 0x03}, 20);
	ipv6_finish(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_TCP_BAD_FLAGS);
	f.b[f.l4 + 13] = 0x02;
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
}

static void
test_echo4_reply(void **state)
{
	static const uint8_t *dsts[] = {VIP4, LOCAL4};
	struct frame f, req;
	enum weir_pkt_drop why;
	size_t out, i, nopt;

	(void)state;
	for (i = 0; i < 2; i++) {
		for (nopt = 0; nopt <= 40; nopt += 40) {
			echo4(&f, MAC, dsts[i], nopt);
			req = f;
			assert_int_equal(respond(&f, f.len, &out, &why), WEIR_VERDICT_TX);
			assert_int_equal(out, req.len);
			assert_memory_equal(f.b, CMAC, 6);
			assert_memory_equal(f.b + 6, MAC, 6);
			assert_memory_equal(f.b + 12, req.b + 12, 2);
			/* IPv4: same header but addresses swapped, TTL 64, valid checksum. */
			assert_memory_equal(f.b + 14, req.b + 14, 8);
			assert_int_equal(f.b[14 + 8], 64);
			assert_int_equal(f.b[14 + 9], 1);
			assert_memory_equal(f.b + 14 + 12, dsts[i], 4);
			assert_memory_equal(f.b + 14 + 16, CLI4, 4);
			assert_memory_equal(f.b + 34, req.b + 34, nopt);
			assert_int_equal(weir_csum_fold(weir_csum_add(f.b + 14, 20 + nopt, 0)), 0);
			/* ICMP: type 0, same id/seq/data, valid checksum. */
			assert_int_equal(f.b[f.l4], 0);
			assert_int_equal(f.b[f.l4 + 1], 0);
			assert_memory_equal(f.b + f.l4 + 4, req.b + f.l4 + 4, req.len - f.l4 - 4);
			assert_int_equal(weir_csum_fold(weir_csum_add(f.b + f.l4, f.len - f.l4, 0)),
					 0);
		}
	}

	/* Ethernet padding is not echoed: the reply is the IP packet's length. */
	echo4(&f, MAC, VIP4, 0);
	req = f;
	put(&f, (uint8_t[20]){0}, 20);
	assert_int_equal(respond(&f, f.len, &out, &why), WEIR_VERDICT_TX);
	assert_int_equal(out, req.len);

	/* Broadcast destination MAC is still answered (it is not a foreign unicast). */
	echo4(&f, BCAST, VIP4, 0);
	assert_int_equal(respond(&f, f.len, &out, &why), WEIR_VERDICT_TX);
}

static void
test_echo4_drops(void **state)
{
	struct frame f;

	(void)state;
	echo4(&f, MAC, OTHER4, 0);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_NOT_OURS);

	echo4(&f, CMAC, VIP4, 0);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_L2_FOREIGN);

	echo4(&f, MAC, VIP4, 0);
	f.b[f.l4 + 8] ^= 0xff; /* payload changed, checksum not */
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ICMP_BAD_CSUM);

	echo4(&f, MAC, VIP4, 0);
	f.b[f.l4] = 13; /* timestamp request */
	icmp_csum(&f);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ICMP_UNHANDLED);

	echo4(&f, MAC, VIP4, 0);
	f.b[f.l4 + 1] = 1; /* echo with a non-zero code */
	icmp_csum(&f);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ICMP_UNHANDLED);

	tcp4(&f, VIP4, 5, 0);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_NO_SERVICE);
	udp4(&f, OTHER4, 0, 0);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_NOT_OURS);
}

/* ---- IPv6 ----------------------------------------------------------------- */

static void
test_ipv6_parse(void **state)
{
	struct frame f;
	struct weir_pkt p;

	(void)state;
	echo6(&f, VIP6);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_int_equal(p.l3, WEIR_L3_IPV6);
	assert_int_equal(p.l3_len, 40);
	assert_int_equal(p.l4_proto, 58);
	assert_int_equal(p.l4_off, 54);
	assert_int_equal(p.flags, 0);

	assert_int_equal(parse_exact(f.b, 14 + 39, &p), WEIR_PKT_DROP_IPV6_TRUNC);

	echo6(&f, VIP6);
	f.b[14] = 0x40;
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV6_BAD_VERSION);

	echo6(&f, VIP6);
	set16(f.b + 14 + 4, (uint16_t)(f.len - 54 + 1)); /* payload longer than the frame */
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV6_TRUNC);

	/* Hop-by-hop (8 bytes), destination options (24 bytes), then ICMPv6. */
	ipv6(&f, MAC, CLI6, VIP6, 0, 64);
	ipv6_ext(&f, 60, 0);
	ipv6_ext(&f, 58, 2);
	echo6_body(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_int_equal(p.l3_len, 40 + 8 + 24);
	assert_int_equal(p.l4_off, 14 + 72);
	assert_int_equal(p.l4_proto, 58);
	assert_int_equal(p.flags, WEIR_PKT_F_IPV6_EXT);

	/* Authentication header: length in 4-byte units, minus 2. */
	ipv6(&f, MAC, CLI6, VIP6, 51, 64);
	put8(&f, 17);
	put8(&f, 4); /* (4 + 2) * 4 = 24 bytes */
	put(&f, (uint8_t[22]){0}, 22);
	f.l4 = f.len;
	put16(&f, 1);
	put16(&f, 2);
	put16(&f, 8);
	put16(&f, 0);
	ipv6_finish(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_int_equal(p.l3_len, 64);
	assert_int_equal(p.l4_proto, 17);
	assert_int_equal(p.l4_len, 8);
}

static void
test_ipv6_ext_bad(void **state)
{
	struct frame f;
	struct weir_pkt p;
	int i;

	(void)state;
	/* A destination-options header claiming 16 bytes in an 8-byte payload. */
	ipv6(&f, MAC, CLI6, VIP6, 60, 64);
	ipv6_ext(&f, 59, 0);
	f.b[54 + 1] = 1;
	ipv6_finish(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV6_EXT_TRUNC);

	/* Next header says hop-by-hop, payload empty / one byte. */
	ipv6(&f, MAC, CLI6, VIP6, 0, 64);
	ipv6_finish(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV6_EXT_TRUNC);
	put8(&f, 58);
	ipv6_finish(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV6_EXT_TRUNC);

	/* The chain ends inside the payload length but the frame is longer: still checked
	 * against the payload length, not the frame. */
	ipv6(&f, MAC, CLI6, VIP6, 60, 64);
	ipv6_ext(&f, 59, 1);
	set16(f.b + 14 + 4, 8);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV6_EXT_TRUNC);

	/* Exactly WEIR_PKT_MAX_IPV6_EXT headers pass; one more is refused. */
	ipv6(&f, MAC, CLI6, VIP6, 60, 64);
	for (i = 0; i < WEIR_PKT_MAX_IPV6_EXT; i++)
		ipv6_ext(&f, i + 1 < WEIR_PKT_MAX_IPV6_EXT ? 60 : 59, 0);
	ipv6_finish(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_int_equal(p.l4_proto, 59);
	ipv6(&f, MAC, CLI6, VIP6, 60, 64);
	for (i = 0; i <= WEIR_PKT_MAX_IPV6_EXT; i++)
		ipv6_ext(&f, i < WEIR_PKT_MAX_IPV6_EXT ? 60 : 59, 0);
	ipv6_finish(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV6_EXT_LIMIT);
}

static void
test_ipv6_fragments(void **state)
{
	struct frame f;
	struct weir_pkt p;

	(void)state;
	/* First fragment (offset 0, M set): walked through, flagged. */
	ipv6(&f, MAC, CLI6, VIP6, 44, 64);
	put8(&f, 58);
	put8(&f, 0);
	put16(&f, 0x0001);
	put(&f, "\0\0\0\1", 4);
	f.l4 = f.len;
	echo6_body(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_true(p.flags & WEIR_PKT_F_FRAG);
	assert_true(p.flags & WEIR_PKT_F_IPV6_EXT);
	assert_int_equal(p.l4_proto, 58);
	assert_int_equal(p.l4_off, 14 + 48);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_IPV6_FRAGMENT);

	/* A later fragment: 3 bytes of payload, no L4 header, no error. */
	ipv6(&f, MAC, CLI6, VIP6, 44, 64);
	put8(&f, 6);
	put8(&f, 0);
	put16(&f, 0x0008); /* offset 1 (8 bytes) */
	put(&f, "\0\0\0\1", 4);
	put(&f, "abc", 3);
	ipv6_finish(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_int_equal(p.l4_proto, 6);
	assert_int_equal(p.l4_len, 3);
	assert_true(p.flags & WEIR_PKT_F_FRAG);
}

/* A routing header of the given type with one address, then an echo request. */
static void
echo6_routed(struct frame *f, int hbh, uint8_t type, uint8_t segleft)
{
	ipv6(f, MAC, CLI6, VIP6, hbh ? 0 : 43, 64);
	if (hbh)
		ipv6_ext(f, 43, 0);
	put8(f, 58);
	put8(f, 2); /* 8 + 16 bytes */
	put8(f, type);
	put8(f, segleft);
	put(f, (uint8_t[4]){0}, 4);
	put(f, OTHER6, 16);
	f->l4 = f->len;
	echo6_body(f);
}

static void
test_ipv6_rh0(void **state)
{
	struct frame f;
	struct weir_pkt p;

	(void)state;
	/* Type 0 with addresses left to visit, or none (RFC 5095 deprecates it outright). */
	echo6_routed(&f, 0, 0, 1);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV6_RH0);
	echo6_routed(&f, 0, 0, 0);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV6_RH0);
	/* Behind a hop-by-hop header. */
	echo6_routed(&f, 1, 0, 1);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_IPV6_RH0);
	/* Other routing types pass (2: mobile IPv6, 4: segment routing). */
	echo6_routed(&f, 0, 2, 1);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_int_equal(p.l3_len, 40 + 24);
	echo6_routed(&f, 1, 4, 0);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	assert_int_equal(p.l4_proto, 58);
}

static void
check_echo6_reply(const struct frame *f, const uint8_t *vip)
{
	size_t n = f->len - 54;

	assert_memory_equal(f->b, CMAC, 6);
	assert_memory_equal(f->b + 6, MAC, 6);
	assert_int_equal(get16(f->b + 12), 0x86dd);
	assert_int_equal(f->b[14] >> 4, 6);
	assert_int_equal(get16(f->b + 18), n);
	assert_int_equal(f->b[20], 58);
	assert_int_equal(f->b[21], 64);
	assert_memory_equal(f->b + 22, vip, 16);
	assert_memory_equal(f->b + 38, CLI6, 16);
	assert_int_equal(f->b[54], 129);
	assert_int_equal(f->b[55], 0);
	assert_memory_equal(f->b + 58, "\0\7\0\1weir-echo6", 14);
	assert_int_equal(weir_csum_fold(weir_csum_add(f->b + 54, n, pseudo6(f->b + 14, n, 58))), 0);
}

static void
test_echo6_reply(void **state)
{
	struct frame f;
	enum weir_pkt_drop why;
	size_t out;

	(void)state;
	echo6(&f, VIP6);
	assert_int_equal(respond(&f, f.len, &out, &why), WEIR_VERDICT_TX);
	assert_int_equal(out, 54 + 18);
	check_echo6_reply(&f, VIP6);

	echo6(&f, LOCAL6);
	assert_int_equal(respond(&f, f.len, &out, &why), WEIR_VERDICT_TX);
	check_echo6_reply(&f, LOCAL6);

	/* With extension headers: the reply drops them and moves the message up. */
	ipv6(&f, MAC, CLI6, VIP6, 0, 64);
	ipv6_ext(&f, 60, 0);
	ipv6_ext(&f, 58, 1);
	echo6_body(&f);
	assert_int_equal(respond(&f, f.len, &out, &why), WEIR_VERDICT_TX);
	assert_int_equal(out, 54 + 18);
	check_echo6_reply(&f, VIP6);
}

static void
test_echo6_drops(void **state)
{
	struct frame f;

	(void)state;
	echo6(&f, OTHER6);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_NOT_OURS);

	echo6(&f, VIP6);
	f.b[60] ^= 1;
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ICMP_BAD_CSUM);

	echo6(&f, VIP6);
	f.b[54] = 133; /* router solicitation */
	icmp6_csum(&f);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ICMP_UNHANDLED);

	ipv6(&f, MAC, CLI6, VIP6, 17, 64);
	put16(&f, 1);
	put16(&f, 2);
	put16(&f, 8);
	put16(&f, 0);
	ipv6_finish(&f);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_NO_SERVICE);
}

/* ---- neighbour discovery -------------------------------------------------- */

static void
check_na(const struct frame *f, const uint8_t *dst_mac, const uint8_t *dst_ip,
	 const uint8_t *target, uint8_t flags)
{
	assert_int_equal(f->len, 14 + 40 + 32);
	assert_memory_equal(f->b, dst_mac, 6);
	assert_memory_equal(f->b + 6, MAC, 6);
	assert_int_equal(get16(f->b + 12), 0x86dd);
	assert_int_equal(get16(f->b + 14), 0x6000);
	assert_int_equal(get16(f->b + 16), 0);
	assert_int_equal(get16(f->b + 18), 32);
	assert_int_equal(f->b[20], 58);
	assert_int_equal(f->b[21], 255);
	assert_memory_equal(f->b + 22, target, 16);
	assert_memory_equal(f->b + 38, dst_ip, 16);
	assert_int_equal(f->b[54], 136);
	assert_int_equal(f->b[55], 0);
	assert_int_equal(f->b[58], flags);
	assert_memory_equal(f->b + 59, "\0\0\0", 3);
	assert_memory_equal(f->b + 62, target, 16);
	assert_int_equal(f->b[78], 2); /* target link-layer address option */
	assert_int_equal(f->b[79], 1);
	assert_memory_equal(f->b + 80, MAC, 6);
	assert_int_equal(weir_csum_fold(weir_csum_add(f->b + 54, 32, pseudo6(f->b + 14, 32, 58))),
			 0);
}

static void
test_nd_answers(void **state)
{
	static const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
	struct frame f;
	enum weir_pkt_drop why;
	size_t out;

	(void)state;
	/* Address resolution: answered to the SLLA, solicited + override. */
	ns(&f, CLI6, SOLICITED_VIP6, VIP6, 1, 255);
	assert_int_equal(respond(&f, 14 + 40 + 32, &out, &why), WEIR_VERDICT_TX);
	check_na(&f, CMAC, CLI6, VIP6, 0x60);

	/* Without SLLA (unicast NS, e.g. unreachability detection): to the frame's source. */
	ns(&f, CLI6, LOCAL6, LOCAL6, 0, 255);
	memcpy(f.b, MAC, 6);
	assert_int_equal(respond(&f, 14 + 40 + 32, &out, &why), WEIR_VERDICT_TX);
	check_na(&f, CMAC, CLI6, LOCAL6, 0x60);

	/* Duplicate address detection: to all nodes, override only. */
	ns(&f, UNSPEC6, SOLICITED_VIP6, VIP6, 0, 255);
	assert_int_equal(respond(&f, 14 + 40 + 32, &out, &why), WEIR_VERDICT_TX);
	check_na(&f, all_nodes_mac, all_nodes, VIP6, 0x20);

	/* No room in the segment for the longer answer. */
	ns(&f, CLI6, SOLICITED_VIP6, VIP6, 0, 255);
	assert_int_equal(respond(&f, f.len, &out, &why), WEIR_VERDICT_DROP);
	assert_int_equal(why, WEIR_PKT_DROP_MULTISEG);
}

static void
test_nd_malformed(void **state)
{
	static const uint8_t mcast_target[16] = {0xff, 0x02, [15] = 1};
	struct frame f;

	(void)state;
	ns(&f, CLI6, SOLICITED_VIP6, VIP6, 1, 254); /* routed: hop limit not 255 */
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ND_MALFORMED);

	ns(&f, CLI6, SOLICITED_VIP6, VIP6, 1, 255);
	f.b[55] = 1; /* code */
	icmp6_csum(&f);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ND_MALFORMED);

	ns(&f, CLI6, SOLICITED_VIP6, mcast_target, 1, 255);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ND_MALFORMED);

	ns(&f, CLI6, SOLICITED_VIP6, VIP6, 1, 255);
	f.b[54 + 25] = 0; /* option length 0 */
	icmp6_csum(&f);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ND_MALFORMED);

	ns(&f, CLI6, SOLICITED_VIP6, VIP6, 1, 255);
	f.b[54 + 25] = 2; /* option runs off the message */
	icmp6_csum(&f);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ND_MALFORMED);

	/* An NS shorter than its fixed part (8 + 16 bytes). */
	ns(&f, CLI6, SOLICITED_VIP6, VIP6, 0, 255);
	f.len -= 1;
	ipv6_finish(&f);
	icmp6_csum(&f);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ND_MALFORMED);

	/* DAD must go to a solicited-node address and carry no SLLA. */
	ns(&f, UNSPEC6, VIP6, VIP6, 0, 255);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ND_MALFORMED);
	ns(&f, UNSPEC6, SOLICITED_VIP6, VIP6, 1, 255);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ND_MALFORMED);

	/* Well formed but for an address we do not own. */
	ns(&f, CLI6, SOLICITED_VIP6, OTHER6, 1, 255);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_NOT_OURS);

	/* Bad checksum on an NS. */
	ns(&f, CLI6, SOLICITED_VIP6, VIP6, 1, 255);
	f.b[54 + 8] ^= 0x80;
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ICMP_BAD_CSUM);
}

/* ---- truncation sweep ----------------------------------------------------- */

/* Every strict prefix of a well-formed frame is refused, without reading past it. */
static void
sweep(const struct frame *f)
{
	struct weir_pkt p;
	size_t n;

	assert_int_equal(parse_frame(f, &p), WEIR_PKT_DROP_NONE);
	for (n = 0; n < f->len; n++)
		assert_int_not_equal(parse_exact(f->b, n, &p), WEIR_PKT_DROP_NONE);
}

static void
test_truncation_sweep(void **state)
{
	struct frame f;
	int v;

	(void)state;
	arp(&f, BCAST, 1, CLI4, VIP4);
	sweep(&f);
	echo4(&f, MAC, VIP4, 40);
	sweep(&f);
	tcp4(&f, VIP4, 15, 40);
	sweep(&f);
	udp4(&f, VIP4, 10, 0);
	sweep(&f);
	echo6(&f, VIP6);
	sweep(&f);
	ns(&f, CLI6, SOLICITED_VIP6, VIP6, 1, 255);
	sweep(&f);
	ipv6(&f, MAC, CLI6, VIP6, 0, 64);
	ipv6_ext(&f, 43, 0);
	ipv6_ext(&f, 60, 3);
	ipv6_ext(&f, 58, 0);
	echo6_body(&f);
	sweep(&f);
	for (v = 1; v <= 2; v++) {
		eth(&f, MAC, CMAC, v, 0x0806);
		put(&f, (uint8_t[28]){0, 1, 8, 0, 6, 4, 0, 1}, 28);
		sweep(&f);
	}
}

/* A random frame of 0-127 bytes, most of it close to well formed so that the
 * parser gets past each check in turn: EtherType, VLAN tags, then ARP's
 * fixed fields, or an IPv4 header with a total length inside the frame and
 * its checksum fixed after the randomising, or an IPv6 header with a chain
 * of extension headers, then TCP's data offset or UDP's length. What was
 * written is kept to check the parser's report against. */
struct garbage {
	uint8_t b[128];
	size_t len;
	uint16_t type;	    /* innermost EtherType */
	unsigned int vlans; /* tags written */
	size_t l3;	    /* where the L3 header starts */
};

static int
one_in(struct weir_test_rng *r, uint64_t n)
{
	return weir_test_rng_below(r, n) == 0;
}

/* An L4 protocol: TCP, UDP, ICMP (58 for IPv6), GRE, no next header, or any. */
static uint8_t
garbage_proto(struct weir_test_rng *r, int v6)
{
	static const uint8_t protos[] = {6, 6, 17, 17, 1, 1, 47, 59};
	uint8_t p = protos[weir_test_rng_below(r, sizeof(protos))];

	if (one_in(r, 8))
		return (uint8_t)weir_test_rng_u64(r);
	return p == 1 && v6 ? 58 : p;
}

/* Make the L4 header at o agree with an IP packet ending at end, often. */
static void
garbage_l4(struct garbage *g, struct weir_test_rng *r, uint8_t proto, size_t o, size_t end)
{
	/* The flags a TCP sends (test_tcp_flags), before PSH, ECE and CWR. */
	static const uint8_t flags[] = {0x02, 0x22, 0x12, 0x04, 0x14, 0x11, 0x31, 0x10, 0x30};

	if (o + 14 > sizeof(g->b) || end < o || one_in(r, 4))
		return;
	if (proto == 17) {
		set16(g->b + o + 4, (uint16_t)(end - o));
	} else if (proto == 6) {
		/* A data offset within the segment when it can be, else any. */
		size_t most = end - o >= 20 ? (end - o) / 4 : 15;

		g->b[o + 12] =
			(uint8_t)((5 + weir_test_rng_below(r, (most < 15 ? most : 15) - 4)) << 4);
		/* Flags a TCP sends, 7 times in 8; else any. */
		if (!one_in(r, 8))
			g->b[o + 13] = flags[weir_test_rng_below(r, sizeof(flags))] |
				       (uint8_t)(weir_test_rng_u64(r) & 0xc8);
	}
}

/* IPv4 options, well formed 7 times in 8: NOPs, options of any length that
 * fits (router alert, timestamp, now and then one that routes), up to the
 * end of the list, after which anything goes. Else left random. */
static void
garbage_opts(uint8_t *o, size_t n, struct weir_test_rng *r)
{
	static const uint8_t route[] = {131, 137, 7};
	size_t i = 0, len;
	uint64_t k;

	if (one_in(r, 8))
		return;
	while (i < n) {
		k = weir_test_rng_below(r, 16);
		if (k == 0) {
			o[i] = 0;
			return;
		}
		if (k < 6 || n - i < 2) {
			o[i++] = 1;
			continue;
		}
		len = 2 + weir_test_rng_below(r, n - i - 1);
		o[i] = k == 6 ? route[weir_test_rng_below(r, sizeof(route))] : k < 11 ? 148 : 68;
		o[i + 1] = (uint8_t)len;
		i += len;
	}
}

static void
garbage_ipv4(struct garbage *g, struct weir_test_rng *r)
{
	uint8_t *ip = g->b + g->l3, proto = garbage_proto(r, 0);
	size_t avail = g->len > g->l3 ? g->len - g->l3 : 0, ihl, total;

	ihl = one_in(r, 8)   ? weir_test_rng_below(r, 16)
	      : one_in(r, 2) ? 5
			     : 5 + weir_test_rng_below(r, 11);
	ip[0] = (uint8_t)(0x40 | ihl);
	if (one_in(r, 64))
		ip[0] = (uint8_t)weir_test_rng_u64(r); /* any version */
	ihl *= 4;
	if (avail >= ihl && ihl >= 20 && !one_in(r, 8))
		total = ihl + weir_test_rng_below(r, avail - ihl + 1);
	else if (ihl > 0 && one_in(r, 2))
		total = weir_test_rng_below(r, ihl); /* shorter than its header */
	else
		total = (uint16_t)weir_test_rng_u64(r);
	set16(ip + 2, (uint16_t)total);
	if (!one_in(r, 8))
		set16(ip + 6, one_in(r, 4) ? 0x4000 : 0); /* DF or nothing: not a fragment */
	ip[9] = proto;
	if (ihl > 20)
		garbage_opts(ip + 20, ihl - 20, r);
	if (ihl >= 20)
		garbage_l4(g, r, proto, g->l3 + ihl, g->l3 + total);
	if (!one_in(r, 16) && ihl >= 20) {
		set16(ip + 10, 0);
		set16(ip + 10, weir_csum_fold(weir_csum_add(ip, ihl, 0)));
	}
}

static void
garbage_ipv6(struct garbage *g, struct weir_test_rng *r)
{
	static const uint8_t ext[] = {0, 43, 44, 51, 60};
	uint8_t *ip = g->b + g->l3, proto;
	size_t nh = g->l3 + 6, off = g->l3 + 40, chain, avail, plen;
	unsigned int n, i;
	int limit;

	ip[0] = (uint8_t)(0x60 | (ip[0] & 0x0f));
	if (one_in(r, 64))
		ip[0] = (uint8_t)weir_test_rng_u64(r); /* any version */
	/* Extension headers of 8 bytes mostly, some longer, some running off
	 * anything; or a chain of 8 bytes each, one more than the parser walks,
	 * in a frame long enough to hold all but the last. */
	n = one_in(r, 2) ? 0 : (unsigned int)weir_test_rng_below(r, 9);
	limit = g->l3 + 40 + 8 * WEIR_PKT_MAX_IPV6_EXT <= sizeof(g->b) && one_in(r, 16);
	if (limit) {
		n = WEIR_PKT_MAX_IPV6_EXT + 1;
		if (g->len < g->l3 + 40 + 8 * WEIR_PKT_MAX_IPV6_EXT)
			g->len = g->l3 + 40 + 8 * WEIR_PKT_MAX_IPV6_EXT;
	}
	for (i = 0; i < n; i++) {
		uint8_t type = ext[weir_test_rng_below(r, sizeof(ext))];
		uint8_t hl = limit	     ? 0
			     : one_in(r, 16) ? (uint8_t)weir_test_rng_u64(r)
			     : one_in(r, 4)  ? (uint8_t)(1 + weir_test_rng_below(r, 2))
					     : 0;
		size_t hlen = type == 44   ? 8
			      : type == 51 ? ((size_t)hl + 2) * 4
					   : ((size_t)hl + 1) * 8;

		if (off + 8 > sizeof(g->b))
			break;
		g->b[nh] = type;
		g->b[off + 1] = hl;
		if (type == 43) /* routing type 0 (refused) 1 time in 4 */
			g->b[off + 2] =
				one_in(r, 4) ? 0 : (uint8_t)(1 + weir_test_rng_below(r, 255));
		if (type == 44) /* offset 0 mostly (M random): the walk goes on */
			set16(g->b + off + 2, one_in(r, 4) && !limit
						      ? (uint16_t)weir_test_rng_u64(r)
						      : (uint16_t)(weir_test_rng_u64(r) & 1));
		nh = off;
		off += hlen;
	}
	proto = garbage_proto(r, 1);
	g->b[nh] = proto;
	chain = off - g->l3 - 40;
	avail = g->len > g->l3 + 40 ? g->len - g->l3 - 40 : 0;
	if (limit)
		plen = avail;
	else if (one_in(r, 8) || g->len < g->l3 + 40)
		plen = (uint16_t)weir_test_rng_u64(r);
	else if (avail >= chain && !one_in(r, 4))
		plen = chain + weir_test_rng_below(r, avail - chain + 1);
	else
		plen = weir_test_rng_below(r, avail + 1);
	set16(ip + 4, (uint16_t)plen);
	garbage_l4(g, r, proto, off, g->l3 + 40 + plen);
}

static void
garbage(struct garbage *g, struct weir_test_rng *r, unsigned int i)
{
	static const uint16_t types[] = {0x0800, 0x86dd, 0x0806};
	size_t off = 12;
	unsigned int v;

	weir_test_rng_fill(r, g->b, sizeof(g->b));
	g->len = one_in(r, 128) ? weir_test_rng_below(r, 14) : 14 + weir_test_rng_below(r, 114);
	/* IPv4, IPv6, ARP, or tagged (1 tag, 2 in 4, 3 in 16: one too many). */
	g->vlans = i % 4 < 3 ? 0 : one_in(r, 4) ? (one_in(r, 4) ? 3 : 2) : 1;
	for (v = 0; v < g->vlans; v++) {
		set16(g->b + off, v == 0 && g->vlans > 1 && one_in(r, 2) ? 0x88a8 : 0x8100);
		off += 4;
	}
	g->type = g->vlans == 0 ? types[i % 4] : types[weir_test_rng_below(r, 3)];
	if (one_in(r, 32))
		g->type = (uint16_t)weir_test_rng_u64(r); /* some other EtherType */
	set16(g->b + off, g->type);
	g->l3 = off + 2;
	if (g->type == 0x0800)
		garbage_ipv4(g, r);
	else if (g->type == 0x86dd)
		garbage_ipv6(g, r);
	else if (g->type == 0x0806 && !one_in(r, 8))
		memcpy(g->b + g->l3, "\x00\x01\x08\x00\x06\x04", 6);
}

/* IPv4 options a host acts on: well formed, and none that routes. */
static int
opts_ok(const uint8_t *o, size_t n)
{
	size_t i;

	for (i = 0; i < n && o[i] != 0; i += o[i] == 1 ? 1 : o[i + 1])
		if (o[i] == 131 || o[i] == 137 || o[i] == 7 ||
		    (o[i] != 1 && (i + 1 >= n || o[i + 1] < 2 || o[i + 1] > n - i)))
			return 0;
	return 1;
}

/* What a successful parse reports agrees with what was written. */
static void
garbage_parsed(const struct garbage *g, const struct weir_pkt *p)
{
	const uint8_t *ip = g->b + g->l3, *l4;

	assert_int_equal(p->vlan_count, g->vlans);
	assert_int_equal(p->l2_len, g->l3);
	assert_int_equal(p->ether_type, g->type);
	if (p->l3 == WEIR_L3_ARP) {
		assert_int_equal(g->type, 0x0806);
		assert_int_equal(p->l3_len, 28);
		assert_true(g->l3 + 28 <= g->len);
		return;
	}
	if (p->l3 == WEIR_L3_IPV4) {
		assert_int_equal(g->type, 0x0800);
		assert_int_equal(ip[0] >> 4, 4);
		assert_int_equal(p->l3_len, (ip[0] & 0xf) * 4);
		assert_int_equal(p->l3_total, get16(ip + 2));
		assert_int_equal(p->l4_proto, ip[9]);
		assert_int_equal(weir_csum_fold(weir_csum_add(ip, p->l3_len, 0)), 0);
		assert_int_equal(!!(p->flags & WEIR_PKT_F_IPV4_OPTS), p->l3_len > 20);
		assert_true(opts_ok(ip + 20, p->l3_len - 20u));
		assert_int_equal(!!(p->flags & WEIR_PKT_F_FRAG), (get16(ip + 6) & 0x3fff) != 0);
	} else {
		assert_int_equal(p->l3, WEIR_L3_IPV6);
		assert_int_equal(g->type, 0x86dd);
		assert_int_equal(ip[0] >> 4, 6);
		assert_int_equal(p->l3_total, 40 + get16(ip + 4));
		assert_true(p->l3_len >= 40);
		assert_int_equal(!!(p->flags & WEIR_PKT_F_IPV6_EXT), p->l3_len > 40);
	}
	/* The IP packet lies in the frame, and the L4 part is its rest. */
	assert_true((size_t)p->l2_len + p->l3_total <= g->len);
	assert_int_equal(p->l4_off, p->l2_len + p->l3_len);
	assert_true(p->l3_len <= p->l3_total);
	assert_int_equal(p->l4_len, p->l3_total - p->l3_len);
	if (p->flags & WEIR_PKT_F_FRAG)
		return;
	l4 = g->b + p->l4_off;
	if (p->l4_proto == 6) {
		assert_true(p->l4_len >= 20);
		assert_true(l4[12] >> 4 >= 5 && (size_t)(l4[12] >> 4) * 4 <= p->l4_len);
		assert_true(tcp_flags_model(l4[13]));
	} else if (p->l4_proto == 17) {
		assert_true(p->l4_len >= 8);
		assert_int_equal(get16(l4 + 4), p->l4_len);
	} else if (p->l4_proto == 1 || p->l4_proto == 58) {
		assert_true(p->l4_len >= 8);
	}
}

/* Random frames (above) on exact-length heap copies: whatever the verdict,
 * nothing is read past the end (ASan), the verdict is one of the parser's
 * reasons, and a frame that parses is reported as written. Enough of them
 * parse, of every kind, and every reason the parser gives is reached, for
 * that to mean something. */
static void
test_parse_garbage(void **state)
{
	static const enum weir_pkt_drop reasons[] = {
		WEIR_PKT_DROP_RUNT,
		WEIR_PKT_DROP_VLAN_TRUNC,
		WEIR_PKT_DROP_VLAN_TOO_MANY,
		WEIR_PKT_DROP_ETHERTYPE,
		WEIR_PKT_DROP_ARP_MALFORMED,
		WEIR_PKT_DROP_IPV4_TRUNC,
		WEIR_PKT_DROP_IPV4_BAD_VERSION,
		WEIR_PKT_DROP_IPV4_BAD_IHL,
		WEIR_PKT_DROP_IPV4_BAD_LEN,
		WEIR_PKT_DROP_IPV4_BAD_CSUM,
		WEIR_PKT_DROP_IPV4_BAD_OPT,
		WEIR_PKT_DROP_IPV4_ROUTE_OPT,
		WEIR_PKT_DROP_IPV6_TRUNC,
		WEIR_PKT_DROP_IPV6_BAD_VERSION,
		WEIR_PKT_DROP_IPV6_EXT_TRUNC,
		WEIR_PKT_DROP_IPV6_EXT_LIMIT,
		WEIR_PKT_DROP_IPV6_RH0,
		WEIR_PKT_DROP_L4_TRUNC,
		WEIR_PKT_DROP_TCP_BAD_DOFF,
		WEIR_PKT_DROP_TCP_BAD_FLAGS,
		WEIR_PKT_DROP_UDP_BAD_LEN,
	};
	enum { ARP, V4, V6, VLAN, TCP, UDP, ICMP, OPTS, EXT, FRAG, N_KINDS };
	static const char *const kind[N_KINDS] = {"arp",      "ipv4",	 "ipv6", "vlan",
						  "tcp",      "udp",	 "icmp", "ipv4 options",
						  "ipv6 ext", "fragment"};
	/* About a fifth of what the default seed gives. */
	static const unsigned int min[N_KINDS] = {8000, 5000, 3000, 3000, 700,
						  1000, 1500, 2000, 900,  1500};
	unsigned int parsed[N_KINDS] = {0}, dropped[WEIR_PKT_DROP__MAX] = {0}, ok = 0, i, k;
	struct weir_test_rng r;
	struct garbage g;
	struct weir_pkt p;

	(void)state;
	weir_test_rng_init(&r, "parse_garbage", 0);
	for (i = 0; i < 200000; i++) {
		enum weir_pkt_drop d;

		garbage(&g, &r, i);
		d = parse_exact(g.b, g.len, &p);
		assert_true(d < WEIR_PKT_DROP__MAX);
		dropped[d]++;
		if (d != WEIR_PKT_DROP_NONE)
			continue;
		garbage_parsed(&g, &p);
		ok++;
		parsed[ARP] += p.l3 == WEIR_L3_ARP;
		parsed[V4] += p.l3 == WEIR_L3_IPV4;
		parsed[V6] += p.l3 == WEIR_L3_IPV6;
		parsed[VLAN] += p.vlan_count > 0;
		parsed[OPTS] += !!(p.flags & WEIR_PKT_F_IPV4_OPTS);
		parsed[EXT] += !!(p.flags & WEIR_PKT_F_IPV6_EXT);
		parsed[FRAG] += !!(p.flags & WEIR_PKT_F_FRAG);
		if (p.l3 != WEIR_L3_ARP && !(p.flags & WEIR_PKT_F_FRAG)) {
			parsed[TCP] += p.l4_proto == 6;
			parsed[UDP] += p.l4_proto == 17;
			parsed[ICMP] += p.l4_proto == 1 || p.l4_proto == 58;
		}
	}
	print_message("garbage: %u of 200000 frames parse:", ok);
	for (k = 0; k < N_KINDS; k++)
		print_message(" %s %u", kind[k], parsed[k]);
	print_message("\ngarbage: dropped:");
	for (k = 0; k < sizeof(reasons) / sizeof(reasons[0]); k++)
		print_message(" %s %u", weir_pkt_drop_name(reasons[k]), dropped[reasons[k]]);
	print_message("\n");
	for (k = 0; k < N_KINDS; k++)
		if (parsed[k] < min[k])
			fail_msg("only %u frames of kind %s parse, want %u", parsed[k], kind[k],
				 min[k]);
	/* Only the parser's own reasons, and each of them reached. */
	for (k = 0; k < sizeof(reasons) / sizeof(reasons[0]); k++) {
		if (dropped[reasons[k]] < 100)
			fail_msg("only %u frames dropped as %s, want 100", dropped[reasons[k]],
				 weir_pkt_drop_name(reasons[k]));
		ok += dropped[reasons[k]];
	}
	assert_int_equal(ok, 200000);
}

/* ---- ownership ------------------------------------------------------------ */

static void
test_client_hash(void **state)
{
	struct frame f;
	struct weir_pkt p;
	uint32_t h_echo, h_tcp, h_arp, h6a, h6b;
	uint8_t other_iid[16], other_net[16];
	unsigned int count[4] = {0}, i;

	(void)state;
	echo4(&f, MAC, VIP4, 0);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	h_echo = weir_pkt_client_hash(f.b, &p);
	tcp4(&f, LOCAL4, 5, 0);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	h_tcp = weir_pkt_client_hash(f.b, &p);
	arp(&f, BCAST, 1, CLI4, VIP4);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	h_arp = weir_pkt_client_hash(f.b, &p);
	/* The same client lands on the same worker whatever it sends. */
	assert_int_equal(h_echo, h_tcp);
	assert_int_equal(h_echo, h_arp);
	assert_int_not_equal(h_echo, 0);

	/* IPv6: the /64 decides, the interface id does not. */
	memcpy(other_iid, CLI6, 16);
	other_iid[15] = 0x77;
	other_iid[9] = 0x10;
	memcpy(other_net, CLI6, 16);
	other_net[7] = 2;
	ipv6(&f, MAC, CLI6, VIP6, 59, 64);
	ipv6_finish(&f);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	h6a = weir_pkt_client_hash(f.b, &p);
	memcpy(f.b + 22, other_iid, 16);
	h6b = weir_pkt_client_hash(f.b, &p);
	assert_int_equal(h6a, h6b);
	memcpy(f.b + 22, other_net, 16);
	assert_int_not_equal(h6a, weir_pkt_client_hash(f.b, &p));

	/* No client address: 0. */
	memset(&p, 0, sizeof(p));
	assert_int_equal(weir_pkt_client_hash(f.b, &p), 0);

	/* 4096 consecutive clients spread evenly over 4 workers (within 10 %). */
	echo4(&f, MAC, VIP4, 0);
	assert_int_equal(parse_frame(&f, &p), WEIR_PKT_DROP_NONE);
	for (i = 0; i < 4096; i++) {
		f.b[14 + 14] = (uint8_t)(i >> 8);
		f.b[14 + 15] = (uint8_t)i;
		count[weir_pkt_client_hash(f.b, &p) % 4]++;
	}
	for (i = 0; i < 4; i++)
		assert_in_range(count[i], 1024 - 102, 1024 + 102);
}

static void
test_addrs_find(void **state)
{
	struct weir_addrs set = owned();
	uint8_t v4_as_v6[16] = {0};

	(void)state;
	assert_ptr_equal(weir_addrs_find(&set, 4, VIP4), &set.a[0]);
	assert_ptr_equal(weir_addrs_find(&set, 6, LOCAL6), &set.a[3]);
	assert_null(weir_addrs_find(&set, 4, OTHER4));
	memcpy(v4_as_v6, VIP4, 4);
	assert_null(weir_addrs_find(&set, 6, v4_as_v6));
	set.n = 0;
	assert_null(weir_addrs_find(&set, 4, VIP4));
}

/* ---- martian sources ------------------------------------------------------ */

/* weir_pkt_check_source() on a frame that parses: the same verdict with
 * the set indexed (as the daemon's) and not (every address gone through). */
static enum weir_pkt_drop
check_source(const struct frame *f)
{
	struct weir_addrs set = owned(), indexed = owned();
	struct weir_pkt p;
	enum weir_pkt_drop why;

	weir_addrs_index(&indexed);
	assert_int_equal(parse_frame(f, &p), WEIR_PKT_DROP_NONE);
	why = weir_pkt_check_source(f->b, &p, &set, MAC);
	assert_int_equal(weir_pkt_check_source(f->b, &p, &indexed, MAC), why);
	return why;
}

static enum weir_pkt_drop
check_source_in(const struct frame *f, const struct weir_addrs *set)
{
	struct weir_pkt p;

	assert_int_equal(parse_frame(f, &p), WEIR_PKT_DROP_NONE);
	return weir_pkt_check_source(f->b, &p, set, MAC);
}

static void
addr4(uint8_t *ip, uint32_t a)
{
	ip[0] = (uint8_t)(a >> 24);
	ip[1] = (uint8_t)(a >> 16);
	ip[2] = (uint8_t)(a >> 8);
	ip[3] = (uint8_t)a;
}

/* An IPv6 packet from src to dst: TCP (a SYN), UDP, an echo request, or an NS. */
static void
from6(struct frame *f, const uint8_t *src, const uint8_t *dst, uint8_t proto)
{
	if (proto == 135) {
		ns(f, src, dst, VIP6, 0, 255);
		return;
	}
	ipv6(f, MAC, src, dst, proto, 64);
	if (proto == 58) {
		echo6_body(f);
		return;
	}
	if (proto == 6)
		put(f, (uint8_t[20]){0x9c, 0x40, 0, 80, [12] = 0x50, [13] = 0x02}, 20);
	else
		put(f, (uint8_t[8]){0x9c, 0x40, 0, 53, 0, 8}, 8);
	ipv6_finish(f);
}

static void
test_source_l2(void **state)
{
	static const struct {
		const char *what;
		uint8_t mac[6];
		enum weir_pkt_drop want;
	} cases[] = {
		{"broadcast", {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, WEIR_PKT_DROP_L2_SRC_INVALID},
		{"IPv4 multicast",
		 {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01},
		 WEIR_PKT_DROP_L2_SRC_INVALID},
		{"IPv6 multicast",
		 {0x33, 0x33, 0x00, 0x00, 0x00, 0x01},
		 WEIR_PKT_DROP_L2_SRC_INVALID},
		{"any group bit",
		 {0x03, 0x00, 0x00, 0x00, 0x00, 0x02},
		 WEIR_PKT_DROP_L2_SRC_INVALID},
		{"all zero", {0}, WEIR_PKT_DROP_L2_SRC_INVALID},
		{"weir's own", {0x02, 0x77, 0x65, 0x69, 0x72, 0x01}, WEIR_PKT_DROP_L2_SRC_OWN},
		{"a station", {0x02, 0x00, 0x00, 0x00, 0x00, 0x02}, WEIR_PKT_DROP_NONE},
		{"a universal station", {0x00, 0x1b, 0x21, 0x00, 0x00, 0x01}, WEIR_PKT_DROP_NONE},
	};
	struct frame f;
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (k = 0; k < 3; k++) {
			if (k == 0)
				echo4(&f, MAC, VIP4, 0);
			else if (k == 1)
				arp(&f, BCAST, 1, CLI4, VIP4);
			else
				echo6(&f, VIP6);
			memcpy(f.b + 6, cases[i].mac, 6);
			if (check_source(&f) != cases[i].want)
				fail_msg("%s (frame %zu): %s, want %s", cases[i].what, k,
					 weir_pkt_drop_name(check_source(&f)),
					 weir_pkt_drop_name(cases[i].want));
		}
	/* The destination is not the source: a broadcast request from a station passes. */
	arp(&f, BCAST, 1, CLI4, VIP4);
	assert_int_equal(check_source(&f), WEIR_PKT_DROP_NONE);
}

/* The IPv4 sources refused, as prefixes tried in order (first match). */
static enum weir_pkt_drop
src4_model(uint32_t a, int arp)
{
	static const struct {
		uint32_t net;
		unsigned int len;
		enum weir_pkt_drop why;
		int arp; /* 0: IPv4 only, 1: ARP only, 2: both */
	} prefixes[] = {
		{0x00000000, 32, WEIR_PKT_DROP_NONE, 1}, /* an ARP probe */
		{0x00000000, 8, WEIR_PKT_DROP_SRC_UNSPECIFIED, 2},
		{0x7f000000, 8, WEIR_PKT_DROP_SRC_LOOPBACK, 2},
		{0xe0000000, 4, WEIR_PKT_DROP_SRC_MULTICAST, 2},
		{0xffffffff, 32, WEIR_PKT_DROP_SRC_BROADCAST, 2},
		{0xf0000000, 4, WEIR_PKT_DROP_SRC_RESERVED, 2},
		{0xc61200ff, 32, WEIR_PKT_DROP_SRC_BROADCAST, 2}, /* LOCAL4's /24 */
		{0xc6120101, 32, WEIR_PKT_DROP_SRC_OWN, 0},	  /* VIP4 */
		{0xc6120001, 32, WEIR_PKT_DROP_SRC_OWN, 0},	  /* LOCAL4 */
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		uint32_t mask =
			prefixes[i].len == 32 ? UINT32_MAX : ~(UINT32_MAX >> prefixes[i].len);

		if ((prefixes[i].arp == 2 || prefixes[i].arp == arp) &&
		    (a & mask) == prefixes[i].net)
			return prefixes[i].why;
	}
	return WEIR_PKT_DROP_NONE;
}

static void
test_source_ipv4(void **state)
{
	/* Edges of each class, and addresses next to them that pass. */
	static const uint32_t edges[] = {
		0x00000000, 0x00000001, 0x00ffffff, 0x01000000, 0x7effffff, 0x7f000000,
		0x7f000001, 0x7fffffff, 0x80000000, 0xdfffffff, 0xe0000000, 0xe0000001,
		0xefffffff, 0xf0000000, 0xf0000001, 0xfffffffe, 0xffffffff, 0xc61200ff,
		0xc61200fe, 0xc6120000, 0xc6120101, 0xc6120001, 0xc61201ff, 0xc6120002,
	};
	unsigned int n[WEIR_PKT_DROP__MAX] = {0}, i, is_arp;
	const unsigned int n_edges = sizeof(edges) / sizeof(edges[0]);
	struct weir_test_rng r;
	struct frame f;
	uint8_t src[4];
	uint32_t a;

	(void)state;
	weir_test_rng_init(&r, "source_ipv4", 0);
	for (i = 0; i < 20000; i++) {
		enum weir_pkt_drop got, want;

		/* Each edge (as ARP and UDP), then any address or an edge with one bit flipped. */
		if (i < 2 * n_edges)
			a = edges[i / 2];
		else if (one_in(&r, 2))
			a = (uint32_t)weir_test_rng_u64(&r);
		else
			a = edges[weir_test_rng_below(&r, n_edges)] ^
			    (uint32_t)(1u << weir_test_rng_below(&r, 32));
		is_arp = i % 2;
		addr4(src, a);
		if (is_arp) {
			arp(&f, BCAST, 1, src, VIP4);
		} else {
			ipv4(&f, MAC, src, VIP4, 17, 0);
			put(&f, (uint8_t[8]){0x9c, 0x40, 0, 53, 0, 8}, 8);
			ipv4_finish(&f);
		}
		got = check_source(&f);
		want = src4_model(a, (int)is_arp);
		if (got != want)
			fail_msg("%s from %u.%u.%u.%u: %s, want %s", is_arp ? "ARP" : "UDP", src[0],
				 src[1], src[2], src[3], weir_pkt_drop_name(got),
				 weir_pkt_drop_name(want));
		n[got]++;
	}
	/* Every class reached, and most addresses pass. */
	for (i = WEIR_PKT_DROP_SRC_UNSPECIFIED; i <= WEIR_PKT_DROP_SRC_OWN; i++)
		if (i != WEIR_PKT_DROP_SRC_V4MAPPED && i != WEIR_PKT_DROP_SRC_LINK_LOCAL &&
		    n[i] < 10)
			fail_msg("only %u sources refused as %s", n[i], weir_pkt_drop_name(i));
	assert_true(n[WEIR_PKT_DROP_NONE] > 10000);

	/* An ARP sender that is ours is the responder's (gratuitous: arp_ignored). */
	arp(&f, BCAST, 1, VIP4, VIP4);
	assert_int_equal(check_source(&f), WEIR_PKT_DROP_NONE);
	assert_int_equal(respond_drop(&f), WEIR_PKT_DROP_ARP_IGNORED);
	/* Echo from the limited broadcast address, from a VIP (land). */
	echo4(&f, MAC, VIP4, 0);
	memset(f.b + f.l3 + 12, 0xff, 4);
	ipv4_csum(&f);
	assert_int_equal(check_source(&f), WEIR_PKT_DROP_SRC_BROADCAST);
	echo4(&f, MAC, VIP4, 0);
	memcpy(f.b + f.l3 + 12, VIP4, 4);
	ipv4_csum(&f);
	assert_int_equal(check_source(&f), WEIR_PKT_DROP_SRC_OWN);
}

/* The index spares the pass over the set for nearly every source, and
 * never hides an address of the set or a local subnet's broadcast. */
static void
test_source_index(void **state)
{
	struct weir_addrs set;
	struct frame f;
	unsigned int i, n;
	uint8_t src[4];

	(void)state;
	/* 32 addresses of /24 subnets, 32 VIPs: 96 filter bits at most. */
	memset(&set, 0, sizeof(set));
	for (i = 0; i < 64; i++) {
		set.a[i].family = 4;
		set.a[i].kind = i < 32 ? WEIR_ADDR_LOCAL : WEIR_ADDR_VIP;
		set.a[i].prefix = i < 32 ? 24 : 32;
		addr4(set.a[i].ip, 0xc6130000u + (i << 8) + 1);
	}
	set.n = 64;
	weir_addrs_index(&set);
	n = 0;
	for (i = 0; i < WEIR_ADDRS_FILTER_BITS / 64; i++)
		n += (unsigned int)__builtin_popcountll(set.filter[i]);
	assert_in_range(n, 80, 96);
	for (i = 0; i < 64; i++) {
		ipv4(&f, MAC, set.a[i].ip, VIP4, 17, 0);
		put(&f, (uint8_t[8]){0x9c, 0x40, 0, 53, 0, 8}, 8);
		ipv4_finish(&f);
		assert_int_equal(check_source_in(&f, &set), WEIR_PKT_DROP_SRC_OWN);
		f.b[f.l3 + 15] = 0xff; /* that subnet's broadcast (VIPs have none) */
		ipv4_csum(&f);
		assert_int_equal(check_source_in(&f, &set),
				 i < 32 ? WEIR_PKT_DROP_SRC_BROADCAST : WEIR_PKT_DROP_NONE);
	}
	/* Filled by hand and changed, not indexed again: gone through in full. */
	set.indexed = 0;
	addr4(set.a[63].ip, 0xc6140001);
	addr4(src, 0xc6140001);
	ipv4(&f, MAC, src, VIP4, 17, 0);
	put(&f, (uint8_t[8]){0x9c, 0x40, 0, 53, 0, 8}, 8);
	ipv4_finish(&f);
	assert_int_equal(check_source_in(&f, &set), WEIR_PKT_DROP_SRC_OWN);
}

static void
test_source_ipv6(void **state)
{
	static const uint8_t LOOP6[16] = {[15] = 1};
	static const uint8_t ALLNODES[16] = {0xff, 0x02, [15] = 1};
	static const uint8_t MLD_ROUTERS[16] = {0xff, 0x02, [15] = 0x16};
	static const uint8_t MDNS6[16] = {0xff, 0x02, [15] = 0xfb};
	static const uint8_t MAPPED[16] = {[10] = 0xff, 0xff, 198, 18, 0, 2};
	static const uint8_t COMPAT[16] = {[12] = 198, 18, 0, 2};
	static const uint8_t LL1[16] = {0xfe, 0x80, [15] = 1};
	static const uint8_t LL2[16] = {0xfe, 0x80, [15] = 2};
	static const uint8_t LL_TOP[16] = {0xfe, 0xbf, [15] = 1};
	static const uint8_t SITE[16] = {0xfe, 0xc0, [15] = 1};
	static const struct {
		const char *what;
		const uint8_t *src, *dst;
		uint8_t proto; /* 6, 17, 58 (echo) or 135 (an NS) */
		enum weir_pkt_drop want;
	} cases[] = {
		{"a client's SYN", CLI6, VIP6, 6, WEIR_PKT_DROP_NONE},
		{"DAD", UNSPEC6, SOLICITED_VIP6, 135, WEIR_PKT_DROP_NONE},
		{"an MLD report from ::", UNSPEC6, MLD_ROUTERS, 58, WEIR_PKT_DROP_NONE},
		{"echo from ::", UNSPEC6, VIP6, 58, WEIR_PKT_DROP_SRC_UNSPECIFIED},
		{"UDP from :: to a group", UNSPEC6, MLD_ROUTERS, 17, WEIR_PKT_DROP_SRC_UNSPECIFIED},
		{"SYN from ::", UNSPEC6, VIP6, 6, WEIR_PKT_DROP_SRC_UNSPECIFIED},
		{"echo from ::1", LOOP6, VIP6, 58, WEIR_PKT_DROP_SRC_LOOPBACK},
		{"NS from ::1", LOOP6, SOLICITED_VIP6, 135, WEIR_PKT_DROP_SRC_LOOPBACK},
		{"echo from ff02::1", ALLNODES, VIP6, 58, WEIR_PKT_DROP_SRC_MULTICAST},
		{"UDP from ff02::1", ALLNODES, VIP6, 17, WEIR_PKT_DROP_SRC_MULTICAST},
		{"SYN from ::ffff:198.18.0.2", MAPPED, VIP6, 6, WEIR_PKT_DROP_SRC_V4MAPPED},
		{"SYN from ::198.18.0.2 (compatible)", COMPAT, VIP6, 6, WEIR_PKT_DROP_NONE},
		{"SYN from fe80::1", LL1, VIP6, 6, WEIR_PKT_DROP_SRC_LINK_LOCAL},
		{"UDP from fe80::1", LL1, VIP6, 17, WEIR_PKT_DROP_SRC_LINK_LOCAL},
		{"SYN from febf::1", LL_TOP, LOCAL6, 6, WEIR_PKT_DROP_SRC_LINK_LOCAL},
		{"SYN from fec0::1 (site-local)", SITE, VIP6, 6, WEIR_PKT_DROP_NONE},
		{"echo from fe80::1", LL1, VIP6, 58, WEIR_PKT_DROP_NONE},
		{"NS from fe80::1", LL1, SOLICITED_VIP6, 135, WEIR_PKT_DROP_NONE},
		{"mDNS from fe80::1", LL1, MDNS6, 17, WEIR_PKT_DROP_NONE},
		{"UDP from fe80::1 to fe80::2", LL1, LL2, 17, WEIR_PKT_DROP_NONE},
		{"SYN from the VIP", VIP6, VIP6, 6, WEIR_PKT_DROP_SRC_OWN},
		{"echo from the local address", LOCAL6, VIP6, 58, WEIR_PKT_DROP_SRC_OWN},
		{"NS from the local address", LOCAL6, SOLICITED_VIP6, 135, WEIR_PKT_DROP_SRC_OWN},
		{"SYN from another address", OTHER6, VIP6, 6, WEIR_PKT_DROP_NONE},
	};
	struct frame f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		from6(&f, cases[i].src, cases[i].dst, cases[i].proto);
		if (check_source(&f) != cases[i].want)
			fail_msg("%s: %s, want %s", cases[i].what,
				 weir_pkt_drop_name(check_source(&f)),
				 weir_pkt_drop_name(cases[i].want));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_rfc1071),   cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_runt),	       cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_ethertype),      cmocka_unit_test(test_arp_parse),
		cmocka_unit_test(test_arp_reply),      cmocka_unit_test(test_arp_drops),
		cmocka_unit_test(test_ipv4_parse_ok),  cmocka_unit_test(test_ipv4_bad),
		cmocka_unit_test(test_ipv4_fragments), cmocka_unit_test(test_l4_checks),
		cmocka_unit_test(test_echo4_reply),    cmocka_unit_test(test_echo4_drops),
		cmocka_unit_test(test_ipv6_parse),     cmocka_unit_test(test_ipv6_ext_bad),
		cmocka_unit_test(test_ipv6_fragments), cmocka_unit_test(test_echo6_reply),
		cmocka_unit_test(test_echo6_drops),    cmocka_unit_test(test_nd_answers),
		cmocka_unit_test(test_nd_malformed),   cmocka_unit_test(test_truncation_sweep),
		cmocka_unit_test(test_parse_garbage),  cmocka_unit_test(test_csum_update),
		cmocka_unit_test(test_client_hash),    cmocka_unit_test(test_addrs_find),
		cmocka_unit_test(test_ipv4_options),   cmocka_unit_test(test_tcp_flags),
		cmocka_unit_test(test_ipv6_rh0),       cmocka_unit_test(test_source_l2),
		cmocka_unit_test(test_source_ipv4),    cmocka_unit_test(test_source_ipv6),
		cmocka_unit_test(test_source_index),
	};

	return weir_test_main(tests);
}
