/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain names. One canonical form: presentation text, lower-case, absolute (exactly one
 * trailing dot; the root is "."), special characters escaped as ldns prints them
 * ("a\.b.example."). Users see names without the trailing dot (kd_dname_text). Functions that
 * write into a caller's buffer leave it untouched on failure. The text functions (dname.c) are
 * plain C, so that code reading configuration only needs no ldns; the rdf ones (dname_rdf.c)
 * are on ldns. libknot-free. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Buffer size that holds any name without escapes: 253 characters, the dot and the NUL. */
#define KD_DNAME_STRLEN 256

struct ldns_struct_rdf; /* ldns_rdf */

/* Whether text is a host-style name for configuration: letters, digits, '-' and '_' only, labels
 * of 1..63 characters, at most 253 characters before an optional trailing dot. "." (the root)
 * is valid; callers that do not want it say so. */
bool kd_dname_valid(const char *text);

/* The canonical form of name (absolute or relative: both are taken as absolute) into buf.
 * Returns 0, or -1 when name is not a domain name (NULL, empty, an empty label, a label over 63
 * octets, over 255 octets in all) or does not fit len. */
int kd_dname_canon(const char *name, char *buf, size_t len);

/* The form users see: the canonical form without the trailing dot ("." stays "."). */
int kd_dname_text(const char *name, char *buf, size_t len);

/* Same name, ignoring case and a trailing dot. false when either is not a domain name. */
bool kd_dname_equal(const char *a, const char *b);

/* Whether name is zone itself or lies below it (on label boundaries; the root holds every
 * name). false when either is not a domain name. */
bool kd_dname_in_zone(const char *name, const char *zone);

/* The canonical parent of name: "b.example." for "a.b.example.", "." for "example.". -1 for the
 * root (it has none), a bad name or a short buffer. */
int kd_dname_parent(const char *name, char *buf, size_t len);

/* A new ldns dname rdf for name (absolute; case kept), or NULL when name is not a domain name or
 * on ENOMEM. The caller frees it with ldns_rdf_deep_free. */
struct ldns_struct_rdf *kd_dname_to_rdf(const char *name);

/* The canonical form of a dname rdf into buf. -1 when rdf is not a dname or buf is short. */
int kd_dname_from_rdf(const struct ldns_struct_rdf *rdf, char *buf, size_t len);
