/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loads lime's YAML configuration through libyaml's document API and checks
 * each key against the schema tables near the end of this file. The first
 * problem found becomes the one-line error message. docs/config.md lists
 * every key.
 */

#include "control/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <yaml.h>

#include "lib/sip/sip_msg.h"
#include "lib/sip/sip_target.h"

/* Room for "intercepts[123].targets[45]" and the like. */
#define NAME_LEN 96

/*
 * Largest lcore id that parsing of lcores accepts. rte_eal_init rejects ids
 * at or above RTE_MAX_LCORE, a DPDK build option.
 */
#define LCORE_ID_MAX 65535

struct loader {
	yaml_document_t doc;
	/*
	 * One flag per document node. libyaml resolves an alias to the node it
	 * names, so a node reached a second time came from an alias.
	 */
	unsigned char *visited;
	size_t n_nodes;
	char *err;
	size_t err_len;
};

struct key_spec;

/* Parses VALUE, the value of the key NAME, into a field of OBJECT. */
typedef int (*value_parser)(struct loader *ld, const yaml_node_t *value,
			    const char *name, const struct key_spec *spec,
			    void *object);

/* Validates a string value before it is stored. */
typedef int (*string_check)(struct loader *ld, const yaml_node_t *node,
			    const char *name, const char *text);

/* One key of a mapping in the configuration schema. */
struct key_spec {
	const char *key;
	value_parser parse;
	size_t offset;        /* offset of the field in the object */
	size_t count_offset;  /* size_t entry count, for lists */
	uint64_t min;         /* integer range, or list length range */
	uint64_t max;
	bool required;
	bool unique;          /* list entries must differ */
	string_check check;   /* extra validation of each string */
};

/* ---- Error messages ---- */

static void format_error(char *err, size_t err_len, size_t line,
			 const char *fmt, va_list ap)
{
	size_t used = 0;

	if (err == NULL || err_len == 0)
		return;
	if (line != 0) {
		int n = snprintf(err, err_len, "line %zu: ", line);

		used = n < 0 ? 0 : (size_t)n;
		if (used >= err_len)
			return;
	}
	vsnprintf(err + used, err_len - used, fmt, ap);
}

static void write_error(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void write_error(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	format_error(err, err_len, 0, fmt, ap);
	va_end(ap);
}

/* Writes the error with LINE (1-based, 0 for none) and returns -1. */
static int fail_line(struct loader *ld, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_line(struct loader *ld, size_t line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	format_error(ld->err, ld->err_len, line, fmt, ap);
	va_end(ap);
	return -1;
}

/* Writes the error with the line of NODE (none when NULL) and returns -1. */
static int fail(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
{
	size_t line = node != NULL ? node->start_mark.line + 1 : 0;
	va_list ap;

	va_start(ap, fmt);
	format_error(ld->err, ld->err_len, line, fmt, ap);
	va_end(ap);
	return -1;
}

static int fail_memory(struct loader *ld)
{
	return fail_line(ld, 0, "out of memory while loading the configuration");
}

/*
 * Replaces control characters, which a quoted YAML value may contain, so
 * that the message stays one printable line.
 */
static void sanitize_error(char *err, size_t err_len)
{
	if (err == NULL || err_len == 0)
		return;
	for (char *p = err; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f)
			*p = '?';
	}
}

/* ---- Nodes ---- */

static const char *kind_name(const yaml_node_t *node)
{
	switch (node->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "a scalar";
	}
}

/* Whether NODE is a YAML null: "key:" with no value, "~" or "null". */
static bool is_null(const yaml_node_t *node)
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

/* Fetches node ID, rejecting a second visit, which only an alias causes. */
static const yaml_node_t *take_node(struct loader *ld, int id,
				    const yaml_node_t *parent)
{
	const yaml_node_t *node = yaml_document_get_node(&ld->doc, id);

	if (node == NULL || id < 1 || (size_t)id > ld->n_nodes) {
		fail(ld, parent, "invalid YAML document structure");
		return NULL;
	}
	if (ld->visited[id - 1]) {
		fail(ld, node, "the value defined here is reused through a YAML "
		     "alias (*name); aliases are not supported, so write the "
		     "value out at each place");
		return NULL;
	}
	ld->visited[id - 1] = 1;
	return node;
}

/* Finds the value of KEY in MAP without marking it visited, or NULL. */
static const yaml_node_t *mapping_value(struct loader *ld,
					const yaml_node_t *map, const char *key)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (const yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = yaml_document_get_node(&ld->doc, pair->key);

		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(&ld->doc, pair->value);
	}
	return NULL;
}

/* Finds entry INDEX of the top-level list LIST_KEY, then its KEY value. */
static const yaml_node_t *list_entry_value(struct loader *ld,
					   const char *list_key, size_t index,
					   const char *key)
{
	const yaml_node_t *root = yaml_document_get_root_node(&ld->doc);
	const yaml_node_t *list = mapping_value(ld, root, list_key);
	const yaml_node_t *entry;

	if (list == NULL || list->type != YAML_SEQUENCE_NODE)
		return NULL;
	if (index >= (size_t)(list->data.sequence.items.top -
			      list->data.sequence.items.start))
		return NULL;
	entry = yaml_document_get_node(&ld->doc,
				       list->data.sequence.items.start[index]);
	return mapping_value(ld, entry, key);
}

/*
 * Returns the text of a scalar NODE, or NULL after an error when NODE is a
 * list, a mapping, a null or text with a NUL character.
 */
static const char *scalar_text(struct loader *ld, const yaml_node_t *node,
			       const char *name)
{
	const char *text;

	if (node->type != YAML_SCALAR_NODE) {
		fail(ld, node, "%s must be a scalar value, not %s; see "
		     "docs/config.md for its type", name, kind_name(node));
		return NULL;
	}
	text = (const char *)node->data.scalar.value;
	if (is_null(node)) {
		fail(ld, node, "%s has no value; give a value or remove the key",
		     name);
		return NULL;
	}
	if (strlen(text) != node->data.scalar.length) {
		fail(ld, node, "%s contains a NUL character; remove it", name);
		return NULL;
	}
	return text;
}

/* Returns the entries of a list. A null value counts as an empty list. */
static int sequence_items(struct loader *ld, const yaml_node_t *node,
			  const char *name, const yaml_node_item_t **items,
			  size_t *n)
{
	*items = NULL;
	*n = 0;
	if (is_null(node))
		return 0;
	if (node->type != YAML_SEQUENCE_NODE)
		return fail(ld, node, "%s must be a list, not %s; write it as "
			    "[a, b] or as lines starting with \"- \"",
			    name, kind_name(node));
	*items = node->data.sequence.items.start;
	*n = (size_t)(node->data.sequence.items.top -
		      node->data.sequence.items.start);
	return 0;
}

static void *field_of(void *object, size_t offset)
{
	return (char *)object + offset;
}

static int copy_string(struct loader *ld, const char *text, char **dest)
{
	char *copy = strdup(text);

	if (copy == NULL)
		return fail_memory(ld);
	free(*dest);
	*dest = copy;
	return 0;
}

/* ---- Integers, booleans and timestamps ---- */

/* Parses a decimal integer in [min, max]. Signs and other bases are errors. */
static int parse_integer(struct loader *ld, const yaml_node_t *node,
			 const char *name, uint64_t min, uint64_t max,
			 uint64_t *out)
{
	const char *text = scalar_text(ld, node, name);
	uint64_t value = 0;
	bool overflow = false;

	if (text == NULL)
		return -1;
	if (text[0] == '-')
		return fail(ld, node, "invalid value \"%.64s\" for %s: negative "
			    "numbers are not allowed; use an integer from %"
			    PRIu64 " to %" PRIu64, text, name, min, max);
	if (text[0] == '\0' || strspn(text, "0123456789") != strlen(text))
		return fail(ld, node, "invalid value \"%.64s\" for %s: not a "
			    "decimal integer; use an integer from %" PRIu64
			    " to %" PRIu64, text, name, min, max);

	for (const char *p = text; *p != '\0'; p++) {
		unsigned digit = (unsigned)(*p - '0');

		if (value > (UINT64_MAX - digit) / 10) {
			overflow = true;
			break;
		}
		value = value * 10 + digit;
	}
	if (overflow || value < min || value > max)
		return fail(ld, node, "invalid value \"%.64s\" for %s: out of "
			    "range; use an integer from %" PRIu64 " to %" PRIu64,
			    text, name, min, max);
	*out = value;
	return 0;
}

static int parse_u64(struct loader *ld, const yaml_node_t *node,
		     const char *name, const struct key_spec *spec, void *object)
{
	return parse_integer(ld, node, name, spec->min, spec->max,
			     field_of(object, spec->offset));
}

static int parse_u32(struct loader *ld, const yaml_node_t *node,
		     const char *name, const struct key_spec *spec, void *object)
{
	uint64_t value = 0;

	if (parse_integer(ld, node, name, spec->min, spec->max, &value) != 0)
		return -1;
	*(uint32_t *)field_of(object, spec->offset) = (uint32_t)value;
	return 0;
}

static int parse_u16(struct loader *ld, const yaml_node_t *node,
		     const char *name, const struct key_spec *spec, void *object)
{
	uint64_t value = 0;

	if (parse_integer(ld, node, name, spec->min, spec->max, &value) != 0)
		return -1;
	*(uint16_t *)field_of(object, spec->offset) = (uint16_t)value;
	return 0;
}

/* DPDK rings (rte_ring_create without RING_F_EXACT_SZ) need a power of two. */
static int parse_u32_pow2(struct loader *ld, const yaml_node_t *node,
			  const char *name, const struct key_spec *spec,
			  void *object)
{
	uint64_t value = 0;

	if (parse_integer(ld, node, name, spec->min, spec->max, &value) != 0)
		return -1;
	if ((value & (value - 1)) != 0)
		return fail(ld, node, "invalid value \"%" PRIu64 "\" for %s: not "
			    "a power of two; use a power of two from %" PRIu64
			    " to %" PRIu64 ", e.g. 4096",
			    value, name, spec->min, spec->max);
	*(uint32_t *)field_of(object, spec->offset) = (uint32_t)value;
	return 0;
}

/* Accepts the booleans of the YAML 1.2 core schema. */
static int parse_bool(struct loader *ld, const yaml_node_t *node,
		      const char *name, const struct key_spec *spec, void *object)
{
	static const char *const trues[] = { "true", "True", "TRUE" };
	static const char *const falses[] = { "false", "False", "FALSE" };
	const char *text = scalar_text(ld, node, name);
	bool *dest = field_of(object, spec->offset);

	if (text == NULL)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(text, trues[i]) == 0) {
			*dest = true;
			return 0;
		}
		if (strcmp(text, falses[i]) == 0) {
			*dest = false;
			return 0;
		}
	}
	return fail(ld, node, "invalid value \"%.64s\" for %s: use true or false",
		    text, name);
}

/* Reads exactly COUNT decimal digits. */
static bool read_digits(const char **p, int count, int *out)
{
	int value = 0;

	for (int i = 0; i < count; i++) {
		char c = (*p)[i];

		if (c < '0' || c > '9')
			return false;
		value = value * 10 + (c - '0');
	}
	*p += count;
	*out = value;
	return true;
}

static bool read_char(const char **p, char a, char b)
{
	if (**p != a && **p != b)
		return false;
	(*p)++;
	return true;
}

static bool is_leap_year(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month == 2 && is_leap_year(year))
		return 29;
	return days[month - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/*
 * Days from 1970-01-01 to a proleptic Gregorian date. The year is counted
 * from March so that the leap day is the last day of its year.
 */
static int64_t days_since_epoch(int year, int month, int day)
{
	int64_t y = month <= 2 ? year - 1 : year;
	int64_t m = month <= 2 ? month + 9 : month - 3;
	int64_t day_of_year = (153 * m + 2) / 5 + day - 1;
	int64_t days = 365 * y + floor_div(y, 4) - floor_div(y, 100) +
		       floor_div(y, 400) + day_of_year;

	/* 719468 days separate 0000-03-01 from 1970-01-01. */
	return days - 719468;
}

/* Reads "Z" or a "+HH:MM"/"-HH:MM" offset, in seconds east of UTC. */
static bool read_utc_offset(const char **p, int64_t *offset_s)
{
	int sign, hours, minutes;

	if (read_char(p, 'Z', 'z')) {
		*offset_s = 0;
		return true;
	}
	if (**p != '+' && **p != '-')
		return false;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (!read_digits(p, 2, &hours) || !read_char(p, ':', ':') ||
	    !read_digits(p, 2, &minutes))
		return false;
	if (hours > 23 || minutes > 59)
		return false;
	*offset_s = sign * (int64_t)(hours * 3600 + minutes * 60);
	return true;
}

/*
 * Parses an RFC 3339 date-time into microseconds since the Unix epoch, UTC.
 * Digits past the sixth of a fraction are truncated. A leap second (:60)
 * counts as the first second of the next minute, as Unix time has no leap
 * seconds.
 */
static bool parse_rfc3339(const char *text, int64_t *out_us)
{
	const char *p = text;
	int year, month, day, hour, minute, second;
	int64_t micros = 0, offset_s, seconds;

	if (!read_digits(&p, 4, &year) || !read_char(&p, '-', '-') ||
	    !read_digits(&p, 2, &month) || !read_char(&p, '-', '-') ||
	    !read_digits(&p, 2, &day) || !read_char(&p, 'T', 't') ||
	    !read_digits(&p, 2, &hour) || !read_char(&p, ':', ':') ||
	    !read_digits(&p, 2, &minute) || !read_char(&p, ':', ':') ||
	    !read_digits(&p, 2, &second))
		return false;
	if (month < 1 || month > 12 || day < 1 ||
	    day > days_in_month(year, month) || hour > 23 || minute > 59 ||
	    second > 60)
		return false;

	if (*p == '.') {
		int digits = 0;

		p++;
		for (; *p >= '0' && *p <= '9'; p++, digits++) {
			if (digits < 6)
				micros = micros * 10 + (*p - '0');
		}
		if (digits == 0)
			return false;
		for (; digits < 6; digits++)
			micros *= 10;
	}
	if (!read_utc_offset(&p, &offset_s) || *p != '\0')
		return false;

	seconds = days_since_epoch(year, month, day) * 86400 +
		  hour * 3600 + minute * 60 + second - offset_s;
	*out_us = seconds * 1000000 + micros;
	return true;
}

static int parse_timestamp(struct loader *ld, const yaml_node_t *node,
			   const char *name, const struct key_spec *spec,
			   void *object)
{
	const char *text = scalar_text(ld, node, name);

	if (text == NULL)
		return -1;
	if (!parse_rfc3339(text, field_of(object, spec->offset)))
		return fail(ld, node, "invalid value \"%.64s\" for %s: not an RFC "
			    "3339 timestamp; write e.g. \"2026-01-01T00:00:00Z\" "
			    "or \"2026-01-01T02:00:00+02:00\"", text, name);
	return 0;
}

/* ---- String checks ---- */

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Whether TEXT has a space or control character. */
static bool has_space_or_control(const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

/* Reads a decimal number of up to 5 digits with no sign. */
static bool read_number(const char **p, unsigned long *out)
{
	size_t n = 0;
	unsigned long value = 0;

	while (is_digit((*p)[n]) && n < 6) {
		value = value * 10 + (unsigned long)((*p)[n] - '0');
		n++;
	}
	if (n == 0 || n > 5)
		return false;
	*p += n;
	*out = value;
	return true;
}

static bool is_port(const char *text)
{
	unsigned long port;

	return read_number(&text, &port) && *text == '\0' &&
	       port >= 1 && port <= 65535;
}

/* RFC 1123 host name: dot-separated labels of letters, digits and '-'. */
static bool is_hostname(const char *host, size_t len)
{
	size_t label = 0;

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = host[i];

		if (c == '.') {
			if (label == 0 || host[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_alpha(c) && !is_digit(c) && c != '-')
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return label != 0 && host[len - 1] != '-';
}

static bool is_digits_and_dots(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(text[i]) && text[i] != '.')
			return false;
	}
	return true;
}

/* Checks the LEN bytes at HOST, which need not end in a NUL. */
static bool is_host(const char *host, size_t len, bool bracketed)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned char addr[sizeof(struct in6_addr)];

	if (bracketed) {
		if (len == 0 || len >= sizeof(buf))
			return false;
		memcpy(buf, host, len);
		buf[len] = '\0';
		return inet_pton(AF_INET6, buf, addr) == 1;
	}
	/* All digits and dots: only a dotted IPv4 address is meaningful. */
	if (len > 0 && is_digits_and_dots(host, len)) {
		if (len >= sizeof(buf))
			return false;
		memcpy(buf, host, len);
		buf[len] = '\0';
		return inet_pton(AF_INET, buf, addr) == 1;
	}
	return is_hostname(host, len);
}

/* Accepts "192.0.2.1:9002", "[2001:db8::1]:9002" and "name.example:9002". */
static bool is_host_port(const char *text)
{
	const char *port;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':')
			return false;
		if (!is_host(text + 1, (size_t)(close - text - 1), true))
			return false;
		port = close + 2;
	} else {
		const char *colon = strchr(text, ':');

		/* A second colon means an IPv6 address without brackets. */
		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			return false;
		if (!is_host(text, (size_t)(colon - text), false))
			return false;
		port = colon + 1;
	}
	return is_port(port);
}

static int check_host_port(struct loader *ld, const yaml_node_t *node,
			   const char *name, const char *text)
{
	if (is_host_port(text))
		return 0;
	return fail(ld, node, "invalid value \"%.64s\" for %s: expected host:port "
		    "with a port from 1 to 65535, e.g. \"192.0.2.10:9002\", "
		    "\"[2001:db8::10]:9002\" or \"lemf.example:9002\"",
		    text, name);
}

static int check_io_backend(struct loader *ld, const yaml_node_t *node,
			    const char *name, const char *text)
{
	if (strcmp(text, "auto") == 0 || strcmp(text, "io_uring") == 0 ||
	    strcmp(text, "epoll") == 0)
		return 0;
	return fail(ld, node, "invalid value \"%.64s\" for %s: use \"auto\", "
		    "\"io_uring\" or \"epoll\"", text, name);
}

static int check_kms_mode(struct loader *ld, const yaml_node_t *node,
			  const char *name, const char *text)
{
	if (strcmp(text, "signalling") == 0 || strcmp(text, "kms_sourced") == 0 ||
	    strcmp(text, "both") == 0)
		return 0;
	return fail(ld, node, "invalid value \"%.64s\" for %s: use \"signalling\", "
		    "\"kms_sourced\" or \"both\"", text, name);
}

/* ISO 3166-1 alpha-2 codes are two upper-case letters. */
static int check_country(struct loader *ld, const yaml_node_t *node,
			 const char *name, const char *text)
{
	if (strlen(text) == 2 && text[0] >= 'A' && text[0] <= 'Z' &&
	    text[1] >= 'A' && text[1] <= 'Z')
		return 0;
	return fail(ld, node, "invalid value \"%.64s\" for %s: expected an ISO "
		    "3166-1 alpha-2 country code of two upper-case letters, "
		    "e.g. \"DE\"", text, name);
}

/* Parses a dotted object identifier into the struct etsi_oid at
 * spec->offset. */
static int parse_oid_value(struct loader *ld, const yaml_node_t *node,
			   const char *name, const struct key_spec *spec,
			   void *object, bool relative)
{
	const char *text = scalar_text(ld, node, name);
	struct etsi_oid *oid = (struct etsi_oid *)((char *)object + spec->offset);

	if (text == NULL)
		return -1;
	if (etsi_oid_parse(text, relative, oid) == ETSI_OK)
		return 0;
	if (relative)
		return fail(ld, node, "invalid value \"%.64s\" for %s: expected "
			    "a relative object identifier of 1 to %d dotted "
			    "decimal arcs, e.g. \"5.5.6.1\"", text, name,
			    ETSI_OID_MAX_ARCS);
	return fail(ld, node, "invalid value \"%.64s\" for %s: expected an "
		    "object identifier of 2 to %d dotted decimal arcs starting "
		    "with 0, 1 or 2, e.g. \"0.4.0.2.2.5.1.17\"", text, name,
		    ETSI_OID_MAX_ARCS);
}

static int parse_oid(struct loader *ld, const yaml_node_t *node,
		     const char *name, const struct key_spec *spec,
		     void *object)
{
	return parse_oid_value(ld, node, name, spec, object, false);
}

static int parse_relative_oid(struct loader *ld, const yaml_node_t *node,
			      const char *name, const struct key_spec *spec,
			      void *object)
{
	return parse_oid_value(ld, node, name, spec, object, true);
}

/* The KMS carries key material, so only TLS is accepted. */
static int check_https_url(struct loader *ld, const yaml_node_t *node,
			   const char *name, const char *text)
{
	static const char scheme[] = "https://";

	if (strncmp(text, scheme, sizeof(scheme) - 1) == 0 &&
	    text[sizeof(scheme) - 1] != '\0' && text[sizeof(scheme) - 1] != '/' &&
	    !has_space_or_control(text))
		return 0;
	return fail(ld, node, "invalid value \"%.64s\" for %s: expected an "
		    "https:// URL with a host, e.g. "
		    "\"https://kms.example:8443/mikey\"", text, name);
}

/* A URI as RFC 3986 starts it: a scheme, a colon and a non-empty rest. */
static int check_uri(struct loader *ld, const yaml_node_t *node,
		     const char *name, const char *text)
{
	const char *p = text;

	if (is_alpha(*p)) {
		while (is_alpha(*p) || is_digit(*p) || *p == '+' || *p == '-' ||
		       *p == '.')
			p++;
		if (*p == ':' && p[1] != '\0' && !has_space_or_control(text))
			return 0;
	}
	return fail(ld, node, "invalid value \"%.64s\" for %s: expected a URI "
		    "such as \"sip:li-node-1@lime.example\"", text, name);
}

/*
 * Explains why a target with a valid scheme prefix cannot be matched, or
 * returns NULL when it can. Intercepts are matched by the key of
 * sip_target_key(), so a target must have one.
 */
static const char *target_problem(const char *text)
{
	struct sip_slice slice = { text, strlen(text) };
	struct sip_uri uri;

	if (!sip_uri_parse(slice, &uri))
		return "not a valid URI; write e.g. \"sip:alice@ims.example\" "
		       "or \"tel:+15550100\"";
	/* A URI without user part names a host, not a subscriber. */
	if (uri.scheme != SIP_URI_TEL && uri.user.len == 0)
		return "a sip: or sips: target needs a user part; write it as "
		       "sip:user@host, e.g. \"sip:alice@ims.example\"";
	if (sip_target_key(&uri, NULL, 0) != 0)
		return NULL;
	if (uri.scheme == SIP_URI_TEL)
		return "a local number needs a phone-context parameter; write "
		       "the global number, e.g. \"tel:+15550100\", or add "
		       "\";phone-context=\" with the domain or number prefix";
	return "not a URI that names a target; write e.g. "
	       "\"sip:alice@ims.example\" or \"tel:+15550100\"";
}

static int check_target(struct loader *ld, const yaml_node_t *node,
			const char *name, const char *text)
{
	static const char *const schemes[] = { "sip:", "sips:", "tel:" };
	const char *problem;

	for (size_t i = 0; i < 3; i++) {
		size_t len = strlen(schemes[i]);

		if (strncmp(text, schemes[i], len) != 0 || text[len] == '\0' ||
		    has_space_or_control(text))
			continue;
		problem = target_problem(text);
		if (problem == NULL)
			return 0;
		return fail(ld, node, "invalid value \"%.64s\" for %s: %s",
			    text, name, problem);
	}
	return fail(ld, node, "invalid value \"%.64s\" for %s: a target must be "
		    "a URI starting with sip:, sips: or tel: (lower case) and "
		    "without spaces, e.g. \"sip:alice@ims.example\"", text, name);
}

/*
 * Each ETSI TS 102 232-1 record carries the LIID as its
 * LawfulInterceptionIdentifier, an OCTET STRING of 1 to 25 bytes.
 * Printable ASCII without spaces keeps it readable in logs and summaries.
 */
static int check_liid(struct loader *ld, const yaml_node_t *node,
		      const char *name, const char *text)
{
	size_t len = strlen(text);

	for (const char *p = text; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f)
			return fail(ld, node, "invalid value \"%.64s\" for %s: "
				    "contains a space, control or non-ASCII "
				    "character; use 1 to %d printable ASCII "
				    "characters without spaces, e.g. "
				    "\"LIID-0001\"", text, name, ETSI_LIID_MAX);
	}
	if (len > ETSI_LIID_MAX)
		return fail(ld, node, "invalid value \"%.64s\" for %s: %zu bytes "
			    "long, but an LIID has at most %d (ETSI TS 102 232-1 "
			    "LawfulInterceptionIdentifier); use a shorter LIID",
			    text, name, len, ETSI_LIID_MAX);
	return 0;
}

/* Parses one "N" or "N-M" item of an lcore list and marks its lcores. */
static bool mark_lcore_range(const char **p, unsigned char *seen,
			     uint32_t *count)
{
	unsigned long first, last;

	if (!read_number(p, &first) || first > LCORE_ID_MAX)
		return false;
	last = first;
	if (**p == '-') {
		(*p)++;
		if (!read_number(p, &last) || last > LCORE_ID_MAX || last < first)
			return false;
	}
	for (unsigned long id = first; id <= last; id++) {
		if (seen[id / 8] & (1u << (id % 8)))
			return false;
		seen[id / 8] |= (unsigned char)(1u << (id % 8));
		(*count)++;
	}
	return true;
}

/* Counts the lcores of a DPDK lcore list ("0-3,8"), or returns 0 if invalid. */
static uint32_t count_lcores(const char *text)
{
	unsigned char seen[(LCORE_ID_MAX + 1) / 8] = { 0 };
	const char *p = text;
	uint32_t count = 0;

	for (;;) {
		if (!mark_lcore_range(&p, seen, &count))
			return 0;
		if (*p == '\0')
			return count;
		if (*p != ',')
			return 0;
		p++;
	}
}

static int check_lcores(struct loader *ld, const yaml_node_t *node,
			const char *name, const char *text)
{
	if (count_lcores(text) != 0)
		return 0;
	return fail(ld, node, "invalid value \"%.64s\" for %s: expected a DPDK "
		    "lcore list of distinct ids from 0 to %d, e.g. \"0-3\" or "
		    "\"0,2,4\"", text, name, LCORE_ID_MAX);
}

/* ---- Strings and lists ---- */

static int parse_string(struct loader *ld, const yaml_node_t *node,
			const char *name, const struct key_spec *spec,
			void *object)
{
	const char *text = scalar_text(ld, node, name);

	if (text == NULL)
		return -1;
	if (text[0] == '\0')
		return fail(ld, node, "%s is empty; give a value or remove the key",
			    name);
	if (spec->check != NULL && spec->check(ld, node, name, text) != 0)
		return -1;
	return copy_string(ld, text, field_of(object, spec->offset));
}

static int find_duplicate(char *const *list, size_t n, const char *text)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i], text) == 0)
			return (int)i;
	}
	return -1;
}

/* Parses a list of strings into a char ** and its size_t count. */
static int parse_string_list(struct loader *ld, const yaml_node_t *node,
			     const char *name, const struct key_spec *spec,
			     void *object)
{
	char ***list = field_of(object, spec->offset);
	size_t *count = field_of(object, spec->count_offset);
	const yaml_node_item_t *items;
	size_t n;

	if (sequence_items(ld, node, name, &items, &n) != 0)
		return -1;
	if (n < spec->min)
		return fail(ld, node, "%s is empty; list at least %" PRIu64
			    " value", name, spec->min);
	if (n > spec->max)
		return fail(ld, node, "%s has %zu entries; at most %" PRIu64
			    " are allowed", name, n, spec->max);
	if (n == 0)
		return 0;

	*list = calloc(n, sizeof(**list));
	if (*list == NULL)
		return fail_memory(ld);
	*count = n;
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item = take_node(ld, items[i], node);
		char item_name[NAME_LEN];
		const char *text;
		int first;

		if (item == NULL)
			return -1;
		snprintf(item_name, sizeof(item_name), "%s[%zu]", name, i);
		text = scalar_text(ld, item, item_name);
		if (text == NULL)
			return -1;
		if (text[0] == '\0')
			return fail(ld, item, "%s is empty; remove it or give a "
				    "value", item_name);
		if (spec->check != NULL &&
		    spec->check(ld, item, item_name, text) != 0)
			return -1;
		first = spec->unique ? find_duplicate(*list, i, text) : -1;
		if (first >= 0)
			return fail(ld, item, "%s repeats \"%.64s\" of %s[%d]; "
				    "remove one of them", item_name, text,
				    name, first);
		if (copy_string(ld, text, &(*list)[i]) != 0)
			return -1;
	}
	return 0;
}

static int parse_sip_ports(struct loader *ld, const yaml_node_t *node,
			   const char *name, const struct key_spec *spec,
			   void *object)
{
	struct lime_config *cfg = object;
	const yaml_node_item_t *items;
	size_t n;

	(void)spec;
	if (sequence_items(ld, node, name, &items, &n) != 0)
		return -1;
	if (n == 0)
		return fail(ld, node, "%s is empty; list at least one port, "
			    "e.g. [5060]", name);
	if (n > LIME_MAX_SIP_PORTS)
		return fail(ld, node, "%s has %zu ports; at most %d are allowed",
			    name, n, LIME_MAX_SIP_PORTS);

	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item = take_node(ld, items[i], node);
		char item_name[NAME_LEN];
		uint64_t port = 0;

		if (item == NULL)
			return -1;
		snprintf(item_name, sizeof(item_name), "%s[%zu]", name, i);
		if (parse_integer(ld, item, item_name, 1, 65535, &port) != 0)
			return -1;
		for (size_t j = 0; j < i; j++) {
			if (cfg->sip_ports[j] == port)
				return fail(ld, item, "%s repeats port %" PRIu64
					    " of %s[%zu]; remove one of them",
					    item_name, port, name, j);
		}
		cfg->sip_ports[i] = (uint16_t)port;
	}
	cfg->n_sip_ports = n;
	return 0;
}

static int parse_psk(struct loader *ld, const yaml_node_t *node,
		     const char *name, const struct key_spec *spec, void *object)
{
	struct lime_kms_config *kms = object;
	const char *text = scalar_text(ld, node, name);
	size_t len;

	(void)spec;
	if (text == NULL)
		return -1;
	/* Messages here never quote the value, because it is a secret. */
	len = strlen(text);
	if (len % 2 != 0 || strspn(text, "0123456789abcdefABCDEF") != len)
		return fail(ld, node, "invalid %s (value not shown): expected an "
			    "even number of hex digits; generate a key with "
			    "\"openssl rand -hex 32\"", name);
	if (len / 2 < LIME_KMS_PSK_MIN_BYTES)
		return fail(ld, node, "%s is %zu bytes long; use at least %d "
			    "bytes (%d hex digits), e.g. from \"openssl rand -hex "
			    "32\"", name, len / 2, LIME_KMS_PSK_MIN_BYTES,
			    2 * LIME_KMS_PSK_MIN_BYTES);

	kms->psk = malloc(len / 2);
	if (kms->psk == NULL)
		return fail_memory(ld);
	kms->psk_len = len / 2;
	for (size_t i = 0; i < kms->psk_len; i++) {
		char pair[3] = { text[2 * i], text[2 * i + 1], '\0' };

		kms->psk[i] = (uint8_t)strtoul(pair, NULL, 16);
		OPENSSL_cleanse(pair, sizeof(pair));
	}
	return 0;
}

/* ---- Mappings ---- */

/* Applies SPECS to the keys of MAP. SECTION is "" at the top level. */
static int parse_mapping(struct loader *ld, const yaml_node_t *map,
			 const char *section, const struct key_spec *specs,
			 size_t n_specs, void *object)
{
	char where[NAME_LEN + 8];   /* "in " and the section */
	uint64_t seen = 0;

	if (section[0] == '\0')
		snprintf(where, sizeof(where), "at top level");
	else
		snprintf(where, sizeof(where), "in %s", section);

	if (map->type != YAML_MAPPING_NODE) {
		if (section[0] == '\0')
			return fail(ld, map, "the configuration must be a mapping "
				    "of keys such as lcores: \"0-1\", not "
				    "%s", kind_name(map));
		return fail(ld, map, "%s must be a mapping of keys, not %s; see "
			    "docs/config.md for its keys", section,
			    is_null(map) ? "an empty value" : kind_name(map));
	}

	for (const yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = take_node(ld, pair->key, map);
		const yaml_node_t *value;
		char name[NAME_LEN + 64];   /* the section, a dot and the key */
		const char *text;
		size_t i;

		if (key == NULL)
			return -1;
		if (key->type != YAML_SCALAR_NODE)
			return fail(ld, key, "a key %s is %s; keys must be plain "
				    "names", where, kind_name(key));
		text = (const char *)key->data.scalar.value;
		for (i = 0; i < n_specs; i++) {
			if (strcmp(specs[i].key, text) == 0)
				break;
		}
		if (i == n_specs || strlen(text) != key->data.scalar.length)
			return fail(ld, key, "unknown key \"%.64s\" %s; see "
				    "docs/config.md for the keys", text, where);

		if (section[0] == '\0')
			snprintf(name, sizeof(name), "%s", specs[i].key);
		else
			snprintf(name, sizeof(name), "%s.%s", section, specs[i].key);
		if (seen & (UINT64_C(1) << i))
			return fail(ld, key, "duplicate key \"%s\"; remove one of "
				    "the two", name);
		seen |= UINT64_C(1) << i;

		value = take_node(ld, pair->value, key);
		if (value == NULL)
			return -1;
		if (specs[i].parse(ld, value, name, &specs[i], object) != 0)
			return -1;
	}

	for (size_t i = 0; i < n_specs; i++) {
		if (specs[i].required && !(seen & (UINT64_C(1) << i)))
			return fail(ld, map, "missing required key \"%s\" %s; add "
				    "it (see docs/config.md)", specs[i].key, where);
	}
	return 0;
}

/* Client certificate and key only work as a pair. */
static int check_cert_pair(struct loader *ld, const yaml_node_t *map,
			   const char *section, const char *cert_file,
			   const char *key_file)
{
	if ((cert_file == NULL) == (key_file == NULL))
		return 0;
	return fail(ld, map, "%s has %s without %s; give both cert_file and "
		    "key_file for a client certificate, or neither", section,
		    cert_file != NULL ? "cert_file" : "key_file",
		    cert_file != NULL ? "key_file" : "cert_file");
}

#define KMS(field) offsetof(struct lime_kms_config, field)

static const struct key_spec kms_keys[] = {
	{ .key = "url", .parse = parse_string, .offset = KMS(url),
	  .required = true, .check = check_https_url },
	{ .key = "ca_file", .parse = parse_string, .offset = KMS(ca_file),
	  .required = true },
	{ .key = "cert_file", .parse = parse_string, .offset = KMS(cert_file) },
	{ .key = "key_file", .parse = parse_string, .offset = KMS(key_file) },
	{ .key = "identity", .parse = parse_string, .offset = KMS(identity),
	  .required = true, .check = check_uri },
	{ .key = "kms_identity", .parse = parse_string,
	  .offset = KMS(kms_identity), .required = true, .check = check_uri },
	{ .key = "psk_hex", .parse = parse_psk, .required = true },
	{ .key = "timeout_ms", .parse = parse_u32, .offset = KMS(timeout_ms),
	  .min = 1, .max = 600000 },
	{ .key = "skew_s", .parse = parse_u32, .offset = KMS(skew_s),
	  .min = 0, .max = 86400 },
	{ .key = "rate_limit", .parse = parse_u32, .offset = KMS(rate_limit),
	  .min = 0, .max = 1000000 },
	{ .key = "source_rate_limit", .parse = parse_u32,
	  .offset = KMS(source_rate_limit), .min = 0, .max = 1000000 },
	{ .key = "retries", .parse = parse_u32, .offset = KMS(retries),
	  .min = 0, .max = 10 },
	{ .key = "mode", .parse = parse_string, .offset = KMS(mode),
	  .check = check_kms_mode },
};

static int parse_kms(struct loader *ld, const yaml_node_t *node,
		     const char *name, const struct key_spec *spec, void *object)
{
	struct lime_kms_config *kms = field_of(object, spec->offset);

	kms->present = true;
	if (parse_mapping(ld, node, name, kms_keys,
			  sizeof(kms_keys) / sizeof(kms_keys[0]), kms) != 0)
		return -1;
	return check_cert_pair(ld, node, name, kms->cert_file, kms->key_file);
}

#define INTERCEPT(field) offsetof(struct lime_intercept, field)

static const struct key_spec intercept_keys[] = {
	{ .key = "liid", .parse = parse_string, .offset = INTERCEPT(liid),
	  .required = true, .check = check_liid },
	{ .key = "targets", .parse = parse_string_list,
	  .offset = INTERCEPT(targets), .count_offset = INTERCEPT(n_targets),
	  .min = 1, .max = SIZE_MAX, .required = true, .unique = true,
	  .check = check_target },
	{ .key = "start", .parse = parse_timestamp, .offset = INTERCEPT(start_us) },
	{ .key = "end", .parse = parse_timestamp, .offset = INTERCEPT(end_us) },
	{ .key = "agency", .parse = parse_string, .offset = INTERCEPT(agency),
	  .required = true },
};

/* Writes microseconds since the epoch as RFC 3339 UTC. */
static void format_us(int64_t us, char *buf, size_t cap)
{
	time_t secs = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int parse_intercept(struct loader *ld, const yaml_node_t *node,
			   const char *section, struct lime_intercept *ic)
{
	ic->start_us = INT64_MIN;
	ic->end_us = INT64_MAX;
	if (parse_mapping(ld, node, section, intercept_keys,
			  sizeof(intercept_keys) / sizeof(intercept_keys[0]),
			  ic) != 0)
		return -1;
	if (ic->start_us >= ic->end_us) {
		char start[32], end[32];
		format_us(ic->start_us, start, sizeof(start));
		format_us(ic->end_us, end, sizeof(end));
		return fail(ld, mapping_value(ld, node, "start"), "%s.start (%s) is "
			    "not before %s.end (%s); fix the validity window of "
			    "the warrant", section, start, section, end);
	}
	return 0;
}

static int parse_intercepts(struct loader *ld, const yaml_node_t *node,
			    const char *name, const struct key_spec *spec,
			    void *object)
{
	struct lime_config *cfg = object;
	const yaml_node_item_t *items;
	size_t n;

	(void)spec;
	if (sequence_items(ld, node, name, &items, &n) != 0)
		return -1;
	if (n == 0)
		return 0;
	cfg->intercepts = calloc(n, sizeof(*cfg->intercepts));
	if (cfg->intercepts == NULL)
		return fail_memory(ld);
	cfg->n_intercepts = n;

	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item = take_node(ld, items[i], node);
		char section[NAME_LEN];

		if (item == NULL)
			return -1;
		snprintf(section, sizeof(section), "%s[%zu]", name, i);
		if (parse_intercept(ld, item, section, &cfg->intercepts[i]) != 0)
			return -1;
	}
	return 0;
}

#define AGENCY(field) offsetof(struct lime_agency, field)

static const struct key_spec agency_keys[] = {
	{ .key = "name", .parse = parse_string, .offset = AGENCY(name),
	  .required = true },
	{ .key = "hi2", .parse = parse_string, .offset = AGENCY(hi2),
	  .required = true, .check = check_host_port },
	{ .key = "hi3", .parse = parse_string, .offset = AGENCY(hi3),
	  .required = true, .check = check_host_port },
	{ .key = "tls", .parse = parse_bool, .offset = AGENCY(tls) },
	{ .key = "ca_file", .parse = parse_string, .offset = AGENCY(ca_file) },
	{ .key = "cert_file", .parse = parse_string, .offset = AGENCY(cert_file) },
	{ .key = "key_file", .parse = parse_string, .offset = AGENCY(key_file) },
	{ .key = "authorization_country", .parse = parse_string,
	  .offset = AGENCY(authorization_country), .check = check_country },
	{ .key = "delivery_country", .parse = parse_string,
	  .offset = AGENCY(delivery_country), .check = check_country },
	{ .key = "operator_id", .parse = parse_string,
	  .offset = AGENCY(operator_id) },
	{ .key = "network_element_id", .parse = parse_string,
	  .offset = AGENCY(network_element_id) },
	{ .key = "keepalive_s", .parse = parse_u32, .offset = AGENCY(keepalive_s),
	  .min = 0, .max = 86400 },
	{ .key = "oid_domain_id", .parse = parse_oid,
	  .offset = AGENCY(oids.domain_id) },
	{ .key = "oid_ipmm_iri", .parse = parse_relative_oid,
	  .offset = AGENCY(oids.ipmm_iri) },
	{ .key = "oid_ipmm_cc", .parse = parse_relative_oid,
	  .offset = AGENCY(oids.ipmm_cc) },
};

/*
 * TLS files without tls: true would silently deliver in clear text, and TLS
 * without a CA could not verify the LEA, so both are errors.
 */
static int check_agency_tls(struct loader *ld, const yaml_node_t *node,
			    const char *section, const struct lime_agency *ag)
{
	if (!ag->tls) {
		const char *file = ag->ca_file != NULL ? "ca_file" :
				   ag->cert_file != NULL ? "cert_file" :
				   ag->key_file != NULL ? "key_file" : NULL;

		if (file == NULL)
			return 0;
		return fail(ld, mapping_value(ld, node, file), "%s.%s is set but "
			    "%s.tls is false; set tls: true or remove %s",
			    section, file, section, file);
	}
	if (ag->ca_file == NULL)
		return fail(ld, node, "%s has tls: true but no ca_file; add the CA "
			    "file that signs the LEA's certificate", section);
	return check_cert_pair(ld, node, section, ag->cert_file, ag->key_file);
}

static int parse_agencies(struct loader *ld, const yaml_node_t *node,
			  const char *name, const struct key_spec *spec,
			  void *object)
{
	struct lime_config *cfg = object;
	const yaml_node_item_t *items;
	size_t n;

	(void)spec;
	if (sequence_items(ld, node, name, &items, &n) != 0)
		return -1;
	if (n == 0)
		return 0;
	cfg->agencies = calloc(n, sizeof(*cfg->agencies));
	if (cfg->agencies == NULL)
		return fail_memory(ld);
	cfg->n_agencies = n;

	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item = take_node(ld, items[i], node);
		struct lime_agency *ag = &cfg->agencies[i];
		char section[NAME_LEN];

		if (item == NULL)
			return -1;
		snprintf(section, sizeof(section), "%s[%zu]", name, i);
		ag->keepalive_s = 30;
		etsi_oids_default(&ag->oids);
		if (parse_mapping(ld, item, section, agency_keys,
				  sizeof(agency_keys) / sizeof(agency_keys[0]),
				  ag) != 0)
			return -1;
		if (check_agency_tls(ld, item, section, ag) != 0)
			return -1;
	}
	return 0;
}

#define MANAGEMENT(field) offsetof(struct lime_management_config, field)

static const struct key_spec management_keys[] = {
	{ .key = "listen", .parse = parse_string, .offset = MANAGEMENT(listen),
	  .required = true, .check = check_host_port },
	{ .key = "cert_file", .parse = parse_string,
	  .offset = MANAGEMENT(cert_file), .required = true },
	{ .key = "key_file", .parse = parse_string,
	  .offset = MANAGEMENT(key_file), .required = true },
	{ .key = "client_ca_file", .parse = parse_string,
	  .offset = MANAGEMENT(client_ca_file), .required = true },
	{ .key = "audit_file", .parse = parse_string,
	  .offset = MANAGEMENT(audit_file) },
	{ .key = "max_request_bytes", .parse = parse_u32,
	  .offset = MANAGEMENT(max_request_bytes), .min = 1024,
	  .max = 16u * 1024 * 1024 },
};

static int parse_management(struct loader *ld, const yaml_node_t *node,
			    const char *name, const struct key_spec *spec,
			    void *object)
{
	struct lime_management_config *mg = field_of(object, spec->offset);

	mg->present = true;
	return parse_mapping(ld, node, name, management_keys,
			     sizeof(management_keys) / sizeof(management_keys[0]),
			     mg);
}

#define CFG(field) offsetof(struct lime_config, field)

/* Up to 64 keys per table, the width of the duplicate mask in parse_mapping. */
static const struct key_spec top_keys[] = {
	{ .key = "lcores", .parse = parse_string, .offset = CFG(lcores),
	  .required = true, .check = check_lcores },
	{ .key = "workers", .parse = parse_u32, .offset = CFG(workers),
	  .min = 1, .max = LCORE_ID_MAX },
	{ .key = "ports", .parse = parse_string_list, .offset = CFG(ports),
	  .count_offset = CFG(n_ports), .min = 0, .max = LIME_MAX_PORTS,
	  .unique = true },
	{ .key = "sip_ports", .parse = parse_sip_ports },
	{ .key = "kms", .parse = parse_kms, .offset = CFG(kms) },
	{ .key = "intercepts", .parse = parse_intercepts },
	{ .key = "agencies", .parse = parse_agencies },
	{ .key = "spool_dir", .parse = parse_string, .offset = CFG(spool_dir) },
	{ .key = "eal_args", .parse = parse_string_list, .offset = CFG(eal_args),
	  .count_offset = CFG(n_eal_args), .min = 0, .max = SIZE_MAX },
	{ .key = "stats_interval_s", .parse = parse_u32,
	  .offset = CFG(stats_interval_s), .min = 0, .max = 86400 },
	{ .key = "mbufs", .parse = parse_u32, .offset = CFG(mbufs),
	  .min = 1024, .max = UINT32_MAX },
	/* rte_eth_rx_queue_setup takes the descriptor count as a uint16_t. */
	{ .key = "rx_ring_size", .parse = parse_u32, .offset = CFG(rx_ring_size),
	  .min = 64, .max = 65535 },
	{ .key = "sip_ring_size", .parse = parse_u32_pow2,
	  .offset = CFG(sip_ring_size), .min = 64, .max = UINT32_C(1) << 30 },
	{ .key = "worker_ring_size", .parse = parse_u32_pow2,
	  .offset = CFG(worker_ring_size), .min = 64, .max = UINT32_C(1) << 30 },
	{ .key = "max_flows", .parse = parse_u32, .offset = CFG(max_flows),
	  .min = 1, .max = UINT32_C(1) << 30 },
	{ .key = "frag_max_datagrams", .parse = parse_u32,
	  .offset = CFG(frag_max_datagrams), .min = 1, .max = UINT32_C(1) << 30 },
	{ .key = "frag_timeout_ms", .parse = parse_u32,
	  .offset = CFG(frag_timeout_ms), .min = 1, .max = 600000 },
	{ .key = "tcp_max_streams", .parse = parse_u32,
	  .offset = CFG(tcp_max_streams), .min = 1, .max = UINT32_C(1) << 30 },
	{ .key = "tcp_max_stream_bytes", .parse = parse_u32,
	  .offset = CFG(tcp_max_stream_bytes), .min = 1024,
	  .max = UINT32_C(1) << 30 },
	{ .key = "tcp_max_total_bytes", .parse = parse_u64,
	  .offset = CFG(tcp_max_total_bytes), .min = 1024, .max = UINT64_MAX },
	{ .key = "tcp_idle_timeout_s", .parse = parse_u32,
	  .offset = CFG(tcp_idle_timeout_s), .min = 1, .max = 604800 },
	{ .key = "sip_max_message", .parse = parse_u32,
	  .offset = CFG(sip_max_message), .min = 512, .max = 16u * 1024 * 1024 },
	{ .key = "vxlan_port", .parse = parse_u16, .offset = CFG(vxlan_port),
	  .min = 0, .max = 65535 },
	{ .key = "max_dialogs", .parse = parse_u32, .offset = CFG(max_dialogs),
	  .min = 16, .max = UINT32_C(1) << 26 },
	{ .key = "dialog_timeout_s", .parse = parse_u32,
	  .offset = CFG(dialog_timeout_s), .min = 1, .max = 604800 },
	{ .key = "metrics_listen", .parse = parse_string,
	  .offset = CFG(metrics_listen), .check = check_host_port },
	{ .key = "early_dialog_timeout_s", .parse = parse_u32,
	  .offset = CFG(early_dialog_timeout_s), .min = 1, .max = 86400 },
	{ .key = "spool_quota_mb", .parse = parse_u64,
	  .offset = CFG(spool_quota_mb), .min = 0, .max = UINT64_C(1) << 40 },
	{ .key = "keepalive_wait_s", .parse = parse_u32,
	  .offset = CFG(keepalive_wait_s), .min = 1, .max = 3600 },
	{ .key = "io_backend", .parse = parse_string,
	  .offset = CFG(io_backend), .check = check_io_backend },
	{ .key = "delivery_memory_mb", .parse = parse_u32,
	  .offset = CFG(delivery_memory_mb), .min = 1, .max = 1u << 20 },
	{ .key = "management", .parse = parse_management,
	  .offset = CFG(management) },
};

/* ---- Checks across keys ---- */

static int check_unique_liids(struct loader *ld, const struct lime_config *cfg)
{
	for (size_t i = 0; i < cfg->n_intercepts; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(cfg->intercepts[i].liid,
				   cfg->intercepts[j].liid) != 0)
				continue;
			return fail(ld, list_entry_value(ld, "intercepts", i, "liid"),
				    "intercepts[%zu].liid \"%.64s\" repeats the "
				    "LIID of intercepts[%zu]; each LIID must be "
				    "unique", i, cfg->intercepts[i].liid, j);
		}
	}
	return 0;
}

static int check_unique_agencies(struct loader *ld, const struct lime_config *cfg)
{
	for (size_t i = 0; i < cfg->n_agencies; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(cfg->agencies[i].name, cfg->agencies[j].name) != 0)
				continue;
			return fail(ld, list_entry_value(ld, "agencies", i, "name"),
				    "agencies[%zu].name \"%.64s\" repeats the name "
				    "of agencies[%zu]; each agency name must be "
				    "unique", i, cfg->agencies[i].name, j);
		}
	}
	return 0;
}

static int check_agency_references(struct loader *ld,
				   const struct lime_config *cfg)
{
	for (size_t i = 0; i < cfg->n_intercepts; i++) {
		const char *agency = cfg->intercepts[i].agency;
		bool found = false;

		for (size_t j = 0; j < cfg->n_agencies && !found; j++)
			found = strcmp(cfg->agencies[j].name, agency) == 0;
		if (!found)
			return fail(ld, list_entry_value(ld, "intercepts", i, "agency"),
				    "intercepts[%zu].agency \"%.64s\" is not the "
				    "name of any entry in agencies; add that agency "
				    "or correct the name", i, agency);
	}
	return 0;
}

static const yaml_node_t *top_value(struct loader *ld, const char *key)
{
	return mapping_value(ld, yaml_document_get_root_node(&ld->doc), key);
}

/* Stream buffers must hold the largest SIP message they reassemble. */
static int check_tcp_limits(struct loader *ld, const struct lime_config *cfg)
{
	if (cfg->tcp_max_stream_bytes < cfg->sip_max_message)
		return fail(ld, top_value(ld, "tcp_max_stream_bytes"),
			    "tcp_max_stream_bytes (%" PRIu32 ") is less than "
			    "sip_max_message (%" PRIu32 "); raise "
			    "tcp_max_stream_bytes or lower sip_max_message",
			    cfg->tcp_max_stream_bytes, cfg->sip_max_message);
	if (cfg->tcp_max_total_bytes < cfg->tcp_max_stream_bytes)
		return fail(ld, top_value(ld, "tcp_max_total_bytes"),
			    "tcp_max_total_bytes (%" PRIu64 ") is less than "
			    "tcp_max_stream_bytes (%" PRIu32 "); raise "
			    "tcp_max_total_bytes", cfg->tcp_max_total_bytes,
			    cfg->tcp_max_stream_bytes);
	return 0;
}

/* The first lcore is the main lcore, so each worker needs one more. */
static int check_worker_lcores(struct loader *ld, const struct lime_config *cfg)
{
	uint32_t n_lcores = count_lcores(cfg->lcores);

	if (cfg->workers < n_lcores)
		return 0;
	return fail(ld, top_value(ld, "workers"), "workers is %" PRIu32 " but "
		    "lcores \"%.64s\" lists %" PRIu32 " lcore%s; list at least %"
		    PRIu64 " lcores (the main lcore plus one per worker) or "
		    "lower workers", cfg->workers, cfg->lcores, n_lcores,
		    n_lcores == 1 ? "" : "s", (uint64_t)cfg->workers + 1);
}

static int check_config(struct loader *ld, const struct lime_config *cfg)
{
	if (check_unique_liids(ld, cfg) != 0 ||
	    check_unique_agencies(ld, cfg) != 0 ||
	    check_agency_references(ld, cfg) != 0 ||
	    check_tcp_limits(ld, cfg) != 0 ||
	    check_worker_lcores(ld, cfg) != 0)
		return -1;
	return 0;
}

/* ---- Loading ---- */

static int set_defaults(struct loader *ld, struct lime_config *cfg)
{
	cfg->workers = 1;
	cfg->sip_ports[0] = 5060;
	cfg->n_sip_ports = 1;
	cfg->kms.timeout_ms = 1000;
	cfg->kms.skew_s = 300;
	cfg->kms.rate_limit = 50;
	cfg->kms.source_rate_limit = 5;
	cfg->kms.retries = 2;
	cfg->stats_interval_s = 10;
	cfg->mbufs = 16383;
	cfg->rx_ring_size = 1024;
	cfg->sip_ring_size = 4096;
	cfg->worker_ring_size = 4096;
	cfg->max_flows = 65536;
	cfg->frag_max_datagrams = 1000;
	cfg->frag_timeout_ms = 2000;
	cfg->tcp_max_streams = 65536;
	cfg->tcp_max_stream_bytes = 262144;
	cfg->tcp_max_total_bytes = 268435456;
	cfg->tcp_idle_timeout_s = 3600;
	cfg->sip_max_message = 65535;
	cfg->vxlan_port = 4789;
	cfg->max_dialogs = 100000;
	cfg->dialog_timeout_s = 14400;
	cfg->early_dialog_timeout_s = 180;
	cfg->keepalive_wait_s = 5;
	cfg->delivery_memory_mb = 64;
	cfg->management.max_request_bytes = 65536;
	return copy_string(ld, "/var/spool/lime", &cfg->spool_dir);
}

static struct lime_config *build_config(struct loader *ld)
{
	const yaml_node_t *root = yaml_document_get_root_node(&ld->doc);
	struct lime_config *cfg;

	if (root == NULL) {
		fail_line(ld, 0, "the configuration is empty; it needs at least "
			  "the lcores key (see docs/config.md)");
		return NULL;
	}
	ld->n_nodes = (size_t)(ld->doc.nodes.top - ld->doc.nodes.start);
	ld->visited = calloc(ld->n_nodes, 1);
	cfg = calloc(1, sizeof(*cfg));
	if (ld->visited == NULL || cfg == NULL) {
		fail_memory(ld);
		free(cfg);
		return NULL;
	}

	/* The root is node 1 in every libyaml document. */
	if (set_defaults(ld, cfg) != 0 || take_node(ld, 1, NULL) == NULL ||
	    parse_mapping(ld, root, "", top_keys,
			  sizeof(top_keys) / sizeof(top_keys[0]), cfg) != 0 ||
	    check_config(ld, cfg) != 0) {
		lime_config_free(cfg);
		return NULL;
	}
	return cfg;
}

static void report_yaml_error(struct loader *ld, const yaml_parser_t *parser)
{
	const char *problem = parser->problem != NULL ? parser->problem :
			      "unknown problem";

	if (parser->error == YAML_MEMORY_ERROR) {
		fail_memory(ld);
		return;
	}
	if (parser->error == YAML_READER_ERROR) {
		fail_line(ld, 0, "invalid YAML at byte offset %zu: %s; save the "
			  "file as UTF-8 text", parser->problem_offset, problem);
		return;
	}
	if (parser->context != NULL)
		fail_line(ld, parser->problem_mark.line + 1, "invalid YAML: %s "
			  "(%s on line %zu); fix the syntax", problem,
			  parser->context, parser->context_mark.line + 1);
	else
		fail_line(ld, parser->problem_mark.line + 1, "invalid YAML: %s; "
			  "fix the syntax", problem);
}

/*
 * Wipes every scalar of DOC before libyaml frees it, since one of them is
 * psk_hex.
 */
static void wipe_document(yaml_document_t *doc)
{
	for (yaml_node_t *node = doc->nodes.start; node < doc->nodes.top; node++) {
		if (node->type == YAML_SCALAR_NODE && node->data.scalar.value != NULL)
			OPENSSL_cleanse(node->data.scalar.value,
					node->data.scalar.length);
	}
}

/*
 * Wipes the copies of the input that the parser keeps: its read buffers and
 * the scalar tokens not yet consumed.
 * NOTE: libyaml grows a scalar with realloc while scanning it and frees
 * partial documents on errors without wiping, so pieces of psk_hex can stay
 * in freed heap memory. libyaml 0.2 has no allocator hook to prevent that.
 */
static void wipe_parser(yaml_parser_t *parser)
{
	if (parser->raw_buffer.start != NULL)
		OPENSSL_cleanse(parser->raw_buffer.start,
				(size_t)(parser->raw_buffer.end -
					 parser->raw_buffer.start));
	if (parser->buffer.start != NULL)
		OPENSSL_cleanse(parser->buffer.start,
				(size_t)(parser->buffer.end - parser->buffer.start));
	for (yaml_token_t *token = parser->tokens.head;
	     token != NULL && token < parser->tokens.tail; token++) {
		if (token->type == YAML_SCALAR_TOKEN &&
		    token->data.scalar.value != NULL)
			OPENSSL_cleanse(token->data.scalar.value,
					token->data.scalar.length);
	}
}

/* Rejects a second YAML document, which the loader would otherwise ignore. */
static int check_single_document(struct loader *ld, yaml_parser_t *parser)
{
	yaml_document_t next;
	size_t line;
	bool has_root;

	if (!yaml_parser_load(parser, &next)) {
		report_yaml_error(ld, parser);
		return -1;
	}
	has_root = yaml_document_get_root_node(&next) != NULL;
	line = next.start_mark.line + 1;
	wipe_document(&next);
	yaml_document_delete(&next);
	if (has_root)
		return fail_line(ld, line, "a second YAML document starts here; "
				 "the configuration must be a single document, so "
				 "remove the \"---\" line and what follows");
	return 0;
}

struct lime_config *lime_config_load_buffer(const char *buf, size_t len,
					    char *err, size_t err_len)
{
	struct loader ld = { .err = err, .err_len = err != NULL ? err_len : 0 };
	struct lime_config *cfg = NULL;
	yaml_parser_t parser;

	if (ld.err_len > 0)
		err[0] = '\0';
	if (len > LIME_CONFIG_MAX_BYTES) {
		fail_line(&ld, 0, "the configuration is %zu bytes; at most %u "
			  "bytes are allowed", len, LIME_CONFIG_MAX_BYTES);
		return NULL;
	}
	if (!yaml_parser_initialize(&parser)) {
		fail_memory(&ld);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);

	if (!yaml_parser_load(&parser, &ld.doc)) {
		report_yaml_error(&ld, &parser);
	} else {
		if (check_single_document(&ld, &parser) == 0)
			cfg = build_config(&ld);
		wipe_document(&ld.doc);
		yaml_document_delete(&ld.doc);
	}

	wipe_parser(&parser);
	yaml_parser_delete(&parser);
	free(ld.visited);
	if (cfg == NULL)
		sanitize_error(err, ld.err_len);
	return cfg;
}

/* Moves USED bytes of OLD into a new buffer of SIZE bytes and wipes OLD. */
static char *grow_buffer(char *old, size_t used, size_t size)
{
	char *buf = malloc(size);

	if (buf == NULL)
		return NULL;
	if (old != NULL) {
		memcpy(buf, old, used);
		OPENSSL_cleanse(old, used);
		free(old);
	}
	return buf;
}

static void discard_buffer(char *buf, size_t used)
{
	if (buf == NULL)
		return;
	OPENSSL_cleanse(buf, used);
	free(buf);
}

/*
 * Reads all of FD. It does not trust st_size, so pipes such as "<(...)"
 * work too. Returns 0, or an errno value (EFBIG past LIME_CONFIG_MAX_BYTES).
 */
static int read_all(int fd, char **out, size_t *out_len)
{
	/*
	 * Reading one byte past the limit distinguishes a file at the limit
	 * from a larger one.
	 */
	const size_t limit = (size_t)LIME_CONFIG_MAX_BYTES + 1;
	size_t size = 0, used = 0;
	char *buf = NULL;

	for (;;) {
		ssize_t n;

		if (used == limit) {
			discard_buffer(buf, used);
			return EFBIG;
		}
		if (used == size) {
			size_t new_size = size == 0 ? 65536 : size * 2;
			char *bigger;

			if (new_size > limit)
				new_size = limit;
			bigger = grow_buffer(buf, used, new_size);
			if (bigger == NULL) {
				discard_buffer(buf, used);
				return ENOMEM;
			}
			buf = bigger;
			size = new_size;
		}

		n = read(fd, buf + used, size - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;

			discard_buffer(buf, used);
			return saved;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	*out = buf;
	*out_len = used;
	return 0;
}

struct lime_config *lime_config_load(const char *path, char *err, size_t err_len)
{
	struct lime_config *cfg;
	struct stat st;
	size_t len = 0;
	char *buf = NULL;
	int fd, rc;

	if (err != NULL && err_len > 0)
		err[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		write_error(err, err_len, "cannot open config file \"%s\": %s; "
			    "check the path and that the lime user may read it",
			    path, strerror(errno));
		sanitize_error(err, err_len);
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		write_error(err, err_len, "config file \"%s\" is a directory; "
			    "give the path of the YAML file", path);
		sanitize_error(err, err_len);
		return NULL;
	}

	rc = read_all(fd, &buf, &len);
	close(fd);
	if (rc != 0) {
		write_error(err, err_len, "cannot read config file \"%s\": %s; "
			    "check the file (at most %u bytes)", path,
			    strerror(rc), LIME_CONFIG_MAX_BYTES);
		sanitize_error(err, err_len);
		return NULL;
	}

	cfg = lime_config_load_buffer(buf, len, err, err_len);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return cfg;
}

/* ---- Freeing ---- */

static void free_string_list(char **list, size_t n)
{
	if (list == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static void free_kms(struct lime_kms_config *kms)
{
	free(kms->url);
	free(kms->ca_file);
	free(kms->cert_file);
	free(kms->key_file);
	free(kms->identity);
	free(kms->kms_identity);
	free(kms->mode);
	if (kms->psk != NULL) {
		OPENSSL_cleanse(kms->psk, kms->psk_len);
		free(kms->psk);
	}
}

static void free_intercept(struct lime_intercept *ic)
{
	free(ic->liid);
	free_string_list(ic->targets, ic->n_targets);
	free(ic->agency);
}

static void free_agency(struct lime_agency *ag)
{
	free(ag->name);
	free(ag->hi2);
	free(ag->hi3);
	free(ag->ca_file);
	free(ag->cert_file);
	free(ag->key_file);
	free(ag->authorization_country);
	free(ag->delivery_country);
	free(ag->operator_id);
	free(ag->network_element_id);
}

static void free_management(struct lime_management_config *mg)
{
	free(mg->listen);
	free(mg->cert_file);
	free(mg->key_file);
	free(mg->client_ca_file);
	free(mg->audit_file);
}

void lime_config_free(struct lime_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->lcores);
	free_string_list(cfg->ports, cfg->n_ports);
	free_kms(&cfg->kms);
	for (size_t i = 0; i < cfg->n_intercepts; i++)
		free_intercept(&cfg->intercepts[i]);
	free(cfg->intercepts);
	for (size_t i = 0; i < cfg->n_agencies; i++)
		free_agency(&cfg->agencies[i]);
	free(cfg->agencies);
	free(cfg->metrics_listen);
	free(cfg->io_backend);
	free_management(&cfg->management);
	free(cfg->spool_dir);
	free_string_list(cfg->eal_args, cfg->n_eal_args);
	free(cfg);
}
