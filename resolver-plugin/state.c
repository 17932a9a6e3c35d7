/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "resolver-plugin/state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/num.h"
#include "dns/strbuf.h"

#define LINE_MAX_LEN 4096
#define MAX_FIELDS   (6 + KMSL_MAX_ADDRS)

void kmsl_state_init(kmsl_statefile_t *st)
{
	memset(st, 0, sizeof(*st));
}

void kmsl_state_deinit(kmsl_statefile_t *st)
{
	free(st->dead);
	free(st->srv);
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

static int parse_line(char *line, kmsl_statefile_t *st, const char **why)
{
	char *f[MAX_FIELDS];
	int n = split(line, f);
	if (n <= 0) {
		*why = "empty or overlong line";
		return -1;
	}
	if (strcmp(f[0], "sticky") == 0 && n == 3) {
		if (kd_dname_text(f[1], st->sticky_target, sizeof(st->sticky_target)) != 0 ||
		    parse_port(f[2], &st->sticky_port) != 0)
			goto bad;
		st->has_sticky = true;
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
	if (strcmp(f[0], "srv") == 0 && n >= 7) {
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
		    kd_dname_text(f[6], c->cand.target, sizeof(c->cand.target)) != 0)
			goto bad;
		c->cand.priority = (uint16_t)prio;
		c->cand.weight = (uint16_t)weight;
		for (int i = 7; i < n; i++) {
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

int kmsl_state_parse(const char *buf, size_t len, kmsl_statefile_t *st, char *warn, size_t wlen)
{
	kmsl_state_init(st);
	const char *why = NULL;
	unsigned lineno = 0;
	bool ended = false;
	char line[LINE_MAX_LEN];
	if (len > KMSL_STATE_MAX_BYTES) {
		why = "file too large";
		goto fail;
	}
	st->dead = calloc(KMSL_STATE_MAX_DEAD, sizeof(*st->dead));
	st->srv = calloc(KMSL_STATE_MAX_SRV, sizeof(*st->srv));
	if (st->dead == NULL || st->srv == NULL) {
		why = "out of memory";
		goto fail;
	}
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		lineno++;
		if (nl == NULL) {
			why = "truncated (no final newline)";
			goto fail;
		}
		size_t n = (size_t)(nl - (buf + pos));
		if (n >= sizeof(line) || memchr(buf + pos, '\0', n) != NULL) {
			why = "line too long or binary data";
			goto fail;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (ended) {
			why = "data after end";
			goto fail;
		}
		if (lineno == 1) {
			if (strcmp(line, KMSL_STATE_MAGIC) != 0) {
				why = "unknown format or version";
				goto fail;
			}
			continue;
		}
		if (strcmp(line, "end") == 0) {
			ended = true;
			continue;
		}
		if (parse_line(line, st, &why) != 0)
			goto fail;
	}
	if (!ended) {
		why = lineno == 0 ? "empty file" : "truncated (no end line)";
		goto fail;
	}
	return 0;
fail:
	snprintf(warn, wlen, "line %u: %s", lineno, why);
	kmsl_state_deinit(st);
	return -1;
}

int kmsl_state_format(const kmsl_statefile_t *st, char **out)
{
	kd_strbuf_t sb = {0};
	kd_strbuf_printf(&sb, "%s\n", KMSL_STATE_MAGIC);
	if (st->has_sticky)
		kd_strbuf_printf(&sb, "sticky %s %u\n", st->sticky_target, st->sticky_port);
	for (size_t i = 0; i < st->ndead; i++)
		kd_strbuf_printf(&sb, "dead %s %u %" PRId64 "\n", st->dead[i].target,
		                 st->dead[i].port, st->dead[i].until);
	for (size_t i = 0; i < st->nsrv; i++) {
		const kmsl_cand_t *c = &st->srv[i].cand;
		kd_strbuf_printf(&sb, "srv %s %" PRId64 " %u %u %u %s", c->suffix,
		                 st->srv[i].expires, c->priority, c->weight, c->port, c->target);
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

static int ensure_arrays(kmsl_statefile_t *st)
{
	if (st->dead == NULL)
		st->dead = calloc(KMSL_STATE_MAX_DEAD, sizeof(*st->dead));
	if (st->srv == NULL)
		st->srv = calloc(KMSL_STATE_MAX_SRV, sizeof(*st->srv));
	return st->dead != NULL && st->srv != NULL ? 0 : -1;
}

static void srv_drop_suffix(kmsl_statefile_t *st, const char *suffix)
{
	size_t out = 0;
	for (size_t i = 0; i < st->nsrv; i++)
		if (!kd_dname_equal(st->srv[i].cand.suffix, suffix))
			st->srv[out++] = st->srv[i];
	st->nsrv = out;
}

static void apply_host(kmsl_statefile_t *st, const kmsl_cand_t *h, const kmsl_state_change_t *chg)
{
	bool is_sticky =
	        st->has_sticky && host_eq(st->sticky_target, st->sticky_port, h->target, h->port);
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
		if (is_sticky)
			st->has_sticky = false;
	} else if (h->state == KMSL_STATE_ALIVE || h->state == KMSL_STATE_STICKY) {
		dead_remove(st, h->target, h->port);
		if (chg->caching) {
			snprintf(st->sticky_target, sizeof(st->sticky_target), "%s", h->target);
			st->sticky_port = h->port;
			st->has_sticky = true;
		}
	}
}

int kmsl_state_apply(kmsl_statefile_t *st, const kmsl_state_change_t *chg, int64_t now)
{
	if (ensure_arrays(st) != 0)
		return -1;
	for (size_t i = 0; i < chg->nhosts; i++)
		apply_host(st, &chg->hosts[i], chg);
	if (!chg->caching)
		st->has_sticky = false;
	for (size_t i = 0; i < chg->nfresh; i++)
		srv_drop_suffix(st, chg->fresh[i]);
	for (size_t i = 0; i < chg->nsrv; i++)
		srv_drop_suffix(st, chg->srv[i].suffix);
	for (size_t i = 0; i < chg->nsrv && st->nsrv < KMSL_STATE_MAX_SRV; i++) {
		kmsl_cached_t *c = &st->srv[st->nsrv++];
		c->cand = chg->srv[i];
		c->cand.state = KMSL_STATE_UNKNOWN;
		c->expires = now + (int64_t)chg->srv[i].ttl;
	}
	/* Drop what has expired. */
	size_t out = 0;
	for (size_t i = 0; i < st->ndead; i++)
		if (st->dead[i].until > now)
			st->dead[out++] = st->dead[i];
	st->ndead = out;
	out = 0;
	for (size_t i = 0; i < st->nsrv; i++)
		if (st->srv[i].expires > now)
			st->srv[out++] = st->srv[i];
	st->nsrv = out;
	return 0;
}

void kmsl_state_mark(const kmsl_statefile_t *st, kmsl_cand_t *cands, size_t n, int64_t now,
                     bool caching)
{
	size_t sticky = n;
	for (size_t i = 0; i < n; i++) {
		kmsl_cand_t *c = &cands[i];
		for (size_t k = 0; k < st->ndead; k++)
			if (st->dead[k].until > now &&
			    host_eq(st->dead[k].target, st->dead[k].port, c->target, c->port))
				c->state = KMSL_STATE_DEAD;
		if (caching && sticky == n && st->has_sticky && c->state != KMSL_STATE_DEAD &&
		    host_eq(st->sticky_target, st->sticky_port, c->target, c->port))
			sticky = i;
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
                         kmsl_cand_t *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < st->nsrv && n < max; i++) {
		const kmsl_cached_t *c = &st->srv[i];
		if (c->expires > now && kd_dname_equal(c->cand.suffix, suffix))
			out[n++] = c->cand;
	}
	return n;
}
