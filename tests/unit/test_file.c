/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns/file.h"

static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/test_file.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static size_t entries(void)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void test_read(void **state)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/r", dir);
	put(path, "a\0b\n", 4); /* binary content is kept, length counts it */
	char *buf = NULL;
	size_t len = 0;
	assert_int_equal(kd_file_read(path, 100, &buf, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "a\0b\n", 5); /* NUL-terminated */
	free(buf);

	put(path, "", 0);
	assert_int_equal(kd_file_read(path, 100, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
}

static void test_read_limits(void **state)
{
	char path[128], text[10000];
	snprintf(path, sizeof(path), "%s/big", dir);
	memset(text, 'y', sizeof(text));
	put(path, text, sizeof(text));
	char *buf = (char *)"untouched";
	size_t len = 7;
	assert_int_equal(kd_file_read(path, sizeof(text), &buf, &len), 0);
	assert_int_equal(len, sizeof(text));
	free(buf);
	buf = (char *)"untouched";
	len = 7;
	errno = 0;
	assert_int_equal(kd_file_read(path, sizeof(text) - 1, &buf, &len), -1);
	assert_int_equal(errno, EFBIG);
	assert_string_equal(buf, "untouched");
	assert_int_equal(len, 7);

	assert_int_equal(kd_file_read(dir, 100, &buf, &len), -1);
	assert_int_equal(errno, EISDIR);
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(kd_file_read(path, 100, &buf, &len), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_read_pipe(void **state)
{
	/* A pipe has no size: read to its end, and the limit still holds. */
	int p[2];
	assert_int_equal(pipe(p), 0);
	char text[6000];
	memset(text, 'z', sizeof(text));
	assert_int_equal(write(p[1], text, sizeof(text)), (ssize_t)sizeof(text));
	close(p[1]);
	char *buf = NULL;
	size_t len = 0;
	assert_int_equal(kd_file_read_fd(p[0], 1 << 20, &buf, &len), 0);
	assert_int_equal(len, sizeof(text));
	assert_memory_equal(buf, text, sizeof(text));
	free(buf);
	close(p[0]);

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], text, sizeof(text)), (ssize_t)sizeof(text));
	close(p[1]);
	assert_int_equal(kd_file_read_fd(p[0], 5000, &buf, &len), -1);
	assert_int_equal(errno, EFBIG);
	close(p[0]);
}

static void test_write_atomic(void **state)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/w", dir);
	mode_t old = umask(077);
	assert_int_equal(kd_file_write_atomic(path, "first\n", 6, 0644), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644); /* the caller's mode, whatever the umask */
	umask(old);

	/* A reader that opened the old file keeps reading it whole; a new open sees the new. */
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(kd_file_write_atomic(path, "second text\n", 12, 0600), 0);
	char buf[32] = "";
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 6);
	assert_string_equal(buf, "first\n");
	close(fd);
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(kd_file_read(path, 100, &text, &len), 0);
	assert_string_equal(text, "second text\n");
	free(text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(entries(), 1); /* no temporary file left */
}

static void test_write_fails(void **state)
{
	char path[128];
	/* The directory does not exist. */
	snprintf(path, sizeof(path), "%s/none/w", dir);
	errno = 0;
	assert_int_equal(kd_file_write_atomic(path, "x", 1, 0600), -1);
	assert_int_equal(errno, ENOENT);
	/* The target is a directory: rename fails, the temporary file is removed. */
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	size_t before = entries();
	assert_int_equal(kd_file_write_atomic(path, "x", 1, 0600), -1);
	assert_int_equal(errno, EISDIR);
	assert_int_equal(entries(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_read, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_read_limits, setup, teardown),
	        cmocka_unit_test(test_read_pipe),
	        cmocka_unit_test_setup_teardown(test_write_atomic, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_write_fails, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
