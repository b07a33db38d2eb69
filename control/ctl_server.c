/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_server.h"
#include "weir_ctl_proto.h"

#define MAX_CLIENTS 32
/* Slots only uid 0 may take: however many connections other users hold,
 * root's weirctl always gets in. */
#define ROOT_RESERVE 4
/* Connections one uid other than 0 may hold at once. */
#define PER_UID_MAX 8
#define MAX_PENDING_OUT (4u << 20) /* a client that reads nothing is cut off here */
#define IDLE_TIMEOUT_MS 30000
/* A request line must be complete this long after the connection was
 * accepted or the line's first byte arrived: a client dripping a byte at a
 * time, or saying nothing, gives its slot back quickly. */
#define LINE_DEADLINE_MS 2000
/* Requests answered per client per round: a client pipelining thousands of
 * requests takes turns with the others instead of holding the thread. */
#define LINES_PER_ROUND 16

struct client {
	int fd;
	uid_t uid;	  /* the peer's, from SO_PEERCRED; (uid_t)-1 if unknown */
	uint64_t line_ms; /* when the unfinished request line began; 0: none */
	size_t in_len;
	char in[WEIR_CTL_MAX_REQUEST];
	char *out;
	size_t out_len, out_off, out_cap;
	uint64_t last_ms;
	int eof;	  /* peer sent everything: answer the rest, flush, close */
	int closing;	  /* cut off: answer nothing more, flush what is queued, close */
	uint64_t waiting; /* the ticket of a deferred answer: later lines wait for it */
};

struct weir_ctl_server {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	weir_ctl_handler_t handler;
	void *arg;
	struct client *clients[MAX_CLIENTS];
	struct client *cur;  /* the client whose request the handler is answering */
	uint64_t cur_ticket; /* set by weir_ctl_server_defer() during the handler */
	uint64_t next_ticket;
	struct weir_ctl_server_stats st;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
mkdir_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;
	size_t i;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (i = 1; dir[i] != '\0'; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return -errno;
		dir[i] = '/';
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

struct weir_ctl_server *
weir_ctl_server_open(const char *path, weir_ctl_handler_t handler, void *arg, char *err,
		     size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct weir_ctl_server *s;
	struct stat st;
	int fd, rc, bound = 0;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long", path);
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sa.sun_path, path);
	rc = mkdir_parent(path);
	if (rc != 0) {
		snprintf(err, errlen, "cannot create the directory of %s: %s", path, strerror(-rc));
		errno = -rc;
		return NULL;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return NULL;
	}
	/* Only ever replace a socket: a typo in control.socket must not delete a file. */
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		close(fd);
		errno = EEXIST;
		return NULL;
	}
	/* A socket file nobody answers on is a leftover of a crash: replace it. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN) {
		snprintf(err, errlen, "another daemon is answering on %s", path);
		close(fd);
		errno = EADDRINUSE;
		return NULL;
	}
	close(fd);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || !(bound = 1) ||
	    chmod(path, 0660) != 0 || listen(fd, 16) != 0) {
		rc = errno;
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(rc));
		if (fd >= 0)
			close(fd);
		if (bound)
			unlink(path);
		errno = rc;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		close(fd);
		unlink(path);
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	s->fd = fd;
	strcpy(s->path, path);
	s->handler = handler;
	s->arg = arg;
	return s;
}

static void
client_drop(struct weir_ctl_server *s, unsigned int i)
{
	close(s->clients[i]->fd);
	free(s->clients[i]->out);
	free(s->clients[i]);
	s->clients[i] = NULL;
}

static void
client_queue(struct client *c, json_t *msg)
{
	char *line = json_dumps(msg, JSON_COMPACT);
	size_t n;
	char *grown;

	json_decref(msg);
	/* Once cut off, answer nothing more: a later small answer slipping in
	 * after dropped big ones would be read as the answer to the wrong request. */
	if (c->closing || line == NULL) {
		free(line);
		c->closing = 1;
		return;
	}
	n = strlen(line);
	if (c->out_len - c->out_off + n + 1 > MAX_PENDING_OUT) {
		c->closing = 1; /* not reading its answers: stop serving it */
		free(line);
		return;
	}
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + n + 1 > c->out_cap) {
		/* Geometric growth: appending to megabytes of pending output must
		 * not copy them on every answer. */
		size_t cap = c->out_cap ? c->out_cap : 4096;

		while (cap < c->out_len + n + 1)
			cap *= 2;
		grown = realloc(c->out, cap);
		if (grown == NULL) {
			c->closing = 1;
			free(line);
			return;
		}
		c->out = grown;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, line, n);
	c->out[c->out_len + n] = '\n';
	c->out_len += n + 1;
	free(line);
}

static json_t *
error_reply(const char *msg)
{
	return json_pack("{s:i, s:b, s:s}", WEIR_CTL_KEY_VERSION, WEIR_CTL_VERSION, WEIR_CTL_KEY_OK,
			 0, WEIR_CTL_KEY_ERROR, msg);
}

static void
client_request(struct weir_ctl_server *s, struct client *c, const char *line, size_t len)
{
	char err[256] = "";
	json_error_t jerr;
	json_t *req, *v, *cmd, *res;

	req = json_loadb(line, len, 0, &jerr);
	if (req == NULL || !json_is_object(req)) {
		snprintf(err, sizeof(err), "bad request: %s",
			 req == NULL ? jerr.text : "expected a JSON object");
		json_decref(req);
		client_queue(c, error_reply(err));
		return;
	}
	v = json_object_get(req, WEIR_CTL_KEY_VERSION);
	cmd = json_object_get(req, WEIR_CTL_KEY_CMD);
	if (!json_is_integer(v) || json_integer_value(v) != WEIR_CTL_VERSION) {
		snprintf(err, sizeof(err),
			 "unsupported protocol version: this daemon speaks \"v\": %d",
			 WEIR_CTL_VERSION);
		client_queue(c, error_reply(err));
	} else if (!json_is_string(cmd)) {
		client_queue(c, error_reply("bad request: \"cmd\" must be a string"));
	} else {
		s->cur = c;
		s->cur_ticket = 0;
		res = s->handler(json_string_value(cmd), req, s->arg, err, sizeof(err));
		s->cur = NULL;
		if (s->cur_ticket != 0) {
			/* Answered later (weir_ctl_server_answer()), still in order. */
			c->waiting = s->cur_ticket;
			json_decref(res);
		} else if (res == NULL)
			client_queue(c, error_reply(err[0] ? err : "command failed"));
		else
			client_queue(c, json_pack("{s:i, s:b, s:o}", WEIR_CTL_KEY_VERSION,
						  WEIR_CTL_VERSION, WEIR_CTL_KEY_OK, 1,
						  WEIR_CTL_KEY_RESULT, res));
	}
	json_decref(req);
}

/* Answer up to LINES_PER_ROUND complete lines; returns 1 if more are waiting. */
static int
client_serve(struct weir_ctl_server *s, struct client *c)
{
	size_t start = 0;
	unsigned int k;
	char *nl;

	for (k = 0; k < LINES_PER_ROUND && !c->closing && !c->waiting; k++) {
		size_t len;

		nl = memchr(c->in + start, '\n', c->in_len - start);
		if (nl == NULL)
			break;
		len = (size_t)(nl - (c->in + start));
		if (len > 0)
			client_request(s, c, c->in + start, len);
		start += len + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (c->closing)
		return 0;
	if (memchr(c->in, '\n', c->in_len) != NULL)
		return !c->waiting;
	if (c->in_len == sizeof(c->in)) {
		client_queue(c, error_reply("bad request: line longer than 65535 bytes"));
		c->in_len = 0;
		c->closing = 1;
	}
	return 0;
}

static void
client_read(struct client *c)
{
	ssize_t n;

	n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
	if (n == 0) {
		c->eof = 1; /* peer closed: answer what it already sent, then close */
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			c->closing = 1;
		return;
	}
	c->in_len += (size_t)n;
}

static int
client_write(struct client *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->out_off += (size_t)n;
	}
	c->out_off = c->out_len = 0;
	return 0;
}

/* The peer's uid, or (uid_t)-1 if the kernel does not say. */
static uid_t
peer_uid(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 || len != sizeof(cr))
		return (uid_t)-1;
	return cr.uid;
}

/* Why a new client of this uid may not have a slot, or NULL. */
static const char *
refusal(const struct weir_ctl_server *s, uid_t uid)
{
	unsigned int i, all = 0, others = 0, same = 0;

	for (i = 0; i < MAX_CLIENTS; i++)
		if (s->clients[i] != NULL) {
			all++;
			others += s->clients[i]->uid != 0;
			same += s->clients[i]->uid == uid;
		}
	if (all == MAX_CLIENTS)
		return "too many admin clients";
	if (uid == 0)
		return NULL;
	/* Users other than root share all but the reserve. */
	if (others >= MAX_CLIENTS - ROOT_RESERVE)
		return "too many admin clients (the rest are kept for root)";
	if (same >= PER_UID_MAX)
		return "too many admin clients of this user";
	return NULL;
}

/* A refused client gets one line, never a wait, and is closed. */
static void
refuse(int fd, const char *why)
{
	json_t *msg = error_reply(why);
	char line[128];
	size_t n = json_dumpb(msg, line, sizeof(line) - 1, JSON_COMPACT);

	if (n > 0 && n < sizeof(line) - 1) {
		line[n++] = '\n';
		if (send(fd, line, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			n = 0; /* it is being refused either way */
	}
	json_decref(msg);
	close(fd);
}

static void
accept_clients(struct weir_ctl_server *s, uint64_t now)
{
	const char *why;
	unsigned int i;
	uid_t uid;
	int fd;

	while ((fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		uid = peer_uid(fd);
		why = refusal(s, uid);
		if (why != NULL) {
			s->st.refused++;
			refuse(fd, why);
			continue;
		}
		for (i = 0; i < MAX_CLIENTS; i++)
			if (s->clients[i] == NULL)
				break;
		s->clients[i] = calloc(1, sizeof(struct client));
		if (s->clients[i] == NULL) {
			close(fd);
			continue;
		}
		s->clients[i]->fd = fd;
		s->clients[i]->uid = uid;
		s->clients[i]->last_ms = now;
		s->clients[i]->line_ms = now;
		s->st.accepted++;
	}
}

/* Has c had longer than LINE_DEADLINE_MS for the request line it is sending? */
static int
line_late(const struct client *c, uint64_t now)
{
	return c->line_ms != 0 && !c->eof && !c->closing && !c->waiting &&
	       memchr(c->in, '\n', c->in_len) == NULL && now - c->line_ms > LINE_DEADLINE_MS;
}

void
weir_ctl_server_poll(struct weir_ctl_server *s, int timeout_ms)
{
	struct pollfd pfd[MAX_CLIENTS + 1];
	unsigned int idx[MAX_CLIENTS + 1];
	unsigned int i, n = 0;
	uint64_t now;

	pfd[n].fd = s->fd;
	pfd[n].events = POLLIN;
	n++;
	for (i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = s->clients[i];
		int want_in;

		if (c == NULL)
			continue;
		/* A client with a backlog of requests is served before it is read. */
		if (!c->closing && !c->waiting && memchr(c->in, '\n', c->in_len) != NULL)
			timeout_ms = 0;
		want_in = !c->eof && !c->closing && c->in_len < sizeof(c->in);
		/* Wake up in time to close a client whose line is late. */
		if (c->line_ms != 0 && (timeout_ms < 0 || timeout_ms > 100))
			timeout_ms = 100;
		pfd[n].fd = c->fd;
		pfd[n].events =
			(short)((want_in ? POLLIN : 0) | (c->out_len > c->out_off ? POLLOUT : 0));
		idx[n] = i;
		n++;
	}
	if (poll(pfd, n, timeout_ms) < 0)
		return;
	now = now_ms();
	for (i = 1; i < n; i++) {
		struct client *c = s->clients[idx[i]];
		size_t pending, before;
		int more;

		if (pfd[i].revents & (POLLIN | POLLHUP) && !c->eof && !c->closing) {
			client_read(c);
			c->last_ms = now;
			if (c->line_ms == 0 && c->in_len > 0)
				c->line_ms = now;
		}
		before = c->in_len;
		more = client_serve(s, c);
		/* A line was taken: what is left, if anything, is a new line. */
		if (c->in_len != before)
			c->line_ms = c->in_len > 0 ? now : 0;
		/* Reading our answers is activity too: a slow reader of a big
		 * answer is not idle. */
		pending = c->out_len - c->out_off;
		if (pending > 0 && client_write(c) != 0) {
			client_drop(s, idx[i]);
			continue;
		}
		if (c->out_len - c->out_off < pending)
			c->last_ms = now;
		/* A client waiting for a deferred answer is not idle, and one
		 * that sent everything still gets it. */
		if (line_late(c, now)) {
			s->st.deadline_closed++;
			client_drop(s, idx[i]);
		} else if ((pfd[i].revents & (POLLERR | POLLNVAL)) ||
			   ((c->closing || (c->eof && !more && !c->waiting)) &&
			    c->out_len == c->out_off)) {
			client_drop(s, idx[i]);
		} else if (now - c->last_ms > IDLE_TIMEOUT_MS && !c->waiting) {
			s->st.idle_closed++;
			client_drop(s, idx[i]);
		}
	}
	if (pfd[0].revents & POLLIN)
		accept_clients(s, now);
}

void
weir_ctl_server_get_stats(const struct weir_ctl_server *s, struct weir_ctl_server_stats *st)
{
	unsigned int i;

	*st = s->st;
	st->clients = 0;
	for (i = 0; i < MAX_CLIENTS; i++)
		st->clients += s->clients[i] != NULL;
	st->max_clients = MAX_CLIENTS;
	st->root_reserve = ROOT_RESERVE;
	st->per_uid_max = PER_UID_MAX;
	st->line_deadline_ms = LINE_DEADLINE_MS;
	st->idle_timeout_ms = IDLE_TIMEOUT_MS;
}

uint64_t
weir_ctl_server_defer(struct weir_ctl_server *s)
{
	if (s->cur == NULL)
		return 0;
	if (s->cur_ticket == 0)
		s->cur_ticket = ++s->next_ticket;
	return s->cur_ticket;
}

int
weir_ctl_server_answer(struct weir_ctl_server *s, uint64_t ticket, json_t *res, const char *err)
{
	unsigned int i;

	for (i = 0; ticket != 0 && i < MAX_CLIENTS; i++) {
		struct client *c = s->clients[i];

		if (c == NULL || c->waiting != ticket)
			continue;
		c->waiting = 0;
		if (res == NULL)
			client_queue(c,
				     error_reply(err != NULL && err[0] ? err : "command failed"));
		else
			client_queue(c, json_pack("{s:i, s:b, s:o}", WEIR_CTL_KEY_VERSION,
						  WEIR_CTL_VERSION, WEIR_CTL_KEY_OK, 1,
						  WEIR_CTL_KEY_RESULT, res));
		return 0;
	}
	json_decref(res);
	return -ENOENT;
}

void
weir_ctl_server_close(struct weir_ctl_server *s)
{
	unsigned int i;

	if (s == NULL)
		return;
	for (i = 0; i < MAX_CLIENTS; i++)
		if (s->clients[i] != NULL)
			client_drop(s, i);
	close(s->fd);
	unlink(s->path);
	free(s);
}
