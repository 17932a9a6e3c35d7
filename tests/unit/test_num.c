/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/num.h"

static void test_parse_ok(void **state)
{
	uint64_t v = 0;
	assert_int_equal(kd_num_parse("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(kd_num_parse("1688", 1, 65535, &v), 0);
	assert_int_equal(v, 1688);
	assert_int_equal(kd_num_parse("65535", 1, 65535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(kd_num_parse("0053", 1, 65535, &v), 0);
	assert_int_equal(v, 53);
	assert_int_equal(kd_num_parse("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
	        "",
	        "-1",
	        "+1",
	        " 1",
	        "1 ",
	        "1x",
	        "0x10",
	        "1.5",
	        "18446744073709551616",
	        "99999999999999999999999",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 7;
		if (kd_num_parse(bad[i], 0, UINT64_MAX, &v) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(v, 7);
	}
	uint64_t v = 7;
	assert_int_equal(kd_num_parse("0", 1, 65535, &v), -1);     /* below min */
	assert_int_equal(kd_num_parse("65536", 1, 65535, &v), -1); /* above max */
	assert_int_equal(v, 7);
}

static void test_prefix(void **state)
{
	uint64_t v = 7;
	assert_int_equal(kd_num_prefix("250ms", &v), 3);
	assert_int_equal(v, 250);
	assert_int_equal(kd_num_prefix("5", &v), 1);
	assert_int_equal(v, 5);
	v = 7;
	assert_int_equal(kd_num_prefix("ms", &v), 0);
	assert_int_equal(kd_num_prefix("", &v), 0);
	assert_int_equal(kd_num_prefix("-5", &v), 0);
	assert_int_equal(kd_num_prefix("18446744073709551616s", &v), 0); /* overflow */
	assert_int_equal(v, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_ok),
	        cmocka_unit_test(test_parse_bad),
	        cmocka_unit_test(test_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
