/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The frames lib/pkt writes (lib/pkt/build.c) against frames scapy built
 * for the same fields (pkt_build_vectors.h, from gen_pkt_vectors.py):
 * byte for byte, checksums included, and parsed back by weir_pkt_parse().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "weir_pkt.h"
#include "pkt_build_vectors.h"

static const uint8_t MAC[6] = {0x02, 0x77, 0x65, 0x69, 0x72, 0x01};
static const uint8_t CMAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t VIP4[4] = {198, 18, 1, 1}, CLI4[4] = {198, 18, 0, 2};
static const uint8_t LOCAL4[4] = {198, 18, 0, 1}, BK4[4] = {198, 18, 0, 10};
static const uint8_t VIP6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1};
static const uint8_t CLI6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
static const uint8_t LOCAL6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, [15] = 1};
static const uint8_t BK6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, [15] = 0x10};

static void
parse_ok(const uint8_t *buf, size_t len, struct weir_pkt *p)
{
	assert_int_equal(weir_pkt_parse(buf, len, p), WEIR_PKT_DROP_NONE);
}

/* ---- RST answers -------------------------------------------------------------- */

static void
test_rst_for_syn_v4(void **state)
{
	uint8_t buf[256];
	struct weir_pkt p;
	size_t n;

	(void)state;
	memcpy(buf, syn4, sizeof(syn4));
	parse_ok(buf, sizeof(syn4), &p);
	/* IPv4 options and a VLAN tag go; the SYN's 3 data bytes are acknowledged. */
	n = weir_pkt_tcp_rst_for_syn(buf, sizeof(buf), &p, MAC);
	assert_int_equal(n, sizeof(rst4));
	assert_memory_equal(buf, rst4, sizeof(rst4));
	parse_ok(buf, n, &p);
}

static void
test_rst_for_syn_v6(void **state)
{
	uint8_t buf[256];
	struct weir_pkt p;
	size_t n;

	(void)state;
	memcpy(buf, syn6, sizeof(syn6));
	parse_ok(buf, sizeof(syn6), &p);
	/* seq 0xfffffffe + 1 wraps into the ack. */
	n = weir_pkt_tcp_rst_for_syn(buf, sizeof(buf), &p, MAC);
	assert_int_equal(n, sizeof(rst6));
	assert_memory_equal(buf, rst6, sizeof(rst6));
}

static void
test_rst_refusals(void **state)
{
	uint8_t buf[256], before[256];
	struct weir_pkt p;

	(void)state;
	/* A SYN-ACK (not a SYN of a client) gets no RST. */
	memcpy(buf, synack4, sizeof(synack4));
	parse_ok(buf, sizeof(synack4), &p);
	memcpy(before, buf, sizeof(buf));
	assert_int_equal(weir_pkt_tcp_rst_for_syn(buf, sizeof(buf), &p, MAC), 0);
	assert_memory_equal(buf, before, sizeof(buf));
	/* No room for the answer: untouched. */
	memcpy(buf, syn6, sizeof(syn6));
	parse_ok(buf, sizeof(syn6), &p);
	memcpy(before, buf, sizeof(buf));
	assert_int_equal(weir_pkt_tcp_rst_for_syn(buf, sizeof(rst6) - 1, &p, MAC), 0);
	assert_memory_equal(buf, before, sizeof(buf));
	/* Not TCP. */
	memcpy(buf, nat4u_in, sizeof(nat4u_in));
	parse_ok(buf, sizeof(nat4u_in), &p);
	assert_int_equal(weir_pkt_tcp_rst_for_syn(buf, sizeof(buf), &p, MAC), 0);
}

/* ---- segments ------------------------------------------------------------------- */

static void
test_build_synack_v4(void **state)
{
	static const uint8_t opts[] = {2, 4, 0x05, 0xb4, 4, 2, 1, 3, 3, 7, 0, 0};
	uint8_t buf[256];
	struct weir_pkt_tcp t = {
		.family = 4,
		.src = VIP4,
		.dst = CLI4,
		.sport = 80,
		.dport = 40000,
		.seq = 0x11223344,
		.ack = 1001,
		.win = 65535,
		.flags = 0x12,
		.opts_len = 12,
		.opts = opts,
	};
	struct weir_pkt p;

	(void)state;
	/* scapy pads the option list with EOL to a multiple of 4. */
	memset(buf, 0xee, sizeof(buf));
	memcpy(buf, CMAC, 6);
	memcpy(buf + 6, MAC, 6);
	buf[12] = 0x08;
	buf[13] = 0x00;
	assert_int_equal(weir_pkt_tcp_build(buf, sizeof(buf), 14, &t), sizeof(synack4));
	assert_memory_equal(buf, synack4, sizeof(synack4));
	parse_ok(buf, sizeof(synack4), &p);
	assert_int_equal(p.l4_proto, 6);
}

static void
test_build_data_fin_v6(void **state)
{
	static const char body[] = "HTTP/1.1 429 Too Many Requests\r\n\r\n";
	uint8_t buf[256];
	struct weir_pkt_tcp t = {
		.family = 6,
		.src = VIP6,
		.dst = CLI6,
		.sport = 443,
		.dport = 40001,
		.seq = 5,
		.ack = 6,
		.win = 512,
		.flags = 0x19, /* FIN PSH ACK */
		.data = (const uint8_t *)body,
		.data_len = sizeof(body) - 1,
	};
	struct weir_pkt p;

	(void)state;
	memcpy(buf, fin6, 14);
	assert_int_equal(weir_pkt_tcp_build(buf, sizeof(buf), 14, &t), sizeof(fin6));
	assert_memory_equal(buf, fin6, sizeof(fin6));
	parse_ok(buf, sizeof(fin6), &p);
	/* Too small a buffer, bad option lengths, a bad family: nothing written. */
	assert_int_equal(weir_pkt_tcp_build(buf, sizeof(fin6) - 1, 14, &t), 0);
	t.opts_len = 2;
	assert_int_equal(weir_pkt_tcp_build(buf, sizeof(buf), 14, &t), 0);
	t.opts_len = 44;
	assert_int_equal(weir_pkt_tcp_build(buf, sizeof(buf), 14, &t), 0);
	t.opts_len = 0;
	t.family = 5;
	assert_int_equal(weir_pkt_tcp_build(buf, sizeof(buf), 14, &t), 0);
	assert_memory_equal(buf, fin6, sizeof(fin6));
}

/* The payload may come from the frame itself, even where headers go. */
static void
test_build_overlapping_data(void **state)
{
	uint8_t buf[256], want[256], orig[256];
	struct weir_pkt_tcp t = {
		.family = 4,
		.src = LOCAL4,
		.dst = BK4,
		.sport = 1024,
		.dport = 8080,
		.seq = 1,
		.ack = 2,
		.win = 3,
		.flags = 0x18,
	};
	size_t n;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	memcpy(want, buf, sizeof(want));
	memcpy(orig, buf, sizeof(orig));
	t.data = orig + 20;
	t.data_len = 100;
	n = weir_pkt_tcp_build(want, sizeof(want), 14, &t);
	t.data = buf + 20; /* overwritten by the IP header as the segment is written */
	assert_int_equal(weir_pkt_tcp_build(buf, sizeof(buf), 14, &t), n);
	assert_memory_equal(buf, want, n);
	for (i = 0; i < 100; i++)
		assert_int_equal(buf[14 + 40 + i], (uint8_t)(20 + i));
}

/* ---- neighbour requests ----------------------------------------------------------- */

static void
test_arp_request(void **state)
{
	uint8_t buf[64];

	(void)state;
	assert_int_equal(weir_pkt_arp_request(buf, 59, MAC, LOCAL4, BK4), 0);
	assert_int_equal(weir_pkt_arp_request(buf, sizeof(buf), MAC, LOCAL4, BK4), sizeof(arpreq));
	assert_memory_equal(buf, arpreq, sizeof(arpreq));
}

static void
test_nd_solicit(void **state)
{
	uint8_t buf[128];
	struct weir_pkt p;

	(void)state;
	assert_int_equal(weir_pkt_nd_solicit(buf, 85, MAC, LOCAL6, BK6), 0);
	assert_int_equal(weir_pkt_nd_solicit(buf, sizeof(buf), MAC, LOCAL6, BK6), sizeof(nsreq));
	assert_memory_equal(buf, nsreq, sizeof(nsreq));
	parse_ok(buf, sizeof(nsreq), &p);
}

/* ---- rewrites -------------------------------------------------------------------------- */

static void
nat(const uint8_t *in, size_t len, const uint8_t *want, const uint8_t *src, const uint8_t *dst,
    uint16_t sport, uint16_t dport)
{
	uint8_t buf[256], sp[2] = {(uint8_t)(sport >> 8), (uint8_t)sport};
	uint8_t dp[2] = {(uint8_t)(dport >> 8), (uint8_t)dport};
	struct weir_pkt p;

	memcpy(buf, in, len);
	parse_ok(buf, len, &p);
	weir_pkt_nat_rewrite(buf, &p, src, dst, sp, dp, 1);
	assert_memory_equal(buf, want, len);
	/* With the IPv4 header checksum left to the port: 0 there, the rest equal. */
	if (p.l3 == WEIR_L3_IPV4) {
		memcpy(buf, in, len);
		weir_pkt_nat_rewrite(buf, &p, src, dst, sp, dp, 0);
		assert_int_equal(buf[14 + 10] | buf[14 + 11], 0);
		buf[14 + 10] = want[14 + 10];
		buf[14 + 11] = want[14 + 11];
		assert_memory_equal(buf, want, len);
	}
}

static void
test_nat_rewrite(void **state)
{
	(void)state;
	nat(nat4_in, sizeof(nat4_in), nat4_out, LOCAL4, BK4, 1024, 8080);
	/* A UDP checksum of 0 (none) over IPv4 stays 0. */
	nat(nat4u_in, sizeof(nat4u_in), nat4u_out, LOCAL4, BK4, 1025, 5353);
	nat(nat6u_in, sizeof(nat6u_in), nat6u_out, LOCAL6, BK6, 1026, 5353);
}

static void
test_ipip_encap(void **state)
{
	uint8_t buf[256];

	(void)state;
	memcpy(buf + 20, ipip4_inner, sizeof(ipip4_inner));
	weir_pkt_ipip_encap(buf, 14, sizeof(ipip4_inner) - 14, 4, LOCAL4, BK4);
	assert_memory_equal(buf, ipip4_out, sizeof(ipip4_out));
	memcpy(buf + 40, ipip6_inner, sizeof(ipip6_inner));
	weir_pkt_ipip_encap(buf, 14, sizeof(ipip6_inner) - 14, 6, LOCAL6, BK6);
	assert_memory_equal(buf, ipip6_out, sizeof(ipip6_out));
}

static void
clamp(const uint8_t *in, size_t len, const uint8_t *want, int changed)
{
	uint8_t buf[256];
	struct weir_pkt p;

	memcpy(buf, in, len);
	parse_ok(buf, len, &p);
	assert_int_equal(
		weir_pkt_tcp_mss_clamp(buf + p.l4_off, (size_t)(buf[p.l4_off + 12] >> 4) * 4, 1400),
		changed);
	assert_memory_equal(buf, want, len);
}

static void
test_mss_clamp(void **state)
{
	(void)state;
	clamp(mss_odd, sizeof(mss_odd), mss_odd_out, 1); /* option at an odd offset */
	clamp(mss_even, sizeof(mss_even), mss_even_out, 1);
	clamp(mss_even_out, sizeof(mss_even_out), mss_even_out, 0); /* already at 1400 */
	clamp(rst6, sizeof(rst6), rst6, 0);			    /* no options */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rst_for_syn_v4),
		cmocka_unit_test(test_rst_for_syn_v6),
		cmocka_unit_test(test_rst_refusals),
		cmocka_unit_test(test_build_synack_v4),
		cmocka_unit_test(test_build_data_fin_v6),
		cmocka_unit_test(test_build_overlapping_data),
		cmocka_unit_test(test_arp_request),
		cmocka_unit_test(test_nd_solicit),
		cmocka_unit_test(test_nat_rewrite),
		cmocka_unit_test(test_ipip_encap),
		cmocka_unit_test(test_mss_clamp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
