/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DELIVERY_ENCODE_H
#define LIME_DELIVERY_ENCODE_H

#include <stdint.h>

#include "control/delivery/delivery.h"
#include "control/delivery/dl_record.h"

/*
 * Encodes rec as one PS-PDU with the agency's header fields and sequence
 * number seq into a new record. Returns NULL with *status set (an
 * enum etsi_status, or ETSI_ERR_SPACE when memory runs out).
 */
struct dl_record *dl_encode(const struct etsi_agency *agency,
			    const struct delivery_record *rec, uint32_t seq,
			    int *status);

#endif
