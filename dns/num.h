/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Decimal numbers as configuration files, state files and command lines write them: ASCII
 * digits only (no sign, no blanks, no base prefix), checked for overflow. Outputs are untouched
 * on failure. libknot-free. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The number made by the digits at the start of text ("250" of "250ms"). Returns how many
 * characters it took, or 0 when text does not start with a digit or the value does not fit
 * uint64_t. */
size_t kd_num_prefix(const char *text, uint64_t *out);

/* The whole of text as a number in [min, max]. Returns 0, or -1 when text is empty, holds
 * anything but digits, or is out of range. */
int kd_num_parse(const char *text, uint64_t min, uint64_t max, uint64_t *out);
