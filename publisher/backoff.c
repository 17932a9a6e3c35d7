/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/backoff.h"

#include <stddef.h>

uint64_t pub_backoff_fail(pub_backoff_t *b, uint64_t now_ms, bool permanent, pub_rand_fn rnd,
                          void *rnd_ctx)
{
	if (b->failures < 64)
		b->failures++;
	uint64_t base = PUB_BACKOFF_MAX_MS;
	if (!permanent && b->failures <= 20) {
		base = (uint64_t)PUB_BACKOFF_MIN_MS << (b->failures - 1);
		if (base > PUB_BACKOFF_MAX_MS)
			base = PUB_BACKOFF_MAX_MS;
	}
	/* Jitter spreads publishers that failed together (a server restart) apart. */
	uint64_t jitter = rnd != NULL ? rnd(rnd_ctx) % (base / 4 + 1) : 0;
	uint64_t delay = base - jitter;
	b->next_ms = now_ms + delay;
	return delay;
}

void pub_backoff_reset(pub_backoff_t *b)
{
	b->failures = 0;
	b->next_ms = 0;
}

bool pub_backoff_due(const pub_backoff_t *b, uint64_t now_ms)
{
	return now_ms >= b->next_ms;
}
