/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/health.h"

#include <stdlib.h>
#include <string.h>

#include "dns/array.h"

const char *pub_health_state_str(pub_health_state_t s)
{
	switch (s) { /* no default: the compiler names a missing case */
	case PUB_HEALTH_PENDING: return "pending";
	case PUB_HEALTH_UP: return "up";
	case PUB_HEALTH_DOWN: return "down";
	}
	return "unknown";
}

int pub_health_state_parse(const char *text, pub_health_state_t *out)
{
	static const pub_health_state_t all[] = {PUB_HEALTH_PENDING, PUB_HEALTH_UP,
	                                         PUB_HEALTH_DOWN};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(text, pub_health_state_str(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	}
	return -1;
}

void pub_health_init(pub_health_t *h, pub_health_state_t state, uint64_t now_ms)
{
	memset(h, 0, sizeof(*h));
	h->state = state;
	h->since_ms = now_ms;
	h->last = KD_PROBE_UNTRIED;
}

bool pub_health_feed(pub_health_t *h, kd_probe_result_t res, uint32_t latency_ms, uint64_t now_ms,
                     unsigned fall, unsigned rise)
{
	h->last = res;
	h->last_latency_ms = latency_ms;
	h->last_probe_ms = now_ms;
	pub_health_state_t to = h->state;
	if (res == KD_PROBE_ALIVE) {
		h->failures = 0;
		if (h->successes < UINT32_MAX)
			h->successes++;
		if (h->state != PUB_HEALTH_UP && h->successes >= (rise > 0 ? rise : 1))
			to = PUB_HEALTH_UP;
	} else {
		h->successes = 0;
		if (h->failures < UINT32_MAX)
			h->failures++;
		if (h->state != PUB_HEALTH_DOWN && h->failures >= (fall > 0 ? fall : 1))
			to = PUB_HEALTH_DOWN;
	}
	if (to == h->state)
		return false;
	h->state = to;
	h->since_ms = now_ms;
	return true;
}

const char *pub_why_str(pub_why_t why)
{
	switch (why) {
	case PUB_WHY_HEALTHY: return "healthy";
	case PUB_WHY_PENDING: return "pending";
	case PUB_WHY_WITHDRAWN: return "withdrawn by health";
	case PUB_WHY_HELD: return "held by fail-open";
	}
	return "unknown";
}

bool pub_why_published(pub_why_t why)
{
	return why == PUB_WHY_HEALTHY || why == PUB_WHY_HELD;
}

bool pub_health_decide(const pub_health_state_t *state, const bool *was, size_t n, bool fail_open,
                       bool *holding, pub_why_t *why)
{
	bool any_up = false, any_was = false;
	for (size_t i = 0; i < n; i++) {
		any_up = any_up || state[i] == PUB_HEALTH_UP;
		any_was = any_was || was[i];
	}
	bool hold = fail_open && !any_up && any_was;
	for (size_t i = 0; i < n; i++) {
		if (state[i] == PUB_HEALTH_UP)
			why[i] = PUB_WHY_HEALTHY;
		else if (hold && was[i])
			why[i] = PUB_WHY_HELD;
		else
			why[i] = state[i] == PUB_HEALTH_PENDING ? PUB_WHY_PENDING
			                                        : PUB_WHY_WITHDRAWN;
	}
	bool changed = hold != *holding;
	*holding = hold;
	return changed;
}

int pub_coalesce_note(pub_coalesce_t *c, size_t item, uint64_t now_ms)
{
	if (c->n == 0 && !c->lost)
		c->opened_ms = now_ms;
	for (size_t i = 0; i < c->n; i++)
		if (c->items[i] == item)
			return 0;
	size_t *v = kd_array_reserve(c->items, &c->cap, c->n + 1, sizeof(*v));
	if (v == NULL) {
		c->lost = true;
		return -1;
	}
	c->items = v;
	v[c->n++] = item;
	return 0;
}

uint64_t pub_coalesce_deadline(const pub_coalesce_t *c)
{
	if (c->n == 0 && !c->lost)
		return UINT64_MAX;
	return c->opened_ms > UINT64_MAX - c->window_ms ? UINT64_MAX : c->opened_ms + c->window_ms;
}

bool pub_coalesce_take(pub_coalesce_t *c, uint64_t now_ms, size_t **items, size_t *n)
{
	uint64_t due = pub_coalesce_deadline(c);
	if (due == UINT64_MAX || now_ms < due)
		return false;
	if (c->lost) {
		free(c->items);
		*items = NULL;
		*n = 0;
	} else {
		*items = c->items;
		*n = c->n;
	}
	c->items = NULL;
	c->n = c->cap = 0;
	c->lost = false;
	return true;
}

void pub_coalesce_deinit(pub_coalesce_t *c)
{
	free(c->items);
	c->items = NULL;
	c->n = c->cap = 0;
	c->lost = false;
}
