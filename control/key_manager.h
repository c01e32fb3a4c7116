/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_CONTROL_KEY_MANAGER_H
#define LIME_CONTROL_KEY_MANAGER_H

/*
 * Key material of the media streams of intercepted calls, one slot per
 * installed flow, indexed by the stream id that the flow table entry
 * carries to the workers. SDES keys arrive here from the answer that
 * accepted them; every slot is wiped when its flow is removed. Needs no
 * DPDK.
 */

#include <stdbool.h>
#include <stdint.h>

#include "control/media.h"
#include "lib/sdp/sdes.h"

struct key_stream {
	bool in_use;
	uint16_t worker;            /* the worker lcore that owns the stream */
	enum media_keying keying;
	bool has_sdes;
	struct sdes_crypto sdes;    /* the sender's a=crypto, keys included */
};

struct key_manager_stats {
	uint64_t streams_opened;
	uint64_t streams_active;
	uint64_t sdes_streams;
	uint64_t mikey_streams;
	uint64_t keys_unknown;      /* streams opened without keys in hand */
	uint64_t exhausted;         /* opens refused because every slot was used */
};

struct key_manager {
	struct key_stream *streams;
	uint32_t capacity;
	uint32_t *free_ids;
	uint32_t n_free;
	/* Bumped each time a slot is taken, so that a late answer for a
	 * stream that ended cannot key the stream that took its slot. */
	uint32_t *generations;
	struct key_manager_stats stats;
};

int key_manager_init(struct key_manager *km, uint32_t capacity);
/* Wipes every slot and frees the table. */
void key_manager_free(struct key_manager *km);

/*
 * Takes a slot for a new stream and stores the sender's a=crypto when
 * crypto is not NULL. Returns 0 with *stream_id set, or -ENOSPC.
 */
int key_manager_open(struct key_manager *km, enum media_keying keying,
		     const struct sdes_crypto *crypto, uint32_t *stream_id);
/* Wipes and releases a slot. Unknown ids are ignored. */
void key_manager_close(struct key_manager *km, uint32_t stream_id);

const struct key_stream *key_manager_get(const struct key_manager *km,
					 uint32_t stream_id);

static inline uint32_t key_manager_generation(const struct key_manager *km,
					      uint32_t stream_id)
{
	return stream_id < km->capacity ? km->generations[stream_id] : 0;
}

#endif
