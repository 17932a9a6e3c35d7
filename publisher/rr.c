/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/rr.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/array.h"
#include "dns/num.h"

/* A name field of a record line: canonical, never the root (we publish no record there). */
static int name_field(const char *text, char dst[PUB_NAME_MAX])
{
	char canon[PUB_NAME_MAX];
	if (kd_dname_canon(text, canon, sizeof(canon)) != 0 || strcmp(canon, ".") == 0)
		return -1;
	memcpy(dst, canon, sizeof(canon));
	return 0;
}

bool pub_rr_equal(const pub_rr_t *a, const pub_rr_t *b)
{
	if (a->type != b->type || strcasecmp(a->owner, b->owner) != 0)
		return false;
	switch (a->type) {
	case PUB_T_SRV:
		return a->priority == b->priority && a->weight == b->weight && a->port == b->port &&
		       strcasecmp(a->target, b->target) == 0;
	case PUB_T_A: return memcmp(a->addr, b->addr, 4) == 0;
	case PUB_T_AAAA: return memcmp(a->addr, b->addr, 16) == 0;
	}
	return false;
}

void pub_rr_rdata_str(const pub_rr_t *rr, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	switch (rr->type) {
	case PUB_T_SRV:
		snprintf(buf, len, "SRV %u %u %u %s", rr->priority, rr->weight, rr->port,
		         rr->target);
		return;
	case PUB_T_A:
		inet_ntop(AF_INET, rr->addr, ip, sizeof(ip));
		snprintf(buf, len, "A %s", ip);
		return;
	case PUB_T_AAAA:
		inet_ntop(AF_INET6, rr->addr, ip, sizeof(ip));
		snprintf(buf, len, "AAAA %s", ip);
		return;
	}
	snprintf(buf, len, "TYPE%u", rr->type);
}

void pub_rr_str(const pub_rr_t *rr, char *buf, size_t len)
{
	char rdata[PUB_NAME_MAX + 64];
	pub_rr_rdata_str(rr, rdata, sizeof(rdata));
	snprintf(buf, len, "%s %" PRIu32 " %s", rr->owner, rr->ttl, rdata);
}

int pub_rr_set_addr(pub_rr_t *rr, const char *text)
{
	uint8_t a[16] = {0};
	if (inet_pton(AF_INET, text, a) == 1) {
		rr->type = PUB_T_A;
	} else if (inet_pton(AF_INET6, text, a) == 1) {
		rr->type = PUB_T_AAAA;
	} else {
		return -1;
	}
	memcpy(rr->addr, a, sizeof(a));
	return 0;
}

static int parse_u16(const char *text, uint16_t *out)
{
	uint64_t v;
	if (kd_num_parse(text, 0, 65535, &v) != 0)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int pub_rr_parse(const char *text, pub_rr_t *out)
{
	char owner[PUB_NAME_MAX], type[16], f[4][PUB_NAME_MAX];
	unsigned long ttl;
	char extra;
	pub_rr_t rr;
	memset(&rr, 0, sizeof(rr));
	int n = sscanf(text, "%255s %lu %15s %255s %255s %255s %255s %c", owner, &ttl, type, f[0],
	               f[1], f[2], f[3], &extra);
	if (n < 4 || ttl > UINT32_MAX || name_field(owner, rr.owner) != 0)
		return -1;
	rr.ttl = (uint32_t)ttl;
	if (strcasecmp(type, "SRV") == 0) {
		if (n != 7 || parse_u16(f[0], &rr.priority) != 0 ||
		    parse_u16(f[1], &rr.weight) != 0 || parse_u16(f[2], &rr.port) != 0 ||
		    name_field(f[3], rr.target) != 0)
			return -1;
		rr.type = PUB_T_SRV;
	} else if (strcasecmp(type, "A") == 0 || strcasecmp(type, "AAAA") == 0) {
		if (n != 4 || pub_rr_set_addr(&rr, f[0]) != 0)
			return -1;
		if ((rr.type == PUB_T_A) != (strcasecmp(type, "A") == 0))
			return -1;
	} else {
		return -1;
	}
	*out = rr;
	return 0;
}

int pub_rrlist_add(pub_rrlist_t *list, const pub_rr_t *rr)
{
	pub_rr_t *v = kd_array_reserve(list->v, &list->cap, list->n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	list->v = v;
	v[list->n++] = *rr;
	return 0;
}

long pub_rrlist_find(const pub_rrlist_t *list, const pub_rr_t *rr)
{
	for (size_t i = 0; i < list->n; i++)
		if (pub_rr_equal(&list->v[i], rr))
			return (long)i;
	return -1;
}

void pub_rrlist_remove(pub_rrlist_t *list, size_t i)
{
	if (i >= list->n)
		return;
	memmove(&list->v[i], &list->v[i + 1], (list->n - i - 1) * sizeof(list->v[0]));
	list->n--;
}

void pub_rrlist_deinit(pub_rrlist_t *list)
{
	free(list->v);
	memset(list, 0, sizeof(*list));
}
