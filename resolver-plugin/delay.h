/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* attempt-delay auto (RFC 8305 sections 5 and 8): the connection attempt delay of a host from
 * the smoothed round-trip time of its earlier connects, else from this call's DNS answer.
 * Internal. */
#pragma once

#include <stdint.h>

#define KMSL_DELAY_MIN_MS        10  /* RFC 8305: never below 10 ms */
#define KMSL_DELAY_MAX_MS        250 /* and, for auto, never above the recommended default */
#define KMSL_RESOLUTION_DELAY_MS 50  /* RFC 8305 resolution delay, used when the delay is auto */

/* The smoothed RTT after one more sample (RFC 6298: the first sample as is, then 7/8 of the
 * old value plus 1/8 of the sample). Microseconds; 0 = no history; a result is >= 1. */
uint32_t kmsl_srtt_update(uint32_t srtt_us, uint64_t sample_us);

/* The auto attempt delay in milliseconds: 2 x srtt_us when the host has history (srtt_us >
 * 0), else 2 x dns_rtt_us when this call asked DNS (dns_rtt_us > 0), else the cap; rounded
 * up to whole milliseconds and kept within [KMSL_DELAY_MIN_MS, KMSL_DELAY_MAX_MS]. */
uint64_t kmsl_auto_delay_ms(uint32_t srtt_us, uint64_t dns_rtt_us);
