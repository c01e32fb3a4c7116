/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_PCAP_OUT_H
#define LIME_TOOLS_CALLGEN_PCAP_OUT_H

/*
 * The capture file: Ethernet frames in pcap format with microsecond
 * timestamps, written in time order.
 *
 * An event at time t may queue frames for t or later (a TCP segment and
 * the peer's ACK of it, IP fragments). Frames wait in a min-heap keyed
 * by (timestamp, queueing order) and are written once the generator's
 * clock has passed them. So the file is in time order, and frames with
 * the same timestamp keep the order in which they were queued.
 */

#include <stddef.h>
#include <stdint.h>

struct cg_pcap_out;

struct cg_pcap_stats {
	uint64_t frames;
	uint64_t file_bytes;       /* pcap headers included */
	int64_t first_us;
	int64_t last_us;
};

/* Creates the file. Returns NULL with a message in err. */
struct cg_pcap_out *cg_pcap_open(const char *path, char *err, size_t err_len);

/*
 * Returns a buffer of len bytes for a frame at ts_us, which must not be
 * earlier than the last cg_pcap_release() bound. Returns NULL when memory
 * runs out; cg_pcap_close() then reports the failure.
 */
uint8_t *cg_pcap_queue(struct cg_pcap_out *p, int64_t ts_us, size_t len);

/* Writes every queued frame with a timestamp <= ts_us. */
void cg_pcap_release(struct cg_pcap_out *p, int64_t ts_us);

const struct cg_pcap_stats *cg_pcap_stats(const struct cg_pcap_out *p);

/* Writes the frames still queued and closes the file. Returns 0, or -1
 * with a message in err when a write failed. NULL is allowed. */
int cg_pcap_close(struct cg_pcap_out *p, char *err, size_t err_len);

#endif
