/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/strbuf.h"

static void test_build(void **state)
{
	kd_strbuf_t sb = {0};
	kd_strbuf_printf(&sb, "%s %u\n", "dead", 1688u);
	kd_strbuf_printf(&sb, "%s", "");
	kd_strbuf_printf(&sb, "end\n");
	size_t len = 0;
	char *text = kd_strbuf_take(&sb, &len);
	assert_string_equal(text, "dead 1688\nend\n");
	assert_int_equal(len, strlen(text));
	assert_null(sb.buf); /* empty again */
	assert_int_equal(sb.len, 0);
	free(text);
}

/* puts and uint append what printf would, across growth of the buffer. */
static void test_puts_uint(void **state)
{
	static const unsigned long long nums[] = {
	        0, 7, 10, 1688, 4294967295ull, 18446744073709551615ull};
	kd_strbuf_t sb = {0}, want = {0};
	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
			kd_strbuf_puts(&sb, "n=");
			kd_strbuf_uint(&sb, nums[i]);
			kd_strbuf_puts(&sb, "");
			kd_strbuf_puts(&sb, ";\n");
			kd_strbuf_printf(&want, "n=%llu;\n", nums[i]);
		}
	}
	size_t len = 0, wlen = 0;
	char *text = kd_strbuf_take(&sb, &len), *wtext = kd_strbuf_take(&want, &wlen);
	assert_non_null(text);
	assert_int_equal(len, wlen);
	assert_int_equal(len, strlen(text));
	assert_string_equal(text, wtext);
	free(text);
	free(wtext);
	kd_strbuf_puts(&sb, "");
	text = kd_strbuf_take(&sb, NULL);
	assert_string_equal(text, "");
	free(text);
}

static void test_empty(void **state)
{
	kd_strbuf_t sb = {0};
	char *text = kd_strbuf_take(&sb, NULL);
	assert_non_null(text);
	assert_string_equal(text, "");
	free(text);
	kd_strbuf_deinit(&sb);
}

static void test_long_appends(void **state)
{
	/* Appends larger than the capacity, many times over: the text grows and stays exact. */
	char chunk[1001];
	memset(chunk, 'x', 1000);
	chunk[1000] = '\0';
	kd_strbuf_t sb = {0};
	for (int i = 0; i < 100; i++)
		kd_strbuf_printf(&sb, "%d:%s;", i, chunk);
	size_t len = 0;
	char *text = kd_strbuf_take(&sb, &len);
	assert_non_null(text);
	assert_int_equal(len, strlen(text));
	size_t want = 0;
	for (int i = 0; i < 100; i++)
		want += (size_t)snprintf(NULL, 0, "%d:", i) + 1001;
	assert_int_equal(len, want);
	assert_memory_equal(text + len - 5, "xxxx;", 5);
	free(text);
}

static void test_failed_sticks(void **state)
{
	kd_strbuf_t sb = {0};
	kd_strbuf_printf(&sb, "ok");
	sb.failed = true; /* as after an allocation failure */
	kd_strbuf_printf(&sb, "more");
	assert_int_equal(sb.len, 2);
	assert_null(kd_strbuf_take(&sb, NULL));
	assert_null(sb.buf);
	assert_false(sb.failed); /* empty and usable again */
	kd_strbuf_printf(&sb, "again");
	char *text = kd_strbuf_take(&sb, NULL);
	assert_string_equal(text, "again");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_build),         cmocka_unit_test(test_puts_uint),
	        cmocka_unit_test(test_empty),         cmocka_unit_test(test_long_appends),
	        cmocka_unit_test(test_failed_sticks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
