/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Health gating as pure logic: per host a state machine (pending, up, down) with fall/rise
 * hysteresis fed by probe results; per domain the decision which hosts' SRV records are
 * published, with fail-open; and the coalescing of transitions that fall in one short window
 * into one reconcile. Nothing here reads a clock, probes or logs: every time is an argument
 * (milliseconds of whatever clock the caller uses throughout), so the tests drive it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/probe.h"

typedef enum {
	PUB_HEALTH_PENDING = 0, /* new: not published until rise successes in a row */
	PUB_HEALTH_UP,
	PUB_HEALTH_DOWN,
} pub_health_state_t;

/* "pending", "up", "down"; never NULL. */
const char *pub_health_state_str(pub_health_state_t s);
/* The state named by text (as written by pub_health_state_str); -1 if unknown. */
int pub_health_state_parse(const char *text, pub_health_state_t *out);

/* One host's health. Zero-initialised = pending since 0, nothing probed yet. */
typedef struct {
	pub_health_state_t state;
	uint64_t since_ms;        /* when state was entered */
	unsigned successes;       /* consecutive, reset by a failure */
	unsigned failures;        /* consecutive, reset by a success */
	kd_probe_result_t last;   /* last probe's result; UNTRIED before the first */
	uint32_t last_latency_ms; /* how long the last probe took */
	uint64_t last_probe_ms;   /* when it ended; 0 = never */
} pub_health_t;

/* Start a host in state (pending for a new host, up or down as saved) at now_ms. */
void pub_health_init(pub_health_t *h, pub_health_state_t state, uint64_t now_ms);

/* Feed one probe result that ended at now_ms after latency_ms (ALIVE counts as success, any
 * other result as failure). pending or down becomes up after rise successes in a row; pending or
 * up becomes down after fall failures in a row (fall and rise below 1 count as 1). Returns true
 * when the state changed (the caller reports the transition once), false otherwise. */
bool pub_health_feed(pub_health_t *h, kd_probe_result_t res, uint32_t latency_ms, uint64_t now_ms,
                     unsigned fall, unsigned rise);

/* Why a host's SRV record in one domain is published or not. */
typedef enum {
	PUB_WHY_HEALTHY = 0, /* up: published */
	PUB_WHY_PENDING,     /* new and not yet up: not published */
	PUB_WHY_WITHDRAWN,   /* down: withdrawn by health */
	PUB_WHY_HELD,        /* down (or pending) but kept by fail-open: published */
} pub_why_t;

/* "healthy", "pending", "withdrawn by health", "held by fail-open"; never NULL. */
const char *pub_why_str(pub_why_t why);
/* Whether a host with this reason is published. */
bool pub_why_published(pub_why_t why);

/* Decide the n hosts of one domain: state[i] is host i's health, was[i] whether its record was
 * published before this decision. Published are the hosts that are up. With fail_open, when no
 * host is up the hosts that were published stay published (HELD): a domain never loses its last
 * published host through health. why[i] receives each host's reason. *holding says whether
 * fail-open holds hosts in this domain; it is updated, and the return value is true when it
 * changed (entered or left: the caller reports that once, not once per probe). */
bool pub_health_decide(const pub_health_state_t *state, const bool *was, size_t n, bool fail_open,
                       bool *holding, pub_why_t *why);

/* Transitions noted within window_ms of the first one are handled together: noted items (host
 * indexes) collect until the window that the first opened has passed. Zero-initialise, set
 * window_ms; free with pub_coalesce_deinit. */
typedef struct {
	uint64_t window_ms;
	uint64_t opened_ms; /* when the first pending transition was noted */
	size_t *items;      /* distinct noted items, in noting order */
	size_t n, cap;
	bool lost; /* an item could not be noted (ENOMEM): everything needs handling */
} pub_coalesce_t;

#define PUB_COALESCE_DEFAULT_MS 1000

/* Note item at now_ms (a second note of the same item adds nothing). Returns 0, -1 on ENOMEM
 * (the window is opened all the same, so nothing is lost: the caller reconciles everything). */
int pub_coalesce_note(pub_coalesce_t *c, size_t item, uint64_t now_ms);

/* When the open window closes (opened + window), or UINT64_MAX when nothing is noted. */
uint64_t pub_coalesce_deadline(const pub_coalesce_t *c);

/* If the window has closed at now_ms: move the noted items to *items / *n (heap, caller frees;
 * NULL with *n 0 when noting ran out of memory: handle everything) and return true, leaving the
 * coalescer empty. Otherwise return false and touch nothing. */
bool pub_coalesce_take(pub_coalesce_t *c, uint64_t now_ms, size_t **items, size_t *n);

void pub_coalesce_deinit(pub_coalesce_t *c);
