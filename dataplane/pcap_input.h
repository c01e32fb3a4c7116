/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DATAPLANE_PCAP_INPUT_H
#define LIME_DATAPLANE_PCAP_INPUT_H

/*
 * Offline input: capture files read through DPDK's net_pcap vdev. The PMD
 * does not report the end of a file (it returns empty bursts forever), so
 * each file is scanned once at start to count its records. The reader is
 * done with a file when it has received that many.
 */

#include <stddef.h>
#include <stdint.h>

struct pcap_input_info {
	uint64_t records;        /* readable records before the end or an error */
	uint64_t first_ts_us;
	uint64_t last_ts_us;
	int truncated;           /* a record could not be read: the rest is skipped */
	char error[256];         /* libpcap's account of that record */
};

/*
 * Scan path. Returns 0, or -1 with one line in err naming the file and what
 * is wrong (unreadable, not a capture, link type other than Ethernet).
 */
int pcap_input_scan(const char *path, struct pcap_input_info *info,
		    char *err, size_t err_len);

/* Write the net_pcap device string for input number index into out. */
int pcap_input_devargs(unsigned int index, const char *path,
		       char *out, size_t out_len);

#endif
