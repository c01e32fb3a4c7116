/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DELIVERY_INTERNAL_H
#define LIME_DELIVERY_INTERNAL_H

/*
 * State shared by the delivery engine's files.
 *
 * Threads: submitters (any thread) encode records and queue them under
 * submit_lock. The I/O thread owns every agency, channel and connection.
 * The spool worker owns the spool files, and the resolver worker runs
 * getaddrinfo(). Workers receive jobs and hand them back to the I/O
 * thread, which they wake through wake_fd.
 *
 * Order of one channel's records. Every record gets an id, ascending, when
 * it leaves memory for the connection or the spool. The agency receives
 * them in id order: records in the spool with ids above queued_id are sent
 * before the records still in memory, and a record goes from memory
 * straight to the connection only when the spool has nothing above
 * queued_id. Records on the connection that are not spooled always precede
 * everything spooled, because an append first takes every record on the
 * connection that is not spooled yet.
 */

#include <netinet/in.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "control/delivery/delivery.h"
#include "control/delivery/dl_counts.h"
#include "control/delivery/dl_cin.h"
#include "control/delivery/dl_record.h"
#include "control/delivery/dl_seq.h"
#include "control/delivery/dl_worker.h"
#include "control/delivery/spool_stream.h"

/* Bytes of PDUs put on a connection per write. */
#define DL_BATCH_BYTES (256u * 1024)
/* Records per write, and the iovec array of a plaintext write. */
#define DL_BATCH_IOV 64
/* Records on a connection: not fully written, awaiting the peer's TCP
 * acknowledgement, or kept for the resend window. The window keeps at most
 * half of them (release_confirmed() in dl_conn.c), so that it never blocks
 * new records. */
#define DL_RING_SIZE 16384
/* A record that waited this long in memory, or a connection that made no
 * write progress this long, sends records to the spool. */
#define DL_STALL_MS 200
/* Bytes in one channel's memory queue before it goes to the spool. */
#define DL_CHANNEL_MEM_SOFT (1u << 20)
/* Records per spool append job. */
#define DL_APPEND_BATCH 1024
/* Bytes and records per spool read job. */
#define DL_READ_BATCH_BYTES (256u * 1024)
#define DL_READ_BATCH_RECORDS 1024
/* Time to establish TCP and TLS before the attempt counts as failed. */
#define DL_CONNECT_TIMEOUT_MS 5000
/* Time between retries of a spool that rejected records. */
#define DL_SPOOL_RETRY_MS 500
/* A connection that lived this long resets the reconnect delay. */
#define DL_STABLE_MS 2000
/* Largest PDU accepted from an agency: it only sends keep-alives and
 * responses, so anything larger is garbage. */
#define DL_MAX_INBOUND_PDU 65536
/* Raw bytes read from a socket at a time. */
#define DL_RECV_BYTES 16384
/* LIID in the PSHeader of keep-alives, which belong to no intercept. */
#define DL_KEEPALIVE_LIID "lime"
/* Addresses tried per connection attempt. */
#define DL_MAX_ADDRS 8
/* Time a planned close waits for the agency to close after lime's FIN. */
#define DL_FINISH_MS 1000

struct delivery;
struct dl_channel;

/* Transport settings of an agency; a change reconnects its channels. */
struct dl_agency_conf {
	char *name;
	char *addr[2];               /* "host:port" of HI2 and HI3 */
	bool tls;
	char *ca_file, *cert_file, *key_file;
	/* Identity of the TLS files, so that a reload notices a replaced
	 * certificate under the same name. */
	uint64_t file_stamp[3];
	uint32_t keepalive_s;
	struct etsi_agency etsi;
	SSL_CTX *tls_ctx;            /* NULL without TLS */
};

enum dl_conn_state {
	DL_CONN_IDLE,                /* waiting for the next attempt */
	DL_CONN_RESOLVING,
	DL_CONN_CONNECTING,
	DL_CONN_HANDSHAKE,           /* TLS */
	DL_CONN_UP,
	DL_CONN_FINISHING,           /* FIN sent; waiting for the agency's */
	DL_CONN_CLOSING,             /* operations still in flight */
};

/* A record on a connection and the wire offset where its bytes end. */
struct dl_wire_entry {
	struct dl_record *rec;
	uint64_t end;
};

/* io_uring operation tag; user_data points to it. */
struct dl_io_op {
	struct dl_conn *conn;
	uint8_t kind;
};

struct dl_conn {
	struct dl_channel *ch;
	enum dl_conn_state state;
	int fd;
	uint32_t epoch;              /* one more per connection attempt */
	bool was_up;
	char peer[64];               /* address text of the current attempt */

	struct sockaddr_storage addrs[DL_MAX_ADDRS];
	socklen_t addr_lens[DL_MAX_ADDRS];
	int n_addrs, addr_index;
	bool try_next_addr;          /* the closing attempt moves to the next address */
	bool reconnect_now;          /* new settings: skip the backoff once */
	bool restart;                /* new settings: close cleanly, then reconnect */
	bool planned_close;          /* closed on purpose: logged as a notice */
	bool confirmed_close;        /* the agency closed after lime's FIN */
	uint64_t finish_by_ms;       /* a planned close gives up waiting for writes */

	uint64_t next_attempt_ms;
	uint64_t deadline_ms;        /* connect and handshake */
	uint64_t up_since_ms;
	uint64_t last_write_ms;      /* last bytes written, for keep-alives */
	uint64_t last_progress_ms;   /* last write completion or queueing */
	uint32_t backoff_ms;
	uint32_t failures;           /* consecutive failed attempts */

	/* Ring of records: [head, acked) were acknowledged by the peer's TCP
	 * and stay for the resend window, [acked, written) are fully written
	 * and await that acknowledgement, [written, tail) are not fully
	 * written. */
	struct dl_wire_entry *ring;
	uint32_t head, acked, written, tail;
	/* Entries before spool_scan are spooled or keep-alives, so that an
	 * append need not walk them again. */
	uint32_t spool_scan;
	uint64_t wire_queued, wire_sent, wire_acked;
	uint64_t ack_poll_ms;
	uint32_t ack_poll_interval_ms;

	/* TLS ciphertext: tx[0..tx_len) are the wire bytes from tx_base on.
	 * A buffer replaced while a send reads it waits in tx_retired until
	 * that send completes. */
	uint8_t *tx;
	size_t tx_len, tx_cap;
	uint64_t tx_base;
	uint8_t *tx_inflight;
	uint8_t *tx_retired;

	struct iovec iov[DL_BATCH_IOV];
	struct msghdr msg;
	bool write_inflight;

	uint8_t rbuf[DL_RECV_BYTES];
	bool read_inflight;
	uint8_t *rx;                 /* plaintext from the agency */
	size_t rx_len, rx_cap;

	SSL *ssl;
	BIO *rbio, *wbio;

	uint32_t ka_next_seq;
	bool ka_outstanding;
	uint32_t ka_seq;
	uint64_t ka_deadline_ms;

	/* Backends. */
	struct dl_io_op op_connect, op_write, op_read;
	unsigned ops_inflight;
	uint32_t epoll_events;
	bool epoll_added;
	bool want_connect, want_write, want_read;
};

struct dl_channel {
	struct delivery *d;
	struct dl_agency *agency;
	enum delivery_channel kind;
	char label[96];              /* "agency NAME HI2" */

	/* Spool side: after opening, only the spool worker touches these. */
	struct spool_stream stream;
	bool spool_rejecting;
	uint32_t spool_reject_gen;

	/* I/O thread. */
	bool spool_ready;
	struct dl_queue mem;         /* records only in memory, oldest first */
	uint64_t next_id;
	/* Every id up to acked_id is confirmed: it left the resend window,
	 * or the agency closed after reading lime's FIN. The spool deletes
	 * confirmed records, and the engine does not send them again. */
	uint64_t acked_id;
	uint64_t tcp_acked_id;       /* highest id the peer's TCP acknowledged */
	uint64_t queued_id;          /* highest id put on the connection */
	uint64_t delivered_id;       /* highest id counted as delivered */
	uint64_t spool_end_id;       /* highest id appended or being appended */
	uint64_t spool_durable_id;   /* highest id the spool confirmed */
	uint32_t append_gen;
	unsigned appends_inflight;
	size_t append_bytes;         /* PDU bytes in those appends */
	bool read_inflight;
	bool ack_inflight;
	uint64_t ack_sent_id;
	bool spool_full;
	uint64_t spool_retry_ms;
	bool resolve_inflight;
	bool open_inflight;
	uint64_t read_retry_ms;      /* after a spool read error */
	uint64_t open_retry_ms;      /* after a failed spool open */
	bool stop_retried;           /* the spool got its last try at stop */
	atomic_bool spool_full_shared;   /* read by submitters */
	struct dl_conn conn;
};

struct dl_agency {
	struct dl_agency *next;
	struct delivery *d;
	/* Submit side, under submit_lock. */
	char *name;
	struct etsi_agency etsi;
	bool active;                 /* in the current configuration */
	/* I/O thread. */
	struct dl_agency_conf *conf;
	bool retired;
	struct dl_channel ch[2];
};

/* A reload's change to an existing agency. New agencies need none: they
 * are linked into the list fully built. */
enum dl_cmd_kind { DL_CMD_RECONFIGURE, DL_CMD_RETIRE };

struct dl_cmd {
	struct dl_cmd *next;
	enum dl_cmd_kind kind;
	struct dl_agency *agency;
	struct dl_agency_conf *conf; /* RECONFIGURE; owned by the command */
};

struct dl_io_backend;

struct delivery {
	struct delivery_options opts;
	char *spool_dir;
	const struct dl_io_backend *io;
	void *io_state;

	pthread_t thread;
	bool thread_started;
	int wake_fd;                 /* eventfd: submits, commands, worker results */
	uint64_t wake_buf;           /* io_uring reads the eventfd into it */
	bool wake_armed;

	/* Submit side. */
	pthread_mutex_t submit_lock;
	struct dl_queue submitted;   /* rec->dest is the channel */
	/* PDU bytes of records that wait in channel memory or in a spool
	 * append, published by the I/O thread for the memory limit. Records
	 * on a connection are not counted: the connection bounds them. */
	_Atomic uint64_t waiting_bytes;
	struct dl_cmd *cmds, *cmds_tail;
	/* New agencies are pushed at the head and none is removed before
	 * delivery_stop(), so the I/O thread walks the list from a head it
	 * read under the lock. */
	struct dl_agency *agencies;
	struct dl_seq_table seqs;
	bool stopping;               /* under submit_lock; read by the loop */
	uint64_t lost_logged;

	struct dl_cin_table cins;
	struct dl_counts counts;
	struct dl_worker spool_worker;
	struct dl_worker resolver;
	struct spool_quota quota;
	/* Open spool streams; after start only the spool worker uses it. */
	struct spool_stream **streams;
	size_t n_streams, cap_streams;

	/* Drain: the loop publishes whether everything reached a socket or
	 * the spool (quiet) and, for offline mode, whether connected agencies
	 * also have their spools replayed (settled). */
	pthread_mutex_t drain_lock;
	pthread_cond_t drain_cond;
	bool quiet, settled;
	uint64_t drain_seq_req;      /* one more per delivery_drain() call */
	uint64_t drain_seq_seen;     /* the request the published state covers */

	/* I/O thread. */
	bool stop_seen;
	bool stop_done;
	uint64_t now_ms;
	unsigned jobs_inflight;      /* spool jobs */
	unsigned resolves_inflight;

	struct {
		_Atomic uint64_t connects, connect_failures, disconnects;
		_Atomic uint64_t keepalives_sent, keepalive_timeouts;
		_Atomic uint64_t records_delivered, records_spooled;
		_Atomic uint64_t records_replayed, records_resent;
		_Atomic uint64_t spool_full_events, bad_responses;
		_Atomic uint64_t records_lost;
		_Atomic uint64_t records_pending;
	} stats;
};

static inline void dl_stat_add(_Atomic uint64_t *counter, uint64_t n)
{
	atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

/* dl_loop.c */
uint64_t dl_now_ms(void);
void *dl_io_thread(void *arg);
void dl_wake(struct delivery *d);

/* dl_channel.c: routing of records between memory, spool and connection. */
void dl_channel_init(struct dl_channel *ch, struct delivery *d,
		     struct dl_agency *agency, enum delivery_channel kind);
void dl_channel_accept(struct dl_channel *ch, struct dl_record *rec);
void dl_channel_take_back(struct dl_channel *ch, struct dl_queue *sorted);
void dl_channel_service(struct dl_channel *ch);
void dl_channel_fill(struct dl_channel *ch);
void dl_channel_conn_closed(struct dl_channel *ch);
void dl_channel_spool_opened(struct dl_channel *ch, uint64_t last_id,
			     uint64_t acked_id);
bool dl_channel_quiet(const struct dl_channel *ch);
bool dl_channel_settled(const struct dl_channel *ch);
bool dl_channel_idle(const struct dl_channel *ch);
uint64_t dl_channel_deadline(const struct dl_channel *ch);
void dl_channel_drop_memory(struct dl_channel *ch, const char *reason);

/* dl_conn.c: one TCP or TLS connection. */
void dl_conn_init(struct dl_conn *c, struct dl_channel *ch);
void dl_conn_free(struct dl_conn *c);
void dl_conn_service(struct dl_conn *c);
void dl_conn_close(struct dl_conn *c, const char *reason);
bool dl_conn_can_queue(const struct dl_conn *c);
void dl_conn_queue(struct dl_conn *c, struct dl_record *rec);
void dl_conn_flush(struct dl_conn *c);
void dl_conn_check_acked(struct dl_conn *c);
uint64_t dl_conn_deadline(const struct dl_conn *c);
void dl_conn_resolved(struct dl_conn *c, int err,
		      const struct sockaddr_storage *addrs,
		      const socklen_t *lens, int n);
/* Backend completions. */
void dl_conn_connected(struct dl_conn *c, int err);
void dl_conn_written(struct dl_conn *c, long n);
void dl_conn_received(struct dl_conn *c, long n);
void dl_conn_closed(struct dl_conn *c);

/* dl_conn_inbound.c */
int dl_conn_handle_input(struct dl_conn *c, const uint8_t *data, size_t len);

/* dl_spool_jobs.c: jobs for the spool worker. */
int dl_spool_open_now(struct dl_channel *ch, char *err, size_t err_len);
void dl_spool_post_open(struct dl_channel *ch);
int dl_spool_post_append(struct dl_channel *ch, struct dl_record **recs,
			 size_t n);
void dl_spool_post_read(struct dl_channel *ch);
void dl_spool_post_ack(struct dl_channel *ch);
void dl_spool_sync_all(void *arg);

/* dl_agency.c */
struct dl_agency_conf *dl_agency_conf_new(const struct lime_agency *a,
					  char *err, size_t err_len);
void dl_agency_conf_free(struct dl_agency_conf *conf);
bool dl_agency_conf_same_transport(const struct dl_agency_conf *a,
				   const struct dl_agency_conf *b);
struct dl_agency *dl_agency_new(struct delivery *d,
				struct dl_agency_conf *conf);
void dl_agency_free(struct dl_agency *ag);
struct dl_agency *dl_agency_find(struct delivery *d, const char *name);
void dl_agency_apply(struct dl_agency *ag, struct dl_cmd *cmd);

/* dl_resolve.c */
void dl_resolve_post(struct dl_conn *c);

/* dl_tls.c */
SSL_CTX *dl_tls_context(const struct dl_agency_conf *conf, char *err,
			size_t err_len);
int dl_tls_start(struct dl_conn *c);
void dl_tls_free(struct dl_conn *c);
/* Moves ciphertext from the write BIO to the connection's tx buffer and
 * counts it in wire_queued. */
int dl_tls_collect(struct dl_conn *c);
/* Text of the last TLS failure of c, for a log line. */
void dl_tls_error_text(struct dl_conn *c, char *out, size_t cap);

/* dl_keepalive.c */
void dl_keepalive_service(struct dl_conn *c);
int dl_keepalive_answer(struct dl_conn *c, uint32_t seq);
/* Clears the outstanding keep-alive when seq echoes its number. */
void dl_keepalive_response(struct dl_conn *c, uint32_t seq);
uint64_t dl_keepalive_deadline(const struct dl_conn *c);

/* dl_addr.c */
/* Splits "host:port" or "[v6]:port". Returns 0 or -1. */
int dl_addr_split(const char *text, char *host, size_t host_cap,
		  char *port, size_t port_cap);

#endif
