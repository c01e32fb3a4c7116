/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_CALLGEN_OPTIONS_H
#define LIME_TOOLS_CALLGEN_OPTIONS_H

/* Command-line options of lime-callgen; docs/tools.md describes each. */

#include <stdbool.h>
#include <stdint.h>

#include "tools/callgen/audio.h"
#include "tools/callgen/suite.h"

enum cg_transport_mode {
	CG_TRANSPORT_UDP,
	CG_TRANSPORT_TCP,
	CG_TRANSPORT_MIXED,
};

enum cg_keying_mode {
	CG_KEYING_MODE_SDES,
	CG_KEYING_MODE_MIKEY,
	CG_KEYING_MODE_MIXED,      /* SDES or MIKEY-TICKET, half each */
	CG_KEYING_MODE_NONE,       /* plain RTP */
};

enum cg_attack_kind {
	CG_ATTACK_NONE = 0,
	CG_ATTACK_TAP_ALTERED,
	CG_ATTACK_EXPIRED_TICKET,
	CG_ATTACK_FORGED_FLOOD,
	CG_ATTACK_REPORT_MISMATCH,
	CG_ATTACK_KINDS,
};

struct cg_options {
	const char *out_path;
	const char *truth_path;
	const char *truth_keys_path;
	const char *truth_payloads_dir;
	uint64_t seed;
	uint32_t calls;
	uint32_t concurrency;
	int64_t duration_us;
	uint32_t ptime_ms;
	enum cg_codec codec;
	double target_share;
	uint32_t targets;
	enum cg_transport_mode transport;
	enum cg_keying_mode keying;
	const struct cg_suite *suite;
	bool rtcp_mux;
	bool ipv6;
	uint32_t background_pps;
	int64_t start_us;
	const char *kms_url;
	const char *kms_ca;
	const char *kms_config;
	const char *kms_cert;
	const char *kms_key;
	uint32_t attack_count[CG_ATTACK_KINDS];   /* 0: not requested */
	double report_share;       /* MIKEY calls whose terminals report keys */
	bool quiet;
};

/* Parses argv. Returns 0, 1 after --help, or 2 after printing one error
 * line. */
int cg_options_parse(int argc, char **argv, struct cg_options *o);

const char *cg_attack_name(enum cg_attack_kind kind);
const char *cg_transport_mode_name(enum cg_transport_mode mode);
const char *cg_keying_mode_name(enum cg_keying_mode mode);

#endif
