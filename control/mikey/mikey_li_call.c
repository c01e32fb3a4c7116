/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mikey/mikey_li_call.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "control/mikey/mikey_li_exchange.h"

void mikey_li_call_keys_wipe(struct mikey_li_call_keys *keys)
{
	OPENSSL_cleanse(keys, sizeof(*keys));
}

/* The parsed messages take about 20 KiB, so the context lives on the heap. */
static struct mikey_li_exchange *exchange_new(const struct mikey_li_transfer *x,
					      const struct mikey_li_keys *keys)
{
	struct mikey_li_exchange *ex = calloc(1, sizeof(*ex));

	if (ex != NULL) {
		ex->x = x;
		ex->keys = keys;
	}
	return ex;
}

static void exchange_free(struct mikey_li_exchange *ex)
{
	mikey_li_exchange_wipe(ex);
	free(ex);
}

enum mikey_li_status mikey_li_verify_init(const struct mikey_li_transfer *x,
					  const struct mikey_li_keys *keys,
					  struct mikey_li_failure *fail)
{
	struct mikey_li_exchange *ex = exchange_new(x, keys);
	enum mikey_li_status st;

	if (ex == NULL)
		return mikey_li_fail(fail, MIKEY_LI_INTERNAL, MIKEY_LI_MSG_NONE,
				     "out of memory");
	st = mikey_li_exchange_verify_init(ex, fail);
	exchange_free(ex);
	return st;
}

enum mikey_li_status mikey_li_derive_call(const struct mikey_li_transfer *x,
					  const struct mikey_li_keys *keys,
					  const struct mikey_li_policy *policy,
					  struct mikey_li_call_keys *out,
					  struct mikey_li_failure *fail)
{
	struct mikey_li_exchange *ex = exchange_new(x, keys);
	enum mikey_li_status st;

	memset(out, 0, sizeof(*out));
	if (ex == NULL)
		return mikey_li_fail(fail, MIKEY_LI_INTERNAL, MIKEY_LI_MSG_NONE,
				     "out of memory");
	st = mikey_li_exchange_verify_init(ex, fail);
	if (st == MIKEY_LI_OK)
		st = mikey_li_exchange_verify_resp(ex, fail);
	if (st == MIKEY_LI_OK)
		st = mikey_li_exchange_derive(ex, policy, out, fail);
	exchange_free(ex);
	if (st != MIKEY_LI_OK)
		mikey_li_call_keys_wipe(out);
	return st;
}
