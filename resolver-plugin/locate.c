/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns/clock.h"
#include "dns/probe.h"
#include "resolver-plugin/ctx.h"
#include "resolver-plugin/delay.h"
#include "resolver-plugin/discover.h"
#include "resolver-plugin/list.h"
#include "resolver-plugin/order.h"
#include "resolver-plugin/state.h"

static int64_t dead_retry_s(const kmsl_ctx_t *ctx)
{
	return (int64_t)((ctx->opts.dead_retry_ms + 999) / 1000);
}

static int64_t max_cache_ttl_s(const kmsl_ctx_t *ctx)
{
	return (int64_t)(ctx->opts.max_cache_ttl_ms / 1000);
}

static void load_state(kmsl_ctx_t *ctx, kmsl_statefile_t *st)
{
	char warn[512];
	if (ctx->opts.state_path != NULL &&
	    kmsl_state_load(ctx->opts.state_path, st, warn, sizeof(warn)) != 0)
		kmsl_ctx_warn(ctx, warn);
}

static void save_state(kmsl_ctx_t *ctx, const kmsl_state_change_t *chg, int64_t now)
{
	char warn[512];
	if (ctx->opts.state_path != NULL &&
	    kmsl_state_update(ctx->opts.state_path, chg, now, warn, sizeof(warn)) != 0)
		kmsl_ctx_warn(ctx, warn);
}

/* Cache what the queries of this call found (and forget suffixes that now have none). */
static kmsl_err_t cache_fresh(kmsl_ctx_t *ctx, const kmsl_list_t *list, int64_t now)
{
	if (ctx->opts.state_path == NULL)
		return KMSL_OK;
	kmsl_cand_t *fresh = calloc(list->n + 1, sizeof(*fresh));
	const char **empty = calloc(list->nsuffixes + 1, sizeof(*empty));
	if (fresh == NULL || empty == NULL) {
		free(fresh);
		free(empty);
		return KMSL_ENOMEM;
	}
	size_t nfresh = 0, nempty = 0;
	for (size_t i = 0; i < list->n; i++)
		if (list->cands[i].fresh)
			fresh[nfresh++] = list->cands[i];
	for (size_t k = 0; k < list->nsuffixes; k++) {
		kmsl_reason_t r = list->suffixes[k].reason;
		if (r == KMSL_REASON_NXDOMAIN || r == KMSL_REASON_NODATA || r == KMSL_REASON_DOT)
			empty[nempty++] = list->suffixes[k].name;
	}
	if (nfresh > 0 || nempty > 0) {
		/* caching = true: keep the sticky host, this call did not probe it. */
		kmsl_state_change_t chg = {.caching = true,
		                           .dead_max = dead_retry_s(ctx),
		                           .max_cache_ttl = max_cache_ttl_s(ctx),
		                           .srv = fresh,
		                           .nsrv = nfresh,
		                           .fresh = empty,
		                           .nfresh = nempty};
		save_state(ctx, &chg, now);
	}
	free(fresh);
	free(empty);
	return KMSL_OK;
}

/* Keep the candidates on port only, in order. */
static void keep_port(kmsl_list_t *list, uint16_t port)
{
	size_t k = 0;
	for (size_t i = 0; i < list->n; i++)
		if (list->cands[i].port == port)
			list->cands[k++] = list->cands[i];
	list->n = k;
}

/* Discover into list (emptied first) and order it: the sticky host first, priority groups, cut
 * to KMSL_MAX_CANDS after ordering. */
static kmsl_err_t discover_into(kmsl_ctx_t *ctx, kmsl_list_t *list, bool use_cache)
{
	int64_t now = (int64_t)time(NULL);
	kmsl_statefile_t st;
	kmsl_state_init(&st);
	load_state(ctx, &st);
	list->n = 0;
	list->nsuffixes = 0;
	kmsl_err_t ret = kmsl_discover(ctx, &st, now, list->end_ms, use_cache, list);
	if (ret == KMSL_OK)
		ret = cache_fresh(ctx, list, now); /* every port: the cache is shared */
	if (ret == KMSL_OK && ctx->opts.port_filter != 0)
		keep_port(list, ctx->opts.port_filter);
	if (ret == KMSL_OK && kmsl_cand_order(list->cands, list->n, &ctx->rng) != 0)
		ret = KMSL_ENOMEM;
	if (ret == KMSL_OK) {
		kmsl_state_mark(&st, list->cands, list->n, now, dead_retry_s(ctx),
		                ctx->opts.host_caching);
		if (list->n > KMSL_MAX_CANDS)
			list->n = KMSL_MAX_CANDS;
	}
	kmsl_state_deinit(&st);
	return ret;
}

static kmsl_err_t candidates_until(kmsl_ctx_t *ctx, uint64_t end_ms, kmsl_list_t **out)
{
	kmsl_list_t *list = kmsl_list_new();
	if (list == NULL)
		return KMSL_ENOMEM;
	list->end_ms = end_ms;
	kmsl_err_t ret = discover_into(ctx, list, true);
	if (ret != KMSL_OK) {
		kmsl_list_free(list);
		return ret;
	}
	*out = list;
	return KMSL_OK;
}

KMSL_API kmsl_err_t kmsl_candidates(kmsl_ctx_t *ctx, kmsl_list_t **out)
{
	if (ctx == NULL || out == NULL)
		return KMSL_EINVAL;
	ctx->warning[0] = '\0';
	return candidates_until(ctx, kd_now_ms() + ctx->opts.deadline_ms, out);
}

static kd_probe_kind_t probe_kind(kmsl_probe_t p)
{
	switch (p) {
	case KMSL_PROBE_RPC: return KD_PROBE_RPC;
	case KMSL_PROBE_TCP: return KD_PROBE_TCP;
	case KMSL_PROBE_NONE: return KD_PROBE_NONE;
	}
	return KD_PROBE_RPC;
}

/* A candidate's attempt delay: the configured one, or auto (delay.h) from its RTT history or
 * this call's DNS answer. */
static uint64_t cand_delay(const kmsl_ctx_t *ctx, const kmsl_list_t *list, const kmsl_cand_t *c)
{
	if (ctx->opts.attempt_delay_ms != KMSL_ATTEMPT_DELAY_AUTO)
		return ctx->opts.attempt_delay_ms;
	return kmsl_auto_delay_ms(c->srtt_us, list->dns_rtt_us);
}

/* Race targets: every address of every chosen candidate. Groups follow the priority groups
 * (kd_race overlaps them: the next group starts an attempt delay after the last start); a
 * sticky host at the front shares group 0, so it gets an attempt-delay head start without
 * costing a whole timeout when it has gone away. */
static size_t build_targets(const kmsl_ctx_t *ctx, const kmsl_list_t *list, const bool *use,
                            kd_race_target_t *t, size_t *owner, size_t *slot)
{
	size_t nt = 0;
	unsigned group = 0;
	bool started = false;
	uint16_t prio = 0;
	for (size_t i = 0; i < list->n; i++) {
		const kmsl_cand_t *c = &list->cands[i];
		if (!use[i])
			continue;
		if (c->state != KMSL_STATE_STICKY) {
			if (started && c->priority != prio)
				group++;
			started = true;
			prio = c->priority;
		}
		uint64_t delay = cand_delay(ctx, list, c);
		for (size_t j = 0; j < c->naddrs; j++, nt++) {
			t[nt].addr = c->addrs[j];
			t[nt].group = group;
			t[nt].delay_ms = delay;
			owner[nt] = i;
			slot[nt] = j;
		}
	}
	return nt;
}

/* Each address's result into its candidate; a candidate is dead when every one of its tried
 * addresses failed, alive when one answered; a probe the deadline cut short says nothing. */
static void judge(kmsl_list_t *list, const kd_probe_result_t *res, const uint64_t *rtt,
                  const size_t *owner, const size_t *slot, char (*seen)[KD_PROBE_SEEN_MAX],
                  size_t nt, bool late)
{
	for (size_t k = 0; k < nt; k++) {
		kmsl_cand_t *c = &list->cands[owner[k]];
		kd_probe_result_t r = res[k];
		if (r == KD_PROBE_ALIVE)
			c->rtt_us = rtt[k];
		if (r == KD_PROBE_UNTRIED && late)
			r = KD_PROBE_DEADLINE; /* never reached before the deadline */
		c->results[slot[k]] = r;
		if ((r == KD_PROBE_GARBAGE || r == KD_PROBE_NAK) && seen[k][0] != '\0' &&
		    c->detail[0] == '\0')
			snprintf(c->detail, sizeof(c->detail), "%s", seen[k]);
	}
	for (size_t i = 0; i < list->n; i++) {
		bool tried = false, open = false, alive = false;
		for (size_t k = 0; k < nt; k++) {
			if (owner[k] != i)
				continue;
			tried = true;
			kd_probe_result_t r = list->cands[i].results[slot[k]];
			alive |= r == KD_PROBE_ALIVE;
			open |= r == KD_PROBE_UNTRIED || r == KD_PROBE_CANCELLED ||
			        r == KD_PROBE_DEADLINE;
		}
		if (alive)
			list->cands[i].state = KMSL_STATE_ALIVE;
		else if (tried && !open)
			list->cands[i].state = KMSL_STATE_DEAD;
	}
}

static void record_outcomes(kmsl_ctx_t *ctx, const kmsl_list_t *list, const bool *use)
{
	kmsl_cand_t *hosts = calloc(list->n, sizeof(*hosts));
	if (hosts == NULL)
		return;
	size_t n = 0;
	for (size_t i = 0; i < list->n; i++)
		if (use[i] && (list->cands[i].state == KMSL_STATE_ALIVE ||
		               list->cands[i].state == KMSL_STATE_DEAD))
			hosts[n++] = list->cands[i];
	int64_t now = (int64_t)time(NULL);
	kmsl_state_change_t chg = {
	        .hosts = hosts,
	        .nhosts = n,
	        .dead_until = now + dead_retry_s(ctx),
	        .dead_max = dead_retry_s(ctx),
	        .max_cache_ttl = max_cache_ttl_s(ctx),
	        .caching = ctx->opts.host_caching,
	};
	if (n > 0)
		save_state(ctx, &chg, now);
	free(hosts);
}

static void fill_host(const kmsl_cand_t *c, const kd_addr_t *addr, kmsl_host_t *h)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->target, sizeof(h->target), "%s", c->target);
	snprintf(h->suffix, sizeof(h->suffix), "%s", c->suffix);
	h->priority = c->priority;
	h->weight = c->weight;
	h->port = c->port;
	memcpy(&h->addr, &addr->ss, sizeof(h->addr));
	h->addrlen = addr->len;
}

/* One race over the candidates of list within end_ms. Returns KMSL_OK with the winner,
 * KMSL_ENOALIVE or KMSL_ENOMEM. */
static kmsl_err_t race_list(kmsl_ctx_t *ctx, kmsl_list_t *list, uint64_t end_ms, int *fd,
                            kmsl_host_t *chosen)
{
	size_t maxt = list->n * KMSL_MAX_ADDRS;
	bool *use = calloc(list->n, sizeof(*use));
	kd_race_target_t *t = calloc(maxt, sizeof(*t));
	size_t *owner = calloc(maxt, sizeof(*owner));
	size_t *slot = calloc(maxt, sizeof(*slot));
	kd_probe_result_t *res = calloc(maxt, sizeof(*res));
	char(*seen)[KD_PROBE_SEEN_MAX] = calloc(maxt, sizeof(*seen));
	uint64_t *rtt = calloc(maxt, sizeof(*rtt));
	kmsl_err_t ret = KMSL_ENOMEM;
	if (use == NULL || t == NULL || owner == NULL || slot == NULL || res == NULL ||
	    seen == NULL || rtt == NULL)
		goto out;
	ret = KMSL_ENOALIVE;
	for (size_t i = 0; i < list->n; i++) {
		memset(list->cands[i].results, 0, sizeof(list->cands[i].results));
		list->cands[i].rtt_us = 0;
	}
	kmsl_state_select(list->cands, list->n, use);
	size_t nt = build_targets(ctx, list, use, t, owner, slot);
	if (nt == 0)
		goto out;
	uint64_t now = kd_now_ms();
	kd_race_opts_t ro = {
	        .kind = probe_kind(ctx->opts.probe),
	        .attempt_delay_ms = ctx->opts.attempt_delay_ms != KMSL_ATTEMPT_DELAY_AUTO
	                                    ? ctx->opts.attempt_delay_ms
	                                    : KMSL_DELAY_MAX_MS, /* every target has its own */
	        .timeout_ms = ctx->opts.timeout_ms,
	        .deadline_ms = end_ms > now ? end_ms - now : 1,
	        .seen = seen,
	        .rtt_us = rtt,
	};
	int sock = -1;
	long win = kd_race(t, nt, &ro, res, &sock);
	if (ro.kind != KD_PROBE_NONE) {
		judge(list, res, rtt, owner, slot, seen, nt, win < 0 && kd_now_ms() >= end_ms);
		record_outcomes(ctx, list, use);
	}
	if (win < 0)
		goto out;
	if (chosen != NULL)
		fill_host(&list->cands[owner[win]], &t[win].addr, chosen);
	*fd = sock;
	ret = KMSL_OK;
out:
	free(use);
	free(t);
	free(owner);
	free(slot);
	free(res);
	free(seen);
	free(rtt);
	return ret;
}

/* The suffixes that came from the cache and whose every candidate failed for good: the cache
 * may be stale (a renumbered host). Returns how many, names in out. */
static size_t stale_suffixes(const kmsl_list_t *list, const char **out)
{
	size_t n = 0;
	for (size_t k = 0; k < list->nsuffixes; k++) {
		if (list->suffixes[k].reason != KMSL_REASON_CACHED)
			continue;
		bool any = false, all_failed = true;
		for (size_t i = 0; i < list->n; i++) {
			const kmsl_cand_t *c = &list->cands[i];
			if (strcmp(c->suffix, list->suffixes[k].name) != 0)
				continue;
			any = true;
			all_failed &= c->naddrs == 0 || c->state == KMSL_STATE_DEAD;
		}
		if (any && all_failed)
			out[n++] = list->suffixes[k].name;
	}
	return n;
}

/* Ask the suffixes again without the cache, after their cached candidates all failed. Hosts
 * whose addresses changed are not held dead for what their old addresses did. */
static kmsl_err_t rediscover(kmsl_ctx_t *ctx, kmsl_list_t *list, const char **stale, size_t nstale)
{
	kmsl_cand_t *old = calloc(list->n + 1, sizeof(*old));
	if (old == NULL)
		return KMSL_ENOMEM;
	size_t nold = list->n;
	memcpy(old, list->cands, nold * sizeof(*old));
	int64_t now = (int64_t)time(NULL);
	kmsl_state_change_t drop = {.caching = true,
	                            .dead_max = dead_retry_s(ctx),
	                            .max_cache_ttl = max_cache_ttl_s(ctx),
	                            .fresh = stale,
	                            .nfresh = nstale};
	save_state(ctx, &drop, now);
	kmsl_err_t ret = discover_into(ctx, list, false);
	for (size_t i = 0; ret == KMSL_OK && i < list->n; i++) {
		kmsl_cand_t *c = &list->cands[i];
		for (size_t k = 0; k < nold; k++) {
			if (c->port != old[k].port || !kd_dname_equal(c->target, old[k].target))
				continue;
			bool same = c->naddrs == old[k].naddrs;
			for (size_t j = 0; same && j < c->naddrs; j++)
				same = kd_addr_equal(&c->addrs[j], &old[k].addrs[j]);
			if (!same && c->state == KMSL_STATE_DEAD)
				c->state = KMSL_STATE_UNKNOWN;
		}
	}
	free(old);
	return ret;
}

static kmsl_err_t connect_until(kmsl_ctx_t *ctx, kmsl_list_t *list, uint64_t end_ms, int *fd,
                                kmsl_host_t *chosen)
{
	if (list->n == 0)
		return KMSL_ENORECORDS;
	kmsl_err_t ret = race_list(ctx, list, end_ms, fd, chosen);
	if (ret != KMSL_ENOALIVE || kd_now_ms() >= end_ms || ctx->opts.probe == KMSL_PROBE_NONE)
		return ret;
	const char *stale[KMSL_MAX_SUFFIXES];
	char names[KMSL_MAX_SUFFIXES][KMSL_NAME_MAX];
	size_t nstale = stale_suffixes(list, stale);
	if (nstale == 0)
		return ret;
	for (size_t k = 0; k < nstale; k++) { /* the list's own copies are replaced below */
		snprintf(names[k], sizeof(names[k]), "%s", stale[k]);
		stale[k] = names[k];
	}
	ret = rediscover(ctx, list, stale, nstale);
	if (ret != KMSL_OK)
		return ret;
	return list->n == 0 ? KMSL_ENOALIVE : race_list(ctx, list, end_ms, fd, chosen);
}

KMSL_API kmsl_err_t kmsl_connect_list(kmsl_ctx_t *ctx, kmsl_list_t *list, int *fd,
                                      kmsl_host_t *chosen)
{
	if (ctx == NULL || list == NULL || fd == NULL)
		return KMSL_EINVAL;
	ctx->warning[0] = '\0';
	uint64_t now = kd_now_ms();
	if (list->end_ms <= now) /* an old list: a deadline of its own */
		list->end_ms = now + ctx->opts.deadline_ms;
	return connect_until(ctx, list, list->end_ms, fd, chosen);
}

KMSL_API kmsl_err_t kmsl_connect(kmsl_ctx_t *ctx, int *fd, kmsl_host_t *chosen)
{
	if (ctx == NULL || fd == NULL)
		return KMSL_EINVAL;
	ctx->warning[0] = '\0';
	uint64_t end_ms = kd_now_ms() + ctx->opts.deadline_ms;
	kmsl_list_t *list;
	kmsl_err_t ret = candidates_until(ctx, end_ms, &list);
	if (ret != KMSL_OK)
		return ret;
	ret = connect_until(ctx, list, end_ms, fd, chosen);
	kmsl_list_free(list);
	return ret;
}

KMSL_API kmsl_err_t kmsl_report(kmsl_ctx_t *ctx, const char *target, uint16_t port,
                                kmsl_state_t state)
{
	if (ctx == NULL || target == NULL || port == 0 ||
	    (state != KMSL_STATE_ALIVE && state != KMSL_STATE_DEAD))
		return KMSL_EINVAL;
	ctx->warning[0] = '\0';
	kmsl_cand_t h;
	memset(&h, 0, sizeof(h));
	if (kd_dname_text(target, h.target, sizeof(h.target)) != 0)
		return KMSL_EINVAL;
	h.port = port;
	h.state = state;
	if (ctx->opts.state_path == NULL)
		return KMSL_OK;
	int64_t now = (int64_t)time(NULL);
	kmsl_state_change_t chg = {
	        .hosts = &h,
	        .nhosts = 1,
	        .dead_until = now + dead_retry_s(ctx),
	        .dead_max = dead_retry_s(ctx),
	        .max_cache_ttl = max_cache_ttl_s(ctx),
	        .caching = ctx->opts.host_caching,
	};
	char warn[512];
	if (kmsl_state_update(ctx->opts.state_path, &chg, now, warn, sizeof(warn)) != 0) {
		kmsl_ctx_warn(ctx, warn);
		return KMSL_ESTATE;
	}
	return KMSL_OK;
}
