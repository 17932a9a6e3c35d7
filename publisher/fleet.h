/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The fleet's health as the daemon keeps it: per configured host its health state machine
 * (health.h), per host and domain whether its SRV record is published and why (fail-open per
 * domain), and the window that coalesces transitions. The desired records of a round ask it
 * which SRV records to include. Built from the configuration; the state each host starts in
 * comes from the health saved in the state file (pub_fleet_restore). Logs each transition
 * once. Times are monotonic milliseconds except where named unix. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "publisher/conf.h"
#include "publisher/health.h"
#include "publisher/rr.h"

typedef struct {
	char name[PUB_NAME_MAX]; /* the configured name */
	kd_probe_kind_t kind;
	unsigned fall, rise;
	pub_health_t h;
} pub_fleet_host_t;

typedef struct {
	const pub_config_t *conf; /* borrowed */
	pub_fleet_host_t *hosts;  /* parallel to conf->raw.hosts */
	size_t nh, nd;            /* hosts, domains */
	pub_why_t *why;           /* [host * nd + domain] */
	bool *published;          /* [host * nd + domain]: the SRV record is desired */
	bool *holding;            /* [domain]: fail-open holds hosts there */
	pub_coalesce_t co;
} pub_fleet_t;

/* Set up f for conf at now_ms: hosts without a probe are up, the others in initial (pending
 * for the daemon, up where nothing probes: --once); a host's SRV
 * record counts as published before when state (what the state file says we published) holds
 * it. Decides once (pub_fleet_decide). Returns 0, -1 on ENOMEM. */
int pub_fleet_init(pub_fleet_t *f, const pub_config_t *conf, const pub_zoneset_t *state,
                   pub_health_state_t initial, uint64_t now_ms);
void pub_fleet_deinit(pub_fleet_t *f);

/* Start each probed host in the health the state file text (buf, len) saved for it (its
 * ";@host" line), with its since time converted from unix seconds. Hosts it does not name stay
 * pending. Then decides again. */
void pub_fleet_restore(pub_fleet_t *f, const char *buf, size_t len, int64_t now_unix,
                       uint64_t now_ms);

/* Carry the health of the hosts of old over to the hosts of the same name in f (a reload). */
void pub_fleet_carry(pub_fleet_t *f, const pub_fleet_t *old);

/* Feed a probe verdict of host. On a transition: log it, open or join the coalescing window,
 * and return true. */
bool pub_fleet_feed(pub_fleet_t *f, size_t host, kd_probe_result_t res, uint32_t latency_ms,
                    uint64_t now_ms);

/* Decide every domain again from the hosts' health. Logs fail-open starting and ending (once
 * per transition). Returns true when the set of published SRV records changed. */
bool pub_fleet_decide(pub_fleet_t *f);

/* If the coalescing window has closed at now_ms: decide and return 1 when the published set
 * changed, 0 when it did not; -1 when no window closed. */
int pub_fleet_settle(pub_fleet_t *f, uint64_t now_ms);
/* When the open window closes, or UINT64_MAX. */
uint64_t pub_fleet_deadline(const pub_fleet_t *f);

/* Whether the SRV record of host in domain is desired (f NULL: always). */
bool pub_fleet_wanted(const pub_fleet_t *f, size_t host, size_t domain);

/* The SRV records of a state (what we published, by zone), sorted for look-ups: whether it
 * holds a record of host in domain, whatever its priority, weight and port. */
typedef struct {
	char **v; /* "owner target", lower case, without the final dots (heap) */
	size_t n;
	/* The domain asked last and the start of its keys ("_vlmcs._tcp.<domain> "; plen 0:
	 * none): the hosts of a domain are asked in a row, a thousand domains at each save. */
	char domain[PUB_NAME_MAX], prefix[PUB_NAME_MAX + 16];
	size_t plen;
} pub_fleet_srvs_t;

/* Index the SRV records of state (NULL: none). 0, or -1 on ENOMEM. */
int pub_fleet_srvs_init(pub_fleet_srvs_t *s, const pub_zoneset_t *state);
/* Whether s holds the SRV record of host in domain (names in any case, with or without the
 * final dot). Ask for the hosts of one domain in a row: s keeps the domain's part of the key. */
bool pub_fleet_srvs_has(pub_fleet_srvs_t *s, const char *domain, const char *host);
void pub_fleet_srvs_deinit(pub_fleet_srvs_t *s);

/* How many SRV records of domain are desired. */
unsigned pub_fleet_count(const pub_fleet_t *f, size_t domain);
