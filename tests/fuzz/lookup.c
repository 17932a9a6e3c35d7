/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dns/lookup.c on DNS answers: the zone and MNAME from SOA answers (kd_find_zone, walking up
 * from the name) and the addresses of a host, CNAMEs followed (kd_resolve_addrs). The zone found
 * must hold the name, and every address must be one. Input: the server's messages
 * (fake_net.h). */
#include "config.h"

#include <stdlib.h>
#include <sys/socket.h>

#include "dns/dname.h"
#include "dns/lookup.h"
#include "tests/fuzz/fake_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kd_query_opts_t opts = {.servers = fake_net_server(), .count = 1, .recurse = true};
	fake_net_feed(data, size);
	char *zone = NULL, *mname = NULL;
	if (kd_find_zone(&opts, "kms1.sub.example.test", &zone, &mname) == KD_OK) {
		if (!kd_dname_in_zone("kms1.sub.example.test", zone))
			abort();
		free(zone);
		free(mname);
	}
	kd_addr_t addrs[4];
	size_t n = 0;
	if (kd_resolve_addrs(&opts, "kms1.example.test", 1688, addrs, 4, &n) == KD_OK)
		for (size_t i = 0; i < n; i++)
			if (addrs[i].ss.ss_family != AF_INET && addrs[i].ss.ss_family != AF_INET6)
				abort();
	return 0;
}
