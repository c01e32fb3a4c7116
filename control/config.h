/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_CONFIG_H
#define LIME_CONTROL_CONFIG_H

/*
 * lime's YAML configuration. Every key of the file maps to one field here;
 * optional keys get the defaults listed in docs/config.md. Parsing needs no
 * DPDK, so unit tests load configurations directly.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/etsi/etsi.h"

#define LIME_MAX_SIP_PORTS 16
#define LIME_MAX_PORTS 16

/* Shortest kms.psk_hex accepted, in bytes after hex decoding. */
#define LIME_KMS_PSK_MIN_BYTES 16

/* Largest configuration accepted, in bytes. */
#define LIME_CONFIG_MAX_BYTES (16u * 1024 * 1024)

struct lime_kms_config {
	bool present;              /* the kms section was given */
	char *url;
	char *ca_file;
	char *cert_file;           /* optional */
	char *key_file;            /* optional */
	char *identity;
	char *kms_identity;
	uint8_t *psk;              /* decoded psk_hex; wiped on free */
	size_t psk_len;
	uint32_t timeout_ms;       /* default 1000 */
	/* Tolerance, in seconds, between lime's clock and the T of a
	 * TRANSFER_INIT, and on both ends of a ticket's validity window;
	 * default 300. */
	uint32_t skew_s;
	uint32_t rate_limit;       /* KMS requests per second, all sources; default 50, 0 = off */
	uint32_t source_rate_limit; /* per source address; default 5, 0 = off */
	uint32_t retries;          /* after a timeout or connection error; default 2 */
	/* Source of the MIKEY-TICKET keys: "signalling" (when NULL),
	 * "kms_sourced" or "both", as docs/config.md describes. */
	char *mode;
};

struct lime_intercept {
	char *liid;
	char **targets;
	size_t n_targets;
	int64_t start_us;          /* INT64_MIN when not given */
	int64_t end_us;            /* INT64_MAX when not given */
	char *agency;              /* name of an entry of agencies */
};

struct lime_agency {
	char *name;
	char *hi2;                 /* "host:port" */
	char *hi3;
	bool tls;
	char *ca_file;             /* optional, with tls */
	char *cert_file;
	char *key_file;
	char *authorization_country;
	char *delivery_country;
	char *operator_id;
	char *network_element_id;
	uint32_t keepalive_s;      /* default 30; 0 turns keepalives off */
	/* oid_domain_id, oid_ipmm_iri, oid_ipmm_cc; etsi_oids_default()
	 * when not given */
	struct etsi_oids oids;
};

/*
 * The management API over HTTPS (docs/management-api.md); present when the
 * section is given. control/mgmt/mgmt_yaml.c writes a configuration back
 * as YAML key by key, so a new configuration key must be added there too.
 */
struct lime_management_config {
	bool present;
	char *listen;              /* "host:port" */
	char *cert_file;           /* server certificate chain, PEM */
	char *key_file;            /* its private key, PEM */
	char *client_ca_file;      /* CA that signs the allowed client certificates */
	char *audit_file;          /* optional: audit lines are appended here */
	uint32_t max_request_bytes; /* largest request body; default 65536 */
};

struct lime_config {
	char *lcores;              /* DPDK lcore list, "0-1" */
	uint32_t workers;          /* default 1 */
	char **ports;              /* DPDK device strings */
	size_t n_ports;
	uint16_t sip_ports[LIME_MAX_SIP_PORTS];
	size_t n_sip_ports;        /* default one port: 5060 */
	struct lime_kms_config kms;
	struct lime_intercept *intercepts;
	size_t n_intercepts;
	struct lime_agency *agencies;
	size_t n_agencies;
	char *spool_dir;           /* default "/var/spool/lime" */
	char **eal_args;
	size_t n_eal_args;

	/* Optional tuning, documented in docs/config.md. */
	uint32_t stats_interval_s;     /* periodic stats log line; 0 = off; default 10 */
	uint32_t mbufs;                /* mbuf pool size; default 16383 */
	uint32_t rx_ring_size;         /* port RX descriptors; default 1024 */
	uint32_t sip_ring_size;        /* dataplane to control ring; default 4096 */
	uint32_t worker_ring_size;     /* dispatch ring per worker; default 4096 */
	uint32_t max_flows;            /* media flow table entries; default 65536 */
	uint32_t frag_max_datagrams;   /* IP datagrams under reassembly per receiving lcore; default 1000 */
	uint32_t frag_timeout_ms;      /* reassembly timeout; default 2000 */
	uint32_t tcp_max_streams;      /* SIP TCP streams tracked; default 65536 */
	uint32_t tcp_max_stream_bytes; /* per stream; default 262144 */
	uint64_t tcp_max_total_bytes;  /* all streams; default 268435456 */
	uint32_t tcp_idle_timeout_s;   /* default 3600 */
	uint32_t sip_max_message;      /* largest SIP message; default 65535 */
	uint16_t vxlan_port;           /* default 4789; 0 disables VXLAN decap */
	uint32_t max_dialogs;          /* SIP calls tracked at once; default 100000 */
	uint32_t dialog_timeout_s;     /* confirmed call without SIP; default 14400 */
	uint32_t early_dialog_timeout_s; /* INVITE without final response; default 180 */
	char *metrics_listen;          /* "host:port" of the metrics endpoint, or NULL */
	uint64_t spool_quota_mb;       /* spool size limit per agency channel; 0 = the disk; default 0 */
	uint32_t keepalive_wait_s;     /* wait for a keep-aliveResponse; default 5 */
	uint32_t delivery_memory_mb;   /* records waiting in memory for their LEA; default 64 */
	char *io_backend;              /* "auto" (NULL), "io_uring" or "epoll": KMS client and delivery */
	struct lime_management_config management;
};

/*
 * Load and validate FILE. On error returns NULL and writes one line into
 * err (naming the key, the value and what to do).
 */
struct lime_config *lime_config_load(const char *path, char *err, size_t err_len);

/*
 * Parse and validate a configuration held in memory: len bytes of YAML at
 * buf, which need no NUL terminator. Errors are reported as by
 * lime_config_load. The caller wipes buf if it contains key material.
 */
struct lime_config *lime_config_load_buffer(const char *buf, size_t len,
					    char *err, size_t err_len);

/* Free a configuration, wiping key material. NULL is accepted. */
void lime_config_free(struct lime_config *cfg);

#endif
