/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_DATAPLANE_PORT_H
#define LIME_DATAPLANE_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

/*
 * Configure and start one ethdev port for receiving only: n_rxq queues of
 * nb_rxd descriptors each, promiscuous (a tap receives traffic for any MAC
 * address). One TX queue is set up because some PMDs refuse zero.
 */
int port_start(uint16_t port_id, uint16_t n_rxq, uint16_t nb_rxd,
	       struct rte_mempool *pool);

void port_stop(uint16_t port_id);

/*
 * Turn a device string into EAL arguments: a PCI address becomes "-a ADDR",
 * anything else "--vdev STRING". Returns the number of arguments written
 * (2), or -1 when the string is empty.
 */
int port_eal_args(const char *device, char **argv_out);

/* True when device names a PCI function ("0000:01:00.0" or "01:00.0"). */
bool port_is_pci(const char *device);

/* Port id of a probed device string (its name is the part before ','). */
int port_find(const char *device, uint16_t *port_id);

#endif
