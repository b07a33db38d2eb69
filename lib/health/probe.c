/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One health probe's TCP (and HTTP/1.x) exchange, client side: a small TCP
 * sender of one segment (the SYN, then the request) and an in-order-only
 * receiver into head[], and the status line / body check over head[].
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "weir_probe.h"

/* Sequence numbers compare mod 2^32 (RFC 793's SEG.SEQ > RCV.NXT and so on). */
static int
seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* The window is what head[] can still take: the server never sends what the probe would drop. */
static uint16_t
probe_win(const struct weir_probe *pr)
{
	return (uint16_t)(WEIR_PROBE_HEAD_MAX - pr->head_len);
}

static void
seg_init(struct weir_probe_seg *s, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win)
{
	memset(s, 0, sizeof(*s));
	s->flags = flags;
	s->seq = seq;
	s->ack = ack;
	s->win = win;
}

static unsigned int
put_syn(const struct weir_probe *pr, const struct weir_probe_cfg *cfg, struct weir_probe_seg *out)
{
	uint16_t mss = cfg->mss != 0 ? cfg->mss : 536;

	seg_init(out, WEIR_PROBE_SYN, pr->isn, 0, probe_win(pr));
	out->opts_len = 4;
	out->opts[0] = 2; /* kind: MSS */
	out->opts[1] = 4;
	out->opts[2] = (uint8_t)(mss >> 8);
	out->opts[3] = (uint8_t)mss;
	return 1;
}

/* The request always starts at ISN + 1: it is the only data the probe sends. */
static unsigned int
put_req(const struct weir_probe *pr, const struct weir_probe_cfg *cfg, struct weir_probe_seg *out)
{
	uint16_t len = cfg->req_len <= WEIR_PROBE_REQ_MAX ? cfg->req_len : WEIR_PROBE_REQ_MAX;

	seg_init(out, WEIR_PROBE_ACK | WEIR_PROBE_PSH, pr->isn + 1, pr->rcv_nxt, probe_win(pr));
	out->data = len != 0 ? cfg->req : NULL;
	out->data_len = len;
	return 1;
}

static unsigned int
put_ack(const struct weir_probe *pr, struct weir_probe_seg *out)
{
	seg_init(out, WEIR_PROBE_ACK, pr->snd_nxt, pr->rcv_nxt, probe_win(pr));
	return 1;
}

static unsigned int
put_rst(uint32_t seq, struct weir_probe_seg *out)
{
	seg_init(out, WEIR_PROBE_RST, seq, 0, 0);
	return 1;
}

/* Schedule the next retransmission: intervals rto, 2 rto, 4 rto... (0: none). */
static void
arm_rtx(struct weir_probe *pr, const struct weir_probe_cfg *cfg, uint64_t now_ms)
{
	unsigned int shift = pr->rtx < 30 ? pr->rtx : 30;

	pr->rtx_ms = cfg->rto_ms != 0 ? now_ms + ((uint64_t)cfg->rto_ms << shift) : UINT64_MAX;
}

static void
verdict(struct weir_probe *pr, enum weir_probe_fail f, uint64_t now_ms)
{
	pr->state = WEIR_PROBE_DONE;
	pr->fail = (uint8_t)f;
	pr->done_ms = now_ms;
}

/* A verdict once the handshake is done: ACK what came, then reset (no close handshake). */
static unsigned int
verdict_synced(struct weir_probe *pr, enum weir_probe_fail f, uint64_t now_ms,
	       struct weir_probe_seg *out)
{
	verdict(pr, f, now_ms);
	put_ack(pr, &out[0]);
	put_rst(pr->snd_nxt, &out[1]);
	return 2;
}

static int
status_ok(const struct weir_probe_cfg *cfg, unsigned int status)
{
	unsigned int i, n = cfg->n_status < WEIR_PROBE_STATUS_RANGES ? cfg->n_status
								     : WEIR_PROBE_STATUS_RANGES;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (status >= cfg->status_lo[i] && status <= cfg->status_hi[i])
			return 1;
	return 0;
}

static int
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/*
 * The status line head[0, len) without its line end: "HTTP/1.0 " or
 * "HTTP/1.1 ", three digits, then the end or SP and a reason phrase.
 * Returns the status (100-999), or 0 if the line is not that.
 */
static unsigned int
parse_status_line(const uint8_t *l, size_t len)
{
	unsigned int st;

	if (len < 12 || memcmp(l, "HTTP/1.", 7) != 0 || (l[7] != '0' && l[7] != '1') || l[8] != ' ')
		return 0;
	if (!is_digit(l[9]) || !is_digit(l[10]) || !is_digit(l[11]))
		return 0;
	if (len > 12 && l[12] != ' ')
		return 0;
	st = (l[9] - '0') * 100u + (l[10] - '0') * 10u + (l[11] - '0');
	return st >= 100 ? st : 0;
}

/* Where the body starts: after the first empty line (CRLF CRLF, or bare LFs), or 0 if not in yet.
 */
static size_t
body_start(const uint8_t *h, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (h[i] != '\n')
			continue;
		if (h[i + 1] == '\n')
			return i + 2;
		if (h[i + 1] == '\r' && i + 2 < len && h[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static int
contains(const uint8_t *h, size_t len, const char *needle, size_t n)
{
	size_t i;

	if (n == 0)
		return 1;
	for (i = 0; i + n <= len; i++)
		if (h[i] == (uint8_t)needle[0] && memcmp(h + i, needle, n) == 0)
			return 1;
	return 0;
}

/*
 * What head[] says so far, fin: the server has closed. Returns WEIR_PF_NONE
 * for a pass, a failure, or -1 if more bytes are needed.
 */
static int
check_head(struct weir_probe *pr, const struct weir_probe_cfg *cfg, int fin)
{
	size_t len = pr->head_len, body_len, start;
	int full = len >= WEIR_PROBE_HEAD_MAX;
	const uint8_t *nl;

	if (pr->status == 0) {
		unsigned int st;
		size_t line;

		nl = memchr(pr->head, '\n', len);
		if (nl == NULL) {
			if (full)
				return WEIR_PF_MALFORMED;
			return fin ? WEIR_PF_CLOSED : -1;
		}
		line = (size_t)(nl - pr->head);
		if (line > 0 && pr->head[line - 1] == '\r')
			line--;
		st = parse_status_line(pr->head, line);
		if (st == 0)
			return WEIR_PF_MALFORMED;
		pr->status = (uint16_t)st;
		if (!status_ok(cfg, st))
			return WEIR_PF_BAD_STATUS;
	}
	body_len = cfg->body_len <= sizeof(cfg->body) ? cfg->body_len : sizeof(cfg->body);
	if (body_len == 0)
		return WEIR_PF_NONE;
	start = body_start(pr->head, len);
	if (start != 0 && contains(pr->head + start, len - start, cfg->body, body_len))
		return WEIR_PF_NONE;
	return full || fin ? WEIR_PF_BAD_BODY : -1;
}

unsigned int
weir_probe_start(struct weir_probe *pr, const struct weir_probe_cfg *cfg, uint32_t isn,
		 uint64_t now_ms, struct weir_probe_seg *out)
{
	memset(pr, 0, sizeof(*pr));
	pr->state = WEIR_PROBE_SYN_SENT;
	pr->isn = isn;
	pr->snd_una = isn;
	pr->snd_nxt = isn + 1;
	pr->start_ms = now_ms;
	arm_rtx(pr, cfg, now_ms);
	return put_syn(pr, cfg, out);
}

static unsigned int
input_syn_sent(struct weir_probe *pr, const struct weir_probe_cfg *cfg,
	       const struct weir_probe_in *in, uint64_t now_ms, struct weir_probe_seg *out)
{
	/* RFC 793 SYN-SENT: without an ACK, or with one of something else, an RST is not ours. */
	if (!(in->flags & WEIR_PROBE_ACK))
		return 0;
	if (in->flags & WEIR_PROBE_RST) {
		if (in->ack != pr->isn + 1)
			return 0;
		verdict(pr, WEIR_PF_REFUSED, now_ms);
		return 0;
	}
	if (!(in->flags & WEIR_PROBE_SYN))
		return 0;
	if (in->ack != pr->isn + 1) {
		/* RFC 793: an unacceptable ACK in SYN-SENT gets an RST and
		 * changes nothing: mostly the late answer to an earlier probe's
		 * SYN from this port, which must not fail this one. */
		return put_rst(in->ack, out);
	}
	pr->irs = in->seq;
	pr->rcv_nxt = in->seq + 1;
	pr->snd_una = pr->isn + 1;
	if (!cfg->http) {
		verdict(pr, WEIR_PF_NONE, now_ms);
		return put_rst(pr->isn + 1, out);
	}
	/* Data on the SYN-ACK (fast open) is not taken: the server sends it again. */
	pr->state = WEIR_PROBE_REQ_SENT;
	pr->snd_nxt = pr->isn + 1 +
		      (cfg->req_len <= WEIR_PROBE_REQ_MAX ? cfg->req_len : WEIR_PROBE_REQ_MAX);
	pr->rtx = 0;
	arm_rtx(pr, cfg, now_ms);
	return put_req(pr, cfg, out);
}

static unsigned int
input_req_sent(struct weir_probe *pr, const struct weir_probe_cfg *cfg,
	       const struct weir_probe_in *in, uint64_t now_ms, struct weir_probe_seg *out)
{
	size_t len = in->data != NULL ? in->data_len : 0, skip, room, take;
	int fin = 0, r;

	if (in->flags & WEIR_PROBE_RST) {
		/* Only an RST in the window ends it (RFC 5961: no blind resets). */
		uint32_t win = probe_win(pr) != 0 ? probe_win(pr) : 1;

		if ((uint32_t)(in->seq - pr->rcv_nxt) >= win)
			return 0;
		verdict(pr, WEIR_PF_RESET, now_ms);
		return 0;
	}
	if (in->flags & WEIR_PROBE_SYN) {
		if (in->seq != pr->irs || !(in->flags & WEIR_PROBE_ACK) || in->ack != pr->isn + 1)
			return verdict_synced(pr, WEIR_PF_PROTOCOL, now_ms, out);
		/* The SYN-ACK again: our ACK was lost, and the request with it if not ACKed. */
		if (pr->snd_una != pr->snd_nxt)
			return put_req(pr, cfg, out);
		return put_ack(pr, out);
	}
	if (!(in->flags & WEIR_PROBE_ACK))
		return 0;
	if (seq_gt(in->ack, pr->snd_nxt))
		return verdict_synced(pr, WEIR_PF_PROTOCOL, now_ms, out);
	if (seq_gt(in->ack, pr->snd_una)) {
		pr->snd_una = in->ack;
		if (pr->snd_una == pr->snd_nxt)
			pr->rtx_ms = UINT64_MAX; /* the request is in: nothing left to resend */
	}
	if (len == 0 && !(in->flags & WEIR_PROBE_FIN))
		return 0;

	if (seq_gt(in->seq, pr->rcv_nxt))
		return put_ack(pr, out); /* a hole before it: drop, ask for rcv_nxt */
	skip = (uint32_t)(pr->rcv_nxt - in->seq);
	if (skip > len || (skip == len && !(in->flags & WEIR_PROBE_FIN)))
		return put_ack(pr, out); /* all seen already (a FIN seen ends the probe) */

	room = WEIR_PROBE_HEAD_MAX - pr->head_len;
	take = len - skip < room ? len - skip : room;
	if (take != 0)
		memcpy(pr->head + pr->head_len, in->data + skip, take);
	pr->head_len = (uint16_t)(pr->head_len + take);
	pr->rcv_nxt += (uint32_t)take;
	if ((in->flags & WEIR_PROBE_FIN) && skip + take == len) {
		fin = 1;
		pr->rcv_nxt++;
	}

	r = check_head(pr, cfg, fin);
	if (r >= 0)
		return verdict_synced(pr, (enum weir_probe_fail)r, now_ms, out);
	return put_ack(pr, out);
}

unsigned int
weir_probe_input(struct weir_probe *pr, const struct weir_probe_cfg *cfg,
		 const struct weir_probe_in *in, uint64_t now_ms, struct weir_probe_seg *out)
{
	switch (pr->state) {
	case WEIR_PROBE_SYN_SENT:
		return input_syn_sent(pr, cfg, in, now_ms, out);
	case WEIR_PROBE_REQ_SENT:
		return input_req_sent(pr, cfg, in, now_ms, out);
	default:
		return 0;
	}
}

unsigned int
weir_probe_timer(struct weir_probe *pr, const struct weir_probe_cfg *cfg, uint64_t now_ms,
		 struct weir_probe_seg *out)
{
	if (pr->state != WEIR_PROBE_SYN_SENT && pr->state != WEIR_PROBE_REQ_SENT)
		return 0;
	if (now_ms >= pr->start_ms + cfg->timeout_ms) {
		int synced = pr->state == WEIR_PROBE_REQ_SENT;

		verdict(pr, WEIR_PF_TIMEOUT, now_ms);
		return synced ? put_rst(pr->snd_nxt, out) : 0;
	}
	if (now_ms < pr->rtx_ms)
		return 0;
	if (pr->state == WEIR_PROBE_REQ_SENT && pr->snd_una == pr->snd_nxt)
		return 0;
	if (pr->rtx < UINT8_MAX)
		pr->rtx++;
	arm_rtx(pr, cfg, now_ms);
	return pr->state == WEIR_PROBE_SYN_SENT ? put_syn(pr, cfg, out) : put_req(pr, cfg, out);
}

static int
field_ok(const char *s, int space_ok)
{
	const unsigned char *p = (const unsigned char *)s;

	if (*p == '\0')
		return 0;
	for (; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || (*p == ' ' && !space_ok))
			return 0;
	return 1;
}

int
weir_probe_http_request(struct weir_probe_cfg *cfg, const char *method, const char *path,
			const char *host)
{
	const char *parts[] = {method, " ",
			       path,   " HTTP/1.1\r\nHost: ",
			       host,   "\r\nUser-Agent: weir-health\r\nConnection: close\r\n\r\n"};
	size_t i, n, len = 0;

	if (method == NULL || path == NULL || host == NULL || !field_ok(method, 0) ||
	    !field_ok(path, 0) || !field_ok(host, 1))
		return -1;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		n = strlen(parts[i]);
		if (n > WEIR_PROBE_REQ_MAX - len)
			return -1;
		len += n;
	}
	len = 0;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		n = strlen(parts[i]);
		memcpy(cfg->req + len, parts[i], n);
		len += n;
	}
	cfg->req_len = (uint16_t)len;
	return 0;
}

const char *
weir_probe_fail_name(enum weir_probe_fail f)
{
	switch (f) {
	case WEIR_PF_NONE:
		return "ok";
	case WEIR_PF_TIMEOUT:
		return "timeout";
	case WEIR_PF_REFUSED:
		return "refused";
	case WEIR_PF_RESET:
		return "reset";
	case WEIR_PF_CLOSED:
		return "closed";
	case WEIR_PF_BAD_STATUS:
		return "bad-status";
	case WEIR_PF_BAD_BODY:
		return "bad-body";
	case WEIR_PF_MALFORMED:
		return "malformed";
	case WEIR_PF_PROTOCOL:
		return "protocol";
	}
	return "?";
}
