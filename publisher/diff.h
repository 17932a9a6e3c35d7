/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Desired versus actual records of one zone -> the RFC 2136 update operations that repair the
 * difference, touching only records that are ours. */
#pragma once

#include "publisher/rr.h"

typedef enum {
	PUB_OP_ADD,       /* class IN, with TTL */
	PUB_OP_DEL,       /* one record: class NONE, TTL 0, with rdata (RFC 2136 2.5.4) */
	PUB_OP_DEL_RRSET, /* a whole A/AAAA RRset: class ANY (2.5.2); never used for SRV */
} pub_op_kind_t;

/* One operation; rr is borrowed from the lists given to pub_diff (for DEL_RRSET only its
 * owner and type count). */
typedef struct {
	pub_op_kind_t kind;
	const ldns_rr *rr;
} pub_op_t;

typedef struct {
	pub_op_t *v;
	size_t n, cap;
} pub_oplist_t;

/* Compute the operations for one zone. published holds the records of ours there (the state
 * file, and when withdrawing the configured ones too); those not desired are withdrawn. Order:
 * SRV deletes, address deletes and RRset replacements, address adds, SRV adds (addresses exist
 * before SRV records point at them and outlive them). Rules:
 * - desired SRV records missing from actual are added;
 * - an actual SRV record is deleted when its (owner, target) pair is ours - it appears in
 *   desired or among the withdrawn records - and it is not exactly desired (stale
 *   priority/weight/port or a withdrawn host); other hosts' records are never touched;
 * - for an owner with desired A (or AAAA) records, the actual RRset of that type is replaced
 *   (an RRset delete, only when it holds records, then the adds) unless it already holds
 *   exactly the desired addresses;
 * - withdrawn address records are deleted one by one when present and their type is not
 *   desired at that owner;
 * - a TTL change is applied (the record deleted and added again, in the same message) when the
 *   desired TTL differs from what the server holds and from what we published: a TTL someone
 *   else set is not fought over.
 * Names compare case-insensitively. Appends to out (empty when nothing differs); the
 * operations point into the three lists, which must outlive them. Returns 0 or -1 on ENOMEM. */
int pub_diff(const pub_rrlist_t *desired, const pub_rrlist_t *actual, const pub_rrlist_t *published,
             pub_oplist_t *out);

int pub_oplist_add(pub_oplist_t *ops, pub_op_kind_t kind, const ldns_rr *rr);
void pub_oplist_deinit(pub_oplist_t *ops);
