/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allow/deny prefixes: control keeps the lists (the config's, then
 * weirctl's) and publishes them as prefix tables (rte_lpm, rte_lpm6);
 * weirctl acl, block, allow and unblock.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_lpm.h>
#include <rte_malloc.h>

#include "adm/adm-priv.h"
#include "core/cmd.h"
#include "core/rcu.h"

void
adm_acl_free(void *p)
{
	struct weir_adm_acl *a = p;

	if (a == NULL)
		return;
	rte_lpm_free(a->v4);
	rte_lpm6_free(a->v6);
	rte_free(a);
}

struct weir_adm_acl *
adm_acl_build(char *err, size_t errlen)
{
	struct rte_lpm_config c4 = {.max_rules = WEIR_MAX_ACL};
	struct rte_lpm6_config c6 = {.max_rules = WEIR_MAX_ACL};
	struct weir_adm_acl *a;
	char name[32];
	unsigned int i;
	int rc = 0;

	a = rte_zmalloc("weir_acl", sizeof(*a), 0);
	if (a == NULL)
		goto nomem;
	/* Sized for the rules: an IPv4 prefix longer than /24 takes a tbl8
	 * group, an IPv6 one up to 13 (one per byte past the first 3). */
	for (i = 0; i < weir_adm.n_acl_rules; i++) {
		if (weir_adm.acl_rules[i].family == 4)
			c4.number_tbl8s++;
		else
			c6.number_tbl8s += 13;
	}
	c4.number_tbl8s += 1;
	c6.number_tbl8s += 1;
	/* Each table needs a name of its own while the one it replaces lives. */
	weir_adm.acl_gen++;
	for (i = 0; i < weir_adm.n_acl_rules; i++) {
		const struct weir_acl_entry *e = &weir_adm.acl_rules[i];
		uint32_t nh = e->allow ? ACL_ALLOW : ACL_DENY;

		if (e->prefix == 0) {
			a->def[e->family == 6] = (uint8_t)nh;
			continue;
		}
		if (e->family == 4) {
			uint32_t ip;

			snprintf(name, sizeof(name), "weir_acl4_%u", weir_adm.acl_gen);
			if (a->v4 == NULL &&
			    (a->v4 = rte_lpm_create(name, SOCKET_ID_ANY, &c4)) == NULL)
				goto nomem;
			memcpy(&ip, e->ip, 4);
			rc = rte_lpm_add(a->v4, rte_be_to_cpu_32(ip), e->prefix, nh);
		} else {
			snprintf(name, sizeof(name), "weir_acl6_%u", weir_adm.acl_gen);
			if (a->v6 == NULL &&
			    (a->v6 = rte_lpm6_create(name, SOCKET_ID_ANY, &c6)) == NULL)
				goto nomem;
			rc = adm_lpm6_add(a->v6, e->ip, e->prefix, nh);
		}
		if (rc != 0) {
			snprintf(err, errlen, "acl: cannot add a prefix: %s", rte_strerror(-rc));
			adm_acl_free(a);
			return NULL;
		}
	}
	return a;
nomem:
	snprintf(err, errlen, "acl: cannot create the prefix tables: %s (give EAL more memory, -m)",
		 rte_strerror(rte_errno));
	adm_acl_free(a);
	return NULL;
}

/* Publish a new table; the old one goes once every worker has moved on.
 * The token, or 0 on failure (err filled). */
static uint64_t
acl_publish(char *err, size_t errlen)
{
	struct weir_adm_acl *a = adm_acl_build(err, errlen);

	if (a == NULL)
		return 0;
	return weir_rcu_publish((void **)&weir_adm.acl_cur, a, adm_acl_free);
}

json_t *
adm_prefix_json(uint8_t family, const uint8_t *ip, unsigned int plen)
{
	char a[INET6_ADDRSTRLEN], out[INET6_ADDRSTRLEN + 8];

	inet_ntop(family == 4 ? AF_INET : AF_INET6, ip, a, sizeof(a));
	snprintf(out, sizeof(out), "%s/%u", a, plen);
	return json_string(out);
}

const char *
adm_req_str(json_t *req, const char *key)
{
	return json_string_value(json_object_get(req, key));
}

json_t *
weir_cmd_acl(json_t *req, char *err, size_t errlen)
{
	json_t *arr = json_array();
	unsigned int i;

	(void)req;
	(void)err;
	(void)errlen;
	for (i = 0; i < weir_adm.n_acl_rules; i++)
		json_array_append_new(
			arr, json_pack("{s:o, s:s, s:s}", "prefix",
				       adm_prefix_json(weir_adm.acl_rules[i].family,
						       weir_adm.acl_rules[i].ip,
						       weir_adm.acl_rules[i].prefix),
				       "action", weir_adm.acl_rules[i].allow ? "allow" : "deny",
				       "origin", weir_adm.acl_from_ctl[i] ? "weirctl" : "config"));
	return json_pack("{s:o}", "rules", arr);
}

/* block / allow / unblock PREFIX: change the lists, rebuild, publish; the
 * answer comes once every worker uses the new tables. */
static json_t *
acl_change(const char *cmd, json_t *req, char *err, size_t errlen)
{
	const char *arg = adm_req_str(req, "prefix");
	struct weir_acl_entry e, saved;
	int found = -1, has_len = 0;
	char why[64] = "";
	unsigned int i, n = weir_adm.n_acl_rules;
	uint64_t token;

	if (weir_parse_prefix(arg, &e, &has_len, why, sizeof(why)) == 0 && !has_len)
		snprintf(why, sizeof(why), "expected a prefix, ADDRESS/LENGTH");
	if (why[0] != '\0') {
		snprintf(err, errlen, "'%s': %s", arg, why);
		return NULL;
	}
	e.allow = strcmp(cmd, "allow") == 0;
	for (i = 0; i < n; i++)
		if (weir_adm.acl_rules[i].family == e.family &&
		    weir_adm.acl_rules[i].prefix == e.prefix &&
		    memcmp(weir_adm.acl_rules[i].ip, e.ip, 16) == 0)
			found = (int)i;
	if (strcmp(cmd, "unblock") == 0) {
		if (found < 0) {
			snprintf(err, errlen, "'%s' is in neither list (weirctl acl)", arg);
			return NULL;
		}
		saved = weir_adm.acl_rules[found];
		weir_adm.acl_rules[found] = weir_adm.acl_rules[n - 1];
		weir_adm.acl_from_ctl[found] = weir_adm.acl_from_ctl[n - 1];
		weir_adm.n_acl_rules--;
		if ((token = acl_publish(err, errlen)) == 0) {
			weir_adm.acl_rules[n - 1] = weir_adm.acl_rules[found];
			weir_adm.acl_from_ctl[n - 1] = weir_adm.acl_from_ctl[found];
			weir_adm.acl_rules[found] = saved;
			weir_adm.n_acl_rules++;
			return NULL;
		}
		return weir_cmd_after(json_pack("{s:o, s:s}", "prefix",
						adm_prefix_json(e.family, e.ip, e.prefix),
						"removed", saved.allow ? "allow" : "deny"));
	}
	if (found >= 0) {
		saved = weir_adm.acl_rules[found];
		weir_adm.acl_rules[found] = e;
		weir_adm.acl_from_ctl[found] = 1;
		if ((token = acl_publish(err, errlen)) == 0) {
			weir_adm.acl_rules[found] = saved;
			return NULL;
		}
	} else {
		if (n == WEIR_MAX_ACL) {
			snprintf(err, errlen, "acl full: %d prefixes", WEIR_MAX_ACL);
			return NULL;
		}
		weir_adm.acl_rules[n] = e;
		weir_adm.acl_from_ctl[n] = 1;
		weir_adm.n_acl_rules++;
		if ((token = acl_publish(err, errlen)) == 0) {
			weir_adm.n_acl_rules--;
			return NULL;
		}
	}
	return weir_cmd_after(json_pack("{s:o, s:s}", "prefix",
					adm_prefix_json(e.family, e.ip, e.prefix), "action",
					e.allow ? "allow" : "deny"));
}

json_t *
weir_cmd_block(json_t *req, char *err, size_t errlen)
{
	return acl_change("block", req, err, errlen);
}

json_t *
weir_cmd_allow(json_t *req, char *err, size_t errlen)
{
	return acl_change("allow", req, err, errlen);
}

json_t *
weir_cmd_unblock(json_t *req, char *err, size_t errlen)
{
	return acl_change("unblock", req, err, errlen);
}

int
weir_adm_reload_acl(const struct weir_config *n, char *err, size_t errlen)
{
	struct weir_acl_entry *rules = calloc(WEIR_MAX_ACL, sizeof(*rules)), *saved;
	uint8_t *from = calloc(WEIR_MAX_ACL, 1), *saved_from;
	unsigned int i, j, k = 0, saved_n = weir_adm.n_acl_rules;

	if (rules == NULL || from == NULL) {
		free(rules);
		free(from);
		snprintf(err, errlen, "acl: out of memory");
		return -1;
	}
	/* The file's prefixes, then weirctl's that the file does not list. */
	for (i = 0; i < n->n_acl; i++)
		rules[k++] = n->acl[i];
	for (i = 0; i < weir_adm.n_acl_rules; i++) {
		const struct weir_acl_entry *e = &weir_adm.acl_rules[i];

		if (!weir_adm.acl_from_ctl[i])
			continue;
		for (j = 0; j < n->n_acl; j++)
			if (n->acl[j].family == e->family && n->acl[j].prefix == e->prefix &&
			    memcmp(n->acl[j].ip, e->ip, 16) == 0)
				break;
		if (j < n->n_acl)
			continue;
		if (k == WEIR_MAX_ACL) {
			free(rules);
			free(from);
			snprintf(err, errlen, "acl: more than %d prefixes with weirctl's",
				 WEIR_MAX_ACL);
			return -1;
		}
		from[k] = 1;
		rules[k++] = *e;
	}
	saved = weir_adm.acl_rules;
	saved_from = weir_adm.acl_from_ctl;
	weir_adm.acl_rules = rules;
	weir_adm.acl_from_ctl = from;
	weir_adm.n_acl_rules = k;
	if (acl_publish(err, errlen) == 0) {
		weir_adm.acl_rules = saved;
		weir_adm.acl_from_ctl = saved_from;
		weir_adm.n_acl_rules = saved_n;
		free(rules);
		free(from);
		return -1;
	}
	free(saved);
	free(saved_from);
	return 0;
}
