/* SPDX-License-Identifier: GPL-3.0-or-later */
/* publisher/prober.c against fake KMS hosts (tests/fake/fake-kms) on 127.0.0.1: verdicts per
 * mode, the concurrency bound, a dead host (SYNs dropped) never delaying a live host's verdict,
 * and the threaded loop. Loops are bounded by deadlines; nothing asserts on elapsed time. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "dns/clock.h"
#include "publisher/prober.h"
#include "tests/fake/fake-kms-spawn.h"

#ifndef FAKE_KMS
#define FAKE_KMS "tests/fake/fake-kms"
#endif
#define DEADLINE_MS 10000

enum { ACK, NAK, GARBAGE, SILENCE, SYNDROP, NMODES };
static const char *const modes[NMODES] = {"ack", "nak", "garbage", "silence", "syndrop"};
static pid_t pids[NMODES];
static kd_addr_t fake[NMODES], closed_port;

static kd_addr_t loopback(uint16_t port)
{
	kd_addr_t a;
	assert_int_equal(kd_addr_parse("127.0.0.1", port, &a), 0);
	return a;
}

static int setup(void **state)
{
	for (int m = 0; m < NMODES; m++) {
		uint16_t port = 0;
		pids[m] = fake_kms_start(FAKE_KMS, "127.0.0.1", modes[m], &port);
		if (pids[m] < 0)
			return -1;
		fake[m] = loopback(port);
	}
	/* A port nothing listens on: bind, learn the port, close. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	socklen_t len = sizeof(sin);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, len) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		return -1;
	close(fd);
	closed_port = loopback(ntohs(sin.sin_port));
	return 0;
}

static int teardown(void **state)
{
	for (int m = 0; m < NMODES; m++)
		fake_kms_stop(pids[m]);
	return 0;
}

typedef struct {
	pub_probe_verdict_t v[512];
	size_t n;
	bool seen[512];
} got_t;

static void collect(void *arg, const pub_probe_verdict_t *v)
{
	got_t *g = arg;
	assert_true(g->n < 512);
	assert_false(g->seen[v->host]); /* one verdict per host per probe (long interval) */
	g->seen[v->host] = true;
	g->v[g->n++] = *v;
}

static const pub_probe_verdict_t *verdict(const got_t *g, size_t host)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].host == host)
			return &g->v[i];
	return NULL;
}

/* Step until want verdicts came (or fail at the deadline). */
static void run_until(pub_prober_t *p, got_t *g, size_t want)
{
	uint64_t end = kd_now_ms() + DEADLINE_MS;
	while (g->n < want) {
		assert_true(kd_now_ms() < end);
		assert_true(pub_prober_step(p, 200, collect, g) >= 0);
	}
}

static void test_verdict_per_mode(void **state)
{
	kd_addr_t two[2] = {fake[SYNDROP], fake[ACK]}; /* first address dead, second alive */
	pub_probe_target_t t[] = {
	        {&fake[ACK], 1, KD_PROBE_RPC, 60000, 1000},
	        {&fake[NAK], 1, KD_PROBE_RPC, 60000, 1000},
	        {&fake[GARBAGE], 1, KD_PROBE_RPC, 60000, 1000},
	        {&fake[SILENCE], 1, KD_PROBE_RPC, 60000, 1000},
	        {&fake[SYNDROP], 1, KD_PROBE_RPC, 60000, 1000},
	        {&closed_port, 1, KD_PROBE_RPC, 60000, 1000},
	        {&fake[SILENCE], 1, KD_PROBE_TCP, 60000, 1000}, /* any listener passes TCP */
	        {two, 2, KD_PROBE_RPC, 60000, 5000},
	        {&fake[ACK], 1, KD_PROBE_NONE, 60000, 1000}, /* not probed */
	        {NULL, 0, KD_PROBE_RPC, 60000, 1000},        /* no address: not probed */
	};
	pub_prober_t *p = pub_prober_new(t, 10, 64, kd_now_ms());
	assert_non_null(p);
	got_t g = {.n = 0};
	run_until(p, &g, 8);
	static const kd_probe_result_t want[] = {
	        KD_PROBE_ALIVE,    KD_PROBE_NAK,     KD_PROBE_GARBAGE, KD_PROBE_TIMEOUT,
	        KD_PROBE_NOANSWER, KD_PROBE_REFUSED, KD_PROBE_ALIVE,   KD_PROBE_ALIVE,
	};
	for (size_t h = 0; h < 8; h++) {
		const pub_probe_verdict_t *v = verdict(&g, h);
		assert_non_null(v);
		if (v->result != want[h])
			fail_msg("host %zu: %s, want %s", h, kd_probe_result_str(v->result),
			         kd_probe_result_str(want[h]));
	}
	/* The two-address host answered through its live address while its dead one hung (5 s
	 * timeout): its verdict came before the SYN-dropping host's (1 s timeout). */
	size_t at7 = (size_t)(verdict(&g, 7) - g.v), at4 = (size_t)(verdict(&g, 4) - g.v);
	assert_true(at7 < at4);
	assert_null(verdict(&g, 8));
	assert_null(verdict(&g, 9));
	assert_int_equal(pub_prober_inflight(p), 0);
	pub_prober_free(p);
}

static void test_concurrency_bound(void **state)
{
	enum { N = 40, LIMIT = 8 };
	pub_probe_target_t t[N];
	for (size_t i = 0; i < N; i++)
		t[i] = (pub_probe_target_t){&fake[SILENCE], 1, KD_PROBE_RPC, 600000, 150};
	pub_prober_t *p = pub_prober_new(t, N, LIMIT, kd_now_ms());
	assert_non_null(p);
	got_t g = {.n = 0};
	uint64_t end = kd_now_ms() + DEADLINE_MS;
	while (g.n < N) {
		assert_true(kd_now_ms() < end);
		assert_true(pub_prober_step(p, 200, collect, &g) >= 0);
		assert_true(pub_prober_inflight(p) <= LIMIT);
	}
	for (size_t i = 0; i < N; i++)
		assert_int_equal(g.v[i].result, KD_PROBE_TIMEOUT);
	assert_int_equal(pub_prober_max_inflight(p), LIMIT); /* reached, never passed */
	pub_prober_free(p);
}

static void test_dead_never_delays_live(void **state)
{
	enum { DEAD = 6, LIVE = 30 };
	pub_probe_target_t t[DEAD + LIVE];
	/* Dead hosts first, so they take their slots before any live host starts. */
	for (size_t i = 0; i < DEAD; i++)
		t[i] = (pub_probe_target_t){&fake[SYNDROP], 1, KD_PROBE_RPC, 600000, 30000};
	for (size_t i = DEAD; i < DEAD + LIVE; i++)
		t[i] = (pub_probe_target_t){&fake[ACK], 1, KD_PROBE_RPC, 600000, 30000};
	pub_prober_t *p = pub_prober_new(t, DEAD + LIVE, 8, kd_now_ms());
	assert_non_null(p);
	got_t g = {.n = 0};
	run_until(p, &g, LIVE);
	/* Every live host has its verdict while every dead host's probe is still running. */
	for (size_t i = DEAD; i < DEAD + LIVE; i++)
		assert_int_equal(verdict(&g, i)->result, KD_PROBE_ALIVE);
	for (size_t i = 0; i < DEAD; i++) {
		assert_null(verdict(&g, i));
		assert_true(pub_prober_busy(p, i));
	}
	assert_int_equal(pub_prober_inflight(p), DEAD);
	pub_prober_free(p); /* cancels the dead hosts' attempts */
}

/* How long a turn may sleep: until the next due probe or expiry, whatever the distance (the
 * thread waits this long; it used to wake every second), and forever with nothing to probe. */
static void test_timeout(void **state)
{
	(void)state;
	uint64_t now = kd_now_ms();
	pub_probe_target_t t[] = {
	        {&fake[SYNDROP], 1, KD_PROBE_RPC, 600000, 5000},
	        {&fake[ACK], 1, KD_PROBE_NONE, 1000, 1000},
	};
	pub_prober_t *p = pub_prober_new(t, 2, 4, now + 600000); /* due in 10 minutes */
	assert_non_null(p);
	assert_int_equal(pub_prober_timeout(p, now, PUB_PROBER_FOREVER), 600000);
	assert_int_equal(pub_prober_timeout(p, now, 200), 200);
	assert_int_equal(pub_prober_timeout(p, now + 700000, PUB_PROBER_FOREVER), 0); /* overdue */
	pub_prober_free(p);

	/* A running attempt: until it expires, 5 s after its start. */
	p = pub_prober_new(t, 2, 4, now);
	assert_non_null(p);
	got_t g = {0};
	uint64_t t0 = kd_now_ms();
	assert_int_equal(pub_prober_step(p, 0, collect, &g), 0);
	uint64_t t1 = kd_now_ms();
	assert_true(pub_prober_busy(p, 0));
	int ms = pub_prober_timeout(p, t0, PUB_PROBER_FOREVER);
	assert_in_range(ms, 5000, 5000 + (t1 - t0));
	pub_prober_free(p);

	p = pub_prober_new(&t[1], 1, 4, now); /* nothing probed */
	assert_non_null(p);
	assert_int_equal(pub_prober_timeout(p, now, PUB_PROBER_FOREVER), -1);
	pub_prober_free(p);
}

static void test_thread(void **state)
{
	pub_probe_target_t t[] = {
	        {&fake[ACK], 1, KD_PROBE_RPC, 100, 1000},
	        {&closed_port, 1, KD_PROBE_RPC, 100, 1000},
	        {&fake[SYNDROP], 1, KD_PROBE_RPC, 60000, 60000},
	};
	pub_prober_t *p = pub_prober_new(t, 3, 4, kd_now_ms());
	assert_non_null(p);
	kd_error_t err;
	assert_int_equal(pub_prober_start(p, &err), 0);
	/* Wait on the fd as the daemon does, until each live/refused host was probed twice
	 * (interval 100 ms: the schedule repeats). */
	unsigned count[3] = {0, 0, 0};
	uint64_t end = kd_now_ms() + DEADLINE_MS;
	while (count[0] < 2 || count[1] < 2) {
		uint64_t now = kd_now_ms();
		assert_true(now < end);
		struct pollfd pfd = {.fd = pub_prober_fd(p), .events = POLLIN};
		if (poll(&pfd, 1, (int)(end - now)) <= 0)
			continue;
		pub_probe_verdict_t v[16];
		size_t n = pub_prober_take(p, v, 16);
		for (size_t i = 0; i < n; i++) {
			count[v[i].host]++;
			assert_int_equal(v[i].result,
			                 v[i].host == 0 ? KD_PROBE_ALIVE : KD_PROBE_REFUSED);
		}
	}
	assert_int_equal(count[2], 0);
	pub_prober_stop(p); /* joins within one turn although an attempt hangs */
	pub_prober_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_verdict_per_mode),
	        cmocka_unit_test(test_concurrency_bound),
	        cmocka_unit_test(test_dead_never_delays_live),
	        cmocka_unit_test(test_timeout),
	        cmocka_unit_test(test_thread),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
