/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/transfer.h"

#include <libknot/libknot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dns/array.h"
#include "dns/clock.h"
#include "dns/dname.h"
#include "dns/query.h"

/* A name to settle, sorted by name for the records' owners to find it. */
typedef struct {
	ldns_rdf *name;
	size_t i;    /* into x->names */
	bool exists; /* the transfer holds a record there */
} want_t;

struct pub_xfr_run {
	pub_xfr_t *x;
	pub_tsig_req_t mac; /* the request's, then the last message's (RFC 8945 5.3.1) */
	ldns_rdf *apex;
	want_t *want;
	size_t nwant;
	ldns_rdf **cuts; /* owners of NS records below the apex and of DNAME records */
	bool *dname;     /* cuts[i] is a DNAME's owner (the name itself is not redirected) */
	size_t ncuts, cap;
	bool wildcard; /* the zone has a wildcard: a name without records may be synthesised */
	size_t msgs, rrs;
	bool over; /* done or failed: no more messages are taken */
};

static int by_name(const void *a, const void *b)
{
	return ldns_dname_compare(((const want_t *)a)->name, ((const want_t *)b)->name);
}

pub_xfr_run_t *pub_xfr_run_new(pub_xfr_t *x, const pub_tsig_req_t *req)
{
	pub_xfr_run_t *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->x = x;
	r->mac = *req;
	x->ok = x->refused = false;
	memset(&x->err, 0, sizeof(x->err));
	r->apex = kd_dname_to_rdf(x->zone);
	r->want = calloc(x->n + 1, sizeof(*r->want));
	if (r->apex == NULL || r->want == NULL)
		goto fail;
	for (size_t i = 0; i < x->n; i++, r->nwant++) {
		x->settled[i] = false;
		r->want[i].i = i;
		if ((r->want[i].name = kd_dname_to_rdf(x->names[i].name)) == NULL)
			goto fail;
	}
	qsort(r->want, r->nwant, sizeof(*r->want), by_name);
	return r;
fail:
	r->x = NULL; /* nothing to settle */
	pub_xfr_run_finish(r);
	return NULL;
}

/* The transfer cannot go on: why, and no more messages. */
static kd_reply_t fail(pub_xfr_run_t *r, kd_err_t code, const char *why)
{
	kd_fail(&r->x->err, code, "%s", why);
	r->over = true;
	return KD_REPLY_FINAL;
}

/* The TSIG of message r->msgs (and its rcode), before anything in it is believed. */
static kd_reply_t check_tsig(pub_xfr_run_t *r, const uint8_t *msg, size_t len)
{
	knot_pkt_t *pkt = pub_pkt_parse(msg, len);
	if (pkt == NULL)
		return fail(r, KD_EMALFORMED, "malformed message");
	kd_reply_t ret = KD_REPLY_MORE;
	pub_tsig_result_t t;
	pub_tsig_check_seq(r->x->key, &r->mac, r->msgs, pkt, &t);
	uint16_t rcode = pub_pkt_rcode(pkt);
	char why[KD_WHY_MAX];
	if (pub_tsig_why(rcode, &t, why, sizeof(why)) != 0 || rcode != KNOT_RCODE_NOERROR) {
		if (rcode != KNOT_RCODE_NOERROR)
			pub_rcode_str(rcode, &t, why, sizeof(why));
		/* A server that will not transfer the zone to this key says so each time. */
		r->x->refused = rcode == KNOT_RCODE_REFUSED || rcode == KNOT_RCODE_NOTAUTH ||
		                rcode == KNOT_RCODE_NOTIMPL || rcode == KNOT_RCODE_FORMERR;
		ret = fail(r, rcode != KNOT_RCODE_NOERROR ? KD_ERCODE : KD_ETSIG, why);
	} else if (t.status != PUB_TSIG_VERIFIED) {
		/* Unsigned, not forged or damaged: this server does not sign (all) its transfers.
		 */
		r->x->refused = true;
		ret = fail(r, KD_ETSIG,
		           r->msgs == 0 ? "the answer is unsigned"
		                        : "a message after the first is unsigned (each must be "
		                          "signed)");
	}
	knot_pkt_free(pkt);
	return ret;
}

static int add_cut(pub_xfr_run_t *r, const ldns_rr *rr, bool dname)
{
	size_t cap = r->cap;
	ldns_rdf **v = kd_array_reserve(r->cuts, &cap, r->ncuts + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	r->cuts = v;
	bool *d = kd_array_reserve(r->dname, &r->cap, r->ncuts + 1, sizeof(*d));
	if (d == NULL)
		return -1;
	r->dname = d;
	if ((v[r->ncuts] = ldns_rdf_clone(ldns_rr_owner(rr))) == NULL)
		return -1;
	d[r->ncuts++] = dname;
	return 0;
}

/* Record i of the answer section ans, the r->rrs-th of the transfer: what it says of the
 * zone's structure, and of a name to settle (a record of a type asked is taken out of ans). */
static kd_reply_t take_rr(pub_xfr_run_t *r, ldns_rr_list *ans, size_t i)
{
	ldns_rr *rr = ldns_rr_list_rr(ans, i);
	const ldns_rdf *owner = ldns_rr_owner(rr);
	ldns_rr_type type = ldns_rr_get_type(rr);
	bool soa = type == LDNS_RR_TYPE_SOA && ldns_dname_compare(owner, r->apex) == 0;
	if (r->rrs++ == 0) {
		if (!soa)
			return fail(r, KD_EMALFORMED, "the transfer does not begin with the SOA");
		return KD_REPLY_MORE;
	}
	if (soa) { /* the closing SOA (RFC 5936 2.2) */
		if (i + 1 != ldns_rr_list_rr_count(ans))
			return fail(r, KD_EMALFORMED, "records after the closing SOA");
		r->over = true;
		r->x->ok = true;
		return KD_REPLY_FINAL;
	}
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
		return KD_REPLY_MORE;
	const uint8_t *label = ldns_rdf_data(owner);
	r->wildcard |= label[0] == 1 && label[1] == '*';
	if ((type == LDNS_RR_TYPE_NS && ldns_dname_compare(owner, r->apex) != 0) ||
	    type == LDNS_RR_TYPE_DNAME)
		if (add_cut(r, rr, type == LDNS_RR_TYPE_DNAME) != 0)
			return fail(r, KD_ENOMEM, "out of memory");
	want_t key = {.name = (ldns_rdf *)owner};
	want_t *w = bsearch(&key, r->want, r->nwant, sizeof(*r->want), by_name);
	if (w == NULL)
		return KD_REPLY_MORE;
	w->exists = true;
	pub_name_read_t *nr = &r->x->names[w->i];
	if (type == LDNS_RR_TYPE_CNAME && ldns_rr_rd_count(rr) == 1) {
		nr->where = PUB_WHERE_ALIAS;
		if (kd_dname_from_rdf(ldns_rr_rdf(rr, 0), nr->other, sizeof(nr->other)) != 0)
			snprintf(nr->other, sizeof(nr->other), "?");
		return KD_REPLY_MORE;
	}
	if ((nr->ask & pub_ask_bit(type)) == 0 || ldns_rr_rd_count(rr) == 0)
		return KD_REPLY_MORE;
	if (pub_answer_take(ans, i, &nr->rrs) != 0)
		return fail(r, KD_ENOMEM, "out of memory");
	return KD_REPLY_MORE;
}

kd_reply_t pub_xfr_take(const uint8_t *msg, size_t len, void *run)
{
	pub_xfr_run_t *r = run;
	if (r->over)
		return KD_REPLY_FINAL;
	kd_reply_t ret = check_tsig(r, msg, len);
	r->msgs++;
	if (ret != KD_REPLY_MORE)
		return ret;
	ldns_pkt *pkt = NULL;
	if (ldns_wire2pkt(&pkt, msg, len) != LDNS_STATUS_OK)
		return fail(r, KD_EMALFORMED, "malformed message");
	/* The question, where there is one (later messages may leave it out: RFC 5936 2.2.1). */
	const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	if (!ldns_pkt_qr(pkt) || ldns_pkt_get_opcode(pkt) != LDNS_PACKET_QUERY ||
	    (q == NULL && r->msgs == 1) ||
	    (q != NULL && (ldns_rr_get_type(q) != LDNS_RR_TYPE_AXFR ||
	                   ldns_dname_compare(ldns_rr_owner(q), r->apex) != 0))) {
		ldns_pkt_free(pkt);
		return fail(r, KD_EMISMATCH, "the answer is not to this transfer's question");
	}
	ldns_rr_list *ans = ldns_pkt_answer(pkt);
	for (size_t i = 0; ret == KD_REPLY_MORE && i < ldns_rr_list_rr_count(ans); i++)
		ret = take_rr(r, ans, i);
	ldns_pkt_free(pkt);
	return ret;
}

/* Whether what the transfer shows of name w is what a query would see: not at or below a
 * zone cut, not below a DNAME, not possibly made up by a wildcard. */
static bool settles(const pub_xfr_run_t *r, const want_t *w)
{
	if (r->wildcard && !w->exists)
		return false;
	for (size_t c = 0; c < r->ncuts; c++)
		if (ldns_dname_is_subdomain(w->name, r->cuts[c]) ||
		    (!r->dname[c] && ldns_dname_compare(w->name, r->cuts[c]) == 0))
			return false;
	return true;
}

void pub_xfr_run_finish(pub_xfr_run_t *r)
{
	if (r == NULL)
		return;
	for (size_t k = 0; k < r->nwant; k++) {
		if (r->x != NULL) {
			pub_name_read_t *nr = &r->x->names[r->want[k].i];
			bool ok = r->x->ok && settles(r, &r->want[k]);
			r->x->settled[r->want[k].i] = ok;
			if (ok) {
				nr->all_signed = true;
				memset(&nr->err, 0, sizeof(nr->err));
			} else { /* the queries start from nothing */
				pub_rrlist_free(&nr->rrs);
				nr->where = PUB_WHERE_ZONE;
				nr->other[0] = '\0';
			}
		}
		ldns_rdf_deep_free(r->want[k].name);
	}
	for (size_t c = 0; c < r->ncuts; c++)
		ldns_rdf_deep_free(r->cuts[c]);
	free(r->cuts);
	free(r->dname);
	free(r->want);
	ldns_rdf_deep_free(r->apex);
	free(r);
}

/* The signed AXFR request for x, with ID id; *req gets its MAC. */
static int build(pub_xfr_t *x, uint16_t id, uint8_t **wire, size_t *len, pub_tsig_req_t *req)
{
	ldns_pkt *pkt = NULL;
	kd_err_t e = kd_query_build(x->zone, LDNS_RR_TYPE_AXFR, false, &pkt, wire, len);
	ldns_pkt_free(pkt);
	if (e != KD_OK)
		return kd_fail(&x->err, e, "failed to build the request (%s)", kd_strerror(e));
	size_t cap = *len + pub_tsig_size(x->key);
	uint8_t *v = realloc(*wire, cap);
	if (v == NULL)
		return kd_fail(&x->err, KD_ENOMEM, "out of memory");
	*wire = v;
	v[0] = (uint8_t)(id >> 8);
	v[1] = (uint8_t)id;
	return pub_tsig_sign(x->key, v, len, cap, req, &x->err);
}

int pub_read_transfers(kd_conn_t *c, pub_xfr_t *xs, size_t n, uint64_t deadline_ms)
{
	kd_pipe_item_t *items = calloc(n + 1, sizeof(*items));
	pub_xfr_run_t **runs = calloc(n + 1, sizeof(*runs));
	size_t k = 0; /* requests built */
	int ret = -1;
	if (items == NULL || runs == NULL)
		goto done;
	uint16_t base = 0; /* the IDs differ: base + i; the connection carries nothing else now */
	if (getrandom(&base, sizeof(base), 0) != sizeof(base))
		base = (uint16_t)kd_now_ms();
	for (size_t i = 0; i < n; i++) {
		pub_xfr_t *x = &xs[i];
		uint8_t *wire = NULL;
		size_t len = 0;
		pub_tsig_req_t req;
		if (build(x, (uint16_t)(base + i), &wire, &len, &req) != 0) {
			free(wire);
			if (x->err.code == KD_ENOMEM)
				goto done;
			continue; /* not asked: its names are read by queries */
		}
		items[k] = (kd_pipe_item_t){.msg = wire, .len = len, .check = pub_xfr_take};
		if ((items[k].check_arg = runs[k] = pub_xfr_run_new(x, &req)) == NULL) {
			free(wire);
			goto done;
		}
		k++;
	}
	(void)kd_conn_pipeline(c, items, k, 0, deadline_ms);
	for (size_t i = 0; i < k; i++) {
		pub_xfr_t *x = runs[i]->x;
		if (!x->ok && x->err.code == KD_OK)
			kd_fail(&x->err, items[i].err != KD_OK ? items[i].err : KD_EMALFORMED, "%s",
			        kd_strerror(items[i].err));
	}
	ret = 0;
done:
	for (size_t i = 0; i < k; i++) {
		pub_xfr_run_finish(runs[i]);
		free(items[i].reply);
		free((uint8_t *)items[i].msg);
	}
	free(runs);
	free(items);
	return ret;
}
