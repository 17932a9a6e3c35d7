/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/desired.h"

#include <stdio.h>
#include <string.h>

static void set_zone(const pub_config_t *conf, pub_rr_t *rr)
{
	const pub_zone_t *z = pub_config_zone_for(conf, rr->owner);
	snprintf(rr->zone, sizeof(rr->zone), "%s", z != NULL ? z->name : "");
}

int pub_desired_build(const pub_config_t *conf, pub_rrlist_t *out)
{
	const pub_conf_raw_t *r = &conf->raw;
	for (size_t h = 0; h < r->hosts_count; h++) {
		const pub_host_conf_t *host = &r->hosts[h];
		for (size_t a = 0; a < host->addresses_count; a++) {
			pub_rr_t rr;
			memset(&rr, 0, sizeof(rr));
			kd_dname_canon(host->name, rr.owner, sizeof(rr.owner));
			pub_rr_set_addr(&rr, host->addresses[a]);
			rr.ttl = r->ttl;
			set_zone(conf, &rr);
			if (pub_rrlist_add(out, &rr) != 0)
				return -1;
		}
	}
	for (size_t d = 0; d < r->domains_count; d++) {
		const pub_domain_conf_t *dom = &r->domains[d];
		char owner[PUB_NAME_MAX + 16];
		snprintf(owner, sizeof(owner), "_vlmcs._tcp.%s", dom->name);
		for (size_t h = 0; h < r->hosts_count; h++) {
			pub_rr_t rr;
			memset(&rr, 0, sizeof(rr));
			kd_dname_canon(owner, rr.owner, sizeof(rr.owner));
			kd_dname_canon(r->hosts[h].name, rr.target, sizeof(rr.target));
			rr.type = PUB_T_SRV;
			rr.ttl = r->ttl;
			rr.priority = (uint16_t)dom->priority;
			rr.weight = (uint16_t)dom->weight;
			rr.port = (uint16_t)r->hosts[h].port;
			set_zone(conf, &rr);
			if (pub_rrlist_add(out, &rr) != 0)
				return -1;
		}
	}
	return 0;
}
