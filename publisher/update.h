/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RFC 2136 UPDATE messages on libknot: build and TSIG-sign one message (prerequisites and
 * updates), then verify and classify the server's response (ID, question, TSIG, rcode). No
 * transport here. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/tsigkey.h"
#include "publisher/diff.h"
#include "publisher/tsig.h"

/* The largest UPDATE we build: what one DNS message over TCP can hold. */
#define PUB_MSG_MAX 65535u

/* Prerequisites (RFC 2136 2.4) that make a signed UPDATE confirm what was read when the
 * server did not sign its answers: every RRset read with records must exist exactly so
 * (value-dependent, 2.4.2), every RRset read empty must not exist (2.4.3; only the owner and
 * type of its record count). */
typedef struct {
	const pub_rrlist_t *present;
	const pub_rrlist_t *absent;
} pub_prereq_t;

/* A built request and what verifying its response needs. */
typedef struct {
	uint8_t *wire; /* heap */
	size_t len;
	uint16_t id;
	char zone[PUB_NAME_MAX];
	bool signed_req;
	pub_tsig_req_t req; /* request MAC, needed to verify the response's TSIG */
} pub_msg_t;

/* The bytes an UPDATE for zone needs besides its records: header, zone section, TSIG. */
size_t pub_msg_overhead(const char *zone, const kd_tsig_key_t *key);
/* The most bytes op takes in a message (no name compression assumed). */
size_t pub_op_size(const pub_op_t *op);
/* The most bytes the prerequisites take. */
size_t pub_prereq_size(const pub_prereq_t *pre);

/* Build an UPDATE for zone (zone section SOA IN) with the prerequisites pre (may be NULL) and
 * ops in order, and sign it with key (NULL = unsigned, only for tests). An RRset delete of SRV
 * records is refused (it would wipe other hosts' records). Returns 0, or -1 with a reason in
 * err (out untouched). Free with pub_msg_deinit. */
int pub_msg_build(const char *zone, const pub_prereq_t *pre, const pub_oplist_t *ops,
                  const kd_tsig_key_t *key, uint16_t id, pub_msg_t *out, kd_error_t *err);

void pub_msg_deinit(pub_msg_t *msg);

/* How a response turned out. */
typedef enum {
	PUB_RES_OK = 0,
	PUB_RES_AUTH,      /* TSIG BADSIG/BADKEY: secret, key name or key permission wrong */
	PUB_RES_REFUSED,   /* REFUSED, signed: key not allowed by policy, or updates disabled */
	PUB_RES_BADTIME,   /* TSIG BADTIME: clocks differ by more than the fudge */
	PUB_RES_NOTAUTH,   /* NOTAUTH, signed, without a TSIG error: zone not served there */
	PUB_RES_NOTZONE,   /* a name outside the zone */
	PUB_RES_PREREQ,    /* a prerequisite failed (YXDOMAIN, YXRRSET, NXDOMAIN, NXRRSET) */
	PUB_RES_RCODE,     /* any other error rcode */
	PUB_RES_UNSIGNED,  /* no TSIG on the response to a signed request (any rcode) */
	PUB_RES_BADTSIG,   /* TSIG present but does not verify */
	PUB_RES_MISMATCH,  /* not a response to this request (QR, opcode, ID, question) */
	PUB_RES_MALFORMED, /* unparsable */
} pub_result_t;

typedef struct {
	pub_result_t result;
	uint16_t rcode;       /* extended rcode of the header */
	pub_tsig_result_t ts; /* the response's TSIG */
} pub_verdict_t;

/* Verify resp against req. Fills *out and returns its result. An unsigned or unverifiable reply
 * to a signed request is never PUB_RES_OK. */
pub_result_t pub_msg_check(const pub_msg_t *req, const kd_tsig_key_t *key, const uint8_t *resp,
                           size_t len, pub_verdict_t *out);

/* One line explaining a verdict, e.g. "authentication failed: NOTAUTH, TSIG BADSIG (wrong
 * secret, unknown key name, or key not permitted for this zone)". Never holds secrets. */
void pub_verdict_str(const pub_verdict_t *v, char *buf, size_t len);

/* Whether retrying soon cannot help (configuration or permission problems the server stated
 * in a signed answer). */
bool pub_result_permanent(const pub_verdict_t *v);

/* Whether the response cannot be believed as the final word (RFC 8945 5.3.2): unsigned or
 * unverifiable. Over UDP a signed answer may still come. */
bool pub_result_tentative(const pub_verdict_t *v);
