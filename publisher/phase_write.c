/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The write phase of a round: work out and send the changes (messages of at most 64 KiB, in
 * steps so that SRV records follow their hosts' addresses), and confirm withdrawals by
 * reading again. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "publisher/dryrun.h"
#include "publisher/round_int.h"
#include "publisher/tsig.h"

#define BIND_MAX_RECORDS 100 /* max-records-per-type of BIND 9.18.28 and later */

/* One message of a step. */
typedef struct {
	size_t work, msg;
	pub_oplist_t ops;
	bool prereq;
} sent_t;

/* The size rr's RRset would reach with message msg of zone z: what was read, the adds of
 * the messages applied before, the adds of this one. */
static size_t rrset_after(const round_t *r, size_t z, size_t msg, const ldns_rr *rr)
{
	size_t n = 0;
	const pub_work_t *w = &r->w[z];
	for (size_t i = 0; i < w->actual.n; i++)
		n += pub_rr_same_set(w->actual.v[i], rr);
	for (size_t i = 0; i < r->units.n; i++) {
		const pub_unit_t *u = &r->units.v[i];
		if (u->zone != z || !(u->st == PUB_U_OK || u->msg == msg))
			continue;
		for (size_t k = 0; k < u->ops.n; k++)
			if (u->ops.v[k].kind == PUB_OP_ADD && pub_rr_same_set(u->ops.v[k].rr, rr))
				n++;
	}
	return n;
}

/* BIND answers SERVFAIL when an UPDATE would put more than max-records-per-type records of
 * one type at a name: say so, with the size the message would make. */
static void records_hint(const round_t *r, const sent_t *s, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < s->ops.n; i++) {
		const ldns_rr *rr = s->ops.v[i].rr;
		if (s->ops.v[i].kind != PUB_OP_ADD)
			continue;
		size_t size = rrset_after(r, s->work, s->msg, rr);
		if (size <= BIND_MAX_RECORDS)
			continue;
		char owner[PUB_NAME_MAX] = "?";
		pub_rr_owner_str(rr, owner, sizeof(owner));
		snprintf(
		        buf, len,
		        "; the %s RRset at %s would hold up to %zu records: BIND 9.18.28 and later "
		        "refuse more than max-records-per-type (default %d) records of one type at "
		        "a name and answer SERVFAIL: raise max-records-per-type in named.conf",
		        pub_rr_type_str(rr), owner, size, BIND_MAX_RECORDS);
		return;
	}
}

static void message_failed(const round_t *r, pub_work_t *w, const pub_send_t *it, const sent_t *s)
{
	char why[KD_ERRMSG_MAX], what[200], hint[300] = "";
	bool permanent = false;
	if (it->err != KD_OK) {
		snprintf(why, sizeof(why), "no answer: %s", kd_strerror(it->err));
	} else {
		pub_verdict_str(&it->v, why, sizeof(why));
		permanent = pub_result_permanent(&it->v);
		if (it->v.rcode == 2 /* SERVFAIL */)
			records_hint(r, s, hint, sizeof(hint));
	}
	if (s->ops.n > 0)
		pub_ops_summary(&s->ops, what, sizeof(what));
	else
		snprintf(what, sizeof(what), "prerequisites only, confirming what was read");
	kd_error_t e;
	kd_fail(&e, it->err != KD_OK ? it->err : KD_ERCODE, "%s; message of %zu change(s): %s%s",
	        why, s->ops.n, what, hint);
	pub_work_fail(w, permanent, &e);
}

/* Whether ops delete a record of ours that is not desired. Out of memory: yes (which only
 * costs a confirming read). */
static bool deletes_withdrawn(const pub_work_t *w, const pub_oplist_t *ops)
{
	size_t i = 0;
	while (i < ops->n && ops->v[i].kind == PUB_OP_ADD)
		i++;
	if (i == ops->n)
		return false;
	pub_rrindex_t des, pub = {0};
	bool found = pub_rrindex_build(&des, &w->des, pub_rr_by_record) != 0 ||
	             pub_rrindex_build(&pub, &w->pub, pub_rr_by_record) != 0;
	for (; !found && i < ops->n; i++)
		found = ops->v[i].kind != PUB_OP_ADD &&
		        pub_rrindex_find(&des, ops->v[i].rr) == NULL &&
		        pub_rrindex_find(&pub, ops->v[i].rr) != NULL;
	pub_rrindex_deinit(&des);
	pub_rrindex_deinit(&pub);
	return found;
}

static bool can_write(const pub_work_t *w)
{
	return !w->skip && w->has_target && w->read_ok;
}

/* The next message of work i, or none (-1 on ENOMEM, 0 none, 1 one). */
static int next_message(round_t *r, size_t i, uint16_t id, pub_send_t *it, sent_t *s)
{
	pub_work_t *w = &r->w[i];
	bool pre = w->unconfirmed && !w->prereq_sent;
	if (!pre && !pub_units_pending(&r->units, i))
		return 0;
	pub_prereq_t prereq = {&w->actual, &w->absent};
	size_t over = pub_msg_overhead(w->zone, w->target.key) + 64;
	size_t psize = pre ? pub_prereq_size(&prereq) : 0;
	memset(s, 0, sizeof(*s));
	if (over + psize > PUB_MSG_MAX) {
		kd_error_t e;
		kd_fail(&e, KD_EINVAL,
		        "the records read (%zu bytes) are too many to confirm them by "
		        "prerequisites in one UPDATE, and the server does not sign its answers",
		        psize);
		pub_work_fail(w, false, &e);
		w->prereq_sent = true;
		pub_units_skip_zone(&r->units, i);
		return 0;
	}
	long k = pub_units_pack(&r->units, i, PUB_MSG_MAX - over - psize, &s->ops, &s->msg);
	if (k < 0)
		return -1;
	if (k == 0 && !pre) {
		pub_oplist_deinit(&s->ops);
		return 0;
	}
	kd_error_t e;
	memset(it, 0, sizeof(*it));
	if (pub_msg_build(w->zone, pre ? &prereq : NULL, &s->ops, w->target.key, id, &it->msg,
	                  &e) != 0) {
		pub_units_done(&r->units, i, s->msg, false);
		pub_work_fail(w, false, &e);
		pub_oplist_deinit(&s->ops);
		return 0;
	}
	it->key = w->target.key;
	it->group = &r->g[w->group];
	s->work = i;
	s->prereq = pre;
	return 1;
}

/* Enter every record the round's messages add into the state file, in one save before the
 * first message is sent: a crash after sending must not leave records nobody tracks. One
 * save per round, not one per step: a record entered but never sent (its zone failed before
 * that message) is a delete of nothing if withdrawn, and leaves the state when a trusted read
 * shows it absent and it is no longer desired, like the records of a message that failed.
 * The messages add only what the diffs of their zones add (split.c packs w->ops). */
static int write_ahead(round_t *r, kd_error_t *err)
{
	for (size_t z = 0; z < r->nw; z++) {
		const pub_work_t *w = &r->w[z];
		pub_rrlist_t adds = {0};
		int rc = 0;
		if (!can_write(w))
			continue;
		for (size_t i = 0; rc == 0 && i < w->ops.n; i++)
			if (w->ops.v[i].kind == PUB_OP_ADD)
				rc = pub_rrlist_add(&adds, (ldns_rr *)w->ops.v[i].rr);
		if (rc == 0 && adds.n > 0)
			rc = pub_zoneset_add_copies(&r->ctx->state, w->zone, &adds,
			                            &r->ctx->state_dirty);
		pub_rrlist_deinit(&adds);
		if (rc != 0)
			return kd_fail(err, KD_ENOMEM, "out of memory");
	}
	return pub_ctx_save_state(r->ctx, err);
}

static void step_results(round_t *r, pub_send_t *items, sent_t *s, size_t n)
{
	for (size_t m = 0; m < n; m++) {
		pub_work_t *w = &r->w[s[m].work];
		bool ok = items[m].err == KD_OK && items[m].v.result == PUB_RES_OK;
		kd_addr_str(&items[m].server, w->srv, sizeof(w->srv));
		if (r->ctx->metrics != NULL) {
			pub_metrics_update_sent(r->ctx->metrics, w->zone);
			pub_metrics_update_done(
			        r->ctx->metrics, w->zone, ok,
			        items[m].err == KD_OK ? pub_rcode_name(items[m].v.rcode) : NULL);
		}
		pub_units_done(&r->units, s[m].work, s[m].msg, ok);
		if (s[m].prereq) {
			w->prereq_sent = true;
			w->trusted = ok; /* the signed answer confirms the prerequisites */
			if (!ok)
				pub_units_skip_zone(&r->units, s[m].work);
		}
		if (!ok) {
			message_failed(r, w, &items[m], &s[m]);
			continue;
		}
		w->applied += s[m].ops.n;
		if (deletes_withdrawn(w, &s[m].ops))
			w->deleted = true;
	}
}

static void dry_run(round_t *r, pub_send_t *items, sent_t *s, size_t n)
{
	for (size_t m = 0; m < n; m++) {
		pub_work_t *w = &r->w[s[m].work];
		const pub_group_t *g = &r->g[w->group];
		pub_prereq_t prereq = {&w->actual, &w->absent};
		pub_dryrun_print(r->ctx->dry_run, w->zone, &g->servers[g->cur], w->target.key,
		                 s[m].prereq ? &prereq : NULL, &s[m].ops);
		pub_units_done(&r->units, s[m].work, s[m].msg, true);
		w->prereq_sent = w->prereq_sent || s[m].prereq;
	}
}

/* Units that never went out: one line per zone and cause, naming the first host. */
static void left_over(round_t *r)
{
	enum { TOO_LARGE, NO_ADDRESSES, SRV_KEPT, CAUSES };
	size_t i = 0; /* the units come in zone order */
	for (size_t z = 0; z < r->nw; z++) {
		pub_work_t *w = &r->w[z];
		size_t lo = i;
		while (i < r->units.n && r->units.v[i].zone == z)
			i++;
		if (w->unconfirmed && w->prereq_sent && !w->trusted)
			continue; /* the failed confirmation was reported */
		size_t count[CAUSES] = {0};
		const pub_unit_t *first[CAUSES] = {NULL};
		for (size_t k = lo; k < i; k++) {
			const pub_unit_t *u = &r->units.v[k];
			int cause;
			if (u->st == PUB_U_FAILED && u->msg == 0)
				cause = TOO_LARGE;
			else if (u->st != PUB_U_SKIPPED && u->st != PUB_U_PENDING)
				continue;
			else
				cause = u->cls == PUB_UNIT_SRV_ADD ? NO_ADDRESSES : SRV_KEPT;
			if (count[cause]++ == 0)
				first[cause] = u;
		}
		for (int c = 0; c < CAUSES; c++) {
			if (count[c] == 0)
				continue;
			char host[PUB_NAME_MAX] = "?", what[200];
			kd_dname_from_rdf(first[c]->host, host, sizeof(host));
			pub_ops_summary(&first[c]->ops, what, sizeof(what));
			kd_error_t e;
			if (c == TOO_LARGE)
				kd_fail(&e, KD_EINVAL, "too large for one UPDATE: %s", what);
			else if (c == NO_ADDRESSES)
				kd_fail(&e, KD_EINVAL,
				        "%zu SRV record(s) not published (%s, and the others of "
				        "hosts "
				        "whose address records could not be written)",
				        count[c], what);
			else
				kd_fail(&e, KD_EINVAL,
				        "%zu address change(s) not made (%s, and the others of "
				        "hosts "
				        "whose SRV records could not be deleted)",
				        count[c], what);
			pub_work_fail(w, false, &e);
		}
	}
}

/* One step: the next message of every zone that want() picks, all sent together, the
 * answers judged; with unsaved (the write-ahead failed) none is sent and each fails with it.
 * Returns how many were sent or failed (0: none left), or -1 on ENOMEM. */
static long step(round_t *r, bool (*want)(const pub_work_t *), const kd_error_t *unsaved)
{
	pub_send_t *items = calloc(r->nw + 1, sizeof(*items));
	sent_t *s = calloc(r->nw + 1, sizeof(*s));
	size_t n = 0;
	long ret = -1;
	if (items == NULL || s == NULL)
		goto done;
	uint16_t id = (uint16_t)r->ctx->rnd(r->ctx->rnd_ctx);
	for (size_t i = 0; i < r->nw; i++) {
		if (!want(&r->w[i]))
			continue;
		int k = next_message(r, i, (uint16_t)(id + n), &items[n], &s[n]);
		if (k < 0)
			goto done;
		n += (size_t)k;
	}
	if (n == 0) {
		/* nothing to send */
	} else if (r->ctx->dry_run != NULL) {
		dry_run(r, items, s, n);
	} else if (unsaved != NULL) {
		for (size_t m = 0; m < n; m++) {
			pub_units_done(&r->units, s[m].work, s[m].msg, false);
			pub_units_skip_zone(&r->units, s[m].work);
			pub_work_fail(&r->w[s[m].work], false, unsaved);
		}
	} else {
		pub_send_opts_t o = {.tcp = r->ctx->conf->raw.transport == PUB_TRANSPORT_TCP,
		                     .window = r->ctx->conf->raw.max_inflight,
		                     .timeout_ms = pub_round_timeout(r),
		                     .deadline_ms = r->ctx->deadline_ms};
		pub_send_all(items, n, &o);
		step_results(r, items, s, n);
	}
	ret = (long)n;
done:
	for (size_t m = 0; m < n; m++) {
		pub_msg_deinit(&items[m].msg);
		pub_oplist_deinit(&s[m].ops);
	}
	free(items);
	free(s);
	return ret;
}

int pub_round_write(round_t *r)
{
	for (size_t i = 0; i < r->nw; i++) {
		pub_work_t *w = &r->w[i];
		if (!can_write(w))
			continue;
		if (pub_diff(&w->des, &w->actual, &w->pub, &w->ops) != 0 ||
		    pub_units_add(&r->units, i, &w->ops) != 0)
			return -1;
	}
	if (pub_units_link(&r->units) != 0)
		return -1;
	kd_error_t err;
	bool saved = r->ctx->dry_run != NULL || write_ahead(r, &err) == 0;
	/* Each step sends at most one message per zone; a zone's next one waits for the answer,
	 * and units wait for their dependencies. Every step sends something or ends the loop. */
	while (!pub_round_stopped(r)) {
		long n = step(r, can_write, saved ? NULL : &err);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
	}
	if (!pub_round_stopped(r))
		left_over(r);
	return 0;
}

/* ---- confirming withdrawals ---- */

/* A zone whose withdrawals a trusted read has not confirmed yet. */
static bool needs_confirming(const pub_work_t *w)
{
	return w->deleted && !w->trusted && !w->skip;
}

/* Zones whose confirming read came unsigned: a signed UPDATE with only prerequisites. */
static int confirm_unsigned(round_t *r)
{
	for (size_t i = 0; i < r->nw; i++)
		if (needs_confirming(&r->w[i])) {
			r->w[i].unconfirmed = true;
			r->w[i].prereq_sent = false;
		}
	return step(r, needs_confirming, NULL) < 0 ? -1 : 0;
}

int pub_round_confirm(round_t *r)
{
	bool any = false;
	for (size_t i = 0; i < r->nw; i++)
		any = any || (r->w[i].deleted && !r->w[i].skip);
	if (any && r->ctx->dry_run == NULL && !pub_round_stopped(r)) {
		for (size_t i = 0; i < r->nw; i++)
			if (r->w[i].deleted)
				r->w[i].trusted = false; /* until read again */
		if (pub_round_read(r, true) != 0 || confirm_unsigned(r) != 0)
			return -1;
	}
	if (!pub_round_stopped(r))
		for (size_t i = 0; i < r->nw; i++)
			r->w[i].done = true;
	return 0;
}
