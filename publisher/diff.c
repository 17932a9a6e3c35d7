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

/* Same owner and the same target (an SRV record of the same host at that name). */
static bool same_pair(const ldns_rr *a, const ldns_rr *b)
{
	return pub_rr_same_set(a, b) && ldns_rdf_compare(ldns_rr_rdf(a, 3), ldns_rr_rdf(b, 3)) == 0;
}

static bool has_pair(const pub_rrlist_t *list, const ldns_rr *srv)
{
	for (size_t i = 0; list != NULL && i < list->n; i++)
		if (pub_rr_is_srv(list->v[i]) && same_pair(list->v[i], srv))
			return true;
	return false;
}

static bool has_rrset(const pub_rrlist_t *list, const ldns_rr *rr)
{
	for (size_t i = 0; list != NULL && i < list->n; i++)
		if (pub_rr_same_set(list->v[i], rr))
			return true;
	return false;
}

/* Every record of rr's RRset in a is in b. */
static bool rrset_subset(const pub_rrlist_t *a, const pub_rrlist_t *b, const ldns_rr *rr)
{
	for (size_t i = 0; a != NULL && i < a->n; i++)
		if (pub_rr_same_set(a->v[i], rr) && pub_rrlist_find(b, a->v[i]) < 0)
			return false;
	return true;
}

/* Whether an earlier op already deletes this record or its RRset. */
static bool op_seen(const pub_oplist_t *ops, size_t from, pub_op_kind_t kind, const ldns_rr *rr)
{
	for (size_t i = from; i < ops->n; i++) {
		const ldns_rr *o = ops->v[i].rr;
		if (ops->v[i].kind != kind)
			continue;
		if (kind == PUB_OP_DEL_RRSET ? pub_rr_same_set(o, rr) : pub_rr_equal(o, rr))
			return true;
	}
	return false;
}

static int srv_deletes(const pub_rrlist_t *desired, const pub_rrlist_t *actual,
                       const pub_rrlist_t *withdraw, pub_oplist_t *out)
{
	size_t from = out->n;
	for (size_t i = 0; i < actual->n; i++) {
		const ldns_rr *a = actual->v[i];
		if (!pub_rr_is_srv(a) || pub_rrlist_find(desired, a) >= 0)
			continue;
		if (!has_pair(desired, a) && !has_pair(withdraw, a))
			continue; /* another host's record */
		if (op_seen(out, from, PUB_OP_DEL, a))
			continue;
		if (pub_oplist_add(out, PUB_OP_DEL, a) != 0)
			return -1;
	}
	return 0;
}

static int addr_replacements(const pub_rrlist_t *desired, const pub_rrlist_t *actual,
                             pub_oplist_t *out, pub_oplist_t *adds)
{
	size_t from = out->n;
	for (size_t i = 0; i < desired->n; i++) {
		const ldns_rr *d = desired->v[i];
		if (!pub_rr_is_addr(d) || op_seen(out, from, PUB_OP_DEL_RRSET, d))
			continue;
		if (rrset_subset(desired, actual, d) && rrset_subset(actual, desired, d))
			continue;
		if (pub_oplist_add(out, PUB_OP_DEL_RRSET, d) != 0)
			return -1;
		for (size_t j = 0; j < desired->n; j++) {
			const ldns_rr *r = desired->v[j];
			if (pub_rr_same_set(r, d) && !op_seen(adds, 0, PUB_OP_ADD, r) &&
			    pub_oplist_add(adds, PUB_OP_ADD, r) != 0)
				return -1;
		}
	}
	return 0;
}

static int addr_withdrawals(const pub_rrlist_t *desired, const pub_rrlist_t *actual,
                            const pub_rrlist_t *withdraw, pub_oplist_t *out)
{
	size_t from = out->n;
	for (size_t i = 0; withdraw != NULL && i < withdraw->n; i++) {
		const ldns_rr *w = withdraw->v[i];
		if (!pub_rr_is_addr(w) || has_rrset(desired, w))
			continue;
		long k = pub_rrlist_find(actual, w);
		if (k < 0 || op_seen(out, from, PUB_OP_DEL, w))
			continue;
		if (pub_oplist_add(out, PUB_OP_DEL, actual->v[k]) != 0)
			return -1;
	}
	return 0;
}

int pub_diff(const pub_rrlist_t *desired, const pub_rrlist_t *actual, const pub_rrlist_t *withdraw,
             pub_oplist_t *out)
{
	pub_oplist_t adds = {0};
	int ret = -1;
	if (srv_deletes(desired, actual, withdraw, out) != 0 ||
	    addr_withdrawals(desired, actual, withdraw, out) != 0 ||
	    addr_replacements(desired, actual, out, &adds) != 0)
		goto done;
	for (size_t i = 0; i < adds.n; i++)
		if (pub_oplist_add(out, PUB_OP_ADD, adds.v[i].rr) != 0)
			goto done;
	for (size_t i = 0; i < desired->n; i++) {
		const ldns_rr *d = desired->v[i];
		if (!pub_rr_is_srv(d) || pub_rrlist_find(actual, d) >= 0 ||
		    op_seen(out, 0, PUB_OP_ADD, d))
			continue;
		if (pub_oplist_add(out, PUB_OP_ADD, d) != 0)
			goto done;
	}
	ret = 0;
done:
	pub_oplist_deinit(&adds);
	return ret;
}
