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
	if (list->n == KMSL_LIST_MAX)
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

KMSL_API kmsl_result_t kmsl_list_addr_result(const kmsl_list_t *list, size_t i, size_t j)
{
	const kmsl_cand_t *c = CAND(list, i);
	if (c == NULL || j >= c->naddrs)
		return KMSL_RESULT_NONE;
	switch (c->results[j]) { /* no default: the compiler names a missing case */
	case KD_PROBE_UNTRIED: return KMSL_RESULT_NONE;
	case KD_PROBE_ALIVE: return KMSL_RESULT_ALIVE;
	case KD_PROBE_REFUSED: return KMSL_RESULT_REFUSED;
	case KD_PROBE_TIMEOUT: return KMSL_RESULT_TIMEOUT;
	case KD_PROBE_NAK:
	case KD_PROBE_GARBAGE: return KMSL_RESULT_NOTKMS;
	case KD_PROBE_CANCELLED: return KMSL_RESULT_CANCELLED;
	case KD_PROBE_NOANSWER: return KMSL_RESULT_NOANSWER;
	case KD_PROBE_RESET: return KMSL_RESULT_RESET;
	case KD_PROBE_UNREACH: return KMSL_RESULT_UNREACHABLE;
	case KD_PROBE_DEADLINE: return KMSL_RESULT_DEADLINE;
	}
	return KMSL_RESULT_NONE;
}

KMSL_API kmsl_result_t kmsl_list_result(const kmsl_list_t *list, size_t i)
{
	const kmsl_cand_t *c = CAND(list, i);
	if (c == NULL)
		return KMSL_RESULT_NONE;
	if (c->naddrs == 0)
		return KMSL_RESULT_NOADDRESS;
	kmsl_result_t first = KMSL_RESULT_NONE;
	bool cancelled = false, deadline = false;
	for (size_t j = 0; j < c->naddrs; j++) {
		kmsl_result_t r = kmsl_list_addr_result(list, i, j);
		if (r == KMSL_RESULT_ALIVE)
			return r;
		deadline |= r == KMSL_RESULT_DEADLINE;
		cancelled |= r == KMSL_RESULT_CANCELLED;
		if (first == KMSL_RESULT_NONE && r != KMSL_RESULT_CANCELLED &&
		    r != KMSL_RESULT_DEADLINE)
			first = r;
	}
	if (deadline)
		return KMSL_RESULT_DEADLINE;
	if (first != KMSL_RESULT_NONE)
		return first;
	return cancelled ? KMSL_RESULT_CANCELLED : KMSL_RESULT_NONE;
}

KMSL_API const char *kmsl_list_detail(const kmsl_list_t *list, size_t i)
{
	const kmsl_cand_t *c = CAND(list, i);
	return c == NULL ? "" : c->detail;
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
