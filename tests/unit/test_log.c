/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dns/log.c: one line per event, key=value pairs after the message, JSON lines; standard
 * error is captured in a temporary file. JSON lines are also checked by Python's parser. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "dns/log.h"

static char capture_path[] = "/tmp/test-log.XXXXXX";
static int saved_stderr = -1;

static void capture_start(void)
{
	int fd = mkstemp(capture_path);
	assert_true(fd >= 0);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	close(fd);
}

/* Everything logged since capture_start (heap). */
static char *capture_end(void)
{
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	FILE *fp = fopen(capture_path, "r");
	assert_non_null(fp);
	char *buf = calloc(1, 65536);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 65535, fp);
	buf[n] = '\0';
	fclose(fp);
	unlink(capture_path);
	strcpy(capture_path, "/tmp/test-log.XXXXXX");
	return buf;
}

static void test_text_plain_messages_unchanged(void **state)
{
	kd_log_init("kms-test", KD_LOG_DEBUG);
	kd_log_set_format(KD_LOG_TEXT);
	capture_start();
	log_info("publishing every %d s", 300);
	log_warnx("primary %s did not answer", "192.0.2.1@53");
	errno = ENOENT;
	log_warn("failed to open %s", "x");
	log_err("bad");
	log_debug("detail");
	char *out = capture_end();
	assert_string_equal(out, "kms-test: publishing every 300 s\n"
	                         "kms-test: warning: primary 192.0.2.1@53 did not answer\n"
	                         "kms-test: warning: failed to open x: No such file or directory\n"
	                         "kms-test: error: bad\n"
	                         "kms-test: debug: detail\n");
	free(out);
}

static void test_text_pairs(void **state)
{
	kd_log_init("kms-publisher", KD_LOG_INFO);
	kd_log_set_format(KD_LOG_TEXT);
	capture_start();
	kd_log_kv(KD_LOG_WARN,
	          KD_KV({"zone", "example.com."}, {"server", "192.0.2.53@53"}, {"host", NULL},
	                {"rcode", "REFUSED"}),
	          "failed to update zone %s (%s)", "example.com.", "REFUSED");
	kd_log_kv(KD_LOG_INFO, KD_KV({"reason", "wrong secret"}, {"empty", ""}, {"q", "a\"b=c"}),
	          "authentication failed");
	kd_log_kv(KD_LOG_DEBUG, KD_KV({"zone", "hidden."}), "below the level");
	char *out = capture_end();
	assert_string_equal(out, "kms-publisher: warning: failed to update zone example.com. "
	                         "(REFUSED) zone=example.com. server=192.0.2.53@53 rcode=REFUSED\n"
	                         "kms-publisher: authentication failed reason=\"wrong secret\" "
	                         "empty=\"\" q=\"a\\\"b=c\"\n");
	free(out);
}

/* The part of a JSON line after its "time" member, which varies. */
static const char *after_time(const char *line)
{
	assert_memory_equal(line, "{\"time\":\"", 9);
	/* 2026-11-21T10:00:00.123Z */
	const char *t = line + 9;
	assert_int_equal(strlen(t) > 25, 1);
	assert_int_equal(t[4], '-');
	assert_int_equal(t[10], 'T');
	assert_int_equal(t[19], '.');
	assert_int_equal(t[23], 'Z');
	assert_int_equal(t[24], '"');
	return t + 25;
}

static void test_json(void **state)
{
	kd_log_init("kms-publisher", KD_LOG_INFO);
	kd_log_set_format(KD_LOG_JSON);
	capture_start();
	kd_log_kv(KD_LOG_ERR, KD_KV({"zone", "example.com."}, {"rcode", "NOTAUTH"}),
	          "failed to update zone %s (%s)", "example.com.", "authentication failed");
	log_info("tab\there \"quoted\" back\\slash \x01 bad utf8 \xff ok \xc3\xa9");
	char *out = capture_end();
	char *nl = strchr(out, '\n');
	assert_non_null(nl);
	*nl = '\0';
	assert_string_equal(after_time(out),
	                    ",\"level\":\"error\",\"program\":\"kms-publisher\",\"msg\":\"failed "
	                    "to update zone example.com. (authentication failed)\",\"zone\":"
	                    "\"example.com.\",\"rcode\":\"NOTAUTH\"}");
	char *second = nl + 1;
	nl = strchr(second, '\n');
	assert_non_null(nl);
	*nl = '\0';
	assert_string_equal(after_time(second),
	                    ",\"level\":\"info\",\"program\":\"kms-publisher\",\"msg\":\"tab\\u0009"
	                    "here \\\"quoted\\\" back\\\\slash \\u0001 bad utf8 \\ufffd ok "
	                    "\xc3\xa9\"}");
	assert_string_equal(nl + 1, "");
	free(out);
	kd_log_set_format(KD_LOG_TEXT);
}

/* Many long pairs: the line stays one valid JSON object (pairs that do not fit are left out). */
static void test_json_long_line_stays_valid(void **state)
{
	static char big[3000];
	memset(big, '\x01', sizeof(big) - 1);
	kd_log_init("kms-publisher", KD_LOG_INFO);
	kd_log_set_format(KD_LOG_JSON);
	char path[] = "/tmp/test-log-json.XXXXXX";
	capture_start();
	kd_log_kv(KD_LOG_INFO, KD_KV({"a", big}, {"b", big}, {"c", big}, {"d", "last"}), "%s", big);
	char *out = capture_end();
	kd_log_set_format(KD_LOG_TEXT);
	assert_int_equal(strchr(out, '\n') - out, (long)strlen(out) - 1); /* one line */
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, out, strlen(out)), (ssize_t)strlen(out));
	close(fd);
	char cmd[256];
	snprintf(cmd, sizeof(cmd),
	         "python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read()); "
	         "assert d[\"level\"]==\"info\" and len(d[\"msg\"])==2047' %s",
	         path);
	int rc = system(cmd);
	unlink(path);
	assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
	free(out);
}

static void test_format_names(void **state)
{
	kd_log_format_t f;
	assert_int_equal(kd_log_format_parse("json", &f), 0);
	assert_int_equal(f, KD_LOG_JSON);
	assert_int_equal(kd_log_format_parse("text", &f), 0);
	assert_int_equal(f, KD_LOG_TEXT);
	assert_int_equal(kd_log_format_parse("JSON", &f), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_text_plain_messages_unchanged),
	        cmocka_unit_test(test_text_pairs),
	        cmocka_unit_test(test_json),
	        cmocka_unit_test(test_json_long_line_stays_valid),
	        cmocka_unit_test(test_format_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
