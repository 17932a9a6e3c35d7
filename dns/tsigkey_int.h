/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal to the TSIG key loader: both file formats (tsigkey_bind.c, tsigkey_knot.c) parse into
 * a list of keys (tsigkey.c) with the position of each, then tsigkey_file.c picks the wanted key.
 * The parsers depend on the list, the loader on both: no file depends on one that depends on
 * it. */
#pragma once

#include <stddef.h>

#include "dns/schema.h"
#include "dns/tsigkey.h"

typedef struct {
	kd_tsig_key_t key;
	kd_mark_t mark; /* where the key's definition starts */
} kd_keyent_t;

typedef struct {
	kd_keyent_t *v;
	size_t n, cap;
} kd_keylist_t;

/* Append a key, taking ownership of name and secret (both freed/wiped on failure). Checks the
 * name (a domain name), converts it to lower case without a trailing dot, and rejects a second
 * key of the same name. Returns 0 or -1 with err set at mark. */
int kd_keylist_add(kd_keylist_t *list, const char *file, kd_mark_t mark, char *name,
                   kd_tsig_alg_t alg, char *secret, kd_error_t *err);

/* Deinit every key and free the list. */
void kd_keylist_free(kd_keylist_t *list);

/* Wipe a secret and free it (NULL is fine). */
void kd_tsig_secret_free(char *secret);

/* Parse BIND key statements (tsig-keygen output) into list. */
int kd_tsig_parse_bind(const char *file, const char *buf, size_t len, kd_keylist_t *list,
                       kd_error_t *err);

/* Parse a Knot "key:" section (keymgr -t output) into list. */
int kd_tsig_parse_knot(const char *file, const char *buf, size_t len, kd_keylist_t *list,
                       kd_error_t *err);
