/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Entry point of the MIKEY side: parses a message, hands it to the Request
 * or Resolve handler, turns a failure into a MIKEY Error message and logs
 * one line per exchange.
 */
#include "tools/kms/kms.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "lib/util/log.h"
#include "tools/kms/kms_internal.h"
#include "tools/kms/kms_report_store.h"
#include "tools/kms/kms_ticket.h"

/* Maximum bytes of an identity shown in a log line. */
#define LOG_TEXT_MAX 96

int kms_init(struct kms *kms, const struct kms_config *cfg)
{
	memset(kms, 0, sizeof(*kms));
	kms->cfg = cfg;
	if (cfg->ticket_key_set)
		memcpy(kms->ticket_key, cfg->ticket_key, KMS_TICKET_KEY_BYTES);
	else if (RAND_bytes(kms->ticket_key, KMS_TICKET_KEY_BYTES) != 1)
		return -1;
	kms->reports = kms_report_store_new(cfg->reports.max_reports,
					    cfg->reports.retention_s);
	if (kms->reports == NULL)
		return -1;
	return kms_ticket_key_id(kms->ticket_key, kms->ticket_key_id);
}

void kms_fini(struct kms *kms)
{
	OPENSSL_cleanse(kms->ticket_key, sizeof(kms->ticket_key));
	kms_report_store_free(kms->reports);
	kms->reports = NULL;
}

/* Writes an identity for the log: printable ASCII as is, other bytes as
 * \xNN, cut after LOG_TEXT_MAX bytes, "-" when empty. */
static void format_text(char *out, size_t cap, struct mikey_slice s)
{
	size_t used = 0;

	if (s.len == 0) {
		snprintf(out, cap, "-");
		return;
	}
	for (size_t i = 0; i < s.len && i < LOG_TEXT_MAX && used + 5 < cap; i++) {
		uint8_t c = s.p[i];

		if (c > 0x20 && c < 0x7f && c != '"' && c != '\\')
			out[used++] = (char)c;
		else
			used += (size_t)snprintf(out + used, cap - used, "\\x%02x", c);
	}
	if (s.len > LOG_TEXT_MAX && used + 4 < cap) {
		memcpy(out + used, "...", 3);
		used += 3;
	}
	out[used] = '\0';
}

static void log_exchange(const char *peer, const struct mikey_msg *msg,
			 const struct kms_exchange_log *log,
			 const struct kms_fail *fail)
{
	char identity[4 * LOG_TEXT_MAX + 8], initiator[4 * LOG_TEXT_MAX + 8];

	format_text(identity, sizeof(identity), log->identity);
	format_text(initiator, sizeof(initiator), log->initiator);
	if (fail == NULL)
		LOG_INFO("exchange peer=%s type=%s role=%s identity=%s "
			 "initiator=%s ticket=%s outcome=ok", peer,
			 mikey_data_type_name(msg->hdr.data_type), log->role,
			 identity, initiator, log->ticket[0] ? log->ticket : "-");
	else
		LOG_NOTICE("exchange peer=%s type=%s role=%s identity=%s "
			   "initiator=%s ticket=%s outcome=error error=%u "
			   "reason=\"%s\"", peer,
			   mikey_data_type_name(msg->hdr.data_type), log->role,
			   identity, initiator, log->ticket[0] ? log->ticket : "-",
			   fail->error_no, fail->reason);
}

/*
 * Writes the Error message of RFC 6043 (HDR, T, ERR). It carries no V: the
 * sender may be unknown or unauthenticated, and TLS already authenticates
 * the KMS to the client.
 */
static int build_error(const struct mikey_msg *msg, uint8_t error_no,
		       int64_t now_us, uint8_t *out, size_t cap, size_t *len)
{
	struct mikey_builder b;

	mikey_builder_init(&b, out, cap);
	mikey_put_hdr_simple(&b, MIKEY_DT_ERROR, false, msg->hdr.prf_func,
			     msg->hdr.csb_id, MIKEY_MAP_EMPTY);
	mikey_put_t(&b, MIKEY_TS_NTP_UTC, kms_ntp_utc(now_us));
	mikey_put_err(&b, error_no);
	return mikey_builder_finish(&b, len) == MIKEY_OK ? 0 : -1;
}

static int dispatch(struct kms *kms, const struct kms_request_msg *req,
		    uint8_t *out, size_t cap, size_t *out_len,
		    struct kms_exchange_log *log, struct kms_fail *fail)
{
	switch (req->msg->hdr.data_type) {
	case MIKEY_DT_REQUEST_INIT_PSK:
		return kms_handle_request(kms, req, out, cap, out_len, log, fail);
	case MIKEY_DT_RESOLVE_INIT_PSK:
		if (kms_report_is_report(req->msg))
			return kms_handle_key_report(kms, req, out, cap, out_len, log, fail);
		if (kms_report_is_fetch(req->msg))
			return kms_handle_report_fetch(kms, req, out, cap, out_len, log, fail);
		return kms_handle_resolve(kms, req, out, cap, out_len, log, fail);
	default:
		return kms_fail(fail, MIKEY_ERRNO_INVALID_DT,
				"this KMS handles REQUEST_INIT_PSK and "
				"RESOLVE_INIT_PSK only");
	}
}

/* Parses the body; returns NULL when it is a MIKEY message, or why not. */
static const char *parse_message(const uint8_t *msg, size_t len,
				 struct mikey_msg *parsed, struct mikey_error *err)
{
	if (len == 0)
		return "empty body";
	if (len > KMS_MESSAGE_MAX)
		return "body too large";
	if (mikey_parse(msg, len, parsed, err) != MIKEY_OK)
		return err->msg;
	/* The response MAC covers the whole request, so leave no doubt
	 * about where it ends. */
	if (parsed->trailing_bytes != 0)
		return "bytes after the last payload";
	return NULL;
}

enum kms_exchange_result kms_exchange(struct kms *kms, const uint8_t *msg,
				      size_t len, int64_t now_us,
				      const char *peer, uint8_t *out,
				      size_t cap, size_t *out_len)
{
	struct mikey_msg parsed;
	struct mikey_error err;
	struct kms_exchange_log log;
	struct kms_fail fail;
	struct kms_request_msg req = { msg, len, &parsed, now_us };
	const char *not_mikey;

	memset(&log, 0, sizeof(log));
	log.role = "-";
	not_mikey = parse_message(msg, len, &parsed, &err);
	if (not_mikey != NULL) {
		kms->stats.not_mikey++;
		LOG_NOTICE("exchange peer=%s outcome=not_mikey reason=\"%s\"",
			   peer, not_mikey);
		return KMS_EXCHANGE_NOT_MIKEY;
	}

	if (dispatch(kms, &req, out, cap, out_len, &log, &fail) == 0) {
		kms->stats.exchanges_ok++;
		log_exchange(peer, &parsed, &log, NULL);
		return KMS_EXCHANGE_RESPONDED;
	}
	kms->stats.exchanges_failed++;
	log_exchange(peer, &parsed, &log, &fail);
	if (build_error(&parsed, fail.error_no, now_us, out, cap, out_len) != 0) {
		/* Only a cap below KMS_MESSAGE_MAX gets here. */
		LOG_ERR("exchange peer=%s: the Error message does not fit in %zu bytes",
			peer, cap);
		return KMS_EXCHANGE_NOT_MIKEY;
	}
	return KMS_EXCHANGE_RESPONDED;
}
