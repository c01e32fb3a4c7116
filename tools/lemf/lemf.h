/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIME_TOOLS_LEMF_H
#define LIME_TOOLS_LEMF_H

/*
 * lime-lemf: a reference law-enforcement monitoring facility. It accepts
 * ETSI TS 102 232 handover connections on an HI2 and an HI3 address, decodes
 * every PS-PDU, replies to keep-alives and writes what it received under an
 * output folder.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define LEMF_DEFAULT_MAX_PDU (1024u * 1024u)

/* Handover interface of a listener and of the connections it accepts. */
enum lemf_interface {
	LEMF_HI2 = 0,
	LEMF_HI3 = 1,
};

struct lemf_options {
	struct sockaddr_storage hi2_addr;
	socklen_t hi2_addr_len;
	const char *hi2_text;
	struct sockaddr_storage hi3_addr;
	socklen_t hi3_addr_len;
	const char *hi3_text;
	const char *out_dir;
	size_t max_pdu;            /* bytes; a longer declared PDU closes the connection */
};

/* Process-wide counters written to summary.json. */
struct lemf_counters {
	uint64_t connections[2];        /* accepted, by interface */
	uint64_t connections_closed_by_peer;
	uint64_t connections_closed_on_error;
	uint64_t connections_open_at_exit;
	uint64_t pdus_iri;
	uint64_t pdus_cc;
	uint64_t pdus_keepalive;
	uint64_t pdus_keepalive_response;
	uint64_t pdus_other;            /* TRI and HI1 PDUs with no output */
	uint64_t keepalives_answered;
	uint64_t decode_errors;
	uint64_t oversized_pdus;
	uint64_t truncated_at_close;    /* connections that ended inside a PDU */
	uint64_t wrong_interface;       /* IRI on HI3 or CC on HI2 */
	uint64_t output_errors;         /* failed writes to the output folder */
};

extern struct lemf_counters lemf_counters;

/* Returns the interface name used in logs and in summary.json. */
const char *lemf_interface_name(enum lemf_interface iface);

#endif
