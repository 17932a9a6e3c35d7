/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "publisher/conf_int.h"
#include "publisher/ifaddr.h"

#define DEF_PROBE       "none"
#define DEF_INTERVAL_MS 10000
#define DEF_TIMEOUT_MS  2000
#define DEF_FALL        3
#define DEF_RISE        2

kd_probe_kind_t pub_config_probe_kind(const char *probe)
{
	if (probe != NULL && strcmp(probe, "rpc") == 0)
		return KD_PROBE_RPC;
	if (probe != NULL && strcmp(probe, "tcp") == 0)
		return KD_PROBE_TCP;
	return KD_PROBE_NONE;
}

static int check_probe(const void *field, char *err, size_t errlen)
{
	const char *s = *(char *const *)field;
	if (strcmp(s, "rpc") == 0 || strcmp(s, "tcp") == 0 || strcmp(s, "none") == 0)
		return 0;
	snprintf(err, errlen, "invalid value '%s' (expected one of: rpc, tcp, none)", s);
	return -1;
}

static int check_address(const void *field, char *err, size_t errlen)
{
	const char *s = *(char *const *)field;
	kd_addr_t a;
	if (kd_addr_parse_ip(s, &a) == 0)
		return 0;
	snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", s);
	return -1;
}

#define F(m) offsetof(pub_health_conf_t, m)

/* No defaults here: 0 / NULL means "not given", so that a host inherits the top level. */
#define HEALTH_ROWS                                                                                \
	{.key = "probe", .type = KD_T_STR, .offset = F(probe), .check = check_probe},              \
	        {.key = "interval",                                                                \
	         .type = KD_T_DURATION,                                                            \
	         .offset = F(interval_ms),                                                         \
	         .min = 1000,                                                                      \
	         .max = 86400000},                                                                 \
	        {.key = "timeout",                                                                 \
	         .type = KD_T_DURATION,                                                            \
	         .offset = F(timeout_ms),                                                          \
	         .min = 10,                                                                        \
	         .max = 60000},                                                                    \
	        {.key = "fall", .type = KD_T_UINT, .offset = F(fall), .min = 1, .max = 100},       \
	        {.key = "rise", .type = KD_T_UINT, .offset = F(rise), .min = 1, .max = 100},       \
	{                                                                                          \
		.key = "", .type = KD_T_MARK, .offset = F(mark)                                    \
	}

const kd_schema_t pub_health_schema[] = {
        HEALTH_ROWS,
        {.key = NULL},
};

const kd_schema_t pub_host_health_schema[] = {
        HEALTH_ROWS,
        {.key = "address", .type = KD_T_STR, .offset = F(address), .check = check_address},
        {.key = "port", .type = KD_T_UINT, .offset = F(port), .min = 1, .max = 65535},
        {.key = NULL},
};

static int fail(kd_error_t *err, const char *name, kd_mark_t mark, const char *msg)
{
	kd_error_set(err, name, mark, "%s", msg);
	return -1;
}

/* Fill what h does not give from top (or, for top, from the built-in values). */
static int inherit(pub_health_conf_t *h, const pub_health_conf_t *top)
{
	if (h->probe == NULL &&
	    (h->probe = strdup(top != NULL && top->probe != NULL ? top->probe : DEF_PROBE)) == NULL)
		return -1;
	if (h->interval_ms == 0)
		h->interval_ms = top != NULL ? top->interval_ms : DEF_INTERVAL_MS;
	if (h->timeout_ms == 0)
		h->timeout_ms = top != NULL ? top->timeout_ms : DEF_TIMEOUT_MS;
	if (h->fall == 0)
		h->fall = top != NULL ? top->fall : DEF_FALL;
	if (h->rise == 0)
		h->rise = top != NULL ? top->rise : DEF_RISE;
	return 0;
}

static int check_times(const char *name, const pub_health_conf_t *h, kd_mark_t mark,
                       const char *who, kd_error_t *err)
{
	if (h->timeout_ms <= h->interval_ms)
		return 0;
	char msg[256], t[32], i[32];
	kd_format_duration(h->timeout_ms, t, sizeof(t));
	kd_format_duration(h->interval_ms, i, sizeof(i));
	snprintf(msg, sizeof(msg), "%shealth: timeout %s is longer than interval %s", who, t, i);
	return fail(err, name, mark, msg);
}

/* addresses: auto, alone. */
static bool addresses_auto(const pub_host_conf_t *h)
{
	for (size_t i = 0; i < h->addresses_count; i++)
		if (strcasecmp(h->addresses[i], "auto") == 0)
			return true;
	return false;
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static int resolve_auto(const char *name, const pub_conf_raw_t *r, pub_host_conf_t *h,
                        kd_error_t *err)
{
	kd_error_t why = {.msg = ""};
	char msg[600];
	if (strcasecmp(h->name, "auto") == 0) {
		char fqdn[256];
		if (pub_ifaddr_fqdn(fqdn, sizeof(fqdn), &why) != 0) {
			snprintf(msg, sizeof(msg), "host name auto: %s", why.msg);
			return fail(err, name, h->mark, msg);
		}
		char *dup = strdup(fqdn);
		if (dup == NULL)
			return fail(err, name, h->mark, "out of memory");
		free(h->name);
		h->name = dup;
		h->name_auto = true;
	}
	if (!addresses_auto(h))
		return 0;
	if (h->addresses_count != 1)
		return fail(err, name, h->mark,
		            "host addresses: 'auto' stands alone, not in a list of addresses");
	kd_addr_t *v = NULL;
	size_t n = 0;
	if (pub_ifaddr_list(r->include_ula, &v, &n, &why) != 0) {
		snprintf(msg, sizeof(msg), "host %s addresses auto: %s", h->name, why.msg);
		return fail(err, name, h->mark, msg);
	}
	char **list = calloc(n + 1, sizeof(*list));
	for (size_t i = 0; list != NULL && i < n; i++) {
		char ip[KD_ADDR_STRLEN];
		kd_addr_ip_str(&v[i], ip, sizeof(ip));
		if ((list[i] = strdup(ip)) == NULL) {
			free_list(list, i);
			list = NULL;
		}
	}
	free(v);
	if (list == NULL)
		return fail(err, name, h->mark, "out of memory");
	free_list(h->addresses, h->addresses_count);
	h->addresses = list;
	h->addresses_count = n;
	h->addresses_auto = true;
	return 0;
}

int pub_config_resolve_hosts(const char *name, pub_config_t *conf, kd_error_t *err)
{
	pub_conf_raw_t *r = &conf->raw;
	if (inherit(&r->health, NULL) != 0)
		return fail(err, name, r->mark, "out of memory");
	if (check_times(name, &r->health, r->health.mark, "", err) != 0)
		return -1;
	for (size_t i = 0; i < r->hosts_count; i++) {
		pub_host_conf_t *h = &r->hosts[i];
		if (inherit(&h->health, &r->health) != 0)
			return fail(err, name, h->mark, "out of memory");
		if (h->health.port == 0)
			h->health.port = h->port;
		char who[300];
		snprintf(who, sizeof(who), "host %s: ", h->name);
		if (check_times(name, &h->health, h->health.mark.line ? h->health.mark : h->mark,
		                who, err) != 0)
			return -1;
		if (resolve_auto(name, r, h, err) != 0)
			return -1;
	}
	return 0;
}
