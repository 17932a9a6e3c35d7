/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-context random source: xoshiro256** seeded through splitmix64. Not for secrets; only for
 * ordering candidates. */
#pragma once

#include <stdint.h>

typedef struct {
	uint64_t s[4];
} kmsl_rng_t;

/* Seed deterministically (tests, --seed). */
void kmsl_rng_seed(kmsl_rng_t *rng, uint64_t seed);
/* Seed from getrandom(); falls back to time and address bits if it fails. */
void kmsl_rng_seed_random(kmsl_rng_t *rng);
uint64_t kmsl_rng_next(kmsl_rng_t *rng);
/* Uniform in [0, bound) without modulo bias; bound 0 returns 0. */
uint64_t kmsl_rng_below(kmsl_rng_t *rng, uint64_t bound);
