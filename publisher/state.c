/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/file.h"
#include "dns/strbuf.h"

#define STATE_HEADER                                                                               \
	"; kms-publisher state v2: the records this host published, in zone-file syntax.\n"        \
	"; Each $ORIGIN line starts the records of that zone.\n"
#define V1_HEADER "# kms-publisher state v1"
#define STATE_MAX (64u * 1024 * 1024)

typedef struct {
	pub_zoneset_t *out;
	pub_state_bad_fn bad;
	void *arg;
	unsigned lineno;
	long nbad;
	bool v1;
	char zone[PUB_NAME_MAX]; /* current $ORIGIN; "" before the first */
	ldns_rdf *origin;
	long group; /* the group of zone in out once a record came, else -1 */
} parse_t;

static void bad_line(parse_t *p, const char *reason)
{
	p->nbad++;
	if (p->bad != NULL)
		p->bad(p->arg, p->lineno, reason);
}

static bool blank(const char *s)
{
	return s[strspn(s, " \t\r")] == '\0';
}

/* "$ORIGIN zone." */
static void origin_line(parse_t *p, const char *line)
{
	char name[PUB_NAME_MAX + 1], extra;
	int n = sscanf(line + 7, "%256s %c", name, &extra);
	char canon[PUB_NAME_MAX];
	if (n == 2 && extra != ';') {
		bad_line(p, "text after the $ORIGIN name");
		return;
	}
	if (n < 1 || kd_dname_canon(name, canon, sizeof(canon)) != 0 || strcmp(canon, ".") == 0) {
		bad_line(p, "$ORIGIN needs a zone name");
		return;
	}
	ldns_rdf *rdf = kd_dname_to_rdf(canon);
	/* The zone as the file writer prints it (bytes outside ASCII as \DDD), so a name read
	 * back from the file is the same text. */
	if (rdf == NULL || kd_dname_from_rdf(rdf, canon, sizeof(canon)) != 0) {
		ldns_rdf_deep_free(rdf);
		bad_line(p, "$ORIGIN needs a zone name");
		return;
	}
	ldns_rdf_deep_free(p->origin);
	p->origin = rdf;
	memcpy(p->zone, canon, sizeof(canon));
	p->group = -1;
}

/* Whether the line the state writer prints for rr parses again. Only names with bytes that
 * print escaped can fail: "\\DDD" makes the text of a 255-octet name longer than a zone-file
 * parser (ldns) takes, and such bytes come only from a damaged or hand-made file. */
static bool reads_back(const ldns_rr *rr)
{
	char owner[PUB_NAME_MAX], target[PUB_NAME_MAX] = "";
	if (pub_rr_owner_str(rr, owner, sizeof(owner)) != 0)
		return false;
	if (strchr(owner, '\\') == NULL &&
	    (pub_rr_target_str(rr, target, sizeof(target)) != 0 || strchr(target, '\\') == NULL))
		return true;
	kd_strbuf_t sb = {0};
	pub_rr_print(&sb, rr);
	ldns_rr *again = NULL;
	kd_error_t why;
	bool ok = !sb.failed && sb.buf != NULL && pub_rr_parse(sb.buf, NULL, &again, &why) == 0;
	ldns_rr_free(again);
	kd_strbuf_deinit(&sb);
	return ok;
}

/* A token of digits (no sign, no leading zero) up to max into *v. */
static bool number(const char *tok, uint32_t max, uint32_t *v)
{
	size_t n = strlen(tok);
	if (n == 0 || n > 10 || (n > 1 && tok[0] == '0') || strspn(tok, "0123456789") != n)
		return false;
	uint64_t x = strtoull(tok, NULL, 10);
	*v = (uint32_t)x;
	return x <= max;
}

/* An absolute name of letters, digits, '-', '_' and dots: one a zone-file parser reads as
 * written (no escapes, '@', '*' or relative names). */
static bool plain_abs(const char *tok)
{
	static const char plain[] =
	        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
	size_t n = strlen(tok);
	return n > 1 && tok[n - 1] == '.' && strspn(tok, plain) == n;
}

/* The line as the state writer prints our records ("owner ttl IN SRV p w port target.",
 * "owner ttl IN A|AAAA address", one space apart), built without ldns's zone-file parser (a
 * state file holds thousands: parsing them was most of a no-change round). NULL for any other
 * line: pub_rr_parse then judges it, so what is read does not change. */
ldns_rr *pub_state_quick_record(const char *text)
{
	char buf[2 * PUB_NAME_MAX + 64], *tok[9];
	size_t n = 0, len = strlen(text);
	if (len >= sizeof(buf))
		return NULL;
	memcpy(buf, text, len + 1);
	for (char *p = buf; n < 9; p++) {
		tok[n++] = p;
		if ((p = strchr(p, ' ')) == NULL)
			break;
		*p = '\0';
	}
	uint32_t ttl, v[3];
	if (n < 5 || !plain_abs(tok[0]) || !number(tok[1], 2147483647u, &ttl) ||
	    strcmp(tok[2], "IN") != 0)
		return NULL;
	if (n == 8 && strcmp(tok[3], "SRV") == 0) {
		for (size_t i = 0; i < 3; i++)
			if (!number(tok[4 + i], 65535, &v[i]))
				return NULL;
		return plain_abs(tok[7]) ? pub_rr_new_srv(tok[0], ttl, (uint16_t)v[0],
		                                          (uint16_t)v[1], (uint16_t)v[2], tok[7])
		                         : NULL;
	}
	bool v4 = strcmp(tok[3], "A") == 0;
	uint8_t a[16];
	if (n != 5 || (!v4 && strcmp(tok[3], "AAAA") != 0) ||
	    inet_pton(v4 ? AF_INET : AF_INET6, tok[4], a) != 1)
		return NULL;
	/* The record holds the address as the zone-file parser reads it (inet_pton), or none. */
	ldns_rr *rr = pub_rr_new_addr(tok[0], ttl, tok[4]);
	const ldns_rdf *d = rr != NULL ? ldns_rr_rdf(rr, 0) : NULL;
	if (d == NULL || ldns_rr_get_type(rr) != (v4 ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA) ||
	    ldns_rdf_size(d) != (v4 ? 4u : 16u) ||
	    memcmp(ldns_rdf_data(d), a, ldns_rdf_size(d)) != 0) {
		ldns_rr_free(rr);
		return NULL;
	}
	return rr;
}

/* One record line; zone is where it belongs. Returns -1 only on ENOMEM. */
static int record(parse_t *p, const char *zone, const char *text)
{
	ldns_rr *rr = NULL;
	kd_error_t why;
	if (zone[0] == '\0') {
		bad_line(p, "record before any $ORIGIN line");
		return 0;
	}
	ldns_rdf *origin = p->v1 ? NULL : p->origin;
	bool quick = (rr = pub_state_quick_record(text)) != NULL; /* plain names: they read back */
	if (!quick && pub_rr_parse(text, origin, &rr, &why) != 0) {
		bad_line(p, why.msg);
		return 0;
	}
	char owner[PUB_NAME_MAX];
	if (pub_rr_owner_str(rr, owner, sizeof(owner)) != 0 || !kd_dname_in_zone(owner, zone)) {
		ldns_rr_free(rr);
		bad_line(p, "owner outside the zone");
		return 0;
	}
	if (!quick && !reads_back(rr)) {
		ldns_rr_free(rr);
		bad_line(p, "a name too long for a zone-file line once escaped");
		return 0;
	}
	if (p->v1)
		return pub_zoneset_add(p->out, zone, rr);
	/* The group of the $ORIGIN, found once: thousands of zones follow one another. */
	if (p->group < 0 && (p->group = pub_zoneset_zone(p->out, zone)) < 0) {
		ldns_rr_free(rr);
		return -1;
	}
	if (pub_rrlist_add(&p->out->v[p->group].rrs, rr) != 0) {
		ldns_rr_free(rr);
		return -1;
	}
	return 0;
}

/* A version 1 line: "zone owner ttl TYPE rdata". */
static int v1_line(parse_t *p, const char *line)
{
	char zone[PUB_NAME_MAX + 1], canon[PUB_NAME_MAX];
	int off = 0;
	if (sscanf(line, "%256s %n", zone, &off) != 1 || off == 0 ||
	    kd_dname_canon(zone, canon, sizeof(canon)) != 0 || strcmp(canon, ".") == 0) {
		bad_line(p, "not a state record");
		return 0;
	}
	return record(p, canon, line + off);
}

static int one_line(parse_t *p, const char *line)
{
	if (p->lineno == 1 && strncmp(line, V1_HEADER, strlen(V1_HEADER)) == 0) {
		p->v1 = true;
		return 0;
	}
	const char *s = line + strspn(line, " \t");
	if (blank(s) || s[0] == ';' || (p->v1 && s[0] == '#'))
		return 0;
	if (p->v1)
		return v1_line(p, s);
	if (strncmp(line, "$ORIGIN", 7) == 0 && (line[7] == ' ' || line[7] == '\t')) {
		origin_line(p, line);
		return 0;
	}
	if (line[0] == '$') {
		bad_line(p, "unknown directive");
		return 0;
	}
	if (line != s) {
		/* A zone-file line starting with blanks repeats the previous owner; we never write
		 * one, and a guess would be wrong. */
		bad_line(p, "record without an owner");
		return 0;
	}
	return record(p, p->zone, line);
}

long pub_state_parse(const char *buf, size_t len, pub_zoneset_t *out, pub_state_bad_fn bad,
                     void *arg)
{
	parse_t p = {.out = out, .bad = bad, .arg = arg, .group = -1};
	size_t pos = 0;
	char *line = NULL;
	size_t cap = 0;
	long ret = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;
		if (n + 1 > cap) {
			char *bigger = realloc(line, n + 1);
			if (bigger == NULL) {
				ret = -1;
				break;
			}
			line = bigger;
			cap = n + 1;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos += n + 1;
		p.lineno++;
		if (strlen(line) != n) {
			bad_line(&p, "a NUL byte in the line");
			continue;
		}
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		if (one_line(&p, line) != 0) {
			ret = -1;
			break;
		}
	}
	free(line);
	ldns_rdf_deep_free(p.origin);
	return ret < 0 ? -1 : p.nbad;
}

int pub_state_load(const char *path, pub_zoneset_t *out, pub_state_bad_fn bad, void *arg,
                   pub_state_info_t *info, kd_error_t *err)
{
	char *buf = NULL;
	size_t len = 0;
	memset(info, 0, sizeof(*info));
	if (kd_file_read(path, STATE_MAX, &buf, &len) != 0) {
		if (errno == ENOENT)
			return 0;
		return kd_fail(err, KD_EIO, "failed to read state file %s (%s)", path,
		               strerror(errno));
	}
	long r = pub_state_parse(buf, len, out, bad, arg);
	int ret = 0;
	if (r < 0) {
		pub_zoneset_free(out);
		ret = kd_fail(err, KD_ENOMEM, "failed to read state file %s (out of memory)", path);
	} else if (r > 0) {
		info->bad_lines = r;
		size_t plen = strlen(path);
		char *copy = malloc(plen + 5);
		if (copy != NULL) {
			memcpy(copy, path, plen);
			memcpy(copy + plen, ".bad", 5);
			info->copied = kd_file_write_atomic(copy, buf, len, 0600) == 0;
		}
		if (!info->copied)
			ret = kd_fail(
			        err, KD_EIO,
			        "failed to keep a copy of the damaged state file %s at %s.bad (%s)",
			        path, path, copy != NULL ? strerror(errno) : "out of memory");
		free(copy);
	}
	free(buf);
	return ret;
}

char *pub_state_format(const pub_zoneset_t *s, size_t *len)
{
	kd_strbuf_t sb = {0};
	kd_strbuf_puts(&sb, STATE_HEADER);
	for (size_t i = 0; i < s->n; i++) {
		const pub_zrrs_t *z = &s->v[i];
		if (z->zone[0] == '\0' || z->rrs.n == 0)
			continue;
		kd_strbuf_printf(&sb, "$ORIGIN %s\n", z->zone);
		for (size_t k = 0; k < z->rrs.n; k++) {
			/* An owner starting with '$' would read back as a directive ("$ORIGIN_x"):
			 * escaped, it is the same name to a zone-file parser. */
			const ldns_rdf *owner = ldns_rr_owner(z->rrs.v[k]);
			if (ldns_rdf_size(owner) > 1 && ldns_rdf_data(owner)[0] > 0 &&
			    ldns_rdf_data(owner)[1] == '$')
				kd_strbuf_puts(&sb, "\\");
			pub_rr_print(&sb, z->rrs.v[k]);
			kd_strbuf_puts(&sb, "\n");
		}
	}
	return kd_strbuf_take(&sb, len);
}

int pub_state_save(const char *path, const pub_zoneset_t *s, kd_error_t *err)
{
	return pub_state_save_extra(path, s, NULL, 0, err);
}

int pub_state_save_extra(const char *path, const pub_zoneset_t *s, const char *extra, size_t xlen,
                         kd_error_t *err)
{
	size_t len = 0;
	char *text = pub_state_format(s, &len);
	if (text != NULL && extra != NULL && xlen > 0) {
		char *all = realloc(text, len + xlen + 1);
		if (all == NULL) {
			free(text);
			text = NULL;
		} else {
			memcpy(all + len, extra, xlen);
			len += xlen;
			all[len] = '\0';
			text = all;
		}
	}
	if (text == NULL)
		return kd_fail(err, KD_ENOMEM, "failed to write state file %s (out of memory)",
		               path);
	/* Owner-only: it lists what this host publishes, for nobody else to edit. */
	int ret = kd_file_write_atomic(path, text, len, 0600);
	if (ret != 0)
		kd_fail(err, KD_EIO, "failed to write state file %s (%s)", path, strerror(errno));
	free(text);
	return ret;
}
