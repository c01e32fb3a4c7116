/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_KMS_CLIENT_H
#define LIME_KMS_CLIENT_H

/*
 * Asynchronous HTTPS client of the MIKEY-TICKET KMS (RFC 6043). Each
 * client runs one I/O thread that sends every submitted MIKEY message as
 * one HTTP/1.1 POST over a few kept-alive TLS connections. Callers submit
 * and poll without ever blocking on the network. docs/kms-client.md
 * describes timeouts, retries, the circuit breaker and the logs.
 */

#include <stddef.h>
#include <stdint.h>

/* Largest request and response body, as the KMS interface allows. */
#define KMS_CLIENT_MAX_BODY 65536

enum kms_io_backend { KMS_IO_AUTO, KMS_IO_URING, KMS_IO_EPOLL };

struct kms_client_config {
	const char *url;          /* https://host:port/path */
	const char *ca_file;      /* verify the KMS certificate against this CA; NULL: system CAs */
	const char *cert_file;    /* optional client certificate (mutual TLS) */
	const char *key_file;     /* its private key, required with cert_file */
	/* Per attempt, from the moment the request gets a connection (connect
	 * and TLS handshake included) to the full response, default 1000. */
	uint32_t timeout_ms;
	uint32_t max_connections; /* kept-alive TLS connections, default 2 */
	uint32_t max_retries;     /* after a timeout or connection error, default 2 */
	uint32_t max_in_flight;   /* requests queued or sent, default 1024; more are rejected at submit */
	uint32_t breaker_failures;   /* consecutive failures that open the breaker, default 5 */
	uint32_t breaker_open_ms;    /* how long it stays open before one trial request, default 5000 */
	enum kms_io_backend backend;
	/* Delay before the first retry, doubled for each further one. 0 means
	 * the default of 100 ms. Each delay is drawn between half and all of
	 * its value, so that clients do not retry in step. */
	uint32_t backoff_base_ms;
	uint32_t backoff_max_ms;  /* cap on one retry delay, default 2000 */
};

/* Defaults of the fields above that are 0 in a config. */
#define KMS_CLIENT_DEFAULT_TIMEOUT_MS 1000
#define KMS_CLIENT_DEFAULT_MAX_CONNECTIONS 2
#define KMS_CLIENT_DEFAULT_MAX_IN_FLIGHT 1024
#define KMS_CLIENT_DEFAULT_BREAKER_FAILURES 5
#define KMS_CLIENT_DEFAULT_BREAKER_OPEN_MS 5000
#define KMS_CLIENT_DEFAULT_BACKOFF_BASE_MS 100
#define KMS_CLIENT_DEFAULT_BACKOFF_MAX_MS 2000
/* max_retries has no "0 means default": 0 turns retries off. Callers that
 * want the default set it to this value. */
#define KMS_CLIENT_DEFAULT_MAX_RETRIES 2

/* Fills cfg with the defaults: every field above except url and the
 * files. */
void kms_client_config_init(struct kms_client_config *cfg);

enum kms_result {
	KMS_RESULT_OK,            /* 200 with an application/mikey body */
	KMS_RESULT_HTTP_ERROR,    /* another status, or a malformed HTTP response */
	KMS_RESULT_TIMEOUT,       /* no full response within timeout_ms, last attempt */
	KMS_RESULT_UNREACHABLE,   /* connection refused, reset or closed, last attempt */
	KMS_RESULT_TLS_ERROR,     /* handshake or certificate verification failed */
	KMS_RESULT_BREAKER_OPEN,  /* rejected or dropped unsent while the breaker was open */
	KMS_RESULT_OVERLOADED,    /* max_in_flight reached */
	KMS_RESULT_SHUTDOWN,      /* the client is stopping */
	KMS_RESULT_INVALID,       /* rejected at submit: empty body or above 64 KiB */
};

struct kms_response {
	uint64_t request_id;      /* as returned by kms_client_submit */
	void *user;               /* as passed to kms_client_submit */
	enum kms_result result;
	unsigned http_status;     /* 0 without an HTTP response */
	uint8_t *body;            /* the HTTP body, NULL when empty; owned by the response */
	size_t body_len;
	uint32_t attempts;        /* attempts sent, retries included */
	uint64_t latency_us;      /* submit to completion */
};

struct kms_client;

/*
 * Validates the config, creates the TLS context and starts the I/O thread.
 * Logs the backend chosen ("KMS client: io_uring" or "KMS client: epoll"
 * and why). Returns NULL with a message in err on failure. The strings of
 * cfg are copied.
 */
struct kms_client *kms_client_start(const struct kms_client_config *cfg,
				    char *err, size_t err_len);

/*
 * Queues one POST of body (copied) to the KMS without blocking on the
 * network. Returns a request id > 0, or 0 when rejected at once. Then *why
 * (when not NULL) is KMS_RESULT_OVERLOADED, KMS_RESULT_BREAKER_OPEN,
 * KMS_RESULT_SHUTDOWN or KMS_RESULT_INVALID. A rejected request produces
 * no response.
 */
uint64_t kms_client_submit(struct kms_client *c, const uint8_t *body, size_t len,
			   void *user, enum kms_result *why);

/* Takes up to max completed responses without blocking and returns how
 * many. The caller frees each with kms_response_free(). */
size_t kms_client_poll(struct kms_client *c, struct kms_response **out, size_t max);

/* Returns an eventfd that is readable exactly while responses wait to be
 * polled, for callers that sleep in poll() or epoll. Do not read it. */
int kms_client_event_fd(const struct kms_client *c);

/* Returns the number of requests submitted and not yet polled. */
size_t kms_client_pending(const struct kms_client *c);

void kms_response_free(struct kms_response *r);

/*
 * Rejects new submissions with KMS_RESULT_SHUTDOWN, waits at most drain_ms
 * for the outstanding requests, then completes the rest with
 * KMS_RESULT_SHUTDOWN. Every response stays available to poll, so callers
 * that own the user pointers call this, poll, then kms_client_stop().
 */
void kms_client_drain(struct kms_client *c, uint32_t drain_ms);

/* Drains as kms_client_drain() does, stops the I/O thread and frees the
 * client with every response not polled yet. NULL is ignored. */
void kms_client_stop(struct kms_client *c, uint32_t drain_ms);

struct kms_client_stats {
	uint64_t submitted;            /* requests accepted by kms_client_submit */
	/* Final results of completed requests, one per request. */
	uint64_t completed_ok, http_errors, timeouts, unreachable, tls_errors;
	/* Retries after a failed attempt. A request sent again because the
	 * KMS closed its kept-alive connection is not counted. */
	uint64_t retries;
	uint64_t breaker_opens;
	uint64_t rejected_overloaded, rejected_breaker;  /* at submit */
	uint64_t connections_opened;   /* TCP connections started */
	uint64_t connections_reused;   /* requests sent on a connection that carried one before */
	/* Latency of completed requests: bucket 0 counts those under 1 ms,
	 * bucket i (1 to 14) those from 2^(i-1) ms up to 2^i ms, and bucket 15
	 * those of 16384 ms or more. */
	uint64_t latency_us_buckets[16];
	uint64_t failed_breaker;       /* accepted, then dropped unsent when the breaker opened */
	uint64_t failed_shutdown;      /* completed with KMS_RESULT_SHUTDOWN */
	uint64_t rejected_shutdown, rejected_invalid;   /* at submit */
};

/* Copies the counters, safely from any thread. Each counter is read
 * atomically, but the set is not one instant's picture. */
void kms_client_stats(const struct kms_client *c, struct kms_client_stats *out);

/* Returns the name of a result ("ok", "http_error", ...), for logs. */
const char *kms_result_name(enum kms_result r);

/* Returns "io_uring" or "epoll": the backend the I/O thread uses. */
const char *kms_client_backend_name(const struct kms_client *c);

#endif
