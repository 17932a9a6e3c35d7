/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/tsigkey.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dname.h"
#include "dns/file.h"
#include "dns/tsigkey_int.h"

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
