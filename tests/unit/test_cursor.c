/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/cursor.h"

static void test_read(void **state)
{
	static const uint8_t buf[] = {0x01, 0x12, 0x34, 0x12, 0x34, 0xde, 0xad, 0xbe,
	                              0xef, 0xef, 0xbe, 0xad, 0xde, 0xaa, 0xbb};
	kd_rcur_t r = {.p = buf, .len = sizeof(buf)};
	assert_int_equal(kd_rcur_u8(&r), 0x01);
	assert_int_equal(kd_rcur_u16be(&r), 0x1234);
	assert_int_equal(kd_rcur_u16le(&r), 0x3412);
	assert_int_equal(kd_rcur_u32be(&r), 0xdeadbeef);
	assert_int_equal(kd_rcur_u32le(&r), 0xdeadbeef);
	assert_int_equal(kd_rcur_left(&r), 2);
	const uint8_t *at = kd_rcur_bytes(&r, 2);
	assert_ptr_equal(at, buf + 13);
	assert_int_equal(kd_rcur_left(&r), 0);
	assert_false(r.bad);
}

static void test_read_past_end(void **state)
{
	static const uint8_t buf[] = {0x01, 0x02, 0x03};
	kd_rcur_t r = {.p = buf, .len = sizeof(buf)};
	kd_rcur_skip(&r, 2);
	assert_int_equal(kd_rcur_u16be(&r), 0); /* one byte left: fails, reads nothing */
	assert_true(r.bad);
	assert_int_equal(r.off, 2);
	/* Bad sticks: even what would fit fails now. */
	assert_int_equal(kd_rcur_u8(&r), 0);
	assert_int_equal(kd_rcur_left(&r), 0);
	assert_null(kd_rcur_bytes(&r, 0));

	/* A huge skip must not wrap around. */
	kd_rcur_t s = {.p = buf, .len = sizeof(buf)};
	kd_rcur_skip(&s, 1);
	kd_rcur_skip(&s, SIZE_MAX);
	assert_true(s.bad);
	assert_int_equal(s.off, 1);
}

static void test_align(void **state)
{
	uint8_t buf[16] = {0};
	kd_rcur_t r = {.p = buf, .len = sizeof(buf)};
	kd_rcur_align(&r, 4);
	assert_int_equal(r.off, 0);
	kd_rcur_skip(&r, 5);
	kd_rcur_align(&r, 4);
	assert_int_equal(r.off, 8);
	kd_rcur_skip(&r, 7);
	kd_rcur_align(&r, 4); /* to 16: exactly the end */
	assert_false(r.bad);
	assert_int_equal(r.off, 16);
	kd_rcur_skip(&r, 1);
	assert_true(r.bad);
}

static void test_write(void **state)
{
	uint8_t buf[15];
	kd_wcur_t w = {.p = buf, .len = sizeof(buf)};
	kd_wcur_u8(&w, 0x01);
	kd_wcur_u16be(&w, 0x1234);
	kd_wcur_u16le(&w, 0x1234);
	kd_wcur_u32be(&w, 0xdeadbeef);
	kd_wcur_u32le(&w, 0xdeadbeef);
	kd_wcur_bytes(&w, "\xaa\xbb", 2);
	assert_false(w.bad);
	assert_int_equal(w.off, sizeof(buf));
	static const uint8_t want[] = {0x01, 0x12, 0x34, 0x34, 0x12, 0xde, 0xad, 0xbe,
	                               0xef, 0xef, 0xbe, 0xad, 0xde, 0xaa, 0xbb};
	assert_memory_equal(buf, want, sizeof(want));

	/* Full: the write fails, nothing beyond the buffer is touched. */
	uint8_t small[4] = {0};
	kd_wcur_t s = {.p = small, .len = 3};
	kd_wcur_u16be(&s, 0xffff);
	kd_wcur_u16be(&s, 0xffff);
	assert_true(s.bad);
	assert_int_equal(s.off, 2);
	assert_int_equal(small[2], 0);
	assert_int_equal(small[3], 0);
	assert_null(kd_wcur_take(&s, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_read),
	        cmocka_unit_test(test_read_past_end),
	        cmocka_unit_test(test_align),
	        cmocka_unit_test(test_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
