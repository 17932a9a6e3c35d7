/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DNS answers to dns/qengine, the engine libkmslocate asks with: three questions in flight to
 * two servers over UDP (TCP when truncated), rcodes that pass to the next server, timeouts and
 * retries on a virtual clock. The engine must finish every question by its deadline. Input:
 * the servers' messages (fake_net.h, delivered by fake_udp.h). */
#include "config.h"

#include <stdlib.h>

#include "dns/clock.h"
#include "dns/qengine.h"
#include "tests/fuzz/fake_net.h"
#include "tests/fuzz/fake_udp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct {
		const char *name;
		ldns_rr_type type;
	} ask[] = {{"_vlmcs._tcp.example.test.", LDNS_RR_TYPE_SRV},
	           {"kms1.example.test.", LDNS_RR_TYPE_A},
	           {"kms1.example.test.", LDNS_RR_TYPE_AAAA}};
	kd_addr_t servers[2] = {*fake_net_server(), *fake_net_server()};
	kd_addr_set_port(&servers[1], 5353);
	kd_qe_servers_t srv = {
	        .servers = servers, .count = 2, .timeout_ms = 500, .attempts = 2, .recurse = true};
	fake_net_feed(data, size);
	fake_udp_clock(true);
	kd_qe_t *e = kd_qe_new();
	if (e == NULL)
		abort();
	uint64_t deadline = kd_now_ms() + 3000;
	long q[3];
	for (size_t i = 0; i < 3; i++)
		q[i] = kd_qe_ask(e, &srv, ask[i].name, ask[i].type, deadline, NULL);
	/* Each step takes a message or moves the clock to a timer: the input bounds the steps. */
	for (size_t steps = 0; kd_qe_pending(e) > 0; steps++)
		if (steps > size + 100)
			abort(); /* a question outlived its deadline */
		else
			kd_qe_step(e, deadline + 1000);
	for (size_t i = 0; i < 3; i++) {
		const ldns_pkt *answer = NULL;
		if (!kd_qe_done(e, q[i]) || kd_qe_result(e, q[i], &answer, NULL) == KD_EAGAIN)
			abort();
	}
	kd_qe_free(e);
	fake_udp_clock(false);
	return 0;
}
