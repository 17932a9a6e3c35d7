/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kms-publisher's state file (publisher/state.c): loaded from a file in a private temp dir
 * (pub_state_load: a damaged file is copied to STATE.bad), it must hold what pub_state_parse
 * reads from the same bytes, and what it holds must be written (pub_state_format) as a text
 * that parses again, without a bad line, to the same records and TTLs in the same zones.
 * Each line the quick reader takes (pub_state_quick_record) must be the record ldns's
 * zone-file parser reads from it. Input: the file. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "publisher/state.h"

static char dir[4096], path[4096 + 16];

/* The directory is thrown away: the loader's fsync of the .bad copy (two per damaged file)
 * would cost most of the time and prove nothing here. */
__attribute__((visibility("default"))) int fsync(int fd)
{
	(void)fd;
	return 0;
}

/* Whatever the loader left in the directory goes with it. */
static void cleanup(void)
{
	DIR *d = opendir(dir);
	for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
		if (e->d_name[0] != '.' || (e->d_name[1] != '\0' && strcmp(e->d_name, "..") != 0))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

static const pub_zrrs_t *group(const pub_zoneset_t *s, const char *zone)
{
	long i = pub_zoneset_find(s, zone);
	return i >= 0 ? &s->v[i] : NULL;
}

/* Every non-empty group of a is in b with the same records in the same order. */
static bool within(const pub_zoneset_t *a, const pub_zoneset_t *b)
{
	for (size_t i = 0; i < a->n; i++) {
		const pub_zrrs_t *x = &a->v[i], *y = group(b, x->zone);
		if (x->rrs.n == 0)
			continue;
		if (y == NULL || x->rrs.n != y->rrs.n)
			return false;
		for (size_t k = 0; k < x->rrs.n; k++)
			if (!pub_rr_equal(x->rrs.v[k], y->rrs.v[k]) ||
			    ldns_rr_ttl(x->rrs.v[k]) != ldns_rr_ttl(y->rrs.v[k]))
				return false;
	}
	return true;
}

static bool same(const pub_zoneset_t *a, const pub_zoneset_t *b)
{
	return within(a, b) && within(b, a);
}

/* Every line of data that the quick reader takes gives what ldns gives. */
static void quick_as_ldns(const uint8_t *data, size_t size)
{
	char line[1024];
	for (size_t at = 0; at < size;) {
		const uint8_t *end = memchr(data + at, '\n', size - at);
		size_t n = (end != NULL ? (size_t)(end - data) : size) - at;
		if (n < sizeof(line) && memchr(data + at, '\0', n) == NULL) {
			memcpy(line, data + at, n);
			line[n] = '\0';
			ldns_rr *quick = pub_state_quick_record(line), *want = NULL;
			kd_error_t err;
			if (quick != NULL && (pub_rr_parse(line, NULL, &want, &err) != 0 ||
			                      !pub_rr_equal(quick, want) ||
			                      ldns_rr_ttl(quick) != ldns_rr_ttl(want) ||
			                      ldns_rr_get_type(quick) != ldns_rr_get_type(want)))
				abort();
			for (size_t k = 0; quick != NULL && k < ldns_rr_rd_count(quick); k++)
				if (ldns_rdf_get_type(ldns_rr_rdf(quick, k)) !=
				    ldns_rdf_get_type(ldns_rr_rdf(want, k)))
					abort();
			ldns_rr_free(quick);
			ldns_rr_free(want);
		}
		at += n + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (path[0] == '\0') {
		const char *tmp = getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "%s/kmsdns-fuzz.XXXXXX", tmp != NULL ? tmp : "/tmp");
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(path, sizeof(path), "%s/state", dir);
		atexit(cleanup);
	}
	FILE *f = fopen(path, "w");
	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	quick_as_ldns(data, size);
	pub_zoneset_t loaded = {0}, parsed = {0}, again = {0};
	pub_state_info_t info;
	kd_error_t err = {.code = KD_OK};
	if (pub_state_load(path, &loaded, NULL, NULL, &info, &err) != 0)
		abort(); /* only out of memory or an unwritable directory fail */
	long bad = pub_state_parse((const char *)data, size, &parsed, NULL, NULL);
	if (bad != info.bad_lines || (bad > 0) != info.copied || !same(&loaded, &parsed))
		abort();
	size_t len = 0;
	char *text = pub_state_format(&loaded, &len);
	if (text == NULL || pub_state_parse(text, len, &again, NULL, NULL) != 0 ||
	    !same(&loaded, &again))
		abort(); /* the file it writes would not load back */
	free(text);
	pub_zoneset_free(&loaded);
	pub_zoneset_free(&parsed);
	pub_zoneset_free(&again);
	return 0;
}
