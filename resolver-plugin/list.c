/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "resolver-plugin/list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/array.h"

kmsl_list_t *kmsl_list_new(void)
{
	return calloc(1, sizeof(kmsl_list_t));
}

KMSL_API void kmsl_list_free(kmsl_list_t *list)
{
	if (list == NULL)
		return;
	free(list->cands);
	free(list->suffixes);
	free(list);
}

int kmsl_list_add(kmsl_list_t *list, const kmsl_cand_t *c)
{
	for (size_t i = 0; i < list->n; i++)
		if (list->cands[i].port == c->port &&
		    kd_dname_equal(list->cands[i].target, c->target))
			return 0;
	if (list->n == KMSL_MAX_CANDS)
		return -1;
	kmsl_cand_t *p = kd_array_reserve(list->cands, &list->cap, list->n + 1, sizeof(*p));
	if (p == NULL)
		return -1;
	list->cands = p;
	list->cands[list->n++] = *c;
	return 0;
}

int kmsl_list_add_suffix(kmsl_list_t *list, const char *name, kmsl_reason_t reason)
{
	kmsl_suffix_t *p = kd_array_reserve(list->suffixes, &list->capsuffixes, list->nsuffixes + 1,
	                                    sizeof(*p));
	if (p == NULL)
		return -1;
	list->suffixes = p;
	kmsl_suffix_t *s = &list->suffixes[list->nsuffixes++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->reason = reason;
	return 0;
}

/* Accessors: an index out of range gives 0 / "" / NULL rather than a crash. */
#define CAND(list, i) ((list) != NULL && (i) < (list)->n ? &(list)->cands[i] : NULL)

KMSL_API size_t kmsl_list_count(const kmsl_list_t *list)
{
	return list == NULL ? 0 : list->n;
}

KMSL_API uint16_t kmsl_list_priority(const kmsl_list_t *list, size_t i)
{
	const kmsl_cand_t *c = CAND(list, i);
	return c == NULL ? 0 : c->priority;
}

KMSL_API uint16_t kmsl_list_weight(const kmsl_list_t *list, size_t i)
{
	const kmsl_cand_t *c = CAND(list, i);
	return c == NULL ? 0 : c->weight;
}

KMSL_API uint16_t kmsl_list_port(const kmsl_list_t *list, size_t i)
{
	const kmsl_cand_t *c = CAND(list, i);
	return c == NULL ? 0 : c->port;
}

KMSL_API const char *kmsl_list_target(const kmsl_list_t *list, size_t i)
{
	const kmsl_cand_t *c = CAND(list, i);
	return c == NULL ? "" : c->target;
}

KMSL_API const char *kmsl_list_source(const kmsl_list_t *list, size_t i)
{
	const kmsl_cand_t *c = CAND(list, i);
	return c == NULL ? "" : c->suffix;
}

KMSL_API kmsl_state_t kmsl_list_state(const kmsl_list_t *list, size_t i)
{
	const kmsl_cand_t *c = CAND(list, i);
	return c == NULL ? KMSL_STATE_UNKNOWN : c->state;
}

KMSL_API size_t kmsl_list_addr_count(const kmsl_list_t *list, size_t i)
{
	const kmsl_cand_t *c = CAND(list, i);
	return c == NULL ? 0 : c->naddrs;
}

KMSL_API const struct sockaddr *kmsl_list_addr(const kmsl_list_t *list, size_t i, size_t j,
                                               socklen_t *len_out)
{
	const kmsl_cand_t *c = CAND(list, i);
	if (c == NULL || j >= c->naddrs)
		return NULL;
	if (len_out != NULL)
		*len_out = c->addrs[j].len;
	return (const struct sockaddr *)&c->addrs[j].ss;
}

KMSL_API size_t kmsl_list_suffix_count(const kmsl_list_t *list)
{
	return list == NULL ? 0 : list->nsuffixes;
}

KMSL_API const char *kmsl_list_suffix_name(const kmsl_list_t *list, size_t k)
{
	return list == NULL || k >= list->nsuffixes ? "" : list->suffixes[k].name;
}

KMSL_API kmsl_reason_t kmsl_list_suffix_reason(const kmsl_list_t *list, size_t k)
{
	return list == NULL || k >= list->nsuffixes ? KMSL_REASON_ERROR : list->suffixes[k].reason;
}
