/* SPDX-License-Identifier: GPL-3.0-or-later */
/* publisher/health.c: hysteresis, fail-open, coalescing; every time is an argument. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "publisher/health.h"

#define OK KD_PROBE_ALIVE

static const kd_probe_result_t FAILS[] = {KD_PROBE_REFUSED, KD_PROBE_TIMEOUT, KD_PROBE_NAK,
                                          KD_PROBE_GARBAGE};

static bool feed(pub_health_t *h, kd_probe_result_t r, uint64_t now)
{
	return pub_health_feed(h, r, 7, now, 3, 2);
}

static void test_new_host_pending_until_rise(void **state)
{
	pub_health_t h;
	pub_health_init(&h, PUB_HEALTH_PENDING, 100);
	assert_int_equal(h.state, PUB_HEALTH_PENDING);
	assert_int_equal(h.since_ms, 100);
	assert_int_equal(h.last, KD_PROBE_UNTRIED);
	assert_false(feed(&h, OK, 200));
	assert_int_equal(h.state, PUB_HEALTH_PENDING);
	assert_true(feed(&h, OK, 300)); /* rise = 2 */
	assert_int_equal(h.state, PUB_HEALTH_UP);
	assert_int_equal(h.since_ms, 300);
	assert_int_equal(h.last_latency_ms, 7);
	assert_int_equal(h.last_probe_ms, 300);
	assert_false(feed(&h, OK, 400)); /* reported once */
	assert_int_equal(h.since_ms, 300);
}

static void test_new_host_down_after_fall(void **state)
{
	pub_health_t h;
	pub_health_init(&h, PUB_HEALTH_PENDING, 0);
	assert_false(feed(&h, KD_PROBE_REFUSED, 1));
	assert_false(feed(&h, KD_PROBE_REFUSED, 2));
	assert_true(feed(&h, KD_PROBE_REFUSED, 3));
	assert_int_equal(h.state, PUB_HEALTH_DOWN);
	assert_int_equal(h.failures, 3);
}

static void test_fall_hysteresis_every_failure_kind(void **state)
{
	for (size_t k = 0; k < sizeof(FAILS) / sizeof(FAILS[0]); k++) {
		pub_health_t h;
		pub_health_init(&h, PUB_HEALTH_UP, 0);
		/* Two failures, a success, two failures: never three in a row, no flap. */
		assert_false(feed(&h, FAILS[k], 1));
		assert_false(feed(&h, FAILS[k], 2));
		assert_false(feed(&h, OK, 3));
		assert_false(feed(&h, FAILS[k], 4));
		assert_false(feed(&h, FAILS[k], 5));
		assert_int_equal(h.state, PUB_HEALTH_UP);
		assert_true(feed(&h, FAILS[k], 6));
		assert_int_equal(h.state, PUB_HEALTH_DOWN);
		assert_int_equal(h.since_ms, 6);
		assert_int_equal(h.last, FAILS[k]);
		assert_false(feed(&h, FAILS[k], 7)); /* once, not per probe */
	}
}

static void test_rise_hysteresis(void **state)
{
	pub_health_t h;
	pub_health_init(&h, PUB_HEALTH_DOWN, 0);
	assert_false(feed(&h, OK, 1));
	assert_false(feed(&h, KD_PROBE_TIMEOUT, 2)); /* resets the run of successes */
	assert_false(feed(&h, OK, 3));
	assert_int_equal(h.state, PUB_HEALTH_DOWN);
	assert_true(feed(&h, OK, 4));
	assert_int_equal(h.state, PUB_HEALTH_UP);
	assert_int_equal(h.successes, 2);
	assert_int_equal(h.failures, 0);
}

static void test_fall_rise_one(void **state)
{
	pub_health_t h;
	pub_health_init(&h, PUB_HEALTH_UP, 0);
	assert_true(pub_health_feed(&h, KD_PROBE_REFUSED, 0, 1, 1, 1));
	assert_true(pub_health_feed(&h, OK, 0, 2, 1, 1));
	/* 0 counts as 1 */
	assert_true(pub_health_feed(&h, KD_PROBE_REFUSED, 0, 3, 0, 0));
	assert_true(pub_health_feed(&h, OK, 0, 4, 0, 0));
}

static void test_state_names(void **state)
{
	pub_health_state_t s;
	assert_int_equal(pub_health_state_parse("up", &s), 0);
	assert_int_equal(s, PUB_HEALTH_UP);
	assert_int_equal(pub_health_state_parse("down", &s), 0);
	assert_int_equal(s, PUB_HEALTH_DOWN);
	assert_int_equal(pub_health_state_parse("pending", &s), 0);
	assert_int_equal(s, PUB_HEALTH_PENDING);
	assert_int_equal(pub_health_state_parse("UP", &s), -1);
	assert_string_equal(pub_why_str(PUB_WHY_HELD), "held by fail-open");
	assert_string_equal(pub_why_str(PUB_WHY_WITHDRAWN), "withdrawn by health");
	assert_true(pub_why_published(PUB_WHY_HEALTHY));
	assert_true(pub_why_published(PUB_WHY_HELD));
	assert_false(pub_why_published(PUB_WHY_WITHDRAWN));
	assert_false(pub_why_published(PUB_WHY_PENDING));
}

#define U PUB_HEALTH_UP
#define D PUB_HEALTH_DOWN
#define P PUB_HEALTH_PENDING

static void test_decide_up_published_down_withdrawn(void **state)
{
	pub_health_state_t st[] = {U, D, P};
	bool was[] = {true, true, false};
	pub_why_t why[3];
	bool holding = false;
	assert_false(pub_health_decide(st, was, 3, true, &holding, why));
	assert_false(holding);
	assert_int_equal(why[0], PUB_WHY_HEALTHY);
	assert_int_equal(why[1], PUB_WHY_WITHDRAWN);
	assert_int_equal(why[2], PUB_WHY_PENDING);
}

static void test_decide_fail_open_holds_last(void **state)
{
	/* A went down earlier (withdrawn); now B, the last published one, goes down. */
	pub_health_state_t st[] = {D, D};
	bool was[] = {false, true};
	pub_why_t why[2];
	bool holding = false;
	assert_true(pub_health_decide(st, was, 2, true, &holding, why));
	assert_true(holding);
	assert_int_equal(why[0], PUB_WHY_WITHDRAWN);
	assert_int_equal(why[1], PUB_WHY_HELD);
	/* Decided again with nothing new: still holding, no second report. */
	was[1] = pub_why_published(why[1]);
	assert_false(pub_health_decide(st, was, 2, true, &holding, why));
	assert_int_equal(why[1], PUB_WHY_HELD);
	/* A comes back: A published, B released, leaving fail-open reported once. */
	st[0] = U;
	assert_true(pub_health_decide(st, was, 2, true, &holding, why));
	assert_false(holding);
	assert_int_equal(why[0], PUB_WHY_HEALTHY);
	assert_int_equal(why[1], PUB_WHY_WITHDRAWN);
}

static void test_decide_all_down_together_all_stay(void **state)
{
	pub_health_state_t st[] = {D, D, D};
	bool was[] = {true, true, true};
	pub_why_t why[3];
	bool holding = false;
	assert_true(pub_health_decide(st, was, 3, true, &holding, why));
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(why[i], PUB_WHY_HELD);
}

static void test_decide_fail_closed(void **state)
{
	pub_health_state_t st[] = {D, D};
	bool was[] = {true, true};
	pub_why_t why[2];
	bool holding = false;
	assert_false(pub_health_decide(st, was, 2, false, &holding, why));
	assert_false(holding);
	assert_int_equal(why[0], PUB_WHY_WITHDRAWN);
	assert_int_equal(why[1], PUB_WHY_WITHDRAWN);
}

static void test_decide_nothing_published_nothing_held(void **state)
{
	/* New hosts that never came up: nothing to hold. */
	pub_health_state_t st[] = {P, D};
	bool was[] = {false, false};
	pub_why_t why[2];
	bool holding = false;
	assert_false(pub_health_decide(st, was, 2, true, &holding, why));
	assert_int_equal(why[0], PUB_WHY_PENDING);
	assert_int_equal(why[1], PUB_WHY_WITHDRAWN);
	assert_false(pub_health_decide(st, was, 0, true, &holding, why));
}

static void test_coalesce_window(void **state)
{
	pub_coalesce_t c = {.window_ms = PUB_COALESCE_DEFAULT_MS};
	size_t *items = NULL, n = 99;
	assert_true(pub_coalesce_deadline(&c) == UINT64_MAX);
	assert_false(pub_coalesce_take(&c, 5000, &items, &n));
	assert_int_equal(pub_coalesce_note(&c, 4, 10000), 0);
	assert_int_equal(pub_coalesce_deadline(&c), 11000);
	assert_int_equal(pub_coalesce_note(&c, 7, 10400), 0);
	assert_int_equal(pub_coalesce_note(&c, 4, 10900), 0); /* again: once */
	assert_int_equal(pub_coalesce_deadline(&c), 11000);   /* a later note does not extend it */
	assert_false(pub_coalesce_take(&c, 10999, &items, &n));
	assert_true(pub_coalesce_take(&c, 11000, &items, &n));
	assert_int_equal(n, 2);
	assert_int_equal(items[0], 4);
	assert_int_equal(items[1], 7);
	free(items);
	assert_true(pub_coalesce_deadline(&c) == UINT64_MAX);
	/* The next transition opens a new window. */
	assert_int_equal(pub_coalesce_note(&c, 1, 20000), 0);
	assert_int_equal(pub_coalesce_deadline(&c), 21000);
	assert_true(pub_coalesce_take(&c, 25000, &items, &n));
	assert_int_equal(n, 1);
	free(items);
	pub_coalesce_deinit(&c);
}

static void test_coalesce_many(void **state)
{
	pub_coalesce_t c = {.window_ms = 0};
	for (size_t i = 0; i < 200; i++)
		assert_int_equal(pub_coalesce_note(&c, i, 50), 0);
	size_t *items = NULL, n = 0;
	assert_true(pub_coalesce_take(&c, 50, &items, &n)); /* window 0: due at once */
	assert_int_equal(n, 200);
	for (size_t i = 0; i < 200; i++)
		assert_int_equal(items[i], i);
	free(items);
	pub_coalesce_deinit(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_new_host_pending_until_rise),
	        cmocka_unit_test(test_new_host_down_after_fall),
	        cmocka_unit_test(test_fall_hysteresis_every_failure_kind),
	        cmocka_unit_test(test_rise_hysteresis),
	        cmocka_unit_test(test_fall_rise_one),
	        cmocka_unit_test(test_state_names),
	        cmocka_unit_test(test_decide_up_published_down_withdrawn),
	        cmocka_unit_test(test_decide_fail_open_holds_last),
	        cmocka_unit_test(test_decide_all_down_together_all_stay),
	        cmocka_unit_test(test_decide_fail_closed),
	        cmocka_unit_test(test_decide_nothing_published_nothing_held),
	        cmocka_unit_test(test_coalesce_window),
	        cmocka_unit_test(test_coalesce_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
