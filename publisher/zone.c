/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/zone.h"

#include <stdlib.h>
#include <string.h>

#include "dns/clock.h"
#include "dns/log.h"
#include "dns/query.h"
#include "dns/transport.h"
#include "publisher/actual.h"
#include "publisher/diff.h"
#include "publisher/dryrun.h"
#include "publisher/update.h"

/* What checking an UPDATE's reply needs. */
typedef struct {
	const pub_msg_t *msg;
	const kd_tsig_key_t *key;
} send_ctx_t;

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
static int send_update(pub_ctx_t *ctx, const pub_target_t *t, size_t first, const pub_msg_t *msg,
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

static size_t index_of(const pub_target_t *t, const kd_addr_t *a)
{
	for (size_t i = 0; i < t->count; i++)
		if (kd_addr_equal(&t->servers[i], a))
			return i;
	return 0;
}

int pub_zone_process(pub_ctx_t *ctx, const pub_work_t *w, pub_mode_t mode, bool *permanent,
                     char *srv, kd_error_t *err)
{
	const char *zone = w->zone;
	const pub_rrlist_t *des = &w->des, *wd = &w->wd;
	pub_target_t t = {0};
	pub_rrlist_t wanted = {0}, actual = {0};
	pub_oplist_t ops = {0};
	pub_msg_t msg = {0};
	kd_addr_t from;
	int ret = -1;
	snprintf(srv, KD_ADDR_STRLEN, "(no server)");
	if (pub_target(&ctx->primaries, ctx->conf, zone, &t, err) != 0) {
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
			if (ops.v[i].kind == PUB_OP_ADD &&
			    pub_zoneset_add_copy(&ctx->state, zone, ops.v[i].rr,
			                         &ctx->state_dirty) != 0) {
				kd_fail(err, KD_ENOMEM, "out of memory");
				goto done;
			}
		}
		if (pub_ctx_save_state(ctx, err) != 0 ||
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
	    (pub_zoneset_set(&ctx->state, zone, mode == PUB_PUBLISH ? des : &empty,
	                     &ctx->state_dirty) != 0 ||
	     pub_ctx_save_state(ctx, err) != 0))
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
