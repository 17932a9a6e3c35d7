/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The transfer read (publisher/transfer.c): the messages of a zone transfer, signed as knotd
 * signs them (libknot: the first against the request's MAC, each later one with
 * knot_tsig_sign_next against the MAC before it), taken one by one. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libknot/libknot.h>

#include "dns/query.h"
#include "publisher/transfer.h"

#define ZONE   "x.test."
#define SECRET "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE="
#define SOA_   "x.test. 300 IN SOA ns.x.test. h.x.test. 1 3600 600 86400 300"
#define MAXN   16

static kd_tsig_key_t test_key = {
        .name = "kms-xfr", .alg = KD_TSIG_HMAC_SHA256, .secret_b64 = SECRET};

/* How a message is signed. */
typedef enum {
	SIGNED,     /* as knotd signs it */
	UNSIGNED,   /* no TSIG */
	BAD_MAC,    /* signed, then a byte of the MAC flipped */
	WRONG_PREV, /* a later message signed against the request's MAC, not the one before */
} sign_t;

/* One transfer: our side (x, the run) and the server's (its key, the last MAC it sent). */
typedef struct {
	pub_name_read_t names[MAXN];
	bool settled[MAXN];
	pub_xfr_t x;
	pub_xfr_run_t *run;
	pub_tsig_req_t req; /* the request's MAC */
	uint16_t id;
	knot_tsig_key_t k;
	uint8_t digest[64]; /* the server's last MAC */
	size_t dlen;
	size_t sent;
} xfr_t;

typedef struct {
	const char *name;
	unsigned ask;
} want_t;

/* The signed AXFR request for zone, and a run for names (NULL name ends them). */
static void start(xfr_t *t, const char *zone, const want_t *want)
{
	memset(t, 0, sizeof(*t));
	assert_int_equal(knot_tsig_key_init(&t->k, "hmac-sha256", test_key.name, SECRET), KNOT_EOK);
	ldns_pkt *pkt = NULL;
	uint8_t *wire = NULL;
	size_t len = 0;
	assert_int_equal(kd_query_build(zone, LDNS_RR_TYPE_AXFR, false, &pkt, &wire, &len), KD_OK);
	ldns_pkt_free(pkt);
	size_t cap = len + pub_tsig_size(&test_key);
	wire = realloc(wire, cap);
	assert_non_null(wire);
	kd_error_t err;
	assert_int_equal(pub_tsig_sign(&test_key, wire, &len, cap, &t->req, &err), 0);
	t->id = (uint16_t)(wire[0] << 8 | wire[1]);
	free(wire);
	for (; want[t->x.n].name != NULL; t->x.n++) {
		assert_true(t->x.n < MAXN);
		pub_name_read_t *nr = &t->names[t->x.n];
		snprintf(nr->name, sizeof(nr->name), "%s", want[t->x.n].name);
		nr->zone = zone;
		nr->ask = want[t->x.n].ask;
		t->settled[t->x.n] = true; /* the run must say otherwise */
	}
	t->x.zone = zone;
	t->x.key = &test_key;
	t->x.names = t->names;
	t->x.settled = t->settled;
	t->run = pub_xfr_run_new(&t->x, &t->req);
	assert_non_null(t->run);
}

static void finish(xfr_t *t)
{
	pub_xfr_run_finish(t->run);
	t->run = NULL;
}

static void end(xfr_t *t)
{
	if (t->run != NULL)
		finish(t);
	for (size_t i = 0; i < t->x.n; i++)
		pub_name_read_deinit(&t->names[i]);
	knot_tsig_key_deinit(&t->k);
}

/* The server's next message: question qzone AXFR IN (NULL: none), rcode, the records rrs
 * (NULL ends them), signed as how says; what the run makes of it. */
static kd_reply_t serve(xfr_t *t, const char *qzone, uint8_t rcode, sign_t how,
                        const char *const *rrs)
{
	ldns_pkt *pkt = ldns_pkt_new();
	assert_non_null(pkt);
	ldns_pkt_set_id(pkt, t->id);
	ldns_pkt_set_qr(pkt, true);
	ldns_pkt_set_aa(pkt, true);
	ldns_pkt_set_rcode(pkt, rcode);
	if (qzone != NULL) {
		ldns_rr *q = ldns_rr_new();
		ldns_rr_set_owner(q, ldns_dname_new_frm_str(qzone));
		ldns_rr_set_type(q, LDNS_RR_TYPE_AXFR);
		ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
		ldns_rr_set_question(q, true);
		assert_true(ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, q));
	}
	for (size_t i = 0; rrs != NULL && rrs[i] != NULL; i++) {
		ldns_rr *rr = NULL;
		assert_int_equal(ldns_rr_new_frm_str(&rr, rrs[i], 0, NULL, NULL), LDNS_STATUS_OK);
		assert_true(ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr));
	}
	uint8_t *wire = NULL;
	size_t len = 0;
	assert_int_equal(ldns_pkt2wire(&wire, pkt, &len), LDNS_STATUS_OK);
	ldns_pkt_free(pkt);
	size_t cap = len + 512;
	wire = realloc(wire, cap);
	assert_non_null(wire);
	if (how != UNSIGNED) {
		size_t dlen = sizeof(t->digest);
		if (t->sent == 0) {
			assert_int_equal(knot_tsig_sign(wire, &len, cap, t->req.mac, t->req.mac_len,
			                                t->digest, &dlen, &t->k, 0, 0),
			                 KNOT_EOK);
		} else {
			uint8_t *copy = malloc(len);
			assert_non_null(copy);
			memcpy(copy, wire, len);
			bool wrong = how == WRONG_PREV;
			assert_int_equal(knot_tsig_sign_next(wire, &len, cap,
			                                     wrong ? t->req.mac : t->digest,
			                                     wrong ? t->req.mac_len : t->dlen,
			                                     t->digest, &dlen, &t->k, copy, len),
			                 KNOT_EOK);
			free(copy);
		}
		t->dlen = dlen;
		if (how == BAD_MAC) /* the MAC's last byte: then come ID, error, other length */
			wire[len - 7] ^= 1;
	}
	t->sent++;
	kd_reply_t ret = pub_xfr_take(wire, len, t->run);
	free(wire);
	return ret;
}

/* Name i was not settled, and the run left nothing in it. */
static void assert_unsettled(const xfr_t *t, size_t i)
{
	assert_false(t->settled[i]);
	assert_int_equal(t->names[i].rrs.n, 0);
	assert_int_equal(t->names[i].where, PUB_WHERE_ZONE);
	assert_string_equal(t->names[i].other, "");
}

/* Name i was settled with n records of type (the first one's text, canonical, in first). */
static void assert_settled(const xfr_t *t, size_t i, size_t n, ldns_rr_type type, const char *first)
{
	assert_true(t->settled[i]);
	assert_true(t->names[i].all_signed);
	assert_int_equal(t->names[i].err.code, KD_OK);
	assert_int_equal(t->names[i].rrs.n, n);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(ldns_rr_get_type(t->names[i].rrs.v[k]), type);
	if (first != NULL) {
		char *text = ldns_rr2str(t->names[i].rrs.v[0]);
		assert_string_equal(text, first);
		free(text);
	}
}

static const want_t one[] = {{"a.x.test.", PUB_ASK_A}, {NULL, 0}};
static const char *const m1[] = {SOA_, "a.x.test. 300 IN A 192.0.2.1", NULL};
static const char *const m2[] = {"a.x.test. 300 IN AAAA 2001:db8::1", SOA_, NULL};

/* The way these tests sign is the way the module verifies: a plain 2-message transfer, each
 * message signed, comes whole. */
static void test_signed_whole(void **state)
{
	(void)state;
	xfr_t t;
	start(&t, ZONE, one);
	assert_int_equal(serve(&t, ZONE, LDNS_RCODE_NOERROR, SIGNED, m1), KD_REPLY_MORE);
	assert_int_equal(serve(&t, ZONE, LDNS_RCODE_NOERROR, SIGNED, m2), KD_REPLY_FINAL);
	assert_true(t.x.ok);
	assert_int_equal(t.x.err.code, KD_OK);
	finish(&t);
	assert_settled(&t, 0, 1, LDNS_RR_TYPE_A, "a.x.test.\t300\tIN\tA\t192.0.2.1\n");
	end(&t);
}

/* A zone with every kind of name the transfer settles or leaves to the queries. */
static void test_settle(void **state)
{
	(void)state;
	static const want_t want[] = {
	        {"a.x.test.", PUB_ASK_A | PUB_ASK_AAAA},
	        {"_vlmcs._tcp.x.test.", PUB_ASK_SRV},
	        {"gone.x.test.", PUB_ASK_A},
	        {"alias.x.test.", PUB_ASK_A | PUB_ASK_AAAA},
	        {"sub.x.test.", PUB_ASK_A},
	        {"cut.x.test.", PUB_ASK_A},
	        {"h.cut.x.test.", PUB_ASK_A},
	        {"d.x.test.", PUB_ASK_A},
	        {"h.d.x.test.", PUB_ASK_A},
	        {NULL, 0},
	};
	static const char *const first[] = {
	        SOA_,
	        "x.test. 300 IN NS ns.x.test.",
	        "A.X.test. 300 IN A 192.0.2.1", /* taken canonical */
	        "a.x.test. 300 IN TXT \"not asked\"",
	        "_vlmcs._tcp.x.test. 300 IN SRV 0 100 1688 kms.x.test.",
	        "_vlmcs._tcp.x.test. 300 IN TXT \"not asked\"",
	        "alias.x.test. 300 IN CNAME Target.x.test.",
	        NULL,
	};
	static const char *const second[] = {
	        "sub.x.test. 300 IN A 192.0.2.5",
	        "h.cut.x.test. 300 IN A 192.0.2.7", /* glue, before its cut */
	        "cut.x.test. 300 IN NS ns.cut.x.test.",
	        "cut.x.test. 300 IN A 192.0.2.6", /* occluded by the cut */
	        "d.x.test. 300 IN DNAME y.test.",
	        "d.x.test. 300 IN A 192.0.2.9",
	        "h.d.x.test. 300 IN A 192.0.2.10", /* occluded by the DNAME */
	        SOA_,
	        NULL,
	};
	xfr_t t;
	start(&t, ZONE, want);
	assert_int_equal(serve(&t, ZONE, LDNS_RCODE_NOERROR, SIGNED, first), KD_REPLY_MORE);
	assert_int_equal(serve(&t, NULL, LDNS_RCODE_NOERROR, SIGNED, second), KD_REPLY_FINAL);
	assert_true(t.x.ok);
	assert_false(t.x.refused);
	finish(&t);
	assert_settled(&t, 0, 1, LDNS_RR_TYPE_A, "a.x.test.\t300\tIN\tA\t192.0.2.1\n");
	assert_settled(&t, 1, 1, LDNS_RR_TYPE_SRV, NULL);
	assert_settled(&t, 2, 0, 0, NULL);
	assert_int_equal(t.names[2].where, PUB_WHERE_ZONE);
	assert_settled(&t, 3, 0, 0, NULL);
	assert_int_equal(t.names[3].where, PUB_WHERE_ALIAS);
	assert_string_equal(t.names[3].other, "target.x.test.");
	assert_settled(&t, 4, 1, LDNS_RR_TYPE_A, "sub.x.test.\t300\tIN\tA\t192.0.2.5\n");
	assert_unsettled(&t, 5);
	assert_unsettled(&t, 6);
	assert_settled(&t, 7, 1, LDNS_RR_TYPE_A, "d.x.test.\t300\tIN\tA\t192.0.2.9\n");
	assert_unsettled(&t, 8);
	end(&t);
}

/* With a wildcard in the zone, a name without records may be made up by it: left to the
 * queries. A name with records is not. */
static void test_wildcard(void **state)
{
	(void)state;
	static const want_t want[] = {
	        {"none.x.test.", PUB_ASK_A}, {"a.x.test.", PUB_ASK_A}, {NULL, 0}};
	static const char *const all[] = {SOA_, "a.x.test. 300 IN A 192.0.2.1",
	                                  "*.x.test. 300 IN A 192.0.2.99", SOA_, NULL};
	xfr_t t;
	start(&t, ZONE, want);
	assert_int_equal(serve(&t, ZONE, LDNS_RCODE_NOERROR, SIGNED, all), KD_REPLY_FINAL);
	assert_true(t.x.ok);
	finish(&t);
	assert_unsettled(&t, 0);
	assert_settled(&t, 1, 1, LDNS_RR_TYPE_A, NULL);
	end(&t);
}

/* A transfer that failed: nothing settled, nothing kept. */
static void assert_failed(xfr_t *t, kd_err_t code)
{
	assert_false(t->x.ok);
	assert_int_equal(t->x.err.code, code);
	finish(t);
	for (size_t i = 0; i < t->x.n; i++)
		assert_unsettled(t, i);
}

/* The second message does not verify, or is not signed: the transfer fails, though the
 * closing SOA came, and the records of the first message are dropped. */
static void test_second_not_verified(void **state)
{
	(void)state;
	static const sign_t bad[] = {BAD_MAC, WRONG_PREV, UNSIGNED};
	for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
		xfr_t t;
		start(&t, ZONE, one);
		assert_int_equal(serve(&t, ZONE, LDNS_RCODE_NOERROR, SIGNED, m1), KD_REPLY_MORE);
		assert_int_equal(serve(&t, ZONE, LDNS_RCODE_NOERROR, bad[b], m2), KD_REPLY_FINAL);
		/* A server that leaves messages unsigned does so each time; a bad MAC may not. */
		assert_int_equal(t.x.refused, bad[b] == UNSIGNED);
		assert_failed(&t, KD_ETSIG);
		end(&t);
	}
}

/* The first message unsigned or with a bad MAC, with NOERROR: not believed (and an unsigned
 * one not asked for again). */
static void test_first_not_verified(void **state)
{
	(void)state;
	static const sign_t bad[] = {BAD_MAC, UNSIGNED};
	for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
		xfr_t t;
		start(&t, ZONE, one);
		assert_int_equal(serve(&t, ZONE, LDNS_RCODE_NOERROR, bad[b], m1), KD_REPLY_FINAL);
		assert_int_equal(t.x.refused, bad[b] == UNSIGNED);
		assert_failed(&t, KD_ETSIG);
		end(&t);
	}
}

/* A REFUSED answer, signed or not, means the server will not transfer the zone to this key;
 * a SERVFAIL may pass. */
static void test_rcode(void **state)
{
	(void)state;
	static const sign_t how[] = {SIGNED, UNSIGNED};
	for (size_t h = 0; h < 2; h++) {
		xfr_t t;
		start(&t, ZONE, one);
		assert_int_equal(serve(&t, ZONE, LDNS_RCODE_REFUSED, how[h], NULL), KD_REPLY_FINAL);
		assert_true(t.x.refused);
		assert_non_null(strstr(t.x.err.msg, "REFUSED"));
		assert_failed(&t, KD_ERCODE);
		end(&t);

		start(&t, ZONE, one);
		assert_int_equal(serve(&t, ZONE, LDNS_RCODE_SERVFAIL, how[h], NULL),
		                 KD_REPLY_FINAL);
		assert_false(t.x.refused);
		assert_non_null(strstr(t.x.err.msg, "SERVFAIL"));
		assert_failed(&t, KD_ERCODE);
		end(&t);
	}
}

/* A transfer of one name: the records first (when not NULL) in a first message, then last in
 * a message with question q, which ends it with code. */
static void assert_fails_at(const char *const *first, const char *q, const char *const *last,
                            kd_err_t code)
{
	xfr_t t;
	start(&t, ZONE, one);
	if (first != NULL)
		assert_int_equal(serve(&t, ZONE, LDNS_RCODE_NOERROR, SIGNED, first), KD_REPLY_MORE);
	assert_int_equal(serve(&t, q, LDNS_RCODE_NOERROR, SIGNED, last), KD_REPLY_FINAL);
	assert_failed(&t, code);
	end(&t);
}

/* A transfer must begin with the zone's SOA and end with it, as the last record. */
static void test_soa_frame(void **state)
{
	(void)state;
	static const char *const no_soa[] = {"a.x.test. 300 IN A 192.0.2.1", SOA_, NULL};
	static const char *const other_soa[] = {
	        "y.test. 300 IN SOA ns.y.test. h.y.test. 1 3600 600 86400 300", NULL};
	static const char *const after[] = {SOA_, "a.x.test. 300 IN A 192.0.2.2", NULL};
	assert_fails_at(NULL, ZONE, no_soa, KD_EMALFORMED);
	assert_fails_at(NULL, ZONE, other_soa, KD_EMALFORMED);
	assert_fails_at(m1, ZONE, after, KD_EMALFORMED);

	/* a first message without the closing SOA, and no more: not whole */
	xfr_t t;
	start(&t, ZONE, one);
	assert_int_equal(serve(&t, ZONE, LDNS_RCODE_NOERROR, SIGNED, m1), KD_REPLY_MORE);
	assert_false(t.x.ok);
	finish(&t);
	assert_unsettled(&t, 0);
	end(&t);
}

/* A message whose question is another zone, or a first message without one. */
static void test_question(void **state)
{
	(void)state;
	assert_fails_at(NULL, "y.test.", m1, KD_EMISMATCH);
	assert_fails_at(m1, "sub.x.test.", m2, KD_EMISMATCH);
	assert_fails_at(NULL, NULL, m1, KD_EMISMATCH);
}

/* Messages after the end, whole or failed, change nothing. */
static void test_run_over(void **state)
{
	(void)state;
	static const char *const more[] = {"a.x.test. 300 IN A 192.0.2.3", SOA_, NULL};
	xfr_t t;
	start(&t, ZONE, one);
	assert_int_equal(serve(&t, ZONE, LDNS_RCODE_NOERROR, SIGNED, m1), KD_REPLY_MORE);
	assert_int_equal(serve(&t, ZONE, LDNS_RCODE_NOERROR, SIGNED, m2), KD_REPLY_FINAL);
	assert_int_equal(serve(&t, ZONE, LDNS_RCODE_NOERROR, SIGNED, more), KD_REPLY_FINAL);
	assert_int_equal(serve(&t, ZONE, LDNS_RCODE_REFUSED, UNSIGNED, NULL), KD_REPLY_FINAL);
	assert_true(t.x.ok);
	assert_false(t.x.refused);
	assert_int_equal(t.x.err.code, KD_OK);
	finish(&t);
	assert_settled(&t, 0, 1, LDNS_RR_TYPE_A, "a.x.test.\t300\tIN\tA\t192.0.2.1\n");
	end(&t);

	start(&t, ZONE, one);
	assert_int_equal(serve(&t, ZONE, LDNS_RCODE_NOERROR, SIGNED, m1), KD_REPLY_MORE);
	assert_int_equal(serve(&t, ZONE, LDNS_RCODE_NOERROR, BAD_MAC, m2), KD_REPLY_FINAL);
	assert_int_equal(serve(&t, ZONE, LDNS_RCODE_NOERROR, SIGNED, more), KD_REPLY_FINAL);
	assert_false(t.x.ok);
	assert_failed(&t, KD_ETSIG);
	end(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_signed_whole),
	        cmocka_unit_test(test_settle),
	        cmocka_unit_test(test_wildcard),
	        cmocka_unit_test(test_second_not_verified),
	        cmocka_unit_test(test_first_not_verified),
	        cmocka_unit_test(test_rcode),
	        cmocka_unit_test(test_soa_frame),
	        cmocka_unit_test(test_question),
	        cmocka_unit_test(test_run_over),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
