/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_HTTP_H
#define WEIR_HTTP_H

/**
 * @file
 * lib/http_lite: HTTP/1.x just far enough for a load balancer to read,
 * route and splice, pure C (no DPDK, no allocation, no globals). Bytes come
 * in as (buf, len) the caller owns; what is parsed comes out as views
 * (offset, length) into buf.
 *
 * Three parts, one source file each:
 * - parse.c (this header): the request head parser (weir_http_parse_req());
 * - body.c (weir_http_body.h): the response head parser and the
 *   message-boundary tracker for both directions;
 * - out.c (weir_http_out.h): the head rewriter and weir's own responses.
 *
 * Errors are negative HTTP statuses (-400, -414, -431, -501, -505) with the
 * byte offset where the fault was found and a reason code for counters.
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/** A view into the caller's buffer. */
struct weir_http_view {
	uint32_t off;
	uint32_t len;
};

/** One header line: name and value (value without surrounding whitespace). */
struct weir_http_header {
	struct weir_http_view name;
	struct weir_http_view value;
};

/** Most headers a head may hold (the limit may be set lower). */
#define WEIR_HTTP_HEADERS_CAP 128

/** Defaults and bounds of the limits. */
#define WEIR_HTTP_HEAD_MAX_DEFAULT 8192
#define WEIR_HTTP_HEAD_MAX_LIMIT 65536
#define WEIR_HTTP_HEADERS_MAX_DEFAULT 100
#define WEIR_HTTP_TARGET_MAX_DEFAULT 4096

/** Limits of a head (0 in a field: its default). */
struct weir_http_limits {
	uint32_t head_max;    /**< whole head, CRLF CRLF included (-> 431), <= 64 KiB */
	uint32_t headers_max; /**< header lines (-> 431), clamped to WEIR_HTTP_HEADERS_CAP */
	uint32_t target_max;  /**< bytes of the request target (-> 414) */
};

/** Methods weir knows by name; any other valid token is OTHER. */
enum weir_http_method {
	WEIR_HTTP_GET = 0,
	WEIR_HTTP_HEAD,
	WEIR_HTTP_POST,
	WEIR_HTTP_PUT,
	WEIR_HTTP_DELETE,
	WEIR_HTTP_CONNECT,
	WEIR_HTTP_OPTIONS,
	WEIR_HTTP_TRACE,
	WEIR_HTTP_PATCH,
	WEIR_HTTP_OTHER,
};

/** Request-target forms (RFC 9112 3.2). */
enum weir_http_form {
	WEIR_HTTP_ORIGIN = 0, /**< /path?query */
	WEIR_HTTP_ABSOLUTE,   /**< http://host/path?query */
	WEIR_HTTP_AUTHORITY,  /**< host:port, CONNECT only */
	WEIR_HTTP_ASTERISK,   /**< *, OPTIONS only */
};

/** Why a head was refused (counters and logs). */
enum weir_http_fault {
	WEIR_HTTP_F_NONE = 0,
	WEIR_HTTP_F_METHOD,	   /**< empty, or not a token followed by SP */
	WEIR_HTTP_F_TARGET,	   /**< malformed target, or a form the method may not use */
	WEIR_HTTP_F_TARGET_LONG,   /**< target over target_max (414) */
	WEIR_HTTP_F_VERSION,	   /**< HTTP/d.d not 1.0 or 1.1 (505), else malformed (400) */
	WEIR_HTTP_F_LINE,	   /**< bare CR or LF; a control byte in the request line */
	WEIR_HTTP_F_NAME,	   /**< empty, not a token, no colon, or space before it */
	WEIR_HTTP_F_VALUE,	   /**< a control byte other than HTAB in a value */
	WEIR_HTTP_F_FOLD,	   /**< obs-fold (a line starting with SP or HTAB) */
	WEIR_HTTP_F_HEAD_LARGE,	   /**< head over head_max (431) */
	WEIR_HTTP_F_HEADERS_MANY,  /**< more than headers_max headers (431) */
	WEIR_HTTP_F_HOST_MISSING,  /**< HTTP/1.1 without Host */
	WEIR_HTTP_F_HOST_MANY,	   /**< several Host headers */
	WEIR_HTTP_F_HOST_MISMATCH, /**< Host disagrees with an absolute-form target */
	WEIR_HTTP_F_CL_BAD,	   /**< not 1#DIGITS of one value < 2^63, or differing values */
	WEIR_HTTP_F_CL_TE,	   /**< both Content-Length and Transfer-Encoding */
	WEIR_HTTP_F_TE_BAD,	   /**< not ending in chunked (once), malformed, or on 1.0 */
	WEIR_HTTP_F_TE_UNKNOWN,	   /**< not chunked, [x-]gzip, deflate, [x-]compress (501) */
	WEIR_HTTP_F_STATUS,	   /**< malformed status line (responses) */
	WEIR_HTTP_F_CHUNK,	   /**< malformed chunked body */
	WEIR_HTTP_F__MAX,
};

/** A parsed request head. */
struct weir_http_req {
	uint8_t method;			/**< enum weir_http_method */
	uint8_t form;			/**< enum weir_http_form */
	uint8_t version;		/**< 10 or 11 */
	uint8_t chunked;		/**< Transfer-Encoding ends in chunked */
	uint8_t has_cl;			/**< Content-Length given */
	uint8_t close;			/**< Connection: close, or 1.0 without keep-alive */
	uint8_t expect_continue;	/**< Expect: 100-continue (1.1 only: 1.0 ignores it) */
	uint8_t upgrade;		/**< Upgrade header and Connection: upgrade (1.1 only) */
	uint8_t fault;			/**< enum weir_http_fault of a refusal */
	uint32_t err_pos;		/**< offset where the fault was found */
	uint64_t content_length;	/**< when has_cl */
	struct weir_http_view method_v; /**< the method's token */
	struct weir_http_view target;	/**< the whole request target */
	struct weir_http_view path;	/**< path (origin or absolute form; empty otherwise, and in
					 * "http://host" where it stands for "/") */
	struct weir_http_view query;	/**< after '?', without it (len 0 if none) */
	/** The Host header's value; without one (HTTP/1.0 only), the authority of an absolute
	 * or authority-form target, else empty. With an absolute target, a Host must equal its
	 * authority (case-insensitive, port included: "h" is not "h:80"). */
	struct weir_http_view host;
	uint16_t n_headers;
	struct weir_http_header headers[WEIR_HTTP_HEADERS_CAP];
	/* Resumption state (weir_http_parse_req()): private. */
	uint32_t scanned; /**< bytes already searched for the end of the head (CR LF CR LF) */
};

/**
 * Prepare r for a new head: its resumption state and fault. The other
 * fields are written by weir_http_parse_req() once it finds the head's
 * end (all of them, before parsing); read them only after an answer > 0.
 */
void weir_http_req_init(struct weir_http_req *r);

/**
 * Parse a request head, resumably (HAProxy's h1 contract): call again with
 * the same buffer grown (its first bytes unchanged) after a 0. Until the
 * end of the head is seen only the search for it runs, from r->scanned on
 * (memchr), so a head fed in pieces costs O(its length); a bare LF met by
 * that search is refused at once (-400, F_LINE), which is also what one
 * call over the whole head answers. Then the head is parsed in one pass.
 * The same bytes give the same answer however they were split; calling
 * again after a non-zero answer repeats it.
 *
 * Strict where request smuggling hides (RFC 9110, RFC 9112): CR LF only,
 * no obs-fold, no whitespace before a colon, Content-Length one number
 * (identical list elements allowed), not with Transfer-Encoding, whose
 * codings must end in chunked; one Host, required in HTTP/1.1; a target
 * of visible ASCII in a form its method may use ('*': OPTIONS only;
 * host:port: CONNECT only, and CONNECT nothing else; absolute: http or
 * https, without userinfo); values of HTAB, SP, visible ASCII and
 * 0x80-0xff, kept as they are.
 *
 * @param lim
 *   Limits, or NULL for the defaults.
 * @return
 *   0: the head is not complete yet (need more bytes); > 0: the head's
 *   length (through CRLF CRLF), r filled; < 0: -(HTTP status) to answer
 *   (-400, -414, -431, -501, -505), r->fault and r->err_pos set.
 *   -431 as soon as len passes head_max without the head's end in its
 *   first head_max bytes, or at header headers_max + 1.
 */
int weir_http_parse_req(struct weir_http_req *r, const uint8_t *buf, size_t len,
			const struct weir_http_limits *lim);

/**
 * The index of the first header named name (case-insensitive), or -1.
 */
int weir_http_header_find(const struct weir_http_req *r, const uint8_t *buf, const char *name);

/** The name of a fault ("cl_te", "host_missing", ...; "none"). */
const char *weir_http_fault_name(enum weir_http_fault f);

#endif /* WEIR_HTTP_H */
