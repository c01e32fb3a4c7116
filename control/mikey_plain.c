/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/mikey_plain.h"

#include <string.h>

#include <openssl/crypto.h>

#include "control/control.h"
#include "control/debug_keys.h"
#include "control/mikey/mikey_plain.h"
#include "lib/util/log.h"

bool mikey_plain_handles(const struct call_mikey_event *ev)
{
	return mikey_plain_is_plain(ev->ti, ev->ti_len);
}

static void alarm_and_release(struct control *c, const struct call_mikey_event *ev,
			      const uint32_t *generations, const char *reason)
{
	char call_id[256];

	snprintf(call_id, sizeof(call_id), "%.*s", (int)ev->call_id_len, ev->call_id);
	control_raise_alarm(c, ALARM_KEY_UNAVAILABLE, reason, call_id, ev->ts_us,
			    ev->liid_ids, ev->cins, ev->n_liids);
	for (unsigned i = 0; i < ev->n_streams; i++)
		media_stream_signal(c, ev->stream_ids[i], generations[i],
				    MEDIA_MSG_NO_KEYS, NULL, 0);
}

static void send_keys(struct control *c, const struct call_mikey_event *ev,
		      const uint32_t *generations,
		      const struct srtp_session_key *sets, unsigned n)
{
	char call_id[256];

	snprintf(call_id, sizeof(call_id), "%.*s", (int)ev->call_id_len, ev->call_id);
	mikey_keys_send_sets(c, &(struct mikey_keys_target){
		.call_id = call_id, .ts_us = ev->ts_us,
		.stream_ids = ev->stream_ids, .generations = generations,
		.n_streams = ev->n_streams, .liid_ids = ev->liid_ids,
		.n_liids = ev->n_liids, .source = DEBUG_KEYS_MIKEY_PLAIN }, sets, n);
}

void mikey_plain_on_exchange(struct control *c, const struct call_mikey_event *ev)
{
	struct mikey_plain_exchange x = {
		.init = ev->ti, .init_len = ev->ti_len, .resp = ev->tr, .resp_len = ev->tr_len,
	};
	uint32_t generations[MEDIA_MAX_FLOWS];
	struct srtp_session_key sets[MEDIA_KEY_SETS];
	struct mikey_li_failure fail = {0};
	struct mikey_li_call_keys ck;
	unsigned n_streams = ev->n_streams < MEDIA_MAX_FLOWS ? ev->n_streams : MEDIA_MAX_FLOWS;
	struct call_mikey_event bounded = *ev;

	bounded.n_streams = n_streams;
	for (unsigned i = 0; i < n_streams; i++)
		generations[i] = key_manager_generation(&c->keys, ev->stream_ids[i]);

	if (mikey_plain_derive(&x, &ck, &fail) != MIKEY_LI_OK) {
		alarm_and_release(c, &bounded, generations, fail.reason);
		return;
	}
	unsigned n = mikey_keys_fill_sets(&ck, sets);
	mikey_li_call_keys_wipe(&ck);
	LOG_DEBUG("plain MIKEY: call %.*s: %u crypto sessions keyed from the clear KEMAC",
		  (int)ev->call_id_len, ev->call_id, n);
	send_keys(c, &bounded, generations, sets, n);
	OPENSSL_cleanse(sets, sizeof(sets));
}
