/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/desired.h"

#include <stdio.h>
#include <string.h>

/* Add rr under the configured zone of owner; a NULL rr is a failed allocation. */
static int add(const pub_config_t *conf, const char *owner, ldns_rr *rr, pub_zoneset_t *out)
{
	if (rr == NULL)
		return -1;
	const pub_zone_t *z = pub_config_zone_for(conf, owner);
	return pub_zoneset_add(out, z != NULL ? z->name : "", rr);
}

int pub_desired_build(const pub_config_t *conf, pub_zoneset_t *out)
{
	const pub_conf_raw_t *r = &conf->raw;
	for (size_t h = 0; h < r->hosts_count; h++) {
		const pub_host_conf_t *host = &r->hosts[h];
		for (size_t a = 0; a < host->addresses_count; a++)
			if (add(conf, host->name,
			        pub_rr_new_addr(host->name, r->ttl, host->addresses[a]), out) != 0)
				return -1;
	}
	for (size_t d = 0; d < r->domains_count; d++) {
		const pub_domain_conf_t *dom = &r->domains[d];
		char owner[PUB_NAME_MAX + 16];
		snprintf(owner, sizeof(owner), "_vlmcs._tcp.%s", dom->name);
		for (size_t h = 0; h < r->hosts_count; h++) {
			ldns_rr *rr = pub_rr_new_srv(owner, r->ttl, (uint16_t)dom->priority,
			                             (uint16_t)dom->weight,
			                             (uint16_t)r->hosts[h].port, r->hosts[h].name);
			if (add(conf, owner, rr, out) != 0)
				return -1;
		}
	}
	return 0;
}
