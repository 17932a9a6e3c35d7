/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/dname.h"

#include <ctype.h>
#include <ldns/ldns.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_TEXT 253 /* characters before the trailing dot in a name of 255 octets */

static bool label_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

bool kd_dname_valid(const char *text)
{
	if (text == NULL || text[0] == '\0')
		return false;
	if (strcmp(text, ".") == 0)
		return true;
	size_t total = strlen(text);
	if (text[total - 1] == '.')
		total--;
	if (total > MAX_TEXT)
		return false;
	size_t label = 0;
	for (size_t i = 0; i < total; i++) {
		if (text[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!label_char_ok(text[i]) || ++label > 63)
			return false;
	}
	return label > 0;
}

struct ldns_struct_rdf *kd_dname_to_rdf(const char *name)
{
	ldns_rdf *rdf = NULL;
	if (name == NULL || ldns_str2rdf_dname(&rdf, name) != LDNS_STATUS_OK)
		return NULL;
	return rdf;
}

/* Write text into buf if it fits, with the trailing dot unless keep_dot is false. */
static int put_text(const char *text, bool keep_dot, char *buf, size_t len)
{
	size_t n = strlen(text);
	if (!keep_dot && n > 1 && text[n - 1] == '.')
		n--;
	if (n >= len)
		return -1;
	memcpy(buf, text, n);
	buf[n] = '\0';
	return 0;
}

static int rdf_text(const ldns_rdf *rdf, bool keep_dot, char *buf, size_t len)
{
	if (rdf == NULL || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return -1;
	ldns_rdf *copy = ldns_rdf_clone(rdf);
	if (copy == NULL)
		return -1;
	ldns_dname2canonical(copy);
	char *text = ldns_rdf2str(copy);
	ldns_rdf_deep_free(copy);
	int ret = text != NULL ? put_text(text, keep_dot, buf, len) : -1;
	free(text);
	return ret;
}

int kd_dname_from_rdf(const struct ldns_struct_rdf *rdf, char *buf, size_t len)
{
	return rdf_text(rdf, true, buf, len);
}

static int name_text(const char *name, bool keep_dot, char *buf, size_t len)
{
	ldns_rdf *rdf = kd_dname_to_rdf(name);
	int ret = rdf_text(rdf, keep_dot, buf, len);
	ldns_rdf_deep_free(rdf);
	return ret;
}

int kd_dname_canon(const char *name, char *buf, size_t len)
{
	return name_text(name, true, buf, len);
}

int kd_dname_text(const char *name, char *buf, size_t len)
{
	return name_text(name, false, buf, len);
}

/* The length of a plain name (kd_dname_valid: no escapes) without its trailing dot: "." is
 * 0; SIZE_MAX when name is not plain. Plain names compare as ASCII text, without the
 * allocations of a conversion to wire format (a round compares names by the million). */
static size_t plain_len(const char *name)
{
	if (!kd_dname_valid(name))
		return SIZE_MAX;
	size_t n = strlen(name);
	return name[n - 1] == '.' ? n - 1 : n;
}

bool kd_dname_equal(const char *a, const char *b)
{
	size_t la = plain_len(a), lb = plain_len(b);
	if (la != SIZE_MAX && lb != SIZE_MAX)
		return la == lb && strncasecmp(a, b, la) == 0;
	ldns_rdf *x = kd_dname_to_rdf(a), *y = kd_dname_to_rdf(b);
	bool eq = x != NULL && y != NULL && ldns_dname_compare(x, y) == 0;
	ldns_rdf_deep_free(x);
	ldns_rdf_deep_free(y);
	return eq;
}

bool kd_dname_in_zone(const char *name, const char *zone)
{
	size_t ln = plain_len(name), lz = plain_len(zone);
	if (ln != SIZE_MAX && lz != SIZE_MAX) {
		if (lz == 0 || (ln == lz && strncasecmp(name, zone, lz) == 0))
			return true;
		return ln > lz && name[ln - lz - 1] == '.' &&
		       strncasecmp(name + ln - lz, zone, lz) == 0;
	}
	ldns_rdf *n = kd_dname_to_rdf(name), *z = kd_dname_to_rdf(zone);
	bool in = n != NULL && z != NULL &&
	          (ldns_dname_compare(n, z) == 0 || ldns_dname_is_subdomain(n, z));
	ldns_rdf_deep_free(n);
	ldns_rdf_deep_free(z);
	return in;
}

int kd_dname_parent(const char *name, char *buf, size_t len)
{
	ldns_rdf *rdf = kd_dname_to_rdf(name);
	ldns_rdf *parent = rdf != NULL ? ldns_dname_left_chop(rdf) : NULL;
	int ret = rdf_text(parent, true, buf, len);
	ldns_rdf_deep_free(parent);
	ldns_rdf_deep_free(rdf);
	return ret;
}
