/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A strict reader of the one JSON object a JWS header or JWT payload is
 * (RFC 8259 and RFC 7493's I-JSON where they differ). Strict because two
 * readers that disagree about a token are an attack: a duplicate "alg" or
 * "exp" read one way here and another way by the issuer, a string that
 * decodes differently, a number that is 1e9 to one and 1 to another.
 * Nothing is allocated: names and top-level string values are decoded in
 * place (a decoded string is never longer than its escaped text); nested
 * values are only checked.
 */
#include <string.h>

#include "jwt_priv.h"

struct rd {
	char *b;
	size_t len;
	size_t pos;
};

static void
skip_ws(struct rd *r)
{
	while (r->pos < r->len) {
		char c = r->b[r->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		r->pos++;
	}
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t l, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		l = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		l = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		l = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < l)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < l; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return l;
}

static int
hex4(struct rd *r, uint32_t *cp)
{
	uint32_t v = 0;
	int i;

	if (r->len - r->pos < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char c = r->b[r->pos++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*cp = v;
	return 0;
}

static size_t
put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		if (out != NULL)
			out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		if (out != NULL) {
			out[0] = (char)(0xc0 | (cp >> 6));
			out[1] = (char)(0x80 | (cp & 0x3f));
		}
		return 2;
	}
	if (cp < 0x10000) {
		if (out != NULL) {
			out[0] = (char)(0xe0 | (cp >> 12));
			out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[2] = (char)(0x80 | (cp & 0x3f));
		}
		return 3;
	}
	if (out != NULL) {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
	}
	return 4;
}

/*
 * The string at r->pos (its opening quote). If out is not NULL its
 * decoded bytes go there: out may be the byte after the opening quote, as
 * what is written never passes what has been read.
 */
static int
read_string(struct rd *r, char *out, size_t *olen)
{
	size_t n = 0;

	if (r->pos >= r->len || r->b[r->pos] != '"')
		return -1;
	r->pos++;
	for (;;) {
		unsigned char c;
		uint32_t cp, lo;
		size_t l;

		if (r->pos >= r->len)
			return -1;
		c = (unsigned char)r->b[r->pos];
		if (c == '"') {
			r->pos++;
			break;
		}
		if (c < 0x20)
			return -1;
		if (c < 0x80 && c != '\\') {
			/* A run of plain ASCII, moved at once (not at all while
			 * the string is decoded in place and had no escape yet):
			 * one libc call per byte was a tenth of a verification. */
			size_t run = r->pos;

			do
				r->pos++;
			while (r->pos < r->len && (c = (unsigned char)r->b[r->pos]) >= 0x20 &&
			       c < 0x80 && c != '"' && c != '\\');
			if (out != NULL && out + n != r->b + run)
				memmove(out + n, r->b + run, r->pos - run);
			n += r->pos - run;
			continue;
		}
		if (c != '\\') {
			l = utf8_len((const unsigned char *)r->b + r->pos, r->len - r->pos);
			if (l == 0)
				return -1;
			if (out != NULL)
				memmove(out + n, r->b + r->pos, l);
			n += l;
			r->pos += l;
			continue;
		}
		if (++r->pos >= r->len)
			return -1;
		c = (unsigned char)r->b[r->pos++];
		switch (c) {
		case '"':
		case '\\':
		case '/':
			cp = c;
			break;
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case 'n':
			cp = '\n';
			break;
		case 'r':
			cp = '\r';
			break;
		case 't':
			cp = '\t';
			break;
		case 'u':
			if (hex4(r, &cp) != 0)
				return -1;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return -1; /* a low surrogate alone */
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (r->len - r->pos < 2 || r->b[r->pos] != '\\' ||
				    r->b[r->pos + 1] != 'u')
					return -1;
				r->pos += 2;
				if (hex4(r, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
					return -1;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			/* Every string may end up a C string: no NUL inside. */
			if (cp == 0)
				return -1;
			break;
		default:
			return -1;
		}
		n += put_utf8(out != NULL ? out + n : NULL, cp);
	}
	*olen = n;
	return 0;
}

static int
read_number(struct rd *r, uint8_t *type)
{
	size_t p = r->pos;
	int is_int = 1;

#define DIGIT(i) ((i) < r->len && r->b[i] >= '0' && r->b[i] <= '9')
	if (p < r->len && r->b[p] == '-')
		p++;
	if (p < r->len && r->b[p] == '0')
		p++;
	else if (DIGIT(p))
		while (DIGIT(p))
			p++;
	else
		return -1;
	if (p < r->len && r->b[p] == '.') {
		p++;
		is_int = 0;
		if (!DIGIT(p))
			return -1;
		while (DIGIT(p))
			p++;
	}
	if (p < r->len && (r->b[p] == 'e' || r->b[p] == 'E')) {
		p++;
		is_int = 0;
		if (p < r->len && (r->b[p] == '+' || r->b[p] == '-'))
			p++;
		if (!DIGIT(p))
			return -1;
		while (DIGIT(p))
			p++;
	}
#undef DIGIT
	r->pos = p;
	*type = is_int ? JT_INT : JT_NUM;
	return 0;
}

static int
read_literal(struct rd *r, const char *lit, size_t l)
{
	if (r->len - r->pos < l || memcmp(r->b + r->pos, lit, l) != 0)
		return -1;
	r->pos += l;
	return 0;
}

/* Any value, checked only (nested values are never decoded). */
static int
read_value(struct rd *r, unsigned int depth, uint8_t *type)
{
	size_t l;
	char close;

	if (r->pos >= r->len)
		return -1;
	switch (r->b[r->pos]) {
	case '"':
		*type = JT_STRING;
		return read_string(r, NULL, &l);
	case 't':
		*type = JT_TRUE;
		return read_literal(r, "true", 4);
	case 'f':
		*type = JT_FALSE;
		return read_literal(r, "false", 5);
	case 'n':
		*type = JT_NULL;
		return read_literal(r, "null", 4);
	case '{':
	case '[':
		break;
	default:
		return read_number(r, type);
	}
	/* A container: depth counts the levels around this one. */
	if (depth >= WEIR_JWT_MAX_DEPTH)
		return -1;
	close = r->b[r->pos] == '{' ? '}' : ']';
	*type = close == '}' ? JT_OBJECT : JT_ARRAY;
	r->pos++;
	skip_ws(r);
	if (r->pos < r->len && r->b[r->pos] == close) {
		r->pos++;
		return 0;
	}
	for (;;) {
		uint8_t t;

		skip_ws(r);
		if (close == '}') {
			if (read_string(r, NULL, &l) != 0)
				return -1;
			skip_ws(r);
			if (r->pos >= r->len || r->b[r->pos] != ':')
				return -1;
			r->pos++;
			skip_ws(r);
		}
		if (read_value(r, depth + 1, &t) != 0)
			return -1;
		skip_ws(r);
		if (r->pos >= r->len)
			return -1;
		if (r->b[r->pos] == close) {
			r->pos++;
			return 0;
		}
		if (r->b[r->pos] != ',')
			return -1;
		r->pos++;
	}
}

int
jwt_json_object(char *buf, size_t len, struct jwt_obj *o)
{
	struct rd r = {.b = buf, .len = len, .pos = 0};

	o->n = 0;
	if (len > UINT16_MAX)
		return JWT_JSON_BAD;
	skip_ws(&r);
	if (r.pos >= r.len || buf[r.pos] != '{')
		return JWT_JSON_BAD;
	r.pos++;
	skip_ws(&r);
	if (r.pos < r.len && buf[r.pos] == '}') {
		r.pos++;
		goto end;
	}
	for (;;) {
		struct jwt_member *m;
		size_t start, l;
		unsigned int i;

		if (o->n == WEIR_JWT_MAX_MEMBERS)
			return JWT_JSON_BAD;
		m = &o->m[o->n];
		skip_ws(&r);
		start = r.pos + 1;
		if (read_string(&r, buf + start, &l) != 0)
			return JWT_JSON_BAD;
		m->name_off = (uint16_t)start;
		m->name_len = (uint16_t)l;
		skip_ws(&r);
		if (r.pos >= r.len || buf[r.pos] != ':')
			return JWT_JSON_BAD;
		r.pos++;
		skip_ws(&r);
		start = r.pos;
		if (r.pos < r.len && buf[r.pos] == '"') {
			if (read_string(&r, buf + start + 1, &l) != 0)
				return JWT_JSON_BAD;
			m->type = JT_STRING;
			m->val_off = (uint16_t)(start + 1);
			m->val_len = (uint16_t)l;
		} else {
			if (read_value(&r, 1, &m->type) != 0)
				return JWT_JSON_BAD;
			m->val_off = (uint16_t)start;
			m->val_len = (uint16_t)(r.pos - start);
		}
		for (i = 0; i < o->n; i++)
			if (o->m[i].name_len == m->name_len &&
			    buf[o->m[i].name_off] == buf[m->name_off] &&
			    memcmp(buf + o->m[i].name_off, buf + m->name_off, m->name_len) == 0)
				return JWT_JSON_DUP;
		o->n++;
		skip_ws(&r);
		if (r.pos >= r.len)
			return JWT_JSON_BAD;
		if (buf[r.pos] == '}') {
			r.pos++;
			break;
		}
		if (buf[r.pos] != ',')
			return JWT_JSON_BAD;
		r.pos++;
	}
end:
	skip_ws(&r);
	return r.pos == r.len ? 0 : JWT_JSON_BAD;
}

int
jwt_json_array_has(const char *arr, size_t len, const char *s, size_t slen)
{
	/* Strings are decoded one at a time into a copy, never in place:
	 * the caller's array stays as it was. */
	char tmp[256];
	struct rd r;
	int found = 0;

	r.b = (char *)(uintptr_t)arr;
	r.len = len;
	r.pos = 1; /* after '[' */
	for (;;) {
		struct rd sub;
		size_t l, start;

		skip_ws(&r);
		if (r.pos >= r.len)
			return -1;
		if (arr[r.pos] == ']')
			return found;
		if (arr[r.pos] == ',') {
			r.pos++;
			continue;
		}
		if (arr[r.pos] != '"')
			return -1;
		/* Measure, then decode the strings that can be s. */
		start = r.pos;
		if (read_string(&r, NULL, &l) != 0)
			return -1;
		if (l == slen && l <= sizeof(tmp)) {
			sub.b = (char *)(uintptr_t)arr;
			sub.len = len;
			sub.pos = start;
			if (read_string(&sub, tmp, &l) == 0 && memcmp(tmp, s, slen) == 0)
				found = 1;
		}
	}
}

int
jwt_json_array_next(const char *arr, size_t len, size_t *pos, size_t *off, size_t *elen)
{
	struct rd r;
	uint8_t t;

	r.b = (char *)(uintptr_t)arr;
	r.len = len;
	r.pos = *pos;
	if (r.pos == 0) {
		if (len == 0 || arr[0] != '[')
			return -1;
		r.pos = 1;
	}
	skip_ws(&r);
	if (r.pos >= r.len)
		return -1;
	if (arr[r.pos] == ']')
		return 0;
	*off = r.pos;
	/* Only checked, never decoded: the caller's array stays as it was. */
	if (read_value(&r, 1, &t) != 0)
		return -1;
	*elen = r.pos - *off;
	skip_ws(&r);
	if (r.pos >= r.len || (arr[r.pos] != ',' && arr[r.pos] != ']'))
		return -1;
	if (arr[r.pos] == ',') {
		r.pos++;
		skip_ws(&r);
		/* "[1,]": a comma must lead to another element. */
		if (r.pos >= r.len || arr[r.pos] == ']')
			return -1;
	}
	*pos = r.pos;
	return 1;
}
