/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The callers' side of the KMS client: start, submit, poll, drain, stop
 * and statistics. Everything here is quick and never touches the network;
 * the I/O thread in kc_loop.c does that.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "kms_client/kc_internal.h"
#include "kms_client/kc_io.h"
#include "kms_client/kc_tls.h"
#include "lib/util/log.h"

uint64_t kc_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void kc_eventfd_signal(int fd)
{
	uint64_t increment = 1;
	ssize_t n;
	do {
		n = write(fd, &increment, sizeof(increment));
	} while (n < 0 && errno == EINTR);
}

void kc_eventfd_clear(int fd)
{
	uint64_t value;
	ssize_t n;
	do {
		n = read(fd, &value, sizeof(value));
	} while (n < 0 && errno == EINTR);
}

const char *kms_result_name(enum kms_result r)
{
	switch (r) {
	case KMS_RESULT_OK: return "ok";
	case KMS_RESULT_HTTP_ERROR: return "http_error";
	case KMS_RESULT_TIMEOUT: return "timeout";
	case KMS_RESULT_UNREACHABLE: return "unreachable";
	case KMS_RESULT_TLS_ERROR: return "tls_error";
	case KMS_RESULT_BREAKER_OPEN: return "breaker_open";
	case KMS_RESULT_OVERLOADED: return "overloaded";
	case KMS_RESULT_SHUTDOWN: return "shutdown";
	case KMS_RESULT_INVALID: return "invalid";
	}
	return "unknown";
}

const char *kms_client_backend_name(const struct kms_client *c)
{
	return c->io->ops->name;
}

/* Keeps the latest TLS session for resumption. OpenSSL calls it on the
 * I/O thread, which alone uses tls_session. */
static void store_session(void *arg, SSL_SESSION *session)
{
	struct kms_client *c = arg;
	SSL_SESSION_free(c->tls_session);
	c->tls_session = session;
}

/* Chooses the backend that the config requests, falling back from
 * io_uring to epoll under KMS_IO_AUTO, and logs the choice. */
static int choose_backend(struct kms_client *c, char *err, size_t err_len)
{
	char reason[200] = "";
	if (c->cfg.backend != KMS_IO_EPOLL) {
		if (kc_io_uring_new(&c->io, c->wake_fd, c->n_conns, reason, sizeof(reason)) == 0) {
			LOG_INFO("KMS client: io_uring");
			return 0;
		}
		if (c->cfg.backend == KMS_IO_URING) {
			snprintf(err, err_len, "KMS client backend io_uring is not available: %s", reason);
			return -1;
		}
	} else {
		snprintf(reason, sizeof(reason), "requested in the config");
	}
	char epoll_error[200];
	if (kc_io_epoll_new(&c->io, c->wake_fd, c->conns, c->n_conns, epoll_error,
			    sizeof(epoll_error)) != 0) {
		snprintf(err, err_len, "KMS client: %s", epoll_error);
		return -1;
	}
	LOG_INFO("KMS client: epoll (%s)", reason);
	return 0;
}

static void seed_jitter(struct kms_client *c)
{
	if (getrandom(&c->rng_state, sizeof(c->rng_state), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(c->rng_state))
		c->rng_state = kc_now_us() ^ (uint64_t)(uintptr_t)c;
	if (c->rng_state == 0)
		c->rng_state = 0x9e3779b97f4a7c15u;   /* xorshift must not start at 0 */
}

static void free_request_list(struct kc_request_list *list)
{
	struct kc_request *req;
	while ((req = TAILQ_FIRST(list))) {
		TAILQ_REMOVE(list, req, link);
		free(req->body);
		kms_response_free(&req->resp);
	}
}

/* Frees everything that start created. The I/O thread must have ended. */
static void destroy(struct kms_client *c)
{
	free_request_list(&c->submitted);
	free_request_list(&c->waiting);
	free_request_list(&c->retrying);
	free_request_list(&c->completed);
	if (c->io)
		c->io->ops->destroy(c->io);
	for (uint32_t i = 0; c->conns && i < c->n_conns; i++)
		kc_conn_destroy(&c->conns[i]);
	free(c->conns);
	SSL_SESSION_free(c->tls_session);
	SSL_CTX_free(c->ssl_ctx);
	if (c->wake_fd >= 0)
		close(c->wake_fd);
	if (c->event_fd >= 0)
		close(c->event_fd);
	kc_config_free(c);
	pthread_cond_destroy(&c->drained);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static struct kms_client *new_client(void)
{
	struct kms_client *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->drained, NULL);
	TAILQ_INIT(&c->submitted);
	TAILQ_INIT(&c->completed);
	TAILQ_INIT(&c->waiting);
	TAILQ_INIT(&c->retrying);
	c->wake_fd = -1;
	c->event_fd = -1;
	return c;
}

static int set_up(struct kms_client *c, const struct kms_client_config *cfg,
		  char *err, size_t err_len)
{
	if (kc_config_load(c, cfg, err, err_len) != 0)
		return -1;

	c->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	c->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->wake_fd < 0 || c->event_fd < 0) {
		snprintf(err, err_len, "KMS client: eventfd failed: %s", strerror(errno));
		return -1;
	}
	c->ssl_ctx = kc_tls_context_new(c->ca_file, c->cert_file, c->key_file,
					store_session, c, err, err_len);
	if (!c->ssl_ctx)
		return -1;

	c->n_conns = c->cfg.max_connections;
	c->conns = calloc(c->n_conns, sizeof(*c->conns));
	if (!c->conns) {
		snprintf(err, err_len, "KMS client: out of memory");
		return -1;
	}
	for (uint32_t i = 0; i < c->n_conns; i++)
		kc_conn_init(&c->conns[i], c, i);

	kc_breaker_init(&c->breaker, c->cfg.breaker_failures,
			(uint64_t)c->cfg.breaker_open_ms * 1000);
	seed_jitter(c);
	return choose_backend(c, err, err_len);
}

struct kms_client *kms_client_start(const struct kms_client_config *cfg,
				    char *err, size_t err_len)
{
	struct kms_client *c = new_client();
	if (!c) {
		snprintf(err, err_len, "KMS client: out of memory");
		return NULL;
	}
	if (set_up(c, cfg, err, err_len) != 0) {
		destroy(c);
		return NULL;
	}
	int r = pthread_create(&c->thread, NULL, kc_io_thread, c);
	if (r != 0) {
		snprintf(err, err_len, "KMS client: cannot start the I/O thread: %s", strerror(r));
		destroy(c);
		return NULL;
	}
	pthread_setname_np(c->thread, "kms-client");
	LOG_INFO("KMS client started: %s, %u connections, timeout %u ms, %u retries, "
		 "breaker after %u failures for %u ms", cfg->url, c->cfg.max_connections,
		 c->cfg.timeout_ms, c->cfg.max_retries, c->cfg.breaker_failures,
		 c->cfg.breaker_open_ms);
	return c;
}

static uint64_t reject(enum kms_result reason, _Atomic uint64_t *counter,
		       enum kms_result *why)
{
	atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
	if (why)
		*why = reason;
	return 0;
}

static struct kc_request *new_request(const uint8_t *body, size_t len, void *user)
{
	struct kc_request *req = calloc(1, sizeof(*req));
	uint8_t *copy = malloc(len);
	if (!req || !copy) {
		free(req);
		free(copy);
		return NULL;
	}
	memcpy(copy, body, len);
	req->body = copy;
	req->body_len = len;
	req->resp.user = user;
	req->submit_us = kc_now_us();
	return req;
}

/* Decides under the lock whether req may be queued. Returns
 * KMS_RESULT_OK or the reason to reject it. */
static enum kms_result admit(struct kms_client *c, struct kc_request *req)
{
	if (c->draining)
		return KMS_RESULT_SHUTDOWN;
	if (c->in_flight >= c->cfg.max_in_flight)
		return KMS_RESULT_OVERLOADED;
	/* Last, because admitting may turn this request into the trial. */
	if (!kc_breaker_admit(&c->breaker, req->submit_us, &req->trial))
		return KMS_RESULT_BREAKER_OPEN;
	return KMS_RESULT_OK;
}

static _Atomic uint64_t *rejection_counter(struct kms_client *c, enum kms_result r)
{
	switch (r) {
	case KMS_RESULT_SHUTDOWN: return &c->stats.rejected_shutdown;
	case KMS_RESULT_BREAKER_OPEN: return &c->stats.rejected_breaker;
	default: return &c->stats.rejected_overloaded;
	}
}

uint64_t kms_client_submit(struct kms_client *c, const uint8_t *body, size_t len,
			   void *user, enum kms_result *why)
{
	if (!body || len == 0 || len > KMS_CLIENT_MAX_BODY)
		return reject(KMS_RESULT_INVALID, &c->stats.rejected_invalid, why);
	struct kc_request *req = new_request(body, len, user);
	if (!req)
		return reject(KMS_RESULT_OVERLOADED, &c->stats.rejected_overloaded, why);

	pthread_mutex_lock(&c->lock);
	enum kms_result verdict = admit(c, req);
	if (verdict != KMS_RESULT_OK) {
		pthread_mutex_unlock(&c->lock);
		free(req->body);
		free(req);
		return reject(verdict, rejection_counter(c, verdict), why);
	}
	uint64_t id = ++c->next_id;
	req->resp.request_id = id;
	c->in_flight++;
	atomic_fetch_add_explicit(&c->pending, 1, memory_order_relaxed);
	TAILQ_INSERT_TAIL(&c->submitted, req, link);
	pthread_mutex_unlock(&c->lock);

	atomic_fetch_add_explicit(&c->stats.submitted, 1, memory_order_relaxed);
	kc_eventfd_signal(c->wake_fd);
	return id;
}

size_t kms_client_poll(struct kms_client *c, struct kms_response **out, size_t max)
{
	size_t n = 0;
	pthread_mutex_lock(&c->lock);
	struct kc_request *req;
	while (n < max && (req = TAILQ_FIRST(&c->completed))) {
		TAILQ_REMOVE(&c->completed, req, link);
		out[n++] = &req->resp;
	}
	if (n > 0 && TAILQ_EMPTY(&c->completed))
		kc_eventfd_clear(c->event_fd);
	atomic_fetch_sub_explicit(&c->pending, n, memory_order_relaxed);
	pthread_mutex_unlock(&c->lock);
	return n;
}

int kms_client_event_fd(const struct kms_client *c)
{
	return c->event_fd;
}

size_t kms_client_pending(const struct kms_client *c)
{
	return atomic_load_explicit(&c->pending, memory_order_relaxed);
}

void kms_response_free(struct kms_response *r)
{
	if (!r)
		return;
	free(r->body);
	/* The response is the first member of its request. */
	free((struct kc_request *)r);
}

void kms_client_drain(struct kms_client *c, uint32_t drain_ms)
{
	uint64_t deadline = kc_now_us() + (uint64_t)drain_ms * 1000;
	pthread_mutex_lock(&c->lock);
	if (!c->draining || deadline < c->drain_deadline_us)
		c->drain_deadline_us = deadline;
	c->draining = true;
	pthread_mutex_unlock(&c->lock);
	kc_eventfd_signal(c->wake_fd);

	pthread_mutex_lock(&c->lock);
	while (c->in_flight > 0)
		pthread_cond_wait(&c->drained, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

void kms_client_stop(struct kms_client *c, uint32_t drain_ms)
{
	if (!c)
		return;
	kms_client_drain(c, drain_ms);

	pthread_mutex_lock(&c->lock);
	c->quit = true;
	size_t unpolled = atomic_load_explicit(&c->pending, memory_order_relaxed);
	pthread_mutex_unlock(&c->lock);
	kc_eventfd_signal(c->wake_fd);
	pthread_join(c->thread, NULL);

	LOG_INFO("KMS client stopped: %llu requests submitted, %llu ok, %llu failed with "
		 "shutdown, %zu responses not polled",
		 (unsigned long long)c->stats.submitted,
		 (unsigned long long)c->stats.completed_ok,
		 (unsigned long long)c->stats.failed_shutdown, unpolled);
	destroy(c);
}

void kms_client_stats(const struct kms_client *c, struct kms_client_stats *out)
{
	const struct kc_stats *s = &c->stats;
#define LOAD(field) atomic_load_explicit(&s->field, memory_order_relaxed)
	memset(out, 0, sizeof(*out));
	out->submitted = LOAD(submitted);
	out->completed_ok = LOAD(completed_ok);
	out->http_errors = LOAD(http_errors);
	out->timeouts = LOAD(timeouts);
	out->unreachable = LOAD(unreachable);
	out->tls_errors = LOAD(tls_errors);
	out->retries = LOAD(retries);
	out->breaker_opens = LOAD(breaker_opens);
	out->rejected_overloaded = LOAD(rejected_overloaded);
	out->rejected_breaker = LOAD(rejected_breaker);
	out->connections_opened = LOAD(connections_opened);
	out->connections_reused = LOAD(connections_reused);
	for (size_t i = 0; i < 16; i++)
		out->latency_us_buckets[i] = LOAD(latency_us_buckets[i]);
	out->failed_breaker = LOAD(failed_breaker);
	out->failed_shutdown = LOAD(failed_shutdown);
	out->rejected_shutdown = LOAD(rejected_shutdown);
	out->rejected_invalid = LOAD(rejected_invalid);
#undef LOAD
}
