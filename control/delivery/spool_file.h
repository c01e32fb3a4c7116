/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DELIVERY_SPOOL_FILE_H
#define LIME_DELIVERY_SPOOL_FILE_H

/* File access shared by spool_stream.c and spool_read.c. */

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "control/delivery/spool_stream.h"

#define SPOOL_SEG_SUFFIX ".seg"

/* Writes "<dir>/<first id, 20 digits><suffix>". */
void spool_seg_path(const struct spool_stream *s, uint64_t first_id,
		    const char *suffix, char *out, size_t cap);
void spool_seg_close(struct spool_segment *seg);
/* Opens the segment when it is closed. Returns 0 or -errno. */
int spool_seg_open(const struct spool_stream *s, struct spool_segment *seg);
/* Reads exactly len bytes at off. Returns 0, 1 at a short read (end of
 * file), or -errno. */
int spool_read_full(int fd, void *buf, size_t len, uint64_t off);
/* Writes every iovec at off; the array is changed. Returns 0 or -errno. */
int spool_write_full(int fd, struct iovec *iov, int iovcnt, uint64_t off);

#endif
