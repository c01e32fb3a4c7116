/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_MIKEY_PLAIN_H
#define LIME_CONTROL_MIKEY_PLAIN_H

/*
 * Keys of intercepted calls keyed by plain RFC 3830 MIKEY whose KEMAC is
 * in clear (control/mikey/mikey_plain.h): the control lcore derives them
 * from the tapped messages, without the KMS, and sends them to the
 * workers as it does MIKEY-TICKET keys. A message it cannot read keys
 * from raises key_unavailable with the reason.
 */

#include <stdbool.h>

#include "control/dialog.h"

struct control;

/* Returns true when the offer's MIKEY message is plain RFC 3830, so the
 * MIKEY-TICKET checks do not apply to it. */
bool mikey_plain_handles(const struct call_mikey_event *ev);

/* Keys the streams of an answered exchange whose offer is plain MIKEY. */
void mikey_plain_on_exchange(struct control *c, const struct call_mikey_event *ev);

#endif
