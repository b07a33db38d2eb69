/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WEIR_CONFIG_H
#define WEIR_CONFIG_H

/**
 * @file
 * The daemon's JSON configuration: loading, validation and defaults.
 *
 * Loading never touches DPDK, so the loader is unit-tested on its own. Every
 * error names the origin (file or "embedded"), the key path (e.g.
 * "ports[1].mac") and the offending value; docs/configuration.md lists every
 * key.
 */

#include <stdint.h>

#include "weir_pkt.h"

/** Most ports one daemon drives. */
#define WEIR_MAX_PORTS 8
/** Most worker lcores. */
#define WEIR_MAX_WORKERS 32
/** Largest lcore id accepted (DPDK's default RTE_MAX_LCORE is 128). */
#define WEIR_MAX_LCORE 127

/** How packets reach the worker that owns them. */
enum weir_steering {
	WEIR_STEER_AUTO = 0, /**< RSS where the PMD offers it, software otherwise */
	WEIR_STEER_SOFTWARE, /**< always hash in software and hand over by ring */
};

/** One port. */
struct weir_port_config {
	char name[32];       /**< operator's label, unique */
	char devargs[256];   /**< DPDK device: PCI address or vdev devargs */
	int has_mac;         /**< mac was given: set it on the port */
	uint8_t mac[6];      /**< MAC to program on the port */
	uint16_t rx_desc;    /**< RX descriptors per queue */
	uint16_t tx_desc;    /**< TX descriptors per queue */
	enum weir_steering steering;
	unsigned int n_addrs; /**< local addresses (with prefixes) */
	struct weir_addr addrs[16];
};

/** The whole configuration. */
struct weir_config {
	char origin[256];      /**< file path, or "embedded" */
	char socket_path[108]; /**< admin socket (sun_path size) */
	unsigned int mbufs;    /**< mbufs in the packet pool */
	unsigned int idle_sleep_us; /**< sleep after empty polls; 0 = pure polling */
	unsigned int n_workers;
	unsigned int workers[WEIR_MAX_WORKERS]; /**< lcore ids, in config order */
	unsigned int n_ports;
	struct weir_port_config ports[WEIR_MAX_PORTS];
	unsigned int n_vips;
	struct weir_addr vips[32];
};

/**
 * Load and validate a configuration from a JSON text.
 *
 * @param text
 *   NUL-terminated JSON.
 * @param origin
 *   Name used in error messages ("embedded", a file path).
 * @param err
 *   Receives one line naming the key and value on failure.
 * @param errlen
 *   Size of err.
 * @return
 *   A new configuration, or NULL with err filled (errno EINVAL or ENOMEM).
 */
struct weir_config *weir_config_from_string(const char *text, const char *origin, char *err,
					    size_t errlen);

/**
 * Load and validate a configuration file.
 *
 * @param path
 *   JSON file.
 * @param err
 *   Receives one line naming the file, key and value on failure.
 * @param errlen
 *   Size of err.
 * @return
 *   A new configuration, or NULL with err filled.
 */
struct weir_config *weir_config_from_file(const char *path, char *err, size_t errlen);

/**
 * Free a configuration.
 *
 * @param cfg
 *   Configuration or NULL.
 */
void weir_config_free(struct weir_config *cfg);

/**
 * Collect every address the responders answer for: VIPs, then each port's
 * local addresses.
 *
 * @param cfg
 *   Configuration.
 * @param set
 *   Filled.
 * @return
 *   0, or -ENOSPC if there are more than WEIR_ADDRS_MAX.
 */
int weir_config_addrs(const struct weir_config *cfg, struct weir_addrs *set);

/** The configuration compiled into the daemon (config/weir.json). */
extern const char weir_default_config[];

#endif /* WEIR_CONFIG_H */
