/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One zone brought in line: read what its primary holds, diff against what is wanted, enter
 * records about to be added into the state file, send the signed UPDATE, record the outcome
 * in the state. */
#pragma once

#include <stdbool.h>

#include "dns/addr.h"
#include "dns/error.h"
#include "publisher/round.h"

/* The records of one zone this round: desired ones and ones to withdraw (both borrowed). */
typedef struct {
	const char *zone;
	pub_rrlist_t des, wd;
} pub_work_t;

/* Process one zone. Returns 0, or -1 with the failure in err (*permanent set when retrying
 * soon cannot help). srv receives the server named in a message (KD_ADDR_STRLEN). */
int pub_zone_process(pub_ctx_t *ctx, const pub_work_t *w, pub_mode_t mode, bool *permanent,
                     char *srv, kd_error_t *err);
