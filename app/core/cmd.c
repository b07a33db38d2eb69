/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin socket's dispatch: the command table (control/weir_ctl_cmds.h)
 * names each command's handler, checks its arguments, and answers at once
 * or once the workers have moved on (app/core/cmd.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "adm/adm.h"
#include "core/cmd.h"
#include "core/ctl.h"
#include "core/mailbox.h"
#include "ctl_server.h"
#include "core/reload.h"
#include "http/http.h"
#include "l4/l4.h"
#include "weir_ctl_cmds.h"

/* A deferred answer waits this long at most for the workers. */
#define AFTER_TIMEOUT_MS 2000

typedef json_t *(*cmd_fn)(json_t *req, char *err, size_t errlen);

/* weirctl top [keys] [N]: the sources refused most are admission's, the
 * keys limited most the gate's (the HTTP stage): two stages, one command. */
static json_t *
weir_cmd_top(json_t *req, char *err, size_t errlen)
{
	return json_object_get(req, "what") != NULL ? weir_http_cmd_top_keys(req, err, errlen)
						    : weir_adm_cmd_top(req, err, errlen);
}

#define CMD_HANDLER(n, ...) weir_cmd_##n,
static const cmd_fn handlers[] = {WEIR_CTL_COMMANDS(CMD_HANDLER)};

struct pending {
	uint64_t ticket;
	struct weir_barrier b;
	weir_cmd_finish_t finish; /* NULL: ctx is the answer */
	void *ctx;
	uint64_t deadline_ms;
	struct pending *next;
};

static struct weir_ctl_server *ctl;
static struct pending *pend;
static unsigned int n_pend;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static json_t *
dispatch(const char *name, json_t *req, void *arg, char *err, size_t errlen)
{
	const struct weir_ctl_cmd *c = weir_ctl_cmd_find(name);
	size_t n;
	unsigned int i;

	(void)arg;
	if (c == NULL) {
		n = (size_t)snprintf(err, errlen, "unknown command \"%.64s\" (known:", name);
		for (i = 0; i < weir_ctl_n_cmds && n < errlen; i++)
			n += (size_t)snprintf(err + n, errlen - n, "%s %s", i ? "," : "",
					      weir_ctl_cmds[i].name);
		if (n < errlen)
			snprintf(err + n, errlen - n, ")");
		return NULL;
	}
	if (weir_ctl_cmd_check(c, req, err, errlen) != 0)
		return NULL;
	return handlers[c - weir_ctl_cmds](req, err, errlen);
}

static json_t *
defer(weir_cmd_finish_t finish, void *ctx, unsigned int timeout_ms)
{
	uint64_t ticket = ctl != NULL ? weir_ctl_server_defer(ctl) : 0;
	struct pending *p;
	char err[256] = "";
	json_t *res;

	if (ticket != 0 && (p = calloc(1, sizeof(*p))) != NULL) {
		p->ticket = ticket;
		weir_barrier_now(&p->b);
		p->finish = finish;
		p->ctx = ctx;
		p->deadline_ms = now_ms() + timeout_ms;
		p->next = pend;
		pend = p;
		n_pend++;
		return NULL;
	}
	/* Not answering a socket request (a direct call: tests): at once. */
	if (finish == NULL)
		return ctx;
	res = finish(ctx, 0, err, sizeof(err));
	if (ticket != 0)
		weir_ctl_server_answer(ctl, ticket, res, err);
	return ticket != 0 ? NULL : res;
}

json_t *
weir_cmd_after(json_t *res)
{
	return defer(NULL, res, AFTER_TIMEOUT_MS);
}

json_t *
weir_cmd_defer(weir_cmd_finish_t finish, void *ctx, unsigned int timeout_ms)
{
	return defer(finish, ctx, timeout_ms);
}

int
weir_cmd_open(const char *path, char *err, size_t errlen)
{
	char why[256];

	ctl = weir_ctl_server_open(path, dispatch, NULL, why, sizeof(why));
	if (ctl == NULL) {
		snprintf(err, errlen, "admin socket (config key 'control.socket'): %s", why);
		return -1;
	}
	return 0;
}

void
weir_cmd_close(void)
{
	while (pend != NULL) {
		struct pending *p = pend;
		char err[256];

		pend = p->next;
		if (p->finish != NULL)
			json_decref(p->finish(p->ctx, 1, err, sizeof(err)));
		else
			json_decref(p->ctx);
		free(p);
	}
	n_pend = 0;
	weir_ctl_server_close(ctl);
	ctl = NULL;
}

json_t *
weir_cmd_admin_json(void)
{
	struct weir_ctl_server_stats st;

	if (ctl == NULL)
		return json_object();
	weir_ctl_server_get_stats(ctl, &st);
	return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:I}", "clients",
			 (int)st.clients, "max_clients", (int)st.max_clients, "root_reserve",
			 (int)st.root_reserve, "per_uid_max", (int)st.per_uid_max,
			 "line_deadline_ms", (int)st.line_deadline_ms, "idle_timeout_ms",
			 (int)st.idle_timeout_ms, "accepted", (json_int_t)st.accepted, "refused",
			 (json_int_t)st.refused, "deadline_closed", (json_int_t)st.deadline_closed,
			 "idle_closed", (json_int_t)st.idle_closed);
}

void
weir_cmd_poll(int timeout_ms)
{
	struct pending **pp = &pend;
	uint64_t now;

	/* Answers waiting for the workers are checked every millisecond. */
	weir_ctl_server_poll(ctl, n_pend != 0 ? 1 : timeout_ms);
	now = now_ms();
	while (*pp != NULL) {
		struct pending *p = *pp;
		char err[256] = "";
		int passed = weir_barrier_passed(&p->b);
		json_t *res;

		if (!passed && now < p->deadline_ms) {
			pp = &p->next;
			continue;
		}
		if (p->finish != NULL) {
			res = p->finish(p->ctx, !passed || now >= p->deadline_ms, err, sizeof(err));
			if (res == WEIR_CMD_AGAIN) {
				pp = &p->next;
				continue;
			}
		} else if (passed) {
			res = p->ctx;
			if (res == NULL)
				snprintf(err, sizeof(err), "out of memory");
		} else {
			/* The change is made; the workers are late taking it. */
			json_decref(p->ctx);
			res = NULL;
			snprintf(err, sizeof(err),
				 "the workers did not take the change within %d ms (it stands)",
				 AFTER_TIMEOUT_MS);
		}
		weir_ctl_server_answer(ctl, p->ticket, res, err);
		*pp = p->next;
		free(p);
		n_pend--;
	}
}
