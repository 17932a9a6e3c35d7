/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The baseline of the publisher's health round in tests/bench/pub-bench: the same DCE/RPC
 * bind probes (dns/probe.h's kd_attempt, as the prober does them) in the simplest loop, one
 * host after the other, nothing else. Usage:
 *   probe_loop ADDRFILE ROUNDS
 *     ADDRFILE: one "address@port" a line. Probes every address ROUNDS times and prints the
 *     CPU time (user + system) per round in milliseconds, the probes that answered and the
 *     wall time per round; exits 1 when a probe failed. */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "dns/addr.h"
#include "dns/array.h"
#include "dns/clock.h"
#include "dns/probe.h"

#define TIMEOUT_MS 2000

static double cpu_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static bool probe(const kd_addr_t *addr)
{
	kd_attempt_t a = {0};
	kd_attempt_start(&a, addr, KD_PROBE_RPC, kd_now_ms() + TIMEOUT_MS);
	while (!kd_attempt_done(&a)) {
		struct pollfd p = {.fd = a.fd, .events = kd_attempt_events(&a)};
		uint64_t now = kd_now_ms();
		if (kd_attempt_expire(&a, now))
			break;
		if (poll(&p, 1, (int)(a.expires - now)) > 0)
			kd_attempt_step(&a);
	}
	bool alive = a.result == KD_PROBE_ALIVE;
	kd_attempt_release(&a);
	return alive;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: probe_loop ADDRFILE ROUNDS\n");
		return 2;
	}
	FILE *fp = fopen(argv[1], "r");
	if (fp == NULL) {
		perror(argv[1]);
		return 2;
	}
	kd_addr_t *addrs = NULL;
	size_t n = 0, cap = 0;
	char line[128];
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		kd_addr_t *v = kd_array_reserve(addrs, &cap, n + 1, sizeof(*v));
		if (v == NULL || kd_addr_parse(line, 1688, &v[n]) != 0) {
			fprintf(stderr, "probe_loop: failed to parse address %s\n", line);
			return 2;
		}
		addrs = v;
		n++;
	}
	fclose(fp);
	long rounds = atol(argv[2]);
	size_t alive = 0;
	uint64_t t0 = kd_now_ms();
	double c0 = cpu_ms();
	for (long r = 0; r < rounds; r++)
		for (size_t i = 0; i < n; i++)
			alive += probe(&addrs[i]);
	double cpu = cpu_ms() - c0;
	uint64_t wall = kd_now_ms() - t0;
	printf("%.2f %zu %.1f\n", rounds > 0 ? cpu / (double)rounds : 0.0, alive,
	       rounds > 0 ? (double)wall / (double)rounds : 0.0);
	free(addrs);
	return alive == n * (size_t)rounds ? 0 : 1;
}
