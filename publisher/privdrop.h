/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Dropping root: started as root with `user:` (or -u), kms-publisher reads its configuration
 * and keys and opens what it needs, then becomes that user with its primary group before any
 * network traffic. The steps run in one fixed order (groups, gid, uid) and each must succeed;
 * afterwards every real, effective and saved id is checked and getting root back must fail. */
#pragma once

#include <sys/types.h>

#include "dns/schema.h" /* kd_error_t */

typedef struct {
	uid_t uid;
	gid_t gid; /* the user's primary group */
	char name[64];
} pub_user_t;

/* Look up user (a name, or a numeric uid) in the password database. Returns 0, or -1 with
 * "failed to find user NAME (reason)" in err. */
int pub_privdrop_lookup(const char *user, pub_user_t *out, kd_error_t *err);

/* setgroups(1, {gid}), setresgid(gid), setresuid(uid), in this order, then verify. Returns 0,
 * or -1 with "failed to drop privileges to user NAME (step: reason)" in err; the caller must
 * then exit rather than go on with whatever ids it has. */
int pub_privdrop_apply(const pub_user_t *u, kd_error_t *err);
