/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DELIVERY_RECORD_H
#define LIME_DELIVERY_RECORD_H

/*
 * An encoded PS-PDU on its way to one agency channel, and the FIFO of
 * records in memory. Records are reference counted because a record can
 * be on a connection and in a spool append at the same time. Only the I/O
 * thread changes the count of a record it received, and the spool thread
 * only reads the bytes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/etsi/etsi.h"

enum dl_record_flag {
	DL_REC_KEEPALIVE = 1u << 0,   /* a keep-alive: not counted, not spooled */
	DL_REC_SPOOLED = 1u << 1,     /* a copy is in the spool or on its way there */
	DL_REC_ON_CONN = 1u << 2,     /* queued on the current connection */
	DL_REC_FROM_SPOOL = 1u << 3,  /* read back from the spool */
	DL_REC_RESPONSE = 1u << 4,    /* with DL_REC_KEEPALIVE: a keep-aliveResponse */
};

struct dl_record {
	struct dl_record *next;       /* link in struct dl_queue */
	void *dest;                   /* channel, while in the submit queue */
	/* Position in the channel's stream of records, from 1, assigned when
	 * the record leaves memory for the connection or the spool; 0 until
	 * then and for keep-alives. */
	uint64_t id;
	uint64_t queued_ms;           /* monotonic time it entered the channel */
	uint32_t refs;
	uint16_t flags;
	uint8_t channel;              /* enum delivery_channel */
	uint8_t liid_len;
	char liid[ETSI_LIID_MAX + 1];
	size_t len;
	uint8_t pdu[];
};

/* Allocates a record for len PDU bytes with one reference; NULL when
 * memory runs out. */
struct dl_record *dl_record_new(size_t len);
/* Cuts a new record, with one reference, down to len bytes of PDU and
 * returns it (possibly moved). */
struct dl_record *dl_record_shrink(struct dl_record *rec, size_t len);
void dl_record_ref(struct dl_record *rec);
/* Drops a reference; the last one frees the record. NULL is accepted. */
void dl_record_unref(struct dl_record *rec);
/* Bytes a record takes in memory, for the memory limit. */
size_t dl_record_footprint(const struct dl_record *rec);
/* Bytes of every record alive in this process. */
uint64_t dl_record_memory(void);
void dl_record_set_liid(struct dl_record *rec, const char *liid, size_t len);

struct dl_queue {
	struct dl_record *head, *tail;
	size_t count;
	size_t bytes;
};

void dl_queue_push(struct dl_queue *q, struct dl_record *rec);
void dl_queue_push_front(struct dl_queue *q, struct dl_record *rec);
struct dl_record *dl_queue_pop(struct dl_queue *q);
/* Moves every record of from to the front of q, keeping their order. */
void dl_queue_prepend(struct dl_queue *q, struct dl_queue *from);
/* Moves every record of from to the back of q. */
void dl_queue_append(struct dl_queue *q, struct dl_queue *from);
static inline bool dl_queue_empty(const struct dl_queue *q)
{
	return q->head == NULL;
}

#endif
