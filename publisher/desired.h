/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The desired records: one SRV per (host, domain) and each host's A/AAAA records. Computed
 * every round from the configuration (later also from host health). */
#pragma once

#include "publisher/conf.h"
#include "publisher/fleet.h"
#include "publisher/rr.h"

/* Add the desired records (with fleet, only the SRV records health gating lets through;
 * A/AAAA records stay either way) to out, grouped by the configured zone holding each owner
 * (longest suffix), or in the group "" when no configured zone holds it (found by discovery).
 * Returns 0 or -1 on ENOMEM. */
int pub_desired_build(const pub_config_t *conf, const pub_fleet_t *fleet, pub_zoneset_t *out);
