/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RFC 2136 UPDATE messages on libknot: build and TSIG-sign one message per zone, then verify
 * and classify the server's response (ID, question, TSIG, rcode). No transport here. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/tsigkey.h"
#include "publisher/diff.h"

/* A built request and what verifying its response needs. */
typedef struct {
	uint8_t *wire; /* heap */
	size_t len;
	uint16_t id;
	char zone[PUB_NAME_MAX];
	bool signed_req;
	uint8_t mac[64]; /* request MAC, needed to verify the response's TSIG */
	size_t mac_len;
} pub_msg_t;

/* Build an UPDATE for zone holding ops in order (zone section SOA IN, no prerequisites) and sign
 * it with key (NULL = unsigned, only for tests). Returns 0, or -1 with a reason in err (out
 * untouched). Free with pub_msg_deinit. */
int pub_msg_build(const char *zone, const pub_oplist_t *ops, const kd_tsig_key_t *key, uint16_t id,
                  pub_msg_t *out, kd_error_t *err);

void pub_msg_deinit(pub_msg_t *msg);

/* How a response turned out. */
typedef enum {
	PUB_RES_OK = 0,
	PUB_RES_AUTH,      /* TSIG BADSIG/BADKEY: secret, key name or key permission wrong */
	PUB_RES_REFUSED,   /* REFUSED: key not allowed by policy, or updates disabled */
	PUB_RES_BADTIME,   /* TSIG BADTIME: clocks differ by more than the fudge */
	PUB_RES_NOTAUTH,   /* NOTAUTH without a TSIG error: zone not served there */
	PUB_RES_NOTZONE,   /* a name outside the zone */
	PUB_RES_RCODE,     /* any other error rcode */
	PUB_RES_UNSIGNED,  /* success rcode without TSIG on a signed request */
	PUB_RES_BADTSIG,   /* TSIG present but does not verify */
	PUB_RES_MISMATCH,  /* not a response to this request (QR, opcode, ID, question) */
	PUB_RES_MALFORMED, /* unparsable */
} pub_result_t;

typedef struct {
	pub_result_t result;
	uint16_t rcode;      /* extended rcode of the header */
	uint16_t tsig_error; /* TSIG error field, 0 if none */
	bool has_tsig;
	bool verified; /* TSIG present and verified */
	int64_t skew;  /* BADTIME: server time minus ours, seconds */
} pub_verdict_t;

/* Verify resp against req. Fills *out and returns its result. An unsigned or unverifiable reply
 * to a signed request is never PUB_RES_OK. */
pub_result_t pub_msg_check(const pub_msg_t *req, const kd_tsig_key_t *key, const uint8_t *resp,
                           size_t len, pub_verdict_t *out);

/* One line explaining a verdict, e.g. "authentication failed: NOTAUTH, TSIG BADSIG (wrong
 * secret, unknown key name, or key not permitted for this zone)". Never holds secrets. */
void pub_verdict_str(const pub_verdict_t *v, char *buf, size_t len);

/* Whether retrying soon cannot help (configuration or permission problems). */
bool pub_result_permanent(pub_result_t r);
