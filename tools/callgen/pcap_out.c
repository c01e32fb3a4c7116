/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/callgen/pcap_out.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#define SNAPLEN 65535
#define FILE_HEADER_BYTES 24
#define RECORD_HEADER_BYTES 16
#define WRITE_BUFFER_BYTES (4u << 20)

struct queued_frame {
	int64_t ts_us;
	uint64_t order;
	size_t len;
	uint8_t data[];
};

struct cg_pcap_out {
	pcap_t *dead;
	pcap_dumper_t *dumper;
	FILE *file;
	char *write_buffer;
	struct queued_frame **heap;
	size_t n;
	size_t cap;
	uint64_t next_order;
	int64_t released_us;
	bool out_of_memory;
	bool write_failed;
	struct cg_pcap_stats stats;
};

struct cg_pcap_out *cg_pcap_open(const char *path, char *err, size_t err_len)
{
	struct cg_pcap_out *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	p->released_us = INT64_MIN;
	p->file = fopen(path, "wb");
	if (p->file == NULL) {
		snprintf(err, err_len, "cannot create %s: %s", path, strerror(errno));
		free(p);
		return NULL;
	}
	/* Large writes: a capture of 20,000 calls is over a gigabyte. */
	p->write_buffer = malloc(WRITE_BUFFER_BYTES);
	if (p->write_buffer != NULL)
		setvbuf(p->file, p->write_buffer, _IOFBF, WRITE_BUFFER_BYTES);
	p->dead = pcap_open_dead(DLT_EN10MB, SNAPLEN);
	p->dumper = p->dead != NULL ? pcap_dump_fopen(p->dead, p->file) : NULL;
	if (p->dumper == NULL) {
		snprintf(err, err_len, "cannot write a pcap header to %s", path);
		fclose(p->file);
		if (p->dead != NULL)
			pcap_close(p->dead);
		free(p->write_buffer);
		free(p);
		return NULL;
	}
	p->stats.file_bytes = FILE_HEADER_BYTES;
	return p;
}

static bool frame_before(const struct queued_frame *a, const struct queued_frame *b)
{
	if (a->ts_us != b->ts_us)
		return a->ts_us < b->ts_us;
	return a->order < b->order;
}

static void sift_up(struct cg_pcap_out *p, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!frame_before(p->heap[i], p->heap[parent]))
			break;
		struct queued_frame *t = p->heap[i];

		p->heap[i] = p->heap[parent];
		p->heap[parent] = t;
		i = parent;
	}
}

static void sift_down(struct cg_pcap_out *p, size_t i)
{
	for (;;) {
		size_t left = 2 * i + 1, right = left + 1, best = i;

		if (left < p->n && frame_before(p->heap[left], p->heap[best]))
			best = left;
		if (right < p->n && frame_before(p->heap[right], p->heap[best]))
			best = right;
		if (best == i)
			return;
		struct queued_frame *t = p->heap[i];

		p->heap[i] = p->heap[best];
		p->heap[best] = t;
		i = best;
	}
}

uint8_t *cg_pcap_queue(struct cg_pcap_out *p, int64_t ts_us, size_t len)
{
	struct queued_frame *f;

	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 1024;
		struct queued_frame **heap = realloc(p->heap, cap * sizeof(*heap));

		if (heap == NULL) {
			p->out_of_memory = true;
			return NULL;
		}
		p->heap = heap;
		p->cap = cap;
	}
	f = malloc(sizeof(*f) + len);
	if (f == NULL) {
		p->out_of_memory = true;
		return NULL;
	}
	/* A frame behind the released bound would break the time order. The
	 * generator never queues one, and if it did the frame moves up to the
	 * bound. */
	f->ts_us = ts_us < p->released_us ? p->released_us : ts_us;
	f->order = p->next_order++;
	f->len = len;
	p->heap[p->n] = f;
	sift_up(p, p->n++);
	return f->data;
}

static void write_frame(struct cg_pcap_out *p, const struct queued_frame *f)
{
	struct pcap_pkthdr hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.ts.tv_sec = (time_t)(f->ts_us / 1000000);
	hdr.ts.tv_usec = (suseconds_t)(f->ts_us % 1000000);
	hdr.caplen = (bpf_u_int32)f->len;
	hdr.len = (bpf_u_int32)f->len;
	pcap_dump((u_char *)p->dumper, &hdr, f->data);

	if (p->stats.frames == 0)
		p->stats.first_us = f->ts_us;
	p->stats.last_us = f->ts_us;
	p->stats.frames++;
	p->stats.file_bytes += RECORD_HEADER_BYTES + f->len;
}

void cg_pcap_release(struct cg_pcap_out *p, int64_t ts_us)
{
	while (p->n > 0 && p->heap[0]->ts_us <= ts_us) {
		struct queued_frame *f = p->heap[0];

		write_frame(p, f);
		free(f);
		p->heap[0] = p->heap[--p->n];
		sift_down(p, 0);
	}
	if (ts_us > p->released_us)
		p->released_us = ts_us;
}

const struct cg_pcap_stats *cg_pcap_stats(const struct cg_pcap_out *p)
{
	return &p->stats;
}

int cg_pcap_close(struct cg_pcap_out *p, char *err, size_t err_len)
{
	int rc = 0;

	if (p == NULL)
		return 0;
	cg_pcap_release(p, INT64_MAX);
	if (pcap_dump_flush(p->dumper) != 0 || ferror(p->file))
		p->write_failed = true;
	pcap_dump_close(p->dumper);
	pcap_close(p->dead);
	if (p->out_of_memory) {
		snprintf(err, err_len, "out of memory while queueing frames; the capture is incomplete");
		rc = -1;
	} else if (p->write_failed) {
		snprintf(err, err_len, "writing the capture failed (disk full?)");
		rc = -1;
	}
	free(p->heap);
	free(p->write_buffer);
	free(p);
	return rc;
}
