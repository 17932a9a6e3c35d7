/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the zone's primary holds now (asked directly, no recursion), and where a zone and its
 * primary are when the configuration does not say. ldns through dns/query.h. */
#pragma once

#include <stddef.h>

#include "dns/addr.h"
#include "dns/lookup.h"
#include "dns/query.h"
#include "publisher/rr.h"

/* For every distinct (owner, type) among wanted, ask the servers in opts and append the
 * records found to out (new records, owned by out). An answer that is neither NOERROR nor NXDOMAIN,
 * or that is not authoritative, is an error. *from gets the server that answered last. Returns 0,
 * or -1 with a reason in err. */
int pub_actual_read(const kd_query_opts_t *opts, const char *zone, const pub_rrlist_t *wanted,
                    pub_rrlist_t *out, kd_addr_t *from, kd_error_t *err);

/* Find the zone holding owner by SOA queries through resolver opts, then its MNAME's
 * addresses (with port: primary-port). Sets zone_out (canonical), fills servers (up to max) and
 * *n_out. Returns 0 or -1 with a reason in err. */
int pub_zone_discover(const kd_query_opts_t *opts, const char *owner, uint16_t port,
                      char zone_out[PUB_NAME_MAX], kd_addr_t *servers, size_t max, size_t *n_out,
                      kd_error_t *err);
