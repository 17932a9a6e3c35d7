/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The phases of a round that talk to the primaries: read every zone (one signed, pipelined
 * batch per server), work out and send the changes (messages of at most 64 KiB, in steps so
 * that SRV records follow their hosts' addresses), confirm withdrawals by reading again. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/array.h"
#include "dns/clock.h"
#include "dns/log.h"
#include "publisher/dryrun.h"
#include "publisher/round_int.h"

#define BIND_MAX_RECORDS 100 /* max-records-per-type of BIND 9.18.28 and later */

static uint64_t timeout_now(const round_t *r)
{
	uint64_t t = r->ctx->conf->raw.timeout_ms;
	if (r->ctx->deadline_ms != 0) {
		uint64_t now = kd_now_ms();
		uint64_t left = r->ctx->deadline_ms > now ? r->ctx->deadline_ms - now : 1;
		if (left < t)
			t = left;
	}
	return t;
}

static bool can_read(const pub_work_t *w, bool confirm)
{
	if (w->skip || !w->has_target)
		return false;
	return confirm ? w->deleted && w->read_ok : !w->failed;
}

/* Say once per server that it does not sign answers. */
static void note_unsigned(round_t *r, const kd_addr_t *server)
{
	pub_ctx_t *ctx = r->ctx;
	for (size_t i = 0; i < ctx->quiet_n; i++)
		if (kd_addr_equal(&ctx->quiet[i], server))
			return;
	kd_addr_t *v = kd_array_reserve(ctx->quiet, &ctx->quiet_cap, ctx->quiet_n + 1, sizeof(*v));
	if (v != NULL) {
		ctx->quiet = v;
		v[ctx->quiet_n++] = *server;
	}
	char a[KD_ADDR_STRLEN];
	kd_addr_str(server, a, sizeof(a));
	log_warnx("server %s does not sign its answers to signed queries: what is read there is "
	          "confirmed by prerequisites in each signed UPDATE (RFC 2136 2.4)",
	          a);
}

/* Ask the names of the works of group g; copies the results back into the works. */
static int read_group(round_t *r, size_t gi, bool confirm)
{
	pub_group_t *g = &r->g[gi];
	size_t n = 0;
	for (size_t i = 0; i < r->nw; i++)
		if (r->w[i].group == gi && can_read(&r->w[i], confirm))
			n += r->w[i].n_names;
	if (n == 0)
		return 0;
	pub_name_read_t *names = calloc(n, sizeof(*names));
	pub_signer_t *signer = pub_signer_new();
	int ret = -1;
	if (names == NULL || signer == NULL)
		goto done;
	size_t k = 0;
	for (size_t i = 0; i < r->nw; i++) {
		pub_work_t *w = &r->w[i];
		if (w->group != gi || !can_read(w, confirm))
			continue;
		for (size_t j = 0; j < w->n_names; j++) {
			if (pub_signer_add(signer, w->names[j].name, w->target.key) != 0)
				goto done;
			names[k++] = w->names[j];
		}
	}
	kd_query_opts_t o = {.servers = g->servers,
	                     .count = g->count,
	                     .timeout_ms = timeout_now(r),
	                     .tcp = true,
	                     .recurse = false};
	kd_signer_t s = pub_signer_get(signer);
	kd_addr_t from = g->servers[0];
	if (pub_read_names(&o, &s, names, n, &from) != 0)
		goto done;
	for (size_t c = 0; c < g->count; c++)
		if (kd_addr_equal(&g->servers[c], &from))
			g->cur = c;
	char srv[KD_ADDR_STRLEN];
	kd_addr_str(&from, srv, sizeof(srv));
	if (g->cur != 0 && !confirm) {
		/* kd_query_batch moved on silently: an administrator wants to know. */
		char first[KD_ADDR_STRLEN];
		kd_addr_str(&g->servers[0], first, sizeof(first));
		log_warnx("primary %s did not answer, using %s", first, srv);
	}
	k = 0;
	for (size_t i = 0; i < r->nw; i++) {
		pub_work_t *w = &r->w[i];
		if (w->group != gi || !can_read(w, confirm))
			continue;
		snprintf(w->srv, sizeof(w->srv), "%s", srv);
		for (size_t j = 0; j < w->n_names; j++)
			w->names[j] = names[k++];
	}
	ret = 0;
done:
	free(names);
	pub_signer_free(signer);
	return ret;
}

/* Records of list at owner move to to (the lists are borrowed views). */
static int move_owner(pub_rrlist_t *from, pub_rrlist_t *to, const ldns_rdf *owner)
{
	for (size_t i = 0; i < from->n; i++)
		if (ldns_dname_compare(ldns_rr_owner(from->v[i]), owner) == 0 &&
		    pub_rrlist_find(to, from->v[i]) < 0 && pub_rrlist_add(to, from->v[i]) != 0)
			return -1;
	return 0;
}

/* The state file's records of owner move from zone to child (the record objects stay: the
 * works' lists point at them). */
static int move_state(pub_ctx_t *ctx, const char *zone, const char *child, const ldns_rdf *owner)
{
	long z = pub_zoneset_find(&ctx->state, zone);
	if (z < 0)
		return 0;
	long c = pub_zoneset_zone(&ctx->state, child);
	if (c < 0)
		return -1;
	pub_rrlist_t *rrs = &ctx->state.v[z].rrs;
	size_t keep = 0;
	for (size_t i = 0; i < rrs->n; i++) {
		if (ldns_dname_compare(ldns_rr_owner(rrs->v[i]), owner) != 0) {
			rrs->v[keep++] = rrs->v[i];
			continue;
		}
		if (pub_rrlist_add(&ctx->state.v[c].rrs, rrs->v[i]) != 0)
			return -1;
		ctx->state_dirty = true;
	}
	rrs->n = keep;
	return 0;
}

/* Name k of work i lies in another zone the server serves, below a cut: its records, its
 * state and what was read of it go to that zone's work. */
static int relocate(round_t *r, size_t i, size_t k)
{
	char child[PUB_NAME_MAX];
	memcpy(child, r->w[i].names[k].other, sizeof(child));
	long j = pub_round_work(r, child); /* may move r->w */
	if (j < 0)
		return -1;
	pub_work_t *w = &r->w[i], *c = &r->w[j];
	if (!c->has_target) {
		c->target = w->target;
		c->has_target = true;
		c->group = w->group;
		c->read_ok = true;
		memcpy(c->srv, w->srv, sizeof(c->srv));
	}
	pub_name_read_t moved = w->names[k];
	memmove(&w->names[k], &w->names[k + 1], (w->n_names - k - 1) * sizeof(moved));
	w->n_names--;
	log_info("%s is in zone %s, below a zone cut in %s: its records are kept there", moved.name,
	         child, w->zone);
	ldns_rdf *owner = kd_dname_to_rdf(moved.name);
	int ret = -1;
	if (owner == NULL || move_owner(&w->des, &c->des, owner) != 0 ||
	    move_owner(&w->pub, &c->pub, owner) != 0 ||
	    move_state(r->ctx, w->zone, child, owner) != 0)
		goto done;
	pub_work_drop_owner(w, owner);
	bool known = false;
	for (size_t x = 0; x < c->n_names && !known; x++)
		known = strcmp(c->names[x].name, moved.name) == 0;
	if (!known) {
		long x = pub_work_name(c, moved.name, 0);
		if (x < 0)
			goto done;
		moved.zone = c->zone;
		moved.where = PUB_WHERE_ZONE;
		c->names[x] = moved;
		memset(&moved, 0, sizeof(moved));
	}
	ret = 0;
done:
	pub_name_read_deinit(&moved);
	ldns_rdf_deep_free(owner);
	return ret;
}

/* A name that is an alias, and the records that must not be published because of it. */
static void drop_alias(round_t *r, const char *name, const char *target)
{
	ldns_rdf *a = kd_dname_to_rdf(name);
	if (a == NULL)
		return;
	for (size_t i = 0; i < r->nw; i++) {
		pub_work_t *w = &r->w[i];
		size_t keep = 0, dropped = 0;
		for (size_t k = 0; k < w->des.n; k++) {
			const ldns_rr *rr = w->des.v[k];
			bool hit = pub_rr_is_srv(rr)
			                   ? ldns_dname_compare(ldns_rr_rdf(rr, 3), a) == 0
			                   : ldns_dname_compare(ldns_rr_owner(rr), a) == 0;
			if (hit)
				dropped++;
			else
				w->des.v[keep++] = w->des.v[k];
		}
		w->des.n = keep;
		if (dropped == 0)
			continue;
		kd_error_t e;
		kd_fail(&e, KD_EINVAL,
		        "%s is an alias (CNAME to %s): an SRV target must not be an alias (RFC "
		        "2782), and a server ignores addresses added beside a CNAME; %zu record(s) "
		        "of that host are not published",
		        name, target, dropped);
		pub_work_fail(w, false, &e);
	}
	ldns_rdf_deep_free(a);
}

/* What the answers of work i say: errors, zone cuts, aliases, unsigned answers. */
static int interpret(round_t *r, size_t i)
{
	for (size_t k = 0; k < r->w[i].n_names;) {
		pub_work_t *w = &r->w[i];
		pub_name_read_t *nr = &w->names[k];
		if (nr->err.code != KD_OK) {
			pub_work_fail(w, false, &nr->err);
			w->read_ok = false;
			return 0;
		}
		if (!nr->all_signed)
			w->unconfirmed = true;
		if (nr->where == PUB_WHERE_CHILD) {
			if (relocate(r, i, k) != 0)
				return -1;
			continue; /* names[k] is the next name now */
		}
		if (nr->where == PUB_WHERE_REFERRAL) {
			kd_error_t e;
			kd_fail(&e, KD_ENOENT,
			        "%s is below the zone cut at %s: zone %s delegates it to other "
			        "servers; its records are not written into %s (add a 'zones' entry "
			        "for %s with its primary)",
			        nr->name, nr->other, w->zone, w->zone, nr->other);
			ldns_rdf *owner = kd_dname_to_rdf(nr->name);
			if (owner != NULL)
				pub_work_drop_owner(w, owner);
			ldns_rdf_deep_free(owner);
			pub_work_fail(w, true, &e);
		}
		k++;
	}
	return 0;
}

int pub_round_read(round_t *r, bool confirm)
{
	if (pub_round_stopped(r))
		return 0;
	for (size_t i = 0; i < r->nw; i++) {
		pub_work_t *w = &r->w[i];
		if (!can_read(w, confirm))
			continue;
		if (!confirm) {
			if (pub_work_plan_reads(w) != 0)
				return -1;
			continue;
		}
		for (size_t k = 0; k < w->n_names; k++) {
			pub_name_read_t *nr = &w->names[k];
			pub_rrlist_free(&nr->rrs);
			memset(&nr->err, 0, sizeof(nr->err));
			nr->ask &= ~(unsigned)PUB_ASK_SOA;
		}
	}
	for (size_t g = 0; g < r->ng; g++)
		if (read_group(r, g, confirm) != 0)
			return -1;
	for (size_t i = 0; i < r->nw; i++) {
		if (!can_read(&r->w[i], confirm))
			continue;
		if (!confirm) {
			r->w[i].read_ok = true;
			if (interpret(r, i) != 0)
				return -1;
		}
	}
	/* Aliases, once every zone was read: an SRV record may point into another zone. */
	for (size_t i = 0; !confirm && i < r->nw; i++)
		for (size_t k = 0; r->w[i].read_ok && k < r->w[i].n_names; k++)
			if (r->w[i].names[k].where == PUB_WHERE_ALIAS)
				drop_alias(r, r->w[i].names[k].name, r->w[i].names[k].other);
	for (size_t i = 0; i < r->nw; i++) {
		pub_work_t *w = &r->w[i];
		if (!(confirm ? w->deleted && w->read_ok : w->read_ok) || w->skip)
			continue;
		bool all_signed = true, err = false;
		for (size_t k = 0; k < w->n_names; k++) {
			all_signed = all_signed && w->names[k].all_signed;
			if (confirm && w->names[k].err.code != KD_OK && !err) {
				kd_error_t e;
				kd_fail(&e, w->names[k].err.code,
				        "withdrawal not confirmed (%s): the records stay in the "
				        "state "
				        "file and are deleted again next time",
				        w->names[k].err.msg);
				pub_work_fail(w, false, &e);
				err = true;
			}
		}
		if (pub_work_collect(w) != 0)
			return -1;
		w->trusted = all_signed && !err;
		if (confirm && err)
			w->deleted = false;
		if (!all_signed && !confirm)
			note_unsigned(r, &r->g[w->group].servers[r->g[w->group].cur]);
	}
	return 0;
}

/* ---- writing ---- */

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

static bool deletes_withdrawn(const pub_work_t *w, const pub_oplist_t *ops)
{
	for (size_t i = 0; i < ops->n; i++)
		if (ops->v[i].kind != PUB_OP_ADD && pub_rrlist_find(&w->des, ops->v[i].rr) < 0 &&
		    pub_rrlist_find(&w->pub, ops->v[i].rr) >= 0)
			return true;
	return false;
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
		pub_units_done(&r->units, s->msg, false);
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

/* Enter the records a step adds into the state file before it is sent: a crash after
 * sending must not leave records nobody tracks. */
static int write_ahead(round_t *r, const sent_t *s, size_t n, kd_error_t *err)
{
	for (size_t m = 0; m < n; m++)
		for (size_t i = 0; i < s[m].ops.n; i++)
			if (s[m].ops.v[i].kind == PUB_OP_ADD &&
			    pub_zoneset_add_copy(&r->ctx->state, r->w[s[m].work].zone,
			                         s[m].ops.v[i].rr, &r->ctx->state_dirty) != 0)
				return kd_fail(err, KD_ENOMEM, "out of memory");
	return pub_ctx_save_state(r->ctx, err);
}

static void step_results(round_t *r, pub_send_t *items, sent_t *s, size_t n)
{
	for (size_t m = 0; m < n; m++) {
		pub_work_t *w = &r->w[s[m].work];
		bool ok = items[m].err == KD_OK && items[m].v.result == PUB_RES_OK;
		kd_addr_str(&items[m].server, w->srv, sizeof(w->srv));
		pub_units_done(&r->units, s[m].msg, ok);
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
		pub_units_done(&r->units, s[m].msg, true);
		w->prereq_sent = w->prereq_sent || s[m].prereq;
	}
}

/* Units that never went out: one line per zone and cause, naming the first host. */
static void left_over(round_t *r)
{
	enum { TOO_LARGE, NO_ADDRESSES, SRV_KEPT, CAUSES };
	for (size_t z = 0; z < r->nw; z++) {
		pub_work_t *w = &r->w[z];
		if (w->unconfirmed && w->prereq_sent && !w->trusted)
			continue; /* the failed confirmation was reported */
		size_t count[CAUSES] = {0};
		const pub_unit_t *first[CAUSES] = {NULL};
		for (size_t i = 0; i < r->units.n; i++) {
			const pub_unit_t *u = &r->units.v[i];
			int cause;
			if (u->zone != z)
				continue;
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
 * answers judged. Returns how many were sent (0: none left), or -1 on ENOMEM. */
static long step(round_t *r, bool (*want)(const pub_work_t *))
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
	kd_error_t err;
	if (n == 0) {
		/* nothing to send */
	} else if (r->ctx->dry_run != NULL) {
		dry_run(r, items, s, n);
	} else if (write_ahead(r, s, n, &err) != 0) {
		for (size_t m = 0; m < n; m++) {
			pub_units_done(&r->units, s[m].msg, false);
			pub_units_skip_zone(&r->units, s[m].work);
			pub_work_fail(&r->w[s[m].work], false, &err);
		}
	} else {
		pub_send_opts_t o = {.tcp = r->ctx->conf->raw.transport == PUB_TRANSPORT_TCP,
		                     .window = r->ctx->conf->raw.max_inflight,
		                     .timeout_ms = timeout_now(r),
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
	/* Each step sends at most one message per zone; a zone's next one waits for the answer,
	 * and units wait for their dependencies. Every step sends something or ends the loop. */
	while (!pub_round_stopped(r)) {
		long n = step(r, can_write);
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
	return step(r, needs_confirming) < 0 ? -1 : 0;
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
