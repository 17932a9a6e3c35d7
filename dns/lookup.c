/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/lookup.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dname.h"

#define MAX_CNAME_HOPS 8

/* The first SOA in list whose owner holds qname; its owner (canonical) in owner. */
static const ldns_rr *find_soa(const ldns_rr_list *list, const char *qname,
                               char owner[KD_DNAME_STRLEN])
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || ldns_rr_rd_count(rr) < 1)
			continue;
		if (kd_dname_from_rdf(ldns_rr_owner(rr), owner, KD_DNAME_STRLEN) == 0 &&
		    kd_dname_in_zone(qname, owner))
			return rr;
	}
	return NULL;
}

kd_err_t kd_soa_zone(const ldns_pkt *answer, const char *qname, char **zone_out, char **mname_out)
{
	ldns_pkt_rcode rcode = ldns_pkt_get_rcode(answer);
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN)
		return KD_ERCODE;
	char owner[KD_DNAME_STRLEN], mname[KD_DNAME_STRLEN];
	const ldns_rr *soa = find_soa(ldns_pkt_answer(answer), qname, owner);
	if (soa == NULL)
		soa = find_soa(ldns_pkt_authority(answer), qname, owner);
	if (soa == NULL)
		return KD_ENOENT;
	if (mname_out != NULL && kd_dname_from_rdf(ldns_rr_rdf(soa, 0), mname, sizeof(mname)) != 0)
		return KD_EMALFORMED;
	char *zone = strdup(owner);
	char *m = mname_out != NULL ? strdup(mname) : NULL;
	if (zone == NULL || (mname_out != NULL && m == NULL)) {
		free(zone);
		free(m);
		return KD_ENOMEM;
	}
	*zone_out = zone;
	if (mname_out != NULL)
		*mname_out = m;
	return KD_OK;
}

kd_err_t kd_find_zone(const kd_query_opts_t *opts, const char *name, char **zone_out,
                      char **mname_out)
{
	char cur[KD_DNAME_STRLEN];
	if (kd_dname_canon(name, cur, sizeof(cur)) != 0)
		return KD_EINVAL;
	kd_err_t ret;
	for (;;) {
		ldns_pkt *pkt = NULL;
		ret = kd_query(opts, cur, LDNS_RR_TYPE_SOA, &pkt, NULL);
		if (ret != KD_OK)
			break;
		ret = kd_soa_zone(pkt, cur, zone_out, mname_out);
		ldns_pkt_free(pkt);
		/* Neither section named the zone: ask the parent (the root has none). */
		if (ret != KD_ENOENT || kd_dname_parent(cur, cur, sizeof(cur)) != 0)
			break;
	}
	return ret;
}

static bool in_chain(const ldns_rdf *owner, const ldns_rdf *const *chain, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ldns_dname_compare(owner, chain[i]) == 0)
			return true;
	return false;
}

size_t kd_answer_chain(const ldns_pkt *pkt, const ldns_rdf *qname, ldns_rr_type type,
                       const ldns_rr **out, size_t max, const ldns_rdf **end)
{
	const ldns_rr_list *ans = ldns_pkt_answer(pkt);
	const ldns_rdf *chain[MAX_CNAME_HOPS + 1];
	size_t hops = 0;
	chain[hops++] = qname;
	for (size_t i = 0; i < ldns_rr_list_rr_count(ans) && hops <= MAX_CNAME_HOPS; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && ldns_rr_rd_count(rr) == 1 &&
		    ldns_dname_compare(ldns_rr_owner(rr), chain[hops - 1]) == 0 &&
		    !in_chain(ldns_rr_rdf(rr, 0), chain, hops)) {
			chain[hops++] = ldns_rr_rdf(rr, 0);
			i = (size_t)-1; /* the chain may be listed in any order: rescan */
		}
	}
	size_t n = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(ans) && n < max; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);
		if (ldns_rr_get_type(rr) == type && in_chain(ldns_rr_owner(rr), chain, hops))
			out[n++] = rr;
	}
	if (end != NULL)
		*end = chain[hops - 1];
	return n;
}

int kd_addr_from_rdf(const ldns_rdf *rdf, uint16_t port, kd_addr_t *out)
{
	kd_addr_t a;
	memset(&a, 0, sizeof(a));
	if (ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_A && ldns_rdf_size(rdf) == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&a.ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, ldns_rdf_data(rdf), 4);
		a.len = sizeof(*sin);
	} else if (ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_AAAA && ldns_rdf_size(rdf) == 16) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a.ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, ldns_rdf_data(rdf), 16);
		a.len = sizeof(*sin6);
	} else {
		return -1;
	}
	kd_addr_set_port(&a, port);
	*out = a;
	return 0;
}

/* Append the addresses of type for host: records owned by host or by a CNAME target that the
 * answer leads to from host. */
static kd_err_t collect(const kd_query_opts_t *opts, const char *host, ldns_rr_type type,
                        uint16_t port, kd_addr_t *out, size_t max, size_t *n)
{
	ldns_pkt *pkt = NULL;
	kd_err_t ret = kd_query(opts, host, type, &pkt, NULL);
	if (ret != KD_OK)
		return ret;
	ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt);
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		ldns_pkt_free(pkt);
		return KD_ERCODE;
	}
	const ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	if (question == NULL) { /* an NXDOMAIN without the question */
		ldns_pkt_free(pkt);
		return KD_OK;
	}
	const ldns_rr *rrs[64];
	size_t got = kd_answer_chain(pkt, ldns_rr_owner(question), type, rrs, 64, NULL);
	for (size_t i = 0; i < got && *n < max; i++)
		if (ldns_rr_rd_count(rrs[i]) == 1 &&
		    kd_addr_from_rdf(ldns_rr_rdf(rrs[i], 0), port, &out[*n]) == 0)
			(*n)++;
	ldns_pkt_free(pkt);
	return KD_OK;
}

kd_err_t kd_resolve_addrs(const kd_query_opts_t *opts, const char *host, uint16_t port,
                          kd_addr_t *out, size_t max, size_t *n_out)
{
	kd_addr_t lit;
	if (kd_addr_parse_ip(host, &lit) == 0) {
		kd_addr_set_port(&lit, port);
		if (max > 0)
			out[0] = lit;
		*n_out = max > 0 ? 1 : 0;
		return KD_OK;
	}
	size_t n = 0;
	kd_err_t ra = collect(opts, host, LDNS_RR_TYPE_A, port, out, max, &n);
	kd_err_t rb = collect(opts, host, LDNS_RR_TYPE_AAAA, port, out, max, &n);
	if (n > 0) {
		*n_out = n;
		return KD_OK;
	}
	if (ra == KD_OK && rb == KD_OK)
		return KD_ENOENT;
	return ra != KD_OK ? ra : rb;
}
