/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/kms/kms_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/util/log.h"

/* Bytes a read may add at once. */
#define READ_CHUNK 16384

static const char mikey_type[] = "application/mikey";

void kms_session_init(struct kms_session *s, const char *peer)
{
	memset(s, 0, sizeof(*s));
	kms_buf_init(&s->in, KMS_SESSION_IN_MAX);
	snprintf(s->peer, sizeof(s->peer), "%s", peer);
}

void kms_session_free(struct kms_session *s)
{
	kms_buf_free(&s->in);
	if (s->mikey_out != NULL) {
		OPENSSL_cleanse(s->mikey_out, KMS_MESSAGE_MAX);
		free(s->mikey_out);
		s->mikey_out = NULL;
	}
}

uint8_t *kms_session_read_space(struct kms_session *s, size_t *room)
{
	size_t left = s->in.limit - s->in.len;

	*room = 0;
	if (left == 0 || kms_buf_reserve(&s->in, left < READ_CHUNK ? left : READ_CHUNK) != 0)
		return NULL;
	*room = s->in.cap - s->in.len;
	return s->in.data + s->in.len;
}

void kms_session_read_done(struct kms_session *s, size_t n)
{
	s->in.len += n;
}

bool kms_session_mid_request(const struct kms_session *s)
{
	return s->in.len > 0;
}

/* A short text body for an error status, saying what to do instead. */
static const char *error_body(int status)
{
	switch (status) {
	case 400: return "The request is not valid HTTP/1.1 or its body is not a MIKEY message.\n";
	case 404: return "No MIKEY service at this path.\n";
	case 405: return "Use POST.\n";
	case 408: return "The request was not completed in time.\n";
	case 411: return "Send the body with a Content-Length header.\n";
	case 413: return "The body is larger than 65536 bytes.\n";
	case 415: return "Send the body as Content-Type: application/mikey.\n";
	case 431: return "The request head is larger than 8192 bytes.\n";
	case 505: return "Use HTTP/1.1.\n";
	default: return "The request failed.\n";
	}
}

/* Queues an error response; close ends the connection after it. */
static void reply_error(struct kms_session *s, struct kms_buf *out, int status,
			bool close, bool head_only)
{
	const char *body = error_body(status);
	const char *allow = status == 405 ? "Allow: POST" : NULL;

	if (kms_http_write_response(out, status, "text/plain; charset=utf-8",
				    (const uint8_t *)body, strlen(body), close,
				    head_only, allow) != 0)
		close = true;
	if (close)
		s->closing = true;
}

static void log_http_error(const struct kms_session *s,
			   const struct kms_http_request *req, int status,
			   const char *reason)
{
	int method_len = req->method.len > 16 ? 16 : (int)req->method.len;
	int target_len = req->target.len > 64 ? 64 : (int)req->target.len;

	LOG_INFO("http peer=%s status=%d method=%.*s target=\"%.*s\" reason=\"%s\"",
		 s->peer, status, method_len, req->method.p, target_len,
		 req->target.p, reason);
}

/* Returns the error status of a request the KMS cannot serve, or 0. */
static int route(const struct kms *kms, const struct kms_http_request *req,
		 const char **reason)
{
	struct kms_http_text path = kms_http_target_path(req->target);
	const char *want = kms->cfg->path;

	if (path.len != strlen(want) || memcmp(path.p, want, path.len) != 0) {
		*reason = "unknown path";
		return 404;
	}
	/* Methods are case-sensitive (RFC 9110 9.1). */
	if (req->method.len != 4 || memcmp(req->method.p, "POST", 4) != 0) {
		*reason = "method is not POST";
		return 405;
	}
	if (!req->has_content_length) {
		*reason = "no Content-Length";
		return 411;
	}
	if (!req->has_content_type ||
	    !kms_http_media_type_is(req->content_type, mikey_type)) {
		*reason = "Content-Type is not application/mikey";
		return 415;
	}
	return 0;
}

/* Runs the MIKEY exchange and queues 200 with its response, or 400. */
static void respond_mikey(struct kms *kms, struct kms_session *s,
			 const struct kms_http_request *req, const uint8_t *body,
			 size_t body_len, int64_t now_us, struct kms_buf *out)
{
	size_t len = 0;

	if (s->mikey_out == NULL) {
		s->mikey_out = malloc(KMS_MESSAGE_MAX);
		if (s->mikey_out == NULL) {
			LOG_ERR("http peer=%s: out of memory for a response", s->peer);
			reply_error(s, out, 500, true, false);
			return;
		}
	}
	if (kms_exchange(kms, body, body_len, now_us, s->peer, s->mikey_out,
			 KMS_MESSAGE_MAX, &len) != KMS_EXCHANGE_RESPONDED) {
		reply_error(s, out, 400, req->close, false);
		return;
	}
	if (kms_http_write_response(out, 200, mikey_type, s->mikey_out, len,
				    req->close, false, NULL) != 0)
		s->closing = true;
	OPENSSL_cleanse(s->mikey_out, len);
	if (req->close)
		s->closing = true;
}

/*
 * Handles the request whose head is parsed once its body is complete.
 * Returns false while the body is still arriving.
 */
static bool handle_request(struct kms *kms, struct kms_session *s,
			   const struct kms_http_request *req, int64_t now_us,
			   struct kms_buf *out)
{
	bool head_only = req->method.len == 4 && memcmp(req->method.p, "HEAD", 4) == 0;
	const char *reason = NULL;
	uint64_t body_len = req->has_content_length ? req->content_length : 0;
	int status;

	/* Without a length the next request cannot be found, so respond and close. */
	if (req->has_transfer_encoding) {
		log_http_error(s, req, 411, "Transfer-Encoding is not supported");
		reply_error(s, out, 411, true, head_only);
		return true;
	}
	if (body_len > KMS_HTTP_MAX_BODY) {
		log_http_error(s, req, 413, "body too large");
		reply_error(s, out, 413, true, head_only);
		return true;
	}
	status = route(kms, req, &reason);
	if (s->in.len < req->head_len + body_len) {
		if (!req->expect_continue || s->continue_sent)
			return false;
		/* The client waits before sending the body: refuse it now and
		 * close, or let it come. */
		if (status != 0) {
			log_http_error(s, req, status, reason);
			reply_error(s, out, status, true, head_only);
			return true;
		}
		if (kms_buf_printf(out, "HTTP/1.1 100 Continue\r\n\r\n") != 0)
			s->closing = true;
		s->continue_sent = true;
		return false;
	}

	if (status != 0) {
		log_http_error(s, req, status, reason);
		reply_error(s, out, status, req->close, head_only);
	} else {
		respond_mikey(kms, s, req, s->in.data + req->head_len,
			     (size_t)body_len, now_us, out);
	}
	kms_buf_consume(&s->in, req->head_len + (size_t)body_len);
	s->continue_sent = false;
	s->requests++;
	return true;
}

bool kms_session_process(struct kms *kms, struct kms_session *s,
			 int64_t now_us, struct kms_buf *out)
{
	while (!s->closing && s->in.len > 0) {
		struct kms_http_request req;
		const char *reason = NULL;
		int status = 0;
		enum kms_http_parse_result r;

		r = kms_http_parse_head(s->in.data, s->in.len, &req, &status, &reason);
		if (r == KMS_HTTP_INCOMPLETE)
			break;
		if (r == KMS_HTTP_INVALID) {
			LOG_INFO("http peer=%s status=%d reason=\"%s\"", s->peer,
				 status, reason);
			reply_error(s, out, status, true, false);
			break;
		}
		if (!handle_request(kms, s, &req, now_us, out))
			break;
	}
	return !s->closing;
}

void kms_session_timed_out(struct kms_session *s, struct kms_buf *out)
{
	LOG_INFO("http peer=%s status=408 reason=\"request incomplete after the idle timeout\"",
		 s->peer);
	reply_error(s, out, 408, true, false);
}
