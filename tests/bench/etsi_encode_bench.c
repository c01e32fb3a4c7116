/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CC records encoded per second on one core, through the per-stream
 * template, beside a plain memcpy of the same output bytes as the ceiling.
 * Prints RESULT lines; see docs/performance.md.
 *
 *   etsi_encode_bench [RECORDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/etsi/etsi.h"

/* An IPv4/UDP/RTP packet of G.711 at 20 ms: 20 + 8 + 12 + 160 bytes. */
#define PACKET_LEN 200
#define BATCH 64

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void init_agency(struct etsi_agency *agency)
{
	memset(agency, 0, sizeof(*agency));
	etsi_oids_default(&agency->oids);
	memcpy(agency->auth_cc, "XX", 3);
	memcpy(agency->deliv_cc, "XX", 3);
	snprintf(agency->operator_id, sizeof(agency->operator_id), "OPER");
	snprintf(agency->network_element_id, sizeof(agency->network_element_id), "lime-1");
}

/* Encode n records of a stream, sequence numbers and times advancing. */
static double run_template(unsigned long n, uint8_t (*out)[ETSI_PDU_OVERHEAD_MAX + PACKET_LEN],
			   size_t *lens, const uint8_t *packet)
{
	struct etsi_agency agency;
	struct etsi_cc_template tpl;

	init_agency(&agency);
	if (etsi_cc_template_init(&tpl, &agency, "LIID-0001", 7, ETSI_DIR_FROM_TARGET) != ETSI_OK)
		exit(1);

	double start = now_s();
	for (unsigned long i = 0; i < n; i++) {
		size_t slot = i % BATCH;
		uint64_t usec = 1772359200ULL * 1000000 + i * 20000;
		if (etsi_cc_template_encode(&tpl, (uint32_t)i, usec / 1000000,
					    (uint32_t)(usec % 1000000), packet, PACKET_LEN,
					    out[slot], sizeof(out[slot]), &lens[slot]) != ETSI_OK)
			exit(1);
	}
	return now_s() - start;
}

/* Copy the same records' bytes: what writing them costs at the least. */
static double run_memcpy(unsigned long n, uint8_t (*out)[ETSI_PDU_OVERHEAD_MAX + PACKET_LEN],
			 const size_t *lens, uint8_t (*copy)[ETSI_PDU_OVERHEAD_MAX + PACKET_LEN])
{
	double start = now_s();
	for (unsigned long i = 0; i < n; i++) {
		size_t slot = i % BATCH;
		memcpy(copy[slot], out[slot], lens[slot]);
		__asm__ volatile("" : : "r"(copy[slot]) : "memory");
	}
	return now_s() - start;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000000UL;
	static uint8_t out[BATCH][ETSI_PDU_OVERHEAD_MAX + PACKET_LEN];
	static uint8_t copy[BATCH][ETSI_PDU_OVERHEAD_MAX + PACKET_LEN];
	size_t lens[BATCH];
	uint8_t packet[PACKET_LEN];

	for (size_t i = 0; i < sizeof(packet); i++)
		packet[i] = (uint8_t)i;

	double t_encode = run_template(n, out, lens, packet);
	double t_copy = run_memcpy(n, out, lens, copy);
	double encode_rate = (double)n / t_encode;
	double copy_rate = (double)n / t_copy;

	printf("CC record of a %d-byte packet: %zu bytes\n", PACKET_LEN, lens[0]);
	printf("RESULT etsi_cc_encode_records value=%.0f unit=records/s ceiling=%.0f ratio=%.3f\n",
	       encode_rate, copy_rate, encode_rate / copy_rate);
	return 0;
}
