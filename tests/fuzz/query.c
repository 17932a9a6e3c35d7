/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DNS answers to kd_query (UDP, retried over TCP when truncated) and kd_query_batch (pipelined
 * TCP): the reply parse and the check that a reply answers the question. Input: the server's
 * messages (fake_net.h). */
#include "config.h"

#include "dns/query.h"
#include "tests/fuzz/fake_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kd_query_opts_t opts = {.servers = fake_net_server(), .count = 1, .timeout_ms = 1000};
	fake_net_feed(data, size);
	ldns_pkt *pkt = NULL;
	if (kd_query(&opts, "_vlmcs._tcp.example.test", LDNS_RR_TYPE_SRV, &pkt, NULL) == KD_OK)
		ldns_pkt_free(pkt);
	kd_question_t qs[] = {
	        {.name = "kms1.example.test.", .type = LDNS_RR_TYPE_A},
	        {.name = "kms1.example.test.", .type = LDNS_RR_TYPE_AAAA},
	        {.name = "_vlmcs._tcp.example.test.", .type = LDNS_RR_TYPE_SRV},
	};
	opts.tcp = true;
	kd_query_batch(&opts, NULL, qs, 3, NULL);
	for (size_t i = 0; i < 3; i++)
		ldns_pkt_free(qs[i].answer);
	return 0;
}
