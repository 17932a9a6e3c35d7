/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Candidate ordering: exact first-pick frequencies (chi-square at p = 0.001), priority groups,
 * weight-0 placement and the "." rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "resolver-plugin/order.h"

#define DRAWS 200000

/* Chi-square critical values at p = 0.001 for 1..5 degrees of freedom. */
static const double chi2_crit[] = {0, 10.828, 13.816, 16.266, 18.467, 20.515};

/* Compare observed counts with expected probabilities (num[i] / den); categories with
 * probability 0 must never occur and do not count as degrees of freedom. */
static void assert_chi2(const unsigned long *obs, const unsigned *num, unsigned den, size_t k,
                        unsigned long draws)
{
	double stat = 0;
	size_t df = 0;
	for (size_t i = 0; i < k; i++) {
		if (num[i] == 0) {
			assert_int_equal(obs[i], 0);
			continue;
		}
		double e = (double)draws * num[i] / den;
		stat += ((double)obs[i] - e) * ((double)obs[i] - e) / e;
		df++;
	}
	df--;
	assert_true(df >= 1 && df < sizeof(chi2_crit) / sizeof(chi2_crit[0]));
	if (stat >= chi2_crit[df])
		fail_msg("chi-square %.3f >= %.3f (df %zu)", stat, chi2_crit[df], df);
}

/* Count how often each record lands at position pos. */
static void count_pos(const kmsl_order_key_t *keys, size_t n, size_t pos, unsigned long *obs)
{
	kmsl_rng_t rng;
	kmsl_rng_seed(&rng, 20261121);
	size_t perm[8];
	memset(obs, 0, n * sizeof(*obs));
	for (unsigned long d = 0; d < DRAWS; d++) {
		assert_int_equal(kmsl_order(keys, n, &rng, perm), 0);
		obs[perm[pos]]++;
	}
}

static void first_pick(const uint16_t *weights, size_t n, const unsigned *num, unsigned den)
{
	kmsl_order_key_t keys[8];
	unsigned long obs[8];
	for (size_t i = 0; i < n; i++)
		keys[i] = (kmsl_order_key_t){.priority = 0, .weight = weights[i]};
	count_pos(keys, n, 0, obs);
	assert_chi2(obs, num, den, n, DRAWS);
}

static void test_first_1_1(void **state)
{
	/* The RFC's inclusive draw gives 2/3 : 1/3 here; the unbiased one 1/2 : 1/2. */
	first_pick((uint16_t[]){1, 1}, 2, (unsigned[]){1, 1}, 2);
}

static void test_first_1_3(void **state)
{
	first_pick((uint16_t[]){1, 3}, 2, (unsigned[]){1, 3}, 4);
}

static void test_first_5_1_1(void **state)
{
	first_pick((uint16_t[]){5, 1, 1}, 3, (unsigned[]){5, 1, 1}, 7);
}

static void test_first_0_10_10(void **state)
{
	first_pick((uint16_t[]){0, 10, 10}, 3, (unsigned[]){0, 1, 1}, 2);
}

static void test_first_0_0_0(void **state)
{
	first_pick((uint16_t[]){0, 0, 0}, 3, (unsigned[]){1, 1, 1}, 3);
}

static void test_second_5_1_1(void **state)
{
	/* P(second = a) = 2/7 * 5/6 = 5/21; P(second = b) = 5/7 * 1/2 + 1/7 * 1/6 = 8/21. */
	kmsl_order_key_t keys[] = {{0, 5}, {0, 1}, {0, 1}};
	unsigned long obs[3];
	count_pos(keys, 3, 1, obs);
	assert_chi2(obs, (unsigned[]){5, 8, 8}, 21, 3, DRAWS);
}

static void test_zero_shuffle_permutations(void **state)
{
	/* All six orders of three weight-0 records are equally likely (Fisher-Yates). */
	kmsl_order_key_t keys[] = {{0, 0}, {0, 0}, {0, 0}};
	kmsl_rng_t rng;
	kmsl_rng_seed(&rng, 7);
	unsigned long obs[9] = {0};
	size_t perm[3];
	for (unsigned long d = 0; d < DRAWS; d++) {
		assert_int_equal(kmsl_order(keys, 3, &rng, perm), 0);
		obs[perm[0] * 3 + perm[1]]++;
	}
	/* Codes 0,4,8 (same record twice) are impossible. */
	assert_chi2(obs, (unsigned[]){0, 1, 1, 1, 0, 1, 1, 1, 0}, 6, 9, DRAWS);
}

static void test_groups_never_interleave(void **state)
{
	kmsl_rng_t rng;
	kmsl_rng_seed(&rng, 99);
	kmsl_order_key_t keys[16];
	size_t perm[16];
	for (int round = 0; round < 2000; round++) {
		size_t n = 1 + (size_t)kmsl_rng_below(&rng, 16);
		for (size_t i = 0; i < n; i++) {
			keys[i].priority = (uint16_t)(kmsl_rng_below(&rng, 4) * 10);
			keys[i].weight = (uint16_t)(kmsl_rng_below(&rng, 3) == 0
			                                    ? 0
			                                    : kmsl_rng_below(&rng, 100));
		}
		assert_int_equal(kmsl_order(keys, n, &rng, perm), 0);
		int seen[16] = {0};
		for (size_t i = 0; i < n; i++) {
			assert_true(perm[i] < n);
			assert_int_equal(seen[perm[i]]++, 0);
			if (i == 0)
				continue;
			const kmsl_order_key_t *a = &keys[perm[i - 1]], *b = &keys[perm[i]];
			assert_true(a->priority <= b->priority);
			/* Inside a group, no weighted record after a weight-0 one. */
			if (a->priority == b->priority && a->weight == 0)
				assert_int_equal(b->weight, 0);
		}
	}
}

static void test_same_seed_same_order(void **state)
{
	kmsl_order_key_t keys[] = {{0, 1}, {0, 1}, {0, 0}, {1, 5}, {1, 0}};
	kmsl_rng_t r1, r2;
	size_t p1[5], p2[5];
	kmsl_rng_seed(&r1, 42);
	kmsl_rng_seed(&r2, 42);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(kmsl_order(keys, 5, &r1, p1), 0);
		assert_int_equal(kmsl_order(keys, 5, &r2, p2), 0);
		assert_memory_equal(p1, p2, sizeof(p1));
	}
}

static void test_rng_below_bounds(void **state)
{
	kmsl_rng_t rng;
	kmsl_rng_seed(&rng, 1);
	unsigned long obs[3] = {0};
	for (int i = 0; i < DRAWS; i++) {
		uint64_t r = kmsl_rng_below(&rng, 3);
		assert_true(r < 3);
		obs[r]++;
	}
	assert_chi2(obs, (unsigned[]){1, 1, 1}, 3, 3, DRAWS);
	assert_int_equal(kmsl_rng_below(&rng, 1), 0);
	assert_int_equal(kmsl_rng_below(&rng, 0), 0);
}

static kmsl_cand_t cand(const char *target, uint16_t prio, uint16_t weight)
{
	kmsl_cand_t c;
	memset(&c, 0, sizeof(c));
	strcpy(c.target, target);
	c.priority = prio;
	c.weight = weight;
	c.port = 1688;
	return c;
}

static void test_dot_rule(void **state)
{
	kmsl_cand_t c[3];
	size_t n;

	c[0] = cand(".", 0, 0);
	n = 1;
	assert_true(kmsl_cand_drop_dot(c, &n));
	assert_int_equal(n, 0);

	c[0] = cand(".", 0, 0);
	c[1] = cand(".", 5, 0);
	n = 2;
	assert_true(kmsl_cand_drop_dot(c, &n));
	assert_int_equal(n, 0);

	c[0] = cand("a.example.test", 0, 0);
	c[1] = cand(".", 0, 0);
	c[2] = cand("b.example.test", 1, 0);
	n = 3;
	assert_false(kmsl_cand_drop_dot(c, &n));
	assert_int_equal(n, 2);
	assert_string_equal(c[0].target, "a.example.test");
	assert_string_equal(c[1].target, "b.example.test");

	n = 0;
	assert_false(kmsl_cand_drop_dot(c, &n));
	assert_int_equal(n, 0);
}

static void test_cand_order_keeps_records_whole(void **state)
{
	kmsl_cand_t c[4] = {cand("p10.test", 10, 1), cand("p0a.test", 0, 0), cand("p0b.test", 0, 3),
	                    cand("p5.test", 5, 0)};
	c[1].port = 1111;
	kmsl_rng_t rng;
	kmsl_rng_seed(&rng, 3);
	assert_int_equal(kmsl_cand_order(c, 4, &rng), 0);
	assert_string_equal(c[0].target, "p0b.test"); /* weighted before weight 0 */
	assert_string_equal(c[1].target, "p0a.test");
	assert_int_equal(c[1].port, 1111);
	assert_string_equal(c[2].target, "p5.test");
	assert_string_equal(c[3].target, "p10.test");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_first_1_1),
	        cmocka_unit_test(test_first_1_3),
	        cmocka_unit_test(test_first_5_1_1),
	        cmocka_unit_test(test_first_0_10_10),
	        cmocka_unit_test(test_first_0_0_0),
	        cmocka_unit_test(test_second_5_1_1),
	        cmocka_unit_test(test_zero_shuffle_permutations),
	        cmocka_unit_test(test_groups_never_interleave),
	        cmocka_unit_test(test_same_seed_same_order),
	        cmocka_unit_test(test_rng_below_bounds),
	        cmocka_unit_test(test_dot_rule),
	        cmocka_unit_test(test_cand_order_keeps_records_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
