/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_KMS_CLIENT_INTERNAL_H
#define LIME_KMS_CLIENT_INTERNAL_H

/*
 * State shared by the files of the KMS client. Fields marked "lock" are
 * read and written under kms_client.lock by callers and the I/O thread;
 * the other mutable fields belong to the I/O thread alone.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <openssl/ssl.h>

#include "kms_client/kc_breaker.h"
#include "kms_client/kc_conn.h"
#include "kms_client/kc_log.h"
#include "kms_client/kc_url.h"
#include "kms_client/kms_client.h"

/* Largest max_connections accepted. */
#define KC_MAX_CONNECTIONS 256

/*
 * One submitted request. The response is its first member, so that the
 * caller's kms_response_free() frees the whole request, and completing a
 * request never needs an allocation that could fail.
 */
struct kc_request {
	struct kms_response resp;
	TAILQ_ENTRY(kc_request) link;
	uint8_t *body;             /* the MIKEY message, freed at completion */
	size_t body_len;
	uint64_t submit_us;        /* CLOCK_MONOTONIC */
	uint64_t retry_at_us;      /* while in kms_client.retrying */
	uint32_t failures;         /* failed attempts, against max_retries */
	bool trial;                /* the circuit breaker's trial request */
	bool stale_resend_used;    /* resent once after a stale keep-alive connection */
	enum kms_result last_result;   /* of the last failed attempt */
	unsigned last_status;
	struct kc_conn *conn;      /* while an attempt runs */
};

TAILQ_HEAD(kc_request_list, kc_request);

/* Counters of struct kms_client_stats, updated with relaxed atomics. */
struct kc_stats {
	_Atomic uint64_t submitted, completed_ok, http_errors, timeouts;
	_Atomic uint64_t unreachable, tls_errors, retries, breaker_opens;
	_Atomic uint64_t rejected_overloaded, rejected_breaker;
	_Atomic uint64_t connections_opened, connections_reused;
	_Atomic uint64_t latency_us_buckets[16];
	_Atomic uint64_t failed_breaker, failed_shutdown;
	_Atomic uint64_t rejected_shutdown, rejected_invalid;
};

struct kms_client {
	/* Copies of the config, defaults filled in. */
	struct kms_client_config cfg;
	char *ca_file, *cert_file, *key_file;
	struct kc_url url;
	SSL_CTX *ssl_ctx;

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t drained;    /* signalled when in_flight drops to 0 */

	struct kc_request_list submitted;   /* lock: from callers to the I/O thread */
	struct kc_request_list completed;   /* lock: from the I/O thread to poll */
	size_t in_flight;          /* lock: accepted and not completed */
	_Atomic size_t pending;    /* accepted and not polled; written under lock */
	uint64_t next_id;          /* lock */
	bool draining;             /* lock: submissions rejected with SHUTDOWN */
	uint64_t drain_deadline_us;    /* lock */
	bool quit;                 /* lock: the I/O thread exits once drained */
	struct kc_breaker breaker; /* lock */

	int wake_fd;               /* eventfd: callers wake the I/O thread */
	int event_fd;              /* eventfd: readable while completed is not empty */
	struct kc_stats stats;

	/* I/O thread only. */
	struct kc_io *io;
	struct kc_conn *conns;
	uint32_t n_conns;
	struct kc_request_list waiting;     /* to send, in order */
	struct kc_request_list retrying;    /* waiting for retry_at_us */
	uint64_t rng_state;
	struct kc_log_limit attempt_log;
	SSL_SESSION *tls_session;  /* latest session, to resume on new connections */
};

/* Returns CLOCK_MONOTONIC in microseconds. */
uint64_t kc_now_us(void);

/* I/O thread entry point (kc_loop.c). */
void *kc_io_thread(void *arg);

/* Adds 1 to the counter of an eventfd, which makes it readable. */
void kc_eventfd_signal(int fd);

/* Reads and discards an eventfd's counter. */
void kc_eventfd_clear(int fd);

/*
 * The end of an attempt, as the connection reports it to the loop. body is
 * malloc'ed and moves to the response. reason explains a failure for the
 * log and never contains key material.
 */
struct kc_outcome {
	enum kms_result result;
	unsigned http_status;
	uint8_t *body;
	size_t body_len;
	bool retryable;            /* a timeout or a connection failure */
	const char *reason;
};

/* Handles the end of an attempt: retries it, or completes the request
 * (kc_outcome.c). The request is no longer attached to a connection. */
void kc_attempt_finished(struct kms_client *c, struct kc_request *req,
			 struct kc_outcome *o);

/* Puts a request back at the head of the queue without counting a failed
 * attempt, because the server closed its keep-alive connection before the
 * request reached it (kc_outcome.c). */
void kc_request_resend(struct kms_client *c, struct kc_request *req);

/* Hands a request to the callers with its final result (kc_complete.c).
 * body, when not NULL, is malloc'ed and moves to the response. */
void kc_request_complete(struct kms_client *c, struct kc_request *req,
			 enum kms_result result, unsigned http_status, uint8_t *body,
			 size_t body_len);

/* Completes a request with a result and no HTTP response (kc_complete.c). */
void kc_request_fail(struct kms_client *c, struct kc_request *req,
		     enum kms_result result);

/* Copies a config with defaults filled in, and checks it (kc_config.c).
 * Returns 0, or -1 with a message in err. */
int kc_config_load(struct kms_client *c, const struct kms_client_config *cfg,
		   char *err, size_t err_len);
void kc_config_free(struct kms_client *c);

#endif
