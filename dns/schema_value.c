/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/schema_int.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/num.h"

int kd_parse_duration(const char *text, uint64_t *ms_out)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {
	        {"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000},
	};
	uint64_t v;
	size_t n = kd_num_prefix(text, &v);
	if (n == 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(text + n, units[i].unit) != 0)
			continue;
		if (v > UINT64_MAX / units[i].ms)
			return -1;
		*ms_out = v * units[i].ms;
		return 0;
	}
	return -1;
}

void kd_format_duration(uint64_t ms, char *buf, size_t len)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}};
	for (size_t i = 0; ms != 0 && i < sizeof(units) / sizeof(units[0]); i++) {
		if (ms % units[i].ms == 0) {
			snprintf(buf, len, "%llu%s", (unsigned long long)(ms / units[i].ms),
			         units[i].unit);
			return;
		}
	}
	snprintf(buf, len, ms == 0 ? "0s" : "%llums", (unsigned long long)ms);
}

static void format_value(const kd_schema_t *row, uint64_t v, char *buf, size_t len)
{
	if (row->type == KD_T_DURATION)
		kd_format_duration(v, buf, len);
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

static int check_bounds(const kd_schema_t *row, uint64_t v, char *why, size_t whylen)
{
	uint64_t max = row->max;
	if (row->type == KD_T_UINT && (max == 0 || max > UINT_MAX))
		max = UINT_MAX;
	if (v >= row->min && (max == 0 || v <= max))
		return 0;
	char val[32], lo[32], hi[32];
	format_value(row, v, val, sizeof(val));
	format_value(row, row->min, lo, sizeof(lo));
	if (max == 0) {
		snprintf(why, whylen, "%s is below the minimum %s", val, lo);
	} else {
		format_value(row, max, hi, sizeof(hi));
		snprintf(why, whylen, "%s is out of range %s..%s", val, lo, hi);
	}
	return -1;
}

static int parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on"};
	static const char *const no[] = {"false", "no", "off"};
	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int parse_enum(const kd_schema_t *row, const char *text, int *out, char *why, size_t whylen)
{
	for (int i = 0; row->enum_names != NULL && row->enum_names[i] != NULL; i++) {
		if (strcasecmp(text, row->enum_names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	int n = snprintf(why, whylen, "invalid value '%s' (expected one of:", text);
	for (int i = 0; row->enum_names != NULL && row->enum_names[i] != NULL; i++) {
		if (n < 0 || (size_t)n >= whylen)
			break;
		n += snprintf(why + n, whylen - (size_t)n, "%s %s", i > 0 ? "," : "",
		              row->enum_names[i]);
	}
	if (n >= 0 && (size_t)n < whylen)
		snprintf(why + n, whylen - (size_t)n, ")");
	return -1;
}

int kd_scalar_parse(const kd_schema_t *row, const char *text, void *field, char *why, size_t whylen)
{
	uint64_t v;
	switch (row->type) {
	case KD_T_UINT:
		if (kd_num_parse(text, 0, UINT64_MAX, &v) != 0) {
			snprintf(why, whylen, "invalid number '%s'", text);
			return -1;
		}
		if (check_bounds(row, v, why, whylen) != 0)
			return -1;
		*(unsigned *)field = (unsigned)v;
		return 0;
	case KD_T_DURATION:
		if (kd_parse_duration(text, &v) != 0) {
			snprintf(why, whylen,
			         "invalid duration '%s' (expected a number with ms, s, m, h or d)",
			         text);
			return -1;
		}
		if (check_bounds(row, v, why, whylen) != 0)
			return -1;
		*(uint64_t *)field = v;
		return 0;
	case KD_T_BOOL:
		if (parse_bool(text, field) == 0)
			return 0;
		snprintf(why, whylen,
		         "invalid boolean '%s' (expected true/false, yes/no or on/off)", text);
		return -1;
	case KD_T_ENUM: return parse_enum(row, text, field, why, whylen);
	default: snprintf(why, whylen, "not a scalar type"); return -1;
	}
}
