/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Monotonic time in milliseconds (deadlines) and microseconds (round-trip times). libknot-free. */
#pragma once

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in milliseconds (never jumps with the wall clock). */
static inline uint64_t kd_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* CLOCK_MONOTONIC in microseconds, for round-trip times. */
static inline uint64_t kd_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}
