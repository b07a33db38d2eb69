/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weir: start-up, shutdown and the control loop on the main lcore.
 *
 *   weir [EAL args] [-- --config FILE]
 *
 * The configuration is loaded and validated before EAL starts, so a bad
 * config costs nothing and exits 2 with one line naming the key and value.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "adm/adm.h"
#include "core/clock.h"
#include "core/cmd.h"
#include "core/mailbox.h"
#include "core/port.h"
#include "core/reload.h"
#include "core/rcu.h"
#include "core/pipeline.h"
#include "core/worker.h"
#include "health/health.h"
#include "http/http.h"
#include "l4/l4.h"
#include "sp/sp.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

static void
usage(FILE *f)
{
	fprintf(f, "usage: weir [EAL options] [-- [--config FILE]]\n"
		   "\n"
		   "Kernel-bypass L4/L7 load balancer and API gate.\n"
		   "\n"
		   "  --config FILE  JSON configuration (docs/configuration.md); without it\n"
		   "                 the embedded default configuration is used\n"
		   "  --help         this text\n"
		   "  --version      print the version\n"
		   "\n"
		   "Exit status: 0 after a clean stop (SIGINT/SIGTERM), 1 on a runtime\n"
		   "failure (including EAL refusing its options), 2 on a bad weir option\n"
		   "or configuration.\n");
}

static volatile sig_atomic_t reload_asked;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_asked = 1;
	else
		weir.quit = 1;
}

/* SIGHUP: reload, as weirctl reload would; the outcome on standard error. */
static void
reload_on_signal(void)
{
	char err[512];
	json_t *res;

	reload_asked = 0;
	res = weir_reload(NULL, err, sizeof(err));
	if (res == NULL) {
		fprintf(stderr, "weir: SIGHUP: reload refused: %s\n", err);
		return;
	}
	fprintf(stderr, "weir: SIGHUP: reloaded %s, generation %lld, %zu change(s)\n",
		json_string_value(json_object_get(res, "config")),
		(long long)json_integer_value(json_object_get(res, "generation")),
		json_array_size(json_object_get(res, "changed")));
	json_decref(res);
}

/* ---- start-up steps: an ordered table of {name, init, fini} ---- */

static int
pool_need(void)
{
	unsigned int i, need = 0;

	for (i = 0; i < weir.cfg->n_ports; i++)
		need += weir.n_workers *
			(weir.cfg->ports[i].rx_desc + weir.cfg->ports[i].tx_desc + WEIR_BURST * 2);
	need += weir.n_workers * (weir.n_workers - 1) * WEIR_STEER_RING_SIZE;
	need += weir.n_workers * 256 + 1024; /* per-lcore caches, bursts in flight */
	for (i = 0; i < weir.cfg->n_services; i++)
		if (weir.cfg->services[i].synproxy.on_pressure) {
			/* Client segments held during backend handshakes. */
			need += weir.n_workers * WEIR_SP_HOLD_MAX;
			break;
		}
	return (int)need;
}

static int
init_pool(char *err, size_t errlen)
{
	unsigned int n = weir.cfg->mbufs;
	unsigned int need = (unsigned int)pool_need();

	if (n == 0) {
		/* 2^k - 1 is the mempool's most memory-efficient size. */
		for (n = 1023; n < need + need / 2; n = n * 2 + 1)
			;
	} else if (n < need) {
		snprintf(err, errlen,
			 "config %s: key 'mbufs' = %u: the ports and workers need at least %u",
			 weir.cfg->origin, n, need);
		return -EXIT_USAGE;
	}
	weir.pool = rte_pktmbuf_pool_create("weir_pkts", n, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					    (int)rte_socket_id());
	if (weir.pool == NULL) {
		snprintf(err, errlen,
			 "cannot create a pool of %u mbufs: %s (give EAL more memory, -m)", n,
			 rte_strerror(rte_errno));
		return -EXIT_RUNTIME;
	}
	return 0;
}

static void
fini_pool(void)
{
	/* Everything else is down: ports closed, rings and held segments
	 * freed. An mbuf still out now was leaked (the tests look for this). */
	if (weir.pool != NULL && rte_mempool_in_use_count(weir.pool) != 0)
		fprintf(stderr, "weir: %u mbufs still in use at exit\n",
			rte_mempool_in_use_count(weir.pool));
	rte_mempool_free(weir.pool);
	weir.pool = NULL;
}

static int
init_rcu(char *err, size_t errlen)
{
	if (weir_rcu_init(weir.n_workers) != 0) {
		snprintf(err, errlen, "cannot set up RCU: %s", rte_strerror(rte_errno));
		return -EXIT_RUNTIME;
	}
	return 0;
}

static int
init_l4(char *err, size_t errlen)
{
	return weir_l4_init(err, errlen);
}

static int
init_adm(char *err, size_t errlen)
{
	return weir_adm_init(err, errlen) == 0 ? 0 : -EXIT_RUNTIME;
}

static int
init_sp(char *err, size_t errlen)
{
	return weir_sp_init(err, errlen) == 0 ? 0 : -EXIT_RUNTIME;
}

static int
init_http(char *err, size_t errlen)
{
	return weir_http_init(err, errlen) == 0 ? 0 : -EXIT_RUNTIME;
}

static int
init_health(char *err, size_t errlen)
{
	return weir_hc_init(err, errlen) == 0 ? 0 : -EXIT_RUNTIME;
}

static void
fini_nothing(void)
{
}

static int
init_control(char *err, size_t errlen)
{
	return weir_cmd_open(weir.cfg->socket_path, err, errlen) == 0 ? 0 : -EXIT_RUNTIME;
}

/* In order; the finis run in reverse. */
static const struct {
	const char *name;
	int (*init)(char *err, size_t errlen);
	void (*fini)(void);
} steps[] = {
	{"packet pool", init_pool, fini_pool},
	{"workers", weir_workers_init, weir_workers_fini},
	{"ports", weir_ports_init, weir_ports_fini},
	{"rcu", init_rcu, weir_rcu_fini},
	{"load balancing", init_l4, weir_l4_fini},
	{"admission", init_adm, weir_adm_fini},
	{"synproxy", init_sp, fini_nothing},
	{"http", init_http, weir_http_fini},
	{"health", init_health, weir_hc_fini},
	{"worker state", weir_workers_stages_init, weir_workers_stages_fini},
	{"port start", weir_ports_start, weir_ports_stop},
	{"admin socket", init_control, weir_cmd_close},
};

/* Control's periodic work, every ~10 ms with services (health reacts
 * within a tick), ~100 ms without (and right after commands). */
static void
control_tick(void)
{
	weir_control_drain();
	weir_adm_control_tick();
	if (weir.cfg->n_services > 0) {
		weir_core_health_tick();
		weir_l4_control_tick();
	}
	weir_rcu_reclaim();
}

/* ---- main ---- */

static int
parse_app_args(int argc, char **argv, const char **config)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			*config = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("weir %s\n", WEIR_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "weir: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

static int
check_lcores(char *err, size_t errlen)
{
	unsigned int i, lc;

	for (i = 0; i < weir.cfg->n_workers; i++) {
		lc = weir.cfg->workers[i];
		if (!rte_lcore_is_enabled(lc) || lc == rte_get_main_lcore()) {
			snprintf(err, errlen,
				 "config %s: key 'workers[%u]' = %u: not a worker lcore of this "
				 "process (EAL has %u lcores, main lcore %u runs the control "
				 "loop; pass e.g. -l 0,%u)",
				 weir.cfg->origin, i, lc, rte_lcore_count(), rte_get_main_lcore(),
				 lc);
			return -EXIT_USAGE;
		}
	}
	weir.n_workers = weir.cfg->n_workers;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *config = NULL;
	char err[512] = "";
	int eal_argc = argc, i, rc, n_done = 0, status = 0;
	unsigned int w;

	/* Our options follow "--"; EAL sees only what precedes it. */
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			eal_argc = i;
			break;
		}
	for (i = 1; i < eal_argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
	if (eal_argc < argc) {
		argv[eal_argc] = argv[0];
		if (parse_app_args(argc - eal_argc, argv + eal_argc, &config) != 0)
			return EXIT_USAGE;
		argv[eal_argc] = (char *)"--";
	}

	weir.cfg = config != NULL ? weir_config_from_file(config, err, sizeof(err))
				  : weir_config_from_string(weir_default_config, "embedded", err,
							    sizeof(err));
	if (weir.cfg == NULL) {
		fprintf(stderr, "weir: %s\n", err);
		return EXIT_USAGE;
	}
	if (weir_config_addrs(weir.cfg, &weir.addrs) != 0) {
		fprintf(stderr, "weir: config %s: too many addresses\n", weir.cfg->origin);
		return EXIT_USAGE;
	}

	rc = rte_eal_init(eal_argc, argv);
	if (rc < 0) {
		fprintf(stderr, "weir: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		weir_config_free(weir.cfg);
		return EXIT_RUNTIME;
	}
	weir_clock_init();
	weir_reload_init();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN);

	rc = check_lcores(err, sizeof(err));
	while (rc == 0 && n_done < (int)RTE_DIM(steps)) {
		rc = steps[n_done].init(err, sizeof(err));
		if (rc == 0)
			n_done++;
	}
	if (rc != 0) {
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "%s: start-up failed", steps[n_done].name);
		fprintf(stderr, "weir: %s\n", err);
		status = -rc;
		goto out;
	}

	for (w = 0; w < weir.n_workers; w++) {
		rc = rte_eal_remote_launch(weir_worker_loop, weir.workers[w],
					   weir.workers[w]->lcore);
		if (rc != 0) {
			fprintf(stderr, "weir: cannot launch worker on lcore %u: %s\n",
				weir.workers[w]->lcore, rte_strerror(-rc));
			weir.quit = 1;
			status = EXIT_RUNTIME;
			break;
		}
	}
	if (status == 0)
		printf("weir %s: %u worker(s), %u port(s), admin socket %s\n", WEIR_VERSION,
		       weir.n_workers, weir.n_ports, weir.cfg->socket_path);
	fflush(stdout);

	while (!weir.quit) {
		weir_cmd_poll(weir.cfg->n_services > 0 ? 10 : 100);
		if (reload_asked)
			reload_on_signal();
		control_tick();
	}
	rte_eal_mp_wait_lcore();
	if (status == 0)
		printf("weir: stopped\n");

out:
	while (n_done-- > 0)
		steps[n_done].fini();
	rte_eal_cleanup();
	weir_config_free(weir.cfg);
	return status;
}
