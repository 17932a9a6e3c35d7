/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading what a zone's primary holds: for each name, an SOA probe (which zone holds the name,
 * or whether it is an alias) and one query per record type of ours, all signed and pipelined
 * on one TCP connection per server (kd_query_batch with pub_signer_t). The interpretation of
 * one answer is pure and works on a parsed packet or on wire data. */
#pragma once

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stddef.h>

#include "dns/addr.h"
#include "dns/error.h"
#include "dns/query.h"
#include "publisher/rr.h"
#include "publisher/tsig.h"

/* The PUB_ASK_* bit that reads records of type t (A, AAAA, SRV), or 0. */
unsigned pub_ask_bit(ldns_rr_type t);

/* Take record i of an answer section into out, in canonical form (its place in ans left
 * NULL: ans is for freeing only then). 0, or -1 on ENOMEM with ans unchanged. */
int pub_answer_take(ldns_rr_list *ans, size_t i, pub_rrlist_t *out);

/* Where an answer puts the name. */
typedef enum {
	PUB_WHERE_ZONE,     /* in the zone asked about (or no sign of anything else) */
	PUB_WHERE_CHILD,    /* in another zone the server serves, below a cut in the zone */
	PUB_WHERE_REFERRAL, /* below a cut, delegated to servers elsewhere */
	PUB_WHERE_ALIAS,    /* the name is a CNAME */
} pub_where_t;

/* What one answer says. */
typedef struct {
	pub_rrlist_t rrs; /* records of the type asked at the name (owned, canonical) */
	pub_where_t where;
	char other[PUB_NAME_MAX]; /* CHILD: its zone; REFERRAL: the cut; ALIAS: the CNAME target */
	bool is_signed;           /* the answer carried a TSIG (the signer verified it) */
	bool located;             /* it says which zone holds the name (an SOA, a referral, a
	                           * CNAME): no SOA probe is needed */
} pub_answer_t;

/* Judge pkt, the answer of a primary of zone to qname/type (canonical names). Returns 0 with
 * *out filled (its rrs appended to; free them with pub_rrlist_free): the records kept are
 * taken out of pkt's answer section (their places left NULL; pkt is for ldns_pkt_free only
 * then), or -1 with the reason in
 * err: an rcode other than NOERROR/NXDOMAIN, a truncated answer (over TCP it cannot get
 * longer: the RRset is too large), an answer that is not authoritative and no referral, or an
 * SOA saying the name lies in a zone above the one configured; out->rrs is as it was then. */
int pub_answer_parse(ldns_pkt *pkt, const char *qname, ldns_rr_type type, const char *zone,
                     pub_answer_t *out, kd_error_t *err);

/* The same from wire data (as a fuzz target sees it). */
int pub_answer_parse_wire(const uint8_t *wire, size_t len, const char *qname, ldns_rr_type type,
                          const char *zone, pub_answer_t *out, kd_error_t *err);

enum {
	PUB_ASK_SOA = 1 << 0,
	PUB_ASK_A = 1 << 1,
	PUB_ASK_AAAA = 1 << 2,
	PUB_ASK_SRV = 1 << 3,
};

/* One name to read, and what was found. */
typedef struct {
	char name[PUB_NAME_MAX]; /* canonical */
	const char *zone;        /* the zone it is read in (borrowed) */
	unsigned ask;            /* PUB_ASK_* */
	bool probe_first;        /* records are expected there (a positive answer names no
	                          * zone): the SOA probe goes with the first batch */
	/* results */
	pub_rrlist_t rrs;         /* records of the types asked (owned) */
	pub_where_t where;        /* from the SOA probe (and any answer showing a CNAME) */
	char other[PUB_NAME_MAX]; /* as in pub_answer_t */
	bool all_signed;          /* every answer carried a verified TSIG */
	kd_error_t err;           /* err.code != KD_OK: a question failed; why in err.msg */
	bool by_transfer;         /* settled by the zone's transfer (transfer.h): not asked */
} pub_name_read_t;

/* Ask every question of names[0..n) over one TCP connection (opts->conn's, when given) to the
 * first of servers that answers, each signed by signer: first the record types (and the SOA probe
 * of names with probe_first), then the SOA probe of the other names whose answers did not say which
 * zone holds them (an empty answer carries the zone's SOA, a positive one does not), in a second
 * batch on the same connection. Results go into each name;
 * *from gets the server that answered. Returns 0, or -1 when a batch could not run at all (out of
 * memory). */
int pub_read_names(const kd_query_opts_t *opts, const kd_signer_t *signer, pub_name_read_t *names,
                   size_t n, kd_addr_t *from);

void pub_name_read_deinit(pub_name_read_t *r);
