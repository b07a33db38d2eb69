/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for lib/pkt's frame parser and what the workers run on
 * its result before any stage: the source check and the responder (ARP,
 * ND, echo answered in place). Invariants: the parser's offsets stay
 * inside the frame; the responder writes only within the capacity it is
 * given and answers with a frame that parses again; nothing reads past
 * the input (ASan: the frame is copied to a buffer of exactly its length,
 * plus the responder's room in a separate check).
 *
 * Input: the frame's bytes as they come off the wire.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weir_pkt.h"

static const uint8_t MAC[6] = {0x02, 0x77, 0x65, 0x69, 0x72, 0x01};

static void
addr(struct weir_addrs *set, int family, uint8_t kind, uint8_t prefix, const char *ip4,
     const uint8_t *ip6)
{
	struct weir_addr *a = &set->a[set->n++];

	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)family;
	a->kind = kind;
	a->prefix = prefix;
	if (family == 4)
		memcpy(a->ip, ip4, 4);
	else
		memcpy(a->ip, ip6, 16);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t vip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
					 0,    0,    0,	   0,	 0, 0, 0, 1};
	static const uint8_t loc6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1,
					 0,    0,    0,	   0,	 0, 0, 0, 1};
	static struct weir_addrs set;
	enum weir_pkt_drop why;
	struct weir_pkt p, q;
	size_t cap, out_len;
	uint8_t *buf;

	if (set.n == 0) {
		addr(&set, 4, WEIR_ADDR_VIP, 32, "\xc6\x12\x01\x01", NULL);
		addr(&set, 4, WEIR_ADDR_LOCAL, 24, "\xc6\x12\x00\x01", NULL);
		addr(&set, 6, WEIR_ADDR_VIP, 128, NULL, vip6);
		addr(&set, 6, WEIR_ADDR_LOCAL, 64, NULL, loc6);
		weir_addrs_index(&set);
	}
	if (size > 65535)
		return 0;
	/* Exactly the frame: a read past it is an ASan error. */
	buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	if (weir_pkt_parse(buf, size, &p) != WEIR_PKT_DROP_NONE) {
		free(buf);
		return 0;
	}
	assert(p.l2_len <= size && p.l4_off <= size && p.l4_off + p.l4_len <= size);
	(void)weir_pkt_client_hash(buf, &p);
	if (weir_pkt_check_source(buf, &p, &set, MAC) != WEIR_PKT_DROP_NONE) {
		free(buf);
		return 0;
	}
	free(buf);
	/* The responder may write a longer answer: room after the frame. */
	cap = size + 256;
	buf = malloc(cap);
	memcpy(buf, data, size);
	assert(weir_pkt_parse(buf, size, &p) == WEIR_PKT_DROP_NONE);
	if (weir_pkt_respond(buf, size, cap, &p, &set, MAC, &out_len, &why) == WEIR_VERDICT_TX) {
		assert(out_len > 0 && out_len <= cap);
		/* weir's own answer parses, and comes from weir's MAC. */
		assert(weir_pkt_parse(buf, out_len, &q) == WEIR_PKT_DROP_NONE);
		assert(memcmp(buf + 6, MAC, 6) == 0);
	}
	free(buf);
	return 0;
}
