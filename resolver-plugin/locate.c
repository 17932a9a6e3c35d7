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
#include "resolver-plugin/discover.h"
#include "resolver-plugin/list.h"
#include "resolver-plugin/order.h"
#include "resolver-plugin/state.h"

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

KMSL_API kmsl_err_t kmsl_candidates(kmsl_ctx_t *ctx, kmsl_list_t **out)
{
	if (ctx == NULL || out == NULL)
		return KMSL_EINVAL;
	ctx->warning[0] = '\0';
	uint64_t end_ms = kd_now_ms() + ctx->opts.deadline_ms;
	int64_t now = (int64_t)time(NULL);
	kmsl_statefile_t st;
	kmsl_state_init(&st);
	load_state(ctx, &st);
	kmsl_list_t *list = kmsl_list_new();
	kmsl_err_t ret = list == NULL ? KMSL_ENOMEM : kmsl_discover(ctx, &st, now, end_ms, list);
	if (ret == KMSL_OK && kmsl_cand_order(list->cands, list->n, &ctx->rng) != 0)
		ret = KMSL_ENOMEM;
	if (ret == KMSL_OK) {
		kmsl_state_mark(&st, list->cands, list->n, now, ctx->opts.host_caching);
		ret = cache_fresh(ctx, list, now);
	}
	kmsl_state_deinit(&st);
	if (ret != KMSL_OK) {
		kmsl_list_free(list);
		return ret;
	}
	*out = list;
	return KMSL_OK;
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

/* Race targets: every address of every chosen candidate. Groups follow the priority groups;
 * a sticky host at the front shares group 0, so it gets an attempt-delay head start without
 * costing a whole timeout when it has gone away. */
static size_t build_targets(const kmsl_list_t *list, const bool *use, kd_race_target_t *t,
                            size_t *owner)
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
		for (size_t j = 0; j < c->naddrs; j++, nt++) {
			t[nt].addr = c->addrs[j];
			t[nt].group = group;
			owner[nt] = i;
		}
	}
	return nt;
}

/* A candidate is dead when every one of its tried addresses failed, alive when one answered. */
static void judge(kmsl_list_t *list, const kd_probe_result_t *res, const size_t *owner, size_t nt)
{
	for (size_t i = 0; i < list->n; i++) {
		bool tried = false, open = false, alive = false;
		for (size_t k = 0; k < nt; k++) {
			if (owner[k] != i)
				continue;
			tried = true;
			alive |= res[k] == KD_PROBE_ALIVE;
			open |= res[k] == KD_PROBE_UNTRIED || res[k] == KD_PROBE_CANCELLED;
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
	        .dead_until = now + (int64_t)((ctx->opts.dead_retry_ms + 999) / 1000),
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

/* The race gets what is left of the whole-call deadline (end_ms, monotonic). */
static kmsl_err_t connect_until(kmsl_ctx_t *ctx, kmsl_list_t *list, uint64_t end_ms, int *fd,
                                kmsl_host_t *chosen)
{
	if (list->n == 0)
		return KMSL_ENORECORDS;
	size_t maxt = list->n * KMSL_MAX_ADDRS;
	bool *use = calloc(list->n, sizeof(*use));
	kd_race_target_t *t = calloc(maxt, sizeof(*t));
	size_t *owner = calloc(maxt, sizeof(*owner));
	kd_probe_result_t *res = calloc(maxt, sizeof(*res));
	kmsl_err_t ret = KMSL_ENOMEM;
	if (use == NULL || t == NULL || owner == NULL || res == NULL)
		goto out;
	ret = KMSL_ENOALIVE;
	kmsl_state_select(list->cands, list->n, use);
	size_t nt = build_targets(list, use, t, owner);
	if (nt == 0)
		goto out;
	kd_race_opts_t ro = {
	        .kind = probe_kind(ctx->opts.probe),
	        .attempt_delay_ms = ctx->opts.attempt_delay_ms,
	        .timeout_ms = ctx->opts.timeout_ms,
	        .deadline_ms = end_ms > kd_now_ms() ? end_ms - kd_now_ms() : 1,
	};
	int sock = -1;
	long win = kd_race(t, nt, &ro, res, &sock);
	if (ro.kind != KD_PROBE_NONE) {
		judge(list, res, owner, nt);
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
	free(res);
	return ret;
}

KMSL_API kmsl_err_t kmsl_connect_list(kmsl_ctx_t *ctx, kmsl_list_t *list, int *fd,
                                      kmsl_host_t *chosen)
{
	if (ctx == NULL || list == NULL || fd == NULL)
		return KMSL_EINVAL;
	return connect_until(ctx, list, kd_now_ms() + ctx->opts.deadline_ms, fd, chosen);
}

KMSL_API kmsl_err_t kmsl_connect(kmsl_ctx_t *ctx, int *fd, kmsl_host_t *chosen)
{
	if (ctx == NULL || fd == NULL)
		return KMSL_EINVAL;
	uint64_t end_ms = kd_now_ms() + ctx->opts.deadline_ms;
	kmsl_list_t *list;
	kmsl_err_t ret = kmsl_candidates(ctx, &list);
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
	        .dead_until = now + (int64_t)((ctx->opts.dead_retry_ms + 999) / 1000),
	        .caching = ctx->opts.host_caching,
	};
	char warn[512];
	if (kmsl_state_update(ctx->opts.state_path, &chg, now, warn, sizeof(warn)) != 0) {
		kmsl_ctx_warn(ctx, warn);
		return KMSL_ESTATE;
	}
	return KMSL_OK;
}
