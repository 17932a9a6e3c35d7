/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/dname.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
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

#define MAX_WIRE  255 /* octets in a name, the root label included */
#define MAX_LABEL 63

/* name (presentation format, escapes \X and \DDD, trailing dot optional) into wire form, every
 * ASCII letter lower-cased. Returns the wire length (the root label included), or -1 when name
 * is not a domain name. The same rules as ldns_str2rdf_dname, so that text read here and names
 * that went through ldns have one canonical form; kept free of ldns so that code that only
 * reads configuration (libnss_kms's front) does not load it. */
static int to_wire(const char *name, uint8_t wire[MAX_WIRE])
{
	if (name == NULL || name[0] == '\0')
		return -1;
	if (strcmp(name, ".") == 0) {
		wire[0] = 0;
		return 1;
	}
	size_t pos = 0, q = 1, label = 0;
	bool dot_last = false;
	for (const char *s = name; *s != '\0'; s++, q++) {
		if (q >= MAX_WIRE)
			return -1;
		dot_last = false;
		uint8_t c;
		if (*s == '.') {
			if (label == 0 || label > MAX_LABEL)
				return -1;
			wire[pos] = (uint8_t)label;
			pos = q;
			label = 0;
			dot_last = true;
			continue;
		}
		if (*s == '\\') {
			s++;
			if (isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
			    isdigit((unsigned char)s[2])) {
				unsigned v = (unsigned)(s[0] - '0') * 100 +
				             (unsigned)(s[1] - '0') * 10 + (unsigned)(s[2] - '0');
				if (v > 255)
					return -1;
				c = (uint8_t)v;
				s += 2;
			} else if (s[0] != '\0' && !isdigit((unsigned char)s[0])) {
				c = (uint8_t)s[0];
			} else {
				return -1;
			}
		} else {
			c = (uint8_t)*s;
		}
		wire[q] = c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
		label++;
	}
	if (!dot_last) {
		if (q >= MAX_WIRE || label == 0 || label > MAX_LABEL)
			return -1;
		wire[pos] = (uint8_t)label;
		pos = q;
	}
	wire[pos] = 0;
	return (int)pos + 1;
}

/* Presentation text of wire (as ldns prints a dname: '.', ';', '(', ')' and '\' escaped as \X,
 * other bytes that are not printable ASCII as \DDD) into buf, with the trailing dot unless
 * keep_dot is false (the root stays "."). -1 when it does not fit. */
static int wire_text(const uint8_t *wire, bool keep_dot, char *buf, size_t len)
{
	char out[MAX_WIRE * 4 + 2];
	size_t n = 0;
	if (wire[0] == 0) {
		out[n++] = '.';
	}
	for (size_t p = 0; wire[p] != 0; p += (size_t)wire[p] + 1) {
		for (size_t i = 1; i <= wire[p]; i++) {
			unsigned char c = wire[p + i];
			if (c == '.' || c == ';' || c == '(' || c == ')' || c == '\\') {
				out[n++] = '\\';
				out[n++] = (char)c;
			} else if (!(isascii(c) && isgraph(c))) {
				n += (size_t)snprintf(out + n, sizeof(out) - n, "\\%03u", c);
			} else {
				out[n++] = (char)c;
			}
		}
		if (keep_dot || wire[p + (size_t)wire[p] + 1] != 0)
			out[n++] = '.';
	}
	if (n >= len)
		return -1;
	memcpy(buf, out, n);
	buf[n] = '\0';
	return 0;
}

static int name_text(const char *name, bool keep_dot, char *buf, size_t len)
{
	uint8_t wire[MAX_WIRE];
	if (to_wire(name, wire) < 0)
		return -1;
	return wire_text(wire, keep_dot, buf, len);
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
	uint8_t x[MAX_WIRE], y[MAX_WIRE];
	int nx = to_wire(a, x), ny = to_wire(b, y);
	return nx > 0 && nx == ny && memcmp(x, y, (size_t)nx) == 0;
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
	uint8_t n[MAX_WIRE], z[MAX_WIRE];
	int nn = to_wire(name, n), nz = to_wire(zone, z);
	if (nn < 0 || nz < 0)
		return false;
	/* zone must be the tail of name starting at a label boundary. */
	for (size_t p = 0;; p += (size_t)n[p] + 1) {
		if ((size_t)nn - p == (size_t)nz && memcmp(n + p, z, (size_t)nz) == 0)
			return true;
		if (n[p] == 0)
			return false;
	}
}

int kd_dname_parent(const char *name, char *buf, size_t len)
{
	uint8_t wire[MAX_WIRE];
	if (to_wire(name, wire) < 0 || wire[0] == 0)
		return -1;
	return wire_text(wire + wire[0] + 1, true, buf, len);
}
