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
 * answer). Every reason a packet can be refused has a counter name in
 * enum weir_pkt_drop, so the daemon can count drops per reason.
 */

#include <stddef.h>
#include <stdint.h>

/** Reasons a packet is dropped; WEIR_DROP_NONE means "not dropped". */
enum weir_pkt_drop {
	WEIR_DROP_NONE = 0,
	WEIR_DROP_RUNT,			/**< shorter than an Ethernet header (incl. empty) */
	WEIR_DROP_VLAN_TRUNC,		/**< VLAN tag runs off the frame */
	WEIR_DROP_VLAN_TOO_MANY,	/**< more than WEIR_PKT_MAX_VLAN stacked tags */
	WEIR_DROP_L2_FOREIGN,		/**< unicast to another MAC address */
	WEIR_DROP_ETHERTYPE,		/**< neither ARP, IPv4 nor IPv6 */
	WEIR_DROP_ARP_MALFORMED,	/**< truncated or not Ethernet/IPv4 ARP */
	WEIR_DROP_ARP_IGNORED,		/**< ARP reply or other op we do not act on */
	WEIR_DROP_ARP_NOT_OURS,		/**< ARP request for an address we do not own */
	WEIR_DROP_IPV4_TRUNC,		/**< header or total length beyond the frame */
	WEIR_DROP_IPV4_BAD_VERSION,	/**< version field is not 4 */
	WEIR_DROP_IPV4_BAD_IHL,		/**< IHL below 5 */
	WEIR_DROP_IPV4_BAD_LEN,		/**< total length below the header length */
	WEIR_DROP_IPV4_BAD_CSUM,	/**< header checksum wrong */
	WEIR_DROP_IPV4_FRAGMENT,	/**< fragments are not reassembled (yet) */
	WEIR_DROP_IPV6_TRUNC,		/**< fixed header or payload length beyond the frame */
	WEIR_DROP_IPV6_BAD_VERSION,	/**< version field is not 6 */
	WEIR_DROP_IPV6_EXT_TRUNC,	/**< an extension header runs off the packet */
	WEIR_DROP_IPV6_EXT_LIMIT,	/**< more than WEIR_PKT_MAX_IPV6_EXT extension headers */
	WEIR_DROP_IPV6_FRAGMENT,	/**< fragments are not reassembled (yet) */
	WEIR_DROP_L4_TRUNC,		/**< TCP/UDP/ICMP header runs off the IP payload */
	WEIR_DROP_TCP_BAD_DOFF,		/**< TCP data offset below 5 or beyond the segment */
	WEIR_DROP_UDP_BAD_LEN,		/**< UDP length disagrees with the IP payload */
	WEIR_DROP_ICMP_BAD_CSUM,	/**< ICMP echo to us, or any ICMPv6 (checked first: ND needs it), with a wrong checksum */
	WEIR_DROP_ICMP_UNHANDLED,	/**< ICMP type we do not answer (yet) */
	WEIR_DROP_ND_MALFORMED,		/**< neighbour solicitation failing RFC 4861 7.1.1 */
	WEIR_DROP_NOT_OURS,		/**< IP destination is none of our VIPs or local IPs */
	WEIR_DROP_NO_SERVICE,		/**< TCP/UDP/other protocol to us, no service for it */
	WEIR_DROP_MULTISEG,		/**< chained mbuf, or no room in the segment for a neighbour advertisement */
	WEIR_DROP_TX_FULL,		/**< the TX queue did not take the packet */
	WEIR_DROP_STEER_FULL,		/**< the steering ring to the owner worker was full */
	WEIR_DROP_NO_BACKEND,		/**< every backend of the service has weight 0 or is disabled */
	WEIR_DROP_NEIGH_MISS,		/**< the chosen backend's MAC is not resolved yet */
	WEIR_DROP_LPORT_EXHAUSTED,	/**< no free FullNAT local port on any local IP */
	WEIR_DROP_CONN_TABLE_FULL,	/**< FullNAT flow and no room in the connection table */
	WEIR_DROP_NO_CONN,		/**< mid-connection TCP or a reply with no connection entry */
	WEIR_DROP_NO_HEADROOM,		/**< no room in the mbuf for the DSR outer header */
	WEIR_DROP_RATE_LIMITED,		/**< a new connection over its source's limit */
	WEIR_DROP_SOURCE_TABLE_FULL,	/**< a new source and no room to track it */
	WEIR_DROP_ACL_DENIED,		/**< a client without a connection from a denied prefix */
	WEIR_DROP_PACKET_LIMITED,	/**< a client packet over its source's packets/s limit */
	WEIR_DROP_CONCURRENCY_LIMITED,	/**< a new connection over its source's open-connection limit */
	WEIR_DROP_BANNED,		/**< a client packet from a banned source */
	WEIR_DROP_SYN_COOKIE_INVALID,	/**< synproxy: an ACK without a connection whose cookie is forged or stale */
	WEIR_DROP_SYNPROXY_PENDING,	/**< synproxy: a client segment while weir's handshake with the backend runs */
	WEIR_DROP_SYNPROXY_REJECTED,	/**< synproxy: a segment the splice refuses (blind RST, bad options, stray SYN) */
	WEIR_DROP__MAX,
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
#define WEIR_PKT_F_L2_BCAST 0x01 /**< Ethernet destination is broadcast */
#define WEIR_PKT_F_L2_MCAST 0x02 /**< Ethernet destination is multicast (incl. broadcast) */
#define WEIR_PKT_F_IPV4_OPTS 0x04 /**< IPv4 header carries options */
#define WEIR_PKT_F_FRAG 0x08 /**< IP fragment (first or later) */
#define WEIR_PKT_F_IPV6_EXT 0x10 /**< IPv6 extension headers were walked */

/**
 * What weir_pkt_parse() learnt. Offsets count from the start of the buffer;
 * the parser guarantees l4_off + l4_len <= len.
 */
struct weir_pkt {
	uint16_t l2_len;     /**< Ethernet header plus VLAN tags */
	uint16_t ether_type; /**< innermost EtherType, host order */
	uint16_t vlan_tci;   /**< outermost VLAN TCI (host order), 0 if untagged */
	uint8_t vlan_count;  /**< number of VLAN tags */
	uint8_t l3;          /**< enum weir_pkt_l3 */
	uint16_t l3_len;     /**< IPv4 IHL*4; IPv6 40 + extension headers; ARP 28 */
	uint16_t l3_total;   /**< IPv4 total length; IPv6 40 + payload length */
	uint16_t l4_off;     /**< where the L4 header starts */
	uint16_t l4_len;     /**< bytes from l4_off to the end of the IP packet */
	uint8_t l4_proto;    /**< IPPROTO_* after extension headers */
	uint8_t flags;       /**< WEIR_PKT_F_* */
};

/**
 * Parse Ethernet, VLAN, ARP, IPv4, IPv6 (with extension headers), TCP, UDP,
 * ICMP and ICMPv6 headers, checking every length against the buffer.
 *
 * @param buf
 *   First byte of the frame.
 * @param len
 *   Bytes readable at buf.
 * @param p
 *   Filled on success; partially filled on failure.
 * @return
 *   WEIR_DROP_NONE if the headers are well formed, else the drop reason.
 */
enum weir_pkt_drop weir_pkt_parse(const uint8_t *buf, size_t len, struct weir_pkt *p);

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
	uint8_t kind;   /**< WEIR_ADDR_VIP or WEIR_ADDR_LOCAL */
	uint8_t prefix; /**< prefix length of a local address's subnet */
	uint8_t ip[16]; /**< IPv4 in the first 4 bytes, network order */
};

/** Maximum addresses one responder knows. */
#define WEIR_ADDRS_MAX 64

/** The addresses a responder answers for. */
struct weir_addrs {
	unsigned int n;
	struct weir_addr a[WEIR_ADDRS_MAX];
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
	uint32_t sum = (uint16_t)~(field[0] << 8 | field[1]);
	size_t i;

	for (i = 0; i + 1 < n; i += 2) {
		sum += (uint16_t)~(o[i] << 8 | o[i + 1]);
		sum += (uint16_t)(w[i] << 8 | w[i + 1]);
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum;
	field[0] = (uint8_t)(sum >> 8);
	field[1] = (uint8_t)sum;
}

#endif /* WEIR_PKT_H */
