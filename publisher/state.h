/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The state file: the records this publisher published, one per line as
 * "zone owner ttl TYPE rdata". It lets records of hosts removed from the configuration be
 * withdrawn even across restarts, while records it never published are never deleted. */
#pragma once

#include <stddef.h>

#include "dns/error.h"
#include "publisher/rr.h"

/* Read path into out (appended). A missing file is an empty state. Returns 0, or -1 with
 * "failed to read state file path:line (reason)" in err (out untouched) when the file is unreadable
 * or corrupt. */
int pub_state_load(const char *path, pub_rrlist_t *out, kd_error_t *err);

/* Write list to path atomically (kd_file_write_atomic), readable by the owner only. Returns 0,
 * or -1 with a reason in err. */
int pub_state_save(const char *path, const pub_rrlist_t *list, kd_error_t *err);
