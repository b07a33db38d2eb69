/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: lib/health's probe (weir_probe.h) reading a response.
 *
 * The input is 3 bytes of set-up then the server's byte stream, so that a
 * seed is a readable HTTP response (tests/fuzz/corpus/probe/):
 *   byte 0: bits 0-1 the body check (none, "ok", "ready", none), bit 2 ISNs
 *           near 2^32, bit 3 no status ranges (else [200-399]), bit 4 a FIN
 *           after the stream, bit 5 an RST after it, bit 6 timer calls;
 *   bytes 1-2: the seed of the PRNG that cuts the stream into segments and
 *           reorders, repeats, overlaps and perturbs them.
 * After a valid handshake every segment is a slice of the stream at its
 * own offset (or carries no data), so what the probe keeps must be a prefix
 * of the stream. Checked after every call: at most WEIR_PROBE_OUT_MAX
 * segments out, head_len <= WEIR_PROBE_HEAD_MAX, head[] a prefix of the
 * stream, rcv_nxt consistent with it, a verdict that agrees with head[],
 * DONE final (nothing out, nothing changes), DONE at the timeout.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weir_probe.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

struct fz {
	struct weir_probe *pr;
	struct weir_probe_cfg cfg;
	const uint8_t *stream;
	size_t stream_len;
	uint64_t now;
	uint32_t rng;
	/* What a DONE probe must keep. */
	int done;
	struct weir_probe snap;
};

static uint32_t
rnd(struct fz *f)
{
	/* xorshift32: any nonzero seed. */
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 17;
	f->rng ^= f->rng << 5;
	return f->rng;
}

static int
line_status(const uint8_t *h, size_t len)
{
	const uint8_t *nl = memchr(h, '\n', len);
	size_t l;

	if (nl == NULL)
		return -1;
	l = (size_t)(nl - h);
	if (l > 0 && h[l - 1] == '\r')
		l--;
	if (l < 12 || memcmp(h, "HTTP/1.", 7) != 0 || (h[7] != '0' && h[7] != '1') || h[8] != ' ')
		return 0;
	if (h[9] < '1' || h[9] > '9' || h[10] < '0' || h[10] > '9' || h[11] < '0' || h[11] > '9')
		return 0;
	if (l > 12 && h[12] != ' ')
		return 0;
	return (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
}

static int
has(const uint8_t *h, size_t len, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(h + i, s, n) == 0)
			return 1;
	return 0;
}

static void
check(struct fz *f, unsigned int n, const struct weir_probe_seg *out)
{
	const struct weir_probe *pr = f->pr;
	uint32_t got = pr->rcv_nxt - (pr->irs + 1);
	unsigned int i;
	int st;

	CHECK(n <= WEIR_PROBE_OUT_MAX);
	CHECK(pr->head_len <= WEIR_PROBE_HEAD_MAX);
	CHECK(pr->head_len <= f->stream_len);
	CHECK(memcmp(pr->head, f->stream, pr->head_len) == 0);
	/* The bytes taken, and the FIN if it was. */
	CHECK(got == pr->head_len || got == pr->head_len + 1u);
	CHECK(pr->state == WEIR_PROBE_REQ_SENT || pr->state == WEIR_PROBE_DONE);
	CHECK(pr->fail <= WEIR_PF_PROTOCOL);
	for (i = 0; i < n; i++) {
		CHECK(out[i].data_len == 0 ||
		      (out[i].data == f->cfg.req && out[i].data_len == f->cfg.req_len &&
		       out[i].seq == pr->isn + 1));
		if (out[i].flags == WEIR_PROBE_ACK)
			CHECK(out[i].ack == pr->rcv_nxt && out[i].seq == pr->snd_nxt);
		if (out[i].flags & WEIR_PROBE_RST)
			CHECK(pr->state == WEIR_PROBE_DONE && out[i].seq == pr->snd_nxt);
	}
	if (f->done) {
		CHECK(n == 0);
		CHECK(memcmp(&f->snap, pr, sizeof(*pr)) == 0);
		return;
	}
	if (pr->state != WEIR_PROBE_DONE) {
		CHECK(pr->fail == WEIR_PF_NONE);
		return;
	}
	f->done = 1;
	memcpy(&f->snap, pr, sizeof(*pr));
	st = line_status(pr->head, pr->head_len);
	switch (pr->fail) {
	case WEIR_PF_NONE:
		CHECK(st > 0 && pr->status == st);
		if (f->cfg.body_len != 0)
			CHECK(has(pr->head, pr->head_len, f->cfg.body, f->cfg.body_len));
		break;
	case WEIR_PF_BAD_STATUS:
		CHECK(st > 0 && pr->status == st && (st < 200 || st > 399));
		break;
	case WEIR_PF_BAD_BODY:
		CHECK(st > 0 && pr->status == st && f->cfg.body_len != 0);
		break;
	case WEIR_PF_MALFORMED:
		CHECK(st == 0 || (st < 0 && pr->head_len == WEIR_PROBE_HEAD_MAX));
		CHECK(pr->status == 0);
		break;
	case WEIR_PF_CLOSED:
		CHECK(st < 0 && pr->status == 0);
		break;
	default:
		break;
	}
}

/* A segment of the stream at offset off, len bytes of it (fewer past its end). */
static void
send_at(struct fz *f, uint8_t flags, uint32_t off, size_t len)
{
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];
	struct weir_probe_in in;
	unsigned int n;

	memset(&in, 0, sizeof(in));
	in.flags = flags;
	in.seq = f->pr->irs + 1 + off;
	in.ack = f->pr->isn + 1 + f->cfg.req_len;
	if (off < f->stream_len) {
		in.data = f->stream + off;
		in.data_len = len < f->stream_len - off ? len : f->stream_len - off;
	}
	memset(out, 0, sizeof(out));
	n = weir_probe_input(f->pr, &f->cfg, &in, f->now, out);
	check(f, n, out);
}

static void
tick(struct fz *f, uint64_t dt)
{
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];
	unsigned int n;

	f->now += dt;
	memset(out, 0, sizeof(out));
	n = weir_probe_timer(f->pr, &f->cfg, f->now, out);
	check(f, n, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const bodies[] = {NULL, "ok", "ready", NULL};
	/* On its own: ASan sees a write past head[] (its last member) as a global overflow. */
	static struct weir_probe pr;
	static struct fz f;
	struct weir_probe_seg out[WEIR_PROBE_OUT_MAX];
	struct weir_probe_in in;
	uint8_t opt;
	uint32_t isn, irs, off = 0;
	size_t len;
	unsigned int n;

	if (size < 3)
		return 0;
	memset(&f, 0, sizeof(f));
	f.pr = &pr;
	opt = data[0];
	f.rng = ((uint32_t)data[1] << 8 | data[2]) * 2654435761u + 1;
	f.stream = data + 3;
	f.stream_len = size - 3;
	f.now = 1000;

	f.cfg.http = 1;
	f.cfg.timeout_ms = 2000;
	f.cfg.rto_ms = 100;
	f.cfg.mss = 1460;
	CHECK(weir_probe_http_request(&f.cfg, "GET", "/health", "fuzz") == 0);
	if (!(opt & 0x08)) {
		f.cfg.n_status = 1;
		f.cfg.status_lo[0] = 200;
		f.cfg.status_hi[0] = 399;
	}
	if (bodies[opt & 3] != NULL) {
		f.cfg.body_len = (uint8_t)strlen(bodies[opt & 3]);
		memcpy(f.cfg.body, bodies[opt & 3], f.cfg.body_len);
	}
	isn = (opt & 0x04) ? 0xfffffff0u + (rnd(&f) & 0xf) : rnd(&f);
	irs = (opt & 0x04) ? 0xffffffc0u + (rnd(&f) & 0x3f) : rnd(&f);

	CHECK(weir_probe_start(f.pr, &f.cfg, isn, f.now, out) == 1);
	CHECK(out[0].flags == WEIR_PROBE_SYN && out[0].seq == isn);
	memset(&in, 0, sizeof(in));
	in.flags = WEIR_PROBE_SYN | WEIR_PROBE_ACK;
	in.seq = irs;
	in.ack = isn + 1;
	n = weir_probe_input(f.pr, &f.cfg, &in, ++f.now, out);
	CHECK(n == 1 && f.pr->state == WEIR_PROBE_REQ_SENT);
	CHECK(out[0].data == f.cfg.req && out[0].data_len == f.cfg.req_len);

	while (off < f.stream_len) {
		uint32_t r = rnd(&f), k = rnd(&f);
		uint32_t sizes[] = {8, 64, 300, 1100};

		len = 1 + k % sizes[r & 3];
		switch ((r >> 2) & 15) {
		case 0: /* the next one first */
			send_at(&f, WEIR_PROBE_ACK, off + (uint32_t)len, 1 + (k >> 8) % 64);
			break;
		case 1: /* something seen again, or overlapping */
			send_at(&f, WEIR_PROBE_ACK, off - (k >> 8) % 32, 1 + (k >> 16) % 64);
			break;
		case 2: /* any flags, any offset near */
			send_at(&f, (uint8_t)(k >> 8), off + (uint32_t)((int8_t)(k >> 16)),
				(k >> 24) % 16);
			break;
		case 3:
			tick(&f, (k >> 8) % 400);
			break;
		default:
			break;
		}
		send_at(&f, WEIR_PROBE_ACK | ((r >> 6) & 1 ? WEIR_PROBE_PSH : 0), off, len);
		off += (uint32_t)len;
		if (opt & 0x40)
			tick(&f, 1 + (r >> 8) % 50);
	}
	if (opt & 0x10)
		send_at(&f, WEIR_PROBE_ACK | WEIR_PROBE_FIN, (uint32_t)f.stream_len, 0);
	if (opt & 0x20)
		send_at(&f, WEIR_PROBE_RST, (uint32_t)f.stream_len + ((opt & 0x10) ? 1 : 0), 0);
	/* Time runs out: a verdict whatever came. */
	tick(&f, f.pr->start_ms + f.cfg.timeout_ms > f.now
			 ? f.pr->start_ms + f.cfg.timeout_ms - f.now
			 : 0);
	CHECK(f.pr->state == WEIR_PROBE_DONE);
	return 0;
}
