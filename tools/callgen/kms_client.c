/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/kms_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define HOST_MAX 256
#define PATH_MAX_LEN 512
#define HEAD_MAX 16384
#define BODY_MAX 65536

struct cg_kms_client {
	char host[HOST_MAX];       /* without brackets */
	char port[8];
	char path[PATH_MAX_LEN];
	char host_header[HOST_MAX + 16];
	bool host_is_ip;
	int timeout_ms;
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
	uint64_t requests;
	uint64_t connections;
	uint8_t in[HEAD_MAX + BODY_MAX];
	size_t in_len;
};

static int fail(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Appends the first queued OpenSSL error, if any, to a message. */
static void openssl_reason(char *out, size_t cap)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(out, cap, "no OpenSSL error queued");
	else
		ERR_error_string_n(e, out, cap);
	ERR_clear_error();
}

/* Splits https://HOST[:PORT]/PATH; an IPv6 host is written in brackets. */
static int parse_url(struct cg_kms_client *c, const char *url, char *err,
		     size_t err_len)
{
	static const char scheme[] = "https://";
	const char *p = url, *host_end, *port_start = NULL, *path;
	size_t host_len;

	if (strncasecmp(p, scheme, sizeof(scheme) - 1) != 0)
		return fail(err, err_len, "invalid --kms \"%s\": the URL must start with https://", url);
	p += sizeof(scheme) - 1;
	path = strchr(p, '/');
	if (path == NULL)
		path = p + strlen(p);
	if (*p == '[') {
		host_end = memchr(p, ']', (size_t)(path - p));
		if (host_end == NULL)
			return fail(err, err_len, "invalid --kms \"%s\": missing ']' after the IPv6 address", url);
		p++;
		if (host_end[1] == ':')
			port_start = host_end + 2;
	} else {
		host_end = memchr(p, ':', (size_t)(path - p));
		if (host_end != NULL)
			port_start = host_end + 1;
		else
			host_end = path;
	}
	host_len = (size_t)(host_end - p);
	if (host_len == 0 || host_len >= sizeof(c->host))
		return fail(err, err_len, "invalid --kms \"%s\": missing or too long host", url);
	memcpy(c->host, p, host_len);
	c->host[host_len] = '\0';

	snprintf(c->port, sizeof(c->port), "443");
	if (port_start != NULL) {
		size_t port_len = (size_t)(path - port_start);
		char *end;
		unsigned long port;

		if (port_len == 0 || port_len >= sizeof(c->port))
			return fail(err, err_len, "invalid --kms \"%s\": invalid port", url);
		memcpy(c->port, port_start, port_len);
		c->port[port_len] = '\0';
		port = strtoul(c->port, &end, 10);
		if (*end != '\0' || port == 0 || port > 65535)
			return fail(err, err_len, "invalid --kms \"%s\": port must be 1 to 65535", url);
	}
	snprintf(c->path, sizeof(c->path), "%s", *path ? path : "/");
	if (strlen(path) >= sizeof(c->path))
		return fail(err, err_len, "invalid --kms \"%s\": the path is longer than %d bytes",
			    url, PATH_MAX_LEN - 1);

	struct in6_addr probe;

	c->host_is_ip = inet_pton(AF_INET, c->host, &probe) == 1 ||
			inet_pton(AF_INET6, c->host, &probe) == 1;
	snprintf(c->host_header, sizeof(c->host_header),
		 strchr(c->host, ':') ? "[%s]:%s" : "%s:%s", c->host, c->port);
	return 0;
}

static int load_certificates(struct cg_kms_client *c, const struct cg_kms_settings *s,
			     char *err, size_t err_len)
{
	char reason[256];

	c->ctx = SSL_CTX_new(TLS_client_method());
	if (c->ctx == NULL)
		return fail(err, err_len, "creating the TLS context failed");
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations(c->ctx, s->ca_file, NULL) != 1) {
		openssl_reason(reason, sizeof(reason));
		return fail(err, err_len, "cannot load --kms-ca %s: %s", s->ca_file, reason);
	}
	if (s->cert_file == NULL)
		return 0;
	if (SSL_CTX_use_certificate_chain_file(c->ctx, s->cert_file) != 1 ||
	    SSL_CTX_use_PrivateKey_file(c->ctx, s->key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(c->ctx) != 1) {
		openssl_reason(reason, sizeof(reason));
		return fail(err, err_len, "cannot load --kms-cert %s with --kms-key %s: %s",
			    s->cert_file, s->key_file, reason);
	}
	return 0;
}

struct cg_kms_client *cg_kms_client_new(const struct cg_kms_settings *s,
					char *err, size_t err_len)
{
	struct cg_kms_client *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		fail(err, err_len, "out of memory");
		return NULL;
	}
	c->fd = -1;
	c->timeout_ms = s->timeout_ms > 0 ? s->timeout_ms : 5000;
	if (parse_url(c, s->url, err, err_len) != 0 ||
	    load_certificates(c, s, err, err_len) != 0) {
		cg_kms_client_free(c);
		return NULL;
	}
	return c;
}

static void disconnect(struct cg_kms_client *c)
{
	if (c->ssl != NULL) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->in_len = 0;
}

static int open_socket(struct cg_kms_client *c, char *err, size_t err_len)
{
	struct addrinfo hints, *list = NULL;
	struct timeval tv = { c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000 };
	int enable = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(c->host, c->port, &hints, &list);
	if (rc != 0)
		return fail(err, err_len, "cannot resolve KMS host %s: %s", c->host,
			    gai_strerror(rc));
	for (struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		c->fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (c->fd < 0)
			continue;
		setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &enable, sizeof(enable));
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		rc = errno;
		close(c->fd);
		c->fd = -1;
		errno = rc;
	}
	freeaddrinfo(list);
	if (c->fd < 0)
		return fail(err, err_len, "cannot connect to the KMS at %s: %s; is lime-kms running?",
			    c->host_header, strerror(errno));
	return 0;
}

static int start_tls(struct cg_kms_client *c, char *err, size_t err_len)
{
	char reason[256];
	long verify;

	c->ssl = SSL_new(c->ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return fail(err, err_len, "creating the TLS session failed");
	if (c->host_is_ip) {
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), c->host);
	} else {
		SSL_set_tlsext_host_name(c->ssl, c->host);
		SSL_set1_host(c->ssl, c->host);
	}
	if (SSL_connect(c->ssl) == 1)
		return 0;
	verify = SSL_get_verify_result(c->ssl);
	if (verify != X509_V_OK)
		return fail(err, err_len, "the KMS certificate at %s failed verification "
			    "against --kms-ca: %s", c->host_header,
			    X509_verify_cert_error_string(verify));
	openssl_reason(reason, sizeof(reason));
	return fail(err, err_len, "TLS handshake with the KMS at %s failed: %s",
		    c->host_header, reason);
}

static int connect_kms(struct cg_kms_client *c, char *err, size_t err_len)
{
	if (open_socket(c, err, err_len) != 0)
		return -1;
	if (start_tls(c, err, err_len) != 0) {
		disconnect(c);
		return -1;
	}
	c->connections++;
	return 0;
}

static int write_all(struct cg_kms_client *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 0) {
		int n = SSL_write(c->ssl, p, (int)len);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_request(struct cg_kms_client *c, const uint8_t *body, size_t len)
{
	char head[1024];
	int n = snprintf(head, sizeof(head),
			 "POST %s HTTP/1.1\r\n"
			 "Host: %s\r\n"
			 "User-Agent: lime-callgen\r\n"
			 "Content-Type: application/mikey\r\n"
			 "Content-Length: %zu\r\n"
			 "\r\n", c->path, c->host_header, len);

	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	if (write_all(c, head, (size_t)n) != 0)
		return -1;
	return write_all(c, body, len);
}

/* Reads more bytes into c->in; returns the count, 0 at EOF, -1 on error. */
static int read_more(struct cg_kms_client *c)
{
	int n;

	if (c->in_len == sizeof(c->in))
		return -1;
	n = SSL_read(c->ssl, c->in + c->in_len, (int)(sizeof(c->in) - c->in_len));
	if (n > 0) {
		c->in_len += (size_t)n;
		return n;
	}
	return SSL_get_error(c->ssl, n) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
}

/* Returns the value of a header field in the head, or NULL. */
static const char *find_header(const char *head, const char *name, size_t *len)
{
	size_t name_len = strlen(name);

	for (const char *line = strstr(head, "\r\n"); line != NULL;
	     line = strstr(line + 2, "\r\n")) {
		const char *field = line + 2;

		if (strncasecmp(field, name, name_len) == 0 && field[name_len] == ':') {
			const char *v = field + name_len + 1;
			const char *end = strstr(v, "\r\n");

			while (*v == ' ' || *v == '\t')
				v++;
			*len = end != NULL ? (size_t)(end - v) : strlen(v);
			return v;
		}
	}
	return NULL;
}

struct http_response {
	int status;
	size_t head_len;
	size_t body_len;
	bool close;
	bool mikey_type;
	char status_line[128];
};

static int parse_head(struct cg_kms_client *c, struct http_response *r,
		      char *err, size_t err_len)
{
	char head[HEAD_MAX + 1];
	const char *v;
	size_t len;

	memcpy(head, c->in, r->head_len);
	head[r->head_len] = '\0';
	len = strcspn(head, "\r\n");
	snprintf(r->status_line, sizeof(r->status_line), "%.*s", (int)len, head);
	if (sscanf(head, "HTTP/1.%*d %d", &r->status) != 1)
		return fail(err, err_len, "the KMS answer is not HTTP/1.x: \"%s\"", r->status_line);
	v = find_header(head, "Content-Length", &len);
	if (v == NULL)
		return fail(err, err_len, "the KMS answer \"%s\" has no Content-Length",
			    r->status_line);
	r->body_len = strtoul(v, NULL, 10);
	if (r->body_len > BODY_MAX)
		return fail(err, err_len, "the KMS answer body of %zu bytes exceeds %d",
			    r->body_len, BODY_MAX);
	v = find_header(head, "Connection", &len);
	r->close = v != NULL && len >= 5 && strncasecmp(v, "close", 5) == 0;
	v = find_header(head, "Content-Type", &len);
	r->mikey_type = v != NULL && len >= 17 && strncasecmp(v, "application/mikey", 17) == 0;
	return 0;
}

/* Reads one response. *got_any is set when any byte arrived, so that a
 * connection the server closed while idle can be retried. */
static int read_response(struct cg_kms_client *c, struct http_response *r,
			 bool *got_any, char *err, size_t err_len)
{
	uint8_t *end;

	memset(r, 0, sizeof(*r));
	c->in_len = 0;
	*got_any = false;
	for (;;) {
		end = c->in_len >= 4 ? memmem(c->in, c->in_len, "\r\n\r\n", 4) : NULL;
		if (end != NULL)
			break;
		if (c->in_len >= HEAD_MAX)
			return fail(err, err_len, "the KMS answer head exceeds %d bytes", HEAD_MAX);
		if (read_more(c) <= 0)
			return fail(err, err_len, "the KMS at %s closed the connection or timed out "
				    "before answering", c->host_header);
		*got_any = true;
	}
	r->head_len = (size_t)(end - c->in) + 4;
	if (parse_head(c, r, err, err_len) != 0)
		return -1;
	while (c->in_len < r->head_len + r->body_len) {
		if (read_more(c) <= 0)
			return fail(err, err_len, "the KMS at %s closed the connection in the "
				    "middle of an answer", c->host_header);
	}
	return 0;
}

static int exchange_once(struct cg_kms_client *c, const uint8_t *body, size_t len,
			 struct http_response *r, bool *retry, char *err,
			 size_t err_len)
{
	bool got_any = false;

	*retry = false;
	if (c->ssl == NULL && connect_kms(c, err, err_len) != 0)
		return -1;
	if (send_request(c, body, len) != 0) {
		disconnect(c);
		*retry = true;
		return fail(err, err_len, "sending to the KMS at %s failed", c->host_header);
	}
	if (read_response(c, r, &got_any, err, err_len) != 0) {
		disconnect(c);
		*retry = !got_any;
		return -1;
	}
	return 0;
}

int cg_kms_post(struct cg_kms_client *c, const uint8_t *body, size_t len,
		uint8_t *resp, size_t cap, size_t *resp_len, char *err,
		size_t err_len)
{
	struct http_response r;
	bool retry = false;
	int rc;

	c->requests++;
	rc = exchange_once(c, body, len, &r, &retry, err, err_len);
	/* A kept-alive connection may have been closed by the server's idle
	 * timeout; one new connection settles that. */
	if (rc != 0 && retry && c->connections > 0)
		rc = exchange_once(c, body, len, &r, &retry, err, err_len);
	if (rc != 0)
		return -1;
	if (r.status == 200 && r.mikey_type && r.body_len <= cap) {
		memcpy(resp, c->in + r.head_len, r.body_len);
		*resp_len = r.body_len;
	}
	if (r.close)
		disconnect(c);
	if (r.status != 200)
		return fail(err, err_len, "the KMS answered \"%s\" instead of 200 OK",
			    r.status_line);
	if (!r.mikey_type)
		return fail(err, err_len, "the KMS answer has no Content-Type application/mikey");
	if (r.body_len > cap)
		return fail(err, err_len, "the KMS answer of %zu bytes exceeds %zu", r.body_len, cap);
	return 0;
}

uint64_t cg_kms_client_requests(const struct cg_kms_client *c)
{
	return c->requests;
}

uint64_t cg_kms_client_connections(const struct cg_kms_client *c)
{
	return c->connections;
}

void cg_kms_client_free(struct cg_kms_client *c)
{
	if (c == NULL)
		return;
	disconnect(c);
	SSL_CTX_free(c->ctx);
	free(c);
}
