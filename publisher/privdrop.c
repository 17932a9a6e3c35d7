/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/num.h"

int pub_privdrop_lookup(const char *user, pub_user_t *out, kd_error_t *err)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	uint64_t num;
	int rc;
	errno = 0;
	if (kd_num_parse(user, 0, UINT32_MAX - 1, &num) == 0)
		rc = getpwuid_r((uid_t)num, &pw, buf, sizeof(buf), &res);
	else
		rc = getpwnam_r(user, &pw, buf, sizeof(buf), &res);
	if (res == NULL) {
		snprintf(err->msg, sizeof(err->msg), "failed to find user %s (%s)", user,
		         rc != 0 ? strerror(rc) : "no such user in the password database");
		return -1;
	}
	if (strlen(pw.pw_name) >= sizeof(out->name)) {
		snprintf(err->msg, sizeof(err->msg), "failed to find user %s (name too long)",
		         user);
		return -1;
	}
	out->uid = pw.pw_uid;
	out->gid = pw.pw_gid;
	snprintf(out->name, sizeof(out->name), "%s", pw.pw_name);
	return 0;
}

static int fail(const pub_user_t *u, const char *step, int e, kd_error_t *err)
{
	snprintf(err->msg, sizeof(err->msg), "failed to drop privileges to user %s (%s: %s)",
	         u->name, step, e != 0 ? strerror(e) : "ids did not change");
	return -1;
}

int pub_privdrop_apply(const pub_user_t *u, kd_error_t *err)
{
	/* Groups first: once the uid is gone, the groups can no longer be changed. */
	if (setgroups(1, &u->gid) != 0)
		return fail(u, "setgroups", errno, err);
	if (setresgid(u->gid, u->gid, u->gid) != 0)
		return fail(u, "setresgid", errno, err);
	if (setresuid(u->uid, u->uid, u->uid) != 0)
		return fail(u, "setresuid", errno, err);

	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
		return fail(u, "getresuid", errno, err);
	if (ru != u->uid || eu != u->uid || su != u->uid || rg != u->gid || eg != u->gid ||
	    sg != u->gid)
		return fail(u, "verify", 0, err);
	gid_t groups[2];
	int n = getgroups(2, groups);
	if (n < 0 || (n == 1 && groups[0] != u->gid) || n > 1)
		return fail(u, "verify groups", n < 0 ? errno : 0, err);
	/* Root must be out of reach now. */
	if (u->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		return fail(u, "verify that root is gone", 0, err);
	if (u->gid != 0 && u->uid != 0 && (setgid(0) == 0 || setegid(0) == 0))
		return fail(u, "verify that group root is gone", 0, err);
	return 0;
}
