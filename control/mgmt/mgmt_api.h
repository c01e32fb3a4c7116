/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MGMT_API_H
#define LIME_CONTROL_MGMT_API_H

/*
 * The request handler of the management API: a parsed HTTP request in, a
 * JSON response out, with no sockets, so the fuzzer and unit tests call it
 * directly. It reads and changes the configuration through a backend. The
 * server's backend hands candidates to the control lcore, and a test
 * backend keeps a configuration of its own.
 */

#include <stdbool.h>
#include <stddef.h>

#include "control/config.h"

/* Size of the LIID or agency name buffer of an audit line, in bytes. */
#define MGMT_OBJECT_MAX 128
#define MGMT_REASON_MAX 512

struct mgmt_backend {
	void *ctx;
	/*
	 * Returns a private copy of the configuration in force and sets
	 * *version to a token that identifies it, or returns NULL with err.
	 */
	struct lime_config *(*snapshot)(void *ctx, const void **version,
					char *err, size_t err_len);
	/*
	 * Applies candidate, which it takes, unless the configuration in
	 * force is no longer version. Returns 0, or an HTTP status with err.
	 */
	int (*apply)(void *ctx, struct lime_config *candidate, const void *version,
		     char *err, size_t err_len);
};

struct mgmt_request {
	const char *method;
	const char *path;          /* without the query string */
	const char *content_type;  /* NULL when the header is absent */
	const char *body;
	size_t body_len;
};

struct mgmt_response {
	int status;
	char *body;                /* JSON, malloc'd, NULL when empty */
	size_t body_len;
	const char *allow;         /* methods of the resource, for 405 */
	/* For the audit line. */
	bool change;               /* a POST, PUT or DELETE on a collection */
	char object[MGMT_OBJECT_MAX];  /* LIID or agency name, printable */
	char reason[MGMT_REASON_MAX];  /* why a change was rejected */
};

/* Handles one request and overwrites resp. Free it with mgmt_response_free(). */
void mgmt_handle(const struct mgmt_backend *be, const struct mgmt_request *req,
		 struct mgmt_response *resp);

/* Sets an error response {"error": message}, also kept as resp->reason. */
void mgmt_response_error(struct mgmt_response *resp, int status, const char *message);

void mgmt_response_free(struct mgmt_response *resp);

/* Returns the reason phrase of an HTTP status. */
const char *mgmt_status_text(int status);

#endif
