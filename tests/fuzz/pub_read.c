/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kms-publisher's read path: the records a primary answers (pub_actual_read) and the zone and
 * primary found by SOA queries (pub_zone_discover; the zone must hold the name, the primary's
 * addresses must be addresses). Input: the server's messages (fake_net.h). */
#include "config.h"

#include <stdlib.h>
#include <sys/socket.h>

#include "publisher/actual.h"
#include "tests/fuzz/fake_net.h"

static const char *const wanted_text[] = {
        "_vlmcs._tcp.example.test. 300 SRV 0 0 1688 kms1.example.test.",
        "kms1.example.test. 300 A 192.0.2.10",
        "kms1.example.test. 300 AAAA 2001:db8::10",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kd_query_opts_t opts = {.servers = fake_net_server(), .count = 1, .tcp = true};
	pub_rrlist_t wanted = {0}, found = {0};
	for (size_t i = 0; i < sizeof(wanted_text) / sizeof(wanted_text[0]); i++) {
		pub_rr_t rr;
		if (pub_rr_parse(wanted_text[i], &rr) != 0 || pub_rrlist_add(&wanted, &rr) != 0)
			abort();
	}
	fake_net_feed(data, size);
	kd_addr_t from, servers[4];
	char err[512], zone[PUB_NAME_MAX];
	size_t n = 0;
	pub_actual_read(&opts, "example.test.", &wanted, &found, &from, err, sizeof(err));
	const char *owner = "_vlmcs._tcp.example.test.";
	if (pub_zone_discover(&opts, owner, 53, zone, servers, 4, &n, err, sizeof(err)) == 0) {
		if (!kd_dname_in_zone(owner, zone) || n == 0 || n > 4)
			abort();
		for (size_t i = 0; i < n; i++)
			if (servers[i].ss.ss_family != AF_INET &&
			    servers[i].ss.ss_family != AF_INET6)
				abort();
	}
	pub_rrlist_deinit(&wanted);
	pub_rrlist_deinit(&found);
	return 0;
}
