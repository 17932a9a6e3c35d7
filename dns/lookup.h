/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Lookups built on dns/query: the zone that holds a name (SOA walk), the addresses of a host
 * (A and AAAA, CNAMEs inside the answer followed) and address records as socket addresses.
 * libknot-free. */
#pragma once

#include <ldns/ldns.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/addr.h"
#include "dns/error.h"
#include "dns/query.h"

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

/* The records of type in the answer section of pkt that answer qname: owned by qname or by a name
 * that qname's CNAME chain in the answer leads to (listed in any order, at most 8 hops, loops
 * cut); records owned by any other name are not part of the answer. Up to max of them into out
 * (pointers into pkt); returns how many. *end (optional) gets the last name of the chain
 * (qname itself without CNAMEs; a name inside pkt). */
size_t kd_answer_chain(const ldns_pkt *pkt, const ldns_rdf *qname, ldns_rr_type type,
                       const ldns_rr **out, size_t max, const ldns_rdf **end);

/* The address of an A or AAAA rdf with port into out. Returns 0, or -1 when rdf is neither (out
 * untouched). */
int kd_addr_from_rdf(const ldns_rdf *rdf, uint16_t port, kd_addr_t *out);
