/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/primary.h"

#include <stdlib.h>
#include <string.h>

#include "dns/array.h"
#include "dns/log.h"
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

long pub_primaries_discover(pub_primaries_t *p, const pub_config_t *conf, const char *owner,
                            kd_error_t *err)
{
	pub_found_t nf = {0};
	char zone[PUB_NAME_MAX];
	kd_query_opts_t o = {
	        .servers = conf->resolver,
	        .count = conf->resolver_count,
	        .timeout_ms = conf->raw.timeout_ms,
	        .tcp = false,
	        .recurse = true,
	};
	nf.servers = calloc(PUB_MAX_PRIMARIES, sizeof(*nf.servers));
	if (nf.servers == NULL)
		return kd_fail(err, KD_ENOMEM, "failed to find the zone of %s (out of memory)",
		               owner);
	if (zone_discover(&o, owner, (uint16_t)conf->raw.primary_port, zone, nf.servers,
	                  PUB_MAX_PRIMARIES, &nf.servers_count, err) != 0) {
		found_free(&nf);
		return -1;
	}
	nf.owner = strdup(owner);
	nf.zone = strdup(zone);
	pub_found_t *v = nf.owner != NULL && nf.zone != NULL
	                         ? kd_array_reserve(p->v, &p->cap, p->n + 1, sizeof(*v))
	                         : NULL;
	if (v == NULL) {
		found_free(&nf);
		return kd_fail(err, KD_ENOMEM, "failed to find the zone of %s (out of memory)",
		               owner);
	}
	p->v = v;
	v[p->n] = nf;
	log_debug("zone of %s is %s (%zu primary address(es) from the SOA MNAME)", owner, zone,
	          nf.servers_count);
	return (long)p->n++;
}

void pub_primaries_clear(pub_primaries_t *p)
{
	for (size_t i = 0; i < p->n; i++)
		found_free(&p->v[i]);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

int pub_target(pub_primaries_t *p, const pub_config_t *conf, const char *zone, pub_target_t *t,
               kd_error_t *err)
{
	const pub_zone_t *zc = NULL;
	for (size_t i = 0; i < conf->zones_count; i++)
		if (strcmp(conf->zones[i].name, zone) == 0)
			zc = &conf->zones[i];
	size_t key = zc != NULL ? zc->key : pub_config_default_key(conf);
	if (key == SIZE_MAX)
		return kd_fail(err, KD_EINVAL,
		               "no key for zone %s: it is not in 'zones' and several keys "
		               "are defined",
		               zone);
	t->key = &conf->keys[key];
	if (zc != NULL && zc->servers_count > 0) {
		t->servers = zc->servers;
		t->count = zc->servers_count;
		return 0;
	}
	long f = pub_primaries_find(p, NULL, zone);
	if (f < 0 && (f = pub_primaries_discover(p, conf, zone, err)) < 0)
		return -1;
	if (strcmp(p->v[f].zone, zone) != 0)
		return kd_fail(err, KD_ENOENT, "%s is no longer a zone (now in %s)", zone,
		               p->v[f].zone);
	t->servers = p->v[f].servers;
	t->count = p->v[f].servers_count;
	return 0;
}
