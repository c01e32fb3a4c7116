/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MGMT_YAML_H
#define LIME_CONTROL_MGMT_YAML_H

/*
 * Candidate configurations for the management API. A candidate is the
 * live configuration written back as YAML with one entry of intercepts or
 * agencies added, replaced or removed, then loaded by
 * lime_config_load_buffer(), so it passes exactly the checks of a reload.
 * The YAML never contains kms.psk_hex. A placeholder of the same length
 * goes through the loader, and the key bytes are copied afterwards.
 */

#include <stddef.h>

#include "control/config.h"
#include "control/mgmt/mgmt_json.h"

enum mgmt_list {
	MGMT_INTERCEPTS,
	MGMT_AGENCIES,
};

/* One change to a list of the configuration. */
struct mgmt_edit {
	enum mgmt_list list;
	size_t index;                    /* entry replaced or removed, SIZE_MAX to append */
	const struct json_value *entry;  /* JSON object of the new entry, NULL to remove */
};

/*
 * Builds a new configuration from base with edit applied (none when edit
 * is NULL). Returns NULL with the loader's one-line message in err (its
 * "line N:" prefix removed, since the YAML is internal).
 */
struct lime_config *mgmt_candidate_build(const struct lime_config *base,
					 const struct mgmt_edit *edit,
					 char *err, size_t err_len);

/* Writes microseconds since the epoch as an RFC 3339 UTC timestamp. */
void mgmt_format_time(int64_t us, char *buf, size_t cap);

#endif
