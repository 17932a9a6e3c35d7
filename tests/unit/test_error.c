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

#include "dns/error.h"

static void test_fail_sets_code_and_message(void **state)
{
	kd_error_t err = {0};
	assert_int_equal(err.code, KD_OK);
	assert_int_equal(kd_fail(&err, KD_EREFUSED, "failed to read %s (%s)", "x.test.",
	                         kd_strerror(KD_EREFUSED)),
	                 -1);
	assert_int_equal(err.code, KD_EREFUSED);
	assert_string_equal(err.msg, "failed to read x.test. (connection refused)");
	assert_int_equal(kd_fail(NULL, KD_EINVAL, "ignored"), -1);
}

static void test_fail_wraps_own_message(void **state)
{
	kd_error_t err = {0};
	kd_fail(&err, KD_ETIMEOUT, "timed out");
	kd_fail(&err, err.code, "failed to update zone %s (%s)", "example.test.", err.msg);
	assert_int_equal(err.code, KD_ETIMEOUT);
	assert_string_equal(err.msg, "failed to update zone example.test. (timed out)");
}

static void test_fail_truncates(void **state)
{
	kd_error_t err = {0};
	char big[2 * KD_ERRMSG_MAX];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	kd_fail(&err, KD_EINVAL, "%s", big);
	assert_int_equal(strlen(err.msg), KD_ERRMSG_MAX - 1);
}

static void test_redact(void **state)
{
	/* a TSIG secret (32 random bytes, base64) pasted into the wrong field */
	const char *secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=";
	char msg[KD_ERRMSG_MAX];
	snprintf(msg, sizeof(msg), "t.yaml:3:9: key 'ttl': invalid number '%s'", secret);
	kd_error_redact(msg);
	assert_string_equal(msg, "t.yaml:3:9: key 'ttl': invalid number '<hidden>'");
	/* unpadded, 16 bytes: 22 characters */
	snprintf(msg, sizeof(msg), "'Ab0123456789abcdefGHIJ' and 'Ab0123456789abcdefGHI'");
	kd_error_redact(msg);
	assert_string_equal(msg, "'<hidden>' and 'Ab0123456789abcdefGHI'");
	/* names, paths and lower-case words stay */
	const char *plain = "/tmp/kmsdns-test.Ab12Cd/pub.yaml:2:3: 'kms1.Example.test' is not "
	                    "a valid domain name; averyveryverylonglowercaselabel";
	snprintf(msg, sizeof(msg), "%s", plain);
	kd_error_redact(msg);
	assert_string_equal(msg, plain);
	kd_error_t err;
	kd_fail(&err, KD_EINVAL, "failed to load key file %s (No such file)", secret);
	assert_string_equal(err.msg, "failed to load key file <hidden> (No such file)");
}

static void test_every_code_has_a_string(void **state)
{
	for (int e = KD_OK; e <= KD_ETSIG; e++) {
		const char *s = kd_strerror((kd_err_t)e);
		assert_non_null(s);
		assert_string_not_equal(s, "unknown error");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fail_sets_code_and_message),
	        cmocka_unit_test(test_fail_wraps_own_message),
	        cmocka_unit_test(test_fail_truncates),
	        cmocka_unit_test(test_redact),
	        cmocka_unit_test(test_every_code_has_a_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
