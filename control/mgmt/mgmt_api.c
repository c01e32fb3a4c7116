/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mgmt/mgmt_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control/mgmt/mgmt_json.h"
#include "control/mgmt/mgmt_render.h"
#include "control/mgmt/mgmt_yaml.h"

#define ERR_LEN 512

enum field_type {
	FIELD_STRING,
	FIELD_STRING_LIST,
	FIELD_BOOL,
	FIELD_INTEGER,
};

struct field {
	const char *name;
	enum field_type type;
};

/* The JSON fields of an entry: the YAML keys of docs/config.md. */
static const struct field intercept_fields[] = {
	{"liid", FIELD_STRING},
	{"targets", FIELD_STRING_LIST},
	{"start", FIELD_STRING},
	{"end", FIELD_STRING},
	{"agency", FIELD_STRING},
};

static const struct field agency_fields[] = {
	{"name", FIELD_STRING},
	{"hi2", FIELD_STRING},
	{"hi3", FIELD_STRING},
	{"tls", FIELD_BOOL},
	{"ca_file", FIELD_STRING},
	{"cert_file", FIELD_STRING},
	{"key_file", FIELD_STRING},
	{"authorization_country", FIELD_STRING},
	{"delivery_country", FIELD_STRING},
	{"operator_id", FIELD_STRING},
	{"network_element_id", FIELD_STRING},
	{"keepalive_s", FIELD_INTEGER},
	{"oid_domain_id", FIELD_STRING},
	{"oid_ipmm_iri", FIELD_STRING},
	{"oid_ipmm_cc", FIELD_STRING},
};

/* One collection of the API and the configuration list behind it. */
struct collection {
	const char *path;          /* "/v1/intercepts" */
	const char *noun;          /* "intercept", in messages */
	const char *key;           /* "liid": the field that names an entry */
	enum mgmt_list list;
	const struct field *fields;
	size_t n_fields;
};

static const struct collection collections[] = {
	{"/v1/intercepts", "intercept", "liid", MGMT_INTERCEPTS, intercept_fields,
	 sizeof(intercept_fields) / sizeof(intercept_fields[0])},
	{"/v1/agencies", "agency", "name", MGMT_AGENCIES, agency_fields,
	 sizeof(agency_fields) / sizeof(agency_fields[0])},
};

/* A request resolved to a collection and, for an entry, its decoded name. */
struct route {
	const struct collection *coll;
	bool has_id;
	char id[256];
};

const char *mgmt_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

void mgmt_response_free(struct mgmt_response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
}

void mgmt_response_error(struct mgmt_response *resp, int status, const char *message)
{
	mgmt_response_free(resp);
	resp->status = status;
	snprintf(resp->reason, sizeof(resp->reason), "%s", message);
	if (mgmt_render_error(message, &resp->body, &resp->body_len) != 0)
		resp->status = 500;
}

/* Copies text for the audit line, replacing what is not printable ASCII. */
static void set_object(struct mgmt_response *resp, const char *text, size_t len)
{
	size_t n = len < sizeof(resp->object) - 1 ? len : sizeof(resp->object) - 1;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		resp->object[i] = c > 0x20 && c < 0x7f ? (char)c : '?';
	}
	resp->object[n] = '\0';
}

/* ---- Routing ---- */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes a %-encoded path segment (RFC 3986). Returns -1 when invalid. */
static int decode_segment(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (const char *p = in; *p != '\0'; p++) {
		int c = (unsigned char)*p;

		if (*p == '%') {
			int hi = hex_value(p[1]);
			int lo = hi < 0 ? -1 : hex_value(p[2]);
			if (lo < 0)
				return -1;
			c = hi * 16 + lo;
			p += 2;
		}
		if (c == 0 || (c == '/' && *p == '/') || n + 1 >= cap)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return n == 0 ? -1 : 0;
}

/* Resolves a request path to a collection and, for an entry, its name.
 * Returns 0, or an HTTP status with the error set. */
static int route_path(const char *path, struct route *rt, struct mgmt_response *resp)
{
	memset(rt, 0, sizeof(*rt));
	for (size_t i = 0; i < sizeof(collections) / sizeof(collections[0]); i++) {
		size_t n = strlen(collections[i].path);

		if (strncmp(path, collections[i].path, n) != 0)
			continue;
		if (path[n] == '\0' || (path[n] == '/' && path[n + 1] == '\0')) {
			rt->coll = &collections[i];
			return 0;
		}
		if (path[n] != '/')
			continue;
		rt->coll = &collections[i];
		rt->has_id = true;
		if (decode_segment(path + n + 1, rt->id, sizeof(rt->id)) != 0) {
			mgmt_response_error(resp, 404, "invalid name in the path: use one "
					    "percent-encoded path segment of at most 255 bytes");
			return 404;
		}
		set_object(resp, rt->id, strlen(rt->id));
		return 0;
	}
	mgmt_response_error(resp, 404, "unknown path; use /v1/intercepts or /v1/agencies");
	return 404;
}

static int check_method(const struct route *rt, const char *method,
			struct mgmt_response *resp)
{
	static const char *const collection_methods[] = {"GET", "POST"};
	static const char *const entry_methods[] = {"GET", "PUT", "DELETE"};
	const char *const *allowed = rt->has_id ? entry_methods : collection_methods;
	size_t n = rt->has_id ? 3 : 2;

	for (size_t i = 0; i < n; i++)
		if (strcmp(method, allowed[i]) == 0)
			return 0;
	resp->allow = rt->has_id ? "GET, PUT, DELETE" : "GET, POST";
	char msg[128];
	snprintf(msg, sizeof(msg), "method not allowed here; use %s", resp->allow);
	mgmt_response_error(resp, 405, msg);
	return 405;
}

/* ---- The request body ---- */

/* Accepts "application/json" with optional parameters such as charset. */
static bool is_json_type(const char *type)
{
	static const char json[] = "application/json";
	size_t n = sizeof(json) - 1;

	if (type == NULL || strncasecmp(type, json, n) != 0)
		return false;
	return type[n] == '\0' || type[n] == ';' || type[n] == ' ' || type[n] == '\t';
}

static bool has_type(const struct json_value *v, enum field_type type)
{
	switch (type) {
	case FIELD_STRING:
		return v->type == JSON_STRING;
	case FIELD_BOOL:
		return v->type == JSON_BOOL;
	case FIELD_INTEGER:
		return v->type == JSON_NUMBER && v->is_integer;
	case FIELD_STRING_LIST:
		if (v->type != JSON_ARRAY)
			return false;
		for (size_t i = 0; i < v->n_items; i++)
			if (v->items[i].type != JSON_STRING)
				return false;
		return true;
	}
	return false;
}

static const char *type_text(enum field_type type)
{
	switch (type) {
	case FIELD_STRING:
		return "a string";
	case FIELD_BOOL:
		return "true or false";
	case FIELD_INTEGER:
		return "an integer";
	default:
		return "an array of strings";
	}
}

/* Checks names and types of the fields, because the loader checks only values. */
static int check_fields(const struct collection *coll, const struct json_value *body,
			struct mgmt_response *resp)
{
	char msg[ERR_LEN];

	if (body->type != JSON_OBJECT) {
		snprintf(msg, sizeof(msg), "the body must be a JSON object of %s fields, not %s",
			 coll->noun, json_type_name(body->type));
		mgmt_response_error(resp, 400, msg);
		return 400;
	}
	for (size_t i = 0; i < body->n_members; i++) {
		const struct json_member *m = &body->members[i];
		const struct field *f = NULL;

		for (size_t j = 0; j < coll->n_fields && f == NULL; j++)
			if (strlen(coll->fields[j].name) == m->key_len &&
			    memcmp(coll->fields[j].name, m->key, m->key_len) == 0)
				f = &coll->fields[j];
		if (f == NULL) {
			snprintf(msg, sizeof(msg), "unknown field \"%.64s\" in the %s; see "
				 "docs/management-api.md for the fields", m->key, coll->noun);
			mgmt_response_error(resp, 400, msg);
			return 400;
		}
		if (!has_type(&m->value, f->type)) {
			snprintf(msg, sizeof(msg), "field \"%s\" must be %s, not %s",
				 f->name, type_text(f->type), json_type_name(m->value.type));
			mgmt_response_error(resp, 400, msg);
			return 400;
		}
	}
	return 0;
}

/* Parses and checks the body of a POST or PUT. Returns NULL after an error. */
static struct json_value *read_body(const struct route *rt, const struct mgmt_request *req,
				    struct mgmt_response *resp)
{
	char err[ERR_LEN];

	if (!is_json_type(req->content_type)) {
		mgmt_response_error(resp, 415, "the body must have Content-Type: application/json");
		return NULL;
	}
	struct json_value *body = json_parse(req->body, req->body_len, err, sizeof(err));
	if (body == NULL) {
		mgmt_response_error(resp, 400, err);
		return NULL;
	}

	/* The audit line names the entry even when a field is wrong. */
	const struct json_value *key = json_find_member(body, rt->coll->key);
	if (key != NULL && key->type == JSON_STRING && !rt->has_id)
		set_object(resp, key->string, key->string_len);
	if (check_fields(rt->coll, body, resp) != 0) {
		json_value_free(body);
		return NULL;
	}
	return body;
}

/* ---- Entries of the configuration ---- */

static size_t list_count(const struct lime_config *cfg, enum mgmt_list list)
{
	return list == MGMT_INTERCEPTS ? cfg->n_intercepts : cfg->n_agencies;
}

static const char *entry_name(const struct lime_config *cfg, enum mgmt_list list, size_t i)
{
	return list == MGMT_INTERCEPTS ? cfg->intercepts[i].liid : cfg->agencies[i].name;
}

/* Returns the index of the entry with this name, or SIZE_MAX. */
static size_t find_entry(const struct lime_config *cfg, enum mgmt_list list,
			 const char *name, size_t len)
{
	for (size_t i = 0; i < list_count(cfg, list); i++) {
		const char *entry = entry_name(cfg, list, i);
		if (strlen(entry) == len && memcmp(entry, name, len) == 0)
			return i;
	}
	return SIZE_MAX;
}

static int render_entry(const struct lime_config *cfg, enum mgmt_list list, size_t i,
			struct mgmt_response *resp)
{
	if (list == MGMT_INTERCEPTS)
		return mgmt_render_intercept(&cfg->intercepts[i], &resp->body, &resp->body_len);
	return mgmt_render_agency(&cfg->agencies[i], &resp->body, &resp->body_len);
}

static void respond_entry(const struct lime_config *cfg, enum mgmt_list list, size_t i,
			  int status, struct mgmt_response *resp)
{
	mgmt_response_free(resp);
	resp->status = status;
	if (render_entry(cfg, list, i, resp) != 0)
		mgmt_response_error(resp, 500, "out of memory while writing the response");
}

static void handle_get(const struct route *rt, const struct lime_config *cfg,
		       struct mgmt_response *resp)
{
	char msg[ERR_LEN];

	if (!rt->has_id) {
		resp->status = 200;
		if (mgmt_render_list(cfg, rt->coll->list == MGMT_INTERCEPTS,
				     &resp->body, &resp->body_len) != 0)
			mgmt_response_error(resp, 500, "out of memory while writing the response");
		return;
	}
	size_t i = find_entry(cfg, rt->coll->list, rt->id, strlen(rt->id));
	if (i == SIZE_MAX) {
		snprintf(msg, sizeof(msg), "no %s named \"%.64s\"", rt->coll->noun, resp->object);
		mgmt_response_error(resp, 404, msg);
		return;
	}
	respond_entry(cfg, rt->coll->list, i, 200, resp);
}

/* Returns the name of the first intercept that refers to the agency, or NULL. */
static const char *agency_user(const struct lime_config *cfg, const char *agency)
{
	for (size_t i = 0; i < cfg->n_intercepts; i++)
		if (strcmp(cfg->intercepts[i].agency, agency) == 0)
			return cfg->intercepts[i].liid;
	return NULL;
}

/*
 * Builds the edit of a change and runs the checks that need no loader,
 * for conflicts (409) and unknown entries (404). Returns 0 or the status.
 */
static int plan_edit(const struct route *rt, const char *method, const struct lime_config *cfg,
		     const struct json_value *body, struct mgmt_edit *edit,
		     struct mgmt_response *resp)
{
	const struct collection *coll = rt->coll;
	char msg[ERR_LEN];

	edit->list = coll->list;
	edit->entry = body;
	edit->index = SIZE_MAX;
	if (strcmp(method, "POST") == 0) {
		const struct json_value *key = json_find_member(body, coll->key);
		if (key != NULL && find_entry(cfg, coll->list, key->string, key->string_len) != SIZE_MAX) {
			snprintf(msg, sizeof(msg), "%s \"%.64s\" already exists; use PUT %s/%.64s to "
				 "replace it", coll->noun, resp->object, coll->path, resp->object);
			mgmt_response_error(resp, 409, msg);
			return 409;
		}
		return 0;
	}

	edit->index = find_entry(cfg, coll->list, rt->id, strlen(rt->id));
	if (edit->index == SIZE_MAX) {
		snprintf(msg, sizeof(msg), "no %s named \"%.64s\"", coll->noun, resp->object);
		mgmt_response_error(resp, 404, msg);
		return 404;
	}
	if (strcmp(method, "PUT") == 0) {
		const struct json_value *key = json_find_member(body, coll->key);
		if (key != NULL && (key->string_len != strlen(rt->id) ||
				    memcmp(key->string, rt->id, key->string_len) != 0)) {
			snprintf(msg, sizeof(msg), "field \"%s\" differs from the name in the "
				 "path; to rename, DELETE the entry and POST the new one", coll->key);
			mgmt_response_error(resp, 400, msg);
			return 400;
		}
		return 0;
	}

	/* DELETE */
	edit->entry = NULL;
	const char *user = coll->list == MGMT_AGENCIES ? agency_user(cfg, rt->id) : NULL;
	if (user != NULL) {
		snprintf(msg, sizeof(msg), "agency \"%.64s\" is in use by intercept \"%.64s\"; "
			 "remove or change its intercepts first", resp->object, user);
		mgmt_response_error(resp, 409, msg);
		return 409;
	}
	return 0;
}

/* Builds, validates and applies the candidate, then writes the response. */
static void apply_edit(const struct mgmt_backend *be, const char *method,
		       const struct lime_config *cfg, const void *version,
		       const struct mgmt_edit *edit, struct mgmt_response *resp)
{
	char err[ERR_LEN];
	struct lime_config *next = mgmt_candidate_build(cfg, edit, err, sizeof(err));

	if (next == NULL) {
		mgmt_response_error(resp, 422, err);
		return;
	}

	/*
	 * The response shows the entry as the loader read it. A POST appends,
	 * a PUT replaces in place, and a DELETE shows what it removed.
	 */
	if (edit->entry == NULL)
		respond_entry(cfg, edit->list, edit->index, 200, resp);
	else if (strcmp(method, "POST") == 0)
		respond_entry(next, edit->list, list_count(next, edit->list) - 1, 201, resp);
	else
		respond_entry(next, edit->list, edit->index, 200, resp);

	int status = be->apply(be->ctx, next, version, err, sizeof(err));
	if (status != 0)
		mgmt_response_error(resp, status, err);
}

static void handle_change(const struct mgmt_backend *be, const struct route *rt,
			  const struct mgmt_request *req, struct lime_config *cfg,
			  const void *version, struct mgmt_response *resp)
{
	struct json_value *body = NULL;
	struct mgmt_edit edit;

	resp->change = true;
	if (strcmp(req->method, "DELETE") != 0) {
		body = read_body(rt, req, resp);
		if (body == NULL)
			return;
	}
	if (plan_edit(rt, req->method, cfg, body, &edit, resp) == 0)
		apply_edit(be, req->method, cfg, version, &edit, resp);
	json_value_free(body);
}

void mgmt_handle(const struct mgmt_backend *be, const struct mgmt_request *req,
		 struct mgmt_response *resp)
{
	struct route rt;
	char err[ERR_LEN];
	const void *version = NULL;

	memset(resp, 0, sizeof(*resp));
	if (route_path(req->path, &rt, resp) != 0)
		return;
	resp->change = strcmp(req->method, "GET") != 0;
	if (check_method(&rt, req->method, resp) != 0)
		return;

	struct lime_config *cfg = be->snapshot(be->ctx, &version, err, sizeof(err));
	if (cfg == NULL) {
		mgmt_response_error(resp, 500, err);
		return;
	}
	if (strcmp(req->method, "GET") == 0)
		handle_get(&rt, cfg, resp);
	else
		handle_change(be, &rt, req, cfg, version, resp);
	lime_config_free(cfg);
}
