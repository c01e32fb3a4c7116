/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mgmt/mgmt_server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "control/control.h"
#include "control/mgmt/mgmt_audit.h"
#include "control/mgmt/mgmt_http.h"
#include "control/mgmt/mgmt_mailbox.h"
#include "control/mgmt/mgmt_tls.h"
#include "control/mgmt/mgmt_yaml.h"
#include "lib/util/log.h"

/* Timeout for the TLS handshake and the whole request of a client. */
#define REQUEST_DEADLINE_MS 10000
/* Timeout for sending the response, counted from when sending starts. */
#define RESPONSE_DEADLINE_MS 5000
/* After an early response (413), unread request bytes are read and
 * dropped for this long, so that closing does not reset the connection
 * before the client has read the response. */
#define DRAIN_MS 1000
#define DRAIN_MAX_BYTES (4u * 1024 * 1024)
/* Maximum wait for the control lcore to take a change. */
#define APPLY_TIMEOUT_MS 10000

struct mgmt_server {
	struct control *c;
	const struct lime_management_config *mg;
	SSL_CTX *ctx;
	int listen_fd;
	int stop_pipe[2];
	pthread_t thread;
	FILE *audit;
	struct mgmt_mailbox mailbox;
	struct mgmt_backend backend;
};

/* One connection: its TLS session, peer and client identity. */
struct connection {
	SSL *ssl;
	int fd;                    /* non-blocking, so that every wait has a deadline */
	char peer[80];
	char subject[512];
	char fingerprint[32];
	struct timespec deadline;
};

/* ---- Backend: the live configuration and the mailbox ---- */

static struct lime_config *snapshot_live(void *ctx, const void **version,
					 char *err, size_t err_len)
{
	struct mgmt_server *s = ctx;
	struct lime_config *copy;

	pthread_mutex_lock(&s->c->state_lock);
	const struct lime_config *live = control_live_config(s->c);
	*version = live;
	copy = mgmt_candidate_build(live, NULL, err, err_len);
	pthread_mutex_unlock(&s->c->state_lock);
	return copy;
}

static int apply_candidate(void *ctx, struct lime_config *candidate, const void *version,
			   char *err, size_t err_len)
{
	struct mgmt_server *s = ctx;

	return mgmt_mailbox_submit(&s->mailbox, candidate, version, APPLY_TIMEOUT_MS,
				   err, err_len);
}

/* ---- Connections ---- */

static void set_deadline(struct connection *cn, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, &cn->deadline);
	cn->deadline.tv_sec += ms / 1000;
	cn->deadline.tv_nsec += (long)(ms % 1000) * 1000000;
	if (cn->deadline.tv_nsec >= 1000000000) {
		cn->deadline.tv_sec++;
		cn->deadline.tv_nsec -= 1000000000;
	}
}

static long remaining_ms(const struct connection *cn)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (cn->deadline.tv_sec - now.tv_sec) * 1000 +
	       (cn->deadline.tv_nsec - now.tv_nsec) / 1000000;
}

/*
 * Waits until the socket is ready for what OpenSSL needs after ret, the
 * result of an SSL call. Returns false on an error or past the deadline.
 */
static bool wait_ready(struct connection *cn, int ret)
{
	int err = SSL_get_error(cn->ssl, ret);
	struct pollfd p = {.fd = cn->fd};

	if (err == SSL_ERROR_WANT_READ)
		p.events = POLLIN;
	else if (err == SSL_ERROR_WANT_WRITE)
		p.events = POLLOUT;
	else
		return false;

	long ms = remaining_ms(cn);
	return ms > 0 && poll(&p, 1, (int)ms) > 0;
}

/* Calls SSL_read within the deadline. Returns the bytes read, or 0 when
 * none arrive. */
static int read_some(struct connection *cn, void *buf, size_t cap)
{
	for (;;) {
		int n = SSL_read(cn->ssl, buf, (int)cap);
		if (n > 0)
			return n;
		if (!wait_ready(cn, n))
			return 0;
	}
}

static void format_peer(const struct sockaddr_storage *addr, socklen_t len,
			char *out, size_t cap)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];

	if (getnameinfo((const struct sockaddr *)addr, len, host, sizeof(host), port,
			sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(out, cap, "unknown");
		return;
	}
	snprintf(out, cap, addr->ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
}

/*
 * Reads until the head and the body it announces are in buf. Returns 0,
 * an HTTP status when the head is invalid (resp set), or -1 when the
 * client closed, failed or ran past the deadline.
 */
static int read_request(struct connection *cn, size_t max_body, char *buf, size_t cap,
			size_t *used, struct mgmt_http_head *head,
			struct mgmt_response *resp)
{
	int status = 1;

	for (;;) {
		if (status == 1)
			status = mgmt_http_parse_head(buf, *used, max_body, head, resp);
		if (status > 1)
			return status;
		if (status == 0 && *used >= head->head_len + head->content_length)
			return 0;
		if (*used == cap)
			return -1;

		int n = read_some(cn, buf + *used, cap - *used);
		if (n == 0)
			return -1;
		*used += (size_t)n;
	}
}

static void send_response(struct connection *cn, const struct mgmt_response *resp)
{
	size_t len;
	char *out = mgmt_http_format(resp, &len);

	if (out == NULL) {
		LOG_ERR("management: out of memory for the response to %s", cn->peer);
		return;
	}

	/* Without partial writes, a retried SSL_write sends the whole buffer. */
	set_deadline(cn, RESPONSE_DEADLINE_MS);
	int n;
	while ((n = SSL_write(cn->ssl, out, (int)len)) <= 0) {
		if (!wait_ready(cn, n)) {
			LOG_WARN("management: sending the response to %s failed or timed out",
				 cn->peer);
			break;
		}
	}
	free(out);
}

static void drain_input(struct connection *cn)
{
	char scrap[4096];
	size_t total = 0;

	set_deadline(cn, DRAIN_MS);
	while (total < DRAIN_MAX_BYTES) {
		int n = read_some(cn, scrap, sizeof(scrap));
		if (n == 0)
			return;
		total += (size_t)n;
	}
}

static void audit(struct mgmt_server *s, const struct connection *cn,
		  const struct mgmt_http_head *head, const struct mgmt_response *resp)
{
	struct mgmt_audit_entry e = {
		.subject = cn->subject,
		.fingerprint = cn->fingerprint,
		.peer = cn->peer,
		.method = head->method,
		.path = head->path,
		.object = resp->object,
		.status = resp->status,
		.reason = resp->reason,
		.change = head->method[0] != '\0' && strcmp(head->method, "GET") != 0,
	};

	if (mgmt_audit_write(s->audit, &e) != 0)
		LOG_ERR("management: appending to the audit file \"%s\" failed: %s",
			s->mg->audit_file, strerror(errno));
}

/* Handles the one request of an established TLS connection. */
static void serve_request(struct mgmt_server *s, struct connection *cn)
{
	size_t max_body = s->mg->max_request_bytes;
	size_t cap = MGMT_HTTP_HEAD_MAX + max_body;
	struct mgmt_http_head head;
	struct mgmt_response resp;
	size_t used = 0;
	char *buf = malloc(cap);

	if (buf == NULL) {
		LOG_ERR("management: out of memory for a request of %zu bytes from %s", cap, cn->peer);
		return;
	}
	memset(&resp, 0, sizeof(resp));
	int status = read_request(cn, max_body, buf, cap, &used, &head, &resp);
	if (status < 0) {
		LOG_WARN("management: request from %s (%s) incomplete: closed, failed or "
			 "timed out after %d ms", cn->peer, cn->subject, REQUEST_DEADLINE_MS);
	} else {
		if (status == 0)
			mgmt_http_process(&s->backend, buf, used, max_body, &head, &resp);
		send_response(cn, &resp);
		audit(s, cn, &head, &resp);
		if (status > 1)
			drain_input(cn);
	}
	mgmt_response_free(&resp);
	free(buf);
}

static void serve_connection(struct mgmt_server *s, int fd, const char *peer)
{
	struct connection cn = {.fd = fd};
	char detail[256];
	int ret;

	snprintf(cn.peer, sizeof(cn.peer), "%s", peer);
	set_deadline(&cn, REQUEST_DEADLINE_MS);

	cn.ssl = SSL_new(s->ctx);
	if (cn.ssl == NULL || SSL_set_fd(cn.ssl, fd) != 1) {
		LOG_ERR("management: creating a TLS session for %s failed", peer);
		SSL_free(cn.ssl);
		return;
	}
	while ((ret = SSL_accept(cn.ssl)) != 1) {
		if (wait_ready(&cn, ret))
			continue;
		mgmt_tls_error_text(detail, sizeof(detail));
		if (remaining_ms(&cn) <= 0)
			snprintf(detail, sizeof(detail), "no handshake within %d ms",
				 REQUEST_DEADLINE_MS);
		LOG_WARN("management: TLS handshake with %s rejected or timed out: %s",
			 peer, detail);
		SSL_free(cn.ssl);
		return;
	}

	mgmt_tls_client_identity(cn.ssl, cn.subject, sizeof(cn.subject),
				 cn.fingerprint, sizeof(cn.fingerprint));
	serve_request(s, &cn);
	SSL_shutdown(cn.ssl);
	SSL_free(cn.ssl);
}

/* ---- Thread ---- */

static void accept_one(struct mgmt_server *s)
{
	struct sockaddr_storage addr;
	socklen_t len = sizeof(addr);
	char peer[80];

	int fd = accept4(s->listen_fd, (struct sockaddr *)&addr, &len,
			 SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
			LOG_WARN("management: accept failed: %s", strerror(errno));
		return;
	}
	format_peer(&addr, len, peer, sizeof(peer));
	serve_connection(s, fd, peer);
	close(fd);
}

static void *server_thread(void *arg)
{
	struct mgmt_server *s = arg;
	struct pollfd fds[2] = {
		{.fd = s->listen_fd, .events = POLLIN},
		{.fd = s->stop_pipe[0], .events = POLLIN},
	};
	sigset_t all;

	/* Signals go to the main thread, and a closed peer gives EPIPE, not SIGPIPE. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			LOG_ERR("management: poll failed: %s, so the management API stops",
				strerror(errno));
			return NULL;
		}
		if (fds[1].revents != 0)
			return NULL;
		if (fds[0].revents != 0)
			accept_one(s);
	}
}

/* ---- Start and stop ---- */

/* Splits "host:port" or "[v6]:port", whose form config.c has checked. */
static int open_listener(const char *listen_addr)
{
	char host[256];
	const char *colon = strrchr(listen_addr, ':');
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
	struct addrinfo *res;
	int one = 1;

	if (colon == NULL)
		return -1;
	size_t len = (size_t)(colon - listen_addr);
	const char *start = listen_addr;
	if (len >= 2 && start[0] == '[') {
		start++;
		len -= 2;
	}
	if (len >= sizeof(host))
		return -1;
	memcpy(host, start, len);
	host[len] = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
		return -1;

	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 &&
	    (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	     bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 16) != 0)) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static void free_server(struct mgmt_server *s)
{
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->stop_pipe[0] >= 0) {
		close(s->stop_pipe[0]);
		close(s->stop_pipe[1]);
	}
	if (s->audit != NULL)
		fclose(s->audit);
	SSL_CTX_free(s->ctx);
	mgmt_mailbox_destroy(&s->mailbox);
	free(s);
}

static int open_resources(struct mgmt_server *s)
{
	const struct lime_management_config *mg = s->mg;
	char err[512];

	s->ctx = mgmt_tls_context(mg, err, sizeof(err));
	if (s->ctx == NULL) {
		LOG_ERR("%s; check the files of the management section", err);
		return -1;
	}
	if (mg->audit_file != NULL) {
		s->audit = fopen(mg->audit_file, "ae");
		if (s->audit == NULL) {
			LOG_ERR("management: opening the audit file \"%s\" failed: %s; check "
				"management.audit_file", mg->audit_file, strerror(errno));
			return -1;
		}
	}
	s->listen_fd = open_listener(mg->listen);
	if (s->listen_fd < 0) {
		LOG_ERR("management: cannot listen on %s: %s; check management.listen and "
			"that the port is free", mg->listen, strerror(errno));
		return -1;
	}
	if (pipe2(s->stop_pipe, O_CLOEXEC) != 0) {
		LOG_ERR("management: creating the stop pipe failed: %s", strerror(errno));
		s->stop_pipe[0] = s->stop_pipe[1] = -1;
		return -1;
	}
	return 0;
}

struct mgmt_server *mgmt_server_start(struct control *c,
				      const struct lime_management_config *mg)
{
	struct mgmt_server *s = calloc(1, sizeof(*s));

	if (s == NULL || mgmt_mailbox_init(&s->mailbox) != 0) {
		LOG_ERR("management: out of memory while starting the API");
		free(s);
		return NULL;
	}
	s->c = c;
	s->mg = mg;
	s->listen_fd = -1;
	s->stop_pipe[0] = s->stop_pipe[1] = -1;
	s->backend = (struct mgmt_backend){
		.ctx = s,
		.snapshot = snapshot_live,
		.apply = apply_candidate,
	};
	if (open_resources(s) != 0) {
		free_server(s);
		return NULL;
	}

	mgmt_mailbox_register(&s->mailbox);
	if (pthread_create(&s->thread, NULL, server_thread, s) != 0) {
		LOG_ERR("management: starting the API thread failed");
		mgmt_mailbox_register(NULL);
		free_server(s);
		return NULL;
	}
	LOG_INFO("management: serving https://%s/v1/ (client certificates from %s)",
		 mg->listen, mg->client_ca_file);
	return s;
}

void mgmt_server_stop(struct mgmt_server *s)
{
	if (s == NULL)
		return;
	mgmt_mailbox_stop(&s->mailbox);
	if (write(s->stop_pipe[1], "x", 1) != 1)
		LOG_ERR("management: signalling the API thread to stop failed: %s",
			strerror(errno));
	pthread_join(s->thread, NULL);
	mgmt_mailbox_register(NULL);
	free_server(s);
	LOG_INFO("management: API stopped");
}
