/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_GATE_FIXTURE_H
#define WEIR_GATE_FIXTURE_H

/**
 * @file
 * The fixture of lib/gate's unit tests (gate_fixture.c): one gate, one
 * worker's part, a key table, routes of each kind, and helpers that sign
 * tokens, parse request heads and decide them at T0 + t seconds.
 */

#include <stdint.h>

#include "weir_gate.h"
#include "weir_test.h"

#define T0 1700000000
#define NS UINT64_C(1000000000)
#define ISS "https://issuer.example"
#define SECRET "0123456789abcdef0123456789abcdef"
#define K_FREE "k1-free-0123456789"
#define K_BASIC "k2-basic-0123456789"
#define K_BLOCKED "k3-blocked-0123456789"

/* Tiers free 5/min, basic 20/min, premium 100/min, enterprise 1000/min; bad_auth 3 per 60 s. */
extern struct weir_gate_config cfg;
extern struct weir_gate g;
extern struct weir_gate_local l;
/* K_FREE (free), K_BASIC (basic), K_BLOCKED (premium, blocked). */
extern struct weir_apikey_table keys;
/* Rule sets of rg_none (2/min, "anon") and route_rules (3/min, "route-a"). */
extern int p_none, p_route;
extern struct weir_route_gate rg_none, rg_jwt, rg_key, rg_any, rg_basic;
extern const struct weir_gate_rules route_rules, two_rules;
/* The last head parse() parsed. */
extern struct weir_http_req req;
extern uint8_t head[8192];

/* cmocka setup and teardown: a fresh gate for each test. */
int setup(void **state);
int teardown(void **state);

/* An HS256 token of header hdr and payload pay (sign 0: no signature). */
void mk_tok(char *tok, const char *hdr, const char *pay, int sign);

/* A token of ISS for sub (NULL: none), expiring at exp, with extra payload members. */
void tok_for(char *tok, const char *sub, const char *extra, int64_t exp);

/* Parse "GET target HTTP/1.1" with Host and the header lines hdrs into req, head. */
void parse(const char *target, const char *hdrs);

/* Decide that request from 192.0.2.<a> at T0 + t (ns: (1000 + t) s) on route rc. */
void decide_at(const struct weir_route_gate *rc, int policy, const char *target, const char *hdrs,
	       uint8_t a, int64_t t, struct weir_gate_out *o);

/* "Authorization: Bearer <tok>\r\n" into hdr. */
void bearer(char *hdr, const char *tok);

/* The answer's status and, unless why is NULL, its message. */
void expect(const struct weir_gate_out *o, int status, const char *why);

#endif /* WEIR_GATE_FIXTURE_H */
