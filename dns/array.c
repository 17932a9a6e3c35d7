/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/array.h"

#include <stdint.h>
#include <stdlib.h>

#define MIN_CAP 8

void *kd_array_reserve(void *v, size_t *cap, size_t need, size_t elem_size)
{
	if (v != NULL && need <= *cap)
		return v;
	size_t ncap = *cap < MIN_CAP ? MIN_CAP : *cap;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return NULL;
		ncap *= 2;
	}
	if (elem_size != 0 && ncap > SIZE_MAX / elem_size)
		return NULL;
	void *p = realloc(v, ncap * elem_size);
	if (p == NULL)
		return NULL;
	*cap = ncap;
	return p;
}
