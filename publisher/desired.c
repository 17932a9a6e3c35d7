/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/desired.h"

#include <stdio.h>
#include <string.h>

/* The configured zone of owner, "" when none. */
static const char *zone_of(const pub_config_t *conf, const char *owner)
{
	const pub_zone_t *z = pub_config_zone_for(conf, owner);
	return z != NULL ? z->name : "";
}

/* Add rr under zone; a NULL rr is a failed allocation. */
static int add(const char *zone, ldns_rr *rr, pub_zoneset_t *out)
{
	return rr != NULL ? pub_zoneset_add(out, zone, rr) : -1;
}

int pub_desired_build(const pub_config_t *conf, const pub_fleet_t *fleet, pub_zoneset_t *out)
{
	const pub_conf_raw_t *r = &conf->raw;
	for (size_t h = 0; h < r->hosts_count; h++) {
		const pub_host_conf_t *host = &r->hosts[h];
		const char *zone = host->addresses_count > 0 ? zone_of(conf, host->name) : "";
		for (size_t a = 0; a < host->addresses_count; a++)
			if (add(zone, pub_rr_new_addr(host->name, r->ttl, host->addresses[a]),
			        out) != 0)
				return -1;
	}
	for (size_t d = 0; d < r->domains_count; d++) {
		const pub_domain_conf_t *dom = &r->domains[d];
		char owner[PUB_NAME_MAX + 16];
		snprintf(owner, sizeof(owner), "_vlmcs._tcp.%s", dom->name);
		const char *zone = zone_of(conf, owner); /* once per owner: zones can be many */
		for (size_t h = 0; h < r->hosts_count; h++) {
			if (!pub_fleet_wanted(fleet, h, d))
				continue;
			ldns_rr *rr = pub_rr_new_srv(owner, r->ttl, (uint16_t)dom->priority,
			                             (uint16_t)dom->weight,
			                             (uint16_t)r->hosts[h].port, r->hosts[h].name);
			if (add(zone, rr, out) != 0)
				return -1;
		}
	}
	return 0;
}
