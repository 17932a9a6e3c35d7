/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <netinet/in.h>

#include "dns/addr.h"

static void assert_addr_str(const char *text, uint16_t def, const char *want)
{
	kd_addr_t a;
	char buf[KD_ADDR_STRLEN];
	assert_int_equal(kd_addr_parse(text, def, &a), 0);
	kd_addr_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_addr_parse_ok(void **state)
{
	assert_addr_str("192.0.2.1", 53, "192.0.2.1@53");
	assert_addr_str("192.0.2.1@5353", 53, "192.0.2.1@5353");
	assert_addr_str("2001:db8::1", 53, "2001:db8::1@53");
	assert_addr_str("2001:db8::1@65535", 53, "2001:db8::1@65535");
	assert_addr_str("::1@1", 53, "::1@1");

	kd_addr_t a;
	assert_int_equal(kd_addr_parse("127.0.0.1@53531", 53, &a), 0);
	assert_int_equal(a.ss.ss_family, AF_INET);
	assert_int_equal(a.len, sizeof(struct sockaddr_in));
	assert_int_equal(kd_addr_port(&a), 53531);
	assert_int_equal(kd_addr_parse("::1", 53, &a), 0);
	assert_int_equal(a.ss.ss_family, AF_INET6);
	assert_int_equal(a.len, sizeof(struct sockaddr_in6));
}

static void test_addr_parse_bad(void **state)
{
	static const char *const bad[] = {
	        "",
	        "@53",
	        "192.0.2.1@",
	        "192.0.2.1@0",
	        "192.0.2.1@65536",
	        "192.0.2.1@+53",
	        "192.0.2.1@ 53",
	        "192.0.2.1@53x",
	        "192.0.2",
	        "192.0.2.256",
	        "host.example",
	        "[::1]@53",
	        "::1@53@53",
	        "2001:db8:::1",
	        "192.0.2.1 ",
	        "192.0.2.1@123456",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kd_addr_t a;
		memset(&a, 0xAB, sizeof(a));
		kd_addr_t before = a;
		if (kd_addr_parse(bad[i], 53, &a) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_memory_equal(&a, &before, sizeof(a)); /* untouched on failure */
	}
	kd_addr_t a;
	assert_int_equal(kd_addr_parse(NULL, 53, &a), -1);
	assert_int_equal(kd_addr_parse_ip("192.0.2.1@53", &a), -1);
}

static void test_addr_ip_str_and_port(void **state)
{
	kd_addr_t a;
	char buf[KD_ADDR_STRLEN];
	assert_int_equal(kd_addr_parse_ip("2001:DB8::A", &a), 0);
	assert_int_equal(kd_addr_port(&a), 0);
	kd_addr_set_port(&a, 853);
	assert_int_equal(kd_addr_port(&a), 853);
	kd_addr_ip_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::a");
	kd_addr_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::a@853");

	/* Truncation never overruns. */
	char small[6];
	memset(small, 'x', sizeof(small));
	kd_addr_str(&a, small, sizeof(small));
	assert_true(memchr(small, '\0', sizeof(small)) != NULL);
}

static void test_addr_equal(void **state)
{
	kd_addr_t a, b, c, d, e;
	assert_int_equal(kd_addr_parse("192.0.2.1@53", 0, &a), 0);
	assert_int_equal(kd_addr_parse("192.0.2.1", 53, &b), 0);
	assert_int_equal(kd_addr_parse("192.0.2.1@54", 0, &c), 0);
	assert_int_equal(kd_addr_parse("192.0.2.2@53", 0, &d), 0);
	assert_int_equal(kd_addr_parse("::ffff:192.0.2.1@53", 0, &e), 0);
	assert_true(kd_addr_equal(&a, &b));
	assert_false(kd_addr_equal(&a, &c));
	assert_false(kd_addr_equal(&a, &d));
	assert_false(kd_addr_equal(&a, &e));
	assert_int_equal(kd_addr_parse("2001:db8::1@53", 0, &a), 0);
	assert_int_equal(kd_addr_parse("2001:0db8:0::1", 53, &b), 0);
	assert_int_equal(kd_addr_parse("2001:db8::2@53", 0, &c), 0);
	assert_true(kd_addr_equal(&a, &b));
	assert_false(kd_addr_equal(&a, &c));
}

static void assert_hostport(const char *text, const char *host, uint16_t port)
{
	char *h = NULL;
	uint16_t p = 0;
	if (kd_hostport_parse(text, 1688, &h, &p) != 0)
		fail_msg("rejected \"%s\"", text);
	assert_string_equal(h, host);
	assert_int_equal(p, port);
	free(h);
}

static void test_hostport_ok(void **state)
{
	assert_hostport("kms.example.test", "kms.example.test", 1688);
	assert_hostport("kms.example.test.", "kms.example.test.", 1688);
	assert_hostport("kms.example.test:1700", "kms.example.test", 1700);
	assert_hostport("kms", "kms", 1688);
	assert_hostport("192.0.2.10:2000", "192.0.2.10", 2000);
	assert_hostport("[2001:db8::10]:1689", "2001:db8::10", 1689);
	assert_hostport("[2001:db8::10]", "2001:db8::10", 1688);
	assert_hostport("2001:db8::10", "2001:db8::10", 1688);
	assert_hostport("::1", "::1", 1688);
}

static void test_hostport_bad(void **state)
{
	static const char *const bad[] = {
	        "",
	        ":1688",
	        "kms:",
	        "kms:0",
	        "kms:65536",
	        "kms:16x8",
	        "[2001:db8::1",
	        "[2001:db8::1]x",
	        "[2001:db8::1]:",
	        "[]:1688",
	        "[192.0.2.1]:1688",
	        "kms..example",
	        "kms example",
	        ".",
	        "[kms]:1688",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *h = (char *)"untouched";
		uint16_t p = 7;
		if (kd_hostport_parse(bad[i], 1688, &h, &p) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_string_equal(h, "untouched");
		assert_int_equal(p, 7);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_addr_parse_ok),        cmocka_unit_test(test_addr_parse_bad),
	        cmocka_unit_test(test_addr_ip_str_and_port), cmocka_unit_test(test_addr_equal),
	        cmocka_unit_test(test_hostport_ok),          cmocka_unit_test(test_hostport_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
