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
		if (pub_rr_same_set(list->v[j], list->v[i]))
			return true;
	return false;
}

static int read_one(const kd_query_opts_t *opts, const char *zone, const ldns_rr *want,
                    pub_rrlist_t *out, kd_addr_t *from, kd_error_t *err)
{
	ldns_pkt *pkt = NULL;
	char owner[PUB_NAME_MAX];
	const char *type = pub_rr_type_str(want);
	pub_rr_owner_str(want, owner, sizeof(owner));
	kd_err_t e = kd_query(opts, owner, ldns_rr_get_type(want), &pkt, from);
	if (e != KD_OK)
		return kd_fail(err, e, "failed to read %s %s from the primary (%s)", owner, type,
		               kd_strerror(e));
	int ret = -1;
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(pkt);
	if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN) {
		ldns_lookup_table *l = ldns_lookup_by_id(ldns_rcodes, (int)rc);
		kd_fail(err, KD_ERCODE,
		        "failed to read %s %s from the primary (%s, zone %s not served "
		        "there?)",
		        owner, type, l != NULL ? l->name : "unknown rcode", zone);
		goto done;
	}
	if (!ldns_pkt_aa(pkt)) {
		kd_fail(err, KD_ERCODE,
		        "failed to read %s %s from the primary (answer not "
		        "authoritative, zone %s not served there)",
		        owner, type, zone);
		goto done;
	}
	ldns_rr_list *answer = ldns_pkt_answer(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(answer); i++) {
		const ldns_rr *a = ldns_rr_list_rr(answer, i);
		/* CNAME chains and the like are not ours to repair. */
		if (ldns_rr_get_type(a) != ldns_rr_get_type(want) ||
		    ldns_rr_get_class(a) != LDNS_RR_CLASS_IN ||
		    ldns_dname_compare(ldns_rr_owner(a), ldns_rr_owner(want)) != 0 ||
		    ldns_rr_rd_count(a) != ldns_rr_rd_count(want))
			continue;
		ldns_rr *rr = pub_rr_clone(a);
		if (rr == NULL || pub_rrlist_add(out, rr) != 0) {
			ldns_rr_free(rr);
			kd_fail(err, KD_ENOMEM, "failed to read %s %s (out of memory)", owner,
			        type);
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
		if (read_one(opts, zone, wanted->v[i], out, from, err) != 0)
			return -1;
	}
	return 0;
}
