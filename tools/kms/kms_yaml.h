/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_KMS_KMS_YAML_H
#define LIME_TOOLS_KMS_KMS_YAML_H

/*
 * Strict YAML loading for lime-kms on libyaml's document API: each mapping
 * is read through a table of keys, so an unknown or repeated key is an
 * error that names it, and the first problem found becomes a one-line
 * message "line N: ...". Aliases are rejected. Scalars are wiped before
 * libyaml frees them, because some are keys.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

/* Room for "users[12].responders[3]" and the like. */
#define KMS_YAML_NAME_LEN 96

struct kms_yaml {
	yaml_document_t doc;
	unsigned char *visited;    /* one flag per node, to reject aliases */
	size_t n_nodes;
	char *err;
	size_t err_len;
};

struct kms_yaml_key;

/* Parses VALUE, the value of the key NAME, into a field of OBJECT.
 * Returns 0, or -1 after kms_yaml_fail(). */
typedef int (*kms_yaml_value_fn)(struct kms_yaml *y, const yaml_node_t *value,
				 const char *name, const struct kms_yaml_key *key,
				 void *object);

/* One key of a mapping: its parser, the field it fills and its range. */
struct kms_yaml_key {
	const char *key;
	kms_yaml_value_fn parse;
	size_t offset;
	int64_t min;
	int64_t max;
	bool required;
};

/* Builds the result from the root node (NULL for an empty document).
 * Returns NULL after kms_yaml_fail(). */
typedef void *(*kms_yaml_build_fn)(struct kms_yaml *y, const yaml_node_t *root);

/* Writes "line N: " (when node is not NULL) and the message; returns -1. */
int kms_yaml_fail(struct kms_yaml *y, const yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int kms_yaml_fail_memory(struct kms_yaml *y);

/* Replaces control characters so that a message stays one line. */
void kms_yaml_sanitize(char *err, size_t err_len);

/* Fetches node ID and marks it visited; a second visit is an alias. */
const yaml_node_t *kms_yaml_take(struct kms_yaml *y, int id,
				 const yaml_node_t *parent);

/* Returns the text of a scalar, or NULL after an error for a list, a
 * mapping, a null or text with a NUL character. */
const char *kms_yaml_text(struct kms_yaml *y, const yaml_node_t *node,
			  const char *name);

void *kms_yaml_field(void *object, size_t offset);

/* Replaces *dest with a copy of text. */
int kms_yaml_store(struct kms_yaml *y, const char *text, char **dest);

/* Parses a decimal integer in [min, max], with an optional sign. */
int kms_yaml_integer(struct kms_yaml *y, const yaml_node_t *node,
		     const char *name, int64_t min, int64_t max, int64_t *out);

/* Value parsers for key tables: a uint32_t or int64_t in [min, max], a
 * bool (YAML 1.2 core schema), and a non-empty string. */
int kms_yaml_u32(struct kms_yaml *y, const yaml_node_t *node, const char *name,
		 const struct kms_yaml_key *key, void *object);
int kms_yaml_i64(struct kms_yaml *y, const yaml_node_t *node, const char *name,
		 const struct kms_yaml_key *key, void *object);
int kms_yaml_bool(struct kms_yaml *y, const yaml_node_t *node, const char *name,
		  const struct kms_yaml_key *key, void *object);
int kms_yaml_string(struct kms_yaml *y, const yaml_node_t *node, const char *name,
		    const struct kms_yaml_key *key, void *object);

/* Maps one of n_words words to its index; choices lists them for the
 * message ("tgk or tek"). */
int kms_yaml_choice(struct kms_yaml *y, const yaml_node_t *node,
		    const char *name, const char *const *words, size_t n_words,
		    const char *choices, int *out);

/* Applies the key table to MAP. section is "" at the top level. */
int kms_yaml_mapping(struct kms_yaml *y, const yaml_node_t *map,
		     const char *section, const struct kms_yaml_key *keys,
		     size_t n_keys, void *object);

/* Returns the entries of a list; a null value is an empty list. */
int kms_yaml_list(struct kms_yaml *y, const yaml_node_t *node, const char *name,
		  const yaml_node_item_t **items, size_t *n);

/* Parses one YAML document of at most max_bytes and builds the result
 * with build. Returns NULL with the message in err on any problem. */
void *kms_yaml_load(const char *buf, size_t len, size_t max_bytes,
		    kms_yaml_build_fn build, char *err, size_t err_len);

/* Reads a whole file of at most max_bytes. Returns 0, or an errno value
 * (EFBIG when it is larger). The caller wipes and frees *out. */
int kms_yaml_read_file(const char *path, size_t max_bytes, char **out,
		       size_t *out_len);

#endif
