/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/key_manager.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int key_manager_init(struct key_manager *km, uint32_t capacity)
{
	memset(km, 0, sizeof(*km));
	km->streams = calloc(capacity, sizeof(*km->streams));
	km->free_ids = malloc(capacity * sizeof(*km->free_ids));
	km->generations = calloc(capacity, sizeof(*km->generations));
	if (km->streams == NULL || km->free_ids == NULL || km->generations == NULL) {
		key_manager_free(km);
		return -ENOMEM;
	}
	km->capacity = capacity;

	/* Lowest ids first, so that small runs give small, readable ids. */
	for (uint32_t i = 0; i < capacity; i++)
		km->free_ids[i] = capacity - 1 - i;
	km->n_free = capacity;
	return 0;
}

void key_manager_free(struct key_manager *km)
{
	if (km->streams != NULL)
		explicit_bzero(km->streams, km->capacity * sizeof(*km->streams));
	free(km->streams);
	free(km->free_ids);
	free(km->generations);
	memset(km, 0, sizeof(*km));
}

int key_manager_open(struct key_manager *km, enum media_keying keying,
		     const struct sdes_crypto *crypto, uint32_t *stream_id)
{
	if (km->n_free == 0) {
		km->stats.exhausted++;
		return -ENOSPC;
	}

	uint32_t id = km->free_ids[--km->n_free];
	struct key_stream *s = &km->streams[id];

	memset(s, 0, sizeof(*s));
	s->in_use = true;
	km->generations[id]++;
	s->keying = keying;
	if (crypto != NULL) {
		s->sdes = *crypto;
		s->has_sdes = true;
		km->stats.sdes_streams++;
	} else if (keying == MEDIA_KEYS_MIKEY) {
		km->stats.mikey_streams++;
	} else if (keying != MEDIA_KEYS_NONE) {
		km->stats.keys_unknown++;
	}

	km->stats.streams_opened++;
	km->stats.streams_active++;
	*stream_id = id;
	return 0;
}

void key_manager_close(struct key_manager *km, uint32_t stream_id)
{
	if (stream_id >= km->capacity || !km->streams[stream_id].in_use)
		return;

	explicit_bzero(&km->streams[stream_id], sizeof(km->streams[stream_id]));
	km->free_ids[km->n_free++] = stream_id;
	km->stats.streams_active--;
}

const struct key_stream *key_manager_get(const struct key_manager *km,
					 uint32_t stream_id)
{
	if (stream_id >= km->capacity || !km->streams[stream_id].in_use)
		return NULL;
	return &km->streams[stream_id];
}
