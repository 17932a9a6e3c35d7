/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/round.h"

#include <stdlib.h>
#include <string.h>

#include "dns/array.h"
#include "dns/log.h"
#include "publisher/desired.h"
#include "publisher/state.h"
#include "publisher/zone.h"

int pub_ctx_init(pub_ctx_t *ctx, pub_config_t *conf, pub_rand_fn rnd, void *rnd_ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->conf = conf;
	ctx->rnd = rnd;
	ctx->rnd_ctx = rnd_ctx;
	kd_error_t err;
	if (pub_state_load(conf->raw.state, &ctx->state, &err) != 0)
		log_warnx("%s: starting from an empty state, records of hosts removed earlier "
		          "will not be withdrawn",
		          err.msg);
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
	if (!ctx->state_dirty)
		return 0;
	if (pub_state_save(ctx->conf->raw.state, &ctx->state, err) != 0)
		return -1;
	ctx->state_dirty = false;
	return 0;
}

uint64_t pub_next_due(const pub_ctx_t *ctx)
{
	return pub_sched_next_due(&ctx->sched);
}

/* The zone of owner by discovery, on the schedule of the owner: failures are logged, counted
 * and retried later. Returns the index of the discovery entry, or -1. */
static long discover(pub_ctx_t *ctx, const char *owner, bool honor, uint64_t now,
                     unsigned *failures)
{
	long f = pub_primaries_find(&ctx->primaries, owner, NULL);
	if (f >= 0)
		return f;
	char key[PUB_NAME_MAX + 1];
	kd_error_t err;
	snprintf(key, sizeof(key), "?%s", owner);
	size_t zs = pub_sched_slot(&ctx->sched, key);
	if (zs == SIZE_MAX || (honor && !pub_backoff_due(&ctx->sched.v[zs].backoff, now)))
		return -1; /* still waiting to retry; the failure was logged */
	f = pub_primaries_discover(&ctx->primaries, ctx->conf, owner, &err);
	if (f < 0) {
		uint64_t d = pub_sched_fail(&ctx->sched, zs, now, false, ctx->rnd, ctx->rnd_ctx);
		if (honor)
			log_err("failed to publish %s (%s); retry in %llu s", owner, err.msg,
			        (unsigned long long)(d + 999) / 1000);
		else
			log_err("failed to publish %s (%s)", owner, err.msg);
		(*failures)++;
		return -1;
	}
	pub_sched_ok(&ctx->sched, zs, now, 0);
	ctx->sched.v[zs].backoff.next_ms = UINT64_MAX; /* nothing left to do under this key */
	/* New records for a zone that is scheduled later: bring its next check forward. */
	size_t z = pub_sched_slot(&ctx->sched, ctx->primaries.v[f].zone);
	if (z != SIZE_MAX && ctx->sched.v[z].backoff.failures == 0 &&
	    ctx->sched.v[z].backoff.next_ms > now)
		ctx->sched.v[z].backoff.next_ms = now;
	return f;
}

typedef struct {
	pub_work_t *v;
	size_t n, cap;
} worklist_t;

static long work_for(worklist_t *w, const char *zone)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->v[i].zone, zone) == 0)
			return (long)i;
	pub_work_t *v = kd_array_reserve(w->v, &w->cap, w->n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	w->v = v;
	memset(&v[w->n], 0, sizeof(v[0]));
	v[w->n].zone = zone;
	return (long)w->n++;
}

static void worklist_deinit(worklist_t *w)
{
	for (size_t i = 0; i < w->n; i++) {
		pub_rrlist_deinit(&w->v[i].des);
		pub_rrlist_deinit(&w->v[i].wd);
	}
	free(w->v);
}

static bool has_addr(const pub_rrlist_t *list)
{
	for (size_t i = 0; i < list->n; i++)
		if (pub_rr_is_addr(list->v[i]))
			return true;
	return false;
}

static bool desired_anywhere(const pub_zoneset_t *des, const ldns_rr *rr)
{
	for (size_t i = 0; i < des->n; i++)
		if (pub_rrlist_find(&des->v[i].rrs, rr) >= 0)
			return true;
	return false;
}

/* Move the records of unknown zone to the zone discovery finds for their owners. */
static int place_undiscovered(pub_ctx_t *ctx, pub_zoneset_t *des, bool honor, uint64_t now,
                              unsigned *failures)
{
	long u = pub_zoneset_find(des, "");
	if (u < 0)
		return 0;
	pub_rrlist_t list = des->v[u].rrs;
	memset(&des->v[u].rrs, 0, sizeof(des->v[u].rrs));
	int ret = 0;
	for (size_t i = 0; i < list.n; i++) {
		ldns_rr *rr = list.v[i];
		list.v[i] = NULL;
		char owner[PUB_NAME_MAX];
		long f = -1;
		if (pub_rr_owner_str(rr, owner, sizeof(owner)) == 0)
			f = discover(ctx, owner, honor, now, failures);
		if (f < 0) {
			ldns_rr_free(rr);
			continue;
		}
		if (pub_zoneset_add(des, ctx->primaries.v[f].zone, rr) != 0) {
			ret = -1;
			break;
		}
	}
	pub_rrlist_free(&list);
	return ret;
}

/* What each zone gets this round. Publishing: the desired records, and the published ones no
 * longer desired to withdraw; withdrawing: all of them to withdraw. Zones holding addresses
 * come first when publishing (addresses exist before SRV records point at them), last when
 * withdrawing (SRV records go first). */
static int copy_list(const pub_rrlist_t *from, pub_rrlist_t *to)
{
	for (size_t i = 0; i < from->n; i++)
		if (pub_rrlist_add(to, from->v[i]) != 0)
			return -1;
	return 0;
}

static int plan(const pub_ctx_t *ctx, const pub_zoneset_t *des, pub_mode_t mode, worklist_t *w)
{
	for (size_t z = 0; z < des->n; z++) {
		if (des->v[z].zone[0] == '\0' || des->v[z].rrs.n == 0)
			continue;
		long k = work_for(w, des->v[z].zone);
		if (k < 0 || copy_list(&des->v[z].rrs,
		                       mode == PUB_PUBLISH ? &w->v[k].des : &w->v[k].wd) != 0)
			return -1;
	}
	for (size_t z = 0; z < ctx->state.n; z++) {
		const pub_zrrs_t *s = &ctx->state.v[z];
		for (size_t i = 0; i < s->rrs.n; i++) {
			if (mode == PUB_PUBLISH && desired_anywhere(des, s->rrs.v[i]))
				continue;
			long k = work_for(w, s->zone);
			if (k < 0 || (pub_rrlist_find(&w->v[k].wd, s->rrs.v[i]) < 0 &&
			              pub_rrlist_add(&w->v[k].wd, s->rrs.v[i]) != 0))
				return -1;
		}
	}
	if (w->n == 0)
		return 0;
	/* Stable partition: address zones first when publishing, last when withdrawing. */
	pub_work_t *sorted = calloc(w->n + 1, sizeof(*sorted));
	if (sorted == NULL)
		return -1;
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < w->n; i++) {
			bool addr = has_addr(&w->v[i].des) || has_addr(&w->v[i].wd);
			if ((pass == 0) == (addr == (mode == PUB_PUBLISH)))
				sorted[n++] = w->v[i];
		}
	memcpy(w->v, sorted, w->n * sizeof(*sorted));
	free(sorted);
	return 0;
}

static void run_zone(pub_ctx_t *ctx, const pub_work_t *work, pub_mode_t mode, bool honor,
                     uint64_t now, unsigned *failures)
{
	const char *zone = work->zone;
	size_t zs = pub_sched_slot(&ctx->sched, zone);
	if (zs == SIZE_MAX || (honor && !pub_backoff_due(&ctx->sched.v[zs].backoff, now))) {
		*failures += zs == SIZE_MAX;
		return;
	}
	char srv[KD_ADDR_STRLEN] = "(no server)";
	kd_error_t err = {.msg = "out of memory", .code = KD_ENOMEM};
	bool permanent = false;
	if (pub_zone_process(ctx, work, mode, &permanent, srv, &err) == 0) {
		pub_sched_ok(&ctx->sched, zs, now, ctx->conf->raw.interval_ms);
		return;
	}
	uint64_t d = pub_sched_fail(&ctx->sched, zs, now, permanent, ctx->rnd, ctx->rnd_ctx);
	(*failures)++;
	if (honor)
		log_err("failed to update zone %s at %s (%s); retry in %llu s", zone, srv, err.msg,
		        (unsigned long long)(d + 999) / 1000);
	else
		log_err("failed to update zone %s at %s (%s)", zone, srv, err.msg);
}

unsigned pub_round(pub_ctx_t *ctx, pub_mode_t mode, bool honor, uint64_t now)
{
	pub_zoneset_t des = {0};
	worklist_t work = {0};
	unsigned failures = 0;
	if (pub_desired_build(ctx->conf, &des) != 0 ||
	    place_undiscovered(ctx, &des, honor, now, &failures) != 0 ||
	    plan(ctx, &des, mode, &work) != 0) {
		log_err("failed to run a publishing round (out of memory)");
		failures++;
	} else {
		for (size_t i = 0; i < work.n; i++)
			run_zone(ctx, &work.v[i], mode, honor, now, &failures);
	}
	worklist_deinit(&work);
	pub_zoneset_free(&des);
	return failures;
}
