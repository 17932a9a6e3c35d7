/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Discovery without a server: SRV answers (rcodes, ".", glue from the additional section),
 * the system's suffixes, and the public API on a static host (no DNS). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "resolver-plugin/discover.h"

static ldns_pkt *pkt_with(ldns_pkt_rcode rcode, const char *const *answer,
                          const char *const *additional)
{
	ldns_pkt *pkt = ldns_pkt_new();
	assert_non_null(pkt);
	ldns_pkt_set_rcode(pkt, rcode);
	for (size_t i = 0; answer != NULL && answer[i] != NULL; i++) {
		ldns_rr *rr = NULL;
		assert_int_equal(ldns_rr_new_frm_str(&rr, answer[i], 0, NULL, NULL),
		                 LDNS_STATUS_OK);
		ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr);
	}
	for (size_t i = 0; additional != NULL && additional[i] != NULL; i++) {
		ldns_rr *rr = NULL;
		assert_int_equal(ldns_rr_new_frm_str(&rr, additional[i], 0, NULL, NULL),
		                 LDNS_STATUS_OK);
		ldns_pkt_push_rr(pkt, LDNS_SECTION_ADDITIONAL, rr);
	}
	return pkt;
}

static char follow[KMSL_SRV_NAME_MAX];

static kmsl_reason_t answer(ldns_pkt_rcode rcode, const char *const *ans, const char *const *add,
                            kmsl_cand_t *out, size_t *n)
{
	ldns_pkt *pkt = pkt_with(rcode, ans, add);
	kmsl_reason_t r = kmsl_srv_answer(pkt, "_vlmcs._tcp.example.test.", "example.test", out, 8,
	                                  n, follow);
	ldns_pkt_free(pkt);
	return r;
}

static void test_srv_answer(void **state)
{
	kmsl_cand_t c[8];
	size_t n = 99;
	const char *recs[] = {
	        "_vlmcs._tcp.example.test. 300 IN SRV 10 5 1688 KMS1.Example.Test.",
	        "_vlmcs._tcp.example.test. 200 IN SRV 0 0 1700 kms2.example.test.",
	        "_vlmcs._tcp.example.test. 300 IN TXT \"not an srv\"",
	        NULL,
	};
	const char *glue[] = {
	        "kms1.example.test. 300 IN A 192.0.2.1",
	        "kms1.example.test. 300 IN AAAA 2001:db8::1",
	        "kms1.example.test. 300 IN A 192.0.2.1", /* repeated glue: merged */
	        "other.example.test. 300 IN A 192.0.2.9",
	        NULL,
	};
	assert_int_equal(answer(LDNS_RCODE_NOERROR, recs, glue, c, &n), KMSL_REASON_RECORDS);
	assert_string_equal(follow, "");
	assert_int_equal(n, 2);
	assert_string_equal(c[0].target, "kms1.example.test");
	assert_string_equal(c[0].suffix, "example.test");
	assert_int_equal(c[0].priority, 10);
	assert_int_equal(c[0].weight, 5);
	assert_int_equal(c[0].port, 1688);
	assert_int_equal(c[0].ttl, 200); /* the RRset's smallest TTL */
	assert_int_equal(c[0].naddrs, 2);
	char buf[KD_ADDR_STRLEN];
	kd_addr_str(&c[0].addrs[0], buf, sizeof(buf)); /* IPv6 first (RFC 8305) */
	assert_string_equal(buf, "2001:db8::1@1688");
	kd_addr_str(&c[0].addrs[1], buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.1@1688");
	assert_int_equal(c[0].families, KMSL_FAM_V4 | KMSL_FAM_V6);
	assert_int_equal(c[0].addr_ttl, 300);
	assert_int_equal(c[1].naddrs, 0); /* no glue: resolved by A/AAAA queries later */
	assert_int_equal(c[1].families, 0);
	assert_int_equal(c[1].port, 1700);
}

/* The additional section is a hint: glue only for targets in the zone of the answer, the
 * family it lacks is left to a query, answer records of other owners are not records. */
static void test_srv_answer_checks(void **state)
{
	kmsl_cand_t c[8];
	size_t n = 0;
	const char *recs[] = {
	        "_vlmcs._tcp.example.test. 300 IN SRV 0 0 1688 in.example.test.",
	        "_vlmcs._tcp.example.test. 300 IN SRV 0 0 1688 out.elsewhere.test.",
	        "_vlmcs._tcp.evil.test. 300 IN SRV 0 0 1688 evil.evil.test.",
	        "other.example.test. 300 IN SRV 0 0 1688 evil2.example.test.",
	        NULL,
	};
	const char *glue[] = {
	        "in.example.test. 300 IN A 192.0.2.1",
	        "out.elsewhere.test. 300 IN A 192.0.2.66",
	        "out.elsewhere.test. 300 IN AAAA 2001:db8::66",
	        NULL,
	};
	assert_int_equal(answer(LDNS_RCODE_NOERROR, recs, glue, c, &n), KMSL_REASON_RECORDS);
	assert_int_equal(n, 2);
	assert_string_equal(c[0].target, "in.example.test");
	assert_int_equal(c[0].naddrs, 1);
	assert_int_equal(c[0].families, KMSL_FAM_V4); /* AAAA still to be asked */
	assert_string_equal(c[1].target, "out.elsewhere.test");
	assert_int_equal(c[1].naddrs, 0); /* not this zone's to say */
	assert_int_equal(c[1].families, 0);

	/* The authority section names a zone above the suffix: its glue is in bailiwick. */
	const char *deep[] = {"_vlmcs._tcp.corp.example.test. 300 IN SRV 0 0 1688 k.example.test.",
	                      NULL};
	const char *kglue[] = {"k.example.test. 300 IN A 192.0.2.7", NULL};
	ldns_pkt *pkt = pkt_with(LDNS_RCODE_NOERROR, deep, kglue);
	assert_int_equal(kmsl_srv_answer(pkt, "_vlmcs._tcp.corp.example.test.", "corp.example.test",
	                                 c, 8, &n, follow),
	                 KMSL_REASON_RECORDS);
	assert_int_equal(c[0].naddrs, 0);
	ldns_rr *ns = NULL;
	assert_int_equal(
	        ldns_rr_new_frm_str(&ns, "example.test. 300 IN NS ns.example.test.", 0, NULL, NULL),
	        LDNS_STATUS_OK);
	ldns_pkt_push_rr(pkt, LDNS_SECTION_AUTHORITY, ns);
	assert_int_equal(kmsl_srv_answer(pkt, "_vlmcs._tcp.corp.example.test.", "corp.example.test",
	                                 c, 8, &n, follow),
	                 KMSL_REASON_RECORDS);
	assert_int_equal(c[0].naddrs, 1);
	ldns_pkt_free(pkt);

	/* A CNAME at the SRV name: records at its target count; one into another zone without
	 * them is to be followed. */
	const char *chain[] = {
	        "_vlmcs._tcp.example.test. 300 IN CNAME _vlmcs._tcp.b.example.test.",
	        "_vlmcs._tcp.b.example.test. 300 IN SRV 0 0 1688 kb.example.test.",
	        NULL,
	};
	assert_int_equal(answer(LDNS_RCODE_NOERROR, chain, NULL, c, &n), KMSL_REASON_RECORDS);
	assert_int_equal(n, 1);
	assert_string_equal(c[0].target, "kb.example.test");
	const char *away[] = {"_vlmcs._tcp.example.test. 300 IN CNAME _vlmcs._tcp.other.test.",
	                      NULL};
	assert_int_equal(answer(LDNS_RCODE_NOERROR, away, NULL, c, &n), KMSL_REASON_NODATA);
	assert_int_equal(n, 0);
	assert_string_equal(follow, "_vlmcs._tcp.other.test.");
}

/* The same target twice: the most preferred record, whatever the answer's order. */
static void test_srv_duplicates(void **state)
{
	const char *orders[2][3] = {
	        {"_vlmcs._tcp.example.test. 300 IN SRV 10 50 1688 k.example.test.",
	         "_vlmcs._tcp.example.test. 300 IN SRV 0 5 1688 k.example.test.", NULL},
	        {"_vlmcs._tcp.example.test. 300 IN SRV 0 5 1688 k.example.test.",
	         "_vlmcs._tcp.example.test. 300 IN SRV 10 50 1688 k.example.test.", NULL},
	};
	for (int i = 0; i < 2; i++) {
		kmsl_cand_t c[8];
		size_t n = 0;
		assert_int_equal(answer(LDNS_RCODE_NOERROR, orders[i], NULL, c, &n),
		                 KMSL_REASON_RECORDS);
		assert_int_equal(n, 1);
		assert_int_equal(c[0].priority, 0);
		assert_int_equal(c[0].weight, 5);
	}
	/* Equal priority: the higher weight. Another port is another service. */
	const char *w[] = {"_vlmcs._tcp.example.test. 300 IN SRV 0 5 1688 k.example.test.",
	                   "_vlmcs._tcp.example.test. 300 IN SRV 0 9 1688 K.example.test.",
	                   "_vlmcs._tcp.example.test. 300 IN SRV 0 1 1700 k.example.test.", NULL};
	kmsl_cand_t c[8];
	size_t n = 0;
	assert_int_equal(answer(LDNS_RCODE_NOERROR, w, NULL, c, &n), KMSL_REASON_RECORDS);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].weight, 9);
	assert_int_equal(c[1].port, 1700);
}

/* Families interleaved, IPv6 first; the cap never drops a whole family. */
static void test_addr_interleave(void **state)
{
	kmsl_cand_t c;
	memset(&c, 0, sizeof(c));
	kd_addr_t a[12];
	for (int i = 0; i < 10; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
		assert_int_equal(kd_addr_parse_ip(ip, &a[i]), 0);
	}
	assert_int_equal(kd_addr_parse_ip("2001:db8::1", &a[10]), 0);
	assert_int_equal(kd_addr_parse_ip("2001:db8::2", &a[11]), 0);
	kmsl_cand_add_addrs(&c, a, 10, 300); /* eight IPv4 fill the cap... */
	assert_int_equal(c.naddrs, KMSL_MAX_ADDRS);
	kmsl_cand_add_addrs(&c, a + 10, 2, 60); /* ...and IPv6 still gets in */
	assert_int_equal(c.naddrs, KMSL_MAX_ADDRS);
	assert_int_equal(c.addrs[0].ss.ss_family, AF_INET6);
	assert_int_equal(c.addrs[1].ss.ss_family, AF_INET);
	assert_int_equal(c.addrs[2].ss.ss_family, AF_INET6);
	assert_int_equal(c.addrs[3].ss.ss_family, AF_INET);
	assert_int_equal(c.addrs[4].ss.ss_family, AF_INET);
	assert_int_equal(c.addr_ttl, 60);
	kmsl_cand_add_addrs(&c, a, 3, 300); /* nothing new */
	assert_int_equal(c.naddrs, KMSL_MAX_ADDRS);
}

static void test_srv_reasons(void **state)
{
	kmsl_cand_t c[8];
	size_t n = 99;
	const char *dot[] = {"_vlmcs._tcp.example.test. 300 IN SRV 0 0 0 .", NULL};
	assert_int_equal(answer(LDNS_RCODE_NOERROR, dot, NULL, c, &n), KMSL_REASON_DOT);
	assert_int_equal(n, 0);
	const char *mixed[] = {"_vlmcs._tcp.example.test. 300 IN SRV 0 0 0 .",
	                       "_vlmcs._tcp.example.test. 300 IN SRV 5 0 1688 kms.example.test.",
	                       NULL};
	assert_int_equal(answer(LDNS_RCODE_NOERROR, mixed, NULL, c, &n), KMSL_REASON_RECORDS);
	assert_int_equal(n, 1);
	assert_string_equal(c[0].target, "kms.example.test");
	assert_int_equal(answer(LDNS_RCODE_NOERROR, NULL, NULL, c, &n), KMSL_REASON_NODATA);
	assert_int_equal(n, 0);
	assert_int_equal(answer(LDNS_RCODE_NXDOMAIN, NULL, NULL, c, &n), KMSL_REASON_NXDOMAIN);
	assert_int_equal(answer(LDNS_RCODE_SERVFAIL, NULL, NULL, c, &n), KMSL_REASON_SERVFAIL);
	assert_int_equal(answer(LDNS_RCODE_REFUSED, NULL, NULL, c, &n), KMSL_REASON_REFUSED);
}

static size_t suffixes(const char *text, const char *host, char (*out)[KMSL_NAME_MAX], size_t max)
{
	kd_resolvconf_t rc;
	kd_resolvconf_parse(text, strlen(text), &rc);
	return kmsl_system_suffixes(&rc, host, out, max);
}

static void test_system_suffixes(void **state)
{
	char out[4][KMSL_NAME_MAX];
	const char *rc = "nameserver 127.0.0.1\n"
	                 "domain first.test\n"
	                 "search Corp.Example. branch.example corp.example # comment\n"
	                 "options ndots:2\n";
	/* A search line (the last of domain/search wins): that list alone, as glibc does. */
	size_t n = suffixes(rc, "pc1.lab.example", out, 4);
	assert_int_equal(n, 2);
	assert_string_equal(out[0], "corp.example");
	assert_string_equal(out[1], "branch.example"); /* duplicate removed */
	n = suffixes("", "standalone", out, 4);
	assert_int_equal(n, 0);
	/* No search line: the host's own domain first (Windows' primary DNS suffix), then the
	 * domain line. */
	n = suffixes("search a.test\ndomain b.test\n", NULL, out, 4);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "b.test");
	n = suffixes("search a.test\ndomain b.test\n", "pc.lab.test", out, 4);
	assert_int_equal(n, 2);
	assert_string_equal(out[0], "lab.test");
	assert_string_equal(out[1], "b.test");
	n = suffixes("nameserver 127.0.0.1\n", "pc.lab.test", out, 4);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "lab.test");
	assert_int_equal(suffixes("search a.t b.t c.t d.t e.t f.t\n", "h.x.t", out, 4), 4);
}

static void test_static_report(void **state)
{
	char path[] = "/tmp/test_locate_discover.XXXXXX";
	assert_non_null(mkdtemp(path));
	char sp[128];
	snprintf(sp, sizeof(sp), "%s/state", path);

	kmsl_ctx_t *ctx;
	kmsl_list_t *list;
	assert_int_equal(kmsl_ctx_new(&ctx), KMSL_OK);
	assert_int_equal(kmsl_set_static(ctx, "127.0.0.1:1999"), KMSL_OK);
	assert_int_equal(kmsl_set_state_path(ctx, sp), KMSL_OK);
	assert_int_equal(kmsl_candidates(ctx, &list), KMSL_OK);
	assert_int_equal(kmsl_list_count(list), 1);
	assert_string_equal(kmsl_list_target(list, 0), "127.0.0.1");
	assert_int_equal(kmsl_list_port(list, 0), 1999);
	assert_string_equal(kmsl_list_source(list, 0), "");
	assert_int_equal(kmsl_list_addr_count(list, 0), 1);
	assert_int_equal(kmsl_list_state(list, 0), KMSL_STATE_UNKNOWN);
	assert_int_equal(kmsl_list_suffix_count(list), 0);
	assert_null(kmsl_list_addr(list, 0, 1, NULL));
	assert_string_equal(kmsl_list_target(list, 5), "");
	kmsl_list_free(list);

	assert_int_equal(kmsl_report(ctx, "127.0.0.1", 1999, KMSL_STATE_DEAD), KMSL_OK);
	assert_int_equal(kmsl_candidates(ctx, &list), KMSL_OK);
	assert_int_equal(kmsl_list_state(list, 0), KMSL_STATE_DEAD);
	kmsl_list_free(list);
	assert_int_equal(kmsl_report(ctx, "127.0.0.1", 1999, KMSL_STATE_ALIVE), KMSL_OK);
	assert_int_equal(kmsl_candidates(ctx, &list), KMSL_OK);
	assert_int_equal(kmsl_list_state(list, 0), KMSL_STATE_STICKY);
	kmsl_list_free(list);
	assert_int_equal(kmsl_report(ctx, "127.0.0.1", 0, KMSL_STATE_ALIVE), KMSL_EINVAL);
	assert_int_equal(kmsl_report(ctx, "127.0.0.1", 1, KMSL_STATE_STICKY), KMSL_EINVAL);
	assert_null(kmsl_warning(ctx));

	/* A warning belongs to the call that gave it: the next call clears it. */
	assert_int_equal(kmsl_set_state_path(ctx, path), KMSL_OK); /* a directory */
	assert_int_equal(kmsl_candidates(ctx, &list), KMSL_OK);
	assert_non_null(kmsl_warning(ctx));
	kmsl_list_free(list);
	assert_int_equal(kmsl_set_state_path(ctx, sp), KMSL_OK);
	assert_int_equal(kmsl_candidates(ctx, &list), KMSL_OK);
	assert_null(kmsl_warning(ctx));
	kmsl_list_free(list);

	/* probe none: the first candidate wins without a connection. */
	int fd = 5;
	kmsl_host_t host;
	assert_int_equal(kmsl_set_probe(ctx, KMSL_PROBE_NONE), KMSL_OK);
	assert_int_equal(kmsl_connect(ctx, &fd, &host), KMSL_OK);
	assert_int_equal(fd, -1);
	assert_string_equal(host.target, "127.0.0.1");
	assert_int_equal(host.port, 1999);
	kmsl_ctx_free(ctx);

	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_srv_answer),        cmocka_unit_test(test_srv_reasons),
	        cmocka_unit_test(test_srv_answer_checks), cmocka_unit_test(test_srv_duplicates),
	        cmocka_unit_test(test_addr_interleave),   cmocka_unit_test(test_system_suffixes),
	        cmocka_unit_test(test_static_report),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
