/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzes SRTP and SRTCP decryption with arbitrary packets: RTP header
 * extensions of any length, CSRC lists, padding, truncated trailers and
 * unknown SSRCs. The first byte picks the suite and RTP or RTCP, the rest
 * is the packet. A packet that does not decrypt must come back unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/srtp_session.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum sdes_suite suites[] = {
	SDES_AES_CM_128_HMAC_SHA1_80,
	SDES_AES_CM_128_HMAC_SHA1_32,
	SDES_AES_256_CM_HMAC_SHA1_80,
	SDES_AEAD_AES_128_GCM,
};
#define N_SUITES (sizeof(suites) / sizeof(suites[0]))

static struct srtp_session sessions[N_SUITES];
static uint8_t packet[SRTP_RETRY_MAX_LEN + 64];
static uint8_t original[sizeof(packet)];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[128];

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < N_SUITES; i++) {
		struct srtp_stream_keys keys = {.suite = suites[i], .n_keys = 1};

		for (unsigned b = 0; b < SDES_KEY_SALT_MAX; b++)
			keys.key_salt[0][b] = (uint8_t)(b * 3 + i);
		if (srtp_session_init(&sessions[i], &keys, err, sizeof(err)) != 0)
			abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size - 1 > sizeof(packet))
		return 0;

	struct srtp_session *s = &sessions[data[0] % N_SUITES];
	bool rtcp = (data[0] & 0x80) != 0;
	size_t len = size - 1;

	memcpy(packet, data + 1, len);
	memcpy(original, data + 1, len);
	(void)rtp_mux_is_rtcp(packet, len);

	enum srtp_result r = srtp_session_unprotect(s, packet, &len, rtcp);
	if (r == SRTP_DECRYPTED) {
		if (len > size - 1)
			abort();
	} else if (len != size - 1 || memcmp(packet, original, len) != 0) {
		abort();
	}
	return 0;
}
