/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/port.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "lib/util/log.h"

int port_start(uint16_t port_id, uint16_t n_rxq, uint16_t nb_rxd,
	       struct rte_mempool *pool)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret != 0) {
		LOG_ERR("port %u: reading device info failed: %s", port_id, strerror(-ret));
		return ret;
	}

	/* Spread flows over queues by IP addresses only, so that every
	 * fragment of a datagram reaches the same queue and reassembly table. */
	if (n_rxq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
	}
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;

	ret = rte_eth_dev_configure(port_id, n_rxq, 1, &conf);
	if (ret != 0) {
		LOG_ERR("port %u (%s): configure with %u RX queues failed: %s",
			port_id, info.driver_name, n_rxq, strerror(-ret));
		return ret;
	}

	uint16_t nb_txd = 64;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (ret != 0)
		return ret;

	int socket = rte_eth_dev_socket_id(port_id);
	for (uint16_t q = 0; q < n_rxq; q++) {
		ret = rte_eth_rx_queue_setup(port_id, q, nb_rxd, socket, NULL, pool);
		if (ret != 0) {
			LOG_ERR("port %u: RX queue %u setup failed: %s",
				port_id, q, strerror(-ret));
			return ret;
		}
	}
	ret = rte_eth_tx_queue_setup(port_id, 0, nb_txd, socket, NULL);
	if (ret != 0) {
		LOG_ERR("port %u: TX queue setup failed: %s", port_id, strerror(-ret));
		return ret;
	}

	ret = rte_eth_dev_start(port_id);
	if (ret != 0) {
		LOG_ERR("port %u: start failed: %s", port_id, strerror(-ret));
		return ret;
	}
	/* Not every PMD has a promiscuous mode (net_pcap files do not need it). */
	rte_eth_promiscuous_enable(port_id);
	LOG_INFO("port %u (%s): started with %u RX queues of %u descriptors",
		 port_id, info.driver_name, n_rxq, nb_rxd);
	return 0;
}

void port_stop(uint16_t port_id)
{
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
}

bool port_is_pci(const char *device)
{
	/* [domain:]bus:device.function, all hexadecimal. */
	size_t n = strcspn(device, ",");
	int colons = 0, dots = 0;

	for (size_t i = 0; i < n; i++) {
		if (device[i] == ':')
			colons++;
		else if (device[i] == '.')
			dots++;
		else if (!isxdigit((unsigned char)device[i]))
			return false;
	}
	return (colons == 1 || colons == 2) && dots == 1;
}

int port_eal_args(const char *device, char **argv_out)
{
	if (device == NULL || device[0] == '\0')
		return -1;
	argv_out[0] = strdup(port_is_pci(device) ? "-a" : "--vdev");
	argv_out[1] = strdup(device);
	return 2;
}

int port_find(const char *device, uint16_t *port_id)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t n = strcspn(device, ",");

	if (n >= sizeof(name))
		return -ENAMETOOLONG;
	memcpy(name, device, n);
	name[n] = '\0';
	return rte_eth_dev_get_port_by_name(name, port_id);
}
