/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LD_PRELOAD shim that makes io_uring_queue_init() fail with EPERM, as on
 * a kernel with kernel.io_uring_disabled set, so that the integration test
 * sees the KMS client fall back to epoll.
 */
#include <errno.h>

struct io_uring;

int io_uring_queue_init(unsigned entries, struct io_uring *ring, unsigned flags);

int io_uring_queue_init(unsigned entries, struct io_uring *ring, unsigned flags)
{
	return -EPERM;
}
