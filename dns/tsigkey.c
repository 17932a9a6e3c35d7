/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/tsigkey.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/array.h"
#include "dns/dname.h"
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

void kd_tsig_secret_free(char *s)
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
	kd_tsig_secret_free(key->secret_b64);
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
	kd_tsig_secret_free(secret);
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

#define ALG_NAMES "hmac-sha256, hmac-sha1, hmac-sha224, hmac-sha384, hmac-sha512, hmac-md5"

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
