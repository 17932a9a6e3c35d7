/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One publishing round: desired records from the configuration, per zone the actual records
 * from the primary, the diff, one signed UPDATE, the state file. Per-zone outcomes and retry
 * times live here so the daemon (and later status/metrics) can read them. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dns/addr.h"
#include "publisher/backoff.h"
#include "publisher/conf.h"
#include "publisher/rr.h"

#define PUB_MAX_PRIMARIES 8

/* Outcome and schedule of one zone (or of one owner whose zone is not found yet). */
typedef struct {
	char key[PUB_NAME_MAX + 1]; /* zone name, or "?" + owner while undiscovered */
	pub_backoff_t backoff;      /* next_ms = next attempt (retry or regular check) */
	bool ok;                    /* last attempt succeeded */
} pub_zstat_t;

/* A zone found by SOA discovery. */
typedef struct {
	char owner[PUB_NAME_MAX];
	char zone[PUB_NAME_MAX];
	kd_addr_t servers[PUB_MAX_PRIMARIES];
	size_t servers_count;
} pub_found_t;

typedef struct {
	pub_config_t *conf;  /* owned */
	pub_zoneset_t state; /* what we published (the state file), by zone */
	bool state_dirty;    /* state differs from the file */
	pub_found_t *found;  /* discovery cache, cleared on reload */
	size_t found_count, found_cap;
	pub_zstat_t *zs;
	size_t zs_count, zs_cap;
	pub_rand_fn rnd;
	void *rnd_ctx;
	FILE *dry_run; /* non-NULL: print the messages here instead of sending */
} pub_ctx_t;

typedef enum {
	PUB_PUBLISH,  /* make the zones match the configuration */
	PUB_WITHDRAW, /* remove everything ours: configured and previously published records */
} pub_mode_t;

/* Set up ctx with conf (ownership passes) and load the state file (a corrupt file is
 * reported and treated as empty). rnd (required) gives message ids and backoff jitter. Returns 0,
 * or -1 when the state cannot be read. */
int pub_ctx_init(pub_ctx_t *ctx, pub_config_t *conf, pub_rand_fn rnd, void *rnd_ctx);
void pub_ctx_deinit(pub_ctx_t *ctx);

/* Replace the configuration (ownership passes; the old one is freed) and forget discovery
 * results and schedules, so every zone is due at once. */
void pub_ctx_set_config(pub_ctx_t *ctx, pub_config_t *conf);

/* Run one round at monotonic time now_ms. With honor_schedule only zones whose next attempt
 * is due are processed. Each failure is logged on its own line. Returns the number of zones
 * (or undiscovered names) that failed. */
unsigned pub_round(pub_ctx_t *ctx, pub_mode_t mode, bool honor_schedule, uint64_t now_ms);

/* The earliest next attempt over all zones, or UINT64_MAX if none is scheduled. */
uint64_t pub_next_due(const pub_ctx_t *ctx);
