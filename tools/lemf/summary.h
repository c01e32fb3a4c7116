/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_LEMF_SUMMARY_H
#define LIME_TOOLS_LEMF_SUMMARY_H

/* Writes DIR/summary.json from the counters and the intercepts, through a
 * temporary file renamed into place. Returns 0 or -1 after logging. */
int summary_write(const char *out_dir);

#endif
