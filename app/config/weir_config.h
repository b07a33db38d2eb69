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

#include "weir_gate_config.h"
#include "weir_http_route.h"
#include "weir_lb.h"
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

/** Most static neighbour entries per port. */
#define WEIR_MAX_NEIGHBORS 64
/** Most pools, backends per pool, services, SNAT addresses per service. */
#define WEIR_MAX_POOLS 32
#define WEIR_MAX_BACKENDS 256
#define WEIR_MAX_SERVICES 64
#define WEIR_MAX_LOCAL_IPS 16
/** Default connection table entries per worker. */
#define WEIR_DEFAULT_CONN_TABLE 1048576u

/** A static neighbour: the MAC to send to for an address (no ARP/ND needed). */
struct weir_neighbor_config {
	struct weir_addr addr;
	uint8_t mac[6];
};

/** One port. */
struct weir_port_config {
	char name[32];	   /**< operator's label, unique */
	char devargs[256]; /**< DPDK device: PCI address or vdev devargs */
	int has_mac;	   /**< mac was given: set it on the port */
	uint8_t mac[6];	   /**< MAC to program on the port */
	uint16_t rx_desc;  /**< RX descriptors per queue */
	uint16_t tx_desc;  /**< TX descriptors per queue */
	enum weir_steering steering;
	unsigned int n_addrs; /**< local addresses (with prefixes) */
	struct weir_addr addrs[16];
	unsigned int n_neighbors;
	struct weir_neighbor_config neighbors[WEIR_MAX_NEIGHBORS];
};

/** One backend of a pool. */
struct weir_backend_config {
	struct weir_addr addr; /**< family and address (prefix unused) */
	uint16_t port;	       /**< host order */
	uint32_t weight;       /**< 0..WEIR_LB_MAX_WEIGHT; 0 = no new flows */
	char datacenter[32];   /**< optional label, "" if none */
	uint8_t removed; /**< dropped from the file by a reload: drained, kept until restart */
};

/**
 * Local ports kept for health probes (the last WEIR_PROBE_PORTS of each
 * local IP, from WEIR_PROBE_PORT_MIN) when any pool has "health": probe k
 * (in config order of the pools with checks and their backends) speaks
 * from port WEIR_PROBE_PORT_MIN + k.
 */
#define WEIR_PROBE_PORTS 512
#define WEIR_PROBE_PORT_MIN (65536 - WEIR_PROBE_PORTS)

/** Most expected status ranges of an HTTP health check. */
#define WEIR_HEALTH_STATUS_RANGES 8

/** Active health checks of a pool's backends (pools[i].health). */
struct weir_health_check_config {
	uint8_t enabled;      /**< "health" given */
	uint8_t http;	      /**< type "http" (else "tcp") */
	uint32_t interval_ms; /**< from one probe's start to the next (250) */
	uint32_t timeout_ms;  /**< a probe without a verdict by then failed (200, <= interval) */
	uint32_t rise;	      /**< good probes in a row that bring a backend up (2) */
	uint32_t fall;	      /**< bad probes in a row that take it down (3) */
	uint16_t port;	      /**< port to probe (0 = each backend's own) */
	char method[16];      /**< HTTP: request method ("GET") */
	char path[256];	      /**< HTTP: request target ("/") */
	char host[128];	      /**< HTTP: Host header ("" = the backend's address and port) */
	uint8_t n_status;     /**< HTTP: expected status ranges ([200-399]) */
	uint16_t status_lo[WEIR_HEALTH_STATUS_RANGES];
	uint16_t status_hi[WEIR_HEALTH_STATUS_RANGES];
	char body[64]; /**< HTTP: the response must contain this ("" = no check) */
};

/** Passive detection and the circuit breaker (pools[i].outlier). */
struct weir_outlier_config {
	uint32_t consecutive; /**< failed handshakes in a row that eject (5; 0 = never) */
	uint32_t base_ms;     /**< first ejection (5000), doubling with each repeat */
	uint32_t max_ms;      /**< longest ejection (300000) */
	uint32_t max_pct;     /**< most of the pool ejected at once, percent (50) */
	uint32_t trials;      /**< successes that close a half-open breaker (3) */
};

/** A named set of backends. */
struct weir_pool_config {
	char name[32];
	unsigned int n_backends;
	struct weir_backend_config backends[WEIR_MAX_BACKENDS];
	struct weir_health_check_config health;
	struct weir_outlier_config outlier;
};

/** How a service reaches its backends. */
enum weir_forwarding {
	WEIR_FWD_FULLNAT = 0, /**< rewrite both ends: client -> local IP, VIP -> backend */
	WEIR_FWD_DSR_IPIP,    /**< encapsulate in IP-in-IP; the backend answers the client */
};

/** Idle timeouts of a service's connections, in seconds. */
struct weir_timeouts {
	uint32_t syn;		/**< TCP handshake not finished */
	uint32_t established;	/**< TCP established */
	uint32_t fin;		/**< TCP closing (a FIN seen) */
	uint32_t closed;	/**< TCP after RST or both FINs */
	uint32_t udp;		/**< UDP flows */
	uint32_t udp_unreplied; /**< UDP flows the backend has not answered yet (at most udp) */
};

/** What happens to a new connection over its source's limit. */
enum weir_limit_action {
	WEIR_LIMIT_DROP = 0, /**< drop it, counted as rate_limited */
	WEIR_LIMIT_RST,	     /**< TCP: answer the SYN with an RST (UDP: drop) */
};

/** A token bucket: rate tokens per per_s seconds, at most burst at once; rate 0 = none. */
struct weir_bucket_config {
	uint32_t rate;
	uint32_t per_s;
	uint32_t burst;
};

/** Progressive bans of a limits rule (limits.ban); after 0 = no bans. */
struct weir_ban_config {
	uint32_t after;	  /**< refusals without a rest that earn a ban */
	uint32_t first_s; /**< first ban (default 300) */
	uint32_t factor;  /**< each repeat within decay_s lasts factor times longer (2) */
	uint32_t max_s;	  /**< longest ban (86400) */
	uint32_t decay_s; /**< quiet time after a ban that starts over at first_s (86400) */
	uint8_t scope;	  /**< enum weir_ban_scope */
};

/** Where a ban earned under a rule applies (limits.ban.scope). */
enum weir_ban_scope {
	/** A proven source's ban: every service; an unproven one's: its service. */
	WEIR_BAN_SCOPE_GLOBAL = 0,
	/** Every ban: the service whose traffic earned it. */
	WEIR_BAN_SCOPE_SERVICE,
};

/** Per-source admission limits: service.limits, or the global limits. */
struct weir_limits {
	uint8_t enabled;     /**< at least one limit given */
	uint8_t action;	     /**< enum weir_limit_action */
	uint8_t dry_run;     /**< count decisions, enforce none */
	uint8_t ipv6_prefix; /**< IPv6 sources are counted per this prefix (default 64) */
	struct weir_bucket_config new_conns; /**< new connections per source */
	struct weir_bucket_config packets;   /**< client packets per source */
	uint32_t concurrent;		     /**< open connections per source; 0 = none */
	struct weir_ban_config ban;
};

/** A TCP service's SYN proxy (service.synproxy): SYN cookies, then a splice. */
struct weir_synproxy_config {
	uint8_t enabled; /**< service.synproxy given */
	/** Cookies when the worker runs short of local ports or connection
	 * entries: every TCP FullNAT service unless "synproxy": false. */
	uint8_t on_pressure;
	uint8_t has_secret; /**< secret given; otherwise random at start */
	uint8_t wscale;	    /**< window shift weir advertises to clients (default 7) */
	uint16_t mss;	    /**< MSS weir advertises to clients */
	uint32_t syn_rate;  /**< SYNs per second per worker before cookies; 0 = always */
	uint8_t secret[16]; /**< cookie key (SipHash-2-4), when has_secret */
};

/** Most prefixes in acl.allow plus acl.deny. */
#define WEIR_MAX_ACL 1024

/** An allow or deny prefix (acl). */
struct weir_acl_entry {
	uint8_t family; /**< 4 or 6 */
	uint8_t prefix; /**< length */
	uint8_t allow;	/**< 1: allow (skips limits), 0: deny */
	uint8_t ip[16]; /**< host bits zero */
};

/** Default tracked sources per worker (source_table_size). */
#define WEIR_DEFAULT_SOURCE_TABLE 262144u

/** Default HTTP head buffers per worker (http_head_buffers). */
#define WEIR_HTTP_HEAD_BUFFERS_DEFAULT 1024

/** Where an HTTP route sends its requests (service.routes[i]). */
struct weir_route_config {
	char pool_name[32];
	unsigned int pool; /**< index into weir_config.pools */
	/** The service whose scheduler picks from that pool: the http service
	 * itself when pool is its pool, else the internal service of the pool
	 * (weir_service_config.internal). */
	unsigned int service;
	struct weir_route_gate gate; /**< auth, min_tier, limits (the service's by default) */
};

/** An HTTP service's settings and routes (service.http and service.routes). */
struct weir_http_config {
	uint32_t header_timeout_ms;  /**< whole request head by then (10000, 100..600000) */
	uint32_t head_max;	     /**< longest request head (8192, 1024..65536) */
	uint32_t headers_max;	     /**< most header lines (100, 1..128) */
	uint32_t target_max;	     /**< longest request target (4096, 64..65536, < head_max) */
	char forwarded_proto[8];     /**< X-Forwarded-Proto value: "http" (default) or "https" */
	char via[32];		     /**< pseudonym in Via: "1.1 <via>" (default "weir"), a token */
	uint8_t default_404;	     /**< no "pool" given: requests no route matches get 404 */
	struct weir_route_gate gate; /**< http.auth, min_tier, limits: requests no route matches */
	struct weir_http_routes routes; /**< the matcher's rules (lib/http_lite) */
	struct weir_route_config route[WEIR_HTTP_ROUTES_MAX]; /**< same index as routes.r[] */
};

/** A virtual service: VIP, port and protocol, balanced over a pool. */
struct weir_service_config {
	char name[32];
	struct weir_addr vip;
	uint16_t port;	       /**< host order */
	uint8_t proto;	       /**< 6 (TCP) or 17 (UDP) */
	uint8_t scheduler;     /**< enum weir_sched_kind */
	uint8_t sticky_source; /**< maglev: hash the source address only */
	uint8_t forwarding;    /**< enum weir_forwarding */
	uint16_t mss_clamp;    /**< 0 = leave MSS alone */
	unsigned int pool;     /**< index into weir_config.pools */
	unsigned int out_port; /**< port whose addresses hold the local IPs (derived) */
	unsigned int n_local_ips;
	struct weir_addr local_ips[WEIR_MAX_LOCAL_IPS];
	struct weir_timeouts timeouts;
	struct weir_limits limits;
	struct weir_synproxy_config synproxy;
	uint8_t no_backend_rst; /**< no backend serving: answer a SYN with an RST (else drop) */
	uint8_t removed;	/**< dropped or replaced by a reload: no new connections, kept until
				   restart */
	/** 0, or 1 + the index of the http service this one serves: a copy of
	 * it balancing over one of its routes' pools, named "SERVICE/POOL",
	 * appended after the services of the file and never in the keyed
	 * table (packets reach the http service, whose routes pick it). */
	uint8_t internal;
	/** protocol "http" (proto is 6): its settings and routes, owned (freed
	 * by weir_config_free()); NULL for tcp, udp and internal services. */
	struct weir_http_config *http;
};

/** The whole configuration. */
struct weir_config {
	char origin[256];	    /**< file path, or "embedded" */
	char socket_path[108];	    /**< admin socket (sun_path size) */
	unsigned int mbufs;	    /**< mbufs in the packet pool */
	unsigned int idle_sleep_us; /**< sleep after empty polls; 0 = pure polling */
	unsigned int n_workers;
	unsigned int workers[WEIR_MAX_WORKERS]; /**< lcore ids, in config order */
	unsigned int n_ports;
	struct weir_port_config ports[WEIR_MAX_PORTS];
	unsigned int n_vips;
	struct weir_addr vips[32];
	uint32_t maglev_size;	  /**< prime M of every service's Maglev table */
	uint32_t conn_table_size; /**< connection entries per worker */
	uint32_t
		udp_ports_per_source; /**< FullNAT UDP local ports one source may hold per worker */
	uint8_t has_cookie_secret;    /**< cookie_secret given */
	uint8_t cookie_secret[16];    /**< SYN cookie key of services without synproxy.secret */
	uint32_t source_table_size;   /**< tracked sources per worker (limits) */
	struct weir_limits limits;    /**< global: every service together, per source */
	uint8_t clock_rx_timestamp;   /**< admission time from RX timestamps (replays) */
	uint32_t http_head_buffers;   /**< HTTP request head buffers per worker */
	struct weir_gate_config *gate; /**< the API gate (always set by a load), owned */
	unsigned int n_acl;
	struct weir_acl_entry *acl; /**< allow and deny prefixes; NULL when none */
	unsigned int n_pools;
	struct weir_pool_config pools[WEIR_MAX_POOLS];
	unsigned int n_services;
	struct weir_service_config services[WEIR_MAX_SERVICES];
};

/**
 * Find backend "ADDRESS:PORT" ("[ADDRESS]:PORT" for IPv6) of the pool
 * named pool.
 *
 * @return
 *   0 with *pool_out and *b_out set, or -1 with err filled.
 */
int weir_config_find_backend(const struct weir_config *cfg, const char *pool, const char *backend,
			     unsigned int *pool_out, unsigned int *b_out, char *err, size_t errlen);

/** Swap the acl (allow/deny prefixes) of two configs (a reload takes the new one's). */
void weir_config_take_acl(struct weir_config *dst, struct weir_config *src);

/**
 * Does any pool have active health checks (and so local ports kept for
 * probes)?
 */
int weir_config_has_health(const struct weir_config *cfg);

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
/**
 * Parse "ADDRESS" or "ADDRESS/LENGTH" (IPv4 or IPv6, host bits zero): the
 * config's acl entries and weirctl's block/ban arguments.
 *
 * @param s
 *   Text (NULL is refused).
 * @param e
 *   Receives family, address and prefix length (a bare address: the full
 *   length); allow is 0.
 * @param has_len
 *   Set to 1 if a length was given.
 * @param why
 *   Receives the reason on failure.
 * @param whylen
 *   Size of why.
 * @return
 *   0, or -1 with why filled.
 */
int weir_parse_prefix(const char *s, struct weir_acl_entry *e, int *has_len, char *why,
		      size_t whylen);

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
 * local addresses, then service VIPs not already listed.
 *
 * @param cfg
 *   Configuration.
 * @param set
 *   Filled.
 * @return
 *   0, or -ENOSPC if there are more than WEIR_ADDRS_MAX.
 */
int weir_config_addrs(const struct weir_config *cfg, struct weir_addrs *set);

/**
 * What a reload cannot change of an http service and the internal services
 * of its routes: it cannot add, remove or replace one, nor change its
 * protocol, "http" settings, "pool" (given or not) or routes. Pure, so that
 * the refusals are unit-tested; app/core/reload.c calls it for each service
 * of the new config.
 *
 * @param a
 *   The running service of b's name (not removed), or NULL.
 * @param b
 *   The new service: services[j] of the new config.
 * @param j
 *   Its index, for the key in the message.
 * @param same_place
 *   a is not NULL and the reload would keep it in place (same VIP, port,
 *   protocol, scheduler, forwarding, pool, local IPs, synproxy).
 * @param err
 *   Receives "key 'services[J]...': reason" on refusal.
 * @param errlen
 *   Size of err.
 * @return
 *   0, or -1 with err filled.
 */
int weir_config_http_change_ok(const struct weir_service_config *a,
			       const struct weir_service_config *b, unsigned int j, int same_place,
			       char *err, size_t errlen);

/** The configuration compiled into the daemon (config/weir.json). */
extern const char weir_default_config[];

#endif /* WEIR_CONFIG_H */
