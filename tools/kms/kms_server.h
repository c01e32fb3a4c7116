/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_KMS_KMS_SERVER_H
#define LIME_TOOLS_KMS_KMS_SERVER_H

/*
 * The HTTPS server of lime-kms: one thread, one epoll set with the
 * listener and every connection, all non-blocking. Each connection gets a
 * TLS handshake, then its bytes go through a struct kms_session.
 */

#include <signal.h>

#include <openssl/ssl.h>

#include "tools/kms/kms.h"

struct kms_server;

/* Binds and listens on cfg->listen. Returns NULL after logging why. */
struct kms_server *kms_server_open(struct kms *kms, SSL_CTX *ctx);

/* Serves until *stop is set by a signal handler. Returns 0, or -1 when
 * the event loop itself failed. */
int kms_server_run(struct kms_server *srv, volatile sig_atomic_t *stop);

/* Closes every connection and the listener, and logs the totals. */
void kms_server_close(struct kms_server *srv);

#endif
