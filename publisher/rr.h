/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The records kms-publisher manages (SRV, A, AAAA) in a fixed-size form that the diff, the
 * state file, the message builder and the dry-run printer share. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dname.h"

#define PUB_NAME_MAX KD_DNAME_STRLEN /* a canonical name (dns/dname.h) and its NUL */

enum { PUB_T_A = 1, PUB_T_AAAA = 28, PUB_T_SRV = 33 };

typedef struct {
	char zone[PUB_NAME_MAX]; /* zone holding owner (lower-case, absolute); "" = not known yet */
	char owner[PUB_NAME_MAX]; /* lower-case, absolute */
	uint16_t type;            /* PUB_T_* */
	uint32_t ttl;
	uint16_t priority, weight, port; /* SRV */
	char target[PUB_NAME_MAX];       /* SRV, lower-case, absolute */
	uint8_t addr[16];                /* A: first 4 bytes, AAAA: 16 */
} pub_rr_t;

/* A growable array of records; zero-initialise, then pub_rrlist_deinit. */
typedef struct {
	pub_rr_t *v;
	size_t n, cap;
} pub_rrlist_t;

/* Same owner, type and rdata; names compared case-insensitively; TTL and zone ignored. */
bool pub_rr_equal(const pub_rr_t *a, const pub_rr_t *b);

/* "TYPE rdata" of a record, e.g. "SRV 0 0 1688 kms1.example.test." or "A 192.0.2.1". */
void pub_rr_rdata_str(const pub_rr_t *rr, char *buf, size_t len);

/* "owner ttl TYPE rdata". */
void pub_rr_str(const pub_rr_t *rr, char *buf, size_t len);

/* Parse "owner ttl TYPE rdata" (the format of pub_rr_str). zone is left empty.
 * Returns 0 or -1 (out untouched). */
int pub_rr_parse(const char *text, pub_rr_t *out);

/* Set the address of an A/AAAA record from text; type follows the address family.
 * Returns 0 or -1. */
int pub_rr_set_addr(pub_rr_t *rr, const char *text);

/* Append a copy. Returns 0 or -1 on ENOMEM. */
int pub_rrlist_add(pub_rrlist_t *list, const pub_rr_t *rr);
/* Index of the first record equal to rr (pub_rr_equal), or -1. */
long pub_rrlist_find(const pub_rrlist_t *list, const pub_rr_t *rr);
/* Remove element i, keeping order. */
void pub_rrlist_remove(pub_rrlist_t *list, size_t i);
void pub_rrlist_deinit(pub_rrlist_t *list);
