/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-zone retry delays: 1 s doubling to 5 min with jitter; errors that retrying cannot fix
 * wait the full cap at once. Time and randomness come from the caller. */
#pragma once

#include <stdbool.h>
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
