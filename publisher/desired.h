/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The desired records: one SRV per (host, domain) and each host's A/AAAA records. Computed
 * every round from the configuration (later also from host health). */
#pragma once

#include "publisher/conf.h"
#include "publisher/rr.h"

/* Append the desired records to out, with zone set from the configured zones (longest
 * suffix) or left empty for discovery. Returns 0 or -1 on ENOMEM. */
int pub_desired_build(const pub_config_t *conf, pub_rrlist_t *out);
