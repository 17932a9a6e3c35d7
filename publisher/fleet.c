/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/fleet.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/log.h"
#include "publisher/status.h"

/* Append name to buf at *pos in lower case, without its final dot when strip is set. false
 * when it does not fit. */
static bool put_lower(char *buf, size_t len, size_t *pos, const char *name, bool strip)
{
	size_t n = strlen(name);
	if (strip && n > 1 && name[n - 1] == '.')
		n--;
	if (*pos + n >= len)
		return false;
	for (size_t i = 0; i < n; i++)
		buf[(*pos)++] = (char)tolower((unsigned char)name[i]);
	buf[*pos] = '\0';
	return true;
}

/* "owner target" in lower case, without the final dots: the key of an SRV record whose owner
 * is prefix + name. Built by hand: the status lines look up every host in every domain at
 * each save of the state file. An over-long key is cut (it matches nothing real). */
static void srv_key(const char *prefix, const char *owner, const char *target, char *buf,
                    size_t len)
{
	size_t pos = 0;
	buf[0] = '\0';
	if (put_lower(buf, len, &pos, prefix, false) && put_lower(buf, len, &pos, owner, true) &&
	    put_lower(buf, len, &pos, " ", false))
		put_lower(buf, len, &pos, target, true);
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int pub_fleet_srvs_init(pub_fleet_srvs_t *s, const pub_zoneset_t *state)
{
	memset(s, 0, sizeof(*s));
	size_t n = state != NULL ? pub_zoneset_count(state) : 0;
	s->v = calloc(n + 1, sizeof(*s->v));
	if (s->v == NULL)
		return -1;
	for (size_t z = 0; state != NULL && z < state->n; z++)
		for (size_t i = 0; i < state->v[z].rrs.n; i++) {
			const ldns_rr *rr = state->v[z].rrs.v[i];
			char owner[PUB_NAME_MAX], target[PUB_NAME_MAX], key[2 * PUB_NAME_MAX + 1];
			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SRV ||
			    pub_rr_owner_str(rr, owner, sizeof(owner)) != 0 ||
			    pub_rr_target_str(rr, target, sizeof(target)) != 0)
				continue;
			/* Canonical text is lower case already: the key is the two names joined. */
			size_t ol = strlen(owner), tl = strlen(target);
			ol -= ol > 1 && owner[ol - 1] == '.';
			tl -= tl > 1 && target[tl - 1] == '.';
			memcpy(key, owner, ol);
			key[ol] = ' ';
			memcpy(key + ol + 1, target, tl);
			key[ol + 1 + tl] = '\0';
			if ((s->v[s->n] = strdup(key)) == NULL) {
				pub_fleet_srvs_deinit(s);
				return -1;
			}
			s->n++;
		}
	qsort(s->v, s->n, sizeof(*s->v), key_cmp);
	return 0;
}

bool pub_fleet_srvs_has(pub_fleet_srvs_t *s, const char *domain, const char *host)
{
	char key[2 * PUB_NAME_MAX + 32];
	size_t dl = strlen(domain);
	if (s->plen == 0 || strcmp(domain, s->domain) != 0) {
		s->plen = 0;
		if (dl < sizeof(s->domain) &&
		    put_lower(s->prefix, sizeof(s->prefix), &s->plen, "_vlmcs._tcp.", false) &&
		    put_lower(s->prefix, sizeof(s->prefix), &s->plen, domain, true) &&
		    put_lower(s->prefix, sizeof(s->prefix), &s->plen, " ", false))
			memcpy(s->domain, domain, dl + 1);
		else
			s->plen = 0;
	}
	size_t pos = s->plen;
	if (pos > 0) {
		memcpy(key, s->prefix, pos + 1); /* with its NUL */
		put_lower(key, sizeof(key), &pos, host, true);
	} else {
		srv_key("_vlmcs._tcp.", domain, host, key, sizeof(key));
	}
	const char *k = key;
	return s->n > 0 && bsearch(&k, s->v, s->n, sizeof(*s->v), key_cmp) != NULL;
}

void pub_fleet_srvs_deinit(pub_fleet_srvs_t *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int pub_fleet_init(pub_fleet_t *f, const pub_config_t *conf, const pub_zoneset_t *state,
                   pub_health_state_t initial, uint64_t now_ms)
{
	memset(f, 0, sizeof(*f));
	f->conf = conf;
	f->co.window_ms = PUB_COALESCE_DEFAULT_MS;
	f->nh = conf->raw.hosts_count;
	f->nd = conf->raw.domains_count;
	f->hosts = calloc(f->nh + 1, sizeof(*f->hosts));
	f->why = calloc(f->nh * f->nd + 1, sizeof(*f->why));
	f->published = calloc(f->nh * f->nd + 1, sizeof(*f->published));
	f->holding = calloc(f->nd + 1, sizeof(*f->holding));
	pub_fleet_srvs_t in_state;
	if (f->hosts == NULL || f->why == NULL || f->published == NULL || f->holding == NULL ||
	    pub_fleet_srvs_init(&in_state, state) != 0) {
		pub_fleet_deinit(f);
		return -1;
	}
	for (size_t h = 0; h < f->nh; h++) {
		const pub_host_conf_t *hc = &conf->raw.hosts[h];
		pub_fleet_host_t *x = &f->hosts[h];
		snprintf(x->name, sizeof(x->name), "%s", hc->name);
		x->kind = pub_config_probe_kind(hc->health.probe);
		x->fall = hc->health.fall;
		x->rise = hc->health.rise;
		pub_health_init(&x->h, x->kind == KD_PROBE_NONE ? PUB_HEALTH_UP : initial, now_ms);
	}
	for (size_t d = 0; d < f->nd; d++) /* the hosts of a domain in a row (srvs_has) */
		for (size_t h = 0; h < f->nh; h++)
			f->published[h * f->nd + d] = pub_fleet_srvs_has(
			        &in_state, conf->raw.domains[d].name, f->hosts[h].name);
	pub_fleet_srvs_deinit(&in_state);
	pub_fleet_decide(f);
	return 0;
}

void pub_fleet_deinit(pub_fleet_t *f)
{
	free(f->hosts);
	free(f->why);
	free(f->published);
	free(f->holding);
	pub_coalesce_deinit(&f->co);
	memset(f, 0, sizeof(*f));
}

/* The host named name, tried first at hint: the state file and a reloaded configuration
 * list the hosts in the same order, and a thousand hosts searched in turn for each would
 * cost half a million comparisons. */
static long find_host(const pub_fleet_t *f, const char *name, size_t hint)
{
	if (hint < f->nh && strcasecmp(f->hosts[hint].name, name) == 0)
		return (long)hint;
	for (size_t h = 0; h < f->nh; h++)
		if (strcasecmp(f->hosts[h].name, name) == 0)
			return (long)h;
	return -1;
}

void pub_fleet_restore(pub_fleet_t *f, const char *buf, size_t len, int64_t now_unix,
                       uint64_t now_ms)
{
	pub_status_line_t l;
	size_t off = 0, next = 0;
	while (pub_status_next(buf, len, &off, &l)) {
		if (strcmp(l.kind, "host") != 0)
			continue;
		long h = find_host(f, l.name, next);
		next = h >= 0 ? (size_t)h + 1 : next;
		if (h < 0 || f->hosts[h].kind == KD_PROBE_NONE)
			continue;
		pub_health_state_t st;
		char v[64];
		if (!pub_status_field(&l, "state", v, sizeof(v)) ||
		    pub_health_state_parse(v, &st) != 0)
			continue;
		int64_t since = pub_status_field(&l, "since", v, sizeof(v)) ? atoll(v) : now_unix;
		uint64_t ago = since < now_unix ? (uint64_t)(now_unix - since) * 1000 : 0;
		pub_health_init(&f->hosts[h].h, st, ago < now_ms ? now_ms - ago : 0);
	}
	pub_fleet_decide(f);
}

void pub_fleet_carry(pub_fleet_t *f, const pub_fleet_t *old)
{
	for (size_t h = 0; h < f->nh; h++) {
		long o = find_host(old, f->hosts[h].name, h);
		if (o >= 0 && f->hosts[h].kind != KD_PROBE_NONE &&
		    old->hosts[o].kind != KD_PROBE_NONE)
			f->hosts[h].h = old->hosts[o].h;
	}
	pub_fleet_decide(f);
}

bool pub_fleet_feed(pub_fleet_t *f, size_t host, kd_probe_result_t res, uint32_t latency_ms,
                    uint64_t now_ms)
{
	if (host >= f->nh)
		return false;
	pub_fleet_host_t *x = &f->hosts[host];
	pub_health_state_t before = x->h.state;
	if (!pub_health_feed(&x->h, res, latency_ms, now_ms, x->fall, x->rise))
		return false;
	if (x->h.state == PUB_HEALTH_DOWN)
		log_warnx("host %s is down after %u failed probe(s) (last: %s)", x->name,
		          x->h.failures, kd_probe_result_str(res));
	else
		log_info("host %s is up after %u successful probe(s) (was %s)", x->name,
		         x->h.successes, pub_health_state_str(before));
	pub_coalesce_note(&f->co, host, now_ms); /* ENOMEM: the window opens all the same */
	return true;
}

bool pub_fleet_decide(pub_fleet_t *f)
{
	size_t nh = f->nh;
	pub_health_state_t *st = calloc(nh + 1, sizeof(*st));
	bool *was = calloc(nh + 1, sizeof(*was));
	pub_why_t *why = calloc(nh + 1, sizeof(*why));
	bool changed = false;
	if (st == NULL || was == NULL || why == NULL) {
		/* Without memory to decide, keep what is published. */
		free(st);
		free(was);
		free(why);
		return false;
	}
	for (size_t h = 0; h < nh; h++)
		st[h] = f->hosts[h].h.state;
	for (size_t d = 0; d < f->nd; d++) {
		const char *dom = f->conf->raw.domains[d].name;
		for (size_t h = 0; h < nh; h++)
			was[h] = f->published[h * f->nd + d];
		if (pub_health_decide(st, was, nh, f->conf->raw.fail_open, &f->holding[d], why)) {
			if (f->holding[d])
				log_warnx("domain %s: every host is down; fail-open keeps the "
				          "published "
				          "ones published",
				          dom);
			else
				log_info("domain %s: fail-open ends: a host is up again", dom);
		}
		for (size_t h = 0; h < nh; h++) {
			bool p = pub_why_published(why[h]);
			changed = changed || p != f->published[h * f->nd + d];
			f->published[h * f->nd + d] = p;
			f->why[h * f->nd + d] = why[h];
		}
	}
	free(st);
	free(was);
	free(why);
	return changed;
}

int pub_fleet_settle(pub_fleet_t *f, uint64_t now_ms)
{
	size_t *items = NULL, n = 0;
	if (!pub_coalesce_take(&f->co, now_ms, &items, &n))
		return -1;
	free(items);
	return pub_fleet_decide(f) ? 1 : 0;
}

uint64_t pub_fleet_deadline(const pub_fleet_t *f)
{
	return pub_coalesce_deadline(&f->co);
}

bool pub_fleet_wanted(const pub_fleet_t *f, size_t host, size_t domain)
{
	if (f == NULL || host >= f->nh || domain >= f->nd)
		return true;
	return f->published[host * f->nd + domain];
}

unsigned pub_fleet_count(const pub_fleet_t *f, size_t domain)
{
	unsigned n = 0;
	for (size_t h = 0; h < f->nh; h++)
		n += pub_fleet_wanted(f, h, domain);
	return n;
}
