/* DNS queries on ldns: explicit servers (address@port each, tried in turn) or resolv.conf,
 * a timeout, TCP only or UDP with TCP fallback when truncated. libknot-free. */
#pragma once

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdint.h>

#include "dns/addr.h"
#include "dns/error.h"

typedef struct {
	const kd_addr_t *servers; /* tried in order; count 0 = resolv.conf nameservers */
	size_t count;
	uint64_t timeout_ms;      /* per server and attempt; 0 = 3000 */
	bool tcp;                 /* TCP only; else UDP, retried over TCP when truncated */
	bool recurse;             /* set RD (true for stub lookups, false for asking a primary) */
} kd_query_opts_t;

/* Ask name/type/IN. On success returns KD_OK and sets *answer (caller frees with ldns_pkt_free)
 * and, if from != NULL, the server that answered. Any rcode is a success here: callers read
 * ldns_pkt_get_rcode(). The answer's id and question are checked against the query.
 * On failure returns KD_ETIMEOUT / KD_ENET / KD_EMISMATCH ... for the last server tried;
 * outputs untouched. */
kd_err_t kd_query(const kd_query_opts_t *opts, const char *name, ldns_rr_type type,
		  ldns_pkt **answer, kd_addr_t *from);

/* Find the zone that holds name by SOA queries walking up from name (the SOA owner in the
 * answer or authority section). Sets *zone_out (heap, lower-case, absolute) and, if mname_out
 * != NULL, the SOA MNAME (heap). */
kd_err_t kd_find_zone(const kd_query_opts_t *opts, const char *name, char **zone_out,
		      char **mname_out);

/* Resolve a host name's A and AAAA records with direct queries (never getaddrinfo).
 * Appends up to max addresses with the given port to out; returns the count in *n_out. */
kd_err_t kd_resolve_addrs(const kd_query_opts_t *opts, const char *host, uint16_t port,
			  kd_addr_t *out, size_t max, size_t *n_out);
