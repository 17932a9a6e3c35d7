/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Candidate ordering (RFC 2782 without its bias) and the "." rule. Pure functions over arrays
 * and a random source, so tests call them directly. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolver-plugin/cand.h"
#include "resolver-plugin/rng.h"

typedef struct {
	uint16_t priority;
	uint16_t weight;
} kmsl_order_key_t;

/* Write a permutation of 0..n-1 into perm: priority ascending; inside a group records with
 * weight > 0 drawn one at a time with probability weight / remaining sum (r uniform in
 * [0, sum), first record whose running sum exceeds r), then weight-0 records in uniformly
 * random order. Returns 0, or -1 on ENOMEM (perm untouched). */
int kmsl_order(const kmsl_order_key_t *keys, size_t n, kmsl_rng_t *rng, size_t *perm);

/* Reorder cands in place with kmsl_order. Returns 0 or -1 on ENOMEM. */
int kmsl_cand_order(kmsl_cand_t *cands, size_t n, kmsl_rng_t *rng);

/* Apply the "." rule to one suffix's records: a lone "." target (or only "." targets) means
 * "decidedly not available" (returns true, *n = 0); otherwise "." records are dropped in place
 * (they are meaningless beside real targets). */
bool kmsl_cand_drop_dot(kmsl_cand_t *cands, size_t *n);
