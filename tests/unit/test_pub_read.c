/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "dns/addr.h"
#include "dns/query.h"
#include "publisher/read.h"
#include "test_pub_helpers.h"

#define ZONE "example.test."
#define OWN  "_vlmcs._tcp.example.test."
#define SOA_ "example.test. 300 IN SOA ns.example.test. h.example.test. 1 3600 600 86400 300"

enum { F_AA = 1, F_TC = 2 };

static void push(ldns_rr_list *list, const char *text)
{
	ldns_rr *rr = NULL;
	assert_int_equal(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL), LDNS_STATUS_OK);
	assert_true(ldns_rr_list_push_rr(list, rr));
}

/* An answer to qname/type as wire data: flags, rcode, answer and authority records (NULL
 * ends each list). */
static uint8_t *answer(const char *qname, ldns_rr_type type, int flags, ldns_pkt_rcode rcode,
                       const char *const *ans, const char *const *auth, size_t *len)
{
	ldns_pkt *pkt =
	        ldns_pkt_query_new(ldns_dname_new_frm_str(qname), type, LDNS_RR_CLASS_IN, 0);
	assert_non_null(pkt);
	ldns_pkt_set_qr(pkt, true);
	ldns_pkt_set_aa(pkt, (flags & F_AA) != 0);
	ldns_pkt_set_tc(pkt, (flags & F_TC) != 0);
	ldns_pkt_set_rcode(pkt, (uint8_t)rcode);
	for (size_t i = 0; ans != NULL && ans[i] != NULL; i++)
		push(ldns_pkt_answer(pkt), ans[i]);
	for (size_t i = 0; auth != NULL && auth[i] != NULL; i++)
		push(ldns_pkt_authority(pkt), auth[i]);
	ldns_pkt_set_ancount(pkt, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_answer(pkt)));
	ldns_pkt_set_nscount(pkt, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_authority(pkt)));
	uint8_t *wire = NULL;
	assert_int_equal(ldns_pkt2wire(&wire, pkt, len), LDNS_STATUS_OK);
	ldns_pkt_free(pkt);
	return wire;
}

/* Parse an answer for zone ZONE; returns the parse result, *out filled. */
static int parse(const char *qname, ldns_rr_type type, int flags, ldns_pkt_rcode rcode,
                 const char *const *ans, const char *const *auth, pub_answer_t *out,
                 kd_error_t *err)
{
	size_t len = 0;
	uint8_t *wire = answer(qname, type, flags, rcode, ans, auth, &len);
	pub_rrlist_free(&out->rrs); /* what an earlier call found */
	int r = pub_answer_parse_wire(wire, len, qname, type, ZONE, out, err);
	free(wire);
	return r;
}

static void test_records_taken(void **state)
{
	const char *ans[] = {OWN " 600 IN SRV 0 0 1688 KMS1.example.test.",
	                     OWN " 300 IN SRV 5 0 1688 foreign.example.test.", NULL};
	pub_answer_t a = {.rrs = {0}};
	kd_error_t err;
	assert_int_equal(
	        parse(OWN, LDNS_RR_TYPE_SRV, F_AA, LDNS_RCODE_NOERROR, ans, NULL, &a, &err), 0);
	assert_int_equal(a.rrs.n, 2);
	assert_int_equal(a.where, PUB_WHERE_ZONE);
	assert_false(a.is_signed);
	ldns_rr *want = t_srv(OWN, 0, 0, 1688, "kms1.example.test");
	assert_true(pub_rr_equal(a.rrs.v[0], want)); /* canonical: lower case */
	assert_int_equal(ldns_rr_ttl(a.rrs.v[1]), 300);
	ldns_rr_free(want);
	pub_rrlist_free(&a.rrs);
}

static void test_zone_cuts(void **state)
{
	pub_answer_t a = {.rrs = {0}};
	kd_error_t err;
	/* NODATA with the zone's SOA: in the zone */
	const char *soa[] = {SOA_, NULL};
	assert_int_equal(
	        parse(OWN, LDNS_RR_TYPE_SOA, F_AA, LDNS_RCODE_NOERROR, NULL, soa, &a, &err), 0);
	assert_int_equal(a.where, PUB_WHERE_ZONE);
	/* the apex itself */
	assert_int_equal(
	        parse(ZONE, LDNS_RR_TYPE_SOA, F_AA, LDNS_RCODE_NOERROR, soa, NULL, &a, &err), 0);
	assert_int_equal(a.where, PUB_WHERE_ZONE);
	assert_int_equal(a.rrs.n, 0); /* SOA records are not ours */
	/* another zone of this server, below a cut */
	const char *child[] = {"sub.example.test. 300 IN SOA ns.sub.example.test. h. 1 2 3 4 5",
	                       NULL};
	assert_int_equal(parse("_vlmcs._tcp.sub.example.test.", LDNS_RR_TYPE_SOA, F_AA,
	                       LDNS_RCODE_NXDOMAIN, NULL, child, &a, &err),
	                 0);
	assert_int_equal(a.where, PUB_WHERE_CHILD);
	assert_string_equal(a.other, "sub.example.test.");
	/* a referral to servers elsewhere */
	const char *ns[] = {"far.example.test. 300 IN NS ns.far.example.test.", NULL};
	assert_int_equal(parse("_vlmcs._tcp.far.example.test.", LDNS_RR_TYPE_SOA, 0,
	                       LDNS_RCODE_NOERROR, NULL, ns, &a, &err),
	                 0);
	assert_int_equal(a.where, PUB_WHERE_REFERRAL);
	assert_string_equal(a.other, "far.example.test.");
	/* the server answers from a zone above the configured one: not a zone there */
	const char *parent[] = {"test. 300 IN SOA ns.test. h.test. 1 2 3 4 5", NULL};
	assert_int_equal(
	        parse(OWN, LDNS_RR_TYPE_SOA, F_AA, LDNS_RCODE_NXDOMAIN, NULL, parent, &a, &err),
	        -1);
	assert_non_null(strstr(err.msg, "answers from zone test."));
	/* NS records at the zone's own apex, in another case, are no cut below it: a server not
	 * authoritative for the zone (found by fuzz-pub_answer). The question carries the case,
	 * so that compression keeps it in the owner. */
	const char *apex[] = {"EXAMPLE.test. 300 IN NS ns.example.test.", NULL};
	const char *apex_soa[] = {"EXAMPLE.test. 300 IN SOA ns.example.test. h. 1 2 3 4 5", NULL};
	size_t len = 0;
	uint8_t *wire = answer("_vlmcs._tcp.EXAMPLE.test.", LDNS_RR_TYPE_SOA, 0, LDNS_RCODE_NOERROR,
	                       NULL, apex, &len);
	assert_int_equal(pub_answer_parse_wire(wire, len, OWN, LDNS_RR_TYPE_SOA, ZONE, &a, &err),
	                 -1);
	assert_non_null(strstr(err.msg, "not authoritative"));
	free(wire);
	/* nor is an SOA there a child zone */
	wire = answer("_vlmcs._tcp.EXAMPLE.test.", LDNS_RR_TYPE_SOA, F_AA, LDNS_RCODE_NOERROR, NULL,
	              apex_soa, &len);
	assert_int_equal(pub_answer_parse_wire(wire, len, OWN, LDNS_RR_TYPE_SOA, ZONE, &a, &err),
	                 0);
	assert_int_equal(a.where, PUB_WHERE_ZONE);
	free(wire);
	/* a child zone's SOA in another case is that child */
	const char *sub_soa[] = {"SUB.example.test. 300 IN SOA ns.example.test. h. 1 2 3 4 5",
	                         NULL};
	wire = answer("_vlmcs._tcp.SUB.example.test.", LDNS_RR_TYPE_SOA, F_AA, LDNS_RCODE_NOERROR,
	              NULL, sub_soa, &len);
	assert_int_equal(pub_answer_parse_wire(wire, len, "_vlmcs._tcp.sub.example.test.",
	                                       LDNS_RR_TYPE_SOA, ZONE, &a, &err),
	                 0);
	assert_int_equal(a.where, PUB_WHERE_CHILD);
	assert_string_equal(a.other, "sub.example.test.");
	free(wire);
	/* an SOA whose owner ends the name's text but not its labels says nothing */
	const char *part[] = {"ample.test. 300 IN SOA ns.test. h.test. 1 2 3 4 5", NULL};
	assert_int_equal(
	        parse(OWN, LDNS_RR_TYPE_SOA, F_AA, LDNS_RCODE_NXDOMAIN, NULL, part, &a, &err), 0);
	assert_int_equal(a.where, PUB_WHERE_ZONE);
	assert_false(a.located);
	pub_rrlist_free(&a.rrs);
}

static void test_alias(void **state)
{
	const char *ans[] = {"alias.example.test. 300 IN CNAME real.example.test.",
	                     "real.example.test. 300 IN A 192.0.2.99", NULL};
	pub_answer_t a = {.rrs = {0}};
	kd_error_t err;
	assert_int_equal(parse("alias.example.test.", LDNS_RR_TYPE_A, F_AA, LDNS_RCODE_NOERROR, ans,
	                       NULL, &a, &err),
	                 0);
	assert_int_equal(a.where, PUB_WHERE_ALIAS);
	assert_string_equal(a.other, "real.example.test.");
	assert_int_equal(a.rrs.n, 0); /* the target's address is not the alias's */
	pub_rrlist_free(&a.rrs);
}

static void test_errors(void **state)
{
	pub_answer_t a = {.rrs = {0}};
	kd_error_t err;
	assert_int_equal(
	        parse(OWN, LDNS_RR_TYPE_SRV, F_AA, LDNS_RCODE_SERVFAIL, NULL, NULL, &a, &err), -1);
	assert_non_null(strstr(err.msg, "SERVFAIL reading " OWN " SRV"));
	/* truncated over TCP: never a complete RRset */
	const char *ans[] = {OWN " 600 IN SRV 0 0 1688 kms1.example.test.", NULL};
	assert_int_equal(
	        parse(OWN, LDNS_RR_TYPE_SRV, F_AA | F_TC, LDNS_RCODE_NOERROR, ans, NULL, &a, &err),
	        -1);
	assert_non_null(strstr(err.msg, "truncated answer to " OWN " SRV over TCP"));
	assert_non_null(strstr(err.msg, "more than the 1 records"));
	/* not authoritative and no referral */
	assert_int_equal(parse(OWN, LDNS_RR_TYPE_SRV, 0, LDNS_RCODE_NOERROR, ans, NULL, &a, &err),
	                 -1);
	assert_non_null(strstr(err.msg, "not authoritative"));
	/* garbage */
	uint8_t junk[7] = {1, 2, 3, 4, 5, 6, 7};
	assert_int_equal(
	        pub_answer_parse_wire(junk, sizeof(junk), OWN, LDNS_RR_TYPE_SRV, ZONE, &a, &err),
	        -1);
	assert_int_equal(a.rrs.n, 0); /* a failed parse leaves no records */
	pub_rrlist_free(&a.rrs);
}

/* ---- pub_read_names over kd_query_batch answered here (linked with --wrap) ---- */

kd_err_t __wrap_kd_query_batch(const kd_query_opts_t *opts, const kd_signer_t *signer,
                               kd_question_t *qs, size_t n, kd_addr_t *from);

static size_t batch_calls, batch_most;
static uint8_t *nx_wire; /* an NXDOMAIN of ZONE with its SOA */
static size_t nx_len;

/* As the real one: refuses more than KD_BATCH_MAX; else every question gets NXDOMAIN. */
kd_err_t __wrap_kd_query_batch(const kd_query_opts_t *opts, const kd_signer_t *signer,
                               kd_question_t *qs, size_t n, kd_addr_t *from)
{
	(void)signer;
	batch_calls++;
	if (n > batch_most)
		batch_most = n;
	for (size_t i = 0; i < n; i++) {
		qs[i].answer = NULL;
		qs[i].err = KD_EINVAL;
		if (n <= KD_BATCH_MAX &&
		    ldns_wire2pkt(&qs[i].answer, nx_wire, nx_len) == LDNS_STATUS_OK)
			qs[i].err = KD_OK;
	}
	if (from != NULL && opts->count > 0)
		*from = opts->servers[0];
	return n <= KD_BATCH_MAX ? KD_OK : KD_EINVAL;
}

/* More names than one batch's IDs can tell apart: every one read, in batches that fit. */
static void test_read_more_than_a_batch(void **state)
{
	const char *soa[] = {SOA_, NULL};
	nx_wire = answer("h.example.test.", LDNS_RR_TYPE_A, F_AA, LDNS_RCODE_NXDOMAIN, NULL, soa,
	                 &nx_len);
	size_t n = KD_BATCH_MAX + 2;
	pub_name_read_t *names = calloc(n, sizeof(*names));
	assert_non_null(names);
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i].name, sizeof(names[i].name), "h%zu.example.test.", i);
		names[i].zone = ZONE;
		names[i].ask = PUB_ASK_A | PUB_ASK_SOA;
	}
	kd_addr_t server, from;
	assert_int_equal(kd_addr_parse("127.0.0.1", 53, &server), 0);
	kd_query_opts_t opts = {.servers = &server, .count = 1};
	batch_calls = batch_most = 0;
	assert_int_equal(pub_read_names(&opts, NULL, names, n, &from), 0);
	assert_int_equal(batch_calls, 2); /* the NXDOMAINs named the zone: no SOA probe */
	assert_int_equal(batch_most, KD_BATCH_MAX);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(names[i].err.code, KD_OK);
		assert_int_equal(names[i].where, PUB_WHERE_ZONE);
		assert_int_equal(names[i].rrs.n, 0);
		pub_name_read_deinit(&names[i]);
	}
	free(names);
	free(nx_wire);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_records_taken),
	        cmocka_unit_test(test_zone_cuts),
	        cmocka_unit_test(test_alias),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_read_more_than_a_batch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
