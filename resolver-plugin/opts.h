/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The options of a libkmslocate context: their defaults and locate.yaml (one schema table),
 * and the default state file. The API setters in ctx.c change them one by one. Internal. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/addr.h"
#include "resolver-plugin/kmslocate.h"

#define KMSL_DNS_PORT 53
#define KMSL_KMS_PORT 1688

typedef struct {
	char *name; /* kd_dname_text form (no trailing dot) */
	bool has_server;
	kd_addr_t server;
} kmsl_domain_t;

typedef struct {
	char *static_host; /* host part of "static"; NULL = discovery */
	uint16_t static_port;
	char *lookup_domain; /* kd_dname_text form; NULL = none */
	kmsl_domain_t *domains;
	size_t ndomains, capdomains;
	kd_addr_t *servers;
	size_t nservers, capservers;
	kmsl_merge_t merge;
	kmsl_probe_t probe;
	uint64_t attempt_delay_ms;
	uint64_t timeout_ms;
	uint64_t deadline_ms;
	uint64_t dead_retry_ms;
	bool host_caching;
	uint64_t max_cache_ttl_ms;
	char *state_path;     /* NULL = no state file */
	uint16_t port_filter; /* candidates on other ports are dropped after discovery (the NSS
	                       * module: a host name cannot carry a port); 0 = any port */
	/* nss: the NSS module's own keys (libnss_kms(8)); kms-locate only checks them. */
	char **nss_names; /* served names, kd_dname_text form */
	size_t nss_nnames;
	uint16_t nss_port;
	uint64_t nss_probe_cache_ms;
	uint64_t nss_deadline_ms;
} kmsl_opts_t;

/* Free what opts holds and zero it. */
void kmsl_opts_deinit(kmsl_opts_t *opts);

/* Build opts from YAML text (buf != NULL) or a file (path); with buf = "" and len 0 this gives
 * the defaults. Returns KMSL_OK, or KMSL_ECONFIG with "name:line:column: message" in err. */
kmsl_err_t kmsl_opts_load(const char *path, const char *buf, size_t len, kmsl_opts_t *out,
                          char *err, size_t errlen);

/* The default state file for this user: root LOCALSTATEDIR/cache/kmsdns/locate.state, others
 * $XDG_CACHE_HOME/kmsdns/locate.state or ~/.cache/kmsdns/locate.state. NULL if there is no
 * home (or the process runs setuid). Heap. */
char *kmsl_default_state_path(void);
