/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/rr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/addr.h"
#include "dns/array.h"
#include "dns/num.h"

#define TTL_MAX 2147483647u /* RFC 2181 8 */

static bool ours(const ldns_rr *rr)
{
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
		return false;
	switch (ldns_rr_get_type(rr)) {
	case LDNS_RR_TYPE_SRV: return ldns_rr_rd_count(rr) == 4;
	case LDNS_RR_TYPE_A:
	case LDNS_RR_TYPE_AAAA: return ldns_rr_rd_count(rr) == 1;
	default: return false;
	}
}

/* ldns wraps numbers that overflow their field ("99999" becomes port 34463, forty digits
 * 65535): every token that is all digits must fit. The first such token after the owner is
 * the TTL (or the class/type follow and it is rdata). ldns takes the TTL from any token that
 * starts with a digit, reading digits and units ("1h") and ignoring what follows them: there
 * a token must be plain seconds. Text after ';' is a comment. */
static int numbers_fit(const char *text)
{
	bool first = true, owner = true;
	const char *p = text;
	while (*p != '\0' && *p != ';') {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == ';')
			break;
		size_t n = strcspn(p, " \t\r\n;");
		bool digits = !owner;
		for (size_t i = 0; digits && i < n; i++)
			digits = isdigit((unsigned char)p[i]) != 0;
		if (digits) {
			char tok[32];
			uint64_t v;
			if (n >= sizeof(tok))
				return -1;
			memcpy(tok, p, n);
			tok[n] = '\0';
			if (kd_num_parse(tok, 0, first ? TTL_MAX : 65535, &v) != 0)
				return -1;
			first = false;
		} else if (!owner) {
			if (first && isdigit((unsigned char)*p))
				return -1; /* a TTL with units or trailing bytes */
			first = false;     /* a class or type came: later numbers are rdata */
		}
		owner = false;
		p += n;
	}
	return 0;
}

int pub_rr_parse(const char *text, const ldns_rdf *origin, ldns_rr **out, kd_error_t *err)
{
	ldns_rr *rr = NULL;
	ldns_status s = ldns_rr_new_frm_str(&rr, text, 0, origin, NULL);
	if (s != LDNS_STATUS_OK)
		return kd_fail(err, KD_EINVAL, "%s", ldns_get_errorstr_by_id(s));
	if (!ours(rr)) {
		ldns_rr_free(rr);
		return kd_fail(err, KD_EINVAL, "not an SRV, A or AAAA record of class IN");
	}
	if (numbers_fit(text) != 0) {
		ldns_rr_free(rr);
		return kd_fail(err, KD_EINVAL,
		               "a number is out of range, or a TTL not in plain seconds");
	}
	ldns_rr2canonical(rr);
	*out = rr;
	return 0;
}

/* Names from the configuration are host-style; anything else would change the line's meaning. */
static bool plain_name(const char *name)
{
	return kd_dname_valid(name) && strcmp(name, ".") != 0;
}

/* The dname rdf of a plain name (plain_name, absolute or not), lower-case as
 * ldns_dname2canonical leaves it, or NULL on ENOMEM. Built without ldns's text parser: a round
 * builds thousands. */
static ldns_rdf *abs_rdf(const char *name)
{
	uint8_t wire[LDNS_MAX_DOMAINLEN + 1];
	size_t n = strlen(name), pos = 0, len = 0;
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n + 2 > sizeof(wire))
		return NULL;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || name[i] == '.') {
			wire[pos] = (uint8_t)len; /* the length before the label */
			pos += len + 1;
			len = 0;
		} else {
			wire[pos + 1 + len++] = (uint8_t)tolower((unsigned char)name[i]);
		}
	}
	wire[pos++] = 0;
	return ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, pos, wire);
}

/* A record of class IN at owner (plain, made absolute) with the n rdata fields rd, all taken
 * (freed on failure), canonical (names from abs_rdf are). Built, not parsed from text: a round
 * builds one per host and domain, and one per address. */
static ldns_rr *built(const char *owner, uint32_t ttl, ldns_rr_type type, ldns_rdf **rd, size_t n)
{
	/* The rdata array allocated once for the type's fields (ldns_rr_push_rdf grows it by
	 * one each time). */
	ldns_rr *rr = ldns_rr_new_frm_type(type);
	ldns_rdf *o = abs_rdf(owner);
	size_t set = 0;
	if (rr != NULL && o != NULL && ldns_rr_rd_count(rr) == n) {
		ldns_rr_set_owner(rr, o);
		o = NULL;
		for (; set < n && rd[set] != NULL; set++)
			ldns_rr_set_rdf(rr, rd[set], set);
	}
	if (set < n) {
		ldns_rr_free(rr); /* with its owner and the rdata set */
		ldns_rdf_deep_free(o);
		for (size_t i = set; i < n; i++)
			ldns_rdf_deep_free(rd[i]);
		return NULL;
	}
	ldns_rr_set_ttl(rr, ttl);
	return rr;
}

ldns_rr *pub_rr_new_srv(const char *owner, uint32_t ttl, uint16_t priority, uint16_t weight,
                        uint16_t port, const char *target)
{
	if (!plain_name(owner) || !plain_name(target) || ttl > TTL_MAX)
		return NULL;
	ldns_rdf *rd[4] = {ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, priority),
	                   ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, weight),
	                   ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, port), abs_rdf(target)};
	return built(owner, ttl, LDNS_RR_TYPE_SRV, rd, 4);
}

ldns_rr *pub_rr_new_addr(const char *owner, uint32_t ttl, const char *ip)
{
	kd_addr_t a;
	if (!plain_name(owner) || ttl > TTL_MAX || kd_addr_parse_ip(ip, &a) != 0 ||
	    strchr(ip, '%') != NULL)
		return NULL;
	ldns_rdf *rd;
	if (a.ss.ss_family == AF_INET)
		rd = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4,
		                           &((const struct sockaddr_in *)&a.ss)->sin_addr);
	else
		rd = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16,
		                           &((const struct sockaddr_in6 *)&a.ss)->sin6_addr);
	return built(owner, ttl, a.ss.ss_family == AF_INET ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA,
	             &rd, 1);
}

ldns_rr *pub_rr_clone(const ldns_rr *rr)
{
	ldns_rr *c = ldns_rr_clone(rr);
	if (c != NULL)
		ldns_rr2canonical(c);
	return c;
}

/* The comparisons below run some hundred thousand times in a round of a thousand hosts in
 * one zone (sorts and look-ups): they read the fields of ldns's public structs (ldns/rr.h,
 * ldns/rdata.h) where each accessor would be a call into the library. */
int pub_rdf_cmp(const ldns_rdf *a, const ldns_rdf *b)
{
	if (a == NULL || b == NULL)
		return (b == NULL) - (a == NULL);
	if (a->_size != b->_size)
		return a->_size < b->_size ? -1 : 1;
	return a->_size == 0 ? 0 : memcmp(a->_data, b->_data, a->_size);
}

int pub_rr_cmp(const ldns_rr *a, const ldns_rr *b)
{
	/* Canonical records: owner names compare as bytes (lower-case wire format). */
	int c = pub_rdf_cmp(a->_owner, b->_owner);
	if (c != 0)
		return c;
	if (a->_rr_type != b->_rr_type)
		return a->_rr_type < b->_rr_type ? -1 : 1;
	size_t na = a->_rd_count, nb = b->_rd_count;
	for (size_t i = 0; i < na && i < nb; i++)
		if ((c = pub_rdf_cmp(a->_rdata_fields[i], b->_rdata_fields[i])) != 0)
			return c;
	return na < nb ? -1 : na > nb;
}

bool pub_rr_equal(const ldns_rr *a, const ldns_rr *b)
{
	return pub_rr_cmp(a, b) == 0;
}

bool pub_rr_same_set(const ldns_rr *a, const ldns_rr *b)
{
	return ldns_rr_get_type(a) == ldns_rr_get_type(b) &&
	       pub_rdf_cmp(ldns_rr_owner(a), ldns_rr_owner(b)) == 0;
}

bool pub_rr_is_addr(const ldns_rr *rr)
{
	return ldns_rr_get_type(rr) == LDNS_RR_TYPE_A || ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA;
}

bool pub_rr_is_srv(const ldns_rr *rr)
{
	return ldns_rr_get_type(rr) == LDNS_RR_TYPE_SRV && ldns_rr_rd_count(rr) == 4;
}

int pub_rr_owner_str(const ldns_rr *rr, char *buf, size_t len)
{
	return kd_dname_from_rdf(ldns_rr_owner(rr), buf, len);
}

int pub_rr_target_str(const ldns_rr *rr, char *buf, size_t len)
{
	if (!pub_rr_is_srv(rr))
		return -1;
	return kd_dname_from_rdf(ldns_rr_rdf(rr, 3), buf, len);
}

/* ldns prints fields separated by tabs and ends with a newline: one space, no newline. */
static void put_ldns(kd_strbuf_t *sb, ldns_buffer *b)
{
	char *text = ldns_buffer_export2str(b);
	if (text == NULL) {
		sb->failed = true;
		return;
	}
	size_t n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
		text[--n] = '\0';
	for (char *p = text; *p != '\0'; p++)
		if (*p == '\t')
			*p = ' ';
	kd_strbuf_puts(sb, text);
	free(text);
}

/* s, or v in decimal, at buf + n (room enough); returns the new length. */
static size_t put_str(char *buf, size_t n, const char *s)
{
	size_t len = strlen(s);
	memcpy(buf + n, s, len);
	return n + len;
}

static size_t put_uint(char *buf, size_t n, uint32_t v)
{
	char d[10]; /* 2^32 - 1 has 10 digits */
	size_t i = sizeof(d);
	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	memcpy(buf + n, d + i, sizeof(d) - i);
	return n + sizeof(d) - i;
}

/* Our records printed as ldns prints them, without ldns (a state file holds thousands).
 * false: not an SRV, A or AAAA record of class IN with the usual rdata, or a name ldns
 * must print. */
static bool print_ours(kd_strbuf_t *sb, const ldns_rr *rr)
{
	char owner[PUB_NAME_MAX], text[PUB_NAME_MAX];
	if (!ours(rr) || kd_dname_from_rdf(ldns_rr_owner(rr), owner, sizeof(owner)) != 0)
		return false;
	const ldns_rdf *d = ldns_rr_rdf(rr, 0);
	ldns_rr_type type = ldns_rr_get_type(rr);
	bool v4 = type == LDNS_RR_TYPE_A;
	if (type == LDNS_RR_TYPE_SRV) {
		for (size_t i = 0; i < 3; i++)
			if (ldns_rdf_get_type(ldns_rr_rdf(rr, i)) != LDNS_RDF_TYPE_INT16 ||
			    ldns_rdf_size(ldns_rr_rdf(rr, i)) != 2)
				return false;
		if (kd_dname_from_rdf(ldns_rr_rdf(rr, 3), text, sizeof(text)) != 0)
			return false;
	} else if (ldns_rdf_get_type(d) != (v4 ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA) ||
	           ldns_rdf_size(d) != (v4 ? 4u : 16u) ||
	           (!v4 && inet_ntop(AF_INET6, ldns_rdf_data(d), text, sizeof(text)) == NULL)) {
		return false;
	}
	/* "%s %u IN <type> <rdata>", put together in place: no format to parse, one append. */
	char line[2 * PUB_NAME_MAX + 64];
	size_t n = put_str(line, 0, owner);
	n = put_str(line, n, " ");
	n = put_uint(line, n, ldns_rr_ttl(rr));
	if (type == LDNS_RR_TYPE_SRV) {
		n = put_str(line, n, " IN SRV");
		for (size_t i = 0; i < 3; i++) {
			n = put_str(line, n, " ");
			n = put_uint(line, n, ldns_rdf2native_int16(ldns_rr_rdf(rr, i)));
		}
		n = put_str(line, n, " ");
		n = put_str(line, n, text);
	} else if (v4) {
		const uint8_t *a = ldns_rdf_data(d);
		n = put_str(line, n, " IN A ");
		for (size_t i = 0; i < 4; i++) {
			if (i > 0)
				n = put_str(line, n, ".");
			n = put_uint(line, n, a[i]);
		}
	} else {
		n = put_str(line, n, " IN AAAA ");
		n = put_str(line, n, text);
	}
	line[n] = '\0';
	kd_strbuf_puts(sb, line);
	return true;
}

void pub_rr_print(kd_strbuf_t *sb, const ldns_rr *rr)
{
	if (print_ours(sb, rr))
		return;
	ldns_buffer *b = ldns_buffer_new(256);
	if (b == NULL || ldns_rr2buffer_str(b, rr) != LDNS_STATUS_OK)
		sb->failed = true;
	else
		put_ldns(sb, b);
	ldns_buffer_free(b);
}

void pub_rr_print_rdata(kd_strbuf_t *sb, const ldns_rr *rr)
{
	ldns_buffer *b = ldns_buffer_new(256);
	ldns_status s =
	        b != NULL ? ldns_rr_type2buffer_str(b, ldns_rr_get_type(rr)) : LDNS_STATUS_MEM_ERR;
	for (size_t i = 0; s == LDNS_STATUS_OK && i < ldns_rr_rd_count(rr); i++) {
		ldns_buffer_printf(b, " ");
		s = ldns_rdf2buffer_str(b, ldns_rr_rdf(rr, i));
	}
	if (s != LDNS_STATUS_OK)
		sb->failed = true;
	else
		put_ldns(sb, b);
	ldns_buffer_free(b);
}

const char *pub_rr_type_str(const ldns_rr *rr)
{
	switch (ldns_rr_get_type(rr)) {
	case LDNS_RR_TYPE_SRV: return "SRV";
	case LDNS_RR_TYPE_A: return "A";
	case LDNS_RR_TYPE_AAAA: return "AAAA";
	default: return "?";
	}
}

int pub_rrlist_add(pub_rrlist_t *list, ldns_rr *rr)
{
	ldns_rr **v = kd_array_reserve(list->v, &list->cap, list->n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	list->v = v;
	v[list->n++] = rr;
	return 0;
}

long pub_rrlist_find(const pub_rrlist_t *list, const ldns_rr *rr)
{
	for (size_t i = 0; list != NULL && i < list->n; i++)
		if (pub_rr_equal(list->v[i], rr))
			return (long)i;
	return -1;
}

void pub_rrlist_remove(pub_rrlist_t *list, size_t i)
{
	if (i >= list->n)
		return;
	memmove(&list->v[i], &list->v[i + 1], (list->n - i - 1) * sizeof(list->v[0]));
	list->n--;
}

void pub_rrlist_deinit(pub_rrlist_t *list)
{
	free(list->v);
	memset(list, 0, sizeof(*list));
}

void pub_rrlist_free(pub_rrlist_t *list)
{
	for (size_t i = 0; i < list->n; i++)
		ldns_rr_free(list->v[i]);
	pub_rrlist_deinit(list);
}

int pub_rr_by_record(const void *a, const void *b)
{
	return pub_rr_cmp(*(const ldns_rr *const *)a, *(const ldns_rr *const *)b);
}

int pub_rr_by_set(const void *a, const void *b)
{
	const ldns_rr *x = *(const ldns_rr *const *)a, *y = *(const ldns_rr *const *)b;
	int c = pub_rdf_cmp(x->_owner, y->_owner);
	if (c != 0)
		return c;
	return (int)x->_rr_type - (int)y->_rr_type;
}

int pub_rr_by_pair(const void *a, const void *b)
{
	int c = pub_rr_by_set(a, b);
	if (c != 0)
		return c;
	const ldns_rr *x = *(const ldns_rr *const *)a, *y = *(const ldns_rr *const *)b;
	if (!pub_rr_is_srv(x) || !pub_rr_is_srv(y))
		return (int)pub_rr_is_srv(x) - (int)pub_rr_is_srv(y);
	return pub_rdf_cmp(ldns_rr_rdf(x, 3), ldns_rr_rdf(y, 3));
}

int pub_rrindex_build(pub_rrindex_t *ix, const pub_rrlist_t *list,
                      int (*cmp)(const void *, const void *))
{
	size_t n = list != NULL ? list->n : 0;
	memset(ix, 0, sizeof(*ix));
	ix->cmp = cmp;
	const ldns_rr **v = kd_array_reserve(NULL, &ix->cap, n, sizeof(*v));
	if (v == NULL)
		return -1;
	ix->v = v;
	for (size_t i = 0; i < n; i++)
		v[i] = list->v[i];
	ix->n = n;
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp);
	return 0;
}

size_t pub_rrindex_lower(const pub_rrindex_t *ix, const ldns_rr *rr)
{
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ix->cmp(&ix->v[mid], &rr) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const ldns_rr *pub_rrindex_find(const pub_rrindex_t *ix, const ldns_rr *rr)
{
	size_t i = pub_rrindex_lower(ix, rr);
	return i < ix->n && ix->cmp(&ix->v[i], &rr) == 0 ? ix->v[i] : NULL;
}

int pub_rrindex_insert(pub_rrindex_t *ix, const ldns_rr *rr)
{
	size_t i = pub_rrindex_lower(ix, rr);
	if (i < ix->n && ix->cmp(&ix->v[i], &rr) == 0)
		return 0;
	const ldns_rr **v = kd_array_reserve(ix->v, &ix->cap, ix->n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	ix->v = v;
	memmove(&v[i + 1], &v[i], (ix->n - i) * sizeof(*v));
	v[i] = rr;
	ix->n++;
	return 1;
}

void pub_rrindex_deinit(pub_rrindex_t *ix)
{
	free(ix->v);
	memset(ix, 0, sizeof(*ix));
}

/* The slot of zone in s's hash: where it is, or the free slot where it would go. */
static size_t zone_slot(const pub_zoneset_t *s, const char *zone)
{
	size_t h = 14695981039346656037u; /* FNV-1a */
	for (const char *c = zone; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211u;
	size_t mask = s->nslot - 1, k = h & mask;
	while (s->slot[k] != 0 && strcmp(s->v[s->slot[k] - 1].zone, zone) != 0)
		k = (k + 1) & mask;
	return k;
}

/* Make the hash hold every group, at most half full. -1 on ENOMEM (s->slot freed). */
static int rehash(pub_zoneset_t *s)
{
	size_t want = 16;
	while (want < 2 * (s->n + 1))
		want *= 2;
	if (s->slot != NULL && s->nslot >= want)
		return 0;
	free(s->slot);
	s->nslot = want;
	s->slot = calloc(want, sizeof(*s->slot));
	if (s->slot == NULL) {
		s->nslot = 0;
		return -1;
	}
	for (size_t i = 0; i < s->n; i++)
		s->slot[zone_slot(s, s->v[i].zone)] = i + 1;
	return 0;
}

long pub_zoneset_find(const pub_zoneset_t *s, const char *zone)
{
	if (s->slot != NULL) {
		size_t k = s->slot[zone_slot(s, zone)];
		return k != 0 ? (long)k - 1 : -1;
	}
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].zone, zone) == 0)
			return (long)i;
	return -1;
}

long pub_zoneset_zone(pub_zoneset_t *s, const char *zone)
{
	if (rehash(s) != 0)
		return -1;
	size_t k = zone_slot(s, zone);
	if (s->slot[k] != 0)
		return (long)s->slot[k] - 1;
	char *name = strdup(zone);
	pub_zrrs_t *v = name != NULL ? kd_array_reserve(s->v, &s->cap, s->n + 1, sizeof(*v)) : NULL;
	if (v == NULL) {
		free(name);
		return -1;
	}
	s->v = v;
	memset(&v[s->n], 0, sizeof(v[0]));
	v[s->n].zone = name;
	s->slot[k] = s->n + 1;
	return (long)s->n++;
}

int pub_zoneset_add(pub_zoneset_t *s, const char *zone, ldns_rr *rr)
{
	long i = pub_zoneset_zone(s, zone);
	if (i < 0 || pub_rrlist_add(&s->v[i].rrs, rr) != 0) {
		ldns_rr_free(rr);
		return -1;
	}
	return 0;
}

/* A copy of a canonical record (as canonical): its rdata array allocated once for the type's
 * fields, where ldns_rr_clone grows it by one each field (a state keeps thousands). NULL on
 * ENOMEM. */
static ldns_rr *copy(const ldns_rr *rr)
{
	size_t n = ldns_rr_rd_count(rr);
	ldns_rr *c = ldns_rr_new_frm_type(ldns_rr_get_type(rr));
	if (c == NULL || ldns_rr_rd_count(c) != n || ldns_rr_owner(rr) == NULL) {
		ldns_rr_free(c);
		return ldns_rr_clone(rr);
	}
	bool ok = true;
	for (size_t i = 0; ok && i < n; i++) {
		ldns_rdf *f =
		        ldns_rr_rdf(rr, i) != NULL ? ldns_rdf_clone(ldns_rr_rdf(rr, i)) : NULL;
		ok = f != NULL || ldns_rr_rdf(rr, i) == NULL;
		ldns_rr_set_rdf(c, f, i);
	}
	ldns_rr_set_owner(c, ldns_rdf_clone(ldns_rr_owner(rr)));
	if (!ok || ldns_rr_owner(c) == NULL) {
		ldns_rr_free(c);
		return NULL;
	}
	ldns_rr_set_ttl(c, ldns_rr_ttl(rr));
	ldns_rr_set_class(c, ldns_rr_get_class(rr));
	ldns_rr_set_question(c, ldns_rr_is_question(rr));
	return c;
}

/* Whether list holds exactly the records of set (TTLs included), in any order. */
bool pub_rrlist_same(const pub_rrlist_t *a, const pub_rrlist_t *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!pub_rr_equal(a->v[i], b->v[i]) || ldns_rr_ttl(a->v[i]) != ldns_rr_ttl(b->v[i]))
			return false;
	return true;
}

static int same_records(const pub_rrlist_t *list, const pub_rrlist_t *set, bool *same)
{
	*same = list->n == set->n;
	if (!*same || pub_rrlist_same(list, set)) /* the usual case: kept in the same order */
		return 0;
	pub_rrindex_t a, b = {0};
	int ret = -1;
	if (pub_rrindex_build(&a, list, pub_rr_by_record) == 0 &&
	    pub_rrindex_build(&b, set, pub_rr_by_record) == 0) {
		for (size_t i = 0; *same && i < a.n; i++)
			*same = pub_rr_equal(a.v[i], b.v[i]) &&
			        ldns_rr_ttl(a.v[i]) == ldns_rr_ttl(b.v[i]);
		ret = 0;
	}
	pub_rrindex_deinit(&a);
	pub_rrindex_deinit(&b);
	return ret;
}

int pub_zoneset_set(pub_zoneset_t *s, const char *zone, const pub_rrlist_t *records, bool *changed)
{
	long z = pub_zoneset_find(s, zone);
	bool same = z < 0 && records->n == 0;
	if (z >= 0 && same_records(&s->v[z].rrs, records, &same) != 0)
		return -1;
	if (same)
		return 0;
	pub_rrlist_t next = {0};
	for (size_t i = 0; i < records->n; i++) {
		ldns_rr *c = copy(records->v[i]);
		if (c == NULL || pub_rrlist_add(&next, c) != 0) {
			ldns_rr_free(c);
			pub_rrlist_free(&next);
			return -1;
		}
	}
	if ((z = pub_zoneset_zone(s, zone)) < 0) {
		pub_rrlist_free(&next);
		return -1;
	}
	pub_rrlist_free(&s->v[z].rrs);
	s->v[z].rrs = next;
	*changed = true;
	return 0;
}

int pub_zoneset_add_copies(pub_zoneset_t *s, const char *zone, const pub_rrlist_t *records,
                           bool *changed)
{
	long z = pub_zoneset_find(s, zone);
	pub_rrindex_t ix;
	if (pub_rrindex_build(&ix, z >= 0 ? &s->v[z].rrs : NULL, pub_rr_by_record) != 0)
		return -1;
	int ret = 0;
	for (size_t i = 0; ret == 0 && i < records->n; i++) {
		int in = pub_rrindex_insert(&ix, records->v[i]);
		if (in <= 0) {
			ret = in;
			continue;
		}
		ldns_rr *c = copy(records->v[i]);
		if (c == NULL || (z < 0 && (z = pub_zoneset_zone(s, zone)) < 0) ||
		    pub_rrlist_add(&s->v[z].rrs, c) != 0) {
			ldns_rr_free(c);
			ret = -1;
		} else {
			*changed = true;
		}
	}
	pub_rrindex_deinit(&ix);
	return ret;
}

size_t pub_zoneset_count(const pub_zoneset_t *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += s->v[i].rrs.n;
	return n;
}

void pub_zoneset_free(pub_zoneset_t *s)
{
	for (size_t i = 0; i < s->n; i++) {
		pub_rrlist_free(&s->v[i].rrs);
		free(s->v[i].zone);
	}
	free(s->v);
	free(s->slot);
	memset(s, 0, sizeof(*s));
}
