/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/lemf/wav.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * A 58-byte header: RIFF, a WAVE fmt chunk of 18 bytes (cbSize 0), the fact
 * chunk with the sample count that non-PCM formats need, and the data chunk
 * header. Sample rate 8000, 1 channel, 8 bits per sample, block align 1, so
 * the sample count equals the data size.
 */
#define WAV_HEADER_LEN 58
#define WAV_RATE 8000
#define WAV_RIFF_SIZE_OFF 4
#define WAV_FORMAT_OFF 20
#define WAV_FACT_SAMPLES_OFF 46
#define WAV_DATA_SIZE_OFF 54

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void build_header(uint8_t *h, uint16_t format, uint32_t data_bytes)
{
	memcpy(h, "RIFF", 4);
	put32(h + WAV_RIFF_SIZE_OFF, WAV_HEADER_LEN - 8 + data_bytes);
	memcpy(h + 8, "WAVEfmt ", 8);
	put32(h + 16, 18);                 /* fmt chunk size */
	put16(h + WAV_FORMAT_OFF, format);
	put16(h + 22, 1);                  /* channels */
	put32(h + 24, WAV_RATE);
	put32(h + 28, WAV_RATE);           /* bytes per second */
	put16(h + 32, 1);                  /* block align */
	put16(h + 34, 8);                  /* bits per sample */
	put16(h + 36, 0);                  /* cbSize */
	memcpy(h + 38, "fact", 4);
	put32(h + 42, 4);                  /* fact chunk size */
	put32(h + WAV_FACT_SAMPLES_OFF, data_bytes);
	memcpy(h + 50, "data", 4);
	put32(h + WAV_DATA_SIZE_OFF, data_bytes);
}

static int write_all_at(int fd, const uint8_t *p, size_t n, off_t off)
{
	while (n > 0) {
		ssize_t r = pwrite(fd, p, n, off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
		off += r;
	}
	return 0;
}

/* Returns 1 when fd starts with a header this writer made in format. */
static int header_matches(int fd, uint16_t format)
{
	uint8_t have[WAV_HEADER_LEN];
	uint8_t want[WAV_HEADER_LEN];

	if (pread(fd, have, sizeof(have), 0) != (ssize_t)sizeof(have))
		return 0;
	build_header(want, format, 0);
	/* Compare all but the three size fields. */
	return memcmp(have, want, WAV_RIFF_SIZE_OFF) == 0 &&
	       memcmp(have + 8, want + 8, WAV_FACT_SAMPLES_OFF - 8) == 0 &&
	       memcmp(have + 50, want + 50, 4) == 0;
}

int wav_open(struct wav_file *w, const char *path, uint16_t format)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->format = format;

	if (fstat(fd, &st) == 0 && st.st_size >= WAV_HEADER_LEN &&
	    st.st_size - WAV_HEADER_LEN <= UINT32_MAX && header_matches(fd, format)) {
		w->data_bytes = (uint32_t)(st.st_size - WAV_HEADER_LEN);
		w->dirty = true;
		return 0;
	}

	uint8_t h[WAV_HEADER_LEN];

	build_header(h, format, 0);
	if (ftruncate(fd, 0) != 0 || write_all_at(fd, h, sizeof(h), 0) != 0) {
		int saved = errno;

		close(fd);
		w->fd = -1;
		errno = saved;
		return -1;
	}
	return 0;
}

int wav_append(struct wav_file *w, const uint8_t *samples, size_t n)
{
	/* The RIFF size counts the header too and must fit 32 bits. */
	if ((uint64_t)w->data_bytes + n + WAV_HEADER_LEN - 8 > UINT32_MAX) {
		errno = ERANGE;
		return -1;
	}
	if (write_all_at(w->fd, samples, n,
			 (off_t)WAV_HEADER_LEN + w->data_bytes) != 0)
		return -1;
	w->data_bytes += (uint32_t)n;
	w->dirty = true;
	return 0;
}

int wav_sync(struct wav_file *w)
{
	uint8_t size[4];

	if (!w->dirty)
		return 0;
	put32(size, WAV_HEADER_LEN - 8 + w->data_bytes);
	if (write_all_at(w->fd, size, 4, WAV_RIFF_SIZE_OFF) != 0)
		return -1;
	put32(size, w->data_bytes);
	if (write_all_at(w->fd, size, 4, WAV_FACT_SAMPLES_OFF) != 0)
		return -1;
	if (write_all_at(w->fd, size, 4, WAV_DATA_SIZE_OFF) != 0)
		return -1;
	w->dirty = false;
	return 0;
}

int wav_close(struct wav_file *w)
{
	int rc = 0;

	if (w->fd < 0)
		return 0;
	if (wav_sync(w) != 0)
		rc = -1;
	if (close(w->fd) != 0)
		rc = -1;
	w->fd = -1;
	return rc;
}
