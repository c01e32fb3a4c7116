/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MIKEY helpers: field sizes, names, payload lookup, timestamp conversion
 * and the SRTP policy carried in SP payloads.
 */
#include <string.h>

#include "lib/mikey/mikey_internal.h"

/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
#define NTP_UNIX_OFFSET 2208988800LL
#define NTP_ERA_SECONDS 4294967296LL
#define US_PER_S 1000000LL

bool mikey_ts_size(uint8_t ts_type, size_t *size)
{
	switch (ts_type) {
	case MIKEY_TS_NTP_UTC:
	case MIKEY_TS_NTP:
		*size = 8;
		return true;
	case MIKEY_TS_COUNTER:
	case MIKEY_TS_NTP_UTC_32:
		*size = 4;
		return true;
	default:
		*size = 0;
		return false;
	}
}

bool mikey_mac_size(uint8_t mac_alg, size_t *size)
{
	switch (mac_alg) {
	case MIKEY_MAC_NULL:
		*size = 0;
		return true;
	case MIKEY_MAC_HMAC_SHA_1_160:
		*size = 20;
		return true;
	case MIKEY_MAC_HMAC_SHA_256_256:
		*size = 32;
		return true;
	default:
		*size = 0;
		return false;
	}
}

bool mikey_hash_size(uint8_t hash_func, size_t *size)
{
	switch (hash_func) {
	case MIKEY_HASH_SHA_1:
		*size = 20;
		return true;
	case MIKEY_HASH_MD5:
		*size = 16;
		return true;
	case MIKEY_HASH_SHA_256:
		*size = 32;
		return true;
	default:
		*size = 0;
		return false;
	}
}

/*
 * RFC 4330 section 3: an NTP seconds value with the top bit set counts
 * from 1900 (era 0, 1968-2036). One with it clear counts from 2036-02-07
 * 06:28:16 UTC (era 1, 2036-2104).
 */
static int64_t ntp_seconds_to_unix(uint32_t seconds)
{
	int64_t s = seconds;

	if ((seconds & 0x80000000u) == 0)
		s += NTP_ERA_SECONDS;
	return s - NTP_UNIX_OFFSET;
}

bool mikey_ts_to_unix_us(uint8_t ts_type, uint64_t value, int64_t *unix_us)
{
	uint32_t seconds;
	uint64_t fraction;

	if (ts_type == MIKEY_TS_NTP_UTC) {
		seconds = (uint32_t)(value >> 32);
		fraction = value & 0xffffffffu;
	} else if (ts_type == MIKEY_TS_NTP_UTC_32 && value <= 0xffffffffu) {
		seconds = (uint32_t)value;
		fraction = 0;
	} else {
		return false;
	}

	int64_t us = (int64_t)((fraction * US_PER_S) >> 32);
	*unix_us = ntp_seconds_to_unix(seconds) * US_PER_S + us;
	return true;
}

bool mikey_unix_us_to_ts(uint8_t ts_type, int64_t unix_us, uint64_t *value)
{
	if (ts_type != MIKEY_TS_NTP_UTC && ts_type != MIKEY_TS_NTP_UTC_32)
		return false;

	/* Floor division, so times before 1970 keep a positive remainder. */
	int64_t s = unix_us / US_PER_S;
	int64_t rem = unix_us % US_PER_S;
	if (rem < 0) {
		s--;
		rem += US_PER_S;
	}

	int64_t ntp = s + NTP_UNIX_OFFSET;
	if (ntp < 0x80000000LL || ntp >= 0x80000000LL + NTP_ERA_SECONDS)
		return false;
	uint32_t seconds = (uint32_t)ntp;

	if (ts_type == MIKEY_TS_NTP_UTC_32) {
		*value = seconds;
		return true;
	}

	/* Round the fraction up so that converting back gives rem again. */
	uint64_t fraction = (((uint64_t)rem << 32) + US_PER_S - 1) / US_PER_S;
	*value = (uint64_t)seconds << 32 | fraction;
	return true;
}

const char *mikey_payload_name(uint8_t type)
{
	switch (type) {
	case MIKEY_PT_LAST: return "Last";
	case MIKEY_PT_KEMAC: return "KEMAC";
	case MIKEY_PT_PKE: return "PKE";
	case MIKEY_PT_DH: return "DH";
	case MIKEY_PT_SIGN: return "SIGN";
	case MIKEY_PT_T: return "T";
	case MIKEY_PT_ID: return "ID";
	case MIKEY_PT_CERT: return "CERT";
	case MIKEY_PT_CHASH: return "CHASH";
	case MIKEY_PT_V: return "V";
	case MIKEY_PT_SP: return "SP";
	case MIKEY_PT_RAND: return "RAND";
	case MIKEY_PT_ERR: return "ERR";
	case MIKEY_PT_TR: return "TR";
	case MIKEY_PT_IDR: return "IDR";
	case MIKEY_PT_RANDR: return "RANDR";
	case MIKEY_PT_TP: return "TP";
	case MIKEY_PT_TICKET: return "TICKET";
	case MIKEY_PT_KEY_DATA: return "key data";
	case MIKEY_PT_GENERAL_EXT: return "General Extension";
	case MIKEY_PT_SAKKE: return "SAKKE";
	case MIKEY_PT_THDR: return "THDR";
	default: return "unknown";
	}
}

const char *mikey_data_type_name(uint8_t data_type)
{
	static const char *const names[] = {
		"PSK init", "PSK verification", "PK init", "PK verification",
		"DH init", "DH resp", "Error", "DHHMAC init", "DHHMAC resp",
		"RSA-R init", "RSA-R resp", "REQUEST_INIT_PSK",
		"REQUEST_INIT_PK", "REQUEST_RESP", "TRANSFER_INIT",
		"TRANSFER_RESP", "RESOLVE_INIT_PSK", "RESOLVE_INIT_PK",
		"RESOLVE_RESP",
	};

	if (data_type < sizeof(names) / sizeof(names[0]))
		return names[data_type];
	if (data_type == MIKEY_DT_SAKKE)
		return "SAKKE";
	return "unknown";
}

const char *mikey_status_name(enum mikey_status status)
{
	switch (status) {
	case MIKEY_OK: return "ok";
	case MIKEY_ERR_TRUNCATED: return "truncated";
	case MIKEY_ERR_LENGTH: return "length exceeds the data";
	case MIKEY_ERR_VERSION: return "unsupported version";
	case MIKEY_ERR_NEXT_PAYLOAD: return "invalid next payload";
	case MIKEY_ERR_TOO_MANY: return "too many payloads";
	case MIKEY_ERR_LIMIT: return "limit exceeded";
	case MIKEY_ERR_SIGN_NOT_LAST: return "SIGN not last";
	case MIKEY_ERR_VALUE: return "invalid value";
	case MIKEY_ERR_NO_SPACE: return "output buffer full";
	case MIKEY_ERR_ARG: return "invalid argument";
	case MIKEY_ERR_STATE: return "call out of order";
	}
	return "unknown";
}

const struct mikey_payload *mikey_find(const struct mikey_payloads *pl,
				       uint8_t type, size_t from)
{
	for (size_t i = from; i < pl->n; i++)
		if (pl->item[i].type == type)
			return &pl->item[i];
	return NULL;
}

static const struct mikey_payload *find_role(const struct mikey_payloads *pl,
					     uint8_t type, uint8_t role)
{
	for (size_t i = 0; i < pl->n; i++) {
		const struct mikey_payload *p = &pl->item[i];
		uint8_t r;

		if (p->type != type)
			continue;
		if (type == MIKEY_PT_IDR)
			r = p->u.id.role;
		else if (type == MIKEY_PT_RANDR)
			r = p->u.rand.role;
		else
			r = p->u.t.role;
		if (r == role)
			return p;
	}
	return NULL;
}

const struct mikey_payload *mikey_find_idr(const struct mikey_payloads *pl,
					   uint8_t role)
{
	return find_role(pl, MIKEY_PT_IDR, role);
}

const struct mikey_payload *mikey_find_randr(const struct mikey_payloads *pl,
					     uint8_t role)
{
	return find_role(pl, MIKEY_PT_RANDR, role);
}

const struct mikey_payload *mikey_find_tr(const struct mikey_payloads *pl,
					  uint8_t role)
{
	return find_role(pl, MIKEY_PT_TR, role);
}

const struct mikey_sp_param *mikey_sp_find(const struct mikey_payloads *pl,
					   const struct mikey_payload *sp,
					   uint8_t type)
{
	const struct mikey_sp *s = &sp->u.sp;

	for (size_t i = 0; i < s->n_params; i++) {
		const struct mikey_sp_param *param = &pl->sp_param[s->first_param + i];
		if (param->type == type)
			return param;
	}
	return NULL;
}

size_t mikey_srtp_session_data(uint8_t out[10], uint32_t ssrc, bool s,
			       uint32_t roc, uint16_t seq)
{
	mikey_store_u32(out, ssrc);
	if (!s)
		return 4;
	mikey_store_u32(out + 4, roc);
	mikey_store_u16(out + 8, seq);
	return 10;
}

/* RFC 3830 section 6.10.1 defaults. The AEAD tag length is RFC 7714's. */
static const struct mikey_srtp_policy srtp_defaults = {
	.encr_alg = MIKEY_SRTP_ENCR_AES_CM,
	.encr_key_len = 16,
	.auth_alg = 1,
	.auth_key_len = 20,
	.salt_key_len = 14,
	.prf = 0,
	.kdr = 0,
	.srtp_encr = true,
	.srtcp_encr = true,
	.fec_order = 0,
	.srtp_auth = true,
	.auth_tag_len = 10,
	.prefix_len = 0,
	.aead_auth_tag_len = 16,
};

static void set_srtp_param(struct mikey_srtp_policy *pol, uint8_t type,
			   uint8_t v)
{
	switch (type) {
	case MIKEY_SRTP_ENCR_ALG: pol->encr_alg = v; break;
	case MIKEY_SRTP_ENCR_KEY_LEN: pol->encr_key_len = v; break;
	case MIKEY_SRTP_AUTH_ALG: pol->auth_alg = v; break;
	case MIKEY_SRTP_AUTH_KEY_LEN: pol->auth_key_len = v; break;
	case MIKEY_SRTP_SALT_KEY_LEN: pol->salt_key_len = v; break;
	case MIKEY_SRTP_PRF: pol->prf = v; break;
	case MIKEY_SRTP_KDR: pol->kdr = v; break;
	case MIKEY_SRTP_SRTP_ENCR: pol->srtp_encr = v != 0; break;
	case MIKEY_SRTP_SRTCP_ENCR: pol->srtcp_encr = v != 0; break;
	case MIKEY_SRTP_FEC_ORDER: pol->fec_order = v; break;
	case MIKEY_SRTP_SRTP_AUTH: pol->srtp_auth = v != 0; break;
	case MIKEY_SRTP_AUTH_TAG_LEN: pol->auth_tag_len = v; break;
	case MIKEY_SRTP_PREFIX_LEN: pol->prefix_len = v; break;
	case MIKEY_SRTP_AEAD_AUTH_TAG_LEN: pol->aead_auth_tag_len = v; break;
	default: break;  /* unknown parameters do not change the policy */
	}
}

enum mikey_status mikey_sp_srtp_policy(const struct mikey_payloads *pl,
				       const struct mikey_payload *sp,
				       struct mikey_srtp_policy *policy,
				       uint32_t *odd)
{
	const struct mikey_sp *s = &sp->u.sp;
	uint32_t seen = 0;
	uint32_t odd_bits = 0;

	*policy = srtp_defaults;
	if (sp->type != MIKEY_PT_SP || s->prot_type != MIKEY_PROT_SRTP)
		return MIKEY_ERR_VALUE;

	for (size_t i = 0; i < s->n_params; i++) {
		const struct mikey_sp_param *param = &pl->sp_param[s->first_param + i];

		if (param->value.len != 1)
			return MIKEY_ERR_VALUE;
		if (param->type < 32) {
			if (seen & (1u << param->type))
				odd_bits |= MIKEY_ODD_SP_DUPLICATE_PARAM;
			seen |= 1u << param->type;
		}
		set_srtp_param(policy, param->type, param->value.p[0]);
	}

	/* GStreamer writes the HMAC-SHA1-32/80 tag length (4 or 10) into the
	 * auth key length and sends no tag length parameter. No HMAC-SHA1 key
	 * is that short, so the reading is unambiguous. */
	bool tag_given = (seen & (1u << MIKEY_SRTP_AUTH_TAG_LEN)) != 0;
	bool small_key = policy->auth_key_len == 4 || policy->auth_key_len == 10;
	if (!tag_given && small_key && policy->auth_alg != 0) {
		policy->auth_tag_len = policy->auth_key_len;
		policy->auth_key_len = 20;
		odd_bits |= MIKEY_ODD_SP_TAG_IN_AUTH_KEY_LEN;
	}

	if (odd != NULL)
		*odd |= odd_bits;
	return MIKEY_OK;
}
