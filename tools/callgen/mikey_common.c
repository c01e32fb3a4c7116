/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/mikey_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/mikey/mikey_mac.h"
#include "lib/mikey/mikey_prf.h"
#include "lib/mikey/mikey_ticket_mac.h"

int cg_mikey_fail(struct cg_mikey_failure *fail, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fail->msg, sizeof(fail->msg), fmt, ap);
	va_end(ap);
	return -1;
}

uint64_t cg_mikey_ntp_utc(int64_t unix_us)
{
	uint64_t value = 0;

	mikey_unix_us_to_ts(MIKEY_TS_NTP_UTC, unix_us, &value);
	return value;
}

struct mikey_slice cg_mikey_text(const char *s)
{
	struct mikey_slice slice = { (const uint8_t *)s, s != NULL ? strlen(s) : 0 };

	return slice;
}

int cg_mikey_auth_key(uint8_t prf, enum mikey_ticket_direction direction,
		      const uint8_t *inkey, size_t inkey_len, uint32_t csb_id,
		      const struct cg_mikey_rands *rands, uint8_t *key,
		      size_t *key_len)
{
	int len = mikey_mac_key_len(CG_MIKEY_AUTH_ALG);

	*key_len = (size_t)len;
	return mikey_derive_ticket_msg_key((enum mikey_prf_func)prf,
					   MIKEY_MSG_KEY_AUTH, direction, inkey,
					   inkey_len, csb_id, rands->randri,
					   rands->randri_len, rands->randrr,
					   rands->randrr_len, key, (size_t)len);
}

static int mac_input(const uint8_t *buf, size_t len, const struct mikey_msg *m,
		     const struct mikey_slice *initial, struct mikey_slice identity1,
		     struct mikey_slice identity2, struct mikey_mac_input *input)
{
	if (initial != NULL)
		return mikey_ticket_resp_mac_input(buf, len, m, *initial, input);
	return mikey_ticket_init_mac_input(buf, len, m, identity1, identity2, input);
}

int cg_mikey_sign(uint8_t *buf, size_t len, const struct mikey_slice *initial,
		  struct mikey_slice identity1, struct mikey_slice identity2,
		  const uint8_t *auth_key, size_t key_len,
		  struct cg_mikey_failure *fail)
{
	struct mikey_msg m;
	struct mikey_error e;
	struct mikey_mac_input input;
	const struct mikey_payload *v;
	int rc;

	if (mikey_parse(buf, len, &m, &e) != MIKEY_OK)
		return cg_mikey_fail(fail, "internal error: a %s built by lime-callgen "
				     "does not parse: %s",
				     mikey_data_type_name(buf[1]), e.msg);
	v = mikey_find(&m.payloads, MIKEY_PT_V, 0);
	rc = v == NULL ? MIKEY_CRYPTO_EMSG :
	     mac_input(buf, len, &m, initial, identity1, identity2, &input);
	if (rc == MIKEY_CRYPTO_OK)
		rc = mikey_mac_compute((enum mikey_mac_alg)v->u.v.auth_alg, auth_key,
				       key_len, input.range, input.n,
				       buf + v->u.v.mac_offset, v->u.v.mac.len);
	if (rc != MIKEY_CRYPTO_OK)
		return cg_mikey_fail(fail, "computing the V MAC of %s failed: %s",
				     mikey_data_type_name(m.hdr.data_type),
				     mikey_crypto_strerror(rc));
	return 0;
}

int cg_mikey_verify(const uint8_t *buf, size_t len, const struct mikey_msg *m,
		    const struct mikey_slice *initial, struct mikey_slice identity1,
		    struct mikey_slice identity2, const uint8_t *auth_key,
		    size_t key_len, const char *what, struct cg_mikey_failure *fail)
{
	struct mikey_mac_input input;
	int rc = mac_input(buf, len, m, initial, identity1, identity2, &input);

	if (rc == MIKEY_CRYPTO_OK)
		rc = mikey_ticket_verify_v(m, &input, auth_key, key_len);
	if (rc != MIKEY_CRYPTO_OK)
		return cg_mikey_fail(fail, "the V MAC of %s does not verify (%s)", what,
				     mikey_crypto_strerror(rc));
	return 0;
}

const struct mikey_payload *cg_mikey_require(const struct mikey_msg *m,
					     uint8_t type, const char *what,
					     struct cg_mikey_failure *fail)
{
	const struct mikey_payload *p = mikey_find(&m->payloads, type, 0);

	if (p == NULL)
		cg_mikey_fail(fail, "%s has no %s payload", what, mikey_payload_name(type));
	return p;
}

void cg_mikey_flag_letters(uint16_t flags, char out[16])
{
	size_t n = 0;

	/* D is bit 11, O is bit 0. */
	for (int bit = 11; bit >= 0; bit--) {
		if (flags & (1u << bit))
			out[n++] = (char)('D' + (11 - bit));
	}
	out[n] = '\0';
}
