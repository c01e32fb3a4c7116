/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_SUMMARY_H
#define LIME_CONTROL_SUMMARY_H

#include "control/control.h"

/* Names of the security alarm kinds, as in logs, the summary and IRI-REPORTs. */
extern const char *const lime_alarm_kinds[];

/*
 * Write the final counters to path as one JSON object. Returns 0, or -1
 * with errno set when the file could not be written.
 */
int summary_write(const char *path, const struct control *c);

#endif
