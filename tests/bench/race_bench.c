/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Time to find a live KMS host when the first two candidates of a priority group drop SYNs:
 * kd_race with a 250 ms stagger against a sequential client (attempt delay = timeout, one
 * attempt at a time), in the same run on the same hosts. Usage:
 *   race_bench [--runs N] [--timeout MS] [--fake PATH]
 * Defaults: 2 runs each, 2000 ms attempt timeout (the locate.yaml default); about 10 s. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns/probe.h"
#include "tests/fake/fake-kms-spawn.h"

#define STAGGER_MS 250
#define N_TARGETS  3

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static kd_race_target_t target4(const char *ip, uint16_t port)
{
	kd_race_target_t t = {.group = 0};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&t.addr.ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	inet_pton(AF_INET, ip, &s4->sin_addr);
	t.addr.len = sizeof(*s4);
	return t;
}

/* Mean seconds per run to find the live host (index 2); -1 if it was not found. */
static double measure(const kd_race_target_t *t, const kd_race_opts_t *o, int runs)
{
	double total = 0;
	for (int i = 0; i < runs; i++) {
		kd_probe_result_t res[N_TARGETS];
		int fd = -1;
		double start = now_s();
		long won = kd_race(t, N_TARGETS, o, res, &fd);
		total += now_s() - start;
		if (won != 2) {
			fprintf(stderr, "race_bench: run %d chose %ld, not the live host\n", i,
			        won);
			return -1;
		}
		close(fd);
	}
	return total / runs;
}

int main(int argc, char **argv)
{
	const char *fake = FAKE_KMS;
	int runs = 2;
	uint64_t timeout = 2000;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--runs") == 0)
			runs = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--timeout") == 0)
			timeout = strtoull(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--fake") == 0)
			fake = argv[i + 1];
	}
	if (runs < 1 || timeout < STAGGER_MS || argc % 2 == 0) {
		fprintf(stderr, "usage: race_bench [--runs N] [--timeout MS>=%d] [--fake PATH]\n",
		        STAGGER_MS);
		return 2;
	}

	static const char *const ips[N_TARGETS] = {"127.0.0.3", "127.0.0.4", "127.0.0.5"};
	static const char *const modes[N_TARGETS] = {"syndrop", "syndrop", "ack"};
	pid_t pids[N_TARGETS];
	kd_race_target_t t[N_TARGETS];
	int rc = 0;
	for (int i = 0; i < N_TARGETS; i++) {
		uint16_t port = 0;
		pids[i] = fake_kms_start(fake, ips[i], modes[i], &port);
		if (pids[i] < 0) {
			fprintf(stderr, "race_bench: failed to start %s --mode %s\n", fake,
			        modes[i]);
			rc = 1;
		}
		t[i] = target4(ips[i], port);
	}

	kd_race_opts_t racing = {KD_PROBE_RPC, STAGGER_MS, timeout, 4 * timeout, NULL, NULL};
	kd_race_opts_t sequential = {KD_PROBE_RPC, timeout, timeout, 4 * timeout, NULL, NULL};
	double r = rc == 0 ? measure(t, &racing, runs) : -1;
	double s = r >= 0 ? measure(t, &sequential, runs) : -1;
	if (r > 0 && s > 0) {
		printf("race_bench: live host behind 2 SYN-dropping ones, %d runs, timeout %llu "
		       "ms\n",
		       runs, (unsigned long long)timeout);
		printf("  racing (%d ms stagger): %.3f s\n", STAGGER_MS, r);
		printf("  sequential            : %.3f s\n", s);
		printf("  speed-up              : %.1fx\n", s / r);
	} else {
		rc = 1;
	}
	for (int i = 0; i < N_TARGETS; i++)
		fake_kms_stop(pids[i]);
	return rc;
}
