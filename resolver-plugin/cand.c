/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "resolver-plugin/cand.h"

#include <sys/socket.h>

void kmsl_cand_add_addrs(kmsl_cand_t *c, const kd_addr_t *add, size_t n, uint32_t ttl)
{
	/* Split what is there and what comes by family, each without duplicates. */
	kd_addr_t fam[2][KMSL_MAX_ADDRS * 2];
	size_t nf[2] = {0, 0};
	for (size_t k = 0; k < c->naddrs + n; k++) {
		const kd_addr_t *a = k < c->naddrs ? &c->addrs[k] : &add[k - c->naddrs];
		size_t f = a->ss.ss_family == AF_INET6 ? 0 : 1;
		bool dup = false;
		for (size_t j = 0; j < nf[f] && !dup; j++)
			dup = kd_addr_equal(&fam[f][j], a);
		if (!dup && nf[f] < KMSL_MAX_ADDRS)
			fam[f][nf[f]++] = *a;
	}
	if (n > 0 && (c->addr_ttl == 0 || ttl < c->addr_ttl))
		c->addr_ttl = ttl;
	size_t out = 0, i[2] = {0, 0};
	while (out < KMSL_MAX_ADDRS && (i[0] < nf[0] || i[1] < nf[1]))
		for (size_t f = 0; f < 2 && out < KMSL_MAX_ADDRS; f++)
			if (i[f] < nf[f])
				c->addrs[out++] = fam[f][i[f]++];
	c->naddrs = out;
}

/* Whether a is preferred over b (same target and port). */
static bool preferred(const kmsl_cand_t *a, const kmsl_cand_t *b)
{
	return a->priority < b->priority || (a->priority == b->priority && a->weight > b->weight);
}

void kmsl_cand_dedupe(kmsl_cand_t *cands, size_t *n)
{
	size_t out = 0;
	for (size_t i = 0; i < *n; i++) {
		size_t k = 0;
		while (k < out && (cands[k].port != cands[i].port ||
		                   !kd_dname_equal(cands[k].target, cands[i].target)))
			k++;
		if (k == out) {
			if (out != i)
				cands[out] = cands[i];
			out++;
		} else if (preferred(&cands[i], &cands[k])) {
			kmsl_cand_t keep = cands[i];
			kmsl_cand_add_addrs(&keep, cands[k].addrs, cands[k].naddrs,
			                    cands[k].addr_ttl);
			keep.families |= cands[k].families;
			cands[k] = keep;
		} else {
			kmsl_cand_add_addrs(&cands[k], cands[i].addrs, cands[i].naddrs,
			                    cands[i].addr_ttl);
			cands[k].families |= cands[i].families;
		}
	}
	*n = out;
}
