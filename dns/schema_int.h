/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal to the dns/ core: scalar conversion for the schema loader and whole-file reading
 * (also used by the TSIG key loader). */
#pragma once

#include <stddef.h>

#include "dns/schema.h"

/* Convert text for a UINT, BOOL, DURATION or ENUM row into *field. Returns 0, or -1 with a short
 * reason in why (e.g. "70000 is out of range 1..65535"). */
int kd_scalar_parse(const kd_schema_t *row, const char *text, void *field, char *why,
                    size_t whylen);

/* Read a whole regular file (at most 1 MiB) into a heap buffer with a terminating NUL byte not
 * counted in *len. Returns 0, or -1 with errno set. */
int kd_read_file(const char *path, char **buf, size_t *len);
