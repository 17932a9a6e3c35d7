/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the daemon watches between rounds: health probes (prober.h, in their own thread) fed
 * into the fleet (fleet.h), this machine's addresses (ifaddr.h, rtnetlink) for hosts with
 * `addresses: auto`, and what it writes for operators: the status lines of the state file
 * (status.h) and the metrics file (metrics.h). A health transition or an address change makes
 * every zone due at once; transitions within the coalescing window give one round. */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "publisher/fleet.h"
#include "publisher/ifaddr.h"
#include "publisher/metrics.h"
#include "publisher/prober.h"
#include "publisher/round.h"

typedef struct {
	pub_ctx_t *ctx; /* borrowed */
	pub_fleet_t fleet;
	bool has_fleet;
	pub_prober_t *prober;
	size_t *target_host; /* prober target -> host index */
	size_t ntargets;
	pub_metrics_t *metrics;
	bool metrics_failed; /* said once */
	pub_ifwatch_t watch;
	bool watching;
	uint64_t addr_check_ms; /* re-list addresses then; UINT64_MAX = no */
	uint64_t status_due_ms; /* probe results wait to be saved until then; UINT64_MAX = no */
	bool probing;           /* the prober thread runs */
} pub_live_t;

#define PUB_LIVE_FDS 2

/* Set up for ctx (before the privileges are dropped: reads the state file's health lines),
 * with probing (daemon: hosts start pending, unless saved) or without (--once: hosts without
 * saved health count as up). Sets ctx->fleet, ctx->metrics, ctx->state_extra. Returns 0, or
 * -1 on ENOMEM. */
int pub_live_init(pub_live_t *l, pub_ctx_t *ctx, bool probing, uint64_t now_ms);
/* Start the probes and the address watcher (network traffic: after the privilege drop).
 * Failures are logged; returns 0 or -1 when probing cannot run. */
int pub_live_start(pub_live_t *l, uint64_t now_ms);
/* After pub_ctx_set_config: the fleet again for the new configuration (health carried over
 * by host name), the prober again. */
void pub_live_reload(pub_live_t *l, uint64_t now_ms);
void pub_live_deinit(pub_live_t *l);

/* The descriptors to poll (at most PUB_LIVE_FDS); returns how many. */
size_t pub_live_fds(const pub_live_t *l, struct pollfd *fds);
/* The earliest time pub_live_work has something to do, or UINT64_MAX. */
uint64_t pub_live_next(const pub_live_t *l);
/* Take verdicts, settle the coalescing window, re-list addresses, save status when due.
 * Returns true when a round must run now (the zones were made due). */
bool pub_live_work(pub_live_t *l, uint64_t now_ms);
/* After a round: the status lines saved with the state file (daemon only), the metrics file
 * written. */
void pub_live_after_round(pub_live_t *l);
