/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The candidate list handed to callers, with the per-suffix diagnostics. Internal. */
#pragma once

#include <stddef.h>

#include "resolver-plugin/cand.h"

typedef struct {
	char name[KMSL_NAME_MAX];
	kmsl_reason_t reason;
} kmsl_suffix_t;

struct kmsl_list {
	kmsl_cand_t *cands;
	size_t n, cap;
	kmsl_suffix_t *suffixes;
	size_t nsuffixes, capsuffixes;
};

kmsl_list_t *kmsl_list_new(void);
/* Append a copy of c unless the same target and port is already listed. 0, or -1 on ENOMEM or
 * when the list is full (KMSL_MAX_CANDS). */
int kmsl_list_add(kmsl_list_t *list, const kmsl_cand_t *c);
int kmsl_list_add_suffix(kmsl_list_t *list, const char *name, kmsl_reason_t reason);
