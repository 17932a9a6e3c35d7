/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shared state file: dead hosts with their retry-after time, the sticky host of each suffix,
 * and the SRV answer per suffix until its TTL expires, with the addresses until theirs.
 * Line-based text:
 *
 *   kmsdns-locate-state 3
 *   sticky SUFFIX TARGET PORT                       (SUFFIX "-": a static host)
 *   dead TARGET PORT UNTIL
 *   rtt TARGET PORT SRTT                            (microseconds, smoothed connect RTT)
 *   srv SUFFIX EXPIRES PRIORITY WEIGHT PORT TARGET ADDR-EXPIRES [ADDRESS...]
 *   end
 *
 * Times are Unix seconds, trusted only up to a bound (a clock that jumped back must not keep a
 * host dead or an answer cached for a day): a dead mark later than now + dead-retry and a cache
 * entry later than now + max-cache-ttl (each plus KMSL_STATE_CLOCK_SLACK) count as now. A line that
 * cannot be read costs that line only (with a warning); a file of another format is ignored as a
 * whole; version 1 files are read as empty, version 2 files (no rtt lines) as they are. The parser
 * reads whatever kmsl_state_format writes, up to KMSL_MAX_ADDRS addresses. Updates are
 * read-modify-write under flock() on PATH.lock and land with an atomic rename. A file (or
 * directory) that another user could have written is not believed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolver-plugin/cand.h"

#define KMSL_STATE_MAGIC         "kmsdns-locate-state 3"
#define KMSL_STATE_MAGIC_V2      "kmsdns-locate-state 2"
#define KMSL_STATE_MAGIC_V1      "kmsdns-locate-state 1"
#define KMSL_STATE_MAX_BYTES     (1024 * 1024)
#define KMSL_STATE_MAX_DEAD      256
#define KMSL_STATE_MAX_SRV       512
#define KMSL_STATE_MAX_STICKY    64
#define KMSL_STATE_MAX_RTT       256
#define KMSL_STATE_MAX_CACHE_TTL 3600 /* max-cache-ttl default, seconds */
#define KMSL_STATE_CLOCK_SLACK   60   /* seconds a bounded time may exceed its bound */

typedef struct {
	char target[KMSL_NAME_MAX];
	uint16_t port;
	int64_t until;
} kmsl_dead_t;

typedef struct {
	char target[KMSL_NAME_MAX];
	uint16_t port;
	uint32_t srtt_us; /* smoothed RTT of the host's successful connects (kmsl_srtt_update) */
} kmsl_rtt_t;

typedef struct {
	kmsl_cand_t cand; /* suffix, priority, weight, port, target, addresses */
	int64_t expires;
	int64_t addr_expires;
} kmsl_cached_t;

typedef struct {
	char suffix[KMSL_NAME_MAX]; /* "" for a static host */
	char target[KMSL_NAME_MAX];
	uint16_t port;
} kmsl_sticky_t;

typedef struct {
	kmsl_sticky_t *sticky;
	size_t nsticky;
	kmsl_dead_t *dead;
	size_t ndead;
	kmsl_cached_t *srv;
	size_t nsrv;
	kmsl_rtt_t *rtt; /* least recently updated first */
	size_t nrtt;
} kmsl_statefile_t;

/* What a run learned, merged into the file by kmsl_state_update. */
typedef struct {
	const kmsl_cand_t *hosts; /* probe outcomes: state ALIVE or DEAD (others ignored); an
	                           * ALIVE host's rtt_us > 0 goes into its smoothed RTT */
	size_t nhosts;
	int64_t dead_until;     /* retry-after for hosts found DEAD */
	bool caching;           /* host caching: ALIVE sets the sticky host of the host's suffix (an
	                         * empty suffix: every suffix whose cached records list the host);
	                         * off clears the sticky host of those suffixes */
	int64_t dead_max;       /* seconds (dead-retry): dead marks later than now + this go */
	int64_t max_cache_ttl;  /* seconds: cache entries expire no later than now + this;
	                         * 0 = KMSL_STATE_MAX_CACHE_TTL */
	const kmsl_cand_t *srv; /* fresh records; their suffixes replace the cached ones */
	size_t nsrv;
	const char *const *fresh; /* suffixes answered without records: drop their cache */
	size_t nfresh;
} kmsl_state_change_t;

void kmsl_state_init(kmsl_statefile_t *st);
void kmsl_state_deinit(kmsl_statefile_t *st);

/* Parse a state file held in buf. Returns 0; 1 when lines were skipped (the first reason in
 * warn, the rest of st kept); -1 when buf is not a state file (reason in warn, st empty). */
int kmsl_state_parse(const char *buf, size_t len, kmsl_statefile_t *st, char *warn, size_t wlen);

/* Format st into a heap string (*out, caller frees). Returns 0 or -1 on ENOMEM. */
int kmsl_state_format(const kmsl_statefile_t *st, char **out);

/* Load path into st (initialised by the caller). A missing file is an empty state (returns
 * 0). An unreadable file, one of another format, or one not owned by this user or root or
 * writable by others (the file, or its directory without the sticky bit) leaves st empty and
 * returns 1 with a warning; a file with bad lines returns 1 with a warning and the rest. */
int kmsl_state_load(const char *path, kmsl_statefile_t *st, char *warn, size_t wlen);

/* Merge chg into st at time now and drop expired entries. Returns 0 or -1 on ENOMEM. */
int kmsl_state_apply(kmsl_statefile_t *st, const kmsl_state_change_t *chg, int64_t now);

/* Lock, load, apply, write atomically. Returns 0, or 1 with a warning (nothing written). */
int kmsl_state_update(const char *path, const kmsl_state_change_t *chg, int64_t now, char *warn,
                      size_t wlen);

/* Mark cands from st at time now: srtt_us from their RTT history, DEAD while their retry-after
 * has not passed (a retry-after later than now + dead_retry counts as now), STICKY for the sticky
 * host of the first suffix (in list order) that has one among cands (host caching on), which also
 * moves to the front. */
void kmsl_state_mark(const kmsl_statefile_t *st, kmsl_cand_t *cands, size_t n, int64_t now,
                     int64_t dead_retry, bool caching);

/* Choose which candidates to probe: those not DEAD and with addresses; if every candidate
 * with addresses is DEAD, all of them (better to try than to fail untried). Sets use[i];
 * returns the number chosen. */
size_t kmsl_state_select(const kmsl_cand_t *cands, size_t n, bool *use);

/* Copy the unexpired cached records of suffix into out (up to max), flagged cached, ttl the
 * time left; their addresses only while those have not expired (else none and no family
 * known). An expiry later than now + max_ttl counts as now. Returns the count. */
size_t kmsl_state_cached(const kmsl_statefile_t *st, const char *suffix, int64_t now,
                         int64_t max_ttl, kmsl_cand_t *out, size_t max);

/* Whether the file or directory st describes could have been written by another user: not
 * owned by euid or root, or writable by group or others (a directory with the sticky bit
 * excepted). Sets why. */
struct stat;
bool kmsl_state_untrusted(const struct stat *sb, bool is_dir, char *why, size_t len);
