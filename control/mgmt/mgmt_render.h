/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MGMT_RENDER_H
#define LIME_CONTROL_MGMT_RENDER_H

/*
 * JSON documents of the management API. Entries carry the YAML keys of
 * docs/config.md. Nothing of the kms section is ever written. Each
 * function returns 0 with a malloc'd document in *out, or -1 when memory
 * runs out.
 */

#include <stdbool.h>
#include <stddef.h>

#include "control/config.h"

int mgmt_render_intercept(const struct lime_intercept *ic, char **out, size_t *len);
int mgmt_render_agency(const struct lime_agency *ag, char **out, size_t *len);
/* {"intercepts": [...]} or {"agencies": [...]}. */
int mgmt_render_list(const struct lime_config *cfg, bool intercepts, char **out, size_t *len);
/* {"error": message}. */
int mgmt_render_error(const char *message, char **out, size_t *len);

#endif
