/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/round.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dns/array.h"
#include "dns/log.h"
#include "dns/clock.h"
#include "dns/query.h"
#include "dns/transport.h"
#include "publisher/actual.h"
#include "publisher/desired.h"
#include "publisher/diff.h"
#include "publisher/dryrun.h"
#include "publisher/state.h"
#include "publisher/update.h"

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
	free(ctx->found);
	ctx->found = NULL;
	ctx->found_count = ctx->found_cap = 0;
	free(ctx->zs);
	ctx->zs = NULL;
	ctx->zs_count = ctx->zs_cap = 0;
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

static pub_zstat_t *zstat(pub_ctx_t *ctx, const char *key)
{
	for (size_t i = 0; i < ctx->zs_count; i++)
		if (strcasecmp(ctx->zs[i].key, key) == 0)
			return &ctx->zs[i];
	pub_zstat_t *v = kd_array_reserve(ctx->zs, &ctx->zs_cap, ctx->zs_count + 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	ctx->zs = v;
	pub_zstat_t *z = &v[ctx->zs_count++];
	memset(z, 0, sizeof(*z));
	snprintf(z->key, sizeof(z->key), "%s", key);
	return z;
}

uint64_t pub_next_due(const pub_ctx_t *ctx)
{
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < ctx->zs_count; i++)
		if (ctx->zs[i].backoff.next_ms < next)
			next = ctx->zs[i].backoff.next_ms;
	return next;
}

static kd_query_opts_t resolver_opts(const pub_ctx_t *ctx)
{
	kd_query_opts_t o = {
	        .servers = ctx->conf->resolver,
	        .count = ctx->conf->resolver_count,
	        .timeout_ms = ctx->conf->raw.timeout_ms,
	        .tcp = false,
	        .recurse = true,
	};
	return o;
}

static const pub_found_t *found_by(const pub_ctx_t *ctx, const char *owner, const char *zone)
{
	for (size_t i = 0; i < ctx->found_count; i++) {
		const pub_found_t *f = &ctx->found[i];
		if ((owner != NULL && strcmp(f->owner, owner) == 0) ||
		    (zone != NULL && strcmp(f->zone, zone) == 0))
			return f;
	}
	return NULL;
}

/* The zone of owner by SOA discovery, cached. NULL with the reason in err on failure. */
static const pub_found_t *lookup(pub_ctx_t *ctx, const char *owner, uint64_t now, kd_error_t *err)
{
	const pub_found_t *f = found_by(ctx, owner, NULL);
	if (f != NULL)
		return f;
	pub_found_t nf;
	memset(&nf, 0, sizeof(nf));
	snprintf(nf.owner, sizeof(nf.owner), "%s", owner);
	kd_query_opts_t o = resolver_opts(ctx);
	if (pub_zone_discover(&o, owner, (uint16_t)ctx->conf->raw.primary_port, nf.zone, nf.servers,
	                      PUB_MAX_PRIMARIES, &nf.servers_count, err) != 0)
		return NULL;
	pub_found_t *v =
	        kd_array_reserve(ctx->found, &ctx->found_cap, ctx->found_count + 1, sizeof(*v));
	if (v == NULL) {
		kd_fail(err, KD_ENOMEM, "failed to find the zone of %s (out of memory)", owner);
		return NULL;
	}
	ctx->found = v;
	v[ctx->found_count] = nf;
	/* New records for a zone that is scheduled later: bring its next check forward. */
	pub_zstat_t *z = zstat(ctx, nf.zone);
	if (z != NULL && z->backoff.failures == 0 && z->backoff.next_ms > now)
		z->backoff.next_ms = now;
	log_debug("zone of %s is %s (%zu primary address(es) from the SOA MNAME)", owner, nf.zone,
	          nf.servers_count);
	return &v[ctx->found_count++];
}

/* lookup() on the schedule of the owner: failures are logged, counted and retried later. */
static const pub_found_t *discover(pub_ctx_t *ctx, const char *owner, bool honor, uint64_t now,
                                   unsigned *failures)
{
	const pub_found_t *f = found_by(ctx, owner, NULL);
	if (f != NULL)
		return f;
	char key[PUB_NAME_MAX + 1];
	kd_error_t err;
	snprintf(key, sizeof(key), "?%s", owner);
	pub_zstat_t *zs = zstat(ctx, key);
	if (zs == NULL || (honor && !pub_backoff_due(&zs->backoff, now)))
		return NULL; /* still waiting to retry; the failure was logged */
	f = lookup(ctx, owner, now, &err);
	zs = zstat(ctx, key); /* lookup may have moved the table */
	if (f == NULL) {
		uint64_t d = pub_backoff_fail(&zs->backoff, now, false, ctx->rnd, ctx->rnd_ctx);
		if (honor)
			log_err("failed to publish %s (%s); retry in %llu s", owner, err.msg,
			        (unsigned long long)(d + 999) / 1000);
		else
			log_err("failed to publish %s (%s)", owner, err.msg);
		zs->ok = false;
		(*failures)++;
		return NULL;
	}
	zs->ok = true;
	pub_backoff_reset(&zs->backoff);
	zs->backoff.next_ms = UINT64_MAX; /* nothing left to do under this key */
	return f;
}

/* Where updates for zone go and with which key. */
typedef struct {
	const kd_addr_t *servers;
	size_t count;
	const kd_tsig_key_t *key;
} target_t;

/* What checking an UPDATE's reply needs. */
typedef struct {
	const pub_msg_t *msg;
	const kd_tsig_key_t *key;
} send_ctx_t;

static int zone_target(pub_ctx_t *ctx, const char *zone, uint64_t now, target_t *t, kd_error_t *err)
{
	const pub_zone_t *zc = NULL;
	for (size_t i = 0; i < ctx->conf->zones_count; i++)
		if (strcmp(ctx->conf->zones[i].name, zone) == 0)
			zc = &ctx->conf->zones[i];
	size_t key = zc != NULL ? zc->key : pub_config_default_key(ctx->conf);
	if (key == SIZE_MAX) {
		return kd_fail(err, KD_EINVAL,
		               "no key for zone %s: it is not in 'zones' and several keys "
		               "are defined",
		               zone);
	}
	t->key = &ctx->conf->keys[key];
	if (zc != NULL && zc->servers_count > 0) {
		t->servers = zc->servers;
		t->count = zc->servers_count;
		return 0;
	}
	const pub_found_t *f = found_by(ctx, NULL, zone);
	if (f == NULL && (f = lookup(ctx, zone, now, err)) == NULL)
		return -1;
	if (strcmp(f->zone, zone) != 0) {
		return kd_fail(err, KD_ENOENT, "%s is no longer a zone (now in %s)", zone, f->zone);
	}
	t->servers = f->servers;
	t->count = f->servers_count;
	return 0;
}

/* Whether list holds exactly the records of set (TTLs included). */
static bool same_records(const pub_rrlist_t *list, const pub_rrlist_t *set)
{
	if (list->n != set->n)
		return false;
	for (size_t i = 0; i < set->n; i++) {
		long k = pub_rrlist_find(list, set->v[i]);
		if (k < 0 || ldns_rr_ttl(list->v[k]) != ldns_rr_ttl(set->v[i]))
			return false;
	}
	return true;
}

/* The state of zone := copies of records. */
static int state_set_zone(pub_ctx_t *ctx, const char *zone, const pub_rrlist_t *records)
{
	long z = pub_zoneset_find(&ctx->state, zone);
	if (z < 0 && records->n == 0)
		return 0;
	if (z >= 0 && same_records(&ctx->state.v[z].rrs, records))
		return 0;
	pub_rrlist_t next = {0};
	for (size_t i = 0; i < records->n; i++) {
		ldns_rr *c = pub_rr_clone(records->v[i]);
		if (c == NULL || pub_rrlist_add(&next, c) != 0) {
			ldns_rr_free(c);
			pub_rrlist_free(&next);
			return -1;
		}
	}
	if ((z = pub_zoneset_zone(&ctx->state, zone)) < 0) {
		pub_rrlist_free(&next);
		return -1;
	}
	pub_rrlist_free(&ctx->state.v[z].rrs);
	ctx->state.v[z].rrs = next;
	ctx->state_dirty = true;
	return 0;
}

/* Add a copy of rr to the state of zone unless it is there. */
static int state_add(pub_ctx_t *ctx, const char *zone, const ldns_rr *rr)
{
	long z = pub_zoneset_find(&ctx->state, zone);
	if (z >= 0 && pub_rrlist_find(&ctx->state.v[z].rrs, rr) >= 0)
		return 0;
	ldns_rr *c = pub_rr_clone(rr);
	if (c == NULL || pub_zoneset_add(&ctx->state, zone, c) != 0)
		return -1;
	ctx->state_dirty = true;
	return 0;
}

static int save_state(pub_ctx_t *ctx, kd_error_t *err)
{
	if (!ctx->state_dirty)
		return 0;
	if (pub_state_save(ctx->conf->raw.state, &ctx->state, err) != 0)
		return -1;
	ctx->state_dirty = false;
	return 0;
}

static int copy_list(const pub_rrlist_t *from, pub_rrlist_t *to)
{
	for (size_t i = 0; i < from->n; i++)
		if (pub_rrlist_add(to, from->v[i]) != 0)
			return -1;
	return 0;
}

/* The transport's check: a reply that does not answer this request (ID, opcode, zone) or
 * cannot be parsed is not the answer. */
static kd_reply_t check_update_reply(const uint8_t *resp, size_t len, void *arg)
{
	const send_ctx_t *sc = arg;
	pub_verdict_t v;
	pub_result_t r = pub_msg_check(sc->msg, sc->key, resp, len, &v);
	return r == PUB_RES_MISMATCH || r == PUB_RES_MALFORMED ? KD_REPLY_IGNORE : KD_REPLY_FINAL;
}

/* Send msg to the servers in turn, starting with first; the first answer decides. */
static int send_update(pub_ctx_t *ctx, const target_t *t, size_t first, const pub_msg_t *msg,
                       pub_verdict_t *v, char *srv, kd_error_t *err)
{
	send_ctx_t sc = {.msg = msg, .key = t->key};
	kd_err_t last = KD_ENET;
	for (size_t k = 0; k < t->count; k++) {
		const kd_addr_t *s = &t->servers[(first + k) % t->count];
		uint8_t *resp = NULL;
		size_t len = 0;
		kd_addr_str(s, srv, KD_ADDR_STRLEN);
		last = kd_exchange(s, ctx->conf->raw.transport == PUB_TRANSPORT_TCP, msg->wire,
		                   msg->len, kd_now_ms() + ctx->conf->raw.timeout_ms,
		                   check_update_reply, &sc, &resp, &len, NULL);
		if (last != KD_OK) {
			log_debug("no answer from %s for zone %s (%s)", srv, msg->zone,
			          kd_strerror(last));
			continue;
		}
		pub_result_t r = pub_msg_check(msg, t->key, resp, len, v);
		free(resp);
		if (r == PUB_RES_OK)
			return 0;
		char why[KD_ERRMSG_MAX];
		pub_verdict_str(v, why, sizeof(why));
		return kd_fail(err, KD_ERCODE, "%s", why);
	}
	if (t->count > 1)
		snprintf(srv, KD_ADDR_STRLEN, "any of %zu primaries", t->count);
	v->result = PUB_RES_MALFORMED; /* transient */
	return kd_fail(err, last, "no answer: %s", kd_strerror(last));
}

static size_t index_of(const target_t *t, const kd_addr_t *a)
{
	for (size_t i = 0; i < t->count; i++)
		if (kd_addr_equal(&t->servers[i], a))
			return i;
	return 0;
}

/* Bring one zone in line. Returns 0, or -1 with the failure in err (*permanent set when
 * retrying soon cannot help). srv receives the server named in the message. */
static int process_zone(pub_ctx_t *ctx, const char *zone, const pub_rrlist_t *des,
                        const pub_rrlist_t *wd, pub_mode_t mode, uint64_t now, bool *permanent,
                        char *srv, kd_error_t *err)
{
	target_t t = {0};
	pub_rrlist_t wanted = {0}, actual = {0};
	pub_oplist_t ops = {0};
	pub_msg_t msg = {0};
	kd_addr_t from;
	int ret = -1;
	snprintf(srv, KD_ADDR_STRLEN, "(no server)");
	if (zone_target(ctx, zone, now, &t, err) != 0) {
		*permanent = false;
		return -1;
	}
	kd_addr_str(&t.servers[0], srv, KD_ADDR_STRLEN);
	from = t.servers[0];
	kd_query_opts_t o = {
	        .servers = t.servers,
	        .count = t.count,
	        .timeout_ms = ctx->conf->raw.timeout_ms,
	        .tcp = true,
	        .recurse = false,
	};
	if (copy_list(des, &wanted) != 0 || copy_list(wd, &wanted) != 0) {
		kd_fail(err, KD_ENOMEM, "out of memory");
		goto done;
	}
	if (pub_actual_read(&o, zone, &wanted, &actual, &from, err) != 0)
		goto done;
	if (!kd_addr_equal(&from, &t.servers[0])) {
		/* kd_query moved on silently: an administrator wants to know a primary is down. */
		char first[KD_ADDR_STRLEN];
		kd_addr_str(&t.servers[0], first, sizeof(first));
		kd_addr_str(&from, srv, KD_ADDR_STRLEN);
		log_warnx("zone %s: primary %s did not answer, using %s", zone, first, srv);
	}
	kd_addr_str(&from, srv, KD_ADDR_STRLEN);
	if (pub_diff(des, &actual, wd, &ops) != 0) {
		kd_fail(err, KD_ENOMEM, "out of memory");
		goto done;
	}
	if (ops.n == 0) {
		log_debug("zone %s: up to date at %s", zone, srv);
	} else if (ctx->dry_run != NULL) {
		pub_dryrun_print(ctx->dry_run, zone, &from, t.key, &ops);
		ret = 0;
		goto done;
	} else {
		/* Write ahead: a crash after sending must not leave records nobody tracks. */
		for (size_t i = 0; i < ops.n; i++) {
			if (ops.v[i].kind == PUB_OP_ADD && state_add(ctx, zone, ops.v[i].rr) != 0) {
				kd_fail(err, KD_ENOMEM, "out of memory");
				goto done;
			}
		}
		if (save_state(ctx, err) != 0 ||
		    pub_msg_build(zone, &ops, t.key, (uint16_t)ctx->rnd(ctx->rnd_ctx), &msg, err) !=
		            0)
			goto done;
		pub_verdict_t v = {0};
		if (send_update(ctx, &t, index_of(&t, &from), &msg, &v, srv, err) != 0) {
			*permanent = pub_result_permanent(v.result);
			goto done;
		}
		log_info("zone %s: %zu change(s) applied at %s", zone, ops.n, srv);
	}
	pub_rrlist_t empty = {0};
	if (ctx->dry_run == NULL &&
	    (state_set_zone(ctx, zone, mode == PUB_PUBLISH ? des : &empty) != 0 ||
	     save_state(ctx, err) != 0))
		goto done;
	ret = 0;
done:
	*permanent = ret != 0 && *permanent;
	pub_msg_deinit(&msg);
	pub_oplist_deinit(&ops);
	pub_rrlist_deinit(&wanted);
	pub_rrlist_free(&actual);
	return ret;
}

/* The records of one zone this round: desired ones and ones to withdraw (both borrowed). */
typedef struct {
	const char *zone;
	pub_rrlist_t des, wd;
} work_t;

typedef struct {
	work_t *v;
	size_t n, cap;
} worklist_t;

static long work_for(worklist_t *w, const char *zone)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->v[i].zone, zone) == 0)
			return (long)i;
	work_t *v = kd_array_reserve(w->v, &w->cap, w->n + 1, sizeof(*v));
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
		const pub_found_t *f = NULL;
		if (pub_rr_owner_str(rr, owner, sizeof(owner)) == 0)
			f = discover(ctx, owner, honor, now, failures);
		if (f == NULL) {
			ldns_rr_free(rr);
			continue;
		}
		if (pub_zoneset_add(des, f->zone, rr) != 0) {
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
	work_t *sorted = calloc(w->n + 1, sizeof(*sorted));
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

static void run_zone(pub_ctx_t *ctx, const work_t *work, pub_mode_t mode, bool honor, uint64_t now,
                     unsigned *failures)
{
	const char *zone = work->zone;
	pub_zstat_t *zs = zstat(ctx, zone);
	if (zs == NULL || (honor && !pub_backoff_due(&zs->backoff, now)))
		return;
	char srv[KD_ADDR_STRLEN] = "(no server)";
	kd_error_t err = {.msg = "out of memory", .code = KD_ENOMEM};
	bool permanent = false;
	int r = process_zone(ctx, zone, &work->des, &work->wd, mode, now, &permanent, srv, &err);
	zs = zstat(ctx, zone); /* discovery may have moved the table */
	if (zs == NULL) {
		(*failures)++; /* cannot happen: the entry was created above */
	} else if (r == 0) {
		zs->ok = true;
		pub_backoff_reset(&zs->backoff);
		zs->backoff.next_ms = now + ctx->conf->raw.interval_ms;
	} else {
		uint64_t d = pub_backoff_fail(&zs->backoff, now, permanent, ctx->rnd, ctx->rnd_ctx);
		zs->ok = false;
		(*failures)++;
		if (honor)
			log_err("failed to update zone %s at %s (%s); retry in %llu s", zone, srv,
			        err.msg, (unsigned long long)(d + 999) / 1000);
		else
			log_err("failed to update zone %s at %s (%s)", zone, srv, err.msg);
	}
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
