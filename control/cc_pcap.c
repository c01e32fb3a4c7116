/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/cc_pcap.h"

#include <stdint.h>
#include <string.h>

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define LINKTYPE_ETHERNET 1

/* Section header block: no options, section length unknown (-1). */
static int write_shb(FILE *f)
{
	uint32_t head[3] = {PCAPNG_SHB, 28, PCAPNG_BYTE_ORDER_MAGIC};
	uint16_t version[2] = {1, 0};
	int64_t section_len = -1;
	uint32_t tail = 28;

	return fwrite(head, sizeof(head), 1, f) == 1 &&
	       fwrite(version, sizeof(version), 1, f) == 1 &&
	       fwrite(&section_len, sizeof(section_len), 1, f) == 1 &&
	       fwrite(&tail, sizeof(tail), 1, f) == 1 ? 0 : -1;
}

/* Interface description block: Ethernet, no snap length limit. */
static int write_idb(FILE *f)
{
	uint32_t head[2] = {PCAPNG_IDB, 20};
	uint16_t link[2] = {LINKTYPE_ETHERNET, 0};
	uint32_t snaplen = 0;
	uint32_t tail = 20;

	return fwrite(head, sizeof(head), 1, f) == 1 &&
	       fwrite(link, sizeof(link), 1, f) == 1 &&
	       fwrite(&snaplen, sizeof(snaplen), 1, f) == 1 &&
	       fwrite(&tail, sizeof(tail), 1, f) == 1 ? 0 : -1;
}

FILE *cc_pcap_open(const char *path)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return NULL;
	if (write_shb(f) != 0 || write_idb(f) != 0) {
		fclose(f);
		return NULL;
	}
	return f;
}

int cc_pcap_write(FILE *f, uint64_t ts_us, const uint8_t mac[12],
		  unsigned ip_version, const uint8_t *ip, size_t ip_len)
{
	static const uint8_t pad[4];
	uint8_t ethertype[2] = {0x08, 0x00};
	size_t frame_len = 14 + ip_len;
	size_t padded = (frame_len + 3) & ~(size_t)3;
	uint32_t block_len = (uint32_t)(28 + padded + 4);
	uint32_t head[7] = {
		PCAPNG_EPB, block_len, 0,
		(uint32_t)(ts_us >> 32), (uint32_t)ts_us,
		(uint32_t)frame_len, (uint32_t)frame_len,
	};

	if (ip_version == 6) {
		ethertype[0] = 0x86;
		ethertype[1] = 0xdd;
	}
	return fwrite(head, sizeof(head), 1, f) == 1 &&
	       fwrite(mac, 12, 1, f) == 1 &&
	       fwrite(ethertype, 2, 1, f) == 1 &&
	       fwrite(ip, 1, ip_len, f) == ip_len &&
	       fwrite(pad, 1, padded - frame_len, f) == padded - frame_len &&
	       fwrite(&block_len, sizeof(block_len), 1, f) == 1 ? 0 : -1;
}
