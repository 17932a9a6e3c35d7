/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/conf.h"
#include "publisher/conf_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int check_ip(const void *field, char *err, size_t errlen)
{
	const char *s = *(char *const *)field;
	kd_addr_t a;
	if ((kd_addr_parse_ip(s, &a) == 0 && strchr(s, '%') == NULL) || strcasecmp(s, "auto") == 0)
		return 0;
	snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", s);
	return -1;
}

#define F(st, m) offsetof(st, m)

static const kd_schema_t key_schema[] = {
        {.key = "name",
         .type = KD_T_STR,
         .offset = F(pub_key_conf_t, name),
         .check = pub_check_key_name},
        {.key = "algorithm",
         .type = KD_T_STR,
         .offset = F(pub_key_conf_t, algorithm),
         .check = kd_check_tsig_alg},
        {.key = "secret",
         .type = KD_T_STR,
         .offset = F(pub_key_conf_t, secret),
         .flags = KD_F_SECRET,
         .check = kd_check_tsig_secret},
        {.key = "file", .type = KD_T_STR, .offset = F(pub_key_conf_t, file)},
        {.key = "", .type = KD_T_MARK, .offset = F(pub_key_conf_t, mark)},
        {.key = NULL},
};

static const char *const read_names[] = {"queries", "transfer", NULL};

static const kd_schema_t zone_schema[] = {
        {.key = "name",
         .type = KD_T_STR,
         .offset = F(pub_zone_conf_t, name),
         .flags = KD_F_REQUIRED,
         .check = pub_check_name},
        {.key = "servers",
         .type = KD_T_STRLIST,
         .offset = F(pub_zone_conf_t, servers),
         .count_offset = F(pub_zone_conf_t, servers_count),
         .check = kd_check_server},
        {.key = "key",
         .type = KD_T_STR,
         .offset = F(pub_zone_conf_t, key),
         .check = kd_check_dname},
        {.key = "read",
         .type = KD_T_ENUM,
         .offset = F(pub_zone_conf_t, read),
         .enum_names = read_names}, /* no default: the top level's */
        {.key = "", .type = KD_T_MARK, .offset = F(pub_zone_conf_t, mark)},
        {.key = NULL},
};

static const kd_schema_t host_schema[] = {
        {.key = "name",
         .type = KD_T_STR,
         .offset = F(pub_host_conf_t, name),
         .flags = KD_F_REQUIRED,
         .check = pub_check_name},
        {.key = "port",
         .type = KD_T_UINT,
         .offset = F(pub_host_conf_t, port),
         .def = "1688",
         .min = 1,
         .max = 65535},
        {.key = "addresses",
         .type = KD_T_STRLIST,
         .offset = F(pub_host_conf_t, addresses),
         .count_offset = F(pub_host_conf_t, addresses_count),
         .check = check_ip},
        {.key = "health",
         .type = KD_T_MAP,
         .offset = F(pub_host_conf_t, health),
         .sub = pub_host_health_schema},
        {.key = "", .type = KD_T_MARK, .offset = F(pub_host_conf_t, mark)},
        {.key = NULL},
};

static const kd_schema_t domain_schema[] = {
        {.key = "name",
         .type = KD_T_STR,
         .offset = F(pub_domain_conf_t, name),
         .flags = KD_F_REQUIRED,
         .check = pub_check_name},
        {.key = "priority",
         .type = KD_T_UINT,
         .offset = F(pub_domain_conf_t, priority),
         .def = "0",
         .max = 65535},
        {.key = "weight",
         .type = KD_T_UINT,
         .offset = F(pub_domain_conf_t, weight),
         .def = "0",
         .max = 65535},
        {.key = "", .type = KD_T_MARK, .offset = F(pub_domain_conf_t, mark)},
        {.key = NULL},
};

static const char *const transport_names[] = {"tcp", "udp", NULL};
static const char *const log_format_names[] = {"text", "json", NULL};

const kd_schema_t pub_config_schema[] = {
        {.key = "keys",
         .type = KD_T_SEQ,
         .offset = F(pub_conf_raw_t, keys),
         .count_offset = F(pub_conf_raw_t, keys_count),
         .sub = key_schema,
         .elem_size = sizeof(pub_key_conf_t)},
        {.key = "zones",
         .type = KD_T_SEQ,
         .offset = F(pub_conf_raw_t, zones),
         .count_offset = F(pub_conf_raw_t, zones_count),
         .sub = zone_schema,
         .elem_size = sizeof(pub_zone_conf_t)},
        {.key = "hosts",
         .type = KD_T_SEQ,
         .offset = F(pub_conf_raw_t, hosts),
         .count_offset = F(pub_conf_raw_t, hosts_count),
         .sub = host_schema,
         .elem_size = sizeof(pub_host_conf_t)},
        {.key = "domains",
         .type = KD_T_SEQ,
         .offset = F(pub_conf_raw_t, domains),
         .count_offset = F(pub_conf_raw_t, domains_count),
         .sub = domain_schema,
         .elem_size = sizeof(pub_domain_conf_t)},
        {.key = "resolver",
         .type = KD_T_STRLIST,
         .offset = F(pub_conf_raw_t, resolver),
         .count_offset = F(pub_conf_raw_t, resolver_count),
         .check = kd_check_server},
        {.key = "primary-port",
         .type = KD_T_UINT,
         .offset = F(pub_conf_raw_t, primary_port),
         .def = "53",
         .min = 1,
         .max = 65535},
        {.key = "ttl",
         .type = KD_T_UINT,
         .offset = F(pub_conf_raw_t, ttl),
         .def = "600",
         .min = 1,
         .max = 2147483647},
        {.key = "interval",
         .type = KD_T_DURATION,
         .offset = F(pub_conf_raw_t, interval_ms),
         .def = "5m",
         .min = 1000,
         .max = 7 * 86400000ull},
        {.key = "timeout",
         .type = KD_T_DURATION,
         .offset = F(pub_conf_raw_t, timeout_ms),
         .def = "3s",
         .min = 10,
         .max = 60000},
        {.key = "transport",
         .type = KD_T_ENUM,
         .offset = F(pub_conf_raw_t, transport),
         .def = "tcp",
         .enum_names = transport_names},
        {.key = "read",
         .type = KD_T_ENUM,
         .offset = F(pub_conf_raw_t, read),
         .def = "queries",
         .enum_names = read_names},
        {.key = "state",
         .type = KD_T_STR,
         .offset = F(pub_conf_raw_t, state),
         .def = LOCALSTATEDIR "/lib/kmsdns/publisher.state"},
        {.key = "withdraw-on-exit",
         .type = KD_T_BOOL,
         .offset = F(pub_conf_raw_t, withdraw_on_exit),
         .def = "true"},
        {.key = "shutdown-timeout",
         .type = KD_T_DURATION,
         .offset = F(pub_conf_raw_t, shutdown_timeout_ms),
         .def = "10s",
         .min = 100,
         .max = 600000},
        {.key = "max-inflight",
         .type = KD_T_UINT,
         .offset = F(pub_conf_raw_t, max_inflight),
         .def = "16",
         .min = 1,
         .max = 1024},
        {.key = "strict", .type = KD_T_BOOL, .offset = F(pub_conf_raw_t, strict), .def = "false"},
        {.key = "health",
         .type = KD_T_MAP,
         .offset = F(pub_conf_raw_t, health),
         .sub = pub_health_schema},
        {.key = "health-concurrency",
         .type = KD_T_UINT,
         .offset = F(pub_conf_raw_t, health_concurrency),
         .def = "64",
         .min = 1,
         .max = 4096},
        {.key = "fail-open",
         .type = KD_T_BOOL,
         .offset = F(pub_conf_raw_t, fail_open),
         .def = "true"},
        {.key = "include-ula",
         .type = KD_T_BOOL,
         .offset = F(pub_conf_raw_t, include_ula),
         .def = "false"},
        {.key = "metrics-file", .type = KD_T_STR, .offset = F(pub_conf_raw_t, metrics_file)},
        {.key = "user", .type = KD_T_STR, .offset = F(pub_conf_raw_t, user)},
        {.key = "log-format",
         .type = KD_T_ENUM,
         .offset = F(pub_conf_raw_t, log_format),
         .def = "text",
         .enum_names = log_format_names},
        {.key = "", .type = KD_T_MARK, .offset = F(pub_conf_raw_t, mark)},
        {.key = NULL},
};

/* Collects the first cross-check error. */
typedef struct {
	const char *name;
	kd_error_t *err;
} ctx_t;

static int fail(ctx_t *c, kd_mark_t mark, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int fail(ctx_t *c, kd_mark_t mark, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kd_error_set(c->err, c->name, mark, "%s", msg);
	return -1;
}

static int load_key(ctx_t *c, const pub_key_conf_t *k, kd_tsig_key_t *out)
{
	if ((k->secret != NULL) == (k->file != NULL))
		return fail(c, k->mark, "key: give exactly one of 'secret' and 'file'");
	if (k->secret != NULL) {
		if (k->name == NULL)
			return fail(c, k->mark, "key: missing 'name'");
		kd_tsig_alg_t alg = KD_TSIG_HMAC_SHA256;
		if (k->algorithm != NULL)
			kd_tsig_alg_from_name(k->algorithm, &alg);
		/* Stored without the trailing dot, as in key files. */
		char name[PUB_NAME_MAX];
		if (kd_dname_text(k->name, name, sizeof(name)) != 0)
			return fail(c, k->mark, "key: invalid name");
		out->name = strdup(name);
		out->secret_b64 = strdup(k->secret);
		out->alg = alg;
		if (out->name == NULL || out->secret_b64 == NULL)
			return fail(c, k->mark, "out of memory");
		return 0;
	}
	kd_error_t kerr;
	char want[PUB_NAME_MAX];
	if (k->name != NULL && kd_dname_text(k->name, want, sizeof(want)) != 0)
		return fail(c, k->mark, "key: invalid name");
	if (kd_tsig_key_load_file(k->file, k->name != NULL ? want : NULL, out, &kerr) != 0)
		return fail(c, k->mark, "failed to load key file (%s)", kerr.msg);
	kd_tsig_alg_t alg;
	if (k->algorithm != NULL && kd_tsig_alg_from_name(k->algorithm, &alg) == 0 &&
	    alg != out->alg)
		return fail(c, k->mark, "key: algorithm %s differs from %s in %s",
		            kd_tsig_alg_name(alg), kd_tsig_alg_name(out->alg), k->file);
	return 0;
}

static long key_index(const pub_config_t *conf, const char *name)
{
	for (size_t i = 0; i < conf->keys_count; i++)
		if (conf->keys[i].name != NULL && kd_dname_equal(conf->keys[i].name, name))
			return (long)i;
	return -1;
}

static int check_keys(ctx_t *c, pub_config_t *conf)
{
	const pub_conf_raw_t *r = &conf->raw;
	if (r->keys_count == 0)
		return fail(c, r->mark, "no TSIG key configured: 'keys' needs at least one entry");
	conf->keys = calloc(r->keys_count, sizeof(*conf->keys));
	if (conf->keys == NULL)
		return fail(c, r->mark, "out of memory");
	for (size_t i = 0; i < r->keys_count; i++) {
		conf->keys_count = i + 1; /* so pub_config_free wipes what was loaded */
		if (load_key(c, &r->keys[i], &conf->keys[i]) != 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (kd_dname_equal(conf->keys[j].name, conf->keys[i].name))
				return fail(c, r->keys[i].mark, "duplicate key name");
	}
	return 0;
}

static int parse_servers(char **list, size_t n, kd_addr_t **out)
{
	if (n == 0)
		return 0;
	*out = calloc(n, sizeof(**out));
	if (*out == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (kd_addr_parse(list[i], 53, &(*out)[i]) != 0)
			return -1;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const pub_zone_t *const *)a)->name, (*(const pub_zone_t *const *)b)->name);
}

static int first_duplicate(size_t n, const char *(*name)(const void *, size_t), const void *arg,
                           size_t *out);

static const char *zone_name(const void *arg, size_t i)
{
	return ((const pub_conf_raw_t *)arg)->zones[i].name;
}

static int check_zones(ctx_t *c, pub_config_t *conf)
{
	const pub_conf_raw_t *r = &conf->raw;
	size_t dup;
	conf->zones = calloc(r->zones_count + 1, sizeof(*conf->zones));
	if (conf->zones == NULL || first_duplicate(r->zones_count, zone_name, r, &dup) != 0)
		return fail(c, r->mark, "out of memory");
	for (size_t i = 0; i < r->zones_count; i++) {
		const pub_zone_conf_t *zc = &r->zones[i];
		pub_zone_t *z = &conf->zones[i];
		conf->zones_count = i + 1;
		kd_dname_canon(zc->name, z->name, sizeof(z->name));
		if (i == dup)
			return fail(c, zc->mark, "duplicate zone %s", z->name);
		if (parse_servers(zc->servers, zc->servers_count, &z->servers) != 0)
			return fail(c, zc->mark, "zone %s: bad servers", z->name);
		z->servers_count = zc->servers_count;
		z->transfer = (zc->read >= 0 ? zc->read : r->read) == PUB_READ_TRANSFER;
		if (zc->key != NULL) {
			long k = key_index(conf, zc->key);
			if (k < 0)
				return fail(c, zc->mark,
				            "zone %s: key '%s' is not defined in 'keys'", z->name,
				            zc->key);
			z->key = (size_t)k;
		} else if (conf->keys_count == 1) {
			z->key = 0;
		} else {
			return fail(c, zc->mark,
			            "zone %s: no 'key' given and %zu keys are defined "
			            "(name one)",
			            z->name, conf->keys_count);
		}
	}
	conf->zones_sorted = calloc(conf->zones_count + 1, sizeof(*conf->zones_sorted));
	if (conf->zones_sorted == NULL)
		return fail(c, r->mark, "out of memory");
	for (size_t i = 0; i < conf->zones_count; i++)
		conf->zones_sorted[i] = &conf->zones[i];
	qsort(conf->zones_sorted, conf->zones_count, sizeof(*conf->zones_sorted), by_name);
	return 0;
}

/* Every owner whose zone is discovered needs the default key, which exists only if there is
 * exactly one key. */
static int check_owner(ctx_t *c, const pub_config_t *conf, const char *owner, kd_mark_t mark)
{
	if (conf->keys_count == 1 || pub_config_zone_for(conf, owner) != NULL)
		return 0;
	return fail(c, mark,
	            "%s is in no configured zone and %zu keys are defined: add a 'zones' "
	            "entry naming its key",
	            owner, conf->keys_count);
}

/* A name and where it stands in its list. */
typedef struct {
	char name[PUB_NAME_MAX]; /* canonical */
	size_t i;
} listed_name_t;

static int by_text(const void *a, const void *b)
{
	const listed_name_t *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c != 0 ? c : (x->i > y->i) - (x->i < y->i);
}

/* The position of the first name of the list (in list order) equal to an earlier one,
 * SIZE_MAX if none; name(arg, i) is the i-th name. Sorted, not compared pairwise: lists of a
 * thousand names are usual. -1 on ENOMEM. */
static int first_duplicate(size_t n, const char *(*name)(const void *, size_t), const void *arg,
                           size_t *out)
{
	listed_name_t *v = calloc(n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		v[i].i = i;
		if (kd_dname_canon(name(arg, i), v[i].name, sizeof(v[i].name)) != 0)
			snprintf(v[i].name, sizeof(v[i].name), "%s", name(arg, i));
	}
	qsort(v, n, sizeof(*v), by_text);
	*out = SIZE_MAX;
	for (size_t k = 1; k < n; k++)
		if (strcmp(v[k].name, v[k - 1].name) == 0 && v[k].i < *out)
			*out = v[k].i;
	free(v);
	return 0;
}

static const char *host_name(const void *arg, size_t i)
{
	return ((const pub_conf_raw_t *)arg)->hosts[i].name;
}

static const char *domain_name(const void *arg, size_t i)
{
	return ((const pub_conf_raw_t *)arg)->domains[i].name;
}

static int check_hosts(ctx_t *c, const pub_config_t *conf)
{
	const pub_conf_raw_t *r = &conf->raw;
	if (r->hosts_count > 0 && r->domains_count == 0)
		return fail(c, r->mark, "'hosts' given but no 'domains' to publish them in");
	size_t dup_host, dup_domain;
	if (first_duplicate(r->hosts_count, host_name, r, &dup_host) != 0 ||
	    first_duplicate(r->domains_count, domain_name, r, &dup_domain) != 0)
		return fail(c, r->mark, "out of memory");
	for (size_t i = 0; i < r->hosts_count; i++) {
		const pub_host_conf_t *h = &r->hosts[i];
		if (i == dup_host)
			return fail(c, h->mark, "duplicate host %s", h->name);
		for (size_t a = 0; a < h->addresses_count; a++)
			for (size_t b = 0; b < a; b++) {
				kd_addr_t x, y;
				kd_addr_parse_ip(h->addresses[a], &x);
				kd_addr_parse_ip(h->addresses[b], &y);
				if (kd_addr_equal(&x, &y))
					return fail(c, h->mark, "host %s: duplicate address %s",
					            h->name, h->addresses[a]);
			}
		char owner[PUB_NAME_MAX];
		kd_dname_canon(h->name, owner, sizeof(owner));
		if (h->addresses_count > 0 && check_owner(c, conf, owner, h->mark) != 0)
			return -1;
	}
	for (size_t i = 0; i < r->domains_count; i++) {
		const pub_domain_conf_t *d = &r->domains[i];
		if (i == dup_domain)
			return fail(c, d->mark, "duplicate domain %s", d->name);
		char owner[PUB_NAME_MAX + 16];
		snprintf(owner, sizeof(owner), "_vlmcs._tcp.%s", d->name);
		char canon[PUB_NAME_MAX];
		if (kd_dname_canon(owner, canon, sizeof(canon)) != 0)
			return fail(c, d->mark, "domain %s: _vlmcs._tcp name too long", d->name);
		if (check_owner(c, conf, canon, d->mark) != 0)
			return -1;
	}
	return 0;
}

int pub_config_load_buf(const char *name, const char *buf, size_t len, pub_config_t **out,
                        kd_error_t *err)
{
	pub_config_t *conf = calloc(1, sizeof(*conf));
	if (conf == NULL) {
		kd_error_set(err, name, (kd_mark_t){0, 0}, "out of memory");
		return -1;
	}
	int ret = buf != NULL
	                  ? kd_schema_load_buf(pub_config_schema, name, buf, len, &conf->raw, err)
	                  : kd_schema_load_file(pub_config_schema, name, &conf->raw, err);
	if (ret != 0) {
		free(conf);
		return -1;
	}
	ctx_t c = {.name = name, .err = err};
	conf->path = strdup(name);
	if (conf->path == NULL) {
		fail(&c, conf->raw.mark, "out of memory");
		goto fail;
	}
	if (check_keys(&c, conf) != 0 || check_zones(&c, conf) != 0 ||
	    pub_config_resolve_hosts(name, conf, err) != 0 || check_hosts(&c, conf) != 0 ||
	    pub_config_check_more(conf, err) != 0)
		goto fail;
	if (parse_servers(conf->raw.resolver, conf->raw.resolver_count, &conf->resolver) != 0) {
		fail(&c, conf->raw.mark, "bad resolver address");
		goto fail;
	}
	conf->resolver_count = conf->raw.resolver_count;
	*out = conf;
	return 0;
fail:
	pub_config_free(conf);
	return -1;
}

int pub_config_load(const char *path, pub_config_t **out, kd_error_t *err)
{
	return pub_config_load_buf(path, NULL, 0, out, err);
}

void pub_config_free(pub_config_t *conf)
{
	if (conf == NULL)
		return;
	for (size_t i = 0; i < conf->keys_count; i++)
		kd_tsig_key_deinit(&conf->keys[i]);
	free(conf->keys);
	for (size_t i = 0; i < conf->zones_count; i++)
		free(conf->zones[i].servers);
	free(conf->zones);
	free(conf->zones_sorted);
	free(conf->resolver);
	for (size_t i = 0; i < conf->warnings_count; i++)
		free(conf->warnings[i].text);
	free(conf->warnings);
	kd_schema_free(pub_config_schema, &conf->raw);
	free(conf->path);
	free(conf);
}

void pub_config_print(FILE *out, const pub_config_t *conf)
{
	fprintf(out, "# effective configuration of %s (defaults filled in, secrets hidden)\n",
	        conf->path);
	kd_schema_print(out, pub_config_schema, &conf->raw);
}

static int key_by_name(const void *key, const void *elem)
{
	return strcmp(key, (*(const pub_zone_t *const *)elem)->name);
}

/* Look up name and each of its parents (canonical text, longest first) among the zones: a
 * few binary searches where a scan of every zone would compare names by the million. */
static const pub_zone_t *zone_by_suffix(const pub_config_t *conf, const char *canon)
{
	const char *s = canon;
	for (size_t labels = 0; labels <= 128; labels++) {
		const pub_zone_t *const *hit = bsearch(s, conf->zones_sorted, conf->zones_count,
		                                       sizeof(*conf->zones_sorted), key_by_name);
		if (hit != NULL)
			return *hit;
		if (strcmp(s, ".") == 0)
			break;
		while (*s != '\0' && *s != '.')
			s += s[0] == '\\' && s[1] != '\0' ? 2 : 1; /* "\." is no label end */
		s = *s == '.' && s[1] != '\0' ? s + 1 : ".";
	}
	return NULL;
}

const pub_zone_t *pub_config_zone_for(const pub_config_t *conf, const char *name)
{
	char canon[PUB_NAME_MAX];
	if (conf->zones_sorted != NULL && kd_dname_canon(name, canon, sizeof(canon)) == 0)
		return zone_by_suffix(conf, canon);
	const pub_zone_t *best = NULL;
	for (size_t i = 0; i < conf->zones_count; i++) {
		const pub_zone_t *z = &conf->zones[i];
		if (kd_dname_in_zone(name, z->name) &&
		    (best == NULL || strlen(z->name) > strlen(best->name)))
			best = z;
	}
	return best;
}

size_t pub_config_default_key(const pub_config_t *conf)
{
	return conf->keys_count == 1 ? 0 : SIZE_MAX;
}
