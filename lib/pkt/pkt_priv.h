/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_PKT_PRIV_H
#define WEIR_PKT_PRIV_H

/* Shared by lib/pkt's files only: protocol numbers and byte access. */

#include <stdint.h>
#include <string.h>

#include "weir_pkt.h"

#define ETH_HLEN 14
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ARP_LEN 28
#define IPV4_HLEN 20
#define IPV6_HLEN 40

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define PROTO_V6_HOPOPTS 0
#define PROTO_V6_ROUTING 43
#define PROTO_V6_FRAGMENT 44
#define PROTO_V6_AH 51
#define PROTO_V6_DSTOPTS 60

#define IPOPT_EOL 0
#define IPOPT_NOP 1
#define IPOPT_RR 7
#define IPOPT_LSRR 131
#define IPOPT_SSRR 137
#define V6_RH_TYPE0 0

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ICMP6_NS 135
#define ICMP6_NA 136
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ND_NS_LEN 24	   /* type, code, csum, reserved, target */
#define ND_NA_LEN (24 + 8) /* with a target link-layer address option */

#define REPLY_TTL 64
#define ND_HOP_LIMIT 255

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint32_t
rd32(const uint8_t *p)
{
	uint32_t w;

	memcpy(&w, p, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w = __builtin_bswap32(w);
#endif
	return w;
}

#endif /* WEIR_PKT_PRIV_H */
