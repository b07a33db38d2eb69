/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_DROP_H
#define WEIR_DROP_H

/**
 * @file
 * Why the daemon drops a packet. The packet library's reasons (malformed
 * headers, frames not for us: enum weir_pkt_drop) keep their values; the
 * daemon's own (full queues, missing state, limits, the SYN proxy) follow
 * from WEIR_PKT_DROP__MAX. Each reason is a counter per worker and a JSON
 * key of weirctl stats, named once here.
 */

#include "weir_pkt.h"

/** The daemon's reasons: X(CONSTANT, "json_name", "what it means"). */
#define WEIR_DROPS(X)                                                                              \
	X(TX_FULL, "tx_full", "the TX queue did not take the packet")                              \
	X(STEER_FULL, "steer_full", "the steering ring to the owner worker was full")              \
	X(NO_BACKEND, "no_backend", "every backend of the service has weight 0 or is disabled")    \
	X(NEIGH_MISS, "neigh_miss", "the chosen backend's MAC is not resolved yet")                \
	X(LPORT_EXHAUSTED, "lport_exhausted", "no free FullNAT local port on any local IP")        \
	X(UDP_SOURCE_PORTS, "udp_source_ports",                                                    \
	  "the source holds udp_ports_per_source FullNAT UDP local ports on this worker")          \
	X(CONN_TABLE_FULL, "conn_table_full", "FullNAT flow and no room in the connection table")  \
	X(NO_CONN, "no_conn", "mid-connection TCP or a reply with no connection entry")            \
	X(NO_HEADROOM, "no_headroom", "no room in the mbuf for a header weir adds or writes")      \
	X(RATE_LIMITED, "rate_limited", "a new connection over its source's limit")                \
	X(SOURCE_TABLE_FULL, "source_table_full", "a new source and no room to track it")          \
	X(ACL_DENIED, "acl_denied", "a client without a connection from a denied prefix")          \
	X(PACKET_LIMITED, "packet_limited", "a client packet over its source's packets/s limit")   \
	X(CONCURRENCY_LIMITED, "concurrency_limited",                                              \
	  "a new connection over its source's open-connection limit")                              \
	X(BANNED, "banned", "a client packet from a banned source")                                \
	X(SYN_COOKIE_INVALID, "syn_cookie_invalid",                                                \
	  "synproxy: an ACK without a connection whose cookie is forged or stale")                 \
	X(SYNPROXY_PENDING, "synproxy_pending",                                                    \
	  "synproxy: a client segment while weir's handshake with the backend runs")               \
	X(SYNPROXY_REJECTED, "synproxy_rejected",                                                  \
	  "synproxy: a segment the splice refuses (blind RST, bad options, stray SYN)")            \
	X(HTTP_NO_BUFFER, "http_no_buffer",                                                        \
	  "http: a cookie ACK while every head buffer of the worker is in use")                    \
	X(HTTP_OUT_OF_ORDER, "http_out_of_order",                                                  \
	  "http: a client segment beyond the next byte of a spliced connection (sent again)")      \
	X(HTTP_SEGMENT, "http_segment",                                                            \
	  "http: a segment the connection's state refuses (blind RST, stray SYN, bad options)")

#define WEIR_DROP_ENUM_(c, n, h) WEIR_DROP_##c,

/** Drop reasons: the packet library's (WEIR_PKT_DROP_*), then the daemon's. */
enum weir_drop {
	WEIR_DROP_NONE = WEIR_PKT_DROP_NONE,
	WEIR_DROP_DAEMON_ = WEIR_PKT_DROP__MAX - 1,
	WEIR_DROPS(WEIR_DROP_ENUM_) WEIR_DROP__MAX,
};

/**
 * Counter name of any reason (stable: a JSON key).
 *
 * @param reason
 *   enum weir_pkt_drop or enum weir_drop value.
 * @return
 *   Static string, "unknown" out of range.
 */
const char *weir_drop_name(unsigned int reason);

#endif /* WEIR_DROP_H */
