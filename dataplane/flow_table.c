/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/flow_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "lib/util/log.h"

/* Called by the hash library once no reader can still hold the entry. */
static void free_entry(void *ctx, void *key_data)
{
	free(key_data);
}

static int attach_rcu(struct flow_table *ft)
{
	struct rte_hash_rcu_config rcu = {
		.v = ft->qsbr,
		.mode = RTE_HASH_QSBR_MODE_DQ,
		.dq_size = 0,              /* as many as the table has entries */
		.trigger_reclaim_limit = 0,
		.max_reclaim_size = 0,
		.free_key_data_func = free_entry,
		.key_data_ptr = NULL,
	};

	return rte_hash_rcu_qsbr_add(ft->hash, &rcu);
}

int flow_table_create(struct flow_table *ft, uint32_t max_flows,
		      uint32_t n_readers, int socket_id)
{
	static unsigned int instance;
	char name[RTE_HASH_NAMESIZE];

	snprintf(name, sizeof(name), "lime_flows_%u", instance++);
	struct rte_hash_parameters params = {
		.name = name,
		.entries = max_flows,
		.key_len = sizeof(struct flow_key),
		.socket_id = socket_id,
		/* Lock-free readers, one writer: the control lcore. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};

	ft->max_flows = max_flows;
	ft->n_readers = n_readers;
	memset(ft->port_filter, 0, sizeof(ft->port_filter));
	ft->port_refs = calloc(65536, sizeof(*ft->port_refs));
	if (ft->port_refs == NULL)
		return -ENOMEM;
	ft->hash = rte_hash_create(&params);
	if (ft->hash == NULL) {
		LOG_ERR("flow table: creating a hash of %u entries failed: %s",
			max_flows, rte_strerror(rte_errno));
		return -ENOMEM;
	}

	size_t qsbr_size = rte_rcu_qsbr_get_memsize(n_readers == 0 ? 1 : n_readers);
	ft->qsbr = rte_zmalloc_socket("lime_flows_qsbr", qsbr_size,
				      RTE_CACHE_LINE_SIZE, socket_id);
	if (ft->qsbr == NULL ||
	    rte_rcu_qsbr_init(ft->qsbr, n_readers == 0 ? 1 : n_readers) != 0 ||
	    attach_rcu(ft) != 0) {
		LOG_ERR("flow table: setting up RCU for %u readers failed", n_readers);
		flow_table_destroy(ft);
		return -ENOMEM;
	}
	return 0;
}

void flow_table_destroy(struct flow_table *ft)
{
	/* rte_hash_free frees the entries still in the defer queue. */
	if (ft->hash != NULL) {
		const void *key;
		void *data;
		uint32_t iter = 0;
		while (rte_hash_iterate(ft->hash, &key, &data, &iter) >= 0)
			free(data);
		rte_hash_free(ft->hash);
	}
	rte_free(ft->qsbr);
	free(ft->port_refs);
	ft->hash = NULL;
	ft->qsbr = NULL;
	ft->port_refs = NULL;
}

int flow_table_add(struct flow_table *ft, const struct flow_key *key,
		   struct flow_entry *entry)
{
	void *old = NULL;

	/* Replacing an entry in place would free the old one under a reader. */
	if (rte_hash_lookup_data(ft->hash, key, &old) >= 0)
		return -EEXIST;

	int ret = rte_hash_add_key_data(ft->hash, key, entry);
	if (ret < 0)
		return ret;

	/* The entry is visible before its port bit, so a reader that sees
	 * the bit finds the entry. */
	if (ft->port_refs[key->port]++ == 0)
		__atomic_fetch_or(&ft->port_filter[key->port >> 6],
				  1ULL << (key->port & 63), __ATOMIC_RELEASE);
	return 0;
}

int flow_table_del(struct flow_table *ft, const struct flow_key *key)
{
	int32_t pos = rte_hash_del_key(ft->hash, key);
	if (pos < 0)
		return pos;

	if (--ft->port_refs[key->port] == 0)
		__atomic_fetch_and(&ft->port_filter[key->port >> 6],
				   ~(1ULL << (key->port & 63)), __ATOMIC_RELEASE);
	return 0;
}

int flow_table_reader_register(struct flow_table *ft, uint32_t reader_id)
{
	int ret = rte_rcu_qsbr_thread_register(ft->qsbr, reader_id);
	if (ret != 0)
		return ret;
	rte_rcu_qsbr_thread_online(ft->qsbr, reader_id);
	return 0;
}

void flow_table_reader_unregister(struct flow_table *ft, uint32_t reader_id)
{
	rte_rcu_qsbr_thread_offline(ft->qsbr, reader_id);
	rte_rcu_qsbr_thread_unregister(ft->qsbr, reader_id);
}
