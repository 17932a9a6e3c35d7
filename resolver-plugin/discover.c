/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "resolver-plugin/discover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns/clock.h"
#include "resolver-plugin/order.h"

static size_t add_suffix(char (*out)[KMSL_NAME_MAX], size_t n, size_t max, const char *name)
{
	char norm[KMSL_NAME_MAX];
	if (n == max || !kd_dname_valid(name) || kd_dname_text(name, norm, sizeof(norm)) != 0 ||
	    strcmp(norm, ".") == 0)
		return n;
	for (size_t i = 0; i < n; i++)
		if (strcmp(out[i], norm) == 0)
			return n;
	memcpy(out[n], norm, sizeof(norm));
	return n + 1;
}

size_t kmsl_system_suffixes(const kd_resolvconf_t *rc, const char *hostname,
                            char (*out)[KMSL_NAME_MAX], size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < rc->nsearch; i++)
		n = add_suffix(out, n, max, rc->search[i]);
	const char *dot = hostname != NULL ? strchr(hostname, '.') : NULL;
	if (dot != NULL && dot[1] != '\0')
		n = add_suffix(out, n, max, dot + 1);
	return n;
}

/* Add the A/AAAA records of the additional section owned by target. */
static void additional_addrs(const ldns_pkt *pkt, const ldns_rdf *target, kmsl_cand_t *c)
{
	ldns_rr_list *add = ldns_pkt_additional(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(add) && c->naddrs < KMSL_MAX_ADDRS; i++) {
		ldns_rr *rr = ldns_rr_list_rr(add, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		if ((t != LDNS_RR_TYPE_A && t != LDNS_RR_TYPE_AAAA) || ldns_rr_rd_count(rr) != 1 ||
		    ldns_dname_compare(ldns_rr_owner(rr), target) != 0)
			continue;
		if (kd_addr_from_rdf(ldns_rr_rdf(rr, 0), c->port, &c->addrs[c->naddrs]) == 0)
			c->naddrs++;
	}
}

/* One SRV RR into c; -1 if it is malformed. */
static int srv_from_rr(const ldns_rr *rr, const char *suffix, kmsl_cand_t *c)
{
	if (ldns_rr_rd_count(rr) != 4)
		return -1;
	memset(c, 0, sizeof(*c));
	c->priority = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
	c->weight = ldns_rdf2native_int16(ldns_rr_rdf(rr, 1));
	c->port = ldns_rdf2native_int16(ldns_rr_rdf(rr, 2));
	c->ttl = ldns_rr_ttl(rr);
	char *target = ldns_rdf2str(ldns_rr_rdf(rr, 3));
	int ret = target == NULL ? -1 : kd_dname_text(target, c->target, sizeof(c->target));
	free(target);
	snprintf(c->suffix, sizeof(c->suffix), "%s", suffix);
	return ret;
}

kmsl_reason_t kmsl_srv_answer(const ldns_pkt *pkt, const char *suffix, kmsl_cand_t *out, size_t max,
                              size_t *n_out)
{
	*n_out = 0;
	switch (ldns_pkt_get_rcode(pkt)) {
	case LDNS_RCODE_NOERROR: break;
	case LDNS_RCODE_NXDOMAIN: return KMSL_REASON_NXDOMAIN;
	case LDNS_RCODE_SERVFAIL: return KMSL_REASON_SERVFAIL;
	default: return KMSL_REASON_REFUSED;
	}
	ldns_rr_list *ans = ldns_pkt_answer(pkt);
	size_t n = 0;
	uint32_t ttl = UINT32_MAX;
	for (size_t i = 0; i < ldns_rr_list_rr_count(ans) && n < max; i++) {
		ldns_rr *rr = ldns_rr_list_rr(ans, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SRV || srv_from_rr(rr, suffix, &out[n]))
			continue;
		additional_addrs(pkt, ldns_rr_rdf(rr, 3), &out[n]);
		if (out[n].ttl < ttl)
			ttl = out[n].ttl;
		n++;
	}
	if (n == 0)
		return KMSL_REASON_NODATA;
	if (kmsl_cand_drop_dot(out, &n))
		return KMSL_REASON_DOT;
	for (size_t i = 0; i < n; i++)
		out[i].ttl = ttl; /* the RRset expires as a whole */
	*n_out = n;
	return KMSL_REASON_RECORDS;
}

static uint64_t remaining(uint64_t end_ms, uint64_t timeout_ms)
{
	uint64_t now = kd_now_ms();
	uint64_t left = end_ms > now ? end_ms - now : 1;
	return left < timeout_ms ? left : timeout_ms;
}

/* Fill in addresses the additional section did not give, by A/AAAA queries. */
static void resolve_missing(kd_query_opts_t *qo, uint64_t end_ms, uint64_t timeout_ms,
                            kmsl_cand_t *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (c[i].naddrs > 0 || kd_now_ms() >= end_ms)
			continue;
		size_t got = 0;
		qo->timeout_ms = remaining(end_ms, timeout_ms);
		if (kd_resolve_addrs(qo, c[i].target, c[i].port, c[i].addrs, KMSL_MAX_ADDRS,
		                     &got) == KD_OK)
			c[i].naddrs = got;
	}
}

static kmsl_reason_t query_suffix(kd_query_opts_t *qo, const char *suffix, uint64_t end_ms,
                                  uint64_t timeout_ms, kmsl_cand_t *out, size_t *n_out)
{
	char qname[KMSL_NAME_MAX + 16];
	ldns_pkt *pkt = NULL;
	*n_out = 0;
	if (snprintf(qname, sizeof(qname), "_vlmcs._tcp.%s.", suffix) >= (int)sizeof(qname))
		return KMSL_REASON_ERROR;
	qo->timeout_ms = remaining(end_ms, timeout_ms);
	kd_err_t err = kd_query(qo, qname, LDNS_RR_TYPE_SRV, &pkt, NULL);
	if (err != KD_OK)
		return err == KD_ETIMEOUT ? KMSL_REASON_TIMEOUT : KMSL_REASON_ERROR;
	kmsl_reason_t reason = kmsl_srv_answer(pkt, suffix, out, KMSL_MAX_CANDS, n_out);
	ldns_pkt_free(pkt);
	if (reason == KMSL_REASON_RECORDS)
		resolve_missing(qo, end_ms, timeout_ms, out, *n_out);
	return reason;
}

static kmsl_err_t discover_static(kmsl_ctx_t *ctx, uint64_t end_ms, kmsl_list_t *list)
{
	const kmsl_opts_t *o = &ctx->opts;
	kmsl_cand_t c;
	memset(&c, 0, sizeof(c));
	if (kd_dname_text(o->static_host, c.target, sizeof(c.target)) != 0)
		return KMSL_EINVAL;
	c.port = o->static_port;
	if (kd_addr_parse_ip(o->static_host, &c.addrs[0]) == 0) {
		/* An address needs no DNS at all. */
		kd_addr_set_port(&c.addrs[0], c.port);
		c.naddrs = 1;
	} else {
		kd_query_opts_t qo = {.servers = o->servers, .count = o->nservers, .recurse = true};
		resolve_missing(&qo, end_ms, o->timeout_ms, &c, 1);
	}
	return kmsl_list_add(list, &c) == 0 ? KMSL_OK : KMSL_ENOMEM;
}

/* The suffixes to search, each with its servers. */
typedef struct {
	char name[KMSL_NAME_MAX];
	const kd_addr_t *servers;
	size_t nservers;
} where_t;

static size_t system_where(const kmsl_ctx_t *ctx, where_t *w, size_t max)
{
	kd_resolvconf_t rc;
	kd_resolvconf_load(ctx->resolv_conf, &rc);
	char host[KMSL_NAME_MAX] = "";
	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	char names[KMSL_MAX_SUFFIXES][KMSL_NAME_MAX];
	size_t n = kmsl_system_suffixes(&rc, host, names,
	                                max < KMSL_MAX_SUFFIXES ? max : KMSL_MAX_SUFFIXES);
	for (size_t i = 0; i < n; i++) {
		memcpy(w[i].name, names[i], sizeof(w[i].name));
		w[i].servers = ctx->opts.servers;
		w[i].nservers = ctx->opts.nservers;
	}
	return n;
}

static size_t where_to_look(const kmsl_ctx_t *ctx, where_t *w, size_t max)
{
	const kmsl_opts_t *o = &ctx->opts;
	size_t n = 0;
	if (o->lookup_domain != NULL) {
		snprintf(w[0].name, sizeof(w[0].name), "%s", o->lookup_domain);
		w[0].servers = o->servers;
		w[0].nservers = o->nservers;
		return 1;
	}
	if (o->ndomains == 0)
		return system_where(ctx, w, max);
	for (size_t i = 0; i < o->ndomains && n < max; i++, n++) {
		snprintf(w[n].name, sizeof(w[n].name), "%s", o->domains[i].name);
		w[n].servers = o->domains[i].has_server ? &o->domains[i].server : o->servers;
		w[n].nservers = o->domains[i].has_server ? 1 : o->nservers;
	}
	return n;
}

kmsl_err_t kmsl_discover(kmsl_ctx_t *ctx, const kmsl_statefile_t *st, int64_t now, uint64_t end_ms,
                         kmsl_list_t *list)
{
	const kmsl_opts_t *o = &ctx->opts;
	if (o->static_host != NULL)
		return discover_static(ctx, end_ms, list);
	where_t where[KMSL_MAX_SUFFIXES];
	size_t nwhere = where_to_look(ctx, where, KMSL_MAX_SUFFIXES);
	if (nwhere == 0)
		return KMSL_ENOSUFFIX;
	kmsl_cand_t *recs = calloc(KMSL_MAX_CANDS, sizeof(*recs));
	if (recs == NULL)
		return KMSL_ENOMEM;
	kmsl_err_t ret = KMSL_OK;
	for (size_t i = 0; i < nwhere; i++) {
		size_t n = kmsl_state_cached(st, where[i].name, now, recs, KMSL_MAX_CANDS);
		kmsl_reason_t reason = KMSL_REASON_CACHED;
		if (n == 0) {
			kd_query_opts_t qo = {.servers = where[i].servers,
			                      .count = where[i].nservers,
			                      .recurse = true};
			reason = query_suffix(&qo, where[i].name, end_ms, o->timeout_ms, recs, &n);
			for (size_t k = 0; k < n; k++)
				recs[k].fresh = true;
		}
		if (kmsl_list_add_suffix(list, where[i].name, reason) != 0) {
			ret = KMSL_ENOMEM;
			break;
		}
		for (size_t k = 0; k < n; k++)
			(void)kmsl_list_add(list, &recs[k]); /* full list: drop the rest */
		if (n > 0 && o->merge == KMSL_MERGE_FIRST)
			break;
	}
	free(recs);
	return ret;
}
