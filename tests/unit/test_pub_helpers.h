/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Small record constructors shared by the publisher unit tests. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "publisher/rr.h"

/* A new SRV record with TTL 600 (the caller frees it, or a list that owns it does). */
static inline ldns_rr *t_srv(const char *owner, uint16_t prio, uint16_t weight, uint16_t port,
                             const char *target)
{
	ldns_rr *rr = pub_rr_new_srv(owner, 600, prio, weight, port, target);
	if (rr == NULL)
		abort();
	return rr;
}

/* A new A or AAAA record with TTL 600. */
static inline ldns_rr *t_addr(const char *owner, const char *ip)
{
	ldns_rr *rr = pub_rr_new_addr(owner, 600, ip);
	if (rr == NULL)
		abort();
	return rr;
}

static inline void t_add(pub_rrlist_t *l, ldns_rr *rr)
{
	if (pub_rrlist_add(l, rr) != 0)
		abort();
}
