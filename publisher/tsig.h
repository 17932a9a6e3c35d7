/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TSIG on libknot, in one place for the UPDATEs (update.c) and the signed reads (the
 * kd_signer_t given to kd_query_batch): sign a message, check the TSIG of a reply, and say
 * what a failed check means. Never prints a secret. */
#pragma once

#include <libknot/libknot.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/query.h"
#include "dns/tsigkey.h"

/* What verifying a reply needs from its request: the request's MAC. */
typedef struct {
	uint8_t mac[64];
	size_t mac_len;
} pub_tsig_req_t;

/* The bytes a TSIG record for key adds to a message. */
size_t pub_tsig_size(const kd_tsig_key_t *key);

/* Sign the message of *len bytes in wire (room for cap) with key, appending the TSIG record;
 * *req receives the MAC. Returns 0, or -1 with the reason in err. */
int pub_tsig_sign(const kd_tsig_key_t *key, uint8_t *wire, size_t *len, size_t cap,
                  pub_tsig_req_t *req, kd_error_t *err);

typedef enum {
	PUB_TSIG_NONE,     /* the reply carries no TSIG */
	PUB_TSIG_VERIFIED, /* it verifies with the key and the request MAC */
	PUB_TSIG_KEYERR,   /* error BADSIG or BADKEY: the server could not use our key, and the
	                    * reply cannot be authenticated (RFC 8945 5.3.2) */
	PUB_TSIG_BADTIME,  /* the clocks differ by more than the fudge (reported by the server or
	                    * seen here); verified tells whether the MAC checked out */
	PUB_TSIG_INVALID,  /* present but does not verify */
} pub_tsig_status_t;

typedef struct {
	pub_tsig_status_t status;
	uint16_t error; /* TSIG error field, 0 if none */
	bool verified;  /* the MAC checked out */
	int64_t skew;   /* BADTIME: server time minus ours, seconds */
} pub_tsig_result_t;

/* Check the TSIG of pkt, a reply parsed by knot_pkt_parse (which moved the TSIG record to
 * pkt->tsig_rr), against req and key. */
void pub_tsig_check(const kd_tsig_key_t *key, const pub_tsig_req_t *req, const knot_pkt_t *pkt,
                    pub_tsig_result_t *out);

/* pub_tsig_check for message number seq of an answer of several messages (a zone transfer):
 * message 0 against the request's MAC in req, each later one against the MAC of the message
 * before it (RFC 8945 5.3.1; every message must be signed). When it verifies, req takes this
 * message's MAC, for the next. */
void pub_tsig_check_seq(const kd_tsig_key_t *key, pub_tsig_req_t *req, size_t seq,
                        const knot_pkt_t *pkt, pub_tsig_result_t *out);

/* A reply parsed by libknot (every record checked; the TSIG found and moved to pkt->tsig_rr,
 * as pub_tsig_check wants it), in a copy of wire the packet owns: knot_pkt_free frees both.
 * NULL when it is malformed, shorter than a header or longer than 65535 bytes, or on
 * ENOMEM. */
knot_pkt_t *pub_pkt_parse(const uint8_t *wire, size_t len);

/* The extended rcode of a parsed reply. */
uint16_t pub_pkt_rcode(const knot_pkt_t *pkt);

/* "NOERROR", "NOTAUTH", ... */
const char *pub_rcode_name(uint16_t rcode);

/* "NOTAUTH, TSIG BADSIG" / "REFUSED, unsigned" / "NOERROR": the rcode as a reason names it. */
void pub_rcode_str(uint16_t rcode, const pub_tsig_result_t *t, char *buf, size_t len);

/* Why a reply to a signed request cannot be believed, into buf: unsigned error rcodes,
 * BADSIG/BADKEY, BADTIME, a MAC that does not verify. Returns 0 when t is VERIFIED without
 * a TSIG error, or when the reply is unsigned with NOERROR/NXDOMAIN (the caller decides what
 * an unsigned answer means), and writes nothing then; -1 otherwise. */
int pub_tsig_why(uint16_t rcode, const pub_tsig_result_t *t, char *buf, size_t len);

/* Signs reads: each query with the key of the zone that holds its name (several zones, and
 * keys, share one connection to a server). Verifying an answer: KD_OK when it verifies, and
 * also when it is unsigned with NOERROR/NXDOMAIN (a server that does not sign answers: the
 * caller sees no TSIG in the answer and confirms it otherwise); KD_ETSIG with the reason
 * (pub_tsig_why) for every other answer. */
typedef struct pub_signer pub_signer_t;

pub_signer_t *pub_signer_new(void);
/* Queries for name (canonical, absolute) are signed with key (borrowed; decoded once per
 * signer, its secret wiped by pub_signer_free). 0 or -1 (ENOMEM). */
int pub_signer_add(pub_signer_t *s, const char *name, const kd_tsig_key_t *key);
/* The kd_signer_t for kd_query_batch; valid while s lives. */
kd_signer_t pub_signer_get(pub_signer_t *s);
void pub_signer_free(pub_signer_t *s);
