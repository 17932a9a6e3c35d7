/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/read.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *type_name(ldns_rr_type t)
{
	switch (t) {
	case LDNS_RR_TYPE_SOA: return "SOA";
	case LDNS_RR_TYPE_A: return "A";
	case LDNS_RR_TYPE_AAAA: return "AAAA";
	case LDNS_RR_TYPE_SRV: return "SRV";
	default: return "?";
	}
}

static const char *rcode_name(ldns_pkt_rcode rc)
{
	ldns_lookup_table *l = ldns_lookup_by_id(ldns_rcodes, (int)rc);
	return l != NULL ? l->name : "unknown rcode";
}

/* Whether zone's labels end name's, compared without case (as ldns_dname_compare and
 * ldns_dname_is_subdomain compare them); strict: with a label more. On the wire form:
 * ldns_dname_is_subdomain allocates each label it compares, in each of a thousand answers. */
static bool ends_with(const ldns_rdf *name, const ldns_rdf *zone, bool strict)
{
	const uint8_t *w = ldns_rdf_data(name), *z = ldns_rdf_data(zone);
	size_t n = ldns_rdf_size(name), zn = ldns_rdf_size(zone);
	for (size_t pos = 0; pos < n && n - pos >= zn; pos += (size_t)w[pos] + 1) {
		if (n - pos == zn) {
			for (size_t i = 0; i < zn; i++)
				if (tolower(w[pos + i]) != tolower(z[i]))
					return false;
			return !strict || pos > 0;
		}
		if (w[pos] == 0)
			break;
	}
	return false;
}

/* Whether name is zone or lies below it. */
static bool under(const ldns_rdf *name, const ldns_rdf *zone)
{
	return ends_with(name, zone, false);
}

/* name strictly below zone (the zone itself spelled in another case is not). */
static bool below(const ldns_rdf *name, const ldns_rdf *zone)
{
	return ends_with(name, zone, true);
}

/* The owner of the first record of type in list that is qname or one of its ancestors
 * (an SOA: the zone holding qname; an NS: a zone cut above it), or NULL. */
static const ldns_rdf *owner_above(const ldns_rr_list *list, ldns_rr_type type,
                                   const ldns_rdf *qname)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);
		if (rr != NULL && ldns_rr_get_type(rr) == type && under(qname, ldns_rr_owner(rr)))
			return ldns_rr_owner(rr);
	}
	return NULL;
}

static size_t count_type(const ldns_rr_list *list, ldns_rr_type type)
{
	size_t n = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++)
		n += ldns_rr_list_rr(list, i) != NULL &&
		     ldns_rr_get_type(ldns_rr_list_rr(list, i)) == type;
	return n;
}

static const struct {
	unsigned bit;
	ldns_rr_type type;
} asks[] = {
        {PUB_ASK_SOA, LDNS_RR_TYPE_SOA},
        {PUB_ASK_A, LDNS_RR_TYPE_A},
        {PUB_ASK_AAAA, LDNS_RR_TYPE_AAAA},
        {PUB_ASK_SRV, LDNS_RR_TYPE_SRV},
};
#define NASKS (sizeof(asks) / sizeof(asks[0]))

unsigned pub_ask_bit(ldns_rr_type t)
{
	for (size_t k = 0; k < NASKS; k++)
		if (asks[k].type == t && t != LDNS_RR_TYPE_SOA)
			return asks[k].bit;
	return 0;
}

int pub_answer_take(ldns_rr_list *ans, size_t i, pub_rrlist_t *out)
{
	/* Taken, not copied: a thousand records, and the packet is freed next. */
	ldns_rr *rr = ldns_rr_list_rr(ans, i);
	if (pub_rrlist_add(out, rr) != 0)
		return -1;
	ldns_rr_list_set_rr(ans, NULL, i);
	ldns_rr2canonical(rr);
	return 0;
}

/* Records of type at qname taken from the answer into out->rrs; a CNAME at qname makes it an
 * alias. */
static int collect(ldns_pkt *pkt, const ldns_rdf *q, ldns_rr_type type, pub_answer_t *out,
                   kd_error_t *err)
{
	ldns_rr_list *ans = ldns_pkt_answer(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);
		if (rr == NULL || ldns_dname_compare(ldns_rr_owner(rr), q) != 0 ||
		    ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
			continue; /* the rest of a CNAME chain is not ours to judge */
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && ldns_rr_rd_count(rr) == 1 &&
		    out->where != PUB_WHERE_ALIAS) {
			if (kd_dname_from_rdf(ldns_rr_rdf(rr, 0), out->other, sizeof(out->other)) !=
			    0)
				snprintf(out->other, sizeof(out->other), "?");
			out->where = PUB_WHERE_ALIAS;
			continue;
		}
		if (ldns_rr_get_type(rr) != type || type == LDNS_RR_TYPE_SOA)
			continue;
		if ((pub_rr_is_srv(rr) || pub_rr_is_addr(rr)) && ldns_rr_rd_count(rr) > 0 &&
		    pub_answer_take(ans, i, &out->rrs) != 0)
			return kd_fail(err, KD_ENOMEM, "out of memory");
	}
	return 0;
}

int pub_answer_parse(ldns_pkt *pkt, const char *qname, ldns_rr_type type, const char *zone,
                     pub_answer_t *out, kd_error_t *err)
{
	out->where = PUB_WHERE_ZONE;
	out->other[0] = '\0';
	out->is_signed = ldns_pkt_tsig(pkt) != NULL;
	out->located = false;
	const char *tn = type_name(type);
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(pkt);
	if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN)
		return kd_fail(err, KD_ERCODE, "%s reading %s %s (zone %s not served there?)",
		               rcode_name(rc), qname, tn, zone);
	if (ldns_pkt_tc(pkt)) {
		/* Over TCP nothing longer comes: the RRset itself is too large. */
		size_t got = count_type(ldns_pkt_answer(pkt), type);
		if (got > 0)
			return kd_fail(
			        err, KD_EMALFORMED,
			        "truncated answer to %s %s over TCP: the RRset holds more than "
			        "the %zu records that fit one 64 KiB message",
			        qname, tn, got);
		return kd_fail(err, KD_EMALFORMED,
		               "truncated answer to %s %s over TCP: the RRset does not fit one 64 "
		               "KiB message",
		               qname, tn);
	}
	ldns_rdf *q = kd_dname_to_rdf(qname), *z = kd_dname_to_rdf(zone);
	size_t before = out->rrs.n;
	int ret = -1;
	if (q == NULL || z == NULL) {
		kd_fail(err, KD_EINVAL, "invalid name %s or zone %s", qname, zone);
		goto done;
	}
	if (collect(pkt, q, type, out, err) != 0)
		goto done;
	ret = 0;
	out->located = true; /* unless nothing below says where the name is */
	if (out->where == PUB_WHERE_ALIAS)
		goto done;
	if (!ldns_pkt_aa(pkt)) {
		const ldns_rdf *cut = owner_above(ldns_pkt_authority(pkt), LDNS_RR_TYPE_NS, q);
		if (cut != NULL && below(cut, z) &&
		    kd_dname_from_rdf(cut, out->other, sizeof(out->other)) == 0) {
			out->where = PUB_WHERE_REFERRAL;
			goto done;
		}
		ret = kd_fail(err, KD_ERCODE,
		              "answer to %s %s not authoritative (zone %s not served there?)",
		              qname, tn, zone);
		goto done;
	}
	const ldns_rdf *holder = type == LDNS_RR_TYPE_SOA
	                                 ? owner_above(ldns_pkt_answer(pkt), LDNS_RR_TYPE_SOA, q)
	                                 : NULL;
	if (holder == NULL)
		holder = owner_above(ldns_pkt_authority(pkt), LDNS_RR_TYPE_SOA, q);
	out->located = holder != NULL;
	if (holder == NULL || ldns_dname_compare(holder, z) == 0)
		goto done; /* a positive answer names no zone: nothing says otherwise */
	char h[PUB_NAME_MAX];
	if (kd_dname_from_rdf(holder, h, sizeof(h)) != 0) {
		ret = kd_fail(err, KD_EMALFORMED, "bad SOA owner in the answer to %s %s", qname,
		              tn);
	} else if (below(holder, z)) {
		out->where = PUB_WHERE_CHILD;
		memcpy(out->other, h, sizeof(h));
	} else {
		ret = kd_fail(err, KD_ENOENT,
		              "%s is not in a zone %s at this server (it answers from zone %s)",
		              qname, zone, h);
	}
done:
	if (ret != 0) /* nothing half-read stays behind */
		while (out->rrs.n > before)
			ldns_rr_free(out->rrs.v[--out->rrs.n]);
	ldns_rdf_deep_free(q);
	ldns_rdf_deep_free(z);
	return ret;
}

int pub_answer_parse_wire(const uint8_t *wire, size_t len, const char *qname, ldns_rr_type type,
                          const char *zone, pub_answer_t *out, kd_error_t *err)
{
	ldns_pkt *pkt = NULL;
	if (ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK)
		return kd_fail(err, KD_EMALFORMED, "malformed answer");
	int ret = pub_answer_parse(pkt, qname, type, zone, out, err);
	ldns_pkt_free(pkt);
	return ret;
}

/* What one answer adds to its name's result. Returns whether it said which zone holds the
 * name (or failed: nothing more is asked then). */
static bool merge(pub_name_read_t *r, const kd_question_t *q)
{
	pub_answer_t a = {.rrs = r->rrs}; /* appended to in place */
	kd_error_t why = {0};
	if (q->err != KD_OK) {
		if (q->err == KD_ETSIG && strncmp(q->why, "unsigned ", 9) == 0)
			/* Servers also answer so for zones they do not serve. */
			kd_fail(&r->err, q->err,
			        "%s; answer to the signed read of %s %s (or zone %s is not served "
			        "there)",
			        q->why, r->name, type_name(q->type), r->zone);
		else if (q->err == KD_ETSIG)
			kd_fail(&r->err, q->err, "%s; answer to the signed read of %s %s", q->why,
			        r->name, type_name(q->type));
		else
			kd_fail(&r->err, q->err, "failed to read %s %s (%s)", r->name,
			        type_name(q->type),
			        q->why[0] != '\0' ? q->why : kd_strerror(q->err));
		return true;
	}
	int ret = pub_answer_parse(q->answer, r->name, q->type, r->zone, &a, &why);
	r->rrs = a.rrs;
	if (ret != 0) {
		r->err = why;
		return true;
	}
	r->all_signed = r->all_signed && a.is_signed;
	/* An answer that names the zone says where the name is; any answer may show an alias. */
	if (a.where == PUB_WHERE_ALIAS || (a.located && r->where != PUB_WHERE_ALIAS)) {
		r->where = a.where;
		memcpy(r->other, a.other, sizeof(r->other));
	}
	return a.located;
}

/* One batch: the questions of names whose bits are in want[] (one bit per name). Sets
 * found[i] for the names an answer located. Returns 0 or -1 on ENOMEM. */
static int read_batch(const kd_query_opts_t *opts, const kd_signer_t *signer,
                      pub_name_read_t *names, size_t n, const unsigned *want, bool *found,
                      kd_addr_t *from)
{
	size_t nq = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < NASKS; k++)
			nq += (want[i] & asks[k].bit) != 0;
	if (nq == 0)
		return 0;
	kd_question_t *qs = calloc(nq, sizeof(*qs));
	size_t *owner = calloc(nq, sizeof(*owner));
	if (qs == NULL || owner == NULL) {
		free(qs);
		free(owner);
		return -1;
	}
	size_t j = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < NASKS; k++)
			if (want[i] & asks[k].bit) {
				qs[j].name = names[i].name;
				qs[j].type = asks[k].type;
				owner[j++] = i;
			}
	/* A batch's IDs must differ: more questions go in several, on the same connection. */
	for (size_t at = 0; at < nq; at += KD_BATCH_MAX)
		kd_query_batch(opts, signer, qs + at,
		               nq - at < KD_BATCH_MAX ? nq - at : KD_BATCH_MAX, from);
	for (size_t i = 0; i < nq; i++) {
		pub_name_read_t *r = &names[owner[i]];
		if (r->err.code == KD_OK && merge(r, &qs[i]))
			found[owner[i]] = true;
		ldns_pkt_free(qs[i].answer);
	}
	free(qs);
	free(owner);
	return 0;
}

int pub_read_names(const kd_query_opts_t *opts, const kd_signer_t *signer, pub_name_read_t *names,
                   size_t n, kd_addr_t *from)
{
	kd_conn_t *own = NULL; /* both batches on one connection */
	kd_query_opts_t o = *opts;
	if (o.conn == NULL)
		o.conn = &own;
	unsigned *want = calloc(n + 1, sizeof(*want));
	bool *found = calloc(n + 1, sizeof(*found));
	int ret = -1;
	if (want == NULL || found == NULL)
		goto done;
	/* The types first: an empty answer names the zone by its SOA, so the SOA probe (which
	 * zone holds the name, below a cut or not) is needed only after a positive answer; where
	 * one is expected, it is asked at once rather than in a second batch. */
	for (size_t i = 0; i < n; i++) {
		names[i].all_signed = true;
		names[i].where = PUB_WHERE_ZONE;
		names[i].other[0] = '\0';
		want[i] = names[i].ask & ~(unsigned)PUB_ASK_SOA;
		if (want[i] == 0 || names[i].probe_first)
			want[i] = names[i].ask;
	}
	if (read_batch(&o, signer, names, n, want, found, from) != 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		want[i] = (names[i].ask & PUB_ASK_SOA) && want[i] != names[i].ask && !found[i] &&
		                          names[i].err.code == KD_OK
		                  ? PUB_ASK_SOA
		                  : 0;
	/* From the server that answered: those before it did not. */
	for (size_t s = 0; s < opts->count; s++)
		if (kd_addr_equal(&opts->servers[s], from)) {
			o.servers = &opts->servers[s];
			o.count = opts->count - s;
		}
	ret = read_batch(&o, signer, names, n, want, found, from);
done:
	kd_conn_close(own);
	free(want);
	free(found);
	return ret;
}

void pub_name_read_deinit(pub_name_read_t *r)
{
	pub_rrlist_free(&r->rrs);
}
