/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/sched.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/array.h"

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

/* FNV-1a of key in lower case (keys compare case-insensitively). */
static size_t key_hash(const char *key)
{
	uint64_t h = 14695981039346656037u;
	for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++) {
		h ^= (uint64_t)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		h *= 1099511628211u;
	}
	return (size_t)h;
}

size_t pub_sched_find(const pub_sched_t *s, const char *key)
{
	if (s->hash_cap == 0)
		return SIZE_MAX;
	size_t mask = s->hash_cap - 1;
	for (size_t h = key_hash(key) & mask;; h = (h + 1) & mask) {
		size_t e = s->hash[h];
		if (e == 0)
			return SIZE_MAX;
		if (strcasecmp(s->v[e - 1].key, key) == 0)
			return e - 1;
	}
}

/* Enter entry i in the hash table, growing it to keep it at most half full. 0 or -1. */
static int hash_put(pub_sched_t *s, size_t i)
{
	if (2 * (s->n + 1) > s->hash_cap) {
		size_t cap = s->hash_cap != 0 ? 2 * s->hash_cap : 64;
		size_t *t = calloc(cap, sizeof(*t));
		if (t == NULL)
			return -1;
		for (size_t k = 0; k < s->hash_cap; k++) {
			size_t e = s->hash[k];
			if (e == 0)
				continue;
			size_t h = key_hash(s->v[e - 1].key) & (cap - 1);
			while (t[h] != 0)
				h = (h + 1) & (cap - 1);
			t[h] = e;
		}
		free(s->hash);
		s->hash = t;
		s->hash_cap = cap;
	}
	size_t h = key_hash(s->v[i].key) & (s->hash_cap - 1);
	while (s->hash[h] != 0)
		h = (h + 1) & (s->hash_cap - 1);
	s->hash[h] = i + 1;
	return 0;
}

size_t pub_sched_slot(pub_sched_t *s, const char *key)
{
	size_t i = pub_sched_find(s, key);
	if (i != SIZE_MAX)
		return i;
	char *copy = strdup(key);
	pub_zstat_t *v =
	        copy != NULL ? kd_array_reserve(s->v, &s->cap, s->n + 1, sizeof(*v)) : NULL;
	if (v == NULL) {
		free(copy);
		return SIZE_MAX;
	}
	s->v = v;
	memset(&v[s->n], 0, sizeof(v[0]));
	v[s->n].key = copy;
	if (hash_put(s, s->n) != 0) {
		free(copy);
		return SIZE_MAX;
	}
	return s->n++;
}

void pub_sched_ok(pub_sched_t *s, size_t i, uint64_t now_ms, uint64_t interval_ms)
{
	s->v[i].ok = true;
	pub_backoff_reset(&s->v[i].backoff);
	s->v[i].backoff.next_ms = now_ms + interval_ms;
}

uint64_t pub_sched_fail(pub_sched_t *s, size_t i, uint64_t now_ms, bool permanent, pub_rand_fn rnd,
                        void *rnd_ctx)
{
	s->v[i].ok = false;
	return pub_backoff_fail(&s->v[i].backoff, now_ms, permanent, rnd, rnd_ctx);
}

uint64_t pub_sched_next_due(const pub_sched_t *s)
{
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].backoff.next_ms < next)
			next = s->v[i].backoff.next_ms;
	return next;
}

void pub_sched_push_idle(pub_sched_t *s, uint64_t now_ms, uint64_t interval_ms)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].backoff.next_ms <= now_ms)
			s->v[i].backoff.next_ms = now_ms + interval_ms;
}

void pub_sched_clear(pub_sched_t *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].key);
	free(s->v);
	free(s->hash);
	memset(s, 0, sizeof(*s));
}
