/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/diff.h"

#include <stdlib.h>
#include <string.h>

#include "dns/array.h"

int pub_oplist_add(pub_oplist_t *ops, pub_op_kind_t kind, const ldns_rr *rr)
{
	pub_op_t *v = kd_array_reserve(ops->v, &ops->cap, ops->n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	ops->v = v;
	v[ops->n].kind = kind;
	v[ops->n].rr = rr;
	ops->n++;
	return 0;
}

void pub_oplist_deinit(pub_oplist_t *ops)
{
	free(ops->v);
	memset(ops, 0, sizeof(*ops));
}

typedef struct {
	pub_rrindex_t des, act, pub, wd; /* by record */
	pub_rrindex_t des_set, act_set;  /* by RRset */
	pub_rrindex_t des_pair, wd_pair; /* by (owner, target) */
	bool *set_done;                  /* [first index in des_set]: that RRset is handled */
	pub_rrlist_t withdraw;           /* published, not desired (borrowed) */
	pub_oplist_t *out, adds;
} diff_t;

static void diff_deinit(diff_t *d)
{
	pub_rrindex_t *all[] = {&d->des,     &d->act,     &d->pub,      &d->wd,
	                        &d->des_set, &d->act_set, &d->des_pair, &d->wd_pair};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		pub_rrindex_deinit(all[i]);
	free(d->set_done);
	pub_rrlist_deinit(&d->withdraw);
	pub_oplist_deinit(&d->adds);
}

static int diff_init(diff_t *d, const pub_rrlist_t *desired, const pub_rrlist_t *actual,
                     const pub_rrlist_t *published)
{
	if (pub_rrindex_build(&d->des, desired, pub_rr_by_record) != 0 ||
	    pub_rrindex_build(&d->act, actual, pub_rr_by_record) != 0 ||
	    pub_rrindex_build(&d->pub, published, pub_rr_by_record) != 0)
		return -1;
	for (size_t i = 0; published != NULL && i < published->n; i++)
		if (pub_rrindex_find(&d->des, published->v[i]) == NULL &&
		    pub_rrlist_add(&d->withdraw, published->v[i]) != 0)
			return -1;
	if (pub_rrindex_build(&d->wd, &d->withdraw, pub_rr_by_record) != 0 ||
	    pub_rrindex_build(&d->des_set, desired, pub_rr_by_set) != 0 ||
	    pub_rrindex_build(&d->act_set, actual, pub_rr_by_set) != 0 ||
	    pub_rrindex_build(&d->des_pair, desired, pub_rr_by_pair) != 0 ||
	    pub_rrindex_build(&d->wd_pair, &d->withdraw, pub_rr_by_pair) != 0 ||
	    (d->set_done = calloc(d->des_set.n + 1, sizeof(*d->set_done))) == NULL)
		return -1;
	return 0;
}

/* Whether the desired record des is on the server (as a, its entry in d->act, or NULL) with
 * a TTL to change: a TTL differing from the desired one and from the one we published (else
 * it is someone else's choice). The published record is looked up only then: most are
 * current. */
static bool ttl_due(const diff_t *d, const ldns_rr *des, const ldns_rr *a)
{
	if (a == NULL || ldns_rr_ttl(a) == ldns_rr_ttl(des))
		return false;
	const ldns_rr *p = pub_rrindex_find(&d->pub, des);
	return p != NULL && ldns_rr_ttl(p) != ldns_rr_ttl(des);
}

static int srv_deletes(diff_t *d, const pub_rrlist_t *actual)
{
	for (size_t i = 0; actual != NULL && i < actual->n; i++) {
		const ldns_rr *a = actual->v[i];
		if (!pub_rr_is_srv(a))
			continue;
		const ldns_rr *des = pub_rrindex_find(&d->des, a);
		if (des != NULL ? !ttl_due(d, des, pub_rrindex_find(&d->act, des))
		                : pub_rrindex_find(&d->des_pair, a) == NULL &&
		                          pub_rrindex_find(&d->wd_pair, a) == NULL)
			continue; /* up to date, or another host's record */
		if (pub_oplist_add(d->out, PUB_OP_DEL, a) != 0)
			return -1;
	}
	return 0;
}

static int addr_withdrawals(diff_t *d)
{
	for (size_t i = 0; i < d->withdraw.n; i++) {
		const ldns_rr *w = d->withdraw.v[i];
		if (!pub_rr_is_addr(w) || pub_rrindex_find(&d->des_set, w) != NULL)
			continue;
		const ldns_rr *a = pub_rrindex_find(&d->act, w);
		if (a != NULL && pub_oplist_add(d->out, PUB_OP_DEL, a) != 0)
			return -1;
	}
	return 0;
}

/* Whether the desired RRset of rr is on the server exactly, with no TTL change due. */
static bool rrset_current(const diff_t *d, const ldns_rr *rr)
{
	size_t na = 0, nd = 0;
	for (size_t i = pub_rrindex_lower(&d->des_set, rr); i < d->des_set.n; i++) {
		const ldns_rr *x = d->des_set.v[i];
		if (!pub_rr_same_set(x, rr))
			break;
		const ldns_rr *a = pub_rrindex_find(&d->act, x);
		if (a == NULL || ttl_due(d, x, a))
			return false;
		nd++;
	}
	for (size_t i = pub_rrindex_lower(&d->act_set, rr); i < d->act_set.n; i++) {
		if (!pub_rr_same_set(d->act_set.v[i], rr))
			break;
		na++;
	}
	return na == nd; /* no extra records (both lists hold each record once) */
}

static int addr_replacements(diff_t *d, const pub_rrlist_t *desired)
{
	for (size_t i = 0; desired != NULL && i < desired->n; i++) {
		const ldns_rr *rr = desired->v[i];
		if (!pub_rr_is_addr(rr))
			continue;
		size_t first = pub_rrindex_lower(&d->des_set, rr); /* each RRset once */
		bool done = d->set_done[first];
		d->set_done[first] = true;
		if (done || rrset_current(d, rr))
			continue;
		/* No needless RRset delete when the server holds none of it. */
		if (pub_rrindex_find(&d->act_set, rr) != NULL &&
		    pub_oplist_add(d->out, PUB_OP_DEL_RRSET, rr) != 0)
			return -1;
		for (size_t k = pub_rrindex_lower(&d->des_set, rr); k < d->des_set.n; k++) {
			const ldns_rr *x = d->des_set.v[k];
			if (!pub_rr_same_set(x, rr))
				break;
			if (pub_oplist_add(&d->adds, PUB_OP_ADD, x) != 0)
				return -1;
		}
	}
	return 0;
}

int pub_diff(const pub_rrlist_t *desired, const pub_rrlist_t *actual, const pub_rrlist_t *published,
             pub_oplist_t *out)
{
	diff_t d;
	memset(&d, 0, sizeof(d));
	d.out = out;
	int ret = -1;
	if (diff_init(&d, desired, actual, published) != 0 || srv_deletes(&d, actual) != 0 ||
	    addr_withdrawals(&d) != 0 || addr_replacements(&d, desired) != 0)
		goto done;
	for (size_t i = 0; i < d.adds.n; i++)
		if (pub_oplist_add(out, PUB_OP_ADD, d.adds.v[i].rr) != 0)
			goto done;
	for (size_t i = 0; desired != NULL && i < desired->n; i++) {
		const ldns_rr *x = desired->v[i], *a = NULL;
		if (!pub_rr_is_srv(x) ||
		    ((a = pub_rrindex_find(&d.act, x)) != NULL && !ttl_due(&d, x, a)))
			continue;
		if (pub_oplist_add(out, PUB_OP_ADD, x) != 0)
			goto done;
	}
	ret = 0;
done:
	diff_deinit(&d);
	return ret;
}
