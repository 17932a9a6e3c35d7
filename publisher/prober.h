/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Health probes of many KMS hosts in one event loop (no thread per host), with at most
 * `concurrency` connections in flight. A host is probed on all its addresses at once (as
 * slots allow); the first that answers makes it ALIVE and the others are cancelled. Each host
 * is probed every interval_ms from the start of its previous probe; an attempt that does not
 * finish within timeout_ms fails, without holding up any other host's probe. The per-attempt
 * work is dns/probe.h's kd_attempt (the same DCE/RPC bind as kms-locate).
 *
 * The prober runs in a thread of its own (pub_prober_start): the publisher's rounds block on
 * UPDATE round trips and SOA discovery for seconds when a primary is slow, and a probe whose
 * reply sat unread meanwhile would be judged by the wrong clock. Verdicts are queued; the
 * daemon polls pub_prober_fd and takes them. pub_prober_step runs the same loop one turn in
 * the caller's thread (tests, --once). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/addr.h"
#include "dns/probe.h"
#include "dns/schema.h" /* kd_error_t */

/* One host to probe. */
typedef struct {
	const kd_addr_t *addrs; /* with the probe port set; copied by pub_prober_new */
	size_t addrs_count;
	kd_probe_kind_t kind; /* KD_PROBE_TCP or KD_PROBE_RPC (NONE hosts are not probed) */
	uint64_t interval_ms, timeout_ms;
} pub_probe_target_t;

/* The outcome of one probe of a host. */
typedef struct {
	size_t host;              /* index in the targets given to pub_prober_new */
	kd_probe_result_t result; /* ALIVE when any address answered, else the most telling
	                             failure (rejected, garbage, timeout, reset, refused,
	                             no answer, unreachable, in that order) */
	uint32_t latency_ms;      /* from the probe's start to its verdict */
	uint64_t when_ms;         /* monotonic time of the verdict */
} pub_probe_verdict_t;

typedef void (*pub_probe_fn)(void *arg, const pub_probe_verdict_t *v);

typedef struct pub_prober pub_prober_t;

#define PUB_PROBE_CONCURRENCY_DEFAULT 64

/* A prober for n targets (copied), every host due at now_ms, at most concurrency connections
 * at once (0 counts as 1). NULL on ENOMEM. */
pub_prober_t *pub_prober_new(const pub_probe_target_t *targets, size_t n, unsigned concurrency,
                             uint64_t now_ms);
/* Stop the thread if it runs, close every socket, free. */
void pub_prober_free(pub_prober_t *p);

/* One turn of the loop in the calling thread: start due probes, wait for activity at most
 * max_wait_ms (and never past the next expiry or due time), advance attempts, and call fn for
 * each verdict. Returns the number of verdicts, or -1 when poll failed. Not while the thread
 * runs. */
int pub_prober_step(pub_prober_t *p, uint64_t max_wait_ms, pub_probe_fn fn, void *arg);
#define PUB_PROBER_FOREVER UINT64_MAX /* max_wait_ms: until something is due */

/* The poll timeout of a turn at now_ms: until the next expiry of a running attempt or the
 * next due probe (while a slot is free), at most max_wait_ms; -1 when nothing will ever be
 * due (no probed host, max_wait_ms PUB_PROBER_FOREVER). The thread waits this long: an idle
 * prober wakes only when a probe is due. */
int pub_prober_timeout(const pub_prober_t *p, uint64_t now_ms, uint64_t max_wait_ms);

/* Connections in flight now, and the most there ever were at once (while the thread runs:
 * as of the last verdict it queued). */
size_t pub_prober_inflight(const pub_prober_t *p);
size_t pub_prober_max_inflight(const pub_prober_t *p);
/* Whether host has a probe running now. */
bool pub_prober_busy(const pub_prober_t *p, size_t host);

/* Run the loop in a thread of its own. Returns 0, or -1 with the reason in err. */
int pub_prober_start(pub_prober_t *p, kd_error_t *err);
/* Readable (POLLIN) while verdicts wait to be taken (written once per turn that queued
 * any). */
int pub_prober_fd(const pub_prober_t *p);
/* Move up to max queued verdicts into out, oldest first; returns how many. */
size_t pub_prober_take(pub_prober_t *p, pub_probe_verdict_t *out, size_t max);
/* Stop the thread (it ends within one turn) and join it; queued verdicts stay takeable. */
void pub_prober_stop(pub_prober_t *p);
