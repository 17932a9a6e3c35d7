/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What libnss_kms answers: libkmslocate's discovery and racing probe, turned into an address
 * list. A host name cannot carry a port, so only candidates on the served port take part. */
#include "config.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dns/clock.h"
#include "dns/dname.h"
#include "resolver-plugin/ctx.h"
#include "resolver-plugin/list.h"
#include "resolver-plugin/nss_kms.h"

static void add_addr(nss_kms_answer_t *ans, const struct sockaddr_storage *ss)
{
	nss_kms_addr_t a;
	memset(&a, 0, sizeof(a));
	a.family = ss->ss_family;
	if (ss->ss_family == AF_INET) {
		memcpy(a.addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		memcpy(a.addr, &s6->sin6_addr, 16);
		a.scope = s6->sin6_scope_id;
	} else {
		return;
	}
	for (size_t i = 0; i < ans->naddrs; i++)
		if (memcmp(&ans->addrs[i], &a, sizeof(a)) == 0)
			return;
	if (ans->naddrs < NSS_KMS_MAX_ADDRS)
		ans->addrs[ans->naddrs++] = a;
}

/* Whether this call's race started an attempt to c that did not answer: cancelled when
 * another host won first (it did not answer within the attempt delay), or failed. Such a host
 * is left out of the answer; hosts never started are kept. */
static bool unanswered(const kmsl_cand_t *c)
{
	for (size_t j = 0; j < c->naddrs; j++)
		if (c->results[j] != KD_PROBE_UNTRIED && c->results[j] != KD_PROBE_ALIVE)
			return true;
	return false;
}

void nss_kms_answer_build(const kmsl_list_t *list, const kmsl_host_t *chosen, nss_kms_answer_t *ans)
{
	ans->naddrs = 0;
	snprintf(ans->name, sizeof(ans->name), "%s", chosen->target);
	add_addr(ans, &chosen->addr);
	size_t first = list->n;
	for (size_t i = 0; i < list->n; i++)
		if (list->cands[i].port == chosen->port &&
		    kd_dname_equal(list->cands[i].target, chosen->target))
			first = i;
	if (first < list->n)
		for (size_t j = 0; j < list->cands[first].naddrs; j++)
			add_addr(ans, &list->cands[first].addrs[j].ss);
	for (size_t i = 0; i < list->n; i++) {
		const kmsl_cand_t *c = &list->cands[i];
		if (i == first || c->state == KMSL_STATE_DEAD || c->port != chosen->port ||
		    unanswered(c))
			continue;
		for (size_t j = 0; j < c->naddrs; j++)
			add_addr(ans, &c->addrs[j].ss);
	}
	ans->result = ans->naddrs > 0 ? NSS_KMS_FOUND : NSS_KMS_NOTFOUND;
}

/* No records: a temporary failure when some suffix could not be asked, else not found. */
static nss_kms_result_t no_records(const kmsl_list_t *list)
{
	for (size_t k = 0; k < list->nsuffixes; k++)
		switch (list->suffixes[k].reason) {
		case KMSL_REASON_SERVFAIL:
		case KMSL_REASON_REFUSED:
		case KMSL_REASON_TIMEOUT:
		case KMSL_REASON_ERROR: return NSS_KMS_AGAIN;
		default: break;
		}
	return NSS_KMS_NOTFOUND;
}

void nss_kms_answer_compute(kmsl_ctx_t *ctx, uint16_t port, uint64_t deadline_ms,
                            nss_kms_answer_t *ans)
{
	uint64_t end = kd_now_ms() + deadline_ms;
	memset(ans, 0, sizeof(*ans));
	ans->result = NSS_KMS_NOMEM;
	kmsl_list_t *list = NULL;
	(void)kmsl_set_deadline(ctx, deadline_ms);
	kmsl_err_t err = kmsl_candidates(ctx, &list);
	if (err != KMSL_OK) {
		ans->result = err == KMSL_ENOSUFFIX ? NSS_KMS_NOTFOUND
		              : err == KMSL_ENOMEM  ? NSS_KMS_NOMEM
		                                    : NSS_KMS_UNAVAIL;
		return;
	}
	/* ctx->opts.port_filter (= port) left only the candidates on the served port. */
	if (list->n == 0) {
		ans->result = no_records(list);
		kmsl_list_free(list);
		return;
	}
	/* What is left of the one deadline goes to the race. */
	uint64_t now = kd_now_ms();
	(void)kmsl_set_deadline(ctx, end > now ? end - now : 1);
	int fd = -1;
	kmsl_host_t chosen;
	err = kmsl_connect_list(ctx, list, &fd, &chosen);
	if (fd >= 0)
		close(fd);
	/* Defence in depth: the port filter applies to the list the library asks again too. */
	if (err == KMSL_OK && chosen.port != port)
		ans->result = NSS_KMS_AGAIN;
	else if (err == KMSL_OK)
		nss_kms_answer_build(list, &chosen, ans);
	else
		ans->result = err == KMSL_ENOMEM ? NSS_KMS_NOMEM : NSS_KMS_AGAIN;
	kmsl_list_free(list);
}
