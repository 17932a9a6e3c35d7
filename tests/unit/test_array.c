/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/array.h"

static void test_push_many(void **state)
{
	int *v = NULL;
	size_t n = 0, cap = 0;
	for (int i = 0; i < 1000; i++) {
		int *p = kd_array_reserve(v, &cap, n + 1, sizeof(*p));
		assert_non_null(p);
		assert_true(cap >= n + 1);
		v = p;
		v[n++] = i;
	}
	for (int i = 0; i < 1000; i++)
		assert_int_equal(v[i], i);
	assert_int_equal(cap, 1024); /* doubling from 8 */
	free(v);
}

static void test_no_move_when_room(void **state)
{
	size_t cap = 0;
	char *v = kd_array_reserve(NULL, &cap, 3, 1);
	assert_non_null(v);
	assert_int_equal(cap, 8);
	assert_ptr_equal(kd_array_reserve(v, &cap, 8, 1), v);
	assert_int_equal(cap, 8);
	char *w = kd_array_reserve(v, &cap, 9, 1);
	assert_non_null(w);
	assert_int_equal(cap, 16);
	free(w);
}

static void test_exact_calloc(void **state)
{
	/* An array sized exactly by calloc, with no capacity recorded, grows all the same. */
	size_t cap = 0;
	long *v = calloc(20, sizeof(*v));
	assert_non_null(v);
	v[19] = 42;
	long *p = kd_array_reserve(v, &cap, 21, sizeof(*p));
	assert_non_null(p);
	assert_true(cap >= 21);
	assert_int_equal(p[19], 42);
	free(p);
}

static void test_overflow(void **state)
{
	size_t cap = 0;
	int *v = kd_array_reserve(NULL, &cap, 4, sizeof(*v));
	assert_non_null(v);
	v[3] = 7;
	assert_null(kd_array_reserve(v, &cap, SIZE_MAX, sizeof(*v)));
	assert_null(kd_array_reserve(v, &cap, SIZE_MAX / 2 + 2, 1));
	assert_null(kd_array_reserve(v, &cap, SIZE_MAX / 8, 64));
	assert_int_equal(cap, 8); /* untouched, and v still valid */
	assert_int_equal(v[3], 7);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_push_many),
	        cmocka_unit_test(test_no_move_when_room),
	        cmocka_unit_test(test_exact_calloc),
	        cmocka_unit_test(test_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
