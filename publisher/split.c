/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/split.h"

#include <stdlib.h>
#include <string.h>

#include "dns/array.h"
#include "publisher/update.h"

static const ldns_rdf *srv_target(const ldns_rr *rr)
{
	return ldns_rr_rdf(rr, 3);
}

/* The units of one zone, sorted by what makes an op join one (class, host, owner, type). */
typedef struct {
	size_t *v; /* indexes into u->v */
	size_t n;
} unit_idx_t;

static int unit_cmp(const pub_unit_t *x, pub_unit_class_t cls, const ldns_rdf *host,
                    const ldns_rr *rr)
{
	if (x->cls != cls)
		return x->cls < cls ? -1 : 1;
	int c = pub_rdf_cmp(x->host, host);
	return c != 0 ? c : pub_rr_by_set(&x->ops.v[0].rr, &rr);
}

/* The unit of zone an op joins: the one of the same class and host and, for SRV, the same
 * owner (one RRset of addresses, or one host's SRV records at a name), or a new one. ix has
 * room for one unit per op of the zone. */
static pub_unit_t *unit_for(pub_units_t *u, unit_idx_t *ix, size_t zone, pub_unit_class_t cls,
                            const pub_op_t *op, const ldns_rdf *host)
{
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (unit_cmp(&u->v[ix->v[mid]], cls, host, op->rr) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ix->n && unit_cmp(&u->v[ix->v[lo]], cls, host, op->rr) == 0)
		return &u->v[ix->v[lo]];
	pub_unit_t *v = kd_array_reserve(u->v, &u->cap, u->n + 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	u->v = v;
	memmove(&ix->v[lo + 1], &ix->v[lo], (ix->n - lo) * sizeof(ix->v[0]));
	ix->v[lo] = u->n;
	ix->n++;
	pub_unit_t *x = &v[u->n++];
	memset(x, 0, sizeof(*x));
	x->zone = zone;
	x->cls = cls;
	x->host = host;
	x->deletes_only = true;
	return x;
}

static int add_op(pub_unit_t *x, const pub_op_t *op)
{
	if (pub_oplist_add(&x->ops, op->kind, op->rr) != 0)
		return -1;
	x->size += pub_op_size(op);
	if (op->kind != PUB_OP_DEL)
		x->deletes_only = false;
	return 0;
}

/* The units of ops in their three passes: withdrawn hosts' SRV records, addresses, SRV adds.
 * adds holds the SRV records ops adds, by (owner, target). */
static int add_units(pub_units_t *u, size_t zone, const pub_oplist_t *ops,
                     const pub_rrindex_t *adds, unit_idx_t *ix)
{
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < ops->n; i++) {
			const pub_op_t *op = &ops->v[i];
			bool srv = pub_rr_is_srv(op->rr);
			if ((pass == 1) == srv)
				continue;
			const ldns_rdf *host = srv ? srv_target(op->rr) : ldns_rr_owner(op->rr);
			pub_unit_class_t cls = PUB_UNIT_ADDR;
			if (srv) {
				/* An SRV delete belongs with an add of the same host at that name.
				 */
				bool has_add = pub_rrindex_find(adds, op->rr) != NULL;
				cls = has_add ? PUB_UNIT_SRV_ADD : PUB_UNIT_SRV_DEL;
				if ((pass == 0) != (cls == PUB_UNIT_SRV_DEL))
					continue;
			}
			pub_unit_t *x = unit_for(u, ix, zone, cls, op, host);
			if (x == NULL || add_op(x, op) != 0)
				return -1;
		}
	}
	return 0;
}

int pub_units_add(pub_units_t *u, size_t zone, const pub_oplist_t *ops)
{
	if (u->n > 0 && u->v[u->n - 1].zone > zone)
		return -1; /* zones come in increasing order */
	pub_rrindex_t adds = {.cmp = pub_rr_by_pair};
	unit_idx_t ix = {calloc(ops->n + 1, sizeof(*ix.v)), 0};
	int ret = ix.v != NULL ? 0 : -1;
	for (size_t i = 0; ret == 0 && i < ops->n; i++)
		if (ops->v[i].kind == PUB_OP_ADD && pub_rr_is_srv(ops->v[i].rr) &&
		    pub_rrindex_insert(&adds, ops->v[i].rr) < 0)
			ret = -1;
	if (ret == 0)
		ret = add_units(u, zone, ops, &adds, &ix);
	pub_rrindex_deinit(&adds);
	free(ix.v);
	return ret;
}

static int by_host(const void *a, const void *b)
{
	return pub_rdf_cmp(((const pub_host_ref_t *)a)->host, ((const pub_host_ref_t *)b)->host);
}

/* The range of idx (sorted by host) whose host is host. */
static void host_range(const pub_host_ref_t *idx, size_t n, const ldns_rdf *host, size_t *lo_out,
                       size_t *hi_out)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pub_rdf_cmp(idx[mid].host, host) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < n && pub_rdf_cmp(idx[end].host, host) == 0)
		end++;
	*lo_out = lo;
	*hi_out = end;
}

int pub_units_link(pub_units_t *u)
{
	free(u->by_addr_host);
	free(u->by_del_host);
	u->by_addr_host = calloc(u->n + 1, sizeof(*u->by_addr_host));
	u->by_del_host = calloc(u->n + 1, sizeof(*u->by_del_host));
	if (u->by_addr_host == NULL || u->by_del_host == NULL)
		return -1;
	u->n_addr = u->n_del = 0;
	for (size_t i = 0; i < u->n; i++) {
		pub_host_ref_t ref = {u->v[i].host, i};
		if (u->v[i].cls == PUB_UNIT_ADDR)
			u->by_addr_host[u->n_addr++] = ref;
		else if (u->v[i].cls == PUB_UNIT_SRV_DEL)
			u->by_del_host[u->n_del++] = ref;
	}
	qsort(u->by_addr_host, u->n_addr, sizeof(*u->by_addr_host), by_host);
	qsort(u->by_del_host, u->n_del, sizeof(*u->by_del_host), by_host);
	for (size_t i = 0; i < u->n; i++) {
		pub_unit_t *x = &u->v[i];
		if (x->cls == PUB_UNIT_SRV_ADD)
			host_range(u->by_addr_host, u->n_addr, x->host, &x->dep_lo, &x->dep_hi);
		else if (x->cls == PUB_UNIT_ADDR && x->deletes_only)
			host_range(u->by_del_host, u->n_del, x->host, &x->dep_lo, &x->dep_hi);
	}
	return 0;
}

/* The units of zone: [*lo, *hi) (they were added zone by zone, in increasing order). */
static void zone_range(const pub_units_t *u, size_t zone, size_t *lo_out, size_t *hi_out)
{
	size_t lo = 0, hi = u->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (u->v[mid].zone < zone)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < u->n && u->v[end].zone == zone)
		end++;
	*lo_out = lo;
	*hi_out = end;
}

typedef enum { DEPS_MET, DEPS_WAIT, DEPS_FAILED } deps_t;

static deps_t deps_of(const pub_units_t *u, const pub_unit_t *x, size_t msg)
{
	const pub_host_ref_t *idx = NULL;
	if (x->cls == PUB_UNIT_SRV_ADD)
		idx = u->by_addr_host;
	else if (x->cls == PUB_UNIT_ADDR && x->deletes_only)
		idx = u->by_del_host;
	if (idx == NULL)
		return DEPS_MET;
	deps_t r = DEPS_MET;
	for (size_t k = x->dep_lo; k < x->dep_hi; k++) {
		const pub_unit_t *d = &u->v[idx[k].unit];
		if (d == x)
			continue;
		switch (d->st) {
		case PUB_U_OK: break;
		case PUB_U_FAILED:
		case PUB_U_SKIPPED: return DEPS_FAILED;
		case PUB_U_SENT:
			if (d->msg != msg)
				r = DEPS_WAIT;
			break;
		case PUB_U_PENDING: r = DEPS_WAIT; break;
		}
	}
	return r;
}

long pub_units_pack(pub_units_t *u, size_t zone, size_t budget, pub_oplist_t *ops, size_t *msg)
{
	size_t m = ++u->next_msg, used = 0, lo, hi;
	long packed = 0;
	zone_range(u, zone, &lo, &hi);
	for (size_t i = lo; i < hi; i++) {
		pub_unit_t *x = &u->v[i];
		if (x->st != PUB_U_PENDING)
			continue;
		deps_t d = deps_of(u, x, m);
		if (d == DEPS_FAILED) {
			x->st = PUB_U_SKIPPED;
			continue;
		}
		if (d == DEPS_WAIT)
			continue;
		if (x->size > budget) {
			x->st = PUB_U_FAILED; /* fits no message */
			continue;
		}
		if (used + x->size > budget)
			break; /* the rest goes in the next message */
		for (size_t k = 0; k < x->ops.n; k++)
			if (pub_oplist_add(ops, x->ops.v[k].kind, x->ops.v[k].rr) != 0)
				return -1;
		used += x->size;
		x->st = PUB_U_SENT;
		x->msg = m;
		packed++;
	}
	*msg = m;
	return packed;
}

void pub_units_done(pub_units_t *u, size_t zone, size_t msg, bool ok)
{
	size_t lo, hi;
	zone_range(u, zone, &lo, &hi);
	for (size_t i = lo; i < hi; i++)
		if (u->v[i].st == PUB_U_SENT && u->v[i].msg == msg)
			u->v[i].st = ok ? PUB_U_OK : PUB_U_FAILED;
}

void pub_units_skip_zone(pub_units_t *u, size_t zone)
{
	size_t lo, hi;
	zone_range(u, zone, &lo, &hi);
	for (size_t i = lo; i < hi; i++)
		if (u->v[i].st == PUB_U_PENDING)
			u->v[i].st = PUB_U_SKIPPED;
}

bool pub_units_pending(const pub_units_t *u, size_t zone)
{
	size_t lo, hi;
	zone_range(u, zone, &lo, &hi);
	for (size_t i = lo; i < hi; i++)
		if (u->v[i].st == PUB_U_PENDING)
			return true;
	return false;
}

void pub_units_free(pub_units_t *u)
{
	for (size_t i = 0; i < u->n; i++)
		pub_oplist_deinit(&u->v[i].ops);
	free(u->v);
	free(u->by_addr_host);
	free(u->by_del_host);
	memset(u, 0, sizeof(*u));
}
