/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_H
#define WEIR_H

/**
 * @file
 * Daemon-wide state shared by the start-up code, the workers and the
 * control thread.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ethdev.h>

#include "lb4.h"
#include "weir_config.h"
#include "weir_pkt.h"

#define WEIR_VERSION "0.1.0"
#define WEIR_BURST 32
#define WEIR_STEER_RING_SIZE 1024

/**
 * Per-worker counters. Only the owning worker writes them, with plain
 * stores; the control thread reads them with relaxed loads. Aligned 64-bit
 * words are never torn on the CPUs DPDK supports, so no atomics are needed.
 */
struct weir_worker_stats {
	uint64_t rx;          /**< packets received from ports */
	uint64_t tx;          /**< packets handed to ports */
	uint64_t steered_out; /**< packets handed to their owner worker */
	uint64_t steered_in;  /**< packets received from other workers */
	uint64_t drops[WEIR_DROP__MAX];
} __rte_cache_aligned;

/** TX buffer of one worker for one port. */
struct weir_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[WEIR_BURST * 2];
};

/** One poll-mode worker: everything it touches per packet. */
struct weir_worker {
	unsigned int id;    /**< 0..n_workers-1, the owner index */
	unsigned int lcore; /**< lcore it runs on */
	struct weir_worker_stats stats;
	/** Steering rings: in[i] carries packets from worker i to this one. */
	struct rte_ring *steer_in[WEIR_MAX_WORKERS];
	/** Steering rings: out[j] carries packets from this worker to worker j. */
	struct rte_ring *steer_out[WEIR_MAX_WORKERS];
	struct weir_txbuf tx[WEIR_MAX_PORTS];
	struct weir_lb_worker lb;
} __rte_cache_aligned;

/** One port as brought up. */
struct weir_port {
	uint16_t port_id;
	uint16_t n_rxq;      /**< RX queues: worker i polls queue i if i < n_rxq */
	bool rss;            /**< the NIC spreads by RSS (the owner is still computed in software) */
	bool sw_mac;         /**< driver cannot program the MAC: promiscuous, MAC kept in software */
	bool tx_ip_cksum;    /**< TX computes IPv4 header checksums (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) */
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
	uint64_t start_tsc;
	volatile bool quit;
	struct weir_lb_snap *lb_snap; /**< current L4 snapshot (RCU) */
	struct rte_rcu_qsbr *qs;      /**< workers' quiescent states */
};

/**
 * Worker main loop, launched on each worker lcore.
 *
 * @param arg
 *   The struct weir_worker of this lcore.
 * @return
 *   0 when the daemon stops.
 */
int weir_worker_loop(void *arg);

/**
 * Send a worker's buffered packets for one port.
 *
 * @param w
 *   Worker.
 * @param pi
 *   Port index.
 */
void weir_worker_tx_flush(struct weir_worker *w, unsigned int pi);

/**
 * Answer (ARP, ND, echo) or drop an owned, parsed packet that no service took.
 *
 * @param w
 *   Worker.
 * @param m
 *   Packet.
 * @param p
 *   Its parse result.
 */
void weir_worker_respond(struct weir_worker *w, struct rte_mbuf *m, const struct weir_pkt *p);

/** The daemon instance the workers read (immutable while they run). */
extern struct weir weir;

#endif /* WEIR_H */
