/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libkmslocate context: options (set through the API or a YAML file), the random source
 * and the last warning. Internal. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/addr.h"
#include "resolver-plugin/kmslocate.h"
#include "resolver-plugin/rng.h"

#define KMSL_DNS_PORT 53
#define KMSL_KMS_PORT 1688

typedef struct {
	char *name; /* lower-case, no trailing dot */
	bool has_server;
	kd_addr_t server;
} kmsl_domain_t;

typedef struct {
	char *static_host; /* host part of "static"; NULL = discovery */
	uint16_t static_port;
	char *lookup_domain; /* lower-case, no trailing dot; NULL = none */
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
	char *state_path; /* NULL = no state file */
} kmsl_opts_t;

struct kmsl_ctx {
	kmsl_opts_t opts;
	kmsl_rng_t rng;
	const char *resolv_conf; /* tests point it elsewhere */
	char warning[512];
};

void kmsl_opts_deinit(kmsl_opts_t *opts);

/* Build opts from YAML text (buf != NULL) or a file (path); with buf = "" and len 0 this gives
 * the defaults. Returns KMSL_OK, or KMSL_ECONFIG with "name:line:column: message" in err. */
kmsl_err_t kmsl_opts_load(const char *path, const char *buf, size_t len, kmsl_opts_t *out,
                          char *err, size_t errlen);

/* The default state file for this user: root LOCALSTATEDIR/cache/kmsdns/locate.state, others
 * $XDG_CACHE_HOME/kmsdns/locate.state or ~/.cache/kmsdns/locate.state. NULL if there is no
 * home (or the process runs setuid). Heap. */
char *kmsl_default_state_path(void);

/* Record a warning for kmsl_warning(). */
void kmsl_ctx_warn(kmsl_ctx_t *ctx, const char *msg);
