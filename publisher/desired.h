/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The desired records: one SRV per (host, domain) and each host's A/AAAA records. Computed
 * every round from the configuration (later also from host health). */
#pragma once

#include "publisher/conf.h"
#include "publisher/rr.h"

/* Add the desired records to out, grouped by the configured zone holding each owner (longest
 * suffix), or in the group "" when no configured zone holds it (found by discovery). Returns 0
 * or -1 on ENOMEM. */
int pub_desired_build(const pub_config_t *conf, pub_zoneset_t *out);
