/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/tsigkey.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/array.h"
#include "dns/dname.h"
#include "dns/file.h"
#include "dns/schema_int.h"
#include "dns/tsigkey_int.h"

static const struct {
	const char *name;
	kd_tsig_alg_t alg;
} alg_names[] = {
        {"hmac-md5", KD_TSIG_HMAC_MD5},       {"hmac-md5.sig-alg.reg.int", KD_TSIG_HMAC_MD5},
        {"hmac-sha1", KD_TSIG_HMAC_SHA1},     {"hmac-sha224", KD_TSIG_HMAC_SHA224},
        {"hmac-sha256", KD_TSIG_HMAC_SHA256}, {"hmac-sha384", KD_TSIG_HMAC_SHA384},
        {"hmac-sha512", KD_TSIG_HMAC_SHA512},
};

int kd_tsig_alg_from_name(const char *name, kd_tsig_alg_t *out)
{
	if (name == NULL)
		return -1;
	size_t len = strlen(name);
	if (len > 0 && name[len - 1] == '.')
		len--;
	for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
		if (strlen(alg_names[i].name) == len &&
		    strncasecmp(name, alg_names[i].name, len) == 0) {
			*out = alg_names[i].alg;
			return 0;
		}
	}
	return -1;
}

const char *kd_tsig_alg_name(kd_tsig_alg_t alg)
{
	switch (alg) {
	case KD_TSIG_HMAC_MD5: return "hmac-md5";
	case KD_TSIG_HMAC_SHA1: return "hmac-sha1";
	case KD_TSIG_HMAC_SHA224: return "hmac-sha224";
	case KD_TSIG_HMAC_SHA256: return "hmac-sha256";
	case KD_TSIG_HMAC_SHA384: return "hmac-sha384";
	case KD_TSIG_HMAC_SHA512: return "hmac-sha512";
	}
	return "unknown";
}

bool kd_base64_valid(const char *text)
{
	if (text == NULL)
		return false;
	size_t len = strlen(text);
	if (len == 0 || len % 4 != 0)
		return false;
	size_t pad = 0;
	while (pad < 2 && text[len - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < len - pad; i++) {
		unsigned char c = (unsigned char)text[i];
		if (!isalnum(c) && c != '+' && c != '/')
			return false;
	}
	return true;
}

static void wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void kd_tsig_key_deinit(kd_tsig_key_t *key)
{
	if (key == NULL)
		return;
	free(key->name);
	wipe_free(key->secret_b64);
	key->name = NULL;
	key->secret_b64 = NULL;
}

int kd_keylist_add(kd_keylist_t *list, const char *file, kd_mark_t mark, char *name,
                   kd_tsig_alg_t alg, char *secret, kd_error_t *err)
{
	/* The name is not echoed when invalid: it might be a misplaced secret. */
	char text[KD_DNAME_STRLEN];
	if (!kd_dname_valid(name) || strcmp(name, ".") == 0 ||
	    kd_dname_text(name, text, sizeof(text)) != 0) {
		kd_error_set(err, file, mark, "invalid TSIG key name");
		goto fail;
	}
	strcpy(name, text); /* never longer: the name was valid as it stands */
	for (size_t i = 0; i < list->n; i++) {
		if (strcmp(list->v[i].key.name, name) == 0) {
			kd_error_set(err, file, mark, "duplicate TSIG key '%s'", name);
			goto fail;
		}
	}
	kd_keyent_t *v = kd_array_reserve(list->v, &list->cap, list->n + 1, sizeof(*v));
	if (v == NULL) {
		kd_error_set(err, file, mark, "out of memory");
		goto fail;
	}
	list->v = v;
	v[list->n].key = (kd_tsig_key_t){.name = name, .alg = alg, .secret_b64 = secret};
	v[list->n].mark = mark;
	list->n++;
	return 0;
fail:
	free(name);
	wipe_free(secret);
	return -1;
}

void kd_keylist_free(kd_keylist_t *list)
{
	for (size_t i = 0; i < list->n; i++)
		kd_tsig_key_deinit(&list->v[i].key);
	free(list->v);
	list->v = NULL;
	list->n = 0;
	list->cap = 0;
}

/* Knot's "key:" section, loaded with the schema loader. */
typedef struct {
	char *id;
	char *algorithm;
	char *secret;
	kd_mark_t mark;
} knot_key_t;

#define ALG_NAMES "hmac-sha256, hmac-sha1, hmac-sha224, hmac-sha384, hmac-sha512, hmac-md5"

typedef struct {
	knot_key_t *keys;
	size_t n;
} knot_file_t;

int kd_check_tsig_alg(const void *field, char *err, size_t errlen)
{
	const char *name = *(char *const *)field;
	kd_tsig_alg_t alg;
	if (name == NULL || kd_tsig_alg_from_name(name, &alg) == 0)
		return 0;
	/* Echo only what looks like an algorithm name, never a misplaced secret. */
	if (strncasecmp(name, "hmac-", 5) == 0 && strlen(name) < 40)
		snprintf(err, errlen, "unknown TSIG algorithm '%s' (%s)", name, ALG_NAMES);
	else
		snprintf(err, errlen, "unknown TSIG algorithm (%s)", ALG_NAMES);
	return -1;
}

int kd_check_tsig_secret(const void *field, char *err, size_t errlen)
{
	const char *secret = *(char *const *)field;
	if (secret == NULL || kd_base64_valid(secret))
		return 0;
	snprintf(err, errlen, "invalid base64 secret"); /* never echo the value */
	return -1;
}

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
         .flags = KD_F_REQUIRED,
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
	for (size_t i = 0; i < kf.n; i++) {
		wipe_free(kf.keys[i].secret);
		kf.keys[i].secret = NULL;
	}
	kd_schema_free(knot_file_schema, &kf);
	return ret;
}

/* Knot's format when the first line that is not blank or a '#' comment starts a YAML mapping
 * with "key:" or a document with "---". */
static bool looks_like_knot(const char *buf, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t eol = i;
		while (eol < len && buf[eol] != '\n')
			eol++;
		size_t j = i;
		while (j < eol && isspace((unsigned char)buf[j]))
			j++;
		if (j < eol && buf[j] != '#') {
			size_t n = eol - j;
			return (n >= 4 && memcmp(buf + j, "key:", 4) == 0) ||
			       (n >= 3 && memcmp(buf + j, "---", 3) == 0);
		}
		i = eol + 1;
	}
	return false;
}

static int pick_key(const char *file, kd_keylist_t *list, const char *want, kd_tsig_key_t *out,
                    kd_error_t *err)
{
	kd_mark_t none = {0, 0};
	size_t idx = list->n;
	if (list->n == 0) {
		kd_error_set(err, file, none, "no TSIG key in file");
		return -1;
	}
	if (want == NULL) {
		if (list->n == 1) {
			idx = 0;
		} else {
			kd_error_set(err, file, none,
			             "file holds %zu TSIG keys ('%s', '%s'%s); name the one to use",
			             list->n, list->v[0].key.name, list->v[1].key.name,
			             list->n > 2 ? ", ..." : "");
			return -1;
		}
	}
	for (size_t i = 0; want != NULL && i < list->n; i++)
		if (kd_dname_equal(list->v[i].key.name, want))
			idx = i;
	if (idx == list->n) {
		kd_error_set(err, file, none, "TSIG key '%s' not found in file", want);
		return -1;
	}
	*out = list->v[idx].key;
	/* The chosen key now belongs to out: take it off the list before freeing the rest. */
	list->v[idx] = list->v[list->n - 1];
	list->n--;
	return 0;
}

int kd_tsig_key_load_buf(const char *name, const char *buf, size_t len, const char *want,
                         kd_tsig_key_t *out, kd_error_t *err)
{
	if (name == NULL)
		name = "(input)";
	kd_keylist_t list = {NULL, 0, 0};
	int ret;
	if (looks_like_knot(buf, len))
		ret = kd_tsig_parse_knot(name, buf, len, &list, err);
	else
		ret = kd_tsig_parse_bind(name, buf, len, &list, err);
	if (ret == 0)
		ret = pick_key(name, &list, want, out, err);
	kd_keylist_free(&list);
	return ret;
}

int kd_tsig_key_load_file(const char *path, const char *want, kd_tsig_key_t *out, kd_error_t *err)
{
	char *buf = NULL;
	size_t len = 0;
	if (kd_file_read(path, KD_FILE_CONF_MAX, &buf, &len) != 0) {
		kd_error_set(err, path, (kd_mark_t){0, 0}, "failed to read TSIG key file (%s)",
		             strerror(errno));
		return -1;
	}
	int ret = kd_tsig_key_load_buf(path, buf, len, want, out, err);
	explicit_bzero(buf, len);
	free(buf);
	return ret;
}
