/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shared state file: dead hosts with their retry-after time, the sticky host, and the SRV
 * answer per suffix until its TTL expires. Line-based text:
 *
 *   kmsdns-locate-state 1
 *   sticky TARGET PORT
 *   dead TARGET PORT UNTIL
 *   srv SUFFIX EXPIRES PRIORITY WEIGHT PORT TARGET [ADDRESS...]
 *   end
 *
 * Times are Unix seconds. A file without the version line or the final "end" (truncated),
 * with an unknown line or over the size bounds is ignored as a whole, with a warning. Updates
 * are read-modify-write under flock() on PATH.lock and land with an atomic rename. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolver-plugin/cand.h"

#define KMSL_STATE_MAGIC     "kmsdns-locate-state 1"
#define KMSL_STATE_MAX_BYTES (1024 * 1024)
#define KMSL_STATE_MAX_DEAD  256
#define KMSL_STATE_MAX_SRV   512

typedef struct {
	char target[KMSL_NAME_MAX];
	uint16_t port;
	int64_t until;
} kmsl_dead_t;

typedef struct {
	kmsl_cand_t cand; /* suffix, priority, weight, port, target, addresses */
	int64_t expires;
} kmsl_cached_t;

typedef struct {
	bool has_sticky;
	char sticky_target[KMSL_NAME_MAX];
	uint16_t sticky_port;
	kmsl_dead_t *dead;
	size_t ndead;
	kmsl_cached_t *srv;
	size_t nsrv;
} kmsl_statefile_t;

/* What a run learned, merged into the file by kmsl_state_update. */
typedef struct {
	const kmsl_cand_t *hosts; /* probe outcomes: state ALIVE or DEAD (others ignored) */
	size_t nhosts;
	int64_t dead_until;     /* retry-after for hosts found DEAD */
	bool caching;           /* host caching: ALIVE sets the sticky host; off clears it */
	const kmsl_cand_t *srv; /* fresh records; their suffixes replace the cached ones */
	size_t nsrv;
	const char *const *fresh; /* suffixes answered without records: drop their cache */
	size_t nfresh;
} kmsl_state_change_t;

void kmsl_state_init(kmsl_statefile_t *st);
void kmsl_state_deinit(kmsl_statefile_t *st);

/* Parse a state file held in buf. Returns 0, or -1 with a reason in warn and st empty. */
int kmsl_state_parse(const char *buf, size_t len, kmsl_statefile_t *st, char *warn, size_t wlen);

/* Format st into a heap string (*out, caller frees). Returns 0 or -1 on ENOMEM. */
int kmsl_state_format(const kmsl_statefile_t *st, char **out);

/* Load path into st (initialised by the caller). A missing file is an empty state (returns
 * 0); an unreadable or corrupt one leaves st empty and returns 1 with a warning. */
int kmsl_state_load(const char *path, kmsl_statefile_t *st, char *warn, size_t wlen);

/* Merge chg into st at time now and drop expired entries. Returns 0 or -1 on ENOMEM. */
int kmsl_state_apply(kmsl_statefile_t *st, const kmsl_state_change_t *chg, int64_t now);

/* Lock, load, apply, write atomically. Returns 0, or 1 with a warning (nothing written). */
int kmsl_state_update(const char *path, const kmsl_state_change_t *chg, int64_t now, char *warn,
                      size_t wlen);

/* Mark cands from st at time now: DEAD while their retry-after has not passed, STICKY for the
 * sticky host (host caching on), which also moves to the front. */
void kmsl_state_mark(const kmsl_statefile_t *st, kmsl_cand_t *cands, size_t n, int64_t now,
                     bool caching);

/* Choose which candidates to probe: those not DEAD and with addresses; if every candidate
 * with addresses is DEAD, all of them (better to try than to fail untried). Sets use[i];
 * returns the number chosen. */
size_t kmsl_state_select(const kmsl_cand_t *cands, size_t n, bool *use);

/* Copy the unexpired cached records of suffix into out (up to max). Returns the count. */
size_t kmsl_state_cached(const kmsl_statefile_t *st, const char *suffix, int64_t now,
                         kmsl_cand_t *out, size_t max);
