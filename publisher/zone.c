/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/zone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/array.h"
#include "dns/log.h"

static long add_name(pub_work_t *w, const char *name, unsigned ask)
{
	pub_name_read_t *v = kd_array_reserve(w->names, &w->cap_names, w->n_names + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	w->names = v;
	pub_name_read_t *r = &v[w->n_names];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->zone = w->zone;
	r->ask = ask;
	return (long)w->n_names++;
}

long pub_work_name(pub_work_t *w, const char *name, unsigned ask)
{
	for (size_t i = 0; i < w->n_names; i++)
		if (strcmp(w->names[i].name, name) == 0) {
			w->names[i].ask |= ask;
			return (long)i;
		}
	return add_name(w, name, ask);
}

/* w's names sorted (indexes into w->names), for pub_work_name's job without a linear search:
 * a zone may hold a thousand hosts. */
typedef struct {
	size_t *v;
	size_t n, cap;
} name_idx_t;

/* The position in ix where name is or would go. */
static size_t name_lower(const pub_work_t *w, const name_idx_t *ix, const char *name)
{
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(w->names[ix->v[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* As pub_work_name, through ix (which indexes every name of w). */
static long name_at(pub_work_t *w, name_idx_t *ix, const char *name, unsigned ask)
{
	size_t lo = name_lower(w, ix, name);
	if (lo < ix->n && strcmp(w->names[ix->v[lo]].name, name) == 0) {
		w->names[ix->v[lo]].ask |= ask;
		return (long)ix->v[lo];
	}
	size_t *v = kd_array_reserve(ix->v, &ix->cap, ix->n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	ix->v = v;
	long i = add_name(w, name, ask);
	if (i < 0)
		return -1;
	memmove(&v[lo + 1], &v[lo], (ix->n - lo) * sizeof(*v));
	v[lo] = (size_t)i;
	ix->n++;
	return i;
}

static int plan_owners(pub_work_t *w, name_idx_t *ix, const pub_rrlist_t *list)
{
	for (size_t i = 0; i < list->n; i++) {
		char owner[PUB_NAME_MAX];
		if (pub_rr_owner_str(list->v[i], owner, sizeof(owner)) != 0 ||
		    name_at(w, ix, owner, PUB_ASK_SOA | pub_ask_bit(ldns_rr_get_type(list->v[i]))) <
		            0)
			return -1;
	}
	return 0;
}

static int plan_reads(pub_work_t *w, name_idx_t *ix)
{
	ix->v = calloc(w->n_names + 1, sizeof(*ix->v));
	if (ix->v == NULL)
		return -1;
	ix->cap = w->n_names + 1;
	for (size_t i = 0; i < w->n_names; i++) { /* names already there (none, as yet) */
		size_t lo = name_lower(w, ix, w->names[i].name);
		memmove(&ix->v[lo + 1], &ix->v[lo], (ix->n - lo) * sizeof(ix->v[0]));
		ix->v[lo] = i;
		ix->n++;
	}
	if (plan_owners(w, ix, &w->des) != 0 || plan_owners(w, ix, &w->pub) != 0)
		return -1;
	for (size_t i = 0; i < w->des.n; i++) {
		char target[PUB_NAME_MAX];
		if (pub_rr_target_str(w->des.v[i], target, sizeof(target)) == 0 &&
		    kd_dname_in_zone(target, w->zone) && name_at(w, ix, target, PUB_ASK_SOA) < 0)
			return -1;
	}
	return 0;
}

int pub_work_plan_reads(pub_work_t *w)
{
	name_idx_t ix = {0};
	int ret = plan_reads(w, &ix);
	free(ix.v);
	if (ret != 0)
		return ret;
	/* Most zones read one name: give back the rest of the array's first 8 slots (about
	 * 1 KiB each; 8.6 MB of the peak at 1,000 zones). */
	pub_name_read_t *v = realloc(w->names, (w->n_names + 1) * sizeof(*v));
	if (v != NULL) {
		w->names = v;
		w->cap_names = w->n_names + 1;
	}
	return 0;
}

void pub_work_fail(pub_work_t *w, bool permanent, const kd_error_t *err)
{
	if (!w->failed) {
		w->failed = true;
		w->permanent = permanent;
		w->err = *err;
		return;
	}
	log_err("failed to update zone %s at %s (%s)", w->zone, w->srv, err->msg);
}

/* A record of list at owner/type, or NULL (lists of one name's records). */
static const ldns_rr *find_set(const pub_rrlist_t *list, const ldns_rdf *owner, ldns_rr_type t)
{
	for (size_t i = 0; i < list->n; i++)
		if (ldns_rr_get_type(list->v[i]) == t &&
		    ldns_dname_compare(ldns_rr_owner(list->v[i]), owner) == 0)
			return list->v[i];
	return NULL;
}

/* A record of ix (by RRset) at owner/type, or NULL. */
static const ldns_rr *find_set_ix(const pub_rrindex_t *ix, ldns_rr *key, ldns_rr_type t)
{
	ldns_rr_set_type(key, t);
	return pub_rrindex_find(ix, key);
}

static int collect(pub_work_t *w, const pub_rrindex_t *des, const pub_rrindex_t *pub)
{
	static const struct {
		unsigned bit;
		ldns_rr_type type;
	} types[] = {{PUB_ASK_A, LDNS_RR_TYPE_A},
	             {PUB_ASK_AAAA, LDNS_RR_TYPE_AAAA},
	             {PUB_ASK_SRV, LDNS_RR_TYPE_SRV}};
	for (size_t i = 0; i < w->n_names; i++) {
		pub_name_read_t *r = &w->names[i];
		for (size_t k = 0; k < r->rrs.n; k++)
			if (pub_rrlist_add(&w->actual, r->rrs.v[k]) != 0)
				return -1;
		ldns_rdf *owner = kd_dname_to_rdf(r->name);
		ldns_rr *key = owner != NULL ? ldns_rr_new() : NULL;
		if (key == NULL) {
			ldns_rdf_deep_free(owner);
			return -1;
		}
		ldns_dname2canonical(owner);
		ldns_rr_set_owner(key, owner); /* freed with key */
		int ret = 0;
		for (size_t t = 0; ret == 0 && t < sizeof(types) / sizeof(types[0]); t++) {
			if (!(r->ask & types[t].bit) || find_set(&r->rrs, owner, types[t].type))
				continue;
			const ldns_rr *rep = find_set_ix(des, key, types[t].type);
			if (rep == NULL)
				rep = find_set_ix(pub, key, types[t].type);
			if (rep != NULL)
				ret = pub_rrlist_add(&w->absent, (ldns_rr *)rep);
		}
		ldns_rr_free(key);
		if (ret != 0)
			return -1;
	}
	return 0;
}

int pub_work_collect(pub_work_t *w)
{
	pub_rrlist_deinit(&w->actual);
	pub_rrlist_deinit(&w->absent);
	pub_rrindex_t des, pub = {0};
	int ret = -1;
	if (pub_rrindex_build(&des, &w->des, pub_rr_by_set) == 0 &&
	    pub_rrindex_build(&pub, &w->pub, pub_rr_by_set) == 0)
		ret = collect(w, &des, &pub);
	pub_rrindex_deinit(&des);
	pub_rrindex_deinit(&pub);
	return ret;
}

static void drop_owner(pub_rrlist_t *list, const ldns_rdf *owner)
{
	size_t k = 0;
	for (size_t i = 0; i < list->n; i++)
		if (ldns_dname_compare(ldns_rr_owner(list->v[i]), owner) != 0)
			list->v[k++] = list->v[i];
	list->n = k;
}

void pub_work_drop_owner(pub_work_t *w, const ldns_rdf *owner)
{
	drop_owner(&w->des, owner);
	drop_owner(&w->pub, owner);
}

void pub_work_deinit(pub_work_t *w)
{
	for (size_t i = 0; i < w->n_names; i++)
		pub_name_read_deinit(&w->names[i]);
	free(w->names);
	pub_rrlist_deinit(&w->des);
	pub_rrlist_deinit(&w->pub);
	pub_rrlist_deinit(&w->actual);
	pub_rrlist_deinit(&w->absent);
	pub_oplist_deinit(&w->ops);
	free(w->zone);
	memset(w, 0, sizeof(*w));
}

void pub_ops_summary(const pub_oplist_t *ops, char *buf, size_t len)
{
	kd_strbuf_t sb = {0};
	size_t shown = 0, i = 0;
	while (i < ops->n) {
		/* A run of operations of one kind and type counts once. */
		const pub_op_t *first = &ops->v[i];
		bool one_owner = true;
		size_t k = i + 1;
		while (k < ops->n && ops->v[k].kind == first->kind &&
		       ldns_rr_get_type(ops->v[k].rr) == ldns_rr_get_type(first->rr)) {
			one_owner = one_owner && pub_rr_same_set(ops->v[k].rr, first->rr);
			k++;
		}
		if (shown == 4) {
			kd_strbuf_printf(&sb, " and more");
			break;
		}
		char a[PUB_NAME_MAX] = "?", b[PUB_NAME_MAX] = "?";
		pub_rr_owner_str(first->rr, a, sizeof(a));
		pub_rr_owner_str(ops->v[k - 1].rr, b, sizeof(b));
		const char *verb = first->kind == PUB_OP_ADD ? "add" : "delete";
		const char *type = pub_rr_type_str(first->rr);
		kd_strbuf_printf(&sb, "%s", shown > 0 ? ", " : "");
		if (k - i == 1)
			kd_strbuf_printf(&sb, "%s %s %s", verb, a, type);
		else if (one_owner)
			kd_strbuf_printf(&sb, "%s %s %s x%zu", verb, a, type, k - i);
		else
			kd_strbuf_printf(&sb, "%s %zu %s records (%s ... %s)", verb, k - i, type, a,
			                 b);
		shown++;
		i = k;
	}
	size_t n = 0;
	char *text = kd_strbuf_take(&sb, &n);
	snprintf(buf, len, "%s", text != NULL ? text : "");
	free(text);
}
