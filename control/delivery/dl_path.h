/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DELIVERY_PATH_H
#define LIME_DELIVERY_PATH_H

/* File names under the spool folder. */

#include <stddef.h>

/*
 * Writes name as a file name: bytes other than letters, digits, '-', '_'
 * and '.' become %XX, and so does a leading '.', so that no name is "." or
 * "..". Returns 0, or -1 when it does not fit in cap bytes.
 */
int dl_path_escape(const char *name, char *out, size_t cap);

/* Creates path and its missing parents with mode 0700. Returns 0 or
 * -errno. */
int dl_path_mkdirs(const char *path);

/* Writes "<spool_dir>/agencies/<escaped agency>/<hi2|hi3>". Returns 0, or
 * -1 when it does not fit. */
int dl_path_channel_dir(const char *spool_dir, const char *agency, int channel,
			char *out, size_t cap);

#endif
