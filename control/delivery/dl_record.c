/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/delivery/dl_record.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static _Atomic uint64_t record_memory;

size_t dl_record_footprint(const struct dl_record *rec)
{
	return sizeof(*rec) + rec->len;
}

uint64_t dl_record_memory(void)
{
	return atomic_load_explicit(&record_memory, memory_order_relaxed);
}

struct dl_record *dl_record_new(size_t len)
{
	struct dl_record *rec = malloc(sizeof(*rec) + len);

	if (rec == NULL)
		return NULL;
	memset(rec, 0, sizeof(*rec));
	rec->refs = 1;
	rec->len = len;
	atomic_fetch_add_explicit(&record_memory, dl_record_footprint(rec),
				  memory_order_relaxed);
	return rec;
}

struct dl_record *dl_record_shrink(struct dl_record *rec, size_t len)
{
	size_t before = dl_record_footprint(rec);
	struct dl_record *smaller = realloc(rec, sizeof(*rec) + len);

	if (smaller != NULL)
		rec = smaller;
	rec->len = len;
	atomic_fetch_sub_explicit(&record_memory, before - dl_record_footprint(rec),
				  memory_order_relaxed);
	return rec;
}

void dl_record_ref(struct dl_record *rec)
{
	rec->refs++;
}

void dl_record_unref(struct dl_record *rec)
{
	if (rec == NULL || --rec->refs > 0)
		return;
	atomic_fetch_sub_explicit(&record_memory, dl_record_footprint(rec),
				  memory_order_relaxed);
	free(rec);
}

void dl_record_set_liid(struct dl_record *rec, const char *liid, size_t len)
{
	if (len > ETSI_LIID_MAX)
		len = ETSI_LIID_MAX;
	memcpy(rec->liid, liid, len);
	rec->liid[len] = '\0';
	rec->liid_len = (uint8_t)len;
}

void dl_queue_push(struct dl_queue *q, struct dl_record *rec)
{
	rec->next = NULL;
	if (q->tail != NULL)
		q->tail->next = rec;
	else
		q->head = rec;
	q->tail = rec;
	q->count++;
	q->bytes += rec->len;
}

void dl_queue_push_front(struct dl_queue *q, struct dl_record *rec)
{
	rec->next = q->head;
	q->head = rec;
	if (q->tail == NULL)
		q->tail = rec;
	q->count++;
	q->bytes += rec->len;
}

struct dl_record *dl_queue_pop(struct dl_queue *q)
{
	struct dl_record *rec = q->head;

	if (rec == NULL)
		return NULL;
	q->head = rec->next;
	if (q->head == NULL)
		q->tail = NULL;
	rec->next = NULL;
	q->count--;
	q->bytes -= rec->len;
	return rec;
}

void dl_queue_prepend(struct dl_queue *q, struct dl_queue *from)
{
	if (from->head == NULL)
		return;
	from->tail->next = q->head;
	q->head = from->head;
	if (q->tail == NULL)
		q->tail = from->tail;
	q->count += from->count;
	q->bytes += from->bytes;
	memset(from, 0, sizeof(*from));
}

void dl_queue_append(struct dl_queue *q, struct dl_queue *from)
{
	if (from->head == NULL)
		return;
	if (q->tail != NULL)
		q->tail->next = from->head;
	else
		q->head = from->head;
	q->tail = from->tail;
	q->count += from->count;
	q->bytes += from->bytes;
	memset(from, 0, sizeof(*from));
}
