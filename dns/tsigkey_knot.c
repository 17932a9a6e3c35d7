/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>

#include "dns/schema.h"
#include "dns/tsigkey_int.h"

/* Knot's "key:" section, loaded with the schema loader. */
typedef struct {
	char *id;
	char *algorithm;
	char *secret;
	kd_mark_t mark;
} knot_key_t;

typedef struct {
	knot_key_t *keys;
	size_t n;
} knot_file_t;

static const kd_schema_t knot_key_schema[] = {
        {.key = "id", .type = KD_T_STR, .offset = offsetof(knot_key_t, id), .flags = KD_F_REQUIRED},
        {.key = "algorithm",
         .type = KD_T_STR,
         .offset = offsetof(knot_key_t, algorithm),
         .flags = KD_F_REQUIRED,
         .check = kd_check_tsig_alg},
        {.key = "secret",
         .type = KD_T_STR,
         .offset = offsetof(knot_key_t, secret),
         .flags = KD_F_REQUIRED | KD_F_SECRET,
         .check = kd_check_tsig_secret},
        {.key = "", .type = KD_T_MARK, .offset = offsetof(knot_key_t, mark)},
        {.key = NULL},
};

static const kd_schema_t knot_file_schema[] = {
        {.key = "key",
         .type = KD_T_SEQ,
         .offset = offsetof(knot_file_t, keys),
         .count_offset = offsetof(knot_file_t, n),
         .flags = KD_F_REQUIRED,
         .sub = knot_key_schema,
         .elem_size = sizeof(knot_key_t)},
        {.key = NULL},
};

int kd_tsig_parse_knot(const char *file, const char *buf, size_t len, kd_keylist_t *list,
                       kd_error_t *err)
{
	knot_file_t kf;
	if (kd_schema_load_buf(knot_file_schema, file, buf, len, &kf, err) != 0)
		return -1;
	int ret = 0;
	for (size_t i = 0; i < kf.n; i++) {
		knot_key_t *k = &kf.keys[i];
		kd_tsig_alg_t alg = KD_TSIG_HMAC_SHA256;
		kd_tsig_alg_from_name(k->algorithm, &alg); /* checked by kd_check_tsig_alg */
		ret = kd_keylist_add(list, file, k->mark, k->id, alg, k->secret, err);
		k->id = NULL;
		k->secret = NULL;
		if (ret != 0)
			break;
	}
	kd_schema_free(knot_file_schema, &kf); /* wipes the secrets not handed over */
	return ret;
}
