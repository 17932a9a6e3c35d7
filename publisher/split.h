/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Splitting the operations of a round into UPDATE messages of at most 64 KiB. Operations are
 * grouped into units that must stay in one message (a host's SRV record replaced at a name; a
 * host's address RRset replaced), and units wait for the ones they depend on across zones:
 * SRV records pointing at a host are added only after its addresses were written (in an
 * earlier message, or earlier in the same one), and a withdrawn host's addresses are deleted
 * only after its SRV records are gone. A unit whose dependency failed is skipped, so that no
 * SRV record points at a host whose addresses could not be written. Pure: no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "publisher/diff.h"

typedef enum {
	PUB_UNIT_SRV_DEL, /* deletes of SRV records of a host at a name (a withdrawn host) */
	PUB_UNIT_ADDR,    /* a host's address RRset replaced, or its withdrawn addresses deleted */
	PUB_UNIT_SRV_ADD, /* an SRV record added at a name (after deleting its stale variants) */
} pub_unit_class_t;

typedef enum {
	PUB_U_PENDING,
	PUB_U_SENT,    /* in message msg, no answer yet */
	PUB_U_OK,      /* the server applied it */
	PUB_U_FAILED,  /* its message was rejected, or it fits no message */
	PUB_U_SKIPPED, /* a unit it depends on failed */
} pub_unit_state_t;

typedef struct {
	size_t zone; /* the caller's zone index */
	pub_unit_class_t cls;
	bool deletes_only;    /* ADDR: withdrawn addresses only */
	const ldns_rdf *host; /* ADDR: the owner; SRV: the target */
	pub_oplist_t ops;     /* borrowed records */
	size_t size;          /* most bytes the ops take */
	pub_unit_state_t st;
	size_t msg;            /* SENT: the message number */
	size_t dep_lo, dep_hi; /* range in the dependency index (split.c) */
} pub_unit_t;

typedef struct {
	const ldns_rdf *host;
	size_t unit;
} pub_host_ref_t;

typedef struct {
	pub_unit_t *v;
	size_t n, cap;
	pub_host_ref_t *by_addr_host; /* ADDR units sorted by host */
	pub_host_ref_t *by_del_host;  /* SRV_DEL units sorted by host */
	size_t n_addr, n_del;
	size_t next_msg;
} pub_units_t;

/* Append the units of one zone's operations (in pub_diff order). Zones are added in
 * increasing order of their index. 0 or -1 (ENOMEM, or a zone out of order). */
int pub_units_add(pub_units_t *u, size_t zone, const pub_oplist_t *ops);

/* Work out who waits for whom; call once after the last pub_units_add. 0 or -1 on ENOMEM. */
int pub_units_link(pub_units_t *u);

/* Pack the next message of zone: its pending units in order whose dependencies are met,
 * within budget bytes. Units whose dependencies failed become SKIPPED; a unit larger than
 * budget on its own becomes FAILED. The packed units are marked SENT with a new message
 * number, returned in *msg, and their ops appended to ops. Returns the number of units
 * packed (0: nothing to send for this zone now). -1 on ENOMEM. */
long pub_units_pack(pub_units_t *u, size_t zone, size_t budget, pub_oplist_t *ops, size_t *msg);

/* Mark the units of zone's message msg OK or FAILED. */
void pub_units_done(pub_units_t *u, size_t zone, size_t msg, bool ok);

/* Mark zone's pending units SKIPPED (its read could not be confirmed). */
void pub_units_skip_zone(pub_units_t *u, size_t zone);

/* Whether zone has units not yet sent. */
bool pub_units_pending(const pub_units_t *u, size_t zone);

void pub_units_free(pub_units_t *u);
