/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dns/probe: the DCE/RPC bind PDU, the reply judge and kd_race against loopback hosts
 * (forked tests/fake/fake-kms plus in-process listeners). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "dns/probe.h"
#include "tests/fake/fake-kms-spawn.h"

#define LONG_TIMEOUT_MS  30000
#define LONG_DEADLINE_MS 60000

/* A realistic bind_ack: secondary address "1688\0", one pad byte, one accepting result. */
/* clang-format off */
static const uint8_t ACK[60] = {
	0x05, 0x00, 0x0c, 0x03, 0x10, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0xd0, 0x16, 0xd0, 0x16, 0xb7, 0x1a, 0x01, 0x00, 0x05, 0x00, '1', '6', '8', '8', 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
	0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, 0x02, 0x00, 0x00, 0x00,
};
static const uint8_t NAK[21] = {
	0x05, 0x00, 0x0d, 0x03, 0x10, 0x00, 0x00, 0x00, 0x15, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x05, 0x00,
};
/* clang-format on */
enum { ACK_N_RESULTS = 32, ACK_RESULT = 36, ACK_SEC_LEN = 24 };

/* Judge a copy in an exactly sized heap buffer, so a sanitizer sees any read past the end. */
static kd_probe_result_t judge(const uint8_t *buf, size_t len, int *need_more)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	assert_non_null(copy);
	memcpy(copy, buf, len);
	kd_probe_result_t res = kd_rpc_bind_judge(copy, len, need_more);
	free(copy);
	return res;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | (uint32_t)le16(p + 2) << 16;
}

static void test_bind_build(void **state)
{
	static const uint8_t kms_uuid[16] = {0x75, 0x21, 0xc8, 0x51, 0x4e, 0x84, 0x50, 0x47,
	                                     0xb0, 0xd8, 0xec, 0x25, 0x55, 0x55, 0xbc, 0x06};
	static const uint8_t ndr_uuid[16] = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
	                                     0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60};
	uint8_t b[128];
	memset(b, 0xee, sizeof(b));
	size_t n = kd_rpc_bind_build(b, sizeof(b), 0x01020304);
	assert_int_equal(n, 72);
	assert_int_equal(b[0], 5);    /* rpc_vers */
	assert_int_equal(b[1], 0);    /* rpc_vers_minor */
	assert_int_equal(b[2], 11);   /* bind */
	assert_int_equal(b[3], 0x03); /* first + last fragment */
	assert_int_equal(b[4], 0x10); /* little-endian, ASCII */
	assert_int_equal(b[5] | b[6] | b[7], 0);
	assert_int_equal(le16(b + 8), 72); /* frag_length */
	assert_int_equal(le16(b + 10), 0); /* auth_length */
	assert_int_equal(le32(b + 12), 0x01020304);
	assert_int_equal(le16(b + 16), 5840);
	assert_int_equal(le16(b + 18), 5840);
	assert_int_equal(le32(b + 20), 0); /* assoc_group_id */
	assert_int_equal(b[24], 1);        /* n_context_elem */
	assert_int_equal(le16(b + 28), 0); /* p_cont_id */
	assert_int_equal(b[30], 1);        /* n_transfer_syn */
	assert_memory_equal(b + 32, kms_uuid, 16);
	assert_int_equal(le16(b + 48), 1); /* v1.0 */
	assert_int_equal(le16(b + 50), 0);
	assert_memory_equal(b + 52, ndr_uuid, 16);
	assert_int_equal(le16(b + 68), 2); /* v2.0 */
	assert_int_equal(le16(b + 70), 0);
	assert_int_equal(b[72], 0xee); /* nothing written past the PDU */

	assert_int_equal(kd_rpc_bind_build(b, 71, 1), 0);
	assert_int_equal(kd_rpc_bind_build(b, 72, 1), 72);
}

static void test_judge_ack_nak(void **state)
{
	int more = -1;
	assert_int_equal(judge(ACK, sizeof(ACK), &more), KD_PROBE_ALIVE);
	assert_int_equal(more, 0);

	uint8_t b[sizeof(ACK) + 8];
	memcpy(b, ACK, sizeof(ACK));
	b[ACK_RESULT] = 2; /* provider rejection */
	assert_int_equal(judge(b, sizeof(ACK), &more), KD_PROBE_NAK);
	b[ACK_RESULT] = 3; /* negotiate_ack is not acceptance either */
	assert_int_equal(judge(b, sizeof(ACK), &more), KD_PROBE_NAK);

	assert_int_equal(judge(NAK, sizeof(NAK), &more), KD_PROBE_NAK);
	assert_int_equal(more, 0);

	/* Trailing bytes after frag_length belong to the next PDU. */
	memcpy(b, ACK, sizeof(ACK));
	memset(b + sizeof(ACK), 0xff, 8);
	assert_int_equal(judge(b, sizeof(b), &more), KD_PROBE_ALIVE);

	/* Empty secondary address: the result list starts after two pad bytes at offset 28. */
	uint8_t e[56] = {0};
	memcpy(e, ACK, 24);
	e[8] = sizeof(e);
	e[28] = 1;
	memcpy(e + 36, ACK + 40, 20);
	assert_int_equal(judge(e, sizeof(e), &more), KD_PROBE_ALIVE);
	e[32] = 1; /* result 1: user rejection */
	assert_int_equal(judge(e, sizeof(e), &more), KD_PROBE_NAK);
}

static void test_judge_truncated(void **state)
{
	int more;
	for (size_t len = 0; len < sizeof(ACK); len++) {
		more = 0;
		judge(ACK, len, &more);
		assert_int_equal(more, 1);
	}
	for (size_t len = 0; len < sizeof(NAK); len++) {
		more = 0;
		judge(NAK, len, &more);
		assert_int_equal(more, 1);
	}
}

static void test_judge_garbage(void **state)
{
	int more;
	/* Recognised from the very first byte: no waiting for a frag_length. */
	assert_int_equal(judge((const uint8_t *)"S", 1, &more), KD_PROBE_GARBAGE);
	assert_int_equal(more, 0);
	assert_int_equal(judge((const uint8_t *)"SSH-2.0-x\r\n", 11, &more), KD_PROBE_GARBAGE);
	assert_int_equal(more, 0);

	struct {
		size_t at;
		uint8_t val;
	} bad[] = {
	        {0, 4},              /* rpc_vers */
	        {1, 1},              /* rpc_vers_minor */
	        {2, 2},              /* response, not a bind reply */
	        {2, 11},             /* a bind request echoed back */
	        {8, 15},             /* frag_length below the header */
	        {8, 40},             /* frag_length cuts the result list */
	        {ACK_N_RESULTS, 0},  /* no result for our context */
	        {ACK_N_RESULTS, 2},  /* two results, only one present */
	        {ACK_SEC_LEN, 0xff}, /* secondary address runs past frag_length */
	        {10, 40},            /* auth_length bigger than the body */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t b[sizeof(ACK)];
		memcpy(b, ACK, sizeof(b));
		b[bad[i].at] = bad[i].val;
		more = -1;
		assert_int_equal(judge(b, sizeof(b), &more), KD_PROBE_GARBAGE);
		assert_int_equal(more, 0);
	}

	/* frag_length above our max_recv_frag (or 0xffff) is garbage at once, not "read more". */
	uint16_t big[] = {KD_RPC_MAX_FRAG + 1, 0xffff};
	for (size_t i = 0; i < 2; i++) {
		uint8_t b[sizeof(ACK)];
		memcpy(b, ACK, sizeof(b));
		b[8] = big[i] & 0xff;
		b[9] = big[i] >> 8;
		more = -1;
		assert_int_equal(judge(b, sizeof(b), &more), KD_PROBE_GARBAGE);
		assert_int_equal(more, 0);
	}

	/* bind_nak too short to hold its reason */
	uint8_t n[17];
	memcpy(n, NAK, sizeof(n));
	n[8] = sizeof(n);
	assert_int_equal(judge(n, sizeof(n), &more), KD_PROBE_GARBAGE);
}

/* Mutations of a valid reply and random bytes: whatever the verdict, never read outside the
 * buffer (run under --enable-sanitizers to make this bite) and never ask for more than
 * KD_RPC_MAX_FRAG. */
static void test_judge_mutations(void **state)
{
	uint32_t x = 12345;
	for (int round = 0; round < 200000; round++) {
		uint8_t b[sizeof(ACK)];
		memcpy(b, ACK, sizeof(b));
		x = x * 1103515245 + 12345;
		if (round % 2 == 0) {
			b[(x >> 8) % sizeof(b)] = (uint8_t)(x >> 20);
		} else {
			for (size_t i = 3; i < sizeof(b); i++)
				b[i] = (uint8_t)((x = x * 1103515245 + 12345) >> 16);
		}
		size_t len = (x >> 4) % (sizeof(b) + 1);
		int more = 0;
		kd_probe_result_t res = judge(b, len, &more);
		assert_true(more == 0 || more == 1);
		assert_true(res == KD_PROBE_ALIVE || res == KD_PROBE_NAK ||
		            res == KD_PROBE_GARBAGE);
		if (more)
			assert_true(len < KD_RPC_MAX_FRAG);
	}
}

static void test_result_str(void **state)
{
	assert_string_equal(kd_probe_result_str(KD_PROBE_ALIVE), "alive");
	assert_string_equal(kd_probe_result_str(KD_PROBE_CANCELLED), "cancelled");
	assert_string_equal(kd_probe_result_str(KD_PROBE_UNTRIED), "untried");
}

/* ---- racing against loopback hosts ---- */

static kd_race_target_t target(const char *ip, uint16_t port, unsigned group)
{
	kd_race_target_t t = {.group = group};
	if (strchr(ip, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&t.addr.ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
		t.addr.len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&t.addr.ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		assert_int_equal(inet_pton(AF_INET, ip, &s4->sin_addr), 1);
		t.addr.len = sizeof(*s4);
	}
	return t;
}

/* A TCP socket on 127.0.0.1 with a kernel-chosen port; listening (connects complete, nothing
 * is ever read or answered) or only bound (connects are refused). */
static int local_socket(bool listening, uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sin);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	if (listening)
		assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

typedef struct {
	pid_t ack, ack2, nak, reject, garbage, silence, syndrop, syndrop2, ack6;
	uint16_t p_ack, p_ack2, p_nak, p_reject, p_garbage, p_silence, p_syndrop, p_syndrop2,
	        p_ack6;
	int fd_quiet, fd_closed;
	uint16_t p_quiet, p_closed;
} hosts_t;

static pid_t must_start(const char *addr, const char *mode, uint16_t *port)
{
	pid_t pid = fake_kms_start(FAKE_KMS, addr, mode, port);
	if (pid < 0)
		fail_msg("failed to start %s --mode %s on %s", FAKE_KMS, mode, addr);
	return pid;
}

static int hosts_setup(void **state)
{
	hosts_t *h = calloc(1, sizeof(*h));
	h->ack = must_start("127.0.0.1", "ack", &h->p_ack);
	h->ack2 = must_start("127.0.0.2", "ack", &h->p_ack2);
	h->nak = must_start("127.0.0.1", "nak", &h->p_nak);
	h->reject = must_start("127.0.0.1", "reject-ack", &h->p_reject);
	h->garbage = must_start("127.0.0.1", "garbage", &h->p_garbage);
	h->silence = must_start("127.0.0.1", "silence", &h->p_silence);
	h->syndrop = must_start("127.0.0.3", "syndrop", &h->p_syndrop);
	h->syndrop2 = must_start("127.0.0.4", "syndrop", &h->p_syndrop2);
	h->ack6 = must_start("[::1]", "ack", &h->p_ack6);
	h->fd_quiet = local_socket(true, &h->p_quiet);
	h->fd_closed = local_socket(false, &h->p_closed);
	*state = h;
	return 0;
}

static int hosts_teardown(void **state)
{
	hosts_t *h = *state;
	pid_t pids[] = {h->ack,     h->ack2,    h->nak,      h->reject, h->garbage,
	                h->silence, h->syndrop, h->syndrop2, h->ack6};
	int clean = 0;
	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++)
		clean |= fake_kms_stop(pids[i]);
	close(h->fd_quiet);
	close(h->fd_closed);
	free(h);
	return clean == 0 ? 0 : -1; /* every fake exits 0 on SIGTERM */
}

static const kd_race_opts_t RPC_LONG = {KD_PROBE_RPC,     50,   LONG_TIMEOUT_MS,
                                        LONG_DEADLINE_MS, NULL, NULL};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Race t with o and check the winner (-1: none) and every result; the socket of a winner is
 * closed, and fd_out must stay untouched when nobody wins. */
static void race_expect(const kd_race_target_t *t, size_t n, const kd_race_opts_t *o, long winner,
                        const kd_probe_result_t *want)
{
	kd_probe_result_t res[16];
	int fd = -12345;
	assert_true(n <= N(res));
	assert_int_equal(kd_race(t, n, o, res, &fd), winner);
	for (size_t i = 0; i < n; i++) {
		print_message("target %zu: %s\n", i, kd_probe_result_str(res[i]));
		assert_int_equal(res[i], want[i]);
	}
	if (winner < 0) {
		assert_int_equal(fd, -12345);
	} else {
		assert_true(fd >= 0);
		assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
		close(fd);
	}
}

static void test_race_single_verdicts(void **state)
{
	hosts_t *h = *state;
	struct {
		const char *ip;
		uint16_t port;
		kd_probe_kind_t kind;
		kd_probe_result_t want;
	} cases[] = {
	        {"127.0.0.1", h->p_ack, KD_PROBE_RPC, KD_PROBE_ALIVE},
	        {"127.0.0.2", h->p_ack2, KD_PROBE_RPC, KD_PROBE_ALIVE},
	        {"::1", h->p_ack6, KD_PROBE_RPC, KD_PROBE_ALIVE},
	        {"127.0.0.1", h->p_nak, KD_PROBE_RPC, KD_PROBE_NAK},
	        {"127.0.0.1", h->p_reject, KD_PROBE_RPC, KD_PROBE_NAK},
	        {"127.0.0.1", h->p_garbage, KD_PROBE_RPC, KD_PROBE_GARBAGE},
	        {"127.0.0.1", h->p_garbage, KD_PROBE_TCP, KD_PROBE_ALIVE},
	        {"127.0.0.1", h->p_quiet, KD_PROBE_RPC, KD_PROBE_TIMEOUT},
	        {"127.0.0.1", h->p_quiet, KD_PROBE_TCP, KD_PROBE_ALIVE},
	        {"127.0.0.1", h->p_silence, KD_PROBE_RPC, KD_PROBE_TIMEOUT},
	        {"127.0.0.1", h->p_closed, KD_PROBE_RPC, KD_PROBE_REFUSED},
	        {"127.0.0.1", h->p_closed, KD_PROBE_TCP, KD_PROBE_REFUSED},
	        {"127.0.0.3", h->p_syndrop, KD_PROBE_TCP, KD_PROBE_NOANSWER},
	        {"127.0.0.3", h->p_syndrop, KD_PROBE_RPC, KD_PROBE_NOANSWER},
	};
	for (size_t i = 0; i < N(cases); i++) {
		kd_race_target_t t = target(cases[i].ip, cases[i].port, 0);
		kd_race_opts_t o = {cases[i].kind, 50, 300, LONG_DEADLINE_MS, NULL, NULL};
		print_message("case %zu\n", i);
		race_expect(&t, 1, &o, cases[i].want == KD_PROBE_ALIVE ? 0 : -1, &cases[i].want);
	}
}

/* The returned socket is the live, already bound connection: the fake keeps it open and
 * answers a further PDU on it. */
static void test_race_winner_socket(void **state)
{
	hosts_t *h = *state;
	kd_race_target_t t = target("127.0.0.1", h->p_ack, 0);
	kd_probe_result_t res;
	int fd = -1;
	assert_int_equal(kd_race(&t, 1, &RPC_LONG, &res, &fd), 0);
	struct timeval tv = {.tv_sec = 10};
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	uint8_t req[128], rep[KD_RPC_MAX_FRAG];
	size_t n = kd_rpc_bind_build(req, sizeof(req), 7);
	assert_int_equal(write(fd, req, n), (ssize_t)n);
	ssize_t got = read(fd, rep, sizeof(rep)); /* blocking: the winner is in blocking mode */
	int more = 0;
	assert_true(got > 0);
	assert_int_equal(kd_rpc_bind_judge(rep, (size_t)got, &more), KD_PROBE_ALIVE);
	assert_int_equal(le32(rep + 12), 7); /* the fake echoes our call_id */
	close(fd);
}

/* SYN-dropping hosts listed first must not hold up a live one behind them: with a 30 s attempt
 * timeout the live one only wins (and the droppers are CANCELLED, not TIMEOUT) if the later
 * attempts started after the stagger. */
static void test_race_syndrop_does_not_block(void **state)
{
	hosts_t *h = *state;
	kd_race_target_t t[] = {
	        target("127.0.0.3", h->p_syndrop, 0),
	        target("127.0.0.4", h->p_syndrop2, 0),
	        target("127.0.0.1", h->p_ack, 0),
	};
	kd_probe_result_t want[] = {KD_PROBE_CANCELLED, KD_PROBE_CANCELLED, KD_PROBE_ALIVE};
	race_expect(t, N(t), &RPC_LONG, 2, want);
	kd_race_opts_t tcp = RPC_LONG;
	tcp.kind = KD_PROBE_TCP;
	race_expect(t, N(t), &tcp, 2, want);
}

/* A failed attempt starts the next one at once: with a 30 s stagger and a 5 s deadline the
 * live host can only win if the refused and rejecting ones did not make it wait. */
static void test_race_failure_skips_stagger(void **state)
{
	hosts_t *h = *state;
	kd_race_target_t t[] = {
	        target("127.0.0.1", h->p_closed, 0),
	        target("127.0.0.1", h->p_nak, 0),
	        target("127.0.0.1", h->p_garbage, 0),
	        target("127.0.0.2", h->p_ack2, 0),
	};
	kd_race_opts_t o = {KD_PROBE_RPC, 30000, LONG_TIMEOUT_MS, 5000, NULL, NULL};
	kd_probe_result_t want[] = {KD_PROBE_REFUSED, KD_PROBE_NAK, KD_PROBE_GARBAGE,
	                            KD_PROBE_ALIVE};
	race_expect(t, N(t), &o, 3, want);
}

/* Group 0 wins when its live host answers within the attempt delay, even though group 1's
 * live host comes first in the array: group 1 is never started (a 2 s delay leaves group 0's
 * live host that long to answer). */
static void test_race_group_order(void **state)
{
	hosts_t *h = *state;
	kd_race_target_t t[] = {
	        target("127.0.0.2", h->p_ack2, 1),
	        target("127.0.0.1", h->p_quiet, 0),
	        target("::1", h->p_ack6, 0),
	        target("127.0.0.1", h->p_ack, 1),
	};
	kd_race_opts_t slow = {KD_PROBE_RPC, 2000, LONG_TIMEOUT_MS, LONG_DEADLINE_MS, NULL, NULL};
	kd_probe_result_t want[] = {KD_PROBE_UNTRIED, KD_PROBE_CANCELLED, KD_PROBE_ALIVE,
	                            KD_PROBE_UNTRIED};
	race_expect(t, N(t), &slow, 2, want);

	/* Group 0 all dead: group 1 follows, in array order. The long stagger makes each start
	 * wait for the previous failure, so every result is determined. */
	t[2] = target("127.0.0.1", h->p_reject, 0);
	kd_race_opts_t o = {KD_PROBE_RPC, 30000, 300, LONG_DEADLINE_MS, NULL, NULL};
	kd_probe_result_t want2[] = {KD_PROBE_ALIVE, KD_PROBE_TIMEOUT, KD_PROBE_NAK,
	                             KD_PROBE_UNTRIED};
	race_expect(t, N(t), &o, 0, want2);
}

/* Priority groups overlap: a group whose every member was started and none answered does not
 * hold up the next group until its attempts time out. With a 30 s attempt timeout the live host
 * of group 2 can only win (and the SYN-dropping hosts of groups 0 and 1 end CANCELLED, not
 * NOANSWER) if each next group started after the 50 ms attempt delay. */
static void test_race_groups_overlap(void **state)
{
	hosts_t *h = *state;
	kd_race_target_t t[] = {
	        target("127.0.0.1", h->p_ack, 2),
	        target("127.0.0.3", h->p_syndrop, 0),
	        target("127.0.0.4", h->p_syndrop2, 1),
	};
	uint64_t rtt[N(t)];
	kd_race_opts_t o = RPC_LONG;
	o.rtt_us = rtt;
	kd_probe_result_t want[] = {KD_PROBE_ALIVE, KD_PROBE_CANCELLED, KD_PROBE_CANCELLED};
	race_expect(t, N(t), &o, 0, want);
	/* The winner's connect round trip is measured; attempts that never connected have none. */
	assert_true(rtt[0] >= 1);
	assert_int_equal(rtt[1], 0);
	assert_int_equal(rtt[2], 0);
}

/* A target's own delay_ms replaces attempt_delay_ms after its start: with a 30 s default delay
 * and a 5 s deadline the live host behind a SYN-dropping one only wins when the dropper's own
 * 10 ms delay is used. */
static void test_race_target_delay(void **state)
{
	hosts_t *h = *state;
	kd_race_target_t t[] = {
	        target("127.0.0.3", h->p_syndrop, 0),
	        target("127.0.0.1", h->p_ack, 1),
	};
	t[0].delay_ms = 10;
	kd_race_opts_t o = {KD_PROBE_RPC, 30000, LONG_TIMEOUT_MS, 5000, NULL, NULL};
	kd_probe_result_t want[] = {KD_PROBE_CANCELLED, KD_PROBE_ALIVE};
	race_expect(t, N(t), &o, 1, want);
}

static void test_race_all_dead(void **state)
{
	hosts_t *h = *state;
	kd_race_target_t t[] = {
	        target("127.0.0.1", h->p_closed, 0),  target("127.0.0.1", h->p_quiet, 0),
	        target("127.0.0.3", h->p_syndrop, 1), target("127.0.0.1", h->p_nak, 1),
	        target("127.0.0.1", h->p_garbage, 2), target("127.0.0.1", h->p_reject, 2),
	};
	kd_race_opts_t o = {KD_PROBE_RPC, 10, 300, LONG_DEADLINE_MS, NULL, NULL};
	kd_probe_result_t want[] = {KD_PROBE_REFUSED, KD_PROBE_TIMEOUT, KD_PROBE_NOANSWER,
	                            KD_PROBE_NAK,     KD_PROBE_GARBAGE, KD_PROBE_NAK};
	race_expect(t, N(t), &o, -1, want);
}

/* The overall deadline ends running attempts as DEADLINE (not a verdict on the host) and leaves
 * the rest UNTRIED. */
static void test_race_deadline(void **state)
{
	hosts_t *h = *state;
	kd_race_target_t t[] = {
	        target("127.0.0.3", h->p_syndrop, 0),
	        target("127.0.0.4", h->p_syndrop2, 1),
	        target("127.0.0.1", h->p_ack, 2),
	};
	t[1].delay_ms = 30000; /* the third is not started before the 300 ms deadline */
	kd_race_opts_t o = {KD_PROBE_RPC, 10, LONG_TIMEOUT_MS, 300, NULL, NULL};
	kd_probe_result_t want[] = {KD_PROBE_DEADLINE, KD_PROBE_DEADLINE, KD_PROBE_UNTRIED};
	race_expect(t, N(t), &o, -1, want);
}

/* What a peer that is not a KMS host said is kept for the diagnostics. */
static void test_race_seen(void **state)
{
	hosts_t *h = *state;
	kd_race_target_t t[] = {
	        target("127.0.0.1", h->p_garbage, 0),
	        target("127.0.0.1", h->p_nak, 0),
	        target("127.0.0.1", h->p_reject, 0),
	};
	char seen[N(t)][KD_PROBE_SEEN_MAX];
	kd_race_opts_t o = {KD_PROBE_RPC, 10, 300, LONG_DEADLINE_MS, seen, NULL};
	kd_probe_result_t want[] = {KD_PROBE_GARBAGE, KD_PROBE_NAK, KD_PROBE_NAK};
	race_expect(t, N(t), &o, -1, want);
	assert_string_equal(seen[0], "SSH-2.0-OpenSSH_9.2p1 Debian-2");
	assert_string_equal(seen[1], "bind_nak");
	assert_string_equal(seen[2], "bind_ack rejecting KMS");
}

/* No shared state: several threads race the same hosts at once and each gets its own winner.
 * The threads only count mismatches; cmocka asserts belong to the main thread. */
static void *race_thread(void *arg)
{
	hosts_t *h = arg;
	kd_race_target_t t[] = {
	        target("127.0.0.3", h->p_syndrop, 0),
	        target("127.0.0.1", h->p_nak, 0),
	        target("127.0.0.2", h->p_ack2, 0),
	};
	kd_probe_result_t want[] = {KD_PROBE_CANCELLED, KD_PROBE_NAK, KD_PROBE_ALIVE};
	uintptr_t bad = 0;
	for (int i = 0; i < 5; i++) {
		kd_probe_result_t res[N(t)];
		int fd = -1;
		bad += kd_race(t, N(t), &RPC_LONG, res, &fd) != 2 || memcmp(res, want, sizeof(res));
		if (fd >= 0)
			close(fd);
	}
	return (void *)bad;
}

static void test_race_threads(void **state)
{
	pthread_t th[4];
	for (size_t i = 0; i < N(th); i++)
		assert_int_equal(pthread_create(&th[i], NULL, race_thread, *state), 0);
	for (size_t i = 0; i < N(th); i++) {
		void *bad = NULL;
		assert_int_equal(pthread_join(th[i], &bad), 0);
		assert_int_equal((uintptr_t)bad, 0);
	}
}

static void test_race_none_and_empty(void **state)
{
	hosts_t *h = *state;
	kd_race_target_t t[] = {
	        target("127.0.0.1", h->p_closed, 0),
	        target("127.0.0.1", h->p_ack, 0),
	};
	kd_race_opts_t o = {KD_PROBE_NONE, 250, 1000, 1000, NULL, NULL};
	kd_probe_result_t res[N(t)];
	int fd = 99;
	assert_int_equal(kd_race(t, N(t), &o, res, &fd), 0);
	assert_int_equal(fd, -1);
	assert_int_equal(res[0], KD_PROBE_ALIVE);
	assert_int_equal(res[1], KD_PROBE_UNTRIED);

	fd = 99;
	assert_int_equal(kd_race(t, 0, &RPC_LONG, res, &fd), -1);
	assert_int_equal(fd, 99);
}

int main(void)
{
	const struct CMUnitTest buf_tests[] = {
	        cmocka_unit_test(test_bind_build),      cmocka_unit_test(test_judge_ack_nak),
	        cmocka_unit_test(test_judge_truncated), cmocka_unit_test(test_judge_garbage),
	        cmocka_unit_test(test_judge_mutations), cmocka_unit_test(test_result_str),
	};
	const struct CMUnitTest race_tests[] = {
	        cmocka_unit_test(test_race_single_verdicts),
	        cmocka_unit_test(test_race_winner_socket),
	        cmocka_unit_test(test_race_syndrop_does_not_block),
	        cmocka_unit_test(test_race_failure_skips_stagger),
	        cmocka_unit_test(test_race_group_order),
	        cmocka_unit_test(test_race_groups_overlap),
	        cmocka_unit_test(test_race_target_delay),
	        cmocka_unit_test(test_race_all_dead),
	        cmocka_unit_test(test_race_deadline),
	        cmocka_unit_test(test_race_seen),
	        cmocka_unit_test(test_race_threads),
	        cmocka_unit_test(test_race_none_and_empty),
	};
	int failed = cmocka_run_group_tests_name("probe_buffers", buf_tests, NULL, NULL);
	failed +=
	        cmocka_run_group_tests_name("probe_race", race_tests, hosts_setup, hosts_teardown);
	return failed != 0;
}
