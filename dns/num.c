/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/num.h"

size_t kd_num_prefix(const char *text, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; text[i] >= '0' && text[i] <= '9'; i++) {
		unsigned d = (unsigned)(text[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (i > 0)
		*out = v;
	return i;
}

int kd_num_parse(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t n = kd_num_prefix(text, &v);
	if (n == 0 || text[n] != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
