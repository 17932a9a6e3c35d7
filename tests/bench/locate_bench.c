/* SPDX-License-Identifier: GPL-3.0-or-later */
/* In-process timing of libkmslocate for tests/bench/failover-bench (process start-up is left
 * out: on a loaded machine it alone varies by hundreds of milliseconds). Usage:
 *   locate_bench connect CONFIG DOMAIN STATE RUNS
 *     RUNS times: a fresh state file, kmsl_connect (the first call), then kmsl_connect again
 *     with the state kept (the second call); one line per run:
 *       "FIRST_MS RC1 TARGET1 SECOND_MS RC2 TARGET2" (RC: 0 connected, 1 no host answered)
 *   locate_bench candidates CONFIG DOMAIN STATE N
 *     one kmsl_connect to warm the state file (answers cached), then N kmsl_candidates calls;
 *     prints the CPU time (user + system) per call in microseconds and the wall time. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "resolver-plugin/kmslocate.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static kmsl_ctx_t *setup(const char *config, const char *domain, const char *state)
{
	kmsl_ctx_t *ctx;
	char err[512];
	if (kmsl_ctx_new(&ctx) != KMSL_OK)
		return NULL;
	if (kmsl_ctx_load_config(ctx, config, err, sizeof(err)) != KMSL_OK ||
	    kmsl_add_domain(ctx, domain, NULL) != KMSL_OK ||
	    kmsl_set_state_path(ctx, state) != KMSL_OK) {
		fprintf(stderr, "locate_bench: failed to set up (%s)\n", err);
		kmsl_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

/* One kmsl_connect: milliseconds taken, rc 0/1/other, the chosen target. */
static double one(kmsl_ctx_t *ctx, int *rc, char *target, size_t len)
{
	int fd = -1;
	kmsl_host_t h;
	double s = now_ms();
	kmsl_err_t err = kmsl_connect(ctx, &fd, &h);
	double took = now_ms() - s;
	*rc = err == KMSL_OK ? 0 : err == KMSL_ENOALIVE ? 1 : 3;
	snprintf(target, len, "%s", err == KMSL_OK ? h.target : "-");
	if (fd >= 0)
		close(fd);
	return took;
}

static void forget(const char *state)
{
	char lock[4200];
	unlink(state);
	snprintf(lock, sizeof(lock), "%s.lock", state);
	unlink(lock);
}

int main(int argc, char **argv)
{
	if (argc != 6 || (strcmp(argv[1], "connect") != 0 && strcmp(argv[1], "candidates") != 0)) {
		fprintf(stderr, "usage: locate_bench connect|candidates CONFIG DOMAIN STATE N\n");
		return 2;
	}
	long n = atol(argv[5]);
	kmsl_ctx_t *ctx = setup(argv[2], argv[3], argv[4]);
	if (ctx == NULL || n < 1)
		return 2;
	char t1[256], t2[256];
	int rc1, rc2;
	if (strcmp(argv[1], "connect") == 0) {
		for (long i = 0; i < n; i++) {
			forget(argv[4]);
			double a = one(ctx, &rc1, t1, sizeof(t1));
			double b = one(ctx, &rc2, t2, sizeof(t2));
			printf("%.3f %d %s %.3f %d %s\n", a, rc1, t1, b, rc2, t2);
		}
		kmsl_ctx_free(ctx);
		return 0;
	}
	forget(argv[4]);
	one(ctx, &rc1, t1, sizeof(t1));
	if (rc1 != 0) {
		fprintf(stderr, "locate_bench: the warm-up found no host\n");
		return 1;
	}
	double c0 = cpu_us(), w0 = now_ms();
	for (long i = 0; i < n; i++) {
		kmsl_list_t *list = NULL;
		if (kmsl_candidates(ctx, &list) != KMSL_OK || kmsl_list_count(list) == 0) {
			fprintf(stderr, "locate_bench: kmsl_candidates failed\n");
			return 1;
		}
		kmsl_list_free(list);
	}
	printf("%.1f %.1f\n", (cpu_us() - c0) / (double)n, (now_ms() - w0) * 1e3 / (double)n);
	kmsl_ctx_free(ctx);
	return 0;
}
