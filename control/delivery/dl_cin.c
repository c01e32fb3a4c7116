/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/delivery/dl_cin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/delivery/dl_path.h"
#include "control/delivery/spool_format.h"
#include "lib/etsi/etsi.h"
#include "lib/util/log.h"

struct cin_entry {
	struct hmap_node node;
	char liid[ETSI_LIID_MAX + 1];
	uint32_t last;
	uint32_t gen;
	int fd;                      /* -1 when the file could not be opened */
	bool dirty;
};

int dl_cin_init(struct dl_cin_table *t, const char *spool_dir)
{
	size_t len = strlen(spool_dir) + sizeof("/cin");

	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->dir = malloc(len);
	if (t->dir == NULL || hmap_init(&t->map, 64) != 0)
		return -1;
	snprintf(t->dir, len, "%s/cin", spool_dir);
	return dl_path_mkdirs(t->dir);
}

void dl_cin_free(struct dl_cin_table *t)
{
	if (t->map.buckets != NULL) {
		for (size_t i = 0; i <= t->map.mask; i++) {
			struct hmap_node *n = t->map.buckets[i];

			while (n != NULL) {
				struct hmap_node *next = n->next;
				struct cin_entry *e = (struct cin_entry *)n;

				if (e->fd >= 0)
					close(e->fd);
				free(e);
				n = next;
			}
		}
	}
	hmap_free(&t->map);
	free(t->dir);
	t->dir = NULL;
	pthread_mutex_destroy(&t->lock);
}

/* Reads the last CIN issued from the file; a new file starts at 0. */
static void load(struct dl_cin_table *t, struct cin_entry *e)
{
	char name[3 * ETSI_LIID_MAX + 1];
	char path[4200];
	uint8_t slots[2 * SPOOL_CURSOR_SLOT_LEN];

	if (dl_path_escape(e->liid, name, sizeof(name)) != 0)
		return;
	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	e->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (e->fd < 0) {
		LOG_ERR("LIID %s: cannot open CIN counter %s: %s; CINs are counted in memory only and may repeat after a restart",
			e->liid, path, strerror(errno));
		return;
	}
	ssize_t n = pread(e->fd, slots, sizeof(slots), 0);
	bool found = false;

	for (int i = 0; n == (ssize_t)sizeof(slots) && i < 2; i++) {
		uint32_t gen;
		uint64_t value;

		if (spool_cursor_decode(slots + i * SPOOL_CURSOR_SLOT_LEN, &gen,
					&value) != 0 || value > UINT32_MAX)
			continue;
		if (!found || (int32_t)(gen - e->gen) > 0) {
			e->gen = gen;
			e->last = (uint32_t)value;
			found = true;
		}
	}
	if (n > 0 && !found)
		LOG_ERR("LIID %s: CIN counter %s is damaged; counting restarts at 1, so CINs may repeat",
			e->liid, path);
}

static struct cin_entry *lookup(struct dl_cin_table *t, const char *liid)
{
	size_t len = strnlen(liid, ETSI_LIID_MAX);
	uint64_t hash = hmap_hash(liid, len);

	for (struct hmap_node *n = hmap_first(&t->map, hash); n != NULL;
	     n = hmap_next(n)) {
		struct cin_entry *e = (struct cin_entry *)n;

		if (strncmp(e->liid, liid, len) == 0 && e->liid[len] == '\0')
			return e;
	}

	struct cin_entry *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	memcpy(e->liid, liid, len);
	e->fd = -1;
	load(t, e);
	hmap_insert(&t->map, &e->node, hash);
	return e;
}

static void store(struct dl_cin_table *t, struct cin_entry *e)
{
	uint8_t slot[SPOOL_CURSOR_SLOT_LEN];
	uint32_t gen = e->gen + 1;

	if (e->fd < 0)
		return;
	spool_cursor_encode(slot, gen, e->last);
	if (pwrite(e->fd, slot, sizeof(slot),
		   (off_t)(gen & 1) * SPOOL_CURSOR_SLOT_LEN) != (ssize_t)sizeof(slot)) {
		LOG_ERR("LIID %s: cannot write CIN counter in %s: %s; CIN %u may repeat after a restart",
			e->liid, t->dir, strerror(errno), e->last);
		return;
	}
	e->gen = gen;
	e->dirty = true;
	t->dirty = true;
}

uint32_t dl_cin_next(struct dl_cin_table *t, const char *liid)
{
	uint32_t cin = 0;

	pthread_mutex_lock(&t->lock);
	struct cin_entry *e = lookup(t, liid);

	if (e == NULL) {
		LOG_ERR("LIID %s: out of memory for its CIN counter", liid);
	} else {
		/* CIN 0 is the keep-alive's; skip it when the counter wraps. */
		e->last = e->last == UINT32_MAX ? 1 : e->last + 1;
		cin = e->last;
		store(t, e);
	}
	pthread_mutex_unlock(&t->lock);
	return cin;
}

void dl_cin_sync(struct dl_cin_table *t)
{
	int fds[64];
	size_t n = 0;

	pthread_mutex_lock(&t->lock);
	if (t->dirty && t->map.buckets != NULL) {
		t->dirty = false;
		for (size_t i = 0; i <= t->map.mask; i++) {
			for (struct hmap_node *node = t->map.buckets[i]; node != NULL;
			     node = node->next) {
				struct cin_entry *e = (struct cin_entry *)node;

				if (!e->dirty)
					continue;
				/* Leave the rest for the next call when full. */
				if (n == sizeof(fds) / sizeof(fds[0])) {
					t->dirty = true;
					continue;
				}
				e->dirty = false;
				fds[n++] = e->fd;
			}
		}
	}
	pthread_mutex_unlock(&t->lock);
	/* Descriptors stay open until dl_cin_free(), which runs after the
	 * spool worker stopped, so they are valid here without the lock. */
	for (size_t i = 0; i < n; i++) {
		if (fdatasync(fds[i]) != 0)
			LOG_ERR("fdatasync of a CIN counter in %s failed: %s",
				t->dir, strerror(errno));
	}
}
