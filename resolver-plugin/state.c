/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "resolver-plugin/state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns/num.h"
#include "dns/strbuf.h"
#include "resolver-plugin/delay.h"

#define LINE_MAX_LEN 4096
#define MAX_FIELDS   (8 + KMSL_MAX_ADDRS) /* srv ... ADDR-EXPIRES, then the addresses */

void kmsl_state_init(kmsl_statefile_t *st)
{
	memset(st, 0, sizeof(*st));
}

void kmsl_state_deinit(kmsl_statefile_t *st)
{
	free(st->sticky);
	free(st->dead);
	free(st->srv);
	free(st->rtt);
	memset(st, 0, sizeof(*st));
}

static int parse_port(const char *s, uint16_t *out)
{
	uint64_t v;
	if (kd_num_parse(s, 1, 65535, &v) != 0)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int parse_time(const char *s, int64_t *out)
{
	uint64_t v;
	if (kd_num_parse(s, 0, INT64_MAX, &v) != 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* One line split in place at spaces; returns the field count or -1 if there are too many. */
static int split(char *line, char **f)
{
	int n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(line, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save)) {
		if (n == MAX_FIELDS)
			return -1;
		f[n++] = tok;
	}
	return n;
}

/* The suffix field of a sticky line: "-" for a static host. */
static int parse_suffix(const char *f, char *out, size_t len)
{
	if (strcmp(f, "-") == 0) {
		out[0] = '\0';
		return 0;
	}
	return kd_dname_text(f, out, len);
}

static int parse_line(char *line, kmsl_statefile_t *st, const char **why)
{
	char *f[MAX_FIELDS];
	int n = split(line, f);
	if (n <= 0) {
		*why = "empty line or too many fields";
		return -1;
	}
	if (strcmp(f[0], "sticky") == 0 && n == 4) {
		if (st->nsticky == KMSL_STATE_MAX_STICKY) {
			*why = "too many sticky hosts";
			return -1;
		}
		kmsl_sticky_t *k = &st->sticky[st->nsticky];
		if (parse_suffix(f[1], k->suffix, sizeof(k->suffix)) != 0 ||
		    kd_dname_text(f[2], k->target, sizeof(k->target)) != 0 ||
		    parse_port(f[3], &k->port) != 0)
			goto bad;
		st->nsticky++;
		return 0;
	}
	if (strcmp(f[0], "dead") == 0 && n == 4) {
		if (st->ndead == KMSL_STATE_MAX_DEAD) {
			*why = "too many dead hosts";
			return -1;
		}
		kmsl_dead_t *d = &st->dead[st->ndead];
		if (kd_dname_text(f[1], d->target, sizeof(d->target)) != 0 ||
		    parse_port(f[2], &d->port) != 0 || parse_time(f[3], &d->until) != 0)
			goto bad;
		st->ndead++;
		return 0;
	}
	if (strcmp(f[0], "rtt") == 0 && n == 4) {
		if (st->nrtt == KMSL_STATE_MAX_RTT) {
			*why = "too many round-trip times";
			return -1;
		}
		kmsl_rtt_t *t = &st->rtt[st->nrtt];
		uint64_t us;
		if (kd_dname_text(f[1], t->target, sizeof(t->target)) != 0 ||
		    parse_port(f[2], &t->port) != 0 || kd_num_parse(f[3], 1, UINT32_MAX, &us) != 0)
			goto bad;
		t->srtt_us = (uint32_t)us;
		st->nrtt++;
		return 0;
	}
	if (strcmp(f[0], "srv") == 0 && n >= 8) {
		if (st->nsrv == KMSL_STATE_MAX_SRV) {
			*why = "too many cached records";
			return -1;
		}
		kmsl_cached_t *c = &st->srv[st->nsrv];
		memset(c, 0, sizeof(*c));
		uint64_t prio, weight;
		if (kd_dname_text(f[1], c->cand.suffix, sizeof(c->cand.suffix)) != 0 ||
		    parse_time(f[2], &c->expires) != 0 ||
		    kd_num_parse(f[3], 0, 65535, &prio) != 0 ||
		    kd_num_parse(f[4], 0, 65535, &weight) != 0 ||
		    parse_port(f[5], &c->cand.port) != 0 ||
		    kd_dname_text(f[6], c->cand.target, sizeof(c->cand.target)) != 0 ||
		    parse_time(f[7], &c->addr_expires) != 0)
			goto bad;
		c->cand.priority = (uint16_t)prio;
		c->cand.weight = (uint16_t)weight;
		for (int i = 8; i < n; i++) {
			kd_addr_t *a = &c->cand.addrs[c->cand.naddrs];
			if (kd_addr_parse_ip(f[i], a) != 0)
				goto bad;
			kd_addr_set_port(a, c->cand.port);
			c->cand.naddrs++;
		}
		st->nsrv++;
		return 0;
	}
	*why = "unknown line";
	return -1;
bad:
	*why = "bad value";
	return -1;
}

static int ensure_arrays(kmsl_statefile_t *st)
{
	/* Not zeroed: an entry is written whole before it counts (zeroing the ~1 MB of srv
	 * entries on every load was half of a warm kmsl_candidates call's CPU). */
	if (st->sticky == NULL)
		st->sticky = malloc(KMSL_STATE_MAX_STICKY * sizeof(*st->sticky));
	if (st->dead == NULL)
		st->dead = malloc(KMSL_STATE_MAX_DEAD * sizeof(*st->dead));
	if (st->srv == NULL)
		st->srv = malloc(KMSL_STATE_MAX_SRV * sizeof(*st->srv));
	if (st->rtt == NULL)
		st->rtt = malloc(KMSL_STATE_MAX_RTT * sizeof(*st->rtt));
	return st->sticky != NULL && st->dead != NULL && st->srv != NULL && st->rtt != NULL ? 0
	                                                                                    : -1;
}

int kmsl_state_parse(const char *buf, size_t len, kmsl_statefile_t *st, char *warn, size_t wlen)
{
	kmsl_state_init(st);
	const char *why = NULL, *skipped = NULL;
	unsigned lineno = 0, skipped_at = 0, nskipped = 0;
	bool ended = false;
	char line[LINE_MAX_LEN];
	if (len > KMSL_STATE_MAX_BYTES) {
		why = "file too large";
		goto fail;
	}
	if (ensure_arrays(st) != 0) {
		why = "out of memory";
		goto fail;
	}
	for (size_t pos = 0; pos < len && !ended;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		lineno++;
		size_t n = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;
		const char *bad = NULL;
		if (nl == NULL)
			bad = "truncated (no final newline)";
		else if (n >= sizeof(line) || memchr(buf + pos, '\0', n) != NULL)
			bad = "line too long or binary data";
		if (bad == NULL) {
			memcpy(line, buf + pos, n);
			line[n] = '\0';
		}
		pos += n + 1;
		if (lineno == 1) {
			if (bad == NULL && strcmp(line, KMSL_STATE_MAGIC_V1) == 0) {
				kmsl_state_deinit(st); /* the old format: start afresh, quietly */
				kmsl_state_init(st);
				return ensure_arrays(st) == 0 ? 0 : -1;
			}
			if (bad != NULL || (strcmp(line, KMSL_STATE_MAGIC) != 0 &&
			                    strcmp(line, KMSL_STATE_MAGIC_V2) != 0)) {
				why = "unknown format or version";
				goto fail;
			}
			continue;
		}
		if (bad == NULL && strcmp(line, "end") == 0) {
			ended = true;
			if (pos < len) {
				bad = "data after end";
				lineno++;
			}
		} else if (bad == NULL) {
			(void)parse_line(line, st, &bad);
		}
		if (bad != NULL) {
			/* This line only: the rest of the file is still good. */
			if (nskipped++ == 0) {
				skipped = bad;
				skipped_at = lineno;
			}
		}
	}
	if (lineno == 0) {
		why = "empty file";
		goto fail;
	}
	if (!ended && nskipped++ == 0) {
		skipped = "truncated (no end line)";
		skipped_at = lineno;
	}
	if (nskipped == 0)
		return 0;
	snprintf(warn, wlen, "line %u: %s; %u line%s skipped", skipped_at, skipped, nskipped,
	         nskipped == 1 ? "" : "s");
	return 1;
fail:
	snprintf(warn, wlen, "line %u: %s", lineno, why);
	kmsl_state_deinit(st);
	return -1;
}

int kmsl_state_format(const kmsl_statefile_t *st, char **out)
{
	kd_strbuf_t sb = {0};
	kd_strbuf_printf(&sb, "%s\n", KMSL_STATE_MAGIC);
	for (size_t i = 0; i < st->nsticky; i++)
		kd_strbuf_printf(&sb, "sticky %s %s %u\n",
		                 st->sticky[i].suffix[0] != '\0' ? st->sticky[i].suffix : "-",
		                 st->sticky[i].target, st->sticky[i].port);
	for (size_t i = 0; i < st->ndead; i++)
		kd_strbuf_printf(&sb, "dead %s %u %" PRId64 "\n", st->dead[i].target,
		                 st->dead[i].port, st->dead[i].until);
	for (size_t i = 0; i < st->nrtt; i++)
		kd_strbuf_printf(&sb, "rtt %s %u %" PRIu32 "\n", st->rtt[i].target, st->rtt[i].port,
		                 st->rtt[i].srtt_us);
	for (size_t i = 0; i < st->nsrv; i++) {
		const kmsl_cand_t *c = &st->srv[i].cand;
		kd_strbuf_printf(&sb, "srv %s %" PRId64 " %u %u %u %s %" PRId64, c->suffix,
		                 st->srv[i].expires, c->priority, c->weight, c->port, c->target,
		                 st->srv[i].addr_expires);
		for (size_t j = 0; j < c->naddrs; j++) {
			char ip[KD_ADDR_STRLEN];
			kd_addr_ip_str(&c->addrs[j], ip, sizeof(ip));
			kd_strbuf_printf(&sb, " %s", ip);
		}
		kd_strbuf_printf(&sb, "\n");
	}
	kd_strbuf_printf(&sb, "end\n");
	char *text = kd_strbuf_take(&sb, NULL);
	if (text == NULL)
		return -1;
	*out = text;
	return 0;
}

static bool host_eq(const char *t1, uint16_t p1, const char *t2, uint16_t p2)
{
	return p1 == p2 && kd_dname_equal(t1, t2);
}

static void dead_remove(kmsl_statefile_t *st, const char *target, uint16_t port)
{
	size_t out = 0;
	for (size_t i = 0; i < st->ndead; i++)
		if (!host_eq(st->dead[i].target, st->dead[i].port, target, port))
			st->dead[out++] = st->dead[i];
	st->ndead = out;
}

static void srv_drop_suffix(kmsl_statefile_t *st, const char *suffix)
{
	size_t out = 0;
	for (size_t i = 0; i < st->nsrv; i++)
		if (!kd_dname_equal(st->srv[i].cand.suffix, suffix))
			st->srv[out++] = st->srv[i];
	st->nsrv = out;
}

static void sticky_remove(kmsl_statefile_t *st, const char *suffix, const char *target,
                          uint16_t port)
{
	size_t out = 0;
	for (size_t i = 0; i < st->nsticky; i++) {
		const kmsl_sticky_t *k = &st->sticky[i];
		bool match = suffix != NULL ? strcmp(k->suffix, suffix) == 0
		                            : host_eq(k->target, k->port, target, port);
		if (!match)
			st->sticky[out++] = *k;
	}
	st->nsticky = out;
}

static void sticky_set(kmsl_statefile_t *st, const char *suffix, const char *target, uint16_t port)
{
	sticky_remove(st, suffix, NULL, 0);
	if (st->nsticky == KMSL_STATE_MAX_STICKY) /* full: forget the oldest entry */
		memmove(&st->sticky[0], &st->sticky[1], --st->nsticky * sizeof(*st->sticky));
	kmsl_sticky_t *k = &st->sticky[st->nsticky++];
	snprintf(k->suffix, sizeof(k->suffix), "%s", suffix);
	snprintf(k->target, sizeof(k->target), "%s", target);
	k->port = port;
}

/* An ALIVE host without a suffix (kmsl_report): every suffix whose cache lists it. */
static void sticky_everywhere(kmsl_statefile_t *st, const kmsl_cand_t *h, bool caching)
{
	bool any = false;
	for (size_t i = 0; i < st->nsrv; i++) {
		const kmsl_cand_t *c = &st->srv[i].cand;
		if (!host_eq(c->target, c->port, h->target, h->port))
			continue;
		any = true;
		if (caching)
			sticky_set(st, c->suffix, h->target, h->port);
		else
			sticky_remove(st, c->suffix, NULL, 0);
	}
	if (!any && caching)
		sticky_set(st, "", h->target, h->port);
}

/* One more RTT sample of a host: its entry moves to the end (the full table forgets the entry
 * updated longest ago). */
static void rtt_sample(kmsl_statefile_t *st, const char *target, uint16_t port, uint64_t us)
{
	uint32_t srtt = 0;
	size_t out = 0;
	for (size_t i = 0; i < st->nrtt; i++) {
		if (host_eq(st->rtt[i].target, st->rtt[i].port, target, port))
			srtt = st->rtt[i].srtt_us;
		else
			st->rtt[out++] = st->rtt[i];
	}
	st->nrtt = out;
	if (st->nrtt == KMSL_STATE_MAX_RTT)
		memmove(&st->rtt[0], &st->rtt[1], --st->nrtt * sizeof(*st->rtt));
	kmsl_rtt_t *t = &st->rtt[st->nrtt++];
	snprintf(t->target, sizeof(t->target), "%s", target);
	t->port = port;
	t->srtt_us = kmsl_srtt_update(srtt, us);
}

static void apply_host(kmsl_statefile_t *st, const kmsl_cand_t *h, const kmsl_state_change_t *chg)
{
	if (h->state == KMSL_STATE_ALIVE && h->rtt_us > 0)
		rtt_sample(st, h->target, h->port, h->rtt_us);
	if (h->state == KMSL_STATE_DEAD) {
		dead_remove(st, h->target, h->port);
		if (st->ndead == KMSL_STATE_MAX_DEAD) /* full: forget the oldest entry */
			memmove(&st->dead[0], &st->dead[1], (st->ndead - 1) * sizeof(*st->dead));
		else
			st->ndead++;
		kmsl_dead_t *d = &st->dead[st->ndead - 1];
		snprintf(d->target, sizeof(d->target), "%s", h->target);
		d->port = h->port;
		d->until = chg->dead_until;
		sticky_remove(st, NULL, h->target, h->port);
	} else if (h->state == KMSL_STATE_ALIVE || h->state == KMSL_STATE_STICKY) {
		dead_remove(st, h->target, h->port);
		if (h->suffix[0] == '\0')
			sticky_everywhere(st, h, chg->caching);
		else if (chg->caching)
			sticky_set(st, h->suffix, h->target, h->port);
		else
			sticky_remove(st, h->suffix, NULL, 0);
	}
}

/* A time further ahead than now + max (plus a little slack: processes that took their "now" a
 * moment apart, one of them waiting for the lock) comes from a clock that has gone back since:
 * it counts as now. */
static int64_t bounded(int64_t t, int64_t now, int64_t max)
{
	return t > now + max + KMSL_STATE_CLOCK_SLACK ? now : t;
}

int kmsl_state_apply(kmsl_statefile_t *st, const kmsl_state_change_t *chg, int64_t now)
{
	if (ensure_arrays(st) != 0)
		return -1;
	int64_t max_ttl = chg->max_cache_ttl > 0 ? chg->max_cache_ttl : KMSL_STATE_MAX_CACHE_TTL;
	for (size_t i = 0; i < chg->nhosts; i++)
		apply_host(st, &chg->hosts[i], chg);
	for (size_t i = 0; i < chg->nfresh; i++)
		srv_drop_suffix(st, chg->fresh[i]);
	for (size_t i = 0; i < chg->nsrv; i++)
		srv_drop_suffix(st, chg->srv[i].suffix);
	for (size_t i = 0; i < chg->nsrv && st->nsrv < KMSL_STATE_MAX_SRV; i++) {
		const kmsl_cand_t *in = &chg->srv[i];
		kmsl_cached_t *c = &st->srv[st->nsrv++];
		c->cand = *in;
		c->cand.state = KMSL_STATE_UNKNOWN;
		c->expires = now + (in->ttl < max_ttl ? (int64_t)in->ttl : max_ttl);
		c->addr_expires = now + (in->addr_ttl < max_ttl ? (int64_t)in->addr_ttl : max_ttl);
		if (in->naddrs == 0)
			c->addr_expires = now;
	}
	/* Drop what has expired, and times too far ahead (the clock went back). */
	size_t out = 0;
	for (size_t i = 0; i < st->ndead; i++)
		if (bounded(st->dead[i].until, now, chg->dead_max) > now)
			st->dead[out++] = st->dead[i];
	st->ndead = out;
	out = 0;
	for (size_t i = 0; i < st->nsrv; i++)
		if (bounded(st->srv[i].expires, now, max_ttl) > now)
			st->srv[out++] = st->srv[i];
	st->nsrv = out;
	return 0;
}

void kmsl_state_mark(const kmsl_statefile_t *st, kmsl_cand_t *cands, size_t n, int64_t now,
                     int64_t dead_retry, bool caching)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < st->nrtt; k++)
			if (host_eq(st->rtt[k].target, st->rtt[k].port, cands[i].target,
			            cands[i].port))
				cands[i].srtt_us = st->rtt[k].srtt_us;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < st->ndead; k++)
			if (bounded(st->dead[k].until, now, dead_retry) > now &&
			    host_eq(st->dead[k].target, st->dead[k].port, cands[i].target,
			            cands[i].port))
				cands[i].state = KMSL_STATE_DEAD;
	if (!caching)
		return;
	/* The sticky host of the first suffix (in list order) that has one here. */
	size_t sticky = n;
	for (size_t i = 0; i < n && sticky == n; i++) {
		for (size_t k = 0; k < st->nsticky && sticky == n; k++) {
			const kmsl_sticky_t *s = &st->sticky[k];
			if (!kd_dname_equal(s->suffix, cands[i].suffix) &&
			    !(s->suffix[0] == '\0' && cands[i].suffix[0] == '\0'))
				continue;
			for (size_t j = 0; j < n; j++)
				if (cands[j].state != KMSL_STATE_DEAD &&
				    strcmp(cands[j].suffix, s->suffix) == 0 &&
				    host_eq(s->target, s->port, cands[j].target, cands[j].port)) {
					sticky = j;
					break;
				}
		}
	}
	if (sticky == n)
		return;
	kmsl_cand_t tmp = cands[sticky];
	tmp.state = KMSL_STATE_STICKY;
	memmove(&cands[1], &cands[0], sticky * sizeof(*cands));
	cands[0] = tmp;
}

size_t kmsl_state_select(const kmsl_cand_t *cands, size_t n, bool *use)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		use[i] = cands[i].naddrs > 0 && cands[i].state != KMSL_STATE_DEAD;
		count += use[i];
	}
	if (count > 0)
		return count;
	for (size_t i = 0; i < n; i++) {
		use[i] = cands[i].naddrs > 0;
		count += use[i];
	}
	return count;
}

size_t kmsl_state_cached(const kmsl_statefile_t *st, const char *suffix, int64_t now,
                         int64_t max_ttl, kmsl_cand_t *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < st->nsrv && n < max; i++) {
		const kmsl_cached_t *c = &st->srv[i];
		int64_t expires = bounded(c->expires, now, max_ttl);
		int64_t addr_expires = bounded(c->addr_expires, now, max_ttl);
		if (expires <= now || !kd_dname_equal(c->cand.suffix, suffix))
			continue;
		kmsl_cand_t *o = &out[n++];
		*o = c->cand;
		o->cached = true;
		o->fresh = false;
		o->ttl = (uint32_t)(expires - now);
		if (addr_expires > now && o->naddrs > 0) {
			o->addr_ttl = (uint32_t)(addr_expires - now);
			o->families = KMSL_FAM_V4 | KMSL_FAM_V6;
		} else {
			o->naddrs = 0;
			o->addr_ttl = 0;
			o->families = 0;
		}
	}
	return n;
}

bool kmsl_state_untrusted(const struct stat *sb, bool is_dir, char *why, size_t len)
{
	if (sb->st_uid != geteuid() && sb->st_uid != 0) {
		snprintf(why, len, "owned by uid %u, not by this user or root",
		         (unsigned)sb->st_uid);
		return true;
	}
	if ((sb->st_mode & (S_IWGRP | S_IWOTH)) != 0 && !(is_dir && (sb->st_mode & S_ISVTX))) {
		snprintf(why, len, "writable by others (mode %03o)",
		         (unsigned)(sb->st_mode & 0777));
		return true;
	}
	return false;
}
