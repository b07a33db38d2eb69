/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/http_lite's output side: the request head rewriter and weir's own
 * responses (weir_http_out.h).
 *
 * The rewriter keeps no list of the edited headers (no allocation): for each
 * line that may appear in the output, an original header or one an edit
 * may add, line_fate() replays the edits that touch its name and says
 * whether it survives and from which value it starts. The same walk
 * serves weir_http_rewrite_len() (a writer that only counts) and
 * weir_http_rewrite(), so the two cannot disagree. A header whose name no
 * edit names takes the short way.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "http_priv.h"
#include "weir_http_out.h"

/* Appends to out, or only counts when out is NULL; past cap it keeps
 * counting and remembers it overflowed. */
struct writer {
	uint8_t *out;
	size_t cap;
	size_t len;
	int over;
};

static void
put(struct writer *w, const void *p, size_t n)
{
	if (w->out != NULL) {
		if (w->over || n > w->cap - w->len) {
			w->over = 1;
		} else {
			memcpy(w->out + w->len, p, n);
		}
	}
	w->len += n;
}

static void
put_str(struct writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/* v in decimal, at least width digits. */
static void
put_uint(struct writer *w, uint64_t v, unsigned int width)
{
	char d[24];
	unsigned int i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 || sizeof(d) - i < width);
	put(w, d + i, sizeof(d) - i);
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int
name_eq(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t i;

	if (al != bl)
		return 0;
	for (i = 0; i < al; i++)
		if (lower(a[i]) != lower(b[i]))
			return 0;
	return 1;
}

static int
edit_valid(const struct weir_http_edit *e)
{
	const uint8_t *s;
	size_t i, len;

	if (e->name == NULL || e->name[0] == '\0')
		return 0;
	for (s = (const uint8_t *)e->name; *s != '\0'; s++)
		if (!weir_http_is_tchar(*s))
			return 0;
	switch (e->op) {
	case WEIR_HTTP_EDIT_DEL:
		return 1;
	case WEIR_HTTP_EDIT_SET:
	case WEIR_HTTP_EDIT_ADD:
	case WEIR_HTTP_EDIT_APPEND:
		break;
	default:
		return 0;
	}
	if (e->value == NULL)
		return 0;
	s = (const uint8_t *)e->value;
	len = strlen(e->value);
	/* A value is field-content (RFC 9110 5.5): visible bytes, SP and HTAB
	 * inside, none of the control bytes a header injection needs. */
	for (i = 0; i < len; i++)
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return 0;
	if (len > 0 && (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t'))
		return 0;
	return 1;
}

struct rewrite {
	const struct weir_http_req *r;
	const uint8_t *buf;
	const struct weir_http_edit *e;
	unsigned int n;
};

static int
edit_names(const struct weir_http_edit *e, const uint8_t *nm, size_t nl)
{
	return name_eq((const uint8_t *)e->name, strlen(e->name), nm, nl);
}

#define LINE_NONE UINT32_MAX

/*
 * The fate of one line of the output: an original header (id < n_headers)
 * or the one edit id - n_headers may add. Replays the edits on its name nm,
 * tracking which line is that name's first (SET and APPEND act on it; it
 * changes only when no line of the name is left, and then the next line
 * added is the first). Returns 0 if the line is not in the output, 1 if it
 * is, 2 if it is and is its name's first; *base is -1 if its value is the
 * original one, else the edit whose value it starts with.
 */
static int
line_fate(const struct rewrite *c, uint32_t id, const uint8_t *nm, size_t nl, int *base)
{
	const struct weir_http_req *r = c->r;
	uint32_t h = r->n_headers;
	uint32_t first = LINE_NONE;
	int alive = id < h;
	uint32_t i;
	unsigned int j;

	*base = -1;
	for (i = 0; i < h; i++) {
		if (name_eq(c->buf + r->headers[i].name.off, r->headers[i].name.len, nm, nl)) {
			first = i;
			break;
		}
	}
	for (j = 0; j < c->n; j++) {
		int mine = id == h + j;

		if (!edit_names(&c->e[j], nm, nl))
			continue;
		switch (c->e[j].op) {
		case WEIR_HTTP_EDIT_DEL:
			first = LINE_NONE;
			alive = 0;
			break;
		case WEIR_HTTP_EDIT_ADD:
			if (mine) {
				alive = 1;
				*base = (int)j;
			}
			if (first == LINE_NONE)
				first = h + j;
			break;
		case WEIR_HTTP_EDIT_SET:
			if (first == LINE_NONE) {
				first = h + j;
				if (mine) {
					alive = 1;
					*base = (int)j;
				}
			} else if (first == id && alive) {
				*base = (int)j;
			} else {
				alive = 0;
			}
			break;
		case WEIR_HTTP_EDIT_APPEND:
			if (first == LINE_NONE) {
				first = h + j;
				if (mine) {
					alive = 1;
					*base = (int)j;
				}
			}
			break;
		}
	}
	if (!alive)
		return 0;
	return first == id ? 2 : 1;
}

static void
put_line(struct writer *w, const struct rewrite *c, uint32_t id, const uint8_t *nm, size_t nl)
{
	const struct weir_http_req *r = c->r;
	int fate, base;
	unsigned int j;

	fate = line_fate(c, id, nm, nl, &base);
	if (fate == 0)
		return;
	put(w, nm, nl);
	put(w, ": ", 2);
	if (base < 0)
		put(w, c->buf + r->headers[id].value.off, r->headers[id].value.len);
	else
		put_str(w, c->e[base].value);
	/* Once a line is its name's first it stays so until a DEL, which
	 * would have removed it: every APPEND after its base is its own. */
	if (fate == 2) {
		for (j = (unsigned int)(base + 1); j < c->n; j++) {
			if (c->e[j].op == WEIR_HTTP_EDIT_APPEND && edit_names(&c->e[j], nm, nl)) {
				put(w, ", ", 2);
				put_str(w, c->e[j].value);
			}
		}
	}
	put(w, "\r\n", 2);
}

static int
view_in(struct weir_http_view v, size_t head_len)
{
	return (uint64_t)v.off + v.len <= head_len;
}

static size_t
rewrite(const struct weir_http_req *r, const uint8_t *buf, size_t head_len,
	const struct weir_http_edit *e, unsigned int n, struct writer *w)
{
	struct rewrite c = {.r = r, .buf = buf, .e = e, .n = n};
	size_t start, end;
	uint32_t i;
	unsigned int j;

	if (r == NULL || buf == NULL || (e == NULL && n != 0) ||
	    r->n_headers > WEIR_HTTP_HEADERS_CAP)
		return 0;
	for (j = 0; j < n; j++)
		if (!edit_valid(&e[j]))
			return 0;
	for (i = 0; i < r->n_headers; i++)
		if (!view_in(r->headers[i].name, head_len) ||
		    !view_in(r->headers[i].value, head_len))
			return 0;

	/* The request line as it came, its line end made CRLF. */
	start = r->method_v.off;
	for (end = start; end < head_len && buf[end] != '\n'; end++)
		;
	if (end >= head_len)
		return 0;
	if (end > start && buf[end - 1] == '\r')
		end--;
	put(w, buf + start, end - start);
	put(w, "\r\n", 2);

	for (i = 0; i < r->n_headers; i++) {
		const uint8_t *nm = buf + r->headers[i].name.off;
		size_t nl = r->headers[i].name.len;

		for (j = 0; j < n; j++)
			if (edit_names(&e[j], nm, nl))
				break;
		if (j == n) {
			put(w, nm, nl);
			put(w, ": ", 2);
			put(w, buf + r->headers[i].value.off, r->headers[i].value.len);
			put(w, "\r\n", 2);
		} else {
			put_line(w, &c, i, nm, nl);
		}
	}
	for (j = 0; j < n; j++)
		if (e[j].op != WEIR_HTTP_EDIT_DEL)
			put_line(w, &c, r->n_headers + j, (const uint8_t *)e[j].name,
				 strlen(e[j].name));
	put(w, "\r\n", 2);
	return w->over ? 0 : w->len;
}

size_t
weir_http_rewrite_len(const struct weir_http_req *r, const uint8_t *buf, size_t head_len,
		      const struct weir_http_edit *e, unsigned int n)
{
	struct writer w = {.out = NULL};

	return rewrite(r, buf, head_len, e, n, &w);
}

size_t
weir_http_rewrite(const struct weir_http_req *r, const uint8_t *buf, size_t head_len,
		  const struct weir_http_edit *e, unsigned int n, uint8_t *out, size_t cap)
{
	struct writer w = {.out = out, .cap = cap};

	if (out == NULL)
		return 0;
	return rewrite(r, buf, head_len, e, n, &w);
}

const char *
weir_http_reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 101:
		return "Switching Protocols";
	case 200:
		return "OK";
	case 204:
		return "No Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

/* The error as a JSON string's content (see weir_http_out.h). */
static void
put_json(struct writer *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p;

	for (p = (const uint8_t *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			char esc[2] = {'\\', (char)*p};

			put(w, esc, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};

			put(w, esc, 6);
		} else {
			put(w, p, 1);
		}
	}
}

/* IMF-fixdate (RFC 9110 5.6.7), names written here: strftime's %a and %b
 * follow the locale. */
static int
put_date(struct writer *w, time_t now)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	long year;

	if (gmtime_r(&now, &tm) == NULL)
		return -1;
	year = (long)tm.tm_year + 1900;
	if (year < 0 || year > 9999 || tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 ||
	    tm.tm_mon > 11)
		return -1;
	put(w, days[tm.tm_wday], 3);
	put(w, ", ", 2);
	put_uint(w, (uint64_t)tm.tm_mday, 2);
	put(w, " ", 1);
	put(w, months[tm.tm_mon], 3);
	put(w, " ", 1);
	put_uint(w, (uint64_t)year, 4);
	put(w, " ", 1);
	put_uint(w, (uint64_t)tm.tm_hour, 2);
	put(w, ":", 1);
	put_uint(w, (uint64_t)tm.tm_min, 2);
	put(w, ":", 1);
	/* A leap second is 60: gmtime_r() on POSIX time never gives it. */
	put_uint(w, (uint64_t)tm.tm_sec, 2);
	put(w, " GMT", 4);
	return 0;
}

size_t
weir_http_response(uint8_t *out, size_t cap, int status, const char *error, time_t now, int close)
{
	static const char body_open[] = "{\"error\": \"";
	static const char body_close[] = "\"}";
	struct writer w = {.out = out, .cap = cap};
	struct writer count = {.out = NULL};
	int body;

	if (out == NULL || status < 100 || status > 999)
		return 0;
	if (error == NULL)
		error = "";
	/* No content in 1xx, 204 and 304 (RFC 9110 15.2, 15.3.5, 15.4.5). */
	body = status >= 200 && status != 204 && status != 304;

	put_str(&w, "HTTP/1.1 ");
	put_uint(&w, (uint64_t)status, 3);
	put(&w, " ", 1);
	put_str(&w, weir_http_reason(status));
	put_str(&w, "\r\nDate: ");
	if (put_date(&w, now) < 0)
		return 0;
	put_str(&w, "\r\n");
	if (body) {
		put_json(&count, error);
		put_str(&w, "Content-Type: application/json\r\nContent-Length: ");
		put_uint(&w, sizeof(body_open) - 1 + count.len + sizeof(body_close) - 1, 1);
		put_str(&w, "\r\n");
	}
	if (close)
		put_str(&w, "Connection: close\r\n");
	put_str(&w, "\r\n");
	if (body) {
		put(&w, body_open, sizeof(body_open) - 1);
		put_json(&w, error);
		put(&w, body_close, sizeof(body_close) - 1);
	}
	return w.over ? 0 : w.len;
}

/* ---- the API gate's answers ----------------------------------------------------- */

/* Bytes an sf-string (RFC 8941 3.3.3) and RFC 6750's error_description may
 * hold as they are: SP, visible ASCII but '"' and '\\'. */
static int
plain_text(const char *s)
{
	const uint8_t *p;

	for (p = (const uint8_t *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
			return 0;
	return 1;
}

/* The policies' names are plain, their numbers within bounds (r <= q, t <= w). */
static int
rl_valid(const struct weir_http_rl *rl, unsigned int n)
{
	unsigned int i;

	if (rl == NULL || n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (rl[i].policy == NULL || rl[i].policy[0] == '\0' || !plain_text(rl[i].policy) ||
		    rl[i].remaining > rl[i].quota || rl[i].reset_s > rl[i].window_s ||
		    rl[i].window_s == 0)
			return 0;
	return 1;
}

unsigned int
weir_http_rl_most(const struct weir_http_rl *rl, unsigned int n)
{
	unsigned int i, k = 0;

	for (i = 1; i < n; i++)
		if (rl[i].remaining < rl[k].remaining ||
		    (rl[i].remaining == rl[k].remaining && rl[i].reset_s > rl[k].reset_s))
			k = i;
	return k;
}

static void
rl_put(struct writer *w, const struct weir_http_rl *rl, unsigned int n, int legacy)
{
	unsigned int i, k = weir_http_rl_most(rl, n);

	put_str(w, "RateLimit-Policy: ");
	for (i = 0; i < n; i++) {
		put_str(w, i ? ", \"" : "\"");
		put_str(w, rl[i].policy);
		put_str(w, "\";q=");
		put_uint(w, rl[i].quota, 1);
		put_str(w, ";w=");
		put_uint(w, rl[i].window_s, 1);
	}
	put_str(w, "\r\nRateLimit: ");
	for (i = 0; i < n; i++) {
		put_str(w, i ? ", \"" : "\"");
		put_str(w, rl[i].policy);
		put_str(w, "\";r=");
		put_uint(w, rl[i].remaining, 1);
		put_str(w, ";t=");
		put_uint(w, rl[i].reset_s, 1);
	}
	put_str(w, "\r\n");
	if (legacy) {
		put_str(w, "X-RateLimit-Limit: ");
		put_uint(w, rl[k].quota, 1);
		put_str(w, "\r\nX-RateLimit-Remaining: ");
		put_uint(w, rl[k].remaining, 1);
		put_str(w, "\r\nX-RateLimit-Reset: ");
		put_uint(w, rl[k].reset_s, 1);
		put_str(w, "\r\n");
	}
}

size_t
weir_http_rl_fields(uint8_t *out, size_t cap, const struct weir_http_rl *rl, unsigned int n,
		    int legacy)
{
	struct writer w = {.out = out, .cap = cap};

	if (out == NULL || !rl_valid(rl, n))
		return 0;
	rl_put(&w, rl, n, legacy);
	return w.over ? 0 : w.len;
}

/* The status line and Date of one of the gate's answers. */
static int
gate_head(struct writer *w, int status, time_t now)
{
	put_str(w, "HTTP/1.1 ");
	put_uint(w, (uint64_t)status, 3);
	put(w, " ", 1);
	put_str(w, weir_http_reason(status));
	put_str(w, "\r\nDate: ");
	if (put_date(w, now) < 0)
		return -1;
	put_str(w, "\r\n");
	return 0;
}

/* The 429's problem details (RFC 9457), the violated policies named. */
static void
problem_put(struct writer *w, const struct weir_http_rl *rl, unsigned int n, uint32_t violated)
{
	unsigned int i, k = 0;

	put_str(w, "{\"type\": \"https://iana.org/assignments/http-problem-types#quota-exceeded\", "
		   "\"title\": \"Too Many Requests\", \"status\": 429, \"violated-policies\": [");
	for (i = 0; i < n; i++)
		if (violated & (1u << i)) {
			put_str(w, k++ ? ", \"" : "\"");
			put_str(w, rl[i].policy);
			put_str(w, "\"");
		}
	put_str(w, "]}");
}

size_t
weir_http_response_limited(uint8_t *out, size_t cap, const struct weir_http_rl *rl, unsigned int n,
			   uint32_t violated, time_t now, int legacy, int close)
{
	struct writer w = {.out = out, .cap = cap};
	struct writer count = {.out = NULL};
	uint32_t retry = 0;
	unsigned int i;

	if (out == NULL || !rl_valid(rl, n) || n > 32 ||
	    (violated & (n == 32 ? 0xffffffffu : (1u << n) - 1)) == 0 ||
	    (n < 32 && (violated >> n) != 0))
		return 0;
	/* Never sooner than any violated policy allows again. */
	for (i = 0; i < n; i++)
		if ((violated & (1u << i)) && rl[i].reset_s > retry)
			retry = rl[i].reset_s;
	problem_put(&count, rl, n, violated);
	if (gate_head(&w, 429, now) < 0)
		return 0;
	put_str(&w, "Content-Type: application/problem+json\r\nContent-Length: ");
	put_uint(&w, count.len, 1);
	put_str(&w, "\r\nRetry-After: ");
	put_uint(&w, retry, 1);
	put_str(&w, "\r\n");
	rl_put(&w, rl, n, legacy);
	if (close)
		put_str(&w, "Connection: close\r\n");
	put_str(&w, "\r\n");
	problem_put(&w, rl, n, violated);
	return w.over ? 0 : w.len;
}

size_t
weir_http_response_unauthorized(uint8_t *out, size_t cap, const char *description, time_t now,
				int close)
{
	static const char body[] = "{\"error\": \"invalid_token\"}";
	struct writer w = {.out = out, .cap = cap};

	if (out == NULL || description == NULL || !plain_text(description))
		return 0;
	if (gate_head(&w, 401, now) < 0)
		return 0;
	put_str(&w, "WWW-Authenticate: Bearer error=\"invalid_token\", error_description=\"");
	put_str(&w, description);
	put_str(&w, "\"\r\nContent-Type: application/json\r\nContent-Length: ");
	put_uint(&w, sizeof(body) - 1, 1);
	put_str(&w, "\r\n");
	if (close)
		put_str(&w, "Connection: close\r\n");
	put_str(&w, "\r\n");
	put(&w, body, sizeof(body) - 1);
	return w.over ? 0 : w.len;
}
