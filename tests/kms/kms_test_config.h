/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TESTS_KMS_KMS_TEST_CONFIG_H
#define LIME_TESTS_KMS_KMS_TEST_CONFIG_H

/*
 * The lime-kms configuration and clock shared by the unit tests, the fuzz
 * harness and its corpus generator, so that the generated requests carry
 * valid MACs and timestamps for the harness. The certificate paths are
 * never opened: only the TLS server reads them.
 */

#include <stdint.h>

/* 2026-01-01T00:00:00Z */
#define KMS_TEST_NOW_US (INT64_C(1767225600) * 1000000)

#define KMS_TEST_KMS_ID "sip:kms@lime.test"
#define KMS_TEST_ALICE "sip:alice@ims.test"
#define KMS_TEST_BOB "sip:bob@ims.test"
#define KMS_TEST_CAROL "sip:carol@ims.test"
#define KMS_TEST_LI "sip:li-node-1@lime.test"

static const uint8_t kms_test_psk_alice[16] = {
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
};
static const uint8_t kms_test_psk_bob[16] = {
	0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
	0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
};
static const uint8_t kms_test_psk_carol[16] = {
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,
};
static const uint8_t kms_test_psk_li[16] = {
	0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33,
	0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33,
};

/* Alice may name Bob as responder, and Bob and Carol may name Alice.
 * Tickets fork and last one hour. */
static const char kms_test_config[] =
	"cert_file: unused.pem\n"
	"key_file: unused.key\n"
	"kms_identity: \"" KMS_TEST_KMS_ID "\"\n"
	"ticket_key_hex: \"000102030405060708090a0b0c0d0e0f"
	"101112131415161718191a1b1c1d1e1f\"\n"
	"users:\n"
	"  - identity: \"" KMS_TEST_ALICE "\"\n"
	"    psk_hex: \"11111111111111111111111111111111\"\n"
	"    responders: [\"" KMS_TEST_BOB "\"]\n"
	"  - identity: \"" KMS_TEST_BOB "\"\n"
	"    psk_hex: \"22222222222222222222222222222222\"\n"
	"    responders: [\"" KMS_TEST_ALICE "\"]\n"
	"  - identity: \"" KMS_TEST_CAROL "\"\n"
	"    psk_hex: \"44444444444444444444444444444444\"\n"
	"    responders: [\"" KMS_TEST_ALICE "\"]\n"
	"li_nodes:\n"
	"  - identity: \"" KMS_TEST_LI "\"\n"
	"    psk_hex: \"33333333333333333333333333333333\"\n"
	"ticket_policy:\n"
	"  validity_s: 3600\n"
	"  forking: true\n"
	"  responders: per_user\n";

#endif
