/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TSIG keys: algorithm names and key files in BIND (tsig-keygen) and Knot (keymgr -t) formats.
 * libknot-free. Secrets are wiped on deinit and never printed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/schema.h"

typedef enum {
	KD_TSIG_HMAC_MD5 = 0,
	KD_TSIG_HMAC_SHA1,
	KD_TSIG_HMAC_SHA224,
	KD_TSIG_HMAC_SHA256,
	KD_TSIG_HMAC_SHA384,
	KD_TSIG_HMAC_SHA512,
} kd_tsig_alg_t;

typedef struct {
	char *name; /* key name, lower-case, no trailing dot */
	kd_tsig_alg_t alg;
	char *secret_b64; /* base64 text as configured (validated) */
} kd_tsig_key_t;

/* "hmac-sha256" (also "hmac-sha256." and upper case; "hmac-md5.sig-alg.reg.int" for md5)
 * -> alg. Returns 0 or -1 (out untouched). */
int kd_tsig_alg_from_name(const char *name, kd_tsig_alg_t *out);
/* "hmac-sha256" */
const char *kd_tsig_alg_name(kd_tsig_alg_t alg);
/* Whether text is valid non-empty base64 (padded to a multiple of 4, '=' only at the end). */
bool kd_base64_valid(const char *text);

/* Load a key file in either format. want = key name to pick (NULL: the file must hold exactly
 * one key), compared ignoring case and a trailing dot. Errors name path:line:column and never
 * contain the secret. Returns 0 or -1 with err set (out untouched). The format is Knot's when
 * the first line that is not blank or a '#' comment starts with "key:" or "---". */
int kd_tsig_key_load_file(const char *path, const char *want, kd_tsig_key_t *out, kd_error_t *err);
/* The same from a buffer (name shown in errors). */
int kd_tsig_key_load_buf(const char *name, const char *buf, size_t len, const char *want,
                         kd_tsig_key_t *out, kd_error_t *err);

/* Schema checks (kd_check_fn) for an algorithm name and a base64 secret; a NULL value passes.
 * Neither error message repeats a value that might be a secret. */
int kd_check_tsig_alg(const void *field, char *err, size_t errlen);
int kd_check_tsig_secret(const void *field, char *err, size_t errlen);

/* Wipe the secret and free. */
void kd_tsig_key_deinit(kd_tsig_key_t *key);
