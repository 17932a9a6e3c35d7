/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "resolver-plugin/order.h"

#include <stdlib.h>
#include <string.h>

/* Stable: equal priorities keep their input order (insertion sort; lists are short). */
static void sort_by_priority(const kmsl_order_key_t *keys, size_t *idx, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		size_t v = idx[i], j = i;
		while (j > 0 && keys[idx[j - 1]].priority > keys[v].priority) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
}

/* Order one priority group idx[0..n) in place, using tmp (n entries) as scratch. */
static void order_group(const kmsl_order_key_t *keys, size_t *idx, size_t n, size_t *tmp,
                        kmsl_rng_t *rng)
{
	size_t nw = 0, nz = 0;
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		if (keys[idx[i]].weight > 0) {
			tmp[nw++] = idx[i];
			sum += keys[idx[i]].weight;
		}
	}
	size_t *zero = tmp + nw;
	for (size_t i = 0; i < n; i++)
		if (keys[idx[i]].weight == 0)
			zero[nz++] = idx[i];

	size_t out = 0;
	while (nw > 0) {
		uint64_t r = kmsl_rng_below(rng, sum), run = 0;
		size_t pick = nw - 1;
		for (size_t i = 0; i < nw; i++) {
			run += keys[tmp[i]].weight;
			if (run > r) {
				pick = i;
				break;
			}
		}
		idx[out++] = tmp[pick];
		sum -= keys[tmp[pick]].weight;
		memmove(&tmp[pick], &tmp[pick + 1], (nw - pick - 1) * sizeof(*tmp));
		nw--;
	}
	/* Fisher-Yates over the weight-0 records. */
	for (size_t i = nz; i > 1; i--) {
		size_t j = (size_t)kmsl_rng_below(rng, i);
		size_t t = zero[i - 1];
		zero[i - 1] = zero[j];
		zero[j] = t;
	}
	for (size_t i = 0; i < nz; i++)
		idx[out++] = zero[i];
}

int kmsl_order(const kmsl_order_key_t *keys, size_t n, kmsl_rng_t *rng, size_t *perm)
{
	if (n == 0)
		return 0;
	size_t *idx = calloc(2 * n, sizeof(*idx));
	if (idx == NULL)
		return -1;
	size_t *tmp = idx + n;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	sort_by_priority(keys, idx, n);
	for (size_t a = 0; a < n;) {
		size_t b = a + 1;
		while (b < n && keys[idx[b]].priority == keys[idx[a]].priority)
			b++;
		order_group(keys, idx + a, b - a, tmp, rng);
		a = b;
	}
	memcpy(perm, idx, n * sizeof(*perm));
	free(idx);
	return 0;
}

int kmsl_cand_order(kmsl_cand_t *cands, size_t n, kmsl_rng_t *rng)
{
	if (n < 2)
		return 0;
	kmsl_order_key_t *keys = calloc(n, sizeof(*keys));
	size_t *perm = calloc(n, sizeof(*perm));
	kmsl_cand_t *copy = calloc(n, sizeof(*copy));
	int ret = -1;
	if (keys == NULL || perm == NULL || copy == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		keys[i].priority = cands[i].priority;
		keys[i].weight = cands[i].weight;
	}
	if (kmsl_order(keys, n, rng, perm) != 0)
		goto out;
	memcpy(copy, cands, n * sizeof(*copy));
	for (size_t i = 0; i < n; i++)
		cands[i] = copy[perm[i]];
	ret = 0;
out:
	free(keys);
	free(perm);
	free(copy);
	return ret;
}

bool kmsl_cand_drop_dot(kmsl_cand_t *cands, size_t *n)
{
	size_t out = 0, had = *n;
	for (size_t i = 0; i < *n; i++) {
		if (strcmp(cands[i].target, ".") == 0)
			continue;
		if (out != i)
			cands[out] = cands[i];
		out++;
	}
	*n = out;
	return had > 0 && out == 0; /* only "." records: same as a lone "." */
}
