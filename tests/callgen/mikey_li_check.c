/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mikey_li_check: derives the SRTP keys of captured MIKEY-TICKET calls the
 * way an LI node does, to show that lime-callgen's captures carry what
 * lime needs. For each call it:
 *   - resolves the ticket of TRANSFER_INIT at lime-kms as an LI node
 *     (RESOLVE_INIT_PSK with the node's identity in IDRr);
 *   - verifies TRANSFER_INIT with MPKi;
 *   - forks MPKr and the TGK with the IDRr and RANDRkms of TRANSFER_RESP
 *     when the ticket has the I flag, and verifies TRANSFER_RESP;
 *   - derives each crypto session's TEK and salt (RFC 6043 5.1.3) with
 *     the lengths of the SP payload.
 * It uses lib/mikey and the test client of tests/kms, nothing of
 * lime-callgen.
 *
 *   mikey_li_check HOST:PORT CA_FILE LI_IDENTITY LI_PSK_HEX KMS_IDENTITY \
 *       < MESSAGES.tsv > RESULT.tsv
 *
 * Input lines: call_id, From addr-spec, To addr-spec, TRANSFER_INIT and
 * TRANSFER_RESP in base64 ("-" when absent), tab-separated. Output lines:
 * call_id, result, then for CS 1 and CS 2 the SHA-256 of master key ||
 * master salt ("-" unless the result is ok). Results: ok, not_mikey,
 * kms_error_N (the KMS sent MIKEY error N), kms_failed, init_mac_failed,
 * resp_mac_failed, no_keys. Exit status 0, 1 when the CA file cannot be
 * loaded, 2 for bad arguments; a KMS that cannot be reached gives
 * kms_failed lines.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "lib/mikey/mikey.h"
#include "lib/mikey/mikey_kdf.h"
#include "lib/mikey/mikey_mac.h"
#include "lib/mikey/mikey_ticket_mac.h"
#include "tests/kms/kms_client_msg.h"

#define LINE_MAX_BYTES 65536
#define MSG_MAX 16384

struct settings {
	const char *host_port;
	char host[64];
	const char *ca_file;
	const char *li_identity;
	uint8_t psk[64];
	size_t psk_len;
	const char *kms_identity;
	SSL_CTX *ctx;
};

struct captured {
	char *call_id;
	char *from;
	char *to;
	uint8_t init[MSG_MAX];
	size_t init_len;
	uint8_t resp[MSG_MAX];
	size_t resp_len;
};

/* ---- HTTPS ---- */

/* Posts one MIKEY message on a new TLS connection; returns the body
 * length, or -1. */
static long post(struct settings *s, const uint8_t *body, size_t len, uint8_t *out,
		 size_t cap)
{
	static uint8_t in[MSG_MAX + 4096];
	char head[512];
	BIO *bio = BIO_new_ssl_connect(s->ctx);
	SSL *ssl = NULL;
	size_t got = 0;
	long body_len = -1;
	int n;

	if (bio == NULL)
		return -1;
	BIO_get_ssl(bio, &ssl);
	X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), s->host);
	BIO_set_conn_hostname(bio, s->host_port);
	n = snprintf(head, sizeof(head), "POST /mikey HTTP/1.1\r\nHost: %s\r\n"
		     "Content-Type: application/mikey\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n\r\n", s->host_port, len);
	if (BIO_do_connect(bio) != 1 || BIO_write(bio, head, n) != n ||
	    BIO_write(bio, body, (int)len) != (int)len)
		goto out;
	while (got < sizeof(in) && (n = BIO_read(bio, in + got, (int)(sizeof(in) - got))) > 0)
		got += (size_t)n;
	uint8_t *end = memmem(in, got, "\r\n\r\n", 4);

	if (end == NULL || got < 12 || memcmp(in + 9, "200", 3) != 0)
		goto out;
	body_len = (long)(got - (size_t)(end + 4 - in));
	if ((size_t)body_len > cap)
		body_len = -1;
	else
		memcpy(out, end + 4, (size_t)body_len);
out:
	BIO_free_all(bio);
	return body_len;
}

/* ---- Input ---- */

static bool base64_decode(const char *text, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(text);
	int decoded;

	if (strcmp(text, "-") == 0 || n % 4 != 0 || n / 4 * 3 > cap)
		return false;
	decoded = EVP_DecodeBlock(out, (const unsigned char *)text, (int)n);
	if (decoded < 0)
		return false;
	*len = (size_t)decoded - (n > 0 && text[n - 1] == '=') - (n > 1 && text[n - 2] == '=');
	return true;
}

enum line_result {
	LINE_OK,
	LINE_NO_MESSAGE,           /* TRANSFER_INIT is "-" or not base64 */
	LINE_INVALID,
};

static enum line_result read_line(char *line, struct captured *c)
{
	char *fields[5], *save = NULL;

	line[strcspn(line, "\n")] = '\0';
	for (int i = 0; i < 5; i++) {
		fields[i] = strtok_r(i == 0 ? line : NULL, "\t", &save);
		if (fields[i] == NULL)
			return LINE_INVALID;
	}
	c->call_id = fields[0];
	c->from = fields[1];
	c->to = fields[2];
	c->init_len = c->resp_len = 0;
	base64_decode(fields[4], c->resp, sizeof(c->resp), &c->resp_len);
	if (!base64_decode(fields[3], c->init, sizeof(c->init), &c->init_len))
		return LINE_NO_MESSAGE;
	return LINE_OK;
}

/* ---- Derivation ---- */

static struct mikey_slice text_slice(const char *s)
{
	struct mikey_slice slice = { (const uint8_t *)s, strlen(s) };

	return slice;
}

/* Resolves the ticket of TRANSFER_INIT as the LI node. */
static const char *resolve(struct settings *s, const struct mikey_msg *init,
			   struct kmsc_keys *keys, char *result, size_t result_len)
{
	const struct mikey_payload *t = mikey_find(&init->payloads, MIKEY_PT_TICKET, 0);
	const struct mikey_payload *ts = mikey_find(&init->payloads, MIKEY_PT_T, 0);
	static struct kmsc_ticket ticket;
	static uint8_t req[MSG_MAX], resp[MSG_MAX];
	struct kmsc_params p;
	int64_t now_us = 0;
	size_t req_len = 0;
	long resp_len;
	int error_no = -1;
	char reason[256];

	if (t == NULL || ts == NULL || t->u.ticket.policy.tp_data.len > sizeof(ticket.tp_data) ||
	    t->u.ticket.ticket_data.len > sizeof(ticket.ticket_data))
		return "not_mikey";
	/* The LI node stamps its request with the capture time of the call. */
	mikey_ts_to_unix_us(ts->u.t.ts_type, ts->u.t.value, &now_us);
	ticket.policy = t->u.ticket.policy;
	memcpy(ticket.tp_data, ticket.policy.tp_data.p, ticket.policy.tp_data.len);
	ticket.policy.tp_data.p = ticket.tp_data;
	memcpy(ticket.ticket_data, t->u.ticket.ticket_data.p, t->u.ticket.ticket_data.len);
	ticket.ticket_data_len = t->u.ticket.ticket_data.len;
	kmsc_params_init(&p, s->li_identity, s->psk, s->psk_len, s->kms_identity, now_us);
	if (kmsc_build_resolve(&p, &ticket, req, sizeof(req), &req_len) != 0)
		return "not_mikey";
	resp_len = post(s, req, req_len, resp, sizeof(resp));
	if (resp_len < 0)
		return "kms_failed";
	switch (kmsc_read_response(&p, req, req_len, resp, (size_t)resp_len,
				   MIKEY_DT_RESOLVE_RESP, keys, NULL, &error_no, reason,
				   sizeof(reason))) {
	case KMSC_OK:
		return NULL;
	case KMSC_MIKEY_ERROR:
		snprintf(result, result_len, "kms_error_%d", error_no);
		return result;
	case KMSC_INVALID:
		break;
	}
	return "kms_failed";
}

static bool verify(const uint8_t *buf, size_t len, const struct mikey_msg *m,
		   const struct mikey_slice *initial, struct mikey_slice id1,
		   struct mikey_slice id2, const uint8_t *inkey, size_t inkey_len,
		   enum mikey_ticket_direction dir, const struct mikey_slice *randri,
		   const struct mikey_slice *randrr)
{
	const struct mikey_payload *v = mikey_find(&m->payloads, MIKEY_PT_V, 0);
	struct mikey_mac_input input;
	uint8_t key[MIKEY_MAC_MAX_LEN];
	int key_len;

	if (v == NULL)
		return false;
	key_len = mikey_mac_key_len((enum mikey_mac_alg)v->u.v.auth_alg);
	if (key_len <= 0 ||
	    mikey_derive_ticket_msg_key((enum mikey_prf_func)m->hdr.prf_func,
					MIKEY_MSG_KEY_AUTH, dir, inkey, inkey_len,
					m->hdr.csb_id, randri ? randri->p : NULL,
					randri ? randri->len : 0, randrr ? randrr->p : NULL,
					randrr ? randrr->len : 0, key, (size_t)key_len) != 0)
		return false;
	if (initial != NULL ? mikey_ticket_resp_mac_input(buf, len, m, *initial, &input)
			    : mikey_ticket_init_mac_input(buf, len, m, id1, id2, &input))
		return false;
	return mikey_ticket_verify_v(m, &input, key, (size_t)key_len) == 0;
}

struct session_inputs {
	uint8_t prf;
	uint16_t flags;
	struct mikey_slice randri;
	struct mikey_slice randrr;
	size_t key_len;
	size_t salt_len;
};

/* Master key || salt of one CS, hashed with SHA-256 into hex. */
static bool session_key_hash(const struct session_inputs *in, const struct kmsc_key *k,
			     uint8_t cs_id, char hex[65])
{
	bool h = in->flags & MIKEY_TP_H, g = in->flags & MIKEY_TP_G;
	bool tgk = k->type == MIKEY_KEY_TGK || k->type == MIKEY_KEY_TGK_SALT;
	uint8_t out[80], digest[32];
	unsigned int dlen = 0;

	if (!tgk) {
		if (k->key_len != in->key_len || k->salt_len < in->salt_len)
			return false;
		memcpy(out, k->key, in->key_len);
		memcpy(out + in->key_len, k->salt, in->salt_len);
	} else if (mikey_derive_ticket_tgk_key((enum mikey_prf_func)in->prf, MIKEY_TGK_KEY_TEK,
					       k->key, k->key_len, cs_id,
					       h ? in->randri.p : NULL, h ? in->randri.len : 0,
					       g ? in->randrr.p : NULL, g ? in->randrr.len : 0,
					       out, in->key_len) != 0) {
		return false;
	} else if (k->salt_len >= in->salt_len) {
		memcpy(out + in->key_len, k->salt, in->salt_len);
	} else if (mikey_derive_ticket_tgk_key((enum mikey_prf_func)in->prf, MIKEY_TGK_KEY_SALT,
					       k->key, k->key_len, cs_id,
					       h ? in->randri.p : NULL, h ? in->randri.len : 0,
					       g ? in->randrr.p : NULL, g ? in->randrr.len : 0,
					       out + in->key_len, in->salt_len) != 0) {
		return false;
	}
	EVP_Digest(out, in->key_len + in->salt_len, digest, &dlen, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	return true;
}

/* Reads the SRTP key and salt lengths from the SP of TRANSFER_INIT. */
static bool srtp_lengths(const struct mikey_msg *init, struct session_inputs *in)
{
	const struct mikey_payload *sp = mikey_find(&init->payloads, MIKEY_PT_SP, 0);
	struct mikey_srtp_policy policy;

	if (sp == NULL || mikey_sp_srtp_policy(&init->payloads, sp, &policy, NULL) != MIKEY_OK)
		return false;
	in->key_len = policy.encr_key_len;
	in->salt_len = policy.salt_key_len;
	return in->key_len > 0 && in->salt_len > 0;
}

/* Forks MPKr and the TGKs for the IDRr and RANDRkms of TRANSFER_RESP. */
static bool fork_keys(const struct mikey_msg *init, const struct mikey_msg *resp,
		      struct kmsc_keys *keys)
{
	const struct mikey_payload *t = mikey_find(&init->payloads, MIKEY_PT_TICKET, 0);
	const struct mikey_payload *idrr = mikey_find_idr(&resp->payloads, MIKEY_ID_ROLE_IDRR);
	const struct mikey_payload *kms = mikey_find_randr(&resp->payloads, MIKEY_RAND_ROLE_RANDRKMS);
	enum mikey_prf_func prf = (enum mikey_prf_func)t->u.ticket.policy.prf_func;
	uint8_t forked[KMSC_KEY_MAX];

	if (!(t->u.ticket.policy.flags & MIKEY_TP_I))
		return true;
	if (idrr == NULL || kms == NULL || !keys->has_mpkr)
		return false;
	if (mikey_derive_forked_key(prf, MIKEY_FORK_MPKR, keys->mpkr.key, keys->mpkr.key_len,
				    idrr->u.id.data.p, idrr->u.id.data.len, kms->u.rand.rand.p,
				    kms->u.rand.rand.len, forked) != 0)
		return false;
	memcpy(keys->mpkr.key, forked, keys->mpkr.key_len);
	for (size_t i = 0; i < keys->n_keys; i++) {
		struct kmsc_key *k = &keys->keys[i];

		if ((k->type == MIKEY_KEY_TGK || k->type == MIKEY_KEY_TGK_SALT) &&
		    mikey_derive_forked_key(prf, MIKEY_FORK_TGK, k->key, k->key_len,
					    idrr->u.id.data.p, idrr->u.id.data.len,
					    kms->u.rand.rand.p, kms->u.rand.rand.len, forked) == 0)
			memcpy(k->key, forked, k->key_len);
		else if (k->type == MIKEY_KEY_TGK || k->type == MIKEY_KEY_TGK_SALT)
			return false;
	}
	return true;
}

static const char *derive(struct settings *s, const struct captured *c, char hex[2][65],
			  char *result, size_t result_len)
{
	static struct mikey_msg init, resp;
	static struct kmsc_keys keys;
	struct mikey_slice from = text_slice(c->from), to = text_slice(c->to), id_i, id_r;
	struct mikey_slice initial = { c->init, c->init_len };
	const struct mikey_payload *randri, *randrr, *ticket;
	struct session_inputs in;
	const char *failure;
	bool forking;

	if (mikey_parse(c->init, c->init_len, &init, NULL) != MIKEY_OK ||
	    init.hdr.data_type != MIKEY_DT_TRANSFER_INIT ||
	    (randri = mikey_find_randr(&init.payloads, MIKEY_RAND_ROLE_RANDRI)) == NULL ||
	    mikey_ticket_identity(&init, MIKEY_ID_ROLE_IDRI, &from, &id_i) != 0 ||
	    mikey_ticket_identity(&init, MIKEY_ID_ROLE_IDRR, &to, &id_r) != 0 ||
	    !srtp_lengths(&init, &in))
		return "not_mikey";
	failure = resolve(s, &init, &keys, result, result_len);
	if (failure != NULL)
		return failure;
	if (!verify(c->init, c->init_len, &init, NULL, id_i, id_r, keys.mpki.key,
		    keys.mpki.key_len, MIKEY_TICKET_INITIAL, &randri->u.rand.rand, NULL))
		return "init_mac_failed";
	if (c->resp_len == 0 || mikey_parse(c->resp, c->resp_len, &resp, NULL) != MIKEY_OK ||
	    resp.hdr.data_type != MIKEY_DT_TRANSFER_RESP)
		return "not_mikey";
	ticket = mikey_find(&init.payloads, MIKEY_PT_TICKET, 0);
	forking = ticket->u.ticket.policy.flags & MIKEY_TP_I;
	randrr = mikey_find_randr(&resp.payloads, MIKEY_RAND_ROLE_RANDRR);
	if (!fork_keys(&init, &resp, &keys) ||
	    !verify(c->resp, c->resp_len, &resp, &initial, initial, initial,
		    forking ? keys.mpkr.key : keys.mpki.key,
		    forking ? keys.mpkr.key_len : keys.mpki.key_len, MIKEY_TICKET_RESPONSE,
		    &randri->u.rand.rand, randrr ? &randrr->u.rand.rand : NULL))
		return "resp_mac_failed";
	in.prf = init.hdr.prf_func;
	in.flags = ticket->u.ticket.policy.flags;
	in.randri = randri->u.rand.rand;
	in.randrr = randrr ? randrr->u.rand.rand : (struct mikey_slice){ NULL, 0 };
	for (uint8_t cs = 1; cs <= 2; cs++) {
		const struct kmsc_key *k = &keys.keys[keys.n_keys > cs - 1u ? cs - 1 : 0];

		if (keys.n_keys == 0 || !session_key_hash(&in, k, cs, hex[cs - 1]))
			return "no_keys";
	}
	return "ok";
}

/* ---- Main ---- */

static bool hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(hex);

	if (n % 2 != 0 || n / 2 > cap)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return true;
}

int main(int argc, char **argv)
{
	static char line[LINE_MAX_BYTES];
	static struct captured c;
	struct settings s;
	const char *colon;

	if (argc != 6) {
		fprintf(stderr, "usage: mikey_li_check HOST:PORT CA_FILE LI_IDENTITY LI_PSK_HEX "
			"KMS_IDENTITY < MESSAGES.tsv\n");
		return 2;
	}
	memset(&s, 0, sizeof(s));
	s.host_port = argv[1];
	colon = strrchr(argv[1], ':');
	if (colon == NULL || (size_t)(colon - argv[1]) >= sizeof(s.host) ||
	    !hex_decode(argv[4], s.psk, sizeof(s.psk), &s.psk_len)) {
		fprintf(stderr, "mikey_li_check: invalid HOST:PORT or LI_PSK_HEX\n");
		return 2;
	}
	memcpy(s.host, argv[1], (size_t)(colon - argv[1]));
	s.ca_file = argv[2];
	s.li_identity = argv[3];
	s.kms_identity = argv[5];
	s.ctx = SSL_CTX_new(TLS_client_method());
	if (s.ctx == NULL || SSL_CTX_load_verify_locations(s.ctx, s.ca_file, NULL) != 1) {
		fprintf(stderr, "mikey_li_check: cannot load %s\n", s.ca_file);
		return 1;
	}
	SSL_CTX_set_verify(s.ctx, SSL_VERIFY_PEER, NULL);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		char hex[2][65] = { "-", "-" }, result[32];
		const char *outcome;

		switch (read_line(line, &c)) {
		case LINE_INVALID:
			fprintf(stderr, "mikey_li_check: skipped a line without 5 fields\n");
			continue;
		case LINE_NO_MESSAGE:
			outcome = "not_mikey";
			break;
		case LINE_OK:
			outcome = derive(&s, &c, hex, result, sizeof(result));
			break;
		}
		if (strcmp(outcome, "ok") != 0) {
			strcpy(hex[0], "-");
			strcpy(hex[1], "-");
		}
		printf("%s\t%s\t%s\t%s\n", c.call_id, outcome, hex[0], hex[1]);
	}
	SSL_CTX_free(s.ctx);
	return 0;
}
