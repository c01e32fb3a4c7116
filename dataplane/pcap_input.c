/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/pcap_input.h"

#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

int pcap_input_scan(const char *path, struct pcap_input_info *info,
		    char *err, size_t err_len)
{
	char pcap_err[PCAP_ERRBUF_SIZE];

	memset(info, 0, sizeof(*info));
	pcap_t *p = pcap_open_offline(path, pcap_err);
	if (p == NULL) {
		snprintf(err, err_len, "cannot read capture file \"%s\": %s", path, pcap_err);
		return -1;
	}

	/* net_pcap hands frames on as they are; lime decodes Ethernet only. */
	int link = pcap_datalink(p);
	if (link != DLT_EN10MB) {
		snprintf(err, err_len,
			 "capture file \"%s\" has link type %s (%d); lime reads Ethernet captures only: convert it, for example with editcap -T ether",
			 path, pcap_datalink_val_to_name(link) ? pcap_datalink_val_to_name(link) : "unknown", link);
		pcap_close(p);
		return -1;
	}

	struct pcap_pkthdr *hdr;
	const u_char *data;
	int ret;
	while ((ret = pcap_next_ex(p, &hdr, &data)) == 1) {
		uint64_t ts = (uint64_t)hdr->ts.tv_sec * 1000000u + (uint64_t)hdr->ts.tv_usec;
		if (info->records == 0)
			info->first_ts_us = ts;
		info->last_ts_us = ts;
		info->records++;
	}
	if (ret == PCAP_ERROR)
		info->truncated = 1;

	pcap_close(p);
	return 0;
}

int pcap_input_devargs(unsigned int index, const char *path,
		       char *out, size_t out_len)
{
	/* kvargs splits on ',', so such a path cannot be passed to net_pcap. */
	if (strchr(path, ',') != NULL)
		return -1;
	int n = snprintf(out, out_len, "net_pcap_lime%u,rx_pcap=%s", index, path);
	return (n < 0 || (size_t)n >= out_len) ? -1 : 0;
}
