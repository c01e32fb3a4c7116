/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_INTERCEPTS_H
#define LIME_CONTROL_INTERCEPTS_H

/*
 * The intercepts of a configuration, compiled for matching SIP messages.
 * Each target URI is reduced to a canonical key (sip_target_key()) and
 * stored in a hash map, so matching a URI costs one lookup however many
 * warrants are configured. Needs no DPDK.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/config.h"
#include "lib/sip/sip_msg.h"

/* Longest LIID: LawfulInterceptionIdentifier of ETSI TS 102 232-1. */
#define LIME_LIID_MAX 25

/* Most intercepts one call can match; further matches are counted. */
#define INTERCEPT_MATCH_MAX 16

struct intercept_set;

struct intercept_match {
	uint32_t count;
	uint32_t index[INTERCEPT_MATCH_MAX]; /* into cfg->intercepts, ascending */
	uint32_t dropped;                    /* matches past INTERCEPT_MATCH_MAX */
};

/*
 * Compiles cfg->intercepts. cfg must outlive the set. Returns NULL and
 * writes one line into err when a target cannot be compiled or memory
 * runs out.
 */
struct intercept_set *intercept_set_build(const struct lime_config *cfg,
					  char *err, size_t err_len);
void intercept_set_free(struct intercept_set *set);

const struct lime_config *intercept_set_config(const struct intercept_set *set);
size_t intercept_set_count(const struct intercept_set *set);
const struct lime_intercept *intercept_set_get(const struct intercept_set *set,
					       uint32_t index);
/* Index of the intercept with this LIID, or -1. */
int intercept_set_find_liid(const struct intercept_set *set, const char *liid);

/*
 * Adds to match every intercept with a target equal to the URI whose
 * canonical key is key[0..len) (see sip_target_key()), ignoring the
 * warrants' validity windows. Indexes already in match are not repeated.
 */
void intercept_set_match_key(const struct intercept_set *set,
			     const char *key, size_t len,
			     struct intercept_match *match);

/* Same for a URI as text ("sip:alice@ims.test", a name-addr is not taken). */
void intercept_set_match_uri(const struct intercept_set *set,
			     const char *uri, size_t len,
			     struct intercept_match *match);

/*
 * True when the warrant covers the time ts_us (microseconds since the Unix
 * epoch): start <= ts_us < end.
 */
bool intercept_active(const struct lime_intercept *ic, int64_t ts_us);

/* Drops every index whose warrant does not cover ts_us. */
void intercept_match_filter_active(const struct intercept_set *set,
				   struct intercept_match *match, int64_t ts_us);

#endif
