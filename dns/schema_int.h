/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal to the schema loader: scalar conversion, releasing values. */
#pragma once

#include <stddef.h>

#include "dns/schema.h"

/* Convert text for a UINT, BOOL, DURATION or ENUM row into *field. Returns 0, or -1 with a short
 * reason in why (e.g. "70000 is out of range 1..65535"). */
int kd_scalar_parse(const kd_schema_t *row, const char *text, void *field, char *why,
                    size_t whylen);

/* Release a string of row (wiped first when the row is KD_F_SECRET); NULL is fine. */
void kd_schema_drop_str(const kd_schema_t *row, char *s, void (*release)(void *));

/* The same for every item of a string list, then the list; *list and *count become empty. */
void kd_schema_drop_strlist(const kd_schema_t *row, char ***list, size_t *count,
                            void (*release)(void *));
