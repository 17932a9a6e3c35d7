/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The read phase of a round: read every zone from its primary (one signed, pipelined batch
 * per server) and interpret what was read (zone cuts, aliases). The write phase is in
 * phase_write.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/array.h"
#include "dns/clock.h"
#include "dns/log.h"
#include "publisher/round_int.h"
#include "publisher/transfer.h"

/* The time one exchange may take: the configured timeout, cut to what is left of --once's
 * deadline. */
uint64_t pub_round_timeout(const round_t *r)
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

/* Whether work w of group gi is read by a transfer this round. */
static bool by_transfer(round_t *r, const pub_work_t *w, size_t gi)
{
	if (w->group != gi || !can_read(w, false) || !w->target.transfer || w->n_names == 0)
		return false;
	size_t zs = pub_sched_find(&r->ctx->sched, w->zone);
	return zs == SIZE_MAX || !r->ctx->sched.v[zs].no_transfer;
}

/* Read the zones of group gi that are read by transfer (read: transfer), over a connection to
 * its server; the names a transfer settles are marked, the others are left to the queries.
 * Returns the connection for the queries when every transfer came whole, else NULL. */
static kd_conn_t *transfer_group(round_t *r, size_t gi)
{
	pub_group_t *g = &r->g[gi];
	size_t n = 0, k = 0;
	for (size_t i = 0; i < r->nw; i++)
		n += by_transfer(r, &r->w[i], gi);
	if (n == 0)
		return NULL;
	pub_xfr_t *xs = calloc(n, sizeof(*xs));
	size_t *work = calloc(n, sizeof(*work));
	kd_conn_t *c = NULL;
	char srv[KD_ADDR_STRLEN];
	kd_addr_str(&g->servers[g->cur], srv, sizeof(srv));
	if (xs == NULL || work == NULL)
		goto done;
	for (size_t i = 0; i < r->nw; i++) {
		pub_work_t *w = &r->w[i];
		if (!by_transfer(r, w, gi))
			continue;
		xs[k] = (pub_xfr_t){.zone = w->zone,
		                    .key = w->target.key,
		                    .names = w->names,
		                    .n = w->n_names,
		                    .settled = calloc(w->n_names, sizeof(bool))};
		work[k] = i;
		if (xs[k++].settled == NULL)
			goto done;
	}
	kd_error_t err = {0};
	kd_err_t e = kd_conn_open(&g->servers[g->cur], kd_now_ms() + pub_round_timeout(r), &c);
	if (e != KD_OK) { /* the queries try it again, and the next servers */
		log_debug("failed to connect to %s for zone transfers (%s)", srv, kd_strerror(e));
		goto done;
	}
	if (pub_read_transfers(c, xs, k, kd_now_ms() + pub_round_timeout(r)) != 0)
		kd_fail(&err, KD_ENOMEM, "out of memory");
	bool whole = err.code == KD_OK;
	for (size_t x = 0; x < k; x++) {
		pub_work_t *w = &r->w[work[x]];
		if (err.code == KD_OK && xs[x].ok) {
			for (size_t j = 0; j < w->n_names; j++)
				w->names[j].by_transfer = xs[x].settled[j];
			snprintf(w->srv, sizeof(w->srv), "%s", srv);
			log_debug("zone %s: read by transfer from %s", w->zone, srv);
			continue;
		}
		whole = false;
		const kd_error_t *why = err.code != KD_OK ? &err : &xs[x].err;
		size_t zs = xs[x].refused ? pub_sched_slot(&r->ctx->sched, w->zone) : SIZE_MAX;
		if (zs != SIZE_MAX)
			r->ctx->sched.v[zs].no_transfer = true;
		const char *hint = why->code == KD_ERCODE
		                           ? "give the key transfer rights, or set "
		                             "'read: queries'"
		                           : "the server does not sign its transfers: "
		                             "set 'read: queries'";
		log_warnx("failed to read zone %s by transfer from %s (%s): it is read by "
		          "queries%s%s%s",
		          w->zone, srv, why->msg,
		          zs != SIZE_MAX ? ", and no transfer is asked for until the configuration "
		                           "is reloaded ("
		                         : "",
		          zs != SIZE_MAX ? hint : "", zs != SIZE_MAX ? ")" : "");
	}
	if (!whole) { /* it may still carry the rest of a transfer */
		kd_conn_close(c);
		c = NULL;
	}
done:
	for (size_t x = 0; x < k; x++)
		free(xs[x].settled);
	free(xs);
	free(work);
	return c;
}

/* Whether name j of work w is asked by a query. */
static bool asked(const pub_work_t *w, size_t j)
{
	return !w->names[j].by_transfer;
}

/* Ask the names of the works of group g (those no transfer settled); copies the results back
 * into the works. */
static int read_group(round_t *r, size_t gi, bool confirm)
{
	pub_group_t *g = &r->g[gi];
	kd_conn_t *conn = confirm ? NULL : transfer_group(r, gi);
	size_t n = 0;
	for (size_t i = 0; i < r->nw; i++)
		if (r->w[i].group == gi && can_read(&r->w[i], confirm))
			for (size_t j = 0; j < r->w[i].n_names; j++)
				n += asked(&r->w[i], j);
	if (n == 0) {
		kd_conn_close(conn);
		return 0;
	}
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
			if (!asked(w, j))
				continue;
			if (pub_signer_add(signer, w->names[j].name, w->target.key) != 0)
				goto done;
			names[k] = w->names[j];
			/* Records of ours in the zone (the state file): answers will be positive.
			 */
			names[k++].probe_first = w->pub.n > 0;
		}
	}
	kd_query_opts_t o = {.servers = g->servers,
	                     .count = g->count,
	                     .timeout_ms = pub_round_timeout(r),
	                     .tcp = true,
	                     .recurse = false,
	                     .conn = &conn};
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
			if (asked(w, j))
				w->names[j] = names[k++];
	}
	ret = 0;
done:
	kd_conn_close(conn);
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
			nr->by_transfer = false; /* a confirmation is read by queries */
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
