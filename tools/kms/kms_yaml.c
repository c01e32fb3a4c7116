/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/kms/kms_yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* NOTE: these strict libyaml helpers repeat those of control/config.c
 * (scalar, mapping and error-line handling); one shared module in lib/
 * would serve both loaders. */

int kms_yaml_fail(struct kms_yaml *y, const yaml_node_t *node, const char *fmt, ...)
{
	size_t used = 0;
	va_list ap;

	if (y->err == NULL || y->err_len == 0)
		return -1;
	if (node != NULL) {
		int n = snprintf(y->err, y->err_len, "line %zu: ",
				 (size_t)node->start_mark.line + 1);

		used = n < 0 ? 0 : (size_t)n;
		if (used >= y->err_len)
			return -1;
	}
	va_start(ap, fmt);
	vsnprintf(y->err + used, y->err_len - used, fmt, ap);
	va_end(ap);
	return -1;
}

int kms_yaml_fail_memory(struct kms_yaml *y)
{
	return kms_yaml_fail(y, NULL, "out of memory while loading the configuration");
}

/* Keeps the message on one printable line whatever the YAML contained. */
void kms_yaml_sanitize(char *err, size_t err_len)
{
	if (err == NULL || err_len == 0)
		return;
	for (char *p = err; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
}

static const char *kind_name(const yaml_node_t *node)
{
	if (node->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (node->type == YAML_MAPPING_NODE)
		return "a mapping";
	return "a scalar";
}

static bool kms_yaml_is_null(const yaml_node_t *node)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	if (node->type != YAML_SCALAR_NODE ||
	    node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++) {
		if (strcmp((const char *)node->data.scalar.value, nulls[i]) == 0)
			return true;
	}
	return false;
}

/*
 * Fetches node ID. libyaml resolves an alias to the node it names, so a
 * node reached twice came from an alias, which is rejected: an alias bomb
 * would otherwise multiply the work.
 */
const yaml_node_t *kms_yaml_take(struct kms_yaml *y, int id,
				    const yaml_node_t *parent)
{
	const yaml_node_t *node = yaml_document_get_node(&y->doc, id);

	if (node == NULL || id < 1 || (size_t)id > y->n_nodes) {
		kms_yaml_fail(y, parent, "invalid YAML document structure");
		return NULL;
	}
	if (y->visited[id - 1]) {
		kms_yaml_fail(y, node, "the value defined here is reused through a YAML "
		     "alias (*name); aliases are not supported, so write the "
		     "value out at each place");
		return NULL;
	}
	y->visited[id - 1] = 1;
	return node;
}

const char *kms_yaml_text(struct kms_yaml *y, const yaml_node_t *node,
			       const char *name)
{
	const char *text;

	if (node->type != YAML_SCALAR_NODE) {
		kms_yaml_fail(y, node, "%s must be a single value, not %s", name,
		     kind_name(node));
		return NULL;
	}
	text = (const char *)node->data.scalar.value;
	if (kms_yaml_is_null(node)) {
		kms_yaml_fail(y, node, "%s has no value; give a value or remove the key",
		     name);
		return NULL;
	}
	if (strlen(text) != node->data.scalar.length) {
		kms_yaml_fail(y, node, "%s contains a NUL character; remove it", name);
		return NULL;
	}
	return text;
}

void *kms_yaml_field(void *object, size_t offset)
{
	return (char *)object + offset;
}

int kms_yaml_store(struct kms_yaml *y, const char *text, char **dest)
{
	char *copy = strdup(text);

	if (copy == NULL)
		return kms_yaml_fail_memory(y);
	free(*dest);
	*dest = copy;
	return 0;
}

int kms_yaml_integer(struct kms_yaml *y, const yaml_node_t *node,
			 const char *name, int64_t min, int64_t max,
			 int64_t *out)
{
	const char *text = kms_yaml_text(y, node, name);
	const char *digits;
	bool negative;
	uint64_t value = 0;

	if (text == NULL)
		return -1;
	negative = text[0] == '-';
	digits = negative || text[0] == '+' ? text + 1 : text;
	if (digits[0] == '\0' || strspn(digits, "0123456789") != strlen(digits))
		return kms_yaml_fail(y, node, "invalid value \"%.64s\" for %s: not a "
			    "decimal integer; use an integer from %" PRId64
			    " to %" PRId64, text, name, min, max);
	for (const char *p = digits; *p != '\0'; p++) {
		if (value > (UINT64_C(1) << 62) / 10)
			return kms_yaml_fail(y, node, "invalid value \"%.64s\" for %s: "
				    "out of range; use an integer from %" PRId64
				    " to %" PRId64, text, name, min, max);
		value = value * 10 + (uint64_t)(*p - '0');
	}

	int64_t v = negative ? -(int64_t)value : (int64_t)value;

	if (v < min || v > max)
		return kms_yaml_fail(y, node, "invalid value \"%.64s\" for %s: out of "
			    "range; use an integer from %" PRId64 " to %" PRId64,
			    text, name, min, max);
	*out = v;
	return 0;
}

int kms_yaml_u32(struct kms_yaml *y, const yaml_node_t *node,
		     const char *name, const struct kms_yaml_key *spec, void *object)
{
	int64_t v;

	if (kms_yaml_integer(y, node, name, spec->min, spec->max, &v) != 0)
		return -1;
	*(uint32_t *)kms_yaml_field(object, spec->offset) = (uint32_t)v;
	return 0;
}

int kms_yaml_i64(struct kms_yaml *y, const yaml_node_t *node,
		     const char *name, const struct kms_yaml_key *spec, void *object)
{
	return kms_yaml_integer(y, node, name, spec->min, spec->max,
			     kms_yaml_field(object, spec->offset));
}

int kms_yaml_bool(struct kms_yaml *y, const yaml_node_t *node,
		      const char *name, const struct kms_yaml_key *spec, void *object)
{
	const char *text = kms_yaml_text(y, node, name);
	bool *dest = kms_yaml_field(object, spec->offset);

	if (text == NULL)
		return -1;
	if (strcmp(text, "true") == 0 || strcmp(text, "True") == 0 ||
	    strcmp(text, "TRUE") == 0) {
		*dest = true;
		return 0;
	}
	if (strcmp(text, "false") == 0 || strcmp(text, "False") == 0 ||
	    strcmp(text, "FALSE") == 0) {
		*dest = false;
		return 0;
	}
	return kms_yaml_fail(y, node, "invalid value \"%.64s\" for %s: use true or false",
		    text, name);
}

int kms_yaml_string(struct kms_yaml *y, const yaml_node_t *node,
			const char *name, const struct kms_yaml_key *spec,
			void *object)
{
	const char *text = kms_yaml_text(y, node, name);

	if (text == NULL)
		return -1;
	if (text[0] == '\0')
		return kms_yaml_fail(y, node, "%s is empty; give a value or remove the key",
			    name);
	return kms_yaml_store(y, text, kms_yaml_field(object, spec->offset));
}

/* Maps a word to an enum value; choices is a "word or word" list for the
 * message. */
int kms_yaml_choice(struct kms_yaml *y, const yaml_node_t *node,
			const char *name, const char *const *words,
			size_t n_words, const char *choices, int *out)
{
	const char *text = kms_yaml_text(y, node, name);

	if (text == NULL)
		return -1;
	for (size_t i = 0; i < n_words; i++) {
		if (strcmp(text, words[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	return kms_yaml_fail(y, node, "invalid value \"%.64s\" for %s: use %s", text,
		    name, choices);
}

int kms_yaml_mapping(struct kms_yaml *y, const yaml_node_t *map,
			 const char *section, const struct kms_yaml_key *specs,
			 size_t n_specs, void *object)
{
	char where[KMS_YAML_NAME_LEN];
	uint64_t seen = 0;

	if (section[0] == '\0')
		snprintf(where, sizeof(where), "at top level");
	else
		snprintf(where, sizeof(where), "in %s", section);

	if (map->type != YAML_MAPPING_NODE)
		return kms_yaml_fail(y, map, "%s must be a mapping of keys, not %s; see "
			    "docs/tools.md for its keys",
			    section[0] == '\0' ? "the configuration" : section,
			    kms_yaml_is_null(map) ? "an empty value" : kind_name(map));

	for (const yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = kms_yaml_take(y, pair->key, map);
		const yaml_node_t *value;
		char name[KMS_YAML_NAME_LEN];
		const char *text;
		size_t i;

		if (key == NULL)
			return -1;
		if (key->type != YAML_SCALAR_NODE)
			return kms_yaml_fail(y, key, "a key %s is %s; keys must be plain "
				    "names", where, kind_name(key));
		text = (const char *)key->data.scalar.value;
		for (i = 0; i < n_specs; i++) {
			if (strcmp(specs[i].key, text) == 0)
				break;
		}
		if (i == n_specs || strlen(text) != key->data.scalar.length)
			return kms_yaml_fail(y, key, "unknown key \"%.64s\" %s; see "
				    "docs/tools.md for the keys", text, where);

		if (section[0] == '\0')
			snprintf(name, sizeof(name), "%s", specs[i].key);
		else
			snprintf(name, sizeof(name), "%s.%s", section, specs[i].key);
		if (seen & (UINT64_C(1) << i))
			return kms_yaml_fail(y, key, "duplicate key \"%s\"; remove one of "
				    "the two", name);
		seen |= UINT64_C(1) << i;

		value = kms_yaml_take(y, pair->value, key);
		if (value == NULL ||
		    specs[i].parse(y, value, name, &specs[i], object) != 0)
			return -1;
	}

	for (size_t i = 0; i < n_specs; i++) {
		if (specs[i].required && !(seen & (UINT64_C(1) << i)))
			return kms_yaml_fail(y, map, "missing required key \"%s\" %s; add "
				    "it (see docs/tools.md)", specs[i].key, where);
	}
	return 0;
}

/* Returns the entries of a list; a null value is an empty list. */
int kms_yaml_list(struct kms_yaml *y, const yaml_node_t *node,
		      const char *name, const yaml_node_item_t **items,
		      size_t *n)
{
	*items = NULL;
	*n = 0;
	if (kms_yaml_is_null(node))
		return 0;
	if (node->type != YAML_SEQUENCE_NODE)
		return kms_yaml_fail(y, node, "%s must be a list, not %s; write it as "
			    "[a, b] or as lines starting with \"- \"", name,
			    kind_name(node));
	*items = node->data.sequence.items.start;
	*n = (size_t)(node->data.sequence.items.top -
		      node->data.sequence.items.start);
	return 0;
}

static void report_yaml_error(struct kms_yaml *y, const yaml_parser_t *parser)
{
	const char *problem = parser->problem != NULL ? parser->problem :
			      "unknown problem";

	if (parser->error == YAML_MEMORY_ERROR) {
		kms_yaml_fail_memory(y);
		return;
	}
	snprintf(y->err, y->err_len, "line %zu: invalid YAML: %s; fix the "
		 "syntax", (size_t)parser->problem_mark.line + 1, problem);
}

/* Wipes every scalar before libyaml frees it, since some are keys. */
static void wipe_document(yaml_document_t *doc)
{
	for (yaml_node_t *node = doc->nodes.start; node < doc->nodes.top; node++) {
		if (node->type == YAML_SCALAR_NODE && node->data.scalar.value != NULL)
			OPENSSL_cleanse(node->data.scalar.value,
					node->data.scalar.length);
	}
}

/* Rejects a second YAML document, which would otherwise be ignored. */
static int check_single_document(struct kms_yaml *y, yaml_parser_t *parser)
{
	yaml_document_t next;
	bool has_root;
	size_t line;

	if (!yaml_parser_load(parser, &next)) {
		report_yaml_error(y, parser);
		return -1;
	}
	has_root = yaml_document_get_root_node(&next) != NULL;
	line = next.start_mark.line + 1;
	wipe_document(&next);
	yaml_document_delete(&next);
	if (!has_root)
		return 0;
	snprintf(y->err, y->err_len, "line %zu: a second YAML document "
		 "starts here; remove the \"---\" line and what follows", line);
	return -1;
}

int kms_yaml_read_file(const char *path, size_t max_bytes, char **out,
		       size_t *out_len)
{
	size_t cap = 65536, used = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0 || buf == NULL) {
		rc = fd < 0 ? errno : ENOMEM;
		goto out;
	}
	for (;;) {
		if (used == cap) {
			char *bigger;

			if (cap > max_bytes) {
				rc = EFBIG;
				goto out;
			}
			bigger = malloc(cap * 2);
			if (bigger == NULL) {
				rc = ENOMEM;
				goto out;
			}
			memcpy(bigger, buf, used);
			OPENSSL_cleanse(buf, used);
			free(buf);
			buf = bigger;
			cap *= 2;
		}

		ssize_t n = read(fd, buf + used, cap - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = errno;
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0 && buf != NULL) {
		OPENSSL_cleanse(buf, used);
		free(buf);
		return rc;
	}
	*out = buf;
	*out_len = used;
	return rc;
}

void *kms_yaml_load(const char *buf, size_t len, size_t max_bytes,
		    kms_yaml_build_fn build, char *err, size_t err_len)
{
	char scratch[8];
	struct kms_yaml y = { .err = err != NULL ? err : scratch,
			      .err_len = err != NULL ? err_len : sizeof(scratch) };
	yaml_parser_t parser;
	void *result = NULL;

	y.err[0] = '\0';
	if (len > max_bytes) {
		kms_yaml_fail(&y, NULL, "the configuration is %zu bytes; at most "
			      "%zu bytes are allowed", len, max_bytes);
		return NULL;
	}
	if (!yaml_parser_initialize(&parser)) {
		kms_yaml_fail_memory(&y);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &y.doc)) {
		report_yaml_error(&y, &parser);
	} else {
		const yaml_node_t *root = yaml_document_get_root_node(&y.doc);

		y.n_nodes = (size_t)(y.doc.nodes.top - y.doc.nodes.start);
		y.visited = calloc(y.n_nodes + 1, 1);
		if (y.visited == NULL)
			kms_yaml_fail_memory(&y);
		/* The root is node 1 in every libyaml document. */
		else if (check_single_document(&y, &parser) == 0 &&
			 (root == NULL || kms_yaml_take(&y, 1, NULL) != NULL))
			result = build(&y, root);
		wipe_document(&y.doc);
		yaml_document_delete(&y.doc);
	}
	/* NOTE: libyaml keeps copies of scalars in freed scanner buffers that
	 * it does not wipe, so pieces of psk_hex can stay in freed heap. */
	yaml_parser_delete(&parser);
	free(y.visited);
	if (result == NULL)
		kms_yaml_sanitize(y.err, y.err_len);
	return result;
}
