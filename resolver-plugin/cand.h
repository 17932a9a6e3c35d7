/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One candidate KMS host (an SRV record with its addresses) inside libkmslocate. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/addr.h"
#include "dns/dname.h"
#include "dns/probe.h"
#include "resolver-plugin/kmslocate.h"

#define KMSL_MAX_ADDRS   8   /* per candidate, both families kept (kmsl_cand_add_addrs) */
#define KMSL_MAX_CANDS   64  /* per list, cut after ordering: more is a misconfiguration */
#define KMSL_MAX_RECORDS 512 /* SRV records read from one answer (before the cut) */
#define KMSL_DETAIL_MAX  64

typedef struct {
	char target[KMSL_NAME_MAX]; /* kd_dname_text form; "." for the root */
	char suffix[KMSL_NAME_MAX]; /* kd_dname_text form; "" for a static host */
	uint16_t priority;
	uint16_t weight;
	uint16_t port;
	uint32_t ttl; /* seconds, of the SRV record */
	kd_addr_t addrs[KMSL_MAX_ADDRS];
	size_t naddrs;
	uint32_t addr_ttl; /* seconds, the shortest TTL of the address records used */
	unsigned families; /* address families answered: KMSL_FAM_V4 | KMSL_FAM_V6 */
	kmsl_state_t state;
	bool fresh;  /* from a query now, not from the state file's cache */
	bool cached; /* from the state file's cache */
	kd_probe_result_t results[KMSL_MAX_ADDRS]; /* per address, this call's probe */
	char detail[KMSL_DETAIL_MAX]; /* what a non-KMS peer said, or why there is no address */
	uint32_t srtt_us; /* smoothed connect RTT of earlier calls (state file), 0 = none */
	uint64_t rtt_us;  /* this call's connect RTT when it answered, 0 = none */
} kmsl_cand_t;

#define KMSL_FAM_V4 1u
#define KMSL_FAM_V6 2u

/* Add addresses to c: duplicates dropped, then the families interleaved (IPv6 first, RFC 8305)
 * and cut to KMSL_MAX_ADDRS, so the cut never drops a whole family. ttl lowers c->addr_ttl. */
void kmsl_cand_add_addrs(kmsl_cand_t *c, const kd_addr_t *add, size_t n, uint32_t ttl);

/* The same target and port listed more than once: keep the most preferred record (lowest
 * priority, then highest weight), whatever the order of the answer. Compacts in place. */
void kmsl_cand_dedupe(kmsl_cand_t *cands, size_t *n);
