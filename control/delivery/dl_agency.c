/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Agencies: their settings from the configuration, and the changes a
 * reload brings (commands applied in the I/O thread).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "control/delivery/dl_internal.h"
#include "lib/util/log.h"

/* Used when an agency has no operator_id, which the PSHeader requires. */
#define DEFAULT_OPERATOR_ID "lime"

static char *dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static void copy_text(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src != NULL ? src : "");
}

static void fill_etsi(struct etsi_agency *e, const struct lime_agency *a)
{
	memset(e, 0, sizeof(*e));
	e->oids = a->oids;
	copy_text(e->auth_cc, sizeof(e->auth_cc), a->authorization_country);
	copy_text(e->deliv_cc, sizeof(e->deliv_cc), a->delivery_country);
	copy_text(e->operator_id, sizeof(e->operator_id),
		  a->operator_id != NULL && a->operator_id[0] != '\0'
		  ? a->operator_id : DEFAULT_OPERATOR_ID);
	copy_text(e->network_element_id, sizeof(e->network_element_id),
		  a->network_element_id);
}

/* Size, modification time and inode of a file, folded into one value. */
static uint64_t file_stamp(const char *path)
{
	struct stat st;

	if (path == NULL || stat(path, &st) != 0)
		return 0;
	return (uint64_t)st.st_size * 1000003u ^
	       (uint64_t)st.st_mtim.tv_sec * 1000000007u ^
	       (uint64_t)st.st_mtim.tv_nsec ^ (uint64_t)st.st_ino << 20;
}

struct dl_agency_conf *dl_agency_conf_new(const struct lime_agency *a,
					  char *err, size_t err_len)
{
	struct dl_agency_conf *conf = calloc(1, sizeof(*conf));

	if (conf == NULL) {
		snprintf(err, err_len, "agency %s: out of memory", a->name);
		return NULL;
	}
	conf->name = strdup(a->name);
	conf->addr[DELIVERY_HI2] = dup_or_null(a->hi2);
	conf->addr[DELIVERY_HI3] = dup_or_null(a->hi3);
	conf->tls = a->tls;
	conf->ca_file = dup_or_null(a->ca_file);
	conf->cert_file = dup_or_null(a->cert_file);
	conf->key_file = dup_or_null(a->key_file);
	conf->keepalive_s = a->keepalive_s;
	fill_etsi(&conf->etsi, a);
	if (a->operator_id == NULL || a->operator_id[0] == '\0')
		LOG_WARN("agency %s has no operator_id; its PSHeaders carry operatorIdentifier \"%s\"",
			 a->name, DEFAULT_OPERATOR_ID);
	if (conf->name == NULL || conf->addr[0] == NULL || conf->addr[1] == NULL) {
		snprintf(err, err_len, "agency %s: out of memory or missing hi2/hi3",
			 a->name);
		dl_agency_conf_free(conf);
		return NULL;
	}
	conf->file_stamp[0] = file_stamp(conf->ca_file);
	conf->file_stamp[1] = file_stamp(conf->cert_file);
	conf->file_stamp[2] = file_stamp(conf->key_file);
	if (conf->tls) {
		conf->tls_ctx = dl_tls_context(conf, err, err_len);
		if (conf->tls_ctx == NULL) {
			dl_agency_conf_free(conf);
			return NULL;
		}
	}
	return conf;
}

void dl_agency_conf_free(struct dl_agency_conf *conf)
{
	if (conf == NULL)
		return;
	SSL_CTX_free(conf->tls_ctx);
	free(conf->name);
	free(conf->addr[0]);
	free(conf->addr[1]);
	free(conf->ca_file);
	free(conf->cert_file);
	free(conf->key_file);
	free(conf);
}

static bool same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

bool dl_agency_conf_same_transport(const struct dl_agency_conf *a,
				   const struct dl_agency_conf *b)
{
	return same_text(a->addr[0], b->addr[0]) &&
	       same_text(a->addr[1], b->addr[1]) && a->tls == b->tls &&
	       same_text(a->ca_file, b->ca_file) &&
	       same_text(a->cert_file, b->cert_file) &&
	       same_text(a->key_file, b->key_file) &&
	       memcmp(a->file_stamp, b->file_stamp, sizeof(a->file_stamp)) == 0;
}

struct dl_agency *dl_agency_new(struct delivery *d,
				struct dl_agency_conf *conf)
{
	struct dl_agency *ag = calloc(1, sizeof(*ag));

	if (ag == NULL)
		return NULL;
	ag->d = d;
	ag->name = strdup(conf->name);
	if (ag->name == NULL) {
		free(ag);
		return NULL;
	}
	ag->etsi = conf->etsi;
	ag->active = true;
	ag->conf = conf;
	dl_channel_init(&ag->ch[DELIVERY_HI2], d, ag, DELIVERY_HI2);
	dl_channel_init(&ag->ch[DELIVERY_HI3], d, ag, DELIVERY_HI3);
	return ag;
}

void dl_agency_free(struct dl_agency *ag)
{
	for (int i = 0; i < 2; i++) {
		struct dl_channel *ch = &ag->ch[i];

		while (!dl_queue_empty(&ch->mem))
			dl_record_unref(dl_queue_pop(&ch->mem));
		dl_conn_free(&ch->conn);
		spool_stream_close(&ch->stream);
	}
	dl_agency_conf_free(ag->conf);
	free(ag->name);
	free(ag);
}

struct dl_agency *dl_agency_find(struct delivery *d, const char *name)
{
	for (struct dl_agency *ag = d->agencies; ag != NULL; ag = ag->next) {
		if (strcmp(ag->name, name) == 0)
			return ag;
	}
	return NULL;
}

/* Runs in the I/O thread. */
void dl_agency_apply(struct dl_agency *ag, struct dl_cmd *cmd)
{
	switch (cmd->kind) {
	case DL_CMD_RECONFIGURE: {
		bool reconnect = ag->retired || ag->conf == NULL ||
				 !dl_agency_conf_same_transport(ag->conf, cmd->conf);

		/* Connections end cleanly and reconnect with the new settings.
		 * Until then they keep the old TLS context alive through their
		 * SSL objects, which hold a reference to it. */
		for (int i = 0; reconnect && i < 2; i++) {
			struct dl_conn *c = &ag->ch[i].conn;

			c->reconnect_now = true;
			c->next_attempt_ms = 0;
			c->backoff_ms = ag->d->opts.reconnect_min_ms;
			if (c->state != DL_CONN_IDLE)
				c->restart = true;
		}
		dl_agency_conf_free(ag->conf);
		ag->conf = cmd->conf;
		cmd->conf = NULL;
		ag->retired = false;
		/* Every reload or API change re-applies every agency; only a
		 * new address or TLS setting is news to the operator. */
		if (reconnect)
			LOG_NOTICE("agency %s: new settings applied; reconnecting", ag->name);
		else
			LOG_DEBUG("agency %s: settings applied", ag->name);
		break;
	}
	case DL_CMD_RETIRE:
		ag->retired = true;
		LOG_NOTICE("agency %s removed from the configuration; its records stay in the spool",
			   ag->name);
		break;
	}
}
