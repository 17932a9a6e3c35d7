/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The plain driver: feeds every file named on the command line (or found in a directory named
 * there) to LLVMFuzzerTestOneInput once, so `make check` replays the corpora without clang.
 * Each input sits in a buffer of its exact size, so ASan sees any read past its end. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dns/file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	if (kd_file_read(path, 16 * 1024 * 1024, &text, &len) != 0) {
		fprintf(stderr, "failed to read fuzz input %s (%s)\n", path, strerror(errno));
		return -1;
	}
	uint8_t *exact = malloc(len > 0 ? len : 1);
	if (exact == NULL) {
		free(text);
		return -1;
	}
	memcpy(exact, text, len);
	free(text);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every regular file in dir, in name order; the count run in *n. */
static int run_dir(const char *dir, size_t *n)
{
	struct dirent **names = NULL;
	int count = scandir(dir, &names, NULL, by_name);
	if (count < 0) {
		fprintf(stderr, "failed to list fuzz corpus %s (%s)\n", dir, strerror(errno));
		return -1;
	}
	int ret = 0;
	for (int i = 0; i < count; i++) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) != 0)
				ret = -1;
			(*n)++;
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

int main(int argc, char **argv)
{
	size_t n = 0;
	int ret = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &n) != 0)
				ret = 1;
		} else if (run_file(argv[i]) != 0) {
			ret = 1;
		} else {
			n++;
		}
	}
	printf("%s: %zu inputs replayed\n", argv[0], n);
	return ret;
}
