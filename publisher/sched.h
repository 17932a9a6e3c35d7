/* SPDX-License-Identifier: GPL-3.0-or-later */
/* When each zone (or each name whose zone is not found yet) is due: the next regular check, or
 * a retry after failures, 1 s doubling to 5 min with jitter (errors that retrying cannot fix
 * wait the full cap at once). Entries are found by index, never by a pointer that a growing
 * table would leave dangling. Time and randomness come from the caller. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PUB_BACKOFF_MIN_MS 1000u
#define PUB_BACKOFF_MAX_MS 300000u

/* A source of uniform 32-bit random numbers. */
typedef uint32_t (*pub_rand_fn)(void *ctx);

typedef struct {
	unsigned failures; /* consecutive */
	uint64_t next_ms;  /* monotonic time of the next attempt; 0 = now */
} pub_backoff_t;

/* Record a failure at now_ms and return the delay until the next attempt: base =
 * min(1 s * 2^(failures-1), 5 min) (the cap at once when permanent), minus a random jitter
 * of up to a quarter of base. */
uint64_t pub_backoff_fail(pub_backoff_t *b, uint64_t now_ms, bool permanent, pub_rand_fn rnd,
                          void *rnd_ctx);

/* Record a success: the next failure starts again at 1 s. */
void pub_backoff_reset(pub_backoff_t *b);

/* Whether an attempt is due at now_ms. */
bool pub_backoff_due(const pub_backoff_t *b, uint64_t now_ms);

/* Outcome and schedule of one zone (or of one owner whose zone is not found yet). */
typedef struct {
	char *key;             /* zone name, or "?" + owner while undiscovered; heap */
	pub_backoff_t backoff; /* next_ms = next attempt (retry or regular check) */
	bool ok;               /* last attempt succeeded */
	bool tried;            /* an attempt was made */
	int64_t last_ok_unix;  /* when an attempt last succeeded (Unix time), 0 = never */
	char last_err[640];    /* the last failure (names server and rcode), "" = none */
	bool no_transfer;      /* the server refused to transfer the zone (read: transfer) */
} pub_zstat_t;

typedef struct {
	pub_zstat_t *v;
	size_t n, cap;
	size_t *hash; /* open hashing of the keys (case-insensitive): entry index + 1, 0 = free */
	size_t hash_cap; /* a power of two, at least twice n; 0 = none yet */
} pub_sched_t;

/* The index of key's entry, created (due now) when missing; SIZE_MAX on ENOMEM. */
size_t pub_sched_slot(pub_sched_t *s, const char *key);
/* The index of key's entry, or SIZE_MAX. */
size_t pub_sched_find(const pub_sched_t *s, const char *key);

/* Record a success at now_ms: the next regular check is due after interval_ms. */
void pub_sched_ok(pub_sched_t *s, size_t i, uint64_t now_ms, uint64_t interval_ms);
/* Record a failure: returns the delay until the retry (pub_backoff_fail). */
uint64_t pub_sched_fail(pub_sched_t *s, size_t i, uint64_t now_ms, bool permanent, pub_rand_fn rnd,
                        void *rnd_ctx);

/* The earliest next attempt over all entries, or UINT64_MAX if none is scheduled. */
uint64_t pub_sched_next_due(const pub_sched_t *s);
/* Entries due at or before now_ms (left over, as nothing processed them) move to
 * now_ms + interval_ms, so that a loop waiting for the next due time never spins. */
void pub_sched_push_idle(pub_sched_t *s, uint64_t now_ms, uint64_t interval_ms);

/* Forget every entry. */
void pub_sched_clear(pub_sched_t *s);
