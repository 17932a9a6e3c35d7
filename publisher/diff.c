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

/* A sorted view of a list, for lookups in O(log n): a zone may hold a thousand hosts. */
typedef struct {
	const ldns_rr **v;
	size_t n;
	int (*cmp)(const void *, const void *);
} idx_t;

static int by_record(const void *a, const void *b)
{
	return pub_rr_cmp(*(const ldns_rr *const *)a, *(const ldns_rr *const *)b);
}

/* Owner and type: the RRset. */
static int by_set(const void *a, const void *b)
{
	const ldns_rr *x = *(const ldns_rr *const *)a, *y = *(const ldns_rr *const *)b;
	int c = ldns_rdf_compare(ldns_rr_owner(x), ldns_rr_owner(y));
	if (c != 0)
		return c;
	return (int)ldns_rr_get_type(x) - (int)ldns_rr_get_type(y);
}

/* Owner and SRV target: one host's records at a name. */
static int by_pair(const void *a, const void *b)
{
	int c = by_set(a, b);
	if (c != 0)
		return c;
	const ldns_rr *x = *(const ldns_rr *const *)a, *y = *(const ldns_rr *const *)b;
	if (!pub_rr_is_srv(x) || !pub_rr_is_srv(y))
		return (int)pub_rr_is_srv(x) - (int)pub_rr_is_srv(y);
	return ldns_rdf_compare(ldns_rr_rdf(x, 3), ldns_rr_rdf(y, 3));
}

static int idx_build(idx_t *ix, const pub_rrlist_t *list, int (*cmp)(const void *, const void *))
{
	ix->n = list != NULL ? list->n : 0;
	ix->cmp = cmp;
	ix->v = malloc((ix->n > 0 ? ix->n : 1) * sizeof(*ix->v));
	if (ix->v == NULL)
		return -1;
	for (size_t i = 0; i < ix->n; i++)
		ix->v[i] = list->v[i];
	if (ix->n > 1)
		qsort(ix->v, ix->n, sizeof(*ix->v), cmp);
	return 0;
}

/* Index of the first entry comparing equal to rr, or ix->n. */
static size_t idx_lower(const idx_t *ix, const ldns_rr *rr)
{
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ix->cmp(&ix->v[mid], &rr) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->n && ix->cmp(&ix->v[lo], &rr) == 0 ? lo : ix->n;
}

/* The first entry comparing equal to rr, or NULL. */
static const ldns_rr *idx_find(const idx_t *ix, const ldns_rr *rr)
{
	size_t i = idx_lower(ix, rr);
	return i < ix->n ? ix->v[i] : NULL;
}

typedef struct {
	idx_t des, act, pub, wd; /* by record */
	idx_t des_set, act_set;  /* by RRset */
	idx_t des_pair, wd_pair; /* by (owner, target) */
	pub_rrlist_t withdraw;   /* published, not desired (borrowed) */
	pub_oplist_t *out, adds;
} diff_t;

static void diff_deinit(diff_t *d)
{
	idx_t *all[] = {&d->des,     &d->act,     &d->pub,      &d->wd,
	                &d->des_set, &d->act_set, &d->des_pair, &d->wd_pair};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		free(all[i]->v);
	pub_rrlist_deinit(&d->withdraw);
	pub_oplist_deinit(&d->adds);
}

static int diff_init(diff_t *d, const pub_rrlist_t *desired, const pub_rrlist_t *actual,
                     const pub_rrlist_t *published)
{
	if (idx_build(&d->des, desired, by_record) != 0 ||
	    idx_build(&d->act, actual, by_record) != 0 ||
	    idx_build(&d->pub, published, by_record) != 0)
		return -1;
	for (size_t i = 0; published != NULL && i < published->n; i++)
		if (idx_find(&d->des, published->v[i]) == NULL &&
		    pub_rrlist_add(&d->withdraw, published->v[i]) != 0)
			return -1;
	if (idx_build(&d->wd, &d->withdraw, by_record) != 0 ||
	    idx_build(&d->des_set, desired, by_set) != 0 ||
	    idx_build(&d->act_set, actual, by_set) != 0 ||
	    idx_build(&d->des_pair, desired, by_pair) != 0 ||
	    idx_build(&d->wd_pair, &d->withdraw, by_pair) != 0)
		return -1;
	return 0;
}

/* Whether the desired record d is on the server with a TTL to change: a TTL differing from
 * the desired one and from the one we published (else it is someone else's choice). */
static bool ttl_due(const diff_t *d, const ldns_rr *des)
{
	const ldns_rr *a = idx_find(&d->act, des), *p = idx_find(&d->pub, des);
	return a != NULL && p != NULL && ldns_rr_ttl(a) != ldns_rr_ttl(des) &&
	       ldns_rr_ttl(p) != ldns_rr_ttl(des);
}

static bool op_listed(const pub_oplist_t *ops, size_t from, pub_op_kind_t kind, const ldns_rr *rr)
{
	for (size_t i = from; i < ops->n; i++)
		if (ops->v[i].kind == kind &&
		    (kind == PUB_OP_DEL_RRSET ? pub_rr_same_set(ops->v[i].rr, rr)
		                              : pub_rr_equal(ops->v[i].rr, rr)))
			return true;
	return false;
}

static int srv_deletes(diff_t *d, const pub_rrlist_t *actual)
{
	for (size_t i = 0; actual != NULL && i < actual->n; i++) {
		const ldns_rr *a = actual->v[i];
		if (!pub_rr_is_srv(a))
			continue;
		const ldns_rr *des = idx_find(&d->des, a);
		if (des != NULL
		            ? !ttl_due(d, des)
		            : idx_find(&d->des_pair, a) == NULL && idx_find(&d->wd_pair, a) == NULL)
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
		if (!pub_rr_is_addr(w) || idx_find(&d->des_set, w) != NULL)
			continue;
		const ldns_rr *a = idx_find(&d->act, w);
		if (a != NULL && pub_oplist_add(d->out, PUB_OP_DEL, a) != 0)
			return -1;
	}
	return 0;
}

/* Whether the desired RRset of rr is on the server exactly, with no TTL change due. */
static bool rrset_current(const diff_t *d, const ldns_rr *rr)
{
	size_t na = 0, nd = 0;
	for (size_t i = idx_lower(&d->des_set, rr); i < d->des_set.n; i++) {
		const ldns_rr *x = d->des_set.v[i];
		if (!pub_rr_same_set(x, rr))
			break;
		if (idx_find(&d->act, x) == NULL || ttl_due(d, x))
			return false;
		nd++;
	}
	for (size_t i = idx_lower(&d->act_set, rr); i < d->act_set.n; i++) {
		if (!pub_rr_same_set(d->act_set.v[i], rr))
			break;
		na++;
	}
	return na == nd; /* no extra records (both lists hold each record once) */
}

static int addr_replacements(diff_t *d, const pub_rrlist_t *desired)
{
	size_t from = d->out->n;
	for (size_t i = 0; desired != NULL && i < desired->n; i++) {
		const ldns_rr *rr = desired->v[i];
		if (!pub_rr_is_addr(rr) || op_listed(d->out, from, PUB_OP_DEL_RRSET, rr) ||
		    op_listed(&d->adds, 0, PUB_OP_ADD, rr) || rrset_current(d, rr))
			continue;
		/* No needless RRset delete when the server holds none of it. */
		if (idx_find(&d->act_set, rr) != NULL &&
		    pub_oplist_add(d->out, PUB_OP_DEL_RRSET, rr) != 0)
			return -1;
		for (size_t k = idx_lower(&d->des_set, rr); k < d->des_set.n; k++) {
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
		const ldns_rr *x = desired->v[i];
		if (!pub_rr_is_srv(x) || (idx_find(&d.act, x) != NULL && !ttl_due(&d, x)))
			continue;
		if (pub_oplist_add(out, PUB_OP_ADD, x) != 0)
			goto done;
	}
	ret = 0;
done:
	diff_deinit(&d);
	return ret;
}
