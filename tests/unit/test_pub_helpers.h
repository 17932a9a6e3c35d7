/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Small record constructors shared by the publisher unit tests. */
#pragma once

#include <stdio.h>
#include <string.h>

#include "publisher/rr.h"

static inline pub_rr_t t_srv(const char *owner, uint16_t prio, uint16_t weight, uint16_t port,
                             const char *target)
{
	pub_rr_t rr;
	memset(&rr, 0, sizeof(rr));
	kd_dname_canon(owner, rr.owner, sizeof(rr.owner));
	kd_dname_canon(target, rr.target, sizeof(rr.target));
	rr.type = PUB_T_SRV;
	rr.ttl = 600;
	rr.priority = prio;
	rr.weight = weight;
	rr.port = port;
	return rr;
}

static inline pub_rr_t t_addr(const char *owner, const char *ip)
{
	pub_rr_t rr;
	memset(&rr, 0, sizeof(rr));
	kd_dname_canon(owner, rr.owner, sizeof(rr.owner));
	pub_rr_set_addr(&rr, ip);
	rr.ttl = 600;
	return rr;
}

static inline void t_add(pub_rrlist_t *l, pub_rr_t rr)
{
	if (pub_rrlist_add(l, &rr) != 0)
		abort();
}
