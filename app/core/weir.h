/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_H
#define WEIR_H

/**
 * @file
 * The daemon: what start-up builds and everything reads (the config, the
 * ports, the workers). Immutable while the workers run, except through the
 * core's publication (app/core/rcu.h) and mailboxes (app/core/mailbox.h).
 */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ethdev.h>

#include "config/weir_config.h"
#include "weir_pkt.h"

#define WEIR_VERSION "0.1.0"
#define WEIR_BURST 32
#define WEIR_STEER_RING_SIZE 1024

struct weir_worker;
struct rte_rcu_qsbr;

/** One port as brought up. */
struct weir_port {
	uint16_t port_id;
	uint16_t n_rxq;	  /**< RX queues: worker i polls queue i if i < n_rxq */
	bool rss;	  /**< the NIC spreads by RSS (the owner is still computed in software) */
	bool sw_mac;	  /**< driver cannot program the MAC: promiscuous, MAC kept in software */
	bool tx_ip_cksum; /**< TX computes IPv4 header checksums (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) */
	struct rte_ether_addr mac;
	char driver[64];
	const struct weir_port_config *cfg;
};

/** The daemon. */
struct weir {
	struct weir_config *cfg;
	struct weir_addrs addrs; /**< VIPs and local IPs answered for */
	struct rte_mempool *pool;
	unsigned int n_ports;
	struct weir_port ports[WEIR_MAX_PORTS];
	uint8_t port_index[RTE_MAX_ETHPORTS]; /**< DPDK port id -> index in ports */
	unsigned int n_workers;
	struct weir_worker *workers[WEIR_MAX_WORKERS];
	struct rte_rcu_qsbr *qs; /**< the workers' quiescent states (app/core/rcu.h) */
	/** Set by SIGINT/SIGTERM (a signal handler may only store a sig_atomic_t). */
	volatile sig_atomic_t quit;
};

/** The daemon instance (app/core/main.c). */
extern struct weir weir;

#endif /* WEIR_H */
