/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_HTTP_T_H
#define WEIR_HTTP_T_H

/**
 * @file
 * Types of the HTTP stage (app/http/http.h): the state of a connection
 * slot of an http service, the worker's head buffers, its queue of frames
 * made up, and its counters.
 */

#include <stdint.h>

#include <rte_common.h>

#include "core/counters.h"
#include "weir_gate.h"
#include "weir_http.h"
#include "weir_http_body.h"
#include "weir_tcp_edit.h"
#include "weir_tcp_endpoint.h"
#include "weir_tcp_splice.h"

struct rte_mbuf;
struct weir_conn;
struct weir_rl_topk;
struct weir_http_top_name;

/** Frames one call may queue (weir's answer, the prefix, ACKs). */
#define WEIR_HTTP_OUT_MAX 64u
/** Bytes of a head buffer beyond head_max: the rewritten head's growth, then weir's answer. */
#define WEIR_HTTP_BUF_GROWTH 1024u
#define WEIR_HTTP_BUF_ANSWER 1024u

/** Where a connection of an http service is. */
enum weir_http_phase {
	WEIR_HTTP_P_NONE = 0, /**< not an http connection (or gone) */
	WEIR_HTTP_P_COLLECT,  /**< reading the request head (the endpoint) */
	WEIR_HTTP_P_ANSWER,   /**< weir's own answer being sent, then closed (the endpoint) */
	WEIR_HTTP_P_CONNECT,  /**< routed and bound: SYN sent to the backend; body bytes still taken
			       */
	WEIR_HTTP_P_SEND,     /**< spliced, weir's prefix (head and early body) not all ACKed */
	WEIR_HTTP_P_SPLICED,  /**< spliced; the buffer is given back */
	WEIR_HTTP_P_LATE,     /**< a later request refused: the backend's last response drains
			       * (weir sent it a FIN), then weir answers in order and closes */
};

/** Bytes of a field slot: weir's RateLimit fields for a response, and the
 * backend's lines they replace with the rest of the region (app/http/fields.c). */
#define WEIR_HTTP_FIELDS_SLOT 384u
/** Requests out on a connection whose responses weir can frame (a power of 2). */
#define WEIR_HTTP_RQ_MAX 8u

/** What weir knows of the backend's stream (its responses). */
enum weir_http_b2c {
	WEIR_HTTP_B2C_HEAD = 0, /**< the next response head starts at rsp_nxt */
	WEIR_HTTP_B2C_BODY,	/**< a response body (rsp_body) runs from rsp_nxt */
	WEIR_HTTP_B2C_LOST,	/**< not followed any more (no fields from here on) */
};

/** A connection's field slot. */
enum weir_http_fld_state {
	WEIR_HTTP_FLD_NONE = 0,
	WEIR_HTTP_FLD_PENDING, /**< weir's fields for request fld_req's response */
	WEIR_HTTP_FLD_LIVE,    /**< the edit ed in force: its bytes, until the client ACKs them */
};

/** A field slot: weir's fields for one response, and the edit that puts them there. */
struct weir_http_fld {
	struct weir_tcp_edit ed; /**< LIVE: the edit in force */
	uint64_t r;		 /**< PENDING: the fewest requests left of weir's policies */
	uint32_t t;		 /**< and the longest wait among those */
	uint16_t len;		 /**< PENDING: the fields' length */
	uint8_t req;		 /**< PENDING: the request (rq_sent's count) they answer */
	uint8_t text[WEIR_HTTP_FIELDS_SLOT]; /**< the fields; LIVE: the edit's bytes */
};

/** What the client's bytes are, once spliced (keep-alive). */
enum weir_http_c2b {
	WEIR_HTTP_C2B_BODY = 0, /**< the current request's body: forwarded as they come */
	WEIR_HTTP_C2B_HEAD,	/**< a later request's head: collected into the buffer */
	WEIR_HTTP_C2B_OPAQUE,	/**< after an upgrade: forwarded, never parsed */
};

/** One connection slot's HTTP state (a side array, like the SYN proxy's). */
struct weir_http_ctx {
	struct weir_tcp_ep ep;	  /**< the client leg until the splice */
	struct weir_tcp_splice s; /**< from the cookie; spliced from the backend's SYN-ACK */
	uint32_t buf;		  /**< 1 + index of its head buffer, or 0 */
	uint32_t scanned;	  /**< the head parser's resumption point */
	uint32_t floor;	  /**< client's view: weir itself ACKed the client's bytes up to here */
	uint32_t pfx_len; /**< weir's bytes to the backend: buf[0, pfx_len) (+ a FIN) */
	uint32_t pfx_nxt; /**< next of them to send (offset) */
	uint32_t pfx_una; /**< of them, the first not ACKed by the backend */
	uint32_t b_wnd;	  /**< the backend's window, bytes */
	uint32_t base;	  /**< weir's ISN to the backend - the client's ISN */
	uint32_t shift;	  /**< the rewritten head's growth: client seq + shift = backend's */
	struct weir_http_body rb; /**< the current request's body (client to backend) */
	uint32_t head_rw;	  /**< the first request: its rewritten head is buf[0, head_rw) */
	uint32_t pfx_seq;	  /**< the backend's view of buf[0] while a prefix is out */
	uint32_t hold_seq;	  /**< backend's view of the first client byte weir holds */
	uint32_t col_off;	  /**< the next head being collected: buf[col_off, + col_len) */
	uint32_t col_len;
	uint32_t col_seq; /**< client's seq of buf[col_off] */
	uint32_t col_d;	  /**< the client-to-backend shift in force at col_seq */
	uint32_t d_prev;  /**< client seqs before shift_seq translate with d_prev */
	uint32_t shift_seq;
	uint64_t rtx_at;      /**< backend leg's retransmission (SYN, prefix), ms; 0: none */
	uint16_t b_mss;	      /**< the backend's MSS */
	uint8_t phase;	      /**< enum weir_http_phase */
	uint8_t rtx;	      /**< backend leg retransmissions */
	uint8_t fin_in;	      /**< the client's FIN came before the splice: sent after the prefix */
	uint8_t parent;	      /**< the http service */
	uint8_t c2b;	      /**< enum weir_http_c2b */
	uint16_t late_status; /**< LATE: weir's answer */
	uint16_t pre_len;     /**< weir's answer is written already (the gate's): its length */
	const char *late_why; /**< LATE: its message (a static string) */
	uint32_t late_fin;    /**< LATE: backend's view of weir's FIN */
	uint64_t late_until;  /**< LATE: the backend's FIN is awaited until then (ms) */
	/* The backend's responses, for the RateLimit fields (app/http/fields.c). */
	struct weir_http_body rsp_body; /**< the current response's body */
	uint32_t rsp_nxt;		/**< backend seq: the responses are followed up to here */
	uint32_t fld;			/**< 1 + index of its field slot, or 0 */
	uint8_t fld_state;		/**< enum weir_http_fld_state */
	uint8_t rsp;			/**< enum weir_http_b2c */
	uint8_t rq_sent;		/**< requests sent to the backend (mod 256) */
	uint8_t rq_done;		/**< of them, those whose final response head came */
	uint8_t rq_meth[WEIR_HTTP_RQ_MAX]; /**< methods of those out, by count mod RQ_MAX */
};

/** A frame the stage made up, for the worker loop to address and send. */
struct weir_http_out {
	struct rte_mbuf *m;
	uint32_t idx;	    /**< its connection slot */
	uint8_t to_backend; /**< 1: to the connection's backend, 0: to its client */
};

/** An event about a connection for the L4 stage (through the worker loop). */
struct weir_http_ev {
	uint32_t idx;
	uint8_t ev; /**< enum weir_verdict_event */
};

/** Per-worker HTTP counters: X(name, table, label, unit, help) (app/core/counters.h). */
#define WEIR_HTTP_COUNTERS(X)                                                                      \
	X(http_conns, "http", "conns", "connections", "connections accepted from a cookie ACK")    \
	X(http_heads, "http", "heads", "requests", "request heads parsed complete")                \
	X(http_heads_later, "http", "later", "requests",                                           \
	  "of those, later requests of a kept-alive connection")                                   \
	X(http_ooo, NULL, NULL, "segments",                                                        \
	  "client segments beyond the next byte on a spliced connection (dropped: requests are "   \
	  "tracked in order)")                                                                     \
	X(http_routed, "http", "routed", "requests", "requests bound to a backend")                \
	X(http_spliced, "http", "spliced", "connections", "backend handshakes completed")          \
	X(http_answers, "http", "answers", "responses", "weir's own answers (every status)")       \
	X(http_400, NULL, NULL, "responses", "answers 400 (malformed head, smuggling)")            \
	X(http_404, NULL, NULL, "responses", "answers 404 (no route)")                             \
	X(http_408, NULL, NULL, "responses", "answers 408 (header_timeout)")                       \
	X(http_414, NULL, NULL, "responses", "answers 414 (target too long)")                      \
	X(http_431, NULL, NULL, "responses", "answers 431 (head or header count too large)")       \
	X(http_501, NULL, NULL, "responses", "answers 501 (transfer coding)")                      \
	X(http_502, NULL, NULL, "responses", "answers 502 (the backend refused or vanished)")      \
	X(http_503, NULL, NULL, "responses", "answers 503 (no backend serving, no local port)")    \
	X(http_505, NULL, NULL, "responses", "answers 505 (HTTP version)")                         \
	X(http_bytes_c2b, "http", "bytes_c2b", "bytes", "client bytes spliced to backends")        \
	X(http_bytes_b2c, "http", "bytes_b2c", "bytes", "backend bytes spliced to clients")        \
	X(http_head_full, NULL, NULL, "connections", "head buffer full before the head ended")     \
	X(http_no_buffer, NULL, NULL, "connections",                                               \
	  "cookie ACKs refused: every head buffer of the worker in use")                           \
	X(http_rtx_client, NULL, NULL, "segments", "weir's answer segments retransmitted")         \
	X(http_rtx_backend, NULL, NULL, "segments",                                                \
	  "SYNs and prefix segments retransmitted to backends")                                    \
	X(http_header_timeouts, NULL, NULL, "connections", "heads not complete in header_timeout") \
	X(http_resets, NULL, NULL, "connections",                                                  \
	  "connections reset by the client before the splice")                                     \
	X(http_old_segments, NULL, NULL, "segments",                                               \
	  "client segments of bytes weir had ACKed itself, re-ACKed")                              \
	X(http_no_mbuf, NULL, NULL, "segments", "frames weir could not make (no mbuf)")            \
	X(http_later_refused, NULL, NULL, "connections",                                           \
	  "later requests weir refused on a kept-alive connection (both legs reset)")              \
	X(http_rl_fields, "gate", "fields", "responses",                                           \
	  "backend responses given weir's RateLimit fields")                                       \
	X(http_rl_fields_backend, "gate", "fields_backend", "responses",                           \
	  "responses whose own RateLimit fields were as restrictive as weir's (left as sent)")     \
	X(http_rl_fields_skipped, "gate", "fields_skipped", "responses",                           \
	  "responses to limited requests sent without weir's fields (head not in one segment, "    \
	  "no room, pipelined, the last fields not yet ACKed, stream not followed)")

/** Per-worker HTTP counters (written by the owner only). */
struct weir_http_stats {
	WEIR_HTTP_COUNTERS(WEIR_CTR_FIELD)
};

/** Per-worker HTTP state. */
struct weir_http_worker {
	struct weir_http_ctx *ctx; /**< per connection slot; NULL without http services */
	uint8_t *bufs;		   /**< n_bufs head buffers of buf_size bytes */
	uint32_t buf_size;
	uint32_t n_bufs;
	uint32_t *buf_free; /**< stack of free buffer indices */
	uint32_t n_free;
	uint32_t *buf_owner;	    /**< per buffer: its connection slot, or UINT32_MAX */
	uint32_t scan;		    /**< timer scan cursor over the buffers */
	uint8_t *scratch;	    /**< the rewritten head; a response segment with fields */
	struct weir_http_fld *flds; /**< n_bufs field slots */
	uint32_t *fld_free;	    /**< stack of free field slots */
	uint32_t n_fld_free;
	const struct weir_gate_out *gate_allowed; /**< the last request's limits, if any */
	struct weir_http_resp resp;		  /**< a response head parsed */
	struct weir_http_req req;
	unsigned int n_out;
	struct weir_http_out out[WEIR_HTTP_OUT_MAX];
	unsigned int n_ev;
	struct weir_http_ev ev[WEIR_HTTP_OUT_MAX];
	uint32_t bind_svc; /**< after WEIR_EV_ROUTE: the service to pick a backend from */
	struct weir_conn *(*conn)(void *arg, uint32_t idx); /**< slot -> connection */
	void *conn_arg;
	uint64_t now_ms;
	uint64_t rid_key[4];  /**< two SipHash keys for X-Request-Id (random at start) */
	unsigned int id;      /**< the worker's index */
	uint64_t *route_hits; /**< per service x (WEIR_HTTP_ROUTES_MAX + 1): the last is the default
			       */
	struct weir_gate_local gate;	      /**< the worker's part of the API gate */
	struct weir_gate_out gate_out;	      /**< the gate's last answer */
	struct weir_gate_creds gate_creds;    /**< the last request's credentials */
	char gate_subject[3 * 128 + 1];	      /**< X-Weir-Subject's value */
	struct weir_rl_topk *top_keys;	      /**< keys the gate limited (heavy hitters) */
	struct weir_http_top_name *top_names; /**< their JWT subjects (app/http/top_keys.c) */
	struct weir_http_stats stats;
};

#endif /* WEIR_HTTP_T_H */
