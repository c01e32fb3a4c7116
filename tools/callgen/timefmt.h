/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_TIMEFMT_H
#define LIME_TOOLS_CALLGEN_TIMEFMT_H

/* Capture times: microseconds since the Unix epoch, UTC. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CG_US_PER_S INT64_C(1000000)
#define CG_US_PER_MS INT64_C(1000)

/* Maximum length of cg_time_format's text, NUL included. */
#define CG_TIME_TEXT_MAX 40

/*
 * Parses an RFC 3339 date-time ("2026-06-01T00:00:00Z", with an optional
 * fraction of up to 6 digits and a Z or +hh:mm offset). Returns false
 * when the text is not one.
 */
bool cg_time_parse(const char *text, int64_t *unix_us);

/* Writes "2026-06-01T00:00:00.000000Z". */
void cg_time_format(int64_t unix_us, char out[CG_TIME_TEXT_MAX]);

/* Converts to the 64-bit NTP timestamp of RTCP sender reports. */
uint64_t cg_time_to_ntp64(int64_t unix_us);

#endif
