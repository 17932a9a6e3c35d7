/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <libknot/libknot.h>

#include "publisher/update.h"
#include "test_pub_helpers.h"

#define ZONE         "example.test."
#define OWN          "_vlmcs._tcp.example.test."
#define SECRET       "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE="
#define OTHER_SECRET "b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXI="

static kd_tsig_key_t test_key = {
        .name = "kms-update", .alg = KD_TSIG_HMAC_SHA256, .secret_b64 = SECRET};

/* Records the ops of a test point at; freed at the end of each test. */
static pub_rrlist_t keep;

static void add_op(pub_oplist_t *ops, pub_op_kind_t kind, ldns_rr *rr)
{
	t_add(&keep, rr);
	assert_int_equal(pub_oplist_add(ops, kind, rr), 0);
}

static int free_keep(void **state)
{
	pub_rrlist_free(&keep);
	return 0;
}

/* The request from the diff's typical output: stale delete, address replace, adds. */
static void build(pub_msg_t *msg, uint16_t id)
{
	pub_oplist_t ops = {0};
	kd_error_t err;
	add_op(&ops, PUB_OP_DEL, t_srv(OWN, 0, 10, 1688, "kms1.example.test"));
	add_op(&ops, PUB_OP_DEL_RRSET, t_addr("kms1.example.test", "192.0.2.10"));
	add_op(&ops, PUB_OP_ADD, t_addr("kms1.example.test", "192.0.2.10"));
	add_op(&ops, PUB_OP_ADD, t_srv(OWN, 0, 20, 1688, "kms1.example.test"));
	assert_int_equal(pub_msg_build(ZONE, NULL, &ops, &test_key, id, msg, &err), 0);
	pub_oplist_deinit(&ops);
}

static void test_build_wire(void **state)
{
	pub_msg_t msg;
	build(&msg, 0x1234);
	uint8_t *copy = malloc(msg.len);
	memcpy(copy, msg.wire, msg.len);
	knot_pkt_t *pkt = knot_pkt_new(copy, (uint16_t)msg.len, NULL);
	assert_non_null(pkt);
	assert_int_equal(knot_pkt_parse(pkt, 0), KNOT_EOK);
	assert_int_equal(knot_wire_get_id(pkt->wire), 0x1234);
	assert_int_equal(knot_wire_get_opcode(pkt->wire), KNOT_OPCODE_UPDATE);
	assert_int_equal(knot_wire_get_qr(pkt->wire), 0);
	assert_int_equal(knot_pkt_qtype(pkt), KNOT_RRTYPE_SOA);
	assert_non_null(pkt->tsig_rr);                                  /* signed */
	assert_int_equal(knot_pkt_section(pkt, KNOT_ANSWER)->count, 0); /* no prerequisites */

	const knot_pktsection_t *upd = knot_pkt_section(pkt, KNOT_AUTHORITY);
	assert_int_equal(upd->count, 4);
	const knot_rrset_t *r0 = knot_pkt_rr(upd, 0);
	assert_int_equal(r0->type, KNOT_RRTYPE_SRV);
	assert_int_equal(r0->rclass, KNOT_CLASS_NONE); /* single record delete, not ANY */
	assert_int_equal(r0->ttl, 0);
	assert_int_equal(r0->rrs.count, 1);
	const knot_rdata_t *rd = r0->rrs.rdata;
	assert_int_equal(knot_wire_read_u16(rd->data + 2), 10); /* weight of the stale record */
	assert_int_equal(knot_wire_read_u16(rd->data + 4), 1688);

	const knot_rrset_t *r1 = knot_pkt_rr(upd, 1);
	assert_int_equal(r1->type, KNOT_RRTYPE_A);
	assert_int_equal(r1->rclass, KNOT_CLASS_ANY);
	assert_int_equal(r1->rrs.rdata->len, 0);

	const knot_rrset_t *r2 = knot_pkt_rr(upd, 2);
	assert_int_equal(r2->type, KNOT_RRTYPE_A);
	assert_int_equal(r2->rclass, KNOT_CLASS_IN);
	assert_int_equal(r2->ttl, 600);

	const knot_rrset_t *r3 = knot_pkt_rr(upd, 3);
	assert_int_equal(r3->type, KNOT_RRTYPE_SRV);
	assert_int_equal(r3->rclass, KNOT_CLASS_IN);
	assert_int_equal(knot_wire_read_u16(r3->rrs.rdata->data + 2), 20);
	char target[KNOT_DNAME_TXT_MAXLEN];
	knot_dname_to_str(target, r3->rrs.rdata->data + 6, sizeof(target));
	assert_string_equal(target, "kms1.example.test.");

	/* The request's TSIG verifies with the key, as a server would check it. */
	knot_tsig_key_t k;
	assert_int_equal(knot_tsig_key_init(&k, "hmac-sha256", "kms-update", SECRET), KNOT_EOK);
	assert_int_equal(knot_tsig_server_check(pkt->tsig_rr, pkt->wire, pkt->size, &k), KNOT_EOK);
	knot_tsig_key_deinit(&k);
	knot_pkt_free(pkt);
	free(copy);
	pub_msg_deinit(&msg);
}

static void test_srv_rrset_delete_refused(void **state)
{
	pub_oplist_t ops = {0};
	pub_msg_t msg;
	kd_error_t err;
	add_op(&ops, PUB_OP_DEL_RRSET, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
	assert_int_equal(pub_msg_build(ZONE, NULL, &ops, &test_key, 1, &msg, &err), -1);
	pub_oplist_deinit(&ops);
}

/* A response to req: rcode, optionally signed with secret and TSIG error tsig_rcode. */
static size_t response(const pub_msg_t *req, uint16_t id, const char *zone, uint8_t rcode,
                       const char *secret, uint16_t tsig_rcode, uint8_t *out, size_t cap)
{
	uint8_t qname[KNOT_DNAME_MAXLEN];
	knot_pkt_t *pkt = knot_pkt_new(NULL, (uint16_t)cap, NULL);
	assert_non_null(pkt);
	knot_wire_set_id(pkt->wire, id);
	knot_wire_set_qr(pkt->wire);
	knot_wire_set_opcode(pkt->wire, KNOT_OPCODE_UPDATE);
	knot_wire_set_rcode(pkt->wire, rcode);
	knot_dname_from_str(qname, zone, sizeof(qname));
	assert_int_equal(knot_pkt_put_question(pkt, qname, KNOT_CLASS_IN, KNOT_RRTYPE_SOA), 0);
	if (tsig_rcode == KNOT_RCODE_BADSIG || tsig_rcode == KNOT_RCODE_BADKEY) {
		/* What servers send: the request's TSIG echoed with the error and no MAC. */
		uint8_t *copy = malloc(req->len);
		memcpy(copy, req->wire, req->len);
		knot_pkt_t *q = knot_pkt_new(copy, (uint16_t)req->len, NULL);
		assert_int_equal(knot_pkt_parse(q, 0), KNOT_EOK);
		assert_int_equal(
		        knot_tsig_add(pkt->wire, &pkt->size, pkt->max_size, tsig_rcode, q->tsig_rr),
		        KNOT_EOK);
		knot_pkt_free(q);
		free(copy);
	} else if (secret != NULL) {
		knot_tsig_key_t k;
		uint8_t digest[64];
		size_t dlen = sizeof(digest);
		assert_int_equal(knot_tsig_key_init(&k, "hmac-sha256", "kms-update", secret), 0);
		assert_int_equal(knot_tsig_sign(pkt->wire, &pkt->size, pkt->max_size, req->req.mac,
		                                req->req.mac_len, digest, &dlen, &k, tsig_rcode, 0),
		                 KNOT_EOK);
		knot_tsig_key_deinit(&k);
	}
	size_t len = pkt->size;
	memcpy(out, pkt->wire, len);
	knot_pkt_free(pkt);
	return len;
}

static pub_result_t check(uint16_t id, const char *zone, uint8_t rcode, const char *secret,
                          uint16_t tsig_rcode, pub_verdict_t *v)
{
	pub_msg_t req;
	uint8_t buf[1024];
	build(&req, 77);
	size_t len = response(&req, id, zone, rcode, secret, tsig_rcode, buf, sizeof(buf));
	pub_result_t r = pub_msg_check(&req, &test_key, buf, len, v);
	pub_msg_deinit(&req);
	return r;
}

static void test_signed_noerror_ok(void **state)
{
	pub_verdict_t v;
	assert_int_equal(check(77, ZONE, KNOT_RCODE_NOERROR, SECRET, 0, &v), PUB_RES_OK);
	assert_true(v.ts.verified);
}

static void test_unsigned_noerror_rejected(void **state)
{
	pub_verdict_t v;
	char text[256];
	assert_int_equal(check(77, ZONE, KNOT_RCODE_NOERROR, NULL, 0, &v), PUB_RES_UNSIGNED);
	pub_verdict_str(&v, text, sizeof(text));
	assert_non_null(strstr(text, "unsigned"));
}

static void test_wrong_id_rejected(void **state)
{
	pub_verdict_t v;
	assert_int_equal(check(78, ZONE, KNOT_RCODE_NOERROR, SECRET, 0, &v), PUB_RES_MISMATCH);
}

static void test_wrong_zone_rejected(void **state)
{
	pub_verdict_t v;
	assert_int_equal(check(77, "other.test.", KNOT_RCODE_NOERROR, SECRET, 0, &v),
	                 PUB_RES_MISMATCH);
}

static void test_bad_signature_rejected(void **state)
{
	pub_verdict_t v;
	assert_int_equal(check(77, ZONE, KNOT_RCODE_NOERROR, OTHER_SECRET, 0, &v), PUB_RES_BADTSIG);
	assert_false(v.ts.verified);
}

static void test_auth_failures(void **state)
{
	pub_verdict_t v;
	char text[256];
	assert_int_equal(check(77, ZONE, KNOT_RCODE_NOTAUTH, SECRET, KNOT_RCODE_BADSIG, &v),
	                 PUB_RES_AUTH);
	pub_verdict_str(&v, text, sizeof(text));
	assert_non_null(strstr(text, "authentication failed"));
	assert_non_null(strstr(text, "BADSIG"));
	assert_non_null(strstr(text, "NOTAUTH"));
	assert_int_equal(check(77, ZONE, KNOT_RCODE_NOTAUTH, SECRET, KNOT_RCODE_BADKEY, &v),
	                 PUB_RES_AUTH);
	/* unauthenticated (RFC 8945 5.3.2): not a final verdict, retried soon */
	assert_false(pub_result_permanent(&v));
	assert_true(pub_result_tentative(&v));
}

static void test_badtime(void **state)
{
	pub_verdict_t v;
	char text[256];
	assert_int_equal(check(77, ZONE, KNOT_RCODE_NOTAUTH, SECRET, KNOT_RCODE_BADTIME, &v),
	                 PUB_RES_BADTIME);
	assert_true((v.ts.status != PUB_TSIG_NONE));
	assert_true(v.ts.skew > -3600 && v.ts.skew < 3600); /* same clock on both sides here */
	pub_verdict_str(&v, text, sizeof(text));
	assert_non_null(strstr(text, "clock skew"));
	assert_non_null(strstr(text, "BADTIME"));
}

static void test_rcodes(void **state)
{
	pub_verdict_t v;
	char text[256];
	assert_int_equal(check(77, ZONE, KNOT_RCODE_REFUSED, SECRET, 0, &v), PUB_RES_REFUSED);
	pub_verdict_str(&v, text, sizeof(text));
	assert_non_null(strstr(text, "permission refused"));
	assert_true(pub_result_permanent(&v)); /* signed: the server means it */
	assert_false(pub_result_tentative(&v));
	assert_int_equal(check(77, ZONE, KNOT_RCODE_NOTAUTH, SECRET, 0, &v), PUB_RES_NOTAUTH);
	pub_verdict_str(&v, text, sizeof(text));
	assert_non_null(strstr(text, "zone not served"));
	assert_int_equal(check(77, ZONE, KNOT_RCODE_NOTZONE, SECRET, 0, &v), PUB_RES_NOTZONE);
	assert_int_equal(check(77, ZONE, KNOT_RCODE_SERVFAIL, SECRET, 0, &v), PUB_RES_RCODE);
	assert_false(pub_result_permanent(&v));
	assert_int_equal(check(77, ZONE, KNOT_RCODE_NXRRSET, SECRET, 0, &v), PUB_RES_PREREQ);
	pub_verdict_str(&v, text, sizeof(text));
	assert_non_null(strstr(text, "prerequisite failed: NXRRSET"));
	assert_false(pub_result_permanent(&v));
}

/* RFC 8945 5.3.2: an unsigned error answering a signed request may be forged. */
static void test_unsigned_errors_not_final(void **state)
{
	pub_verdict_t v;
	char text[256];
	assert_int_equal(check(77, ZONE, KNOT_RCODE_REFUSED, NULL, 0, &v), PUB_RES_UNSIGNED);
	pub_verdict_str(&v, text, sizeof(text));
	assert_string_equal(text, "unsigned REFUSED (wrong secret or unknown key?)");
	assert_false(pub_result_permanent(&v));
	assert_true(pub_result_tentative(&v));
	assert_int_equal(check(77, ZONE, KNOT_RCODE_NOTAUTH, NULL, 0, &v), PUB_RES_UNSIGNED);
	pub_verdict_str(&v, text, sizeof(text));
	assert_non_null(strstr(text, "unsigned NOTAUTH (wrong secret or unknown key?"));
	assert_non_null(strstr(text, "not served"));
	assert_true(pub_result_tentative(&v));
	assert_int_equal(check(77, ZONE, KNOT_RCODE_NOERROR, OTHER_SECRET, 0, &v), PUB_RES_BADTSIG);
	assert_true(pub_result_tentative(&v));
}

/* Prerequisites: the RRsets read, exactly (class IN, TTL 0), and those read empty (NONE). */
static void test_prerequisites(void **state)
{
	pub_rrlist_t present = {0}, absent = {0};
	pub_oplist_t ops = {0};
	pub_msg_t msg;
	kd_error_t err;
	t_add(&keep, t_srv(OWN, 0, 0, 1688, "foreign.example.test"));
	t_add(&present, keep.v[keep.n - 1]);
	t_add(&keep, t_addr("kms1.example.test", "192.0.2.10"));
	t_add(&absent, keep.v[keep.n - 1]);
	add_op(&ops, PUB_OP_ADD, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
	pub_prereq_t pre = {&present, &absent};
	assert_int_equal(pub_msg_build(ZONE, &pre, &ops, &test_key, 9, &msg, &err), 0);
	uint8_t *copy = malloc(msg.len);
	memcpy(copy, msg.wire, msg.len);
	knot_pkt_t *pkt = knot_pkt_new(copy, (uint16_t)msg.len, NULL);
	assert_int_equal(knot_pkt_parse(pkt, 0), KNOT_EOK);
	const knot_pktsection_t *pr = knot_pkt_section(pkt, KNOT_ANSWER);
	assert_int_equal(pr->count, 2);
	const knot_rrset_t *p0 = knot_pkt_rr(pr, 0), *p1 = knot_pkt_rr(pr, 1);
	assert_int_equal(p0->type, KNOT_RRTYPE_SRV);
	assert_int_equal(p0->rclass, KNOT_CLASS_IN);
	assert_int_equal(p0->ttl, 0);
	assert_int_equal(knot_wire_read_u16(p0->rrs.rdata->data + 4), 1688);
	assert_int_equal(p1->type, KNOT_RRTYPE_A);
	assert_int_equal(p1->rclass, KNOT_CLASS_NONE);
	assert_int_equal(p1->rrs.rdata->len, 0);
	assert_int_equal(knot_pkt_section(pkt, KNOT_AUTHORITY)->count, 1);
	/* the size estimate is an upper bound of what the message takes */
	size_t est =
	        pub_msg_overhead(ZONE, &test_key) + pub_prereq_size(&pre) + pub_op_size(&ops.v[0]);
	assert_true(msg.len <= est);
	knot_pkt_free(pkt);
	free(copy);
	pub_msg_deinit(&msg);
	pub_rrlist_deinit(&present);
	pub_rrlist_deinit(&absent);
	pub_oplist_deinit(&ops);
}

/* A query for name/SRV as kd_query_build makes it, into buf (*qlen: its length), signed with
 * k (*req), parsed as a server does (which cuts the TSIG off buf again). */
static knot_pkt_t *signed_query(kd_signer_t k, const char *name, uint8_t *buf, size_t cap,
                                size_t *qlen, void **req)
{
	ldns_pkt *pq = NULL;
	uint8_t *wire = NULL;
	size_t len = 0;
	assert_int_equal(kd_query_build(name, LDNS_RR_TYPE_SRV, false, &pq, &wire, &len), KD_OK);
	assert_true(len <= cap);
	memcpy(buf, wire, len);
	*qlen = len;
	free(wire);
	ldns_pkt_free(pq);
	assert_int_equal(k.sign(k.arg, buf, &len, cap, req), KD_OK);
	knot_pkt_t *pkt = knot_pkt_new(buf, (uint16_t)len, NULL);
	assert_int_equal(knot_pkt_parse(pkt, 0), KNOT_EOK);
	assert_non_null(pkt->tsig_rr);
	return pkt;
}

/* The signer of reads: each query signed with the key of its name, answers verified. */
static void test_read_signer(void **state)
{
	pub_signer_t *s = pub_signer_new();
	assert_non_null(s);
	assert_int_equal(pub_signer_add(s, "_vlmcs._tcp.example.test.", &test_key), 0);
	kd_signer_t k = pub_signer_get(s);
	uint8_t buf[1024];
	size_t len = 0;
	void *req = NULL;
	knot_pkt_t *pkt =
	        signed_query(k, "_VLMCS._tcp.example.test.", buf, sizeof(buf), &len, &req);
	/* the query verifies as a server checks it */
	knot_tsig_key_t kk;
	assert_int_equal(knot_tsig_key_init(&kk, "hmac-sha256", "kms-update", SECRET), KNOT_EOK);
	assert_int_equal(knot_tsig_server_check(pkt->tsig_rr, pkt->wire, pkt->size, &kk), KNOT_EOK);
	/* answers: signed with the right key, unsigned, and signed with another secret */
	const uint8_t *req_mac = knot_tsig_rdata_mac(pkt->tsig_rr);
	size_t req_mac_len = knot_tsig_rdata_mac_length(pkt->tsig_rr);
	knot_pkt_t *ans = knot_pkt_new(NULL, 1024, NULL);
	knot_wire_set_id(ans->wire, knot_wire_get_id(buf));
	knot_wire_set_qr(ans->wire);
	knot_wire_set_aa(ans->wire);
	size_t plain = ans->size;
	char why[KD_WHY_MAX] = "";
	assert_int_equal(k.verify(k.arg, req, ans->wire, plain, why, sizeof(why)), KD_OK);
	uint8_t dig[64];
	size_t dlen = sizeof(dig);
	assert_int_equal(knot_tsig_sign(ans->wire, &ans->size, ans->max_size, req_mac, req_mac_len,
	                                dig, &dlen, &kk, 0, 0),
	                 KNOT_EOK);
	assert_int_equal(k.verify(k.arg, req, ans->wire, ans->size, why, sizeof(why)), KD_OK);
	knot_wire_set_rcode(ans->wire, KNOT_RCODE_REFUSED);
	knot_wire_set_arcount(ans->wire, 0); /* the TSIG cut off again */
	assert_int_equal(k.verify(k.arg, req, ans->wire, plain, why, sizeof(why)), KD_ETSIG);
	assert_string_equal(why, "unsigned REFUSED (wrong secret or unknown key?)");
	knot_tsig_key_deinit(&kk);
	k.release(k.arg, req);
	knot_pkt_free(ans);
	knot_pkt_free(pkt);
	pub_signer_free(s);
}

/* Sign a query for name with k, check it as a server with key name/secret (KNOT_EOK or the
 * error), then answer it signed with answer_secret and return what k.verify says. */
static kd_err_t sign_and_answer(kd_signer_t k, const char *name, const char *key_name,
                                const char *secret, int want_server, const char *answer_secret)
{
	uint8_t buf[1024];
	size_t len = 0;
	void *req = NULL;
	knot_pkt_t *pkt = signed_query(k, name, buf, sizeof(buf), &len, &req);
	knot_tsig_key_t kk, ka;
	assert_int_equal(knot_tsig_key_init(&kk, "hmac-sha256", key_name, secret), KNOT_EOK);
	assert_int_equal(knot_tsig_server_check(pkt->tsig_rr, pkt->wire, pkt->size, &kk),
	                 want_server);
	assert_int_equal(knot_tsig_key_init(&ka, "hmac-sha256", key_name, answer_secret), KNOT_EOK);
	knot_pkt_t *ans = knot_pkt_new(NULL, 1024, NULL);
	knot_wire_set_id(ans->wire, knot_wire_get_id(buf));
	knot_wire_set_qr(ans->wire);
	uint8_t dig[64];
	size_t dlen = sizeof(dig);
	assert_int_equal(knot_tsig_sign(ans->wire, &ans->size, ans->max_size,
	                                knot_tsig_rdata_mac(pkt->tsig_rr),
	                                knot_tsig_rdata_mac_length(pkt->tsig_rr), dig, &dlen, &ka,
	                                0, 0),
	                 KNOT_EOK);
	char why[KD_WHY_MAX] = "";
	kd_err_t ret = k.verify(k.arg, req, ans->wire, ans->size, why, sizeof(why));
	k.release(k.arg, req);
	knot_tsig_key_deinit(&kk);
	knot_tsig_key_deinit(&ka);
	knot_pkt_free(ans);
	knot_pkt_free(pkt);
	return ret;
}

/* Two keys for three names, each decoded once and reused: every query is signed with the key
 * of its name (a server with the other secret refuses it), and an answer verifies only when
 * signed with that key. */
static void test_read_signer_keys(void **state)
{
	(void)state;
	kd_tsig_key_t other = {
	        .name = "kms-update", .alg = KD_TSIG_HMAC_SHA256, .secret_b64 = OTHER_SECRET};
	pub_signer_t *s = pub_signer_new();
	assert_non_null(s);
	assert_int_equal(pub_signer_add(s, "a.one.test.", &test_key), 0);
	assert_int_equal(pub_signer_add(s, "b.two.test.", &other), 0);
	assert_int_equal(pub_signer_add(s, "c.one.test.", &test_key), 0);
	kd_signer_t k = pub_signer_get(s);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(
		        sign_and_answer(k, "a.one.test", "kms-update", SECRET, KNOT_EOK, SECRET),
		        KD_OK);
		assert_int_equal(sign_and_answer(k, "B.two.test", "kms-update", OTHER_SECRET,
		                                 KNOT_EOK, OTHER_SECRET),
		                 KD_OK);
		assert_int_equal(sign_and_answer(k, "c.one.test", "kms-update", OTHER_SECRET,
		                                 KNOT_TSIG_EBADSIG, SECRET),
		                 KD_OK);
		assert_int_equal(sign_and_answer(k, "b.two.test", "kms-update", SECRET,
		                                 KNOT_TSIG_EBADSIG, SECRET),
		                 KD_ETSIG);
		assert_int_equal(sign_and_answer(k, "a.one.test", "kms-update", SECRET, KNOT_EOK,
		                                 OTHER_SECRET),
		                 KD_ETSIG);
	}
	pub_signer_free(s);
}

/* Answers as the read signer sees them on the wire: an OPT record before the TSIG, its
 * extended rcode, a MAC that does not verify, records after the TSIG or cut short. */
static void test_read_signer_wire(void **state)
{
	(void)state;
	pub_signer_t *s = pub_signer_new();
	assert_int_equal(pub_signer_add(s, "a.one.test.", &test_key), 0);
	kd_signer_t k = pub_signer_get(s);
	uint8_t buf[1024], ans[1024];
	size_t qlen = 0;
	void *req = NULL;
	knot_pkt_t *pkt = signed_query(k, "a.one.test", buf, sizeof(buf), &qlen, &req);
	knot_tsig_key_t kk;
	assert_int_equal(knot_tsig_key_init(&kk, "hmac-sha256", "kms-update", SECRET), KNOT_EOK);
	/* the query's question and OPT answered (QR), unsigned: the OPT's extended rcode counts */
	memcpy(ans, buf, qlen);
	ans[2] |= 0x80;
	ans[qlen - 6] = 1; /* OPT TTL, extended rcode: BADVERS */
	char why[KD_WHY_MAX] = "";
	assert_int_equal(k.verify(k.arg, req, ans, qlen, why, sizeof(why)), KD_ETSIG);
	assert_string_equal(why, "unsigned BADVERS (wrong secret or unknown key?)");
	ans[qlen - 6] = 0;
	assert_int_equal(k.verify(k.arg, req, ans, qlen, why, sizeof(why)), KD_OK);
	/* signed after the OPT: verifies */
	size_t alen = qlen;
	uint8_t dig[64];
	size_t dlen = sizeof(dig);
	assert_int_equal(knot_tsig_sign(ans, &alen, sizeof(ans), knot_tsig_rdata_mac(pkt->tsig_rr),
	                                knot_tsig_rdata_mac_length(pkt->tsig_rr), dig, &dlen, &kk,
	                                0, 0),
	                 KNOT_EOK);
	assert_int_equal(k.verify(k.arg, req, ans, alen, why, sizeof(why)), KD_OK);
	/* cut short, or the OPT again after the TSIG: malformed */
	assert_int_equal(k.verify(k.arg, req, ans, alen - 1, why, sizeof(why)), KD_EMALFORMED);
	assert_string_equal(why, "malformed answer");
	memcpy(ans + alen, ans + qlen - 11, 11);
	knot_wire_set_arcount(ans, (uint16_t)(knot_wire_get_arcount(ans) + 1));
	assert_int_equal(k.verify(k.arg, req, ans, alen + 11, why, sizeof(why)), KD_EMALFORMED);
	knot_wire_set_arcount(ans, (uint16_t)(knot_wire_get_arcount(ans) - 1));
	/* a byte of the MAC changed (it ends 6 bytes before the record): does not verify */
	ans[alen - 20] ^= 0xff;
	assert_int_equal(k.verify(k.arg, req, ans, alen, why, sizeof(why)), KD_ETSIG);
	assert_string_equal(why, "TSIG of the answer does not verify: NOERROR (not trusted)");
	knot_tsig_key_deinit(&kk);
	k.release(k.arg, req);
	knot_pkt_free(pkt);
	pub_signer_free(s);
}

static void test_garbage(void **state)
{
	pub_msg_t req;
	pub_verdict_t v;
	uint8_t junk[5] = {0, 77, 0x80, 0, 0};
	build(&req, 77);
	assert_int_equal(pub_msg_check(&req, &test_key, junk, sizeof(junk), &v), PUB_RES_MALFORMED);
	pub_msg_deinit(&req);
}

/* Each kind of reply a signed request can get, and the reason given (or none). */
static void test_tsig_why(void **state)
{
	static const struct {
		uint16_t rcode;
		pub_tsig_result_t t;
		int ret;
		const char *why;
	} cases[] = {
	        {KNOT_RCODE_NOERROR, {.status = PUB_TSIG_VERIFIED}, 0, ""},
	        {KNOT_RCODE_NXDOMAIN, {.status = PUB_TSIG_NONE}, 0, ""},
	        {KNOT_RCODE_NOERROR, {.status = PUB_TSIG_NONE}, 0, ""},
	        {KNOT_RCODE_NOTAUTH,
	         {.status = PUB_TSIG_NONE},
	         -1,
	         "unsigned NOTAUTH (wrong secret or unknown key? or the zone is not served there)"},
	        {KNOT_RCODE_REFUSED,
	         {.status = PUB_TSIG_NONE},
	         -1,
	         "unsigned REFUSED (wrong secret or unknown key?)"},
	        {KNOT_RCODE_NOTAUTH,
	         {.status = PUB_TSIG_KEYERR, .error = KNOT_RCODE_BADSIG},
	         -1,
	         "authentication failed: NOTAUTH, TSIG BADSIG (wrong secret, key name unknown to "
	         "the server, or key not permitted for this zone)"},
	        {KNOT_RCODE_NOTAUTH,
	         {.status = PUB_TSIG_BADTIME, .error = KNOT_RCODE_BADTIME, .skew = -400},
	         -1,
	         "clock skew: NOTAUTH, TSIG BADTIME (server clock is -400 s from ours; fix the "
	         "time on one side)"},
	        {KNOT_RCODE_NOERROR,
	         {.status = PUB_TSIG_INVALID},
	         -1,
	         "TSIG of the answer does not verify: NOERROR (not trusted)"},
	        {KNOT_RCODE_NOTAUTH,
	         {.status = PUB_TSIG_VERIFIED, .error = KNOT_RCODE_BADTRUNC},
	         -1,
	         "TSIG error: NOTAUTH, TSIG BADTRUNC"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char why[300] = "";
		assert_int_equal(pub_tsig_why(cases[i].rcode, &cases[i].t, why, sizeof(why)),
		                 cases[i].ret);
		assert_string_equal(why, cases[i].why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_tsig_why),
	        cmocka_unit_test_teardown(test_build_wire, free_keep),
	        cmocka_unit_test_teardown(test_srv_rrset_delete_refused, free_keep),
	        cmocka_unit_test_teardown(test_signed_noerror_ok, free_keep),
	        cmocka_unit_test_teardown(test_unsigned_noerror_rejected, free_keep),
	        cmocka_unit_test_teardown(test_wrong_id_rejected, free_keep),
	        cmocka_unit_test_teardown(test_wrong_zone_rejected, free_keep),
	        cmocka_unit_test_teardown(test_bad_signature_rejected, free_keep),
	        cmocka_unit_test_teardown(test_auth_failures, free_keep),
	        cmocka_unit_test_teardown(test_badtime, free_keep),
	        cmocka_unit_test_teardown(test_rcodes, free_keep),
	        cmocka_unit_test_teardown(test_garbage, free_keep),
	        cmocka_unit_test_teardown(test_unsigned_errors_not_final, free_keep),
	        cmocka_unit_test_teardown(test_prerequisites, free_keep),
	        cmocka_unit_test_teardown(test_read_signer, free_keep),
	        cmocka_unit_test(test_read_signer_keys),
	        cmocka_unit_test(test_read_signer_wire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
