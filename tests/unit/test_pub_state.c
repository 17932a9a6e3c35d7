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

#include "publisher/backoff.h"
#include "publisher/state.h"
#include "test_pub_helpers.h"

static void test_state_round_trip(void **state)
{
	char dir[] = "/tmp/pub-state-XXXXXX";
	char path[64];
	kd_error_t err;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);

	pub_rrlist_t in = {0}, out = {0};
	/* missing file = empty state */
	assert_int_equal(pub_state_load(path, &out, &err), 0);
	assert_int_equal(out.n, 0);

	pub_rr_t a = t_srv("_vlmcs._tcp.Example.test", 1, 2, 1688, "KMS1.example.test");
	strcpy(a.zone, "example.test.");
	pub_rr_t b = t_addr("kms1.example.test", "2001:db8::10");
	strcpy(b.zone, "example.test.");
	pub_rr_t c = t_addr("kms1.sub.example.test", "192.0.2.1");
	strcpy(c.zone, "sub.example.test.");
	t_add(&in, a);
	t_add(&in, b);
	t_add(&in, c);
	assert_int_equal(pub_state_save(path, &in, &err), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 077, 0); /* not world readable */

	assert_int_equal(pub_state_load(path, &out, &err), 0);
	assert_int_equal(out.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_true(pub_rr_equal(&out.v[i], &in.v[i]));
		assert_string_equal(out.v[i].zone, in.v[i].zone);
		assert_int_equal(out.v[i].ttl, 600);
	}
	/* overwrite with less: no temporary files stay behind */
	pub_rrlist_remove(&in, 0);
	assert_int_equal(pub_state_save(path, &in, &err), 0);
	pub_rrlist_deinit(&out);
	assert_int_equal(pub_state_load(path, &out, &err), 0);
	assert_int_equal(out.n, 2);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) = 1", dir);
	assert_int_equal(system(cmd), 0);

	unlink(path);
	rmdir(dir);
	pub_rrlist_deinit(&in);
	pub_rrlist_deinit(&out);
}

static void test_state_corrupt(void **state)
{
	pub_rrlist_t out = {0};
	kd_error_t err;
	const char *path = TEST_SRCDIR "/unit/data/pub-state-corrupt";
	assert_int_equal(pub_state_load(path, &out, &err), -1);
	assert_int_equal(out.n, 0);
	assert_non_null(strstr(err.msg, "pub-state-corrupt:3 "));
}

static void test_state_owner_outside_zone(void **state)
{
	pub_rrlist_t out = {0};
	char path[] = "/tmp/pub-state-XXXXXX";
	kd_error_t err;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "other.test. kms1.example.test. 600 A 192.0.2.1\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(pub_state_load(path, &out, &err), -1);
	unlink(path);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_state_round_trip),
	        cmocka_unit_test(test_state_corrupt),
	        cmocka_unit_test(test_state_owner_outside_zone),
	        cmocka_unit_test(test_backoff_sequence),
	        cmocka_unit_test(test_backoff_jitter),
	        cmocka_unit_test(test_backoff_permanent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
