/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One candidate KMS host (an SRV record with its addresses) inside libkmslocate. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/addr.h"
#include "dns/dname.h"
#include "resolver-plugin/kmslocate.h"

#define KMSL_MAX_ADDRS 8
#define KMSL_MAX_CANDS 64 /* per suffix and per list: more is a misconfiguration */

typedef struct {
	char target[KMSL_NAME_MAX]; /* kd_dname_text form; "." for the root */
	char suffix[KMSL_NAME_MAX]; /* kd_dname_text form; "" for a static host */
	uint16_t priority;
	uint16_t weight;
	uint16_t port;
	uint32_t ttl; /* seconds, of the SRV record */
	kd_addr_t addrs[KMSL_MAX_ADDRS];
	size_t naddrs;
	kmsl_state_t state;
	bool fresh; /* from a query now, not from the state file's cache */
} kmsl_cand_t;
