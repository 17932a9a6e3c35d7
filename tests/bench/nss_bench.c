/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Cost of a host lookup in one process: getaddrinfo() of NAME, ITERATIONS times per round,
 * ROUNDS rounds; prints the median round's nanoseconds per lookup. tests/bench/nss-bench runs it
 * with and without libnss_kms in nsswitch.conf and reports the ratio. With --module, the
 * module's own gethostbyname4_r is called instead (dlopen()ed from PATH), which is what the
 * module adds to a lookup of a name it does not serve. Usage:
 *   nss_bench [--module PATH] NAME [ITERATIONS [ROUNDS]] */
#include "config.h"

#include <dlfcn.h>
#include <netdb.h>
#include <nss.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

typedef enum nss_status (*byname4_fn)(const char *, struct gaih_addrtuple **, char *, size_t, int *,
                                      int *, int32_t *);
static byname4_fn byname4;

static int lookup(const char *name)
{
	if (byname4 != NULL) {
		char buf[1024];
		struct gaih_addrtuple *pat = NULL;
		int err = 0, herr = 0;
		(void)byname4(name, &pat, buf, sizeof(buf), &err, &herr, NULL);
		return 0;
	}
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	int e = getaddrinfo(name, NULL, &hints, &res);
	if (e != 0) {
		fprintf(stderr, "nss_bench: failed to resolve %s (%s)\n", name, gai_strerror(e));
		return -1;
	}
	freeaddrinfo(res);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "--module") == 0) {
		void *dl = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
		if (dl == NULL ||
		    (byname4 = (byname4_fn)dlsym(dl, "_nss_kms_gethostbyname4_r")) == NULL) {
			fprintf(stderr, "nss_bench: failed to load %s (%s)\n", argv[2], dlerror());
			return 1;
		}
		argc -= 2;
		argv += 2;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: nss_bench [--module PATH] NAME [ITERATIONS [ROUNDS]]\n");
		return 2;
	}
	long iters = argc > 2 ? atol(argv[2]) : 20000;
	int rounds = argc > 3 ? atoi(argv[3]) : 5;
	if (iters < 1 || rounds < 1 || rounds > 99)
		return 2;
	double per[99];
	for (int r = 0; r < rounds; r++) {
		double t0 = now_ns();
		for (long i = 0; i < iters; i++)
			if (lookup(argv[1]) != 0)
				return 1;
		per[r] = (now_ns() - t0) / (double)iters;
	}
	qsort(per, (size_t)rounds, sizeof(per[0]), cmp);
	printf("%.0f\n", per[rounds / 2]);
	return 0;
}
