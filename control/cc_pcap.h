/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_CC_PCAP_H
#define LIME_CONTROL_CC_PCAP_H

#include <stdio.h>

/*
 * The --cc-pcap output: a pcapng file of decrypted media with an Ethernet
 * interface. Returns the open file positioned after the headers, or NULL.
 */
FILE *cc_pcap_open(const char *path);

#endif
