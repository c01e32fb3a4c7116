/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Name resolution of an agency address on the resolver worker, so that a
 * slow DNS server never stalls the I/O thread.
 */
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "control/delivery/dl_internal.h"
#include "lib/util/log.h"

struct resolve_job {
	struct dl_job job;
	struct dl_conn *conn;
	uint32_t epoch;
	char host[256];
	char port[16];
	int err;                     /* getaddrinfo() status */
	int n;
	struct sockaddr_storage addrs[DL_MAX_ADDRS];
	socklen_t lens[DL_MAX_ADDRS];
};

static void resolve_run(struct dl_job *j)
{
	struct resolve_job *job = (struct resolve_job *)j;
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	struct addrinfo *res = NULL;

	job->err = getaddrinfo(job->host, job->port, &hints, &res);
	for (struct addrinfo *ai = res; job->err == 0 && ai != NULL &&
	     job->n < DL_MAX_ADDRS; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(job->addrs[0]))
			continue;
		memcpy(&job->addrs[job->n], ai->ai_addr, ai->ai_addrlen);
		job->lens[job->n] = ai->ai_addrlen;
		job->n++;
	}
	if (job->err == 0 && job->n == 0)
		job->err = EAI_NONAME;
	if (res != NULL)
		freeaddrinfo(res);
}

static void resolve_done(struct dl_job *j)
{
	struct resolve_job *job = (struct resolve_job *)j;
	struct dl_conn *c = job->conn;

	c->ch->d->resolves_inflight--;
	if (c->epoch == job->epoch && c->state == DL_CONN_RESOLVING)
		dl_conn_resolved(c, job->err, job->addrs, job->lens, job->n);
	free(job);
}

void dl_resolve_post(struct dl_conn *c)
{
	const char *addr = c->ch->agency->conf->addr[c->ch->kind];
	struct resolve_job *job = calloc(1, sizeof(*job));

	if (job == NULL) {
		dl_conn_close(c, "out of memory");
		return;
	}
	if (dl_addr_split(addr, job->host, sizeof(job->host), job->port,
			  sizeof(job->port)) != 0) {
		free(job);
		dl_conn_close(c, "invalid host:port");
		return;
	}
	job->job.run = resolve_run;
	job->job.done = resolve_done;
	job->conn = c;
	job->epoch = c->epoch;
	c->peer[0] = '\0';
	c->ch->d->resolves_inflight++;
	dl_worker_post(&c->ch->d->resolver, &job->job);
}
