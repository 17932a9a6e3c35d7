/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/primary.h"

#include <stdlib.h>
#include <string.h>

#include "dns/array.h"
#include "dns/log.h"
#include "dns/lookup.h"
#include "dns/query.h"

long pub_primaries_find(const pub_primaries_t *p, const char *owner, const char *zone)
{
	for (size_t i = 0; i < p->n; i++) {
		const pub_found_t *f = &p->v[i];
		if ((owner != NULL && strcmp(f->owner, owner) == 0) ||
		    (owner == NULL && zone != NULL && strcmp(f->zone, zone) == 0))
			return (long)i;
	}
	return -1;
}

/* The zone holding owner by SOA queries through opts, then its MNAME's addresses (with port).
 * Sets zone_out (canonical), fills servers (up to max) and *n_out. Returns 0 or -1 with a
 * reason in err. */
static int zone_discover(const kd_query_opts_t *opts, const char *owner, uint16_t port,
                         char zone_out[PUB_NAME_MAX], kd_addr_t *servers, size_t max, size_t *n_out,
                         kd_error_t *err)
{
	char *zone = NULL, *mname = NULL;
	int ret = -1;
	kd_err_t e = kd_find_zone(opts, owner, &zone, &mname);
	if (e != KD_OK) {
		return kd_fail(err, e, "failed to find the zone of %s by SOA query (%s)", owner,
		               kd_strerror(e));
	}
	size_t n = 0;
	e = mname != NULL ? kd_resolve_addrs(opts, mname, port, servers, max, &n) : KD_ENOENT;
	if (e != KD_OK || n == 0) {
		kd_fail(err, e != KD_OK ? e : KD_ENOENT,
		        "failed to resolve the primary %s of zone %s (%s)",
		        mname != NULL ? mname : "(no MNAME)", zone,
		        e != KD_OK ? kd_strerror(e) : "no addresses");
		goto done;
	}
	if (kd_dname_canon(zone, zone_out, PUB_NAME_MAX) != 0) {
		kd_fail(err, KD_EMALFORMED, "failed to find the zone of %s (bad zone name %s)",
		        owner, zone);
		goto done;
	}
	*n_out = n;
	ret = 0;
done:
	free(zone);
	free(mname);
	return ret;
}

static void found_free(pub_found_t *f)
{
	free(f->owner);
	free(f->zone);
	free(f->servers);
}

/* Discover owner into *nf (heap fields). 0 or -1 with err. */
/* Discover owner into *nf (heap fields; found_free on failure too). 0 or -1 with err. */
static int discover_one(const pub_config_t *conf, const char *owner, pub_found_t *nf,
                        kd_error_t *err)
{
	char zone[PUB_NAME_MAX];
	kd_query_opts_t o = {
	        .servers = conf->resolver,
	        .count = conf->resolver_count,
	        .timeout_ms = conf->raw.timeout_ms,
	        .tcp = false,
	        .recurse = true,
	};
	memset(nf, 0, sizeof(*nf));
	nf->servers = calloc(PUB_MAX_PRIMARIES, sizeof(*nf->servers));
	if (nf->servers == NULL)
		return kd_fail(err, KD_ENOMEM, "failed to find the zone of %s (out of memory)",
		               owner);
	if (zone_discover(&o, owner, (uint16_t)conf->raw.primary_port, zone, nf->servers,
	                  PUB_MAX_PRIMARIES, &nf->servers_count, err) != 0)
		return -1;
	nf->owner = strdup(owner);
	nf->zone = strdup(zone);
	if (nf->owner == NULL || nf->zone == NULL)
		return kd_fail(err, KD_ENOMEM, "failed to find the zone of %s (out of memory)",
		               owner);
	return 0;
}

long pub_primaries_discover(pub_primaries_t *p, const pub_config_t *conf, const char *owner,
                            uint64_t now_ms, kd_error_t *err)
{
	pub_found_t nf;
	if (discover_one(conf, owner, &nf, err) != 0) {
		found_free(&nf);
		return -1;
	}
	pub_found_t *v = kd_array_reserve(p->v, &p->cap, p->n + 1, sizeof(*v));
	if (v == NULL) {
		found_free(&nf);
		return kd_fail(err, KD_ENOMEM, "failed to find the zone of %s (out of memory)",
		               owner);
	}
	p->v = v;
	nf.found_ms = now_ms;
	v[p->n] = nf;
	log_debug("zone of %s is %s (%zu primary address(es) from the SOA MNAME)", owner, nf.zone,
	          nf.servers_count);
	return (long)p->n++;
}

static bool same_servers(const pub_found_t *a, const pub_found_t *b)
{
	if (a->servers_count != b->servers_count)
		return false;
	for (size_t i = 0; i < a->servers_count; i++)
		if (!kd_addr_equal(&a->servers[i], &b->servers[i]))
			return false;
	return true;
}

void pub_primaries_refresh(pub_primaries_t *p, const pub_config_t *conf, size_t i, uint64_t now_ms)
{
	pub_found_t *f = &p->v[i];
	if (now_ms - f->found_ms < conf->raw.interval_ms)
		return;
	pub_found_t nf;
	kd_error_t err = {0};
	f->found_ms = now_ms; /* at most once an interval, also when it fails */
	if (discover_one(conf, f->owner, &nf, &err) != 0) {
		found_free(&nf);
		log_warnx("%s; still using the primary found before for zone %s", err.msg, f->zone);
		return;
	}
	if (strcmp(nf.zone, f->zone) != 0 || !same_servers(&nf, f)) {
		char a[KD_ADDR_STRLEN], b[KD_ADDR_STRLEN];
		kd_addr_str(&f->servers[0], a, sizeof(a));
		kd_addr_str(&nf.servers[0], b, sizeof(b));
		log_info("%s: zone %s, primary %s (was zone %s, primary %s)", f->owner, nf.zone, b,
		         f->zone, a);
	}
	nf.found_ms = now_ms;
	found_free(f);
	*f = nf;
}

void pub_primaries_clear(pub_primaries_t *p)
{
	for (size_t i = 0; i < p->n; i++)
		found_free(&p->v[i]);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

int pub_target(pub_primaries_t *p, const pub_config_t *conf, const char *zone, uint64_t now_ms,
               pub_target_t *t, kd_error_t *err)
{
	/* The configured zone of that name (a binary search: one call per zone of a round). */
	const pub_zone_t *zc = pub_config_zone_for(conf, zone);
	if (zc != NULL && strcmp(zc->name, zone) != 0)
		zc = NULL; /* a zone above it, not this one */
	size_t key = zc != NULL ? zc->key : pub_config_default_key(conf);
	if (key == SIZE_MAX)
		return kd_fail(err, KD_EINVAL,
		               "no key for zone %s: it is not in 'zones' and several keys "
		               "are defined",
		               zone);
	t->key = &conf->keys[key];
	t->transfer = zc != NULL ? zc->transfer : conf->raw.read == PUB_READ_TRANSFER;
	if (zc != NULL && zc->servers_count > 0) {
		t->servers = zc->servers;
		t->count = zc->servers_count;
		return 0;
	}
	long f = pub_primaries_find(p, NULL, zone);
	if (f >= 0)
		pub_primaries_refresh(p, conf, (size_t)f, now_ms);
	else if ((f = pub_primaries_discover(p, conf, zone, now_ms, err)) < 0)
		return -1;
	if (strcmp(p->v[f].zone, zone) != 0)
		return kd_fail(err, KD_ENOENT, "%s is no longer a zone (now in %s)", zone,
		               p->v[f].zone);
	t->servers = p->v[f].servers;
	t->count = p->v[f].servers_count;
	return 0;
}
