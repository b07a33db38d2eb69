/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_PKT_H
#define WEIR_PKT_H

/**
 * @file
 * Bounds-checked packet parsing and in-place answers (ARP, IPv6 neighbour
 * discovery, ICMP/ICMPv6 echo) over plain byte buffers.
 *
 * This library never includes DPDK headers: the data plane hands it the
 * first segment of an mbuf as (buf, len, cap) and it never reads or writes
 * outside [buf, buf + len) (or [buf, buf + cap) when it builds a longer
 * answer). Every reason this library refuses a packet for has a counter
 * name in enum weir_pkt_drop; a daemon numbers its own reasons (full
 * queues, limits, ...) from WEIR_PKT_DROP__MAX on.
 *
 * It also writes the frames a load balancer makes up or rewrites: TCP
 * segments (RST answers, SYN cookies, its own segments towards a backend),
 * ARP requests and neighbour solicitations, FullNAT rewrites with
 * incremental checksums, IP-in-IP encapsulation and MSS clamping.
 */

#include <stddef.h>
#include <stdint.h>

/** Reasons a packet is dropped; WEIR_PKT_DROP_NONE means "not dropped". */
enum weir_pkt_drop {
	WEIR_PKT_DROP_NONE = 0,
	WEIR_PKT_DROP_RUNT,		/**< shorter than an Ethernet header (incl. empty) */
	WEIR_PKT_DROP_VLAN_TRUNC,	/**< VLAN tag runs off the frame */
	WEIR_PKT_DROP_VLAN_TOO_MANY,	/**< more than WEIR_PKT_MAX_VLAN stacked tags */
	WEIR_PKT_DROP_L2_FOREIGN,	/**< unicast to another MAC address */
	WEIR_PKT_DROP_ETHERTYPE,	/**< neither ARP, IPv4 nor IPv6 */
	WEIR_PKT_DROP_ARP_MALFORMED,	/**< truncated or not Ethernet/IPv4 ARP */
	WEIR_PKT_DROP_ARP_IGNORED,	/**< ARP reply or other op we do not act on */
	WEIR_PKT_DROP_ARP_NOT_OURS,	/**< ARP request for an address we do not own */
	WEIR_PKT_DROP_IPV4_TRUNC,	/**< header or total length beyond the frame */
	WEIR_PKT_DROP_IPV4_BAD_VERSION, /**< version field is not 4 */
	WEIR_PKT_DROP_IPV4_BAD_IHL,	/**< IHL below 5 */
	WEIR_PKT_DROP_IPV4_BAD_LEN,	/**< total length below the header length */
	WEIR_PKT_DROP_IPV4_BAD_CSUM,	/**< header checksum wrong */
	WEIR_PKT_DROP_IPV4_FRAGMENT,	/**< fragments are not reassembled (yet) */
	WEIR_PKT_DROP_IPV4_BAD_OPT,	/**< an IPv4 option of length < 2 or past the header */
	WEIR_PKT_DROP_IPV4_ROUTE_OPT,	/**< IPv4 option LSRR (131), SSRR (137) or RR (7) */
	WEIR_PKT_DROP_IPV6_TRUNC,	/**< fixed header or payload length beyond the frame */
	WEIR_PKT_DROP_IPV6_BAD_VERSION, /**< version field is not 6 */
	WEIR_PKT_DROP_IPV6_EXT_TRUNC,	/**< an extension header runs off the packet */
	WEIR_PKT_DROP_IPV6_EXT_LIMIT,	/**< more than WEIR_PKT_MAX_IPV6_EXT extension headers */
	WEIR_PKT_DROP_IPV6_FRAGMENT,	/**< fragments are not reassembled (yet) */
	WEIR_PKT_DROP_IPV6_RH0,		/**< a type 0 routing header (deprecated, RFC 5095) */
	WEIR_PKT_DROP_L4_TRUNC,		/**< TCP/UDP/ICMP header runs off the IP payload */
	WEIR_PKT_DROP_TCP_BAD_DOFF,	/**< TCP data offset below 5 or beyond the segment */
	WEIR_PKT_DROP_TCP_BAD_FLAGS,	/**< TCP flags no stack sends: weir_pkt_tcp_flags_valid() */
	WEIR_PKT_DROP_UDP_BAD_LEN,	/**< UDP length disagrees with the IP payload */
	WEIR_PKT_DROP_ICMP_BAD_CSUM,	/**< ICMP echo to us, or any ICMPv6 (checked first: ND needs
					   it), with a wrong checksum */
	WEIR_PKT_DROP_ICMP_UNHANDLED,	/**< ICMP type we do not answer (yet) */
	WEIR_PKT_DROP_ND_MALFORMED,	/**< neighbour solicitation failing RFC 4861 7.1.1 */
	WEIR_PKT_DROP_NOT_OURS,		/**< IP destination is none of our VIPs or local IPs */
	WEIR_PKT_DROP_NO_SERVICE,	/**< TCP/UDP/other protocol to us, no service for it */
	WEIR_PKT_DROP_MULTISEG,		/**< no room in the buffer for the answer (a neighbour
					   advertisement); daemons count chained mbufs here too */
	/* Martian sources: weir_pkt_check_source(). */
	WEIR_PKT_DROP_L2_SRC_INVALID,  /**< Ethernet source multicast, broadcast or all zero */
	WEIR_PKT_DROP_L2_SRC_OWN,      /**< Ethernet source is our own MAC */
	WEIR_PKT_DROP_SRC_UNSPECIFIED, /**< IP source 0.0.0.0/8, or :: where not allowed */
	WEIR_PKT_DROP_SRC_LOOPBACK,    /**< IP source 127.0.0.0/8 or ::1 */
	WEIR_PKT_DROP_SRC_MULTICAST,   /**< IP source 224.0.0.0/4 or ff00::/8 */
	WEIR_PKT_DROP_SRC_BROADCAST,   /**< 255.255.255.255 or a local subnet's broadcast */
	WEIR_PKT_DROP_SRC_RESERVED,    /**< IP source 240.0.0.0/4 (but 255.255.255.255) */
	WEIR_PKT_DROP_SRC_V4MAPPED,    /**< IPv6 source ::ffff:0:0/96 */
	WEIR_PKT_DROP_SRC_LINK_LOCAL,  /**< IPv6 source fe80::/10 on a routed packet */
	WEIR_PKT_DROP_SRC_OWN,	       /**< IP source is one of our addresses (land) */
	WEIR_PKT_DROP__MAX,	       /**< daemons number their own reasons from here on */
};

/** Stacked 802.1Q/802.1ad tags accepted in front of the payload. */
#define WEIR_PKT_MAX_VLAN 2
/** IPv6 extension headers walked before giving up. */
#define WEIR_PKT_MAX_IPV6_EXT 8

/** Layer-3 kinds that weir_pkt_parse() recognises. */
enum weir_pkt_l3 {
	WEIR_L3_ARP = 1,
	WEIR_L3_IPV4,
	WEIR_L3_IPV6,
};

/** Flags in struct weir_pkt. */
#define WEIR_PKT_F_L2_BCAST 0x01  /**< Ethernet destination is broadcast */
#define WEIR_PKT_F_L2_MCAST 0x02  /**< Ethernet destination is multicast (incl. broadcast) */
#define WEIR_PKT_F_IPV4_OPTS 0x04 /**< IPv4 header carries options */
#define WEIR_PKT_F_FRAG 0x08	  /**< IP fragment (first or later) */
#define WEIR_PKT_F_IPV6_EXT 0x10  /**< IPv6 extension headers were walked */

/**
 * What weir_pkt_parse() learnt. Offsets count from the start of the buffer;
 * the parser guarantees l4_off + l4_len <= len.
 */
struct weir_pkt {
	uint16_t l2_len;     /**< Ethernet header plus VLAN tags */
	uint16_t ether_type; /**< innermost EtherType, host order */
	uint16_t vlan_tci;   /**< outermost VLAN TCI (host order), 0 if untagged */
	uint8_t vlan_count;  /**< number of VLAN tags */
	uint8_t l3;	     /**< enum weir_pkt_l3 */
	uint16_t l3_len;     /**< IPv4 IHL*4; IPv6 40 + extension headers; ARP 28 */
	uint16_t l3_total;   /**< IPv4 total length; IPv6 40 + payload length */
	uint16_t l4_off;     /**< where the L4 header starts */
	uint16_t l4_len;     /**< bytes from l4_off to the end of the IP packet */
	uint8_t l4_proto;    /**< IPPROTO_* after extension headers */
	uint8_t flags;	     /**< WEIR_PKT_F_* */
};

/**
 * Parse Ethernet, VLAN, ARP, IPv4, IPv6 (with extension headers), TCP, UDP,
 * ICMP and ICMPv6 headers, checking every length against the buffer.
 *
 * It also refuses what no host should act on or pass on, whatever the
 * packet's destination: IPv4 options that are malformed or record or
 * choose the route (LSRR, SSRR, RR), an IPv6 type 0 routing header, and a
 * TCP segment whose flags weir_pkt_tcp_flags_valid() refuses.
 *
 * @param buf
 *   First byte of the frame.
 * @param len
 *   Bytes readable at buf.
 * @param p
 *   Filled on success; partially filled on failure.
 * @return
 *   WEIR_PKT_DROP_NONE if the headers are well formed, else the drop reason.
 */
enum weir_pkt_drop weir_pkt_parse(const uint8_t *buf, size_t len, struct weir_pkt *p);

/**
 * Is this combination of TCP flags one that a TCP sends? The table of Linux's
 * connection tracking (nf_conntrack_proto_tcp.c, tcp_valid_flags): with PSH,
 * ECE and CWR ignored, only SYN, SYN+URG, SYN+ACK, RST, RST+ACK, FIN+ACK,
 * FIN+ACK+URG, ACK and ACK+URG. So SYN+FIN, SYN+RST, FIN without ACK, no
 * flag at all (NULL) and FIN+PSH+URG (Xmas) are refused.
 *
 * @param flags
 *   Byte 13 of the TCP header (FIN 0x01 ... CWR 0x80).
 * @return
 *   1 if valid, 0 otherwise.
 */
int weir_pkt_tcp_flags_valid(uint8_t flags);

/**
 * Counter name of a drop reason (snake_case, stable: it is a JSON key).
 *
 * @param reason
 *   A drop reason.
 * @return
 *   Static string; "unknown" for out-of-range values.
 */
const char *weir_pkt_drop_name(enum weir_pkt_drop reason);

/** Owned addresses: VIPs and local IPs, IPv4 in network byte order. */
#define WEIR_ADDR_VIP 0x1
#define WEIR_ADDR_LOCAL 0x2

/** One owned address. */
struct weir_addr {
	uint8_t family; /**< 4 or 6 */
	uint8_t kind;	/**< WEIR_ADDR_VIP or WEIR_ADDR_LOCAL */
	uint8_t prefix; /**< prefix length of a local address's subnet */
	uint8_t ip[16]; /**< IPv4 in the first 4 bytes, network order */
};

/** Maximum addresses one responder knows. */
#define WEIR_ADDRS_MAX 64

/** Bits of the filter that weir_addrs_index() builds. */
#define WEIR_ADDRS_FILTER_BITS 2048

/** The addresses a responder answers for. */
struct weir_addrs {
	unsigned int n;
	struct weir_addr a[WEIR_ADDRS_MAX];
	/**
	 * Set by weir_addrs_index(): filter has a bit for a hash of each
	 * address and of each local subnet's broadcast address, so that
	 * weir_pkt_check_source() goes through a[] only for the rare source
	 * whose bit is set. 0 (a set filled without weir_addrs_index(), or
	 * changed since): a[] is gone through for every source.
	 */
	unsigned int indexed;
	uint64_t filter[WEIR_ADDRS_FILTER_BITS / 64];
};

/**
 * Find an owned address.
 *
 * @param set
 *   Owned addresses.
 * @param family
 *   4 or 6.
 * @param ip
 *   4 or 16 bytes, network order.
 * @return
 *   The entry, or NULL if the address is not owned.
 */
const struct weir_addr *weir_addrs_find(const struct weir_addrs *set, int family,
					const uint8_t *ip);

/**
 * Index a set for weir_pkt_check_source() (see struct weir_addrs): call it
 * again after any change to the set.
 *
 * @param set
 *   Owned addresses.
 */
void weir_addrs_index(struct weir_addrs *set);

/**
 * Check a parsed frame's sources before anything acts on it (a martian
 * filter): no answer, connection or forwarded packet may go to an address
 * that cannot be a peer's. In this order:
 *
 * - Ethernet source: a group address (multicast, broadcast) or all zero
 *   (WEIR_PKT_DROP_L2_SRC_INVALID), or mac, the port's own
 *   (WEIR_PKT_DROP_L2_SRC_OWN);
 * - IPv4 source, and the ARP sender: 0.0.0.0/8 (unspecified), 127.0.0.0/8
 *   (loopback), 224.0.0.0/4 (multicast), 255.255.255.255 or the broadcast
 *   address of a local address's subnet (broadcast), the rest of
 *   240.0.0.0/4 (reserved), and, for IPv4 packets only, an address of set
 *   (own: a land attack, or weir's own packets looped back). An ARP probe's
 *   sender 0.0.0.0 (RFC 5227) passes; an ARP sender that is weir's own
 *   address is left to the responder (a gratuitous ARP: arp_ignored);
 * - IPv6 source: :: (unspecified) unless the packet is ICMPv6 to a
 *   multicast group (duplicate address detection, MLD reports), ::1
 *   (loopback), ff00::/8 (multicast), ::ffff:0:0/96 (IPv4-mapped),
 *   fe80::/10 on a packet that is not ICMPv6 and not addressed to a
 *   link-local or multicast address (routed: link-local neighbour
 *   discovery and echo pass, TCP and UDP to a VIP do not), and an address
 *   of set (own).
 *
 * @param buf
 *   The frame.
 * @param p
 *   Its parse result (weir_pkt_parse() returned WEIR_PKT_DROP_NONE).
 * @param set
 *   Owned addresses (VIPs and local addresses with their prefixes), best
 *   indexed by weir_addrs_index().
 * @param mac
 *   Our MAC on the port the frame came in on.
 * @return
 *   WEIR_PKT_DROP_NONE, or the reason the frame is refused.
 */
enum weir_pkt_drop weir_pkt_check_source(const uint8_t *buf, const struct weir_pkt *p,
					 const struct weir_addrs *set, const uint8_t mac[6]);

/** Outcome of weir_pkt_respond(). */
enum weir_pkt_verdict {
	WEIR_VERDICT_DROP = 0, /**< drop; *why says the reason */
	WEIR_VERDICT_TX,       /**< the buffer now holds the answer; send it back out */
};

/**
 * Answer a parsed packet in place: ARP request, IPv6 neighbour solicitation
 * and ICMP/ICMPv6 echo to an owned address. Everything else is a drop with a
 * reason.
 *
 * @param buf
 *   The frame; rewritten into the answer on WEIR_VERDICT_TX.
 * @param len
 *   Frame length.
 * @param cap
 *   Writable bytes at buf (>= len); an answer longer than the request (a
 *   neighbour advertisement) needs room.
 * @param p
 *   Result of weir_pkt_parse() on the same buffer.
 * @param set
 *   Owned addresses.
 * @param mac
 *   Our MAC address on the port the frame came in.
 * @param out_len
 *   Length of the answer on WEIR_VERDICT_TX.
 * @param why
 *   Drop reason on WEIR_VERDICT_DROP.
 * @return
 *   The verdict.
 */
enum weir_pkt_verdict weir_pkt_respond(uint8_t *buf, size_t len, size_t cap,
				       const struct weir_pkt *p, const struct weir_addrs *set,
				       const uint8_t mac[6], size_t *out_len,
				       enum weir_pkt_drop *why);

/**
 * The address that decides which worker owns a packet: the client's, i.e.
 * the IPv4/IPv6 source or the ARP sender. A pure function of the packet, so
 * every worker computes the same owner.
 *
 * @param buf
 *   The frame.
 * @param p
 *   Result of a successful weir_pkt_parse().
 * @return
 *   A 32-bit hash of the client address; 0 for frames without one.
 */
uint32_t weir_pkt_client_hash(const uint8_t *buf, const struct weir_pkt *p);

/**
 * Internet checksum: add len bytes to a running one's-complement sum.
 *
 * @param data
 *   Bytes to add (any alignment).
 * @param len
 *   Number of bytes; an odd tail is padded with zero.
 * @param sum
 *   Running sum (0 to start).
 * @return
 *   The new running sum, unfolded.
 */
uint32_t weir_csum_add(const void *data, size_t len, uint32_t sum);

/**
 * Fold a running sum into the 16-bit checksum field value (complemented).
 *
 * @param sum
 *   Running sum from weir_csum_add().
 * @return
 *   Checksum in host order, ready for a big-endian store.
 */
uint16_t weir_csum_fold(uint32_t sum);

/**
 * Update a checksum field in place for n bytes that change from old to new
 * (RFC 1624, eqn. 3): the data is not summed again.
 *
 * @param field
 *   The 16-bit checksum field, big-endian, any alignment.
 * @param old
 *   The bytes as they were.
 * @param new
 *   The bytes as they become.
 * @param n
 *   Number of bytes, even; they must sit at an even offset of the summed data.
 */
static inline void
weir_csum_update(uint8_t *field, const void *old, const void *new, size_t n)
{
	/* Inline: FullNAT calls it three to five times per packet. */
	const uint8_t *o = (const uint8_t *)old, *w = (const uint8_t *)new;
	uint32_t sum = (uint16_t) ~(field[0] << 8 | field[1]);
	size_t i;

	for (i = 0; i + 1 < n; i += 2) {
		sum += (uint16_t) ~(o[i] << 8 | o[i + 1]);
		sum += (uint16_t)(w[i] << 8 | w[i + 1]);
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum;
	field[0] = (uint8_t)(sum >> 8);
	field[1] = (uint8_t)sum;
}

/* ------------------------------------------------------------------------ */
/* Frames weir writes                                                       */

/** Most TCP option bytes in a header. */
#define WEIR_PKT_TCP_OPTS_MAX 40

/** A TCP segment for weir_pkt_tcp_build(). */
struct weir_pkt_tcp {
	uint8_t family;	     /**< 4 or 6 */
	const uint8_t *src;  /**< source address, 4 or 16 bytes, network order */
	const uint8_t *dst;  /**< destination address */
	uint16_t sport;	     /**< host order */
	uint16_t dport;	     /**< host order */
	uint32_t seq;	     /**< host order */
	uint32_t ack;	     /**< host order */
	uint16_t win;	     /**< window field as sent */
	uint8_t flags;	     /**< TCP flag bits (FIN 0x01 ... ACK 0x10) */
	uint8_t opts_len;    /**< option bytes, a multiple of 4, at most 40 */
	const uint8_t *opts; /**< option bytes (may be NULL when opts_len is 0) */
	const uint8_t *data; /**< payload (may be NULL when data_len is 0) */
	uint16_t data_len;   /**< payload bytes */
};

/**
 * Write a TCP segment behind an L2 header already in place: a fresh IPv4
 * header (no options, TTL 64) or IPv6 header (no extension headers, hop
 * limit 64), the TCP header with its options, the payload, and both
 * checksums in full. Addresses, options and payload may point into buf
 * (the frame being replaced).
 *
 * @param buf
 *   The frame; bytes from l2_len on are overwritten.
 * @param cap
 *   Writable bytes at buf.
 * @param l2_len
 *   Length of the L2 header kept in front (VLAN tags included).
 * @param t
 *   The segment.
 * @return
 *   The frame's new length, or 0 if it does not fit in cap or t is invalid.
 */
size_t weir_pkt_tcp_build(uint8_t *buf, size_t cap, size_t l2_len, const struct weir_pkt_tcp *t);

/**
 * Turn a client's SYN into the RFC 793 answer to a SYN nobody will take:
 * an RST+ACK from the address and port it was sent to, acknowledging the
 * SYN and any data, sent back to the MAC it came from.
 *
 * @param buf
 *   The frame, parsed as p; rewritten in place.
 * @param cap
 *   Writable bytes at buf.
 * @param p
 *   Its parse result.
 * @param mac
 *   Our MAC on the port it came in on (the answer's source).
 * @return
 *   The answer's length, or 0 (buf untouched) if the frame is not a SYN
 *   without ACK, carries IPv6 extension headers, or the answer does not fit.
 */
size_t weir_pkt_tcp_rst_for_syn(uint8_t *buf, size_t cap, const struct weir_pkt *p,
				const uint8_t mac[6]);

/**
 * Write an ARP request (broadcast, 60 bytes) for tip from sip at mac.
 *
 * @param buf
 *   Output.
 * @param cap
 *   Bytes at buf (at least 60).
 * @param mac
 *   Our MAC.
 * @param sip
 *   Our IPv4 address on the target's subnet.
 * @param tip
 *   The address asked for.
 * @return
 *   60, or 0 if cap is too small.
 */
size_t weir_pkt_arp_request(uint8_t *buf, size_t cap, const uint8_t mac[6], const uint8_t sip[4],
			    const uint8_t tip[4]);

/**
 * Write a neighbour solicitation (86 bytes) for target, to its
 * solicited-node multicast group, from src with a source link-layer
 * address option.
 *
 * @param buf
 *   Output.
 * @param cap
 *   Bytes at buf (at least 86).
 * @param mac
 *   Our MAC.
 * @param src
 *   Our IPv6 address on the target's subnet.
 * @param target
 *   The address asked for.
 * @return
 *   86, or 0 if cap is too small.
 */
size_t weir_pkt_nd_solicit(uint8_t *buf, size_t cap, const uint8_t mac[6], const uint8_t src[16],
			   const uint8_t target[16]);

/**
 * Rewrite the addresses and ports of a parsed TCP or UDP packet in place
 * (FullNAT), updating the L4 checksum incrementally (RFC 1624; a UDP
 * checksum of 0 over IPv4 stays 0, one that computes to 0 is sent as
 * 0xffff) and the IPv4 header checksum unless the port computes it.
 *
 * @param buf
 *   The frame.
 * @param p
 *   Its parse result (IPv4 or IPv6, TCP or UDP, not a fragment).
 * @param src
 *   New source address (4 or 16 bytes as the packet's family).
 * @param dst
 *   New destination address.
 * @param sport
 *   New source port, network order.
 * @param dport
 *   New destination port, network order.
 * @param ip_csum
 *   1: update the IPv4 header checksum; 0: set it to 0 (TX offload).
 */
void weir_pkt_nat_rewrite(uint8_t *buf, const struct weir_pkt *p, const uint8_t *src,
			  const uint8_t *dst, const uint8_t sport[2], const uint8_t dport[2],
			  int ip_csum);

/**
 * Encapsulate an IP packet in IP-in-IP (IPv4 protocol 4, TTL 64, the inner
 * TOS kept) or IPv6-in-IPv6 (next header 41, hop limit 64): the caller has
 * made room for the outer header (20 or 40 bytes) in front of the frame.
 *
 * @param buf
 *   The new start of the frame: room, then the old L2 header and the inner
 *   packet. The L2 header moves to the front.
 * @param l2_len
 *   L2 header length.
 * @param inner_len
 *   Length of the inner IP packet (no Ethernet padding).
 * @param family
 *   4 or 6: the inner packet's family, which the outer header takes.
 * @param src
 *   Outer source address.
 * @param dst
 *   Outer destination address.
 */
void weir_pkt_ipip_encap(uint8_t *buf, size_t l2_len, size_t inner_len, int family,
			 const uint8_t *src, const uint8_t *dst);

/**
 * Lower the MSS option of a TCP header (a SYN or SYN-ACK) to clamp, if it
 * is above, updating the checksum.
 *
 * @param tcp
 *   The TCP header.
 * @param hlen
 *   Its length (data offset * 4).
 * @param clamp
 *   Largest MSS let through.
 * @return
 *   1 if the option was lowered, 0 otherwise.
 */
int weir_pkt_tcp_mss_clamp(uint8_t *tcp, size_t hlen, uint16_t clamp);

#endif /* WEIR_PKT_H */
