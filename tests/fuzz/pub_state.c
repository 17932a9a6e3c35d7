/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kms-publisher's state file (pub_state_load), read from a file in a private temp dir. What
 * loads must be saved (pub_state_save) as a file that loads again to the same records.
 * Input: the file. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "publisher/state.h"

static char dir[4096], path[4096 + 16], saved[4096 + 16];

/* Whatever the loader and the writer left in the directory goes with it. */
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

static bool same(const pub_rrlist_t *a, const pub_rrlist_t *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!pub_rr_equal(&a->v[i], &b->v[i]) || a->v[i].ttl != b->v[i].ttl ||
		    strcmp(a->v[i].zone, b->v[i].zone) != 0)
			return false;
	return true;
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
		snprintf(saved, sizeof(saved), "%s/saved", dir);
		atexit(cleanup);
	}
	FILE *f = fopen(path, "w");
	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	pub_rrlist_t list = {0}, again = {0};
	char err[512];
	if (pub_state_load(path, &list, err, sizeof(err)) == 0) {
		if (pub_state_save(saved, &list, err, sizeof(err)) != 0 ||
		    pub_state_load(saved, &again, err, sizeof(err)) != 0 || !same(&list, &again))
			abort(); /* the file it writes would not load back */
	}
	pub_rrlist_deinit(&list);
	pub_rrlist_deinit(&again);
	return 0;
}
