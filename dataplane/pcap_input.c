/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/pcap_input.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

int pcap_input_scan(const char *path, struct pcap_input_info *info,
		    char *err, size_t err_len)
{
	char pcap_err[PCAP_ERRBUF_SIZE];

	memset(info, 0, sizeof(*info));

	/* Name the common problems in plain words before libpcap does. */
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(err, err_len, "cannot read capture file \"%s\": %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, err_len, "capture file \"%s\" is not a regular file: give a pcap or pcapng file", path);
		return -1;
	}
	if (st.st_size == 0) {
		snprintf(err, err_len, "capture file \"%s\" is empty", path);
		return -1;
	}

	pcap_t *p = pcap_open_offline(path, pcap_err);
	if (p == NULL) {
		snprintf(err, err_len,
			 "capture file \"%s\" is not a readable pcap or pcapng capture (libpcap: %s)",
			 path, pcap_err);
		return -1;
	}

	/* net_pcap hands frames on as they are; lime decodes Ethernet only. */
	int link = pcap_datalink(p);
	if (link != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(link);
		snprintf(err, err_len,
			 "capture file \"%s\" has link type %s (%d), but lime reads Ethernet captures only: capture on an Ethernet interface, or add Ethernet headers, for example with tcprewrite --dlt=enet",
			 path, name != NULL ? name : "unknown", link);
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
	if (ret == PCAP_ERROR) {
		info->truncated = 1;
		snprintf(info->error, sizeof(info->error), "%s", pcap_geterr(p));
	}

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
