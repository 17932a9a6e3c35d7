/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DNS queries: built here (the wire ldns would build), replies parsed with ldns, sent
 * through dns/transport. Explicit servers (address@port each, tried in turn) or resolv.conf,
 * a timeout, TCP only or UDP with TCP fallback when truncated; several questions pipelined on
 * one TCP connection, optionally signed (the signer is supplied by the caller, so dns/ stays
 * libknot-free). */
#pragma once

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdint.h>

#include "dns/addr.h"
#include "dns/error.h"
#include "dns/transport.h"

typedef struct {
	const kd_addr_t *servers; /* tried in order; count 0 = resolv.conf nameservers
	                           * (127.0.0.1@53 when it names none) */
	size_t count;
	uint64_t timeout_ms; /* per server and attempt; 0 = 3000 */
	bool tcp;            /* TCP only; else UDP, retried over TCP when truncated */
	bool recurse;        /* set RD (true for stub lookups, false for asking a primary) */
	kd_conn_t **conn;    /* kd_query_batch: non-NULL leaves the connection open here for the
	                      * next batch, and uses the one found there when it goes to the same
	                      * server (else closes it); the caller closes what is left */
} kd_query_opts_t;

/* Ask name/type/IN (name absolute or not; it is always sent absolute, with EDNS 1232).
 * On success returns KD_OK and sets *answer (caller frees with ldns_pkt_free)
 * and, if from != NULL, the server that answered. Any rcode is a success here: callers read
 * ldns_pkt_get_rcode(). The answer's id and question are checked against the query: over UDP
 * a non-matching datagram is ignored (KD_EMISMATCH if nothing else came before the timeout),
 * over TCP it is KD_EMISMATCH at once. A closed port is KD_ENET (UDP sockets are connected).
 * On failure returns KD_EINVAL (bad name) or KD_ETIMEOUT / KD_ENET / KD_EMISMATCH /
 * KD_EMALFORMED for the last server tried; outputs untouched. */
kd_err_t kd_query(const kd_query_opts_t *opts, const char *name, ldns_rr_type type,
                  ldns_pkt **answer, kd_addr_t *from);

/* The query kd_query sends for name/type/IN (absolute name, EDNS 1232, a random ID, RD when rd),
 * for callers that carry it themselves (dns/qengine). *pkt (ldns_pkt_free) and *wire (free) are
 * the caller's; outputs untouched on failure (KD_EINVAL for a bad name, KD_ENOMEM). */
kd_err_t kd_query_build(const char *name, ldns_rr_type type, bool rd, ldns_pkt **pkt,
                        uint8_t **wire, size_t *len);

/* Parse a reply and check that it answers query (QR, opcode QUERY, the same question; an error
 * rcode may come without the question). KD_OK with *out (ldns_pkt_free), KD_EMALFORMED or
 * KD_EMISMATCH. */
kd_err_t kd_reply_parse(const uint8_t *buf, size_t len, const ldns_pkt *query, ldns_pkt **out);

/* The transport's check (kd_reply_fn) for a query: FINAL for a reply that kd_reply_parse
 * accepts for query (an ldns_pkt *), else IGNORE. */
kd_reply_t kd_reply_check(const uint8_t *msg, size_t len, void *query);

/* Signs requests and verifies what answers them (TSIG in the publisher, on libknot). */
typedef struct {
	/* Sign msg in place (*len bytes now, room for cap); *req receives what verifying the
	 * answer needs (freed with release). KD_OK or an error. */
	kd_err_t (*sign)(void *arg, uint8_t *msg, size_t *len, size_t cap, void **req);
	/* KD_OK when reply is signed and verifies for req; else KD_ETSIG (or another error)
	 * with the reason in why (never a secret). */
	kd_err_t (*verify)(void *arg, const void *req, const uint8_t *reply, size_t len, char *why,
	                   size_t whylen);
	void (*release)(void *arg, void *req);
	void *arg;
} kd_signer_t;

#define KD_WHY_MAX 200

/* One question of a batch. */
typedef struct {
	const char *name; /* in: absolute or not; sent absolute */
	ldns_rr_type type;
	ldns_pkt *answer;     /* out: caller frees (ldns_pkt_free); NULL when none */
	kd_err_t err;         /* out: KD_OK when answer is set */
	char why[KD_WHY_MAX]; /* out: the signer's reason when err is KD_ETSIG */
} kd_question_t;

/* Ask every question over one TCP connection to the first server of opts that answers
 * (pipelined, RFC 7766), each query signed with signer when it is not NULL; an answer that
 * does not verify is not taken (err KD_ETSIG, the reason in why). RD as opts->recurse, no
 * UDP. A connection the server closes midway is reopened for the questions left; the next
 * server gets the questions its predecessor did not answer (a kept connection, opts->conn,
 * that the server closed meanwhile is opened again). timeout_ms bounds each connection while
 * it makes no progress. Returns KD_OK when every question has an answer, else the
 * error of the first one without; *from (optional) gets the server that answered last. Every
 * question gets its err, also when the batch cannot run: KD_ENOMEM, or KD_EINVAL for more
 * than KD_BATCH_MAX questions (their IDs must differ). */
#define KD_BATCH_MAX 65535
kd_err_t kd_query_batch(const kd_query_opts_t *opts, const kd_signer_t *signer, kd_question_t *qs,
                        size_t n, kd_addr_t *from);
