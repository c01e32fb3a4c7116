/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_KMS_USERS_H
#define LIME_TOOLS_CALLGEN_KMS_USERS_H

/*
 * The MIKEY identities of the terminals: the users of the lime-kms
 * configuration, read with lime-kms's own loader, with their PSKs and the
 * responders each may name.
 */

#include <stdbool.h>
#include <stddef.h>

#include "tools/callgen/mikey_ticket.h"
#include "tools/callgen/rng.h"

struct kms_config;
struct kms_principal;

struct cg_kms_users {
	struct kms_config *cfg;
	size_t n_callers;          /* users that may request a ticket for someone */
	size_t *callers;           /* their indexes */
};

/* Loads the configuration. Returns NULL with a message in err. */
struct cg_kms_users *cg_kms_users_load(const char *path, char *err, size_t err_len);

void cg_kms_users_free(struct cg_kms_users *u);

/* The KMS identity (IDRkms) of the configuration. */
const char *cg_kms_users_kms_identity(const struct cg_kms_users *u);

/* Whether the KMS issues tickets that name their responders, so that a
 * caller must request one it may call. */
bool cg_kms_users_names_responders(const struct cg_kms_users *u);

/*
 * Chooses the caller's MIKEY identity: the user whose identity is
 * preferred (a SIP URI) when there is one that may call, else one drawn
 * from rng.
 */
void cg_kms_users_caller(const struct cg_kms_users *u, const char *preferred,
			 struct cg_rng *rng, struct cg_mikey_user *out);

/*
 * Chooses the callee's MIKEY identity among those the caller may name:
 * preferred when allowed, else one drawn from rng, other than the caller
 * when there is a choice. Returns false when the caller may name no user
 * of the configuration.
 */
bool cg_kms_users_callee(const struct cg_kms_users *u,
			 const struct cg_mikey_user *caller, const char *preferred,
			 struct cg_rng *rng, struct cg_mikey_user *out);

#endif
