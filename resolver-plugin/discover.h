/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SRV discovery: where to look (static host, lookup domain, configured domains, the system's
 * suffixes) and what each suffix answers. Every suffix is asked at once through dns/qengine;
 * the first suffix in order with records wins, a later one only once every earlier one has
 * answered without records or failed. Internal. */
#pragma once

#include <ldns/ldns.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/lookup.h"
#include "dns/query.h"
#include "dns/resolvconf.h"
#include "resolver-plugin/ctx.h"
#include "resolver-plugin/list.h"
#include "resolver-plugin/rng.h"
#include "resolver-plugin/state.h"

#define KMSL_MAX_SUFFIXES 16
#define KMSL_SRV_NAME_MAX (KMSL_NAME_MAX + 16)

/* Suffixes of the system, lower-case, no trailing dot, duplicates removed, at most max:
 * - resolv.conf has a "search" line (the last of domain/search): that list alone; glibc does
 *   not add the host's own domain then;
 * - otherwise, as Windows orders them: the host's own domain (the primary DNS suffix: the part
 *   of hostname after its first dot) first, then the "domain" line's name if there is one.
 * Returns the count. */
size_t kmsl_system_suffixes(const kd_resolvconf_t *rc, const char *hostname,
                            char (*out)[KMSL_NAME_MAX], size_t max);

/* Read an answer to the SRV query for qname (absolute; _vlmcs._tcp.<suffix>. or the name a CNAME
 * led to): the SRV records that answer qname (owned by it or by its CNAME chain in the answer;
 * others are ignored) into out (up to max, *n_out), same target and port kept once (the most
 * preferred), addresses from the additional section only for targets inside the zone of the
 * answer (the SOA/NS owner of the authority section, else the domain below _vlmcs._tcp),
 * merged and interleaved; c->families says which families the glue answered. Returns the
 * suffix's reason: RECORDS, NXDOMAIN, NODATA, DOT, SERVFAIL or REFUSED (other rcodes). When
 * the answer is only a CNAME chain leading elsewhere (into another zone), the reason is NODATA
 * and follow (KMSL_SRV_NAME_MAX bytes) gets the chain's last name, to be asked next; else
 * follow is "". */
kmsl_reason_t kmsl_srv_answer(const ldns_pkt *pkt, const char *qname, const char *suffix,
                              kmsl_cand_t *out, size_t max, size_t *n_out, char *follow);

/* Discover the candidates into list (with per-suffix reasons): each suffix from the state's
 * cache where it has not expired (use_cache), else by query; addresses missing from the
 * answer (a whole family, or addresses past their TTL) asked with A/AAAA queries, each with its
 * own budget. More than KMSL_MAX_CANDS records of one suffix are ordered with rng and cut.
 * Fresh records are flagged for caching. end_ms is the monotonic deadline. */
kmsl_err_t kmsl_discover(kmsl_ctx_t *ctx, const kmsl_statefile_t *st, int64_t now, uint64_t end_ms,
                         bool use_cache, kmsl_list_t *list);
