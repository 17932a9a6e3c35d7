/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Liveness probes for KMS hosts and racing connects (RFC 8305 style). libknot-free, no global
 * state: the publisher and libkmslocate both link it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/addr.h"

typedef enum {
	KD_PROBE_NONE = 0, /* no connection: the first candidate wins */
	KD_PROBE_TCP,      /* TCP connect succeeds */
	KD_PROBE_RPC,      /* connect + DCE/RPC bind to the KMS interface answered by an accepting
	                      bind_ack */
} kd_probe_kind_t;

/* Outcome of one candidate. */
typedef enum {
	KD_PROBE_UNTRIED = 0, /* not started (an earlier one won, or the deadline passed) */
	KD_PROBE_ALIVE,
	KD_PROBE_REFUSED,   /* connection refused */
	KD_PROBE_TIMEOUT,   /* connected, but no answer to the bind within the attempt timeout */
	KD_PROBE_NAK,       /* bind_nak, or bind_ack without acceptance */
	KD_PROBE_GARBAGE,   /* answered something that is not a DCE/RPC bind reply */
	KD_PROBE_CANCELLED, /* started, then cancelled because another won */
	KD_PROBE_NOANSWER,  /* the connection was not answered within the attempt timeout (SYNs
	                     * dropped: a host that is down or filtered) */
	KD_PROBE_RESET,     /* reset, or closed before a whole answer */
	KD_PROBE_UNREACH,   /* network or host unreachable */
	KD_PROBE_DEADLINE,  /* started, then cut short by the overall deadline: says nothing */
} kd_probe_result_t;

const char *kd_probe_result_str(kd_probe_result_t r);

/* Largest fragment we send or accept (max_xmit_frag = max_recv_frag in our bind); a reply
 * claiming a longer frag_length is garbage. */
#define KD_RPC_MAX_FRAG 5840

/* Build the DCE/RPC bind request (PDU type 11) for the KMS interface
 * 51c82175-844e-4750-b0d8-ec255555bc06 v1.0, NDR v2.0 into buf. Returns its length, or 0 if
 * buf is too small. */
size_t kd_rpc_bind_build(uint8_t *buf, size_t len, uint32_t call_id);

/* Judge a reply held in buf: ALIVE for a bind_ack (type 12) whose first result is acceptance,
 * NAK for bind_nak (13) or a rejecting bind_ack, GARBAGE for anything else. *need_more is set
 * when buf holds less than the PDU's frag_length says (read more and call again); the return
 * value means nothing then. Bytes after frag_length are ignored. Never reads outside buf. */
kd_probe_result_t kd_rpc_bind_judge(const uint8_t *buf, size_t len, int *need_more);

typedef struct {
	kd_addr_t addr;
	unsigned group;    /* priority group: ascending order, then index order */
	uint64_t delay_ms; /* attempt delay after starting this target; 0 = attempt_delay_ms */
} kd_race_target_t;

#define KD_PROBE_SEEN_MAX 48

typedef struct {
	kd_probe_kind_t kind;
	uint64_t attempt_delay_ms; /* stagger within a group; values below 10 are raised to 10 */
	uint64_t timeout_ms;  /* per attempt (connect + probe); 0 = bounded by the deadline only */
	uint64_t deadline_ms; /* whole call; 0 = no overall limit */
	/* optional, n entries: what a GARBAGE or NAK peer said ("HTTP/1.1 400 Bad Request",
	 * "SSH-2.0-OpenSSH_9.2p1", "bind_nak"), printable characters of its first line */
	char (*seen)[KD_PROBE_SEEN_MAX];
	/* optional, n entries: microseconds from the start of each attempt to its completed TCP
	 * connect (at least 1), 0 for attempts that never connected; the caller's RTT samples */
	uint64_t *rtt_us;
} kd_race_opts_t;

/* Probe targets in order (ascending group, then index order; the array need not be sorted),
 * RFC 8305 style: start the next attempt after the attempt delay (the started target's
 * delay_ms, else attempt_delay_ms; at least 10 ms) without waiting for earlier ones to fail,
 * and at once when no attempt is running any more. Priority groups overlap: once every member
 * of a group has been started and none has answered, the next group's first attempt follows
 * after the attempt delay; the first ALIVE wins whatever its group and the rest are cancelled.
 * An attempt still running when deadline_ms passes ends as DEADLINE, one whose own timeout_ms
 * passes as NOANSWER while it connects, else as TIMEOUT. results[i] receives each target's
 * outcome. On success returns the winner's index and, if fd_out != NULL, its connected socket
 * (blocking mode, bind already done for RPC; caller closes); with KD_PROBE_NONE the first
 * target in group order (index 0 for sorted input) wins without a connection and *fd_out = -1.
 * Returns -1 if none is alive (or n == 0, or out of memory); every results[i] is set either
 * way. Thread-safe, no global state, CLOCK_MONOTONIC. */
long kd_race(const kd_race_target_t *targets, size_t n, const kd_race_opts_t *opts,
             kd_probe_result_t *results, int *fd_out);

/* One probe attempt as a non-blocking state machine (connect, send the bind, read and judge
 * the reply), for callers that poll many sockets in one loop: kd_race below, and the
 * publisher's health prober. Zero-initialised it is idle. */
typedef struct {
	int fd;
	int st;                   /* internal state */
	kd_probe_kind_t kind;     /* TCP or RPC */
	kd_probe_result_t result; /* UNTRIED while running, else the verdict */
	uint64_t expires;         /* monotonic ms at which it times out; UINT64_MAX = never */
	uint64_t start_us;        /* kd_now_us() when it started */
	uint64_t rtt_us;          /* start to completed TCP connect (>= 1), 0 = not connected */
	size_t sent, got;
	uint8_t *rx;                  /* KD_RPC_MAX_FRAG bytes while reading an RPC reply */
	char seen[KD_PROBE_SEEN_MAX]; /* what a GARBAGE or NAK peer said (see kd_race_opts_t) */
} kd_attempt_t;

/* Start connecting to addr (kind TCP or RPC), to time out at expires (monotonic ms). It may
 * end at once (refused, or a TCP connect that succeeded immediately): check kd_attempt_done. */
void kd_attempt_start(kd_attempt_t *a, const kd_addr_t *addr, kd_probe_kind_t kind,
                      uint64_t expires);
/* Whether the attempt has a verdict (result is set; the socket is closed unless ALIVE). */
bool kd_attempt_done(const kd_attempt_t *a);
/* What to poll the attempt's fd for while it runs: POLLOUT or POLLIN. */
short kd_attempt_events(const kd_attempt_t *a);
/* Advance after poll() reported activity (any revents) on its fd. */
void kd_attempt_step(kd_attempt_t *a);
/* End it as timed out if now_ms reached its expiry: NOANSWER while connecting, else TIMEOUT.
 * Returns whether it ended. */
bool kd_attempt_expire(kd_attempt_t *a, uint64_t now_ms);
/* End a running attempt with res (CANCELLED, DEADLINE, ...); no-op when done. */
void kd_attempt_end(kd_attempt_t *a, kd_probe_result_t res);
/* Release what a finished attempt holds: closes an ALIVE attempt's socket unless it was taken
 * (set a->fd = -1 after taking it). Safe on an idle or already released attempt. */
void kd_attempt_release(kd_attempt_t *a);
