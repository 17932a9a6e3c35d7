/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the zone's primary holds now (asked directly, no recursion). ldns through dns/query.h. */
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
