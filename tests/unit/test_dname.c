/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ldns/ldns.h>

#include "dns/dname.h"

/* "a.a.a...": n characters, no trailing dot, labels of one character. */
static void long_name(char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = i % 2 == 0 ? 'a' : '.';
	buf[n] = '\0';
}

static void assert_canon(const char *in, const char *want)
{
	char buf[KD_DNAME_STRLEN];
	if (kd_dname_canon(in, buf, sizeof(buf)) != 0)
		fail_msg("kd_dname_canon(\"%s\") failed", in);
	assert_string_equal(buf, want);
}

static void assert_text(const char *in, const char *want)
{
	char buf[KD_DNAME_STRLEN];
	if (kd_dname_text(in, buf, sizeof(buf)) != 0)
		fail_msg("kd_dname_text(\"%s\") failed", in);
	assert_string_equal(buf, want);
}

static void test_valid(void **state)
{
	assert_true(kd_dname_valid("example.test"));
	assert_true(kd_dname_valid("example.test."));
	assert_true(kd_dname_valid("_vlmcs._tcp.example.test."));
	assert_true(kd_dname_valid("kms-1.example"));
	assert_true(kd_dname_valid("localhost"));
	assert_true(kd_dname_valid("."));

	assert_false(kd_dname_valid(NULL));
	assert_false(kd_dname_valid(""));
	assert_false(kd_dname_valid(".example"));
	assert_false(kd_dname_valid("a..b"));
	assert_false(kd_dname_valid("a.b.."));
	assert_false(kd_dname_valid("a b"));
	assert_false(kd_dname_valid("a\\.b"));

	char label[70];
	memset(label, 'a', 63);
	label[63] = '\0';
	assert_true(kd_dname_valid(label));
	label[63] = 'a';
	label[64] = '\0';
	assert_false(kd_dname_valid(label));

	/* 253 characters without the trailing dot is the most; 254 is too long. */
	char name[300];
	long_name(name, 253);
	assert_true(kd_dname_valid(name));
	strcat(name, ".");
	assert_true(kd_dname_valid(name));
	name[253] = 'a';
	assert_false(kd_dname_valid(name));
}

static void test_canon_case_and_dot(void **state)
{
	assert_canon("KMS1.Example.Test", "kms1.example.test.");
	assert_canon("kms1.example.test.", "kms1.example.test.");
	assert_canon("_VLMCS._tcp.Example.TEST.", "_vlmcs._tcp.example.test.");
	assert_canon(".", ".");
	assert_canon("localhost", "localhost.");

	assert_text("KMS.Example.TEST.", "kms.example.test");
	assert_text("kms.example.test", "kms.example.test");
	assert_text(".", ".");
	/* An IP literal as a static host keeps its text. */
	assert_text("2001:DB8::1", "2001:db8::1");
}

static void test_canon_bad(void **state)
{
	const char *bad[] = {"", "a..b", ".example", "a.b..", ".."};
	char buf[KD_DNAME_STRLEN] = "untouched";
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (kd_dname_canon(bad[i], buf, sizeof(buf)) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(kd_dname_text(bad[i], buf, sizeof(buf)), -1);
		assert_string_equal(buf, "untouched");
	}
	assert_int_equal(kd_dname_canon(NULL, buf, sizeof(buf)), -1);
	assert_false(kd_dname_equal("", "."));
}

static void test_canon_escapes(void **state)
{
	/* An escaped dot is part of a label, not a boundary; \DDD is decoded and case-folded. */
	assert_canon("A\\.b.Example", "a\\.b.example.");
	assert_canon("a\\065b.test", "aab.test.");
	assert_canon("a\\032b.test", "a\\032b.test.");
	assert_true(kd_dname_equal("a\\.b.test", "A\\.B.TEST."));
	assert_false(kd_dname_equal("a\\.b.test", "a.b.test"));
	assert_false(kd_dname_in_zone("a\\.example.test.", "example.test."));
	assert_true(kd_dname_in_zone("a\\.example.test.", "test."));
}

static void test_limits(void **state)
{
	char buf[KD_DNAME_STRLEN], label[70];
	memset(label, 'A', 63);
	label[63] = '\0';
	assert_int_equal(kd_dname_canon(label, buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), 64);
	label[63] = 'A';
	label[64] = '\0';
	assert_int_equal(kd_dname_canon(label, buf, sizeof(buf)), -1);

	/* 255 octets on the wire = 253 characters and the dot: the longest name fits the buffer. */
	char name[300];
	long_name(name, 253);
	assert_int_equal(kd_dname_canon(name, buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), 254);
	assert_int_equal(kd_dname_text(name, buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), 253);
	strcat(name, "a"); /* 254 characters: 256 octets */
	assert_int_equal(kd_dname_canon(name, buf, sizeof(buf)), -1);

	/* A buffer that is too small is left alone. */
	char small[20] = "untouched";
	assert_int_equal(kd_dname_text("a-very-long-name.example", small, sizeof(small)), -1);
	assert_string_equal(small, "untouched");
	assert_int_equal(kd_dname_canon("abcdefghijklmnopqrs", small, sizeof(small)), -1);
	assert_int_equal(kd_dname_text("abcdefghijklmnopqrs", small, sizeof(small)), 0);
}

static void test_equal(void **state)
{
	assert_true(kd_dname_equal("Example.TEST", "example.test."));
	assert_true(kd_dname_equal("example.test.", "example.test."));
	assert_true(kd_dname_equal(".", "."));
	assert_false(kd_dname_equal("example.test", "example.tes"));
	assert_false(kd_dname_equal("example.test", "example.test.."));
	assert_false(kd_dname_equal("a.example.test", "example.test"));
	assert_false(kd_dname_equal(NULL, "a"));
	assert_false(kd_dname_equal("a", NULL));
}

static void test_in_zone(void **state)
{
	assert_true(kd_dname_in_zone("kms1.example.test.", "example.test."));
	assert_true(kd_dname_in_zone("KMS1.Example.Test", "example.test"));
	assert_true(kd_dname_in_zone("example.test.", "example.test."));
	assert_true(kd_dname_in_zone("example.test.", "."));
	assert_true(kd_dname_in_zone(".", "."));
	assert_false(kd_dname_in_zone("kms1.myexample.test.", "example.test."));
	assert_false(kd_dname_in_zone("example.test.", "kms1.example.test."));
	assert_false(kd_dname_in_zone("test.", "example.test."));
	assert_false(kd_dname_in_zone("a..b", "b."));
	assert_false(kd_dname_in_zone(NULL, "."));
	/* Plain names compare as text, escaped ones in wire form: both give the same answer. */
	assert_true(kd_dname_equal("a.test", "\\097.TEST."));
	assert_true(kd_dname_in_zone("x.\\065.test", "a.test."));
	assert_false(kd_dname_in_zone("x.\\065.test", "b.test."));
	assert_false(kd_dname_in_zone("test", "t"));
	assert_false(kd_dname_in_zone("xexample.test", "example.test"));
}

static void test_parent(void **state)
{
	char buf[KD_DNAME_STRLEN] = "untouched";
	assert_int_equal(kd_dname_parent("A.B.Example.", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "b.example.");
	assert_int_equal(kd_dname_parent("example", buf, sizeof(buf)), 0);
	assert_string_equal(buf, ".");
	strcpy(buf, "untouched");
	assert_int_equal(kd_dname_parent(".", buf, sizeof(buf)), -1);
	assert_int_equal(kd_dname_parent("a..b", buf, sizeof(buf)), -1);
	assert_string_equal(buf, "untouched");
}

static void test_rdf(void **state)
{
	ldns_rdf *rdf = kd_dname_to_rdf("KMS1.Example.test");
	assert_non_null(rdf);
	assert_int_equal(ldns_rdf_get_type(rdf), LDNS_RDF_TYPE_DNAME);
	char *text = ldns_rdf2str(rdf);
	assert_string_equal(text, "KMS1.Example.test."); /* case kept for the wire */
	free(text);
	char buf[KD_DNAME_STRLEN];
	assert_int_equal(kd_dname_from_rdf(rdf, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "kms1.example.test.");
	text = ldns_rdf2str(rdf);
	assert_string_equal(text, "KMS1.Example.test."); /* the rdf itself is not changed */
	free(text);
	ldns_rdf_deep_free(rdf);

	assert_null(kd_dname_to_rdf("a..b"));
	assert_null(kd_dname_to_rdf(NULL));
	assert_int_equal(kd_dname_from_rdf(NULL, buf, sizeof(buf)), -1);
	ldns_rdf *num = ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, 53);
	assert_int_equal(kd_dname_from_rdf(num, buf, sizeof(buf)), -1);
	ldns_rdf_deep_free(num);
}

/* kd_dname_from_rdf prints plain names itself: the same text as ldns for every kind of name,
 * escapes left to ldns, and a short buffer refused. */
static void test_rdf_text(void **state)
{
	(void)state;
	static const char *const names[] = {
	        ".",
	        "Example.",
	        "_vlmcs._tcp.B0001.Test.",
	        "a-b.c_d.0.",
	        "a\\.b.example.",
	        "sp\\032ace.example.",
	        "x\\255y.example.",
	        "*.example.",
	        "a.b.c.d.e.f.g.h.",
	        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk.example."};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ldns_rdf *rdf = NULL;
		assert_int_equal(ldns_str2rdf_dname(&rdf, names[i]), LDNS_STATUS_OK);
		ldns_rdf *low = ldns_rdf_clone(rdf);
		ldns_dname2canonical(low);
		char *want = ldns_rdf2str(low);
		char buf[KD_DNAME_STRLEN];
		assert_int_equal(kd_dname_from_rdf(rdf, buf, sizeof(buf)), 0);
		assert_string_equal(buf, want);
		size_t n = strlen(want);
		memcpy(buf, "untouched", 10);
		assert_int_equal(kd_dname_from_rdf(rdf, buf, n), -1);
		assert_string_equal(buf, "untouched");
		assert_int_equal(kd_dname_from_rdf(rdf, buf, n + 1), 0);
		assert_string_equal(buf, want);
		free(want);
		ldns_rdf_deep_free(low);
		ldns_rdf_deep_free(rdf);
	}

	/* Labels of 63, 63, 63 and 61 octets make the longest name (255 octets of wire, 254
	 * characters); one octet more and ldns refuses it, so must the plain path. */
	for (int extra = 0; extra <= 1; extra++) {
		uint8_t wire[256] = {0};
		const uint8_t lens[] = {63, 63, 63, (uint8_t)(61 + extra)};
		size_t pos = 0;
		for (size_t l = 0; l < sizeof(lens); l++) {
			wire[pos++] = lens[l];
			memset(wire + pos, 'a', lens[l]);
			pos += lens[l];
		}
		wire[pos++] = 0;
		assert_int_equal(pos, 255 + extra);
		ldns_rdf *rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, pos, wire);
		assert_non_null(rdf);
		char buf[512];
		if (extra == 0) {
			assert_int_equal(kd_dname_from_rdf(rdf, buf, sizeof(buf)), 0);
			assert_int_equal(strlen(buf), 254);
		} else {
			assert_int_equal(kd_dname_from_rdf(rdf, buf, sizeof(buf)), -1);
		}
		ldns_rdf_deep_free(rdf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_valid),     cmocka_unit_test(test_canon_case_and_dot),
	        cmocka_unit_test(test_canon_bad), cmocka_unit_test(test_canon_escapes),
	        cmocka_unit_test(test_limits),    cmocka_unit_test(test_equal),
	        cmocka_unit_test(test_in_zone),   cmocka_unit_test(test_parent),
	        cmocka_unit_test(test_rdf),       cmocka_unit_test(test_rdf_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
