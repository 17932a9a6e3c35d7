/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Parts of publisher.yaml's loader kept out of conf.c: the health schema and the per-host
 * resolution (health inheritance, name: auto, addresses: auto). */
#pragma once

#include "dns/schema.h"
#include "publisher/conf.h"

/* The rows of the top-level health mapping, and of a host's (which adds address and port). */
extern const kd_schema_t pub_health_schema[];
extern const kd_schema_t pub_host_health_schema[];

/* Give every host its effective health values and resolve name: auto and addresses: auto.
 * Returns 0, or -1 with "name:line:column: ..." in err. */
int pub_config_resolve_hosts(const char *name, pub_config_t *conf, kd_error_t *err);
