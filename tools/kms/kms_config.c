/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lime-kms configuration: the key tables and value checks of each
 * section, and the checks across keys. kms_yaml.c does the strict YAML
 * reading; docs/tools.md lists every key.
 */
#include "tools/kms/kms_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "tools/kms/kms_yaml.h"

/* Maximum length of an identity URI in bytes, well below the 16-bit
 * length field of IDR. */
#define IDENTITY_MAX 1024
#define PATH_MAX_LEN 256

/* ---- Scalars ---- */

static bool has_space_or_control(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*p <= 0x20 || *p == 0x7f)
			return true;
	}
	return false;
}

/* A URI as RFC 3986 starts it: a scheme, a colon, then something. */
static bool is_uri(const char *text)
{
	const char *p = text;

	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return false;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	       (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.')
		p++;
	return *p == ':' && p[1] != '\0' && !has_space_or_control(text) &&
	       strlen(text) <= IDENTITY_MAX;
}

static int check_uri(struct kms_yaml *y, const yaml_node_t *node,
		     const char *name, const char *text)
{
	if (is_uri(text))
		return 0;
	return kms_yaml_fail(y, node, "invalid value \"%.64s\" for %s: expected a URI "
		    "of at most %d bytes without spaces, such as "
		    "\"sip:alice@ims.example\"", text, name, IDENTITY_MAX);
}

static int parse_uri(struct kms_yaml *y, const yaml_node_t *node,
		     const char *name, const struct kms_yaml_key *spec, void *object)
{
	const char *text = kms_yaml_text(y, node, name);

	if (text == NULL || check_uri(y, node, name, text) != 0)
		return -1;
	return kms_yaml_store(y, text, kms_yaml_field(object, spec->offset));
}

static int parse_path(struct kms_yaml *y, const yaml_node_t *node,
		      const char *name, const struct kms_yaml_key *spec,
		      void *object)
{
	const char *text = kms_yaml_text(y, node, name);

	if (text == NULL)
		return -1;
	if (text[0] != '/' || strlen(text) > PATH_MAX_LEN ||
	    has_space_or_control(text) || strchr(text, '?') != NULL ||
	    strchr(text, '#') != NULL)
		return kms_yaml_fail(y, node, "invalid value \"%.64s\" for %s: expected "
			    "an absolute path of at most %d bytes without "
			    "spaces, query or fragment, such as \"/mikey\"",
			    text, name, PATH_MAX_LEN);
	return kms_yaml_store(y, text, kms_yaml_field(object, spec->offset));
}

/* Parses "1.2.3.4:PORT" or "[v6]:PORT" with a numeric address. */
static bool parse_endpoint(const char *text, struct sockaddr_storage *ss,
			   socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(text, ':');
	char *end;

	if (colon == NULL || colon == text ||
	    (size_t)(colon - text) >= sizeof(host))
		return false;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';

	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);

	if (errno != 0 || end == colon + 1 || *end != '\0' || colon[1] == '+' ||
	    colon[1] == '-' || port == 0 || port > 65535)
		return false;

	memset(ss, 0, sizeof(*ss));
	size_t hlen = strlen(host);

	if (host[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		if (hlen < 3 || host[hlen - 1] != ']')
			return false;
		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return false;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return true;
	}

	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
		return false;
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	*len = sizeof(*a);
	return true;
}

static int parse_listen(struct kms_yaml *y, const yaml_node_t *node,
			const char *name, const struct kms_yaml_key *spec,
			void *object)
{
	struct kms_config *cfg = object;
	const char *text = kms_yaml_text(y, node, name);

	(void)spec;
	if (text == NULL)
		return -1;
	if (!parse_endpoint(text, &cfg->listen_addr, &cfg->listen_addr_len))
		return kms_yaml_fail(y, node, "invalid value \"%.64s\" for %s: expected "
			    "a numeric address and a port from 1 to 65535, such "
			    "as 127.0.0.1:8443 or [::1]:8443", text, name);
	return kms_yaml_store(y, text, &cfg->listen);
}

/* Decodes hex into out[0..max); the value itself is never quoted because
 * it is a secret. Returns the byte count, or -1 after an error. */
static int decode_secret_hex(struct kms_yaml *y, const yaml_node_t *node,
			     const char *name, uint8_t *out, size_t min,
			     size_t max)
{
	const char *text = kms_yaml_text(y, node, name);
	size_t len;

	if (text == NULL)
		return -1;
	len = strlen(text);
	if (len % 2 != 0 || strspn(text, "0123456789abcdefABCDEF") != len)
		return kms_yaml_fail(y, node, "invalid %s (value not shown): expected an "
			    "even number of hex digits; generate a key with "
			    "\"openssl rand -hex 32\"", name);
	if (len / 2 < min || len / 2 > max)
		return kms_yaml_fail(y, node, "%s is %zu bytes long; use %zu to %zu bytes "
			    "(%zu to %zu hex digits), e.g. from \"openssl rand "
			    "-hex 32\"", name, len / 2, min, max, 2 * min, 2 * max);
	for (size_t i = 0; i < len / 2; i++) {
		char pair[3] = { text[2 * i], text[2 * i + 1], '\0' };

		out[i] = (uint8_t)strtoul(pair, NULL, 16);
		OPENSSL_cleanse(pair, sizeof(pair));
	}
	return (int)(len / 2);
}

static int parse_psk(struct kms_yaml *y, const yaml_node_t *node,
		     const char *name, const struct kms_yaml_key *spec, void *object)
{
	struct kms_principal *pr = object;
	uint8_t buf[KMS_PSK_MAX_BYTES];
	int n;

	(void)spec;
	n = decode_secret_hex(y, node, name, buf, KMS_PSK_MIN_BYTES,
			      KMS_PSK_MAX_BYTES);
	if (n < 0)
		return -1;
	pr->psk = malloc((size_t)n);
	if (pr->psk == NULL) {
		OPENSSL_cleanse(buf, sizeof(buf));
		return kms_yaml_fail_memory(y);
	}
	memcpy(pr->psk, buf, (size_t)n);
	pr->psk_len = (size_t)n;
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

static int parse_ticket_key(struct kms_yaml *y, const yaml_node_t *node,
			    const char *name, const struct kms_yaml_key *spec,
			    void *object)
{
	struct kms_config *cfg = object;

	(void)spec;
	if (decode_secret_hex(y, node, name, cfg->ticket_key,
			      KMS_TICKET_KEY_BYTES, KMS_TICKET_KEY_BYTES) < 0)
		return -1;
	cfg->ticket_key_set = true;
	return 0;
}

static int parse_responder_rule(struct kms_yaml *y, const yaml_node_t *node,
				const char *name, const struct kms_yaml_key *spec,
				void *object)
{
	/* Indexed by enum kms_responder_rule. */
	static const char *const words[] = { "any", "requested", "per_user" };
	int v = 0;

	if (kms_yaml_choice(y, node, name, words, 3,
			 "any, requested or per_user", &v) != 0)
		return -1;
	*(enum kms_responder_rule *)kms_yaml_field(object, spec->offset) = v;
	return 0;
}

static int parse_key_type(struct kms_yaml *y, const yaml_node_t *node,
			  const char *name, const struct kms_yaml_key *spec,
			  void *object)
{
	/* Indexed by enum kms_key_kind. */
	static const char *const words[] = { "tgk", "tek" };
	int v = 0;

	if (kms_yaml_choice(y, node, name, words, 2, "tgk or tek", &v) != 0)
		return -1;
	*(enum kms_key_kind *)kms_yaml_field(object, spec->offset) = v;
	return 0;
}

static int parse_key_length(struct kms_yaml *y, const yaml_node_t *node,
			    const char *name, const struct kms_yaml_key *spec,
			    void *object)
{
	int64_t v;

	if (kms_yaml_integer(y, node, name, 16, 32, &v) != 0)
		return -1;
	if (v != 16 && v != 32)
		return kms_yaml_fail(y, node, "invalid value \"%" PRId64 "\" for %s: use "
			    "16 (AES-128) or 32 (AES-256)", v, name);
	*(uint32_t *)kms_yaml_field(object, spec->offset) = (uint32_t)v;
	return 0;
}

/* ---- Mappings and lists ---- */

static int parse_responder_list(struct kms_yaml *y, const yaml_node_t *node,
				const char *name, const struct kms_yaml_key *spec,
				void *object)
{
	struct kms_principal *pr = object;
	const yaml_node_item_t *items;
	size_t n;

	(void)spec;
	if (kms_yaml_list(y, node, name, &items, &n) != 0)
		return -1;
	pr->has_responders = true;
	if (n == 0)
		return 0;
	pr->responders = calloc(n, sizeof(*pr->responders));
	if (pr->responders == NULL)
		return kms_yaml_fail_memory(y);
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item = kms_yaml_take(y, items[i], node);
		char item_name[KMS_YAML_NAME_LEN];
		const char *text;

		snprintf(item_name, sizeof(item_name), "%s[%zu]", name, i);
		if (item == NULL)
			return -1;
		text = kms_yaml_text(y, item, item_name);
		if (text == NULL || check_uri(y, item, item_name, text) != 0 ||
		    kms_yaml_store(y, text, &pr->responders[i]) != 0)
			return -1;
		pr->n_responders = i + 1;
	}
	return 0;
}

#define PR(field) offsetof(struct kms_principal, field)

static const struct kms_yaml_key user_keys[] = {
	{ .key = "identity", .parse = parse_uri, .offset = PR(identity),
	  .required = true },
	{ .key = "psk_hex", .parse = parse_psk, .required = true },
	{ .key = "responders", .parse = parse_responder_list },
};

/* LI nodes have no responders list. */
static const struct kms_yaml_key li_node_keys[] = {
	{ .key = "identity", .parse = parse_uri, .offset = PR(identity),
	  .required = true },
	{ .key = "psk_hex", .parse = parse_psk, .required = true },
};

static int parse_principals(struct kms_yaml *y, const yaml_node_t *node,
			    const char *name, const struct kms_yaml_key *keys,
			    size_t n_keys, struct kms_principal **out,
			    size_t *n_out)
{
	const yaml_node_item_t *items;
	size_t n;

	if (kms_yaml_list(y, node, name, &items, &n) != 0)
		return -1;
	if (n == 0)
		return 0;
	*out = calloc(n, sizeof(**out));
	if (*out == NULL)
		return kms_yaml_fail_memory(y);
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item = kms_yaml_take(y, items[i], node);
		char item_name[KMS_YAML_NAME_LEN];

		snprintf(item_name, sizeof(item_name), "%s[%zu]", name, i);
		*n_out = i + 1;
		if (item == NULL ||
		    kms_yaml_mapping(y, item, item_name, keys, n_keys, &(*out)[i]) != 0)
			return -1;
	}
	return 0;
}

static int parse_users(struct kms_yaml *y, const yaml_node_t *node,
		       const char *name, const struct kms_yaml_key *spec,
		       void *object)
{
	struct kms_config *cfg = object;

	(void)spec;
	return parse_principals(y, node, name, user_keys,
				sizeof(user_keys) / sizeof(user_keys[0]),
				&cfg->users, &cfg->n_users);
}

static int parse_li_nodes(struct kms_yaml *y, const yaml_node_t *node,
			  const char *name, const struct kms_yaml_key *spec,
			  void *object)
{
	struct kms_config *cfg = object;

	(void)spec;
	return parse_principals(y, node, name, li_node_keys,
				sizeof(li_node_keys) / sizeof(li_node_keys[0]),
				&cfg->li_nodes, &cfg->n_li_nodes);
}

#define TP(field) offsetof(struct kms_ticket_policy_config, field)

static const struct kms_yaml_key ticket_policy_keys[] = {
	{ .key = "validity_s", .parse = kms_yaml_u32, .offset = TP(validity_s),
	  .min = 1, .max = 31536000 },
	{ .key = "reusable", .parse = kms_yaml_bool, .offset = TP(reusable) },
	{ .key = "forking", .parse = kms_yaml_bool, .offset = TP(forking) },
	{ .key = "responders", .parse = parse_responder_rule,
	  .offset = TP(responders) },
	{ .key = "key_type", .parse = parse_key_type, .offset = TP(key_type) },
	{ .key = "key_count", .parse = kms_yaml_u32, .offset = TP(key_count),
	  .min = 1, .max = KMS_MAX_TICKET_KEYS },
	{ .key = "key_length", .parse = parse_key_length,
	  .offset = TP(key_length) },
	{ .key = "salt", .parse = kms_yaml_bool, .offset = TP(salt) },
};

static int parse_ticket_policy(struct kms_yaml *y, const yaml_node_t *node,
			       const char *name, const struct kms_yaml_key *spec,
			       void *object)
{
	struct kms_config *cfg = object;

	(void)spec;
	return kms_yaml_mapping(y, node, name, ticket_policy_keys,
			     sizeof(ticket_policy_keys) / sizeof(ticket_policy_keys[0]),
			     &cfg->ticket);
}

#define KR(field) offsetof(struct kms_reports_config, field)

static const struct kms_yaml_key key_reports_keys[] = {
	{ .key = "accept", .parse = kms_yaml_bool, .offset = KR(accept) },
	{ .key = "li_fetch", .parse = kms_yaml_bool, .offset = KR(li_fetch) },
	{ .key = "retention_s", .parse = kms_yaml_u32, .offset = KR(retention_s),
	  .min = 1, .max = 31536000 },
	{ .key = "max_reports", .parse = kms_yaml_u32, .offset = KR(max_reports),
	  .min = 1, .max = 10000000 },
};

static int parse_key_reports(struct kms_yaml *y, const yaml_node_t *node,
			     const char *name, const struct kms_yaml_key *spec,
			     void *object)
{
	struct kms_config *cfg = object;

	(void)spec;
	return kms_yaml_mapping(y, node, name, key_reports_keys,
			     sizeof(key_reports_keys) / sizeof(key_reports_keys[0]),
			     &cfg->reports);
}

#define CFG(field) offsetof(struct kms_config, field)

/* clock_offset_s is limited to about ten years either way. */
static const struct kms_yaml_key top_keys[] = {
	{ .key = "listen", .parse = parse_listen },
	{ .key = "path", .parse = parse_path, .offset = CFG(path) },
	{ .key = "cert_file", .parse = kms_yaml_string, .offset = CFG(cert_file),
	  .required = true },
	{ .key = "key_file", .parse = kms_yaml_string, .offset = CFG(key_file),
	  .required = true },
	{ .key = "ca_file", .parse = kms_yaml_string, .offset = CFG(ca_file) },
	{ .key = "kms_identity", .parse = parse_uri, .offset = CFG(kms_identity),
	  .required = true },
	{ .key = "ticket_key_hex", .parse = parse_ticket_key },
	{ .key = "max_connections", .parse = kms_yaml_u32,
	  .offset = CFG(max_connections), .min = 1, .max = 100000 },
	{ .key = "idle_timeout_s", .parse = kms_yaml_u32,
	  .offset = CFG(idle_timeout_s), .min = 1, .max = 86400 },
	{ .key = "max_clock_skew_s", .parse = kms_yaml_u32,
	  .offset = CFG(max_clock_skew_s), .min = 0, .max = 86400 },
	{ .key = "clock_offset_s", .parse = kms_yaml_i64,
	  .offset = CFG(clock_offset_s), .min = -315360000, .max = 315360000 },
	{ .key = "users", .parse = parse_users, .required = true },
	{ .key = "li_nodes", .parse = parse_li_nodes },
	{ .key = "ticket_policy", .parse = parse_ticket_policy },
	{ .key = "key_reports", .parse = parse_key_reports },
};

/* ---- Checks across keys ---- */

const struct kms_principal *kms_config_find(const struct kms_principal *list,
					    size_t n, const uint8_t *identity,
					    size_t identity_len)
{
	for (size_t i = 0; i < n; i++) {
		if (strlen(list[i].identity) == identity_len &&
		    memcmp(list[i].identity, identity, identity_len) == 0)
			return &list[i];
	}
	return NULL;
}

static bool is_user(const struct kms_config *cfg, const char *identity)
{
	return kms_config_find(cfg->users, cfg->n_users,
			       (const uint8_t *)identity, strlen(identity)) != NULL;
}

/* Each identity names one principal, so a PSK lookup is unambiguous. */
static int check_unique_identities(struct kms_yaml *y,
				   const struct kms_config *cfg)
{
	size_t total = cfg->n_users + cfg->n_li_nodes;

	for (size_t i = 0; i < total; i++) {
		const struct kms_principal *a = i < cfg->n_users ?
			&cfg->users[i] : &cfg->li_nodes[i - cfg->n_users];

		if (strcmp(a->identity, cfg->kms_identity) == 0)
			return kms_yaml_fail(y, NULL, "identity \"%.64s\" is also the "
				    "kms_identity; give the KMS an identity of "
				    "its own", a->identity);
		for (size_t j = i + 1; j < total; j++) {
			const struct kms_principal *b = j < cfg->n_users ?
				&cfg->users[j] : &cfg->li_nodes[j - cfg->n_users];

			if (strcmp(a->identity, b->identity) == 0)
				return kms_yaml_fail(y, NULL, "identity \"%.64s\" appears "
					    "twice in users and li_nodes; each "
					    "user and LI node needs its own "
					    "identity", a->identity);
		}
	}
	return 0;
}

static int check_responder_lists(struct kms_yaml *y,
				 const struct kms_config *cfg)
{
	bool per_user = cfg->ticket.responders == KMS_RESPONDERS_PER_USER;

	for (size_t i = 0; i < cfg->n_users; i++) {
		const struct kms_principal *u = &cfg->users[i];

		if (per_user && !u->has_responders)
			return kms_yaml_fail(y, NULL, "users[%zu] (%.64s) has no "
				    "responders list, but "
				    "ticket_policy.responders is per_user; add "
				    "responders: [URI, ...]", i, u->identity);
		if (!per_user && u->has_responders)
			return kms_yaml_fail(y, NULL, "users[%zu].responders is set, but "
				    "ticket_policy.responders is not per_user; "
				    "remove the list or set "
				    "ticket_policy.responders: per_user", i);
		for (size_t j = 0; j < u->n_responders; j++) {
			if (!is_user(cfg, u->responders[j]))
				return kms_yaml_fail(y, NULL, "users[%zu].responders[%zu] "
					    "\"%.64s\" is not the identity of "
					    "any entry of users; add that user "
					    "or fix the URI", i, j,
					    u->responders[j]);
		}
	}
	return 0;
}

static int check_config(struct kms_yaml *y, const struct kms_config *cfg)
{
	if (cfg->n_users == 0)
		return kms_yaml_fail(y, NULL, "users is empty; list at least one user "
			    "with identity and psk_hex");
	if (check_unique_identities(y, cfg) != 0 ||
	    check_responder_lists(y, cfg) != 0)
		return -1;
	return 0;
}

/* ---- Loading ---- */

static int set_defaults(struct kms_yaml *y, struct kms_config *cfg)
{
	static const char default_listen[] = "127.0.0.1:8443";

	if (!parse_endpoint(default_listen, &cfg->listen_addr,
			    &cfg->listen_addr_len))
		return kms_yaml_fail(y, NULL, "internal error: invalid default listen address");
	cfg->max_connections = 1024;
	cfg->idle_timeout_s = 30;
	cfg->max_clock_skew_s = 300;
	cfg->ticket.validity_s = 86400;
	cfg->ticket.responders = KMS_RESPONDERS_ANY;
	cfg->ticket.key_type = KMS_KEY_KIND_TGK;
	cfg->ticket.key_count = 1;
	cfg->ticket.key_length = 16;
	cfg->reports.accept = true;
	cfg->reports.li_fetch = true;
	cfg->reports.retention_s = 86400;
	cfg->reports.max_reports = 100000;
	if (kms_yaml_store(y, default_listen, &cfg->listen) != 0)
		return -1;
	return kms_yaml_store(y, "/mikey", &cfg->path);
}

static void *build_config(struct kms_yaml *y, const yaml_node_t *root)
{
	struct kms_config *cfg;

	if (root == NULL) {
		kms_yaml_fail(y, NULL, "the configuration is empty; it needs at "
			      "least cert_file, key_file, kms_identity and users "
			      "(see docs/tools.md)");
		return NULL;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL) {
		kms_yaml_fail_memory(y);
		return NULL;
	}
	if (set_defaults(y, cfg) != 0 ||
	    kms_yaml_mapping(y, root, "", top_keys,
			     sizeof(top_keys) / sizeof(top_keys[0]), cfg) != 0 ||
	    check_config(y, cfg) != 0) {
		kms_config_free(cfg);
		return NULL;
	}
	return cfg;
}

struct kms_config *kms_config_load_buffer(const char *buf, size_t len,
					  char *err, size_t err_len)
{
	return kms_yaml_load(buf, len, KMS_CONFIG_MAX_BYTES, build_config, err,
			     err_len);
}

struct kms_config *kms_config_load(const char *path, char *err, size_t err_len)
{
	struct kms_config *cfg;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, err_len, "\"%s\" is a folder; give the path of the "
			 "YAML file", path);
		kms_yaml_sanitize(err, err_len);
		return NULL;
	}
	rc = kms_yaml_read_file(path, KMS_CONFIG_MAX_BYTES, &buf, &len);
	if (rc != 0) {
		snprintf(err, err_len, "cannot read \"%s\": %s; check the path "
			 "and its permissions (at most %u bytes)", path,
			 strerror(rc), KMS_CONFIG_MAX_BYTES);
		kms_yaml_sanitize(err, err_len);
		return NULL;
	}
	cfg = kms_config_load_buffer(buf, len, err, err_len);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return cfg;
}

static void free_principals(struct kms_principal *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(list[i].identity);
		if (list[i].psk != NULL) {
			OPENSSL_cleanse(list[i].psk, list[i].psk_len);
			free(list[i].psk);
		}
		for (size_t j = 0; j < list[i].n_responders; j++)
			free(list[i].responders[j]);
		free(list[i].responders);
	}
	free(list);
}

void kms_config_free(struct kms_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->listen);
	free(cfg->path);
	free(cfg->cert_file);
	free(cfg->key_file);
	free(cfg->ca_file);
	free(cfg->kms_identity);
	OPENSSL_cleanse(cfg->ticket_key, sizeof(cfg->ticket_key));
	free_principals(cfg->users, cfg->n_users);
	free_principals(cfg->li_nodes, cfg->n_li_nodes);
	free(cfg);
}
