/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The public API: start and stop, reloads, submission with sequence
 * numbers and the memory limit, CIN counters, drain and statistics.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "control/delivery/delivery.h"
#include "control/delivery/dl_encode.h"
#include "control/delivery/dl_internal.h"
#include "control/delivery/dl_io.h"
#include "control/delivery/dl_path.h"
#include "lib/util/log.h"

#define DEFAULT_KEEPALIVE_WAIT_MS 5000
#define DEFAULT_RECONNECT_MIN_MS 100
#define DEFAULT_RECONNECT_MAX_MS 30000
#define DEFAULT_MEMORY_LIMIT (64u << 20)
/* Linux lets a TCP receive buffer grow to 6 MiB by default (the third
 * value of net.ipv4.tcp_rmem). NOTE: 4 MiB is an estimate of what an
 * agency that keeps reading leaves unread. An agency that resets with more
 * unread bytes than the window loses the excess. */
#define DEFAULT_RESEND_WINDOW (4u << 20)
/* How often the spool worker flushes written files to the disk. */
#define SPOOL_SYNC_MS 100
/* Maximum wait of an offline submitter for memory. */
#define OFFLINE_MEMORY_WAIT_MS 60000

static void apply_defaults(struct delivery_options *o)
{
	if (o->keepalive_wait_ms == 0)
		o->keepalive_wait_ms = DEFAULT_KEEPALIVE_WAIT_MS;
	if (o->reconnect_min_ms == 0)
		o->reconnect_min_ms = DEFAULT_RECONNECT_MIN_MS;
	if (o->reconnect_max_ms == 0)
		o->reconnect_max_ms = DEFAULT_RECONNECT_MAX_MS;
	if (o->reconnect_max_ms < o->reconnect_min_ms)
		o->reconnect_max_ms = o->reconnect_min_ms;
	if (o->memory_limit_bytes == 0)
		o->memory_limit_bytes = DEFAULT_MEMORY_LIMIT;
	if (o->resend_window_bytes == 0)
		o->resend_window_bytes = DEFAULT_RESEND_WINDOW;
}

static int choose_backend(struct delivery *d, char *err, size_t err_len)
{
	char reason[160] = "";
	enum delivery_io_backend want = d->opts.backend;

	if (want == DELIVERY_IO_EPOLL) {
		d->io = &dl_io_epoll;
	} else if (dl_io_uring_usable(reason, sizeof(reason))) {
		d->io = &dl_io_uring;
	} else if (want == DELIVERY_IO_URING) {
		snprintf(err, err_len, "io_uring was requested for delivery but %s", reason);
		return -1;
	} else {
		LOG_NOTICE("delivery uses epoll because %s", reason);
		d->io = &dl_io_epoll;
	}
	return d->io->init(d, err, err_len);
}

static void free_engine(struct delivery *d)
{
	while (d->agencies != NULL) {
		struct dl_agency *next = d->agencies->next;

		dl_agency_free(d->agencies);
		d->agencies = next;
	}
	while (d->cmds != NULL) {
		struct dl_cmd *next = d->cmds->next;

		dl_agency_conf_free(d->cmds->conf);
		free(d->cmds);
		d->cmds = next;
	}
	while (!dl_queue_empty(&d->submitted))
		dl_record_unref(dl_queue_pop(&d->submitted));
	if (d->io != NULL)
		d->io->fini(d);
	if (d->wake_fd >= 0)
		close(d->wake_fd);
	dl_worker_destroy(&d->spool_worker);
	dl_worker_destroy(&d->resolver);
	dl_seq_free(&d->seqs);
	dl_counts_free(&d->counts);
	dl_cin_free(&d->cins);
	pthread_mutex_destroy(&d->submit_lock);
	pthread_mutex_destroy(&d->drain_lock);
	pthread_cond_destroy(&d->drain_cond);
	free(d->streams);
	free(d->spool_dir);
	free(d);
}

static int add_agencies(struct delivery *d, const struct lime_config *cfg,
			char *err, size_t err_len)
{
	for (size_t i = 0; i < cfg->n_agencies; i++) {
		struct dl_agency_conf *conf =
			dl_agency_conf_new(&cfg->agencies[i], err, err_len);

		if (conf == NULL)
			return -1;

		struct dl_agency *ag = dl_agency_new(d, conf);

		if (ag == NULL) {
			dl_agency_conf_free(conf);
			snprintf(err, err_len, "agency %s: out of memory",
				 cfg->agencies[i].name);
			return -1;
		}
		ag->next = d->agencies;
		d->agencies = ag;
		/* Opened before the threads start, so that a spool left by an
		 * earlier run is replayed before anything new. */
		for (int k = 0; k < 2; k++) {
			if (dl_spool_open_now(&ag->ch[k], err, err_len) != 0)
				return -1;
		}
	}
	return 0;
}

static int init_engine(struct delivery *d, const struct lime_config *cfg,
		       char *err, size_t err_len)
{
	int rc = dl_path_mkdirs(d->spool_dir);

	if (rc != 0) {
		snprintf(err, err_len, "cannot create spool folder %s: %s; set spool_dir to a writable folder",
			 d->spool_dir, strerror(-rc));
		return -1;
	}
	if (dl_seq_init(&d->seqs) != 0 || dl_counts_init(&d->counts) != 0) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	if (dl_cin_init(&d->cins, d->spool_dir) != 0) {
		snprintf(err, err_len, "cannot create the CIN folder in %s: %s; set spool_dir to a writable folder",
			 d->spool_dir, strerror(errno));
		return -1;
	}
	d->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->wake_fd < 0) {
		snprintf(err, err_len, "eventfd failed: %s", strerror(errno));
		return -1;
	}
	if (choose_backend(d, err, err_len) != 0)
		return -1;
	return add_agencies(d, cfg, err, err_len);
}

static int start_threads(struct delivery *d, char *err, size_t err_len)
{
	int rc = dl_worker_start(&d->spool_worker, "delivery spool", d->wake_fd,
				 dl_spool_sync_all, d, SPOOL_SYNC_MS);

	if (rc == 0)
		rc = dl_worker_start(&d->resolver, "delivery resolver", d->wake_fd,
				     NULL, NULL, 0);
	if (rc == 0) {
		rc = -pthread_create(&d->thread, NULL, dl_io_thread, d);
		d->thread_started = rc == 0;
	}
	if (rc != 0) {
		snprintf(err, err_len, "cannot start a delivery thread: %s",
			 strerror(-rc));
		return -1;
	}
	return 0;
}

struct delivery *delivery_start(const struct lime_config *cfg,
				const struct delivery_options *opts,
				char *err, size_t err_len)
{
	struct delivery *d = calloc(1, sizeof(*d));

	if (d == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	d->wake_fd = -1;
	if (opts != NULL)
		d->opts = *opts;
	apply_defaults(&d->opts);
	d->quota.limit = d->opts.spool_quota_bytes;
	pthread_mutex_init(&d->submit_lock, NULL);
	pthread_mutex_init(&d->drain_lock, NULL);
	pthread_cond_init(&d->drain_cond, NULL);
	d->spool_dir = strdup(d->opts.spool_dir != NULL ? d->opts.spool_dir
							: cfg->spool_dir);
	d->opts.spool_dir = d->spool_dir;
	if (d->spool_dir == NULL) {
		snprintf(err, err_len, "out of memory");
		free_engine(d);
		return NULL;
	}
	if (init_engine(d, cfg, err, err_len) != 0 ||
	    start_threads(d, err, err_len) != 0) {
		delivery_stop(d);
		return NULL;
	}
	LOG_NOTICE("delivery started: %zu agencies, spool %s, %s backend",
		   cfg->n_agencies, d->spool_dir, d->io->name);
	return d;
}

static void push_cmd(struct delivery *d, enum dl_cmd_kind kind,
		     struct dl_agency *ag, struct dl_agency_conf *conf)
{
	struct dl_cmd *cmd = calloc(1, sizeof(*cmd));

	if (cmd == NULL) {
		LOG_ERR("agency %s: out of memory for a reload command; the change is not applied",
			ag->name);
		dl_agency_conf_free(conf);
		return;
	}
	cmd->kind = kind;
	cmd->agency = ag;
	cmd->conf = conf;
	if (d->cmds_tail != NULL)
		d->cmds_tail->next = cmd;
	else
		d->cmds = cmd;
	d->cmds_tail = cmd;
}

static bool in_config(const struct lime_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_agencies; i++) {
		if (strcmp(cfg->agencies[i].name, name) == 0)
			return true;
	}
	return false;
}

/* Adds a new agency, or hands a changed one to the I/O thread. */
static int update_agency(struct delivery *d, const struct lime_agency *a)
{
	char err[256];
	struct dl_agency_conf *conf = dl_agency_conf_new(a, err, sizeof(err));

	if (conf == NULL) {
		LOG_ERR("reload: %s; the agency keeps its previous settings", err);
		return -1;
	}
	pthread_mutex_lock(&d->submit_lock);
	struct dl_agency *ag = dl_agency_find(d, a->name);

	if (ag == NULL) {
		ag = dl_agency_new(d, conf);
		if (ag != NULL) {
			ag->next = d->agencies;
			d->agencies = ag;
			LOG_NOTICE("reload: agency %s added", a->name);
		}
	} else {
		ag->etsi = conf->etsi;
		ag->active = true;
		push_cmd(d, DL_CMD_RECONFIGURE, ag, conf);
	}
	pthread_mutex_unlock(&d->submit_lock);
	if (ag == NULL) {
		LOG_ERR("reload: agency %s: out of memory; not added", a->name);
		dl_agency_conf_free(conf);
		return -1;
	}
	return 0;
}

int delivery_update(struct delivery *d, const struct lime_config *cfg)
{
	int rc = 0;

	for (size_t i = 0; i < cfg->n_agencies; i++) {
		if (update_agency(d, &cfg->agencies[i]) != 0)
			rc = -1;
	}
	pthread_mutex_lock(&d->submit_lock);
	for (struct dl_agency *ag = d->agencies; ag != NULL; ag = ag->next) {
		if (ag->active && !in_config(cfg, ag->name)) {
			ag->active = false;
			push_cmd(d, DL_CMD_RETIRE, ag, NULL);
		}
	}
	pthread_mutex_unlock(&d->submit_lock);
	dl_wake(d);
	return rc;
}

static bool log_this_time(uint64_t count)
{
	return count <= 10 || (count & (count - 1)) == 0;
}

static struct dl_agency *find_active(struct delivery *d, const char *name)
{
	struct dl_agency *ag = dl_agency_find(d, name);

	return ag != NULL && ag->active ? ag : NULL;
}

/* PDU bytes waiting for a connection or the spool; under submit_lock. */
static uint64_t waiting_bytes(struct delivery *d)
{
	return atomic_load(&d->waiting_bytes) + d->submitted.bytes;
}

/* Offline: waits while the memory limit is reached and the agency's spool
 * still takes records, so that a fast replay does not lose any. */
static void wait_for_memory(struct delivery *d, const char *agency,
			    enum delivery_channel channel, size_t estimate)
{
	struct timespec pause = {.tv_sec = 0, .tv_nsec = 1000000};

	for (int waited = 0; waited < OFFLINE_MEMORY_WAIT_MS; waited++) {
		pthread_mutex_lock(&d->submit_lock);
		struct dl_agency *ag = find_active(d, agency);
		bool done = waiting_bytes(d) + estimate <= d->opts.memory_limit_bytes ||
			    d->stopping || ag == NULL ||
			    atomic_load(&ag->ch[channel].spool_full_shared);
		pthread_mutex_unlock(&d->submit_lock);
		if (done)
			return;
		nanosleep(&pause, NULL);
	}
}

static void count_lost(struct delivery *d, const char *agency, const char *liid)
{
	uint64_t lost = atomic_fetch_add(&d->stats.records_lost, 1) + 1;

	if (log_this_time(lost))
		LOG_ERR("agency %s LIID %.25s: record lost: %" PRIu64 " bytes of records wait in memory (limit %" PRIu64 ") while neither the agency nor the spool takes them; %" PRIu64 " lost so far",
			agency, liid, waiting_bytes(d),
			d->opts.memory_limit_bytes, lost);
}

/* Encodes and queues rec under submit_lock. Returns 0 when queued or
 * counted as lost, -1 when rejected. */
static int queue_locked(struct delivery *d, const char *agency,
			struct delivery_record *rec, bool *wake)
{
	struct dl_agency *ag = find_active(d, agency);

	if (ag == NULL || d->stopping) {
		LOG_ERR("agency %s LIID %.25s: record rejected: %s", agency,
			rec->liid, ag == NULL ? "unknown agency" : "delivery is stopping");
		return -1;
	}

	uint32_t *counter = dl_seq_counter(&d->seqs, rec->liid, rec->cin,
					   rec->channel);
	int status = ETSI_ERR_SPACE;
	struct dl_record *out = counter != NULL
				? dl_encode(&ag->etsi, rec, *counter, &status) : NULL;

	if (out == NULL) {
		LOG_ERR("agency %s LIID %.25s CIN %" PRIu32 ": encoding the record failed: %s",
			agency, rec->liid, rec->cin, etsi_status_text(status));
		return -1;
	}
	/* The sequence number is used even for a lost record, so that the
	 * agency can detect the gap. */
	(*counter)++;
	if (waiting_bytes(d) + out->len > d->opts.memory_limit_bytes &&
	    (!d->opts.offline ||
	     atomic_load(&ag->ch[rec->channel].spool_full_shared))) {
		dl_record_unref(out);
		count_lost(d, agency, rec->liid);
		return 0;
	}
	out->dest = &ag->ch[rec->channel];
	*wake = dl_queue_empty(&d->submitted);
	dl_queue_push(&d->submitted, out);
	dl_stat_add(&d->stats.records_pending, 1);
	return 0;
}

int delivery_submit(struct delivery *d, const char *agency,
		    struct delivery_record *rec)
{
	bool wake = false;
	int rc = -1;

	if (rec->channel == DELIVERY_HI2 || rec->channel == DELIVERY_HI3) {
		if (d->opts.offline)
			wait_for_memory(d, agency, rec->channel,
					rec->payload_len + ETSI_PDU_OVERHEAD_MAX);
		pthread_mutex_lock(&d->submit_lock);
		rc = queue_locked(d, agency, rec, &wake);
		pthread_mutex_unlock(&d->submit_lock);
	} else {
		LOG_ERR("agency %s LIID %.25s: record rejected: invalid channel %d",
			agency, rec->liid, (int)rec->channel);
	}
	if (wake)
		dl_wake(d);
	free(rec->payload);
	rec->payload = NULL;
	rec->payload_len = 0;
	return rc;
}

uint32_t delivery_next_cin(struct delivery *d, const char *liid)
{
	uint32_t cin = dl_cin_next(&d->cins, liid);

	dl_worker_mark_dirty(&d->spool_worker);
	return cin;
}

static void deadline_in(struct timespec *ts, uint32_t ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

int delivery_drain(struct delivery *d, uint32_t timeout_ms)
{
	struct timespec until;
	int rc = 0;

	deadline_in(&until, timeout_ms);
	pthread_mutex_lock(&d->drain_lock);
	uint64_t request = ++d->drain_seq_req;
	pthread_mutex_unlock(&d->drain_lock);
	dl_wake(d);

	pthread_mutex_lock(&d->drain_lock);
	while (d->drain_seq_seen < request ||
	       !(d->opts.offline ? d->settled : d->quiet)) {
		if (pthread_cond_timedwait(&d->drain_cond, &d->drain_lock,
					   &until) == ETIMEDOUT) {
			rc = -1;
			break;
		}
	}
	pthread_mutex_unlock(&d->drain_lock);
	return rc;
}

/* Jobs that finished after the I/O thread ended: only name resolutions,
 * whose results are no longer needed. */
static void run_finished_after_stop(struct delivery *d)
{
	struct dl_worker *workers[] = {&d->spool_worker, &d->resolver};

	for (size_t i = 0; i < 2; i++) {
		if (!workers[i]->initialized)
			continue;
		struct dl_job *job = dl_worker_take_finished(workers[i]);

		while (job != NULL) {
			struct dl_job *next = job->next;

			job->done(job);
			job = next;
		}
	}
}

void delivery_stop(struct delivery *d)
{
	if (d == NULL)
		return;
	pthread_mutex_lock(&d->submit_lock);
	d->stopping = true;
	pthread_mutex_unlock(&d->submit_lock);
	if (d->thread_started) {
		dl_wake(d);
		pthread_join(d->thread, NULL);
	}
	/* The spool worker flushes every file before it ends. */
	dl_worker_stop(&d->spool_worker);
	dl_worker_stop(&d->resolver);
	run_finished_after_stop(d);

	struct delivery_stats s;

	delivery_get_stats(d, &s);
	if (d->thread_started)
		LOG_NOTICE("delivery stopped: %" PRIu64 " records delivered, %" PRIu64 " spooled, %" PRIu64 " pending, %" PRIu64 " lost",
			   s.records_delivered, s.records_spooled,
			   s.records_pending, s.records_lost);
	free_engine(d);
}

int delivery_liid_counts(struct delivery *d, const char *liid,
			 struct delivery_liid_counts *out)
{
	return dl_counts_get(&d->counts, liid, out);
}

void delivery_get_stats(struct delivery *d, struct delivery_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->connects = atomic_load(&d->stats.connects);
	out->connect_failures = atomic_load(&d->stats.connect_failures);
	out->disconnects = atomic_load(&d->stats.disconnects);
	out->keepalives_sent = atomic_load(&d->stats.keepalives_sent);
	out->keepalive_timeouts = atomic_load(&d->stats.keepalive_timeouts);
	out->records_delivered = atomic_load(&d->stats.records_delivered);
	out->records_spooled = atomic_load(&d->stats.records_spooled);
	out->records_replayed = atomic_load(&d->stats.records_replayed);
	out->records_resent = atomic_load(&d->stats.records_resent);
	out->spool_bytes = atomic_load(&d->quota.used);
	out->spool_full_events = atomic_load(&d->stats.spool_full_events);
	out->bad_responses = atomic_load(&d->stats.bad_responses);
	out->records_lost = atomic_load(&d->stats.records_lost);
	out->records_pending = atomic_load(&d->stats.records_pending);
	out->backend = d->io != NULL ? d->io->name : "none";
}
