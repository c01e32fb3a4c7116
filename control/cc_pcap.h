/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_CC_PCAP_H
#define LIME_CONTROL_CC_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * The --cc-pcap output: a pcapng file of decrypted media with an Ethernet
 * interface. Returns the open file positioned after the headers, or NULL.
 */
FILE *cc_pcap_open(const char *path);

/*
 * Appends one Enhanced Packet Block: an Ethernet frame made of the 12
 * address bytes mac, the EtherType of IPv4 or IPv6 (ip_version), and the
 * IP packet ip[0..ip_len), stamped with the capture time ts_us. lime
 * writes the blocks itself rather than through DPDK's pcapng library,
 * because that library stamps packets with the TSC and these times come
 * from the capture. Returns 0, or -1 when the write failed.
 */
int cc_pcap_write(FILE *f, uint64_t ts_us, const uint8_t mac[12],
		  unsigned ip_version, const uint8_t *ip, size_t ip_len);

#endif
