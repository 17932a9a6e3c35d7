/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DNS queries on ldns: explicit servers (address@port each, tried in turn) or resolv.conf,
 * a timeout, TCP only or UDP with TCP fallback when truncated. libknot-free. */
#pragma once

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdint.h>

#include "dns/addr.h"
#include "dns/error.h"

typedef struct {
	const kd_addr_t *servers; /* tried in order; count 0 = resolv.conf nameservers
	                           * (127.0.0.1@53 when it names none) */
	size_t count;
	uint64_t timeout_ms; /* per server and attempt; 0 = 3000 */
	bool tcp;            /* TCP only; else UDP, retried over TCP when truncated */
	bool recurse;        /* set RD (true for stub lookups, false for asking a primary) */
} kd_query_opts_t;

/* Ask name/type/IN (name absolute or not; it is always sent absolute, with EDNS 1232).
 * On success returns KD_OK and sets *answer (caller frees with ldns_pkt_free)
 * and, if from != NULL, the server that answered. Any rcode is a success here: callers read
 * ldns_pkt_get_rcode(). The answer's id and question are checked against the query: over UDP
 * a non-matching datagram is ignored (KD_EMISMATCH if nothing else came before the timeout),
 * over TCP it is KD_EMISMATCH at once. A closed port is KD_ENET (UDP sockets are connected).
 * On failure returns KD_EINVAL (bad name) or KD_ETIMEOUT / KD_ENET / KD_EMISMATCH /
 * KD_EMALFORMED for the last server tried; outputs untouched. */
kd_err_t kd_query(const kd_query_opts_t *opts, const char *name, ldns_rr_type type,
                  ldns_pkt **answer, kd_addr_t *from);

/* Find the zone that holds name by SOA queries walking up from name (the SOA owner in the
 * answer or authority section). Sets *zone_out (heap, lower-case, absolute) and, if mname_out
 * != NULL, the SOA MNAME (heap, lower-case, absolute). KD_ERCODE if a server answers with an
 * rcode other than NOERROR/NXDOMAIN, KD_ENOENT if no SOA is found up to the root. */
kd_err_t kd_find_zone(const kd_query_opts_t *opts, const char *name, char **zone_out,
                      char **mname_out);

/* The zone and MNAME from one answer to an SOA query for qname (the pure part of
 * kd_find_zone): the owner of an SOA in the answer section, or in the authority section of an
 * NXDOMAIN/NODATA answer, if that owner is qname or one of its ancestors. Returns KD_OK,
 * KD_ENOENT when the answer names no such SOA (ask the parent), KD_ERCODE for an rcode other
 * than NOERROR/NXDOMAIN. Outputs as for kd_find_zone, untouched on failure. */
kd_err_t kd_soa_zone(const ldns_pkt *answer, const char *qname, char **zone_out, char **mname_out);

/* Resolve a host name's A and AAAA records with direct queries (never getaddrinfo); an IP
 * literal is returned as is. Appends up to max addresses with the given port to out, A records
 * first, following CNAMEs inside the answer; returns the count in *n_out. KD_ENOENT when the
 * name has no address, else the error of the failed queries. */
kd_err_t kd_resolve_addrs(const kd_query_opts_t *opts, const char *host, uint16_t port,
                          kd_addr_t *out, size_t max, size_t *n_out);
