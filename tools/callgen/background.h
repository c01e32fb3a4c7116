/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_BACKGROUND_H
#define LIME_TOOLS_CALLGEN_BACKGROUND_H

/*
 * Non-VoIP traffic between hosts of their own, at --background packets
 * per second from the capture start until the last of the --calls calls
 * ends: DNS queries and answers, NTP,
 * syslog, QUIC-sized UDP on port 443 and a few HTTPS-like TCP flows with
 * consistent sequence numbers, in the sizes such traffic has. Payloads
 * are random bytes.
 */

#include <stdbool.h>

#include "tools/callgen/gen.h"

/* Queues the first background packet when --background requests any.
 * Returns false after cg_gen_fail(). */
bool cg_background_schedule(struct cg_gen *g, int64_t start_us);

#endif
