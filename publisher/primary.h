/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where a zone's updates go: the configured servers and key of a zone, or for a name in no
 * configured zone the zone found by SOA discovery through the resolver and the addresses of
 * its SOA MNAME (the primary), remembered between rounds. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/addr.h"
#include "dns/error.h"
#include "dns/tsigkey.h"
#include "publisher/conf.h"

#define PUB_MAX_PRIMARIES 8

/* A zone found by SOA discovery. */
typedef struct {
	char *owner;        /* the name that was asked about (canonical, heap) */
	char *zone;         /* the zone holding it (canonical, heap) */
	kd_addr_t *servers; /* the MNAME's addresses (heap: stays put when the table grows) */
	size_t servers_count;
	uint64_t found_ms; /* when (monotonic): found again after an interval */
} pub_found_t;

/* The discovery cache. Zero-initialise; entries are found by index. */
typedef struct {
	pub_found_t *v;
	size_t n, cap;
} pub_primaries_t;

/* The index of the entry for owner (when owner != NULL) or for zone, or -1. */
long pub_primaries_find(const pub_primaries_t *p, const char *owner, const char *zone);

/* Find the zone of owner by SOA queries through the configured resolver, then its MNAME's
 * addresses (port: primary-port), and remember them at now_ms. Returns the entry's index, or
 * -1 with the reason in err. */
long pub_primaries_discover(pub_primaries_t *p, const pub_config_t *conf, const char *owner,
                            uint64_t now_ms, kd_error_t *err);

/* Entry i again when it is older than the interval, so that a renumbered primary (or a
 * zone that moved) is followed: at most once an interval. A change is logged; a failure
 * keeps the old entry (logged as a warning). */
void pub_primaries_refresh(pub_primaries_t *p, const pub_config_t *conf, size_t i, uint64_t now_ms);

void pub_primaries_clear(pub_primaries_t *p);

/* Where updates for a zone go and with which key. servers points into the configuration or
 * into a discovery entry; both stay valid until the configuration is replaced or the cache
 * cleared. */
typedef struct {
	const kd_addr_t *servers;
	size_t count;
	const kd_tsig_key_t *key;
	bool transfer; /* read the zone by a signed AXFR (read: transfer) */
} pub_target_t;

/* The servers, key and way of reading (read:) for zone: from its 'zones' entry, else from
 * discovery (run now when the zone is not known yet or its entry is older than the interval)
 * and the top-level read:. Returns 0, or -1 with the reason in err (no key for a discovered
 * zone when several are defined, discovery failed, zone is no longer a zone). */
int pub_target(pub_primaries_t *p, const pub_config_t *conf, const char *zone, uint64_t now_ms,
               pub_target_t *t, kd_error_t *err);
