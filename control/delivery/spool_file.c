/* SPDX-License-Identifier: BSD-3-Clause */
/* File access shared by the spool's write and read paths. */
#include "control/delivery/spool_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

void spool_seg_path(const struct spool_stream *s, uint64_t first_id,
		    const char *suffix, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%020" PRIu64 "%s", s->dir, first_id, suffix);
}

void spool_seg_close(struct spool_segment *seg)
{
	if (seg->fd >= 0)
		close(seg->fd);
	seg->fd = -1;
}

int spool_seg_open(const struct spool_stream *s, struct spool_segment *seg)
{
	char path[4200];

	if (seg->fd >= 0)
		return 0;
	spool_seg_path(s, seg->first_id, SPOOL_SEG_SUFFIX, path, sizeof(path));
	seg->fd = open(path, O_RDWR | O_CLOEXEC);
	return seg->fd < 0 ? -errno : 0;
}

int spool_read_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + done, len - done,
				  (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 1;
		done += (size_t)n;
	}
	return 0;
}

int spool_write_full(int fd, struct iovec *iov, int iovcnt, uint64_t off)
{
	while (iovcnt > 0) {
		ssize_t n = pwritev(fd, iov, iovcnt, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		off += (uint64_t)n;
		while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}
