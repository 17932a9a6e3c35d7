/* SPDX-License-Identifier: GPL-3.0-or-later */
/* publisher/privdrop.c: a child started as root drops to nobody; the parent reads its ids in
 * /proc/PID/status. Needs root (tests/run-all runs as root); skipped otherwise. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
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

#include "publisher/privdrop.h"

static void test_lookup(void **state)
{
	pub_user_t u;
	kd_error_t err;
	assert_int_equal(pub_privdrop_lookup("nobody", &u, &err), 0);
	struct passwd *pw = getpwnam("nobody");
	assert_non_null(pw);
	assert_int_equal(u.uid, pw->pw_uid);
	assert_int_equal(u.gid, pw->pw_gid);
	assert_string_equal(u.name, "nobody");
	char num[32];
	snprintf(num, sizeof(num), "%u", (unsigned)pw->pw_uid);
	assert_int_equal(pub_privdrop_lookup(num, &u, &err), 0);
	assert_string_equal(u.name, "nobody");
	assert_int_equal(pub_privdrop_lookup("no-such-user-kmsdns", &u, &err), -1);
	assert_string_equal(err.msg, "failed to find user no-such-user-kmsdns (no such user in "
	                             "the password database)");
}

/* The ids of a line "Uid:\t1\t2\t3\t4" (real, effective, saved, filesystem). */
static void status_ids(pid_t pid, const char *key, unsigned ids[4], char *groups, size_t glen)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	bool found = false;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, key, strlen(key)) == 0) {
			assert_int_equal(sscanf(line + strlen(key), "%u %u %u %u", &ids[0], &ids[1],
			                        &ids[2], &ids[3]),
			                 4);
			found = true;
		}
		if (groups != NULL && strncmp(line, "Groups:", 7) == 0) {
			snprintf(groups, glen, "%s", line + 7);
			size_t n = strcspn(groups, "\n");
			while (n > 0 && (groups[n - 1] == ' ' || groups[n - 1] == '\t'))
				n--;
			groups[n] = '\0';
		}
	}
	fclose(fp);
	assert_true(found);
}

static void test_drop_to_nobody(void **state)
{
	if (geteuid() != 0) {
		fprintf(stderr, "note: not root, the privilege drop cannot be tested\n");
		skip();
	}
	pub_user_t u;
	kd_error_t err;
	assert_int_equal(pub_privdrop_lookup("nobody", &u, &err), 0);
	int ready[2], go[2];
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char res = pub_privdrop_apply(&u, &err) == 0 ? 'y' : 'n';
		if (res == 'n')
			fprintf(stderr, "%s\n", err.msg);
		/* Back to root must fail with an error, not a success. */
		pub_user_t root = {.uid = 0, .gid = 0, .name = "root"};
		if (res == 'y' && pub_privdrop_apply(&root, &err) == 0)
			res = 'r';
		else if (res == 'y' &&
		         strstr(err.msg, "failed to drop privileges to user root (") != err.msg)
			res = 'm';
		(void)!write(ready[1], &res, 1);
		char c;
		(void)!read(go[0], &c, 1); /* stay alive while the parent looks */
		_exit(0);
	}
	char res = 0;
	assert_int_equal(read(ready[0], &res, 1), 1);
	unsigned uid[4], gid[4];
	char groups[512] = "";
	status_ids(pid, "Uid:", uid, NULL, 0);
	status_ids(pid, "Gid:", gid, groups, sizeof(groups));
	(void)!write(go[1], "x", 1);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(res, 'y');
	for (int i = 0; i < 4; i++) {
		assert_int_equal(uid[i], u.uid);
		assert_int_equal(gid[i], u.gid);
	}
	char want[32];
	snprintf(want, sizeof(want), "%u", (unsigned)u.gid);
	assert_string_equal(groups + strspn(groups, " \t"), want);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

static void test_not_root_fails_hard(void **state)
{
	if (geteuid() != 0)
		skip();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pub_user_t nobody, other;
		kd_error_t err;
		if (pub_privdrop_lookup("nobody", &nobody, &err) != 0 ||
		    pub_privdrop_apply(&nobody, &err) != 0)
			_exit(3);
		/* No longer root: dropping to another user must fail at the first step. */
		other = (pub_user_t){.uid = 1, .gid = 1, .name = "daemon"};
		if (pub_privdrop_apply(&other, &err) == 0)
			_exit(4);
		_exit(strcmp(err.msg, "failed to drop privileges to user daemon (setgroups: "
		                      "Operation not permitted)") == 0
		              ? 0
		              : 5);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lookup),
	        cmocka_unit_test(test_drop_to_nobody),
	        cmocka_unit_test(test_not_root_fails_hard),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
