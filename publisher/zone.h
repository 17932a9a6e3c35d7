/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One zone's part of a round: the records wanted there and the ones of ours there, the names
 * to read, what was read, the operations, and the outcome. The round (round.c) runs the
 * phases over all zones at once; this file holds what concerns one zone at a time. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "dns/addr.h"
#include "dns/error.h"
#include "publisher/diff.h"
#include "publisher/primary.h"
#include "publisher/read.h"
#include "publisher/round.h"

typedef struct {
	char *zone;       /* canonical, heap */
	pub_rrlist_t des; /* desired here (borrowed) */
	pub_rrlist_t pub; /* ours here: from the state file, and when withdrawing the configured
	                   * records too (borrowed); those not desired are withdrawn */
	pub_target_t target;
	size_t group; /* index of its server list in the round */
	bool has_target;
	/* reading */
	pub_name_read_t *names;
	size_t n_names, cap_names;
	pub_rrlist_t actual; /* borrowed from names[].rrs */
	pub_rrlist_t absent; /* one record (borrowed from des/pub) per RRset read empty */
	bool read_ok;        /* every answer came and made sense */
	bool unconfirmed;    /* answers came unsigned: the first UPDATE carries prerequisites */
	bool prereq_sent;    /* the message carrying them went out */
	/* writing */
	pub_oplist_t ops;
	size_t applied; /* operations the server applied */
	bool deleted;   /* withdrawn records were deleted: to be confirmed by reading */
	/* outcome */
	bool skip;    /* not this round: not due, nothing of ours, or interrupted */
	bool trusted; /* actual is what the server holds: signed answers, or confirmed by a
	               * signed UPDATE's prerequisites */
	bool done;    /* every phase ran for it */
	bool failed, permanent;
	kd_error_t err; /* the first failure */
	char srv[KD_ADDR_STRLEN];
} pub_work_t;

/* The name entry of work for name, created with the ask bits when missing. Returns its index
 * or -1 on ENOMEM. */
long pub_work_name(pub_work_t *w, const char *name, unsigned ask);

/* The names work reads: the owner of each record (an SOA probe and its types) and the SRV
 * targets inside the zone (a probe: an alias must not be an SRV target). 0 or -1. */
int pub_work_plan_reads(pub_work_t *w);

/* Record a failure of work (the first one is kept for the summary line; later ones are
 * logged at once). */
void pub_work_fail(pub_work_t *w, bool permanent, const kd_error_t *err);

/* After reading: the records read into actual, the RRsets read empty into absent. 0 or -1. */
int pub_work_collect(pub_work_t *w);

/* Drop the records of owner (canonical) from des and pub. */
void pub_work_drop_owner(pub_work_t *w, const ldns_rdf *owner);

void pub_work_deinit(pub_work_t *w);

/* "add _vlmcs._tcp.example.test. SRV x3, delete kms1.example.test. A": the records of a
 * message, for an error that must name them. */
void pub_ops_summary(const pub_oplist_t *ops, char *buf, size_t len);
