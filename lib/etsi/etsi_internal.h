/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_ETSI_INTERNAL_H
#define LIME_ETSI_INTERNAL_H

#include "etsi.h"

/* Byte offsets in an encoded CC PDU of the fields that the CC template
 * patches per packet. */
struct etsi_cc_layout {
	size_t seq_off, seq_len;
	size_t sec_off, sec_len;
	size_t usec_off, usec_len;
	size_t packet_off;
};

/* etsi_encode_cc() that also reports where the variable fields landed. */
int etsi_encode_cc_layout(const struct etsi_header *hdr,
			  enum etsi_direction dir,
			  const uint8_t *packet, size_t packet_len,
			  uint8_t *out, size_t cap, size_t *out_len,
			  struct etsi_cc_layout *layout);

#endif /* LIME_ETSI_INTERNAL_H */
