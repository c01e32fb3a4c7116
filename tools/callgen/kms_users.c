/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/kms_users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/kms/kms_config.h"

static const struct kms_principal *find_user(const struct cg_kms_users *u,
					     const char *identity)
{
	if (identity == NULL)
		return NULL;
	return kms_config_find(u->cfg->users, u->cfg->n_users,
			       (const uint8_t *)identity, strlen(identity));
}

static bool per_user(const struct cg_kms_users *u)
{
	return u->cfg->ticket.responders == KMS_RESPONDERS_PER_USER;
}

/* A user may call when the KMS lets it name at least one user. */
static bool may_call(const struct cg_kms_users *u, const struct kms_principal *p)
{
	if (!per_user(u))
		return true;
	for (size_t i = 0; i < p->n_responders; i++) {
		if (find_user(u, p->responders[i]) != NULL)
			return true;
	}
	return false;
}

struct cg_kms_users *cg_kms_users_load(const char *path, char *err, size_t err_len)
{
	char why[512];
	struct cg_kms_users *u = calloc(1, sizeof(*u));

	if (u == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	u->cfg = kms_config_load(path, why, sizeof(why));
	if (u->cfg == NULL) {
		snprintf(err, err_len, "invalid --kms-config %s: %s", path, why);
		free(u);
		return NULL;
	}
	u->callers = calloc(u->cfg->n_users + 1, sizeof(*u->callers));
	if (u->callers == NULL) {
		snprintf(err, err_len, "out of memory");
		cg_kms_users_free(u);
		return NULL;
	}
	for (size_t i = 0; i < u->cfg->n_users; i++) {
		if (may_call(u, &u->cfg->users[i]))
			u->callers[u->n_callers++] = i;
	}
	if (u->n_callers == 0) {
		snprintf(err, err_len, "--kms-config %s has no user that may call another "
			 "user: add users, and responders lists that name them", path);
		cg_kms_users_free(u);
		return NULL;
	}
	return u;
}

void cg_kms_users_free(struct cg_kms_users *u)
{
	if (u == NULL)
		return;
	kms_config_free(u->cfg);
	free(u->callers);
	free(u);
}

const char *cg_kms_users_kms_identity(const struct cg_kms_users *u)
{
	return u->cfg->kms_identity;
}

bool cg_kms_users_names_responders(const struct cg_kms_users *u)
{
	return u->cfg->ticket.responders != KMS_RESPONDERS_ANY;
}

static void set_user(const struct kms_principal *p, struct cg_mikey_user *out)
{
	out->identity = p->identity;
	out->psk = p->psk;
	out->psk_len = p->psk_len;
}

void cg_kms_users_caller(const struct cg_kms_users *u, const char *preferred,
			 struct cg_rng *rng, struct cg_mikey_user *out)
{
	const struct kms_principal *p = find_user(u, preferred);

	if (p == NULL || !may_call(u, p))
		p = &u->cfg->users[u->callers[cg_rng_below(rng, (uint32_t)u->n_callers)]];
	set_user(p, out);
}

/* Whether the caller may name this user as responder. */
static bool allowed(const struct cg_kms_users *u, const struct kms_principal *caller,
		    const struct kms_principal *callee)
{
	if (!per_user(u))
		return true;
	for (size_t i = 0; i < caller->n_responders; i++) {
		if (strcmp(caller->responders[i], callee->identity) == 0)
			return true;
	}
	return false;
}

bool cg_kms_users_callee(const struct cg_kms_users *u,
			 const struct cg_mikey_user *caller, const char *preferred,
			 struct cg_rng *rng, struct cg_mikey_user *out)
{
	const struct kms_principal *from = find_user(u, caller->identity);
	const struct kms_principal *p = find_user(u, preferred);
	size_t n = 0, pick;

	if (from == NULL)
		return false;
	if (p != NULL && allowed(u, from, p)) {
		set_user(p, out);
		return true;
	}
	/* Candidates are the other users the caller may name; the caller
	 * itself only when it is the one user it may name. */
	for (size_t i = 0; i < u->cfg->n_users; i++) {
		const struct kms_principal *q = &u->cfg->users[i];

		n += q != from && allowed(u, from, q);
	}
	if (n == 0) {
		if (!allowed(u, from, from))
			return false;
		set_user(from, out);
		return true;
	}
	pick = cg_rng_below(rng, (uint32_t)n);
	for (size_t i = 0; i < u->cfg->n_users; i++) {
		const struct kms_principal *q = &u->cfg->users[i];

		if (q == from || !allowed(u, from, q))
			continue;
		if (pick-- == 0) {
			set_user(q, out);
			break;
		}
	}
	return true;
}
