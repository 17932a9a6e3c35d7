/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "resolver-plugin/opts.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/dname.h"
#include "dns/schema.h"

/* The YAML file as the loader fills it; converted into kmsl_opts_t afterwards. */
typedef struct {
	char *name;
	char *server;
} conf_domain_t;

typedef struct {
	char **names;
	size_t nnames;
	unsigned port;
	uint64_t probe_cache;
	uint64_t deadline;
} conf_nss_t;

typedef struct {
	char *static_host;
	char *lookup_domain;
	conf_domain_t *domains;
	size_t ndomains;
	char **servers;
	size_t nservers;
	int merge;
	int probe;
	char *attempt_delay; /* "auto" or a duration */
	uint64_t timeout;
	uint64_t deadline;
	uint64_t dead_retry;
	bool host_caching;
	uint64_t max_cache_ttl;
	char *state;
	conf_nss_t nss;
} conf_t;

/* attempt-delay: "auto" (KMSL_ATTEMPT_DELAY_AUTO) or a duration of 10 ms to 1 minute. */
static int parse_attempt_delay(const char *s, uint64_t *ms)
{
	if (s == NULL || strcmp(s, "auto") == 0) {
		*ms = KMSL_ATTEMPT_DELAY_AUTO;
		return 0;
	}
	return kd_parse_duration(s, ms) == 0 && *ms >= 10 && *ms <= 60 * 1000 ? 0 : -1;
}

static int check_attempt_delay(const void *field, char *err, size_t len)
{
	const char *s = *(char *const *)field;
	uint64_t ms;
	if (parse_attempt_delay(s, &ms) == 0)
		return 0;
	snprintf(err, len, "'%s' is neither auto nor a duration from 10ms to 1m", s);
	return -1;
}

static int check_static(const void *field, char *err, size_t len)
{
	const char *s = *(char *const *)field;
	char *host = NULL;
	uint16_t port;
	if (s == NULL || kd_hostport_parse(s, KMSL_KMS_PORT, &host, &port) == 0) {
		free(host);
		return 0;
	}
	snprintf(err, len, "'%s' is not host[:port]", s);
	return -1;
}

static int check_state(const void *field, char *err, size_t len)
{
	const char *s = *(char *const *)field;
	if (s == NULL || strcmp(s, "none") == 0 || s[0] == '/')
		return 0;
	snprintf(err, len, "'%s' is not an absolute path or none", s);
	return -1;
}

static const char *const merge_names[] = {"first", "all", NULL};
static const char *const probe_names[] = {"rpc", "tcp", "none", NULL};

#define DAY_MS (24ULL * 3600 * 1000)

static const kd_schema_t domain_schema[] = {
        {.key = "name",
         .type = KD_T_STR,
         .offset = offsetof(conf_domain_t, name),
         .flags = KD_F_REQUIRED,
         .check = kd_check_dname},
        {.key = "server",
         .type = KD_T_STR,
         .offset = offsetof(conf_domain_t, server),
         .check = kd_check_server},
        {.key = NULL},
};

/* The NSS module's keys: the default name passes glibc's getaddrinfo() and gethostbyname2()
 * untouched (checked on glibc 2.36) and cannot shadow a real host name. */
static const kd_schema_t nss_schema[] = {
        {.key = "names",
         .type = KD_T_STRLIST,
         .offset = offsetof(conf_nss_t, names),
         .count_offset = offsetof(conf_nss_t, nnames),
         .def = "_vlmcs._tcp",
         .check = kd_check_dname},
        {.key = "port",
         .type = KD_T_UINT,
         .offset = offsetof(conf_nss_t, port),
         .def = "1688",
         .min = 1,
         .max = 65535},
        {.key = "probe-cache",
         .type = KD_T_DURATION,
         .offset = offsetof(conf_nss_t, probe_cache),
         .def = "60s",
         .min = 0,
         .max = DAY_MS},
        {.key = "deadline",
         .type = KD_T_DURATION,
         .offset = offsetof(conf_nss_t, deadline),
         .def = "3s",
         .min = 10,
         .max = 60 * 1000},
        {.key = NULL},
};

static const kd_schema_t conf_schema[] = {
        {.key = "static",
         .type = KD_T_STR,
         .offset = offsetof(conf_t, static_host),
         .check = check_static},
        {.key = "lookup-domain",
         .type = KD_T_STR,
         .offset = offsetof(conf_t, lookup_domain),
         .check = kd_check_dname},
        {.key = "domains",
         .type = KD_T_SEQ,
         .offset = offsetof(conf_t, domains),
         .count_offset = offsetof(conf_t, ndomains),
         .sub = domain_schema,
         .elem_size = sizeof(conf_domain_t)},
        {.key = "servers",
         .type = KD_T_STRLIST,
         .offset = offsetof(conf_t, servers),
         .count_offset = offsetof(conf_t, nservers),
         .check = kd_check_server},
        {.key = "merge",
         .type = KD_T_ENUM,
         .offset = offsetof(conf_t, merge),
         .def = "first",
         .enum_names = merge_names},
        {.key = "probe",
         .type = KD_T_ENUM,
         .offset = offsetof(conf_t, probe),
         .def = "rpc",
         .enum_names = probe_names},
        {.key = "attempt-delay",
         .type = KD_T_STR,
         .offset = offsetof(conf_t, attempt_delay),
         .def = "auto",
         .check = check_attempt_delay},
        {.key = "timeout",
         .type = KD_T_DURATION,
         .offset = offsetof(conf_t, timeout),
         .def = "2s",
         .min = 1,
         .max = 600 * 1000},
        {.key = "deadline",
         .type = KD_T_DURATION,
         .offset = offsetof(conf_t, deadline),
         .def = "10s",
         .min = 1,
         .max = 3600 * 1000},
        {.key = "dead-retry",
         .type = KD_T_DURATION,
         .offset = offsetof(conf_t, dead_retry),
         .def = "5m",
         .min = 0,
         .max = 30 * DAY_MS},
        {.key = "host-caching",
         .type = KD_T_BOOL,
         .offset = offsetof(conf_t, host_caching),
         .def = "true"},
        {.key = "max-cache-ttl",
         .type = KD_T_DURATION,
         .offset = offsetof(conf_t, max_cache_ttl),
         .def = "1h",
         .min = 1000,
         .max = DAY_MS},
        {.key = "state", .type = KD_T_STR, .offset = offsetof(conf_t, state), .check = check_state},
        {.key = "nss", .type = KD_T_MAP, .offset = offsetof(conf_t, nss), .sub = nss_schema},
        {.key = NULL},
};

/* Whether this user can create path's directory: its nearest existing ancestor is writable. A
 * service account whose home does not exist (HOME=/nonexistent) cannot: it gets no state file
 * rather than a warning on every run. */
static bool creatable(const char *path)
{
	char dir[4096];
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return false;
	for (char *slash = strrchr(dir, '/'); slash != NULL && slash != dir;
	     slash = strrchr(dir, '/')) {
		*slash = '\0';
		if (access(dir, F_OK) == 0)
			return access(dir, W_OK | X_OK) == 0;
	}
	return false;
}

char *kmsl_default_state_path(void)
{
	char *path = NULL;
	if (geteuid() == 0) {
		if (asprintf(&path, "%s/cache/kmsdns/locate.state", LOCALSTATEDIR) < 0)
			return NULL;
		return path;
	}
	/* secure_getenv: a setuid program must not write where its caller says. */
	const char *xdg = secure_getenv("XDG_CACHE_HOME");
	const char *home = secure_getenv("HOME");
	int r = -1;
	if (xdg != NULL && xdg[0] == '/')
		r = asprintf(&path, "%s/kmsdns/locate.state", xdg);
	else if (home != NULL && home[0] == '/')
		r = asprintf(&path, "%s/.cache/kmsdns/locate.state", home);
	if (r >= 0 && !creatable(path)) {
		free(path);
		return NULL;
	}
	return r < 0 ? NULL : path;
}

void kmsl_opts_deinit(kmsl_opts_t *o)
{
	free(o->static_host);
	free(o->lookup_domain);
	for (size_t i = 0; i < o->ndomains; i++)
		free(o->domains[i].name);
	free(o->domains);
	free(o->servers);
	free(o->state_path);
	for (size_t i = 0; i < o->nss_nnames; i++)
		free(o->nss_names[i]);
	free(o->nss_names);
	memset(o, 0, sizeof(*o));
}

static int nss_to_opts(const conf_nss_t *n, kmsl_opts_t *o)
{
	char name[KMSL_NAME_MAX];
	o->nss_port = (uint16_t)n->port;
	o->nss_probe_cache_ms = n->probe_cache;
	o->nss_deadline_ms = n->deadline;
	if (n->nnames > 0 && (o->nss_names = calloc(n->nnames, sizeof(char *))) == NULL)
		return -1;
	for (size_t i = 0; i < n->nnames; i++, o->nss_nnames++)
		if (kd_dname_text(n->names[i], name, sizeof(name)) != 0 ||
		    (o->nss_names[i] = strdup(name)) == NULL)
			return -1;
	return 0;
}

/* The loaded values were checked by the schema, so conversions here cannot fail on syntax. */
static kmsl_err_t conf_to_opts(const conf_t *c, kmsl_opts_t *o)
{
	memset(o, 0, sizeof(*o));
	if (c->static_host != NULL &&
	    kd_hostport_parse(c->static_host, KMSL_KMS_PORT, &o->static_host, &o->static_port) != 0)
		goto fail;
	char name[KMSL_NAME_MAX];
	if (c->lookup_domain != NULL && (kd_dname_text(c->lookup_domain, name, sizeof(name)) != 0 ||
	                                 (o->lookup_domain = strdup(name)) == NULL))
		goto fail;
	if (c->ndomains > 0 && (o->domains = calloc(c->ndomains, sizeof(*o->domains))) == NULL)
		goto fail;
	for (size_t i = 0; i < c->ndomains; i++, o->ndomains++) {
		kmsl_domain_t *d = &o->domains[i];
		if (kd_dname_text(c->domains[i].name, name, sizeof(name)) != 0 ||
		    (d->name = strdup(name)) == NULL)
			goto fail;
		d->has_server = c->domains[i].server != NULL;
		if (d->has_server && kd_addr_parse(c->domains[i].server, KMSL_DNS_PORT, &d->server))
			goto fail;
	}
	if (c->nservers > 0 && (o->servers = calloc(c->nservers, sizeof(*o->servers))) == NULL)
		goto fail;
	for (size_t i = 0; i < c->nservers; i++, o->nservers++)
		if (kd_addr_parse(c->servers[i], KMSL_DNS_PORT, &o->servers[i]) != 0)
			goto fail;
	o->merge = c->merge == 1 ? KMSL_MERGE_ALL : KMSL_MERGE_FIRST;
	o->probe = (kmsl_probe_t)c->probe;
	if (parse_attempt_delay(c->attempt_delay, &o->attempt_delay_ms) != 0)
		goto fail;
	o->timeout_ms = c->timeout;
	o->deadline_ms = c->deadline;
	o->dead_retry_ms = c->dead_retry;
	o->host_caching = c->host_caching;
	o->max_cache_ttl_ms = c->max_cache_ttl;
	if (c->state == NULL)
		o->state_path = kmsl_default_state_path();
	else if (strcmp(c->state, "none") != 0 && (o->state_path = strdup(c->state)) == NULL)
		goto fail;
	if (nss_to_opts(&c->nss, o) != 0)
		goto fail;
	return KMSL_OK;
fail:
	kmsl_opts_deinit(o);
	return KMSL_ENOMEM;
}

kmsl_err_t kmsl_opts_load(const char *path, const char *buf, size_t len, kmsl_opts_t *out,
                          char *err, size_t errlen)
{
	conf_t conf;
	kd_error_t kerr = {0};
	memset(&conf, 0, sizeof(conf));
	int r = buf != NULL ? kd_schema_load_buf(conf_schema, path, buf, len, &conf, &kerr)
	                    : kd_schema_load_file(conf_schema, path, &conf, &kerr);
	if (r != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s", kerr.msg);
		return KMSL_ECONFIG;
	}
	kmsl_opts_t opts;
	kmsl_err_t ret = conf_to_opts(&conf, &opts);
	kd_schema_free(conf_schema, &conf);
	if (ret != KMSL_OK) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: out of memory", path);
		return ret;
	}
	*out = opts;
	return KMSL_OK;
}
