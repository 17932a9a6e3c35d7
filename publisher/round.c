/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/round.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/array.h"
#include "dns/log.h"
#include "publisher/desired.h"
#include "publisher/round_int.h"
#include "publisher/state.h"

/* ---- the context ---- */

static void report_bad_line(void *arg, unsigned line, const char *reason)
{
	log_warnx("state file %s:%u: %s: line skipped", (const char *)arg, line, reason);
}

int pub_ctx_init(pub_ctx_t *ctx, pub_config_t *conf, pub_rand_fn rnd, void *rnd_ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->conf = conf;
	ctx->rnd = rnd;
	ctx->rnd_ctx = rnd_ctx;
	pub_state_info_t info;
	const char *path = conf->raw.state;
	if (pub_state_load(path, &ctx->state, report_bad_line, (void *)path, &info,
	                   &ctx->state_err) != 0) {
		/* What the file holds is the only record of what to withdraw: never lose it. */
		ctx->state_locked = true;
		log_err("%s: the file is not written over until it is fixed or moved away; what "
		        "could be read of it is used",
		        ctx->state_err.msg);
	} else if (info.bad_lines > 0) {
		log_warnx(
		        "state file %s: %ld bad line(s) skipped, the other records kept; the file "
		        "as it was is in %s.bad",
		        path, info.bad_lines, path);
		ctx->state_dirty = true; /* write the good lines back */
	}
	return 0;
}

static void forget_schedule(pub_ctx_t *ctx)
{
	pub_primaries_clear(&ctx->primaries);
	pub_sched_clear(&ctx->sched);
}

void pub_ctx_deinit(pub_ctx_t *ctx)
{
	forget_schedule(ctx);
	pub_zoneset_free(&ctx->state);
	pub_config_free(ctx->conf);
	free(ctx->quiet);
	memset(ctx, 0, sizeof(*ctx));
}

void pub_ctx_set_config(pub_ctx_t *ctx, pub_config_t *conf)
{
	pub_config_free(ctx->conf);
	ctx->conf = conf;
	forget_schedule(ctx);
}

int pub_ctx_save_state(pub_ctx_t *ctx, kd_error_t *err)
{
	if (!ctx->state_dirty || ctx->dry_run != NULL)
		return 0;
	if (ctx->state_locked)
		return kd_fail(err, KD_EIO,
		               "state file %s not written: it failed to load (%s) and must not be "
		               "overwritten; fix or move it, then restart",
		               ctx->conf->raw.state, ctx->state_err.msg);
	size_t xlen = 0;
	char *extra = ctx->state_extra != NULL ? ctx->state_extra(ctx, &xlen) : NULL;
	int rc = pub_state_save_extra(ctx->conf->raw.state, &ctx->state, extra, xlen, err);
	free(extra);
	if (rc != 0)
		return -1;
	ctx->state_dirty = false;
	return 0;
}

uint64_t pub_next_due(const pub_ctx_t *ctx)
{
	return pub_sched_next_due(&ctx->sched);
}

bool pub_round_stopped(const round_t *r)
{
	return r->ctx->stop != NULL && *r->ctx->stop;
}

/* ---- finding the zones ---- */

/* The zone of owner by discovery, on the schedule of the owner: failures are logged, counted
 * and retried later. Returns the index of the discovery entry, or -1. */
static long discover(round_t *r, const char *owner)
{
	pub_ctx_t *ctx = r->ctx;
	long f = pub_primaries_find(&ctx->primaries, owner, NULL);
	if (f >= 0) {
		pub_primaries_refresh(&ctx->primaries, ctx->conf, (size_t)f, r->now);
		return f;
	}
	char key[PUB_NAME_MAX + 1];
	kd_error_t err;
	snprintf(key, sizeof(key), "?%s", owner);
	size_t zs = pub_sched_slot(&ctx->sched, key);
	if (zs == SIZE_MAX || (r->honor && !pub_backoff_due(&ctx->sched.v[zs].backoff, r->now)))
		return -1; /* still waiting to retry; the failure was logged */
	f = pub_primaries_discover(&ctx->primaries, ctx->conf, owner, r->now, &err);
	if (f < 0) {
		uint64_t d = pub_sched_fail(&ctx->sched, zs, r->now, false, ctx->rnd, ctx->rnd_ctx);
		if (r->honor)
			log_err("failed to publish %s (%s); retry in %llu s", owner, err.msg,
			        (unsigned long long)(d + 999) / 1000);
		else
			log_err("failed to publish %s (%s)", owner, err.msg);
		r->failures++;
		return -1;
	}
	pub_sched_ok(&ctx->sched, zs, r->now, 0);
	ctx->sched.v[zs].backoff.next_ms = UINT64_MAX; /* nothing left to do under this key */
	/* New records for a zone that is scheduled later: bring its next check forward. */
	size_t z = pub_sched_slot(&ctx->sched, ctx->primaries.v[f].zone);
	if (z != SIZE_MAX && ctx->sched.v[z].backoff.failures == 0 &&
	    ctx->sched.v[z].backoff.next_ms > r->now)
		ctx->sched.v[z].backoff.next_ms = r->now;
	return f;
}

/* Move the records of unknown zone to the zone discovery finds for their owners. */
static int place_undiscovered(round_t *r)
{
	long u = pub_zoneset_find(&r->des, "");
	if (u < 0)
		return 0;
	pub_rrlist_t list = r->des.v[u].rrs;
	memset(&r->des.v[u].rrs, 0, sizeof(r->des.v[u].rrs));
	int ret = 0;
	for (size_t i = 0; i < list.n; i++) {
		ldns_rr *rr = list.v[i];
		list.v[i] = NULL;
		char owner[PUB_NAME_MAX];
		long f = -1;
		if (pub_rr_owner_str(rr, owner, sizeof(owner)) == 0)
			f = discover(r, owner);
		if (f < 0) {
			ldns_rr_free(rr);
			continue;
		}
		if (pub_zoneset_add(&r->des, r->ctx->primaries.v[f].zone, rr) != 0) {
			ret = -1;
			break;
		}
	}
	pub_rrlist_free(&list);
	return ret;
}

/* ---- planning ---- */

/* A new work for zone, not looked for first. Its index, or -1 on ENOMEM. */
static long new_work(round_t *r, const char *zone)
{
	char *name = strdup(zone);
	pub_work_t *v =
	        name != NULL ? kd_array_reserve(r->w, &r->capw, r->nw + 1, sizeof(*v)) : NULL;
	if (v == NULL) {
		free(name);
		return -1;
	}
	r->w = v;
	memset(&v[r->nw], 0, sizeof(v[0]));
	v[r->nw].zone = name;
	snprintf(v[r->nw].srv, sizeof(v[r->nw].srv), "(no server)");
	return (long)r->nw++;
}

long pub_round_work(round_t *r, const char *zone)
{
	for (size_t i = 0; i < r->nw; i++)
		if (strcmp(r->w[i].zone, zone) == 0)
			return (long)i;
	return new_work(r, zone);
}

/* A desired record and the zone it is desired in, sorted for lookups. */
typedef struct {
	const ldns_rr *rr;
	const char *zone;
} placed_t;

static int by_rr(const void *a, const void *b)
{
	return pub_rr_cmp(((const placed_t *)a)->rr, ((const placed_t *)b)->rr);
}

/* Whether rr (from the state of zone) is desired in another zone: it moved, and the other
 * zone's round takes care of it. */
static bool desired_elsewhere(const placed_t *idx, size_t n, const ldns_rr *rr, const char *zone)
{
	placed_t key = {rr, NULL};
	const placed_t *hit = n > 0 ? bsearch(&key, idx, n, sizeof(*idx), by_rr) : NULL;
	return hit != NULL && strcmp(hit->zone, zone) != 0;
}

/* Add the records of state group s to the published records of its zone's work, once each,
 * unless they are desired in another zone. work[d] is the work of desired group d (-1: none
 * yet); a zone is in one desired group and one state group at most, so no other lookup. */
static int plan_published(round_t *r, const pub_zrrs_t *s, const placed_t *idx, size_t nd,
                          long *work)
{
	long d = pub_zoneset_find(&r->des, s->zone);
	long w = d >= 0 ? work[d] : -1;
	pub_rrindex_t seen = {0}; /* the work's published records */
	bool indexed = false;
	int ret = 0;
	for (size_t i = 0; ret == 0 && i < s->rrs.n; i++) {
		const ldns_rr *rr = s->rrs.v[i];
		if (desired_elsewhere(idx, nd, rr, s->zone))
			continue;
		if (!indexed) {
			if ((w < 0 && (w = new_work(r, s->zone)) < 0) ||
			    pub_rrindex_build(&seen, &r->w[w].pub, pub_rr_by_record) != 0) {
				ret = -1;
				break;
			}
			indexed = true;
		}
		int in = pub_rrindex_insert(&seen, rr);
		if (in < 0 || (in > 0 && pub_rrlist_add(&r->w[w].pub, (ldns_rr *)rr) != 0))
			ret = -1;
	}
	pub_rrindex_deinit(&seen);
	return ret;
}

/* Each zone's records this round. Publishing: the desired ones, and the published ones
 * (withdrawn if no longer desired); withdrawing: all of them, to withdraw. */
static int plan(round_t *r)
{
	size_t nd = pub_zoneset_count(&r->des), k = 0;
	placed_t *idx = calloc(nd + 1, sizeof(*idx));
	if (idx == NULL)
		return -1;
	for (size_t z = 0; z < r->des.n; z++)
		for (size_t i = 0; i < r->des.v[z].rrs.n; i++)
			idx[k++] = (placed_t){r->des.v[z].rrs.v[i], r->des.v[z].zone};
	qsort(idx, nd, sizeof(*idx), by_rr);
	long *work = malloc((r->des.n + 1) * sizeof(*work)); /* of each desired group */
	int ret = -1;
	if (work == NULL)
		goto done;
	for (size_t z = 0; z < r->des.n; z++) {
		const pub_zrrs_t *d = &r->des.v[z];
		work[z] = -1;
		if (d->zone[0] == '\0' || d->rrs.n == 0)
			continue;
		long w = work[z] = new_work(r, d->zone); /* the groups' zones differ */
		if (w < 0)
			goto done;
		for (size_t i = 0; i < d->rrs.n; i++)
			if (pub_rrlist_add(r->mode == PUB_PUBLISH ? &r->w[w].des : &r->w[w].pub,
			                   d->rrs.v[i]) != 0)
				goto done;
	}
	for (size_t z = 0; z < r->ctx->state.n; z++)
		if (plan_published(r, &r->ctx->state.v[z], idx, nd, work) != 0)
			goto done;
	ret = 0;
done:
	free(work);
	free(idx);
	return ret;
}

/* Leave out zones that are not due (daemon) and zones with nothing of ours; find where the
 * others' updates go. */
static int targets(round_t *r)
{
	pub_ctx_t *ctx = r->ctx;
	for (size_t i = 0; i < r->nw; i++) {
		pub_work_t *w = &r->w[i];
		size_t zs = pub_sched_slot(&ctx->sched, w->zone);
		if (zs == SIZE_MAX)
			return -1;
		if ((r->honor && !pub_backoff_due(&ctx->sched.v[zs].backoff, r->now)) ||
		    (w->des.n == 0 && w->pub.n == 0)) {
			w->skip = true;
			continue;
		}
		kd_error_t err;
		if (pub_target(&ctx->primaries, ctx->conf, w->zone, r->now, &w->target, &err) !=
		    0) {
			pub_work_fail(w, false, &err);
			continue;
		}
		w->has_target = true;
		kd_addr_str(&w->target.servers[0], w->srv, sizeof(w->srv));
		long g = pub_round_group(r, &w->target);
		if (g < 0)
			return -1;
		w->group = (size_t)g;
	}
	return 0;
}

long pub_round_group(round_t *r, const pub_target_t *t)
{
	for (size_t i = 0; i < r->ng; i++) {
		const pub_group_t *g = &r->g[i];
		bool same = g->count == t->count;
		for (size_t k = 0; same && k < t->count; k++)
			same = kd_addr_equal(&g->servers[k], &t->servers[k]);
		if (same)
			return (long)i;
	}
	pub_group_t *v = kd_array_reserve(r->g, &r->capg, r->ng + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	r->g = v;
	memset(&v[r->ng], 0, sizeof(v[0]));
	v[r->ng].servers = t->servers;
	v[r->ng].count = t->count;
	return (long)r->ng++;
}

/* ---- the outcome ---- */

/* The state of w's zone after the round: the desired records when all went well, plus the
 * records of ours that are not desired and not confirmed gone by a trusted read. */
static int keep_state(round_t *r, pub_work_t *w)
{
	pub_ctx_t *ctx = r->ctx;
	long z = pub_zoneset_find(&ctx->state, w->zone);
	pub_rrlist_t next = {0};
	pub_rrindex_t des = {0}, actual = {0}, pub = {0};
	bool failed = w->failed || w->skip;
	int ret = -1;
	if (!failed && z >= 0 && pub_rrlist_same(&ctx->state.v[z].rrs, &w->des))
		return 0; /* what the state lists is what is desired: next would be the same */
	if (pub_rrindex_build(&des, &w->des, pub_rr_by_record) != 0 ||
	    pub_rrindex_build(&actual, &w->actual, pub_rr_by_record) != 0 ||
	    pub_rrindex_build(&pub, &w->pub, pub_rr_by_record) != 0)
		goto done;
	/* next borrows the records: pub_zoneset_set copies them if anything changed. */
	if (!failed)
		for (size_t i = 0; i < w->des.n; i++)
			if (pub_rrlist_add(&next, w->des.v[i]) != 0)
				goto done;
	for (size_t i = 0; z >= 0 && i < ctx->state.v[z].rrs.n; i++) {
		const ldns_rr *s = ctx->state.v[z].rrs.v[i];
		bool desired = pub_rrindex_find(&des, s) != NULL;
		if (!failed && desired)
			continue; /* replaced by the desired copy (its TTL as published now) */
		if (w->trusted && !desired && pub_rrindex_find(&actual, s) == NULL &&
		    pub_rrindex_find(&pub, s) != NULL)
			continue; /* confirmed gone */
		if (pub_rrlist_add(&next, (ldns_rr *)s) != 0)
			goto done;
	}
	if (pub_zoneset_set(&ctx->state, w->zone, &next, &ctx->state_dirty) != 0)
		goto done;
	ret = 0;
done:
	pub_rrindex_deinit(&des);
	pub_rrindex_deinit(&actual);
	pub_rrindex_deinit(&pub);
	pub_rrlist_deinit(&next);
	return ret;
}

static void outcome(round_t *r, pub_work_t *w)
{
	pub_ctx_t *ctx = r->ctx;
	size_t zs = pub_sched_slot(&ctx->sched, w->zone);
	if (w->skip || zs == SIZE_MAX)
		return;
	ctx->sched.v[zs].tried = true;
	if (!w->failed) {
		pub_sched_ok(&ctx->sched, zs, r->now, ctx->conf->raw.interval_ms);
		ctx->sched.v[zs].last_ok_unix = (int64_t)time(NULL);
		ctx->sched.v[zs].last_err[0] = '\0';
		if (ctx->metrics != NULL)
			pub_metrics_zone_ok(ctx->metrics, w->zone, (int64_t)time(NULL));
		if (w->applied > 0)
			log_info("zone %s: %zu change(s) applied at %s", w->zone, w->applied,
			         w->srv);
		else
			log_debug("zone %s: up to date at %s", w->zone, w->srv);
		return;
	}
	uint64_t d = pub_sched_fail(&ctx->sched, zs, r->now, w->permanent, ctx->rnd, ctx->rnd_ctx);
	snprintf(ctx->sched.v[zs].last_err, sizeof(ctx->sched.v[zs].last_err), "at %s: %s", w->srv,
	         w->err.msg);
	r->failures++;
	if (r->honor)
		log_err("failed to update zone %s at %s (%s); retry in %llu s", w->zone, w->srv,
		        w->err.msg, (unsigned long long)(d + 999) / 1000);
	else
		log_err("failed to update zone %s at %s (%s)", w->zone, w->srv, w->err.msg);
}

static void finish(round_t *r)
{
	kd_error_t err;
	for (size_t i = 0; i < r->nw; i++) {
		pub_work_t *w = &r->w[i];
		if (r->ctx->dry_run == NULL && !w->skip && keep_state(r, w) != 0)
			pub_work_fail(w, false,
			              &(kd_error_t){.msg = "out of memory", .code = KD_ENOMEM});
	}
	if (pub_ctx_save_state(r->ctx, &err) != 0) {
		log_err("%s", err.msg);
		r->failures++;
	}
	for (size_t i = 0; i < r->nw; i++)
		outcome(r, &r->w[i]);
}

unsigned pub_round(pub_ctx_t *ctx, pub_mode_t mode, bool honor, uint64_t now)
{
	round_t r = {.ctx = ctx, .mode = mode, .honor = honor, .now = now};
	bool stopped = false;
	if (pub_desired_build(ctx->conf, mode == PUB_PUBLISH ? ctx->fleet : NULL, &r.des) != 0 ||
	    place_undiscovered(&r) != 0 || plan(&r) != 0 || targets(&r) != 0 ||
	    pub_round_read(&r, false) != 0 || pub_round_write(&r) != 0 ||
	    pub_round_confirm(&r) != 0) {
		log_err("failed to run a publishing round (out of memory)");
		r.failures++;
	}
	stopped = pub_round_stopped(&r);
	if (stopped) /* the zones not done are done next time */
		for (size_t i = 0; i < r.nw; i++)
			r.w[i].skip = r.w[i].skip || !r.w[i].done;
	finish(&r);
	for (size_t i = 0; i < r.nw; i++)
		pub_work_deinit(&r.w[i]);
	free(r.w);
	for (size_t i = 0; i < r.ng; i++)
		pub_group_close(&r.g[i]);
	free(r.g);
	pub_units_free(&r.units);
	pub_zoneset_free(&r.des);
	return r.failures;
}
