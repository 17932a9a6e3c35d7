/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "resolver-plugin/delay.h"

uint32_t kmsl_srtt_update(uint32_t srtt_us, uint64_t sample_us)
{
	if (sample_us > UINT32_MAX)
		sample_us = UINT32_MAX;
	if (sample_us == 0)
		sample_us = 1;
	if (srtt_us == 0)
		return (uint32_t)sample_us;
	uint64_t s = ((uint64_t)srtt_us * 7 + sample_us + 4) / 8;
	return s == 0 ? 1 : (uint32_t)s;
}

uint64_t kmsl_auto_delay_ms(uint32_t srtt_us, uint64_t dns_rtt_us)
{
	uint64_t base = srtt_us > 0 ? srtt_us : dns_rtt_us;
	if (base == 0 || base >= KMSL_DELAY_MAX_MS * 1000)
		return KMSL_DELAY_MAX_MS;
	uint64_t ms = (2 * base + 999) / 1000;
	if (ms < KMSL_DELAY_MIN_MS)
		return KMSL_DELAY_MIN_MS;
	return ms > KMSL_DELAY_MAX_MS ? KMSL_DELAY_MAX_MS : ms;
}
