/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/actual.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool seen_before(const pub_rrlist_t *list, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (list->v[j].type == list->v[i].type &&
		    strcasecmp(list->v[j].owner, list->v[i].owner) == 0)
			return true;
	return false;
}

/* One answer RR into rr; -1 when it is not a record we understand. */
static int from_ldns(const ldns_rr *in, pub_rr_t *rr)
{
	ldns_rr_type t = ldns_rr_get_type(in);
	if (kd_dname_from_rdf(ldns_rr_owner(in), rr->owner, sizeof(rr->owner)) != 0)
		return -1;
	rr->ttl = ldns_rr_ttl(in);
	if (t == LDNS_RR_TYPE_SRV && ldns_rr_rd_count(in) == 4) {
		rr->type = PUB_T_SRV;
		rr->priority = ldns_rdf2native_int16(ldns_rr_rdf(in, 0));
		rr->weight = ldns_rdf2native_int16(ldns_rr_rdf(in, 1));
		rr->port = ldns_rdf2native_int16(ldns_rr_rdf(in, 2));
		return kd_dname_from_rdf(ldns_rr_rdf(in, 3), rr->target, sizeof(rr->target));
	}
	if ((t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA) && ldns_rr_rd_count(in) == 1) {
		size_t len = t == LDNS_RR_TYPE_A ? 4 : 16;
		const ldns_rdf *rdf = ldns_rr_rdf(in, 0);
		if (ldns_rdf_size(rdf) != len)
			return -1;
		rr->type = t == LDNS_RR_TYPE_A ? PUB_T_A : PUB_T_AAAA;
		memcpy(rr->addr, ldns_rdf_data(rdf), len);
		return 0;
	}
	return -1;
}

static int read_one(const kd_query_opts_t *opts, const char *zone, const pub_rr_t *want,
                    pub_rrlist_t *out, kd_addr_t *from, kd_error_t *err)
{
	ldns_pkt *pkt = NULL;
	char rdata[32];
	pub_rr_rdata_str(want, rdata, sizeof(rdata));
	strtok(rdata, " ");
	kd_err_t e = kd_query(opts, want->owner, (ldns_rr_type)want->type, &pkt, from);
	if (e != KD_OK) {
		return kd_fail(err, e, "failed to read %s %s from the primary (%s)", want->owner,
		               rdata, kd_strerror(e));
	}
	int ret = -1;
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(pkt);
	if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN) {
		ldns_lookup_table *l = ldns_lookup_by_id(ldns_rcodes, (int)rc);
		kd_fail(err, KD_ERCODE,
		        "failed to read %s %s from the primary (%s, zone %s not served "
		        "there?)",
		        want->owner, rdata, l != NULL ? l->name : "unknown rcode", zone);
		goto done;
	}
	if (!ldns_pkt_aa(pkt)) {
		kd_fail(err, KD_ERCODE,
		        "failed to read %s %s from the primary (answer not "
		        "authoritative, zone %s not served there)",
		        want->owner, rdata, zone);
		goto done;
	}
	ldns_rr_list *answer = ldns_pkt_answer(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(answer); i++) {
		pub_rr_t rr;
		memset(&rr, 0, sizeof(rr));
		if (from_ldns(ldns_rr_list_rr(answer, i), &rr) != 0 || rr.type != want->type ||
		    strcmp(rr.owner, want->owner) != 0)
			continue; /* CNAME chains and the like are not ours to repair */
		snprintf(rr.zone, sizeof(rr.zone), "%s", zone);
		if (pub_rrlist_add(out, &rr) != 0) {
			kd_fail(err, KD_ENOMEM, "failed to read %s %s (out of memory)", want->owner,
			        rdata);
			goto done;
		}
	}
	ret = 0;
done:
	ldns_pkt_free(pkt);
	return ret;
}

int pub_actual_read(const kd_query_opts_t *opts, const char *zone, const pub_rrlist_t *wanted,
                    pub_rrlist_t *out, kd_addr_t *from, kd_error_t *err)
{
	for (size_t i = 0; i < wanted->n; i++) {
		if (seen_before(wanted, i))
			continue;
		if (read_one(opts, zone, &wanted->v[i], out, from, err) != 0)
			return -1;
	}
	return 0;
}

int pub_zone_discover(const kd_query_opts_t *opts, const char *owner, uint16_t port,
                      char zone_out[PUB_NAME_MAX], kd_addr_t *servers, size_t max, size_t *n_out,
                      kd_error_t *err)
{
	char *zone = NULL, *mname = NULL;
	int ret = -1;
	kd_err_t e = kd_find_zone(opts, owner, &zone, &mname);
	if (e != KD_OK) {
		return kd_fail(err, e, "failed to find the zone of %s by SOA query (%s)", owner,
		               kd_strerror(e));
	}
	size_t n = 0;
	e = mname != NULL ? kd_resolve_addrs(opts, mname, port, servers, max, &n) : KD_ENOENT;
	if (e != KD_OK || n == 0) {
		kd_fail(err, e != KD_OK ? e : KD_ENOENT,
		        "failed to resolve the primary %s of zone %s (%s)",
		        mname != NULL ? mname : "(no MNAME)", zone,
		        e != KD_OK ? kd_strerror(e) : "no addresses");
		goto done;
	}
	if (kd_dname_canon(zone, zone_out, PUB_NAME_MAX) != 0) {
		kd_fail(err, KD_EMALFORMED, "failed to find the zone of %s (bad zone name %s)",
		        owner, zone);
		goto done;
	}
	*n_out = n;
	ret = 0;
done:
	free(zone);
	free(mname);
	return ret;
}
