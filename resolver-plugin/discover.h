/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SRV discovery: where to look (static host, lookup domain, configured domains, the system's
 * suffixes) and what each suffix answers. Internal. */
#pragma once

#include <ldns/ldns.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/lookup.h"
#include "dns/query.h"
#include "dns/resolvconf.h"
#include "resolver-plugin/ctx.h"
#include "resolver-plugin/list.h"
#include "resolver-plugin/state.h"

#define KMSL_MAX_SUFFIXES 16

/* Suffixes of the system: the search list of resolv.conf (from its last "domain" or "search"
 * line, as glibc reads it), then the domain of hostname if it has a dot. Lower-case, no
 * trailing dot, duplicates removed. Returns the count (at most max). */
size_t kmsl_system_suffixes(const kd_resolvconf_t *rc, const char *hostname,
                            char (*out)[KMSL_NAME_MAX], size_t max);

/* Read an SRV answer to _vlmcs._tcp.<suffix>.: its records into out (up to max, *n_out), with
 * addresses from the additional section when present. Returns the suffix's reason:
 * RECORDS, NXDOMAIN, NODATA, DOT, SERVFAIL or REFUSED (other rcodes). */
kmsl_reason_t kmsl_srv_answer(const ldns_pkt *pkt, const char *suffix, kmsl_cand_t *out, size_t max,
                              size_t *n_out);

/* Discover the candidates into list (unordered, with per-suffix reasons): from the state's
 * cache where it has not expired, else by query. Fresh records are flagged for caching.
 * end_ms is the monotonic deadline. */
kmsl_err_t kmsl_discover(kmsl_ctx_t *ctx, const kmsl_statefile_t *st, int64_t now, uint64_t end_ms,
                         kmsl_list_t *list);
