/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The records kms-publisher manages (SRV, A, AAAA), held as ldns_rr in canonical form (owner
 * and SRV target lower-case and absolute, class IN). ldns parses and prints them; libknot sees
 * them only where the UPDATE is built (update.c). Lists hold pointers, so the diff, the state
 * and the message builder share records instead of copying them. */
#pragma once

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dname.h"
#include "dns/error.h"
#include "dns/strbuf.h"

#define PUB_NAME_MAX KD_DNAME_STRLEN /* a canonical name (dns/dname.h) and its NUL */

/* Parse one record in zone-file syntax ("owner [ttl] [IN] TYPE rdata [; comment]"); a relative
 * owner or target is taken relative to origin (NULL: the root). Only SRV, A and AAAA of class
 * IN are records of ours; a TTL above 2^31-1 or an SRV number above 65535 is an error (ldns
 * itself would wrap them). Sets *out (canonical; free with ldns_rr_free) and returns 0, or
 * returns -1 with the reason in err (out untouched). */
int pub_rr_parse(const char *text, const ldns_rdf *origin, ldns_rr **out, kd_error_t *err);

/* A new SRV record (names in any case, absolute or not), or NULL when a name is invalid or on
 * ENOMEM. */
ldns_rr *pub_rr_new_srv(const char *owner, uint32_t ttl, uint16_t priority, uint16_t weight,
                        uint16_t port, const char *target);

/* A new A or AAAA record (the type follows the address), or NULL when ip is not a numeric
 * IPv4/IPv6 address or owner is not a name, or on ENOMEM. */
ldns_rr *pub_rr_new_addr(const char *owner, uint32_t ttl, const char *ip);

/* A canonical copy of a record read from the network (any case), or NULL on ENOMEM. */
ldns_rr *pub_rr_clone(const ldns_rr *rr);

/* Order of owner, type and rdata; the TTL is ignored. 0 = the same record. */
int pub_rr_cmp(const ldns_rr *a, const ldns_rr *b);
bool pub_rr_equal(const ldns_rr *a, const ldns_rr *b);
/* Same owner and type (the same RRset). */
bool pub_rr_same_set(const ldns_rr *a, const ldns_rr *b);

bool pub_rr_is_addr(const ldns_rr *rr);
bool pub_rr_is_srv(const ldns_rr *rr);

/* The owner, or an SRV record's target, in canonical text into buf (PUB_NAME_MAX). Returns 0,
 * or -1 (not an SRV record, short buffer). */
int pub_rr_owner_str(const ldns_rr *rr, char *buf, size_t len);
int pub_rr_target_str(const ldns_rr *rr, char *buf, size_t len);

/* The record as a zone-file line without a newline: "owner ttl IN TYPE rdata". */
void pub_rr_print(kd_strbuf_t *sb, const ldns_rr *rr);
/* "TYPE rdata", e.g. "SRV 0 0 1688 kms1.example.test." or "A 192.0.2.1". */
void pub_rr_print_rdata(kd_strbuf_t *sb, const ldns_rr *rr);
/* The type alone ("SRV"). */
const char *pub_rr_type_str(const ldns_rr *rr);

/* A growable array of record pointers. Zero-initialise. Whether the list owns its records is
 * the holder's business: pub_rrlist_free frees the records too, pub_rrlist_deinit only the
 * array. */
typedef struct {
	ldns_rr **v;
	size_t n, cap;
} pub_rrlist_t;

/* Append rr (no copy). Returns 0 or -1 on ENOMEM (list unchanged). */
int pub_rrlist_add(pub_rrlist_t *list, ldns_rr *rr);
/* Index of the first record equal to rr (pub_rr_equal), or -1. */
long pub_rrlist_find(const pub_rrlist_t *list, const ldns_rr *rr);
/* Whether a and b hold equal records with equal TTLs in the same order. */
bool pub_rrlist_same(const pub_rrlist_t *a, const pub_rrlist_t *b);
/* Remove element i (not freed), keeping order. */
void pub_rrlist_remove(pub_rrlist_t *list, size_t i);
void pub_rrlist_deinit(pub_rrlist_t *list);
void pub_rrlist_free(pub_rrlist_t *list);

/* The order of ldns_rdf_compare (size first, then the bytes), without its byte loop, and a
 * total order: NULL sorts first. */
int pub_rdf_cmp(const ldns_rdf *a, const ldns_rdf *b);

/* Orders for pub_rrindex_t, qsort-style on pointers to record pointers: the record
 * (pub_rr_cmp), its RRset (owner and type), or its RRset and SRV target (one host's records
 * at a name). */
int pub_rr_by_record(const void *a, const void *b);
int pub_rr_by_set(const void *a, const void *b);
int pub_rr_by_pair(const void *a, const void *b);

/* A sorted view of records (borrowed pointers) for look-ups in O(log n): a zone may hold a
 * thousand hosts. Zero-initialise; the records must outlive it. */
typedef struct {
	const ldns_rr **v;
	size_t n, cap;
	int (*cmp)(const void *, const void *); /* one of pub_rr_by_* */
} pub_rrindex_t;

/* Index the records of list (NULL: none), sorted by cmp. Returns 0 or -1 on ENOMEM. */
int pub_rrindex_build(pub_rrindex_t *ix, const pub_rrlist_t *list,
                      int (*cmp)(const void *, const void *));
/* The position of the first entry not below rr (ix->n when all are below): equal entries are
 * v[pos] onwards. */
size_t pub_rrindex_lower(const pub_rrindex_t *ix, const ldns_rr *rr);
/* The first entry comparing equal to rr, or NULL. */
const ldns_rr *pub_rrindex_find(const pub_rrindex_t *ix, const ldns_rr *rr);
/* Insert rr unless an entry comparing equal is there. Returns 1 inserted, 0 already there,
 * -1 on ENOMEM (index unchanged). */
int pub_rrindex_insert(pub_rrindex_t *ix, const ldns_rr *rr);
void pub_rrindex_deinit(pub_rrindex_t *ix);

/* Records grouped by the zone that holds their owners: the state file, and the desired records
 * of a round. Groups are found by index (adding a group may move the others). */
typedef struct {
	char *zone;       /* canonical, heap; "" = not known yet (found by discovery) */
	pub_rrlist_t rrs; /* owned by the set */
} pub_zrrs_t;

typedef struct {
	pub_zrrs_t *v;
	size_t n, cap;
	/* groups by a hash of their zone: slots hold index + 1 (0 = free); kept by
	 * pub_zoneset_zone, a power of two at least twice n (or NULL: searched in turn) */
	size_t *slot, nslot;
} pub_zoneset_t;

/* The index of zone's group, or -1. */
long pub_zoneset_find(const pub_zoneset_t *s, const char *zone);
/* The index of zone's group, created empty when missing; -1 on ENOMEM. */
long pub_zoneset_zone(pub_zoneset_t *s, const char *zone);
/* Add rr to zone's group; ownership passes (on failure rr is freed). 0 or -1 on ENOMEM. */
int pub_zoneset_add(pub_zoneset_t *s, const char *zone, ldns_rr *rr);
/* Make zone's group hold copies of records (TTLs included), unless it holds them already;
 * *changed tells whether it did change. 0 or -1 on ENOMEM (group unchanged). */
int pub_zoneset_set(pub_zoneset_t *s, const char *zone, const pub_rrlist_t *records, bool *changed);
/* Add to zone's group a copy of each record of records that no equal record there (or earlier
 * in records) precedes; *changed as above. 0 or -1 on ENOMEM (the copies made so far stay). */
int pub_zoneset_add_copies(pub_zoneset_t *s, const char *zone, const pub_rrlist_t *records,
                           bool *changed);
/* Records in all groups. */
size_t pub_zoneset_count(const pub_zoneset_t *s);
/* Free every group and record. */
void pub_zoneset_free(pub_zoneset_t *s);
