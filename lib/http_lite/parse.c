/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/http_lite: the request head parser (RFC 9110, RFC 9112), strict
 * where request smuggling hides: bare CR or LF, obs-fold, whitespace before
 * a colon, a Content-Length that is not one plain number, Content-Length
 * with Transfer-Encoding, a Transfer-Encoding not ending in chunked.
 *
 * Two passes. The first looks for CR LF CR LF (every LF of 16 bytes at
 * once with SSE2, memchr for the rest), from where the previous call
 * stopped (r->scanned), so a head fed as a growing buffer is searched once; it also refuses a bare
 * LF as soon as it sees one. The second, once the end is known, parses the head in one go: every
 * loop stops at the head's last byte (an LF, in no byte class), so none needs a bound check.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http_priv.h"
#include "weir_http.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Byte classes. */
#define T 0x01 /* tchar: a token's byte (RFC 9110 5.6.2) */
#define V 0x02 /* VCHAR, 0x21-0x7e: a request-target's byte */
#define F 0x04 /* field-value byte: HTAB, SP, VCHAR, obs-text (0x80-0xff) */
#define C 0x08 /* control: 0x00-0x1f, 0x7f */
#define W 0x10 /* OWS: SP, HTAB */

static const uint8_t cls[256] = {
	C,	   C,	      C,	 C,	    C,	       C,	  C,	     C,
	C,	   F | C | W, C,	 C,	    C,	       C,	  C,	     C,
	C,	   C,	      C,	 C,	    C,	       C,	  C,	     C,
	C,	   C,	      C,	 C,	    C,	       C,	  C,	     C,
	F | W,	   T | V | F, V | F,	 T | V | F, T | V | F, T | V | F, T | V | F, T | V | F,
	V | F,	   V | F,     T | V | F, T | V | F, V | F,     T | V | F, T | V | F, V | F,
	T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F,
	T | V | F, T | V | F, V | F,	 V | F,	    V | F,     V | F,	  V | F,     V | F,
	V | F,	   T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F,
	T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F,
	T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F,
	T | V | F, T | V | F, T | V | F, V | F,	    V | F,     V | F,	  T | V | F, T | V | F,
	T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F,
	T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F,
	T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F, T | V | F,
	T | V | F, T | V | F, T | V | F, V | F,	    T | V | F, V | F,	  T | V | F, C,
	F,	   F,	      F,	 F,	    F,	       F,	  F,	     F,
	F,	   F,	      F,	 F,	    F,	       F,	  F,	     F,
	F,	   F,	      F,	 F,	    F,	       F,	  F,	     F,
	F,	   F,	      F,	 F,	    F,	       F,	  F,	     F,
	F,	   F,	      F,	 F,	    F,	       F,	  F,	     F,
	F,	   F,	      F,	 F,	    F,	       F,	  F,	     F,
	F,	   F,	      F,	 F,	    F,	       F,	  F,	     F,
	F,	   F,	      F,	 F,	    F,	       F,	  F,	     F,
	F,	   F,	      F,	 F,	    F,	       F,	  F,	     F,
	F,	   F,	      F,	 F,	    F,	       F,	  F,	     F,
	F,	   F,	      F,	 F,	    F,	       F,	  F,	     F,
	F,	   F,	      F,	 F,	    F,	       F,	  F,	     F,
	F,	   F,	      F,	 F,	    F,	       F,	  F,	     F,
	F,	   F,	      F,	 F,	    F,	       F,	  F,	     F,
	F,	   F,	      F,	 F,	    F,	       F,	  F,	     F,
	F,	   F,	      F,	 F,	    F,	       F,	  F,	     F,
};

#undef T
#undef V
#undef F
#undef C
#undef W

#define IS(c, k) (cls[(uint8_t)(c)] & (k))
#define C_TCHAR 0x01
#define C_VCHAR 0x02
#define C_VALUE 0x04
#define C_CTL 0x08
#define C_OWS 0x10

/* ASCII lower case without a table or a locale. */
static inline uint8_t
lc(uint8_t c)
{
	return (uint8_t)(c | ((uint8_t)(c - 'A') < 26u) << 5);
}

/* a[0..n) equals lower (already lower case), ignoring case. */
static int
ieq(const uint8_t *a, const char *lower, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lc(a[i]) != (uint8_t)lower[i])
			return 0;
	return 1;
}

static int
refuse(struct weir_http_req *r, int status, enum weir_http_fault f, size_t pos)
{
	r->fault = (uint8_t)f;
	r->err_pos = (uint32_t)pos;
	return -status;
}

/*
 * The fault of an unexpected byte at i in the request line: a control byte
 * (a bare CR among them) is a line fault; a CR LF (the line ended early)
 * or any other byte is the fault of the part being read.
 */
static enum weir_http_fault
rl_fault(const uint8_t *buf, size_t i, enum weir_http_fault part)
{
	if (buf[i] == '\r' && buf[i + 1] == '\n')
		return part;
	return IS(buf[i], C_CTL) ? WEIR_HTTP_F_LINE : part;
}

static uint8_t
method_of(const uint8_t *m, size_t n)
{
	switch (n) {
	case 3:
		if (memcmp(m, "GET", 3) == 0)
			return WEIR_HTTP_GET;
		if (memcmp(m, "PUT", 3) == 0)
			return WEIR_HTTP_PUT;
		break;
	case 4:
		if (memcmp(m, "POST", 4) == 0)
			return WEIR_HTTP_POST;
		if (memcmp(m, "HEAD", 4) == 0)
			return WEIR_HTTP_HEAD;
		break;
	case 5:
		if (memcmp(m, "PATCH", 5) == 0)
			return WEIR_HTTP_PATCH;
		if (memcmp(m, "TRACE", 5) == 0)
			return WEIR_HTTP_TRACE;
		break;
	case 6:
		if (memcmp(m, "DELETE", 6) == 0)
			return WEIR_HTTP_DELETE;
		break;
	case 7:
		if (memcmp(m, "OPTIONS", 7) == 0)
			return WEIR_HTTP_OPTIONS;
		if (memcmp(m, "CONNECT", 7) == 0)
			return WEIR_HTTP_CONNECT;
		break;
	}
	return WEIR_HTTP_OTHER;
}

/*
 * The control bytes (< 0x20, 0x7f) among 8: bit 7 of each flagged byte (bit
 * hacks' hasless() and haszero()). A borrow only runs upwards, so the
 * lowest flag is exact: on a little-endian CPU its byte is the first
 * control byte, which the loops skip to.
 */
static inline uint64_t
ctl8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t del = x ^ (0x7f * ones);

	return ((x - 0x20 * ones) & ~x & highs) | ((del - ones) & ~del & highs);
}

/* The bytes among 8 that are not VCHAR (below 0x21, 0x7f or above), as ctl8(). */
static inline uint64_t
nonvchar8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t del = x ^ (0x7f * ones);

	return ((x - 0x21 * ones) & ~x & highs) | (x & highs) | ((del - ones) & ~del & highs);
}

/* Parse state beyond struct weir_http_req's fields. */
struct hstate {
	size_t host_pos; /* line of the Host header */
	size_t te_pos;	 /* line of the last Transfer-Encoding */
	uint8_t host_n;	 /* Host headers seen */
	uint8_t te_seen; /* a Transfer-Encoding header seen */
	uint8_t ka;	 /* Connection: keep-alive */
	uint8_t conn_up; /* Connection: upgrade */
	uint8_t upgrade; /* an Upgrade header */
};

/* What weir acts on among the headers; 0 or a refusal. */
static int
header_apply(struct hstate *st, struct weir_http_req *r, const uint8_t *buf, size_t line,
	     const struct weir_http_header *h)
{
	const uint8_t *name = buf + h->name.off, *v = buf + h->value.off;
	size_t vlen = h->value.len, pos;
	uint64_t x;
	int status;

	switch (h->name.len) {
	case 4:
		if (!ieq(name, "host", 4))
			break;
		if (st->host_n++ != 0)
			return refuse(r, 400, WEIR_HTTP_F_HOST_MANY, line);
		st->host_pos = line;
		r->host = h->value;
		break;
	case 6:
		if (ieq(name, "expect", 6) && vlen == 12 && ieq(v, "100-continue", 12))
			r->expect_continue = 1;
		break;
	case 7:
		if (ieq(name, "upgrade", 7))
			st->upgrade = 1;
		break;
	case 10:
		if (ieq(name, "connection", 10)) {
			unsigned int o = weir_http_conn_options(v, vlen);

			r->close |= (o & WEIR_HTTP_CONN_CLOSE) != 0;
			st->ka |= (o & WEIR_HTTP_CONN_KEEP_ALIVE) != 0;
			st->conn_up |= (o & WEIR_HTTP_CONN_UPGRADE) != 0;
		}
		break;
	case 14:
		if (!ieq(name, "content-length", 14))
			break;
		if (st->te_seen)
			return refuse(r, 400, WEIR_HTTP_F_CL_TE, line);
		if (weir_http_cl_parse(v, vlen, &x) != 0 || (r->has_cl && x != r->content_length))
			return refuse(r, 400, WEIR_HTTP_F_CL_BAD, h->value.off);
		r->has_cl = 1;
		r->content_length = x;
		break;
	case 17:
		if (!ieq(name, "transfer-encoding", 17))
			break;
		if (r->has_cl)
			return refuse(r, 400, WEIR_HTTP_F_CL_TE, line);
		st->te_seen = 1;
		st->te_pos = line;
		status = weir_http_te_req(v, vlen, &r->chunked, &pos);
		if (status != 0)
			return refuse(r, status,
				      status == 501 ? WEIR_HTTP_F_TE_UNKNOWN : WEIR_HTTP_F_TE_BAD,
				      h->value.off + pos);
		break;
	}
	return 0;
}

/*
 * The request target [t, te) against the method (RFC 9112 3.2): fills
 * form, path, query and *auth (the authority of an absolute or authority
 * form). 0 or a refusal.
 */
static int
target_parse(struct weir_http_req *r, const uint8_t *buf, size_t t, size_t te,
	     struct weir_http_view *auth)
{
	const uint8_t *p = buf + t;
	size_t n = te - t, a, k, colon;
	const uint8_t *q;

	if (p[0] == '/') {
		if (r->method == WEIR_HTTP_CONNECT)
			return refuse(r, 400, WEIR_HTTP_F_TARGET, t);
		r->form = WEIR_HTTP_ORIGIN;
		a = t;
	} else if (n == 1 && p[0] == '*') {
		if (r->method != WEIR_HTTP_OPTIONS)
			return refuse(r, 400, WEIR_HTTP_F_TARGET, t);
		r->form = WEIR_HTTP_ASTERISK;
		r->path.off = r->query.off = (uint32_t)te;
		return 0;
	} else if (r->method == WEIR_HTTP_CONNECT) {
		/* host:port, the host a reg-name, an IPv4 or an [IPv6]. */
		colon = n;
		for (k = 0; k < n; k++) {
			if (p[k] == '/' || p[k] == '?' || p[k] == '#' || p[k] == '@')
				return refuse(r, 400, WEIR_HTTP_F_TARGET, t + k);
			if (p[k] == ':')
				colon = k;
		}
		if (colon == 0 || colon + 1 >= n)
			return refuse(r, 400, WEIR_HTTP_F_TARGET, t);
		for (k = colon + 1; k < n; k++)
			if ((unsigned)p[k] - '0' > 9)
				return refuse(r, 400, WEIR_HTTP_F_TARGET, t + k);
		r->form = WEIR_HTTP_AUTHORITY;
		auth->off = (uint32_t)t;
		auth->len = (uint32_t)n;
		r->path.off = r->query.off = (uint32_t)te;
		return 0;
	} else {
		if (n > 7 && ieq(p, "http://", 7))
			a = t + 7;
		else if (n > 8 && ieq(p, "https://", 8))
			a = t + 8;
		else
			return refuse(r, 400, WEIR_HTTP_F_TARGET, t);
		/* The authority runs to the path or the query; no userinfo: a
		 * "user@host" is where two readers may disagree on the host. */
		auth->off = (uint32_t)a;
		for (k = a; k < te && buf[k] != '/' && buf[k] != '?'; k++)
			if (buf[k] == '@' || buf[k] == '#')
				return refuse(r, 400, WEIR_HTTP_F_TARGET, k);
		if (k == a)
			return refuse(r, 400, WEIR_HTTP_F_TARGET, a);
		auth->len = (uint32_t)(k - a);
		r->form = WEIR_HTTP_ABSOLUTE;
		a = k;
	}
	/* The path from a (empty in "http://host" or "http://host?q": it
	 * stands for "/"), then the query after the first '?'. */
	q = memchr(buf + a, '?', te - a);
	r->path.off = (uint32_t)a;
	if (q == NULL) {
		r->path.len = (uint32_t)(te - a);
		r->query.off = (uint32_t)te;
	} else {
		k = (size_t)(q - buf);
		r->path.len = (uint32_t)(k - a);
		r->query.off = (uint32_t)(k + 1);
		r->query.len = (uint32_t)(te - k - 1);
	}
	return 0;
}

/* The head buf[0..n), its end (CR LF CR LF) known and every LF in it after
 * a CR: the request line, the headers, then the checks across headers. */
static int
parse_head(struct weir_http_req *r, const uint8_t *buf, size_t n, uint32_t headers_max,
	   uint32_t target_max)
{
	struct weir_http_view auth = {0, 0};
	struct hstate st;
	size_t p, t, te, v;
	int rc;

	memset(&st, 0, sizeof(st));
	memset(r, 0, offsetof(struct weir_http_req, n_headers));
	r->n_headers = 0;

	/* method SP */
	for (p = 0; IS(buf[p], C_TCHAR); p++)
		;
	if (p == 0 || buf[p] != ' ')
		return refuse(r, 400, rl_fault(buf, p, WEIR_HTTP_F_METHOD), p);
	r->method_v.len = (uint32_t)p;
	r->method = method_of(buf, p);

	/* request-target SP */
	t = p + 1;
	for (te = t;; te++) {
		uint64_t x, m = 0;

		while (te + 8 <= n) {
			memcpy(&x, buf + te, 8);
			m = nonvchar8(x);
			if (m != 0)
				break;
			te += 8;
		}
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		if (m != 0)
			te += (size_t)__builtin_ctzll(m) >> 3;
#endif
		if (!IS(buf[te], C_VCHAR))
			break;
	}
	if (te - t > target_max)
		return refuse(r, 414, WEIR_HTTP_F_TARGET_LONG, t + target_max);
	if (te > t && buf[te] == '\r' && buf[te + 1] == '\n')
		return refuse(r, 400, WEIR_HTTP_F_VERSION, te); /* HTTP/0.9's "GET /" */
	if (te == t || buf[te] != ' ')
		return refuse(r, 400, rl_fault(buf, te, WEIR_HTTP_F_TARGET), te);
	r->target.off = (uint32_t)t;
	r->target.len = (uint32_t)(te - t);

	/* HTTP-version CR LF: 1.0 and 1.1; another well-formed one is a 505. */
	v = te + 1;
	if (n - v >= 10 && memcmp(buf + v, "HTTP/1.", 7) == 0 &&
	    (buf[v + 7] == '0' || buf[v + 7] == '1') && buf[v + 8] == '\r' && buf[v + 9] == '\n') {
		r->version = (uint8_t)(buf[v + 7] == '0' ? 10 : 11);
	} else {
		for (p = v; IS(buf[p], C_VCHAR); p++)
			;
		if (buf[p] != '\r' || buf[p + 1] != '\n')
			return refuse(r, 400, rl_fault(buf, p, WEIR_HTTP_F_VERSION), p);
		if (p - v == 8 && memcmp(buf + v, "HTTP/", 5) == 0 &&
		    (unsigned)buf[v + 5] - '0' <= 9 && buf[v + 6] == '.' &&
		    (unsigned)buf[v + 7] - '0' <= 9)
			return refuse(r, 505, WEIR_HTTP_F_VERSION, v);
		return refuse(r, 400, WEIR_HTTP_F_VERSION, v);
	}
	rc = target_parse(r, buf, t, te, &auth);
	if (rc != 0)
		return rc;

	/* field-name ":" OWS field-value OWS CR LF, until the empty line. */
	p = v + 10;
	for (;;) {
		struct weir_http_header *h;
		size_t line = p, ns, vs, q;

		if (buf[p] == '\r') {
			if (buf[p + 1] == '\n')
				break; /* the empty line: p + 2 == n */
			return refuse(r, 400, WEIR_HTTP_F_LINE, p);
		}
		if (IS(buf[p], C_OWS))
			return refuse(r, 400, WEIR_HTTP_F_FOLD, p);
		if (r->n_headers >= headers_max)
			return refuse(r, 431, WEIR_HTTP_F_HEADERS_MANY, p);
		/* Four name bytes a step while they last (names are rarely shorter). */
		for (ns = p; IS(buf[p], C_TCHAR) && IS(buf[p + 1], C_TCHAR) &&
			     IS(buf[p + 2], C_TCHAR) && IS(buf[p + 3], C_TCHAR);
		     p += 4)
			;
		for (; IS(buf[p], C_TCHAR); p++)
			;
		if (p == ns || buf[p] != ':') {
			if (buf[p] == '\r' && buf[p + 1] != '\n')
				return refuse(r, 400, WEIR_HTTP_F_LINE, p);
			return refuse(r, 400, WEIR_HTTP_F_NAME, p);
		}
		h = &r->headers[r->n_headers++];
		h->name.off = (uint32_t)ns;
		h->name.len = (uint32_t)(p - ns);
		for (p++; IS(buf[p], C_OWS); p++)
			;
		/* The value, 8 bytes at a time while no control byte shows. */
		vs = q = p;
		for (;;) {
			uint64_t x, m = 0;

			while (q + 8 <= n) {
				memcpy(&x, buf + q, 8);
				m = ctl8(x);
				if (m != 0)
					break;
				q += 8;
			}
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			/* The lowest flag is the first control byte (borrows only
			 * reach upwards): skip to it; the line's CR, mostly, read
			 * from x rather than loaded again. */
			if (m != 0) {
				unsigned int k = (unsigned int)__builtin_ctzll(m) >> 3;

				q += k;
				if ((uint8_t)(x >> (8 * k)) == '\r')
					break;
			}
#endif
			if (!IS(buf[q], C_VALUE))
				break;
			q++;
		}
		if (buf[q] != '\r' || buf[q + 1] != '\n')
			return refuse(r, 400, buf[q] == '\r' ? WEIR_HTTP_F_LINE : WEIR_HTTP_F_VALUE,
				      q);
		p = q + 2;
		while (q > vs && IS(buf[q - 1], C_OWS))
			q--;
		h->value.off = (uint32_t)vs;
		h->value.len = (uint32_t)(q - vs);
		rc = header_apply(&st, r, buf, line, h);
		if (rc != 0)
			return rc;
	}

	if (st.te_seen && !r->chunked)
		return refuse(r, 400, WEIR_HTTP_F_TE_BAD, st.te_pos);
	if (st.te_seen && r->version == 10)
		return refuse(r, 400, WEIR_HTTP_F_TE_BAD, st.te_pos);
	if (st.host_n == 0) {
		if (r->version == 11)
			return refuse(r, 400, WEIR_HTTP_F_HOST_MISSING, n - 2);
		if (r->form == WEIR_HTTP_ABSOLUTE || r->form == WEIR_HTTP_AUTHORITY)
			r->host = auth;
	} else if (r->form == WEIR_HTTP_ABSOLUTE) {
		const uint8_t *a = buf + auth.off, *b = buf + r->host.off;
		size_t k;

		if (auth.len != r->host.len)
			return refuse(r, 400, WEIR_HTTP_F_HOST_MISMATCH, r->host.off);
		for (k = 0; k < auth.len; k++)
			if (lc(a[k]) != lc(b[k]))
				return refuse(r, 400, WEIR_HTTP_F_HOST_MISMATCH, r->host.off + k);
	}
	/* HTTP/1.0: close unless keep-alive; Expect and Upgrade are ignored
	 * there (RFC 9110 10.1.1, 7.8). */
	if (r->version == 10) {
		if (!st.ka)
			r->close = 1;
		r->expect_continue = 0;
	} else {
		r->upgrade = (uint8_t)(st.upgrade && st.conn_up);
	}
	return (int)n;
}

void
weir_http_req_init(struct weir_http_req *r)
{
	/* The rest is written by the parse: whole by parse_head() once the
	 * head's end is found, fault and err_pos by a refusal before. */
	r->fault = WEIR_HTTP_F_NONE;
	r->err_pos = 0;
	r->n_headers = 0;
	r->scanned = 0;
}

int
weir_http_parse_req(struct weir_http_req *r, const uint8_t *buf, size_t len,
		    const struct weir_http_limits *lim)
{
	uint32_t head_max = WEIR_HTTP_HEAD_MAX_DEFAULT, headers_max = WEIR_HTTP_HEADERS_MAX_DEFAULT;
	uint32_t target_max = WEIR_HTTP_TARGET_MAX_DEFAULT;
	size_t end, i;
	const uint8_t *lf;

	if (lim != NULL) {
		if (lim->head_max != 0)
			head_max = lim->head_max < WEIR_HTTP_HEAD_MAX_LIMIT
					   ? lim->head_max
					   : WEIR_HTTP_HEAD_MAX_LIMIT;
		if (lim->headers_max != 0)
			headers_max = lim->headers_max < WEIR_HTTP_HEADERS_CAP
					      ? lim->headers_max
					      : WEIR_HTTP_HEADERS_CAP;
		if (lim->target_max != 0)
			target_max = lim->target_max;
	}
	/* The head must end within head_max bytes. */
	end = len < head_max ? len : head_max;
	i = r->scanned <= end ? r->scanned : 0;
#ifdef __SSE2__
	/* 16 bytes at a time: every LF of a chunk at once (the common head,
	 * complete in one call, is searched without a call per line). */
	while (i + 16 <= end) {
		unsigned int m = (unsigned int)_mm_movemask_epi8(
			_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(buf + i)),
				       _mm_set1_epi8('\n')));

		while (m != 0) {
			size_t j = i + (size_t)__builtin_ctz(m);

			if (j == 0 || buf[j - 1] != '\r')
				return refuse(r, 400, WEIR_HTTP_F_LINE, j);
			if (j >= 3 && buf[j - 2] == '\n')
				return parse_head(r, buf, j + 1, headers_max, target_max);
			m &= m - 1;
		}
		i += 16;
	}
	/* The last bytes: the 16 that end at end, those before i masked off. */
	if (i < end && end >= 16) {
		size_t base = end - 16;
		unsigned int m = (unsigned int)_mm_movemask_epi8(
			_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(buf + base)),
				       _mm_set1_epi8('\n')));

		m &= ~((1u << (i - base)) - 1u);
		while (m != 0) {
			size_t j = base + (size_t)__builtin_ctz(m);

			if (j == 0 || buf[j - 1] != '\r')
				return refuse(r, 400, WEIR_HTTP_F_LINE, j);
			if (j >= 3 && buf[j - 2] == '\n')
				return parse_head(r, buf, j + 1, headers_max, target_max);
			m &= m - 1;
		}
		i = end;
	}
#endif
	for (;;) {
		lf = memchr(buf + i, '\n', end - i);
		if (lf == NULL)
			break;
		i = (size_t)(lf - buf);
		if (i == 0 || buf[i - 1] != '\r')
			return refuse(r, 400, WEIR_HTTP_F_LINE, i);
		/* The LF two bytes back had its CR too: CR LF CR LF. */
		if (i >= 3 && buf[i - 2] == '\n')
			return parse_head(r, buf, i + 1, headers_max, target_max);
		i++;
	}
	r->scanned = (uint32_t)end;
	if (len > head_max)
		return refuse(r, 431, WEIR_HTTP_F_HEAD_LARGE, head_max);
	return 0;
}

int
weir_http_header_find(const struct weir_http_req *r, const uint8_t *buf, const char *name)
{
	size_t n = strlen(name), k;
	int i;

	for (i = 0; i < r->n_headers; i++) {
		const uint8_t *h = buf + r->headers[i].name.off;

		if (r->headers[i].name.len != n)
			continue;
		for (k = 0; k < n && lc(h[k]) == lc((uint8_t)name[k]); k++)
			;
		if (k == n)
			return i;
	}
	return -1;
}

const char *
weir_http_fault_name(enum weir_http_fault f)
{
	static const char *const names[WEIR_HTTP_F__MAX] = {
		[WEIR_HTTP_F_NONE] = "none",
		[WEIR_HTTP_F_METHOD] = "method",
		[WEIR_HTTP_F_TARGET] = "target",
		[WEIR_HTTP_F_TARGET_LONG] = "target_long",
		[WEIR_HTTP_F_VERSION] = "version",
		[WEIR_HTTP_F_LINE] = "line",
		[WEIR_HTTP_F_NAME] = "name",
		[WEIR_HTTP_F_VALUE] = "value",
		[WEIR_HTTP_F_FOLD] = "fold",
		[WEIR_HTTP_F_HEAD_LARGE] = "head_large",
		[WEIR_HTTP_F_HEADERS_MANY] = "headers_many",
		[WEIR_HTTP_F_HOST_MISSING] = "host_missing",
		[WEIR_HTTP_F_HOST_MANY] = "host_many",
		[WEIR_HTTP_F_HOST_MISMATCH] = "host_mismatch",
		[WEIR_HTTP_F_CL_BAD] = "cl_bad",
		[WEIR_HTTP_F_CL_TE] = "cl_te",
		[WEIR_HTTP_F_TE_BAD] = "te_bad",
		[WEIR_HTTP_F_TE_UNKNOWN] = "te_unknown",
		[WEIR_HTTP_F_STATUS] = "status",
		[WEIR_HTTP_F_CHUNK] = "chunk",
	};

	if ((unsigned)f >= WEIR_HTTP_F__MAX || names[f] == NULL)
		return "unknown";
	return names[f];
}
