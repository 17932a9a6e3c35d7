/* SPDX-License-Identifier: GPL-3.0-or-later */
/* KD_F_SECRET: secret values are overwritten before their memory goes back to the allocator. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/schema.h"

typedef struct {
	char *name;
	char *secret;
} key_t_;

typedef struct {
	char *label;
	char *token;
	char **pins;
	size_t npins;
	key_t_ *keys;
	size_t nkeys;
} cfg_t;

static const kd_schema_t key_schema[] = {
        {.key = "name", .type = KD_T_STR, .offset = offsetof(key_t_, name)},
        {.key = "secret",
         .type = KD_T_STR,
         .offset = offsetof(key_t_, secret),
         .flags = KD_F_SECRET},
        {.key = NULL},
};

static const kd_schema_t cfg_schema[] = {
        {.key = "label", .type = KD_T_STR, .offset = offsetof(cfg_t, label)},
        {.key = "token",
         .type = KD_T_STR,
         .offset = offsetof(cfg_t, token),
         .def = "default-token-value",
         .flags = KD_F_SECRET},
        {.key = "pins",
         .type = KD_T_STRLIST,
         .offset = offsetof(cfg_t, pins),
         .count_offset = offsetof(cfg_t, npins),
         .flags = KD_F_SECRET},
        {.key = "keys",
         .type = KD_T_SEQ,
         .offset = offsetof(cfg_t, keys),
         .count_offset = offsetof(cfg_t, nkeys),
         .sub = key_schema,
         .elem_size = sizeof(key_t_)},
        {.key = NULL},
};

static const char yaml[] = "label: visible-label\n"
                           "token: c2VjcmV0LXRva2Vu\n"
                           "pins: [pin-one-secret, pin-two-secret]\n"
                           "keys:\n"
                           "  - name: k1\n"
                           "    secret: c2VjcmV0LWtleS0x\n";

static void load(cfg_t *c)
{
	kd_error_t err;
	memset(c, 0, sizeof(*c));
	if (kd_schema_load_buf(cfg_schema, "t.yaml", yaml, strlen(yaml), c, &err) != 0)
		fail_msg("%s", err.msg);
}

static bool all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != '\0')
			return false;
	return true;
}

static void test_wipe(void **state)
{
	cfg_t c;
	load(&c);
	char *token = c.token, *pin = c.pins[1], *secret = c.keys[0].secret;
	size_t ltoken = strlen(token), lpin = strlen(pin), lsecret = strlen(secret);
	kd_schema_wipe(cfg_schema, &c);
	/* Still allocated: looking at them is sound. */
	assert_true(all_zero(token, ltoken));
	assert_true(all_zero(pin, lpin));
	assert_true(all_zero(secret, lsecret));
	assert_string_equal(c.label, "visible-label"); /* not a secret: kept */
	assert_string_equal(c.keys[0].name, "k1");
	kd_schema_free(cfg_schema, &c);
}

/* kd_schema_free_with: every block is shown to this function before it is freed. */
static struct {
	const char *watch[4];
	size_t len[4];
	bool want_zero[4];
	int seen[4];
} rel;

static void check_release(void *p)
{
	for (size_t i = 0; i < 4; i++) {
		if (p != rel.watch[i])
			continue;
		rel.seen[i]++;
		if (rel.want_zero[i])
			assert_true(all_zero(p, rel.len[i]));
		else
			assert_int_equal(strlen(p), rel.len[i]);
	}
	free(p);
}

static void watch(size_t i, const char *p, bool secret)
{
	rel.watch[i] = p;
	rel.len[i] = strlen(p);
	rel.want_zero[i] = secret;
	rel.seen[i] = 0;
}

static void test_free_wipes_first(void **state)
{
	cfg_t c;
	load(&c);
	watch(0, c.token, true);
	watch(1, c.pins[0], true);
	watch(2, c.keys[0].secret, true);
	watch(3, c.label, false);
	kd_schema_free_with(cfg_schema, &c, check_release);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(rel.seen[i], 1);
	assert_null(c.token);
	assert_null(c.keys);
}

static void test_print_hides(void **state)
{
	cfg_t c;
	load(&c);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	kd_schema_print(f, cfg_schema, &c);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(text, "label: visible-label\n"
	                          "token: <hidden>\n"
	                          "pins: [<hidden>, <hidden>]\n"
	                          "keys:\n"
	                          "  - name: k1\n"
	                          "    secret: <hidden>\n");
	free(text);
	kd_schema_free(cfg_schema, &c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_wipe),
	        cmocka_unit_test(test_free_wipes_first),
	        cmocka_unit_test(test_print_hides),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
