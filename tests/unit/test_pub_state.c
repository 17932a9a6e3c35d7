/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns/file.h"
#include "publisher/sched.h"
#include "publisher/state.h"
#include "test_pub_helpers.h"

static bool holds(const pub_zoneset_t *s, const char *zone, const char *line)
{
	ldns_rr *rr = NULL;
	assert_int_equal(pub_rr_parse(line, NULL, &rr, NULL), 0);
	long z = pub_zoneset_find(s, zone);
	long k = z >= 0 ? pub_rrlist_find(&s->v[z].rrs, rr) : -1;
	bool same_ttl = k >= 0 && ldns_rr_ttl(s->v[z].rrs.v[k]) == ldns_rr_ttl(rr);
	ldns_rr_free(rr);
	return same_ttl;
}

static void test_state_round_trip(void **state)
{
	char dir[] = "/tmp/pub-state-XXXXXX";
	char path[64];
	kd_error_t err;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);

	pub_zoneset_t in = {0}, out = {0};
	pub_state_info_t info;
	/* missing file = empty state */
	assert_int_equal(pub_state_load(path, &out, NULL, NULL, &info, &err), 0);
	assert_int_equal(pub_zoneset_count(&out), 0);

	assert_int_equal(
	        pub_zoneset_add(&in, "example.test.",
	                        t_srv("_vlmcs._tcp.Example.test", 1, 2, 1688, "KMS1.example.test")),
	        0);
	assert_int_equal(
	        pub_zoneset_add(&in, "example.test.", t_addr("kms1.example.test", "2001:db8::10")),
	        0);
	assert_int_equal(pub_zoneset_add(&in, "sub.example.test.",
	                                 t_addr("kms1.sub.example.test", "192.0.2.1")),
	                 0);
	assert_int_equal(pub_state_save(path, &in, &err), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 077, 0); /* not world readable */

	/* zone-file lines under $ORIGIN lines */
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(kd_file_read(path, 1 << 20, &text, &len), 0);
	assert_non_null(strstr(text, "$ORIGIN example.test.\n"
	                             "_vlmcs._tcp.example.test. 600 IN SRV 1 2 1688 "
	                             "kms1.example.test.\n"
	                             "kms1.example.test. 600 IN AAAA 2001:db8::10\n"
	                             "$ORIGIN sub.example.test.\n"
	                             "kms1.sub.example.test. 600 IN A 192.0.2.1\n"));
	free(text);

	assert_int_equal(pub_state_load(path, &out, NULL, NULL, &info, &err), 0);
	assert_int_equal(pub_zoneset_count(&out), 3);
	assert_true(holds(&out, "example.test.",
	                  "_vlmcs._tcp.example.test. 600 IN SRV 1 2 1688 kms1.example.test."));
	assert_true(holds(&out, "example.test.", "kms1.example.test. 600 IN AAAA 2001:db8::10"));
	assert_true(holds(&out, "sub.example.test.", "kms1.sub.example.test. 600 IN A 192.0.2.1"));
	/* overwrite with less: no temporary files stay behind */
	ldns_rr_free(in.v[0].rrs.v[0]);
	pub_rrlist_remove(&in.v[0].rrs, 0);
	assert_int_equal(pub_state_save(path, &in, &err), 0);
	pub_zoneset_free(&out);
	assert_int_equal(pub_state_load(path, &out, NULL, NULL, &info, &err), 0);
	assert_int_equal(pub_zoneset_count(&out), 2);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) = 1", dir);
	assert_int_equal(system(cmd), 0);

	unlink(path);
	rmdir(dir);
	pub_zoneset_free(&in);
	pub_zoneset_free(&out);
}

/* Collects the bad lines a parse reports. */
typedef struct {
	unsigned lines[16];
	size_t n;
} bad_t;

static void note_bad(void *arg, unsigned line, const char *reason)
{
	bad_t *b = arg;
	assert_non_null(reason);
	if (b->n < 16)
		b->lines[b->n++] = line;
}

/* One bad line: the good ones are kept, the bad one reported by number, and the file as it
 * was copied to .bad before anything can overwrite it. */
static void test_state_damaged_kept(void **state)
{
	char dir[] = "/tmp/pub-state-XXXXXX", path[64], bad_path[80], cmd[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(bad_path, sizeof(bad_path), "%s.bad", path);
	snprintf(cmd, sizeof(cmd), "cp %s/unit/data/pub-state-corrupt %s", TEST_SRCDIR, path);
	assert_int_equal(system(cmd), 0);
	pub_zoneset_t out = {0};
	pub_state_info_t info;
	kd_error_t err;
	bad_t bad = {0};
	assert_int_equal(pub_state_load(path, &out, note_bad, &bad, &info, &err), 0);
	assert_int_equal(info.bad_lines, 1);
	assert_true(info.copied);
	assert_int_equal(bad.n, 1);
	assert_int_equal(bad.lines[0], 3);
	assert_int_equal(pub_zoneset_count(&out), 1);
	assert_true(holds(&out, "example.test.",
	                  "_vlmcs._tcp.example.test. 600 IN SRV 0 0 1688 kms1.example.test."));
	snprintf(cmd, sizeof(cmd), "cmp -s %s/unit/data/pub-state-corrupt %s", TEST_SRCDIR,
	         bad_path);
	assert_int_equal(system(cmd), 0);
	pub_zoneset_free(&out);
	/* No copy possible (a directory in the way): the load fails, so the caller never
	 * writes over the file. */
	unlink(bad_path);
	assert_int_equal(mkdir(bad_path, 0700), 0);
	assert_int_equal(pub_state_load(path, &out, NULL, NULL, &info, &err), -1);
	assert_non_null(strstr(err.msg, "failed to keep a copy of the damaged state file"));
	pub_zoneset_free(&out);
	rmdir(bad_path);
	/* Unreadable (here: a directory): fails. */
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(pub_state_load(path, &out, NULL, NULL, &info, &err), -1);
	assert_non_null(strstr(err.msg, "failed to read state file"));
	rmdir(path);
	rmdir(dir);
}

static void test_state_owner_outside_zone(void **state)
{
	pub_zoneset_t out = {0};
	bad_t bad = {0};
	const char *text = "$ORIGIN other.test.\nkms1.example.test. 600 IN A 192.0.2.1\n";
	assert_int_equal(pub_state_parse(text, strlen(text), &out, note_bad, &bad), 1);
	assert_int_equal(bad.lines[0], 2);
	assert_int_equal(pub_zoneset_count(&out), 0);
	pub_zoneset_free(&out);
}

static void test_state_parse_lines(void **state)
{
	const char *text =
	        "; comment\n"
	        "kms0.example.test. 600 IN A 192.0.2.9\n" /* 2: no $ORIGIN */
	        "$ORIGIN Example.TEST.\n"
	        "_vlmcs._tcp.example.test. 600 IN SRV 0 0 1688 kms1.example.test.\n"
	        "kms1 300 A 192.0.2.1 ; relative owner\n"
	        "  kms1.example.test. 600 IN A 192.0.2.2\n"                 /* 6: blank first */
	        "x.example.test. 600 IN SRV 0 0 99999 kms1.example.test.\n" /* 7 */
	        "x.example.test. 600 IN TXT \"hi\"\n"                       /* 8 */
	        "x.example.test. 4294967296 IN A 192.0.2.3\n"               /* 9 */
	        "$INCLUDE /etc/passwd\n"                                    /* 10 */
	        ";@host kms1.example.test. up\n"
	        "\r\n"
	        "$ORIGIN .\n" /* 13 */
	        "kms2.example.test. 600 IN AAAA 2001:DB8::2\r\n"
	        /* 15-17: ldns would read TTL 2147483648 (which does not load back), TTL
	         * 3600, port 65535 */
	        "kms3.example.test. 2147483648\x02 IN A 192.0.2.4\n"
	        "kms3.example.test. 1h IN A 192.0.2.4\n"
	        "x.example.test. 600 IN SRV 0 0 1234567890123456789012345678901234567890 "
	        "kms1.example.test.\n";
	pub_zoneset_t out = {0};
	bad_t bad = {0};
	/* a rejected $ORIGIN leaves the previous one in force */
	assert_int_equal(pub_state_parse(text, strlen(text), &out, note_bad, &bad), 10);
	assert_int_equal(bad.n, 10);
	const unsigned want[] = {2, 6, 7, 8, 9, 10, 13, 15, 16, 17};
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(bad.lines[i], want[i]);
	assert_int_equal(pub_zoneset_count(&out), 3);
	assert_true(holds(&out, "example.test.",
	                  "_vlmcs._tcp.example.test. 600 IN SRV 0 0 1688 kms1.example.test."));
	assert_true(holds(&out, "example.test.", "kms1.example.test. 300 IN A 192.0.2.1"));
	assert_true(holds(&out, "example.test.", "kms2.example.test. 600 IN AAAA 2001:db8::2"));
	pub_zoneset_free(&out);
}

/* Lines in the form the writer prints are read without ldns's zone-file parser: each line
 * gives the record ldns gives (owner, type, TTL, rdata and their types), or is bad where
 * ldns finds it bad. */
static void test_state_quick_as_ldns(void **state)
{
	const char *lines[] = {
	        "_vlmcs._tcp.example.test. 600 IN SRV 0 0 1688 kms1.example.test.",
	        "_VLMCS._tcp.Example.TEST. 2147483647 IN SRV 65535 7 1 KMS1.example.test.",
	        "kms1.example.test. 0 IN A 192.0.2.1",
	        "kms1.example.test. 600 IN AAAA 2001:DB8::2",
	        "kms1.example.test. 600 IN AAAA ::ffff:192.0.2.1",
	        "kms1.example.test. 600 IN A 2001:db8::2",
	        "kms1.example.test. 600 IN AAAA 192.0.2.1",
	        "kms1.example.test. 600 IN A 192.0.2",
	        "kms1.example.test. 600 IN A 192.0.2.256",
	        "kms1.example.test. 2147483648 IN A 192.0.2.1",
	        "kms1.example.test. 0600 IN A 192.0.2.1",
	        "kms1.example.test. 1h IN A 192.0.2.1",
	        "x.example.test. 600 IN SRV 0 0 65536 kms1.example.test.",
	        "x.example.test. 600 IN SRV 0 0 1688 kms1",
	        "x.example.test. 600 IN SRV 0 0 1688 .",
	        "x.example.test. 600 IN SRV 0 0 1688 kms1.example.test. ; c",
	        "x.example.test. 600 IN SRV 0 0 kms1.example.test.",
	        "x 600 IN A 192.0.2.1",
	        "x.example.test. 600 in A 192.0.2.1",
	        "x.example.test. 600 IN a 192.0.2.1",
	        "x..example.test. 600 IN A 192.0.2.1",
	        "x.example.test.  600 IN A 192.0.2.1",
	        "x.example.test. 600 IN A 192.0.2.1 ",
	        "x.example.test. 600 IN CNAME kms1.example.test.",
	        "a123456789012345678901234567890123456789012345678901234567890123.example.test. "
	        "600 IN A 192.0.2.1",
	};
	ldns_rdf *origin = ldns_dname_new_frm_str("example.test.");
	assert_non_null(origin);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char text[512];
		snprintf(text, sizeof(text), "$ORIGIN example.test.\n%s\n", lines[i]);
		pub_zoneset_t out = {0};
		ldns_rr *want = NULL;
		kd_error_t err;
		bool good = pub_rr_parse(lines[i], origin, &want, &err) == 0;
		long nbad = pub_state_parse(text, strlen(text), &out, NULL, NULL);
		if (nbad != (good ? 0 : 1))
			fail_msg("line %s: %ld bad, ldns says %s", lines[i], nbad,
			         good ? "good" : "bad");
		if (good) {
			assert_int_equal(pub_zoneset_count(&out), 1);
			ldns_rr *got = out.v[0].rrs.v[0];
			assert_int_equal(ldns_rr_compare(got, want), 0);
			assert_int_equal(ldns_rr_get_type(got), ldns_rr_get_type(want));
			assert_int_equal(ldns_rr_ttl(got), ldns_rr_ttl(want));
			assert_int_equal(ldns_rr_rd_count(got), ldns_rr_rd_count(want));
			for (size_t k = 0; k < ldns_rr_rd_count(got); k++)
				assert_int_equal(ldns_rdf_get_type(ldns_rr_rdf(got, k)),
				                 ldns_rdf_get_type(ldns_rr_rdf(want, k)));
		}
		ldns_rr_free(want);
		pub_zoneset_free(&out);
	}
	ldns_rdf_deep_free(origin);
}

/* Each $ORIGIN's records go to that zone's group: a zone named twice gets one group, a group
 * already in the set is added to, an $ORIGIN without records makes no group. */
static void test_state_groups(void **state)
{
	(void)state;
	const char *text = "$ORIGIN a.test.\n"
	                   "x.a.test. 600 IN A 192.0.2.1\n"
	                   "$ORIGIN b.test.\n"
	                   "x.b.test. 600 IN A 192.0.2.2\n"
	                   "$ORIGIN empty.test.\n"
	                   "$ORIGIN a.test.\n"
	                   "y.a.test. 600 IN A 192.0.2.3\n"
	                   "$ORIGIN c.test.\n"
	                   "x.c.test. 600 IN A 192.0.2.4\n";
	pub_zoneset_t out = {0};
	assert_int_equal(
	        pub_zoneset_add(&out, "c.test.", pub_rr_new_addr("old.c.test", 600, "192.0.2.9")),
	        0);
	assert_int_equal(pub_state_parse(text, strlen(text), &out, NULL, NULL), 0);
	assert_int_equal(out.n, 3); /* c.test., a.test., b.test. */
	assert_int_equal(pub_zoneset_count(&out), 5);
	assert_int_equal(out.v[pub_zoneset_find(&out, "a.test.")].rrs.n, 2);
	assert_int_equal(out.v[pub_zoneset_find(&out, "b.test.")].rrs.n, 1);
	assert_int_equal(out.v[pub_zoneset_find(&out, "c.test.")].rrs.n, 2);
	assert_true(holds(&out, "a.test.", "x.a.test. 600 IN A 192.0.2.1"));
	assert_true(holds(&out, "a.test.", "y.a.test. 600 IN A 192.0.2.3"));
	assert_true(holds(&out, "b.test.", "x.b.test. 600 IN A 192.0.2.2"));
	assert_true(holds(&out, "c.test.", "x.c.test. 600 IN A 192.0.2.4"));
	assert_true(holds(&out, "c.test.", "old.c.test. 600 IN A 192.0.2.9"));
	assert_int_equal(pub_zoneset_find(&out, "empty.test."), -1);
	pub_zoneset_free(&out);
}

static void test_state_v1_read(void **state)
{
	const char *text = "# kms-publisher state v1: records published by this host; zone owner "
	                   "ttl type rdata\n"
	                   "example.test. _vlmcs._tcp.example.test. 600 SRV 0 5 1688 "
	                   "kms1.example.test.\n"
	                   "sub.example.test. kms1.sub.example.test. 600 A 192.0.2.1\n";
	pub_zoneset_t out = {0};
	assert_int_equal(pub_state_parse(text, strlen(text), &out, NULL, NULL), 0);
	assert_int_equal(pub_zoneset_count(&out), 2);
	assert_true(holds(&out, "example.test.",
	                  "_vlmcs._tcp.example.test. 600 IN SRV 0 5 1688 kms1.example.test."));
	assert_true(holds(&out, "sub.example.test.", "kms1.sub.example.test. 600 IN A 192.0.2.1"));
	pub_zoneset_free(&out);
}

static uint32_t rand_zero(void *ctx)
{
	return 0;
}

static uint32_t rand_max(void *ctx)
{
	return UINT32_MAX;
}

static void test_backoff_sequence(void **state)
{
	pub_backoff_t b = {0};
	const uint64_t want[] = {1000,  2000,   4000,   8000,   16000,  32000,
	                         64000, 128000, 256000, 300000, 300000, 300000};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(pub_backoff_fail(&b, 5000, false, rand_zero, NULL), want[i]);
	assert_int_equal(b.next_ms, 305000);
	assert_false(pub_backoff_due(&b, 304999));
	assert_true(pub_backoff_due(&b, 305000));
	for (int i = 0; i < 100; i++) /* no overflow after many failures */
		assert_int_equal(pub_backoff_fail(&b, 0, false, rand_zero, NULL), 300000);
	pub_backoff_reset(&b);
	assert_true(pub_backoff_due(&b, 0));
	assert_int_equal(pub_backoff_fail(&b, 0, false, rand_zero, NULL), 1000);
}

static void test_backoff_jitter(void **state)
{
	pub_backoff_t b = {0};
	/* jitter takes at most a quarter off the doubled base, never adds */
	uint64_t base = 1000;
	for (int i = 0; i < 12; i++) {
		uint64_t d = pub_backoff_fail(&b, 0, false, rand_max, NULL);
		assert_int_equal(d, base - UINT32_MAX % (base / 4 + 1));
		assert_true(d >= base - base / 4 && d <= base);
		base = base * 2 > 300000 ? 300000 : base * 2;
	}
}

static void test_backoff_permanent(void **state)
{
	pub_backoff_t b = {0};
	/* an authentication error is not retried in a hot loop: the cap at once */
	assert_int_equal(pub_backoff_fail(&b, 0, true, rand_zero, NULL), 300000);
	assert_true(pub_backoff_fail(&b, 0, true, rand_max, NULL) >= 225000);
}

static void test_sched_indexed(void **state)
{
	pub_sched_t s = {0};
	size_t a = pub_sched_slot(&s, "example.test.");
	assert_int_equal(a, 0);
	/* entries made later (the table grows and moves) keep the first one's index */
	for (int i = 0; i < 100; i++) {
		char key[32];
		snprintf(key, sizeof(key), "?z%d.test.", i);
		assert_int_equal(pub_sched_slot(&s, key), (size_t)i + 1);
	}
	assert_int_equal(pub_sched_slot(&s, "EXAMPLE.test."), a);
	assert_int_equal(pub_sched_find(&s, "nowhere.test."), SIZE_MAX);
	/* found by hashing: each of many keys, in any case, at its own index */
	for (int i = 0; i < 100; i++) {
		char key[32];
		snprintf(key, sizeof(key), "?Z%d.TEST.", i);
		assert_int_equal(pub_sched_find(&s, key), (size_t)i + 1);
		snprintf(key, sizeof(key), "z%d.test.", i);
		assert_int_equal(pub_sched_find(&s, key), SIZE_MAX); /* without the '?' */
	}
	assert_true(pub_backoff_due(&s.v[a].backoff, 0)); /* new entries are due at once */
	pub_sched_ok(&s, a, 1000, 60000);
	assert_true(s.v[a].ok);
	assert_int_equal(s.v[a].backoff.next_ms, 61000);
	assert_int_equal(pub_sched_fail(&s, a, 2000, false, rand_zero, NULL), 1000);
	assert_false(s.v[a].ok);
	for (size_t i = 1; i < s.n; i++)
		s.v[i].backoff.next_ms = UINT64_MAX;
	assert_int_equal(pub_sched_next_due(&s), 3000);
	/* an entry left due is pushed one interval on, so a waiting loop cannot spin */
	pub_sched_push_idle(&s, 5000, 60000);
	assert_int_equal(pub_sched_next_due(&s), 65000);
	pub_sched_clear(&s);
	assert_int_equal(s.n, 0);
	assert_int_equal(pub_sched_next_due(&s), UINT64_MAX);
}

/* pub_rr_print writes want. */
static void assert_prints(const ldns_rr *rr, const char *want)
{
	kd_strbuf_t sb = {0};
	pub_rr_print(&sb, rr);
	size_t n = 0;
	char *got = kd_strbuf_take(&sb, &n);
	assert_string_equal(got, want);
	assert_int_equal(n, strlen(want));
	free(got);
}

/* built (freed here) is the record parsing text gives: same owner, type, class, TTL and
 * rdata (field by field, with their types), printed alike. */
static void assert_built_as_parsed(ldns_rr *built, const char *text, uint32_t ttl)
{
	ldns_rr *parsed = NULL;
	kd_error_t err;
	assert_non_null(built);
	assert_int_equal(pub_rr_parse(text, NULL, &parsed, &err), 0);
	assert_int_equal(pub_rr_cmp(built, parsed), 0);
	assert_int_equal(ldns_rr_compare(built, parsed), 0);
	assert_int_equal(ldns_rr_get_type(built), ldns_rr_get_type(parsed));
	assert_int_equal(ldns_rr_ttl(built), ttl);
	assert_int_equal(ldns_rr_get_class(built), LDNS_RR_CLASS_IN);
	assert_int_equal(ldns_rr_rd_count(built), ldns_rr_rd_count(parsed));
	for (size_t k = 0; k < ldns_rr_rd_count(built); k++)
		assert_int_equal(ldns_rdf_get_type(ldns_rr_rdf(built, k)),
		                 ldns_rdf_get_type(ldns_rr_rdf(parsed, k)));
	assert_prints(built, text);
	ldns_rr_free(built);
	ldns_rr_free(parsed);
}

/* pub_rr_new_srv builds the record that parsing its text gives: same owner, type, class,
 * TTL and rdata (field by field, with their types), printed alike; bad names give NULL. */
static void test_rr_new_srv_as_parsed(void **state)
{
	(void)state;
	static const struct {
		const char *owner, *target;
		uint32_t ttl;
		uint16_t prio, weight, port;
		const char *text;
	} cases[] = {
	        {"_vlmcs._tcp.B0001.test", "KMS1.hub.test", 600, 0, 0, 1688,
	         "_vlmcs._tcp.b0001.test. 600 IN SRV 0 0 1688 kms1.hub.test."},
	        {"_vlmcs._tcp.example.test.", "kms-2.example.test.", 2147483647, 65535, 1, 0,
	         "_vlmcs._tcp.example.test. 2147483647 IN SRV 65535 1 0 kms-2.example.test."},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_built_as_parsed(pub_rr_new_srv(cases[i].owner, cases[i].ttl, cases[i].prio,
		                                      cases[i].weight, cases[i].port,
		                                      cases[i].target),
		                       cases[i].text, cases[i].ttl);
	assert_null(pub_rr_new_srv("a..b", 600, 0, 0, 1688, "kms1.hub.test"));
	assert_null(pub_rr_new_srv("_vlmcs._tcp.example.test", 600, 0, 0, 1688, "bad name"));
	assert_null(pub_rr_new_srv(".", 600, 0, 0, 1688, "kms1.hub.test"));
	assert_null(pub_rr_new_srv("_vlmcs._tcp.example.test", 2147483648u, 0, 0, 1, "k.test"));
}

/* pub_rr_new_addr builds the record that parsing its text gives (A or AAAA by the address),
 * rdata of the right type, printed alike; bad names, addresses with a zone and out-of-range
 * TTLs give NULL. */
static void test_rr_new_addr_as_parsed(void **state)
{
	(void)state;
	static const struct {
		const char *owner, *ip;
		uint32_t ttl;
		const char *text;
	} cases[] = {
	        {"KMS1.big.test", "127.0.1.2", 300, "kms1.big.test. 300 IN A 127.0.1.2"},
	        {"kms2.big.test.", "255.0.0.1", 0, "kms2.big.test. 0 IN A 255.0.0.1"},
	        {"kms3.big.test", "2001:DB8::1", 2147483647,
	         "kms3.big.test. 2147483647 IN AAAA 2001:db8::1"},
	        {"kms4.big.test", "::ffff:192.0.2.1", 60,
	         "kms4.big.test. 60 IN AAAA ::ffff:192.0.2.1"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_built_as_parsed(pub_rr_new_addr(cases[i].owner, cases[i].ttl, cases[i].ip),
		                       cases[i].text, cases[i].ttl);
	assert_null(pub_rr_new_addr("a..b", 600, "192.0.2.1"));
	assert_null(pub_rr_new_addr(".", 600, "192.0.2.1"));
	assert_null(pub_rr_new_addr("kms.test", 600, "192.0.2.256"));
	assert_null(pub_rr_new_addr("kms.test", 600, "kms.test"));
	assert_null(pub_rr_new_addr("kms.test", 600, "fe80::1%1"));
	assert_null(pub_rr_new_addr("kms.test", 2147483648u, "192.0.2.1"));
}

/* pub_rr_print writes our records as ldns prints them (tabs as spaces, no newline). */
static void test_rr_print_as_ldns(void **state)
{
	(void)state;
	static const char *const lines[] = {
	        "_vlmcs._tcp.b0001.test. 600 IN SRV 0 0 1688 kms1.hub.test.",
	        "_vlmcs._tcp.x.test. 0 IN SRV 65535 65535 65535 a\\.b.x.test.",
	        "kms1.hub.test. 600 IN A 127.0.1.2",
	        "kms1.hub.test. 86400 IN AAAA 2001:db8::10",
	        "kms1.hub.test. 1 IN AAAA ::ffff:192.0.2.1",
	        "sp\\032ace.x.test. 300 IN A 192.0.2.255",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		ldns_rr *rr = NULL;
		kd_error_t err;
		assert_int_equal(pub_rr_parse(lines[i], NULL, &rr, &err), 0);
		char *want = ldns_rr2str(rr);
		for (char *p = want; *p != '\0'; p++)
			if (*p == '\t')
				*p = ' ';
		want[strcspn(want, "\n")] = '\0';
		assert_prints(rr, want);
		free(want);
		ldns_rr_free(rr);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_state_round_trip),
	        cmocka_unit_test(test_state_damaged_kept),
	        cmocka_unit_test(test_state_owner_outside_zone),
	        cmocka_unit_test(test_state_parse_lines),
	        cmocka_unit_test(test_state_quick_as_ldns),
	        cmocka_unit_test(test_state_groups),
	        cmocka_unit_test(test_state_v1_read),
	        cmocka_unit_test(test_backoff_sequence),
	        cmocka_unit_test(test_backoff_jitter),
	        cmocka_unit_test(test_backoff_permanent),
	        cmocka_unit_test(test_sched_indexed),
	        cmocka_unit_test(test_rr_new_srv_as_parsed),
	        cmocka_unit_test(test_rr_new_addr_as_parsed),
	        cmocka_unit_test(test_rr_print_as_ldns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
