/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The candidate list handed to callers, with the per-suffix diagnostics. Internal. */
#pragma once

#include <stddef.h>

#include "resolver-plugin/cand.h"

typedef struct {
	char name[KMSL_NAME_MAX];
	kmsl_reason_t reason;
} kmsl_suffix_t;

#define KMSL_LIST_MAX 1024 /* candidates before the cut to KMSL_MAX_CANDS */

struct kmsl_list {
	uint64_t end_ms;     /* the monotonic deadline kmsl_candidates() started */
	uint64_t dns_rtt_us; /* this call's first SRV answer: microseconds from the start of the
	                      * discovery; 0 = none asked (cached or static) */
	kmsl_cand_t *cands;
	size_t n, cap;
	kmsl_suffix_t *suffixes;
	size_t nsuffixes, capsuffixes;
};

kmsl_list_t *kmsl_list_new(void);
/* Append a copy of c unless the same target and port is already listed. 0, or -1 on ENOMEM or
 * when the list is full (KMSL_LIST_MAX; kmsl_candidates cuts to KMSL_MAX_CANDS after ordering). */
int kmsl_list_add(kmsl_list_t *list, const kmsl_cand_t *c);
int kmsl_list_add_suffix(kmsl_list_t *list, const char *name, kmsl_reason_t reason);
