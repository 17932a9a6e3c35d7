/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal to the schema loader: scalar conversion. */
#pragma once

#include <stddef.h>

#include "dns/schema.h"

/* Convert text for a UINT, BOOL, DURATION or ENUM row into *field. Returns 0, or -1 with a short
 * reason in why (e.g. "70000 is out of range 1..65535"). */
int kd_scalar_parse(const kd_schema_t *row, const char *text, void *field, char *why,
                    size_t whylen);
