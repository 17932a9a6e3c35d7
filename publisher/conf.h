/* SPDX-License-Identifier: GPL-3.0-or-later */
/* publisher.yaml: the schema (keys, zones, hosts, domains, timing, state) and the cross checks
 * that need more than one value (key references, default key, duplicates). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dns/addr.h"
#include "dns/probe.h"
#include "dns/schema.h"
#include "dns/tsigkey.h"
#include "publisher/rr.h"

typedef struct {
	char *name;
	char *algorithm;
	char *secret;
	char *file;
	kd_mark_t mark;
} pub_key_conf_t;

typedef struct {
	char *name;
	char **servers;
	size_t servers_count;
	char *key;
	int read; /* PUB_READ_*, -1 when not given: the top level's */
	kd_mark_t mark;
} pub_zone_conf_t;

/* health: at the top level (what hosts inherit) and per host. After loading, each host's
 * values are the effective ones (given, else inherited from the top level, else built in), so
 * users of the configuration read the host's alone. */
typedef struct {
	char *probe;          /* "rpc", "tcp" or "none" (built in: none = no health gating) */
	uint64_t interval_ms; /* built in: 10s */
	uint64_t timeout_ms;  /* built in: 2s; at most interval */
	unsigned fall, rise;  /* built in: 3, 2 */
	char *address;        /* per host only: probe this address instead of the host's */
	unsigned port;        /* per host only: probe this port (built in: the host's port) */
	kd_mark_t mark;
} pub_health_conf_t;

typedef struct {
	char *name; /* "auto" in the file: this machine's FQDN, put in at load */
	unsigned port;
	char **addresses; /* "auto" in the file: this machine's global addresses, put in at load */
	size_t addresses_count;
	pub_health_conf_t health;
	kd_mark_t mark;
	bool name_auto;      /* name was "auto" */
	bool addresses_auto; /* addresses was "auto": follow the machine's addresses */
} pub_host_conf_t;

typedef struct {
	char *name;
	unsigned priority;
	unsigned weight;
	kd_mark_t mark;
} pub_domain_conf_t;

enum { PUB_TRANSPORT_TCP = 0, PUB_TRANSPORT_UDP };
enum { PUB_LOG_TEXT = 0, PUB_LOG_JSON };          /* log-format, as kd_log_format_t */
enum { PUB_READ_QUERIES = 0, PUB_READ_TRANSFER }; /* read: how a zone's records are read */

/* What the YAML loader fills. */
typedef struct {
	pub_key_conf_t *keys;
	size_t keys_count;
	pub_zone_conf_t *zones;
	size_t zones_count;
	pub_host_conf_t *hosts;
	size_t hosts_count;
	pub_domain_conf_t *domains;
	size_t domains_count;
	char **resolver;
	size_t resolver_count;
	unsigned primary_port;
	unsigned ttl;
	uint64_t interval_ms;
	uint64_t timeout_ms;
	int transport;
	int read; /* PUB_READ_*: for zones without their own */
	char *state;
	bool withdraw_on_exit;
	uint64_t shutdown_timeout_ms;
	unsigned max_inflight;
	bool strict;
	pub_health_conf_t health; /* what hosts inherit */
	unsigned health_concurrency;
	bool fail_open;
	bool include_ula;
	char *metrics_file;
	char *user;
	int log_format;
	kd_mark_t mark;
} pub_conf_raw_t;

/* A configured zone, resolved. */
typedef struct {
	char name[PUB_NAME_MAX]; /* canonical */
	kd_addr_t *servers;      /* heap; count 0 = discover from the SOA MNAME */
	size_t servers_count;
	size_t key;    /* index into keys */
	bool transfer; /* read: transfer, its own or else the top level's */
} pub_zone_t;

/* Something a configuration should not do, though it still works. */
typedef struct {
	char *text;       /* "file:line:column: ..." (heap) */
	bool permissions; /* a secret readable by others: an error with strict permissions */
} pub_warning_t;

/* A checked configuration; heap, from pub_config_load*, freed by pub_config_free. */
typedef struct {
	char *path;
	pub_conf_raw_t raw;
	kd_tsig_key_t *keys; /* parallel to raw.keys, loaded (secret or file) */
	size_t keys_count;
	pub_zone_t *zones;
	size_t zones_count;
	const pub_zone_t **zones_sorted; /* by name (strcmp), for pub_config_zone_for */
	kd_addr_t *resolver;             /* servers for SOA discovery; count 0 = resolv.conf */
	size_t resolver_count;
	pub_warning_t *warnings; /* found while loading; the program reports them */
	size_t warnings_count, warnings_cap;
} pub_config_t;

/* The probe kind a health.probe value names ("rpc", "tcp", "none"). */
kd_probe_kind_t pub_config_probe_kind(const char *probe);

/* The schema table (exposed for tests and documentation checks). */
extern const kd_schema_t pub_config_schema[];

/* Load and check path. Returns 0 and sets *out, or -1 with "path:line:column: message" in err. */
int pub_config_load(const char *path, pub_config_t **out, kd_error_t *err);

/* The same from a buffer; name stands for the file name in errors. */
int pub_config_load_buf(const char *name, const char *buf, size_t len, pub_config_t **out,
                        kd_error_t *err);

void pub_config_free(pub_config_t *conf);

/* Print the effective configuration as YAML: every key, defaults filled in, secrets shown as
 * <hidden> (kd_schema_print). */
void pub_config_print(FILE *out, const pub_config_t *conf);

/* Checks that need the file system and only --check-config makes: the state file's directory
 * exists and is writable. Returns 0 or -1 with the reason in err. */
int pub_config_check_state(const pub_config_t *conf, kd_error_t *err);

/* Schema checks (kd_check_fn): a domain name, refused with its A-label form when it is not
 * ASCII; a key name, never echoed (it sits under 'keys'). */
int pub_check_name(const void *field, char *err, size_t errlen);
int pub_check_key_name(const void *field, char *err, size_t errlen);

/* The cross checks that only warn or need sizes and modes (conf_check.c): more SRV records at
 * one name than BIND takes by default (a warning), more than one answer holds (an error),
 * secrets readable by group or others (a warning naming the chmod that fixes it). Returns 0,
 * or -1 with "file:line:column: ..." in err. */
int pub_config_check_more(pub_config_t *conf, kd_error_t *err);

/* The configured zone holding name (longest suffix match), or NULL. */
const pub_zone_t *pub_config_zone_for(const pub_config_t *conf, const char *name);

/* The key to use for a zone that was discovered, not configured: the only key, or SIZE_MAX
 * when there are several. */
size_t pub_config_default_key(const pub_config_t *conf);
