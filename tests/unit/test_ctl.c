/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin socket server, driven from one thread: the test is every client,
 * and alternates weir_ctl_server_poll() with non-blocking reads until a whole
 * line arrives (bounded loops, no sleeps).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl_server.h"
#include "weir_ctl_proto.h"
#include "weir_test.h"

/* Mirrors of private constants of ctl_server.c. */
#define MAX_CLIENTS 32
#define ROOT_RESERVE 4
#define PER_UID_MAX 8
#define MAX_PENDING_OUT (4u << 20)
#define IDLE_TIMEOUT_MS 30000
#define LINE_DEADLINE_MS 2000

/* Rounds of poll-then-read before a test gives up waiting for an answer. */
#define MAX_ROUNDS 500

/*
 * The server reads CLOCK_MONOTONIC through clock_gettime(). This definition
 * takes precedence over libc's when the test is linked, so the idle-timeout
 * test moves time forward instead of sleeping for 30 s. Only ever increased
 * while a server is open: the server's clock must not go back.
 */
static uint64_t clock_skew_ms;

int
clock_gettime(clockid_t clk, struct timespec *ts)
{
	long rc = syscall(SYS_clock_gettime, clk, ts);

	if (rc == 0 && clk == CLOCK_MONOTONIC && clock_skew_ms > 0) {
		ts->tv_sec += (time_t)(clock_skew_ms / 1000);
		ts->tv_nsec += (long)(clock_skew_ms % 1000) * 1000000;
		if (ts->tv_nsec >= 1000000000) {
			ts->tv_sec++;
			ts->tv_nsec -= 1000000000;
		}
	}
	return (int)rc;
}

/*
 * The server asks the kernel for a client's uid (SO_PEERCRED) when it
 * accepts it. This getsockopt() takes precedence over libc's, like
 * clock_gettime() above: a connection accepted while peer_uid is U appears
 * to come from uid U, so one test process plays every user. 0 by default,
 * whoever runs the tests.
 */
static uid_t peer_uid;

int
getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	long rc = syscall(SYS_getsockopt, fd, level, name, val, len);

	if (rc == 0 && level == SOL_SOCKET && name == SO_PEERCRED && *len == sizeof(struct ucred))
		((struct ucred *)val)->uid = peer_uid;
	return (int)rc;
}

struct fx {
	char dir[64];
	char path[108];
	struct weir_ctl_server *s;
	unsigned int calls; /* handler calls */
	uint64_t ticket;    /* of the last "later" request */
};

struct cli {
	int fd;
	int eof;
	size_t len;
	char buf[8192];
};

#define BLOB_LEN 60000
static char blob[BLOB_LEN + 1];

/*
 * "status", "stats": {"echo": cmd}; "req": the request itself; "big": a
 * 60000-character string; "silent": failure without a message; "later":
 * answered later (the ticket in fx->ticket); anything else: "unknown
 * command 'x'".
 */
static json_t *
handler(const char *cmd, json_t *req, void *arg, char *err, size_t errlen)
{
	struct fx *fx = arg;

	fx->calls++;
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "stats") == 0)
		return json_pack("{s:s}", "echo", cmd);
	if (strcmp(cmd, "req") == 0)
		return json_incref(req);
	if (strcmp(cmd, "big") == 0)
		return json_pack("{s:s}", "blob", blob);
	if (strcmp(cmd, "silent") == 0)
		return NULL;
	if (strcmp(cmd, "later") == 0) {
		fx->ticket = weir_ctl_server_defer(fx->s);
		/* Whatever the handler returns now is not the answer. */
		return json_pack("{s:s}", "not", "this");
	}
	snprintf(err, errlen, "unknown command '%s'", cmd);
	return NULL;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh directory, no server. */
static int
dir_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	strcpy(fx->dir, "/tmp/weir-test-ctl-XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/weir.sock", fx->dir);
	*state = fx;
	return 0;
}

/* A fresh directory and a server on DIR/weir.sock. */
static int
server_setup(void **state)
{
	char err[256];
	struct fx *fx;

	if (dir_setup(state) != 0)
		return -1;
	fx = *state;
	fx->s = weir_ctl_server_open(fx->path, handler, fx, err, sizeof(err));
	if (fx->s == NULL) {
		fprintf(stderr, "weir_ctl_server_open: %s\n", err);
		return -1;
	}
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *fx = *state;
	int rc;

	weir_ctl_server_close(fx->s);
	clock_skew_ms = 0;
	peer_uid = 0;
	rc = nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return rc;
}

static void
serve(struct fx *fx, unsigned int rounds)
{
	while (rounds-- > 0)
		weir_ctl_server_poll(fx->s, 10);
}

/* Connect without waiting for the server to accept. */
static int
connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_true(strlen(path) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fail_msg("connect %s: %s", path, strerror(errno));
	return fd;
}

static struct cli *
cli_open(struct fx *fx)
{
	struct cli *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->fd = connect_to(fx->path);
	return c;
}

static void
cli_close(struct cli *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c);
}

/* Read what is there, without waiting. */
static void
cli_fill(struct cli *c)
{
	ssize_t n;

	if (c->eof)
		return;
	assert_true(c->len < sizeof(c->buf));
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
	if (n > 0)
		c->len += (size_t)n;
	else if (n == 0 || errno == ECONNRESET)
		c->eof = 1;
	else if (errno != EAGAIN)
		fail_msg("recv: %s", strerror(errno));
}

static void
cli_send(struct fx *fx, struct cli *c, const char *data, size_t len)
{
	unsigned int rounds = 0;
	ssize_t n;

	while (len > 0) {
		n = send(c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN)
				fail_msg("send: %s", strerror(errno));
			if (++rounds > MAX_ROUNDS)
				fail_msg("the server does not read");
			serve(fx, 1);
			continue;
		}
		data += n;
		len -= (size_t)n;
	}
}

static void
cli_puts(struct fx *fx, struct cli *c, const char *s)
{
	cli_send(fx, c, s, strlen(s));
}

/* The next line without its newline, or NULL at end of stream. */
static const char *
cli_line(struct fx *fx, struct cli *c)
{
	static char line[sizeof(((struct cli *)0)->buf)];
	unsigned int i;

	for (i = 0; i < MAX_ROUNDS; i++) {
		char *nl = memchr(c->buf, '\n', c->len);

		if (nl != NULL) {
			size_t n = (size_t)(nl - c->buf);

			memcpy(line, c->buf, n);
			line[n] = '\0';
			c->len -= n + 1;
			memmove(c->buf, nl + 1, c->len);
			return line;
		}
		if (c->eof)
			return NULL;
		if (fx->s != NULL)
			serve(fx, 1);
		cli_fill(c);
	}
	fail_msg("no answer after %d rounds", MAX_ROUNDS);
	return NULL;
}

static void
expect_line(struct fx *fx, struct cli *c, const char *expected)
{
	const char *line = cli_line(fx, c);

	if (line == NULL)
		fail_msg("end of stream, expected %s", expected);
	assert_string_equal(line, expected);
}

/* {"v": 1, "ok": false, "error": msg} and nothing else. */
static void
expect_error(struct fx *fx, struct cli *c, const char *msg)
{
	const char *line = cli_line(fx, c);
	json_error_t jerr;
	json_t *a;

	if (line == NULL)
		fail_msg("end of stream, expected error %s", msg);
	a = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
	if (a == NULL)
		fail_msg("answer is not JSON (%s): %s", jerr.text, line);
	assert_int_equal(json_object_size(a), 3);
	assert_true(json_is_integer(json_object_get(a, WEIR_CTL_KEY_VERSION)));
	assert_int_equal(json_integer_value(json_object_get(a, WEIR_CTL_KEY_VERSION)),
			 WEIR_CTL_VERSION);
	assert_true(json_is_false(json_object_get(a, WEIR_CTL_KEY_OK)));
	assert_true(json_is_string(json_object_get(a, WEIR_CTL_KEY_ERROR)));
	assert_string_equal(json_string_value(json_object_get(a, WEIR_CTL_KEY_ERROR)), msg);
	json_decref(a);
}

/* The server closed the connection, with nothing unread before. */
static void
expect_eof(struct fx *fx, struct cli *c)
{
	const char *line = cli_line(fx, c);

	if (line != NULL)
		fail_msg("expected end of stream, got %s", line);
	assert_int_equal(c->len, 0);
}

/* Nothing arrives, and the connection stays open. */
static void
expect_quiet(struct fx *fx, struct cli *c)
{
	serve(fx, 3);
	cli_fill(c);
	assert_int_equal(c->len, 0);
	assert_int_equal(c->eof, 0);
}

#define STATUS "{\"v\":1,\"cmd\":\"status\"}\n"
#define STATS "{\"v\":1,\"cmd\":\"stats\"}\n"
#define STATUS_OK "{\"v\":1,\"ok\":true,\"result\":{\"echo\":\"status\"}}"
#define STATS_OK "{\"v\":1,\"ok\":true,\"result\":{\"echo\":\"stats\"}}"

static void
expect_served(struct fx *fx, struct cli *c)
{
	cli_puts(fx, c, STATUS);
	expect_line(fx, c, STATUS_OK);
}

#define VERSION_ERROR "unsupported protocol version: this daemon speaks \"v\": 1"
#define CMD_ERROR "bad request: \"cmd\" must be a string"

static void
test_request_ok(void **state)
{
	struct fx *fx = *state;
	struct cli *c = cli_open(fx);

	cli_puts(fx, c, STATUS);
	expect_line(fx, c, STATUS_OK);
	cli_puts(fx, c, STATS);
	expect_line(fx, c, STATS_OK);
	assert_int_equal(fx->calls, 2);

	/* The handler gets the whole request; other keys are its business. */
	cli_puts(fx, c, "{\"cmd\":\"req\",\"v\":1,\"port\":\"p0\",\"n\":[1,2]}\n");
	expect_line(fx, c,
		    "{\"v\":1,\"ok\":true,\"result\":{\"cmd\":\"req\",\"v\":1,"
		    "\"port\":\"p0\",\"n\":[1,2]}}");
	/* Whitespace and a CRLF line end are fine. */
	cli_puts(fx, c, "  { \"v\" : 1 , \"cmd\" : \"stats\" }\r\n");
	expect_line(fx, c, STATS_OK);
	assert_int_equal(fx->calls, 4);
	expect_quiet(fx, c);
	cli_close(c);
}

#define LATER "{\"v\":1,\"cmd\":\"later\"}\n"

/* A deferred answer comes when the daemon gives it, and in its place: the
 * client's later requests wait for it; other clients do not. */
static void
test_deferred(void **state)
{
	struct fx *fx = *state;
	struct cli *c = cli_open(fx), *other = cli_open(fx);
	uint64_t first;

	assert_int_equal(weir_ctl_server_defer(fx->s), 0); /* not inside a handler */
	cli_puts(fx, c, LATER STATUS);
	serve(fx, 3);
	assert_int_not_equal(fx->ticket, 0);
	assert_int_equal(fx->calls, 1); /* STATUS waits behind the deferred answer */
	expect_quiet(fx, c);
	expect_served(fx, other);
	first = fx->ticket;
	assert_int_equal(weir_ctl_server_answer(fx->s, first, json_pack("{s:i}", "late", 1), NULL),
			 0);
	expect_line(fx, c, "{\"v\":1,\"ok\":true,\"result\":{\"late\":1}}");
	expect_line(fx, c, STATUS_OK);
	/* A ticket is answered once. */
	assert_int_equal(weir_ctl_server_answer(fx->s, first, json_object(), NULL), -ENOENT);

	/* Deferred errors; a client that sent everything and shut its side
	 * down still gets its answer, then the connection closes. */
	cli_puts(fx, c, LATER);
	serve(fx, 3);
	assert_int_not_equal(fx->ticket, first);
	shutdown(c->fd, SHUT_WR);
	serve(fx, 3);
	assert_int_equal(weir_ctl_server_answer(fx->s, fx->ticket, NULL, "too late"), 0);
	expect_error(fx, c, "too late");
	expect_eof(fx, c);
	cli_close(c);

	/* The client went away while it waited (a closed socket reads like one
	 * shut down for writing): the answer is taken, the send fails, the
	 * client is dropped, and the server goes on. */
	cli_puts(fx, other, LATER);
	serve(fx, 3);
	cli_close(other);
	serve(fx, 3);
	assert_int_equal(weir_ctl_server_answer(fx->s, fx->ticket, json_object(), NULL), 0);
	serve(fx, 3);
	assert_int_equal(weir_ctl_server_answer(fx->s, fx->ticket, json_object(), NULL), -ENOENT);
	c = cli_open(fx);
	expect_served(fx, c);
	cli_close(c);
}

static void
test_pipelined(void **state)
{
	struct fx *fx = *state;
	struct cli *c = cli_open(fx);

	cli_puts(fx, c, STATUS STATS);
	expect_line(fx, c, STATUS_OK);
	expect_line(fx, c, STATS_OK);

	/* Empty lines get no answer; errors keep their place in the order. */
	cli_puts(fx, c, "\n" STATS "\n\n{\"v\":1,\"cmd\":\"nope\"}\n" STATUS);
	expect_line(fx, c, STATS_OK);
	expect_error(fx, c, "unknown command 'nope'");
	expect_line(fx, c, STATUS_OK);
	expect_quiet(fx, c);
	assert_int_equal(fx->calls, 5);
	cli_close(c);
}

static void
test_split_request(void **state)
{
	struct fx *fx = *state;
	struct cli *c = cli_open(fx);

	cli_puts(fx, c, "{\"v\":1,\"cm");
	expect_quiet(fx, c);
	cli_puts(fx, c, "d\":\"status\"}");
	expect_quiet(fx, c);
	assert_int_equal(fx->calls, 0);
	cli_puts(fx, c, "\n{\"v\":1,");
	expect_line(fx, c, STATUS_OK);
	cli_puts(fx, c, "\"cmd\":\"stats\"}\n");
	expect_line(fx, c, STATS_OK);
	expect_quiet(fx, c);
	cli_close(c);
}

/* A request the server or the handler refuses, for weir_test_rejects():
 * send it, read the answer, which must be {"v": 1, "ok": false, "error":
 * msg} and nothing else, and return msg (NULL if the request was served).
 * The handler must have run `handled' times for it (0: refused before
 * dispatch), and the connection must serve the next request. */
struct try_req {
	struct fx *fx;
	struct cli *c;
	unsigned int handled;
};

static const char *
try_request(const struct weir_reject_case *rc, void *arg)
{
	static char msg[1024];
	struct try_req *t = arg;
	unsigned int calls = t->fx->calls;
	json_t *a, *err;
	const char *line;
	json_error_t jerr;

	cli_puts(t->fx, t->c, rc->input);
	line = cli_line(t->fx, t->c);
	if (line == NULL)
		return "(end of stream)";
	a = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
	if (a == NULL) {
		snprintf(msg, sizeof(msg), "(not JSON: %s) %s", jerr.text, line);
		return msg;
	}
	err = json_object_get(a, WEIR_CTL_KEY_ERROR);
	if (json_is_true(json_object_get(a, WEIR_CTL_KEY_OK))) {
		json_decref(a);
		return NULL;
	}
	if (json_object_size(a) != 3 ||
	    !json_is_integer(json_object_get(a, WEIR_CTL_KEY_VERSION)) ||
	    json_integer_value(json_object_get(a, WEIR_CTL_KEY_VERSION)) != WEIR_CTL_VERSION ||
	    !json_is_false(json_object_get(a, WEIR_CTL_KEY_OK)) || !json_is_string(err))
		snprintf(msg, sizeof(msg), "(not an error answer) %s", line);
	else if (t->fx->calls != calls + t->handled)
		snprintf(msg, sizeof(msg), "(the handler ran %u times, want %u) %s",
			 t->fx->calls - calls, t->handled, json_string_value(err));
	else
		snprintf(msg, sizeof(msg), "%s", json_string_value(err));
	json_decref(a);
	expect_served(t->fx, t->c);
	return msg;
}

static void
test_bad_json(void **state)
{
	static const struct weir_reject_case bad_json[] = {
		{"{bad\n", "bad request: string or '}' expected near 'bad'"},
		{"[1]\n", "bad request: expected a JSON object"},
		{"\"status\"\n", "bad request: '[' or '{' expected near '\"status\"'"},
		{"{\"v\":1,\"cmd\":\"status\"} x\n", "bad request: end of file expected near 'x'"},
		{"{\"v\":1,\"cmd\":\"status\"}{\"v\":1,\"cmd\":\"status\"}\n",
		 "bad request: end of file expected near '{'"},
	};
	struct fx *fx = *state;
	struct try_req t = {.fx = fx, .c = cli_open(fx), .handled = 0};

	weir_test_rejects(bad_json, try_request, &t);
	/* A NUL byte ends the text jansson sees (not a C string: sent apart). */
	cli_send(fx, t.c, "{\"v\":1,\0\"cmd\":\"status\"}\n", 24);
	expect_error(fx, t.c, "bad request: string or '}' expected near end of file");
	expect_served(fx, t.c);
	/* The handler ran for the requests served after each refusal only. */
	assert_int_equal(fx->calls, sizeof(bad_json) / sizeof(bad_json[0]) + 1);
	cli_close(t.c);
}

static void
test_version(void **state)
{
	static const struct weir_reject_case version[] = {
		{"{\"v\":2,\"cmd\":\"status\"}\n", VERSION_ERROR},
		{"{\"v\":0,\"cmd\":\"status\"}\n", VERSION_ERROR},
		{"{\"v\":\"1\",\"cmd\":\"status\"}\n", VERSION_ERROR},
		{"{\"v\":1.0,\"cmd\":\"status\"}\n", VERSION_ERROR},
		{"{\"v\":null,\"cmd\":\"status\"}\n", VERSION_ERROR},
		{"{\"cmd\":\"status\"}\n", VERSION_ERROR},
		{"{}\n", VERSION_ERROR},
	};
	struct fx *fx = *state;
	struct try_req t = {.fx = fx, .c = cli_open(fx), .handled = 0};

	weir_test_rejects(version, try_request, &t);
	assert_int_equal(fx->calls, sizeof(version) / sizeof(version[0]));
	cli_close(t.c);
}

static void
test_cmd_not_string(void **state)
{
	static const struct weir_reject_case cmd_not_string[] = {
		{"{\"v\":1}\n", CMD_ERROR},
		{"{\"v\":1,\"cmd\":5}\n", CMD_ERROR},
		{"{\"v\":1,\"cmd\":null}\n", CMD_ERROR},
		{"{\"v\":1,\"cmd\":[\"status\"]}\n", CMD_ERROR},
		{"{\"v\":1,\"command\":\"status\"}\n", CMD_ERROR},
	};
	struct fx *fx = *state;
	struct try_req t = {.fx = fx, .c = cli_open(fx), .handled = 0};

	weir_test_rejects(cmd_not_string, try_request, &t);
	assert_int_equal(fx->calls, sizeof(cmd_not_string) / sizeof(cmd_not_string[0]));
	cli_close(t.c);
}

static void
test_handler_error(void **state)
{
	static const struct weir_reject_case handler_error[] = {
		{"{\"v\":1,\"cmd\":\"x\"}\n", "unknown command 'x'"},
		{"{\"v\":1,\"cmd\":\"\"}\n", "unknown command ''"},
		/* A handler that fails without saying why. */
		{"{\"v\":1,\"cmd\":\"silent\"}\n", "command failed"},
	};
	struct fx *fx = *state;
	struct try_req t = {.fx = fx, .c = cli_open(fx), .handled = 1};

	weir_test_rejects(handler_error, try_request, &t);
	/* Each refused request, and the one served after it. */
	assert_int_equal(fx->calls, 2 * sizeof(handler_error) / sizeof(handler_error[0]));
	cli_close(t.c);
}

/* The longest request the server takes: 65535 bytes and the newline. */
static void
test_longest_line(void **state)
{
	struct fx *fx = *state;
	struct cli *c = cli_open(fx);
	char *req = malloc(WEIR_CTL_MAX_REQUEST);

	assert_non_null(req);
	memset(req, ' ', WEIR_CTL_MAX_REQUEST);
	memcpy(req, STATUS, strlen(STATUS) - 1);
	req[WEIR_CTL_MAX_REQUEST - 1] = '\n';
	cli_send(fx, c, req, WEIR_CTL_MAX_REQUEST);
	expect_line(fx, c, STATUS_OK);
	expect_served(fx, c);
	free(req);
	cli_close(c);
}

static void
test_overlong_line(void **state)
{
	struct fx *fx = *state;
	struct cli *other = cli_open(fx);
	struct cli *c = cli_open(fx);
	char *junk = malloc(WEIR_CTL_MAX_REQUEST);

	assert_non_null(junk);
	memset(junk, 'a', WEIR_CTL_MAX_REQUEST);
	expect_served(fx, other);

	/* A request before the long line is still answered, then the refusal. */
	cli_puts(fx, c, STATUS);
	cli_send(fx, c, junk, WEIR_CTL_MAX_REQUEST);
	expect_line(fx, c, STATUS_OK);
	expect_error(fx, c, "bad request: line longer than 65535 bytes");
	expect_eof(fx, c);
	assert_int_equal(fx->calls, 2);

	expect_served(fx, other);
	cli_close(c);

	/* Nothing but the long line: same. */
	c = cli_open(fx);
	cli_send(fx, c, junk, WEIR_CTL_MAX_REQUEST);
	expect_error(fx, c, "bad request: line longer than 65535 bytes");
	expect_eof(fx, c);
	expect_served(fx, other);
	cli_close(c);
	cli_close(other);
	free(junk);
}

#define BIG "{\"v\":1,\"cmd\":\"big\"}\n"
static const char big_head[] = "{\"v\":1,\"ok\":true,\"result\":{\"blob\":\"";
static const char big_tail[] = "\"}}\n";
#define BIG_LINE_LEN (sizeof(big_head) - 1 + BLOB_LEN + sizeof(big_tail) - 1)

/* n requests for "big" in one write. */
static void
send_big(struct fx *fx, struct cli *c, unsigned int n, const char *last)
{
	char *reqs = malloc((size_t)n * strlen(BIG) + strlen(last) + 1);
	unsigned int i;

	assert_non_null(reqs);
	reqs[0] = '\0';
	for (i = 0; i < n; i++)
		strcat(reqs, BIG);
	strcat(reqs, last);
	cli_puts(fx, c, reqs);
	free(reqs);
}

/*
 * Read answers to "big" until the server closes the connection, checking
 * every byte. Returns the whole answers; *total gets the bytes. Fails if the
 * stream stops without an end (100 rounds, 1 s, with nothing new).
 */
static unsigned int
read_big_answers(struct fx *fx, struct cli *c, size_t *total)
{
	unsigned int i, quiet = 0, lines = 0;
	size_t pos = 0;
	char *buf = malloc(1 << 16);

	assert_non_null(buf);
	*total = 0;
	for (i = 0; i < 5000; i++) {
		ssize_t n, k;

		serve(fx, 1);
		n = recv(c->fd, buf, 1 << 16, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			break;
		if (n < 0) {
			if (errno != EAGAIN)
				fail_msg("recv: %s", strerror(errno));
			if (++quiet > 100)
				fail_msg("no end of stream after %zu bytes, %u answers", *total,
					 lines);
			continue;
		}
		quiet = 0;
		for (k = 0; k < n; k++) {
			char want;

			if (pos < strlen(big_head))
				want = big_head[pos];
			else if (pos < strlen(big_head) + BLOB_LEN)
				want = 'x';
			else
				want = big_tail[pos - strlen(big_head) - BLOB_LEN];
			if (buf[k] != want)
				fail_msg("byte %zu of the answers is '%c', expected '%c'",
					 *total + (size_t)k, buf[k], want);
			if (++pos == BIG_LINE_LEN) {
				pos = 0;
				lines++;
			}
		}
		*total += (size_t)n;
	}
	free(buf);
	if (i == 5000)
		fail_msg("no end of stream after %zu bytes, %u answers", *total, lines);
	return lines;
}

/* More than a unix socket's send and receive buffers hold (wmem/rmem_max). */
#define SOCKBUF_SLACK (1u << 20)

/*
 * A client that sends requests but reads none of its answers: its queued
 * output is bounded, after which it is cut off, and it never holds up anyone
 * else.
 */
static void
test_reader_that_never_reads(void **state)
{
	struct fx *fx = *state;
	struct cli *hog = cli_open(fx);
	struct cli *other = cli_open(fx);
	const unsigned int n_req = 100;
	unsigned int lines;
	size_t total;

	/* 100 answers of ~60 kB each: 6 MB, well beyond the 4 MiB bound. */
	assert_true(n_req * BIG_LINE_LEN > MAX_PENDING_OUT + MAX_PENDING_OUT / 4);
	/* The small request last, in the same write: read with the big ones but
	 * answered after the cut, so it must get no answer, or it would be read
	 * as the answer to a dropped big one (read_big_answers checks every byte). */
	send_big(fx, hog, n_req, STATUS);
	serve(fx, 20);
	/* Cut off before the end: the rest of its requests are never run. */
	assert_true(fx->calls < n_req);

	/* The hog's answers are stuck; the other client is served at once. */
	expect_served(fx, other);
	expect_served(fx, other);

	/* Now the hog reads: whole answers, in order, then the end. */
	lines = read_big_answers(fx, hog, &total);
	/* Cut off at the bound: fewer answers than requests, and no more than
	 * 4 MiB queued plus what the kernel's socket buffers took meanwhile. */
	assert_true(lines < n_req);
	assert_true(total <= MAX_PENDING_OUT + SOCKBUF_SLACK);
	/* Every request run was answered except the one that hit the bound. */
	assert_int_equal(fx->calls, lines + 1 + 2);
	expect_served(fx, other);
	cli_close(hog);
	cli_close(other);
}

/*
 * A client pipelining a thousand requests takes turns: another client's
 * request is answered while most of the thousand still wait.
 */
static void
test_pipelining_client_takes_turns(void **state)
{
	struct fx *fx = *state;
	struct cli *hog = cli_open(fx);
	struct cli *other = cli_open(fx);
	char *reqs = malloc(1000 * strlen(STATS) + 1);
	unsigned int i;

	assert_non_null(reqs);
	reqs[0] = '\0';
	for (i = 0; i < 1000; i++)
		strcat(reqs, STATS);
	serve(fx, 2); /* accept both */
	cli_puts(fx, hog, reqs);
	free(reqs);
	cli_puts(fx, other, STATUS);
	for (i = 0; i < 8; i++) {
		serve(fx, 1);
		cli_fill(other);
		if (memchr(other->buf, '\n', other->len) != NULL)
			break;
	}
	expect_line(fx, other, STATUS_OK);
	assert_true(fx->calls < 1000 / 2);
	cli_close(hog);
	cli_close(other);
}

/* A client that hangs up with answers pending does not disturb the server. */
static void
test_client_hangs_up(void **state)
{
	struct fx *fx = *state;
	struct cli *other = cli_open(fx);
	struct cli *c = cli_open(fx);
	size_t total;

	expect_served(fx, c);
	cli_puts(fx, c, STATUS STATUS STATUS);
	close(c->fd);
	c->fd = -1;
	serve(fx, 3);
	expect_served(fx, other);
	free(c);

	/* Half-close: the answers to what was sent still come, then the end. */
	c = cli_open(fx);
	cli_puts(fx, c, STATUS STATS);
	assert_int_equal(shutdown(c->fd, SHUT_WR), 0);
	expect_line(fx, c, STATUS_OK);
	expect_line(fx, c, STATS_OK);
	expect_eof(fx, c);
	cli_close(c);

	/* Also when the answers are still queued when the end is seen. */
	c = cli_open(fx);
	send_big(fx, c, 10, "");
	assert_int_equal(shutdown(c->fd, SHUT_WR), 0);
	assert_int_equal(read_big_answers(fx, c, &total), 10);
	assert_int_equal(total, 10 * BIG_LINE_LEN);
	cli_close(c);
	expect_served(fx, other);
	cli_close(other);
}

static void
test_idle_timeout(void **state)
{
	struct fx *fx = *state;
	struct cli *a = cli_open(fx);
	struct cli *b = cli_open(fx);
	struct cli *c;

	expect_served(fx, a);
	expect_served(fx, b);

	clock_skew_ms += IDLE_TIMEOUT_MS * 2 / 3;
	expect_served(fx, a);
	clock_skew_ms += IDLE_TIMEOUT_MS * 2 / 3;
	serve(fx, 1);
	/* b was quiet for 40 s: gone; a for 20 s: kept. */
	expect_eof(fx, b);
	expect_served(fx, a);

	/* A client accepted and never heard from is dropped too. */
	c = cli_open(fx);
	serve(fx, 2);
	clock_skew_ms += IDLE_TIMEOUT_MS + 1000;
	serve(fx, 1);
	expect_eof(fx, a);
	expect_eof(fx, c);
	cli_close(c);

	c = cli_open(fx);
	expect_served(fx, c);
	cli_close(c);
	cli_close(a);
	cli_close(b);
}

static void
test_client_limit(void **state)
{
	struct fx *fx = *state;
	struct cli *c[MAX_CLIENTS], *extra;
	unsigned int i;

	for (i = 0; i < MAX_CLIENTS; i++) {
		c[i] = cli_open(fx);
		serve(fx, 1);
	}
	for (i = 0; i < MAX_CLIENTS; i++)
		expect_served(fx, c[i]);

	/* The 33rd gets one line and is closed. */
	extra = cli_open(fx);
	expect_error(fx, extra, "too many admin clients");
	expect_eof(fx, extra);
	cli_close(extra);
	for (i = 0; i < MAX_CLIENTS; i++)
		expect_served(fx, c[i]);

	/* A freed slot is taken by the next client. */
	cli_close(c[7]);
	serve(fx, 2);
	c[7] = cli_open(fx);
	expect_served(fx, c[7]);
	extra = cli_open(fx);
	expect_error(fx, extra, "too many admin clients");
	expect_eof(fx, extra);
	cli_close(extra);
	for (i = 0; i < MAX_CLIENTS; i++) {
		expect_served(fx, c[i]);
		cli_close(c[i]);
	}
}

/* A client of uid, accepted before this returns. */
static struct cli *
cli_open_as(struct fx *fx, uid_t uid)
{
	struct cli *c;

	peer_uid = uid;
	c = cli_open(fx);
	serve(fx, 1);
	peer_uid = 0;
	return c;
}

static void
expect_refused(struct fx *fx, uid_t uid, const char *why)
{
	struct cli *c = cli_open_as(fx, uid);

	expect_error(fx, c, why);
	expect_eof(fx, c);
	cli_close(c);
}

/* Users other than root hold at most PER_UID_MAX slots each and never the
 * last ROOT_RESERVE: however many connections they keep open, root's
 * weirctl gets in. */
static void
test_uid_caps(void **state)
{
	struct fx *fx = *state;
	struct cli *c[MAX_CLIENTS];
	struct weir_ctl_server_stats st;
	unsigned int i, n = 0;

	for (i = 0; i < PER_UID_MAX; i++)
		c[n++] = cli_open_as(fx, 1000);
	expect_refused(fx, 1000, "too many admin clients of this user");
	/* Other users still get in, up to the reserve. */
	for (; n < MAX_CLIENTS - ROOT_RESERVE; n++)
		c[n] = cli_open_as(fx, 1001 + (n - PER_UID_MAX) / PER_UID_MAX);
	for (i = 0; i < n; i++)
		expect_served(fx, c[i]);
	expect_refused(fx, 2000, "too many admin clients (the rest are kept for root)");
	/* The reserve is root's. */
	while (n < MAX_CLIENTS)
		c[n++] = cli_open_as(fx, 0);
	for (i = MAX_CLIENTS - ROOT_RESERVE; i < MAX_CLIENTS; i++)
		expect_served(fx, c[i]);
	expect_refused(fx, 0, "too many admin clients");
	weir_ctl_server_get_stats(fx->s, &st);
	assert_int_equal(st.clients, MAX_CLIENTS);
	assert_int_equal(st.accepted, MAX_CLIENTS);
	assert_int_equal(st.refused, 3);
	assert_int_equal(st.root_reserve, ROOT_RESERVE);
	assert_int_equal(st.per_uid_max, PER_UID_MAX);

	/* A slot a user gives back is that user's again. */
	cli_close(c[0]);
	serve(fx, 2);
	c[0] = cli_open_as(fx, 1000);
	expect_served(fx, c[0]);
	for (i = 0; i < MAX_CLIENTS; i++)
		cli_close(c[i]);
}

/* A request line must be complete within LINE_DEADLINE_MS of the
 * connection or of its first byte: silent clients and clients sending a
 * byte at a time give their slots back. */
static void
test_line_deadline(void **state)
{
	struct fx *fx = *state;
	struct cli *silent[MAX_CLIENTS], *drip = cli_open_as(fx, 1000), *ok, *late;
	struct weir_ctl_server_stats st;
	unsigned int i;

	ok = cli_open_as(fx, 0);
	expect_served(fx, ok);
	for (i = 0; i < MAX_CLIENTS - 2; i++)
		silent[i] = cli_open_as(fx, 0);
	expect_refused(fx, 0, "too many admin clients");

	cli_puts(fx, drip, "{\"v\":");
	serve(fx, 1);
	clock_skew_ms += LINE_DEADLINE_MS / 2;
	cli_puts(fx, drip, "1,");
	serve(fx, 1);
	/* Not yet. */
	expect_quiet(fx, silent[0]);
	expect_quiet(fx, drip);
	clock_skew_ms += LINE_DEADLINE_MS / 2 + 100;
	serve(fx, 1);
	expect_eof(fx, drip);
	for (i = 0; i < MAX_CLIENTS - 2; i++) {
		expect_eof(fx, silent[i]);
		cli_close(silent[i]);
	}
	cli_close(drip);

	/* A client that has had its answers may wait for the idle timeout
	 * before its next request, which has a deadline of its own. */
	expect_served(fx, ok);
	clock_skew_ms += IDLE_TIMEOUT_MS / 2;
	expect_served(fx, ok);
	late = cli_open_as(fx, 0);
	expect_served(fx, late);
	cli_puts(fx, late, "{\"v\":1");
	serve(fx, 1);
	clock_skew_ms += LINE_DEADLINE_MS + 100;
	serve(fx, 1);
	expect_eof(fx, late);
	cli_close(late);
	expect_served(fx, ok);

	weir_ctl_server_get_stats(fx->s, &st);
	assert_int_equal(st.deadline_closed, MAX_CLIENTS - 2 + 2);
	assert_int_equal(st.idle_closed, 0);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.clients, 1);
	assert_int_equal(st.line_deadline_ms, LINE_DEADLINE_MS);
	cli_close(ok);
}

static void
test_second_server_refused(void **state)
{
	struct fx *fx = *state;
	char err[256] = "", expected[256];
	struct weir_ctl_server *s2;
	struct cli *c = cli_open(fx);
	struct stat st;

	expect_served(fx, c);
	errno = 0;
	s2 = weir_ctl_server_open(fx->path, handler, fx, err, sizeof(err));
	if (s2 != NULL) {
		weir_ctl_server_close(s2);
		fail_msg("a second server opened on a live socket");
	}
	assert_int_equal(errno, EADDRINUSE);
	snprintf(expected, sizeof(expected), "another daemon is answering on %s", fx->path);
	assert_string_equal(err, expected);

	/* The first one is untouched. */
	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	expect_served(fx, c);
	cli_close(c);
	c = cli_open(fx);
	expect_served(fx, c);
	cli_close(c);
}

static void
open_and_serve(struct fx *fx)
{
	char err[256] = "";
	struct cli *c;

	fx->s = weir_ctl_server_open(fx->path, handler, fx, err, sizeof(err));
	if (fx->s == NULL)
		fail_msg("open: %s", err);
	c = cli_open(fx);
	expect_served(fx, c);
	cli_close(c);
}

static void
test_stale_socket_replaced(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct fx *fx = *state;
	struct stat st;
	int fd;

	/* Left by a process that died: bound, then closed. */
	strcpy(sa.sun_path, fx->path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	open_and_serve(fx);
	weir_ctl_server_close(fx->s);
	fx->s = NULL;

	/* A socket inode nobody ever bound. */
	assert_int_equal(mknod(fx->path, S_IFSOCK | 0600, 0), 0);
	open_and_serve(fx);
	weir_ctl_server_close(fx->s);
	fx->s = NULL;

	/* Bound but not listening: nobody answers there either. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	open_and_serve(fx);
	close(fd);
}

static void
test_close_unlinks(void **state)
{
	struct fx *fx = *state;
	struct cli *c = cli_open(fx);
	struct stat st;

	expect_served(fx, c);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);

	weir_ctl_server_close(fx->s);
	fx->s = NULL;
	assert_int_equal(stat(fx->path, &st), -1);
	assert_int_equal(errno, ENOENT);
	/* The connected client sees the end. */
	expect_eof(fx, c);
	cli_close(c);

	weir_ctl_server_close(NULL);
}

static void
test_creates_directory(void **state)
{
	struct fx *fx = *state;
	char a[128], b[128], err[256] = "";
	struct stat st;
	struct cli *c;
	mode_t old = umask(022);

	snprintf(a, sizeof(a), "%s/a", fx->dir);
	snprintf(b, sizeof(b), "%s/a/b", fx->dir);
	snprintf(fx->path, sizeof(fx->path), "%s/a/b/weir.sock", fx->dir);
	fx->s = weir_ctl_server_open(fx->path, handler, fx, err, sizeof(err));
	umask(old);
	if (fx->s == NULL)
		fail_msg("open: %s", err);
	c = cli_open(fx);
	expect_served(fx, c);
	cli_close(c);
	assert_int_equal(stat(a, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(stat(b, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));

	/* Close removes the socket, not the directories. */
	weir_ctl_server_close(fx->s);
	fx->s = NULL;
	assert_int_equal(stat(fx->path, &st), -1);
	assert_int_equal(stat(b, &st), 0);
}

static void
test_open_errors(void **state)
{
	struct fx *fx = *state;
	char path[160], err[256], expected[256];
	struct weir_ctl_server *s;
	size_t dirlen = strlen(fx->dir);
	struct stat st;
	int fd;

	/* 107 characters fit sun_path... */
	snprintf(path, sizeof(path), "%s/%0*d", fx->dir, (int)(107 - dirlen - 1), 0);
	assert_int_equal(strlen(path), 107);
	strcpy(fx->path, path);
	open_and_serve(fx);
	weir_ctl_server_close(fx->s);
	fx->s = NULL;

	/* ... 108 do not. */
	snprintf(path, sizeof(path), "%s/%0*d", fx->dir, (int)(108 - dirlen - 1), 0);
	errno = 0;
	s = weir_ctl_server_open(path, handler, fx, err, sizeof(err));
	assert_null(s);
	assert_int_equal(errno, ENAMETOOLONG);
	snprintf(expected, sizeof(expected), "socket path %s is too long", path);
	assert_string_equal(err, expected);

	/* The directory cannot be made: a file is in the way. */
	snprintf(path, sizeof(path), "%s/file", fx->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/file/sub/weir.sock", fx->dir);
	errno = 0;
	s = weir_ctl_server_open(path, handler, fx, err, sizeof(err));
	assert_null(s);
	assert_int_equal(errno, ENOTDIR);
	snprintf(expected, sizeof(expected), "cannot create the directory of %s: %s", path,
		 strerror(ENOTDIR));
	assert_string_equal(err, expected);

	/* A directory where the socket should be: left alone. */
	snprintf(path, sizeof(path), "%s/sockdir", fx->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	errno = 0;
	s = weir_ctl_server_open(path, handler, fx, err, sizeof(err));
	assert_null(s);
	assert_int_equal(errno, EEXIST);
	snprintf(expected, sizeof(expected), "%s exists and is not a socket", path);
	assert_string_equal(err, expected);

	/* A regular file (a typo in control.socket): refused, not deleted. */
	snprintf(path, sizeof(path), "%s/precious", fx->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	errno = 0;
	s = weir_ctl_server_open(path, handler, fx, err, sizeof(err));
	assert_null(s);
	assert_int_equal(errno, EEXIST);
	snprintf(expected, sizeof(expected), "%s exists and is not a socket", path);
	assert_string_equal(err, expected);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode) && st.st_size == 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_ok, server_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_pipelined, server_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_split_request, server_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bad_json, server_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_version, server_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_cmd_not_string, server_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_handler_error, server_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_longest_line, server_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_overlong_line, server_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reader_that_never_reads, server_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_pipelining_client_takes_turns, server_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_client_hangs_up, server_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout, server_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_client_limit, server_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_uid_caps, server_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_line_deadline, server_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_deferred, server_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_second_server_refused, server_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_stale_socket_replaced, dir_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_close_unlinks, server_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_creates_directory, dir_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, dir_setup, fx_teardown),
	};

	memset(blob, 'x', BLOB_LEN);
	return weir_test_main(tests);
}
