/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_KMS_KMS_CONFIG_H
#define LIME_TOOLS_KMS_KMS_CONFIG_H

/*
 * Configuration of lime-kms, loaded from YAML. Every key of the file maps to
 * one field here; docs/tools.md lists the keys and their defaults.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Minimum and maximum psk_hex length, in bytes after hex decoding. */
#define KMS_PSK_MIN_BYTES 16
#define KMS_PSK_MAX_BYTES 64

/* Length of the ticket protection key (TPK), in bytes. */
#define KMS_TICKET_KEY_BYTES 32

/* Maximum TGKs or TEKs in one ticket. */
#define KMS_MAX_TICKET_KEYS 8

/* Maximum configuration file size, in bytes. */
#define KMS_CONFIG_MAX_BYTES (4u * 1024 * 1024)

/* Rule for the users that may resolve a ticket (LI nodes always may). */
enum kms_responder_rule {
	KMS_RESPONDERS_ANY,        /* every configured user */
	KMS_RESPONDERS_REQUESTED,  /* the IDRr entries of the request's TP Data */
	KMS_RESPONDERS_PER_USER,   /* the initiator's responders list */
};

/* Key material a ticket carries for the media. */
enum kms_key_kind {
	KMS_KEY_KIND_TGK,
	KMS_KEY_KIND_TEK,
};

/* A user (terminal) or an LI node: its MIKEY identity and pre-shared key. */
struct kms_principal {
	char *identity;            /* ID type URI */
	uint8_t *psk;              /* wiped on free */
	size_t psk_len;
	char **responders;         /* users only, with KMS_RESPONDERS_PER_USER */
	size_t n_responders;
	bool has_responders;       /* the responders key was given */
};

struct kms_ticket_policy_config {
	uint32_t validity_s;       /* TRe - TRs; default 86400 */
	bool reusable;             /* J flag */
	bool forking;              /* I flag */
	enum kms_responder_rule responders;
	enum kms_key_kind key_type;
	uint32_t key_count;        /* 1 to KMS_MAX_TICKET_KEYS */
	uint32_t key_length;       /* 16 or 32 bytes */
	bool salt;                 /* a 14-byte salt with each key */
};

/* Key reports of terminals and their fetching by LI nodes. */
struct kms_reports_config {
	bool accept;               /* terminals may report; default true */
	bool li_fetch;             /* LI nodes may fetch; default true */
	uint32_t retention_s;      /* kept this long after storing; default 86400 */
	uint32_t max_reports;      /* the oldest go first beyond this; default 100000 */
};

struct kms_config {
	char *listen;              /* "ADDR:PORT" as written */
	struct sockaddr_storage listen_addr;
	socklen_t listen_addr_len;
	char *path;                /* request target, default "/mikey" */
	char *cert_file;
	char *key_file;
	char *ca_file;             /* optional: require client certificates */
	char *kms_identity;        /* IDRkms, ID type URI */
	uint8_t ticket_key[KMS_TICKET_KEY_BYTES];
	bool ticket_key_set;       /* ticket_key_hex was given */
	uint32_t max_connections;
	uint32_t idle_timeout_s;
	uint32_t max_clock_skew_s; /* 0 turns the T check off */
	int64_t clock_offset_s;    /* added to the system clock */
	struct kms_principal *users;
	size_t n_users;
	struct kms_principal *li_nodes;
	size_t n_li_nodes;
	struct kms_ticket_policy_config ticket;
	struct kms_reports_config reports;
};

/*
 * Loads and checks a configuration file. Returns NULL with a one-line
 * message in err ("line 4: unknown key ...") on any problem.
 */
struct kms_config *kms_config_load(const char *path, char *err, size_t err_len);

/* Same for a configuration already in memory. */
struct kms_config *kms_config_load_buffer(const char *buf, size_t len,
					  char *err, size_t err_len);

/* Frees a configuration and wipes its keys. NULL is allowed. */
void kms_config_free(struct kms_config *cfg);

/* Returns the user or LI node with this identity (compared byte for byte),
 * or NULL. */
const struct kms_principal *kms_config_find(const struct kms_principal *list,
					    size_t n, const uint8_t *identity,
					    size_t identity_len);

#endif
