/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/iri_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sip/sip_mask.h"

static char *copy_text(const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy == NULL)
		return NULL;
	if (len > 0)
		memcpy(copy, text, len);
	copy[len] = '\0';
	return copy;
}

struct iri_record *iri_record_create(const struct iri_event *ev)
{
	struct iri_record *rec = calloc(1, sizeof(*rec));

	if (rec == NULL)
		return NULL;
	rec->type = ev->type;
	snprintf(rec->liid, sizeof(rec->liid), "%s", ev->liid);
	rec->cin = ev->cin;
	rec->ts_us = ev->ts_us;
	rec->reason = ev->reason;
	rec->alarm_kind = ev->alarm_kind;
	rec->alarm_reason = ev->alarm_reason;
	if (ev->pkt != NULL) {
		rec->has_packet = true;
		rec->packet = *ev->pkt;
	}

	rec->call_id = copy_text(ev->call_id, ev->call_id != NULL ? ev->call_id_len : 0);
	if (rec->call_id == NULL)
		goto fail;
	if (ev->sip != NULL) {
		rec->sip = copy_text(ev->sip, ev->sip_len);
		if (rec->sip == NULL)
			goto fail;
		rec->sip_len = ev->sip_len;
		rec->keys_masked = sip_mask_sdes_keys(rec->sip, rec->sip_len);
	}
	return rec;

fail:
	iri_record_free(rec);
	return NULL;
}

void iri_record_free(struct iri_record *rec)
{
	if (rec == NULL)
		return;
	free(rec->call_id);
	free(rec->sip);
	free(rec);
}
