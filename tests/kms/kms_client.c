/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kms_client: a terminal and LI node for testing lime-kms over HTTPS.
 *
 *   kms_client [options] request ID PSK_HEX STATE
 *       Runs the Ticket Request as initiator ID and writes the ticket and
 *       the key material obtained to the file STATE.
 *   kms_client [options] resolve ID PSK_HEX STATE responder|li
 *       Resolves the ticket in STATE, then checks the keys obtained
 *       against the initiator's. A responder gets them forked when the
 *       ticket has the I flag, an LI node always unchanged.
 *   kms_client [options] flow INIT_ID INIT_PSK RESP_ID RESP_PSK LI_ID LI_PSK
 *       Request, Resolve as responder and Resolve as LI node, on one TLS
 *       connection. Prints how many connections were used.
 *
 * Prints one line per exchange. Exit status 0 when every exchange ended as
 * expected (a response whose V verifies, or with --expect-error N a MIKEY
 * Error number N), 1 otherwise, 2 for bad options.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tests/kms/kms_client_msg.h"

#define MSG_MAX 65536
#define RESPONSE_MAX (MSG_MAX + 8192)

struct options {
	const char *host;
	unsigned port;
	const char *path;
	const char *ca_file;
	const char *cert_file;
	const char *key_file;
	const char *kms_identity;
	long clock_offset_s;
	int prf_func;
	int auth_alg;
	bool no_idrkms;
	bool flip_mac;
	int expect_error;              /* -1: expect success */
	const char *save_request;
	const char *responders[KMSC_MAX_RESPONDERS];
	size_t n_responders;
};

/* One TLS connection to the KMS, reopened when the server closes it. */
struct client {
	const struct options *opt;
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
	unsigned connections;
	unsigned requests;
	uint8_t in[RESPONSE_MAX];
	size_t in_len;
};

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "kms_client: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

/* ---- TLS and HTTP ---- */

static void client_close(struct client *c)
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

static int client_connect(struct client *c)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons((uint16_t)c->opt->port) };

	if (inet_pton(AF_INET, c->opt->host, &addr.sin_addr) != 1) {
		fprintf(stderr, "kms_client: --server needs a numeric IPv4 address\n");
		return -1;
	}
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		fprintf(stderr, "kms_client: connect to %s:%u failed: %s\n",
			c->opt->host, c->opt->port, strerror(errno));
		return -1;
	}
	c->ssl = SSL_new(c->ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return -1;
	/* The test certificate names the address: check it like a client
	 * that connects by IP does. */
	X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), c->opt->host);
	if (SSL_connect(c->ssl) != 1) {
		char err[256];

		ERR_error_string_n(ERR_get_error(), err, sizeof(err));
		fprintf(stderr, "kms_client: TLS handshake failed: %s\n", err);
		return -1;
	}
	c->connections++;
	return 0;
}

static int write_all(struct client *c, const void *p, size_t n)
{
	while (n > 0) {
		int w = SSL_write(c->ssl, p, (int)n);

		if (w <= 0)
			return -1;
		p = (const uint8_t *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_more(struct client *c)
{
	int n;

	if (c->in_len == sizeof(c->in))
		return -1;
	n = SSL_read(c->ssl, c->in + c->in_len, (int)(sizeof(c->in) - c->in_len));
	if (n <= 0)
		return -1;
	c->in_len += (size_t)n;
	return 0;
}

/* Finds a header value (case-insensitive name) in the head; NULL if none. */
static const char *header_value(const char *head, const char *name)
{
	size_t n = strlen(name);

	for (const char *line = strstr(head, "\r\n"); line != NULL;
	     line = strstr(line + 2, "\r\n")) {
		if (strncasecmp(line + 2, name, n) == 0 && line[2 + n] == ':')
			return line + 3 + n;
	}
	return NULL;
}

/* Posts body and reads the response. Returns the HTTP status, or -1. */
static int post(struct client *c, const uint8_t *body, size_t len,
		uint8_t *response, size_t cap, size_t *response_len)
{
	char head[512], *end;
	const char *value;
	size_t head_len, body_len;
	int status, n;
	bool close_after;

	if (c->ssl == NULL && client_connect(c) != 0)
		return -1;
	n = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: %s:%u\r\n"
		     "Content-Type: application/mikey\r\nContent-Length: %zu\r\n\r\n",
		     c->opt->path, c->opt->host, c->opt->port, len);
	if (write_all(c, head, (size_t)n) != 0 || write_all(c, body, len) != 0)
		return -1;
	c->requests++;

	for (;;) {
		uint8_t *sep = memmem(c->in, c->in_len, "\r\n\r\n", 4);

		if (sep != NULL) {
			head_len = (size_t)(sep - c->in) + 4;
			break;
		}
		if (read_more(c) != 0)
			return -1;
	}
	if (head_len >= sizeof(head))
		return -1;
	memcpy(head, c->in, head_len);
	head[head_len] = '\0';
	if (sscanf(head, "HTTP/1.1 %d", &status) != 1)
		return -1;
	value = header_value(head, "Content-Length");
	if (value == NULL)
		return -1;
	body_len = strtoul(value, &end, 10);
	while (c->in_len < head_len + body_len) {
		if (read_more(c) != 0)
			return -1;
	}
	if (body_len > cap)
		return -1;
	memcpy(response, c->in + head_len, body_len);
	*response_len = body_len;
	value = header_value(head, "Connection");
	close_after = value != NULL && strstr(value, "close") != NULL;
	memmove(c->in, c->in + head_len + body_len, c->in_len - head_len - body_len);
	c->in_len -= head_len + body_len;
	if (close_after)
		client_close(c);
	return status;
}

/* ---- State file: the initiator's ticket and keys, as hex lines ---- */

static void write_hex(FILE *f, const char *name, const uint8_t *p, size_t n)
{
	fprintf(f, "%s ", name);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fprintf(f, "%s\n", n == 0 ? "-" : "");
}

static void write_key(FILE *f, const char *name, const struct kmsc_key *k)
{
	fprintf(f, "%s %u\n", name, k->type);
	write_hex(f, "  key", k->key, k->key_len);
	write_hex(f, "  salt", k->salt, k->salt_len);
	write_hex(f, "  spi", k->spi, k->spi_len);
}

static int save_state(const char *path, const struct kmsc_ticket *t,
		      const struct kmsc_keys *k)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fprintf(f, "policy %u %u %u %u %u\n", t->policy.ticket_type,
		t->policy.subtype, t->policy.version, t->policy.prf_func,
		t->policy.flags);
	write_hex(f, "tp_data", t->tp_data, t->policy.tp_data.len);
	write_hex(f, "ticket_data", t->ticket_data, t->ticket_data_len);
	write_key(f, "mpki", &k->mpki);
	if (k->has_mpkr)
		write_key(f, "mpkr", &k->mpkr);
	for (size_t i = 0; i < k->n_keys; i++)
		write_key(f, "key", &k->keys[i]);
	return fclose(f) == 0 ? 0 : -1;
}

static bool read_hex(FILE *f, const char *name, uint8_t *out, size_t cap,
		     size_t *len)
{
	char label[32], hex[2 * 16384 + 2];

	if (fscanf(f, "%31s %32769s", label, hex) != 2 || strcmp(label, name) != 0)
		return false;
	*len = 0;
	if (strcmp(hex, "-") == 0)
		return true;
	for (size_t i = 0; hex[2 * i] != '\0'; i++) {
		unsigned v;

		if (i == cap || sscanf(hex + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (uint8_t)v;
		*len = i + 1;
	}
	return true;
}

static bool read_key(FILE *f, struct kmsc_key *k)
{
	unsigned type;

	if (fscanf(f, "%u", &type) != 1)
		return false;
	k->type = (uint8_t)type;
	return read_hex(f, "key", k->key, sizeof(k->key), &k->key_len) &&
	       read_hex(f, "salt", k->salt, sizeof(k->salt), &k->salt_len) &&
	       read_hex(f, "spi", k->spi, sizeof(k->spi), &k->spi_len);
}

static int load_state(const char *path, struct kmsc_ticket *t,
		      struct kmsc_keys *k)
{
	FILE *f = fopen(path, "r");
	unsigned type, subtype, version, prf, flags;
	char label[32];
	bool ok;

	memset(k, 0, sizeof(*k));
	memset(t, 0, sizeof(*t));
	if (f == NULL)
		return -1;
	ok = fscanf(f, "policy %u %u %u %u %u", &type, &subtype, &version, &prf,
		    &flags) == 5 &&
	     read_hex(f, "tp_data", t->tp_data, sizeof(t->tp_data),
		      &t->policy.tp_data.len) &&
	     read_hex(f, "ticket_data", t->ticket_data, sizeof(t->ticket_data),
		      &t->ticket_data_len);
	t->policy.ticket_type = (uint16_t)type;
	t->policy.subtype = (uint8_t)subtype;
	t->policy.version = (uint8_t)version;
	t->policy.prf_func = (uint8_t)prf;
	t->policy.flags = (uint16_t)flags;
	t->policy.tp_data.p = t->tp_data;
	while (ok && fscanf(f, "%31s", label) == 1) {
		if (strcmp(label, "mpki") == 0) {
			ok = read_key(f, &k->mpki);
		} else if (strcmp(label, "mpkr") == 0) {
			k->has_mpkr = true;
			ok = read_key(f, &k->mpkr);
		} else if (strcmp(label, "key") == 0 && k->n_keys < KMSC_MAX_KEYS) {
			ok = read_key(f, &k->keys[k->n_keys++]);
		} else {
			ok = false;
		}
	}
	fclose(f);
	return ok ? 0 : -1;
}

/* ---- Exchanges ---- */

static int64_t now_us(const struct options *o)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec + o->clock_offset_s) * 1000000 + ts.tv_nsec / 1000;
}

static size_t parse_psk(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	if (strlen(hex) % 2 != 0 || n > cap || n == 0)
		die("invalid PSK \"%s\": give hex digits", hex);
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			die("invalid PSK \"%s\": give hex digits", hex);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void params_for(const struct options *o, struct kmsc_params *p,
		       const char *identity, const uint8_t *psk, size_t psk_len)
{
	kmsc_params_init(p, identity, psk, psk_len, o->kms_identity, now_us(o));
	if (o->prf_func >= 0)
		p->prf_func = p->tp_prf_func = (uint8_t)o->prf_func;
	if (o->auth_alg >= 0)
		p->auth_alg = (uint8_t)o->auth_alg;
	p->send_idrkms = !o->no_idrkms;
	p->flip_mac = o->flip_mac;
	memcpy(p->responders, o->responders, sizeof(o->responders));
	p->n_responders = o->n_responders;
}

static void save_request(const struct options *o, const uint8_t *msg, size_t len)
{
	FILE *f;

	if (o->save_request == NULL)
		return;
	f = fopen(o->save_request, "wb");
	if (f == NULL || fwrite(msg, 1, len, f) != len || fclose(f) != 0)
		die("cannot write \"%s\"", o->save_request);
}

/*
 * Sends one initial message and reads the response. Returns 0 when the
 * outcome is the one the options expect. keys (and ticket for a Request)
 * are set when the exchange succeeded.
 */
static int run_exchange(struct client *c, const struct kmsc_params *p,
			const uint8_t *msg, size_t len, uint8_t resp_type,
			const char *label, struct kmsc_keys *keys,
			struct kmsc_ticket *ticket, bool *succeeded)
{
	static uint8_t response[RESPONSE_MAX];
	size_t response_len = 0;
	char reason[200] = "";
	int error_no = -1, status;
	enum kmsc_result r;

	*succeeded = false;
	save_request(c->opt, msg, len);
	status = post(c, msg, len, response, sizeof(response), &response_len);
	if (status != 200) {
		printf("%s: HTTP status %d instead of 200\n", label, status);
		return -1;
	}
	r = kmsc_read_response(p, msg, len, response, response_len, resp_type, keys,
			       ticket, &error_no, reason, sizeof(reason));
	if (r == KMSC_INVALID) {
		printf("%s: invalid response: %s\n", label, reason);
		return -1;
	}
	if (r == KMSC_MIKEY_ERROR) {
		printf("%s: MIKEY Error %d\n", label, error_no);
		return c->opt->expect_error == error_no ? 0 : -1;
	}
	*succeeded = true;
	printf("%s: ok, V verified, MPKi%s and %zu %s%s\n", label,
	       keys->has_mpkr ? ", MPKr" : "", keys->n_keys,
	       keys->keys[0].type <= MIKEY_KEY_TGK_SALT ? "TGK" : "TEK",
	       keys->has_idrr ? ", IDRr and RANDRkms" : "");
	return c->opt->expect_error < 0 ? 0 : -1;
}

static int do_request(struct client *c, const char *id, const char *psk_hex,
		      struct kmsc_ticket *ticket, struct kmsc_keys *keys)
{
	static uint8_t msg[MSG_MAX];
	uint8_t psk[64];
	struct kmsc_params p;
	size_t len = 0;
	bool ok;
	int rc;

	params_for(c->opt, &p, id, psk, parse_psk(psk_hex, psk, sizeof(psk)));
	if (kmsc_build_request(&p, msg, sizeof(msg), &len) != 0)
		die("cannot build REQUEST_INIT_PSK for %s", id);
	rc = run_exchange(c, &p, msg, len, MIKEY_DT_REQUEST_RESP, "REQUEST_RESP",
			  keys, ticket, &ok);
	if (rc == 0 && ok)
		printf("ticket: flags 0x%03x%s%s\n", ticket->policy.flags,
		       ticket->policy.flags & MIKEY_TP_I ? ", forking (I)" : "",
		       ticket->policy.flags & MIKEY_TP_J ? ", reusable (J)" : "");
	OPENSSL_cleanse(psk, sizeof(psk));
	return rc;
}

static int do_resolve(struct client *c, const char *id, const char *psk_hex,
		      const struct kmsc_ticket *ticket,
		      const struct kmsc_keys *initiator, bool li_node)
{
	static uint8_t msg[MSG_MAX];
	struct kmsc_keys got;
	uint8_t psk[64];
	struct kmsc_params p;
	const char *diff;
	size_t len = 0;
	bool ok;
	int rc;

	params_for(c->opt, &p, id, psk, parse_psk(psk_hex, psk, sizeof(psk)));
	if (kmsc_build_resolve(&p, ticket, msg, sizeof(msg), &len) != 0)
		die("cannot build RESOLVE_INIT_PSK for %s", id);
	rc = run_exchange(c, &p, msg, len, MIKEY_DT_RESOLVE_RESP,
			  li_node ? "RESOLVE_RESP (LI node)" : "RESOLVE_RESP (responder)",
			  &got, NULL, &ok);
	if (rc == 0 && ok) {
		diff = kmsc_check_resolved(initiator, ticket, &got, li_node, id);
		if (diff != NULL) {
			printf("key check failed: %s\n", diff);
			rc = -1;
		} else {
			printf("key check: the %s got %s\n",
			       li_node ? "LI node" : "responder",
			       li_node ? "the initiator's key material, not forked" :
			       got.has_idrr ? "MPKi, and MPKr' and keys forked from the initiator's" :
			       "the initiator's MPKi and keys");
		}
	}
	kmsc_wipe_keys(&got);
	OPENSSL_cleanse(psk, sizeof(psk));
	return rc;
}

/* ---- Options ---- */

static void parse_server(const char *text, struct options *o)
{
	static char host[64];
	const char *colon = strrchr(text, ':');

	if (colon == NULL || (size_t)(colon - text) >= sizeof(host))
		die("invalid --server \"%s\": give ADDR:PORT", text);
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	o->host = host;
	o->port = (unsigned)strtoul(colon + 1, NULL, 10);
	if (o->port == 0 || o->port > 65535)
		die("invalid --server \"%s\": give ADDR:PORT", text);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option long_opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "path", required_argument, NULL, 'P' },
		{ "ca", required_argument, NULL, 'a' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "kms-identity", required_argument, NULL, 'i' },
		{ "clock-offset", required_argument, NULL, 'o' },
		{ "prf", required_argument, NULL, 'p' },
		{ "auth-alg", required_argument, NULL, 'A' },
		{ "no-idrkms", no_argument, NULL, 'n' },
		{ "flip-mac", no_argument, NULL, 'f' },
		{ "expect-error", required_argument, NULL, 'e' },
		{ "save-request", required_argument, NULL, 'S' },
		{ "responder", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	memset(o, 0, sizeof(*o));
	o->path = "/mikey";
	o->prf_func = -1;
	o->auth_alg = -1;
	o->expect_error = -1;
	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (opt) {
		case 's': parse_server(optarg, o); break;
		case 'P': o->path = optarg; break;
		case 'a': o->ca_file = optarg; break;
		case 'c': o->cert_file = optarg; break;
		case 'k': o->key_file = optarg; break;
		case 'i': o->kms_identity = optarg; break;
		case 'o': o->clock_offset_s = strtol(optarg, NULL, 10); break;
		case 'p': o->prf_func = atoi(optarg); break;
		case 'A': o->auth_alg = atoi(optarg); break;
		case 'n': o->no_idrkms = true; break;
		case 'f': o->flip_mac = true; break;
		case 'e': o->expect_error = atoi(optarg); break;
		case 'S': o->save_request = optarg; break;
		case 'r':
			if (o->n_responders == KMSC_MAX_RESPONDERS)
				die("more than 8 --responder options%s", "");
			o->responders[o->n_responders++] = optarg;
			break;
		default:
			exit(2);
		}
	}
	if (o->host == NULL || o->ca_file == NULL || o->kms_identity == NULL)
		die("--server, --ca and --kms-identity are required%s", "");
	return optind;
}

static SSL_CTX *client_ctx(const struct options *o)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL || SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL) != 1)
		die("cannot load --ca \"%s\"", o->ca_file);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (o->cert_file != NULL &&
	    (SSL_CTX_use_certificate_chain_file(ctx, o->cert_file) != 1 ||
	     SSL_CTX_use_PrivateKey_file(ctx, o->key_file != NULL ? o->key_file :
					 o->cert_file, SSL_FILETYPE_PEM) != 1))
		die("cannot load --cert \"%s\" or its --key", o->cert_file);
	return ctx;
}

int main(int argc, char **argv)
{
	static struct client c;
	static struct kmsc_ticket ticket;
	static struct kmsc_keys keys;
	struct options o;
	int first = parse_options(argc, argv, &o);
	int n = argc - first, rc = -1;
	const char *cmd = n > 0 ? argv[first] : "";
	char **a = argv + first + 1;

	c.opt = &o;
	c.fd = -1;
	c.ctx = client_ctx(&o);
	if (strcmp(cmd, "request") == 0 && n == 4) {
		rc = do_request(&c, a[0], a[1], &ticket, &keys);
		if (rc == 0 && o.expect_error < 0 && save_state(a[2], &ticket, &keys) != 0)
			die("cannot write \"%s\"", a[2]);
	} else if (strcmp(cmd, "resolve") == 0 && n == 5) {
		if (load_state(a[2], &ticket, &keys) != 0)
			die("cannot read the state file \"%s\"", a[2]);
		if (strcmp(a[3], "li") != 0 && strcmp(a[3], "responder") != 0)
			die("invalid role \"%s\": use responder or li", a[3]);
		rc = do_resolve(&c, a[0], a[1], &ticket, &keys, strcmp(a[3], "li") == 0);
	} else if (strcmp(cmd, "flow") == 0 && n == 7) {
		rc = do_request(&c, a[0], a[1], &ticket, &keys);
		if (rc == 0)
			rc = do_resolve(&c, a[2], a[3], &ticket, &keys, false);
		if (rc == 0)
			rc = do_resolve(&c, a[4], a[5], &ticket, &keys, true);
		printf("connections %u requests %u\n", c.connections, c.requests);
	} else {
		die("usage: kms_client --server ADDR:PORT --ca FILE --kms-identity URI "
		    "[options] request|resolve|flow ...%s", "");
	}
	client_close(&c);
	SSL_CTX_free(c.ctx);
	kmsc_wipe_keys(&keys);
	return rc == 0 ? 0 : 1;
}
