/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_FORGE_H
#define LIME_TOOLS_CALLGEN_FORGE_H

/*
 * Forged TRANSFER_INIT messages for the forged-flood attack. The
 * best-made forgery is a complete, well-formed message around a MIKEY base
 * ticket protected with a ticket key the KMS never had. It parses, names
 * the real KMS and carries a V MAC consistent with its own keys, so only
 * the KMS can detect the forgery.
 */

#include <stddef.h>
#include <stdint.h>

#include "tools/callgen/rng.h"

enum cg_forgery {
	CG_FORGE_UNKNOWN_TICKET_KEY,
	CG_FORGE_FOREIGN_KMS,
	CG_FORGE_GARBAGE,
	CG_FORGE_TRUNCATED,
	CG_FORGE_BAD_VERSION,
	CG_FORGE_KINDS,
};

struct cg_forgery_info {
	const char *name;
	const char *detail;
	const char *expected_alarms;   /* comma-separated lime alarm names */
};

const struct cg_forgery_info *cg_forgery_info(enum cg_forgery kind);

/* Writes a forged TRANSFER_INIT of this kind into out (8192 bytes).
 * Returns its length. */
size_t cg_forge_transfer_init(enum cg_forgery kind, struct cg_rng *rng,
			      const char *kms_identity, const char *initiator,
			      const char *responder, int64_t now_us, uint8_t *out,
			      size_t cap);

#endif
