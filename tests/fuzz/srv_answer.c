/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libkmslocate's reading of an SRV answer (kmsl_srv_answer): the records that answer the name
 * (CNAME chains), addresses from the additional section, the "." target. Input: one DNS
 * message. */
#include "config.h"

#include <ldns/ldns.h>

#include "resolver-plugin/discover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static kmsl_cand_t cands[KMSL_MAX_CANDS];
	ldns_pkt *pkt = NULL;
	if (ldns_wire2pkt(&pkt, data, size) != LDNS_STATUS_OK)
		return 0;
	size_t n = 0;
	char follow[KMSL_SRV_NAME_MAX];
	kmsl_srv_answer(pkt, "_vlmcs._tcp.example.test.", "example.test", cands, KMSL_MAX_CANDS, &n,
	                follow);
	ldns_pkt_free(pkt);
	return 0;
}
