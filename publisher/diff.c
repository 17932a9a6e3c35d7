/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/diff.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/array.h"

int pub_oplist_add(pub_oplist_t *ops, pub_op_kind_t kind, const pub_rr_t *rr)
{
	pub_op_t *v = kd_array_reserve(ops->v, &ops->cap, ops->n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	ops->v = v;
	v[ops->n].kind = kind;
	v[ops->n].rr = *rr;
	ops->n++;
	return 0;
}

void pub_oplist_deinit(pub_oplist_t *ops)
{
	free(ops->v);
	memset(ops, 0, sizeof(*ops));
}

static bool has_pair(const pub_rrlist_t *list, const pub_rr_t *srv)
{
	for (size_t i = 0; list != NULL && i < list->n; i++) {
		const pub_rr_t *r = &list->v[i];
		if (r->type == PUB_T_SRV && strcasecmp(r->owner, srv->owner) == 0 &&
		    strcasecmp(r->target, srv->target) == 0)
			return true;
	}
	return false;
}

static bool has_rrset(const pub_rrlist_t *list, const char *owner, uint16_t type)
{
	for (size_t i = 0; list != NULL && i < list->n; i++)
		if (list->v[i].type == type && strcasecmp(list->v[i].owner, owner) == 0)
			return true;
	return false;
}

/* Every record of (owner, type) in a is in b. */
static bool rrset_subset(const pub_rrlist_t *a, const pub_rrlist_t *b, const char *owner,
                         uint16_t type)
{
	for (size_t i = 0; a != NULL && i < a->n; i++) {
		const pub_rr_t *r = &a->v[i];
		if (r->type == type && strcasecmp(r->owner, owner) == 0 &&
		    pub_rrlist_find(b, r) < 0)
			return false;
	}
	return true;
}

static bool is_addr(const pub_rr_t *rr)
{
	return rr->type == PUB_T_A || rr->type == PUB_T_AAAA;
}

/* Whether an earlier op already deletes this record or its RRset. */
static bool op_seen(const pub_oplist_t *ops, size_t from, pub_op_kind_t kind, const pub_rr_t *rr)
{
	for (size_t i = from; i < ops->n; i++) {
		const pub_rr_t *o = &ops->v[i].rr;
		if (ops->v[i].kind != kind)
			continue;
		if (kind == PUB_OP_DEL_RRSET
		            ? (o->type == rr->type && strcasecmp(o->owner, rr->owner) == 0)
		            : pub_rr_equal(o, rr))
			return true;
	}
	return false;
}

static int srv_deletes(const pub_rrlist_t *desired, const pub_rrlist_t *actual,
                       const pub_rrlist_t *withdraw, pub_oplist_t *out)
{
	size_t from = out->n;
	for (size_t i = 0; i < actual->n; i++) {
		const pub_rr_t *a = &actual->v[i];
		if (a->type != PUB_T_SRV || pub_rrlist_find(desired, a) >= 0)
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
		const pub_rr_t *d = &desired->v[i];
		if (!is_addr(d) || op_seen(out, from, PUB_OP_DEL_RRSET, d))
			continue;
		if (rrset_subset(desired, actual, d->owner, d->type) &&
		    rrset_subset(actual, desired, d->owner, d->type))
			continue;
		pub_rr_t set = *d;
		memset(set.addr, 0, sizeof(set.addr));
		set.ttl = 0;
		if (pub_oplist_add(out, PUB_OP_DEL_RRSET, &set) != 0)
			return -1;
		for (size_t j = 0; j < desired->n; j++) {
			const pub_rr_t *r = &desired->v[j];
			if (r->type == d->type && strcasecmp(r->owner, d->owner) == 0 &&
			    !op_seen(adds, 0, PUB_OP_ADD, r) &&
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
		const pub_rr_t *w = &withdraw->v[i];
		if (!is_addr(w) || has_rrset(desired, w->owner, w->type))
			continue;
		long k = pub_rrlist_find(actual, w);
		if (k < 0 || op_seen(out, from, PUB_OP_DEL, w))
			continue;
		if (pub_oplist_add(out, PUB_OP_DEL, &actual->v[k]) != 0)
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
		if (pub_oplist_add(out, PUB_OP_ADD, &adds.v[i].rr) != 0)
			goto done;
	for (size_t i = 0; i < desired->n; i++) {
		const pub_rr_t *d = &desired->v[i];
		if (d->type != PUB_T_SRV || pub_rrlist_find(actual, d) >= 0 ||
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
