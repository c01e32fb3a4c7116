/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/lemf/cc_pcap.h"

#include <errno.h>
#include <string.h>

#define PCAP_MAGIC_USEC 0xa1b2c3d4u
#define PCAP_LINKTYPE_RAW 101
/* Largest record libpcap reads; longer packets are cut to it. */
#define PCAP_SNAPLEN 262144

struct pcap_file_header_le {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_record_header {
	uint32_t ts_sec;
	uint32_t ts_usec;
	uint32_t incl_len;
	uint32_t orig_len;
};

FILE *cc_pcap_open(const char *path)
{
	FILE *f = fopen(path, "ab");

	if (f == NULL)
		return NULL;
	if (ftell(f) == 0) {
		/* Written in host byte order; readers detect it from the magic. */
		struct pcap_file_header_le h = {
			.magic = PCAP_MAGIC_USEC,
			.version_major = 2,
			.version_minor = 4,
			.snaplen = PCAP_SNAPLEN,
			.linktype = PCAP_LINKTYPE_RAW,
		};

		if (fwrite(&h, sizeof(h), 1, f) != 1 || fflush(f) != 0) {
			int saved = errno;

			fclose(f);
			errno = saved;
			return NULL;
		}
	}
	return f;
}

int cc_pcap_write(FILE *f, uint64_t seconds, uint32_t microseconds,
		  const uint8_t *packet, size_t len)
{
	if (len > UINT32_MAX || seconds > UINT32_MAX) {
		errno = ERANGE;
		return -1;
	}
	size_t incl = len > PCAP_SNAPLEN ? PCAP_SNAPLEN : len;
	struct pcap_record_header r = {
		.ts_sec = (uint32_t)seconds,
		.ts_usec = microseconds,
		.incl_len = (uint32_t)incl,
		.orig_len = (uint32_t)len,
	};

	if (fwrite(&r, sizeof(r), 1, f) != 1)
		return -1;
	if (incl > 0 && fwrite(packet, incl, 1, f) != 1)
		return -1;
	return fflush(f) == 0 ? 0 : -1;
}
