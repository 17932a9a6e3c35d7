/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One publishing round: desired records from the configuration, the zone of each (configured
 * or discovered, primary.c), then per zone the actual records from the primary, the diff, one
 * signed UPDATE and the state file (zone.c). Per-zone outcomes and retry times (sched.c) live
 * in the context so the daemon (and later status/metrics) can read them. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "publisher/conf.h"
#include "publisher/fleet.h"
#include "publisher/metrics.h"
#include "publisher/primary.h"
#include "publisher/rr.h"
#include "publisher/sched.h"

typedef struct {
	pub_config_t *conf;  /* owned */
	pub_zoneset_t state; /* what we published (the state file), by zone */
	bool state_dirty;    /* state differs from the file */
	bool state_locked;   /* the file failed to load and no copy of it was kept: it is
	                      * never saved over (state_err says why) */
	kd_error_t state_err;
	pub_primaries_t primaries; /* discovery cache, cleared on reload */
	pub_sched_t sched;         /* per zone (or undiscovered name): outcome, next attempt */
	kd_addr_t *quiet;          /* servers found not to sign answers (said once each) */
	size_t quiet_n, quiet_cap;
	pub_rand_fn rnd;
	void *rnd_ctx;
	FILE *dry_run;                     /* non-NULL: print the messages instead of sending */
	volatile const sig_atomic_t *stop; /* set (a signal): end the round at the next step */
	uint64_t deadline_ms;              /* non-zero: no wait goes beyond it (monotonic) */
	const pub_fleet_t *fleet; /* health gating (borrowed); NULL: every host is published */
	pub_metrics_t *metrics;   /* UPDATE counters and zone successes (borrowed), or NULL */
	/* More state file text (";@" lines: health, status), appended on every save (heap, the
	 * caller frees; NULL on ENOMEM: saved without it), or NULL. */
	char *(*state_extra)(const void *ctx, size_t *len);
	size_t probes_max_inflight; /* the most health probes in flight at once (for status) */
} pub_ctx_t;

typedef enum {
	PUB_PUBLISH,  /* make the zones match the configuration */
	PUB_WITHDRAW, /* remove everything ours: configured and previously published records */
} pub_mode_t;

/* Set up ctx with conf (ownership passes) and load the state file: bad lines are reported
 * and skipped (the file is copied to .bad first); a file that cannot be read, or be copied,
 * is reported and never saved over. rnd (required) gives message ids and backoff jitter.
 * Returns 0. */
int pub_ctx_init(pub_ctx_t *ctx, pub_config_t *conf, pub_rand_fn rnd, void *rnd_ctx);
void pub_ctx_deinit(pub_ctx_t *ctx);

/* Replace the configuration (ownership passes; the old one is freed) and forget discovery
 * results and schedules, so every zone is due at once. */
void pub_ctx_set_config(pub_ctx_t *ctx, pub_config_t *conf);

/* Write the state file if it changed. Returns 0 or -1 with the reason in err. */
int pub_ctx_save_state(pub_ctx_t *ctx, kd_error_t *err);

/* Run one round at monotonic time now_ms: find the zones, read every zone's records with
 * signed queries (one pipelined connection per server), work out the changes, send them in
 * UPDATEs of at most 64 KiB, confirm withdrawals by reading again, keep the state file. With
 * honor_schedule only zones whose next attempt is due are processed. Each failure is logged
 * on its own line. Returns the number of zones (or undiscovered names) that failed. */
unsigned pub_round(pub_ctx_t *ctx, pub_mode_t mode, bool honor_schedule, uint64_t now_ms);

/* The earliest next attempt over all zones, or UINT64_MAX if none is scheduled. */
uint64_t pub_next_due(const pub_ctx_t *ctx);
