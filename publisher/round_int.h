/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Inside a round: the state shared by its phases (round.c: finding and planning the zones,
 * the outcome; phase_read.c: reading; phase_write.c: writing, confirming). Not for other callers.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "publisher/round.h"
#include "publisher/send.h"
#include "publisher/split.h"
#include "publisher/zone.h"

typedef struct {
	pub_ctx_t *ctx;
	pub_mode_t mode;
	bool honor;
	uint64_t now;
	pub_zoneset_t des; /* the desired records (owned) */
	pub_work_t *w;     /* one per zone */
	size_t nw, capw;
	pub_group_t *g; /* one per list of servers */
	size_t ng, capg;
	pub_units_t units;
	unsigned failures;
} round_t;

/* The index of zone's work, created when missing; -1 on ENOMEM. */
long pub_round_work(round_t *r, const char *zone);
/* The index of the group of t's servers, created when missing; -1 on ENOMEM. */
long pub_round_group(round_t *r, const pub_target_t *t);
/* Whether a signal asked to stop. */
bool pub_round_stopped(const round_t *r);

/* The time one exchange may take: the timeout, cut to what is left of the deadline. */
uint64_t pub_round_timeout(const round_t *r);

/* Read what every zone's primary holds (confirm: again, for the zones where withdrawn
 * records were deleted). 0, or -1 on ENOMEM. */
int pub_round_read(round_t *r, bool confirm);
/* Work out the changes and send them. 0, or -1 on ENOMEM. */
int pub_round_write(round_t *r);
/* Confirm withdrawals by reading again. 0, or -1 on ENOMEM. */
int pub_round_confirm(round_t *r);
