/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "resolver-plugin/discover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/array.h"
#include "dns/clock.h"
#include "dns/qengine.h"
#include "resolver-plugin/delay.h"
#include "resolver-plugin/order.h"

#define MAX_HOPS      8 /* CNAMEs followed from one SRV name to the next */
#define BOTH_FAMILIES (KMSL_FAM_V4 | KMSL_FAM_V6)

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
	if (rc->nsearch == 0 || rc->search_is_domain) {
		const char *dot = hostname != NULL ? strchr(hostname, '.') : NULL;
		if (dot != NULL && dot[1] != '\0')
			n = add_suffix(out, n, max, dot + 1);
	}
	for (size_t i = 0; i < rc->nsearch; i++)
		n = add_suffix(out, n, max, rc->search[i]);
	return n;
}

/* ---- one SRV answer ---- */

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
	char canon[KD_DNAME_STRLEN];
	if (kd_dname_from_rdf(ldns_rr_rdf(rr, 3), canon, sizeof(canon)) != 0 ||
	    kd_dname_text(canon, c->target, sizeof(c->target)) != 0)
		return -1;
	snprintf(c->suffix, sizeof(c->suffix), "%s", suffix);
	return 0;
}

/* The zone the answer comes from: the deepest SOA or NS owner in the authority section that
 * holds name, else name without its leading "_" labels (the domain below _vlmcs._tcp). */
static void answer_zone(const ldns_pkt *pkt, const char *name, char zone[KD_DNAME_STRLEN])
{
	const char *p = name;
	while (p[0] == '_' && strchr(p, '.') != NULL && strchr(p, '.')[1] != '\0')
		p = strchr(p, '.') + 1;
	snprintf(zone, KD_DNAME_STRLEN, "%s", p);
	const ldns_rr_list *auth = ldns_pkt_authority(pkt);
	size_t best = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(auth, i);
		char owner[KD_DNAME_STRLEN];
		if ((ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA &&
		     ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS) ||
		    kd_dname_from_rdf(ldns_rr_owner(rr), owner, sizeof(owner)) != 0 ||
		    !kd_dname_in_zone(name, owner) || strlen(owner) < best)
			continue;
		best = strlen(owner);
		memcpy(zone, owner, sizeof(owner));
	}
}

/* The A/AAAA records of the additional section owned by c's target, when the target is in
 * zone (glue from elsewhere is a hint the answering server has no authority for). Owners are
 * compared as wire names: turning each into text for every record cost 0.4 s on one 64 KiB
 * answer (64 records, 3900 glue records). */
static void glue(const ldns_pkt *pkt, const char *zone, kmsl_cand_t *c)
{
	ldns_rdf *target = kd_dname_in_zone(c->target, zone) ? kd_dname_to_rdf(c->target) : NULL;
	if (target == NULL)
		return;
	const ldns_rr_list *add = ldns_pkt_additional(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(add); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(add, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		kd_addr_t a;
		if ((t != LDNS_RR_TYPE_A && t != LDNS_RR_TYPE_AAAA) || ldns_rr_rd_count(rr) != 1 ||
		    ldns_dname_compare(ldns_rr_owner(rr), target) != 0 ||
		    kd_addr_from_rdf(ldns_rr_rdf(rr, 0), c->port, &a) != 0)
			continue;
		c->families |= t == LDNS_RR_TYPE_A ? KMSL_FAM_V4 : KMSL_FAM_V6;
		kmsl_cand_add_addrs(c, &a, 1, ldns_rr_ttl(rr));
	}
	ldns_rdf_deep_free(target);
}

kmsl_reason_t kmsl_srv_answer(const ldns_pkt *pkt, const char *qname, const char *suffix,
                              kmsl_cand_t *out, size_t max, size_t *n_out, char *follow)
{
	*n_out = 0;
	follow[0] = '\0';
	switch (ldns_pkt_get_rcode(pkt)) {
	case LDNS_RCODE_NOERROR: break;
	case LDNS_RCODE_NXDOMAIN: return KMSL_REASON_NXDOMAIN;
	case LDNS_RCODE_SERVFAIL: return KMSL_REASON_SERVFAIL;
	default: return KMSL_REASON_REFUSED;
	}
	ldns_rdf *q = kd_dname_to_rdf(qname);
	const ldns_rr **rrs = calloc(max > 0 ? max : 1, sizeof(*rrs));
	if (q == NULL || rrs == NULL) {
		ldns_rdf_deep_free(q);
		free(rrs);
		return KMSL_REASON_ERROR;
	}
	const ldns_rdf *end = NULL;
	size_t got = kd_answer_chain(pkt, q, LDNS_RR_TYPE_SRV, rrs, max, &end);
	char endname[KD_DNAME_STRLEN] = "";
	if (kd_dname_from_rdf(end, endname, sizeof(endname)) != 0)
		got = 0;
	size_t n = 0;
	uint32_t ttl = UINT32_MAX;
	for (size_t i = 0; i < got; i++) {
		if (srv_from_rr(rrs[i], suffix, &out[n]) != 0)
			continue;
		if (out[n].ttl < ttl)
			ttl = out[n].ttl;
		n++;
	}
	bool moved = ldns_dname_compare(end, q) != 0;
	ldns_rdf_deep_free(q);
	free(rrs);
	if (n == 0) {
		/* Only a CNAME to a name in another zone: its server has the records. */
		if (moved && endname[0] != '\0')
			snprintf(follow, KMSL_SRV_NAME_MAX, "%s", endname);
		return KMSL_REASON_NODATA;
	}
	if (kmsl_cand_drop_dot(out, &n))
		return KMSL_REASON_DOT;
	char zone[KD_DNAME_STRLEN];
	answer_zone(pkt, endname, zone);
	for (size_t i = 0; i < n; i++) {
		out[i].ttl = ttl; /* the RRset expires as a whole */
		glue(pkt, zone, &out[i]);
	}
	kmsl_cand_dedupe(out, &n);
	*n_out = n;
	return KMSL_REASON_RECORDS;
}

/* ---- discovery of every suffix at once ---- */

/* A suffix (or the static host) while it is under way. */
typedef struct {
	char name[KMSL_NAME_MAX];
	kd_qe_servers_t srv;
	bool is_static;
	kmsl_reason_t reason;
	bool resolved;
	long q; /* the SRV question in flight, or -1 */
	char qname[KMSL_SRV_NAME_MAX];
	unsigned hops;
	kmsl_cand_t *recs;
	size_t n;
	bool refreshed; /* cached records whose addresses were asked again */
} suf_t;

/* The addresses of one target, asked of one suffix's servers. */
typedef struct {
	size_t suf;
	char target[KMSL_NAME_MAX];
	long q[2];       /* A, AAAA; -1 = not asked */
	uint64_t settle; /* once one family has addresses: the most to wait for the other */
	bool applied;    /* results copied to the records */
} aq_t;

typedef struct {
	kmsl_ctx_t *ctx;
	kd_qe_t *e;
	suf_t s[KMSL_MAX_SUFFIXES];
	size_t ns;
	aq_t *aq;
	size_t naq, capaq;
	uint64_t end;
	uint64_t start_us, dns_rtt_us; /* the discovery's start; its first SRV answer */
	kd_resolvconf_t rc;            /* holds the system's servers while the run uses them */
} run_t;

static const ldns_rr_type FAMILY_TYPE[2] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
static const unsigned FAMILY_BIT[2] = {KMSL_FAM_V4, KMSL_FAM_V6};

/* The servers for a suffix without its own: the configured ones, else resolv.conf's with its
 * options (as glibc asks them). */
static kd_qe_servers_t default_servers(const run_t *r)
{
	const kmsl_opts_t *o = &r->ctx->opts;
	if (o->nservers > 0)
		return (kd_qe_servers_t){.servers = o->servers,
		                         .count = o->nservers,
		                         .timeout_ms = o->timeout_ms,
		                         .recurse = true};
	return (kd_qe_servers_t){.servers = r->rc.servers,
	                         .count = r->rc.nservers,
	                         .timeout_ms = (uint64_t)r->rc.timeout * 1000,
	                         .attempts = r->rc.attempts,
	                         .rotate = r->rc.rotate,
	                         .recurse = true};
}

static void add_where(run_t *r, const char *name, kd_qe_servers_t srv)
{
	if (r->ns == KMSL_MAX_SUFFIXES)
		return;
	suf_t *s = &r->s[r->ns++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->srv = srv;
	s->q = -1;
}

static void where_to_look(run_t *r)
{
	const kmsl_opts_t *o = &r->ctx->opts;
	if (o->lookup_domain != NULL) {
		add_where(r, o->lookup_domain, default_servers(r));
		return;
	}
	if (o->ndomains > 0) {
		for (size_t i = 0; i < o->ndomains; i++) {
			kd_qe_servers_t srv = default_servers(r);
			if (o->domains[i].has_server)
				srv = (kd_qe_servers_t){.servers = &o->domains[i].server,
				                        .count = 1,
				                        .timeout_ms = o->timeout_ms,
				                        .recurse = true};
			add_where(r, o->domains[i].name, srv);
		}
		return;
	}
	char host[KMSL_NAME_MAX] = "";
	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	char names[KMSL_MAX_SUFFIXES][KMSL_NAME_MAX];
	size_t n = kmsl_system_suffixes(&r->rc, host, names, KMSL_MAX_SUFFIXES);
	for (size_t i = 0; i < n; i++)
		add_where(r, names[i], default_servers(r));
}

static void ask_srv(run_t *r, suf_t *s, const char *name)
{
	char canon[KD_DNAME_STRLEN];
	if (kd_dname_canon(name, canon, sizeof(canon)) != 0) {
		s->reason = KMSL_REASON_ERROR;
		s->resolved = true;
		return;
	}
	snprintf(s->qname, sizeof(s->qname), "%s", canon);
	s->q = kd_qe_ask(r->e, &s->srv, s->qname, LDNS_RR_TYPE_SRV, r->end, NULL);
	if (s->q < 0) {
		s->reason = KMSL_REASON_ERROR;
		s->resolved = true;
	}
}

/* Ask the families the records of s still lack (one lookup per target). */
static void ask_addrs(run_t *r, size_t si)
{
	suf_t *s = &r->s[si];
	for (size_t i = 0; i < s->n; i++) {
		kmsl_cand_t *c = &s->recs[i];
		kd_addr_t lit;
		if (c->families == BOTH_FAMILIES || kd_addr_parse_ip(c->target, &lit) == 0)
			continue;
		bool known = false;
		for (size_t k = 0; k < r->naq && !known; k++)
			known = r->aq[k].suf == si && kd_dname_equal(r->aq[k].target, c->target);
		if (known)
			continue;
		aq_t *arr = kd_array_reserve(r->aq, &r->capaq, r->naq + 1, sizeof(*arr));
		if (arr == NULL)
			return;
		r->aq = arr;
		aq_t *a = &arr[r->naq++];
		memset(a, 0, sizeof(*a));
		s->refreshed = true;
		a->suf = si;
		a->settle = UINT64_MAX;
		snprintf(a->target, sizeof(a->target), "%s", c->target);
		/* Its own budget: at most half of what is left, the rest is for probing. */
		uint64_t now = kd_now_ms();
		uint64_t until = now < r->end ? now + (r->end - now) / 2 : r->end;
		for (int f = 0; f < 2; f++)
			a->q[f] = (c->families & FAMILY_BIT[f]) != 0
			                  ? -1
			                  : kd_qe_ask(r->e, &s->srv, c->target, FAMILY_TYPE[f],
			                              until, NULL);
	}
}

static const char *addr_failure(kd_err_t err, const ldns_pkt *pkt)
{
	if (pkt != NULL && ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NXDOMAIN)
		return "no address (NXDOMAIN)";
	if (err == KD_OK)
		return "no address (no A/AAAA records)";
	if (err == KD_ETIMEOUT)
		return "no address (timeout)";
	if (err == KD_ERCODE)
		return "no address (server error)";
	return "no address (network error)";
}

/* Copy what the lookups of a found into the records of its suffix with that target. */
static void apply_addrs(run_t *r, aq_t *a)
{
	suf_t *s = &r->s[a->suf];
	for (int f = 0; f < 2; f++) {
		const ldns_pkt *pkt = NULL;
		if (a->q[f] < 0 || !kd_qe_done(r->e, a->q[f]))
			continue;
		kd_err_t err = kd_qe_result(r->e, a->q[f], &pkt, NULL);
		kd_addr_t found[KMSL_MAX_ADDRS];
		size_t nf = 0;
		uint32_t ttl = UINT32_MAX;
		const ldns_rr *question =
		        pkt != NULL ? ldns_rr_list_rr(ldns_pkt_question(pkt), 0) : NULL;
		if (err == KD_OK && question != NULL) {
			const ldns_rr *rrs[KMSL_MAX_ADDRS];
			size_t got = kd_answer_chain(pkt, ldns_rr_owner(question), FAMILY_TYPE[f],
			                             rrs, KMSL_MAX_ADDRS, NULL);
			for (size_t k = 0; k < got; k++)
				if (ldns_rr_rd_count(rrs[k]) == 1 &&
				    kd_addr_from_rdf(ldns_rr_rdf(rrs[k], 0), 0, &found[nf]) == 0) {
					nf++;
					if (ldns_rr_ttl(rrs[k]) < ttl)
						ttl = ldns_rr_ttl(rrs[k]);
				}
		}
		for (size_t i = 0; i < s->n; i++) {
			kmsl_cand_t *c = &s->recs[i];
			if (!kd_dname_equal(c->target, a->target))
				continue;
			if (err == KD_OK)
				c->families |= FAMILY_BIT[f];
			for (size_t k = 0; k < nf; k++)
				kd_addr_set_port(&found[k], c->port);
			kmsl_cand_add_addrs(c, found, nf, ttl);
			if (c->naddrs == 0)
				snprintf(c->detail, sizeof(c->detail), "%s",
				         addr_failure(err, pkt));
			else
				c->detail[0] = '\0';
		}
	}
	a->applied = true;
}

/* Whether the lookups of a are over: both done, or one has addresses and the other had its
 * resolution delay. */
static bool addrs_settled(run_t *r, aq_t *a, uint64_t now)
{
	bool done[2], has[2];
	for (int f = 0; f < 2; f++) {
		const ldns_pkt *pkt = NULL;
		done[f] = a->q[f] < 0 || kd_qe_done(r->e, a->q[f]);
		has[f] = a->q[f] >= 0 && done[f] &&
		         kd_qe_result(r->e, a->q[f], &pkt, NULL) == KD_OK && pkt != NULL &&
		         ldns_pkt_ancount(pkt) > 0;
	}
	if (done[0] && done[1])
		return true;
	/* One family has addresses (from this lookup, or from the glue): the other gets the
	 * attempt delay more, not the rest of the deadline (RFC 8305 resolution delay). */
	bool glue = false;
	const suf_t *s = &r->s[a->suf];
	for (size_t i = 0; i < s->n && !glue; i++)
		glue = s->recs[i].naddrs > 0 && kd_dname_equal(s->recs[i].target, a->target);
	if ((has[0] || has[1] || glue) && a->settle == UINT64_MAX)
		a->settle = now + (r->ctx->opts.attempt_delay_ms == KMSL_ATTEMPT_DELAY_AUTO
		                           ? KMSL_RESOLUTION_DELAY_MS
		                           : r->ctx->opts.attempt_delay_ms);
	return now >= a->settle;
}

/* Room for a suffix's records. Not zeroed: every entry is written whole before it is read
 * (srv_from_rr, kmsl_state_cached), and zeroing the ~1 MB cost most of a warm call's CPU. */
static kmsl_cand_t *new_recs(void)
{
	return malloc(KMSL_MAX_RECORDS * sizeof(kmsl_cand_t));
}

/* An SRV answer (or failure) for s arrived. */
static void on_srv(run_t *r, size_t si)
{
	suf_t *s = &r->s[si];
	const ldns_pkt *pkt = NULL;
	kd_err_t err = kd_qe_result(r->e, s->q, &pkt, NULL);
	s->q = -1;
	if (pkt != NULL && r->dns_rtt_us == 0) {
		uint64_t now = kd_now_us();
		r->dns_rtt_us = now > r->start_us ? now - r->start_us : 1;
	}
	if (pkt == NULL) {
		s->reason = err == KD_ETIMEOUT ? KMSL_REASON_TIMEOUT : KMSL_REASON_ERROR;
		s->resolved = true;
		return;
	}
	if (s->recs == NULL && (s->recs = new_recs()) == NULL) {
		s->reason = KMSL_REASON_ERROR;
		s->resolved = true;
		return;
	}
	char follow[KMSL_SRV_NAME_MAX];
	s->reason =
	        kmsl_srv_answer(pkt, s->qname, s->name, s->recs, KMSL_MAX_RECORDS, &s->n, follow);
	if (follow[0] != '\0' && s->hops < MAX_HOPS) {
		s->hops++;
		ask_srv(r, s, follow);
		return;
	}
	s->resolved = true;
	if (s->n > KMSL_MAX_CANDS) { /* a fair sample of the order, not the answer's first ones */
		if (kmsl_cand_order(s->recs, s->n, &r->ctx->rng) == 0)
			s->n = KMSL_MAX_CANDS;
	}
	for (size_t i = 0; i < s->n; i++)
		s->recs[i].fresh = true;
	ask_addrs(r, si);
}

static bool suffix_ready(run_t *r, size_t si, uint64_t now)
{
	if (!r->s[si].resolved)
		return false;
	bool ready = true;
	for (size_t k = 0; k < r->naq; k++) {
		aq_t *a = &r->aq[k];
		if (a->suf != si || a->applied)
			continue;
		if (addrs_settled(r, a, now))
			apply_addrs(r, a);
		else
			ready = false;
	}
	return ready;
}

/* How many suffixes (in order) the result is made of, or 0 while it is not known yet. Every
 * suffix's settled address lookups are applied on the way, so no settle time stays behind. */
static size_t decided(run_t *r, uint64_t now)
{
	bool ready[KMSL_MAX_SUFFIXES];
	for (size_t i = 0; i < r->ns; i++)
		ready[i] = suffix_ready(r, i, now);
	bool all = r->ctx->opts.merge == KMSL_MERGE_ALL;
	for (size_t i = 0; i < r->ns; i++) {
		if (!ready[i])
			return 0;
		if (!all && r->s[i].n > 0)
			return i + 1;
	}
	return r->ns;
}

/* At the deadline: the suffixes up to the first (in order) with records (merge first: a
 * suffix still unanswered has failed), or all of them. */
static size_t at_deadline(const run_t *r)
{
	if (r->ctx->opts.merge == KMSL_MERGE_ALL)
		return r->ns;
	for (size_t i = 0; i < r->ns; i++)
		if (r->s[i].resolved && r->s[i].n > 0)
			return i + 1;
	return r->ns;
}

/* Earliest resolution-delay end still pending, or fallback. */
static uint64_t next_settle(const run_t *r, uint64_t fallback)
{
	uint64_t t = fallback;
	for (size_t k = 0; k < r->naq; k++)
		if (!r->aq[k].applied && r->aq[k].settle < t)
			t = r->aq[k].settle;
	return t;
}

static void start(run_t *r, const kmsl_statefile_t *st, int64_t now, bool use_cache)
{
	for (size_t i = 0; i < r->ns; i++) {
		suf_t *s = &r->s[i];
		if (s->is_static) {
			s->resolved = true;
			ask_addrs(r, i);
			continue;
		}
		s->recs = new_recs();
		if (s->recs == NULL) {
			s->reason = KMSL_REASON_ERROR;
			s->resolved = true;
			continue;
		}
		s->n = use_cache
		               ? kmsl_state_cached(st, s->name, now,
		                                   (int64_t)(r->ctx->opts.max_cache_ttl_ms / 1000),
		                                   s->recs, KMSL_MAX_RECORDS)
		               : 0;
		if (s->n > 0) {
			s->reason = KMSL_REASON_CACHED;
			s->resolved = true;
			ask_addrs(r, i); /* addresses past their own TTL */
			continue;
		}
		char name[KMSL_SRV_NAME_MAX];
		snprintf(name, sizeof(name), "_vlmcs._tcp.%s", s->name);
		ask_srv(r, s, name);
	}
}

static kmsl_err_t finish(run_t *r, size_t upto, kmsl_list_t *list)
{
	uint64_t now = kd_now_ms();
	for (size_t i = 0; i < upto; i++) {
		suf_t *s = &r->s[i];
		for (size_t k = 0; k < r->naq; k++) /* whatever came before the deadline */
			if (r->aq[k].suf == i && !r->aq[k].applied)
				apply_addrs(r, &r->aq[k]);
		if (!s->resolved)
			s->reason = KMSL_REASON_TIMEOUT;
		if (!s->is_static && kmsl_list_add_suffix(list, s->name, s->reason) != 0)
			return KMSL_ENOMEM;
		for (size_t k = 0; k < s->n; k++) {
			if (s->reason == KMSL_REASON_CACHED && s->refreshed)
				s->recs[k].fresh = true; /* new addresses: into the cache */
			if (s->recs[k].naddrs == 0 && s->recs[k].detail[0] == '\0')
				snprintf(s->recs[k].detail, sizeof(s->recs[k].detail), "%s",
				         now >= r->end ? "no address (deadline)" : "no address");
			if (kmsl_list_add(list, &s->recs[k]) != 0)
				break; /* full: kmsl_candidates orders and cuts */
		}
	}
	return KMSL_OK;
}

static kmsl_err_t static_where(run_t *r)
{
	const kmsl_opts_t *o = &r->ctx->opts;
	suf_t *s = &r->s[r->ns++];
	s->is_static = true;
	s->q = -1;
	s->srv = default_servers(r);
	s->recs = calloc(1, sizeof(*s->recs));
	if (s->recs == NULL)
		return KMSL_ENOMEM;
	kmsl_cand_t *c = &s->recs[0];
	s->n = 1;
	if (kd_dname_text(o->static_host, c->target, sizeof(c->target)) != 0)
		return KMSL_EINVAL;
	c->port = o->static_port;
	kd_addr_t lit;
	if (kd_addr_parse_ip(o->static_host, &lit) == 0) {
		/* An address needs no DNS at all. */
		kd_addr_set_port(&lit, c->port);
		kmsl_cand_add_addrs(c, &lit, 1, 0);
		c->families = BOTH_FAMILIES;
	}
	return KMSL_OK;
}

kmsl_err_t kmsl_discover(kmsl_ctx_t *ctx, const kmsl_statefile_t *st, int64_t now, uint64_t end_ms,
                         bool use_cache, kmsl_list_t *list)
{
	run_t *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return KMSL_ENOMEM;
	r->ctx = ctx;
	r->end = end_ms;
	r->start_us = kd_now_us();
	kd_resolvconf_load(ctx->resolv_conf, &r->rc);
	kmsl_err_t ret = KMSL_OK;
	if (ctx->opts.static_host != NULL)
		ret = static_where(r);
	else
		where_to_look(r);
	if (ret == KMSL_OK && r->ns == 0)
		ret = KMSL_ENOSUFFIX;
	if (ret == KMSL_OK && (r->e = kd_qe_new()) == NULL)
		ret = KMSL_ENOMEM;
	if (ret == KMSL_OK) {
		start(r, st, now, use_cache);
		size_t upto = 0;
		for (;;) {
			uint64_t t = kd_now_ms();
			for (size_t i = 0; i < r->ns; i++)
				if (r->s[i].q >= 0 && kd_qe_done(r->e, r->s[i].q))
					on_srv(r, i);
			if ((upto = decided(r, t)) > 0 || t >= r->end)
				break;
			kd_qe_step(r->e, next_settle(r, r->end));
			if (kd_qe_pending(r->e) == 0 && next_settle(r, UINT64_MAX) == UINT64_MAX &&
			    decided(r, kd_now_ms()) == 0) {
				bool open = false;
				for (size_t i = 0; i < r->ns; i++)
					open |= r->s[i].q >= 0;
				if (!open)
					break; /* nothing left to wait for */
			}
		}
		ret = finish(r, upto > 0 ? upto : at_deadline(r), list);
		list->dns_rtt_us = r->dns_rtt_us;
	}
	kd_qe_free(r->e);
	for (size_t i = 0; i < r->ns; i++)
		free(r->s[i].recs);
	free(r->aq);
	free(r);
	return ret;
}
